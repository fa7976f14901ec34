"""Do TensorFlow's fused RNN kernels beat the engine's layer loop on this machine?

Issue #19 asks for ``GRUBlockCell``, ``LSTMBlockCell`` and ``BlockLSTM``
"where they measure faster". This script measures one recurrent layer of the
translate model's size (256 units, input depth 256) over T steps, for
GRUCell and BasicLSTMCell weights, three ways:

* a: the engine as it runs a layer today (`_engine._run_layers`): the input
  half of the kernel applied to all steps in one product, one traced step
  call per step with hand-written gradients, and the state kernel's
  gradient as one product over all steps;
* b: ``tf.raw_ops.BlockLSTM`` (LSTM only; TensorFlow has no whole-sequence
  GRU kernel): all T steps in one op, with the full ``[input + units,
  4 * units]`` kernel, its gradient ``BlockLSTMGrad``;
* c: one ``LSTMBlockCell`` / ``GRUBlockCell`` op per step, unrolled, with the
  gradients `legacy_seq2seq_compat.fused_rnn_cell` registers.

All three read the same variables (BasicLSTMCell's ``kernel``/``bias`` and
GRUCell's ``gates``/``candidate`` kernels and biases; BlockLSTM's gate
blocks ``i, cs, f, o`` are BasicLSTMCell's ``i, j, f, o`` in the same
columns, so no column is moved) and are checked to give the same outputs,
final state and gradients before anything is timed.

A training step runs the gradients of ``sum(outputs * R) + sum(final c * R')``
(random constant R) with respect to the kernels, biases, the inputs and the
initial state; a decoding step runs the outputs and final state only. Per
configuration the variants are timed in one session, in an order that
rotates from repetition to repetition; the ratios b/a and c/a are the
medians of the per-repetition ratios. Executed kernels come from one
``RunOptions.FULL_TRACE`` run of each fetch (the node stats of all devices).

Run from the repository root (all 40 configurations: about 4 minutes of CPU,
12 of wall time on the shared 2-core machine; ``--quick``: under a minute):

    python benchmarks/fused_kernels.py --reps 2 --runs 3

It writes `fused_kernels.json` and `fused_kernels.md` to `--out` and prints
the Markdown report.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from typing import Any

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

from legacy_seq2seq_compat import _engine, fused_rnn_cell, rnn_cell  # noqa: E402, F401

v1 = tf.compat.v1
UNITS = DEPTH = 256
TOLERANCE = 1e-5
NAMES = {"a": "engine layer loop", "b": "BlockLSTM", "c": "block cell per step"}


def _checksum(tensors: list) -> tf.Tensor:
    return tf.add_n([tf.reduce_sum(t) for t in tensors])


def _build(kind: str, batch: int, steps: int, seed: int) -> dict:
    """Builds every variant of one configuration in the default graph.

    Returns ``{variant: {"train": op, "decode": op, "values": [tensors]}}``
    where `values` are the outputs, final state and gradients to compare.
    """
    rng = np.random.RandomState(seed)

    def constant(*shape: int, scale: float = 1.0) -> tf.Tensor:
        return tf.constant((scale * rng.standard_normal(shape)).astype(np.float32))

    x_var = v1.get_variable("x", initializer=constant(steps, batch, DEPTH), trainable=False)
    h_var = v1.get_variable("h0", initializer=constant(batch, UNITS, scale=0.5),
                            trainable=False)
    c_var = v1.get_variable("c0", initializer=constant(batch, UNITS, scale=0.5),
                            trainable=False)
    out_weights = constant(steps, batch, UNITS)
    state_weights = constant(batch, UNITS)
    if kind == "lstm":
        cell = rnn_cell.BasicLSTMCell(UNITS)
    else:
        cell = rnn_cell.GRUCell(UNITS)
    cell.build(tf.TensorShape([None, DEPTH]))
    if kind == "lstm":
        # BasicLSTMCell's bias starts at zero; a random one tests the gate order.
        cell._bias = v1.get_variable("lstm_bias", initializer=constant(4 * UNITS, scale=0.3))
        weights = [cell._kernel, cell._bias]
    else:
        weights = [cell._gate_kernel, cell._gate_bias, cell._candidate_kernel,
                   cell._candidate_bias]

    def finish(outputs: tf.Tensor, final: tuple, x: tf.Tensor, start: tuple) -> dict:
        loss = tf.reduce_sum(outputs * out_weights) + tf.reduce_sum(final[0] * state_weights)
        grads = tf.gradients(loss, weights + [x] + list(start))
        # Scalars, not tf.group: grappler prunes the work behind a group of
        # side-effect-free tensors. The sums cost the same in every variant.
        return {"train": _checksum(grads), "decode": _checksum([outputs] + list(final)),
                "values": [outputs] + list(final) + grads}

    variants = {}
    with tf.name_scope("a"):
        x, h0, c0 = tf.identity(x_var), tf.identity(h_var), tf.identity(c_var)
        start = (c0, h0) if kind == "lstm" else (h0,)
        state = rnn_cell.LSTMStateTuple(c0, h0) if kind == "lstm" else h0
        stack = _engine._Stack.from_cell(cell)
        flat, parts = _engine._run_layers(stack, tf.reshape(x, [-1, DEPTH]),
                                          stack.to_parts(state), steps, batch)
        final = tuple(parts[0])
        variants["a"] = finish(tf.reshape(flat, [steps, batch, UNITS]), final, x, start)
    if kind == "lstm":
        with tf.name_scope("b"):
            x, h0, c0 = tf.identity(x_var), tf.identity(h_var), tf.identity(c_var)
            zeros = tf.zeros([UNITS])
            _, cs, _, _, _, _, h = tf.raw_ops.BlockLSTM(
                seq_len_max=tf.constant(steps, tf.int64), x=x, cs_prev=c0, h_prev=h0,
                w=cell._kernel, wci=zeros, wcf=zeros, wco=zeros, b=cell._bias,
                forget_bias=cell._forget_bias, cell_clip=-1.0, use_peephole=False)
            variants["b"] = finish(h, (cs[-1], h[-1]), x, (c0, h0))
    with tf.name_scope("c"):
        x, h0, c0 = tf.identity(x_var), tf.identity(h_var), tf.identity(c_var)
        outputs = []
        c, h = c0, h0
        zeros = tf.zeros([UNITS])
        for x_t in tf.unstack(x, num=steps):
            if kind == "lstm":
                _, c, _, _, _, _, h = tf.raw_ops.LSTMBlockCell(
                    x=x_t, cs_prev=c, h_prev=h, w=cell._kernel, wci=zeros, wcf=zeros,
                    wco=zeros, b=cell._bias, forget_bias=cell._forget_bias, cell_clip=-1.0,
                    use_peephole=False)
            else:
                *_, h = tf.raw_ops.GRUBlockCell(
                    x=x_t, h_prev=h, w_ru=cell._gate_kernel, w_c=cell._candidate_kernel,
                    b_ru=cell._gate_bias, b_c=cell._candidate_bias)
            outputs.append(h)
        final = (c, h) if kind == "lstm" else (h,)
        start = (c0, h0) if kind == "lstm" else (h0,)
        variants["c"] = finish(tf.stack(outputs), final, x, start)
    return variants


def _kernels(sess: Any, fetch: Any) -> int:
    """Kernels executed by one run of `fetch` (node stats of every device, _SOURCE left out)."""
    metadata = v1.RunMetadata()
    sess.run(fetch, options=v1.RunOptions(trace_level=v1.RunOptions.FULL_TRACE),
             run_metadata=metadata)
    return sum(1 for device in metadata.step_stats.dev_stats for node in device.node_stats
               if node.node_name != "_SOURCE")


def _time(sess: Any, fetch: Any, steps: int) -> tuple:
    """Median wall and process CPU time in ms of `steps` runs of `fetch`, after one untimed run.

    The CPU time (all threads of this process) counts the work done; it moves
    less than the wall time when other jobs share the cores.
    """
    sess.run(fetch)
    wall, cpu = [], []
    for _ in range(steps):
        start, start_cpu = time.perf_counter(), time.process_time()
        sess.run(fetch)
        wall.append(1000.0 * (time.perf_counter() - start))
        cpu.append(1000.0 * (time.process_time() - start_cpu))
    return statistics.median(wall), statistics.median(cpu)


def _ratios(samples: dict, names: list) -> dict:
    """Per variant but a, the median over repetitions of its time over a's."""
    return {name: round(statistics.median(
        [m / a for m, a in zip(samples[name], samples["a"])]), 3)
        for name in names if name != "a"}


