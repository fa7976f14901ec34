"""TF1 checkpoints of legacy_seq2seq models: inspect, convert old names, restore.

Three naming eras exist for the variables of the TF1 RNN cells and of
`legacy_seq2seq`; this module reads all three and writes the last one, which is
what legacy_seq2seq_compat (like TF 1.15) creates:

* **">= 1.2"** (TF 1.2 to 1.15, and this library): ``rnn/``,
  ``multi_rnn_cell/cell_0/gru_cell/gates/kernel``, ``lstm_cell/bias``, ... The
  contrib wrappers nest the cell they wrap:
  ``rnn/embedding_wrapper/multi_rnn_cell/...``,
  ``attention_decoder/output_projection_wrapper/gru_cell/...``.
* **"1.0"** (TF 1.0 and 1.1): the same snake_case scopes, but the linear
  variables are ``weights``/``biases`` instead of ``kernel``/``bias``. They are
  renamed only inside the scopes that TF 1.2 renamed: ``basic_rnn_cell``,
  ``gru_cell/gates``, ``gru_cell/candidate``, ``basic_lstm_cell``,
  ``lstm_cell``, ``lstm_cell/projection``, ``output_projection_wrapper``,
  ``input_projection_wrapper``, an attention decoder's own scope (the parent
  of ``AttnW_0``), ``Attention_k`` and ``AttnOutputProjection``. Elsewhere
  ``weights`` stays (``fully_connected/weights`` is a TF 1.15 name too).
  The tf.contrib.rnn cells of that era are renamed the same way inside
  ``layer_norm_basic_lstm_cell``, ``ugrnn_cell``, ``intersection_rnn_cell`` (and
  its ``in_projection``), ``phased_lstm_cell/mask_gates|new_input|output_gate``,
  ``attention_cell_wrapper`` (and its ``attention`` and
  ``attn_output_projection``). The fused LSTM's scope ``lstm_block_wrapper``
  becomes TF 1.15's ``lstm_fused_cell`` (and its ``weights``/``biases``
  ``kernel``/``bias``). NASCell's scope ``nas_rnn`` becomes ``nas_cell``, with
  ``weights`` -> ``kernel`` and ``recurrent_weights`` -> ``recurrent_kernel``.
* **"0.12"** (TF <= 0.12): CamelCase scopes and the ``Linear`` helper scope:
  ``RNN/`` -> ``rnn/``, ``BiRNN/FW`` -> ``bidirectional_rnn/fw``,
  ``MultiRNNCell/Cell0`` -> ``multi_rnn_cell/cell_0``,
  ``GRUCell/Gates/Linear/Matrix`` -> ``gru_cell/gates/kernel``,
  ``.../Linear/Bias`` -> ``.../bias``, ``BasicLSTMCell``, ``BasicRNNCell``,
  ``EmbeddingWrapper``, ``OutputProjectionWrapper``,
  ``InputProjectionWrapper`` likewise, ``attention_decoder/Linear/Matrix`` ->
  ``attention_decoder/kernel``. ``LSTMCell`` had its own names:
  ``W_0`` -> ``kernel`` (shards ``W_0``, ``W_1``, ... are separate variables,
  concatenated on axis 0), ``B`` -> ``bias``, ``W_P_0`` ->
  ``projection/kernel``, ``W_F_diag`` -> ``w_f_diag`` (also I, O).

Structure: before TF 1.2 (both old eras) EmbeddingWrapper,
InputProjectionWrapper and OutputProjectionWrapper called the wrapped cell
*outside* their own scope, so its variables sit next to the wrapper's
(``rnn/embedding_wrapper/embedding`` beside ``rnn/multi_rnn_cell/...``).
When a wrapper's own variables exist under a parent scope P, the cell scopes
directly under P (``multi_rnn_cell``, ``gru_cell``, ...) move into the wrapper
(``P/embedding_wrapper/multi_rnn_cell/...``); other names under P (an attention
decoder's ``AttnW_0``, ``kernel``, ``Attention_0``, ...) stay. Several wrappers
under one P nest in the order embedding, input projection, output projection
(outermost first).

Optimizer slots (``<var>/Adam``, ``<var>/Adam_1``, ``/Momentum``,
``/Adagrad``, ``/RMSProp``, ...: any name whose prefix is another checkpoint
variable) follow their variable. ``global_step``, ``beta1_power`` and user
variables pass through. A name that looks legacy but that no rule handles
(``Linear/Matrix`` outside the scopes above, ``weights`` right under a
``gru_cell``, an unknown ``LSTMCell`` variable, broken shard numbering, two
names converting to one) is reported as unmapped and kept unchanged.

The era of a checkpoint is "0.12", "1.0", ">= 1.2", "mixed" (markers of more
than one era) or "unknown" (no cell or attention variable recognised).

Entry points: `inspect_checkpoint`, `convert_names`, `convert_checkpoint`,
`restore_checkpoint`, and `run_inspect` / `run_convert` behind
``legacy-seq2seq-compat ckpt inspect|convert``.
"""

from __future__ import annotations

import dataclasses
import glob
import json
import os
import re
import shutil
import sys
import tempfile
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Optional, TextIO, Union

import numpy as np
import tensorflow as tf

_v1 = tf.compat.v1

__all__ = [
    "ERA_0_12",
    "ERA_1_0",
    "ERA_1_2",
    "ERA_MIXED",
    "ERA_UNKNOWN",
    "CheckpointMismatchError",
    "CheckpointReport",
    "ConversionReport",
    "NameConversion",
    "assign_from_checkpoint",
    "convert_checkpoint",
    "convert_names",
    "describe_models",
    "inspect_checkpoint",
    "resolve_checkpoint",
    "restore_checkpoint",
    "run_convert",
    "run_inspect",
    "write_state_file",
]

ERA_0_12 = "0.12"
ERA_1_0 = "1.0"
ERA_1_2 = ">= 1.2"
ERA_MIXED = "mixed"
ERA_UNKNOWN = "unknown"

_ERA_ORDER = (ERA_0_12, ERA_1_0, ERA_1_2)
_ERA_TEXT = {
    ERA_0_12: "TF <= 0.12 names: CamelCase scopes, Linear/Matrix, LSTMCell/W_0",
    ERA_1_0: "TF 1.0-1.1 names: weights/biases in the cell scopes",
    ERA_1_2: "TF >= 1.2 names: kernel/bias, as legacy_seq2seq_compat creates",
    ERA_UNKNOWN: "no RNN cell or attention variable recognised",
}

# -- the naming rules ----------------------------------------------------------------

_CAMEL_SCOPES = {
    "BasicRNNCell": "basic_rnn_cell",
    "GRUCell": "gru_cell",
    "BasicLSTMCell": "basic_lstm_cell",
    "LSTMCell": "lstm_cell",
    "MultiRNNCell": "multi_rnn_cell",
    "EmbeddingWrapper": "embedding_wrapper",
    "OutputProjectionWrapper": "output_projection_wrapper",
    "InputProjectionWrapper": "input_projection_wrapper",
    # tf.contrib.rnn.GRUBlockCell of early TF 1.x used its class name as scope; its
    # w_ru/b_ru/w_c/b_c kept their names.
    "GRUBlockCell": "gru_cell",
}
_LSTM_DIAGONALS = {"W_F_diag": "w_f_diag", "W_I_diag": "w_i_diag", "W_O_diag": "w_o_diag"}
_LEAF_CELL = re.compile(r"(basic_rnn_cell|gru_cell|basic_lstm_cell|lstm_cell)(_\d+)?")
_CELL_SCOPE = re.compile(
    r"(basic_rnn_cell|gru_cell|basic_lstm_cell|lstm_cell|multi_rnn_cell)(_\d+)?")
