"""Speed and memory of the translate tutorial's seq2seq model: this library, its baseline, Keras 3.

The model is the one of the TensorFlow translate tutorial (`seq2seq_model.py`):
`embedding_attention_seq2seq` inside `model_with_buckets`, two layers of 256
units, 4000 symbols on both sides, buckets (5, 10) (10, 15) (20, 25) (40, 50),
batch 32, sampled softmax (512 samples) through an output projection,
gradients clipped to global norm 5 and one SGD update per bucket.

Variants, each run in fresh subprocesses (one for training, one for decoding):

* a: this library as it is in the working tree (copied once at the start, so
  every repetition measures the same code);
* b: this library at a pinned baseline revision, checked out with
  `git worktree` into a temporary directory and removed at the end;
* c: the Keras 3 model a user would write instead (GRU or LSTM layers,
  `AdditiveAttention`), trained by a `tf.function` with `tf.GradientTape`.

Run from the repository root:

    python benchmarks/seq2seq_benchmark.py --cells gru --reps 2

It writes `seq2seq_benchmark.json`, `.png` and `.md` to `--out` and prints the
Markdown table. See benchmarks/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import hashlib
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
from typing import Any, Optional

BASELINE_REV = "d3f642dad64b1f61fdea02f1c2bf58b214489b58"
BUCKETS = [(5, 10), (10, 15), (20, 25), (40, 50)]
VOCAB = 4000
SIZE = 256
LAYERS = 2
BATCH = 32
NUM_SAMPLED = 512
MAX_GRADIENT_NORM = 5.0
LEARNING_RATE = 0.5
SEED = 1234
RESULT_TAG = "SEQ2SEQ_BENCHMARK_RESULT "
VARIANT_NAMES = {
    "a": "a: this library",
    "b": "b: baseline",
    "c": "c: Keras 3",
}
CELL_NAMES = {"gru": "2 x GRUCell(256)", "lstm": "2 x BasicLSTMCell(256)"}
MODES = ("train", "decode")
HERE = os.path.dirname(os.path.abspath(__file__))
# The library's opt-in switches, set for variant a only (b predates them).
BATCH_LOSS_ENV = "LEGACY_SEQ2SEQ_COMPAT_BATCH_LOSS_FUNCTIONS"
# Set by the parent for the workers of a run with --seed-graph.
SEED_GRAPH_ENV = "SEQ2SEQ_BENCHMARK_SEED_GRAPH"

# How the graph-mode workers run under each --behavior (here and in
# engine_benchmark.py); each report puts its own subject before it.
BEHAVIOR_TEXT = {
    "tf1": "with `tf.compat.v1.disable_v2_behavior()`, as an old script under "
           "`legacy-seq2seq-compat run` does (reference variables).",
    "tf2": "with TensorFlow 2's defaults (resource variables), not with "
           "`disable_v2_behavior()`.",
}


def apply_behavior(behavior: str) -> None:
    """Gives a graph-mode worker the TensorFlow behaviour named by --behavior.

    ``"tf1"`` is what an old script gets from `legacy-seq2seq-compat run` or
    the `tf1` module: reference variables, whose every use reads one
    snapshot, so equal products of a variable can be computed once.
    """
    import tensorflow as tf

    if behavior == "tf1":
        tf.compat.v1.disable_v2_behavior()


# ---------------------------------------------------------------------------
# Worker side: build one model, time it, print one JSON line.
# ---------------------------------------------------------------------------


def make_batches(bucket_id: int, count: int) -> list[tuple[Any, Any, Any]]:
    """Random time-major batches for one bucket, the same in every variant.

    Args:
        bucket_id: Index into `BUCKETS`.
        count: Number of batches.

    Returns:
        `count` tuples `(encoder, decoder, weights)`: int32 arrays of shape
        `[encoder_length, BATCH]` and `[decoder_length + 1, BATCH]` (the last
        row is only a target) and a float32 array `[decoder_length, BATCH]`
        of ones.
    """
    import numpy as np

    encoder_length, decoder_length = BUCKETS[bucket_id]
    rng = np.random.default_rng([SEED, bucket_id])
    batches = []
    for _ in range(count):
        encoder = rng.integers(0, VOCAB, size=(encoder_length, BATCH), dtype=np.int32)
        decoder = rng.integers(0, VOCAB, size=(decoder_length + 1, BATCH), dtype=np.int32)
        weights = np.ones((decoder_length, BATCH), dtype=np.float32)
        batches.append((encoder, decoder, weights))
    return batches


def build_tf1_model(legacy_seq2seq: Any, rnn_cell: Any, cell_kind: str, decode: bool) -> dict:
    """Builds the translate tutorial's bucketed model in the default graph.

    Args:
        legacy_seq2seq: The library's `legacy_seq2seq` module.
        rnn_cell: The library's `rnn_cell` module.
        cell_kind: `"gru"` or `"lstm"`.
        decode: If true, the decoder feeds back its own outputs and the
            outputs are projected to logits; else the update ops are built.

    Returns:
        A dict with the placeholders (`encoder`, `decoder`, `weights`) and,
        per bucket, `updates`, `norms` and `losses` (training) or `logits`
        (decoding).
    """
    import tensorflow as tf

    v1 = tf.compat.v1
    max_encoder, max_decoder = BUCKETS[-1]
    w = v1.get_variable("proj_w", [SIZE, VOCAB])
    w_t = tf.transpose(w)
    b = v1.get_variable("proj_b", [VOCAB])

    def sampled_loss(labels: Any, logits: Any) -> Any:
        labels = tf.reshape(labels, [-1, 1])
        loss = tf.nn.sampled_softmax_loss(
            weights=w_t, biases=b, labels=labels, inputs=logits,
            num_sampled=NUM_SAMPLED, num_classes=VOCAB)
        return tf.cast(loss, tf.float32)

    def single_cell() -> Any:
        if cell_kind == "gru":
            return rnn_cell.GRUCell(SIZE)
        return rnn_cell.BasicLSTMCell(SIZE)

    cell = rnn_cell.MultiRNNCell([single_cell() for _ in range(LAYERS)])

    def seq2seq_f(encoder_inputs: list, decoder_inputs: list, do_decode: bool) -> Any:
        return legacy_seq2seq.embedding_attention_seq2seq(
            encoder_inputs, decoder_inputs, copy.deepcopy(cell),
            num_encoder_symbols=VOCAB, num_decoder_symbols=VOCAB, embedding_size=SIZE,
            output_projection=(w, b), feed_previous=do_decode, dtype=tf.float32)

    encoder = [v1.placeholder(tf.int32, [None], name=f"encoder{i}") for i in range(max_encoder)]
    decoder = [v1.placeholder(tf.int32, [None], name=f"decoder{i}")
               for i in range(max_decoder + 1)]
    weights = [v1.placeholder(tf.float32, [None], name=f"weight{i}")
               for i in range(max_decoder + 1)]
    targets = [decoder[i + 1] for i in range(len(decoder) - 1)]
    outputs, losses = legacy_seq2seq.model_with_buckets(
        encoder, decoder, targets, weights, BUCKETS,
        lambda x, y: seq2seq_f(x, y, decode), softmax_loss_function=sampled_loss)
    model = {"encoder": encoder, "decoder": decoder, "weights": weights, "losses": losses}
    if decode:
        model["logits"] = [[tf.matmul(o, w) + b for o in outputs[i]] for i in range(len(BUCKETS))]
        return model
    global_step = v1.Variable(0, trainable=False, name="global_step")
    params = v1.trainable_variables()
    opt = v1.train.GradientDescentOptimizer(LEARNING_RATE)
    model["updates"] = []
    model["norms"] = []
    for bucket_id in range(len(BUCKETS)):
        grads = v1.gradients(losses[bucket_id], params)
        clipped, norm = tf.clip_by_global_norm(grads, MAX_GRADIENT_NORM)
        model["norms"].append(norm)
        model["updates"].append(opt.apply_gradients(zip(clipped, params),
                                                    global_step=global_step))
    return model


def tf1_feed(model: dict, bucket_id: int, batch: tuple) -> dict:
    """The feed dict of one batch, as the tutorial's `step` builds it."""
    encoder, decoder, weights = batch
    encoder_length, decoder_length = BUCKETS[bucket_id]
    feed = {}
    for i in range(encoder_length):
        feed[model["encoder"][i]] = encoder[i]
    for i in range(decoder_length):
        feed[model["decoder"][i]] = decoder[i]
        feed[model["weights"][i]] = weights[i]
    feed[model["decoder"][decoder_length]] = decoder[decoder_length]
    return feed


