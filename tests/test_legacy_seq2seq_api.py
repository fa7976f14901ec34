"""The public face of the drop-in module and the package's source hygiene.

`legacy_seq2seq_compat.legacy_seq2seq` must expose exactly the 13 functions
of TF 1.15's `tf.contrib.legacy_seq2seq`, with the same signatures (parameter
names, order and defaults); the package top level exposes them too. The
package itself must not import Keras or TensorFlow's private modules, and
must not carry TensorFlow copyright headers.
"""

import ast
import inspect
import os
import pathlib
import subprocess
import sys

import pytest
import tensorflow as tf

import legacy_seq2seq_compat
from legacy_seq2seq_compat import legacy_seq2seq

_PACKAGE_DIR = pathlib.Path(legacy_seq2seq_compat.__file__).resolve().parent
_TESTS_DIR = pathlib.Path(__file__).resolve().parent

# The headings of the reference's §1, verbatim (TF 1.15 signatures).
_TF115_SIGNATURES = [
    "attention_decoder(decoder_inputs, initial_state, attention_states, cell, output_size=None, "
    "num_heads=1, loop_function=None, dtype=None, scope=None, initial_state_attention=False)",
    "basic_rnn_seq2seq(encoder_inputs, decoder_inputs, cell, dtype=dtypes.float32, scope=None)",
    "embedding_attention_decoder(decoder_inputs, initial_state, attention_states, cell, "
    "num_symbols, embedding_size, num_heads=1, output_size=None, output_projection=None, "
    "feed_previous=False, update_embedding_for_previous=True, dtype=None, scope=None, "
    "initial_state_attention=False)",
    "embedding_attention_seq2seq(encoder_inputs, decoder_inputs, cell, num_encoder_symbols, "
    "num_decoder_symbols, embedding_size, num_heads=1, output_projection=None, "
    "feed_previous=False, dtype=None, scope=None, initial_state_attention=False)",
    "embedding_rnn_decoder(decoder_inputs, initial_state, cell, num_symbols, embedding_size, "
    "output_projection=None, feed_previous=False, update_embedding_for_previous=True, "
    "scope=None)",
    "embedding_rnn_seq2seq(encoder_inputs, decoder_inputs, cell, num_encoder_symbols, "
    "num_decoder_symbols, embedding_size, output_projection=None, feed_previous=False, "
    "dtype=None, scope=None)",
    "embedding_tied_rnn_seq2seq(encoder_inputs, decoder_inputs, cell, num_symbols, "
    "embedding_size, num_decoder_symbols=None, output_projection=None, feed_previous=False, "
    "dtype=None, scope=None)",
    "model_with_buckets(encoder_inputs, decoder_inputs, targets, weights, buckets, seq2seq, "
    "softmax_loss_function=None, per_example_loss=False, name=None)",
    "one2many_rnn_seq2seq(encoder_inputs, decoder_inputs_dict, enc_cell, dec_cells_dict, "
    "num_encoder_symbols, num_decoder_symbols_dict, embedding_size, feed_previous=False, "
    "dtype=None, scope=None)",
    "rnn_decoder(decoder_inputs, initial_state, cell, loop_function=None, scope=None)",
    "sequence_loss(logits, targets, weights, average_across_timesteps=True, "
    "average_across_batch=True, softmax_loss_function=None, name=None)",
    "sequence_loss_by_example(logits, targets, weights, average_across_timesteps=True, "
    "softmax_loss_function=None, name=None)",
    "tied_rnn_seq2seq(encoder_inputs, decoder_inputs, cell, loop_function=None, "
    "dtype=dtypes.float32, scope=None)",
]

_REQUIRED = object()


def _parse_heading(heading):
    """'f(a, b=1)' -> ('f', [('a', _REQUIRED), ('b', 1)])."""
    name, _, rest = heading.partition("(")
    assert rest.endswith(")"), heading
    params = []
    for item in rest[:-1].split(","):
        param, sep, default = (part.strip() for part in item.partition("="))
        if not sep:
            params.append((param, _REQUIRED))
        elif default == "dtypes.float32":
            params.append((param, tf.float32))
        else:
            params.append((param, ast.literal_eval(default)))
    return name, params


_EXPECTED = dict(_parse_heading(h) for h in _TF115_SIGNATURES)
_NAMES = sorted(_EXPECTED)


def test_the_table_has_the_13_functions():
    assert len(_NAMES) == len(_TF115_SIGNATURES) == 13


def test_module_all_is_exactly_the_13_functions():
    assert sorted(legacy_seq2seq.__all__) == _NAMES
    assert len(legacy_seq2seq.__all__) == len(set(legacy_seq2seq.__all__))


def test_module_has_no_other_public_names():
    public = sorted(name for name in vars(legacy_seq2seq) if not name.startswith("_"))
    assert public == _NAMES


