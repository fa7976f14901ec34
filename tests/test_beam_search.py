"""beam_search: greedy at k=1, exhaustive search on tiny models, EOS, checkpoints, errors."""

import itertools
import math

import numpy as np
import pytest
import tensorflow as tf

from legacy_seq2seq_compat import beam_search, legacy_seq2seq, rnn_cell
from legacy_seq2seq_compat.beam_search import _beam_search

v1 = tf.compat.v1

GO, EOS = 1, 2
VOCAB_IN, VOCAB_OUT, EMB, HIDDEN = 5, 4, 3, 5
ENC_LEN, DEC_LEN, BATCH = 3, 3, 3
ALL = VOCAB_OUT ** (DEC_LEN - 1)  # a beam this wide keeps every prefix: the search is exact


def _log_softmax(x):
    x = np.asarray(x, np.float64)
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def _exhaustive(next_log_probs, num_symbols, max_length, eos, alpha, k):
    """Every hypothesis the beam can return, scored in float64; the best k.

    A hypothesis ends at its first EOS or after max_length symbols.
    """
    hyps = []

    def grow(prefix, log_prob):
        if len(prefix) == max_length or (prefix and prefix[-1] == eos):
            penalty = ((5.0 + len(prefix)) / 6.0) ** alpha
            hyps.append((log_prob / penalty, prefix, log_prob))
            return
        dist = next_log_probs(prefix)
        for s in range(num_symbols):
            grow(prefix + (s,), log_prob + dist[s])

    grow((), 0.0)
    hyps.sort(key=lambda h: -h[0])
    return hyps[:k]


def _assert_matches_exhaustive(result, b, expected):
    """Entry b of a fetched BeamSearchOutput against `_exhaustive`'s list."""
    got = []
    for j in range(len(expected)):
        length = int(result.lengths[b, j])
        got.append(tuple(int(s) for s in result.ids[b, j, :length]))
    assert got == [h[1] for h in expected]
    np.testing.assert_allclose(result.scores[b], [h[0] for h in expected], rtol=0, atol=1e-5)
    np.testing.assert_allclose(result.log_probs[b], [h[2] for h in expected], rtol=0, atol=1e-5)


# --- The beam core on a Markov model whose every log-probability is known -------------------


def _markov_beam(table, beam_width, eos, alpha):
    """Runs `_beam_search` where logits = table[entry, step, previous symbol]."""
    batch, steps, vocab, _ = table.shape
    with tf.Graph().as_default():
        logits_table = tf.constant(table, tf.float32)

        def step(embedded, carry):
            entry, t = carry
            previous = tf.argmax(embedded, 1, output_type=tf.int32)  # one-hot "embedding"
            logits = tf.gather_nd(logits_table, tf.stack([entry, t, previous], 1))
            return logits, (entry, t + 1)

        entry = tf.repeat(tf.range(batch), beam_width)
        carry = (entry, tf.zeros_like(entry))
        out = _beam_search(step, carry, tf.eye(vocab), batch, beam_width, steps, GO, eos,
                           alpha, vocab)
        with v1.Session() as sess:
            return sess.run(out)


def _markov_next(table, b):
    def next_log_probs(prefix):
        previous = prefix[-1] if prefix else GO
        return _log_softmax(table[b, len(prefix), previous])
    return next_log_probs


@pytest.mark.parametrize("eos,alpha", [(EOS, 0.0), (EOS, 0.7), (None, 0.0), (None, 1.5)])
def test_core_matches_exhaustive_search(eos, alpha):
    vocab, steps = 4, 4
    table = np.random.default_rng(5).normal(0.0, 2.0, (2, steps, vocab, vocab))
    k = vocab ** (steps - 1)
    result = _markov_beam(table, k, eos, alpha)
    assert result.ids.shape == (2, k, steps) and result.ids.dtype == np.int32
    for b in range(2):
        _assert_matches_exhaustive(result, b, _exhaustive(_markov_next(table, b), vocab, steps,
                                                          eos, alpha, k))


