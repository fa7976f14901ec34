"""Our seq2seq functions driven by tf_keras's legacy cells, against our own cells.

Usage: ``python seq2seq_check.py`` with ``TF_USE_LEGACY_KERAS=1`` set in
the environment (tf_keras's TF1 cells are only reachable that way). Used by
tests/test_cell_protocol.py.

For every case it builds the same model twice with this library's
legacy_seq2seq functions, once with cells from ``tf.compat.v1.nn.rnn_cell``
(tf_keras) and once with ``legacy_seq2seq_compat.rnn_cell``, each in its own
graph; assigns the same seeded random weights by variable name; feeds the
same random ids; and prints one JSON line: per case the two variable tables,
whether every output and state tensor agrees (allclose 1e-6) and the largest
difference, or the error raised.

Exits with status 3 and a one-line reason when tf_keras's legacy cells are
not available.
"""

from __future__ import annotations

import json
import traceback

from legacy_keras import legacy_rnn_cell_namespace

BATCH = 3
ENCODER_STEPS = 3
DECODER_STEPS = 4
ENCODER_SYMBOLS = 7
DECODER_SYMBOLS = 9
EMBEDDING_SIZE = 5
UNITS = 6


def _attention_gru2(seq2seq, cells, enc, dec):
    cell = cells.MultiRNNCell([cells.GRUCell(UNITS), cells.GRUCell(UNITS)])
    return seq2seq.embedding_attention_seq2seq(
        enc, dec, cell, ENCODER_SYMBOLS, DECODER_SYMBOLS, EMBEDDING_SIZE, num_heads=2)


def _embedding_rnn_lstm(seq2seq, cells, enc, dec):
    return seq2seq.embedding_rnn_seq2seq(
        enc, dec, cells.BasicLSTMCell(UNITS), ENCODER_SYMBOLS, DECODER_SYMBOLS,
        EMBEDDING_SIZE)


def _embedding_rnn_lstm_feed_previous(seq2seq, cells, enc, dec):
    return seq2seq.embedding_rnn_seq2seq(
        enc, dec, cells.BasicLSTMCell(UNITS), ENCODER_SYMBOLS, DECODER_SYMBOLS,
        EMBEDDING_SIZE, feed_previous=True)


CASES = {
    "embedding_attention_seq2seq_gru2": _attention_gru2,
    "embedding_rnn_seq2seq_basic_lstm": _embedding_rnn_lstm,
    "embedding_rnn_seq2seq_basic_lstm_feed_previous": _embedding_rnn_lstm_feed_previous,
}


def _run(build, cells, weights, feeds_by_index):
    """Builds one model; returns (variable table, fetched values, weights used)."""
    import numpy as np
    import tensorflow as tf

    from legacy_seq2seq_compat import legacy_seq2seq

    v1 = tf.compat.v1
    with tf.Graph().as_default():
        enc = [v1.placeholder(tf.int32, [None], name=f"enc{i}") for i in range(ENCODER_STEPS)]
        dec = [v1.placeholder(tf.int32, [None], name=f"dec{i}") for i in range(DECODER_STEPS)]
        outputs, state = build(legacy_seq2seq, cells, enc, dec)
        fetches = list(outputs) + tf.nest.flatten(state)
        variables = v1.global_variables()
        table = [[v.name, v.shape.as_list()] for v in variables]
        if weights is None:
            rng = np.random.default_rng(20240611)
            weights = {v.name: rng.uniform(-0.5, 0.5, v.shape.as_list()).astype(np.float32)
                       for v in variables}
        missing = [v.name for v in variables if v.name not in weights]
        if missing:
            return table, None, weights
        assigns = [v.assign(weights[v.name]) for v in variables]
        feeds = {t: feeds_by_index[i] for i, t in enumerate(enc + dec)}
        with v1.Session() as sess:
            sess.run(assigns)
            values = sess.run(fetches, feeds)
    return table, values, weights


def main() -> None:
    keras_cells = legacy_rnn_cell_namespace()
    import numpy as np

    from legacy_seq2seq_compat import rnn_cell as our_cells

    rng = np.random.default_rng(7)
    feeds = ([rng.integers(0, ENCODER_SYMBOLS, BATCH, dtype=np.int32)
              for _ in range(ENCODER_STEPS)]
             + [rng.integers(0, DECODER_SYMBOLS, BATCH, dtype=np.int32)
                for _ in range(DECODER_STEPS)])
    verdict = {"tf_keras_cell_module": keras_cells.GRUCell.__module__, "cases": {}}
    for name, build in CASES.items():
        try:
            keras_table, keras_values, weights = _run(build, keras_cells, None, feeds)
            our_table, our_values, _ = _run(build, our_cells, weights, feeds)
        except Exception:  # reported by the parent test
            verdict["cases"][name] = {"error": traceback.format_exc()}
            continue
        result = {"keras_variables": keras_table, "our_variables": our_table,
                  "num_fetches": len(keras_values), "allclose": False, "max_abs_diff": None}
        if our_values is not None and len(our_values) == len(keras_values):
            shapes_agree = all(a.shape == b.shape for a, b in zip(keras_values, our_values))
            result["fetch_shapes"] = [list(v.shape) for v in keras_values]
            if shapes_agree:
                result["max_abs_diff"] = float(max(
                    np.max(np.abs(a - b)) for a, b in zip(keras_values, our_values)))
                result["allclose"] = all(
                    np.allclose(a, b, rtol=1e-6, atol=1e-6)
                    for a, b in zip(keras_values, our_values))
            # Random weights must make the outputs vary (no vacuous comparison).
            result["outputs_vary"] = bool(np.std(keras_values[0]) > 1e-3)
        verdict["cases"][name] = result
    print(json.dumps(verdict))


if __name__ == "__main__":
    main()
