"""Tests of legacy_seq2seq_compat.buckets.model_with_buckets."""

import re

import numpy as np
import pytest
import tensorflow as tf

from legacy_seq2seq_compat import buckets, fastpath, rnn_cell

v1 = tf.compat.v1

VOCAB = 6
EMBED = 3
UNITS = 4
BATCH = 5
BUCKETS = [(2, 2), (3, 4)]

# Variables of the tiny model: one set for all buckets, no bucket suffix.
TINY_VARIABLES = {
    "tiny_seq2seq/embedding": [VOCAB, EMBED],
    "tiny_seq2seq/encoder/gru_cell/gates/kernel": [EMBED + UNITS, 2 * UNITS],
    "tiny_seq2seq/encoder/gru_cell/gates/bias": [2 * UNITS],
    "tiny_seq2seq/encoder/gru_cell/candidate/kernel": [EMBED + UNITS, UNITS],
    "tiny_seq2seq/encoder/gru_cell/candidate/bias": [UNITS],
    "tiny_seq2seq/decoder/gru_cell/gates/kernel": [EMBED + UNITS, 2 * UNITS],
    "tiny_seq2seq/decoder/gru_cell/gates/bias": [2 * UNITS],
    "tiny_seq2seq/decoder/gru_cell/candidate/kernel": [EMBED + UNITS, UNITS],
    "tiny_seq2seq/decoder/gru_cell/candidate/bias": [UNITS],
    "tiny_seq2seq/proj_w": [UNITS, VOCAB],
    "tiny_seq2seq/proj_b": [VOCAB],
}


def tiny_seq2seq(encoder_inputs, decoder_inputs):
    """An embedding GRU encoder-decoder that makes fresh cells on every call."""
    with v1.variable_scope("tiny_seq2seq"):
        embedding = v1.get_variable("embedding", [VOCAB, EMBED])
        encoder_cell = rnn_cell.GRUCell(UNITS)
        state = encoder_cell.zero_state(tf.shape(encoder_inputs[0])[0], tf.float32)
        with v1.variable_scope("encoder"):
            for ids in encoder_inputs:
                _, state = encoder_cell(tf.nn.embedding_lookup(embedding, ids), state)
        decoder_cell = rnn_cell.GRUCell(UNITS)
        proj_w = v1.get_variable("proj_w", [UNITS, VOCAB])
        proj_b = v1.get_variable("proj_b", [VOCAB])
        outputs = []
        with v1.variable_scope("decoder"):
            for ids in decoder_inputs:
                output, state = decoder_cell(tf.nn.embedding_lookup(embedding, ids), state)
                outputs.append(tf.matmul(output, proj_w) + proj_b)
    return outputs, state


def _placeholders(count, prefix):
    return [v1.placeholder(tf.int32, [None], name=f"{prefix}{i}") for i in range(count)]


def _inputs():
    """Inputs as in TF's testModelWithBuckets: the last target is the Python int 0."""
    encoder_inputs = _placeholders(3, "enc")
    decoder_inputs = _placeholders(5, "dec")
    targets = decoder_inputs[1:4] + [0]
    weights = [tf.ones_like(decoder_inputs[0], dtype=tf.float32)] * 4
    return encoder_inputs, decoder_inputs, targets, weights


def _build(inputs=None, seq2seq=tiny_seq2seq, **kwargs):
    inputs = inputs or _inputs()
    outputs, losses = buckets.model_with_buckets(*inputs, BUCKETS, seq2seq, **kwargs)
    return inputs[0], inputs[1], outputs, losses


def _random_feed(encoder_inputs, decoder_inputs, seed):
    rng = np.random.RandomState(seed)
    feed = {p: rng.randint(1, VOCAB, size=BATCH).astype(np.int32)
            for p in encoder_inputs + decoder_inputs}
    return feed


def _np_by_example(step_logits, step_targets):
    """Per-example loss averaged over time with unit weights."""
    total = 0.0
    for logits, targets in zip(step_logits, step_targets):
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        total = total - log_softmax[np.arange(len(targets)), targets]
    return total / (len(step_logits) + 1e-12)


def _bucket_targets(feed, decoder_inputs, length):
    targets = [feed[decoder_inputs[i]] for i in range(1, 4)] + [np.zeros(BATCH, np.int32)]
    return targets[:length]


def _reusing(seq2seq, scope):
    def wrapped(encoder_inputs, decoder_inputs):
        with v1.variable_scope(scope, reuse=True):
            return seq2seq(encoder_inputs, decoder_inputs)
    return wrapped


def _exactly(text):
    """A regex matching a message that starts with `text`."""
    return "^" + re.escape(text)


