"""The engine behind `fastpath`: the same models, built and run with far fewer ops.

Private: users reach it only through the public functions (`static_rnn`,
`attention_decoder` and the models on them, `sequence_loss_by_example`) and
switch or inspect it through `legacy_seq2seq_compat.fastpath`.

What it covers. TF 1.15 builds one copy of the cell per time step, per
bucket, and the gradients of each copy; that is what makes bucketed legacy
models slow to build. For the cells it knows (`fastpath`'s docstring lists
them) `static_rnn` and `attention_decoder` hand it every step after the
first:

* the first step is built exactly as before, so every variable is created by
  the cell itself, with the same name, shape, initializer and order;
* each later step is one call of a step function traced once (shared by all
  buckets and by the layers of the same size), whose gradient is also built
  once; the runtime inlines the calls, so it still runs the unrolled graph;
* the input half of each kernel is applied to all steps in one matmul before
  the steps, and the decoder's output projection to all steps after them;
* the step maths carry hand-written gradients, free of the shape ops TF adds
  for operands of unknown batch size;
* when training, a kernel used at every step gets its gradient as one
  product over all steps (``X^T dY``) instead of one small product per
  step and their sum (see `_kernel_tap`), and so do the attention states
  that every decoder step reads (see `_read_tap`).

`sequence_loss_by_example` computes the default cross-entropy of all steps
in one op and traces a user `softmax_loss_function` once (`step_loss`).

How equality is shown. The numbers are those of the step-by-step graph
(`fastpath.stepwise()`) up to float rounding: tests/test_baseline_numbers.py
pins outputs, losses and gradients of many model configurations against the
baseline revision's step-by-step graph within 1e-5, and tests/test_fastpath.py
checks the paths against `stepwise()` in the same process. The one change in
the maths is that kernels are applied as ``x @ W_x + h @ W_h`` instead of
``[x, h] @ W``.

Every path choice is recorded per graph (`decide`); `fastpath.report` reads
the record.
"""

from __future__ import annotations

import copy
import logging
import os
import weakref
from typing import Any, Callable, NamedTuple, Optional, Sequence

import tensorflow as tf

from legacy_seq2seq_compat import rnn_cell

_v1 = tf.compat.v1

STEPWISE_ENV = "LEGACY_SEQ2SEQ_COMPAT_STEPWISE"

BATCH_LOSS_ENV = "LEGACY_SEQ2SEQ_COMPAT_BATCH_LOSS_FUNCTIONS"

TRACE_LOSS_ENV = "LEGACY_SEQ2SEQ_COMPAT_TRACE_LOSS_FUNCTIONS"

# The name of every traced loss graph (and of the name scope inside it), so
# that TensorFlow's errors about its tensors say how to get per-step calls.
TRACED_LOSS_NAME = "legacy_seq2seq_traced_loss__use_fastpath_stepwise_for_per_step_calls"

settings = {
    "stepwise": os.environ.get(STEPWISE_ENV, "") not in ("", "0"),
    "batch_loss_functions": os.environ.get(BATCH_LOSS_ENV, "") not in ("", "0"),
    "trace_loss_functions": os.environ.get(TRACE_LOSS_ENV, "") not in ("", "0"),
}



def is_stepwise() -> bool:
    """Whether `fastpath.stepwise()` (or its environment variable) is on."""
    return settings["stepwise"]


class Decision(NamedTuple):
    """One path choice made while a graph was built, as `report` lists it.

    Attributes:
      function: What chose: ``"static_rnn"``, ``"attention_decoder"``,
        ``"rnn_decoder"`` (always step by step) or ``"softmax_loss_function"``
        (the user's loss in `sequence_loss_by_example`).
      fast: True when it took the fast path (for the loss: was traced).
      reason: Why it took the step-by-step path (empty when `fast`).

    Compatibility:
      Not in TF 1.15, which always built step by step.
    """

    function: str
    fast: bool
    reason: str


STEPWISE_REASON = "fastpath.stepwise() is on"

LOSS_FUNCTION = "softmax_loss_function"

# Logged under the public module's name, which users configure.
_log = logging.getLogger("legacy_seq2seq_compat.fastpath")

# Per graph, the distinct decisions in the order first made.
_decisions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

# (function, reason) pairs already logged by this process.
_logged: set = set()


def decide(function: str, reason: Optional[str] = None, quiet: bool = False) -> None:
    """Records one call's path choice for the default graph.

    A step-by-step choice is logged once per function and reason per process,
    unless `quiet` (it was asked for, or costs little) or it is `stepwise()`'s.
    """
    if tf.executing_eagerly():
        return
    decision = Decision(function, reason is None, reason or "")
    graph = _v1.get_default_graph()
    # Inside a branch of a v2 tf.cond (a Tensor `feed_previous`) the default
    # graph is the branch's: the decision belongs to the graph the user built.
    while getattr(graph, "outer_graph", None) is not None:
        graph = graph.outer_graph
    decisions = _decisions.setdefault(graph, [])
    if decision not in decisions:
        decisions.append(decision)
    if reason is None or quiet or reason == STEPWISE_REASON or (function, reason) in _logged:
        return
    _logged.add((function, reason))
    _log.warning(
        "legacy_seq2seq_compat: %s takes the step-by-step path, which builds far more ops: "
        "%s. (Logged once per reason; fastpath.report(graph) lists every choice.)",
        function, reason)


def record_stepwise(function: str, reason: str, quiet: bool = False) -> None:
    """For callers: `function` took the step-by-step path for `reason` (logged once).

    `quiet` records the choice for `report()` without logging it: for a path
    that has no fast alternative, a warning would ask the user for a change
    that cannot help.
    """
    decide(function, STEPWISE_REASON if is_stepwise() else reason, quiet=quiet)



def decisions(graph: tf.Graph) -> list:
    """The distinct decisions recorded for `graph`, in the order first made."""
    return list(_decisions.get(graph, []))


_TANH = (tf.tanh, tf.math.tanh, tf.nn.tanh)


def _read(variable: Any) -> tf.Tensor:
    return tf.convert_to_tensor(variable)


# The step maths below carry hand-written gradients. TF's own gradients of
# broadcasting ops cannot prove that two [None, n] operands have the same
# shape, so they add Shape, BroadcastGradientArgs, Sum and Reshape nodes to
# every step; these gradients need none of them.


def _dim(value: tf.Tensor, axis: int) -> Optional[int]:
    """A static dimension as an int (or None), under TF1 and TF2 shape behaviour."""
    return tf.compat.dimension_value(value.get_shape().dims[axis])


def _sigmoid_grad(y: tf.Tensor, dy: tf.Tensor) -> tf.Tensor:
    """``dy * y * (1 - y)`` in one op."""
    return tf.raw_ops.SigmoidGrad(y=y, dy=dy)


def _tanh_grad(y: tf.Tensor, dy: tf.Tensor) -> tf.Tensor:
    """``dy * (1 - y * y)`` in one op."""
    return tf.raw_ops.TanhGrad(y=y, dy=dy)


