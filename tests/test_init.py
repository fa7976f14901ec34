"""The package top level: lazy (PEP 562) yet complete.

`import legacy_seq2seq_compat` imports no TensorFlow (checked in a fresh
interpreter by tests/test_cli.py); here every name of `__all__` is reached
through the module attribute and `from ... import`, and is the object its home
module holds.
"""

import importlib

import pytest

import legacy_seq2seq_compat as lsc

_SUBMODULES = ["beam_search", "buckets", "checkpoints", "contrib_rnn", "decoders", "fastpath",
               "fused_rnn_cell", "keras_weights", "legacy_seq2seq", "losses", "models", "rnn",
               "rnn_cell", "serving", "tf2"]
_FUNCTIONS = ["attention_decoder", "basic_rnn_seq2seq", "embedding_attention_decoder",
              "embedding_attention_seq2seq", "embedding_rnn_decoder", "embedding_rnn_seq2seq",
              "embedding_tied_rnn_seq2seq", "model_with_buckets", "one2many_rnn_seq2seq",
              "rnn_decoder", "sequence_loss", "sequence_loss_by_example", "tied_rnn_seq2seq"]


def test_all_lists_every_public_name_once():
    assert sorted(lsc.__all__) == sorted(
        ["__version__", "install", "uninstall", *_SUBMODULES, *_FUNCTIONS])
    assert len(set(lsc.__all__)) == len(lsc.__all__)
    assert set(lsc.__all__) <= set(dir(lsc))


@pytest.mark.parametrize("name", _SUBMODULES)
def test_submodules_load_on_first_use(name):
    assert getattr(lsc, name) is importlib.import_module(f"legacy_seq2seq_compat.{name}")


@pytest.mark.parametrize("name", _FUNCTIONS)
def test_the_13_functions_are_legacy_seq2seqs(name):
    from legacy_seq2seq_compat import legacy_seq2seq

    assert getattr(lsc, name) is getattr(legacy_seq2seq, name)


def test_install_uninstall_and_star_import():
    from legacy_seq2seq_compat import contrib

    assert lsc.install is contrib.install and lsc.uninstall is contrib.uninstall
    namespace = {}
    exec("from legacy_seq2seq_compat import *", namespace)
    assert {name for name in namespace if name != "__builtins__"} == set(lsc.__all__)


def test_unknown_names_are_attribute_errors():
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        lsc.no_such_name  # noqa: B018
