"""Export a legacy model's decoding graph as a SavedModel that plain TF2 can serve.

The legacy models take one `[batch_size]` id Tensor per encoder step; a
server takes one `[batch_size, time]` Tensor. `source_inputs` makes the
server-side inputs (ids left-aligned and padded, plus their lengths) and
turns them into the encoder inputs the model was trained on (by default the
translate tutorial's layout: reversed, padded at the front);
`encoder_inputs_from_ids` does the same for ids the graph computes itself,
e.g. from strings. Build the decoder on them (greedy with
``feed_previous=True``, or a `beam_search` decoder), restore the
checkpoint, and `export_decoder` writes a SavedModel with a
``serving_default`` signature:

* inputs ``source`` (int32 `[batch_size, encoder_length]`) and
  ``source_lengths`` (int32 `[batch_size]`);
* outputs ``ids`` and, for a beam, ``lengths``, ``scores`` and
  ``log_probs`` (see `beam_search.BeamSearchOutput`).

The SavedModel holds only TensorFlow ops: ``tf.saved_model.load(path)
.signatures["serving_default"]`` runs it in TF2 without this library, and
TF Serving serves it as it is.

Compatibility:
  TF 1.15 exported such graphs with `tf.compat.v1.saved_model.Builder`,
  which this module uses; the graph-to-server glue (the `[batch, time]`
  input, its layout, the signature) is new.
"""

from __future__ import annotations

import os
from typing import Any, Mapping, NamedTuple, Optional, Sequence, Union

import tensorflow as tf

from legacy_seq2seq_compat import _checks
from legacy_seq2seq_compat.beam_search import BeamSearchOutput

_v1 = tf.compat.v1

__all__ = [
    "SourceInputs",
    "source_inputs",
    "encoder_inputs_from_ids",
    "go_inputs",
    "greedy_ids",
    "export_decoder",
]

SIGNATURE_KEY = "serving_default"


class SourceInputs(NamedTuple):
    """Server-side source placeholders and the encoder inputs made from them.

    Attributes:
      source: int32 placeholder `[batch_size, encoder_length]`: row b's first
        ``source_lengths[b]`` entries are its ids; the rest is ignored.
      source_lengths: int32 placeholder `[batch_size]`.
      encoder_inputs: List of `encoder_length` `[batch_size]` int32 Tensors,
        the legacy models' `encoder_inputs`.

    Compatibility:
      New in this library; TF 1.15 had no such helper.
    """

    source: tf.Tensor
    source_lengths: tf.Tensor
    encoder_inputs: list


