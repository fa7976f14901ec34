"""TF 1.x's ``tensorflow`` module for old scripts: ``import legacy_seq2seq_compat.tf1 as tf``.

Everything is ``tf.compat.v1`` with TF2 behaviour disabled (graph mode, ref
variables, v1 control flow), plus what TF 2.x no longer has:

* ``tf.contrib``: ``legacy_seq2seq``, ``rnn`` (our cells, wrappers,
  ``LSTMStateTuple``, the static RNNs, ``core_rnn_cell``), ``slim``, and the
  tf-slim members of ``layers`` and ``framework``; anything else raises
  `legacy_seq2seq_compat.contrib.ContribNotProvidedError` pointing at the
  migration guide;
* ``tf.nn.rnn_cell``: our cells (TF 2.16+ raises "not available with Keras 3"
  for TensorFlow's own), and ``tf.nn.static_rnn``,
  ``tf.nn.static_bidirectional_rnn``, ``tf.nn.static_state_saving_rnn``;
* ``tf.nn.sampled_softmax_loss`` / ``tf.nn.nce_loss`` also accept TF 0.x's
  positional order (inputs before labels) when the dtypes make it certain;
* the pre-1.0 spellings ``tf.nn.seq2seq.*`` (our legacy_seq2seq) and
  ``tf.nn.rnn`` / ``tf.nn.bidirectional_rnn`` / ``tf.nn.state_saving_rnn``
  (our static RNNs; variables get the TF 1.x names, e.g. ``rnn/...`` rather than
  0.12's ``RNN/...``: convert old checkpoints with ``legacy-seq2seq-compat ckpt
  convert``);
* ``tf.compat.v1`` is this facade again, so ``import tensorflow.compat.v1 as tf``
  scripts get the cells as well.

Importing this module calls ``tf.compat.v1.disable_v2_behavior()``, which
affects the whole process: import it first, before any TF2-style code runs. It
also calls `legacy_seq2seq_compat.install()`, so ``from tensorflow.contrib
import legacy_seq2seq, rnn`` lines keep working (`legacy_seq2seq_compat.uninstall()`
undoes that part; TF1 behaviour stays for the process).

The import swap is one line per file: a file that still imports plain
``tensorflow`` gets TF 2.x, where ``tf.contrib`` works (`install()` puts it
there) but ``tf.placeholder``, ``tf.Session``, ... do not exist. While this
facade is in use, such an uncaught AttributeError gets a note naming the file's
missing swap (TensorFlow's own module is not patched). ``legacy-seq2seq-compat
run`` serves the facade to every file, so nothing needs changing.

Quiet start: unless ``TF_CPP_MIN_LOG_LEVEL`` is set in the environment, the
import hides TensorFlow's start-up log lines (oneDNN notice, ``Could not find
cuda drivers``, ``failed call to cuInit``) and the deprecation warning that our
own ``disable_v2_behavior()`` call logs, and sets ``TF_CPP_MIN_LOG_LEVEL=2``
for the rest of the process (TensorFlow's C++ errors still show). Set the
variable yourself (``0`` shows everything) to keep all of it. TensorFlow reads
the variable once, when it is first imported: if your program imported
TensorFlow before this facade, only the Python-level part of the quieting
applies.

TensorFlow API changes older than 1.0 (``tf.mul``, ``tf.concat(axis, values)``)
are not undone.
"""

import sys as _sys
import types as _types

from legacy_seq2seq_compat import _hints, _quiet

# Quiet unless the user set TF_CPP_MIN_LOG_LEVEL (see _quiet): TensorFlow's start-up lines
# and the deprecation warning of our own disable_v2_behavior() call are not the user's.
with _quiet.quiet_start(_quiet.wanted()):
    import tensorflow as _tf

    from legacy_seq2seq_compat import rnn as _rnn
    from legacy_seq2seq_compat.contrib import contrib
    from legacy_seq2seq_compat.contrib import install as _install_contrib
    from legacy_seq2seq_compat.contrib import rnn_cell_pre_1_0 as _rnn_cell_pre_1_0

    _v1 = _tf.compat.v1
    _v1.disable_v2_behavior()
    # `from tensorflow.contrib import rnn` lines elsewhere in the script must work too.
    _install_contrib()

# A file the import swap missed fails with "module 'tensorflow' has no attribute
# 'placeholder'": an uncaught error of that kind gets a note saying why (see _hints).
_hints.install_excepthook()

def _dtype_kind(value) -> str:
    dtype = getattr(value, "dtype", None)
    try:
        dtype = _tf.as_dtype(dtype)
    except TypeError:
        return ""
    return "int" if dtype.is_integer else "float" if dtype.is_floating else ""


def _accept_tf0_order(loss):
    """`loss` that also takes TF 0.x's positional order (weights, biases, inputs, labels).

    TF 1.0 swapped `labels` and `inputs` of the sampled losses. When the third
    argument is floating point and the fourth integer, the call can only be
    TF 0.x's (inputs are always floats, class ids integers), so the two are
    swapped back; every other call goes to TensorFlow unchanged.
    """

    def call(weights, biases, labels, inputs, *args, **kwargs):
        if _dtype_kind(labels) == "float" and _dtype_kind(inputs) == "int":
            labels, inputs = inputs, labels
        return loss(weights, biases, labels, inputs, *args, **kwargs)

    call.__name__ = loss.__name__
    call.__doc__ = loss.__doc__
    return call


# TF 1.x names of `tf.nn` that TF 2.x lost or that need our cells.
_NN_OVERRIDES = {
    "sampled_softmax_loss": _accept_tf0_order(_v1.nn.sampled_softmax_loss),
    "nce_loss": _accept_tf0_order(_v1.nn.nce_loss),
    # Our cells, plus the private `_linear` that custom cells of TF <= 1.1 called.
    "rnn_cell": _rnn_cell_pre_1_0,
    # The 13 functions, plus the private `_extract_argmax_and_embed` old code used.
    "seq2seq": contrib.legacy_seq2seq,
    "static_rnn": _rnn.static_rnn,
    "static_bidirectional_rnn": _rnn.static_bidirectional_rnn,
    "static_state_saving_rnn": _rnn.static_state_saving_rnn,
    # Pre-1.0 spellings.
    "rnn": _rnn.static_rnn,
    "bidirectional_rnn": _rnn.static_bidirectional_rnn,
    "state_saving_rnn": _rnn.static_state_saving_rnn,
}


class _Overlay(_types.ModuleType):
    """A module that is `base` with a few members replaced or added."""

    def __init__(self, name: str, base: _types.ModuleType, overrides: dict) -> None:
        super().__init__(name, base.__doc__)
        self.__dict__["_base"] = base
        self.__dict__.update(overrides)

    def __getattr__(self, name: str):
        return getattr(self.__dict__["_base"], name)

    def __dir__(self) -> list:
        return sorted(set(dir(self.__dict__["_base"])) | {
            n for n in self.__dict__ if not n.startswith("_")})


nn = _Overlay("tensorflow.nn", _v1.nn, _NN_OVERRIDES)
compat = _Overlay("tensorflow.compat", _tf.compat, {"v1": _sys.modules[__name__]})


def __getattr__(name: str):
    return getattr(_v1, name)


def __dir__() -> list:
    return sorted(set(dir(_v1)) | {"contrib", "nn", "compat"})
