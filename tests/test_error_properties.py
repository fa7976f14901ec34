"""Property: any wrong argument to a public function or cell gives a clear error.

Hypothesis picks a public callable (the 13 functions, the three static RNNs,
every cell and wrapper constructor and a cell call), one of its arguments and
a wrong value for it: a wrong type, rank or size, a ragged list (steps of
different shapes or dtypes), an out-of-range number, an empty or
mismatched list. Every other argument is valid. The call must raise
TypeError or ValueError whose message names the argument (or, where noted,
the argument of the inner call that received it): no other exception, no
hang, no silent acceptance. Graphs are only built, never run; the examples
are derandomized so CI sees the same ones every time.
"""

import atexit
import os
import shutil
import signal
import tempfile

import keras
import pytest
import tensorflow as tf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legacy_seq2seq_compat import buckets, decoders, losses, models, rnn, rnn_cell

v1 = tf.compat.v1

B, D, H, V, E, T = 2, 3, 4, 5, 3, 2  # batch, depth, units, vocabulary, embedding, steps
SECONDS_PER_EXAMPLE = 30

# -- wrong values, as recipes built inside the example's graph ---------------------------


def tensor(shape, dtype="float32"):
    return ("tensor", tuple(shape), dtype)


def steps(*recipes):
    return ("list", recipes)


def py(value):
    return ("py", value)


def build(recipe):
    kind = recipe[0]
    if kind == "tensor":
        return tf.zeros(recipe[1], recipe[2])
    if kind == "placeholder":
        return v1.placeholder(recipe[2], recipe[1])
    if kind == "list":
        return [build(r) for r in recipe[1]]
    if kind == "py":
        return recipe[1]
    if kind == "keras":
        return keras.layers.GRUCell(H)
    if kind == "abstract":
        return rnn_cell.RNNCell()
    if kind == "cell_class":
        return rnn_cell.GRUCell
    raise AssertionError(recipe)


dims = st.integers(1, 3)
junk = st.one_of(st.none(), st.integers(-3, 9), st.text(max_size=3), st.sampled_from([{}, 1.5]))

bad_cell = st.one_of(st.sampled_from([("keras",), ("abstract",), ("cell_class",)]),
                     junk.map(py))

# An integer size: floats (whole ones too), bools, text, zero or below, and None.
bad_size = st.one_of(
    st.floats(-4, 40, allow_nan=False).map(py), st.booleans().map(py),
    st.integers(-4, 0).map(py), st.text(max_size=2).map(py), st.none().map(py))
bad_optional_size = st.one_of(
    st.floats(-4, 40, allow_nan=False).map(py), st.booleans().map(py),
    st.integers(-4, 0).map(py), st.text(max_size=2).map(py))


@st.composite
def ragged_steps(draw, good_shape, good_dtype, axes, extra_min):
    """A list of steps where one step differs in shape or in dtype from the others.

    Only the sizes of `axes` change, or a dimension of at least `extra_min` is
    added (None: never); other changes can be valid (e.g. [batch, 1] targets).
    """
    n = draw(st.integers(2, 4))
    odd = draw(st.integers(1, n - 1))
    if draw(st.booleans()):
        shape = list(good_shape)
        if extra_min is None or draw(st.booleans()):
            axis = draw(st.sampled_from(axes))
            shape[axis] += draw(st.integers(1, 3))
        else:
            shape = shape + [draw(st.integers(extra_min, 3))]
        odd_recipe = tensor(shape, good_dtype)
    else:
        other = {"float32": "float64", "int32": "float32"}[good_dtype]
        odd_recipe = tensor(good_shape, other)
    recipes = [tensor(good_shape, good_dtype)] * n
    recipes[odd] = odd_recipe
    return steps(*recipes)


def bad_steps(good_shape, good_dtype, allow_empty=False, axes=(0, 1), extra_min=1):
    """Wrong per-step lists: a single Tensor, a non-list, ragged, empty, wrong rank."""
    axes = tuple(a for a in axes if a < len(good_shape))
    options = [
        st.tuples(dims, dims).map(lambda td: tensor((B, td[0], td[1]), good_dtype)),
        junk.map(py),
        ragged_steps(good_shape, good_dtype, axes, extra_min),
    ]
    if extra_min is not None:
        options.append(st.integers(extra_min, 3).map(
            lambda d: steps(*[tensor(tuple(good_shape) + (d,), good_dtype)] * T)))
    if not allow_empty:
        options.append(st.just(steps()))
    return st.one_of(options)


float_steps = bad_steps((B, D), "float32")
# rnn_decoder and embedding_rnn_decoder accept no steps at all, as in TF 1.15.
float_steps_or_none = bad_steps((B, D), "float32", allow_empty=True)
id_steps = st.one_of(bad_steps((B,), "int32", extra_min=2),
                     st.just(steps(*[tensor((B,), "float32")] * T)))
id_steps_or_none = st.one_of(bad_steps((B,), "int32", allow_empty=True, extra_min=2),
                             st.just(steps(*[tensor((B,), "float32")] * T)))

bad_state = st.one_of(
    st.integers(1, 3).map(lambda k: tensor((B, H + k))),
    st.integers(1, 3).map(lambda k: tensor((B + k, H))),
    st.just(tensor((B, H), "int32")), st.just(tensor((B,))), st.just(py("state")))
bad_attention = st.one_of(
    st.just(tensor((B, H))), st.just(tensor((B, 3, H, 1))), st.just(py("attn")),
    st.just(("placeholder", (B, 3, None), tf.float32)))
bad_projection = st.one_of(
    st.just(("pair", (V, H), (V,))), st.just(("pair", (H, V), (V + 1,))),
    st.just(("pair", (H + 1, V), (V,))), st.just(py((1, 2, 3))), st.just(py("proj")),
    st.just(tensor((H, V))))
