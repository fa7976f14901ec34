"""Deterministic model configurations whose numbers pin the baseline revision.

Every configuration is a function ``build(case)`` registered in `CONFIGS`. It
builds one model in the current (fresh) graph from the public API that already
existed at the baseline revision (the 13 functions of `legacy_seq2seq`, the
cells of `rnn_cell`, the drivers of `rnn`) and tells `case` what to fetch.
`run_config(name)` then sets every global variable to fixed values and runs it.

The numbers of every configuration were computed once with the baseline
revision (see make_baseline_numbers.py) and are compared with the current
library by test_baseline_numbers.py.

What one configuration fetches:
  * ``output/<i>``, ``state/<j>``: every output step and the flattened final
    state (each also feeds a "probe" loss, a fixed random linear functional);
  * ``attention/<k>``: the attention weights of the graph collection
    `ATTENTION_WEIGHTS_COLLECTION` (Python-bool `feed_previous` only: with a
    Tensor flag they live inside a conditional branch);
  * ``loss/<name>``: the model's losses (the per-bucket losses, the sequence
    losses) or, when it has none, the probe loss;
  * ``grad/<loss name>/<variable name>``: the gradient of each loss with
    respect to each trainable variable it reaches (dense, also for
    embeddings); a variable the loss does not reach has no entry.
A configuration with a bool placeholder `feed_previous` runs twice and its
keys start with ``feed_true/`` and ``feed_false/``.
"""

from __future__ import annotations

import copy
import functools
import zlib

import numpy as np
import tensorflow as tf

from legacy_seq2seq_compat import legacy_seq2seq, rnn, rnn_cell
from legacy_seq2seq_compat.decoders import ATTENTION_WEIGHTS_COLLECTION

_v1 = tf.compat.v1

BATCH = 3
ENC_VOCAB = 11
DEC_VOCAB = 13
EMBED = 5
UNITS = 6
INPUT_DEPTH = 4
WEIGHT_SCALE = 0.3

# Grappler off: the graph runs as the library built it, and the sessions start
# about twice as fast (the numbers agree with Grappler on within 1e-6).
SESSION_CONFIG = _v1.ConfigProto()
SESSION_CONFIG.graph_options.rewrite_options.disable_meta_optimizer = True

#: name -> build(case); filled by the `config` decorator, in definition order.
CONFIGS = {}


def config(name):
    """Registers the decorated builder under `name`."""

    def register(build):
        CONFIGS[name] = build
        return build

    return register


def seed_of(text):
    """A seed that depends only on `text` (stable across processes)."""
    return zlib.crc32(text.encode("utf-8"))


def static_shape(tensor):
    """The static shape as a list (None for unknown sizes), or None if rank is unknown."""
    shape = tensor.get_shape()
    if shape.rank is None:
        return None
    return shape.as_list()


class Case:
    """What one configuration builds: its feeds, fetches, losses and runs."""

    def __init__(self, name):
        self.name = name
        self.rng = np.random.RandomState(seed_of("inputs/" + name))
        self.feeds = {}
        self.fetches = {}
        self.shapes = {}
        self.probe_terms = []
        self.losses = {}
        self.runs = {"": {}}

    def ids(self, label, steps, vocab, static_batch=True):
        """`steps` int32 placeholders of symbol ids, fed with fixed random ids."""
        batch = BATCH if static_batch else None
        tensors = []
        for i in range(steps):
            tensor = _v1.placeholder(tf.int32, [batch], name=f"{label}{i}")
            self.feeds[tensor] = self.rng.randint(0, vocab, size=[BATCH]).astype(np.int32)
            tensors.append(tensor)
        return tensors

    def floats(self, label, steps, depth, static_batch=True):
        """`steps` float32 placeholders [batch, depth], fed with fixed random values."""
        batch = BATCH if static_batch else None
        tensors = []
        for i in range(steps):
            tensor = _v1.placeholder(tf.float32, [batch, depth], name=f"{label}{i}")
            self.feeds[tensor] = self.rng.uniform(-1.0, 1.0, [BATCH, depth]).astype(np.float32)
            tensors.append(tensor)
        return tensors

    def feed(self, tensor, value):
        """Feeds `value` to `tensor` in every run."""
        self.feeds[tensor] = value

    def bool_flag(self):
        """A bool placeholder run once fed True and once fed False."""
        flag = _v1.placeholder(tf.bool, [], name="feed_previous")
        self.runs = {"feed_true/": {flag: True}, "feed_false/": {flag: False}}
        return flag

    def fetch(self, key, tensor):
        """Fetches `tensor` under `key` and records its static shape."""
        tensor = tf.convert_to_tensor(tensor)
        self.fetches[key] = tensor
        self.shapes[key] = static_shape(tensor)

    def watch(self, prefix, structure):
        """Fetches every leaf of `structure` as ``<prefix>/<i>``; adds it to the probe loss."""
        for i, tensor in enumerate(tf.nest.flatten(structure)):
            self.fetch(f"{prefix}/{i}", tensor)
            depth = tensor.get_shape().as_list()[1:]
            probe = self.rng.uniform(-1.0, 1.0, [BATCH] + depth).astype(np.float32)
            self.probe_terms.append(tf.reduce_sum(tensor * probe))

    def watch_model(self, outputs, state):
        """Watches a model's outputs and final state."""
        self.watch("output", outputs)
        self.watch("state", state)

    def watch_attention(self):
        """Fetches the attention weights collected so far."""
        for i, weights in enumerate(_v1.get_collection(ATTENTION_WEIGHTS_COLLECTION)):
            self.fetch(f"attention/{i}", weights)

    def add_loss(self, name, loss):
        """Fetches `loss` and takes the gradients of its sum."""
        self.fetch(f"loss/{name}", loss)
        self.losses[name] = loss


