"""Variable names and shapes of whole models against TF 1.15's.

Two sources of truth:

* tests/data/varnames_tf115.txt (written by tests/make_varnames_tf115.py):
  names and shapes printed by building each model with the original TF 1.15
  legacy_seq2seq source, run on TF 2.21 with tf_keras's legacy cells (not on
  TF 1.15 itself; see tests/data/README.md).
  Every section of it must have a builder here (a new section cannot be
  skipped silently).
* The derived listings of the reference write-up (§2.3 templates and §2.4
  (A)-(H)) for the configurations the measured file does not cover, written
  out below with concrete sizes.

Every model is built at the root variable scope of a fresh graph, with int32
placeholders of shape [None] for symbol ids, and compared IN ORDER against
``tf.compat.v1.global_variables()``.
"""

import os
import re

import pytest
import tensorflow as tf

from legacy_seq2seq_compat import legacy_seq2seq, rnn_cell
from legacy_seq2seq_compat.rnn import static_rnn

_v1 = tf.compat.v1
_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "varnames_tf115.txt")

_HEADER = re.compile(r"^== \((\w+)\) (.*?)\s+\[(\d+) variables\]$")
_ROW = re.compile(r"^(\S+)\s+\[([0-9, ]*)\]$")


def _parse_reference(path):
    """Returns {label: (description, [(name, shape), ...])} in file order."""
    sections = {}
    current = None
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            header = _HEADER.match(line)
            if header:
                label, description, count = header.groups()
                assert label not in sections, f"duplicate section ({label}) at line {number}"
                current = (description, [], int(count))
                sections[label] = current
                continue
            row = _ROW.match(line)
            assert row and current is not None, f"unparsable line {number}: {line!r}"
            shape = [int(d) for d in row.group(2).split(",") if d.strip()]
            current[1].append((row.group(1), shape))
    for label, (_, rows, count) in sections.items():
        assert len(rows) == count, (
            f"section ({label}) announces {count} variables but lists {len(rows)}")
    return {label: (description, rows) for label, (description, rows, _) in sections.items()}


_SECTIONS = _parse_reference(_DATA)


def _ids(count, prefix):
    return [_v1.placeholder(tf.int32, [None], name=f"{prefix}{i}") for i in range(count)]


def _floats(count, width, prefix):
    return [_v1.placeholder(tf.float32, [None, width], name=f"{prefix}{i}") for i in range(count)]


def _variable_table():
    return [(v.name, v.shape.as_list()) for v in _v1.global_variables()]


def _build(builder):
    """Builds `builder` in a fresh graph; returns the (name, shape) list."""
    with tf.Graph().as_default():
        builder()
        table = _variable_table()
        dtypes = {v.dtype.base_dtype for v in _v1.global_variables()}
    assert dtypes <= {tf.float32}, dtypes
    return table


def _gru_cells(count, units):
    return rnn_cell.MultiRNNCell([rnn_cell.GRUCell(units) for _ in range(count)])


def _lstm_cells(count, units):
    return rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(units) for _ in range(count)])


def _projection(rows, cols):
    return (_v1.get_variable("proj_w", [rows, cols]), _v1.get_variable("proj_b", [cols]))


# -- builders for the sections of tests/data/varnames_tf115.txt ------------------


def _file_attention(cell):
    legacy_seq2seq.embedding_attention_seq2seq(
        _ids(3, "enc"), _ids(4, "dec"), cell, num_encoder_symbols=10, num_decoder_symbols=12,
        embedding_size=8, num_heads=2, feed_previous=False)


def _file_a():
    _file_attention(_gru_cells(2, 16))


def _file_b():
    _file_attention(rnn_cell.BasicLSTMCell(16))


def _file_b2():
    _file_attention(_lstm_cells(2, 16))


def _file_c():
    legacy_seq2seq.embedding_tied_rnn_seq2seq(
        _ids(3, "enc"), _ids(4, "dec"), rnn_cell.BasicLSTMCell(16), num_symbols=10,
        embedding_size=8, feed_previous=False)


