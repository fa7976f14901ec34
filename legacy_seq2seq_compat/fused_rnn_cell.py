"""TF 1.15's fused-kernel RNN cells of ``tf.contrib.rnn``, on TensorFlow's raw ops.

Two kinds of objects live here:

* block cells, ordinary RNN cells whose step is one fused kernel:
  `LSTMBlockCell` (``tf.raw_ops.LSTMBlockCell``), `GRUBlockCell` and
  `GRUBlockCellV2` (``tf.raw_ops.GRUBlockCell``);
* fused RNNs, which run a whole sequence in one call,
  ``(outputs, final_state) = fused(inputs, initial_state, dtype,
  sequence_length)`` with time-major inputs: `LSTMBlockFusedCell`
  (``tf.raw_ops.BlockLSTM``) on top of `LSTMBlockWrapper`, the abstract
  `FusedRNNCell`, `FusedRNNCellAdaptor` (runs any cell that way) and
  `TimeReversedFusedRNN` (runs a fused RNN backwards in time).

Variable names, shapes, creation order and initializers are TF 1.15's, so
TF 1.15 checkpoints of these cells restore with a plain Saver.

TensorFlow 2.21 registers the gradient of ``BlockLSTM`` but not those of
``LSTMBlockCell`` and ``GRUBlockCell`` (TF 1.15's contrib registered them when
imported). Importing this module registers those two, computed with the raw
``LSTMBlockCellGrad`` / ``GRUBlockCellGrad`` kernels, unless something else has
registered them already.

Compatibility: wrong arguments fail at the public boundary with a TypeError or
ValueError naming the argument and the value received (TF 1.15 failed inside an
op or took them): integer sizes reject floats and bools, a fused call checks its
time-major float inputs, `dtype`, `initial_state` ([batch, num_units] pair) and
`sequence_length` (int [batch] vector), and `TimeReversedFusedRNN` refuses a
plain RNN cell (wrap it with `FusedRNNCellAdaptor`).
"""

from __future__ import annotations

import logging
from typing import Any, Optional

import tensorflow as tf

from legacy_seq2seq_compat import _checks, rnn, rnn_cell

_v1 = tf.compat.v1
_log = logging.getLogger(__name__)

__all__ = [
    "LSTMBlockCell",
    "GRUBlockCell",
    "GRUBlockCellV2",
    "LSTMBlockWrapper",
    "LSTMBlockFusedCell",
    "FusedRNNCell",
    "FusedRNNCellAdaptor",
    "TimeReversedFusedRNN",
]


# -- gradients TensorFlow 2.21 lacks --------------------------------------------------


def _lstm_block_cell_gradient(op: Any, *grads: Any) -> list:
    """Backward pass of one LSTMBlockCell step.

    The raw grad kernel gives the gradients of the previous cell state, of the
    four gate pre-activations (``dicfo``) and of the peepholes; the rest
    follows from ``gates = [x, h_prev] @ w + b``.
    """
    x, cs_prev, h_prev, w, wci, wcf, wco, b = op.inputs
    i, cs, f, o, ci, co, _ = op.outputs
    cs_grad, h_grad = grads[1], grads[6]
    cs_prev_grad, dicfo, wci_grad, wcf_grad, wco_grad = tf.raw_ops.LSTMBlockCellGrad(
        x=x, cs_prev=cs_prev, h_prev=h_prev, w=w, wci=wci, wcf=wcf, wco=wco, b=b, i=i, cs=cs,
        f=f, o=o, ci=ci, co=co, cs_grad=cs_grad, h_grad=h_grad,
        use_peephole=op.get_attr("use_peephole"))
    depth = tf.shape(x)[1]
    xh_grad = tf.matmul(dicfo, w, transpose_b=True)
    x_grad = xh_grad[:, :depth]
    h_prev_grad = xh_grad[:, depth:]
    w_grad = tf.matmul(tf.concat([x, h_prev], 1), dicfo, transpose_a=True)
    b_grad = tf.reduce_sum(dicfo, axis=0)
    return [x_grad, cs_prev_grad, h_prev_grad, w_grad, wci_grad, wcf_grad, wco_grad, b_grad]


