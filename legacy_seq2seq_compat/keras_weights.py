"""Convert TF1 GRU / LSTM cell weights to Keras 3 ``GRU`` / ``LSTM`` layer weights and back.

Everything here works on numpy arrays and imports neither Keras nor
TensorFlow, so a checkpoint can be converted with only numpy at hand, and the
package stays free of Keras.

What the conversion does:

* TF1 keeps one kernel whose rows are ``[input part; state part]``; Keras keeps
  a ``kernel`` ``(input, n*H)`` and a ``recurrent_kernel`` ``(H, n*H)``.
* GRUCell's gates come in the order ``r, u`` (``gates/*``) followed by the
  ``candidate/*`` block; Keras's GRU uses ``z (= u), r, h``. Only a Keras
  GRU built with ``reset_after=False`` computes what GRUCell computes (the
  reset gate multiplies the state *before* the recurrent matmul); the Keras 3
  default ``reset_after=True`` keeps a bias of shape ``(2, 3H)`` and is other
  math, which is refused.
* BasicLSTMCell / LSTMCell use the gate order ``i, j, f, o`` and add
  ``forget_bias`` to ``f`` at run time; Keras's LSTM uses ``i, f, c, o`` and
  has no such term, so ``forget_bias`` is folded into the forget part of the
  bias (and taken out again on the way back). Adding and then subtracting it
  is exact only up to float rounding of the forget part of the bias.

Both sides must use the default nonlinearities: build the Keras layers with
``activation="tanh", recurrent_activation="sigmoid"`` (the Keras defaults) and
the TF1 cells with the default ``activation`` (tanh). An LSTMCell with
peepholes (``w_f_diag``, ``w_i_diag``, ``w_o_diag``), a projection
(``num_proj``, variable ``projection/kernel``; also ``proj_clip``) or a
``cell_clip`` has no Keras LSTM equivalent. Peepholes and projections are
found from the variable names and refused; ``cell_clip`` leaves no trace in the
variables, so the caller has to make sure it was not set.

Example (a 2-layer MultiRNNCell of GRUCells from a checkpoint)::

    reader = tf.train.load_checkpoint(path)
    names = [name for name, _ in tf.train.list_variables(path)]
    variables = {name: reader.get_tensor(name) for name in names}
    for scope, kind in keras_weights.find_cells(names):
        layer = keras.layers.GRU(units, reset_after=False, return_sequences=True)
        layer.build((None, None, input_depth))
        layer.set_weights(keras_weights.cell_to_keras(variables, scope))
"""

from __future__ import annotations

import math
import numbers
import re
from typing import Any, Mapping, Optional, Sequence, Union

import numpy as np

__all__ = [
    "gru_to_keras",
    "keras_to_gru",
    "lstm_to_keras",
    "keras_to_lstm",
    "cell_to_keras",
    "keras_to_cell",
    "find_cells",
    "GRU_SUFFIXES",
    "LSTM_SUFFIXES",
]

#: Variable names of a TF1 GRUCell, relative to its scope.
GRU_SUFFIXES = ("gates/kernel", "gates/bias", "candidate/kernel", "candidate/bias")
#: Variable names of a TF1 BasicLSTMCell / LSTMCell, relative to its scope.
LSTM_SUFFIXES = ("kernel", "bias")
# LSTMCell variables that a Keras LSTM has no place for.
_LSTM_EXTRAS = ("w_f_diag", "w_i_diag", "w_o_diag", "projection/kernel")
# The scope names TF1 gives LSTM cells: basic_lstm_cell, lstm_cell, lstm_cell_1, ...
_LSTM_SCOPE = re.compile(r"(basic_)?lstm_cell(_\d+)?")
_KINDS = ("gru", "lstm")

# Column blocks: TF1 GRU [r, u, candidate] <-> Keras [z, r, h]; TF1 LSTM
# [i, j, f, o] <-> Keras [i, f, c, o]. Each permutation is its own inverse.
_GRU_ORDER = (1, 0, 2)
_LSTM_ORDER = (0, 2, 1, 3)
_TF1_FORGET, _KERAS_FORGET = 2, 1

ArrayLike = Any


# -- checks --------------------------------------------------------------------------------


