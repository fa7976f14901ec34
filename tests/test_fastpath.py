"""The fast paths give the numbers of the step-by-step graph, and are taken only when safe.

Every comparison builds the same model twice, once normally and once inside
`fastpath.stepwise()`, gives both graphs the same weights (drawn per variable
name) and compares outputs, states, losses and gradients within 1e-5.
tests/test_baseline_numbers.py compares against the baseline revision; this
file covers the rest: dynamic batch and attention lengths, the choice of
path, the loss batching and the switch.
"""

import copy
import zlib

import numpy as np
import pytest
import tensorflow as tf

from legacy_seq2seq_compat import _engine, decoders, fastpath, legacy_seq2seq, losses, rnn, rnn_cell

v1 = tf.compat.v1
ATOL = 1e-5
BATCH, VOCAB, EMB, UNITS = 3, 13, 5, 6
CALL_OPS = ("PartitionedCall", "StatefulPartitionedCall")


def call_ops(graph):
    return [op for op in graph.get_operations() if op.type in CALL_OPS]


def make_cell(kind):
    if kind == "gru":
        return rnn_cell.GRUCell(UNITS)
    if kind == "lstm":
        return rnn_cell.BasicLSTMCell(UNITS)
    if kind == "lstm_concat":
        return rnn_cell.BasicLSTMCell(UNITS, state_is_tuple=False)
    if kind == "multi_gru":
        return rnn_cell.MultiRNNCell([rnn_cell.GRUCell(UNITS) for _ in range(2)])
    if kind == "multi_lstm":
        return rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(UNITS, forget_bias=0.5)
                                      for _ in range(2)])
    raise ValueError(kind)


def set_weights(sess):
    """Gives every variable values drawn from a generator seeded by its name."""
    for var in sorted(v1.global_variables(), key=lambda v: v.op.name):
        rng = np.random.RandomState(zlib.crc32(var.op.name.encode()))
        shape = var.get_shape().as_list()
        value = rng.uniform(-0.5, 0.5, shape).astype(var.dtype.as_numpy_dtype)
        sess.run(v1.assign(var, value))


def run_twice(build, feeds_for):
    """Runs `build()` with and without the fast paths; returns both results and graphs.

    `build()` returns a list of Tensors (or None entries, dropped) to fetch;
    the gradients of their first element's sum w.r.t. every trainable
    variable are fetched too. `feeds_for(graph)` returns the feed dict.
    """
    results, graphs = [], []
    for step_by_step in (False, True):
        graph = tf.Graph()
        with graph.as_default(), fastpath.stepwise(step_by_step):
            v1.set_random_seed(1)
            fetches = [f for f in build() if f is not None]
            params = v1.trainable_variables()
            grads = tf.gradients(tf.reduce_sum(fetches[0]), params)
            grads = [tf.convert_to_tensor(g) for g in grads if g is not None]
            names = [(v.op.name, v.get_shape().as_list()) for v in v1.global_variables()]
            with v1.Session() as sess:
                sess.run(v1.global_variables_initializer())
                set_weights(sess)
                values = sess.run(fetches + grads, feeds_for(graph))
        results.append((names, values))
        graphs.append(graph)
    return results, graphs


def assert_same_numbers(results):
    (fast_names, fast), (slow_names, slow) = results
    assert fast_names == slow_names
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow):
        assert np.asarray(a).shape == np.asarray(b).shape
        np.testing.assert_allclose(a, b, atol=ATOL, rtol=ATOL)


def ids(rng, length, static_batch=True, name="ids"):
    """`length` int32 id inputs: constants, or [None] placeholders fed with the values."""
    values = [rng.randint(0, VOCAB, BATCH).astype(np.int32) for _ in range(length)]
    if static_batch:
        return [tf.constant(v) for v in values], {}
    holders = [v1.placeholder(tf.int32, [None], name=f"{name}{i}") for i in range(length)]
    return holders, dict(zip(holders, values))


def flat(structure):
    return tf.nest.flatten(structure)


# Three configurations cover both cells, layers, feed_previous, projection and batch kinds in
# README's test command; the rest run with the slow tests.
@pytest.mark.parametrize("cell_kind, feed_previous, projected, static_batch", [
    ("gru", False, True, True),
    pytest.param("gru", True, False, False, marks=pytest.mark.slow),
    ("lstm", True, False, True),
    pytest.param("lstm_concat", False, False, False, marks=pytest.mark.slow),
    pytest.param("multi_gru", False, True, False, marks=pytest.mark.slow),
    pytest.param("multi_gru", True, True, False, marks=pytest.mark.slow),
    ("multi_lstm", False, True, True),
    pytest.param("multi_lstm", True, True, False, marks=pytest.mark.slow),
])
def test_embedding_attention_seq2seq_matches_step_by_step(cell_kind, feed_previous, projected,
                                                          static_batch):
    feeds = {}

    def build():
        rng = np.random.RandomState(3)
        enc, enc_feed = ids(rng, 4, static_batch, "enc")
        dec, dec_feed = ids(rng, 5, static_batch, "dec")
        feeds.update({t.name: v for t, v in {**enc_feed, **dec_feed}.items()})
        projection = None
        if projected:
            w = v1.get_variable("proj_w", [UNITS, VOCAB])
            projection = (w, v1.get_variable("proj_b", [VOCAB]))
        outputs, state = legacy_seq2seq.embedding_attention_seq2seq(
            enc, dec, make_cell(cell_kind), VOCAB, VOCAB, EMB, num_heads=2,
            output_projection=projection, feed_previous=feed_previous)
        return [tf.stack(outputs)] + flat(state) + v1.get_collection(
            decoders.ATTENTION_WEIGHTS_COLLECTION)

    results, graphs = run_twice(build, lambda graph: feeds)
    assert_same_numbers(results)
    assert call_ops(graphs[0]) and not call_ops(graphs[1])


@pytest.mark.parametrize("cell_kind", ["gru", "multi_lstm"])
@pytest.mark.parametrize("initial_state_attention",
                         [False, pytest.param(True, marks=pytest.mark.slow)])
def test_attention_decoder_with_dynamic_attention_length_matches(cell_kind,
                                                                  initial_state_attention):
    rng = np.random.RandomState(5)
    inputs = [rng.uniform(-1, 1, (BATCH, EMB)).astype(np.float32) for _ in range(4)]
    states = rng.uniform(-1, 1, (BATCH, 7, UNITS)).astype(np.float32)
    holders = {}

    def build():
        attention = v1.placeholder(tf.float32, [None, None, UNITS], name="attention")
        holders["attention"] = attention
        cell = make_cell(cell_kind)
        initial = cell.zero_state(tf.shape(attention)[0], tf.float32)
        outputs, state = decoders.attention_decoder(
            [tf.constant(x) for x in inputs], initial, attention, cell, output_size=4,
            num_heads=2, initial_state_attention=initial_state_attention)
        assert [o.get_shape().as_list() for o in outputs] == [[BATCH, 4]] * 4
        return [tf.stack(outputs)] + flat(state)

    results, graphs = run_twice(build, lambda graph: {holders["attention"]: states})
    assert_same_numbers(results)
    # The fast path was taken (its steps are calls of a traced step function), and only there.
    assert call_ops(graphs[0]) and not call_ops(graphs[1])


