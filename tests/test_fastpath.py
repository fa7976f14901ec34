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
    if kind == "multi_joined":
        # One concatenated state for all layers (TF1's deprecated layout).
        return rnn_cell.MultiRNNCell(
            [rnn_cell.GRUCell(UNITS), rnn_cell.BasicLSTMCell(UNITS, state_is_tuple=False)],
            state_is_tuple=False)
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
    ("multi_joined", True, False, False),
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
    ("gru", False), ("lstm", True), ("multi_gru", True), ("multi_lstm", False),
    ("multi_joined", False)])
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
    "user_cell": ("attention_decoder", "cell type UserCell (fast steps exist for GRUCell, "
                  "BasicLSTMCell and LSTMCell)"),
    "rnn_decoder_loop_function": ("rnn_decoder", "a user loop_function (its Python code "
                                  "must run at every step)"),
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
            if case == "rnn_decoder_loop_function":
                outputs, _ = decoders.rnn_decoder(inputs, tf.zeros([BATCH, UNITS]),
                                                  make_cell("gru"),
                                                  loop_function=user_loop_function)
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


def test_rnn_decoder_takes_the_fast_path_without_a_warning(caplog, monkeypatch):
    monkeypatch.setattr(_engine, "_logged", set())
    with tf.Graph().as_default() as graph:
        inputs = [tf.zeros([BATCH, EMB]) for _ in range(3)]
        decoders.rnn_decoder(inputs, tf.zeros([BATCH, UNITS]), make_cell("gru"))
        assert call_ops(graph)
    assert fastpath.report(graph) == [fastpath.Decision("rnn_decoder", True, "")]
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


def _numpy_log_softmax(x):
    shifted = x - x.max(1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(1, keepdims=True))


def _numpy_smoothed(x, t):
    log_p = _numpy_log_softmax(x)
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


def _traced_run(sess, fetches, feed=None):
    """Results of one FULL_TRACE run, and the timeline label of every node it executed."""
    metadata = v1.RunMetadata()
    results = sess.run(fetches, feed, options=v1.RunOptions(trace_level=v1.RunOptions.FULL_TRACE),
                       run_metadata=metadata)
    return results, [node.timeline_label for device in metadata.step_stats.dev_stats
                     for node in device.node_stats]


def _executed_calls(sess, fetches, feed):
    """Results of one traced run, and the function calls the runtime did not inline."""
    results, labels = _traced_run(sess, fetches, feed)
    return results, [label for label in labels if "PartitionedCall(" in label]


def test_traced_loss_reading_a_variable_is_inlined_by_the_session():
    """A loss body with a stateful op (ResourceGather of a variable) still runs inlined.

    Grappler keeps such a call whole unless the call has an outgoing control
    edge; then every step ran as a separate function, with about 40% more
    kernels per step in the translate model (benchmarks/engine_profile.py).
    """
    bias_values = np.linspace(-1, 1, VOCAB, dtype=np.float32).reshape(VOCAB, 1)

    def loss_fn(labels, logits):
        # embedding_lookup of a resource variable is a ResourceGather.
        bias = tf.squeeze(tf.nn.embedding_lookup(target_bias, labels), 1)
        return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels,
                                                              logits=logits) + bias

    results, uninlined = {}, {}
    for traced in (False, True):
        with tf.Graph().as_default() as graph, fastpath.stepwise(not traced):
            (logits, targets, weights), feed, values = _loss_inputs(31)
            target_bias = v1.get_variable("target_bias", initializer=bias_values)
            loss = losses.sequence_loss_by_example(logits, targets, weights,
                                                   softmax_loss_function=loss_fn)
            assert len(call_ops(graph)) == (4 if traced else 0)
            grads = tf.gradients(tf.reduce_sum(loss), logits + [target_bias])
            grads[-1] = tf.convert_to_tensor(grads[-1])
            with v1.Session() as sess:
                sess.run(v1.global_variables_initializer())
                results[traced], uninlined[traced] = _executed_calls(sess, [loss] + grads, feed)
    assert uninlined == {False: [], True: []}
    for a, b in zip(results[True], results[False]):
        np.testing.assert_allclose(a, b, atol=ATOL, rtol=ATOL)
    x, t, w = values
    per_step = [wi * (_numpy_xent(xi, ti) + bias_values[ti, 0]) for xi, ti, wi in zip(x, t, w)]
    np.testing.assert_allclose(results[True][0], sum(per_step) / (sum(w) + 1e-12), atol=ATOL)
    # d/d(target_bias) of the weighted average: each row adds its weight share.
    expected = np.zeros(VOCAB, np.float32)
    for ti, wi in zip(t, w):
        np.add.at(expected, ti, wi / (sum(w) + 1e-12))
    np.testing.assert_allclose(results[True][-1][:, 0], expected, atol=ATOL)