def _array(value: ArrayLike, name: str, ndim: int) -> np.ndarray:
    """`value` as a floating numpy array of rank `ndim` (dtype kept)."""
    array = np.asarray(value)
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(f"{name} must hold floating point values, got dtype {array.dtype}")
    if array.ndim != ndim:
        raise ValueError(f"{name} must have rank {ndim}, got shape {array.shape}")
    return array


def _check_shape(array: np.ndarray, name: str, expected: tuple, why: str) -> None:
    if array.shape != expected:
        raise ValueError(f"{name} must have shape {expected} ({why}), got {array.shape}")


def _check_same_dtype(arrays: Mapping[str, np.ndarray]) -> None:
    dtypes = {str(a.dtype) for a in arrays.values()}
    if len(dtypes) > 1:
        found = ", ".join(f"{name}: {a.dtype}" for name, a in arrays.items())
        raise TypeError(f"all arrays must have the same dtype, got {found}")


def _units_from_columns(columns: int, blocks: int, name: str) -> int:
    if columns == 0 or columns % blocks:
        raise ValueError(f"{name} must have a positive multiple of {blocks} columns "
                         f"({blocks} gate blocks of num_units each), got {columns}")
    return columns // blocks


def _input_size(rows: int, units: int, name: str) -> int:
    if rows <= units:
        raise ValueError(f"{name} must have more than num_units={units} rows (input rows "
                         f"first, then {units} state rows), got {rows}")
    return rows - units


def _forget_bias_value(forget_bias: Any, dtype: np.dtype) -> np.ndarray:
    if (isinstance(forget_bias, bool) or not isinstance(forget_bias, numbers.Real)
            or not math.isfinite(float(forget_bias))):
        raise ValueError(f"forget_bias must be a finite real number, got {forget_bias!r}")
    return np.asarray(forget_bias, dtype=dtype)


# -- shared layout helpers -----------------------------------------------------------------


def _permute_blocks(array: np.ndarray, order: Sequence[int]) -> np.ndarray:
    """Reorders the equal column blocks of `array` (last axis) as `order` says."""
    blocks = np.split(array, len(order), axis=-1)
    return np.concatenate([blocks[i] for i in order], axis=-1)


def _split_rows(full_kernel: np.ndarray, input_size: int) -> list[np.ndarray]:
    """TF1 ``[input; state]`` kernel -> Keras ``[kernel, recurrent_kernel]``."""
    return [full_kernel[:input_size].copy(), full_kernel[input_size:].copy()]


def _keras_kernels(kernel: ArrayLike, recurrent_kernel: ArrayLike, blocks: int,
                   ) -> tuple[np.ndarray, np.ndarray, int]:
    """Checks a Keras kernel pair; returns them and num_units."""
    kernel = _array(kernel, "kernel", 2)
    recurrent_kernel = _array(recurrent_kernel, "recurrent_kernel", 2)
    units = recurrent_kernel.shape[0]
    if units == 0:
        raise ValueError(f"recurrent_kernel must have at least one row, got shape "
                         f"{recurrent_kernel.shape}")
    _check_shape(recurrent_kernel, "recurrent_kernel", (units, blocks * units),
                 f"num_units={units} rows, {blocks} gate blocks")
    if kernel.shape[1] != blocks * units or kernel.shape[0] == 0:
        raise ValueError(f"kernel must have shape (input_size, {blocks * units}) to go with "
                         f"recurrent_kernel {recurrent_kernel.shape}, got {kernel.shape}")
    return kernel, recurrent_kernel, units


# -- GRU -----------------------------------------------------------------------------------


