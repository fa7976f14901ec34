"""Tests of legacy_seq2seq_compat.models: the six encoder-decoder models.

* TF 1.15's own test cases: output and state shapes, the variable names of
  each scope ("no_tuple", "proj_seq2seq", "decoder_symbols_seq2seq", ...) and
  the golden numbers of the reference under the constant-0.5 initializer.
* Numbers with random weights against the numpy model of tests/test_decoders.py.
* feed_previous: Python bool, bool Tensor (one variable set, tf.cond) and
  numpy bool; feeding back the argmax equals teacher forcing on the argmax,
  down to one Adam step (TF's testModelWithBooleanFeedPrevious).
* dtypes, checkpoints between a training and a decoding graph, cell reuse and
  the errors raised at the public boundary.
"""

import numpy as np
import pytest
import tensorflow as tf
from test_decoders import (
    ATOL,
    assert_outputs_close,
    assert_state_close,
    check_fed_back_gradients,
    constant_scope,
    init_and_read,
    load_values,
    lstm_vars,
    make_cell,
    np_argmax_embed,
    np_attention_decoder,
    np_cell,
    np_rnn_decoder,
    np_static_rnn,
    np_zero_state,
    random_scope,
    session,
    variable_table,
)

from legacy_seq2seq_compat import models, rnn_cell

v1 = tf.compat.v1

BATCH = 2
# Sizes of the random-weight models: encoder / decoder vocabularies, embedding
# size, cell units, encoder and decoder lengths.
E, D, S, H, T_ENC, T_DEC = 4, 6, 2, 3, 3, 4

MODEL_SCOPES = {
    "rnn": "embedding_rnn_seq2seq/",
    "tied": "embedding_tied_rnn_seq2seq/",
    "attention": "embedding_attention_seq2seq/",
}
DECODER_EMBEDDINGS = {
    "rnn": "embedding_rnn_decoder/embedding",
    "tied": "embedding",
    "attention": "embedding_attention_decoder/embedding",
}


# ---------------------------------------------------------------------------
# numpy twins of the models (built on the numpy decoders)
# ---------------------------------------------------------------------------


def np_embedding_encoder(w, scope, spec, ids):
    """EmbeddingWrapper(cell) unrolled from the zero state: (outputs, state)."""
    table = w[scope + "embedding"]
    return np_static_rnn(np_cell(spec, w, scope), [table[i] for i in ids],
                         np_zero_state(spec, len(ids[0])))


def np_model(kind, w, prefix, spec, enc_ids, dec_ids, feed_previous=False, projection=None,
             heads=1, isa=False, out_symbols=D):
    """embedding_{rnn,tied_rnn,attention}_seq2seq in numpy; returns (outputs, state).

    Args:
      prefix: The model's variable scope, ending in "/".
      projection: Optional numpy pair (W, b).
    """
    dec_spec = spec if projection is not None else ("opw", spec, out_symbols)
    if kind == "tied":
        table = w[prefix + "embedding"]
        step = np_cell(dec_spec, w, prefix + "combined_tied_rnn_seq2seq/tied_rnn_seq2seq/")
        _, state = np_static_rnn(step, [table[i] for i in enc_ids],
                                 np_zero_state(spec, len(enc_ids[0])))
        loop = np_argmax_embed(table, projection) if feed_previous else None
        return np_rnn_decoder([table[i] for i in dec_ids], state, step, loop)
    enc_outputs, state = np_embedding_encoder(w, prefix + "rnn/embedding_wrapper/", spec,
                                              enc_ids)
    if kind == "rnn":
        scope = prefix + "embedding_rnn_decoder/"
        table = w[scope + "embedding"]
        loop = np_argmax_embed(table, projection) if feed_previous else None
        return np_rnn_decoder([table[i] for i in dec_ids], state,
                              np_cell(dec_spec, w, scope + "rnn_decoder/"), loop)
    scope = prefix + "embedding_attention_decoder/"
    table = w[scope + "embedding"]
    loop = np_argmax_embed(table, projection) if feed_previous else None
    attn_scope = scope + "attention_decoder/"
    outputs, state, _ = np_attention_decoder(
        w, attn_scope, [table[i] for i in dec_ids], state, np.stack(enc_outputs, axis=1),
        np_cell(dec_spec, w, attn_scope), heads, loop=loop, initial_state_attention=isa)
    return outputs, state


def build_model(kind, enc, dec, cell, feed_previous=False, **kwargs):
    """One of the three embedding models with the module's sizes."""
    if kind == "rnn":
        return models.embedding_rnn_seq2seq(enc, dec, cell, E, D, S,
                                            feed_previous=feed_previous, **kwargs)
    if kind == "tied":
        return models.embedding_tied_rnn_seq2seq(enc, dec, cell, D, S,
                                                 feed_previous=feed_previous, **kwargs)
    return models.embedding_attention_seq2seq(enc, dec, cell, E, D, S,
                                              feed_previous=feed_previous, **kwargs)


def random_ids(rng, vocab, steps):
    return [rng.randint(0, vocab, BATCH).astype(np.int32) for _ in range(steps)]


def const_ids(ids):
    return [tf.constant(i, tf.int32) for i in ids]


def relative_table(scope):
    """[(name relative to `scope`, shape)] of the variables under `scope`."""
    return [(name[len(scope):], shape) for name, shape in variable_table()
            if name.startswith(scope)]


def copy_scope(sess, w, source, target):
    """Loads the model variables under `source` into their twins under `target`.

    Only trainable variables are copied (optimizer slots have no twins).
    """
    by_name = {v.op.name: v for v in v1.trainable_variables()}
    load_values(sess, {by_name[target + name[len(source):]]: value
                       for name, value in w.items()
                       if name.startswith(source) and name in by_name})


def _per_step_constant(values, expected):
    assert len(values) == len(expected)
    for value, want in zip(values, expected):
        np.testing.assert_allclose(value, np.full(value.shape, want), atol=1e-6, rtol=0)


# ---------------------------------------------------------------------------
# TF 1.15's test cases, constant-0.5 golden numbers
# ---------------------------------------------------------------------------

GOLDEN_RNN = [0.2147054, 0.2656959, 0.3114606]
GOLDEN_EMB = [0.5487856, 0.6704968, 0.7345062]
GOLDEN_EMB_STATE = [1.9769093, 0.7345062]  # c, h
GOLDEN_ATTN = [1.6452008, 2.1013802, 2.2730154]
GOLDEN_ATTN_PROJ = [0.8220223, 1.0040785, 1.072645]
GOLDEN_ATTN_STATE = [2.251228, 0.800247]