def _numpy_xent(x, t):
    return -_numpy_log_softmax(x)[np.arange(len(t)), t]


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


# --- The seam: cells describe themselves; the engine reads nothing else. ---


def test_engine_reads_no_private_attribute_of_other_objects():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(_engine))
    private = {(ast.unparse(node.value), node.attr) for node in ast.walk(tree)
               if isinstance(node, ast.Attribute) and node.attr.startswith("_")
               and not node.attr.startswith("__")}
    own = {name for name, _ in private if name in ("self", "cls", "_Stack")}
    foreign = {pair for pair in private if pair[0] not in own}
    assert foreign == {("cell", "_engine_spec"), ("rnn_cell", "_EngineSpec")}


def _built(cell, depth=UNITS):
    with v1.variable_scope("spec"):
        inputs = tf.zeros([BATCH, depth])
        state = cell.zero_state(BATCH, tf.float32)
        cell(inputs, state)
    return cell


@pytest.mark.parametrize("kind, expected_weights", [
    ("gru", ["candidate/bias", "candidate/kernel", "gates/bias", "gates/kernel"]),
    ("lstm", ["bias", "kernel"]),
])
def test_layer_cells_hand_the_engine_their_own_variables(kind, expected_weights):
    with tf.Graph().as_default():
        cell = make_cell(kind)
        assert _engine.spec(cell).weights == {}
        _built(cell)
        described = _engine.spec(cell)
        assert described.kind == {"gru": "gru", "lstm": "basic_lstm"}[kind]
        assert described.options["units"] == UNITS
        names = sorted(v.op.name.split("/", 2)[2] for v in described.weights.values())
        assert names == expected_weights
        assert set(id(v) for v in described.weights.values()) == \
            set(id(v) for v in cell.trainable_variables)


def test_wrappers_name_the_cells_they_hold():
    with tf.Graph().as_default():
        gru = rnn_cell.GRUCell(UNITS)
        multi = rnn_cell.MultiRNNCell([gru, gru])
        dropout = rnn_cell.DropoutWrapper(multi, output_keep_prob=0.5)
        projection = rnn_cell.OutputProjectionWrapper(dropout, 3)
        assert _engine.spec(multi).cells == (gru, gru)
        assert _engine.spec(dropout).cells == (multi,)
        assert _engine.spec(dropout).options["output_keep_prob"] == 0.5
        assert _engine.spec(projection).weights == {}
        _built(projection)
        weights = _engine.spec(projection).weights
        assert sorted(v.op.name for v in weights.values()) == [
            "spec/output_projection_wrapper/bias", "spec/output_projection_wrapper/kernel"]


def test_a_subclass_of_a_known_cell_keeps_the_step_by_step_path():
    class PlainSubclass(rnn_cell.GRUCell):
        pass

    with tf.Graph().as_default():
        inputs = [tf.constant(np.ones([BATCH, 4], np.float32)) for _ in range(3)]
        rnn.static_rnn(PlainSubclass(UNITS), inputs, dtype=tf.float32)
        assert _engine.spec(PlainSubclass(UNITS)) is None
        assert fastpath.report() == [fastpath.Decision(
            "static_rnn", False,
            "cell type PlainSubclass (fast steps exist for GRUCell, BasicLSTMCell and LSTMCell)")]


def test_argmax_loop_function_describes_itself_and_feeds_the_argmax_embedding():
    with tf.Graph().as_default():
        embedding = tf.constant(np.arange(12, dtype=np.float32).reshape(4, 3))
        projection = (tf.constant(np.eye(2, 4, dtype=np.float32)), tf.zeros([4]))
        loop_function = decoders.extract_argmax_and_embed(embedding, projection, False)
        assert _engine.argmax_feedback(loop_function) == (embedding, projection, False)
        assert _engine.argmax_feedback(lambda prev, i: prev) is None
        prev = tf.constant([[0.0, 1.0], [2.0, -1.0]])
        with v1.Session() as sess:
            fed = sess.run(loop_function(prev, 3))
        np.testing.assert_array_equal(fed, [[3.0, 4.0, 5.0], [0.0, 1.0, 2.0]])


