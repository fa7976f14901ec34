"""`model_with_buckets`: one seq2seq model unrolled once per bucket.

Every bucket `(encoder_length, decoder_length)` gets its own unrolled copy of
the model, built on the first `encoder_length` encoder inputs and the first
`decoder_length` decoder inputs, targets and weights. All copies share one
set of variables: the first bucket creates them, the others reuse them.
"""

from __future__ import annotations

import numbers
from typing import Any, Callable, Optional, Sequence

import tensorflow as tf

from legacy_seq2seq_compat import _checks, losses

_v1 = tf.compat.v1

__all__ = ["model_with_buckets"]


def model_with_buckets(
    encoder_inputs: Sequence[Any],
    decoder_inputs: Sequence[Any],
    targets: Sequence[Any],
    weights: Sequence[Any],
    buckets: Sequence[Sequence[int]],
    seq2seq: Callable[[list, list], Any],
    softmax_loss_function: Optional[Callable] = None,
    per_example_loss: Any = False,
    name: Optional[str] = None,
) -> tuple[list, list]:
    """Builds a sequence-to-sequence model with bucketing.

    `seq2seq(encoder_inputs, decoder_inputs)` is called once per bucket, the
    first time in the caller's variable scope as it is and then in the same
    scope with `reuse=True`, so it must create its variables with
    `tf.compat.v1.get_variable` (directly or through cells it makes on each
    call), e.g.
    `lambda x, y: basic_rnn_seq2seq(x, y, rnn_cell.GRUCell(24))`.

    Args:
        encoder_inputs: List of encoder input Tensors, at least as long as the
            encoder length of the last bucket.
        decoder_inputs: List of decoder input Tensors.
        targets: List of `[batch_size]` int32 Tensors (or Python ints), at
            least as long as the decoder length of the last bucket.
        weights: List of `[batch_size]` float Tensors, as long as `targets`.
        buckets: Non-empty list of `(encoder_length, decoder_length)` pairs of
            positive ints; the last one is taken to be the largest.
        seq2seq: Callable `(encoder_inputs, decoder_inputs) -> (outputs, state)`
            where `outputs` is a list of `[batch_size, num_classes]` Tensors.
        softmax_loss_function: Optional per-step loss used instead of the
            sparse softmax cross-entropy; see
            `losses.sequence_loss_by_example` for the conventions accepted.
        per_example_loss: If true, each bucket's loss is a `[batch_size]`
            vector (`sequence_loss_by_example`), else a scalar
            (`sequence_loss`).
        name: Name scope of the ops; defaults to `"model_with_buckets"`.

    Returns:
        A pair `(outputs, losses)`: `outputs[j]` is the list of output Tensors
        of bucket j and `losses[j]` its loss, both averaged across time steps
        (and across the batch unless `per_example_loss`).

    Raises:
        TypeError: If an input is not a list or tuple, if `seq2seq` or
            `softmax_loss_function` is not callable, if `seq2seq` does not
            return `(outputs, ...)` with a list of outputs, or if
            `per_example_loss` is a Tensor.
        ValueError: If `buckets` is not a non-empty list of pairs of positive
            ints, or if `encoder_inputs`, `targets`, `weights` or
            `decoder_inputs` is shorter than the last bucket (TF 1.15's
            messages, checked in that order).
        RuntimeError: When called in eager mode.

    Compatibility:
        Matches TF 1.15 `tf.contrib.legacy_seq2seq.model_with_buckets`: the
        same three length errors, checked against the last bucket only, then
        a fourth for `decoder_inputs` (TF 1.15 let that fail later, inside the
        loss), the `model_with_buckets` name scope, one
        variable set without bucket suffixes, and the caller's scope left as
        it was (its `reuse` flag included). Element 0 of whatever `seq2seq`
        returns is taken as the outputs. The checks of `buckets`, `seq2seq`
        and `softmax_loss_function` are additions, made before anything is
        built, and so are these, over all steps (also those past the last
        bucket): the steps of `encoder_inputs`, `decoder_inputs` and `weights`
        must share one shape and dtype, those of `targets` one dtype (int32 and
        int64 may mix). The `softmax_loss_function` is traced by default: it sees
        placeholders, one call per distinct step shape (buckets of the same
        batch size share one trace), not one call per step and bucket as in
        TF 1.15 (see `losses.sequence_loss_by_example`; `fastpath.stepwise()`
        gives TF 1.15's per-step calls).
    """
    _checks.ensure_graph_mode("model_with_buckets")
    encoder_inputs = _checks.check_list_of_tensors(encoder_inputs, "encoder_inputs", True)
    decoder_inputs = _checks.check_list_of_tensors(decoder_inputs, "decoder_inputs", True)
    targets = _checks.check_list_of_tensors(targets, "targets", True)
    weights = _checks.check_list_of_tensors(weights, "weights", True)
    buckets = _check_buckets(buckets)
    if not callable(seq2seq):
        raise TypeError(
            "`seq2seq` must be callable (encoder_inputs, decoder_inputs) -> (outputs, state), "
            f"got {type(seq2seq).__name__}: {seq2seq!r}."
        )
    if softmax_loss_function is not None and not callable(softmax_loss_function):
        raise TypeError(
            "`softmax_loss_function` must be callable (labels, logits) -> per-example loss, "
            f"or None; got {type(softmax_loss_function).__name__}: {softmax_loss_function!r}."
        )
    if isinstance(per_example_loss, (tf.Tensor, tf.Variable)):
        raise TypeError(
            f"`per_example_loss` must be a Python bool, got a Tensor: {per_example_loss!r}."
        )
    last_encoder_length, last_decoder_length = buckets[-1]
    # TF 1.15's three checks, in its order, then decoder_inputs (TF 1.15 let a
    # short list fail later, inside the loss).
    for label, values, needed in (("encoder_inputs", encoder_inputs, last_encoder_length),
                                  ("targets", targets, last_decoder_length),
                                  ("weights", weights, last_decoder_length),
                                  ("decoder_inputs", decoder_inputs, last_decoder_length)):
        if len(values) < needed:
            raise ValueError(
                f"Length of {label} ({len(values)}) must be at least that of last "
                f"bucket ({needed})."
            )
    _checks.check_same_steps(encoder_inputs, "encoder_inputs")
    _checks.check_same_steps(decoder_inputs, "decoder_inputs")
    _checks.check_same_steps(targets, "targets", shapes=False)
    _checks.check_same_steps(weights, "weights")
    loss_fn = losses.sequence_loss_by_example if per_example_loss else losses.sequence_loss
    all_inputs = encoder_inputs + decoder_inputs + targets + weights
    outputs = []
    bucket_losses = []
    with _v1.name_scope(name, "model_with_buckets", all_inputs):
        for j, (encoder_length, decoder_length) in enumerate(buckets):
            with _v1.variable_scope(_v1.get_variable_scope(), reuse=True if j > 0 else None):
                result = seq2seq(encoder_inputs[:encoder_length], decoder_inputs[:decoder_length])
                bucket_outputs = _first_element(result, j)
                outputs.append(bucket_outputs)
                bucket_losses.append(
                    loss_fn(
                        bucket_outputs,
                        targets[:decoder_length],
                        weights[:decoder_length],
                        softmax_loss_function=softmax_loss_function,
                    )
                )
    return outputs, bucket_losses


