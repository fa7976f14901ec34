"""Tests of legacy_seq2seq_compat.rnn: static_rnn and its bidirectional and state-saving forms.

Numbers are checked against a numpy unroll of the cells with random weights
loaded into the variables; variable names against TF 1.15's naming rules; and
our cells are also run through TensorFlow's own ``tf.compat.v1.nn`` drivers
with shared weights, which must agree with our drivers.
"""

import contextlib

import numpy as np
import pytest
import tensorflow as tf

from legacy_seq2seq_compat import rnn, rnn_cell

v1 = tf.compat.v1

BATCH, STEPS, DEPTH, UNITS = 3, 5, 4, 3
ATOL = 1e-5


# -- numpy reference -----------------------------------------------------------------------


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_gru(weights, prefix):
    """A numpy GRUCell step; states and outputs are tuples of arrays."""
    gate_kernel, gate_bias = weights[prefix + "gates/kernel"], weights[prefix + "gates/bias"]
    cand_kernel = weights[prefix + "candidate/kernel"]
    cand_bias = weights[prefix + "candidate/bias"]

    def step(x, state):
        (h,) = state
        gates = _sigmoid(np.concatenate([x, h], 1) @ gate_kernel + gate_bias)
        reset, update = np.split(gates, 2, axis=1)
        candidate = np.tanh(np.concatenate([x, reset * h], 1) @ cand_kernel + cand_bias)
        new_h = update * h + (1 - update) * candidate
        return (new_h,), (new_h,)

    return step


def np_basic_lstm(weights, prefix):
    """A numpy BasicLSTMCell step (forget_bias 1.0, gates i, j, f, o)."""
    kernel, bias = weights[prefix + "kernel"], weights[prefix + "bias"]

    def step(x, state):
        c, h = state
        i, j, f, o = np.split(np.concatenate([x, h], 1) @ kernel + bias, 4, axis=1)
        new_c = c * _sigmoid(f + 1.0) + _sigmoid(i) * np.tanh(j)
        new_h = np.tanh(new_c) * _sigmoid(o)
        return (new_h,), (new_c, new_h)

    return step


NP_CELLS = {"gru": (np_gru, "gru_cell/"), "basic_lstm": (np_basic_lstm, "basic_lstm_cell/")}


def np_unroll(step, xs, state, lengths=None):
    """numpy static_rnn: zero outputs and the old state for rows past their length."""
    outputs = []
    for t, x in enumerate(xs):
        output, new_state = step(x, state)
        if lengths is not None:
            done = (t >= np.asarray(lengths))[:, None]
            output = tuple(np.where(done, 0.0, o) for o in output)
            new_state = tuple(np.where(done, old, new) for old, new in zip(state, new_state))
        outputs.append(output)
        state = new_state
    return outputs, state


def np_reverse(steps, lengths):
    """Reverses a list of per-step arrays, row b only over its first lengths[b] steps."""
    if lengths is None:
        return steps[::-1]
    result = [s.copy() for s in steps]
    for b, length in enumerate(lengths):
        for t in range(length):
            result[t][b] = steps[length - 1 - t][b]
    return result


# -- graph helpers ---------------------------------------------------------------------------


def randomize_variables(sess, seed=0):
    """Loads random normal values into every trainable variable; returns {op name: value}."""
    rng = np.random.default_rng(seed)
    values = {}
    for var in v1.trainable_variables():
        value = rng.normal(scale=0.7, size=var.shape.as_list()).astype(np.float32)
        var.load(value, sess)
        values[var.op.name] = value
    return values


def session():
    """A Session without grappler rewrites, which only cost time on these small graphs."""
    config = v1.ConfigProto()
    config.graph_options.rewrite_options.disable_meta_optimizer = True
    return v1.Session(config=config)


def variable_table(variables=None):
    variables = v1.global_variables() if variables is None else variables
    return [(v.name, tuple(v.shape.as_list())) for v in variables]


def step_placeholders(dynamic_batch, depth=DEPTH, steps=STEPS, dtype=tf.float32):
    batch = None if dynamic_batch else BATCH
    return [v1.placeholder(dtype, [batch, depth], name=f"x{t}") for t in range(steps)]


def random_steps(seed=1, depth=DEPTH, steps=STEPS):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(BATCH, depth)).astype(np.float32) for _ in range(steps)]


@contextlib.contextmanager
def control_flow(v2):
    was_v2 = v1.control_flow_v2_enabled()
    (v1.enable_control_flow_v2 if v2 else v1.disable_control_flow_v2)()
    try:
        yield
    finally:
        (v1.enable_control_flow_v2 if was_v2 else v1.disable_control_flow_v2)()


