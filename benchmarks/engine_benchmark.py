"""The engine against the step-by-step graph on three real model shapes (issue #19, point 4).

Models (training graph; the translate model also a decoding graph):

* ``translate``: the TensorFlow translate tutorial's model, as in
  `seq2seq_benchmark.py`: `embedding_attention_seq2seq` in
  `model_with_buckets`, `MultiRNNCell` of 2 x 256, 4000 symbols, buckets (5, 10)
  (10, 15) (20, 25) (40, 50), batch 32, sampled softmax of 512, clipped SGD;
* ``chatbot``: the Stanford TensorFlow tutorials' chatbot shape: six buckets
  (19, 19) to (60, 63), `MultiRNNCell([cell] * 3)` with ONE 256-unit cell
  object repeated, 8000 symbols, batch 64, sampled softmax of 512;
* ``textsum``: the TensorFlow textsum summariser's shape: 4 bidirectional
  `LSTMCell(256)` encoder layers (`static_bidirectional_rnn` with
  `sequence_length`, layer after layer), a teacher-forced `attention_decoder`,
  sampled softmax of 4096 out of 20000 symbols, one bucket (120, 30), batch 64.

Variants, each repetition a fresh subprocess per (model, cell, variant, mode),
in alternating order:

* a: this library as it is in the working tree, fast paths on;
* b: the same copy of the library inside `fastpath.stepwise()`, i.e. the
  step-by-step graph TF 1.15 built (what issue #19 calls b).

Run from the repository root:

    python benchmarks/engine_benchmark.py --reps 2

It writes `engine_benchmark.json` and `.md` to `--out` and prints the Markdown
report. See benchmarks/README.md ("The engine on three model shapes").
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import copy
import datetime
import importlib
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable, Optional, Sequence

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
# The translate benchmark's helpers: git, the working-tree snapshot, the
# library import check and the step timer.
translate_benchmark = importlib.import_module("seq2seq_benchmark")

SEED = 1234
RESULT_TAG = "ENGINE_BENCHMARK_RESULT "
VARIANT_NAMES = {"a": "a: engine", "b": "b: stepwise()"}
CELLS = ("gru", "lstm")
MODES = ("train", "decode")

# The report's line on the workers' TensorFlow behaviour (`--behavior`).
BEHAVIOR_TEXT = {name: "Workers run " + text
                 for name, text in translate_benchmark.BEHAVIOR_TEXT.items()}

STEPWISE_ENV = "LEGACY_SEQ2SEQ_COMPAT_STEPWISE"
# Defaults of --reps, --steps and --warmup, without and with --quick.
FULL_DEFAULTS = {"reps": 2, "steps": 10, "warmup": 2}
QUICK_DEFAULTS = {"reps": 1, "steps": 1, "warmup": 1}

# One entry per model. `buckets` are (encoder, decoder) lengths; `stepped`
# the buckets whose steps are timed and traced; `quick_buckets` replace
# `buckets` under --quick (then bucket 0 alone is stepped); `targets` are
# the limits on a/b, by measure.
MODELS: dict[str, dict[str, Any]] = {
    "translate": {
        "title": "translate tutorial (seq2seq_benchmark.py's model)",
        "buckets": [(5, 10), (10, 15), (20, 25), (40, 50)],
        "quick_buckets": [(5, 10)],
        "stepped": [0, 1, 2, 3],
        "modes": ("train", "decode"),
        "batch": 32, "vocab": 4000, "size": 256, "layers": 2, "num_sampled": 512,
        "learning_rate": 0.5, "max_norm": 5.0,
        "repeat_cell": False, "copy_cell": True,
        "cells": {"gru": "2 x GRUCell(256)", "lstm": "2 x BasicLSTMCell(256)"},
        "targets": {"train build": 0.2, "train step": 0.6, "decode step": 0.7,
                    "train kernels": 0.3, "decode kernels": 0.3,
                    "train peak RSS": 0.8, "decode peak RSS": 0.8},
    },
    "chatbot": {
        "title": "chatbot shape (six buckets, one cell object repeated in MultiRNNCell)",
        "buckets": [(19, 19), (28, 28), (33, 33), (40, 43), (50, 53), (60, 63)],
        "quick_buckets": [(19, 19)],
        "stepped": [5],
        "modes": ("train",),
        "batch": 64, "vocab": 8000, "size": 256, "layers": 3, "num_sampled": 512,
        "learning_rate": 0.5, "max_norm": 5.0,
        "repeat_cell": True, "copy_cell": False,
        "cells": {"gru": "MultiRNNCell([GRUCell(256)] * 3)",
                  "lstm": "MultiRNNCell([BasicLSTMCell(256)] * 3)"},
        "targets": {"train build": 0.15, "train kernels": 0.3, "train peak RSS": 0.8},
    },
    "textsum": {
        "title": "textsum shape (4 bidirectional layers with sequence_length, attention decoder)",
        "buckets": [(120, 30)],
        "quick_buckets": [(10, 5)],
        "stepped": [0],
        "modes": ("train",),
        "batch": 64, "vocab": 20000, "size": 256, "layers": 4, "num_sampled": 4096,
        "embedding": 128, "learning_rate": 0.15, "min_learning_rate": 0.01,
        "max_norm": 2.0,
        "cells": {"gru": "4 x bidirectional GRUCell(256), GRUCell(256) decoder",
                  "lstm": "4 x bidirectional LSTMCell(256, state_is_tuple=False), "
                          "LSTMCell(256) decoder"},
        "targets": {"train build": 0.15, "train kernels": 0.3, "train peak RSS": 0.8},
    },
}


def model_buckets(model: str, quick: bool) -> list:
    """The (encoder, decoder) lengths of `model`'s graph."""
    spec = MODELS[model]
    return list(spec["quick_buckets"] if quick else spec["buckets"])