_GRU = re.compile(r"gru_cell(_\d+)?")
_LSTM = re.compile(r"lstm_cell(_\d+)?")
# Scopes whose linear variables TF 1.2 renamed (an attention decoder's own
# scope is recognised by its AttnW_0 variable instead).
_LINEAR_OWNER = re.compile(
    r"(basic_rnn_cell|basic_lstm_cell|output_projection_wrapper|input_projection_wrapper)(_\d+)?"
    r"|Attention_\d+|AttnOutputProjection")
# tf.contrib.rnn scopes whose weights/biases TF 1.2 renamed to kernel/bias: the
# cell's own scope, or (parent, child) for a linear map in a sub-scope.
_CONTRIB_LINEAR_OWNER = re.compile(
    r"(layer_norm_basic_lstm_cell|ugrnn_cell|intersection_rnn_cell|attention_cell_wrapper)(_\d+)?")
_CONTRIB_LINEAR_CHILD = {
    "intersection_rnn_cell": ("in_projection",),
    "phased_lstm_cell": ("mask_gates", "new_input", "output_gate"),
    "attention_cell_wrapper": ("attention", "attn_output_projection"),
}
# NASCell's scope was "nas_rnn" before it became a layer ("nas_cell" in TF 1.15);
# its input and recurrent matrices were "weights" and "recurrent_weights".
_NAS_OLD = re.compile(r"nas_rnn(_\d+)?")
_NAS_LEAVES = {"weights": "kernel", "recurrent_weights": "recurrent_kernel",
               "kernel": "kernel", "recurrent_kernel": "recurrent_kernel",
               "bias": "bias", "projection_weights": "projection_weights"}
# LSTMBlockFusedCell's scope was "lstm_block_wrapper" (TF 1.0-1.2, with weights/biases until
# 1.2) before it became a layer named "lstm_fused_cell".
_FUSED_OLD = re.compile(r"lstm_block_wrapper(_\d+)?")
_FUSED_LEAVES = {"weights": "kernel", "biases": "bias", "kernel": "kernel", "bias": "bias",
                 "w_i_diag": "w_i_diag", "w_f_diag": "w_f_diag", "w_o_diag": "w_o_diag"}
# Wrappers that owned variables, outermost first, with their own variable names.
_WRAPPERS = ("embedding_wrapper", "input_projection_wrapper", "output_projection_wrapper")
_WRAPPER_OWN = {
    "embedding_wrapper": ("embedding",),
    "input_projection_wrapper": ("kernel", "bias"),
    "output_projection_wrapper": ("kernel", "bias"),
}
_SLOT_OPTIMIZERS = {
    "Adam": "Adam", "Adam_1": "Adam", "Momentum": "Momentum", "Adagrad": "Adagrad",
    "RMSProp": "RMSProp", "RMSProp_1": "RMSProp", "Adadelta": "Adadelta",
    "Adadelta_1": "Adadelta", "Ftrl": "Ftrl", "Ftrl_1": "Ftrl",
    "ExponentialMovingAverage": "ExponentialMovingAverage",
}


@dataclasses.dataclass(frozen=True)
class _Base:
    """One converted (non-slot) checkpoint name."""

    name: str
    era: Optional[str] = None
    shard: Optional[int] = None
    reason: Optional[str] = None


def _owns_linear(new: list, old_prefix: str, attention_parents: set, with_lstm: bool) -> bool:
    """Whether a linear variable under the scope `new` is one TF 1.2 renamed."""
    if old_prefix in attention_parents:
        return True
    if not new:
        return False
    owner = new[-1]
    parent = new[-2] if len(new) > 1 else ""
    if _LINEAR_OWNER.fullmatch(owner):
        return True
    if with_lstm and (_CONTRIB_LINEAR_OWNER.fullmatch(owner) or owner in _CONTRIB_LINEAR_CHILD.get(
            re.sub(r"_\d+$", "", parent), ())):
        return True
    if owner in ("gates", "candidate") and _GRU.fullmatch(parent):
        return True
    return with_lstm and (_LSTM.fullmatch(owner) is not None
                          or (owner == "projection" and _LSTM.fullmatch(parent) is not None))


def _convert_lstm_0_12(new: list, leaf: str, name: str) -> _Base:
    """A variable directly in a TF 0.12 ``LSTMCell`` scope."""
    kernel = re.fullmatch(r"W_(\d+)", leaf)
    projection = re.fullmatch(r"W_P_(\d+)", leaf)
    if kernel:
        return _Base("/".join(new + ["kernel"]), ERA_0_12, int(kernel.group(1)))
    if projection:
        return _Base("/".join(new + ["projection", "kernel"]), ERA_0_12, int(projection.group(1)))
    if leaf == "B":
        return _Base("/".join(new + ["bias"]), ERA_0_12)
    if leaf in _LSTM_DIAGONALS:
        return _Base("/".join(new + [_LSTM_DIAGONALS[leaf]]), ERA_0_12)
    return _Base(name, reason=(
        f"unknown LSTMCell variable {leaf!r} (TF 0.12 LSTMCell had W_k, B, W_P_k, "
        "W_F_diag, W_I_diag, W_O_diag)"))


def _convert_base(name: str, attention_parents: set) -> _Base:
    """Converts one non-slot checkpoint name to its TF 1.15 name."""
    old = name.split("/")
    new: list = []
    era = None
    for i, seg in enumerate(old):
        before = old[i - 1] if i else ""
        last = i == len(old) - 1
        old_prefix = "/".join(old[:i])
        if before == "Linear" and new and new[-1] in ("kernel", "bias"):
            continue  # consumed with its "Linear" scope
        if seg in _CAMEL_SCOPES:
            new.append(_CAMEL_SCOPES[seg])
            era = ERA_0_12
        elif seg in ("RNN", "BiRNN") and any(s in _CAMEL_SCOPES for s in old[i + 1:]):
            new.append("rnn" if seg == "RNN" else "bidirectional_rnn")
            era = ERA_0_12
        elif seg in ("FW", "BW") and new and new[-1] == "bidirectional_rnn":
            new.append(seg.lower())
        elif before == "MultiRNNCell" and re.fullmatch(r"Cell\d+", seg):
            new.append("cell_" + seg[4:])
        elif before == "GRUCell" and seg in ("Gates", "Candidate"):
            new.append(seg.lower())
        elif _NAS_OLD.fullmatch(seg) and i == len(old) - 2 and old[-1] in _NAS_LEAVES:
            new += ["nas_cell" + seg[len("nas_rnn"):], _NAS_LEAVES[old[-1]]]
            if old[-1] in ("weights", "recurrent_weights"):
                era = ERA_1_0
            return _Base("/".join(new), era)
        elif _FUSED_OLD.fullmatch(seg) and i == len(old) - 2 and old[-1] in _FUSED_LEAVES:
            new += ["lstm_fused_cell" + seg[len("lstm_block_wrapper"):], _FUSED_LEAVES[old[-1]]]
            if old[-1] in ("weights", "biases"):
                era = ERA_1_0
            return _Base("/".join(new), era)
        elif before == "LSTMCell" and last:
            return _convert_lstm_0_12(new, seg, name)
        elif seg == "Linear" and i == len(old) - 2 and re.match(r"(Matrix|Bias)", old[-1]):
            leaf = old[-1]
            if leaf not in ("Matrix", "Bias"):
                return _Base(name, reason=f"Linear/{leaf}: TF 0.12's linear helper made only "
                                          "Linear/Matrix and Linear/Bias")
            if not _owns_linear(new, old_prefix, attention_parents, with_lstm=False):
                return _Base(name, reason="Linear/Matrix or Linear/Bias outside a recognised "
                                          "RNN cell, wrapper or attention scope")
            new.append("kernel" if leaf == "Matrix" else "bias")
            era = ERA_0_12
        elif last and seg in ("weights", "biases"):
            if _owns_linear(new, old_prefix, attention_parents, with_lstm=True):
                if seg == "biases" and new and new[-1] == "projection":
                    return _Base(name, reason="the LSTMCell projection has no bias in TF 1.15")
                new.append("kernel" if seg == "weights" else "bias")
                era = ERA_1_0
            elif new and (_CELL_SCOPE.fullmatch(new[-1]) or new[-1] in _WRAPPERS):
                return _Base(name, reason=f"{seg!r} directly in a {new[-1]!r} scope: no "
                                          "TF 1.15 cell creates such a variable")
            else:
                new.append(seg)
        elif last and seg in ("kernel", "bias") and _owns_linear(
                new, old_prefix, attention_parents, with_lstm=True):
            new.append(seg)
            era = era or ERA_1_2
        else:
            new.append(seg)
    return _Base("/".join(new), era)