def _gru_gates(defer: bool = False) -> Callable:
    """GRUCell's step maths, from the projected input ``x @ W_x + b`` and the state ``h``.

    With `defer` the state kernels get no gradient here (`_kernel_tap` gives
    them theirs for all steps at once) and the step also returns ``r * h``,
    the input of the candidate kernel.
    """

    @tf.custom_gradient
    def gates_fn(projected: tf.Tensor, h: tf.Tensor, gate_kernel: tf.Tensor,
                 candidate_kernel: tf.Tensor) -> tuple:
        units = _dim(h, 1)
        gate_in, candidate_in = tf.split(projected, [2 * units, units], 1)
        gates = tf.sigmoid(gate_in + tf.matmul(h, gate_kernel))
        reset, update = tf.split(gates, 2, 1)
        reset_h = reset * h
        candidate = tf.tanh(candidate_in + tf.matmul(reset_h, candidate_kernel))
        # u * h + (1 - u) * c as c + u * (h - c): one kernel fewer, and the
        # gradient reuses h - c. Equal up to float rounding.
        difference = h - candidate
        new_h = candidate + update * difference

        def grad(d_new: tf.Tensor, *unused: Any) -> list:
            d_update = d_new * difference
            d_candidate = _tanh_grad(candidate, d_new - d_new * update)
            d_reset_h = tf.matmul(d_candidate, candidate_kernel, transpose_b=True)
            d_gates = _sigmoid_grad(gates, tf.concat([d_reset_h * h, d_update], 1))
            d_h = tf.add_n([d_new * update, d_reset_h * reset,
                            tf.matmul(d_gates, gate_kernel, transpose_b=True)])
            d_projected = tf.concat([d_gates, d_candidate], 1)
            if defer:
                return [d_projected, d_h, None, None]
            return [d_projected, d_h, tf.matmul(h, d_gates, transpose_a=True),
                    tf.matmul(reset_h, d_candidate, transpose_a=True)]

        if defer:
            return (new_h, reset_h), grad
        return new_h, grad

    return gates_fn


def _lstm_gates(forget_bias: float, defer: bool = False) -> Callable:
    """BasicLSTMCell's step maths for one `forget_bias`, with its gradient.

    With `defer` the state kernel gets no gradient here (see `_kernel_tap`).
    """

    @tf.custom_gradient
    def gates_fn(projected: tf.Tensor, c: tf.Tensor, h: tf.Tensor,
                 kernel: tf.Tensor) -> tuple:
        gates = projected + tf.matmul(h, kernel)
        i, j, f, o = tf.split(gates, 4, 1)
        input_gate = tf.sigmoid(i)
        new_input = tf.tanh(j)
        forget_gate = tf.sigmoid(f + tf.constant(forget_bias, dtype=f.dtype))
        output_gate = tf.sigmoid(o)
        new_c = c * forget_gate + input_gate * new_input
        squashed = tf.tanh(new_c)
        new_h = squashed * output_gate

        def grad(d_c_out: Optional[tf.Tensor], d_h_out: Optional[tf.Tensor]) -> list:
            d_c_out = tf.zeros_like(c) if d_c_out is None else d_c_out
            d_h_out = tf.zeros_like(h) if d_h_out is None else d_h_out
            d_c = d_c_out + _tanh_grad(squashed, d_h_out * output_gate)
            d_gates = tf.concat([
                _sigmoid_grad(input_gate, d_c * new_input),
                _tanh_grad(new_input, d_c * input_gate),
                _sigmoid_grad(forget_gate, d_c * c),
                _sigmoid_grad(output_gate, d_h_out * squashed)], 1)
            d_h = tf.matmul(d_gates, kernel, transpose_b=True)
            if defer:
                return [d_gates, d_c * forget_gate, d_h, None]
            return [d_gates, d_c * forget_gate, d_h, tf.matmul(h, d_gates, transpose_a=True)]

        return (new_c, new_h), grad

    return gates_fn


def _attention_head(defer_hidden: bool = False) -> Callable:
    """One head's read: ``softmax_L(v . tanh(features + y)) @ hidden``, with its gradient.

    The returned function takes `y` [B, A] (the projected query), `features`
    and `hidden` [B, L, A] and `vector` [A], and returns the read [B, A] and
    the distribution [B, L]. With `defer_hidden` it gives `hidden` no
    gradient (`_read_tap` gives it the gradient of all steps at once).
    """

    @tf.custom_gradient
    def head_fn(y: tf.Tensor, features: tf.Tensor, hidden: tf.Tensor,
                vector: tf.Tensor) -> tuple:
        size = _dim(hidden, 2)
        hidden_sum = tf.tanh(features + tf.expand_dims(y, 1))
        # v . tanh(...) for all B * L rows as one matrix-vector product:
        # several times cheaper than TF 1.15's broadcast product and sum,
        # same numbers.
        flat_scores = tf.matmul(tf.reshape(hidden_sum, [-1, size]),
                                tf.reshape(vector, [size, 1]))
        scores = tf.reshape(flat_scores, tf.shape(hidden_sum)[:2])
        weights = tf.nn.softmax(scores)
        read = tf.reshape(tf.matmul(tf.expand_dims(weights, 1), hidden), [-1, size])

        def grad(d_read: tf.Tensor, d_weights: Optional[tf.Tensor]) -> list:
            d_w = tf.squeeze(tf.matmul(hidden, tf.expand_dims(d_read, 2)), 2)
            if d_weights is not None:
                d_w += d_weights
            d_scores = weights * (d_w - tf.reduce_sum(weights * d_w, 1, keepdims=True))
            # The outer product d_scores (x) v as a product with inner size 1:
            # faster than a broadcast multiply, and the same numbers.
            d_outer = tf.matmul(tf.reshape(d_scores, [-1, 1]), tf.reshape(vector, [1, size]))
            d_features = _tanh_grad(hidden_sum, tf.reshape(d_outer, tf.shape(hidden_sum)))
            d_vector = tf.reshape(tf.matmul(tf.reshape(d_scores, [1, -1]),
                                            tf.reshape(hidden_sum, [-1, size])), [-1])
            d_hidden = None if defer_hidden else \
                tf.matmul(tf.expand_dims(weights, 2), tf.expand_dims(d_read, 1))
            return [tf.reduce_sum(d_features, 1), d_features, d_hidden, d_vector]

        return (read, weights), grad

    return head_fn


# Deferred kernel gradients. A kernel W used at every step (``y_t = x_t @ W``)
# would get one product ``x_t^T dy_t`` per step and their sum; these products
# run slowly, their inner dimension being the batch size. Instead the steps
# stop W's gradient and route dy_t to a tap, a zero sequence the loop takes
# as input, and the tap's identity (`_kernel_tap`) computes ``X^T dY`` over
# all steps in one product.


@tf.custom_gradient
def _route(value: tf.Tensor, tap: tf.Tensor) -> tuple:
    """Identity on `value`; its gradient also goes to `tap` (a step's zero input)."""

    def grad(d_value: tf.Tensor) -> list:
        return [d_value, d_value]

    return tf.identity(value), grad


def _tap_identity(tap: tf.Tensor, targets: Sequence[tf.Tensor],
                  target_grads: Callable) -> tf.Tensor:
    """Identity on `tap` whose gradient also gives `targets` ``target_grads(d_tap)``.

    The taps' common mechanism: `target_grads` maps the gradient of the tap
    (what the steps routed to it) to one gradient per target.
    """

    @tf.custom_gradient
    def identity(value: tf.Tensor, *unused: tf.Tensor) -> tuple:
        def grad(d_value: tf.Tensor) -> list:
            return [d_value] + list(target_grads(d_value))

        return tf.identity(value), grad

    return identity(tap, *targets)