def encoder_inputs_from_ids(ids: tf.Tensor, lengths: tf.Tensor, encoder_length: int, *,
                            reverse: bool = True, pad_id: int = 0) -> list:
    """Lays out `[batch, time]` ids as a legacy model's list of encoder inputs.

    Args:
      ids: int32 `[batch_size, time]` Tensor; row b's ids are its first
        ``lengths[b]`` entries (the rest is ignored). `time` must be
        `encoder_length` (pad or cut before, e.g. with
        ``RaggedTensor.to_tensor(shape=[None, encoder_length])``).
      lengths: int32 `[batch_size]` Tensor; clipped to `[0, encoder_length]`.
      encoder_length: The bucket's encoder length.
      reverse: True for the translate tutorial's layout: the ids reversed
        and right-aligned after `pad_id` padding (``[PAD, PAD, c, b, a]`` for
        ``a b c``). False: the ids as given, padded at the end.
      pad_id: The padding symbol.

    Returns:
      A list of `encoder_length` `[batch_size]` int32 Tensors.

    Raises:
      ValueError: for a non-positive `encoder_length` or a negative `pad_id`.

    Compatibility:
      New in this library. The reversed layout is what the TF 1.x translate
      tutorial's `get_batch` fed its encoder.
    """
    _checks.check_positive_int(encoder_length, "encoder_length")
    if isinstance(pad_id, bool) or not isinstance(pad_id, int) or pad_id < 0:
        raise ValueError(f"`pad_id` must be a symbol id (an int >= 0), got {pad_id!r}.")
    _checks.check_bool(reverse, "reverse")
    ids = _checks.as_tensor(ids, "ids")
    if not ids.dtype.is_integer or not ids.get_shape().is_compatible_with([None, encoder_length]):
        raise ValueError(
            f"`ids` must be an int [batch_size, encoder_length] = [batch_size, {encoder_length}] "
            f"Tensor, got {ids.dtype.name} of shape {_checks.describe_shape(ids)}. Pad or cut "
            f"the rows to {encoder_length} first.")
    batch = _checks.static_dim(ids, 0) if ids.get_shape().rank else None
    lengths = _checks.check_lengths(lengths, "lengths", batch)
    with tf.name_scope("source_layout"):
        ids = tf.cast(ids, tf.int32)
        lengths = tf.clip_by_value(tf.cast(lengths, tf.int32), 0, encoder_length)[:, None]
        positions = tf.range(encoder_length)[None, :]
        if reverse:
            # Encoder position p >= padding holds id number length - 1 - (p - padding).
            padding = encoder_length - lengths
            valid = positions >= padding
            index = tf.where(valid, lengths - 1 - (positions - padding), 0)
        else:
            valid = positions < lengths
            index = tf.where(valid, positions, 0)
        laid_out = tf.gather(ids, index, batch_dims=1)
        laid_out = tf.where(valid, laid_out, tf.constant(pad_id, tf.int32))
        return tf.unstack(laid_out, num=encoder_length, axis=1)


def source_inputs(encoder_length: int, *, reverse: bool = True, pad_id: int = 0,
                  name: str = "source") -> SourceInputs:
    """Placeholders for a `[batch, time]` source and the legacy encoder inputs.

    Args:
      encoder_length: The bucket's encoder length (time steps of the model).
      reverse: The layout; see `encoder_inputs_from_ids` (default: the
        translate tutorial's, reversed and padded at the front).
      pad_id: The padding symbol.
      name: Name of the source placeholder (the lengths are
        ``name + "_lengths"``).

    Returns:
      A `SourceInputs`.

    Raises:
      ValueError: for a non-positive `encoder_length` or a negative `pad_id`.
      RuntimeError: in eager mode.

    Compatibility:
      New in this library; TF 1.15 had no such helper.
    """
    _checks.ensure_graph_mode("serving.source_inputs")
    _checks.check_positive_int(encoder_length, "encoder_length")
    _checks.check_bool(reverse, "reverse")
    if not isinstance(name, str) or not name:
        raise TypeError(f"`name` must be a non-empty string (the placeholder's name), got "
                        f"{_checks.describe_value(name)}.")
    source = _v1.placeholder(tf.int32, [None, encoder_length], name=name)
    lengths = _v1.placeholder(tf.int32, [None], name=name + "_lengths")
    encoder_inputs = encoder_inputs_from_ids(source, lengths, encoder_length, reverse=reverse,
                                             pad_id=pad_id)
    return SourceInputs(source, lengths, encoder_inputs)


def go_inputs(inputs: SourceInputs, decoder_length: int, go_id: int) -> list:
    """`decoder_length` `[batch_size]` Tensors of `go_id`: a greedy decoder's inputs.

    With ``feed_previous=True`` the legacy decoders read only the first
    input (GO) and feed back their argmax after it; the list's length sets
    the number of steps.

    Args:
      inputs: From `source_inputs` (gives the batch size).
      decoder_length: Number of decoder steps.
      go_id: The GO symbol.

    Returns:
      A list of int32 Tensors.

    Raises:
      ValueError: for a non-positive `decoder_length`.

    Compatibility:
      New in this library (TF 1.15 had no serving helpers for these models); the GO
      inputs are what a TF 1.15 decoding script fed by hand.
    """
    _checks.check_positive_int(decoder_length, "decoder_length")
    source = getattr(inputs, "source", None)
    if not (hasattr(source, "dtype") and hasattr(source, "get_shape")):
        raise TypeError(f"`inputs` must be the SourceInputs returned by source_inputs(...), got "
                        f"{_checks.describe_value(inputs)}.")
    _checks.check_int(go_id, "go_id", minimum=0)
    go = tf.fill(tf.shape(inputs.source)[:1], tf.constant(go_id, tf.int32))
    return [go] * decoder_length