# ---------------------------------------------------------------------------
# LSTMCell: peepholes, cell clipping, projection (and its clipping), shards.
# ---------------------------------------------------------------------------

PROJ = 4  # num_proj; also the embedding size of the repeated-cell cases below


# (peepholes, cell_clip, num_proj, proj_clip, state_is_tuple, layers, path, shards); layers
# "repeated" is one cell object used twice in a MultiRNNCell; path "teacher" and "argmax" are
# embedding_attention_seq2seq (encoder static_rnn, attention decoder fed the targets or its
# argmax). The clips are small enough to bite. tests/baseline_models.py adds two LSTMCell
# attention models (separate layers with a tuple state, teacher forced; a repeated cell with a
# concatenated state, argmax fed).
LSTM_CELL_CASES = [
    (True, 0.2, PROJ, 0.06, False, "one", "teacher", False),
    (True, 0.2, PROJ, None, True, "repeated", "argmax", False),
    (False, None, None, None, False, "two", "static_rnn", True),
    (False, 0.2, PROJ, 0.06, True, "repeated", "static_rnn", True),
    (True, None, None, None, True, "two", "static_rnn", False),
    (False, None, PROJ, None, False, "one", "static_rnn", False),
]


def lstm_model(case):
    """Builds one LSTMCell case; returns the fetches (loss, outputs, state parts)."""
    peepholes, cell_clip, num_proj, proj_clip, state_is_tuple, layers, path, shards = case

    def new_cell():
        return rnn_cell.LSTMCell(
            UNITS, use_peepholes=peepholes, cell_clip=cell_clip, num_proj=num_proj,
            proj_clip=proj_clip, state_is_tuple=state_is_tuple, forget_bias=0.7,
            initializer=v1.random_uniform_initializer(-0.3, 0.3) if shards else None,
            num_unit_shards=2 if shards else None,
            num_proj_shards=2 if shards and num_proj else None)

    cell = new_cell()
    if layers == "repeated":
        cell = rnn_cell.MultiRNNCell([cell] * 2)
    elif layers == "two":
        cell = rnn_cell.MultiRNNCell([new_cell(), new_cell()])
    # A repeated cell reads its own outputs: the inputs need the output's depth.
    depth = (num_proj or UNITS) if layers == "repeated" else EMB
    rng = np.random.RandomState(47)
    if path == "static_rnn":
        inputs = [tf.constant(rng.uniform(-1, 1, (BATCH, depth)), tf.float32)
                  for _ in range(4)]
        outputs, state = rnn.static_rnn(cell, inputs, dtype=tf.float32)
        loss = tf.reduce_sum(tf.square(tf.stack(outputs) - 0.1))
    else:
        enc, _ = ids(rng, 3)
        dec, _ = ids(rng, 3)
        outputs, state = legacy_seq2seq.embedding_attention_seq2seq(
            enc, dec, cell, VOCAB, VOCAB, depth, feed_previous=path == "argmax")
        loss = losses.sequence_loss(outputs, dec[1:] + [dec[0]], [tf.ones([BATCH])] * 3)
    parts = []
    for layer_state in (state if layers != "one" else (state,)):
        parts += list(layer_state) if state_is_tuple else \
            [layer_state[:, :UNITS], layer_state[:, UNITS:]]
    return [loss, tf.stack(outputs)] + parts


def clipped_share(values, bound):
    return float(np.mean(np.isclose(np.abs(values), bound, rtol=0, atol=1e-7)))