def _kernel_tap(tap: tf.Tensor, kernels: Sequence[tuple]) -> tuple:
    """An identity on `tap` `[T, B, N]` that gives `kernels` their gradients for all steps.

    Args:
      tap: The sequence whose gradient is dY, the gradient of the steps'
        products (or of the sequence itself, when it is a loop input).
      kernels: ``(weight, first column)`` pairs: each weight (a `[K, n]`
        kernel or `[n]` bias) made columns ``first .. first + n`` of Y.

    Returns:
      ``(identity of tap, set_inputs)``: after the loop the caller passes
      `set_inputs` the stacked inputs X `[T, B, K]` of the kernels, in order
      and skipping the biases (their gradient is the sum of the rows of dY).
    """
    width = _dim(tap, 2)
    inputs: list = [None] * len(kernels)

    def set_inputs(stacked: Sequence[tf.Tensor]) -> None:
        remaining = iter(stacked)
        inputs[:] = [None if weight.get_shape().rank == 1 else next(remaining)
                     for weight, _ in kernels]

    def kernel_grads(d_tap: tf.Tensor) -> list:
        d_rows = tf.reshape(d_tap, [-1, width])
        grads = []
        for (weight, first), x in zip(kernels, inputs):
            size = _dim(weight, -1)
            d_cols = d_rows if size == width else d_rows[:, first:first + size]
            if x is None:
                grads.append(tf.reduce_sum(d_cols, 0))
            else:
                x_rows = tf.reshape(x, [-1, _dim(x, 2)])
                grads.append(tf.matmul(x_rows, d_cols, transpose_a=True))
        return grads

    return _tap_identity(tap, [weight for weight, _ in kernels], kernel_grads), set_inputs


def _read_tap(tap: tf.Tensor, hidden: tf.Tensor) -> tuple:
    """An identity on `tap` `[T, B, A]` that gives `hidden` the gradient of all steps' reads.

    Each step reads ``w_t @ hidden`` (per batch row), so the gradient of
    `hidden` `[B, L, A]` is ``sum_t w_t (x) dR_t``: one batched product
    ``W^T dR`` over the steps instead of one outer product per step and
    their sum. The steps route dR_t to the tap (see `_route`).

    Returns:
      ``(identity of tap, set_weights)``: after the loop the caller passes
      `set_weights` the stacked distributions W `[T, B, L]`.
    """
    stacked: list = []

    def set_weights(weights: tf.Tensor) -> None:
        stacked[:] = [weights]

    def hidden_grad(d_tap: tf.Tensor) -> list:
        by_row = tf.transpose(stacked[0], [1, 2, 0])
        d_reads = tf.transpose(d_tap, [1, 0, 2])
        return [tf.matmul(by_row, d_reads)]

    return _tap_identity(tap, [hidden], hidden_grad), set_weights


class _Layer:
    """One GRU or BasicLSTM layer as tensors: kernels split into input and state rows.

    ``project(x)`` is the input half of the pre-activations (with the bias),
    which needs no state and so can be applied to all steps at once;
    ``step(projected, parts)`` adds the state half and applies the gates.
    A state is carried as `parts`: ``(h,)`` for a GRU, ``(c, h)`` for an LSTM.
    """

    def __init__(self, cell: Any) -> None:
        units = cell._num_units
        self.units = units
        self.is_gru = type(cell) is rnn_cell.GRUCell
        if self.is_gru:
            gate_kernel = _read(cell._gate_kernel)
            candidate_kernel = _read(cell._candidate_kernel)
            depth = gate_kernel.get_shape().as_list()[0] - units
            # tf.split rather than slicing: its gradient is a concat, where a
            # slice's gradient writes a kernel-sized tensor of zeros.
            gate_input, self.gate_state_kernel = tf.split(gate_kernel, [depth, units], 0)
            candidate_input, self.candidate_state_kernel = tf.split(
                candidate_kernel, [depth, units], 0)
            self.input_kernel = tf.concat([gate_input, candidate_input], 1)
            self.input_bias = tf.concat([_read(cell._gate_bias), _read(cell._candidate_bias)], 0)
            self.width = 3 * units
        else:
            kernel = _read(cell._kernel)
            depth = kernel.get_shape().as_list()[0] - units
            self.input_kernel, self.state_kernel = tf.split(kernel, [depth, units], 0)
            self.input_bias = _read(cell._bias)
            self.forget_bias = cell._forget_bias
            self.state_is_tuple = cell._state_is_tuple
            self.width = 4 * units
        self.depth = depth

    @property
    def _tensor_names(self) -> tuple:
        if self.is_gru:
            return ("input_kernel", "input_bias", "gate_state_kernel", "candidate_state_kernel")
        return ("input_kernel", "input_bias", "state_kernel")

    def tensors(self) -> list:
        """The weights, as a list (they are passed to the traced step functions)."""
        return [getattr(self, name) for name in self._tensor_names]

    def rebind(self, tensors: Sequence[tf.Tensor]) -> _Layer:
        """A copy of this layer computing with `tensors` instead of its own weights."""
        layer = copy.copy(self)
        for name, value in zip(self._tensor_names, tensors):
            setattr(layer, name, value)
        return layer

    def config(self) -> tuple:
        """What, besides the tensors' shapes, decides this layer's maths."""
        if self.is_gru:
            return ("gru", self.units)
        return ("lstm", self.units, float(self.forget_bias), self.state_is_tuple)

    @staticmethod
    def decline_reason(cell: Any) -> Optional[str]:
        """Why `cell` cannot be a fast layer, or None when it can."""
        name = type(cell).__name__
        if type(cell) not in (rnn_cell.GRUCell, rnn_cell.BasicLSTMCell):
            return f"cell type {name} (fast steps exist for GRUCell and BasicLSTMCell)"
        if not cell.built:
            return f"cell type {name}, not built"
        if cell._activation not in _TANH:
            return f"cell type {name} with an activation other than tanh"
        return None

    def project(self, inputs: tf.Tensor) -> tf.Tensor:
        return tf.nn.bias_add(tf.matmul(inputs, self.input_kernel), self.input_bias)

    def state_kernels(self) -> list:
        """``(kernel, first column)`` of the state half's products (see `_kernel_tap`)."""
        if self.is_gru:
            return [(self.gate_state_kernel, 0), (self.candidate_state_kernel, 2 * self.units)]
        return [(self.state_kernel, 0)]

    def step(self, projected: tf.Tensor, parts: tuple, defer: bool = False) -> tuple:
        """Returns ``(output, new_parts, saved)`` for one step.

        With `defer` the state kernels get no gradient and `saved` lists the
        inputs of the `state_kernels` products; otherwise it is empty.
        """
        if self.is_gru:
            h = parts[0]
            result = _gru_gates(defer)(projected, h, self.gate_state_kernel,
                                       self.candidate_state_kernel)
            if defer:
                new_h, reset_h = result
                return new_h, (new_h,), [h, reset_h]
            return result, (result,), []
        c, h = parts
        new_c, new_h = _lstm_gates(self.forget_bias, defer)(projected, c, h, self.state_kernel)
        return new_h, (new_c, new_h), [h] if defer else []

    def to_parts(self, state: Any) -> tuple:
        if self.is_gru:
            return (state,)
        if self.state_is_tuple:
            return (state[0], state[1])
        return (state[:, :self.units], state[:, self.units:])

    def from_parts(self, parts: tuple) -> Any:
        if self.is_gru:
            return parts[0]
        if self.state_is_tuple:
            return rnn_cell.LSTMStateTuple(parts[0], parts[1])
        return tf.concat(list(parts), 1)