bad_heads = st.one_of(st.integers(-3, 0).map(py), st.floats(0, 4, allow_nan=False).map(py),
                      st.booleans().map(py), st.just(py("1")))
bad_callable = st.one_of(st.integers(0, 3).map(py), st.text(max_size=2).map(py))
bad_flag = st.one_of(st.just(py("yes")), st.just(py(1.0)), st.just(tensor((), "float32")),
                     st.just(tensor((2,), "bool")))


def build_any(recipe):
    if recipe[0] == "pair":
        return (tf.zeros(recipe[1]), tf.zeros(recipe[2]))
    return build(recipe)


# -- the public callables, with valid arguments ------------------------------------------

def x():
    return [tf.zeros([B, D])] * T


def ids():
    return [tf.zeros([B], tf.int32)] * T


def cell():
    return rnn_cell.GRUCell(H)


def state():
    return tf.zeros([B, H])


def attn():
    return tf.zeros([B, 3, H])


def pair():
    return (tf.zeros([H, V]), tf.zeros([V]))


def seq2seq_fn(a, b):
    return models.basic_rnn_seq2seq(a, b, rnn_cell.GRUCell(V))


class Saver:
    def state(self, name):
        return tf.zeros([B, H])

    def save_state(self, name, value):
        return tf.no_op()


# name -> (function, {argument: (valid value factory, wrong-value strategy, aliases)})
# `aliases` are other names the message may use for the argument: the argument of
# the inner call that received it, e.g. a cell's `inputs` for `encoder_inputs`.
def spec(fn, **args):
    return fn, args