def measure(kind: str, batch: int, steps: int, reps: int, runs: int) -> dict:
    """All measurements of one (cell kind, batch, T) configuration."""
    graph = tf.Graph()
    with graph.as_default():
        start = time.perf_counter()
        variants = _build(kind, batch, steps, seed=steps * 1000 + batch)
        build = time.perf_counter() - start
        init = v1.global_variables_initializer()
    names = sorted(variants)
    result: dict = {"cell": kind, "batch": batch, "steps": steps, "build_s": round(build, 2),
                    "variants": names}
    with v1.Session(graph=graph) as sess:
        sess.run(init)
        values = {name: sess.run(variants[name]["values"]) for name in names}
        result["max_rel_diff"] = {
            name: float(max(np.max(np.abs(got - want)) / max(1.0, float(np.max(np.abs(want))))
                            for got, want in zip(values[name], values["a"])))
            for name in names if name != "a"}
        result["kernels"] = {mode: {name: _kernels(sess, variants[name][mode]) for name in names}
                             for mode in ("train", "decode")}
        for mode in ("train", "decode"):
            medians: dict = {name: [] for name in names}
            cpu: dict = {name: [] for name in names}
            for rep in range(reps):
                order = names[rep % len(names):] + names[:rep % len(names)]
                for name in order:
                    wall_ms, cpu_ms = _time(sess, variants[name][mode], runs)
                    medians[name].append(wall_ms)
                    cpu[name].append(cpu_ms)
            result[mode] = {
                "ms": {name: [round(m, 3) for m in medians[name]] for name in names},
                "median_ms": {name: round(statistics.median(medians[name]), 3)
                              for name in names},
                "ratio": _ratios(medians, names),
                "cpu_ms": {name: [round(m, 3) for m in cpu[name]] for name in names},
                "cpu_ratio": _ratios(cpu, names)}
    return result


