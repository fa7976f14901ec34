"""The unrolled TF1 RNN drivers: static_rnn and its bidirectional and state-saving forms.

These build the same graph pieces as TF 1.15's ``tf.nn.static_rnn``,
``tf.nn.static_bidirectional_rnn`` and ``tf.nn.static_state_saving_rnn``: one
cell call per time step inside the variable scope ``rnn`` (or the given
scope), with reuse switched on after the first step, so the variables, their
names and the numbers are those of TF 1.15.

With `sequence_length`, a step runs under two nested conditionals, as in TF
1.15: a step at or past the longest sequence does not call the cell at all
(outputs are zeros, the state is passed on); a step before the shortest
sequence returns the cell's results unchanged; any other step selects, row by
row, either the cell's results or zeros and the previous state. The cell is
therefore first called (and its variables created) inside a conditional
branch, which works with both control-flow v1 and v2. When the engine takes
the steps after the first (see `fastpath`), it computes every step and does
the row selection alone: the same numbers, as the conditionals only skip work.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import tensorflow as tf

from legacy_seq2seq_compat import _checks, _engine, rnn_cell

_v1 = tf.compat.v1

__all__ = ["static_rnn", "static_bidirectional_rnn", "static_state_saving_rnn"]


def _check_inputs(inputs: Any) -> list:
    """TF 1.15's two checks on `inputs`, then a list of steps with Tensor leaves."""
    if not tf.nest.is_nested(inputs) or isinstance(inputs, dict):
        received = f"{type(inputs).__name__}."
        if hasattr(inputs, "get_shape") and hasattr(inputs, "dtype"):
            received = (f"a single Tensor of shape {_checks.describe_shape(inputs)}. "
                        f"{_checks.UNSTACK_HINT}")
        raise TypeError(
            "inputs must be a sequence: expected a list of Tensors (or of nested "
            f"tuples of Tensors), one per time step, got {received}")
    if not inputs:
        raise ValueError("inputs must not be empty: expected at least one time step, got 0.")
    return [_checks.as_tensors(step, "inputs") for step in inputs]


def _batch_size(inputs: list) -> tuple:
    """Checks the input shapes; returns (static batch or None, batch size to use).

    The batch size to use is the static batch dimension of the first input
    when known, else the dynamic ``tf.shape(first_input)[0]``. A rank-1 first
    input (symbol ids for an EmbeddingWrapper) is taken as is, as in TF 1.15.
    """
    first = tf.nest.flatten(inputs)[0]
    first_shape = first.get_shape()
    if first_shape.rank == 1:
        static_batch = tf.compat.dimension_value(first_shape.dims[0])
    else:
        if first_shape.rank is not None and first_shape.rank < 2:
            raise ValueError(
                "inputs must have rank 2 or more ([batch_size, input_size]), or rank 1 for "
                f"symbol ids: the first input has shape {_checks.describe_shape(first)}.")
        static_batch = _checks.static_dim(first, 0) if first_shape.rank is not None else None
        for index, flat_input in enumerate(tf.nest.flatten(inputs)):
            shape = flat_input.get_shape()
            if shape.rank is not None and shape.rank < 2:
                raise ValueError(
                    "inputs must have rank 2 or more ([batch_size, input_size]): an input "
                    f"has shape {_checks.describe_shape(flat_input)}.")
            batch = tf.compat.dimension_value(shape.dims[0]) if shape.rank is not None else None
            if static_batch is not None and batch is not None and batch != static_batch:
                raise ValueError(
                    "inputs must all have the batch size of the first input: expected "
                    f"{static_batch}, got an input of shape "
                    f"{_checks.describe_shape(flat_input)}.")
            depth_dims = shape.dims[1:] if shape.rank is not None else [None]
            for i, size in enumerate(depth_dims):
                if tf.compat.dimension_value(size) is None:
                    raise ValueError(
                        f"Input size (dimension {i} of inputs) must be accessible via shape "
                        "inference, but saw value None. (Flat input number "
                        f"{index} has shape {_checks.describe_shape(flat_input)}.)")
    if static_batch is not None:
        return static_batch, static_batch
    return None, tf.shape(first)[0]


