"""Beam-search decoding (k = 1, 4, 8) against greedy decoding on the translate tutorial's model.

The model is `seq2seq_benchmark.py`'s: `embedding_attention_seq2seq`, two
layers of 256 units (GRU or basic LSTM), 4000 symbols on both sides,
embedding size 256, an output projection `proj_w` [256, 4000] / `proj_b`,
batch 32. One graph holds, for every bucket asked for, five decoders on the
same variables:

* greedy: the model with ``feed_previous=True`` (the legacy decoder, as the
  translate tutorial decodes), its outputs projected and arg-maxed in the
  graph (`serving.greedy_ids`);
* beam k=1, k=4, k=8: `beam_search.embedding_attention_seq2seq` over the
  bucket's encoder inputs, `max_length` = the bucket's decoder length, no EOS
  (every hypothesis runs the full length, as greedy does), fetching ids and
  scores.

A decoding step is one `sess.run` of a decoder on a batch of random source
ids. Every batch is decoded by all four decoders back to back, in an order
that rotates from batch to batch (greedy, k1, k4, k8; then k1, k4, k8,
greedy; ...), so drifts and bursts of load on the machine fall on all of
them alike. The report gives, per decoder, its median step time, the ratio
of its median to greedy's in each repetition (median and range over the
repetitions), and the median over all batches of its time over greedy's on
the same batch. All decoders live in one process and share the variables,
so they read the same weights from the same memory.

Run from the repository root (about 2 minutes with the defaults on 2 cores):

    python benchmarks/beam_benchmark.py --cells gru --buckets 0,1 --reps 3 --steps 8

It writes `beam_benchmark.json` and `beam_benchmark.md` to `--out` and
prints the Markdown table.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import os
import platform
import statistics
import sys
import time
from typing import Any, Optional

import seq2seq_benchmark as bench

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WIDTHS = (1, 4, 8)
GO_ID = 1


def build_decoders(cell_kind: str, bucket_ids: list) -> tuple[dict, dict, list]:
    """Builds greedy and beam decoders per bucket in the default graph.

    Returns:
        ``(encoder_placeholders, fetches, builds)``: `fetches[(bucket, name)]`
        is what one decoding step runs; `builds` lists each decoder's build
        time and op count.
    """
    import tensorflow as tf

    from legacy_seq2seq_compat import beam_search, legacy_seq2seq, rnn_cell, serving

    v1 = tf.compat.v1
    w = v1.get_variable("proj_w", [bench.SIZE, bench.VOCAB])
    b = v1.get_variable("proj_b", [bench.VOCAB])

    def make_cell() -> Any:
        single = rnn_cell.GRUCell if cell_kind == "gru" else rnn_cell.BasicLSTMCell
        return rnn_cell.MultiRNNCell([single(bench.SIZE) for _ in range(bench.LAYERS)])

    cell = make_cell()
    max_encoder = max(bench.BUCKETS[i][0] for i in bucket_ids)
    encoder = [v1.placeholder(tf.int32, [None], name=f"encoder{i}") for i in range(max_encoder)]
    fetches, builds = {}, []
    graph = v1.get_default_graph()
    for position, bucket_id in enumerate(bucket_ids):
        encoder_length, decoder_length = bench.BUCKETS[bucket_id]
        enc = encoder[:encoder_length]
        ops, start = len(graph.get_operations()), time.perf_counter()
        with v1.variable_scope(v1.get_variable_scope(), reuse=True if position else None):
            go = [tf.fill(tf.shape(enc[0]), GO_ID)] * decoder_length
            outputs, _ = legacy_seq2seq.embedding_attention_seq2seq(
                enc, go, copy.deepcopy(cell), num_encoder_symbols=bench.VOCAB,
                num_decoder_symbols=bench.VOCAB, embedding_size=bench.SIZE,
                output_projection=(w, b), feed_previous=True, dtype=tf.float32)
            fetches[(bucket_id, "greedy")] = serving.greedy_ids(outputs, (w, b))
        builds.append({"bucket": bucket_id, "decoder": "greedy",
                       "build_s": time.perf_counter() - start,
                       "ops": len(graph.get_operations()) - ops,
                       "variables": len(v1.global_variables())})
        for width in WIDTHS:
            ops, start = len(graph.get_operations()), time.perf_counter()
            result = beam_search.embedding_attention_seq2seq(
                enc, make_cell(), bench.VOCAB, bench.VOCAB, bench.SIZE, beam_width=width,
                max_length=decoder_length, go_id=GO_ID, output_projection=(w, b),
                dtype=tf.float32)
            fetches[(bucket_id, f"k{width}")] = [result.ids, result.scores]
            builds.append({"bucket": bucket_id, "decoder": f"k{width}",
                           "build_s": time.perf_counter() - start,
                           "ops": len(graph.get_operations()) - ops,
                           "variables": len(v1.global_variables())})
    return encoder, fetches, builds


def run(cell_kind: str, bucket_ids: list, reps: int, steps: int, warmup: int) -> dict:
    """Builds the decoders, times them in rotating order, returns the raw numbers."""
    import tensorflow as tf

    v1 = tf.compat.v1
    names = ["greedy"] + [f"k{w}" for w in WIDTHS]
    with tf.Graph().as_default() as graph:
        v1.set_random_seed(bench.SEED)
        encoder, fetches, builds = build_decoders(cell_kind, bucket_ids)
        # The first greedy decoder makes the model's variables; count any made after it.
        variables = {"model": builds[0]["variables"],
                     "made_by_beams": builds[-1]["variables"] - builds[0]["variables"]}
        sess = v1.Session(graph=graph)
        sess.run(v1.global_variables_initializer())
    samples = {key: [] for key in fetches}  # per repetition: that repetition's median
    step_ratios = {key: [] for key in fetches}  # per step: time over greedy's on that batch
    first_steps = {}
    for bucket_id in bucket_ids:
        encoder_length = bench.BUCKETS[bucket_id][0]

        def step(name: str, batch: tuple, bucket_id: int = bucket_id,
                 length: int = encoder_length) -> float:
            feed = {encoder[i]: batch[0][i] for i in range(length)}
            start = time.perf_counter()
            sess.run(fetches[(bucket_id, name)], feed)
            return time.perf_counter() - start

        warm = bench.make_batches(bucket_id, warmup)
        for name in names:
            first_steps[(bucket_id, name)] = step(name, warm[0])
            for batch in warm[1:]:
                step(name, batch)
        batches = bench.make_batches(bucket_id, warmup + reps * steps)[warmup:]
        for rep in range(reps):
            times = {name: [] for name in names}
            for index, batch in enumerate(batches[rep * steps:(rep + 1) * steps]):
                # Every decoder decodes every batch, in an order that rotates per step.
                shift = (rep * steps + index) % len(names)
                for name in names[shift:] + names[:shift]:
                    times[name].append(step(name, batch))
            for name in names:
                samples[(bucket_id, name)].append(statistics.median(times[name]))
                step_ratios[(bucket_id, name)].extend(
                    t / g for t, g in zip(times[name], times["greedy"]))
            print(f"bucket {bucket_id} rep {rep + 1}/{reps}: " + ", ".join(
                f"{name} {1000 * statistics.median(times[name]):.1f} ms" for name in names),
                file=sys.stderr, flush=True)
    sess.close()
    results = []
    for bucket_id in bucket_ids:
        greedy = samples[(bucket_id, "greedy")]
        for name in names:
            medians = samples[(bucket_id, name)]
            results.append({"bucket": bucket_id, "decoder": name, "medians_s": medians,
                            "first_step_s": first_steps[(bucket_id, name)],
                            "ratios_to_greedy": [m / g for m, g in zip(medians, greedy)],
                            "step_ratios_to_greedy": step_ratios[(bucket_id, name)]})
    return {"builds": builds, "results": results, "variables": variables}


def markdown(report: dict) -> str:
    """The report as Markdown: configuration, then one row per bucket and decoder."""
    config = report["config"]
    lines = [
        "# Beam search against greedy decoding", "",
        f"{report['date']}, TensorFlow {report['tensorflow']}, {report['machine']}, load "
        f"average {report['load_before']:.2f} before / {report['load_after']:.2f} after.", "",
        f"Model: embedding_attention_seq2seq, {bench.CELL_NAMES[config['cells']]}, "
        f"{bench.VOCAB} symbols, output projection, batch {bench.BATCH}; no EOS (full "
        f"length). {config['reps']} repetitions of {config['steps']} batches, each decoded by "
        f"every decoder in rotating order (after {config['warmup']} untimed). The model has "
        f"{report['variables']['model']} variables; the beam decoders made "
        f"{report['variables']['made_by_beams']} more. Ops: those each decoder added to the "
        "graph.", "",
        "| bucket | decoder | step median (ms) | x greedy, per repetition: median (range) | "
        "x greedy, per batch: median | graph build (s) | ops |",
        "|---|---|---|---|---|---|---|",
    ]
    builds = {(b["bucket"], b["decoder"]): b for b in report["builds"]}
    for row in report["results"]:
        build = builds[(row["bucket"], row["decoder"])]
        ratios = row["ratios_to_greedy"]
        median_ms = 1000 * statistics.median(row["medians_s"])
        lines.append(
            f"| {row['bucket']} {tuple(bench.BUCKETS[row['bucket']])} | {row['decoder']} | "
            f"{median_ms:.1f} | {statistics.median(ratios):.2f} "
            f"({min(ratios):.2f}-{max(ratios):.2f}) | "
            f"{statistics.median(row['step_ratios_to_greedy']):.2f} | {build['build_s']:.2f} | "
            f"{build['ops']} |")
    return "\n".join(lines) + "\n"


def parse_args(argv: Optional[list] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", choices=sorted(bench.CELL_NAMES), default="gru")
    parser.add_argument("--buckets", default="0,1",
                        help="comma list of bucket indices into (5, 10) (10, 15) (20, 25) "
                             "(40, 50) (default 0,1)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions (default 3)")
    parser.add_argument("--steps", type=int, default=8,
                        help="timed batches per repetition (default 8)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed steps (default 1)")
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    args = parser.parse_args(argv)
    try:
        args.bucket_ids = [int(x) for x in args.buckets.split(",")]
    except ValueError:
        parser.error(f"--buckets must be a comma list of ints, got {args.buckets!r}")
    if not all(0 <= i < len(bench.BUCKETS) for i in args.bucket_ids):
        parser.error(f"--buckets must name buckets 0 to {len(bench.BUCKETS) - 1}, "
                     f"got {args.buckets!r}")
    for name in ("reps", "steps", "warmup"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be a positive integer, got {getattr(args, name)}")
    return args


def main(argv: Optional[list] = None) -> None:
    args = parse_args(argv)
    sys.path.insert(0, ROOT)  # this working tree's library
    import tensorflow as tf

    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    raw = run(args.cells, args.bucket_ids, args.reps, args.steps, args.warmup)
    report = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S%z"),
        "tensorflow": tf.__version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_before": load_before, "load_after": os.getloadavg()[0],
        "wall_s": time.perf_counter() - start,
        "config": {"cells": args.cells, "buckets": args.bucket_ids, "reps": args.reps,
                   "steps": args.steps, "warmup": args.warmup, "widths": list(WIDTHS)},
        **raw,
    }
    bench.write_report(args.out, "beam_benchmark", report, markdown(report))


if __name__ == "__main__":
    main()