def _file_d():
    proj_w, proj_b = _projection(16, 12)

    def seq2seq(enc, dec):
        return legacy_seq2seq.embedding_attention_seq2seq(
            enc, dec, _gru_cells(2, 16), num_encoder_symbols=10, num_decoder_symbols=12,
            embedding_size=8, num_heads=2, output_projection=(proj_w, proj_b),
            feed_previous=False)

    def loss(labels, logits):
        return tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.reshape(labels, [-1]), logits=tf.matmul(logits, proj_w) + proj_b)

    weights = [_v1.placeholder(tf.float32, [None], name=f"weight{i}") for i in range(5)]
    legacy_seq2seq.model_with_buckets(
        _ids(5, "enc"), _ids(5, "dec"), _ids(5, "target"), weights, [(3, 3), (5, 5)], seq2seq,
        softmax_loss_function=loss)


# label -> (the section's header text, builder). Keep the text identical to the
# file so that a changed description is noticed.
_FILE_BUILDERS = {
    "a": ("embedding_attention_seq2seq, MultiRNNCell(2 x GRUCell(16)), num_heads=2, "
          "vocab 10/12, emb 8, enc 3 / dec 4, feed_previous=False", _file_a),
    "b": ("embedding_attention_seq2seq, BasicLSTMCell(16), num_heads=2, vocab 10/12, emb 8, "
          "enc 3 / dec 4, feed_previous=False", _file_b),
    "b2": ("embedding_attention_seq2seq, MultiRNNCell(2 x BasicLSTMCell(16)), num_heads=2, "
           "vocab 10/12, emb 8, enc 3 / dec 4, feed_previous=False", _file_b2),
    "c": ("embedding_tied_rnn_seq2seq, BasicLSTMCell(16), num_symbols=10, emb 8, "
          "enc 3 / dec 4, feed_previous=False", _file_c),
    "d": ("model_with_buckets, buckets (3,3),(5,5), embedding_attention_seq2seq as (a) + "
          "output_projection=(proj_w[16,12], proj_b[12])", _file_d),
}


def test_reference_file_has_sections():
    assert len(_SECTIONS) >= 5
    assert all(rows for _, rows in _SECTIONS.values())


def test_every_builder_has_a_section():
    assert sorted(set(_FILE_BUILDERS) - set(_SECTIONS)) == []


@pytest.mark.parametrize("label", list(_SECTIONS))
def test_measured_tf115_names(label):
    description, expected = _SECTIONS[label]
    assert label in _FILE_BUILDERS, (
        f"section ({label}) of {_DATA} has no builder in _FILE_BUILDERS: {description}")
    registered, builder = _FILE_BUILDERS[label]
    assert registered == description, f"section ({label}) changed its description"
    assert _build(builder) == expected


# -- derived listings of the reference write-up (§2.3, §2.4) -------------------
# Sizes: E=7 encoder symbols, D=9 decoder symbols, S=5 embedding, H=6 units,
# distinct so that a swapped dimension shows.

_P = "embedding_attention_seq2seq"
_Q = _P + "/embedding_attention_decoder"
_R = _Q + "/attention_decoder"


def _gru_vars(prefix, depth, units):
    return [(f"{prefix}/gru_cell/gates/kernel:0", [depth + units, 2 * units]),
            (f"{prefix}/gru_cell/gates/bias:0", [2 * units]),
            (f"{prefix}/gru_cell/candidate/kernel:0", [depth + units, units]),
            (f"{prefix}/gru_cell/candidate/bias:0", [units])]


def _lstm_vars(prefix, depth, units):
    return [(f"{prefix}/basic_lstm_cell/kernel:0", [depth + units, 4 * units]),
            (f"{prefix}/basic_lstm_cell/bias:0", [4 * units])]


_PROJ_6_9 = [("proj_w:0", [6, 9]), ("proj_b:0", [9])]

