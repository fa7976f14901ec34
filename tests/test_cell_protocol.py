"""The seq2seq functions take any cell that follows the RNNCell protocol.

Two kinds of foreign cells:

* a minimal user-written class that only has `state_size`, `output_size`,
  `zero_state` and ``__call__(inputs, state, scope=None)``, creating its
  variables with `tf.compat.v1.get_variable` in
  ``variable_scope(scope or "my_cell")``;
* tf_keras's legacy TF1 cells (``tf.compat.v1.nn.rnn_cell`` with
  ``TF_USE_LEGACY_KERAS=1``), checked in a subprocess
  (tests/tf_keras_reference/seq2seq_check.py) against this library's cells.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from conftest import missing_reference

from legacy_seq2seq_compat import legacy_seq2seq, rnn_cell

_v1 = tf.compat.v1
_HERE = os.path.dirname(os.path.abspath(__file__))
_UNAVAILABLE = 3

E, D, S, H, DEPTH, BATCH = 7, 9, 5, 4, 3, 2


class MinimalCell:
    """h' = tanh([x, h] @ kernel + bias); follows the protocol, nothing more."""

    def __init__(self, num_units):
        self._num_units = num_units

    @property
    def state_size(self):
        return self._num_units

    @property
    def output_size(self):
        return self._num_units

    def zero_state(self, batch_size, dtype):
        return tf.zeros([batch_size, self._num_units], dtype)

    def __call__(self, inputs, state, scope=None):
        with _v1.variable_scope(scope or "my_cell"):
            depth = inputs.get_shape().as_list()[-1]
            kernel = _v1.get_variable("kernel", [depth + self._num_units, self._num_units])
            bias = _v1.get_variable("bias", [self._num_units],
                                    initializer=_v1.zeros_initializer())
            new_h = tf.tanh(tf.matmul(tf.concat([inputs, state], 1), kernel) + bias)
        return new_h, new_h


class PairStateCell:
    """A protocol-only cell with a plain-tuple state (fresh, previous)."""

    def __init__(self, num_units):
        self._num_units = num_units

    @property
    def state_size(self):
        return (self._num_units, self._num_units)

    @property
    def output_size(self):
        return self._num_units

    def zero_state(self, batch_size, dtype):
        return tuple(tf.zeros([batch_size, n], dtype) for n in self.state_size)

    def __call__(self, inputs, state, scope=None):
        fresh, _ = state
        with _v1.variable_scope(scope or "pair_cell"):
            depth = inputs.get_shape().as_list()[-1]
            kernel = _v1.get_variable("kernel", [depth + self._num_units, self._num_units])
            new = tf.tanh(tf.matmul(tf.concat([inputs, fresh], 1), kernel))
        return new, (new, fresh)


class NoZeroStateCell:
    output_size = 4
    state_size = 4

    def __call__(self, inputs, state, scope=None):
        return inputs, state


def _ids(count, prefix):
    return [_v1.placeholder(tf.int32, [None], name=f"{prefix}{i}") for i in range(count)]


def _floats(count, prefix):
    return [_v1.placeholder(tf.float32, [None, DEPTH], name=f"{prefix}{i}") for i in range(count)]


def _my_cell(prefix, depth):
    return [(f"{prefix}/my_cell/kernel:0", [depth + H, H]), (f"{prefix}/my_cell/bias:0", [H])]


def _table():
    return [(v.name, v.shape.as_list()) for v in _v1.global_variables()]


def _build_rnn_decoder():
    cell = MinimalCell(H)
    return legacy_seq2seq.rnn_decoder(_floats(3, "dec"), cell.zero_state(BATCH, tf.float32),
                                      cell)


def _build_basic():
    return legacy_seq2seq.basic_rnn_seq2seq(_floats(2, "enc"), _floats(3, "dec"),
                                            MinimalCell(H))


def _build_tied():
    return legacy_seq2seq.tied_rnn_seq2seq(_floats(2, "enc"), _floats(3, "dec"), MinimalCell(H))


def _build_embedding_rnn():
    return legacy_seq2seq.embedding_rnn_seq2seq(_ids(2, "enc"), _ids(3, "dec"), MinimalCell(H),
                                                E, D, S)


def _build_embedding_tied():
    return legacy_seq2seq.embedding_tied_rnn_seq2seq(_ids(2, "enc"), _ids(3, "dec"),
                                                     MinimalCell(H), E, S)


