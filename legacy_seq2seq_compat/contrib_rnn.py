"""TF 1.15's extra ``tf.contrib.rnn`` cells and RNN helpers, rebuilt on `tf.compat.v1`.

The cells of TF 1.15's ``contrib/rnn/python/ops/rnn_cell.py`` that
``tf.contrib.rnn`` exported (`CoupledInputForgetGateLSTMCell`,
`LayerNormBasicLSTMCell`, `NASCell`, `UGRNNCell`, `IntersectionRNNCell`,
`TimeFreqLSTMCell`, `GridLSTMCell`, `BidirectionalGridLSTMCell`, `GLSTMCell`,
`IndRNNCell`, `PhasedLSTMCell`, `ConvLSTMCell` and its 1-D/2-D/3-D forms,
`HighwayWrapper`, `AttentionCellWrapper`, `CompiledWrapper`) and the helpers of
``contrib/rnn/python/ops/rnn.py`` and ``python/ops/rnn.py`` that it exported
(`stack_bidirectional_rnn`, `stack_bidirectional_dynamic_rnn`,
`transpose_batch_time`, `best_effort_input_batch_size`).

Each cell keeps TF 1.15's constructor, maths, variable names, shapes,
creation order and initializers, and its scope rule: the cells that were
plain ``RNNCell`` subclasses in TF 1.15 bind a scope named after the class
(``ugrnn_cell``, ...) inside the caller's scope of their first call, like
`rnn_cell.RNNCell`; `NASCell` and `IndRNNCell` were layer cells and
bind their scope like one; `HighwayWrapper` and `CompiledWrapper` add no
scope level. The fused-kernel cells
(``LSTMBlockCell``, ``GRUBlockCell``, ...) are in `fused_rnn_cell`.

Compatibility: wrong arguments fail at the public boundary with a TypeError or
ValueError that names the argument and the value received, where TF 1.15 took
them silently or failed inside an op: integer sizes reject floats, bools and
values below 1; every cell call checks its inputs (float, rank 2, one batch
size) and its state (Tensors matching `state_size`, with the inputs' batch).
"""

from __future__ import annotations

import collections
import logging
from typing import Any, Callable, Optional, Sequence

import tensorflow as tf

from legacy_seq2seq_compat import _checks, rnn, rnn_cell

_v1 = tf.compat.v1
_log = logging.getLogger(__name__)

__all__ = [
    "transpose_batch_time",
    "best_effort_input_batch_size",
    "stack_bidirectional_rnn",
    "stack_bidirectional_dynamic_rnn",
    "CoupledInputForgetGateLSTMCell",
    "TimeFreqLSTMCell",
    "GridLSTMCell",
    "BidirectionalGridLSTMCell",
    "LayerNormBasicLSTMCell",
    "NASCell",
    "UGRNNCell",
    "IntersectionRNNCell",
    "GLSTMCell",
    "IndRNNCell",
    "PhasedLSTMCell",
    "ConvLSTMCell",
    "Conv1DLSTMCell",
    "Conv2DLSTMCell",
    "Conv3DLSTMCell",
    "HighwayWrapper",
    "AttentionCellWrapper",
    "CompiledWrapper",
]

# contrib's layer_norm added this to the variance (1e-3 for float16).
_LAYER_NORM_EPSILON = 1e-12


# -- helpers ---------------------------------------------------------------------------------


def transpose_batch_time(x: Any) -> tf.Tensor:
    """Swaps the first two axes of `x` ([batch, time, ...] <-> [time, batch, ...]).

    The static shape follows the swap. A Tensor of rank 0 or 1 comes back
    unchanged.

    Args:
      x: A Tensor of rank >= 2 (or of unknown rank).

    Returns:
      The transposed Tensor.

    Compatibility: TF 1.15's ``tf.contrib.rnn.transpose_batch_time`` (TF's
    private ``rnn._transpose_batch_time``).
    """
    x = _checks.as_tensor(x, "x")
    static = x.get_shape()
    if static.rank is not None and static.rank < 2:
        return x
    perm = tf.concat([[1, 0], tf.range(2, tf.rank(x))], axis=0)
    swapped = tf.transpose(x, perm)
    if static.rank is not None:
        dims = static.as_list()
        swapped.set_shape([dims[1], dims[0]] + dims[2:])
    return swapped


def best_effort_input_batch_size(flat_input: Sequence[Any]) -> Any:
    """The batch size of time-major inputs: a Python int if any input knows it statically.

    Args:
      flat_input: Time-major Tensors [max_time, batch_size, ...] with
        compatible batch sizes.

    Returns:
      The first static ``shape[1]`` found, else ``tf.shape(flat_input[0])[1]``.

    Raises:
      ValueError: for an input of known rank below 2.

    Compatibility: TF 1.15's ``tf.contrib.rnn.best_effort_input_batch_size``
    (TF's private ``rnn._best_effort_input_batch_size``).
    """
    if not isinstance(flat_input, (list, tuple)) or not flat_input:
        raise TypeError("`flat_input` must be a non-empty list of time-major Tensors (e.g. "
                        f"tf.nest.flatten(inputs)), got {_checks.describe_value(flat_input)}.")
    flat_input = [_checks.as_tensor(v, f"flat_input[{i}]") for i, v in enumerate(flat_input)]
    for i, value in enumerate(flat_input):
        shape = value.get_shape()
        if shape.rank is None:
            continue
        if shape.rank < 2:
            raise ValueError(
                f"`flat_input[{i}]` of best_effort_input_batch_size must be time-major, of rank "
                f">= 2 [max_time, batch_size, ...], got a Tensor of shape "
                f"{_checks.describe_shape(value)}.")
        batch = tf.compat.dimension_value(shape[1])
        if batch is not None:
            return batch
    return tf.shape(flat_input[0])[1]


def _check_stack_args(cells_fw: Any, cells_bw: Any, initial_states_fw: Any,
                      initial_states_bw: Any) -> None:
    for name, cells in (("cells_fw", cells_fw), ("cells_bw", cells_bw)):
        if not cells:
            raise ValueError(f"`{name}` must hold at least one cell, got {cells!r}.")
        if not isinstance(cells, list):
            raise ValueError(f"`{name}` must be a list of RNN cells (one per layer), "
                             f"got {type(cells).__name__}.")
        for i, cell in enumerate(cells):
            _checks.assert_like_rnncell(f"{name}[{i}]", cell)
    if len(cells_fw) != len(cells_bw):
        raise ValueError(f"`cells_fw` and `cells_bw` must have the same number of layers, got "
                         f"{len(cells_fw)} and {len(cells_bw)}.")
    for name, states in (("initial_states_fw", initial_states_fw),
                         ("initial_states_bw", initial_states_bw)):
        if states is not None and (not isinstance(states, list)
                                   or len(states) != len(cells_fw)):
            raise ValueError(f"`{name}` must be a list of {len(cells_fw)} states (one per "
                             f"layer), got {states!r}.")


def _check_dynamic_args(inputs: Any, sequence_length: Any, parallel_iterations: Any,
                        time_major: Any) -> None:
    """The dynamic RNN's own arguments: [batch, time, depth] float inputs and the options."""
    _checks.check_bool(time_major, "time_major")
    _checks.check_optional_positive_int(parallel_iterations, "parallel_iterations")
    layout = "[time, batch, depth]" if time_major else "[batch, time, depth]"
    if isinstance(inputs, (list, tuple)) or not (hasattr(inputs, "dtype")
                                                 and hasattr(inputs, "get_shape")):
        raise TypeError(f"`inputs` must be one {layout} Tensor (not a list of steps: stack "
                        f"them with tf.stack(steps, axis={0 if time_major else 1})), got "
                        f"{_checks.describe_value(inputs)}.")
    rnn_cell._check_float("stack_bidirectional_dynamic_rnn", "inputs", inputs)
    shape = inputs.get_shape()
    if shape.rank is not None and (shape.rank < 3 or shape.as_list()[-1] is None):
        raise ValueError(f"`inputs` must be a {layout} Tensor with a static depth, got shape "
                         f"{_checks.describe_shape(inputs)}.")
    if sequence_length is not None:
        batch = _checks.static_dim(inputs, 1 if time_major else 0) if shape.rank else None
        _checks.check_lengths(sequence_length, "sequence_length", batch)


def stack_bidirectional_rnn(cells_fw: list, cells_bw: list, inputs: Sequence[Any],
                            initial_states_fw: Optional[list] = None,
                            initial_states_bw: Optional[list] = None, dtype: Any = None,
                            sequence_length: Any = None, scope: Any = None) -> tuple:
    """Stacked bidirectional static RNNs: each layer reads the previous layer's concat outputs.

    Layer ``i`` is a `static_bidirectional_rnn` in scope
    ``stack_bidirectional_rnn/cell_<i>`` (or ``<scope>/cell_<i>``), so its
    variables are ``.../cell_<i>/fw/<cell scope>/...`` and ``.../bw/...``.

    Args:
      cells_fw: List of forward cells, one per layer.
      cells_bw: List of backward cells, one per layer.
      inputs: List of [batch, depth] Tensors, one per step.
      initial_states_fw: Optional list of forward initial states, one per layer.
      initial_states_bw: Optional list of backward initial states, one per layer.
      dtype: dtype of the zero initial states.
      sequence_length: Optional [batch] lengths.
      scope: Variable scope (default ``stack_bidirectional_rnn``).

    Returns:
      ``(outputs, states_fw, states_bw)``: the last layer's per-step
      concatenated outputs, and tuples of each layer's final states.

    Raises:
      ValueError: for empty or non-list cells, different depths, or initial
        states that are not one per layer.

    Compatibility: TF 1.15's ``tf.contrib.rnn.stack_bidirectional_rnn``: same
    signature, scopes (``stack_bidirectional_rnn/cell_<i>/...``),
    variable names and numbers.
    """
    _check_stack_args(cells_fw, cells_bw, initial_states_fw, initial_states_bw)
    states_fw, states_bw = [], []
    layer_input = inputs
    with _v1.variable_scope(scope or "stack_bidirectional_rnn"):
        for i, (cell_fw, cell_bw) in enumerate(zip(cells_fw, cells_bw)):
            with _v1.variable_scope(f"cell_{i}") as cell_scope:
                layer_input, state_fw, state_bw = rnn.static_bidirectional_rnn(
                    cell_fw, cell_bw, layer_input,
                    initial_state_fw=initial_states_fw[i] if initial_states_fw else None,
                    initial_state_bw=initial_states_bw[i] if initial_states_bw else None,
                    sequence_length=sequence_length, dtype=dtype, scope=cell_scope)
            states_fw.append(state_fw)
            states_bw.append(state_bw)
    return layer_input, tuple(states_fw), tuple(states_bw)