def _split_slot(name: str, known: Iterable[str]) -> tuple:
    """(base, slot suffix) when a proper prefix of `name` is itself a variable.

    A last segment named like a TF1 optimizer slot (``Adam``, ``Momentum``,
    ...) also counts as a slot when its variable is not in `known`.
    """
    parts = name.split("/")
    for cut in range(len(parts) - 1, 0, -1):
        base = "/".join(parts[:cut])
        if base in known:
            return base, "/".join(parts[cut:])
    if len(parts) > 1 and parts[-1] in _SLOT_OPTIMIZERS:
        return "/".join(parts[:-1]), parts[-1]
    return name, ""


def _nest_wrapped_cells(names: dict) -> dict:
    """Moves cells that sat next to their wrapper (TF < 1.2) into it.

    Args:
      names: {checkpoint name: converted base name}.

    Returns:
      The same keys with the structural move applied to the values.
    """
    wrappers_at: dict = {}
    for new in names.values():
        parts = new.split("/")
        if len(parts) >= 2 and parts[-2] in _WRAPPER_OWN and parts[-1] in _WRAPPER_OWN[parts[-2]]:
            wrappers_at.setdefault("/".join(parts[:-2]), set()).add(parts[-2])
    result = dict(names)
    # Deepest parents first: an inner move never changes an outer parent's prefix.
    for parent in sorted(wrappers_at, key=lambda p: -len(p.split("/")) if p else 0):
        order = [w for w in _WRAPPERS if w in wrappers_at[parent]]
        lead = parent + "/" if parent else ""
        for key, new in list(result.items()):
            if not new.startswith(lead):
                continue
            child, _, rest = new[len(lead):].partition("/")
            if not rest:
                continue
            if child in order:
                nested = order[:order.index(child) + 1]
            elif _CELL_SCOPE.fullmatch(child):
                nested = order + [child]
            else:
                continue
            result[key] = lead + "/".join(nested + [rest])
    return result


@dataclasses.dataclass(frozen=True)
class NameConversion:
    """How the names of one checkpoint map to TF 1.15 names.

    Attributes:
      era: ERA_0_12, ERA_1_0, ERA_1_2, ERA_MIXED or ERA_UNKNOWN.
      era_details: A readable explanation of `era`.
      sources: {new name: checkpoint names}. One name is a rename (or the
        name itself); several are shards concatenated on axis 0 in that order.
        Every checkpoint name appears in exactly one entry.
      shapes: {new name: shape after conversion}.
      unmapped: ((checkpoint name, reason), ...) for names that look legacy
        but that no rule handles; each is kept unchanged in `sources`.

    Compatibility:
      No TF 1.15 counterpart. The target names are those TF 1.15 creates (and this library), so a
      converted checkpoint restores with a plain TF 1.15 `tf.train.Saver` as well as here.
    """

    era: str
    era_details: str
    sources: dict
    shapes: dict
    unmapped: tuple

    @property
    def renamed(self) -> dict:
        """{checkpoint name: new name} for every name that changes."""
        return {old: new for new, olds in self.sources.items() for old in olds if old != new}

    @property
    def concatenated(self) -> dict:
        """{new name: shard names} for the names built from several shards."""
        return {new: olds for new, olds in self.sources.items() if len(olds) > 1}


def _as_shape_dict(names_and_shapes: Any) -> dict:
    items = names_and_shapes.items() if isinstance(names_and_shapes, Mapping) else names_and_shapes
    shapes = {}
    try:
        for name, shape in items:
            if not isinstance(name, str):
                raise TypeError(f"variable names must be strings, got {name!r}")
            shapes[name] = tuple(int(d) for d in shape)
    except (TypeError, ValueError) as err:
        raise TypeError(
            "`names_and_shapes` must map variable names to shapes (a dict or (name, shape) "
            f"pairs): {err}") from err
    return shapes


def _group_targets(targets: dict, shapes: dict, unmapped: dict) -> dict:
    """{new name: [(shard, old), ...]} -> {new name: (olds...)}, checking shards."""
    sources = {}
    for new, entries in targets.items():
        shards = [shard for shard, _ in entries]
        olds = [old for _, old in sorted(entries, key=lambda e: (e[0] is None, e[0] or 0, e[1]))]
        if len(entries) == 1 and shards[0] in (None, 0):
            sources[new] = (olds[0],)
            continue
        problem = None
        if None in shards:
            problem = f"converts to {new!r} like {len(entries) - 1} other checkpoint variable(s)"
        elif sorted(shards) != list(range(len(shards))):
            problem = f"the shards of {new!r} are not numbered 0..{len(shards) - 1}"
        elif len({shapes[old][1:] for old in olds}) != 1 or not shapes[olds[0]]:
            problem = f"the shards of {new!r} cannot be concatenated on axis 0"
        if problem:
            for old in olds:
                unmapped[old] = problem
        else:
            sources[new] = tuple(olds)
    return sources


def _describe_era(markers: dict) -> tuple:
    present = [era for era in _ERA_ORDER if markers[era]]
    if not present:
        return ERA_UNKNOWN, _ERA_TEXT[ERA_UNKNOWN]
    if len(present) == 1:
        return present[0], _ERA_TEXT[present[0]]
    counts = ", ".join(f"{era}: {markers[era]} name(s)" for era in present)
    return ERA_MIXED, f"names of several eras: {counts}"


def convert_names(names_and_shapes: Any) -> NameConversion:
    """Maps checkpoint names of any era to TF 1.15 names (see the module docstring).

    Args:
      names_and_shapes: {name: shape} or an iterable of (name, shape) pairs,
        e.g. ``tf.train.load_checkpoint(p).get_variable_to_shape_map()``.

    Returns:
      A `NameConversion`.

    Raises:
      TypeError: if `names_and_shapes` is not made of (str, shape) pairs.

    Compatibility:
      No TF 1.15 counterpart: TF 1.15's Saver restores only names that match exactly. Names already
      in TF 1.15's form pass unchanged. TF 1.2 to 1.15 shipped a script for the 1.0 -> 1.2 step
      only (tf.contrib.rnn's ``checkpoint_convert``); the 1.0 contrib-cell rules here cover the
      same cells, and in addition move NASCell's ``nas_rnn`` scope to TF 1.15's ``nas_cell``.
    """
    shapes = _as_shape_dict(names_and_shapes)
    attention_parents = {name.rpartition("/")[0] for name in shapes
                         if re.fullmatch(r"AttnW_\d+", name.rpartition("/")[2])}
    split = {name: _split_slot(name, shapes) for name in shapes}
    bases = {base: _convert_base(base, attention_parents) for base, _ in split.values()}
    markers = dict.fromkeys(_ERA_ORDER, 0)
    for base in bases.values():
        if base.era:
            markers[base.era] += 1
    new_bases = {old: base.name for old, base in bases.items()}
    if markers[ERA_0_12] or markers[ERA_1_0]:
        new_bases = _nest_wrapped_cells(new_bases)
    unmapped = {old: base.reason for old, base in bases.items() if base.reason}
    while True:  # un-mapping colliding names can expose another collision
        targets: dict = {}
        for name, (base, suffix) in split.items():
            if name in unmapped or base in unmapped:
                unmapped.setdefault(name, unmapped.get(base, ""))
                targets.setdefault(name, []).append((None, name))
                continue
            new = new_bases[base] + ("/" + suffix if suffix else "")
            targets.setdefault(new, []).append((bases[base].shard, name))
        before = len(unmapped)
        sources = _group_targets(targets, shapes, unmapped)
        if len(unmapped) == before:
            break
    new_shapes = {}
    for new, olds in sources.items():
        first = shapes[olds[0]]
        rows = sum(shapes[old][0] for old in olds) if len(olds) > 1 else None
        new_shapes[new] = first if rows is None else (rows,) + first[1:]
    era, details = _describe_era(markers)
    return NameConversion(era, details, sources, new_shapes, tuple(sorted(
        (old, why) for old, why in unmapped.items() if old in shapes)))