SEQ_ALIASES = ("inputs", "state")
CALLABLES = {
    "rnn_decoder": spec(
        decoders.rnn_decoder,
        decoder_inputs=(x, float_steps_or_none, SEQ_ALIASES),
        initial_state=(state, bad_state, ("state",)),
        cell=(cell, bad_cell, ()), loop_function=(lambda: None, bad_callable, ())),
    "attention_decoder": spec(
        decoders.attention_decoder,
        decoder_inputs=(x, float_steps, SEQ_ALIASES), initial_state=(state, bad_state, ("state",)),
        attention_states=(attn, bad_attention, ()), cell=(cell, bad_cell, ()),
        output_size=(lambda: None, bad_optional_size, ()), num_heads=(lambda: 1, bad_heads, ()),
        loop_function=(lambda: None, bad_callable, ())),
    "embedding_rnn_decoder": spec(
        decoders.embedding_rnn_decoder,
        decoder_inputs=(ids, id_steps_or_none, ("inputs",)),
        initial_state=(state, bad_state, ("state",)),
        cell=(cell, bad_cell, ()), num_symbols=(lambda: V, bad_size, ()),
        embedding_size=(lambda: E, bad_size, ()),
        output_projection=(lambda: None, bad_projection, ())),
    "embedding_attention_decoder": spec(
        decoders.embedding_attention_decoder,
        decoder_inputs=(ids, id_steps, ("inputs",)), initial_state=(state, bad_state, ("state",)),
        attention_states=(attn, bad_attention, ()), cell=(cell, bad_cell, ()),
        num_symbols=(lambda: V, bad_size, ()), embedding_size=(lambda: E, bad_size, ()),
        num_heads=(lambda: 1, bad_heads, ()), output_size=(lambda: None, bad_optional_size, ()),
        output_projection=(lambda: None, bad_projection, ())),
    "basic_rnn_seq2seq": spec(
        models.basic_rnn_seq2seq, encoder_inputs=(x, float_steps, SEQ_ALIASES),
        decoder_inputs=(x, float_steps, SEQ_ALIASES), cell=(cell, bad_cell, ())),
    "tied_rnn_seq2seq": spec(
        models.tied_rnn_seq2seq, encoder_inputs=(x, float_steps, SEQ_ALIASES),
        decoder_inputs=(x, float_steps, SEQ_ALIASES), cell=(cell, bad_cell, ()),
        loop_function=(lambda: None, bad_callable, ())),
    "embedding_rnn_seq2seq": spec(
        models.embedding_rnn_seq2seq, encoder_inputs=(ids, id_steps, ("inputs",)),
        decoder_inputs=(ids, id_steps, ("inputs",)), cell=(cell, bad_cell, ()),
        num_encoder_symbols=(lambda: V, bad_size, ()),
        num_decoder_symbols=(lambda: V, bad_size, ()), embedding_size=(lambda: E, bad_size, ()),
        output_projection=(lambda: None, bad_projection, ()),
        feed_previous=(lambda: False, bad_flag, ())),
    "embedding_tied_rnn_seq2seq": spec(
        models.embedding_tied_rnn_seq2seq, encoder_inputs=(ids, id_steps, ("inputs",)),
        decoder_inputs=(ids, id_steps, ("inputs",)), cell=(cell, bad_cell, ()),
        num_symbols=(lambda: V, bad_size, ()), embedding_size=(lambda: E, bad_size, ()),
        num_decoder_symbols=(lambda: None, bad_optional_size, ()),
        output_projection=(lambda: None, bad_projection, ()),
        feed_previous=(lambda: False, bad_flag, ())),
    "embedding_attention_seq2seq": spec(
        models.embedding_attention_seq2seq, encoder_inputs=(ids, id_steps, ("inputs",)),
        decoder_inputs=(ids, id_steps, ("inputs",)), cell=(cell, bad_cell, ()),
        num_encoder_symbols=(lambda: V, bad_size, ()),
        num_decoder_symbols=(lambda: V, bad_size, ()), embedding_size=(lambda: E, bad_size, ()),
        num_heads=(lambda: 1, bad_heads, ()),
        output_projection=(lambda: None, bad_projection, ()),
        feed_previous=(lambda: False, bad_flag, ())),
    "one2many_rnn_seq2seq": spec(
        models.one2many_rnn_seq2seq, encoder_inputs=(ids, id_steps, ("inputs",)),
        decoder_inputs_dict=(lambda: {"a": ids()}, junk.map(py), ()),
        enc_cell=(cell, bad_cell, ()), dec_cells_dict=(lambda: {"a": cell()}, junk.map(py), ()),
        num_encoder_symbols=(lambda: V, bad_size, ()),
        num_decoder_symbols_dict=(lambda: {"a": V}, junk.map(py), ()),
        embedding_size=(lambda: E, bad_size, ()), feed_previous=(lambda: False, bad_flag, ())),
    "model_with_buckets": spec(
        buckets.model_with_buckets,
        encoder_inputs=(x, bad_steps((B, D), "float32", True), SEQ_ALIASES),
        decoder_inputs=(x, bad_steps((B, D), "float32", True), SEQ_ALIASES),
        targets=(ids, bad_steps((B,), "int32", True, extra_min=None), ()),
        weights=(lambda: [tf.ones([B])] * T, bad_steps((B,), "float32", True), ()),
        buckets=(lambda: [(T, T)], st.one_of(
            junk.map(py), st.just(py([])), st.just(py([(0, 1)])), st.just(py([(1.5, 2)])),
            st.just(py([(1,)])), st.just(py([(T + 1, T)])), st.just(py([(T, T + 1)]))),
            # A last bucket longer than the lists gets TF 1.15's exact message, which
            # names the list that is too short.
            ("encoder_inputs", "targets")),
        seq2seq=(lambda: seq2seq_fn, bad_callable, ()),
        softmax_loss_function=(lambda: None, bad_callable, ())),
    "sequence_loss": spec(
        losses.sequence_loss, logits=(lambda: [tf.zeros([B, V])] * T,
                                      bad_steps((B, V), "float32", axes=(0,)), ()),
        targets=(ids, st.one_of(bad_steps((B,), "int32", extra_min=None), st.just(
            steps(*[tensor((B,), "float32")] * T)), st.just(
            steps(*[tensor((B + 1,), "int32")] * T))), ()),
        weights=(lambda: [tf.ones([B])] * T, st.one_of(bad_steps((B,), "float32"), st.just(
            steps(*[tensor((B + 2,))] * T))), ()),
        softmax_loss_function=(lambda: None, bad_callable, ())),
    "sequence_loss_by_example": spec(
        losses.sequence_loss_by_example, logits=(lambda: [tf.zeros([B, V])] * T,
                                                 bad_steps((B, V), "float32", axes=(0,)), ()),
        targets=(ids, bad_steps((B,), "int32", extra_min=None), ()),
        weights=(lambda: [tf.ones([B])] * T, bad_steps((B,), "float32"), ()),
        softmax_loss_function=(lambda: None, bad_callable, ())),
    "static_rnn": spec(
        rnn.static_rnn, cell=(cell, bad_cell, ()), inputs=(x, float_steps, ()),
        dtype=(lambda: tf.float32, st.sampled_from([py(None), py("float33"), py(3.5)]), ()),
        sequence_length=(lambda: None, st.sampled_from(
            [tensor((B, 1), "int32"), tensor((B + 1,), "int32")]), ())),
    "static_bidirectional_rnn": spec(
        rnn.static_bidirectional_rnn, cell_fw=(cell, bad_cell, ()), cell_bw=(cell, bad_cell, ()),
        inputs=(x, float_steps, ()),
        dtype=(lambda: tf.float32, st.sampled_from([py(None), py("float33")]), ())),
    "static_state_saving_rnn": spec(
        rnn.static_state_saving_rnn, cell=(cell, bad_cell, ()), inputs=(x, float_steps, ()),
        state_saver=(Saver, junk.map(py), ()),
        state_name=(lambda: "h", st.sampled_from([py(("a", "b")), py(["h"])]), ())),
    # Cells and wrappers: constructors, then one call.
    "BasicRNNCell": spec(rnn_cell.BasicRNNCell, num_units=(lambda: H, bad_size, ()),
                         activation=(lambda: None, st.sampled_from([py("nope"), py(3)]), ())),
    "GRUCell": spec(rnn_cell.GRUCell, num_units=(lambda: H, bad_size, ()),
                    activation=(lambda: None, st.sampled_from([py("nope"), py(3)]), ())),
    "BasicLSTMCell": spec(rnn_cell.BasicLSTMCell, num_units=(lambda: H, bad_size, ())),
    "LSTMCell": spec(rnn_cell.LSTMCell, num_units=(lambda: H, bad_size, ()),
                     num_proj=(lambda: None, bad_optional_size, ()),
                     num_unit_shards=(lambda: None, bad_optional_size, ()),
                     num_proj_shards=(lambda: None, bad_optional_size, ())),
    "MultiRNNCell": spec(rnn_cell.MultiRNNCell, cells=(lambda: [cell()], st.one_of(
        junk.map(py), st.just(py([])), bad_cell.map(lambda c: ("list", (("gru",), c))),
        st.just(("cell",))), ())),
    "DropoutWrapper": spec(
        rnn_cell.DropoutWrapper, cell=(cell, bad_cell, ()),
        input_keep_prob=(lambda: 1.0, st.one_of(
            st.floats(1.01, 9).map(py), st.floats(-9, 0).map(py), st.just(py("half"))), ()),
        output_keep_prob=(lambda: 1.0, st.floats(1.01, 9).map(py), ()),
        seed=(lambda: None, st.sampled_from([py(1.5), py("7")]), ())),
    "ResidualWrapper": spec(rnn_cell.ResidualWrapper, cell=(cell, bad_cell, ())),
    "DeviceWrapper": spec(rnn_cell.DeviceWrapper, cell=(cell, bad_cell, ()),
                          device=(lambda: "/cpu:0", st.just(py(None)), ())),
    "EmbeddingWrapper": spec(rnn_cell.EmbeddingWrapper, cell=(cell, bad_cell, ()),
                             embedding_classes=(lambda: V, bad_size, ()),
                             embedding_size=(lambda: E, bad_size, ())),
    "InputProjectionWrapper": spec(rnn_cell.InputProjectionWrapper, cell=(cell, bad_cell, ()),
                                   num_proj=(lambda: 2, bad_size, ())),
    "OutputProjectionWrapper": spec(rnn_cell.OutputProjectionWrapper, cell=(cell, bad_cell, ()),
                                    output_size=(lambda: 2, bad_size, ())),
    "zero_state": spec(lambda batch_size, dtype: rnn_cell.MultiRNNCell(
        [rnn_cell.BasicLSTMCell(H)]).zero_state(batch_size, dtype),
        batch_size=(lambda: B, st.one_of(
            st.floats(0, 4, allow_nan=False).map(py), st.booleans().map(py),
            st.integers(-4, -1).map(py), st.sampled_from([py(None), py("2"), tensor((), "float32")])
        ), ()),
        dtype=(lambda: tf.float32, st.sampled_from([py("float33"), py(3.5), py(None)]), ())),
    "cell call": spec(lambda inputs, state: rnn_cell.GRUCell(H)(inputs, state),
                      inputs=(lambda: tf.zeros([B, D]), st.one_of(
                          st.just(tensor((B,))), st.just(tensor((B, D, 1))),
                          st.just(tensor((B, D), "int32")), st.just(tensor((B + 1, D))),
                          st.just(("placeholder", (B, None), tf.float32))), ()),
                      state=(state, bad_state, ())),
}

