"""Beam-search decoding for the embedding seq2seq models, on their trained variables.

TF 1.15's legacy models decode greedily only (``feed_previous=True`` feeds
back the argmax). The functions here decode the same models with a beam:
they build the encoder and one decoder step in the model's own variable
scopes, with ``reuse=tf.compat.v1.AUTO_REUSE``, so

* built next to a training or greedy model in the same graph they create no
  variable and read the model's ones, and
* built alone in a fresh graph they create exactly the model's variables, under
  the same names, so a checkpoint written by the legacy functions restores
  into them with a plain `tf.compat.v1.train.Saver`.

The decoder is unrolled statically for `max_length` steps (as the legacy
decoders are). At every step each of the `beam_width` hypotheses of a batch
entry is extended by every symbol; the `beam_width` best candidates (by
score, see below) survive. A hypothesis that emits `eos_id` is finished: it
keeps its log-probability and length and is carried on unchanged (filled
with `eos_id`) while the others grow.

Scores follow GNMT (Wu et al., 2016): ``log_prob / ((5 + length) / 6) **
length_penalty``, where `length` counts the symbols emitted including the
EOS. With ``length_penalty=0`` (the default) the score is the
log-probability itself.

There is no ``loop_function`` form: a loop function maps one step's output
to the next input of the same row, while a beam reorders rows (and their
states) between steps, which the legacy decoders' loop cannot do.

Compatibility:
  TF 1.15 had no beam search for these models. With ``beam_width=1`` and no
  `eos_id` the ids are exactly those of the model's ``feed_previous=True``
  greedy decoding; with an `eos_id` they agree up to and including the first
  EOS.
"""

from __future__ import annotations

import copy
import math
from typing import Any, Callable, NamedTuple, Optional, Sequence

import tensorflow as tf

from legacy_seq2seq_compat import _checks
from legacy_seq2seq_compat.decoders import _check_output_projection, _check_symbol_ids
from legacy_seq2seq_compat.rnn import static_rnn
from legacy_seq2seq_compat.rnn_cell import EmbeddingWrapper, Linear, OutputProjectionWrapper

_v1 = tf.compat.v1

__all__ = [
    "BeamSearchOutput",
    "embedding_rnn_seq2seq",
    "embedding_attention_seq2seq",
    "model_with_buckets",
    "length_penalty_factor",
]


class BeamSearchOutput(NamedTuple):
    """The decoded hypotheses, best first, for every batch entry.

    When fewer than `beam_width` hypotheses exist at all (a beam wider than
    the vocabulary, at the first steps), the missing ones have score and
    log-probability -inf.

    Attributes:
      ids: `[batch_size, beam_width, max_length]` int32 symbol ids. Positions
        at or after a hypothesis' length hold `eos_id`.
      lengths: `[batch_size, beam_width]` int32: symbols emitted, counting
        the EOS (`max_length` for a hypothesis that never emitted it).
      scores: `[batch_size, beam_width]` float32 ranking scores (the
        log-probability divided by the length penalty), in decreasing order.
      log_probs: `[batch_size, beam_width]` float32 summed log-probabilities
        of the emitted symbols.

    Compatibility:
      New in this library; TF 1.15 had no beam search for these models.
    """

    ids: tf.Tensor
    lengths: tf.Tensor
    scores: tf.Tensor
    log_probs: tf.Tensor


def length_penalty_factor(lengths: Any, alpha: float) -> tf.Tensor:
    """GNMT's length penalty ``((5 + lengths) / 6) ** alpha``.

    Args:
      lengths: int or float Tensor (or array) of hypothesis lengths.
      alpha: The exponent; 0 gives a factor of 1.

    Returns:
      A float32 Tensor shaped like `lengths`.

    Compatibility:
      New in this library (TF 1.15's tf.contrib.seq2seq used the same
      formula for its BeamSearchDecoder, which does not decode legacy models).
    """
    lengths = _checks.as_tensor(lengths, "lengths")
    if not (lengths.dtype.is_integer or lengths.dtype.is_floating):
        raise TypeError(f"`lengths` must hold int or float hypothesis lengths, got a "
                        f"{lengths.dtype.name} Tensor.")
    _checks.check_number(alpha, "alpha")
    if not math.isfinite(alpha) or alpha < 0:
        raise ValueError(f"`alpha` must be a finite number >= 0 (0 turns the penalty off), got "
                         f"{alpha!r}.")
    lengths = tf.cast(lengths, tf.float32)
    return tf.pow((5.0 + lengths) / 6.0, float(alpha))


