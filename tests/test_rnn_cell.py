"""Tests for legacy_seq2seq_compat.rnn_cell.

Each cell is pinned on four things: the TF 1.15 variable names, shapes and
creation order; its numbers against an independent NumPy version of its
equations (random weights, several steps); the golden values TF 1.15's own
tests asserted (constant 0.5 initializer); and its errors.
"""

import copy
import logging
import math
import re

import numpy as np
import pytest
import tensorflow as tf

from legacy_seq2seq_compat import rnn_cell as rc

v1 = tf.compat.v1
LOGGER = "legacy_seq2seq_compat.rnn_cell"
RTOL = ATOL = 1e-5


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _relu(x):
    return np.maximum(x, 0.0)


def _cat(*arrays):
    return np.concatenate(arrays, axis=1)


def _table(variables):
    """[(name, shape)] of `variables`, in order."""
    return [(v.name, tuple(v.shape.as_list())) for v in variables]


def _expected(prefix, suffixes):
    return [(f"{prefix}/{name}:0", shape) for name, shape in suffixes]


def _randomize(sess, rng):
    """Loads random values into every global variable.

    Returns:
      {name without ':0': float64 array}, partitioned parts ('.../part_k')
      concatenated along axis 0 under the variable's own name.
    """
    values, parts = {}, {}
    for var in v1.global_variables():
        dtype = var.dtype.base_dtype.as_numpy_dtype
        value = rng.uniform(-1.0, 1.0, var.shape.as_list()).astype(dtype)
        var.load(value, sess)
        name = var.name[: -len(":0")]
        match = re.fullmatch(r"(.*)/part_(\d+)", name)
        if match:
            parts.setdefault(match.group(1), {})[int(match.group(2))] = value
        else:
            values[name] = value.astype(np.float64)
    for name, pieces in parts.items():
        values[name] = np.concatenate([pieces[k] for k in sorted(pieces)], 0).astype(np.float64)
    return values


def _float_inputs(depth, batch=2, dtype=tf.float32):
    return tf.zeros([batch, depth], dtype)


def _id_inputs(batch=2):
    return tf.zeros([batch, 1], tf.int32)


def _call_once(cell, inputs, dtype=tf.float32):
    batch = inputs.get_shape().as_list()[0]
    return cell(inputs, cell.zero_state(batch, dtype))


def _dropout_random_ops(graph):
    return [op for op in graph.get_operations()
            if op.type == "RandomUniform" and "Initializer" not in op.name]


class _EchoCell(rc.RNNCell):
    """A variable-free cell whose output and new state are its input."""

    def __init__(self, depth):
        super().__init__()
        self._depth = depth

    @property
    def state_size(self):
        return self._depth

    @property
    def output_size(self):
        return self._depth

    def call(self, inputs, state):
        return inputs, inputs


# ---------------------------------------------------------------------------
# NumPy versions of the equations (reference section 4)
# ---------------------------------------------------------------------------


def np_basic_rnn(w, p, x, h, act=np.tanh):
    return act(_cat(x, h) @ w[p + "kernel"] + w[p + "bias"])


def np_gru(w, p, x, h, act=np.tanh):
    gates = _sigmoid(_cat(x, h) @ w[p + "gates/kernel"] + w[p + "gates/bias"])
    r, u = np.split(gates, 2, axis=1)
    cand = act(_cat(x, r * h) @ w[p + "candidate/kernel"] + w[p + "candidate/bias"])
    return u * h + (1.0 - u) * cand


def np_lstm(w, p, x, c, h, forget_bias=1.0, peepholes=False, cell_clip=None,
            projection=False, proj_clip=None):
    z = _cat(x, h) @ w[p + "kernel"] + w[p + "bias"]
    i, j, f, o = np.split(z, 4, axis=1)
    if peepholes:
        new_c = (_sigmoid(f + forget_bias + w[p + "w_f_diag"] * c) * c
                 + _sigmoid(i + w[p + "w_i_diag"] * c) * np.tanh(j))
    else:
        new_c = _sigmoid(f + forget_bias) * c + _sigmoid(i) * np.tanh(j)
    if cell_clip is not None:
        new_c = np.clip(new_c, -cell_clip, cell_clip)
    if peepholes:
        o = o + w[p + "w_o_diag"] * new_c
    m = _sigmoid(o) * np.tanh(new_c)
    if projection:
        m = m @ w[p + "projection/kernel"]
        if proj_clip is not None:
            m = np.clip(m, -proj_clip, proj_clip)
    return new_c, m


def _lstm_step(prefix, units, is_tuple=True, **kw):
    """A step function (w, x, state) -> (output, state) for a (Basic)LSTMCell."""

    def step(w, x, state):
        c, h = state if is_tuple else (state[:, :units], state[:, units:])
        new_c, m = np_lstm(w, prefix, x, c, h, **kw)
        return m, ((new_c, m) if is_tuple else _cat(new_c, m))

    return step


def _simple_step(fn, prefix, **kw):
    def step(w, x, state):
        new_h = fn(w, prefix, x, state, **kw)
        return new_h, new_h

    return step


# ---------------------------------------------------------------------------
# Variable names, shapes and creation order (reference 2.1, 2.2)
# ---------------------------------------------------------------------------

GRU3_IN2 = [("gru_cell/gates/kernel", (5, 6)), ("gru_cell/gates/bias", (6,)),
            ("gru_cell/candidate/kernel", (5, 3)), ("gru_cell/candidate/bias", (3,))]


def _prefixed(prefix, suffixes):
    return [(f"{prefix}/{name}", shape) for name, shape in suffixes]


# (factory, inputs factory, [(name under the calling scope, shape)] in creation order)
NAME_CASES = {
    "basic_rnn": (lambda: rc.BasicRNNCell(3), lambda: _float_inputs(2),
                  [("basic_rnn_cell/kernel", (5, 3)), ("basic_rnn_cell/bias", (3,))]),
    "gru": (lambda: rc.GRUCell(3), lambda: _float_inputs(2), GRU3_IN2),
    "gru_named": (lambda: rc.GRUCell(3, name="my_gru"), lambda: _float_inputs(2),
                  [(n.replace("gru_cell", "my_gru"), s) for n, s in GRU3_IN2]),
    "basic_lstm_tuple": (lambda: rc.BasicLSTMCell(3), lambda: _float_inputs(2),
                         [("basic_lstm_cell/kernel", (5, 12)), ("basic_lstm_cell/bias", (12,))]),
    "basic_lstm_concat": (lambda: rc.BasicLSTMCell(3, state_is_tuple=False),
                          lambda: _float_inputs(2),
                          [("basic_lstm_cell/kernel", (5, 12)),
                           ("basic_lstm_cell/bias", (12,))]),
    "lstm": (lambda: rc.LSTMCell(3), lambda: _float_inputs(2),
             [("lstm_cell/kernel", (5, 12)), ("lstm_cell/bias", (12,))]),
    "lstm_peepholes_proj": (
        lambda: rc.LSTMCell(3, use_peepholes=True, num_proj=2, cell_clip=1.0, proj_clip=1.0),
        lambda: _float_inputs(2),
        [("lstm_cell/kernel", (4, 12)), ("lstm_cell/bias", (12,)),
         ("lstm_cell/w_f_diag", (3,)), ("lstm_cell/w_i_diag", (3,)),
         ("lstm_cell/w_o_diag", (3,)), ("lstm_cell/projection/kernel", (3, 2))]),
    "lstm_shards": (
        lambda: rc.LSTMCell(4, num_proj=3, num_unit_shards=2, num_proj_shards=3),
        lambda: _float_inputs(5),
        [("lstm_cell/kernel/part_0", (4, 16)), ("lstm_cell/kernel/part_1", (4, 16)),
         ("lstm_cell/bias", (16,)), ("lstm_cell/projection/kernel/part_0", (2, 3)),
         ("lstm_cell/projection/kernel/part_1", (1, 3)),
         ("lstm_cell/projection/kernel/part_2", (1, 3))]),
    "multi_tuple": (
        lambda: rc.MultiRNNCell([rc.GRUCell(3), rc.BasicLSTMCell(4)]),
        lambda: _float_inputs(2),
        _prefixed("multi_rnn_cell/cell_0", GRU3_IN2)
        + [("multi_rnn_cell/cell_1/basic_lstm_cell/kernel", (7, 16)),
           ("multi_rnn_cell/cell_1/basic_lstm_cell/bias", (16,))]),
    "multi_concat": (
        lambda: rc.MultiRNNCell([rc.BasicRNNCell(4), rc.GRUCell(3)], state_is_tuple=False),
        lambda: _float_inputs(2),
        [("multi_rnn_cell/cell_0/basic_rnn_cell/kernel", (6, 4)),
         ("multi_rnn_cell/cell_0/basic_rnn_cell/bias", (4,)),
         ("multi_rnn_cell/cell_1/gru_cell/gates/kernel", (7, 6)),
         ("multi_rnn_cell/cell_1/gru_cell/gates/bias", (6,)),
         ("multi_rnn_cell/cell_1/gru_cell/candidate/kernel", (7, 3)),
         ("multi_rnn_cell/cell_1/gru_cell/candidate/bias", (3,))]),
    "dropout": (lambda: rc.DropoutWrapper(rc.GRUCell(3), 0.5, 0.5, 0.5),
                lambda: _float_inputs(2), GRU3_IN2),
    "residual": (lambda: rc.ResidualWrapper(rc.GRUCell(3)), lambda: _float_inputs(3),
                 [("gru_cell/gates/kernel", (6, 6)), ("gru_cell/gates/bias", (6,)),
                  ("gru_cell/candidate/kernel", (6, 3)), ("gru_cell/candidate/bias", (3,))]),
    "device": (lambda: rc.DeviceWrapper(rc.GRUCell(3), "/cpu:0"), lambda: _float_inputs(2),
               GRU3_IN2),
    "embedding": (lambda: rc.EmbeddingWrapper(rc.GRUCell(3), 7, 2), _id_inputs,
                  [("embedding_wrapper/embedding", (7, 2))]
                  + _prefixed("embedding_wrapper", GRU3_IN2)),
    "input_projection": (
        lambda: rc.InputProjectionWrapper(rc.BasicRNNCell(3), 4), lambda: _float_inputs(2),
        [("input_projection_wrapper/kernel", (2, 4)), ("input_projection_wrapper/bias", (4,)),
         ("input_projection_wrapper/basic_rnn_cell/kernel", (7, 3)),
         ("input_projection_wrapper/basic_rnn_cell/bias", (3,))]),
    "output_projection": (
        lambda: rc.OutputProjectionWrapper(rc.GRUCell(3), 5), lambda: _float_inputs(2),
        _prefixed("output_projection_wrapper", GRU3_IN2)
        + [("output_projection_wrapper/kernel", (3, 5)),
           ("output_projection_wrapper/bias", (5,))]),
    "nested": (
        lambda: rc.DropoutWrapper(rc.OutputProjectionWrapper(rc.EmbeddingWrapper(
            rc.MultiRNNCell([rc.GRUCell(3), rc.LSTMCell(2, num_proj=1)]), 7, 2), 5),
            output_keep_prob=0.5, state_keep_prob=0.5),
        _id_inputs,
        [("output_projection_wrapper/embedding_wrapper/embedding", (7, 2))]
        + _prefixed("output_projection_wrapper/embedding_wrapper/multi_rnn_cell/cell_0",
                    GRU3_IN2)
        + [("output_projection_wrapper/embedding_wrapper/multi_rnn_cell/cell_1/lstm_cell/"
            "kernel", (4, 8)),
           ("output_projection_wrapper/embedding_wrapper/multi_rnn_cell/cell_1/lstm_cell/"
            "bias", (8,)),
           ("output_projection_wrapper/embedding_wrapper/multi_rnn_cell/cell_1/lstm_cell/"
            "projection/kernel", (2, 1)),
           ("output_projection_wrapper/kernel", (1, 5)),
           ("output_projection_wrapper/bias", (5,))]),
}


