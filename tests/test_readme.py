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