def _initial_state(cell: Any, initial_state: Any, dtype: Any, batch_size: Any) -> Any:
    if initial_state is not None:
        return initial_state
    if dtype is not None:
        dtype = _checks.as_dtype(dtype, "dtype")
    if not dtype:
        raise ValueError(
            "If no initial_state is provided, dtype must be specified: pass "
            "`initial_state` or `dtype` (e.g. dtype=tf.float32).")
    if getattr(cell, "get_initial_state", None) is not None:
        return cell.get_initial_state(inputs=None, batch_size=batch_size, dtype=dtype)
    return cell.zero_state(batch_size, dtype)


def _state_dtype(dtype: Any, state: Any) -> tf.DType:
    """The dtype of the zero outputs: `dtype` if given, else the single state dtype."""
    if dtype is not None:
        return tf.as_dtype(dtype)
    if not tf.nest.is_nested(state):
        return state.dtype
    dtypes = [leaf.dtype for leaf in tf.nest.flatten(state)]
    if not dtypes:
        raise ValueError("Unable to infer dtype from empty state.")
    if any(d != dtypes[0] for d in dtypes):
        raise ValueError(
            "State has tensors of different inferred_dtypes. Unable to infer a single "
            f"representative dtype: got {[d.name for d in dtypes]}; pass `dtype`.")
    return dtypes[0]


def _prepare_sequence_length(sequence_length: Any, static_batch: Optional[int]) -> tf.Tensor:
    lengths = tf.convert_to_tensor(sequence_length, name="sequence_length")
    shape = lengths.get_shape()
    if shape.rank not in (None, 1):
        raise ValueError(
            "sequence_length must be a vector of length batch_size, but saw shape: "
            f"{_checks.describe_shape(lengths)}.")
    length = tf.compat.dimension_value(shape.dims[0]) if shape.rank == 1 else None
    if static_batch is not None and length is not None and length != static_batch:
        raise ValueError(
            "sequence_length must be a vector of length batch_size, but saw shape: "
            f"{_checks.describe_shape(lengths)} (batch_size is {static_batch}).")
    return tf.cast(lengths, tf.int32)


def _masked_step(time: int, lengths: tf.Tensor, min_length: tf.Tensor, max_length: tf.Tensor,
                 zero_output: Any, state: Any, call_cell: Callable) -> tuple:
    """One step under `sequence_length`: zeros and the old state for finished rows."""
    flat_zero_output = tf.nest.flatten(zero_output)
    flat_state = tf.nest.flatten(state)
    finished = time >= lengths

    def keep_old_where_finished(old: Any, new: Any) -> Any:
        if isinstance(old, tf.TensorArray) or old.get_shape().rank == 0:
            return new
        # The v1 `where` picks whole rows with a [batch_size] condition.
        return _v1.where(finished, old, new)

    def compute() -> list:
        new_output, new_state = call_cell()
        tf.nest.assert_same_structure(zero_output, new_output)
        tf.nest.assert_same_structure(state, new_state)
        flat_new = tf.nest.flatten(new_output) + tf.nest.flatten(new_state)

        def select_rows() -> list:
            old = flat_zero_output + flat_state
            return [keep_old_where_finished(o, n) for o, n in zip(old, flat_new)]

        return tf.cond(time < min_length, lambda: flat_new, select_rows)

    results = tf.cond(time >= max_length, lambda: flat_zero_output + flat_state, compute)
    flat_output = results[:len(flat_zero_output)]
    flat_new_state = results[len(flat_zero_output):]
    for value, like in zip(flat_output, flat_zero_output):
        value.set_shape(like.get_shape())
    for value, like in zip(flat_new_state, flat_state):
        if not isinstance(value, tf.TensorArray):
            value.set_shape(like.get_shape())
    return (tf.nest.pack_sequence_as(zero_output, flat_output),
            tf.nest.pack_sequence_as(state, flat_new_state))


