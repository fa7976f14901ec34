"""Old-era checkpoint writers shared by the checkpoint tests.

The renaming here goes FORWARD, from a TF 1.15 name to the name TF 1.0 or
TF 0.12 gave the same variable, and is written independently of
legacy_seq2seq_compat.checkpoints (which goes backwards). Sources: the
naming history of the reference write-up (§2.5) and the public TF 0.12 /
TF 1.1 cell code:

* both old eras: EmbeddingWrapper, InputProjectionWrapper and
  OutputProjectionWrapper ran the wrapped cell outside their own scope, so
  the cell's scope is a sibling of the wrapper's (``rnn/embedding_wrapper/
  embedding`` next to ``rnn/multi_rnn_cell/...``);
* TF 1.0: the linear variables are ``weights``/``biases``;
* TF 0.12: CamelCase scopes (``RNN``, ``GRUCell/Gates``, ``MultiRNNCell/
  Cell0``, ...), ``Linear/Matrix`` and ``Linear/Bias``, and LSTMCell's own
  ``W_0`` (split in row shards ``W_0``, ``W_1``, ... when sharded), ``B``,
  ``W_P_0`` and ``W_F_diag``/``W_I_diag``/``W_O_diag``.
"""

import os
import re

import numpy as np
import tensorflow as tf

v1 = tf.compat.v1

SLOTS = ("Adam", "Adam_1", "Momentum", "Adagrad", "RMSProp", "RMSProp_1")
_WRAPPER_OWN = {
    "embedding_wrapper": ("embedding",),
    "output_projection_wrapper": ("kernel", "bias"),
    "input_projection_wrapper": ("kernel", "bias"),
}
_LINEAR_0_12 = (r"gates|candidate|basic_lstm_cell|basic_rnn_cell|output_projection_wrapper|"
                r"input_projection_wrapper|Attention_\d+|AttnOutputProjection|attention_decoder")
_LINEAR_1_0 = _LINEAR_0_12 + r"|lstm_cell|projection"
_CAMEL = {
    "rnn": "RNN", "bidirectional_rnn": "BiRNN", "gru_cell": "GRUCell",
    "basic_lstm_cell": "BasicLSTMCell", "basic_rnn_cell": "BasicRNNCell", "lstm_cell": "LSTMCell",
    "multi_rnn_cell": "MultiRNNCell", "embedding_wrapper": "EmbeddingWrapper",
    "output_projection_wrapper": "OutputProjectionWrapper",
    "input_projection_wrapper": "InputProjectionWrapper",
}
_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "varnames_tf115.txt")


def split_slot(name):
    """('x/kernel', '/Adam') for 'x/kernel/Adam'; (name, '') for a model variable."""
    head, _, tail = name.rpartition("/")
    return (head, "/" + tail) if tail in SLOTS else (name, "")


def _unnest(name):
    """Takes the wrapped cell out of its wrapper, as TF < 1.2 stored it."""
    parts = name.split("/")
    kept = [part for i, part in enumerate(parts)
            if not (part in _WRAPPER_OWN and i + 1 < len(parts)
                    and parts[i + 1] not in _WRAPPER_OWN[part])]
    return "/".join(kept)


def v10_name(name):
    """The TF 1.0/1.1 name of the variable TF 1.15 calls `name`."""
    base, slot = split_slot(name)
    base = _unnest(base)
    base = re.sub(rf"(^|/)({_LINEAR_1_0})/kernel$", r"\1\2/weights", base)
    base = re.sub(rf"(^|/)({_LINEAR_1_0})/bias$", r"\1\2/biases", base)
    return base + slot


