"""Property: for any valid model the engine gives the step-by-step graph's numbers.

Hypothesis draws a model configuration: the public function, the cell and its
wrappers, the layers, the sizes (units, batch, input depth, static or unknown
batch), the sequence and bucket lengths, the attention heads, the output
projection, the `feed_previous` kind and the loss function. Each configuration
is built twice in fresh graphs, once by default (the engine) and once inside
`fastpath.stepwise()`; both graphs must create the same variables (names,
shapes, order), and, with the same weights (drawn per variable name) and the
same fed inputs, give the same outputs, final states, losses and gradients of
every trainable variable within 1e-5.

Which calls take the fast path is checked against `EXPECTED_FAST`: one entry
per feature, True where the engine is meant to cover it today. A call whose
features are all expected fast must be reported fast (`fastpath.used` is True
when all calls are); any other must be reported step by step with a reason.
A feature the engine stops covering is set False here (the numbers must
match either way).

The examples are derandomized (CI sees the same ones every time) and tiny, so
that the default run stays under a minute of CPU: the simplest configuration
of every function (the draws are ordered so that it has two steps, an unknown
batch size, two heads and a user loss) and three drawn among all functions.
`test_engine_matches_stepwise_many` draws five per function at full size
(lengths up to 6, up to 3 layers) and is marked slow. The end of the file has unit tests of small
`_engine` helpers that tests/test_fastpath.py does not reach.
"""

import copy
import logging
import zlib

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legacy_seq2seq_compat import _engine, fastpath, legacy_seq2seq, rnn, rnn_cell
from legacy_seq2seq_compat.decoders import ATTENTION_WEIGHTS_COLLECTION

v1 = tf.compat.v1
TOL = 1e-5
VOCAB = 7
LOSS = _engine.LOSS_FUNCTION

# -- what the engine is expected to run on its fast path --------------------------------
#
# One entry per feature a configuration can have. A call (a static_rnn, a decoder, a
# sequence loss with a user function) is expected fast when all its features are True.
# Every feature drawn here is covered today; an entry set to False makes the test expect
# (and check) the step-by-step path with a reason for calls that have it.
EXPECTED_FAST = {
    # cells
    "GRUCell": True,
    "BasicLSTMCell": True,
    "LSTMCell": True,
    "LSTMCell(use_peepholes=True)": True,
    "LSTMCell(num_proj=...)": True,
    "LSTMCell(cell_clip=...)": True,
    "LSTM state_is_tuple=False": True,
    # wrappers
    "MultiRNNCell": True,
    "MultiRNNCell of one cell object repeated": True,
    "DropoutWrapper, constant keep 1.0": True,
    "DropoutWrapper, placeholder keep fed 1.0": True,
    "OutputProjectionWrapper": True,
    "EmbeddingWrapper": True,
    # calls
    "static_rnn": True,
    "static_rnn sequence_length": True,
    "attention_decoder": True,
    "attention_decoder num_heads=2": True,
    "attention_decoder feed_previous=True (argmax feedback)": True,
    "rnn_decoder": True,
    "rnn_decoder feed_previous=True (argmax feedback)": True,
    "feed_previous bool Tensor": True,
    "unknown batch size": True,
    "user softmax_loss_function": True,
}

FUNCTIONS = ("static_rnn", "static_bidirectional_rnn", "attention_decoder",
             "embedding_attention_seq2seq", "embedding_rnn_seq2seq", "basic_rnn_seq2seq",
             "model_with_buckets", "sequence_loss", "sequence_loss_by_example")

# Functions whose cell may carry the user's own Output/EmbeddingWrapper (the embedding
# models add theirs).
OWN_OUTPUT_WRAPPER = ("static_rnn", "static_bidirectional_rnn", "attention_decoder",
                      "basic_rnn_seq2seq")
OWN_EMBEDDING_WRAPPER = ("static_rnn", "static_bidirectional_rnn")


# -- configurations -----------------------------------------------------------------------