def stepped_buckets(model: str, quick: bool, translate: Optional[str] = None) -> list:
    """Indices of the buckets whose steps are timed and traced.

    `translate` (the --translate-buckets flag, e.g. ``"0,3"``) narrows the
    translate model's stepped buckets, for a shorter run.
    """
    if quick:
        return [0]
    if model == "translate" and translate:
        return [int(index) for index in translate.split(",")]
    return list(MODELS[model]["stepped"])


# ---------------------------------------------------------------------------
# Worker side: build one model, step it, print one JSON line.
# ---------------------------------------------------------------------------


def make_batches(model: str, buckets: list, bucket_id: int, count: int) -> list:
    """Random time-major batches of one bucket, the same in both variants.

    Returns:
        `count` tuples `(encoder, decoder, weights, lengths)`: int32 arrays
        `[encoder_length, batch]` and `[decoder_length + 1, batch]` (the
        last row is only a target), float32 ones `[decoder_length, batch]`
        and int32 encoder lengths `[batch]` in [1, encoder_length] (read by
        textsum only).
    """
    import numpy as np

    spec = MODELS[model]
    encoder_length, decoder_length = buckets[bucket_id]
    batch, vocab = spec["batch"], spec["vocab"]
    rng = np.random.default_rng([SEED, sorted(MODELS).index(model), bucket_id])
    batches = []
    for _ in range(count):
        encoder = rng.integers(0, vocab, size=(encoder_length, batch), dtype=np.int32)
        decoder = rng.integers(0, vocab, size=(decoder_length + 1, batch), dtype=np.int32)
        weights = np.ones((decoder_length, batch), dtype=np.float32)
        lengths = rng.integers(1, encoder_length + 1, size=batch, dtype=np.int32)
        batches.append((encoder, decoder, weights, lengths))
    return batches


def make_cell(rnn_cell: Any, model: str, cell_kind: str) -> Any:
    """One 256-unit cell of `model`'s kind."""
    size = MODELS[model]["size"]
    if cell_kind == "gru":
        return rnn_cell.GRUCell(size)
    return rnn_cell.BasicLSTMCell(size)


def sampled_softmax(weights_t: Any, biases: Any, num_sampled: int, vocab: int) -> Callable:
    """A `softmax_loss_function` drawing `num_sampled` classes, as the three models write it."""
    import tensorflow as tf

    def sampled_loss(labels: Any, logits: Any) -> Any:
        labels = tf.reshape(labels, [-1, 1])
        loss = tf.nn.sampled_softmax_loss(
            weights=weights_t, biases=biases, labels=labels, inputs=logits,
            num_sampled=num_sampled, num_classes=vocab)
        return tf.cast(loss, tf.float32)

    return sampled_loss


