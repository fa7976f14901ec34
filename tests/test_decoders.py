"""Tests of legacy_seq2seq_compat.decoders.

Three kinds of checks:

* the cases of TF 1.15's own seq2seq test suite (output and state shapes,
  variable names and shapes) plus the golden numbers of the reference under
  the constant-0.5 initializer;
* the numbers of every decoder against a small numpy model of the same
  equations, with random weights read back from the variables by name;
* loop functions / feed_previous, gradients, dynamic attention length and the
  errors raised at the public boundary.

The numpy model at the top of this file is also used by tests/test_models.py.
"""

import numpy as np
import pytest
import tensorflow as tf

from legacy_seq2seq_compat import decoders, rnn_cell

v1 = tf.compat.v1

ATOL = 1e-5

# ---------------------------------------------------------------------------
# numpy reference model
#
# A cell is described by a small "spec" tuple so the same description builds
# our TF cell and the numpy step function:
#   ("gru", H), ("lstm", H) (tuple state), ("lstm_flat", H) (concatenated
#   state), ("multi", (spec, spec, ...)), ("opw", spec, output_size).
# ---------------------------------------------------------------------------


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def np_linear(w, scope, args):
    """concat(args) @ w[scope + 'kernel'] + w[scope + 'bias']."""
    return np.concatenate(args, axis=1) @ w[scope + "kernel"] + w[scope + "bias"]


def flatten_state(state):
    """The leaves of a nested tuple state, in order (c before h for an LSTM)."""
    if isinstance(state, tuple):
        return [leaf for part in state for leaf in flatten_state(part)]
    return [state]


def make_cell(spec):
    """Our TF cell for `spec`."""
    kind = spec[0]
    if kind == "gru":
        return rnn_cell.GRUCell(spec[1])
    if kind == "lstm":
        return rnn_cell.BasicLSTMCell(spec[1], state_is_tuple=True)
    if kind == "lstm_flat":
        return rnn_cell.BasicLSTMCell(spec[1], state_is_tuple=False)
    if kind == "multi":
        return rnn_cell.MultiRNNCell([make_cell(child) for child in spec[1]])
    if kind == "opw":
        return rnn_cell.OutputProjectionWrapper(make_cell(spec[1]), spec[2])
    raise ValueError(spec)


def np_zero_state(spec, batch):
    kind = spec[0]
    if kind == "gru":
        return np.zeros((batch, spec[1]))
    if kind == "lstm":
        return (np.zeros((batch, spec[1])), np.zeros((batch, spec[1])))
    if kind == "lstm_flat":
        return np.zeros((batch, 2 * spec[1]))
    if kind == "multi":
        return tuple(np_zero_state(child, batch) for child in spec[1])
    if kind == "opw":
        return np_zero_state(spec[1], batch)
    raise ValueError(spec)


def np_random_state(spec, batch, rng):
    """A random state with the structure of `spec`'s zero state."""
    zeros = np_zero_state(spec, batch)

    def fill(part):
        if isinstance(part, tuple):
            return tuple(fill(p) for p in part)
        return rng.uniform(-1.0, 1.0, part.shape)

    return fill(zeros)


def np_cell(spec, w, scope):
    """A numpy step ``(x, state) -> (output, new_state)`` using weights under `scope`."""
    kind = spec[0]
    if kind == "gru":
        p = scope + "gru_cell/"
        units = spec[1]

        def gru(x, h):
            gates = sigmoid(np_linear(w, p + "gates/", [x, h]))
            r, u = gates[:, :units], gates[:, units:]
            c = np.tanh(np_linear(w, p + "candidate/", [x, r * h]))
            new_h = u * h + (1 - u) * c
            return new_h, new_h

        return gru
    if kind in ("lstm", "lstm_flat"):
        p = scope + "basic_lstm_cell/"
        units = spec[1]

        def lstm(x, state):
            if kind == "lstm":
                c, h = state
            else:
                c, h = state[:, :units], state[:, units:]
            z = np_linear(w, p, [x, h])
            i, j, f, o = (z[:, k * units:(k + 1) * units] for k in range(4))
            new_c = c * sigmoid(f + 1.0) + sigmoid(i) * np.tanh(j)
            new_h = np.tanh(new_c) * sigmoid(o)
            if kind == "lstm":
                return new_h, (new_c, new_h)
            return new_h, np.concatenate([new_c, new_h], axis=1)

        return lstm
    if kind == "multi":
        steps = [np_cell(child, w, f"{scope}multi_rnn_cell/cell_{k}/")
                 for k, child in enumerate(spec[1])]

        def multi(x, state):
            new_states = []
            for step, sub_state in zip(steps, state):
                x, new_sub = step(x, sub_state)
                new_states.append(new_sub)
            return x, tuple(new_states)

        return multi
    if kind == "opw":
        p = scope + "output_projection_wrapper/"
        inner = np_cell(spec[1], w, p)

        def opw(x, state):
            out, new_state = inner(x, state)
            return np_linear(w, p, [out]), new_state

        return opw
    raise ValueError(spec)


def np_static_rnn(step, inputs, state):
    """Runs `step` over `inputs`; returns (outputs, final state)."""
    outputs = []
    for x in inputs:
        out, state = step(x, state)
        outputs.append(out)
    return outputs, state


def np_argmax_embed(embedding, projection=None):
    """The numpy twin of extract_argmax_and_embed."""

    def loop(prev):
        if projection is not None:
            prev = prev @ projection[0] + projection[1]
        return embedding[np.argmax(prev, axis=1)]

    return loop


def np_rnn_decoder(inputs, state, step, loop=None):
    outputs = []
    prev = None
    for i, x in enumerate(inputs):
        if loop is not None and i > 0:
            x = loop(prev)
        out, state = step(x, state)
        outputs.append(out)
        prev = out
    return outputs, state


