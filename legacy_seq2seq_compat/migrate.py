"""Rewrite TF 1.x imports and uses of tf.contrib seq2seq code to this library.

``legacy-seq2seq-compat migrate PATH...`` (or `migrate_paths`) rewrites
Python sources so that they use ``legacy_seq2seq_compat`` and tf-slim instead
of ``tf.contrib.legacy_seq2seq``, ``tf.contrib.rnn``, ``tf.nn.rnn_cell``,
``tf.nn.seq2seq``, ``tf.contrib.slim`` / ``layers`` / ``framework`` and the
old deep import paths. It works on a concrete syntax tree (libcst), so every
line it does not change keeps its exact bytes, comments and formatting.

What is converted (``<tf>`` is any name bound to ``tensorflow`` or
``tensorflow.compat.v1``: ``import tensorflow as tf``, ``import
tensorflow.compat.v1 as tf``, ``from tensorflow.compat import v1 as tf``,
plain ``import tensorflow``; ``<tf>.compat.v1.X`` is the same as ``<tf>.X``):

================================================  =====================================
old                                               new
================================================  =====================================
``<tf>.contrib.legacy_seq2seq.F``,                ``legacy_seq2seq.F`` (the 13 public
``<tf>.nn.seq2seq.F``, and ``F`` of the modules   functions)
``tensorflow.contrib.legacy_seq2seq.python.ops.
seq2seq``, ``tensorflow.models.rnn.seq2seq`` and
TF 0.x's ``python/ops`` seq2seq module
``..._extract_argmax_and_embed`` of those         ``decoders.extract_argmax_and_embed``
``<tf>.contrib.rnn.C``, ``<tf>.nn.rnn_cell.C``,   ``rnn_cell.C`` (cells, wrappers,
``core_rnn_cell``, ``core_rnn_cell_impl``,        ``LSTMStateTuple``)
``tensorflow.models.rnn.rnn_cell``
``<tf>.contrib.rnn.static_rnn`` (also             ``rnn.static_rnn``, same for
``core_rnn``), TF 0.x ``<tf>.nn.rnn`` and         ``static_bidirectional_rnn``,
``tensorflow.models.rnn.rnn.rnn``                 ``static_state_saving_rnn``
TF 0.x ``bidirectional_rnn``, ``state_saving_rnn`` ``rnn.static_bidirectional_rnn``, ...
``tensorflow.contrib.slim`` / ``<tf>.contrib.     ``tf_slim`` (``import tf_slim as
slim``                                            slim``)
``<tf>.contrib.layers.X``, ``<tf>.contrib.        ``tf_slim.X`` (``tf_slim.layers.X``
framework.X`` that tf-slim provides               for the few only found there)
``<tf>.contrib.framework.nest`` / ``is_tensor``   ``<tf>.nest``, ``<tf>.is_tensor``,
/ ``list_variables`` / ``load_variable`` /        ``<tf>.train.X`` (moved into
``load_checkpoint`` / ``init_from_checkpoint``    TensorFlow)
================================================  =====================================

Imports follow the uses: ``from tensorflow.contrib.rnn import GRUCell,
static_rnn`` becomes one import per new module with the same local names;
an import of a module that has one equivalent here keeps its alias
(``from tensorflow.contrib import legacy_seq2seq as seq2seq`` becomes ``from
legacy_seq2seq_compat import legacy_seq2seq as seq2seq``, ``import
tensorflow.contrib.slim as slim`` becomes ``import tf_slim as slim``); an
import of a split namespace (``from tensorflow.contrib import rnn``) is
removed once none of its uses is left, and the uses import
``from legacy_seq2seq_compat import rnn, rnn_cell`` (in its place when it
comes before them, otherwise after the file's first block of imports).
``import tensorflow as tf`` and the like are never removed. When a name the
rewrite needs (``rnn``, ``rnn_cell``, ``legacy_seq2seq``, ``decoders``,
``tf_slim``) is already bound in the file to something else, the new import
gets an alias (``from legacy_seq2seq_compat import rnn as lsc_rnn``), so no
rewritten line can refer to the wrong object.

What is reported as ``path:line: reason`` and left exactly as it was: members
this library does not provide (``tf.contrib.grid_rnn.*``,
``tf.contrib.seq2seq.*``, ``tf.contrib.crf.*``, ...; the reason names the
same ``migration_guide.md`` section as the runtime error), private names
(``tf.nn.rnn_cell._linear``), a namespace used as a value
(``cells = tf.contrib.rnn``, ``getattr(tf.contrib.rnn, name)``), star imports,
assignments to an old name, and names that may refer to more than one import.
A file libcst cannot parse (a syntax error, Python 2's ``print "x"``, bytes
that are not valid in its encoding) is reported as ``path:line: cannot parse:
...`` and never touched.

With ``compat_v1=True`` (``--compat-v1``) the core API is switched as well:
every top-level ``import tensorflow as tf`` becomes ``import
tensorflow.compat.v1 as tf``, and ``tf.disable_v2_behavior()`` follows the
import block, so a TF 1.x script runs on plain TF 2.x (the official first
migration step; an import without alias or inside a function is left alone).

Running the rewrite on its own output changes nothing and reports the same
items (their line numbers may move by the lines of imports it added).

Files: a directory is walked for ``*.py`` files in sorted order (directories
whose name starts with ``.`` and ``__pycache__`` are skipped); backup files
(``*.bak``, ``*.bak.N``) are never migrated. By default a unified diff
(``--- a/PATH`` / ``+++ b/PATH``) of every file that would change is printed to
stdout and nothing is written; with ``write=True`` (``--write``) each changed
file is rewritten in place, with its original bytes kept in ``PATH.bak``, or
``PATH.bak.1``, ``PATH.bak.2``, ... when that exists already (a backup is never
overwritten); files that do not change get no backup. The encoding and the
newline style of each file are kept. Reports go to stderr.

Exit status of `migrate_paths` and of the command: 0 when everything found was
converted, 1 when something was reported (not convertible, or not parsable),
2 for a usage error such as a path that does not exist (then nothing is done).
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import functools
import importlib.util
import os
import re
import sys
from typing import Any, Iterable, Iterator, Optional, Sequence, TextIO, Union

import libcst as cst
from libcst.metadata import (
    ExpressionContext,
    ExpressionContextProvider,
    MetadataWrapper,
    PositionProvider,
    QualifiedNameProvider,
    ScopeProvider,
)

from legacy_seq2seq_compat import _guide, _quiet, _tf1_only

__all__ = ["MigrationResult", "Report", "iter_python_files", "migrate_paths",
           "migrate_source"]

PathLike = Union[str, "os.PathLike[str]"]

# -- what the old paths are and where their members live -----------------------------------

_SEQ2SEQ = "seq2seq"        # one module here: legacy_seq2seq
_CELLS = "cells"            # one module here: rnn_cell
_STATIC = "static"          # one module here: rnn
_SLIM = "slim"              # one module here: tf_slim
_CONTRIB_RNN = "contrib_rnn"  # split between rnn_cell and rnn
_TF0_RNN = "tf0_rnn"        # TF 0.x's static RNNs, split like contrib.rnn
_TF0_NN = "tf0_nn"          # TF 0.x's tf.nn.rnn / bidirectional_rnn / state_saving_rnn
_LAYERS = "layers"
_FRAMEWORK = "framework"
_CONTRIB = "contrib"        # tensorflow.contrib itself: members are sub-modules
_PACKAGE = "package"        # intermediate packages of the deep paths

# Old module paths (``tensorflow.compat.v1.`` spelled as ``tensorflow.``) and their kind.
_MODULES = {
    "tensorflow.contrib": _CONTRIB,
    "tensorflow.contrib.legacy_seq2seq": _SEQ2SEQ,
    "tensorflow.contrib.legacy_seq2seq.python": _PACKAGE,
    "tensorflow.contrib.legacy_seq2seq.python.ops": _PACKAGE,
    "tensorflow.contrib.legacy_seq2seq.python.ops.seq2seq": _SEQ2SEQ,
    "tensorflow.contrib.rnn": _CONTRIB_RNN,
    "tensorflow.contrib.rnn.core_rnn_cell": _CELLS,
    "tensorflow.contrib.rnn.python": _PACKAGE,
    "tensorflow.contrib.rnn.python.ops": _PACKAGE,
    "tensorflow.contrib.rnn.python.ops.core_rnn_cell": _CELLS,
    "tensorflow.contrib.rnn.python.ops.core_rnn_cell_impl": _CELLS,
    "tensorflow.contrib.rnn.python.ops.core_rnn": _STATIC,
    # TF 1.15's contrib rnn modules: their members live in contrib_rnn / fused_rnn_cell.
    "tensorflow.contrib.rnn.python.ops.lstm_ops": _CONTRIB_RNN,
    "tensorflow.contrib.rnn.python.ops.gru_ops": _CONTRIB_RNN,
    "tensorflow.contrib.rnn.python.ops.fused_rnn_cell": _CONTRIB_RNN,
    "tensorflow.contrib.rnn.python.ops.rnn_cell": _CONTRIB_RNN,
    "tensorflow.contrib.rnn.python.ops.rnn": _CONTRIB_RNN,
    "tensorflow.contrib.slim": _SLIM,
    "tensorflow.contrib.layers": _LAYERS,
    "tensorflow.contrib.framework": _FRAMEWORK,
    "tensorflow.nn.rnn_cell": _CELLS,
    "tensorflow.nn.seq2seq": _SEQ2SEQ,
    "tensorflow.models": _PACKAGE,
    "tensorflow.models.rnn": _PACKAGE,
    "tensorflow.models.rnn.rnn_cell": _CELLS,
    "tensorflow.models.rnn.seq2seq": _SEQ2SEQ,
    "tensorflow.models.rnn.rnn": _TF0_RNN,
    _guide.TF0_OPS_SEQ2SEQ: _SEQ2SEQ,
}
# Kinds whose module has exactly one counterpart here: the key of the new module (_TARGETS).
_ONE_MODULE = {_SEQ2SEQ: "legacy_seq2seq", _CELLS: "rnn_cell", _STATIC: "rnn", _SLIM: "tf_slim"}
# The new modules a rewritten use refers to: key -> import path.
_TARGETS = {
    "legacy_seq2seq": "legacy_seq2seq_compat.legacy_seq2seq",
    "rnn_cell": "legacy_seq2seq_compat.rnn_cell",
    "rnn": "legacy_seq2seq_compat.rnn",
    "decoders": "legacy_seq2seq_compat.decoders",
    "contrib_rnn": "legacy_seq2seq_compat.contrib_rnn",
    "fused_rnn_cell": "legacy_seq2seq_compat.fused_rnn_cell",
    "tf_slim": "tf_slim",
}
_TF0_NAMES = {"rnn": "static_rnn", "bidirectional_rnn": "static_bidirectional_rnn",
              "state_saving_rnn": "static_state_saving_rnn"}
# tf.contrib.framework members that moved into TensorFlow: (path under tf.compat.v1,
# path under TF 2.x's tf).
_FRAMEWORK_CORE = {
    "nest": ("nest", "nest"),
    "is_tensor": ("is_tensor", "is_tensor"),
    "list_variables": ("train.list_variables", "train.list_variables"),
    "load_variable": ("train.load_variable", "train.load_variable"),
    "load_checkpoint": ("train.load_checkpoint", "train.load_checkpoint"),
    "init_from_checkpoint": ("train.init_from_checkpoint",
                             "compat.v1.train.init_from_checkpoint"),
}
_TF = "tensorflow"
_V1 = "tensorflow.compat.v1"
_BACKUP = re.compile(r"\.bak(\.\d+)?$")


@functools.cache
def _literal(module: str, variable: str) -> frozenset[str]:
    """The names in a module's literal list or tuple `variable`, read without importing it.

    `migrate` must not import TensorFlow (the command line answers in well
    under a second), and our modules import it, so their name lists are read
    from their source.
    """
    spec = importlib.util.find_spec(f"legacy_seq2seq_compat.{module}")
    with open(spec.origin, encoding="utf-8") as source:
        tree = ast.parse(source.read())
    for statement in tree.body:
        if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and getattr(statement.targets[0], "id", None) == variable):
            return frozenset(ast.literal_eval(statement.value))
    raise LookupError(f"legacy_seq2seq_compat.{module} has no literal {variable}")


def _public_names(module: str) -> frozenset[str]:
    """`__all__` of one of our modules (legacy_seq2seq, rnn_cell, rnn, contrib_rnn, ...)."""
    return _literal(module, "__all__")


@functools.cache
def _slim_homes() -> dict[str, dict[str, str]]:
    """Where tf-slim keeps each tf.contrib.layers / framework member: name -> 'X' or 'layers.X'."""
    # The one place migrate needs TensorFlow (tf-slim imports it): start it quietly.
    with _quiet.quiet_start(_quiet.wanted()):
        import tf_slim

        from legacy_seq2seq_compat import contrib

    homes: dict[str, dict[str, str]] = {}
    for kind, namespace in ((_LAYERS, contrib._layers()), (_FRAMEWORK, contrib._framework())):
        table = homes.setdefault(kind, {})
        for name in dir(namespace):
            if kind == _FRAMEWORK and name in _FRAMEWORK_CORE:
                continue
            value = getattr(namespace, name)
            if getattr(tf_slim, name, None) is value:
                table[name] = name
            elif getattr(tf_slim.layers, name, None) is value:
                table[name] = "layers." + name
    return homes


def _normalize(name: str) -> str:
    """``tensorflow.compat.v1[.X]`` is ``tensorflow[.X]``."""
    if name == _V1 or name.startswith(_V1 + "."):
        return _TF + name[len(_V1):]
    return name


def _split(name: str) -> tuple[Optional[str], list[str]]:
    """The longest old module path that `name` starts with, and the parts after it."""
    parts = name.split(".")
    if len(parts) >= 3 and parts[:2] == [_TF, "nn"] and parts[2] in _TF0_NAMES:
        return "tensorflow.nn", parts[2:]
    for end in range(len(parts), 1, -1):
        module = ".".join(parts[:end])
        if module in _MODULES:
            return module, parts[end:]
    return None, []


def _kind(module: str) -> str:
    return _TF0_NN if module == "tensorflow.nn" else _MODULES[module]


def _display(name: str) -> str:
    """A dotted name as TF 1.x users spell it: ``tf.contrib...`` and ``tf.nn...``."""
    if name.startswith(("tensorflow.contrib", "tensorflow.nn")):
        return "tf" + name[len(_TF):]
    return name


def _not_provided(member: str) -> str:
    section = _guide.section_of(member)
    extra = " (tf-slim does not have it either)" if section == _guide.LAYERS_SECTION else ""
    return (f"{member} is not provided by legacy_seq2seq_compat{extra}; see {_guide.GUIDE} "
            f"section '{section}'")


def _package_reason(module: str, rest: Sequence[str]) -> str:
    member = ".".join([module, *rest])
    if module.startswith("tensorflow.models"):
        return (f"{member} is not provided by legacy_seq2seq_compat: tensorflow.models held "
                "TF 0.x's tutorials; copy the module you need next to your script")
    if module == "tensorflow.contrib":
        return _not_provided(_display(member))
    return f"{_display(member)} is not a module legacy_seq2seq_compat knows"


@dataclasses.dataclass(frozen=True)
class _Outcome:
    """What to do with one old member: convert to `key`.`attr`, or report `reason`."""

    key: str = ""
    attr: str = ""
    reason: str = ""


def _member(module: str, name: str) -> _Outcome:
    """Where the member `name` of the old module `module` lives now."""
    kind = _kind(module)
    display = _display(f"{module}.{name}")
    if kind in (_CONTRIB, _PACKAGE):
        return _Outcome(reason=_package_reason(module, [name]))
    if kind == _SEQ2SEQ:
        if name in _public_names("legacy_seq2seq"):
            return _Outcome("legacy_seq2seq", name)
        if name == "_extract_argmax_and_embed":
            return _Outcome("decoders", "extract_argmax_and_embed")
    elif kind in (_CELLS, _STATIC, _CONTRIB_RNN, _TF0_RNN, _TF0_NN):
        if kind in (_TF0_RNN, _TF0_NN) and name in _TF0_NAMES:
            return _Outcome("rnn", _TF0_NAMES[name])
        if kind != _TF0_NN:
            if name in _public_names("rnn_cell"):
                return _Outcome("rnn_cell", name)
            if name in _public_names("rnn"):
                return _Outcome("rnn", name)
        if kind == _CONTRIB_RNN:
            for home in ("contrib_rnn", "fused_rnn_cell"):
                if name in _public_names(home):
                    return _Outcome(home, name)
        if kind == _CONTRIB_RNN and name in _literal("contrib", "_RNN_NOT_PROVIDED"):
            return _Outcome(reason=_not_provided(display))
    elif kind == _SLIM:
        if not name.startswith("_"):
            return _Outcome("tf_slim", name)
    elif kind in (_LAYERS, _FRAMEWORK):
        if kind == _FRAMEWORK and name in _FRAMEWORK_CORE:
            return _Outcome("tf", name)
        home = _slim_homes()[kind].get(name)
        if home:
            return _Outcome("tf_slim", home)
        if not name.startswith("_"):
            return _Outcome(reason=_not_provided(display))
    if name.startswith("_"):
        return _Outcome(reason=f"{display} is private to TensorFlow and has no public "
                               "counterpart in legacy_seq2seq_compat")
    return _Outcome(reason=f"{display} is not a member of {_display(module)} that "
                           "legacy_seq2seq_compat knows")


# -- results --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Report:
    """Something the migration left as it was, and why.

    Attributes:
      path: the file (as given, or ``<string>``).
      line: the 1-based line of the use or import.
      reason: what was not converted and what to read.

    Compatibility:
      No TF 1.15 counterpart; one use the migration could not rewrite.
    """

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@dataclasses.dataclass(frozen=True)
class MigrationResult:
    """The outcome of migrating one source text.

    Attributes:
      code: the new source text (the input itself when nothing changed or it did not parse).
      reports: what was not converted, in line order.
      changed: whether `code` differs from the input.
      parsed: False when the input could not be parsed (then `code` is the input).

    Compatibility:
      No TF 1.15 counterpart; the outcome of rewriting one source text.
    """

    code: str
    reports: list[Report]
    changed: bool
    parsed: bool = True


# -- analysis -------------------------------------------------------------------------------


@dataclasses.dataclass(eq=False)
class _Use:
    """One use of an old name outside imports."""

    node: cst.CSTNode
    line: int
    name: str                    # normalized dotted name of `node`
    module: Optional[str]        # the old module it belongs to
    root: Optional[cst.Name]     # leftmost name of the expression
    root_kind: str               # "tf", "alias" or "other"
    action: str                  # "convert", "module", "bare" or "report"
    key: str = ""
    attr: str = ""
    reason: str = ""
    skip: bool = False           # left as it is (its import is rewritten instead)


@dataclasses.dataclass(eq=False)
class _Decision:
    """What happens to one alias of an import statement."""

    action: str                  # "keep", "drop" or "replace"
    form: str = ""               # "from" (from MODULE import NAME) or "import" (import MODULE)
    module: str = ""
    name: str = ""
    local: str = ""
    binds: str = ""              # the dotted path its local name is bound to afterwards


def _dotted(node: cst.CSTNode) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _expr(dotted: str) -> cst.BaseExpression:
    node: cst.BaseExpression = cst.Name(dotted.split(".")[0])
    for part in dotted.split(".")[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def _root(node: cst.CSTNode) -> Optional[cst.Name]:
    while True:
        if isinstance(node, cst.Attribute):
            node = node.value
        elif isinstance(node, cst.Call):
            node = node.func
        elif isinstance(node, cst.Name):
            return node
        else:
            return None


def _local_name(alias: cst.ImportAlias) -> Optional[str]:
    if alias.asname is not None:
        return _dotted(alias.asname.name)
    return None


class _Analyzer(cst.CSTVisitor):
    """Finds old names in uses and imports (first pass)."""

    METADATA_DEPENDENCIES = (QualifiedNameProvider, ScopeProvider, PositionProvider,
                             ExpressionContextProvider)

    def __init__(self) -> None:
        super().__init__()
        self.uses: list[_Use] = []
        self.by_root: dict[cst.Name, _Use] = {}
        self.imports: list[cst.CSTNode] = []

    def line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def names(self, node: cst.CSTNode) -> set[str]:
        return {_normalize(q.name) for q in self.get_metadata(QualifiedNameProvider, node, set())}

    def visit_Import(self, node: cst.Import) -> bool:
        self.imports.append(node)
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        self.imports.append(node)
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        return self._visit_expression(node)

    def visit_Name(self, node: cst.Name) -> bool:
        return self._visit_expression(node)

    def _root_kind(self, root: Optional[cst.Name]) -> tuple[str, str]:
        """("tf" | "alias" | "member" | "other", the root's dotted name)."""
        if root is None:
            return "other", ""
        names = self.names(root)
        if len(names) != 1:
            return "other", ""
        (name,) = names
        if name == _TF:
            return "tf", next(iter(q.name for q in self.get_metadata(QualifiedNameProvider, root)))
        module, rest = _split(name)
        if module is None:
            return "other", name
        return ("alias" if not rest else "member"), name

    def _add(self, use: _Use) -> bool:
        self.uses.append(use)
        if use.root is not None and use.root_kind in ("alias", "tf"):
            self.by_root[use.root] = use
        return False

    def _visit_expression(self, node: Union[cst.Attribute, cst.Name]) -> bool:
        names = self.names(node)
        related = sorted(n for n in names if _split(n)[0] is not None)
        if not related:
            return True
        root = _root(node)
        line = self.line(node)
        if len(names) > 1:
            return self._add(_Use(node, line, related[0], None, root, "other", "report",
                                  reason=f"{_display(related[0])}: this name may refer to more "
                                         "than one import here; not converted"))
        name = related[0]
        module, rest = _split(name)
        root_kind, root_name = self._root_kind(root)
        if root_kind == "member":
            return False  # bound by `from OLD import NAME`: the import is rewritten instead
        kind = _kind(module)
        use = _Use(node, line, name, module, root, root_kind, "report")
        if kind in (_CONTRIB, _PACKAGE):
            if len(rest) > 2:
                return True
            if rest:
                use.reason = _package_reason(module, rest)
                return self._add(use)
        elif len(rest) > 1:
            return True
        context = self.get_metadata(ExpressionContextProvider, node, None)
        if context in (ExpressionContext.STORE, ExpressionContext.DEL):
            use.reason = f"assignment to {_display(name)} is not converted"
            return self._add(use)
        if not rest:
            if root_kind == "alias" and node is root:
                use.action = "bare"
            elif kind in _ONE_MODULE:
                use.action, use.key = "module", _ONE_MODULE[kind]
            else:
                use.reason = (f"{_display(name)} is used as a value; only uses of its members "
                              f"by name (such as {_display(name)}.NAME) are converted")
            return self._add(use)
        outcome = _member(module, rest[0])
        if outcome.reason:
            use.reason = outcome.reason
        elif outcome.key == "tf":
            if root_kind != "tf":
                use.reason = (f"{_display(name)} moved into TensorFlow: use "
                              f"tf.{_FRAMEWORK_CORE[rest[0]][0]}")
            else:
                v1 = root_name == _V1 or root_name.startswith(_V1 + ".")
                use.action, use.key = "convert", "tf"
                use.attr = _FRAMEWORK_CORE[rest[0]][0 if v1 else 1]
        else:
            use.action, use.key, use.attr = "convert", outcome.key, outcome.attr
        return self._add(use)


# -- decisions ------------------------------------------------------------------------------


class _Plan:
    """Decides, from the first pass, what each use and import alias becomes."""

    def __init__(self, analyzer: _Analyzer, wrapper: MetadataWrapper, path: str) -> None:
        self.a = analyzer
        self.path = path
        self.module = wrapper.module
        self.scopes = wrapper.resolve(ScopeProvider)
        self.positions = wrapper.resolve(PositionProvider)
        self.all_scopes = {scope for scope in self.scopes.values() if scope is not None}
        self.decisions: dict[cst.ImportAlias, _Decision] = {}
        self.reports: list[Report] = []
        self.local: dict[str, str] = {}
        for statement in analyzer.imports:
            if isinstance(statement, cst.ImportFrom):
                self._import_from(statement)
            else:
                self._import(statement)
        for use in analyzer.uses:
            if use.action == "report":
                self._report(use.line, use.reason)
        self._choose_names()

    # reports and references

    def _report(self, line: int, reason: str) -> None:
        self.reports.append(Report(self.path, line, reason))

    def _line(self, node: cst.CSTNode) -> int:
        return self.positions[node].start.line

    def _references(self, statement: cst.CSTNode, names: Iterable[str]) -> list[cst.CSTNode]:
        scope = self.scopes[statement]
        found = []
        for name in names:
            for assignment in scope.assignments[name] if name in scope.assignments else ():
                if getattr(assignment, "node", None) is statement:
                    found += [access.node for access in assignment.references]
        return found

    def _use_of(self, node: cst.CSTNode) -> Optional[_Use]:
        return self.a.by_root.get(_root(node))  # type: ignore[arg-type]

    @staticmethod
    def _converted(use: Optional[_Use]) -> bool:
        return use is not None and use.action in ("convert", "module")

    # imports

    def _import_from(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None:
            return
        base = _normalize(_dotted(node.module))
        if isinstance(node.names, cst.ImportStar):
            if _split(base)[0] is not None:
                self._report(self._line(node), f"from {_dotted(node.module)} import * cannot be "
                                               "converted; import the names you use")
            return
        for alias in node.names:
            name = _dotted(alias.name)
            local = _local_name(alias) or name
            self._alias(node, alias, _normalize(f"{base}.{name}"), local, from_import=True)

    def _import(self, node: cst.Import) -> None:
        for alias in node.names:
            path = _normalize(_dotted(alias.name))
            local = _local_name(alias)
            if local is None:
                self._dotted_import(node, alias, path)
            else:
                self._alias(node, alias, path, local, from_import=False)

    def _alias(self, statement: cst.CSTNode, alias: cst.ImportAlias, path: str, local: str,
               from_import: bool) -> None:
        module, rest = _split(path)
        if module is None:
            return
        line = self._line(alias)
        kind = _kind(module)
        if not rest:
            self._module_alias(statement, alias, module, kind, local)
            return
        if kind in (_CONTRIB, _PACKAGE):
            self._report(line, _package_reason(module, rest))
            return
        if kind == _SLIM:
            target = ".".join(["tf_slim", *rest])
            if importlib.util.find_spec("tf_slim") is None or (
                    not from_import and importlib.util.find_spec(target) is None):
                self._report(line, f"{_display(path)} has no tf_slim counterpart")
                return
            if from_import:
                self._replace(alias, "from", ".".join(["tf_slim", *rest[:-1]]), rest[-1], local)
            else:
                self._replace(alias, "import", target, "", local)
            return
        if len(rest) > 1 or not from_import:
            self._report(line, f"{_display(path)} is not a module legacy_seq2seq_compat knows")
            return
        outcome = _member(module, rest[0])
        if outcome.reason:
            self._report(line, outcome.reason)
        elif outcome.key == "tf":
            home = _FRAMEWORK_CORE[rest[0]][0].rsplit(".", 1)
            where = _V1 + "." + home[0] if len(home) == 2 else _TF
            self._replace(alias, "from", where, home[-1], local)
        elif outcome.key == "tf_slim":
            home = outcome.attr.rsplit(".", 1)
            where = "tf_slim." + home[0] if len(home) == 2 else "tf_slim"
            self._replace(alias, "from", where, home[-1], local)
        else:
            self._replace(alias, "from", _TARGETS[outcome.key], outcome.attr, local)

    def _replace(self, alias: cst.ImportAlias, form: str, module: str, name: str,
                 local: str) -> None:
        binds = f"{module}.{name}" if form == "from" else module
        self.decisions[alias] = _Decision("replace", form, module, name, local, binds)

    def _module_alias(self, statement: cst.CSTNode, alias: cst.ImportAlias, module: str,
                      kind: str, local: str) -> None:
        uses = [self._use_of(ref) for ref in self._references(statement, [local])]
        if kind in _ONE_MODULE:
            key = _ONE_MODULE[kind]
            target = _TARGETS[key]

            if all(use is not None and use.action in ("bare", "convert") for use in uses):
                for use in uses:
                    if (use is not None and use.action == "convert" and use.module == module
                            and use.key == key and use.name.split(".")[-1] == use.attr):
                        use.skip = True
                if "." in target and target != "tf_slim":
                    parent, name = target.rsplit(".", 1)
                    self._replace(alias, "from", parent, name, local)
                else:
                    self._replace(alias, "import", target, "", local)
            return
        for use in uses:
            if use is not None and use.action == "bare":
                use.action = "report"
                use.reason = (f"{_display(module)} is used as a value; only uses of its "
                              f"members by name (such as {_display(module)}.NAME) are converted")
        if all(self._converted(use) for use in uses):
            self.decisions[alias] = _Decision("drop")

    def _dotted_import(self, node: cst.Import, alias: cst.ImportAlias, path: str) -> None:
        module, rest = _split(path)
        if module is None:
            return
        kind = _kind(module)
        if rest and kind != _SLIM:
            if kind in (_CONTRIB, _PACKAGE):
                self._report(self._line(alias), _package_reason(module, rest))
            else:
                self._report(self._line(alias),
                             f"{_display(path)} is not a module legacy_seq2seq_compat knows")
            return
        raw = _dotted(alias.name)
        parts = raw.split(".")
        prefixes = [".".join(parts[:end]) for end in range(2, len(parts) + 1)]
        old = self._references(node, prefixes)
        if not all(self._converted(self._use_of(ref)) for ref in old):
            return
        top = self._references(node, [parts[0]])
        if all(self._converted(self._use_of(ref)) for ref in top):
            self.decisions[alias] = _Decision("drop")
            return
        # The top package is still used: keep binding it.
        scope = self.scopes[node]
        others = [a for a in scope.assignments[parts[0]]
                  if getattr(a, "node", None) is not node] if parts[0] in scope.assignments else []
        if others:
            self.decisions[alias] = _Decision("drop")
        else:
            self.decisions[alias] = _Decision("replace", "import", parts[0], "", parts[0],
                                              parts[0])

    # names for the new modules

    def _binding_of(self, statement: cst.CSTNode, name: str) -> Optional[str]:
        """The dotted path `name` is bound to by `statement` after the migration (None: dropped)."""
        names = statement.names if isinstance(statement, (cst.Import, cst.ImportFrom)) else ()
        if isinstance(names, cst.ImportStar):
            return "*"
        for alias in names:
            local = _local_name(alias) or _dotted(alias.name)
            if local != name:
                continue
            decision = self.decisions.get(alias)
            if decision is not None and decision.action == "drop":
                return None
            if decision is not None and decision.action == "replace":
                return decision.binds
            if isinstance(statement, cst.ImportFrom):
                base = _dotted(statement.module) if statement.module is not None else ""
                return "." * len(statement.relative) + f"{base}.{_dotted(alias.name)}"
            return _dotted(alias.name)
        return "?"

    def _free(self, name: str, target: str) -> bool:
        """Whether `name` can be bound to `target` everywhere in the file."""
        for scope in self.all_scopes:
            if name in scope.assignments:
                for assignment in scope.assignments[name]:
                    statement = getattr(assignment, "node", None)
                    if not isinstance(statement, (cst.Import, cst.ImportFrom)):
                        return False
                    bound = self._binding_of(statement, name)
                    if bound is not None and bound != target:
                        return False
            if name in scope.accesses:
                if any(not access.referents for access in scope.accesses[name]):
                    return False
        return True

    def _choose_names(self) -> None:
        needed = sorted({use.key for use in self.a.uses
                         if use.action in ("convert", "module") and not use.skip
                         and use.key != "tf"})
        for key in needed:
            target = _TARGETS[key]
            candidates = [key, f"lsc_{key}"] + [f"lsc_{key}_{n}" for n in range(2, 100)]
            self.local[key] = next(c for c in candidates if self._free(c, target))

    def module_binds(self, name: str, target: str) -> bool:
        """Whether the module level already binds `name` to `target` (and keeps it)."""
        scope = self.scopes[self.module]
        if scope is None or name not in scope.assignments:
            return False
        for assignment in scope.assignments[name]:
            statement = getattr(assignment, "node", None)
            if isinstance(statement, (cst.Import, cst.ImportFrom)) and \
                    self._binding_of(statement, name) == target and \
                    self._line(statement) < self.first_use_line():
                return True
        return False

    def rewrites(self) -> dict[cst.CSTNode, cst.BaseExpression]:
        """The new expression of each converted use."""
        result = {}
        for use in self.a.uses:
            if use.skip or use.action not in ("convert", "module"):
                continue
            if use.key == "tf":
                new = _expr(f"{use.root.value}.{use.attr}")  # type: ignore[union-attr]
            elif use.action == "module":
                new = cst.Name(self.local[use.key])
            else:
                new = _expr(f"{self.local[use.key]}.{use.attr}")
            if isinstance(use.node, cst.Attribute):
                new = new.with_changes(lpar=use.node.lpar, rpar=use.node.rpar)
            result[use.node] = new
        return result

    def new_imports(self) -> list[tuple[str, str, str]]:
        """(module, name, local) of each import the rewritten uses need; name '' is `import`."""
        wanted = []
        for key, local in sorted(self.local.items()):
            target = _TARGETS[key]
            if self.module_binds(local, target):
                continue
            if key == "tf_slim":
                wanted.append(("tf_slim", "", local))
            else:
                wanted.append(("legacy_seq2seq_compat", key, local))
        return wanted

    def first_use_line(self) -> int:
        lines = [use.line for use in self.a.uses
                 if use.action in ("convert", "module") and not use.skip]
        return min(lines) if lines else 1 << 30


# -- rewriting ------------------------------------------------------------------------------

_SPACE_COMMA = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _fix_commas(aliases: list[cst.ImportAlias], parenthesized: bool,
                template: Optional[cst.ImportAlias] = None) -> list[cst.ImportAlias]:
    """Commas between `aliases`; the last one ends like `template` (the statement's old last)."""
    fixed = []
    for i, alias in enumerate(aliases):
        if i < len(aliases) - 1:
            if not isinstance(alias.comma, cst.Comma):
                alias = alias.with_changes(comma=_SPACE_COMMA)
        elif (parenthesized and template is not None and isinstance(template.comma, cst.Comma)
              and isinstance(template.comma.whitespace_after, cst.ParenthesizedWhitespace)):
            end = template.comma.whitespace_after
            comma = alias.comma if isinstance(alias.comma, cst.Comma) else template.comma
            if isinstance(comma.whitespace_after, cst.ParenthesizedWhitespace):
                comma = comma.with_changes(whitespace_after=comma.whitespace_after.with_changes(
                    indent=end.indent, last_line=end.last_line))
            else:
                comma = template.comma
            alias = alias.with_changes(comma=comma)
        else:
            alias = alias.with_changes(comma=cst.MaybeSentinel.DEFAULT)
        fixed.append(alias)
    return fixed


def _as(alias: Optional[cst.ImportAlias], local: str, bound: str) -> Optional[cst.AsName]:
    if local == bound:
        return None
    if alias is not None and alias.asname is not None:
        return alias.asname.with_changes(name=cst.Name(local))
    return cst.AsName(name=cst.Name(local))


def _new_alias(old: Optional[cst.ImportAlias], name: str, local: str) -> cst.ImportAlias:
    bound = name if "." not in name else ""
    node = old if old is not None else cst.ImportAlias(name=cst.Name("x"))
    return node.with_changes(name=_expr(name), asname=_as(old, local, bound))


def _merge(statement: cst.ImportFrom, extra: list[tuple[str, str, str]]) -> cst.ImportFrom:
    """Adds `from MODULE import name as local` aliases to an existing from-import."""
    names = list(statement.names)  # type: ignore[arg-type]
    last = names[-1]
    comma = last.comma if isinstance(last.comma, cst.Comma) else None
    if comma is None:
        names[-1] = last.with_changes(comma=_SPACE_COMMA)
    for i, (_, name, local) in enumerate(extra):
        alias = cst.ImportAlias(name=cst.Name(name), asname=_as(None, local, name))
        if comma is not None:
            alias = alias.with_changes(comma=comma)
        elif i < len(extra) - 1:
            alias = alias.with_changes(comma=_SPACE_COMMA)
        names.append(alias)
    return statement.with_changes(names=names)


def _from_statement(module: str, imports: list[tuple[str, str]]) -> cst.ImportFrom:
    aliases = [cst.ImportAlias(name=cst.Name(name), asname=_as(None, local, name))
               for name, local in imports]
    return cst.ImportFrom(module=_expr(module), names=_fix_commas(aliases, False))


def _import_statement(module: str, local: str) -> cst.Import:
    return cst.Import(names=[cst.ImportAlias(name=_expr(module),
                                             asname=_as(None, local, module))])


def _needed_statements(needed: list[tuple[str, str, str]]) -> list[cst.BaseSmallStatement]:
    statements: list[cst.BaseSmallStatement] = []
    lsc = [(name, local) for module, name, local in needed if name]
    if lsc:
        statements.append(_from_statement("legacy_seq2seq_compat", lsc))
    statements += [_import_statement(module, local) for module, name, local in needed
                   if not name]
    return statements


def _is_docstring(line: cst.BaseStatement) -> bool:
    return (isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1
            and isinstance(line.body[0], cst.Expr)
            and isinstance(line.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))


def _is_import_line(line: cst.BaseStatement) -> bool:
    return isinstance(line, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in line.body)


class _Rewriter(cst.CSTTransformer):
    """Applies a `_Plan` (second pass)."""

    def __init__(self, plan: _Plan) -> None:
        super().__init__()
        self.plan = plan
        self.rewrites = plan.rewrites()
        self.needed = plan.new_imports()
        self.dropped: set[int] = set()
        self.placed = not self.needed
        first_use = plan.first_use_line()
        self.merge_into: Optional[cst.ImportFrom] = None
        self.anchor: Optional[cst.SimpleStatementLine] = None
        if self.needed:
            for line in plan.module.body:
                if plan._line(line) >= first_use:
                    break
                if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
                    continue
                small = line.body[0]
                if (isinstance(small, cst.ImportFrom) and not small.relative
                        and small.module is not None
                        and _dotted(small.module) == "legacy_seq2seq_compat"
                        and not isinstance(small.names, cst.ImportStar)):
                    self.merge_into = small
                    break
                if self.anchor is None and isinstance(small, (cst.Import, cst.ImportFrom)) and \
                        not isinstance(small.names, cst.ImportStar) and any(
                        a in plan.decisions for a in small.names):
                    self.anchor = line

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> Any:
        return self.rewrites.get(original, updated)

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> Any:
        return self.rewrites.get(original, updated)

    # imports

    def _split_import(self, node: Union[cst.Import, cst.ImportFrom]
                      ) -> Optional[list[cst.BaseSmallStatement]]:
        """The statements that replace `node`, or None when it stays as it is."""
        if isinstance(node.names, cst.ImportStar):
            return None
        decisions = [self.plan.decisions.get(alias) for alias in node.names]
        if all(d is None or d.action == "keep" for d in decisions):
            return None
        parenthesized = isinstance(node, cst.ImportFrom) and node.lpar is not None
        template = node.names[-1]
        kept: list[cst.ImportAlias] = []
        groups: dict[str, list[cst.ImportAlias]] = {}
        imports: list[cst.ImportAlias] = []
        for alias, decision in zip(node.names, decisions):
            if decision is None or decision.action == "keep":
                kept.append(alias)
            elif decision.action == "replace" and decision.form == "import":
                new = _new_alias(alias, decision.module, decision.local)
                if decision.local == decision.module:
                    new = new.with_changes(asname=None)
                (kept if isinstance(node, cst.Import) else imports).append(new)
            elif decision.action == "replace":
                groups.setdefault(decision.module, []).append(
                    _new_alias(alias, decision.name, decision.local))
        result: list[cst.BaseSmallStatement] = []
        if kept:
            result.append(node.with_changes(names=_fix_commas(kept, parenthesized, template)))
        for module, aliases in groups.items():
            if isinstance(node, cst.ImportFrom):
                new_from = node.with_changes(module=_expr(module), relative=(),
                                             names=_fix_commas(aliases, parenthesized, template))
            else:
                new_from = cst.ImportFrom(module=_expr(module),
                                          names=_fix_commas(aliases, False))
            result.append(new_from)
        for alias in imports:
            result.append(cst.Import(names=[alias.with_changes(comma=cst.MaybeSentinel.DEFAULT)]))
        return result

    def _with_needed(self, statements: list[cst.BaseSmallStatement]
                     ) -> list[cst.BaseSmallStatement]:
        needed = self.needed
        self.placed = True
        out = list(statements)
        lsc = [n for n in needed if n[1]]
        for i, small in enumerate(out):
            if lsc and isinstance(small, cst.ImportFrom) and small.module is not None and \
                    _dotted(small.module) == "legacy_seq2seq_compat":
                out[i] = _merge(small, lsc)
                lsc = []
        return out + _needed_statements([n for n in needed if not n[1]] + lsc)

    def _rewrite_imports(self, original: Sequence[cst.BaseSmallStatement],
                         updated: Sequence[cst.BaseSmallStatement], merge: bool) -> tuple:
        """(new small statements, whether any import changed) of one statement line."""
        body: list[cst.BaseSmallStatement] = []
        changed = False
        for source, small in zip(original, updated):
            if isinstance(source, (cst.Import, cst.ImportFrom)):
                replaced = self._split_import(source)
                if merge and source is self.merge_into:
                    replaced = self._with_needed([source] if replaced is None else replaced)
                if replaced is not None:
                    body += replaced
                    changed = True
                    continue
            body.append(small)
        return body, changed

    def leave_SimpleStatementLine(self, original: cst.SimpleStatementLine,
                                  updated: cst.SimpleStatementLine) -> Any:
        body, changed = self._rewrite_imports(original.body, updated.body, merge=True)
        if original is self.anchor and not self.placed:
            body = self._with_needed(body)
            changed = True
        if not changed:
            return updated
        if not body:
            self.dropped.add(id(updated))
            return updated
        if len(updated.body) == 1:
            lines = [updated.with_changes(body=[body[0].with_changes(
                semicolon=cst.MaybeSentinel.DEFAULT)])]
            lines += [cst.SimpleStatementLine(body=[small.with_changes(
                semicolon=cst.MaybeSentinel.DEFAULT)]) for small in body[1:]]
            return cst.FlattenSentinel(lines)
        return updated.with_changes(body=_semicolons(body))

    def leave_SimpleStatementSuite(self, original: cst.SimpleStatementSuite,
                                   updated: cst.SimpleStatementSuite) -> Any:
        body, changed = self._rewrite_imports(original.body, updated.body, merge=False)
        if not changed:
            return updated
        return updated.with_changes(body=_semicolons(body or [cst.Pass()]))

    def _body(self, body: Sequence[cst.BaseStatement]) -> tuple[list[cst.BaseStatement],
                                                                 list[cst.EmptyLine]]:
        new: list[cst.BaseStatement] = []
        carry: list[cst.EmptyLine] = []
        for statement in body:
            if id(statement) in self.dropped:
                carry += list(statement.leading_lines)  # type: ignore[attr-defined]
                continue
            if carry:
                statement = statement.with_changes(
                    leading_lines=[*carry, *statement.leading_lines])  # type: ignore
                carry = []
            new.append(statement)
        return new, carry

    def leave_IndentedBlock(self, original: cst.IndentedBlock,
                            updated: cst.IndentedBlock) -> Any:
        body, carry = self._body(updated.body)
        if len(body) == len(updated.body):
            return updated
        if not body:
            body = [cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=carry)]
            carry = []
        return updated.with_changes(body=body, footer=[*carry, *updated.footer])

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        body, carry = self._body(updated.body)
        if not self.placed:
            index = 1 if body and _is_docstring(body[0]) else 0
            position = index
            while index < len(body) and _is_import_line(body[index]):
                index += 1
                position = index
            lines = [cst.SimpleStatementLine(body=[small])
                     for small in _needed_statements(self.needed)]
            body = body[:position] + lines + body[position:]
        return updated.with_changes(body=body, footer=[*carry, *updated.footer])


def _semicolons(body: list[cst.BaseSmallStatement]) -> list[cst.BaseSmallStatement]:
    out = []
    for i, small in enumerate(body):
        if i < len(body) - 1 and not isinstance(small.semicolon, cst.Semicolon):
            small = small.with_changes(semicolon=cst.Semicolon(
                whitespace_before=cst.SimpleWhitespace(""),
                whitespace_after=cst.SimpleWhitespace(" ")))
        out.append(small)
    return out


_COMPAT_V1_HINT = "migrate with --compat-v1 to use tensorflow.compat.v1"
# With --compat-v1 only top-level `import tensorflow as X` lines are switched.
_BY_HAND_HINT = ("--compat-v1 switches only top-level `import tensorflow as X` lines: change "
                 "this file's import to `import tensorflow.compat.v1 as tf` by hand")


class _TF1OnlyFinder(cst.CSTVisitor):
    """Finds uses of TF 1.x-only core API through a name bound to plain ``tensorflow``."""

    METADATA_DEPENDENCIES = (PositionProvider, QualifiedNameProvider)

    def __init__(self, path: str, hint: str) -> None:
        super().__init__()
        self.path = path
        self.hint = hint
        self.reports: list[Report] = []

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        for qualified in self.get_metadata(QualifiedNameProvider, node, set()):
            name = qualified.name
            if name.startswith(_TF + ".") and name[len(_TF) + 1:] in _tf1_only.NAMES:
                member = name[len(_TF) + 1:]
                line = self.get_metadata(PositionProvider, node).start.line
                self.reports.append(Report(self.path, line, (
                    f"tf.{member} is TF 1.x API that TF 2.x lacks (it has only "
                    f"tf.compat.v1.{member}); {self.hint}")))
                return False
        return True


def _tf1_only_uses(module: cst.Module, path: str, compat_v1: bool = False) -> list[Report]:
    """The lines of `module` that use TF 1.x-only core API through plain ``tensorflow``."""
    finder = _TF1OnlyFinder(path, _BY_HAND_HINT if compat_v1 else _COMPAT_V1_HINT)
    MetadataWrapper(module).visit(finder)
    return finder.reports


def _migrate_module(module: cst.Module, path: str, compat_v1: bool = False
                    ) -> tuple[cst.Module, list[Report]]:
    wrapper = MetadataWrapper(module)
    analyzer = _Analyzer()
    wrapper.visit(analyzer)
    plan = _Plan(analyzer, wrapper, path)
    new = wrapper.module.visit(_Rewriter(plan))
    # Line numbers of the input, as for every other report (the names in _tf1_only are
    # never converted, so the input's uses are the ones left).
    reports = plan.reports + _tf1_only_uses(wrapper.module, path, compat_v1)
    unique = sorted(set(reports), key=lambda r: (r.line, r.reason))
    return new, unique


def _parse_failure(path: str, error: Exception, data: Union[str, bytes]) -> Report:
    if isinstance(error, cst.ParserSyntaxError):
        where = re.search(r"error at (\d+):", error.message)
        line = int(where.group(1)) if where else error.raw_line
        return Report(path, line, f"cannot parse: {error.message}")
    line = 1
    if isinstance(data, bytes):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            line = data[:bad.start].count(b"\n") + 1
    return Report(path, line, f"cannot parse: {error}")


# -- the optional switch of the core API to tf.compat.v1 ------------------------------------

_DISABLE_V2 = "disable_v2_behavior"


def _is_import_line(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body)


def _to_compat_v1(module: cst.Module) -> cst.Module:
    """Switches ``import tensorflow as X`` to TF 1.x's API with ``X.disable_v2_behavior()``.

    Only top-level imports with an alias are switched; the call goes right
    after the first block of top-level imports that holds one (so later
    imports are not pushed below code), once per alias.
    """
    body = list(module.body)
    switched: list[str] = []
    first: Optional[int] = None  # the first import line switched
    for index, statement in enumerate(body):
        if not _is_import_line(statement):
            continue
        smalls = []
        for small in statement.body:
            if isinstance(small, cst.Import):
                names = []
                for alias in small.names:
                    if (alias.asname is not None and isinstance(alias.asname.name, cst.Name)
                            and _dotted(alias.name) == "tensorflow"):
                        alias = alias.with_changes(
                            name=cst.parse_expression("tensorflow.compat.v1"))
                        first = index if first is None else first
                        if alias.asname.name.value not in switched:
                            switched.append(alias.asname.name.value)
                    names.append(alias)
                small = small.with_changes(names=names)
            smalls.append(small)
        body[index] = statement.with_changes(body=smalls)
    if first is None:
        return module
    end = first
    while end + 1 < len(body) and _is_import_line(body[end + 1]):
        end += 1
    calls = [cst.parse_statement(f"{name}.{_DISABLE_V2}()\n") for name in switched]
    calls[0] = calls[0].with_changes(leading_lines=[cst.EmptyLine()])
    if end + 1 < len(body) and not body[end + 1].leading_lines:
        # A blank line before the next statement, as after the import block.
        body[end + 1] = body[end + 1].with_changes(leading_lines=[cst.EmptyLine()])
    return module.with_changes(body=body[:end + 1] + calls + body[end + 1:])


def migrate_source(code: str, path: str = "<string>", *,
                   compat_v1: bool = False) -> MigrationResult:
    """Migrates one Python source text.

    Args:
      code: the source text.
      path: the name used in the reports.
      compat_v1: also switch the core API to TF 1.x's: every top-level
        ``import tensorflow as tf`` becomes ``import tensorflow.compat.v1 as
        tf`` followed, after the import block, by ``tf.disable_v2_behavior()``
        (the official first migration step; ``--compat-v1``).

    Returns:
      A `MigrationResult`: the new text, and what was not converted. Source that
      does not parse comes back unchanged with one ``cannot parse`` report.

    Raises:
      TypeError: `code` or `path` is not a str.

    Compatibility:
      No TF 1.15 counterpart. TensorFlow's own `tf_upgrade_v2` does not convert tf.contrib uses;
      this rewrites them to this library, whose functions keep TF 1.15's signatures and variable
      names, so migrated code still restores TF 1.15 checkpoints.
    """
    if not isinstance(code, str):
        raise TypeError(f"migrate_source: code must be a str, got {type(code).__name__}: "
                        f"{code!r:.80}")
    if not isinstance(path, str):
        raise TypeError(f"migrate_source: path must be a str, got {type(path).__name__}: "
                        f"{path!r:.80}")
    try:
        module = cst.parse_module(code)
    except (cst.ParserSyntaxError, SyntaxError, UnicodeError) as error:
        return MigrationResult(code, [_parse_failure(path, error, code)], False, parsed=False)
    new, reports = _migrate_module(_to_compat_v1(module) if compat_v1 else module, path,
                                   compat_v1)
    return MigrationResult(new.code, reports, new.code != code)


def _migrate_bytes(data: bytes, path: str, compat_v1: bool = False
                   ) -> tuple[Optional[cst.Module], Optional[cst.Module], list[Report]]:
    try:
        module = cst.parse_module(data)
    except (cst.ParserSyntaxError, SyntaxError, UnicodeError) as error:
        return None, None, [_parse_failure(path, error, data)]
    new, reports = _migrate_module(_to_compat_v1(module) if compat_v1 else module, path,
                                   compat_v1)
    return module, new, reports


# -- files ----------------------------------------------------------------------------------


def _is_backup(path: str) -> bool:
    return _BACKUP.search(path) is not None


def iter_python_files(paths: Sequence[PathLike]) -> Iterator[str]:
    """The files `migrate_paths` works on, in order.

    Args:
      paths: files and directories. A directory gives its ``*.py`` files, walked
        in sorted order, skipping ``__pycache__`` and directories starting with
        ``.``; a file is taken as it is. Backup files (``*.bak``, ``*.bak.N``)
        and repeats are left out.

    Yields:
      Each file's path, as given or joined to the directory given.

    Compatibility:
      No TF 1.15 counterpart; the file walk of `migrate_paths`.
    """
    seen: set[str] = set()
    for given in paths:
        given = os.fspath(given)
        if os.path.isdir(given):
            found = []
            for folder, dirs, files in os.walk(given):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
                found += [os.path.join(folder, f) for f in sorted(files) if f.endswith(".py")]
            candidates = found
        else:
            candidates = [given]
        for candidate in candidates:
            real = os.path.realpath(candidate)
            if real in seen or _is_backup(candidate):
                continue
            seen.add(real)
            yield candidate


def _backup_path(path: str) -> str:
    candidate = path + ".bak"
    number = 0
    while os.path.lexists(candidate):
        number += 1
        candidate = f"{path}.bak.{number}"
    return candidate


def _diff(path: str, old: str, new: str) -> str:
    shown = path.replace(os.sep, "/").lstrip("/")
    lines = []
    for line in difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                     fromfile=f"a/{shown}", tofile=f"b/{shown}"):
        lines.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(lines)


