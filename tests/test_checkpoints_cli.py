"""Tests of ``legacy-seq2seq-compat ckpt inspect|convert`` (cli.main in process, and
one real ``python -m legacy_seq2seq_compat`` subprocess).

The checkpoints are written by tests/ckpt_fixtures.py from the TF 1.15
listings of tests/data/varnames_tf115.txt (see tests/data/README.md), renamed
forward to the old eras.
"""

import os
import re
import subprocess
import sys

import ckpt_fixtures as fx
import numpy as np
import pytest

from legacy_seq2seq_compat import cli

UNMAPPABLE = "decoder/Linear/Matrix"


class OldCheckpoint:
    """A TF 0.12 checkpoint of listing (a) trained with Adam, plus extras."""

    def __init__(self, directory):
        model = fx.random_tensors(fx.measured_listing("a"), seed=5)
        rng = np.random.RandomState(6)
        self.new = dict(model)
        for name, value in model.items():
            for slot in ("Adam", "Adam_1"):
                self.new[f"{name}/{slot}"] = rng.uniform(-1, 1, value.shape).astype(np.float32)
        self.new.update({"global_step": np.int64(42), "beta1_power": np.float32(0.9),
                         "beta2_power": np.float32(0.999), "proj_w": np.ones([3, 2], np.float64)})
        self.old = fx.to_old_era(self.new, "0.12")
        self.old[UNMAPPABLE] = np.full([2, 2], 3.0, np.float32)
        self.new_of = {fx.v012_name(name): name for name in self.new}
        self.new_of[UNMAPPABLE] = UNMAPPABLE
        self.dir = str(directory)
        self.prefix = fx.write_checkpoint(os.path.join(self.dir, "model.ckpt-42"), self.old)
        self.state = fx.files_state(self.dir)


@pytest.fixture(scope="module")
def old(tmp_path_factory):
    checkpoint = OldCheckpoint(tmp_path_factory.mktemp("in"))
    yield checkpoint
    assert fx.files_state(checkpoint.dir) == checkpoint.state  # IN was never modified


def _run(capsys, *argv):
    status = cli.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_inspect_reports_era_model_and_every_variable(old, capsys):
    status, out, err = _run(capsys, "ckpt", "inspect", old.dir)
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[:5] == [
        f"checkpoint: {old.prefix}",
        "naming era: 0.12 (TF <= 0.12 names: CamelCase scopes, Linear/Matrix, LSTMCell/W_0)",
        "model: embedding_attention_seq2seq, 2 x GRUCell(16), 2 heads, "
        "OutputProjectionWrapper(12), 10 -> 12 symbols, embedding size 8",
        "optimizer: Adam (slots Adam, Adam_1)",
        "global step: 42",
    ]
    assert lines[5] == f"variables ({len(old.old)}):"
    listed = lines[6:6 + len(old.old)]
    for line, name in zip(listed, sorted(old.old)):
        value = old.old[name]
        shape = "[" + ", ".join(str(d) for d in value.shape) + "]"
        renamed = rf"\s+-> {re.escape(old.new_of[name])}" if old.new_of[name] != name else ""
        pattern = rf"  {re.escape(name)}\s+{re.escape(shape)}\s+{value.dtype.name}{renamed}"
        assert re.fullmatch(pattern, line), (pattern, line)
    assert lines[6 + len(old.old):] == [
        "could not map 1 name(s) (kept unchanged):",
        f"  {UNMAPPABLE}: Linear/Matrix or Linear/Bias outside a recognised RNN cell, "
        "wrapper or attention scope",
    ]


@pytest.mark.parametrize("label, era, model", [
    ("c", "1.0", "embedding_tied_rnn_seq2seq, BasicLSTMCell(16), OutputProjectionWrapper(10), "
                 "10 symbols, embedding size 8"),
    ("d", ">= 1.2", "embedding_attention_seq2seq, 2 x GRUCell(16), 2 heads, output projection, "
                    "10 -> 12 symbols, embedding size 8"),
    (None, "unknown", "no legacy_seq2seq model recognised"),
])
def test_inspect_other_eras(label, era, model, tmp_path, capsys):
    tensors = fx.random_tensors(fx.measured_listing(label), seed=1) if label else {
        "proj_w": np.ones([2, 2], np.float32), "fully_connected/weights": np.ones([2, 2])}
    if era == "1.0":
        tensors = fx.to_old_era(tensors, era)
    prefix = fx.write_checkpoint(str(tmp_path / "m"), tensors)
    status, out, _ = _run(capsys, "ckpt", "inspect", prefix)
    assert status == 0
    assert f"naming era: {era} (" in out
    assert f"\nmodel: {model}\n" in out
    assert "optimizer: no slot variables (plain SGD, or saved without an optimizer)" in out
    assert "could not map" not in out


