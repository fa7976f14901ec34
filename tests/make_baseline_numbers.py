"""Computes tests/data/baseline_numbers.npz with the baseline revision of the library.

Usage, from the repository (needs git; takes a few minutes):

    python tests/make_baseline_numbers.py
    python tests/make_baseline_numbers.py --only NAME [NAME ...]

With ``--only`` just the named configurations are built (with the same
baseline commit) and written into the existing file; every other entry is
kept as it is.

The baseline is commit BASELINE_COMMIT, the straightforward step-by-step
implementation as it was when the API issue landed. The script

  1. checks it out with ``git worktree add --detach <tmp> BASELINE_COMMIT``;
  2. runs itself again (``--build``) in a subprocess with
     ``PYTHONPATH=<tmp>:<repo>/tests`` (PYTHONPATH comes before the editable
     install, and the subprocess checks that `legacy_seq2seq_compat` really
     is imported from <tmp>), with TF2 behaviour (resource variables, v2
     control flow). It builds every configuration of baseline_models.py and
     saves the results;
  3. removes the worktree.

The npz holds, per configuration, one float32 vector: all its fetched arrays
(``"<config>/<fetch key>"``) flattened and joined in sorted key order (one
entry per fetch would make the file twice as large, mostly zip headers). The
entry ``META_KEY`` is a JSON string with the commit, the TensorFlow and NumPy
versions, the signatures of the 13 `legacy_seq2seq` functions and, per
configuration: ``arrays``, the [fetch key, shape] pairs in that order;
``variables``, its sorted [name, shape, trainable] triples; ``shapes``, the
static shapes of its outputs and losses.

test_baseline_numbers.py compares the current library with this file; rerun
the script only when baseline_models.py changes (its configurations, never
the baseline commit).
"""

from __future__ import annotations

import inspect
import json
import os
import pathlib
import subprocess
import sys
import tempfile

BASELINE_COMMIT = "d3f642dad64b1f61fdea02f1c2bf58b214489b58"
TESTS = pathlib.Path(__file__).resolve().parent
REPO = TESTS.parent
OUT = TESTS / "data" / "baseline_numbers.npz"
META_KEY = "__meta__.json"


def signatures():
    """``inspect.signature`` of each `legacy_seq2seq` function, as strings."""
    from legacy_seq2seq_compat import legacy_seq2seq

    return {name: str(inspect.signature(getattr(legacy_seq2seq, name)))
            for name in legacy_seq2seq.__all__}


def build(out, tree, only=None):
    """Builds every configuration (or those in `only`) with the library in `tree`; writes `out`.

    With `only`, the other configurations' entries of the existing `out` are
    kept unchanged.
    """
    import numpy as np
    import tensorflow as tf

    import legacy_seq2seq_compat

    location = pathlib.Path(legacy_seq2seq_compat.__file__).resolve()
    if pathlib.Path(tree).resolve() not in location.parents:
        raise SystemExit(f"legacy_seq2seq_compat was imported from {location}, not from {tree}")
    head = subprocess.run(["git", "-C", str(tree), "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()
    if head != BASELINE_COMMIT:
        raise SystemExit(f"{tree} is at {head}, not at {BASELINE_COMMIT}")

    import baseline_models

    arrays = {}
    configs = {}
    names = list(baseline_models.CONFIGS)
    if only:
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise SystemExit(f"unknown configurations: {unknown}")
        with np.load(out, allow_pickle=False) as old:
            arrays = {key: old[key] for key in old.files if key != META_KEY}
            configs = json.loads(str(old[META_KEY]))["configs"]
        names = list(only)
    for name in names:
        values, info = baseline_models.run_config(name)
        keys = sorted(values)
        for key in keys:
            if values[key].dtype != np.float32:
                raise SystemExit(f"{name}/{key} is {values[key].dtype}, not float32")
        arrays[name] = np.concatenate([values[key].ravel() for key in keys])
        configs[name] = dict(info, arrays=[[key, list(values[key].shape)] for key in keys])
        print(f"{name}: {len(values)} arrays", flush=True)
    meta = {
        "baseline_commit": BASELINE_COMMIT,
        "made_by": "tests/make_baseline_numbers.py",
        "tensorflow_version": tf.__version__,
        "numpy_version": np.__version__,
        "signatures": signatures(),
        "configs": configs,
    }
    arrays[META_KEY] = np.array(json.dumps(meta, sort_keys=True))
    np.savez_compressed(out, **arrays)
    print(f"wrote {out}: {len(arrays)} entries")


def git(*args):
    """Runs git in the repository."""
    subprocess.run(["git", "-C", str(REPO), *args], check=True)


def main(only=()):
    """Checks the baseline out in a worktree, builds the numbers there, cleans up."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = pathlib.Path(tmp) / "baseline"
        git("worktree", "add", "--detach", str(tree), BASELINE_COMMIT)
        try:
            env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2",
                       PYTHONPATH=os.pathsep.join([str(tree), str(TESTS)]))
            env.pop("LEGACY_SEQ2SEQ_TF1_BEHAVIOR", None)
            subprocess.run([sys.executable, str(pathlib.Path(__file__).resolve()), "--build",
                            str(OUT), str(tree), *only], env=env, check=True, cwd=tmp)
        finally:
            git("worktree", "remove", "--force", str(tree))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--build"]:
        build(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif sys.argv[1:2] == ["--only"]:
        main(sys.argv[2:])
    else:
        main()