def stack_bidirectional_dynamic_rnn(cells_fw: list, cells_bw: list, inputs: Any,
                                    initial_states_fw: Optional[list] = None,
                                    initial_states_bw: Optional[list] = None,
                                    dtype: Any = None, sequence_length: Any = None,
                                    parallel_iterations: Optional[int] = None,
                                    time_major: bool = False, scope: Any = None) -> tuple:
    """Stacked bidirectional dynamic RNNs (``tf.compat.v1.nn.bidirectional_dynamic_rnn``).

    Layer ``i`` runs in scope ``stack_bidirectional_rnn/cell_<i>`` (or
    ``<scope>/cell_<i>``); its variables are
    ``.../cell_<i>/bidirectional_rnn/fw/<cell scope>/...`` and ``.../bw/...``;
    its forward and backward outputs are concatenated on the last axis.

    Args:
      cells_fw: List of forward cells, one per layer.
      cells_bw: List of backward cells, one per layer.
      inputs: [batch, time, depth] Tensor ([time, batch, depth] if `time_major`).
      initial_states_fw: Optional list of forward initial states, one per layer.
      initial_states_bw: Optional list of backward initial states, one per layer.
      dtype: dtype of the zero initial states.
      sequence_length: Optional [batch] lengths.
      parallel_iterations: Passed to the dynamic RNN (default 32).
      time_major: Layout of `inputs` and of the outputs.
      scope: Variable scope (default ``stack_bidirectional_rnn``).

    Returns:
      ``(outputs, states_fw, states_bw)``: the last layer's concatenated
      outputs, and tuples of each layer's final states.

    Raises:
      ValueError: for empty or non-list cells, different depths, or initial
        states that are not one per layer.

    Compatibility: TF 1.15's ``tf.contrib.rnn.stack_bidirectional_dynamic_rnn``:
    same signature, scopes, variable names and numbers (it runs TensorFlow's own
    ``tf.compat.v1.nn.bidirectional_dynamic_rnn`` per layer, as TF 1.15 did).
    """
    _check_stack_args(cells_fw, cells_bw, initial_states_fw, initial_states_bw)
    _check_dynamic_args(inputs, sequence_length, parallel_iterations, time_major)
    states_fw, states_bw = [], []
    layer_input = inputs
    with _v1.variable_scope(scope or "stack_bidirectional_rnn"):
        for i, (cell_fw, cell_bw) in enumerate(zip(cells_fw, cells_bw)):
            with _v1.variable_scope(f"cell_{i}"):
                outputs, (state_fw, state_bw) = _v1.nn.bidirectional_dynamic_rnn(
                    cell_fw, cell_bw, layer_input,
                    initial_state_fw=initial_states_fw[i] if initial_states_fw else None,
                    initial_state_bw=initial_states_bw[i] if initial_states_bw else None,
                    sequence_length=sequence_length, parallel_iterations=parallel_iterations,
                    dtype=dtype, time_major=time_major)
                layer_input = tf.concat(outputs, 2)
            states_fw.append(state_fw)
            states_bw.append(state_bw)
    return layer_input, tuple(states_fw), tuple(states_bw)


# -- shared pieces of the cells ------------------------------------------------------------


def _layer_norm(inputs: tf.Tensor, scope: str, gain: float, shift: float,
                dtype: Any = tf.float32) -> tf.Tensor:
    """contrib's layer norm over the last axis, with ``<scope>/gamma`` and ``<scope>/beta``.

    The two variables are created (gamma first) in the sub-scope `scope` of the
    current scope, gamma starting at `gain` and beta at `shift`.
    """
    depth = inputs.get_shape()[-1:]
    with _v1.variable_scope(scope):
        gamma = _v1.get_variable("gamma", shape=depth, dtype=dtype,
                                 initializer=_v1.constant_initializer(gain))
        beta = _v1.get_variable("beta", shape=depth, dtype=dtype,
                                initializer=_v1.constant_initializer(shift))
    epsilon = 1e-3 if inputs.dtype == tf.float16 else _LAYER_NORM_EPSILON
    mean, variance = tf.nn.moments(inputs, [inputs.get_shape().rank - 1], keepdims=True)
    return tf.nn.batch_normalization(inputs, mean, variance, offset=beta, scale=gamma,
                                     variance_epsilon=epsilon)


def _sharded_matrix(name: str, shape: list, dtype: Any, num_shards: int) -> tf.Tensor:
    """``<name>_0`` ... ``<name>_<k-1>``: `shape` split by rows, concatenated back.

    The first ``rows % num_shards`` shards get one extra row, as in TF 1.15.
    """
    rows = shape[0]
    if num_shards > rows:
        raise ValueError(f"Too many shards for {name}: {num_shards} shards for {rows} rows "
                         f"(shape {shape}); use at most {rows}.")
    base, extra = divmod(rows, num_shards)
    shards = [_v1.get_variable(f"{name}_{i}", [base + (1 if i < extra else 0)] + shape[1:],
                               dtype=dtype)
              for i in range(num_shards)]
    if len(shards) == 1:
        return shards[0]
    return tf.concat(shards, 0, name=name + "/concat")


def _input_depth(inputs: tf.Tensor) -> int:
    if inputs.get_shape().rank not in (None, 2):
        raise ValueError("`inputs` must have rank 2 [batch_size, input_depth], got shape "
                         f"{_checks.describe_shape(inputs)}.")
    depth = tf.compat.dimension_value(inputs.get_shape().with_rank(2)[1])
    if depth is None:
        raise ValueError("Could not infer input size from inputs.get_shape()[-1] (the input "
                         f"depth must be static), got shape {_checks.describe_shape(inputs)}.")
    return depth


class _CheckedCall:
    """Checks of every call, as the core cells make them: the state's structure and batch.

    The state must be Tensors matching `state_size`, float, with the batch size
    of the inputs (TF 1.15 failed inside an op, or with an AttributeError).
    """

    _describe = rnn_cell.LayerRNNCell._describe
    _check_state = rnn_cell.LayerRNNCell._check_state
    _check_batch = rnn_cell.LayerRNNCell._check_batch


def _check_matrix_inputs(cell: Any, inputs: Any, name: str = "inputs") -> None:
    """Float, rank-2 `inputs` (the first call also needs a static depth)."""
    if not (hasattr(inputs, "dtype") and hasattr(inputs, "get_shape")):
        raise TypeError(f"`{name}` of {cell._describe()} must be a [batch_size, input_depth] "
                        f"Tensor, got {_checks.describe_value(inputs)}.")
    rnn_cell._check_float(cell._describe(), name, inputs)
    if inputs.get_shape().rank not in (None, 2):
        raise ValueError(f"`{name}` of {cell._describe()} must have rank 2 [batch_size, "
                         f"input_depth], got shape {_checks.describe_shape(inputs)}.")


class _ContribCell(_CheckedCall, rnn_cell.RNNCell):
    """A TF 1.15 contrib cell that was a plain RNNCell: float inputs, variables made in call."""

    def _check_call_inputs(self, inputs: Any) -> None:
        _check_matrix_inputs(self, inputs)

    def _check_inputs(self, inputs: Any) -> None:
        _input_depth(inputs)


def _lstm_sizes(num_units: int, num_proj: Optional[int], state_is_tuple: bool = True) -> tuple:
    """(state_size, output_size) of an LSTM with an optional projection."""
    out = num_proj if num_proj else num_units
    if state_is_tuple:
        return rnn_cell.LSTMStateTuple(num_units, out), out
    return num_units + out, out


# -- cells -----------------------------------------------------------------------------------


class CoupledInputForgetGateLSTMCell(rnn_cell._FixedSizes, _ContribCell):
    """An LSTM whose input gate is one minus its forget gate (Greff et al., 2015).

    ``j, f, o = split([x, m] @ W + B)``; ``f' = sigmoid(f + forget_bias
    [+ W_F_diag * c])``; ``c' = f' * c + (1 - f') * act(j)``;
    ``m' = sigmoid(o [+ W_O_diag * c']) * act(c')``, then optionally
    ``m' @ W_P`` clipped to `proj_clip`. With `layer_norm`, ``j``, ``f``, ``o``
    (scopes ``transform``, ``forget``, ``output``) and ``c'`` (``state``) are
    layer-normalized and the bias is not added (it is still created).

    Variables, in creation order: ``W_0`` ... (the kernel [input_depth +
    output_size, 3 * num_units] split by rows into `num_unit_shards`), ``B``
    [3 * num_units] (zeros), the layer-norm ``gamma``/``beta`` pairs,
    ``W_F_diag`` and ``W_O_diag`` [num_units], the ``state`` pair, then
    ``W_P_0`` ... [num_units, num_proj]. All in scope
    ``coupled_input_forget_gate_lstm_cell``.

    Args:
      num_units: Number of units.
      use_peepholes: Adds the forget and output peepholes.
      initializer: Accepted and unused, as in TF 1.15 (set an initializer on
        the enclosing variable scope instead).
      num_proj: If set, the output is projected to this size.
      proj_clip: If set with `num_proj`, the projection is clipped.
      num_unit_shards: Number of row shards of the kernel.
      num_proj_shards: Number of row shards of the projection.
      forget_bias: Added to the forget gate's pre-activation.
      state_is_tuple: `LSTMStateTuple(c, m)` if True, else ``[c, m]`` concatenated.
      activation: Nonlinearity (tanh).
      reuse: Whether to reuse existing variables.
      layer_norm: Applies layer normalization.
      norm_gain: Initial layer-norm gain.
      norm_shift: Initial layer-norm shift.

    Compatibility: TF 1.15's ``tf.contrib.rnn.CoupledInputForgetGateLSTMCell``:
    same signature, variables and numbers.
    """

    def __init__(self, num_units: int, use_peepholes: bool = False, initializer: Any = None,
                 num_proj: Optional[int] = None, proj_clip: Any = None,
                 num_unit_shards: int = 1, num_proj_shards: int = 1, forget_bias: float = 1.0,
                 state_is_tuple: bool = True, activation: Callable = tf.tanh, reuse: Any = None,
                 layer_norm: bool = False, norm_gain: float = 1.0,
                 norm_shift: float = 0.0) -> None:
        super().__init__(_reuse=reuse)
        if not state_is_tuple:
            _log.warning("%s: Using a concatenated state is slower and will soon be "
                         "deprecated.  Use state_is_tuple=True.", self._base_name)
        self._num_units = _checks.check_positive_int(num_units, "num_units")
        self._use_peepholes = use_peepholes
        self._initializer = initializer
        self._num_proj = _checks.check_optional_positive_int(num_proj, "num_proj")
        self._proj_clip = proj_clip
        self._num_unit_shards = _checks.check_positive_int(num_unit_shards, "num_unit_shards")
        self._num_proj_shards = _checks.check_positive_int(num_proj_shards, "num_proj_shards")
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = activation
        self._layer_norm = layer_norm
        self._norm_gain = norm_gain
        self._norm_shift = norm_shift
        self._state_size, self._output_size = _lstm_sizes(num_units, num_proj, state_is_tuple)

    def _norm(self, value: tf.Tensor, scope: str) -> tf.Tensor:
        return _layer_norm(value, scope, self._norm_gain, self._norm_shift)

    def call(self, inputs: tf.Tensor, state: Any) -> tuple:
        units = self._num_units
        out = self._output_size
        if self._state_is_tuple:
            c_prev, m_prev = state
        else:
            c_prev = tf.slice(state, [0, 0], [-1, units])
            m_prev = tf.slice(state, [0, units], [-1, out])
        dtype = inputs.dtype
        kernel = _sharded_matrix("W", [_input_depth(inputs) + out, 3 * units], dtype,
                                 self._num_unit_shards)
        bias = _v1.get_variable("B", shape=[3 * units], dtype=dtype,
                                initializer=_v1.zeros_initializer())
        gates = tf.matmul(tf.concat([inputs, m_prev], 1), kernel)
        if not self._layer_norm:
            gates = tf.nn.bias_add(gates, bias)
        j, f, o = tf.split(gates, num_or_size_splits=3, axis=1)
        if self._layer_norm:
            j = self._norm(j, "transform")
            f = self._norm(f, "forget")
            o = self._norm(o, "output")
        if self._use_peepholes:
            w_f_diag = _v1.get_variable("W_F_diag", shape=[units], dtype=dtype)
            w_o_diag = _v1.get_variable("W_O_diag", shape=[units], dtype=dtype)
            forget = tf.sigmoid(f + self._forget_bias + w_f_diag * c_prev)
        else:
            forget = tf.sigmoid(f + self._forget_bias)
        c = forget * c_prev + (1 - forget) * self._activation(j)
        if self._layer_norm:
            c = self._norm(c, "state")
        if self._use_peepholes:
            m = tf.sigmoid(o + w_o_diag * c) * self._activation(c)
        else:
            m = tf.sigmoid(o) * self._activation(c)
        if self._num_proj is not None:
            projection = _sharded_matrix("W_P", [units, self._num_proj], dtype,
                                         self._num_proj_shards)
            m = tf.matmul(m, projection)
            if self._proj_clip is not None:
                m = tf.clip_by_value(m, -self._proj_clip, self._proj_clip)
        if self._state_is_tuple:
            return m, rnn_cell.LSTMStateTuple(c, m)
        return m, tf.concat([c, m], 1)