def test_core_entries_finish_at_different_steps():
    vocab, steps = 4, 5
    table = np.random.default_rng(2).normal(0.0, 0.5, (3, steps, vocab, vocab))
    table[:, :, :, EOS] = -30.0
    table[0, 0, :, EOS] = 30.0  # entry 0 ends at once
    table[1, 2, :, EOS] = 30.0  # entry 1 after three symbols; entry 2 never
    result = _markov_beam(table, 2, EOS, 0.0)
    np.testing.assert_array_equal(result.lengths[:, 0], [1, 3, steps])
    best = result.ids[:, 0]
    assert best[0].tolist() == [EOS] * steps
    assert best[1, 2] == EOS and EOS not in best[1, :2] and best[1, 3:].tolist() == [EOS] * 2
    assert EOS not in best[2]
    # A finished hypothesis keeps its log-probability while the others decode on.
    for b in range(3):
        expected = _exhaustive(_markov_next(table, b), vocab, steps, EOS, 0.0, 1)
        _assert_matches_exhaustive(
            type(result)(*(x[:, :1] for x in result)), b, expected)


def test_core_finished_beam_is_carried_not_extended():
    # Entry 0: EOS first is the best hypothesis, but the second beam goes on decoding.
    vocab, steps = 3, 3
    table = np.zeros((1, steps, vocab, vocab))
    table[0, 0, GO] = [0.0, -1.0, 3.0]
    table[0, 1:, :] = [2.0, 0.0, -5.0]  # after a digit: no EOS, 0 is likeliest
    result = _markov_beam(table, 2, EOS, 0.0)
    assert result.ids[0, 0].tolist() == [EOS, EOS, EOS]
    assert result.lengths[0].tolist() == [1, steps]
    assert result.ids[0, 1].tolist() == [0, 0, 0]
    _assert_matches_exhaustive(result, 0, _exhaustive(_markov_next(table, 0), vocab, steps,
                                                      EOS, 0.0, 2))


def test_core_beam_wider_than_the_hypotheses():
    table = np.random.default_rng(4).normal(0.0, 1.0, (1, 1, 3, 3))
    result = _markov_beam(table, 5, None, 0.0)
    expected = _exhaustive(_markov_next(table, 0), 3, 1, None, 0.0, 3)
    _assert_matches_exhaustive(type(result)(*(x[:, :3] for x in result)), 0, expected)
    assert np.isneginf(result.log_probs[0, 3:]).all() and np.isneginf(result.scores[0, 3:]).all()


def test_length_penalty_prefers_longer_hypotheses():
    vocab, steps = 3, 4
    table = np.zeros((1, steps, vocab, vocab))
    table[0, 0, GO] = [1.0, 0.0, 1.2]  # EOS at once is slightly likelier than going on
    table[0, 1:, :] = [0.0, 0.0, 8.0]  # ... but after a digit EOS is almost certain
    plain = _markov_beam(table, 3, EOS, 0.0)
    penalised = _markov_beam(table, 3, EOS, 2.0)
    assert plain.lengths[0, 0] == 1
    assert penalised.lengths[0, 0] == 2 and penalised.ids[0, 0].tolist() == [0, EOS, EOS, EOS]
    factor = ((5.0 + penalised.lengths[0]) / 6.0) ** 2.0
    np.testing.assert_allclose(penalised.scores[0], penalised.log_probs[0] / factor, rtol=1e-6)
    assert np.all(np.diff(penalised.scores[0]) <= 0)


def test_length_penalty_factor_values():
    with tf.Graph().as_default(), v1.Session() as sess:
        values = sess.run(beam_search.length_penalty_factor([1, 7], 0.5))
    np.testing.assert_allclose(values, [1.0, math.sqrt(2.0)], rtol=1e-6)


# --- The legacy models ---------------------------------------------------------------------

BEAMS = {  # name: (beam_width, eos_id, length_penalty)
    "exact": (ALL, EOS, 0.0),
    "exact-no-eos": (ALL, None, 0.0),
    "exact-penalty": (ALL, EOS, 0.8),
    "k1": (1, None, 0.0),
    "k1-eos": (1, EOS, 0.0),
    "k3": (3, EOS, 0.0),
}
# Every configuration decodes greedily (k1) and exactly; the other beams are spread out.
# Together: with and without attention, GRU and LSTM, one and two layers.
CONFIGS = {
    "rnn-gru": dict(attention=False, kind="gru", layers=1, projection=False,
                    beams=["exact", "exact-no-eos", "k1", "k1-eos", "k3"]),
    "rnn-lstm2-proj": dict(attention=False, kind="lstm", layers=2, projection=True,
                           beams=["exact-penalty", "k1", "k1-eos"]),
    "attn-lstm": dict(attention=True, kind="lstm", layers=1, projection=False,
                      beams=["exact", "exact-no-eos", "k1", "k1-eos", "k3"]),
    "attn-gru2-proj-2heads": dict(attention=True, kind="gru", layers=2, projection=True,
                                  heads=2, initial_state_attention=True,
                                  beams=["exact-penalty", "k1", "k1-eos"]),
}


