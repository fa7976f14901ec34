"""The engine behind `fastpath`: the same models, built and run with far fewer ops.

Private: users reach it only through the public functions (`static_rnn`,
`attention_decoder` and the models on them, `sequence_loss_by_example`) and
switch or inspect it through `legacy_seq2seq_compat.fastpath`.

What it covers. TF 1.15 builds one copy of the cell per time step, per
bucket, and the gradients of each copy; that is what makes bucketed legacy
models slow to build. For the cells it knows (`fastpath`'s docstring lists
them) `static_rnn` (also with `sequence_length`, and so
`static_bidirectional_rnn`), `rnn_decoder` and `attention_decoder` hand it
every step after the first:

* the first step is built exactly as before, so every variable is created by
  the cell itself, with the same name, shape, initializer and order;
* each later step is one call of a step function traced once (shared by all
  buckets and by the layers of the same size), whose gradient is also built
  once; the runtime inlines the calls, so it still runs the unrolled graph;
* the input half of each kernel is applied to all steps in one matmul before
  the steps, and the decoder's output projection to all steps after them;
* the step maths carry hand-written gradients, free of the shape ops TF adds
  for operands of unknown batch size (LSTMCell's clips pass the gradient
  where the value lies within the bounds, bounds included, as TF's own
  gradient of `tf.clip_by_value` does);
* when training, a kernel used at every step gets its gradient as one
  product over all steps (``X^T dY``) instead of one small product per
  step and their sum (see `_kernel_tap`; LSTMCell's projection kernel and
  peepholes included), and so do the attention states
  that every decoder step reads (see `_read_tap`);
* with `sequence_length` every step is computed and, per row, its state
  parts are selected (``where(t < length, new, old)``, TF's v1 `where` and
  its gradient, as the step-by-step graph uses) inside the loop and its
  outputs zeroed after it (`_running_rows`); the step-by-step graph's
  conditionals at the shortest and longest length only skip work;
* a decoder fed the argmax of its previous output (the library's own loop
  function, `argmax_feedback`) runs one traced step per time step; between
  the calls, outside the steps as in the step-by-step graph, the previous
  output is projected and its argmax looked up (`_argmax_feed`), so a
  user's own logits of the returned outputs (``tf.matmul(output, w)`` with
  the same `w` Tensor, or a reference variable) are the same products,
  which the runtime computes once; as no input is known before the loop
  there, each kernel multiplies its concatenated inputs whole, as the cell
  does (``joined``).

DropoutWrappers (around the layers, or around the stack inside any
OutputProjectionWrapper) with constant or Tensor keep probabilities are run
by the fast paths too, with fresh random masks drawn as DropoutWrapper draws
them (``tf.nn.dropout`` with ``rate = 1 - keep``: every element of every
step kept with probability `keep` and scaled by ``1 / keep``), but for all
steps in one op before the loop: a layer's input and output dropout of
`static_rnn` on its stacked inputs and outputs, and state dropout (and the
decoder's dropout, whose steps feed each other) through factors passed to
the steps as loop inputs (`_Stack.step_masks`). The draws are other random
numbers than the step-by-step graph's, of the same distribution; with keep
probabilities of 1 the numbers are the same. A `variational_recurrent`
wrapper's masks are its own tensors, drawn once for all steps, so the fast
paths apply those very masks: the same numbers, seeded or not. A seed (the
wrapper's or the graph's) for per-step draws, a state filter of the user's,
or a wrapper that drops around an OutputProjectionWrapper keep the steps
(`_dropout_decline`).

`sequence_loss_by_example` computes the default cross-entropy of all steps
in one op and traces a user `softmax_loss_function` once (`step_loss`); each
step's call is followed by a control edge so that the Session inlines it
(`_inlinable`), as it inlines the traced steps.

How equality is shown. The numbers are those of the step-by-step graph
(`fastpath.stepwise()`) up to float rounding: tests/test_baseline_numbers.py
pins outputs, losses and gradients of many model configurations against the
baseline revision's step-by-step graph within 1e-5, tests/test_fastpath.py
checks every path against `stepwise()` in the same process, and
tests/test_engine.py (hypothesis) does so for random model configurations
(function, cells and wrappers, layers, sizes, lengths, heads, projections,
`feed_previous` kind, loss function). The one change in
the maths is that kernels are applied as ``x @ W_x + h @ W_h`` instead of
``[x, h] @ W``, except in the argmax-fed steps.

The cell protocol. The engine learns what a cell is only from the cell:
a class it may run defines ``_engine_spec()`` in its own body and returns an
`rnn_cell._EngineSpec` (kind, inner cells, variables by role, options). The
engine reads no other attribute of a cell; `spec` is the one place that asks,
and a class that does not define the method (a user's cell, or a subclass of
ours with its own step) is always run step by step. The argmax loop functions
of `decoders.extract_argmax_and_embed` describe themselves the same way.

Every path choice is recorded per graph (`decide`); `fastpath.report` reads
the record.
"""

from __future__ import annotations

import copy
import logging
import numbers
import os
import types
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
      function: What chose: ``"static_rnn"``, ``"rnn_decoder"``,
        ``"attention_decoder"`` or ``"softmax_loss_function"`` (the user's
        loss in `sequence_loss_by_example`).
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
        kernel or `[n]` bias) made columns ``first .. first + n`` of Y. A
        triple ``(weight, first column, DIAGONAL)`` is an `[n]` weight
        multiplied elementwise with an input X `[T, B, n]` (a peephole).

    Returns:
      ``(identity of tap, set_inputs)``: after the loop the caller passes
      `set_inputs` the stacked inputs X `[T, B, K]` of the kernels, in order
      and skipping the biases (their gradient is the sum of the rows of dY).
    """
    width = _dim(tap, 2)
    inputs: list = [None] * len(kernels)

    def set_inputs(stacked: Sequence[tf.Tensor]) -> None:
        remaining = iter(stacked)
        inputs[:] = [next(remaining) if _has_input(entry) else None for entry in kernels]

    def kernel_grads(d_tap: tf.Tensor) -> list:
        d_rows = tf.reshape(d_tap, [-1, width])
        grads = []
        for (weight, first, *kind), x in zip(kernels, inputs):
            size = _dim(weight, -1)
            d_cols = d_rows if size == width else d_rows[:, first:first + size]
            if x is None:
                grads.append(tf.reduce_sum(d_cols, 0))
                continue
            x_rows = tf.reshape(x, [-1, _dim(x, 2)])
            if kind:
                grads.append(tf.reduce_sum(x_rows * d_cols, 0))
            else:
                grads.append(tf.matmul(x_rows, d_cols, transpose_a=True))
        return grads

    return _tap_identity(tap, [entry[0] for entry in kernels], kernel_grads), set_inputs


# Marks a `_kernel_tap` entry whose weight multiplies its input elementwise.
DIAGONAL = "diagonal"


def _has_input(entry: tuple) -> bool:
    """Whether a `_kernel_tap` entry's gradient needs its input (all but biases do)."""
    return len(entry) > 2 or entry[0].get_shape().rank != 1


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


def spec(cell: Any) -> Optional[rnn_cell._EngineSpec]:
    """What `cell` tells the engine about itself, or None for a cell it does not know.

    The one seam between cells and engine (see `rnn_cell._EngineSpec`): only
    a class that defines ``_engine_spec`` in its own body takes part, so a
    user's subclass with its own step is never run as its parent.
    """
    if "_engine_spec" not in vars(type(cell)):
        return None
    return cell._engine_spec()


