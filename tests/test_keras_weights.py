"""Tests of legacy_seq2seq_compat.keras_weights: TF1 cell weights <-> Keras 3 GRU / LSTM.

The numbers are checked against real Keras 3 layers: our TF1 cell runs over a
sequence in a graph-mode session with random weights, the same weights are
converted and loaded into a Keras layer run eagerly, and outputs and final
states must agree. Layouts are also checked on small hand-written arrays.
Tests that run Keras carry "eager" in their name, so the TF1-behaviour CI run
(conftest.py) skips them.
"""

import ast
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from conftest import import_reference

import legacy_seq2seq_compat
from legacy_seq2seq_compat import keras_weights, legacy_seq2seq, rnn, rnn_cell

keras = import_reference("keras")

v1 = tf.compat.v1

BATCH, STEPS, DEPTH, UNITS = 3, 7, 5, 4
ATOL = 1e-5
MODULE_PATH = keras_weights.__file__


def _random_like(rng, shape, dtype=np.float32):
    return rng.uniform(-0.5, 0.5, size=shape).astype(dtype)


def _run_tf1_cell(make_cell, seed):
    """Runs a fresh cell over a random sequence with random weights.

    Returns (sequence [B, T, D], {variable name: weights}, outputs [B, T, H],
    final state as numpy (a tuple for a tuple state)).
    """
    rng = np.random.default_rng(seed)
    sequence = _random_like(rng, (BATCH, STEPS, DEPTH))
    with tf.Graph().as_default():
        cell = make_cell()
        inputs = [tf.constant(sequence[:, t]) for t in range(STEPS)]
        outputs, state = rnn.static_rnn(cell, inputs, dtype=tf.float32)
        variables = v1.global_variables()
        weights = {var.name: _random_like(rng, var.shape.as_list()) for var in variables}
        with v1.Session() as sess:
            for var in variables:
                var.load(weights[var.name], sess)
            outputs, state = sess.run([tf.stack(outputs, axis=1), state])
    return sequence, weights, outputs, state


def _scope_of(weights):
    """The one cell scope among the (':0'-suffixed) graph names."""
    cells = keras_weights.find_cells(list(weights))
    assert len(cells) == 1, cells
    return cells[0]


def _keras_run(layer, sequence, weights):
    layer.build((None, STEPS, DEPTH))
    layer.set_weights(weights)
    return [np.asarray(value) for value in layer(sequence)]


# -- against real Keras layers -------------------------------------------------------------


def test_gru_cell_matches_keras_gru_eager():
    sequence, weights, outputs, state = _run_tf1_cell(lambda: rnn_cell.GRUCell(UNITS), 1)
    scope, kind = _scope_of(weights)
    assert (scope, kind) == ("rnn/gru_cell", "gru")
    layer = keras.layers.GRU(UNITS, reset_after=False, return_sequences=True,
                             return_state=True, activation="tanh",
                             recurrent_activation="sigmoid")
    seq, h = _keras_run(layer, sequence, keras_weights.cell_to_keras(weights, scope))
    np.testing.assert_allclose(seq, outputs, atol=ATOL)
    np.testing.assert_allclose(h, state, atol=ATOL)
    # The same arrays through the low-level function, by explicit names.
    prefix = scope + "/"
    direct = keras_weights.gru_to_keras(*(weights[prefix + s + ":0"]
                                          for s in keras_weights.GRU_SUFFIXES))
    for got, expected in zip(direct, layer.get_weights()):
        np.testing.assert_array_equal(got, expected)


LSTM_CASES = {
    "basic_fb1": (lambda: rnn_cell.BasicLSTMCell(UNITS), 1.0, True),
    "basic_fb0.3": (lambda: rnn_cell.BasicLSTMCell(UNITS, forget_bias=0.3), 0.3, True),
    "basic_concat_state": (
        lambda: rnn_cell.BasicLSTMCell(UNITS, forget_bias=0.3, state_is_tuple=False), 0.3, False),
    "lstm_fb1": (lambda: rnn_cell.LSTMCell(UNITS), 1.0, True),
    "lstm_fb0.7": (lambda: rnn_cell.LSTMCell(UNITS, forget_bias=0.7), 0.7, True),
}