def build_bucketed(lib: dict, model: str, cell_kind: str, buckets: list, decode: bool) -> dict:
    """The translate or chatbot model: `embedding_attention_seq2seq` in `model_with_buckets`.

    Translate (as the tutorial and `seq2seq_benchmark.build_tf1_model`): separate
    cells, the `MultiRNNCell` deep-copied per bucket by the user's `seq2seq_f`.
    Chatbot: one cell object repeated in the `MultiRNNCell`, passed as it is
    (the legacy function copies it for the encoder, as TF 1.15 does).

    Returns:
        A dict with the placeholders, `feed(bucket_id, batch)` and per bucket
        `updates`, `norms`, `losses` (training) or `logits` (decoding).
    """
    import tensorflow as tf

    v1 = tf.compat.v1
    spec = MODELS[model]
    legacy_seq2seq, rnn_cell = lib["legacy_seq2seq"], lib["rnn_cell"]
    vocab, size = spec["vocab"], spec["size"]
    max_encoder, max_decoder = buckets[-1]
    w = v1.get_variable("proj_w", [size, vocab])
    w_t = tf.transpose(w)
    b = v1.get_variable("proj_b", [vocab])
    sampled_loss = sampled_softmax(w_t, b, spec["num_sampled"], vocab)
    if spec["repeat_cell"]:
        cell = rnn_cell.MultiRNNCell([make_cell(rnn_cell, model, cell_kind)] * spec["layers"])
    else:
        cell = rnn_cell.MultiRNNCell([make_cell(rnn_cell, model, cell_kind)
                                      for _ in range(spec["layers"])])

    def seq2seq_f(encoder_inputs: list, decoder_inputs: list) -> Any:
        return legacy_seq2seq.embedding_attention_seq2seq(
            encoder_inputs, decoder_inputs, copy.deepcopy(cell) if spec["copy_cell"] else cell,
            num_encoder_symbols=vocab, num_decoder_symbols=vocab, embedding_size=size,
            output_projection=(w, b), feed_previous=decode, dtype=tf.float32)

    encoder = [v1.placeholder(tf.int32, [None], name=f"encoder{i}") for i in range(max_encoder)]
    decoder = [v1.placeholder(tf.int32, [None], name=f"decoder{i}")
               for i in range(max_decoder + 1)]
    weights = [v1.placeholder(tf.float32, [None], name=f"weight{i}")
               for i in range(max_decoder + 1)]
    targets = [decoder[i + 1] for i in range(len(decoder) - 1)]
    outputs, losses = legacy_seq2seq.model_with_buckets(
        encoder, decoder, targets, weights, buckets, seq2seq_f,
        softmax_loss_function=sampled_loss)

    def feed(bucket_id: int, batch: tuple) -> dict:
        enc, dec, wts, _ = batch
        encoder_length, decoder_length = buckets[bucket_id]
        values = {encoder[i]: enc[i] for i in range(encoder_length)}
        for i in range(decoder_length):
            values[decoder[i]] = dec[i]
            values[weights[i]] = wts[i]
        values[decoder[decoder_length]] = dec[decoder_length]
        return values

    built = {"feed": feed, "losses": losses}
    if decode:
        built["logits"] = [[tf.matmul(o, w) + b for o in outputs[i]] for i in range(len(buckets))]
        return built
    global_step = v1.Variable(0, trainable=False, name="global_step")
    params = v1.trainable_variables()
    opt = v1.train.GradientDescentOptimizer(spec["learning_rate"])
    built["updates"], built["norms"] = [], []
    for bucket_id in range(len(buckets)):
        grads = v1.gradients(losses[bucket_id], params)
        clipped, norm = tf.clip_by_global_norm(grads, spec["max_norm"])
        built["norms"].append(norm)
        built["updates"].append(opt.apply_gradients(zip(clipped, params),
                                                    global_step=global_step))
    return built


def build_textsum(lib: dict, model: str, cell_kind: str, buckets: list, decode: bool) -> dict:
    """The textsum summariser's training graph (`seq2seq_attention_model.py`, mode train).

    Batch-major placeholders of a fixed batch, one embedding shared by the
    article and the abstract, four `static_bidirectional_rnn` layers with
    the article lengths as `sequence_length`, each reading the previous
    layer's outputs, then `attention_decoder` over the top layer's outputs,
    started from the top layer's forward state, without `loop_function`.
    The per-step sampled softmax goes through the library's
    `sequence_loss` (textsum calls its own copy of the same loop), and the
    SGD learning rate decays as textsum's does. With ``gru``, `GRUCell(256)`
    takes every `LSTMCell`'s place.
    """
    import tensorflow as tf

    if decode:
        raise ValueError("the textsum model is measured in training only")
    v1 = tf.compat.v1
    spec = MODELS[model]
    legacy_seq2seq, rnn_cell, rnn = lib["legacy_seq2seq"], lib["rnn_cell"], lib["rnn"]
    (encoder_length, decoder_length), = buckets
    batch, vocab, size = spec["batch"], spec["vocab"], spec["size"]

    def cell(seed: int) -> Any:
        if cell_kind == "gru":
            return rnn_cell.GRUCell(size)
        return rnn_cell.LSTMCell(size, initializer=v1.random_uniform_initializer(-0.1, 0.1,
                                                                                seed=seed),
                                 state_is_tuple=False)

    articles = v1.placeholder(tf.int32, [batch, encoder_length], name="articles")
    abstracts = v1.placeholder(tf.int32, [batch, decoder_length], name="abstracts")
    targets = v1.placeholder(tf.int32, [batch, decoder_length], name="targets")
    loss_weights = v1.placeholder(tf.float32, [batch, decoder_length], name="loss_weights")
    article_lens = v1.placeholder(tf.int32, [batch], name="article_lens")
    with v1.variable_scope("seq2seq"):
        encoder_inputs = tf.unstack(tf.transpose(articles))
        decoder_inputs = tf.unstack(tf.transpose(abstracts))
        step_targets = tf.unstack(tf.transpose(targets))
        step_weights = tf.unstack(tf.transpose(loss_weights))
        with v1.variable_scope("embedding"):
            embedding = v1.get_variable(
                "embedding", [vocab, spec["embedding"]], dtype=tf.float32,
                initializer=v1.truncated_normal_initializer(stddev=1e-4))
            layer_inputs = [tf.nn.embedding_lookup(embedding, x) for x in encoder_inputs]
            embedded_decoder = [tf.nn.embedding_lookup(embedding, x) for x in decoder_inputs]
        for layer in range(spec["layers"]):
            with v1.variable_scope(f"encoder{layer}"):
                layer_inputs, fw_state, _ = rnn.static_bidirectional_rnn(
                    cell(123), cell(113), layer_inputs, dtype=tf.float32,
                    sequence_length=article_lens)
        with v1.variable_scope("output_projection"):
            w = v1.get_variable("w", [size, vocab], dtype=tf.float32,
                                initializer=v1.truncated_normal_initializer(stddev=1e-4))
            w_t = tf.transpose(w)
            v = v1.get_variable("v", [vocab], dtype=tf.float32,
                                initializer=v1.truncated_normal_initializer(stddev=1e-4))
        with v1.variable_scope("decoder"):
            top = [tf.reshape(x, [batch, 1, 2 * size]) for x in layer_inputs]
            attention_states = tf.concat(top, axis=1)
            decoder_outputs, _ = legacy_seq2seq.attention_decoder(
                embedded_decoder, fw_state, attention_states, cell(113), num_heads=1,
                loop_function=None, initial_state_attention=False)
        with v1.variable_scope("output"):
            logits = [tf.compat.v1.nn.xw_plus_b(o, w, v) for o in decoder_outputs]
        with v1.variable_scope("loss"):
            loss = legacy_seq2seq.sequence_loss(
                decoder_outputs, step_targets, step_weights,
                softmax_loss_function=sampled_softmax(w_t, v, spec["num_sampled"], vocab))
    global_step = v1.Variable(0, trainable=False, name="global_step")
    learning_rate = tf.maximum(spec["min_learning_rate"], v1.train.exponential_decay(
        spec["learning_rate"], global_step, 30000, 0.98))
    params = v1.trainable_variables()
    grads, norm = tf.clip_by_global_norm(v1.gradients(loss, params), spec["max_norm"])
    update = v1.train.GradientDescentOptimizer(learning_rate).apply_gradients(
        zip(grads, params), global_step=global_step, name="train_step")

    def feed(bucket_id: int, batch_arrays: tuple) -> dict:
        enc, dec, wts, lengths = batch_arrays
        return {articles: enc.T, abstracts: dec[:-1].T, targets: dec[1:].T,
                loss_weights: wts.T, article_lens: lengths}

    return {"feed": feed, "losses": [loss], "updates": [update], "norms": [norm],
            "logits": [logits]}