# -- reading and writing checkpoints ---------------------------------------------------

_DATA_SUFFIX = re.compile(r"\.data-\d{5}-of-\d{5}$")


def _moved_folder_prefix(folder: str) -> tuple[Optional[str], str]:
    """The prefix to use in a folder whose state file names paths that do not exist.

    A folder that was moved or copied keeps a ``checkpoint`` state file with
    the old absolute paths. The state file's newest entry is looked up by its
    base name inside `folder`; failing that, the newest ``*.index`` file there
    (by modification time) gives the prefix.

    Returns:
      (prefix or None, a one-line note saying what was used and why).
    """
    state = tf.train.get_checkpoint_state(folder)
    named = state.model_checkpoint_path if state is not None else ""
    if named:
        local = os.path.join(folder, os.path.basename(named))
        if os.path.isfile(local + ".index") or os.path.isfile(local):
            return local, (f"the 'checkpoint' state file in {folder!r} names {named!r}, which "
                           f"does not exist (was the folder moved?); using {local!r}")
    indexes = glob.glob(os.path.join(glob.escape(folder), "*.index"))
    if not indexes:
        return None, ""
    newest = max(indexes, key=lambda name: (os.path.getmtime(name), name))[:-len(".index")]
    return newest, (f"the 'checkpoint' state file in {folder!r} names "
                    f"{named or 'no checkpoint'!r}, which does not exist (was the folder "
                    f"moved?); using the newest checkpoint in the folder, {newest!r}")


