"""Runs an unmodified TF 1.x script on TF 2.x: ``legacy-seq2seq-compat run SCRIPT [ARGS...]``.

Inside the script, ``import tensorflow as tf`` (and ``import
tensorflow.compat.v1 as tf``) gives the `legacy_seq2seq_compat.tf1` facade, and
``tensorflow.contrib...`` imports resolve through
`legacy_seq2seq_compat.contrib.install`. The script runs as ``__main__`` with
``sys.argv = [SCRIPT, *ARGS]`` and its directory first on ``sys.path``, as
``python SCRIPT ARGS`` would run it, so ``tf.app.run()`` and ``tf.app.flags``
work. Its exit status becomes ours, and a traceback starts at the script's own
frames.

Quiet start: unless ``--verbose`` is given or ``TF_CPP_MIN_LOG_LEVEL`` is set
(in the environment, or by a constant assignment at the top of the script,
which the runner reads before importing TensorFlow), TensorFlow's start-up log
lines and the warnings of the facade's own calls are hidden, and
``TF_CPP_MIN_LOG_LEVEL=2`` is set before TensorFlow is imported (C++ errors
still show); see `legacy_seq2seq_compat.tf1`.
"""

from __future__ import annotations

import ast
import os
import runpy
import sys
import traceback
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Optional

from legacy_seq2seq_compat import _quiet

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


def _is_level_variable(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value == _quiet.LEVEL_VARIABLE


def _is_environ(node: ast.AST) -> bool:
    """``os.environ`` (or a bare ``environ`` imported from os)."""
    if isinstance(node, ast.Attribute):
        return node.attr == "environ" and isinstance(node.value, ast.Name)
    return isinstance(node, ast.Name) and node.id == "environ"


def _scripts_log_level(path: str) -> Optional[tuple[str, bool]]:
    """The TF_CPP_MIN_LOG_LEVEL a script sets at its top level: (value, overrides) or None.

    Only the plain forms are read: ``os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"``
    (overrides) and ``os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")``,
    with a constant value, as module-level statements.
    """
    try:
        with open(path, "rb") as source:
            tree = ast.parse(source.read())
    except (SyntaxError, ValueError, OSError):
        return None
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Subscript)
                and _is_environ(node.targets[0].value)
                and _is_level_variable(node.targets[0].slice)
                and isinstance(node.value, ast.Constant)):
            return str(node.value.value), True
        if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Attribute)
                and node.value.func.attr == "setdefault" and _is_environ(node.value.func.value)
                and len(node.value.args) == 2 and _is_level_variable(node.value.args[0])
                and isinstance(node.value.args[1], ast.Constant)):
            return str(node.value.args[1].value), False
    return None


def run_script(script: str, args: Sequence[str] = (), *,
               separate_layer_weights: bool = False, verbose: bool = False) -> int:
    """Runs a TF 1.x script with the TF1 facade in place of ``tensorflow``.

    Args:
      script: path of the Python file to run.
      args: the script's command-line arguments (``sys.argv[1:]`` inside it).
      separate_layer_weights: give ``MultiRNNCell([cell] * n)`` one set of
        weights per layer, as TF <= 1.0 did (TF 1.2 and later share one set);
        see `legacy_seq2seq_compat.rnn_cell.MultiRNNCell`. The class
        attribute is restored when the script ends.
      verbose: keep TensorFlow's start-up log lines and the warnings of the
        facade's own calls (by default they are hidden unless
        ``TF_CPP_MIN_LOG_LEVEL`` is set).

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

    # The script's own level must apply before TensorFlow is imported, as it would without us.
    level = _scripts_log_level(path)
    if level is not None:
        if level[1]:
            os.environ[_quiet.LEVEL_VARIABLE] = level[0]
        else:
            os.environ.setdefault(_quiet.LEVEL_VARIABLE, level[0])
    if verbose:
        _quiet.verbose_requested = True
    with _quiet.quiet_start(_quiet.wanted(verbose)):
        from legacy_seq2seq_compat import contrib, rnn_cell, tf1

        contrib.install()
    saved_separate = rnn_cell.MultiRNNCell.separate_repeated_cells
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
        rnn_cell.MultiRNNCell.separate_repeated_cells = saved_separate
        sys.argv = saved_argv
        sys.path[:] = saved_path
        for name, module in saved_modules.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
        sys.stdout.flush()
    return 0
