"""Weighted sequence losses of TF 1.15's `tf.contrib.legacy_seq2seq`.

`sequence_loss_by_example` gives one log-perplexity per example,
`sequence_loss` collapses it to a scalar. Both take Python lists with one
entry per time step, use the same name scopes and ops as TF 1.15, and give the
same numbers:

    loss_by_example[b] = sum_t w_t[b] * CE_t[b] / (sum_t w_t[b] + 1e-12)
    sequence_loss      = sum_b loss_by_example[b] / batch_size

Compatibility:
    Everything TF 1.15 accepted behaves as in TF 1.15. On top of that:

    * `softmax_loss_function` may follow any TF1 calling convention; see
      `sequence_loss_by_example` for the exact rule.
    * The averaging flags take their truth value, so old code that passed
      `num_decoder_symbols` (an int) as the 4th positional argument works.
    * A scalar target (such as the Python int 0 that closes a shifted target
      list) is repeated over the batch by the default cross-entropy. TF 1.15
      turned it into a length-1 vector, which only worked for batch size 1.
    * Mistakes are reported at the call with the argument's name, what was
      expected and what was received.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Optional, Sequence

import tensorflow as tf

from legacy_seq2seq_compat import _checks, _engine

_v1 = tf.compat.v1

__all__ = ["sequence_loss_by_example", "sequence_loss"]

# Parameter names that old loss functions used for the two values, in the
# order they are tried (the TF >= 1.1 names first).
LABEL_PARAM_NAMES = ("labels", "label", "targets", "target")
LOGIT_PARAM_NAMES = ("logits", "logit", "inputs", "input", "outputs", "output")

_NAMED_KINDS = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def sequence_loss_by_example(
    logits: Sequence[Any],
    targets: Sequence[Any],
    weights: Sequence[Any],
    average_across_timesteps: Any = True,
    softmax_loss_function: Optional[Callable] = None,
    name: Optional[str] = None,
) -> tf.Tensor:
    """Weighted cross-entropy of a sequence of logits, one value per example.

    For every step t the cross-entropy of `logits[t]` against `targets[t]` is
    multiplied by `weights[t]`; the products are summed over the steps and,
    by default, divided by the summed weights (plus 1e-12, so all-zero weights
    give 0 instead of NaN).

    Args:
        logits: List of `[batch_size, num_classes]` float Tensors, one per step.
        targets: List of the same length of `[batch_size]` int32/int64 Tensors
            (class ids). Python ints and scalars are allowed.
        weights: List of the same length of `[batch_size]` float Tensors.
        average_across_timesteps: If true, divide each example's sum by its
            total weight. Any value with a truth value is accepted.
        softmax_loss_function: Optional callable that returns a `[batch_size]`
            loss for one step's labels and logits, used instead of the sparse
            softmax cross-entropy (e.g. a sampled softmax).
        name: Name scope of the ops; defaults to `"sequence_loss_by_example"`.

    Returns:
        A `[batch_size]` float Tensor: the log-perplexity of each sequence.

    Raises:
        TypeError: If `logits`, `targets` or `weights` is not a list or tuple,
            if `softmax_loss_function` is not callable or cannot be called with
            labels and logits, if an averaging flag is a Tensor, or if a target
            is not an integer id while `softmax_loss_function` is None.
        ValueError: If the three lists differ in length ("Lengths of logits,
            weights, and targets must be the same ..."), if they are empty, or
            if a logit is not 2-D while `softmax_loss_function` is None.

    Compatibility:
        Matches TF 1.15 `tf.contrib.legacy_seq2seq.sequence_loss_by_example`,
        including the name scope and the error text for differing lengths.
        TF 1.15 called the loss function as `f(labels=..., logits=...)`; TF 1.0
        called `f(labels, logits)` positionally and TF 0.12 `f(logits, labels)`,
        so old functions are written as `f(labels, inputs)`,
        `f(inputs, labels)`, `f(logits, targets)` and so on. The signature of
        `softmax_loss_function` (functions, lambdas, `functools.partial`
        objects and callable objects alike) decides the call, once:

        1. Parameters that can be passed by keyword are matched by name: one
           of labels/label/targets/target gets the target, one of
           logits/logit/inputs/input/outputs/output gets the logit, both by
           keyword, whatever their order.
        2. If only one of the two is named so, the other value goes by
           keyword to the single remaining required parameter; if there is
           none and the function takes `**kwargs`, it is passed as `labels=`
           or `logits=`.
        3. If neither is named so but the function takes `**kwargs`, the call
           is TF 1.15's `f(labels=target, logits=logit)`.
        4. Otherwise the call is positional in TF 1.0's order,
           `f(target, logit)`.

        A call the signature cannot accept raises TypeError up front. When no
        signature can be read (some built-ins) the call is TF 1.15's. The
        target is passed unchanged (a Python int stays an int), as in TF 1.15.
        Without a loss function, a scalar target is repeated over the batch;
        with one, logits of any rank are accepted. Also without one, the
        logits, targets and weights of a step must agree on the static batch
        size, and a weight must be a scalar or a `[batch_size]` vector: TF 1.15
        broadcast a `[batch_size, 1]` weight against the `[batch_size]` loss
        without a word. The logits (and the weights) of all steps must share
        one dtype.

        Unlike TF 1.15, the loss function is traced by default: it is called
        once per distinct step shape, with placeholders of the step's shapes,
        and every step calls the resulting graph function with its own
        tensors (same numbers, fresh random samples per step). A function
        that creates variables, adds to a graph collection or fails to trace,
        and every function while the graph has a seed, is called once per
        step with the step's own tensors, as in TF 1.15. Tensors a function
        keeps for later (e.g. in an outer list) belong to the traced graph,
        `legacy_seq2seq_traced_loss__use_fastpath_stepwise_for_per_step_calls`;
        inside `fastpath.stepwise()` (or with
        ``LEGACY_SEQ2SEQ_COMPAT_STEPWISE=1``) every step calls the function
        itself, as TF 1.15 did.
    """
    logits, targets, weights = _check_sequences(logits, targets, weights)
    average_across_timesteps = _python_flag(average_across_timesteps, "average_across_timesteps")
    call_loss = None
    if softmax_loss_function is not None:
        call_loss = _loss_function_caller(softmax_loss_function)
    else:
        _check_step_batches(logits, targets, weights)
    with _v1.name_scope(name, "sequence_loss_by_example", logits + targets + weights):
        # All steps in one loss call when they can be concatenated (see fastpath).
        log_perps = _engine.batched_sequence_loss(logits, targets, weights, call_loss,
                                                   average_across_timesteps)
        if log_perps is not None:
            return log_perps
        weighted = []
        for step, (logit, target, weight) in enumerate(zip(logits, targets, weights)):
            if call_loss is None:
                crossent = _sparse_crossent(logit, target, step)
            else:
                crossent = _engine.step_loss(softmax_loss_function, call_loss, target, logit)
            weighted.append(crossent * weight)
        log_perps = tf.add_n(weighted)
        if average_across_timesteps:
            total_weight = tf.add_n(weights) + 1e-12
            log_perps /= total_weight
    return log_perps


def sequence_loss(
    logits: Sequence[Any],
    targets: Sequence[Any],
    weights: Sequence[Any],
    average_across_timesteps: Any = True,
    average_across_batch: Any = True,
    softmax_loss_function: Optional[Callable] = None,
    name: Optional[str] = None,
) -> tf.Tensor:
    """Weighted cross-entropy of a sequence of logits, summed over the batch.

    The sum over the batch of `sequence_loss_by_example`, divided by the batch
    size (the dynamic size of `targets[0]`) when `average_across_batch` is
    set. With both averages this is the mean log-perplexity per symbol.

    >>> import tensorflow as tf
    >>> from legacy_seq2seq_compat import losses
    >>> with tf.Graph().as_default():
    ...     logits = [tf.zeros([2, 5])] * 3
    ...     targets = [tf.constant([1, 4])] * 3
    ...     weights = [tf.ones([2])] * 3
    ...     loss = losses.sequence_loss(logits, targets, weights)
    ...     print(round(float(tf.compat.v1.Session().run(loss)), 5))
    1.60944

    Args:
        logits: List of `[batch_size, num_classes]` float Tensors, one per step.
        targets: List of the same length of `[batch_size]` int32/int64 Tensors.
        weights: List of the same length of `[batch_size]` float Tensors.
        average_across_timesteps: If true, divide each example's sum by its
            total weight.
        average_across_batch: If true, divide the total by the batch size.
        softmax_loss_function: Optional per-step loss used instead of the
            sparse softmax cross-entropy; see `sequence_loss_by_example` for
            the calling conventions accepted.
        name: Name scope of the ops; defaults to `"sequence_loss"`.

    Returns:
        A scalar float Tensor.

    Raises:
        TypeError: As `sequence_loss_by_example`.
        ValueError: As `sequence_loss_by_example`, and when
            `average_across_batch` is set but `targets[0]` is a scalar (it has
            no batch dimension to count).

    Compatibility:
        Matches TF 1.15 `tf.contrib.legacy_seq2seq.sequence_loss`: the ops sit
        in the `sequence_loss` name scope, with the per-example part in its own
        nested `sequence_loss_by_example` scope, and the batch size is
        `tf.shape(targets[0])[0]` cast to the loss dtype. A
        `softmax_loss_function` is traced by default and sees placeholders,
        one call per distinct step shape (see `sequence_loss_by_example`;
        `fastpath.stepwise()` gives TF 1.15's per-step calls).
    """
    logits, targets, weights = _check_sequences(logits, targets, weights)
    average_across_batch = _python_flag(average_across_batch, "average_across_batch")
    if average_across_batch and _static_rank(targets[0]) == 0:
        raise ValueError(
            "`targets[0]` must have a batch dimension when `average_across_batch` is set "
            f"(the batch size is read from it), got a scalar: {targets[0]!r}."
        )
    with _v1.name_scope(name, "sequence_loss", logits + targets + weights):
        cost = tf.reduce_sum(
            sequence_loss_by_example(
                logits,
                targets,
                weights,
                average_across_timesteps=average_across_timesteps,
                softmax_loss_function=softmax_loss_function,
            )
        )
        if not average_across_batch:
            return cost
        batch_size = tf.shape(targets[0])[0]
        return cost / tf.cast(batch_size, cost.dtype)


def _check_sequences(logits: Any, targets: Any, weights: Any) -> tuple[list, list, list]:
    """Checks the three per-step lists; TF 1.15's length message comes first."""
    logits = _checks.check_list_of_tensors(logits, "logits", allow_empty=True)
    targets = _checks.check_list_of_tensors(targets, "targets", allow_empty=True)
    weights = _checks.check_list_of_tensors(weights, "weights", allow_empty=True)
    if len(targets) != len(logits) or len(weights) != len(logits):
        raise ValueError(
            "Lengths of logits, weights, and targets must be the same "
            f"{len(logits)}, {len(weights)}, {len(targets)}. Received: "
            f"len(logits)={len(logits)}, len(weights)={len(weights)}, "
            f"len(targets)={len(targets)}; each list holds one entry per time step."
        )
    if not logits:
        raise ValueError("`logits`, `targets` and `weights` must not be empty, got empty lists.")
    _checks.check_same_steps(logits, "logits", shapes=False)
    _checks.check_same_steps(weights, "weights", shapes=False)
    return logits, targets, weights


def _check_step_batches(logits: list, targets: list, weights: list) -> None:
    """For the default loss: each step's logits, targets and weights share a static batch."""
    for step, (logit, target, weight) in enumerate(zip(logits, targets, weights)):
        if hasattr(weight, "get_shape") and (weight.get_shape().rank or 0) > 1:
            raise ValueError(
                f"`weights[{step}]` must be a [batch_size] vector (or a scalar) when "
                "`softmax_loss_function` is None, got shape "
                f"{_checks.describe_shape(weight)}; it would broadcast against the "
                "[batch_size] loss.")
        sizes = []
        for name, value, rank in (("logits", logit, 2), ("targets", target, 1),
                                  ("weights", weight, 1)):
            shape = value.get_shape() if hasattr(value, "get_shape") else None
            if shape is not None and shape.rank == rank:
                size = tf.compat.dimension_value(shape.dims[0])
                if size is not None:
                    sizes.append((f"{name}[{step}]", size, _checks.describe_shape(value)))
        for label, size, shape_text in sizes[1:]:
            if size != sizes[0][1]:
                raise ValueError(
                    f"`{label}` has shape {shape_text} but `{sizes[0][0]}` has shape "
                    f"{sizes[0][2]}: the logits, targets and weights of one step must have "
                    "the same batch size.")


def _python_flag(value: Any, name: str) -> bool:
    """The truth value of a Python-level switch; Tensors cannot be one."""
    if isinstance(value, (tf.Tensor, tf.Variable)):
        raise TypeError(
            f"`{name}` must be a Python bool (it decides which ops are built), "
            f"got a Tensor: {value!r}."
        )
    return bool(value)


def _static_rank(value: Any) -> Optional[int]:
    if hasattr(value, "get_shape"):
        return value.get_shape().rank
    try:
        return tf.TensorShape(tf.convert_to_tensor(value).shape).rank
    except (TypeError, ValueError):
        return None


def _sparse_crossent(logit: Any, target: Any, step: int) -> tf.Tensor:
    """TF's sparse softmax cross-entropy of one step, with checked inputs."""
    logit = _checks.as_tensor(logit, f"logits[{step}]")
    if logit.get_shape().rank not in (None, 2):
        raise ValueError(
            f"`logits[{step}]` must be 2-D [batch_size, num_classes] when "
            f"`softmax_loss_function` is None, got shape {_checks.describe_shape(logit)}."
        )
    target = _checks.as_tensor(target, f"targets[{step}]")
    if target.dtype.base_dtype not in (tf.int32, tf.int64):
        hint = ""
        if target.dtype.is_floating:
            hint = " Pass `softmax_loss_function` to use a loss that takes float targets."
        raise TypeError(
            f"`targets[{step}]` must hold integer class ids (int32 or int64) when "
            f"`softmax_loss_function` is None, got dtype {target.dtype.name}.{hint}"
        )
    flat = tf.reshape(target, [-1])
    if target.get_shape().rank == 0:
        # One id for the whole batch (e.g. the Python int closing a shifted
        # target list): repeat it instead of failing on a length-1 label.
        flat = tf.broadcast_to(flat, tf.shape(logit)[:1])
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=flat, logits=logit)


def _pick_name(names: list[str], candidates: Sequence[str]) -> Optional[str]:
    for candidate in candidates:
        if candidate in names:
            return candidate
    return None


def _keyword_plan(signature: inspect.Signature) -> Optional[tuple[str, str]]:
    """The keyword names (for labels, for logits), or None for a positional call."""
    params = list(signature.parameters.values())
    named = [p.name for p in params if p.kind in _NAMED_KINDS]
    takes_kwargs = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)
    label_name = _pick_name(named, LABEL_PARAM_NAMES)
    logit_name = _pick_name(named, LOGIT_PARAM_NAMES)
    if label_name and logit_name:
        return label_name, logit_name
    if label_name is None and logit_name is None:
        return ("labels", "logits") if takes_kwargs else None
    found = label_name or logit_name
    rest = [
        p.name
        for p in params
        if p.kind in _NAMED_KINDS and p.default is inspect.Parameter.empty and p.name != found
    ]
    if len(rest) == 1:
        other = rest[0]
    elif not rest and takes_kwargs:
        other = "logits" if label_name else "labels"
    else:
        return None
    return (found, other) if label_name else (other, found)


