"""Would the library's graphs run on a GPU build? Checked on a machine without a GPU.

The standard `tensorflow` wheel registers its GPU kernels whether or not a GPU
is present, so `get_registered_kernels_for_op` tells, for every node, whether
a GPU kernel exists for its dtypes. A kernel registered for the ``DEFAULT``
device serves every device, a GPU included (TF registers int32 and resource
variable ops that way).

The graphs: all 13 functions of `legacy_seq2seq` and a translate-shaped
bucketed model (sampled softmax through an output projection, one clipped
update per bucket), to train (gradients and an SGD update) and to decode
(``feed_previous=True`` or a loop function), with GRU and LSTM cells, float32
and float16, with the fast paths on and under `fastpath.stepwise()`. Nodes
inside traced functions (the fast paths' step functions and their
gradients) are checked too.

Ops TensorFlow itself keeps on the host (`HOST_OPS`) are allowed; everything
else must have a GPU kernel for its dtype.
"""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.python.framework import kernels, op_def_registry

from legacy_seq2seq_compat import fastpath, legacy_seq2seq, rnn_cell

_v1 = tf.compat.v1

# Ops that TensorFlow registers for the CPU only, on purpose: when a graph is
# placed on a GPU, the placer keeps them on the host (soft placement, or their
# colocation with host-memory inputs), and TF's own models carry them the same
# way.
HOST_OPS = {
    # tf.nn.sampled_softmax_loss draws its candidates on the host: TF has CPU
    # kernels only for every candidate sampler.
    "LogUniformCandidateSampler": "candidate sampling (sampled_softmax_loss) is CPU-only in TF",
    # ... and removes the accidental hits between true and sampled classes there.
    "ComputeAccidentalHits": "sampled_softmax_loss(remove_accidental_hits=True) is CPU-only in TF",
}

# Never allowed: Python callbacks cannot run on a GPU and pin the graph to its process.
PYTHON_OPS = {"PyFunc", "PyFuncStateless", "EagerPyFunc"}

# Function-call ops, whose bodies are checked node by node instead.
CALL_OPS = {"PartitionedCall", "StatefulPartitionedCall"}

BATCH, STEPS, UNITS, VOCAB, EMBED, DEPTH = 2, 2, 4, 7, 3, 3
BUCKETS = [(2, 2), (3, 3)]
TRANSLATE_VOCAB, NUM_SAMPLES = 12, 4


def _kernel_index(op_type: str) -> list:
    """The constraints of every GPU (or DEFAULT) kernel of `op_type`."""
    found = []
    for kernel in kernels.get_registered_kernels_for_op(op_type).kernel:
        if kernel.device_type in ("GPU", "DEFAULT"):
            found.append({c.name: set(c.allowed_values.list.type) for c in kernel.constraint})
    return found


_KERNELS: dict = {}


def _attr_types(node, name: str) -> list:
    """The dtype(s) a node sets for type attr `name` (its op's default when unset)."""
    value = node.attr.get(name)
    if value is None:
        for attr in op_def_registry.get(node.op).attr:
            if attr.name == name and attr.HasField("default_value"):
                value = attr.default_value
    if value is None:
        return []
    if value.WhichOneof("value") == "list":
        return list(value.list.type)
    return [value.type]


def _has_gpu_kernel(node) -> bool:
    if node.op not in _KERNELS:
        _KERNELS[node.op] = _kernel_index(node.op)
    for constraints in _KERNELS[node.op]:
        if all(set(_attr_types(node, name)) <= allowed for name, allowed in constraints.items()):
            return True
    return False


def _all_nodes(graph_def) -> list:
    """``(where, node)`` for the graph's nodes and those of every function it holds."""
    nodes = [("graph", node) for node in graph_def.node]
    for function in graph_def.library.function:
        nodes += [(function.signature.name, node) for node in function.node_def]
    return nodes


def gpu_gaps(graph_def) -> list:
    """Nodes that could not run on a GPU: ``"<where>: <op> [<dtypes>]"``."""
    functions = {f.signature.name for f in graph_def.library.function}
    gaps = set()
    for where, node in _all_nodes(graph_def):
        if node.op in functions or node.op in CALL_OPS or node.op in HOST_OPS:
            continue
        if node.op in PYTHON_OPS or not _has_gpu_kernel(node):
            dtypes = sorted({tf.as_dtype(t).name for name, v in node.attr.items()
                             for t in _attr_types(node, name)
                             if v.WhichOneof("value") in ("type", "list")})
            gaps.add(f"{'function' if where != 'graph' else 'graph'}: {node.op} {dtypes}")
    return sorted(gaps)