# Wrong values that are not mistakes for that argument (TF 1.15 accepts them too).
ALLOWED = {
    ("DeviceWrapper", "device"),  # tf.device(None) means "no device".
}


def build_value(recipe):
    if recipe == ("cell",):
        return cell()  # MultiRNNCell(cell): a cell where a list is expected.
    if recipe[0] == "list" and recipe[1] and recipe[1][0] == ("gru",):
        return [cell(), build(recipe[1][1])]
    return build_any(recipe)


@st.composite
def mistakes(draw):
    name = draw(st.sampled_from(sorted(CALLABLES)))
    fn, args = CALLABLES[name]
    arg = draw(st.sampled_from(sorted(a for a in args if (name, a) not in ALLOWED)))
    recipe = draw(args[arg][1])
    return name, arg, recipe


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout


def check_mistake(table, build_fn, name, arg, recipe):
    """Calls `table[name]` with `arg` built from `recipe`: a named TypeError/ValueError or fail."""
    fn, args = table[name]
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(SECONDS_PER_EXAMPLE)
    try:
        with tf.Graph().as_default():
            kwargs = {a: factory() for a, (factory, _, _) in args.items() if a != arg}
            kwargs[arg] = build_fn(recipe)
            try:
                fn(**kwargs)
            except (TypeError, ValueError) as err:
                message = str(err)
                names = (arg,) + args[arg][2]
                assert any(n in message for n in names), (
                    f"{name}({arg}={recipe!r}) raised {type(err).__name__} that names none of "
                    f"{names}: {message}")
                return
            except Timeout:
                raise
            except Exception as err:  # noqa: BLE001 - the property is about the type.
                pytest.fail(f"{name}({arg}={recipe!r}) raised {type(err).__name__}, not "
                            f"TypeError or ValueError: {err}")
            pytest.fail(f"{name}({arg}={recipe!r}) was accepted silently")
    except Timeout:
        pytest.fail(f"{name}({arg}={recipe!r}) did not finish in {SECONDS_PER_EXAMPLE} s")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@settings(max_examples=400, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mistakes())
def test_wrong_arguments_raise_clear_errors(mistake):
    check_mistake(CALLABLES, build_value, *mistake)


def test_every_public_callable_is_covered():
    from legacy_seq2seq_compat import legacy_seq2seq
    covered = set(CALLABLES)
    expected = set(legacy_seq2seq.__all__) | set(rnn.__all__) | {
        n for n in rnn_cell.__all__ if n not in ("RNNCell", "LayerRNNCell", "LSTMStateTuple")}
    assert expected <= covered, sorted(expected - covered)
    assert all(args for _, args in CALLABLES.values())


# -- the modules added later: contrib_rnn, fused_rnn_cell, beam_search, serving ----------
#
# Same property, own table and own example budget, so that the older table keeps its
# examples. Cells are called once with valid arguments except the wrong one; the valid
# state comes from the cell's own zero_state.

from legacy_seq2seq_compat import beam_search, contrib_rnn, fused_rnn_cell, serving  # noqa: E402

cr, fr = contrib_rnn, fused_rnn_cell


def bad_call_inputs(depth):
    return st.one_of(
        st.just(tensor((B,))), st.just(tensor((B, depth, 1))),
        st.just(tensor((B, depth), "int32")), st.just(tensor((B + 1, depth))),
        st.just(("placeholder", (B, None), tf.float32)), st.just(py("inputs")))


def bad_call_state(size):
    return st.one_of(
        st.integers(1, 3).map(lambda k: tensor((B, size + k))),
        st.integers(1, 3).map(lambda k: tensor((B + k, size))),
        st.just(tensor((B, size), "int32")), st.just(tensor((B,))), st.just(py("state")))


def bad_tuple_state(size):
    """Wrong LSTM-like states: one Tensor, a triple, a pair with a wrong part."""
    return st.one_of(
        st.just(tensor((B, size))), st.just(py("state")),
        st.just(steps(tensor((B, size)), tensor((B, size)), tensor((B, size)))),
        st.integers(1, 3).map(lambda k: steps(tensor((B, size)), tensor((B, size + k)))),
        st.integers(1, 3).map(lambda k: steps(tensor((B + k, size)), tensor((B + k, size)))),
        st.just(steps(tensor((B, size), "int32"), tensor((B, size), "int32"))))