@st.composite
def cell_specs(draw, function, max_layers):
    """A valid cell description (a dict) for `function`."""
    kind = draw(st.sampled_from(["gru", "basic_lstm", "lstm"]))
    spec = {"kind": kind, "units": draw(st.integers(2, 6)), "tuple": True,
            "peepholes": False, "num_proj": None, "cell_clip": None}
    if kind != "gru":
        spec["tuple"] = draw(st.booleans())
    if kind == "lstm":
        spec["peepholes"] = draw(st.booleans())
        spec["num_proj"] = draw(st.sampled_from([None, 2, 3]))
        spec["cell_clip"] = draw(st.sampled_from([None, 0.4]))
    # None: no MultiRNNCell.
    spec["layers"] = draw(st.sampled_from([n for n in (None, 2, 1, 3) if n is None or
                                           n <= max_layers]))
    spec["repeated"] = spec["layers"] is not None and spec["layers"] > 1 and draw(st.booleans())
    spec["dropout"] = draw(st.sampled_from([None, "constant", "placeholder"]))
    spec["dropout_outside"] = draw(st.booleans())  # around the stack, or around each layer
    spec["output_wrapper"] = None
    if function in OWN_OUTPUT_WRAPPER and draw(st.booleans()):
        spec["output_wrapper"] = draw(st.integers(2, 5))
    spec["embedding_wrapper"] = function in OWN_EMBEDDING_WRAPPER and draw(st.booleans())
    return spec


def cell_output_size(spec):
    return spec["num_proj"] or spec["units"]


@st.composite
def configs(draw, function=None, max_steps=6, max_layers=3):
    """A valid configuration (a dict) of `function` (drawn when None).

    The lists are ordered so that Hypothesis's simplest example (the first
    values) is a small model with something to check: two steps, unknown
    batch size, two attention heads, a user loss function.
    """
    if function is None:
        function = draw(st.sampled_from(FUNCTIONS))
    lengths = st.sampled_from([n for n in (2, 1, 3, 4, 5, 6) if n <= max_steps])
    config = {
        "function": function,
        "seed": draw(st.integers(0, 2 ** 16)),
        "batch": draw(st.sampled_from([2, 1, 3])),
        "static_batch": draw(st.booleans()),
        "depth": draw(st.sampled_from([3, 1, 2, 4, 5])),
        "steps": draw(lengths),
        "loss": draw(st.sampled_from(["crossent", None, "squared"])),
    }
    if function.startswith("sequence_loss"):
        config["average_across_timesteps"] = draw(st.booleans())
        config["average_across_batch"] = draw(st.booleans())
        return config
    spec = draw(cell_specs(function, max_layers))
    config["cell"] = spec
    if spec["repeated"]:
        # Every layer of a repeated cell reads an input of its output size.
        config["depth"] = cell_output_size(spec)
    if function in ("static_rnn", "static_bidirectional_rnn"):
        config["sequence_length"] = draw(st.booleans())
    if function not in ("static_rnn", "static_bidirectional_rnn"):
        config["decoder_steps"] = draw(lengths)
    if function in ("attention_decoder", "embedding_attention_seq2seq", "model_with_buckets"):
        config["num_heads"] = draw(st.sampled_from([2, 1]))
        config["initial_state_attention"] = draw(st.booleans())
    if function == "attention_decoder":
        config["attn_size"] = draw(st.integers(1, 5))
        config["output_size"] = draw(st.sampled_from([None, 3]))
    if function in ("embedding_attention_seq2seq", "embedding_rnn_seq2seq",
                    "model_with_buckets"):
        config["projection"] = draw(st.booleans())
        config["feed_previous"] = draw(st.sampled_from([False, True, "tensor"]))
        config["feed_previous_value"] = draw(st.booleans())
    if function == "model_with_buckets":
        first = (draw(lengths), draw(lengths))
        second = (draw(st.integers(first[0], max_steps)),
                  draw(st.integers(first[1], max_steps)))
        config["buckets"] = [first, second] if draw(st.booleans()) else [first]
        config["per_example_loss"] = draw(st.booleans())
        if config["projection"] and config["loss"] is None:
            config["loss"] = "crossent"  # projected outputs need the user's loss
    return config