BUILDERS = {"translate": build_bucketed, "chatbot": build_bucketed, "textsum": build_textsum}


def op_type(node_stats: Any) -> str:
    """The op type of one executed node, from its timeline label ``name = Op(inputs)``."""
    label = node_stats.timeline_label
    if " = " in label:
        return label.split(" = ", 1)[1].split("(", 1)[0] or node_stats.node_name
    return node_stats.node_name


def count_kernels(step_stats: Any) -> dict:
    """Node executions of one traced step, over all devices.

    The GPU tracer's extra stream and memcpy devices repeat kernels already
    listed under their device, so they are left out.

    Args:
        step_stats: `RunMetadata.step_stats` of a `FULL_TRACE` run.

    Returns:
        `total`, `per_device` (device name to count) and `top_op_types`
        (the 15 most executed op types with their counts).
    """
    per_device = {}
    types: collections.Counter = collections.Counter()
    for device in step_stats.dev_stats:
        name = device.device
        if "/stream:" in name or name.endswith("/memcpy"):
            continue
        per_device[name] = per_device.get(name, 0) + len(device.node_stats)
        types.update(op_type(node) for node in device.node_stats)
    return {"total": sum(per_device.values()), "per_device": per_device,
            "top_op_types": types.most_common(15)}


def traced_kernels(sess: Any, fetches: Any, feed: dict) -> dict:
    """Runs one step with `FULL_TRACE` and counts its node executions."""
    import tensorflow as tf

    v1 = tf.compat.v1
    options = v1.RunOptions(trace_level=v1.RunOptions.FULL_TRACE)
    metadata = v1.RunMetadata()
    sess.run(fetches, feed, options=options, run_metadata=metadata)
    return count_kernels(metadata.step_stats)


