"""The legacy_seq2seq decoders: plain, embedding and attention, with loop functions.

Every function keeps TF 1.15's signature, scope names and maths; see the
docstrings' "Compatibility" notes for where this library is stricter (clear
errors where TF 1.15 failed deep inside an op).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Optional, Sequence

import numpy as np
import tensorflow as tf

from legacy_seq2seq_compat import _checks, _engine, rnn_cell
from legacy_seq2seq_compat.rnn_cell import Linear

_v1 = tf.compat.v1

#: Graph collection that receives every attention distribution the attention
#: decoder computes: one `[batch_size, attn_length]` float32 Tensor per head
#: and per attention read, in creation order (the initial read first when
#: `initial_state_attention` is set, then one read per decoder step). Each is
#: the ``.../Attention_<head>/Softmax`` op, named as in TF 1.15.
ATTENTION_WEIGHTS_COLLECTION = "legacy_seq2seq_compat_attention_weights"

__all__ = [
    "ATTENTION_WEIGHTS_COLLECTION",
    "rnn_decoder",
    "attention_decoder",
    "embedding_rnn_decoder",
    "embedding_attention_decoder",
    "extract_argmax_and_embed",
]


def _check_output_projection(output_projection: Any, num_symbols: int, dtype: Any,
                             check_weights: bool = True, output_size: Any = None) -> None:
    """Validates `output_projection` = (W [output_size, num_symbols], b [num_symbols]).

    `output_size` is the width of the outputs W is applied to; when it is a
    known int, W's static shape must be exactly [output_size, num_symbols]
    (this catches a transposed W).
    """
    if not isinstance(output_projection, (list, tuple)) or len(output_projection) != 2:
        raise ValueError(
            "`output_projection` must be a pair (W, b) with W of shape "
            f"[output_size, {num_symbols}] and b of shape [{num_symbols}], got "
            f"{output_projection!r}.")
    _check_projection_weights(output_projection[0], num_symbols, output_size)
    checks = [(1, [num_symbols], "b (output_projection[1])")]
    if check_weights:
        checks.insert(0, (0, [None, num_symbols], "W (output_projection[0])"))
    for index, expected, label in checks:
        value = tf.convert_to_tensor(output_projection[index], dtype=dtype)
        if not value.get_shape().is_compatible_with(expected):
            raise ValueError(
                f"Shapes {value.get_shape()} and {tf.TensorShape(expected)} are incompatible: "
                f"{label} must have shape {tf.TensorShape(expected)} for num_symbols="
                f"{num_symbols}, got {_checks.describe_shape(value)}.")


def _check_projection_pair(output_projection: Any, num_symbols: int, output_size: Any) -> None:
    """The static checks of `_check_output_projection` on W only, adding no op to the graph."""
    if not isinstance(output_projection, (list, tuple)) or len(output_projection) != 2:
        raise ValueError(
            "`output_projection` must be a pair (W, b) with W of shape "
            f"[output_size, {num_symbols}] and b of shape [{num_symbols}], got "
            f"{output_projection!r}.")
    _check_projection_weights(output_projection[0], num_symbols, output_size)


def _check_projection_weights(weights: Any, num_symbols: int, output_size: Any) -> None:
    """W must be [output_size, num_symbols] when both static sizes are known."""
    if isinstance(output_size, bool) or not isinstance(output_size, int):
        return
    shape = weights.get_shape() if hasattr(weights, "get_shape") else None
    if shape is None:
        try:
            shape = tf.TensorShape(np.shape(weights))
        except (TypeError, ValueError):
            return
    expected = tf.TensorShape([output_size, num_symbols])
    if shape.rank is None or shape.is_compatible_with(expected):
        return
    received = "(" + ", ".join("None" if d is None else str(d) for d in shape.as_list()) + ")"
    hint = ""
    if shape.rank == 2 and shape.is_compatible_with([num_symbols, output_size]):
        hint = " It looks transposed: pass (tf.transpose(W), b)."
    raise ValueError(
        f"Shapes {shape} and {expected} are incompatible: `output_projection[0]` (W) must "
        f"have shape [output_size, num_symbols] = [{output_size}, {num_symbols}], got shape "
        f"{received}.{hint}")


def extract_argmax_and_embed(embedding: Any, output_projection: Any = None,
                             update_embedding: bool = True) -> Callable:
    """A loop function that feeds back the embedding of the previous argmax.

    Args:
      embedding: The `[num_symbols, embedding_size]` embedding to look up in.
      output_projection: Optional pair (W, b); the argmax is then taken over
        ``prev @ W + b``.
      update_embedding: If False, no gradient reaches `embedding` through the
        fed-back lookups (they are wrapped in stop_gradient).

    Returns:
      ``loop_function(prev, i)`` returning the next decoder input. The step
      index `i` is ignored. No gradient flows through the argmax itself.

    Compatibility:
      TF 1.15's private `_extract_argmax_and_embed`, made public; `contrib` also offers it under the
      old private name. The loop function builds the same ops (xw_plus_b, argmax over axis 1,
      embedding lookup, stop_gradient when `update_embedding` is False). It is a callable object
      rather than a plain function, so that the decoders' fast paths can recognise it and do the
      same feedback inside their loops; the numbers are unchanged.
    """

    return _ArgmaxFeedback(embedding, output_projection, update_embedding)


class _ArgmaxFeedback:
    """The loop function `extract_argmax_and_embed` returns: ``loop_function(prev, i)``.

    A callable object rather than a closure, so that it can describe itself
    to the fast-path engine through the cells' protocol (`_engine_spec`).
    """

    def __init__(self, embedding: Any, output_projection: Any, update_embedding: bool) -> None:
        self._embedding = embedding
        self._output_projection = output_projection
        self._update_embedding = update_embedding

    def __call__(self, prev: tf.Tensor, _: int) -> tf.Tensor:
        if self._output_projection is not None:
            prev = tf.compat.v1.nn.xw_plus_b(prev, self._output_projection[0],
                                             self._output_projection[1])
        symbol = tf.argmax(prev, 1)
        embedded = tf.nn.embedding_lookup(self._embedding, symbol)
        if not self._update_embedding:
            embedded = tf.stop_gradient(embedded)
        return embedded

    def _engine_spec(self) -> rnn_cell._EngineSpec:
        return rnn_cell._EngineSpec("argmax_feedback", (), {"embedding": self._embedding},
                                    {"output_projection": self._output_projection,
                                     "update_embedding": self._update_embedding})


def _check_inputs_iterable(value: Any, name: str) -> None:
    _checks.tensor_instead_of_list(value, name)
    if not isinstance(value, Iterable) or isinstance(value, (str, bytes, dict)):
        raise TypeError(
            f"`{name}` must be a Python list of Tensors, one per time step, got "
            f"{type(value).__name__}.")


def rnn_decoder(decoder_inputs: Iterable[tf.Tensor], initial_state: Any, cell: Any,
                loop_function: Optional[Callable] = None, scope: Any = None) -> tuple:
    """Runs `cell` over the decoder inputs starting from `initial_state`.

    Args:
      decoder_inputs: List of `[batch_size, input_size]` Tensors, one per step.
      initial_state: Initial cell state (Tensor or nested structure matching
        `cell.state_size`).
      cell: An RNN cell (anything that follows the RNNCell protocol).
      loop_function: Optional ``f(prev_output, i) -> next_input``; when given,
        inputs after the first are replaced by its result (greedy decoding).
        It runs inside ``variable_scope("loop_function", reuse=True)``.
      scope: Variable scope; defaults to "rnn_decoder".

    Returns:
      ``(outputs, state)``: a list of `[batch_size, cell.output_size]` Tensors,
      one per input, and the final state (same structure as the cell's state).

    Raises:
      TypeError: if `cell` is not an RNN cell or `decoder_inputs` is a Tensor.
      RuntimeError: in eager mode.

    Compatibility:
      Matches TF 1.15 `tf.contrib.legacy_seq2seq.rnn_decoder`: the scope "rnn_decoder", reuse from
      the second step on, the loop function called inside `variable_scope("loop_function",
      reuse=True)`, and so the same variables and numbers. Additions, all raised before anything is
      built: `cell` is checked against the RNNCell protocol (a Keras 3 cell gets a TypeError that
      names the cell of this library to use), a single Tensor for `decoder_inputs` raises TypeError
      with the tf.unstack spelling for time-major and batch-major data, a non-callable
      `loop_function` raises TypeError, and, without a loop function, steps of different shapes or
      dtypes raise ValueError. As in TF 1.15, `decoder_inputs` may be any iterable; it is read
      whole after the first step (TF 1.15 read it step by step). For this library's cells the
      steps after the first are built by the fast paths (see `fastpath`; a user `loop_function`
      other than `extract_argmax_and_embed`'s keeps the step-by-step path), with the same numbers.
    """
    _checks.ensure_graph_mode("rnn_decoder")
    _checks.assert_like_rnncell("cell", cell)
    _check_inputs_iterable(decoder_inputs, "decoder_inputs")
    _check_loop_function(loop_function)
    if loop_function is None:
        _checks.check_same_steps(decoder_inputs, "decoder_inputs")
    with _v1.variable_scope(scope or "rnn_decoder"):
        steps = iter(decoder_inputs)
        first = next(steps, None)
        if first is None:
            return [], initial_state
        output, state = cell(first, initial_state)
        outputs = [output]
        rest = list(steps)
        if rest:
            _v1.get_variable_scope().reuse_variables()
            # Step 0 created the variables; a known cell runs the rest in loops.
            tail = _engine.rnn_decoder_tail(cell, rest, state, output, loop_function)
            if tail is not None:
                return outputs + tail[0], tail[1]
        for i, inp in enumerate(rest, start=1):
            if loop_function is not None:
                with _v1.variable_scope("loop_function", reuse=True):
                    inp = loop_function(outputs[-1], i)
            output, state = cell(inp, state)
            outputs.append(output)
    return outputs, state


def _check_loop_function(loop_function: Any) -> None:
    if loop_function is not None and not callable(loop_function):
        raise TypeError(
            "`loop_function` must be None or callable (prev_output, step) -> next_input, "
            f"got {_checks.describe_value(loop_function)}.")


def _attention_size(attention_states: Any) -> int:
    attention_states = _checks.as_tensor(attention_states, "attention_states")
    shape = attention_states.get_shape()
    if shape.rank is not None and shape.rank != 3:
        raise ValueError(
            "`attention_states` must have rank 3 [batch_size, attn_length, attn_size], got "
            f"shape {_checks.describe_shape(attention_states)}.")
    size = tf.compat.dimension_value(shape.dims[2]) if shape.rank is not None else None
    if size is None:
        raise ValueError(f"Shape[2] of attention_states must be known: {shape}")
    return size


def _check_num_heads(num_heads: Any) -> None:
    """TF 1.15's message for fewer than one head, with the value received."""
    num_heads = _checks.check_int(num_heads, "num_heads")
    if num_heads < 1:
        raise ValueError(
            "With less than 1 heads, use a non-attention decoder. Got num_heads="
            f"{num_heads}: pass num_heads >= 1, or use rnn_decoder / embedding_rnn_decoder.")


def attention_decoder(decoder_inputs: Sequence[tf.Tensor], initial_state: Any,
                      attention_states: tf.Tensor, cell: Any, output_size: Optional[int] = None,
                      num_heads: int = 1, loop_function: Optional[Callable] = None,
                      dtype: Any = None, scope: Any = None,
                      initial_state_attention: bool = False) -> tuple:
    """RNN decoder with Bahdanau-style attention over `attention_states`.

    At every step the input and the previous attention reads are merged by a
    linear layer back to the input size, the cell runs, the new state (all
    of it, flattened: for an LSTM both c and h) queries each head, and the
    cell output plus the reads are projected to `output_size`. Head k scores
    ``v_k . tanh(W_k h_t + U_k q)`` and reads ``sum_t softmax(score)_t h_t``;
    the softmax is computed in float32.

    Args:
      decoder_inputs: List of `[batch_size, input_size]` Tensors.
      initial_state: Initial cell state.
      attention_states: `[batch_size, attn_length, attn_size]` Tensor;
        `attn_size` must be static, `attn_length` may be dynamic.
      cell: An RNN cell.
      output_size: Width of the outputs; defaults to `cell.output_size`.
      num_heads: Number of attention heads.
      loop_function: Optional ``f(prev_output, i) -> next_input``.
      dtype: dtype of the variables and computations; defaults to the
        enclosing scope's (float32).
      scope: Variable scope; defaults to "attention_decoder".
      initial_state_attention: If True, the first step attends with the
        initial state instead of starting from zero reads.

    Returns:
      ``(outputs, state)``: a list of `[batch_size, output_size]` Tensors and
      the final cell state.

    Raises:
      ValueError: with TF 1.15's messages, for no decoder inputs, fewer than
        one head, an unknown attention size or an unknown input depth.
      TypeError: if `cell` is not an RNN cell.

    Compatibility:
      Every attention distribution is also added to the graph collection
      `ATTENTION_WEIGHTS_COLLECTION` (no TF 1.15 signature changes), so
      alignments can be fetched, e.g. for plotting. A nested query with a
      component that is not 2-D raises ValueError (TF 1.15: AssertionError).
      Fewer than one head keeps TF 1.15's message and adds the value received;
      `num_heads` and `output_size` must be ints, decoder inputs rank 2, and,
      without a loop function, of one shape and dtype.
    """
    _checks.ensure_graph_mode("attention_decoder")
    _check_inputs_iterable(decoder_inputs, "decoder_inputs")
    if not decoder_inputs:
        raise ValueError("Must provide at least 1 input to attention decoder. Got an empty "
                         "`decoder_inputs`: pass a list with one Tensor per decoder step.")
    _check_num_heads(num_heads)
    attn_size = _attention_size(attention_states)
    _checks.assert_like_rnncell("cell", cell)
    _checks.check_optional_positive_int(output_size, "output_size")
    _check_loop_function(loop_function)
    # With a loop function only the first input is used.
    for i, value in enumerate(decoder_inputs if loop_function is None else decoder_inputs[:1]):
        rank = value.get_shape().rank if hasattr(value, "get_shape") else None
        if rank is not None and rank != 2:
            raise ValueError(
                f"`decoder_inputs[{i}]` must have rank 2 [batch_size, input_size], got shape "
                f"{_checks.describe_shape(value)}.")
    if loop_function is None:
        _checks.check_same_steps(decoder_inputs, "decoder_inputs")
    decoder_inputs = list(decoder_inputs)
    if output_size is None:
        output_size = cell.output_size

    with _v1.variable_scope(scope or "attention_decoder", dtype=dtype) as var_scope:
        dtype = var_scope.dtype
        batch_size = tf.shape(decoder_inputs[0])[0]
        attn_length = tf.compat.dimension_value(attention_states.get_shape().dims[1])
        if attn_length is None:
            attn_length = tf.shape(attention_states)[1]

        # W_k h_t for all t at once, as a 1x1 convolution over [B, L, 1, A].
        hidden = tf.reshape(attention_states, [-1, attn_length, 1, attn_size])
        hidden_features = []
        attn_vectors = []
        for head in range(num_heads):
            w = _v1.get_variable(f"AttnW_{head}", [1, 1, attn_size, attn_size], dtype=dtype)
            hidden_features.append(tf.nn.conv2d(hidden, w, [1, 1, 1, 1], "SAME"))
            attn_vectors.append(_v1.get_variable(f"AttnV_{head}", [attn_size], dtype=dtype))

        def attention(query: Any) -> list:
            """One read per head, queried by the (flattened) state."""
            if tf.nest.is_nested(query):
                parts = tf.nest.flatten(query)
                for part in parts:
                    rank = part.get_shape().rank
                    if rank and rank != 2:
                        raise ValueError(
                            "Every part of the attention query (the decoder state) must be "
                            f"2-D, got shape {_checks.describe_shape(part)}.")
                query = tf.concat(parts, 1)
            reads = []
            for head in range(num_heads):
                with _v1.variable_scope(f"Attention_{head}"):
                    linear = Linear(query, attn_size, True)
                    linears.setdefault(("query", head), linear)
                    y = linear(query)
                    y = tf.cast(tf.reshape(y, [-1, 1, 1, attn_size]), dtype)
                    scores = tf.reduce_sum(
                        attn_vectors[head] * tf.tanh(hidden_features[head] + y), [2, 3])
                    weights = tf.nn.softmax(tf.cast(scores, tf.float32))
                    _v1.add_to_collection(ATTENTION_WEIGHTS_COLLECTION, weights)
                    weights = tf.cast(weights, dtype)
                    read = tf.reduce_sum(
                        tf.reshape(weights, [-1, attn_length, 1, 1]) * hidden, [1, 2])
                    reads.append(tf.reshape(read, [-1, attn_size]))
            return reads

        # The Linear layers of the first step, for the fast path of the rest.
        linears: dict = {}
        outputs = []
        prev = None
        zeros_shape = tf.stack([batch_size, attn_size])
        attns = [tf.zeros(zeros_shape, dtype=dtype) for _ in range(num_heads)]
        for read in attns:
            read.set_shape([None, attn_size])
        state = initial_state
        if initial_state_attention:
            attns = attention(initial_state)
        for i, inp in enumerate(decoder_inputs):
            if i > 0:
                _v1.get_variable_scope().reuse_variables()
            if i == 1:
                parts = _engine.AttentionParts(
                    linears["merge"], [linears[("query", h)] for h in range(num_heads)],
                    linears["project"], hidden, hidden_features,
                    attn_vectors, attn_length, attn_size)
                tail = _engine.attention_decoder_tail(
                    cell, decoder_inputs[1:], state, attns, outputs[0], parts, loop_function,
                    ATTENTION_WEIGHTS_COLLECTION)
                if tail is not None:
                    outputs.extend(tail[0])
                    state = tail[1]
                    break
            if loop_function is not None and prev is not None:
                with _v1.variable_scope("loop_function", reuse=True):
                    inp = loop_function(prev, i)
            input_size = tf.compat.dimension_value(inp.get_shape().with_rank(2).dims[1])
            if input_size is None:
                raise ValueError(f"Could not infer input size from input: {inp.name} "
                                 f"(`decoder_inputs[{i}]` has shape "
                                 f"{_checks.describe_shape(inp)}; its last dimension must be "
                                 "static).")
            merged = [tf.cast(t, dtype) for t in [inp] + attns]
            merge = Linear(merged, input_size, True)
            linears.setdefault("merge", merge)
            x = merge(merged)
            cell_output, state = cell(x, state)
            if i == 0 and initial_state_attention:
                with _v1.variable_scope(_v1.get_variable_scope(), reuse=True):
                    attns = attention(state)
            else:
                attns = attention(state)
            with _v1.variable_scope("AttnOutputProjection"):
                projected = [tf.cast(cell_output, dtype)] + attns
                project = Linear(projected, output_size, True)
                linears.setdefault("project", project)
                output = project(projected)
            if loop_function is not None:
                prev = output
            outputs.append(output)
    return outputs, state


def _check_symbol_ids(values: Sequence[Any], name: str) -> None:
    for i, value in enumerate(values):
        dtype = getattr(value, "dtype", None)
        if dtype is not None and not tf.as_dtype(dtype).is_integer:
            raise TypeError(
                f"`{name}[{i}]` must hold integer symbol ids (int32 or int64), got dtype "
                f"{tf.as_dtype(dtype).name}. Embedding models take ids, not embeddings.")


def _check_id_vectors(values: Sequence[Any], name: str) -> None:
    """Ids that are embedded with a plain lookup must be [batch_size] vectors."""
    for i, value in enumerate(values):
        rank = value.get_shape().rank if hasattr(value, "get_shape") else None
        if rank is not None and rank != 1:
            raise ValueError(
                f"`{name}[{i}]` must be a [batch_size] vector of symbol ids, got shape "
                f"{_checks.describe_shape(value)}.")


def embedding_rnn_decoder(decoder_inputs: Sequence[tf.Tensor], initial_state: Any, cell: Any,
                          num_symbols: int, embedding_size: int,
                          output_projection: Any = None, feed_previous: Any = False,
                          update_embedding_for_previous: bool = True,
                          scope: Any = None) -> tuple:
    """RNN decoder over embedded symbol ids, optionally feeding back its argmax.

    Args:
      decoder_inputs: List of `[batch_size]` int Tensors (symbol ids).
      initial_state: Initial cell state.
      cell: An RNN cell.
      num_symbols: Number of symbols (rows of the embedding).
      embedding_size: Width of each embedding.
      output_projection: Optional (W `[output_size, num_symbols]`, b
        `[num_symbols]`); used to pick fed-back symbols.
      feed_previous: If true, every input after the first (the GO symbol) is
        the embedding of the previous step's argmax.
      update_embedding_for_previous: If False, fed-back lookups pass no
        gradient to the embedding.
      scope: Variable scope; defaults to "embedding_rnn_decoder".

    Returns:
      ``(outputs, state)``: `[batch_size, cell.output_size]` outputs (logits
      when `cell` projects to the vocabulary) and the final state.

    Raises:
      ValueError: if `output_projection` has the wrong shape.
      TypeError: for non-integer ids or a non-cell.

    Compatibility:
      Matches TF 1.15: the scope "embedding_rnn_decoder", the variable `embedding` [num_symbols,
      embedding_size], one lookup per step, the argmax loop function, the same outputs. TF 1.15
      checked W of `output_projection` only against [None, num_symbols]; here W must be
      [cell.output_size, num_symbols] when both sizes are static, so a transposed W is refused
      whatever `feed_previous` is. `num_symbols` and `embedding_size` must be positive ints (floats
      and bools raise TypeError) and the ids integer Tensors; TF 1.15 failed later or not at all.
    """
    _checks.ensure_graph_mode("embedding_rnn_decoder")
    _checks.assert_like_rnncell("cell", cell)
    decoder_inputs = _checks.check_list_of_tensors(decoder_inputs, "decoder_inputs",
                                                   allow_empty=True)
    _check_symbol_ids(decoder_inputs, "decoder_inputs")
    _check_id_vectors(decoder_inputs, "decoder_inputs")
    _checks.check_positive_int(num_symbols, "num_symbols")
    _checks.check_positive_int(embedding_size, "embedding_size")
    with _v1.variable_scope(scope or "embedding_rnn_decoder") as var_scope:
        if output_projection is not None:
            _check_output_projection(output_projection, num_symbols, var_scope.dtype,
                                     output_size=cell.output_size)
        embedding = _v1.get_variable("embedding", [num_symbols, embedding_size])
        loop_function = (extract_argmax_and_embed(embedding, output_projection,
                                                  update_embedding_for_previous)
                         if feed_previous else None)
        # A generator: the lookups are created inside rnn_decoder's scope.
        embedded = (tf.nn.embedding_lookup(embedding, i) for i in decoder_inputs)
        return rnn_decoder(embedded, initial_state, cell, loop_function=loop_function)


def embedding_attention_decoder(decoder_inputs: Sequence[tf.Tensor], initial_state: Any,
                                attention_states: tf.Tensor, cell: Any, num_symbols: int,
                                embedding_size: int, num_heads: int = 1,
                                output_size: Optional[int] = None, output_projection: Any = None,
                                feed_previous: Any = False,
                                update_embedding_for_previous: bool = True, dtype: Any = None,
                                scope: Any = None,
                                initial_state_attention: bool = False) -> tuple:
    """Attention decoder over embedded symbol ids.

    Args:
      decoder_inputs: List of `[batch_size]` int Tensors (symbol ids).
      initial_state: Initial cell state.
      attention_states: `[batch_size, attn_length, attn_size]` Tensor.
      cell: An RNN cell.
      num_symbols: Number of symbols (rows of the embedding).
      embedding_size: Width of each embedding.
      num_heads: Number of attention heads.
      output_size: Width of the outputs; defaults to `cell.output_size`.
      output_projection: Optional (W, b); only b's shape is checked, as in
        TF 1.15.
      feed_previous: If true, inputs after the first are the embedding of the
        previous argmax.
      update_embedding_for_previous: If False, fed-back lookups pass no
        gradient to the embedding.
      dtype: dtype of the variables; defaults to the scope's.
      scope: Variable scope; defaults to "embedding_attention_decoder".
      initial_state_attention: See `attention_decoder`.

    Returns:
      ``(outputs, state)`` as for `attention_decoder`.

    Raises:
      ValueError: for a projection bias of the wrong shape and the errors of
        `attention_decoder`.
      TypeError: for non-integer ids or a non-cell.

    Compatibility:
      Matches TF 1.15: the scope "embedding_attention_decoder", the variable `embedding`, then
      `attention_decoder` with its variables and numbers. The lookups of all steps may be built as
      one op (same values) when the ids stack. TF 1.15 checked only the bias of `output_projection`;
      W is now checked against [output_size, num_symbols] when both are static, so a transposed W is
      refused before anything is built (TF 1.15 ignored it with `feed_previous=False` and failed
      inside the loop with True). `num_symbols`, `embedding_size`, `num_heads` and `output_size`
      must be ints (TypeError for floats and bools); fewer than one head keeps TF 1.15's message and
      adds the value received.
    """
    _checks.ensure_graph_mode("embedding_attention_decoder")
    _checks.assert_like_rnncell("cell", cell)
    decoder_inputs = _checks.check_list_of_tensors(decoder_inputs, "decoder_inputs",
                                                   allow_empty=True)
    _check_symbol_ids(decoder_inputs, "decoder_inputs")
    _check_id_vectors(decoder_inputs, "decoder_inputs")
    _checks.check_positive_int(num_symbols, "num_symbols")
    _checks.check_positive_int(embedding_size, "embedding_size")
    _check_num_heads(num_heads)
    _checks.check_optional_positive_int(output_size, "output_size")
    if output_size is None:
        output_size = cell.output_size
    if output_projection is not None:
        _check_output_projection(output_projection, num_symbols, dtype, check_weights=False,
                                 output_size=output_size)
    with _v1.variable_scope(scope or "embedding_attention_decoder", dtype=dtype):
        embedding = _v1.get_variable("embedding", [num_symbols, embedding_size])
        loop_function = (extract_argmax_and_embed(embedding, output_projection,
                                                  update_embedding_for_previous)
                         if feed_previous else None)
        embedded = _engine.embed_steps(embedding, decoder_inputs)
        return attention_decoder(embedded, initial_state, attention_states, cell,
                                 output_size=output_size, num_heads=num_heads,
                                 loop_function=loop_function,
                                 initial_state_attention=initial_state_attention)