# -- building -----------------------------------------------------------------------------


class Build:
    """One graph's build: feeds, fetched tensors and the calls that chose a path."""

    def __init__(self, config):
        self.config = config
        self.rng = np.random.RandomState(config["seed"])
        self.feeds = {}
        self.fetches = []
        self.sites = []  # (decider, steps, features)

    @property
    def batch_dim(self):
        return self.config["batch"] if self.config["static_batch"] else None

    def base_features(self):
        return set() if self.config["static_batch"] else {"unknown batch size"}

    def placeholder(self, value, dtype, name):
        """A placeholder fed with `value`; its batch dimension is unknown when so drawn."""
        value = np.asarray(value)
        shape = list(value.shape)
        if shape:
            shape[0] = self.batch_dim
        holder = v1.placeholder(dtype, shape, name=name)
        self.feeds[holder.name] = value
        return holder

    def floats(self, steps, depth, name):
        return [self.placeholder(self.rng.uniform(-1, 1, (self.config["batch"], depth)),
                                 tf.float32, f"{name}{t}") for t in range(steps)]

    def ids(self, steps, name):
        return [self.placeholder(self.rng.randint(0, VOCAB, self.config["batch"]), tf.int32,
                                 f"{name}{t}") for t in range(steps)]

    def feed_previous(self):
        kind = self.config["feed_previous"]
        if kind != "tensor":
            return kind
        holder = v1.placeholder(tf.bool, [], name="feed_previous")
        self.feeds[holder.name] = self.config["feed_previous_value"]
        return holder

    def decoder_sites(self, decider, steps, features):
        """The decoder calls a `feed_previous` kind builds (both branches for a Tensor)."""
        kind = self.config.get("feed_previous", False)
        if kind == "tensor":
            features = features | {"feed_previous bool Tensor"}
            flags = [True, False]
        else:
            flags = [kind]
        feedback = f"{decider} feed_previous=True (argmax feedback)"
        for flag in flags:
            self.sites.append((decider, steps, features | ({feedback} if flag else set())))

    def keep_prob(self):
        if self.config["cell"]["dropout"] == "constant":
            return 1.0
        name = "keep_prob"
        if name + ":0" not in self.feeds:
            holder = v1.placeholder(tf.float32, [], name=name)
            self.feeds[holder.name] = 1.0
        return v1.get_default_graph().get_tensor_by_name(name + ":0")

    def dropout(self, cell):
        keep = self.keep_prob()
        return rnn_cell.DropoutWrapper(cell, input_keep_prob=keep, output_keep_prob=keep,
                                       state_keep_prob=keep)

    def cell(self):
        """A fresh cell of the drawn kind and wrappers, and its features."""
        spec = self.config["cell"]
        features = self.base_features()
        units = spec["units"]

        def one():
            if spec["kind"] == "gru":
                return rnn_cell.GRUCell(units)
            if spec["kind"] == "basic_lstm":
                return rnn_cell.BasicLSTMCell(units, forget_bias=0.5,
                                              state_is_tuple=spec["tuple"])
            return rnn_cell.LSTMCell(units, use_peepholes=spec["peepholes"],
                                     cell_clip=spec["cell_clip"], num_proj=spec["num_proj"],
                                     forget_bias=0.5, state_is_tuple=spec["tuple"])

        features.add({"gru": "GRUCell", "basic_lstm": "BasicLSTMCell",
                      "lstm": "LSTMCell"}[spec["kind"]])
        if not spec["tuple"]:
            features.add("LSTM state_is_tuple=False")
        if spec["peepholes"]:
            features.add("LSTMCell(use_peepholes=True)")
        if spec["num_proj"]:
            features.add("LSTMCell(num_proj=...)")
        if spec["cell_clip"]:
            features.add("LSTMCell(cell_clip=...)")
        dropout_inside = spec["dropout"] is not None and not spec["dropout_outside"]
        if spec["layers"] is None:
            cell = self.dropout(one()) if dropout_inside else one()
        else:
            features.add("MultiRNNCell")
            if spec["repeated"]:
                features.add("MultiRNNCell of one cell object repeated")
                shared = self.dropout(one()) if dropout_inside else one()
                layers = [shared] * spec["layers"]
            else:
                layers = [self.dropout(one()) if dropout_inside else one()
                          for _ in range(spec["layers"])]
            cell = rnn_cell.MultiRNNCell(layers)
        if spec["dropout"] is not None:
            features.add("DropoutWrapper, constant keep 1.0" if spec["dropout"] == "constant"
                         else "DropoutWrapper, placeholder keep fed 1.0")
            if spec["dropout_outside"]:
                cell = self.dropout(cell)
        if spec["output_wrapper"]:
            features.add("OutputProjectionWrapper")
            cell = rnn_cell.OutputProjectionWrapper(cell, spec["output_wrapper"])
        if spec["embedding_wrapper"]:
            features.add("EmbeddingWrapper")
            cell = rnn_cell.EmbeddingWrapper(cell, VOCAB, self.config["depth"])
        return cell, features

    def loss_function(self, projection=None):
        kind = self.config["loss"]
        if kind is None:
            return None

        def project(logits):
            if projection is None:
                return logits
            return tf.matmul(logits, projection[0]) + projection[1]

        if kind == "crossent":
            return lambda labels, logits: tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=labels, logits=project(logits))

        def squared(labels, logits):
            logits = project(logits)
            return tf.reduce_sum(tf.square(tf.nn.softmax(logits) -
                                           tf.one_hot(labels, tf.shape(logits)[1])), 1)
        return squared

    def add_loss_site(self, steps):
        if self.config["loss"] is not None:
            self.sites.append((LOSS, steps, {"user softmax_loss_function"}))

    def outputs(self, outputs, state=None):
        self.fetches.append(tf.stack(outputs))
        if state is not None:
            self.fetches.extend(tf.nest.flatten(state))