def _loss_function_caller(fn: Any) -> Callable[[Any, Any], Any]:
    """Returns `call(target, logit)` that calls `fn` in the convention it was written for."""
    if not callable(fn):
        raise TypeError(
            "`softmax_loss_function` must be callable (labels, logits) -> per-example loss, "
            f"or None; got {type(fn).__name__}: {fn!r}."
        )
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return lambda target, logit: fn(labels=target, logits=logit)
    plan = _keyword_plan(signature)
    if plan is not None and _binds(signature, **{plan[0]: 0, plan[1]: 0}):
        label_name, logit_name = plan
        return lambda target, logit: fn(**{label_name: target, logit_name: logit})
    if _binds(signature, 0, 0):
        return lambda target, logit: fn(target, logit)
    raise TypeError(
        f"`softmax_loss_function` {fn!r} cannot be called with one step's labels and "
        f"logits: its signature is {signature}. Expected f(labels=..., logits=...) (TF >= 1.1), "
        "two parameters named like labels/targets and logits/inputs in any order (older "
        "code), or two positional parameters taken as (labels, logits) (TF 1.0's order); "
        "bind any other required parameter first, e.g. with functools.partial."
    )


def _binds(signature: inspect.Signature, *args: Any, **kwargs: Any) -> bool:
    try:
        signature.bind(*args, **kwargs)
    except TypeError:
        return False
    return True