class PairCell:
    """A duck-typed cell: tuple inputs and outputs, plain get_variable, only zero_state."""

    output_size = (2, 3)
    state_size = 2

    def zero_state(self, batch_size, dtype):
        return rnn_cell.zero_state_tensors(self.state_size, batch_size, dtype)

    def __call__(self, inputs, state):
        a, b = inputs
        # A second get_variable("w") only works if static_rnn turned reuse on.
        w = v1.get_variable("w", [2, 2], dtype=a.dtype)
        new_state = tf.tanh(tf.matmul(a, w) + state)
        return (new_state, b * 2.0), new_state


def np_pair_step(w):
    def step(x, state):
        (s,) = state
        new_state = np.tanh(x[0] @ w + s)
        return (new_state, x[1] * 2.0), (new_state,)

    return step


# -- variable names --------------------------------------------------------------------------

_GRU = [("gru_cell/gates/kernel", (7, 6)), ("gru_cell/gates/bias", (6,)),
        ("gru_cell/candidate/kernel", (7, 3)), ("gru_cell/candidate/bias", (3,))]
_BASIC_LSTM = [("basic_lstm_cell/kernel", (7, 12)), ("basic_lstm_cell/bias", (12,))]
_MULTI_LSTM = [
    ("multi_rnn_cell/cell_0/lstm_cell/kernel", (7, 12)),
    ("multi_rnn_cell/cell_0/lstm_cell/bias", (12,)),
    ("multi_rnn_cell/cell_0/lstm_cell/w_f_diag", (3,)),
    ("multi_rnn_cell/cell_0/lstm_cell/w_i_diag", (3,)),
    ("multi_rnn_cell/cell_0/lstm_cell/w_o_diag", (3,)),
    ("multi_rnn_cell/cell_1/lstm_cell/kernel", (5, 12)),
    ("multi_rnn_cell/cell_1/lstm_cell/bias", (12,)),
    ("multi_rnn_cell/cell_1/lstm_cell/projection/kernel", (3, 2)),
]
_WRAPPED = [
    ("output_projection_wrapper/gru_cell/gates/kernel", (8, 8)),
    ("output_projection_wrapper/gru_cell/gates/bias", (8,)),
    ("output_projection_wrapper/gru_cell/candidate/kernel", (8, 4)),
    ("output_projection_wrapper/gru_cell/candidate/bias", (4,)),
    ("output_projection_wrapper/kernel", (4, 2)),
    ("output_projection_wrapper/bias", (2,)),
]

CELLS = {
    "gru": (lambda: rnn_cell.GRUCell(UNITS), _GRU),
    "basic_lstm": (lambda: rnn_cell.BasicLSTMCell(UNITS), _BASIC_LSTM),
    "multi_lstm": (lambda: rnn_cell.MultiRNNCell([
        rnn_cell.LSTMCell(UNITS, use_peepholes=True), rnn_cell.LSTMCell(UNITS, num_proj=2)]),
        _MULTI_LSTM),
    "wrapped": (lambda: rnn_cell.OutputProjectionWrapper(rnn_cell.DropoutWrapper(
        rnn_cell.ResidualWrapper(rnn_cell.GRUCell(DEPTH)), output_keep_prob=1.0), 2),
        _WRAPPED),
}


def expected_table(prefix, suffixes):
    return [(f"{prefix}/{name}:0", shape) for name, shape in suffixes]


@pytest.mark.parametrize("driver", ["ours", "tf"])
@pytest.mark.parametrize("with_lengths", [False, True], ids=["full", "sequence_length"])
@pytest.mark.parametrize("cell_name,scope,prefix", [
    ("gru", None, "rnn"),
    ("basic_lstm", "my_scope", "my_scope"),
    ("multi_lstm", None, "rnn"),
    ("wrapped", None, "rnn"),
    ("gru", "scope_object", "outer/inner"),
])
def test_variable_names(driver, with_lengths, cell_name, scope, prefix):
    make_cell, suffixes = CELLS[cell_name]
    static_rnn = rnn.static_rnn if driver == "ours" else v1.nn.static_rnn
    with tf.Graph().as_default():
        if scope == "scope_object":
            with v1.variable_scope("outer"), v1.variable_scope("inner") as scope:
                pass
        lengths = [5, 2, 3] if with_lengths else None
        outputs, _ = static_rnn(make_cell(), step_placeholders(False), dtype=tf.float32,
                                sequence_length=lengths, scope=scope)
        # One set of variables for all steps, created in the first step (inside a
        # conditional branch when sequence_length is given).
        assert variable_table() == expected_table(prefix, suffixes)
        assert variable_table(v1.trainable_variables()) == expected_table(prefix, suffixes)
        assert len(outputs) == STEPS