def build_static_rnn(b):
    config = b.config
    steps = config["steps"]
    cell, features = b.cell()
    embedded = config["cell"]["embedding_wrapper"]
    inputs = b.ids(steps, "x") if embedded else b.floats(steps, config["depth"], "x")
    lengths = None
    if config["sequence_length"]:
        lengths = b.placeholder(b.rng.randint(0, steps + 1, config["batch"]), tf.int32, "lengths")
        features = features | {"static_rnn sequence_length"}
    features = features | {"static_rnn"}
    if config["function"] == "static_rnn":
        outputs, state = rnn.static_rnn(cell, inputs, dtype=tf.float32, sequence_length=lengths)
        b.outputs(outputs, state)
        b.sites.append(("static_rnn", steps, features))
        return
    backward, _ = b.cell()
    outputs, state_fw, state_bw = rnn.static_bidirectional_rnn(
        cell, backward, inputs, dtype=tf.float32, sequence_length=lengths)
    b.outputs(outputs, (state_fw, state_bw))
    b.sites += [("static_rnn", steps, features)] * 2


def build_attention_decoder(b):
    config = b.config
    steps, heads = config["decoder_steps"], config["num_heads"]
    cell, features = b.cell()
    inputs = b.floats(steps, config["depth"], "x")
    states = b.placeholder(b.rng.uniform(-1, 1, (config["batch"], config["steps"],
                                                 config["attn_size"])), tf.float32, "states")
    batch = config["batch"] if config["static_batch"] else tf.shape(inputs[0])[0]
    initial = tf.nest.map_structure(lambda z: z + 0.25, cell.zero_state(batch, tf.float32))
    outputs, state = legacy_seq2seq.attention_decoder(
        inputs, initial, states, cell, output_size=config["output_size"], num_heads=heads,
        initial_state_attention=config["initial_state_attention"])
    b.outputs(outputs, state)
    b.fetches += v1.get_collection(ATTENTION_WEIGHTS_COLLECTION)
    if heads == 2:
        features = features | {"attention_decoder num_heads=2"}
    b.sites.append(("attention_decoder", steps, features | {"attention_decoder"}))


