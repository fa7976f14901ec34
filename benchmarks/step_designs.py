"""Other designs for the engine's steps, timed against the step-by-step graph (issue #19).

The engine's translate steps miss #19's step targets (train <= 0.6, decode <=
0.7 of b). This script measures designs the engine does not use, on the translate
model of `engine_benchmark.py` (its builder, batches and kernel count), one
bucket, train and decode:

* a: the engine as it is;
* x: the engine with every traced step function compiled by XLA
  (``tf.function(..., jit_compile=True)``; the traced loss stays as it is,
  since its candidate sampler has no XLA kernel);
* n: the engine with its traced step functions kept out of line
  (``experimental_attributes={"_noinline": True}``): the runtime runs each
  call through one shared instance of the function instead of inlining a
  copy per call, which needs less memory;
* b: the same library inside `fastpath.stepwise()`.

x and n are patches of `_engine`'s `tf.function` made inside the worker
only; the library has no such options. Every (variant, mode, repetition)
runs in a fresh subprocess, in alternating order (repetition 1: a x n b,
repetition 2: b n x a, ...). Run from the repository root:

    python benchmarks/step_designs.py --reps 2
    python benchmarks/step_designs.py --variants a,n,b --modes decode --reps 3

Peak RSS is the worker's: one bucket built, stepped and traced, so it is not
`engine_benchmark.py`'s whole-model figure.

It writes `step_designs.json` and `.md` to `--out` and prints the Markdown.
Kernels per step are node executions of one traced step: an XLA cluster counts
as one node however many kernels it runs, so x's kernel count is not what a
GPU would launch.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import subprocess
import sys
from typing import Any, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
engine_benchmark = importlib.import_module("engine_benchmark")

TAG = "STEP_DESIGNS_RESULT "
VARIANTS = {"a": "the engine", "x": "the engine, steps compiled by XLA",
            "n": "the engine, steps not inlined", "b": "stepwise()"}
MODES = engine_benchmark.MODES
# What each design adds to `tf.function` for the engine's steps.
STEP_OPTIONS = {"x": {"jit_compile": True},
                "n": {"experimental_attributes": {"_noinline": True}}}


def patch_engine_steps(options: dict) -> None:
    """Makes `_engine` trace its step functions (named ``flat_step``) with `options`."""
    import tensorflow as tf

    from legacy_seq2seq_compat import _engine

    class _TensorFlowWithOtherSteps:
        def __getattr__(self, name: str) -> Any:
            return getattr(tf, name)

        @staticmethod
        def function(python_function: Any, **kwargs: Any) -> Any:
            if getattr(python_function, "__name__", "") == "flat_step":
                kwargs.update(options)
            return tf.function(python_function, **kwargs)

    _engine.tf = _TensorFlowWithOtherSteps()


def run_worker(args: argparse.Namespace) -> None:
    """One (variant, mode): build the translate model, time `args.bucket`, print one line."""
    import contextlib
    import resource

    import tensorflow as tf

    # Fails loudly unless the library is this checkout's (not an installed copy).
    legacy_seq2seq, rnn_cell, _ = engine_benchmark.translate_benchmark.import_library(ROOT)
    from legacy_seq2seq_compat import fastpath, rnn

    v1 = tf.compat.v1
    import_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if args.variant in STEP_OPTIONS:
        patch_engine_steps(STEP_OPTIONS[args.variant])
    lib = {"legacy_seq2seq": legacy_seq2seq, "rnn_cell": rnn_cell, "rnn": rnn}
    buckets = engine_benchmark.model_buckets("translate", False)
    decode = args.worker == "decode"
    graph = tf.Graph()
    context = fastpath.stepwise() if args.variant == "b" else contextlib.nullcontext()
    with graph.as_default(), context:
        model = engine_benchmark.BUILDERS["translate"](lib, "translate", args.cell, buckets,
                                                       decode)
        init = v1.global_variables_initializer()
    sess = v1.Session(graph=graph)
    sess.run(init)
    bucket = args.bucket
    fetches = model["logits"][bucket] if decode else \
        [model["updates"][bucket], model["norms"][bucket], model["losses"][bucket]]
    batches = engine_benchmark.make_batches("translate", buckets, bucket,
                                            args.warmup + args.steps + 1)
    def step(batch: tuple) -> None:
        sess.run(fetches, model["feed"](bucket, batch))

    timing = engine_benchmark.translate_benchmark.time_steps(step, batches[:-1], args.warmup)
    kernels = engine_benchmark.traced_kernels(sess, fetches, model["feed"](bucket, batches[-1]))
    sess.close()
    print(TAG + json.dumps({"variant": args.variant, "mode": args.worker, "cell": args.cell,
                            "first_step_s": timing["first_step_s"],
                            "median_s": timing["median_s"], "kernels": kernels["total"],
                            "import_rss_kib": import_rss_kib,
                            "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}),
          flush=True)


def run_parent(args: argparse.Namespace) -> dict:
    runs = []
    order = list(args.variants)
    for rep in range(args.reps):
        variants = order if rep % 2 == 0 else order[::-1]
        for cell in args.cells:
            for mode in args.modes:
                for variant in variants:
                    command = [sys.executable, os.path.abspath(__file__), "--worker", mode,
                               "--variant", variant, "--cell", cell,
                               "--bucket", str(args.bucket), "--steps", str(args.steps),
                               "--warmup", str(args.warmup)]
                    env = dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="2")
                    done = subprocess.run(command, env=env, capture_output=True, text=True,
                                          timeout=args.timeout)
                    lines = [line for line in done.stdout.splitlines() if line.startswith(TAG)]
                    if done.returncode != 0 or not lines:
                        run = {"variant": variant, "mode": mode, "cell": cell,
                               "error": f"exit status {done.returncode}",
                               "stderr_tail": done.stderr[-2000:]}
                    else:
                        run = json.loads(lines[0][len(TAG):])
                    run["rep"] = rep
                    runs.append(run)
                    print(f"rep {rep + 1} {cell} {mode} {variant}: "
                          f"{run.get('median_s', run.get('error'))}", file=sys.stderr, flush=True)
    return {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "config": {"cells": args.cells, "variants": order, "modes": args.modes,
                       "reps": args.reps,
                       "bucket": args.bucket, "steps": args.steps, "warmup": args.warmup},
            "runs": runs}


def _model_rss_kib(run: dict) -> Optional[float]:
    """A worker's peak RSS less its RSS after the imports (what the model added), or None."""
    if run.get("peak_rss_kib") is None or run.get("import_rss_kib") is None:
        return None
    return run["peak_rss_kib"] - run["import_rss_kib"]