def _gru_opw_vars(scope):
    p = scope + "output_projection_wrapper/"
    return [(p + "gru_cell/gates/kernel", [4, 4]), (p + "gru_cell/gates/bias", [4]),
            (p + "gru_cell/candidate/kernel", [4, 2]), (p + "gru_cell/candidate/bias", [2]),
            (p + "kernel", [2, 4]), (p + "bias", [4])]


@pytest.mark.parametrize("model", ["basic", "tied"])
def test_basic_and_tied_rnn_seq2seq_tf_cases(model):
    with tf.Graph().as_default():
        with constant_scope():
            inp = [tf.constant(0.5, shape=[2, 2])] * 2
            dec_inp = [tf.constant(0.4, shape=[2, 2])] * 3
            cell = rnn_cell.OutputProjectionWrapper(rnn_cell.GRUCell(2), 4)
            if model == "basic":
                outputs, state = models.basic_rnn_seq2seq(inp, dec_inp, cell)
                # The encoder's deep copy has its own (unused) projection.
                expected = (_gru_opw_vars("root/basic_rnn_seq2seq/rnn/")
                            + _gru_opw_vars("root/basic_rnn_seq2seq/rnn_decoder/"))
            else:
                outputs, state = models.tied_rnn_seq2seq(inp, dec_inp, cell)
                expected = _gru_opw_vars("root/combined_tied_rnn_seq2seq/tied_rnn_seq2seq/")
        assert variable_table() == expected
        with session() as sess:
            sess.run(v1.global_variables_initializer())
            outs, (st,) = sess.run([outputs, [state]])
    assert [o.shape for o in outs] == [(2, 4)] * 3
    assert st.shape == (2, 2)
    _per_step_constant(outs, GOLDEN_RNN)
    _per_step_constant([st], GOLDEN_RNN[-1:])


def _emb_inputs():
    enc = [tf.constant(1, tf.int32, shape=[2])] * 2
    dec = [tf.constant(i, tf.int32, shape=[2]) for i in range(3)]
    return enc, dec


def test_embedding_rnn_seq2seq_tf_cases():
    with tf.Graph().as_default():
        with constant_scope():
            enc, dec = _emb_inputs()
            outputs, state = models.embedding_rnn_seq2seq(
                enc, dec, rnn_cell.BasicLSTMCell(2, state_is_tuple=True), 2, 5, 2)
            main_vars = variable_table()
            nt_outputs, nt_state = models.embedding_rnn_seq2seq(
                enc, dec, rnn_cell.BasicLSTMCell(2, state_is_tuple=False), 2, 5, 2,
                scope="no_tuple")
            w = v1.get_variable("proj_w", [2, 5])
            b = v1.get_variable("proj_b", [5])
            proj_outputs, _ = models.embedding_rnn_seq2seq(
                enc, dec, rnn_cell.BasicLSTMCell(2, state_is_tuple=True), 2, 5, 2,
                output_projection=(w, b), scope="proj_seq2seq")
        p = "root/embedding_rnn_seq2seq/"
        assert main_vars == (
            [(p + "rnn/embedding_wrapper/embedding", [2, 2])]
            + lstm_vars(p + "rnn/embedding_wrapper/", 2, 2)
            + [(p + "embedding_rnn_decoder/embedding", [5, 2])]
            + lstm_vars(p + "embedding_rnn_decoder/rnn_decoder/output_projection_wrapper/", 2, 2)
            + [(p + "embedding_rnn_decoder/rnn_decoder/output_projection_wrapper/kernel", [2, 5]),
               (p + "embedding_rnn_decoder/rnn_decoder/output_projection_wrapper/bias", [5])])
        assert relative_table("root/no_tuple/") == relative_table(p)
        q = "root/proj_seq2seq/"
        assert relative_table(q) == (
            [("rnn/embedding_wrapper/embedding", [2, 2])]
            + lstm_vars("rnn/embedding_wrapper/", 2, 2)
            + [("embedding_rnn_decoder/embedding", [5, 2])]
            + lstm_vars("embedding_rnn_decoder/rnn_decoder/", 2, 2))
        with session() as sess:
            sess.run(v1.global_variables_initializer())
            outs, st, nt_outs, nt_st, proj_outs = sess.run(
                [outputs, state, nt_outputs, nt_state, proj_outputs])
    assert [o.shape for o in outs] == [(2, 5)] * 3
    assert st.c.shape == (2, 2) and st.h.shape == (2, 2)
    _per_step_constant(outs, GOLDEN_EMB)
    _per_step_constant([st.c, st.h], GOLDEN_EMB_STATE)
    assert [o.shape for o in nt_outs] == [(2, 5)] * 3
    assert nt_st.shape == (2, 4)
    _per_step_constant(nt_outs, GOLDEN_EMB)
    np.testing.assert_allclose(nt_st[0], [1.9769093] * 2 + [0.7345062] * 2, atol=1e-6)
    assert [o.shape for o in proj_outs] == [(2, 2)] * 3


def test_embedding_tied_rnn_seq2seq_tf_cases():
    with tf.Graph().as_default():
        with constant_scope():
            enc, dec = _emb_inputs()
            outputs, state = models.embedding_tied_rnn_seq2seq(
                enc, dec, rnn_cell.BasicLSTMCell(2, state_is_tuple=True), 5, 2)
            main_vars = variable_table()
            sym_outputs, sym_state = models.embedding_tied_rnn_seq2seq(
                enc, dec, rnn_cell.BasicLSTMCell(2, state_is_tuple=True), 5, 2,
                num_decoder_symbols=3, scope="decoder_symbols_seq2seq")
            w = v1.get_variable("proj_w", [2, 5])
            b = v1.get_variable("proj_b", [5])
            proj_outputs, _ = models.embedding_tied_rnn_seq2seq(
                enc, dec, rnn_cell.BasicLSTMCell(2, state_is_tuple=True), 5, 2,
                output_projection=(w, b), scope="proj_seq2seq")
        inner = "combined_tied_rnn_seq2seq/tied_rnn_seq2seq/"
        opw = inner + "output_projection_wrapper/"
        p = "root/embedding_tied_rnn_seq2seq/"
        assert main_vars == (
            [(p + "embedding", [5, 2])] + lstm_vars(p + opw, 2, 2)
            + [(p + opw + "kernel", [2, 5]), (p + opw + "bias", [5])])
        assert relative_table("root/decoder_symbols_seq2seq/") == (
            [("embedding", [5, 2])] + lstm_vars(opw, 2, 2)
            + [(opw + "kernel", [2, 3]), (opw + "bias", [3])])
        assert relative_table("root/proj_seq2seq/") == (
            [("embedding", [5, 2])] + lstm_vars(inner, 2, 2))
        with session() as sess:
            sess.run(v1.global_variables_initializer())
            outs, st, sym_outs, sym_st, proj_outs = sess.run(
                [outputs, state, sym_outputs, sym_state, proj_outputs])
    assert [o.shape for o in outs] == [(2, 5)] * 3
    assert st.c.shape == (2, 2) and st.h.shape == (2, 2)
    _per_step_constant(outs, GOLDEN_EMB)
    _per_step_constant([st.c, st.h], GOLDEN_EMB_STATE)
    assert [o.shape for o in sym_outs] == [(2, 3)] * 3
    _per_step_constant(sym_outs, GOLDEN_EMB)
    _per_step_constant([sym_st.c, sym_st.h], GOLDEN_EMB_STATE)
    assert [o.shape for o in proj_outs] == [(2, 2)] * 3


