"""TF1Module: the 13 functions and the cells in eager mode and inside tf.function.

Every configuration is built twice: once in a TF1 graph (the reference, run
in a Session), once through TF1Module in eager mode, with the same weights.
Outputs, gradients and variable names must agree, and the module must load
the graph's TF1 checkpoint.
"""


import json
import os
import subprocess
import sys

import ckpt_fixtures
import numpy as np
import pytest
import tensorflow as tf
from conftest import import_reference

from legacy_seq2seq_compat import checkpoints, legacy_seq2seq, rnn, rnn_cell, tf2

v1 = tf.compat.v1

pytestmark = pytest.mark.skipif(not tf.executing_eagerly(),
                                reason="TF1Module needs TF2 eager execution")

BATCH = 3


# -- the configurations: build function + numpy inputs ------------------------------------

def _ids(rng, vocab, steps):
    return [rng.randint(0, vocab, size=[BATCH]).astype(np.int32) for _ in range(steps)]


def _floats(rng, steps, depth):
    return [rng.uniform(-1, 1, [BATCH, depth]).astype(np.float32) for _ in range(steps)]


def _projection(rows, cols):
    w = v1.get_variable("proj_w", [rows, cols])
    b = v1.get_variable("proj_b", [cols])
    return w, b


def _loop(prev, _):
    # A user loop_function: feeds back a squashed copy of the previous output.
    return tf.tanh(prev)


def _rnn_decoder(dec, state):
    return legacy_seq2seq.rnn_decoder(dec, state, rnn_cell.GRUCell(5))


def _rnn_decoder_loop(dec, state):
    return legacy_seq2seq.rnn_decoder(dec, state, rnn_cell.GRUCell(4), loop_function=_loop)


def _basic(enc, dec):
    return legacy_seq2seq.basic_rnn_seq2seq(enc, dec, rnn_cell.BasicLSTMCell(4))


def _tied(enc, dec):
    return legacy_seq2seq.tied_rnn_seq2seq(enc, dec, rnn_cell.GRUCell(4), loop_function=_loop)


def _embedding_rnn_decoder(dec, state):
    return legacy_seq2seq.embedding_rnn_decoder(
        dec, state, rnn_cell.GRUCell(5), num_symbols=7, embedding_size=4,
        output_projection=_projection(5, 7), feed_previous=True)


def _embedding_rnn_seq2seq(enc, dec, feed_previous):
    cell = rnn_cell.BasicLSTMCell(5)
    return legacy_seq2seq.embedding_rnn_seq2seq(
        enc, dec, cell, num_encoder_symbols=6, num_decoder_symbols=7, embedding_size=4,
        feed_previous=feed_previous)


def _embedding_tied(enc, dec):
    return legacy_seq2seq.embedding_tied_rnn_seq2seq(
        enc, dec, rnn_cell.GRUCell(5), num_symbols=7, embedding_size=4, num_decoder_symbols=6)


def _attention_decoder(dec, state, attention_states):
    return legacy_seq2seq.attention_decoder(
        dec, state, attention_states, rnn_cell.GRUCell(5), num_heads=2)


def _embedding_attention_decoder(dec, state, attention_states):
    return legacy_seq2seq.embedding_attention_decoder(
        dec, state, attention_states, rnn_cell.GRUCell(5), num_symbols=7,
        embedding_size=4, feed_previous=True, initial_state_attention=True)


def _embedding_attention_seq2seq(enc, dec, feed_previous):
    cell = rnn_cell.MultiRNNCell([rnn_cell.GRUCell(5) for _ in range(2)])
    return legacy_seq2seq.embedding_attention_seq2seq(
        enc, dec, cell, num_encoder_symbols=6, num_decoder_symbols=7, embedding_size=4,
        num_heads=2, output_projection=_projection(5, 7), feed_previous=feed_previous)