def _without_idle_dropout(cell: Any) -> Any:
    """`cell` inside any DropoutWrappers whose keep probabilities are all the constant 1.0.

    Such a wrapper adds no op to a step (nor a variable scope), so the fast
    paths can run the cell it wraps.
    """
    while type(cell) is rnn_cell.DropoutWrapper and all(
            isinstance(p, float) and p == 1.0
            for p in (cell._input_keep_prob, cell._state_keep_prob, cell._output_keep_prob)):
        cell = cell.cell
    return cell


class _Stack:
    """A cell the fast paths can run: layers, and an optional output projection."""

    def __init__(self, layers: list, multi: bool, projection: Optional[list]) -> None:
        self.layers = layers
        self.multi = multi
        self.projection = projection

    def tensors(self) -> list:
        flat = [t for layer in self.layers for t in layer.tensors()]
        return flat + list(self.projection or [])

    def rebind(self, tensors: Sequence[tf.Tensor]) -> _Stack:
        tensors = list(tensors)
        layers = []
        for layer in self.layers:
            count = len(layer.tensors())
            layers.append(layer.rebind(tensors[:count]))
            tensors = tensors[count:]
        return _Stack(layers, self.multi, tensors if self.projection else None)

    def config(self) -> tuple:
        return (tuple(layer.config() for layer in self.layers), self.multi,
                self.projection is not None)

    @staticmethod
    def _unwrap(cell: Any) -> tuple:
        """``(projection Linear or None, list of layer cells, multi)``, or None.

        DropoutWrappers that drop nothing are left out (see `_without_idle_dropout`).
        """
        projection = None
        cell = _without_idle_dropout(cell)
        if type(cell) is rnn_cell.OutputProjectionWrapper:
            if cell._activation is not None or getattr(cell, "_linear", None) is None:
                return None
            projection = cell._linear
            cell = _without_idle_dropout(cell._cell)
        if type(cell) is rnn_cell.MultiRNNCell:
            # A cell object repeated in the list is one set of weights that
            # several layers read (as in TF 1.15); see `from_cell`.
            if not cell._state_is_tuple:
                return None
            return projection, [_without_idle_dropout(c) for c in cell._cells], True
        return projection, [cell], False

    @classmethod
    def decline_reason(cls, cell: Any) -> Optional[str]:
        """None for a built GRU / BasicLSTM cell or MultiRNNCell of them, else why not."""
        cell = _without_idle_dropout(cell)
        if type(cell) is rnn_cell.OutputProjectionWrapper:
            if cell._activation is not None:
                return "an OutputProjectionWrapper with an activation"
            if getattr(cell, "_linear", None) is None:
                return "an OutputProjectionWrapper that is not built"
            cell = _without_idle_dropout(cell._cell)
        cells = [cell]
        if type(cell) is rnn_cell.MultiRNNCell:
            if not cell._state_is_tuple:
                return "a MultiRNNCell with state_is_tuple=False"
            cells = [_without_idle_dropout(c) for c in cell._cells]
        for layer in cells:
            if type(layer) is rnn_cell.DropoutWrapper:
                return ("a DropoutWrapper whose keep probabilities are not all the constant "
                        "1.0 (dropout runs step by step)")
            reason = _Layer.decline_reason(layer)
            if reason is not None:
                return reason
        return None

    @classmethod
    def from_cell(cls, cell: Any) -> _Stack:
        """The stack of a cell `decline_reason` accepts (reads its variables).

        A cell object repeated in a MultiRNNCell gives one `_Layer` used at
        each of its positions: those layers compute with the same weight
        tensors, so their gradients (one per layer, from the taps and the
        input products) are summed by TensorFlow into the shared variables'.
        """
        projection, cells, multi = cls._unwrap(cell)
        if projection is not None:
            projection = [_read(projection.kernel), _read(projection.bias)]
        layers: dict = {}
        for c in cells:
            if id(c) not in layers:
                layers[id(c)] = _Layer(c)
        return cls([layers[id(c)] for c in cells], multi, projection)

    def to_parts(self, state: Any) -> list:
        states = state if self.multi else (state,)
        return [layer.to_parts(s) for layer, s in zip(self.layers, states)]

    def from_parts(self, parts: list) -> Any:
        states = tuple(layer.from_parts(p) for layer, p in zip(self.layers, parts))
        return states if self.multi else states[0]

    def step(self, inputs: tf.Tensor, parts: list, taps: Optional[list] = None) -> tuple:
        """One step of every layer: ``(top output, new parts, saved)``.

        With `taps` (one per layer) every kernel's gradient is deferred
        (see `_kernel_tap`): `saved` gives, layer after layer, the inputs of
        the layer's `kernels` (the biases have none).
        """
        new_parts, saved = [], []
        for index, (layer, layer_parts) in enumerate(zip(self.layers, parts)):
            projected = layer.project(inputs)
            if taps is not None:
                saved.append(inputs)
                projected = _route(projected, taps[index])
            inputs, updated, layer_saved = layer.step(projected, layer_parts, taps is not None)
            saved += layer_saved
            new_parts.append(updated)
        return inputs, new_parts, saved

    def kernels(self) -> list:
        """Per layer, ``(weight, first column)`` of every product of its tap."""
        return [[(layer.input_kernel, 0), (layer.input_bias, 0)] + layer.state_kernels()
                for layer in self.layers]

    def project_output(self, outputs: tf.Tensor) -> tf.Tensor:
        if self.projection is None:
            return outputs
        return tf.nn.bias_add(tf.matmul(outputs, self.projection[0]), self.projection[1])


