"""The `legacy-seq2seq-compat` command line: sub-commands, help and usage errors."""

import os
import shutil
import subprocess
import sys

import pytest

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

    def fake_run_script(script, args, separate_layer_weights):
        seen.update(script=script, args=args, separate=separate_layer_weights)
        return 5

    from legacy_seq2seq_compat import runner

    monkeypatch.setattr(runner, "run_script", fake_run_script)
    status = cli.main(["run", "train.py", "--help", "--size=3", "-x", "pos"])
    assert status == 5
    assert seen == {"script": "train.py", "args": ["--help", "--size=3", "-x", "pos"],
                    "separate": False}
    cli.main(["run", "--separate-layer-weights", "train.py", "--separate-layer-weights"])
    assert seen == {"script": "train.py", "args": ["--separate-layer-weights"], "separate": True}


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
        pytest.skip("the console script is not installed (pip install -e . installs it)")
    installed = subprocess.run([console, "--help"], capture_output=True, text=True, env=env,
                               timeout=300, check=False)
    assert installed.returncode == 0
    assert installed.stdout == module.stdout