def _one2many(enc, dec_a, dec_b):
    cells = {"a": rnn_cell.GRUCell(5), "b": rnn_cell.GRUCell(5)}
    return legacy_seq2seq.one2many_rnn_seq2seq(
        enc, {"a": dec_a, "b": dec_b}, rnn_cell.GRUCell(5), cells, num_encoder_symbols=6,
        num_decoder_symbols_dict={"a": 7, "b": 4}, embedding_size=4)


def _sequence_loss_by_example(logits, targets, weights):
    return legacy_seq2seq.sequence_loss_by_example(logits, targets, weights)


def _sequence_loss(logits, targets, weights):
    return legacy_seq2seq.sequence_loss(logits, targets, weights)


def _model_with_buckets(enc, dec, targets, weights):
    cell = rnn_cell.GRUCell(5)

    def seq2seq(e, d):
        return legacy_seq2seq.embedding_attention_seq2seq(
            e, d, cell, num_encoder_symbols=6, num_decoder_symbols=7, embedding_size=4)

    return legacy_seq2seq.model_with_buckets(enc, dec, targets, weights, [(2, 2), (3, 3)],
                                             seq2seq)


def _cell_step(x, state):
    return rnn_cell.LSTMCell(4, num_proj=3, use_peepholes=True)(x, state)


def _static_bidirectional(inputs):
    return rnn.static_bidirectional_rnn(rnn_cell.GRUCell(3), rnn_cell.BasicLSTMCell(2),
                                        inputs, dtype=tf.float32)


def _inputs(name, rng):
    """The numpy arguments of configuration `name`."""
    state5 = rng.uniform(-1, 1, [BATCH, 5]).astype(np.float32)
    attention = rng.uniform(-1, 1, [BATCH, 4, 5]).astype(np.float32)
    table = {
        "rnn_decoder": lambda: (_floats(rng, 3, 4), state5),
        "rnn_decoder_loop_function": lambda: (
            _floats(rng, 3, 4), rng.uniform(-1, 1, [BATCH, 4]).astype(np.float32)),
        "basic_rnn_seq2seq": lambda: (_floats(rng, 4, 3), _floats(rng, 3, 3)),
        "tied_rnn_seq2seq": lambda: (_floats(rng, 4, 4), _floats(rng, 3, 4)),
        "embedding_rnn_decoder": lambda: (_ids(rng, 7, 3), state5),
        "embedding_rnn_seq2seq": lambda: (_ids(rng, 6, 4), _ids(rng, 7, 3), False),
        "embedding_rnn_seq2seq_feed_previous_tensor": lambda: (
            _ids(rng, 6, 4), _ids(rng, 7, 3), np.array(True)),
        "embedding_tied_rnn_seq2seq": lambda: (_ids(rng, 7, 4), _ids(rng, 7, 3)),
        "attention_decoder": lambda: (_floats(rng, 3, 4), state5, attention),
        "embedding_attention_decoder": lambda: (_ids(rng, 7, 3), state5, attention),
        "embedding_attention_seq2seq": lambda: (_ids(rng, 6, 4), _ids(rng, 7, 3), False),
        "embedding_attention_seq2seq_feed_previous": lambda: (
            _ids(rng, 6, 4), _ids(rng, 7, 3), True),
        "one2many_rnn_seq2seq": lambda: (_ids(rng, 6, 4), _ids(rng, 7, 3), _ids(rng, 4, 2)),
        "sequence_loss_by_example": lambda: (
            _floats(rng, 3, 7), _ids(rng, 7, 3),
            [rng.uniform(0, 1, [BATCH]).astype(np.float32) for _ in range(3)]),
        "sequence_loss": lambda: (_floats(rng, 3, 7), _ids(rng, 7, 3), [
            rng.uniform(0, 1, [BATCH]).astype(np.float32) for _ in range(3)]),
        "model_with_buckets": lambda: (
            _ids(rng, 6, 3), _ids(rng, 7, 3), _ids(rng, 7, 3),
            [rng.uniform(0, 1, [BATCH]).astype(np.float32) for _ in range(3)]),
        "LSTMCell_step": lambda: (
            rng.uniform(-1, 1, [BATCH, 2]).astype(np.float32),
            rnn_cell.LSTMStateTuple(rng.uniform(-1, 1, [BATCH, 4]).astype(np.float32),
                                    rng.uniform(-1, 1, [BATCH, 3]).astype(np.float32))),
        "static_bidirectional_rnn": lambda: (_floats(rng, 3, 2),),
    }
    return table[name]()