def run_worker(args: argparse.Namespace) -> None:
    """Worker mode: build one (model, cell, variant, mode), step it, print one JSON line."""
    import tensorflow as tf

    v1 = tf.compat.v1
    load_before = os.getloadavg()
    translate_benchmark.apply_behavior(args.behavior)
    legacy_seq2seq, rnn_cell, info = translate_benchmark.import_library(args.expect_root)
    from legacy_seq2seq_compat import fastpath, rnn

    # What TensorFlow and the library take before any graph: the same for a
    # and b, and most of either's peak.
    info["import_rss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    lib = {"legacy_seq2seq": legacy_seq2seq, "rnn_cell": rnn_cell, "rnn": rnn}
    buckets = model_buckets(args.model, args.quick)
    decode = args.worker == "decode"
    graph = tf.Graph()
    with graph.as_default():
        # No graph seed: a seeded graph makes the engine call the user's loss
        # per step (one trace would repeat the samples), as the real scripts
        # leave their graphs unseeded.
        context = fastpath.stepwise() if args.variant == "b" else contextlib.nullcontext()
        start = time.perf_counter()
        with context:
            info["stepwise"] = fastpath.is_stepwise()
            model = BUILDERS[args.model](lib, args.model, args.cell, buckets, decode)
        info["build_s"] = time.perf_counter() - start
        info["op_count"] = len(graph.get_operations())
        info["decisions"] = [list(d) for d in fastpath.report(graph)]
        info["fastpath_used"] = fastpath.used(graph)
        start = time.perf_counter()
        init = v1.global_variables_initializer()
        sess = v1.Session(graph=graph)
        sess.run(init)
        info["init_s"] = time.perf_counter() - start
    info["buckets"] = {}
    for bucket_id in stepped_buckets(args.model, args.quick, args.translate_buckets):
        if decode:
            fetches = model["logits"][bucket_id]
        else:
            fetches = [model["updates"][bucket_id], model["norms"][bucket_id],
                       model["losses"][bucket_id]]

        def step(batch: tuple, bucket_id: int = bucket_id, fetches: Any = fetches) -> Any:
            results = sess.run(fetches, model["feed"](bucket_id, batch))
            return None if decode else results[2]

        batches = make_batches(args.model, buckets, bucket_id, args.warmup + args.steps + 1)
        timing = translate_benchmark.time_steps(step, batches[:-1], args.warmup)
        timing["kernels"] = traced_kernels(sess, fetches, model["feed"](bucket_id, batches[-1]))
        info["buckets"][str(bucket_id)] = timing
    sess.close()
    info.update({
        "model": args.model, "variant": args.variant, "mode": args.worker, "cell": args.cell,
        "tf_version": tf.__version__,
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
    })
    print(RESULT_TAG + json.dumps(info), flush=True)


# ---------------------------------------------------------------------------
# Parent side: the plan, subprocesses, aggregation, report.
# ---------------------------------------------------------------------------


def model_modes(model: str, modes: Sequence[str] = MODES) -> tuple:
    """The modes of `model` (train, decode) that are among `modes`."""
    return tuple(mode for mode in MODELS[model]["modes"] if mode in modes)


def plan(models: list, cells: list, variants: list, reps: int,
         modes: Sequence[str] = MODES) -> list:
    """Every worker to run, in order: `(rep, model, cell, variant, mode)`.

    Each repetition rotates the variants by one (a, b; then b, a; ...), so
    neither always runs first on a warm or a loaded machine.
    """
    runs = []
    for rep in range(reps):
        shift = rep % len(variants)
        order = variants[shift:] + variants[:shift]
        for model in models:
            for cell in cells:
                for variant in order:
                    for mode in model_modes(model, modes):
                        runs.append((rep, model, cell, variant, mode))
    return runs


def run_one(args: argparse.Namespace, job: tuple, root: str) -> dict:
    """Runs one worker subprocess; a failure is returned as a record, never raised."""
    rep, model, cell, variant, mode = job
    command = [sys.executable, os.path.abspath(__file__), "--worker", mode,
               "--model", model, "--variant", variant, "--cell", cell,
               "--steps", str(args.steps), "--warmup", str(args.warmup),
               "--expect-root", root, "--behavior", args.behavior]
    if args.quick:
        command.append("--quick")
    if args.translate_buckets:
        command += ["--translate-buckets", args.translate_buckets]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=root)
    # b asks for stepwise() in the worker; a must not inherit the switch.
    env.pop(STEPWISE_ENV, None)
    record = {"rep": rep, "model": model, "cell": cell, "variant": variant, "mode": mode}
    start = time.perf_counter()
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True,
                              timeout=args.timeout)
    except subprocess.TimeoutExpired as error:
        stderr = error.stderr or ""
        if isinstance(stderr, bytes):
            stderr = stderr.decode(errors="replace")
        record.update(error=f"timed out after {args.timeout} s", stderr_tail=stderr[-3000:])
    else:
        lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT_TAG)]
        if done.returncode == 0 and len(lines) == 1:
            record.update(json.loads(lines[0][len(RESULT_TAG):]))
        else:
            record.update(error=f"exit status {done.returncode}, {len(lines)} result lines",
                          stderr_tail=done.stderr[-3000:])
    record["wall_s"] = time.perf_counter() - start
    return record