def _check_buckets(buckets: Any) -> list[tuple[int, int]]:
    """Checks `buckets` and returns it as a list of int pairs."""
    if not isinstance(buckets, (list, tuple)) or not buckets:
        raise ValueError(
            "`buckets` must be a non-empty list of (encoder_length, decoder_length) pairs, "
            f"got {buckets!r}."
        )
    checked = []
    for index, bucket in enumerate(buckets):
        is_pair = isinstance(bucket, (list, tuple)) and len(bucket) == 2
        if not is_pair or not all(_is_positive_int(size) for size in bucket):
            raise ValueError(
                f"`buckets[{index}]` must be a pair (encoder_length, decoder_length) of "
                f"positive ints, got {bucket!r}."
            )
        checked.append((int(bucket[0]), int(bucket[1])))
    return checked


def _is_positive_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value > 0


def _first_element(result: Any, bucket_index: int) -> Any:
    """Element 0 of what `seq2seq` returned: the bucket's list of outputs."""
    outputs = result[0] if isinstance(result, (list, tuple)) and result else None
    if not isinstance(outputs, (list, tuple)):
        raise TypeError(
            "`seq2seq` must return a pair (outputs, state) whose outputs are a list of "
            f"Tensors, one per decoder step; for bucket {bucket_index} it returned "
            f"{type(result).__name__}: {result!r}."
        )
    return outputs