def gru_to_keras(gates_kernel: ArrayLike, gates_bias: ArrayLike, candidate_kernel: ArrayLike,
                 candidate_bias: ArrayLike) -> list[np.ndarray]:
    """Turns TF1 GRUCell weights into Keras 3 ``GRU(reset_after=False)`` weights.

    Args:
      gates_kernel: ``<scope>/gates/kernel``, shape ``[input_size + H, 2H]``,
        columns ``r`` then ``u``.
      gates_bias: ``<scope>/gates/bias``, shape ``[2H]``.
      candidate_kernel: ``<scope>/candidate/kernel``, shape ``[input_size + H, H]``.
      candidate_bias: ``<scope>/candidate/bias``, shape ``[H]``.

    Returns:
      ``[kernel (input_size, 3H), recurrent_kernel (H, 3H), bias (3H,)]``, the
      order ``keras.layers.GRU(H, reset_after=False).set_weights`` takes, in
      the dtype of the inputs. The input size is the kernels' rows minus H.

    Raises:
      ValueError: If a rank or shape does not fit the others.
      TypeError: If an array is not floating point or the dtypes differ.

    Compatibility:
      No TF 1.15 counterpart: TF 1.15's GRUCell (same variables as this library's) and Keras 3's GRU
      keep the gates in different orders and layouts. Needs a Keras GRU with reset_after=False to
      compute what GRUCell computes.
    """
    arrays = {
        "gates_kernel": _array(gates_kernel, "gates_kernel", 2),
        "gates_bias": _array(gates_bias, "gates_bias", 1),
        "candidate_kernel": _array(candidate_kernel, "candidate_kernel", 2),
        "candidate_bias": _array(candidate_bias, "candidate_bias", 1),
    }
    rows, columns = arrays["gates_kernel"].shape
    units = _units_from_columns(columns, 2, "gates_kernel")
    input_size = _input_size(rows, units, "gates_kernel")
    _check_shape(arrays["gates_bias"], "gates_bias", (2 * units,),
                 f"gates_kernel has {columns} columns")
    _check_shape(arrays["candidate_kernel"], "candidate_kernel", (rows, units),
                 f"gates_kernel has shape {arrays['gates_kernel'].shape}")
    _check_shape(arrays["candidate_bias"], "candidate_bias", (units,), f"num_units={units}")
    _check_same_dtype(arrays)
    full_kernel = np.concatenate([arrays["gates_kernel"], arrays["candidate_kernel"]], axis=1)
    full_bias = np.concatenate([arrays["gates_bias"], arrays["candidate_bias"]])
    return [*_split_rows(_permute_blocks(full_kernel, _GRU_ORDER), input_size),
            _permute_blocks(full_bias, _GRU_ORDER)]


def keras_to_gru(kernel: ArrayLike, recurrent_kernel: ArrayLike,
                 bias: ArrayLike) -> dict[str, np.ndarray]:
    """Turns Keras 3 ``GRU(reset_after=False)`` weights into TF1 GRUCell weights.

    Args:
      kernel: Keras ``kernel``, shape ``(input_size, 3H)``, blocks ``z, r, h``.
      recurrent_kernel: Keras ``recurrent_kernel``, shape ``(H, 3H)``.
      bias: Keras ``bias``, shape ``(3H,)``.

    Returns:
      ``{"gates/kernel", "gates/bias", "candidate/kernel", "candidate/bias"}``
      mapped to arrays of the shapes GRUCell creates, in the inputs' dtype.

    Raises:
      ValueError: If a shape does not fit the others, in particular a bias of
        shape ``(2, 3H)`` from a layer built with ``reset_after=True``.
      TypeError: If an array is not floating point or the dtypes differ.

    Compatibility:
      No TF 1.15 counterpart. The result has the variable layout of TF 1.15's GRUCell (and of this
      library's), so it can be assigned or saved under TF 1.15 names.
    """
    bias_array = np.asarray(bias)
    if bias_array.ndim == 2 and bias_array.shape[0] == 2:
        raise ValueError(
            f"bias has shape {bias_array.shape}: the weights come from a Keras GRU with "
            "reset_after=True, which applies the reset gate after the recurrent matmul and "
            "so computes something else than TF1's GRUCell. Build the Keras layer with "
            "reset_after=False.")
    kernel, recurrent_kernel, units = _keras_kernels(kernel, recurrent_kernel, 3)
    bias_array = _array(bias, "bias", 1)
    _check_shape(bias_array, "bias", (3 * units,), f"num_units={units}")
    _check_same_dtype({"kernel": kernel, "recurrent_kernel": recurrent_kernel,
                       "bias": bias_array})
    full_kernel = _permute_blocks(np.concatenate([kernel, recurrent_kernel]), _GRU_ORDER)
    full_bias = _permute_blocks(bias_array, _GRU_ORDER)
    return {
        "gates/kernel": full_kernel[:, :2 * units].copy(),
        "gates/bias": full_bias[:2 * units].copy(),
        "candidate/kernel": full_kernel[:, 2 * units:].copy(),
        "candidate/bias": full_bias[2 * units:].copy(),
    }