@pytest.mark.parametrize("case", list(LSTM_CASES))
def test_lstm_cells_match_keras_lstm_eager(case):
    make_cell, forget_bias, state_is_tuple = LSTM_CASES[case]
    sequence, weights, outputs, state = _run_tf1_cell(make_cell, 2)
    scope, kind = _scope_of(weights)
    assert kind == "lstm"
    if state_is_tuple:
        c, h = state
    else:
        c, h = state[:, :UNITS], state[:, UNITS:]
    layer = keras.layers.LSTM(UNITS, return_sequences=True, return_state=True,
                              activation="tanh", recurrent_activation="sigmoid")
    converted = keras_weights.cell_to_keras(weights, scope, forget_bias=forget_bias)
    seq, keras_h, keras_c = _keras_run(layer, sequence, converted)
    np.testing.assert_allclose(seq, outputs, atol=ATOL)
    np.testing.assert_allclose(keras_h, h, atol=ATOL)
    np.testing.assert_allclose(keras_c, c, atol=ATOL)


def test_unfolded_forget_bias_gives_other_outputs_eager():
    """Guards the comparison above: a wrong forget_bias is visible."""
    sequence, weights, outputs, _ = _run_tf1_cell(
        lambda: rnn_cell.BasicLSTMCell(UNITS, forget_bias=1.0), 3)
    scope, _ = _scope_of(weights)
    layer = keras.layers.LSTM(UNITS, return_sequences=True, return_state=True)
    seq, _, _ = _keras_run(layer, sequence,
                           keras_weights.cell_to_keras(weights, scope, forget_bias=0.0))
    assert np.abs(seq - outputs).max() > 1e-3


def test_keras_weights_run_in_our_cells_eager():
    """Keras -> TF1: weights from Keras layers, loaded by name into our cells."""
    rng = np.random.default_rng(4)
    sequence = _random_like(rng, (BATCH, STEPS, DEPTH))
    gru = keras.layers.GRU(UNITS, reset_after=False, return_sequences=True)
    lstm = keras.layers.LSTM(UNITS, return_sequences=True)
    expected = {}
    for kind, layer in (("gru", gru), ("lstm", lstm)):
        layer.build((None, STEPS, DEPTH))
        layer.set_weights([_random_like(rng, w.shape) for w in layer.get_weights()])
        expected[kind] = np.asarray(layer(sequence))
    names = {
        **keras_weights.keras_to_cell(gru.get_weights(), "gru/gru_cell", "gru"),
        **keras_weights.keras_to_cell(lstm.get_weights(), "lstm/lstm_cell", "lstm",
                                      forget_bias=0.7),
    }
    with tf.Graph().as_default():
        cells = {"gru": rnn_cell.GRUCell(UNITS), "lstm": rnn_cell.LSTMCell(UNITS, forget_bias=0.7)}
        inputs = [tf.constant(sequence[:, t]) for t in range(STEPS)]
        got = {}
        for kind, cell in cells.items():
            outputs, _ = rnn.static_rnn(cell, inputs, dtype=tf.float32, scope=kind)
            got[kind] = tf.stack(outputs, axis=1)
        variables = {var.op.name: var for var in v1.global_variables()}
        assert sorted(variables) == sorted(names)
        with v1.Session() as sess:
            for name, value in names.items():
                variables[name].load(value, sess)
            got = sess.run(got)
    for kind in expected:
        np.testing.assert_allclose(got[kind], expected[kind], atol=ATOL)


# -- a checkpoint of embedding_rnn_seq2seq --------------------------------------------------


