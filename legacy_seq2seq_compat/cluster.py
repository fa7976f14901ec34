"""Starts a local TensorFlow cluster of an unmodified TF 1.x distributed script.

``legacy-seq2seq-compat cluster --ps N --workers M -- SCRIPT [ARGS...]`` runs
N parameter-server and M worker processes on this machine, each one
``legacy-seq2seq-compat run SCRIPT ARGS...`` (so ``import tensorflow`` gives
the TF1 facade), with free localhost ports filled into the four flags that
TF1 distributed scripts take::

    --ps_hosts=localhost:P0,... --worker_hosts=localhost:W0,...
    --job_name=ps|worker --task_index=I

or, with ``--tf-config``, into the ``TF_CONFIG`` environment variable
(``{"cluster": {...}, "task": {"type": ..., "index": ...}}``) instead.
The cluster itself is TensorFlow's own: the script starts its
``tf.train.Server``; this module only starts processes and watches them.

Every line a task prints (stdout and stderr) is printed with the task's
prefix, e.g. ``[worker:1] step 10 loss 3.2``. The cluster stops when every
worker has finished, or as soon as any task fails; the exit status is then
0, or the first failure's status.

Four traps of TF1's runtime, and what happens here:

* A ps task never returns: its script ends in ``server.join()``. The
  launcher terminates the ps tasks once every worker has exited with 0.
* Without ``device_filters`` in the session config, a worker's session
  waits for *every* task of the cluster, so a worker that starts (or
  restarts) after another worker has finished waits forever ("CreateSession
  still waiting for response from worker"). Scripts should pass
  ``tf.ConfigProto(device_filters=["/job:ps", "/job:worker/task:%d" % i])``
  to their session; the launcher prints a hint naming this when a task
  reports that wait, and ``--timeout`` bounds the whole run.
* A non-chief worker whose `MonitoredTrainingSession` finds the variables
  not yet initialized sleeps 30 seconds before it looks again (TF's
  `SessionManager`), and a short job may be over by then. So the other
  workers start once the chief has logged TF's "Done running
  local_init_op" (its variables are ready), or after 30 seconds if it never
  does; ``--all-at-once`` starts every task at once instead.
* A worker whose ps cannot be reached waits for it for ever in session
  creation (TF 2.21 too; ``operation_timeout_in_ms`` does not bound it). The
  launcher checks that every ps task accepts connections on its port within
  ``--ps-wait`` seconds (default 120) of its start, and otherwise stops the
  cluster with an error naming the ps task and its address (status 1).

Compatibility: TF 1.x shipped no launcher; its distributed scripts were
started by hand or by a cluster manager, one process per task, with the same
four flags (or ``TF_CONFIG``, which `tf.estimator` and `tf.distribute` read).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import IO, Optional

__all__ = ["free_ports", "cluster_spec", "task_command", "launch"]

# Printed by TF when a session waits for a task of the cluster that does not answer.
_WAITING_MARK = "CreateSession still waiting for response from"
_HINT = ("[cluster] hint: a session is waiting for a task that does not answer (maybe one "
         "that has finished). Give the session tf.ConfigProto(device_filters=['/job:ps', "
         "'/job:worker/task:<index>']) so that each worker only waits for the ps tasks and "
         "itself.")
# Logged by TF's SessionManager once a session's variables are ready.
_READY_MARK = "Done running local_init_op"
# Seconds the other workers wait for the chief to be ready, at most.
_CHIEF_WAIT = 30.0
# Seconds a task gets to end after SIGTERM before it is killed.
_GRACE = 5.0


def free_ports(count: int) -> list:
    """Returns `count` distinct TCP ports that are free on localhost right now.

    Compatibility: new here; TF 1.x scripts were given fixed ports by hand.
    """
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("localhost", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def cluster_spec(num_ps: int, num_workers: int, ports: Optional[Sequence[int]] = None) -> dict:
    """The cluster as ``{"ps": ["localhost:P", ...], "worker": [...]}``.

    Args:
      num_ps: number of parameter-server tasks (at least 1).
      num_workers: number of worker tasks (at least 1).
      ports: `num_ps + num_workers` ports, ps first; free ports when None.

    Returns:
      The dict `tf.train.ClusterSpec` and ``TF_CONFIG["cluster"]`` take.

    Raises:
      ValueError: on a task count below 1 or a wrong number of ports.

    Compatibility: the same layout as TF 1.x's ``ClusterSpec`` dict.
    """
    for name, value in (("num_ps", num_ps), ("num_workers", num_workers)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"`{name}` must be an int >= 1, got {value!r}.")
    total = num_ps + num_workers
    ports = free_ports(total) if ports is None else list(ports)
    if len(ports) != total:
        raise ValueError(f"`ports` must hold num_ps + num_workers = {total} ports, "
                         f"got {len(ports)}.")
    hosts = [f"localhost:{port}" for port in ports]
    return {"ps": hosts[:num_ps], "worker": hosts[num_ps:]}


def task_command(script: str, args: Sequence[str], spec: dict, job: str, index: int,
                 tf_config: bool = False) -> tuple:
    """The command line and environment of one task.

    Args:
      script: the TF 1.x script to run.
      args: the script's own arguments.
      spec: the cluster, as returned by `cluster_spec`.
      job: ``"ps"`` or ``"worker"``.
      index: the task's index in its job.
      tf_config: describe the cluster in ``TF_CONFIG`` instead of flags.

    Returns:
      ``(argv, env)`` for `subprocess.Popen`: ``legacy-seq2seq-compat run``
      (through this Python interpreter) with the script, its arguments and
      the four cluster flags, and the current environment plus unbuffered
      output and, when asked, ``TF_CONFIG``.

    Compatibility: the flag names are those of TF 1.x's distributed examples
    (``--ps_hosts --worker_hosts --job_name --task_index``).
    """
    argv = [sys.executable, "-m", "legacy_seq2seq_compat", "run", script, *args]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if tf_config:
        env["TF_CONFIG"] = json.dumps({"cluster": spec, "task": {"type": job, "index": index}})
    else:
        argv += [f"--ps_hosts={','.join(spec['ps'])}",
                 f"--worker_hosts={','.join(spec['worker'])}",
                 f"--job_name={job}", f"--task_index={index}"]
    return argv, env


class _Task:
    """One running task: its process and the thread that prefixes its output."""

    def __init__(self, job: str, index: int, argv: list, env: dict, out: IO,
                 lock: threading.Lock) -> None:
        self.name = f"{job}:{index}"
        self.job = job
        self.process = subprocess.Popen(
            argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        self.waiting = False
        self.ready = threading.Event()
        self._thread = threading.Thread(target=self._copy, args=(out, lock), daemon=True)
        self._thread.start()

    def _copy(self, out: IO, lock: threading.Lock) -> None:
        for raw in iter(self.process.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with lock:
                out.write(f"[{self.name}] {line}\n")
                out.flush()
            if _WAITING_MARK in line:
                self.waiting = True
            if _READY_MARK in line:
                self.ready.set()
        self.process.stdout.close()

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after a grace period; always reaps the process."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(_GRACE)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._thread.join(_GRACE)


class _Terminated(Exception):
    """The launcher itself got SIGTERM."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise _Terminated()