@pytest.mark.parametrize("cell_kind, embedded", [
    ("gru", False), ("lstm", True), ("multi_gru", True), ("multi_lstm", False)])
def test_static_rnn_matches_step_by_step(cell_kind, embedded):
    def build():
        rng = np.random.RandomState(7)
        cell = make_cell(cell_kind)
        if embedded:
            inputs = [tf.constant(rng.randint(0, VOCAB, BATCH)) for _ in range(5)]
            cell = rnn_cell.EmbeddingWrapper(cell, VOCAB, EMB)
        else:
            inputs = [tf.constant(rng.uniform(-1, 1, (BATCH, EMB)), tf.float32)
                      for _ in range(5)]
        outputs, state = rnn.static_rnn(cell, inputs, dtype=tf.float32)
        return [tf.stack(outputs)] + flat(state)

    results, graphs = run_twice(build, lambda graph: {})
    assert_same_numbers(results)
    assert call_ops(graphs[0]) and not call_ops(graphs[1])


def repeated_cell(kind, layers=3):
    """``MultiRNNCell([cell] * layers)``: one cell object, one set of weights for all layers."""
    cell = rnn_cell.GRUCell(UNITS) if kind == "gru" else \
        rnn_cell.BasicLSTMCell(UNITS, forget_bias=0.5)
    return rnn_cell.MultiRNNCell([cell] * layers)


@pytest.mark.parametrize("kind, feed_previous, projected", [
    pytest.param("gru", False, True, marks=pytest.mark.slow), ("lstm", True, False)])
def test_repeated_cell_takes_the_fast_paths_with_the_step_by_step_numbers(
        kind, feed_previous, projected):
    def build():
        rng = np.random.RandomState(29)
        enc, _ = ids(rng, 4)
        dec, _ = ids(rng, 5)
        projection = None
        if projected:
            projection = (v1.get_variable("proj_w", [UNITS, VOCAB]),
                          v1.get_variable("proj_b", [VOCAB]))
        # The embedding size is the cell size: every layer's input has its depth.
        outputs, state = legacy_seq2seq.embedding_attention_seq2seq(
            enc, dec, repeated_cell(kind), VOCAB, VOCAB, UNITS, num_heads=2,
            output_projection=projection, feed_previous=feed_previous)
        return [tf.stack(outputs)] + flat(state) + v1.get_collection(
            decoders.ATTENTION_WEIGHTS_COLLECTION)

    results, graphs = run_twice(build, lambda graph: {})
    assert_same_numbers(results)
    # One cell's variables for the encoder and one for the decoder, not one per layer.
    per_cell = 4 if kind == "gru" else 2
    cell_vars = [name for name, _ in results[0][0] if "/multi_rnn_cell/" in name]
    assert len(cell_vars) == 2 * per_cell, cell_vars
    # The encoder and the decoder both ran as traced steps.
    called = {op.get_attr("f").name for op in call_ops(graphs[0])}
    assert len(called) >= 2 and not call_ops(graphs[1]), called


def test_repeated_cell_in_static_rnn_matches_step_by_step():
    def build():
        rng = np.random.RandomState(31)
        inputs = [tf.constant(rng.uniform(-1, 1, (BATCH, UNITS)), tf.float32) for _ in range(5)]
        outputs, state = rnn.static_rnn(repeated_cell("lstm", 2), inputs, dtype=tf.float32)
        return [tf.stack(outputs)] + flat(state)

    results, graphs = run_twice(build, lambda graph: {})
    assert_same_numbers(results)
    assert call_ops(graphs[0])


def test_report_of_a_tensor_feed_previous_lists_the_decoders_built_in_the_cond():
    """Both decoders are built inside tf.cond branches; their choices are the graph's."""
    with tf.Graph().as_default() as graph:
        rng = np.random.RandomState(43)
        enc, _ = ids(rng, 3)
        dec, _ = ids(rng, 4)
        flag = v1.placeholder_with_default(False, [])
        legacy_seq2seq.embedding_attention_seq2seq(
            enc, dec, make_cell("multi_lstm"), VOCAB, VOCAB, EMB, feed_previous=flag)
    assert fastpath.report(graph) == [fastpath.Decision("static_rnn", True, ""),
                                      fastpath.Decision("attention_decoder", True, "")]
    assert fastpath.used(graph)


def dropout_cell(keep):
    """Two GRU layers, each in a DropoutWrapper, and one around the stack."""
    layers = [rnn_cell.DropoutWrapper(rnn_cell.GRUCell(UNITS), input_keep_prob=keep,
                                      output_keep_prob=1.0, state_keep_prob=1.0)
              for _ in range(2)]
    return rnn_cell.DropoutWrapper(rnn_cell.MultiRNNCell(layers), output_keep_prob=1.0)


def test_dropout_wrapper_keeping_everything_takes_the_fast_paths():
    def build():
        rng = np.random.RandomState(41)
        enc, _ = ids(rng, 4)
        dec, _ = ids(rng, 5)
        outputs, state = legacy_seq2seq.embedding_attention_seq2seq(
            enc, dec, dropout_cell(1.0), VOCAB, VOCAB, EMB, num_heads=2)
        return [tf.stack(outputs)] + flat(state)

    results, graphs = run_twice(build, lambda graph: {})
    assert_same_numbers(results)
    assert fastpath.used(graphs[0])
    assert [d.function for d in fastpath.report(graphs[0])] == ["static_rnn",
                                                                "attention_decoder"]


@pytest.mark.parametrize("keep", [0.5, "placeholder"])
def test_dropout_wrapper_that_drops_takes_the_fast_path_unless_the_graph_has_a_seed(keep):
    for seed in (None, 1):
        with tf.Graph().as_default() as graph:
            v1.set_random_seed(seed)
            prob = v1.placeholder_with_default(1.0, []) if keep == "placeholder" else keep
            inputs = [tf.ones([BATCH, EMB]) for _ in range(3)]
            rnn.static_rnn(dropout_cell(prob), inputs, dtype=tf.float32)
            assert bool(call_ops(graph)) is (seed is None)
        assert fastpath.report(graph) == [fastpath.Decision(
            "static_rnn", seed is None, "" if seed is None else
            "a DropoutWrapper under a seed (its own or the graph's): TF 1.15's seeded draws "
            "are made step by step")]


def test_bucketed_training_graph_matches_and_is_a_fraction_of_the_ops():
    buckets = [(3, 4), (5, 6)]

    def build():
        rng = np.random.RandomState(11)
        enc, _ = ids(rng, 5)
        dec, _ = ids(rng, 7)
        weights = [tf.ones([BATCH]) for _ in range(7)]
        cell = make_cell("multi_gru")

        def seq2seq(x, y):
            return legacy_seq2seq.embedding_attention_seq2seq(
                x, y, copy.deepcopy(cell), VOCAB, VOCAB, EMB)

        outputs, bucket_losses = legacy_seq2seq.model_with_buckets(
            enc, dec, dec[1:], weights, buckets, seq2seq)
        return [tf.add_n(bucket_losses)] + [tf.stack(o) for o in outputs]

    results, graphs = run_twice(build, lambda graph: {})
    assert_same_numbers(results)
    fast_ops, slow_ops = (len(g.get_operations()) for g in graphs)
    assert fast_ops < 0.6 * slow_ops, (fast_ops, slow_ops)