def migrate_paths(paths: Sequence[PathLike], write: bool = False,
                  out: Optional[TextIO] = None, err: Optional[TextIO] = None, *,
                  compat_v1: bool = False) -> int:
    """Migrates files and directories: prints a diff, or rewrites them with ``--write``.

    Args:
      paths: files and directories (see `iter_python_files`); every one must exist.
      write: rewrite changed files in place, keeping the original bytes in
        ``PATH.bak`` (``PATH.bak.1``, ... when that exists); otherwise only print
        a unified diff of each changed file.
      out: where diffs go (default sys.stdout).
      err: where reports and messages go (default sys.stderr).
      compat_v1: also switch ``import tensorflow as tf`` to TF 1.x's API (see
        `migrate_source`).

    Returns:
      0 when everything was converted, 1 when something was reported, 2 when a
      path does not exist (then nothing is done).

    Raises:
      TypeError: `paths` is a single string or not a sequence of paths, or
        `write` is not a bool.
      ValueError: `paths` is empty.

    Compatibility:
      No TF 1.15 counterpart; the `migrate` command of this library (see `migrate_source`).
    """
    if isinstance(paths, (str, bytes, os.PathLike)) or not isinstance(paths, Sequence):
        raise TypeError("migrate_paths: paths must be a list of file or directory paths, got "
                        f"{type(paths).__name__}: {paths!r:.80}")
    if not paths:
        raise ValueError("migrate_paths: paths must name at least one file or directory, got []")
    for given in paths:
        if not isinstance(given, (str, os.PathLike)):
            raise TypeError("migrate_paths: each path must be a str or os.PathLike, got "
                            f"{type(given).__name__}: {given!r:.80}")
    for flag, value in (("write", write), ("compat_v1", compat_v1)):
        if not isinstance(value, bool):
            raise TypeError(f"migrate_paths: {flag} must be a bool, got "
                            f"{type(value).__name__}: {value!r:.80}")
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    missing = [os.fspath(p) for p in paths if not os.path.exists(os.fspath(p))]
    if missing:
        for path in missing:
            print(f"legacy-seq2seq-compat migrate: error: no such file or directory: {path!r}",
                  file=err)
        return 2
    status = 0
    checked = changed = tf1_only = 0
    for path in iter_python_files(paths):
        checked += 1
        with open(path, "rb") as handle:
            data = handle.read()
        old, new, reports = _migrate_bytes(data, path, compat_v1)
        for report in reports:
            print(report, file=err)
            tf1_only += report.reason.endswith((_COMPAT_V1_HINT, _BY_HAND_HINT))
        if reports:
            status = 1
        if old is None or new is None:
            continue
        new_bytes = new.bytes
        if new_bytes == data:
            continue
        changed += 1
        if write:
            backup = _backup_path(path)
            with open(backup, "xb") as handle:
                handle.write(data)
            with open(path, "wb") as handle:
                handle.write(new_bytes)
            print(f"{path}: migrated (original kept in {backup})", file=err)
        else:
            out.write(_diff(path, data.decode(old.encoding), new_bytes.decode(new.encoding)))
    if tf1_only and not compat_v1:
        print(f"{tf1_only} use(s) of TF 1.x-only API fail on TF 2.x as they are: rerun with "
              "--compat-v1 (it switches `import tensorflow as tf` to tensorflow.compat.v1), or "
              "run the script unchanged with `legacy-seq2seq-compat run`", file=err)
    if not changed and status == 0:
        print(f"no changes: {checked} file(s) checked", file=err)
    return status