BUILDERS = {
    "rnn_decoder": _rnn_decoder,
    "rnn_decoder_loop_function": _rnn_decoder_loop,
    "basic_rnn_seq2seq": _basic,
    "tied_rnn_seq2seq": _tied,
    "embedding_rnn_decoder": _embedding_rnn_decoder,
    "embedding_rnn_seq2seq": _embedding_rnn_seq2seq,
    "embedding_rnn_seq2seq_feed_previous_tensor": _embedding_rnn_seq2seq,
    "embedding_tied_rnn_seq2seq": _embedding_tied,
    "attention_decoder": _attention_decoder,
    "embedding_attention_decoder": _embedding_attention_decoder,
    "embedding_attention_seq2seq": _embedding_attention_seq2seq,
    "embedding_attention_seq2seq_feed_previous": _embedding_attention_seq2seq,
    "one2many_rnn_seq2seq": _one2many,
    "sequence_loss_by_example": _sequence_loss_by_example,
    "sequence_loss": _sequence_loss,
    "model_with_buckets": _model_with_buckets,
    "LSTMCell_step": _cell_step,
    "static_bidirectional_rnn": _static_bidirectional,
}


def test_every_public_function_is_covered():
    covered = {name for name in BUILDERS if name in legacy_seq2seq.__all__}
    assert covered == set(legacy_seq2seq.__all__)


# -- helpers -----------------------------------------------------------------------------

def _is_array(value):
    return isinstance(value, np.ndarray)


def _placeholders(args):
    """Graph placeholders for the numpy leaves of `args` (batch dimension unknown)."""
    def make(value):
        if not _is_array(value):
            return value
        shape = [None] + list(value.shape[1:]) if value.ndim else []
        return v1.placeholder(tf.as_dtype(value.dtype), shape)

    return tf.nest.map_structure(make, args)


def _loss(outputs):
    """A scalar of every float output, so that each one gets a gradient."""
    floats = [t for t in tf.nest.flatten(outputs) if t is not None and t.dtype.is_floating]
    return tf.add_n([tf.reduce_sum(tf.square(t)) * (i + 1) for i, t in enumerate(floats)])


def _dense(value):
    """A gradient as a dense numpy array (IndexedSlices summed into place)."""
    if value is None:
        return None
    if hasattr(value, "indices"):
        if isinstance(value.values, np.ndarray):  # IndexedSlicesValue from a Session
            out = np.zeros(value.dense_shape, value.values.dtype)
            np.add.at(out, value.indices, value.values)
            return out
        return tf.convert_to_tensor(value).numpy()
    return np.asarray(value)


def _graph_reference(builder, args, seed):
    """(names, shapes, outputs, gradients, weights) of the TF1 graph-mode model."""
    with tf.Graph().as_default():
        feeds = _placeholders(args)
        outputs = builder(*feeds)
        variables = v1.global_variables()
        loss = _loss(outputs)
        grads = tf.gradients(loss, variables) if variables else []
        flat_out = [t for t in tf.nest.flatten(outputs) if t is not None]
        feed_dict = {p: a for p, a in zip(tf.nest.flatten(feeds), tf.nest.flatten(args))
                     if _is_array(a)}
        weights = ckpt_fixtures.random_tensors(
            {v.op.name: v.shape.as_list() for v in variables}, seed)
        with v1.Session() as sess:
            for v in variables:
                v.load(weights[v.op.name], sess)
            out_values, grad_values = sess.run([flat_out, [g for g in grads if g is not None]],
                                               feed_dict)
        grad_iter = iter(grad_values)
        grad_by_name = {v.op.name: (_dense(next(grad_iter)) if g is not None else None)
                        for v, g in zip(variables, grads)}
        names = [v.op.name for v in variables]
        shapes = [v.shape.as_list() for v in variables]
    return names, shapes, out_values, grad_by_name, weights


