"""serving: the source layout, and SavedModels that plain TF2 loads and decodes the same."""

import json
import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from legacy_seq2seq_compat import beam_search, legacy_seq2seq, rnn_cell, serving

v1 = tf.compat.v1

PAD, GO, EOS = 0, 1, 2
VOCAB, EMB, HIDDEN = 7, 6, 12
ENC_LEN, DEC_LEN = 4, 5
SOURCES = [[3, 4, 5], [6, 5, 4, 3], [4, 4]]


def _padded(sources, width, fill=PAD):
    out = np.full((len(sources), width), fill, np.int32)
    for b, ids in enumerate(sources):
        out[b, :len(ids)] = ids
    return out, np.array([len(s) for s in sources], np.int32)


def _run_layout(reverse, sources, width):
    with tf.Graph().as_default():
        inputs = serving.source_inputs(width, reverse=reverse, pad_id=PAD)
        source, lengths = _padded(sources, width, fill=99)  # junk past each length
        with v1.Session() as sess:
            return np.stack(sess.run(inputs.encoder_inputs, {inputs.source: source,
                                                             inputs.source_lengths: lengths}))


def test_source_layout_reversed_and_padded_in_front():
    enc = _run_layout(True, SOURCES, ENC_LEN)
    assert enc.shape == (ENC_LEN, 3)  # time-major, as the legacy models take them
    assert enc.T.tolist() == [[PAD, 5, 4, 3], [3, 4, 5, 6], [PAD, PAD, 4, 4]]


def test_source_layout_as_given():
    enc = _run_layout(False, SOURCES, ENC_LEN)
    assert enc.T.tolist() == [[3, 4, 5, PAD], [6, 5, 4, 3], [4, 4, PAD, PAD]]


def _train(ckpt):
    """A small attention model trained a little to reverse id strings; saved to `ckpt`."""
    rng = np.random.default_rng(0)
    with tf.Graph().as_default():
        v1.set_random_seed(0)
        enc = [v1.placeholder(tf.int32, [None]) for _ in range(ENC_LEN)]
        dec = [v1.placeholder(tf.int32, [None]) for _ in range(DEC_LEN + 1)]
        outputs, _ = legacy_seq2seq.embedding_attention_seq2seq(
            enc, dec[:DEC_LEN], rnn_cell.GRUCell(HIDDEN), VOCAB, VOCAB, EMB)
        loss = legacy_seq2seq.sequence_loss(outputs, dec[1:], [tf.ones([16])] * DEC_LEN)
        update = v1.train.AdamOptimizer(0.05).minimize(loss)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            for _ in range(30):
                strings = [list(rng.integers(3, VOCAB, rng.integers(1, ENC_LEN + 1)))
                           for _ in range(16)]
                feed = {}
                for i in range(ENC_LEN):
                    feed[enc[i]] = [([PAD] * ENC_LEN + s[::-1])[-ENC_LEN:][i] for s in strings]
                for i in range(DEC_LEN + 1):
                    feed[dec[i]] = [([GO] + s[::-1] + [EOS] + [PAD] * DEC_LEN)[i]
                                    for s in strings]
                sess.run(update, feed)
            v1.train.Saver().save(sess, ckpt)


def _decoder(kind, inputs):
    cell = rnn_cell.GRUCell(HIDDEN)
    if kind == "beam":
        return beam_search.embedding_attention_seq2seq(
            inputs.encoder_inputs, cell, VOCAB, VOCAB, EMB, beam_width=3, max_length=DEC_LEN,
            go_id=GO, eos_id=EOS)
    outputs, _ = legacy_seq2seq.embedding_attention_seq2seq(
        inputs.encoder_inputs, serving.go_inputs(inputs, DEC_LEN, GO), cell, VOCAB, VOCAB, EMB,
        feed_previous=True)
    return serving.greedy_ids(outputs)


