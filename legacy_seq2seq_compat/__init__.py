"""TensorFlow 1.x `tf.contrib.legacy_seq2seq` and the TF1 RNN cells on TF 2.x.

The package top level offers the 13 functions of `tf.contrib.legacy_seq2seq`
(also available as the module `legacy_seq2seq_compat.legacy_seq2seq`), the
cells in `rnn_cell`, the static RNN helpers in `rnn`, the switches of the
fast graph builders in `fastpath`, TF1 checkpoint tools in `checkpoints`,
numpy converters of GRU / LSTM cell weights to and from Keras 3 layer
weights in `keras_weights`, `tf2.TF1Module` to run all of it in TF2
eager mode and `tf.function` with TF1 variable names, and `install()`, which
makes `from tensorflow.contrib import legacy_seq2seq, rnn` work.

Old scripts: `import legacy_seq2seq_compat.tf1 as tf` is TF 1.x's `tensorflow`
(it switches the process to TF1 behaviour, so it is not imported here), and
`legacy-seq2seq-compat run SCRIPT.py` runs a script with no change at all.
"""

from legacy_seq2seq_compat import (
    buckets,
    checkpoints,
    decoders,
    fastpath,
    keras_weights,
    legacy_seq2seq,
    losses,
    models,
    rnn,
    rnn_cell,
    tf2,
)
from legacy_seq2seq_compat._version import __version__
from legacy_seq2seq_compat.contrib import install
from legacy_seq2seq_compat.legacy_seq2seq import (
    attention_decoder,
    basic_rnn_seq2seq,
    embedding_attention_decoder,
    embedding_attention_seq2seq,
    embedding_rnn_decoder,
    embedding_rnn_seq2seq,
    embedding_tied_rnn_seq2seq,
    model_with_buckets,
    one2many_rnn_seq2seq,
    rnn_decoder,
    sequence_loss,
    sequence_loss_by_example,
    tied_rnn_seq2seq,
)

__all__ = [
    "__version__",
    "install",
    "buckets",
    "checkpoints",
    "decoders",
    "fastpath",
    "keras_weights",
    "legacy_seq2seq",
    "losses",
    "models",
    "rnn",
    "rnn_cell",
    "tf2",
    "attention_decoder",
    "basic_rnn_seq2seq",
    "embedding_attention_decoder",
    "embedding_attention_seq2seq",
    "embedding_rnn_decoder",
    "embedding_rnn_seq2seq",
    "embedding_tied_rnn_seq2seq",
    "model_with_buckets",
    "one2many_rnn_seq2seq",
    "rnn_decoder",
    "sequence_loss",
    "sequence_loss_by_example",
    "tied_rnn_seq2seq",
]