def time_steps(step: Any, batches: list, warmup: int) -> dict:
    """Runs `step(batch)` on every batch; the first `warmup` are not timed.

    Returns:
        `first_step_s` (the very first call), `samples_s` (wall time of the
        timed calls), `cpu_samples_s` (their process CPU time, all threads),
        `median_s`, `min_s` and `losses` (what `step` returned, if anything).
    """
    samples = []
    cpu_samples = []
    losses = []
    first = None
    for index, batch in enumerate(batches):
        start = time.perf_counter()
        cpu_start = time.process_time()
        loss = step(batch)
        elapsed = time.perf_counter() - start
        cpu_elapsed = time.process_time() - cpu_start
        if loss is not None:
            losses.append(float(loss))
        if index == 0:
            first = elapsed
        if index >= warmup:
            samples.append(elapsed)
            cpu_samples.append(cpu_elapsed)
    return {"first_step_s": first, "samples_s": samples, "cpu_samples_s": cpu_samples,
            "median_s": statistics.median(samples), "min_s": min(samples), "losses": losses}


def package_digest(package_dir: str) -> str:
    """sha256 over the package's .py files (names and contents), for the record."""
    digest = hashlib.sha256()
    for name in sorted(os.listdir(package_dir)):
        if name.endswith(".py"):
            digest.update(name.encode())
            with open(os.path.join(package_dir, name), "rb") as f:
                digest.update(f.read())
    return digest.hexdigest()