def _batch_zeros(inputs: tf.Tensor, width: int) -> tf.Tensor:
    batch = tf.compat.dimension_value(inputs.get_shape()[0])
    if batch is None:
        batch = tf.shape(inputs)[0]
    return tf.zeros(tf.stack([batch, width]), dtype=inputs.dtype)


def _frequency_slices(inputs: tf.Tensor, size: int, skip: int, start: int = 0,
                      width: Optional[int] = None) -> list:
    """The windows ``inputs[:, start + k*skip : start + k*skip + size]`` that fit in `width`."""
    width = _input_depth(inputs) - start if width is None else width
    count = (width - size) // skip + 1
    return [inputs[:, start + k * skip:start + k * skip + size] for k in range(count)]


class TimeFreqLSTMCell(rnn_cell._FixedSizes, _ContribCell):
    """An LSTM that also recurs over frequency (Sainath & Li, 2016).

    The input is cut into windows of `feature_size` every `frequency_skip`
    features; window ``k`` runs an LSTM step (one shared kernel) from its own
    previous time state ``(c_k, m_k)`` and the output ``m`` of window ``k-1``
    at this time step (zeros for the first). The output concatenates the
    windows' ``m``; the state concatenates their ``(c, m)``.

    Variables, in creation order, in scope ``time_freq_lstm_cell``: ``W_0`` ...
    (kernel [feature_size + 2 * num_units, 4 * num_units] in
    `num_unit_shards` row shards), ``B`` [4 * num_units] (zeros), and with
    peepholes ``W_F_diag``, ``W_I_diag``, ``W_O_diag`` [num_units].

    Args:
      num_units: Number of units per window.
      use_peepholes: Adds the diagonal peephole connections.
      cell_clip: If set, each cell state is clipped to ``[-cell_clip, cell_clip]``.
      initializer: Accepted and unused, as in TF 1.15.
      num_unit_shards: Number of row shards of the kernel.
      forget_bias: Added to the forget gate's pre-activation.
      feature_size: Width of a frequency window.
      frequency_skip: Stride between windows.
      reuse: Whether to reuse existing variables.

    Compatibility: TF 1.15's ``tf.contrib.rnn.TimeFreqLSTMCell``: same
    signature, variables and numbers; like TF 1.15, `state_size` (2 *
    num_units) and `output_size` (num_units) describe one window, while the
    state and output hold one per window.
    """

    def __init__(self, num_units: int, use_peepholes: bool = False, cell_clip: Any = None,
                 initializer: Any = None, num_unit_shards: int = 1, forget_bias: float = 1.0,
                 feature_size: Optional[int] = None, frequency_skip: int = 1,
                 reuse: Any = None) -> None:
        super().__init__(_reuse=reuse)
        self._num_units = _checks.check_positive_int(num_units, "num_units")
        self._use_peepholes = use_peepholes
        self._cell_clip = cell_clip
        self._initializer = initializer
        self._num_unit_shards = _checks.check_positive_int(num_unit_shards, "num_unit_shards")
        self._forget_bias = forget_bias
        self._feature_size = _checks.check_positive_int(feature_size, "feature_size")
        self._frequency_skip = _checks.check_positive_int(frequency_skip, "frequency_skip")
        self._state_size, self._output_size = 2 * self._num_units, self._num_units

    def _check_state(self, state: Any) -> None:
        # The state is 2 * num_units per frequency window (state_size says one window).
        if not (hasattr(state, "dtype") and hasattr(state, "get_shape")):
            raise TypeError(f"`state` of {self._describe()} must be a [batch_size, 2 * "
                            f"num_units * windows] Tensor, got {_checks.describe_value(state)}.")
        rnn_cell._check_float(self._describe(), "state", state)
        if state.get_shape().rank not in (None, 2):
            raise ValueError(f"`state` of {self._describe()} must have rank 2 [batch_size, 2 * "
                             f"num_units * windows], got shape {_checks.describe_shape(state)}.")

    def _check_batch(self, inputs: Any, state: Any) -> None:
        _CheckedCall._check_batch(self, inputs, state)
        depth = tf.compat.dimension_value(inputs.get_shape()[-1])
        width = _checks.static_dim(state, 1) if state.get_shape().rank else None
        if depth is None or width is None or depth < self._feature_size:
            return
        windows = (depth - self._feature_size) // self._frequency_skip + 1
        if width != 2 * self._num_units * windows:
            raise ValueError(
                f"`state` of {self._describe()} must be [batch_size, 2 * num_units * windows] "
                f"= [batch_size, {2 * self._num_units * windows}] for inputs of depth {depth} "
                f"({windows} frequency window(s)), got shape {_checks.describe_shape(state)}.")

    def call(self, inputs: tf.Tensor, state: tf.Tensor) -> tuple:
        n = self._num_units
        dtype = inputs.dtype
        windows = _frequency_slices(inputs, self._feature_size, self._frequency_skip)
        kernel = _sharded_matrix("W", [self._feature_size + 2 * n, 4 * n], dtype,
                                 self._num_unit_shards)
        bias = _v1.get_variable("B", shape=[4 * n], dtype=dtype,
                                initializer=_v1.zeros_initializer())
        if self._use_peepholes:
            w_f, w_i, w_o = (_v1.get_variable(f"W_{g}_diag", shape=[n], dtype=dtype)
                             for g in "FIO")
        m_freq = _batch_zeros(inputs, n)
        outputs, states = [], []
        for k, window in enumerate(windows):
            c_prev = state[:, 2 * k * n:(2 * k + 1) * n]
            m_prev = state[:, (2 * k + 1) * n:(2 * k + 2) * n]
            z = tf.nn.bias_add(tf.matmul(tf.concat([window, m_prev, m_freq], 1), kernel), bias)
            i, j, f, o = tf.split(z, 4, axis=1)
            if self._use_peepholes:
                c = (tf.sigmoid(f + self._forget_bias + w_f * c_prev) * c_prev
                     + tf.sigmoid(i + w_i * c_prev) * tf.tanh(j))
            else:
                c = tf.sigmoid(f + self._forget_bias) * c_prev + tf.sigmoid(i) * tf.tanh(j)
            if self._cell_clip is not None:
                c = tf.clip_by_value(c, -self._cell_clip, self._cell_clip)
            if self._use_peepholes:
                m = tf.sigmoid(o + w_o * c) * tf.tanh(c)
            else:
                m = tf.sigmoid(o) * tf.tanh(c)
            m_freq = m
            states += [c, m]
            outputs.append(m)
        return tf.concat(outputs, 1), tf.concat(states, 1)