def _cell(kind: str):
    return rnn_cell.GRUCell(UNITS) if kind == "gru" else rnn_cell.BasicLSTMCell(UNITS)


def _loop_function(dtype):
    """A user loop function: the previous output, mapped back to the input depth."""
    weights = tf.constant(np.full([UNITS, DEPTH], 0.1), dtype=dtype)
    return lambda prev, _: tf.matmul(prev, weights)


def _build_functions(kind: str, dtype, decode: bool, wrap=None) -> list:
    """Calls each of the 13 functions once; returns the tensors to train on."""
    ids = lambda n, name: [_v1.placeholder(tf.int32, [BATCH], name=f"{name}{i}")  # noqa: E731
                           for i in range(n)]
    floats = lambda n, name: [_v1.placeholder(dtype, [BATCH, DEPTH], name=f"{name}{i}")  # noqa: E731
                              for i in range(n)]
    enc_ids, dec_ids = ids(STEPS, "enc_ids"), ids(STEPS, "dec_ids")
    enc_x, dec_x = floats(STEPS, "enc_x"), floats(STEPS, "dec_x")
    weights = [tf.ones([BATCH], dtype) for _ in range(STEPS)]
    loop = _loop_function(dtype) if decode else None
    outputs = []

    def scoped(name, call):
        # The decoders take their embedding's dtype from the scope, as in TF 1.15.
        with _v1.variable_scope(name, dtype=dtype):
            result = call()
        outputs.extend(tf.nest.flatten(result[0] if isinstance(result, tuple) else result))
        return result

    scoped("basic", lambda: legacy_seq2seq.basic_rnn_seq2seq(enc_x, dec_x, _cell(kind),
                                                             dtype=dtype))
    scoped("tied", lambda: legacy_seq2seq.tied_rnn_seq2seq(enc_x, dec_x, _cell(kind),
                                                           loop_function=loop, dtype=dtype))
    scoped("embedding", lambda: legacy_seq2seq.embedding_rnn_seq2seq(
        enc_ids, dec_ids, _cell(kind), VOCAB, VOCAB, EMBED, feed_previous=decode, dtype=dtype))
    scoped("embedding_tied", lambda: legacy_seq2seq.embedding_tied_rnn_seq2seq(
        enc_ids, dec_ids, _cell(kind), VOCAB, EMBED, feed_previous=decode, dtype=dtype))
    scoped("embedding_attention", lambda: legacy_seq2seq.embedding_attention_seq2seq(
        enc_ids, dec_ids, _cell(kind), VOCAB, VOCAB, EMBED, num_heads=2,
        feed_previous=decode, dtype=dtype))
    scoped("one2many", lambda: legacy_seq2seq.one2many_rnn_seq2seq(
        enc_ids, {"a": dec_ids}, _cell(kind), {"a": _cell(kind)}, VOCAB, {"a": VOCAB}, EMBED,
        feed_previous=decode, dtype=dtype)[0]["a"])
    zeros = _cell(kind).zero_state(BATCH, dtype)
    attention_states = tf.ones([BATCH, STEPS, UNITS], dtype)
    scoped("rnn_decoder", lambda: legacy_seq2seq.rnn_decoder(
        dec_x, zeros, _cell(kind), loop_function=loop))
    scoped("attention_decoder", lambda: legacy_seq2seq.attention_decoder(
        dec_x, zeros, attention_states, _cell(kind), loop_function=loop, dtype=dtype))
    scoped("embedding_decoder", lambda: legacy_seq2seq.embedding_rnn_decoder(
        dec_ids, zeros, _cell(kind), VOCAB, EMBED, feed_previous=decode))
    logits = scoped("embedding_attention_decoder",
                    lambda: legacy_seq2seq.embedding_attention_decoder(
                        dec_ids, zeros, attention_states, _cell(kind), VOCAB, EMBED,
                        feed_previous=decode, dtype=dtype))[0]
    losses = [legacy_seq2seq.sequence_loss_by_example(logits, dec_ids, weights),
              legacy_seq2seq.sequence_loss(logits, dec_ids, weights)]
    with _v1.variable_scope("buckets", dtype=dtype):
        cell = _cell(kind)
        _, bucket_losses = legacy_seq2seq.model_with_buckets(
            enc_ids, dec_ids, dec_ids, weights, [(STEPS, STEPS)],
            lambda x, y: legacy_seq2seq.embedding_attention_seq2seq(
                x, y, cell, VOCAB, VOCAB, EMBED, feed_previous=decode, dtype=dtype))
    if decode:
        return outputs + losses + bucket_losses
    # One loss over every output, so that one gradient reaches every function.
    return [tf.add_n([tf.reduce_sum(tf.cast(t, tf.float32))
                      for t in outputs + losses + bucket_losses])]


