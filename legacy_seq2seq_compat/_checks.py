"""Argument validation shared by the public functions, and the graph-mode guard.

Every check here raises with a message that names the argument, what was
expected and what was received, so that a mistake in user code is reported at
the public boundary instead of deep inside a TensorFlow op.
"""

from __future__ import annotations

import numbers
import sys
from typing import Any, Optional

import tensorflow as tf

_v1 = tf.compat.v1

GRAPH_MODE_HINT = (
    "legacy_seq2seq_compat builds TF1-style graphs and needs graph mode. "
    "Call tf.compat.v1.disable_eager_execution() (or "
    "tf.compat.v1.disable_v2_behavior()) once at program start, or build the "
    "model inside `with tf.Graph().as_default():`. To run it eagerly or in "
    "tf.function, wrap the model-building code in legacy_seq2seq_compat.tf2.TF1Module."
)

def ensure_graph_mode(what: str) -> None:
    """Raises RuntimeError when `what` is called while executing eagerly."""
    if tf.executing_eagerly():
        raise RuntimeError(f"{what} was called in eager mode. {GRAPH_MODE_HINT}")


# Keras 3 cell classes -> (our cell to use instead, keras_weights converter).
_KERAS_REPLACEMENTS = {
    "GRUCell": ("GRUCell(units)", "keras_to_gru"),
    "GRU": ("GRUCell(units)", "keras_to_gru"),
    "LSTMCell": ("LSTMCell(units) or BasicLSTMCell(units)", "keras_to_lstm"),
    "LSTM": ("LSTMCell(units) or BasicLSTMCell(units)", "keras_to_lstm"),
    "SimpleRNNCell": ("BasicRNNCell(units)", None),
    "SimpleRNN": ("BasicRNNCell(units)", None),
    "StackedRNNCells": ("MultiRNNCell([...])", None),
}


def _keras3_class_name(value: Any) -> Optional[str]:
    """The class name when `value` is a Keras 3 object (keras.layers.*), else None.

    Keras 3 is recognised by the top-level package of the class (``keras``, not
    ``tf_keras``) and the version of the already imported ``keras`` module; the
    package never imports Keras itself.
    """
    module = getattr(type(value), "__module__", "") or ""
    if module.split(".")[0] != "keras":
        return None
    version = str(getattr(sys.modules.get("keras"), "__version__", "3"))
    major = version.split(".")[0]
    if major.isdigit() and int(major) < 3:
        return None
    return type(value).__name__


def keras_cell_hint(value: Any) -> Optional[str]:
    """Why a Keras 3 cell cannot be used here and what to use instead, or None."""
    class_name = _keras3_class_name(value)
    if class_name is None:
        return None
    replacement, converter = _KERAS_REPLACEMENTS.get(
        class_name, ("GRUCell, LSTMCell, BasicLSTMCell or BasicRNNCell", None))
    hint = (
        f"it is a Keras 3 object (keras.layers.{class_name}), and Keras 3 cells follow "
        "another protocol (no zero_state, list states, no TF1 variable scopes). Use "
        f"legacy_seq2seq_compat.rnn_cell.{replacement} instead"
    )
    if converter is not None:
        hint += (
            f"; Keras keeps the weights in a different layout, so convert trained Keras "
            f"weights with legacy_seq2seq_compat.keras_weights.{converter} (or keras_to_cell)"
        )
    return hint


def _protocol_attribute(cell: Any, attribute: str) -> Optional[str]:
    """A problem with the property `attribute` of `cell`, or None if it is usable."""
    try:
        getattr(cell, attribute)
    except NotImplementedError:
        return (
            f"'{attribute}' is not implemented ({type(cell).__name__} is abstract: use a "
            "concrete cell such as GRUCell, or define state_size, output_size and call in "
            "your subclass)"
        )
    except AttributeError:
        return f"'{attribute}' property is missing"
    return None


def rnncell_problems(cell: Any) -> list[str]:
    """Lists what `cell` lacks to follow the RNNCell protocol (empty if nothing)."""
    keras_hint = keras_cell_hint(cell)
    if keras_hint is not None:
        return [keras_hint]
    if isinstance(cell, type):
        return [f"it is the class {cell.__name__} itself, not a cell object: create one, "
                f"e.g. {cell.__name__}(num_units)"]
    problems = []
    for attribute in ("output_size", "state_size"):
        problem = _protocol_attribute(cell, attribute)
        if problem is not None:
            problems.append(problem)
    if not (hasattr(cell, "zero_state") or hasattr(cell, "get_initial_state")):
        problems.append("either 'zero_state' or 'get_initial_state' method is required")
    if not callable(cell):
        problems.append("is not callable")
    return problems


