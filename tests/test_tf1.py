"""`import legacy_seq2seq_compat.tf1 as tf`: TF 1.x's `tensorflow` module.

The facade turns TF2 behaviour off for the whole process, so it is probed in
one subprocess whose findings the tests below check one by one.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

PROBE = textwrap.dedent("""
    import json
    import legacy_seq2seq_compat.tf1 as tf
    import tensorflow as real_tf
    from legacy_seq2seq_compat import decoders, legacy_seq2seq, rnn, rnn_cell

    found = {}
    found["eager"] = tf.executing_eagerly()
    found["v2_behavior"] = real_tf.__internal__.tf2.enabled()
    found["placeholder"] = tf.placeholder is real_tf.compat.v1.placeholder
    found["saver"] = tf.train.Saver is real_tf.compat.v1.train.Saver
    found["session"] = tf.Session is real_tf.compat.v1.Session
    found["app_run"] = tf.app.run is real_tf.compat.v1.app.run
    found["flags"] = tf.app.flags is real_tf.compat.v1.flags
    found["version"] = tf.__version__ == real_tf.__version__
    found["rnn_cell"] = all(getattr(tf.nn.rnn_cell, name) is getattr(rnn_cell, name)
                            for name in rnn_cell.__all__)
    found["rnn_cell_linear"] = callable(tf.nn.rnn_cell._linear)
    found["seq2seq"] = all(getattr(tf.nn.seq2seq, name) is getattr(legacy_seq2seq, name)
                           for name in legacy_seq2seq.__all__)
    found["seq2seq_private"] = (tf.nn.seq2seq._extract_argmax_and_embed
                                is decoders.extract_argmax_and_embed)
    found["static_rnn"] = tf.nn.static_rnn is rnn.static_rnn
    found["rnn"] = tf.nn.rnn is rnn.static_rnn
    found["bidirectional_rnn"] = tf.nn.bidirectional_rnn is rnn.static_bidirectional_rnn
    found["state_saving_rnn"] = tf.nn.state_saving_rnn is rnn.static_state_saving_rnn
    found["dynamic_rnn"] = tf.nn.dynamic_rnn is real_tf.compat.v1.nn.dynamic_rnn
    found["softmax"] = tf.nn.softmax is real_tf.compat.v1.nn.softmax
    found["contrib_seq2seq"] = (tf.contrib.legacy_seq2seq.model_with_buckets
                                is legacy_seq2seq.model_with_buckets)
    found["contrib_rnn"] = tf.contrib.rnn.GRUCell is rnn_cell.GRUCell
    found["compat_v1"] = tf.compat.v1 is tf
    found["compat_v2"] = tf.compat.v2 is real_tf.compat.v2
    from tensorflow.contrib import legacy_seq2seq as imported
    from tensorflow.contrib.rnn import GRUCell
    found["contrib_imports"] = imported is tf.contrib.legacy_seq2seq and GRUCell is rnn_cell.GRUCell
    found["dir"] = sorted({"contrib", "placeholder", "nn", "Session"} & set(dir(tf)))
    found["nn_dir"] = sorted({"rnn_cell", "seq2seq", "softmax"} & set(dir(tf.nn)))
    try:
        tf.no_such_name
    except AttributeError as error:
        found["missing"] = str(error)

    # TF 0.x's positional order of the sampled losses (inputs before labels).
    with tf.Graph().as_default():
        w = tf.constant([[0.1 * (i - j) for j in range(4)] for i in range(10)])
        b = tf.constant([0.05 * i for i in range(10)])
        x = tf.constant([[1.0, -2.0, 0.5, 3.0], [0.0, 1.0, -1.0, 2.0]])
        y = tf.constant([[3], [7]])
        sampled = (tf.constant([1, 5, 8], tf.int64), tf.constant([[0.5], [0.5]]),
                   tf.constant([0.3, 0.3, 0.3]))
        new_order = tf.nn.sampled_softmax_loss(w, b, y, x, 3, 10, sampled_values=sampled)
        old_order = tf.nn.sampled_softmax_loss(w, b, x, y, 3, 10, sampled_values=sampled)
        keywords = tf.nn.sampled_softmax_loss(weights=w, biases=b, inputs=x, labels=y,
                                              num_sampled=3, num_classes=10,
                                              sampled_values=sampled)
        nce_old = tf.nn.nce_loss(w, b, x, y, 3, 10, sampled_values=sampled)
        nce_new = tf.nn.nce_loss(w, b, y, x, 3, 10, sampled_values=sampled)
        with tf.Session() as sess:
            got = sess.run([new_order, old_order, keywords, nce_new, nce_old])
        found["sampled_orders"] = [g.tolist() for g in got]

    # A TF1-style model, as an old script would build it.
    enc = [tf.placeholder(tf.int32, [None], name="enc%d" % i) for i in range(3)]
    dec = [tf.placeholder(tf.int32, [None], name="dec%d" % i) for i in range(2)]
    cell = tf.nn.rnn_cell.MultiRNNCell([tf.contrib.rnn.GRUCell(4) for _ in range(2)])
    outputs, _ = tf.contrib.legacy_seq2seq.embedding_attention_seq2seq(
        enc, dec, cell, num_encoder_symbols=5, num_decoder_symbols=6, embedding_size=3)
    found["variables"] = [(v.name, v.shape.as_list()) for v in tf.global_variables()]
    found["variable_ops"] = sorted({v.op.type for v in tf.global_variables()})
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        feed = {p: [1, 2] for p in enc + dec}
        found["output_shape"] = list(sess.run(outputs[-1], feed).shape)

    # A file left out of the import swap: real TF 2.x's errors get a hint when uncaught.
    import sys
    from legacy_seq2seq_compat import _hints
    found["excepthook"] = sys.excepthook is _hints._excepthook
    found["swap_hints"] = []
    for use in (lambda: real_tf.placeholder, lambda: real_tf.train.Saver,
                lambda: real_tf.no_such_thing):
        try:
            use()
        except AttributeError as error:
            found["swap_hints"].append(_hints.hint_for(error))
    found["real_contrib"] = real_tf.contrib is tf.contrib
    print("PROBE" + json.dumps(found))
