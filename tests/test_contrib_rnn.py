"""Tests for legacy_seq2seq_compat.contrib_rnn and legacy_seq2seq_compat.fused_rnn_cell.

Each cell is pinned on: the TF 1.15 variable names, shapes and creation order
(tests/data/varnames_contrib_rnn_tf115.txt, written from TF 1.15's sources by
tests/make_varnames_contrib_rnn.py); state_size / output_size; its numbers
against a NumPy version of its equations with random weights; the golden values
that TF 1.15's own contrib tests asserted (constant 0.5 initializer); its use
inside TensorFlow's RNN functions and the legacy_seq2seq models; deepcopy.
"""

import copy
import os
import re

import numpy as np
import pytest
import tensorflow as tf

from legacy_seq2seq_compat import contrib, legacy_seq2seq, rnn
from legacy_seq2seq_compat import contrib_rnn as cr
from legacy_seq2seq_compat import fused_rnn_cell as fr
from legacy_seq2seq_compat import rnn_cell as rc

v1 = tf.compat.v1
RTOL = ATOL = 1e-5
_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                     "varnames_contrib_rnn_tf115.txt")


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _cat(*arrays):
    return np.concatenate(arrays, axis=1)


def _reference():
    """{section key: [(name, shape)]} of the TF 1.15 names file."""
    sections, key = {}, None
    with open(_DATA) as handle:
        for line in handle:
            line = line.strip()
            head = re.match(r"== (\w+):", line)
            if head:
                key = head.group(1)
                sections[key] = []
            elif line and not line.startswith("#"):
                name, shape = line.split("  ")
                sections[key].append((name, [int(d) for d in re.findall(r"\d+", shape)]))
    return sections


def _table(variables):
    return [(v.name, v.shape.as_list()) for v in variables]


def _randomize(sess, rng, scale=1.0):
    """Loads random values into every global variable; {name without ':0': float64}."""
    values = {}
    for var in v1.global_variables():
        value = rng.uniform(-scale, scale, var.shape.as_list()).astype(np.float32)
        var.load(value, sess)
        values[var.name[:-2]] = value.astype(np.float64)
    return values


def _const(array):
    return tf.constant(np.asarray(array, np.float32))


# ---------------------------------------------------------------------------
# NumPy versions of the equations (written from the cells' papers / TF 1.15 maths)
# ---------------------------------------------------------------------------


def np_layer_norm(x, gamma, beta):
    mean = x.mean(axis=1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-12) * gamma + beta


def np_lstm_block(w, p, x, c, h, forget_bias=1.0, clip=None, peephole=False):
    i, j, f, o = np.split(_cat(x, h) @ w[p + "kernel"] + w[p + "bias"], 4, axis=1)
    if peephole:
        i = i + w[p + "w_i_diag"] * c
        f = f + w[p + "w_f_diag"] * c
    new_c = _sigmoid(f + forget_bias) * c + _sigmoid(i) * np.tanh(j)
    if clip is not None:
        new_c = np.clip(new_c, -clip, clip)
    if peephole:
        o = o + w[p + "w_o_diag"] * new_c
    return new_c, _sigmoid(o) * np.tanh(new_c)


def np_gru(w, p, x, h, names=("gates/kernel", "gates/bias", "candidate/kernel",
                              "candidate/bias")):
    w_ru, b_ru, w_c, b_c = (w[p + n] for n in names)
    r, u = np.split(_sigmoid(_cat(x, h) @ w_ru + b_ru), 2, axis=1)
    cand = np.tanh(_cat(x, r * h) @ w_c + b_c)
    return u * h + (1 - u) * cand


def np_cifg(w, p, x, c, m, units, forget_bias=1.0, peephole=False, proj=False, norm=False,
            proj_clip=None):
    kernel = np.concatenate([w[k] for k in sorted(w) if re.fullmatch(p + r"W_\d+", k)], 0)
    z = _cat(x, m) @ kernel
    if not norm:
        z = z + w[p + "B"]
    j, f, o = np.split(z, 3, axis=1)
    if norm:
        j, f, o = (np_layer_norm(v, w[p + s + "/gamma"], w[p + s + "/beta"])
                   for v, s in ((j, "transform"), (f, "forget"), (o, "output")))
    if peephole:
        f = f + w[p + "W_F_diag"] * c
    forget = _sigmoid(f + forget_bias)
    new_c = forget * c + (1 - forget) * np.tanh(j)
    if norm:
        new_c = np_layer_norm(new_c, w[p + "state/gamma"], w[p + "state/beta"])
    if peephole:
        o = o + w[p + "W_O_diag"] * new_c
    new_m = _sigmoid(o) * np.tanh(new_c)
    if proj:
        projection = np.concatenate(
            [w[k] for k in sorted(w) if re.fullmatch(p + r"W_P_\d+", k)], 0)
        new_m = new_m @ projection
        if proj_clip is not None:
            new_m = np.clip(new_m, -proj_clip, proj_clip)
    return new_c, new_m


def np_layer_norm_lstm(w, p, x, c, h, norm=True, forget_bias=1.0):
    z = _cat(x, h) @ w[p + "kernel"]
    if not norm:
        z = z + w[p + "bias"]
    parts = np.split(z, 4, axis=1)
    if norm:
        parts = [np_layer_norm(v, w[p + s + "/gamma"], w[p + s + "/beta"])
                 for v, s in zip(parts, ("input", "transform", "forget", "output"))]
    i, j, f, o = parts
    new_c = c * _sigmoid(f + forget_bias) + _sigmoid(i) * np.tanh(j)
    if norm:
        new_c = np_layer_norm(new_c, w[p + "state/gamma"], w[p + "state/beta"])
    return new_c, np.tanh(new_c) * _sigmoid(o)


def np_nas(w, p, x, c, m, bias=False, proj=False):
    rec = m @ w[p + "recurrent_kernel"]
    if bias:
        rec = rec + w[p + "bias"]
    a = np.split(x @ w[p + "kernel"], 8, axis=1)
    b = np.split(rec, 8, axis=1)
    relu = lambda v: np.maximum(v, 0.0)  # noqa: E731
    n = [_sigmoid(a[0] + b[0]), relu(a[1] + b[1]), _sigmoid(a[2] + b[2]), relu(a[3] * b[3]),
         np.tanh(a[4] + b[4]), _sigmoid(a[5] + b[5]), np.tanh(a[6] + b[6]),
         _sigmoid(a[7] + b[7])]
    left = np.tanh(np.tanh(n[0] * n[1]) + c) * np.tanh(n[2] + n[3])
    right = np.tanh(np.tanh(n[4] * n[5]) + _sigmoid(n[6] + n[7]))
    new_m = np.tanh(left * right)
    if proj:
        new_m = new_m @ w[p + "projection_weights"]
    return left, new_m


def np_ugrnn(w, p, x, h, forget_bias=1.0):
    g, cand = np.split(_cat(x, h) @ w[p + "kernel"] + w[p + "bias"], 2, axis=1)
    u = _sigmoid(g + forget_bias)
    return u * h + (1 - u) * np.tanh(cand)


def np_intersection(w, p, x, h, units, forget_bias=1.0):
    if x.shape[1] != units:
        x = x @ w[p + "in_projection/kernel"] + w[p + "in_projection/bias"]
    z = _cat(x, h) @ w[p + "kernel"] + w[p + "bias"]
    gh, hh, gy, yy = np.split(z, 4, axis=1)
    gh, gy = _sigmoid(gh + forget_bias), _sigmoid(gy + forget_bias)
    new_h = gh * h + (1 - gh) * np.tanh(hh)
    new_y = gy * x + (1 - gy) * np.maximum(yy, 0.0)
    return new_y, new_h


def np_highway(w, p, x, y, coupled):
    carry = _sigmoid(x @ w[p + "carry_w"] + w[p + "carry_b"])
    if coupled:
        transform = 1 - carry
    else:
        transform = _sigmoid(x @ w[p + "transform_w"] + w[p + "transform_b"])
    return x * carry + y * transform


def np_time_freq(w, p, x, state, n, feature_size, peephole=False, clip=None):
    kernel = np.concatenate([w[k] for k in sorted(w) if re.fullmatch(p + r"W_\d+", k)], 0)
    m_freq = np.zeros((x.shape[0], n))
    outs, states = [], []
    for k in range(x.shape[1] - feature_size + 1):
        c = state[:, 2 * k * n:(2 * k + 1) * n]
        m = state[:, (2 * k + 1) * n:(2 * k + 2) * n]
        z = _cat(x[:, k:k + feature_size], m, m_freq) @ kernel + w[p + "B"]
        i, j, f, o = np.split(z, 4, axis=1)
        if peephole:
            i, f = i + w[p + "W_I_diag"] * c, f + w[p + "W_F_diag"] * c
        c = _sigmoid(f + 1.0) * c + _sigmoid(i) * np.tanh(j)
        if clip is not None:
            c = np.clip(c, -clip, clip)
        if peephole:
            o = o + w[p + "W_O_diag"] * c
        m = _sigmoid(o) * np.tanh(c)
        m_freq = m
        states += [c, m]
        outs.append(m)
    return np.concatenate(outs, 1), np.concatenate(states, 1)


def np_grid_block(w, p, b, windows, prev, peephole=False, share=False, couple=False,
                  clip=None, forget_bias=1.0):
    """One block of a grid LSTM step; prev = [(c_time, m_time)] per window."""
    gates = 3 if couple else 4
    time_kind = "freq" if share else "time"

    def d(kind, gate, source):
        return w[p + f"W_{gate}_diag_{kind}{source}_{b}"] if peephole else 0.0

    def parts(z):
        pieces = np.split(z, gates, axis=1)
        return (pieces[0], pieces[1], None, pieces[2]) if couple else tuple(pieces)

    def new_cell(kind, pr, c_prev, c_f, c_t):
        i, j, f, _ = pr
        in_gate = _sigmoid(i + d(kind, "I", "f") * c_f + d(kind, "I", "t") * c_t)
        if couple:
            forget = 1.0 - in_gate
        else:
            forget = _sigmoid(f + forget_bias + d(kind, "F", "f") * c_f + d(kind, "F", "t") * c_t)
        c = forget * c_prev + in_gate * np.tanh(j)
        return c if clip is None else np.clip(c, -clip, clip)

    batch, n = prev[0][0].shape
    m_freq, c_freq = np.zeros((batch, n)), np.zeros((batch, n))
    outs, states = [], []
    for window, (c_time_prev, m_time_prev) in zip(windows, prev):
        x = _cat(window, m_time_prev, m_freq)
        p_f = parts(x @ w[p + f"W_f_{b}_0"] + w[p + f"B_f_{b}"])
        p_t = p_f if share else parts(x @ w[p + f"W_t_{b}_0"] + w[p + f"B_t_{b}"])
        c_f = new_cell("freq", p_f, c_freq, c_freq, c_time_prev)
        c_t = new_cell(time_kind, p_t, c_time_prev, c_freq, c_time_prev)
        m_f = _sigmoid(p_f[3] + d("freq", "O", "f") * c_f + d("freq", "O", "t") * c_t)
        m_t = _sigmoid(p_t[3] + d(time_kind, "O", "f") * c_f + d(time_kind, "O", "t") * c_t)
        m_f, m_t = m_f * np.tanh(c_f), m_t * np.tanh(c_t)
        m_freq, c_freq = m_f, c_f
        states += [c_t, m_t]
        outs += [m_t, m_f]
    return outs, states