def _assign(module, weights):
    for name, variable in module.variables_by_name.items():
        variable.assign(weights[name])


# -- parity with graph mode --------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_eager_matches_graph_mode(name):
    builder = BUILDERS[name]
    args = _inputs(name, np.random.RandomState(len(name)))
    names, shapes, graph_out, graph_grads, weights = _graph_reference(builder, args, seed=7)

    module = tf2.TF1Module(builder)
    module(*args)  # creates the variables
    assert list(module.variables_by_name) == names
    assert [v.shape.as_list() for v in module.variables_by_name.values()] == shapes
    assert all(isinstance(v, tf.Variable) and v.name == n + ":0"
               for n, v in module.variables_by_name.items())
    _assign(module, weights)

    with tf.GradientTape() as tape:
        outputs = module(*args)
        loss = _loss(outputs)
    flat = [t for t in tf.nest.flatten(outputs) if t is not None]
    assert all(isinstance(t, tf.Tensor) and hasattr(t, "numpy") for t in flat)
    assert len(flat) == len(graph_out)
    for got, want in zip(flat, graph_out):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-6)

    variables = list(module.variables_by_name.values())
    if variables:
        grads = tape.gradient(loss, variables)
        for var_name, grad in zip(names, grads):
            want = graph_grads[var_name]
            if want is None:
                assert grad is None, var_name
            else:
                np.testing.assert_allclose(_dense(grad), want, rtol=1e-5, atol=1e-5,
                                           err_msg=var_name)

    # The same module inside tf.function: same numbers, no new variables.
    in_function = tf.function(lambda *a: module(*a))
    tensor_args = tf.nest.map_structure(
        lambda a: tf.constant(a) if _is_array(a) else a, args)
    for got, want in zip([t for t in tf.nest.flatten(in_function(*tensor_args))
                          if t is not None], graph_out):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-5)
    assert list(module.variables_by_name) == names


def test_tf1_checkpoint_restores_into_module(tmp_path):
    builder = BUILDERS["embedding_attention_seq2seq"]
    args = _inputs("embedding_attention_seq2seq", np.random.RandomState(0))
    names, _, graph_out, _, weights = _graph_reference(builder, args, seed=3)
    prefix = ckpt_fixtures.write_checkpoint(str(tmp_path / "tf1" / "model.ckpt"), weights)

    module = tf2.TF1Module(builder)
    module(*args)
    restored = module.load_tf1_checkpoint(str(tmp_path / "tf1"))  # a directory works too
    assert sorted(restored) == sorted(names)
    for got, want in zip(tf.nest.flatten(module(*args)), graph_out):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-6)
    assert prefix.endswith("model.ckpt")


@pytest.mark.parametrize("era", ["1.0", "0.12"])
def test_old_era_checkpoint_restores_into_module(tmp_path, era):
    builder = BUILDERS["embedding_attention_seq2seq"]
    args = _inputs("embedding_attention_seq2seq", np.random.RandomState(1))
    _, _, graph_out, _, weights = _graph_reference(builder, args, seed=4)
    old = ckpt_fixtures.to_old_era(weights, era)
    assert set(old) != set(weights)
    prefix = ckpt_fixtures.write_checkpoint(str(tmp_path / "old.ckpt"), old)

    module = tf2.TF1Module(builder)
    module(*args)
    module.load_tf1_checkpoint(prefix)
    for got, want in zip(tf.nest.flatten(module(*args)), graph_out):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-6)


