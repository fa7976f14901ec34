"""Writes tests/data/varnames_contrib_rnn_tf115.txt: TF 1.15 variable names of the contrib cells.

These names were NOT measured on TF 1.15 (there is no TF 1.15 in this
environment). They were written down by reading TF 1.15's sources of
``tensorflow/contrib/rnn/python/ops/lstm_ops.py``, ``gru_ops.py``,
``rnn_cell.py``, ``rnn.py`` and ``fused_rnn_cell.py`` (and the TF 1.15 core
``rnn.py`` / ``rnn_cell_impl.py`` they call): which scope each cell binds
(a Layer's snake-case class name or its ``name=``), which variables its
``build``/``call`` creates with ``add_variable``/``get_variable``, in which
order, with which shape. Each entry below says what it is built from. Nothing
here is computed by legacy_seq2seq_compat; tests/test_contrib_rnn.py compares
what our cells create against this file.

Every configuration is built inside ``tf.variable_scope("root")``; "depth" is
the input depth of the first call.

Run: ``python tests/make_varnames_contrib_rnn.py`` (rewrites the file).
"""

import os

_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                    "varnames_contrib_rnn_tf115.txt")


def _lstm_block(scope, depth, units, peephole):
    # lstm_ops.py: LSTMBlockCell.build / LSTMBlockFusedCell.build: kernel, bias, then
    # w_i_diag, w_f_diag, w_o_diag with use_peephole.
    names = [(f"{scope}/kernel", [depth + units, 4 * units]), (f"{scope}/bias", [4 * units])]
    if peephole:
        names += [(f"{scope}/w_{g}_diag", [units]) for g in "ifo"]
    return names


def _gru(scope, depth, units, leaves=("gates/kernel", "gates/bias", "candidate/kernel",
                                      "candidate/bias")):
    # gru_ops.py GRUBlockCell.build: w_ru, b_ru, w_c, b_c; GRUBlockCellV2 and the core
    # GRUCell: gates/kernel, gates/bias, candidate/kernel, candidate/bias.
    shapes = [[depth + units, 2 * units], [2 * units], [depth + units, units], [units]]
    return [(f"{scope}/{leaf}", shape) for leaf, shape in zip(leaves, shapes)]


def _norm(scope, names, units):
    # rnn_cell.py _norm / LayerNormBasicLSTMCell._norm: gamma then beta in the sub-scope.
    return [(f"{scope}/{n}/{v}", [units]) for n in names for v in ("gamma", "beta")]