@pytest.mark.parametrize("per_example_loss", [False, True])
def test_buckets_share_variables_and_losses_match_numpy(per_example_loss):
    with tf.Graph().as_default():
        encoder_inputs, decoder_inputs, outputs, losses = _build(
            per_example_loss=per_example_loss)
        assert v1.get_variable_scope().reuse is False
        variables = {v.op.name: v.get_shape().as_list() for v in v1.global_variables()}
        assert variables == TINY_VARIABLES
        assert [len(o) for o in outputs] == [2, 4]
        expected_shape = [None] if per_example_loss else []
        assert [loss.get_shape().as_list() for loss in losses] == [expected_shape] * 2
        feed = _random_feed(encoder_inputs, decoder_inputs, seed=1)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            got_outputs, got_losses = sess.run([outputs, losses], feed)
    for j, (_, decoder_length) in enumerate(BUCKETS):
        expected = _np_by_example(
            got_outputs[j], _bucket_targets(feed, decoder_inputs, decoder_length))
        if not per_example_loss:
            expected = expected.sum() / BATCH
        np.testing.assert_allclose(got_losses[j], expected, rtol=1e-5)


def test_each_bucket_sees_only_its_slice_of_the_inputs():
    with tf.Graph().as_default():
        encoder_inputs, decoder_inputs, outputs, _ = _build()
        feed = _random_feed(encoder_inputs, decoder_inputs, seed=2)
        changed = dict(feed)
        changed[encoder_inputs[2]] = (feed[encoder_inputs[2]] % (VOCAB - 1)) + 1
        changed[decoder_inputs[2]] = (feed[decoder_inputs[2]] % (VOCAB - 1)) + 1
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            before = sess.run(outputs, feed)
            after = sess.run(outputs, changed)
    # Bucket (2, 2) reads neither encoder_inputs[2] nor decoder_inputs[2].
    np.testing.assert_array_equal(before[0], after[0])
    # Bucket (3, 4) reads both: every step changes through the encoder state.
    for step in range(4):
        assert np.abs(before[1][step] - after[1][step]).max() > 1e-6


def test_name_scope_and_caller_scope():
    with tf.Graph().as_default():
        with v1.variable_scope("root") as root:
            _, _, outputs, losses = _build()
            assert v1.get_variable_scope() is root
            assert root.reuse is False
        _, _, named_outputs, _ = _build(name="mwb", seq2seq=_reusing(tiny_seq2seq, "root"))
        with v1.variable_scope("root", reuse=True):
            _, _, _, _ = _build()
            assert v1.get_variable_scope().reuse is True
        names = sorted(v.op.name for v in v1.global_variables())
    assert names == sorted("root/" + n for n in TINY_VARIABLES)
    assert outputs[0][0].name.startswith("root/model_with_buckets/root/tiny_seq2seq/")
    assert outputs[1][0].name.startswith("root/model_with_buckets/root_1/tiny_seq2seq/")
    assert losses[0].name.startswith("root/model_with_buckets/root/sequence_loss/")
    assert named_outputs[0][0].name.startswith("mwb/")


@pytest.mark.parametrize("stepwise", [False, True])
def test_softmax_loss_function_is_passed_through(stepwise):
    received = []

    def doubled(labels, inputs):  # TF 1.0 translate's signature
        received.append(labels)
        labels = tf.broadcast_to(tf.reshape(labels, [-1]), tf.shape(inputs)[:1])
        return 2.0 * tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=inputs)

    with tf.Graph().as_default(), fastpath.stepwise(stepwise):
        inputs = _inputs()
        _, _, _, plain = _build(inputs)
        with v1.variable_scope(v1.get_variable_scope(), reuse=True):
            _, _, _, custom = _build(inputs, softmax_loss_function=doubled)
        feed = _random_feed(inputs[0], inputs[1], seed=4)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            got_plain, got_custom = sess.run([plain, custom], feed)
    if stepwise:
        # TF 1.15: once per step of each bucket, with the step's own targets.
        assert len(received) == 2 + 4
        assert received[0] is inputs[1][1]
    else:
        # Traced once for the Tensor steps of both buckets, plus the int step.
        assert len(received) == 2
        assert received[0].op.type == "Placeholder"
    assert received[-1] == 0 and isinstance(received[-1], int)
    assert [loss.get_shape().as_list() for loss in custom] == [[], []]
    np.testing.assert_allclose(got_custom, 2.0 * np.array(got_plain), rtol=1e-5)


