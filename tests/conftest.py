"""Shared pytest set-up: quiet TensorFlow logs; optional TF1 behaviour mode.

With LEGACY_SEQ2SEQ_TF1_BEHAVIOR=1 the whole process runs with
`tf.compat.v1.disable_v2_behavior()` (ref variables, v1 control flow and v1
TensorShape), the way old TF1 scripts run; CI runs the model tests once more
in that mode.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

if os.environ.get("LEGACY_SEQ2SEQ_TF1_BEHAVIOR") == "1":
    import tensorflow as tf

    tf.compat.v1.disable_v2_behavior()


def pytest_collection_modifyitems(config, items):
    """In TF1 behaviour mode there is no eager execution to test."""
    import pytest

    if os.environ.get("LEGACY_SEQ2SEQ_TF1_BEHAVIOR") != "1":
        return
    skip = pytest.mark.skip(reason="eager execution is disabled in TF1 behaviour mode")
    for item in items:
        if "eager" in item.originalname:
            item.add_marker(skip)