def run_config(name):
    """Builds configuration `name` in a fresh graph, sets its weights and runs it.

    Returns:
      ``(arrays, info)``: a dict of fetch key -> numpy array (all runs) and
      a dict with ``variables`` (sorted [name, shape, trainable] triples) and
      ``shapes`` (fetch key -> static shape, outputs and losses only).
    """
    with tf.Graph().as_default():
        case = Case(name)
        CONFIGS[name](case)
        losses = case.losses or {"probe": tf.add_n(case.probe_terms)}
        if not case.losses:
            case.fetch("loss/probe", losses["probe"])
        shapes = dict(case.shapes)
        trainable = _v1.trainable_variables()
        for loss_name, loss in losses.items():
            grads = tf.gradients(tf.reduce_sum(loss), trainable)
            for variable, grad in zip(trainable, grads):
                if grad is not None:
                    key = f"grad/{loss_name}/{variable.op.name}"
                    case.fetches[key] = tf.convert_to_tensor(grad)
        variables = sorted(_v1.global_variables(), key=lambda v: v.op.name)
        trainable_names = {v.op.name for v in trainable}
        info = {
            "variables": [[v.op.name, v.get_shape().as_list(), v.op.name in trainable_names]
                          for v in variables],
            "shapes": shapes,
        }
        weights_rng = np.random.RandomState(seed_of("weights/" + name))
        weight_feeds = {}
        assigns = []
        for variable in variables:
            dtype = variable.dtype.base_dtype
            value = _v1.placeholder(dtype, variable.get_shape())
            shape = variable.get_shape().as_list()
            weight_feeds[value] = weights_rng.uniform(
                -WEIGHT_SCALE, WEIGHT_SCALE, shape).astype(dtype.as_numpy_dtype)
            assigns.append(_v1.assign(variable, value))
        arrays = {}
        with _v1.Session(config=SESSION_CONFIG) as session:
            session.run(assigns, feed_dict=weight_feeds)
            for run_label, run_feeds in case.runs.items():
                values = session.run(case.fetches, feed_dict={**case.feeds, **run_feeds})
                for key, value in values.items():
                    arrays[run_label + key] = np.asarray(value)
        return arrays, info


# --------------------------------------------------------------------------
# Cells and helpers.


class UserCell:
    """A user-written cell of the RNNCell protocol, not derived from RNNCell.

    ``h' = tanh(x W + h U + b)``; its variables are made with get_variable in
    the scope ``user_cell`` (or the one passed), so a library can only run it
    one step at a time.
    """

    def __init__(self, num_units):
        self._num_units = num_units

    @property
    def state_size(self):
        """Width of the state."""
        return self._num_units

    @property
    def output_size(self):
        """Width of the output (the new state)."""
        return self._num_units

    def zero_state(self, batch_size, dtype):
        """Zeros [batch_size, num_units]."""
        return tf.zeros([batch_size, self._num_units], dtype=dtype)

    def __call__(self, inputs, state, scope=None):
        """One step: returns (new_state, new_state)."""
        with _v1.variable_scope(scope or "user_cell"):
            depth = inputs.get_shape().as_list()[-1]
            w = _v1.get_variable("w", [depth, self._num_units], dtype=inputs.dtype)
            u = _v1.get_variable("u", [self._num_units, self._num_units], dtype=inputs.dtype)
            b = _v1.get_variable("b", [self._num_units], dtype=inputs.dtype)
            new_state = tf.tanh(tf.matmul(inputs, w) + tf.matmul(state, u) + b)
        return new_state, new_state