@pytest.mark.parametrize("case", sorted(NAME_CASES))
def test_variable_names_shapes_and_order(case):
    factory, make_inputs, suffixes = NAME_CASES[case]
    with tf.Graph().as_default():
        cell = factory()
        with v1.variable_scope("root"):
            _call_once(cell, make_inputs())
        expected = _expected("root", suffixes)
        assert _table(v1.global_variables()) == expected
        assert _table(v1.trainable_variables()) == expected
        assert _table(cell.variables) == expected
        # A second call, from any other scope, reuses the bound scope.
        with v1.variable_scope("elsewhere"):
            _call_once(cell, make_inputs())
        assert _table(v1.global_variables()) == expected


def test_scope_bound_at_first_call_and_default_names_uniquified():
    with tf.Graph().as_default():
        x, h = _float_inputs(2), _float_inputs(3)
        first, second = rc.GRUCell(3), rc.GRUCell(3)
        with v1.variable_scope("root"):
            first(x, h)
            second(x, h)
        with v1.variable_scope("other"):
            first(x, h)
            second(x, h)
        renamed = [(n.replace("gru_cell", "gru_cell_1"), s) for n, s in GRU3_IN2]
        assert _table(v1.global_variables()) == (
            _expected("root", GRU3_IN2) + _expected("root", renamed))
        assert first.name == "root/gru_cell"
        assert second.name == "root/gru_cell_1"
        assert _table(second.variables)[0] == ("root/gru_cell_1/gates/kernel:0", (5, 6))


def test_name_argument_scope_argument_and_reuse_argument():
    with tf.Graph().as_default():
        x, h = _float_inputs(2), _float_inputs(3)
        with v1.variable_scope("root"):
            rc.GRUCell(3, name="enc")(x, h)
            explicit = rc.GRUCell(3)
            explicit(x, h, scope="explicit")
            multi = rc.MultiRNNCell([rc.BasicRNNCell(3)])
            multi(x, (h,), scope="stack")
            shared = rc.GRUCell(3, reuse=True, name="enc")
            shared(x, h)
        # The scope argument puts variables directly in that scope.
        with v1.variable_scope("later"):
            explicit(x, h)
        assert _table(v1.global_variables()) == (
            _expected("root", [(n.replace("gru_cell", "enc"), s) for n, s in GRU3_IN2])
            + _expected("root/explicit", [(n[len("gru_cell/"):], s) for n, s in GRU3_IN2])
            + [("root/stack/cell_0/basic_rnn_cell/kernel:0", (5, 3)),
               ("root/stack/cell_0/basic_rnn_cell/bias:0", (3,))])
        assert [v.name for v in shared.variables][0] == "root/enc/gates/kernel:0"


def test_reentered_string_scope_restarts_default_names():
    with tf.Graph().as_default():
        x, h = _float_inputs(2), _float_inputs(3)
        with v1.variable_scope("bucket"):
            rc.GRUCell(3)(x, h)
        with v1.variable_scope("bucket", reuse=True):
            reused = rc.GRUCell(3)
            reused(x, h)
        assert len(v1.global_variables()) == 4
        assert reused.name == "bucket/gru_cell"
        with pytest.raises(ValueError, match="bucket/gru_cell/gates/kernel already exists"):
            with v1.variable_scope("bucket"):
                rc.GRUCell(3)(x, h)


def test_non_layer_cells_roll_back_their_default_name():
    # Reference 2.1.6: two fresh OutputProjectionWrappers first called in the
    # same parent both resolve to `output_projection_wrapper`.
    with tf.Graph().as_default():
        x, h = _float_inputs(3), _float_inputs(3)
        rc.OutputProjectionWrapper(rc.GRUCell(3), 2)(x, h)
        with pytest.raises(ValueError, match="output_projection_wrapper/gru_cell/gates/kernel "
                                             "already exists"):
            rc.OutputProjectionWrapper(rc.GRUCell(3), 2)(x, h)