class GridLSTMCell(rnn_cell._FixedSizes, _ContribCell):
    """The grid LSTM over time and frequency (Kalchbrenner et al., 2016; Sainath & Li, 2016).

    The input is cut into frequency windows (`feature_size` wide, every
    `frequency_skip`, within each block of `start_freqindex_list` /
    `end_freqindex_list`, or over the whole input). For window ``k`` of block
    ``b``, ``x = [window, m_time_prev, m_freq]`` feeds two LSTMs: the
    frequency LSTM (``W_f_<b>``, ``B_f_<b>``), whose ``(c, m)`` go on to
    window ``k+1``, and the time LSTM (``W_t_<b>``, ``B_t_<b>``, or the
    frequency weights when `share_time_frequency_weights`), whose ``(c, m)``
    are this window's new state. Gates are ``i, j, f, o`` (``i, j, o`` with
    ``f = 1 - i`` when `couple_input_forget_gates`); peepholes see both the
    frequency and the time cell. The output concatenates ``[m_time, m_freq]``
    of every window.

    Variables, in creation order, per block ``b``, in scope
    ``grid_lstm_cell``: ``W_f_<b>_0`` ... (kernel [feature_size + 2 *
    num_units, G * num_units], G = 4 or 3, in row shards), ``B_f_<b>``, then
    unless shared ``W_t_<b>_0`` ..., ``B_t_<b>``, then with peepholes
    ``W_{F,I,O}_diag_freq{f,t}_<b>`` and unless shared
    ``W_{F,I,O}_diag_time{f,t}_<b>`` (no ``F`` ones when coupled) [num_units].

    Args:
      num_units: Number of units of each LSTM.
      use_peepholes: Adds the peephole connections.
      share_time_frequency_weights: The time LSTM uses the frequency weights.
      cell_clip: If set, the cell states are clipped.
      initializer: Accepted and unused, as in TF 1.15.
      num_unit_shards: Number of row shards of each kernel.
      forget_bias: Added to the forget gates' pre-activations.
      feature_size: Width of a frequency window.
      frequency_skip: Stride between windows.
      num_frequency_blocks: Number of windows of each block (required).
      start_freqindex_list: First input feature of each block.
      end_freqindex_list: End (exclusive) of each block.
      couple_input_forget_gates: ``f = 1 - i``.
      state_is_tuple: State is a ``GridLSTMStateTuple`` (fields
        ``state_f<kk>_b<bb>_c`` / ``_m``) if True, else concatenated.
      reuse: Whether to reuse existing variables.

    Raises:
      ValueError: without `num_frequency_blocks`; at the first call, when the
        windows do not match `num_frequency_blocks`.

    Compatibility: TF 1.15's ``tf.contrib.rnn.GridLSTMCell``: same signature,
    variables and numbers (including TF 1.15's reading of a concatenated
    state, which indexes windows from 0 in every block).
    """

    def __init__(self, num_units: int, use_peepholes: bool = False,
                 share_time_frequency_weights: bool = False, cell_clip: Any = None,
                 initializer: Any = None, num_unit_shards: int = 1, forget_bias: float = 1.0,
                 feature_size: Optional[int] = None, frequency_skip: Optional[int] = None,
                 num_frequency_blocks: Optional[Sequence[int]] = None,
                 start_freqindex_list: Optional[Sequence[int]] = None,
                 end_freqindex_list: Optional[Sequence[int]] = None,
                 couple_input_forget_gates: bool = False, state_is_tuple: bool = True,
                 reuse: Any = None) -> None:
        super().__init__(_reuse=reuse)
        if not state_is_tuple:
            _log.warning("%s: Using a concatenated state is slower and will soon be "
                         "deprecated.  Use state_is_tuple=True.", self._base_name)
        if num_frequency_blocks is None:
            raise ValueError("Must specify num_frequency_blocks (the number of frequency "
                             "windows of each block), got None.")
        self._num_units = _checks.check_positive_int(num_units, "num_units")
        self._use_peepholes = use_peepholes
        self._share_time_frequency_weights = share_time_frequency_weights
        self._couple_input_forget_gates = couple_input_forget_gates
        self._state_is_tuple = state_is_tuple
        self._cell_clip = cell_clip
        self._initializer = initializer
        self._num_unit_shards = _checks.check_positive_int(num_unit_shards, "num_unit_shards")
        self._forget_bias = forget_bias
        self._feature_size = _checks.check_optional_positive_int(feature_size, "feature_size")
        self._frequency_skip = _checks.check_optional_positive_int(frequency_skip,
                                                                   "frequency_skip")
        self._start_freqindex_list = start_freqindex_list
        self._end_freqindex_list = end_freqindex_list
        self._num_frequency_blocks = _checks.check_int_list(num_frequency_blocks,
                                                            "num_frequency_blocks")
        self._total_blocks = sum(int(b) for b in self._num_frequency_blocks)
        self._state_tuple_type = (self._make_tuple_type("GridLSTMStateTuple", ("state",))
                                  if state_is_tuple else None)
        if state_is_tuple:
            self._state_size = self._state_tuple_type(*([num_units] * 2 * self._total_blocks))
        else:
            self._state_size = num_units * self._total_blocks * 2
        self._output_size = num_units * self._total_blocks * 2

    def _make_tuple_type(self, type_name: str, prefixes: Sequence[str]) -> type:
        fields = []
        for prefix in prefixes:
            for block, count in enumerate(self._num_frequency_blocks):
                for k in range(count):
                    fields += [f"{prefix}_f{k:02d}_b{block:02d}_c",
                               f"{prefix}_f{k:02d}_b{block:02d}_m"]
        return collections.namedtuple(type_name, fields)

    @property
    def state_tuple_type(self) -> Optional[type]:
        """The namedtuple class of the state (None with a concatenated state)."""
        return self._state_tuple_type

    def _make_tf_features(self, inputs: tf.Tensor, slice_offset: int = 0) -> list:
        """The frequency windows of each block (a list per block)."""
        depth = _input_depth(inputs)
        if slice_offset > 0:
            inputs = tf.pad(inputs, [[0, 0], [0, slice_offset]])
        elif slice_offset < 0:
            inputs = tf.pad(inputs, [[0, 0], [-slice_offset, 0]])
            slice_offset = 0
        if not self._start_freqindex_list:
            if len(self._num_frequency_blocks) != 1:
                raise ValueError("Without start_freqindex_list, num_frequency_blocks must "
                                 f"have one entry, got {self._num_frequency_blocks}.")
            ranges = [(0, depth)]
        else:
            if len(self._start_freqindex_list) != len(self._end_freqindex_list) or len(
                    self._num_frequency_blocks) != len(self._start_freqindex_list):
                raise ValueError(
                    "start_freqindex_list, end_freqindex_list and num_frequency_blocks must "
                    f"have one entry per block, got {self._start_freqindex_list}, "
                    f"{self._end_freqindex_list}, {self._num_frequency_blocks}.")
            ranges = list(zip(self._start_freqindex_list, self._end_freqindex_list))
        blocks = []
        for b, (start, end) in enumerate(ranges):
            windows = _frequency_slices(inputs, self._feature_size, self._frequency_skip,
                                        start + slice_offset, end - start)
            if len(windows) != self._num_frequency_blocks[b]:
                raise ValueError(
                    f"Invalid num_frequency_blocks, requires {self._num_frequency_blocks[b]} "
                    f"but gets {len(windows)}, please check the input size and filter config "
                    "are correct.")
            blocks.append(windows)
        return blocks

    def _peepholes(self, block: int, dtype: Any) -> dict:
        diag = {}
        kinds = ("freq",) if self._share_time_frequency_weights else ("freq", "time")
        for kind in kinds:
            for gate in ("F", "I", "O"):
                if gate == "F" and self._couple_input_forget_gates:
                    continue
                for source in ("f", "t"):
                    diag[kind, gate, source] = _v1.get_variable(
                        f"W_{gate}_diag_{kind}{source}_{block}", shape=[self._num_units],
                        dtype=dtype)
        return diag

    def _compute(self, freq_inputs: list, block: int, state: Any, batch_size: Any,
                 state_prefix: str = "state", state_is_tuple: bool = True) -> tuple:
        """One time step of block `block`: (outputs list, state list)."""
        n = self._num_units
        gates = 3 if self._couple_input_forget_gates else 4
        dtype = freq_inputs[0].dtype
        depth = freq_inputs[0].get_shape().as_list()[1]
        shape = [depth + 2 * n, gates * n]
        w_f = _sharded_matrix(f"W_f_{block}", shape, dtype, self._num_unit_shards)
        b_f = _v1.get_variable(f"B_f_{block}", shape=[gates * n], dtype=dtype,
                               initializer=_v1.zeros_initializer())
        if not self._share_time_frequency_weights:
            w_t = _sharded_matrix(f"W_t_{block}", shape, dtype, self._num_unit_shards)
            b_t = _v1.get_variable(f"B_t_{block}", shape=[gates * n], dtype=dtype,
                                   initializer=_v1.zeros_initializer())
        diag = self._peepholes(block, dtype) if self._use_peepholes else {}
        time_kind = "freq" if self._share_time_frequency_weights else "time"

        def peep(kind: str, gate: str, c_freq: Any, c_time: Any) -> Any:
            if not diag:
                return 0.0
            return diag[kind, gate, "f"] * c_freq + diag[kind, gate, "t"] * c_time

        def split(z: tf.Tensor) -> tuple:
            parts = tf.split(z, gates, axis=1)
            if self._couple_input_forget_gates:
                return parts[0], parts[1], None, parts[2]
            return tuple(parts)

        def new_cell(kind: str, parts: tuple, c_prev: Any, c_freq: Any, c_time: Any) -> Any:
            i, j, f, _ = parts
            in_gate = tf.sigmoid(i + peep(kind, "I", c_freq, c_time))
            if self._couple_input_forget_gates:
                forget = 1.0 - in_gate
            else:
                forget = tf.sigmoid(f + self._forget_bias + peep(kind, "F", c_freq, c_time))
            c = forget * c_prev + in_gate * tf.tanh(j)
            if self._cell_clip is not None:
                c = tf.clip_by_value(c, -self._cell_clip, self._cell_clip)
            return c

        m_prev_freq = tf.zeros(tf.stack([batch_size, n]), dtype)
        c_prev_freq = tf.zeros(tf.stack([batch_size, n]), dtype)
        outputs, states = [], []
        for k, window in enumerate(freq_inputs):
            if state_is_tuple:
                name = f"{state_prefix}_f{k:02d}_b{block:02d}"
                c_prev_time = getattr(state, name + "_c")
                m_prev_time = getattr(state, name + "_m")
            else:
                c_prev_time = state[:, 2 * k * n:(2 * k + 1) * n]
                m_prev_time = state[:, (2 * k + 1) * n:(2 * k + 2) * n]
            x = tf.concat([window, m_prev_time, m_prev_freq], 1)
            parts_f = split(tf.nn.bias_add(tf.matmul(x, w_f), b_f))
            parts_t = (parts_f if self._share_time_frequency_weights
                       else split(tf.nn.bias_add(tf.matmul(x, w_t), b_t)))
            c_freq = new_cell("freq", parts_f, c_prev_freq, c_prev_freq, c_prev_time)
            c_time = new_cell(time_kind, parts_t, c_prev_time, c_prev_freq, c_prev_time)
            m_freq = tf.sigmoid(parts_f[3] + peep("freq", "O", c_freq, c_time)) * tf.tanh(c_freq)
            m_time = (tf.sigmoid(parts_t[3] + peep(time_kind, "O", c_freq, c_time))
                      * tf.tanh(c_time))
            m_prev_freq, c_prev_freq = m_freq, c_freq
            states += [c_time, m_time]
            outputs += [m_time, m_freq]
        return outputs, states

    def _batch_size(self, inputs: tf.Tensor) -> Any:
        batch = tf.compat.dimension_value(inputs.get_shape()[0])
        return batch if batch is not None else tf.shape(inputs)[0]

    def _as_state_tuple(self, state: Any) -> Any:
        """A plain list or tuple of the state fields, as the state's namedtuple."""
        if self._state_is_tuple and isinstance(state, (list, tuple)) and \
                not hasattr(state, "_fields"):
            return self._state_tuple_type(*state)
        return state

    def call(self, inputs: tf.Tensor, state: Any) -> tuple:
        state = self._as_state_tuple(state)
        batch = self._batch_size(inputs)
        outputs, states = [], []
        for block, windows in enumerate(self._make_tf_features(inputs)):
            block_out, block_states = self._compute(windows, block, state, batch,
                                                    state_is_tuple=self._state_is_tuple)
            outputs += block_out
            states += block_states
        if self._state_is_tuple:
            new_state = self._state_tuple_type(*states)
        else:
            new_state = tf.concat(states, 1)
        return tf.concat(outputs, 1), new_state


class BidirectionalGridLSTMCell(GridLSTMCell):
    """`GridLSTMCell` run over the frequency windows forwards and backwards.

    The forward pass (scope ``fwd``) is a `GridLSTMCell` step; the backward
    pass (scope ``bwd``, its own weights) reads each block's windows in
    reverse order, from the input padded at the end by `backward_slice_offset`
    and shifted by it. The state is a ``BidirectionalGridLSTMStateTuple``
    (``fwd_state_...`` then ``bwd_state_...`` fields); the output
    concatenates the forward then the backward outputs.

    Variables: those of `GridLSTMCell` under ``fwd/`` and again under ``bwd/``,
    in scope ``bidirectional_grid_lstm_cell``.

    Args:
      backward_slice_offset: Offset of the backward pass's windows.
      (the others): as for `GridLSTMCell`; the state is always a tuple.

    Compatibility: TF 1.15's ``tf.contrib.rnn.BidirectionalGridLSTMCell``:
    same signature, variables and numbers.
    """

    def __init__(self, num_units: int, use_peepholes: bool = False,
                 share_time_frequency_weights: bool = False, cell_clip: Any = None,
                 initializer: Any = None, num_unit_shards: int = 1, forget_bias: float = 1.0,
                 feature_size: Optional[int] = None, frequency_skip: Optional[int] = None,
                 num_frequency_blocks: Optional[Sequence[int]] = None,
                 start_freqindex_list: Optional[Sequence[int]] = None,
                 end_freqindex_list: Optional[Sequence[int]] = None,
                 couple_input_forget_gates: bool = False, backward_slice_offset: int = 0,
                 reuse: Any = None) -> None:
        super().__init__(num_units, use_peepholes, share_time_frequency_weights, cell_clip,
                         initializer, num_unit_shards, forget_bias, feature_size,
                         frequency_skip, num_frequency_blocks, start_freqindex_list,
                         end_freqindex_list, couple_input_forget_gates, True, reuse)
        self._backward_slice_offset = int(backward_slice_offset)
        self._state_tuple_type = self._make_tuple_type("BidirectionalGridLSTMStateTuple",
                                                       ("fwd_state", "bwd_state"))
        self._state_size = self._state_tuple_type(*([num_units] * 4 * self._total_blocks))
        self._output_size = 2 * num_units * self._total_blocks * 2

    def call(self, inputs: tf.Tensor, state: Any) -> tuple:
        batch = self._batch_size(inputs)
        forward = self._make_tf_features(inputs)
        state = self._as_state_tuple(state)
        backward = (self._make_tf_features(inputs, self._backward_slice_offset)
                    if self._backward_slice_offset else forward)
        outputs, states = [], []
        for scope, blocks, prefix, reverse in (("fwd", forward, "fwd_state", False),
                                               ("bwd", backward, "bwd_state", True)):
            with _v1.variable_scope(scope):
                for block, windows in enumerate(blocks):
                    block_out, block_states = self._compute(
                        windows[::-1] if reverse else windows, block, state, batch,
                        state_prefix=prefix, state_is_tuple=True)
                    outputs += block_out
                    states += block_states
        return tf.concat(outputs, 1), self._state_tuple_type(*states)


