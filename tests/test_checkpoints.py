"""Tests of legacy_seq2seq_compat.checkpoints: TF1 checkpoints of every naming era.

* Name conversion without a graph: the rules of each era, optimizer slots,
  0.12 shards, the wrapper structure of TF < 1.2, unmappable names and the
  era detection.
* Whole models: a model built with this library gets random weights and one
  optimizer step (Adam, Adagrad, Momentum, RMSProp); its checkpoint is
  rewritten with TF 0.12 and TF 1.0 names by tests/ckpt_fixtures.py (forward
  renaming written independently of the converter), converted back and
  restored, directly and through convert_checkpoint, into a freshly built
  model: every tensor bit-exact, outputs identical (max abs diff 0.0).
* tf.contrib.rnn cells: TF 1.0 names of LayerNormBasicLSTMCell, UGRNNCell,
  NASCell, IntersectionRNNCell, PhasedLSTMCell and AttentionCellWrapper convert
  to the names the cells of this library create.
* restore_checkpoint: round trip with partitioned variables, training graph
  -> decoding graph and back, mismatch errors that restore nothing, paths.
"""

import os
import re

import ckpt_fixtures as fx
import numpy as np
import pytest
import tensorflow as tf

from legacy_seq2seq_compat import checkpoints, fused_rnn_cell, legacy_seq2seq, rnn_cell
from legacy_seq2seq_compat import contrib_rnn as cr
from legacy_seq2seq_compat.checkpoints import CheckpointMismatchError
from legacy_seq2seq_compat.rnn import static_rnn

v1 = tf.compat.v1

# -- name conversion, no graph ---------------------------------------------------------

ATT = "embedding_attention_seq2seq/embedding_attention_decoder/attention_decoder"