def test_save_tf1_checkpoint_restores_in_graph_mode(tmp_path):
    builder = BUILDERS["embedding_rnn_seq2seq"]
    args = _inputs("embedding_rnn_seq2seq", np.random.RandomState(2))
    module = tf2.TF1Module(builder)
    eager_out = [t.numpy() for t in tf.nest.flatten(module(*args))]
    prefix = module.save_tf1_checkpoint(str(tmp_path / "eager.ckpt"), global_step=5)
    assert prefix == str(tmp_path / "eager.ckpt-5")
    assert tf.train.latest_checkpoint(str(tmp_path)) == prefix
    assert (tmp_path / "checkpoint").read_text().splitlines() == [
        'model_checkpoint_path: "eager.ckpt-5"', 'all_model_checkpoint_paths: "eager.ckpt-5"']
    assert sorted(n for n, _ in tf.train.list_variables(prefix)) == sorted(
        module.variables_by_name)
    with tf.Graph().as_default():
        feeds = _placeholders(args)
        outputs = builder(*feeds)
        with v1.Session() as sess:
            v1.train.Saver().restore(sess, prefix)
            feed_dict = {p: a for p, a in zip(tf.nest.flatten(feeds), tf.nest.flatten(args))
                         if _is_array(a)}
            graph_out = sess.run(tf.nest.flatten(outputs), feed_dict)
    for got, want in zip(eager_out, graph_out):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_mismatching_checkpoint_changes_nothing(tmp_path):
    module = tf2.TF1Module(BUILDERS["embedding_rnn_seq2seq"])
    module(*_inputs("embedding_rnn_seq2seq", np.random.RandomState(0)))
    before = {n: v.numpy() for n, v in module.variables_by_name.items()}
    wrong = {n: np.ones(v.shape, np.float32) for n, v in before.items()}
    dropped = sorted(wrong)[0]
    del wrong[dropped]
    prefix = ckpt_fixtures.write_checkpoint(str(tmp_path / "partial.ckpt"), wrong)
    with pytest.raises(checkpoints.CheckpointMismatchError, match="missing from the checkpoint"):
        module.load_tf1_checkpoint(prefix)
    for name, value in module.variables_by_name.items():
        np.testing.assert_array_equal(value.numpy(), before[name])


# -- variables: created once, tracked, trainable ------------------------------------------

def test_variables_are_created_once_across_traces():
    module = tf2.TF1Module(BUILDERS["embedding_attention_seq2seq"])
    rng = np.random.RandomState(0)
    module(_ids(rng, 6, 4), _ids(rng, 7, 3), False)
    first = dict(module.variables_by_name)
    # Another batch size reuses the trace; feed_previous=True and longer inputs retrace.
    module([np.zeros([5], np.int32)] * 4, [np.zeros([5], np.int32)] * 3, False)
    module(_ids(rng, 6, 4), _ids(rng, 7, 3), True)
    module(_ids(rng, 6, 6), _ids(rng, 7, 5), False)
    assert len(module._traces) == 3
    assert module.variables_by_name.keys() == first.keys()
    assert all(module.variables_by_name[n] is v for n, v in first.items())
    assert len(module.variables) == len(first) == len(module.trainable_variables)
    # Nothing leaks into the eager context's collections.
    assert v1.get_collection(v1.GraphKeys.GLOBAL_VARIABLES) == []


def test_relax_batch_dimension_false_retraces_per_batch():
    module = tf2.TF1Module(BUILDERS["rnn_decoder"], relax_batch_dimension=False)
    rng = np.random.RandomState(0)
    module(*_inputs("rnn_decoder", rng))
    module(_floats(rng, 3, 4)[:1] * 3, np.zeros([BATCH, 5], np.float32))
    module([np.zeros([2, 4], np.float32)] * 3, np.zeros([2, 5], np.float32))
    assert len(module._traces) == 2


def test_tf2_checkpoint_round_trip_with_deferred_restore(tmp_path):
    args = _inputs("embedding_attention_seq2seq", np.random.RandomState(0))
    module = tf2.TF1Module(BUILDERS["embedding_attention_seq2seq"])
    want = [t.numpy() for t in tf.nest.flatten(module(*args))]
    path = tf.train.Checkpoint(model=module).save(str(tmp_path / "tf2"))

    fresh = tf2.TF1Module(BUILDERS["embedding_attention_seq2seq"])
    status = tf.train.Checkpoint(model=fresh).restore(path)  # before any variable exists
    got = [t.numpy() for t in tf.nest.flatten(fresh(*args))]
    status.assert_consumed()
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