def test_inspect_bad_path_exits_2_with_a_message(tmp_path, capsys):
    status, out, err = _run(capsys, "ckpt", "inspect", str(tmp_path / "missing.ckpt"))
    assert (status, out) == (2, "")
    assert err.startswith("legacy-seq2seq-compat ckpt inspect: error: ")
    assert "neither a checkpoint prefix" in err


def test_convert_dry_run_prints_the_mapping_and_writes_nothing(old, tmp_path, capsys):
    out_prefix = str(tmp_path / "out" / "model.ckpt")
    status, out, err = _run(capsys, "ckpt", "convert", old.dir, out_prefix, "--dry-run")
    assert (status, err) == (1, "")  # 1: one name could not be mapped
    assert not (tmp_path / "out").exists()
    lines = out.splitlines()
    assert lines[:3] == [f"IN:  {old.prefix}", f"OUT: {out_prefix}",
                         "naming era: 0.12 (TF <= 0.12 names: CamelCase scopes, Linear/Matrix, "
                         "LSTMCell/W_0)"]
    renamed = sorted((new, name) for name, new in old.new_of.items() if new != name)
    assert lines[3] == f"renamed {len(renamed)} of {len(old.old)} variable(s):"
    assert lines[4:4 + len(renamed)] == [f"  {name} -> {new}" for new, name in renamed]
    assert lines[4 + len(renamed):] == [
        f"unchanged: {len(old.old) - len(renamed)}",
        "could not map 1 name(s) (kept unchanged):",
        f"  {UNMAPPABLE}: Linear/Matrix or Linear/Bias outside a recognised RNN cell, "
        "wrapper or attention scope",
        "dry run: nothing written",
    ]


def test_convert_writes_refuses_to_overwrite_and_forces(old, tmp_path, capsys):
    out_prefix = str(tmp_path / "out" / "model.ckpt")
    status, out, err = _run(capsys, "ckpt", "convert", old.prefix, out_prefix)
    assert (status, err) == (1, "")
    assert out.endswith(f"wrote {out_prefix} ({len(old.old)} tensors)\n"
                        f"wrote {tmp_path / 'out' / 'checkpoint'}\n")
    expected = {old.new_of[name]: value for name, value in old.old.items()}
    got = fx.read_checkpoint(out_prefix)
    assert sorted(got) == sorted(expected)
    for name, value in expected.items():
        assert got[name].dtype == value.dtype and got[name].tobytes() == value.tobytes(), name

    written = fx.files_state(str(tmp_path / "out"))
    status, out, err = _run(capsys, "ckpt", "convert", old.prefix, out_prefix)
    assert (status, out) == (2, "")
    assert "OUT " + out_prefix + " already exists" in err and "--force" in err
    assert fx.files_state(str(tmp_path / "out")) == written
    status, out, err = _run(capsys, "ckpt", "convert", old.prefix, out_prefix, "--force")
    assert (status, err) == (1, "")
    assert fx.files_state(str(tmp_path / "out")) != written  # rewritten ...
    assert fx.read_checkpoint(out_prefix).keys() == got.keys()  # ... with the same content
    status, out, err = _run(capsys, "ckpt", "convert", old.prefix, out_prefix, "--dry-run")
    assert status == 1 and out.endswith("dry run: nothing written (OUT exists: a real run "
                                        "needs --force)\n")


def test_convert_exits_0_when_every_name_maps(tmp_path, capsys):
    new = fx.random_tensors(fx.measured_listing("b"), seed=2)
    prefix = fx.write_checkpoint(str(tmp_path / "in" / "m"), fx.to_old_era(new, "1.0"))
    status, out, err = _run(capsys, "ckpt", "convert", prefix, str(tmp_path / "out" / "m"))
    assert (status, err) == (0, "")
    assert "naming era: 1.0 (TF 1.0-1.1 names: weights/biases in the cell scopes)" in out
    assert "could not map" not in out
    got = fx.read_checkpoint(str(tmp_path / "out" / "m"))
    assert sorted(got) == sorted(new)
    assert all(got[name].tobytes() == value.tobytes() for name, value in new.items())