def markdown(report: dict) -> str:
    config = report["config"]
    bucket = engine_benchmark.MODELS["translate"]["buckets"][config["bucket"]]
    others = [v for v in config["variants"] if v != "b"]
    names = ", ".join(f"{v} = {VARIANTS[v]}" for v in config["variants"])
    lines = ["# Step designs: the engine and other step designs against step by step", "",
             f"{report['date']}; translate model, bucket {config['bucket']} {tuple(bucket)}, "
             f"{config['reps']} alternating repetitions of {config['warmup']} warm-up + "
             f"{config['steps']} timed steps; medians over repetitions of each one's median. "
             f"{names}.",
             "", "| cell | mode | measure | " + " | ".join(config["variants"]) + " | " +
             " | ".join(f"{v}/b" for v in others) + " |",
             "|---" * (3 + len(config["variants"]) + len(others)) + "|"]
    measures = (("step median (ms)", lambda r: r.get("median_s"), 1e3, 1),
                ("first step (s)", lambda r: r.get("first_step_s"), 1.0, 1),
                ("nodes executed per step", lambda r: r.get("kernels"), 1.0, 0),
                ("peak RSS (MiB)", lambda r: r.get("peak_rss_kib"), 1 / 1024, 0),
                ("peak RSS above the import's (MiB)", _model_rss_kib, 1 / 1024, 0))
    for cell in config["cells"]:
        for mode in config.get("modes", MODES):
            runs = {variant: [r for r in report["runs"] if "error" not in r and
                              (r["cell"], r["mode"], r["variant"]) == (cell, mode, variant)]
                    for variant in config["variants"]}
            for label, read, scale, digits in measures:
                values = {v: engine_benchmark.median_of([read(r) for r in runs[v]])
                          for v in config["variants"]}
                row = [values[v] for v in config["variants"]]
                if all(r is None for r in row):
                    continue
                cells = ["n/a" if r is None else f"{r * scale:.{digits}f}" for r in row]
                ratios = [f"{values[top] / values['b']:.2f}"
                          if values[top] and values.get("b") else "n/a" for top in others]
                lines.append(f"| {cell} | {mode} | {label} | " + " | ".join(cells + ratios) +
                             " |")
    failed = [r for r in report["runs"] if "error" in r]
    if failed:
        lines += ["", "Failed workers:", ""]
        lines += [f"* rep {r['rep'] + 1} {r['cell']} {r['mode']} {r['variant']}: {r['error']}"
                  for r in failed]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cells", default="gru,lstm", help="comma list of gru, lstm")
    parser.add_argument("--variants", default="a,x,b", help="comma list of a, x, n, b")
    parser.add_argument("--modes", default=",".join(MODES), help="comma list of train, decode")
    parser.add_argument("--reps", type=int, default=2, help="alternating repetitions")
    parser.add_argument("--bucket", type=int, default=3, help="translate bucket index")
    parser.add_argument("--steps", type=int, default=5, help="timed steps")
    parser.add_argument("--warmup", type=int, default=1, help="untimed steps before them")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per worker")
    parser.add_argument("--out", default=os.path.join(HERE, "results"),
                        help="directory for step_designs.json and .md")
    parser.add_argument("--worker", choices=("train", "decode"), help=argparse.SUPPRESS)
    parser.add_argument("--variant", choices=sorted(VARIANTS), help=argparse.SUPPRESS)
    parser.add_argument("--cell", choices=("gru", "lstm"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_worker(args)
        return
    engine_benchmark.check_name_lists(parser, args, {"cells": engine_benchmark.CELLS,
                                                     "variants": VARIANTS, "modes": MODES})
    args.cells = args.cells.split(",")
    args.variants = args.variants.split(",")
    args.modes = args.modes.split(",")
    report = run_parent(args)
    engine_benchmark.translate_benchmark.write_report(args.out, "step_designs", report,
                                                      markdown(report))


if __name__ == "__main__":
    main()