def _gru_block_cell_gradient(op: Any, *grads: Any) -> list:
    """Backward pass of one GRUBlockCell step (only the new ``h`` carries a gradient)."""
    x, h_prev, w_ru, w_c, b_ru, b_c = op.inputs
    r, u, c, _ = op.outputs
    d_x, d_h_prev, d_c_bar, d_r_bar_u_bar = tf.raw_ops.GRUBlockCellGrad(
        x=x, h_prev=h_prev, w_ru=w_ru, w_c=w_c, b_ru=b_ru, b_c=b_c, r=r, u=u, c=c, d_h=grads[3])
    d_w_ru = tf.matmul(tf.concat([x, h_prev], 1), d_r_bar_u_bar, transpose_a=True)
    d_w_c = tf.matmul(tf.concat([x, h_prev * r], 1), d_c_bar, transpose_a=True)
    return [d_x, d_h_prev, d_w_ru, d_w_c, tf.reduce_sum(d_r_bar_u_bar, axis=0),
            tf.reduce_sum(d_c_bar, axis=0)]


def _register_gradient(op_type: str, function: Any) -> None:
    try:
        tf.RegisterGradient(op_type)(function)
    except KeyError:  # already registered (a later TensorFlow, or another library)
        _log.debug("The gradient of %s is already registered; keeping it.", op_type)


_register_gradient("LSTMBlockCell", _lstm_block_cell_gradient)
_register_gradient("GRUBlockCell", _gru_block_cell_gradient)


# -- block cells ---------------------------------------------------------------------------


def _add_block_lstm_variables(layer: Any, depth: int) -> None:
    """Creates the block LSTM kernels' variables on `layer`, in TF 1.15's order and names.

    Shared by LSTMBlockCell (one step) and LSTMBlockFusedCell (all steps): both
    feed the same `kernel` [depth + units, 4 * units], zero `bias` and, with
    peepholes, the three diagonal weights to TensorFlow's block LSTM kernels.
    """
    units = layer._num_units
    layer._kernel = layer.add_variable("kernel", [depth + units, 4 * units])
    layer._bias = layer.add_variable("bias", [4 * units],
                                     initializer=_v1.constant_initializer(0.0))
    if layer._use_peephole:
        layer._w_i_diag = layer.add_variable("w_i_diag", [units])
        layer._w_f_diag = layer.add_variable("w_f_diag", [units])
        layer._w_o_diag = layer.add_variable("w_o_diag", [units])


def _set_block_lstm_options(layer: Any, num_units: int, forget_bias: Any, cell_clip: Any,
                            use_peephole: bool) -> None:
    """Checks and keeps the block LSTM kernels' options on `layer` (-1: no clipping).

    Shared by LSTMBlockCell and LSTMBlockFusedCell, which take the same options.
    """
    layer._num_units = _checks.check_positive_int(num_units, "num_units")
    layer._forget_bias = _checks.check_number(forget_bias, "forget_bias")
    _checks.check_number(cell_clip, "cell_clip", allow_none=True)
    layer._cell_clip = cell_clip if cell_clip is not None else -1
    layer._use_peephole = use_peephole