def _cell(kind, layers):
    def one():
        return rnn_cell.GRUCell(HIDDEN) if kind == "gru" else rnn_cell.BasicLSTMCell(HIDDEN)
    return one() if layers == 1 else rnn_cell.MultiRNNCell([one() for _ in range(layers)])


def _model_kwargs(config):
    kwargs = {}
    if config["attention"]:
        kwargs["num_heads"] = config.get("heads", 1)
        kwargs["initial_state_attention"] = config.get("initial_state_attention", False)
    return kwargs


def _build_models(config, enc, dec, projection):
    """The legacy model teacher-forced, greedy (feed_previous=True), and the beams."""
    seq2seq = (legacy_seq2seq.embedding_attention_seq2seq if config["attention"]
               else legacy_seq2seq.embedding_rnn_seq2seq)
    decode = (beam_search.embedding_attention_seq2seq if config["attention"]
              else beam_search.embedding_rnn_seq2seq)
    kwargs = dict(_model_kwargs(config), output_projection=projection)
    args = (VOCAB_IN, VOCAB_OUT, EMB)
    forced, _ = seq2seq(enc, dec, _cell(config["kind"], config["layers"]), *args, **kwargs)
    with v1.variable_scope(v1.get_variable_scope(), reuse=True):
        greedy, _ = seq2seq(enc, dec, _cell(config["kind"], config["layers"]), *args,
                            feed_previous=True, **kwargs)
    names = {v.name for v in v1.global_variables()}
    beams = {}
    for name in config["beams"]:
        k, eos, alpha = BEAMS[name]
        beams[name] = decode(enc, _cell(config["kind"], config["layers"]), *args,
                             beam_width=k, max_length=DEC_LEN, go_id=GO, eos_id=eos,
                             length_penalty=alpha, **kwargs)
    assert {v.name for v in v1.global_variables()} == names  # the beams made no variable
    return forced, greedy, beams


@pytest.fixture(scope="module", params=sorted(CONFIGS))
def decoded(request):
    """Runs one configuration once: teacher-forced logits of every prefix, greedy, beams."""
    config = CONFIGS[request.param]
    rng = np.random.default_rng(11)
    sources = rng.integers(0, VOCAB_IN, (BATCH, ENC_LEN))
    prefixes = np.array(list(itertools.product(range(VOCAB_OUT), repeat=DEC_LEN - 1)))
    with tf.Graph().as_default():
        v1.set_random_seed(3)
        enc = [v1.placeholder(tf.int32, [None], name=f"enc{i}") for i in range(ENC_LEN)]
        dec = [v1.placeholder(tf.int32, [None], name=f"dec{i}") for i in range(DEC_LEN)]
        projection = None
        if config["projection"]:
            projection = (v1.get_variable("proj_w", [HIDDEN, VOCAB_OUT]),
                          v1.get_variable("proj_b", [VOCAB_OUT]))
        forced, greedy, beams = _build_models(config, enc, dec, projection)
        with v1.Session() as sess:
            # Bigger weights than the initializer's: peaked, varied distributions.
            sess.run(v1.global_variables_initializer())
            sess.run([v.assign(v * 2.5) for v in v1.global_variables()])
            # Teacher forcing over every (entry, prefix) pair in one run.
            rows = [(b, p) for b in range(BATCH) for p in prefixes]
            feed = {enc[i]: [sources[b, i] for b, _ in rows] for i in range(ENC_LEN)}
            feed[dec[0]] = [GO] * len(rows)
            for i in range(1, DEC_LEN):
                feed[dec[i]] = [p[i - 1] for _, p in rows]
            forced_out = sess.run(forced, feed)
            if projection is not None:
                w, bias = sess.run(projection)
                forced_out = [o @ w + bias for o in forced_out]
            source_feed = {enc[i]: sources[:, i] for i in range(ENC_LEN)}
            source_feed.update({dec[i]: np.full(BATCH, GO) for i in range(DEC_LEN)})
            greedy_out, beam_out = sess.run([greedy, beams], source_feed)
            if projection is not None:
                greedy_out = [o @ w + bias for o in greedy_out]
    table = {}
    for r, (b, p) in enumerate(rows):
        for t in range(DEC_LEN):
            table[(b, tuple(int(s) for s in p[:t]))] = _log_softmax(forced_out[t][r])
    greedy_ids = np.argmax(np.stack(greedy_out), axis=2).T
    return table, greedy_ids, beam_out


