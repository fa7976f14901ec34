"""Argument validation shared by the public functions, and the graph-mode guard.

Every check here raises with a message that names the argument, what was
expected and what was received, so that a mistake in user code is reported at
the public boundary instead of deep inside a TensorFlow op.
"""

from __future__ import annotations

from typing import Any

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


def rnncell_problems(cell: Any) -> list[str]:
    """Lists what `cell` lacks to follow the RNNCell protocol (empty if nothing)."""
    problems = []
    if not hasattr(cell, "output_size"):
        problems.append("'output_size' property is missing")
    if not hasattr(cell, "state_size"):
        problems.append("'state_size' property is missing")
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
            f"The argument {name!r} ({cell!r}) is not an RNNCell: {', '.join(problems)}."
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


def check_list_of_tensors(value: Any, name: str, allow_empty: bool = False) -> list:
    """Checks that `value` is a Python list or tuple (the legacy input format)."""
    if hasattr(value, "get_shape") and hasattr(value, "dtype"):
        raise TypeError(
            f"`{name}` must be a Python list of Tensors, one per time step, got a single "
            f"Tensor of shape {describe_shape(value)}. Split it with tf.unstack(x, axis=0) "
            "if it is time-major."
        )
    if not isinstance(value, (list, tuple)):
        raise TypeError(
            f"`{name}` must be a Python list of Tensors, one per time step, "
            f"got {type(value).__name__}."
        )
    if not value and not allow_empty:
        raise ValueError(f"`{name}` must not be empty.")
    return list(value)


def check_positive_int(value: Any, name: str) -> int:
    """Checks that `value` is an int greater than zero."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"`{name}` must be a positive int, got {value!r}.")
    return value


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
