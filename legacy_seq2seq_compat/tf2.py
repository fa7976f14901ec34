"""Run TF1-style model code in TF2 eager mode and inside `tf.function`.

`TF1Module` is a `tf.Module` that owns the variables a graph-building function
creates with `tf.compat.v1.get_variable` (every cell and all 13 functions of
this library do). Wrap the code that builds the model once; then call it with
eager tensors, inside a `tf.function`, under a `tf.GradientTape`::

    cell = rnn_cell.GRUCell(16)
    model = tf2.TF1Module(lambda enc, dec: legacy_seq2seq.embedding_attention_seq2seq(
        enc, dec, cell, num_encoder_symbols=40, num_decoder_symbols=40,
        embedding_size=8, feed_previous=False))
    outputs, state = model(encoder_inputs, decoder_inputs)   # eager tensors in and out
    model.load_tf1_checkpoint("train_dir")                   # a TF1 Saver checkpoint

How it works, and why: the function is traced into a graph once per input
signature (`tf.compat.v1.wrap_function`, which gives each trace fresh variable
scopes, so names come out as in TF 1.15 and `reuse=True` works), and that graph
is called with the real tensors. Each variable is created once, on first
need, as an eager resource variable named exactly as TF 1.15 named it
(``embedding_attention_seq2seq/rnn/gru_cell/gates/kernel``); later traces get
the same object back by name. So:

* `variables` / `trainable_variables` hold every variable once, for
  `tf.GradientTape` and any optimizer;
* `tf.train.Checkpoint(model=module)` tracks them (object-based TF2
  checkpoints, deferred restoration included);
* `load_tf1_checkpoint` / `save_tf1_checkpoint` read and write name-based TF1
  checkpoints (`tf.compat.v1.train.Saver` format), of any naming era.

Python code inside the function (a `loop_function`, a user cell) runs while a
signature is traced, not at every call, as with `tf.function`. Our cells may be
made outside the function and shared; tf_keras's legacy cells
(``tf.compat.v1.nn.rnn_cell`` with ``TF_USE_LEGACY_KERAS=1``) must be made
inside it, since tf_keras refuses a layer made eagerly and called in a graph. Graph
collections (e.g. `decoders.ATTENTION_WEIGHTS_COLLECTION`) live only during a
trace: return what you need from the function instead.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Optional, Union

import numpy as np
import tensorflow as tf

from legacy_seq2seq_compat import checkpoints

_v1 = tf.compat.v1

__all__ = ["TF1Module"]


def _is_tensor_leaf(value: Any) -> bool:
    return isinstance(value, np.ndarray) or tf.is_tensor(value)


def _static_key(value: Any) -> Any:
    """A cache-key part for a non-tensor argument: its value if hashable, else its id."""
    try:
        hash(value)
    except TypeError:
        return ("id", type(value).__name__, id(value))
    return ("value", type(value).__name__, value)


def _variable_key(name: str) -> str:
    """'scope/kernel:0' -> 'scope/kernel' (the TF1 checkpoint name)."""
    return name[:-2] if name.endswith(":0") else name


class TF1Module(tf.Module):
    """A `tf.Module` owning the TF1-style variables of a graph-building function.

    Args:
      build_fn: Builds the model from its arguments with TF1 graph code (this
        library's functions and cells, `tf.compat.v1.get_variable`, ...) and
        returns a nested structure of Tensors. Tensor and numpy arguments
        become inputs of the traced graph; every other argument (Python bools,
        ints, cells, ...) is fixed per trace and part of the trace key.
      name: Name of the module (a valid Python identifier).
      relax_batch_dimension: Trace tensor arguments with their first
        dimension unknown, as TF1 placeholders usually were, so that a new
        batch size reuses the trace. False: trace every static shape as is.

    Raises:
      TypeError: if `build_fn` is not callable.

    Compatibility:
      No TF 1.15 counterpart: in TF 1.15 the legacy_seq2seq functions ran only in graph mode.
      Variables are named exactly as TF 1.15 named them, so TF1 Saver checkpoints load
      (`load_tf1_checkpoint`), and the numbers are those of the graph-mode functions.
    """

    def __init__(self, build_fn: Callable[..., Any], name: Optional[str] = None,
                 relax_batch_dimension: bool = True) -> None:
        if not callable(build_fn):
            raise TypeError(f"`build_fn` must be callable, got {type(build_fn).__name__}: "
                            f"{build_fn!r}")
        super().__init__(name=name)
        self._build_fn = build_fn
        self._relax_batch_dimension = bool(relax_batch_dimension)
        # {TF1 name: variable}, in creation order; tracked, so tf.train.Checkpoint sees it.
        self._variables_by_name = {}
        # Traces by input signature, kept in a plain object so tf.Module does not track them.
        self._traces = _TraceCache()

    # -- variables ---------------------------------------------------------------------
    @property
    def variables_by_name(self) -> dict:
        """{TF1 checkpoint name (no ':0'): tf.Variable}, in creation order (a copy)."""
        return dict(self._variables_by_name)

    def _checkpoint_view(self) -> dict:
        """{checkpoint name: variable}; the parts of a partitioned variable under its name."""
        grouped = checkpoints._graph_variables(list(self._variables_by_name.values()))
        return {name: entry.value for name, entry in grouped.items()}

    def _create_or_reuse(self, next_creator: Callable[..., Any], **kwargs: Any) -> Any:
        """Variable creator: one eager variable per TF1 name, shared by every trace."""
        name = _variable_key(kwargs.get("name") or "Variable")
        shape = tf.TensorShape(kwargs.get("shape"))
        dtype = kwargs.get("dtype")
        existing = self._variables_by_name.get(name)
        if existing is not None:
            if shape.rank is not None and not shape.is_compatible_with(existing.shape):
                raise ValueError(
                    f"variable {name!r} was created with shape {existing.shape} and is now "
                    f"asked for with shape {shape}: a model's variables must keep their "
                    "shapes from one call of the TF1Module to the next.")
            if dtype is not None and tf.as_dtype(dtype).base_dtype != existing.dtype:
                raise ValueError(
                    f"variable {name!r} was created with dtype {existing.dtype.name} and is "
                    f"now asked for with dtype {tf.as_dtype(dtype).base_dtype.name}.")
            return existing
        initial_value = kwargs.get("initial_value")
        if tf.is_tensor(initial_value) and not callable(initial_value):
            # An initializer given as a Tensor of the traced graph: it must be constant.
            constant = tf.get_static_value(initial_value)
            if constant is None:
                raise ValueError(
                    f"variable {name!r} is initialized from a Tensor computed in the "
                    "model's graph; TF1Module creates variables outside that graph, so "
                    "give get_variable an initializer object or a constant instead.")
            kwargs["initial_value"] = constant
        # Created in the eager context, so that the variable outlives the trace and
        # every later trace (and a cell that keeps it) can use it. Eager variables
        # cannot cache reads on a device, and belong to no graph collection.
        kwargs.update(collections=[], caching_device=None, use_resource=True)
        with tf.init_scope():
            variable = next_creator(**kwargs)
            for key in (_v1.GraphKeys.GLOBAL_VARIABLES, _v1.GraphKeys.TRAINABLE_VARIABLES):
                # Tracing helpers may register it in the eager context's collections,
                # which would keep it alive for good: take it out again.
                collection = _v1.get_collection_ref(key)
                collection[:] = [v for v in collection if v is not variable]
        self._variables_by_name[name] = variable
        return variable

    # -- calling -----------------------------------------------------------------------
    def _spec(self, tensor: tf.Tensor) -> tf.TensorSpec:
        shape = tensor.shape
        if self._relax_batch_dimension and shape.rank:
            shape = tf.TensorShape([None]).concatenate(shape[1:])
        return tf.TensorSpec(shape, tensor.dtype)

    # TF1 graph code is Python that builds a graph: AutoGraph must leave it as written
    # (a `for` over time steps unrolls, an `if` on a Python bool stays Python).
    @tf.autograph.experimental.do_not_convert
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Runs `build_fn(*args, **kwargs)` on these inputs; returns its Tensors.

        Works in eager mode and inside a `tf.function`. The first call with a
        new input signature (structure, dtypes, shapes, non-tensor values)
        traces `build_fn` and creates the variables it needs.

        Raises:
          RuntimeError: in TF1 graph mode, where `build_fn` can be called as it is.
          ValueError: if a trace asks for an existing variable with another
            shape or dtype.
        """
        if not (tf.executing_eagerly() or tf.inside_function()):
            raise RuntimeError(
                "TF1Module runs in TF2 eager mode or inside tf.function; in TF1 graph mode "
                "call the model-building function directly (eager execution is disabled "
                "here, e.g. by tf.compat.v1.disable_v2_behavior()).")
        structure = (args, kwargs)
        leaves = tf.nest.flatten(structure)
        tensor_positions = [i for i, leaf in enumerate(leaves) if _is_tensor_leaf(leaf)]
        tensors = [tf.convert_to_tensor(leaves[i]) for i in tensor_positions]
        specs = [self._spec(t) for t in tensors]
        # The non-tensor arguments, with None where a tensor goes: part of the key, and
        # all a trace keeps of this call (not its tensors).
        statics = list(leaves)
        for i in tensor_positions:
            statics[i] = None
        key = (
            repr(tf.nest.map_structure(lambda _: None, structure)),
            tuple(tensor_positions),
            tuple((tuple(s.shape.as_list()) if s.shape.rank is not None else None, s.dtype)
                  for s in specs),
            tuple(_static_key(leaf) for leaf in statics),
        )
        function = self._traces.get(key)
        if function is None:
            function = self._trace(structure, statics, tensor_positions, specs)
            self._traces.put(key, function, statics)
        return function(*tensors)

    def _trace(self, structure: Any, leaves: list, tensor_positions: list,
               specs: list) -> Any:
        def traced(*placeholders: tf.Tensor) -> Any:
            filled = list(leaves)
            for position, placeholder in zip(tensor_positions, placeholders):
                filled[position] = placeholder
            call_args, call_kwargs = tf.nest.pack_sequence_as(structure, filled)
            with tf.variable_creator_scope(self._create_or_reuse):
                return self._build_fn(*call_args, **call_kwargs)

        with tf.init_scope():
            return _v1.wrap_function(traced, specs)

    # -- TF1 checkpoints ---------------------------------------------------------------
    def _require_variables(self, what: str) -> None:
        if not self._variables_by_name:
            raise ValueError(
                f"{what}: this TF1Module has no variables yet. Call it once on example "
                "inputs first; its variables are created by that first call.")

    def load_tf1_checkpoint(self, path: Union[str, os.PathLike], *,
                            allow_unexpected: bool = False) -> dict:
        """Fills the variables from a name-based TF1 checkpoint.

        Any naming era that `checkpoints.restore_checkpoint` reads works (TF
        1.2-1.15 names as they are, TF 0.12 / 1.0 names mapped on the fly).
        Everything is checked first; on a mismatch nothing changes.

        Args:
          path: Checkpoint prefix or a directory with a ``checkpoint`` file.
          allow_unexpected: Ignore model variables of the checkpoint that this
            module does not have (optimizer slots are always ignored).

        Returns:
          {TF1 name restored: checkpoint names it was read from}.

        Raises:
          ValueError: before the module's first call (no variables yet).
          checkpoints.CheckpointMismatchError: if the checkpoint does not fit.
          FileNotFoundError: if `path` names no checkpoint.
        """
        self._require_variables("load_tf1_checkpoint")
        return checkpoints.assign_from_checkpoint(
            path, self._checkpoint_view(), allow_unexpected=allow_unexpected)

    def save_tf1_checkpoint(self, path: Union[str, os.PathLike],
                            global_step: Optional[int] = None) -> str:
        """Writes the variables as a name-based TF1 checkpoint (TF 1.15 names).

        The result restores with `tf.compat.v1.train.Saver` into the graph-mode
        model, so the way back to graph mode stays open.

        Args:
          path: Checkpoint prefix to write.
          global_step: Appended to the prefix as ``-<step>`` when given.

        Returns:
          The prefix written.

        Raises:
          ValueError: before the module's first call (no variables yet).
          RuntimeError: inside a tf.function.
        """
        self._require_variables("save_tf1_checkpoint")
        if not tf.executing_eagerly():
            raise RuntimeError("save_tf1_checkpoint runs in eager mode, not inside tf.function.")
        prefix = os.fspath(path) + ("" if global_step is None else f"-{int(global_step)}")
        names, slices, values = [], [], []
        for name, value in self._checkpoint_view().items():
            for part in value if isinstance(value, list) else [value]:
                info = getattr(part, "_save_slice_info", None)
                names.append(name)
                slices.append(info.spec if info else "")
                values.append(part.read_value())
        # What tf.compat.v1.train.Saver writes, without its eager-mode deprecation warning:
        # one V2 bundle under the TF1 names (a partitioned variable as one sliced tensor),
        # and the directory's 'checkpoint' state file.
        tf.raw_ops.SaveV2(prefix=prefix, tensor_names=names, shape_and_slices=slices,
                          tensors=values)
        _record_checkpoint(prefix)
        return prefix


def _record_checkpoint(prefix: str) -> None:
    """Adds `prefix` to its directory's 'checkpoint' file as the latest, as Saver does.

    Paths are stored relative to the directory, so the folder can be moved.
    """
    directory = os.path.dirname(os.path.abspath(prefix))
    state = _v1.train.get_checkpoint_state(directory)
    latest = os.path.relpath(os.path.abspath(prefix), directory)
    earlier = [os.path.relpath(os.path.join(directory, p), directory)
               for p in (state.all_model_checkpoint_paths if state else [])]
    checkpoints.write_state_file(directory, [p for p in earlier if p != latest] + [latest])


class _TraceCache:
    """{signature key: traced function}, with the static arguments of each trace.

    A plain object, so that tf.Module neither tracks the traced functions nor
    walks into them when it collects variables. Static arguments keyed by id
    stay referenced so that their id cannot be reused by another object.
    """

    def __init__(self) -> None:
        self._entries: dict = {}

    def get(self, key: Any) -> Any:
        entry = self._entries.get(key)
        return None if entry is None else entry[0]

    def put(self, key: Any, function: Any, statics: list) -> None:
        self._entries[key] = (function, statics)

    def __len__(self) -> int:
        return len(self._entries)