def test_bidirectional_variable_names():
    with tf.Graph().as_default():
        rnn.static_bidirectional_rnn(rnn_cell.BasicLSTMCell(UNITS), rnn_cell.GRUCell(UNITS),
                                     step_placeholders(False), dtype=tf.float32)
        rnn.static_bidirectional_rnn(rnn_cell.GRUCell(UNITS), rnn_cell.GRUCell(UNITS),
                                     step_placeholders(False), dtype=tf.float32,
                                     sequence_length=[1, 2, 3], scope="birnn")
        assert variable_table() == (
            expected_table("bidirectional_rnn/fw", _BASIC_LSTM)
            + expected_table("bidirectional_rnn/bw", _GRU)
            + expected_table("birnn/fw", _GRU) + expected_table("birnn/bw", _GRU))


def test_rank1_ids_with_embedding_wrapper():
    lengths = [4, 0, 2]
    with tf.Graph().as_default():
        ids = [v1.placeholder(tf.int32, [BATCH]) for _ in range(STEPS)]
        cell = rnn_cell.EmbeddingWrapper(rnn_cell.GRUCell(UNITS), 6, DEPTH)
        outputs, state = rnn.static_rnn(cell, ids, dtype=tf.float32, sequence_length=lengths)
        assert variable_table() == ([("rnn/embedding_wrapper/embedding:0", (6, DEPTH))]
                                    + expected_table("rnn/embedding_wrapper", _GRU))
        with session() as sess:
            weights = randomize_variables(sess)
            id_values = [np.random.default_rng(t).integers(0, 6, BATCH) for t in range(STEPS)]
            got_outputs, got_state = sess.run([outputs, state], dict(zip(ids, id_values)))
    embedding = weights["rnn/embedding_wrapper/embedding"]
    want_outputs, want_state = np_unroll(
        np_gru(weights, "rnn/embedding_wrapper/gru_cell/"), [embedding[i] for i in id_values],
        (np.zeros((BATCH, UNITS), np.float32),), lengths)
    np.testing.assert_allclose(got_outputs, [o[0] for o in want_outputs], atol=ATOL)
    np.testing.assert_allclose(got_state, want_state[0], atol=ATOL)


# -- numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dynamic_batch", [False, True], ids=["static_batch", "dynamic_batch"])
@pytest.mark.parametrize("lengths", [None, [4, 2, 3], [5, 0, 3]],
                         ids=["no_lengths", "min2_max4", "with_zero"])
@pytest.mark.parametrize("cell_name", ["gru", "basic_lstm"])
def test_static_rnn_matches_numpy(cell_name, lengths, dynamic_batch):
    batch_dim = None if dynamic_batch else BATCH
    rng = np.random.default_rng(7)
    with tf.Graph().as_default():
        xs = step_placeholders(dynamic_batch)
        cell = CELLS[cell_name][0]()
        state_parts = [v1.placeholder(tf.float32, [batch_dim, UNITS])
                       for _ in tf.nest.flatten(cell.state_size)]
        initial_state = tf.nest.pack_sequence_as(cell.state_size, state_parts)
        feed = dict(zip(xs, random_steps()))
        initial_values = [rng.normal(size=(BATCH, UNITS)).astype(np.float32)
                          for _ in state_parts]
        feed.update(zip(state_parts, initial_values))
        sequence_length = None
        if lengths is not None:
            sequence_length = v1.placeholder(tf.int64, [batch_dim])
            feed[sequence_length] = lengths
        outputs, state = rnn.static_rnn(cell, xs, initial_state=initial_state,
                                        sequence_length=sequence_length)
        for output in outputs:
            assert output.shape.as_list() == [batch_dim, UNITS]
        for part in tf.nest.flatten(state):
            assert part.shape.as_list() == [batch_dim, UNITS]
        assert type(state) is type(initial_state)
        with session() as sess:
            weights = randomize_variables(sess)
            got_outputs, got_state = sess.run([outputs, tf.nest.flatten(state)], feed)
    np_cell, cell_scope = NP_CELLS[cell_name]
    want_outputs, want_state = np_unroll(np_cell(weights, "rnn/" + cell_scope), random_steps(),
                                         tuple(initial_values), lengths)
    np.testing.assert_allclose(got_outputs, [o[0] for o in want_outputs], atol=ATOL)
    np.testing.assert_allclose(got_state, want_state, atol=ATOL)
    if lengths is not None:
        # Past a row's end: zero outputs; a zero-length row keeps its initial state.
        assert not np.any(np.asarray(got_outputs)[np.arange(STEPS)[:, None]
                                                  >= np.asarray(lengths)[None, :]])
        if 0 in lengths:
            row = lengths.index(0)
            np.testing.assert_array_equal(got_state[-1][row], initial_values[-1][row])


