"""Fast graph builders: the same models, built and run with far fewer ops.

TF 1.15 builds one copy of the cell per time step, per bucket, and the
gradients of each copy; that is what makes bucketed legacy models slow to
build. This library builds the first step of `static_rnn` (with or without
`sequence_length`, and so `static_bidirectional_rnn`), `rnn_decoder` and
`attention_decoder` through the cell, as TF 1.15 did (so every variable is
created by the cell with the same name, shape, initializer and order), and
hands the later steps to its engine, which builds one traced step function
(and one gradient) per shape instead of one copy per step. The models on
these functions (all 13 of `legacy_seq2seq`) take the fast paths with them.

What the engine runs: this library's GRUCell, BasicLSTMCell and LSTMCell
(tanh activation, float32; LSTMCell with peepholes, cell clipping,
`num_proj` with or without its clipping, sharded variables; tuple or
concatenated states), a MultiRNNCell of them (one cell object repeated in
it included: its layers read the same weights, whose gradients are summed,
as in TF 1.15; tuple or concatenated states), inside an EmbeddingWrapper
(encoder) or OutputProjectionWrapper, with DropoutWrappers around the layers
or the stack (keep probabilities constant or Tensors, such as the usual
``keep_prob`` placeholder; `variational_recurrent` included), decoders fed
their own argmax (`feed_previous` as a bool or a bool Tensor), and any
number of attention heads. A user `loop_function`, a user cell (a subclass
of ours included), a DropoutWrapper that drops under a seed (its own or the
graph's: TF 1.15's seeded draws are per step) or with a state filter of the
user's or around an OutputProjectionWrapper, nested inputs or a dtype other
than float32 keep the step-by-step path.

What stays the same: the numbers, up to float rounding (within 1e-5 of the
step-by-step graph for outputs, states, losses and gradients;
tests/test_baseline_numbers.py pins them against the baseline revision and
tests/test_engine.py checks random model configurations against
`stepwise()`). Op names inside the steps differ from TF 1.15's; the
attention distributions keep theirs. A dropping DropoutWrapper draws its
masks for all steps at once: the same distribution as its per-step draws
(every unit of every step kept with probability ``keep``, scaled by
``1 / keep``), other random numbers.

`sequence_loss_by_example` computes the default cross-entropy of all steps
in one op. A user `softmax_loss_function` is traced once (per graph,
variable scope and step shapes) into a graph function that every step calls
with its own tensors; the Python function runs once and sees placeholders.
One that creates variables, adds to a graph collection or fails to trace,
and every one while the graph has a seed, is called once per step as in TF
1.15; `batch_loss_functions()` asks for one call for all steps instead. The
traced graph is named `TRACED_LOSS_NAME`, so that a tensor kept from inside
the trace (say, in an outer Python list) names the fix in TensorFlow's
"must be from the same graph" error: `stepwise()`.

Every path choice is recorded per graph: `report(graph)` lists them as
`Decision` tuples and `used(graph)` says whether all of them were fast. A
step-by-step choice not asked for with `stepwise()` is logged (logger
``legacy_seq2seq_compat.fastpath``, level WARNING) once per reason and
process.

`stepwise()` (or the environment variable ``LEGACY_SEQ2SEQ_COMPAT_STEPWISE=1``)
turns the fast paths and the loss tracing off, giving TF 1.15's graph and
its per-step loss calls, e.g. to compare graphs op by op with TF 1.15;
``LEGACY_SEQ2SEQ_COMPAT_BATCH_LOSS_FUNCTIONS=1`` turns `batch_loss_functions`
on for a whole process (e.g. an unmodified script run by
``legacy-seq2seq-compat run``). `trace_loss_functions()` and
``LEGACY_SEQ2SEQ_COMPAT_TRACE_LOSS_FUNCTIONS`` are kept, with no effect:
tracing is the default. How the engine works is described at the top of
the private module `legacy_seq2seq_compat._engine`.
"""


from __future__ import annotations

import contextlib
from typing import Iterator, Optional

import tensorflow as tf

from legacy_seq2seq_compat import _engine

_v1 = tf.compat.v1

__all__ = ["stepwise", "is_stepwise", "batch_loss_functions", "trace_loss_functions",
           "used", "report", "Decision"]

STEPWISE_ENV = _engine.STEPWISE_ENV

BATCH_LOSS_ENV = _engine.BATCH_LOSS_ENV

TRACE_LOSS_ENV = _engine.TRACE_LOSS_ENV

TRACED_LOSS_NAME = _engine.TRACED_LOSS_NAME

STEPWISE_REASON = _engine.STEPWISE_REASON

Decision = _engine.Decision



def is_stepwise() -> bool:
    """Whether the fast paths are off (graphs are built step by step, as in TF 1.15).

    Compatibility:
      TF 1.15 always built graphs step by step; True means this library does the same (no fast
      path).
    """
    return _engine.settings["stepwise"]