# (old name, shape, TF 1.15 name) per scenario; every scenario is converted as one set.
SCENARIOS = {
    "0.12 static GRU": [
        ("RNN/GRUCell/Gates/Linear/Matrix", [5, 4], "rnn/gru_cell/gates/kernel"),
        ("RNN/GRUCell/Gates/Linear/Bias", [4], "rnn/gru_cell/gates/bias"),
        ("RNN/GRUCell/Candidate/Linear/Matrix", [5, 2], "rnn/gru_cell/candidate/kernel"),
        ("RNN/GRUCell/Candidate/Linear/Bias", [2], "rnn/gru_cell/candidate/bias"),
    ],
    "0.12 BiRNN of BasicLSTMCell and BasicRNNCell": [
        ("BiRNN/FW/BasicLSTMCell/Linear/Matrix", [5, 8],
         "bidirectional_rnn/fw/basic_lstm_cell/kernel"),
        ("BiRNN/FW/BasicLSTMCell/Linear/Bias", [8], "bidirectional_rnn/fw/basic_lstm_cell/bias"),
        ("BiRNN/BW/BasicRNNCell/Linear/Matrix", [5, 2],
         "bidirectional_rnn/bw/basic_rnn_cell/kernel"),
        ("BiRNN/BW/BasicRNNCell/Linear/Bias", [2], "bidirectional_rnn/bw/basic_rnn_cell/bias"),
    ],
    "0.12 LSTMCell: shards, projection, peepholes, slots": [
        ("lm/RNN/MultiRNNCell/Cell1/LSTMCell/W_0", [4, 8],
         "lm/rnn/multi_rnn_cell/cell_1/lstm_cell/kernel"),
        ("lm/RNN/MultiRNNCell/Cell1/LSTMCell/W_1", [3, 8],
         "lm/rnn/multi_rnn_cell/cell_1/lstm_cell/kernel"),
        ("lm/RNN/MultiRNNCell/Cell1/LSTMCell/W_0/RMSProp", [4, 8],
         "lm/rnn/multi_rnn_cell/cell_1/lstm_cell/kernel/RMSProp"),
        ("lm/RNN/MultiRNNCell/Cell1/LSTMCell/W_1/RMSProp", [3, 8],
         "lm/rnn/multi_rnn_cell/cell_1/lstm_cell/kernel/RMSProp"),
        ("lm/RNN/MultiRNNCell/Cell1/LSTMCell/B", [8],
         "lm/rnn/multi_rnn_cell/cell_1/lstm_cell/bias"),
        ("lm/RNN/MultiRNNCell/Cell1/LSTMCell/W_P_0", [2, 3],
         "lm/rnn/multi_rnn_cell/cell_1/lstm_cell/projection/kernel"),
        ("lm/RNN/MultiRNNCell/Cell1/LSTMCell/W_F_diag", [2],
         "lm/rnn/multi_rnn_cell/cell_1/lstm_cell/w_f_diag"),
        ("lm/RNN/MultiRNNCell/Cell1/LSTMCell/W_O_diag/Adagrad", [2],
         "lm/rnn/multi_rnn_cell/cell_1/lstm_cell/w_o_diag/Adagrad"),
    ],
    "0.12 attention decoder in a custom scope, wrapped cell a sibling": [
        ("dec/AttnW_0", [1, 1, 3, 3], "dec/AttnW_0"),
        ("dec/AttnV_0", [3], "dec/AttnV_0"),
        ("dec/Linear/Matrix", [5, 2], "dec/kernel"),
        ("dec/Linear/Bias", [2], "dec/bias"),
        ("dec/GRUCell/Gates/Linear/Matrix", [5, 6],
         "dec/output_projection_wrapper/gru_cell/gates/kernel"),
        ("dec/GRUCell/Gates/Linear/Matrix/Adam_1", [5, 6],
         "dec/output_projection_wrapper/gru_cell/gates/kernel/Adam_1"),
        ("dec/OutputProjectionWrapper/Linear/Matrix", [3, 7],
         "dec/output_projection_wrapper/kernel"),
        ("dec/OutputProjectionWrapper/Linear/Bias", [7], "dec/output_projection_wrapper/bias"),
        ("dec/Attention_0/Linear/Matrix", [3, 3], "dec/Attention_0/kernel"),
        ("dec/AttnOutputProjection/Linear/Bias", [7], "dec/AttnOutputProjection/bias"),
    ],
    "1.0 embedding encoder and a projected LSTMCell": [
        ("rnn/embedding_wrapper/embedding", [9, 4], "rnn/embedding_wrapper/embedding"),
        ("rnn/input_projection_wrapper/weights", [4, 5],
         "rnn/embedding_wrapper/input_projection_wrapper/kernel"),
        ("rnn/input_projection_wrapper/biases", [5],
         "rnn/embedding_wrapper/input_projection_wrapper/bias"),
        ("rnn/lstm_cell/weights", [7, 8],
         "rnn/embedding_wrapper/input_projection_wrapper/lstm_cell/kernel"),
        ("rnn/lstm_cell/projection/weights", [2, 2],
         "rnn/embedding_wrapper/input_projection_wrapper/lstm_cell/projection/kernel"),
        ("rnn/lstm_cell/w_i_diag", [2],
         "rnn/embedding_wrapper/input_projection_wrapper/lstm_cell/w_i_diag"),
    ],
    "1.0 attention decoder": [
        (f"{ATT}/AttnW_0", [1, 1, 4, 4], f"{ATT}/AttnW_0"),
        (f"{ATT}/weights", [7, 3], f"{ATT}/kernel"),
        (f"{ATT}/biases/Momentum", [3], f"{ATT}/bias/Momentum"),
        (f"{ATT}/biases", [3], f"{ATT}/bias"),
        (f"{ATT}/Attention_0/weights", [4, 4], f"{ATT}/Attention_0/kernel"),
        (f"{ATT}/Attention_1/biases", [4], f"{ATT}/Attention_1/bias"),
        (f"{ATT}/AttnOutputProjection/weights", [8, 4], f"{ATT}/AttnOutputProjection/kernel"),
        (f"{ATT}/multi_rnn_cell/cell_0/gru_cell/gates/weights", [7, 8],
         f"{ATT}/output_projection_wrapper/multi_rnn_cell/cell_0/gru_cell/gates/kernel"),
        (f"{ATT}/output_projection_wrapper/weights", [4, 5],
         f"{ATT}/output_projection_wrapper/kernel"),
    ],
    "1.0 contrib cells: fused LSTM keeps its scope, NASCell's moves, slots follow": [
        ("rnn/lstm_block_wrapper/weights", [5, 8], "rnn/lstm_fused_cell/kernel"),
        ("rnn/lstm_block_wrapper/biases", [8], "rnn/lstm_fused_cell/bias"),
        ("rnn/lstm_block_wrapper/w_i_diag", [2], "rnn/lstm_fused_cell/w_i_diag"),
        ("enc/nas_rnn_1/weights/Adam", [3, 16], "enc/nas_cell_1/kernel/Adam"),
        ("enc/nas_rnn_1/weights", [3, 16], "enc/nas_cell_1/kernel"),
        ("enc/nas_rnn_1/recurrent_weights", [2, 16], "enc/nas_cell_1/recurrent_kernel"),
        ("enc/nas_rnn_1/bias", [16], "enc/nas_cell_1/bias"),
        ("enc/nas_rnn_1/projection_weights", [2, 2], "enc/nas_cell_1/projection_weights"),
        ("x/ugrnn_cell_2/biases", [4], "x/ugrnn_cell_2/bias"),
        ("x/phased_lstm_cell/new_input/weights", [5, 2], "x/phased_lstm_cell/new_input/kernel"),
        ("x/phased_lstm_cell/period", [2], "x/phased_lstm_cell/period"),
        ("x/attention_cell_wrapper/attn_v", [2], "x/attention_cell_wrapper/attn_v"),
        ("x/layer_norm_basic_lstm_cell/input/gamma", [2],
         "x/layer_norm_basic_lstm_cell/input/gamma"),
        ("x/nas_rnn/other/weights", [2], "x/nas_rnn/other/weights"),
    ],
    "user and bookkeeping variables pass through": [
        ("rnn/basic_lstm_cell/weights", [6, 8], "rnn/basic_lstm_cell/kernel"),
        ("global_step", [], "global_step"),
        ("beta1_power", [], "beta1_power"),
        ("proj_w", [4, 6], "proj_w"),
        ("proj_w/Adam", [4, 6], "proj_w/Adam"),
        ("Variable_1", [3], "Variable_1"),
        ("fully_connected/weights", [4, 2], "fully_connected/weights"),
        ("fully_connected/biases/Adam", [2], "fully_connected/biases/Adam"),
        ("fully_connected/biases", [2], "fully_connected/biases"),
        ("encoder/Linear/bias_like", [2], "encoder/Linear/bias_like"),
    ],
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_convert_names_maps_every_era_rule(scenario):
    rows = SCENARIOS[scenario]
    conversion = checkpoints.convert_names({old: shape for old, shape, _ in rows})
    assert conversion.unmapped == ()
    expected = {}
    for old, _, new in rows:
        expected.setdefault(new, []).append(old)
    assert conversion.sources == {new: tuple(olds) for new, olds in expected.items()}
    assert conversion.renamed == {old: new for old, _, new in rows if old != new}


def test_convert_names_concatenates_0_12_shards_in_order():
    conversion = checkpoints.convert_names(
        {"RNN/LSTMCell/W_1": [3, 8], "RNN/LSTMCell/W_0": [4, 8], "RNN/LSTMCell/B": [8]})
    assert conversion.concatenated == {
        "rnn/lstm_cell/kernel": ("RNN/LSTMCell/W_0", "RNN/LSTMCell/W_1")}
    assert conversion.shapes == {"rnn/lstm_cell/kernel": (7, 8), "rnn/lstm_cell/bias": (8,)}


@pytest.mark.parametrize("names, era, detail", [
    ({"RNN/GRUCell/Gates/Linear/Matrix": [3, 2], "proj_w": [2, 2]}, "0.12", "TF <= 0.12"),
    ({"rnn/gru_cell/gates/weights": [3, 2], "global_step": []}, "1.0", "weights/biases"),
    ({"rnn/gru_cell/gates/kernel": [3, 2], "a/AttnW_0": [1, 1, 2, 2], "a/kernel": [2, 2]},
     ">= 1.2", "kernel/bias"),
    ({"a/rnn/gru_cell/gates/weights": [3, 2], "b/rnn/gru_cell/gates/kernel": [3, 2],
      "b/rnn/gru_cell/candidate/bias": [1]}, "mixed", "1.0: 1 name(s), >= 1.2: 2 name(s)"),
    ({"proj_w": [2, 2], "fully_connected/weights": [2, 2], "global_step": []},
     "unknown", "no RNN cell or attention variable"),
], ids=["0.12", "1.0", "1.2", "mixed", "unknown"])
def test_convert_names_detects_the_era(names, era, detail):
    conversion = checkpoints.convert_names(names)
    assert conversion.era == era
    assert detail in conversion.era_details


@pytest.mark.parametrize("names, bad, reason", [
    ({"decoder/Linear/Matrix": [3, 2]}, ["decoder/Linear/Matrix"],
     "outside a recognised RNN cell, wrapper or attention scope"),
    ({"RNN/BasicLSTMCell/Linear/Matrix_1": [3, 8]}, ["RNN/BasicLSTMCell/Linear/Matrix_1"],
     "only Linear/Matrix and Linear/Bias"),
    ({"rnn/gru_cell/weights": [3, 2]}, ["rnn/gru_cell/weights"],
     "'weights' directly in a 'gru_cell' scope"),
    ({"rnn/lstm_cell/projection/biases": [2]}, ["rnn/lstm_cell/projection/biases"],
     "projection has no bias"),
    ({"RNN/LSTMCell/Peephole": [2]}, ["RNN/LSTMCell/Peephole"],
     "unknown LSTMCell variable 'Peephole'"),
    ({"RNN/LSTMCell/W_0": [2, 8], "RNN/LSTMCell/W_2": [2, 8], "RNN/LSTMCell/W_2/Adam": [2, 8]},
     ["RNN/LSTMCell/W_0", "RNN/LSTMCell/W_2", "RNN/LSTMCell/W_2/Adam"],
     "are not numbered 0.."),
    ({"RNN/LSTMCell/W_0": [2, 8], "RNN/LSTMCell/W_1": [2, 7]},
     ["RNN/LSTMCell/W_0", "RNN/LSTMCell/W_1"], "cannot be concatenated on axis 0"),
    ({"rnn/gru_cell/gates/weights": [3, 2], "rnn/gru_cell/gates/kernel": [3, 2]},
     ["rnn/gru_cell/gates/kernel", "rnn/gru_cell/gates/weights"],
     "converts to 'rnn/gru_cell/gates/kernel' like 1 other"),
], ids=["linear-outside", "matrix-shard", "gru-weights", "projection-bias", "lstm-unknown",
        "shard-gap", "shard-shapes", "collision"])
def test_convert_names_reports_names_it_cannot_map(names, bad, reason):
    conversion = checkpoints.convert_names(names)
    assert [name for name, _ in conversion.unmapped] == bad
    assert all(reason in why for _, why in conversion.unmapped), conversion.unmapped
    for name in bad:  # kept unchanged
        assert conversion.sources[name] == (name,)


def _one2many():
    names = {"o/rnn/embedding_wrapper/embedding": [2, 2],
             "o/rnn/embedding_wrapper/basic_lstm_cell/kernel": [4, 8],
             "o/rnn/embedding_wrapper/basic_lstm_cell/bias": [8]}
    for name, symbols in (("0", 5), ("1", 6)):
        decoder = f"o/one2many_decoder_{name}/embedding_rnn_decoder"
        wrapper = f"{decoder}/rnn_decoder/output_projection_wrapper"
        names.update({f"{decoder}/embedding": [symbols, 2],
                      f"{wrapper}/basic_lstm_cell/kernel": [4, 8],
                      f"{wrapper}/basic_lstm_cell/bias": [8],
                      f"{wrapper}/kernel": [2, symbols], f"{wrapper}/bias": [symbols]})
    return {name.replace("o/", "one2many_rnn_seq2seq/", 1): s for name, s in names.items()}


@pytest.mark.parametrize("shapes, models", [
    (_one2many(), ["one2many_rnn_seq2seq, BasicLSTMCell(2), OutputProjectionWrapper(5), "
                   "OutputProjectionWrapper(6), 2 -> 5/6 symbols, embedding size 2"]),
    ({"basic_rnn_seq2seq/rnn/multi_rnn_cell/cell_0/gru_cell/gates/kernel": [5, 6],
      "basic_rnn_seq2seq/rnn/multi_rnn_cell/cell_0/gru_cell/candidate/bias": [3],
      "basic_rnn_seq2seq/rnn/multi_rnn_cell/cell_1/basic_lstm_cell/bias": [8],
      "x/combined_tied_rnn_seq2seq/tied_rnn_seq2seq/lstm_cell/kernel": [7, 16],
      "x/combined_tied_rnn_seq2seq/tied_rnn_seq2seq/lstm_cell/kernel/Adam": [7, 16],
      "x/combined_tied_rnn_seq2seq/tied_rnn_seq2seq/lstm_cell/projection/kernel": [4, 3]},
     ["basic_rnn_seq2seq, MultiRNNCell[GRUCell(3), BasicLSTMCell(2)]",
      "tied_rnn_seq2seq (under x/), LSTMCell(4, num_proj=3)"]),
    ({f"root/{name}": shape for name, shape in fx.measured_listing("d").items()},
     ["embedding_attention_seq2seq (under root/), 2 x GRUCell(16), 2 heads, output projection, "
      "10 -> 12 symbols, embedding size 8"]),
    ({"rnn/lstm_cell/kernel": [7, 16], "proj_w": [4, 6]}, []),
], ids=["one2many", "basic-and-tied", "prefixed", "none"])
def test_describe_models(shapes, models):
    assert checkpoints.describe_models(shapes) == models


def test_convert_names_rejects_bad_input():
    with pytest.raises(TypeError, match="`names_and_shapes` must map variable names to shapes"):
        checkpoints.convert_names({1: [2]})
    with pytest.raises(TypeError, match="`names_and_shapes`"):
        checkpoints.convert_names(["rnn/kernel"])


# -- whole models ------------------------------------------------------------------------

BATCH, STEPS = 2, 2
E, D, S, H = 5, 6, 3, 4  # encoder / decoder vocabularies, embedding size, units
OPTIMIZERS = {
    "attention_gru": lambda: v1.train.AdamOptimizer(0.1),
    "attention_gru_proj": lambda: v1.train.AdagradOptimizer(0.1),
    "rnn_basic_lstm": lambda: v1.train.MomentumOptimizer(0.1, 0.9),
    "lstm_shards": lambda: v1.train.RMSPropOptimizer(0.1, momentum=0.5),
}
MODEL_LINES = {
    "attention_gru": "embedding_attention_seq2seq, 2 x GRUCell(4), 2 heads, "
                     "OutputProjectionWrapper(6), 5 -> 6 symbols, embedding size 3",
    "attention_gru_proj": "embedding_attention_seq2seq, 2 x GRUCell(4), 1 head, "
                          "output projection, 5 -> 6 symbols, embedding size 3",
    "rnn_basic_lstm": "embedding_rnn_seq2seq, BasicLSTMCell(4), OutputProjectionWrapper(6), "
                      "5 -> 6 symbols, embedding size 3",
    "lstm_shards": "no legacy_seq2seq model recognised",
}


def _build(config, feed_previous=False, train=False):
    """Builds a model in the current graph; returns (input placeholders, outputs, train op)."""
    if config == "lstm_shards":
        inputs = [v1.placeholder(tf.float32, [BATCH, 4], name=f"x{i}") for i in range(STEPS)]
        cell = rnn_cell.OutputProjectionWrapper(rnn_cell.LSTMCell(
            H, num_proj=3, use_peepholes=True, num_unit_shards=2), 2)
        outputs, _ = static_rnn(cell, inputs, dtype=tf.float32)
    else:
        enc = [v1.placeholder(tf.int32, [BATCH], name=f"enc{i}") for i in range(STEPS)]
        dec = [v1.placeholder(tf.int32, [BATCH], name=f"dec{i}") for i in range(STEPS)]
        inputs = enc + dec
        if config == "rnn_basic_lstm":
            outputs, _ = legacy_seq2seq.embedding_rnn_seq2seq(
                enc, dec, rnn_cell.BasicLSTMCell(H), E, D, S, feed_previous=feed_previous)
        else:
            cell = rnn_cell.MultiRNNCell([rnn_cell.GRUCell(H), rnn_cell.GRUCell(H)])
            projection = None
            if config == "attention_gru_proj":
                projection = (v1.get_variable("proj_w", [H, D]), v1.get_variable("proj_b", [D]))
            outputs, _ = legacy_seq2seq.embedding_attention_seq2seq(
                enc, dec, cell, E, D, S, num_heads=1 if projection else 2,
                output_projection=projection, feed_previous=feed_previous)
            if projection:
                outputs = [tf.matmul(o, projection[0]) + projection[1] for o in outputs]
    train_op = None
    if train:
        loss = tf.add_n([tf.reduce_sum(tf.square(o)) for o in outputs])
        train_op = OPTIMIZERS[config]().minimize(
            loss, global_step=v1.train.get_or_create_global_step())
    return inputs, outputs, train_op


def _feed_values(config, rng):
    if config == "lstm_shards":
        return [rng.uniform(-1, 1, [BATCH, 4]).astype(np.float32) for _ in range(STEPS)]
    return ([rng.randint(0, E, BATCH) for _ in range(STEPS)]
            + [rng.randint(0, D, BATCH) for _ in range(STEPS)])


def _graph_values(sess, directory):
    """{checkpoint name: value} of every global variable, as a Saver stores them."""
    prefix = v1.train.Saver().save(sess, os.path.join(str(directory), "snapshot"),
                                   write_meta_graph=False, write_state=False)
    return fx.read_checkpoint(prefix)


def _assert_same_tensors(got, want):
    assert sorted(got) == sorted(want)
    for name, value in want.items():
        assert got[name].dtype == value.dtype, name
        assert got[name].shape == value.shape, name
        if value.dtype == object:  # strings: compare the bytes, not the object pointers
            assert got[name].tolist() == value.tolist(), name
        else:
            assert got[name].tobytes() == value.tobytes(), name


def _max_diff(got, want):
    return max(float(np.max(np.abs(g - w))) for g, w in zip(got, want))


class Source:
    """A trained model saved with TF 1.15 names: its checkpoint, values and outputs."""

    def __init__(self, config, directory):
        rng = np.random.RandomState(7)
        with tf.Graph().as_default():
            inputs, outputs, train_op = _build(config, train=True)
            with v1.Session() as sess:
                sess.run(v1.global_variables_initializer())
                for var in v1.trainable_variables():  # random weights, biases included
                    value = rng.uniform(-0.5, 0.5, var.shape.as_list()).astype(np.float32)
                    sess.run(var.initializer, {var.initial_value: value})
                self.feed = _feed_values(config, rng)
                sess.run(train_op, dict(zip(inputs, self.feed)))
                self.outputs = sess.run(outputs, dict(zip(inputs, self.feed)))
                self.prefix = v1.train.Saver().save(sess, os.path.join(str(directory), "model"))
        self.values = fx.read_checkpoint(self.prefix)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    cache = {}

    def get(config):
        if config not in cache:
            cache[config] = Source(config, tmp_path_factory.mktemp(config))
        return cache[config]
    return get


# The 0.12 era (the larger conversion) runs with the slow tests; 1.0 checks the same path.
@pytest.mark.parametrize("era", [pytest.param("0.12", marks=pytest.mark.slow), "1.0"])
@pytest.mark.parametrize("config", list(OPTIMIZERS))
def test_old_era_checkpoint_converts_and_restores_exactly(config, era, trained, tmp_path):
    source = trained(config)
    old = fx.to_old_era(source.values, era, lstm_shards=2)
    cell_names = {n for n in source.values if re.search(r"kernel|bias|_cell", n)}
    assert cell_names and not cell_names & set(old)  # every cell and linear name is old
    version = "V1" if (config, era) == ("attention_gru", "0.12") else "V2"
    old_prefix = fx.write_checkpoint(str(tmp_path / "old" / "model.ckpt-1"), old, version)

    report = checkpoints.inspect_checkpoint(str(tmp_path / "old"))
    assert (report.path, report.era, report.model) == (old_prefix, era, MODEL_LINES[config])
    assert report.global_step == 1
    assert report.variables == sorted(
        (name, value.shape, tf.as_dtype(value.dtype).name) for name, value in old.items())
    slots = {"attention_gru": "Adam (slots Adam, Adam_1)", "lstm_shards":
             "RMSProp (slots RMSProp, RMSProp_1)", "rnn_basic_lstm": "Momentum (slots Momentum)",
             "attention_gru_proj": "Adagrad (slots Adagrad)"}
    assert report.optimizer == slots[config]

    converted = checkpoints.convert_checkpoint(old_prefix, str(tmp_path / "new" / "model.ckpt"))
    assert converted.conversion.unmapped == ()
    _assert_same_tensors(fx.read_checkpoint(converted.dst), source.values)

    with tf.Graph().as_default():
        inputs, outputs, _ = _build(config, train=True)
        with v1.Session() as sess:
            # The converted checkpoint, then the old one with names mapped on the fly.
            for path in (converted.dst, old_prefix):
                sess.run(v1.global_variables_initializer())
                fresh = _graph_values(sess, tmp_path)
                assert any(fresh[n].tobytes() != v.tobytes() for n, v in source.values.items())
                mapping = checkpoints.restore_checkpoint(sess, path)
                _assert_same_tensors(_graph_values(sess, tmp_path), source.values)
                got = sess.run(outputs, dict(zip(inputs, source.feed)))
                assert _max_diff(got, source.outputs) == 0.0
            assert set(mapping) == set(source.values)
            if config == "lstm_shards" and era == "0.12":
                kernel = "rnn/output_projection_wrapper/lstm_cell/kernel"
                assert mapping[kernel] == ("RNN/LSTMCell/W_0", "RNN/LSTMCell/W_1")
                assert mapping[kernel + "/RMSProp_1"] == (
                    "RNN/LSTMCell/W_0/RMSProp_1", "RNN/LSTMCell/W_1/RMSProp_1")


def test_partitioned_round_trip_is_bit_exact(trained, tmp_path):
    source = trained("lstm_shards")
    assert checkpoints.inspect_checkpoint(source.prefix).era == ">= 1.2"
    with tf.Graph().as_default():
        inputs, outputs, _ = _build("lstm_shards", train=True)
        parts = [v.op.name for v in v1.global_variables() if "/part_" in v.op.name]
        assert "rnn/output_projection_wrapper/lstm_cell/kernel/part_1" in parts
        assert "rnn/output_projection_wrapper/lstm_cell/kernel/part_1/RMSProp" in parts
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            mapping = checkpoints.restore_checkpoint(sess, source.prefix)
            assert mapping == {name: (name,) for name in source.values}
            _assert_same_tensors(_graph_values(sess, tmp_path), source.values)
            got = sess.run(outputs, dict(zip(inputs, source.feed)))
            assert _max_diff(got, source.outputs) == 0.0


def _load_values(sess, values):
    """Gives every (unpartitioned) global variable its value from `values`."""
    for var in v1.global_variables():
        sess.run(var.initializer, {var.initial_value: values[var.op.name]})


def test_training_checkpoint_restores_into_decoding_graph_and_back(trained, tmp_path):
    source = trained("attention_gru")
    with tf.Graph().as_default():
        inputs, outputs, _ = _build("attention_gru", feed_previous=True)
        model_names = sorted(v.op.name for v in v1.global_variables())
        with v1.Session() as sess:
            _load_values(sess, source.values)  # the model holding the original values
            want = sess.run(outputs, dict(zip(inputs, source.feed)))
            sess.run(v1.global_variables_initializer())
            mapping = checkpoints.restore_checkpoint(sess, source.prefix)
            assert sorted(mapping) == model_names
            got = sess.run(outputs, dict(zip(inputs, source.feed)))
            assert _max_diff(got, want) == 0.0
            # Feeding back the predictions changes the outputs: the check is not vacuous.
            assert _max_diff(got, source.outputs) > 0.0
            decode_prefix = v1.train.Saver().save(sess, str(tmp_path / "decode" / "model"))
    assert sorted(fx.read_checkpoint(decode_prefix)) == model_names

    with tf.Graph().as_default():
        inputs, outputs, _ = _build("attention_gru", train=True)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            with pytest.raises(CheckpointMismatchError, match="Adam_1") as info:
                checkpoints.restore_checkpoint(sess, decode_prefix)
            assert {n for n, _ in info.value.missing} == set(source.values) - set(model_names)
            assert "pass var_list=tf.compat.v1.trainable_variables()" in str(info.value)
            checkpoints.restore_checkpoint(sess, decode_prefix,
                                           var_list=v1.trainable_variables())
            values = _graph_values(sess, tmp_path)
            for name in model_names:
                assert values[name].tobytes() == source.values[name].tobytes(), name
            got = sess.run(outputs, dict(zip(inputs, source.feed)))
            assert _max_diff(got, source.outputs) == 0.0


def test_mismatch_error_lists_everything_and_restores_nothing(tmp_path):
    kernel = "embedding_rnn_seq2seq/rnn/embedding_wrapper/basic_lstm_cell/kernel"
    bias = "embedding_rnn_seq2seq/rnn/embedding_wrapper/basic_lstm_cell/bias"
    with tf.Graph().as_default():
        _build("rnn_basic_lstm")
        v1.get_variable("extra", [2, 3])
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            before = _graph_values(sess, tmp_path)
            stored = {name: value + 1.0 for name, value in before.items() if name != "extra"}
            stored[kernel] = np.zeros([S + H + 1, 4 * H], np.float32)
            stored[bias] = stored[bias].astype(np.float64)
            stored["stray/kernel"] = np.ones([2, 2], np.float32)
            stored["stray/kernel/Adam"] = np.ones([2, 2], np.float32)  # slot of an extra
            stored["old/RNN/GRUCell/Gates/Linear/Matrix"] = np.ones([5, 4], np.float32)
            stored[kernel + "/Momentum"] = np.ones([S + H + 1, 4 * H], np.float32)  # a slot
            stored["global_step"] = np.int64(3)  # a scalar
            prefix = fx.write_checkpoint(str(tmp_path / "bad" / "model"), stored)

            with pytest.raises(CheckpointMismatchError) as info:
                checkpoints.restore_checkpoint(sess, prefix)
            error = info.value
            assert isinstance(error, ValueError)
            assert error.missing == [("extra", (2, 3))]
            assert error.unexpected == [("old/rnn/gru_cell/gates/kernel", (5, 4)),
                                        ("stray/kernel", (2, 2))]
            assert error.shape_mismatches == [(kernel, (S + H, 4 * H), (S + H + 1, 4 * H))]
            assert error.dtype_mismatches == [(bias, "float32", "float64")]
            message = str(error)
            for fragment in [
                "nothing was restored",
                "missing from the checkpoint (1):\n    extra [2, 3]",
                "unexpected in the checkpoint (2):\n    old/rnn/gru_cell/gates/kernel [5, 4] "
                "(stored as old/RNN/GRUCell/Gates/Linear/Matrix)\n    stray/kernel [2, 2]",
                f"shape mismatches (1):\n    {kernel}: graph [7, 16], checkpoint [8, 16]",
                f"dtype mismatches (1):\n    {bias}: graph float32, checkpoint float64",
            ]:
                assert fragment in message
            assert "stray/kernel/Adam" not in message
            assert "trainable_variables" not in message  # not only optimizer state is missing
            _assert_same_tensors(_graph_values(sess, tmp_path), before)


def test_unexpected_variables_alone_fail_unless_allowed(tmp_path):
    with tf.Graph().as_default():
        _build("rnn_basic_lstm")
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            before = _graph_values(sess, tmp_path)
            stored = {name: value * 2.0 + 1.0 for name, value in before.items()}
            stored["encoder2/rnn/basic_lstm_cell/weights"] = np.ones([7, 16], np.float32)
            prefix = fx.write_checkpoint(str(tmp_path / "extra" / "model"), stored)
            with pytest.raises(CheckpointMismatchError, match="allow_unexpected=True") as info:
                checkpoints.restore_checkpoint(sess, prefix)
            assert info.value.unexpected == [("encoder2/rnn/basic_lstm_cell/kernel", (7, 16))]
            assert "missing from the checkpoint: none" in str(info.value)
            assert "shape mismatches: none" in str(info.value)
            _assert_same_tensors(_graph_values(sess, tmp_path), before)
            checkpoints.restore_checkpoint(sess, prefix, allow_unexpected=True)
            after = _graph_values(sess, tmp_path)
            _assert_same_tensors(after, {n: stored[n] for n in before})


def test_restore_checkpoint_validates_its_arguments(trained):
    source = trained("rnn_basic_lstm")
    with pytest.raises(TypeError, match="`sess` must be a tf.compat.v1.Session, got str"):
        checkpoints.restore_checkpoint("session", source.prefix)
    with tf.Graph().as_default():
        with v1.Session() as sess:
            with pytest.raises(TypeError, match="`var_list` must hold tf.Variables"):
                checkpoints.restore_checkpoint(sess, source.prefix, var_list=[1.0])
            with pytest.raises(TypeError, match="`var_list` must be a list of variables"):
                checkpoints.restore_checkpoint(sess, source.prefix, var_list="kernel")
            with pytest.raises(FileNotFoundError, match="neither a checkpoint prefix"):
                checkpoints.restore_checkpoint(sess, source.prefix + "-nope")


# -- paths and convert_checkpoint ---------------------------------------------------------

@pytest.fixture
def old_checkpoint(tmp_path):
    """A TF 0.12 checkpoint of measured listing (a) plus extras of several dtypes."""
    tensors = fx.to_old_era(fx.random_tensors(fx.measured_listing("a"), seed=3), "0.12")
    tensors.update({
        "global_step": np.int64(42), "counts": np.arange(4, dtype=np.int32),
        "proj_w": np.linspace(-1, 1, 6).reshape(2, 3), "half": np.float16([0.5, -2.0]),
        "words": np.array([b"go", b"eos"], dtype=object),
    })
    prefix = fx.write_checkpoint(str(tmp_path / "in" / "model.ckpt-42"), tensors)
    return prefix, tensors


def test_resolve_checkpoint_accepts_prefix_files_and_directories(old_checkpoint, tmp_path):
    prefix, _ = old_checkpoint
    directory = os.path.dirname(prefix)
    for given in (prefix, directory, prefix + ".index", prefix + ".data-00000-of-00001"):
        assert checkpoints.resolve_checkpoint(given) == prefix
    with pytest.raises(FileNotFoundError, match="neither a checkpoint prefix"):
        checkpoints.resolve_checkpoint(prefix + "-7")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="without a 'checkpoint' state file"):
        checkpoints.resolve_checkpoint(str(empty))
    (empty / "checkpoint").write_text('model_checkpoint_path: "gone"\n')
    with pytest.raises(FileNotFoundError, match="names no checkpoint that exists"):
        checkpoints.resolve_checkpoint(str(empty))
    with pytest.raises(TypeError, match="checkpoint path must be a string, got int"):
        checkpoints.resolve_checkpoint(3)
    text = tmp_path / "notes.txt"
    text.write_text("not a checkpoint")
    with pytest.raises(ValueError, match="not a readable TensorFlow checkpoint"):
        checkpoints.inspect_checkpoint(str(text))