def greedy_ids(outputs: Sequence[tf.Tensor], output_projection: Any = None) -> tf.Tensor:
    """The argmax symbols of a legacy decoder's outputs, `[batch_size, steps]` int32.

    Args:
      outputs: The model's list of per-step outputs (``feed_previous=True``).
      output_projection: The model's (W, b), if it had one: the argmax is
        then taken over ``output @ W + b``, as the fed-back symbols were.

    Returns:
      int32 Tensor `[batch_size, len(outputs)]`.

    Raises:
      TypeError: if `outputs` is not a list of Tensors.

    Compatibility:
      New in this library; the same argmax `feed_previous=True` feeds back.
    """
    outputs = _checks.check_list_of_tensors(outputs, "outputs")
    outputs = [_checks.as_tensor(o, f"outputs[{i}]") for i, o in enumerate(outputs)]
    _checks.check_same_steps(outputs, "outputs")
    if outputs[0].get_shape().rank not in (None, 2):
        raise ValueError(f"`outputs` must be [batch_size, depth] Tensors, one per step, got "
                         f"`outputs[0]` of shape {_checks.describe_shape(outputs[0])}.")
    if output_projection is not None:
        _check_projection(output_projection, outputs[0])
        outputs = [_v1.nn.xw_plus_b(o, output_projection[0], output_projection[1])
                   for o in outputs]
    return tf.stack([tf.argmax(o, 1, output_type=tf.int32) for o in outputs], axis=1)


def _check_projection(output_projection: Any, output: tf.Tensor) -> None:
    """(W [depth, num_symbols], b [num_symbols]) that fits `output` [batch, depth]."""
    if not isinstance(output_projection, (list, tuple)) or len(output_projection) != 2:
        raise ValueError("`output_projection` must be the model's pair (W, b), with W of shape "
                         "[output_size, num_symbols] and b of shape [num_symbols], got "
                         f"{_checks.describe_value(output_projection)}.")
    weights = _checks.as_tensor(output_projection[0], "output_projection[0]")
    bias = _checks.as_tensor(output_projection[1], "output_projection[1]")
    depth = _checks.static_dim(output, 1) if output.get_shape().rank == 2 else None
    symbols = _checks.static_dim(weights, 1) if weights.get_shape().rank == 2 else None
    if not (weights.dtype.is_floating and weights.get_shape().is_compatible_with([depth, None])
            and bias.get_shape().is_compatible_with([symbols])
            and bias.dtype.base_dtype == weights.dtype.base_dtype == output.dtype.base_dtype):
        raise ValueError(
            "`output_projection` must be (W, b) with W of shape [output_size, num_symbols] = "
            f"[{depth}, num_symbols] and b of shape [num_symbols], of the outputs' dtype "
            f"{output.dtype.name}; got W {weights.dtype.name} {_checks.describe_shape(weights)} "
            f"and b {bias.dtype.name} {_checks.describe_shape(bias)}.")


def _check_named_tensors(named: Mapping, name: str) -> None:
    for key, value in named.items():
        if not isinstance(key, str) or not hasattr(value, "dtype") or not hasattr(value, "name"):
            raise TypeError(f"`{name}` must map names (strings) to Tensors, got {key!r}: "
                            f"{_checks.describe_value(value)}.")