@pytest.fixture
def global_seed():
    """A fixed global seed for the test, unset afterwards."""
    tf.random.set_seed(0)
    yield
    tf.random.set_seed(None)


def test_training_with_gradient_tape_in_tf_function_lowers_the_loss(global_seed):
    # Seeded: how fast the loss falls depends on the initial weights, and
    # an unlucky unseeded draw made 30 steps fall short of halving it.
    rng = np.random.RandomState(0)
    enc, dec, targets, weights = _inputs("model_with_buckets", rng)
    module = tf2.TF1Module(lambda e, d, t, w: BUILDERS["model_with_buckets"](e, d, t, w)[1][1])
    enc, dec, targets = ([tf.constant(x) for x in seq] for seq in (enc, dec, targets))
    weights = [tf.constant(w) for w in weights]
    module(enc, dec, targets, weights)

    @tf.function
    def train_step():
        with tf.GradientTape() as tape:
            loss = module(enc, dec, targets, weights)
        grads = tape.gradient(loss, module.trainable_variables)
        for variable, grad in zip(module.trainable_variables, grads):
            variable.assign_sub(0.5 * tf.convert_to_tensor(grad))
        return loss

    losses = [float(train_step()) for _ in range(30)]
    assert losses[-1] < 0.5 * losses[0], losses


def test_outputs_keep_their_structure():
    rng = np.random.RandomState(0)
    module = tf2.TF1Module(BUILDERS["one2many_rnn_seq2seq"])
    outputs, states = module(*_inputs("one2many_rnn_seq2seq", rng))
    assert sorted(outputs) == ["a", "b"] and sorted(states) == ["a", "b"]
    assert [o.shape.as_list() for o in outputs["a"]] == [[BATCH, 7]] * 3
    assert [o.shape.as_list() for o in outputs["b"]] == [[BATCH, 4]] * 2
    cell_module = tf2.TF1Module(BUILDERS["LSTMCell_step"])
    output, state = cell_module(*_inputs("LSTMCell_step", rng))
    assert isinstance(state, rnn_cell.LSTMStateTuple)
    assert output.shape.as_list() == [BATCH, 3]


# -- errors --------------------------------------------------------------------------------

def test_build_fn_must_be_callable():
    with pytest.raises(TypeError, match="`build_fn` must be callable, got int"):
        tf2.TF1Module(3)


@pytest.mark.parametrize("method", ["load_tf1_checkpoint", "save_tf1_checkpoint"])
def test_checkpoint_methods_need_a_first_call(tmp_path, method):
    module = tf2.TF1Module(BUILDERS["rnn_decoder"])
    with pytest.raises(ValueError, match=f"{method}: this TF1Module has no variables yet"):
        getattr(module, method)(str(tmp_path / "x"))


def test_graph_mode_call_is_refused():
    module = tf2.TF1Module(BUILDERS["rnn_decoder"])
    with tf.Graph().as_default():
        with pytest.raises(RuntimeError, match="TF1Module runs in TF2 eager mode"):
            module(*_inputs("rnn_decoder", np.random.RandomState(0)))


def test_changed_variable_shape_between_traces_is_an_error():
    def build(x):
        return legacy_seq2seq.rnn_decoder([x], tf.zeros_like(x[:, :1]) + tf.zeros([1, 3]),
                                          rnn_cell.GRUCell(3))

    module = tf2.TF1Module(build)
    module(np.zeros([2, 4], np.float32))
    with pytest.raises(ValueError, match=r"rnn_decoder/gru_cell/gates/kernel' was created "
                                         r"with shape \(7, 6\)"):
        module(np.zeros([2, 5], np.float32))


def test_direct_eager_call_points_to_the_adapter():
    with pytest.raises(RuntimeError, match=r"eager mode\..*tf2\.TF1Module"):
        legacy_seq2seq.rnn_decoder([tf.zeros([2, 3])], tf.zeros([2, 4]), rnn_cell.GRUCell(4))