# (A) 2 x GRUCell(6), one head, no projection: 28 variables.
_LISTING_A = [
    (f"{_P}/rnn/embedding_wrapper/embedding:0", [7, 5]),
    *_gru_vars(f"{_P}/rnn/embedding_wrapper/multi_rnn_cell/cell_0", 5, 6),
    *_gru_vars(f"{_P}/rnn/embedding_wrapper/multi_rnn_cell/cell_1", 6, 6),
    (f"{_Q}/embedding:0", [9, 5]),
    (f"{_R}/AttnW_0:0", [1, 1, 6, 6]),
    (f"{_R}/AttnV_0:0", [6]),
    (f"{_R}/kernel:0", [11, 5]),
    (f"{_R}/bias:0", [5]),
    *_gru_vars(f"{_R}/output_projection_wrapper/multi_rnn_cell/cell_0", 5, 6),
    *_gru_vars(f"{_R}/output_projection_wrapper/multi_rnn_cell/cell_1", 6, 6),
    (f"{_R}/output_projection_wrapper/kernel:0", [6, 9]),
    (f"{_R}/output_projection_wrapper/bias:0", [9]),
    (f"{_R}/Attention_0/kernel:0", [12, 6]),
    (f"{_R}/Attention_0/bias:0", [6]),
    (f"{_R}/AttnOutputProjection/kernel:0", [15, 9]),
    (f"{_R}/AttnOutputProjection/bias:0", [9]),
]

# (B) as (A) with two heads: 32 variables.
_LISTING_B = [
    (f"{_P}/rnn/embedding_wrapper/embedding:0", [7, 5]),
    *_gru_vars(f"{_P}/rnn/embedding_wrapper/multi_rnn_cell/cell_0", 5, 6),
    *_gru_vars(f"{_P}/rnn/embedding_wrapper/multi_rnn_cell/cell_1", 6, 6),
    (f"{_Q}/embedding:0", [9, 5]),
    (f"{_R}/AttnW_0:0", [1, 1, 6, 6]),
    (f"{_R}/AttnV_0:0", [6]),
    (f"{_R}/AttnW_1:0", [1, 1, 6, 6]),
    (f"{_R}/AttnV_1:0", [6]),
    (f"{_R}/kernel:0", [17, 5]),
    (f"{_R}/bias:0", [5]),
    *_gru_vars(f"{_R}/output_projection_wrapper/multi_rnn_cell/cell_0", 5, 6),
    *_gru_vars(f"{_R}/output_projection_wrapper/multi_rnn_cell/cell_1", 6, 6),
    (f"{_R}/output_projection_wrapper/kernel:0", [6, 9]),
    (f"{_R}/output_projection_wrapper/bias:0", [9]),
    (f"{_R}/Attention_0/kernel:0", [12, 6]),
    (f"{_R}/Attention_0/bias:0", [6]),
    (f"{_R}/Attention_1/kernel:0", [12, 6]),
    (f"{_R}/Attention_1/bias:0", [6]),
    (f"{_R}/AttnOutputProjection/kernel:0", [21, 9]),
    (f"{_R}/AttnOutputProjection/bias:0", [9]),
]

# (C) as (A) with output_projection=(proj_w [6, 9], proj_b [9]) made first: 2 + 26.
_LISTING_C = _PROJ_6_9 + [
    (f"{_P}/rnn/embedding_wrapper/embedding:0", [7, 5]),
    *_gru_vars(f"{_P}/rnn/embedding_wrapper/multi_rnn_cell/cell_0", 5, 6),
    *_gru_vars(f"{_P}/rnn/embedding_wrapper/multi_rnn_cell/cell_1", 6, 6),
    (f"{_Q}/embedding:0", [9, 5]),
    (f"{_R}/AttnW_0:0", [1, 1, 6, 6]),
    (f"{_R}/AttnV_0:0", [6]),
    (f"{_R}/kernel:0", [11, 5]),
    (f"{_R}/bias:0", [5]),
    *_gru_vars(f"{_R}/multi_rnn_cell/cell_0", 5, 6),
    *_gru_vars(f"{_R}/multi_rnn_cell/cell_1", 6, 6),
    (f"{_R}/Attention_0/kernel:0", [12, 6]),
    (f"{_R}/Attention_0/bias:0", [6]),
    (f"{_R}/AttnOutputProjection/kernel:0", [12, 6]),
    (f"{_R}/AttnOutputProjection/bias:0", [6]),
]

