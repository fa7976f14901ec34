"""Tests of legacy_seq2seq_compat.losses against TF 1.15's values and numpy."""

import functools

import numpy as np
import pytest
import tensorflow as tf

from legacy_seq2seq_compat import fastpath, losses

v1 = tf.compat.v1


def _tf_test_data():
    """The data of TF 1.15's testSequenceLoss: uniform logits, CE = ln 5."""
    logits = [tf.constant(i + 0.5, shape=[2, 5]) for i in range(3)]
    targets = [tf.constant(i, tf.int32, shape=[2]) for i in range(3)]
    weights = [tf.constant(1.0, shape=[2]) for _ in range(3)]
    return logits, targets, weights


def _np_crossent(logits, targets):
    """Sparse softmax cross-entropy, [B, C] logits and [B] ids -> [B]."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_softmax[np.arange(len(targets)), targets]


def _np_loss_by_example(logits, targets, weights, average_across_timesteps=True):
    total = sum(w * _np_crossent(x, t) for x, t, w in zip(logits, targets, weights))
    if average_across_timesteps:
        total = total / (sum(weights) + 1e-12)
    return total


def _random_problem(seed, steps=4, batch=3, classes=6):
    rng = np.random.RandomState(seed)
    logits = [rng.randn(batch, classes).astype(np.float32) for _ in range(steps)]
    targets = [rng.randint(0, classes, size=batch).astype(np.int32) for _ in range(steps)]
    weights = [rng.uniform(0.2, 2.0, size=batch).astype(np.float32) for _ in range(steps)]
    weights[1][0] = 0.0  # a zero weight in the middle of a sequence
    for w in weights:
        w[2] = 0.0  # example 2 has all-zero weights
    return logits, targets, weights


def test_tf115_golden_values():
    with tf.Graph().as_default():
        logits, targets, weights = _tf_test_data()
        both = losses.sequence_loss(logits, targets, weights)
        batch_only = losses.sequence_loss(
            logits, targets, weights, average_across_timesteps=False)
        total = losses.sequence_loss(
            logits, targets, weights, average_across_timesteps=False, average_across_batch=False)
        by_example = losses.sequence_loss_by_example(logits, targets, weights)
        by_example_sum = losses.sequence_loss_by_example(
            logits, targets, weights, average_across_timesteps=False)
        with v1.Session() as sess:
            values = sess.run([both, batch_only, total, by_example, by_example_sum])
    np.testing.assert_allclose(values[0], 1.60944, rtol=1e-5)
    np.testing.assert_allclose(values[1], 4.828314, rtol=1e-6)
    np.testing.assert_allclose(values[2], 9.656628, rtol=1e-6)
    np.testing.assert_allclose(values[3], [1.609438, 1.609438], rtol=1e-6)
    np.testing.assert_allclose(values[4], [4.828314, 4.828314], rtol=1e-6)


@pytest.mark.parametrize("average_across_timesteps", [True, False])
@pytest.mark.parametrize("average_across_batch", [True, False])
def test_matches_numpy_with_random_inputs(average_across_timesteps, average_across_batch):
    np_logits, np_targets, np_weights = _random_problem(seed=3)
    with tf.Graph().as_default():
        logits = [v1.placeholder(tf.float32, [None, 6]) for _ in np_logits]
        targets = [v1.placeholder(tf.int32, [None]) for _ in np_targets]
        weights = [v1.placeholder(tf.float32, [None]) for _ in np_weights]
        by_example = losses.sequence_loss_by_example(
            logits, targets, weights, average_across_timesteps=average_across_timesteps)
        total = losses.sequence_loss(
            logits, targets, weights, average_across_timesteps=average_across_timesteps,
            average_across_batch=average_across_batch)
        feed = dict(zip(logits + targets + weights, np_logits + np_targets + np_weights))
        with v1.Session() as sess:
            got_by_example, got_total = sess.run([by_example, total], feed)
    expected = _np_loss_by_example(np_logits, np_targets, np_weights, average_across_timesteps)
    assert by_example.get_shape().as_list() == [None]
    assert total.get_shape().as_list() == []
    np.testing.assert_allclose(got_by_example, expected, rtol=1e-5)
    assert got_by_example[2] == 0.0  # all-zero weights give 0, not NaN
    expected_total = expected.sum() / (3 if average_across_batch else 1)
    np.testing.assert_allclose(got_total, expected_total, rtol=1e-5)


def test_gradient_wrt_logits_matches_numpy():
    np_logits, np_targets, np_weights = _random_problem(seed=5)
    with tf.Graph().as_default():
        logits = [tf.constant(x) for x in np_logits]
        loss = losses.sequence_loss(logits, [tf.constant(t) for t in np_targets],
                                    [tf.constant(w) for w in np_weights])
        grads = tf.gradients(loss, logits)
        with v1.Session() as sess:
            got = sess.run(grads)
    batch = np_logits[0].shape[0]
    total_weight = sum(np_weights) + 1e-12
    for x, t, w, g in zip(np_logits, np_targets, np_weights, got):
        softmax = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
        onehot = np.eye(x.shape[1])[t]
        expected = (softmax - onehot) * (w / total_weight / batch)[:, None]
        np.testing.assert_allclose(g, expected, rtol=1e-4, atol=1e-7)


def test_name_scopes():
    # Built step by step, the ops inside the scopes are named as in TF 1.15.
    with tf.Graph().as_default() as graph, fastpath.stepwise():
        logits, targets, weights = _tf_test_data()
        first = losses.sequence_loss(logits, targets, weights)
        second = losses.sequence_loss(logits, targets, weights)
        named = losses.sequence_loss(logits, targets, weights, name="my_loss")
        by_example = losses.sequence_loss_by_example(logits, targets, weights)
        by_example_named = losses.sequence_loss_by_example(logits, targets, weights, name="per_ex")
        op_names = [op.name for op in graph.get_operations()]
    assert first.name == "sequence_loss/truediv:0"
    assert second.name.startswith("sequence_loss_1/")
    assert named.name.startswith("my_loss/")
    assert by_example.name == "sequence_loss_by_example/truediv:0"
    assert by_example_named.name.startswith("per_ex/")
    # The per-example part of sequence_loss gets its own nested default scope.
    assert "sequence_loss/sequence_loss_by_example/AddN" in op_names
    assert "sequence_loss/sequence_loss_by_example/SparseSoftmaxCrossEntropyWithLogits_2/" \
        "SparseSoftmaxCrossEntropyWithLogits" in op_names
    assert "my_loss/sequence_loss_by_example/truediv" in op_names


def test_all_steps_in_one_cross_entropy_keep_the_scopes():
    with tf.Graph().as_default() as graph:
        logits, targets, weights = _tf_test_data()
        loss = losses.sequence_loss(logits, targets, weights)
        crossents = [op.name for op in graph.get_operations()
                     if op.type == "SparseSoftmaxCrossEntropyWithLogits"]
    assert loss.name == "sequence_loss/truediv:0"
    assert crossents == ["sequence_loss/sequence_loss_by_example/"
                         "SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits"]


def test_name_scope_uses_the_inputs_graph():
    other = tf.Graph()
    with other.as_default():
        logits, targets, weights = _tf_test_data()
    with tf.Graph().as_default():
        loss = losses.sequence_loss(logits, targets, weights)
    assert loss.graph is other


# -- softmax_loss_function calling conventions --------------------------------------------------

def _checked_crossent(labels, logits):
    """Fails loudly if the two values arrive swapped."""
    assert labels.dtype.is_integer, f"labels got {labels.dtype}"
    assert logits.dtype.is_floating, f"logits got {logits.dtype}"
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)


def tf115_keywords(labels, logits):
    return _checked_crossent(labels, logits)


def tf115_keywords_reversed(logits, labels):
    return _checked_crossent(labels, logits)


def tf10_translate(labels, inputs):
    return _checked_crossent(labels, inputs)


def tf012_translate(inputs, labels):
    return _checked_crossent(labels, inputs)


def logits_targets(logits, targets):
    return _checked_crossent(targets, logits)


def scaled_loss(scale, labels, logit):
    return scale * _checked_crossent(labels, logit)


def unknown_names(a, b):
    return _checked_crossent(a, b)


def one_known_name(x, labels):
    return _checked_crossent(labels, x)


def keyword_only(*, target, output, name=None):
    return _checked_crossent(target, output)


class CallableLoss:
    def __init__(self):
        self.calls = 0

    def __call__(self, inputs, target):
        self.calls += 1
        return _checked_crossent(target, inputs)


CONVENTIONS = {
    "keywords": tf115_keywords,
    "keywords_reversed_order": tf115_keywords_reversed,
    "labels_inputs": tf10_translate,
    "inputs_labels": tf012_translate,
    "logits_targets": logits_targets,
    "lambda_kwargs": lambda **kw: _checked_crossent(kw["labels"], kw["logits"]),
    "lambda_args_kwargs": lambda *args, **kw: _checked_crossent(kw["labels"], kw["logits"]),
    "lambda_varargs": lambda *args: _checked_crossent(args[0], args[1]),
    "partial_positional": functools.partial(scaled_loss, 1.0),
    "partial_keyword": functools.partial(scaled_loss, scale=1.0),
    "unknown_names_tf10_order": unknown_names,
    "one_known_name": one_known_name,
    "keyword_only_aliases": keyword_only,
    "callable_object": CallableLoss(),
    "tf_op_itself": tf.nn.sparse_softmax_cross_entropy_with_logits,
    "tf_compat_v1_op": v1.nn.sparse_softmax_cross_entropy_with_logits,
}


@pytest.mark.parametrize("loss_fn", list(CONVENTIONS.values()), ids=list(CONVENTIONS))
def test_loss_function_conventions_match_default(loss_fn):
    np_logits, np_targets, np_weights = _random_problem(seed=11)
    with tf.Graph().as_default():
        logits = [tf.constant(x) for x in np_logits]
        targets = [tf.constant(t) for t in np_targets]
        weights = [tf.constant(w) for w in np_weights]
        custom = losses.sequence_loss(logits, targets, weights, softmax_loss_function=loss_fn)
        custom_by_example = losses.sequence_loss_by_example(
            logits, targets, weights, softmax_loss_function=loss_fn)
        with v1.Session() as sess:
            got, got_by_example = sess.run([custom, custom_by_example])
    expected = _np_loss_by_example(np_logits, np_targets, np_weights)
    np.testing.assert_allclose(got_by_example, expected, rtol=1e-5)
    np.testing.assert_allclose(got, expected.sum() / 3, rtol=1e-5)


@pytest.mark.parametrize("stepwise", [False, True])
def test_callable_object_called_once_per_step_shape_or_per_step_when_stepwise(stepwise):
    loss_fn = CallableLoss()
    with tf.Graph().as_default(), fastpath.stepwise(stepwise):
        logits, targets, weights = _tf_test_data()
        losses.sequence_loss(logits, targets, weights, softmax_loss_function=loss_fn)
    # Traced once for the three steps of one shape; TF 1.15 called it per step.
    assert loss_fn.calls == (3 if stepwise else 1)


@pytest.mark.parametrize("stepwise", [False, True])
def test_loss_function_gets_targets_unchanged(stepwise):
    received = []

    def loss_fn(labels, logits):
        received.append(labels)
        labels = tf.reshape(labels, [-1])
        return tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.broadcast_to(labels, tf.shape(logits)[:1]), logits=logits)

    with tf.Graph().as_default(), fastpath.stepwise(stepwise):
        logits, targets, weights = _tf_test_data()
        losses.sequence_loss(logits, targets[:2] + [0], weights, softmax_loss_function=loss_fn)
    if stepwise:
        # TF 1.15: every step's own target Tensor.
        assert received[:2] == targets[:2]
    else:
        # One trace for both Tensor steps: a placeholder of the targets' shape.
        assert len(received) == 2 and received[0].op.type == "Placeholder"
        assert received[0].get_shape() == targets[0].get_shape()
    # A Python int cannot be traced: it is passed unchanged in both modes.
    assert received[-1] == 0 and isinstance(received[-1], int)


def test_loss_function_that_cannot_take_labels_and_logits():
    def needs_three(labels, logits, num_sampled):
        return labels

    with tf.Graph().as_default():
        logits, targets, weights = _tf_test_data()
        with pytest.raises(TypeError, match=r"cannot be called with one step's labels and logits"):
            losses.sequence_loss(logits, targets, weights, softmax_loss_function=needs_three)
        with pytest.raises(TypeError, match=r"signature is \(only\)"):
            losses.sequence_loss_by_example(
                logits, targets, weights, softmax_loss_function=lambda only: only)
        with pytest.raises(TypeError, match=r"`softmax_loss_function` must be callable.*int"):
            losses.sequence_loss(logits, targets, weights, softmax_loss_function=5)


def test_loss_function_without_signature_gets_tf115_keywords():
    class NoSignature:
        @property
        def __signature__(self):
            raise ValueError("no signature")

        def __call__(self, **kwargs):
            self.keys = sorted(kwargs)
            return _checked_crossent(kwargs["labels"], kwargs["logits"])

    loss_fn = NoSignature()
    with tf.Graph().as_default():
        logits, targets, weights = _tf_test_data()
        loss = losses.sequence_loss(logits, targets, weights, softmax_loss_function=loss_fn)
        with v1.Session() as sess:
            np.testing.assert_allclose(sess.run(loss), 1.60944, rtol=1e-5)
    assert loss_fn.keys == ["labels", "logits"]


# -- flags, ranks, dtypes -----------------------------------------------------------------------

def test_int_as_fourth_positional_argument_is_a_truth_value():
    with tf.Graph().as_default():
        logits, targets, weights = _tf_test_data()
        # Old code passed num_decoder_symbols (an int) in this position.
        by_example = losses.sequence_loss_by_example(logits, targets, weights, 5)
        by_example_zero = losses.sequence_loss_by_example(logits, targets, weights, 0)
        total = losses.sequence_loss(logits, targets, weights, 5)
        total_numpy_false = losses.sequence_loss(logits, targets, weights, np.bool_(False))
        with v1.Session() as sess:
            values = sess.run([by_example, by_example_zero, total, total_numpy_false])
    np.testing.assert_allclose(values[0], [1.609438] * 2, rtol=1e-6)
    np.testing.assert_allclose(values[1], [4.828314] * 2, rtol=1e-6)
    np.testing.assert_allclose(values[2], 1.60944, rtol=1e-5)
    np.testing.assert_allclose(values[3], 4.828314, rtol=1e-6)


def test_tensor_flags_are_rejected():
    with tf.Graph().as_default():
        logits, targets, weights = _tf_test_data()
        with pytest.raises(TypeError, match="`average_across_timesteps` must be a Python bool"):
            losses.sequence_loss_by_example(logits, targets, weights, tf.constant(True))
        with pytest.raises(TypeError, match="`average_across_batch` must be a Python bool"):
            losses.sequence_loss(logits, targets, weights, average_across_batch=tf.constant(True))


def test_rank1_float_logits_with_user_loss():
    rng = np.random.RandomState(2)
    np_logits = [rng.randn(4).astype(np.float32) for _ in range(3)]
    np_targets = [rng.randn(4).astype(np.float32) for _ in range(3)]
    np_weights = [rng.uniform(0.5, 1.5, 4).astype(np.float32) for _ in range(3)]

    def squared_error(labels, logits):
        return tf.square(labels - logits)

    with tf.Graph().as_default():
        loss = losses.sequence_loss(
            [tf.constant(x) for x in np_logits], [tf.constant(t) for t in np_targets],
            [tf.constant(w) for w in np_weights], softmax_loss_function=squared_error)
        with v1.Session() as sess:
            got = sess.run(loss)
    per_example = sum(w * (t - x) ** 2 for x, t, w in zip(np_logits, np_targets, np_weights))
    expected = (per_example / (sum(np_weights) + 1e-12)).sum() / 4
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_scalar_python_int_target_is_repeated_over_the_batch():
    np_logits, np_targets, np_weights = _random_problem(seed=7)
    np_targets[-1] = np.zeros(3, np.int32)
    with tf.Graph().as_default():
        logits = [v1.placeholder(tf.float32, [None, 6]) for _ in np_logits]
        targets = [tf.constant(t) for t in np_targets[:-1]] + [0]
        weights = [tf.constant(w) for w in np_weights]
        loss = losses.sequence_loss_by_example(logits, targets, weights)
        with v1.Session() as sess:
            got = sess.run(loss, dict(zip(logits, np_logits)))
    expected = _np_loss_by_example(np_logits, np_targets, np_weights)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_float64_and_int64():
    np_logits, np_targets, np_weights = _random_problem(seed=9)
    with tf.Graph().as_default():
        loss = losses.sequence_loss(
            [tf.constant(x, tf.float64) for x in np_logits],
            [tf.constant(t, tf.int64) for t in np_targets],
            [tf.constant(w, tf.float64) for w in np_weights])
        assert loss.dtype == tf.float64
        with v1.Session() as sess:
            got = sess.run(loss)
    expected = _np_loss_by_example(
        [x.astype(np.float64) for x in np_logits], np_targets,
        [w.astype(np.float64) for w in np_weights]).sum() / 3
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_tuples_are_accepted():
    with tf.Graph().as_default():
        logits, targets, weights = _tf_test_data()
        loss = losses.sequence_loss(tuple(logits), tuple(targets), tuple(weights))
        with v1.Session() as sess:
            np.testing.assert_allclose(sess.run(loss), 1.60944, rtol=1e-5)


def test_runs_eagerly():
    logits = [tf.constant([[2.0, 0.0], [0.0, 1.0]])] * 2
    targets = [tf.constant([0, 1])] * 2
    weights = [tf.constant([1.0, 0.5])] * 2
    loss = losses.sequence_loss(logits, targets, weights)
    expected = _np_crossent(np.array([[2.0, 0.0], [0.0, 1.0]]), np.array([0, 1])).sum() / 2
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-5)


# -- errors -------------------------------------------------------------------------------------

@pytest.mark.parametrize("loss", [losses.sequence_loss, losses.sequence_loss_by_example])
def test_argument_errors(loss):
    with tf.Graph().as_default():
        logits, targets, weights = _tf_test_data()
        with pytest.raises(TypeError,
                           match=r"`logits` must be a Python list.*got a single Tensor of shape"):
            loss(tf.stack(logits), targets, weights)
        with pytest.raises(TypeError, match=r"`targets` must be a Python list.*single Tensor"):
            loss(logits, tf.stack(targets), weights)
        with pytest.raises(TypeError, match="`weights` must be a Python list.*got float"):
            loss(logits, targets, 1.0)
        with pytest.raises(
                ValueError,
                match=r"^Lengths of logits, weights, and targets must be the same 3, 2, 3\."):
            loss(logits, targets, weights[:2])
        with pytest.raises(
                ValueError,
                match=r"^Lengths of logits, weights, and targets must be the same 3, 3, 1\."):
            loss(logits, targets[:1], weights)
        with pytest.raises(ValueError, match="must not be empty"):
            loss([], [], [])
        float_targets = [tf.cast(t, tf.float32) for t in targets]
        with pytest.raises(TypeError, match=r"`targets\[0\]` must hold integer class ids.*float32"
                                            r".*softmax_loss_function"):
            loss(logits, float_targets, weights)
        with pytest.raises(TypeError, match=r"`targets\[2\]` must hold integer.*got dtype float32"):
            loss(logits, targets[:2] + [1.5], weights)
        rank3 = [tf.zeros([2, 1, 5])] * 3
        with pytest.raises(ValueError, match=r"`logits\[0\]` must be 2-D.*\(2, 1, 5\)"):
            loss(rank3, targets, weights)


def test_average_across_batch_needs_a_batch_dimension():
    with tf.Graph().as_default():
        logits, targets, weights = _tf_test_data()
        with pytest.raises(ValueError, match=r"`targets\[0\]` must have a batch dimension"):
            losses.sequence_loss(logits, [0] + targets[1:], weights)
        # Without batch averaging TF 1.15 accepted it, and so do we.
        loss = losses.sequence_loss(logits, [0] + targets[1:], weights, average_across_batch=False)
        with v1.Session() as sess:
            np.testing.assert_allclose(sess.run(loss), 2 * 1.609438, rtol=1e-6)