def np_attention_decoder(w, scope, inputs, state, attention_states, step, num_heads,
                         loop=None, initial_state_attention=False):
    """attention_decoder in numpy; returns (outputs, state, attention weights).

    The attention weights are listed per read (initial read first when
    `initial_state_attention`), each read giving one [B, L] array per head.
    """
    batch, _, attn_size = attention_states.shape
    features = [attention_states @ w[f"{scope}AttnW_{k}"][0, 0] for k in range(num_heads)]
    alignments = []

    def attend(query):
        q = np.concatenate(flatten_state(query), axis=1)
        reads = []
        for k in range(num_heads):
            y = np_linear(w, f"{scope}Attention_{k}/", [q])
            scores = np.sum(w[f"{scope}AttnV_{k}"] * np.tanh(features[k] + y[:, None, :]), axis=2)
            alpha = softmax(scores, axis=1)
            alignments.append(alpha)
            reads.append(np.sum(alpha[:, :, None] * attention_states, axis=1))
        return reads

    if initial_state_attention:
        reads = attend(state)
    else:
        reads = [np.zeros((batch, attn_size)) for _ in range(num_heads)]
    outputs = []
    prev = None
    for i, x in enumerate(inputs):
        if loop is not None and i > 0:
            x = loop(prev)
        merged = np_linear(w, scope, [x] + reads)
        cell_output, state = step(merged, state)
        reads = attend(state)
        output = np_linear(w, scope + "AttnOutputProjection/", [cell_output] + reads)
        outputs.append(output)
        prev = output
    return outputs, state, alignments


# ---------------------------------------------------------------------------
# TF helpers
# ---------------------------------------------------------------------------


def random_scope(name="root"):
    """A variable scope whose initializer draws uniform(-0.5, 0.5).

    The graph-level seed makes every variable's draw distinct and repeatable.
    """
    v1.set_random_seed(1234)
    return v1.variable_scope(name, initializer=v1.random_uniform_initializer(-0.5, 0.5))


def constant_scope(name="root"):
    """TF 1.15's test set-up: every initializer a constant 0.5."""
    return v1.variable_scope(name, initializer=v1.constant_initializer(0.5))


def variable_table(variables=None):
    """[(name without ':0', shape)] in creation order."""
    if variables is None:
        variables = v1.global_variables()
    return [(v.op.name, v.shape.as_list()) for v in variables]


def session():
    """A session for small graphs: no Grappler rewrites, which cost more than they save."""
    config = v1.ConfigProto()
    config.graph_options.rewrite_options.disable_meta_optimizer = True
    return v1.Session(config=config)


def init_and_read(sess, seed=0, check_scope_initializer=True):
    """Initialises all variables, then re-draws every trainable one from numpy.

    First checks that the scope initializer (uniform in [-0.5, 0.5]) reached
    every kernel, embedding and attention variable. Then all trainable
    variables, biases included, get fresh uniform(-0.5, 0.5) values drawn in
    name order: biases start as constants (0 or 1), which would hide a bias
    read in the wrong order, and drawing by name keeps the values independent
    of how many ops the library creates.

    Args:
      sess: The session.
      seed: Seed of the numpy draws.
      check_scope_initializer: Whether to check the first initialisation
        (only for models built under `random_scope`).

    Returns:
      {variable name without ':0': value} for all global variables.
    """
    sess.run(v1.global_variables_initializer())
    trainable = sorted(v1.trainable_variables(), key=lambda v: v.op.name)
    for var, value in zip(trainable, sess.run(trainable)):
        if check_scope_initializer and not var.op.name.endswith("bias"):
            assert np.max(np.abs(value)) <= 0.5 and np.ptp(value) > 0, var.op.name
    rng = np.random.RandomState(seed)
    load_values(sess, {v: rng.uniform(-0.5, 0.5, v.shape.as_list()) for v in trainable})
    return {v.op.name: value for v, value in zip(v1.global_variables(),
                                                 sess.run(v1.global_variables()))}


def load_values(sess, values):
    """Assigns {variable: numpy value} in one session run."""
    if not values:
        return
    feeds = {}
    assigns = []
    for var, value in values.items():
        placeholder = v1.placeholder(var.dtype.base_dtype, var.shape)
        feeds[placeholder] = value
        assigns.append(v1.assign(var, placeholder))
    sess.run(tf.group(*assigns), feeds)


def tf_state_for(spec, state, dtype=tf.float32):
    """Converts a numpy state of `spec` to the TF structure the cell expects."""
    kind = spec[0]
    if kind == "lstm":
        return rnn_cell.LSTMStateTuple(tf.constant(state[0], dtype), tf.constant(state[1], dtype))
    if kind == "multi":
        return tuple(tf_state_for(child, s, dtype) for child, s in zip(spec[1], state))
    if kind == "opw":
        return tf_state_for(spec[1], state, dtype)
    return tf.constant(state, dtype)


def assert_state_close(tf_value, np_value, atol=ATOL):
    tf_leaves = tf.nest.flatten(tf_value)
    np_leaves = flatten_state(np_value)
    assert len(tf_leaves) == len(np_leaves)
    for got, want in zip(tf_leaves, np_leaves):
        np.testing.assert_allclose(got, want, atol=atol, rtol=0)


def assert_outputs_close(tf_outputs, np_outputs, atol=ATOL):
    assert len(tf_outputs) == len(np_outputs)
    for got, want in zip(tf_outputs, np_outputs):
        np.testing.assert_allclose(got, want, atol=atol, rtol=0)


def gru_vars(scope, in_depth, units):
    return [(scope + "gru_cell/gates/kernel", [in_depth + units, 2 * units]),
            (scope + "gru_cell/gates/bias", [2 * units]),
            (scope + "gru_cell/candidate/kernel", [in_depth + units, units]),
            (scope + "gru_cell/candidate/bias", [units])]


def lstm_vars(scope, in_depth, units):
    return [(scope + "basic_lstm_cell/kernel", [in_depth + units, 4 * units]),
            (scope + "basic_lstm_cell/bias", [4 * units])]


def attention_vars(scope, attn_size, in_depth, heads, cell_vars, query, cell_out, out):
    """The attention_decoder variables in TF 1.15's creation order."""
    table = []
    for k in range(heads):
        table += [(f"{scope}AttnW_{k}", [1, 1, attn_size, attn_size]),
                  (f"{scope}AttnV_{k}", [attn_size])]
    table += [(scope + "kernel", [in_depth + heads * attn_size, in_depth]),
              (scope + "bias", [in_depth])]
    table += cell_vars
    for k in range(heads):
        table += [(f"{scope}Attention_{k}/kernel", [query, attn_size]),
                  (f"{scope}Attention_{k}/bias", [attn_size])]
    table += [(scope + "AttnOutputProjection/kernel", [cell_out + heads * attn_size, out]),
              (scope + "AttnOutputProjection/bias", [out])]
    return table