def _build_translate(kind: str, dtype, decode: bool, wrap=None) -> list:
    """The translate.py model's shape: buckets, a shared 2-layer cell, sampled softmax."""
    proj_w_t = _v1.get_variable("proj_w", [TRANSLATE_VOCAB, UNITS], dtype=dtype)
    proj_b = _v1.get_variable("proj_b", [TRANSLATE_VOCAB], dtype=dtype)
    projection = (tf.transpose(proj_w_t), proj_b)

    def sampled_loss(labels, logits):
        # As translate.py: the sampled softmax runs in float32 whatever the model's dtype.
        loss = tf.nn.sampled_softmax_loss(
            weights=tf.cast(proj_w_t, tf.float32), biases=tf.cast(proj_b, tf.float32),
            labels=tf.reshape(labels, [-1, 1]), inputs=tf.cast(logits, tf.float32),
            num_sampled=NUM_SAMPLES, num_classes=TRANSLATE_VOCAB)
        return tf.cast(loss, dtype)

    layers = [_cell(kind), _cell(kind)]
    cell = rnn_cell.MultiRNNCell([wrap(i, c) for i, c in enumerate(layers)] if wrap else layers)
    longest = BUCKETS[-1]
    enc = [_v1.placeholder(tf.int32, [None], name=f"encoder{i}") for i in range(longest[0])]
    dec = [_v1.placeholder(tf.int32, [None], name=f"decoder{i}") for i in range(longest[1] + 1)]
    weights = [_v1.placeholder(dtype, [None], name=f"weight{i}") for i in range(longest[1])]
    outputs, losses = legacy_seq2seq.model_with_buckets(
        enc, dec, dec[1:], weights, BUCKETS,
        lambda x, y: legacy_seq2seq.embedding_attention_seq2seq(
            x, y, cell, TRANSLATE_VOCAB, TRANSLATE_VOCAB, UNITS, output_projection=projection,
            feed_previous=decode, dtype=dtype),
        softmax_loss_function=sampled_loss)
    if decode:
        return [tf.matmul(o, projection[0]) + projection[1] for bucket in outputs for o in bucket]
    return losses


def _train_ops(targets: list) -> list:
    """One clipped SGD update per target, as translate.py does per bucket."""
    params = _v1.trainable_variables()
    optimizer = _v1.train.GradientDescentOptimizer(0.1)
    updates = []
    for target in targets:
        loss = tf.reduce_sum(tf.cast(target, tf.float32))
        grads = [g for g in _v1.gradients(loss, params)]
        pairs = [(g, v) for g, v in zip(grads, params) if g is not None]
        clipped, _ = tf.clip_by_global_norm([g for g, _ in pairs], 5.0)
        updates.append(optimizer.apply_gradients(zip(clipped, [v for _, v in pairs])))
    return updates


GPU = "/device:GPU:0"


def build(model: str, kind: str, dtype, fast: bool, device: str | None = GPU,
          wrap=None) -> tuple:
    """Builds one model to train and to decode in a fresh graph, under `device`.

    Returns:
      ``(graph, train ops, decoder outputs)``.
    """
    graph = tf.Graph()
    builder = _build_functions if model == "functions" else _build_translate
    with graph.as_default(), fastpath.stepwise(not fast):
        with tf.device(device) if device else contextlib.nullcontext():
            with _v1.variable_scope("train"):
                updates = _train_ops(builder(kind, dtype, False, wrap))
            with _v1.variable_scope("decode"):
                outputs = builder(kind, dtype, True, wrap)
    return graph, updates, outputs