def _may_cache_reads() -> bool:
    """Whether variable reads may be cached: not inside a loop or function body.

    Cached reads inside a while loop would keep the values of the first
    iteration, so TF 1.15 did not cache there; neither do we. Function bodies
    (tf.function, control flow v2) are skipped as well.
    """
    graph = _v1.get_default_graph()
    if graph.building_function:
        return False
    # TF1-style control flow keeps its context on the graph; there is no public
    # accessor, so look for it defensively.
    context = getattr(graph, "_get_control_flow_context", lambda: None)()
    while context is not None:
        if type(context).__name__ == "WhileContext":
            return False
        context = getattr(context, "outer_context", None)
    return True


def static_rnn(cell: Any, inputs: Sequence[Any], initial_state: Any = None, dtype: Any = None,
               sequence_length: Any = None, scope: Any = None) -> tuple:
    """Unrolls `cell` over a Python list of time steps.

    Without `sequence_length` this is ``state = initial state; for x in
    inputs: output, state = cell(x, state)``. With it, row ``b`` stops at
    step ``sequence_length[b]``: from there on its outputs are zeros and its
    state is the state after its last step, which is also what the returned
    final state holds for that row. Steps at or past the longest sequence of
    the batch skip the cell.

    Args:
      cell: An RNNCell, or any object with `output_size`, `state_size`,
        `zero_state` (or `get_initial_state`) that is callable as
        ``cell(inputs, state)``.
      inputs: Non-empty list of the T step inputs, each a Tensor of shape
        `[batch_size, input_size]` (rank 1 `[batch_size]` int ids for an
        EmbeddingWrapper) or a nested tuple of such Tensors. The input size
        must be known statically.
      initial_state: Optional initial state, a Tensor `[batch_size,
        cell.state_size]` or a nest matching `cell.state_size`.
      dtype: dtype of the initial state; required when `initial_state` is not
        given, and then the state is ``cell.get_initial_state(inputs=None,
        batch_size=..., dtype=dtype)`` (or ``cell.zero_state``).
      sequence_length: Optional int32/int64 vector `[batch_size]` of sequence
        lengths, values in `[0, T]`.
      scope: Variable scope (string or VariableScope) of the unrolled network;
        defaults to ``"rnn"``.

    Returns:
      A pair ``(outputs, state)``: `outputs` is a list of the T outputs, each
      `[batch_size, cell.output_size]` (or a nest), and `state` is the final
      state.

    Raises:
      RuntimeError: when called in eager mode.
      TypeError: if `cell` is not an RNNCell or `inputs` is not a sequence.
      ValueError: if `inputs` is empty, an input depth is not static, batch
        sizes differ statically, `dtype` is missing without `initial_state`,
        or `sequence_length` is not a vector of length batch_size.

    Compatibility:
      Matches TF 1.15 ``tf.compat.v1.nn.static_rnn``: variable names, reuse,
      outputs, states and static shapes, and the scope's caching device (set
      unless the scope has one or the graph is inside a while loop or a
      function body). Differences: numpy inputs are converted to Tensors, and
      some mistakes TF 1.15 reported late
      or obscurely (a sequence_length whose static length is not the batch
      size, an input of unknown rank or rank 0, steps of different shapes or
      dtypes) raise ValueError at once, and a `dtype` that is not a dtype a
      TypeError naming it.
    """
    _checks.ensure_graph_mode("static_rnn")
    _checks.assert_like_rnncell("cell", cell)
    inputs = _check_inputs(inputs)

    outputs = []
    with _v1.variable_scope(scope or "rnn") as varscope:
        if varscope.caching_device is None and _may_cache_reads():
            # Like TF 1.15: read each variable once, on the device of its first
            # use, instead of once per step.
            varscope.set_caching_device(lambda op: op.device)
        static_batch, batch_size = _batch_size(inputs)
        _checks.check_same_steps(inputs, "inputs")
        state = _initial_state(cell, initial_state, dtype, batch_size)

        lengths = None
        if sequence_length is not None:
            lengths = _prepare_sequence_length(sequence_length, static_batch)
            zero_output = rnn_cell.zero_state_tensors(
                cell.output_size, batch_size, _state_dtype(dtype, state))
            min_length = tf.reduce_min(lengths)
            max_length = tf.reduce_max(lengths)

        for time, step_input in enumerate(inputs):
            if time > 0:
                varscope.reuse_variables()
            if time == 1:
                # Step 0 created the variables; a known cell runs the rest in loops.
                tail = _engine.static_rnn_tail(cell, inputs[1:], state, outputs[0], lengths)
                if tail is not None:
                    outputs.extend(tail[0])
                    return outputs, tail[1]

            def call_cell(step_input: Any = step_input, state: Any = state) -> tuple:
                return cell(step_input, state)

            if sequence_length is None:
                output, state = call_cell()
            else:
                output, state = _masked_step(time, lengths, min_length, max_length,
                                             zero_output, state, call_cell)
            outputs.append(output)
        return outputs, state


