"""TF1 RNN cells and wrappers, rebuilt on `tf.compat.v1` without Keras.

The classes behave like TF 1.15's `tf.nn.rnn_cell` / `tf.contrib.rnn` cells:
the same constructor arguments, the same maths and gate order, and the same
variable names, shapes, creation order and initializers, so TF1 checkpoints
restore into them.

Scope rules (what decides variable names):

* A cell binds its variable scope at its first call: a scope named after the
  cell (``gru_cell``, ``gru_cell_1``, ... or the ``name=`` given) inside the
  variable scope current at that moment, or the ``scope`` argument of that
  first call. Every later call reuses that scope, from wherever it is made.
* MultiRNNCell and the contrib wrappers (Embedding-, InputProjection-,
  OutputProjectionWrapper) also remember the caller's scope of their first
  call and re-enter it on every call, as TF1 did.
* DropoutWrapper, ResidualWrapper and DeviceWrapper add no scope level.

Unlike TF 1.15, ``copy.deepcopy`` works on a cell that has already been
called: the copy is an unbuilt cell with the same configuration that binds its
own scope at its first call.
"""

from __future__ import annotations

import collections
import copy
import hashlib
import logging
import math
import numbers
import re
import types
from typing import Any, Callable, NamedTuple, Optional, Sequence

import tensorflow as tf

from legacy_seq2seq_compat import _checks

_v1 = tf.compat.v1
_log = logging.getLogger(__name__)

WEIGHTS_NAME = "kernel"
BIAS_NAME = "bias"

__all__ = [
    "RNNCell",
    "LayerRNNCell",
    "BasicRNNCell",
    "GRUCell",
    "BasicLSTMCell",
    "LSTMCell",
    "MultiRNNCell",
    "DropoutWrapper",
    "ResidualWrapper",
    "DeviceWrapper",
    "EmbeddingWrapper",
    "InputProjectionWrapper",
    "OutputProjectionWrapper",
    "LSTMStateTuple",
]


class _EngineSpec(NamedTuple):
    """What a cell tells the fast-path engine (`_engine`) about itself.

    This is the whole protocol between the cells and the engine: a class
    whose steps the engine may build defines ``_engine_spec()`` in its own
    body (a subclass does not inherit the claim, since it may change the
    step) and returns one of these; the engine reads nothing else of the
    cell.

    Attributes:
      kind: ``"gru"``, ``"basic_lstm"``, ``"lstm"``, ``"multi"``, ``"dropout"``,
        ``"output_projection"`` or ``"embedding"``; also ``"argmax_feedback"``
        for the loop functions of `decoders.extract_argmax_and_embed`.
      cells: The cells inside, bottom first (a wrapper's one cell, a
        MultiRNNCell's layers, a cell object repeated as often as it is).
      weights: The variables by role; empty until the cell is built.
      options: Everything else that decides the step's maths.
    """

    kind: str
    cells: tuple
    weights: dict
    options: dict


class LSTMStateTuple(collections.namedtuple("LSTMStateTuple", ("c", "h"))):
    """The state of an LSTM: `c` is the memory cell, `h` the hidden output.

    Compatibility:
      The same namedtuple ("c", "h") as TF 1.15, with the `dtype` property that raises TypeError
      when c and h differ. DropoutWrapper's default filter treats any namedtuple of that name alike
      (tf_keras's included).
    """

    __slots__ = ()

    @property
    def dtype(self) -> tf.DType:
        c, h = self
        if c.dtype != h.dtype:
            raise TypeError(f"Inconsistent internal state: {c.dtype} vs {h.dtype}")
        return c.dtype


def _snake_case(name: str) -> str:
    """'BasicLSTMCell' -> 'basic_lstm_cell', the way TF1 layers named scopes."""
    words = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    snake = re.sub(r"([a-z])([A-Z])", r"\1_\2", words).lower()
    return "private" + snake if snake.startswith("_") else snake


_ACTIVATIONS = {
    "tanh": tf.tanh,
    "sigmoid": tf.sigmoid,
    "relu": tf.nn.relu,
    "relu6": tf.nn.relu6,
    "elu": tf.nn.elu,
    "selu": tf.nn.selu,
    "softplus": tf.nn.softplus,
    "softsign": tf.nn.softsign,
    "linear": tf.identity,
}


def _get_activation(activation: Any, default: Callable = tf.tanh) -> Callable:
    if activation is None:
        return default
    if isinstance(activation, str):
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"`activation` must be a callable or one of {sorted(_ACTIVATIONS)}, "
                f"got {activation!r}."
            )
        return _ACTIVATIONS[activation]
    if not callable(activation):
        raise TypeError(f"`activation` must be callable, got {activation!r}.")
    return activation


def _is_graph_object(value: Any) -> bool:
    """True for objects that belong to a graph and must be shared, not copied."""
    graph_types = (
        tf.Tensor,
        tf.Variable,
        tf.Operation,
        tf.Graph,
        tf.DType,
        _v1.VariableScope,
        types.FunctionType,
        types.BuiltinFunctionType,
        types.MethodType,
        types.ModuleType,
    )
    return isinstance(value, graph_types) or type(value).__name__ == "PartitionedVariable"


def _static_batch(batch_size: Any) -> Optional[int]:
    if isinstance(batch_size, numbers.Integral):
        return int(batch_size)
    value = tf.get_static_value(batch_size)
    return None if value is None else int(value)


def _zeros_for_size(batch_size: Any, size: Any, dtype: tf.DType) -> tf.Tensor:
    """A zero tensor of shape [batch_size] + size with its static shape set."""
    dims = tf.TensorShape(size).as_list()
    if isinstance(batch_size, numbers.Integral):
        shape = [int(batch_size)] + dims
    else:
        shape = tf.concat([tf.reshape(batch_size, [1]), tf.constant(dims, tf.int32)], 0)
    zeros = tf.zeros(shape, dtype=dtype)
    if not tf.executing_eagerly():
        zeros.set_shape([_static_batch(batch_size)] + dims)
    return zeros


def zero_state_tensors(state_size: Any, batch_size: Any, dtype: tf.DType) -> Any:
    """Zeros with the nested structure of `state_size`, each [batch_size, size]."""
    return tf.nest.map_structure(
        lambda size: _zeros_for_size(batch_size, size, dtype), state_size
    )


def _check_float(cell_name: str, arg_name: str, values: Any) -> None:
    for value in tf.nest.flatten(values):
        dtype = tf.as_dtype(value.dtype)
        if not (dtype.is_floating or dtype.is_complex):
            raise ValueError(
                f"RNN cell only supports floating point inputs, but saw dtype: {dtype.name} "
                f"in `{arg_name}` of {cell_name} (expected float16, bfloat16, float32 or "
                "float64; embed integer ids first, e.g. with EmbeddingWrapper)."
            )


# Attributes that hold what a cell's first call created; a copy starts without them.
_BINDING_ATTRS = frozenset({"_scope", "_caller_scope", "_built", "_variables", "_linear"})