def median_of(values: list) -> Optional[float]:
    """Median of the values that are not None, or None."""
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(runs: list) -> dict:
    """Medians over the successful repetitions of one (model, cell, variant, mode)."""
    good = [run for run in runs if "error" not in run]
    summary = {key: median_of([run.get(key) for run in good])
               for key in ("build_s", "op_count", "init_s", "peak_rss_kib", "import_rss_kib")}
    summary["reps_ok"] = len(good)
    summary["reps_failed"] = len(runs) - len(good)
    summary["decisions"] = good[0]["decisions"] if good else None
    summary["buckets"] = {}
    bucket_keys = sorted({key for run in good for key in run["buckets"]}, key=int)
    for key in bucket_keys:
        per_rep = [run["buckets"][key] for run in good if key in run["buckets"]]
        medians = [rep["median_s"] for rep in per_rep]
        cpu = [median_of(rep["cpu_samples_s"]) for rep in per_rep if rep.get("cpu_samples_s")]
        summary["buckets"][key] = {
            "first_step_s": median_of([rep["first_step_s"] for rep in per_rep]),
            "step_median_s": median_of(medians),
            "step_cpu_median_s": median_of(cpu) if cpu else None,
            "step_median_range_s": [min(medians), max(medians)],
            "kernels": median_of([rep["kernels"]["total"] for rep in per_rep]),
        }
    return summary


def ratio(top: Optional[float], bottom: Optional[float]) -> Optional[float]:
    """top / bottom, or None if either is missing or bottom is 0."""
    if top is None or bottom is None or bottom == 0:
        return None
    return top / bottom


def verdict(value: Optional[float], limit: Optional[float]) -> str:
    """PASS / FAIL against `limit`, ``n/a`` without a value, ``-`` without a limit."""
    if limit is None:
        return "-"
    if value is None:
        return "n/a"
    return "PASS" if value <= limit else "FAIL"


def fmt(value: Optional[float], digits: int = 2) -> str:
    """A number for the table, or n/a."""
    return "n/a" if value is None else f"{value:.{digits}f}"


def measure_rows(model: str, buckets: list, stepped: list, summaries: dict,
                 modes: Sequence[str] = MODES) -> list:
    """Rows `(measure, a, b, a/b, target, result)` of one model and cell, as text.

    Args:
        model: A key of `MODELS`.
        buckets: The model's buckets in this run.
        stepped: Indices of the buckets that were stepped (rows even when no
            worker returned them, so a failure shows as n/a).
        summaries: `{variant: {mode: summarize(...)}}`.
        modes: The modes that were run.
    """
    targets = MODELS[model]["targets"]
    rows = []

    def add(label: str, mode: str, getter: Callable, key: str, scale: float,
            digits: int) -> None:
        values = {}
        for variant in ("a", "b"):
            summary = summaries.get(variant, {}).get(mode)
            value = getter(summary) if summary else None
            values[variant] = None if value is None else value * scale
        quotient = ratio(values["a"], values["b"])
        limit = targets.get(f"{mode} {key}")
        rows.append((label, fmt(values["a"], digits), fmt(values["b"], digits), fmt(quotient),
                     "-" if limit is None else f"<= {limit}", verdict(quotient, limit)))

    for mode in model_modes(model, modes):
        add(f"{mode} graph build (s)", mode, lambda s: s["build_s"], "build", 1.0, 1)
        add(f"{mode} op count", mode, lambda s: s["op_count"], "ops", 1.0, 0)
        add(f"{mode} session init (s)", mode, lambda s: s["init_s"], "init", 1.0, 1)
        for key in map(str, stepped):
            name = f"bucket {key} {tuple(buckets[int(key)])}"

            def bucket(s: dict, key: str = key) -> dict:
                return s["buckets"].get(key, {})

            add(f"{mode} first step, {name} (s)", mode,
                lambda s, b=bucket: b(s).get("first_step_s"), "first step", 1.0, 1)
            add(f"{mode} step median, {name} (ms)", mode,
                lambda s, b=bucket: b(s).get("step_median_s"), "step", 1e3, 1)
            # Process CPU time (all threads): less moved than wall time by
            # other tenants of a shared machine.
            add(f"{mode} step CPU time, {name} (ms)", mode,
                lambda s, b=bucket: b(s).get("step_cpu_median_s"), "step CPU", 1e3, 1)
            add(f"{mode} kernels per step, {name}", mode,
                lambda s, b=bucket: b(s).get("kernels"), "kernels", 1.0, 0)
        add(f"{mode} peak RSS (MiB)", mode, lambda s: s["peak_rss_kib"], "peak RSS", 1 / 1024, 0)
        add(f"{mode} peak RSS above the import's (MiB)", mode, _above_import, "model RSS",
            1 / 1024, 0)
    return rows


def _above_import(summary: dict) -> Optional[float]:
    """Peak RSS less the RSS right after importing TensorFlow and the library (KiB)."""
    if summary.get("import_rss_kib") is None or summary.get("peak_rss_kib") is None:
        return None
    return summary["peak_rss_kib"] - summary["import_rss_kib"]


def path_text(function: str, fast: bool, reason: str) -> str:
    """How one `fastpath.Decision` reads in the report."""
    if fast:
        return "traced" if function == "softmax_loss_function" else "fast"
    return f"step by step ({reason})"