def test_convert_checkpoint_keeps_dtypes_and_never_touches_in(old_checkpoint, tmp_path):
    prefix, tensors = old_checkpoint
    in_dir = os.path.dirname(prefix)
    before = fx.files_state(in_dir)
    out = str(tmp_path / "out" / "converted")
    report = checkpoints.convert_checkpoint(in_dir, out)
    assert report.state_file == str(tmp_path / "out" / "checkpoint")
    assert tf.train.latest_checkpoint(str(tmp_path / "out")) == out
    expected = fx.random_tensors(fx.measured_listing("a"), seed=3)
    expected.update({n: tensors[n] for n in ("global_step", "counts", "proj_w", "half", "words")})
    _assert_same_tensors(fx.read_checkpoint(out), expected)
    assert fx.files_state(in_dir) == before

    with pytest.raises(FileExistsError, match="already exists .*--force"):
        checkpoints.convert_checkpoint(prefix, out)
    with pytest.raises(ValueError, match="OUT is the same checkpoint as IN"):
        checkpoints.convert_checkpoint(in_dir, prefix, force=True)
    with pytest.raises(ValueError, match="is a directory"):
        checkpoints.convert_checkpoint(prefix, str(tmp_path / "out"), force=True)
    # Next to IN: written, but IN's 'checkpoint' state file stays as it was.
    sibling = checkpoints.convert_checkpoint(prefix, os.path.join(in_dir, "converted"))
    assert sibling.state_file is None
    assert {p: s for p, s in fx.files_state(in_dir).items() if p in before} == before
    # --force replaces OUT (here with a checkpoint of another content).
    other = fx.write_checkpoint(str(tmp_path / "other" / "m"), {"x": np.ones(3, np.float32)})
    checkpoints.convert_checkpoint(other, out, force=True)
    assert sorted(fx.read_checkpoint(out)) == ["x"]
    assert fx.files_state(in_dir).keys() >= before.keys()