@pytest.mark.parametrize("case", LSTM_CELL_CASES, ids=lambda case: "-".join(map(str, case)))
def test_lstm_cell_takes_the_fast_paths_with_the_step_by_step_numbers(case):
    peepholes, cell_clip, num_proj, proj_clip, state_is_tuple, layers, path, shards = case
    results, graphs = run_twice(lambda: lstm_model(case), lambda graph: {})
    assert_same_numbers(results)
    functions = ["static_rnn"] if path == "static_rnn" else ["static_rnn", "attention_decoder"]
    assert fastpath.report(graphs[0]) == [fastpath.Decision(f, True, "") for f in functions]
    assert call_ops(graphs[0]) and not call_ops(graphs[1])
    names = [name for name, _ in results[0][0]]
    assert any(name.endswith("lstm_cell/w_f_diag") for name in names) == peepholes
    assert any(name.endswith("lstm_cell/projection/kernel") for name in names) == \
        (num_proj is not None and not shards)
    assert any(name.endswith("lstm_cell/kernel/part_1") for name in names) == shards
    # The clips bit: some of the final c and m (the projection) sit at their bounds.
    num_parts = 2 if layers == "one" else 4
    state = results[0][1][2:2 + num_parts]
    if proj_clip is not None:
        assert max(clipped_share(m, proj_clip) for m in state[1::2]) > 0.05
    if cell_clip is not None:
        assert max(clipped_share(c, cell_clip) for c in state[0::2]) > 0.05


@pytest.mark.parametrize("change, reason", [
    ({"activation": tf.nn.relu}, "cell type LSTMCell with an activation other than tanh"),
    ({"cell_clip": "tensor"}, "an LSTMCell whose cell_clip is not a Python number"),
])
def test_lstm_cell_that_the_fast_path_cannot_run_says_why(change, reason):
    with tf.Graph().as_default() as graph:
        if change.get("cell_clip") == "tensor":
            change = {"cell_clip": v1.placeholder_with_default(1.0, [])}
        cell = rnn_cell.LSTMCell(UNITS, **change)
        inputs = [tf.ones([BATCH, EMB]) for _ in range(3)]
        outputs, _ = rnn.static_rnn(cell, inputs, dtype=tf.float32)
        assert len(outputs) == 3 and not call_ops(graph)
    assert fastpath.report(graph) == [fastpath.Decision("static_rnn", False, reason)]


def test_lstm_cell_peephole_and_projection_gradients_are_one_product_for_all_steps():
    # Step by step (or without the taps) each peephole's and the projection
    # kernel's gradient is a sum of one term per step; deferred, each is one
    # product (or reduction) over all steps.
    num_steps = 9
    with tf.Graph().as_default():
        rng = np.random.RandomState(5)
        enc, _ = ids(rng, num_steps)
        dec, _ = ids(rng, num_steps)
        cell = rnn_cell.LSTMCell(UNITS, use_peepholes=True, cell_clip=0.2, num_proj=PROJ,
                                 proj_clip=0.06)
        outputs, _ = legacy_seq2seq.embedding_attention_seq2seq(
            enc, dec, cell, VOCAB, VOCAB, EMB)
        first_gradient_op = len(v1.get_default_graph().get_operations())
        grads = tf.gradients(tf.reduce_sum(tf.stack(outputs)), v1.trainable_variables())
        assert all(g is not None for g in grads)
        gradient_ops = v1.get_default_graph().get_operations()[first_gradient_op:]
    # Peepholes are [UNITS], the projection kernel [UNITS, PROJ].
    sums = [len(op.inputs) for op in gradient_ops if op.type == "AddN" and
            op.outputs[0].get_shape().as_list() in ([UNITS], [UNITS, PROJ])]
    assert sums, "no peephole or projection gradient is a sum"
    assert max(sums) <= 3, sums


# ---------------------------------------------------------------------------
# sequence_length in static_rnn / static_bidirectional_rnn, and rnn_decoder.
# Each configuration is built fast and step by step; the inputs are variables
# (or fed through ones) so that their gradients are compared too.

SEQ_STEPS = 3


def seq_cell(kind, layers):
    """GRU or BasicLSTM cells: one, a MultiRNNCell of `layers`, or one object repeated."""
    def one():
        return rnn_cell.GRUCell(UNITS) if kind == "gru" else \
            rnn_cell.BasicLSTMCell(UNITS, forget_bias=0.5)

    if layers == "repeated":
        return rnn_cell.MultiRNNCell([one()] * 2)
    if layers == 1:
        return one()
    return rnn_cell.MultiRNNCell([one() for _ in range(layers)])


def step_inputs(static_batch, depth=UNITS):
    """`SEQ_STEPS` [BATCH, depth] steps read from one variable (so they have gradients).

    With an unknown batch the steps pass through a [None, depth] placeholder_with_default.
    """
    values = v1.get_variable("step_inputs", [SEQ_STEPS, BATCH, depth])
    steps = tf.unstack(values, num=SEQ_STEPS)
    if not static_batch:
        steps = [v1.placeholder_with_default(s, [None, depth]) for s in steps]
    return steps