def _attention_seq2seq_vars(prefix, cell_scope, out, cell_out):
    """The 14 or 16 variables of TF's testEmbeddingAttentionSeq2Seq (E=2, D=5, S=H=2)."""
    q = prefix + "embedding_attention_decoder/attention_decoder/"
    table = ([(prefix + "rnn/embedding_wrapper/embedding", [2, 2])]
             + lstm_vars(prefix + "rnn/embedding_wrapper/", 2, 2)
             + [(prefix + "embedding_attention_decoder/embedding", [5, 2]),
                (q + "AttnW_0", [1, 1, 2, 2]), (q + "AttnV_0", [2]),
                (q + "kernel", [4, 2]), (q + "bias", [2])]
             + lstm_vars(q + cell_scope, 2, 2))
    if cell_scope:
        table += [(q + cell_scope + "kernel", [2, 5]), (q + cell_scope + "bias", [5])]
    return table + [(q + "Attention_0/kernel", [4, 2]), (q + "Attention_0/bias", [2]),
                    (q + "AttnOutputProjection/kernel", [cell_out + 2, out]),
                    (q + "AttnOutputProjection/bias", [out])]


def test_embedding_attention_seq2seq_tf_cases():
    with tf.Graph().as_default():
        with constant_scope():
            enc, dec = _emb_inputs()
            outputs, state = models.embedding_attention_seq2seq(
                enc, dec, rnn_cell.BasicLSTMCell(2, state_is_tuple=True), 2, 5, 2)
            main_vars = variable_table()
            nt_outputs, nt_state = models.embedding_attention_seq2seq(
                enc, dec, rnn_cell.BasicLSTMCell(2, state_is_tuple=False), 2, 5, 2,
                scope="no_tuple")
            w = v1.get_variable("proj_w", [2, 5])
            b = v1.get_variable("proj_b", [5])
            proj_outputs, proj_state = models.embedding_attention_seq2seq(
                enc, dec, rnn_cell.BasicLSTMCell(2, state_is_tuple=False), 2, 5, 2,
                output_projection=(w, b), scope="proj_seq2seq")
        p = "root/embedding_attention_seq2seq/"
        assert main_vars == _attention_seq2seq_vars(p, "output_projection_wrapper/", 5, 5)
        assert len(main_vars) == 16
        assert relative_table("root/no_tuple/") == relative_table(p)
        proj_vars = relative_table("root/proj_seq2seq/")
        assert proj_vars == _attention_seq2seq_vars("", "", 2, 2)
        assert len(proj_vars) == 14
        with session() as sess:
            sess.run(v1.global_variables_initializer())
            outs, st, nt_outs, nt_st, proj_outs, proj_st = sess.run(
                [outputs, state, nt_outputs, nt_state, proj_outputs, proj_state])
    assert [o.shape for o in outs] == [(2, 5)] * 3
    assert st.c.shape == (2, 2) and st.h.shape == (2, 2)
    _per_step_constant(outs, GOLDEN_ATTN)
    _per_step_constant([st.c, st.h], GOLDEN_ATTN_STATE)
    assert [o.shape for o in nt_outs] == [(2, 5)] * 3
    assert nt_st.shape == (2, 4)
    _per_step_constant(nt_outs, GOLDEN_ATTN)
    assert [o.shape for o in proj_outs] == [(2, 2)] * 3
    _per_step_constant(proj_outs, GOLDEN_ATTN_PROJ)
    np.testing.assert_allclose(proj_st[0], [2.251228] * 2 + [0.800247] * 2, atol=1e-6)


def _one2many_vars(prefix, decoders):
    table = ([(prefix + "rnn/embedding_wrapper/embedding", [2, 2])]
             + lstm_vars(prefix + "rnn/embedding_wrapper/", 2, 2))
    for name, symbols in decoders:
        q = f"{prefix}one2many_decoder_{name}/embedding_rnn_decoder/"
        opw = q + "rnn_decoder/output_projection_wrapper/"
        table += ([(q + "embedding", [symbols, 2])] + lstm_vars(opw, 2, 2)
                  + [(opw + "kernel", [2, symbols]), (opw + "bias", [symbols])])
    return table


def test_one2many_rnn_seq2seq_tf_case():
    with tf.Graph().as_default():
        with constant_scope():
            enc = [tf.constant(1, tf.int32, shape=[2])] * 2
            dec = {"0": [tf.constant(i, tf.int32, shape=[2]) for i in range(3)],
                   "1": [tf.constant(i, tf.int32, shape=[2]) for i in range(4)]}
            cells = {name: rnn_cell.BasicLSTMCell(2, state_is_tuple=True) for name in dec}
            outputs, states = models.one2many_rnn_seq2seq(
                enc, dec, rnn_cell.BasicLSTMCell(2, state_is_tuple=True), cells, 2,
                {"0": 5, "1": 6}, 2)
        assert variable_table() == _one2many_vars("root/one2many_rnn_seq2seq/",
                                                  [("0", 5), ("1", 6)])
        assert len(variable_table()) == 13
        with session() as sess:
            sess.run(v1.global_variables_initializer())
            outs, sts = sess.run([outputs, states])
    assert [o.shape for o in outs["0"]] == [(2, 5)] * 3
    assert [o.shape for o in outs["1"]] == [(2, 6)] * 4
    for name in ("0", "1"):
        assert sts[name].c.shape == (2, 2) and sts[name].h.shape == (2, 2)
    _per_step_constant(outs["0"], GOLDEN_EMB)
    _per_step_constant([sts["0"].c, sts["0"].h], GOLDEN_EMB_STATE)
    _per_step_constant(outs["1"], GOLDEN_EMB + [0.7629124])
    _per_step_constant([sts["1"].c, sts["1"].h], [2.4394292, 0.7629124])