def cell_call(make, inputs=lambda: tf.zeros([B, D]), bad_inputs=None, bad_state=None):
    """A spec that calls a new cell from `make` on (inputs, state).

    The valid state is the zero state of another cell of the same configuration.
    """
    def fn(inputs, state):
        return make()(inputs, state)

    def valid_state():
        return make().zero_state(B, tf.float32)

    if bad_inputs is None:
        bad_inputs = bad_call_inputs(D)
    return fn, {"inputs": (inputs, bad_inputs, ()),
                "state": (valid_state, bad_state, ())}


def lstm_call(make, units=H, **kw):
    return cell_call(make, bad_state=bad_tuple_state(units), **kw)


def gru_call(make, units=H, **kw):
    return cell_call(make, bad_state=bad_call_state(units), **kw)


def ids_with_time():
    return tf.zeros([B, T], tf.int32)


# A parent folder for export_dir that stays empty: every example has a wrong argument.
EXPORT_ROOT = tempfile.mkdtemp(prefix="error-properties-")
atexit.register(shutil.rmtree, EXPORT_ROOT, True)


class FakeSession:
    graph = None

    def run(self, *args, **kwargs):
        raise AssertionError("not run")


def beam_options():
    return dict(beam_width=(lambda: 2, bad_size, ()), max_length=(lambda: T, bad_size, ()),
                go_id=(lambda: 0, st.one_of(st.sampled_from([py(-1), py(V), py(1.0), py(True),
                                                             py("0"), py(None)])), ()),
                eos_id=(lambda: None, st.sampled_from([py(-1), py(V), py(1.5), py("1")]), ()),
                length_penalty=(lambda: 0.0, st.sampled_from(
                    [py(-1.0), py(float("nan")), py(float("inf")), py("0.6"), py(None)]), ()))


bad_cell_list = st.one_of(junk.map(py), st.just(py([])),
                          bad_cell.map(lambda c: ("list", (("gru",), c))), st.just(("cell",)))
bad_states_list = st.one_of(st.sampled_from([py("s"), py(3), py({})]),
                            st.just(steps(tensor((B, H)), tensor((B, H)))))
bad_float = st.sampled_from([py("x"), py(None), py([1.0, 2.0])])

