"""Every public function and class says how it relates to TF 1.15.

The house rule: a docstring paragraph starting ``Compatibility:`` on every
public symbol (each module's ``__all__`` and the package's top level).
"""

import importlib
import inspect
import pkgutil

import pytest

import legacy_seq2seq_compat

# Every public module of the package, found rather than listed, so a new module is covered
# from its first commit. `tf1` is left out: importing it switches the whole process to TF1
# behaviour (its names are TensorFlow's own plus the facade, documented in its module
# docstring); `__main__` only calls the command line.
_SKIPPED = {"tf1", "__main__"}
MODULES = [legacy_seq2seq_compat] + [
    importlib.import_module(f"legacy_seq2seq_compat.{info.name}")
    for info in pkgutil.iter_modules(legacy_seq2seq_compat.__path__)
    if not info.name.startswith("_") and info.name not in _SKIPPED]


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
    return found


SYMBOLS = public_symbols()


def test_every_module_is_walked():
    assert len(SYMBOLS) > 60


@pytest.mark.parametrize("obj", SYMBOLS)
def test_compatibility_note(obj):
    doc = inspect.getdoc(obj) or ""
    lines = [line.strip() for line in doc.splitlines()]
    # A section header alone on its line, or a paragraph that starts with it.
    assert any(line.startswith("Compatibility:") for line in lines), (
        f"{obj.__module__}.{obj.__qualname__} has no 'Compatibility:' paragraph saying how it "
        "relates to TF 1.15")
    note = doc.split("Compatibility:", 1)[1].strip()
    assert len(note.split()) >= 5, f"{obj.__qualname__}: the Compatibility note is too short"