# ---------------------------------------------------------------------------
# TF 1.15's own test cases (shapes and variable names) with the golden
# numbers under the constant-0.5 initializer.
# ---------------------------------------------------------------------------


def _const_inputs(value, steps, shape=(2, 2)):
    return [tf.constant(value, tf.float32, shape=shape)] * steps


def _per_step_constant(values, expected):
    """Each output is a constant array; compares step by step."""
    assert len(values) == len(expected)
    for value, want in zip(values, expected):
        np.testing.assert_allclose(value, np.full(value.shape, want), atol=1e-6, rtol=0)


def test_rnn_decoder_tf_case():
    with tf.Graph().as_default():
        with constant_scope():
            _, enc_state = v1.nn.static_rnn(rnn_cell.GRUCell(2), _const_inputs(0.5, 2),
                                            dtype=tf.float32)
            cell = rnn_cell.OutputProjectionWrapper(rnn_cell.GRUCell(2), 4)
            outputs, state = decoders.rnn_decoder(_const_inputs(0.4, 3), enc_state, cell)
        assert variable_table() == (
            gru_vars("root/rnn/", 2, 2)
            + gru_vars("root/rnn_decoder/output_projection_wrapper/", 2, 2)
            + [("root/rnn_decoder/output_projection_wrapper/kernel", [2, 4]),
               ("root/rnn_decoder/output_projection_wrapper/bias", [4])])
        with session() as sess:
            sess.run(v1.global_variables_initializer())
            enc, outs, st = sess.run([enc_state, outputs, state])
    assert len(outs) == 3
    assert [o.shape for o in outs] == [(2, 4)] * 3
    assert st.shape == (2, 2)
    _per_step_constant([enc], [0.1576567])
    _per_step_constant(outs, [0.2147054, 0.2656959, 0.3114606])
    _per_step_constant([st], [0.3114606])


def test_embedding_rnn_decoder_tf_case():
    with tf.Graph().as_default():
        with constant_scope():
            _, enc_state = v1.nn.static_rnn(rnn_cell.BasicLSTMCell(2), _const_inputs(0.5, 2),
                                            dtype=tf.float32)
            dec_inp = [tf.constant(i, tf.int32, shape=[2]) for i in range(3)]
            outputs, state = decoders.embedding_rnn_decoder(
                dec_inp, enc_state, rnn_cell.BasicLSTMCell(2), num_symbols=4, embedding_size=2)
        assert variable_table() == (
            lstm_vars("root/rnn/", 2, 2)
            + [("root/embedding_rnn_decoder/embedding", [4, 2])]
            + lstm_vars("root/embedding_rnn_decoder/rnn_decoder/", 2, 2))
        assert isinstance(state, rnn_cell.LSTMStateTuple)
        with session() as sess:
            sess.run(v1.global_variables_initializer())
            enc, outs, st = sess.run([enc_state, outputs, state])
    assert [o.shape for o in outs] == [(2, 2)] * 3
    assert st.c.shape == (2, 2) and st.h.shape == (2, 2)
    _per_step_constant([enc.c, enc.h], [0.6316229, 0.3704261])
    _per_step_constant(outs, [0.5487856, 0.6704968, 0.7345062])
    _per_step_constant([st.c, st.h], [1.9769093, 0.7345062])


ATTENTION_TF_CASES = {
    # name: (encoder, cell spec, heads, golden outputs, golden final state leaves)
    "one_head": ("static", ("gru", 2), 1, [0.3368883, 0.3956253, 0.4476385], [0.3255507]),
    "two_heads": ("static", ("gru", 2), 2, [0.4590712, 0.5217678, 0.5768288], [0.3326665]),
    "dynamic_one_head": ("dynamic", ("gru", 2), 1, [0.3368883, 0.3956253, 0.4476385],
                         [0.3255507]),
    "dynamic_two_heads": ("dynamic", ("gru", 2), 2, [0.4590712, 0.5217678, 0.5768288],
                          [0.3326665]),
    "state_is_tuple": ("static", ("multi", (("lstm", 2), ("lstm", 2))), 1,
                       [0.5090434, 0.7292504, 0.8655304],
                       [1.9252471, 0.7325455, 1.7631326, 0.7478347]),
    "state_is_tuple_defaults": ("static_defaults", ("multi", (("lstm", 2), ("lstm", 2))), 1,
                                [0.5090434, 0.7292504, 0.8655304],
                                [1.9252471, 0.7325455, 1.7631326, 0.7478347]),
}


def _default_multi_lstm():
    """MultiRNNCell of 2 BasicLSTMCell(2), every tuple flag left at its default."""
    return rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(2), rnn_cell.BasicLSTMCell(2)])


@pytest.mark.parametrize("case", sorted(ATTENTION_TF_CASES))
def test_attention_decoder_tf_cases(case):
    encoder, spec, heads, golden_outputs, golden_state = ATTENTION_TF_CASES[case]
    with tf.Graph().as_default():
        with constant_scope():
            enc_cell = _default_multi_lstm() if encoder == "static_defaults" else make_cell(spec)
            if encoder == "dynamic":
                inp = tf.constant(0.5, tf.float32, shape=[2, 2, 2])
                attn_states, enc_state = v1.nn.dynamic_rnn(enc_cell, inp, dtype=tf.float32)
            else:
                enc_outputs, enc_state = v1.nn.static_rnn(enc_cell, _const_inputs(0.5, 2),
                                                          dtype=tf.float32)
                attn_states = tf.concat([tf.reshape(e, [-1, 1, 2]) for e in enc_outputs], 1)
            dec_cell = _default_multi_lstm() if encoder == "static_defaults" else make_cell(spec)
            outputs, state = decoders.attention_decoder(
                _const_inputs(0.4, 3), enc_state, attn_states, dec_cell, output_size=4,
                num_heads=heads)
        if spec[0] == "gru":
            enc_vars = gru_vars("root/rnn/", 2, 2)
            cell_vars = gru_vars("root/attention_decoder/", 2, 2)
            query = 2
        else:
            enc_vars = (lstm_vars("root/rnn/multi_rnn_cell/cell_0/", 2, 2)
                        + lstm_vars("root/rnn/multi_rnn_cell/cell_1/", 2, 2))
            cell_vars = (lstm_vars("root/attention_decoder/multi_rnn_cell/cell_0/", 2, 2)
                         + lstm_vars("root/attention_decoder/multi_rnn_cell/cell_1/", 2, 2))
            query = 8
        expected = enc_vars + attention_vars("root/attention_decoder/", 2, 2, heads, cell_vars,
                                             query, 2, 4)
        assert variable_table() == expected
        with session() as sess:
            sess.run(v1.global_variables_initializer())
            outs, st = sess.run([outputs, state])
    assert [o.shape for o in outs] == [(2, 4)] * 3
    if spec[0] == "gru":
        assert st.shape == (2, 2)
    else:
        assert isinstance(st, tuple) and len(st) == 2
        for layer in st:
            assert layer.c.shape == (2, 2) and layer.h.shape == (2, 2)
    _per_step_constant(outs, golden_outputs)
    _per_step_constant(tf.nest.flatten(st), golden_state)