def _kind(cell: Any) -> Optional[str]:
    """The kind `cell` states in its `spec`, or None."""
    described = spec(cell)
    return None if described is None else described.kind


_LAYER_KINDS = ("gru", "basic_lstm", "lstm")


class _Layer:
    """One GRU or BasicLSTM layer as tensors: kernels split into input and state rows.

    (An LSTMCell layer is a `_FullLSTMLayer`, with the same interface.)

    ``project(x)`` is the input half of the pre-activations (with the bias),
    which needs no state and so can be applied to all steps at once;
    ``step(projected, parts)`` adds the state half and applies the gates.
    A `joined` layer holds the whole kernels instead and has only
    ``joined_step(x, parts)``. A state is carried as `parts`: ``(h,)`` for a
    GRU, ``(c, h)`` for an LSTM.
    """

    def __init__(self, layer: rnn_cell._EngineSpec, joined: bool = False) -> None:
        units = layer.options["units"]
        weights = layer.weights
        self.units = units
        self.is_gru = layer.kind == "gru"
        self.joined = joined
        if not self.is_gru:
            self.forget_bias = layer.options["forget_bias"]
            self.state_is_tuple = layer.options["state_is_tuple"]
        self.width = (3 if self.is_gru else 4) * units
        first_kernel = weights["gate_kernel" if self.is_gru else "kernel"]
        self.depth = first_kernel.get_shape().as_list()[0] - units
        # The sizes of the state parts (see `to_parts`).
        self.part_sizes = (units,) if self.is_gru else (units, units)
        if joined:
            # The whole kernels, as the cell holds them (see `joined_step`).
            for name in self._tensor_names:
                setattr(self, name, _read(weights[name]))
            return
        depth = self.depth
        if self.is_gru:
            # tf.split rather than slicing: its gradient is a concat, where a
            # slice's gradient writes a kernel-sized tensor of zeros.
            gate_input, self.gate_state_kernel = tf.split(
                _read(weights["gate_kernel"]), [depth, units], 0)
            candidate_input, self.candidate_state_kernel = tf.split(
                _read(weights["candidate_kernel"]), [depth, units], 0)
            self.input_kernel = tf.concat([gate_input, candidate_input], 1)
            self.input_bias = tf.concat([_read(weights["gate_bias"]),
                                         _read(weights["candidate_bias"])], 0)
        else:
            self.input_kernel, self.state_kernel = tf.split(
                _read(weights["kernel"]), [depth, units], 0)
            self.input_bias = _read(weights["bias"])

    @property
    def _tensor_names(self) -> tuple:
        if self.joined:
            if self.is_gru:
                return ("gate_kernel", "gate_bias", "candidate_kernel", "candidate_bias")
            return ("kernel", "bias")
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
            return ("gru", self.units, self.joined)
        return ("lstm", self.units, float(self.forget_bias), self.state_is_tuple, self.joined)

    @staticmethod
    def decline_reason(cell: Any) -> Optional[str]:
        """Why `cell` cannot be a fast layer, or None when it can."""
        name = type(cell).__name__
        layer = spec(cell)
        if layer is not None and layer.kind == "lstm":
            return _FullLSTMLayer.decline_reason(layer)
        if layer is None or layer.kind not in _LAYER_KINDS:
            return (f"cell type {name} (fast steps exist for GRUCell, BasicLSTMCell "
                    "and LSTMCell)")
        if not layer.weights:
            return f"cell type {name}, not built"
        if layer.options["activation"] not in _TANH:
            return f"cell type {name} with an activation other than tanh"
        return None

    @property
    def state_width(self) -> int:
        """Width of the layer's state when it is one Tensor (in a joined MultiRNNCell state)."""
        return self.units if self.is_gru else 2 * self.units

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

    def joined_step(self, inputs: tf.Tensor, parts: tuple) -> tuple:
        """``(output, new_parts)`` for one step computed as the cell computes it.

        The kernels multiply the concatenated ``[x, h]`` in one product each,
        with TensorFlow's own gradients; `_Stack.step` uses this (``joined``
        layers) where no step input is known before the loop.
        """
        if self.is_gru:
            h = parts[0]
            gates = tf.sigmoid(tf.nn.bias_add(
                tf.matmul(tf.concat([inputs, h], 1), self.gate_kernel), self.gate_bias))
            reset, update = tf.split(gates, 2, 1)
            candidate = tf.tanh(tf.nn.bias_add(
                tf.matmul(tf.concat([inputs, reset * h], 1), self.candidate_kernel),
                self.candidate_bias))
            new_h = update * h + (1 - update) * candidate
            return new_h, (new_h,)
        c, h = parts
        gates = tf.nn.bias_add(tf.matmul(tf.concat([inputs, h], 1), self.kernel), self.bias)
        i, j, f, o = tf.split(gates, 4, 1)
        forget_bias = tf.constant(self.forget_bias, dtype=f.dtype)
        new_c = c * tf.sigmoid(f + forget_bias) + tf.sigmoid(i) * tf.tanh(j)
        new_h = tf.tanh(new_c) * tf.sigmoid(o)
        return new_h, (new_c, new_h)

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


def _lstm_full_gates(config: tuple, defer: bool = False) -> Callable:
    """LSTMCell's step maths (peepholes, cell clip, projection, its clip), with its gradient.

    `config` is ``(peepholes, cell_clip, projected, proj_clip, forget_bias)``.
    The returned function takes ``(projected, c, m, state_kernel, *peepholes,
    *projection)``: `projected` is ``x @ W_x + b`` `[B, 4H]`, followed by `P`
    zero columns when `projected` is set (their gradient is the projection's
    output gradient, for the deferred projection kernel; see `_kernel_tap`),
    `peepholes` are ``w_i, w_f, w_o`` `[H]`, `projection` the `[H, P]` kernel.
    It returns ``(new c, new m, m before the projection)``.

    A clip passes the gradient where the value lies within its bounds, the
    bounds included (TensorFlow's gradient of `tf.clip_by_value`), and none
    elsewhere. With `defer` the weights get no gradient here.
    """
    peepholes, cell_clip, projected_out, proj_clip, forget_bias = config

    @tf.custom_gradient
    def gates_fn(projected: tf.Tensor, c_prev: tf.Tensor, m_prev: tf.Tensor,
                 state_kernel: tf.Tensor, *weights: tf.Tensor) -> tuple:
        units = _dim(c_prev, 1)
        w_i, w_f, w_o = weights[:3] if peepholes else (None, None, None)
        proj_kernel = weights[-1] if projected_out else None
        if projected_out:
            projected, _ = tf.split(projected, [4 * units, _dim(m_prev, 1)], 1)
        gates = projected + tf.matmul(m_prev, state_kernel)
        i, j, f, o = tf.split(gates, 4, 1)
        f = f + tf.constant(forget_bias, dtype=f.dtype)
        if peepholes:
            f = f + w_f * c_prev
            i = i + w_i * c_prev
        forget_gate = tf.sigmoid(f)
        input_gate = tf.sigmoid(i)
        new_input = tf.tanh(j)
        c_raw = forget_gate * c_prev + input_gate * new_input
        c = c_raw if cell_clip is None else tf.clip_by_value(c_raw, -cell_clip, cell_clip)
        output_gate = tf.sigmoid(o + w_o * c if peepholes else o)
        squashed = tf.tanh(c)
        m_raw = output_gate * squashed
        m = m_raw
        if projected_out:
            m = m_proj = tf.matmul(m_raw, proj_kernel)
            if proj_clip is not None:
                m = tf.clip_by_value(m_proj, -proj_clip, proj_clip)

        def grad(d_c_out: Optional[tf.Tensor], d_m_out: Optional[tf.Tensor],
                 *unused: Any) -> list:
            d_c_out = tf.zeros_like(c) if d_c_out is None else d_c_out
            d_m = tf.zeros_like(m) if d_m_out is None else d_m_out
            if projected_out:
                if proj_clip is not None:
                    d_m = _clip_grad(m_proj, m, d_m)
                d_proj = d_m
                d_m = tf.matmul(d_proj, proj_kernel, transpose_b=True)
            d_o = _sigmoid_grad(output_gate, d_m * squashed)
            d_c_terms = [d_c_out, _tanh_grad(squashed, d_m * output_gate)]
            if peepholes:
                d_c_terms.append(d_o * w_o)
            d_c = tf.add_n(d_c_terms)
            if cell_clip is not None:
                d_c = _clip_grad(c_raw, c, d_c)
            d_f = _sigmoid_grad(forget_gate, d_c * c_prev)
            d_i = _sigmoid_grad(input_gate, d_c * new_input)
            d_j = _tanh_grad(new_input, d_c * input_gate)
            d_gates = tf.concat([d_i, d_j, d_f, d_o], 1)
            d_c_prev = d_c * forget_gate
            if peepholes:
                d_c_prev = tf.add_n([d_c_prev, d_f * w_f, d_i * w_i])
            d_m_prev = tf.matmul(d_gates, state_kernel, transpose_b=True)
            d_projected = tf.concat([d_i, d_j, d_f, d_o, d_proj], 1) if projected_out \
                else d_gates
            if defer:
                return [d_projected, d_c_prev, d_m_prev, None] + [None] * len(weights)
            weight_grads = [tf.matmul(m_prev, d_gates, transpose_a=True)]
            if peepholes:
                weight_grads += [tf.reduce_sum(d_i * c_prev, 0), tf.reduce_sum(d_f * c_prev, 0),
                                 tf.reduce_sum(d_o * c, 0)]
            if projected_out:
                weight_grads.append(tf.matmul(m_raw, d_proj, transpose_a=True))
            return [d_projected, d_c_prev, d_m_prev] + weight_grads

        return (c, m, m_raw), grad

    return gates_fn