def projection_variables(b):
    if not b.config["projection"]:
        return None
    size = cell_output_size(b.config["cell"])
    return (v1.get_variable("proj_w", [size, VOCAB]), v1.get_variable("proj_b", [VOCAB]))


def embedding_size(config):
    # A repeated cell reads its output size at every layer, the first included.
    return config["depth"]


def seq2seq_sites(b, features, encoder_steps, decoder_steps, attention):
    """The sites of one embedding seq2seq model: encoder, then the decoder(s)."""
    config = b.config
    b.sites.append(("static_rnn", encoder_steps, features | {"static_rnn", "EmbeddingWrapper"}))
    decoder = features if config["projection"] else features | {"OutputProjectionWrapper"}
    if attention:
        if config["num_heads"] == 2:
            decoder = decoder | {"attention_decoder num_heads=2"}
        b.decoder_sites("attention_decoder", decoder_steps, decoder | {"attention_decoder"})
    else:
        b.decoder_sites("rnn_decoder", decoder_steps, decoder | {"rnn_decoder"})


def build_embedding_seq2seq(b):
    config = b.config
    cell, features = b.cell()
    enc = b.ids(config["steps"], "enc")
    dec = b.ids(config["decoder_steps"], "dec")
    projection = projection_variables(b)
    attention = config["function"] == "embedding_attention_seq2seq"
    if attention:
        outputs, state = legacy_seq2seq.embedding_attention_seq2seq(
            enc, dec, cell, VOCAB, VOCAB, embedding_size(config),
            num_heads=config["num_heads"], output_projection=projection,
            feed_previous=b.feed_previous(),
            initial_state_attention=config["initial_state_attention"])
    else:
        outputs, state = legacy_seq2seq.embedding_rnn_seq2seq(
            enc, dec, cell, VOCAB, VOCAB, embedding_size(config), output_projection=projection,
            feed_previous=b.feed_previous())
    b.outputs(outputs, state)
    seq2seq_sites(b, features, config["steps"], config["decoder_steps"], attention)


def build_basic_rnn_seq2seq(b):
    config = b.config
    cell, features = b.cell()
    enc = b.floats(config["steps"], config["depth"], "enc")
    dec = b.floats(config["decoder_steps"], config["depth"], "dec")
    outputs, state = legacy_seq2seq.basic_rnn_seq2seq(enc, dec, cell)
    b.outputs(outputs, state)
    b.sites.append(("static_rnn", config["steps"], features | {"static_rnn"}))
    b.sites.append(("rnn_decoder", config["decoder_steps"], features | {"rnn_decoder"}))


def build_model_with_buckets(b):
    config = b.config
    buckets = config["buckets"]
    cell, features = b.cell()
    enc = b.ids(buckets[-1][0], "enc")
    dec = b.ids(buckets[-1][1], "dec")
    targets = b.ids(buckets[-1][1], "target")
    weights = b.floats(buckets[-1][1], 1, "weight")
    weights = [tf.reshape(w, [-1]) for w in weights]
    projection = projection_variables(b)
    feed_previous = b.feed_previous()

    def seq2seq(x, y):
        return legacy_seq2seq.embedding_attention_seq2seq(
            x, y, copy.deepcopy(cell), VOCAB, VOCAB, embedding_size(config),
            num_heads=config["num_heads"], output_projection=projection,
            feed_previous=feed_previous,
            initial_state_attention=config["initial_state_attention"])

    outputs, losses = legacy_seq2seq.model_with_buckets(
        enc, dec, targets, weights, buckets, seq2seq,
        softmax_loss_function=b.loss_function(projection),
        per_example_loss=config["per_example_loss"])
    for bucket_outputs, loss in zip(outputs, losses):
        b.outputs(bucket_outputs)
        b.fetches.append(loss)
    for encoder_steps, decoder_steps in buckets:
        seq2seq_sites(b, features, encoder_steps, decoder_steps, attention=True)
        b.add_loss_site(decoder_steps)