def import_library(expect_root: str) -> tuple[Any, Any, dict]:
    """Imports the library and fails loudly unless it comes from `expect_root`."""
    import legacy_seq2seq_compat
    from legacy_seq2seq_compat import legacy_seq2seq, rnn_cell

    package_dir = os.path.dirname(os.path.realpath(legacy_seq2seq_compat.__file__))
    root = os.path.realpath(expect_root)
    if os.path.commonpath([package_dir, root]) != root:
        raise RuntimeError(f"legacy_seq2seq_compat was imported from {package_dir}, "
                           f"not from under {root}; check PYTHONPATH")
    info = {"library_file": legacy_seq2seq_compat.__file__,
            "library_digest": package_digest(package_dir)}
    print(f"legacy_seq2seq_compat from {package_dir}", file=sys.stderr, flush=True)
    return legacy_seq2seq, rnn_cell, info


def build_tf1_session(legacy_seq2seq: Any, rnn_cell: Any, cell_kind: str, decode: bool,
                      seeded: bool) -> tuple[dict, Any, dict]:
    """`build_tf1_model` in a fresh graph, and a session with the variables initialized.

    Returns:
        ``(model, session, timings)``; `timings` holds `build_s`, `op_count`
        and `init_s` (session creation plus the initializer).
    """
    import tensorflow as tf

    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        if seeded:
            v1.set_random_seed(SEED)
        start = time.perf_counter()
        model = build_tf1_model(legacy_seq2seq, rnn_cell, cell_kind, decode)
        timings = {"build_s": time.perf_counter() - start,
                   "op_count": len(graph.get_operations())}
        start = time.perf_counter()
        init = v1.global_variables_initializer()
        sess = v1.Session(graph=graph)
        sess.run(init)
        timings["init_s"] = time.perf_counter() - start
    return model, sess, timings


def write_report(out: str, name: str, report: dict, text: str) -> None:
    """Writes `report` to ``<out>/<name>.json`` and `text` to ``<out>/<name>.md``; prints `text`."""
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(report, f, indent=1)
    with open(os.path.join(out, name + ".md"), "w") as f:
        f.write(text)
    print(text)


def run_tagged_worker(command: list, env: dict, tag: str, label: str) -> dict:
    """Runs a worker subprocess and returns the JSON of its one stdout line starting with `tag`.

    Raises:
        RuntimeError: if the worker fails or prints no such line or several
            (its stderr's end is written to ours first).
    """
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith(tag)]
    if done.returncode != 0 or len(lines) != 1:
        sys.stderr.write(done.stderr[-6000:])
        raise RuntimeError(f"worker {label} failed (exit {done.returncode})")
    return json.loads(lines[0][len(tag):])


def run_tf1_worker(mode: str, cell_kind: str, bucket_ids: list, steps: int, warmup: int,
                   expect_root: str, behavior: str) -> dict:
    """Builds and times variant a or b (the library in graph mode)."""
    apply_behavior(behavior)
    legacy_seq2seq, rnn_cell, info = import_library(expect_root)
    decode = mode == "decode"
    # Unseeded by default, as the tutorial leaves it: a graph seed makes the
    # library call the user's loss per step (one trace would give every step
    # the same samples) instead of tracing it.
    model, sess, timings = build_tf1_session(legacy_seq2seq, rnn_cell, cell_kind, decode,
                                             seeded=os.environ.get(SEED_GRAPH_ENV) == "1")
    info.update(timings)
    info["buckets"] = {}
    for bucket_id in bucket_ids:
        if decode:
            fetches = model["logits"][bucket_id]
        else:
            fetches = [model["updates"][bucket_id], model["norms"][bucket_id],
                       model["losses"][bucket_id]]

        def step(batch: tuple, bucket_id: int = bucket_id, fetches: Any = fetches) -> Any:
            results = sess.run(fetches, tf1_feed(model, bucket_id, batch))
            return None if decode else results[2]

        batches = make_batches(bucket_id, warmup + steps)
        info["buckets"][str(bucket_id)] = time_steps(step, batches, warmup)
    sess.close()
    return info