def _clip_grad(value: tf.Tensor, clipped: tf.Tensor, d_clipped: tf.Tensor) -> tf.Tensor:
    """The gradient of ``clipped = tf.clip_by_value(value, ...)``: passed where unchanged.

    A value equal to a bound is unchanged and passes its gradient, as with
    TensorFlow's own gradient of the clip.
    """
    return tf.where(tf.equal(value, clipped), d_clipped, tf.zeros([], d_clipped.dtype))


def _lstm_view(layer: rnn_cell._EngineSpec) -> types.SimpleNamespace:
    """An LSTMCell's `spec` as attributes: its options, and its variables or None."""
    weights = layer.weights
    peepholes = ()
    if layer.options["use_peepholes"] and weights:
        peepholes = (weights["w_i_diag"], weights["w_f_diag"], weights["w_o_diag"])
    return types.SimpleNamespace(
        **layer.options, built=bool(weights), kernel=weights.get("kernel"),
        bias=weights.get("bias"), peepholes=peepholes, proj_kernel=weights.get("proj_kernel"))


def _number(value: Any) -> bool:
    return isinstance(value, numbers.Real)


class _FullLSTMLayer:
    """One `rnn_cell.LSTMCell` layer as tensors, with `_Layer`'s interface (never joined).

    The state is carried as parts ``(c, m)``: `c` has the cell's `num_units`
    columns, `m` (the output) `units` columns, which is `num_proj` when the
    cell projects. The kernel's input rows, applied by `project`, give
    `width` columns: the ``4 * num_units`` gate inputs, then `num_proj`
    zero columns when it projects, whose gradient (that of the projection's
    output) lets the projection kernel's gradient be deferred like the
    state kernel's (see `_kernel_tap`); so are the peepholes'.
    """

    is_gru = False
    joined = False

    def __init__(self, layer: rnn_cell._EngineSpec) -> None:
        view = _lstm_view(layer)
        cell_units = view.units
        self.cell_units = cell_units
        self.num_proj = view.num_proj
        self.units = cell_units if view.num_proj is None else view.num_proj
        self.part_sizes = (cell_units, self.units)
        kernel = _read(view.kernel)
        depth = kernel.get_shape().as_list()[0] - self.units
        self.depth = depth
        input_kernel, self.state_kernel = tf.split(kernel, [depth, self.units], 0)
        input_bias = _read(view.bias)
        self.width = 4 * cell_units
        if view.num_proj is not None:
            input_kernel = tf.concat(
                [input_kernel, tf.zeros([depth, view.num_proj], input_kernel.dtype)], 1)
            input_bias = tf.concat([input_bias, tf.zeros([view.num_proj], input_bias.dtype)], 0)
            self.width += view.num_proj
        self.input_kernel, self.input_bias = input_kernel, input_bias
        self.peepholes = [_read(w) for w in view.peepholes]
        self.projection = [] if view.num_proj is None else [_read(view.proj_kernel)]
        self.gates_config = (
            view.use_peepholes,
            None if view.cell_clip is None else float(view.cell_clip),
            view.num_proj is not None,
            None if view.proj_clip is None else float(view.proj_clip),
            float(view.forget_bias))
        self.state_is_tuple = view.state_is_tuple

    @staticmethod
    def decline_reason(layer: rnn_cell._EngineSpec) -> Optional[str]:
        """Why the LSTMCell described by `layer` cannot be a fast layer, or None when it can."""
        view = _lstm_view(layer)
        if not view.built:
            return "cell type LSTMCell, not built"
        if view.activation not in _TANH:
            return "cell type LSTMCell with an activation other than tanh"
        for name in ("forget_bias", "cell_clip", "proj_clip"):
            value = getattr(view, name)
            if not (_number(value) or (value is None and name != "forget_bias")):
                return f"an LSTMCell whose {name} is not a Python number"
        return None

    def tensors(self) -> list:
        """The weights, as a list (they are passed to the traced step functions)."""
        return [self.input_kernel, self.input_bias, self.state_kernel] + \
            self.peepholes + self.projection

    def rebind(self, tensors: Sequence[tf.Tensor]) -> _FullLSTMLayer:
        """A copy of this layer computing with `tensors` instead of its own weights."""
        layer = copy.copy(self)
        tensors = list(tensors)
        layer.input_kernel, layer.input_bias, layer.state_kernel = tensors[:3]
        count = len(self.peepholes)
        layer.peepholes = tensors[3:3 + count]
        layer.projection = tensors[3 + count:]
        return layer

    def config(self) -> tuple:
        """What, besides the tensors' shapes, decides this layer's maths."""
        return ("lstm_full", self.cell_units, self.units, self.gates_config,
                self.state_is_tuple)

    def project(self, inputs: tf.Tensor) -> tf.Tensor:
        return tf.nn.bias_add(tf.matmul(inputs, self.input_kernel), self.input_bias)

    def state_kernels(self) -> list:
        """The deferred products' weights and columns (see `_kernel_tap`).

        Their inputs, as `step` saves them: ``m`` (state kernel), ``m``
        before the projection (projection kernel), then ``c``, ``c`` and the
        new ``c`` (the input, forget and output peepholes).
        """
        units = self.cell_units
        kernels = [(self.state_kernel, 0)]
        if self.projection:
            kernels.append((self.projection[0], 4 * units))
        if self.peepholes:
            w_i, w_f, w_o = self.peepholes
            kernels += [(w_i, 0, DIAGONAL), (w_f, 2 * units, DIAGONAL),
                        (w_o, 3 * units, DIAGONAL)]
        return kernels

    def step(self, projected: tf.Tensor, parts: tuple, defer: bool = False) -> tuple:
        """Returns ``(output, new_parts, saved)`` for one step (see `_Layer.step`)."""
        c, m = parts
        new_c, new_m, m_raw = _lstm_full_gates(self.gates_config, defer)(
            projected, c, m, self.state_kernel, *self.peepholes, *self.projection)
        saved = []
        if defer:
            saved = [m] + ([m_raw] if self.projection else []) + \
                ([c, c, new_c] if self.peepholes else [])
        return new_m, (new_c, new_m), saved

    def to_parts(self, state: Any) -> tuple:
        if self.state_is_tuple:
            return (state[0], state[1])
        return (state[:, :self.cell_units], state[:, self.cell_units:])

    def from_parts(self, parts: tuple) -> Any:
        if self.state_is_tuple:
            return rnn_cell.LSTMStateTuple(parts[0], parts[1])
        return tf.concat(list(parts), 1)