# TF 1.0/1.1 names of the tf.contrib.rnn cells, written forward from the TF 1.15 names (read
# from the TF 1.1 contrib cell code and TF's own 1.2 checkpoint_convert tool): the linear
# maps of these scopes were weights/biases, and NASCell lived in "nas_rnn" with "weights"
# and "recurrent_weights" (its bias and projection_weights kept their names).
_CONTRIB_1_0_SCOPES = ("layer_norm_basic_lstm_cell", "ugrnn_cell", "intersection_rnn_cell",
                       "in_projection", "mask_gates", "new_input", "output_gate",
                       "attention_cell_wrapper", "attention", "attn_output_projection",
                       "basic_lstm_cell")


def _contrib_v10_name(name):
    parts = name.split("/")
    if "lstm_fused_cell" in parts:  # TF 1.0-1.1's LSTMBlockFusedCell scope
        leaf = {"kernel": "weights", "bias": "biases"}
        return "/".join("lstm_block_wrapper" if p == "lstm_fused_cell" else p
                        for p in parts[:-1]) + "/" + leaf.get(parts[-1], parts[-1])
    if "nas_cell" in parts:
        leaf = {"kernel": "weights", "recurrent_kernel": "recurrent_weights"}
        return "/".join("nas_rnn" if p == "nas_cell" else p for p in parts[:-1]) + "/" + leaf.get(
            parts[-1], parts[-1])
    if len(parts) > 1 and parts[-2] in _CONTRIB_1_0_SCOPES:
        parts[-1] = {"kernel": "weights", "bias": "biases"}.get(parts[-1], parts[-1])
    return "/".join(parts)