@pytest.mark.parametrize("kind, layers, lengths, static_batch", [
    ("gru", "repeated", [0, SEQ_STEPS, 1], True),
    ("lstm", 2, [2, 1, SEQ_STEPS], False),
])
def test_static_rnn_with_sequence_length_matches_step_by_step(kind, layers, lengths,
                                                              static_batch):
    def build():
        steps = step_inputs(static_batch)
        outputs, state = rnn.static_rnn(seq_cell(kind, layers), steps, dtype=tf.float32,
                                        sequence_length=tf.constant(lengths))
        assert [o.get_shape().as_list() for o in outputs] == \
            [[BATCH if static_batch else None, UNITS]] * SEQ_STEPS
        # One sum of outputs and states: its gradients reach every variable.
        loss = tf.add_n([tf.reduce_sum(tf.stack(outputs) * 1.5)] +
                        [tf.reduce_sum(s * s) for s in flat(state)])
        return [loss, tf.stack(outputs)] + flat(state)

    results, graphs = run_twice(build, lambda graph: {})
    assert_same_numbers(results)
    assert call_ops(graphs[0]) and not call_ops(graphs[1])
    assert fastpath.report(graphs[0]) == [fastpath.Decision("static_rnn", True, "")]
    # Finished rows: zeros (checked here against the lengths, not only the other graph).
    outputs = results[0][1][1]
    for row, length in enumerate(lengths):
        assert not np.any(outputs[length:, row])


@pytest.mark.parametrize("kind, layers, static_batch", [("lstm", 1, False)])
def test_static_bidirectional_rnn_with_sequence_length_matches_step_by_step(kind, layers,
                                                                            static_batch):
    def build():
        steps = step_inputs(static_batch)
        lengths = v1.placeholder_with_default(tf.constant([SEQ_STEPS, 0, 3]), [None])
        outputs, state_fw, state_bw = rnn.static_bidirectional_rnn(
            seq_cell(kind, layers), seq_cell(kind, layers), steps, dtype=tf.float32,
            sequence_length=lengths)
        loss = tf.add_n([tf.reduce_sum(tf.stack(outputs) * 0.5)] +
                        [tf.reduce_sum(s * s) for s in flat((state_fw, state_bw))])
        return [loss, tf.stack(outputs)] + flat((state_fw, state_bw))

    results, graphs = run_twice(build, lambda graph: {})
    assert_same_numbers(results)
    # Both directions, the backward one over inputs reversed per row, took the fast path.
    assert fastpath.report(graphs[0]) == [fastpath.Decision("static_rnn", True, "")]
    names = [op.name for op in call_ops(graphs[0])]
    assert [n for n in names if "/fw/" in n] and [n for n in names if "/bw/" in n], names
    assert not call_ops(graphs[1])


def test_static_rnn_with_sequence_length_feeds_unknown_lengths():
    """Lengths of unknown shape, fed at run time: the same graph serves several batches."""
    with tf.Graph().as_default() as graph:
        steps = [v1.placeholder(tf.float32, [None, EMB], name=f"x{t}") for t in range(3)]
        lengths = v1.placeholder(tf.int64, None, name="lengths")
        outputs, state = rnn.static_rnn(make_cell("gru"), steps, dtype=tf.float32,
                                        sequence_length=lengths)
        assert call_ops(graph)
        rng = np.random.RandomState(53)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            for batch, given in ((2, [3, 1]), (4, [0, 2, 3, 1])):
                xs = rng.uniform(-1, 1, (3, batch, EMB)).astype(np.float32)
                feed = {lengths: given, **dict(zip(steps, xs))}
                out, final = sess.run([tf.stack(outputs), state], feed)
                # A finished row's final state is its output at its last step.
                for row, length in enumerate(given):
                    assert not np.any(out[length:, row])
                    expected = out[length - 1, row] if length else np.zeros(UNITS)
                    np.testing.assert_allclose(final[row], expected, atol=ATOL)


SEQ2SEQ_MODELS = ["basic", "tied", "embedding", "embedding_tied", "one2many"]


