"""Drop-in for `tf.contrib.legacy_seq2seq`: exactly its 13 public functions.

    from legacy_seq2seq_compat import legacy_seq2seq
    outputs, losses = legacy_seq2seq.model_with_buckets(...)
"""

from legacy_seq2seq_compat.buckets import model_with_buckets
from legacy_seq2seq_compat.decoders import (
    attention_decoder,
    embedding_attention_decoder,
    embedding_rnn_decoder,
    rnn_decoder,
)
from legacy_seq2seq_compat.losses import sequence_loss, sequence_loss_by_example
from legacy_seq2seq_compat.models import (
    basic_rnn_seq2seq,
    embedding_attention_seq2seq,
    embedding_rnn_seq2seq,
    embedding_tied_rnn_seq2seq,
    one2many_rnn_seq2seq,
    tied_rnn_seq2seq,
)

__all__ = [
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