# -- LSTM ----------------------------------------------------------------------------------


def lstm_to_keras(kernel: ArrayLike, bias: ArrayLike, forget_bias: float = 1.0,
                  num_units: Optional[int] = None) -> list[np.ndarray]:
    """Turns TF1 BasicLSTMCell / LSTMCell weights into Keras 3 ``LSTM`` weights.

    Only for cells without peepholes, projection or clipping (see the module
    docstring); `forget_bias` is folded into the forget part of the bias.

    Args:
      kernel: ``<scope>/kernel``, shape ``[input_size + H, 4H]``, gate blocks
        ``i, j, f, o``.
      bias: ``<scope>/bias``, shape ``[4H]``.
      forget_bias: The cell's ``forget_bias`` (TF1's default is 1.0).
      num_units: H, if known; only checked against the kernel's columns.

    Returns:
      ``[kernel (input_size, 4H), recurrent_kernel (H, 4H), bias (4H,)]``, the
      order ``keras.layers.LSTM(H).set_weights`` takes, in the dtype of the
      inputs.

    Raises:
      ValueError: If a shape does not fit the others or `num_units`, or
        `forget_bias` is not a finite number.
      TypeError: If an array is not floating point or the dtypes differ.

    Compatibility:
      No TF 1.15 counterpart. TF 1.15's BasicLSTMCell / LSTMCell add `forget_bias` at run time;
      Keras does not, so it is folded into the bias.
    """
    kernel = _array(kernel, "kernel", 2)
    bias = _array(bias, "bias", 1)
    rows, columns = kernel.shape
    units = _units_from_columns(columns, 4, "kernel")
    if num_units is not None and columns != 4 * num_units:
        raise ValueError(f"kernel must have 4 * num_units = {4 * num_units} columns, "
                         f"got shape {kernel.shape}")
    input_size = _input_size(rows, units, "kernel")
    _check_shape(bias, "bias", (columns,), f"kernel has shape {kernel.shape}")
    _check_same_dtype({"kernel": kernel, "bias": bias})
    new_bias = _permute_blocks(bias, _LSTM_ORDER)
    forget = slice(_KERAS_FORGET * units, (_KERAS_FORGET + 1) * units)
    new_bias[forget] += _forget_bias_value(forget_bias, bias.dtype)
    return [*_split_rows(_permute_blocks(kernel, _LSTM_ORDER), input_size), new_bias]


def keras_to_lstm(kernel: ArrayLike, recurrent_kernel: ArrayLike, bias: ArrayLike,
                  forget_bias: float = 1.0) -> dict[str, np.ndarray]:
    """Turns Keras 3 ``LSTM`` weights into TF1 BasicLSTMCell / LSTMCell weights.

    Args:
      kernel: Keras ``kernel``, shape ``(input_size, 4H)``, blocks ``i, f, c, o``.
      recurrent_kernel: Keras ``recurrent_kernel``, shape ``(H, 4H)``.
      bias: Keras ``bias``, shape ``(4H,)``.
      forget_bias: The ``forget_bias`` the TF1 cell will be built with; it is
        subtracted from the forget part of the bias, since the cell adds it
        back at run time.

    Returns:
      ``{"kernel": [input_size + H, 4H], "bias": [4H]}`` in the inputs' dtype.

    Raises:
      ValueError: If a shape does not fit the others, or `forget_bias` is not
        a finite number.
      TypeError: If an array is not floating point or the dtypes differ.

    Compatibility:
      No TF 1.15 counterpart. The result has the variable layout of TF 1.15's BasicLSTMCell /
      LSTMCell (no peepholes, no projection).
    """
    kernel, recurrent_kernel, units = _keras_kernels(kernel, recurrent_kernel, 4)
    bias = _array(bias, "bias", 1)
    _check_shape(bias, "bias", (4 * units,), f"num_units={units}")
    _check_same_dtype({"kernel": kernel, "recurrent_kernel": recurrent_kernel, "bias": bias})
    new_bias = _permute_blocks(bias, _LSTM_ORDER)
    forget = slice(_TF1_FORGET * units, (_TF1_FORGET + 1) * units)
    new_bias[forget] -= _forget_bias_value(forget_bias, bias.dtype)
    full_kernel = _permute_blocks(np.concatenate([kernel, recurrent_kernel]), _LSTM_ORDER)
    return {"kernel": full_kernel, "bias": new_bias}