# Cells repeated in a MultiRNNCell, by kind: number of layers. Every layer's
# input must then have UNITS columns (embedding size UNITS).
REPEATED = {"gru3_repeated": 3, "lstm2_repeated": 2, "lstmcell2_repeated": 2}

# Clips of the LSTMCell configurations: small enough that some values reach them.
CELL_CLIP = 0.2
PROJ_CLIP = 0.04


def make_cell(kind):
    """A fresh cell of `kind` with UNITS units."""
    if kind == "gru1":
        return rnn_cell.GRUCell(UNITS)
    if kind == "gru2":
        return rnn_cell.MultiRNNCell([rnn_cell.GRUCell(UNITS) for _ in range(2)])
    if kind == "lstm1":
        return rnn_cell.BasicLSTMCell(UNITS)
    if kind == "lstm2":
        return rnn_cell.MultiRNNCell(
            [rnn_cell.BasicLSTMCell(UNITS, state_is_tuple=True) for _ in range(2)])
    if kind == "user":
        return UserCell(UNITS)
    if kind == "lstmcell2":
        # Peepholes, both clips, and a projection back to UNITS (from 8 units).
        return rnn_cell.MultiRNNCell(
            [rnn_cell.LSTMCell(8, use_peepholes=True, cell_clip=CELL_CLIP, num_proj=UNITS,
                               proj_clip=PROJ_CLIP, forget_bias=0.8) for _ in range(2)])
    if kind == "lstmcell2_repeated":
        # One LSTMCell (peepholes, cell clip, concatenated state) in both layers.
        cell = rnn_cell.LSTMCell(UNITS, use_peepholes=True, cell_clip=CELL_CLIP,
                                 state_is_tuple=False)
        return rnn_cell.MultiRNNCell([cell] * 2)
    if kind in REPEATED:
        # One cell object in every layer: one set of weights (TF 1.2 and later).
        cell = rnn_cell.GRUCell(UNITS) if kind.startswith("gru") else \
            rnn_cell.BasicLSTMCell(UNITS, forget_bias=0.5)
        return rnn_cell.MultiRNNCell([cell] * REPEATED[kind])
    if kind == "dropout2":
        return rnn_cell.MultiRNNCell(
            [rnn_cell.DropoutWrapper(rnn_cell.GRUCell(UNITS), input_keep_prob=1.0,
                                     output_keep_prob=1.0, state_keep_prob=1.0)
             for _ in range(2)])
    if kind == "dropout_keep_tensor2":
        # The usual `keep_prob` placeholder (fed 1.0 here, as when decoding).
        keep = _v1.placeholder(tf.float32, [], name="keep_prob")
        return rnn_cell.MultiRNNCell(
            [rnn_cell.DropoutWrapper(rnn_cell.BasicLSTMCell(UNITS), input_keep_prob=keep,
                                     output_keep_prob=keep, state_keep_prob=keep)
             for _ in range(2)])
    raise ValueError(kind)


def output_projection(vocab):
    """(W, b) to `vocab` symbols, W made as the translate tutorial does (transposed)."""
    w_t = _v1.get_variable("proj_w", [vocab, UNITS])
    b = _v1.get_variable("proj_b", [vocab])
    return tf.transpose(w_t), b


def feed_previous_value(case, feed):
    """The `feed_previous` argument: a Python bool, or a bool placeholder for "tensor"."""
    if feed == "tensor":
        return case.bool_flag()
    return feed


def linear_loop_function(out_depth, in_depth, seed):
    """A user loop function: ``tanh(prev M) + 0.1 i`` with a fixed matrix M."""
    matrix = np.random.RandomState(seed).uniform(-0.5, 0.5, [out_depth, in_depth])
    matrix = matrix.astype(np.float32)

    def loop_function(prev, i):
        return tf.tanh(tf.matmul(prev, matrix)) + 0.1 * i

    return loop_function


# --------------------------------------------------------------------------
# embedding_attention_seq2seq


def build_embedding_attention(case, cell_kind, feed, projected, num_heads=1,
                              initial_state_attention=False, enc_steps=3, dec_steps=4):
    """embedding_attention_seq2seq over fixed ids, outputs and state watched."""
    embedding_size = UNITS if cell_kind in REPEATED else EMBED
    encoder_inputs = case.ids("encoder", enc_steps, ENC_VOCAB)
    decoder_inputs = case.ids("decoder", dec_steps, DEC_VOCAB)
    projection = output_projection(DEC_VOCAB) if projected else None
    flag = feed_previous_value(case, feed)
    outputs, state = legacy_seq2seq.embedding_attention_seq2seq(
        encoder_inputs, decoder_inputs, make_cell(cell_kind), num_encoder_symbols=ENC_VOCAB,
        num_decoder_symbols=DEC_VOCAB, embedding_size=embedding_size, num_heads=num_heads,
        output_projection=projection, feed_previous=flag,
        initial_state_attention=initial_state_attention)
    case.watch_model(outputs, state)
    if feed != "tensor":
        case.watch_attention()


