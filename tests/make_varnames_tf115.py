"""Rewrites tests/data/varnames_tf115.txt from TensorFlow 1.15's own seq2seq source.

Usage (from the repository, network needed the first time)::

    python tests/make_varnames_tf115.py [--cache-dir DIR] [--wheel PATH] [--output PATH]

What it does:

1. Downloads the TF 1.15 wheel named by ``WHEEL_REQUIREMENT`` from PyPI with
   ``pip download`` (no dependencies, nothing installed) into the cache folder
   (default ``~/.cache/legacy_seq2seq_compat/tf115``), unless it is already
   there, and checks its sha256 against ``WHEEL_SHA256``.
2. Starts a subprocess with ``TF_USE_LEGACY_KERAS=1`` (TensorFlow 2.21 plus
   tf_keras). The subprocess reads two files of TF 1.15 straight out of the
   wheel (a zip) in memory, ``SEQ2SEQ_MEMBER`` and ``CORE_RNN_CELL_MEMBER``, and
   executes them with the import table ``STAND_INS`` (everything else they
   import comes from TF 2.21 itself; its legacy cells are tf_keras's).
3. Builds every model of ``SECTIONS`` with that code in a fresh graph, at the
   root variable scope, and lists ``tf.compat.v1.global_variables()`` (name and
   shape, in creation order).
4. Writes the listing with a header naming this script, the wheel and its
   sha256, and the TensorFlow and tf_keras versions of the run.

TensorFlow's code is never stored in this repository: it is fetched from the
package registry at run time and only executed.
"""

from __future__ import annotations

import argparse
import builtins
import hashlib
import json
import linecache
import os
import subprocess
import sys
import types
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUTPUT = os.path.join(HERE, "data", "varnames_tf115.txt")
DEFAULT_CACHE = os.path.join(os.path.expanduser("~"), ".cache", "legacy_seq2seq_compat", "tf115")

# The newest TF 1.15 wheel PyPI serves for the CPU package with Linux x86_64
# and CPython 3.7 tags (tensorflow-cpu 1.15.5 is not on PyPI).
WHEEL_REQUIREMENT = "tensorflow-cpu==1.15.0"
WHEEL_FILE = "tensorflow_cpu-1.15.0-cp37-cp37m-manylinux2010_x86_64.whl"
WHEEL_SHA256 = "2996f18a570790e04689c0c0f1b401c06890861c1b13bc01a6e88e291fd206ea"
PIP_ARGS = ["--no-deps", "--only-binary=:all:", "--python-version", "37",
            "--platform", "manylinux2010_x86_64"]

SEQ2SEQ_MEMBER = "tensorflow_core/contrib/legacy_seq2seq/python/ops/seq2seq.py"
CORE_RNN_CELL_MEMBER = "tensorflow_core/contrib/rnn/python/ops/core_rnn_cell.py"

# Module imported by the TF 1.15 files -> what the subprocess gives them
# instead. Modules not listed are imported from TensorFlow 2.21 as they are
# (tensorflow.python.framework.*, tensorflow.python.ops.array_ops, ...; with
# TF_USE_LEGACY_KERAS=1 its rnn_cell_impl serves tf_keras's legacy cells).
STAND_INS = {
    "six.moves": "range as xrange, the builtin zip (six need not be installed)",
    "tensorflow.contrib.rnn.python.ops.core_rnn_cell":
        f"TF 1.15's own {CORE_RNN_CELL_MEMBER}, from the same wheel, with this table",
    "tensorflow.python.util.nest":
        "TF 2.21's nest, plus is_sequence (TF 1.15's name of is_nested)",
    "tensorflow.python.ops.control_flow_ops":
        "TF 2.21's control_flow_ops, plus cond (moved out of it since TF 1.15)",
    "tensorflow.python.ops.array_ops":
        "TF 2.21's array_ops, plus stack (moved out of it since TF 1.15)",
}

_DECODER = "embedding_attention_seq2seq, {cell}, num_heads=2, vocab 10/12, emb 8, " \
           "enc 3 / dec 4, feed_previous=False"

# label -> description written in the file; the builders are in _build_section.
SECTIONS = {
    "a": _DECODER.format(cell="MultiRNNCell(2 x GRUCell(16))"),
    "b": _DECODER.format(cell="BasicLSTMCell(16)"),
    "b2": _DECODER.format(cell="MultiRNNCell(2 x BasicLSTMCell(16))"),
    "c": "embedding_tied_rnn_seq2seq, BasicLSTMCell(16), num_symbols=10, emb 8, "
         "enc 3 / dec 4, feed_previous=False",
    "d": "model_with_buckets, buckets (3,3),(5,5), embedding_attention_seq2seq as (a) + "
         "output_projection=(proj_w[16,12], proj_b[12])",
}

TITLE = ("# Variable names and shapes of TF 1.15 legacy_seq2seq models "
         "(TF 1.15 source, run on TF 2.21)")


# -- parent: fetch the wheel, run the child, write the file ----------------------