def test_multi_rnn_cell_of_one_object_shares_weights_and_warns(caplog):
    with tf.Graph().as_default():
        gru = rc.GRUCell(2)
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            multi = rc.MultiRNNCell([gru] * 2)
        assert "are the same object and will share weights" in caplog.text
        rng = np.random.RandomState(3)
        x0, s0, s1 = (rng.uniform(-1, 1, (2, 2)) for _ in range(3))
        with v1.variable_scope("root"):
            out, state = multi(tf.constant(x0, tf.float32),
                               (tf.constant(s0, tf.float32), tf.constant(s1, tf.float32)))
        assert _table(v1.global_variables()) == [
            ("root/multi_rnn_cell/cell_0/gru_cell/gates/kernel:0", (4, 4)),
            ("root/multi_rnn_cell/cell_0/gru_cell/gates/bias:0", (4,)),
            ("root/multi_rnn_cell/cell_0/gru_cell/candidate/kernel:0", (4, 2)),
            ("root/multi_rnn_cell/cell_0/gru_cell/candidate/bias:0", (2,))]
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            w = _randomize(sess, rng)
            got_out, got_state = sess.run((out, state))
    p = "root/multi_rnn_cell/cell_0/gru_cell/"
    h0 = np_gru(w, p, x0, s0)
    h1 = np_gru(w, p, h0, s1)
    np.testing.assert_allclose(got_out, h1, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(got_state[0], h0, rtol=RTOL, atol=ATOL)


def test_multi_rnn_cell_can_give_repeated_cells_their_own_weights_as_tf_1_0(monkeypatch):
    monkeypatch.setattr(rc.MultiRNNCell, "separate_repeated_cells", True)
    with tf.Graph().as_default():
        gru = rc.GRUCell(2)
        multi = rc.MultiRNNCell([gru] * 2)
        rng = np.random.RandomState(5)
        x0 = rng.uniform(-1, 1, (2, 3))
        s0, s1 = (rng.uniform(-1, 1, (2, 2)) for _ in range(2))
        with v1.variable_scope("root"):
            out, state = multi(tf.constant(x0, tf.float32),
                               (tf.constant(s0, tf.float32), tf.constant(s1, tf.float32)))
        assert _table(v1.global_variables()) == [
            ("root/multi_rnn_cell/cell_0/gru_cell/gates/kernel:0", (5, 4)),
            ("root/multi_rnn_cell/cell_0/gru_cell/gates/bias:0", (4,)),
            ("root/multi_rnn_cell/cell_0/gru_cell/candidate/kernel:0", (5, 2)),
            ("root/multi_rnn_cell/cell_0/gru_cell/candidate/bias:0", (2,)),
            ("root/multi_rnn_cell/cell_1/gru_cell/gates/kernel:0", (4, 4)),
            ("root/multi_rnn_cell/cell_1/gru_cell/gates/bias:0", (4,)),
            ("root/multi_rnn_cell/cell_1/gru_cell/candidate/kernel:0", (4, 2)),
            ("root/multi_rnn_cell/cell_1/gru_cell/candidate/bias:0", (2,))]
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            w = _randomize(sess, rng)
            got_out, got_state = sess.run((out, state))
    h0 = np_gru(w, "root/multi_rnn_cell/cell_0/gru_cell/", x0, s0)
    h1 = np_gru(w, "root/multi_rnn_cell/cell_1/gru_cell/", h0, s1)
    np.testing.assert_allclose(got_out, h1, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(got_state[0], h0, rtol=RTOL, atol=ATOL)
    # Layer 0 is the caller's object; layer 1 a copy of it.
    assert multi._cells[0] is gru and multi._cells[1] is not gru and gru.built


def test_multi_rnn_cell_of_one_object_with_other_input_depth_says_what_to_change():
    # TF <= 1.0 scripts wrote MultiRNNCell([cell] * n) for n independent layers; with an
    # input depth other than num_units, TF 1.15 failed inside a matmul of `cell_0`.
    with tf.Graph().as_default():
        multi = rc.MultiRNNCell([rc.BasicLSTMCell(4)] * 3)
        state = multi.zero_state(2, tf.float32)
        with pytest.raises(ValueError, match=re.escape(
                "cells[1] is the same object as cells[0], so both layers share one set of "
                "weights, but layer 1 gets inputs of depth 4 where layer 0 got 3.")) as info:
            multi(_float_inputs(3), state)
        assert "MultiRNNCell([GRUCell(...) for _ in range(n)])" in str(info.value)


@pytest.mark.parametrize("factory, fragment", [
    (lambda: rc.BasicLSTMCell(2, state_is_tuple=False), "Using a concatenated state is slower"),
    (lambda: rc.LSTMCell(2, state_is_tuple=False), "Using a concatenated state is slower"),
    (lambda: rc.LSTMCell(2, num_unit_shards=2), "num_unit_shards and proj_unit_shards"),
    (lambda: rc.InputProjectionWrapper(rc.GRUCell(2), 2, input_size=3),
     "input_size parameter is deprecated"),
], ids=["basic_lstm_concat", "lstm_concat", "lstm_shards", "input_size"])
def test_deprecation_warnings_are_logged(caplog, factory, fragment):
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        factory()
    assert fragment in caplog.text
    assert all(r.name == LOGGER for r in caplog.records if fragment in r.getMessage())


# ---------------------------------------------------------------------------
# Initializers (reference 2.2, 3.10)
# ---------------------------------------------------------------------------


def test_default_initializers():
    with tf.Graph().as_default():
        x = _float_inputs(3)
        cells = {
            "rnn": rc.BasicRNNCell(4),
            "gru": rc.GRUCell(4),
            "basic_lstm": rc.BasicLSTMCell(4, forget_bias=2.5),
            "lstm": rc.LSTMCell(4, forget_bias=2.5, use_peepholes=True, num_proj=2),
            "proj": rc.OutputProjectionWrapper(rc.InputProjectionWrapper(rc.GRUCell(4), 5), 6),
        }
        for name, cell in cells.items():
            with v1.variable_scope(name):
                _call_once(cell, x)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            values = {v.name[:-2]: sess.run(v) for v in v1.global_variables()}
    zero_biases = ["rnn/basic_rnn_cell/bias", "gru/gru_cell/candidate/bias",
                   "basic_lstm/basic_lstm_cell/bias", "lstm/lstm_cell/bias",
                   "proj/output_projection_wrapper/bias",
                   "proj/output_projection_wrapper/input_projection_wrapper/bias",
                   "proj/output_projection_wrapper/input_projection_wrapper/gru_cell/"
                   "candidate/bias"]
    for name in zero_biases:
        np.testing.assert_array_equal(values[name], 0.0, err_msg=name)
    np.testing.assert_array_equal(values["gru/gru_cell/gates/bias"], 1.0)
    # Kernels: Glorot uniform, so bounded by sqrt(6 / (fan_in + fan_out)) and not constant.
    for name, value in values.items():
        if name.endswith("kernel") or "diag" in name:
            fans = value.shape if value.ndim == 2 else value.shape * 2  # 1-D: in = out
            limit = math.sqrt(6.0 / sum(fans))
            assert np.abs(value).max() <= limit + 1e-6, name
            assert np.std(value) > 0.0, name


def test_explicit_initializers():
    with tf.Graph().as_default():
        x = _float_inputs(3)
        with v1.variable_scope("scope_init", initializer=v1.constant_initializer(0.5)):
            gru = rc.GRUCell(2, kernel_initializer=v1.constant_initializer(0.2),
                             bias_initializer=v1.constant_initializer(0.3))
            _call_once(gru, x)
            lstm = rc.LSTMCell(2, use_peepholes=True, num_proj=1,
                               initializer=v1.constant_initializer(0.7))
            _call_once(lstm, x)
            rnn = rc.BasicRNNCell(2)
            _call_once(rnn, x)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            got = {v.name[len("scope_init/"):-2]: sess.run(v) for v in v1.global_variables()}
    expected = {
        "gru_cell/gates/kernel": 0.2, "gru_cell/gates/bias": 0.3,
        "gru_cell/candidate/kernel": 0.2, "gru_cell/candidate/bias": 0.3,
        "lstm_cell/kernel": 0.7, "lstm_cell/bias": 0.0, "lstm_cell/w_f_diag": 0.7,
        "lstm_cell/w_i_diag": 0.7, "lstm_cell/w_o_diag": 0.7,
        "lstm_cell/projection/kernel": 0.7,
        "basic_rnn_cell/kernel": 0.5, "basic_rnn_cell/bias": 0.0,
    }
    assert sorted(got) == sorted(expected)
    for name, value in expected.items():
        np.testing.assert_allclose(got[name], value, rtol=1e-7, err_msg=name)


def test_embedding_wrapper_initializer_and_placement():
    with tf.Graph().as_default():
        ids = _id_inputs()
        default = rc.EmbeddingWrapper(rc.GRUCell(2), 50, 40)
        with v1.variable_scope("default"):
            default(ids, tf.zeros([2, 2], tf.float64))
        with v1.variable_scope("scoped", initializer=v1.constant_initializer(0.5)):
            own = rc.EmbeddingWrapper(rc.GRUCell(2), 3, 2,
                                      initializer=v1.constant_initializer(0.25))
            _call_once(own, ids)
        table = v1.global_variables()[0]
        assert table.name == "default/embedding_wrapper/embedding:0"
        assert table.dtype.base_dtype == tf.float64  # the dtype of the state
        assert table.device == "/device:CPU:0"
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            values = sess.run(table)
            own_values = sess.run(own.variables[0])
    # uniform(-sqrt 3, sqrt 3): variance 1, far wider than Glorot (limit 0.26 here).
    assert np.abs(values).max() <= math.sqrt(3.0)
    assert np.abs(values).max() > 1.5
    assert abs(values.std() - 1.0) < 0.1
    np.testing.assert_array_equal(own_values, 0.25)


# ---------------------------------------------------------------------------
# Numbers against NumPy, random weights, three steps (reference section 4)
# ---------------------------------------------------------------------------

R = "root/"
NUMERIC_CASES = {
    "basic_rnn": (lambda: rc.BasicRNNCell(4), 3,
                  _simple_step(np_basic_rnn, R + "basic_rnn_cell/")),
    "basic_rnn_relu": (lambda: rc.BasicRNNCell(4, activation=tf.nn.relu), 3,
                       _simple_step(np_basic_rnn, R + "basic_rnn_cell/", act=_relu)),
    "gru": (lambda: rc.GRUCell(4), 3, _simple_step(np_gru, R + "gru_cell/")),
    "gru_relu": (lambda: rc.GRUCell(4, activation="relu"), 3,
                 _simple_step(np_gru, R + "gru_cell/", act=_relu)),
    "basic_lstm_tuple": (lambda: rc.BasicLSTMCell(4), 3,
                         _lstm_step(R + "basic_lstm_cell/", 4)),
    "basic_lstm_concat_forget_bias": (
        lambda: rc.BasicLSTMCell(4, forget_bias=0.25, state_is_tuple=False), 3,
        _lstm_step(R + "basic_lstm_cell/", 4, is_tuple=False, forget_bias=0.25)),
    "lstm": (lambda: rc.LSTMCell(4), 3, _lstm_step(R + "lstm_cell/", 4)),
    "lstm_peepholes_cell_clip": (
        lambda: rc.LSTMCell(4, use_peepholes=True, cell_clip=0.3, forget_bias=-0.5), 3,
        _lstm_step(R + "lstm_cell/", 4, peepholes=True, cell_clip=0.3, forget_bias=-0.5)),
    "lstm_proj_clip": (
        lambda: rc.LSTMCell(4, num_proj=3, proj_clip=0.2, forget_bias=0.0), 3,
        _lstm_step(R + "lstm_cell/", 4, projection=True, proj_clip=0.2, forget_bias=0.0)),
    "lstm_all_concat_shards": (
        lambda: rc.LSTMCell(4, use_peepholes=True, num_proj=3, num_unit_shards=2,
                            num_proj_shards=3, state_is_tuple=False), 5,
        _lstm_step(R + "lstm_cell/", 4, is_tuple=False, peepholes=True, projection=True)),
}


def _multi_tuple_step(w, x, state):
    gru_h = np_gru(w, R + "multi_rnn_cell/cell_0/gru_cell/", x, state[0])
    c, m = np_lstm(w, R + "multi_rnn_cell/cell_1/lstm_cell/", gru_h, *state[1],
                   projection=True)
    return m, (gru_h, (c, m))


def _multi_concat_step(w, x, state):
    h0 = np_basic_rnn(w, R + "multi_rnn_cell/cell_0/basic_rnn_cell/", x, state[:, :3])
    h1 = np_gru(w, R + "multi_rnn_cell/cell_1/gru_cell/", h0, state[:, 3:5])
    c, h2 = np_lstm(w, R + "multi_rnn_cell/cell_2/basic_lstm_cell/", h1, state[:, 5:7],
                    state[:, 7:9], forget_bias=0.5)
    return h2, _cat(h0, h1, c, h2)


def _input_projection_step(w, x, state):
    p = R + "input_projection_wrapper/"
    projected = np.tanh(x @ w[p + "kernel"] + w[p + "bias"])
    h = np_gru(w, p + "gru_cell/", projected, state)
    return h, h


def _output_projection_step(w, x, state):
    p = R + "output_projection_wrapper/"
    c, h = np_lstm(w, p + "basic_lstm_cell/", x, *state)
    return _sigmoid(h @ w[p + "kernel"] + w[p + "bias"]), (c, h)


def _residual_step(w, x, state):
    h = np_gru(w, R + "gru_cell/", x, state)
    return x + h, h


NUMERIC_CASES.update({
    "multi_tuple": (lambda: rc.MultiRNNCell([rc.GRUCell(3), rc.LSTMCell(4, num_proj=2)]), 3,
                    _multi_tuple_step),
    "multi_concat": (
        lambda: rc.MultiRNNCell([rc.BasicRNNCell(3), rc.GRUCell(2),
                                 rc.BasicLSTMCell(2, forget_bias=0.5, state_is_tuple=False)],
                                state_is_tuple=False), 3, _multi_concat_step),
    "input_projection": (lambda: rc.InputProjectionWrapper(rc.GRUCell(4), 5, tf.tanh), 3,
                         _input_projection_step),
    "output_projection": (
        lambda: rc.OutputProjectionWrapper(rc.BasicLSTMCell(4), 2, activation=tf.sigmoid), 3,
        _output_projection_step),
    "residual": (lambda: rc.ResidualWrapper(rc.GRUCell(3)), 3, _residual_step),
    "device": (lambda: rc.DeviceWrapper(rc.GRUCell(4), "/cpu:0"), 3,
               _simple_step(np_gru, R + "gru_cell/")),
    "dropout_keep_one": (lambda: rc.DropoutWrapper(rc.GRUCell(4)), 3,
                         _simple_step(np_gru, R + "gru_cell/")),
})


def _random_state(rng, state_size, batch):
    return tf.nest.map_structure(lambda size: rng.uniform(-1, 1, (batch, size)), state_size)


@pytest.mark.parametrize("case", sorted(NUMERIC_CASES))
def test_matches_numpy_reference(case):
    factory, depth, np_step = NUMERIC_CASES[case]
    rng = np.random.RandomState(sum(map(ord, case)))
    batch, steps = 3, 3
    xs = [rng.uniform(-1, 1, (batch, depth)) for _ in range(steps)]
    with tf.Graph().as_default():
        cell = factory()
        state0 = _random_state(rng, cell.state_size, batch)
        state = tf.nest.map_structure(lambda a: tf.constant(a, tf.float32), state0)
        outputs = []
        with v1.variable_scope("root"):
            for x in xs:
                out, state = cell(tf.constant(x, tf.float32), state)
                outputs.append(out)
        tf.nest.assert_same_structure(state, cell.state_size)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            weights = _randomize(sess, rng)
            got_outputs, got_state = sess.run((outputs, state))
    np_state = tf.nest.map_structure(np.asarray, state0)
    for x, got in zip(xs, got_outputs):
        want, np_state = np_step(weights, x, np_state)
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)
    for got, want in zip(tf.nest.flatten(got_state), tf.nest.flatten(np_state)):
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)
    if "clip" in case:
        # The clip must really bite for the test to check it.
        clip = 0.3 if "cell_clip" in case else 0.2
        clipped = tf.nest.flatten(got_state)[0 if "cell_clip" in case else 1]
        assert np.isclose(np.abs(clipped).max(), clip)


