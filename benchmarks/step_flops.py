"""How close a step of the benchmark model is to this machine's matmul throughput.

For each bucket, training and decoding, this script runs the translate
tutorial's model of `seq2seq_benchmark.py` (variant a, this library, and
variant b, the baseline revision, each in its own subprocess), traces one
step and adds up the floating-point work of every matrix product that ran
(2 * M * N * K per MatMul, batched MatMul and 1x1 convolution). It also
times, in the same run, float32 matmuls on this machine: a large square one
and the [32, K] x [K, N] shapes a recurrent step of batch 32 is made of.

The report gives, per bucket, the matmul GFLOP of a step, the step's median
time and the throughput that implies, and the throughput a step of the same
work would need to reach the issue's targets (0.6 x b's training step, 0.7 x
b's decoding step). A target needing more than the machine delivers for
those shapes cannot be met without doing less work per step.

Run from the repository root (about 20 minutes on 2 cores):

    python benchmarks/step_flops.py --cells gru

It writes `step_flops.json` and `step_flops.md` to `--out` and prints the
Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from typing import Any, Optional

import seq2seq_benchmark as bench

RESULT_TAG = "STEP_FLOPS_RESULT "
TARGETS = {"train": 0.6, "decode": 0.7}
# Shapes of the products a batch-32 recurrent step is made of, and one large one.
PROBE_SHAPES = [(32, 512, 512), (32, 512, 256), (32, 256, 768), (32, 256, 4000),
                (256, 32, 512), (1600, 256, 768), (1024, 1024, 1024)]


def parse_label(label: str) -> tuple[str, str, list]:
    """``(node name, op type, input names)`` of a step-stats timeline label."""
    if label.startswith("["):
        label = label.split("] ", 1)[1]
    name, call = label.split(" = ", 1)
    kind, _, rest = call.partition("(")
    inputs = [x.strip() for x in rest.rstrip(")").split(",") if x.strip()]
    return name, kind, [x for x in inputs if not x.startswith("^")]


def product(values: list) -> int:
    result = 1
    for value in values:
        result *= value
    return result


def matrix_product_flops(a: list, b: list, out: list) -> Optional[float]:
    """2 * M * N * K for ``out = op(a) @ op(b)``, the transposes found from the shapes.

    Leading dimensions of a batched product are taken from `out`.
    """
    (a0, a1), (b0, b1), (m, n) = a[-2:], b[-2:], out[-2:]
    for left, inner_a in ((a0, a1), (a1, a0)):
        for inner_b, right in ((b0, b1), (b1, b0)):
            if left == m and right == n and inner_a == inner_b:
                return 2.0 * product(out) * inner_a
    return None


def traced_nodes(step_stats: Any) -> list:
    """``(op type, operand shapes, output shapes, op microseconds)`` of every traced node.

    Operand shapes are the recorded output shapes of the nodes feeding each
    node (None where the producer was not traced), so no graph is needed
    (the library's step functions are inlined under names of their own).
    """
    nodes = []
    shapes: dict = {}
    for device in step_stats.dev_stats:
        for node in device.node_stats:
            if " = " not in node.timeline_label:
                continue
            name, kind, inputs = parse_label(node.timeline_label)
            shapes[name] = [[d.size for d in o.tensor_description.shape.dim]
                            for o in node.output]
            nodes.append((kind, inputs, shapes[name],
                          node.op_end_rel_micros - node.op_start_rel_micros))

    def shape_of(tensor: str) -> Optional[list]:
        name, _, index = tensor.partition(":")
        outputs = shapes.get(name)
        index = int(index or 0)
        return outputs[index] if outputs and index < len(outputs) else None

    return [(kind, [shape_of(x) for x in inputs], outputs, micros)
            for kind, inputs, outputs, micros in nodes]


def step_matmul_flops(step_stats: Any) -> tuple[float, int]:
    """Matmul and convolution FLOPs of one traced step: ``(flops, products not counted)``."""
    flops, uncounted = 0.0, 0
    for kind, operands, outputs, _ in traced_nodes(step_stats):
        if "MatMul" not in kind and "Conv2D" not in kind:
            continue
        operands = operands[:3]
        out = outputs[0] if outputs else None
        counted = None
        if out is not None and "MatMul" in kind and None not in operands[:2]:
            counted = matrix_product_flops(operands[0], operands[1], out)
        elif out is not None and kind.endswith("Conv2DBackpropFilter") and operands[0]:
            counted = 2.0 * product(operands[0][:-1]) * out[2] * out[3]
        elif out is not None and kind.endswith("Conv2DBackpropInput") and operands[1]:
            counted = 2.0 * product(out) * operands[1][3]
        elif out is not None and kind.endswith("Conv2D") and operands[1]:
            counted = 2.0 * product(out) * product(operands[1][:3])
        if counted is None:
            uncounted += 1
        else:
            flops += counted
    return flops, uncounted


def run_worker(mode: str, cell_kind: str, bucket_ids: list, steps: int,
               expect_root: str) -> dict:
    """Builds variant a or b, times each bucket's step and counts its matmul work."""
    import tensorflow as tf

    legacy_seq2seq, rnn_cell, info = bench.import_library(expect_root)
    v1 = tf.compat.v1
    decode = mode == "decode"
    model, sess, _ = bench.build_tf1_session(legacy_seq2seq, rnn_cell, cell_kind, decode,
                                             seeded=True)
    info["buckets"] = {}
    for bucket_id in bucket_ids:
        fetches = model["logits"][bucket_id] if decode else \
            [model["updates"][bucket_id], model["losses"][bucket_id]]
        batches = bench.make_batches(bucket_id, steps + 3)

        def step(batch: tuple, bucket_id: int = bucket_id, fetches: Any = fetches) -> None:
            sess.run(fetches, bench.tf1_feed(model, bucket_id, batch))

        timed = bench.time_steps(step, batches[:-1], warmup=2)
        metadata = v1.RunMetadata()
        sess.run(fetches, bench.tf1_feed(model, bucket_id, batches[-1]),
                 options=v1.RunOptions(trace_level=v1.RunOptions.FULL_TRACE),
                 run_metadata=metadata)
        flops, uncounted = step_matmul_flops(metadata.step_stats)
        info["buckets"][str(bucket_id)] = {
            "median_s": timed["median_s"], "samples_s": timed["samples_s"],
            "matmul_gflop": flops / 1e9, "uncounted_products": uncounted}
    sess.close()
    return info


def probe_throughput(one_thread: bool, repeats: int = 20) -> dict:
    """GFLOP/s of float32 matmuls of `PROBE_SHAPES`.

    Each shape runs as 16 independent products per `sess.run`, on operands
    that live in variables: with the default session threads (all cores can
    be busy), or with one thread, which is what one chain of dependent
    products, such as a recurrent step's, gets.
    """
    import numpy as np
    import tensorflow as tf

    v1 = tf.compat.v1
    results = {}
    for m, k, n in PROBE_SHAPES:
        graph = tf.Graph()
        with graph.as_default():
            rng = np.random.default_rng(0)
            copies = 16 if m * k * n < 1e8 else 2
            lefts = [v1.Variable(rng.standard_normal((m, k), dtype=np.float32))
                     for _ in range(copies)]
            right = v1.Variable(rng.standard_normal((k, n), dtype=np.float32))
            products = [tf.reduce_sum(tf.matmul(left, right)) for left in lefts]
            threads = 1 if one_thread else 0
            sess = v1.Session(graph=graph, config=v1.ConfigProto(
                intra_op_parallelism_threads=threads, inter_op_parallelism_threads=threads))
            sess.run(v1.global_variables_initializer())
            for _ in range(3):
                sess.run(products)
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                sess.run(products)
                times.append(time.perf_counter() - start)
            sess.close()
        results[f"{m}x{k}x{n}"] = 2.0 * m * k * n * copies / statistics.median(times) / 1e9
    return results


def markdown(report: dict) -> str:
    """Per cell and mode: the table of work, time and needed throughput per bucket."""
    lines = ["# Matmul work of a step and this machine's throughput", "",
             f"{report['date']}, TensorFlow {report['tf_version']}, {os.cpu_count()} CPUs; "
             f"{report['reps']} repetitions (alternating a, b), median of {report['steps']} "
             f"steps per bucket and worker; a = working tree at {report['sources']['a'][:12]}, "
             f"b = {report['sources']['b'][:12]}.", "",
             "Float32 matmul throughput on this machine, GFLOP/s, before / after the workers "
             "(M x K x N):", "",
             "| shape | default threads | one thread |", "|---|---|---|"]
    for shape in report["probe_before"]:
        lines.append(f"| {shape} | {report['probe_before'][shape]:.0f} / "
                     f"{report['probe_after'][shape]:.0f} | "
                     f"{report['probe_one_thread_before'][shape]:.0f} / "
                     f"{report['probe_one_thread_after'][shape]:.0f} |")
    lines.append("")
    for cell, modes in report["cells"].items():
        for mode, variants in modes.items():
            limit = TARGETS[mode]
            lines += [f"## {cell} {mode} (target a/b <= {limit})", "",
                      "| bucket | GFLOP a | GFLOP b | a (ms) | b (ms) | a/b | a GFLOP/s "
                      f"| b GFLOP/s | GFLOP/s needed at {limit} x b |",
                      "|---|---|---|---|---|---|---|---|---|"]
            for bucket in variants["b"][0]["buckets"]:
                a_runs = [run["buckets"][bucket] for run in variants["a"]]
                b_runs = [run["buckets"][bucket] for run in variants["b"]]
                a_s = statistics.median(run["median_s"] for run in a_runs)
                b_s = statistics.median(run["median_s"] for run in b_runs)
                a_flop, b_flop = a_runs[0]["matmul_gflop"], b_runs[0]["matmul_gflop"]
                lines.append(
                    f"| {bucket} {bench.BUCKETS[int(bucket)]} | {a_flop:.2f} | {b_flop:.2f} | "
                    f"{a_s * 1e3:.1f} | {b_s * 1e3:.1f} | {a_s / b_s:.2f} | {a_flop / a_s:.0f} | "
                    f"{b_flop / b_s:.0f} | {a_flop / (limit * b_s):.0f} |")
            lines.append("")
    return "\n".join(lines)


def run_worker_process(mode: str, cell: str, steps: int, root: str) -> dict:
    """Runs one worker subprocess on the library under `root`; returns its JSON."""
    command = [sys.executable, os.path.abspath(__file__), "--worker", mode, "--cell", cell,
               "--steps", str(steps), "--expect-root", root]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2",
               PYTHONPATH=os.pathsep.join([root, bench.HERE]))
    for name in (bench.BATCH_LOSS_ENV, bench.TRACE_LOSS_ENV):
        env.pop(name, None)
    return bench.run_tagged_worker(command, env, RESULT_TAG, f"{cell} {mode} under {root}")