def test_embedding_attention_decoder_tf_case():
    with tf.Graph().as_default():
        with constant_scope():
            enc_outputs, enc_state = v1.nn.static_rnn(rnn_cell.GRUCell(2),
                                                      _const_inputs(0.5, 2), dtype=tf.float32)
            attn_states = tf.concat([tf.reshape(e, [-1, 1, 2]) for e in enc_outputs], 1)
            dec_inp = [tf.constant(i, tf.int32, shape=[2]) for i in range(3)]
            outputs, state = decoders.embedding_attention_decoder(
                dec_inp, enc_state, attn_states, rnn_cell.GRUCell(2), num_symbols=4,
                embedding_size=2, output_size=3)
        scope = "root/embedding_attention_decoder/attention_decoder/"
        assert variable_table() == (
            gru_vars("root/rnn/", 2, 2)
            + [("root/embedding_attention_decoder/embedding", [4, 2])]
            + attention_vars(scope, 2, 2, 1, gru_vars(scope, 2, 2), 2, 2, 3))
        with session() as sess:
            sess.run(v1.global_variables_initializer())
            outs, st = sess.run([outputs, state])
    assert [o.shape for o in outs] == [(2, 3)] * 3
    assert st.shape == (2, 2)
    _per_step_constant(outs, [0.3441942, 0.405553, 0.4595447])
    _per_step_constant([st], [0.337468])


# ---------------------------------------------------------------------------
# Numbers with random weights against the numpy model
# ---------------------------------------------------------------------------

BATCH = 2


@pytest.mark.parametrize("spec,with_loop", [
    (("opw", ("gru", 3), 2), False),
    (("opw", ("gru", 3), 2), True),
    (("multi", (("lstm", 3), ("lstm", 2))), True),
    (("lstm_flat", 2), False),
])
def test_rnn_decoder_matches_numpy(spec, with_loop):
    rng = np.random.RandomState(1)
    inputs = [rng.uniform(-1, 1, (BATCH, 2)) for _ in range(4)]
    init_state = np_random_state(spec, BATCH, rng)
    # A loop function must return the input depth (2); the outputs of every
    # spec above have width 2, so tanh(prev) is a valid next input.
    loop_tf = (lambda prev, i: tf.tanh(prev)) if with_loop else None
    loop_np = np.tanh if with_loop else None
    with tf.Graph().as_default():
        with random_scope():
            outputs, state = decoders.rnn_decoder(
                [tf.constant(x, tf.float32) for x in inputs], tf_state_for(spec, init_state),
                make_cell(spec), loop_function=loop_tf)
        with session() as sess:
            w = init_and_read(sess)
            outs, st = sess.run([outputs, state])
    want_outs, want_state = np_rnn_decoder(inputs, init_state,
                                           np_cell(spec, w, "root/rnn_decoder/"), loop_np)
    assert_outputs_close(outs, want_outs)
    assert_state_close(st, want_state)


def test_rnn_decoder_scope_and_lazy_inputs():
    """A custom scope names the variables; a generator of inputs is accepted."""
    with tf.Graph().as_default():
        with random_scope():
            inputs = (tf.constant(np.full((BATCH, 2), float(i)), tf.float32) for i in range(3))
            outputs, _ = decoders.rnn_decoder(inputs, tf.zeros([BATCH, 3]),
                                              rnn_cell.GRUCell(3), scope="my_decoder")
        assert len(outputs) == 3
        assert variable_table() == gru_vars("root/my_decoder/", 2, 3)


ATTENTION_RANDOM_CASES = [
    # (cell spec, heads, initial_state_attention, feed back argmax embeddings)
    (("gru", 3), 1, False, False),
    (("gru", 3), 2, False, True),
    (("gru", 3), 2, True, False),
    (("multi", (("lstm", 3), ("lstm", 3))), 1, True, True),
    (("multi", (("lstm", 3), ("gru", 2))), 2, False, False),
    (("lstm_flat", 3), 1, False, True),
    (("opw", ("lstm", 3), 5), 2, True, True),
]


@pytest.mark.parametrize("spec,heads,isa,with_loop", ATTENTION_RANDOM_CASES)
def test_attention_decoder_matches_numpy(spec, heads, isa, with_loop):
    num_symbols, in_depth, attn_len, attn_size, steps = 5, 2, 4, 4, 4
    rng = np.random.RandomState(2)
    inputs = [rng.uniform(-1, 1, (BATCH, in_depth)) for _ in range(steps)]
    attn = rng.uniform(-1, 1, (BATCH, attn_len, attn_size))
    init_state = np_random_state(spec, BATCH, rng)
    with tf.Graph().as_default():
        with random_scope():
            embedding = v1.get_variable("loop_embedding", [num_symbols, in_depth])
            loop = decoders.extract_argmax_and_embed(embedding) if with_loop else None
            outputs, state = decoders.attention_decoder(
                [tf.constant(x, tf.float32) for x in inputs], tf_state_for(spec, init_state),
                tf.constant(attn, tf.float32), make_cell(spec), output_size=num_symbols,
                num_heads=heads, loop_function=loop, initial_state_attention=isa)
        alignments = v1.get_collection(decoders.ATTENTION_WEIGHTS_COLLECTION)
        table = dict(variable_table())
        with session() as sess:
            w = init_and_read(sess)
            outs, st, aligned = sess.run([outputs, state, alignments])
    scope = "root/attention_decoder/"
    query = sum(leaf.shape[1] for leaf in flatten_state(init_state))
    assert table[scope + "Attention_0/kernel"] == [query, attn_size]
    loop_np = np_argmax_embed(w["root/loop_embedding"]) if with_loop else None
    want_outs, want_state, want_aligned = np_attention_decoder(
        w, scope, inputs, init_state, attn, np_cell(spec, w, scope), heads, loop=loop_np,
        initial_state_attention=isa)
    assert [o.shape for o in outs] == [(BATCH, num_symbols)] * steps
    assert_outputs_close(outs, want_outs)
    assert_state_close(st, want_state)
    # Library extra: every attention distribution lands in the collection.
    assert len(aligned) == heads * (steps + int(isa))
    assert_outputs_close(aligned, want_aligned)