def sha256_of(path: str) -> str:
    """Hex sha256 of the file at `path`."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_wheel(cache_dir: str) -> str:
    """Path of the TF 1.15 wheel in `cache_dir`, downloaded with pip if missing."""
    path = os.path.join(cache_dir, WHEEL_FILE)
    if not os.path.exists(path):
        os.makedirs(cache_dir, exist_ok=True)
        command = [sys.executable, "-m", "pip", "download", WHEEL_REQUIREMENT, *PIP_ARGS,
                   "-d", cache_dir]
        print("running:", " ".join(command), file=sys.stderr)
        subprocess.run(command, check=True)
    if not os.path.exists(path):
        raise SystemExit(f"pip download did not leave {WHEEL_FILE} in {cache_dir}")
    return path


def format_listing(sections: dict, header_lines: list) -> str:
    """The file's text: header comment lines, then one block per section.

    `sections` maps a label to ``(description, [(name, shape), ...])``.
    """
    blocks = []
    for label, (description, rows) in sections.items():
        lines = [f"== ({label}) {description}  [{len(rows)} variables]"]
        lines += [f"{name}  [{', '.join(str(d) for d in shape)}]" for name, shape in rows]
        blocks.append("\n".join(lines))
    return "\n".join(header_lines) + "\n\n" + "\n\n".join(blocks) + "\n"


def header_lines(wheel_sha256: str, versions: dict) -> list:
    """The file's comment header: this script, the wheel, its hash, the versions of the run."""
    return [
        TITLE,
        "# Produced by tests/make_varnames_tf115.py: TF 1.15's own legacy_seq2seq code, read from",
        f"# the PyPI wheel {WHEEL_FILE}",
        f"# (sha256 {wheel_sha256}):",
        f"#   {SEQ2SEQ_MEMBER}",
        f"#   {CORE_RNN_CELL_MEMBER}",
        f"# run on TensorFlow {versions['tensorflow']} with tf_keras {versions['tf_keras']}'s "
        "legacy TF1 cells (TF_USE_LEGACY_KERAS=1).",
        "# A TF 1.15 checkpoint of the same model holds exactly these names (without the ':0'",
        "# suffix) and shapes. See README.md here.",
    ]


def run_child(wheel: str) -> dict:
    """Runs child_main in a fresh interpreter with tf_keras's legacy cells; returns its result."""
    env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", wheel],
                          env=env, stdout=subprocess.PIPE, check=True, timeout=600)
    return json.loads(done.stdout.decode("utf-8").strip().splitlines()[-1])