def _check_options(beam_width: Any, max_length: Any, go_id: Any, eos_id: Any,
                   length_penalty: Any, num_decoder_symbols: int) -> None:
    _checks.check_positive_int(beam_width, "beam_width")
    _checks.check_positive_int(max_length, "max_length")
    _checks.check_positive_int(num_decoder_symbols, "num_decoder_symbols")
    for name, value in (("go_id", go_id), ("eos_id", eos_id)):
        if value is None and name == "eos_id":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or \
                not 0 <= value < num_decoder_symbols:
            raise ValueError(
                f"`{name}` must be a symbol id, an int in [0, num_decoder_symbols="
                f"{num_decoder_symbols}), got {value!r}. Pass the id your decoder vocabulary "
                f"uses for {'GO' if name == 'go_id' else 'end of sequence (or None)'}.")
    if isinstance(length_penalty, bool) or not isinstance(length_penalty, (int, float)) or \
            not math.isfinite(length_penalty) or length_penalty < 0:
        raise ValueError(
            "`length_penalty` must be a finite number >= 0 (GNMT's alpha; 0 turns it off, "
            f"0.6 to 1.0 are usual), got {length_penalty!r}.")


def _check_id_steps(encoder_inputs: list) -> None:
    """Ids the encoder embeds: [batch_size] (or [batch_size, 1]) int steps of one shape."""
    _check_symbol_ids(encoder_inputs, "encoder_inputs")
    _checks.check_same_steps(encoder_inputs, "encoder_inputs")
    shape = encoder_inputs[0].get_shape() if encoder_inputs else tf.TensorShape(None)
    if shape.rank is not None and not (shape.rank == 1 or (
            shape.rank == 2 and shape.as_list()[1] in (1, None))):
        raise ValueError("`encoder_inputs` must be [batch_size] vectors of symbol ids, one per "
                         f"step, got `encoder_inputs[0]` of shape "
                         f"{_checks.describe_shape(encoder_inputs[0])}.")


def _repeat_rows(value: tf.Tensor, times: int) -> tf.Tensor:
    """Row b of `value` becomes rows b*times ... b*times + times-1."""
    return tf.repeat(value, times, axis=0)


def _beam_search(step: Callable, carry: Any, embedding: tf.Variable, batch_size: Any,
                 beam_width: int, max_length: int, go_id: int, eos_id: Optional[int],
                 length_penalty: float, num_symbols: int) -> BeamSearchOutput:
    """Runs the beam over `step(embedded_ids, carry) -> (logits, carry)`.

    `carry` is a nest of `[batch_size * beam_width, ...]` Tensors (beam j of
    entry b on row ``b * beam_width + j``); its rows are reordered along with
    the hypotheses.
    """
    k = beam_width
    neg_inf = tf.constant(-math.inf, tf.float32)
    # Only beam 0 is live at the start, so the first step expands one hypothesis.
    first = tf.constant([[0.0] + [-math.inf] * (k - 1)], tf.float32)
    log_probs = tf.tile(first, tf.stack([batch_size, 1]))
    lengths = tf.zeros(tf.stack([batch_size, k]), tf.int32)
    finished = tf.zeros(tf.stack([batch_size, k]), tf.bool)
    ids = tf.zeros(tf.stack([batch_size, k, 0]), tf.int32)
    previous = tf.fill(tf.stack([batch_size * k]), tf.constant(go_id, tf.int32))
    row_base = tf.expand_dims(tf.range(batch_size) * k, 1)
    if eos_id is not None:
        only_eos = tf.where(tf.equal(tf.range(num_symbols), eos_id), 0.0, neg_inf)
    for t in range(max_length):
        with tf.name_scope(f"beam_step_{t}"):
            logits, carry = step(tf.nn.embedding_lookup(embedding, previous), carry)
            step_log_probs = tf.nn.log_softmax(tf.cast(logits, tf.float32))
            step_log_probs = tf.reshape(step_log_probs, tf.stack([batch_size, k, num_symbols]))
            if eos_id is not None:
                # A finished hypothesis has one continuation: itself, at no cost.
                step_log_probs = tf.where(finished[:, :, None], only_eos[None, None, :],
                                          step_log_probs)
            totals = log_probs[:, :, None] + step_log_probs
            grown = lengths + tf.cast(tf.logical_not(finished), tf.int32)
            ranking = totals
            if length_penalty:
                ranking = totals / length_penalty_factor(grown, length_penalty)[:, :, None]
            flat_ranking = tf.reshape(ranking, tf.stack([batch_size, k * num_symbols]))
            _, best = tf.math.top_k(flat_ranking, k=k)
            parents = best // num_symbols
            symbols = best % num_symbols
            log_probs = tf.gather(tf.reshape(totals, tf.stack([batch_size, k * num_symbols])),
                                  best, batch_dims=1)
            lengths = tf.gather(grown, parents, batch_dims=1)
            finished = tf.gather(finished, parents, batch_dims=1)
            ids = tf.concat([tf.gather(ids, parents, batch_dims=1), symbols[:, :, None]], 2)
            if eos_id is not None:
                finished = tf.logical_or(finished, tf.equal(symbols, eos_id))
            rows = tf.reshape(row_base + parents, [-1])
            carry = tf.nest.map_structure(lambda x, rows=rows: tf.gather(x, rows), carry)
            previous = tf.reshape(symbols, [-1])
    scores = log_probs
    if length_penalty:
        scores = log_probs / length_penalty_factor(lengths, length_penalty)
    return BeamSearchOutput(ids=ids, lengths=lengths, scores=scores, log_probs=log_probs)


