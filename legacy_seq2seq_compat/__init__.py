"""TensorFlow 1.x `tf.contrib.legacy_seq2seq` and the TF1 RNN cells on TF 2.x."""

from legacy_seq2seq_compat import rnn_cell
from legacy_seq2seq_compat._version import __version__

__all__ = ["__version__", "rnn_cell"]