def test_attention_decoder_with_loop_differs_from_teacher_forcing():
    """With random weights, feeding back the argmax is not the teacher-forced path."""
    rng = np.random.RandomState(3)
    attn = rng.uniform(-1, 1, (BATCH, 3, 2))
    with tf.Graph().as_default():
        with random_scope():
            embedding = v1.get_variable("emb", [4, 2])
            ids = v1.placeholder(tf.int32, [3, BATCH])
            inputs = tf.unstack(tf.nn.embedding_lookup(embedding, ids))
            cell = rnn_cell.GRUCell(2)
            free, _ = decoders.attention_decoder(
                inputs, tf.zeros([BATCH, 2]), tf.constant(attn, tf.float32), cell,
                output_size=4, loop_function=decoders.extract_argmax_and_embed(embedding))
            v1.get_variable_scope().reuse_variables()
            forced, _ = decoders.attention_decoder(
                inputs, tf.zeros([BATCH, 2]), tf.constant(attn, tf.float32), cell,
                output_size=4)
        with session() as sess:
            init_and_read(sess)
            go = np.zeros((1, BATCH), np.int32)
            fed_back = sess.run(free, {ids: np.zeros((3, BATCH), np.int32)})
            symbols = np.argmax(np.stack(fed_back), axis=2)
            same = sess.run(forced, {ids: np.concatenate([go, symbols[:-1]])})
            other = sess.run(forced, {ids: np.concatenate([go, (symbols[:-1] + 1) % 4])})
    assert_outputs_close(same, fed_back)
    np.testing.assert_allclose(other[0], fed_back[0], atol=ATOL)
    assert np.max(np.abs(np.stack(other[1:]) - np.stack(fed_back[1:]))) > 1e-3


@pytest.mark.parametrize("feed_previous", [False, True])
@pytest.mark.parametrize("with_projection", [False, True])
def test_embedding_rnn_decoder_matches_numpy(feed_previous, with_projection):
    num_symbols, emb, units = 6, 3, 4
    rng = np.random.RandomState(4)
    ids = [rng.randint(0, num_symbols, BATCH) for _ in range(4)]
    init_state = np_random_state(("lstm", units), BATCH, rng)
    with tf.Graph().as_default():
        with random_scope():
            if with_projection:
                spec = ("lstm", units)
                proj_w = v1.get_variable("proj_w", [units, num_symbols])
                proj_b = v1.get_variable("proj_b", [num_symbols])
                projection = (proj_w, proj_b)
            else:
                spec = ("opw", ("lstm", units), num_symbols)
                projection = None
            outputs, state = decoders.embedding_rnn_decoder(
                [tf.constant(i, tf.int32) for i in ids], tf_state_for(spec, init_state),
                make_cell(spec), num_symbols, emb, output_projection=projection,
                feed_previous=feed_previous)
        with session() as sess:
            w = init_and_read(sess)
            outs, st = sess.run([outputs, state])
    scope = "root/embedding_rnn_decoder/"
    table = w[scope + "embedding"]
    assert table.shape == (num_symbols, emb)
    loop = None
    if feed_previous:
        np_proj = (w["root/proj_w"], w["root/proj_b"]) if with_projection else None
        loop = np_argmax_embed(table, np_proj)
    want_outs, want_state = np_rnn_decoder([table[i] for i in ids], init_state,
                                           np_cell(spec, w, scope + "rnn_decoder/"), loop)
    assert_outputs_close(outs, want_outs)
    assert_state_close(st, want_state)


@pytest.mark.parametrize("feed_previous,with_projection,heads,isa", [
    (False, False, 1, False),
    (True, False, 2, True),
    (True, True, 1, False),
    (False, True, 2, False),
])
def test_embedding_attention_decoder_matches_numpy(feed_previous, with_projection, heads, isa):
    num_symbols, emb, units, attn_len, attn_size = 6, 3, 4, 3, 5
    rng = np.random.RandomState(5)
    ids = [rng.randint(0, num_symbols, BATCH) for _ in range(4)]
    spec = ("multi", (("gru", units), ("lstm", units)))
    init_state = np_random_state(spec, BATCH, rng)
    attn = rng.uniform(-1, 1, (BATCH, attn_len, attn_size))
    with tf.Graph().as_default():
        with random_scope():
            projection = None
            if with_projection:
                projection = (v1.get_variable("proj_w", [units, num_symbols]),
                              v1.get_variable("proj_b", [num_symbols]))
            outputs, state = decoders.embedding_attention_decoder(
                [tf.constant(i, tf.int32) for i in ids], tf_state_for(spec, init_state),
                tf.constant(attn, tf.float32), make_cell(spec), num_symbols, emb,
                num_heads=heads, output_projection=projection, feed_previous=feed_previous,
                initial_state_attention=isa)
        with session() as sess:
            w = init_and_read(sess)
            outs, st = sess.run([outputs, state])
    scope = "root/embedding_attention_decoder/"
    table = w[scope + "embedding"]
    loop = None
    if feed_previous:
        np_proj = (w["root/proj_w"], w["root/proj_b"]) if with_projection else None
        loop = np_argmax_embed(table, np_proj)
    attn_scope = scope + "attention_decoder/"
    want_outs, want_state, _ = np_attention_decoder(
        w, attn_scope, [table[i] for i in ids], init_state, attn,
        np_cell(spec, w, attn_scope), heads, loop=loop, initial_state_attention=isa)
    # output_size defaults to cell.output_size (units), not num_symbols.
    assert [o.shape for o in outs] == [(BATCH, units)] * 4
    assert_outputs_close(outs, want_outs)
    assert_state_close(st, want_state)