def build_rnn_seq2seq(model, kind, layers, feed_previous, static_batch):
    """One of the five rnn_decoder models; returns ``(outputs, state)`` (a list of outputs)."""
    cell = seq_cell(kind, layers)
    if model in ("basic", "tied"):
        enc, dec = step_inputs(static_batch)[:2], step_inputs_again(static_batch)
        if model == "basic":
            return legacy_seq2seq.basic_rnn_seq2seq(enc, dec, cell)
        loop = (lambda prev, _: tf.tanh(prev)) if feed_previous == "user" else None
        return legacy_seq2seq.tied_rnn_seq2seq(enc, dec, cell, loop_function=loop)
    rng = np.random.RandomState(59)
    enc, _ = ids(rng, 2)
    dec, _ = ids(rng, 3)
    if not static_batch:
        enc = [v1.placeholder_with_default(x, [None]) for x in enc]
        dec = [v1.placeholder_with_default(x, [None]) for x in dec]
    if feed_previous == "tensor":
        feed_previous = v1.placeholder_with_default(True, [])
    # A cell object repeated in a MultiRNNCell takes inputs of its own size.
    emb = UNITS if layers == "repeated" else EMB
    if model == "embedding":
        projection = (v1.get_variable("proj_w", [UNITS, VOCAB]),
                      v1.get_variable("proj_b", [VOCAB]))
        return legacy_seq2seq.embedding_rnn_seq2seq(
            enc, dec, cell, VOCAB, VOCAB, emb, output_projection=projection,
            feed_previous=feed_previous)
    if model == "embedding_tied":
        return legacy_seq2seq.embedding_tied_rnn_seq2seq(
            enc, dec, cell, VOCAB, UNITS, feed_previous=feed_previous)
    outputs, states = legacy_seq2seq.one2many_rnn_seq2seq(
        enc, {"a": dec, "b": [d % 7 for d in dec[:2]]}, seq_cell(kind, layers),
        {"a": cell, "b": seq_cell(kind, layers)}, VOCAB, {"a": VOCAB, "b": 7}, emb,
        feed_previous=feed_previous)
    return outputs["a"] + outputs["b"], (states["a"], states["b"])


def step_inputs_again(static_batch):
    """Decoder steps for the float-input models: another variable, 3 steps."""
    values = v1.get_variable("decoder_inputs", [3, BATCH, UNITS])
    steps = tf.unstack(values, num=3)
    if not static_batch:
        steps = [v1.placeholder_with_default(s, [None, UNITS]) for s in steps]
    return steps


@pytest.mark.parametrize("model, kind, layers, feed_previous, static_batch", [
    ("basic", "gru", 2, False, True),
    ("tied", "lstm", "repeated", False, True),
    ("embedding", "lstm", 2, True, True),
    ("embedding", "gru", 1, "tensor", False),
    ("embedding_tied", "lstm", 1, True, True),
    ("one2many", "gru", 1, True, False),
])
def test_rnn_decoder_models_match_step_by_step(model, kind, layers, feed_previous,
                                                static_batch):
    def build():
        outputs, state = build_rnn_seq2seq(model, kind, layers, feed_previous, static_batch)
        loss = tf.add_n([tf.reduce_sum(o * (1.0 + 0.1 * t)) for t, o in enumerate(outputs)] +
                        [tf.reduce_sum(s * s) for s in flat(state)])
        return [loss] + list(outputs) + flat(state)

    results, graphs = run_twice(build, lambda graph: {})
    assert_same_numbers(results)
    assert fastpath.used(graphs[0]), fastpath.report(graphs[0])
    assert "rnn_decoder" in [d.function for d in fastpath.report(graphs[0])]
    assert not call_ops(graphs[1])
    assert fastpath.report(graphs[1]) == [
        fastpath.Decision(d.function, False, fastpath.STEPWISE_REASON)
        for d in fastpath.report(graphs[0])]


def test_rnn_decoder_with_a_user_loop_function_keeps_the_step_by_step_path(caplog,
                                                                          monkeypatch):
    monkeypatch.setattr(_engine, "_logged", set())

    def build():
        return list(build_rnn_seq2seq("tied", "gru", 1, "user", True)[0])

    results, graphs = run_twice(build, lambda graph: {})
    assert_same_numbers(results)
    assert fastpath.report(graphs[0]) == [
        fastpath.Decision("static_rnn", True, ""),
        fastpath.Decision("rnn_decoder", False, STEPWISE_CASES["user_loop_function"][1])]
    logged = fastpath_log(caplog)
    assert len(logged) == 1 and "rnn_decoder takes the step-by-step path" in logged[0], logged