FEED_NAMES = {False: "feed_false", True: "feed_true", "tensor": "feed_tensor"}

# Every cell and projection with a Python-bool feed_previous; a bool Tensor
# (both decoders under a cond, the slowest to build) for two of them.
for _cell_kind in ("gru2", "lstm2", "gru1"):
    for _projected in (True, False):
        for _feed in (False, True, "tensor"):
            if _feed == "tensor" and (_cell_kind, _projected) not in (("gru2", True),
                                                                       ("lstm2", False)):
                continue
            _name = "/".join(["attention_seq2seq", _cell_kind,
                              "proj" if _projected else "noproj", FEED_NAMES[_feed]])
            config(_name)(functools.partial(build_embedding_attention, cell_kind=_cell_kind,
                                            feed=_feed, projected=_projected))


@config("attention_seq2seq/gru2/proj/heads2/feed_false")
def _(case):
    build_embedding_attention(case, "gru2", False, True, num_heads=2)


@config("attention_seq2seq/gru2/proj/heads2/feed_true")
def _(case):
    build_embedding_attention(case, "gru2", True, True, num_heads=2)


@config("attention_seq2seq/lstm2/noproj/initial_attention/feed_false")
def _(case):
    build_embedding_attention(case, "lstm2", False, False, initial_state_attention=True)


@config("attention_seq2seq/lstm2/noproj/initial_attention/feed_true")
def _(case):
    build_embedding_attention(case, "lstm2", True, False, initial_state_attention=True)


@config("attention_seq2seq/gru1/proj/heads2_initial_attention/feed_tensor")
def _(case):
    build_embedding_attention(case, "gru1", "tensor", True, num_heads=2,
                              initial_state_attention=True)


@config("attention_seq2seq/user_cell/noproj/feed_true")
def _(case):
    build_embedding_attention(case, "user", True, False)


@config("attention_seq2seq/lstm2_repeated/noproj/heads2/feed_true")
def _(case):
    build_embedding_attention(case, "lstm2_repeated", True, False, num_heads=2)


@config("attention_seq2seq/dropout_gru2/proj/feed_false")
def _(case):
    build_embedding_attention(case, "dropout2", False, True)


@config("attention_seq2seq/lstmcell2_peephole_clip_proj/proj/feed_false")
def _(case):
    build_embedding_attention(case, "lstmcell2", False, True)


@config("attention_seq2seq/lstmcell2_repeated_peephole_clip_concat/noproj/feed_true")
def _(case):
    build_embedding_attention(case, "lstmcell2_repeated", True, False)


@config("attention_seq2seq/dropout_keep_tensor_lstm2/noproj/feed_false")
def _(case):
    build_embedding_attention(case, "dropout_keep_tensor2", False, False)
    case.feed(_v1.get_default_graph().get_tensor_by_name("keep_prob:0"), np.float32(1.0))


# --------------------------------------------------------------------------
# model_with_buckets, the translate tutorial's way.

BUCKETS = [(3, 4), (5, 6)]


def build_buckets(case, cell_kind, projected, feed_previous=False):
    """model_with_buckets over embedding_attention_seq2seq, as in the translate tutorial.

    Placeholders have a dynamic batch size, the decoder has one more input
    than the last bucket and the targets are the decoder inputs shifted by
    one; with `projected` the loss is a plain softmax over ``x W + b``.
    """
    enc_len, dec_len = BUCKETS[-1]
    encoder_inputs = case.ids("encoder", enc_len, ENC_VOCAB, static_batch=False)
    decoder_inputs = case.ids("decoder", dec_len + 1, DEC_VOCAB, static_batch=False)
    weights = []
    for i in range(dec_len):
        weight = _v1.placeholder(tf.float32, [None], name=f"weight{i}")
        case.feed(weight, (case.rng.uniform(size=[BATCH]) < 0.8).astype(np.float32))
        weights.append(weight)
    targets = [decoder_inputs[i + 1] for i in range(dec_len)]
    softmax_loss_function = None
    projection = None
    if projected:
        projection = output_projection(DEC_VOCAB)
        w, b = projection

        def softmax_loss_function(labels, logits):
            return tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=labels, logits=tf.matmul(logits, w) + b)

    cell = make_cell(cell_kind)
    embedding_size = UNITS if cell_kind in REPEATED else EMBED

    def seq2seq(encoder, decoder):
        return legacy_seq2seq.embedding_attention_seq2seq(
            encoder, decoder, copy.deepcopy(cell), num_encoder_symbols=ENC_VOCAB,
            num_decoder_symbols=DEC_VOCAB, embedding_size=embedding_size,
            output_projection=projection, feed_previous=feed_previous)

    outputs, losses = legacy_seq2seq.model_with_buckets(
        encoder_inputs, decoder_inputs, targets, weights, BUCKETS, seq2seq,
        softmax_loss_function=softmax_loss_function)
    for j, (bucket_outputs, loss) in enumerate(zip(outputs, losses)):
        for i, output in enumerate(bucket_outputs):
            case.fetch(f"bucket{j}/output/{i}", output)
        case.add_loss(f"bucket{j}", loss)