def test_embedding_wrapper_matches_numpy_reference():
    rng = np.random.RandomState(11)
    ids = [rng.randint(0, 6, (3, 1)) for _ in range(3)]
    h0 = rng.uniform(-1, 1, (3, 4))
    with tf.Graph().as_default():
        cell = rc.EmbeddingWrapper(rc.GRUCell(4), 6, 5)
        state = tf.constant(h0, tf.float32)
        outputs = []
        with v1.variable_scope("root"):
            for step_ids in ids:
                out, state = cell(tf.constant(step_ids, tf.int64), state)
                outputs.append(out)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            w = _randomize(sess, rng)
            got = sess.run(outputs)
    h = h0
    for step_ids, got_out in zip(ids, got):
        emb = w[R + "embedding_wrapper/embedding"][step_ids[:, 0]]
        h = np_gru(w, R + "embedding_wrapper/gru_cell/", emb, h)
        np.testing.assert_allclose(got_out, h, rtol=RTOL, atol=ATOL)


def test_residual_wrapper_custom_fn_and_device_placement():
    with tf.Graph().as_default():
        x, h = _float_inputs(3), _float_inputs(3) + 0.1
        gru = rc.GRUCell(3)
        doubled, _ = rc.ResidualWrapper(gru, residual_fn=lambda i, o: 2.0 * o)(x, h)
        plain, _ = gru(x, h)
        device_cell = rc.DeviceWrapper(rc.GRUCell(3, name="on_cpu"), "/cpu:0")
        zeros = device_cell.zero_state(2, tf.float32)
        out, _ = device_cell(x, zeros)
        assert zeros.device == "/device:CPU:0"
        assert out.device == "/device:CPU:0"
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            got_doubled, got_plain = sess.run((doubled, plain))
    np.testing.assert_allclose(got_doubled, 2.0 * got_plain, rtol=1e-6)


# ---------------------------------------------------------------------------
# TF-asserted goldens, constant 0.5 initializer (reference 4.9)
# ---------------------------------------------------------------------------

TF_TOL = 1e-6  # assertAllClose's default rtol and atol


def _golden_linear():
    x = tf.constant([[1.0, 2.0]])
    with v1.variable_scope("linear", initializer=v1.constant_initializer(1.0)):
        result = rc.Linear([x], 2, False)([x])
    return [(result, [[3.0, 3.0]])]


def _golden_gru(depth, expected):
    def build():
        out, _ = rc.GRUCell(2)(tf.ones([1, depth]), tf.fill([1, 2], 0.1))
        return [(out, [[expected] * 2])]

    return build