def test_checkpoint_of_two_layer_gru_seq2seq_eager(tmp_path):
    """Encoder and decoder of a 2-layer GRU embedding_rnn_seq2seq rebuilt in Keras
    from the checkpoint alone; logits and final states must agree."""
    symbols_in, symbols_out, embed, dec_steps = 10, 8, DEPTH, 3
    rng = np.random.default_rng(5)
    enc_ids = rng.integers(0, symbols_in, size=(BATCH, STEPS)).astype(np.int32)
    dec_ids = rng.integers(0, symbols_out, size=(BATCH, dec_steps)).astype(np.int32)
    path = str(tmp_path / "model.ckpt")
    with tf.Graph().as_default():
        cell = rnn_cell.MultiRNNCell([rnn_cell.GRUCell(UNITS), rnn_cell.GRUCell(UNITS)])
        logits, state = legacy_seq2seq.embedding_rnn_seq2seq(
            [tf.constant(enc_ids[:, t]) for t in range(STEPS)],
            [tf.constant(dec_ids[:, t]) for t in range(dec_steps)],
            cell, symbols_in, symbols_out, embed)
        with v1.Session() as sess:
            for var in v1.global_variables():
                var.load(_random_like(rng, var.shape.as_list()), sess)
            tf1_logits, tf1_state = sess.run([tf.stack(logits, axis=1), state])
            v1.train.Saver().save(sess, path)

    listing = tf.train.list_variables(path)
    reader = tf.train.load_checkpoint(path)
    variables = {name: reader.get_tensor(name) for name, _ in listing}
    top = "embedding_rnn_seq2seq"
    enc = f"{top}/rnn/embedding_wrapper/multi_rnn_cell"
    dec = f"{top}/embedding_rnn_decoder/rnn_decoder/output_projection_wrapper/multi_rnn_cell"
    cells = keras_weights.find_cells(listing)
    assert cells == [(f"{dec}/cell_0/gru_cell", "gru"), (f"{dec}/cell_1/gru_cell", "gru"),
                     (f"{enc}/cell_0/gru_cell", "gru"), (f"{enc}/cell_1/gru_cell", "gru")]
    converted = {scope: keras_weights.cell_to_keras(variables, scope) for scope, _ in cells}
    for scope, (kernel, recurrent, bias) in converted.items():
        input_depth = embed if scope.endswith("cell_0/gru_cell") else UNITS
        assert kernel.shape == (input_depth, 3 * UNITS)
        assert recurrent.shape == (UNITS, 3 * UNITS)
        assert bias.shape == (3 * UNITS,)

    def stack(first_inputs, scopes, initial_states=None):
        values, finals = first_inputs, []
        for layer_index, scope in enumerate(scopes):
            layer = keras.layers.GRU(UNITS, reset_after=False, return_sequences=True,
                                     return_state=True)
            layer.build((None, None, values.shape[-1]))
            layer.set_weights(converted[scope])
            initial = None if initial_states is None else [initial_states[layer_index]]
            values, final = layer(values, initial_state=initial)
            finals.append(np.asarray(final))
        return np.asarray(values), finals

    enc_embedded = variables[f"{top}/rnn/embedding_wrapper/embedding"][enc_ids]
    _, enc_states = stack(enc_embedded, [f"{enc}/cell_{i}/gru_cell" for i in range(2)])
    dec_embedded = variables[f"{top}/embedding_rnn_decoder/embedding"][dec_ids]
    dec_outputs, dec_states = stack(dec_embedded, [f"{dec}/cell_{i}/gru_cell" for i in range(2)],
                                    enc_states)
    proj = f"{top}/embedding_rnn_decoder/rnn_decoder/output_projection_wrapper"
    keras_logits = dec_outputs @ variables[f"{proj}/kernel"] + variables[f"{proj}/bias"]
    np.testing.assert_allclose(keras_logits, tf1_logits, atol=ATOL)
    for keras_state, tf1_layer_state in zip(dec_states, tf1_state):
        np.testing.assert_allclose(keras_state, tf1_layer_state, atol=ATOL)


# -- layouts on hand-written arrays -------------------------------------------------------


def test_gru_layout_by_hand():
    # input size 1, H = 1: rows [x; h]; TF1 gates columns r, u; Keras z(=u), r, h.
    gates_kernel = np.array([[1.0, 2.0], [3.0, 4.0]])
    candidate_kernel = np.array([[5.0], [6.0]])
    kernel, recurrent, bias = keras_weights.gru_to_keras(
        gates_kernel, np.array([7.0, 8.0]), candidate_kernel, np.array([9.0]))
    np.testing.assert_array_equal(kernel, [[2.0, 1.0, 5.0]])
    np.testing.assert_array_equal(recurrent, [[4.0, 3.0, 6.0]])
    np.testing.assert_array_equal(bias, [8.0, 7.0, 9.0])