def test_dynamic_attention_length_matches_static():
    """attn_length (and the batch) may be unknown statically; numbers are unchanged."""
    rng = np.random.RandomState(6)
    attn = rng.uniform(-1, 1, (BATCH, 3, 4))
    inputs = [rng.uniform(-1, 1, (BATCH, 2)) for _ in range(3)]
    with tf.Graph().as_default():
        with random_scope():
            cell = rnn_cell.GRUCell(3)
            kwargs = dict(output_size=5, num_heads=2, initial_state_attention=True)
            static, static_state = decoders.attention_decoder(
                [tf.constant(x, tf.float32) for x in inputs], tf.zeros([BATCH, 3]),
                tf.constant(attn, tf.float32), cell, **kwargs)
            v1.get_variable_scope().reuse_variables()
            attn_ph = v1.placeholder(tf.float32, [None, None, 4])
            input_phs = [v1.placeholder(tf.float32, [None, 2]) for _ in inputs]
            state_ph = v1.placeholder(tf.float32, [None, 3])
            dynamic, dynamic_state = decoders.attention_decoder(
                input_phs, state_ph, attn_ph, cell, **kwargs)
        assert dynamic[0].shape.as_list() == [None, 5]
        with session() as sess:
            init_and_read(sess)
            want, want_state = sess.run([static, static_state])
            feed = {attn_ph: attn, state_ph: np.zeros((BATCH, 3))}
            feed.update(zip(input_phs, inputs))
            got, got_state = sess.run([dynamic, dynamic_state], feed)
            # A longer attention window also runs through the same graph.
            feed[attn_ph] = rng.uniform(-1, 1, (BATCH, 7, 4))
            longer = sess.run(dynamic, feed)
    assert_outputs_close(got, want)
    np.testing.assert_allclose(got_state, want_state, atol=ATOL)
    assert longer[0].shape == (BATCH, 5)


@pytest.mark.parametrize("decoder", ["rnn", "attention"])
def test_loop_function_runs_in_a_reusing_scope(decoder):
    """A loop function runs in variable_scope("loop_function", reuse=True)."""
    seen = []

    def creates_a_variable(prev, i):
        seen.append((v1.get_variable_scope().name, v1.get_variable_scope().reuse, i))
        return prev * v1.get_variable("gain", [], initializer=v1.ones_initializer())

    def reads(prev, i):
        seen.append((v1.get_variable_scope().name, v1.get_variable_scope().reuse, i))
        return prev

    def run(loop):
        inputs, state, attn = _attn_args()
        cell = rnn_cell.GRUCell(2)
        if decoder == "rnn":
            return decoders.rnn_decoder(inputs + inputs, state, cell, loop_function=loop)
        return decoders.attention_decoder(inputs + inputs, state, attn, cell,
                                          loop_function=loop)

    with tf.Graph().as_default():
        outputs, _ = run(reads)
    assert len(outputs) == 4
    scope = "rnn_decoder" if decoder == "rnn" else "attention_decoder"
    assert seen == [(f"{scope}/loop_function", True, i) for i in (1, 2, 3)]
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match=f"{scope}/loop_function/gain does not exist"):
            run(creates_a_variable)


# ---------------------------------------------------------------------------
# extract_argmax_and_embed and update_embedding_for_previous
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("with_projection", [False, True])
@pytest.mark.parametrize("update_embedding", [False, True])
def test_extract_argmax_and_embed(with_projection, update_embedding):
    rng = np.random.RandomState(7)
    table = rng.uniform(-1, 1, (6, 3))
    prev_value = rng.uniform(-1, 1, (4, 2 if with_projection else 6))
    proj = (rng.uniform(-1, 1, (2, 6)), rng.uniform(-1, 1, 6))
    with tf.Graph().as_default():
        embedding = tf.Variable(table, dtype=tf.float64)
        prev = tf.constant(prev_value)
        projection = tuple(tf.constant(p) for p in proj) if with_projection else None
        loop = decoders.extract_argmax_and_embed(embedding, projection, update_embedding)
        result = loop(prev, 5)
        grad_prev, grad_emb = tf.gradients(tf.reduce_sum(result), [prev, embedding])
        with session() as sess:
            sess.run(v1.global_variables_initializer())
            got = sess.run(result)
    want = np_argmax_embed(table, proj if with_projection else None)(prev_value)
    np.testing.assert_allclose(got, want)
    assert grad_prev is None  # never any gradient through the argmax
    assert (grad_emb is not None) == update_embedding


@pytest.mark.parametrize("decoder", ["rnn", "attention"])
def test_update_embedding_for_previous(decoder):
    """Fed-back lookups pass gradient to the embedding only when asked to."""
    num_symbols = 8
    rng = np.random.RandomState(8)
    go = np.array([0, 1])
    with tf.Graph().as_default():
        with random_scope():
            ids = [tf.constant(go, tf.int32)] + [
                tf.constant(rng.randint(0, num_symbols, BATCH), tf.int32) for _ in range(3)]
            attn = tf.constant(rng.uniform(-1, 1, (BATCH, 2, 3)), tf.float32)
            cell = rnn_cell.OutputProjectionWrapper(rnn_cell.GRUCell(3), num_symbols)
            losses = {}
            for update in (False, True):
                # The second build reuses the first one's variables.
                if decoder == "rnn":
                    outputs, _ = decoders.embedding_rnn_decoder(
                        ids, tf.zeros([BATCH, 3]), cell, num_symbols, 2, feed_previous=True,
                        update_embedding_for_previous=update)
                else:
                    outputs, _ = decoders.embedding_attention_decoder(
                        ids, tf.zeros([BATCH, 3]), attn, cell, num_symbols, 2,
                        feed_previous=True, update_embedding_for_previous=update)
                losses[update] = (tf.add_n([tf.reduce_sum(o * o) for o in outputs]), outputs)
                v1.get_variable_scope().reuse_variables()
        name = f"root/embedding_{decoder}_decoder/embedding"
        (embedding,) = [v for v in v1.global_variables() if v.op.name == name]
        grads = {update: tf.convert_to_tensor(tf.gradients(loss, embedding)[0])
                 for update, (loss, _) in losses.items()}
        with session() as sess:
            init_and_read(sess)
            frozen, trained, outs, outs_again = sess.run(
                [grads[False], grads[True], losses[False][1], losses[True][1]])
    assert_outputs_close(outs, outs_again)  # same forward pass
    fed_back = np.argmax(np.stack(outs[:-1]), axis=2).ravel()
    check_fed_back_gradients(frozen, trained, fed_back, go)