def test_model_matches_exhaustive_search(decoded):
    table, _, beams = decoded
    exact = [name for name in beams if name.startswith("exact")]
    assert exact
    for name in exact:
        k, eos, alpha = BEAMS[name]
        result = beams[name]
        assert result.ids.shape == (BATCH, k, DEC_LEN)
        for b in range(BATCH):
            expected = _exhaustive(lambda prefix, b=b: table[(b, prefix)], VOCAB_OUT, DEC_LEN,
                                   eos, alpha, k)
            _assert_matches_exhaustive(result, b, expected)


def test_model_k1_is_greedy(decoded):
    table, greedy_ids, beams = decoded
    np.testing.assert_array_equal(beams["k1"].ids[:, 0], greedy_ids)
    np.testing.assert_array_equal(beams["k1"].lengths[:, 0], DEC_LEN)
    # With an EOS: the same ids up to and including the first EOS, then EOS.
    with_eos = beams.get("k1-eos")
    for b in range(BATCH if with_eos else 0):
        row = greedy_ids[b].tolist()
        length = row.index(EOS) + 1 if EOS in row else DEC_LEN
        assert with_eos.lengths[b, 0] == length
        assert with_eos.ids[b, 0].tolist() == row[:length] + [EOS] * (DEC_LEN - length)
        exact = sum(table[(b, tuple(row[:t]))][s] for t, s in enumerate(row[:length]))
        assert with_eos.log_probs[b, 0] == pytest.approx(exact, abs=1e-5)


def test_model_narrow_beam_is_best_first_and_at_least_greedy(decoded):
    table, _, beams = decoded
    result = beams.get("k3")
    for b in range(BATCH if result else 0):
        assert np.all(np.diff(result.scores[b]) <= 0)
        np.testing.assert_array_equal(result.scores[b], result.log_probs[b])  # no penalty
        # Every returned hypothesis is scored right, and the best beats greedy's.
        for j in range(3):
            seq = tuple(int(s) for s in result.ids[b, j, :result.lengths[b, j]])
            exact = sum(table[(b, seq[:t])][s] for t, s in enumerate(seq))
            assert result.log_probs[b, j] == pytest.approx(exact, abs=1e-5)
        greedy = beams["k1"].ids[b, 0].tolist()
        length = greedy.index(EOS) + 1 if EOS in greedy else DEC_LEN
        greedy_score = sum(table[(b, tuple(greedy[:t]))][s]
                           for t, s in enumerate(greedy[:length]))
        assert result.scores[b, 0] >= greedy_score - 1e-5


# --- Checkpoints and buckets ---------------------------------------------------------------


def test_checkpoint_of_bucketed_model_restores_into_fresh_beam_graph(tmp_path):
    buckets = [(2, 3), (3, 4)]
    sources = np.array([[4, 0, 3], [1, 2, 2]])

    def beam_decoders(enc, cell):
        return beam_search.model_with_buckets(
            enc, buckets, lambda e, n: beam_search.embedding_attention_seq2seq(
                e, cell, VOCAB_IN, VOCAB_OUT, EMB, beam_width=2, max_length=n, go_id=GO,
                eos_id=EOS))

    with tf.Graph().as_default():
        v1.set_random_seed(4)
        enc = [v1.placeholder(tf.int32, [None]) for _ in range(3)]
        dec = [v1.placeholder(tf.int32, [None]) for _ in range(5)]
        weights = [tf.ones([2]) for _ in range(4)]
        cell = rnn_cell.GRUCell(HIDDEN)
        legacy_seq2seq.model_with_buckets(
            enc, dec, dec[1:], weights, buckets,
            lambda x, y: legacy_seq2seq.embedding_attention_seq2seq(
                x, y, cell, VOCAB_IN, VOCAB_OUT, EMB))
        trained = sorted(v.name for v in v1.global_variables())
        beams = beam_decoders(enc, cell)
        assert sorted(v.name for v in v1.global_variables()) == trained
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            before = sess.run(beams, {e: sources[:, i] for i, e in enumerate(enc)})
            path = v1.train.Saver().save(sess, str(tmp_path / "model.ckpt"))

    with tf.Graph().as_default():
        enc = [v1.placeholder(tf.int32, [None]) for _ in range(3)]
        beams = beam_decoders(enc, rnn_cell.GRUCell(HIDDEN))
        assert sorted(v.name for v in v1.global_variables()) == trained
        with v1.Session() as sess:
            v1.train.Saver().restore(sess, path)
            after = sess.run(beams, {e: sources[:, i] for i, e in enumerate(enc)})
    assert [r.ids.shape for r in after] == [(2, 2, 3), (2, 2, 4)]
    for old, new in zip(before, after):
        for x, y in zip(old, new):
            np.testing.assert_array_equal(x, y)