@pytest.mark.parametrize("cell_kind", ["multi_gru", "multi_lstm"])
@pytest.mark.parametrize("num_steps", [4, 9])
def test_kernel_gradients_are_one_product_for_all_steps(cell_kind, num_steps):
    # Step by step, each kernel's gradient is a sum of one product per step;
    # the fast paths compute it for all steps at once, so no sum of
    # kernel-shaped gradients grows with the number of steps.
    with tf.Graph().as_default():
        rng = np.random.RandomState(5)
        enc, _ = ids(rng, num_steps)
        dec, _ = ids(rng, num_steps)
        outputs, _ = legacy_seq2seq.embedding_attention_seq2seq(
            enc, dec, make_cell(cell_kind), VOCAB, VOCAB, EMB, num_heads=2)
        first_gradient_op = len(v1.get_default_graph().get_operations())
        grads = tf.gradients(tf.reduce_sum(tf.stack(outputs)), v1.trainable_variables())
        assert all(g is not None for g in grads)
        gradient_ops = v1.get_default_graph().get_operations()[first_gradient_op:]
    # Kernel (and kernel block) gradients have EMB or UNITS rows, activations BATCH.
    kernel_sums = [len(op.inputs) for op in gradient_ops if op.type == "AddN" and
                   op.outputs[0].get_shape().rank == 2 and
                   op.outputs[0].get_shape()[0] in (EMB, UNITS)]
    assert kernel_sums, "no kernel gradient is a sum"
    assert max(kernel_sums) <= 3, kernel_sums


@pytest.mark.parametrize("cell_kind", ["multi_gru", "multi_lstm"])
@pytest.mark.parametrize("num_steps", [4, 9])
def test_attention_states_gradient_is_one_product_for_all_steps(cell_kind, num_steps):
    # Each decoder step reads the attention states, so step by step their
    # gradient is a sum of one outer product per step (and per head); the
    # fast path computes it as one batched product. The features' gradient
    # stays a sum over the steps: the only such sum left per head.
    num_heads = 2
    with tf.Graph().as_default():
        rng = np.random.RandomState(7)
        enc, _ = ids(rng, num_steps)
        dec, _ = ids(rng, num_steps)
        outputs, _ = legacy_seq2seq.embedding_attention_seq2seq(
            enc, dec, make_cell(cell_kind), VOCAB, VOCAB, EMB, num_heads=num_heads)
        first_gradient_op = len(v1.get_default_graph().get_operations())
        tf.gradients(tf.reduce_sum(tf.stack(outputs)), v1.trainable_variables())
        gradient_ops = v1.get_default_graph().get_operations()[first_gradient_op:]
    # Sums of [B, L, A] gradients (the attention length L is num_steps here).
    state_sums = [len(op.inputs) for op in gradient_ops if op.type == "AddN" and
                  op.outputs[0].get_shape().as_list() == [BATCH, num_steps, UNITS]]
    assert [n for n in state_sums if n >= num_steps - 1] == [num_steps - 1] * num_heads, \
        state_sums


def test_loop_stacks_emitted_carries_without_returning_them_again():
    # A step that emits its carry in and out (as the deferred steps emit the
    # inputs of their kernel products) returns each carry once; the stacks
    # of those emits are built from the carries.
    def step(carry, inputs_t, weights):
        (h,) = carry
        new_h = tf.tanh(h * weights[0] + inputs_t[0])
        return (new_h,), [h, new_h, 2.0 * new_h, new_h]

    num_steps = 5
    rng = np.random.RandomState(3)
    xs = rng.uniform(-1, 1, (num_steps, BATCH, UNITS)).astype(np.float32)
    h0 = rng.uniform(-1, 1, (BATCH, UNITS)).astype(np.float32)
    w = rng.uniform(-1, 1, (UNITS,)).astype(np.float32)
    with tf.Graph().as_default() as graph:
        (last,), (ins, outs, doubled, outs_again) = _engine._loop(
            ("test_loop",), step, [tf.constant(xs)], (tf.constant(h0),), num_steps,
            [tf.constant(w)])
        calls = [op for op in graph.get_operations() if op.type in ("PartitionedCall",
                                                                       "StatefulPartitionedCall")]
        with v1.Session() as sess:
            got = sess.run([last, ins, outs, doubled, outs_again])
    assert len(calls) == num_steps
    assert all(len(op.outputs) == 2 for op in calls), [len(op.outputs) for op in calls]
    assert outs is outs_again
    expected = [h0]
    for x in xs:
        expected.append(np.tanh(expected[-1] * w + x))
    np.testing.assert_allclose(got[0], expected[-1], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got[1], np.stack(expected[:-1]), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got[2], np.stack(expected[1:]), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got[3], 2 * np.stack(expected[1:]), rtol=1e-6, atol=1e-6)


def _bucketed_sampled_softmax(calls):
    """The translate tutorial's model in two buckets; returns (op count, bucket losses)."""
    buckets = [(3, 4), (5, 6)]
    graph = v1.get_default_graph()
    rng = np.random.RandomState(13)
    enc, enc_feed = ids(rng, 5, static_batch=False, name="enc")
    dec, dec_feed = ids(rng, 7, static_batch=False, name="dec")
    weights = [tf.ones_like(d, tf.float32) for d in dec]
    w = v1.get_variable("proj_w", [UNITS, VOCAB])
    b = v1.get_variable("proj_b", [VOCAB])

    def sampled_loss(labels, logits):
        calls.append(labels.get_shape().as_list())
        return tf.nn.sampled_softmax_loss(
            weights=tf.transpose(w), biases=b, labels=tf.reshape(labels, [-1, 1]),
            inputs=logits, num_sampled=4, num_classes=VOCAB)

    cell = make_cell("multi_gru")

    def seq2seq(x, y):
        return legacy_seq2seq.embedding_attention_seq2seq(
            x, y, copy.deepcopy(cell), VOCAB, VOCAB, EMB, output_projection=(w, b))

    _, bucket_losses = legacy_seq2seq.model_with_buckets(
        enc, dec, dec[1:], weights, buckets, seq2seq, softmax_loss_function=sampled_loss)
    grads = tf.gradients(bucket_losses[1], v1.trainable_variables())
    assert all(g is not None for g in grads)
    op_count = len(graph.get_operations())
    with v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        return op_count, sess.run(bucket_losses, {**enc_feed, **dec_feed})


def test_traced_sampled_softmax_in_buckets_is_built_once():
    """The sampled loss: one trace for every step of both buckets, far fewer ops.

    Traced is the default; `stepwise()` gives TF 1.15's call per step and bucket.
    """
    op_counts = {}
    for traced in (False, True):
        calls = []
        with tf.Graph().as_default(), fastpath.stepwise(not traced):
            op_counts[traced], values = _bucketed_sampled_softmax(calls)
        assert all(np.isfinite(v) and v > 0 for v in values)
        assert calls == ([[None]] if traced else [[None]] * (4 + 6))
    assert op_counts[True] < 0.75 * op_counts[False], op_counts


def user_loop_function(prev, _):
    return tf.tanh(prev[:, :EMB])