# (D) 2 x BasicLSTMCell(6), one head, no projection: 20 variables; the query
# is c0, h0, c1, h1 (4H wide).
_LISTING_D = [
    (f"{_P}/rnn/embedding_wrapper/embedding:0", [7, 5]),
    *_lstm_vars(f"{_P}/rnn/embedding_wrapper/multi_rnn_cell/cell_0", 5, 6),
    *_lstm_vars(f"{_P}/rnn/embedding_wrapper/multi_rnn_cell/cell_1", 6, 6),
    (f"{_Q}/embedding:0", [9, 5]),
    (f"{_R}/AttnW_0:0", [1, 1, 6, 6]),
    (f"{_R}/AttnV_0:0", [6]),
    (f"{_R}/kernel:0", [11, 5]),
    (f"{_R}/bias:0", [5]),
    *_lstm_vars(f"{_R}/output_projection_wrapper/multi_rnn_cell/cell_0", 5, 6),
    *_lstm_vars(f"{_R}/output_projection_wrapper/multi_rnn_cell/cell_1", 6, 6),
    (f"{_R}/output_projection_wrapper/kernel:0", [6, 9]),
    (f"{_R}/output_projection_wrapper/bias:0", [9]),
    (f"{_R}/Attention_0/kernel:0", [24, 6]),
    (f"{_R}/Attention_0/bias:0", [6]),
    (f"{_R}/AttnOutputProjection/kernel:0", [15, 9]),
    (f"{_R}/AttnOutputProjection/bias:0", [9]),
]

# (D) with two heads and a projection: 2 + 22 variables.
_LISTING_D_HEADS_PROJECTION = _PROJ_6_9 + [
    (f"{_P}/rnn/embedding_wrapper/embedding:0", [7, 5]),
    *_lstm_vars(f"{_P}/rnn/embedding_wrapper/multi_rnn_cell/cell_0", 5, 6),
    *_lstm_vars(f"{_P}/rnn/embedding_wrapper/multi_rnn_cell/cell_1", 6, 6),
    (f"{_Q}/embedding:0", [9, 5]),
    (f"{_R}/AttnW_0:0", [1, 1, 6, 6]),
    (f"{_R}/AttnV_0:0", [6]),
    (f"{_R}/AttnW_1:0", [1, 1, 6, 6]),
    (f"{_R}/AttnV_1:0", [6]),
    (f"{_R}/kernel:0", [17, 5]),
    (f"{_R}/bias:0", [5]),
    *_lstm_vars(f"{_R}/multi_rnn_cell/cell_0", 5, 6),
    *_lstm_vars(f"{_R}/multi_rnn_cell/cell_1", 6, 6),
    (f"{_R}/Attention_0/kernel:0", [24, 6]),
    (f"{_R}/Attention_0/bias:0", [6]),
    (f"{_R}/Attention_1/kernel:0", [24, 6]),
    (f"{_R}/Attention_1/bias:0", [6]),
    (f"{_R}/AttnOutputProjection/kernel:0", [18, 6]),
    (f"{_R}/AttnOutputProjection/bias:0", [6]),
]

_ERS = "embedding_rnn_seq2seq"
_ERD = _ERS + "/embedding_rnn_decoder"

# (E) embedding_rnn_seq2seq, BasicLSTMCell(6), no projection: 8 variables.
_LISTING_E = [
    (f"{_ERS}/rnn/embedding_wrapper/embedding:0", [7, 5]),
    *_lstm_vars(f"{_ERS}/rnn/embedding_wrapper", 5, 6),
    (f"{_ERD}/embedding:0", [9, 5]),
    *_lstm_vars(f"{_ERD}/rnn_decoder/output_projection_wrapper", 5, 6),
    (f"{_ERD}/rnn_decoder/output_projection_wrapper/kernel:0", [6, 9]),
    (f"{_ERD}/rnn_decoder/output_projection_wrapper/bias:0", [9]),
]