class LSTMBlockCell(rnn_cell._FixedSizes, rnn_cell.LayerRNNCell):
    """An LSTM step as one fused kernel (``tf.raw_ops.LSTMBlockCell``).

    The maths is `BasicLSTMCell`'s (gates ``i, j, f, o`` from one matmul,
    `forget_bias` added at run time), with optional peepholes and cell
    clipping as in `LSTMCell`. Variables, in creation order: ``kernel``
    [input_depth + num_units, 4 * num_units] (the scope's initializer, else
    Glorot uniform), ``bias`` [4 * num_units] (zeros), and with peepholes
    ``w_i_diag``, ``w_f_diag``, ``w_o_diag`` [num_units].

    Args:
      num_units: Number of units.
      forget_bias: Added to the forget gate's pre-activation.
      cell_clip: If set, the cell state is clipped to ``[-cell_clip, cell_clip]``.
      use_peephole: Adds the diagonal peephole connections.
      dtype: dtype of the variables (the kernel supports float16 and float32).
      reuse: Whether to reuse existing variables in the cell's scope.
      name: Base name of the cell's scope; ``lstm_cell`` as TF 1.15, so the
        names match `LSTMCell`'s.

    Compatibility: TF 1.15's ``tf.contrib.rnn.LSTMBlockCell``: same signature,
    variables and numbers (the same kernels). Its state is always an
    `LSTMStateTuple`. As in TF 1.15, with `cell_clip` the gradient is the
    fused kernel's, which does not zero the clipped positions the way
    `LSTMCell`'s ``clip_by_value`` does.
    """

    def __init__(self, num_units: int, forget_bias: float = 1.0, cell_clip: Any = None,
                 use_peephole: bool = False, dtype: Any = None, reuse: Any = None,
                 name: str = "lstm_cell") -> None:
        super().__init__(_reuse=reuse, name=name, dtype=dtype)
        _set_block_lstm_options(self, num_units, forget_bias, cell_clip, use_peephole)
        self._state_size = rnn_cell.LSTMStateTuple(self._num_units, self._num_units)
        self._output_size = self._num_units

    def build(self, inputs_shape: tf.TensorShape) -> None:
        _add_block_lstm_variables(self, tf.compat.dimension_value(inputs_shape[1]))

    def call(self, inputs: tf.Tensor, state: Any) -> tuple:
        if len(state) != 2:
            raise ValueError("`state` of LSTMBlockCell must be an LSTMStateTuple (c, h), "
                             f"got {len(state)} tensors.")
        cs_prev, h_prev = state
        if self._use_peephole:
            wci, wcf, wco = self._w_i_diag, self._w_f_diag, self._w_o_diag
        else:
            wci = wcf = wco = tf.zeros([self._num_units], dtype=self._kernel.dtype.base_dtype)
        _, cs, _, _, _, _, h = tf.raw_ops.LSTMBlockCell(
            x=inputs, cs_prev=cs_prev, h_prev=h_prev, w=self._kernel, wci=wci, wcf=wcf,
            wco=wco, b=self._bias, forget_bias=self._forget_bias, cell_clip=self._cell_clip,
            use_peephole=self._use_peephole)
        return h, rnn_cell.LSTMStateTuple(cs, h)


class GRUBlockCell(rnn_cell._FixedSizes, rnn_cell.LayerRNNCell):
    """A GRU step as one fused kernel (``tf.raw_ops.GRUBlockCell``), TF 1.15's first names.

    The maths is `GRUCell`'s with tanh: ``r, u = sigmoid([x, h] @ w_ru + b_ru)``,
    ``c = tanh([x, r*h] @ w_c + b_c)``, ``h' = u*h + (1-u)*c``. Variables, in
    creation order: ``w_ru`` [input_depth + num_units, 2 * num_units], ``b_ru``
    [2 * num_units] (ones), ``w_c`` [input_depth + num_units, num_units],
    ``b_c`` [num_units] (zeros); the kernels take the scope's initializer, else
    Glorot uniform.

    Args:
      num_units: Number of units.
      cell_size: The older name of `num_units` (deprecated; give exactly one).
      reuse: Whether to reuse existing variables in the cell's scope.
      name: Base name of the cell's scope (``gru_cell``).

    Raises:
      ValueError: unless exactly one of `num_units` and `cell_size` is given.

    Compatibility: TF 1.15's ``tf.contrib.rnn.GRUBlockCell``: same signature,
    variables and numbers. `GRUBlockCellV2` has `GRUCell`'s names instead.
    """

    _NAMES = ("w_ru", "b_ru", "w_c", "b_c")

    def __init__(self, num_units: Optional[int] = None, cell_size: Optional[int] = None,
                 reuse: Any = None, name: str = "gru_cell") -> None:
        super().__init__(_reuse=reuse, name=name)
        if (cell_size is None) == (num_units is None):
            raise ValueError(
                f"{type(self).__name__} needs exactly one of `num_units` or `cell_size` "
                f"(its deprecated name), got num_units={num_units!r}, cell_size={cell_size!r}.")
        if cell_size is not None:
            _log.warning("%s: cell_size is deprecated, use num_units instead.",
                         type(self).__name__)
        chosen = num_units if num_units is not None else cell_size
        self._cell_size = _checks.check_positive_int(
            chosen, "num_units" if num_units is not None else "cell_size")
        self._state_size = self._output_size = self._cell_size

    def build(self, inputs_shape: tf.TensorShape) -> None:
        depth = tf.compat.dimension_value(inputs_shape[1])
        units = self._cell_size
        kernel_ru, bias_ru, kernel_c, bias_c = self._NAMES
        self._gate_kernel = self.add_variable(kernel_ru, [depth + units, 2 * units])
        self._gate_bias = self.add_variable(bias_ru, [2 * units],
                                            initializer=_v1.constant_initializer(1.0))
        self._candidate_kernel = self.add_variable(kernel_c, [depth + units, units])
        self._candidate_bias = self.add_variable(bias_c, [units],
                                                 initializer=_v1.constant_initializer(0.0))

    def call(self, inputs: tf.Tensor, state: tf.Tensor) -> tuple:
        *_, new_h = tf.raw_ops.GRUBlockCell(
            x=inputs, h_prev=state, w_ru=self._gate_kernel, w_c=self._candidate_kernel,
            b_ru=self._gate_bias, b_c=self._candidate_bias)
        return new_h, new_h


