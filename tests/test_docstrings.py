"""Every public function and class says how it relates to TF 1.15.

The house rule: a docstring paragraph starting ``Compatibility:`` on every
public symbol (each module's ``__all__`` and the package's top level).
"""

import inspect

import pytest

import legacy_seq2seq_compat
from legacy_seq2seq_compat import (
    buckets,
    checkpoints,
    cli,
    contrib,
    decoders,
    fastpath,
    keras_weights,
    legacy_seq2seq,
    losses,
    migrate,
    models,
    rnn,
    rnn_cell,
    runner,
    tf2,
)

MODULES = [legacy_seq2seq_compat, buckets, checkpoints, contrib, decoders, fastpath,
           keras_weights, legacy_seq2seq, losses, migrate, models, rnn, rnn_cell, runner, tf2]


def public_symbols():
    """(label, object) for every function and class in a module's __all__, once each."""
    seen = set()
    found = []
    for module in MODULES:
        assert module.__all__, f"{module.__name__} has an empty __all__"
        for name in module.__all__:
            obj = getattr(module, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)) or id(obj) in seen:
                continue
            seen.add(id(obj))
            found.append(pytest.param(obj, id=f"{module.__name__}.{name}"))
    # cli.py has no __all__: its public entry point is main.
    found.append(pytest.param(cli.main, id="legacy_seq2seq_compat.cli.main"))
    return found


SYMBOLS = public_symbols()


def test_every_module_is_walked():
    assert len(SYMBOLS) > 60


@pytest.mark.parametrize("obj", SYMBOLS)
def test_compatibility_note(obj):
    doc = inspect.getdoc(obj) or ""
    lines = [line.strip() for line in doc.splitlines()]
    assert "Compatibility:" in lines, (
        f"{obj.__module__}.{obj.__qualname__} has no 'Compatibility:' paragraph saying how it "
        "relates to TF 1.15")
    note = doc.split("Compatibility:", 1)[1].strip()
    assert len(note.split()) >= 5, f"{obj.__qualname__}: the Compatibility note is too short"