def test_length_errors_have_tf115_text_and_order():
    with tf.Graph().as_default():
        enc = _placeholders(3, "enc")
        dec = _placeholders(4, "dec")
        weights = [1.0] * 4
        with pytest.raises(ValueError, match=_exactly(
                "Length of encoder_inputs (2) must be at least that of last bucket (3).")):
            buckets.model_with_buckets(enc[:2], dec, dec[:3], weights[:3], BUCKETS, tiny_seq2seq)
        with pytest.raises(ValueError, match=_exactly(
                "Length of targets (3) must be at least that of last bucket (4).")):
            buckets.model_with_buckets(enc, dec, dec[:3], weights[:3], BUCKETS, tiny_seq2seq)
        with pytest.raises(ValueError, match=_exactly(
                "Length of weights (1) must be at least that of last bucket (4).")):
            buckets.model_with_buckets(enc, dec, dec, weights[:1], BUCKETS, tiny_seq2seq)
        # Only the last bucket is checked (TF 1.15 assumes it is the largest): too few
        # targets for the first bucket pass the checks and fail later, in the loss.
        with pytest.raises(ValueError, match=_exactly(
                "Lengths of logits, weights, and targets must be the same 4, 4, 3.")):
            buckets.model_with_buckets(enc, dec, dec[:3], weights, [(3, 4), (2, 2)],
                                       tiny_seq2seq)
        # A short decoder_inputs list is reported up front (TF 1.15 failed later, in
        # the loss), after the three TF 1.15 checks.
        message = "Length of decoder_inputs (3) must be at least that of last bucket (4)."
        with pytest.raises(ValueError, match=_exactly(message)):
            buckets.model_with_buckets(enc, dec[:3], dec, weights, BUCKETS, tiny_seq2seq)
        with pytest.raises(ValueError, match="Length of targets"):
            buckets.model_with_buckets(enc, dec[:3], dec[:3], weights, BUCKETS, tiny_seq2seq)
        assert v1.get_variable_scope().reuse is False


@pytest.mark.parametrize(
    "bad_buckets, fragment",
    [
        ([], r"`buckets` must be a non-empty list"),
        (None, r"`buckets` must be a non-empty list.*None"),
        ([(2, 2), (0, 4)], r"`buckets\[1\]` must be a pair .* of positive ints, got \(0, 4\)"),
        ([(2, 2, 2)], r"`buckets\[0\]` must be a pair"),
        ([3], r"`buckets\[0\]` must be a pair .* got 3"),
        ([(True, 2)], r"`buckets\[0\]` must be a pair"),
        ([(2.0, 2)], r"`buckets\[0\]` must be a pair"),
    ],
)
def test_invalid_buckets(bad_buckets, fragment):
    with tf.Graph().as_default():
        enc = _placeholders(3, "enc")
        with pytest.raises(ValueError, match=fragment):
            buckets.model_with_buckets(enc, enc, enc, enc, bad_buckets, tiny_seq2seq)


def test_numpy_int_buckets_are_accepted():
    with tf.Graph().as_default():
        enc = _placeholders(2, "enc")
        weights = [tf.ones([BATCH])] * 2
        outputs, _ = buckets.model_with_buckets(
            enc, enc, enc, weights, [(np.int64(1), np.int32(2))], tiny_seq2seq)
    assert len(outputs[0]) == 2


def test_type_errors():
    with tf.Graph().as_default():
        enc = _placeholders(3, "enc")
        dec = _placeholders(4, "dec")
        weights = [1.0] * 4
        with pytest.raises(TypeError, match="`seq2seq` must be callable.*str"):
            buckets.model_with_buckets(enc, dec, dec, weights, BUCKETS, "tiny_seq2seq")
        with pytest.raises(TypeError, match="`softmax_loss_function` must be callable.*int"):
            buckets.model_with_buckets(enc, dec, dec, weights, BUCKETS, tiny_seq2seq, 3)
        with pytest.raises(TypeError, match=r"`encoder_inputs` must be a Python list"):
            buckets.model_with_buckets(tf.stack(enc), dec, dec, weights, BUCKETS, tiny_seq2seq)
        with pytest.raises(TypeError, match=r"`weights` must be a Python list"):
            buckets.model_with_buckets(enc, dec, dec, tf.ones([4, BATCH]), BUCKETS, tiny_seq2seq)
        with pytest.raises(TypeError, match="`per_example_loss` must be a Python bool"):
            buckets.model_with_buckets(enc, dec, dec, weights, BUCKETS, tiny_seq2seq,
                                       per_example_loss=tf.constant(True))
        assert not v1.global_variables()  # every check ran before anything was built

        def only_outputs(encoder_inputs, decoder_inputs):
            return tiny_seq2seq(encoder_inputs, decoder_inputs)[0]

        with pytest.raises(TypeError, match=r"must return a pair \(outputs, state\).*bucket 0"):
            buckets.model_with_buckets(enc, dec, dec, weights, BUCKETS, only_outputs)


def test_eager_mode_is_refused():
    enc = [tf.constant([1, 2])] * 3
    with pytest.raises(RuntimeError, match="model_with_buckets was called in eager mode"):
        buckets.model_with_buckets(enc, enc, enc, [tf.ones([2])] * 3, [(3, 3)], tiny_seq2seq)


def test_training_lowers_the_loss():
    with tf.Graph().as_default():
        v1.set_random_seed(7)
        encoder_inputs, decoder_inputs, _, losses = _build()
        optimizer = v1.train.AdamOptimizer(0.1)
        train_op = optimizer.minimize(tf.add_n(losses))
        feed = _random_feed(encoder_inputs, decoder_inputs, seed=5)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            first = sess.run(losses, feed)
            for _ in range(15):
                sess.run(train_op, feed)
            last = sess.run(losses, feed)
    for before, after in zip(first, last):
        assert after < 0.6 * before