def _layer_for(layer: rnn_cell._EngineSpec, joined: bool = False) -> Any:
    """The fast layer of a cell `_Layer.decline_reason` accepts, from its `spec`.

    `joined` asks for whole kernels (`_Layer.joined_step`); an LSTMCell layer
    keeps its split kernels either way.
    """
    return _FullLSTMLayer(layer) if layer.kind == "lstm" else _Layer(layer, joined)


class _Dropout(NamedTuple):
    """What the engine needs of one DropoutWrapper (see `_read_dropout`)."""

    input: Any  # keep probability (float or scalar Tensor), or None when idle
    state: Any
    output: Any
    seeded: bool  # a seed of its own, or the graph's
    variational: bool
    default_filter: bool  # the state filter is the default (an LSTM's c is kept)
    noise: tuple  # variational: the wrapper's input, state and output noise, else ()

    @property
    def idle(self) -> bool:
        return self.input is None and self.state is None and self.output is None


def _read_dropout(wrapper: rnn_cell._EngineSpec) -> _Dropout:
    """A DropoutWrapper's `spec` as a `_Dropout` (the graph's seed counts as a seed).

    A keep probability that is the constant 1.0 adds no op to a step (the
    wrapper skips it), so it is given as None.
    """
    def keep(prob: Any) -> Any:
        return None if isinstance(prob, float) and prob == 1.0 else prob

    options = wrapper.options
    return _Dropout(
        keep(options["input_keep_prob"]), keep(options["state_keep_prob"]),
        keep(options["output_keep_prob"]),
        options["seed"] is not None or _v1.get_default_graph().seed is not None,
        bool(options["variational_recurrent"]), options["default_state_filter"],
        options["noise"] if options["variational_recurrent"] else ())


def _peel_dropout(cell: Any) -> tuple:
    """``(cell inside every DropoutWrapper around it, their active `_Dropout`s, outer first)``.

    A wrapper whose keep probabilities are all the constant 1.0 adds no op
    (nor a variable scope), so it is left out.
    """
    drops = []
    while _kind(cell) == "dropout":
        wrapper = spec(cell)
        drop = _read_dropout(wrapper)
        if not drop.idle:
            drops.append(drop)
        cell = wrapper.cells[0]
    return cell, drops


def _dropout_decline(drops: Sequence[_Dropout]) -> Optional[str]:
    """Why the fast paths cannot apply these (active) DropoutWrappers, or None."""
    for drop in drops:
        # Variational masks are the wrapper's own tensors, drawn once: seeds change nothing.
        if drop.seeded and not drop.variational:
            return ("a DropoutWrapper under a seed (its own or the graph's): TF 1.15's seeded "
                    "draws are made step by step")
        if drop.state is not None and not drop.default_filter:
            return "a DropoutWrapper with a dropout_state_filter_visitor of its own"
    return None


class _LayerDrops(NamedTuple):
    """The keep probabilities applied to one layer, each list in the order applied.

    An entry is a keep probability (fresh draws), or a `_Variational`; a state
    entry's `_Variational` holds one noise per state part (None: not dropped).
    """

    input: tuple
    state: tuple
    output: tuple


class _Variational(NamedTuple):
    """A variational_recurrent wrapper's keep probability and its noise (``[1, width]``)."""

    keep: Any
    noise: Any


def _state_noise(noise: Any, layer: _Layer) -> tuple:
    """A layer's state noise (shaped like its state) as one noise per part, None if kept."""
    if layer.is_gru:
        return (noise,)
    if layer.state_is_tuple:
        return (None, noise[1])
    return tuple(tf.split(noise, list(layer.part_sizes), 1))


def _layer_drops(stack_drops: Sequence[_Dropout], layer_drops: list, layers: list,
                 multi: bool) -> list:
    """Per layer, the `_LayerDrops` of the wrappers around the stack and around each layer.

    A wrapper drops its input before the cell it wraps runs, and the new state
    and output after: inputs meet the outer wrappers first, states and
    outputs the inner ones. The wrappers around the whole stack drop the first
    layer's input, every layer's state and the top layer's output.
    """
    def entries(drops: Sequence[_Dropout], field: int, layer: Optional[_Layer] = None,
                index: Optional[int] = None) -> tuple:
        """The keeps of `field` (0 input, 1 state, 2 output); `layer` for a state's noise."""
        result = []
        for drop in drops:
            keep = drop[field]
            if keep is None:
                continue
            if drop.variational:
                noise = drop.noise[field]
                if field == 1:
                    layer_noise = noise[index] if index is not None else noise
                    noise = _state_noise(layer_noise, layer)
                else:
                    noise = tf.nest.flatten(noise)[0]
                keep = _Variational(keep, noise)
            result.append(keep)
        return tuple(result)

    result = []
    last = len(layer_drops) - 1
    for position, own in enumerate(layer_drops):
        inner_first = list(reversed(own))
        outer = list(reversed(stack_drops))
        stack_index = position if multi else None
        result.append(_LayerDrops(
            entries(list(stack_drops) + own if position == 0 else own, 0),
            entries(inner_first, 1, layers[position]) +
            entries(outer, 1, layers[position], stack_index),
            entries(inner_first + (outer if position == last else []), 2)))
    return result


def _dropout(value: tf.Tensor, keeps: Sequence[Any]) -> tf.Tensor:
    """`value` through one dropout per keep probability, as DropoutWrapper applies it.

    Used on the inputs or outputs of all steps at once: every element gets
    its own draw, as it does in the step-by-step graph. A `_Variational`
    entry applies its wrapper's own mask, the same at every step.
    """
    for keep in keeps:
        if isinstance(keep, _Variational):
            value = tf.math.divide(value, keep.keep) * tf.floor(keep.keep + keep.noise)
        else:
            value = tf.nn.dropout(value, rate=1.0 - keep)
    return value


def _dropout_mask(keeps: Sequence[Any], num_steps: int, like: tf.Tensor,
                  width: int) -> tf.Tensor:
    """``[num_steps, B, width]`` factors: 0 for a dropped unit, else 1 / keep (per keep).

    `like` is any ``[B, ...]`` Tensor of the mask's dtype. Drawn for all steps
    before the loop; each step multiplies its slice in.
    """
    batch = _dim(like, 0)
    shape = [num_steps, batch if batch is not None else tf.shape(like)[0], width]
    return _dropout(tf.ones(tf.stack(shape) if batch is None else shape, like.dtype), keeps)