def main(argv=None) -> None:
    """Command line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(
        description="Rewrite tests/data/varnames_tf115.txt by running TF 1.15's legacy_seq2seq "
                    f"source (fetched from PyPI: {WHEEL_REQUIREMENT}, about 110 MB, cached) on "
                    "this TensorFlow with tf_keras's legacy cells.")
    parser.add_argument("--cache-dir", default=DEFAULT_CACHE,
                        help=f"folder for the downloaded wheel (default: {DEFAULT_CACHE})")
    parser.add_argument("--wheel", help=f"use this copy of {WHEEL_FILE} instead of downloading")
    parser.add_argument("--output", default=DEFAULT_OUTPUT,
                        help="file to write (default: tests/data/varnames_tf115.txt)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child_main(args.child)))
        return
    wheel = args.wheel or fetch_wheel(args.cache_dir)
    digest = sha256_of(wheel)
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{wheel} has sha256 {digest}, expected {WHEEL_SHA256}: "
                         "delete it and run again to download it afresh")
    result = run_child(wheel)
    sections = {label: (SECTIONS[label], [(n, s) for n, s in rows])
                for label, rows in result["sections"].items()}
    text = format_listing(sections, header_lines(digest, result["versions"]))
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {args.output}", file=sys.stderr)


# -- child: execute the TF 1.15 files on TF 2.21 and build the models ------------


def _load_tf115(wheel: str):
    """The TF 1.15 seq2seq module, executed from the wheel with STAND_INS."""
    import tensorflow as tf
    from tensorflow.python.ops import array_ops, control_flow_ops
    from tensorflow.python.util import nest

    def extended(module, **extra):
        copy = types.ModuleType(module.__name__)
        copy.__dict__.update({k: v for k, v in vars(module).items() if not k.startswith("__")})
        copy.__dict__.update(extra)
        return copy

    table = {
        "six.moves": types.SimpleNamespace(xrange=range, zip=zip),
        "tensorflow.python.util.nest": extended(nest, is_sequence=nest.is_nested),
        "tensorflow.python.ops.control_flow_ops":
            extended(control_flow_ops, cond=tf.compat.v1.cond),
        "tensorflow.python.ops.array_ops": extended(array_ops, stack=tf.stack),
    }
    assert set(table) | {"tensorflow.contrib.rnn.python.ops.core_rnn_cell"} == set(STAND_INS)

    def importer(name, globals=None, locals=None, fromlist=(), level=0):
        wanted = [f"{name}.{item}" for item in fromlist or ()]
        if name in table:
            return table[name]
        if wanted and all(w in table for w in wanted):
            return types.SimpleNamespace(**{w.rsplit(".", 1)[1]: table[w] for w in wanted})
        if any(w in table for w in wanted):
            raise ImportError(f"mixed stand-in and real names in 'from {name} import ...'")
        return builtins.__import__(name, globals, locals, fromlist, level)

    with zipfile.ZipFile(wheel) as archive:
        sources = {member: archive.read(member).decode("utf-8")
                   for member in (CORE_RNN_CELL_MEMBER, SEQ2SEQ_MEMBER)}

    def execute(member, module_name):
        module = types.ModuleType(module_name)
        filename = f"{WHEEL_FILE}/{member}"
        lines = sources[member].splitlines(True)
        linecache.cache[filename] = (len(sources[member]), None, lines, filename)
        module.__dict__["__builtins__"] = dict(vars(builtins), __import__=importer)
        exec(compile(sources[member], filename, "exec"), module.__dict__)
        return module

    table["tensorflow.contrib.rnn.python.ops.core_rnn_cell"] = execute(
        CORE_RNN_CELL_MEMBER, "tf115_core_rnn_cell")
    return execute(SEQ2SEQ_MEMBER, "tf115_seq2seq")


def _build_section(label: str, seq2seq, cells) -> None:
    """Builds the model of section `label` in the current graph with TF 1.15's `seq2seq`."""
    import tensorflow as tf

    v1 = tf.compat.v1

    def ids(count, prefix):
        return [v1.placeholder(tf.int32, [None], name=f"{prefix}{i}") for i in range(count)]

    def gru2():
        return cells.MultiRNNCell([cells.GRUCell(16) for _ in range(2)])

    def attention(make_cell, **extra):
        # A fresh cell per call: TF 1.15's deepcopy of a cell that already
        # built its variables fails (model_with_buckets calls this per bucket).
        return lambda enc, dec: seq2seq.embedding_attention_seq2seq(
            enc, dec, make_cell(), num_encoder_symbols=10, num_decoder_symbols=12,
            embedding_size=8, num_heads=2, feed_previous=False, **extra)

    if label == "a":
        attention(gru2)(ids(3, "enc"), ids(4, "dec"))
    elif label == "b":
        attention(lambda: cells.BasicLSTMCell(16))(ids(3, "enc"), ids(4, "dec"))
    elif label == "b2":
        attention(lambda: cells.MultiRNNCell([cells.BasicLSTMCell(16) for _ in range(2)]))(
            ids(3, "enc"), ids(4, "dec"))
    elif label == "c":
        seq2seq.embedding_tied_rnn_seq2seq(
            ids(3, "enc"), ids(4, "dec"), cells.BasicLSTMCell(16), num_symbols=10,
            embedding_size=8, feed_previous=False)
    elif label == "d":
        proj_w = v1.get_variable("proj_w", [16, 12])
        proj_b = v1.get_variable("proj_b", [12])

        def loss(labels, logits):
            return tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=tf.reshape(labels, [-1]), logits=tf.matmul(logits, proj_w) + proj_b)

        weights = [v1.placeholder(tf.float32, [None], name=f"weight{i}") for i in range(5)]
        seq2seq.model_with_buckets(
            ids(5, "enc"), ids(5, "dec"), ids(5, "target"), weights, [(3, 3), (5, 5)],
            attention(gru2, output_projection=(proj_w, proj_b)), softmax_loss_function=loss)
    else:
        raise ValueError(f"no builder for section ({label})")


def child_main(wheel: str) -> dict:
    """{"sections": {label: [[name, shape], ...]}, "versions": {...}} of this interpreter."""
    if os.environ.get("TF_USE_LEGACY_KERAS") != "1":
        raise SystemExit("the child needs TF_USE_LEGACY_KERAS=1")
    import warnings

    import tensorflow as tf
    import tf_keras

    warnings.simplefilter("ignore")  # deprecation notes of the TF1 APIs this run uses on purpose
    tf.get_logger().setLevel("ERROR")
    cells = tf.compat.v1.nn.rnn_cell
    if "tf_keras" not in cells.GRUCell.__module__:
        raise SystemExit(f"tf.compat.v1.nn.rnn_cell.GRUCell is {cells.GRUCell!r}, not tf_keras's")
    # TF 1.15's code reads `shape[i].value`: give it TF1's Dimension objects.
    tf.compat.v1.disable_v2_tensorshape()
    seq2seq = _load_tf115(wheel)
    sections = {}
    for label in SECTIONS:
        with tf.Graph().as_default():
            _build_section(label, seq2seq, cells)
            variables = tf.compat.v1.global_variables()
            sections[label] = [[v.name, v.shape.as_list()] for v in variables]
    return {"sections": sections,
            "versions": {"tensorflow": tf.__version__, "tf_keras": tf_keras.__version__}}


if __name__ == "__main__":
    main()
