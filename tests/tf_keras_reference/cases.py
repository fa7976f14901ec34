"""Cell configurations shared by the tf_keras reference run and our side.

Each `Case` builds one small graph from a namespace of cell classes `ns`
(either tf_keras's legacy ``tf.compat.v1.nn.rnn_cell`` plus emulated contrib
wrappers, or ``legacy_seq2seq_compat.rnn_cell``), runs the cell for `STEPS`
steps on fixed random inputs from a random initial state, and exposes the
output and flattened state of every step. The same code runs on both sides, so
any difference in the results comes from the cells themselves.

This module imports neither tf_keras nor legacy_seq2seq_compat.
"""

from __future__ import annotations

import dataclasses
import zlib
from typing import Any, Callable, Optional

import numpy as np
import tensorflow as tf

v1 = tf.compat.v1

BATCH = 2
STEPS = 3
NUM_IDS = 7  # symbol classes of the EmbeddingWrapper case


@dataclasses.dataclass(frozen=True)
class Case:
    """One configuration.

    Attributes:
      name: Unique case id (also seeds its random numbers).
      depth: Input width (ignored for integer ids).
      make: ``make(ns) -> cell``.
      dtype: Float dtype of inputs, state and variables.
      ids: Whether inputs are int32 symbol ids in [0, NUM_IDS).
      drive: Optional ``drive(ns, cell, inputs, state) -> [(output, state)]``
        replacing the plain loop ``cell(x_t, state)`` at the root scope.
    """

    name: str
    depth: int
    make: Callable[[Any], Any]
    dtype: str = "float32"
    ids: bool = False
    drive: Optional[Callable[..., list]] = None


def _seed(name: str, salt: str) -> int:
    return zlib.crc32(f"{name}/{salt}".encode())


def make_inputs(case: Case) -> list:
    """The fixed per-step inputs of `case` as numpy arrays."""
    rng = np.random.default_rng(_seed(case.name, "inputs"))
    if case.ids:
        return [rng.integers(0, NUM_IDS, size=[BATCH]).astype(np.int32) for _ in range(STEPS)]
    return [rng.normal(size=[BATCH, case.depth]).astype(case.dtype) for _ in range(STEPS)]


def make_initial_state(case: Case, state_size: Any) -> Any:
    """A random initial state with the (nested) structure of `state_size`."""
    rng = np.random.default_rng(_seed(case.name, "state"))

    def leaf(size: Any) -> np.ndarray:
        dims = tf.TensorShape(size).as_list()
        return rng.normal(size=[BATCH] + dims).astype(case.dtype)

    return tf.nest.map_structure(leaf, state_size)


def random_weights(case: Case, variables: list) -> dict:
    """Seeded random values for `variables` (in creation order), keyed by name."""
    rng = np.random.default_rng(_seed(case.name, "weights"))
    return {
        v.name: rng.normal(scale=0.8, size=v.shape.as_list()).astype(v.dtype.base_dtype.name)
        for v in variables
    }


@dataclasses.dataclass
class Built:
    """A built case: its graph, variables (creation order) and fetches."""

    graph: tf.Graph
    variables: list
    fetch_names: list
    fetches: list
    state_size: str
    output_size: str


def build(ns: Any, case: Case) -> Built:
    """Builds `case` with the cell classes of `ns` in a fresh graph."""
    graph = tf.Graph()
    with graph.as_default():
        cell = case.make(ns)
        dtype = tf.as_dtype(case.dtype)
        inputs = [tf.constant(x) for x in make_inputs(case)]
        state = tf.nest.map_structure(
            lambda a: tf.constant(a, dtype=dtype), make_initial_state(case, cell.state_size))
        if case.drive is None:
            steps = []
            for x in inputs:
                output, state = cell(x, state)
                steps.append((output, state))
        else:
            steps = case.drive(ns, cell, inputs, state)
        names, fetches = [], []
        for t, (output, new_state) in enumerate(steps):
            names.append(f"step{t}/output")
            fetches.append(output)
            for k, leaf in enumerate(tf.nest.flatten(new_state)):
                names.append(f"step{t}/state{k}")
                fetches.append(leaf)
        variables = list(v1.global_variables())
    return Built(graph, variables, names, fetches, str(cell.state_size), str(cell.output_size))


def evaluate(built: Built, weights: dict) -> list:
    """Assigns `weights` (by variable name) and runs the fetches."""
    with built.graph.as_default():
        assigns = [v.assign(weights[v.name]) for v in built.variables]
        with v1.Session(graph=built.graph) as sess:
            sess.run(assigns)
            return sess.run(built.fetches)


# -- drives for the scope scenarios -------------------------------------------

def _drive_a_then_b(ns: Any, cell: Any, inputs: list, state: Any) -> list:
    """First call under scope 'a', later calls under scope 'b'."""
    steps = []
    for t, x in enumerate(inputs):
        with v1.variable_scope("a" if t == 0 else "b"):
            output, state = cell(x, state)
        steps.append((output, state))
    return steps