# Traced step functions, per graph: buckets and decoders of the same sizes
# share one trace and one gradient function.
_traces: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _loop(key: tuple, step: Callable, sequences: Sequence[tf.Tensor], carry: Any,
          num_steps: int, constants: Sequence[tf.Tensor],
          relaxed: Sequence[int] = ()) -> tuple:
    """Runs ``carry, emits = step(carry, inputs_t, constants)`` for t < num_steps.

    The step is traced once into a graph function and called once per step:
    Python builds one step (and one gradient) instead of `num_steps`, while
    the runtime inlines the calls and runs the unrolled graph. Everything the
    step uses is an argument (`constants` are the weights), so the trace is
    shared by every call with the same `key` and argument shapes.

    Args:
      key: What, besides the argument shapes and dtypes, decides the maths.
      step: The step function; `inputs_t` is the list of the sequences' t-th
        elements, `emits` a list of Tensors.
      sequences: Tensors with `num_steps` as their first dimension.
      carry: Nested structure of Tensors carried from step to step; their
        static shapes stay those of the initial values.
      num_steps: Number of steps (a Python int).
      constants: Tensors every step takes unchanged.
      relaxed: Indices of `constants` traced with an unknown second dimension
        (the attention length, so that all buckets share one trace).

    Returns:
      ``(final carry, [stacked emits])``, each emit `[num_steps, ...]`. An
      emit that is one of the step's carried tensors (in or out) is stacked
      from the carries rather than returned by every step again.
    """
    steps = [tf.unstack(s, num=num_steps) for s in sequences]
    flat_carry = tf.nest.flatten(carry)
    num_carry, num_inputs = len(flat_carry), len(steps)
    arguments = flat_carry + [s[0] for s in steps] + list(constants)
    shapes = [a.get_shape() for a in arguments]
    offset = num_carry + num_inputs
    for index in relaxed:
        dims = shapes[offset + index].as_list()
        shapes[offset + index] = tf.TensorShape(dims[:1] + [None] + dims[2:])
    signature = tuple(tf.TensorSpec(shape, a.dtype) for shape, a in zip(shapes, arguments))
    plans: list = []

    def flat_step(*args: tf.Tensor) -> list:
        carry_in = list(args[:num_carry])
        new_carry, emits = step(tf.nest.pack_sequence_as(carry, carry_in),
                                list(args[num_carry:num_carry + num_inputs]),
                                list(args[num_carry + num_inputs:]))
        carry_out = tf.nest.flatten(new_carry)
        plan, own = [], []
        for value in emits:
            source = _carry_source(value, carry_in, carry_out)
            if source is None:
                source = ("emit", len(own))
                own.append(value)
            plan.append(source)
        plans.append(plan)
        return carry_out + own

    cache = _traces.setdefault(_v1.get_default_graph(), {})
    traced = cache.get((key, signature))
    if traced is None:
        function = tf.function(flat_step, autograph=False).get_concrete_function(*signature)
        traced = cache[(key, signature)] = (function, plans[0])
    function, plan = traced
    history = [flat_carry]
    emitted: list = []
    for t in range(num_steps):
        results = function(*history[-1], *[s[t] for s in steps], *constants)
        flat = results[:num_carry]
        for value, like in zip(flat, flat_carry):
            value.set_shape(like.get_shape())
        history.append(flat)
        emitted.append(results[num_carry:])
    own_stacks = [tf.stack(list(column)) for column in zip(*emitted)]
    carry_stacks: dict = {}
    stacked = []
    for kind, index in plan:
        if kind == "emit":
            stacked.append(own_stacks[index])
            continue
        if (kind, index) not in carry_stacks:
            rows = history[:-1] if kind == "in" else history[1:]
            carry_stacks[(kind, index)] = tf.stack([row[index] for row in rows])
        stacked.append(carry_stacks[(kind, index)])
    return tf.nest.pack_sequence_as(carry, history[-1]), stacked


def _carry_source(value: tf.Tensor, carry_in: Sequence[tf.Tensor],
                  carry_out: Sequence[tf.Tensor]) -> Optional[tuple]:
    """``("in" | "out", index)`` when an emitted `value` is a carried tensor, else None.

    Such emits are stacked from the carries instead of being extra outputs of
    every step: an output nobody differentiates still gets a tensor of zeros
    as its gradient, which the step's gradient then adds in.
    """
    for kind, carried in (("in", carry_in), ("out", carry_out)):
        for index, tensor in enumerate(carried):
            if value is tensor:
                return kind, index
    return None


def _static_batch(value: tf.Tensor) -> int:
    """The static batch size, or -1 (for reshapes) when it is unknown."""
    batch = _dim(value, 0)
    return -1 if batch is None else batch


def stackable(values: Sequence[Any], rank: Optional[int] = None) -> bool:
    if not all(isinstance(v, tf.Tensor) for v in values):
        return False
    first = values[0].get_shape()
    if first.rank is None or (rank is not None and first.rank != rank):
        return False
    if any(tf.compat.dimension_value(d) is None for d in first.dims[1:]):
        return False
    return all(v.get_shape().is_compatible_with(first) and v.dtype == values[0].dtype
               for v in values)


def _run_layers(stack: _Stack, inputs: tf.Tensor, parts: list, num_steps: int,
                batch: int) -> tuple:
    """Runs every layer over all steps, one loop per layer (inputs `[num_steps * B, D]`).

    Returns ``(top outputs [num_steps * B, H], final parts)``.
    """
    final_parts = []
    for layer, layer_parts in zip(stack.layers, parts):
        projected = tf.reshape(layer.project(inputs), [num_steps, batch, layer.width])
        # `projected` is a loop input, so its gradient is already the tap's.
        projected, set_inputs = _kernel_tap(projected, layer.state_kernels())

        def step(carry: tuple, inputs_t: list, weights: list, layer: _Layer = layer) -> tuple:
            output, new_parts, saved = layer.rebind(weights).step(inputs_t[0], carry, defer=True)
            return new_parts, [output] + saved

        last, (outputs, *saved) = _loop(("layer", "deferred") + layer.config(), step,
                                        [projected], tuple(layer_parts), num_steps,
                                        layer.tensors())
        set_inputs(saved)
        final_parts.append(last)
        inputs = tf.reshape(outputs, [-1, layer.units])
    return inputs, final_parts


def static_rnn_tail(cell: Any, inputs: list, state: Any, first_output: Any) -> Optional[tuple]:
    """Steps 1.. of `static_rnn` after step 0 ran through the cell itself.

    Args:
      cell: The cell, already called once (so built).
      inputs: The step inputs after the first.
      state: The state after the first step.
      first_output: The first step's output (for its static shape).

    Returns:
      ``(outputs, final state)`` with `outputs` the list for `inputs`, or None
      when the cell or inputs need the step-by-step path.
    """
    reason = _static_rnn_decline(cell, inputs, first_output)
    decide("static_rnn", reason)
    if reason is not None:
        return None
    embedding = None
    core = cell
    if type(cell) is rnn_cell.EmbeddingWrapper:
        embedding, core = cell._embedding, cell._cell
    stack = _Stack.from_cell(core)
    num_steps = len(inputs)
    batch = _static_batch(first_output)
    if embedding is not None:
        ids = tf.stack([tf.reshape(i, [-1]) for i in inputs])
        with tf.device("/cpu:0"):
            flat_inputs = tf.nn.embedding_lookup(embedding, tf.reshape(ids, [-1]))
    else:
        flat_inputs = tf.reshape(tf.stack(inputs), [-1, _dim(inputs[0], 1)])
    outputs, final_parts = _run_layers(stack, flat_inputs, stack.to_parts(state), num_steps,
                                       batch)
    outputs = stack.project_output(outputs)
    width = _dim(outputs, -1)
    steps = tf.unstack(tf.reshape(outputs, [num_steps, batch, width]), num=num_steps)
    for output in steps:
        output.set_shape(first_output.get_shape())
    return steps, stack.from_parts(final_parts)


