"""TensorFlow 1.x `tf.contrib.legacy_seq2seq` and the TF1 RNN cells on TF 2.x.

The package top level offers the 13 functions of `tf.contrib.legacy_seq2seq`
(also available as the module `legacy_seq2seq_compat.legacy_seq2seq`), the
cells in `rnn_cell`, the static RNN helpers in `rnn`, the rest of
`tf.contrib.rnn` in `contrib_rnn` and `fused_rnn_cell`, beam-search decoding
of the legacy models in `beam_search` and SavedModel export in `serving`, the switches of the
fast graph builders in `fastpath`, TF1 checkpoint tools in `checkpoints`,
numpy converters of GRU / LSTM cell weights to and from Keras 3 layer
weights in `keras_weights`, `tf2.TF1Module` to run all of it in TF2
eager mode and `tf.function` with TF1 variable names, and `install()` /
`uninstall()`, which make `from tensorflow.contrib import legacy_seq2seq, rnn`
work and stop working again.

Everything here is loaded on first use (PEP 562): ``import legacy_seq2seq_compat``
alone does not import TensorFlow, so the command line answers ``--help``,
``--version`` and ``migrate`` at once. Attribute access
(``legacy_seq2seq_compat.rnn_cell``), ``from legacy_seq2seq_compat import
embedding_rnn_seq2seq``, star imports and ``dir(legacy_seq2seq_compat)`` work
as if everything had been imported eagerly.

Old scripts: `import legacy_seq2seq_compat.tf1 as tf` is TF 1.x's `tensorflow`
(it switches the process to TF1 behaviour, so it is not offered here), and
`legacy-seq2seq-compat run SCRIPT.py` runs a script with no change at all.
"""

from __future__ import annotations

import importlib as _importlib
from typing import Any as _Any

from legacy_seq2seq_compat._version import __version__

# Sub-modules offered as attributes, imported on first access.
_SUBMODULES = (
    "beam_search", "buckets", "checkpoints", "contrib_rnn", "decoders", "fastpath",
    "fused_rnn_cell", "keras_weights", "legacy_seq2seq", "losses", "models", "rnn", "rnn_cell",
    "serving", "tf2",
)
# The 13 functions of tf.contrib.legacy_seq2seq: all served by the legacy_seq2seq module.
_FUNCTIONS = (
    "attention_decoder", "basic_rnn_seq2seq", "embedding_attention_decoder",
    "embedding_attention_seq2seq", "embedding_rnn_decoder", "embedding_rnn_seq2seq",
    "embedding_tied_rnn_seq2seq", "model_with_buckets", "one2many_rnn_seq2seq", "rnn_decoder",
    "sequence_loss", "sequence_loss_by_example", "tied_rnn_seq2seq",
)
# Modules reachable as attributes too, though not part of the star-import API.
_MORE_MODULES = ("cluster", "contrib", "migrate")
# Other names and the module that holds each.
_ELSEWHERE = {"install": "contrib", "uninstall": "contrib"}

__all__ = ["__version__", "install", "uninstall", *_SUBMODULES, *_FUNCTIONS]


def __getattr__(name: str) -> _Any:
    """Imports a sub-module or a public name of `__all__` the first time it is used."""
    if name in _SUBMODULES or name in _MORE_MODULES:
        value = _importlib.import_module(f"{__name__}.{name}")
    elif name in _FUNCTIONS:
        value = getattr(_importlib.import_module(f"{__name__}.legacy_seq2seq"), name)
    elif name in _ELSEWHERE:
        value = getattr(_importlib.import_module(f"{__name__}.{_ELSEWHERE[name]}"), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