def build_sequence_loss(b):
    config = b.config
    steps = config["steps"]
    weight = v1.get_variable("w", [config["depth"], VOCAB])
    bias = v1.get_variable("b", [VOCAB])
    logits = [tf.matmul(x, weight) + bias for x in b.floats(steps, config["depth"], "x")]
    targets = b.ids(steps, "target")
    weights = [b.placeholder(b.rng.uniform(0, 1, config["batch"]), tf.float32, f"weight{t}")
               for t in range(steps)]
    kwargs = {"average_across_timesteps": config["average_across_timesteps"],
              "softmax_loss_function": b.loss_function()}
    if config["function"] == "sequence_loss":
        loss = legacy_seq2seq.sequence_loss(
            logits, targets, weights, average_across_batch=config["average_across_batch"],
            **kwargs)
    else:
        loss = legacy_seq2seq.sequence_loss_by_example(logits, targets, weights, **kwargs)
    b.fetches.append(loss)
    b.add_loss_site(steps)


BUILDERS = {
    "static_rnn": build_static_rnn,
    "static_bidirectional_rnn": build_static_rnn,
    "attention_decoder": build_attention_decoder,
    "embedding_attention_seq2seq": build_embedding_seq2seq,
    "embedding_rnn_seq2seq": build_embedding_seq2seq,
    "basic_rnn_seq2seq": build_basic_rnn_seq2seq,
    "model_with_buckets": build_model_with_buckets,
    "sequence_loss": build_sequence_loss,
    "sequence_loss_by_example": build_sequence_loss,
}


def weight_values(variables):
    """Per variable, values drawn from a generator seeded by its name."""
    values = []
    for var in variables:
        rng = np.random.RandomState(zlib.crc32(var.op.name.encode()))
        values.append(rng.uniform(-0.5, 0.5, var.get_shape().as_list()).astype(np.float32))
    return values


def objective(tensors):
    """A scalar reading every element of `tensors` with its own fixed coefficient."""
    terms = []
    for index, value in enumerate(tensors):
        count = tf.cast(tf.size(value), tf.float32)
        coefficients = tf.sin(tf.range(count) * 0.37 + float(index))
        terms.append(tf.reduce_sum(tf.reshape(value, [-1]) * coefficients))
    return tf.add_n(terms)


def run(config, step_by_step):
    """Builds and runs `config` in a fresh graph; returns what the comparison needs."""
    graph = tf.Graph()
    with graph.as_default(), fastpath.stepwise(step_by_step):
        b = Build(config)
        BUILDERS[config["function"]](b)
        params = v1.trainable_variables()
        grads = tf.gradients(objective(b.fetches), params)
        present = [g is not None for g in grads]
        grads = [tf.convert_to_tensor(g) for g in grads if g is not None]
        variables = v1.global_variables()
        names = [(v.op.name, v.get_shape().as_list()) for v in variables]
        trainable = [v.op.name for v in params]
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            for var, value in zip(variables, weight_values(variables)):
                var.load(value, sess)
            values = sess.run(b.fetches + grads, b.feeds)
    return {"graph": graph, "sites": b.sites, "names": names, "trainable": trainable,
            "present": present, "values": values}


def expected_paths(sites):
    """Per decider, the set of `fast` flags its recorded decisions must have."""
    expected = {}
    for decider, steps, features in sites:
        # The recurrences decide at their second step; a loss function at its first.
        if steps < (1 if decider == LOSS else 2):
            continue
        unknown = features - set(EXPECTED_FAST)
        assert not unknown, f"features missing from EXPECTED_FAST: {sorted(unknown)}"
        expected.setdefault(decider, set()).add(all(EXPECTED_FAST[f] for f in features))
    return expected