def test_rnn_decoder_of_one_or_no_step_records_nothing():
    with tf.Graph().as_default() as graph:
        cell = make_cell("gru")
        initial = tf.zeros([BATCH, UNITS])
        outputs, state = decoders.rnn_decoder([], initial, cell)
        assert outputs == [] and state is initial
        outputs, _ = decoders.rnn_decoder([tf.ones([BATCH, EMB])], initial, cell)
        assert len(outputs) == 1
    assert fastpath.report(graph) == []


# ---------------------------------------------------------------------------
# DropoutWrapper on the fast paths: keep probabilities fed 1.0 give the step-by-step
# numbers; keep probabilities below 1 draw fresh masks of the same distribution.

ALL_SITES = ("input", "state", "output")


def dropping_cell(cell_kind, layers, wrap, sites, keep):
    """GRU / BasicLSTM layers with a DropoutWrapper around each layer or around the stack."""
    probs = {f"{site}_keep_prob": keep for site in sites}
    def layer():
        if cell_kind == "gru":
            return rnn_cell.GRUCell(UNITS)
        if cell_kind == "lstmcell_proj_concat":
            # Its concatenated state has parts of two widths (c: UNITS, m: PROJ).
            return rnn_cell.LSTMCell(UNITS, num_proj=PROJ, state_is_tuple=False)
        return rnn_cell.BasicLSTMCell(UNITS, forget_bias=0.5)

    cells = [layer() for _ in range(layers)]
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
        model = legacy_seq2seq.embedding_attention_seq2seq if function == "attention" else \
            legacy_seq2seq.embedding_rnn_seq2seq
        outputs, state = model(enc, dec, cell, VOCAB, VOCAB, EMB, feed_previous=feed_previous)
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
    ("static_rnn", "lstmcell_proj_concat", 1, "layer", ("state",), "holder1"),
    ("rnn_seq2seq", "gru", 1, "layer", ALL_SITES, "holder1"),
])
def test_dropout_kept_at_one_takes_the_fast_paths_with_the_step_by_step_numbers(
        function, cell_kind, layers, wrap, sites, keep_kind):
    # The LSTM decoders and rnn_decoder feed their argmax back (the decoder step's other
    # branch).
    feed_previous = cell_kind == "lstm" or function == "rnn_seq2seq"
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


@pytest.mark.parametrize("joined", [False, True])
def test_stack_step_applies_given_masks_like_numpy(joined):
    """The attention decoder's step with fixed masks: 2 GRU layers, wrappers at both levels.

    `joined` is the argmax-fed decoders' form of the step (whole kernels on ``[x, h]``).
    """
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
        stack = _engine._Stack.from_cell(cell, joined=joined)
        assert [len(d.state) for d in stack.drops] == [2, 2]
        assert [layer.joined for layer in stack.layers] == [joined, joined]
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


def _lstm_numpy(x, c, h, kernel, bias, forget_bias):
    sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    i, j, f, o = np.split(np.concatenate([x, h], 1) @ kernel + bias, 4, axis=1)
    new_c = c * sigmoid(f + forget_bias) + sigmoid(i) * np.tanh(j)
    return new_c, np.tanh(new_c) * sigmoid(o)