def _cell_row(result: dict, mode: str) -> str:
    timing, kernels = result[mode], result["kernels"][mode]

    def fmt(name: str) -> str:
        if name not in timing["median_ms"]:
            return "n/a"
        return f"{timing['median_ms'][name]:.1f}"

    def ratio(name: str) -> str:
        if name not in timing["ratio"]:
            return "n/a"
        return f"{timing['ratio'][name]:.2f} / {timing['cpu_ratio'][name]:.2f}"

    def count(name: str) -> str:
        if name not in kernels:
            return "n/a"
        return f"{kernels[name]} ({kernels[name] / result['steps']:.1f})"

    return (f"| {result['batch']} | {result['steps']} | {fmt('a')} | {fmt('b')} | {fmt('c')} "
            f"| {ratio('b')} | {ratio('c')} | {count('a')} | {count('b')} | {count('c')} |")


def report(meta: dict, results: list) -> str:
    lines = ["# Fused RNN kernels against the engine's layer loop", "",
             f"{meta['date']}, TensorFlow {meta['tensorflow']}, {meta['cpus']} CPUs, commit "
             f"{meta['commit']}; {meta['reps']} repetitions (rotating order) of the median of "
             f"{meta['runs']} runs; one layer, {UNITS} units, input depth {DEPTH}, float32. "
             f"Load average at the start / end: {meta['load_start']} / {meta['load_end']}.",
             "", "Variants: " + "; ".join(f"{k} = {v}" for k, v in NAMES.items())
             + ". Times are wall-clock medians; ratios are medians of the per-repetition "
             "ratios, of wall time and of this process's CPU time (all threads); kernels are "
             "the nodes one FULL_TRACE run executed (per time step in brackets).", ""]
    for kind in ("lstm", "gru"):
        for mode, title in (("train", "training step (forward + gradients)"),
                            ("decode", "forward only")):
            rows = [r for r in results if r["cell"] == kind]
            if not rows:
                continue
            lines += [f"## {kind}: {title}", "",
                      "| batch | T | a (ms) | b (ms) | c (ms) | b/a wall / cpu | "
                      "c/a wall / cpu | kernels a | "
                      "kernels b | kernels c |",
                      "|---|---|---|---|---|---|---|---|---|---|"]
            lines += [_cell_row(r, mode) for r in rows]
            lines.append("")
    diffs = [(r["cell"], r["batch"], r["steps"], name, d) for r in results
             for name, d in r["max_rel_diff"].items()]
    worst = max(diffs, key=lambda item: item[-1]) if diffs else None
    if worst:
        lines += [f"Largest difference from a over outputs, final states and gradients "
                  f"(each tensor's largest absolute difference over its largest magnitude, "
                  f"or over 1 when that is smaller): "
                  f"{worst[-1]:.2e} ({worst[3]}, {worst[0]}, batch {worst[1]}, T {worst[2]}).",
                  ""]
    lines.append(f"Total wall time {meta['wall_min']:.1f} min.")
    return "\n".join(lines) + "\n"


def _load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def main(argv: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=3, help="repetitions, rotating order")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per repetition")
    parser.add_argument("--batches", default="32,64")
    parser.add_argument("--lengths", default="5,10,25,50,120")
    parser.add_argument("--cells", default="lstm,gru")
    parser.add_argument("--quick", action="store_true",
                        help="batch 32, T 10 and 50, 2 repetitions of 3 runs")
    parser.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results"))
    args = parser.parse_args(argv)
    if args.quick:
        args.batches, args.lengths, args.reps, args.runs = "32", "10,50", 2, 3
    started = time.perf_counter()
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "tensorflow": tf.__version__, "cpus": os.cpu_count(), "commit": commit,
            "python": platform.python_version(), "reps": args.reps, "runs": args.runs,
            "load_start": _load()}
    results = []
    for kind in args.cells.split(","):
        for batch in (int(b) for b in args.batches.split(",")):
            for steps in (int(t) for t in args.lengths.split(",")):
                result = measure(kind, batch, steps, args.reps, args.runs)
                print(f"{kind} batch {batch} T {steps}: train {result['train']['ratio']} "
                      f"decode {result['decode']['ratio']} kernels {result['kernels']}",
                      file=sys.stderr, flush=True)
                results.append(result)
    meta["load_end"] = _load()
    meta["wall_min"] = (time.perf_counter() - started) / 60.0
    text = report(meta, results)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "fused_kernels.json"), "w") as handle:
        json.dump({"meta": meta, "results": results}, handle, indent=1)
    with open(os.path.join(args.out, "fused_kernels.md"), "w") as handle:
        handle.write(text)
    print(text)
    bad = [r for r in results if any(d > TOLERANCE for d in r["max_rel_diff"].values())]
    if bad:
        print(f"WARNING: variants differ from a by more than {TOLERANCE} in {len(bad)} "
              "configurations (see max_rel_diff in the json).", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