def _phased(cell):
    cell((tf.zeros([2, 1]), tf.zeros([2, 2])), cell.zero_state(2, tf.float32))


def _fused(cell):
    cell(tf.zeros([4, 2, 2]), dtype=tf.float32)


@pytest.mark.parametrize("make, build", [
    (lambda: cr.LayerNormBasicLSTMCell(3), None),
    (lambda: cr.UGRNNCell(3), None),
    (lambda: cr.NASCell(3), None),
    (lambda: cr.NASCell(3, num_proj=2, use_bias=True), None),
    (lambda: cr.IntersectionRNNCell(3, num_in_proj=3), None),
    (lambda: cr.PhasedLSTMCell(3, use_peepholes=True), _phased),
    (lambda: cr.AttentionCellWrapper(rnn_cell.BasicLSTMCell(3), 4), None),
    (lambda: fused_rnn_cell.LSTMBlockFusedCell(3, use_peephole=True), _fused),
], ids=["layer_norm_basic_lstm", "ugrnn", "nas", "nas_bias_proj", "intersection_rnn",
        "phased_lstm", "attention_cell_wrapper", "lstm_block_fused"])
def test_contrib_cell_1_0_checkpoint_converts_to_the_cells_names(make, build, tmp_path):
    with tf.Graph().as_default():
        cell = make()
        if build:
            build(cell)
        else:
            cell(tf.zeros([2, 2]), cell.zero_state(2, tf.float32))
        shapes = {v.op.name: v.shape.as_list() for v in tf.compat.v1.global_variables()}
    new = fx.random_tensors(shapes, seed=5)
    old = {_contrib_v10_name(name): value for name, value in new.items()}
    assert len(old) == len(new)
    assert any(name not in new for name in old)  # the test renames something
    conversion = checkpoints.convert_names({name: v.shape for name, v in old.items()})
    assert conversion.era == checkpoints.ERA_1_0
    assert conversion.unmapped == ()
    source = fx.write_checkpoint(str(tmp_path / "old" / "model"), old)
    report = checkpoints.convert_checkpoint(source, str(tmp_path / "new" / "model"))
    _assert_same_tensors(fx.read_checkpoint(report.dst), new)
