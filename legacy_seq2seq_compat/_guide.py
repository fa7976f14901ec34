"""Which migration-guide section answers each missing `tf.contrib` member (no TensorFlow here).

Kept apart from `contrib` so that `migrate` (and the command line) can name
the section without importing TensorFlow.
"""

from __future__ import annotations

import re

GUIDE = "migration_guide.md"

# Titles of the migration-guide sections that say what to use instead.
OTHER_SECTION = "Other tf.contrib modules"
RNN_SECTION = "Other tf.contrib.rnn cells and functions"
LAYERS_SECTION = "tf.contrib.layers and tf.contrib.framework"
# TF 1.15's tf.contrib sub-modules we do not provide, with their guide section.
MODULE_SECTIONS = {
    "seq2seq": "tf.contrib.seq2seq",
    "cudnn_rnn": "tf.contrib.cudnn_rnn",
    "grid_rnn": RNN_SECTION,
    "recurrent": RNN_SECTION,
    "learn": "tf.contrib.learn and tf.contrib.estimator",
    "estimator": "tf.contrib.learn and tf.contrib.estimator",
    "training": "tf.contrib.training",
    "data": "tf.contrib.data",
    "losses": "tf.contrib.losses and tf.contrib.metrics",
    "metrics": "tf.contrib.losses and tf.contrib.metrics",
    "opt": "tf.contrib.opt",
    "crf": "tf.contrib.crf",
}
# The rest of TF 1.15's tf.contrib, all answered by one table in the guide.
OTHER_MODULES = (
    "autograph", "batching", "bayesflow", "checkpoint", "cloud", "cluster_resolver",
    "compiler", "constrained_optimization", "copy_graph", "deprecated", "distribute",
    "distributions", "eager", "factorization", "feature_column", "ffmpeg", "graph_editor",
    "image", "input_pipeline", "integrate", "keras", "kernel_methods", "labeled_tensor",
    "linear_optimizer", "lookup", "memory_stats", "mixed_precision", "model_pruning", "nn",
    "optimizer_v2", "periodic_resample", "predictor", "proto", "quantization", "quantize",
    "receptive_field", "reduce_slice_ops", "remote_fused_graph", "resampler", "rpc",
    "saved_model", "signal", "solvers", "sparsemax", "specs", "staging", "stat_summarizer",
    "stateless", "structured_model", "summary", "tensor_forest", "tensorboard", "testing",
    "tfprof", "timeseries", "tpu", "util",
)
for _name in OTHER_MODULES:
    MODULE_SECTIONS.setdefault(_name, OTHER_SECTION)

# The seq2seq module that TF 0.x code imported from TensorFlow's python/ops package. Spelled
# in parts: it is a name we serve (TF 2.x has no such module); the package never imports
# TensorFlow's private tree.
TF0_OPS_SEQ2SEQ = ".".join(("tensorflow", "python", "ops", "seq2seq"))


def guide_anchor(title: str) -> str:
    """The GitHub-style anchor of a Markdown heading: lower case, no punctuation, dashes.

    Compatibility:
      No TF 1.15 counterpart; a helper for the migration-guide links in `ContribNotProvidedError`.
    """
    text = re.sub(r"[^\w\- ]", "", title.strip().lower())
    return text.replace(" ", "-")


def sections() -> list[str]:
    """The titles of every migration-guide section an error can point at.

    Compatibility:
      No TF 1.15 counterpart; a helper for the migration-guide links in `ContribNotProvidedError`.
    """
    return sorted(set(MODULE_SECTIONS.values()) | {RNN_SECTION, LAYERS_SECTION, OTHER_SECTION})


def section_of(member: str) -> str:
    """The guide section for a missing dotted member, e.g. ``tf.contrib.crf.crf_decode``."""
    parts = member.split(".")
    module = parts[2] if len(parts) > 2 else ""
    if module == "rnn":
        return RNN_SECTION
    if module in ("layers", "framework"):
        return LAYERS_SECTION
    return MODULE_SECTIONS.get(module, OTHER_SECTION)