class LayerNormBasicLSTMCell(rnn_cell._FixedSizes, _ContribCell):
    """A basic LSTM with layer normalization and recurrent dropout.

    ``i, j, f, o = split([x, h] @ kernel [+ bias])``; with `layer_norm` each of
    them is layer-normalized (scopes ``input``, ``transform``, ``forget``,
    ``output``) and there is no bias; ``g = act(j)``, dropped out with
    `dropout_keep_prob`; ``c' = c * sigmoid(f + forget_bias) + sigmoid(i) * g``,
    layer-normalized (``state``); ``h' = act(c') * sigmoid(o)``.

    Variables, in creation order, in scope ``layer_norm_basic_lstm_cell``:
    ``kernel`` [input_depth + num_units, 4 * num_units], ``bias`` [4 *
    num_units] only without layer norm (both with the scope's initializer,
    else Glorot uniform: TF 1.15 gave the bias no initializer of its own),
    then ``input/gamma``, ``input/beta``, ``transform/...``, ``forget/...``,
    ``output/...``, ``state/gamma``, ``state/beta`` [num_units].

    Args:
      num_units: Number of units.
      forget_bias: Added to the forget gate's pre-activation.
      input_size: Deprecated and unused (logs a warning).
      activation: Nonlinearity (tanh).
      layer_norm: Applies layer normalization.
      norm_gain: Initial layer-norm gain.
      norm_shift: Initial layer-norm shift.
      dropout_keep_prob: Keep probability of the candidate ``g`` (float or
        scalar Tensor; a float 1.0 adds no dropout).
      dropout_prob_seed: Seed of the dropout.
      reuse: Whether to reuse existing variables.

    Compatibility: TF 1.15's ``tf.contrib.rnn.LayerNormBasicLSTMCell``: same
    signature, variables and numbers.
    """

    def __init__(self, num_units: int, forget_bias: float = 1.0, input_size: Any = None,
                 activation: Callable = tf.tanh, layer_norm: bool = True,
                 norm_gain: float = 1.0, norm_shift: float = 0.0,
                 dropout_keep_prob: Any = 1.0, dropout_prob_seed: Optional[int] = None,
                 reuse: Any = None) -> None:
        super().__init__(_reuse=reuse)
        if input_size is not None:
            _log.warning("%s: The input_size parameter is deprecated.", self._base_name)
        self._num_units = _checks.check_positive_int(num_units, "num_units")
        self._activation = activation
        self._forget_bias = forget_bias
        _checks.check_number(dropout_keep_prob, "dropout_keep_prob", allow_tensor=True)
        if not hasattr(dropout_keep_prob, "dtype") and not 0 < dropout_keep_prob <= 1:
            raise ValueError(f"`dropout_keep_prob` must be in (0, 1], got {dropout_keep_prob!r} "
                             "(1.0 turns dropout off).")
        if dropout_prob_seed is not None:
            _checks.check_int(dropout_prob_seed, "dropout_prob_seed")
        self._keep_prob = dropout_keep_prob
        self._seed = dropout_prob_seed
        self._layer_norm = layer_norm
        self._norm_gain = norm_gain
        self._norm_shift = norm_shift
        self._state_size, self._output_size = _lstm_sizes(self._num_units, None)

    def _norm(self, value: tf.Tensor, scope: str, dtype: Any) -> tf.Tensor:
        return _layer_norm(value, scope, self._norm_gain, self._norm_shift, dtype)

    def call(self, inputs: tf.Tensor, state: Any) -> tuple:
        c, h = state
        args = tf.concat([inputs, h], 1)
        dtype = args.dtype
        width = 4 * self._num_units
        kernel = _v1.get_variable("kernel", [args.get_shape()[-1], width], dtype=dtype)
        gates = tf.matmul(args, kernel)
        if not self._layer_norm:
            bias = _v1.get_variable("bias", [width], dtype=dtype)
            gates = tf.nn.bias_add(gates, bias)
        i, j, f, o = tf.split(gates, num_or_size_splits=4, axis=1)
        if self._layer_norm:
            i = self._norm(i, "input", dtype)
            j = self._norm(j, "transform", dtype)
            f = self._norm(f, "forget", dtype)
            o = self._norm(o, "output", dtype)
        g = self._activation(j)
        if not isinstance(self._keep_prob, float) or self._keep_prob < 1:
            g = _v1.nn.dropout(g, keep_prob=self._keep_prob, seed=self._seed)
        new_c = c * tf.sigmoid(f + self._forget_bias) + tf.sigmoid(i) * g
        if self._layer_norm:
            new_c = self._norm(new_c, "state", dtype)
        new_h = self._activation(new_c) * tf.sigmoid(o)
        return new_h, rnn_cell.LSTMStateTuple(new_c, new_h)


class NASCell(rnn_cell._FixedSizes, rnn_cell.LayerRNNCell):
    """The recurrent cell found by Neural Architecture Search (Zoph & Le, 2017).

    Eight branches ``x @ kernel`` and ``m @ recurrent_kernel [+ bias]`` are
    combined by the searched tree of sigmoid/relu/tanh nodes into the new
    memory ``c'`` and output ``m'`` (optionally ``m' @ projection_weights``).

    Variables, in creation order, in scope ``nas_cell``: ``recurrent_kernel``
    [output_size, 8 * num_units], ``kernel`` [input_depth, 8 * num_units],
    ``bias`` [8 * num_units] (zeros, only with `use_bias`),
    ``projection_weights`` [num_units, num_proj] (only with `num_proj`).

    Args:
      num_units: Number of units.
      num_proj: If set, the output is projected to this size.
      use_bias: Adds a bias to the recurrent branches.
      reuse: Whether to reuse existing variables.
      **kwargs: ``name`` and ``dtype``, as for any layer cell.

    Compatibility: TF 1.15's ``tf.contrib.rnn.NASCell``: same signature (TF
    1.15 spelled the flag `use_bias`; TF <= 1.4 spelled it `use_biases`,
    accepted too), variables and numbers.
    """

    _BRANCHES = 8

    def __init__(self, num_units: int, num_proj: Optional[int] = None, use_bias: bool = False,
                 reuse: Any = None, **kwargs: Any) -> None:
        if "use_biases" in kwargs:
            use_bias = kwargs.pop("use_biases")
        super().__init__(_reuse=reuse, **kwargs)
        self._num_units = _checks.check_positive_int(num_units, "num_units")
        if num_proj is not None:
            _checks.check_positive_int(num_proj, "num_proj")
        self._num_proj = num_proj
        self._use_bias = use_bias
        self._state_size, self._output_size = _lstm_sizes(num_units, num_proj)

    def build(self, inputs_shape: tf.TensorShape) -> None:
        depth = tf.compat.dimension_value(inputs_shape[1])
        width = self._BRANCHES * self._num_units
        self.recurrent_kernel = self.add_variable("recurrent_kernel", [self._output_size, width])
        self.kernel = self.add_variable("kernel", [depth, width])
        if self._use_bias:
            self.bias = self.add_variable("bias", [width], initializer=_v1.zeros_initializer())
        if self._num_proj is not None:
            self.projection_weights = self.add_variable(
                "projection_weights", [self._num_units, self._num_proj])

    def call(self, inputs: tf.Tensor, state: Any) -> tuple:
        c_prev, m_prev = state
        recurrent = tf.matmul(m_prev, self.recurrent_kernel)
        if self._use_bias:
            recurrent = tf.nn.bias_add(recurrent, self.bias)
        m = tf.split(recurrent, self._BRANCHES, axis=1)
        x = tf.split(tf.matmul(inputs, self.kernel), self._BRANCHES, axis=1)
        # The searched tree, leaves first. Branch 3 multiplies instead of adding.
        a0 = tf.sigmoid(x[0] + m[0])
        a1 = tf.nn.relu(x[1] + m[1])
        a2 = tf.sigmoid(x[2] + m[2])
        a3 = tf.nn.relu(x[3] * m[3])
        a4 = tf.tanh(x[4] + m[4])
        a5 = tf.sigmoid(x[5] + m[5])
        a6 = tf.tanh(x[6] + m[6])
        a7 = tf.sigmoid(x[7] + m[7])
        b0 = tf.tanh(tf.tanh(a0 * a1) + c_prev)
        b1 = tf.tanh(a2 + a3)
        b2 = tf.tanh(a4 * a5)
        b3 = tf.sigmoid(a6 + a7)
        new_c = b0 * b1
        new_m = tf.tanh(new_c * tf.tanh(b2 + b3))
        if self._num_proj is not None:
            new_m = tf.matmul(new_m, self.projection_weights)
        return new_m, rnn_cell.LSTMStateTuple(new_c, new_m)


class UGRNNCell(rnn_cell._FixedSizes, rnn_cell._CachedLinears, _ContribCell):
    """The update-gate RNN (Collins et al., 2017): one gate between old state and candidate.

    ``g, c = split([x, h] @ kernel + bias)``; ``u = sigmoid(g + forget_bias)``;
    ``h' = u * h + (1 - u) * act(c)``.

    Variables, in creation order, in scope ``ugrnn_cell``: ``kernel``
    [input_depth + num_units, 2 * num_units] (`initializer`, else the
    scope's, else Glorot uniform), ``bias`` [2 * num_units] (zeros).

    Args:
      num_units: Number of units.
      initializer: Initializer of the kernel.
      forget_bias: Added to the gate's pre-activation.
      activation: Nonlinearity of the candidate (tanh).
      reuse: Whether to reuse existing variables.

    Compatibility: TF 1.15's ``tf.contrib.rnn.UGRNNCell``: same signature,
    variables and numbers.
    """

    _CACHED_LINEARS = ("_linear",)

    def __init__(self, num_units: int, initializer: Any = None, forget_bias: float = 1.0,
                 activation: Callable = tf.tanh, reuse: Any = None) -> None:
        super().__init__(_reuse=reuse)
        self._num_units = _checks.check_positive_int(num_units, "num_units")
        self._initializer = initializer
        self._forget_bias = forget_bias
        self._activation = activation
        self._state_size = self._output_size = self._num_units

    def call(self, inputs: tf.Tensor, state: tf.Tensor) -> tuple:
        with _v1.variable_scope(_v1.get_variable_scope(), initializer=self._initializer):
            joined = tf.concat([inputs, state], 1)
            if self._linear is None:
                self._linear = rnn_cell.Linear(joined, 2 * self._num_units, True)
            gate, candidate = tf.split(self._linear(joined), num_or_size_splits=2, axis=1)
            update = tf.sigmoid(gate + self._forget_bias)
            new_state = update * state + (1.0 - update) * self._activation(candidate)
        return new_state, new_state


