"""TF 1.15's extra ``tf.contrib.rnn`` cells and RNN helpers, rebuilt on `tf.compat.v1`.

The cells of TF 1.15's ``contrib/rnn/python/ops/rnn_cell.py`` that this module
provides (`CoupledInputForgetGateLSTMCell`, `LayerNormBasicLSTMCell`,
`NASCell`, `UGRNNCell`, `IntersectionRNNCell`, `HighwayWrapper`,
`CompiledWrapper`) and the helpers of ``contrib/rnn/python/ops/rnn.py`` and
``python/ops/rnn.py`` that ``tf.contrib.rnn`` exported
(`stack_bidirectional_rnn`, `stack_bidirectional_dynamic_rnn`,
`transpose_batch_time`, `best_effort_input_batch_size`).

Each cell keeps TF 1.15's constructor, maths, variable names, shapes,
creation order and initializers, and its scope rule: the cells that were
plain ``RNNCell`` subclasses in TF 1.15 bind a scope named after the class
(``ugrnn_cell``, ...) inside the caller's scope of their first call, like
`rnn_cell.RNNCell`; `NASCell` was a ``LayerRNNCell`` and binds its scope like
one; the two wrappers add no scope level. The fused-kernel cells
(``LSTMBlockCell``, ``GRUBlockCell``, ...) are in `fused_rnn_cell`.
"""