def _resolve(path: Union[str, os.PathLike]) -> tuple[str, str]:
    """(prefix, note): `resolve_checkpoint`, plus a note when a moved folder's fallback was used."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"checkpoint path must be a string, got {type(path).__name__}: {path!r}")
    path = os.fspath(path)
    if os.path.isdir(path):
        if not os.path.isfile(os.path.join(path, "checkpoint")):
            raise FileNotFoundError(
                f"{path!r} is a directory without a 'checkpoint' state file; pass a checkpoint "
                "prefix such as DIR/model.ckpt-1000 instead")
        prefix = tf.train.latest_checkpoint(path)
        if prefix is not None:
            return prefix, ""
        prefix, note = _moved_folder_prefix(path)
        if prefix is None:
            raise FileNotFoundError(
                f"the 'checkpoint' state file in {path!r} names no checkpoint that exists, and "
                "the folder holds no *.index file")
        return prefix, note
    for pattern in (_DATA_SUFFIX, re.compile(r"\.index$")):
        if pattern.search(path) and os.path.isfile(path):
            path = pattern.sub("", path)
    if os.path.isfile(path + ".index") or os.path.isfile(path):
        return path, ""
    raise FileNotFoundError(
        f"{path!r} is neither a checkpoint prefix (no {path + '.index'!r} and no V1 checkpoint "
        "file) nor a directory with a 'checkpoint' state file")


def resolve_checkpoint(path: Union[str, os.PathLike]) -> str:
    """Finds the checkpoint prefix that `path` names.

    Args:
      path: A checkpoint prefix (V2: ``PATH.index`` exists; V1: ``PATH`` is
        the file), one of the V2 files themselves, or a directory holding a
        ``checkpoint`` state file (its latest checkpoint is used). When the
        state file names paths that do not exist (a folder that was moved:
        the file holds absolute paths), the checkpoint of the same base name
        in the folder is used, or else the newest ``*.index`` there, with a
        `UserWarning` saying so (the command line prints it as a note).

    Returns:
      The checkpoint prefix.

    Raises:
      TypeError: if `path` is not a string or path.
      FileNotFoundError: if `path` names no checkpoint.

    Compatibility:
      Accepts what TF 1.15's `tf.train.latest_checkpoint` and Saver accept (a prefix, or a folder
      with a `checkpoint` state file) plus the V2 files themselves and a moved folder (which
      TF 1.15 could not resolve).
    """
    prefix, note = _resolve(path)
    if note:
        warnings.warn(note, UserWarning, stacklevel=2)
    return prefix


def _open(path: Union[str, os.PathLike]) -> tuple:
    """(prefix, reader) for `path`; raises ValueError for a file that is no checkpoint."""
    prefix = resolve_checkpoint(path)
    try:
        return prefix, tf.train.load_checkpoint(prefix)
    except (tf.errors.OpError, ValueError) as err:
        raise ValueError(f"{prefix!r} is not a readable TensorFlow checkpoint: {err}") from err


def _read(reader: Any, olds: Sequence) -> np.ndarray:
    if len(olds) == 1:
        return reader.get_tensor(olds[0])
    return np.concatenate([reader.get_tensor(old) for old in olds], axis=0)


def _write_tensors(prefix: str, tensors: dict, dtypes: dict) -> None:
    """Writes {name: value} as a V2 checkpoint, bit-exact, in a private graph."""
    names = sorted(tensors)
    with tf.Graph().as_default() as graph:
        holders = [_v1.placeholder(dtypes[name], shape=np.shape(tensors[name])) for name in names]
        save = tf.raw_ops.SaveV2(prefix=prefix, tensor_names=names,
                                 shape_and_slices=[""] * len(names), tensors=holders)
        with _v1.Session(graph=graph) as sess:
            sess.run(save, {h: tensors[name] for h, name in zip(holders, names)})


def _checkpoint_files(prefix: str) -> list:
    """The files of the checkpoint `prefix` (V2 index/data/meta, or a V1 file)."""
    files = [prefix + ".index", prefix + ".meta"] + glob.glob(glob.escape(prefix) + ".data-*")
    if os.path.isfile(prefix):
        files.append(prefix)
    return [f for f in files if os.path.isfile(f)]


def _same_path(a: str, b: str) -> bool:
    return os.path.realpath(os.path.abspath(a)) == os.path.realpath(os.path.abspath(b))


def _check_destination(src_prefix: str, dst: Any, force: bool,
                       option: str = "force=True (--force on the command line)") -> str:
    """The absolute OUT prefix; raises for OUT == IN, a directory, or an existing OUT."""
    if not isinstance(dst, (str, os.PathLike)):
        raise TypeError(f"`dst` must be a checkpoint prefix string, got {dst!r}")
    dst = os.path.abspath(os.fspath(dst))
    if _same_path(dst, src_prefix):
        raise ValueError(f"OUT is the same checkpoint as IN ({src_prefix}); choose another prefix")
    if os.path.isdir(dst):
        raise ValueError(f"OUT must be a checkpoint prefix, but {dst} is a directory; "
                         f"use e.g. {os.path.join(dst, 'model.ckpt')}")
    existing = _checkpoint_files(dst)
    if existing and not force:
        raise FileExistsError(f"OUT {dst} already exists ({', '.join(sorted(existing))}); "
                              f"pass {option} to overwrite it")
    return dst


@dataclasses.dataclass(frozen=True)
class ConversionReport:
    """What `convert_checkpoint` did.

    Attributes:
      src: The checkpoint prefix read.
      dst: The checkpoint prefix written.
      conversion: The `NameConversion` applied.
      state_file: The ``checkpoint`` state file written next to `dst`, or
        None when that directory already had one (never rewritten) or is
        the directory of `src`.

    Compatibility:
      No TF 1.15 counterpart; describes a checkpoint written in the V2 format TF 1.15 reads.
    """

    src: str
    dst: str
    conversion: NameConversion
    state_file: Optional[str]


def convert_checkpoint(src: Union[str, os.PathLike], dst: Union[str, os.PathLike], *,
                       force: bool = False) -> ConversionReport:
    """Writes a copy of checkpoint `src` with TF 1.15 names at prefix `dst`.

    Every tensor is kept bit-exact with its dtype; shards are concatenated;
    unmapped names are copied unchanged (see ``report.conversion.unmapped``).
    `src` is only read. A V2 checkpoint (``dst.index`` + one data file) is
    written; no ``.meta`` graph. A ``checkpoint`` state file naming `dst` is
    added to dst's directory only if it has none and is not src's directory.

    Args:
      src: Checkpoint prefix or directory to read.
      dst: Checkpoint prefix to write (its directory is created if needed).
      force: Overwrite an existing checkpoint at `dst`.

    Returns:
      A `ConversionReport`.

    Raises:
      FileNotFoundError: if `src` names no checkpoint.
      FileExistsError: if `dst` exists and `force` is False.
      ValueError: if `dst` is `src`, or `dst` is a directory.

    Compatibility:
      No TF 1.15 counterpart. The written checkpoint is an ordinary V2 checkpoint with TF 1.15
      names, readable by TF 1.15 and TF 2.x alike; tensors are copied bit-exact.
    """
    src_prefix, reader = _open(src)
    dst = _check_destination(src_prefix, dst, force)
    existing = _checkpoint_files(dst)
    conversion = convert_names(reader.get_variable_to_shape_map())
    old_dtypes = reader.get_variable_to_dtype_map()
    tensors = {new: _read(reader, olds) for new, olds in conversion.sources.items()}
    dtypes = {new: old_dtypes[olds[0]] for new, olds in conversion.sources.items()}
    out_dir = os.path.dirname(dst)
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".convert-") as tmp:
        tmp_prefix = os.path.join(tmp, "out")
        _write_tensors(tmp_prefix, tensors, dtypes)
        for old_file in existing:
            os.remove(old_file)
        for written in _checkpoint_files(tmp_prefix):
            shutil.move(written, dst + written[len(tmp_prefix):])
    state_file = os.path.join(out_dir, "checkpoint")
    if os.path.exists(state_file) or _same_path(out_dir, os.path.dirname(src_prefix)):
        state_file = None  # never touch (or add) the state file next to IN
    else:
        write_state_file(out_dir, [os.path.basename(dst)])
    return ConversionReport(src_prefix, dst, conversion, state_file)


def write_state_file(directory: str, paths: Sequence[str]) -> str:
    """Writes the ``checkpoint`` state file that `tf.train.latest_checkpoint` reads.

    Args:
      directory: The folder of the checkpoints.
      paths: Checkpoint prefixes, oldest first, relative to `directory`; the
        last one is the latest.

    Returns:
      The path of the state file.

    Compatibility:
      Writes the same text format as TF 1.15's `tf.train.update_checkpoint_state`
      (`model_checkpoint_path` and `all_model_checkpoint_paths` lines), so
      `tf.train.latest_checkpoint` of TF 1.15 and TF 2.x read it.
    """
    quoted = [json.dumps(path, ensure_ascii=False) for path in paths]
    lines = [f"model_checkpoint_path: {quoted[-1]}"]
    lines += [f"all_model_checkpoint_paths: {path}" for path in quoted]
    state_file = os.path.join(directory, "checkpoint")
    with open(state_file, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return state_file


# -- restoring into a graph ------------------------------------------------------------

def _shape_text(shape: Any) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]"


class CheckpointMismatchError(ValueError):
    """The checkpoint does not fit the variables to restore; nothing was restored.

    Attributes:
      missing: [(name, shape)] graph variables the checkpoint lacks.
      unexpected: [(name, shape)] checkpoint model variables (TF 1.15 names)
        with no graph variable; slots of matched variables and scalars are
        never unexpected.
      shape_mismatches: [(name, graph shape, checkpoint shape)].
      dtype_mismatches: [(name, graph dtype, checkpoint dtype)].

    Compatibility:
      No TF 1.15 counterpart: TF 1.15's Saver raised NotFoundError or InvalidArgumentError at the
      first problem, possibly after restoring part of the variables. It is a ValueError.
    """

    def __init__(self, path: str, missing: list, unexpected: list, shape_mismatches: list,
                 dtype_mismatches: list, stored_as: dict) -> None:
        self.path = path
        self.missing = sorted(missing)
        self.unexpected = sorted(unexpected)
        self.shape_mismatches = sorted(shape_mismatches)
        self.dtype_mismatches = sorted(dtype_mismatches)
        lines = [f"checkpoint {path!r} does not match the variables to restore; "
                 "nothing was restored."]

        def group(title: str, rows: list) -> None:
            lines.append(f"  {title} ({len(rows)}):" if rows else f"  {title}: none")
            lines.extend("    " + row for row in rows)

        group("missing from the checkpoint",
              [f"{name} {_shape_text(shape)}" for name, shape in self.missing])
        group("unexpected in the checkpoint", [
            f"{name} {_shape_text(shape)}" + (
                f" (stored as {' + '.join(stored_as[name])})"
                if stored_as.get(name, (name,)) != (name,) else "")
            for name, shape in self.unexpected])
        group("shape mismatches", [
            f"{name}: graph {_shape_text(g)}, checkpoint {_shape_text(c)}"
            for name, g, c in self.shape_mismatches])
        if self.dtype_mismatches:
            group("dtype mismatches", [f"{name}: graph {g}, checkpoint {c}"
                                       for name, g, c in self.dtype_mismatches])
        if self.unexpected and not (self.missing or self.shape_mismatches
                                    or self.dtype_mismatches):
            lines.append("Pass allow_unexpected=True to restore anyway and ignore the "
                         "unexpected variables.")
        if self.missing and all(_is_optimizer_state(name) for name, _ in self.missing):
            lines.append("Only optimizer state is missing (a checkpoint saved without an "
                         "optimizer?): pass var_list=tf.compat.v1.trainable_variables() to "
                         "restore the model variables and keep the optimizer's initial state.")
        super().__init__("\n".join(lines))


_OPTIMIZER_BOOKKEEPING = re.compile(r"^(beta[12]_power(_\d+)?|global_step)$")


def _is_optimizer_state(name: str) -> bool:
    """Slots and bookkeeping that TF1 optimizers add: <var>/Adam, beta1_power, ..."""
    last = name.rsplit("/", 1)[-1]
    return ("/" in name and last in _SLOT_OPTIMIZERS) or bool(_OPTIMIZER_BOOKKEEPING.match(last))


@dataclasses.dataclass
class _GraphVar:
    value: Any  # a Variable, or the list of its partitions
    shape: tuple
    dtype: tf.DType


def _slice_info(var: Any) -> Any:
    return getattr(var, "_save_slice_info", None)


def _graph_variables(var_list: Any) -> dict:
    """{checkpoint name: _GraphVar} for a list (or name -> variable dict) of variables."""
    def is_variable(v: Any) -> bool:
        return isinstance(v, tf.Variable)

    def partitions(v: Any) -> Optional[list]:
        if type(v).__name__ == "PartitionedVariable":
            return list(v)
        if isinstance(v, (list, tuple)) and v and all(is_variable(p) and _slice_info(p)
                                                      for p in v):
            return list(v)
        return None

    result: dict = {}
    if isinstance(var_list, Mapping):
        items = list(var_list.items())
    elif isinstance(var_list, (list, tuple)):
        items = [(None, v) for v in var_list]
    else:
        raise TypeError("`var_list` must be a list of variables or a dict {checkpoint name: "
                        f"variable}}, got {type(var_list).__name__}")
    for name, value in items:
        parts = partitions(value)
        if parts is None and not is_variable(value):
            raise TypeError(f"`var_list` must hold tf.Variables (or partitioned variables), "
                            f"got {type(value).__name__}: {value!r}")
        for var in parts or [value]:
            info = _slice_info(var)
            # var.name, not var.op.name: eager variables have no op.
            key = name or (info.full_name if info else var.name.split(":")[0])
            dtype = var.dtype.base_dtype
            if info is None:
                result[key] = _GraphVar(var, tuple(var.shape.as_list()), dtype)
                continue
            entry = result.setdefault(key, _GraphVar([], tuple(info.full_shape), dtype))
            if all(var is not p for p in entry.value):
                entry.value.append(var)
    return result


def _check_fit(prefix: str, reader: Any, wanted: dict, allow_unexpected: bool) -> tuple:
    """(conversion, names to restore); raises CheckpointMismatchError if it does not fit."""
    conversion = convert_names(reader.get_variable_to_shape_map())
    ckpt_dtypes = reader.get_variable_to_dtype_map()
    missing, shape_bad, dtype_bad = [], [], []
    for name, var in sorted(wanted.items()):
        if name not in conversion.sources:
            missing.append((name, var.shape))
        elif conversion.shapes[name] != var.shape:
            shape_bad.append((name, var.shape, conversion.shapes[name]))
        elif ckpt_dtypes[conversion.sources[name][0]] != var.dtype:
            dtype_bad.append((name, var.dtype.name,
                              ckpt_dtypes[conversion.sources[name][0]].name))
    matched = [name for name in wanted if name in conversion.sources]
    unexpected = []
    for name, shape in conversion.shapes.items():
        base, _ = _split_slot(name, conversion.shapes)
        if name in wanted or not shape or base != name:
            continue  # restored, a scalar, or a slot (of a restored or an unexpected variable)
        unexpected.append((name, shape))
    if missing or shape_bad or dtype_bad or (unexpected and not allow_unexpected):
        raise CheckpointMismatchError(prefix, missing, unexpected, shape_bad, dtype_bad,
                                      conversion.sources)
    return conversion, matched


def restore_checkpoint(sess: Any, path: Union[str, os.PathLike], var_list: Any = None, *,
                       allow_unexpected: bool = False) -> dict:
    """Restores a checkpoint of any naming era into the variables of a graph.

    Old names are mapped on the fly (see `convert_names`); TF 0.12 shards are
    concatenated through a temporary converted checkpoint. Partitioned graph
    variables (``.../kernel/part_0`` ...) are filled from the whole tensor.
    Everything is checked before anything is restored: on any problem a
    `CheckpointMismatchError` lists it all and no variable has changed.

    Checkpoint extras that are optimizer slots of restored variables
    (``<name>/Adam``) or scalars (``global_step``, ``beta1_power``) are ignored,
    so a training checkpoint restores into a decoding graph. To fill only the
    model variables of a training graph from a checkpoint without optimizer
    state, pass ``var_list=tf.compat.v1.trainable_variables()``.

    The restore ops (a ``tf.compat.v1.train.Saver``) are added to
    ``sess.graph``, so call this before the graph is finalized.

    Args:
      sess: The tf.compat.v1.Session whose graph holds the variables.
      path: Checkpoint prefix or directory (see `resolve_checkpoint`).
      var_list: Variables to restore: a list (PartitionedVariables allowed) or
        a dict {TF 1.15 checkpoint name: variable or list of partitions}.
        Default: the global variables of ``sess.graph``.
      allow_unexpected: Ignore checkpoint variables that nothing restores.

    Returns:
      {TF 1.15 name restored: checkpoint names it was read from}.

    Raises:
      CheckpointMismatchError: on missing variables, unexpected ones (unless
        allowed), or shape or dtype mismatches.
      FileNotFoundError: if `path` names no checkpoint.
      TypeError: if `sess` or `var_list` is of the wrong kind.

    Compatibility:
      Does what TF 1.15's `tf.train.Saver(var_list).restore(sess, path)` did for checkpoints with TF
      1.15 names (it builds such a Saver), and also restores TF 0.12 and 1.0 names; unlike the Saver
      it checks everything before restoring anything and ignores optimizer slots of the restored
      variables.
    """
    graph = getattr(sess, "graph", None)
    if not isinstance(graph, tf.Graph) or not hasattr(sess, "run"):
        raise TypeError(f"`sess` must be a tf.compat.v1.Session, got {type(sess).__name__}")
    prefix, reader = _open(path)
    with graph.as_default():
        wanted = _graph_variables(_v1.global_variables() if var_list is None else var_list)
    conversion, matched = _check_fit(prefix, reader, wanted, allow_unexpected)
    if not matched:
        return {}
    restored = {name: conversion.sources[name] for name in matched}
    with graph.as_default():
        if any(len(olds) > 1 for olds in restored.values()):
            with tempfile.TemporaryDirectory(prefix="legacy-seq2seq-restore-") as tmp:
                tmp_prefix = os.path.join(tmp, "converted")
                _write_tensors(tmp_prefix, {n: _read(reader, restored[n]) for n in matched},
                               {n: wanted[n].dtype for n in matched})
                saver = _v1.train.Saver({n: wanted[n].value for n in matched})
                saver.restore(sess, tmp_prefix)
        else:
            saver = _v1.train.Saver({restored[n][0]: wanted[n].value for n in matched})
            saver.restore(sess, prefix)
    return restored


def assign_from_checkpoint(path: Union[str, os.PathLike], variables: Mapping, *,
                           allow_unexpected: bool = False) -> dict:
    """Fills eager variables from a checkpoint of any naming era (TF2 eager mode).

    The eager counterpart of `restore_checkpoint`: the same name mapping and
    the same all-or-nothing check, then each variable is assigned its value.
    `tf2.TF1Module.load_tf1_checkpoint` uses it.

    Args:
      path: Checkpoint prefix or directory (see `resolve_checkpoint`).
      variables: {TF 1.15 checkpoint name: tf.Variable, or the list of a
        partitioned variable's parts}.
      allow_unexpected: Ignore checkpoint variables that nothing restores.

    Returns:
      {TF 1.15 name restored: checkpoint names it was read from}.

    Raises:
      CheckpointMismatchError: on missing variables, unexpected ones (unless
        allowed), or shape or dtype mismatches; nothing is assigned then.
      FileNotFoundError: if `path` names no checkpoint.
      TypeError: if `variables` is not a dict of variables.
      RuntimeError: when not executing eagerly.

    Compatibility:
      No TF 1.15 counterpart (TF 1.15 restored through a graph and a Session); this is the
      eager-mode form of `restore_checkpoint`, with the same name mapping and checks.
    """
    if not tf.executing_eagerly():
        raise RuntimeError("assign_from_checkpoint runs in eager mode; in graph mode use "
                           "restore_checkpoint(sess, path).")
    if not isinstance(variables, Mapping):
        raise TypeError("`variables` must be a dict {checkpoint name: tf.Variable}, got "
                        f"{type(variables).__name__}")
    prefix, reader = _open(path)
    wanted = _graph_variables(variables)
    conversion, matched = _check_fit(prefix, reader, wanted, allow_unexpected)
    restored = {name: conversion.sources[name] for name in matched}
    values = {name: _read(reader, restored[name]) for name in matched}  # read all, then assign
    for name, value in values.items():
        target = wanted[name].value
        if not isinstance(target, list):
            target.assign(value)
            continue
        for part in target:  # a partitioned variable: each part gets its slice
            info = _slice_info(part)
            index = tuple(slice(o, o + n) for o, n in zip(info.var_offset, info.var_shape))
            part.assign(value[index])
    return restored


# -- describing a checkpoint -------------------------------------------------------------

_FUNCTION_SCOPES = (
    "embedding_attention_seq2seq", "embedding_rnn_seq2seq", "embedding_tied_rnn_seq2seq",
    "one2many_rnn_seq2seq", "basic_rnn_seq2seq", "combined_tied_rnn_seq2seq",
    "embedding_attention_decoder", "embedding_rnn_decoder", "attention_decoder", "rnn_decoder",
)
_PUBLIC_FUNCTION = {"combined_tied_rnn_seq2seq": "tied_rnn_seq2seq"}
_SYMBOL_FUNCTIONS = ("embedding_attention_seq2seq", "embedding_rnn_seq2seq",
                     "embedding_tied_rnn_seq2seq", "embedding_attention_decoder",
                     "embedding_rnn_decoder")


def _cell_text(kind: str, shapes: dict) -> str:
    """'GRUCell(16)' etc. from the variables {suffix: shape} of one cell scope."""
    def width(name: str, divisor: int, axis: int = -1) -> Optional[int]:
        shape = shapes.get(name)
        return shape[axis] // divisor if shape else None

    if kind == "gru_cell":
        units = width("candidate/bias", 1) or width("gates/kernel", 2)
        return f"GRUCell({units or '?'})"
    if kind == "basic_rnn_cell":
        return f"BasicRNNCell({width('bias', 1) or width('kernel', 1) or '?'})"
    units = width("bias", 4) or width("kernel", 4)
    if kind == "basic_lstm_cell":
        return f"BasicLSTMCell({units or '?'})"
    extras = []
    if "projection/kernel" in shapes:
        extras.append(f"num_proj={shapes['projection/kernel'][-1]}")
    if "w_f_diag" in shapes:
        extras.append("peepholes")
    return "LSTMCell(" + ", ".join([str(units or "?")] + extras) + ")"


def _find_cells(shapes: dict) -> dict:
    """{owner scope: {layer: (kind, {suffix: shape})}}; layer is None for a single cell."""
    owners: dict = {}
    for name, shape in shapes.items():
        parts = name.split("/")
        for j, seg in enumerate(parts):
            match = _LEAF_CELL.fullmatch(seg)
            if not match:
                continue
            layer = None
            owner = "/".join(parts[:j + 1])
            if j >= 2 and re.fullmatch(r"cell_\d+", parts[j - 1]) and re.fullmatch(
                    r"multi_rnn_cell(_\d+)?", parts[j - 2]):
                layer = int(parts[j - 1][5:])
                owner = "/".join(parts[:j - 1])
            cell = owners.setdefault(owner, {}).setdefault(layer, (match.group(1), {}))
            cell[1]["/".join(parts[j + 1:])] = shape
            break
    return owners


def _cells_text(layers: dict) -> str:
    if None in layers:
        kind, shapes = layers[None]
        return _cell_text(kind, shapes)
    texts = [_cell_text(*layers[i]) for i in sorted(layers)]
    if len(set(texts)) == 1:
        return f"{len(texts)} x {texts[0]}"
    return "MultiRNNCell[" + ", ".join(texts) + "]"


def _model_text(function: str, prefix: str, shapes: dict) -> str:
    """One model's description from its variables {name relative to the function scope}."""
    words = [_PUBLIC_FUNCTION.get(function, function)
             + (f" (under {prefix}/)" if prefix else "")]
    cells = []
    for layers in _find_cells(shapes).values():
        text = _cells_text(layers)
        if text not in cells:
            cells.append(text)
    words.extend([" + ".join(cells)] if cells else [])
    heads = {n.split("/")[-1] for n in shapes if re.fullmatch(r"AttnW_\d+", n.split("/")[-1])}
    if heads:
        words.append(f"{len(heads)} head" + ("s" if len(heads) > 1 else ""))
    wrapped = []
    for name, shape in sorted(shapes.items()):
        if name.endswith("output_projection_wrapper/kernel") and not name.startswith("rnn/"):
            text = f"OutputProjectionWrapper({shape[-1]})"
            if text not in wrapped:
                wrapped.append(text)
    if wrapped:
        words.extend(wrapped)
    elif function in _SYMBOL_FUNCTIONS:
        words.append("output projection")
    encoder = shapes.get("rnn/embedding_wrapper/embedding")
    decoders = [shape for name, shape in sorted(shapes.items())
                if re.fullmatch(r"(.*/)?embedding_(attention|rnn)_decoder/embedding|embedding",
                                name) and len(shape) == 2]
    if encoder or decoders:
        size = (encoder or decoders[0])[1]
        out = "/".join(str(shape[0]) for shape in decoders)
        symbols = f"{encoder[0]} -> {out}" if encoder and out else str(
            (encoder or decoders[0])[0])
        words.append(f"{symbols} symbols, embedding size {size}")
    return ", ".join(words)


def describe_models(shapes: Mapping) -> list:
    """Describes the legacy_seq2seq models found in {TF 1.15 name: shape}.

    A model is found by the scope of one of the 13 functions (the outermost
    one, possibly below a user prefix such as ``root/``), and described by its
    cells ("2 x GRUCell(256)", "LSTMCell(8, num_proj=6, peepholes)"), number
    of attention heads, output projection ("OutputProjectionWrapper(D)" when
    the model made one, else "output projection" given by the caller) and
    vocabulary sizes, e.g. ``embedding_attention_seq2seq, 2 x GRUCell(256),
    1 head, output projection, 40000 -> 40000 symbols, embedding size 256``.

    Args:
      shapes: {TF 1.15 variable name: shape}; optimizer slots are ignored.

    Returns:
      One description per model, in name order; empty if none is recognised.

    Compatibility:
      No TF 1.15 counterpart. It reads the TF 1.15 variable names of the 13 functions and of the
      cells, as listed in the reference names.
    """
    groups: dict = {}
    for name in sorted(shapes):
        if _split_slot(name, shapes)[0] != name:
            continue
        parts = name.split("/")
        for i, seg in enumerate(parts):
            if seg in _FUNCTION_SCOPES:
                key = ("/".join(parts[:i]), seg)
                groups.setdefault(key, {})["/".join(parts[i + 1:])] = tuple(shapes[name])
                break
    return [_model_text(function, prefix, rel) for (prefix, function), rel in groups.items()]


@dataclasses.dataclass(frozen=True)
class CheckpointReport:
    """What `inspect_checkpoint` found.

    Attributes:
      path: The checkpoint prefix.
      variables: [(name, shape, dtype name)] as stored, sorted by name.
      era: ERA_0_12, ERA_1_0, ERA_1_2, ERA_MIXED or ERA_UNKNOWN.
      era_details: A readable explanation of `era`.
      model: The first model description, or "no legacy_seq2seq model recognised".
      models: Every model description (see `describe_models`).
      cells: "scope: cells" for every cell found (useful when no model is).
      optimizer: E.g. "Adam (slots Adam, Adam_1)", or None without slots.
      global_step: The value of a scalar ``global_step``, or None.
      conversion: The `NameConversion` to TF 1.15 names.

    Compatibility:
      No TF 1.15 counterpart (TF 1.15's inspect_checkpoint tool printed only names, shapes and
      dtypes).
    """

    path: str
    variables: list
    era: str
    era_details: str
    model: str
    models: list
    cells: list
    optimizer: Optional[str]
    global_step: Optional[int]
    conversion: NameConversion


def _optimizer_text(shapes: dict) -> Optional[str]:
    optimizers: dict = {}
    for name in shapes:
        base, suffix = _split_slot(name, shapes)
        if suffix:
            slot = suffix.split("/")[-1]
            kind = _SLOT_OPTIMIZERS.get(slot, f"unknown ({slot})")
            optimizers.setdefault(kind, set()).add(slot)
    if not optimizers:
        return None
    return ", ".join(f"{kind} (slots {', '.join(sorted(slots))})"
                     for kind, slots in sorted(optimizers.items()))


def inspect_checkpoint(path: Union[str, os.PathLike]) -> CheckpointReport:
    """Lists a checkpoint's variables, its naming era and the model it holds.

    Args:
      path: Checkpoint prefix or directory (see `resolve_checkpoint`).

    Returns:
      A `CheckpointReport`.

    Raises:
      FileNotFoundError: if `path` names no checkpoint.
      ValueError: if the file is not a readable checkpoint.

    Compatibility:
      No TF 1.15 counterpart; TF 1.15's `inspect_checkpoint` tool printed names, shapes and dtypes
      only. Reads checkpoints of every TF 1.x era.
    """
    prefix, reader = _open(path)
    shapes = reader.get_variable_to_shape_map()
    dtypes = reader.get_variable_to_dtype_map()
    variables = [(name, tuple(shapes[name]), dtypes[name].name) for name in sorted(shapes)]
    conversion = convert_names(shapes)
    models = describe_models(conversion.shapes)
    cells = [f"{owner}: {_cells_text(layers)}"
             for owner, layers in sorted(_find_cells(
                 {n: s for n, s in conversion.shapes.items()
                  if _split_slot(n, conversion.shapes)[0] == n}).items())]
    step = None
    if "global_step" in shapes and not shapes["global_step"] and dtypes["global_step"].is_integer:
        step = int(reader.get_tensor("global_step"))
    return CheckpointReport(prefix, variables, conversion.era, conversion.era_details,
                            models[0] if models else "no legacy_seq2seq model recognised",
                            models, cells, _optimizer_text(shapes), step, conversion)


# -- the command line ---------------------------------------------------------------------

def _error(command: str, message: str) -> int:
    print(f"legacy-seq2seq-compat ckpt {command}: error: {message}", file=sys.stderr)
    return 2


def _resolve_noting(path: Any, command: str) -> str:
    """The checkpoint prefix of `path`; a note on stderr when a moved folder's fallback was used."""
    prefix, note = _resolve(path)
    if note:
        print(f"legacy-seq2seq-compat ckpt {command}: note: {note}", file=sys.stderr)
    return prefix


def _print_table(rows: list, out: TextIO) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))] if rows else []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)]
        print(("  " + "  ".join(cells)).rstrip(), file=out)