@pytest.mark.parametrize("extra", [[], ["--force"], ["--dry-run"]])
def test_convert_usage_errors_exit_2(old, extra, tmp_path, capsys):
    for src, dst in [(old.prefix, old.prefix), (old.dir, old.prefix),
                     (old.prefix + ".index", old.prefix)]:
        status, out, err = _run(capsys, "ckpt", "convert", src, dst, *extra)
        assert (status, out) == (2, "")
        assert f"error: OUT is the same checkpoint as IN ({old.prefix})" in err
    status, out, err = _run(capsys, "ckpt", "convert", str(tmp_path / "nope"),
                            str(tmp_path / "out"), *extra)
    assert (status, out) == (2, "")
    assert "ckpt convert: error: " in err and "neither a checkpoint prefix" in err
    status, out, err = _run(capsys, "ckpt", "convert", old.prefix, str(tmp_path), *extra)
    assert (status, out) == (2, "")
    assert "is a directory" in err
    assert fx.files_state(old.dir) == old.state


def test_module_entry_point_in_a_subprocess(old):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [sys.executable, "-m", "legacy_seq2seq_compat", "ckpt", "inspect", old.dir],
        capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "naming era: 0.12 (" in result.stdout
    assert ("model: embedding_attention_seq2seq, 2 x GRUCell(16), 2 heads, "
            "OutputProjectionWrapper(12), 10 -> 12 symbols, embedding size 8") in result.stdout
    assert f"\n  {UNMAPPABLE} " in result.stdout


@pytest.mark.parametrize("named, used", [
    ("model.ckpt-9", "model.ckpt-9"),   # the state file's entry, found by its base name
    ("model.ckpt-77", "model.ckpt-9"),  # an entry gone from the folder: the newest *.index
])
def test_inspect_a_moved_folder_uses_the_checkpoint_found_in_it(tmp_path, capsys, named, used):
    tensors = fx.random_tensors(fx.measured_listing("b"), seed=3)
    folder = tmp_path / "moved"
    fx.write_checkpoint(str(folder / "model.ckpt-3"), tensors)
    prefix = fx.write_checkpoint(str(folder / "model.ckpt-9"), tensors)
    os.utime(prefix + ".index", (2e9, 2e9))  # the newest, whatever the file system's clock
    gone = os.path.join(str(tmp_path), "where", "it", "was")
    (folder / "checkpoint").write_text(
        f'model_checkpoint_path: "{gone}/{named}"\n'
        f'all_model_checkpoint_paths: "{gone}/model.ckpt-3"\n'
        f'all_model_checkpoint_paths: "{gone}/{named}"\n')
    status, out, err = _run(capsys, "ckpt", "inspect", str(folder))
    assert status == 0, err
    assert out.splitlines()[0] == f"checkpoint: {folder / used}"
    assert err.startswith("legacy-seq2seq-compat ckpt inspect: note: the 'checkpoint' state "
                          f"file in {str(folder)!r} names {gone + '/' + named!r}, which does "
                          "not exist (was the folder moved?); using ")
    assert err.rstrip().endswith(f"{str(folder / used)!r}") and err.count("\n") == 1
    from legacy_seq2seq_compat import checkpoints

    with pytest.warns(UserWarning, match=r"was the folder moved\?"):
        assert checkpoints.resolve_checkpoint(str(folder)) == str(folder / used)


def test_convert_speaks_of_flags_and_has_no_dangling_colon(tmp_path, capsys):
    tensors = fx.random_tensors(fx.measured_listing("b"), seed=4)  # already TF 1.15 names
    prefix = fx.write_checkpoint(str(tmp_path / "in" / "m"), tensors)
    out_prefix = str(tmp_path / "out" / "m")
    status, out, err = _run(capsys, "ckpt", "convert", prefix, out_prefix)
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[3:5] == [f"renamed 0 of {len(tensors)} variable(s)",
                          f"unchanged: {len(tensors)}"]
    status, out, err = _run(capsys, "ckpt", "convert", prefix, out_prefix)
    assert (status, out) == (2, "")
    assert err.rstrip().endswith("; pass --force to overwrite it") and "force=True" not in err
    from legacy_seq2seq_compat import checkpoints

    with pytest.raises(FileExistsError, match=r"pass force=True \(--force on the command "
                                              r"line\) to overwrite it"):
        checkpoints.convert_checkpoint(prefix, out_prefix)
