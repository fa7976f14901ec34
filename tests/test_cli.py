"""The `legacy-seq2seq-compat` command line: sub-commands, help and usage errors."""

import os
import shutil
import subprocess
import sys
import textwrap

import pytest
from conftest import missing_reference

from legacy_seq2seq_compat import cli


def test_help_lists_the_sub_commands(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: legacy-seq2seq-compat")
    assert "run" in out and "ckpt" in out


@pytest.mark.parametrize("argv, fragment", [
    ([], "the following arguments are required: COMMAND"),
    (["ckpt"], "the following arguments are required: ACTION"),
    (["run"], "the following arguments are required: script"),
    (["ckpt", "convert", "in_only"], "the following arguments are required: OUT"),
    (["fly"], "invalid choice: 'fly'"),
])
def test_usage_errors_exit_2_with_a_message(capsys, argv, fragment):
    with pytest.raises(SystemExit) as stop:
        cli.main(argv)
    assert stop.value.code == 2
    assert fragment in capsys.readouterr().err


def test_run_passes_every_later_argument_to_the_script(monkeypatch):
    seen = {}

    def fake_run_script(script, args, separate_layer_weights, verbose):
        seen.update(script=script, args=args, separate=separate_layer_weights, verbose=verbose)
        return 5

    from legacy_seq2seq_compat import runner

    monkeypatch.setattr(runner, "run_script", fake_run_script)
    status = cli.main(["run", "train.py", "--help", "--size=3", "-x", "pos"])
    assert status == 5
    assert seen == {"script": "train.py", "args": ["--help", "--size=3", "-x", "pos"],
                    "separate": False, "verbose": False}
    cli.main(["run", "--separate-layer-weights", "--verbose", "train.py",
              "--separate-layer-weights"])
    assert seen == {"script": "train.py", "args": ["--separate-layer-weights"], "separate": True,
                    "verbose": True}


def test_version_prints_the_package_version(capsys):
    from legacy_seq2seq_compat._version import __version__

    with pytest.raises(SystemExit) as stop:
        cli.main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"legacy-seq2seq-compat {__version__}\n"


def test_console_script_and_module_entry_point_agree():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    module = subprocess.run([sys.executable, "-m", "legacy_seq2seq_compat", "--help"],
                            capture_output=True, text=True, env=env, timeout=300, check=False)
    assert module.returncode == 0, module.stderr[-2000:]
    assert "usage: legacy-seq2seq-compat" in module.stdout
    console = shutil.which("legacy-seq2seq-compat",
                           path=os.path.dirname(sys.executable) + os.pathsep
                           + os.environ.get("PATH", ""))
    if console is None:
        missing_reference("the console script is not installed (pip install -e . installs it)")
    installed = subprocess.run([console, "--help"], capture_output=True, text=True, env=env,
                               timeout=300, check=False)
    assert installed.returncode == 0
    assert installed.stdout == module.stdout


def test_help_version_and_migrate_do_not_import_tensorflow(tmp_path):
    """`--help`, `--version`, `migrate` and the package import answer without TensorFlow.

    One fresh interpreter checks all of them (TensorFlow in sys.modules would
    mean seconds of start-up and its log lines).
    """
    path = tmp_path / "old.py"
    path.write_text("import tensorflow as tf\nx = tf.placeholder(tf.float32)\n"
                    "cell = tf.contrib.rnn.GRUCell(3)\n")
    code = textwrap.dedent(f"""
        import io, sys, time, contextlib
        start = time.perf_counter()
        import legacy_seq2seq_compat as lsc
        names = set(dir(lsc))
        assert set(lsc.__all__) <= names and "uninstall" in lsc.__all__, names
        from legacy_seq2seq_compat import cli
        from legacy_seq2seq_compat._version import __version__
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            for argv in (["--help"], ["--version"]):
                try:
                    cli.main(argv)
                except SystemExit as stop:
                    assert stop.code == 0, (argv, stop.code)
            status = cli.main(["migrate", {str(path)!r}])
        elapsed = time.perf_counter() - start
        heavy = sorted(m for m in ("tensorflow", "tf_slim", "numpy") if m in sys.modules)
        print(status, repr(heavy), out.getvalue().count("usage:"), __version__ in out.getvalue(),
              "placeholder" in err.getvalue(), round(elapsed, 2))
    """)
    env = dict(os.environ)
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    status, heavy, usages, version_shown, reported, elapsed = proc.stdout.split()
    assert (status, heavy, usages, version_shown, reported) == ("1", "[]", "1", "True", "True")
    # No TensorFlow import is the point; the time bound is generous for a loaded machine.
    assert float(elapsed) < 5, elapsed
    assert "oneDNN" not in proc.stderr and "absl" not in proc.stderr
