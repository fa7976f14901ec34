"""Our rnn_cell against tf_keras's legacy TF1 cells (``tf.compat.v1.nn.rnn_cell``).

tf_keras's legacy cells are only reachable with ``TF_USE_LEGACY_KERAS=1`` set
before TensorFlow is imported, so they run in one subprocess
(tests/tf_keras_reference/make_reference.py) that builds every case of
tests/tf_keras_reference/cases.py, assigns seeded random weights, runs three
steps and saves names, shapes, weights and values. Each test here builds the
same case with our cells, assigns the saved weights by variable name and
compares. tf_keras has no contrib wrappers; the reference emulates those
around tf_keras cells.
"""

import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from conftest import missing_reference

from legacy_seq2seq_compat import rnn_cell

_HERE = os.path.dirname(os.path.abspath(__file__))
_REF_DIR = os.path.join(_HERE, "tf_keras_reference")


def _load_cases():
    spec = importlib.util.spec_from_file_location(
        "tf_keras_reference_cases", os.path.join(_REF_DIR, "cases.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


cases = _load_cases()

_UNAVAILABLE = 3


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """Runs the tf_keras side once; returns (metadata per case, arrays)."""
    out_dir = tmp_path_factory.mktemp("tf_keras_reference")
    env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run(
        [sys.executable, os.path.join(_REF_DIR, "make_reference.py"), str(out_dir)],
        env=env, capture_output=True, text=True, timeout=600, check=False)
    if proc.returncode == _UNAVAILABLE:
        missing_reference(f"tf_keras legacy cells unavailable: {proc.stdout.strip()}")
    if proc.returncode != 0:
        pytest.fail(f"tf_keras reference run failed (exit {proc.returncode}):\n"
                    f"{proc.stderr[-4000:]}")
    with open(out_dir / "reference.json", encoding="utf-8") as f:
        meta = json.load(f)
    with np.load(out_dir / "reference.npz") as data:
        arrays = {key: data[key] for key in data.files}
    return meta, arrays


def _case_reference(reference, name):
    meta, arrays = reference
    ref = meta[name]
    if "error" in ref:
        pytest.fail(f"tf_keras reference raised for case {name!r}:\n{ref['error']}")
    return ref, arrays


def _variable_table(variables):
    return [[v.name, v.shape.as_list(), v.dtype.base_dtype.name] for v in variables]


@pytest.mark.parametrize("name", [case.name for case in cases.CASES])
def test_matches_tf_keras(reference, name):
    ref, arrays = _case_reference(reference, name)
    case = cases.CASES_BY_NAME[name]
    built = cases.build(rnn_cell, case)

    assert _variable_table(built.variables) == ref["variables"]
    assert built.state_size == ref["state_size"]
    assert built.output_size == ref["output_size"]
    assert built.fetch_names == ref["fetch_names"]
    assert [t.device for t in built.fetches] == ref["devices"]

    weights = {v.name: arrays[f"{name}|weight|{v.name}"] for v in built.variables}
    values = cases.evaluate(built, weights)
    for fetch_name, value in zip(built.fetch_names, values):
        expected = arrays[f"{name}|fetch|{fetch_name}"]
        assert value.dtype == expected.dtype == np.dtype(case.dtype), fetch_name
        np.testing.assert_allclose(value, expected, rtol=1e-6, atol=1e-6, err_msg=fetch_name)


def _gru_names(prefix):
    return [f"{prefix}/gates/kernel:0", f"{prefix}/gates/bias:0",
            f"{prefix}/candidate/kernel:0", f"{prefix}/candidate/bias:0"]


@pytest.mark.parametrize("name, expected", [
    ("scope_a_then_b", _gru_names("a/gru_cell")),
    ("scope_two_cells", _gru_names("layer/gru_cell") + _gru_names("layer/gru_cell_1")),
    ("scope_named", _gru_names("enc")),
    ("scope_argument", _gru_names("explicit")),
    ("scope_reuse_true", _gru_names("gru_cell")),
    ("scope_multi_a_then_b", _gru_names("a/multi_rnn_cell/cell_0/gru_cell")
     + ["a/multi_rnn_cell/cell_1/basic_rnn_cell/kernel:0",
        "a/multi_rnn_cell/cell_1/basic_rnn_cell/bias:0"]),
    ("scope_wrappers_add_no_level", _gru_names("w/gru_cell")),
    ("output_projection_gru", _gru_names("output_projection_wrapper/gru_cell")
     + ["output_projection_wrapper/kernel:0", "output_projection_wrapper/bias:0"]),
    ("input_projection_gru", ["input_projection_wrapper/kernel:0",
                              "input_projection_wrapper/bias:0"]
     + _gru_names("input_projection_wrapper/gru_cell")),
    ("embedding_gru", ["embedding_wrapper/embedding:0"]
     + _gru_names("embedding_wrapper/gru_cell")),
])
def test_scope_names_are_the_tf1_ones(reference, name, expected):
    ref, _ = _case_reference(reference, name)
    assert [row[0] for row in ref["variables"]] == expected
    built = cases.build(rnn_cell, cases.CASES_BY_NAME[name])
    assert [v.name for v in built.variables] == expected


def test_clipping_case_really_clips(reference):
    """Guards the peephole/clip case: both clips must bind in the reference run."""
    _, arrays = _case_reference(reference, "lstm_peep_clip_proj")
    c = np.stack([arrays[f"lstm_peep_clip_proj|fetch|step{t}/state0"] for t in range(3)])
    m = np.stack([arrays[f"lstm_peep_clip_proj|fetch|step{t}/state1"] for t in range(3)])
    assert np.isclose(np.abs(c), 0.5).any() and np.abs(c).max() <= 0.5 + 1e-7
    assert np.isclose(np.abs(m), 0.4).any() and np.abs(m).max() <= 0.4 + 1e-7
    assert np.abs(c).min() < 0.5 and np.abs(m).min() < 0.4


def test_emulated_output_projection_is_gru_then_affine(reference):
    """The reference emulation equals tf_keras GRUCell output @ kernel + bias."""
    ref, arrays = _case_reference(reference, "output_projection_gru")
    kernel = arrays["output_projection_gru|weight|output_projection_wrapper/kernel:0"]
    bias = arrays["output_projection_gru|weight|output_projection_wrapper/bias:0"]
    for t in range(3):
        gru_h = arrays[f"output_projection_gru|fetch|step{t}/state0"]
        projected = arrays[f"output_projection_gru|fetch|step{t}/output"]
        np.testing.assert_allclose(projected, gru_h @ kernel + bias, rtol=1e-5, atol=1e-6)
    assert kernel.shape == (3, 5) and tf.as_dtype(kernel.dtype) == tf.float32