def make_keras_model(cell_kind: str) -> Any:
    """The Keras 3 encoder-decoder with additive attention and sampled softmax.

    Returns:
        A built `keras.Model` with `train_loss(encoder, decoder, targets,
        weights)` and `greedy_decode(encoder, go, length)`; inputs are
        batch-major.
    """
    import keras
    import tensorflow as tf

    rnn_layer = keras.layers.GRU if cell_kind == "gru" else keras.layers.LSTM

    class KerasSeq2Seq(keras.Model):
        """Embedding, 2 recurrent layers each side, attention, tanh combiner."""

        def __init__(self) -> None:
            super().__init__()
            self.encoder_embedding = keras.layers.Embedding(VOCAB, SIZE)
            self.decoder_embedding = keras.layers.Embedding(VOCAB, SIZE)
            self.encoder_layers = [rnn_layer(SIZE, return_sequences=True, return_state=True)
                                   for _ in range(LAYERS)]
            self.decoder_layers = [rnn_layer(SIZE, return_sequences=True, return_state=True)
                                   for _ in range(LAYERS)]
            self.attention = keras.layers.AdditiveAttention()
            self.combine = keras.layers.Dense(SIZE, activation="tanh")
            self.proj_w = self.add_weight(shape=(VOCAB, SIZE), initializer="glorot_uniform",
                                          name="proj_w")
            self.proj_b = self.add_weight(shape=(VOCAB,), initializer="zeros", name="proj_b")
            self.encoder_embedding.build((None, None))
            self.decoder_embedding.build((None, None))
            for layer in self.encoder_layers + self.decoder_layers:
                layer.build((None, None, SIZE))
            self.attention.build([(None, None, SIZE), (None, None, SIZE)])
            self.combine.build((None, 2 * SIZE))

        def encode(self, encoder: Any) -> tuple[Any, list]:
            x = self.encoder_embedding(encoder)
            states = []
            for layer in self.encoder_layers:
                x, *state = layer(x)
                states.append(state)
            return x, states

        def train_loss(self, encoder: Any, decoder: Any, targets: Any, weights: Any) -> Any:
            memory, states = self.encode(encoder)
            y = self.decoder_embedding(decoder)
            for layer, state in zip(self.decoder_layers, states):
                y, *_ = layer(y, initial_state=state)
            context = self.attention([y, memory])
            combined = self.combine(tf.concat([y, context], axis=-1))
            crossent = tf.nn.sampled_softmax_loss(
                weights=self.proj_w, biases=self.proj_b,
                labels=tf.reshape(targets, [-1, 1]), inputs=tf.reshape(combined, [-1, SIZE]),
                num_sampled=NUM_SAMPLED, num_classes=VOCAB)
            crossent = tf.reshape(crossent, tf.shape(targets))
            per_example = (tf.reduce_sum(crossent * weights, axis=1)
                           / (tf.reduce_sum(weights, axis=1) + 1e-12))
            return tf.reduce_sum(per_example) / tf.cast(tf.shape(targets)[0], tf.float32)

        def greedy_decode(self, encoder: Any, go: Any, length: int) -> list:
            memory, states = self.encode(encoder)
            token = go
            logits = []
            for _ in range(length):
                x = self.decoder_embedding(token)
                new_states = []
                for layer, state in zip(self.decoder_layers, states):
                    x, state = layer.cell(x, state)
                    new_states.append(state)
                states = new_states
                context = self.attention([x[:, None, :], memory])[:, 0, :]
                combined = self.combine(tf.concat([x, context], axis=-1))
                step_logits = tf.matmul(combined, self.proj_w, transpose_b=True) + self.proj_b
                logits.append(step_logits)
                token = tf.argmax(step_logits, axis=-1, output_type=tf.int32)
            return logits

    return KerasSeq2Seq()


def keras_inputs(bucket_id: int, batch: tuple) -> tuple:
    """Batch-major encoder, decoder, targets and weights of one batch."""
    encoder, decoder, weights = batch
    decoder_length = BUCKETS[bucket_id][1]
    return encoder.T, decoder[:decoder_length].T, decoder[1:decoder_length + 1].T, weights.T


def run_keras_worker(mode: str, cell_kind: str, bucket_ids: list, steps: int,
                     warmup: int) -> dict:
    """Builds and times variant c (Keras 3 layers, one `tf.function` trace per bucket)."""
    import keras
    import tensorflow as tf

    info = {"keras_version": keras.__version__}
    tf.random.set_seed(SEED)
    keras.utils.set_random_seed(SEED)
    start = time.perf_counter()
    model = make_keras_model(cell_kind)
    variables = model.trainable_variables
    optimizer = keras.optimizers.SGD(LEARNING_RATE)
    if mode == "train":
        optimizer.build(variables)
    info["init_s"] = time.perf_counter() - start

    @tf.function
    def train_step(encoder: Any, decoder: Any, targets: Any, weights: Any) -> tuple:
        with tf.GradientTape() as tape:
            loss = model.train_loss(encoder, decoder, targets, weights)
        grads = tape.gradient(loss, variables)
        clipped, norm = tf.clip_by_global_norm(grads, MAX_GRADIENT_NORM)
        optimizer.apply_gradients(zip(clipped, variables))
        return norm, loss

    @tf.function
    def decode_step(encoder: Any, go: Any, length: int) -> list:
        return model.greedy_decode(encoder, go, length)

    # Trace every bucket, as the TF1 graph holds every bucket.
    info["trace_s"] = {}
    info["op_count"] = 0
    for bucket_id, (encoder_length, decoder_length) in enumerate(BUCKETS):
        encoder_spec = tf.TensorSpec([BATCH, encoder_length], tf.int32)
        start = time.perf_counter()
        if mode == "train":
            decoder_spec = tf.TensorSpec([BATCH, decoder_length], tf.int32)
            weights_spec = tf.TensorSpec([BATCH, decoder_length], tf.float32)
            concrete = train_step.get_concrete_function(
                encoder_spec, decoder_spec, decoder_spec, weights_spec)
        else:
            concrete = decode_step.get_concrete_function(
                encoder_spec, tf.TensorSpec([BATCH], tf.int32), decoder_length)
        info["trace_s"][str(bucket_id)] = time.perf_counter() - start
        info["op_count"] += len(concrete.graph.get_operations())
    info["build_s"] = sum(info["trace_s"].values())
    info["buckets"] = {}
    for bucket_id in bucket_ids:
        decoder_length = BUCKETS[bucket_id][1]

        def step(batch: tuple, bucket_id: int = bucket_id, length: int = decoder_length) -> Any:
            encoder, decoder, targets, weights = keras_inputs(bucket_id, batch)
            if mode == "train":
                results = train_step(encoder, decoder, targets, weights)
            else:
                results = decode_step(encoder, decoder[:, 0], length)
            values = [tensor.numpy() for tensor in results]
            return values[1] if mode == "train" else None

        batches = make_batches(bucket_id, warmup + steps)
        info["buckets"][str(bucket_id)] = time_steps(step, batches, warmup)
    function = train_step if mode == "train" else decode_step
    info["trace_count"] = function.experimental_get_tracing_count()
    if info["trace_count"] != len(BUCKETS):
        raise RuntimeError(f"expected {len(BUCKETS)} traces, got {info['trace_count']}")
    return info