def test_lstm_layout_and_forget_bias_fold_by_hand():
    # input size 1, H = 1: TF1 i, j, f, o -> Keras i, f, c(=j), o; f bias + forget_bias.
    kernel = np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]], dtype=np.float32)
    bias = np.array([0.1, 0.2, 0.3, 0.4], dtype=np.float32)
    k, rk, b = keras_weights.lstm_to_keras(kernel, bias, forget_bias=0.7)
    np.testing.assert_array_equal(k, [[1.0, 3.0, 2.0, 4.0]])
    np.testing.assert_array_equal(rk, [[5.0, 7.0, 6.0, 8.0]])
    np.testing.assert_array_equal(
        b, np.array([0.1, np.float32(0.3) + np.float32(0.7), 0.2, 0.4], dtype=np.float32))
    back = keras_weights.keras_to_lstm(k, rk, b, forget_bias=0.7)
    np.testing.assert_array_equal(back["kernel"], kernel)
    np.testing.assert_allclose(back["bias"], bias, rtol=0, atol=1e-7)


@pytest.mark.parametrize("forget_bias", [0.0, 1.0, 0.3, -2.5])
def test_forget_bias_fold_on_bias_vector(forget_bias):
    rng = np.random.default_rng(6)
    bias = _random_like(rng, (4 * UNITS,))
    _, _, folded = keras_weights.lstm_to_keras(_random_like(rng, (DEPTH + UNITS, 4 * UNITS)),
                                               bias, forget_bias=forget_bias)
    i, j, f, o = np.split(bias, 4)
    np.testing.assert_array_equal(folded, np.concatenate(
        [i, f + np.float32(forget_bias), j, o]))


# -- round trips and dtypes -----------------------------------------------------------------


def _tf1_gru(rng, dtype):
    rows = DEPTH + UNITS
    return {"gates/kernel": _random_like(rng, (rows, 2 * UNITS), dtype),
            "gates/bias": _random_like(rng, (2 * UNITS,), dtype),
            "candidate/kernel": _random_like(rng, (rows, UNITS), dtype),
            "candidate/bias": _random_like(rng, (UNITS,), dtype)}