@pytest.mark.parametrize("input_batch,state_batch,expected", [
    (None, None, [None, UNITS]),
    (BATCH, None, [None, UNITS]),
    (BATCH, BATCH, [BATCH, UNITS]),
], ids=["dynamic", "unknown_state_batch", "static"])
def test_static_shapes_with_sequence_length_match_tf(input_batch, state_batch, expected):
    with tf.Graph().as_default():
        xs = [v1.placeholder(tf.float32, [input_batch, DEPTH]) for _ in range(3)]
        state = v1.placeholder(tf.float32, [state_batch, UNITS])
        lengths = v1.placeholder(tf.int32, [None])
        ours = rnn.static_rnn(rnn_cell.GRUCell(UNITS), xs, state, sequence_length=lengths)
        with v1.variable_scope(v1.get_variable_scope(), reuse=True):
            theirs = v1.nn.static_rnn(rnn_cell.GRUCell(UNITS), xs, state,
                                      sequence_length=lengths)
        our_shapes = [t.shape.as_list() for t in tf.nest.flatten(ours)]
        assert our_shapes == [t.shape.as_list() for t in tf.nest.flatten(theirs)]
        # Outputs take the zero output's shape (batch from the inputs), the state
        # the initial state's shape.
        assert our_shapes == [[input_batch, UNITS]] * 3 + [expected]


@pytest.mark.parametrize("v2", [False, True], ids=["control_flow_v1", "control_flow_v2"])
def test_sequence_length_under_both_control_flows(v2):
    lengths = [4, 1, 3]
    with control_flow(v2), tf.Graph().as_default():
        xs = step_placeholders(True)
        outputs, state = rnn.static_rnn(rnn_cell.BasicLSTMCell(UNITS), xs, dtype=tf.float32,
                                        sequence_length=lengths)
        assert variable_table() == expected_table("rnn", _BASIC_LSTM)
        op_types = {op.type for op in v1.get_default_graph().get_operations()}
        if v2:
            assert op_types & {"If", "StatelessIf"} and "Switch" not in op_types
        else:
            assert "Switch" in op_types and not op_types & {"If", "StatelessIf"}
        with session() as sess:
            weights = randomize_variables(sess)
            got_outputs, got_state = sess.run([outputs, state], dict(zip(xs, random_steps())))
    zeros = np.zeros((BATCH, UNITS), np.float32)
    want_outputs, want_state = np_unroll(np_basic_lstm(weights, "rnn/basic_lstm_cell/"),
                                         random_steps(), (zeros, zeros), lengths)
    np.testing.assert_allclose(got_outputs, [o[0] for o in want_outputs], atol=ATOL)
    np.testing.assert_allclose(got_state, want_state, atol=ATOL)


@pytest.mark.parametrize("lengths", [None, [3, 0, 5]], ids=["no_lengths", "lengths"])
def test_nested_inputs_outputs_and_reuse(lengths):
    rng = np.random.default_rng(3)
    a_values = [rng.normal(size=(BATCH, 2)).astype(np.float32) for _ in range(STEPS)]
    b_values = [rng.normal(size=(BATCH, 3)).astype(np.float32) for _ in range(STEPS)]
    with tf.Graph().as_default():
        inputs = [(tf.constant(a), tf.constant(b)) for a, b in zip(a_values, b_values)]
        outputs, state = rnn.static_rnn(PairCell(), inputs, dtype=tf.float32,
                                        sequence_length=lengths)
        assert variable_table() == [("rnn/w:0", (2, 2))]
        assert all(isinstance(o, tuple) and len(o) == 2 for o in outputs)
        assert outputs[0][1].shape.as_list() == [BATCH, 3]
        with session() as sess:
            weights = randomize_variables(sess)
            got_outputs, got_state = sess.run([outputs, state])
    want_outputs, want_state = np_unroll(np_pair_step(weights["rnn/w"]),
                                         list(zip(a_values, b_values)),
                                         (np.zeros((BATCH, 2), np.float32),), lengths)
    for got, want in zip(got_outputs, want_outputs):
        np.testing.assert_allclose(got[0], want[0], atol=ATOL)
        np.testing.assert_allclose(got[1], want[1], atol=ATOL)
    np.testing.assert_allclose(got_state, want_state[0], atol=ATOL)