def check_config(config):
    # The engine's once-per-reason warnings are not what is checked here.
    logger = logging.getLogger("legacy_seq2seq_compat.fastpath")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        fast, slow = run(config, False), run(config, True)
    finally:
        logger.setLevel(level)
    assert fast["names"] == slow["names"]
    assert fast["trainable"] == slow["trainable"]
    assert fast["present"] == slow["present"]
    assert len(fast["values"]) == len(slow["values"])
    for index, (a, b) in enumerate(zip(fast["values"], slow["values"])):
        assert np.shape(a) == np.shape(b), index
        np.testing.assert_allclose(a, b, atol=TOL, rtol=TOL, err_msg=f"fetch {index}")

    expected = expected_paths(fast["sites"])
    report = fastpath.report(fast["graph"])
    got = {}
    for decision in report:
        got.setdefault(decision.function, set()).add(decision.fast)
        if not decision.fast:
            assert decision.reason and decision.reason != fastpath.STEPWISE_REASON, decision
    assert got == expected, report
    all_fast = bool(expected) and all(all(flags) for flags in expected.values())
    assert fastpath.used(fast["graph"]) == all_fast, report
    # Inside stepwise() the same calls decide, every one step by step and saying so.
    stepwise_report = fastpath.report(slow["graph"])
    assert {d.function for d in stepwise_report} == set(expected)
    assert all(not d.fast and d.reason == fastpath.STEPWISE_REASON for d in stepwise_report)
    assert not fastpath.used(slow["graph"])