from __future__ import annotations

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
    "LayerNormBasicLSTMCell",
    "NASCell",
    "UGRNNCell",
    "IntersectionRNNCell",
    "HighwayWrapper",
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
    x = tf.convert_to_tensor(x)
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
    flat_input = list(flat_input)
    for value in flat_input:
        shape = value.get_shape()
        if shape.rank is None:
            continue
        if shape.rank < 2:
            raise ValueError(
                f"best_effort_input_batch_size expects time-major inputs of rank >= 2, got "
                f"{value!r} of shape {_checks.describe_shape(value)}.")
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
    if len(cells_fw) != len(cells_bw):
        raise ValueError(f"`cells_fw` and `cells_bw` must have the same number of layers, got "
                         f"{len(cells_fw)} and {len(cells_bw)}.")
    for name, states in (("initial_states_fw", initial_states_fw),
                         ("initial_states_bw", initial_states_bw)):
        if states is not None and (not isinstance(states, list)
                                   or len(states) != len(cells_fw)):
            raise ValueError(f"`{name}` must be a list of {len(cells_fw)} states (one per "
                             f"layer), got {states!r}.")


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

    Compatibility: TF 1.15's ``tf.contrib.rnn.stack_bidirectional_rnn``.
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

    Compatibility: TF 1.15's ``tf.contrib.rnn.stack_bidirectional_dynamic_rnn``.
    """
    _check_stack_args(cells_fw, cells_bw, initial_states_fw, initial_states_bw)
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
    depth = tf.compat.dimension_value(inputs.get_shape().with_rank(2)[1])
    if depth is None:
        raise ValueError("Could not infer input size from inputs.get_shape()[-1] (the input "
                         f"depth must be static), got shape {_checks.describe_shape(inputs)}.")
    return depth


class _ContribCell(rnn_cell.RNNCell):
    """A TF 1.15 contrib cell that was a plain RNNCell: float inputs, variables made in call."""

    def _check_call_inputs(self, inputs: Any) -> None:
        rnn_cell._check_float(type(self).__name__, "inputs", inputs)

    def _check_inputs(self, inputs: Any) -> None:
        _input_depth(inputs)


def _lstm_sizes(num_units: int, num_proj: Optional[int], state_is_tuple: bool = True) -> tuple:
    """(state_size, output_size) of an LSTM with an optional projection."""
    out = num_proj if num_proj else num_units
    if state_is_tuple:
        return rnn_cell.LSTMStateTuple(num_units, out), out
    return num_units + out, out


# -- cells -----------------------------------------------------------------------------------


class CoupledInputForgetGateLSTMCell(_ContribCell):
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
        self._num_proj = num_proj
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

    @property
    def state_size(self) -> Any:
        return self._state_size

    @property
    def output_size(self) -> int:
        return self._output_size

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


class LayerNormBasicLSTMCell(_ContribCell):
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
        self._keep_prob = dropout_keep_prob
        self._seed = dropout_prob_seed
        self._layer_norm = layer_norm
        self._norm_gain = norm_gain
        self._norm_shift = norm_shift

    @property
    def state_size(self) -> rnn_cell.LSTMStateTuple:
        return rnn_cell.LSTMStateTuple(self._num_units, self._num_units)

    @property
    def output_size(self) -> int:
        return self._num_units

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


class NASCell(rnn_cell.LayerRNNCell):
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

    @property
    def state_size(self) -> rnn_cell.LSTMStateTuple:
        return self._state_size

    @property
    def output_size(self) -> int:
        return self._output_size

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


class UGRNNCell(_ContribCell):
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

    def __init__(self, num_units: int, initializer: Any = None, forget_bias: float = 1.0,
                 activation: Callable = tf.tanh, reuse: Any = None) -> None:
        super().__init__(_reuse=reuse)
        self._num_units = _checks.check_positive_int(num_units, "num_units")
        self._initializer = initializer
        self._forget_bias = forget_bias
        self._activation = activation

    def _reset_binding(self) -> None:
        super()._reset_binding()
        self._linear = None

    @property
    def state_size(self) -> int:
        return self._num_units

    @property
    def output_size(self) -> int:
        return self._num_units

    def call(self, inputs: tf.Tensor, state: tf.Tensor) -> tuple:
        with _v1.variable_scope(_v1.get_variable_scope(), initializer=self._initializer):
            joined = tf.concat([inputs, state], 1)
            if self._linear is None:
                self._linear = rnn_cell.Linear(joined, 2 * self._num_units, True)
            gate, candidate = tf.split(self._linear(joined), num_or_size_splits=2, axis=1)
            update = tf.sigmoid(gate + self._forget_bias)
            new_state = update * state + (1.0 - update) * self._activation(candidate)
        return new_state, new_state


class IntersectionRNNCell(_ContribCell):
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

    def __init__(self, num_units: int, num_in_proj: Optional[int] = None,
                 initializer: Any = None, forget_bias: float = 1.0,
                 y_activation: Callable = tf.nn.relu, reuse: Any = None) -> None:
        super().__init__(_reuse=reuse)
        self._num_units = _checks.check_positive_int(num_units, "num_units")
        self._num_input_proj = num_in_proj
        self._initializer = initializer
        self._forget_bias = forget_bias
        self._y_activation = y_activation

    def _reset_binding(self) -> None:
        super()._reset_binding()
        self._linear = None
        self._in_linear = None

    @property
    def state_size(self) -> int:
        return self._num_units

    @property
    def output_size(self) -> int:
        return self._num_units

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
                    if self._in_linear is None:
                        self._in_linear = rnn_cell.Linear(inputs, units, True)
                    inputs = self._in_linear(inputs)
            joined = tf.concat([inputs, state], 1)
            if self._linear is None:
                self._linear = rnn_cell.Linear(joined, 4 * units, True)
            matrix = self._linear(joined)
            gate_h = tf.sigmoid(matrix[:, :units] + self._forget_bias)
            candidate_h = tf.tanh(matrix[:, units:2 * units])
            gate_y = tf.sigmoid(matrix[:, 2 * units:3 * units] + self._forget_bias)
            candidate_y = self._y_activation(matrix[:, 3 * units:])
            new_state = gate_h * state + (1.0 - gate_h) * candidate_h
            new_y = gate_y * inputs + (1.0 - gate_y) * candidate_y
        return new_y, new_state


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