@pytest.mark.parametrize("dynamic_batch", [False, True])
def test_initial_state_prefers_get_initial_state(dynamic_batch):
    calls = []

    class RecordingCell(PairCell):
        def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
            calls.append((inputs, batch_size, dtype))
            return tf.ones(tf.stack([batch_size, 2]), dtype)

        def zero_state(self, batch_size, dtype):
            raise AssertionError("zero_state must not be used when get_initial_state exists")

    with tf.Graph().as_default():
        batch = None if dynamic_batch else BATCH
        a = v1.placeholder(tf.float32, [batch, 2])
        b = v1.placeholder(tf.float32, [batch, 3])
        _, state = rnn.static_rnn(RecordingCell(), [(a, b)], dtype=tf.float32)
        [(inputs, batch_size, dtype)] = calls
        assert inputs is None and dtype == tf.float32
        if dynamic_batch:
            assert isinstance(batch_size, tf.Tensor)
        else:
            assert batch_size == BATCH and isinstance(batch_size, int)
        with session() as sess:
            weights = randomize_variables(sess)
            a_value = np.ones((BATCH, 2), np.float32)
            got = sess.run(state, {a: a_value, b: np.zeros((BATCH, 3))})
    np.testing.assert_allclose(got, np.tanh(a_value @ weights["rnn/w"] + 1.0), atol=ATOL)


# -- bidirectional ---------------------------------------------------------------------------


@pytest.mark.parametrize("lengths", [None, [5, 2, 0], [4, 1, 3]],
                         ids=["no_lengths", "with_zero", "partial"])
def test_bidirectional_matches_numpy_and_tf(lengths):
    with tf.Graph().as_default():
        xs = step_placeholders(False)
        outputs, state_fw, state_bw = rnn.static_bidirectional_rnn(
            rnn_cell.GRUCell(UNITS), rnn_cell.BasicLSTMCell(UNITS), xs, dtype=tf.float32,
            sequence_length=lengths)
        assert [o.shape.as_list() for o in outputs] == [[BATCH, 2 * UNITS]] * STEPS
        with v1.variable_scope(v1.get_variable_scope(), reuse=True):
            tf_outputs, tf_state_fw, tf_state_bw = v1.nn.static_bidirectional_rnn(
                rnn_cell.GRUCell(UNITS), rnn_cell.BasicLSTMCell(UNITS), xs, dtype=tf.float32,
                sequence_length=lengths)
        assert len(v1.global_variables()) == 6
        with session() as sess:
            weights = randomize_variables(sess)
            feed = dict(zip(xs, random_steps()))
            got, tf_got = sess.run([(outputs, state_fw, state_bw),
                                    (tf_outputs, tf_state_fw, tf_state_bw)], feed)
    zeros = np.zeros((BATCH, UNITS), np.float32)
    want_fw, want_state_fw = np_unroll(np_gru(weights, "bidirectional_rnn/fw/gru_cell/"),
                                       random_steps(), (zeros,), lengths)
    reversed_bw, want_state_bw = np_unroll(
        np_basic_lstm(weights, "bidirectional_rnn/bw/basic_lstm_cell/"),
        np_reverse(random_steps(), lengths), (zeros, zeros), lengths)
    want_bw = np_reverse([o[0] for o in reversed_bw], lengths)
    want = [np.concatenate([fw[0], bw], 1) for fw, bw in zip(want_fw, want_bw)]
    np.testing.assert_allclose(got[0], want, atol=ATOL)
    np.testing.assert_allclose(got[1], want_state_fw[0], atol=ATOL)
    np.testing.assert_allclose(got[2], want_state_bw, atol=ATOL)
    for ours, theirs in zip(tf.nest.flatten(got), tf.nest.flatten(tf_got)):
        np.testing.assert_allclose(ours, theirs, atol=ATOL)


# -- state saver -------------------------------------------------------------------------------


class FakeStateSaver:
    """Keeps each named state in a variable; save_state assigns it."""

    def __init__(self, values):
        self.variables = {name: v1.get_variable(f"saved/{name}", initializer=value,
                                                trainable=False)
                          for name, value in values.items()}

    def state(self, name):
        return self.variables[name].read_value()

    def save_state(self, name, value):
        return self.variables[name].assign(value).op


