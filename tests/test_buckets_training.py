"""End-to-end training of bucketed legacy models (model_with_buckets + attention seq2seq).

Mirrors what TF 1.15's own testModelWithBuckets exercised, plus the classic
translate-tutorial pattern of one cell object shared by every bucket.
"""

import random

import numpy as np
import pytest
import tensorflow as tf

from legacy_seq2seq_compat import legacy_seq2seq, rnn_cell

v1 = tf.compat.v1

CLASSES = 10
BUCKETS = [(4, 4), (8, 8)]


def _build(shared_cell: bool):
    """The sampled-softmax bucketed model; returns placeholders, losses, updates."""
    w = v1.get_variable("proj_w", [24, CLASSES])
    w_t = tf.transpose(w)
    b = v1.get_variable("proj_b", [CLASSES])
    cell = rnn_cell.MultiRNNCell([rnn_cell.GRUCell(24) for _ in range(2)])

    def seq2seq(enc, dec):
        this_cell = cell if shared_cell else rnn_cell.MultiRNNCell(
            [rnn_cell.GRUCell(24) for _ in range(2)])
        return legacy_seq2seq.embedding_attention_seq2seq(
            enc, dec, this_cell, num_encoder_symbols=CLASSES, num_decoder_symbols=CLASSES,
            embedding_size=24, output_projection=(w, b))

    def sampled_loss(labels, logits):
        labels = tf.reshape(labels, [-1, 1])
        return tf.nn.sampled_softmax_loss(weights=w_t, biases=b, labels=labels, inputs=logits,
                                          num_sampled=8, num_classes=CLASSES)

    enc = [v1.placeholder(tf.int32, [None]) for _ in range(8)]
    dec = [v1.placeholder(tf.int32, [None]) for _ in range(8)]
    targets = dec[1:] + [0]  # the last target is the Python int 0, as in TF's test
    weights = [tf.ones_like(enc[0], dtype=tf.float32) for _ in range(8)]
    with v1.variable_scope("root"):
        _, losses = legacy_seq2seq.model_with_buckets(
            enc, dec, targets, weights, BUCKETS, seq2seq,
            softmax_loss_function=sampled_loss)
    params = v1.global_variables()
    optimizer = v1.train.AdamOptimizer(0.03, epsilon=1e-5)
    updates = []
    for loss in losses:
        grads, _ = tf.clip_by_global_norm(tf.gradients(loss, params), 30.0)
        updates.append(optimizer.apply_gradients(zip(grads, params)))
    return enc, dec, losses, updates


@pytest.mark.parametrize("shared_cell", [
    pytest.param(False, id="fresh_cell", marks=pytest.mark.slow),
    pytest.param(True, id="shared_cell")])
def test_bucketed_attention_model_trains(shared_cell):
    random.seed(111)
    np.random.seed(111)
    with tf.Graph().as_default():
        v1.set_random_seed(111)
        enc, dec, losses, updates = _build(shared_cell)
        names = [v.name for v in v1.trainable_variables()]
        # One variable set for both buckets: no bucket suffix anywhere.
        assert len(names) == 2 + 26
        assert not any("seq2seq_1" in n for n in names), names
        assert ("root/embedding_attention_seq2seq/embedding_attention_decoder/"
                "attention_decoder/multi_rnn_cell/cell_1/gru_cell/gates/kernel:0") in names
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            perplexities = {0: [], 1: []}
            for bucket in [0, 1, 0, 1, 0, 1, 0, 1]:
                enc_len, dec_len = BUCKETS[bucket]
                feed = {}
                for i in range(enc_len):
                    feed[enc[i]] = np.random.randint(1, CLASSES, size=8)
                for i in range(dec_len):
                    feed[dec[i]] = np.random.randint(1, CLASSES, size=8)
                feed[dec[0]] = np.zeros(8, np.int32)  # GO
                if bucket == 0:
                    feed[dec[4]] = np.random.randint(1, CLASSES, size=8)  # last target
                loss, _ = sess.run([losses[bucket], updates[bucket]], feed)
                perplexities[bucket].append(float(np.exp(loss)))
    for bucket, values in perplexities.items():
        assert values[-1] < 1.2 * values[0], (bucket, values)
    # Fitting random targets for 4 steps still has to bring the loss down clearly.
    assert perplexities[0][-1] < perplexities[0][0]
