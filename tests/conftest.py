"""Shared pytest set-up: quiet TensorFlow logs, helpers for graph-mode tests."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