def test_star_import_gives_exactly_the_13_functions():
    namespace = {}
    exec("from legacy_seq2seq_compat.legacy_seq2seq import *", namespace)  # noqa: S102
    assert sorted(k for k in namespace if k != "__builtins__") == _NAMES


@pytest.mark.parametrize("name", _NAMES)
def test_package_top_level_exposes_the_function(name):
    assert name in legacy_seq2seq_compat.__all__
    assert getattr(legacy_seq2seq_compat, name, None) is getattr(legacy_seq2seq, name)


def _same_default(actual, expected):
    if expected is _REQUIRED:
        return actual is inspect.Parameter.empty
    if isinstance(expected, tf.dtypes.DType):
        return isinstance(actual, tf.dtypes.DType) and actual == expected
    # type() too, so that 1 != True and 0 != False.
    return type(actual) is type(expected) and actual == expected


@pytest.mark.parametrize("name", _NAMES)
def test_signature_matches_tf115(name):
    function = getattr(legacy_seq2seq, name)
    assert inspect.isfunction(function), f"{name} is {type(function).__name__}"
    parameters = list(inspect.signature(function).parameters.values())
    expected = _EXPECTED[name]
    assert [p.name for p in parameters] == [p for p, _ in expected]
    for parameter, (_, default) in zip(parameters, expected):
        assert parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, parameter
        assert _same_default(parameter.default, default), (
            f"{name}({parameter.name}=...): default {parameter.default!r}, "
            f"TF 1.15 has {'no default' if default is _REQUIRED else repr(default)}")


@pytest.mark.parametrize("name", _NAMES)
def test_function_has_a_docstring(name):
    doc = inspect.getdoc(getattr(legacy_seq2seq, name)) or ""
    assert "Args:" in doc and "Returns:" in doc, name


# -- source hygiene ------------------------------------------------------------

_FORBIDDEN_MODULES = ("keras", "tf_keras", "tensorflow.python")


def _package_sources():
    files = sorted(p for p in _PACKAGE_DIR.rglob("*.py") if "__pycache__" not in p.parts)
    assert files, f"no sources found under {_PACKAGE_DIR}"
    return files


def _is_forbidden(module):
    return any(module == bad or module.startswith(bad + ".") for bad in _FORBIDDEN_MODULES)


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _keras_uses(source, filename):
    """Lists Keras / tensorflow.python imports and `.keras` attribute uses."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if _is_forbidden(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if _is_forbidden(node.module):
                found.append(f"from {node.module} import ...")
            else:
                found += [f"from {node.module} import {a.name}" for a in node.names
                          if _is_forbidden(f"{node.module}.{a.name}") or a.name == "keras"]
        elif isinstance(node, ast.Call) and node.args:
            callee = _dotted(node.func)
            first = node.args[0]
            if (callee.endswith("import_module") or callee == "__import__") and isinstance(
                    first, ast.Constant) and isinstance(first.value, str):
                if _is_forbidden(first.value):
                    found.append(f"{callee}({first.value!r})")
        elif isinstance(node, ast.Attribute) and node.attr == "keras":
            found.append(_dotted(node) or ".keras")
    return [f"{filename}:{item}" for item in found]


def test_hygiene_scanner_catches_the_forbidden_forms():
    source = ("import keras\nimport tf_keras.layers\nfrom tensorflow.python.ops import rnn\n"
              "from tensorflow import keras\nimport importlib\n"
              "importlib.import_module('tf_keras')\nimport tensorflow as tf\n"
              "x = tf.keras.layers\nimport tensorflow.python\nimport kerastuner\n")
    assert len(_keras_uses(source, "probe.py")) == 7


def test_package_imports_no_keras_and_no_tensorflow_python():
    found = []
    for path in _package_sources():
        found += _keras_uses(path.read_text(encoding="utf-8"), path.name)
    assert found == []


def test_package_loads_no_keras_module_beyond_tensorflow():
    """In a fresh interpreter, importing the package after TensorFlow (which
    itself may load `keras`) adds no Keras or tf_keras module."""
    code = (
        "import sys, tensorflow\n"
        "def keras_modules():\n"
        "    return {m for m in sys.modules if m.split('.')[0] in ('keras', 'tf_keras')}\n"
        "before = keras_modules()\n"
        "import legacy_seq2seq_compat.legacy_seq2seq\n"
        "print(sorted(keras_modules() - before))\n")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("TF_USE_LEGACY_KERAS", None)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def _text_files(directory):
    for path in sorted(directory.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            try:
                yield path, path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue


def test_no_tensorflow_copyright_headers():
    authors = "tensorflow" + " authors"  # split so that this file does not match
    carriers = [
        str(path)
        for directory in (_PACKAGE_DIR, _TESTS_DIR)
        for path, text in _text_files(directory)
        if "copyright" in text.lower() and authors in text.lower()
    ]
    assert carriers == []