def _static_rnn_decline(cell: Any, inputs: list, first_output: Any) -> Optional[str]:
    """Why `static_rnn_tail` must leave the steps to the cell, or None."""
    if is_stepwise():
        return STEPWISE_REASON
    if not isinstance(first_output, tf.Tensor) or first_output.dtype != tf.float32:
        return "the outputs are not float32 Tensors"
    core = cell
    if type(cell) is rnn_cell.EmbeddingWrapper:
        core = cell._cell
        if getattr(cell, "_embedding", None) is None:
            return "an EmbeddingWrapper that is not built"
        if not stackable(inputs) or not tf.as_dtype(inputs[0].dtype).is_integer:
            return "the EmbeddingWrapper's inputs are not integer Tensors of one shape"
    elif not stackable(inputs, rank=2):
        return "the inputs are not 2-D Tensors of one shape and dtype"
    reason = _Stack.decline_reason(core)
    if reason is not None or type(cell) is rnn_cell.EmbeddingWrapper:
        return reason
    first = _Stack._unwrap(core)[1][0]
    kernel = first._gate_kernel if type(first) is rnn_cell.GRUCell else first._kernel
    if inputs[0].dtype != kernel.dtype.base_dtype or \
            _dim(inputs[0], 1) != kernel.get_shape().as_list()[0] - first._num_units:
        return "the inputs' dtype or depth differ from the first step's"
    return None


class AttentionParts:
    """What the attention decoder built at step 0, for the fast path to reuse.

    Args:
      merge: The Linear merging the input and the reads (kernel rows: input,
        then one block per head).
      queries: One Linear per head mapping the flattened state to a query.
      project: The AttnOutputProjection Linear.
      states: The `[B, L, 1, A]` attention states.
      features: One `[B, L, 1, A]` Tensor per head (W_k h_t).
      vectors: One `[A]` Tensor per head (v_k).
      attn_length: Static int or scalar Tensor L.
      attn_size: A.
    """

    def __init__(self, merge: Any, queries: list, project: Any, states: tf.Tensor,
                 features: list, vectors: list, attn_length: Any, attn_size: int) -> None:
        self._linears = (merge, queries, project)
        self.states = states
        self._raw_features = features
        self.vectors = vectors
        self.attn_length = attn_length if isinstance(attn_length, int) else None
        self.attn_size = attn_size
        self.num_heads = len(queries)

    def prepare(self, input_size: int, top_size: int, part_sizes: Sequence[int]) -> None:
        """Reads the weights and builds the 3-D views (once the fast path is taken).

        The kernels are split into row blocks, one per concatenated input,
        so the steps multiply block by block instead of concatenating.
        """
        merge, queries, project = self._linears
        heads, size = self.num_heads, self.attn_size
        self.merge = _row_blocks(_read(merge.kernel), [input_size] + [size] * heads)
        self.merge_bias = _read(merge.bias)
        self.queries = [_row_blocks(_read(q.kernel), part_sizes) + [_read(q.bias)]
                        for q in queries]
        self.project = _row_blocks(_read(project.kernel), [top_size] + [size] * heads)
        self.project_bias = _read(project.bias)
        shape = [-1, self.attn_length or tf.shape(self.states)[1], size]
        self.hidden = tf.reshape(self.states, shape)
        self.features = [tf.reshape(f, shape) for f in self._raw_features]
        self.vectors = [_read(v) for v in self.vectors]
        self._layout = (len(self.merge), len(self.queries[0]), len(self.project))

    def tensors(self) -> list:
        flat = self.merge + [self.merge_bias] + [t for q in self.queries for t in q]
        flat += self.project + [self.project_bias]
        return flat + [self.hidden] + self.features + self.vectors

    def rebind(self, tensors: Sequence[tf.Tensor]) -> AttentionParts:
        parts = copy.copy(self)
        heads = self.num_heads
        merge_count, query_count, project_count = self._layout
        rest = list(tensors)
        parts.merge, parts.merge_bias = rest[:merge_count], rest[merge_count]
        rest = rest[merge_count + 1:]
        parts.queries = [rest[h * query_count:(h + 1) * query_count] for h in range(heads)]
        rest = rest[heads * query_count:]
        parts.project, parts.project_bias = rest[:project_count], rest[project_count]
        rest = rest[project_count + 1:]
        parts.hidden, parts.features, parts.vectors = rest[0], rest[1:1 + heads], rest[1 + heads:]
        return parts

    def views_index(self) -> int:
        """Index in `tensors()` of `hidden` (the features follow it)."""
        merge_count, query_count, project_count = self._layout
        return merge_count + 1 + self.num_heads * query_count + project_count + 1

    def attend(self, parts: list, taps: Optional[list] = None,
               read_taps: Optional[list] = None) -> tuple:
        """Reads of every head for a state given as parts: ``(reads, weights)``.

        With `taps` (one per head) the gradients of the query kernels are
        routed to them (see `_kernel_tap`); with `read_taps` (one per head)
        the gradients of the reads, for `hidden`'s (see `_read_tap`).
        """
        flat = [t for layer in parts for t in layer]
        head = _attention_head(defer_hidden=read_taps is not None)
        reads, distributions = [], []
        for index, (query, features, vector) in enumerate(
                zip(self.queries, self.features, self.vectors)):
            y = tf.nn.bias_add(_block_matmul(flat, query[:-1]), query[-1])
            if taps is not None:
                y = _route(y, taps[index])
            read, weights = head(y, features, self.hidden, vector)
            if read_taps is not None:
                read = _route(read, read_taps[index])
            reads.append(read)
            distributions.append(weights)
        return reads, distributions

    def read_kernels(self) -> list:
        """``(weight, first column)`` of the merge's read blocks (see `_kernel_tap`)."""
        return [(block, 0) for block in self.merge[1:]]

    def query_kernels(self) -> list:
        """Per head, ``(weight, first column)`` of its query's blocks and bias."""
        return [[(w, 0) for w in query] for query in self.queries]


def _row_blocks(kernel: tf.Tensor, sizes: Sequence[int]) -> list:
    """`kernel` split into consecutive row blocks of the given sizes."""
    if len(sizes) == 1:
        return [kernel]
    return tf.split(kernel, list(sizes), 0)


def _block_matmul(inputs: Sequence[tf.Tensor], blocks: Sequence[tf.Tensor]) -> tf.Tensor:
    """``concat(inputs, 1) @ concat(blocks, 0)`` without the concatenations."""
    products = [tf.matmul(x, w) for x, w in zip(inputs, blocks)]
    return products[0] if len(products) == 1 else tf.add_n(products)


def argmax_feedback(loop_function: Any) -> Optional[tuple]:
    """``(embedding, output_projection, update_embedding)`` of our own argmax loop function."""
    return getattr(loop_function, "_argmax_feedback", None)