class GRUBlockCellV2(GRUBlockCell):
    """`GRUBlockCell` with `GRUCell`'s variable names.

    Variables, in creation order: ``gates/kernel``, ``gates/bias`` (ones),
    ``candidate/kernel``, ``candidate/bias`` (zeros), shaped as `GRUCell`'s,
    so a `GRUCell` checkpoint restores into it and back.

    Compatibility: TF 1.15's ``tf.contrib.rnn.GRUBlockCellV2``: same
    signature, variables and numbers.
    """

    _NAMES = ("gates/kernel", "gates/bias", "candidate/kernel", "candidate/bias")


# -- fused RNNs ------------------------------------------------------------------------------


def _check_fused_call(owner: str, inputs: Any, dtype: Any, sequence_length: Any) -> Any:
    """Checks a fused RNN's call: time-major float inputs, a dtype, [batch] int lengths.

    Returns the inputs as a Tensor or a list of Tensors.
    """
    if isinstance(inputs, (list, tuple)):
        as_tuple = isinstance(inputs, tuple)
        inputs = _checks.check_list_of_tensors(inputs, "inputs")
        inputs = [_checks.as_tensor(x, f"inputs[{i}]") for i, x in enumerate(inputs)]
        _checks.check_same_steps(inputs, "inputs")
        first, rank = inputs[0], 2
        if as_tuple:  # A tuple of steps was packed into one Tensor, as before.
            inputs = tf.stack(inputs)
    else:
        inputs = first = _checks.as_tensor(inputs, "inputs")
        rank = 3
    rnn_cell._check_float(owner, "inputs", inputs)
    if first.get_shape().rank not in (None, rank):
        want = ("[time, batch, depth] (a Tensor)" if rank == 3
                else "[time, batch, depth] (a list of [batch, depth] steps)")
        raise ValueError(f"`inputs` of {owner} must be time major {want}, got shape "
                         f"{_checks.describe_shape(first)}.")
    if dtype is not None:
        _checks.as_dtype(dtype, "dtype")
    if sequence_length is not None:
        lengths = _checks.as_tensor(sequence_length, "sequence_length")
        if not tf.as_dtype(lengths.dtype).is_integer or lengths.get_shape().rank not in (None, 1):
            raise ValueError(f"`sequence_length` of {owner} must be an int32/int64 [batch_size] "
                             f"vector, got {tf.as_dtype(lengths.dtype).name} of shape "
                             f"{_checks.describe_shape(lengths)}.")
        batch = _checks.static_dim(first, rank - 2) if first.get_shape().rank else None
        size = _checks.static_dim(lengths, 0) if lengths.get_shape().rank else None
        if None not in (batch, size) and batch != size:
            raise ValueError(f"`sequence_length` of {owner} has {size} entries but the batch "
                             f"size of `inputs` is {batch}: give one length per sequence.")
    return inputs


class FusedRNNCell:
    """The fused-RNN protocol: one call runs the whole sequence.

    ``outputs, final_state = fused(inputs, initial_state=None, dtype=None,
    sequence_length=None, scope=None)`` with `inputs` a time-major
    [time, batch, depth] Tensor (outputs then [time, batch, output_size]) or a
    list of [batch, depth] Tensors (outputs then a list too).

    Compatibility: TF 1.15's abstract ``tf.contrib.rnn.FusedRNNCell``, with the
    same call signature; subclasses decide variables and numbers.
    """

    def __call__(self, inputs: Any, initial_state: Any = None, dtype: Any = None,
                 sequence_length: Any = None, scope: Any = None) -> tuple:
        raise NotImplementedError("Abstract method: subclasses of FusedRNNCell define __call__.")