class UserCell:
    """A cell of the RNNCell protocol that is not one of the library's."""

    state_size = UNITS
    output_size = UNITS

    def zero_state(self, batch_size, dtype):
        return tf.zeros([batch_size, UNITS], dtype)

    def __call__(self, inputs, state, scope=None):
        with v1.variable_scope(scope or "user_cell"):
            kernel = v1.get_variable("kernel", [inputs.get_shape()[1] + UNITS, UNITS])
            new = tf.tanh(tf.matmul(tf.concat([inputs, state], 1), kernel))
        return new, new


STEPWISE_CASES = {
    "user_loop_function": ("attention_decoder", "a user loop_function (its Python code must "
                           "run at every step)"),
    "user_cell": ("attention_decoder", "cell type UserCell (fast steps exist for GRUCell and "
                  "BasicLSTMCell)"),
    "sequence_length": ("static_rnn", "sequence_length is given"),
}


def fastpath_log(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "legacy_seq2seq_compat.fastpath"]


@pytest.mark.parametrize("case", list(STEPWISE_CASES))
def test_user_code_keeps_the_step_by_step_path_and_says_why_once(case, caplog, monkeypatch):
    monkeypatch.setattr(_engine, "_logged", set())
    function, reason = STEPWISE_CASES[case]
    rng = np.random.RandomState(13)
    for _ in range(2):
        with tf.Graph().as_default() as graph:
            inputs = [tf.constant(rng.uniform(-1, 1, (BATCH, EMB)), tf.float32)
                      for _ in range(4)]
            if case == "sequence_length":
                outputs, _ = rnn.static_rnn(make_cell("gru"), inputs, dtype=tf.float32,
                                            sequence_length=tf.constant([1, 4, 2]))
            else:
                cell = UserCell() if case == "user_cell" else make_cell("gru")
                loop = user_loop_function if case == "user_loop_function" else None
                outputs, _ = decoders.attention_decoder(
                    inputs, tf.zeros([BATCH, UNITS]), tf.zeros([BATCH, 3, UNITS]), cell,
                    output_size=UNITS, loop_function=loop)
            assert len(outputs) == 4
            assert not call_ops(graph)
            assert fastpath.report() == [fastpath.Decision(function, False, reason)]
            assert not fastpath.used()
    # Said once per process, though two graphs took that path for that reason.
    logged = fastpath_log(caplog)
    assert len(logged) == 1, logged
    assert f"{function} takes the step-by-step path" in logged[0] and reason in logged[0]


def test_rnn_decoder_is_reported_but_not_logged(caplog, monkeypatch):
    # rnn_decoder has no fast path at all: a warning could ask for no useful change.
    monkeypatch.setattr(_engine, "_logged", set())
    with tf.Graph().as_default() as graph:
        inputs = [tf.zeros([BATCH, EMB]) for _ in range(3)]
        decoders.rnn_decoder(inputs, tf.zeros([BATCH, UNITS]), make_cell("gru"))
    assert fastpath.report(graph) == [
        fastpath.Decision("rnn_decoder", False, "rnn_decoder has no fast path yet")]
    assert fastpath_log(caplog) == []


def test_report_and_used_tell_which_calls_took_the_fast_paths(caplog, monkeypatch):
    monkeypatch.setattr(_engine, "_logged", set())
    rng = np.random.RandomState(37)
    inputs = [rng.uniform(-1, 1, (BATCH, EMB)).astype(np.float32) for _ in range(3)]
    for stepwise in (False, True):
        with tf.Graph().as_default() as graph, fastpath.stepwise(stepwise):
            assert fastpath.report() == [] and not fastpath.used()
            outputs, _ = rnn.static_rnn(make_cell("gru"), [tf.constant(x) for x in inputs],
                                        dtype=tf.float32)
            (logits, targets, weights), _, _ = _loss_inputs(37, steps=3)
            losses.sequence_loss(logits, targets, weights, softmax_loss_function=_smoothed)
        reason = fastpath.STEPWISE_REASON if stepwise else ""
        assert fastpath.report(graph) == [
            fastpath.Decision("static_rnn", not stepwise, reason),
            fastpath.Decision("softmax_loss_function", not stepwise, reason)]
        assert fastpath.used(graph) is (not stepwise)
    # A Python int target is called directly (quietly); a graph seed per step (said once).
    with tf.Graph().as_default() as graph:
        v1.set_random_seed(1)
        (logits, targets, weights), _, _ = _loss_inputs(37, steps=3)
        losses.sequence_loss(logits, targets[:2] + [0], weights,
                             softmax_loss_function=lambda labels, logits: _smoothed(
                                 tf.broadcast_to(labels, [BATCH]), logits))
        decisions = fastpath.report(graph)
    assert [(d.function, d.fast) for d in decisions] == [("softmax_loss_function", False)] * 2
    assert "the graph has a seed" in decisions[0].reason
    assert decisions[1].reason == "a step's target or logit is not a Tensor"
    logged = fastpath_log(caplog)
    assert len(logged) == 1 and "the graph has a seed" in logged[0], logged


def test_user_loop_function_numbers_equal_a_numpy_unrolling():
    """The step-by-step path with a user loop function stays correct (rnn_decoder, GRU)."""
    rng = np.random.RandomState(17)
    first = rng.uniform(-1, 1, (BATCH, UNITS)).astype(np.float32)
    init = rng.uniform(-1, 1, (BATCH, UNITS)).astype(np.float32)
    with tf.Graph().as_default():
        cell = rnn_cell.GRUCell(UNITS)
        outputs, _ = decoders.rnn_decoder(
            [tf.constant(first)] * 3, tf.constant(init), cell,
            loop_function=lambda prev, i: tf.tanh(prev))
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            set_weights(sess)
            got = sess.run(outputs)
            values = {v.op.name: sess.run(v) for v in v1.global_variables()}

    def sigmoid(x):
        return 1 / (1 + np.exp(-x))

    scope = "rnn_decoder/gru_cell/"
    gate_w, gate_b = values[scope + "gates/kernel"], values[scope + "gates/bias"]
    cand_w, cand_b = values[scope + "candidate/kernel"], values[scope + "candidate/bias"]
    x, h = first, init
    for step in range(3):
        gates = sigmoid(np.concatenate([x, h], 1) @ gate_w + gate_b)
        r, u = gates[:, :UNITS], gates[:, UNITS:]
        c = np.tanh(np.concatenate([x, r * h], 1) @ cand_w + cand_b)
        h = u * h + (1 - u) * c
        np.testing.assert_allclose(got[step], h, atol=ATOL)
        x = np.tanh(h)


