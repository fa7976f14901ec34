"""The core suite also passes the way old scripts run: with TF1 behaviour on.

`tf.compat.v1.disable_v2_behavior()` switches to ref variables, v1 control
flow (tf.cond with Switch/Merge) and v1 TensorShapes for the whole process,
so each core module is re-run in a subprocess of its own (see conftest.py).
One subprocess per module lets `pytest -n 2` share them between both cores.
"""

import os
import pathlib
import subprocess
import sys

import pytest

TESTS = pathlib.Path(__file__).resolve().parent
MODULES = ["test_rnn_cell.py", "test_rnn.py", "test_decoders.py", "test_models.py",
           "test_losses.py", "test_buckets.py", "test_varnames.py", "test_checkpoints.py",
           "test_baseline_numbers.py"]


@pytest.mark.slow
@pytest.mark.parametrize("module", MODULES)
def test_core_module_passes_with_tf1_behavior(module):
    env = dict(os.environ, LEGACY_SEQ2SEQ_TF1_BEHAVIOR="1", TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(TESTS / module)],
        env=env, capture_output=True, text=True, timeout=1200, check=False, cwd=TESTS.parent)
    tail = result.stdout[-3000:]
    assert result.returncode == 0, tail
    assert " passed" in tail and "failed" not in tail, tail