def main(argv: Optional[list] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", default="gru", help="comma list of gru, lstm")
    parser.add_argument("--steps", type=int, default=10, help="timed steps per bucket")
    parser.add_argument("--reps", type=int, default=2,
                        help="repetitions of every worker, in alternating order")
    parser.add_argument("--baseline", default=bench.BASELINE_REV, help="git revision of b")
    parser.add_argument("--out", default=os.path.join(bench.HERE, "results"))
    parser.add_argument("--worker", choices=bench.MODES, help=argparse.SUPPRESS)
    parser.add_argument("--cell", help=argparse.SUPPRESS)
    parser.add_argument("--expect-root", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    buckets = list(range(len(bench.BUCKETS)))
    if args.worker:
        info = run_worker(args.worker, args.cell, buckets, args.steps, args.expect_root)
        print(RESULT_TAG + json.dumps(info), flush=True)
        return
    repo = bench.git(bench.HERE, "rev-parse", "--show-toplevel")
    scratch = tempfile.mkdtemp(prefix="step_flops_")
    worktree = os.path.join(scratch, "b")
    sources = {"a": bench.git(repo, "rev-parse", "HEAD")}
    report: dict = {"cells": {}, "steps": args.steps}
    try:
        sources["b"] = bench.add_worktree(repo, args.baseline, worktree)["commit"]
        roots = {"a": repo, "b": worktree}
        report["probe_before"] = probe_throughput(False)
        report["probe_one_thread_before"] = probe_throughput(True)
        for rep in range(args.reps):
            order = ("a", "b") if rep % 2 == 0 else ("b", "a")
            for cell in args.cells.split(","):
                modes = report["cells"].setdefault(cell, {})
                for mode in bench.MODES:
                    for variant in order:
                        print(f"rep {rep + 1} {cell} {mode} {variant}", file=sys.stderr,
                              flush=True)
                        modes.setdefault(mode, {}).setdefault(variant, []).append(
                            run_worker_process(mode, cell, args.steps, roots[variant]))
    finally:
        bench.remove_worktree(repo, worktree)
    import tensorflow as tf

    report.update({"probe_after": probe_throughput(False),
                   "probe_one_thread_after": probe_throughput(True),
                   "sources": sources, "tf_version": tf.__version__, "reps": args.reps,
                   "date": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    bench.write_report(args.out, "step_flops", report, markdown(report))


if __name__ == "__main__":
    main()
