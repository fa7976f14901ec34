"""The README's Python examples run as written (each in a fresh process)."""

import pathlib
import re
import subprocess
import sys

import pytest

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def test_readme_has_python_examples():
    assert len(BLOCKS) >= 2


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index):
    code = BLOCKS[index]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    # A comment line that starts with "# [" shows the printed result: check it.
    shown = "".join(line[2:] for line in code.splitlines() if line.startswith(("# [", "#  ")))
    if shown:
        assert result.stdout.split() == shown.split()


def test_readme_names_only_the_tensorflow_version_ci_runs():
    """CI runs one TensorFlow (what `pip install -e '.[test]'` installs): README claims no more."""
    from importlib.metadata import version

    text = README.read_text()
    claims = re.findall(r"Tested on TensorFlow ([\d.]+(?:(?:,| and| or) [\d.]+)*)", text)
    assert len(claims) == 1, claims
    named = re.findall(r"\d+\.\d+", claims[0])
    installed = ".".join(version("tensorflow").split(".")[:2])
    assert named == [installed], (claims[0], installed)
    assert "measured with TF 1.15" not in text


def test_every_reference_file_names_what_produced_it():
    data = README.parent / "tests" / "data"
    notes = (data / "README.md").read_text()
    for path in sorted(data.iterdir()):
        if path.name != "README.md":
            assert f"## {path.name}" in notes, path.name
    assert "Produced by** `tests/make_baseline_numbers.py`" in notes
    assert (README.parent / "tests" / "make_baseline_numbers.py").is_file()


def test_a_missing_reference_fails_under_ci_and_skips_elsewhere(monkeypatch):
    from conftest import import_reference, missing_reference

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run every reference comparison"):
        missing_reference("tf_keras legacy cells unavailable")
    with pytest.raises(pytest.fail.Exception, match="no_such_reference_package is not importable"):
        import_reference("no_such_reference_package")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="tf_keras legacy cells unavailable"):
        missing_reference("tf_keras legacy cells unavailable")


def test_xdist_workers_finish_their_garbage_collection_before_shutdown():
    """See conftest.pytest_sessionfinish: the end of the run shows no unraisable-exception trace."""
    code = (
        "import gc, os\n"
        "os.environ['PYTEST_XDIST_WORKER'] = 'gw0'\n"
        "import conftest\n"
        "junk = [[object()] for _ in range(1000)]\n"
        "assert gc.get_freeze_count() == 0\n"
        "conftest.pytest_sessionfinish(None, 0)\n"
        "print(gc.get_freeze_count() > 1000)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=README.parent / "tests", timeout=60, check=False)
    assert (result.returncode, result.stdout) == (0, "True\n"), result.stderr[-2000:]