def _reverse_steps(steps: list, lengths: Any) -> list:
    """Reverses a list of steps, per row up to `lengths[b]` when lengths are given."""
    if lengths is None:
        return list(reversed(steps))
    columns = []
    for series in zip(*[tf.nest.flatten(step) for step in steps]):
        stacked = tf.stack(series)
        flipped = tf.reverse_sequence(stacked, lengths, seq_axis=0, batch_axis=1)
        columns.append(tf.unstack(flipped, num=len(series)))
    return [tf.nest.pack_sequence_as(step, [column[t] for column in columns])
            for t, step in enumerate(steps)]


def static_bidirectional_rnn(cell_fw: Any, cell_bw: Any, inputs: Sequence[Any],
                             initial_state_fw: Any = None, initial_state_bw: Any = None,
                             dtype: Any = None, sequence_length: Any = None,
                             scope: Any = None) -> tuple:
    """Runs a forward and a backward static_rnn and concatenates their outputs.

    The forward network reads the steps in order, in the sub-scope ``fw``;
    the backward network reads them in reverse, in the sub-scope ``bw``. With
    `sequence_length`, row ``b`` is reversed over its first
    ``sequence_length[b]`` steps only (``tf.reverse_sequence``), so the
    backward pass starts at the row's last real step. The backward outputs are
    put back in forward order before concatenation.

    Args:
      cell_fw: The cell of the forward direction.
      cell_bw: The cell of the backward direction (same input size).
      inputs: Non-empty list of T step inputs, each `[batch_size,
        input_size]` or a nested tuple of such Tensors.
      initial_state_fw: Optional initial state of the forward network.
      initial_state_bw: Optional initial state of the backward network.
      dtype: dtype of the initial states; required if either is not given.
      sequence_length: Optional int32/int64 vector `[batch_size]`.
      scope: Variable scope (string or VariableScope); defaults to
        ``"bidirectional_rnn"``.

    Returns:
      A triple ``(outputs, state_fw, state_bw)``: `outputs` is a list of T
      Tensors `[batch_size, fw output size + bw output size]`, the forward
      output first; `state_fw` and `state_bw` are the final states.

    Raises:
      RuntimeError: when called in eager mode.
      TypeError: if a cell is not an RNNCell or `inputs` is not a sequence.
      ValueError: as static_rnn, e.g. for empty `inputs`.

    Compatibility:
      Matches TF 1.15 ``tf.compat.v1.nn.static_bidirectional_rnn``, with
      variables under ``bidirectional_rnn/fw/...`` and
      ``bidirectional_rnn/bw/...``; differences are those of static_rnn.
    """
    _checks.ensure_graph_mode("static_bidirectional_rnn")
    _checks.assert_like_rnncell("cell_fw", cell_fw)
    _checks.assert_like_rnncell("cell_bw", cell_bw)
    inputs = _check_inputs(inputs)

    with _v1.variable_scope(scope or "bidirectional_rnn"):
        with _v1.variable_scope("fw") as fw_scope:
            outputs_fw, state_fw = static_rnn(
                cell_fw, inputs, initial_state_fw, dtype, sequence_length, scope=fw_scope)
        with _v1.variable_scope("bw") as bw_scope:
            reversed_inputs = _reverse_steps(inputs, sequence_length)
            reversed_outputs_bw, state_bw = static_rnn(
                cell_bw, reversed_inputs, initial_state_bw, dtype, sequence_length,
                scope=bw_scope)
    outputs_bw = _reverse_steps(reversed_outputs_bw, sequence_length)

    outputs = []
    for output_fw, output_bw in zip(outputs_fw, outputs_bw):
        flat = [tf.concat([fw, bw], 1)
                for fw, bw in zip(tf.nest.flatten(output_fw), tf.nest.flatten(output_bw))]
        outputs.append(tf.nest.pack_sequence_as(output_fw, flat))
    return outputs, state_fw, state_bw