def _build_embedding_attention():
    return legacy_seq2seq.embedding_attention_seq2seq(_ids(2, "enc"), _ids(3, "dec"),
                                                      MinimalCell(H), E, D, S)


def _build_one2many():
    outputs, states = legacy_seq2seq.one2many_rnn_seq2seq(
        _ids(2, "enc"), {"a": _ids(3, "dec")}, MinimalCell(H), {"a": MinimalCell(H)}, E,
        {"a": D}, S)
    return outputs["a"], states["a"]


_ERD = "embedding_rnn_seq2seq/embedding_rnn_decoder"
_TIED = "embedding_tied_rnn_seq2seq/combined_tied_rnn_seq2seq/tied_rnn_seq2seq"
_EAD = "embedding_attention_seq2seq/embedding_attention_decoder"
_O2M = "one2many_rnn_seq2seq"

# name -> (builder, expected variables, output width)
_USER_CELL_CASES = {
    "rnn_decoder": (_build_rnn_decoder, _my_cell("rnn_decoder", DEPTH), H),
    "basic_rnn_seq2seq": (
        _build_basic,
        _my_cell("basic_rnn_seq2seq/rnn", DEPTH) + _my_cell("basic_rnn_seq2seq/rnn_decoder", DEPTH),
        H),
    "tied_rnn_seq2seq": (
        _build_tied, _my_cell("combined_tied_rnn_seq2seq/tied_rnn_seq2seq", DEPTH), H),
    "embedding_rnn_seq2seq": (_build_embedding_rnn, [
        ("embedding_rnn_seq2seq/rnn/embedding_wrapper/embedding:0", [E, S]),
        *_my_cell("embedding_rnn_seq2seq/rnn/embedding_wrapper", S),
        (f"{_ERD}/embedding:0", [D, S]),
        *_my_cell(f"{_ERD}/rnn_decoder/output_projection_wrapper", S),
        (f"{_ERD}/rnn_decoder/output_projection_wrapper/kernel:0", [H, D]),
        (f"{_ERD}/rnn_decoder/output_projection_wrapper/bias:0", [D]),
    ], D),
    "embedding_tied_rnn_seq2seq": (_build_embedding_tied, [
        ("embedding_tied_rnn_seq2seq/embedding:0", [E, S]),
        *_my_cell(f"{_TIED}/output_projection_wrapper", S),
        (f"{_TIED}/output_projection_wrapper/kernel:0", [H, E]),
        (f"{_TIED}/output_projection_wrapper/bias:0", [E]),
    ], E),
    "embedding_attention_seq2seq": (_build_embedding_attention, [
        ("embedding_attention_seq2seq/rnn/embedding_wrapper/embedding:0", [E, S]),
        *_my_cell("embedding_attention_seq2seq/rnn/embedding_wrapper", S),
        (f"{_EAD}/embedding:0", [D, S]),
        (f"{_EAD}/attention_decoder/AttnW_0:0", [1, 1, H, H]),
        (f"{_EAD}/attention_decoder/AttnV_0:0", [H]),
        (f"{_EAD}/attention_decoder/kernel:0", [S + H, S]),
        (f"{_EAD}/attention_decoder/bias:0", [S]),
        *_my_cell(f"{_EAD}/attention_decoder/output_projection_wrapper", S),
        (f"{_EAD}/attention_decoder/output_projection_wrapper/kernel:0", [H, D]),
        (f"{_EAD}/attention_decoder/output_projection_wrapper/bias:0", [D]),
        (f"{_EAD}/attention_decoder/Attention_0/kernel:0", [H, H]),
        (f"{_EAD}/attention_decoder/Attention_0/bias:0", [H]),
        (f"{_EAD}/attention_decoder/AttnOutputProjection/kernel:0", [D + H, D]),
        (f"{_EAD}/attention_decoder/AttnOutputProjection/bias:0", [D]),
    ], D),
    "one2many_rnn_seq2seq": (_build_one2many, [
        (f"{_O2M}/rnn/embedding_wrapper/embedding:0", [E, S]),
        *_my_cell(f"{_O2M}/rnn/embedding_wrapper", S),
        (f"{_O2M}/one2many_decoder_a/embedding_rnn_decoder/embedding:0", [D, S]),
        *_my_cell(f"{_O2M}/one2many_decoder_a/embedding_rnn_decoder/rnn_decoder/"
                  "output_projection_wrapper", S),
        (f"{_O2M}/one2many_decoder_a/embedding_rnn_decoder/rnn_decoder/"
         "output_projection_wrapper/kernel:0", [H, D]),
        (f"{_O2M}/one2many_decoder_a/embedding_rnn_decoder/rnn_decoder/"
         "output_projection_wrapper/bias:0", [D]),
    ], D),
}


