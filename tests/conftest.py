"""Shared pytest set-up: quiet TensorFlow logs; optional TF1 behaviour mode.

With LEGACY_SEQ2SEQ_TF1_BEHAVIOR=1 the whole process runs with
`tf.compat.v1.disable_v2_behavior()` (ref variables, v1 control flow and v1
TensorShape), the way old TF1 scripts run; CI runs the model tests once more
in that mode.
"""

import gc
import importlib
import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def missing_reference(reason):
    """Skips a test whose reference (tf_keras, Keras, a console script...) is missing.

    Under CI (``CI`` set, as CI services do) it fails instead: CI installs the
    test extras, so a missing reference there is a broken set-up, not a reason
    to stay green without the comparison.
    """
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run every reference comparison "
                    "(pip install -e '.[test]')", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def import_reference(name):
    """`importlib.import_module(name)`, or `missing_reference` when it cannot be imported."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        missing_reference(f"{name} is not importable: {error}")

if os.environ.get("LEGACY_SEQ2SEQ_TF1_BEHAVIOR") == "1":
    import tensorflow as tf

    tf.compat.v1.disable_v2_behavior()


def pytest_collection_modifyitems(config, items):
    """In TF1 behaviour mode there is no eager execution to test."""
    if os.environ.get("LEGACY_SEQ2SEQ_TF1_BEHAVIOR") != "1":
        return
    skip = pytest.mark.skip(reason="eager execution is disabled in TF1 behaviour mode")
    for item in items:
        if "eager" in item.originalname:
            item.add_marker(skip)


def pytest_sessionfinish(session, exitstatus):
    """In a pytest-xdist worker: collect garbage now, then freeze what is left.

    When the controller ends a worker, execnet gives the worker's remaining work
    5 seconds and then sends it SIGINT. That remaining work is pytest's final
    unraisable-exception check, 5 full garbage collections over everything the
    worker's TensorFlow tests left alive: on 2 busy cores it took longer, and
    the KeyboardInterrupt landed in a finalizer (TensorFlow's
    AtomicFunction.__del__), which pytest then reported as a
    PytestUnraisableExceptionWarning at the end of the run. This hook runs
    before the worker reports that it has finished (nothing is waiting on it
    yet): one collection here runs the finalizers, and gc.freeze() moves the
    survivors out of the collector's reach, so the collections at shutdown
    have next to nothing to walk.
    """
    if os.environ.get("PYTEST_XDIST_WORKER"):
        gc.collect()
        gc.freeze()