def _golden_multi_lstm(layer_tuple, multi_tuple, dtype=tf.float32):
    def build():
        x = tf.ones([1, 2], dtype)
        cell = rc.MultiRNNCell([rc.BasicLSTMCell(2, state_is_tuple=layer_tuple)
                                for _ in range(2)], state_is_tuple=multi_tuple)
        layer = (rc.LSTMStateTuple(tf.fill([1, 2], tf.cast(0.1, dtype)),
                                   tf.fill([1, 2], tf.cast(0.1, dtype)))
                 if layer_tuple else tf.fill([1, 4], tf.cast(0.1, dtype)))
        state = (layer, layer) if multi_tuple else tf.fill([1, 8], tf.cast(0.1, dtype))
        out, new_state = cell(x, state)
        if layer_tuple:
            new_state = tuple(tf.concat(s, 1) for s in new_state)
        flat = tf.concat(new_state, 1) if multi_tuple else new_state
        assert _table(v1.global_variables()) == [
            ("root/multi_rnn_cell/cell_0/basic_lstm_cell/kernel:0", (4, 8)),
            ("root/multi_rnn_cell/cell_0/basic_lstm_cell/bias:0", (8,)),
            ("root/multi_rnn_cell/cell_1/basic_lstm_cell/kernel:0", (4, 8)),
            ("root/multi_rnn_cell/cell_1/basic_lstm_cell/bias:0", (8,))]
        assert all(v.dtype.base_dtype == dtype for v in v1.global_variables())
        assert cell.dtype == dtype
        if dtype == tf.float16:
            return [(out, [[0.240, 0.240]], 1e-2),
                    (flat, [[0.689, 0.689, 0.448, 0.448, 0.398, 0.398, 0.240, 0.240]], 1e-2)]
        return [(out, [[0.24024698] * 2]),
                (flat, [[0.68967271, 0.68967271, 0.44848421, 0.44848421,
                         0.39897051, 0.39897051, 0.24024698, 0.24024698]])]

    return build


def _golden_lstm_proj_variables():
    cell = rc.LSTMCell(8, num_proj=6, state_is_tuple=False)
    out, _ = cell(tf.zeros([1, 5]), tf.zeros([1, 14]))
    assert _table(v1.global_variables()) == [
        ("root/lstm_cell/kernel:0", (11, 32)), ("root/lstm_cell/bias:0", (32,)),
        ("root/lstm_cell/projection/kernel:0", (8, 6))]
    return [(tf.shape(out), [1, 6])]


def _golden_output_projection():
    out, _ = rc.OutputProjectionWrapper(rc.GRUCell(3), 2)(tf.ones([1, 3]), tf.fill([1, 3], 0.1))
    return [(out, [[0.231907, 0.231907]])]


def _golden_input_projection():
    cell = rc.InputProjectionWrapper(rc.GRUCell(3), num_proj=3)
    out, _ = cell(tf.ones([1, 2]), tf.fill([1, 3], 0.1))
    return [(out, [[0.154605] * 3])]


def _golden_embedding():
    cell = rc.EmbeddingWrapper(rc.GRUCell(2), embedding_classes=3, embedding_size=2)
    out, _ = cell(tf.constant([[1]]), tf.fill([1, 2], 0.1))
    assert cell.output_size == 2 and cell.state_size == 2
    return [(out, [[0.17139, 0.17139]])]


def _golden_multi_gru(multi_tuple):
    def build():
        cell = rc.MultiRNNCell([rc.GRUCell(2) for _ in range(2)], state_is_tuple=multi_tuple)
        state = ((tf.fill([1, 2], 0.1),) * 2 if multi_tuple else tf.fill([1, 4], 0.1))
        _, new_state = cell(tf.ones([1, 2]), state)
        flat = tf.concat(new_state, 1) if multi_tuple else new_state
        return [(flat, [[0.175991, 0.175991, 0.13248, 0.13248]])]

    return build


def _golden_dropout(state_keep):
    def build():
        keep_all = v1.placeholder_with_default(1.0, ())
        keep_state = v1.placeholder_with_default(state_keep, ())
        cell = rc.DropoutWrapper(rc.LSTMCell(3), input_keep_prob=keep_all,
                                 output_keep_prob=keep_all, state_keep_prob=keep_state)
        state = rc.LSTMStateTuple(tf.fill([1, 3], 0.1), tf.fill([1, 3], 0.1))
        out1, state = cell(tf.fill([1, 3], 2.0), state)
        out2, state = cell(tf.ones([1, 3]), state)
        if state_keep == 1.0:
            return [(out1, [[0.751109] * 3]), (out2, [[0.895509] * 3]),
                    (state.c, [[1.949385] * 3])]
        # h is dropped (so step 2 sees a zero h); c never is.
        return [(out1, [[0.751109] * 3]), (state.h, [[0.0] * 3]),
                (state.c, [[1.713925] * 3]), (tf.abs(out2 - 0.895509) > 1e-4, [[True] * 3])]

    return build


def _golden_residual():
    gru = rc.GRUCell(3)
    x, h = tf.ones([1, 3]), tf.fill([1, 3], 0.1)
    out, state = rc.ResidualWrapper(gru)(x, h)
    plain_out, plain_state = gru(x, h)
    gate = _sigmoid(0.5 * 3.3 + 1.0)  # r = u; gates bias 1.0
    gru_value = gate * 0.1 + (1.0 - gate) * math.tanh(0.5 * (3.0 + 0.3 * gate))
    return [(out, [[gru_value + 1.0] * 3]), (state, [[gru_value] * 3]),
            (out - plain_out, [[1.0] * 3]), (state - plain_state, [[0.0] * 3])]


GOLDEN_CASES = {
    "linear": _golden_linear,
    "gru_2": _golden_gru(2, 0.175991),
    "gru_3": _golden_gru(3, 0.156736),
    "multi_basic_lstm_concat": _golden_multi_lstm(False, False),
    "multi_basic_lstm_tuple_of_concat": _golden_multi_lstm(False, True),
    "multi_basic_lstm_tuples": _golden_multi_lstm(True, True),
    "multi_basic_lstm_float16": _golden_multi_lstm(False, False, tf.float16),
    "lstm_proj_variables": _golden_lstm_proj_variables,
    "output_projection": _golden_output_projection,
    "input_projection": _golden_input_projection,
    "embedding": _golden_embedding,
    "multi_gru_concat": _golden_multi_gru(False),
    "multi_gru_tuple": _golden_multi_gru(True),
    "dropout_keep_one": _golden_dropout(1.0),
    "dropout_state_keep_almost_zero": _golden_dropout(1e-10),
    "residual": _golden_residual,
}


@pytest.mark.parametrize("case", sorted(GOLDEN_CASES))
def test_matches_tf1_golden(case):
    with tf.Graph().as_default():
        with v1.variable_scope("root", initializer=v1.constant_initializer(0.5)):
            checks = GOLDEN_CASES[case]()
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            results = sess.run([check[0] for check in checks])
    for check, got in zip(checks, results):
        tol = check[2] if len(check) > 2 else TF_TOL
        want = np.asarray(check[1])
        if want.dtype == bool:
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=tol, atol=tol)


# ---------------------------------------------------------------------------
# DropoutWrapper (reference 4.6)
# ---------------------------------------------------------------------------


def _assert_is_dropout_of(dropped, raw, keep):
    """Every entry is 0 or raw/keep, and both kinds occur."""
    kept = np.isclose(dropped, raw / keep, rtol=1e-5, atol=1e-7)
    zero = dropped == 0.0
    assert np.all(kept | zero)
    assert kept.any() and zero.any()


def test_dropout_constant_keep_one_adds_no_dropout_op():
    with tf.Graph().as_default() as graph:
        cell = rc.DropoutWrapper(rc.GRUCell(3), 1.0, tf.constant(1.0), 1)
        _call_once(cell, _float_inputs(2))
        assert _dropout_random_ops(graph) == []


def test_dropout_tensor_keep_always_adds_op_and_one_changes_nothing():
    rng = np.random.RandomState(5)
    x, h = rng.uniform(-1, 1, (4, 32)), rng.uniform(-1, 1, (4, 32))
    with tf.Graph().as_default() as graph:
        keep = v1.placeholder(tf.float32, [])
        gru = rc.GRUCell(32)
        cell = rc.DropoutWrapper(gru, keep, keep, keep)
        out, state = cell(tf.constant(x, tf.float32), tf.constant(h, tf.float32))
        assert len(_dropout_random_ops(graph)) == 3  # input, state, output
        raw, _ = gru(tf.constant(x, tf.float32), tf.constant(h, tf.float32))
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            got_out, got_state, got_raw = sess.run((out, state, raw), {keep: 1.0})
            halved = sess.run(out, {keep: 0.5})
    np.testing.assert_array_equal(got_out, got_raw)
    np.testing.assert_array_equal(got_state, got_raw)
    assert (halved == 0.0).any()


