"""Keeps TensorFlow's start-up noise out of runs through the facade and the runner.

On import, TensorFlow writes log lines to the process's stderr before its own
log level applies (``WARNING: All log messages before absl::InitializeLog()``,
the oneDNN notice, ``Could not find cuda drivers``), and on the first device
lookup a CPU-only machine logs ``failed call to cuInit``. Our own call of
``tf.compat.v1.disable_v2_behavior()`` also logs a deprecation warning about
``disable_resource_variables``, a call the user never made.

`quiet_start` hides exactly that, for the work we do ourselves: while it is
active, file descriptor 2 goes to a temporary file and afterwards every line
is copied back to stderr except the known start-up lines; the ``tensorflow``
Python logger only passes errors; and ``TF_CPP_MIN_LOG_LEVEL`` is set to 2
for the rest of the process (INFO and WARNING lines of TensorFlow's C++ code
are dropped, errors still show). It does nothing when the user set
``TF_CPP_MIN_LOG_LEVEL`` themselves or asked for verbose output.

The C++ log level is read once, when TensorFlow is first imported: if
TensorFlow was imported before, setting the variable changes nothing, and
only the Python-level part applies.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import tempfile
from collections.abc import Iterator

LEVEL_VARIABLE = "TF_CPP_MIN_LOG_LEVEL"
# The level set when the user has none: C++ INFO and WARNING lines dropped, errors kept.
QUIET_LEVEL = "2"

# Lines TensorFlow prints while it starts, all harmless.
_NOISE = re.compile(
    r"WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|[IW]\d{4} [\d:. ]+\d+ \S+:\d+\] "  # absl INFO / WARNING lines
    r"|E\d{4} [\d:. ]+\d+ \S+:\d+\] failed call to cuInit"  # no GPU driver on this machine
    r"|To enable the following instructions: .* rebuild TensorFlow"  # cpu_feature_guard's tail
)


# Set by `legacy-seq2seq-compat run --verbose` before it imports the facade.
verbose_requested = False


def wanted(verbose: bool = False) -> bool:
    """Whether to quieten: not asked to be verbose, and no level of the user's own."""
    return not (verbose or verbose_requested) and LEVEL_VARIABLE not in os.environ


def _is_noise(line: str) -> bool:
    return _NOISE.match(line) is not None


@contextlib.contextmanager
def _native_stderr_filtered() -> Iterator[None]:
    """Sends fd 2 to a file while active, then copies back every line that is not noise."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real stderr (embedded interpreters)
        yield
        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [line for line in captured.read().decode("utf-8", "replace").splitlines(True)
                    if not _is_noise(line)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


@contextlib.contextmanager
def _python_logs_at_error() -> Iterator[None]:
    """The ``tensorflow`` logger passes only errors while active."""
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        if logger.level == logging.ERROR:  # unless someone else set a level meanwhile
            logger.setLevel(level)


@contextlib.contextmanager
def quiet_start(active: bool = True) -> Iterator[bool]:
    """Hides TensorFlow's start-up lines and the warnings of our own calls (see the module doc).

    Args:
      active: when False, nothing is changed (the user asked for everything).

    Yields:
      `active`.
    """
    if not active:
        yield False
        return
    os.environ.setdefault(LEVEL_VARIABLE, QUIET_LEVEL)
    with _native_stderr_filtered(), _python_logs_at_error():
        yield True
        tf = sys.modules.get("tensorflow")
        if tf is not None and hasattr(tf, "config"):
            # The first device lookup logs "failed call to cuInit" on machines without a
            # GPU driver: make it now, inside the window, not at the user's first Session.
            tf.config.list_physical_devices()