HYPOTHESIS = dict(deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# README's test command: the simplest configuration of every function, then a few drawn
# among all functions (lengths up to 3, up to 2 layers).
@pytest.mark.parametrize("function", FUNCTIONS)
@settings(max_examples=1, **HYPOTHESIS)
@given(data=st.data())
def test_engine_matches_stepwise_simplest(function, data):
    check_config(data.draw(configs(function, max_steps=3, max_layers=2), label="config"))


@settings(max_examples=3, **HYPOTHESIS)
@given(configs(max_steps=3, max_layers=2))
def test_engine_matches_stepwise(config):
    check_config(config)


@pytest.mark.slow
@pytest.mark.parametrize("function", FUNCTIONS)
@settings(max_examples=5, **HYPOTHESIS)
@given(data=st.data())
def test_engine_matches_stepwise_many(function, data):
    check_config(data.draw(configs(function), label="config"))


# -- unit tests of small _engine helpers ----------------------------------------------------


def test_stackable_accepts_only_tensors_of_one_known_shape_and_dtype():
    with tf.Graph().as_default():
        a, b = tf.zeros([2, 3]), tf.ones([2, 3])
        unknown_batch = v1.placeholder(tf.float32, [None, 3])
        assert _engine.stackable([a, b])
        assert _engine.stackable([a, b], rank=2)
        assert _engine.stackable([unknown_batch, a], rank=2)  # only the batch may be unknown
        assert not _engine.stackable([a, b], rank=1)
        assert not _engine.stackable([a, np.zeros([2, 3], np.float32)])
        assert not _engine.stackable([a, tf.zeros([2, 4])])
        assert not _engine.stackable([a, tf.zeros([2, 3], tf.float64)])
        assert not _engine.stackable([v1.placeholder(tf.float32, [2, None]), a])
        assert not _engine.stackable([v1.placeholder(tf.float32, None), a])


def test_carry_source_matches_by_identity_and_prefers_the_carry_in():
    with tf.Graph().as_default():
        h0, h1 = tf.zeros([2]), tf.ones([2])
        copy_of_h1 = tf.identity(h1)
        assert _engine._carry_source(h0, [h0], [h1]) == ("in", 0)
        assert _engine._carry_source(h1, [h0], [h0, h1]) == ("out", 1)
        # A carried tensor passed straight through is both: it counts as the carry in.
        assert _engine._carry_source(h0, [h1, h0], [h0]) == ("in", 1)
        assert _engine._carry_source(copy_of_h1, [h0], [h1]) is None


def test_static_batch_is_the_dimension_or_minus_one():
    with tf.Graph().as_default():
        assert _engine._static_batch(tf.zeros([3, 2])) == 3
        assert _engine._static_batch(v1.placeholder(tf.float32, [None, 2])) == -1


def test_row_blocks_and_block_matmul_equal_one_product_of_the_concatenation():
    rng = np.random.RandomState(0)
    xs = [rng.uniform(-1, 1, (2, n)).astype(np.float32) for n in (3, 1, 2)]
    kernel = rng.uniform(-1, 1, (6, 4)).astype(np.float32)
    with tf.Graph().as_default():
        blocks = _engine._row_blocks(tf.constant(kernel), [3, 1, 2])
        assert [b.get_shape().as_list() for b in blocks] == [[3, 4], [1, 4], [2, 4]]
        whole = _engine._row_blocks(tf.constant(kernel), [6])
        product = _engine._block_matmul([tf.constant(x) for x in xs], blocks)
        single = _engine._block_matmul([tf.constant(np.concatenate(xs, 1))], whole)
        with v1.Session() as sess:
            got, got_single = sess.run([product, single])
    np.testing.assert_allclose(got, np.concatenate(xs, 1) @ kernel, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got_single, np.concatenate(xs, 1) @ kernel, rtol=1e-6,
                               atol=1e-6)


def test_decide_records_distinct_decisions_per_graph_in_order(caplog):
    reason = "test_engine: a reason logged once"
    with caplog.at_level(logging.WARNING, logger="legacy_seq2seq_compat.fastpath"):
        with tf.Graph().as_default() as graph:
            _engine.decide("static_rnn")
            _engine.decide("static_rnn", reason)
            _engine.decide("static_rnn")
            _engine.decide("static_rnn", reason)
            _engine.decide("attention_decoder", "test_engine: quiet", quiet=True)
        with tf.Graph().as_default() as other:
            _engine.decide("static_rnn", reason)
    assert _engine.decisions(graph) == [
        _engine.Decision("static_rnn", True, ""),
        _engine.Decision("static_rnn", False, reason),
        _engine.Decision("attention_decoder", False, "test_engine: quiet")]
    assert _engine.decisions(other) == [_engine.Decision("static_rnn", False, reason)]
    assert _engine.decisions(tf.Graph()) == []
    # Logged once per process for the function and reason; never when quiet.
    messages = [r.getMessage() for r in caplog.records]
    assert sum(reason in m for m in messages) == 1, messages
    assert not any("test_engine: quiet" in m for m in messages), messages


def test_decide_inside_a_function_graph_records_for_the_outer_graph():
    with tf.Graph().as_default() as graph:

        @tf.function(autograph=False)
        def body(x):
            _engine.decide("attention_decoder", "test_engine: inside a function graph",
                           quiet=True)
            return x + 1.0

        body.get_concrete_function(tf.TensorSpec([], tf.float32))
    assert _engine.decisions(graph) == [_engine.Decision(
        "attention_decoder", False, "test_engine: inside a function graph")]


def test_decide_records_nothing_eagerly():
    # Eager calls build no graph, so there is no report to add to.
    before = {graph: list(decisions) for graph, decisions in _engine._decisions.items()}
    _engine.decide("static_rnn", "test_engine: eager")
    after = {graph: list(decisions) for graph, decisions in _engine._decisions.items()}
    assert after == before


def test_the_switchs_own_and_quiet_choices_are_recorded_but_not_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="legacy_seq2seq_compat.fastpath"):
        with tf.Graph().as_default() as graph:
            _engine.decide("rnn_decoder", fastpath.STEPWISE_REASON)
            _engine.decide("static_rnn", "test_engine: own reason", quiet=True)
    assert _engine.decisions(graph) == [
        _engine.Decision("rnn_decoder", False, fastpath.STEPWISE_REASON),
        _engine.Decision("static_rnn", False, "test_engine: own reason")]
    # The switch's own choice and a quiet one are not logged.
    assert not [r for r in caplog.records if "test_engine" in r.getMessage() or
                fastpath.STEPWISE_REASON in r.getMessage()]