# (E) with a projection: 2 + 6 variables.
_LISTING_E_PROJECTION = _PROJ_6_9 + [
    (f"{_ERS}/rnn/embedding_wrapper/embedding:0", [7, 5]),
    *_lstm_vars(f"{_ERS}/rnn/embedding_wrapper", 5, 6),
    (f"{_ERD}/embedding:0", [9, 5]),
    *_lstm_vars(f"{_ERD}/rnn_decoder", 5, 6),
]

# (E) with 2 x GRUCell(6), no projection: 20 variables.
_LISTING_E_GRU2 = [
    (f"{_ERS}/rnn/embedding_wrapper/embedding:0", [7, 5]),
    *_gru_vars(f"{_ERS}/rnn/embedding_wrapper/multi_rnn_cell/cell_0", 5, 6),
    *_gru_vars(f"{_ERS}/rnn/embedding_wrapper/multi_rnn_cell/cell_1", 6, 6),
    (f"{_ERD}/embedding:0", [9, 5]),
    *_gru_vars(f"{_ERD}/rnn_decoder/output_projection_wrapper/multi_rnn_cell/cell_0", 5, 6),
    *_gru_vars(f"{_ERD}/rnn_decoder/output_projection_wrapper/multi_rnn_cell/cell_1", 6, 6),
    (f"{_ERD}/rnn_decoder/output_projection_wrapper/kernel:0", [6, 9]),
    (f"{_ERD}/rnn_decoder/output_projection_wrapper/bias:0", [9]),
]

_ETS = "embedding_tied_rnn_seq2seq"
_TIED = _ETS + "/combined_tied_rnn_seq2seq/tied_rnn_seq2seq"

# (F) embedding_tied_rnn_seq2seq, num_symbols=7, num_decoder_symbols=3: 5 variables.
_LISTING_F_DECODER_SYMBOLS = [
    (f"{_ETS}/embedding:0", [7, 5]),
    *_lstm_vars(f"{_TIED}/output_projection_wrapper", 5, 6),
    (f"{_TIED}/output_projection_wrapper/kernel:0", [6, 3]),
    (f"{_TIED}/output_projection_wrapper/bias:0", [3]),
]

# (F) with a projection (checked against num_symbols=7): 2 + 3 variables.
_LISTING_F_PROJECTION = [("proj_w:0", [6, 7]), ("proj_b:0", [7])] + [
    (f"{_ETS}/embedding:0", [7, 5]),
    *_lstm_vars(_TIED, 5, 6),
]

_O2M = "one2many_rnn_seq2seq"

# (G) one2many_rnn_seq2seq, BasicLSTMCell(2) everywhere, E=2, S=2, {"0": 5, "1": 6}: 13.
_LISTING_G = [
    (f"{_O2M}/rnn/embedding_wrapper/embedding:0", [2, 2]),
    *_lstm_vars(f"{_O2M}/rnn/embedding_wrapper", 2, 2),
    (f"{_O2M}/one2many_decoder_0/embedding_rnn_decoder/embedding:0", [5, 2]),
    *_lstm_vars(f"{_O2M}/one2many_decoder_0/embedding_rnn_decoder/rnn_decoder/"
                "output_projection_wrapper", 2, 2),
    (f"{_O2M}/one2many_decoder_0/embedding_rnn_decoder/rnn_decoder/"
     "output_projection_wrapper/kernel:0", [2, 5]),
    (f"{_O2M}/one2many_decoder_0/embedding_rnn_decoder/rnn_decoder/"
     "output_projection_wrapper/bias:0", [5]),
    (f"{_O2M}/one2many_decoder_1/embedding_rnn_decoder/embedding:0", [6, 2]),
    *_lstm_vars(f"{_O2M}/one2many_decoder_1/embedding_rnn_decoder/rnn_decoder/"
                "output_projection_wrapper", 2, 2),
    (f"{_O2M}/one2many_decoder_1/embedding_rnn_decoder/rnn_decoder/"
     "output_projection_wrapper/kernel:0", [2, 6]),
    (f"{_O2M}/one2many_decoder_1/embedding_rnn_decoder/rnn_decoder/"
     "output_projection_wrapper/bias:0", [6]),
]