def _prepare(name: str, encoder_inputs: Any, cell: Any, output_projection: Any,
             num_decoder_symbols: int, dtype: Any, options: tuple,
             sizes: tuple = ()) -> tuple:
    _checks.ensure_graph_mode(name)
    encoder_inputs = _checks.check_list_of_tensors(encoder_inputs, "encoder_inputs")
    _check_id_steps(encoder_inputs)
    _checks.assert_like_rnncell("cell", cell)
    for size_name, size in sizes:
        _checks.check_positive_int(size, size_name)
    _check_options(*options, num_decoder_symbols)
    if dtype is not None:
        _checks.as_dtype(dtype, "dtype")
    if output_projection is not None:
        output_size = cell.output_size if isinstance(cell.output_size, int) else None
        _check_output_projection(output_projection, num_decoder_symbols, dtype or tf.float32,
                                 output_size=output_size)
    batch_size = _checks.static_dim(encoder_inputs[0], 0)
    if batch_size is None:
        batch_size = tf.shape(encoder_inputs[0])[0]
    return encoder_inputs, batch_size


def _encode(cell: Any, encoder_inputs: list, num_encoder_symbols: int, embedding_size: int,
            dtype: Any) -> tuple:
    """The models' encoder: EmbeddingWrapper over a deep copy of `cell`, scope "rnn"."""
    encoder_cell = EmbeddingWrapper(copy.deepcopy(cell), embedding_classes=num_encoder_symbols,
                                    embedding_size=embedding_size)
    return static_rnn(encoder_cell, encoder_inputs, dtype=dtype)


def _logits_of(output: tf.Tensor, output_projection: Any) -> tf.Tensor:
    if output_projection is None:
        return output
    return _v1.nn.xw_plus_b(output, output_projection[0], output_projection[1])