@pytest.mark.parametrize("cell_name,state_name", [("gru", "h"), ("basic_lstm", ("c", "h"))])
def test_state_saving_rnn_reads_and_saves_state(cell_name, state_name):
    make_cell, suffixes = CELLS[cell_name]
    rng = np.random.default_rng(5)
    names = tf.nest.flatten(state_name)
    start = {name: rng.normal(size=(BATCH, UNITS)).astype(np.float32) for name in names}
    lengths = [5, 3, 0]
    with tf.Graph().as_default():
        saver = FakeStateSaver(start)
        xs = step_placeholders(False)
        outputs, state = rnn.static_state_saving_rnn(make_cell(), xs, saver, state_name,
                                                     sequence_length=lengths)
        assert variable_table(v1.trainable_variables()) == expected_table("rnn", suffixes)
        with session() as sess:
            sess.run(v1.global_variables_initializer())
            weights = randomize_variables(sess)
            feed = dict(zip(xs, random_steps()))
            # Fetching only the last output must run the saves.
            last_output = sess.run(outputs[-1], feed)
            saved = sess.run({name: var for name, var in saver.variables.items()})
            # The second segment starts from the saved state.
            second_state = sess.run(tf.nest.flatten(state), feed)
    np_cell, cell_scope = NP_CELLS[cell_name]
    step = np_cell(weights, "rnn/" + cell_scope)
    want_outputs, want_state = np_unroll(step, random_steps(),
                                         tuple(start[n] for n in names), lengths)
    np.testing.assert_allclose(last_output, want_outputs[-1][0], atol=ATOL)
    np.testing.assert_allclose([saved[n] for n in names], want_state, atol=ATOL)
    _, want_second = np_unroll(step, random_steps(), want_state, lengths)
    np.testing.assert_allclose(second_state, want_second, atol=ATOL)
    assert not np.allclose(want_second, want_state)


@pytest.mark.parametrize("cell_name,state_name,match", [
    ("basic_lstm", "c", r"state_name should be the same type as cell.state_size"),
    ("gru", ("h",), r"state_name should be the same type as cell.state_size"),
    ("basic_lstm", ("c", "h", "x"), r"#elems\(state_name\) != #elems\(state_size\): 3 vs\. 2"),
])
def test_state_saving_rnn_state_name_errors(cell_name, state_name, match):
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match=match):
            rnn.static_state_saving_rnn(CELLS[cell_name][0](), step_placeholders(False),
                                        object(), state_name)


# -- our cells inside TensorFlow's own drivers --------------------------------------------------


def _dynamic_inputs():
    x = v1.placeholder(tf.float32, [BATCH, STEPS, DEPTH])
    return x, np.stack(random_steps(), axis=1)


@pytest.mark.parametrize("cell_name", sorted(CELLS))
def test_our_cells_in_tf_dynamic_and_static_rnn(cell_name):
    make_cell, suffixes = CELLS[cell_name]
    lengths = [5, 2, 3]
    with tf.Graph().as_default():
        x, x_value = _dynamic_inputs()
        dyn_outputs, dyn_state = v1.nn.dynamic_rnn(make_cell(), x, sequence_length=lengths,
                                                   dtype=tf.float32)
        assert variable_table() == expected_table("rnn", suffixes)
        with v1.variable_scope(v1.get_variable_scope(), reuse=True):
            steps = tf.unstack(x, axis=1)
            our_outputs, our_state = rnn.static_rnn(make_cell(), steps, dtype=tf.float32,
                                                    sequence_length=lengths)
            tf_outputs, tf_state = v1.nn.static_rnn(make_cell(), steps, dtype=tf.float32,
                                                    sequence_length=lengths)
        assert variable_table() == expected_table("rnn", suffixes)
        with session() as sess:
            randomize_variables(sess)
            dyn, ours, theirs = sess.run(
                [(dyn_outputs, dyn_state), (tf.stack(our_outputs, 1), our_state),
                 (tf.stack(tf_outputs, 1), tf_state)], {x: x_value})
    assert np.abs(ours[0]).max() > 0.05
    for got, want in zip(tf.nest.flatten(ours), tf.nest.flatten(dyn)):
        np.testing.assert_allclose(got, want, atol=ATOL)
    for got, want in zip(tf.nest.flatten(ours), tf.nest.flatten(theirs)):
        np.testing.assert_allclose(got, want, atol=ATOL)