@config("buckets/gru2/proj")
def _(case):
    build_buckets(case, "gru2", True)


@config("buckets/lstm2/proj")
def _(case):
    build_buckets(case, "lstm2", True)


@config("buckets/lstm2/proj/feed_true")
def _(case):
    build_buckets(case, "lstm2", True, feed_previous=True)


@config("buckets/gru3_repeated/proj")
def _(case):
    # The chatbot's shape: MultiRNNCell([GRUCell] * 3), a user loss function.
    build_buckets(case, "gru3_repeated", True)


@config("buckets/lstm2_repeated/default_loss")
def _(case):
    build_buckets(case, "lstm2_repeated", False)


@config("buckets/gru1/default_loss")
def _(case):
    build_buckets(case, "gru1", False)


# --------------------------------------------------------------------------
# The other seq2seq models.


def build_embedding_rnn(case, cell_kind, feed, projected):
    """embedding_rnn_seq2seq over fixed ids."""
    encoder_inputs = case.ids("encoder", 4, ENC_VOCAB)
    decoder_inputs = case.ids("decoder", 5, DEC_VOCAB)
    projection = output_projection(DEC_VOCAB) if projected else None
    outputs, state = legacy_seq2seq.embedding_rnn_seq2seq(
        encoder_inputs, decoder_inputs, make_cell(cell_kind), ENC_VOCAB, DEC_VOCAB, EMBED,
        output_projection=projection, feed_previous=feed_previous_value(case, feed))
    case.watch_model(outputs, state)


@config("embedding_rnn_seq2seq/gru2/proj/feed_false")
def _(case):
    build_embedding_rnn(case, "gru2", False, True)


@config("embedding_rnn_seq2seq/lstm2/noproj/feed_true")
def _(case):
    build_embedding_rnn(case, "lstm2", True, False)


@config("embedding_rnn_seq2seq/gru1/noproj/feed_tensor")
def _(case):
    build_embedding_rnn(case, "gru1", "tensor", False)


@config("embedding_rnn_seq2seq/gru2/proj/feed_true")
def _(case):
    build_embedding_rnn(case, "gru2", True, True)


@config("embedding_rnn_seq2seq/dropout_gru2/noproj/feed_false")
def _(case):
    build_embedding_rnn(case, "dropout2", False, False)


def build_embedding_tied(case, cell_kind, feed, projected, num_decoder_symbols=None):
    """embedding_tied_rnn_seq2seq over fixed ids (one vocabulary of DEC_VOCAB)."""
    encoder_inputs = case.ids("encoder", 4, DEC_VOCAB)
    decoder_inputs = case.ids("decoder", 5, num_decoder_symbols or DEC_VOCAB)
    projection = output_projection(DEC_VOCAB) if projected else None
    outputs, state = legacy_seq2seq.embedding_tied_rnn_seq2seq(
        encoder_inputs, decoder_inputs, make_cell(cell_kind), DEC_VOCAB, EMBED,
        num_decoder_symbols=num_decoder_symbols, output_projection=projection,
        feed_previous=feed_previous_value(case, feed))
    case.watch_model(outputs, state)


@config("embedding_tied_rnn_seq2seq/gru1/noproj/feed_false")
def _(case):
    build_embedding_tied(case, "gru1", False, False)


@config("embedding_tied_rnn_seq2seq/gru1/noproj/decoder_symbols/feed_true")
def _(case):
    build_embedding_tied(case, "gru1", True, False, num_decoder_symbols=ENC_VOCAB)


@config("embedding_tied_rnn_seq2seq/lstm2/proj/feed_true")
def _(case):
    build_embedding_tied(case, "lstm2", True, True)