_HR = "root/" + _R

# (H) model_with_buckets, 2 buckets, wrapping (C) with H=S=24, E=D=10, under
# "root"; proj_w/proj_b made outside "root": 2 + 26, no bucket suffixes.
_LISTING_H = [("proj_w:0", [24, 10]), ("proj_b:0", [10])] + [
    (f"root/{_P}/rnn/embedding_wrapper/embedding:0", [10, 24]),
    *_gru_vars(f"root/{_P}/rnn/embedding_wrapper/multi_rnn_cell/cell_0", 24, 24),
    *_gru_vars(f"root/{_P}/rnn/embedding_wrapper/multi_rnn_cell/cell_1", 24, 24),
    (f"root/{_Q}/embedding:0", [10, 24]),
    (f"{_HR}/AttnW_0:0", [1, 1, 24, 24]),
    (f"{_HR}/AttnV_0:0", [24]),
    (f"{_HR}/kernel:0", [48, 24]),
    (f"{_HR}/bias:0", [24]),
    *_gru_vars(f"{_HR}/multi_rnn_cell/cell_0", 24, 24),
    *_gru_vars(f"{_HR}/multi_rnn_cell/cell_1", 24, 24),
    (f"{_HR}/Attention_0/kernel:0", [48, 24]),
    (f"{_HR}/Attention_0/bias:0", [24]),
    (f"{_HR}/AttnOutputProjection/kernel:0", [48, 24]),
    (f"{_HR}/AttnOutputProjection/bias:0", [24]),
]

# §2.3 templates of the float-input functions (inputs [None, 3], GRUCell(4)).
_LISTING_BASIC = (_gru_vars("basic_rnn_seq2seq/rnn", 3, 4)
                  + _gru_vars("basic_rnn_seq2seq/rnn_decoder", 3, 4))
_LISTING_TIED_SCOPE = _gru_vars("combined_tied_rnn_seq2seq/shared", 3, 4)
_LISTING_RNN_DECODER = _gru_vars("my_decoder", 3, 4)
_LISTING_EMBEDDING_RNN_DECODER = (
    _gru_vars("rnn", 3, 4)
    + [("embedding_rnn_decoder/embedding:0", [7, 5])]
    + _gru_vars("embedding_rnn_decoder/rnn_decoder", 5, 4))
# Two heads over attention states of width 4; inputs of width 3; output_size 8.
_LISTING_ATTENTION_DECODER = _gru_vars("rnn", 3, 4) + [
    ("attention_decoder/AttnW_0:0", [1, 1, 4, 4]),
    ("attention_decoder/AttnV_0:0", [4]),
    ("attention_decoder/AttnW_1:0", [1, 1, 4, 4]),
    ("attention_decoder/AttnV_1:0", [4]),
    ("attention_decoder/kernel:0", [11, 3]),
    ("attention_decoder/bias:0", [3]),
    *_gru_vars("attention_decoder", 3, 4),
    ("attention_decoder/Attention_0/kernel:0", [4, 4]),
    ("attention_decoder/Attention_0/bias:0", [4]),
    ("attention_decoder/Attention_1/kernel:0", [4, 4]),
    ("attention_decoder/Attention_1/bias:0", [4]),
    ("attention_decoder/AttnOutputProjection/kernel:0", [12, 8]),
    ("attention_decoder/AttnOutputProjection/bias:0", [8]),
]
# embedding_attention_decoder: embedding [7, 5], then the attention decoder
# under it with input depth S=5, one head, LSTM query (2H=8).
_EAD = "embedding_attention_decoder"
_LISTING_EMBEDDING_ATTENTION_DECODER = _lstm_vars("rnn", 3, 4) + [
    (f"{_EAD}/embedding:0", [7, 5]),
    (f"{_EAD}/attention_decoder/AttnW_0:0", [1, 1, 4, 4]),
    (f"{_EAD}/attention_decoder/AttnV_0:0", [4]),
    (f"{_EAD}/attention_decoder/kernel:0", [9, 5]),
    (f"{_EAD}/attention_decoder/bias:0", [5]),
    *_lstm_vars(f"{_EAD}/attention_decoder", 5, 4),
    (f"{_EAD}/attention_decoder/Attention_0/kernel:0", [8, 4]),
    (f"{_EAD}/attention_decoder/Attention_0/bias:0", [4]),
    (f"{_EAD}/attention_decoder/AttnOutputProjection/kernel:0", [8, 4]),
    (f"{_EAD}/attention_decoder/AttnOutputProjection/bias:0", [4]),
]