NEW_CALLABLES = {
    # contrib_rnn helpers.
    "transpose_batch_time": spec(
        cr.transpose_batch_time, x=(lambda: tf.zeros([T, B, D]), st.sampled_from(
            [py(None), py({}), py([[1.0, 2.0], [3.0]]), py(object())]), ())),
    "best_effort_input_batch_size": spec(
        cr.best_effort_input_batch_size,
        flat_input=(lambda: [tf.zeros([T, B, D])], st.one_of(
            junk.map(py), st.just(steps()), st.just(steps(tensor((B,)))),
            st.just(steps(tensor(())))), ())),
    "stack_bidirectional_rnn": spec(
        cr.stack_bidirectional_rnn, cells_fw=(lambda: [cell()], bad_cell_list, ()),
        cells_bw=(lambda: [cell()], bad_cell_list, ()), inputs=(x, float_steps, SEQ_ALIASES),
        initial_states_fw=(lambda: None, bad_states_list, ()),
        initial_states_bw=(lambda: None, bad_states_list, ()),
        dtype=(lambda: tf.float32, st.sampled_from([py("float33"), py(3.5)]), ()),
        sequence_length=(lambda: None, st.sampled_from(
            [tensor((B, 1), "int32"), tensor((B + 1,), "int32"), py("len")]), ())),
    "stack_bidirectional_dynamic_rnn": spec(
        cr.stack_bidirectional_dynamic_rnn, cells_fw=(lambda: [cell()], bad_cell_list, ()),
        cells_bw=(lambda: [cell()], bad_cell_list, ()),
        inputs=(lambda: tf.zeros([B, T, D]), st.one_of(
            st.just(tensor((B, D))), st.just(tensor((B, T, D), "int32")), junk.map(py),
            st.just(("placeholder", (B, T, None), tf.float32)), st.just(steps(*[tensor(
                (B, D))] * T))), ()),
        initial_states_fw=(lambda: None, bad_states_list, ()),
        dtype=(lambda: tf.float32, st.sampled_from([py("float33"), py(3.5)]), ()),
        sequence_length=(lambda: None, st.sampled_from(
            [tensor((B, 1), "int32"), tensor((B + 1,), "int32"), py("len")]), ()),
        parallel_iterations=(lambda: None, bad_optional_size, ()),
        time_major=(lambda: False, st.sampled_from([py("yes"), py(None), py(2)]), ())),
    # contrib_rnn cells: constructors.
    "CoupledInputForgetGateLSTMCell": spec(
        cr.CoupledInputForgetGateLSTMCell, num_units=(lambda: H, bad_size, ()),
        num_proj=(lambda: None, bad_optional_size, ()),
        num_unit_shards=(lambda: 1, bad_size, ()), num_proj_shards=(lambda: 1, bad_size, ())),
    "TimeFreqLSTMCell": spec(
        cr.TimeFreqLSTMCell, num_units=(lambda: H, bad_size, ()),
        num_unit_shards=(lambda: 1, bad_size, ()), feature_size=(lambda: D, bad_size, ()),
        frequency_skip=(lambda: 1, bad_size, ())),
    "GridLSTMCell": spec(
        cr.GridLSTMCell, num_units=(lambda: H, bad_size, ()),
        num_unit_shards=(lambda: 1, bad_size, ()),
        feature_size=(lambda: D, bad_optional_size, ()),
        frequency_skip=(lambda: 1, bad_optional_size, ()),
        num_frequency_blocks=(lambda: [1], st.sampled_from(
            [py(None), py(1.5), py("1"), py([]), py([0]), py([1.5]), py([-1])]), ())),
    "BidirectionalGridLSTMCell": spec(
        cr.BidirectionalGridLSTMCell, num_units=(lambda: H, bad_size, ()),
        feature_size=(lambda: D, bad_optional_size, ()),
        num_frequency_blocks=(lambda: [1], st.sampled_from(
            [py(None), py(1.5), py([]), py([0]), py(["a"])]), ())),
    "LayerNormBasicLSTMCell": spec(
        cr.LayerNormBasicLSTMCell, num_units=(lambda: H, bad_size, ()),
        dropout_keep_prob=(lambda: 1.0, st.sampled_from(
            [py(1.5), py(-0.1), py(0.0), py("half")]), ()),
        dropout_prob_seed=(lambda: None, st.sampled_from([py(1.5), py("7")]), ())),
    "NASCell": spec(cr.NASCell, num_units=(lambda: H, bad_size, ()),
                    num_proj=(lambda: None, bad_optional_size, ())),
    "UGRNNCell": spec(cr.UGRNNCell, num_units=(lambda: H, bad_size, ())),
    "IntersectionRNNCell": spec(cr.IntersectionRNNCell, num_units=(lambda: H, bad_size, ()),
                                num_in_proj=(lambda: None, bad_optional_size, ())),
    "GLSTMCell": spec(cr.GLSTMCell, num_units=(lambda: H, bad_size, ()),
                      num_proj=(lambda: None, bad_optional_size, ()),
                      number_of_groups=(lambda: 1, bad_size, ())),
    "IndRNNCell": spec(cr.IndRNNCell, num_units=(lambda: H, bad_size, ()),
                       activation=(lambda: None, st.sampled_from([py("nope"), py(3)]), ())),
    "PhasedLSTMCell": spec(
        cr.PhasedLSTMCell, num_units=(lambda: H, bad_size, ()),
        leak=(lambda: 0.001, bad_float, ()), ratio_on=(lambda: 0.1, bad_float, ()),
        period_init_min=(lambda: 1.0, st.sampled_from([py("x"), py(None), py(-1.0)]), ()),
        period_init_max=(lambda: 1000.0, st.sampled_from([py("x"), py(None), py(0.5)]), ())),
    "ConvLSTMCell": spec(
        cr.ConvLSTMCell, conv_ndims=(lambda: 1, st.sampled_from(
            [py(0), py(4), py(1.0), py(True), py("1"), py(2)]), ()),
        input_shape=(lambda: [4, 2], st.sampled_from(
            [py(None), py(4), py([4]), py([4, 2, 2]), py([4.5, 2]), py([0, 2]), py("ab")]), ()),
        output_channels=(lambda: 2, bad_size, ()),
        kernel_shape=(lambda: [3], st.sampled_from(
            [py(None), py(3.5), py([]), py([3, 3]), py([0]), py([1.5]), py("3")]), ())),
    "Conv1DLSTMCell": spec(
        lambda input_shape, output_channels: cr.Conv1DLSTMCell(
            input_shape=input_shape, output_channels=output_channels, kernel_shape=[3]),
        input_shape=(lambda: [4, 2], st.sampled_from([py([4]), py([4, 2, 2]), py(None)]), ()),
        output_channels=(lambda: 2, bad_size, ())),
    "Conv2DLSTMCell": spec(
        lambda kernel_shape: cr.Conv2DLSTMCell(
            input_shape=[4, 4, 2], output_channels=2, kernel_shape=kernel_shape),
        kernel_shape=(lambda: [3, 3], st.sampled_from([py([3]), py(None), py([3, 0])]), ())),
    "Conv3DLSTMCell": spec(
        lambda input_shape: cr.Conv3DLSTMCell(
            input_shape=input_shape, output_channels=1, kernel_shape=[2, 2, 2]),
        input_shape=(lambda: [2, 2, 2, 1], st.sampled_from(
            [py([2, 2, 1]), py(None), py([2, 2, 2, 0])]), ())),
    "HighwayWrapper": spec(cr.HighwayWrapper, cell=(cell, bad_cell, ())),
    "AttentionCellWrapper": spec(
        cr.AttentionCellWrapper, cell=(cell, bad_cell, ()),
        attn_length=(lambda: 2, bad_size, ()),
        attn_size=(lambda: None, bad_optional_size, ()),
        attn_vec_size=(lambda: None, bad_optional_size, ())),
    "CompiledWrapper": spec(cr.CompiledWrapper, cell=(cell, bad_cell, ())),
    # contrib_rnn cells: calls.
    "CoupledInputForgetGateLSTMCell call": lstm_call(
        lambda: cr.CoupledInputForgetGateLSTMCell(H)),
    "TimeFreqLSTMCell call": gru_call(lambda: cr.TimeFreqLSTMCell(H, feature_size=D),
                                      units=2 * H),
    "GridLSTMCell call": cell_call(
        lambda: cr.GridLSTMCell(H, feature_size=D, frequency_skip=1, num_frequency_blocks=[1]),
        bad_state=bad_tuple_state(H)),
    "BidirectionalGridLSTMCell call": cell_call(
        lambda: cr.BidirectionalGridLSTMCell(H, feature_size=D, frequency_skip=1,
                                             num_frequency_blocks=[1]),
        bad_state=bad_tuple_state(H)),
    "LayerNormBasicLSTMCell call": lstm_call(lambda: cr.LayerNormBasicLSTMCell(H)),
    "NASCell call": lstm_call(lambda: cr.NASCell(H)),
    "UGRNNCell call": gru_call(lambda: cr.UGRNNCell(H)),
    "IntersectionRNNCell call": gru_call(lambda: cr.IntersectionRNNCell(H, num_in_proj=H)),
    "GLSTMCell call": lstm_call(lambda: cr.GLSTMCell(H)),
    "IndRNNCell call": gru_call(lambda: cr.IndRNNCell(H)),
    "PhasedLSTMCell call": lstm_call(
        lambda: cr.PhasedLSTMCell(H), inputs=lambda: (tf.zeros([B, 1]), tf.zeros([B, D])),
        bad_inputs=st.one_of(
            st.just(tensor((B, D))), st.just(py("inputs")),
            st.just(steps(tensor((B, 1)), tensor((B, D), "int32"))),
            st.just(steps(tensor((B, 1)), tensor((B + 1, D)))),
            st.just(steps(tensor((B, 1)), tensor((B, D, 1)))),
            st.just(steps(tensor((B, 1)), tensor((B, D)), tensor((B, D)))))),
    "Conv1DLSTMCell call": cell_call(
        lambda: cr.Conv1DLSTMCell(input_shape=[4, 2], output_channels=2, kernel_shape=[3]),
        inputs=lambda: tf.zeros([B, 4, 2]), bad_inputs=st.sampled_from([
            tensor((B, 4)), tensor((B, 4, 3)), tensor((B, 5, 2)), tensor((B, 4, 2), "int32"),
            tensor((B + 1, 4, 2)), py("inputs")]),
        bad_state=st.sampled_from([
            tensor((B, 4, 2)), py("state"), steps(tensor((B, 4, 2)), tensor((B, 4, 3))),
            steps(tensor((B + 1, 4, 2)), tensor((B + 1, 4, 2))),
            steps(tensor((B, 4)), tensor((B, 4)))])),
    "HighwayWrapper call": gru_call(lambda: cr.HighwayWrapper(rnn_cell.GRUCell(D)), units=D),
    "AttentionCellWrapper call": cell_call(
        lambda: cr.AttentionCellWrapper(rnn_cell.GRUCell(H), 2),
        bad_state=st.sampled_from([
            tensor((B, H)), py("state"), steps(tensor((B, H)), tensor((B, H))),
            steps(tensor((B, H)), tensor((B, H)), tensor((B, H + 1))),
            steps(tensor((B, H)), tensor((B, H)), tensor((B, 2 * H), "int32"))])),
    "CompiledWrapper call": gru_call(lambda: cr.CompiledWrapper(rnn_cell.GRUCell(H))),
    # fused_rnn_cell.
    "LSTMBlockCell": spec(fr.LSTMBlockCell, num_units=(lambda: H, bad_size, ()),
                          cell_clip=(lambda: None, st.sampled_from([py("x"), py([1.0])]), ()),
                          forget_bias=(lambda: 1.0, st.sampled_from([py("x"), py(None)]), ())),
    "GRUBlockCell": spec(fr.GRUBlockCell, num_units=(lambda: H, bad_size, ())),
    "GRUBlockCellV2": spec(fr.GRUBlockCellV2, num_units=(lambda: H, bad_size, ())),
    "LSTMBlockFusedCell": spec(fr.LSTMBlockFusedCell, num_units=(lambda: H, bad_size, ()),
                               cell_clip=(lambda: None, st.sampled_from([py("x")]), ())),
    "FusedRNNCellAdaptor": spec(fr.FusedRNNCellAdaptor, cell=(cell, bad_cell, ())),
    "TimeReversedFusedRNN": spec(fr.TimeReversedFusedRNN, cell=(
        lambda: fr.LSTMBlockFusedCell(H), st.one_of(junk.map(py), st.sampled_from(
            [("cell_class",), ("gru",)])), ())),
    "LSTMBlockCell call": lstm_call(lambda: fr.LSTMBlockCell(H)),
    "GRUBlockCell call": gru_call(lambda: fr.GRUBlockCell(H)),
    "GRUBlockCellV2 call": gru_call(lambda: fr.GRUBlockCellV2(H)),
    **{f"{name} call": spec(
        lambda inputs, initial_state, dtype, sequence_length, make=make: make()(
            inputs, initial_state=initial_state, dtype=dtype, sequence_length=sequence_length),
        inputs=(lambda: tf.zeros([T, B, D]), st.sampled_from([
            tensor((T, B)), tensor((T, B, D), "int32"), py("inputs"), py(None),
            ("placeholder", (T, B, None), tf.float32), steps(tensor((B, D)), tensor((B, D + 1)))
        ]), ()),
        # The adaptor hands `initial_state` to its cell, whose message names `state`.
        initial_state=(lambda: None, bad_tuple_state(H), ("state",)),
        dtype=(lambda: tf.float32, st.sampled_from([py("float33"), py(3.5)]), ()),
        sequence_length=(lambda: None, st.sampled_from(
            [tensor((B, 1), "int32"), tensor((B + 1,), "int32"), tensor((B,)), py("len")]), ()))
      for name, make in {
          "LSTMBlockFusedCell": lambda: fr.LSTMBlockFusedCell(H),
          "FusedRNNCellAdaptor": lambda: fr.FusedRNNCellAdaptor(rnn_cell.BasicLSTMCell(H)),
          "TimeReversedFusedRNN": lambda: fr.TimeReversedFusedRNN(fr.LSTMBlockFusedCell(H)),
      }.items()},
    # beam_search.
    "beam embedding_rnn_seq2seq": spec(
        beam_search.embedding_rnn_seq2seq, encoder_inputs=(ids, id_steps, ("inputs",)),
        cell=(cell, bad_cell, ()), num_encoder_symbols=(lambda: V, bad_size, ()),
        num_decoder_symbols=(lambda: V, bad_size, ()), embedding_size=(lambda: E, bad_size, ()),
        output_projection=(lambda: None, bad_projection, ()),
        dtype=(lambda: None, st.sampled_from([py("float33"), py(3.5)]), ()),
        **beam_options()),
    "beam embedding_attention_seq2seq": spec(
        beam_search.embedding_attention_seq2seq, encoder_inputs=(ids, id_steps, ("inputs",)),
        cell=(cell, bad_cell, ()), num_encoder_symbols=(lambda: V, bad_size, ()),
        num_decoder_symbols=(lambda: V, bad_size, ()), embedding_size=(lambda: E, bad_size, ()),
        num_heads=(lambda: 1, bad_heads, ()),
        output_projection=(lambda: None, bad_projection, ()),
        initial_state_attention=(lambda: False, bad_flag, ()), **beam_options()),
    "beam model_with_buckets": spec(
        beam_search.model_with_buckets, encoder_inputs=(ids, id_steps, ()),
        buckets=(lambda: [(T, T)], st.one_of(
            junk.map(py), st.just(py([])), st.just(py([(0, 1)])), st.just(py([(1.5, 2)])),
            st.just(py([(1,)])), st.just(py([(T + 1, T)]))), ("encoder_inputs",)),
        decode=(lambda: lambda enc, n: enc, bad_callable, ()),
        name=(lambda: None, st.sampled_from([py(3), py(("a",))]), ())),
    "length_penalty_factor": spec(
        beam_search.length_penalty_factor, lengths=(lambda: tf.ones([B], tf.int32),
                                                    st.sampled_from([py("3"), py(None)]), ()),
        alpha=(lambda: 0.6, st.sampled_from([py("0.6"), py(None), py(-1.0),
                                             py(float("nan")), tensor((B,))]), ())),
    # serving.
    "source_inputs": spec(serving.source_inputs, encoder_length=(lambda: T, bad_size, ()),
                          pad_id=(lambda: 0, st.sampled_from([py(-1), py(1.5), py(True),
                                                              py("0")]), ()),
                          reverse=(lambda: True, bad_flag, ()),
                          name=(lambda: "source", st.sampled_from([py(3), py(None)]), ())),
    "encoder_inputs_from_ids": spec(
        serving.encoder_inputs_from_ids,
        ids=(ids_with_time, st.sampled_from([
            tensor((B,), "int32"), tensor((B, T + 1), "int32"), tensor((B, T, 1), "int32"),
            tensor((B, T), "float32"), py("ids"), py(None)]), ()),
        lengths=(lambda: tf.ones([B], tf.int32), st.sampled_from([
            tensor((B, 1), "int32"), tensor((B + 1,), "int32"), tensor((B,), "float32"),
            py("lengths"), py(None)]), ()),
        encoder_length=(lambda: T, bad_size, ()),
        pad_id=(lambda: 0, st.sampled_from([py(-1), py(1.5), py(True)]), ()),
        reverse=(lambda: True, bad_flag, ())),
    "go_inputs": spec(
        serving.go_inputs, inputs=(lambda: serving.source_inputs(T), junk.map(py), ()),
        decoder_length=(lambda: T, bad_size, ()),
        go_id=(lambda: 0, st.sampled_from([py(-1), py(1.5), py(True), py("0"), py(None)]), ())),
    "greedy_ids": spec(
        # Outputs H wide, as a model's with an output projection to V symbols.
        serving.greedy_ids, outputs=(lambda: [tf.zeros([B, H])] * T,
                                     bad_steps((B, H), "float32", axes=(0,)), ()),
        output_projection=(lambda: None, bad_projection, ())),
    "export_decoder": spec(
        serving.export_decoder, sess=(FakeSession, junk.map(py), ()),
        export_dir=(lambda: os.path.join(EXPORT_ROOT, "never-written"),
                    st.sampled_from([py(None), py(3), py("/")]), ()),
        inputs=(lambda: {"source": tf.zeros([B, T], tf.int32)}, st.sampled_from(
            [py(None), py({}), py(3), py({"a": "b"}), py([tensor((B,))])]), ()),
        outputs=(lambda: tf.zeros([B, T], tf.int32), st.sampled_from(
            [py(None), py({}), py(3), py({"ids": "b"})]), ()),
        tags=(lambda: None, st.sampled_from([py("serve"), py(3), py([3])]), ())),
}