class FusedRNNCellAdaptor(FusedRNNCell):
    """Runs an ordinary RNN cell as a fused RNN.

    Args:
      cell: The cell to run.
      use_dynamic_rnn: Run it with ``tf.compat.v1.nn.dynamic_rnn`` (time major)
        instead of `static_rnn`.

    Compatibility: TF 1.15's ``tf.contrib.rnn.FusedRNNCellAdaptor``: the same
    RNN functions (so the same variable names: ``rnn/<cell scope>/...``).
    """

    def __init__(self, cell: Any, use_dynamic_rnn: bool = False) -> None:
        _checks.assert_like_rnncell("cell", cell)
        self._cell = cell
        self._use_dynamic_rnn = use_dynamic_rnn

    def __call__(self, inputs: Any, initial_state: Any = None, dtype: Any = None,
                 sequence_length: Any = None, scope: Any = None) -> tuple:
        inputs = _check_fused_call("FusedRNNCellAdaptor", inputs, dtype, sequence_length)
        is_list = isinstance(inputs, list)
        if self._use_dynamic_rnn:
            stacked = tf.stack(inputs) if is_list else inputs
            outputs, state = _v1.nn.dynamic_rnn(
                self._cell, stacked, sequence_length=sequence_length,
                initial_state=initial_state, dtype=dtype, time_major=True, scope=scope)
            return (tf.unstack(outputs) if is_list else outputs), state
        steps = inputs if is_list else tf.unstack(inputs)
        outputs, state = rnn.static_rnn(self._cell, steps, initial_state=initial_state,
                                        dtype=dtype, sequence_length=sequence_length,
                                        scope=scope)
        return (outputs if is_list else tf.stack(outputs)), state


class TimeReversedFusedRNN(FusedRNNCell):
    """Runs a fused RNN on the time-reversed inputs and reverses its outputs back.

    With `sequence_length`, only the first ``sequence_length[b]`` steps of each
    sequence are reversed (``tf.reverse_sequence``); the final state is the
    wrapped RNN's.

    Args:
      cell: A fused RNN (a `FusedRNNCell` or any callable with its signature).

    Compatibility: TF 1.15's ``tf.contrib.rnn.TimeReversedFusedRNN``: the wrapped
    fused cell runs on the reversed sequence; same variables and numbers.
    """

    def __init__(self, cell: Any) -> None:
        plain_cell = isinstance(cell, rnn_cell.RNNCell) and not isinstance(cell, FusedRNNCell)
        if not callable(cell) or isinstance(cell, type) or plain_cell:
            hint = (" Wrap an RNN cell with FusedRNNCellAdaptor(cell) first." if plain_cell
                    else "")
            raise TypeError(f"`cell` of TimeReversedFusedRNN must be a fused RNN (a "
                            f"FusedRNNCell object or a callable with its signature), got "
                            f"{_checks.describe_value(cell)}.{hint}")
        self._cell = cell

    @staticmethod
    def _reverse(values: Any, lengths: Any) -> Any:
        if isinstance(values, list):
            return list(reversed(values))
        if lengths is None:
            return tf.reverse(values, axis=[0])
        return tf.reverse_sequence(values, lengths, seq_axis=0, batch_axis=1)

    def __call__(self, inputs: Any, initial_state: Any = None, dtype: Any = None,
                 sequence_length: Any = None, scope: Any = None) -> tuple:
        inputs = _check_fused_call("TimeReversedFusedRNN", inputs, dtype, sequence_length)
        outputs, state = self._cell(self._reverse(inputs, sequence_length),
                                    initial_state=initial_state, dtype=dtype,
                                    sequence_length=sequence_length, scope=scope)
        return self._reverse(outputs, sequence_length), state