class IntersectionRNNCell(rnn_cell._FixedSizes, rnn_cell._CachedLinears, _ContribCell):
    """The intersection RNN (+RNN, Collins et al., 2017): gated paths through time and depth.

    ``gh, h, gy, y = split([x, s] @ kernel + bias)`` (num_units each);
    ``s' = sigmoid(gh + forget_bias) * s + (1 - ...) * tanh(h)`` goes on in
    time, ``y' = sigmoid(gy + forget_bias) * x + (1 - ...) * y_activation(y)``
    goes up in depth (the output). Inputs wider or narrower than `num_units`
    are first projected (``in_projection/kernel`` + ``bias``), which needs
    `num_in_proj`.

    Variables, in creation order, in scope ``intersection_rnn_cell``:
    ``in_projection/kernel`` [input_depth, num_units] and
    ``in_projection/bias`` (only for a projected input), ``kernel``
    [2 * num_units, 4 * num_units], ``bias`` [4 * num_units] (zeros).

    Args:
      num_units: Number of units.
      num_in_proj: Set (to `num_units`) for a first layer whose input depth
        differs from `num_units`.
      initializer: Initializer of the kernels.
      forget_bias: Added to both gates' pre-activations.
      y_activation: Nonlinearity of the depth path (relu).
      reuse: Whether to reuse existing variables.

    Raises:
      ValueError: at the first call, for an input depth different from
        `num_units` without `num_in_proj`.

    Compatibility: TF 1.15's ``tf.contrib.rnn.IntersectionRNNCell``: same
    signature, variables and numbers.
    """

    _CACHED_LINEAR_DICTS = ("_linear",)  # the projections made at the first call, by key

    def __init__(self, num_units: int, num_in_proj: Optional[int] = None,
                 initializer: Any = None, forget_bias: float = 1.0,
                 y_activation: Callable = tf.nn.relu, reuse: Any = None) -> None:
        super().__init__(_reuse=reuse)
        self._num_units = _checks.check_positive_int(num_units, "num_units")
        self._num_input_proj = _checks.check_optional_positive_int(num_in_proj, "num_in_proj")
        self._initializer = initializer
        self._forget_bias = forget_bias
        self._y_activation = y_activation
        self._state_size = self._output_size = self._num_units

    def call(self, inputs: tf.Tensor, state: tf.Tensor) -> tuple:
        units = self._num_units
        with _v1.variable_scope(_v1.get_variable_scope(), initializer=self._initializer):
            depth = _input_depth(inputs)
            if depth != units:
                if not self._num_input_proj:
                    raise ValueError(
                        f"IntersectionRNNCell({units}) got inputs of depth {depth}: its input "
                        "depth must equal num_units, unless the inputs are projected first; "
                        f"set num_in_proj={units} for the first layer.")
                with _v1.variable_scope("in_projection"):
                    if "in" not in self._linear:
                        self._linear["in"] = rnn_cell.Linear(inputs, units, True)
                    inputs = self._linear["in"](inputs)
            joined = tf.concat([inputs, state], 1)
            if "main" not in self._linear:
                self._linear["main"] = rnn_cell.Linear(joined, 4 * units, True)
            matrix = self._linear["main"](joined)
            gate_h = tf.sigmoid(matrix[:, :units] + self._forget_bias)
            candidate_h = tf.tanh(matrix[:, units:2 * units])
            gate_y = tf.sigmoid(matrix[:, 2 * units:3 * units] + self._forget_bias)
            candidate_y = self._y_activation(matrix[:, 3 * units:])
            new_state = gate_h * state + (1.0 - gate_h) * candidate_h
            new_y = gate_y * inputs + (1.0 - gate_y) * candidate_y
        return new_y, new_state


class GLSTMCell(rnn_cell._FixedSizes, _ContribCell):
    """The group LSTM (Kuchaiev & Ginsburg, 2017): one smaller LSTM matmul per group.

    The input and the previous output are each cut into `number_of_groups`
    equal slices; group ``k`` computes its share of the ``i, j, f, o``
    pre-activations from its two slices (``group<k>/kernel``, no bias); the
    shares are concatenated per gate and the biases ``bias_i``, ``bias_j``,
    ``bias_f``, ``bias_o`` added; then the LSTM update, and optionally
    ``m @ projection/kernel``.

    Variables, in creation order, in scope ``glstm_cell``: ``group<k>/kernel``
    [input_depth / G + output_size / G, 4 * num_units / G] for each group,
    ``bias_i``, ``bias_j``, ``bias_f``, ``bias_o`` [num_units] (zeros),
    ``projection/kernel`` [num_units, num_proj] (only with `num_proj`).

    Args:
      num_units: Number of units (divisible by `number_of_groups`).
      initializer: Initializer of the kernels.
      num_proj: If set (divisible by `number_of_groups`), the output size.
      number_of_groups: Number of groups G.
      forget_bias: Added to the forget gate's pre-activation.
      activation: Nonlinearity of the output (tanh).
      reuse: Whether to reuse existing variables.

    Raises:
      ValueError: if `num_units` or `num_proj` is not divisible by the number
        of groups; at the first call, if the input depth is not.

    Compatibility: TF 1.15's ``tf.contrib.rnn.GLSTMCell``: same signature,
    variables and numbers.
    """

    def __init__(self, num_units: int, initializer: Any = None, num_proj: Optional[int] = None,
                 number_of_groups: int = 1, forget_bias: float = 1.0,
                 activation: Callable = tf.tanh, reuse: Any = None) -> None:
        super().__init__(_reuse=reuse)
        self._num_units = _checks.check_positive_int(num_units, "num_units")
        groups = _checks.check_positive_int(number_of_groups, "number_of_groups")
        num_proj = _checks.check_optional_positive_int(num_proj, "num_proj")
        if num_units % groups:
            raise ValueError(f"num_units must be divisible by number_of_groups: got num_units="
                             f"{num_units}, number_of_groups={groups}.")
        if num_proj and num_proj % groups:
            raise ValueError(f"num_proj must be divisible by number_of_groups: got num_proj="
                             f"{num_proj}, number_of_groups={groups}.")
        self._initializer = initializer
        self._num_proj = num_proj
        self._number_of_groups = groups
        self._forget_bias = forget_bias
        self._activation = activation
        self._state_size, self._output_size = _lstm_sizes(num_units, num_proj)

    def _check_inputs(self, inputs: Any) -> None:
        depth = _input_depth(inputs)
        if depth % self._number_of_groups:
            raise ValueError(f"GLSTMCell: the input depth ({depth}) must be divisible by "
                             f"number_of_groups ({self._number_of_groups}).")

    def call(self, inputs: tf.Tensor, state: Any) -> tuple:
        c_prev, m_prev = state
        groups = self._number_of_groups
        in_size = _input_depth(inputs) // groups
        out_size = self._output_size // groups
        unit_size = self._num_units // groups
        dtype = inputs.dtype
        parts: list = [[], [], [], []]
        with _v1.variable_scope(_v1.get_variable_scope(), initializer=self._initializer):
            for k in range(groups):
                with _v1.variable_scope(f"group{k}"):
                    joined = tf.concat([inputs[:, k * in_size:(k + 1) * in_size],
                                        m_prev[:, k * out_size:(k + 1) * out_size]], axis=1)
                    kernel = _v1.get_variable(
                        "kernel", [in_size + out_size, 4 * unit_size], dtype=dtype)
                    for gate, part in zip(parts, tf.split(tf.matmul(joined, kernel), 4, 1)):
                        gate.append(part)
            gates = []
            for letter, pieces in zip("ijfo", parts):
                bias = _v1.get_variable(f"bias_{letter}", [self._num_units], dtype=dtype,
                                        initializer=_v1.constant_initializer(0.0))
                gates.append(tf.nn.bias_add(tf.concat(pieces, axis=1), bias))
            i, j, f, o = gates
        c = tf.sigmoid(f + self._forget_bias) * c_prev + tf.sigmoid(i) * tf.tanh(j)
        m = tf.sigmoid(o) * self._activation(c)
        if self._num_proj is not None:
            # Outside the `initializer` scope, as in TF 1.15.
            with _v1.variable_scope("projection"):
                projection = _v1.get_variable("kernel", [self._num_units, self._num_proj],
                                              dtype=dtype)
            m = tf.matmul(m, projection)
        return m, rnn_cell.LSTMStateTuple(c, m)


class IndRNNCell(rnn_cell._FixedSizes, rnn_cell.LayerRNNCell):
    """The independently recurrent cell (Li et al., 2018): ``h' = act(x @ W + u * h + b)``.

    Each unit sees only its own previous state, through the vector ``u``.

    Variables, in creation order, in scope ``ind_rnn_cell``: ``kernel_w``
    [input_depth, num_units] (the scope's initializer, else Glorot uniform),
    ``kernel_u`` [1, num_units] (uniform in [-1, 1]), ``bias`` [num_units]
    (zeros).

    Args:
      num_units: Number of units.
      activation: Nonlinearity (tanh).
      reuse: Whether to reuse existing variables.
      name: Base name of the scope.
      dtype: dtype of the variables.

    Compatibility: TF 1.15's ``tf.contrib.rnn.IndRNNCell``: same signature,
    variables and numbers.
    """

    def __init__(self, num_units: int, activation: Any = None, reuse: Any = None,
                 name: Optional[str] = None, dtype: Any = None) -> None:
        super().__init__(_reuse=reuse, name=name, dtype=dtype)
        self._num_units = _checks.check_positive_int(num_units, "num_units")
        if activation is not None and not callable(activation):
            raise TypeError(f"`activation` must be None or a callable such as tf.nn.relu, got "
                            f"{_checks.describe_value(activation)}.")
        self._activation = activation or tf.tanh
        self._state_size = self._output_size = self._num_units

    def build(self, inputs_shape: tf.TensorShape) -> None:
        depth = tf.compat.dimension_value(inputs_shape[1])
        units = self._num_units
        self._kernel_w = self.add_variable("kernel_w", [depth, units])
        self._kernel_u = self.add_variable(
            "kernel_u", [1, units],
            initializer=_v1.random_uniform_initializer(-1.0, 1.0))
        self._bias = self.add_variable("bias", [units], initializer=_v1.zeros_initializer())

    def call(self, inputs: tf.Tensor, state: tf.Tensor) -> tuple:
        pre = tf.matmul(inputs, self._kernel_w) + state * self._kernel_u
        output = self._activation(tf.nn.bias_add(pre, self._bias))
        return output, output


def _exp_uniform_initializer(low: float, high: float) -> Callable:
    """Values ``exp(u)``, ``u`` uniform in [log(low), log(high)]."""

    def initialize(shape: Any, dtype: Any = tf.float32, partition_info: Any = None) -> Any:
        del partition_info
        return tf.exp(tf.random.uniform(shape, tf.math.log(low), tf.math.log(high),
                                        dtype=dtype))

    return initialize