def embedding_rnn_seq2seq(encoder_inputs: Sequence[tf.Tensor], cell: Any,
                          num_encoder_symbols: int, num_decoder_symbols: int,
                          embedding_size: int, *, beam_width: int, max_length: int, go_id: int,
                          eos_id: Optional[int] = None, output_projection: Any = None,
                          length_penalty: float = 0.0, dtype: Any = None,
                          scope: Any = None) -> BeamSearchOutput:
    """Beam-search decoding of a `legacy_seq2seq.embedding_rnn_seq2seq` model.

    Takes the arguments the model was built with (minus `decoder_inputs` and
    `feed_previous`) and reads its variables under
    ``<scope>/rnn/embedding_wrapper/...`` (encoder),
    ``<scope>/embedding_rnn_decoder/embedding`` and
    ``<scope>/embedding_rnn_decoder/rnn_decoder/...`` (decoder cell).

    Args:
      encoder_inputs: List of `[batch_size]` int Tensors, as for the model.
      cell: An RNN cell like the model's (the same object, or a new one of the
        same configuration).
      num_encoder_symbols: Encoder vocabulary size.
      num_decoder_symbols: Decoder vocabulary size.
      embedding_size: Width of the embeddings.
      beam_width: Hypotheses kept per batch entry (k).
      max_length: Decoder steps (symbols per hypothesis at most).
      go_id: The symbol fed at the first step (the model's first decoder
        input, e.g. the translate tutorial's GO_ID).
      eos_id: Symbol that ends a hypothesis; None to always decode
        `max_length` symbols.
      output_projection: The model's (W, b), if it had one.
      length_penalty: GNMT's alpha (0: rank by log-probability).
      dtype: dtype of the model's scope; defaults to the enclosing scope's.
      scope: The model's variable scope; defaults to "embedding_rnn_seq2seq".

    Returns:
      A `BeamSearchOutput` with `beam_width` hypotheses per batch entry.

    Raises:
      ValueError: for a non-positive `beam_width` / `max_length`, ids outside
        the vocabulary, a negative `length_penalty` or a projection of the
        wrong shape.
      TypeError: for non-list or float encoder inputs or a non-cell.
      RuntimeError: in eager mode.

    Compatibility:
      TF 1.15 had no beam search. The variables are those of
      `legacy_seq2seq.embedding_rnn_seq2seq` (created with AUTO_REUSE when
      missing, so a TF 1.15 checkpoint restores by name); ``beam_width=1``
      gives the ids of ``feed_previous=True``.
    """
    encoder_inputs, batch_size = _prepare(
        "beam_search.embedding_rnn_seq2seq", encoder_inputs, cell, output_projection,
        num_decoder_symbols, dtype,
        (beam_width, max_length, go_id, eos_id, length_penalty),
        (("num_encoder_symbols", num_encoder_symbols), ("embedding_size", embedding_size)))
    with _v1.variable_scope(scope or "embedding_rnn_seq2seq", dtype=dtype,
                            reuse=_v1.AUTO_REUSE) as var_scope:
        _, state = _encode(cell, encoder_inputs, num_encoder_symbols, embedding_size,
                           var_scope.dtype)
        if output_projection is None:
            cell = OutputProjectionWrapper(cell, num_decoder_symbols)
        with _v1.variable_scope("embedding_rnn_decoder"):
            embedding = _v1.get_variable("embedding", [num_decoder_symbols, embedding_size])
            with _v1.variable_scope("rnn_decoder") as decoder_scope:

                def step(inputs: tf.Tensor, carry: Any) -> tuple:
                    with _v1.variable_scope(decoder_scope):
                        output, new_state = cell(inputs, carry)
                    return _logits_of(output, output_projection), new_state

                carry = tf.nest.map_structure(lambda x: _repeat_rows(x, beam_width), state)
                return _beam_search(step, carry, embedding, batch_size, beam_width, max_length,
                                    go_id, eos_id, length_penalty, num_decoder_symbols)


class _AttentionStep:
    """One step of `decoders.attention_decoder`, on its variables, for the beam.

    Same maths and variable names: the input and previous reads merge through
    ``attention_decoder/{kernel,bias}``, the cell runs, every head reads with
    ``AttnW_h``, ``AttnV_h`` and ``Attention_h/{kernel,bias}``, and
    ``AttnOutputProjection`` gives the output.
    """

    def __init__(self, cell: Any, attention_states: tf.Tensor, num_heads: int,
                 output_size: int, beam_width: int, dtype: Any) -> None:
        self.cell = cell
        self.num_heads = num_heads
        self.output_size = output_size
        self.dtype = dtype
        self.attn_size = _checks.static_dim(attention_states, 2)
        self.attn_length = _checks.static_dim(attention_states, 1)
        hidden = tf.reshape(attention_states, [-1, self.attn_length, 1, self.attn_size])
        self.hidden = _repeat_rows(hidden, beam_width)
        self.features, self.vectors = [], []
        for head in range(num_heads):
            w = _v1.get_variable(f"AttnW_{head}", [1, 1, self.attn_size, self.attn_size],
                                 dtype=dtype)
            # W h_t does not depend on the beam: computed once per entry, then repeated.
            features = tf.nn.conv2d(hidden, w, [1, 1, 1, 1], "SAME")
            self.features.append(_repeat_rows(features, beam_width))
            self.vectors.append(_v1.get_variable(f"AttnV_{head}", [self.attn_size],
                                                 dtype=dtype))
        self.scope = _v1.get_variable_scope()

    def attention(self, query: Any) -> list:
        query = tf.concat(tf.nest.flatten(query), 1)
        reads = []
        for head in range(self.num_heads):
            with _v1.variable_scope(f"Attention_{head}"):
                y = Linear(query, self.attn_size, True)(query)
                y = tf.cast(tf.reshape(y, [-1, 1, 1, self.attn_size]), self.dtype)
                scores = tf.reduce_sum(self.vectors[head] * tf.tanh(self.features[head] + y),
                                       [2, 3])
                weights = tf.cast(tf.nn.softmax(tf.cast(scores, tf.float32)), self.dtype)
                read = tf.reduce_sum(
                    tf.reshape(weights, [-1, self.attn_length, 1, 1]) * self.hidden, [1, 2])
                reads.append(tf.reshape(read, [-1, self.attn_size]))
        return reads

    def initial_reads(self, state: Any, initial_state_attention: bool) -> list:
        with _v1.variable_scope(self.scope):
            if initial_state_attention:
                return self.attention(state)
            rows = tf.shape(self.hidden)[0]
            return [tf.zeros(tf.stack([rows, self.attn_size]), self.dtype)
                    for _ in range(self.num_heads)]

    def __call__(self, inputs: tf.Tensor, carry: tuple) -> tuple:
        state, reads = carry
        with _v1.variable_scope(self.scope):
            merged = [tf.cast(inputs, self.dtype)] + list(reads)
            input_size = _checks.static_dim(inputs, 1)
            x = Linear(merged, input_size, True)(merged)
            cell_output, state = self.cell(x, state)
            reads = self.attention(state)
            with _v1.variable_scope("AttnOutputProjection"):
                projected = [tf.cast(cell_output, self.dtype)] + reads
                output = Linear(projected, self.output_size, True)(projected)
        return output, (state, reads)