class LSTMBlockWrapper(rnn_cell.RNNCell, FusedRNNCell):
    """Base of fused LSTMs: the sequence bookkeeping around a subclass's kernel.

    A subclass defines `num_units`, `build(inputs_shape)` (the variables) and
    ``_call_cell(inputs, initial_cell_state, initial_output, dtype,
    sequence_length)`` returning the [time, batch, num_units] cell states and
    outputs. This class makes the zero initial state, and with
    `sequence_length` zeroes the outputs past each sequence's end and picks
    each sequence's final state at its last valid step (the initial state for
    a length of 0).

    The variables live in the wrapper's own scope, bound at the first call
    like a cell's (``lstm_fused_cell``, ``lstm_fused_cell_1``, ... or the
    `scope` of the first call).

    Compatibility: TF 1.15's ``tf.contrib.rnn.LSTMBlockWrapper`` (a Layer in
    TF 1.15; here an object with the same call and the same scope rule).
    """

    @property
    def num_units(self) -> int:
        """Number of units (the output depth)."""
        raise NotImplementedError("Abstract property")

    @property
    def state_size(self) -> rnn_cell.LSTMStateTuple:
        return rnn_cell.LSTMStateTuple(self.num_units, self.num_units)

    @property
    def output_size(self) -> int:
        return self.num_units

    def _call_cell(self, inputs: tf.Tensor, initial_cell_state: tf.Tensor,
                   initial_output: tf.Tensor, dtype: Any, sequence_length: Any) -> tuple:
        raise NotImplementedError("Abstract method")

    def _check_initial_state(self, initial_state: Any, batch: Any) -> None:
        owner = type(self).__name__
        if not isinstance(initial_state, (list, tuple)) or len(initial_state) != 2:
            raise ValueError(f"`initial_state` of {owner} must be a pair (cell_state, output) "
                             f"of [batch_size, {self.num_units}] Tensors, got "
                             f"{_checks.describe_value(initial_state)}.")
        for i, value in enumerate(initial_state):
            value = _checks.as_tensor(value, f"initial_state[{i}]")
            rnn_cell._check_float(owner, "initial_state", value)
            want = tf.TensorShape([batch if isinstance(batch, int) else None, self.num_units])
            if not value.get_shape().is_compatible_with(want):
                raise ValueError(f"`initial_state[{i}]` of {owner} must have shape "
                                 f"{want.as_list()} ([batch_size, num_units]), got shape "
                                 f"{_checks.describe_shape(value)}.")

    def __call__(self, inputs: Any, initial_state: Any = None, dtype: Any = None,
                 sequence_length: Any = None, scope: Any = None) -> tuple:
        """Runs the LSTM over time-major `inputs`.

        Args:
          inputs: [time, batch, depth] Tensor or a list of [batch, depth] Tensors.
          initial_state: Optional pair ``(cell_state, output)``, each [batch, num_units].
          dtype: dtype of the zero initial state; required without `initial_state`.
          sequence_length: Optional int32/int64 [batch] lengths.
          scope: Optional variable scope to bind to at the first call.

        Returns:
          ``(outputs, LSTMStateTuple(c, h))``; outputs match the type of `inputs`.

        Raises:
          ValueError: for inputs not of rank 3 with a static depth, a missing
            `dtype`, or an `initial_state` that is not a pair.
        """
        _checks.ensure_graph_mode(f"{type(self).__name__}.__call__")
        inputs = _check_fused_call(type(self).__name__, inputs, dtype, sequence_length)
        is_list = isinstance(inputs, list)
        inputs = tf.stack(inputs) if is_list else inputs
        shape = inputs.get_shape()
        if shape.rank != 3 or tf.compat.dimension_value(shape[2]) is None:
            raise ValueError(
                f"`inputs` of {type(self).__name__} must be time major [time, batch, depth] "
                f"with a static depth, got shape {_checks.describe_shape(inputs)}.")
        batch = tf.compat.dimension_value(shape[1])
        if batch is None:
            batch = tf.shape(inputs)[1]
        time_len = tf.compat.dimension_value(shape[0])
        if time_len is None:
            time_len = tf.shape(inputs)[0]
        if initial_state is None:
            if dtype is None:
                raise ValueError(f"{type(self).__name__} needs `initial_state` or `dtype` "
                                 "(the dtype of the zero initial state); neither was given.")
            zeros = tf.zeros(tf.stack([batch, self.num_units]), dtype=dtype)
            initial_state = (zeros, zeros)
        else:
            self._check_initial_state(initial_state, batch)
            dtype = dtype or initial_state[0].dtype
        if sequence_length is not None:
            sequence_length = tf.convert_to_tensor(sequence_length)
        self._bind_scope(scope)
        reuse = True if self._built else self._reuse
        with _v1.variable_scope(self._scope, reuse=reuse, auxiliary_name_scope=False,
                                custom_getter=self._track_variable):
            with _v1.name_scope(self._scope.original_name_scope):
                if not self._built:
                    if self._dtype is None:
                        self._dtype = tf.as_dtype(inputs.dtype)
                    self.build(shape)
                    self._built = True
                c0, h0 = initial_state
                cell_states, outputs = self._call_cell(inputs, c0, h0, dtype, sequence_length)
                if sequence_length is None:
                    final = rnn_cell.LSTMStateTuple(cell_states[-1], outputs[-1])
                else:
                    mask = tf.transpose(tf.sequence_mask(sequence_length, time_len, dtype=dtype))
                    outputs = outputs * tf.expand_dims(mask, -1)
                    # Step -1 (length 0) is the initial state: prepend it before gathering.
                    all_c = tf.concat([tf.expand_dims(c0, 0), cell_states], 0)
                    all_h = tf.concat([tf.expand_dims(h0, 0), outputs], 0)
                    where = tf.stack([tf.cast(sequence_length, tf.int32),
                                      tf.range(batch)], axis=1)
                    final = rnn_cell.LSTMStateTuple(tf.gather_nd(all_c, where),
                                                    tf.gather_nd(all_h, where))
        if is_list:
            outputs = tf.unstack(outputs)
        return outputs, final