@config("embedding_tied_rnn_seq2seq/gru2/noproj/feed_tensor")
def _(case):
    build_embedding_tied(case, "gru2", "tensor", False)


@config("basic_rnn_seq2seq/lstm2")
def _(case):
    encoder_inputs = case.floats("encoder", 4, INPUT_DEPTH)
    decoder_inputs = case.floats("decoder", 5, INPUT_DEPTH)
    outputs, state = legacy_seq2seq.basic_rnn_seq2seq(
        encoder_inputs, decoder_inputs, make_cell("lstm2"))
    case.watch_model(outputs, state)


@config("tied_rnn_seq2seq/gru1")
def _(case):
    encoder_inputs = case.floats("encoder", 4, UNITS)
    decoder_inputs = case.floats("decoder", 5, UNITS)
    outputs, state = legacy_seq2seq.tied_rnn_seq2seq(
        encoder_inputs, decoder_inputs, make_cell("gru1"))
    case.watch_model(outputs, state)


@config("tied_rnn_seq2seq/gru1/user_loop_function")
def _(case):
    encoder_inputs = case.floats("encoder", 4, UNITS)
    decoder_inputs = case.floats("decoder", 5, UNITS)
    outputs, state = legacy_seq2seq.tied_rnn_seq2seq(
        encoder_inputs, decoder_inputs, make_cell("gru1"),
        loop_function=linear_loop_function(UNITS, UNITS, 7))
    case.watch_model(outputs, state)


def build_one2many(case, feed):
    """one2many_rnn_seq2seq with two decoders of different lengths and vocabularies."""
    encoder_inputs = case.ids("encoder", 4, ENC_VOCAB)
    decoder_inputs = {"a": case.ids("decoder_a", 3, 12), "b": case.ids("decoder_b", 5, 13)}
    dec_cells = {"a": rnn_cell.GRUCell(UNITS), "b": rnn_cell.GRUCell(UNITS)}
    outputs, states = legacy_seq2seq.one2many_rnn_seq2seq(
        encoder_inputs, decoder_inputs, rnn_cell.GRUCell(UNITS), dec_cells, ENC_VOCAB,
        {"a": 12, "b": 13}, EMBED, feed_previous=feed_previous_value(case, feed))
    for key in ("a", "b"):
        case.watch(f"{key}/output", outputs[key])
        case.watch(f"{key}/state", states[key])


@config("one2many_rnn_seq2seq/feed_false")
def _(case):
    build_one2many(case, False)


@config("one2many_rnn_seq2seq/feed_true")
def _(case):
    build_one2many(case, True)


@config("one2many_rnn_seq2seq/feed_tensor")
def _(case):
    build_one2many(case, "tensor")


# --------------------------------------------------------------------------
# The decoders, called directly.


def attention_inputs(case, length=4, static_length=True, size=UNITS):
    """Fixed attention states [batch, length, size] and a fixed initial state."""
    attention_states = _v1.placeholder(
        tf.float32, [BATCH, length if static_length else None, size], name="attention_states")
    case.feed(attention_states, case.rng.uniform(-1.0, 1.0, [BATCH, length, size])
              .astype(np.float32))
    initial_state = case.floats("initial_state", 1, UNITS)[0]
    return attention_states, initial_state


def build_attention_decoder(case, num_heads=1, initial_state_attention=False,
                            static_length=True, loop_function=None):
    """attention_decoder over float inputs with a GRUCell and output_size 7."""
    attention_states, initial_state = attention_inputs(case, static_length=static_length)
    decoder_inputs = case.floats("decoder", 5, INPUT_DEPTH)
    outputs, state = legacy_seq2seq.attention_decoder(
        decoder_inputs, initial_state, attention_states, make_cell("gru1"), output_size=7,
        num_heads=num_heads, loop_function=loop_function,
        initial_state_attention=initial_state_attention)
    case.watch_model(outputs, state)
    case.watch_attention()


@config("attention_decoder/gru1")
def _(case):
    build_attention_decoder(case)


@config("attention_decoder/gru1/heads2_initial_attention")
def _(case):
    build_attention_decoder(case, num_heads=2, initial_state_attention=True)


@config("attention_decoder/gru1/dynamic_length")
def _(case):
    build_attention_decoder(case, static_length=False)


@config("attention_decoder/gru1/user_loop_function")
def _(case):
    build_attention_decoder(case, num_heads=2,
                            loop_function=linear_loop_function(7, INPUT_DEPTH, 11))