def _print_unmapped(conversion: NameConversion, out: TextIO) -> None:
    if conversion.unmapped:
        print(f"could not map {len(conversion.unmapped)} name(s) (kept unchanged):", file=out)
        for name, reason in conversion.unmapped:
            print(f"  {name}: {reason}", file=out)


def run_inspect(path: str, out: TextIO) -> int:
    """``ckpt inspect PATH``: prints the report of `inspect_checkpoint`.

    Output, in this order: ``checkpoint:`` the prefix; ``naming era:`` the
    era and its explanation; one ``model:`` line per model (or "no
    legacy_seq2seq model recognised" plus ``cells:`` lines); ``optimizer:``;
    ``global step:`` when stored; ``variables (N):`` then one line per
    variable: name, shape, dtype and, for old names, ``-> TF 1.15 name``;
    finally the names that could not be mapped, with the reason.

    Args:
      path: Checkpoint prefix or directory.
      out: Where to print.

    Returns:
      0, or 2 when `path` is not a readable checkpoint (message on stderr).

    Compatibility:
      No TF 1.15 counterpart; the `ckpt inspect` command of this library.
    """
    try:
        prefix = _resolve_noting(path, "inspect")
        report = inspect_checkpoint(prefix)
    except (FileNotFoundError, ValueError, TypeError) as err:
        return _error("inspect", str(err))
    print(f"checkpoint: {report.path}", file=out)
    print(f"naming era: {report.era} ({report.era_details})", file=out)
    for model in report.models or [report.model]:
        print(f"model: {model}", file=out)
    if not report.models:
        for cell in report.cells:
            print(f"cells: {cell}", file=out)
    optimizer = report.optimizer or "no slot variables (plain SGD, or saved without an optimizer)"
    print(f"optimizer: {optimizer}", file=out)
    if report.global_step is not None:
        print(f"global step: {report.global_step}", file=out)
    print(f"variables ({len(report.variables)}):", file=out)
    renamed = report.conversion.renamed
    _print_table([[name, _shape_text(shape), dtype]
                  + ([f"-> {renamed[name]}"] if name in renamed else [""])
                  for name, shape, dtype in report.variables], out)
    _print_unmapped(report.conversion, out)
    return 0