# ---------------------------------------------------------------------------
# Random weights against numpy
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("spec", [("opw", ("gru", 3), 2), ("multi", (("lstm", 3), ("gru", 2)))])
def test_basic_and_tied_rnn_seq2seq_match_numpy(spec):
    rng = np.random.RandomState(10)
    enc = [rng.uniform(-1, 1, (BATCH, 2)) for _ in range(3)]
    dec = [rng.uniform(-1, 1, (BATCH, 2)) for _ in range(4)]
    with tf.Graph().as_default():
        with random_scope():
            enc_t = [tf.constant(x, tf.float32) for x in enc]
            dec_t = [tf.constant(x, tf.float32) for x in dec]
            basic = models.basic_rnn_seq2seq(enc_t, dec_t, make_cell(spec))
            tied = models.tied_rnn_seq2seq(enc_t, dec_t, make_cell(spec),
                                           loop_function=lambda prev, i: tf.sin(prev))
            named = models.tied_rnn_seq2seq(enc_t, dec_t, make_cell(spec), scope="inner")
        with session() as sess:
            w = init_and_read(sess)
            basic_v, tied_v, named_v = sess.run([basic, tied, named])
    zero = np_zero_state(spec, BATCH)
    _, enc_state = np_static_rnn(np_cell(spec, w, "root/basic_rnn_seq2seq/rnn/"), enc, zero)
    want = np_rnn_decoder(dec, enc_state, np_cell(spec, w, "root/basic_rnn_seq2seq/rnn_decoder/"))
    assert_outputs_close(basic_v[0], want[0])
    assert_state_close(basic_v[1], want[1])
    for scope, value, loop in [("tied_rnn_seq2seq/", tied_v, np.sin), ("inner/", named_v, None)]:
        step = np_cell(spec, w, "root/combined_tied_rnn_seq2seq/" + scope)
        _, enc_state = np_static_rnn(step, enc, zero)
        want = np_rnn_decoder(dec, enc_state, step, loop)
        assert_outputs_close(value[0], want[0])
        assert_state_close(value[1], want[1])


EMBEDDING_RANDOM_CASES = [
    # (model, cell spec, feed_previous, with projection, extra kwargs)
    ("rnn", ("lstm", H), False, False, {}),
    ("rnn", ("lstm_flat", H), True, False, {}),
    ("rnn", ("multi", (("gru", H), ("gru", H))), True, True, {}),
    ("tied", ("lstm", H), True, False, {}),
    ("tied", ("lstm_flat", H), False, False, {"num_decoder_symbols": 4}),
    ("tied", ("gru", H), True, True, {}),
    ("attention", ("lstm", H), False, False, {}),
    ("attention", ("lstm_flat", H), True, False, {"num_heads": 2}),
    ("attention", ("multi", (("gru", H), ("lstm", H))), True, True,
     {"num_heads": 2, "initial_state_attention": True}),
    ("attention", ("gru", H), False, True, {"initial_state_attention": True}),
]


@pytest.mark.parametrize("kind,spec,feed_previous,with_projection,kwargs",
                         EMBEDDING_RANDOM_CASES)
def test_embedding_models_match_numpy(kind, spec, feed_previous, with_projection, kwargs):
    rng = np.random.RandomState(11)
    enc_ids = random_ids(rng, E, T_ENC)
    dec_ids = random_ids(rng, D, T_DEC)
    with tf.Graph().as_default():
        with random_scope():
            projection = None
            if with_projection:
                # Given as Tensors computed from variables, not as variables.
                proj_w = v1.get_variable("proj_w", [D, H])
                proj_b = v1.get_variable("proj_b", [D])
                projection = (tf.transpose(proj_w), proj_b * 1.0)
            outputs, state = build_model(kind, const_ids(enc_ids), const_ids(dec_ids),
                                         make_cell(spec), feed_previous,
                                         output_projection=projection, **kwargs)
        with session() as sess:
            w = init_and_read(sess)
            outs, st = sess.run([outputs, state])
    np_projection = (w["root/proj_w"].T, w["root/proj_b"]) if with_projection else None
    out_symbols = kwargs.get("num_decoder_symbols", D)
    want_outs, want_state = np_model(
        kind, w, "root/" + MODEL_SCOPES[kind], spec, enc_ids, dec_ids, feed_previous,
        projection=np_projection, heads=kwargs.get("num_heads", 1),
        isa=kwargs.get("initial_state_attention", False), out_symbols=out_symbols)
    width = H if with_projection else out_symbols
    assert [o.shape for o in outs] == [(BATCH, width)] * T_DEC
    assert_outputs_close(outs, want_outs)
    assert_state_close(st, want_state)


@pytest.mark.parametrize("feed_previous", [False, True])
def test_one2many_rnn_seq2seq_matches_numpy(feed_previous):
    rng = np.random.RandomState(12)
    enc_ids = random_ids(rng, E, T_ENC)
    dec_ids = {"a": random_ids(rng, 5, 3), "b": random_ids(rng, 7, 4)}
    symbols = {"a": 5, "b": 7}
    specs = {"a": ("gru", H), "b": ("gru", H)}
    with tf.Graph().as_default():
        with random_scope():
            outputs, states = models.one2many_rnn_seq2seq(
                const_ids(enc_ids), {k: const_ids(v) for k, v in dec_ids.items()},
                make_cell(("gru", H)), {k: make_cell(s) for k, s in specs.items()}, E,
                symbols, S, feed_previous=feed_previous)
        with session() as sess:
            w = init_and_read(sess)
            outs, sts = sess.run([outputs, states])
    prefix = "root/one2many_rnn_seq2seq/"
    _, enc_state = np_embedding_encoder(w, prefix + "rnn/embedding_wrapper/", ("gru", H), enc_ids)
    for name in ("a", "b"):
        scope = f"{prefix}one2many_decoder_{name}/embedding_rnn_decoder/"
        table = w[scope + "embedding"]
        loop = np_argmax_embed(table) if feed_previous else None
        want = np_rnn_decoder([table[i] for i in dec_ids[name]], enc_state,
                              np_cell(("opw", specs[name], symbols[name]), w,
                                      scope + "rnn_decoder/"), loop)
        assert [o.shape for o in outs[name]] == [(BATCH, symbols[name])] * len(dec_ids[name])
        assert_outputs_close(outs[name], want[0])
        assert_state_close(sts[name], want[1])


# ---------------------------------------------------------------------------
# feed_previous: bool, bool Tensor and numpy bool; one Adam step
# ---------------------------------------------------------------------------