def check_fed_back_gradients(frozen, trained, fed_back, used):
    """Compares embedding gradients without and with updates through fed-back lookups.

    Args:
      frozen: Dense gradient wrt the embedding with
        update_embedding_for_previous=False.
      trained: The same with True (same weights, same forward pass).
      fed_back: The symbols that were fed back.
      used: The symbols looked up otherwise (GO; encoder ids too when the
        embedding is shared).
    """
    fed_back = set(np.asarray(fed_back).tolist())
    used = set(np.asarray(used).tolist())
    for row in range(frozen.shape[0]):
        if row not in used:
            assert np.all(frozen[row] == 0), row
        if row in fed_back:
            # The fed-back lookups add a contribution only when updating.
            assert np.abs(trained[row] - frozen[row]).sum() > 1e-6, row
        else:
            np.testing.assert_allclose(frozen[row], trained[row], atol=1e-6, err_msg=str(row))
    assert any(np.abs(frozen[row]).sum() > 0 for row in used)


# ---------------------------------------------------------------------------
# Gradients (float64)
# ---------------------------------------------------------------------------


def test_attention_decoder_gradients_float64():
    rng = np.random.RandomState(9)
    attn_value = rng.uniform(-1, 1, (BATCH, 3, 2))
    state_value = rng.uniform(-1, 1, (BATCH, 3))
    with tf.Graph().as_default():
        with random_scope():
            attn = v1.placeholder_with_default(attn_value, [BATCH, 3, 2])
            state = v1.placeholder_with_default(state_value, [BATCH, 3])
            inputs = [tf.constant(rng.uniform(-1, 1, (BATCH, 2))) for _ in range(3)]
            outputs, final = decoders.attention_decoder(
                inputs, state, attn, rnn_cell.GRUCell(3), output_size=2, num_heads=2,
                dtype=tf.float64, initial_state_attention=True)
        variables = v1.global_variables()
        assert all(v.dtype.base_dtype == tf.float64 for v in variables)
        loss = tf.add_n([tf.reduce_sum(tf.sin(o) * (k + 1)) for k, o in enumerate(outputs)])
        loss += tf.reduce_sum(final * final)
        grads = tf.gradients(loss, variables)
        with session() as sess:
            init_and_read(sess)
            with sess.as_default():
                error = v1.test.compute_gradient_error(
                    [attn, state], [[BATCH, 3, 2], [BATCH, 3]], loss, [],
                    x_init_value=[attn_value, state_value])
            assert error < 1e-3
            # Directional finite difference over every variable at once.
            feed = {attn: attn_value, state: state_value}
            base = sess.run(variables)
            analytic = sess.run(grads, feed)
            # The softmax runs in float32 even here (as in TF 1.15), so the step
            # must be large enough for its rounding not to dominate.
            eps = 1e-3
            for _ in range(2):
                direction = [rng.normal(size=b.shape) for b in base]
                values = []
                for sign in (1, -1):
                    load_values(sess, {var: b + sign * eps * d
                                       for var, b, d in zip(variables, base, direction)})
                    values.append(sess.run(loss, feed))
                numeric = (values[0] - values[1]) / (2 * eps)
                predicted = sum(np.sum(g * d) for g, d in zip(analytic, direction))
                assert abs(numeric - predicted) < 1e-3 * max(1.0, abs(predicted))
            load_values(sess, dict(zip(variables, base)))


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


def _attn_args(attn_shape=(BATCH, 3, 2)):
    inputs = [tf.zeros([BATCH, 2])] * 2
    return inputs, tf.zeros([BATCH, 2]), v1.placeholder(tf.float32, attn_shape)


def test_attention_decoder_needs_inputs():
    with tf.Graph().as_default():
        _, state, attn = _attn_args()
        with pytest.raises(ValueError, match="Must provide at least 1 input to attention decoder."):
            decoders.attention_decoder([], state, attn, rnn_cell.GRUCell(2))
        ids = []
        with pytest.raises(ValueError, match="Must provide at least 1 input"):
            decoders.embedding_attention_decoder(ids, state, attn, rnn_cell.GRUCell(2), 4, 2)


@pytest.mark.parametrize("heads", [0, -1])
def test_attention_decoder_needs_a_head(heads):
    with tf.Graph().as_default():
        inputs, state, attn = _attn_args()
        message = "With less than 1 heads, use a non-attention decoder."
        with pytest.raises(ValueError, match=message):
            decoders.attention_decoder(inputs, state, attn, rnn_cell.GRUCell(2), num_heads=heads)
        assert v1.global_variables() == []


def test_attention_decoder_needs_static_attention_size():
    with tf.Graph().as_default():
        inputs, state, attn = _attn_args((BATCH, 3, None))
        with pytest.raises(ValueError, match=r"Shape\[2\] of attention_states must be known"):
            decoders.attention_decoder(inputs, state, attn, rnn_cell.GRUCell(2))


def test_attention_decoder_needs_static_input_depth():
    with tf.Graph().as_default():
        _, state, attn = _attn_args()
        inputs = [v1.placeholder(tf.float32, [BATCH, None])]
        with pytest.raises(ValueError, match="Could not infer input size from input"):
            decoders.attention_decoder(inputs, state, attn, rnn_cell.GRUCell(2))


def test_attention_decoder_rejects_non_rank3_attention_states():
    with tf.Graph().as_default():
        inputs, state, _ = _attn_args()
        with pytest.raises(ValueError, match="attention_states"):
            decoders.attention_decoder(inputs, state, tf.zeros([BATCH, 2]), rnn_cell.GRUCell(2))


@pytest.mark.parametrize("w_shape,b_shape", [([3, 6], [5]), ([3, 5], [6]), ([3, 5], [5, 1])])
def test_embedding_rnn_decoder_rejects_bad_projection(w_shape, b_shape):
    with tf.Graph().as_default():
        ids = [tf.zeros([BATCH], tf.int32)] * 2
        projection = (tf.zeros(w_shape), tf.zeros(b_shape))
        with pytest.raises(ValueError, match="incompatible"):
            decoders.embedding_rnn_decoder(ids, tf.zeros([BATCH, 3]), rnn_cell.GRUCell(3), 5, 2,
                                           output_projection=projection)