class PhasedLSTMCell(rnn_cell._FixedSizes, rnn_cell._CachedLinears, _ContribCell):
    """The phased LSTM (Neil et al., 2016): an LSTM whose updates open in periodic phases.

    Inputs are a pair ``(time, x)`` with ``time`` [batch, 1] (float32 or
    float64). An LSTM step without forget bias (gates ``mask_gates``,
    ``new_input``, ``output_gate``, optionally peeping at the cell) gives
    candidate ``c``, ``h``; each unit's openness ``k`` follows its cycle
    ratio ``r = ((time - phase) mod period) / period``: rising ``2r/ratio_on``
    in the first half of the open phase, falling ``2 - 2r/ratio_on`` in the
    second, ``leak * r`` when closed; ``c' = k*c + (1-k)*c_prev`` and likewise
    ``h'``.

    Variables, in creation order, in scope ``phased_lstm_cell``:
    ``mask_gates/kernel`` [depth + num_units (+ num_units with peepholes), 2 *
    num_units] and ``mask_gates/bias``, ``new_input/kernel`` [depth +
    num_units, num_units] and ``bias``, ``output_gate/kernel`` (like
    mask_gates, width num_units) and ``bias``, then ``period`` (exp-uniform in
    [period_init_min, period_init_max]), ``phase`` (uniform in [0, period]),
    ``ratio_on`` (`ratio_on`; trainable per `trainable_ratio_on`), all
    [num_units].

    Args:
      num_units: Number of units.
      use_peepholes: Gates also see the cell (the new cell for the output gate).
      leak: Slope of the closed phase during training.
      ratio_on: Fraction of the period during which the gates are open.
      trainable_ratio_on: Whether ``ratio_on`` is trainable.
      period_init_min: Smallest initial period.
      period_init_max: Largest initial period.
      reuse: Whether to reuse existing variables.

    Compatibility: TF 1.15's ``tf.contrib.rnn.PhasedLSTMCell``: same
    signature, variables and numbers.
    """

    _CACHED_LINEAR_DICTS = ("_linear",)  # the linear maps made at the first call, by key

    def __init__(self, num_units: int, use_peepholes: bool = False, leak: Any = 0.001,
                 ratio_on: Any = 0.1, trainable_ratio_on: bool = True,
                 period_init_min: Any = 1.0, period_init_max: Any = 1000.0,
                 reuse: Any = None) -> None:
        super().__init__(_reuse=reuse)
        self._num_units = _checks.check_positive_int(num_units, "num_units")
        self._use_peepholes = use_peepholes
        for arg, value in (("leak", leak), ("ratio_on", ratio_on),
                           ("period_init_min", period_init_min),
                           ("period_init_max", period_init_max)):
            _checks.check_number(value, arg, allow_tensor=arg in ("leak", "ratio_on"))
        if not 0 < period_init_min <= period_init_max:
            raise ValueError(f"`period_init_min` and `period_init_max` must satisfy 0 < "
                             f"period_init_min <= period_init_max, got period_init_min="
                             f"{period_init_min!r}, period_init_max={period_init_max!r}.")
        self._leak = leak
        self._ratio_on = ratio_on
        self._trainable_ratio_on = trainable_ratio_on
        self._period_init_min = period_init_min
        self._period_init_max = period_init_max
        self._state_size, self._output_size = _lstm_sizes(self._num_units, None)

    def _check_call_inputs(self, inputs: Any) -> None:
        if not isinstance(inputs, (tuple, list)) or len(inputs) != 2:
            raise ValueError("`inputs` of PhasedLSTMCell must be a pair (time [batch, 1], "
                             f"features [batch, depth]), got {inputs!r}.")
        _check_matrix_inputs(self, inputs[0], "inputs[0]")
        _check_matrix_inputs(self, inputs[1], "inputs[1]")
        batches = [_checks.static_dim(x, 0) if x.get_shape().rank else None for x in inputs]
        if None not in batches and batches[0] != batches[1]:
            raise ValueError(f"`inputs` of PhasedLSTMCell: time and features must have one "
                             f"batch size, got shapes {_checks.describe_shape(inputs[0])} and "
                             f"{_checks.describe_shape(inputs[1])}.")

    def _check_inputs(self, inputs: Any) -> None:
        _input_depth(inputs[1])

    def _apply_linear(self, scope: str, args: list, width: int) -> tf.Tensor:
        with _v1.variable_scope(scope):
            if scope not in self._linear:
                self._linear[scope] = rnn_cell.Linear(args, width, True)
            return self._linear[scope](args)

    def call(self, inputs: Any, state: Any) -> tuple:
        c_prev, h_prev = state
        time, x = inputs
        units = self._num_units
        gate_args = [x, h_prev] + ([c_prev] if self._use_peepholes else [])
        input_gate, forget_gate = tf.split(
            tf.sigmoid(self._apply_linear("mask_gates", gate_args, 2 * units)), 2, axis=1)
        new_input = tf.tanh(self._apply_linear("new_input", [x, h_prev], units))
        new_c = c_prev * forget_gate + input_gate * new_input
        out_args = [x, h_prev] + ([new_c] if self._use_peepholes else [])
        new_h = tf.tanh(new_c) * tf.sigmoid(self._apply_linear("output_gate", out_args, units))
        period = _v1.get_variable(
            "period", [units],
            initializer=_exp_uniform_initializer(self._period_init_min, self._period_init_max))
        phase = _v1.get_variable(
            "phase", [units],
            initializer=_v1.random_uniform_initializer(0.0, period.initial_value))
        ratio_on = _v1.get_variable(
            "ratio_on", [units], initializer=_v1.constant_initializer(self._ratio_on),
            trainable=self._trainable_ratio_on)
        period_t = tf.cast(period, time.dtype)
        shifted = time - tf.cast(phase, time.dtype)
        # floormod, passing the gradient of `shifted` straight through.
        wrapped = tf.stop_gradient(tf.math.floormod(shifted, period_t) - shifted) + shifted
        cycle = tf.cast(wrapped / period_t, tf.float32)
        rising = 2 * cycle / ratio_on
        openness = tf.where(cycle < ratio_on, 2 - rising, self._leak * cycle)
        openness = tf.where(cycle < 0.5 * ratio_on, rising, openness)
        new_c = openness * new_c + (1 - openness) * c_prev
        new_h = openness * new_h + (1 - openness) * h_prev
        return new_h, rnn_cell.LSTMStateTuple(new_c, new_h)


_CONV_OPS = {1: "conv1d", 2: "conv2d", 3: "conv3d"}


class ConvLSTMCell(rnn_cell._FixedSizes, _CheckedCall, rnn_cell.RNNCell):
    """The convolutional LSTM (Shi et al., 2015): the LSTM's matmuls become convolutions.

    ``i, j, f, o = split(conv([x, h], kernel) [+ biases])`` on the channel axis
    (stride 1, SAME padding); ``c' = sigmoid(f + forget_bias) * c +
    sigmoid(i) * tanh(j)``; ``h' = tanh(c') * sigmoid(o)``, with the input
    concatenated on the channels if `skip_connection`.

    Variables, in creation order, in scope ``conv_lstm_cell`` (or the
    subclass's name): ``kernel`` kernel_shape + [in_channels +
    output_channels, 4 * output_channels], ``biases`` [4 * output_channels]
    (zeros, only with `use_bias`).

    Args:
      conv_ndims: Number of spatial dimensions (1, 2 or 3).
      input_shape: Shape of one input without the batch: spatial dims + [channels].
      output_channels: Channels of the state and output.
      kernel_shape: Spatial shape of the kernel.
      use_bias: Adds ``biases``.
      skip_connection: Concatenates the input to the output.
      forget_bias: Added to the forget gate's pre-activation.
      initializers: Unused, as in TF 1.15.
      name: Base name of the scope.

    Raises:
      ValueError: if `input_shape` does not have ``conv_ndims + 1`` entries.

    Compatibility: TF 1.15's ``tf.contrib.rnn.ConvLSTMCell``: same signature,
    variables and numbers.
    """

    def __init__(self, conv_ndims: int, input_shape: Sequence[int], output_channels: int,
                 kernel_shape: Sequence[int], use_bias: bool = True,
                 skip_connection: bool = False, forget_bias: float = 1.0,
                 initializers: Any = None, name: str = "conv_lstm_cell") -> None:
        super().__init__(name=name)
        _checks.check_int(conv_ndims, "conv_ndims")
        if conv_ndims not in _CONV_OPS:
            raise ValueError(f"`conv_ndims` must be 1, 2 or 3, got {conv_ndims!r}.")
        input_shape = _checks.check_int_list(input_shape, "input_shape")
        if conv_ndims != len(input_shape) - 1:
            raise ValueError(f"Invalid input_shape {list(input_shape)} for conv_ndims="
                             f"{conv_ndims}: expected {conv_ndims} spatial sizes and the "
                             "channels (conv_ndims must be 1, 2 or 3).")
        kernel_shape = _checks.check_int_list(kernel_shape, "kernel_shape", conv_ndims)
        self._conv_ndims = conv_ndims
        self._conv_input_shape = list(input_shape)
        self._output_channels = _checks.check_positive_int(output_channels, "output_channels")
        self._kernel_shape = list(kernel_shape)
        self._use_bias = use_bias
        self._forget_bias = forget_bias
        self._skip_connection = skip_connection
        total = output_channels + (self._conv_input_shape[-1] if skip_connection else 0)
        size = tf.TensorShape(self._conv_input_shape[:-1] + [output_channels])
        self._state_size = rnn_cell.LSTMStateTuple(size, size)
        self._output_size = tf.TensorShape(self._conv_input_shape[:-1] + [total])

    def _check_call_inputs(self, inputs: Any) -> None:
        rnn_cell._check_float(type(self).__name__, "inputs", inputs)
        shape = inputs.get_shape()
        if shape.rank != self._conv_ndims + 2 or shape.as_list()[-1] is None or \
                not shape[1:].is_compatible_with(self._conv_input_shape):
            raise ValueError(
                f"`inputs` of {type(self).__name__} must be [batch] + "
                f"{self._conv_input_shape} with static channels, got shape "
                f"{_checks.describe_shape(inputs)}.")

    def call(self, inputs: tf.Tensor, state: Any) -> tuple:
        cell, hidden = state
        joined = tf.concat([inputs, hidden], axis=-1)
        depth = joined.get_shape().as_list()[-1]
        width = 4 * self._output_channels
        kernel = _v1.get_variable("kernel", self._kernel_shape + [depth, width],
                                  dtype=inputs.dtype)
        ones = [1] * (self._conv_ndims + 2)
        if self._conv_ndims == 1:
            result = tf.nn.conv1d(joined, kernel, 1, padding="SAME")
        else:
            result = getattr(tf.nn, _CONV_OPS[self._conv_ndims])(joined, kernel, ones, "SAME")
        if self._use_bias:
            result = result + _v1.get_variable(
                "biases", [width], dtype=inputs.dtype, initializer=_v1.constant_initializer(0.0))
        i, j, f, o = tf.split(result, 4, axis=self._conv_ndims + 1)
        new_cell = tf.sigmoid(f + self._forget_bias) * cell + tf.sigmoid(i) * tf.tanh(j)
        output = tf.tanh(new_cell) * tf.sigmoid(o)
        if self._skip_connection:
            output = tf.concat([output, inputs], axis=-1)
        return output, rnn_cell.LSTMStateTuple(new_cell, output)


class Conv1DLSTMCell(ConvLSTMCell):
    """`ConvLSTMCell` over one spatial dimension, scope ``conv_1d_lstm_cell``.

    Compatibility: TF 1.15's ``tf.contrib.rnn.Conv1DLSTMCell`` (keyword arguments of
    `ConvLSTMCell` without `conv_ndims`).
    """

    def __init__(self, name: str = "conv_1d_lstm_cell", **kwargs: Any) -> None:
        super().__init__(conv_ndims=1, name=name, **kwargs)