def decision_lines(summaries: dict, modes: tuple) -> list:
    """Markdown bullets: which paths a and b took (`fastpath.report(graph)`)."""
    lines = []
    for variant in ("a", "b"):
        for mode in modes:
            summary = summaries.get(variant, {}).get(mode)
            decisions = summary.get("decisions") if summary else None
            if decisions is None:
                continue
            if not decisions:
                text = "no decision recorded"
            else:
                text = "; ".join(f"`{function}` {path_text(function, fast, reason)}"
                                 for function, fast, reason in decisions)
            lines.append(f"* {variant} {mode}: {text}")
    return lines


def markdown_report(report: dict) -> str:
    """The whole Markdown report: header, verdicts overview, one table per model and cell."""
    config = report["config"]
    machine = report["machine"]
    lines = ["# Engine benchmark (issue #19)", ""]
    if config["quick"]:
        lines += ["**Smoke run (`--quick`): shortened buckets, one step; not a measurement.**",
                  ""]
    source = report["sources"]["a"]
    head = f"a = the engine, working tree at {source['head'][:12]}"
    changed = [line.split(maxsplit=1)[1] for line in source["uncommitted_changes"]]
    if changed:
        head += f" + uncommitted changes to {', '.join(changed)}"
    loads = [run["loadavg_after"][0] for run in report["runs"] if "loadavg_after" in run]
    lines += [
        f"{machine['date']}, TensorFlow {machine['tf_version']}, {machine['cpu_count']} CPUs; "
        f"repetitions: {config['reps']}; per stepped bucket {config['warmup']} warm-up, "
        f"{config['steps']} timed, then one traced step.",
        f"{head}; b = the same copy inside `fastpath.stepwise()` (the step-by-step graph).",
        BEHAVIOR_TEXT[config.get("behavior", "tf2")],
        "Medians over repetitions; a/b below 1 means a is faster or smaller.",
    ]
    if loads:
        lines[-1] += (f" 1-minute load average at the end of the workers: {min(loads):.1f} to "
                      f"{max(loads):.1f}.")
    lines += [f"Total wall time {report['total_wall_s'] / 60:.1f} min.", ""]
    lines += ["| model | cell | targets passed | failed | n/a |", "|---|---|---|---|---|"]
    sections = []
    for model in config["models"]:
        buckets = config["buckets"][model]
        for cell in config["cells"]:
            summaries = report["summary"][model][cell]
            modes = config.get("modes", MODES)
            rows = measure_rows(model, buckets, config["stepped"][model], summaries, modes)
            results = [row[-1] for row in rows]
            lines.append(f"| {model} | {cell} | {results.count('PASS')} | "
                         f"{results.count('FAIL')} | {results.count('n/a')} |")
            sections += ["", f"## {model}, {cell}: {MODELS[model]['cells'][cell]}", "",
                         f"{MODELS[model]['title']}; buckets {', '.join(map(str, buckets))}, "
                         f"batch {MODELS[model]['batch']}.", "",
                         "| measure | a | b | a/b | target | PASS/FAIL |",
                         "|---|---|---|---|---|---|"]
            sections += ["| " + " | ".join(row) + " |" for row in rows]
            sections += ["", "Paths taken (`fastpath.report(graph)`):", ""]
            sections += decision_lines(summaries, model_modes(model, modes)) or \
                ["* none recorded"]
    lines += sections
    failures = [run for run in report["runs"] if "error" in run]
    if failures:
        lines += ["", "## Failed workers", ""]
        for run in failures:
            lines += [f"* rep {run['rep'] + 1}, {run['model']} {run['cell']} {run['variant']} "
                      f"{run['mode']}: {run['error']}", "", "```text",
                      "\n".join(run.get("stderr_tail", "").strip().splitlines()[-15:])
                      or "(no output on stderr)", "```", ""]
    return "\n".join(lines) + "\n"


def exit_on_sigterm(signum: int, frame: Any) -> None:
    """SIGTERM ends the parent like Ctrl-C does, so the scratch directory is removed."""
    sys.exit(128 + signum)