# -- named variables -----------------------------------------------------------------------


def _plain_name(name: str) -> str:
    """'a/b/kernel:0' -> 'a/b/kernel' (graph variable names carry an output index)."""
    return re.sub(r":\d+$", "", name)


def _cell_kind(scope: str, suffixes: set) -> Optional[str]:
    """'gru' or 'lstm' if `suffixes` (names under `scope`) hold such a cell."""
    if set(GRU_SUFFIXES) <= suffixes:
        return "gru"
    if set(LSTM_SUFFIXES) <= suffixes and _LSTM_SCOPE.fullmatch(scope.rsplit("/", 1)[-1]):
        return "lstm"
    return None


def find_cells(names: Sequence[Union[str, tuple]]) -> list[tuple[str, str]]:
    """Lists the GRU and LSTM cells among TF1 variable names.

    A GRU cell is a scope holding the four GRUCell variables; an LSTM cell is
    a scope with TF1's name for one (``basic_lstm_cell``, ``lstm_cell``,
    ``lstm_cell_1``, ...) holding ``kernel`` and ``bias``. LSTMCells with
    peepholes or a projection are listed too; `cell_to_keras` refuses them.

    Args:
      names: Variable names, with or without ``:0``, or the ``(name, shape)``
        pairs of ``tf.train.list_variables``.

    Returns:
      ``(scope, kind)`` pairs, kind ``"gru"`` or ``"lstm"``, in the order the
      cells' first variables come in `names` (for a MultiRNNCell ``cell_0``,
      ``cell_1``, ... with the sorted names of a checkpoint).

    Raises:
      TypeError: If an entry is neither a string nor a (name, shape) pair.

    Compatibility:
      No TF 1.15 counterpart. It recognises the scope names TF 1.15 gives GRU and LSTM cells
      (`gru_cell`, `basic_lstm_cell`, `lstm_cell_1`, ...).
    """
    plain = []
    for entry in names:
        name = entry[0] if isinstance(entry, (tuple, list)) and entry else entry
        if not isinstance(name, str):
            raise TypeError(f"names must hold strings or (name, shape) pairs, got {entry!r}")
        plain.append(_plain_name(name))
    under: dict[str, set] = {}
    for name in plain:
        parts = name.split("/")
        for cut in range(1, len(parts)):
            under.setdefault("/".join(parts[:cut]), set()).add("/".join(parts[cut:]))
    found: list[tuple[str, str]] = []
    seen = set()
    for name in plain:
        parts = name.split("/")
        for cut in range(1, len(parts)):
            scope = "/".join(parts[:cut])
            if scope in seen:
                continue
            kind = _cell_kind(scope, under[scope])
            if kind is not None:
                seen.add(scope)
                found.append((scope, kind))
    return found