def export_decoder(sess: Any, export_dir: str,
                   inputs: Union[SourceInputs, Mapping[str, tf.Tensor]],
                   outputs: Union[BeamSearchOutput, tf.Tensor, Mapping[str, tf.Tensor]],
                   tags: Optional[Sequence[str]] = None) -> str:
    """Writes the session's decoding graph and variables as a SavedModel.

    Args:
      sess: A `tf.compat.v1.Session` holding the model's variables (e.g.
        after `Saver.restore`).
      export_dir: A directory that does not exist yet.
      inputs: The `source_inputs` the decoder was built on (exported as
        ``source`` and ``source_lengths``), or a mapping of input names to
        placeholders (e.g. one string Tensor tokenised in the graph).
      outputs: A `beam_search.BeamSearchOutput` (exported as ``ids``,
        ``lengths``, ``scores``, ``log_probs``), a greedy ids Tensor (e.g.
        from `greedy_ids`, exported as ``ids``), or a mapping of output
        names to Tensors.
      tags: MetaGraph tags; defaults to ``["serve"]`` (what TF Serving and
        `saved_model_cli` look for).

    Returns:
      `export_dir`.

    Raises:
      ValueError: if `export_dir` exists, or `outputs` is empty.
      TypeError: for `outputs` of another kind.

    Compatibility:
      Uses `tf.compat.v1.saved_model.Builder` as TF 1.15 did; the signature
      is a predict signature under ``serving_default``.
    """
    if not isinstance(export_dir, (str, os.PathLike)):
        raise TypeError(f"`export_dir` must be a path (a string or os.PathLike), got "
                        f"{_checks.describe_value(export_dir)}.")
    if not (hasattr(sess, "run") and hasattr(sess, "graph")):
        raise TypeError("`sess` must be a tf.compat.v1.Session holding the model's variables, "
                        f"got {_checks.describe_value(sess)}.")
    if tags is not None and (isinstance(tags, (str, bytes)) or not isinstance(
            tags, (list, tuple)) or not all(isinstance(t, str) for t in tags)):
        raise TypeError("`tags` must be None or a list of strings such as [\"serve\"], got "
                        f"{_checks.describe_value(tags)}.")
    export_dir = os.fspath(export_dir)
    if os.path.exists(export_dir):
        raise ValueError(
            f"`export_dir` must not exist yet (SavedModel Builder refuses to overwrite), got "
            f"{export_dir!r}, which exists. Pass a new path, e.g. a version subdirectory "
            "such as model/2 for TF Serving.")
    if isinstance(outputs, BeamSearchOutput):
        named = outputs._asdict()
    elif isinstance(outputs, tf.Tensor):
        named = {"ids": outputs}
    elif isinstance(outputs, Mapping):
        named = dict(outputs)
    else:
        raise TypeError(
            "`outputs` must be a beam_search.BeamSearchOutput, a Tensor of greedy ids or a "
            f"dict of named Tensors, got {type(outputs).__name__}.")
    if not named:
        raise ValueError("`outputs` must name at least one Tensor, got an empty mapping.")
    _check_named_tensors(named, "outputs")
    if isinstance(inputs, SourceInputs):
        inputs = {"source": inputs.source, "source_lengths": inputs.source_lengths}
    if not isinstance(inputs, Mapping) or not inputs:
        raise TypeError("`inputs` must be the SourceInputs of source_inputs(...) or a non-empty "
                        f"dict of named placeholders, got {_checks.describe_value(inputs)}.")
    _check_named_tensors(inputs, "inputs")
    signature = _v1.saved_model.signature_def_utils.predict_signature_def(
        inputs=dict(inputs), outputs=named)
    builder = _v1.saved_model.Builder(export_dir)
    builder.add_meta_graph_and_variables(
        sess, list(tags or [tf.saved_model.SERVING]),
        signature_def_map={SIGNATURE_KEY: signature}, strip_default_attrs=True)
    builder.save()
    return export_dir