def build_embedding_attention_decoder(case, cell_kind, feed, projected, update=True):
    """embedding_attention_decoder over fixed ids and attention states."""
    attention_states, _ = attention_inputs(case)
    cell = make_cell(cell_kind)
    initial_state = cell.zero_state(BATCH, tf.float32)
    decoder_inputs = case.ids("decoder", 5, DEC_VOCAB)
    projection = output_projection(DEC_VOCAB) if projected else None
    if not projected:
        cell = rnn_cell.OutputProjectionWrapper(cell, DEC_VOCAB)
    outputs, state = legacy_seq2seq.embedding_attention_decoder(
        decoder_inputs, initial_state, attention_states, cell, DEC_VOCAB, EMBED,
        output_projection=projection, feed_previous=feed, update_embedding_for_previous=update)
    case.watch_model(outputs, state)
    case.watch_attention()


@config("embedding_attention_decoder/lstm2/proj/feed_true")
def _(case):
    build_embedding_attention_decoder(case, "lstm2", True, True)


@config("embedding_attention_decoder/gru1/noproj/feed_true/no_update")
def _(case):
    build_embedding_attention_decoder(case, "gru1", True, False, update=False)


def build_embedding_rnn_decoder(case, cell_kind, feed, projected, update=True):
    """embedding_rnn_decoder over fixed ids from a fixed initial state."""
    cell = make_cell(cell_kind)
    initial_state = tf.nest.map_structure(
        lambda size: case.floats("initial_state", 1, size)[0], cell.state_size)
    decoder_inputs = case.ids("decoder", 5, DEC_VOCAB)
    projection = output_projection(DEC_VOCAB) if projected else None
    if not projected:
        cell = rnn_cell.OutputProjectionWrapper(cell, DEC_VOCAB)
    outputs, state = legacy_seq2seq.embedding_rnn_decoder(
        decoder_inputs, initial_state, cell, DEC_VOCAB, EMBED, output_projection=projection,
        feed_previous=feed, update_embedding_for_previous=update)
    case.watch_model(outputs, state)


@config("embedding_rnn_decoder/gru2/proj/feed_true")
def _(case):
    build_embedding_rnn_decoder(case, "gru2", True, True)


@config("embedding_rnn_decoder/lstm1/noproj/feed_true/no_update")
def _(case):
    build_embedding_rnn_decoder(case, "lstm1", True, False, update=False)


def build_rnn_decoder(case, cell_kind, loop_function=None):
    """rnn_decoder over float inputs from a fixed initial state."""
    cell = make_cell(cell_kind)
    initial_state = tf.nest.map_structure(
        lambda size: case.floats("initial_state", 1, size)[0], cell.state_size)
    decoder_inputs = case.floats("decoder", 5, UNITS)
    outputs, state = legacy_seq2seq.rnn_decoder(decoder_inputs, initial_state, cell,
                                                loop_function=loop_function)
    case.watch_model(outputs, state)


@config("rnn_decoder/lstm2")
def _(case):
    build_rnn_decoder(case, "lstm2")


@config("rnn_decoder/gru1/user_loop_function")
def _(case):
    build_rnn_decoder(case, "gru1", loop_function=linear_loop_function(UNITS, UNITS, 5))


@config("rnn_decoder/user_cell")
def _(case):
    build_rnn_decoder(case, "user")


# --------------------------------------------------------------------------
# The static RNN drivers.

SEQUENCE_LENGTH = np.array([4, 2, 0], dtype=np.int32)


def build_static_rnn(case, cell, with_length):
    """static_rnn over 4 float steps, optionally with SEQUENCE_LENGTH."""
    inputs = case.floats("input", 4, INPUT_DEPTH)
    lengths = SEQUENCE_LENGTH if with_length else None
    outputs, state = rnn.static_rnn(cell, inputs, dtype=tf.float32, sequence_length=lengths)
    case.watch_model(outputs, state)


@config("static_rnn/gru1")
def _(case):
    build_static_rnn(case, make_cell("gru1"), False)


@config("static_rnn/gru1/sequence_length")
def _(case):
    build_static_rnn(case, make_cell("gru1"), True)


@config("static_rnn/lstm_peephole_proj/sequence_length")
def _(case):
    cell = rnn_cell.LSTMCell(UNITS, use_peepholes=True, num_proj=4)
    build_static_rnn(case, cell, True)


@config("static_rnn/lstmcell_clip_proj_clip_concat")
def _(case):
    cell = rnn_cell.LSTMCell(UNITS, cell_clip=CELL_CLIP, num_proj=4, proj_clip=PROJ_CLIP,
                             state_is_tuple=False)
    build_static_rnn(case, cell, False)