class RNNCell:
    """Base class of the TF1 RNN cells: the RNNCell protocol.

    A cell maps ``(inputs, state)`` to ``(output, new_state)``. Subclasses
    define `state_size`, `output_size`, `call` and, when they own variables,
    `build`. Any object with the same four members (tf_keras legacy cells, a
    user's own cell) can be used wherever this library takes a cell.

    Args:
      trainable: Whether the variables the cell creates are trainable.
      name: Base name of the cell's variable scope; defaults to the snake-case
        class name (``GRUCell`` -> ``gru_cell``).
      dtype: dtype of the cell's variables; defaults to the dtype of the first
        inputs.
      **kwargs: ``_reuse`` (as TF1's ``reuse=``) and ``_scope`` (a scope to
        bind to instead of a new one) are accepted for compatibility.

    Raises:
      TypeError: for an unknown keyword argument.

    Compatibility:
      Plays the part of TF 1.15's `tf.nn.rnn_cell.RNNCell` (scope bound at the first call,
      `zero_state`, `get_initial_state`, `variables`) without being a Keras or `tf.layers` layer.
      Differences: `copy.deepcopy` of a cell that was already called gives an unbuilt copy (TF 1.15
      could not copy it); the functions of this library accept any object that follows the protocol,
      not only subclasses; a subclass that leaves `state_size` or `output_size` abstract is refused
      with a TypeError when it is passed to a function or to MultiRNNCell, where TF 1.15 raised
      NotImplementedError later.
    """

    def __init__(self, trainable: bool = True, name: Optional[str] = None, dtype: Any = None,
                 **kwargs: Any) -> None:
        reuse = kwargs.pop("_reuse", None)
        preset_scope = kwargs.pop("_scope", None)
        # Keras-era keyword arguments that TF1 layers accepted and that change
        # nothing in graph-mode cells.
        for ignored in ("autocast", "dynamic", "input_shape", "batch_input_shape", "batch_size"):
            kwargs.pop(ignored, None)
        if kwargs:
            raise TypeError(
                f"{type(self).__name__} got unexpected keyword argument(s): {sorted(kwargs)}"
            )
        if name is not None and not isinstance(name, str):
            raise TypeError(f"`name` must be a string or None, got {name!r}.")
        self._trainable = trainable
        self._base_name = name or _snake_case(type(self).__name__)
        self._dtype = tf.as_dtype(dtype) if dtype is not None else None
        # The dtype given to the constructor; the first call may infer `_dtype`
        # from its inputs, and an unbuilt copy must forget that inference.
        self._config_dtype = self._dtype
        self._reuse = reuse
        self._preset_scope = preset_scope
        self._reset_binding()

    # -- binding state -----------------------------------------------------
    def _reset_binding(self) -> None:
        """Forgets everything the first call created (scope and variables)."""
        self._scope = self._preset_scope
        self._dtype = self._config_dtype
        self._caller_scope = None
        self._built = False
        self._variables = []

    def __deepcopy__(self, memo: dict) -> RNNCell:
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        for key, value in self.__dict__.items():
            if key in _BINDING_ATTRS or _is_graph_object(value):
                new.__dict__[key] = value
            else:
                new.__dict__[key] = copy.deepcopy(value, memo)
        new._reset_binding()
        return new

    # -- protocol ------------------------------------------------------------
    @property
    def state_size(self) -> Any:
        """Size(s) of the state: an int, a TensorShape or a nested tuple of them."""
        raise NotImplementedError("Abstract method")

    @property
    def output_size(self) -> Any:
        """Size of the output: an int or a TensorShape."""
        raise NotImplementedError("Abstract method")

    @property
    def name(self) -> str:
        """The bound scope name after the first call, else the base name."""
        return self._scope.name if isinstance(self._scope, _v1.VariableScope) else self._base_name

    @property
    def dtype(self) -> Optional[tf.DType]:
        return self._dtype

    @property
    def trainable(self) -> bool:
        return self._trainable

    @property
    def built(self) -> bool:
        return self._built

    @property
    def variables(self) -> list:
        """All variables this cell (and the cells inside it) created or reuses."""
        found = list(self._variables)
        # A child cell first called elsewhere reuses its variables through its
        # own scope, out of reach of this cell's getter: ask the child.
        known = {id(v) for v in found}
        for child in self._child_cells():
            for var in getattr(child, "variables", []):
                if id(var) not in known:
                    known.add(id(var))
                    found.append(var)
        return found

    @property
    def trainable_variables(self) -> list:
        return [v for v in self.variables if getattr(v, "trainable", True)]

    def _child_cells(self) -> list:
        """The cells this cell runs (none for a plain cell)."""
        return []

    weights = variables
    trainable_weights = trainable_variables

    def build(self, inputs_shape: tf.TensorShape) -> None:
        """Creates the cell's variables; called once, inside its scope."""

    def call(self, inputs: Any, state: Any) -> tuple:
        """Computes one step; runs inside the cell's scope."""
        raise NotImplementedError("Abstract method")

    def add_variable(self, name: str, shape: Any, dtype: Any = None, initializer: Any = None,
                     partitioner: Any = None, trainable: Optional[bool] = None) -> tf.Variable:
        """Creates (or reuses) a variable in the cell's scope via get_variable."""
        return _v1.get_variable(
            name,
            shape=shape,
            dtype=tf.as_dtype(dtype or self._dtype or tf.float32),
            initializer=initializer,
            partitioner=partitioner,
            trainable=self._trainable if trainable is None else trainable,
        )

    add_weight = add_variable

    def _track_variable(self, getter: Callable, *args: Any, **kwargs: Any) -> Any:
        variable = getter(*args, **kwargs)
        parts = list(variable) if type(variable).__name__ == "PartitionedVariable" else [variable]
        known = {id(v) for v in self._variables}
        self._variables.extend(v for v in parts if id(v) not in known)
        return variable

    def __call__(self, inputs: Any, state: Any, scope: Any = None) -> tuple:
        """Runs one step: returns ``(output, new_state)``.

        Args:
          inputs: The step's input, usually a `[batch_size, input_size]` Tensor.
          state: The previous state, with the structure of `state_size`.
          scope: Optional variable scope (string or VariableScope) to bind to
            at the first call instead of a scope named after the cell.

        Returns:
          A pair ``(output, new_state)``.

        Raises:
          RuntimeError: when called in eager mode.
        """
        _checks.ensure_graph_mode(f"{type(self).__name__}.__call__")
        # Like TF1's non-layer RNNCells: run inside the caller's scope of the
        # first call, so the cell's own scope is created (and found) there.
        if scope is not None:
            with _v1.variable_scope(scope, custom_getter=self._track_variable) as bound:
                return self._call_in_own_scope(inputs, state, bound)
        if self._caller_scope is None:
            self._caller_scope = _v1.get_variable_scope()
        with _v1.variable_scope(self._caller_scope, custom_getter=self._track_variable):
            return self._call_in_own_scope(inputs, state, None)

    def _bind_scope(self, scope: Any) -> None:
        if self._scope is not None:
            return
        if self._reuse:
            with _v1.variable_scope(scope if scope is not None else self._base_name) as bound:
                self._scope = bound
        else:
            with _v1.variable_scope(scope, default_name=self._base_name) as bound:
                self._scope = bound

    def _call_in_own_scope(self, inputs: Any, state: Any, scope: Any) -> tuple:
        inputs = _checks.as_tensors(inputs, "inputs")
        self._check_call_inputs(inputs)
        self._bind_scope(scope)
        reuse = True if self._built else self._reuse
        with _v1.variable_scope(self._scope, reuse=reuse, auxiliary_name_scope=False,
                                custom_getter=self._track_variable):
            with _v1.name_scope(self._scope.original_name_scope):
                if not self._built:
                    self._check_inputs(inputs)
                    if self._dtype is None:
                        first = tf.nest.flatten(inputs)[0]
                        if tf.as_dtype(first.dtype).is_floating:
                            self._dtype = tf.as_dtype(first.dtype).base_dtype
                    self.build(self._input_shape(inputs))
                    self._built = True
                self._check_state(state)
                self._check_batch(inputs, state)
                return self.call(inputs, state)

    # -- validation hooks ------------------------------------------------------
    def _check_call_inputs(self, inputs: Any) -> None:
        """Validates the inputs of every call, before the scope is bound."""

    @staticmethod
    def _input_shape(inputs: Any) -> Any:
        shapes = tf.nest.map_structure(lambda x: x.get_shape(), inputs)
        return shapes

    def _check_inputs(self, inputs: Any) -> None:
        """Validates the inputs of the first call; subclasses add checks."""

    def _check_state(self, state: Any) -> None:
        """Validates the state of every call; subclasses add checks."""

    def _check_batch(self, inputs: Any, state: Any) -> None:
        """Validates that inputs and state agree on the batch size; subclasses add checks."""

    # -- states ----------------------------------------------------------------
    def zero_state(self, batch_size: Any, dtype: Any) -> Any:
        """Zero-filled state with the structure of `state_size`.

        Args:
          batch_size: int or scalar int Tensor.
          dtype: dtype of the state.

        Returns:
          A Tensor of shape `[batch_size, state_size]`, or a nested structure
          of such Tensors matching `state_size`.
        """
        _checks.check_batch_size(batch_size, "batch_size")
        dtype = _checks.as_dtype(dtype, "dtype")
        with _v1.name_scope(type(self).__name__ + "ZeroState", values=[batch_size]):
            return zero_state_tensors(self.state_size, batch_size, dtype)

    def get_initial_state(self, inputs: Any = None, batch_size: Any = None,
                          dtype: Any = None) -> Any:
        """The zero state, with batch size and dtype taken from `inputs` if given.

        Raises:
          ValueError: if batch size or dtype is missing or contradicts `inputs`.
        """
        if inputs is not None:
            inputs = tf.convert_to_tensor(inputs, name="inputs")
            static = _checks.static_dim(inputs, 0)
            if batch_size is not None and static != _static_batch(batch_size):
                raise ValueError(
                    "batch size from input tensor is different from the input param. "
                    f"Input tensor batch: {static}, batch_size: {batch_size}"
                )
            if dtype is not None and inputs.dtype != tf.as_dtype(dtype):
                raise ValueError(
                    "dtype from input tensor is different from the input param. "
                    f"Input tensor dtype: {inputs.dtype}, dtype: {dtype}"
                )
            batch_size = static if static is not None else tf.shape(inputs)[0]
            dtype = inputs.dtype
        if batch_size is None or dtype is None:
            raise ValueError(
                "batch_size and dtype cannot be None while constructing initial state: "
                f"batch_size={batch_size}, dtype={dtype}"
            )
        return self.zero_state(batch_size, dtype)