def attention_decoder_tail(cell: Any, inputs: list, state: Any, attns: list,
                           first_output: tf.Tensor, parts: AttentionParts,
                           loop_function: Any, collection: str) -> Optional[tuple]:
    """Steps 1.. of `attention_decoder` after step 0 ran through the cell itself.

    Args:
      cell: The decoder cell (built).
      inputs: The decoder inputs after the first.
      state: The cell state after step 0.
      attns: The reads after step 0.
      first_output: Step 0's output.
      parts: What step 0 built.
      loop_function: None, or the decoder's loop function.
      collection: Graph collection that receives each attention distribution.

    Returns:
      ``(outputs, final state)``, or None when the step-by-step path is needed.
    """
    feedback = None if loop_function is None else argmax_feedback(loop_function)
    reason = _attention_decline(cell, inputs, state, attns, first_output, parts, loop_function)
    decide("attention_decoder", reason)
    if reason is not None:
        return None
    dtype = first_output.dtype
    stack = _Stack.from_cell(cell)
    input_size = _dim(inputs[0], 1)
    part_sizes = [layer.units for layer in stack.layers for _ in range(1 if layer.is_gru else 2)]
    top_size = stack.layers[-1].units if stack.projection is None else \
        stack.projection[0].get_shape().as_list()[1]
    parts.prepare(input_size, top_size, part_sizes)
    num_steps = len(inputs)
    batch = _static_batch(first_output)
    num_heads = len(attns)
    constants = stack.tensors() + parts.tensors()
    num_stack, num_parts = len(stack.tensors()), len(parts.tensors())
    if feedback is not None:
        embedding, projection, update = feedback
        constants.append(_read(embedding))
        if projection is not None:
            constants += [tf.convert_to_tensor(projection[0], dtype),
                          tf.convert_to_tensor(projection[1], dtype)]

    def step(carry: tuple, inputs_t: list, weights: list) -> tuple:
        layers = stack.rebind(weights[:num_stack])
        attention = parts.rebind(weights[num_stack:num_stack + num_parts])
        layer_parts, reads = carry[:2]
        if feedback is None:
            return deferred_step(layers, attention, layer_parts, reads, inputs_t)
        extra = weights[num_stack + num_parts:]
        logits = carry[2]
        if len(extra) == 3:
            logits = tf.compat.v1.nn.xw_plus_b(logits, extra[1], extra[2])
        fed = tf.nn.embedding_lookup(extra[0], tf.argmax(logits, 1))
        if not update:
            fed = tf.stop_gradient(fed)
        x = tf.nn.bias_add(_block_matmul([fed] + list(reads), attention.merge),
                           attention.merge_bias)
        top, new_parts, _ = layers.step(x, list(layer_parts))
        new_reads, distributions = attention.attend(new_parts)
        # The output is fed back, so it is computed (and carried) in the step.
        output = tf.nn.bias_add(
            _block_matmul([layers.project_output(top)] + new_reads, attention.project),
            attention.project_bias)
        new_carry = (tuple(tuple(p) for p in new_parts), tuple(new_reads), output)
        return new_carry, [top] + new_reads + distributions + [output]

    def deferred_step(layers: _Stack, attention: AttentionParts, layer_parts: tuple,
                      reads: tuple, inputs_t: list) -> tuple:
        layers = layers.rebind([tf.stop_gradient(w) for w in layers.tensors()])
        frozen = attention.tensors()
        # The weights and `hidden` get their gradients from the taps; the
        # features and vectors keep theirs.
        first_kept = attention.views_index() + 1
        attention = attention.rebind([tf.stop_gradient(w) for w in frozen[:first_kept]] +
                                     frozen[first_kept:])
        taps = inputs_t[1:]
        x = tf.add_n([inputs_t[0], _block_matmul(reads, attention.merge[1:])])
        x = _route(x, taps[0])
        top, new_parts, layer_saved = layers.step(x, list(layer_parts),
                                                  taps[1:1 + num_layers])
        query_taps = taps[1 + num_layers:1 + num_layers + num_heads]
        new_reads, distributions = attention.attend(new_parts, query_taps,
                                                    taps[1 + num_layers + num_heads:])
        flat_parts = [t for p in new_parts for t in p]
        saved = list(reads) + layer_saved + flat_parts
        new_carry = (tuple(tuple(p) for p in new_parts), tuple(new_reads))
        return new_carry, [top] + new_reads + distributions + saved

    num_layers = len(stack.layers)
    if feedback is None:
        sequences = [tf.reshape(
            tf.nn.bias_add(tf.matmul(tf.reshape(tf.stack(inputs), [-1, input_size]),
                                     parts.merge[0]), parts.merge_bias),
            [num_steps, batch, input_size])]
        # One tap for the merged input, one per layer, one per head's query.
        tap_kernels = [parts.read_kernels()] + stack.kernels() + parts.query_kernels()
        widths = [input_size] + [layer.width for layer in stack.layers] + \
            [parts.attn_size] * num_heads
        rows = batch if batch > 0 else tf.shape(first_output)[0]
        taps = [_kernel_tap(tf.zeros([num_steps, rows, width], dtype), kernels)
                for width, kernels in zip(widths, tap_kernels)]
        # One more per head, for the gradient of `hidden`.
        read_taps = [_read_tap(tf.zeros([num_steps, rows, parts.attn_size], dtype),
                               parts.hidden) for _ in range(num_heads)]
        sequences += [tap for tap, _ in taps] + [tap for tap, _ in read_taps]
    else:
        sequences = []
    carry = (tuple(tuple(p) for p in stack.to_parts(state)), tuple(attns))
    if feedback is not None:
        carry += (first_output,)
    key = ("attention", stack.config(), num_heads, parts.attn_size, input_size,
           None if feedback is None else (feedback[1] is not None, feedback[2]))
    first_view = num_stack + parts.views_index()
    final, emitted = _loop(key, step, sequences, carry, num_steps, constants,
                           relaxed=range(first_view, first_view + 1 + num_heads))
    top_seq = emitted[0]
    read_seqs = emitted[1:1 + num_heads]
    weight_seqs = emitted[1 + num_heads:1 + 2 * num_heads]
    if feedback is None:
        # The steps emitted the products' inputs in `deferred_step`'s order:
        # the reads, each layer's inputs, then the state parts all heads query.
        _, set_read_inputs = taps[0]
        set_read_inputs(emitted[1 + 2 * num_heads:1 + 3 * num_heads])
        saved = emitted[1 + 3 * num_heads:]
        for (_, set_inputs), layer in zip(taps[1:1 + num_layers], stack.layers):
            count = len(layer.state_kernels()) + 1
            set_inputs(saved[:count])
            saved = saved[count:]
        for _, set_inputs in taps[1 + num_layers:]:
            set_inputs(saved)
        for (_, set_weights), weights in zip(read_taps, weight_seqs):
            set_weights(weights)
        flat = [tf.reshape(top_seq, [-1, stack.layers[-1].units])]
        flat += [tf.reshape(r, [-1, parts.attn_size]) for r in read_seqs]
        projected = stack.project_output(flat[0])
        outputs = tf.nn.bias_add(_block_matmul([projected] + flat[1:], parts.project),
                                 parts.project_bias)
        outputs = tf.reshape(outputs, [num_steps, batch, _dim(outputs, -1)])
    else:
        outputs = emitted[-1]
    steps = tf.unstack(outputs, num=num_steps)
    for output in steps:
        output.set_shape(first_output.get_shape())
    # The distributions go to the collection in the step-by-step order, each
    # named like the Softmax op TF 1.15 builds for that step and head.
    per_head = [tf.unstack(w, num=num_steps) for w in weight_seqs]
    for t in range(num_steps):
        for head in range(num_heads):
            with _v1.variable_scope(f"Attention_{head}"):
                weights = tf.identity(per_head[head][t], name="Softmax")
            weights.set_shape([_dim(first_output, 0), parts.attn_length])
            _v1.add_to_collection(collection, weights)
    return steps, stack.from_parts([list(p) for p in final[0]])