LOADER = textwrap.dedent("""
    import json, sys
    import numpy as np
    import tensorflow as tf
    request = json.loads(sys.argv[1])
    results = {}
    for name, path in request["models"].items():
        decode = tf.saved_model.load(path).signatures["serving_default"]
        out = decode(source=tf.constant(request["source"], tf.int32),
                     source_lengths=tf.constant(request["lengths"], tf.int32))
        results[name] = {key: value.numpy().tolist() for key, value in out.items()}
    results["eager"] = tf.executing_eagerly()
    results["library_imported"] = any(m.startswith("legacy_seq2seq_compat") for m in sys.modules)
    print(json.dumps(results))
""")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("serving")
    ckpt = str(root / "model.ckpt")
    _train(ckpt)
    source, lengths = _padded(SOURCES, ENC_LEN)
    expected, dirs = {}, {}
    for kind in ("greedy", "beam"):
        with tf.Graph().as_default():
            inputs = serving.source_inputs(ENC_LEN)
            outputs = _decoder(kind, inputs)
            with v1.Session() as sess:
                v1.train.Saver().restore(sess, ckpt)
                fetched = sess.run(outputs, {inputs.source: source,
                                             inputs.source_lengths: lengths})
                expected[kind] = (fetched._asdict() if kind == "beam" else {"ids": fetched})
                dirs[kind] = serving.export_decoder(sess, str(root / kind / "1"), inputs,
                                                    outputs)
    request = json.dumps({"models": dirs, "source": source.tolist(),
                          "lengths": lengths.tolist()})
    result = subprocess.run([sys.executable, "-c", LOADER, request], capture_output=True,
                            text=True, timeout=240, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return dirs, expected, json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_plain_tf2_decodes_like_the_graph(exported):
    _, expected, loaded = exported
    assert loaded["eager"] is True
    assert loaded["library_imported"] is False
    assert set(loaded["greedy"]) == {"ids"}
    assert set(loaded["beam"]) == {"ids", "lengths", "scores", "log_probs"}
    for kind in ("greedy", "beam"):
        for key, value in expected[kind].items():
            np.testing.assert_allclose(np.array(loaded[kind][key]), value, rtol=0, atol=1e-5)
    assert np.array(loaded["beam"]["ids"]).shape == (len(SOURCES), 3, DEC_LEN)


@pytest.mark.slow
def test_saved_model_cli_lists_the_signature(exported):
    dirs, _, _ = exported
    cli = shutil.which("saved_model_cli") or os.path.join(os.path.dirname(sys.executable),
                                                         "saved_model_cli")
    assert os.path.exists(cli), "saved_model_cli is installed with TensorFlow"
    result = subprocess.run([cli, "show", "--dir", dirs["beam"], "--all"], capture_output=True,
                            text=True, timeout=240, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "signature_def['serving_default']:" in out
    for name in ("inputs['source']", "inputs['source_lengths']", "outputs['ids']",
                 "outputs['scores']", "outputs['lengths']"):
        assert name in out, out
    assert "Method name is: tensorflow/serving/predict" in out


def test_export_refuses_an_existing_directory(tmp_path):
    with tf.Graph().as_default():
        inputs = serving.source_inputs(2)
        with v1.Session() as sess:
            with pytest.raises(ValueError, match=r"`export_dir` must not exist yet.*which exists"):
                serving.export_decoder(sess, str(tmp_path), inputs, {"ids": inputs.source})
            with pytest.raises(TypeError, match=r"`outputs` must be a beam_search"):
                serving.export_decoder(sess, str(tmp_path / "new"), inputs, [inputs.source])
            with pytest.raises(ValueError, match=r"`outputs` must name at least one Tensor"):
                serving.export_decoder(sess, str(tmp_path / "new"), inputs, {})


def test_greedy_ids_applies_the_projection():
    with tf.Graph().as_default(), v1.Session() as sess:
        outputs = [tf.constant([[1.0, 0.0], [0.0, 1.0]]), tf.constant([[0.0, 2.0], [3.0, 0.0]])]
        w = tf.constant([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        b = tf.constant([0.5, 0.0, 0.0])
        plain, projected = sess.run([serving.greedy_ids(outputs),
                                     serving.greedy_ids(outputs, (w, b))])
    assert plain.tolist() == [[0, 1], [1, 0]]
    assert projected.tolist() == [[1, 2], [2, 1]]


@pytest.mark.parametrize("call,message", [
    (lambda: serving.source_inputs(0), r"`encoder_length` must be a positive int, got 0"),
    (lambda: serving.source_inputs(3, pad_id=-1), r"`pad_id` must be a symbol id.*got -1"),
])
def test_bad_arguments_are_named(call, message):
    with tf.Graph().as_default(), pytest.raises(ValueError, match=message):
        call()


def test_public_api():
    for name in serving.__all__:
        assert "Compatibility:" in getattr(serving, name).__doc__, name
