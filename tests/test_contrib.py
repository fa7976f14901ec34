"""tf.contrib stand-in: what it provides, the import paths, and the "not provided" errors."""

import importlib
import pathlib
import re
import sys

import pytest
import tensorflow as tf
import tf_slim

from legacy_seq2seq_compat import contrib as contrib_module
from legacy_seq2seq_compat import decoders, legacy_seq2seq, rnn, rnn_cell

GUIDE = pathlib.Path(__file__).resolve().parent.parent / "migration_guide.md"
contrib = contrib_module.contrib


@pytest.fixture
def installed():
    contrib_module.install()
    yield contrib
    contrib_module.uninstall()


def _guide_anchors() -> set:
    headings = re.findall(r"^#+ (.+)$", GUIDE.read_text(), re.M)
    return {contrib_module.guide_anchor(h) for h in headings}


def test_legacy_seq2seq_has_exactly_the_13_functions():
    assert sorted(dir(contrib.legacy_seq2seq)) == sorted(legacy_seq2seq.__all__)
    for name in legacy_seq2seq.__all__:
        assert getattr(contrib.legacy_seq2seq, name) is getattr(legacy_seq2seq, name)


@pytest.mark.parametrize("name", rnn_cell.__all__)
def test_rnn_has_our_cells(name):
    assert getattr(contrib.rnn, name) is getattr(rnn_cell, name)


@pytest.mark.parametrize("name", rnn.__all__)
def test_rnn_has_our_static_rnns(name):
    assert getattr(contrib.rnn, name) is getattr(rnn, name)


@pytest.mark.parametrize("name", rnn_cell.__all__)
def test_core_rnn_cell_module_has_every_cell_as_tf_1_0_did(name):
    assert getattr(contrib.rnn.core_rnn_cell, name) is getattr(rnn_cell, name)


def test_core_rnn_cell_module_has_the_tf_1_15_linear_class():
    assert contrib.rnn.core_rnn_cell._Linear is rnn_cell.Linear


def test_private_linear_creates_kernel_and_bias_in_the_current_scope():
    with tf.Graph().as_default():
        a = tf.constant([[1.0, 2.0]])
        b = tf.constant([[3.0]])
        with tf.compat.v1.variable_scope("attn"):
            out = contrib.rnn.core_rnn_cell._linear(
                [a, b], 2, True, kernel_initializer=tf.compat.v1.constant_initializer(0.5),
                bias_initializer=tf.compat.v1.constant_initializer(0.25))
        names = [(v.name, v.shape.as_list()) for v in tf.compat.v1.global_variables()]
        assert names == [("attn/kernel:0", [3, 2]), ("attn/bias:0", [2])]
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            # (1 + 2 + 3) * 0.5 + 0.25 in both columns.
            assert sess.run(out).tolist() == [[3.25, 3.25]]


def test_slim_layers_and_framework_come_from_tf_slim():
    assert contrib.slim is tf_slim
    assert contrib.layers.fully_connected is tf_slim.layers.fully_connected
    assert contrib.layers.xavier_initializer is tf_slim.xavier_initializer
    assert contrib.layers.optimize_loss is tf_slim.optimize_loss
    assert contrib.framework.get_or_create_global_step is tf_slim.get_or_create_global_step
    assert contrib.framework.arg_scope is tf_slim.arg_scope
    assert contrib.framework.list_variables is tf.train.list_variables
    assert contrib.framework.nest is tf.nest


def test_extract_argmax_and_embed_reachable_under_its_tf1_private_name(installed):
    from tensorflow.contrib.legacy_seq2seq.python.ops import seq2seq

    assert seq2seq._extract_argmax_and_embed is decoders.extract_argmax_and_embed
    assert seq2seq.embedding_attention_seq2seq is legacy_seq2seq.embedding_attention_seq2seq


def test_install_makes_the_import_paths_work(installed):
    from tensorflow.contrib import legacy_seq2seq as imported_seq2seq
    from tensorflow.contrib import rnn as imported_rnn
    from tensorflow.contrib.rnn import GRUCell, LSTMStateTuple

    assert imported_seq2seq is contrib.legacy_seq2seq
    assert imported_rnn is contrib.rnn
    assert GRUCell is rnn_cell.GRUCell and LSTMStateTuple is rnn_cell.LSTMStateTuple
    assert tf.contrib is contrib
    assert importlib.import_module("tensorflow.contrib.slim") is tf_slim
    assert importlib.import_module("tensorflow.contrib.slim.nets") is importlib.import_module(
        "tf_slim.nets")
    core = importlib.import_module("tensorflow.contrib.rnn.python.ops.core_rnn_cell")
    assert core is contrib.rnn.core_rnn_cell