def _dropped_parts(layer: _Layer) -> tuple:
    """Which of a layer's state parts the default state filter lets DropoutWrapper drop.

    A GRU's state is dropped, an LSTMStateTuple's ``h`` but not its ``c``, and
    a concatenated LSTM state whole (the filter sees one tensor).
    """
    if layer.is_gru:
        return (True,)
    return (False, True) if layer.state_is_tuple else (True, True)


def _mask_parts(parts: Sequence[tf.Tensor], masks: Sequence[Optional[tf.Tensor]]) -> tuple:
    """The state `parts` with each given mask multiplied in (None: left as is)."""
    return tuple(p if m is None else p * m for p, m in zip(parts, masks))


class _Shape(NamedTuple):
    """A cell taken apart for `_Stack` (see `_Stack._unwrap`).

    `projection` is the OutputProjectionWrapper's spec (or None), `outer`
    the active dropouts outside it, `cells` the layer cells, `multi` as in
    `_Stack`, `own` each layer's own dropouts and `stack_drops` those around
    the whole stack (inside any projection), outer first.
    """

    projection: Optional[rnn_cell._EngineSpec]
    outer: list
    cells: list
    multi: Optional[str]
    own: list
    stack_drops: list


class _Stack:
    """A cell the fast paths can run: layers, and an optional output projection.

    `multi` is None for a single layer, else how a MultiRNNCell holds its
    layers' states: ``"tuple"`` (one state per layer) or ``"joined"``
    (state_is_tuple=False: the layers' states concatenated).
    """

    def __init__(self, layers: list, multi: Optional[str], projection: Optional[list],
                 drops: Optional[list] = None) -> None:
        self.layers = layers
        self.multi = multi
        self.projection = projection
        # Per layer, the keep probabilities of the DropoutWrappers (`_LayerDrops`).
        self.drops = drops or [_LayerDrops((), (), ())] * len(layers)

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
        return _Stack(layers, self.multi, tensors if self.projection else None, self.drops)

    def config(self) -> tuple:
        dropout = tuple((bool(d.input), bool(d.state), bool(d.output)) for d in self.drops)
        return (tuple(layer.config() for layer in self.layers), self.multi,
                self.projection is not None, dropout)

    @staticmethod
    def _unwrap(cell: Any) -> _Shape:
        """The parts of `cell`, as far as it has the stack's shape (`decline_reason` judges)."""
        cell, outer = _peel_dropout(cell)
        projection, stack_drops = None, outer
        if _kind(cell) == "output_projection":
            projection = spec(cell)
            cell, stack_drops = _peel_dropout(projection.cells[0])
        if _kind(cell) != "multi":
            return _Shape(projection, outer, [cell], None, [[]], stack_drops)
        # A cell object repeated in the list is one set of weights that
        # several layers read (as in TF 1.15); see `from_cell`.
        multi = spec(cell)
        peeled = [_peel_dropout(c) for c in multi.cells]
        return _Shape(projection, outer, [c for c, _ in peeled],
                      "tuple" if multi.options["state_is_tuple"] else "joined",
                      [d for _, d in peeled], stack_drops)

    @classmethod
    def decline_reason(cls, cell: Any) -> Optional[str]:
        """None for a built GRU / (Basic)LSTM cell or MultiRNNCell of them, else why not."""
        shape = cls._unwrap(cell)
        if shape.projection is not None:
            if shape.outer:
                return "a DropoutWrapper that drops around an OutputProjectionWrapper"
            if shape.projection.options["activation"] is not None:
                return "an OutputProjectionWrapper with an activation"
            if not shape.projection.weights:
                return "an OutputProjectionWrapper that is not built"
        drops = list(shape.stack_drops) + [d for own in shape.own for d in own]
        if shape.multi == "joined" and any(d.variational for d in drops):
            return "a variational DropoutWrapper in a MultiRNNCell with state_is_tuple=False"
        reason = _dropout_decline(drops)
        if reason is not None:
            return reason
        for layer in shape.cells:
            reason = _Layer.decline_reason(layer)
            if reason is not None:
                return reason
        return None

    @classmethod
    def from_cell(cls, cell: Any, joined: bool = False) -> _Stack:
        """The stack of a cell `decline_reason` accepts (reads its variables).

        With `joined` its GRU and BasicLSTM layers multiply ``[x, h]`` by
        their whole kernels (`_Layer.joined_step`), for steps whose inputs
        are only known inside the loop: no product can be taken out of
        those steps, so one larger product serves better than two.

        A cell object repeated in a MultiRNNCell gives one `_Layer` used at
        each of its positions: those layers compute with the same weight
        tensors, so their gradients (one per layer, from the taps and the
        input products) are summed by TensorFlow into the shared variables'.
        """
        shape = cls._unwrap(cell)
        projection = None
        if shape.projection is not None:
            weights = shape.projection.weights
            projection = [_read(weights["kernel"]), _read(weights["bias"])]
        layers: dict = {}
        for c in shape.cells:
            if id(c) not in layers:
                layers[id(c)] = _layer_for(spec(c), joined)
        stacked = [layers[id(c)] for c in shape.cells]
        return cls(stacked, shape.multi, projection,
                   _layer_drops(shape.stack_drops, shape.own, stacked, shape.multi))

    def to_parts(self, state: Any) -> list:
        if self.multi == "joined":
            states = tf.split(state, [layer.state_width for layer in self.layers], 1)
        else:
            states = state if self.multi else (state,)
        return [layer.to_parts(s) for layer, s in zip(self.layers, states)]

    def from_parts(self, parts: list) -> Any:
        states = tuple(layer.from_parts(p) for layer, p in zip(self.layers, parts))
        if self.multi == "joined":
            return tf.concat(states, 1)
        return states if self.multi else states[0]

    def step(self, inputs: tf.Tensor, parts: list, taps: Optional[list] = None,
             masks: Sequence[tf.Tensor] = ()) -> tuple:
        """One step of every layer: ``(top output, new parts, saved)``.

        With `taps` (one per layer) every kernel's gradient is deferred
        (see `_kernel_tap`): `saved` gives, layer after layer, the inputs of
        the layer's `kernels` (the biases have none). `masks` are this step's
        dropout factors, in the order `step_masks` draws them.
        """
        masks = list(masks)
        new_parts, saved = [], []
        for index, (layer, layer_parts) in enumerate(zip(self.layers, parts)):
            drops = self.drops[index]
            if drops.input:
                inputs = inputs * masks.pop(0)
            if layer.joined:
                inputs, updated = layer.joined_step(inputs, layer_parts)
                layer_saved = []
            else:
                projected = layer.project(inputs)
                if taps is not None:
                    saved.append(inputs)
                    projected = _route(projected, taps[index])
                inputs, updated, layer_saved = layer.step(projected, layer_parts,
                                                          taps is not None)
            if drops.state:
                updated = _mask_parts(updated, [masks.pop(0) if flag else None
                                                for flag in _dropped_parts(layer)])
            if drops.output:
                inputs = inputs * masks.pop(0)
            saved += layer_saved
            new_parts.append(updated)
        return inputs, new_parts, saved

    def step_masks(self, num_steps: int, parts: list) -> list:
        """The dropout factors of `num_steps` steps of `step`, all drawn at once.

        Per layer: its input's, its dropped state parts', its output's, each
        ``[num_steps, B, width]``; `parts` (the initial state) gives B and the dtype.
        """
        like = parts[0][0]
        masks = []
        for layer, drops in zip(self.layers, self.drops):
            if drops.input:
                masks.append(_dropout_mask(drops.input, num_steps, like, layer.depth))
            masks += self.state_masks(layer, drops, num_steps, like)
            if drops.output:
                masks.append(_dropout_mask(drops.output, num_steps, like, layer.units))
        return masks

    @staticmethod
    def state_masks(layer: _Layer, drops: _LayerDrops, num_steps: int,
                    like: tf.Tensor) -> list:
        """The factors of the layer's dropped state parts for `num_steps` steps."""
        if not drops.state:
            return []
        masks = []
        for part, flag in enumerate(_dropped_parts(layer)):
            if flag:
                keeps = [_Variational(k.keep, k.noise[part]) if isinstance(k, _Variational)
                         else k for k in drops.state]
                masks.append(_dropout_mask(keeps, num_steps, like, layer.part_sizes[part]))
        return masks

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
          relaxed: Sequence[int] = (), feed: Optional[Callable] = None) -> tuple:
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
      feed: None, or a function from the flat carry before a call to a list
        of Tensors built outside the step and passed first among its
        `inputs_t` (the argmax feedback: outside, its projection is the very
        product that the user's own logits of that output take, so the
        runtime computes it once, as it does in the step-by-step graph).

    Returns:
      ``(final carry, emits)``. Without `feed` each emit is stacked,
      `[num_steps, ...]`; an emit that is one of the step's carried tensors
      (in or out) is stacked from the carries rather than returned by every
      step again. With `feed` each emit is the list of the calls' own
      tensors (a later call depends on them, so they cannot come from a
      stack of all steps).
    """
    steps = [tf.unstack(s, num=num_steps) for s in sequences]
    flat_carry = tf.nest.flatten(carry)
    fed = [] if feed is None else list(feed(flat_carry))
    num_carry, num_inputs = len(flat_carry), len(fed) + len(steps)
    arguments = flat_carry + fed + [s[0] for s in steps] + list(constants)
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
        # A tensor the step carries in several slots (a GRU's output and state,
        # say) is one tensor outside too: the first slot's call output.
        first_slot = [next(i for i, t in enumerate(carry_out) if t is value)
                      for value in carry_out]
        plans.append((plan, first_slot))
        return carry_out + own

    cache = _traces.setdefault(_v1.get_default_graph(), {})
    traced = cache.get((key, signature))
    if traced is None:
        function = tf.function(flat_step, autograph=False).get_concrete_function(*signature)
        traced = cache[(key, signature)] = (function, plans[0])
    function, (plan, first_slot) = traced
    history = [flat_carry]
    emitted: list = []
    for t in range(num_steps):
        if t > 0 and feed is not None:
            fed = list(feed(history[-1]))
        results = function(*history[-1], *fed, *[s[t] for s in steps], *constants)
        flat = [results[slot] for slot in first_slot]
        for value, like in zip(flat, flat_carry):
            value.set_shape(like.get_shape())
        history.append(flat)
        emitted.append(results[num_carry:])

    def per_step(kind: str, index: int) -> list:
        if kind == "emit":
            return [row[index] for row in emitted]
        return [row[index] for row in (history[:-1] if kind == "in" else history[1:])]

    final = tf.nest.pack_sequence_as(carry, history[-1])
    if feed is not None:
        return final, [per_step(*source) for source in plan]
    stacks: dict = {}
    for source in plan:
        if source not in stacks:
            stacks[source] = tf.stack(per_step(*source))
    return final, [stacks[source] for source in plan]


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
                batch: int, running: Optional[tf.Tensor] = None) -> tuple:
    """Runs every layer over all steps, one loop per layer (inputs `[num_steps * B, D]`).

    With `running` (`[num_steps, B]` bool, see `_running_rows`) a row's state
    parts stay as they were at every step where it is not running; its
    outputs there are left as computed (the caller zeroes the top ones).

    A layer's input and output dropout are applied to all its steps at once,
    before and after its loop; its state dropout inside the loop, with
    factors drawn before it (`_Stack.state_masks`), before the rows that
    are not running keep their state (as the step-by-step graph selects the
    cell's dropped state).

    Returns ``(top outputs [num_steps * B, H], final parts)``.
    """
    final_parts = []
    sequences_extra = [] if running is None else [running]
    for layer, layer_parts, drops in zip(stack.layers, parts, stack.drops):
        inputs = _dropout(inputs, drops.input)
        projected = tf.reshape(layer.project(inputs), [num_steps, batch, layer.width])
        # `projected` is a loop input, so its gradient is already the tap's.
        projected, set_inputs = _kernel_tap(projected, layer.state_kernels())
        masks = stack.state_masks(layer, drops, num_steps, layer_parts[0])
        flags = _dropped_parts(layer) if masks else ()

        def step(carry: tuple, inputs_t: list, weights: list, layer: _Layer = layer,
                 flags: tuple = flags) -> tuple:
            output, new_parts, saved = layer.rebind(weights).step(inputs_t[0], carry, defer=True)
            extra = iter(inputs_t[1:])
            if flags:
                new_parts = _mask_parts(new_parts, [next(extra) if f else None for f in flags])
            if running is not None:
                new_parts = _keep_finished(next(extra), new_parts, carry)
            return new_parts, [output] + saved

        key = ("layer", "deferred", flags, running is not None) + layer.config()
        last, (outputs, *saved) = _loop(key, step, [projected] + masks + sequences_extra,
                                        tuple(layer_parts), num_steps, layer.tensors())
        set_inputs(saved)
        final_parts.append(last)
        inputs = _dropout(tf.reshape(outputs, [-1, layer.units]), drops.output)
    return inputs, final_parts


def _running_rows(lengths: tf.Tensor, first: int, num_steps: int) -> tf.Tensor:
    """`[num_steps, B]` bool: whether row b is still running at step ``first + t``."""
    times = tf.range(first, first + num_steps, dtype=lengths.dtype)
    return tf.less(tf.expand_dims(times, 1), tf.expand_dims(lengths, 0))


def _keep_finished(running: tf.Tensor, new: Sequence[tf.Tensor],
                   old: Sequence[tf.Tensor]) -> tuple:
    """Per row, `new` where `running` (`[B]` bool) else `old`: the step-by-step selects.

    The v1 `where` picks whole rows with a `[B]` condition, as the
    step-by-step graph does; its gradient (TF's) sends each row's gradient
    to the side that was picked.
    """
    return tuple(_v1.where(running, n, o) for n, o in zip(new, old))


def _zero_finished(running: tf.Tensor, outputs: tf.Tensor) -> tf.Tensor:
    """`outputs` `[T * B, W]` with the rows of finished steps (`running` `[T, B]`) zeroed."""
    return _v1.where(tf.reshape(running, [-1]), outputs, tf.zeros_like(outputs))


def static_rnn_tail(cell: Any, inputs: list, state: Any, first_output: Any,
                    lengths: Optional[tf.Tensor] = None) -> Optional[tuple]:
    """Steps 1.. of `static_rnn` after step 0 ran through the cell itself.

    Args:
      cell: The cell, already called once (so built).
      inputs: The step inputs after the first.
      state: The state after the first step.
      first_output: The first step's output (for its static shape).
      lengths: None, or the int32 `[B]` sequence lengths: past its length a
        row's outputs are zeros and its state is carried unchanged, as
        TF 1.15's conditionals and selects give (its short-cuts at the
        shortest and longest length change no number).

    Returns:
      ``(outputs, final state)`` with `outputs` the list for `inputs`, or None
      when the cell or inputs need the step-by-step path.
    """
    reason = _static_rnn_decline(cell, inputs, first_output)
    decide("static_rnn", reason)
    if reason is not None:
        return None
    return _layers_tail(cell, inputs, state, first_output, lengths)


def _layers_tail(cell: Any, inputs: list, state: Any, first_output: tf.Tensor,
                 lengths: Optional[tf.Tensor]) -> tuple:
    """`cell` (accepted by `_inputs_decline`) over `inputs` from `state`, layer by layer."""
    embedding = None
    core = cell
    if _kind(cell) == "embedding":
        wrapper = spec(cell)
        embedding, core = wrapper.weights["embedding"], wrapper.cells[0]
    stack = _Stack.from_cell(core)
    num_steps = len(inputs)
    batch = _static_batch(first_output)
    if embedding is not None:
        ids = tf.stack([tf.reshape(i, [-1]) for i in inputs])
        with tf.device("/cpu:0"):
            flat_inputs = tf.nn.embedding_lookup(embedding, tf.reshape(ids, [-1]))
    else:
        flat_inputs = tf.reshape(tf.stack(inputs), [-1, _dim(inputs[0], 1)])
    # Step 0 ran in the caller, so these are the steps from 1 on.
    running = None if lengths is None else _running_rows(lengths, 1, num_steps)
    outputs, final_parts = _run_layers(stack, flat_inputs, stack.to_parts(state), num_steps,
                                       batch, running)
    outputs = stack.project_output(outputs)
    if running is not None:
        outputs = _zero_finished(running, outputs)
    width = _dim(outputs, -1)
    steps = tf.unstack(tf.reshape(outputs, [num_steps, batch, width]), num=num_steps)
    for output in steps:
        output.set_shape(first_output.get_shape())
    final = stack.from_parts(final_parts)
    return steps, tf.nest.map_structure(_shaped_like, final, state)


def _shaped_like(value: tf.Tensor, like: tf.Tensor) -> tf.Tensor:
    """`value` with the static shape of `like`, which may know less.

    The steps' batch size can be static where the state's is not (after the
    conditionals of a step with `sequence_length`, as in TF 1.15); `value`
    is returned unchanged when the shapes are equal.
    """
    if value.get_shape() == like.get_shape():
        return value
    # An identity whose static shape is the one given.
    return _v1.placeholder_with_default(value, like.get_shape())


def _static_rnn_decline(cell: Any, inputs: list, first_output: Any) -> Optional[str]:
    """Why `static_rnn_tail` must leave the steps to the cell, or None."""
    if is_stepwise():
        return STEPWISE_REASON
    return _inputs_decline(cell, inputs, first_output)


def _inputs_decline(cell: Any, inputs: list, first_output: Any) -> Optional[str]:
    """Why `_layers_tail` cannot run `cell` over `inputs`, or None."""
    if not isinstance(first_output, tf.Tensor) or first_output.dtype != tf.float32:
        return "the outputs are not float32 Tensors"
    core = cell
    if _kind(cell) == "embedding":
        wrapper = spec(cell)
        core = wrapper.cells[0]
        if not wrapper.weights:
            return "an EmbeddingWrapper that is not built"
        if not stackable(inputs) or not tf.as_dtype(inputs[0].dtype).is_integer:
            return "the EmbeddingWrapper's inputs are not integer Tensors of one shape"
    elif not stackable(inputs, rank=2):
        return "the inputs are not 2-D Tensors of one shape and dtype"
    reason = _Stack.decline_reason(core)
    if reason is not None or _kind(cell) == "embedding":
        return reason
    return _input_depth_decline(core, inputs[0].dtype, _dim(inputs[0], 1))


def _input_depth_decline(cell: Any, dtype: tf.DType, depth: Optional[int]) -> Optional[str]:
    """Why inputs of `dtype` and `depth` cannot enter `cell`'s first layer, or None."""
    first = spec(_Stack._unwrap(cell).cells[0])
    kernel = first.weights["gate_kernel" if first.kind == "gru" else "kernel"]
    state_rows = first.options["units"]
    if first.kind == "lstm" and first.options["num_proj"] is not None:
        state_rows = first.options["num_proj"]
    if dtype != kernel.dtype.base_dtype or \
            depth != kernel.get_shape().as_list()[0] - state_rows:
        return "the inputs' dtype or depth differ from the first step's"
    return None


def rnn_decoder_tail(cell: Any, inputs: list, state: Any, first_output: Any,
                     loop_function: Any) -> Optional[tuple]:
    """Steps 1.. of `rnn_decoder` after step 0 ran through the cell itself.

    Without a loop function these are `static_rnn`'s steps from the given
    state (layer by layer, the input products of all steps in one); with
    the library's argmax feedback (`argmax_feedback`) each step is one call
    of a traced step that runs every layer on the embedding of the previous
    output's argmax, taken between the calls (`_argmax_feed`).

    Args:
      cell: The decoder cell, already called once (so built).
      inputs: The decoder inputs after the first (with feedback only their
        number is used, as the step-by-step graph ignores them).
      state: The state after step 0.
      first_output: Step 0's output.
      loop_function: None, or the decoder's loop function.

    Returns:
      ``(outputs, final state)``, or None when the step-by-step path is needed.
    """
    feedback = None if loop_function is None else argmax_feedback(loop_function)
    reason = _rnn_decoder_decline(cell, inputs, state, first_output, loop_function)
    decide("rnn_decoder", reason)
    if reason is not None:
        return None
    if feedback is None:
        return _layers_tail(cell, inputs, state, first_output, None)
    return _feedback_tail(_Stack.from_cell(cell, joined=True), feedback, len(inputs), state,
                          first_output)


def _feedback_tail(stack: _Stack, feedback: tuple, num_steps: int, state: Any,
                   first_output: tf.Tensor) -> tuple:
    """`num_steps` steps, each fed the embedding of the previous output's argmax."""
    num_stack = len(stack.tensors())

    def step(carry: tuple, inputs_t: list, weights: list) -> tuple:
        layers = stack.rebind(weights[:num_stack])
        layer_parts, _ = carry
        # `inputs_t` holds the fed embedding, then this step's dropout
        # factors (`_Stack.step_masks`).
        top, new_parts, _ = layers.step(inputs_t[0], list(layer_parts), masks=inputs_t[1:])
        output = layers.project_output(top)
        return (tuple(tuple(p) for p in new_parts), output), [output]

    parts = stack.to_parts(state)
    carry = (tuple(tuple(p) for p in parts), first_output)
    key = ("feedback", stack.config())
    final, (outputs,) = _loop(key, step, stack.step_masks(num_steps, parts), carry,
                              num_steps, stack.tensors(),
                              feed=_argmax_feed(feedback, first_output.dtype))
    for output in outputs:
        output.set_shape(first_output.get_shape())
    return outputs, stack.from_parts([list(p) for p in final[0]])


def _argmax_feed(feedback: tuple, dtype: tf.DType) -> Callable:
    """`_loop`'s `feed` for the argmax feedback: the step input from the flat carry.

    The previous output is the carry's last tensor. It is projected, its
    argmax taken and looked up outside the traced step, as the loop function
    does in the step-by-step graph.
    """
    embedding, projection, update = feedback
    table = _read(embedding)
    if projection is not None:
        weights = tf.convert_to_tensor(projection[0], dtype)
        biases = tf.convert_to_tensor(projection[1], dtype)

    def feed(flat_carry: list) -> list:
        logits = flat_carry[-1]
        if projection is not None:
            logits = _v1.nn.xw_plus_b(logits, weights, biases)
        fed = tf.nn.embedding_lookup(table, tf.argmax(logits, 1))
        return [fed if update else tf.stop_gradient(fed)]

    return feed


def _rnn_decoder_decline(cell: Any, inputs: list, state: Any, first_output: Any,
                         loop_function: Any) -> Optional[str]:
    """Why `rnn_decoder_tail` must leave the steps to the cell, or None."""
    if is_stepwise():
        return STEPWISE_REASON
    if loop_function is None:
        return _inputs_decline(cell, inputs, first_output)
    feedback = argmax_feedback(loop_function)
    if feedback is None:
        return "a user loop_function (its Python code must run at every step)"
    if not isinstance(first_output, tf.Tensor) or first_output.dtype != tf.float32:
        return "the outputs are not float32 Tensors"
    reason = _Stack.decline_reason(cell)
    if reason is not None:
        return reason
    if any(not isinstance(leaf, tf.Tensor) or leaf.dtype != tf.float32
           for leaf in tf.nest.flatten(state)):
        return "the state is not float32 Tensors"
    embedding, projection, _ = feedback
    shape = embedding.get_shape()
    if shape.rank != 2:
        return "the fed-back embedding is not a matrix"
    return _input_depth_decline(cell, embedding.dtype.base_dtype,
                                tf.compat.dimension_value(shape.dims[1]))


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

    def prepare(self, input_size: int, top_size: int, part_sizes: Sequence[int],
                joined: bool = False) -> None:
        """Reads the weights and builds the 3-D views (once the fast path is taken).

        The kernels are split into row blocks, one per concatenated input,
        so the steps multiply block by block instead of concatenating (the
        products of inputs known before the loop are taken out of it, and
        the blocks' gradients are deferred). With `joined` each kernel stays
        one block, which `_block_matmul` applies to the concatenated inputs:
        for steps fed their own previous output, where nothing is known
        before the loop.
        """
        merge, queries, project = self._linears
        heads, size = self.num_heads, self.attn_size

        def blocks(kernel: Any, sizes: list) -> list:
            return [_read(kernel)] if joined else _row_blocks(_read(kernel), sizes)

        self.merge = blocks(merge.kernel, [input_size] + [size] * heads)
        self.merge_bias = _read(merge.bias)
        self.queries = [blocks(q.kernel, list(part_sizes)) + [_read(q.bias)] for q in queries]
        self.project = blocks(project.kernel, [top_size] + [size] * heads)
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
    """``concat(inputs, 1) @ concat(blocks, 0)``.

    One block per input: block by block, without the concatenations. One
    block for several inputs: the whole kernel, on the concatenated inputs.
    """
    if len(blocks) == 1 and len(inputs) > 1:
        return tf.matmul(tf.concat(list(inputs), 1), blocks[0])
    products = [tf.matmul(x, w) for x, w in zip(inputs, blocks)]
    return products[0] if len(products) == 1 else tf.add_n(products)


def embed_steps(embedding: Any, ids: list) -> list:
    """The embeddings of every step's ids: one lookup for all steps when they stack.

    Step by step (`fastpath.stepwise()`, or ids of differing shapes) it is one
    lookup per step, as TF 1.15 built it; the numbers are the same.
    """
    if is_stepwise() or len(ids) < 2 or not stackable(ids, rank=1):
        return [tf.nn.embedding_lookup(embedding, i) for i in ids]
    return tf.unstack(tf.nn.embedding_lookup(embedding, tf.stack(ids)), num=len(ids))


def argmax_feedback(loop_function: Any) -> Optional[tuple]:
    """``(embedding, output_projection, update_embedding)`` of our own argmax loop function.

    `decoders.extract_argmax_and_embed`'s loop functions state them through
    the same protocol as the cells (kind ``"argmax_feedback"``).
    """
    described = spec(loop_function)
    if described is None or described.kind != "argmax_feedback":
        return None
    options = described.options
    return (described.weights["embedding"], options["output_projection"],
            options["update_embedding"])


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
    # Fed back, no step input is known before the loop: whole kernels.
    joined = feedback is not None
    stack = _Stack.from_cell(cell, joined=joined)
    input_size = _dim(inputs[0], 1)
    part_sizes = [size for layer in stack.layers for size in layer.part_sizes]
    top_size = stack.layers[-1].units if stack.projection is None else \
        stack.projection[0].get_shape().as_list()[1]
    parts.prepare(input_size, top_size, part_sizes, joined=joined)
    num_steps = len(inputs)
    batch = _static_batch(first_output)
    num_heads = len(attns)
    constants = stack.tensors() + parts.tensors()
    num_stack, num_parts = len(stack.tensors()), len(parts.tensors())

    def step(carry: tuple, inputs_t: list, weights: list) -> tuple:
        layers = stack.rebind(weights[:num_stack])
        attention = parts.rebind(weights[num_stack:num_stack + num_parts])
        layer_parts, reads = carry[:2]
        # The dropout factors come last among the step's inputs.
        masks = inputs_t[len(inputs_t) - num_masks:]
        inputs_t = inputs_t[:len(inputs_t) - num_masks]
        if feedback is None:
            return deferred_step(layers, attention, layer_parts, reads, inputs_t, masks)
        # Fed back: `inputs_t` is the embedding of the previous output's argmax.
        x = tf.nn.bias_add(_block_matmul(inputs_t + list(reads), attention.merge),
                           attention.merge_bias)
        top, new_parts, _ = layers.step(x, list(layer_parts), masks=masks)
        new_reads, distributions = attention.attend(new_parts)
        # The output is fed back, so it is computed (and carried) in the step.
        output = tf.nn.bias_add(
            _block_matmul([layers.project_output(top)] + new_reads, attention.project),
            attention.project_bias)
        new_carry = (tuple(tuple(p) for p in new_parts), tuple(new_reads), output)
        return new_carry, [top] + new_reads + distributions + [output]

    def deferred_step(layers: _Stack, attention: AttentionParts, layer_parts: tuple,
                      reads: tuple, inputs_t: list, masks: list) -> tuple:
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
                                                  taps[1:1 + num_layers], masks)
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
    masks = stack.step_masks(num_steps, stack.to_parts(state))
    num_masks = len(masks)
    sequences += masks
    carry = (tuple(tuple(p) for p in stack.to_parts(state)), tuple(attns))
    if feedback is not None:
        carry += (first_output,)
    key = ("attention", stack.config(), num_heads, parts.attn_size, input_size, joined)
    first_view = num_stack + parts.views_index()
    final, emitted = _loop(key, step, sequences, carry, num_steps, constants,
                           relaxed=range(first_view, first_view + 1 + num_heads),
                           feed=None if feedback is None else _argmax_feed(feedback, dtype))
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
        steps = tf.unstack(outputs, num=num_steps)
        per_head = [tf.unstack(w, num=num_steps) for w in weight_seqs]
    else:
        # Fed back, `_loop` gives each step's own tensors.
        steps, per_head = emitted[-1], weight_seqs
    for output in steps:
        output.set_shape(first_output.get_shape())
    # The distributions go to the collection in the step-by-step order, each
    # named like the Softmax op TF 1.15 builds for that step and head.
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
    return _inlinable(traced(target, logit))


def _inlinable(result: tf.Tensor) -> tf.Tensor:
    """`result` of a traced call, passed on so that the Session may inline the call.

    Grappler inlines a call whose body has stateful ops (a sampler, a
    ``ResourceGather`` of a variable) only if the call node has an outgoing
    control edge. Without one, every call runs as a function of its own, with
    its own executor and unoptimised against the rest of the graph. A NoOp
    after the call, which the passed-on value waits for, is that edge.
    """
    with tf.control_dependencies([result.op]):
        after_call = tf.no_op(name="inline_marker")
    with tf.control_dependencies([after_call]):
        return tf.identity(result)