def assert_like_rnncell(name: str, cell: Any) -> None:
    """Raises TypeError (TF 1.15's wording) if `cell` does not act like an RNNCell."""
    problems = rnncell_problems(cell)
    if problems:
        raise TypeError(
            f"The argument {name!r} ({cell!r}) is not an RNNCell: {', '.join(problems)}. "
            f"Got a {type(cell).__module__}.{type(cell).__qualname__}."
        )


def as_tensor(value: Any, name: str) -> tf.Tensor:
    """Converts `value` to a Tensor, naming `name` in the error if that fails."""
    if hasattr(value, "dtype") and hasattr(value, "get_shape"):
        return value
    try:
        return tf.convert_to_tensor(value)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"`{name}` must be a Tensor or convertible to one, got {type(value).__name__}: {err}"
        ) from err


def as_tensors(structure: Any, name: str) -> Any:
    """`as_tensor` applied to every leaf of a nested structure."""
    return tf.nest.map_structure(lambda value: as_tensor(value, name), structure)


UNSTACK_HINT = (
    "Split it into steps with tf.unstack(x, axis=0) if it is time-major [time, batch, ...], "
    "or tf.unstack(x, axis=1) if it is batch-major [batch, time, ...]."
)


def tensor_instead_of_list(value: Any, name: str) -> None:
    """Raises TypeError when `value` is a single Tensor where a list of steps is expected."""
    if hasattr(value, "get_shape") and hasattr(value, "dtype"):
        raise TypeError(
            f"`{name}` must be a Python list of Tensors, one per time step, got a single "
            f"Tensor of shape {describe_shape(value)}. {UNSTACK_HINT}"
        )


def check_list_of_tensors(value: Any, name: str, allow_empty: bool = False) -> list:
    """Checks that `value` is a Python list or tuple (the legacy input format)."""
    tensor_instead_of_list(value, name)
    if not isinstance(value, (list, tuple)):
        raise TypeError(
            f"`{name}` must be a Python list of Tensors, one per time step, "
            f"got {type(value).__name__}."
        )
    if not value and not allow_empty:
        raise ValueError(f"`{name}` must not be empty.")
    return list(value)


def describe_value(value: Any) -> str:
    """`value` with its type, e.g. '2.5 (float)', shortened to one line."""
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{text} ({type(value).__name__})"