# --- Validation ----------------------------------------------------------------------------


def _decode(**overrides):
    with tf.Graph().as_default():
        enc = [v1.placeholder(tf.int32, [None]) for _ in range(2)]
        kwargs = dict(beam_width=2, max_length=3, go_id=GO, eos_id=EOS)
        kwargs.update(overrides)
        # Tensor-valued arguments are made here, inside the graph.
        kwargs = {key: value() if callable(value) else value for key, value in kwargs.items()}
        inputs = kwargs.pop("encoder_inputs", enc)
        return beam_search.embedding_attention_seq2seq(
            inputs, rnn_cell.GRUCell(4), VOCAB_IN, VOCAB_OUT, EMB, **kwargs)


@pytest.mark.parametrize("overrides,error,message", [
    (dict(beam_width=0), ValueError, r"`beam_width` must be a positive int, got 0"),
    (dict(max_length=2.5), TypeError, r"`max_length` must be a positive int, got 2.5 \(float\)"),
    (dict(eos_id=4), ValueError,
     r"`eos_id` must be a symbol id, an int in \[0, num_decoder_symbols=4\), got 4"),
    (dict(go_id=-1), ValueError, r"`go_id` must be a symbol id.*got -1"),
    (dict(length_penalty=-0.5), ValueError,
     r"`length_penalty` must be a finite number >= 0.*got -0.5"),
    (dict(encoder_inputs=lambda: tf.zeros([2, 3], tf.int32)), TypeError,
     r"`encoder_inputs` must be a Python list of Tensors"),
    (dict(output_projection=lambda: (tf.zeros([4, 3]), tf.zeros([3]))), ValueError,
     r"`output_projection\[0\]` \(W\) must have shape \[output_size, num_symbols\] = "
     r"\[4, 4\], got shape \(4, 3\)"),
])
def test_bad_arguments_are_named(overrides, error, message):
    with pytest.raises(error, match=message):
        _decode(**overrides)


def test_float_encoder_ids_rejected():
    with tf.Graph().as_default():
        enc = [v1.placeholder(tf.float32, [None]) for _ in range(2)]
        with pytest.raises(TypeError, match=r"`encoder_inputs\[0\]` must hold integer"):
            beam_search.embedding_rnn_seq2seq(enc, rnn_cell.GRUCell(4), 5, 4, 3, beam_width=2,
                                              max_length=2, go_id=GO)


def test_eager_mode_is_refused():
    with pytest.raises(RuntimeError, match=r"beam_search.embedding_rnn_seq2seq was called in "
                                           r"eager mode"):
        beam_search.embedding_rnn_seq2seq([tf.zeros([2], tf.int32)], rnn_cell.GRUCell(4), 5, 4,
                                          3, beam_width=2, max_length=2, go_id=GO)


def test_buckets_validated():
    with tf.Graph().as_default():
        enc = [v1.placeholder(tf.int32, [None]) for _ in range(2)]
        with pytest.raises(ValueError, match=r"must be at least that of last bucket \(3\)"):
            beam_search.model_with_buckets(enc, [(3, 2)], lambda e, n: None)
        with pytest.raises(ValueError, match=r"`buckets` must be a non-empty list"):
            beam_search.model_with_buckets(enc, [], lambda e, n: None)
        with pytest.raises(ValueError, match=r"`buckets\[1\]\[1\]` must be a positive int, got 0"):
            beam_search.model_with_buckets(enc, [(1, 2), (2, 0)], lambda e, n: None)


def test_public_api():
    assert set(beam_search.__all__) == {"BeamSearchOutput", "embedding_rnn_seq2seq",
                                        "embedding_attention_seq2seq", "model_with_buckets",
                                        "length_penalty_factor"}
    for name in beam_search.__all__:
        assert "Compatibility:" in getattr(beam_search, name).__doc__, name
