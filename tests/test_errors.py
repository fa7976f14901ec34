"""The errors of the public API, one table row per mistake.

Each row is (callable, bad arguments, expected exception type, regex). The
regex always holds the argument's name and the value received (its type,
shape or value), and most rows the fix too. Graphs are only built, never run.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from legacy_seq2seq_compat import (
    beam_search,
    buckets,
    contrib_rnn,
    decoders,
    fused_rnn_cell,
    losses,
    models,
    rnn,
    rnn_cell,
    serving,
)

v1 = tf.compat.v1

B, D, H, V, E = 2, 3, 4, 5, 6  # batch, input depth, units, vocabulary, embedding size


def x(n=2):
    return [tf.zeros([B, D])] * n


def ids(n=2):
    return [tf.zeros([B], tf.int32)] * n


def attn():
    return tf.zeros([B, 3, H])


def gru():
    return rnn_cell.GRUCell(H)


def state():
    return tf.zeros([B, H])


def keras_gru():
    return keras.layers.GRUCell(H)


def abstract():
    return rnn_cell.RNNCell()


class Saver:
    """A state saver for static_state_saving_rnn."""

    def state(self, name):
        return tf.zeros([B, H])

    def save_state(self, name, value):
        return tf.no_op()


def transposed():
    """(W, b) with W [num_symbols, output_size] instead of [output_size, num_symbols]."""
    return tf.zeros([V, H]), tf.zeros([V])


KERAS = r"Keras 3 object \(keras\.layers\.GRUCell\).*rnn_cell\.GRUCell.*keras_weights"
KERAS_LSTM = r"Keras 3 object \(keras\.layers\.LSTMCell\).*rnn_cell\.LSTMCell.*keras_to_lstm"
ABSTRACT = r"'output_size' is not implemented \(RNNCell is abstract: use a concrete cell"
TRANSPOSED = (r"`output_projection\[0\]` \(W\) must have shape \[output_size, num_symbols\] = "
              r"\[4, 5\], got shape \(5, 4\)\. It looks transposed")
UNSTACK = (r"got a single Tensor of shape \(2, 7, 3\)\. .*tf\.unstack\(x, axis=0\) if it is "
           r"time-major.*tf\.unstack\(x, axis=1\) if it is batch-major")


def keras_cell_rows():
    """A Keras 3 cell as `cell` of every function and wrapper that takes one."""
    calls = {
        "rnn_decoder": lambda c: decoders.rnn_decoder(x(), state(), c),
        "attention_decoder": lambda c: decoders.attention_decoder(x(), state(), attn(), c),
        "embedding_rnn_decoder": lambda c: decoders.embedding_rnn_decoder(
            ids(), state(), c, V, E),
        "embedding_attention_decoder": lambda c: decoders.embedding_attention_decoder(
            ids(), state(), attn(), c, V, E),
        "basic_rnn_seq2seq": lambda c: models.basic_rnn_seq2seq(x(), x(), c),
        "tied_rnn_seq2seq": lambda c: models.tied_rnn_seq2seq(x(), x(), c),
        "embedding_rnn_seq2seq": lambda c: models.embedding_rnn_seq2seq(
            ids(), ids(), c, V, V, E),
        "embedding_tied_rnn_seq2seq": lambda c: models.embedding_tied_rnn_seq2seq(
            ids(), ids(), c, V, E),
        "embedding_attention_seq2seq": lambda c: models.embedding_attention_seq2seq(
            ids(), ids(), c, V, V, E),
        "model_with_buckets": lambda c: buckets.model_with_buckets(
            x(), x(), ids(), [tf.ones([B])] * 2, [(2, 2)],
            lambda a, b: models.basic_rnn_seq2seq(a, b, c)),
        "static_rnn": lambda c: rnn.static_rnn(c, x(), dtype=tf.float32),
        "static_bidirectional_rnn": lambda c: rnn.static_bidirectional_rnn(
            gru(), c, x(), dtype=tf.float32),
        "static_state_saving_rnn": lambda c: rnn.static_state_saving_rnn(
            c, x(), object(), "h"),
        "MultiRNNCell": lambda c: rnn_cell.MultiRNNCell([gru(), c]),
        "DropoutWrapper": lambda c: rnn_cell.DropoutWrapper(c),
        "ResidualWrapper": lambda c: rnn_cell.ResidualWrapper(c),
        "DeviceWrapper": lambda c: rnn_cell.DeviceWrapper(c, "/cpu:0"),
        "EmbeddingWrapper": lambda c: rnn_cell.EmbeddingWrapper(c, V, E),
        "InputProjectionWrapper": lambda c: rnn_cell.InputProjectionWrapper(c, 2),
        "OutputProjectionWrapper": lambda c: rnn_cell.OutputProjectionWrapper(c, 2),
    }
    names = {"static_bidirectional_rnn": "cell_bw", "MultiRNNCell": r"cells\[1\]"}
    rows = []
    for name, call in calls.items():
        arg = names.get(name, "cell")
        rows.append(pytest.param(
            lambda call=call: call(keras_gru()), TypeError,
            rf"The argument '{arg}' \(<GRUCell .*\) is not an RNNCell: it is a {KERAS}",
            id=f"keras-cell-{name}"))
    rows.append(pytest.param(
        lambda: models.one2many_rnn_seq2seq(ids(), {"a": ids()}, keras_gru(), {"a": gru()}, V,
                                            {"a": V}, E),
        TypeError, rf"^enc_cell is not an RNNCell: <class 'keras\..*GRUCell'>.*{KERAS}",
        id="keras-cell-one2many-enc"))
    rows.append(pytest.param(
        lambda: models.one2many_rnn_seq2seq(ids(), {"a": ids()}, gru(), {"a": keras_gru()}, V,
                                            {"a": V}, E),
        TypeError, rf"^dec_cell is not an RNNCell: .*dec_cells_dict\['a'\].*{KERAS}",
        id="keras-cell-one2many-dec"))
    rows.append(pytest.param(
        lambda: rnn_cell.MultiRNNCell([tf.keras.layers.LSTMCell(H)]), TypeError,
        rf"'cells\[0\]' \(<LSTMCell .*{KERAS_LSTM}", id="tf-keras-lstm-cell-MultiRNNCell"))
    return rows


ROWS = keras_cell_rows() + [
    # An abstract RNNCell.
    pytest.param(lambda: rnn_cell.MultiRNNCell([abstract()]), TypeError,
                 rf"The argument 'cells\[0\]' \(<.*RNNCell object.*\) is not an RNNCell: "
                 rf"{ABSTRACT}", id="abstract-cell-MultiRNNCell"),
    pytest.param(lambda: rnn.static_rnn(abstract(), x(), dtype=tf.float32), TypeError,
                 rf"The argument 'cell' .*{ABSTRACT}", id="abstract-cell-static_rnn"),
    pytest.param(lambda: rnn_cell.DropoutWrapper(abstract()), TypeError,
                 rf"The argument 'cell' .*{ABSTRACT}", id="abstract-cell-DropoutWrapper"),
    pytest.param(lambda: models.basic_rnn_seq2seq(x(), x(), "gru"), TypeError,
                 r"The argument 'cell' \('gru'\) is not an RNNCell: .*Got a builtins\.str",
                 id="string-cell"),
    # A transposed output_projection, feed_previous False and True.
    *[pytest.param(call, ValueError, TRANSPOSED, id=f"transposed-W-{name}-{flag}")
      for flag in (False, True)
      for name, call in {
          "embedding_attention_seq2seq": lambda flag=flag: models.embedding_attention_seq2seq(
              ids(), ids(), gru(), V, V, E, output_projection=transposed(),
              feed_previous=flag),
          "embedding_rnn_seq2seq": lambda flag=flag: models.embedding_rnn_seq2seq(
              ids(), ids(), gru(), V, V, E, output_projection=transposed(),
              feed_previous=flag),
          "embedding_tied_rnn_seq2seq": lambda flag=flag: models.embedding_tied_rnn_seq2seq(
              ids(), ids(), gru(), V, E, output_projection=transposed(), feed_previous=flag),
          "embedding_attention_decoder": lambda flag=flag: decoders.embedding_attention_decoder(
              ids(), state(), attn(), gru(), V, E, output_projection=transposed(),
              feed_previous=flag),
          "embedding_rnn_decoder": lambda flag=flag: decoders.embedding_rnn_decoder(
              ids(), state(), gru(), V, E, output_projection=transposed(), feed_previous=flag),
      }.items()],
    pytest.param(lambda: models.embedding_attention_seq2seq(
        ids(), ids(), gru(), V, V, E, output_projection=(tf.zeros([H + 1, V]), tf.zeros([V]))),
        ValueError, r"`output_projection\[0\]` \(W\) must have shape .* = \[4, 5\], got shape "
                    r"\(5, 5\)\.$", id="wrong-W-rows"),
    pytest.param(lambda: models.embedding_rnn_seq2seq(
        ids(), ids(), gru(), V, V, E, output_projection=tf.zeros([H, V])),
        ValueError, r"`output_projection` must be a pair \(W, b\).*got <tf\.Tensor",
        id="projection-not-a-pair"),
    # A Tensor instead of a list of steps: both unstack spellings.
    pytest.param(lambda: models.basic_rnn_seq2seq(tf.zeros([B, 7, D]), x(), gru()), TypeError,
                 rf"`encoder_inputs` must be a Python list .*{UNSTACK}", id="tensor-basic"),
    pytest.param(lambda: decoders.rnn_decoder(tf.zeros([B, 7, D]), state(), gru()), TypeError,
                 rf"`decoder_inputs` must be a Python list .*{UNSTACK}",
                 id="tensor-rnn_decoder"),
    pytest.param(lambda: decoders.attention_decoder(tf.zeros([B, 7, D]), state(), attn(),
                                                    gru()), TypeError,
                 rf"`decoder_inputs` .*{UNSTACK}", id="tensor-attention_decoder"),
    pytest.param(lambda: rnn.static_rnn(gru(), tf.zeros([B, 7, D]), dtype=tf.float32),
                 TypeError, rf"inputs must be a sequence: .*{UNSTACK}",
                 id="tensor-static_rnn"),
    pytest.param(lambda: losses.sequence_loss(tf.zeros([B, 7, D]), ids(), [tf.ones([B])] * 2),
                 TypeError, rf"`logits` must be a Python list .*{UNSTACK}", id="tensor-loss"),
    pytest.param(lambda: buckets.model_with_buckets(
        x(), x(), tf.zeros([B, 7, D]), [tf.ones([B])] * 2, [(2, 2)], lambda a, b: (a, None)),
        TypeError, rf"`targets` must be a Python list .*{UNSTACK}", id="tensor-buckets"),
    pytest.param(lambda: models.basic_rnn_seq2seq(x(), "abc", gru()), TypeError,
                 r"`decoder_inputs` must be a Python list of Tensors, one per time step, "
                 r"got str", id="string-inputs"),
    # Fewer than one head: the value is repeated.
    pytest.param(lambda: decoders.attention_decoder(x(), state(), attn(), gru(), num_heads=0),
                 ValueError, r"With less than 1 heads, use a non-attention decoder\. Got "
                             r"num_heads=0", id="heads-attention_decoder"),
    pytest.param(lambda: decoders.embedding_attention_decoder(
        ids(), state(), attn(), gru(), V, E, num_heads=-2),
        ValueError, r"less than 1 heads.*Got num_heads=-2", id="heads-embedding_attention"),
    pytest.param(lambda: models.embedding_attention_seq2seq(
        ids(), ids(), gru(), V, V, E, num_heads=0),
        ValueError, r"less than 1 heads.*Got num_heads=0", id="heads-seq2seq"),
    # Integer arguments given a float or a bool.
    pytest.param(lambda: models.embedding_attention_seq2seq(ids(), ids(), gru(), V, V, E,
                                                            num_heads=1.0),
                 TypeError, r"`num_heads` must be an int, got 1\.0 \(float\)",
                 id="float-num_heads"),
    pytest.param(lambda: decoders.attention_decoder(x(), state(), attn(), gru(),
                                                    num_heads=True),
                 TypeError, r"`num_heads` must be an int, got True \(bool\)",
                 id="bool-num_heads"),
    pytest.param(lambda: models.embedding_rnn_seq2seq(ids(), ids(), gru(), 5.0, V, E),
                 TypeError, r"`num_encoder_symbols` must be a positive int, got 5\.0 \(float\)",
                 id="float-num_encoder_symbols"),
    pytest.param(lambda: models.embedding_rnn_seq2seq(ids(), ids(), gru(), V, True, E),
                 TypeError, r"`num_decoder_symbols` must be a positive int, got True \(bool\)",
                 id="bool-num_decoder_symbols"),
    pytest.param(lambda: models.embedding_attention_seq2seq(ids(), ids(), gru(), V, V, 6.5),
                 TypeError, r"`embedding_size` must be a positive int, got 6\.5 \(float\)",
                 id="float-embedding_size"),
    pytest.param(lambda: models.embedding_tied_rnn_seq2seq(ids(), ids(), gru(), 5.0, E),
                 TypeError, r"`num_symbols` must be a positive int, got 5\.0 \(float\)",
                 id="float-num_symbols"),
    pytest.param(lambda: models.embedding_tied_rnn_seq2seq(ids(), ids(), gru(), V, E,
                                                           num_decoder_symbols=False),
                 TypeError, r"`num_decoder_symbols` must be a positive int, got False \(bool\)",
                 id="bool-tied-num_decoder_symbols"),
    pytest.param(lambda: models.one2many_rnn_seq2seq(ids(), {"a": ids()}, gru(), {"a": gru()},
                                                     V, {"a": 5.0}, E),
                 TypeError, r"`num_decoder_symbols_dict\['a'\]` must be a positive int, got "
                            r"5\.0 \(float\)", id="float-num_decoder_symbols_dict"),
    pytest.param(lambda: models.one2many_rnn_seq2seq(ids(), {"a": ids()}, gru(), {"a": gru()},
                                                     V, {"a": V}, 0),
                 ValueError, r"`embedding_size` must be a positive int, got 0",
                 id="zero-one2many-embedding_size"),
    pytest.param(lambda: decoders.embedding_rnn_decoder(ids(), state(), gru(), 5.0, E),
                 TypeError, r"`num_symbols` must be a positive int, got 5\.0 \(float\)",
                 id="float-decoder-num_symbols"),
    pytest.param(lambda: decoders.embedding_attention_decoder(ids(), state(), attn(), gru(), V,
                                                              E, output_size=2.0),
                 TypeError, r"`output_size` must be a positive int, got 2\.0 \(float\)",
                 id="float-output_size"),
    pytest.param(lambda: rnn_cell.GRUCell(4.0), TypeError,
                 r"`num_units` must be a positive int, got 4\.0 \(float\)", id="float-num_units"),
    pytest.param(lambda: rnn_cell.BasicLSTMCell(True), TypeError,
                 r"`num_units` must be a positive int, got True \(bool\)", id="bool-num_units"),
    pytest.param(lambda: rnn_cell.LSTMCell(H, num_proj=2.0), TypeError,
                 r"`num_proj` must be a positive int, got 2\.0 \(float\)", id="float-num_proj"),
    pytest.param(lambda: rnn_cell.LSTMCell(H, num_unit_shards=1.5), TypeError,
                 r"`num_unit_shards` must be a positive int, got 1\.5 \(float\)",
                 id="float-num_unit_shards"),
    pytest.param(lambda: rnn_cell.EmbeddingWrapper(gru(), 5.0, E), TypeError,
                 r"`embedding_classes` must be an int, got 5\.0 \(float\)",
                 id="float-embedding_classes"),
    pytest.param(lambda: rnn_cell.EmbeddingWrapper(gru(), V, True), TypeError,
                 r"`embedding_size` must be an int, got True \(bool\)",
                 id="bool-embedding_size"),
    pytest.param(lambda: rnn_cell.EmbeddingWrapper(gru(), V, 0), ValueError,
                 r"Both embedding_classes and embedding_size must be > 0: 5, 0",
                 id="zero-embedding_size"),
    pytest.param(lambda: rnn_cell.OutputProjectionWrapper(gru(), 2.0), TypeError,
                 r"`output_size` must be an int, got 2\.0 \(float\)",
                 id="float-wrapper-output_size"),
    pytest.param(lambda: rnn_cell.InputProjectionWrapper(gru(), False), TypeError,
                 r"`num_proj` must be a positive int, got False \(bool\)",
                 id="bool-wrapper-num_proj"),
    pytest.param(lambda: rnn_cell.DropoutWrapper(gru(), seed=1.5), TypeError,
                 r"`seed` must be an int, got 1\.5 \(float\)", id="float-seed"),
    pytest.param(lambda: buckets.model_with_buckets(
        x(), x(), ids(), [tf.ones([B])] * 2, [(2.0, 2)], lambda a, b: (a, None)),
        ValueError, r"`buckets\[0\]` must be a pair .* of positive ints, got \(2\.0, 2\)",
        id="float-bucket"),
    # Out-of-range values.
    pytest.param(lambda: rnn_cell.DropoutWrapper(gru(), output_keep_prob=1.5), ValueError,
                 r"output_keep_prob must be between 0 and 1.*got 1\.5", id="keep-prob"),
    pytest.param(lambda: rnn_cell.OutputProjectionWrapper(gru(), 0), ValueError,
                 r"Parameter output_size must be > 0: 0", id="zero-wrapper-output_size"),
    pytest.param(lambda: buckets.model_with_buckets(
        x(), x(), ids(), [tf.ones([B])] * 2, [], lambda a, b: (a, None)),
        ValueError, r"`buckets` must be a non-empty list .*got \[\]", id="empty-buckets"),
    # Empty lists and mismatched list lengths.
    pytest.param(lambda: models.basic_rnn_seq2seq([], x(), gru()), ValueError,
                 r"`encoder_inputs` must not be empty", id="empty-encoder_inputs"),
    pytest.param(lambda: rnn.static_rnn(gru(), [], dtype=tf.float32), ValueError,
                 r"inputs must not be empty: expected at least one time step, got 0",
                 id="empty-static_rnn"),
    pytest.param(lambda: decoders.attention_decoder([], state(), attn(), gru()), ValueError,
                 r"Must provide at least 1 input to attention decoder", id="empty-attention"),
    pytest.param(lambda: losses.sequence_loss([], [], []), ValueError,
                 r"`logits`, `targets` and `weights` must not be empty, got empty lists",
                 id="empty-loss"),
    pytest.param(lambda: losses.sequence_loss(
        [tf.zeros([B, V])] * 2, ids(2), [tf.ones([B])] * 3), ValueError,
        r"len\(logits\)=2, len\(weights\)=3, len\(targets\)=2", id="lengths-loss"),
    pytest.param(lambda: buckets.model_with_buckets(
        x(1), x(), ids(), [tf.ones([B])] * 2, [(2, 2)], lambda a, b: (a, None)),
        ValueError, r"Length of encoder_inputs \(1\) must be at least that of last bucket "
                    r"\(2\)", id="short-encoder_inputs"),
    pytest.param(lambda: rnn.static_state_saving_rnn(
        rnn_cell.BasicLSTMCell(H), x(), Saver(), "h"), ValueError,
        r"state_name should be the same type as cell\.state_size.*state_name: h",
        id="state_name-structure"),
    pytest.param(lambda: models.one2many_rnn_seq2seq(ids(), {"a": ids()}, gru(), {"b": gru()},
                                                     V, {"a": V}, E), ValueError,
                 r"keys of dec_cells_dict != keys of decodre_inputs_dict",
                 id="one2many-keys"),
    pytest.param(lambda: models.one2many_rnn_seq2seq(ids(), [ids()], gru(), {"a": gru()}, V,
                                                     {"a": V}, E), TypeError,
                 r"`decoder_inputs_dict` must be a dict keyed by decoder name, got \[\[",
                 id="one2many-not-a-dict"),
    # Ragged lists: steps of different shapes or dtypes.
    pytest.param(lambda: models.basic_rnn_seq2seq(
        [tf.zeros([B, D]), tf.zeros([B, D + 1])], x(), gru()), ValueError,
        r"`encoder_inputs\[1\]` has shape \(2, 4\), but `encoder_inputs\[0\]` has \(2, 3\)",
        id="ragged-shapes-basic"),
    pytest.param(lambda: decoders.rnn_decoder(
        [tf.zeros([B, D]), tf.zeros([B, D], tf.float64)], state(), gru()), ValueError,
        r"`decoder_inputs\[1\]` is float64, but `decoder_inputs\[0\]` is float32",
        id="ragged-dtypes-rnn_decoder"),
    pytest.param(lambda: rnn.static_rnn(
        gru(), [tf.zeros([B, D]), tf.zeros([B, D + 2])], dtype=tf.float32), ValueError,
        r"`inputs\[1\]` has shape \(2, 5\), but `inputs\[0\]` has \(2, 3\)",
        id="ragged-shapes-static_rnn"),
    pytest.param(lambda: models.embedding_rnn_seq2seq(
        [tf.zeros([B], tf.int32), tf.zeros([B, 1], tf.int32)], ids(), gru(), V, V, E),
        ValueError, r"`encoder_inputs\[1\]` has shape \(2, 1\)", id="ragged-ids"),
    pytest.param(lambda: losses.sequence_loss(
        [tf.zeros([B, V])] * 2, ids(), [tf.ones([B]), tf.ones([B], tf.float64)]), ValueError,
        r"`weights\[1\]` is float64, but `weights\[0\]` is float32", id="ragged-weights"),
    pytest.param(lambda: losses.sequence_loss_by_example(
        [tf.zeros([B, V])], [tf.zeros([B + 1], tf.int32)], [tf.ones([B])]), ValueError,
        r"`targets\[0\]` has shape \(3\) but `logits\[0\]` has shape \(2, 5\)",
        id="step-batch-loss"),
    pytest.param(lambda: models.basic_rnn_seq2seq(x(), [tf.zeros([B + 1, D])] * 2, gru()),
                 ValueError, r"encoder_inputs\[0\] has batch size 2, but decoder_inputs\[0\] "
                             r"has 3", id="batch-mismatch-models"),
    # Wrong types, ranks and dtypes.
    pytest.param(lambda: models.embedding_rnn_seq2seq(x(), ids(), gru(), V, V, E), TypeError,
                 r"`encoder_inputs\[0\]` must hold integer symbol ids .*got dtype float32",
                 id="float-ids"),
    pytest.param(lambda: decoders.attention_decoder(x(), state(), tf.zeros([B, H]), gru()),
                 ValueError, r"`attention_states` must have rank 3 .*got shape \(2, 4\)",
                 id="attention-rank"),
    pytest.param(lambda: models.embedding_rnn_seq2seq(ids(), ids(), gru(), V, V, E,
                                                      feed_previous="yes"), TypeError,
                 r"`feed_previous` must be a Python bool or a scalar bool Tensor, got str: "
                 r"'yes'", id="feed_previous-type"),
    pytest.param(lambda: models.tied_rnn_seq2seq(x(), x(), gru(), loop_function=3), TypeError,
                 r"`loop_function` must be None or callable .*got 3 \(int\)",
                 id="loop_function-type"),
    pytest.param(lambda: losses.sequence_loss([tf.zeros([B, V])], ids(1), [tf.ones([B])],
                                              softmax_loss_function=3), TypeError,
                 r"`softmax_loss_function` must be callable .*got int: 3",
                 id="loss-function-type"),
    pytest.param(lambda: losses.sequence_loss([tf.zeros([B, V, 1])], ids(1), [tf.ones([B])]),
                 ValueError, r"`logits\[0\]` must be 2-D .*got shape \(2, 5, 1\)",
                 id="logits-rank"),
    pytest.param(lambda: rnn.static_rnn(gru(), x(), dtype=tf.float32,
                                        sequence_length=np.ones([B, 1])), ValueError,
                 r"sequence_length must be a vector of length batch_size, but saw shape: "
                 r"\(2, 1\)", id="sequence_length-rank"),
    pytest.param(lambda: gru()(tf.zeros([B, D], tf.int32), state()), ValueError,
                 r"saw dtype: int32 in `inputs` of GRUCell", id="cell-int-inputs"),
    pytest.param(lambda: gru()(tf.zeros([B, D]), tf.zeros([B, H + 1])), ValueError,
                 r"`state` of GRUCell 'gru_cell' does not match its state_size 4.*\(2, 5\)",
                 id="cell-state-shape"),
    pytest.param(lambda: rnn.static_state_saving_rnn(gru(), x(), object(), "h"), TypeError,
                 r"`state_saver` must have the methods state\(name\) and save_state\(name, "
                 r"value\).*got <object object", id="state_saver-type"),
    pytest.param(lambda: models.basic_rnn_seq2seq(x(), x(), rnn_cell.GRUCell), TypeError,
                 r"The argument 'cell' \(<class .*GRUCell'>\) is not an RNNCell: it is the "
                 r"class GRUCell itself, not a cell object: create one, e\.g\. "
                 r"GRUCell\(num_units\)", id="cell-class"),
    pytest.param(lambda: rnn.static_rnn(gru(), x(), dtype="float33"), TypeError,
                 r"`dtype` must be a TensorFlow dtype such as tf\.float32, got 'float33' "
                 r"\(str\)", id="dtype-name"),
    pytest.param(lambda: rnn_cell.DropoutWrapper(gru(), input_keep_prob="half"), TypeError,
                 r"Parameter input_keep_prob must be a float or a float Tensor, got 'half' "
                 r"\(str\)", id="keep-prob-type"),
    pytest.param(lambda: decoders.attention_decoder([tf.zeros([B, D, 1])] * 2, state(), attn(),
                                                    gru()), ValueError,
                 r"`decoder_inputs\[0\]` must have rank 2 \[batch_size, input_size\], got "
                 r"shape \(2, 3, 1\)", id="attention-input-rank"),
    pytest.param(lambda: models.embedding_tied_rnn_seq2seq(
        ids(), [tf.zeros([B, 2], tf.int32)] * 2, gru(), V, E), ValueError,
        r"`decoder_inputs\[0\]` must be a \[batch_size\] vector of symbol ids, got shape "
        r"\(2, 2\)", id="id-rank"),
    pytest.param(lambda: losses.sequence_loss([tf.zeros([B, V])], ids(1), [tf.ones([B, 1])]),
                 ValueError, r"`weights\[0\]` must be a \[batch_size\] vector .*got shape "
                             r"\(2, 1\)", id="weights-rank"),
    pytest.param(lambda: rnn_cell.MultiRNNCell(None), ValueError,
                 r"Must specify at least one cell for MultiRNNCell\. Got `cells`=None",
                 id="multi-none"),
    pytest.param(lambda: gru()(tf.zeros([B, D]), "state"), TypeError,
                 r"`state` of GRUCell 'gru_cell' must be a Tensor .*got 'state' \(str\)",
                 id="cell-state-type"),
    pytest.param(lambda: gru()(tf.zeros([B, D]), tf.zeros([B + 1, H])), ValueError,
                 r"`state` of GRUCell 'gru_cell' has batch size 3 \(shape \(3, 4\)\) but "
                 r"`inputs` has 2", id="cell-batch"),
    pytest.param(lambda: models.tied_rnn_seq2seq(x(), [tf.zeros([B, D, 1])] * 2, gru()),
                 ValueError, r"`inputs` of GRUCell 'gru_cell' must have rank 2 .*got shape "
                             r"\(2, 3, 1\)", id="cell-later-call-rank"),
    pytest.param(lambda: models.one2many_rnn_seq2seq(ids(), {"a": ids()}, gru(), {"b": gru()},
                                                     V, {"a": V}, E), ValueError,
                 r"`dec_cells_dict` has \['b'\], `decoder_inputs_dict` has \['a'\]",
                 id="one2many-keys-detail"),
    pytest.param(lambda: buckets.model_with_buckets(
        x(), x(), ids(), [tf.ones([B]), tf.ones([B, 1])], [(1, 1)], lambda a, b: (a, None)),
        ValueError, r"`weights\[1\]` has shape \(2, 1\), but `weights\[0\]` has \(2\)",
        id="ragged-weights-buckets"),
    pytest.param(lambda: gru().zero_state(2.0, tf.float32), TypeError,
                 r"`batch_size` must be an int or an integer scalar Tensor, got 2\.0 \(float\)",
                 id="zero_state-float-batch"),
    pytest.param(lambda: rnn_cell.MultiRNNCell([gru()]).zero_state(B, "float33"), TypeError,
                 r"`dtype` must be a TensorFlow dtype such as tf\.float32, got 'float33'",
                 id="zero_state-dtype"),
    pytest.param(lambda: rnn_cell.MultiRNNCell(gru()), TypeError,
                 r"cells must be a list or tuple, but saw: <.*GRUCell", id="multi-not-list"),
]

cr, fr = contrib_rnn, fused_rnn_cell


def lstm_state(units=H):
    return rnn_cell.LSTMStateTuple(tf.zeros([B, units]), tf.zeros([B, units]))


def beam(**overrides):
    kwargs = dict(beam_width=2, max_length=2, go_id=0)
    kwargs.update(overrides)
    return beam_search.embedding_attention_seq2seq(ids(), gru(), V, V, E, **kwargs)


# The modules added later: contrib_rnn, fused_rnn_cell, beam_search, serving.
ROWS += [
    # Constructors: integer sizes reject floats and bools, and must be positive.
    pytest.param(lambda: cr.CoupledInputForgetGateLSTMCell(H, num_proj=2.0), TypeError,
                 r"`num_proj` must be a positive int, got 2\.0 \(float\)",
                 id="contrib-float-num_proj"),
    pytest.param(lambda: cr.GLSTMCell(H, num_proj=True), TypeError,
                 r"`num_proj` must be a positive int, got True \(bool\)",
                 id="contrib-bool-num_proj"),
    pytest.param(lambda: cr.IntersectionRNNCell(H, num_in_proj=0), ValueError,
                 r"`num_in_proj` must be a positive int, got 0", id="contrib-zero-num_in_proj"),
    pytest.param(lambda: cr.GridLSTMCell(H, feature_size=2.5, num_frequency_blocks=[1]),
                 TypeError, r"`feature_size` must be a positive int, got 2\.5 \(float\)",
                 id="contrib-float-feature_size"),
    pytest.param(lambda: cr.GridLSTMCell(H, feature_size=2, frequency_skip=1,
                                         num_frequency_blocks=[0]), ValueError,
                 r"`num_frequency_blocks\[0\]` must be a positive int, got 0",
                 id="contrib-zero-frequency-block"),
    pytest.param(lambda: cr.AttentionCellWrapper(gru(), 2, attn_size=4.0), TypeError,
                 r"`attn_size` must be a positive int, got 4\.0 \(float\)",
                 id="contrib-float-attn_size"),
    pytest.param(lambda: cr.ConvLSTMCell(1.0, [4, 2], 2, [3]), TypeError,
                 r"`conv_ndims` must be an int, got 1\.0 \(float\)",
                 id="contrib-float-conv_ndims"),
    pytest.param(lambda: cr.Conv2DLSTMCell(input_shape=[4, 4, 2], output_channels=2,
                                           kernel_shape=[3]), ValueError,
                 r"`kernel_shape` must hold 2 sizes, got 1: \[3\]",
                 id="contrib-kernel_shape-length"),
    pytest.param(lambda: cr.LayerNormBasicLSTMCell(H, dropout_keep_prob=1.5), ValueError,
                 r"`dropout_keep_prob` must be in \(0, 1\], got 1\.5",
                 id="contrib-keep-prob"),
    pytest.param(lambda: cr.PhasedLSTMCell(H, leak="x"), TypeError,
                 r"`leak` must be a number or a Tensor, got 'x' \(str\)",
                 id="contrib-phased-leak"),
    pytest.param(lambda: cr.IndRNNCell(H, activation="relu"), TypeError,
                 r"`activation` must be None or a callable such as tf\.nn\.relu, got 'relu'",
                 id="contrib-activation-name"),
    pytest.param(lambda: fr.LSTMBlockCell(H, forget_bias="1"), TypeError,
                 r"`forget_bias` must be a number, got '1' \(str\)", id="fused-forget_bias"),
    pytest.param(lambda: fr.GRUBlockCellV2(4.0), TypeError,
                 r"`num_units` must be a positive int, got 4\.0 \(float\)",
                 id="fused-float-num_units"),
    pytest.param(lambda: fr.TimeReversedFusedRNN(gru()), TypeError,
                 r"`cell` of TimeReversedFusedRNN must be a fused RNN .*got <.*GRUCell.*"
                 r"Wrap an RNN cell with FusedRNNCellAdaptor\(cell\) first",
                 id="fused-plain-cell"),
    # Cell calls: the inputs' rank and dtype, the state's structure, shape and batch.
    pytest.param(lambda: cr.UGRNNCell(H)(tf.zeros([B, D, 1]), state()), ValueError,
                 r"`inputs` of UGRNNCell 'ugrnn_cell' must have rank 2 \[batch_size, "
                 r"input_depth\], got shape \(2, 3, 1\)", id="contrib-call-rank"),
    pytest.param(lambda: cr.NASCell(H)(tf.zeros([B, D], tf.int32), lstm_state()), ValueError,
                 r"saw dtype: int32 in `inputs` of NASCell", id="contrib-call-int-inputs"),
    pytest.param(lambda: cr.CoupledInputForgetGateLSTMCell(H)(tf.zeros([B, D]), state()),
                 ValueError, r"`state` of CoupledInputForgetGateLSTMCell "
                             r"'coupled_input_forget_gate_lstm_cell' does not match its "
                             r"state_size LSTMStateTuple\(c=4, h=4\).*got 1",
                 id="contrib-call-state-structure"),
    pytest.param(lambda: cr.GLSTMCell(H)(tf.zeros([B, D]), lstm_state(H + 2)), ValueError,
                 r"`state` of GLSTMCell 'glstm_cell' does not match its state_size",
                 id="contrib-call-state-shape"),
    pytest.param(lambda: cr.LayerNormBasicLSTMCell(H)(tf.zeros([B + 1, D]), lstm_state()),
                 ValueError, r"`state` of LayerNormBasicLSTMCell .* has batch size 2 .* but "
                             r"`inputs` has 3", id="contrib-call-batch"),
    pytest.param(lambda: cr.TimeFreqLSTMCell(H, feature_size=D)(
        tf.zeros([B, D]), tf.zeros([B, 2 * H + 1])), ValueError,
        r"`state` of TimeFreqLSTMCell .* must be \[batch_size, 2 \* num_units \* windows\] = "
        r"\[batch_size, 8\] for inputs of depth 3 \(1 frequency window\(s\)\), got shape "
        r"\(2, 9\)", id="contrib-time-freq-state-width"),
    pytest.param(lambda: cr.PhasedLSTMCell(H)(tf.zeros([B, D]), lstm_state()), ValueError,
                 r"`inputs` of PhasedLSTMCell must be a pair \(time \[batch, 1\], features "
                 r"\[batch, depth\]\)", id="contrib-phased-inputs"),
    pytest.param(lambda: cr.Conv1DLSTMCell(input_shape=[4, 2], output_channels=2,
                                           kernel_shape=[3])(
        tf.zeros([B, 4, 3]), cr.Conv1DLSTMCell(input_shape=[4, 2], output_channels=2,
                                               kernel_shape=[3]).zero_state(B, tf.float32)),
        ValueError, r"`inputs` of Conv1DLSTMCell must be \[batch\] \+ \[4, 2\] .*got shape "
                    r"\(2, 4, 3\)", id="contrib-conv-inputs"),
    pytest.param(lambda: fr.LSTMBlockCell(H)(tf.zeros([B, D]), "state"), TypeError,
                 r"`state` of LSTMBlockCell 'lstm_cell' must be a Tensor .*got 'state' "
                 r"\(str\)", id="fused-call-state-type"),
    pytest.param(lambda: fr.LSTMBlockFusedCell(H)(
        tf.zeros([2, B, D]), initial_state=(tf.zeros([B, H]), tf.zeros([B, H + 1]))),
        ValueError, r"`initial_state\[1\]` of LSTMBlockFusedCell must have shape \[2, 4\] "
                    r"\(\[batch_size, num_units\]\), got shape \(2, 5\)",
        id="fused-initial_state-shape"),
    pytest.param(lambda: fr.LSTMBlockFusedCell(H)(
        tf.zeros([2, B, D]), dtype=tf.float32, sequence_length=tf.ones([B])), ValueError,
        r"`sequence_length` of LSTMBlockFusedCell must be an int32/int64 \[batch_size\] "
        r"vector, got float32 of shape \(2\)", id="fused-float-sequence_length"),
    pytest.param(lambda: fr.TimeReversedFusedRNN(fr.LSTMBlockFusedCell(H))(
        tf.zeros([2, B, D]), dtype="float33"), TypeError,
        r"`dtype` must be a TensorFlow dtype such as tf\.float32, got 'float33'",
        id="fused-dtype"),
    # Helpers and stacked RNNs.
    pytest.param(lambda: cr.transpose_batch_time(None), TypeError,
                 r"`x` must be a Tensor or convertible to one, got NoneType",
                 id="transpose-None"),
    pytest.param(lambda: cr.best_effort_input_batch_size([]), TypeError,
                 r"`flat_input` must be a non-empty list of time-major Tensors .*got \[\]",
                 id="best-effort-empty"),
    pytest.param(lambda: cr.stack_bidirectional_rnn([gru(), "gru"], [gru(), gru()], x()),
                 TypeError, r"The argument 'cells_fw\[1\]' \('gru'\) is not an RNNCell",
                 id="stack-cell-type"),
    pytest.param(lambda: cr.stack_bidirectional_dynamic_rnn([gru()], [gru()], x()), TypeError,
                 r"`inputs` must be one \[batch, time, depth\] Tensor \(not a list of steps: "
                 r"stack them with tf\.stack\(steps, axis=1\)\)", id="stack-dynamic-list"),
    pytest.param(lambda: cr.stack_bidirectional_dynamic_rnn(
        [gru()], [gru()], tf.zeros([B, 2, D]), dtype=tf.float32, parallel_iterations=1.0),
        TypeError, r"`parallel_iterations` must be a positive int, got 1\.0 \(float\)",
        id="stack-dynamic-parallel_iterations"),
    pytest.param(lambda: cr.stack_bidirectional_dynamic_rnn(
        [gru()], [gru()], tf.zeros([B, 2, D]), dtype=tf.float32, time_major="no"),
        TypeError, r"`time_major` must be True or False, got 'no' \(str\)",
        id="stack-dynamic-time_major"),
    # beam_search.
    pytest.param(lambda: beam(beam_width=2.0), TypeError,
                 r"`beam_width` must be a positive int, got 2\.0 \(float\)",
                 id="beam-float-width"),
    pytest.param(lambda: beam_search.embedding_rnn_seq2seq(
        ids(), gru(), 5.0, V, E, beam_width=2, max_length=2, go_id=0), TypeError,
        r"`num_encoder_symbols` must be a positive int, got 5\.0 \(float\)",
        id="beam-float-num_encoder_symbols"),
    pytest.param(lambda: beam(initial_state_attention=1), TypeError,
                 r"`initial_state_attention` must be True or False, got 1 \(int\)",
                 id="beam-initial_state_attention"),
    pytest.param(lambda: beam(output_projection=transposed()), ValueError, TRANSPOSED,
                 id="beam-transposed-W"),
    pytest.param(lambda: beam_search.model_with_buckets(ids(), [(2, 2)], "decode"), TypeError,
                 r"`decode` must be a callable decode\(encoder_inputs, max_length\).*got "
                 r"'decode' \(str\)", id="beam-buckets-decode"),
    pytest.param(lambda: beam_search.length_penalty_factor(tf.ones([B]), -1.0), ValueError,
                 r"`alpha` must be a finite number >= 0 .*got -1\.0", id="beam-alpha"),
    # serving.
    pytest.param(lambda: serving.encoder_inputs_from_ids(
        tf.zeros([B, 3], tf.int32), tf.ones([B], tf.int32), 2), ValueError,
        r"`ids` must be an int \[batch_size, encoder_length\] = \[batch_size, 2\] Tensor, "
        r"got int32 of shape \(2, 3\)\. Pad or cut", id="serving-ids-width"),
    pytest.param(lambda: serving.encoder_inputs_from_ids(
        tf.zeros([B, 2], tf.int32), tf.ones([B + 1], tf.int32), 2), ValueError,
        r"`lengths` has 3 entries but the batch size is 2", id="serving-lengths-batch"),
    pytest.param(lambda: serving.source_inputs(2, reverse="yes"), TypeError,
                 r"`reverse` must be True or False, got 'yes' \(str\)",
                 id="serving-reverse"),
    pytest.param(lambda: serving.go_inputs(tf.zeros([B, 2], tf.int32), 2, 0), TypeError,
                 r"`inputs` must be the SourceInputs returned by source_inputs\(\.\.\.\), "
                 r"got <tf\.Tensor", id="serving-go-inputs"),
    pytest.param(lambda: serving.go_inputs(serving.source_inputs(2), 2, 1.0), TypeError,
                 r"`go_id` must be an int >= 0, got 1\.0 \(float\)", id="serving-go_id"),
    pytest.param(lambda: serving.greedy_ids([tf.zeros([B, H])] * 2, transposed()), ValueError,
                 r"`output_projection` must be \(W, b\) with W of shape \[output_size, "
                 r"num_symbols\] = \[4, num_symbols\].*got W float32 \(5, 4\)",
                 id="serving-greedy-projection"),
    pytest.param(lambda: serving.export_decoder(object(), "/x", {}, tf.zeros([B])), TypeError,
                 r"`sess` must be a tf\.compat\.v1\.Session .*got <object object",
                 id="serving-export-sess"),
]


@pytest.mark.parametrize("call, error, pattern", ROWS)
def test_error(call, error, pattern):
    with tf.Graph().as_default():
        with pytest.raises(error, match=pattern) as info:
            call()
        assert type(info.value) is error


def test_valid_output_projection_is_still_accepted():
    """The W check only rejects wrong shapes: [output_size, num_symbols] builds as before."""
    with tf.Graph().as_default():
        for flag in (False, True):
            with v1.variable_scope(f"run_{flag}"):
                outputs, _ = models.embedding_attention_seq2seq(
                    ids(), ids(), gru(), V, V, E, feed_previous=flag,
                    output_projection=(tf.zeros([H, V]), tf.zeros([V])))
            assert [o.shape.as_list() for o in outputs] == [[B, H]] * 2


def test_numpy_ints_are_accepted_as_sizes():
    with tf.Graph().as_default():
        cell = rnn_cell.GRUCell(np.int64(H))
        assert cell.output_size == H and type(cell.output_size) is int
        outputs, _ = models.embedding_rnn_seq2seq(ids(), ids(), cell, np.int32(V), V,
                                                  np.int64(E))
        assert [o.shape.as_list() for o in outputs] == [[B, V]] * 2


def test_fused_calls_still_take_lists_tuples_and_tensors():
    """The fused-call checks keep the input kinds: a list gives a list, a tuple a Tensor."""
    makers = [lambda: fr.LSTMBlockFusedCell(H),
              lambda: fr.FusedRNNCellAdaptor(rnn_cell.BasicLSTMCell(H)),
              lambda: fr.TimeReversedFusedRNN(fr.LSTMBlockFusedCell(H))]
    with tf.Graph().as_default():
        steps = [tf.zeros([B, D])] * 2
        for i, make in enumerate(makers):
            as_list, _ = make()(steps, dtype=tf.float32, scope=f"list_{i}")
            as_tuple, _ = make()(tuple(steps), dtype=tf.float32, scope=f"tuple_{i}")
            as_tensor, _ = make()(tf.stack(steps), dtype=tf.float32, scope=f"tensor_{i}",
                                  sequence_length=tf.constant([1, 2]))
            assert [o.shape.as_list() for o in as_list] == [[B, H]] * 2
            assert as_tuple.shape.as_list() == as_tensor.shape.as_list() == [2, B, H]


def test_new_cells_accept_valid_sizes_and_states():
    with tf.Graph().as_default():
        cell = cr.GridLSTMCell(2, feature_size=2, frequency_skip=1, num_frequency_blocks=[2])
        fields = list(cell.zero_state(B, tf.float32))  # a plain list of the fields
        output, new_state = cell(tf.zeros([B, D]), fields)
        assert output.shape.as_list() == [B, cell.output_size]
        assert type(new_state) is cell.state_tuple_type
        freq = cr.TimeFreqLSTMCell(2, feature_size=2)  # 2 windows over depth 3
        output, freq_state = freq(tf.zeros([B, D]), tf.zeros([B, 8]))
        assert freq_state.shape.as_list() == [B, 8]
        freq(tf.zeros([B, D]), freq_state)  # the state it returned is taken back
        go = serving.go_inputs(serving.source_inputs(2), 3, np.int64(1))
        assert len(go) == 3