def _drive_two_cells(ns: Any, cell: Any, inputs: list, state: Any) -> list:
    """Two default-named GRUCells first called in the same scope 'layer'."""
    second = ns.GRUCell(3)
    state_2 = state
    steps = []
    for x in inputs:
        with v1.variable_scope("layer"):
            output, state = cell(x, state)
            output, state_2 = second(output, state_2)
        steps.append((output, (state, state_2)))
    return steps


def _drive_reuse_true(ns: Any, cell: Any, inputs: list, state: Any) -> list:
    """A second cell built with reuse=True shares the first cell's variables."""
    twin = ns.GRUCell(3, reuse=True)
    steps = []
    for t, x in enumerate(inputs):
        output, state = (cell if t == 0 else twin)(x, state)
        steps.append((output, state))
    return steps


def _drive_scope_argument(ns: Any, cell: Any, inputs: list, state: Any) -> list:
    """First call with scope='explicit', later calls without a scope."""
    steps = []
    for t, x in enumerate(inputs):
        output, state = cell(x, state, scope="explicit" if t == 0 else None)
        steps.append((output, state))
    return steps


def _drive_in_scope_w(ns: Any, cell: Any, inputs: list, state: Any) -> list:
    steps = []
    for x in inputs:
        with v1.variable_scope("w"):
            output, state = cell(x, state)
        steps.append((output, state))
    return steps


CASES = [
    Case("basic_rnn", 4, lambda ns: ns.BasicRNNCell(3)),
    Case("gru", 4, lambda ns: ns.GRUCell(3)),
    Case("gru_relu", 4, lambda ns: ns.GRUCell(3, activation=tf.nn.relu)),
    Case("gru_float64", 4, lambda ns: ns.GRUCell(3), dtype="float64"),
    Case("basic_lstm_tuple", 4, lambda ns: ns.BasicLSTMCell(3)),
    Case("basic_lstm_tuple_fb07", 4, lambda ns: ns.BasicLSTMCell(3, forget_bias=0.7)),
    Case("basic_lstm_concat_fb07", 4,
         lambda ns: ns.BasicLSTMCell(3, forget_bias=0.7, state_is_tuple=False)),
    Case("lstm_plain", 5, lambda ns: ns.LSTMCell(4)),
    Case("lstm_peep_clip_proj", 5,
         lambda ns: ns.LSTMCell(4, use_peepholes=True, cell_clip=0.5, num_proj=3,
                                proj_clip=0.4)),
    Case("lstm_concat_proj", 5,
         lambda ns: ns.LSTMCell(4, num_proj=2, state_is_tuple=False)),
    Case("multi_gru_basic_lstm", 4,
         lambda ns: ns.MultiRNNCell([ns.GRUCell(3), ns.BasicLSTMCell(3)])),
    Case("multi_gru_concat", 4,
         lambda ns: ns.MultiRNNCell([ns.GRUCell(3), ns.GRUCell(3)], state_is_tuple=False)),
    Case("residual_gru", 4, lambda ns: ns.ResidualWrapper(ns.GRUCell(4))),
    Case("dropout_keep1_lstm", 4,
         lambda ns: ns.DropoutWrapper(ns.LSTMCell(3), input_keep_prob=1.0,
                                      output_keep_prob=1.0, state_keep_prob=1.0)),
    Case("device_gru", 4, lambda ns: ns.DeviceWrapper(ns.GRUCell(3), "/cpu:0")),
    # Contrib wrappers: tf_keras has none, so the reference side emulates them
    # around tf_keras cells (see make_reference.py).
    Case("output_projection_gru", 4, lambda ns: ns.OutputProjectionWrapper(ns.GRUCell(3), 5)),
    Case("input_projection_gru", 4, lambda ns: ns.InputProjectionWrapper(ns.GRUCell(3), 2)),
    Case("embedding_gru", 0, lambda ns: ns.EmbeddingWrapper(ns.GRUCell(3), NUM_IDS, 4),
         ids=True),
    # Scope semantics.
    Case("scope_a_then_b", 4, lambda ns: ns.GRUCell(3), drive=_drive_a_then_b),
    Case("scope_two_cells", 4, lambda ns: ns.GRUCell(3), drive=_drive_two_cells),
    Case("scope_named", 4, lambda ns: ns.GRUCell(3, name="enc")),
    Case("scope_argument", 4, lambda ns: ns.GRUCell(3), drive=_drive_scope_argument),
    Case("scope_reuse_true", 4, lambda ns: ns.GRUCell(3), drive=_drive_reuse_true),
    Case("scope_multi_a_then_b", 4,
         lambda ns: ns.MultiRNNCell([ns.GRUCell(3), ns.BasicRNNCell(3)]),
         drive=_drive_a_then_b),
    Case("scope_wrappers_add_no_level", 3,
         lambda ns: ns.DropoutWrapper(ns.ResidualWrapper(ns.GRUCell(3))),
         drive=_drive_in_scope_w),
]

CASES_BY_NAME = {case.name: case for case in CASES}
