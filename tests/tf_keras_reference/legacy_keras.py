"""Access to tf_keras's legacy TF1 cells for the reference subprocesses.

The subprocess scripts in this folder import it (their folder is first on
sys.path when run as ``python tests/tf_keras_reference/<script>.py``).
"""

from __future__ import annotations

import os
import sys

# Exit status that tells the parent test to skip: tf_keras's cells are missing.
UNAVAILABLE = 3


def legacy_rnn_cell_namespace():
    """tf_keras's `tf.compat.v1.nn.rnn_cell`, or exits with UNAVAILABLE and a reason."""
    if os.environ.get("TF_USE_LEGACY_KERAS") != "1":
        print("TF_USE_LEGACY_KERAS=1 is not set in the reference subprocess")
        sys.exit(UNAVAILABLE)
    try:
        import tf_keras  # noqa: F401
    except ImportError as exc:
        print(f"tf_keras is not importable: {exc}")
        sys.exit(UNAVAILABLE)
    import tensorflow as tf

    legacy = getattr(tf.compat.v1.nn, "rnn_cell", None)
    cell_class = getattr(legacy, "GRUCell", None)
    if cell_class is None or "tf_keras" not in cell_class.__module__:
        print(f"tf.compat.v1.nn.rnn_cell does not come from tf_keras (GRUCell={cell_class!r})")
        sys.exit(UNAVAILABLE)
    return legacy