def run_convert(src: str, dst: str, *, dry_run: bool, force: bool, out: TextIO) -> int:
    """``ckpt convert IN OUT [--dry-run] [--force]``.

    Prints the naming era, every renamed name as ``old -> new`` (shards as
    ``a + b -> new (concatenated on axis 0)``), the count of unchanged names,
    the names that could not be mapped with the reason, and what was written.
    With `dry_run` nothing is written.

    Args:
      src: Checkpoint prefix or directory to read (never modified).
      dst: Checkpoint prefix to write.
      dry_run: Print the mapping only.
      force: Overwrite an existing OUT.
      out: Where to print.

    Returns:
      0 when every name mapped, 1 when some could not be mapped (the
      checkpoint is still written, with those names unchanged), 2 on usage
      errors: IN missing, OUT existing without --force, OUT == IN.

    Compatibility:
      No TF 1.15 counterpart; the `ckpt convert` command of this library.
    """
    try:
        src_prefix, reader = _open(_resolve_noting(src, "convert"))
        dst_abs = _check_destination(src_prefix, dst, force or dry_run, option="--force")
    except (FileNotFoundError, FileExistsError, ValueError, TypeError) as err:
        return _error("convert", str(err))
    conversion = convert_names(reader.get_variable_to_shape_map())
    print(f"IN:  {src_prefix}", file=out)
    print(f"OUT: {dst_abs}", file=out)
    print(f"naming era: {conversion.era} ({conversion.era_details})", file=out)
    renamed = [(olds, new) for new, olds in sorted(conversion.sources.items())
               if olds != (new,)]
    colon = ":" if renamed else ""
    print(f"renamed {len(renamed)} of {len(conversion.sources)} variable(s){colon}", file=out)
    for olds, new in renamed:
        note = "  (concatenated on axis 0)" if len(olds) > 1 else ""
        print(f"  {' + '.join(olds)} -> {new}{note}", file=out)
    print(f"unchanged: {len(conversion.sources) - len(renamed)}", file=out)
    _print_unmapped(conversion, out)
    status = 1 if conversion.unmapped else 0
    if dry_run:
        note = " (OUT exists: a real run needs --force)" if _checkpoint_files(dst_abs) else ""
        print(f"dry run: nothing written{note}", file=out)
        return status
    report = convert_checkpoint(src_prefix, dst_abs, force=force)
    print(f"wrote {report.dst} ({len(conversion.sources)} tensors)", file=out)
    if report.state_file:
        print(f"wrote {report.state_file}", file=out)
    return status