class Conv2DLSTMCell(ConvLSTMCell):
    """`ConvLSTMCell` over two spatial dimensions, scope ``conv_2d_lstm_cell``.

    Compatibility: TF 1.15's ``tf.contrib.rnn.Conv2DLSTMCell`` (keyword arguments of
    `ConvLSTMCell` without `conv_ndims`).
    """

    def __init__(self, name: str = "conv_2d_lstm_cell", **kwargs: Any) -> None:
        super().__init__(conv_ndims=2, name=name, **kwargs)


class Conv3DLSTMCell(ConvLSTMCell):
    """`ConvLSTMCell` over three spatial dimensions, scope ``conv_3d_lstm_cell``.

    Compatibility: TF 1.15's ``tf.contrib.rnn.Conv3DLSTMCell`` (keyword arguments of
    `ConvLSTMCell` without `conv_ndims`).
    """

    def __init__(self, name: str = "conv_3d_lstm_cell", **kwargs: Any) -> None:
        super().__init__(conv_ndims=3, name=name, **kwargs)


# -- wrappers --------------------------------------------------------------------------------


class HighwayWrapper(rnn_cell._Wrapper):
    """Mixes a cell's inputs into its outputs through a highway gate (Srivastava et al., 2015).

    ``t = sigmoid(x @ carry_w + carry_b)``; ``output = x * t + y * (1 - t)``,
    or with uncoupled gates ``x * t + y * sigmoid(x @ transform_w +
    transform_b)``. The cell's outputs must be shaped like its inputs.

    Variables, in creation order, directly in the caller's scope (the wrapper
    adds no scope level): ``carry_w`` [depth, depth], ``carry_b`` [depth]
    (`carry_bias_init`), and without coupling ``transform_w``,
    ``transform_b`` (``-carry_bias_init``).

    Args:
      cell: The cell to wrap.
      couple_carry_transform_gates: Use ``1 - carry`` as the transform gate.
      carry_bias_init: Initial value of the carry bias.

    Compatibility: TF 1.15's ``tf.contrib.rnn.HighwayWrapper``: same
    signature, variables and numbers.
    """

    def __init__(self, cell: Any, couple_carry_transform_gates: bool = True,
                 carry_bias_init: float = 1.0) -> None:
        super().__init__(cell)
        self._couple_carry_transform_gates = couple_carry_transform_gates
        self._carry_bias_init = carry_bias_init

    def _highway(self, inp: tf.Tensor, out: tf.Tensor) -> tf.Tensor:
        depth = _input_depth(inp)
        carry_w = _v1.get_variable("carry_w", [depth, depth])
        carry_b = _v1.get_variable(
            "carry_b", [depth], initializer=_v1.constant_initializer(self._carry_bias_init))
        carry = tf.sigmoid(tf.matmul(inp, carry_w) + carry_b)
        if self._couple_carry_transform_gates:
            transform = 1 - carry
        else:
            transform_w = _v1.get_variable("transform_w", [depth, depth])
            transform_b = _v1.get_variable(
                "transform_b", [depth],
                initializer=_v1.constant_initializer(-self._carry_bias_init))
            transform = tf.sigmoid(tf.matmul(inp, transform_w) + transform_b)
        return inp * carry + out * transform

    def _call_wrapped(self, inputs: Any, state: Any, scope: Any) -> tuple:
        outputs, new_state = self.cell(inputs, state, scope=scope)
        tf.nest.assert_same_structure(inputs, outputs)

        def check(inp: Any, out: Any) -> None:
            if not inp.get_shape().is_compatible_with(out.get_shape()):
                raise ValueError(
                    f"HighwayWrapper needs cell outputs shaped like the inputs: inputs "
                    f"{_checks.describe_shape(inp)} vs outputs {_checks.describe_shape(out)}.")

        tf.nest.map_structure(check, inputs, outputs)
        with _v1.variable_scope(_v1.get_variable_scope(), auxiliary_name_scope=False,
                                custom_getter=self._track_variable):
            mixed = tf.nest.map_structure(self._highway, inputs, outputs)
        return mixed, new_state


class AttentionCellWrapper(rnn_cell._CachedLinears, _ContribCell):
    """Adds attention over the cell's last `attn_length` outputs (Cheng et al., 2016).

    Each step: the input is mixed with the previous attention read
    (``kernel``/``bias`` [input_depth + attn_size, input_size]); the cell runs;
    its new state (flattened) queries the window of past outputs
    (``attention/attn_w`` as a 1x1 convolution of the window,
    ``attention/kernel``/``bias`` of the query, ``attention/attn_v``, softmax
    over the window) giving a new read; the output is
    ``[cell_output, read] @ attn_output_projection/kernel + bias``, and it is
    pushed into the window (the oldest entry drops out).

    Variables, in creation order, in scope ``attention_cell_wrapper``:
    ``kernel``, ``bias``, the cell's own (``<cell scope>/...``),
    ``attention/attn_w`` [1, 1, attn_size, attn_vec_size],
    ``attention/attn_v`` [attn_vec_size], ``attention/kernel`` [state depth,
    attn_vec_size], ``attention/bias``, ``attn_output_projection/kernel``
    [output_size + attn_size, attn_size], ``attn_output_projection/bias``.

    The state is ``(cell_state, attns, attn_states)`` (or their
    concatenation when `state_is_tuple` is False).

    Args:
      cell: The cell to wrap.
      attn_length: Length of the window of past outputs (> 0).
      attn_size: Size of an attention read (default: the cell's output size).
      attn_vec_size: Size of the attention features (default: `attn_size`).
      input_size: Width of the mixed input (default: the input depth).
      state_is_tuple: Tuple state if True, else concatenated (deprecated).
      reuse: Whether to reuse existing variables.

    Raises:
      TypeError: if `cell` is not an RNN cell.
      ValueError: for a tuple cell state with `state_is_tuple` False, or
        `attn_length` <= 0.

    Compatibility: TF 1.15's ``tf.contrib.rnn.AttentionCellWrapper``: same
    signature, variables and numbers.
    """

    _CACHED_LINEAR_DICTS = ("_linear",)  # the linear maps made at the first call, by key

    def __init__(self, cell: Any, attn_length: int, attn_size: Optional[int] = None,
                 attn_vec_size: Optional[int] = None, input_size: Optional[int] = None,
                 state_is_tuple: bool = True, reuse: Any = None) -> None:
        super().__init__(_reuse=reuse)
        _checks.assert_like_rnncell("cell", cell)
        if tf.nest.is_nested(cell.state_size) and not state_is_tuple:
            raise ValueError("Cell returns tuple of states, but the flag state_is_tuple is not "
                             f"set. State size is: {cell.state_size} (pass "
                             "state_is_tuple=True).")
        if isinstance(attn_length, bool) or not isinstance(attn_length, int) or attn_length <= 0:
            raise ValueError(f"attn_length should be greater than zero, got {attn_length!r}.")
        if not state_is_tuple:
            _log.warning("%s: Using a concatenated state is slower and will soon be "
                         "deprecated.  Use state_is_tuple=True.", self._base_name)
        self._cell = cell
        self._attn_length = attn_length
        _checks.check_optional_positive_int(attn_size, "attn_size")
        _checks.check_optional_positive_int(attn_vec_size, "attn_vec_size")
        self._attn_size = attn_size if attn_size is not None else cell.output_size
        self._attn_vec_size = attn_vec_size if attn_vec_size is not None else self._attn_size
        self._input_size = input_size
        self._state_is_tuple = state_is_tuple

    def _child_cells(self) -> list:
        return [self._cell]

    @property
    def state_size(self) -> Any:
        sizes = (self._cell.state_size, self._attn_size, self._attn_size * self._attn_length)
        return sizes if self._state_is_tuple else sum(sizes)

    @property
    def output_size(self) -> int:
        return self._attn_size

    def _apply_linear(self, key: str, args: Any, width: int) -> tf.Tensor:
        if key not in self._linear:
            self._linear[key] = rnn_cell.Linear(args, width, True)
        return self._linear[key](args)

    def call(self, inputs: tf.Tensor, state: Any) -> tuple:
        size, length = self._attn_size, self._attn_length
        if self._state_is_tuple:
            cell_state, attns, attn_states = state
        else:
            width = self._cell.state_size
            cell_state = tf.slice(state, [0, 0], [-1, width])
            attns = tf.slice(state, [0, width], [-1, size])
            attn_states = tf.slice(state, [0, width + size], [-1, size * length])
        window = tf.reshape(attn_states, [-1, length, size])
        input_size = self._input_size or inputs.get_shape().as_list()[1]
        mixed = self._apply_linear("input", [inputs, attns], input_size)
        cell_output, new_cell_state = self._cell(mixed, cell_state)
        query = (tf.concat(tf.nest.flatten(new_cell_state), 1) if self._state_is_tuple
                 else new_cell_state)
        with _v1.variable_scope("attention"):
            attn_w = _v1.get_variable("attn_w", [1, 1, size, self._attn_vec_size])
            attn_v = _v1.get_variable("attn_v", [self._attn_vec_size])
            hidden = tf.reshape(window, [-1, length, 1, size])
            features = tf.nn.conv2d(hidden, attn_w, [1, 1, 1, 1], "SAME")
            projected = tf.reshape(self._apply_linear("query", query, self._attn_vec_size),
                                   [-1, 1, 1, self._attn_vec_size])
            scores = tf.reduce_sum(attn_v * tf.tanh(features + projected), [2, 3])
            weights = tf.reshape(tf.nn.softmax(scores), [-1, length, 1, 1])
            new_attns = tf.reshape(tf.reduce_sum(weights * hidden, [1, 2]), [-1, size])
        with _v1.variable_scope("attn_output_projection"):
            output = self._apply_linear("output", [cell_output, new_attns], size)
        new_window = tf.concat([window[:, 1:, :], tf.expand_dims(output, 1)], 1)
        new_state = (new_cell_state, new_attns, tf.reshape(new_window, [-1, length * size]))
        if not self._state_is_tuple:
            new_state = tf.concat(list(new_state), 1)
        return output, new_state


class CompiledWrapper(rnn_cell._Wrapper):
    """Runs the wrapped cell unchanged (TF 1.15 compiled each step with XLA).

    TF 1.15 put the cell's step inside an experimental XLA JIT scope (stateful
    ops excluded unless `compile_stateful`). That scope changes how the graph
    executes, not what it computes: the variables and the numbers are the
    cell's own, which this pass-through wrapper reproduces. XLA is not
    requested here (the JIT scope is not part of TF 2.x's public API); use
    ``tf.function(jit_compile=True)`` in TF 2 code for compilation.

    Args:
      cell: The cell to wrap.
      compile_stateful: Accepted and recorded; it has no effect here.

    Compatibility: TF 1.15's ``tf.contrib.rnn.CompiledWrapper``: same
    signature, variables and numbers, no XLA compilation.
    """

    def __init__(self, cell: Any, compile_stateful: bool = False) -> None:
        super().__init__(cell)
        self._compile_stateful = compile_stateful

    def _call_wrapped(self, inputs: Any, state: Any, scope: Any) -> tuple:
        return self.cell(inputs, state, scope=scope)