@pytest.mark.parametrize("cell_name", sorted(CELLS))
def test_our_cells_in_tf_bidirectional_dynamic_rnn(cell_name):
    make_cell, suffixes = CELLS[cell_name]
    lengths = [3, 5, 1]
    with tf.Graph().as_default():
        x, x_value = _dynamic_inputs()
        (dyn_fw, dyn_bw), (dyn_state_fw, dyn_state_bw) = v1.nn.bidirectional_dynamic_rnn(
            make_cell(), make_cell(), x, sequence_length=lengths, dtype=tf.float32)
        expected = (expected_table("bidirectional_rnn/fw", suffixes)
                    + expected_table("bidirectional_rnn/bw", suffixes))
        assert variable_table() == expected
        with v1.variable_scope(v1.get_variable_scope(), reuse=True):
            our_outputs, our_state_fw, our_state_bw = rnn.static_bidirectional_rnn(
                make_cell(), make_cell(), tf.unstack(x, axis=1), dtype=tf.float32,
                sequence_length=lengths)
        assert variable_table() == expected
        with session() as sess:
            randomize_variables(sess)
            dyn, ours = sess.run(
                [(tf.concat([dyn_fw, dyn_bw], 2), dyn_state_fw, dyn_state_bw),
                 (tf.stack(our_outputs, 1), our_state_fw, our_state_bw)], {x: x_value})
    for got, want in zip(tf.nest.flatten(ours), tf.nest.flatten(dyn)):
        np.testing.assert_allclose(got, want, atol=ATOL)


# -- errors --------------------------------------------------------------------------------------


def _float_steps(*shapes):
    return [v1.placeholder(tf.float32, shape) for shape in shapes]


@pytest.mark.parametrize("call,error,match", [
    (lambda: rnn.static_rnn(object(), _float_steps([2, 4]), dtype=tf.float32),
     TypeError, r"The argument 'cell' \(.*\) is not an RNNCell: 'output_size' property is "
                r"missing, 'state_size' property is missing"),
    (lambda: rnn.static_rnn(rnn_cell.GRUCell(2), _float_steps([2, 4])[0], dtype=tf.float32),
     TypeError, r"inputs must be a sequence"),
    (lambda: rnn.static_rnn(rnn_cell.GRUCell(2), [], dtype=tf.float32),
     ValueError, r"inputs must not be empty"),
    (lambda: rnn.static_rnn(rnn_cell.GRUCell(2), _float_steps([2, None]), dtype=tf.float32),
     ValueError, r"Input size \(dimension 0 of inputs\) must be accessible via shape "
                 r"inference, but saw value None\."),
    (lambda: rnn.static_rnn(rnn_cell.GRUCell(2), _float_steps(None), dtype=tf.float32),
     ValueError, r"Input size \(dimension 0 of inputs\) must be accessible"),
    (lambda: rnn.static_rnn(rnn_cell.GRUCell(2), _float_steps([2, 4], [2, 4, None])[::-1],
                            dtype=tf.float32),
     ValueError, r"Input size \(dimension 1 of inputs\) must be accessible"),
    (lambda: rnn.static_rnn(rnn_cell.GRUCell(2), _float_steps([])),
     ValueError, r"inputs must have rank 2 or more"),
    (lambda: rnn.static_rnn(rnn_cell.GRUCell(2), _float_steps([2, 4], [3, 4]),
                            dtype=tf.float32),
     ValueError, r"inputs must all have the batch size of the first input: expected 2, got "
                 r"an input of shape \(3, 4\)"),
    (lambda: rnn.static_rnn(rnn_cell.GRUCell(2), _float_steps([2, 4])),
     ValueError, r"If no initial_state is provided, dtype must be specified"),
    (lambda: rnn.static_rnn(rnn_cell.GRUCell(2), _float_steps([2, 4]), dtype=tf.float32,
                            sequence_length=[[1, 2]]),
     ValueError, r"sequence_length must be a vector of length batch_size, but saw shape: "
                 r"\(1, 2\)"),
    (lambda: rnn.static_rnn(rnn_cell.GRUCell(2), _float_steps([2, 4]), dtype=tf.float32,
                            sequence_length=[1, 2, 3]),
     ValueError, r"sequence_length must be a vector of length batch_size.*batch_size is 2"),
    (lambda: rnn.static_bidirectional_rnn(object(), rnn_cell.GRUCell(2), _float_steps([2, 4]),
                                          dtype=tf.float32),
     TypeError, r"The argument 'cell_fw' \(.*\) is not an RNNCell"),
    (lambda: rnn.static_bidirectional_rnn(rnn_cell.GRUCell(2), "cell", _float_steps([2, 4]),
                                          dtype=tf.float32),
     TypeError, r"The argument 'cell_bw' \('cell'\) is not an RNNCell: 'output_size' "
                r"property is missing, 'state_size' property is missing, either 'zero_state' "
                r"or 'get_initial_state' method is required, is not callable\."),
    (lambda: rnn.static_bidirectional_rnn(rnn_cell.GRUCell(2), rnn_cell.GRUCell(2),
                                          _float_steps([2, 4])[0], dtype=tf.float32),
     TypeError, r"inputs must be a sequence"),
    (lambda: rnn.static_bidirectional_rnn(rnn_cell.GRUCell(2), rnn_cell.GRUCell(2), (),
                                          dtype=tf.float32),
     ValueError, r"inputs must not be empty"),
    (lambda: rnn.static_state_saving_rnn(object(), _float_steps([2, 4]), object(), "h"),
     TypeError, r"The argument 'cell' \(.*\) is not an RNNCell"),
])
def test_errors(call, error, match):
    with tf.Graph().as_default():
        with pytest.raises(error, match=match):
            call()