def run_parent(args: argparse.Namespace) -> dict:
    """Runs every worker in alternating order, writes the json and md, returns the report."""
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    repo = translate_benchmark.git(HERE, "rev-parse", "--show-toplevel")
    models, cells = args.models.split(","), args.cells.split(",")
    variants = args.variants.split(",")
    modes = tuple(args.modes.split(","))
    jobs = plan(models, cells, variants, args.reps, modes)
    started = time.perf_counter()
    scratch = tempfile.mkdtemp(prefix="engine_benchmark_")
    runs = []
    try:
        # One copy of the library serves a and b, so both measure the same
        # code even while the working tree is being edited.
        source = translate_benchmark.snapshot_working_tree(repo, os.path.join(scratch, "lib"))
        for index, job in enumerate(jobs):
            rep, model, cell, variant, mode = job
            print(f"[{index + 1}/{len(jobs)}] rep {rep + 1} {model} {cell} {variant} {mode}",
                  file=sys.stderr, flush=True)
            record = run_one(args, job, source["root"])
            if "error" in record:
                print(f"  failed: {record['error']}", file=sys.stderr, flush=True)
            else:
                print(f"  build {record['build_s']:.1f} s, {record['op_count']} ops, "
                      f"worker {record['wall_s']:.0f} s", file=sys.stderr, flush=True)
            runs.append(record)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    summary = {}
    for model in models:
        summary[model] = {}
        for cell in cells:
            summary[model][cell] = {}
            for variant in variants:
                summary[model][cell][variant] = {
                    mode: summarize([r for r in runs if (r["model"], r["cell"], r["variant"],
                                                         r["mode"]) == (model, cell, variant,
                                                                        mode)])
                    for mode in model_modes(model, modes)}
    report = {
        "machine": {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "tf_version": next((r["tf_version"] for r in runs if "tf_version" in r), None),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
        },
        "config": {
            "models": models, "cells": cells, "variants": variants, "modes": list(modes),
            "reps": args.reps, "behavior": args.behavior,
            "steps": args.steps, "warmup": args.warmup, "quick": args.quick, "seed": SEED,
            "buckets": {model: model_buckets(model, args.quick) for model in models},
            "stepped": {model: stepped_buckets(model, args.quick, args.translate_buckets)
                        for model in models},
            "models_spec": {model: MODELS[model] for model in models},
        },
        "sources": {"a": source, "b": {"same_as": "a", "switch": "fastpath.stepwise()"}},
        "total_wall_s": time.perf_counter() - started,
        "summary": summary,
        "runs": runs,
    }
    translate_benchmark.write_report(args.out, "engine_benchmark", report,
                                     markdown_report(report))
    return report


def parse_args(argv: Optional[list] = None) -> argparse.Namespace:
    """Command-line flags of the parent and (hidden from users) of the worker."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="translate,chatbot,textsum",
                        help="comma list of translate, chatbot, textsum")
    parser.add_argument("--cells", default="gru,lstm", help="comma list of gru, lstm")
    parser.add_argument("--variants", default="a,b", help="comma list of a, b")
    parser.add_argument("--modes", default=",".join(MODES),
                        help="comma list of train, decode (decode: translate only)")
    parser.add_argument("--reps", type=int, help="repetitions of every worker (default 2; "
                        "--quick: 1)")
    parser.add_argument("--steps", type=int, help="timed steps per stepped bucket "
                        "(default 10; --quick: 1)")
    parser.add_argument("--warmup", type=int, help="untimed steps per stepped bucket before "
                        "the timed ones, at least 1 (default 2; --quick: 1)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: every model's first bucket only (textsum (10, 5)), "
                             "fewer steps and repetitions")
    parser.add_argument("--translate-buckets", default="",
                        help="comma list of the translate buckets to step, e.g. 0,3 "
                             "(default: all four)")
    parser.add_argument("--behavior", choices=sorted(BEHAVIOR_TEXT), default="tf1",
                        help="tf1 (default): the workers call tf.compat.v1."
                             "disable_v2_behavior() first, as an old script run by "
                             "`legacy-seq2seq-compat run` does; tf2: TensorFlow 2's defaults "
                             "(resource variables), as the results before 2026-12-08")
    parser.add_argument("--timeout", type=float, default=3600.0,
                        help="seconds before a worker is stopped and reported as failed")
    parser.add_argument("--out", default=os.path.join(HERE, "results"),
                        help="directory of the json and md results")
    parser.add_argument("--worker", choices=("train", "decode"), help=argparse.SUPPRESS)
    parser.add_argument("--model", choices=sorted(MODELS), help=argparse.SUPPRESS)
    parser.add_argument("--variant", choices=sorted(VARIANT_NAMES), help=argparse.SUPPRESS)
    parser.add_argument("--cell", choices=CELLS, help=argparse.SUPPRESS)
    parser.add_argument("--expect-root", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    defaults = QUICK_DEFAULTS if args.quick else FULL_DEFAULTS
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.warmup < 1 or args.steps < 1 or args.reps < 1:
        parser.error("--warmup, --steps and --reps must be at least 1")
    if args.translate_buckets and not set(args.translate_buckets.split(",")) <= set("0123"):
        parser.error("--translate-buckets must be a comma list of 0, 1, 2, 3; "
                     f"got {args.translate_buckets!r}")
    check_name_lists(parser, args, {"models": MODELS, "cells": CELLS,
                                    "variants": VARIANT_NAMES, "modes": MODES})
    return args


def check_name_lists(parser: argparse.ArgumentParser, args: argparse.Namespace,
                     allowed: dict) -> None:
    """Fails through `parser` unless each flag in `allowed` is a comma list of distinct names."""
    for name, names in allowed.items():
        given = getattr(args, name).split(",")
        unknown = set(given) - set(names)
        if unknown or len(set(given)) != len(given):
            parser.error(f"--{name} must be a comma list of distinct names out of "
                         f"{', '.join(sorted(names))}; got {getattr(args, name)!r}")


def main(argv: Optional[list] = None) -> None:
    """Entry point: worker mode with --worker, else the whole benchmark."""
    args = parse_args(argv)
    if args.worker:
        run_worker(args)
    else:
        run_parent(args)


if __name__ == "__main__":
    main()
