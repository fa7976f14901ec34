"""examples/demo.py: the full run once in a subprocess, its pieces in-process."""

import importlib.util
import io
import json
import pathlib
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf
from conftest import import_reference

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEMO_PATH = ROOT / "examples" / "demo.py"

v1 = tf.compat.v1


def _load_demo():
    spec = importlib.util.spec_from_file_location("legacy_seq2seq_demo", DEMO_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


demo = _load_demo()


# Plain TF2 in a fresh process: no legacy_seq2seq_compat, strings in, strings out.
SERVE = textwrap.dedent("""
    import json, sys
    import tensorflow as tf
    decode = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
    out = decode(source=tf.constant(json.loads(sys.argv[2])))
    print(json.dumps({"target": [t.decode() for t in out["target"].numpy()],
                      "score": out["score"].numpy().tolist(),
                      "score_dtype": out["score"].dtype.name,
                      "library_imported": any(m.startswith("legacy_seq2seq_compat")
                                              for m in sys.modules)}))
""")


@pytest.mark.slow
def test_full_demo_run(tmp_path):
    out_dir = tmp_path / "out"
    export_dir = tmp_path / "saved_model"
    result = subprocess.run([sys.executable, str(DEMO_PATH), "--out-dir", str(out_dir),
                             "--export", str(export_dir)],
                            capture_output=True, text=True, timeout=600, check=False)
    out = result.stdout
    assert result.returncode == 0, result.stderr[-3000:]

    accuracy = re.search(r"Exact-sequence accuracy on (\d+) held-out strings: ([\d.]+)% greedy, "
                         r"([\d.]+)% beam search \(k=4\)", out)
    assert accuracy, out
    assert int(accuracy.group(1)) == 400
    assert float(accuracy.group(2)) >= 95.0, out
    assert float(accuracy.group(3)) >= 95.0, out

    # Not a terminal: plain progress lines, no carriage returns.
    assert "\r" not in out
    progress = re.findall(r"^step (\d+)/800  loss [\d.]+ perplexity [\d.]+", out, re.M)
    assert [int(s) for s in progress] == list(range(80, 801, 80))

    decoded = re.findall(r"^  input +(\d+) +greedy +(\S+) +beam +(\S+) +truth +(\d+) +"
                         r"(ok|WRONG) (ok|WRONG)$", out, re.M)
    assert len(decoded) == 8
    for source, greedy, beam, truth, greedy_ok, beam_ok in decoded:
        assert truth == source[::-1]
        assert (greedy_ok == "ok") == (greedy == truth)
        assert (beam_ok == "ok") == (beam == truth)
    assert sum(ok == "ok" for *_, ok in decoded) >= 7

    # The SavedModel decodes the printed inputs to the printed beam outputs, without us.
    assert f"SavedModel: {export_dir}" in out
    sources = [d[0] for d in decoded]
    served = subprocess.run([sys.executable, "-c", SERVE, str(export_dir), json.dumps(sources)],
                            capture_output=True, text=True, timeout=240, check=False)
    assert served.returncode == 0, served.stderr[-3000:]
    served = json.loads(served.stdout.strip().splitlines()[-1])
    assert served["library_imported"] is False
    assert served["target"] == [d[2] for d in decoded]
    assert served["score_dtype"] == "float32"
    assert len(served["score"]) == 8 and all(s <= 0.0 for s in served["score"])

    for name in ("checkpoint", "model.ckpt.index", "model.ckpt.meta",
                 "model.ckpt.data-00000-of-00001"):
        assert (out_dir / name).is_file(), name
    png = out_dir / "attention.png"
    if importlib.util.find_spec("matplotlib") is None:
        # The demo extra is not installed: the text table stands in for the plot.
        assert "matplotlib is not installed" in out and not png.exists()
    else:
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(data) > 10_000
        assert f"Attention heatmap saved to {png}" in out
    assert f"Checkpoint: {out_dir / 'model.ckpt'}" in out

    diagonal = re.search(r"^(\d+) of (\d+) digit steps put their largest weight on the diagonal",
                         out, re.M)
    assert diagonal, out
    assert 2 * int(diagonal.group(1)) >= int(diagonal.group(2)) == 8

    # The text table: a header of encoder symbols and one line per decoded symbol,
    # each with weights summing to about 1 (two-decimal rounding).
    header = re.search(r"^out\\in((?: +(?:PAD|\d))+)$", out, re.M)
    assert header, out
    width = len(header.group(1).split())
    rows = re.findall(r"^ +(\d|EOS)((?: +\d\.\d\d)+)  \|(.*)\|$", out, re.M)
    assert rows and rows[-1][0] == "EOS"
    for _, cells, shade in rows:
        values = [float(v) for v in cells.split()]
        assert len(values) == len(shade) == width
        assert abs(sum(values) - 1.0) <= 0.01 * width


def test_alignment_table_exact():
    table = demo.alignment_table(np.array([[1.0, 0.0, 0.004], [0.25, 0.75, 0.5]]),
                                 ["1", "EOS"], ["PAD", "1", "10"])
    assert table == ("out\\in  PAD    1   10\n"
                     "     1 1.00 0.00 0.00  |@  |\n"
                     "   EOS 0.25 0.75 0.50  |:#+|")


def test_alignment_table_wide_labels():
    table = demo.alignment_table([[0.5]], ["a-long-row"], ["column"])
    assert table.splitlines() == ["    out\\in column", "a-long-row   0.50  |+|"]


@pytest.mark.parametrize("shape", [(2, 3), (2, 2), (6,)])
def test_alignment_table_rejects_wrong_shape(shape):
    with pytest.raises(ValueError, match=r"`matrix` must have shape \(3, 2\).*got \("):
        demo.alignment_table(np.zeros(shape), ["a", "b", "c"], ["x", "y"])


def _hide_matplotlib(monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)


def test_without_matplotlib_prints_table_only(monkeypatch, tmp_path, capsys):
    _hide_matplotlib(monkeypatch)
    matrix = np.array([[0.2, 0.8], [0.9, 0.1]])
    with pytest.raises(ImportError):
        demo.save_heatmap(matrix, ["1", "2"], ["2", "1"], str(tmp_path / "x.png"))
    assert demo.show_alignment(matrix, ["1", "2"], ["2", "1"], str(tmp_path)) is None
    out = capsys.readouterr().out
    assert demo.alignment_table(matrix, ["1", "2"], ["2", "1"]) in out
    assert "matplotlib is not installed" in out
    assert list(tmp_path.iterdir()) == []


def test_no_plot_skips_heatmap(tmp_path, capsys):
    matrix = np.array([[0.2, 0.8]])
    assert demo.show_alignment(matrix, ["1"], ["2", "1"], str(tmp_path), plot=False) is None
    out = capsys.readouterr().out
    assert out == demo.alignment_table(matrix, ["1"], ["2", "1"]) + "\n"
    assert list(tmp_path.iterdir()) == []


def test_save_heatmap_writes_png(tmp_path):
    import_reference("matplotlib")
    path = str(tmp_path / "a.png")
    matrix = np.random.default_rng(0).dirichlet(np.ones(4), size=3)
    assert demo.save_heatmap(matrix, ["1", "2", "EOS"], ["PAD", "2", "1", "0"], path) == path
    assert (tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match=r"`matrix` must have shape \(3, 4\), got \(4, 3\)"):
        demo.save_heatmap(matrix.T, ["1", "2", "EOS"], ["PAD", "2", "1", "0"], path)


class _Stream(io.StringIO):
    def __init__(self, tty):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty


def test_progress_lines_when_not_a_terminal():
    stream = _Stream(tty=False)
    progress = demo.Progress(100, stream=stream)
    for step in range(5, 101, 5):
        progress.update(step, 0.5)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert len(lines) == 10
    assert all(re.fullmatch(r"step \d+/100  loss 0\.500 perplexity 1\.649  [\d.]+s", x)
               for x in lines), lines
    assert lines[-1].startswith("step 100/100")


def test_progress_text_bar_on_terminal_without_tqdm():
    stream = _Stream(tty=True)
    progress = demo.Progress(20, stream=stream, use_tqdm=False, width=10)
    progress.update(10, 1.0)
    progress.update(20, 0.0)
    progress.close()
    text = stream.getvalue()
    assert text.startswith("\r[#####.....] 10/20 loss 1.000 perplexity 2.718")
    assert "\r[##########] 20/20 loss 0.000 perplexity 1.000" in text
    assert text.endswith("s\n")


def test_progress_uses_tqdm_on_terminal():
    import_reference("tqdm")
    stream = _Stream(tty=True)
    progress = demo.Progress(20, stream=stream)
    assert progress.tqdm is not None
    progress.update(20, 0.25)
    progress.close()
    assert "20/20" in stream.getvalue()
    assert "loss 0.250 perplexity 1.284" in stream.getvalue()


def test_attention_collection_slices_per_bucket():
    with tf.Graph().as_default():
        model = demo.build_model(feed_previous=True, hidden=8, emb=4)
        assert len(model["attention"]) == len(demo.BUCKETS)
        flat = []
        for bucket, (enc_len, dec_len) in enumerate(demo.BUCKETS):
            tensors = model["attention"][bucket]
            assert len(tensors) == dec_len
            scope = "embedding_attention_seq2seq" + ("" if bucket == 0 else f"_{bucket}")
            for step, t in enumerate(tensors):
                assert t.shape.as_list() == [None, enc_len]
                assert t.dtype == tf.float32
                suffix = "" if step == 0 else f"_{step}"
                assert t.name == (f"model_with_buckets/{scope}/embedding_attention_decoder/"
                                  f"attention_decoder/Attention_0{suffix}/Softmax:0")
            flat += tensors
        assert v1.get_collection(demo.ATTENTION_WEIGHTS_COLLECTION) == flat


def _output_bias():
    name = ("embedding_attention_seq2seq/embedding_attention_decoder/attention_decoder/"
            "AttnOutputProjection/bias:0")
    return next(v for v in v1.global_variables() if v.name == name)


@pytest.mark.parametrize("eos_bias", [0.0, 50.0])
def test_attention_alignment_of_random_model(eos_bias):
    strings = [[3, 4, 5], [12, 11, 10, 9, 8, 7, 6, 5]]
    with tf.Graph().as_default():
        v1.set_random_seed(7)
        model = demo.build_model(feed_previous=True, hidden=16, emb=8)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            bias = _output_bias()
            values = np.random.default_rng(3).normal(0.0, 1.0, bias.shape.as_list())
            values[demo.EOS] += eos_bias
            sess.run(bias.assign(values))
            for digits in strings:
                bucket = demo.bucket_for(len(digits))
                enc_len, dec_len = demo.BUCKETS[bucket]
                matrix, rows, cols = demo.attention_alignment(sess, model, digits)
                # Independent decode of the same string.
                enc, dec, weights = demo.make_batch([digits], bucket)
                logits = sess.run(model["outputs"][bucket],
                                  demo.feed_dict(model, enc, dec, weights))
                symbols = [int(np.argmax(x[0])) for x in logits]
                steps = symbols.index(demo.EOS) + 1 if demo.EOS in symbols else dec_len
                if eos_bias:
                    assert steps == 1 and rows == ["EOS"]
                assert matrix.shape == (steps, enc_len)
                assert rows == [demo.symbol_name(s) for s in symbols[:steps]]
                expected_cols = ["PAD"] * (enc_len - len(digits)) + [
                    str(d - demo.DIGIT0) for d in reversed(digits)]
                assert cols == expected_cols
                assert np.all(matrix >= 0.0)
                np.testing.assert_allclose(matrix.sum(axis=1), 1.0, atol=1e-6)
                assert not np.allclose(matrix, matrix[0, 0])  # random weights: not uniform


@pytest.mark.slow
def test_serving_graph_decodes_like_the_beam_decoders():
    # Strings of both buckets in one batch, a non-digit, and an empty string.
    strings = ["012", "98765432", "22222", "123456", "7"]
    with tf.Graph().as_default():
        v1.set_random_seed(5)
        enc = [v1.placeholder(tf.int32, [None]) for _ in range(demo.BUCKETS[-1][0])]
        model = {"enc": enc, "beams": demo.build_beams(enc, hidden=16, emb=8)}
        names = {v.name for v in v1.global_variables()}
        source, target, score = demo.build_serving_graph(hidden=16, emb=8)
        assert {v.name for v in v1.global_variables()} == names
        assert (source.dtype, target.dtype, score.dtype) == (tf.string, tf.string, tf.float32)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            expected = []
            for text in strings:
                digits = [demo.DIGIT0 + int(c) for c in text]
                beam = demo.decode_beam_bucket(sess, model, [digits], demo.bucket_for(len(digits)))
                expected.append(demo.digits_text(beam[0]))
            targets, scores = sess.run([target, score], {source: strings})
            # A character that is not a digit becomes PAD.
            odd = sess.run(target, {source: ["1x2"]})[0].decode()
            with_pad = [demo.DIGIT0 + 1, demo.PAD, demo.DIGIT0 + 2]
            odd_expected = demo.decode_beam_bucket(sess, model, [with_pad], 0)[0]
    assert [t.decode() for t in targets] == expected
    assert scores.shape == (len(strings),) and np.all(scores <= 0.0)
    assert odd == demo.digits_text(odd_expected)


def test_export_to_an_existing_directory_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as error:
        demo.main(["--export", str(tmp_path)])
    assert error.value.code == 2
    assert "--export DIR must not exist yet" in capsys.readouterr().err


def test_held_out_strings_are_unseen():
    seen = {(3, 4), (5, 6, 7)}
    examples = demo.held_out_examples(0, 300, seen)
    assert len(examples) == 300
    assert not seen & {tuple(e) for e in examples}
    lengths = {len(e) for e in examples}
    assert lengths == set(range(demo.MIN_DIGITS, demo.MAX_DIGITS + 1))
    assert examples == demo.held_out_examples(0, 300, seen)


@pytest.mark.parametrize("flag", ["--steps", "--batch-size", "--held-out"])
def test_main_rejects_non_positive_counts(flag, capsys):
    with pytest.raises(SystemExit) as error:
        demo.main([flag, "0"])
    assert error.value.code == 2
    assert f"{flag} must be a positive integer, got 0" in capsys.readouterr().err