def _tf1_lstm(rng, dtype):
    return {"kernel": _random_like(rng, (DEPTH + UNITS, 4 * UNITS), dtype),
            "bias": _random_like(rng, (4 * UNITS,), dtype)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gru_round_trips_exactly(dtype):
    rng = np.random.default_rng(7)
    original = _tf1_gru(rng, dtype)
    keras_side = keras_weights.gru_to_keras(*original.values())
    assert [w.shape for w in keras_side] == [(DEPTH, 3 * UNITS), (UNITS, 3 * UNITS),
                                            (3 * UNITS,)]
    assert all(w.dtype == dtype for w in keras_side)
    back = keras_weights.keras_to_gru(*keras_side)
    assert list(back) == list(original)
    for name, value in original.items():
        assert back[name].dtype == dtype
        np.testing.assert_array_equal(back[name], value)
    again = keras_weights.gru_to_keras(*back.values())
    for first, second in zip(keras_side, again):
        np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("forget_bias", [0.0, 1.0, 0.3])
def test_lstm_round_trips(dtype, forget_bias):
    rng = np.random.default_rng(8)
    original = _tf1_lstm(rng, dtype)
    keras_side = keras_weights.lstm_to_keras(original["kernel"], original["bias"],
                                             forget_bias=forget_bias, num_units=UNITS)
    assert all(w.dtype == dtype for w in keras_side)
    back = keras_weights.keras_to_lstm(*keras_side, forget_bias=forget_bias)
    assert sorted(back) == ["bias", "kernel"]
    assert back["kernel"].dtype == back["bias"].dtype == dtype
    np.testing.assert_array_equal(back["kernel"], original["kernel"])
    i, j, f, o = (slice(k * UNITS, (k + 1) * UNITS) for k in range(4))
    for gate in (i, j, o):
        np.testing.assert_array_equal(back["bias"][gate], original["bias"][gate])
    # Adding and removing forget_bias rounds the forget part at the magnitude of
    # bias + forget_bias: exact for 0, within one unit in the last place else.
    ulp = np.spacing(np.abs(original["bias"][f]) + np.abs(dtype(forget_bias)))
    np.testing.assert_array_less(np.abs(back["bias"][f] - original["bias"][f]), ulp + 1e-30)
    if forget_bias == 0.0:
        np.testing.assert_array_equal(back["bias"], original["bias"])


def test_float64_in_float64_out_through_names():
    rng = np.random.default_rng(9)
    named = {f"s/gru_cell/{k}": v for k, v in _tf1_gru(rng, np.float64).items()}
    named.update({f"s/lstm_cell/{k}": v for k, v in _tf1_lstm(rng, np.float64).items()})
    for scope, kind in keras_weights.find_cells(list(named)):
        weights = keras_weights.cell_to_keras(named, scope)
        assert all(w.dtype == np.float64 for w in weights)
        back = keras_weights.keras_to_cell(weights, scope, kind)
        assert all(v.dtype == np.float64 for v in back.values())


# -- names ----------------------------------------------------------------------------------


def test_keras_to_cell_names():
    rng = np.random.default_rng(10)
    gru = keras_weights.gru_to_keras(*_tf1_gru(rng, np.float32).values())
    lstm = keras_weights.lstm_to_keras(**_tf1_lstm(rng, np.float32))
    scope = "embedding_attention_seq2seq/rnn/multi_rnn_cell/cell_0/gru_cell"
    assert list(keras_weights.keras_to_cell(gru, scope, "gru")) == [
        f"{scope}/gates/kernel", f"{scope}/gates/bias",
        f"{scope}/candidate/kernel", f"{scope}/candidate/bias"]
    assert list(keras_weights.keras_to_cell(lstm, "rnn/basic_lstm_cell/", "lstm")) == [
        "rnn/basic_lstm_cell/kernel", "rnn/basic_lstm_cell/bias"]


def test_cell_to_keras_accepts_names_with_and_without_index():
    rng = np.random.default_rng(11)
    plain = {f"a/gru_cell/{k}": v for k, v in _tf1_gru(rng, np.float32).items()}
    indexed = {name + ":0": value for name, value in plain.items()}
    for first, second in zip(keras_weights.cell_to_keras(plain, "a/gru_cell"),
                             keras_weights.cell_to_keras(indexed, "a/gru_cell")):
        np.testing.assert_array_equal(first, second)
    with pytest.raises(ValueError, match="twice"):
        keras_weights.cell_to_keras({**plain, **indexed}, "a/gru_cell")


def test_find_cells_in_given_order():
    names = [
        "m/multi_rnn_cell/cell_1/lstm_cell/kernel:0",
        "m/multi_rnn_cell/cell_1/lstm_cell/bias:0",
        "m/multi_rnn_cell/cell_0/basic_lstm_cell/kernel",
        "m/multi_rnn_cell/cell_0/basic_lstm_cell/bias",
        "m/attention/kernel", "m/attention/bias",  # a linear, not a cell
        "m/basic_rnn_cell/kernel", "m/basic_rnn_cell/bias",  # not convertible
    ] + [f"m/gru_cell_1/{s}" for s in keras_weights.GRU_SUFFIXES]
    assert keras_weights.find_cells(names) == [
        ("m/multi_rnn_cell/cell_1/lstm_cell", "lstm"),
        ("m/multi_rnn_cell/cell_0/basic_lstm_cell", "lstm"),
        ("m/gru_cell_1", "gru")]
    assert keras_weights.find_cells([(n, [1]) for n in names]) == keras_weights.find_cells(names)
    with pytest.raises(TypeError, match="names must hold strings"):
        keras_weights.find_cells([3])


# -- errors ---------------------------------------------------------------------------------


def _graph_weights(make_cell):
    with tf.Graph().as_default():
        cell = make_cell()
        rnn.static_rnn(cell, [tf.zeros([BATCH, DEPTH])], dtype=tf.float32)
        return {var.name: np.zeros(var.shape.as_list(), np.float32)
                for var in v1.global_variables()}


@pytest.mark.parametrize("make_cell, match", [
    (lambda: rnn_cell.LSTMCell(UNITS, use_peepholes=True), "w_f_diag, w_i_diag, w_o_diag"),
    (lambda: rnn_cell.LSTMCell(UNITS, num_proj=3), "projection/kernel"),
    (lambda: rnn_cell.LSTMCell(UNITS, num_proj=3, proj_clip=1.0, use_peepholes=True),
     "w_o_diag, projection/kernel"),
])
def test_peephole_and_projection_lstm_cells_are_refused(make_cell, match):
    weights = _graph_weights(make_cell)
    assert keras_weights.find_cells(list(weights)) == [("rnn/lstm_cell", "lstm")]
    with pytest.raises(ValueError, match=match) as info:
        keras_weights.cell_to_keras(weights, "rnn/lstm_cell")
    assert "cannot express" in str(info.value)


def test_unknown_scope_lists_what_it_holds():
    weights = _graph_weights(lambda: rnn_cell.BasicRNNCell(UNITS))
    with pytest.raises(ValueError, match=r"found: bias, kernel"):
        keras_weights.cell_to_keras(weights, "rnn/basic_rnn_cell")
    with pytest.raises(ValueError, match=r"'rnn/nothing' \(found: no variables\)"):
        keras_weights.cell_to_keras(weights, "rnn/nothing")
    gru = _graph_weights(lambda: rnn_cell.GRUCell(UNITS))
    with pytest.raises(ValueError, match="found: gru_cell/candidate/bias"):
        keras_weights.cell_to_keras(gru, "rnn")  # the parent, not the cell
    with pytest.raises(TypeError, match="variables must be a mapping"):
        keras_weights.cell_to_keras(list(gru), "rnn/gru_cell")
    with pytest.raises(TypeError, match="scope must be a non-empty string"):
        keras_weights.cell_to_keras(gru, "")


def test_reset_after_bias_is_refused():
    rng = np.random.default_rng(12)
    kernel, recurrent, _ = keras_weights.gru_to_keras(*_tf1_gru(rng, np.float32).values())
    with pytest.raises(ValueError, match=r"shape \(2, 12\).*reset_after=False"):
        keras_weights.keras_to_gru(kernel, recurrent, np.zeros((2, 3 * UNITS), np.float32))
    with pytest.raises(ValueError, match="reset_after=False"):
        keras_weights.keras_to_cell([kernel, recurrent, np.zeros((2, 3 * UNITS))], "g", "gru")


def test_reset_after_layer_weights_are_refused_eager():
    layer = keras.layers.GRU(UNITS)  # Keras 3 default: reset_after=True
    layer.build((None, STEPS, DEPTH))
    with pytest.raises(ValueError, match="reset_after=False"):
        keras_weights.keras_to_cell(layer.get_weights(), "rnn/gru_cell", "gru")


def _gru_args(**changes):
    rows = DEPTH + UNITS
    args = {"gates_kernel": np.zeros((rows, 2 * UNITS)), "gates_bias": np.zeros(2 * UNITS),
            "candidate_kernel": np.zeros((rows, UNITS)), "candidate_bias": np.zeros(UNITS)}
    args.update(changes)
    return args


@pytest.mark.parametrize("changes, error, match", [
    ({"gates_kernel": np.zeros(8)}, ValueError, r"gates_kernel must have rank 2, got shape \(8,\)"),
    ({"gates_kernel": np.zeros((9, 7))}, ValueError, "positive multiple of 2 columns.*got 7"),
    ({"gates_kernel": np.zeros((4, 8)), "candidate_kernel": np.zeros((4, 4))}, ValueError,
     "more than num_units=4 rows"),
    ({"gates_bias": np.zeros(4)}, ValueError, r"gates_bias must have shape \(8,\).*got \(4,\)"),
    ({"candidate_kernel": np.zeros((8, 4))}, ValueError,
     r"candidate_kernel must have shape \(9, 4\).*got \(8, 4\)"),
    ({"candidate_bias": np.zeros(8)}, ValueError, r"candidate_bias must have shape \(4,\)"),
    ({"candidate_bias": np.zeros(4, np.float32)}, TypeError, "same dtype.*float32"),
    ({"gates_bias": np.zeros(8, np.int32)}, TypeError, "gates_bias must hold floating"),
])
def test_gru_to_keras_errors(changes, error, match):
    with pytest.raises(error, match=match):
        keras_weights.gru_to_keras(**_gru_args(**changes))


@pytest.mark.parametrize("kernel, bias, kwargs, match", [
    (np.zeros((9, 15)), np.zeros(15), {}, "positive multiple of 4 columns"),
    (np.zeros((9, 16)), np.zeros(12), {}, r"bias must have shape \(16,\).*got \(12,\)"),
    (np.zeros((9, 16)), np.zeros(16), {"num_units": 3}, "4 \\* num_units = 12 columns"),
    (np.zeros((4, 16)), np.zeros(16), {}, "more than num_units=4 rows"),
    (np.zeros((9, 16)), np.zeros(16), {"forget_bias": "1"}, "forget_bias must be a finite"),
    (np.zeros((9, 16)), np.zeros(16), {"forget_bias": float("nan")}, "finite real number"),
])
def test_lstm_to_keras_errors(kernel, bias, kwargs, match):
    with pytest.raises(ValueError, match=match):
        keras_weights.lstm_to_keras(kernel, bias, **kwargs)


@pytest.mark.parametrize("convert, blocks", [
    (keras_weights.keras_to_gru, 3), (keras_weights.keras_to_lstm, 4)])
def test_keras_side_shape_errors(convert, blocks):
    n = blocks * UNITS
    good = (np.zeros((DEPTH, n)), np.zeros((UNITS, n)), np.zeros(n))
    convert(*good)
    with pytest.raises(ValueError, match=rf"recurrent_kernel must have shape \(4, {n}\)"):
        convert(good[0], np.zeros((UNITS, n + 1)), good[2])
    with pytest.raises(ValueError, match=rf"kernel must have shape \(input_size, {n}\)"):
        convert(np.zeros((DEPTH, n - blocks)), good[1], good[2])
    with pytest.raises(ValueError, match=rf"bias must have shape \({n},\)"):
        convert(good[0], good[1], np.zeros(n - blocks))
    with pytest.raises(TypeError, match="same dtype"):
        convert(good[0].astype(np.float32), good[1], good[2])


def test_keras_to_cell_errors():
    rng = np.random.default_rng(13)
    lstm = keras_weights.lstm_to_keras(**_tf1_lstm(rng, np.float32))
    with pytest.raises(ValueError, match="kind must be one of.*'rnn'"):
        keras_weights.keras_to_cell(lstm, "s", "rnn")
    with pytest.raises(ValueError, match="use_bias=False.*got 2"):
        keras_weights.keras_to_cell(lstm[:2], "s", "lstm")
    with pytest.raises(ValueError, match=r"recurrent_kernel must have shape \(4, 12\)"):
        keras_weights.keras_to_cell(lstm, "s", "gru")  # LSTM weights as a GRU
    with pytest.raises(TypeError, match="scope must be a non-empty string"):
        keras_weights.keras_to_cell(lstm, "/", "lstm")


# -- package hygiene -----------------------------------------------------------------------


def test_module_imports_neither_keras_nor_tensorflow():
    with open(MODULE_PATH, encoding="utf-8") as f:
        tree = ast.parse(f.read(), MODULE_PATH)
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported <= {"__future__", "math", "numbers", "re", "typing", "numpy"}, imported


def test_module_loads_standalone_without_tensorflow():
    """Loaded as a lone file in a fresh interpreter, it pulls in no TF or Keras."""
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('kw', {MODULE_PATH!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "import numpy as np\n"
        "module.lstm_to_keras(np.zeros((5, 8)), np.zeros(8))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('tensorflow', 'keras', 'tf_keras')))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False, env=dict(os.environ))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_package_exports_the_module():
    assert "keras_weights" in legacy_seq2seq_compat.__all__
    assert legacy_seq2seq_compat.keras_weights is keras_weights
