"""Examples per second of the translate-shaped model on a loopback ps/worker cluster.

Runs tests/fixtures/distributed/dist_translate.py (bucketed
embedding_attention_seq2seq, one shared GRU cell, sampled softmax) unmodified
through `legacy_seq2seq_compat.cluster.launch`, with one ps task and

* 1 worker, asynchronous (the reference),
* 2 workers, asynchronous,
* 2 workers, synchronous (SyncReplicasOptimizer, 2 replicas to aggregate),

the configurations alternating over `--reps` repetitions. Throughput is
counted from the workers' own step lines, timestamped as they arrive: the
first `--warmup` global steps are left out (session start, first traces),
then examples/s = steps printed by all workers x batch size / seconds from
the first counted line to the last. Start-up time is not in it.

Bytes moved between ps and workers per worker step are estimated from the
checkpoint's variable sizes: a worker reads every variable it uses from the
ps and sends back one gradient per trainable variable, so a step moves about
2 x the trainable bytes (dense; the embeddings' sparse gradients move less),
plus, for the synchronous case, nothing of size (tokens are scalars).

On a machine with fewer cores than tasks no speed-up is expected; the point is
the overhead. Run from the repository root (a few minutes; each run starts 2-3 TF processes):

    python benchmarks/cluster_benchmark.py --reps 2

It writes `cluster_benchmark.json` and `cluster_benchmark.md` to `--out`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["PYTHONPATH"] = ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")

from legacy_seq2seq_compat import cluster  # noqa: E402

SCRIPT = os.path.join(ROOT, "tests", "fixtures", "distributed", "dist_translate.py")
CONFIGS = [("1 worker, async", 1, False), ("2 workers, async", 2, False),
           ("2 workers, sync", 2, True)]
_STEP = re.compile(r"^\[worker:(\d+)\] step (\d+) loss ")


class _Timestamps:
    """A file-like sink for `cluster.launch` that timestamps each worker step line."""

    def __init__(self) -> None:
        self.steps: list = []
        self._lock = threading.Lock()

    def write(self, text: str) -> None:
        now = time.monotonic()
        for line in text.splitlines():
            match = _STEP.match(line)
            if match:
                with self._lock:
                    self.steps.append((now, int(match.group(1)), int(match.group(2))))

    def flush(self) -> None:
        pass


def run_once(workers: int, sync: bool, steps: int, warmup: int, batch: int) -> dict:
    """One cluster run; returns examples/s and the trainable bytes."""
    with tempfile.TemporaryDirectory(prefix="cluster_bench_") as train_dir:
        sink = _Timestamps()
        args = [f"--train_dir={train_dir}", f"--train_steps={steps}",
                f"--batch_size={batch}", "--save_steps=100000"]
        if sync:
            args.append("--sync_replicas")
        status = cluster.launch(SCRIPT, args, num_ps=1, num_workers=workers, timeout=600,
                                out=sink)
        if status != 0:
            raise RuntimeError(f"cluster run failed with status {status}")
        counted = [t for t, _, step in sink.steps if step >= warmup]
        seconds = counted[-1] - counted[0]
        examples = (len(counted) - 1) * batch
        import tensorflow as tf

        reader = tf.train.load_checkpoint(train_dir)
        shapes = reader.get_variable_to_shape_map()
        dtypes = reader.get_variable_to_dtype_map()
        trainable = sum(int(np.prod(shape)) * dtypes[name].size for name, shape in shapes.items()
                        if name.startswith(("embedding_attention_seq2seq/", "proj_")))
    return {"examples_per_s": examples / seconds, "steps_counted": len(counted),
            "trainable_bytes": trainable}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--steps", type=int, default=60, help="global steps per run")
    parser.add_argument("--warmup", type=int, default=10, help="global steps not counted")
    parser.add_argument("--batch", type=int, default=4, help="batch size per worker")
    parser.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results"))
    args = parser.parse_args(argv)
    runs: dict = {name: [] for name, _, _ in CONFIGS}
    trainable = 0
    for rep in range(args.reps):
        for name, workers, sync in CONFIGS:
            result = run_once(workers, sync, args.steps, args.warmup, args.batch)
            trainable = result["trainable_bytes"]
            runs[name].append(result["examples_per_s"])
            print(f"rep {rep}: {name}: {result['examples_per_s']:.1f} examples/s "
                  f"({result['steps_counted']} steps counted)", flush=True)
    import tensorflow as tf

    reference = statistics.median(runs[CONFIGS[0][0]])
    rows = []
    for name, workers, sync in CONFIGS:
        median = statistics.median(runs[name])
        rows.append({"config": name, "workers": workers, "sync": sync,
                     "examples_per_s": runs[name], "median": median,
                     "vs_1_worker": median / reference,
                     "bytes_per_worker_step": 2 * trainable,
                     "bytes_per_global_step": 2 * trainable * (workers if sync else 1)})
    report = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "tensorflow": tf.__version__,
              "cpus": os.cpu_count(), "reps": args.reps, "steps": args.steps,
              "warmup": args.warmup, "batch_per_worker": args.batch,
              "trainable_bytes": trainable, "rows": rows}
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "cluster_benchmark.json"), "w") as f:
        json.dump(report, f, indent=1)
    lines = ["# Loopback cluster: translate-shaped model, 1 ps task", "",
             f"{report['date']}, TensorFlow {report['tensorflow']}, {report['cpus']} CPUs; "
             f"{args.steps} global steps per run, the first {args.warmup} not counted, batch "
             f"{args.batch} per worker, {args.reps} alternating repetitions.", "",
             "| configuration | examples/s (runs) | median | vs 1 worker "
             "| ps<->worker bytes per worker step (est.) |",
             "|---|---|---|---|---|"]
    for row in rows:
        runs_text = ", ".join(f"{v:.1f}" for v in row["examples_per_s"])
        lines.append(f"| {row['config']} | {runs_text} | {row['median']:.1f} | "
                     f"{row['vs_1_worker']:.2f} | {row['bytes_per_worker_step'] / 1024:.0f} KiB |")
    lines += ["", f"Trainable variables: {trainable / 1024:.0f} KiB; a worker step reads them "
              "from the ps and sends a gradient of each back (dense estimate)."]
    with open(os.path.join(args.out, "cluster_benchmark.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
