"""A `tf.contrib` for TF 2.x: the parts old seq2seq scripts use, and clear errors for the rest.

What `contrib` offers:

* ``legacy_seq2seq``: this library's 13 functions;
* ``rnn``: our cells and wrappers, ``LSTMStateTuple``, ``static_rnn``,
  ``static_bidirectional_rnn``, ``static_state_saving_rnn``, the
  ``core_rnn_cell`` module (the three contrib wrappers and ``_linear``), and
  the further contrib cells and helpers of `contrib_rnn` and `fused_rnn_cell`
  (also under TF 1.15's ``tensorflow.contrib.rnn.python.ops.lstm_ops``,
  ``gru_ops``, ``fused_rnn_cell``, ``rnn_cell`` and ``rnn`` import paths);
* ``slim``: the tf-slim package; ``layers`` and ``framework``: the members of
  ``tf.contrib.layers`` / ``tf.contrib.framework`` that tf-slim provides
  (``fully_connected``, ``xavier_initializer``, ``arg_scope``,
  ``get_or_create_global_step``, ...).

Anything else of TF 1.15's ``tf.contrib`` raises `ContribNotProvidedError`,
which names the member and the section of ``migration_guide.md`` that says what
to use instead. It is an ImportError, not an AttributeError, so that
``from tensorflow.contrib import crf`` shows our message rather than Python's
generic "cannot import name" (which replaces any AttributeError); the price is
that ``hasattr(tf.contrib, "crf")`` raises instead of returning False.

`install()` makes the ``tensorflow.contrib...`` import paths work with the real
``tensorflow`` package, so ``from tensorflow.contrib import legacy_seq2seq, rnn``
and ``tf.contrib.legacy_seq2seq`` work in a TF 2.x process, and so do the
import paths of older code: TF 1.0-1.1's ``tensorflow.contrib.rnn.python.ops.
core_rnn_cell_impl`` / ``core_rnn`` and TF 0.x's ``tensorflow.models.rnn.
rnn_cell`` / ``seq2seq`` / ``rnn`` and the 0.x seq2seq module under
TensorFlow's ``python/ops`` (served by us; nothing of TensorFlow's private
tree is imported). It
changes no TensorFlow behaviour (eager stays on unless you turn it off).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from typing import Any, Callable, Iterable, Iterator

import tensorflow as tf

from legacy_seq2seq_compat import (
    _guide,
    contrib_rnn,
    decoders,
    fused_rnn_cell,
    legacy_seq2seq,
    rnn,
    rnn_cell,
)

__all__ = [
    "ContribNotProvidedError", "GUIDE", "contrib", "guide_anchor", "install", "installed",
    "not_provided", "sections", "uninstall",
]

# The tables of missing members and their guide sections live in `_guide` (no TensorFlow there,
# so `migrate` can use them); their old names here are kept for existing callers.
GUIDE = _guide.GUIDE
_OTHER_SECTION = _guide.OTHER_SECTION
_RNN_SECTION = _guide.RNN_SECTION
_LAYERS_SECTION = _guide.LAYERS_SECTION
_MODULE_SECTIONS = _guide.MODULE_SECTIONS
_OTHER_MODULES = _guide.OTHER_MODULES
guide_anchor = _guide.guide_anchor
sections = _guide.sections


# TF 1.15's tf.contrib.rnn members beyond the core cells that we do not provide (the others
# come from contrib_rnn and fused_rnn_cell, see _contrib_rnn_members).
_RNN_NOT_PROVIDED = ()


class ContribNotProvidedError(ImportError):
    """A `tf.contrib` member that legacy_seq2seq_compat does not provide.

    Attributes:
      member: the dotted name asked for, e.g. ``tf.contrib.seq2seq``.
      section: the title of the migration-guide section to read.

    Compatibility:
      TF 1.15 had every tf.contrib module; TF 2.x has none. This ImportError is raised for the
      members this library does not recreate, instead of TF 2.x's AttributeError or
      ModuleNotFoundError.
    """

    def __init__(self, member: str, section: str, detail: str = "") -> None:
        self.member = member
        self.section = section
        text = (f"{member} is not provided by legacy_seq2seq_compat (it covers "
                "tf.contrib.legacy_seq2seq, the core tf.contrib.rnn cells and functions, and "
                "tf-slim's slim/layers/framework).")
        if detail:
            text += " " + detail
        text += (f" What to use instead: {GUIDE}, section '{section}' "
                 f"(#{guide_anchor(section)}).")
        super().__init__(text, name=member)


def not_provided(member: str) -> ContribNotProvidedError:
    """The error for a missing `tf.contrib` member, with its migration-guide section.

    Args:
      member: a dotted name starting with ``tf.contrib.``.

    Returns:
      A `ContribNotProvidedError` (not raised) naming the member and the section.

    Compatibility:
      No TF 1.15 counterpart; builds the error for a tf.contrib member that TF 1.15 had and this
      library does not recreate.
    """
    section = _guide.section_of(member)
    if section == _LAYERS_SECTION:
        return ContribNotProvidedError(member, section, "tf-slim does not have it either.")
    return ContribNotProvidedError(member, section)


class _Namespace(types.ModuleType):
    """A module whose missing public members raise `ContribNotProvidedError`.

    `missing(name)` decides, for a name not found, whether it is a known
    TF 1.15 member we lack (our error) or simply no such member
    (AttributeError, as TensorFlow would say). Private names always give an
    AttributeError, so introspection tools keep working.
    """

    def __init__(self, name: str, dotted: str, doc: str, members: dict[str, Any],
                 missing: Callable[[str], bool], lazy: dict[str, Callable[[], Any]] | None = None):
        super().__init__(name, doc)
        self.__dict__.update(members)
        self.__dict__["_dotted"] = dotted
        self.__dict__["_missing"] = missing
        self.__dict__["_lazy"] = dict(lazy or {})
        # A package path (empty: nothing on disk) so `import a.b.c` can descend.
        self.__dict__["__path__"] = []

    def __getattr__(self, name: str) -> Any:
        lazy = self.__dict__["_lazy"]
        if name in lazy:
            value = lazy.pop(name)()
            setattr(self, name, value)
            return value
        if not name.startswith("_") and self.__dict__["_missing"](name):
            raise not_provided(f"{self.__dict__['_dotted']}.{name}")
        raise AttributeError(f"module {self.__dict__['_dotted']!r} has no attribute {name!r}")

    def __dir__(self) -> list[str]:
        names = set(self.__dict__) | set(self.__dict__["_lazy"])
        return sorted(n for n in names if not n.startswith("_"))


def _linear(args: Any, output_size: int, bias: bool, bias_initializer: Any = None,
            kernel_initializer: Any = None) -> tf.Tensor:
    """TF1's private linear helper: ``concat(args) @ kernel + bias`` in the current scope.

    Old attention code imported it from ``core_rnn_cell``; it creates ``kernel``
    and ``bias`` directly in the current variable scope.

    Args:
      args: a 2-D Tensor or a list of them.
      output_size: the width of the result.
      bias: whether to add a bias.
      bias_initializer: initializer of the bias (default zeros).
      kernel_initializer: initializer of the kernel (default: the scope's).

    Returns:
      A 2-D Tensor [batch, output_size].
    """
    return rnn_cell.Linear(args, output_size, bias, bias_initializer=bias_initializer,
                           kernel_initializer=kernel_initializer)(args)


def _public(module: Any) -> dict[str, Any]:
    """The public non-module members of `module`."""
    return {name: value for name, value in vars(module).items()
            if not name.startswith("_") and not isinstance(value, types.ModuleType)}


def _pick(module: Any, names: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(module, name) for name in names if hasattr(module, name)}


def _slim() -> Any:
    import tf_slim

    return tf_slim


# Top-level tf_slim members that lived in tf.contrib.layers in TF 1.x.
_LAYERS_FROM_SLIM_TOP = (
    "xavier_initializer", "xavier_initializer_conv2d", "variance_scaling_initializer",
    "l1_regularizer", "l2_regularizer", "l1_l2_regularizer", "sum_regularizer",
    "apply_regularization", "optimize_loss", "OPTIMIZER_CLS_NAMES", "OPTIMIZER_SUMMARIES",
    "adaptive_clipping_fn", "summarize_activation", "summarize_activations",
    "summarize_collection", "summarize_tensor", "summarize_tensors", "summarize_variables",
    "summarize_weights", "summarize_biases", "recompute_grad", "rev_block", "RevBlock",
    "bucketize",
)
# Top-level tf_slim members that lived in tf.contrib.framework in TF 1.x.
_FRAMEWORK_FROM_SLIM_TOP = (
    "arg_scope", "add_arg_scope", "has_arg_scope", "arg_scoped_arguments", "current_arg_scope",
    "add_model_variable", "assert_global_step", "assert_or_get_global_step",
    "assign_from_checkpoint", "assign_from_checkpoint_fn", "assign_from_values",
    "assign_from_values_fn", "create_global_step", "filter_variables", "get_global_step",
    "get_local_variables", "get_model_variables", "get_or_create_global_step",
    "get_trainable_variables", "get_unique_variable", "get_variable_full_name",
    "get_variables", "get_variables_by_name", "get_variables_by_suffix",
    "get_variables_to_restore", "global_variable", "local_variable", "model_variable",
    "variable", "VariableDeviceChooser",
)


def _layers() -> _Namespace:
    slim = _slim()
    members = {name: value for name, value in _public(slim.layers).items()
               if callable(value) or name.isupper()}
    members.update(_pick(slim, _LAYERS_FROM_SLIM_TOP))
    return _Namespace("tensorflow.contrib.layers", "tf.contrib.layers",
                      "The tf-slim members of TF 1.x's tf.contrib.layers.", members,
                      missing=lambda name: True)


def _framework() -> _Namespace:
    slim = _slim()
    members = _pick(slim, _FRAMEWORK_FROM_SLIM_TOP)
    # Members that moved into TensorFlow core.
    members.update(
        list_variables=tf.train.list_variables,
        load_variable=tf.train.load_variable,
        load_checkpoint=tf.train.load_checkpoint,
        init_from_checkpoint=tf.compat.v1.train.init_from_checkpoint,
        nest=tf.nest,
        is_tensor=tf.is_tensor,
    )
    return _Namespace("tensorflow.contrib.framework", "tf.contrib.framework",
                      "The tf-slim members of TF 1.x's tf.contrib.framework.", members,
                      missing=lambda name: True)


def _linear_with_bias_start(args: Any, output_size: int, bias: bool, bias_start: float = 0.0,
                            scope: Any = None) -> tf.Tensor:
    """The linear helper as TF <= 1.1 spelled it: a bias start value and an optional scope.

    The variables get the TF >= 1.2 names (``kernel`` and ``bias`` in the
    current scope, or in `scope` when given); TF 0.12's extra ``Linear``
    sub-scope is not recreated (``ckpt convert`` maps ``Linear/Matrix`` names
    in the cell and attention scopes).

    Args:
      args: a 2-D Tensor or a list of them.
      output_size: the width of the result.
      bias: whether to add a bias.
      bias_start: the bias's initial value.
      scope: an optional variable scope (name or object) to create the variables in.

    Returns:
      A 2-D Tensor [batch, output_size].
    """
    initializer = tf.compat.v1.constant_initializer(bias_start)
    if scope is None:
        return _linear(args, output_size, bias, bias_initializer=initializer)
    with tf.compat.v1.variable_scope(scope):
        return _linear(args, output_size, bias, bias_initializer=initializer)


def _cells(**extra: Any) -> dict[str, Any]:
    """Every cell, wrapper and LSTMStateTuple, plus `extra`."""
    members = {name: getattr(rnn_cell, name) for name in rnn_cell.__all__}
    members.update(extra)
    return members


def _contrib_rnn_members() -> dict[str, Any]:
    """The further TF 1.15 tf.contrib.rnn members: contrib_rnn and fused_rnn_cell."""
    return {name: getattr(module, name) for module in (contrib_rnn, fused_rnn_cell)
            for name in module.__all__}


def _static_rnns(**extra: Any) -> dict[str, Any]:
    """The three static RNN functions, plus `extra`."""
    members = {name: getattr(rnn, name) for name in rnn.__all__}
    members.update(extra)
    return members


def _build_seq2seq() -> _Namespace:
    members = {name: getattr(legacy_seq2seq, name) for name in legacy_seq2seq.__all__}
    # Private in TF 1.x too, but old code imported it from the seq2seq module.
    members["_extract_argmax_and_embed"] = decoders.extract_argmax_and_embed
    return _Namespace("tensorflow.contrib.legacy_seq2seq", "tf.contrib.legacy_seq2seq",
                      legacy_seq2seq.__doc__, members, missing=lambda name: False)


# TF 1.15's core_rnn_cell held the contrib wrappers and the linear helper; TF 1.0-1.1's
# core_rnn_cell and core_rnn_cell_impl held every cell; old code used all three spellings.
_core_rnn_cell = _Namespace(
    "tensorflow.contrib.rnn.python.ops.core_rnn_cell", "tf.contrib.rnn.core_rnn_cell",
    "The cells and wrappers and the linear helper.",
    _cells(_linear=_linear, _Linear=rnn_cell.Linear), missing=lambda name: False)
_core_rnn_cell_impl = _Namespace(
    "tensorflow.contrib.rnn.python.ops.core_rnn_cell_impl", "tf.contrib.rnn.core_rnn_cell_impl",
    "TF 1.0-1.1's home of the cells.", _cells(_linear=_linear_with_bias_start),
    missing=lambda name: False)
_core_rnn = _Namespace(
    "tensorflow.contrib.rnn.python.ops.core_rnn", "tf.contrib.rnn.core_rnn",
    "TF 1.0-1.1's home of the static RNNs.", _static_rnns(), missing=lambda name: False)
_rnn = _Namespace(
    "tensorflow.contrib.rnn", "tf.contrib.rnn",
    "TF 1.x's tf.contrib.rnn: the cells, wrappers, static RNNs and contrib RNN helpers.",
    _cells(**_static_rnns(core_rnn_cell=_core_rnn_cell), **_contrib_rnn_members()),
    missing=lambda name: name in _RNN_NOT_PROVIDED)
_seq2seq = _build_seq2seq()


def _contrib_rnn_module(module_name: str, members: Iterable[str]) -> _Namespace:
    """One of TF 1.15's tensorflow/contrib/rnn/python/ops modules, served by our modules."""
    sources = _contrib_rnn_members()
    return _Namespace(f"tensorflow.contrib.rnn.python.ops.{module_name}",
                      f"tf.contrib.rnn.python.ops.{module_name}",
                      f"TF 1.15's contrib rnn {module_name} module.",
                      {name: sources[name] for name in members}, missing=lambda name: False)


# The contrib rnn modules that old code imported directly, with the members they held.
_CONTRIB_RNN_OPS = {
    "lstm_ops": ("LSTMBlockCell", "LSTMBlockWrapper", "LSTMBlockFusedCell"),
    "gru_ops": ("GRUBlockCell", "GRUBlockCellV2"),
    "fused_rnn_cell": ("FusedRNNCell", "FusedRNNCellAdaptor", "TimeReversedFusedRNN"),
    "rnn": ("stack_bidirectional_rnn", "stack_bidirectional_dynamic_rnn"),
    "rnn_cell": tuple(name for name in contrib_rnn.__all__ if name[0].isupper()),
}
_contrib_rnn_ops = {name: _contrib_rnn_module(name, members)
                    for name, members in _CONTRIB_RNN_OPS.items()}

# The pre-1.0 spellings: tf.nn.rnn_cell (with its private linear helper), tf.nn.seq2seq,
# tf.nn.rnn, and the tensorflow.models.rnn modules that TF 0.x shipped.
rnn_cell_pre_1_0 = _Namespace(
    "tensorflow.models.rnn.rnn_cell", "tf.nn.rnn_cell",
    "TF 0.x's tf.nn.rnn_cell: the cells and wrappers.", _cells(_linear=_linear_with_bias_start),
    missing=lambda name: False)
_rnn_pre_1_0 = _Namespace(
    "tensorflow.models.rnn.rnn", "tf.nn.rnn",
    "TF 0.x's static RNN functions.",
    _static_rnns(rnn=rnn.static_rnn, bidirectional_rnn=rnn.static_bidirectional_rnn,
                 state_saving_rnn=rnn.static_state_saving_rnn),
    missing=lambda name: False)

contrib = _Namespace(
    "tensorflow.contrib", "tf.contrib",
    "TF 1.x's tf.contrib as far as legacy seq2seq code needs it.",
    {"legacy_seq2seq": _seq2seq, "rnn": _rnn},
    missing=lambda name: name in _MODULE_SECTIONS,
    lazy={"slim": _slim, "layers": _layers, "framework": _framework},
)

_TF0_OPS_SEQ2SEQ = _guide.TF0_OPS_SEQ2SEQ

# Import paths that old code used, and the objects they lead to.
_PATHS: dict[str, Callable[[], Any]] = {
    "tensorflow.contrib": lambda: contrib,
    "tensorflow.contrib.legacy_seq2seq": lambda: _seq2seq,
    "tensorflow.contrib.legacy_seq2seq.python.ops.seq2seq": lambda: _seq2seq,
    "tensorflow.contrib.rnn": lambda: _rnn,
    "tensorflow.contrib.rnn.core_rnn_cell": lambda: _core_rnn_cell,
    "tensorflow.contrib.rnn.python.ops.core_rnn_cell": lambda: _core_rnn_cell,
    "tensorflow.contrib.rnn.python.ops.core_rnn_cell_impl": lambda: _core_rnn_cell_impl,
    "tensorflow.contrib.rnn.python.ops.core_rnn": lambda: _core_rnn,
    **{f"tensorflow.contrib.rnn.python.ops.{name}": (lambda module=module: module)
       for name, module in _contrib_rnn_ops.items()},
    "tensorflow.contrib.slim": lambda: contrib.slim,
    "tensorflow.contrib.layers": lambda: contrib.layers,
    "tensorflow.contrib.framework": lambda: contrib.framework,
    # TF 0.x (these paths do not exist in TF 2.x).
    "tensorflow.models.rnn.rnn_cell": lambda: rnn_cell_pre_1_0,
    "tensorflow.models.rnn.seq2seq": lambda: _seq2seq,
    "tensorflow.models.rnn.rnn": lambda: _rnn_pre_1_0,
    _TF0_OPS_SEQ2SEQ: lambda: _seq2seq,
}


# Intermediate packages of the deep import paths above: empty modules.
_PACKAGES = (
    "tensorflow.models",
    "tensorflow.models.rnn",
    "tensorflow.contrib.legacy_seq2seq.python",
    "tensorflow.contrib.legacy_seq2seq.python.ops",
    "tensorflow.contrib.rnn.python",
    "tensorflow.contrib.rnn.python.ops",
)


def _package(name: str) -> types.ModuleType:
    module = types.ModuleType(name, "An import path kept for old code.")
    module.__path__ = []
    return module


_SLIM_PREFIX = "tensorflow.contrib.slim."


class _ContribFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves `tensorflow.contrib...` imports to our objects, or to our error."""

    @staticmethod
    def _in_slim(fullname: str) -> bool:
        """`tensorflow.contrib.slim.x` is `tf_slim.x` when tf_slim has it."""
        if not fullname.startswith(_SLIM_PREFIX):
            return False
        return importlib.util.find_spec("tf_slim." + fullname[len(_SLIM_PREFIX):]) is not None

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname in _PATHS or fullname in _PACKAGES or self._in_slim(fullname):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        if fullname.startswith("tensorflow.contrib."):
            raise not_provided("tf" + fullname[len("tensorflow"):])
        if fullname.startswith("tensorflow.models."):
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: tensorflow.models held the tutorials that TF 0.x "
                "shipped; besides its rnn_cell, seq2seq and rnn modules (which "
                "legacy_seq2seq_compat provides) copy the tutorial module you need next to "
                "your script.", name=fullname)
        return None

    def create_module(self, spec: Any) -> None:
        """A plain placeholder module; exec_module swaps in the real object."""
        return None

    def exec_module(self, module: Any) -> None:
        # The import system returns whatever sys.modules holds after this call,
        # so the target object is used as it is, its own __spec__ untouched.
        name = module.__name__
        if name.startswith(_SLIM_PREFIX):
            target = importlib.import_module("tf_slim." + name[len(_SLIM_PREFIX):])
        elif name in _PACKAGES:
            target = _package(name)
        else:
            target = _PATHS[name]()
        sys.modules[name] = target


_FINDER = _ContribFinder()


def install() -> types.ModuleType:
    """Makes ``tensorflow.contrib`` importable and reachable as ``tf.contrib``.

    After this, ``from tensorflow.contrib import legacy_seq2seq, rnn``,
    ``from tensorflow.contrib.rnn import GRUCell``, ``import
    tensorflow.contrib.slim as slim`` and ``tf.contrib.legacy_seq2seq`` work,
    and a missing member raises `ContribNotProvidedError`. Calling it again
    does nothing more. TensorFlow's behaviour (eager or graph) is not changed.

    What it changes, all undone by `uninstall()`: one finder at the front of
    ``sys.meta_path``, the ``tensorflow.contrib`` attribute of the real
    ``tensorflow`` module, and, as old import paths are used, their entries
    in ``sys.modules`` (and the attributes the import system sets on their
    parent packages). For a limited scope, use ``with installed():``.

    Returns:
      The `contrib` module object.

    Compatibility:
      TF 1.15 shipped `tensorflow.contrib`; TF 2.x does not. After this call the members old seq2seq
      scripts use come from this library (same signatures and variable names as TF 1.15) and from
      tf-slim; the rest raises `ContribNotProvidedError`.
    """
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
    # Imports made before install() may have cached a failure; drop only ours.
    for name in [n for n in sys.modules if n in _PATHS or n.startswith("tensorflow.contrib")]:
        if sys.modules[name] is None:
            del sys.modules[name]
    if sys.modules.get("tensorflow") is tf:
        tf.contrib = contrib
    return contrib


def _ours(name: str) -> bool:
    """Whether the module name is one that our finder serves."""
    return (name in _PATHS or name in _PACKAGES or name == "tensorflow.contrib"
            or name.startswith(("tensorflow.contrib.", "tensorflow.models.")))


def uninstall() -> None:
    """Undoes `install()`: ``tensorflow.contrib`` imports fail again as in TF 2.x.

    Removes our finder from ``sys.meta_path``, every ``sys.modules`` entry of
    an import path we served, the attributes that the import system set for
    them on parent packages (``tf.contrib``, ``tf.models``, TensorFlow's own
    ``python.ops`` package's ``seq2seq``), so the process is as before
    `install()`. Calling it when not installed does nothing.

    Compatibility: no TF 1.15 counterpart (its ``tf.contrib`` could not be
    removed); the pair lets tests and long-lived processes scope the change.
    """
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    served = {name: module for name, module in sys.modules.items() if _ours(name)}
    for name, module in served.items():
        parent_name, _, child = name.rpartition(".")
        parent = sys.modules.get(parent_name)
        # The import system set `child` on a real TensorFlow parent (tf.contrib, tf.models,
        # ...) or an empty intermediate package on one of ours; our namespaces' own members,
        # tf_slim's and the facade's (the runner's `tensorflow`) stay.
        set_by_import = name in _PACKAGES or (
            parent_name not in served
            and getattr(parent, "__name__", "").partition(".")[0] == "tensorflow")
        if parent is not None and set_by_import and getattr(parent, child, None) is module:
            delattr(parent, child)
        del sys.modules[name]
    if getattr(tf, "contrib", None) is contrib:
        del tf.contrib


@contextlib.contextmanager
def installed() -> Iterator[types.ModuleType]:
    """Context manager: `install()` on entry; on exit, `uninstall()` unless it was installed before.

    Compatibility: no TF 1.15 counterpart; see `install`.

    Yields:
      The `contrib` module object.
    """
    already = _FINDER in sys.meta_path
    module = install()
    try:
        yield module
    finally:
        if not already:
            uninstall()