@pytest.mark.parametrize("variational", [True, False], ids=["variational", "per_step"])
@pytest.mark.parametrize("where", ["input", "state", "output"])
def test_dropout_masks(where, variational):
    depth, batch, keep = 64, 4, 0.5
    kwargs = {f"{where}_keep_prob": keep, "seed": 3}
    if variational:
        kwargs.update(variational_recurrent=True, dtype=tf.float32, input_size=depth)
    with tf.Graph().as_default():
        cell = rc.DropoutWrapper(_EchoCell(depth), **kwargs)
        state = cell.zero_state(batch, tf.float32)
        fetched = []
        for _ in range(3):
            out, state = cell(tf.ones([batch, depth]), state)
            fetched.append(state if where == "state" else out)
        assert out.get_shape().as_list() == [batch, depth]
        with v1.Session() as sess:
            masks = np.stack(sess.run(fetched)) * keep  # [step, batch, depth]
    np.testing.assert_allclose(masks, np.round(masks), atol=1e-6)
    assert 0.0 < masks.mean() < 1.0
    # Variational: one [1, depth] mask for every step and every batch row.
    assert np.array_equal(masks, np.broadcast_to(masks[:1, :1], masks.shape)) == variational


@pytest.mark.parametrize("variational", [False, True], ids=["per_step", "variational"])
def test_dropout_seed_makes_masks_reproducible(variational):
    def run(seed):
        kwargs = {"variational_recurrent": True, "dtype": tf.float32,
                  "input_size": 64} if variational else {}
        with tf.Graph().as_default():
            cell = rc.DropoutWrapper(_EchoCell(64), input_keep_prob=0.5, output_keep_prob=0.5,
                                     seed=seed, **kwargs)
            out, _ = cell(tf.ones([2, 64]), cell.zero_state(2, tf.float32))
            with v1.Session() as sess:
                return sess.run(out)

    first = run(7)
    np.testing.assert_array_equal(first, run(7))
    assert not np.array_equal(first, run(8))


def test_dropout_state_filter_visitor():
    rng = np.random.RandomState(9)
    x_value, c_value, h_value = (rng.uniform(-1, 1, (4, d)) for d in (3, 32, 32))

    def only_c(substate):
        if isinstance(substate, rc.LSTMStateTuple):
            return rc.LSTMStateTuple(c=True, h=False)
        return True

    with tf.Graph().as_default():
        x = tf.constant(x_value, tf.float32)
        state = rc.LSTMStateTuple(tf.constant(c_value, tf.float32),
                                  tf.constant(h_value, tf.float32))
        lstm = rc.LSTMCell(32)
        wrappers = {
            "default": rc.DropoutWrapper(lstm, state_keep_prob=0.5, seed=1),
            "only_c": rc.DropoutWrapper(lstm, state_keep_prob=0.5, seed=1,
                                        dropout_state_filter_visitor=only_c),
            "nothing": rc.DropoutWrapper(lstm, state_keep_prob=0.5,
                                         dropout_state_filter_visitor=lambda s: False),
        }
        new_states = {name: cell(x, state)[1] for name, cell in wrappers.items()}
        _, raw = lstm(x, state)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            got, raw = sess.run((new_states, raw))
    np.testing.assert_array_equal(got["default"].c, raw.c)
    _assert_is_dropout_of(got["default"].h, raw.h, 0.5)
    _assert_is_dropout_of(got["only_c"].c, raw.c, 0.5)
    np.testing.assert_array_equal(got["only_c"].h, raw.h)
    np.testing.assert_array_equal(got["nothing"].c, raw.c)
    np.testing.assert_array_equal(got["nothing"].h, raw.h)


def test_dropout_default_filter_keeps_every_c_of_a_multi_rnn_state():
    with tf.Graph().as_default():
        x = tf.ones([4, 3])
        multi = rc.MultiRNNCell([rc.BasicLSTMCell(32), rc.LSTMCell(32)])
        state = multi.zero_state(4, tf.float32)
        state = tf.nest.map_structure(lambda z: z + 0.3, state)
        _, dropped = rc.DropoutWrapper(multi, state_keep_prob=0.5, seed=2)(x, state)
        _, raw = multi(x, state)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            dropped, raw = sess.run((dropped, raw))
    for layer_dropped, layer_raw in zip(dropped, raw):
        np.testing.assert_array_equal(layer_dropped.c, layer_raw.c)
        _assert_is_dropout_of(layer_dropped.h, layer_raw.h, 0.5)


# ---------------------------------------------------------------------------
# copy.deepcopy (reference 3.9)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("when", ["before_use", "after_use"])
@pytest.mark.parametrize("case", sorted(NAME_CASES))
def test_deepcopy_gives_an_unbuilt_cell_with_its_own_variables(case, when):
    factory, make_inputs, suffixes = NAME_CASES[case]
    with tf.Graph().as_default():
        cell = factory()
        if when == "before_use":
            clone = copy.deepcopy(cell)
        with v1.variable_scope("original"):
            _call_once(cell, make_inputs())
        if when == "after_use":
            clone = copy.deepcopy(cell)
        assert type(clone) is type(cell)
        assert clone.state_size == cell.state_size
        assert clone.output_size == cell.output_size
        assert clone.variables == []
        with v1.variable_scope("copy"):
            _call_once(clone, make_inputs())
        with v1.variable_scope("again"):
            _call_once(cell, make_inputs())
        assert _table(v1.global_variables()) == (
            _expected("original", suffixes) + _expected("copy", suffixes))
        assert _table(clone.variables) == _expected("copy", suffixes)
        assert _table(cell.variables) == _expected("original", suffixes)


def test_deepcopy_after_use_forgets_the_inferred_dtype():
    with tf.Graph().as_default():
        gru = rc.GRUCell(2)
        _call_once(gru, _float_inputs(2))
        clone = copy.deepcopy(gru)
        assert gru.dtype == tf.float32 and clone.dtype is None
        with v1.variable_scope("copy"):
            out, _ = _call_once(clone, _float_inputs(2, dtype=tf.float64), tf.float64)
        assert out.dtype == tf.float64
        assert {v.dtype.base_dtype for v in clone.variables} == {tf.float64}


def test_deepcopy_of_multi_rnn_cell_of_one_object_still_shares():
    with tf.Graph().as_default():
        multi = rc.MultiRNNCell([rc.GRUCell(2)] * 2)
        x = _float_inputs(2)
        with v1.variable_scope("enc"):
            _call_once(multi, x)
        clone = copy.deepcopy(multi)
        with v1.variable_scope("dec"):
            _call_once(clone, x)
        one_set = [("multi_rnn_cell/cell_0/gru_cell/gates/kernel", (4, 4)),
                   ("multi_rnn_cell/cell_0/gru_cell/gates/bias", (4,)),
                   ("multi_rnn_cell/cell_0/gru_cell/candidate/kernel", (4, 2)),
                   ("multi_rnn_cell/cell_0/gru_cell/candidate/bias", (2,))]
        assert _table(v1.global_variables()) == (
            _expected("enc", one_set) + _expected("dec", one_set))
        assert _table(clone.variables) == _expected("dec", one_set)


def test_user_deepcopy_override_returning_self_still_works(monkeypatch):
    # The TF 1.x workaround for "can't pickle _thread.lock objects".
    monkeypatch.setattr(rc.GRUCell, "__deepcopy__", lambda self, memo: self, raising=False)
    with tf.Graph().as_default():
        gru = rc.GRUCell(2)
        assert copy.deepcopy(gru) is gru
        multi = rc.MultiRNNCell([gru])
        x = _float_inputs(2)
        with v1.variable_scope("enc"):
            enc_out, _ = _call_once(multi, x)
        clone = copy.deepcopy(multi)
        with v1.variable_scope("dec"):
            dec_out, _ = _call_once(clone, x)
        shared = _table(v1.global_variables())
        assert [name for name, _ in shared] == [
            "enc/multi_rnn_cell/cell_0/gru_cell/gates/kernel:0",
            "enc/multi_rnn_cell/cell_0/gru_cell/gates/bias:0",
            "enc/multi_rnn_cell/cell_0/gru_cell/candidate/kernel:0",
            "enc/multi_rnn_cell/cell_0/gru_cell/candidate/bias:0"]
        assert _table(clone.variables) == shared
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            got_enc, got_dec = sess.run((enc_out, dec_out))
    np.testing.assert_array_equal(got_enc, got_dec)


def test_containers_report_variables_of_a_cell_built_elsewhere():
    with tf.Graph().as_default():
        gru = rc.GRUCell(3)
        x = _float_inputs(2)
        _call_once(gru, x)
        multi = rc.MultiRNNCell([gru])
        _call_once(multi, x)
        with v1.variable_scope("head"):
            projection = rc.OutputProjectionWrapper(gru, 3)
            _call_once(projection, x)
        gru_vars = [(f"{name}:0", shape) for name, shape in GRU3_IN2]
        assert _table(multi.variables) == gru_vars
        assert _table(projection.variables) == [
            ("head/output_projection_wrapper/kernel:0", (3, 3)),
            ("head/output_projection_wrapper/bias:0", (3,))] + gru_vars
        assert _table(projection.trainable_variables) == _table(projection.variables)