class LSTMBlockFusedCell(LSTMBlockWrapper):
    """The whole LSTM sequence as one fused kernel (``tf.raw_ops.BlockLSTM``).

    Same maths and variables as `LSTMBlockCell` (``kernel``, ``bias``, and
    with peepholes ``w_i_diag``, ``w_f_diag``, ``w_o_diag``), in its own
    scope ``lstm_fused_cell``. Call it as a fused RNN (see `LSTMBlockWrapper`).

    Args:
      num_units: Number of units.
      forget_bias: Added to the forget gate's pre-activation.
      cell_clip: If set, the cell state is clipped to ``[-cell_clip, cell_clip]``.
      use_peephole: Adds the diagonal peephole connections.
      reuse: Whether to reuse existing variables in the scope.
      dtype: dtype of the variables.
      name: Base name of the scope (``lstm_fused_cell``).

    Compatibility: TF 1.15's ``tf.contrib.rnn.LSTMBlockFusedCell``: same
    signature, variables and numbers.
    """

    def __init__(self, num_units: int, forget_bias: float = 1.0, cell_clip: Any = None,
                 use_peephole: bool = False, reuse: Any = None, dtype: Any = None,
                 name: str = "lstm_fused_cell") -> None:
        super().__init__(_reuse=reuse, name=name, dtype=dtype)
        _set_block_lstm_options(self, num_units, forget_bias, cell_clip, use_peephole)

    @property
    def num_units(self) -> int:
        return self._num_units

    def build(self, inputs_shape: tf.TensorShape) -> None:
        _add_block_lstm_variables(self, tf.compat.dimension_value(inputs_shape[2]))

    def _call_cell(self, inputs: tf.Tensor, initial_cell_state: tf.Tensor,
                   initial_output: tf.Tensor, dtype: Any, sequence_length: Any) -> tuple:
        if self._use_peephole:
            wci, wcf, wco = self._w_i_diag, self._w_f_diag, self._w_o_diag
        else:
            wci = wcf = wco = tf.zeros([self._num_units], dtype=dtype)
        if sequence_length is None:
            time_len = tf.compat.dimension_value(inputs.get_shape()[0])
            if time_len is None:
                time_len = tf.shape(inputs)[0]
            max_len = tf.cast(time_len, tf.int64)
        else:
            max_len = tf.cast(tf.reduce_max(sequence_length), tf.int64)
        _, cs, _, _, _, _, h = tf.raw_ops.BlockLSTM(
            seq_len_max=max_len, x=inputs, cs_prev=initial_cell_state, h_prev=initial_output,
            w=self._kernel, wci=wci, wcf=wcf, wco=wco, b=self._bias,
            forget_bias=self._forget_bias, cell_clip=self._cell_clip,
            use_peephole=self._use_peephole)
        return cs, h