@pytest.mark.parametrize("path, names", [
    ("tensorflow.contrib.rnn.python.ops.core_rnn_cell_impl", rnn_cell.__all__),
    ("tensorflow.contrib.rnn.python.ops.core_rnn", rnn.__all__),
    ("tensorflow.models.rnn.rnn_cell", rnn_cell.__all__),
    ("tensorflow.models.rnn.seq2seq", legacy_seq2seq.__all__),
    ("tensorflow.python.ops.seq2seq", legacy_seq2seq.__all__),
])
def test_import_paths_of_tf_1_0_and_0_x(installed, path, names):
    module = importlib.import_module(path)
    for name in names:
        assert getattr(module, name) is getattr(
            rnn_cell if name in rnn_cell.__all__ else rnn if name in rnn.__all__
            else legacy_seq2seq, name)


def test_tf_0_x_rnn_module_has_the_old_function_names(installed):
    from tensorflow.models.rnn import rnn as old_rnn

    assert old_rnn.rnn is rnn.static_rnn
    assert old_rnn.bidirectional_rnn is rnn.static_bidirectional_rnn
    assert old_rnn.state_saving_rnn is rnn.static_state_saving_rnn


def test_other_tf_0_x_tutorial_modules_say_to_copy_them(installed):
    with pytest.raises(ModuleNotFoundError, match=re.escape(
            "No module named 'tensorflow.models.rnn.translate': tensorflow.models held the "
            "tutorials that TF 0.x shipped")):
        importlib.import_module("tensorflow.models.rnn.translate")


@pytest.mark.parametrize("scope, names", [
    (None, [("cell/kernel:0", [3, 2]), ("cell/bias:0", [2])]),
    ("Gates", [("cell/Gates/kernel:0", [3, 2]), ("cell/Gates/bias:0", [2])]),
])
def test_tf_1_0_linear_takes_a_bias_start_and_a_scope(scope, names):
    with tf.Graph().as_default():
        a = tf.constant([[1.0, -2.0]])
        b = tf.constant([[3.0]])
        with tf.compat.v1.variable_scope(
                "cell", initializer=tf.compat.v1.constant_initializer(0.5)):
            out = contrib_module.rnn_cell_pre_1_0._linear([a, b], 2, True, 1.5, scope=scope)
        assert [(v.name, v.shape.as_list()) for v in tf.compat.v1.global_variables()] == names
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            # (1 - 2 + 3) * 0.5 + the bias start 1.5.
            assert sess.run(out).tolist() == [[2.5, 2.5]]


def test_install_twice_and_uninstall():
    contrib_module.install()
    contrib_module.install()
    try:
        assert sys.meta_path.count(contrib_module._FINDER) == 1
    finally:
        contrib_module.uninstall()
    assert not hasattr(tf, "contrib")
    for path in ("tensorflow.contrib.rnn", "tensorflow.models.rnn.rnn_cell"):
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(path)


def test_install_changes_no_tensorflow_behaviour(installed):
    assert tf.executing_eagerly()


@pytest.mark.parametrize("member, section", [
    ("seq2seq", "tf.contrib.seq2seq"),
    ("cudnn_rnn", "tf.contrib.cudnn_rnn"),
    ("crf", "tf.contrib.crf"),
    ("learn", "tf.contrib.learn and tf.contrib.estimator"),
    ("distributions", "Other tf.contrib modules"),
])
def test_missing_module_names_it_and_points_at_the_guide(member, section):
    with pytest.raises(contrib_module.ContribNotProvidedError) as caught:
        getattr(contrib, member)
    message = str(caught.value)
    assert message.startswith(f"tf.contrib.{member} is not provided by legacy_seq2seq_compat")
    assert f"migration_guide.md, section '{section}'" in message
    assert caught.value.member == f"tf.contrib.{member}"
    assert contrib_module.guide_anchor(section) in _guide_anchors()