# ---------------------------------------------------------------------------
# zero_state, get_initial_state, LSTMStateTuple (reference 4, 4.8)
# ---------------------------------------------------------------------------

STATE_CASES = {
    "gru": (lambda: rc.GRUCell(3), 3),
    "basic_lstm_tuple": (lambda: rc.BasicLSTMCell(3), rc.LSTMStateTuple(3, 3)),
    "basic_lstm_concat": (lambda: rc.BasicLSTMCell(3, state_is_tuple=False), 6),
    "lstm_proj": (lambda: rc.LSTMCell(4, num_proj=2), rc.LSTMStateTuple(4, 2)),
    "lstm_proj_concat": (lambda: rc.LSTMCell(4, num_proj=2, state_is_tuple=False), 6),
    "multi_tuple": (lambda: rc.MultiRNNCell([rc.GRUCell(2), rc.LSTMCell(3)]),
                    (2, rc.LSTMStateTuple(3, 3))),
    "multi_concat": (lambda: rc.MultiRNNCell([rc.GRUCell(2), rc.BasicRNNCell(3)],
                                             state_is_tuple=False), 5),
    "dropout": (lambda: rc.DropoutWrapper(rc.BasicLSTMCell(3), 0.5), rc.LSTMStateTuple(3, 3)),
    "residual": (lambda: rc.ResidualWrapper(rc.GRUCell(3)), 3),
    "device": (lambda: rc.DeviceWrapper(rc.GRUCell(3), "/cpu:0"), 3),
    "embedding": (lambda: rc.EmbeddingWrapper(rc.LSTMCell(3), 5, 2), rc.LSTMStateTuple(3, 3)),
    "input_projection": (lambda: rc.InputProjectionWrapper(rc.GRUCell(3), 4), 3),
    "output_projection": (lambda: rc.OutputProjectionWrapper(rc.GRUCell(3), 7), 3),
}


@pytest.mark.parametrize("case", sorted(STATE_CASES))
def test_zero_state_structure_shapes_and_dtype(case):
    factory, state_size = STATE_CASES[case]
    with tf.Graph().as_default():
        cell = factory()
        assert cell.state_size == state_size
        assert type(cell.state_size) is type(state_size)
        zeros = cell.zero_state(5, tf.float64)
        tf.nest.assert_same_structure(zeros, state_size)
        for tensor, size in zip(tf.nest.flatten(zeros), tf.nest.flatten(state_size)):
            assert tensor.get_shape().as_list() == [5, size]
            assert tensor.dtype == tf.float64
        assert tf.nest.flatten(zeros)[0].name.startswith(type(cell).__name__ + "ZeroState/")
        batch = v1.placeholder(tf.int32, [])
        dynamic = cell.zero_state(batch, tf.float32)
        initial = cell.get_initial_state(inputs=tf.zeros([4, 2]))
        assert [t.get_shape().as_list() for t in tf.nest.flatten(dynamic)] == [
            [None, s] for s in tf.nest.flatten(state_size)]
        with v1.Session() as sess:
            got, got_initial = sess.run((dynamic, initial), {batch: 3})
    tf.nest.assert_same_structure(got, state_size)
    for value, size in zip(tf.nest.flatten(got), tf.nest.flatten(state_size)):
        np.testing.assert_array_equal(value, np.zeros((3, size)))
    for value, size in zip(tf.nest.flatten(got_initial), tf.nest.flatten(state_size)):
        assert value.shape == (4, size) and value.dtype == np.float32


def test_output_sizes():
    assert rc.LSTMCell(4, num_proj=2).output_size == 2
    assert rc.BasicLSTMCell(4).output_size == 4
    assert rc.MultiRNNCell([rc.GRUCell(2), rc.GRUCell(5)]).output_size == 5
    assert rc.OutputProjectionWrapper(rc.GRUCell(3), 7).output_size == 7
    assert rc.InputProjectionWrapper(rc.GRUCell(3), 7).output_size == 3
    assert rc.EmbeddingWrapper(rc.GRUCell(3), 7, 2).output_size == 3
    assert rc.DropoutWrapper(rc.LSTMCell(4, num_proj=2)).output_size == 2


def test_get_initial_state_arguments_and_errors():
    with tf.Graph().as_default():
        cell = rc.BasicLSTMCell(3)
        state = cell.get_initial_state(batch_size=2, dtype=tf.float16)
        assert isinstance(state, rc.LSTMStateTuple)
        assert state.dtype == tf.float16
        assert state.c.get_shape().as_list() == [2, 3]
        with pytest.raises(ValueError, match="batch_size and dtype cannot be None"):
            cell.get_initial_state(batch_size=2)
        with pytest.raises(ValueError, match="batch_size and dtype cannot be None"):
            cell.get_initial_state(dtype=tf.float32)
        with pytest.raises(ValueError, match="batch size from input tensor is different"):
            cell.get_initial_state(inputs=tf.zeros([4, 2]), batch_size=3)
        with pytest.raises(ValueError, match="dtype from input tensor is different"):
            cell.get_initial_state(inputs=tf.zeros([4, 2]), dtype=tf.float64)


def test_lstm_state_tuple():
    with tf.Graph().as_default():
        c, h = tf.zeros([1, 2]), tf.ones([1, 2])
        state = rc.LSTMStateTuple(c, h)
        assert state.c is c and state.h is h and tuple(state) == (c, h)
        assert state._fields == ("c", "h")
        assert state.dtype == tf.float32
        with pytest.raises(TypeError, match="Inconsistent internal state: .*float32.*float64"):
            rc.LSTMStateTuple(c, tf.zeros([1, 2], tf.float64)).dtype  # noqa: B018


# ---------------------------------------------------------------------------
# The Linear helper (reference 2.1.7, 4.8)
# ---------------------------------------------------------------------------


def test_linear_variables_and_row_order():
    rng = np.random.RandomState(4)
    a, b = rng.uniform(-1, 1, (3, 2)), rng.uniform(-1, 1, (3, 4))
    with tf.Graph().as_default():
        with v1.variable_scope("outer"):
            with v1.variable_scope("proj"):
                linear = rc.Linear([tf.constant(a, tf.float32), tf.constant(b, tf.float32)],
                                   5, True)
            with v1.variable_scope("nobias"):
                single = rc.Linear(tf.constant(a, tf.float32), 3, False)
        assert _table(v1.global_variables()) == [
            ("outer/proj/kernel:0", (6, 5)), ("outer/proj/bias:0", (5,)),
            ("outer/nobias/kernel:0", (2, 3))]
        result = linear([tf.constant(a, tf.float32), tf.constant(b, tf.float32)])
        single_result = single(tf.constant(a, tf.float32))
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            np.testing.assert_array_equal(sess.run(linear.bias), 0.0)
            w = _randomize(sess, rng)
            got, got_single = sess.run((result, single_result))
    kernel = w["outer/proj/kernel"]
    want = a @ kernel[:2] + b @ kernel[2:] + w["outer/proj/bias"]
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(got_single, a @ w["outer/nobias/kernel"], rtol=RTOL, atol=ATOL)


def test_linear_errors():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="`args` must be specified"):
            rc.Linear([], 2, True)
        with pytest.raises(ValueError, match="`args` must be specified"):
            rc.Linear(None, 2, True)
        with pytest.raises(ValueError, match="linear is expecting 2D arguments"):
            rc.Linear([tf.zeros([1, 2]), tf.zeros([1, 2, 3])], 2, True)
        with pytest.raises(ValueError, match=r"linear expects shape\[1\] to be provided"):
            rc.Linear(v1.placeholder(tf.float32, [None, None]), 2, True)
        assert v1.global_variables() == []


# ---------------------------------------------------------------------------
# Errors (reference 1.15)
# ---------------------------------------------------------------------------

LAYER_CELLS = {
    "basic_rnn": lambda: rc.BasicRNNCell(3),
    "gru": lambda: rc.GRUCell(3),
    "basic_lstm": lambda: rc.BasicLSTMCell(3, state_is_tuple=False),
    "lstm": lambda: rc.LSTMCell(3, state_is_tuple=False),
}
LAYER_STATE_WIDTH = {"basic_rnn": 3, "gru": 3, "basic_lstm": 6, "lstm": 6}


@pytest.mark.parametrize("case", sorted(LAYER_CELLS))
def test_cell_input_errors(case):
    width = LAYER_STATE_WIDTH[case]
    with tf.Graph().as_default():
        state = tf.zeros([2, width])
        with pytest.raises(ValueError, match="must have rank 2"):
            LAYER_CELLS[case]()(tf.zeros([2, 3, 4]), state)
        with pytest.raises(ValueError, match="must have rank 2"):
            LAYER_CELLS[case]()(tf.zeros([2]), state)
        with pytest.raises(ValueError, match=r"Expected inputs.shape\[-1\] to be known"):
            LAYER_CELLS[case]()(v1.placeholder(tf.float32, [None, None]), state)
        with pytest.raises(ValueError, match="RNN cell only supports floating point inputs"):
            LAYER_CELLS[case]()(tf.zeros([2, 3], tf.int32), state)
        with pytest.raises(ValueError, match="RNN cell only supports floating point inputs"):
            LAYER_CELLS[case]()(tf.zeros([2, 3]), tf.zeros([2, width], tf.int32))
        with pytest.raises(ValueError, match="does not match its state_size"):
            LAYER_CELLS[case]()(tf.zeros([2, 3]), tf.zeros([2, width + 1]))
        with pytest.raises(ValueError, match="does not match its state_size"):
            LAYER_CELLS[case]()(tf.zeros([2, 3]), (state, state))