def _loss(outputs, targets):
    """Mean softmax cross-entropy over steps and batch (our own, no losses.py)."""
    per_step = [tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=t, logits=o)) for o, t in zip(outputs, targets)]
    return tf.add_n(per_step) / len(per_step)


@pytest.mark.parametrize("lstm", ["lstm", pytest.param("lstm_flat", marks=pytest.mark.slow)])
@pytest.mark.parametrize("kind", ["rnn", "tied", "attention"])
def test_feed_previous_variants(kind, lstm):
    """One graph, four copies of the model with identical weights.

    fp_true / fp_false are built with Python bools, fp_tensor with a bool
    placeholder, fp_numpy with np.bool_(True).
    """
    spec = (lstm, H)
    rng = np.random.RandomState(13)
    enc_ids = random_ids(rng, E, T_ENC)
    go = np.zeros(BATCH, np.int32)
    dec_ids = [go] + random_ids(rng, D, T_DEC - 1)
    target_ids = random_ids(rng, D, T_DEC)
    with tf.Graph().as_default():
        targets = const_ids(target_ids)
        dec = [v1.placeholder(tf.int32, [BATCH], name=f"dec_{i}") for i in range(T_DEC)]
        flag = v1.placeholder(tf.bool, [], name="feed_previous")
        built = {}
        with random_scope():
            for name, feed_previous in [("fp_true", True), ("fp_false", False),
                                        ("fp_tensor", flag), ("fp_numpy", np.bool_(True))]:
                with v1.variable_scope(name):
                    built[name] = build_model(kind, const_ids(enc_ids), dec, make_cell(spec),
                                              feed_previous)
        tables = {name: relative_table(f"root/{name}/") for name in built}
        # One variable set per model, with the bool-built model's names.
        for name in ("fp_false", "fp_tensor", "fp_numpy"):
            assert tables[name] == tables["fp_true"]
        if lstm == "lstm":
            assert isinstance(built["fp_tensor"][1], rnn_cell.LSTMStateTuple)
        losses = {name: _loss(built[name][0], targets) for name in built}
        train = {}
        for name in ("fp_true", "fp_false"):
            optimizer = v1.train.AdamOptimizer(0.03, epsilon=1e-5)
            train[name] = optimizer.minimize(
                losses[name], var_list=v1.trainable_variables(f"root/{name}/"))
        emb_name = DECODER_EMBEDDINGS[kind]
        by_name = {v.op.name: v for v in v1.global_variables()}
        emb_grads = {
            name: tf.convert_to_tensor(tf.gradients(
                losses[name], by_name[f"root/{name}/{MODEL_SCOPES[kind]}{emb_name}"])[0])
            for name in ("fp_true", "fp_tensor")}

        def feed(ids, flag_value=None):
            values = dict(zip(dec, ids))
            if flag_value is not None:
                values[flag] = flag_value
            return values

        with session() as sess:
            w = init_and_read(sess)
            for name in ("fp_false", "fp_tensor", "fp_numpy"):
                copy_scope(sess, w, "root/fp_true/", f"root/{name}/")

            def run(name, ids, flag_value=None):
                return sess.run(built[name], feed(ids, flag_value))

            fed_back, fed_back_state = run("fp_true", dec_ids)
            symbols = list(np.argmax(np.stack(fed_back), axis=2).astype(np.int32))
            argmax_ids = [go] + symbols[:-1]
            other_ids = [go] + [(s + 1) % D for s in symbols[:-1]]
            zero_ids = [go] * T_DEC
            forced = run("fp_false", dec_ids)
            forced_on_argmax = run("fp_false", argmax_ids)
            forced_on_other = run("fp_false", other_ids)
            results = {
                "true_on_zeros": run("fp_true", zero_ids),
                "tensor_true": run("fp_tensor", zero_ids, True),
                "numpy_true": run("fp_numpy", zero_ids),
            }
            tensor_false = run("fp_tensor", dec_ids, False)
            grads = sess.run(emb_grads, feed(dec_ids, True))

            # One Adam step on each model; the teacher-forced one is fed the
            # argmax symbols, so both must end with the same weights.
            sess.run(train["fp_true"], feed(dec_ids))
            sess.run(train["fp_false"], feed(argmax_ids))
            after = {v.op.name: value for v, value in zip(v1.trainable_variables(),
                                                         sess.run(v1.trainable_variables()))}

    prefix = "root/fp_true/" + MODEL_SCOPES[kind]
    want = np_model(kind, w, prefix, spec, enc_ids, dec_ids, feed_previous=True)
    assert_outputs_close(fed_back, want[0])
    assert_state_close(fed_back_state, want[1])
    want = np_model(kind, w, prefix, spec, enc_ids, dec_ids, feed_previous=False)
    assert_outputs_close(forced[0], want[0])
    assert_state_close(forced[1], want[1])

    # Feeding back differs from teacher forcing on other symbols ...
    assert np.max(np.abs(np.stack(forced_on_other[0][1:]) - np.stack(fed_back[1:]))) > 1e-3
    # ... and equals teacher forcing on the argmax symbols.
    assert_outputs_close(forced_on_argmax[0], fed_back)
    assert_state_close(forced_on_argmax[1], fed_back_state)
    # Only the GO symbol matters when feeding back (TF's "other"/"other_3").
    for outs, state in results.values():
        assert_outputs_close(outs, fed_back)
        assert_state_close(state, fed_back_state)
    # The bool placeholder fed False is teacher forcing.
    assert_outputs_close(tensor_false[0], forced[0])
    assert_state_close(tensor_false[1], forced[1])

    # The Tensor path stops gradients into embeddings of fed-back symbols.
    used = set(go.tolist())
    if kind == "tied":
        used |= set(np.concatenate(enc_ids).tolist())
    check_fed_back_gradients(grads["fp_tensor"], grads["fp_true"],
                             np.concatenate(symbols[:-1]), used)

    # One Adam step: identical weights, and the step did change them.
    changed = 0
    for name, value in after.items():
        if name.startswith("root/fp_true/"):
            twin = after["root/fp_false/" + name[len("root/fp_true/"):]]
            np.testing.assert_allclose(twin, value, atol=1e-6, rtol=0, err_msg=name)
            changed += int(not np.allclose(value, w[name]))
    assert changed == len(tables["fp_true"])


@pytest.fixture
def control_flow_v1():
    """Runs a test with TF1 control flow (as after disable_v2_behavior), then restores."""
    was_v2 = v1.control_flow_v2_enabled()
    v1.disable_control_flow_v2()
    try:
        yield
    finally:
        if was_v2:
            v1.enable_control_flow_v2()