def build_new_value(recipe):
    if recipe == ("gru",):
        return cell()
    if recipe[0] == "list" and recipe[1] and recipe[1][0] == ("gru",):
        return [cell(), build(recipe[1][1])]
    return build_value(recipe)


@st.composite
def new_mistakes(draw):
    name = draw(st.sampled_from(sorted(NEW_CALLABLES)))
    fn, args = NEW_CALLABLES[name]
    arg = draw(st.sampled_from(sorted(args)))
    return name, arg, draw(args[arg][1])


@settings(max_examples=800, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(new_mistakes())
def test_wrong_arguments_to_the_newer_modules_raise_clear_errors(mistake):
    check_mistake(NEW_CALLABLES, build_new_value, *mistake)


def test_every_public_callable_of_the_newer_modules_is_covered():
    abstract = {"FusedRNNCell", "LSTMBlockWrapper", "BeamSearchOutput", "SourceInputs"}
    expected = set()
    for module in (contrib_rnn, fused_rnn_cell, beam_search, serving):
        for symbol in set(module.__all__) - abstract:
            prefix = "beam " if module is beam_search and symbol != "length_penalty_factor" \
                else ""
            expected.add(prefix + symbol)
    covered = set(NEW_CALLABLES)
    assert expected <= covered, sorted(expected - covered)
    # Conv1DLSTMCell's call stands for the call shared by every ConvLSTMCell.
    cells = {n for n in expected if n[0].isupper()} - {
        "ConvLSTMCell", "Conv2DLSTMCell", "Conv3DLSTMCell"}
    calls = {f"{n} call" for n in cells}
    assert calls <= covered, sorted(calls - covered)