def cell_to_keras(variables: Mapping[str, ArrayLike], scope: str, forget_bias: float = 1.0,
                  ) -> list[np.ndarray]:
    """Converts the TF1 GRU or LSTM cell under `scope` to Keras 3 layer weights.

    The cell type is read from the variable names: the four GRUCell variables
    make a GRU (load into ``keras.layers.GRU(H, reset_after=False)``);
    ``kernel`` and ``bias`` under a scope named ``basic_lstm_cell`` /
    ``lstm_cell[_N]`` make an LSTM (load into ``keras.layers.LSTM(H)``).

    Args:
      variables: TF1 variable names (with or without ``:0``) mapped to arrays,
        e.g. ``{name: reader.get_tensor(name)}`` of ``tf.train.load_checkpoint``.
      scope: The cell's scope, e.g. ``"rnn/gru_cell"`` or
        ``"embedding_attention_seq2seq/rnn/multi_rnn_cell/cell_0/gru_cell"``.
      forget_bias: The LSTM cell's ``forget_bias``; ignored for a GRU.

    Returns:
      ``[kernel, recurrent_kernel, bias]`` for ``set_weights``.

    Raises:
      ValueError: If `scope` holds no convertible cell (the message lists what
        it holds), or holds an LSTMCell with peepholes or a projection, or the
        arrays do not fit together.
      TypeError: If `variables` is not a mapping or `scope` not a string.

    Compatibility:
      No TF 1.15 counterpart. It reads the cell variable names TF 1.15 (and this library) create.
    """
    if not isinstance(variables, Mapping):
        raise TypeError(f"variables must be a mapping of names to arrays, got "
                        f"{type(variables).__name__}")
    if not isinstance(scope, str) or not scope.strip("/"):
        raise TypeError(f"scope must be a non-empty string, got {scope!r}")
    scope = scope.strip("/")
    prefix = scope + "/"
    cell: dict[str, Any] = {}
    for name, value in variables.items():
        plain = _plain_name(str(name))
        if plain.startswith(prefix):
            suffix = plain[len(prefix):]
            if suffix in cell:
                raise ValueError(f"variables holds {prefix + suffix!r} twice (with and "
                                 "without ':0')")
            cell[suffix] = value
    kind = _cell_kind(scope, set(cell))
    if kind == "gru":
        return gru_to_keras(*(cell[suffix] for suffix in GRU_SUFFIXES))
    if kind == "lstm":
        extras = [suffix for suffix in _LSTM_EXTRAS if suffix in cell]
        if extras:
            raise ValueError(
                f"the LSTMCell under {scope!r} has {', '.join(extras)} (peepholes / output "
                "projection), which a Keras LSTM cannot express")
        return lstm_to_keras(cell["kernel"], cell["bias"], forget_bias=forget_bias)
    found = ", ".join(sorted(cell)) if cell else "no variables"
    raise ValueError(
        f"no GRUCell, BasicLSTMCell or LSTMCell variables directly under scope {scope!r} "
        f"(found: {found}); a GRU needs {', '.join(GRU_SUFFIXES)}, an LSTM needs kernel and "
        "bias under a scope named basic_lstm_cell or lstm_cell (for another name call "
        "lstm_to_keras); find_cells lists the cells")


def keras_to_cell(weights: Sequence[ArrayLike], scope: str, kind: str,
                  forget_bias: float = 1.0) -> dict[str, np.ndarray]:
    """Converts Keras 3 GRU / LSTM layer weights to named TF1 cell variables.

    Args:
      weights: ``layer.get_weights()``: ``[kernel, recurrent_kernel, bias]``.
      scope: The TF1 cell scope the names go under, e.g. ``"rnn/gru_cell"``.
      kind: ``"gru"`` (a Keras GRU with ``reset_after=False``) or ``"lstm"``.
      forget_bias: The TF1 LSTM cell's ``forget_bias``; ignored for a GRU.

    Returns:
      Full TF1 variable names (``scope + "/" + suffix``, no ``:0``) mapped to
      arrays, ready for assignment or a checkpoint.

    Raises:
      ValueError: If `kind` is unknown, `weights` is not three arrays, or
        the arrays do not fit together.
      TypeError: If `scope` is not a non-empty string.

    Compatibility:
      No TF 1.15 counterpart. The names it returns are TF 1.15's, so the arrays can go into a TF1
      checkpoint.
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}")
    if not isinstance(scope, str) or not scope.strip("/"):
        raise TypeError(f"scope must be a non-empty string, got {scope!r}")
    weights = list(weights)
    if len(weights) != 3:
        raise ValueError(f"weights must be [kernel, recurrent_kernel, bias] (3 arrays; a "
                         f"layer with use_bias=False is not supported), got {len(weights)}")
    if kind == "gru":
        cell = keras_to_gru(*weights)
    else:
        cell = keras_to_lstm(*weights, forget_bias=forget_bias)
    scope = scope.strip("/")
    return {f"{scope}/{suffix}": value for suffix, value in cell.items()}