def run_worker(args: argparse.Namespace) -> None:
    """Worker mode: measure one (variant, mode, cell) and print one JSON line."""
    import tensorflow as tf

    bucket_ids = [int(b) for b in args.buckets.split(",")]
    load_before = os.getloadavg()
    if args.variant == "c":
        info = run_keras_worker(args.worker, args.cell, bucket_ids, args.steps, args.warmup)
    else:
        info = run_tf1_worker(args.worker, args.cell, bucket_ids, args.steps, args.warmup,
                              args.expect_root, args.behavior)
    info.update({
        "variant": args.variant, "mode": args.worker, "cell": args.cell,
        "tf_version": tf.__version__,
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
    })
    print(RESULT_TAG + json.dumps(info), flush=True)


# ---------------------------------------------------------------------------
# Parent side: sources, subprocesses, aggregation, report.
# ---------------------------------------------------------------------------


def git(repo: str, *args: str) -> str:
    """Runs git in `repo` and returns its stdout without the final newline."""
    done = subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, text=True)
    return done.stdout.rstrip("\n")


def snapshot_working_tree(repo: str, target: str) -> dict:
    """Copies the working tree's package to `target` (variant a) and describes it."""
    shutil.copytree(os.path.join(repo, "legacy_seq2seq_compat"),
                    os.path.join(target, "legacy_seq2seq_compat"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    changed = git(repo, "status", "--porcelain", "--", "legacy_seq2seq_compat")
    return {"root": target, "head": git(repo, "rev-parse", "HEAD"),
            "uncommitted_changes": changed.splitlines()}


def add_worktree(repo: str, rev: str, target: str) -> dict:
    """Checks out `rev` (variant b) into the empty directory `target`."""
    commit = git(repo, "rev-parse", "--verify", f"{rev}^{{commit}}")
    git(repo, "worktree", "add", "--detach", target, commit)
    return {"root": target, "rev": rev, "commit": commit,
            "subject": git(repo, "log", "-1", "--format=%s", commit)}


def remove_worktree(repo: str, target: str) -> None:
    """Removes the baseline worktree; never raises."""
    subprocess.run(["git", "-C", repo, "worktree", "remove", "--force", target],
                   capture_output=True)
    subprocess.run(["git", "-C", repo, "worktree", "prune"], capture_output=True)


def run_one(args: argparse.Namespace, variant: str, mode: str, cell: str, bucket_ids: list,
            roots: dict) -> dict:
    """Runs one worker subprocess and returns its parsed JSON line."""
    command = [sys.executable, os.path.abspath(__file__), "--worker", mode,
               "--variant", variant, "--cell", cell, "--steps", str(args.steps),
               "--warmup", str(args.warmup), "--buckets", ",".join(map(str, bucket_ids)),
               "--behavior", args.behavior]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    if variant in roots:
        command += ["--expect-root", roots[variant]]
        env["PYTHONPATH"] = roots[variant]
    else:
        env.pop("PYTHONPATH", None)
    # The library's opt-in switch (fastpath.batch_loss_functions) for variant
    # a only; --seed-graph for every variant.
    env.pop(BATCH_LOSS_ENV, None)
    if variant == "a" and args.batch_loss_functions:
        env[BATCH_LOSS_ENV] = "1"
    env.pop(SEED_GRAPH_ENV, None)
    if args.seed_graph:
        env[SEED_GRAPH_ENV] = "1"
    start = time.perf_counter()
    result = run_tagged_worker(command, env, RESULT_TAG, f"{variant} {mode} {cell}")
    result["wall_s"] = time.perf_counter() - start
    return result


def median_of(runs: list, key: str) -> Optional[float]:
    """Median of `key` over runs, or None when no run has it."""
    values = [run[key] for run in runs if run.get(key) is not None]
    return statistics.median(values) if values else None


def summarize(runs: list, bucket_ids: list) -> dict:
    """Medians over repetitions of one (cell, variant, mode)."""
    summary = {key: median_of(runs, key)
               for key in ("build_s", "op_count", "init_s", "peak_rss_kib")}
    summary["buckets"] = {}
    for bucket_id in bucket_ids:
        per_rep = [run["buckets"][str(bucket_id)] for run in runs]
        summary["buckets"][str(bucket_id)] = {
            "first_step_s": median_of(per_rep, "first_step_s"),
            "step_median_s": median_of(per_rep, "median_s"),
            "step_median_range_s": [min(r["median_s"] for r in per_rep),
                                    max(r["median_s"] for r in per_rep)],
            "step_min_s": min(rep["min_s"] for rep in per_rep),
        }
    return summary


def fmt(value: Optional[float], digits: int = 2) -> str:
    """A number for the table, or n/a."""
    return "n/a" if value is None else f"{value:.{digits}f}"


def ratio(top: Optional[float], bottom: Optional[float]) -> Optional[float]:
    """top / bottom, or None if either is missing."""
    if top is None or bottom is None or bottom == 0:
        return None
    return top / bottom


def get(summary: dict, variant: str, mode: str, *path: str) -> Optional[float]:
    """summary[variant][mode][path...] or None where anything is missing."""
    value = summary.get(variant, {}).get(mode)
    for key in path:
        if value is None:
            return None
        value = value.get(key)
    return value


def table_rows(summary: dict, bucket_ids: list) -> list:
    """(label, getter path, mode, scale, digits) rows of the measurement table."""
    rows = []
    for mode in MODES:
        rows.append((f"{mode} graph build (s)", mode, ("build_s",), 1.0, 2))
        rows.append((f"{mode} op count", mode, ("op_count",), 1.0, 0))
        rows.append((f"{mode} session init (s)", mode, ("init_s",), 1.0, 2))
        for bucket_id in bucket_ids:
            label = f"{mode} first step, bucket {bucket_id} {BUCKETS[bucket_id]} (s)"
            rows.append((label, mode, ("buckets", str(bucket_id), "first_step_s"), 1.0, 2))
        for bucket_id in bucket_ids:
            label = f"{mode} step median, bucket {bucket_id} {BUCKETS[bucket_id]} (ms)"
            rows.append((label, mode, ("buckets", str(bucket_id), "step_median_s"), 1e3, 1))
        rows.append((f"{mode} peak RSS (MiB)", mode, ("peak_rss_kib",), 1 / 1024, 0))
    return rows


def measurement_table(summary: dict, variants: list, bucket_ids: list) -> list:
    """Markdown lines: one row per measure, one column per variant, then ratios."""
    header = "| measure | " + " | ".join(VARIANT_NAMES[v] for v in variants)
    header += " | a/b | c/b |"
    lines = [header, "|---" * (len(variants) + 3) + "|"]
    for label, mode, path, scale, digits in table_rows(summary, bucket_ids):
        values = {}
        for variant in variants:
            value = get(summary, variant, mode, *path)
            values[variant] = None if value is None else value * scale
        cells = [fmt(values[v], digits) for v in variants]
        if path[-1] == "step_median_s":
            for index, variant in enumerate(variants):
                spread = get(summary, variant, mode, *path[:-1], "step_median_range_s")
                if spread is not None and spread[0] < spread[1]:
                    low, high = (fmt(x * scale, digits) for x in spread)
                    cells[index] += f" ({low}-{high})"
        cells.append(fmt(ratio(values.get("a"), values.get("b"))))
        cells.append(fmt(ratio(values.get("c"), values.get("b"))))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def check_targets(summary: dict, bucket_ids: list) -> list:
    """The issue's targets: (name, measured text, limit text, PASS / FAIL / n/a)."""
    checks = []

    def limit_check(name: str, value: Optional[float], limit: float) -> None:
        verdict = "n/a" if value is None else ("PASS" if value <= limit else "FAIL")
        checks.append((name, fmt(value, 3), f"<= {limit}", verdict))

    limit_check("train graph build a/b", ratio(get(summary, "a", "train", "build_s"),
                                               get(summary, "b", "train", "build_s")), 0.2)
    for mode, limit in (("train", 0.6), ("decode", 0.7)):
        for bucket_id in bucket_ids:
            path = ("buckets", str(bucket_id), "step_median_s")
            value = ratio(get(summary, "a", mode, *path), get(summary, "b", mode, *path))
            limit_check(f"{mode} step a/b, bucket {bucket_id} {BUCKETS[bucket_id]}", value, limit)
    for mode in MODES:
        value = ratio(get(summary, "a", mode, "peak_rss_kib"),
                      get(summary, "b", mode, "peak_rss_kib"))
        limit_check(f"{mode} peak RSS a/b", value, 1.0)
    for bucket_id in bucket_ids:
        path = ("buckets", str(bucket_id), "step_median_s")
        a = get(summary, "a", "train", *path)
        c = get(summary, "c", "train", *path)
        verdict = "n/a" if a is None or c is None else ("PASS" if a < c else "FAIL")
        measured = "n/a" if verdict == "n/a" else f"{a * 1e3:.1f} ms vs {c * 1e3:.1f} ms"
        checks.append((f"train step a < c, bucket {bucket_id} {BUCKETS[bucket_id]}",
                       measured, "a < c", verdict))
    return checks


def markdown_report(report: dict) -> str:
    """The whole Markdown report: set-up line, then per cell the two tables."""
    config = report["config"]
    bucket_ids = config["buckets"]
    lines = [
        "# seq2seq benchmark",
        "",
        f"{report['machine']['date']}, TensorFlow {report['machine']['tf_version']}, "
        f"{report['machine']['cpu_count']} CPUs; {config['reps']} repetitions, "
        f"{config['warmup']} warm-up + {config['steps']} timed steps per bucket, batch {BATCH}.",
        f"a = working tree at {report['sources']['a']['head'][:12]}",
    ]
    if config.get("batch_loss_functions"):
        lines[-1] += (f" with {BATCH_LOSS_ENV}=1 (the user loss "
                      "function called once for all steps)")
    if config.get("seed_graph"):
        lines[-1] += (" with seeded graphs (--seed-graph: the user loss function is called "
                      "per step, not traced)")
    changed = [line.split(maxsplit=1)[1] for line in report["sources"]["a"]["uncommitted_changes"]]
    if changed:
        lines[-1] += f" + uncommitted changes to {', '.join(changed)}"
    if "b" in report["sources"]:
        lines[-1] += f", b = {report['sources']['b']['commit'][:12]}"
    if "a" in config["variants"] or "b" in config["variants"]:
        lines.append(f"a and b run {BEHAVIOR_TEXT[config.get('behavior', 'tf2')]} c, the "
                     "Keras 3 model, runs with TensorFlow 2's defaults.")
    loads = [run["loadavg_after"][0] for run in report["runs"]]
    lines.append("Medians over repetitions of each repetition's median; step medians also give "
                 "the range of the per-repetition medians. 1-minute load average at the end of "
                 f"the workers: {min(loads):.1f} to {max(loads):.1f}.")
    for cell in config["cells"]:
        summary = report["summary"][cell]
        lines += ["", f"## {cell}: {CELL_NAMES[cell]}", ""]
        lines += measurement_table(summary, config["variants"], bucket_ids)
        lines += ["", "| target | measured | limit | result |", "|---|---|---|---|"]
        for check in check_targets(summary, bucket_ids):
            lines.append("| " + " | ".join(check) + " |")
    return "\n".join(lines) + "\n"


def plot(report: dict, path: str) -> None:
    """Per cell: train step, decode step per bucket and graph build times, as bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    config = report["config"]
    cells, variants, bucket_ids = config["cells"], config["variants"], config["buckets"]
    figure, axes = plt.subplots(len(cells), 3, figsize=(15, 4 * len(cells)), squeeze=False)
    width = 0.8 / len(variants)
    for row, cell in enumerate(cells):
        summary = report["summary"][cell]
        for column, mode in enumerate(MODES):
            axis = axes[row][column]
            for index, variant in enumerate(variants):
                heights = [get(summary, variant, mode, "buckets", str(b), "step_median_s")
                           for b in bucket_ids]
                heights = [0.0 if h is None else h * 1e3 for h in heights]
                spreads = [get(summary, variant, mode, "buckets", str(b), "step_median_range_s")
                           for b in bucket_ids]
                spreads = [[h / 1e3, h / 1e3] if s is None else s for h, s in zip(heights, spreads)]
                errors = [[h - s[0] * 1e3 for h, s in zip(heights, spreads)],
                          [s[1] * 1e3 - h for h, s in zip(heights, spreads)]]
                positions = [i + index * width for i in range(len(bucket_ids))]
                axis.bar(positions, heights, width, yerr=errors, capsize=3,
                         label=VARIANT_NAMES[variant])
            axis.set_yscale("log")
            axis.set_xticks([i + width * (len(variants) - 1) / 2 for i in range(len(bucket_ids))])
            axis.set_xticklabels([str(BUCKETS[b]) for b in bucket_ids])
            axis.set_title(f"{cell}: {mode} step, median, range over reps (ms, log)")
            axis.set_xlabel("bucket")
            axis.legend()
        axis = axes[row][2]
        for index, variant in enumerate(variants):
            heights = [get(summary, variant, mode, "build_s") or 0.0 for mode in MODES]
            axis.bar([i + index * width for i in range(len(MODES))], heights, width,
                     label=VARIANT_NAMES[variant])
        axis.set_xticks([i + width * (len(variants) - 1) / 2 for i in range(len(MODES))])
        axis.set_xticklabels(list(MODES))
        axis.set_title(f"{cell}: graph build / trace (s)")
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def progress_bar(total: int) -> Any:
    """A tqdm bar on stderr, or None without tqdm."""
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, file=sys.stderr, unit="run")


def exit_on_sigterm(signum: int, frame: Any) -> None:
    """SIGTERM ends the parent like Ctrl-C does, so the worktree is removed."""
    sys.exit(128 + signum)


def run_parent(args: argparse.Namespace) -> None:
    """Runs every worker in alternating order and writes the report files."""
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    repo = git(HERE, "rev-parse", "--show-toplevel")
    cells = args.cells.split(",")
    variants = args.variants.split(",")
    if args.buckets == "all":
        bucket_ids = list(range(len(BUCKETS)))
    else:
        bucket_ids = [int(b) for b in args.buckets.split(",")]
    started = time.perf_counter()
    scratch = tempfile.mkdtemp(prefix="seq2seq_benchmark_")
    sources, roots, runs = {}, {}, []
    worktree = None
    try:
        if "a" in variants:
            sources["a"] = snapshot_working_tree(repo, os.path.join(scratch, "a"))
            roots["a"] = sources["a"]["root"]
        if "b" in variants:
            worktree = os.path.join(scratch, "b")
            sources["b"] = add_worktree(repo, args.baseline, worktree)
            roots["b"] = worktree
        bar = progress_bar(args.reps * len(cells) * len(variants) * len(MODES))
        for rep in range(args.reps):
            shift = rep % len(variants)
            order = variants[shift:] + variants[:shift]
            for cell in cells:
                for variant in order:
                    for mode in MODES:
                        text = f"rep {rep + 1} {cell} {variant} {mode}"
                        if bar is None:
                            print(text, file=sys.stderr, flush=True)
                        else:
                            bar.set_description(text)
                        result = run_one(args, variant, mode, cell, bucket_ids, roots)
                        result["rep"] = rep
                        runs.append(result)
                        if bar is not None:
                            bar.update(1)
        if bar is not None:
            bar.close()
    finally:
        if worktree is not None:
            remove_worktree(repo, worktree)
        shutil.rmtree(scratch, ignore_errors=True)
    summary = {}
    for cell in cells:
        summary[cell] = {}
        for variant in variants:
            summary[cell][variant] = {}
            for mode in MODES:
                chosen = [r for r in runs
                          if r["cell"] == cell and r["variant"] == variant and r["mode"] == mode]
                summary[cell][variant][mode] = summarize(chosen, bucket_ids)
    report = {
        "machine": {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "tf_version": runs[0]["tf_version"],
            "keras_version": next((r["keras_version"] for r in runs if "keras_version" in r),
                                  None),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
        },
        "config": {
            "cells": cells, "variants": variants, "buckets": bucket_ids, "reps": args.reps,
            "steps": args.steps, "warmup": args.warmup, "batch": BATCH, "vocab": VOCAB,
            "size": SIZE, "layers": LAYERS, "num_sampled": NUM_SAMPLED, "seed": SEED,
            "all_buckets": BUCKETS, "batch_loss_functions": args.batch_loss_functions,
            "seed_graph": args.seed_graph, "behavior": args.behavior,
        },
        "sources": sources,
        "total_wall_s": time.perf_counter() - started,
        "summary": summary,
        "runs": runs,
    }
    text = markdown_report(report)
    text += f"\nTotal wall time {report['total_wall_s'] / 60:.1f} min.\n"
    write_report(args.out, "seq2seq_benchmark", report, text)
    plot(report, os.path.join(args.out, "seq2seq_benchmark.png"))


def parse_args(argv: Optional[list] = None) -> argparse.Namespace:
    """Command-line flags of the parent and (hidden from users) of the worker."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", default="gru", help="comma list of gru, lstm")
    parser.add_argument("--variants", default="a,b,c", help="comma list of a, b, c")
    parser.add_argument("--reps", type=int, default=3, help="repetitions of every variant")
    parser.add_argument("--steps", type=int, default=10, help="timed steps per bucket")
    parser.add_argument("--warmup", type=int, default=2,
                        help="untimed steps per bucket before timing (at least 1)")
    parser.add_argument("--buckets", default="all", help="'all' or bucket indices, e.g. 0,3")
    parser.add_argument("--baseline", default=BASELINE_REV, help="git revision of variant b")
    parser.add_argument("--batch-loss-functions", action="store_true",
                        help="variant a calls the sampled-softmax loss once for all steps "
                             "(the library's opt-in fastpath.batch_loss_functions)")
    parser.add_argument("--seed-graph", action="store_true",
                        help="seed every variant's graph (tf.compat.v1.set_random_seed); a then "
                             "calls the sampled-softmax loss per step instead of tracing it, "
                             "its default")
    parser.add_argument("--behavior", choices=sorted(BEHAVIOR_TEXT), default="tf1",
                        help="tf1 (default): a's and b's workers call tf.compat.v1."
                             "disable_v2_behavior() first, as an old script run by "
                             "`legacy-seq2seq-compat run` does; tf2: TensorFlow 2's defaults "
                             "(resource variables), as the results before 2026-12-08; c "
                             "always runs with TensorFlow 2's defaults")
    parser.add_argument("--out", default=os.path.join(HERE, "results"),
                        help="directory of the json, png and md results")
    parser.add_argument("--worker", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--variant", choices=sorted(VARIANT_NAMES), help=argparse.SUPPRESS)
    parser.add_argument("--cell", choices=sorted(CELL_NAMES), help=argparse.SUPPRESS)
    parser.add_argument("--expect-root", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.warmup < 1 or args.steps < 1 or args.reps < 1:
        parser.error("--warmup, --steps and --reps must be at least 1")
    for name, allowed in (("cells", CELL_NAMES), ("variants", VARIANT_NAMES)):
        unknown = set(getattr(args, name).split(",")) - set(allowed)
        if unknown:
            parser.error(f"unknown --{name}: {', '.join(sorted(unknown))}")
    if args.buckets != "all":
        if not all(b.isdigit() and int(b) < len(BUCKETS) for b in args.buckets.split(",")):
            parser.error(f"--buckets must be 'all' or indices below {len(BUCKETS)}")
    return args


def main(argv: Optional[list] = None) -> None:
    """Entry point: worker mode with --worker, else the whole benchmark."""
    args = parse_args(argv)
    if args.worker:
        run_worker(args)
    else:
        run_parent(args)


if __name__ == "__main__":
    main()
