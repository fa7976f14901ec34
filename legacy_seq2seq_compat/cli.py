"""The `legacy-seq2seq-compat` command line.

Sub-commands:
  run [--separate-layer-weights] [--verbose] SCRIPT [ARGS...]
                                run an unmodified TF 1.x script on TF 2.x
  cluster [--ps N] [--workers M] [--tf-config] [--timeout S] -- SCRIPT [ARGS...]
                                run a TF 1.x distributed script as a local cluster
  ckpt inspect PATH             list a TF1 checkpoint's variables, naming era and model
  ckpt convert IN OUT           rename an old (TF 0.12 / 1.0) checkpoint to TF 1.15 names
  migrate [--write] [--compat-v1] PATH...
                                rewrite tf.contrib / tf.nn.rnn_cell code to use this library
                                (prints a diff; --write changes the files, keeping .bak)

The same command line is reachable as `python -m legacy_seq2seq_compat ...`.
This module imports nothing heavy: each sub-command's handler (`_COMMANDS`)
imports the module that does the work, so `--help`, `--version` and `migrate`
answer without importing TensorFlow. A new sub-command is a parser in
`_build_parser` plus a handler in `_COMMANDS` that imports its module inside.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from legacy_seq2seq_compat._version import __version__

__all__ = ["main"]

PROG = "legacy-seq2seq-compat"


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Run and migrate TensorFlow 1.x legacy_seq2seq code on TensorFlow 2.x.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    run = commands.add_parser(
        "run",
        help="run an unmodified TF 1.x script with `import tensorflow` giving the TF1 facade",
        description=(
            "Run SCRIPT as __main__ with ARGS as its sys.argv[1:]. Inside it, "
            "`import tensorflow as tf` gives legacy_seq2seq_compat.tf1 (TF 1.x with "
            "tf.contrib.legacy_seq2seq, tf.contrib.rnn and tf.contrib.slim)."
        ),
    )
    run.add_argument(
        "--separate-layer-weights", action="store_true",
        help="give MultiRNNCell([cell] * n) one set of weights per layer, as TF <= 1.0 did "
             "(TF 1.2+ shares one set)")
    run.add_argument(
        "--verbose", action="store_true",
        help="keep TensorFlow's start-up log lines and warnings (by default they are hidden "
             "unless TF_CPP_MIN_LOG_LEVEL is set)")
    run.add_argument("script", help="path of the Python script to run")
    run.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to the script")

    cluster = commands.add_parser(
        "cluster", help="run a TF 1.x distributed script as a local ps/worker cluster",
        description=(
            "Start NUM_PS ps and NUM_WORKERS worker tasks of SCRIPT on free localhost ports, "
            "each through `run`, adding --ps_hosts --worker_hosts --job_name --task_index "
            "(or TF_CONFIG). Task output is prefixed with [job:index]. The ps tasks are "
            "stopped when every worker has finished; any failure stops every task and "
            "becomes the exit status."),
    )
    cluster.add_argument("--ps", type=int, default=1, metavar="NUM_PS",
                         help="number of parameter-server tasks (default 1)")
    cluster.add_argument("--workers", type=int, default=2, metavar="NUM_WORKERS",
                         help="number of worker tasks (default 2)")
    cluster.add_argument("--tf-config", action="store_true",
                         help="describe the cluster in TF_CONFIG instead of the four flags")
    cluster.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                         help="stop every task and exit 124 after this long")
    cluster.add_argument("--ps-wait", type=float, default=120.0, metavar="SECONDS",
                         help="fail when a ps task does not accept connections by then "
                              "(default 120)")
    cluster.add_argument("--all-at-once", action="store_true",
                         help="start every worker at once, not the chief first")
    cluster.add_argument("script", help="path of the TF 1.x script (after `--`)")
    cluster.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to the script")

    ckpt = commands.add_parser("ckpt", help="inspect or convert TF1 checkpoints")
    ckpt_commands = ckpt.add_subparsers(dest="ckpt_command", metavar="ACTION")
    ckpt_commands.required = True
    inspect = ckpt_commands.add_parser(
        "inspect", help="list variables, naming era and the legacy_seq2seq model they match"
    )
    inspect.add_argument("path", help="checkpoint prefix, or a directory with a 'checkpoint' file")
    convert = ckpt_commands.add_parser(
        "convert", help="rewrite TF 0.12 / 1.0 variable names to TF 1.15 names"
    )
    convert.add_argument("src", metavar="IN", help="checkpoint prefix or directory to read")
    convert.add_argument("dst", metavar="OUT", help="checkpoint prefix to write")
    convert.add_argument(
        "--dry-run", action="store_true", help="print the name mapping, write nothing"
    )
    convert.add_argument("--force", action="store_true", help="overwrite OUT if it exists")

    migrate = commands.add_parser(
        "migrate",
        help="rewrite tf.contrib.legacy_seq2seq / tf.contrib.rnn / tf.nn.rnn_cell code to use "
             "legacy_seq2seq_compat and tf_slim",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Rewrite uses and imports of tf.contrib.legacy_seq2seq, tf.nn.seq2seq, "
            "tf.contrib.rnn, tf.nn.rnn_cell (also as tf.compat.v1.nn.rnn_cell), the old deep\n"
            "import paths (tensorflow.contrib.rnn.python.ops.core_rnn_cell, "
            "tensorflow.models.rnn.*, ...) and tf.contrib.slim / layers / framework\n"
            "to legacy_seq2seq_compat.legacy_seq2seq, .rnn_cell, .rnn, .decoders and tf_slim. "
            "Untouched code keeps its exact\nformatting and comments; running it again "
            "changes nothing more.\n\n"
            "By default a unified diff is printed and no file is changed. With --write each "
            "changed file is rewritten\nin place and its original bytes are kept in PATH.bak "
            "(PATH.bak.1, PATH.bak.2, ... if that exists: no backup\nis ever overwritten).\n\n"
            "What cannot be converted (tf.contrib.grid_rnn, tf.contrib.seq2seq, "
            "private names, a namespace\nused as a value, star imports, ...) is left as it is "
            "and reported on stderr as PATH:LINE: REASON; a file\nthat cannot be parsed is "
            "reported and never touched.\n\n"
            "Exit status: 0 everything converted, 1 something reported, 2 usage error "
            "(e.g. a missing PATH)."
        ),
    )
    migrate.add_argument("paths", nargs="+", metavar="PATH",
                         help="a Python file, or a directory to search for *.py files")
    migrate.add_argument("--write", action="store_true",
                         help="change the files in place, keeping each original as PATH.bak")
    migrate.add_argument("--compat-v1", action="store_true",
                         help="also switch `import tensorflow as tf` to `import "
                              "tensorflow.compat.v1 as tf` + `tf.disable_v2_behavior()`, "
                              "so TF 1.x's core API runs on TF 2.x")
    return parser


def _run(args: argparse.Namespace) -> int:
    from legacy_seq2seq_compat import runner

    return runner.run_script(args.script, args.args,
                             separate_layer_weights=args.separate_layer_weights,
                             verbose=args.verbose)


def _ckpt(args: argparse.Namespace) -> int:
    from legacy_seq2seq_compat import checkpoints

    if args.ckpt_command == "inspect":
        return checkpoints.run_inspect(args.path, out=sys.stdout)
    return checkpoints.run_convert(
        args.src, args.dst, dry_run=args.dry_run, force=args.force, out=sys.stdout
    )


def _cluster(args: argparse.Namespace) -> int:
    from legacy_seq2seq_compat import cluster

    return cluster.launch(args.script, args.args, num_ps=args.ps, num_workers=args.workers,
                          tf_config=args.tf_config, timeout=args.timeout,
                          chief_first=not args.all_at_once, ps_wait=args.ps_wait)


def _migrate(args: argparse.Namespace) -> int:
    from legacy_seq2seq_compat import migrate

    return migrate.migrate_paths(args.paths, write=args.write, out=sys.stdout,
                                 err=sys.stderr, compat_v1=args.compat_v1)


# Sub-command name -> handler; each handler imports the module it needs.
_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": _run,
    "cluster": _cluster,
    "ckpt": _ckpt,
    "migrate": _migrate,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line.

    Args:
      argv: the arguments after the program name; `sys.argv[1:]` when None.

    Returns:
      The process exit status.

    Compatibility:
      No TF 1.15 counterpart: the `legacy-seq2seq-compat` command (run, cluster, ckpt,
      migrate) of this library.
    """
    args = _build_parser().parse_args(sys.argv[1:] if argv is None else list(argv))
    return _COMMANDS[args.command](args)