@pytest.mark.parametrize("statement, member", [
    ("from tensorflow.contrib import seq2seq", "tf.contrib.seq2seq"),
    ("import tensorflow.contrib.cudnn_rnn", "tf.contrib.cudnn_rnn"),
    ("from tensorflow.contrib.grid_rnn import Grid2LSTMCell", "tf.contrib.grid_rnn"),
    ("from tensorflow.contrib.layers import embed_sequence", "tf.contrib.layers.embed_sequence"),
    ("import tensorflow.contrib.rnn.python.ops.no_such_ops",
     "tf.contrib.rnn.python.ops.no_such_ops"),
])
def test_missing_imports_keep_our_message(installed, statement, member):
    # An AttributeError would be replaced by Python's generic "cannot import name".
    with pytest.raises(ImportError, match=re.escape(f"{member} is not provided")):
        exec(statement, {})


def test_missing_rnn_cell_points_at_the_rnn_section():
    with pytest.raises(contrib_module.ContribNotProvidedError,
                       match="section 'Other tf.contrib.rnn cells and functions'"):
        contrib.grid_rnn  # noqa: B018


def test_names_tf115_never_had_are_plain_attribute_errors():
    with pytest.raises(AttributeError, match="has no attribute 'no_such_module'"):
        contrib.no_such_module  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchCell'"):
        contrib.rnn.NoSuchCell  # noqa: B018
    with pytest.raises(AttributeError):
        contrib._private  # noqa: B018
    assert not hasattr(contrib.rnn, "__wrapped__")


def test_every_section_an_error_can_name_exists_in_the_guide():
    anchors = _guide_anchors()
    for title in contrib_module.sections():
        assert contrib_module.guide_anchor(title) in anchors, title


@pytest.mark.parametrize("module", sorted(set(contrib_module._MODULE_SECTIONS)))
def test_every_missing_module_is_listed_in_its_guide_section(module):
    guide = GUIDE.read_text()
    section = contrib_module._MODULE_SECTIONS[module]
    start = guide.index(f"### {section}\n")
    end = guide.find("\n### ", start + 1)
    body = guide[start:] if end < 0 else guide[start:end]
    assert f"tf.contrib.{module}" in body or f"`{module}`" in body, (module, section)


def test_guide_anchor_follows_github_rules():
    assert contrib_module.guide_anchor("tf.contrib.cudnn_rnn") == "tfcontribcudnn_rnn"
    assert contrib_module.guide_anchor("Other tf.contrib modules") == "other-tfcontrib-modules"


def _process_state():
    """Everything install() and the old import paths can change in this process."""
    import tensorflow.python.ops as tf_ops

    return {
        "meta_path": list(sys.meta_path),
        "modules": {name: id(module) for name, module in sys.modules.items()},
        "tf": sorted(vars(tf)),
        "tf_ops": sorted(vars(tf_ops)),
        "namespaces": [sorted(vars(space)) for space in (contrib, contrib.rnn,
                                                         contrib.legacy_seq2seq)],
    }


_EVERY_PATH = [
    "tensorflow.contrib.rnn", "tensorflow.contrib.legacy_seq2seq.python.ops.seq2seq",
    "tensorflow.contrib.rnn.python.ops.core_rnn_cell_impl", "tensorflow.contrib.slim.nets",
    "tensorflow.models.rnn.rnn_cell", "tensorflow.python.ops.seq2seq",
]


def test_uninstall_puts_the_process_back_as_it_was():
    import tensorflow.python.ops  # noqa: F401 - imported before the snapshot on purpose

    before = _process_state()
    contrib_module.install()
    for path in _EVERY_PATH:
        importlib.import_module(path)
    assert tf.contrib is contrib and hasattr(tf, "models")
    contrib_module.uninstall()
    assert _process_state() == before
    contrib_module.uninstall()  # a second call does nothing
    assert _process_state() == before


def test_installed_context_manager_scopes_the_change():
    before = _process_state()
    with contrib_module.installed() as module:
        assert module is contrib and tf.contrib is contrib
        importlib.import_module("tensorflow.models.rnn.seq2seq")
        with contrib_module.installed():  # nested: the outer one stays in force
            pass
        assert importlib.import_module("tensorflow.contrib.rnn") is contrib.rnn
    assert _process_state() == before
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("tensorflow.contrib.rnn")
    # Already installed before the block: still installed after it.
    contrib_module.install()
    try:
        with contrib_module.installed():
            pass
        assert tf.contrib is contrib
    finally:
        contrib_module.uninstall()
    assert _process_state() == before
