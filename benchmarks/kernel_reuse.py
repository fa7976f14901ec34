"""Why the batch-32 products of a recurrent step run below the machine's matmul rate.

A step of the benchmark model is a chain of dependent products with 32 rows,
and almost every product multiplies by a different kernel: one GRU decoder
step of the translate model reads about 4 MiB of kernels forward and the
same again in its gradient, more than one core's L2 cache. This script times,
on one thread and in one run:

* a chain of dependent ``x = tanh(x @ W_i)`` products, [32, 256] x [256, 256],
  cycling through 1, 2, 4, 8, 16 or 40 distinct kernels (256 KiB each), so
  the kernels stop fitting in the cache as their number grows;
* with ``--model``, the products of the same shape inside one training step
  of the benchmark's GRU model (variant a, this library), bucket 3.

Each product's time is its op time from a `RunOptions.FULL_TRACE` step (the
median over the traced products), so the tanh between products is not
counted. Run from the repository root (about 2 minutes with ``--model``):

    python benchmarks/kernel_reuse.py --model

It writes `kernel_reuse.json` and `kernel_reuse.md` to `--out` and prints
the Markdown table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Any, Optional

import seq2seq_benchmark as bench
import step_flops

ROWS, SIZE = 32, 256
KERNEL_COUNTS = (1, 2, 4, 8, 16, 40)
CHAIN = 80
MATMUL_KINDS = ("MatMul", "_MklMatMul")


def _one_thread_session(graph: Any) -> Any:
    import tensorflow as tf

    v1 = tf.compat.v1
    return v1.Session(graph=graph, config=v1.ConfigProto(
        intra_op_parallelism_threads=1, inter_op_parallelism_threads=1))


def _product_times(run_metadata: Any) -> list:
    """Op times in microseconds of the plain [32, 256] x [256, 256] products in a trace.

    Products with another inner size, and batched and fused ones, are left
    out by their operand shapes (see `step_flops.traced_nodes`).
    """
    wanted = 2.0 * ROWS * SIZE * SIZE
    times = []
    for kind, operands, outputs, micros in step_flops.traced_nodes(run_metadata.step_stats):
        if kind not in MATMUL_KINDS or not outputs or outputs[0] != [ROWS, SIZE]:
            continue
        if len(operands) >= 2 and None not in operands[:2] and \
                step_flops.matrix_product_flops(operands[0], operands[1], outputs[0]) == wanted:
            times.append(micros)
    return times


def time_chain(num_kernels: int, traces: int = 5) -> dict:
    """Median op time of one product in a chain cycling through `num_kernels` kernels."""
    import numpy as np
    import tensorflow as tf

    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        rng = np.random.default_rng(0)
        start = v1.placeholder(tf.float32, [ROWS, SIZE])
        kernels = [v1.placeholder(tf.float32, [SIZE, SIZE]) for _ in range(num_kernels)]
        value = start
        for index in range(CHAIN):
            value = tf.tanh(tf.matmul(value, kernels[index % num_kernels]))
        feed = {start: rng.standard_normal((ROWS, SIZE), dtype=np.float32)}
        scale = 1.0 / np.sqrt(SIZE)
        feed.update({k: rng.standard_normal((SIZE, SIZE), dtype=np.float32) * scale
                     for k in kernels})
        sess = _one_thread_session(graph)
        for _ in range(3):
            sess.run(value, feed)
        times = []
        for _ in range(traces):
            metadata = v1.RunMetadata()
            sess.run(value, feed, options=v1.RunOptions(trace_level=v1.RunOptions.FULL_TRACE),
                     run_metadata=metadata)
            times += _product_times(metadata)
        sess.close()
    if len(times) != CHAIN * traces:
        raise RuntimeError(f"expected {CHAIN * traces} traced products, found {len(times)}")
    return {"kernels": num_kernels, "kernel_mib": num_kernels * SIZE * SIZE * 4 / 2**20,
            "median_us": statistics.median(times)}


def time_model_products(bucket: int = 3, traces: int = 2) -> dict:
    """Median op time of the [32, 256] x [256, 256] products in a GRU training step (a)."""
    import tensorflow as tf

    # The working tree's library, as variant a of the other scripts.
    sys.path.insert(0, os.path.dirname(bench.HERE))
    from legacy_seq2seq_compat import legacy_seq2seq, rnn_cell

    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(0)
        model = bench.build_tf1_model(legacy_seq2seq, rnn_cell, "gru", decode=False)
        sess = _one_thread_session(graph)
        sess.run(v1.global_variables_initializer())
        fetches = [model["updates"][bucket], model["losses"][bucket]]
        batches = bench.make_batches(bucket, 3 + traces)
        for batch in batches[:3]:
            sess.run(fetches, bench.tf1_feed(model, bucket, batch))
        times = []
        for batch in batches[3:]:
            metadata = v1.RunMetadata()
            sess.run(fetches, bench.tf1_feed(model, bucket, batch),
                     options=v1.RunOptions(trace_level=v1.RunOptions.FULL_TRACE),
                     run_metadata=metadata)
            times += _product_times(metadata)
        sess.close()
    return {"bucket": bucket, "library": os.path.dirname(legacy_seq2seq.__file__),
            "products_per_step": len(times) // traces, "median_us": statistics.median(times)}


def markdown(report: dict) -> str:
    flop = 2.0 * ROWS * SIZE * SIZE
    base = report["chain"][0]["median_us"]
    lines = ["# Batch-32 products and the cache", "",
             f"{report['date']}, TensorFlow {report['tf_version']}, one thread; "
             f"[{ROWS}, {SIZE}] x [{SIZE}, {SIZE}] products, median op time.", "",
             "| products | distinct kernels (MiB) | us per product | GFLOP/s | vs 1 kernel |",
             "|---|---|---|---|---|"]
    for row in report["chain"]:
        lines.append(f"| chain of {CHAIN} | {row['kernels']} ({row['kernel_mib']:.2f}) | "
                     f"{row['median_us']:.0f} | {flop / row['median_us'] / 1e3:.0f} | "
                     f"{row['median_us'] / base:.2f} |")
    model = report.get("model")
    if model:
        lines.append(f"| GRU training step, bucket {model['bucket']} "
                     f"({model['products_per_step']} per step) | many | "
                     f"{model['median_us']:.0f} | {flop / model['median_us'] / 1e3:.0f} | "
                     f"{model['median_us'] / base:.2f} |")
    lines.append("")
    return "\n".join(lines)


def main(argv: Optional[list] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="store_true",
                        help="also time the products inside a GRU training step")
    parser.add_argument("--out", default=os.path.join(bench.HERE, "results"))
    args = parser.parse_args(argv)
    import tensorflow as tf

    report: dict = {"chain": [time_chain(count) for count in KERNEL_COUNTS]}
    if args.model:
        report["model"] = time_model_products()
    report.update({"tf_version": tf.__version__, "date": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    bench.write_report(args.out, "kernel_reuse", report, markdown(report))


if __name__ == "__main__":
    main()