SECTIONS = [
    ("lstm_block_cell", "LSTMBlockCell(3), depth 2",
     _lstm_block("root/lstm_cell", 2, 3, False)),
    ("lstm_block_cell_peephole", "LSTMBlockCell(3, use_peephole=True), depth 2",
     _lstm_block("root/lstm_cell", 2, 3, True)),
    ("gru_block_cell", "GRUBlockCell(3), depth 2",
     _gru("root/gru_cell", 2, 3, ("w_ru", "b_ru", "w_c", "b_c"))),
    ("gru_block_cell_v2", "GRUBlockCellV2(3), depth 2",
     _gru("root/gru_cell", 2, 3)),
    ("lstm_block_fused_cell", "LSTMBlockFusedCell(3, use_peephole=True), depth 2",
     _lstm_block("root/lstm_fused_cell", 2, 3, True)),
    ("time_reversed_fused_rnn", "TimeReversedFusedRNN(LSTMBlockFusedCell(3)), depth 2",
     _lstm_block("root/lstm_fused_cell", 2, 3, False)),
    # fused_rnn_cell.py FusedRNNCellAdaptor -> rnn.dynamic_rnn(scope=None) -> "rnn".
    ("fused_rnn_cell_adaptor", "FusedRNNCellAdaptor(GRUCell(3), use_dynamic_rnn=True), depth 2",
     _gru("root/rnn/gru_cell", 2, 3)),
    # rnn_cell.py CoupledInputForgetGateLSTMCell.call: W_<k> shards (_get_sharded_variable:
    # the first rows % k shards get one more row), B, the transform/forget/output norms,
    # W_F_diag, W_O_diag, the state norm, W_P_<k>.
    ("coupled_input_forget_gate_lstm_cell",
     "CoupledInputForgetGateLSTMCell(3, use_peepholes=True, num_proj=2, num_unit_shards=2, "
     "num_proj_shards=2, layer_norm=True), depth 2",
     [("root/coupled_input_forget_gate_lstm_cell/W_0", [2, 9]),
      ("root/coupled_input_forget_gate_lstm_cell/W_1", [2, 9]),
      ("root/coupled_input_forget_gate_lstm_cell/B", [9])]
     + _norm("root/coupled_input_forget_gate_lstm_cell", ("transform", "forget", "output"), 3)
     + [("root/coupled_input_forget_gate_lstm_cell/W_F_diag", [3]),
        ("root/coupled_input_forget_gate_lstm_cell/W_O_diag", [3])]
     + _norm("root/coupled_input_forget_gate_lstm_cell", ("state",), 3)
     + [("root/coupled_input_forget_gate_lstm_cell/W_P_0", [2, 2]),
        ("root/coupled_input_forget_gate_lstm_cell/W_P_1", [1, 2])]),
    ("coupled_input_forget_gate_lstm_cell_plain", "CoupledInputForgetGateLSTMCell(3), depth 2",
     [("root/coupled_input_forget_gate_lstm_cell/W_0", [5, 9]),
      ("root/coupled_input_forget_gate_lstm_cell/B", [9])]),
    # rnn_cell.py LayerNormBasicLSTMCell.call: kernel, (bias without layer norm), then the
    # input/transform/forget/output norms and the state norm.
    ("layer_norm_basic_lstm_cell", "LayerNormBasicLSTMCell(3), depth 2",
     [("root/layer_norm_basic_lstm_cell/kernel", [5, 12])]
     + _norm("root/layer_norm_basic_lstm_cell",
             ("input", "transform", "forget", "output", "state"), 3)),
    ("layer_norm_basic_lstm_cell_no_norm", "LayerNormBasicLSTMCell(3, layer_norm=False), depth 2",
     [("root/layer_norm_basic_lstm_cell/kernel", [5, 12]),
      ("root/layer_norm_basic_lstm_cell/bias", [12])]),
    # rnn_cell.py NASCell.build: recurrent_kernel, kernel, bias (use_bias), projection_weights.
    ("nas_cell", "NASCell(3), depth 2",
     [("root/nas_cell/recurrent_kernel", [3, 24]), ("root/nas_cell/kernel", [2, 24])]),
    ("nas_cell_bias_proj", "NASCell(3, num_proj=2, use_bias=True), depth 2",
     [("root/nas_cell/recurrent_kernel", [2, 24]), ("root/nas_cell/kernel", [2, 24]),
      ("root/nas_cell/bias", [24]), ("root/nas_cell/projection_weights", [3, 2])]),
    # rnn_cell.py UGRNNCell.call: one _Linear (kernel, bias) over [inputs, state].
    ("ugrnn_cell", "UGRNNCell(3), depth 2",
     [("root/ugrnn_cell/kernel", [5, 6]), ("root/ugrnn_cell/bias", [6])]),
    # rnn_cell.py IntersectionRNNCell.call: in_projection _Linear, then the main _Linear.
    ("intersection_rnn_cell", "IntersectionRNNCell(3, num_in_proj=3), depth 2",
     [("root/intersection_rnn_cell/in_projection/kernel", [2, 3]),
      ("root/intersection_rnn_cell/in_projection/bias", [3]),
      ("root/intersection_rnn_cell/kernel", [6, 12]),
      ("root/intersection_rnn_cell/bias", [12])]),
    # rnn_cell.py HighwayWrapper.__call__ adds no scope: the cell's variables, then carry_w,
    # carry_b, transform_w, transform_b in the caller's scope.
    ("highway_wrapper", "HighwayWrapper(GRUCell(2), couple_carry_transform_gates=False), depth 2",
     _gru("root/gru_cell", 2, 2)
     + [("root/carry_w", [2, 2]), ("root/carry_b", [2]), ("root/transform_w", [2, 2]),
        ("root/transform_b", [2])]),
    # rnn_cell.py CompiledWrapper.__call__ calls the cell with the caller's scope.
    ("compiled_wrapper", "CompiledWrapper(GRUCell(2)), depth 2", _gru("root/gru_cell", 2, 2)),
    # contrib rnn.py: scope "stack_bidirectional_rnn", layer scope "cell_<i>", then
    # static_bidirectional_rnn(scope=cell_scope) -> "fw" / "bw".
    ("stack_bidirectional_rnn",
     "stack_bidirectional_rnn([GRUCell(2)] x2, [GRUCell(2)] x2), depth 3",
     _gru("root/stack_bidirectional_rnn/cell_0/fw/gru_cell", 3, 2)
     + _gru("root/stack_bidirectional_rnn/cell_0/bw/gru_cell", 3, 2)
     + _gru("root/stack_bidirectional_rnn/cell_1/fw/gru_cell", 4, 2)
     + _gru("root/stack_bidirectional_rnn/cell_1/bw/gru_cell", 4, 2)),
    # contrib rnn.py: bidirectional_dynamic_rnn(scope=None) -> "bidirectional_rnn/fw|bw".
    ("stack_bidirectional_dynamic_rnn",
     "stack_bidirectional_dynamic_rnn([GRUCell(2)] x2, [GRUCell(2)] x2), depth 3",
     _gru("root/stack_bidirectional_rnn/cell_0/bidirectional_rnn/fw/gru_cell", 3, 2)
     + _gru("root/stack_bidirectional_rnn/cell_0/bidirectional_rnn/bw/gru_cell", 3, 2)
     + _gru("root/stack_bidirectional_rnn/cell_1/bidirectional_rnn/fw/gru_cell", 4, 2)
     + _gru("root/stack_bidirectional_rnn/cell_1/bidirectional_rnn/bw/gru_cell", 4, 2)),
    # rnn_cell.py GLSTMCell.call: group<k>/kernel (a bias-free _Linear per group), bias_i,
    # bias_j, bias_f, bias_o, then projection/kernel (bias-free _Linear).
    ("glstm_cell", "GLSTMCell(4, num_proj=2, number_of_groups=2), depth 4",
     [("root/glstm_cell/group0/kernel", [3, 8]), ("root/glstm_cell/group1/kernel", [3, 8])]
     + [(f"root/glstm_cell/bias_{g}", [4]) for g in "ijfo"]
     + [("root/glstm_cell/projection/kernel", [4, 2])]),
    # rnn_cell.py IndRNNCell.build: kernel_w, kernel_u, bias.
    ("ind_rnn_cell", "IndRNNCell(3), depth 2",
     [("root/ind_rnn_cell/kernel_w", [2, 3]), ("root/ind_rnn_cell/kernel_u", [1, 3]),
      ("root/ind_rnn_cell/bias", [3])]),
    # rnn_cell.py PhasedLSTMCell.call: the mask_gates, new_input and output_gate _Linears,
    # then period, phase, ratio_on.
    ("phased_lstm_cell", "PhasedLSTMCell(3, use_peepholes=True), features depth 2",
     [("root/phased_lstm_cell/mask_gates/kernel", [8, 6]),
      ("root/phased_lstm_cell/mask_gates/bias", [6]),
      ("root/phased_lstm_cell/new_input/kernel", [5, 3]),
      ("root/phased_lstm_cell/new_input/bias", [3]),
      ("root/phased_lstm_cell/output_gate/kernel", [8, 3]),
      ("root/phased_lstm_cell/output_gate/bias", [3]),
      ("root/phased_lstm_cell/period", [3]), ("root/phased_lstm_cell/phase", [3]),
      ("root/phased_lstm_cell/ratio_on", [3])]),
    # rnn_cell.py ConvLSTMCell.call -> _conv: kernel (filter + [in + out, 4 * out]), biases.
    ("conv_lstm_cell", "ConvLSTMCell(2, [3, 3, 2], 2, [3, 3])",
     [("root/conv_lstm_cell/kernel", [3, 3, 4, 8]), ("root/conv_lstm_cell/biases", [8])]),
    ("conv_1d_lstm_cell", "Conv1DLSTMCell(input_shape=[3, 2], output_channels=2, "
     "kernel_shape=[3], use_bias=False)",
     [("root/conv_1d_lstm_cell/kernel", [3, 4, 8])]),
    ("conv_2d_lstm_cell", "Conv2DLSTMCell(input_shape=[3, 3, 2], output_channels=2, "
     "kernel_shape=[3, 3])",
     [("root/conv_2d_lstm_cell/kernel", [3, 3, 4, 8]), ("root/conv_2d_lstm_cell/biases", [8])]),
    ("conv_3d_lstm_cell", "Conv3DLSTMCell(input_shape=[2, 2, 2, 1], output_channels=1, "
     "kernel_shape=[1, 1, 1])",
     [("root/conv_3d_lstm_cell/kernel", [1, 1, 1, 2, 4]),
      ("root/conv_3d_lstm_cell/biases", [4])]),
    # rnn_cell.py AttentionCellWrapper.call: _linear1 (kernel, bias), the cell, then
    # attention/attn_w, attention/attn_v, _linear3 (attention/kernel, bias), then
    # attn_output_projection/_linear2.
    ("attention_cell_wrapper", "AttentionCellWrapper(BasicLSTMCell(3), 4), depth 2",
     [("root/attention_cell_wrapper/kernel", [5, 2]),
      ("root/attention_cell_wrapper/bias", [2]),
      ("root/attention_cell_wrapper/basic_lstm_cell/kernel", [5, 12]),
      ("root/attention_cell_wrapper/basic_lstm_cell/bias", [12]),
      ("root/attention_cell_wrapper/attention/attn_w", [1, 1, 3, 3]),
      ("root/attention_cell_wrapper/attention/attn_v", [3]),
      ("root/attention_cell_wrapper/attention/kernel", [6, 3]),
      ("root/attention_cell_wrapper/attention/bias", [3]),
      ("root/attention_cell_wrapper/attn_output_projection/kernel", [6, 3]),
      ("root/attention_cell_wrapper/attn_output_projection/bias", [3])]),
    # rnn_cell.py TimeFreqLSTMCell.call: W_<k> shards, B, W_F_diag, W_I_diag, W_O_diag.
    ("time_freq_lstm_cell",
     "TimeFreqLSTMCell(2, use_peepholes=True, num_unit_shards=2, feature_size=2), depth 3",
     [("root/time_freq_lstm_cell/W_0", [3, 8]), ("root/time_freq_lstm_cell/W_1", [3, 8]),
      ("root/time_freq_lstm_cell/B", [8])]
     + [(f"root/time_freq_lstm_cell/W_{g}_diag", [2]) for g in "FIO"]),
    # rnn_cell.py GridLSTMCell._compute: per block W_f_<b> (via _get_concat_variable, so
    # shards W_f_<b>_<k>), B_f_<b>, W_t_<b>_<k>, B_t_<b>, then the freq peepholes
    # (F, I, O x freqf, freqt) and the time peepholes (F, I, O x timef, timet).
    ("grid_lstm_cell",
     "GridLSTMCell(2, use_peepholes=True, feature_size=2, frequency_skip=1, "
     "num_frequency_blocks=[1, 1], start_freqindex_list=[0, 2], end_freqindex_list=[2, 4]), "
     "depth 4",
     [(f"root/grid_lstm_cell/{name}", shape) for b in (0, 1) for name, shape in (
         [(f"W_f_{b}_0", [6, 8]), (f"B_f_{b}", [8]), (f"W_t_{b}_0", [6, 8]), (f"B_t_{b}", [8])]
         + [(f"W_{g}_diag_{kind}{src}_{b}", [2]) for kind in ("freq", "time") for g in "FIO"
            for src in "ft"])]),
    # GridLSTMCell with coupled gates and shared weights: 3 gates, no W_t, no F peepholes.
    ("grid_lstm_cell_coupled_shared",
     "GridLSTMCell(2, use_peepholes=True, share_time_frequency_weights=True, feature_size=2, "
     "frequency_skip=1, num_frequency_blocks=[3], couple_input_forget_gates=True), depth 4",
     [("root/grid_lstm_cell/W_f_0_0", [6, 6]), ("root/grid_lstm_cell/B_f_0", [6])]
     + [(f"root/grid_lstm_cell/W_{g}_diag_freq{src}_0", [2]) for g in "IO" for src in "ft"]),
    # rnn_cell.py BidirectionalGridLSTMCell.call: GridLSTMCell._compute under "fwd", then "bwd".
    ("bidirectional_grid_lstm_cell",
     "BidirectionalGridLSTMCell(2, share_time_frequency_weights=True, feature_size=2, "
     "frequency_skip=1, num_frequency_blocks=[3]), depth 4",
     [("root/bidirectional_grid_lstm_cell/fwd/W_f_0_0", [6, 8]),
      ("root/bidirectional_grid_lstm_cell/fwd/B_f_0", [8]),
      ("root/bidirectional_grid_lstm_cell/bwd/W_f_0_0", [6, 8]),
      ("root/bidirectional_grid_lstm_cell/bwd/B_f_0", [8])]),
]


def main():
    lines = [
        "# TF 1.15 variable names of the tf.contrib.rnn cells in contrib_rnn / fused_rnn_cell",
        "# NOT measured on TF 1.15: written from reading TF 1.15's sources (see",
        "# tests/make_varnames_contrib_rnn.py, which produced this file and says for each",
        "# section which source lines it follows). Order = creation order.",
        "",
    ]
    for key, title, names in SECTIONS:
        lines.append(f"== {key}: {title}  [{len(names)} variables]")
        lines += [f"{name}:0  {shape}" for name, shape in names]
        lines.append("")
    with open(_OUT, "w") as out:
        out.write("\n".join(lines))


if __name__ == "__main__":
    main()
