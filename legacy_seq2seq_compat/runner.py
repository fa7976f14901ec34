"""Runs an unmodified TF 1.x script on TF 2.x: ``legacy-seq2seq-compat run SCRIPT [ARGS...]``.

Inside the script, ``import tensorflow as tf`` (and ``import
tensorflow.compat.v1 as tf``) gives the `legacy_seq2seq_compat.tf1` facade, and
``tensorflow.contrib...`` imports resolve through
`legacy_seq2seq_compat.contrib.install`. The script runs as ``__main__`` with
``sys.argv = [SCRIPT, *ARGS]`` and its directory first on ``sys.path``, as
``python SCRIPT ARGS`` would run it, so ``tf.app.run()`` and ``tf.app.flags``
work. Its exit status becomes ours, and a traceback starts at the script's own
frames.
"""

from __future__ import annotations

import os
import runpy
import sys
import traceback
from collections.abc import Sequence
from types import TracebackType
from typing import Any

__all__ = ["run_script"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
# The module names that old scripts import TensorFlow by.
_FACADE_NAMES = ("tensorflow", "tensorflow.compat", "tensorflow.compat.v1")


def _exit_status(code: Any) -> int:
    """What `sys.exit(code)` would make the process's exit status."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _from_script(tb: TracebackType | None, script: str) -> TracebackType | None:
    """The traceback without the runner's own frames above the script's first frame."""
    first = tb
    while first is not None and first.tb_frame.f_code.co_filename != script:
        first = first.tb_next
    return first or tb


def _print_traceback(error: BaseException, script: str) -> None:
    """Prints `error` as Python would for ``python SCRIPT``.

    The frames of the runner above the script are left out, and so is the
    last frame when it is only our `tf.contrib` stand-in raising its
    "not provided" error: the line to look at is the user's.
    """
    report = traceback.TracebackException(
        type(error), error, _from_script(error.__traceback__, script))
    if isinstance(error, ImportError) and hasattr(error, "section"):
        while len(report.stack) > 1 and report.stack[-1].filename.startswith(_PACKAGE_DIR):
            report.stack.pop()
    print("".join(report.format()), end="", file=sys.stderr)


def run_script(script: str, args: Sequence[str] = (), *,
               separate_layer_weights: bool = False) -> int:
    """Runs a TF 1.x script with the TF1 facade in place of ``tensorflow``.

    Args:
      script: path of the Python file to run.
      args: the script's command-line arguments (``sys.argv[1:]`` inside it).
      separate_layer_weights: give ``MultiRNNCell([cell] * n)`` one set of
        weights per layer, as TF <= 1.0 did (TF 1.2 and later share one set);
        see `legacy_seq2seq_compat.rnn_cell.MultiRNNCell`.

    Returns:
      The script's exit status: 0 when it ends normally, the code it passed to
      ``sys.exit`` (or ``tf.app.run``'s main), 1 after an uncaught exception
      (whose traceback is printed to stderr), 130 after Ctrl-C, and 2 when
      `script` is not a readable file.

    Compatibility:
      No TF 1.15 counterpart: it makes a TF 1.x script run on TF 2.x unchanged. Inside the script
      `import tensorflow` gives `legacy_seq2seq_compat.tf1`, `tf.compat.v1` with TF2 behaviour
      disabled plus tf.contrib and tf.nn.rnn_cell from this library; API changes older than TF 1.0
      are not undone.
    """
    path = os.path.abspath(script)
    if not os.path.isfile(path):
        print(f"legacy-seq2seq-compat run: script not found: {script!r} "
              "(expected the path of a Python file)", file=sys.stderr)
        return 2

    from legacy_seq2seq_compat import contrib, rnn_cell, tf1

    contrib.install()
    if separate_layer_weights:
        rnn_cell.MultiRNNCell.separate_repeated_cells = True
    saved_modules = {name: sys.modules.get(name) for name in _FACADE_NAMES}
    saved_argv, saved_path = sys.argv, list(sys.path)
    sys.modules["tensorflow"] = tf1
    sys.modules["tensorflow.compat"] = tf1.compat
    sys.modules["tensorflow.compat.v1"] = tf1
    sys.argv = [path, *args]
    sys.path[0:1] = [os.path.dirname(path)]
    try:
        runpy.run_path(path, run_name="__main__")
    except SystemExit as exit_request:
        return _exit_status(exit_request.code)
    except KeyboardInterrupt:
        print("KeyboardInterrupt", file=sys.stderr)
        return 130
    except BaseException as error:  # noqa: BLE001 - reported as Python itself would
        _print_traceback(error, path)
        return 1
    finally:
        sys.argv = saved_argv
        sys.path[:] = saved_path
        for name, module in saved_modules.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
        sys.stdout.flush()
    return 0