@contextlib.contextmanager
def _setting(name: str, enabled: bool) -> Iterator[None]:
    if not isinstance(enabled, bool):
        raise TypeError(f"`enabled` must be a Python bool, got {enabled!r}.")
    previous = _engine.settings[name]
    _engine.settings[name] = enabled
    try:
        yield
    finally:
        _engine.settings[name] = previous


def stepwise(enabled: bool = True) -> contextlib.AbstractContextManager:
    """Context manager: build graphs step by step (no fast paths) inside it.

    Args:
      enabled: True to turn the fast paths off, False to turn them on.

    Returns:
      A context manager; the previous setting is restored on exit.

    Raises:
      TypeError: if `enabled` is not a bool.

    Compatibility:
      Inside it, graphs are built the way TF 1.15 built them, one cell call per step. Outside it,
      the fast paths create the same variables, in the same order, and give the same numbers up to
      float rounding, with far fewer ops.
    """
    return _setting("stepwise", enabled)


def batch_loss_functions(enabled: bool = True) -> contextlib.AbstractContextManager:
    """Context manager: call a user `softmax_loss_function` once for all steps.

    By default `sequence_loss_by_example` calls a user loss function once per
    step with that step's `[batch_size]` targets, as TF 1.15 did. Inside this
    context it calls it once with all steps concatenated (`[T * batch_size]`
    rows), which builds and runs much faster. The numbers are the same for a
    loss computed row by row; a sampled softmax then draws one set of samples
    for all steps of a batch instead of one set per step. A function that
    fails on, or does not return one value per row of, the concatenation is
    called step by step instead.

    Args:
      enabled: True to batch user loss functions, False for one call per step.

    Returns:
      A context manager; the previous setting is restored on exit.

    Raises:
      TypeError: if `enabled` is not a bool.

    Compatibility:
      Off by default: the loss function is called once per step, as in TF 1.15. On, a sampled
      softmax draws one set of samples for all the steps of a batch, unlike TF 1.15.
    """
    return _setting("batch_loss_functions", enabled)


def trace_loss_functions(enabled: bool = True) -> contextlib.AbstractContextManager:
    """Context manager kept for old code: user loss functions are traced by default.

    `sequence_loss_by_example` traces a user `softmax_loss_function` once
    (per graph, variable scope and step shapes) into a graph function, which
    every step then calls with its own `[batch_size]` targets and logits; its
    gradient is built once too. The numbers are those of per-step calls, and
    a sampled softmax still draws fresh samples at every step. The Python
    function runs once per distinct step shape and receives placeholders of
    the step's shapes rather than the step's own tensors. A function that
    creates variables, adds to a graph collection, fails to trace or does not
    return one Tensor, and every function while the graph has a seed, is
    called step by step. `stepwise()` gives TF 1.15's per-step calls
    everywhere; `batch_loss_functions()` takes precedence over tracing.

    This switch used to turn the tracing on; it now has no effect either way
    (the argument is still checked). ``LEGACY_SEQ2SEQ_COMPAT_TRACE_LOSS_FUNCTIONS``
    likewise has none.

    Args:
      enabled: A Python bool, checked and otherwise ignored.

    Returns:
      A context manager; the previous setting is restored on exit.

    Raises:
      TypeError: if `enabled` is not a bool.

    Compatibility:
      Not in TF 1.15. Tracing is now the default, so this switch changes nothing; TF 1.15's
      per-step calls come from `stepwise()`.
    """
    return _setting("trace_loss_functions", enabled)



def report(graph: Optional[tf.Graph] = None) -> list:
    """The path choices made while `graph` was built, each listed once.

    Args:
      graph: A `tf.Graph`; defaults to the default graph.

    Returns:
      A list of `Decision` (function, fast, reason), distinct, in the order
      first made: e.g. ``Decision("static_rnn", True, "")`` or
      ``Decision("rnn_decoder", False, "a user loop_function (its Python code must run at
      every step)")``.

    Compatibility:
      Not in TF 1.15, which always built step by step.
    """
    graph = _v1.get_default_graph() if graph is None else graph
    return _engine.decisions(graph)


def used(graph: Optional[tf.Graph] = None) -> bool:
    """Whether `graph` was built on the fast paths only.

    True when at least one call took a fast path (a traced step of
    `static_rnn`, `rnn_decoder` or `attention_decoder`, or a traced loss
    function) and none took the step-by-step path; `report` says which calls
    did what, and why.

    Args:
      graph: A `tf.Graph`; defaults to the default graph.

    Returns:
      A Python bool.

    Compatibility:
      Not in TF 1.15, which always built step by step.
    """
    decisions = report(graph)
    return bool(decisions) and all(d.fast for d in decisions)