def test_zero_output_dtype_comes_from_the_state():
    with tf.Graph().as_default():
        inputs = [(tf.zeros([2, 2], tf.float64), tf.zeros([2, 3], tf.float64))] * 2
        outputs, state = rnn.static_rnn(PairCell(), inputs,
                                        initial_state=tf.zeros([2, 2], tf.float64),
                                        sequence_length=[1, 2])
        assert [o.dtype for o in tf.nest.flatten(outputs)] == [tf.float64] * 4
        assert state.dtype == tf.float64


def test_zero_output_dtype_needs_a_single_state_dtype():
    class TwoStateCell(PairCell):
        state_size = (2, 2)

    with tf.Graph().as_default():
        state = (tf.zeros([2, 2]), tf.zeros([2, 2], tf.float64))
        with pytest.raises(ValueError, match=r"State has tensors of different inferred_dtypes"):
            rnn.static_rnn(TwoStateCell(), [(tf.zeros([2, 2]), tf.zeros([2, 3]))],
                           initial_state=state, sequence_length=[1, 1])


@pytest.mark.parametrize("name,call", [
    ("static_rnn", lambda: rnn.static_rnn(rnn_cell.GRUCell(2), [tf.zeros([2, 4])],
                                          dtype=tf.float32)),
    ("static_bidirectional_rnn", lambda: rnn.static_bidirectional_rnn(
        rnn_cell.GRUCell(2), rnn_cell.GRUCell(2), [tf.zeros([2, 4])], dtype=tf.float32)),
    ("static_state_saving_rnn", lambda: rnn.static_state_saving_rnn(
        rnn_cell.GRUCell(2), [tf.zeros([2, 4])], object(), "h")),
])
def test_eager_mode_raises(name, call):
    if not tf.executing_eagerly():
        pytest.skip("eager execution was disabled for this test run")
    with pytest.raises(RuntimeError, match=rf"{name} was called in eager mode\. .*tf.Graph"):
        call()


def test_variable_reads_are_cached_once_per_variable_like_tf115():
    with tf.Graph().as_default():
        inputs = [tf.zeros([2, 3])] * 4
        rnn.static_rnn(rnn_cell.GRUCell(5), inputs, dtype=tf.float32)
        variables = tf.compat.v1.global_variables()
        ops = tf.compat.v1.get_default_graph().get_operations()
        # TF 1.15 set a caching device on the scope: one cached read per
        # variable ("<var>/Read/Identity"; "<var>/read" for ref variables),
        # used by every step.
        cached = sorted(op.name.rsplit("/", 2 if op.name.endswith("/Read/Identity") else 1)[0]
                        for op in ops
                        if op.name.endswith(("/Read/Identity", "/read")))
        assert len(variables) == 4
        assert cached == sorted(v.op.name for v in variables)
        per_use_reads = [op.name for op in ops
                         if op.type == "ReadVariableOp" and "/Read/" not in op.name]
        assert per_use_reads == []


@pytest.mark.parametrize("control_flow_v2", [True, False])
def test_no_read_caching_inside_a_while_loop(control_flow_v2):
    seen = []
    was_v2 = tf.compat.v1.control_flow_v2_enabled()
    try:
        if control_flow_v2:
            tf.compat.v1.enable_control_flow_v2()
        else:
            tf.compat.v1.disable_control_flow_v2()
        with tf.Graph().as_default():
            assert rnn._may_cache_reads()

            def body(i):
                seen.append(rnn._may_cache_reads())
                return i + 1

            tf.compat.v1.while_loop(lambda i: i < 2, body, [tf.constant(0)])
    finally:
        if was_v2:
            tf.compat.v1.enable_control_flow_v2()
        else:
            tf.compat.v1.disable_control_flow_v2()
    assert seen and not any(seen)