@config("static_rnn/gru3_repeated")
def _(case):
    inputs = case.floats("input", 4, UNITS)
    outputs, state = rnn.static_rnn(make_cell("gru3_repeated"), inputs, dtype=tf.float32)
    case.watch_model(outputs, state)


@config("static_rnn/lstm2_repeated/sequence_length")
def _(case):
    inputs = case.floats("input", 4, UNITS)
    outputs, state = rnn.static_rnn(make_cell("lstm2_repeated"), inputs, dtype=tf.float32,
                                    sequence_length=SEQUENCE_LENGTH)
    case.watch_model(outputs, state)


@config("static_rnn/user_cell")
def _(case):
    build_static_rnn(case, make_cell("user"), False)


@config("static_rnn/user_cell/sequence_length")
def _(case):
    build_static_rnn(case, make_cell("user"), True)


@config("static_rnn/dropout_keep_1")
def _(case):
    cell = rnn_cell.DropoutWrapper(rnn_cell.BasicLSTMCell(UNITS), input_keep_prob=1.0,
                                   output_keep_prob=1.0, state_keep_prob=1.0)
    build_static_rnn(case, cell, False)


@config("static_rnn/dropout_keep_tensor_1/sequence_length")
def _(case):
    keep = _v1.placeholder_with_default(1.0, [], name="keep_prob")
    cell = rnn_cell.DropoutWrapper(rnn_cell.GRUCell(UNITS), input_keep_prob=keep,
                                   output_keep_prob=keep)
    build_static_rnn(case, cell, True)


def build_bidirectional(case, with_length):
    """static_bidirectional_rnn with two BasicLSTMCells over 4 float steps."""
    inputs = case.floats("input", 4, INPUT_DEPTH)
    lengths = SEQUENCE_LENGTH if with_length else None
    outputs, state_fw, state_bw = rnn.static_bidirectional_rnn(
        rnn_cell.BasicLSTMCell(UNITS), rnn_cell.BasicLSTMCell(UNITS - 1), inputs,
        dtype=tf.float32, sequence_length=lengths)
    case.watch("output", outputs)
    case.watch("state_fw", state_fw)
    case.watch("state_bw", state_bw)


@config("static_bidirectional_rnn/lstm1")
def _(case):
    build_bidirectional(case, False)


@config("static_bidirectional_rnn/lstm1/sequence_length")
def _(case):
    build_bidirectional(case, True)


@config("static_bidirectional_rnn/gru2/sequence_length")
def _(case):
    inputs = case.floats("input", 4, INPUT_DEPTH)
    outputs, state_fw, state_bw = rnn.static_bidirectional_rnn(
        make_cell("gru2"), make_cell("gru2"), inputs, dtype=tf.float32,
        sequence_length=SEQUENCE_LENGTH)
    case.watch("output", outputs)
    case.watch("state_fw", state_fw)
    case.watch("state_bw", state_bw)


# --------------------------------------------------------------------------
# The sequence losses (logits are variables, so they have gradients).


def loss_inputs(case, steps=4):
    """Logits variables, fixed int targets and fixed 0/1 weights for `steps` steps."""
    logits = [_v1.get_variable(f"logits{i}", [BATCH, DEC_VOCAB]) for i in range(steps)]
    targets = [tf.constant(case.rng.randint(0, DEC_VOCAB, [BATCH]).astype(np.int32))
               for _ in range(steps)]
    weights = [tf.constant((case.rng.uniform(size=[BATCH]) < 0.7).astype(np.float32) + 0.5)
               for _ in range(steps)]
    return logits, targets, weights


def scaled_softmax_loss(labels, logits):
    """A plain user loss: softmax cross-entropy of logits scaled by 2."""
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=2.0 * logits)


@config("sequence_loss/default")
def _(case):
    case.add_loss("loss", legacy_seq2seq.sequence_loss(*loss_inputs(case)))


@config("sequence_loss/no_averaging")
def _(case):
    case.add_loss("loss", legacy_seq2seq.sequence_loss(
        *loss_inputs(case), average_across_timesteps=False, average_across_batch=False))


@config("sequence_loss/user_loss_function")
def _(case):
    case.add_loss("loss", legacy_seq2seq.sequence_loss(
        *loss_inputs(case), softmax_loss_function=scaled_softmax_loss))


@config("sequence_loss_by_example/default")
def _(case):
    case.add_loss("loss", legacy_seq2seq.sequence_loss_by_example(*loss_inputs(case)))


@config("sequence_loss_by_example/no_time_averaging")
def _(case):
    case.add_loss("loss", legacy_seq2seq.sequence_loss_by_example(
        *loss_inputs(case), average_across_timesteps=False))