@pytest.mark.parametrize("kind", ["rnn", "tied", "attention"])
def test_feed_previous_tensor_with_control_flow_v1(kind, control_flow_v1):
    """The tf.cond form also builds, trains and selects under TF1 control flow."""
    rng = np.random.RandomState(19)
    enc_ids = random_ids(rng, E, T_ENC)
    dec_ids = [np.zeros(BATCH, np.int32)] + random_ids(rng, D, T_DEC - 1)
    with tf.Graph().as_default():
        flag = v1.placeholder(tf.bool, [])
        built = {}
        with random_scope():
            for name, feed_previous in [("fp_true", True), ("fp_false", False),
                                        ("fp_tensor", flag)]:
                with v1.variable_scope(name):
                    built[name] = build_model(kind, const_ids(enc_ids), const_ids(dec_ids),
                                              make_cell(("lstm", H)), feed_previous)
        assert relative_table("root/fp_tensor/") == relative_table("root/fp_true/")
        loss = tf.add_n([tf.reduce_sum(o * o) for o in built["fp_tensor"][0]])
        train = v1.train.GradientDescentOptimizer(0.1).minimize(
            loss, var_list=v1.trainable_variables("root/fp_tensor/"))
        with session() as sess:
            w = init_and_read(sess)
            for name in ("fp_false", "fp_tensor"):
                copy_scope(sess, w, "root/fp_true/", f"root/{name}/")
            want_true, want_false = sess.run([built["fp_true"], built["fp_false"]])
            got_true = sess.run(built["fp_tensor"], {flag: True})
            got_false = sess.run(built["fp_tensor"], {flag: False})
            sess.run(train, {flag: True})
            trained = v1.trainable_variables("root/fp_tensor/")
            moved = {v.op.name: value for v, value in zip(trained, sess.run(trained))}
    for got, want in [(got_true, want_true), (got_false, want_false)]:
        assert_outputs_close(got[0], want[0])
        assert_state_close(got[1], want[1])
    assert np.max(np.abs(np.stack(want_true[0]) - np.stack(want_false[0]))) > 1e-3
    # One training step through the cond moved every variable of the model.
    for name, value in moved.items():
        source = "root/fp_true/" + name[len("root/fp_tensor/"):]
        assert np.max(np.abs(value - w[source])) > 0, name


def test_one2many_feed_previous_variants():
    """one2many with a bool Tensor: one variable set, both behaviours, and (a TF
    1.15 quirk kept) gradients still flow into the fed-back embeddings."""
    rng = np.random.RandomState(14)
    enc_ids = random_ids(rng, E, T_ENC)
    go = np.zeros(BATCH, np.int32)
    dec_ids = [go] + random_ids(rng, D, T_DEC - 1)
    with tf.Graph().as_default():
        flag = v1.placeholder(tf.bool, [])
        dec = [v1.placeholder(tf.int32, [BATCH]) for _ in range(T_DEC)]
        with random_scope():
            built = {}
            for name, feed_previous in [("fp_true", True), ("fp_false", False),
                                        ("fp_tensor", flag)]:
                with v1.variable_scope(name):
                    built[name] = models.one2many_rnn_seq2seq(
                        const_ids(enc_ids), {"x": dec}, make_cell(("lstm", H)),
                        {"x": make_cell(("lstm", H))}, E, {"x": D}, S,
                        feed_previous=feed_previous)
        assert relative_table("root/fp_tensor/") == relative_table("root/fp_true/")
        assert relative_table("root/fp_false/") == relative_table("root/fp_true/")
        by_name = {v.op.name: v for v in v1.global_variables()}
        grads = {}
        for name in ("fp_true", "fp_tensor"):
            emb = by_name[f"root/{name}/one2many_rnn_seq2seq/one2many_decoder_x/"
                          "embedding_rnn_decoder/embedding"]
            loss = tf.add_n([tf.reduce_sum(o * o) for o in built[name][0]["x"]])
            grads[name] = tf.convert_to_tensor(tf.gradients(loss, emb)[0])
        with session() as sess:
            w = init_and_read(sess)
            for name in ("fp_false", "fp_tensor"):
                copy_scope(sess, w, "root/fp_true/", f"root/{name}/")
            feed = dict(zip(dec, dec_ids))
            zeros = dict(zip(dec, [go] * T_DEC))
            true_v, false_v, grad_true = sess.run(
                [built["fp_true"], built["fp_false"], grads["fp_true"]], feed)
            true_on_zeros = sess.run(built["fp_true"], zeros)
            tensor_true, grad_tensor = sess.run([built["fp_tensor"], grads["fp_tensor"]],
                                                {**zeros, flag: True})
            tensor_false = sess.run(built["fp_tensor"], {**feed, flag: False})
    # TF's "other" / "other_2" / "other_3": only the GO symbol matters.
    for outputs, states in (true_on_zeros, tensor_true):
        assert_outputs_close(outputs["x"], true_v[0]["x"])
        assert_state_close(states["x"], true_v[1]["x"])
    assert_outputs_close(tensor_false[0]["x"], false_v[0]["x"])
    assert_state_close(tensor_false[1]["x"], false_v[1]["x"])
    assert np.max(np.abs(np.stack(false_v[0]["x"]) - np.stack(true_v[0]["x"]))) > 1e-3
    np.testing.assert_allclose(grad_tensor, grad_true, atol=1e-6)
    fed_back = sorted(set(np.argmax(np.stack(true_v[0]["x"][:-1]), axis=2).ravel().tolist()))
    assert np.all(np.abs(grad_tensor[fed_back]).sum(axis=1) > 0)


@pytest.mark.parametrize("kind", ["rnn", "tied", "attention", "one2many"])
@pytest.mark.parametrize("bad,error,match", [
    (1, TypeError, "feed_previous"),
    ("yes", TypeError, "feed_previous"),
    ("float_tensor", TypeError, "feed_previous"),
    ("vector", ValueError, "scalar"),
])
def test_feed_previous_rejects_non_bools(kind, bad, error, match):
    with tf.Graph().as_default():
        if bad == "float_tensor":
            bad = tf.constant(1.0)
        elif bad == "vector":
            bad = tf.constant([True, False])
        enc = const_ids(random_ids(np.random.RandomState(0), E, 2))
        dec = const_ids(random_ids(np.random.RandomState(1), D, 2))
        with pytest.raises(error, match=match):
            if kind == "one2many":
                models.one2many_rnn_seq2seq(enc, {"x": dec}, make_cell(("gru", 2)),
                                            {"x": make_cell(("gru", 2))}, E, {"x": D}, S,
                                            feed_previous=bad)
            else:
                build_model(kind, enc, dec, make_cell(("gru", 2)), feed_previous=bad)