def embedding_attention_seq2seq(encoder_inputs: Sequence[tf.Tensor], cell: Any,
                                num_encoder_symbols: int, num_decoder_symbols: int,
                                embedding_size: int, num_heads: int = 1, *, beam_width: int,
                                max_length: int, go_id: int, eos_id: Optional[int] = None,
                                output_projection: Any = None, length_penalty: float = 0.0,
                                dtype: Any = None, scope: Any = None,
                                initial_state_attention: bool = False) -> BeamSearchOutput:
    """Beam-search decoding of a `legacy_seq2seq.embedding_attention_seq2seq` model.

    Takes the arguments the model was built with (minus `decoder_inputs` and
    `feed_previous`) and reads its variables: the encoder under
    ``<scope>/rnn/embedding_wrapper/``, the decoder embedding
    ``<scope>/embedding_attention_decoder/embedding`` and the attention
    decoder's under ``<scope>/embedding_attention_decoder/attention_decoder/``.

    Args:
      encoder_inputs: List of `[batch_size]` int Tensors, as for the model
        (the encoder length must be static, as the model's is).
      cell: An RNN cell like the model's.
      num_encoder_symbols: Encoder vocabulary size.
      num_decoder_symbols: Decoder vocabulary size.
      embedding_size: Width of the embeddings.
      num_heads: Number of attention heads.
      beam_width: Hypotheses kept per batch entry (k).
      max_length: Decoder steps (symbols per hypothesis at most).
      go_id: The symbol fed at the first step (the model's first decoder input).
      eos_id: Symbol that ends a hypothesis; None to always decode
        `max_length` symbols.
      output_projection: The model's (W, b), if it had one.
      length_penalty: GNMT's alpha (0: rank by log-probability).
      dtype: dtype of the model's scope; defaults to the enclosing scope's.
      scope: The model's variable scope; defaults to "embedding_attention_seq2seq".
      initial_state_attention: As given to the model.

    Returns:
      A `BeamSearchOutput` with `beam_width` hypotheses per batch entry.

    Raises:
      ValueError: for a non-positive `beam_width` / `max_length` /
        `num_heads`, ids outside the vocabulary, a negative `length_penalty`
        or a projection of the wrong shape.
      TypeError: for non-list or float encoder inputs or a non-cell.
      RuntimeError: in eager mode.

    Compatibility:
      TF 1.15 had no beam search. The variables are those of
      `legacy_seq2seq.embedding_attention_seq2seq` (created with AUTO_REUSE
      when missing, so a TF 1.15 checkpoint restores by name);
      ``beam_width=1`` gives the ids of ``feed_previous=True``. The attention
      distributions are not added to `decoders.ATTENTION_WEIGHTS_COLLECTION`.
    """
    encoder_inputs, batch_size = _prepare(
        "beam_search.embedding_attention_seq2seq", encoder_inputs, cell, output_projection,
        num_decoder_symbols, dtype,
        (beam_width, max_length, go_id, eos_id, length_penalty),
        (("num_encoder_symbols", num_encoder_symbols), ("embedding_size", embedding_size)))
    _checks.check_positive_int(num_heads, "num_heads")
    _checks.check_bool(initial_state_attention, "initial_state_attention")
    with _v1.variable_scope(scope or "embedding_attention_seq2seq", dtype=dtype,
                            reuse=_v1.AUTO_REUSE) as var_scope:
        dtype = var_scope.dtype
        outputs, state = _encode(cell, encoder_inputs, num_encoder_symbols, embedding_size,
                                 dtype)
        attention_states = tf.concat([tf.reshape(e, [-1, 1, cell.output_size])
                                      for e in outputs], 1)
        output_size = cell.output_size
        if output_projection is None:
            cell = OutputProjectionWrapper(cell, num_decoder_symbols)
            output_size = num_decoder_symbols
        with _v1.variable_scope("embedding_attention_decoder"):
            embedding = _v1.get_variable("embedding", [num_decoder_symbols, embedding_size])
            with _v1.variable_scope("attention_decoder"):
                step = _AttentionStep(cell, attention_states, num_heads, output_size,
                                      beam_width, dtype)
            state = tf.nest.map_structure(lambda x: _repeat_rows(x, beam_width), state)
            carry = (state, step.initial_reads(state, initial_state_attention))

            def logits_step(inputs: tf.Tensor, carry: tuple) -> tuple:
                output, carry = step(inputs, carry)
                return _logits_of(output, output_projection), carry

            return _beam_search(logits_step, carry, embedding, batch_size, beam_width,
                                max_length, go_id, eos_id, length_penalty, num_decoder_symbols)