def test_sequence_loss_traces_a_loss_function_or_calls_it_per_step_or_once_for_all():
    rng = np.random.RandomState(19)
    logits = [rng.uniform(-1, 1, (BATCH, VOCAB)).astype(np.float32) for _ in range(4)]
    targets = [rng.randint(0, VOCAB, BATCH).astype(np.int32) for _ in range(4)]
    weights = [rng.uniform(0, 1, BATCH).astype(np.float32) for _ in range(4)]
    calls = []

    def loss_fn(labels, logits):
        calls.append((labels.get_shape().as_list(), logits.get_shape().as_list()))
        return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)

    with tf.Graph().as_default():
        args = ([tf.constant(x) for x in logits], [tf.constant(t) for t in targets],
                [tf.constant(w) for w in weights])
        # Inside stepwise() a user function is called step by step, as in TF 1.15.
        with fastpath.stepwise():
            stepped = losses.sequence_loss_by_example(*args, softmax_loss_function=loss_fn)
        assert calls == [([BATCH], [BATCH, VOCAB])] * 4
        # By default it is traced: one call for the four steps of one shape.
        traced = losses.sequence_loss_by_example(*args, softmax_loss_function=loss_fn)
        assert calls[4:] == [([BATCH], [BATCH, VOCAB])]
        with fastpath.batch_loss_functions():
            batched = losses.sequence_loss_by_example(*args, softmax_loss_function=loss_fn)
        assert calls[5:] == [([4 * BATCH], [4 * BATCH, VOCAB])]
        assert batched.get_shape().as_list() == [BATCH]
        default = losses.sequence_loss_by_example(*args)
        got, want, plain, via_trace = v1.Session().run([batched, stepped, default, traced])

    def crossent(x, t):
        shifted = x - x.max(1, keepdims=True)
        return np.log(np.exp(shifted).sum(1)) - shifted[np.arange(BATCH), t]

    total = sum(w * crossent(x, t) for x, t, w in zip(logits, targets, weights))
    np.testing.assert_allclose(got, total / (sum(weights) + 1e-12), atol=ATOL)
    np.testing.assert_allclose(want, got, atol=ATOL)
    np.testing.assert_allclose(plain, got, atol=ATOL)
    np.testing.assert_allclose(via_trace, got, atol=ATOL)


def test_sequence_loss_falls_back_to_steps_when_the_loss_is_not_per_row():
    calls = []

    def mean_loss(labels, logits):
        calls.append(labels.get_shape().as_list())
        per_row = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        return tf.reduce_mean(per_row)

    with tf.Graph().as_default(), fastpath.batch_loss_functions():
        logits = [tf.ones([BATCH, VOCAB])] * 3
        targets = [tf.zeros([BATCH], tf.int32)] * 3
        weights = [tf.ones([BATCH])] * 3
        loss = losses.sequence_loss_by_example(logits, targets, weights,
                                               softmax_loss_function=mean_loss)
        value = v1.Session().run(loss)
    # Once for all steps (a scalar came back), then traced once for the steps.
    assert calls == [[3 * BATCH], [BATCH]]
    np.testing.assert_allclose(value, np.full(BATCH, np.log(VOCAB)), rtol=1e-6)


def _loss_inputs(seed, steps=4, static_batch=True):
    rng = np.random.RandomState(seed)
    logits = [rng.uniform(-1, 1, (BATCH, VOCAB)).astype(np.float32) for _ in range(steps)]
    targets = [rng.randint(0, VOCAB, BATCH).astype(np.int32) for _ in range(steps)]
    weights = [rng.uniform(0, 1, BATCH).astype(np.float32) for _ in range(steps)]
    batch = BATCH if static_batch else None
    holders = ([v1.placeholder(tf.float32, [batch, VOCAB]) for _ in logits],
               [v1.placeholder(tf.int32, [batch]) for _ in targets],
               [v1.placeholder(tf.float32, [batch]) for _ in weights])
    feed = dict(zip(sum(holders, []), logits + targets + weights))
    return holders, feed, (logits, targets, weights)


def _smoothed(labels, logits):
    """A deterministic row-wise loss: cross-entropy with label smoothing 0.1."""
    one_hot = tf.one_hot(labels, VOCAB, on_value=0.9 + 0.1 / VOCAB, off_value=0.1 / VOCAB)
    return tf.nn.softmax_cross_entropy_with_logits(labels=one_hot, logits=logits)