def test_embedding_attention_decoder_checks_projection_shapes():
    """The bias is checked against num_symbols (TF 1.15), W against [output_size, num_symbols]
    (TF 1.15 did not check W here; a wrong W then failed only with feed_previous=True)."""
    with tf.Graph().as_default():
        ids = [tf.zeros([BATCH], tf.int32)] * 2
        _, state, attn = _attn_args()
        with pytest.raises(ValueError, match="incompatible"):
            decoders.embedding_attention_decoder(
                ids, state, attn, rnn_cell.GRUCell(2), 5, 2,
                output_projection=(tf.zeros([2, 5]), tf.zeros([6])))
    with tf.Graph().as_default():
        ids = [tf.zeros([BATCH], tf.int32)] * 2
        _, state, attn = _attn_args()
        with pytest.raises(ValueError, match=r"`output_projection\[0\]` \(W\) must have shape"):
            decoders.embedding_attention_decoder(
                ids, state, attn, rnn_cell.GRUCell(2), 5, 2,
                output_projection=(tf.zeros([7, 9]), tf.zeros([5])))
        outputs, _ = decoders.embedding_attention_decoder(
            ids, state, attn, rnn_cell.GRUCell(2), 5, 2,
            output_projection=(tf.zeros([2, 5]), tf.zeros([5])))
        assert len(outputs) == 2


@pytest.mark.parametrize("decoder", ["rnn", "attention"])
def test_embedding_decoders_reject_float_ids(decoder):
    with tf.Graph().as_default():
        ids = [tf.zeros([BATCH], tf.float32)] * 2
        _, state, attn = _attn_args()
        with pytest.raises(TypeError, match="integer"):
            if decoder == "rnn":
                decoders.embedding_rnn_decoder(ids, state, rnn_cell.GRUCell(2), 4, 2)
            else:
                decoders.embedding_attention_decoder(ids, state, attn, rnn_cell.GRUCell(2), 4, 2)


@pytest.mark.parametrize("name", ["rnn_decoder", "attention_decoder", "embedding_rnn_decoder",
                                  "embedding_attention_decoder"])
def test_decoders_reject_a_non_cell(name):
    with tf.Graph().as_default():
        inputs, state, attn = _attn_args()
        ids = [tf.zeros([BATCH], tf.int32)] * 2
        calls = {
            "rnn_decoder": lambda: decoders.rnn_decoder(inputs, state, "gru"),
            "attention_decoder": lambda: decoders.attention_decoder(inputs, state, attn, "gru"),
            "embedding_rnn_decoder": lambda: decoders.embedding_rnn_decoder(
                ids, state, "gru", 4, 2),
            "embedding_attention_decoder": lambda: decoders.embedding_attention_decoder(
                ids, state, attn, "gru", 4, 2),
        }
        with pytest.raises(TypeError, match="is not an RNNCell"):
            calls[name]()


def test_rnn_decoder_rejects_a_tensor_of_inputs():
    with tf.Graph().as_default():
        with pytest.raises(TypeError, match="decoder_inputs"):
            decoders.rnn_decoder(tf.zeros([3, BATCH, 2]), tf.zeros([BATCH, 2]),
                                 rnn_cell.GRUCell(2))


@pytest.mark.parametrize("name", ["rnn_decoder", "attention_decoder", "embedding_rnn_decoder",
                                  "embedding_attention_decoder"])
def test_decoders_refuse_eager_mode(name):
    assert tf.executing_eagerly()
    inputs = [tf.zeros([BATCH, 2])] * 2
    ids = [tf.zeros([BATCH], tf.int32)] * 2
    state = tf.zeros([BATCH, 2])
    attn = tf.zeros([BATCH, 3, 2])
    cell = rnn_cell.GRUCell(2)
    calls = {
        "rnn_decoder": lambda: decoders.rnn_decoder(inputs, state, cell),
        "attention_decoder": lambda: decoders.attention_decoder(inputs, state, attn, cell),
        "embedding_rnn_decoder": lambda: decoders.embedding_rnn_decoder(ids, state, cell, 4, 2),
        "embedding_attention_decoder": lambda: decoders.embedding_attention_decoder(
            ids, state, attn, cell, 4, 2),
    }
    with pytest.raises(RuntimeError, match="eager"):
        calls[name]()


@pytest.mark.parametrize("name", ["rnn_decoder", "attention_decoder"])
def test_a_single_tensor_instead_of_a_list_is_refused(name):
    with tf.Graph().as_default():
        time_major = tf.zeros([3, 2, 4])
        state = tf.zeros([2, 4])
        with pytest.raises(TypeError, match=r"`decoder_inputs` must be a Python list of Tensors.*"
                                            r"single Tensor of shape \(3, 2, 4\).*tf.unstack"):
            if name == "rnn_decoder":
                decoders.rnn_decoder(time_major, state, rnn_cell.GRUCell(4))
            else:
                decoders.attention_decoder(time_major, state, tf.zeros([2, 3, 4]),
                                           rnn_cell.GRUCell(4))
        assert tf.compat.v1.global_variables() == []


def test_attention_distributions_are_collected_under_tf115_op_names():
    with tf.Graph().as_default():
        states = tf.zeros([2, 3, 4])
        inputs = [tf.zeros([2, 4])] * 2
        decoders.attention_decoder(inputs, tf.zeros([2, 4]), states, rnn_cell.GRUCell(4),
                                   num_heads=2, initial_state_attention=True)
        weights = v1.get_collection(decoders.ATTENTION_WEIGHTS_COLLECTION)
        # The initial read, then one read per step; two heads each. Step 0 reads in
        # a reuse re-entry of the scope, hence its extra name-scope level.
        assert [w.op.name for w in weights] == [
            "attention_decoder/Attention_0/Softmax",
            "attention_decoder/Attention_1/Softmax",
            "attention_decoder/attention_decoder_1/Attention_0/Softmax",
            "attention_decoder/attention_decoder_1/Attention_1/Softmax",
            "attention_decoder/Attention_0_1/Softmax",
            "attention_decoder/Attention_1_1/Softmax",
        ]
        assert all(w.get_shape().as_list() == [2, 3] and w.dtype == tf.float32 for w in weights)