def v012_name(name):
    """The TF 0.12 name (a sharded LSTMCell kernel gets its ``W_0`` name here)."""
    base, slot = split_slot(name)
    base = _unnest(base)
    base = re.sub(r"(^|/)lstm_cell/kernel$", r"\1lstm_cell/W_0", base)
    base = re.sub(r"(^|/)lstm_cell/bias$", r"\1lstm_cell/B", base)
    base = re.sub(r"(^|/)lstm_cell/projection/kernel$", r"\1lstm_cell/W_P_0", base)
    base = re.sub(r"(^|/)lstm_cell/w_([fio])_diag$",
                  lambda m: f"{m.group(1)}lstm_cell/W_{m.group(2).upper()}_diag", base)
    base = re.sub(rf"(^|/)({_LINEAR_0_12})/kernel$", r"\1\2/Linear/Matrix", base)
    base = re.sub(rf"(^|/)({_LINEAR_0_12})/bias$", r"\1\2/Linear/Bias", base)
    parts = base.split("/")
    old = []
    for i, part in enumerate(parts):
        before = parts[i - 1] if i else ""
        if before == "multi_rnn_cell" and re.fullmatch(r"cell_\d+", part):
            old.append("Cell" + part[5:])
        elif before == "gru_cell" and part in ("gates", "candidate"):
            old.append(part.capitalize())
        elif before == "bidirectional_rnn" and part in ("fw", "bw"):
            old.append(part.upper())
        else:
            old.append(_CAMEL.get(part, part))
    return "/".join(old) + slot


def tf012_row_shards(rows, count):
    """Row counts of TF 0.12's sharded variables: the remainder goes to the first shards."""
    size, extra = divmod(rows, count)
    return [size + (1 if i < extra else 0) for i in range(count)]


def to_old_era(tensors, era, lstm_shards=1):
    """Renames {TF 1.15 name: value} to era "1.0" or "0.12" names (values untouched)."""
    old = {}
    for name, value in tensors.items():
        renamed = v10_name(name) if era == "1.0" else v012_name(name)
        if era == "0.12" and lstm_shards > 1 and re.search(r"LSTMCell/W_0(/|$)", renamed):
            cuts = np.cumsum(tf012_row_shards(value.shape[0], lstm_shards))[:-1]
            for k, piece in enumerate(np.split(value, cuts, axis=0)):
                old[renamed.replace("LSTMCell/W_0", f"LSTMCell/W_{k}")] = piece
        else:
            assert renamed not in old, renamed
            old[renamed] = value
    return old


def write_checkpoint(prefix, tensors, version="V2"):
    """Saves {name: numpy value} with tf.compat.v1.train.Saver; returns the prefix.

    Also writes the directory's ``checkpoint`` state file, as TF1 training did.
    """
    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    with tf.Graph().as_default():
        variables = {name: v1.Variable(value, name=f"v{i}")
                     for i, (name, value) in enumerate(sorted(tensors.items()))}
        write_version = v1.train.SaverDef.V1 if version == "V1" else v1.train.SaverDef.V2
        saver = v1.train.Saver(variables, write_version=write_version)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            return saver.save(sess, prefix, write_meta_graph=False)


def read_checkpoint(prefix):
    """{name: numpy value} of every tensor in a checkpoint."""
    reader = tf.train.load_checkpoint(prefix)
    return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()}


def measured_listing(label):
    """{name: shape} of one section of tests/data/varnames_tf115.txt (TF 1.15 source on TF 2.21)."""
    shapes, current = {}, None
    with open(_DATA, encoding="utf-8") as f:
        for line in f:
            header = re.match(r"^== \((\w+)\)", line)
            if header:
                current = header.group(1)
            elif current == label and line.strip() and not line.startswith("#"):
                name, shape = re.match(r"^(\S+):0\s+\[([0-9, ]*)\]$", line.strip()).groups()
                shapes[name] = [int(d) for d in shape.split(",") if d.strip()]
    assert shapes, f"no section ({label}) in {_DATA}"
    return shapes


def random_tensors(shapes, seed):
    """{name: random float32 value} for {name: shape}."""
    rng = np.random.RandomState(seed)
    return {name: rng.uniform(-1, 1, shape).astype(np.float32) for name, shape in shapes.items()}


def files_state(directory):
    """{file: (bytes, mtime)} of every file under `directory`."""
    state = {}
    for root, _, files in os.walk(directory):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                state[path] = (f.read(), os.stat(path).st_mtime_ns)
    return state