def test_tuple_state_errors():
    with tf.Graph().as_default():
        x = tf.zeros([2, 3])
        with pytest.raises(ValueError, match="does not match its state_size"):
            rc.LSTMCell(3)(x, tf.zeros([2, 6]))
        with pytest.raises(ValueError, match="does not match its state_size"):
            rc.BasicLSTMCell(3)(x, rc.LSTMStateTuple(tf.zeros([2, 3]), tf.zeros([2, 4])))
        with pytest.raises(ValueError, match="does not match its state_size"):
            rc.LSTMCell(3, num_proj=2)(x, rc.LSTMStateTuple(tf.zeros([2, 3]), tf.zeros([2, 3])))


@pytest.mark.parametrize("cls", [rc.BasicRNNCell, rc.GRUCell, rc.BasicLSTMCell, rc.LSTMCell])
@pytest.mark.parametrize("bad, error", [(0, ValueError), (-2, ValueError), (2.5, TypeError),
                                        ("4", TypeError), (None, TypeError), (True, TypeError)])
def test_bad_num_units(cls, bad, error):
    with pytest.raises(error, match=f"`num_units` must be a positive int, got {bad!r}"):
        cls(bad)


@pytest.mark.parametrize("make, error, fragment", [
    (lambda: rc.LSTMCell(3, num_proj=0), ValueError, "`num_proj` must be a positive int"),
    (lambda: rc.GRUCell(3, activation="nope"), ValueError, "`activation` must be a callable"),
    (lambda: rc.GRUCell(3, activation=3), TypeError, "`activation` must be callable"),
    (lambda: rc.GRUCell(3, name=5), TypeError, "`name` must be a string"),
    (lambda: rc.GRUCell(3, bogus=1), TypeError, r"unexpected keyword argument\(s\): \['bogus'\]"),
    (lambda: rc.OutputProjectionWrapper(rc.GRUCell(3), 0), ValueError,
     "output_size must be > 0"),
    (lambda: rc.InputProjectionWrapper(rc.GRUCell(3), 0), ValueError,
     "`num_proj` must be a positive int"),
    (lambda: rc.EmbeddingWrapper(rc.GRUCell(3), 0, 2), ValueError,
     "embedding_classes and embedding_size must be > 0"),
    (lambda: rc.EmbeddingWrapper(rc.GRUCell(3), 4, -1), ValueError,
     "embedding_classes and embedding_size must be > 0"),
    (lambda: rc.DropoutWrapper("cell"), TypeError, "The argument 'cell' .* is not an RNNCell"),
    (lambda: rc.OutputProjectionWrapper(3, 2), TypeError, "is not an RNNCell"),
    (lambda: rc.MultiRNNCell([]), ValueError, "Must specify at least one cell for MultiRNNCell"),
    (lambda: rc.MultiRNNCell(rc.GRUCell(2)), TypeError, "cells must be a list or tuple"),
    (lambda: rc.MultiRNNCell([rc.GRUCell(2), "x"]), TypeError,
     r"'cells\[1\]' .* is not an RNNCell"),
    (lambda: rc.MultiRNNCell([rc.BasicLSTMCell(2)], state_is_tuple=False), ValueError,
     "Some cells return tuples of states, but the flag state_is_tuple is not set.  State"),
], ids=["num_proj", "activation_name", "activation_type", "name", "kwarg", "output_size",
        "input_num_proj", "embedding_classes", "embedding_size", "dropout_cell",
        "projection_cell", "multi_empty", "multi_not_list", "multi_element", "multi_tuple_flag"])
def test_constructor_errors(make, error, fragment):
    with pytest.raises(error, match=fragment):
        make()


@pytest.mark.parametrize("attr", ["input_keep_prob", "state_keep_prob", "output_keep_prob"])
@pytest.mark.parametrize("bad", [0, 0.0, 1.5, -0.1, "tensor"])
def test_dropout_keep_prob_out_of_range(attr, bad):
    with tf.Graph().as_default():
        value = tf.constant(1.5) if bad == "tensor" else bad
        with pytest.raises(ValueError, match=f"Parameter {attr} must be between 0 and 1"):
            rc.DropoutWrapper(rc.GRUCell(2), **{attr: value})


def test_dropout_argument_errors():
    with tf.Graph().as_default():
        gru = rc.GRUCell(2)
        with pytest.raises(TypeError, match="dropout_state_filter_visitor must be callable"):
            rc.DropoutWrapper(gru, dropout_state_filter_visitor=True)
        with pytest.raises(ValueError, match="When variational_recurrent=True, dtype must be"):
            rc.DropoutWrapper(gru, output_keep_prob=0.5, variational_recurrent=True)
        with pytest.raises(ValueError, match="input_keep_prob < 1.0 or is unknown, input_size"):
            rc.DropoutWrapper(gru, input_keep_prob=0.5, variational_recurrent=True,
                              dtype=tf.float32)
        keep = v1.placeholder_with_default(1.0, ())
        with pytest.raises(ValueError, match="input_keep_prob < 1.0 or is unknown, input_size"):
            rc.DropoutWrapper(gru, input_keep_prob=keep, variational_recurrent=True,
                              dtype=tf.float32)
        # Without input dropout, input_size is not needed.
        rc.DropoutWrapper(gru, output_keep_prob=0.5, variational_recurrent=True,
                          dtype=tf.float32)


def test_multi_rnn_cell_state_errors():
    with tf.Graph().as_default():
        x = tf.zeros([2, 2])
        multi = rc.MultiRNNCell([rc.GRUCell(2), rc.GRUCell(2)])
        with pytest.raises(ValueError, match="Expected state to be a tuple of length 2"):
            multi(x, tf.zeros([2, 4]))
        with pytest.raises(ValueError, match="must hold one state per layer: expected 2, got 3"):
            multi(x, (tf.zeros([2, 2]),) * 3)
        flat = rc.MultiRNNCell([rc.GRUCell(2), rc.GRUCell(2)], state_is_tuple=False)
        with pytest.raises(ValueError, match=r"state_is_tuple=False\) must be \[batch, 4\]"):
            flat(x, tf.zeros([2, 5]))


def test_wrapper_call_errors():
    with tf.Graph().as_default():
        with pytest.raises(TypeError, match="must be integer symbol ids"):
            rc.EmbeddingWrapper(rc.GRUCell(2), 3, 2)(tf.zeros([1, 1]), tf.zeros([1, 2]))
        with pytest.raises(ValueError, match="ResidualWrapper needs outputs shaped like"):
            rc.ResidualWrapper(rc.GRUCell(3))(tf.zeros([1, 2]), tf.zeros([1, 3]))
        with pytest.raises(ValueError, match="RNN cell only supports floating point inputs"):
            rc.MultiRNNCell([rc.GRUCell(2)])(tf.zeros([1, 2], tf.int32), (tf.zeros([1, 2]),))


EAGER_CELLS = {
    "basic_rnn": lambda: rc.BasicRNNCell(2),
    "gru": lambda: rc.GRUCell(2),
    "lstm": lambda: rc.LSTMCell(2, state_is_tuple=False),
    "multi": lambda: rc.MultiRNNCell([rc.GRUCell(2)], state_is_tuple=False),
    "dropout": lambda: rc.DropoutWrapper(rc.GRUCell(2)),
    "residual": lambda: rc.ResidualWrapper(rc.GRUCell(2)),
    "device": lambda: rc.DeviceWrapper(rc.GRUCell(2), "/cpu:0"),
    "input_projection": lambda: rc.InputProjectionWrapper(rc.GRUCell(2), 2),
    "output_projection": lambda: rc.OutputProjectionWrapper(rc.GRUCell(2), 2),
}


@pytest.mark.parametrize("case", sorted(EAGER_CELLS))
def test_calling_a_cell_eagerly_raises(case):
    if not tf.executing_eagerly():
        pytest.skip("eager execution was disabled globally")
    cell = EAGER_CELLS[case]()
    state = tf.zeros([1, 4 if case == "lstm" else 2])
    with pytest.raises(RuntimeError, match=r"eager mode.*disable_eager_execution.*"
                                           r"tf\.Graph\(\)\.as_default\(\)"):
        cell(tf.zeros([1, 2]), state)
