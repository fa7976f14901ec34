"""A hint for the file left out of the one-line import swap (no TensorFlow here).

With the facade (``import legacy_seq2seq_compat.tf1 as tf``) in one file and
plain ``import tensorflow as tf`` still in another, that other file gets TF
2.x's module, where ``tf.placeholder``, ``tf.Session``, ``tf.train.Saver``...
do not exist. Python's message, ``module 'tensorflow' has no attribute
'placeholder'``, does not say why. While the facade is in use, an uncaught
error of that kind gets a note naming the cause and the two fixes.

TensorFlow's own module is not patched (its missing names stay missing, so
TF2 code keeps seeing TF2); only the report of an uncaught error changes, and
only when ``sys.excepthook`` is Python's default one.
"""

from __future__ import annotations

import re
import sys
from types import TracebackType
from typing import Optional

from legacy_seq2seq_compat import _tf1_only

# TF 2.x's sub-modules are named like tensorflow._api.v2.train.
_MISSING = re.compile(r"module 'tensorflow(?:\._api\.v2)?(?:\.(\w+))?' has no attribute '(\w+)'")


def hint_for(error: BaseException) -> Optional[str]:
    """The note for an AttributeError of real TF 2.x's module on a TF 1.x name, else None."""
    if not isinstance(error, AttributeError):
        return None
    found = _MISSING.search(str(error))
    if found is None:
        return None
    module, name = found.groups()
    member = f"{module}.{name}" if module else name
    if member not in _tf1_only.NAMES and member != "contrib":
        return None
    return (f"hint: tf.{member} is TF 1.x API and this file imports TensorFlow 2.x's own "
            "module. legacy_seq2seq_compat.tf1 is in use in this process: replace `import "
            "tensorflow as tf` with `import legacy_seq2seq_compat.tf1 as tf` in this file "
            "too (every file that imports tensorflow needs the swap), or run the unchanged "
            "program with `legacy-seq2seq-compat run SCRIPT.py`, which serves the facade to "
            "every file.")


def _excepthook(kind: type, error: BaseException, tb: Optional[TracebackType]) -> None:
    hint = hint_for(error)
    if hint and hasattr(error, "add_note"):
        error.add_note(hint)
        hint = None
    sys.__excepthook__(kind, error, tb)
    if hint:
        print(hint, file=sys.stderr)


def install_excepthook() -> None:
    """Adds the hint to uncaught errors, unless another program already set its own hook."""
    if sys.excepthook is sys.__excepthook__:
        sys.excepthook = _excepthook