# ---------------------------------------------------------------------------
# Graphs, checkpoints and cell reuse
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["rnn", "tied", "attention"])
def test_training_checkpoint_restores_into_decoding_graph(kind, tmp_path):
    rng = np.random.RandomState(15)
    enc_ids = random_ids(rng, E, T_ENC)
    dec_ids = [np.zeros(BATCH, np.int32)] + random_ids(rng, D, T_DEC - 1)
    spec = ("multi", (("lstm", H), ("gru", H)))
    path = str(tmp_path / "model.ckpt")
    tables = {}
    for feed_previous in (False, True):
        with tf.Graph().as_default():
            v1.set_random_seed(99 + int(feed_previous))  # different initial weights
            outputs, state = build_model(kind, const_ids(enc_ids), const_ids(dec_ids),
                                         make_cell(spec), feed_previous)
            tables[feed_previous] = variable_table()
            saver = v1.train.Saver()
            with session() as sess:
                if not feed_previous:
                    w = init_and_read(sess, check_scope_initializer=False)
                    saver.save(sess, path)
                else:
                    saver.restore(sess, path)
                    restored = {v.op.name: value for v, value in zip(
                        v1.global_variables(), sess.run(v1.global_variables()))}
                    outs, st = sess.run([outputs, state])
    assert tables[True] == tables[False]
    for name, value in w.items():
        np.testing.assert_array_equal(restored[name], value)
    want = np_model(kind, w, MODEL_SCOPES[kind], spec, enc_ids, dec_ids, feed_previous=True)
    assert_outputs_close(outs, want[0])
    assert_state_close(st, want[1])


def _np_shared_multi(child, w, scope):
    """MultiRNNCell([cell] * n) in numpy: every layer uses cell_0's weights."""
    step = np_cell(child, w, scope + "multi_rnn_cell/cell_0/")

    def multi(x, state):
        new = []
        for sub in state:
            x, sub = step(x, sub)
            new.append(sub)
        return x, tuple(new)

    return multi


@pytest.mark.parametrize("kind", ["rnn", "attention"])
def test_same_cell_object_for_every_layer(kind):
    """MultiRNNCell([cell] * 2) shares one set of weights between the layers."""
    rng = np.random.RandomState(16)
    enc_ids = random_ids(rng, E, T_ENC)
    dec_ids = random_ids(rng, D, T_DEC)
    units = 3
    with tf.Graph().as_default():
        with random_scope():
            cell = rnn_cell.GRUCell(units)
            model = (models.embedding_attention_seq2seq if kind == "attention"
                     else models.embedding_rnn_seq2seq)
            # The embedding size equals `units`: both layers see inputs of that width.
            outputs, state = model(const_ids(enc_ids), const_ids(dec_ids),
                                   rnn_cell.MultiRNNCell([cell] * 2), E, D, units)
        names = [name for name, _ in variable_table()]
        with session() as sess:
            w = init_and_read(sess)
            outs, st = sess.run([outputs, state])
    assert not any("cell_1" in name for name in names)
    assert sum("cell_0/gru_cell/gates/kernel" in name for name in names) == 2  # enc + dec
    prefix = "root/" + MODEL_SCOPES[kind]
    zero = tuple(np.zeros((BATCH, units)) for _ in range(2))
    enc_scope = prefix + "rnn/embedding_wrapper/"
    enc_table = w[enc_scope + "embedding"]
    enc_outs, enc_state = np_static_rnn(_np_shared_multi(("gru", units), w, enc_scope),
                                        [enc_table[i] for i in enc_ids], zero)

    def opw(scope):
        inner = _np_shared_multi(("gru", units), w, scope + "output_projection_wrapper/")

        def step(x, s):
            out, s = inner(x, s)
            p = scope + "output_projection_wrapper/"
            return out @ w[p + "kernel"] + w[p + "bias"], s

        return step

    if kind == "rnn":
        scope = prefix + "embedding_rnn_decoder/"
        table = w[scope + "embedding"]
        want = np_rnn_decoder([table[i] for i in dec_ids], enc_state,
                              opw(scope + "rnn_decoder/"))
    else:
        scope = prefix + "embedding_attention_decoder/"
        table = w[scope + "embedding"]
        attn_scope = scope + "attention_decoder/"
        want = np_attention_decoder(w, attn_scope, [table[i] for i in dec_ids], enc_state,
                                    np.stack(enc_outs, axis=1), opw(attn_scope), 1)[:2]
    assert_outputs_close(outs, want[0])
    assert_state_close(st, want[1])


def test_same_cell_passed_to_every_bucket():
    """The same (already used) cell object again, under reuse, like model_with_buckets."""
    rng = np.random.RandomState(17)
    enc_ids = random_ids(rng, E, 4)
    dec_ids = random_ids(rng, D, 4)
    spec = ("multi", (("gru", H), ("lstm", H)))
    cell = make_cell(spec)
    with tf.Graph().as_default():
        with random_scope() as scope:
            small = models.embedding_attention_seq2seq(
                const_ids(enc_ids[:2]), const_ids(dec_ids[:3]), cell, E, D, S, num_heads=2)
            count = len(v1.global_variables())
            scope.reuse_variables()
            large = models.embedding_attention_seq2seq(
                const_ids(enc_ids), const_ids(dec_ids), cell, E, D, S, num_heads=2)
            assert len(v1.global_variables()) == count
        with session() as sess:
            w = init_and_read(sess)
            small_v, large_v = sess.run([small, large])
    prefix = "root/embedding_attention_seq2seq/"
    for (outs, st), n_enc, n_dec in [(small_v, 2, 3), (large_v, 4, 4)]:
        want = np_model("attention", w, prefix, spec, enc_ids[:n_enc], dec_ids[:n_dec],
                        heads=2)
        assert_outputs_close(outs, want[0])
        assert_state_close(st, want[1])