def _attention_decline(cell: Any, inputs: list, state: Any, attns: list,
                       first_output: tf.Tensor, parts: AttentionParts,
                       loop_function: Any) -> Optional[str]:
    """Why `attention_decoder_tail` must leave the steps to the cell, or None."""
    if is_stepwise():
        return STEPWISE_REASON
    if loop_function is not None and argmax_feedback(loop_function) is None:
        return "a user loop_function (its Python code must run at every step)"
    dtype = first_output.dtype
    # The hand-written gradients assume float32 (the softmax runs in float32).
    if dtype != tf.float32:
        return "the dtype is not float32"
    reason = _Stack.decline_reason(cell)
    if reason is not None:
        return reason
    if not stackable(inputs, rank=2) or inputs[0].dtype != dtype:
        return "the decoder inputs are not 2-D float32 Tensors of one shape"
    leaves = tf.nest.flatten(state) + list(attns) + [parts.states]
    if any(leaf.dtype != dtype for leaf in leaves):
        return "the state or attention states are not float32"
    return None


def batched_sequence_loss(logits: list, targets: list, weights: list,
                          call_loss: Optional[Callable], average: bool) -> Optional[tf.Tensor]:
    """``sum_t weights[t] * loss(targets[t], logits[t])`` with one loss call for all steps.

    Returns the `[batch_size]` sum (divided by ``sum_t weights[t] + 1e-12``
    when `average`), or None when the steps cannot be concatenated
    (differing shapes or dtypes, scalar targets) or the loss function does
    not return one value per row.
    """
    if is_stepwise() or not stackable(logits, rank=2):
        return None
    if call_loss is not None and not settings["batch_loss_functions"]:
        return None
    if not stackable(targets, rank=1) or not stackable(weights, rank=1):
        return None
    if not tf.as_dtype(targets[0].dtype).is_integer:
        return None
    num_steps = len(logits)
    batch = tf.TensorShape([None])
    for value in logits + targets + weights:
        rows = value.get_shape()[:1]
        if not batch.is_compatible_with(rows):
            return None
        batch = batch.merge_with(rows)
    all_logits = tf.concat(logits, 0)
    all_targets = tf.concat(targets, 0)
    if call_loss is None:
        crossent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=all_targets,
                                                                  logits=all_logits)
    else:
        try:
            crossent = tf.convert_to_tensor(call_loss(all_targets, all_logits))
        except (TypeError, ValueError):
            # It only takes one step's batch: call it step by step instead.
            return None
        if crossent.get_shape().rank not in (None, 1):
            return None
    all_weights = tf.concat(weights, 0)
    if crossent.dtype != all_weights.dtype:
        return None
    total = tf.reduce_sum(tf.reshape(crossent * all_weights, [num_steps, -1]), 0)
    if average:
        total /= tf.reduce_sum(tf.reshape(all_weights, [num_steps, -1]), 0) + 1e-12
    total.set_shape(batch)
    return total


class _CreatesVariables(Exception):
    """Raised inside a loss trace that would create a variable."""


def _refuse_variables(next_creator: Callable, **kwargs: Any) -> Any:
    raise _CreatesVariables()


def _collection_sizes(graph: tf.Graph) -> dict:
    return {key: len(graph.get_collection(key)) for key in graph.get_all_collection_keys()}


def _trace_step_loss(call_loss: Callable, specs: tuple) -> tuple:
    """``(graph function of the (target, logit) `specs`, None)`` or ``(None, why not)``."""
    outer = _v1.get_default_graph()
    before = _collection_sizes(outer)

    def step_loss(labels: tf.Tensor, logits: tf.Tensor) -> tf.Tensor:
        with tf.variable_creator_scope(_refuse_variables), tf.name_scope(TRACED_LOSS_NAME):
            return tf.convert_to_tensor(call_loss(labels, logits))

    # The FuncGraph takes the function's name: TensorFlow's "must be from the
    # same graph as ... FuncGraph(name=...)" error then states the fix.
    step_loss.__name__ = TRACED_LOSS_NAME

    try:
        traced = tf.function(step_loss, autograph=False).get_concrete_function(*specs)
    except _CreatesVariables:
        return None, "it creates a variable"
    except Exception as error:  # noqa: BLE001 - any failure: the direct call shows the real error
        return None, f"it fails to trace ({type(error).__name__})"
    # A loss that adds to a collection (tf.compat.v1.losses, summaries, update
    # ops) must do so in the user's graph, once per step, as in TF 1.15.
    for graph in (outer, traced.graph):
        if any(size > before.get(key, 0) for key, size in _collection_sizes(graph).items()):
            return None, "it adds to a graph collection"
    # Under a cluster's device function (replica_device_setter) the body asks
    # for another task's devices (a variable's lookup on /job:ps), which a
    # function call, run whole on the caller's task, cannot use.
    if any("/job:" in op.device for op in traced.graph.get_operations()):
        return None, "its ops are placed on a cluster job's devices (replica_device_setter)"
    return traced, None


def _loss_trace(loss_function: Callable, call_loss: Callable, target: Any,
                logit: Any) -> Any:
    """The cached trace of one step's loss, or None for a direct call.

    See `trace_loss_functions` for what the user's function sees and when it
    is called directly instead.
    """
    if tf.executing_eagerly():
        return None
    if is_stepwise():
        decide(LOSS_FUNCTION, STEPWISE_REASON)
        return None
    if not (isinstance(target, tf.Tensor) and isinstance(logit, tf.Tensor)):
        # A Python target (such as the int closing a shifted list): one cheap call.
        decide(LOSS_FUNCTION, "a step's target or logit is not a Tensor", quiet=True)
        return None
    graph = _v1.get_default_graph()
    # With a graph seed TF 1.15 gives every step's random ops their own seeds;
    # one traced function would give them all the same.
    if graph.seed is not None:
        decide(LOSS_FUNCTION, "the graph has a seed (tf.compat.v1.set_random_seed), and "
                "each step's random ops need seeds of their own")
        return None
    specs = tuple(tf.TensorSpec(v.get_shape(), v.dtype) for v in (target, logit))
    key = ("loss", id(loss_function), _v1.get_variable_scope().name, specs)
    cache = _traces.setdefault(graph, {})
    if key not in cache:
        # The function is kept with its trace, so that its id is not reused.
        cache[key] = (loss_function, *_trace_step_loss(call_loss, specs))
    _, traced, reason = cache[key]
    decide(LOSS_FUNCTION, reason)
    return traced


def step_loss(loss_function: Callable, call_loss: Callable, target: Any, logit: Any) -> Any:
    """One step's ``call_loss(target, logit)``: traced (the default) or direct.

    Args:
      loss_function: The user's `softmax_loss_function` (the trace cache key).
      call_loss: Calls it as ``call_loss(target, logit)``.
      target: The step's targets.
      logit: The step's logits.

    Returns:
      The step's loss Tensor.
    """
    traced = _loss_trace(loss_function, call_loss, target, logit)
    if traced is None:
        return call_loss(target, logit)
    return traced(target, logit)