def _feeds(graph, rng):
    """Random feeds for every placeholder of `graph` (ids < min(E, D), batch BATCH)."""
    feeds = {}
    for op in graph.get_operations():
        if op.type != "Placeholder":
            continue
        tensor = op.outputs[0]
        if tensor.dtype == tf.int32:
            feeds[tensor] = rng.integers(0, min(E, D), BATCH).astype(np.int32)
        else:
            feeds[tensor] = rng.normal(size=[BATCH, DEPTH]).astype(np.float32)
    return feeds


@pytest.mark.parametrize("name", list(_USER_CELL_CASES))
def test_user_cell_variable_names_and_run(name):
    builder, expected, width = _USER_CELL_CASES[name]
    rng = np.random.default_rng(3)
    with tf.Graph().as_default() as graph:
        outputs, state = builder()
        assert _table() == expected
        assert [o.get_shape().as_list()[-1] for o in outputs] == [width] * 3
        with _v1.Session() as sess:
            sess.run(_v1.global_variables_initializer())
            values, final = sess.run([outputs, state], _feeds(graph, rng))
    assert all(v.shape == (BATCH, width) for v in values)
    assert final.shape == (BATCH, H)
    assert np.all(np.isfinite(np.stack(values)))


def _assign_random(sess, variables, rng):
    values = {v.name: rng.uniform(-0.8, 0.8, v.shape.as_list()).astype(np.float32)
              for v in variables}
    sess.run([v.assign(values[v.name]) for v in variables])
    return values