def _sharded_lstm(inputs):
    cell = rnn_cell.LSTMCell(4, num_unit_shards=2, num_proj=3, use_peepholes=True)
    return rnn.static_rnn(cell, inputs, dtype=tf.float32)


def test_partitioned_variables_load_and_save_as_one_tensor(tmp_path):
    args = (_floats(np.random.RandomState(0), 3, 2),)
    names, _, graph_out, _, weights = _graph_reference(_sharded_lstm, args, seed=5)
    assert "rnn/lstm_cell/kernel/part_1" in names
    with tf.Graph().as_default():  # a TF1 checkpoint as Saver writes it: one sliced tensor
        _sharded_lstm(*_placeholders(args))
        with v1.Session() as sess:
            for v in v1.global_variables():
                v.load(weights[v.op.name], sess)
            prefix = v1.train.Saver().save(sess, str(tmp_path / "tf1.ckpt"))
    assert "rnn/lstm_cell/kernel" in dict(tf.train.list_variables(prefix))

    module = tf2.TF1Module(_sharded_lstm)
    module(*args)
    assert list(module.variables_by_name) == names
    assert "rnn/lstm_cell/kernel" in module.load_tf1_checkpoint(prefix)
    for got, want in zip(tf.nest.flatten(module(*args)), graph_out):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-6)

    saved = module.save_tf1_checkpoint(str(tmp_path / "eager.ckpt"))
    assert dict(tf.train.list_variables(saved)) == dict(tf.train.list_variables(prefix))
    reader = tf.train.load_checkpoint(saved)
    original = tf.train.load_checkpoint(prefix)
    for name, _ in tf.train.list_variables(prefix):
        np.testing.assert_array_equal(reader.get_tensor(name), original.get_tensor(name))


_TF_KERAS_SCRIPT = r'''
import json, sys
import numpy as np
import tensorflow as tf
from legacy_seq2seq_compat import legacy_seq2seq, tf2

cells = tf.compat.v1.nn.rnn_cell


def build(enc, dec):
    # tf_keras refuses a layer made in eager mode and called in a graph: make it here.
    cell = cells.MultiRNNCell([cells.GRUCell(6), cells.BasicLSTMCell(6)])
    return legacy_seq2seq.embedding_attention_seq2seq(enc, dec, cell, 10, 10, 5)[0]


enc, dec = json.loads(sys.argv[1])
module = tf2.TF1Module(build)
module([np.array(x, np.int32) for x in enc], [np.array(x, np.int32) for x in dec])
rng = np.random.RandomState(0)
for variable in module.variables_by_name.values():
    variable.assign(rng.uniform(-0.5, 0.5, variable.shape).astype(np.float32))
outputs = module([np.array(x, np.int32) for x in enc], [np.array(x, np.int32) for x in dec])
print(json.dumps({"names": list(module.variables_by_name),
                  "outputs": [o.numpy().tolist() for o in outputs]}))
'''


def test_tf_keras_legacy_cells_run_in_a_module_like_ours():
    import_reference("tf_keras")
    rng = np.random.RandomState(3)
    enc, dec = _ids(rng, 10, 4), _ids(rng, 10, 3)
    env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        [sys.executable, "-c", _TF_KERAS_SCRIPT,
         json.dumps([[x.tolist() for x in enc], [x.tolist() for x in dec]])],
        env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    theirs = json.loads(result.stdout.strip().splitlines()[-1])

    def build(e, d):
        cell = rnn_cell.MultiRNNCell([rnn_cell.GRUCell(6), rnn_cell.BasicLSTMCell(6)])
        return legacy_seq2seq.embedding_attention_seq2seq(e, d, cell, 10, 10, 5)[0]

    module = tf2.TF1Module(build)
    module(enc, dec)
    assert list(module.variables_by_name) == theirs["names"]
    weights = np.random.RandomState(0)
    for variable in module.variables_by_name.values():
        variable.assign(weights.uniform(-0.5, 0.5, variable.shape).astype(np.float32))
    for got, want in zip(module(enc, dec), theirs["outputs"]):
        np.testing.assert_allclose(got.numpy(), np.array(want, np.float32), atol=1e-5)