def _accepts(host_port: str) -> bool:
    """Whether something listens at ``host:port``."""
    host, port = host_port.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=1.0):
            return True
    except OSError:
        return False


def _status(returncode: int) -> int:
    """A process's return code as a shell exit status (128 + N when killed by signal N)."""
    return 128 - returncode if returncode < 0 else returncode


def launch(script: str, args: Sequence[str] = (), *, num_ps: int = 1, num_workers: int = 2,
           tf_config: bool = False, timeout: Optional[float] = None,
           chief_first: bool = True, ps_wait: float = 120.0,
           out: Optional[IO] = None) -> int:
    """Runs `script` as a local cluster and waits for it.

    Args:
      script: the TF 1.x distributed script, run unmodified through
        ``legacy-seq2seq-compat run``.
      args: the script's own arguments (the cluster flags are added).
      num_ps: number of parameter-server tasks.
      num_workers: number of worker tasks.
      tf_config: give the cluster in ``TF_CONFIG`` instead of the four flags.
      timeout: seconds after which every task is stopped and 124 returned;
        None waits for ever.
      chief_first: start the workers other than worker 0 once worker 0 has
        logged that its session is ready (or after 30 s); False starts every
        task at once.
      ps_wait: seconds within which every ps task must accept connections
        on its port; otherwise the cluster is stopped and 1 returned.
      out: where the prefixed task output goes (default `sys.stdout`).

    Returns:
      0 when every worker exited with 0 (the ps tasks are then terminated);
      1 when a ps task was not reachable within `ps_wait` seconds;
      otherwise the exit status of the first task that failed (128 + N for a
      task killed by signal N), after every other task was stopped; 2 when
      `script` is not a file or a task count is below 1, 124 on timeout, 130
      on Ctrl-C, 143 on SIGTERM (every task is stopped in each case).

    Compatibility: new here (TF 1.x had no launcher); the tasks themselves
    run TF's own ``tf.train.Server`` as the script starts it.
    """
    out = sys.stdout if out is None else out
    try:
        spec = cluster_spec(num_ps, num_workers)
    except ValueError as error:
        print(f"legacy-seq2seq-compat cluster: {error}", file=sys.stderr)
        return 2
    if not os.path.isfile(script):
        print(f"legacy-seq2seq-compat cluster: script not found: {script!r} "
              "(expected the path of a Python file)", file=sys.stderr)
        return 2
    lock = threading.Lock()
    tasks: list = []
    if threading.current_thread() is threading.main_thread():
        # A SIGTERM to the launcher stops the cluster too.
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    deadline = None if timeout is None else time.monotonic() + timeout
    hinted = False
    try:
        with lock:
            out.write(f"[cluster] ps: {','.join(spec['ps'])} "
                      f"worker: {','.join(spec['worker'])}\n")
            out.flush()
        pending = [(job, index) for job in ("ps", "worker") for index in range(len(spec[job]))]
        if chief_first:
            pending, later = pending[:num_ps + 1], pending[num_ps + 1:]
        else:
            later = []
        started = time.monotonic()
        for job, index in pending:
            argv, env = task_command(script, args, spec, job, index, tf_config)
            tasks.append(_Task(job, index, argv, env, out, lock))
        chief = tasks[num_ps]
        unreached = list(spec["ps"])
        while True:
            unreached = [address for address in unreached if not _accepts(address)]
            if unreached and time.monotonic() - started > ps_wait:
                with lock:
                    out.write(f"[cluster] error: ps task(s) at {', '.join(unreached)} not "
                              f"reachable after {ps_wait:g} s; stopping the cluster\n")
                return 1
            if later and (chief.ready.is_set() or chief.process.poll() is not None
                          or time.monotonic() - started > _CHIEF_WAIT):
                for job, index in later:
                    argv, env = task_command(script, args, spec, job, index, tf_config)
                    tasks.append(_Task(job, index, argv, env, out, lock))
                later = []
            workers = [task for task in tasks if task.job == "worker"]
            for task in tasks:
                code = task.process.poll()
                if code not in (None, 0):
                    with lock:
                        out.write(f"[cluster] {task.name} failed with status "
                                  f"{_status(code)}; stopping the cluster\n")
                    return _status(code)
            if not later and all(task.process.poll() == 0 for task in workers):
                return 0
            if not hinted and any(task.waiting for task in tasks):
                hinted = True
                with lock:
                    out.write(_HINT + "\n")
            if deadline is not None and time.monotonic() > deadline:
                with lock:
                    out.write(f"[cluster] timed out after {timeout:g} s; stopping the cluster\n")
                return 124
            time.sleep(0.1)
    except KeyboardInterrupt:
        return 130
    except _Terminated:
        return 128 + signal.SIGTERM
    finally:
        for task in reversed(tasks):
            task.stop()
        out.flush()
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)