# ---------------------------------------------------------------------------
# dtypes
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind,dtype,feed_previous", [
    ("attention", tf.float16, True),
    ("attention", tf.float64, False),
    ("attention", tf.float64, True),
    ("rnn", tf.float16, True),
    ("tied", tf.float64, False),
])
def test_models_in_other_dtypes(kind, dtype, feed_previous):
    rng = np.random.RandomState(18)
    enc_ids = random_ids(rng, E, T_ENC)
    dec_ids = random_ids(rng, D, T_DEC)
    spec = ("lstm", H)
    with tf.Graph().as_default():
        with random_scope():
            outputs, state = build_model(kind, const_ids(enc_ids), const_ids(dec_ids),
                                         make_cell(spec), feed_previous, dtype=dtype)
        variables = v1.global_variables()
        assert {v.dtype.base_dtype for v in variables} == {dtype}
        assert {o.dtype for o in outputs} == {dtype}
        assert {s.dtype for s in tf.nest.flatten(state)} == {dtype}
        loss = tf.add_n([tf.reduce_sum(tf.sin(o)) for o in outputs])
        grads = [tf.convert_to_tensor(g) for g in tf.gradients(loss, variables)]
        with session() as sess:
            w = init_and_read(sess)
            outs, st = sess.run([outputs, state])
            if dtype == tf.float64 and not feed_previous:
                # Directional finite difference over every variable at once
                # (teacher forcing only: an argmax flip would be a jump).
                base = sess.run(variables)
                analytic = sess.run(grads)
                eps = 1e-3
                direction = [rng.normal(size=b.shape) for b in base]
                values = []
                for sign in (1, -1):
                    load_values(sess, {var: b + sign * eps * d
                                       for var, b, d in zip(variables, base, direction)})
                    values.append(sess.run(loss))
                numeric = (values[0] - values[1]) / (2 * eps)
                predicted = sum(np.sum(g * d) for g, d in zip(analytic, direction))
                assert abs(numeric - predicted) < 1e-3 * max(1.0, abs(predicted))
    w = {name: value.astype(np.float64) for name, value in w.items()}
    want = np_model(kind, w, "root/" + MODEL_SCOPES[kind], spec, enc_ids, dec_ids,
                    feed_previous)
    atol = 2e-2 if dtype == tf.float16 else ATOL
    assert_outputs_close([o.astype(np.float64) for o in outs], want[0], atol=atol)
    assert_state_close(tf.nest.map_structure(lambda x: x.astype(np.float64), st), want[1],
                       atol=atol)


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


def _call_model(kind, enc=None, dec=None, cell=None, **kwargs):
    """Calls model `kind` with small defaults for anything not given."""
    cell = make_cell(("gru", 2)) if cell is None else cell
    ids = kind not in ("basic", "tied_rnn")
    if enc is None:
        enc = ([tf.zeros([BATCH], tf.int32)] * 2 if ids else [tf.zeros([BATCH, 2])] * 2)
    if dec is None:
        dec = ([tf.zeros([BATCH], tf.int32)] * 2 if ids else [tf.zeros([BATCH, 2])] * 2)
    if kind == "basic":
        return models.basic_rnn_seq2seq(enc, dec, cell, **kwargs)
    if kind == "tied_rnn":
        return models.tied_rnn_seq2seq(enc, dec, cell, **kwargs)
    if kind == "one2many":
        return models.one2many_rnn_seq2seq(enc, {"x": dec}, cell, {"x": make_cell(("gru", 2))},
                                           E, {"x": D}, S, **kwargs)
    return build_model(kind, enc, dec, cell, **kwargs)


ALL_MODELS = ["basic", "tied_rnn", "rnn", "tied", "attention", "one2many"]


@pytest.mark.parametrize("kind", ["rnn", "tied", "attention"])
def test_bad_output_projection_shapes(kind):
    with tf.Graph().as_default():
        if kind == "rnn":
            projection = (tf.zeros([2, D + 1]), tf.zeros([D]))
        elif kind == "tied":
            # Checked against num_symbols even when num_decoder_symbols is set.
            projection = (tf.zeros([2, 3]), tf.zeros([3]))
        else:
            projection = (tf.zeros([2, D]), tf.zeros([D - 1]))
        kwargs = {"num_decoder_symbols": 3} if kind == "tied" else {}
        with pytest.raises(ValueError, match="incompatible"):
            _call_model(kind, output_projection=projection, **kwargs)


@pytest.mark.parametrize("kind", ALL_MODELS)
def test_batch_size_mismatch(kind):
    with tf.Graph().as_default():
        ids = kind not in ("basic", "tied_rnn")
        enc = [tf.zeros([2], tf.int32) if ids else tf.zeros([2, 2])] * 2
        dec = [tf.zeros([3], tf.int32) if ids else tf.zeros([3, 2])] * 2
        with pytest.raises(ValueError, match="batch size"):
            _call_model(kind, enc, dec)


@pytest.mark.parametrize("kind", ["rnn", "tied", "attention", "one2many"])
@pytest.mark.parametrize("where", ["encoder", "decoder"])
def test_float_ids_are_rejected(kind, where):
    with tf.Graph().as_default():
        floats = [tf.zeros([BATCH], tf.float32)] * 2
        kwargs = {"enc": floats} if where == "encoder" else {"dec": floats}
        with pytest.raises(TypeError, match="integer"):
            _call_model(kind, **kwargs)


@pytest.mark.parametrize("kind", ALL_MODELS)
def test_non_cells_are_rejected(kind):
    with tf.Graph().as_default():
        match = "enc_cell is not an RNNCell" if kind == "one2many" else "is not an RNNCell"
        with pytest.raises(TypeError, match=match):
            _call_model(kind, cell=[rnn_cell.GRUCell(2)])


def test_one2many_argument_checks():
    with tf.Graph().as_default():
        enc = [tf.zeros([BATCH], tf.int32)] * 2
        dec = {"x": [tf.zeros([BATCH], tf.int32)] * 2}
        cell = make_cell(("gru", 2))
        with pytest.raises(ValueError,
                           match="^keys of dec_cells_dict != keys of decodre_inputs_dict "):
            models.one2many_rnn_seq2seq(enc, dec, cell, {"y": make_cell(("gru", 2))}, E,
                                        {"x": D}, S)
        with pytest.raises(TypeError, match="^enc_cell is not an RNNCell: "):
            models.one2many_rnn_seq2seq(enc, dec, "cell", {"x": cell}, E, {"x": D}, S)
        with pytest.raises(TypeError, match="^dec_cell is not an RNNCell: "):
            models.one2many_rnn_seq2seq(enc, dec, cell, {"x": 3}, E, {"x": D}, S)
        with pytest.raises(ValueError, match="num_decoder_symbols_dict"):
            models.one2many_rnn_seq2seq(enc, dec, cell, {"x": make_cell(("gru", 2))}, E,
                                        {"z": D}, S)
        assert v1.global_variables() == []


def test_embedding_attention_seq2seq_needs_a_head():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="With less than 1 heads"):
            _call_model("attention", num_heads=0)
        assert v1.global_variables() == []


@pytest.mark.parametrize("kind", ALL_MODELS)
def test_models_refuse_eager_mode(kind):
    assert tf.executing_eagerly()
    with pytest.raises(RuntimeError, match="eager"):
        _call_model(kind)
