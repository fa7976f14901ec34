"""The legacy_seq2seq encoder-decoder models, with TF 1.15's scopes and maths.

`feed_previous` is resolved here, once: a Python bool selects one decoder
graph; a scalar bool Tensor builds both (teacher forcing and feeding back the
argmax) with shared variables and picks one with `tf.compat.v1.cond`.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Mapping, Optional, Sequence

import numpy as np
import tensorflow as tf

from legacy_seq2seq_compat import _checks
from legacy_seq2seq_compat.decoders import (
    _check_id_vectors,
    _check_loop_function,
    _check_num_heads,
    _check_output_projection,
    _check_projection_pair,
    _check_symbol_ids,
    embedding_attention_decoder,
    embedding_rnn_decoder,
    extract_argmax_and_embed,
    rnn_decoder,
)
from legacy_seq2seq_compat.rnn import static_rnn
from legacy_seq2seq_compat.rnn_cell import EmbeddingWrapper, OutputProjectionWrapper

_v1 = tf.compat.v1

__all__ = [
    "basic_rnn_seq2seq",
    "tied_rnn_seq2seq",
    "embedding_rnn_seq2seq",
    "embedding_tied_rnn_seq2seq",
    "embedding_attention_seq2seq",
    "one2many_rnn_seq2seq",
]


def resolve_feed_previous(feed_previous: Any) -> Any:
    """Returns a Python bool, or a scalar bool Tensor for the two-graph form.

    Raises:
      TypeError: for anything but a bool, a numpy bool or a bool Tensor.
      ValueError: for a Tensor that is not a scalar.
    """
    if isinstance(feed_previous, bool):
        return feed_previous
    if isinstance(feed_previous, np.bool_):
        # TF 1.15 sent every non-`bool` down the tf.cond path; so do we.
        return tf.constant(bool(feed_previous))
    if not hasattr(feed_previous, "dtype") or not hasattr(feed_previous, "get_shape"):
        raise TypeError(
            "`feed_previous` must be a Python bool or a scalar bool Tensor, got "
            f"{type(feed_previous).__name__}: {feed_previous!r}.")
    if tf.as_dtype(feed_previous.dtype) != tf.bool:
        raise TypeError(
            "`feed_previous` must be a Python bool or a scalar bool Tensor, got a "
            f"{tf.as_dtype(feed_previous.dtype).name} Tensor.")
    rank = feed_previous.get_shape().rank
    if rank not in (None, 0):
        raise ValueError(
            "`feed_previous` must be a scalar bool Tensor, got shape "
            f"{_checks.describe_shape(feed_previous)}.")
    return feed_previous


def _decode(feed_previous: Any, build: Callable[[bool], tuple], num_outputs: int,
            state_structure: Callable[[], Any]) -> tuple:
    """Builds the decoder for a bool, or both decoders joined by a cond.

    Args:
      feed_previous: Result of `resolve_feed_previous`.
      build: ``build(flag) -> (outputs, state)`` for a Python bool flag.
      num_outputs: Number of decoder outputs.
      state_structure: Returns a structure to repack the flat state with.

    Returns:
      ``(outputs, state)``.
    """
    if isinstance(feed_previous, bool):
        return build(feed_previous)

    def branch(flag: bool) -> list:
        # The True branch is built first and creates the variables; the False
        # branch re-enters the same scope with reuse on.
        with _v1.variable_scope(_v1.get_variable_scope(), reuse=None if flag else True):
            outputs, state = build(flag)
        return list(outputs) + tf.nest.flatten(state)

    joined = _v1.cond(feed_previous, lambda: branch(True), lambda: branch(False))
    outputs, flat_state = joined[:num_outputs], joined[num_outputs:]
    structure = state_structure()
    if tf.nest.is_nested(structure):
        return outputs, tf.nest.pack_sequence_as(structure, flat_state)
    return outputs, flat_state[0]


def _static_batch(tensors: Sequence[Any]) -> Optional[int]:
    """Merges the static batch sizes of `tensors`, None if unknown."""
    size = tf.compat.v1.Dimension(None)
    for t in tensors:
        if hasattr(t, "get_shape") and t.get_shape().rank:
            size = size.merge_with(t.get_shape().dims[0])
    return tf.compat.dimension_value(size)


def _check_batch_sizes(encoder_inputs: Sequence[Any], decoder_inputs: Sequence[Any]) -> None:
    """Raises ValueError when encoder and decoder inputs disagree on batch size."""
    seen = None
    for name, values in (("encoder_inputs", encoder_inputs), ("decoder_inputs", decoder_inputs)):
        for i, value in enumerate(values):
            if not hasattr(value, "get_shape") or not value.get_shape().rank:
                continue
            size = tf.compat.dimension_value(value.get_shape().dims[0])
            if size is None:
                continue
            if seen is None:
                seen = (f"{name}[{i}]", size)
            elif seen[1] != size:
                raise ValueError(
                    "All encoder and decoder inputs must have the same batch size: "
                    f"{seen[0]} has batch size {seen[1]}, but {name}[{i}] has {size}.")


def _check_seq2seq_inputs(encoder_inputs: Any, decoder_inputs: Any, cell: Any,
                          ids: bool) -> tuple:
    encoder_inputs = _checks.check_list_of_tensors(encoder_inputs, "encoder_inputs")
    decoder_inputs = _checks.check_list_of_tensors(decoder_inputs, "decoder_inputs")
    _checks.assert_like_rnncell("cell", cell)
    if ids:
        _check_symbol_ids(encoder_inputs, "encoder_inputs")
        _check_symbol_ids(decoder_inputs, "decoder_inputs")
        _check_id_vectors(decoder_inputs, "decoder_inputs")
    _checks.check_same_steps(encoder_inputs, "encoder_inputs")
    _checks.check_same_steps(decoder_inputs, "decoder_inputs")
    _check_batch_sizes(encoder_inputs, decoder_inputs)
    return encoder_inputs, decoder_inputs


def basic_rnn_seq2seq(encoder_inputs: Sequence[tf.Tensor], decoder_inputs: Sequence[tf.Tensor],
                      cell: Any, dtype: Any = tf.float32, scope: Any = None) -> tuple:
    """Encoder RNN then decoder RNN; the decoder starts from the encoder's state.

    The encoder runs a deep copy of `cell` (its own variables, under
    ``<scope>/rnn``); the decoder runs `cell` itself under
    ``<scope>/rnn_decoder``.

    Args:
      encoder_inputs: List of `[batch_size, input_size]` Tensors.
      decoder_inputs: List of `[batch_size, input_size]` Tensors.
      cell: An RNN cell.
      dtype: dtype of the encoder's initial state.
      scope: Variable scope; defaults to "basic_rnn_seq2seq".

    Returns:
      ``(outputs, state)``: the decoder outputs and its final state.

    Raises:
      TypeError: for non-list inputs or a non-cell.
      ValueError: for empty inputs or mismatched batch sizes.

    Compatibility:
      Matches TF 1.15: the encoder runs a deep copy of `cell` under `<scope>/rnn`, the decoder the
      cell itself under `<scope>/rnn_decoder`, with the same variable names and numbers. The copy
      also works for a cell that was already called (TF 1.15 failed to pickle it). The inputs are
      checked first: Python lists (a Tensor raises TypeError with the tf.unstack hint), not empty,
      one shape and dtype per list and one batch size, and `cell` against the RNNCell protocol
      (Keras 3 cells are refused with the cell to use instead).
    """
    _checks.ensure_graph_mode("basic_rnn_seq2seq")
    encoder_inputs, decoder_inputs = _check_seq2seq_inputs(encoder_inputs, decoder_inputs,
                                                           cell, ids=False)
    with _v1.variable_scope(scope or "basic_rnn_seq2seq"):
        _, encoder_state = static_rnn(copy.deepcopy(cell), encoder_inputs, dtype=dtype)
        return rnn_decoder(decoder_inputs, encoder_state, cell)


def tied_rnn_seq2seq(encoder_inputs: Sequence[tf.Tensor], decoder_inputs: Sequence[tf.Tensor],
                     cell: Any, loop_function: Optional[Callable] = None,
                     dtype: Any = tf.float32, scope: Any = None) -> tuple:
    """Encoder and decoder that share one cell and its variables.

    Args:
      encoder_inputs: List of `[batch_size, input_size]` Tensors.
      decoder_inputs: List of `[batch_size, input_size]` Tensors.
      cell: An RNN cell used by both halves.
      loop_function: Optional ``f(prev_output, i) -> next_input`` for the decoder.
      dtype: dtype of the encoder's initial state.
      scope: Name of the inner variable scope (default "tied_rnn_seq2seq");
        the outer scope is always "combined_tied_rnn_seq2seq", as in TF 1.15.

    Returns:
      ``(outputs, state)``: the decoder outputs and its final state.

    Raises:
      TypeError: for non-list inputs or a non-cell.
      ValueError: for empty inputs or mismatched batch sizes.

    Compatibility:
      Matches TF 1.15, including the fixed outer scope "combined_tied_rnn_seq2seq" that `scope` does
      not rename, and the shared variables of encoder and decoder. The inputs, `cell` and
      `loop_function` are checked before anything is built, as for `basic_rnn_seq2seq`.
    """
    _checks.ensure_graph_mode("tied_rnn_seq2seq")
    encoder_inputs, decoder_inputs = _check_seq2seq_inputs(encoder_inputs, decoder_inputs,
                                                           cell, ids=False)
    _check_loop_function(loop_function)
    with _v1.variable_scope("combined_tied_rnn_seq2seq"):
        inner = scope or "tied_rnn_seq2seq"
        _, encoder_state = static_rnn(cell, encoder_inputs, dtype=dtype, scope=inner)
        _v1.get_variable_scope().reuse_variables()
        return rnn_decoder(decoder_inputs, encoder_state, cell, loop_function=loop_function,
                           scope=inner)


def _embedding_encoder(cell: Any, encoder_inputs: list, num_encoder_symbols: int,
                       embedding_size: int, dtype: Any, copy_cell: bool = True) -> tuple:
    encoder_cell = copy.deepcopy(cell) if copy_cell else cell
    encoder_cell = EmbeddingWrapper(encoder_cell, embedding_classes=num_encoder_symbols,
                                    embedding_size=embedding_size)
    return static_rnn(encoder_cell, encoder_inputs, dtype=dtype)


def embedding_rnn_seq2seq(encoder_inputs: Sequence[tf.Tensor],
                          decoder_inputs: Sequence[tf.Tensor], cell: Any,
                          num_encoder_symbols: int, num_decoder_symbols: int,
                          embedding_size: int, output_projection: Any = None,
                          feed_previous: Any = False, dtype: Any = None,
                          scope: Any = None) -> tuple:
    """Embedding encoder-decoder without attention.

    The encoder runs ``EmbeddingWrapper(deepcopy(cell))`` over the encoder ids;
    the decoder embeds its own ids and runs `cell` (wrapped in an
    OutputProjectionWrapper to `num_decoder_symbols` unless
    `output_projection` is given) from the encoder's final state.

    Args:
      encoder_inputs: List of `[batch_size]` int Tensors.
      decoder_inputs: List of `[batch_size]` int Tensors; the first is GO.
      cell: An RNN cell.
      num_encoder_symbols: Encoder vocabulary size.
      num_decoder_symbols: Decoder vocabulary size.
      embedding_size: Width of the embeddings.
      output_projection: Optional (W `[output_size, num_decoder_symbols]`, b
        `[num_decoder_symbols]`); without it the outputs are logits.
      feed_previous: Python bool, or scalar bool Tensor to choose at run time.
      dtype: dtype of the initial state and of the scope (default float32).
      scope: Variable scope; defaults to "embedding_rnn_seq2seq".

    Returns:
      ``(outputs, state)``: `[batch_size, num_decoder_symbols]` outputs
      (`[batch_size, cell.output_size]` with a projection) and the final
      decoder state, shaped like the encoder state.

    Raises:
      ValueError: for a projection of the wrong shape, non-positive sizes,
        empty inputs or mismatched batch sizes.
      TypeError: for float ids, non-list inputs, a bad `feed_previous` or a
        non-cell.

    Compatibility:
      A scalar bool Tensor `feed_previous` builds both decoders inside a
      cond with `update_embedding_for_previous=False`, as TF 1.15 did. A numpy
      bool takes that path too; other non-bool values raise TypeError.
      Stricter than TF 1.15, before anything is built: W of `output_projection`
      must be [cell.output_size, num_decoder_symbols] when both are static
      (TF 1.15 checked only [None, num_decoder_symbols], inside the decoder),
      the sizes must be ints (floats and bools raise TypeError), and decoder
      ids must be [batch_size] vectors.
    """
    _checks.ensure_graph_mode("embedding_rnn_seq2seq")
    encoder_inputs, decoder_inputs = _check_seq2seq_inputs(encoder_inputs, decoder_inputs,
                                                           cell, ids=True)
    _checks.check_positive_int(num_encoder_symbols, "num_encoder_symbols")
    _checks.check_positive_int(num_decoder_symbols, "num_decoder_symbols")
    _checks.check_positive_int(embedding_size, "embedding_size")
    feed_previous = resolve_feed_previous(feed_previous)
    if output_projection is not None:
        _check_projection_pair(output_projection, num_decoder_symbols, cell.output_size)
    with _v1.variable_scope(scope or "embedding_rnn_seq2seq") as var_scope:
        if dtype is not None:
            var_scope.set_dtype(dtype)
        else:
            dtype = var_scope.dtype
        # embedding_rnn_decoder validates output_projection, as in TF 1.15.
        _, encoder_state = _embedding_encoder(cell, encoder_inputs, num_encoder_symbols,
                                              embedding_size, dtype)
        if output_projection is None:
            cell = OutputProjectionWrapper(cell, num_decoder_symbols)

        def build(flag: bool) -> tuple:
            extra = {} if isinstance(feed_previous, bool) else {
                "update_embedding_for_previous": False}
            return embedding_rnn_decoder(decoder_inputs, encoder_state, cell,
                                         num_decoder_symbols, embedding_size,
                                         output_projection=output_projection,
                                         feed_previous=flag, **extra)

        return _decode(feed_previous, build, len(decoder_inputs),
                       lambda: encoder_state)


def embedding_tied_rnn_seq2seq(encoder_inputs: Sequence[tf.Tensor],
                               decoder_inputs: Sequence[tf.Tensor], cell: Any,
                               num_symbols: int, embedding_size: int,
                               num_decoder_symbols: Optional[int] = None,
                               output_projection: Any = None, feed_previous: Any = False,
                               dtype: Any = None, scope: Any = None) -> tuple:
    """Embedding encoder-decoder with one shared embedding and one shared cell.

    Args:
      encoder_inputs: List of `[batch_size]` int Tensors.
      decoder_inputs: List of `[batch_size]` int Tensors; the first is GO.
      cell: An RNN cell used by encoder and decoder.
      num_symbols: Vocabulary size of the shared embedding.
      embedding_size: Width of the embeddings.
      num_decoder_symbols: Output vocabulary size; defaults to `num_symbols`.
      output_projection: Optional (W, b); checked against `num_symbols`, as
        TF 1.15 did.
      feed_previous: Python bool, or scalar bool Tensor to choose at run time.
      dtype: dtype of the scope; defaults to the enclosing scope's.
      scope: Variable scope; defaults to "embedding_tied_rnn_seq2seq".

    Returns:
      ``(outputs, state)``: outputs over the output vocabulary (or of
      `cell.output_size` with a projection) and the final state.

    Raises:
      ValueError: for a projection of the wrong shape, empty inputs or
        mismatched batch sizes.
      TypeError: for float ids, non-list inputs, a bad `feed_previous` or a
        non-cell.

    Compatibility:
      Without a projection the OutputProjectionWrapper also runs while
      encoding (shared weights), and with a Tensor `feed_previous` the encoder
      is built in both cond branches: both as in TF 1.15. Stricter than TF
      1.15: W of `output_projection` must be [cell.output_size, num_symbols]
      when both are static, the sizes must be ints, and the ids [batch_size]
      vectors.
    """
    _checks.ensure_graph_mode("embedding_tied_rnn_seq2seq")
    encoder_inputs, decoder_inputs = _check_seq2seq_inputs(encoder_inputs, decoder_inputs,
                                                           cell, ids=True)
    _checks.check_positive_int(num_symbols, "num_symbols")
    _checks.check_positive_int(embedding_size, "embedding_size")
    _checks.check_optional_positive_int(num_decoder_symbols, "num_decoder_symbols")
    _check_id_vectors(encoder_inputs, "encoder_inputs")
    feed_previous = resolve_feed_previous(feed_previous)
    with _v1.variable_scope(scope or "embedding_tied_rnn_seq2seq", dtype=dtype) as var_scope:
        dtype = var_scope.dtype
        if output_projection is not None:
            _check_output_projection(output_projection, num_symbols, dtype,
                                     output_size=cell.output_size)
        embedding = _v1.get_variable("embedding", [num_symbols, embedding_size], dtype=dtype)
        embedded_encoder = [tf.nn.embedding_lookup(embedding, x) for x in encoder_inputs]
        embedded_decoder = [tf.nn.embedding_lookup(embedding, x) for x in decoder_inputs]
        output_symbols = num_symbols if num_decoder_symbols is None else num_decoder_symbols
        if output_projection is None:
            cell = OutputProjectionWrapper(cell, output_symbols)
        update_embedding = isinstance(feed_previous, bool)

        def build(flag: bool) -> tuple:
            loop_function = (extract_argmax_and_embed(embedding, output_projection,
                                                      update_embedding)
                             if flag else None)
            return tied_rnn_seq2seq(embedded_encoder, embedded_decoder, cell,
                                    loop_function=loop_function, dtype=dtype)

        def zero_state_structure() -> Any:
            batch = _static_batch(encoder_inputs)
            if batch is None:
                batch = tf.shape(encoder_inputs[0])[0]
            return cell.zero_state(batch, dtype)

        return _decode(feed_previous, build, len(decoder_inputs), zero_state_structure)


def embedding_attention_seq2seq(encoder_inputs: Sequence[tf.Tensor],
                                decoder_inputs: Sequence[tf.Tensor], cell: Any,
                                num_encoder_symbols: int, num_decoder_symbols: int,
                                embedding_size: int, num_heads: int = 1,
                                output_projection: Any = None, feed_previous: Any = False,
                                dtype: Any = None, scope: Any = None,
                                initial_state_attention: bool = False) -> tuple:
    """Embedding encoder-decoder with attention over all encoder outputs.

    Args:
      encoder_inputs: List of `[batch_size]` int Tensors.
      decoder_inputs: List of `[batch_size]` int Tensors; the first is GO.
      cell: An RNN cell; the encoder runs a deep copy of it.
      num_encoder_symbols: Encoder vocabulary size.
      num_decoder_symbols: Decoder vocabulary size.
      embedding_size: Width of the embeddings.
      num_heads: Number of attention heads.
      output_projection: Optional (W `[output_size, num_decoder_symbols]`, b
        `[num_decoder_symbols]`); without it the outputs are logits.
      feed_previous: Python bool, or scalar bool Tensor to choose at run time.
      dtype: dtype of the scope; defaults to the enclosing scope's (float32).
      scope: Variable scope; defaults to "embedding_attention_seq2seq".
      initial_state_attention: If True, the first step attends with the
        encoder's final state.

    Returns:
      ``(outputs, state)``: `[batch_size, num_decoder_symbols]` outputs
      (`[batch_size, cell.output_size]` with a projection) and the final
      decoder state, shaped like the encoder state.

    Raises:
      ValueError: for a projection bias of the wrong shape, `num_heads` < 1,
        empty inputs or mismatched batch sizes.
      TypeError: for float ids, non-list inputs, a bad `feed_previous` or a
        non-cell.

    Compatibility:
      `cell` may already have been used (e.g. the same cell passed to every
      bucket of `model_with_buckets`): its deep copy is a fresh, unbuilt cell.
      TF 1.15 raised "can't pickle _thread.lock objects" there. W of
      `output_projection` is checked against [cell.output_size,
      num_decoder_symbols] before anything is built; TF 1.15 never checked W
      here, so a transposed W was ignored with `feed_previous=False` and failed
      inside the decoder loop with True. Fewer than one head keeps TF 1.15's
      message and adds the value received; the sizes must be ints.
    """
    _checks.ensure_graph_mode("embedding_attention_seq2seq")
    encoder_inputs, decoder_inputs = _check_seq2seq_inputs(encoder_inputs, decoder_inputs,
                                                           cell, ids=True)
    _checks.check_positive_int(num_encoder_symbols, "num_encoder_symbols")
    _checks.check_positive_int(num_decoder_symbols, "num_decoder_symbols")
    _checks.check_positive_int(embedding_size, "embedding_size")
    feed_previous = resolve_feed_previous(feed_previous)
    _check_num_heads(num_heads)
    if output_projection is not None:
        # Checked before anything is built: a transposed W would otherwise only
        # fail inside the feed_previous branch (or never, with feed_previous=False).
        _check_projection_pair(output_projection, num_decoder_symbols, cell.output_size)
    with _v1.variable_scope(scope or "embedding_attention_seq2seq", dtype=dtype) as var_scope:
        dtype = var_scope.dtype
        encoder_outputs, encoder_state = _embedding_encoder(
            cell, encoder_inputs, num_encoder_symbols, embedding_size, dtype)
        top_states = [tf.reshape(e, [-1, 1, cell.output_size]) for e in encoder_outputs]
        attention_states = tf.concat(top_states, 1)
        output_size = None
        if output_projection is None:
            cell = OutputProjectionWrapper(cell, num_decoder_symbols)
            output_size = num_decoder_symbols

        def build(flag: bool) -> tuple:
            extra = {} if isinstance(feed_previous, bool) else {
                "update_embedding_for_previous": False}
            return embedding_attention_decoder(
                decoder_inputs, encoder_state, attention_states, cell, num_decoder_symbols,
                embedding_size, num_heads=num_heads, output_size=output_size,
                output_projection=output_projection, feed_previous=flag,
                initial_state_attention=initial_state_attention, **extra)

        return _decode(feed_previous, build, len(decoder_inputs),
                       lambda: encoder_state)


def one2many_rnn_seq2seq(encoder_inputs: Sequence[tf.Tensor],
                         decoder_inputs_dict: Mapping[Any, Sequence[tf.Tensor]], enc_cell: Any,
                         dec_cells_dict: Mapping[Any, Any], num_encoder_symbols: int,
                         num_decoder_symbols_dict: Mapping[Any, int], embedding_size: int,
                         feed_previous: Any = False, dtype: Any = None,
                         scope: Any = None) -> tuple:
    """One embedding encoder feeding several embedding decoders.

    Args:
      encoder_inputs: List of `[batch_size]` int Tensors.
      decoder_inputs_dict: Decoder name -> list of `[batch_size]` int Tensors.
      enc_cell: The encoder's RNN cell (used as is, not copied).
      dec_cells_dict: Decoder name -> RNN cell; same keys as
        `decoder_inputs_dict`.
      num_encoder_symbols: Encoder vocabulary size.
      num_decoder_symbols_dict: Decoder name -> vocabulary size.
      embedding_size: Width of the embeddings.
      feed_previous: Python bool, or scalar bool Tensor to choose at run time.
      dtype: dtype of the scope; defaults to the enclosing scope's.
      scope: Variable scope; defaults to "one2many_rnn_seq2seq".

    Returns:
      ``(outputs_dict, state_dict)`` keyed by decoder name: each decoder's
      `[batch_size, num_decoder_symbols]` outputs and final state.

    Raises:
      TypeError: with TF 1.15's messages if a cell is not an RNN cell.
      ValueError: if the decoder keys differ (TF 1.15's message, typo kept),
        or a decoder has no vocabulary size.

    Compatibility:
      Cells are checked against the RNNCell protocol instead of TF's class,
      so tf_keras cells and user cells work. Decoders are built in the order
      of `decoder_inputs_dict`. With a Tensor `feed_previous` the fed-back
      embeddings still get gradients (TF 1.15 did not pass
      update_embedding_for_previous=False here). The sizes (in
      `num_decoder_symbols_dict` too) must be ints, and the key-mismatch
      error keeps TF 1.15's text (typo included) and adds the keys.
    """
    _checks.ensure_graph_mode("one2many_rnn_seq2seq")
    problems = _checks.rnncell_problems(enc_cell)
    if problems:
        raise TypeError(f"enc_cell is not an RNNCell: {type(enc_cell)} ({enc_cell!r}: "
                        f"{', '.join(problems)}).")
    for dict_name, value in (("decoder_inputs_dict", decoder_inputs_dict),
                             ("dec_cells_dict", dec_cells_dict),
                             ("num_decoder_symbols_dict", num_decoder_symbols_dict)):
        if not isinstance(value, Mapping):
            raise TypeError(f"`{dict_name}` must be a dict keyed by decoder name, got "
                            f"{_checks.describe_value(value)}.")
    if set(dec_cells_dict) != set(decoder_inputs_dict):
        raise ValueError("keys of dec_cells_dict != keys of decodre_inputs_dict (TF 1.15's "
                         f"message): `dec_cells_dict` has {sorted(map(str, dec_cells_dict))}, "
                         f"`decoder_inputs_dict` has {sorted(map(str, decoder_inputs_dict))}.")
    for key, dec_cell in dec_cells_dict.items():
        problems = _checks.rnncell_problems(dec_cell)
        if problems:
            raise TypeError(f"dec_cell is not an RNNCell: {type(dec_cell)} (dec_cells_dict"
                            f"[{key!r}] = {dec_cell!r}: {', '.join(problems)}).")
    _checks.check_positive_int(num_encoder_symbols, "num_encoder_symbols")
    _checks.check_positive_int(embedding_size, "embedding_size")
    missing = [name for name in decoder_inputs_dict if name not in num_decoder_symbols_dict]
    if missing:
        raise ValueError(f"`num_decoder_symbols_dict` has no vocabulary size for decoder(s) "
                         f"{missing}; keys are {sorted(map(str, num_decoder_symbols_dict))}.")
    encoder_inputs = _checks.check_list_of_tensors(encoder_inputs, "encoder_inputs")
    _check_symbol_ids(encoder_inputs, "encoder_inputs")
    for name in decoder_inputs_dict:
        _checks.check_positive_int(num_decoder_symbols_dict[name],
                                   f"num_decoder_symbols_dict[{name!r}]")
    for name, decoder_inputs in decoder_inputs_dict.items():
        decoder_inputs = _checks.check_list_of_tensors(decoder_inputs,
                                                       f"decoder_inputs_dict[{name!r}]")
        _check_symbol_ids(decoder_inputs, f"decoder_inputs_dict[{name!r}]")
        _check_batch_sizes(encoder_inputs, decoder_inputs)
    feed_previous = resolve_feed_previous(feed_previous)

    outputs_dict = {}
    state_dict = {}
    with _v1.variable_scope(scope or "one2many_rnn_seq2seq", dtype=dtype) as var_scope:
        dtype = var_scope.dtype
        _, encoder_state = _embedding_encoder(enc_cell, encoder_inputs, num_encoder_symbols,
                                              embedding_size, dtype, copy_cell=False)
        for name, decoder_inputs in decoder_inputs_dict.items():
            num_symbols = num_decoder_symbols_dict[name]
            with _v1.variable_scope("one2many_decoder_" + str(name)):
                dec_cell = OutputProjectionWrapper(dec_cells_dict[name], num_symbols)

                def build(flag: bool, dec_cell: Any = dec_cell,
                          decoder_inputs: Any = decoder_inputs,
                          num_symbols: int = num_symbols) -> tuple:
                    return embedding_rnn_decoder(list(decoder_inputs), encoder_state, dec_cell,
                                                 num_symbols, embedding_size,
                                                 feed_previous=flag)

                outputs, state = _decode(feed_previous, build, len(decoder_inputs),
                                         lambda: encoder_state)
            outputs_dict[name] = outputs
            state_dict[name] = state
    return outputs_dict, state_dict