def np_glstm(w, p, x, c, m, groups, proj=False, forget_bias=1.0):
    in_g, out_g = x.shape[1] // groups, m.shape[1] // groups
    parts = [[], [], [], []]
    for k in range(groups):
        joined = _cat(x[:, k * in_g:(k + 1) * in_g], m[:, k * out_g:(k + 1) * out_g])
        for gate, part in zip(parts, np.split(joined @ w[p + f"group{k}/kernel"], 4, axis=1)):
            gate.append(part)
    i, j, f, o = (np.concatenate(g, 1) + w[p + f"bias_{n}"] for g, n in zip(parts, "ijfo"))
    new_c = _sigmoid(f + forget_bias) * c + _sigmoid(i) * np.tanh(j)
    new_m = _sigmoid(o) * np.tanh(new_c)
    if proj:
        new_m = new_m @ w[p + "projection/kernel"]
    return new_c, new_m


def np_indrnn(w, p, x, h):
    return np.tanh(x @ w[p + "kernel_w"] + h * w[p + "kernel_u"] + w[p + "bias"])


def np_phased(w, p, t, x, c, h, peephole, leak=0.001):
    lin = lambda scope, *args: _cat(*args) @ w[p + scope + "/kernel"] + w[p + scope + "/bias"]  # noqa: E731,E501
    gates = _sigmoid(lin("mask_gates", x, h, *([c] if peephole else [])))
    in_gate, forget_gate = np.split(gates, 2, axis=1)
    new_c = c * forget_gate + in_gate * np.tanh(lin("new_input", x, h))
    new_h = np.tanh(new_c) * _sigmoid(lin("output_gate", x, h, *([new_c] if peephole else [])))
    period, phase, ratio_on = w[p + "period"], w[p + "phase"], w[p + "ratio_on"]
    cycle = np.mod(t - phase, period) / period
    k = np.where(cycle < ratio_on, 2 - 2 * cycle / ratio_on, leak * cycle)
    k = np.where(cycle < 0.5 * ratio_on, 2 * cycle / ratio_on, k)
    return k * new_c + (1 - k) * c, k * new_h + (1 - k) * h


def np_conv_same(x, kernel):
    """Stride-1 SAME convolution; x [B, *S, Cin], kernel [*K, Cin, Cout]."""
    spatial = kernel.shape[:-2]
    pads = [(0, 0)] + [((k - 1) // 2, k - 1 - (k - 1) // 2) for k in spatial] + [(0, 0)]
    padded = np.pad(x, pads)
    out = np.zeros(x.shape[:-1] + (kernel.shape[-1],))
    axes = (list(range(1, len(spatial) + 2)), list(range(len(spatial) + 1)))
    for index in np.ndindex(*x.shape[1:-1]):
        window = tuple(slice(i, i + k) for i, k in zip(index, spatial))
        out[(slice(None),) + index] = np.tensordot(padded[(slice(None),) + window], kernel, axes)
    return out


def np_conv_lstm(w, p, x, c, h, skip=False, bias=True, forget_bias=1.0):
    z = np_conv_same(np.concatenate([x, h], -1), w[p + "kernel"])
    if bias:
        z = z + w[p + "biases"]
    i, j, f, o = np.split(z, 4, axis=-1)
    new_c = _sigmoid(f + forget_bias) * c + _sigmoid(i) * np.tanh(j)
    out = np.tanh(new_c) * _sigmoid(o)
    if skip:
        out = np.concatenate([out, x], -1)
    return new_c, out


def np_attention(w, p, x, state, inner, length):
    cell_state, attns, attn_states = state
    window = attn_states.reshape(x.shape[0], length, -1)
    mixed = _cat(x, attns) @ w[p + "kernel"] + w[p + "bias"]
    cell_out, new_cell_state = inner(mixed, cell_state)
    query = _cat(*tf.nest.flatten(new_cell_state))
    features = window @ w[p + "attention/attn_w"][0, 0]
    y = query @ w[p + "attention/kernel"] + w[p + "attention/bias"]
    scores = np.sum(w[p + "attention/attn_v"] * np.tanh(features + y[:, None, :]), axis=2)
    weights = np.exp(scores - scores.max(1, keepdims=True))
    weights /= weights.sum(1, keepdims=True)
    new_attns = np.sum(weights[:, :, None] * window, axis=1)
    out = (_cat(cell_out, new_attns) @ w[p + "attn_output_projection/kernel"]
           + w[p + "attn_output_projection/bias"])
    new_window = np.concatenate([window[:, 1:], out[:, None]], 1)
    return out, (new_cell_state, new_attns, new_window.reshape(x.shape[0], -1))


# ---------------------------------------------------------------------------
# Variable names, shapes and creation order (tests/data/varnames_contrib_rnn_tf115.txt)
# ---------------------------------------------------------------------------


def _step(cell, depth, batch=2):
    cell(tf.zeros([batch, depth]), cell.zero_state(batch, tf.float32))
    return cell


def _phased_step(cell, batch=2, depth=2):
    cell((tf.zeros([batch, 1]), tf.zeros([batch, depth])), cell.zero_state(batch, tf.float32))
    return cell


def _conv_step(cell, batch=2):
    shape = [batch] + cell.output_size.as_list()[:-1] + [cell._conv_input_shape[-1]]
    cell(tf.zeros(shape), cell.zero_state(batch, tf.float32))
    return cell


def _gru2():
    return [rc.GRUCell(2) for _ in range(2)]


NAME_BUILDERS = {
    "lstm_block_cell": lambda: _step(fr.LSTMBlockCell(3), 2),
    "lstm_block_cell_peephole": lambda: _step(fr.LSTMBlockCell(3, use_peephole=True), 2),
    "gru_block_cell": lambda: _step(fr.GRUBlockCell(3), 2),
    "gru_block_cell_v2": lambda: _step(fr.GRUBlockCellV2(3), 2),
    "lstm_block_fused_cell": lambda: fr.LSTMBlockFusedCell(3, use_peephole=True)(
        tf.zeros([4, 2, 2]), dtype=tf.float32),
    "time_reversed_fused_rnn": lambda: fr.TimeReversedFusedRNN(fr.LSTMBlockFusedCell(3))(
        tf.zeros([4, 2, 2]), dtype=tf.float32),
    "fused_rnn_cell_adaptor": lambda: fr.FusedRNNCellAdaptor(
        rc.GRUCell(3), use_dynamic_rnn=True)(tf.zeros([4, 2, 2]), dtype=tf.float32),
    "coupled_input_forget_gate_lstm_cell": lambda: _step(cr.CoupledInputForgetGateLSTMCell(
        3, use_peepholes=True, num_proj=2, num_unit_shards=2, num_proj_shards=2,
        layer_norm=True), 2),
    "coupled_input_forget_gate_lstm_cell_plain": lambda: _step(
        cr.CoupledInputForgetGateLSTMCell(3), 2),
    "layer_norm_basic_lstm_cell": lambda: _step(cr.LayerNormBasicLSTMCell(3), 2),
    "layer_norm_basic_lstm_cell_no_norm": lambda: _step(
        cr.LayerNormBasicLSTMCell(3, layer_norm=False), 2),
    "nas_cell": lambda: _step(cr.NASCell(3), 2),
    "nas_cell_bias_proj": lambda: _step(cr.NASCell(3, num_proj=2, use_bias=True), 2),
    "ugrnn_cell": lambda: _step(cr.UGRNNCell(3), 2),
    "intersection_rnn_cell": lambda: _step(cr.IntersectionRNNCell(3, num_in_proj=3), 2),
    "highway_wrapper": lambda: _step(
        cr.HighwayWrapper(rc.GRUCell(2), couple_carry_transform_gates=False), 2),
    "compiled_wrapper": lambda: _step(cr.CompiledWrapper(rc.GRUCell(2)), 2),
    "glstm_cell": lambda: _step(cr.GLSTMCell(4, num_proj=2, number_of_groups=2), 4),
    "ind_rnn_cell": lambda: _step(cr.IndRNNCell(3), 2),
    "phased_lstm_cell": lambda: _phased_step(cr.PhasedLSTMCell(3, use_peepholes=True)),
    "conv_lstm_cell": lambda: _conv_step(cr.ConvLSTMCell(2, [3, 3, 2], 2, [3, 3])),
    "conv_1d_lstm_cell": lambda: _conv_step(cr.Conv1DLSTMCell(
        input_shape=[3, 2], output_channels=2, kernel_shape=[3], use_bias=False)),
    "conv_2d_lstm_cell": lambda: _conv_step(cr.Conv2DLSTMCell(
        input_shape=[3, 3, 2], output_channels=2, kernel_shape=[3, 3])),
    "conv_3d_lstm_cell": lambda: _conv_step(cr.Conv3DLSTMCell(
        input_shape=[2, 2, 2, 1], output_channels=1, kernel_shape=[1, 1, 1])),
    "attention_cell_wrapper": lambda: _step(cr.AttentionCellWrapper(rc.BasicLSTMCell(3), 4), 2),
    "time_freq_lstm_cell": lambda: cr.TimeFreqLSTMCell(
        2, use_peepholes=True, num_unit_shards=2, feature_size=2)(
            tf.zeros([2, 3]), tf.zeros([2, 8])),
    "grid_lstm_cell": lambda: _step(cr.GridLSTMCell(
        2, use_peepholes=True, feature_size=2, frequency_skip=1, num_frequency_blocks=[1, 1],
        start_freqindex_list=[0, 2], end_freqindex_list=[2, 4]), 4),
    "grid_lstm_cell_coupled_shared": lambda: _step(cr.GridLSTMCell(
        2, use_peepholes=True, share_time_frequency_weights=True, feature_size=2,
        frequency_skip=1, num_frequency_blocks=[3], couple_input_forget_gates=True), 4),
    "bidirectional_grid_lstm_cell": lambda: _step(cr.BidirectionalGridLSTMCell(
        2, share_time_frequency_weights=True, feature_size=2, frequency_skip=1,
        num_frequency_blocks=[3]), 4),
    "stack_bidirectional_rnn": lambda: cr.stack_bidirectional_rnn(
        _gru2(), _gru2(), [tf.zeros([2, 3])] * 3, dtype=tf.float32),
    "stack_bidirectional_dynamic_rnn": lambda: cr.stack_bidirectional_dynamic_rnn(
        _gru2(), _gru2(), tf.zeros([2, 3, 3]), dtype=tf.float32),
}


def test_every_reference_section_has_a_builder():
    assert sorted(_reference()) == sorted(NAME_BUILDERS)


@pytest.mark.parametrize("key", sorted(NAME_BUILDERS))
def test_variable_names_shapes_and_order_are_tf115s(key):
    expected = [(name, shape) for name, shape in _reference()[key]]
    with tf.Graph().as_default():
        with v1.variable_scope("root"):
            built = NAME_BUILDERS[key]()
        assert _table(v1.global_variables()) == expected
        if isinstance(built, rc.RNNCell):
            # A wrapper lists its own variables before its cell's.
            assert sorted(_table(built.variables)) == sorted(expected)


# ---------------------------------------------------------------------------
# state_size / output_size / constructor checks
# ---------------------------------------------------------------------------


SIZE_CASES = [
    (lambda: fr.LSTMBlockCell(3), rc.LSTMStateTuple(3, 3), 3),
    (lambda: fr.GRUBlockCell(3), 3, 3),
    (lambda: fr.GRUBlockCell(cell_size=4), 4, 4),
    (lambda: fr.GRUBlockCellV2(3), 3, 3),
    (lambda: cr.CoupledInputForgetGateLSTMCell(3, num_proj=2), rc.LSTMStateTuple(3, 2), 2),
    (lambda: cr.CoupledInputForgetGateLSTMCell(3, state_is_tuple=False), 6, 3),
    (lambda: cr.CoupledInputForgetGateLSTMCell(3, num_proj=2, state_is_tuple=False), 5, 2),
    (lambda: cr.LayerNormBasicLSTMCell(3), rc.LSTMStateTuple(3, 3), 3),
    (lambda: cr.NASCell(3), rc.LSTMStateTuple(3, 3), 3),
    (lambda: cr.NASCell(3, num_proj=2), rc.LSTMStateTuple(3, 2), 2),
    (lambda: cr.UGRNNCell(3), 3, 3),
    (lambda: cr.IntersectionRNNCell(3), 3, 3),
    (lambda: cr.HighwayWrapper(rc.GRUCell(2)), 2, 2),
    (lambda: cr.TimeFreqLSTMCell(3, feature_size=2), 6, 3),
    (lambda: cr.GridLSTMCell(2, feature_size=2, frequency_skip=1, num_frequency_blocks=[2],
                             state_is_tuple=False), 8, 8),
    (lambda: cr.GLSTMCell(4, num_proj=2, number_of_groups=2), rc.LSTMStateTuple(4, 2), 2),
    (lambda: cr.IndRNNCell(3), 3, 3),
    (lambda: cr.PhasedLSTMCell(3), rc.LSTMStateTuple(3, 3), 3),
    (lambda: cr.Conv2DLSTMCell(input_shape=[4, 5, 2], output_channels=3, kernel_shape=[3, 3],
                               skip_connection=True),
     rc.LSTMStateTuple(tf.TensorShape([4, 5, 3]), tf.TensorShape([4, 5, 3])),
     tf.TensorShape([4, 5, 5])),
    (lambda: cr.AttentionCellWrapper(rc.GRUCell(3), 5), (3, 3, 15), 3),
    (lambda: cr.AttentionCellWrapper(rc.GRUCell(3), 5, attn_size=2, state_is_tuple=False),
     3 + 2 + 10, 2),
    (lambda: cr.CompiledWrapper(rc.LSTMCell(3, num_proj=2)), rc.LSTMStateTuple(3, 2), 2),
]


@pytest.mark.parametrize("factory, state_size, output_size", SIZE_CASES)
def test_state_and_output_sizes(factory, state_size, output_size):
    cell = factory()
    assert cell.state_size == state_size
    assert type(cell.state_size) is type(state_size)
    assert cell.output_size == output_size


def test_gru_block_cell_needs_exactly_one_size():
    with pytest.raises(ValueError, match=r"exactly one of `num_units` or `cell_size`.*"
                                         r"num_units=None, cell_size=None"):
        fr.GRUBlockCell()
    with pytest.raises(ValueError, match="num_units=2, cell_size=2"):
        fr.GRUBlockCellV2(2, cell_size=2)


def test_nas_cell_accepts_the_tf_1_4_flag_name():
    assert cr.NASCell(3, use_biases=True)._use_bias is True


def test_intersection_cell_without_projection_names_the_fix():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match=r"set num_in_proj=3"):
            _step(cr.IntersectionRNNCell(3), 2)


def test_highway_wrapper_needs_outputs_shaped_like_inputs():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match=r"inputs \(2, 5\) vs outputs \(2, 3\)"):
            _step(cr.HighwayWrapper(rc.GRUCell(3)), 5)