class LayerRNNCell(RNNCell):
    """An RNNCell that takes rank-2 float inputs and owns its variables.

    Its variable scope is bound directly in the scope of its first call (no
    caller-scope re-entry), like TF1's ``LayerRNNCell``.

    Compatibility:
      Like TF 1.15's `LayerRNNCell`: the cell's own scope is opened directly in the scope of its
      first call, and inputs must be rank 2 with a static depth. The inputs (floating point, rank 2)
      and the state (Tensors matching `state_size`, with the batch size of the inputs) are checked
      at every call with a message naming the cell, where TF 1.15 failed inside an op.
    """

    def __call__(self, inputs: Any, state: Any, scope: Any = None) -> tuple:
        _checks.ensure_graph_mode(f"{type(self).__name__}.__call__")
        return self._call_in_own_scope(inputs, state, scope)

    def _describe(self) -> str:
        return f"{type(self).__name__} {self._base_name!r}"

    def _check_inputs(self, inputs: Any) -> None:
        shape = inputs.get_shape()
        if shape.rank != 2:
            raise ValueError(
                f"`inputs` of {self._describe()} must have rank 2 [batch_size, input_depth], "
                f"got shape {_checks.describe_shape(inputs)}."
            )
        if tf.compat.dimension_value(shape.dims[-1]) is None:
            raise ValueError(
                f"Expected inputs.shape[-1] to be known, saw shape: "
                f"{_checks.describe_shape(inputs)} (`inputs` of {self._describe()}: "
                "the input depth must be static)."
            )

    def _check_state(self, state: Any) -> None:
        for value in tf.nest.flatten(state):
            if not hasattr(value, "dtype"):
                raise TypeError(
                    f"`state` of {self._describe()} must be a Tensor or a structure of Tensors "
                    f"matching state_size {self.state_size!r}, got "
                    f"{_checks.describe_value(value)}.")
        _check_float(self._describe(), "state", state)
        expected = tf.nest.flatten(self.state_size)
        try:
            received = tf.nest.flatten(state)
        except TypeError:
            received = [state]
        ok = len(expected) == len(received)
        if ok:
            for size, value in zip(expected, received):
                if not hasattr(value, "get_shape"):
                    ok = False
                    break
                shape = value.get_shape()
                want = tf.TensorShape([None]).concatenate(tf.TensorShape(size))
                if shape.rank is not None and not shape.is_compatible_with(want):
                    ok = False
                    break
        if not ok:
            got = [_checks.describe_shape(v) if hasattr(v, "get_shape") else repr(v)
                   for v in received]
            raise ValueError(
                f"`state` of {self._describe()} does not match its state_size "
                f"{self.state_size!r}: expected {len(expected)} tensor(s) of shape "
                f"{[('batch', s) for s in expected]}, got {len(received)} with shape(s) {got}."
            )

    def _check_call_inputs(self, inputs: Any) -> None:
        _check_float(self._describe(), "inputs", inputs)
        rank = inputs.get_shape().rank if hasattr(inputs, "get_shape") else None
        if self._built and rank is not None and rank != 2:
            # The first call checks this in _check_inputs; later ones (with the variables
            # already built) would otherwise fail inside an op.
            raise ValueError(
                f"`inputs` of {self._describe()} must have rank 2 [batch_size, input_depth], "
                f"got shape {_checks.describe_shape(inputs)}.")

    def _check_batch(self, inputs: Any, state: Any) -> None:
        first = tf.nest.flatten(inputs)[0]
        batch = _checks.static_dim(first, 0) if first.get_shape().rank else None
        for value in tf.nest.flatten(state):
            if batch is None or not hasattr(value, "get_shape") or not value.get_shape().rank:
                continue
            size = _checks.static_dim(value, 0)
            if size is not None and size != batch:
                raise ValueError(
                    f"`state` of {self._describe()} has batch size {size} (shape "
                    f"{_checks.describe_shape(value)}) but `inputs` has {batch} (shape "
                    f"{_checks.describe_shape(first)}): both must hold the same examples.")