def _numpy_smoothed(x, t):
    shifted = x - x.max(1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    one_hot = np.full(x.shape, 0.1 / VOCAB)
    one_hot[np.arange(len(t)), t] += 0.9
    return -(one_hot * log_p).sum(1)


@pytest.mark.parametrize("static_batch", [True, False])
def test_traced_loss_function_runs_once_and_gives_the_per_step_numbers(static_batch):
    calls = []

    def loss_fn(labels, logits):
        calls.append((labels.get_shape().as_list(), logits.get_shape().as_list()))
        return _smoothed(labels, logits)

    results = {}
    for traced in (False, True):
        calls.clear()
        with tf.Graph().as_default() as graph, fastpath.stepwise(not traced):
            (logits, targets, weights), feed, values = _loss_inputs(23, static_batch=static_batch)
            loss = losses.sequence_loss_by_example(logits, targets, weights,
                                                   softmax_loss_function=loss_fn)
            again = losses.sequence_loss(logits, targets, weights, softmax_loss_function=loss_fn)
            batch = BATCH if static_batch else None
            # Traced once for the 2 x 4 steps (same shapes); else once per step.
            assert calls == [([batch], [batch, VOCAB])] * (1 if traced else 8)
            assert len(call_ops(graph)) == (8 if traced else 0)
            grads = tf.gradients(tf.reduce_sum(loss) + again, logits)
            # One call of the (once built) gradient function per step.
            assert len(call_ops(graph)) == (16 if traced else 0)
            assert loss.get_shape().as_list() == [batch]
            results[traced] = v1.Session().run([loss, again] + grads, feed)
    for a, b in zip(results[True], results[False]):
        np.testing.assert_allclose(a, b, atol=ATOL, rtol=ATOL)
    x, t, w = values
    total = sum(wi * _numpy_smoothed(xi, ti) for xi, ti, wi in zip(x, t, w))
    np.testing.assert_allclose(results[True][0], total / (sum(w) + 1e-12), atol=ATOL)


def test_traced_loss_function_draws_fresh_random_numbers_at_every_step():
    def noisy(labels, logits):
        return tf.random.uniform(tf.shape(labels)) + 0.0 * tf.reduce_sum(logits, 1)

    with tf.Graph().as_default() as graph:
        (logits, targets, weights), feed, _ = _loss_inputs(5, steps=3)
        per_step = [losses.sequence_loss_by_example([x], [t], [w], softmax_loss_function=noisy)
                    for x, t, w in zip(logits, targets, weights)]
        assert len(call_ops(graph)) == 3
        with v1.Session() as sess:
            first, second = sess.run(per_step, feed), sess.run(per_step, feed)
    rows = np.array(first + second)
    # Six different draws: no two steps, and no two runs, repeat a sample.
    assert len({tuple(np.round(r, 6)) for r in rows}) == 6


@pytest.mark.parametrize("case", ["graph_seed", "creates_variable", "adds_to_collection",
                                  "python_int_target", "stepwise", "not_a_tensor"])
def test_traced_loss_function_falls_back_to_direct_calls(case):
    calls = []

    def loss_fn(labels, logits):
        calls.append(labels)
        if case == "creates_variable":
            scale = v1.get_variable("loss_scale", [], initializer=v1.ones_initializer())
            return scale * _smoothed(labels, logits)
        if case == "adds_to_collection":
            v1.add_to_collection("my_losses", logits)
        if case == "not_a_tensor":
            return _smoothed(labels, logits), tf.constant(1.0)
        return _smoothed(tf.broadcast_to(labels, [BATCH]), logits)

    with tf.Graph().as_default() as graph:
        if case == "graph_seed":
            v1.set_random_seed(3)
        (logits, targets, weights), feed, _ = _loss_inputs(7, steps=3)
        if case == "python_int_target":
            targets = [0, 1, 2]
        with fastpath.stepwise(case == "stepwise"):
            with v1.variable_scope("loss", reuse=v1.AUTO_REUSE):
                if case == "not_a_tensor":
                    # It fails to trace, so the direct call shows TF 1.15's error.
                    with pytest.raises((TypeError, ValueError)):
                        losses.sequence_loss_by_example(logits, targets, weights,
                                                        softmax_loss_function=loss_fn)
                    return
                losses.sequence_loss_by_example(logits, targets, weights,
                                                softmax_loss_function=loss_fn)
        assert call_ops(graph) == []
        direct = calls if case in ("graph_seed", "stepwise", "python_int_target") else calls[1:]
        assert direct == targets
        if case == "creates_variable":
            assert [v.op.name for v in v1.global_variables()] == ["loss/loss_scale"]
        if case == "adds_to_collection":
            assert v1.get_collection("my_losses") == logits


@pytest.mark.parametrize("switch", [True, False])
def test_trace_loss_functions_switch_has_no_effect(switch):
    calls = []

    def loss_fn(labels, logits):
        calls.append(labels)
        return _smoothed(labels, logits)

    with tf.Graph().as_default() as graph, fastpath.trace_loss_functions(switch):
        (logits, targets, weights), _, _ = _loss_inputs(3, steps=3)
        losses.sequence_loss_by_example(logits, targets, weights, softmax_loss_function=loss_fn)
        # Traced either way: one Python call, one graph-function call per step.
        assert len(calls) == 1 and calls[0].op.type == "Placeholder"
        assert len(call_ops(graph)) == 3


def test_kept_tensor_of_a_traced_loss_names_the_stepwise_fix():
    """A loss that keeps its per-step tensors for later gets an error naming `stepwise()`."""
    for stepwise in (False, True):
        kept = []

        def loss_fn(labels, logits, kept=kept):
            loss = _smoothed(labels, logits)
            kept.append(loss)
            return loss

        with tf.Graph().as_default(), fastpath.stepwise(stepwise):
            (logits, targets, weights), feed, _ = _loss_inputs(3, steps=3)
            losses.sequence_loss_by_example(logits, targets, weights,
                                            softmax_loss_function=loss_fn)
            if not stepwise:
                assert len(kept) == 1
                with pytest.raises(ValueError, match=r"must be from the same graph") as error:
                    tf.reduce_mean(kept[0])
                assert "FuncGraph(name=" + fastpath.TRACED_LOSS_NAME in str(error.value)
                assert "use_fastpath_stepwise_for_per_step_calls" in str(error.value)
                continue
            # TF 1.15's per-step calls: the kept tensors are the steps' own.
            assert len(kept) == 3
            summary = tf.add_n([tf.reduce_mean(k) for k in kept])
            value = v1.Session().run(summary, feed)
        assert np.isfinite(value)


def test_stepwise_switch_restores_the_setting_and_checks_its_argument():
    before = fastpath.is_stepwise()
    with fastpath.stepwise():
        assert fastpath.is_stepwise()
        with fastpath.stepwise(False):
            assert not fastpath.is_stepwise()
        assert fastpath.is_stepwise()
    assert fastpath.is_stepwise() == before
    # Every switch is a context manager that puts the previous value back, even on an error.
    for switch in (fastpath.stepwise, fastpath.batch_loss_functions,
                   fastpath.trace_loss_functions):
        before = dict(_engine.settings)
        with pytest.raises(RuntimeError):
            with switch(True):
                assert _engine.settings != before or before[switch.__name__]
                raise RuntimeError("inside")
        assert _engine.settings == before
        with switch(not before[switch.__name__]):
            pass
        assert _engine.settings == before
    with pytest.raises(TypeError, match=r"`enabled` must be a Python bool, got 1"):
        with fastpath.stepwise(1):
            pass
    with pytest.raises(TypeError, match=r"`enabled` must be a Python bool, got 'yes'"):
        with fastpath.batch_loss_functions("yes"):
            pass
    with pytest.raises(TypeError, match=r"`enabled` must be a Python bool, got None"):
        with fastpath.trace_loss_functions(None):
            pass


def test_buckets_share_one_trace_per_step_function():
    with tf.Graph().as_default() as graph:
        rng = np.random.RandomState(23)
        enc, _ = ids(rng, 6)
        dec, _ = ids(rng, 6)
        cell = make_cell("multi_gru")
        legacy_seq2seq.model_with_buckets(
            enc, dec, dec[1:] + [dec[0]], [tf.ones([BATCH])] * 6, [(3, 3), (6, 6)],
            lambda x, y: legacy_seq2seq.embedding_attention_seq2seq(
                x, y, copy.deepcopy(cell), VOCAB, VOCAB, EMB))
        called = {op.get_attr("f").name for op in call_ops(graph)}
    # Two encoder layer functions (input depths EMB and UNITS differ), each
    # shared by both buckets, and one decoder step for both attention lengths.
    assert len(called) == 3, called


def test_loss_reading_a_ps_variable_is_called_per_step_under_replica_device_setter():
    # A traced function runs whole on the calling task: a lookup that the device
    # setter put on /job:ps could not run inside it (seen on a loopback cluster).
    cluster = tf.train.ClusterSpec({"ps": ["localhost:1"], "worker": ["localhost:2"]})
    with tf.Graph().as_default() as graph:
        with v1.device(v1.train.replica_device_setter(cluster=cluster)):
            table = v1.get_variable("table", [VOCAB, VOCAB])
            (logits, targets, weights), _, _ = _loss_inputs(41, steps=2)
            losses.sequence_loss(
                logits, targets, weights,
                softmax_loss_function=lambda labels, logits: _smoothed(
                    labels, logits + tf.nn.embedding_lookup(table, labels)))
        assert table.device == "/job:ps/task:0"
        assert fastpath.report(graph) == [fastpath.Decision(
            "softmax_loss_function", False,
            "its ops are placed on a cluster job's devices (replica_device_setter)")]
        assert not call_ops(graph)


# ---------------------------------------------------------------------------
# DropoutWrapper on the fast paths: keep probabilities fed 1.0 give the step-by-step
# numbers; keep probabilities below 1 draw fresh masks of the same distribution.

ALL_SITES = ("input", "state", "output")


def dropping_cell(cell_kind, layers, wrap, sites, keep):
    """GRU / BasicLSTM layers with a DropoutWrapper around each layer or around the stack."""
    probs = {f"{site}_keep_prob": keep for site in sites}
    cells = [rnn_cell.GRUCell(UNITS) if cell_kind == "gru" else
             rnn_cell.BasicLSTMCell(UNITS, forget_bias=0.5) for _ in range(layers)]
    if wrap == "layer":
        cells = [rnn_cell.DropoutWrapper(c, **probs) for c in cells]
    cell = cells[0] if layers == 1 else rnn_cell.MultiRNNCell(cells)
    return rnn_cell.DropoutWrapper(cell, **probs) if wrap == "stack" else cell


def keep_probability(kind):
    """``"const1"``, ``"holder1"``, ``"const05"``, ``"holder05"``: (keep, feed dict)."""
    value = 1.0 if kind.endswith("1") else 0.5
    if kind.startswith("const"):
        return value, {}
    holder = v1.placeholder(tf.float32, [], name="keep")
    return holder, {holder: value}


def build_dropout_model(function, cell_kind, layers, wrap, sites, keep, feed_previous=False):
    """Builds static_rnn or embedding_attention_seq2seq; returns (fetches, loss)."""
    rng = np.random.RandomState(41)
    cell = dropping_cell(cell_kind, layers, wrap, sites, keep)
    if function == "static_rnn":
        inputs = [tf.constant(rng.uniform(-1, 1, (BATCH, EMB)), tf.float32) for _ in range(5)]
        outputs, state = rnn.static_rnn(cell, inputs, dtype=tf.float32)
    else:
        enc, _ = ids(rng, 3)
        dec, _ = ids(rng, 3)
        outputs, state = legacy_seq2seq.embedding_attention_seq2seq(
            enc, dec, cell, VOCAB, VOCAB, EMB, feed_previous=feed_previous)
    outputs = tf.stack(outputs)
    return [outputs] + flat(state), tf.reduce_sum(outputs * outputs)


def run_dropout_model(function, cell_kind, layers, wrap, sites, keep_kind, stepwise,
                      feed_previous=False, runs=1):
    """Values (outputs, state leaves, gradients) of `runs` runs, and the graph (no seed)."""
    graph = tf.Graph()
    with graph.as_default(), fastpath.stepwise(stepwise):
        keep, feed = keep_probability(keep_kind)
        fetches, loss = build_dropout_model(function, cell_kind, layers, wrap, sites, keep,
                                            feed_previous)
        grads = [tf.convert_to_tensor(g) for g in tf.gradients(loss, v1.trainable_variables())]
        names = [(v.op.name, v.get_shape().as_list()) for v in v1.global_variables()]
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            set_weights(sess)
            values = [sess.run(fetches + grads, feed) for _ in range(runs)]
    return names, values, graph


@pytest.mark.parametrize("function, cell_kind, layers, wrap, sites, keep_kind", [
    ("static_rnn", "gru", 1, "layer", ("input",), "holder1"),
    ("static_rnn", "lstm", 1, "stack", ("output",), "holder1"),
    ("static_rnn", "gru", 2, "layer", ("state",), "holder1"),
    ("static_rnn", "lstm", 2, "layer", ALL_SITES, "holder1"),
    ("attention", "gru", 2, "stack", ALL_SITES, "holder1"),
    ("attention", "lstm", 1, "layer", ALL_SITES, "holder1"),
])
def test_dropout_kept_at_one_takes_the_fast_paths_with_the_step_by_step_numbers(
        function, cell_kind, layers, wrap, sites, keep_kind):
    # The LSTM decoder feeds its argmax back (the decoder step's other branch).
    feed_previous = cell_kind == "lstm"
    fast_names, (fast,), graph = run_dropout_model(function, cell_kind, layers, wrap, sites,
                                                   keep_kind, False, feed_previous)
    slow_names, (slow,), _ = run_dropout_model(function, cell_kind, layers, wrap, sites,
                                               keep_kind, True, feed_previous)
    assert_same_numbers([(fast_names, fast), (slow_names, slow)])
    assert fastpath.used(graph), fastpath.report(graph)


@pytest.mark.parametrize("cell_kind, keep_kind", [("gru", "holder05"), ("lstm", "const05")])
def test_output_dropout_keeps_half_and_scales_by_two_with_fresh_masks(keep_kind, cell_kind):
    """Every output is 0 or twice the undropped one, about half are 0, masks change."""
    _, (reference,), _ = run_dropout_model("static_rnn", cell_kind, 1, "layer", ("output",),
                                           "const1", False)
    _, runs, graph = run_dropout_model("static_rnn", cell_kind, 1, "layer", ("output",),
                                       keep_kind, False, runs=12)
    assert fastpath.used(graph)
    undropped = reference[0][1:]
    outputs = np.stack([values[0][1:] for values in runs])
    kept = outputs != 0
    np.testing.assert_allclose(outputs[kept], 2 * np.broadcast_to(undropped, outputs.shape)[kept],
                               rtol=1e-6, atol=1e-6)
    assert abs(kept.mean() - 0.5) < 0.06, kept.mean()
    assert not np.array_equal(kept[0, 0], kept[0, 1])   # across steps
    assert not np.array_equal(kept[0], kept[1])         # across runs


@pytest.mark.parametrize("cell_kind, keep_kind", [("gru", "const05"), ("lstm", "holder05")])
def test_state_dropout_drops_the_carried_state_but_not_the_output(keep_kind, cell_kind):
    _, runs, graph = run_dropout_model("static_rnn", cell_kind, 1, "layer", ("state",),
                                       keep_kind, False, runs=30)
    assert fastpath.used(graph)
    # The final state is the last step's state after dropout; the output is not dropped.
    last_output = np.stack([values[0][-1] for values in runs])
    final_h = np.stack([values[2 if cell_kind == "lstm" else 1] for values in runs])
    kept = final_h != 0
    np.testing.assert_allclose(final_h[kept], 2 * last_output[kept], rtol=1e-6, atol=1e-6)
    assert abs(kept.mean() - 0.5) < 0.1, kept.mean()
    assert (last_output != 0).all()
    if cell_kind == "lstm":
        assert (np.stack([values[1] for values in runs]) != 0).all()  # c is never dropped


@pytest.mark.parametrize("keep_kind", ["const05", "holder05"])
def test_input_dropout_passes_gradients_only_through_kept_units(keep_kind):
    graph = tf.Graph()
    with graph.as_default():
        keep, feed = keep_probability(keep_kind)
        rng = np.random.RandomState(43)
        inputs = [tf.constant(rng.uniform(-1, 1, (BATCH, EMB)), tf.float32) for _ in range(6)]
        cell = dropping_cell("gru", 2, "stack", ("input",), keep)
        outputs, _ = rnn.static_rnn(cell, inputs, dtype=tf.float32)
        grads = tf.gradients(tf.reduce_sum(tf.stack(outputs)), inputs[1:])
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            values = np.stack([sess.run(grads, feed) for _ in range(10)])
    assert fastpath.used(graph)
    passed = values != 0
    assert abs(passed.mean() - 0.5) < 0.06, passed.mean()
    assert not np.array_equal(passed[0], passed[1])


def _gru_numpy(x, h, gate_kernel, gate_bias, candidate_kernel, candidate_bias):
    sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    gates = sigmoid(np.concatenate([x, h], 1) @ gate_kernel + gate_bias)
    r, u = np.split(gates, 2, axis=1)
    c = np.tanh(np.concatenate([x, r * h], 1) @ candidate_kernel + candidate_bias)
    return u * h + (1 - u) * c


def test_stack_step_applies_given_masks_like_numpy():
    """The attention decoder's step with fixed masks: 2 GRU layers, wrappers at both levels."""
    rng = np.random.RandomState(47)
    x = rng.uniform(-1, 1, (BATCH, EMB)).astype(np.float32)
    states = [rng.uniform(-1, 1, (BATCH, UNITS)).astype(np.float32) for _ in range(2)]
    masks = [2.0 * (rng.uniform(size=(BATCH, width)) < 0.5).astype(np.float32)
             for width in (EMB, UNITS, UNITS, UNITS, UNITS, UNITS)]
    with tf.Graph().as_default():
        cells = [rnn_cell.DropoutWrapper(rnn_cell.GRUCell(UNITS), 0.5, 0.5, 0.5)
                 for _ in range(2)]
        cell = rnn_cell.DropoutWrapper(rnn_cell.MultiRNNCell(cells), state_keep_prob=0.5)
        cell(tf.constant(x), tuple(tf.constant(s) for s in states))
        stack = _engine._Stack.from_cell(cell)
        assert [len(d.state) for d in stack.drops] == [2, 2]
        top, parts, _ = stack.step(tf.constant(x), [(tf.constant(s),) for s in states],
                                   masks=[tf.constant(m) for m in masks])
        weights = sorted(v1.global_variables(), key=lambda v: v.op.name)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            top, parts, weights = sess.run([top, parts, weights])
    # Sorted by name, per layer: candidate bias, candidate kernel, gate bias, gate kernel.
    inputs, expected = x, []
    for layer in range(2):
        cb, ck, gb, gk = weights[4 * layer:4 * layer + 4]
        in_mask, state_mask, out_mask = masks[3 * layer:3 * layer + 3]
        new_h = _gru_numpy(inputs * in_mask, states[layer], gk, gb, ck, cb)
        expected.append(new_h * state_mask)
        inputs = new_h * out_mask
    np.testing.assert_allclose(top, inputs, rtol=1e-5, atol=1e-6)
    for (got,), want in zip(parts, expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_layer_loops_apply_given_masks_like_numpy(monkeypatch):
    """static_rnn's layer loop with fixed input, state and output masks (one GRU layer)."""
    steps = 3
    rng = np.random.RandomState(53)
    xs = rng.uniform(-1, 1, (steps, BATCH, EMB)).astype(np.float32)
    h0 = rng.uniform(-1, 1, (BATCH, UNITS)).astype(np.float32)
    fixed = {width: 2.0 * (rng.uniform(size=(steps * BATCH, width)) < 0.5).astype(np.float32)
             for width in (EMB, UNITS)}
    state_mask = 2.0 * (rng.uniform(size=(steps, BATCH, UNITS)) < 0.5).astype(np.float32)
    monkeypatch.setattr(_engine, "_dropout", lambda value, keeps: value * fixed[
        value.get_shape().as_list()[1]] if keeps else value)
    monkeypatch.setattr(_engine, "_dropout_mask",
                        lambda keeps, num_steps, like, width: tf.constant(state_mask))
    with tf.Graph().as_default():
        cell = rnn_cell.DropoutWrapper(rnn_cell.GRUCell(UNITS), 0.5, 0.5, 0.5)
        cell(tf.constant(xs[0]), tf.constant(h0))
        stack = _engine._Stack.from_cell(cell)
        outputs, final = _engine._run_layers(stack, tf.constant(xs.reshape(-1, EMB)),
                                             [(tf.constant(h0),)], steps, BATCH)
        weights = sorted(v1.global_variables(), key=lambda v: v.op.name)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            outputs, final, (cb, ck, gb, gk) = sess.run([outputs, final, weights])
    dropped = (xs.reshape(-1, EMB) * fixed[EMB]).reshape(steps, BATCH, EMB)
    h, expected = h0, []
    for t in range(steps):
        new_h = _gru_numpy(dropped[t], h, gk, gb, ck, cb)
        expected.append(new_h)
        h = new_h * state_mask[t]
    np.testing.assert_allclose(outputs, np.concatenate(expected) * fixed[UNITS],
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(final[0][0], h, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case, reason", [
    ("graph_seed", "a DropoutWrapper under a seed (its own or the graph's)"),
    ("wrapper_seed", "a DropoutWrapper under a seed (its own or the graph's)"),
    ("state_filter", "a DropoutWrapper with a dropout_state_filter_visitor of its own"),
    ("around_projection", "a DropoutWrapper that drops around an OutputProjectionWrapper"),
])
def test_dropout_the_fast_paths_cannot_match_steps_and_says_why(case, reason):
    with tf.Graph().as_default() as graph:
        base = rnn_cell.GRUCell(UNITS)
        if case == "graph_seed":
            v1.set_random_seed(3)
            cell = rnn_cell.DropoutWrapper(base, 0.5)
        elif case == "wrapper_seed":
            cell = rnn_cell.DropoutWrapper(base, output_keep_prob=0.5, seed=7)
        elif case == "state_filter":
            cell = rnn_cell.DropoutWrapper(base, state_keep_prob=0.5,
                                           dropout_state_filter_visitor=lambda s: True)
        else:
            cell = rnn_cell.DropoutWrapper(rnn_cell.OutputProjectionWrapper(base, 4), 0.5)
        inputs = [tf.zeros([BATCH, EMB]) for _ in range(3)]
        rnn.static_rnn(cell, inputs, dtype=tf.float32)
    decisions = fastpath.report(graph)
    assert [(d.function, d.fast) for d in decisions] == [("static_rnn", False)]
    assert decisions[0].reason.startswith(reason), decisions[0].reason


@pytest.mark.parametrize("function, cell_kind", [("static_rnn", "lstm"), ("attention", "gru")])
def test_variational_dropout_applies_the_wrappers_own_masks_with_the_step_by_step_numbers(
        function, cell_kind):
    """One mask for all steps, drawn by the wrapper: equal to the steps even at keep 0.5."""
    def variational(cell, depth, seed):
        return rnn_cell.DropoutWrapper(cell, 0.5, 0.5, 0.5, variational_recurrent=True,
                                       input_size=depth, dtype=tf.float32, seed=seed)

    results, graphs = [], []
    for stepwise in (False, True):
        graph = tf.Graph()
        with graph.as_default(), fastpath.stepwise(stepwise):
            rng = np.random.RandomState(59)
            make = rnn_cell.GRUCell if cell_kind == "gru" else rnn_cell.BasicLSTMCell
            layers = [variational(make(UNITS), EMB if i == 0 else UNITS, i) for i in range(2)]
            cell = variational(rnn_cell.MultiRNNCell(layers), EMB, 9)
            if function == "static_rnn":
                inputs = [tf.constant(rng.uniform(-1, 1, (BATCH, EMB)), tf.float32)
                          for _ in range(4)]
                outputs, state = rnn.static_rnn(cell, inputs, dtype=tf.float32)
            else:
                # (embedding_attention_seq2seq deep-copies its cell: a variational
                # wrapper holds Tensors, which cannot be copied, so only the decoder.)
                inputs = [tf.constant(rng.uniform(-1, 1, (BATCH, EMB)), tf.float32)
                          for _ in range(4)]
                states = tf.constant(rng.uniform(-1, 1, (BATCH, 4, UNITS)), tf.float32)
                outputs, state = decoders.attention_decoder(
                    inputs, cell.zero_state(BATCH, tf.float32), states, cell)
            fetches = [tf.stack(outputs)] + flat(state)
            grads = [tf.convert_to_tensor(g) for g in tf.gradients(
                tf.reduce_sum(fetches[0] ** 2), v1.trainable_variables())]
            names = [(v.op.name, v.get_shape().as_list()) for v in v1.global_variables()]
            with v1.Session() as sess:
                sess.run(v1.global_variables_initializer())
                set_weights(sess)
                values = sess.run(fetches + grads)
        results.append((names, values))
        graphs.append(graph)
    assert_same_numbers(results)
    assert fastpath.used(graphs[0]) and call_ops(graphs[0])
    state_leaf = results[0][1][1 if cell_kind == "gru" else 2]
    assert (state_leaf == 0).any()  # it does drop