def _attention(cell, num_heads=1, projection=False):
    output_projection = _projection(6, 9) if projection else None
    legacy_seq2seq.embedding_attention_seq2seq(
        _ids(3, "enc"), _ids(4, "dec"), cell, num_encoder_symbols=7, num_decoder_symbols=9,
        embedding_size=5, num_heads=num_heads, output_projection=output_projection)


def _embedding_rnn(cell, projection=False):
    output_projection = _projection(6, 9) if projection else None
    legacy_seq2seq.embedding_rnn_seq2seq(
        _ids(3, "enc"), _ids(4, "dec"), cell, num_encoder_symbols=7, num_decoder_symbols=9,
        embedding_size=5, output_projection=output_projection)


def _tied_decoder_symbols():
    legacy_seq2seq.embedding_tied_rnn_seq2seq(
        _ids(3, "enc"), _ids(4, "dec"), rnn_cell.BasicLSTMCell(6), num_symbols=7,
        embedding_size=5, num_decoder_symbols=3)


def _tied_projection():
    legacy_seq2seq.embedding_tied_rnn_seq2seq(
        _ids(3, "enc"), _ids(4, "dec"), rnn_cell.BasicLSTMCell(6), num_symbols=7,
        embedding_size=5, output_projection=_projection(6, 7))


def _one2many():
    legacy_seq2seq.one2many_rnn_seq2seq(
        _ids(2, "enc"), {"0": _ids(3, "dec0_"), "1": _ids(4, "dec1_")},
        rnn_cell.BasicLSTMCell(2),
        {"0": rnn_cell.BasicLSTMCell(2), "1": rnn_cell.BasicLSTMCell(2)},
        2, {"0": 5, "1": 6}, 2)


def _buckets_under_root():
    proj_w, proj_b = _projection(24, 10)
    enc, dec = _ids(8, "enc"), _ids(8, "dec")
    targets = dec[1:] + [0]
    weights = [tf.ones_like(x, dtype=tf.float32) for x in dec]

    def seq2seq(x, y):
        return legacy_seq2seq.embedding_attention_seq2seq(
            x, y, _gru_cells(2, 24), num_encoder_symbols=10, num_decoder_symbols=10,
            embedding_size=24, output_projection=(proj_w, proj_b))

    def loss(labels, logits):
        return tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.reshape(labels, [-1]), logits=tf.matmul(logits, proj_w) + proj_b)

    with _v1.variable_scope("root"):
        legacy_seq2seq.model_with_buckets(enc, dec, targets, weights, [(4, 4), (8, 8)],
                                          seq2seq, softmax_loss_function=loss)


def _basic():
    legacy_seq2seq.basic_rnn_seq2seq(_floats(2, 3, "enc"), _floats(3, 3, "dec"),
                                     rnn_cell.GRUCell(4))


def _tied_scope():
    legacy_seq2seq.tied_rnn_seq2seq(_floats(2, 3, "enc"), _floats(3, 3, "dec"),
                                    rnn_cell.GRUCell(4), scope="shared")