class _OneStateCell(LayerRNNCell):
    """A cell whose state and output are both one [batch, num_units] Tensor."""

    def __init__(self, num_units: int, activation: Any, reuse: Any = None,
                 name: Optional[str] = None, dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        self._num_units = _checks.check_positive_int(num_units, "num_units")
        self._activation = _get_activation(activation)

    @property
    def state_size(self) -> int:
        return self._num_units

    @property
    def output_size(self) -> int:
        return self._num_units


class BasicRNNCell(_OneStateCell):
    """The plain RNN step: ``h' = activation([x, h] @ kernel + bias)``.

    Args:
      num_units: Number of units (state and output size).
      activation: Nonlinearity; tanh by default.
      reuse: Whether to reuse existing variables in the cell's scope.
      name: Base name of the cell's scope (default ``basic_rnn_cell``).
      dtype: dtype of the variables.

    Compatibility:
      Same variables (`basic_rnn_cell/kernel`, `basic_rnn_cell/bias`), initializers and maths as TF
      1.15. `num_units` must be a positive int (TypeError for floats and bools; TF 1.15 did not
      check it). `activation` is a callable or one of the common names (tanh, relu, sigmoid, ...), a
      subset of the names TF 1.15 accepted.
    """

    def __init__(self, num_units: int, activation: Any = None, reuse: Any = None,
                 name: Optional[str] = None, dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(num_units, activation, reuse=reuse, name=name, dtype=dtype, **kwargs)

    def build(self, inputs_shape: tf.TensorShape) -> None:
        depth = tf.compat.dimension_value(inputs_shape[-1])
        self._kernel = self.add_variable(WEIGHTS_NAME, [depth + self._num_units, self._num_units])
        self._bias = self.add_variable(
            BIAS_NAME, [self._num_units], initializer=_v1.zeros_initializer())

    def call(self, inputs: tf.Tensor, state: tf.Tensor) -> tuple:
        pre = tf.matmul(tf.concat([inputs, state], 1), self._kernel)
        output = self._activation(tf.nn.bias_add(pre, self._bias))
        return output, output


class GRUCell(_OneStateCell):
    """Gated recurrent unit (Cho et al., 2014) with TF1's variable layout.

    ``r, u = split(sigmoid([x, h] @ gates/kernel + gates/bias))``,
    ``c = act([x, r*h] @ candidate/kernel + candidate/bias)``,
    ``h' = u*h + (1-u)*c``. The gates bias starts at 1.0, the candidate bias
    at 0.0, unless `bias_initializer` is given (it then sets both).

    Args:
      num_units: Number of units.
      activation: Nonlinearity of the candidate; tanh by default.
      reuse: Whether to reuse existing variables in the cell's scope.
      kernel_initializer: Initializer of both kernels (default: the scope's,
        else Glorot uniform).
      bias_initializer: Initializer of both biases.
      name: Base name of the cell's scope (default ``gru_cell``).
      dtype: dtype of the variables.

    Compatibility:
      Same variables (`gates/kernel`, `gates/bias`, `candidate/kernel`, `candidate/bias`),
      initializers (gate bias 1.0) and maths as TF 1.15, so TF1 checkpoints restore into it. Keras'
      GRUCell orders its gates differently and keeps input and recurrent kernels apart:
      `keras_weights.keras_to_gru` / `gru_to_keras` convert. Inside `static_rnn`, `rnn_decoder` and
      `attention_decoder` the steps after the first may be built by the fast path (`fastpath`): same
      variables, same numbers up to float rounding. `num_units` must be a positive int.
    """

    def __init__(self, num_units: int, activation: Any = None, reuse: Any = None,
                 kernel_initializer: Any = None, bias_initializer: Any = None,
                 name: Optional[str] = None, dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(num_units, activation, reuse=reuse, name=name, dtype=dtype, **kwargs)
        self._kernel_initializer = kernel_initializer
        self._bias_initializer = bias_initializer

    def build(self, inputs_shape: tf.TensorShape) -> None:
        depth = tf.compat.dimension_value(inputs_shape[-1])
        units = self._num_units
        self._gate_kernel = self.add_variable(
            "gates/" + WEIGHTS_NAME, [depth + units, 2 * units],
            initializer=self._kernel_initializer)
        self._gate_bias = self.add_variable(
            "gates/" + BIAS_NAME, [2 * units],
            initializer=self._bias_initializer
            or _v1.constant_initializer(1.0))
        self._candidate_kernel = self.add_variable(
            "candidate/" + WEIGHTS_NAME, [depth + units, units],
            initializer=self._kernel_initializer)
        self._candidate_bias = self.add_variable(
            "candidate/" + BIAS_NAME, [units],
            initializer=self._bias_initializer or _v1.zeros_initializer())

    def call(self, inputs: tf.Tensor, state: tf.Tensor) -> tuple:
        gates = tf.matmul(tf.concat([inputs, state], 1), self._gate_kernel)
        gates = tf.sigmoid(tf.nn.bias_add(gates, self._gate_bias))
        reset, update = tf.split(gates, num_or_size_splits=2, axis=1)
        candidate = tf.matmul(tf.concat([inputs, reset * state], 1), self._candidate_kernel)
        candidate = self._activation(tf.nn.bias_add(candidate, self._candidate_bias))
        new_h = update * state + (1 - update) * candidate
        return new_h, new_h

    def _engine_spec(self) -> _EngineSpec:
        weights = {}
        if self.built:
            weights = {"gate_kernel": self._gate_kernel, "gate_bias": self._gate_bias,
                       "candidate_kernel": self._candidate_kernel,
                       "candidate_bias": self._candidate_bias}
        return _EngineSpec("gru", (), weights,
                           {"units": self._num_units, "activation": self._activation})


def _split_lstm_state(state: Any, first: int, second: int, is_tuple: bool) -> tuple:
    if is_tuple:
        c, h = state
        return c, h
    c = tf.slice(state, [0, 0], [-1, first])
    h = tf.slice(state, [0, first], [-1, second])
    return c, h


class BasicLSTMCell(LayerRNNCell):
    """The basic LSTM of TF1 (no peepholes, no clipping, no projection).

    Gates come out of one matmul in the order ``i, j, f, o``;
    ``c' = c*sigmoid(f + forget_bias) + sigmoid(i)*act(j)``,
    ``h' = act(c')*sigmoid(o)``. `forget_bias` is added at run time and is not
    stored in the bias variable.

    Args:
      num_units: Number of units.
      forget_bias: Added to the forget gate's pre-activation.
      state_is_tuple: State is an `LSTMStateTuple(c, h)` if True, else the
        concatenation ``[c, h]`` (deprecated in TF1; logs a warning).
      activation: Nonlinearity; tanh by default.
      reuse: Whether to reuse existing variables in the cell's scope.
      name: Base name of the cell's scope (default ``basic_lstm_cell``).
      dtype: dtype of the variables.

    Compatibility:
      Same variables (`kernel`, `bias`), gate order i, j, f, o and run-time `forget_bias` as TF 1.15
      (the bias variable does not hold it). Keras' LSTM orders its gates i, f, c, o and has no
      forget_bias: `keras_weights` converts. Inside `static_rnn`, `rnn_decoder` and
      `attention_decoder` the steps after the first may be built by the fast path (same
      variables, same numbers up to float rounding). `num_units` must be a positive int.
    """

    def __init__(self, num_units: int, forget_bias: float = 1.0, state_is_tuple: bool = True,
                 activation: Any = None, reuse: Any = None, name: Optional[str] = None,
                 dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        if not state_is_tuple:
            _log.warning("%s: Using a concatenated state is slower and will soon be "
                         "deprecated.  Use state_is_tuple=True.", self._base_name)
        self._num_units = _checks.check_positive_int(num_units, "num_units")
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _get_activation(activation)

    @property
    def state_size(self) -> Any:
        if self._state_is_tuple:
            return LSTMStateTuple(self._num_units, self._num_units)
        return 2 * self._num_units

    @property
    def output_size(self) -> int:
        return self._num_units

    def build(self, inputs_shape: tf.TensorShape) -> None:
        depth = tf.compat.dimension_value(inputs_shape[-1])
        units = self._num_units
        self._kernel = self.add_variable(WEIGHTS_NAME, [depth + units, 4 * units])
        self._bias = self.add_variable(
            BIAS_NAME, [4 * units], initializer=_v1.zeros_initializer())

    def call(self, inputs: tf.Tensor, state: Any) -> tuple:
        c, h = _split_lstm_state(state, self._num_units, self._num_units, self._state_is_tuple)
        gates = tf.nn.bias_add(tf.matmul(tf.concat([inputs, h], 1), self._kernel), self._bias)
        i, j, f, o = tf.split(gates, num_or_size_splits=4, axis=1)
        forget_bias = tf.constant(self._forget_bias, dtype=f.dtype)
        new_c = tf.add(tf.multiply(c, tf.sigmoid(tf.add(f, forget_bias))),
                       tf.multiply(tf.sigmoid(i), self._activation(j)))
        new_h = tf.multiply(self._activation(new_c), tf.sigmoid(o))
        if self._state_is_tuple:
            return new_h, LSTMStateTuple(new_c, new_h)
        return new_h, tf.concat([new_c, new_h], 1)

    def _engine_spec(self) -> _EngineSpec:
        weights = {"kernel": self._kernel, "bias": self._bias} if self.built else {}
        return _EngineSpec("basic_lstm", (), weights,
                           {"units": self._num_units, "activation": self._activation,
                            "forget_bias": self._forget_bias,
                            "state_is_tuple": self._state_is_tuple})


class LSTMCell(LayerRNNCell):
    """TF1's full LSTM: optional peepholes, cell clipping and output projection.

    Args:
      num_units: Number of units in the cell.
      use_peepholes: Adds the diagonal peephole connections ``w_{f,i,o}_diag``.
      cell_clip: If set, the cell state is clipped to ``[-cell_clip, cell_clip]``.
      initializer: Initializer of the kernel, the peepholes and the projection.
      num_proj: If set, the output (and the ``h`` part of the state) is
        projected to this size by ``projection/kernel`` (no bias).
      proj_clip: If set with `num_proj`, the projection is clipped to
        ``[-proj_clip, proj_clip]``.
      num_unit_shards: Deprecated; partitions the kernel into that many parts.
      num_proj_shards: Deprecated; partitions the projection kernel.
      forget_bias: Added to the forget gate's pre-activation at run time.
      state_is_tuple: `LSTMStateTuple(c, m)` if True, else ``[c, m]`` concatenated.
      activation: Nonlinearity; tanh by default.
      reuse: Whether to reuse existing variables in the cell's scope.
      name: Base name of the cell's scope (default ``lstm_cell``).
      dtype: dtype of the variables.

    Compatibility:
      Same variables as TF 1.15 (`kernel`, `bias`, the peepholes `w_f_diag`, `w_i_diag`, `w_o_diag`,
      `projection/kernel`), the same partitioners for the deprecated shard arguments, and the same
      maths. `num_units`, `num_proj`, `num_unit_shards` and `num_proj_shards` must be positive ints,
      checked in the constructor (TypeError for floats and bools). Inside `static_rnn`,
      `rnn_decoder` and `attention_decoder` the steps after the first may be built by the fast
      path (same variables, same numbers up to float rounding) when the activation is tanh and
      `forget_bias`, `cell_clip` and `proj_clip` are Python numbers (or None).
    """

    def __init__(self, num_units: int, use_peepholes: bool = False, cell_clip: Any = None,
                 initializer: Any = None, num_proj: Optional[int] = None, proj_clip: Any = None,
                 num_unit_shards: Optional[int] = None, num_proj_shards: Optional[int] = None,
                 forget_bias: float = 1.0, state_is_tuple: bool = True, activation: Any = None,
                 reuse: Any = None, name: Optional[str] = None, dtype: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        if not state_is_tuple:
            _log.warning("%s: Using a concatenated state is slower and will soon be "
                         "deprecated.  Use state_is_tuple=True.", self._base_name)
        if num_unit_shards is not None or num_proj_shards is not None:
            _log.warning("%s: The num_unit_shards and proj_unit_shards parameters are "
                         "deprecated and will be removed in Jan 2017.  Use a variable "
                         "scope with a partitioner instead.", self._base_name)
        self._num_units = _checks.check_positive_int(num_units, "num_units")
        if num_proj is not None:
            _checks.check_positive_int(num_proj, "num_proj")
        _checks.check_optional_positive_int(num_unit_shards, "num_unit_shards")
        _checks.check_optional_positive_int(num_proj_shards, "num_proj_shards")
        self._use_peepholes = use_peepholes
        self._cell_clip = cell_clip
        self._initializer = initializer
        self._num_proj = num_proj
        self._proj_clip = proj_clip
        self._num_unit_shards = num_unit_shards
        self._num_proj_shards = num_proj_shards
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _get_activation(activation)

    @property
    def _out_units(self) -> int:
        return self._num_proj if self._num_proj is not None else self._num_units

    @property
    def state_size(self) -> Any:
        if self._state_is_tuple:
            return LSTMStateTuple(self._num_units, self._out_units)
        return self._num_units + self._out_units

    @property
    def output_size(self) -> int:
        return self._out_units

    def build(self, inputs_shape: tf.TensorShape) -> None:
        depth = tf.compat.dimension_value(inputs_shape[-1])
        units = self._num_units
        shards = self._num_unit_shards
        self._kernel = self.add_variable(
            WEIGHTS_NAME, [depth + self._out_units, 4 * units], initializer=self._initializer,
            partitioner=_v1.fixed_size_partitioner(shards) if shards is not None else None)
        self._bias = self.add_variable(
            BIAS_NAME, [4 * units], initializer=_v1.zeros_initializer())
        if self._use_peepholes:
            self._w_f_diag = self.add_variable("w_f_diag", [units], initializer=self._initializer)
            self._w_i_diag = self.add_variable("w_i_diag", [units], initializer=self._initializer)
            self._w_o_diag = self.add_variable("w_o_diag", [units], initializer=self._initializer)
        if self._num_proj is not None:
            proj_shards = self._num_proj_shards
            self._proj_kernel = self.add_variable(
                "projection/" + WEIGHTS_NAME, [units, self._num_proj],
                initializer=self._initializer,
                partitioner=(_v1.fixed_size_partitioner(proj_shards)
                             if proj_shards is not None else None))

    def call(self, inputs: tf.Tensor, state: Any) -> tuple:
        c_prev, m_prev = _split_lstm_state(state, self._num_units, self._out_units,
                                           self._state_is_tuple)
        if tf.compat.dimension_value(inputs.get_shape().with_rank(2).dims[1]) is None:
            raise ValueError("Could not infer input size from inputs.get_shape()[-1]")
        matrix = tf.nn.bias_add(tf.matmul(tf.concat([inputs, m_prev], 1), self._kernel),
                                self._bias)
        i, j, f, o = tf.split(matrix, num_or_size_splits=4, axis=1)
        if self._use_peepholes:
            c = (tf.sigmoid(f + self._forget_bias + self._w_f_diag * c_prev) * c_prev
                 + tf.sigmoid(i + self._w_i_diag * c_prev) * self._activation(j))
        else:
            c = tf.sigmoid(f + self._forget_bias) * c_prev + tf.sigmoid(i) * self._activation(j)
        if self._cell_clip is not None:
            c = tf.clip_by_value(c, -self._cell_clip, self._cell_clip)
        if self._use_peepholes:
            m = tf.sigmoid(o + self._w_o_diag * c) * self._activation(c)
        else:
            m = tf.sigmoid(o) * self._activation(c)
        if self._num_proj is not None:
            m = tf.matmul(m, self._proj_kernel)
            if self._proj_clip is not None:
                m = tf.clip_by_value(m, -self._proj_clip, self._proj_clip)
        if self._state_is_tuple:
            return m, LSTMStateTuple(c, m)
        return m, tf.concat([c, m], 1)

    def _engine_spec(self) -> _EngineSpec:
        weights = {}
        if self.built:
            weights = {"kernel": self._kernel, "bias": self._bias}
            if self._use_peepholes:
                weights.update(w_i_diag=self._w_i_diag, w_f_diag=self._w_f_diag,
                               w_o_diag=self._w_o_diag)
            if self._num_proj is not None:
                weights["proj_kernel"] = self._proj_kernel
        return _EngineSpec("lstm", (), weights, {
            "units": self._num_units, "num_proj": self._num_proj,
            "use_peepholes": bool(self._use_peepholes), "cell_clip": self._cell_clip,
            "proj_clip": self._proj_clip if self._num_proj is not None else None,
            "forget_bias": self._forget_bias, "state_is_tuple": self._state_is_tuple,
            "activation": self._activation})


class MultiRNNCell(RNNCell):
    """Stacks cells: layer i runs in scope ``cell_i`` on the previous output.

    Passing the same cell object twice (``[cell] * n``) shares one variable
    set between those layers, as in TF 1.15, and logs a warning. TF <= 1.0
    gave each of those layers its own variables; setting the class attribute
    ``MultiRNNCell.separate_repeated_cells = True`` (what
    ``legacy-seq2seq-compat run --separate-layer-weights`` does) brings that
    back: a repeated object is replaced by a fresh copy for each later layer.

    Args:
      cells: List or tuple of cells, bottom layer first.
      state_is_tuple: State is a tuple of the layers' states if True, else
        their concatenation (only for cells with non-tuple states).

    Raises:
      ValueError: if `cells` is empty, or a cell has a tuple state while
        `state_is_tuple` is False.
      TypeError: if `cells` is not a list or tuple, or an element is not a cell.

    Compatibility:
      Same scopes (`multi_rnn_cell/cell_<i>`) and state layout as TF 1.15, and the same object
      passed twice shares one variable set with a warning, as in TF 1.15.
      `separate_repeated_cells` brings back TF <= 1.0's one set per layer; it is not a TF 1.15
      feature. Every element is checked against the RNNCell protocol when the stack is made: an
      abstract RNNCell or a Keras 3 cell raises a TypeError naming `cells[i]`.
    """

    # TF <= 1.0's meaning of MultiRNNCell([cell] * n): one set of weights per layer.
    separate_repeated_cells = False

    def __init__(self, cells: Sequence[Any], state_is_tuple: bool = True) -> None:
        super().__init__()
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell. Got `cells`="
                             f"{cells!r}: pass a list of cells, bottom layer first.")
        if not isinstance(cells, (list, tuple)):
            raise TypeError(f"cells must be a list or tuple, but saw: {cells}.")
        for i, cell in enumerate(cells):
            _checks.assert_like_rnncell(f"cells[{i}]", cell)
        if len({id(cell) for cell in cells}) < len(cells):
            if self.separate_repeated_cells:
                cells = _copy_repeated(cells)
            else:
                _log.warning(
                    "At least two cells provided to MultiRNNCell are the same object and will "
                    "share weights. A checkpoint with separate layers (cell_1, ...) then "
                    "restores only in part. TF <= 1.0 gave each layer its own weights for "
                    "MultiRNNCell([cell] * n): make one cell per layer, MultiRNNCell("
                    "[GRUCell(...) for _ in range(n)]), or set "
                    "MultiRNNCell.separate_repeated_cells = True (legacy-seq2seq-compat run "
                    "--separate-layer-weights).")
        self._cells = list(cells)
        self._state_is_tuple = state_is_tuple
        if not state_is_tuple and any(tf.nest.is_nested(c.state_size) for c in self._cells):
            raise ValueError(
                "Some cells return tuples of states, but the flag state_is_tuple is not set.  "
                f"State sizes are: {[c.state_size for c in self._cells]}")

    @property
    def state_size(self) -> Any:
        if self._state_is_tuple:
            return tuple(cell.state_size for cell in self._cells)
        return sum(cell.state_size for cell in self._cells)

    @property
    def output_size(self) -> Any:
        return self._cells[-1].output_size

    def _child_cells(self) -> list:
        return list(self._cells)

    def _engine_spec(self) -> _EngineSpec:
        return _EngineSpec("multi", tuple(self._cells), {},
                           {"state_is_tuple": self._state_is_tuple})

    def zero_state(self, batch_size: Any, dtype: Any) -> Any:
        _checks.check_batch_size(batch_size, "batch_size")
        dtype = _checks.as_dtype(dtype, "dtype")
        with _v1.name_scope(type(self).__name__ + "ZeroState", values=[batch_size]):
            if self._state_is_tuple:
                return tuple(cell.zero_state(batch_size, dtype) for cell in self._cells)
            return zero_state_tensors(self.state_size, batch_size, dtype)

    def _check_state(self, state: Any) -> None:
        if self._state_is_tuple:
            if not tf.nest.is_nested(state):
                raise ValueError(
                    f"Expected state to be a tuple of length {len(self._cells)}, "
                    f"but received: {state}")
            if len(state) != len(self._cells):
                raise ValueError(
                    f"`state` of MultiRNNCell must hold one state per layer: expected "
                    f"{len(self._cells)}, got {len(state)}.")
            return
        width = _checks.static_dim(state, 1) if hasattr(state, "get_shape") else None
        if width is not None and width != self.state_size:
            raise ValueError(
                f"`state` of MultiRNNCell (state_is_tuple=False) must be "
                f"[batch, {self.state_size}], got shape {_checks.describe_shape(state)}.")

    def _check_repeated_cell(self, layer: int, layer_input: Any, first_use: dict) -> None:
        """A cell object used by two layers must see the same input depth at both."""
        depth = (_checks.static_dim(layer_input, 1)
                 if isinstance(layer_input, tf.Tensor) else None)
        first = first_use.setdefault(id(self._cells[layer]), (layer, depth))
        if first[0] != layer and None not in (depth, first[1]) and depth != first[1]:
            raise ValueError(
                f"MultiRNNCell: cells[{layer}] is the same object as cells[{first[0]}], so both "
                f"layers share one set of weights, but layer {layer} gets inputs of depth "
                f"{depth} where layer {first[0]} got {first[1]}. TF <= 1.0 gave each layer its "
                "own weights for MultiRNNCell([cell] * n); since TF 1.2 the same object shares "
                "them. Make one cell per layer: MultiRNNCell([GRUCell(...) for _ in range(n)]).")

    def call(self, inputs: Any, state: Any) -> tuple:
        position = 0
        layer_input = inputs
        new_states = []
        first_use: dict = {}
        for i, cell in enumerate(self._cells):
            self._check_repeated_cell(i, layer_input, first_use)
            with _v1.variable_scope(f"cell_{i}"):
                if self._state_is_tuple:
                    layer_state = state[i]
                else:
                    layer_state = tf.slice(state, [0, position], [-1, cell.state_size])
                    position += cell.state_size
                layer_input, new_state = cell(layer_input, layer_state)
                new_states.append(new_state)
        if self._state_is_tuple:
            return layer_input, tuple(new_states)
        return layer_input, tf.concat(new_states, 1)


def _copy_repeated(cells: Sequence[Any]) -> list:
    """`cells` with every repeat of an object replaced by a fresh copy of it."""
    seen: set = set()
    own = []
    for i, cell in enumerate(cells):
        if id(cell) in seen:
            _log.info("MultiRNNCell: cells[%d] repeats an earlier cell object; it gets its own "
                      "weights (separate_repeated_cells).", i)
            cell = copy.deepcopy(cell)
        seen.add(id(cell))
        own.append(cell)
    return own


class _Wrapper(RNNCell):
    """A cell around another cell that adds no variable scope level."""

    def __init__(self, cell: Any, name: Optional[str] = None, dtype: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(name=name, dtype=dtype, **kwargs)
        _checks.assert_like_rnncell("cell", cell)
        self.cell = cell

    @property
    def wrapped_cell(self) -> Any:
        return self.cell

    @property
    def state_size(self) -> Any:
        return self.cell.state_size

    @property
    def output_size(self) -> Any:
        return self.cell.output_size

    def _child_cells(self) -> list:
        return [self.cell]

    def zero_state(self, batch_size: Any, dtype: Any) -> Any:
        with _v1.name_scope(type(self).__name__ + "ZeroState", values=[batch_size]):
            return self.cell.zero_state(batch_size, dtype)

    def __call__(self, inputs: Any, state: Any, scope: Any = None) -> tuple:
        _checks.ensure_graph_mode(f"{type(self).__name__}.__call__")
        return self._call_wrapped(inputs, state, scope)

    def _call_wrapped(self, inputs: Any, state: Any, scope: Any) -> tuple:
        raise NotImplementedError


def _default_dropout_state_filter_visitor(substate: Any) -> Any:
    """Never drops out the memory `c` of an LSTM state, nor TensorArrays."""
    if isinstance(substate, LSTMStateTuple) or type(substate).__name__ == "LSTMStateTuple":
        return LSTMStateTuple(c=False, h=True)
    if isinstance(substate, tf.TensorArray):
        return False
    return True


def _drop_decisions(visitor: Callable, value: Any) -> Any:
    """Per-leaf dropout decisions: True (drop), False (keep) at shallow leaves.

    The visitor may answer a bool for a whole sub-structure or a structure of
    bools one level deep; True on a nested value means "look inside it".
    """
    decision = visitor(value)
    if isinstance(decision, bool):
        if decision and tf.nest.is_nested(value):
            children = [_drop_decisions(visitor, child) for child in _children(value)]
            return _rebuild(value, children)
        return decision
    children = []
    for sub_decision, child in zip(_children(decision), _children(value)):
        if sub_decision is True and tf.nest.is_nested(child):
            children.append(_drop_decisions(visitor, child))
        else:
            children.append(sub_decision)
    return _rebuild(value, children)


def _children(value: Any) -> list:
    if isinstance(value, dict):
        return [value[k] for k in sorted(value)]
    return list(value)


def _rebuild(like: Any, children: list) -> Any:
    if isinstance(like, dict):
        return dict(zip(sorted(like), children))
    if hasattr(like, "_fields"):
        return type(like)(*children)
    return type(like)(children)


def _map_up_to(decisions: Any, fn: Callable, *values: Any) -> Any:
    """Applies fn(index, decision, *subvalues) at the leaves of `decisions`."""
    counter = [0]

    def visit(decision: Any, *subvalues: Any) -> Any:
        if isinstance(decision, bool):
            index = counter[0]
            counter[0] += 1
            return fn(index, decision, *subvalues)
        kids = [visit(d, *[_children(v)[k] for v in subvalues])
                for k, d in enumerate(_children(decision))]
        return _rebuild(subvalues[0], kids)

    return visit(decisions, *values)


class DropoutWrapper(_Wrapper):
    """Applies dropout to a cell's inputs, new state and outputs.

    Args:
      cell: The cell to wrap.
      input_keep_prob: Keep probability of the inputs: a float in (0, 1] or a
        scalar float Tensor. A constant 1.0 adds no op.
      output_keep_prob: Keep probability of the outputs.
      state_keep_prob: Keep probability of the new state (the ``c`` of an LSTM
        state is never dropped unless `dropout_state_filter_visitor` says so).
      variational_recurrent: Use one mask for every step (Gal & Ghahramani);
        the mask has shape [1, depth], so it is shared by the whole batch, as
        in TF 1.15. Requires `dtype`, and `input_size` when inputs are dropped.
      input_size: (Nested) depth of the inputs, for variational dropout.
      dtype: dtype of the masks, for variational dropout.
      seed: Seed from which every mask's seed is derived.
      dropout_state_filter_visitor: Callable deciding which parts of the state
        get dropout; returns a bool or a structure of bools.

    Raises:
      TypeError: if `dropout_state_filter_visitor` is not callable.
      ValueError: for a constant keep probability outside (0, 1], or missing
        `dtype` / `input_size` with `variational_recurrent`.

    Compatibility:
      Matches TF 1.15's `DropoutWrapper`: no scope level of its own, the same keep-probability
      checks, the LSTM memory `c` kept by the default state filter, variational masks
      of shape [1, depth], and each mask's seed derived from `seed` the way TF 1.15 derived it.
      `seed` must be an int. Under the fast paths of `static_rnn`, `rnn_decoder` and
      `attention_decoder` (see
      `legacy_seq2seq_compat.fastpath`) the masks of all steps are drawn in one op: the same
      distribution as TF 1.15's per-step draws (each unit of each step kept with probability
      `keep`, scaled by 1 / keep), not the same random numbers op for op. With a `seed` or a
      graph seed, or a `dropout_state_filter_visitor` of your own, those functions build one
      step at a time and draw exactly as TF 1.15 did; `variational_recurrent` masks, drawn
      once for all steps, are applied as they are on the fast paths too.
    """

    def __init__(self, cell: Any, input_keep_prob: Any = 1.0, output_keep_prob: Any = 1.0,
                 state_keep_prob: Any = 1.0, variational_recurrent: bool = False,
                 input_size: Any = None, dtype: Any = None, seed: Optional[int] = None,
                 dropout_state_filter_visitor: Optional[Callable] = None,
                 **kwargs: Any) -> None:
        super().__init__(cell, dtype=dtype, **kwargs)
        if dropout_state_filter_visitor is not None and not callable(
                dropout_state_filter_visitor):
            raise TypeError("dropout_state_filter_visitor must be callable")
        self._dropout_state_filter = (dropout_state_filter_visitor
                                      or _default_dropout_state_filter_visitor)
        with _v1.name_scope("DropoutWrapperInit"):
            for prob, attr in ((input_keep_prob, "input_keep_prob"),
                               (state_keep_prob, "state_keep_prob"),
                               (output_keep_prob, "output_keep_prob")):
                setattr(self, "_" + attr, self._keep_prob(prob, attr))
        self._variational_recurrent = variational_recurrent
        self._input_size = input_size
        if seed is not None:
            _checks.check_int(seed, "seed")
        self._seed = seed
        self._recurrent_input_noise = None
        self._recurrent_state_noise = None
        self._recurrent_output_noise = None
        if variational_recurrent:
            if dtype is None:
                raise ValueError("When variational_recurrent=True, dtype must be provided")
            noise_dtype = tf.as_dtype(dtype)

            def noise(prefix: str, sizes: Any) -> Any:
                flat = [
                    tf.random.uniform([1] + tf.TensorShape(size).as_list(),
                                      seed=self._gen_seed(prefix, i), dtype=noise_dtype)
                    for i, size in enumerate(tf.nest.flatten(sizes))
                ]
                return tf.nest.pack_sequence_as(sizes, flat)

            if not isinstance(self._input_keep_prob, float) or self._input_keep_prob < 1.0:
                if input_size is None:
                    raise ValueError(
                        "When variational_recurrent=True and input_keep_prob < 1.0 or is "
                        "unknown, input_size must be provided")
                self._recurrent_input_noise = noise("input", input_size)
            self._recurrent_state_noise = noise("state", cell.state_size)
            self._recurrent_output_noise = noise("output", cell.output_size)

    @staticmethod
    def _keep_prob(prob: Any, attr: str) -> Any:
        try:
            tensor = tf.convert_to_tensor(prob)
        except (TypeError, ValueError) as err:
            raise TypeError(f"Parameter {attr} must be a float or a float Tensor, got "
                            f"{_checks.describe_value(prob)}.") from err
        if not (tensor.dtype.is_floating or tensor.dtype.is_integer) or tensor.dtype == tf.bool:
            raise TypeError(f"Parameter {attr} must be a float or a float Tensor, got "
                            f"{_checks.describe_value(prob)}.")
        value = tf.get_static_value(tensor)
        if value is None:
            if not tensor.dtype.is_floating:
                raise ValueError(f"Parameter {attr} must be a float or a float Tensor, "
                                 f"got a {tensor.dtype.name} Tensor.")
            return tensor
        value = float(value)
        if not 0.0 < value <= 1.0:
            raise ValueError(f"Parameter {attr} must be between 0 and 1: expected a keep "
                             f"probability in (0, 1], got {value!r}.")
        return value

    def _gen_seed(self, prefix: str, index: int) -> Optional[int]:
        if self._seed is None:
            return None
        text = f"{self._seed}{prefix}_{index}".encode()
        return int(hashlib.md5(text).hexdigest()[:8], 16) & 0x7FFFFFFF

    def _dropout(self, values: Any, prefix: str, noise: Any, keep_prob: Any,
                 decisions: Any = None) -> Any:
        if decisions is None:
            decisions = tf.nest.map_structure(lambda _: True, values)

        if not self._variational_recurrent:
            def drop(i: int, do_drop: bool, value: Any) -> Any:
                if not do_drop:
                    return value
                return tf.nn.dropout(value, rate=1.0 - keep_prob,
                                     seed=self._gen_seed(prefix, i))
            return _map_up_to(decisions, drop, values)

        def drop_variational(i: int, do_drop: bool, value: Any, mask_noise: Any) -> Any:
            if not do_drop:
                return value
            kept = tf.floor(keep_prob + mask_noise)
            out = tf.math.divide(value, keep_prob) * kept
            out.set_shape(value.get_shape())
            return out
        return _map_up_to(decisions, drop_variational, values, noise)

    def _call_wrapped(self, inputs: Any, state: Any, scope: Any) -> tuple:
        def active(p: Any) -> bool:
            return not isinstance(p, float) or p < 1.0

        if active(self._input_keep_prob):
            inputs = self._dropout(inputs, "input", self._recurrent_input_noise,
                                   self._input_keep_prob)
        output, new_state = self.cell(inputs, state, scope=scope)
        if active(self._state_keep_prob):
            decisions = _drop_decisions(self._dropout_state_filter, new_state)
            new_state = self._dropout(new_state, "state", self._recurrent_state_noise,
                                      self._state_keep_prob, decisions)
        if active(self._output_keep_prob):
            output = self._dropout(output, "output", self._recurrent_output_noise,
                                   self._output_keep_prob)
        return output, new_state

    def _engine_spec(self) -> _EngineSpec:
        return _EngineSpec("dropout", (self.cell,), {}, {
            "input_keep_prob": self._input_keep_prob,
            "state_keep_prob": self._state_keep_prob,
            "output_keep_prob": self._output_keep_prob,
            "variational_recurrent": self._variational_recurrent,
            "seed": self._seed,
            "default_state_filter":
                self._dropout_state_filter is _default_dropout_state_filter_visitor,
            "noise": (self._recurrent_input_noise, self._recurrent_state_noise,
                      self._recurrent_output_noise)})


class ResidualWrapper(_Wrapper):
    """Adds the cell's inputs to its outputs (``output = input + cell_output``).

    Args:
      cell: The cell to wrap; its output must match its input in structure
        and shape unless `residual_fn` says otherwise.
      residual_fn: Optional ``fn(inputs, outputs) -> outputs``.

    Compatibility:
      Matches TF 1.15's `ResidualWrapper`: no scope level of its own, `output = inputs +
      cell_output` or `residual_fn(inputs, outputs)`. Inputs and outputs of different static shapes
      raise a ValueError naming both shapes.
    """

    def __init__(self, cell: Any, residual_fn: Optional[Callable] = None,
                 **kwargs: Any) -> None:
        super().__init__(cell, **kwargs)
        self._residual_fn = residual_fn

    def _call_wrapped(self, inputs: Any, state: Any, scope: Any) -> tuple:
        outputs, new_state = self.cell(inputs, state, scope=scope)

        def add_inputs(inputs: Any, outputs: Any) -> Any:
            tf.nest.assert_same_structure(inputs, outputs)

            def add(x: Any, y: Any) -> Any:
                if not x.get_shape().is_compatible_with(y.get_shape()):
                    raise ValueError(
                        f"ResidualWrapper needs outputs shaped like the inputs: inputs "
                        f"{_checks.describe_shape(x)} vs outputs {_checks.describe_shape(y)}.")
                return x + y
            return tf.nest.map_structure(add, inputs, outputs)

        return (self._residual_fn or add_inputs)(inputs, outputs), new_state


class DeviceWrapper(_Wrapper):
    """Runs the wrapped cell (and its zero state) on `device`.

    Args:
      cell: The cell to wrap.
      device: A device string or function, as for `tf.device`.

    Compatibility:
      Matches TF 1.15's `DeviceWrapper`: no scope level of its own; the wrapped cell and its zero
      state are built under `tf.device(device)`.
    """

    def __init__(self, cell: Any, device: Any, **kwargs: Any) -> None:
        super().__init__(cell, **kwargs)
        self._device = device

    def zero_state(self, batch_size: Any, dtype: Any) -> Any:
        with _v1.name_scope(type(self).__name__ + "ZeroState", values=[batch_size]):
            with tf.device(self._device):
                return self.cell.zero_state(batch_size, dtype)

    def _call_wrapped(self, inputs: Any, state: Any, scope: Any) -> tuple:
        with tf.device(self._device):
            return self.cell(inputs, state, scope=scope)


class Linear:
    """``concat(args, 1) @ kernel + bias`` with TF1's variable names.

    Creates ``kernel`` [sum of input depths, output_size] and (optionally)
    ``bias`` [output_size] directly in the current variable scope when
    constructed; calling the object applies them. Kernel rows follow the
    order of `args`.

    Args:
      args: A 2-D Tensor or a list of 2-D Tensors with static depths.
      output_size: Width of the result.
      build_bias: Whether to create and add a bias.
      bias_initializer: Initializer of the bias (default 0.0).
      kernel_initializer: Initializer of the kernel (default: the scope's,
        else Glorot uniform).

    Raises:
      ValueError: for no args, an arg that is not 2-D, or an unknown depth.
    """

    def __init__(self, args: Any, output_size: int, build_bias: bool,
                 bias_initializer: Any = None, kernel_initializer: Any = None) -> None:
        if args is None or (isinstance(args, (list, tuple)) and not args):
            raise ValueError("`args` must be specified")
        self._is_sequence = isinstance(args, (list, tuple))
        args = list(args) if self._is_sequence else [args]
        total = 0
        shapes = [a.get_shape() for a in args]
        for shape in shapes:
            if shape.rank != 2:
                raise ValueError(f"linear is expecting 2D arguments: {shapes}")
            depth = tf.compat.dimension_value(shape.dims[1])
            if depth is None:
                raise ValueError(f"linear expects shape[1] to be provided for shape {shape}, "
                                 f"but saw {depth}")
            total += depth
        dtype = args[0].dtype
        self._build_bias = build_bias
        with _v1.variable_scope(_v1.get_variable_scope()) as outer:
            self.kernel = _v1.get_variable(WEIGHTS_NAME, [total, output_size], dtype=dtype,
                                           initializer=kernel_initializer)
            if build_bias:
                with _v1.variable_scope(outer) as inner:
                    inner.set_partitioner(None)
                    self.bias = _v1.get_variable(
                        BIAS_NAME, [output_size], dtype=dtype,
                        initializer=bias_initializer
                        or _v1.constant_initializer(0.0))

    def __call__(self, args: Any) -> tf.Tensor:
        args = list(args) if self._is_sequence else [args]
        if len(args) == 1:
            result = tf.matmul(args[0], self.kernel)
        else:
            # An explicit int32 axis constant, as TF 1.15 built it (op names match).
            result = tf.matmul(tf.concat(args, tf.constant(1, dtype=tf.int32)), self.kernel)
        if self._build_bias:
            result = tf.nn.bias_add(result, self.bias)
        return result


class _FixedSizes:
    """Mixin for a cell whose sizes are fixed by its constructor.

    The constructor sets ``self._state_size`` and ``self._output_size``; the
    two properties return them. Put it before the RNNCell base in the class
    list so that its properties replace the abstract ones.
    """

    @property
    def state_size(self) -> Any:
        return self._state_size

    @property
    def output_size(self) -> Any:
        return self._output_size


class _CachedLinears:
    """Mixin for a cell that keeps the `Linear` maps made at its first call.

    `_reset_binding` also empties the attributes named in `_CACHED_LINEARS`
    (each one `Linear`, None until the first call) and in
    `_CACHED_LINEAR_DICTS` (each a dict of `Linear` maps by key), so that a
    `copy.deepcopy` of a used cell is unbuilt and makes its own variables.
    The names must be in `_BINDING_ATTRS` (deepcopy shares those instead of
    copying the graph objects inside). Put it before the RNNCell base in the
    class list.
    """

    _CACHED_LINEARS: tuple = ()
    _CACHED_LINEAR_DICTS: tuple = ()

    def _reset_binding(self) -> None:
        super()._reset_binding()
        for attribute in self._CACHED_LINEARS:
            setattr(self, attribute, None)
        for attribute in self._CACHED_LINEAR_DICTS:
            setattr(self, attribute, {})


class _ContribWrapper(RNNCell):
    """Base of the tf.contrib.rnn wrappers that do create a scope level."""

    def __init__(self, cell: Any, reuse: Any = None) -> None:
        super().__init__(_reuse=reuse)
        _checks.assert_like_rnncell("cell", cell)
        self._cell = cell

    @property
    def cell(self) -> Any:
        return self._cell

    def _child_cells(self) -> list:
        return [self._cell]

    @property
    def state_size(self) -> Any:
        return self._cell.state_size

    @property
    def output_size(self) -> Any:
        return self._cell.output_size

    def zero_state(self, batch_size: Any, dtype: Any) -> Any:
        with _v1.name_scope(type(self).__name__ + "ZeroState", values=[batch_size]):
            return self._cell.zero_state(batch_size, dtype)


class EmbeddingWrapper(_ContribWrapper):
    """Looks integer symbol ids up in an embedding, then runs the cell.

    The variable ``embedding_wrapper/embedding`` [embedding_classes,
    embedding_size] takes the dtype of the state and is placed on the CPU, as
    in TF 1.15. Its default initializer is uniform in (-sqrt(3), sqrt(3))
    (variance 1) unless `initializer` or the scope's initializer is set.

    Args:
      cell: The cell to feed with embeddings.
      embedding_classes: Number of symbols.
      embedding_size: Width of each embedding.
      initializer: Initializer of the embedding.
      reuse: Whether to reuse existing variables.

    Raises:
      ValueError: if `embedding_classes` or `embedding_size` is not positive.

    Compatibility:
      Matches TF 1.15's `tf.contrib.rnn.EmbeddingWrapper`: the scope `embedding_wrapper`, the
      variable `embedding` on the CPU with the dtype of the state and the same default initializer
      (uniform in +-sqrt(3)). Sizes that are not ints (floats, bools) raise TypeError, sizes below 1
      TF 1.15's ValueError, and float inputs a TypeError (TF 1.15 failed inside the lookup).
    """

    def __init__(self, cell: Any, embedding_classes: int, embedding_size: int,
                 initializer: Any = None, reuse: Any = None) -> None:
        super().__init__(cell, reuse)
        _checks.check_int(embedding_classes, "embedding_classes")
        _checks.check_int(embedding_size, "embedding_size")
        if embedding_classes <= 0 or embedding_size <= 0:
            raise ValueError("Both embedding_classes and embedding_size must be > 0: "
                             f"{embedding_classes}, {embedding_size}.")
        self._embedding_classes = embedding_classes
        self._embedding_size = embedding_size
        self._initializer = initializer

    def _reset_binding(self) -> None:
        super()._reset_binding()
        self._embedding = None

    def _check_inputs(self, inputs: Any) -> None:
        dtype = tf.as_dtype(inputs.dtype)
        if not dtype.is_integer:
            raise TypeError(
                f"`inputs` of EmbeddingWrapper must be integer symbol ids (int32 or int64), "
                f"got dtype {dtype.name}.")

    def call(self, inputs: tf.Tensor, state: Any) -> tuple:
        with tf.device("/cpu:0"):
            scope_initializer = _v1.get_variable_scope().initializer
            initializer = self._initializer or scope_initializer
            if initializer is None:
                sqrt3 = math.sqrt(3)
                initializer = _v1.random_uniform_initializer(-sqrt3, sqrt3)
            first_state = state[0] if isinstance(state, tuple) else state
            embedding = _v1.get_variable(
                "embedding", [self._embedding_classes, self._embedding_size],
                initializer=initializer, dtype=first_state.dtype)
            embedded = tf.nn.embedding_lookup(embedding, tf.reshape(inputs, [-1]))
        # static_rnn's fast path looks up all later steps at once.
        self._embedding = embedding
        return self._cell(embedded, state)

    def _engine_spec(self) -> _EngineSpec:
        weights = {} if self._embedding is None else {"embedding": self._embedding}
        return _EngineSpec("embedding", (self._cell,), weights, {})


class InputProjectionWrapper(_CachedLinears, _ContribWrapper):
    """Projects the inputs to `num_proj` (``kernel`` + ``bias``), then runs the cell.

    Args:
      cell: The cell to wrap.
      num_proj: Width of the projected inputs.
      activation: Optional nonlinearity applied after the projection.
      input_size: Deprecated and ignored (logs a warning), as in TF 1.15.
      reuse: Whether to reuse existing variables.

    Compatibility:
      Matches TF 1.15's `tf.contrib.rnn.InputProjectionWrapper`: the scope
      `input_projection_wrapper` with `kernel` and `bias`, the wrapped cell called inside it, and
      `input_size` ignored with a warning. `num_proj` must be a positive int.
    """

    _CACHED_LINEARS = ("_linear",)

    def __init__(self, cell: Any, num_proj: int, activation: Any = None,
                 input_size: Any = None, reuse: Any = None) -> None:
        super().__init__(cell, reuse)
        if input_size is not None:
            _log.warning("%s: The input_size parameter is deprecated.", type(self).__name__)
        self._num_proj = _checks.check_positive_int(num_proj, "num_proj")
        self._activation = activation

    def call(self, inputs: tf.Tensor, state: Any) -> tuple:
        if self._linear is None:
            self._linear = Linear(inputs, self._num_proj, True)
        projected = self._linear(inputs)
        if self._activation:
            projected = self._activation(projected)
        return self._cell(projected, state)


class OutputProjectionWrapper(_CachedLinears, _ContribWrapper):
    """Runs the cell, then projects its output to `output_size` (``kernel`` + ``bias``).

    Args:
      cell: The cell to wrap.
      output_size: Width of the projected output.
      activation: Optional nonlinearity applied after the projection.
      reuse: Whether to reuse existing variables.

    Raises:
      ValueError: if `output_size` is not positive.

    Compatibility:
      Matches TF 1.15's `tf.contrib.rnn.OutputProjectionWrapper`: the scope
      `output_projection_wrapper` with `kernel` and `bias`, the wrapped cell called inside it, and
      TF 1.15's ValueError for an `output_size` below 1. A float or bool `output_size` raises
      TypeError.
    """

    _CACHED_LINEARS = ("_linear",)

    def __init__(self, cell: Any, output_size: int, activation: Any = None,
                 reuse: Any = None) -> None:
        super().__init__(cell, reuse)
        output_size = _checks.check_int(output_size, "output_size")
        if output_size < 1:
            raise ValueError(f"Parameter output_size must be > 0: {output_size}.")
        self._output_size = output_size
        self._activation = activation

    @property
    def output_size(self) -> int:
        return self._output_size

    def call(self, inputs: Any, state: Any) -> tuple:
        output, new_state = self._cell(inputs, state)
        if self._linear is None:
            self._linear = Linear(output, self._output_size, True)
        projected = self._linear(output)
        if self._activation:
            projected = self._activation(projected)
        return projected, new_state

    def _engine_spec(self) -> _EngineSpec:
        weights = {}
        if self._linear is not None:
            weights = {"kernel": self._linear.kernel, "bias": self._linear.bias}
        return _EngineSpec("output_projection", (self._cell,), weights,
                           {"activation": self._activation})