def test_joined_lstm_step_equals_numpy():
    """BasicLSTMCell's joined step (argmax-fed decoders) against the cell's equations."""
    rng = np.random.RandomState(59)
    x = rng.uniform(-1, 1, (BATCH, EMB)).astype(np.float32)
    c, h = (rng.uniform(-1, 1, (BATCH, UNITS)).astype(np.float32) for _ in range(2))
    with tf.Graph().as_default():
        cell = rnn_cell.BasicLSTMCell(UNITS, forget_bias=0.5)
        cell(tf.constant(x), rnn_cell.LSTMStateTuple(tf.constant(c), tf.constant(h)))
        (layer,) = _engine._Stack.from_cell(cell, joined=True).layers
        assert layer.tensors() == [layer.kernel, layer.bias]
        top, parts = layer.joined_step(tf.constant(x), (tf.constant(c), tf.constant(h)))
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            set_weights(sess)
            top, parts, kernel, bias = sess.run([top, parts, layer.kernel, layer.bias])
    want_c, want_h = _lstm_numpy(x, c, h, kernel, bias, 0.5)
    np.testing.assert_allclose(top, want_h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(parts[0], want_c, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(parts[1], want_h, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cell_kind", ["multi_gru", "multi_lstm"])
def test_argmax_fed_attention_steps_multiply_whole_kernels(cell_kind):
    # Fed its own argmax, the decoder knows no input before the loop, so the
    # traced step multiplies every kernel whole on the concatenated inputs,
    # as the cell does: one product per kernel, none on a block of its rows.
    with tf.Graph().as_default() as graph:
        rng = np.random.RandomState(61)
        enc, _ = ids(rng, 4)
        dec, _ = ids(rng, 5)
        legacy_seq2seq.embedding_attention_seq2seq(
            enc, dec, make_cell(cell_kind), VOCAB, VOCAB, EMB, feed_previous=True)
        kernels = [v.get_shape().as_list() for v in v1.trainable_variables()
                   if "/attention_decoder/" in v.op.name and v.op.name.endswith("kernel")]
        (step,) = [function for (key, _), (function, _) in _engine._traces[graph].items()
                   if key[0] == "attention"]
        products = [op.inputs[1].get_shape().as_list()
                    for op in step.graph.get_operations() if op.type == "MatMul"]
    # Two layers' kernels (GRU: gates and candidate each), the merge, the
    # query, the attention's output projection and the OutputProjectionWrapper's
    # (the argmax is taken of its VOCAB columns); besides them only the
    # scores' product with the attention vector v, as one [UNITS, 1] column.
    per_layer = 2 if cell_kind == "multi_gru" else 1
    assert len(kernels) == 2 * per_layer + 4
    assert sorted(products) == sorted(kernels + [[UNITS, 1]]), (products, kernels)


def _executed_products(sess, fetches):
    """How many matrix products (MatMul, fused or not) one traced run executes."""
    _, labels = _traced_run(sess, fetches)
    return sum(1 for label in labels if "MatMul(" in label)


@pytest.mark.parametrize("function", ["embedding_attention_seq2seq", "embedding_rnn_seq2seq"])
@pytest.mark.parametrize("weights_kind, shared", [
    ("transposed", True),   # the TF 1.x translate tutorial: w = tf.transpose(w_t)
    ("ref", True),          # a reference variable (disable_v2_behavior()): one snapshot
    ("resource", False),    # every use of a resource variable reads it anew
])
def test_argmax_feedback_projection_is_the_users_own_logits_product(function, weights_kind,
                                                                     shared):
    # The feedback projects each output outside the traced steps, on the very
    # tensor returned to the user, so the user's `tf.matmul(output, w)` of the
    # same `w` Tensor is one product the runtime computes once, as it is in
    # the step-by-step graph.
    steps = 5
    with tf.Graph().as_default() as graph:
        rng = np.random.RandomState(67)
        enc, _ = ids(rng, 4)
        dec, _ = ids(rng, steps)
        use_resource = weights_kind == "resource"
        if weights_kind == "transposed":
            w = tf.transpose(v1.get_variable("proj_w_t", [VOCAB, UNITS]))
        else:
            w = v1.get_variable("proj_w", [UNITS, VOCAB], use_resource=use_resource)
        b = v1.get_variable("proj_b", [VOCAB], use_resource=use_resource)
        outputs, _ = getattr(legacy_seq2seq, function)(
            enc, dec, make_cell("multi_gru"), VOCAB, VOCAB, EMB,
            output_projection=(w, b), feed_previous=True)
        assert fastpath.used(graph)
        # Each output but the last is projected by the feedback, outside the steps.
        for output in outputs[:-1]:
            assert [op.inputs[1].get_shape().as_list() for op in output.consumers()
                    if op.type == "MatMul"] == [[UNITS, VOCAB]], output
        logits = [tf.matmul(output, w) + b for output in outputs]
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            alone = _executed_products(sess, outputs)
            with_logits = _executed_products(sess, logits)
    # Only the last output's product is new when the user's products of the
    # fed-back outputs are shared with the feedback's.
    assert with_logits - alone == (1 if shared else steps)


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