def run_on_cpu(graph: tf.Graph, fetches: list) -> list:
    """Runs `fetches` once in a CPU-only session with soft placement; feeds every placeholder."""
    rng = np.random.RandomState(0)
    feed = {}
    for op in graph.get_operations():
        if op.type != "Placeholder":
            continue
        value = op.outputs[0]
        shape = [BATCH if d is None else d for d in value.shape.as_list()]
        if value.dtype.is_integer:
            # Below every vocabulary and UNITS (the width of logits without a projection).
            feed[value] = rng.randint(0, UNITS, size=shape).astype(value.dtype.as_numpy_dtype)
        else:
            feed[value] = rng.uniform(0.5, 1.0, size=shape).astype(value.dtype.as_numpy_dtype)
    config = _v1.ConfigProto(allow_soft_placement=True, device_count={"GPU": 0})
    # Grappler off: the graph runs as built (and the session starts faster).
    config.graph_options.rewrite_options.disable_meta_optimizer = True
    with graph.as_default(), _v1.Session(config=config) as session:
        session.run(_v1.global_variables_initializer())
        return session.run(fetches, feed)


def _device_of(node) -> str:
    return tf.DeviceSpec.from_string(node.device).device_type or "" if node.device else ""


def effective_devices(graph_def, full: bool = False) -> dict:
    """Node name -> the device type (or with `full`, device) the placer honours ("" if free).

    A node without a device of its own follows the node it is colocated with
    (``_class``, e.g. a variable's initializer and optimizer update), and a
    read of a resource variable or an Identity of such a read follows the
    variable: the placer must put them where the resource lives. TF's own
    variable code makes such reads outside the device scope.
    """
    nodes = {node.name: node for node in graph_def.node}
    resolved: dict = {}

    def resolve(name: str, depth: int = 0) -> str:
        if name in resolved:
            return resolved[name]
        node = nodes[name]
        where = node.device if full else _device_of(node)
        if not where and depth < 50:
            colocated = [c.decode()[len("loc:@"):] for c in node.attr["_class"].list.s] \
                if "_class" in node.attr else []
            if colocated:
                where = resolve(colocated[0], depth + 1)
            elif node.op in ("ReadVariableOp", "Identity") and node.input:
                where = resolve(node.input[0].split(":")[0].lstrip("^"), depth + 1)
        resolved[name] = where
        return where

    return {name: resolve(name) for name in nodes}


def host_pinned(graph_def) -> set:
    """The nodes TF 1.15 itself pins to the host inside the library.

    EmbeddingWrapper keeps its embedding variable and lookup on ``/cpu:0``
    (and the static_rnn fast path looks up all steps there too): the
    variable's own nodes and updates, every gather from it, the gathers'
    index reshapes and their Identity outputs. `tf.group` (an optimizer's
    update) adds a NoOp per device, so the CPU gets one of those too.
    """
    nodes = {node.name: node for node in graph_def.node}
    pinned = {name for name in nodes if "embedding_wrapper/" in name}
    gathers = set()
    for node in graph_def.node:
        if node.op == "NoOp" or (node.op == "ResourceGather" and node.input[0] in pinned):
            pinned.add(node.name)
            if node.op == "ResourceGather":
                index = nodes[node.input[1].split(":")[0]]
                pinned.update([index.name] + [i.split(":")[0] for i in index.input])
                gathers.add(node.name)
    # embedding_lookup's Identity of the gathered rows.
    pinned.update(node.name for node in graph_def.node
                  if node.op == "Identity" and node.input and node.input[0] in gathers)
    return pinned


def misplaced(graph_def, device_type: str = "GPU") -> list:
    """Graph nodes the placer would not put on `device_type` (TF 1.15's host pins aside)."""
    pinned = host_pinned(graph_def)
    wrong = []
    for name, where in effective_devices(graph_def).items():
        if where == "CPU" and name in pinned:
            continue
        if where != device_type:
            wrong.append(f"{name} on {where!r}")
    return sorted(wrong)


def function_body_devices(graph_def) -> set:
    """The device types named by the nodes inside traced functions ("" when unset)."""
    return {_device_of(node) for function in graph_def.library.function
            for node in function.node_def}


CONFIGS = [(model, kind, dtype, fast)
           for model in ("functions", "translate")
           for kind in ("gru", "lstm")
           for dtype, fasts in ((tf.float32, (True, False)), (tf.float16, (True,)))
           for fast in fasts]


def _config_id(config) -> str:
    model, kind, dtype, fast = config
    return f"{model}-{kind}-{dtype.name}-{'fast' if fast else 'stepwise'}"