def _rnn_decoder():
    cell = rnn_cell.GRUCell(4)
    legacy_seq2seq.rnn_decoder(_floats(3, 3, "dec"), cell.zero_state(2, tf.float32), cell,
                               scope="my_decoder")


def _embedding_rnn_decoder():
    _, state = static_rnn(rnn_cell.GRUCell(4), _floats(2, 3, "enc"), dtype=tf.float32)
    legacy_seq2seq.embedding_rnn_decoder(_ids(3, "dec"), state, rnn_cell.GRUCell(4),
                                         num_symbols=7, embedding_size=5)


def _encode_for_attention(cell):
    outputs, state = static_rnn(cell, _floats(2, 3, "enc"), dtype=tf.float32)
    return state, tf.stack(outputs, axis=1)


def _attention_decoder():
    state, attention_states = _encode_for_attention(rnn_cell.GRUCell(4))
    legacy_seq2seq.attention_decoder(_floats(3, 3, "dec"), state, attention_states,
                                     rnn_cell.GRUCell(4), output_size=8, num_heads=2)


def _embedding_attention_decoder():
    state, attention_states = _encode_for_attention(rnn_cell.BasicLSTMCell(4))
    legacy_seq2seq.embedding_attention_decoder(_ids(3, "dec"), state, attention_states,
                                               rnn_cell.BasicLSTMCell(4), num_symbols=7,
                                               embedding_size=5)


_DERIVED = {
    "A_attention_gru2": (lambda: _attention(_gru_cells(2, 6)), _LISTING_A, 28),
    "B_attention_gru2_heads2": (lambda: _attention(_gru_cells(2, 6), num_heads=2),
                                _LISTING_B, 32),
    "C_attention_gru2_projection": (lambda: _attention(_gru_cells(2, 6), projection=True),
                                    _LISTING_C, 2 + 26),
    "D_attention_lstm2": (lambda: _attention(_lstm_cells(2, 6)), _LISTING_D, 20),
    "D_attention_lstm2_heads2_projection": (
        lambda: _attention(_lstm_cells(2, 6), num_heads=2, projection=True),
        _LISTING_D_HEADS_PROJECTION, 2 + 22),
    "E_embedding_rnn_lstm": (lambda: _embedding_rnn(rnn_cell.BasicLSTMCell(6)), _LISTING_E, 8),
    "E_embedding_rnn_lstm_projection": (
        lambda: _embedding_rnn(rnn_cell.BasicLSTMCell(6), projection=True),
        _LISTING_E_PROJECTION, 2 + 6),
    "E_embedding_rnn_gru2": (lambda: _embedding_rnn(_gru_cells(2, 6)), _LISTING_E_GRU2, 20),
    "F_tied_decoder_symbols": (_tied_decoder_symbols, _LISTING_F_DECODER_SYMBOLS, 5),
    "F_tied_projection": (_tied_projection, _LISTING_F_PROJECTION, 2 + 3),
    "G_one2many": (_one2many, _LISTING_G, 13),
    "H_buckets_under_root": (_buckets_under_root, _LISTING_H, 2 + 26),
    "basic_rnn_seq2seq": (_basic, _LISTING_BASIC, 8),
    "tied_rnn_seq2seq_scope": (_tied_scope, _LISTING_TIED_SCOPE, 4),
    "rnn_decoder_scope": (_rnn_decoder, _LISTING_RNN_DECODER, 4),
    "embedding_rnn_decoder": (_embedding_rnn_decoder, _LISTING_EMBEDDING_RNN_DECODER, 9),
    "attention_decoder_heads2": (_attention_decoder, _LISTING_ATTENTION_DECODER, 20),
    "embedding_attention_decoder_lstm": (_embedding_attention_decoder,
                                         _LISTING_EMBEDDING_ATTENTION_DECODER, 13),
}


@pytest.mark.parametrize("case", list(_DERIVED))
def test_reference_listings(case):
    builder, expected, count = _DERIVED[case]
    assert len(expected) == count  # guards the hand-written listing itself
    assert _build(builder) == expected