def test_fused_cell_errors_name_the_argument():
    with tf.Graph().as_default():
        cell = fr.LSTMBlockFusedCell(2)
        with pytest.raises(ValueError, match=r"time major \[time, batch, depth\].*\(3, 2\)"):
            cell(tf.zeros([3, 2]), dtype=tf.float32)
        with pytest.raises(ValueError, match="needs `initial_state` or `dtype`"):
            cell(tf.zeros([3, 2, 2]))
        with pytest.raises(ValueError, match="must be a pair"):
            cell(tf.zeros([3, 2, 2]), initial_state=(tf.zeros([2, 2]),) * 3)


def test_stack_bidirectional_errors_name_the_argument():
    cells = [rc.GRUCell(2)]
    with pytest.raises(ValueError, match="`cells_fw` must hold at least one cell"):
        cr.stack_bidirectional_rnn([], cells, [])
    with pytest.raises(ValueError, match="`cells_bw` must be a list"):
        cr.stack_bidirectional_dynamic_rnn(cells, (rc.GRUCell(2),), None)
    with pytest.raises(ValueError, match="same number of layers, got 1 and 2"):
        cr.stack_bidirectional_rnn(cells, cells * 2, [])
    with pytest.raises(ValueError, match="`initial_states_fw` must be a list of 1 states"):
        cr.stack_bidirectional_rnn(cells, cells, [], initial_states_fw=[1, 2])


def test_grid_cells_name_their_state_fields_as_tf115():
    grid = cr.GridLSTMCell(2, feature_size=2, frequency_skip=1, num_frequency_blocks=[2, 1])
    assert grid.state_tuple_type.__name__ == "GridLSTMStateTuple"
    assert grid.state_tuple_type._fields == (
        "state_f00_b00_c", "state_f00_b00_m", "state_f01_b00_c", "state_f01_b00_m",
        "state_f00_b01_c", "state_f00_b01_m")
    assert grid.state_size == grid.state_tuple_type(*[2] * 6)
    assert grid.output_size == 12
    both = cr.BidirectionalGridLSTMCell(2, feature_size=2, frequency_skip=1,
                                        num_frequency_blocks=[1])
    assert both.state_tuple_type._fields == (
        "fwd_state_f00_b00_c", "fwd_state_f00_b00_m", "bwd_state_f00_b00_c",
        "bwd_state_f00_b00_m")
    assert both.output_size == 8
    with pytest.raises(ValueError, match="Must specify num_frequency_blocks"):
        cr.GridLSTMCell(2)
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="requires 2 but gets 3"):
            _step(cr.GridLSTMCell(2, feature_size=2, frequency_skip=1,
                                  num_frequency_blocks=[2]), 4)


def test_new_cells_check_their_arguments():
    with pytest.raises(ValueError, match="num_units must be divisible by number_of_groups"):
        cr.GLSTMCell(5, number_of_groups=2)
    with pytest.raises(ValueError, match="num_proj must be divisible"):
        cr.GLSTMCell(4, num_proj=3, number_of_groups=2)
    with pytest.raises(ValueError, match=r"Invalid input_shape \[3, 2\] for conv_ndims=2"):
        cr.ConvLSTMCell(2, [3, 2], 2, [3, 3])
    with pytest.raises(ValueError, match="attn_length should be greater than zero, got 0"):
        cr.AttentionCellWrapper(rc.GRUCell(2), 0)
    with pytest.raises(ValueError, match="state_is_tuple is not set"):
        cr.AttentionCellWrapper(rc.BasicLSTMCell(2), 3, state_is_tuple=False)
    with pytest.raises(TypeError, match="is not an RNNCell"):
        cr.AttentionCellWrapper(None, 3)
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match=r"input depth \(3\) must be divisible"):
            _step(cr.GLSTMCell(4, number_of_groups=2), 3)
        with pytest.raises(ValueError, match=r"must be a pair \(time"):
            _step(cr.PhasedLSTMCell(3), 2)
        with pytest.raises(ValueError, match=r"must be \[batch\] \+ \[3, 2\]"):
            _step(cr.Conv1DLSTMCell(input_shape=[3, 2], output_channels=2, kernel_shape=[3]), 2)


def test_fused_rnn_cell_is_abstract():
    with pytest.raises(NotImplementedError, match="subclasses of FusedRNNCell"):
        fr.FusedRNNCell()(None)


# ---------------------------------------------------------------------------
# transpose_batch_time / best_effort_input_batch_size
# ---------------------------------------------------------------------------


def test_transpose_batch_time_swaps_the_first_two_axes():
    with tf.Graph().as_default():
        x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
        swapped = cr.transpose_batch_time(_const(x))
        assert swapped.shape.as_list() == [3, 2, 4]
        unknown = v1.placeholder(tf.float32, [None, 5, None])
        assert cr.transpose_batch_time(unknown).shape.as_list() == [5, None, None]
        vector = _const([1.0, 2.0])
        assert cr.transpose_batch_time(vector) is vector
        with v1.Session() as sess:
            np.testing.assert_array_equal(sess.run(swapped), x.transpose(1, 0, 2))


def test_best_effort_input_batch_size_prefers_a_static_size():
    with tf.Graph().as_default():
        unknown = v1.placeholder(tf.float32, [4, None, 3])
        known = v1.placeholder(tf.float32, [4, 7, 2])
        assert cr.best_effort_input_batch_size([unknown, known]) == 7
        dynamic = cr.best_effort_input_batch_size([unknown])
        assert isinstance(dynamic, tf.Tensor)
        with pytest.raises(ValueError, match=r"rank >= 2.*of shape \(4\)"):
            cr.best_effort_input_batch_size([tf.zeros([4])])
        with v1.Session() as sess:
            assert sess.run(dynamic, {unknown: np.zeros([4, 5, 3])}) == 5


# ---------------------------------------------------------------------------
# Numbers against NumPy, random weights
# ---------------------------------------------------------------------------