def check_int(value: Any, name: str, minimum: Optional[int] = None) -> int:
    """Checks that `value` is an integer (not a bool or float) of at least `minimum`.

    Python and numpy integers are accepted and returned as a Python int.

    Raises:
      TypeError: for a bool, a float or anything else that is not an integer.
      ValueError: for an integer below `minimum`.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        kind = "an int" if minimum is None else f"an int >= {minimum}"
        raise TypeError(f"`{name}` must be {kind}, got {describe_value(value)}.")
    if minimum is not None and value < minimum:
        raise ValueError(f"`{name}` must be an int >= {minimum}, got {value!r}.")
    return int(value)


def check_positive_int(value: Any, name: str) -> int:
    """Checks that `value` is an int greater than zero (TypeError for other types)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and value < 1:
        raise ValueError(f"`{name}` must be a positive int, got {value!r}.")
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` must be a positive int, got {describe_value(value)}.")
    return int(value)


def check_batch_size(value: Any, name: str) -> None:
    """Rejects batch sizes that are floats, bools, strings, None or non-integer Tensors.

    Ints, numpy ints, TF1 `Dimension`s and integer scalar Tensors pass.
    """
    dtype = getattr(value, "dtype", None)
    if hasattr(value, "get_shape") and dtype is not None:
        if not tf.as_dtype(dtype).is_integer:
            raise TypeError(f"`{name}` must be an int or an integer scalar Tensor, got a "
                            f"{tf.as_dtype(dtype).name} Tensor.")
        return
    if value is None or isinstance(value, (bool, float, str, bytes)) or (
            isinstance(value, numbers.Number) and not isinstance(value, numbers.Integral)):
        raise TypeError(f"`{name}` must be an int or an integer scalar Tensor, got "
                        f"{describe_value(value)}.")
    if isinstance(value, numbers.Integral) and value < 0:
        raise ValueError(f"`{name}` must not be negative, got {value!r}.")


def as_dtype(value: Any, name: str) -> tf.DType:
    """`tf.as_dtype(value)`, with a TypeError naming `name` when it is not a dtype."""
    try:
        return tf.as_dtype(value)
    except TypeError as err:
        raise TypeError(f"`{name}` must be a TensorFlow dtype such as tf.float32, got "
                        f"{describe_value(value)}.") from err


def check_optional_positive_int(value: Any, name: str) -> Optional[int]:
    """`check_positive_int` that lets None through."""
    return None if value is None else check_positive_int(value, name)


def describe_shape(tensor: Any) -> str:
    """A readable static shape, e.g. '(2, None)'."""
    shape = tensor.get_shape() if hasattr(tensor, "get_shape") else tf.TensorShape(None)
    if shape.rank is None:
        return "<unknown rank>"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape.as_list()) + ")"


def static_dim(tensor: Any, axis: int) -> int | None:
    """The static size of `tensor` along `axis`, or None."""
    shape = tensor.get_shape()
    if shape.rank is None:
        return None
    return tf.compat.dimension_value(shape.dims[axis])


def check_same_steps(values: Any, name: str, shapes: bool = True) -> None:
    """Checks that the Tensors of a per-step list agree in rank, static shape and dtype.

    With `shapes=False` only dtypes are compared. Elements that are not
    Tensors (Python numbers, numpy arrays) are skipped;
    integer dtypes may be mixed (int32 and int64 ids look up alike), float
    dtypes may not.

    Raises:
      ValueError: naming the first element that differs from the first Tensor.
    """
    if not isinstance(values, (list, tuple)):
        return
    first = None
    for index, value in enumerate(values):
        if not (hasattr(value, "get_shape") and hasattr(value, "dtype")):
            continue
        if first is None:
            first = (index, value)
            continue
        first_index, first_value = first
        shape, first_shape = value.get_shape(), first_value.get_shape()
        if shapes and not shape.is_compatible_with(first_shape):
            raise ValueError(
                f"All steps of `{name}` must have one shape: `{name}[{index}]` has shape "
                f"{describe_shape(value)}, but `{name}[{first_index}]` has "
                f"{describe_shape(first_value)}. Pad the steps to one shape (ragged lists are "
                "not supported).")
        dtype, first_dtype = tf.as_dtype(value.dtype), tf.as_dtype(first_value.dtype)
        if dtype.base_dtype != first_dtype.base_dtype and not (
                dtype.is_integer and first_dtype.is_integer):
            raise ValueError(
                f"All steps of `{name}` must have one dtype: `{name}[{index}]` is "
                f"{dtype.name}, but `{name}[{first_index}]` is {first_dtype.name}. Cast them "
                "to one dtype, e.g. with tf.cast.")


def check_number(value: Any, name: str, allow_none: bool = False,
                 allow_tensor: bool = False) -> Any:
    """Checks that `value` is a real number (not a bool), or optionally None or a Tensor.

    Raises:
      TypeError: for anything else, naming `name` and the value received.
    """
    if value is None and allow_none:
        return value
    if allow_tensor and hasattr(value, "dtype") and hasattr(value, "get_shape"):
        if not (tf.as_dtype(value.dtype).is_floating or tf.as_dtype(value.dtype).is_integer):
            raise TypeError(f"`{name}` must be a number or a numeric Tensor, got a "
                            f"{tf.as_dtype(value.dtype).name} Tensor.")
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        kinds = ["a number"] + (["a Tensor"] if allow_tensor else []) + (
            ["None"] if allow_none else [])
        raise TypeError(f"`{name}` must be {' or '.join(kinds)}, got {describe_value(value)}.")
    return value


def check_int_list(value: Any, name: str, length: Optional[int] = None) -> list:
    """Checks a non-empty list or tuple of positive ints (of `length` items if given)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)) or not value:
        raise TypeError(f"`{name}` must be a non-empty list of positive ints, got "
                        f"{describe_value(value)}.")
    if length is not None and len(value) != length:
        raise ValueError(f"`{name}` must hold {length} sizes, got {len(value)}: {list(value)!r}.")
    return [check_positive_int(v, f"{name}[{i}]") for i, v in enumerate(value)]


def check_bool(value: Any, name: str) -> bool:
    """Checks that `value` is a Python (or numpy) bool, not a number, string or Tensor."""
    if type(value).__name__ not in ("bool", "bool_"):
        raise TypeError(f"`{name}` must be True or False, got {describe_value(value)}.")
    return bool(value)


def check_lengths(value: Any, name: str, batch: Any = None) -> tf.Tensor:
    """Checks an int32/int64 [batch_size] vector of lengths (`batch`: the static batch size)."""
    lengths = as_tensor(value, name)
    if not tf.as_dtype(lengths.dtype).is_integer or lengths.get_shape().rank not in (None, 1):
        raise ValueError(f"`{name}` must be an int32/int64 [batch_size] vector, got "
                         f"{tf.as_dtype(lengths.dtype).name} of shape {describe_shape(lengths)}.")
    size = static_dim(lengths, 0) if lengths.get_shape().rank else None
    if None not in (batch, size) and batch != size:
        raise ValueError(f"`{name}` has {size} entries but the batch size is {batch}: give one "
                         "entry per sequence.")
    return lengths
