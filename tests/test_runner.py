"""`legacy-seq2seq-compat run`: unmodified TF 1.x scripts, their argv, exit status and tracebacks.

Every run is a real subprocess (`python -m legacy_seq2seq_compat run ...`),
because the facade turns TF2 behaviour off for the whole process.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

# A TF 1.x script: flags, tf.app.run, contrib imports, and a MODE flag that
# decides how it ends. The line numbers of the `raise` lines are asserted.
SCRIPT = textwrap.dedent("""\
    import json
    import sys

    import tensorflow as tf
    from tensorflow.contrib import legacy_seq2seq, rnn

    flags = tf.app.flags
    flags.DEFINE_integer("size", 4, "units per layer")
    flags.DEFINE_string("mode", "ok", "how to end")
    FLAGS = flags.FLAGS


    def fail():
        raise ValueError("broken on purpose")


    def main(argv):
        if FLAGS.mode == "raise":
            fail()
        if FLAGS.mode == "contrib":
            return tf.contrib.seq2seq.BasicDecoder
        if FLAGS.mode == "exit_message":
            sys.exit("stopped: bad data")
        if FLAGS.mode == "interrupt":
            raise KeyboardInterrupt
        enc = [tf.placeholder(tf.int32, [None]) for _ in range(2)]
        cell = rnn.GRUCell(FLAGS.size)
        outputs, _ = legacy_seq2seq.embedding_rnn_seq2seq(enc, enc, cell, 5, 5, 3)
        print("REPORT" + json.dumps({
            "name": __name__, "argv": sys.argv, "main_argv": argv, "file": __file__,
            "path0": sys.path[0], "size": FLAGS.size, "eager": tf.executing_eagerly(),
            "variables": [v.name for v in tf.global_variables()][:2],
            "outputs": len(outputs)}))
        return 3 if FLAGS.mode == "return3" else 0


    if __name__ == "__main__":
        tf.app.run()
""")
RAISE_LINE = SCRIPT.splitlines().index('    raise ValueError("broken on purpose")') + 1
CALL_LINE = SCRIPT.splitlines().index("        fail()") + 1
CONTRIB_LINE = SCRIPT.splitlines().index("        return tf.contrib.seq2seq.BasicDecoder") + 1


# What TensorFlow prints at start-up, and the warning of the facade's own disable_v2_behavior().
NOISE = ("absl::InitializeLog", "oneDNN", "cuda drivers", "cuInit", "cpu_feature_guard",
         "disable_resource_variables", "I0000 ", "W0000 ")


def _clean_env(**extra):
    """The environment of a user who set no TF_CPP_MIN_LOG_LEVEL, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env.update(extra)
    return env


def _run(tmp_path, *args, script_text=SCRIPT, name="old_script.py", runner_flags=(), env=None):
    script = tmp_path / "scripts" / name
    script.parent.mkdir(exist_ok=True)
    script.write_text(script_text)
    env = _clean_env() if env is None else env
    result = subprocess.run(
        [sys.executable, "-m", "legacy_seq2seq_compat", "run", *runner_flags, str(script), *args],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600, check=False)
    return script, result


def _report(result):
    line = [x for x in result.stdout.splitlines() if x.startswith("REPORT")][-1]
    return json.loads(line[len("REPORT"):])


def test_script_runs_as_main_with_its_own_argv_and_flags(tmp_path):
    script, result = _run(tmp_path, "--size", "7", "extra")
    assert result.returncode == 0, result.stderr[-2000:]
    report = _report(result)
    assert report["name"] == "__main__"
    assert report["argv"][0] == str(script)
    assert report["main_argv"] == [str(script), "extra"]  # flags removed by tf.app.run
    assert report["file"] == str(script)
    assert report["path0"] == str(script.parent)
    assert report["size"] == 7
    assert report["eager"] is False
    assert report["variables"] == [
        "embedding_rnn_seq2seq/rnn/embedding_wrapper/embedding:0",
        "embedding_rnn_seq2seq/rnn/embedding_wrapper/gru_cell/gates/kernel:0"]
    assert report["outputs"] == 2
    # A user with no TF_CPP_MIN_LOG_LEVEL of their own sees no start-up noise at all.
    assert [word for word in NOISE if word in result.stderr] == [], result.stderr[-2000:]
    assert result.stderr == ""


@pytest.mark.slow
@pytest.mark.parametrize("mode, status", [("return3", 3), ("exit_message", 1),
                                          ("interrupt", 130)])
def test_exit_status_is_the_scripts(tmp_path, mode, status):
    _, result = _run(tmp_path, "--mode", mode)
    assert result.returncode == status, result.stderr[-2000:]
    if mode == "exit_message":
        assert "stopped: bad data" in result.stderr


@pytest.mark.slow
def test_traceback_points_at_the_users_file_and_line(tmp_path):
    script, result = _run(tmp_path, "--mode", "raise")
    assert result.returncode == 1
    err = result.stderr
    assert err.count("Traceback (most recent call last):") == 1
    assert f'File "{script}", line {CALL_LINE}, in main' in err
    assert f'File "{script}", line {RAISE_LINE}, in fail' in err
    assert err.rstrip().endswith("ValueError: broken on purpose")
    # The runner's own frames are not shown above the script's.
    assert "runpy" not in err and "runner.py" not in err and "cli.py" not in err