def test_lstm_block_cell_and_gru_block_cells_match_numpy():
    rng = np.random.RandomState(1)
    steps = [rng.randn(3, 2) for _ in range(3)]
    h0, c0 = rng.randn(3, 4), rng.randn(3, 4)
    with tf.Graph().as_default():
        inputs = [_const(s) for s in steps]
        with v1.variable_scope("lstm"):
            lstm = fr.LSTMBlockCell(4, forget_bias=0.5, cell_clip=0.7, use_peephole=True)
            lstm_out, lstm_state = rnn.static_rnn(
                lstm, inputs, initial_state=rc.LSTMStateTuple(_const(c0), _const(h0)))
        with v1.variable_scope("gru"):
            gru_out, _ = rnn.static_rnn(fr.GRUBlockCell(4), inputs, initial_state=_const(h0))
        with v1.variable_scope("gru2"):
            gru2_out, _ = rnn.static_rnn(fr.GRUBlockCellV2(4), inputs,
                                         initial_state=_const(h0))
        with v1.Session() as sess:
            w = _randomize(sess, rng)
            got = sess.run((lstm_out, lstm_state, gru_out, gru2_out))
    c, h, g1, g2 = c0, h0, h0, h0
    for i, x in enumerate(steps):
        c, h = np_lstm_block(w, "lstm/rnn/lstm_cell/", x, c, h, forget_bias=0.5, clip=0.7,
                             peephole=True)
        g1 = np_gru(w, "gru/rnn/gru_cell/", x, g1, ("w_ru", "b_ru", "w_c", "b_c"))
        g2 = np_gru(w, "gru2/rnn/gru_cell/", x, g2)
        np.testing.assert_allclose(got[0][i], h, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(got[2][i], g1, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(got[3][i], g2, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(got[1].c, c, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(got[1].h, h, rtol=RTOL, atol=ATOL)


def _np_fused(w, p, x, lengths, c0, h0, reverse=False, **kwargs):
    """Outputs [T, B, n] and final (c, h) of the fused LSTM, row by row."""
    time, batch = x.shape[:2]
    outputs = np.zeros((time, batch, h0.shape[1]))
    final_c, final_h = c0.copy(), h0.copy()
    for b in range(batch):
        length = time if lengths is None else lengths[b]
        order = list(range(length))[::-1] if reverse else list(range(length))
        c, h = c0[b:b + 1], h0[b:b + 1]
        for t in order:
            c, h = np_lstm_block(w, p, x[t, b:b + 1], c, h, **kwargs)
            outputs[t, b] = h[0]
        final_c[b], final_h[b] = c[0], h[0]
    return outputs, final_c, final_h


def test_fused_lstm_and_its_time_reversal_match_numpy():
    rng = np.random.RandomState(2)
    x = rng.randn(4, 3, 2)
    lengths = [4, 1, 0]
    c0, h0 = rng.randn(3, 3), rng.randn(3, 3)
    with tf.Graph().as_default():
        init = (_const(c0), _const(h0))
        with v1.variable_scope("f"):
            fused = fr.LSTMBlockFusedCell(3, forget_bias=0.3, cell_clip=0.8, use_peephole=True)
            out, state = fused(_const(x), initial_state=init, sequence_length=lengths)
            full_out, full_state = fused(_const(x), initial_state=init)
            list_out, _ = fused([_const(s) for s in x], initial_state=init)
        with v1.variable_scope("r"):
            reversed_rnn = fr.TimeReversedFusedRNN(fr.LSTMBlockFusedCell(3))
            rev_out, rev_state = reversed_rnn(_const(x), initial_state=init,
                                              sequence_length=lengths)
            rev_list, _ = reversed_rnn([_const(s) for s in x], initial_state=init)
        assert isinstance(list_out, list) and isinstance(rev_list, list)
        assert len(v1.global_variables()) == 7
        with v1.Session() as sess:
            w = _randomize(sess, rng)
            got = sess.run((out, state, full_out, full_state, list_out, rev_out, rev_state,
                            rev_list))
    kwargs = dict(forget_bias=0.3, clip=0.8, peephole=True)
    for lens, o, s in ((lengths, got[0], got[1]), (None, got[2], got[3])):
        want_o, want_c, want_h = _np_fused(w, "f/lstm_fused_cell/", x, lens, c0, h0, **kwargs)
        np.testing.assert_allclose(o, want_o, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(s.c, want_c, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(s.h, want_h, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(np.stack(got[4]), got[2], rtol=RTOL, atol=ATOL)
    for lens, o, s in ((lengths, got[5], got[6]), (None, np.stack(got[7]), None)):
        want_o, want_c, want_h = _np_fused(w, "r/lstm_fused_cell/", x, lens, c0, h0,
                                           reverse=True)
        np.testing.assert_allclose(o, want_o, rtol=RTOL, atol=ATOL)
        if s is not None:
            np.testing.assert_allclose(s.c, want_c, rtol=RTOL, atol=ATOL)
            np.testing.assert_allclose(s.h, want_h, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("dynamic", [False, True])
def test_fused_rnn_cell_adaptor_runs_the_cell_over_time(dynamic):
    rng = np.random.RandomState(3)
    x = rng.randn(3, 2, 2)
    with tf.Graph().as_default():
        adaptor = fr.FusedRNNCellAdaptor(rc.GRUCell(3), use_dynamic_rnn=dynamic)
        out, state = adaptor(_const(x), dtype=tf.float32, sequence_length=[3, 2])
        list_out, _ = adaptor([_const(s) for s in x], dtype=tf.float32, scope="again")
        assert isinstance(list_out, list) and len(list_out) == 3
        with v1.Session() as sess:
            w = _randomize(sess, rng)
            got_out, got_state = sess.run((out, state))
    h = np.zeros((2, 3))
    for t in range(3):
        new_h = np_gru(w, "rnn/gru_cell/", x[t], h)
        keep = np.array([[t < 3], [t < 2]])
        np.testing.assert_allclose(got_out[t], np.where(keep, new_h, 0.0), rtol=RTOL, atol=ATOL)
        h = np.where(keep, new_h, h)
    np.testing.assert_allclose(got_state, h, rtol=RTOL, atol=ATOL)


def test_contrib_cells_match_numpy():
    rng = np.random.RandomState(4)
    steps = [rng.randn(3, 2) for _ in range(2)]
    with tf.Graph().as_default():
        inputs = [_const(s) for s in steps]
        cells = {
            "cifg": cr.CoupledInputForgetGateLSTMCell(
                3, use_peepholes=True, num_proj=2, proj_clip=0.4, num_unit_shards=2,
                num_proj_shards=2, forget_bias=0.5, layer_norm=True, norm_gain=1.5,
                norm_shift=0.2),
            "cifg_flat": cr.CoupledInputForgetGateLSTMCell(3, state_is_tuple=False),
            "ln": cr.LayerNormBasicLSTMCell(3, forget_bias=0.4),
            "ln_off": cr.LayerNormBasicLSTMCell(3, layer_norm=False),
            "nas": cr.NASCell(3, num_proj=2, use_bias=True),
            "ugrnn": cr.UGRNNCell(3, forget_bias=0.3),
            "plus": cr.IntersectionRNNCell(3, num_in_proj=3),
            "hw": cr.HighwayWrapper(rc.GRUCell(2), couple_carry_transform_gates=False),
            "hw_coupled": cr.HighwayWrapper(rc.GRUCell(2), carry_bias_init=-0.5),
            "xla": cr.CompiledWrapper(rc.GRUCell(3)),
        }
        results = {}
        for key, cell in cells.items():
            with v1.variable_scope(key):
                results[key] = rnn.static_rnn(cell, inputs, dtype=tf.float32)
        with v1.Session() as sess:
            w = _randomize(sess, rng)
            got = sess.run(results)

    def check(key, outputs, state):
        for got_o, want_o in zip(got[key][0], outputs):
            np.testing.assert_allclose(got_o, want_o, rtol=RTOL, atol=ATOL)
        for got_s, want_s in zip(tf.nest.flatten(got[key][1]), tf.nest.flatten(state)):
            np.testing.assert_allclose(got_s, want_s, rtol=RTOL, atol=ATOL)

    def run(step, state):
        outputs = []
        for x in steps:
            out, state = step(x, state)
            outputs.append(out)
        return outputs, state

    zeros = lambda n: np.zeros((3, n))  # noqa: E731

    def cifg(x, s):
        c, m = np_cifg(w, "cifg/rnn/coupled_input_forget_gate_lstm_cell/", x, *s, 3,
                       forget_bias=0.5, peephole=True, proj=True, norm=True, proj_clip=0.4)
        return m, (c, m)
    check("cifg", *run(cifg, (zeros(3), zeros(2))))

    def cifg_flat(x, s):
        c, m = np_cifg(w, "cifg_flat/rnn/coupled_input_forget_gate_lstm_cell/", x,
                       s[:, :3], s[:, 3:], 3)
        return m, _cat(c, m)
    check("cifg_flat", *run(cifg_flat, zeros(6)))

    def ln(x, s, key="ln", **kwargs):
        c, h = np_layer_norm_lstm(w, f"{key}/rnn/layer_norm_basic_lstm_cell/", x, *s, **kwargs)
        return h, (c, h)
    check("ln", *run(lambda x, s: ln(x, s, forget_bias=0.4), (zeros(3), zeros(3))))
    check("ln_off", *run(lambda x, s: ln(x, s, "ln_off", norm=False), (zeros(3), zeros(3))))

    def nas(x, s):
        c, m = np_nas(w, "nas/rnn/nas_cell/", x, *s, bias=True, proj=True)
        return m, (c, m)
    check("nas", *run(nas, (zeros(3), zeros(2))))

    def ugrnn(x, h):
        h = np_ugrnn(w, "ugrnn/rnn/ugrnn_cell/", x, h, forget_bias=0.3)
        return h, h
    check("ugrnn", *run(ugrnn, zeros(3)))
    check("plus", *run(lambda x, h: np_intersection(w, "plus/rnn/intersection_rnn_cell/", x,
                                                    h, 3), zeros(3)))

    def highway(key, coupled):
        def step(x, h):
            new_h = np_gru(w, f"{key}/rnn/gru_cell/", x, h)
            return np_highway(w, f"{key}/rnn/", x, new_h, coupled), new_h
        return step
    check("hw", *run(highway("hw", False), zeros(2)))
    check("hw_coupled", *run(highway("hw_coupled", True), zeros(2)))

    def xla(x, h):
        h = np_gru(w, "xla/rnn/gru_cell/", x, h)
        return h, h
    check("xla", *run(xla, zeros(3)))


def test_more_contrib_cells_match_numpy():
    rng = np.random.RandomState(8)
    batch = 3
    xs = [rng.randn(batch, 4) for _ in range(2)]
    times = [np.array([[0.5], [2.7], [7.1]]), np.array([[1.4], [3.9], [9.0]])]
    conv_x = [rng.randn(batch, 3, 3, 2) for _ in range(2)]
    # One step only: with skip_connection the new h is wider than state_size (as in TF 1.15).
    conv1_x = [rng.randn(batch, 4, 2)]
    cells = {
        "glstm": (cr.GLSTMCell(4, num_proj=2, number_of_groups=2, forget_bias=0.3), xs),
        "ind": (cr.IndRNNCell(3), xs),
        "phased": (cr.PhasedLSTMCell(3, use_peepholes=True, leak=0.05),
                   [(t, x) for t, x in zip(times, xs)]),
        "conv2": (cr.Conv2DLSTMCell(input_shape=[3, 3, 2], output_channels=2,
                                    kernel_shape=[3, 3], forget_bias=0.5), conv_x),
        "conv1": (cr.Conv1DLSTMCell(input_shape=[4, 2], output_channels=3, kernel_shape=[2],
                                    skip_connection=True, use_bias=False), conv1_x),
        "attn": (cr.AttentionCellWrapper(rc.GRUCell(3), 2, attn_vec_size=4, input_size=5), xs),
    }
    with tf.Graph().as_default():
        results = {}
        for key, (cell, steps) in cells.items():
            with v1.variable_scope(key):
                state = cell.zero_state(batch, tf.float32)
                outputs = []
                for step in steps:
                    out, state = cell(tf.nest.map_structure(_const, step), state)
                    outputs.append(out)
                results[key] = (outputs, state)
        with v1.Session() as sess:
            w = _randomize(sess, rng)
            # Positive periods, phases inside them, a ratio that opens part of the cycle.
            for name, value in (("period", rng.uniform(1.0, 4.0, 3)),
                                ("phase", rng.uniform(0.0, 1.0, 3)),
                                ("ratio_on", np.array([0.3, 0.6, 0.9]))):
                variable = [v for v in v1.global_variables()
                            if v.name == f"phased/phased_lstm_cell/{name}:0"][0]
                variable.load(value.astype(np.float32), sess)
                w[variable.name[:-2]] = value
            got = sess.run(results)

    def check(key, step, state):
        outputs = []
        for inputs in cells[key][1]:
            out, state = step(inputs, state)
            outputs.append(out)
        for got_o, want_o in zip(got[key][0], outputs):
            np.testing.assert_allclose(got_o, want_o, rtol=RTOL, atol=ATOL)
        for got_s, want_s in zip(tf.nest.flatten(got[key][1]), tf.nest.flatten(state)):
            np.testing.assert_allclose(got_s, want_s, rtol=RTOL, atol=ATOL)

    zeros = lambda *shape: np.zeros((batch,) + shape)  # noqa: E731

    def glstm(x, s):
        c, m = np_glstm(w, "glstm/glstm_cell/", x, *s, 2, proj=True, forget_bias=0.3)
        return m, (c, m)
    check("glstm", glstm, (zeros(4), zeros(2)))

    def ind(x, h):
        h = np_indrnn(w, "ind/ind_rnn_cell/", x, h)
        return h, h
    check("ind", ind, zeros(3))

    def phased(inputs, s):
        c, h = np_phased(w, "phased/phased_lstm_cell/", *inputs, *s, peephole=True, leak=0.05)
        return h, (c, h)
    check("phased", phased, (zeros(3), zeros(3)))

    def conv2(x, s):
        c, h = np_conv_lstm(w, "conv2/conv_2d_lstm_cell/", x, *s, forget_bias=0.5)
        return h, (c, h)
    check("conv2", conv2, (zeros(3, 3, 2), zeros(3, 3, 2)))

    def conv1(x, s):
        c, h = np_conv_lstm(w, "conv1/conv_1d_lstm_cell/", x, *s, skip=True, bias=False)
        return h, (c, h)
    check("conv1", conv1, (zeros(4, 3), zeros(4, 3)))

    def gru(x, h):
        h = np_gru(w, "attn/attention_cell_wrapper/gru_cell/", x, h)
        return h, h

    def attn(x, s):
        return np_attention(w, "attn/attention_cell_wrapper/", x, s, gru, 2)
    check("attn", attn, (zeros(3), zeros(3), zeros(6)))


def test_time_frequency_and_grid_cells_match_numpy():
    rng = np.random.RandomState(9)
    xs = [rng.randn(2, 4) for _ in range(2)]
    with tf.Graph().as_default():
        with v1.variable_scope("tf"):
            freq = cr.TimeFreqLSTMCell(2, use_peepholes=True, cell_clip=0.9, num_unit_shards=2,
                                       feature_size=3)
            state = tf.zeros([2, 8])
            freq_out = []
            for x in xs:
                out, state = freq(_const(x), state)
                freq_out.append((out, state))
        with v1.variable_scope("grid"):
            grid = cr.GridLSTMCell(2, use_peepholes=True, cell_clip=0.9, feature_size=2,
                                   frequency_skip=1, num_frequency_blocks=[1, 2],
                                   start_freqindex_list=[0, 1], end_freqindex_list=[2, 4],
                                   forget_bias=0.4)
            state = grid.zero_state(2, tf.float32)
            grid_out = []
            for x in xs:
                out, state = grid(_const(x), state)
                grid_out.append((out, state))
        with v1.Session() as sess:
            w = _randomize(sess, rng)
            got_freq, got_grid = sess.run((freq_out, grid_out))
    state = np.zeros((2, 8))
    for x, (got_o, got_s) in zip(xs, got_freq):
        out, state = np_time_freq(w, "tf/time_freq_lstm_cell/", x, state, 2, 3, peephole=True,
                                  clip=0.9)
        np.testing.assert_allclose(got_o, out, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(got_s, state, rtol=RTOL, atol=ATOL)
    prev = [[(np.zeros((2, 2)), np.zeros((2, 2)))], [(np.zeros((2, 2)), np.zeros((2, 2)))] * 2]
    for x, (got_o, got_s) in zip(xs, got_grid):
        outs, states = [], []
        for b, windows in enumerate(([x[:, 0:2]], [x[:, 1:3], x[:, 2:4]])):
            o, st = np_grid_block(w, "grid/grid_lstm_cell/", b, windows, prev[b],
                                  peephole=True, clip=0.9, forget_bias=0.4)
            outs += o
            states += st
            prev[b] = list(zip(st[0::2], st[1::2]))
        np.testing.assert_allclose(got_o, np.concatenate(outs, 1), rtol=RTOL, atol=ATOL)
        for got_part, want_part in zip(got_s, states):
            np.testing.assert_allclose(got_part, want_part, rtol=RTOL, atol=ATOL)


def test_stacked_bidirectional_rnns_match_numpy():
    rng = np.random.RandomState(5)
    x = rng.randn(2, 3, 3)  # batch major
    lengths = [3, 2]
    with tf.Graph().as_default():
        static = cr.stack_bidirectional_rnn(
            _gru2(), _gru2(), [_const(x[:, t]) for t in range(3)], dtype=tf.float32,
            sequence_length=lengths, scope="static")
        dynamic = cr.stack_bidirectional_dynamic_rnn(
            _gru2(), _gru2(), _const(x), dtype=tf.float32, sequence_length=lengths,
            scope="dynamic")
        with v1.Session() as sess:
            w = _randomize(sess, rng)
            got_static, got_dynamic = sess.run((static, dynamic))

    def direction(prefix, layer_in, backward):
        out = np.zeros(layer_in.shape[:2] + (2,))
        final = np.zeros((2, 2))
        for b in range(2):
            h = np.zeros((1, 2))
            order = range(lengths[b])[::-1] if backward else range(lengths[b])
            for t in order:
                h = np_gru(w, prefix, layer_in[b:b + 1, t], h)
                out[b, t] = h[0]
            final[b] = h[0]
        return out, final

    for scope, inner, got in (("static", "", got_static),
                              ("dynamic", "bidirectional_rnn/", got_dynamic)):
        layer_in = x
        for layer in range(2):
            base = f"{scope}/cell_{layer}/{inner}"
            out_fw, final_fw = direction(base + "fw/gru_cell/", layer_in, False)
            out_bw, final_bw = direction(base + "bw/gru_cell/", layer_in, True)
            layer_in = np.concatenate([out_fw, out_bw], axis=2)
            np.testing.assert_allclose(got[1][layer], final_fw, rtol=RTOL, atol=ATOL)
            np.testing.assert_allclose(got[2][layer], final_bw, rtol=RTOL, atol=ATOL)
        outputs = np.stack(got[0], axis=1) if scope == "static" else got[0]
        np.testing.assert_allclose(outputs, layer_in, rtol=RTOL, atol=ATOL)


def test_block_cell_gradients_equal_the_core_cells_gradients():
    # TF 1.15's lstm_ops_test / gru_ops_test compared the block cells' gradients with
    # LSTMCell's / GRUCell's; the block cells share their variable names, so reuse=True
    # gives both the same variables.
    rng = np.random.RandomState(6)
    x_val, c_val, h_val = rng.randn(2, 3), rng.randn(2, 4), rng.randn(2, 4)
    with tf.Graph().as_default():
        x, c, h = _const(x_val), _const(c_val), _const(h_val)
        state = rc.LSTMStateTuple(c, h)
        with v1.variable_scope("lstm"):
            core, _ = rc.LSTMCell(4, use_peepholes=True)(x, state)
        with v1.variable_scope("lstm", reuse=True):
            # No cell_clip: TensorFlow's LSTMBlockCellGrad kernel ignores the clipping.
            block, _ = fr.LSTMBlockCell(4, use_peephole=True)(x, state)
        with v1.variable_scope("gru"):
            gru_core = rc.GRUCell(4)(x, h)[0]
        with v1.variable_scope("gru", reuse=True):
            gru_block = fr.GRUBlockCellV2(4)(x, h)[0]
        lstm_vars = v1.global_variables("lstm")
        gru_vars = v1.global_variables("gru")
        assert len(lstm_vars) == 5 and len(gru_vars) == 4
        weights = tf.constant(rng.randn(2, 4).astype(np.float32))
        grads = {}
        for key, out, wrt in (("core", core, [x, c, h] + lstm_vars),
                              ("block", block, [x, c, h] + lstm_vars),
                              ("gru_core", gru_core, [x, h] + gru_vars),
                              ("gru_block", gru_block, [x, h] + gru_vars)):
            grads[key] = tf.gradients(tf.reduce_sum(out * weights), wrt)
        with v1.Session() as sess:
            _randomize(sess, rng)
            got = sess.run(grads)
    for a, b in ((got["core"], got["block"]), (got["gru_core"], got["gru_block"])):
        for core_grad, block_grad in zip(a, b):
            np.testing.assert_allclose(block_grad, core_grad, rtol=1e-4, atol=1e-5)


def test_fused_lstm_gradients_equal_the_stepped_block_cells():
    # TF 1.15's lstm_ops_test.testLSTMFusedSequenceLengths checked this equality.
    rng = np.random.RandomState(7)
    x_val = rng.randn(3, 2, 2)
    with tf.Graph().as_default():
        x = _const(x_val)
        with v1.variable_scope("s"):
            fused_out, _ = fr.LSTMBlockFusedCell(3, name="lstm_cell")(x, dtype=tf.float32)
        with v1.variable_scope("s", reuse=True):
            stepped, _ = v1.nn.dynamic_rnn(fr.LSTMBlockCell(3), x, dtype=tf.float32,
                                           time_major=True, scope=v1.get_variable_scope())
        variables = v1.global_variables()
        assert [v.name for v in variables] == ["s/lstm_cell/kernel:0", "s/lstm_cell/bias:0"]
        grads = [tf.gradients(tf.reduce_sum(out ** 2), [x] + variables)
                 for out in (fused_out, stepped)]
        with v1.Session() as sess:
            _randomize(sess, rng)
            fused_grads, stepped_grads = sess.run(grads)
    for a, b in zip(fused_grads, stepped_grads):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------
# Golden values asserted by TF 1.15's contrib tests (constant 0.5 initializer)
# ---------------------------------------------------------------------------


_X3 = [[1.0] * 4, [2.0] * 4, [3.0] * 4]


def _golden_graph():
    """Every golden case in one graph: {key: tensors to run}."""
    half = v1.constant_initializer(0.5)
    ones = lambda shape: _const(0.1 * np.ones(shape))  # noqa: E731
    cases = {}
    # lstm_ops_test.py testLSTMBlockCell.
    with v1.variable_scope("block", initializer=half):
        x = _const([[1.0, 1.0]])
        state = tuple(rc.LSTMStateTuple(ones([1, 2]), ones([1, 2])) for _ in range(2))
        cases["lstm_block"] = rc.MultiRNNCell([fr.LSTMBlockCell(2) for _ in range(2)])(x, state)
    # rnn_cell_test.py testNASCell and testNASCellProj.
    with v1.variable_scope("nas_test", initializer=half):
        cases["nas"] = cr.NASCell(6)(_const(_X3), rc.LSTMStateTuple(ones([3, 6]),
                                                                    ones([3, 6])))
    with v1.variable_scope("nas_proj_test", initializer=half):
        cases["nas_proj"] = cr.NASCell(6, num_proj=5)(
            _const(_X3), rc.LSTMStateTuple(ones([3, 6]), ones([3, 5])))
    # rnn_cell_test.py testUGRNNCell.
    with v1.variable_scope("ugrnn_cell_test", initializer=half):
        cases["ugrnn"] = cr.UGRNNCell(2)(_const(_X3), ones([3, 2]))
    # rnn_cell_test.py testCoupledInputForgetGateLSTMCell (concatenated state).
    with v1.variable_scope("cifg", initializer=half):
        cases["cifg"] = cr.CoupledInputForgetGateLSTMCell(2, forget_bias=1.0,
                                                          state_is_tuple=False)(
            _const(_X3), ones([3, 4]))
    # rnn_cell_test.py LayerNormBasicLSTMCellTest.testBasicLSTMCell ("root" and "other").
    with v1.variable_scope("root", initializer=half):
        state = (rc.LSTMStateTuple(_const([[0.0, 0.1]]), _const([[0.2, 0.3]])),
                 rc.LSTMStateTuple(_const([[0.4, 0.5]]), _const([[0.6, 0.7]])))
        cases["ln_multi"] = rc.MultiRNNCell([cr.LayerNormBasicLSTMCell(2) for _ in range(2)])(
            _const([[1.0, 1.0]]), state)
    with v1.variable_scope("other", initializer=half):
        cases["ln_wide"] = cr.LayerNormBasicLSTMCell(2)(
            _const([[1.0, 1.0, 1.0]]), rc.LSTMStateTuple(_const([[0.0, 0.1]]),
                                                         _const([[0.2, 0.3]])))
    # rnn_cell_test.py LayerNormBasicLSTMCellTest.testBasicLSTMCellWithDropout.
    with v1.variable_scope("dropout", initializer=v1.constant_initializer(1.0)):
        cases["ln_dropout"] = cr.LayerNormBasicLSTMCell(5, layer_norm=False,
                                                        dropout_keep_prob=0.5)(
            _const(np.ones([1, 5])), rc.LSTMStateTuple(_const(np.ones([1, 5])),
                                                       _const(np.ones([1, 5]))))
    # rnn_cell_test.py testGridLstmCellWithCoupledInputForgetGates (both state forms).
    for flat in (False, True):
        with v1.variable_scope(f"state_is_tuple{not flat}", initializer=half):
            cell = cr.GridLSTMCell(2, feature_size=2, frequency_skip=1, forget_bias=1.0,
                                   num_frequency_blocks=[3], couple_input_forget_gates=True,
                                   state_is_tuple=not flat)
            state = (ones([3, 12]) if flat
                     else cell.state_tuple_type(*([ones([3, 2])] * 6)))
            cases[f"grid_{flat}"] = cell(_const(_X3), state)
    # rnn_cell_test.py testBidirectionGridLSTMCell(WithSliceOffset).
    x_grid = _const([[1.0, 1.1, 1.2, 1.3], [2.0, 2.1, 2.2, 2.3], [3.0, 3.1, 3.2, 3.3]])
    for offset in (0, 1):
        with v1.variable_scope(f"bigrid_{offset}", initializer=half):
            cell = cr.BidirectionalGridLSTMCell(
                2, feature_size=2, share_time_frequency_weights=True, frequency_skip=1,
                forget_bias=1.0, num_frequency_blocks=[3], backward_slice_offset=offset)
            cases[f"bigrid_{offset}"] = cell(x_grid,
                                             cell.state_tuple_type(*([ones([3, 2])] * 12)))
    # rnn_cell_test.py testHighwayWrapper: with carry_bias_init=-100 the carry gate is
    # shut, so the wrapper returns the bare cell's output and state.
    x_hw, m_hw = _const([[1.0, 1.0, 1.0]]), _const([[0.1, 0.1, 0.1]])
    with v1.variable_scope("base_cell", initializer=half):
        cases["highway_base"] = rc.GRUCell(3)(x_hw, m_hw)
    with v1.variable_scope("hw_cell", initializer=half):
        cases["highway"] = cr.HighwayWrapper(rc.GRUCell(3), carry_bias_init=-100.0)(x_hw, m_hw)
    # rnn_cell_test.py testAttentionCellWrapperZeros: zero inputs and state give zeros.
    for flat in (False, True):
        with v1.variable_scope(f"attention_zeros_{flat}"):
            cell = cr.AttentionCellWrapper(rc.BasicLSTMCell(8, state_is_tuple=not flat), 16,
                                           state_is_tuple=not flat)
            cases[f"attention_zeros_{flat}"] = cell(tf.zeros([3, 4]),
                                                    cell.zero_state(3, tf.float32))
    return cases


def test_golden_values_of_tf115_contrib_tests():
    v1.set_random_seed(0)
    with tf.Graph().as_default() as graph:
        graph.seed = 1
        cases = _golden_graph()
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            got = sess.run(cases)
    close = lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)  # noqa: E731
    out, ((c0, h0), (c1, h1)) = got["lstm_block"]
    close(out, [[0.24024698, 0.24024698]])
    close(c0, [[0.68967271] * 2])
    close(h0, [[0.44848421] * 2])
    close(c1, [[0.39897051] * 2])
    close(h1, [[0.24024698] * 2])
    out, (c, h) = got["nas"]
    close(out, [[0.576751] * 6, [0.618936] * 6, [0.627393] * 6])
    close(c, [[0.71579772] * 6, [0.78041625] * 6,
              [0.79457647] * 4 + [0.79457653] * 2])
    close(h, out)
    out, (c, h) = got["nas_proj"]
    close(out, [[1.697418] * 5, [1.840037] * 5, [1.873985] * 5])
    close(c, [[0.69855207] * 6, [0.77073824] * 6, [0.78973997] * 6])
    close(h, [[1.69741797] * 5, [1.84003687] * 5, [1.87398517] * 5])
    out, state = got["ugrnn"]
    want = [[0.13752282] * 2, [0.10545051] * 2, [0.10074195] * 2]
    close(out, want)
    close(state, want)
    out, state = got["cifg"]
    close(out, [[0.121753] * 2, [0.103349] * 2, [0.100178] * 2])
    close(state, [[0.137523, 0.137523, 0.121753, 0.121753],
                  [0.105450, 0.105450, 0.103349, 0.103349],
                  [0.100742, 0.100742, 0.100178, 0.100178]])
    out, states = got["ln_multi"]
    close(out, [[-0.38079708, 0.38079708]])
    for layer in states:
        close(layer.c, [[-1.0, 1.0]])
        close(layer.h, [[-0.38079708, 0.38079708]])
    out, state = got["ln_wide"]
    close(out, [[-0.38079708, 0.38079708]])
    close(state.c, [[-1.0, 1.0]])
    close(got["highway"][0], got["highway_base"][0])
    close(got["highway"][1], got["highway_base"][1])
    grid_out = [[0.416383, 0.416383, 0.403238, 0.403238, 0.524020, 0.524020,
                 0.565425, 0.565425, 0.557865, 0.557865, 0.609699, 0.609699],
                [0.627331, 0.627331, 0.622393, 0.622393, 0.688342, 0.688342,
                 0.708078, 0.708078, 0.694245, 0.694245, 0.715171, 0.715171],
                [0.711050, 0.711050, 0.709197, 0.709197, 0.736533, 0.736533,
                 0.744264, 0.744264, 0.737390, 0.737390, 0.745250, 0.745250]]
    grid_state = [[0.625556, 0.625556, 0.416383, 0.416383, 0.759134, 0.759134,
                   0.524020, 0.524020, 0.798795, 0.798795, 0.557865, 0.557865],
                  [0.875488, 0.875488, 0.627331, 0.627331, 0.936432, 0.936432,
                   0.688342, 0.688342, 0.941961, 0.941961, 0.694245, 0.694245],
                  [0.957327, 0.957327, 0.711050, 0.711050, 0.979522, 0.979522,
                   0.736533, 0.736533, 0.980245, 0.980245, 0.737390, 0.737390]]
    for flat in (False, True):
        out, state = got[f"grid_{flat}"]
        close(out, grid_out)
        close(state if flat else np.concatenate(state, 1), grid_state)
    # First rows of the two bidirectional tests (the rows are TF's, in order).
    bigrid = {
        0: ([0.464130, 0.419165, 0.593283, 0.738350, 0.661638, 0.866774,
             0.520789, 0.476968, 0.604341, 0.760207, 0.635773, 0.850218],
            [0.710660, 0.464130, 0.877293, 0.593283, 0.958505, 0.661638,
             0.785405, 0.520789, 0.890836, 0.604341, 0.928512, 0.635773]),
        1: ([0.464130, 0.419165, 0.593283, 0.738350, 0.661638, 0.866774,
             0.322645, 0.276068, 0.584654, 0.690292, 0.640446, 0.840071],
            [0.710660, 0.464130, 0.877293, 0.593283, 0.958505, 0.661638,
             0.516575, 0.322645, 0.866628, 0.584654, 0.934002, 0.640446]),
    }
    for offset, (first_out, first_state) in bigrid.items():
        out, state = got[f"bigrid_{offset}"]
        close(out[0], np.repeat(first_out, 2))
        close(np.concatenate(state, 1)[0], np.repeat(first_state, 2))
    full_out = [[0.669636, 0.628966, 0.736057, 0.895927, 0.755559, 0.954359,
                 0.692621, 0.652363, 0.737517, 0.899558, 0.745984, 0.946840],
                [0.751109, 0.711716, 0.778357, 0.940779, 0.784530, 0.980604,
                 0.759940, 0.720652, 0.778552, 0.941606, 0.781035, 0.977731]]
    close(got["bigrid_0"][0][1:], np.repeat(full_out, 2, axis=1))
    for flat in (False, True):
        out, state = got[f"attention_zeros_{flat}"]
        assert out.shape == (3, 8)
        assert sum(np.abs(v).sum() for v in tf.nest.flatten((out, state))) < 1e-6
    # Each unit is either kept (c_high, h_high) or dropped (c_low, h_low).
    out, state = got["ln_dropout"]
    np.testing.assert_array_equal(out, state.h)
    for c_item, h_item in zip(state.c[0], state.h[0]):
        if abs(c_item - 0.999983298578) < 1e-4:
            assert abs(h_item - 0.761552567265) < 1e-4
        else:
            assert abs(c_item - 2.9998924946) < 1e-4
            assert abs(h_item - 0.995008519604) < 1e-4


# ---------------------------------------------------------------------------
# Inside TensorFlow's RNN functions and the legacy_seq2seq models; deepcopy
# ---------------------------------------------------------------------------


UNITS = 4
CELL_FACTORIES = {
    "LSTMBlockCell": lambda: fr.LSTMBlockCell(UNITS, use_peephole=True),
    "GRUBlockCell": lambda: fr.GRUBlockCell(UNITS),
    "GRUBlockCellV2": lambda: fr.GRUBlockCellV2(UNITS),
    "CoupledInputForgetGateLSTMCell": lambda: cr.CoupledInputForgetGateLSTMCell(
        UNITS, use_peepholes=True),
    "LayerNormBasicLSTMCell": lambda: cr.LayerNormBasicLSTMCell(UNITS),
    "NASCell": lambda: cr.NASCell(UNITS, use_bias=True),
    "UGRNNCell": lambda: cr.UGRNNCell(UNITS),
    "IntersectionRNNCell": lambda: cr.IntersectionRNNCell(UNITS, num_in_proj=UNITS),
    "HighwayWrapper": lambda: cr.HighwayWrapper(rc.GRUCell(UNITS)),
    "CompiledWrapper": lambda: cr.CompiledWrapper(rc.GRUCell(UNITS)),
    "GLSTMCell": lambda: cr.GLSTMCell(UNITS, number_of_groups=2),
    "IndRNNCell": lambda: cr.IndRNNCell(UNITS),
    "AttentionCellWrapper": lambda: cr.AttentionCellWrapper(rc.GRUCell(UNITS), 2),
    # One frequency window each, so that the output is UNITS wide.
    "TimeFreqLSTMCell": lambda: cr.TimeFreqLSTMCell(UNITS, feature_size=UNITS),
    "GridLSTMCell": lambda: cr.GridLSTMCell(UNITS // 2, feature_size=UNITS, frequency_skip=1,
                                            num_frequency_blocks=[1]),
    "BidirectionalGridLSTMCell": lambda: cr.BidirectionalGridLSTMCell(
        UNITS // 4, feature_size=UNITS, frequency_skip=1, num_frequency_blocks=[1]),
}


@pytest.mark.parametrize("key", sorted(CELL_FACTORIES))
def test_cell_works_in_tf_rnns_and_seq2seq_models_and_copies(key):
    factory = CELL_FACTORIES[key]
    batch = 2
    with tf.Graph().as_default():
        steps = [tf.ones([batch, UNITS]) * (0.1 * t) for t in range(2)]
        ids = [tf.constant([t, t + 1], tf.int32) for t in range(2)]
        results = {}
        with v1.variable_scope("static"):
            used = factory()
            results["static"] = v1.nn.static_rnn(used, steps, dtype=tf.float32)[0]
        with v1.variable_scope("dynamic"):
            results["dynamic"] = v1.nn.dynamic_rnn(
                factory(), tf.stack(steps, 1), dtype=tf.float32, sequence_length=[2, 1])[0]
        with v1.variable_scope("bidirectional"):
            results["bidirectional"] = v1.nn.bidirectional_dynamic_rnn(
                factory(), factory(), tf.stack(steps, 1), dtype=tf.float32)[0]
        with v1.variable_scope("basic"):
            results["basic"] = legacy_seq2seq.basic_rnn_seq2seq(steps, steps, factory())[0]
        with v1.variable_scope("attention"):
            results["attention"] = legacy_seq2seq.embedding_attention_seq2seq(
                ids, ids, factory(), num_encoder_symbols=5, num_decoder_symbols=6,
                embedding_size=UNITS)[0]
        # deepcopy of a used cell: an unbuilt copy that makes its own variables.
        own = len(used.variables)
        assert own > 0
        clone = copy.deepcopy(used)
        assert clone.variables == []
        with v1.variable_scope("clone"):
            results["clone"] = clone(steps[0], clone.zero_state(batch, tf.float32))[0]
        assert len(clone.variables) == own
        assert all(v.name.startswith("clone/") for v in clone.variables)
        assert len(used.variables) == own
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            got = sess.run(results)
    assert np.asarray(got["static"]).shape == (2, batch, UNITS)
    assert got["dynamic"].shape == (batch, 2, UNITS)
    assert tuple(o.shape for o in got["bidirectional"]) == ((batch, 2, UNITS),) * 2
    assert np.asarray(got["basic"]).shape == (2, batch, UNITS)
    assert np.asarray(got["attention"]).shape == (2, batch, 6)
    assert got["clone"].shape == (batch, UNITS)
    for value in tf.nest.flatten(got):
        assert np.all(np.isfinite(value))


# Every cell-taking legacy_seq2seq function, with its default variable scope name
# (tied_rnn_seq2seq's outer scope; model_with_buckets has none, its seq2seq's is used).
SEQ2SEQ_SCOPES = {
    "basic_rnn_seq2seq": "basic_rnn_seq2seq",
    "tied_rnn_seq2seq": "combined_tied_rnn_seq2seq",
    "embedding_rnn_seq2seq": "embedding_rnn_seq2seq",
    "embedding_tied_rnn_seq2seq": "embedding_tied_rnn_seq2seq",
    "embedding_attention_seq2seq": "embedding_attention_seq2seq",
    "one2many_rnn_seq2seq": "one2many_rnn_seq2seq",
    "rnn_decoder": "rnn_decoder",
    "attention_decoder": "attention_decoder",
    "embedding_rnn_decoder": "embedding_rnn_decoder",
    "embedding_attention_decoder": "embedding_attention_decoder",
    "model_with_buckets": "embedding_attention_seq2seq",
}


def _build_every_seq2seq_function(factory, batch, enc_steps, dec_steps, vocab):
    """Builds each function of SEQ2SEQ_SCOPES in its own variable scope named after it.

    Returns (outputs by function, expected output shapes by function, placeholders).
    """
    floats = [v1.placeholder(tf.float32, [batch, UNITS], f"x{t}") for t in range(enc_steps)]
    ids = [v1.placeholder(tf.int32, [batch], f"ids{t}") for t in range(enc_steps)]
    weights = [v1.placeholder(tf.float32, [batch], f"w{t}") for t in range(enc_steps)]
    memory = v1.placeholder(tf.float32, [batch, 3, UNITS], "memory")
    dec_floats, dec_ids = floats[:dec_steps], ids[:dec_steps]
    emb = dict(num_encoder_symbols=vocab, num_decoder_symbols=vocab, embedding_size=UNITS)
    got, want = {}, {}

    def zero(cell):
        return cell.zero_state(batch, tf.float32)

    def build(name, make, step_shape, steps=dec_steps):
        with v1.variable_scope(name):
            got[name] = make()
        want[name] = [(batch,) + step_shape] * steps

    cell_out = (UNITS,)
    logits = (vocab,)
    build("basic_rnn_seq2seq",
          lambda: legacy_seq2seq.basic_rnn_seq2seq(floats, dec_floats, factory()), cell_out)
    build("tied_rnn_seq2seq",
          lambda: legacy_seq2seq.tied_rnn_seq2seq(floats, dec_floats, factory()), cell_out)
    build("embedding_rnn_seq2seq",
          lambda: legacy_seq2seq.embedding_rnn_seq2seq(ids, dec_ids, factory(), **emb), logits)
    build("embedding_tied_rnn_seq2seq",
          lambda: legacy_seq2seq.embedding_tied_rnn_seq2seq(
              ids, dec_ids, factory(), num_symbols=vocab, embedding_size=UNITS), logits)
    build("embedding_attention_seq2seq",
          lambda: legacy_seq2seq.embedding_attention_seq2seq(ids, dec_ids, factory(), **emb),
          logits)
    with v1.variable_scope("one2many_rnn_seq2seq"):
        outputs, states = legacy_seq2seq.one2many_rnn_seq2seq(
            ids, {"a": dec_ids, "b": ids[:1]}, factory(), {"a": factory(), "b": factory()},
            num_encoder_symbols=vocab, num_decoder_symbols_dict={"a": vocab, "b": 3},
            embedding_size=UNITS)
        got["one2many_rnn_seq2seq"] = (outputs, states)
    want["one2many_rnn_seq2seq"] = {"a": [(batch, vocab)] * dec_steps, "b": [(batch, 3)]}
    cells = {}
    for name in ("rnn_decoder", "attention_decoder", "embedding_rnn_decoder",
                 "embedding_attention_decoder"):
        cells[name] = factory()
    build("rnn_decoder", lambda: legacy_seq2seq.rnn_decoder(
        dec_floats, zero(cells["rnn_decoder"]), cells["rnn_decoder"]), cell_out)
    build("attention_decoder", lambda: legacy_seq2seq.attention_decoder(
        dec_floats, zero(cells["attention_decoder"]), memory, cells["attention_decoder"]),
        cell_out)
    build("embedding_rnn_decoder", lambda: legacy_seq2seq.embedding_rnn_decoder(
        dec_ids, zero(cells["embedding_rnn_decoder"]), cells["embedding_rnn_decoder"],
        num_symbols=vocab, embedding_size=UNITS), cell_out)
    build("embedding_attention_decoder", lambda: legacy_seq2seq.embedding_attention_decoder(
        dec_ids, zero(cells["embedding_attention_decoder"]), memory,
        cells["embedding_attention_decoder"], num_symbols=vocab, embedding_size=UNITS),
        cell_out)
    # One cell shared by both buckets, as in TF 1.x's translate model.
    shared = factory()
    buckets = [(enc_steps - 1, dec_steps - 1), (enc_steps, dec_steps)]
    build("model_with_buckets", lambda: legacy_seq2seq.model_with_buckets(
        ids, ids, ids, weights, buckets,
        lambda x, y: legacy_seq2seq.embedding_attention_seq2seq(x, y, shared, **emb)), logits)
    want["model_with_buckets"] = [[(batch, vocab)] * d for _, d in buckets]
    return got, want, (floats, ids, weights, memory)


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(CELL_FACTORIES))
def test_cell_works_in_every_legacy_seq2seq_function(key):
    batch, enc_steps, dec_steps, vocab = 2, 2, 2, 5
    rng = np.random.default_rng(20)
    with tf.Graph().as_default():
        got, want, (floats, ids, weights, memory) = _build_every_seq2seq_function(
            CELL_FACTORIES[key], batch, enc_steps, dec_steps, vocab)
        trainable = [v.name for v in v1.trainable_variables()]
        feed = {memory: rng.standard_normal((batch, 3, UNITS))}
        for t in range(enc_steps):
            feed[floats[t]] = rng.standard_normal((batch, UNITS))
            feed[ids[t]] = rng.integers(0, vocab, batch)
            feed[weights[t]] = rng.uniform(0.5, 1.0, batch)
        # Grappler only rewrites the graph; on these ~2-6k-op graphs it costs most of the run.
        config = v1.ConfigProto()
        config.graph_options.rewrite_options.disable_meta_optimizer = True
        with v1.Session(config=config) as sess:
            sess.run(v1.global_variables_initializer())
            values = sess.run(got, feed)
    for name, shapes in want.items():
        if name == "one2many_rnn_seq2seq":
            outputs = values[name][0]
            assert {k: [o.shape for o in v] for k, v in outputs.items()} == shapes, name
        elif name == "model_with_buckets":
            outputs, losses = values[name]
            assert [[o.shape for o in b] for b in outputs] == shapes, name
            assert [np.shape(loss) for loss in losses] == [()] * len(shapes), name
        else:
            assert [o.shape for o in values[name][0]] == shapes, name
        for value in tf.nest.flatten(values[name]):
            assert np.all(np.isfinite(value)), name
    # Each function's variables sit under its default scope inside the scope named after it.
    assert sorted({n.split("/")[0] for n in trainable}) == sorted(SEQ2SEQ_SCOPES)
    for name, default in SEQ2SEQ_SCOPES.items():
        mine = [n for n in trainable if n.startswith(name + "/")]
        assert mine, name
        assert all(n.startswith(f"{name}/{default}/") for n in mine), (name, mine)
    for decoder in ("a", "b"):
        assert any(n.startswith("one2many_rnn_seq2seq/one2many_rnn_seq2seq/one2many_decoder_"
                                + decoder + "/") for n in trainable), decoder
    # Both buckets share one set of variables: the same names as a single model.
    single = sorted(n.split("/", 1)[1] for n in trainable
                    if n.startswith("embedding_attention_seq2seq/"))
    shared = sorted(n.split("/", 1)[1] for n in trainable if n.startswith("model_with_buckets/"))
    assert shared == single


SHAPED_FACTORIES = {
    "Conv2DLSTMCell": (lambda: cr.Conv2DLSTMCell(input_shape=[3, 3, 2], output_channels=2,
                                                 kernel_shape=[3, 3]),
                       lambda batch: tf.ones([batch, 2, 3, 3, 2])),
    "Conv3DLSTMCell": (lambda: cr.Conv3DLSTMCell(input_shape=[2, 2, 2, 1], output_channels=1,
                                                 kernel_shape=[2, 2, 2]),
                       lambda batch: tf.ones([batch, 2, 2, 2, 2, 1])),
    "PhasedLSTMCell": (lambda: cr.PhasedLSTMCell(UNITS),
                       lambda batch: (tf.ones([batch, 2, 1]), tf.ones([batch, 2, 3]))),
}


@pytest.mark.parametrize("key", sorted(SHAPED_FACTORIES))
def test_non_matrix_input_cells_work_in_dynamic_rnn_and_copy(key):
    # Their inputs are images / (time, features) pairs: no legacy_seq2seq model feeds them.
    factory, make_inputs = SHAPED_FACTORIES[key]
    with tf.Graph().as_default():
        cell = factory()
        with v1.variable_scope("dynamic"):
            outputs, state = v1.nn.dynamic_rnn(cell, make_inputs(2), dtype=tf.float32)
        clone = copy.deepcopy(cell)
        with v1.variable_scope("clone"):
            again, _ = v1.nn.dynamic_rnn(clone, make_inputs(2), dtype=tf.float32)
        assert len(clone.variables) == len(cell.variables) > 0
        assert all(v.name.startswith("clone/") for v in clone.variables)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            got, got_again = sess.run((outputs, again))
    assert got.shape == (2, 2) + tuple(tf.TensorShape(cell.output_size).as_list())
    assert got_again.shape == got.shape
    assert np.all(np.isfinite(got))


# ---------------------------------------------------------------------------
# The tf.contrib.rnn facade
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("module", [cr, fr], ids=["contrib_rnn", "fused_rnn_cell"])
def test_facade_serves_every_member(module):
    for name in module.__all__:
        assert getattr(contrib.contrib.rnn, name) is getattr(module, name)
        assert name not in contrib._RNN_NOT_PROVIDED


def test_every_public_symbol_has_a_compatibility_note():
    for module in (cr, fr):
        for name in module.__all__:
            assert "Compatibility:" in getattr(module, name).__doc__, name


def test_deepcopy_of_a_used_cell_with_cached_projections():
    with tf.Graph().as_default():
        cell = cr.IntersectionRNNCell(3, num_in_proj=3)
        with v1.variable_scope("first"):
            _step(cell, 2)
        clone = copy.deepcopy(cell)
        with v1.variable_scope("second"):
            _step(clone, 2)
        assert [v.name for v in clone.variables] == [
            v.name.replace("first/", "second/") for v in cell.variables]
        assert len(cell.variables) == 4


def test_checkpoint_tools_know_the_older_gru_block_cell_scope():
    from legacy_seq2seq_compat import checkpoints

    old = {"RNN/GRUBlockCell/w_ru": [5, 6], "RNN/GRUBlockCell/b_ru": [6],
           "RNN/GRUBlockCell/w_c": [5, 3], "RNN/GRUBlockCell/b_c": [3]}
    conversion = checkpoints.convert_names(old)
    assert conversion.renamed == {name: name.replace("RNN/GRUBlockCell", "rnn/gru_cell")
                                  for name in old}
    assert conversion.unmapped == ()
    # The TF 1.15 names of the block cells are already current.
    current = {name[:-2]: shape for name, shape in _reference()["gru_block_cell"]}
    current.update({name[:-2]: shape for name, shape in _reference()["lstm_block_cell"]})
    assert checkpoints.convert_names(current).renamed == {}


def test_char_rnn_model_nas_builds_and_trains_through_the_facade():
    # char-rnn's --model nas: tf.contrib.rnn.NASCell layers in a MultiRNNCell, the
    # rnn_decoder with a sampling loop function, and an Adam step.
    rnn_ns = contrib.contrib.rnn
    seq2seq = contrib.contrib.legacy_seq2seq
    vocab, size, steps, batch = 5, 4, 3, 2
    with tf.Graph().as_default():
        v1.set_random_seed(3)
        cell = rnn_ns.MultiRNNCell([rnn_ns.NASCell(size) for _ in range(2)])
        data = v1.placeholder(tf.int32, [batch, steps])
        with v1.variable_scope("rnnlm"):
            softmax_w = v1.get_variable("softmax_w", [size, vocab])
            softmax_b = v1.get_variable("softmax_b", [vocab])
        embedding = v1.get_variable("embedding", [vocab, size])
        inputs = tf.split(tf.nn.embedding_lookup(embedding, data), steps, 1)
        inputs = [tf.squeeze(x, [1]) for x in inputs]

        def loop(prev, _):
            symbol = tf.stop_gradient(tf.argmax(tf.matmul(prev, softmax_w) + softmax_b, 1))
            return tf.nn.embedding_lookup(embedding, symbol)

        outputs, _ = seq2seq.rnn_decoder(inputs, cell.zero_state(batch, tf.float32), cell,
                                         loop_function=None, scope="rnnlm")
        with v1.variable_scope("sampler"):
            seq2seq.rnn_decoder(inputs, cell.zero_state(batch, tf.float32), cell,
                                loop_function=loop, scope="rnnlm")
        logits = tf.matmul(tf.concat(outputs, 0), softmax_w) + softmax_b
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.reshape(tf.transpose(data), [-1]), logits=logits))
        train = v1.train.AdamOptimizer(0.01).minimize(loss)
        names = [v.name for v in v1.trainable_variables()]
        assert "rnnlm/multi_rnn_cell/cell_0/nas_cell/recurrent_kernel:0" in names
        assert "rnnlm/multi_rnn_cell/cell_1/nas_cell/kernel:0" in names
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            feed = {data: np.array([[0, 1, 2], [3, 4, 0]])}
            first = sess.run(loss, feed)
            for _ in range(5):
                sess.run(train, feed)
            assert sess.run(loss, feed) < first


@pytest.mark.parametrize("statement, name, module", [
    ("from tensorflow.contrib.rnn.python.ops.lstm_ops import LSTMBlockFusedCell",
     "LSTMBlockFusedCell", fr),
    ("from tensorflow.contrib.rnn.python.ops import gru_ops; GRUBlockCellV2 = "
     "gru_ops.GRUBlockCellV2", "GRUBlockCellV2", fr),
    ("from tensorflow.contrib.rnn.python.ops.fused_rnn_cell import TimeReversedFusedRNN",
     "TimeReversedFusedRNN", fr),
    ("from tensorflow.contrib.rnn.python.ops.rnn_cell import LayerNormBasicLSTMCell",
     "LayerNormBasicLSTMCell", cr),
    ("from tensorflow.contrib.rnn.python.ops.rnn import stack_bidirectional_dynamic_rnn",
     "stack_bidirectional_dynamic_rnn", cr),
])
def test_old_contrib_rnn_module_paths_import(statement, name, module):
    contrib.install()
    try:
        namespace = {}
        exec(statement, namespace)
        assert namespace[name] is getattr(module, name)
    finally:
        contrib.uninstall()
