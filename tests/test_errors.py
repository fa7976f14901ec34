"""The errors of the public API, one table row per mistake.

Each row is (callable, bad arguments, expected exception type, regex). The
regex always holds the argument's name and the value received (its type,
shape or value), and most rows the fix too. Graphs are only built, never run.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from legacy_seq2seq_compat import buckets, decoders, losses, models, rnn, rnn_cell

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