""")


@pytest.fixture(scope="module")
def probe():
    # A user who set no TF_CPP_MIN_LOG_LEVEL: the facade starts quietly.
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                            env=env, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def found(probe):
    line = [x for x in probe.stdout.splitlines() if x.startswith("PROBE")][-1]
    return json.loads(line[len("PROBE"):])


def test_the_facade_starts_without_tensorflow_noise(probe):
    """No start-up log lines, no warning about the facade's own disable_v2_behavior() call."""
    noise = ("absl::InitializeLog", "oneDNN", "cuda drivers", "cuInit", "cpu_feature_guard",
             "disable_resource_variables", "I0000 ", "W0000 ")
    assert [word for word in noise if word in probe.stderr] == [], probe.stderr[-3000:]


def test_tf2_behaviour_is_off(found):
    assert found["eager"] is False
    assert found["v2_behavior"] is False
    assert found["variable_ops"] == ["VariableV2"]  # TF1's ref variables, not VarHandleOp


@pytest.mark.parametrize("key", [
    "placeholder", "saver", "session", "app_run", "flags", "version", "dynamic_rnn", "softmax",
    "compat_v2",
])
def test_everything_else_is_tf_compat_v1(found, key):
    assert found[key] is True


@pytest.mark.parametrize("key", [
    "rnn_cell", "rnn_cell_linear", "seq2seq", "seq2seq_private", "static_rnn", "rnn",
    "bidirectional_rnn", "state_saving_rnn",
    "contrib_seq2seq", "contrib_rnn", "compat_v1", "contrib_imports",
])
def test_tf1_names_lead_to_this_library(found, key):
    assert found[key] is True


def test_sampled_losses_accept_the_tf0_argument_order(found):
    new_order, old_order, keywords, nce_new, nce_old = found["sampled_orders"]
    assert old_order == new_order == keywords
    assert nce_old == nce_new
    assert len(new_order) == 2 and new_order != nce_new


def test_dir_lists_the_facade_and_tf_names(found):
    assert found["dir"] == ["Session", "contrib", "nn", "placeholder"]
    assert found["nn_dir"] == ["rnn_cell", "seq2seq", "softmax"]


def test_unknown_name_is_an_attribute_error_naming_it(found):
    assert "no_such_name" in found["missing"]


def test_a_tf1_model_builds_and_runs_with_tf115_names(found):
    names = [name for name, _ in found["variables"]]
    assert len(names) == 28
    assert names[0] == "embedding_attention_seq2seq/rnn/embedding_wrapper/embedding:0"
    assert found["variables"][-2] == [
        "embedding_attention_seq2seq/embedding_attention_decoder/attention_decoder/"
        "AttnOutputProjection/kernel:0", [6 + 4, 6]]
    assert found["output_shape"] == [2, 6]


def test_a_file_left_out_of_the_swap_gets_a_hint(found):
    assert found["excepthook"] is True
    placeholder, saver, unknown = found["swap_hints"]
    assert placeholder.startswith("hint: tf.placeholder is TF 1.x API and this file imports "
                                  "TensorFlow 2.x's own module.")
    assert "`import legacy_seq2seq_compat.tf1 as tf` in this file too" in placeholder
    assert "legacy-seq2seq-compat run SCRIPT.py" in placeholder
    assert saver.startswith("hint: tf.train.Saver is TF 1.x API")
    assert unknown is None  # not a TF 1.x name: Python's message alone
    assert found["real_contrib"] is True  # tf.contrib works even in an unswapped file


def test_the_hint_is_added_to_the_uncaught_error_report(capsys):
    import sys

    from legacy_seq2seq_compat import _hints

    error = AttributeError("module 'tensorflow' has no attribute 'Session'")
    _hints._excepthook(AttributeError, error, None)
    err = capsys.readouterr().err
    assert "AttributeError: module 'tensorflow' has no attribute 'Session'" in err
    assert "hint: tf.Session is TF 1.x API" in err
    assert _hints.hint_for(ValueError("module 'tensorflow' has no attribute 'Session'")) is None
    assert _hints.hint_for(AttributeError("module 'numpy' has no attribute 'Session'")) is None
    # Another program's own hook is left in place.
    saved = sys.excepthook
    try:
        sys.excepthook = print
        _hints.install_excepthook()
        assert sys.excepthook is print
    finally:
        sys.excepthook = saved