@pytest.mark.slow
def test_missing_contrib_member_names_it_and_the_guide_section(tmp_path):
    script, result = _run(tmp_path, "--mode", "contrib")
    assert result.returncode == 1
    err = result.stderr
    assert f'File "{script}", line {CONTRIB_LINE}, in main' in err
    last = err.rstrip().splitlines()[-1]
    assert last.startswith("legacy_seq2seq_compat.contrib.ContribNotProvidedError: "
                           "tf.contrib.seq2seq is not provided")
    assert "migration_guide.md, section 'tf.contrib.seq2seq' (#tfcontribseq2seq)" in last
    assert "contrib.py" not in err  # the failing line shown is the user's


@pytest.mark.slow
def test_compat_v1_import_style_gets_the_cells_too(tmp_path):
    text = textwrap.dedent("""\
        import tensorflow.compat.v1 as tf
        from tensorflow.compat import v1
        tf.disable_v2_behavior()
        cell = tf.nn.rnn_cell.LSTMCell(3, num_proj=2)
        x = [tf.placeholder(tf.float32, [None, 2])]
        outputs, state = tf.nn.static_rnn(cell, x, dtype=tf.float32)
        print([v.name for v in tf.global_variables()], v1 is tf, type(cell).__module__)
    """)
    # The user's own TF_CPP_MIN_LOG_LEVEL: nothing is hidden, not even our own call's warning.
    _, result = _run(tmp_path, script_text=text, name="compat_style.py",
                     env=_clean_env(TF_CPP_MIN_LOG_LEVEL="1"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "disable_resource_variables" in result.stderr
    assert ("['rnn/lstm_cell/kernel:0', 'rnn/lstm_cell/bias:0', "
            "'rnn/lstm_cell/projection/kernel:0'] True legacy_seq2seq_compat.rnn_cell"
            in result.stdout)


@pytest.mark.slow
@pytest.mark.parametrize("flag, layers", [((), ["cell_0"]),
                                         (("--separate-layer-weights",), ["cell_0", "cell_1"])])
def test_repeated_cell_layers_share_weights_unless_asked_as_tf_1_0(tmp_path, flag, layers):
    # The script sets its own log level at the top: the runner applies it before TensorFlow
    # starts, so nothing is hidden (not even the facade's own deprecation warning).
    text = textwrap.dedent("""\
        import os
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
        import tensorflow as tf
        cell = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.GRUCell(4)] * 2)
        outputs, _ = tf.nn.rnn(cell, [tf.placeholder(tf.float32, [None, 4])], dtype=tf.float32)
        print("LAYERS", sorted({v.name.split("/")[2] for v in tf.global_variables()}))
    """)
    _, result = _run(tmp_path, script_text=text, name="tf010_style.py", runner_flags=flag)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"LAYERS {layers}" in result.stdout
    assert ("will share weights" in result.stderr) == (not flag)
    assert "disable_resource_variables" in result.stderr


def test_missing_script_is_a_usage_error(tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        [sys.executable, "-m", "legacy_seq2seq_compat", "run", "no_such_script.py"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600, check=False)
    assert result.returncode == 2
    assert "script not found: 'no_such_script.py'" in result.stderr


def test_verbose_keeps_the_noise_and_the_layer_switch_is_restored(tmp_path):
    """One process: `run --verbose` semantics via run_script, and the class flag after the run."""
    script = tmp_path / "layers.py"
    script.write_text(textwrap.dedent("""\
        import tensorflow as tf
        print("DURING", tf.nn.rnn_cell.MultiRNNCell.separate_repeated_cells)
    """))
    code = textwrap.dedent(f"""
        from legacy_seq2seq_compat import runner
        status = runner.run_script({str(script)!r}, [], separate_layer_weights=True,
                                   verbose=True)
        from legacy_seq2seq_compat import rnn_cell
        print("AFTER", status, rnn_cell.MultiRNNCell.separate_repeated_cells)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=_clean_env(), cwd=tmp_path, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "DURING True" in result.stdout and "AFTER 0 False" in result.stdout
    assert "disable_resource_variables" in result.stderr  # --verbose hides nothing


@pytest.mark.slow
def test_a_level_the_script_sets_itself_applies_before_tensorflow_starts(tmp_path):
    from legacy_seq2seq_compat import runner

    script = tmp_path / "own_level.py"
    script.write_text('import os\nos.environ["TF_CPP_MIN_LOG_LEVEL"] = "0"\nimport tensorflow\n')
    assert runner._scripts_log_level(str(script)) == ("0", True)
    script.write_text('from os import environ\nenviron.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")\n')
    assert runner._scripts_log_level(str(script)) == ("3", False)
    script.write_text("import tensorflow as tf\n")
    assert runner._scripts_log_level(str(script)) is None