def test_rnn_decoder_user_cell_numbers_with_loop_function():
    rng = np.random.default_rng(11)
    inputs = [rng.normal(size=[BATCH, DEPTH]).astype(np.float32) for _ in range(4)]
    initial = rng.normal(size=[BATCH, H]).astype(np.float32)
    feedback = rng.normal(size=[H, DEPTH]).astype(np.float32)
    with tf.Graph().as_default():
        cell = MinimalCell(H)
        plain, plain_state = legacy_seq2seq.rnn_decoder(
            [tf.constant(x) for x in inputs], tf.constant(initial), cell, scope="plain")
        looped, _ = legacy_seq2seq.rnn_decoder(
            [tf.constant(x) for x in inputs], tf.constant(initial), cell,
            loop_function=lambda prev, _: tf.matmul(prev, feedback), scope="looped")
        with _v1.Session() as sess:
            weights = _assign_random(sess, _v1.global_variables(), rng)
            got_plain, got_state, got_looped = sess.run([plain, plain_state, looped])

    def run(prefix, loop):
        kernel, bias = weights[f"{prefix}/my_cell/kernel:0"], weights[f"{prefix}/my_cell/bias:0"]
        h, outs = initial, []
        for i, x in enumerate(inputs):
            if loop and i > 0:
                x = outs[-1] @ feedback
            h = np.tanh(np.concatenate([x, h], 1) @ kernel + bias)
            outs.append(h)
        return outs

    expected_plain = run("plain", False)
    np.testing.assert_allclose(got_plain, expected_plain, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_state, expected_plain[-1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_looped, run("looped", True), rtol=1e-5, atol=1e-6)
    assert not np.allclose(got_plain[-1], got_looped[-1])


@pytest.mark.parametrize("feed_previous", [False, True, "tensor"])
def test_user_cell_equals_basic_rnn_cell_in_embedding_attention_seq2seq(feed_previous):
    """The same maths as BasicRNNCell, so with equal weights the models agree."""
    rng = np.random.default_rng(5)
    with tf.Graph().as_default() as graph:
        enc, dec = _ids(3, "enc"), _ids(4, "dec")
        flag = tf.constant(True) if feed_previous == "tensor" else feed_previous
        built = {}
        for scope, cell in (("user", MinimalCell(H)), ("ours", rnn_cell.BasicRNNCell(H))):
            built[scope] = legacy_seq2seq.embedding_attention_seq2seq(
                enc, dec, cell, E, D, S, num_heads=2, feed_previous=flag, scope=scope)
        user_vars = [v for v in _v1.global_variables() if v.name.startswith("user/")]
        ours_vars = [v for v in _v1.global_variables() if v.name.startswith("ours/")]
        renamed = [v.name.replace("user/", "ours/", 1).replace("/my_cell/", "/basic_rnn_cell/")
                   for v in user_vars]
        assert renamed == [v.name for v in ours_vars]
        assert [v.shape.as_list() for v in user_vars] == [v.shape.as_list() for v in ours_vars]
        with _v1.Session() as sess:
            values = _assign_random(sess, ours_vars, rng)
            sess.run([u.assign(values[name]) for u, name in zip(user_vars, renamed)])
            user, ours = sess.run([built["user"], built["ours"]], _feeds(graph, rng))
    user_outputs, user_state = user
    ours_outputs, ours_state = ours
    np.testing.assert_allclose(user_outputs, ours_outputs, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(user_state, ours_state, rtol=1e-6, atol=1e-6)
    assert np.std(ours_outputs) > 1e-2


def test_plain_tuple_state_is_flattened_into_the_attention_query():
    with tf.Graph().as_default():
        enc_cell = PairStateCell(H)
        enc_outputs, enc_state = legacy_seq2seq.rnn_decoder(
            _floats(2, "enc"), enc_cell.zero_state(BATCH, tf.float32), enc_cell, scope="enc")
        attention_states = tf.stack(enc_outputs, axis=1)
        outputs, state = legacy_seq2seq.attention_decoder(
            _floats(3, "dec"), enc_state, attention_states, PairStateCell(H), output_size=6)
        table = dict(_table())
        assert table["attention_decoder/pair_cell/kernel:0"] == [DEPTH + H, H]
        # The query is (fresh, previous) concatenated: 2H wide.
        assert table["attention_decoder/Attention_0/kernel:0"] == [2 * H, H]
        assert isinstance(state, tuple) and len(state) == 2
        assert [o.get_shape().as_list()[-1] for o in outputs] == [6] * 3


def test_cell_without_zero_state_is_rejected():
    with tf.Graph().as_default():
        with pytest.raises(TypeError,
                           match="either 'zero_state' or 'get_initial_state' method is required"):
            legacy_seq2seq.embedding_attention_seq2seq(_ids(2, "enc"), _ids(3, "dec"),
                                                       NoZeroStateCell(), E, D, S)
        assert _v1.global_variables() == []


# -- tf_keras legacy cells (subprocess) -----------------------------------------


@pytest.fixture(scope="module")
def tf_keras_verdict():
    env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="3")
    script = os.path.join(_HERE, "tf_keras_reference", "seq2seq_check.py")
    proc = subprocess.run([sys.executable, script],
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    if proc.returncode == _UNAVAILABLE:
        missing_reference(f"tf_keras legacy cells unavailable: {proc.stdout.strip()}")
    assert proc.returncode == 0, f"exit {proc.returncode}:\n{proc.stderr[-4000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


_KERAS_CASES = {
    # name -> (number of variables, one name that must be among them, output width)
    "embedding_attention_seq2seq_gru2": (
        32, "embedding_attention_seq2seq/embedding_attention_decoder/attention_decoder/"
            "output_projection_wrapper/multi_rnn_cell/cell_1/gru_cell/candidate/kernel:0", 9),
    "embedding_rnn_seq2seq_basic_lstm": (
        8, "embedding_rnn_seq2seq/embedding_rnn_decoder/rnn_decoder/output_projection_wrapper/"
           "basic_lstm_cell/kernel:0", 9),
    "embedding_rnn_seq2seq_basic_lstm_feed_previous": (
        8, "embedding_rnn_seq2seq/rnn/embedding_wrapper/basic_lstm_cell/bias:0", 9),
}


def test_tf_keras_cells_are_the_legacy_ones(tf_keras_verdict):
    assert tf_keras_verdict["tf_keras_cell_module"].startswith("tf_keras")
    assert sorted(tf_keras_verdict["cases"]) == sorted(_KERAS_CASES)


@pytest.mark.parametrize("name", list(_KERAS_CASES))
def test_tf_keras_cells_match_ours(tf_keras_verdict, name):
    result = tf_keras_verdict["cases"][name]
    assert "error" not in result, result.get("error")
    count, some_name, width = _KERAS_CASES[name]
    assert result["our_variables"] == result["keras_variables"]
    assert len(result["keras_variables"]) == count
    assert some_name in [row[0] for row in result["keras_variables"]]
    assert result["fetch_shapes"][:4] == [[3, width]] * 4
    assert result["outputs_vary"]
    assert result["allclose"], f"max abs diff {result['max_abs_diff']}"