def _check_state_saver(state_saver: Any) -> None:
    """Checked after TF 1.15's checks of state_name, before the saver is first used."""
    if not all(callable(getattr(state_saver, m, None)) for m in ("state", "save_state")):
        raise TypeError(
            "`state_saver` must have the methods state(name) and save_state(name, value) (e.g. "
            f"the saver of batch_sequences_with_states), got "
            f"{_checks.describe_value(state_saver)}.")


def static_state_saving_rnn(cell: Any, inputs: Sequence[Any], state_saver: Any,
                            state_name: Any, sequence_length: Any = None,
                            scope: Any = None) -> tuple:
    """static_rnn whose initial state comes from, and final state goes to, a state saver.

    Used for truncated back-propagation: the state saver (for example the
    one of ``batch_sequences_with_states``) hands out the state left by the
    previous segment and stores the new one. The last output and the
    returned state only become available once every state has been saved.

    Args:
      cell: An RNNCell.
      inputs: Non-empty list of T step inputs, each `[batch_size, input_size]`.
      state_saver: Object with ``state(name) -> Tensor`` and
        ``save_state(name, value) -> Operation``.
      state_name: A string when `cell.state_size` is not nested; otherwise a
        tuple of strings, one per flattened part of `cell.state_size`.
      sequence_length: Optional int32/int64 vector `[batch_size]`.
      scope: Variable scope; defaults to ``"rnn"``.

    Returns:
      A pair ``(outputs, state)`` as from static_rnn.

    Raises:
      RuntimeError: when called in eager mode.
      TypeError: if `cell` is not an RNNCell.
      ValueError: if `state_name` is not nested like `cell.state_size` or
        has a different number of parts, and as static_rnn.

    Compatibility:
      Matches TF 1.15 ``tf.compat.v1.nn.static_state_saving_rnn``: the last output and the
      returned state depend on every `save_state` op. Other differences are those of
      static_rnn.
    """
    _checks.ensure_graph_mode("static_state_saving_rnn")
    _checks.assert_like_rnncell("cell", cell)
    state_size = cell.state_size
    state_is_tuple = tf.nest.is_nested(state_size)
    if state_is_tuple != tf.nest.is_nested(state_name):
        raise ValueError(
            "state_name should be the same type as cell.state_size.  "
            f"state_name: {state_name!s}, cell.state_size: {state_size!s}")

    if state_is_tuple:
        names = tf.nest.flatten(state_name)
        sizes = tf.nest.flatten(state_size)
        if len(names) != len(sizes):
            raise ValueError(
                f"#elems(state_name) != #elems(state_size): {len(names)} vs. {len(sizes)} "
                f"(state_name: {state_name!s}, cell.state_size: {state_size!s})")
        _check_state_saver(state_saver)
        initial_state = tf.nest.pack_sequence_as(
            state_size, [state_saver.state(name) for name in names])
    else:
        names = [state_name]
        _check_state_saver(state_saver)
        initial_state = state_saver.state(state_name)

    outputs, state = static_rnn(cell, inputs, initial_state=initial_state,
                                sequence_length=sequence_length, scope=scope)

    flat_state = tf.nest.flatten(state)
    saves = [state_saver.save_state(name, value) for name, value in zip(names, flat_state)]
    with tf.control_dependencies(saves):
        last_output = outputs[-1]
        outputs[-1] = tf.nest.pack_sequence_as(
            last_output, [tf.identity(leaf) for leaf in tf.nest.flatten(last_output)])
        state = tf.nest.pack_sequence_as(state, [tf.identity(leaf) for leaf in flat_state])
    return outputs, state

