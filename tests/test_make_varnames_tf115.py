"""tests/make_varnames_tf115.py without the network: its CLI, format, sections and imports.

The script itself downloads TF 1.15's wheel; these tests never do. They check
that the stored listing is exactly what the script's writer produces, that the
script and tests/test_varnames.py agree on the sections, that the file's header
names the script, the wheel and the versions, and that the stand-in import
table serves a TF 1.15-style module (read from a small fake wheel).
"""

import os
import re
import subprocess
import sys
import zipfile

import make_varnames_tf115 as script
import pytest
from test_varnames import _FILE_BUILDERS, _parse_reference

_DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
_LISTING = os.path.join(_DATA_DIR, "varnames_tf115.txt")


def _stored_text():
    with open(_LISTING, encoding="utf-8") as f:
        return f.read()


def test_help_imports_no_tensorflow():
    code = ("import sys\n"
            f"sys.path.insert(0, {os.path.dirname(script.__file__)!r})\n"
            "import make_varnames_tf115 as m\n"
            "try:\n"
            "    m.main(['--help'])\n"
            "except SystemExit as exc:\n"
            "    print('exit', exc.code)\n"
            "print('tensorflow' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert script.WHEEL_REQUIREMENT in done.stdout
    assert "--cache-dir" in done.stdout and "--wheel" in done.stdout
    assert done.stdout.splitlines()[-2:] == ["exit 0", "False"]


def test_writer_reproduces_the_stored_file():
    text = _stored_text()
    header = text.split("\n\n", 1)[0].splitlines()
    assert all(line.startswith("#") for line in header)
    assert script.format_listing(_parse_reference(_LISTING), header) == text


def test_sections_match_the_builders_of_test_varnames():
    assert {label: builder[0] for label, builder in _FILE_BUILDERS.items()} == script.SECTIONS
    assert list(_parse_reference(_LISTING)) == list(script.SECTIONS)


def test_header_names_script_wheel_hash_and_versions():
    header = _stored_text().split("\n\n", 1)[0]
    assert header.splitlines()[0] == script.TITLE
    assert "tests/make_varnames_tf115.py" in header
    assert script.WHEEL_FILE in header and script.WHEEL_SHA256 in header
    assert script.SEQ2SEQ_MEMBER in header and script.CORE_RNN_CELL_MEMBER in header
    assert re.search(r"TensorFlow 2\.\d+\.\d+ with tf_keras 2\.\d+\.\d+'s legacy", header), header
    assert script.header_lines(script.WHEEL_SHA256, {"tensorflow": "2.21.0", "tf_keras": "2.21.0"})[
        1:4] == header.splitlines()[1:4]


def test_data_readme_names_the_script():
    with open(os.path.join(_DATA_DIR, "README.md"), encoding="utf-8") as f:
        notes = f.read()
    section = notes.split("## varnames_tf115.txt", 1)[1].split("\n## ", 1)[0]
    assert "**Produced by** `tests/make_varnames_tf115.py`" in section
    assert script.WHEEL_REQUIREMENT in section


_FAKE_CORE_RNN_CELL = """\
from tensorflow.python.util import nest
from tensorflow.python.ops import math_ops
IS_SEQUENCE = nest.is_sequence
MATMUL = math_ops.matmul
"""

_FAKE_SEQ2SEQ = """\
import copy
from six.moves import xrange
from six.moves import zip
from tensorflow.contrib.rnn.python.ops import core_rnn_cell
from tensorflow.python.ops import array_ops
from tensorflow.python.ops import control_flow_ops
RESULT = (list(xrange(3)), list(zip('ab', 'cd')), core_rnn_cell.IS_SEQUENCE((1, 2)),
          core_rnn_cell.IS_SEQUENCE(1), array_ops.stack, control_flow_ops.cond,
          core_rnn_cell.MATMUL, copy.copy)
"""


def test_stand_ins_serve_a_tf115_style_module(tmp_path):
    import tensorflow as tf
    from tensorflow.python.ops import math_ops

    wheel = tmp_path / script.WHEEL_FILE
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(script.CORE_RNN_CELL_MEMBER, _FAKE_CORE_RNN_CELL)
        archive.writestr(script.SEQ2SEQ_MEMBER, _FAKE_SEQ2SEQ)
    module = script._load_tf115(str(wheel))
    numbers, pairs, nested, flat, stack, cond, matmul, _ = module.RESULT
    assert (numbers, pairs, nested, flat) == ([0, 1, 2], [("a", "c"), ("b", "d")], True, False)
    assert (stack, cond, matmul) == (tf.stack, tf.compat.v1.cond, math_ops.matmul)


def test_a_wheel_with_a_different_hash_is_refused(tmp_path):
    wheel = tmp_path / script.WHEEL_FILE
    wheel.write_bytes(b"not the wheel")
    with pytest.raises(SystemExit, match="expected " + script.WHEEL_SHA256):
        script.main(["--wheel", str(wheel), "--output", str(tmp_path / "out.txt")])
    assert not (tmp_path / "out.txt").exists()