# Running costs a session per graph: one float32 graph per model and cell, and
# one float16 graph, also run on the CPU.
RUN_ON_CPU = {("functions", "gru", tf.float32, True), ("translate", "lstm", tf.float32, True),
              ("translate", "gru", tf.float16, True)}


@pytest.mark.slow
@pytest.mark.parametrize("config", CONFIGS, ids=[_config_id(c) for c in CONFIGS])
def test_every_op_has_a_gpu_kernel_and_asks_for_the_gpu(config):
    model, kind, dtype, fast = config
    graph, updates, outputs = build(model, kind, dtype, fast)
    graph_def = graph.as_graph_def()
    assert gpu_gaps(graph_def) == []
    assert misplaced(graph_def) == []
    calls = [node for node in graph_def.node if node.op in CALL_OPS]
    if dtype == tf.float16:
        # The recurrent fast paths take float32 only: a float16 graph has step-by-step RNNs.
        # The user's loss is traced in any dtype (stepwise() calls it per step): its calls ask
        # for the GPU too and its body names no other device.
        assert all("traced_loss" in node.attr["f"].func.name for node in calls)
        assert bool(calls) is (fast and model == "translate")
        assert function_body_devices(graph_def) <= {"", "GPU"}
    elif fast:
        # Each traced step is called on the GPU; its body names no other device.
        assert len(calls) > 10
        assert function_body_devices(graph_def) <= {"", "GPU"}
    else:
        assert calls == []
    if config in RUN_ON_CPU:
        results = run_on_cpu(graph, [updates, outputs])
        assert all(np.all(np.isfinite(r)) for r in tf.nest.flatten(results[1]))


def test_device_wrapper_places_each_layer_on_its_device():
    """DeviceWrapper puts a layer's variables, steps and zero state on its device."""
    graph, updates, outputs = build(
        "translate", "gru", tf.float32, fast=True, device=None,
        wrap=lambda i, cell: rnn_cell.DeviceWrapper(cell, f"/device:GPU:{i}"))
    graph_def = graph.as_graph_def()
    assert gpu_gaps(graph_def) == []
    devices = effective_devices(graph_def, full=True)
    checked = 0
    for node in graph_def.node:
        for layer in (0, 1):
            if f"cell_{layer}/gru_cell/" in node.name and "/gradients" not in node.name:
                assert devices[node.name] == f"/device:GPU:{layer}", node.name
                checked += 1
    assert checked > 100
    calls = [n for n in graph_def.node if n.op in CALL_OPS]
    # The traced loss function is the user's code outside every DeviceWrapper: no device, as
    # its per-step calls would have none. Any other traced call is a layer's step: its device.
    losses = [n for n in calls if "traced_loss" in n.attr["f"].func.name]
    assert losses and all(devices[n.name] == "" for n in losses)
    assert all(devices[n.name] in ("/device:GPU:0", "/device:GPU:1")
               for n in calls if "traced_loss" not in n.attr["f"].func.name)
    results = run_on_cpu(graph, [updates, outputs])
    assert all(np.all(np.isfinite(r)) for r in tf.nest.flatten(results[1]))


def test_the_checks_catch_what_a_gpu_cannot_run():
    """The kernel check flags Python callbacks, host-only ops and dtypes without a GPU kernel."""
    with tf.Graph().as_default() as graph:
        x = _v1.placeholder(tf.float32, [2])
        tf.numpy_function(lambda v: v, [x], tf.float32)
        tf.strings.join([tf.as_string(x), tf.as_string(x)])
        tf.random.log_uniform_candidate_sampler(tf.zeros([2, 1], tf.int64), 1, 2, True, 5)
    gaps = gpu_gaps(graph.as_graph_def())
    assert any(g.startswith("graph: PyFunc") for g in gaps), gaps
    assert any(g.startswith("graph: StringJoin") for g in gaps), gaps
    # The documented host ops really have no GPU kernel (else they would not be listed).
    sampler = next(n for n in graph.as_graph_def().node if n.op == "LogUniformCandidateSampler")
    assert not _has_gpu_kernel(sampler)
    for op_type in HOST_OPS:
        assert _kernel_index(op_type) == [], op_type


def test_misplaced_reports_a_node_outside_the_device_scope():
    with tf.Graph().as_default() as graph:
        with tf.device(GPU):
            a = tf.constant(1.0)
        a + 1.0
    assert misplaced(graph.as_graph_def()) == ["add on ''", "add/y on ''"]