def model_with_buckets(encoder_inputs: Sequence[tf.Tensor], buckets: Sequence[Sequence[int]],
                       decode: Callable[[list, int], BeamSearchOutput],
                       name: Optional[str] = None) -> list:
    """One beam decoder per bucket, all on one set of variables.

    Mirrors `legacy_seq2seq.model_with_buckets` for decoding: bucket
    ``(encoder_length, decoder_length)`` gets
    ``decode(encoder_inputs[:encoder_length], decoder_length)``, e.g.
    ``lambda enc, n: beam_search.embedding_attention_seq2seq(enc, cell, ...,
    beam_width=4, max_length=n, go_id=GO_ID, eos_id=EOS_ID)``.

    Args:
      encoder_inputs: List of `[batch_size]` int Tensors, at least as long as
        the last bucket's encoder length.
      buckets: Non-empty list of `(encoder_length, decoder_length)` pairs.
      decode: ``decode(encoder_inputs, max_length) -> BeamSearchOutput``.
      name: Name scope of the ops; defaults to "model_with_buckets".

    Returns:
      A list with one `BeamSearchOutput` per bucket.

    Raises:
      ValueError: for empty or malformed buckets, or too few encoder inputs.

    Compatibility:
      TF 1.15 had no beam search. The variables are shared exactly as by
      `legacy_seq2seq.model_with_buckets` (which only opens a name scope),
      so a model trained with buckets restores by name.
    """
    encoder_inputs = _checks.check_list_of_tensors(encoder_inputs, "encoder_inputs")
    _check_id_steps(encoder_inputs)
    if not callable(decode):
        raise TypeError("`decode` must be a callable decode(encoder_inputs, max_length) -> "
                        f"BeamSearchOutput, got {_checks.describe_value(decode)}.")
    if name is not None and not isinstance(name, str):
        raise TypeError(f"`name` must be None or a string, got {_checks.describe_value(name)}.")
    if not isinstance(buckets, (list, tuple)) or not buckets:
        raise ValueError(f"`buckets` must be a non-empty list of (encoder_length, "
                         f"decoder_length) pairs, got {buckets!r}.")
    for i, bucket in enumerate(buckets):
        if not isinstance(bucket, (list, tuple)) or len(bucket) != 2:
            raise ValueError(f"Every bucket must be a pair (encoder_length, decoder_length), "
                             f"got {bucket!r} in buckets={buckets!r}.")
        _checks.check_positive_int(bucket[0], f"buckets[{i}][0]")
        _checks.check_positive_int(bucket[1], f"buckets[{i}][1]")
    if len(encoder_inputs) < buckets[-1][0]:
        raise ValueError(
            f"Length of encoder_inputs ({len(encoder_inputs)}) must be at least that of last "
            f"bucket ({buckets[-1][0]}).")
    results = []
    with tf.name_scope(name or "model_with_buckets"):
        for encoder_length, decoder_length in buckets:
            results.append(decode(list(encoder_inputs[:encoder_length]), decoder_length))
    return results
