"""Runs every case of cases.py with tf_keras's legacy TF1 cells.

Usage: ``python make_reference.py OUT_DIR`` with ``TF_USE_LEGACY_KERAS=1`` set
in the environment. Writes ``OUT_DIR/reference.json`` (per case: variable
names, shapes and dtypes in creation order, state_size/output_size, fetch names
and output devices, or the error raised) and ``OUT_DIR/reference.npz`` (the
random weights assigned to every variable and the fetched values).

Exits with status 3 and a one-line reason on stdout when tf_keras's legacy
cells are not available.

tf_keras ships no contrib wrappers, so EmbeddingWrapper,
InputProjectionWrapper and OutputProjectionWrapper are emulated here around
tf_keras cells, following the TF 1.15 layout: a scope named after the wrapper
in the caller's scope, ``embedding`` / ``kernel`` + ``bias`` directly in it.
"""

from __future__ import annotations

import json
import os
import sys
import traceback

from legacy_keras import legacy_rnn_cell_namespace


class _EmulatedContribWrapper:
    """Re-enters the caller's scope of the first call, then its own scope."""

    scope_name = ""

    def __init__(self, cell):
        self._cell = cell
        self._caller_scope = None

    @property
    def state_size(self):
        return self._cell.state_size

    @property
    def output_size(self):
        return self._cell.output_size

    def __call__(self, inputs, state):
        import tensorflow as tf

        v1 = tf.compat.v1
        if self._caller_scope is None:
            self._caller_scope = v1.get_variable_scope()
        with v1.variable_scope(self._caller_scope):
            with v1.variable_scope(self.scope_name, reuse=v1.AUTO_REUSE):
                return self._step(inputs, state)

    def _step(self, inputs, state):
        raise NotImplementedError


class EmulatedOutputProjectionWrapper(_EmulatedContribWrapper):
    scope_name = "output_projection_wrapper"

    def __init__(self, cell, output_size):
        super().__init__(cell)
        self._size = output_size

    @property
    def output_size(self):
        return self._size

    def _step(self, inputs, state):
        import tensorflow as tf

        v1 = tf.compat.v1
        output, new_state = self._cell(inputs, state)
        kernel = v1.get_variable("kernel", [output.shape[1], self._size], dtype=output.dtype)
        bias = v1.get_variable("bias", [self._size], dtype=output.dtype)
        return tf.matmul(output, kernel) + bias, new_state


class EmulatedInputProjectionWrapper(_EmulatedContribWrapper):
    scope_name = "input_projection_wrapper"

    def __init__(self, cell, num_proj):
        super().__init__(cell)
        self._num_proj = num_proj

    def _step(self, inputs, state):
        import tensorflow as tf

        v1 = tf.compat.v1
        kernel = v1.get_variable("kernel", [inputs.shape[1], self._num_proj], dtype=inputs.dtype)
        bias = v1.get_variable("bias", [self._num_proj], dtype=inputs.dtype)
        return self._cell(tf.matmul(inputs, kernel) + bias, state)


class EmulatedEmbeddingWrapper(_EmulatedContribWrapper):
    scope_name = "embedding_wrapper"

    def __init__(self, cell, embedding_classes, embedding_size):
        super().__init__(cell)
        self._shape = [embedding_classes, embedding_size]

    def _step(self, inputs, state):
        import tensorflow as tf

        v1 = tf.compat.v1
        dtype = tf.nest.flatten(state)[0].dtype
        with tf.device("/cpu:0"):
            embedding = v1.get_variable("embedding", self._shape, dtype=dtype)
            embedded = tf.nn.embedding_lookup(embedding, tf.reshape(inputs, [-1]))
        return self._cell(embedded, state)


def _namespace(legacy):
    import types

    names = ["BasicRNNCell", "GRUCell", "BasicLSTMCell", "LSTMCell", "MultiRNNCell",
             "DropoutWrapper", "ResidualWrapper", "DeviceWrapper"]
    ns = types.SimpleNamespace(**{name: getattr(legacy, name) for name in names})
    ns.OutputProjectionWrapper = EmulatedOutputProjectionWrapper
    ns.InputProjectionWrapper = EmulatedInputProjectionWrapper
    ns.EmbeddingWrapper = EmulatedEmbeddingWrapper
    return ns


def main(out_dir: str) -> None:
    legacy = legacy_rnn_cell_namespace()
    import numpy as np

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import cases

    ns = _namespace(legacy)
    meta, arrays = {}, {}
    for case in cases.CASES:
        try:
            built = cases.build(ns, case)
            weights = cases.random_weights(case, built.variables)
            values = cases.evaluate(built, weights)
        except Exception:  # recorded, reported by the test of this case
            meta[case.name] = {"error": traceback.format_exc()}
            continue
        meta[case.name] = {
            "variables": [[v.name, v.shape.as_list(), v.dtype.base_dtype.name]
                          for v in built.variables],
            "state_size": built.state_size,
            "output_size": built.output_size,
            "fetch_names": built.fetch_names,
            "devices": [t.device for t in built.fetches],
        }
        for name, value in weights.items():
            arrays[f"{case.name}|weight|{name}"] = value
        for name, value in zip(built.fetch_names, values):
            arrays[f"{case.name}|fetch|{name}"] = value
    with open(os.path.join(out_dir, "reference.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)
    np.savez(os.path.join(out_dir, "reference.npz"), **arrays)


if __name__ == "__main__":
    main(sys.argv[1])
