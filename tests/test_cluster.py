"""TensorFlow's own distributed runtime running the library's graphs, on loopback clusters.

Every cluster here is real: one process per task, started by
`legacy_seq2seq_compat.cluster` (``legacy-seq2seq-compat cluster``) or by
the test itself, running an unmodified TF 1.x script from
tests/fixtures/distributed/ through ``legacy-seq2seq-compat run``, on free
localhost ports. Every process is stopped and reaped in a ``finally``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
import pytest
import tensorflow as tf

from legacy_seq2seq_compat import cluster, legacy_seq2seq, rnn_cell

_v1 = tf.compat.v1

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "distributed")
TRANSLATE = os.path.join(FIXTURES, "dist_translate.py")
ECHO = os.path.join(FIXTURES, "echo_task.py")

# The fixture's model sizes (dist_translate.py).
VOCAB, SIZE, BUCKETS = 12, 8, [(3, 5), (5, 7)]


def _env(**extra: str) -> dict:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM (the launcher then stops its tasks), SIGKILL if needed; reaps the process."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_cli(args: list, timeout: float, **env: str) -> tuple:
    """Runs ``python -m legacy_seq2seq_compat ARGS``; returns (status, output)."""
    process = subprocess.Popen([sys.executable, "-m", "legacy_seq2seq_compat", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env=_env(**env), cwd=ROOT)
    try:
        output, _ = process.communicate(timeout=timeout)
        return process.returncode, output.decode("utf-8", "replace")
    finally:
        _stop(process)


def task_lines(output: str, task: str) -> list:
    prefix = f"[{task}] "
    return [line[len(prefix):] for line in output.splitlines() if line.startswith(prefix)]


def losses_of(lines: list) -> list:
    return [(int(m.group(1)), float(m.group(2)))
            for m in (re.match(r"step (\d+) loss ([-\d.e]+)$", line) for line in lines) if m]


@pytest.fixture(scope="module")
def workdir():
    """A private directory (pytest's shared tmp roots may be pruned by other sessions)."""
    with tempfile.TemporaryDirectory(prefix="lsc_cluster_") as path:
        yield path


# --- the launcher --------------------------------------------------------------------------


def test_cluster_spec_and_task_command():
    spec = cluster.cluster_spec(2, 1, ports=[1001, 1002, 1003])
    assert spec == {"ps": ["localhost:1001", "localhost:1002"], "worker": ["localhost:1003"]}
    argv, env = cluster.task_command("s.py", ["--x=1"], spec, "worker", 0)
    assert argv[1:] == ["-m", "legacy_seq2seq_compat", "run", "s.py", "--x=1",
                        "--ps_hosts=localhost:1001,localhost:1002",
                        "--worker_hosts=localhost:1003", "--job_name=worker", "--task_index=0"]
    assert "TF_CONFIG" not in env or env["TF_CONFIG"] == os.environ.get("TF_CONFIG")
    argv, env = cluster.task_command("s.py", [], spec, "ps", 1, tf_config=True)
    assert argv[-1] == "s.py"
    assert json.loads(env["TF_CONFIG"]) == {"cluster": spec, "task": {"type": "ps", "index": 1}}
    ports = cluster.free_ports(3)
    assert len(set(ports)) == 3
    with pytest.raises(ValueError, match="`num_workers` must be an int >= 1, got 0"):
        cluster.cluster_spec(1, 0)
    with pytest.raises(ValueError, match="must hold num_ps \\+ num_workers = 2 ports, got 1"):
        cluster.cluster_spec(1, 1, ports=[5])


@pytest.mark.slow
def test_launcher_prefixes_output_gives_tf_config_and_stops_everything_on_a_failure():
    status, output = run_cli(
        ["cluster", "--ps", "1", "--workers", "2", "--tf-config", "--all-at-once",
         "--timeout", "150", "--", ECHO, "--sleep=1", "--fail_index=1", "--exit_status=5"],
        timeout=180)
    assert status == 5, output
    assert "[worker:1] failing on purpose" in output
    assert "[cluster] worker:1 failed with status 5; stopping the cluster" in output
    configs = {}
    for task in ("ps:0", "worker:0", "worker:1"):
        line = next(x for x in task_lines(output, task) if x.startswith("tf_config "))
        configs[task] = json.loads(line[len("tf_config "):])
        assert "flags    0" in task_lines(output, task)  # no cluster flags in TF_CONFIG mode
    spec = configs["ps:0"]["cluster"]
    assert len(spec["ps"]) == 1 and len(spec["worker"]) == 2
    assert [configs[t]["task"] for t in ("ps:0", "worker:0", "worker:1")] == [
        {"type": "ps", "index": 0}, {"type": "worker", "index": 0},
        {"type": "worker", "index": 1}]
    # The ps task (which never ends by itself) was stopped, and the launcher returned.
    pids = [int(x.split()[1]) for x in task_lines(output, "ps:0") if x.startswith("pid ")]
    assert len(pids) == 1
    with pytest.raises(ProcessLookupError):
        os.kill(pids[0], 0)


def test_cluster_sub_command_passes_its_options_and_the_script_line(monkeypatch):
    from legacy_seq2seq_compat import cli

    seen = {}

    def fake_launch(script, args, **options):
        seen.update(script=script, args=list(args), **options)
        return 7

    monkeypatch.setattr(cluster, "launch", fake_launch)
    status = cli.main(["cluster", "--ps", "2", "--workers", "3", "--tf-config", "--timeout", "9",
                       "--ps-wait", "4", "--", "train.py", "--help", "--size=3"])
    assert status == 7
    assert seen == {"script": "train.py", "args": ["--help", "--size=3"], "num_ps": 2,
                    "num_workers": 3, "tf_config": True, "timeout": 9.0, "chief_first": True,
                    "ps_wait": 4.0}
    cli.main(["cluster", "--all-at-once", "s.py"])
    assert seen["num_ps"] == 1 and seen["num_workers"] == 2 and seen["chief_first"] is False
    assert seen["tf_config"] is False and seen["args"] == []


def test_launcher_rejects_a_missing_script_and_bad_counts():
    assert cluster.launch(os.path.join(FIXTURES, "missing.py")) == 2
    assert cluster.launch(ECHO, num_ps=0) == 2


# --- between-graph replication -------------------------------------------------------------


@pytest.fixture(scope="module")
def async_run(workdir):
    """One ps and two workers training asynchronously, started by the launcher."""
    train_dir = os.path.join(workdir, "async")
    status, output = run_cli(
        ["cluster", "--ps", "1", "--workers", "2", "--timeout", "240", "--", TRANSLATE,
         f"--train_dir={train_dir}", "--train_steps=40", "--save_steps=20", "--step_delay=0.2",
         "--fixed_batches"],
        timeout=280)
    assert status == 0, output
    return train_dir, output


@pytest.mark.slow
def test_every_variable_lives_on_the_ps_job(async_run):
    _, output = async_run
    for worker in ("worker:0", "worker:1"):
        devices = dict(line.split()[1:3] for line in task_lines(output, worker)
                       if line.startswith("variable "))
        assert "global_step" in devices and "proj_w" in devices
        assert any("embedding_wrapper/embedding" in name for name in devices)
        assert len(devices) > 10
        assert all(device.startswith("/job:ps/task:0") for device in devices.values()), devices


@pytest.mark.slow
def test_the_loss_falls_and_both_workers_train(async_run):
    _, output = async_run
    chief = [loss for _, loss in losses_of(task_lines(output, "worker:0"))]
    assert len(chief) >= 10
    assert np.mean(chief[-5:]) < np.mean(chief[:5]) - 0.1, chief
    assert "done" in task_lines(output, "worker:1")
    assert "done" in task_lines(output, "worker:0")


def decoding_graph(batch: int):
    """The fixture's model as a single-process decoder: feed_previous=True, built here."""
    proj_w_t = _v1.get_variable("proj_w", [VOCAB, SIZE])
    proj_b = _v1.get_variable("proj_b", [VOCAB])
    projection = (tf.transpose(proj_w_t), proj_b)
    cell = rnn_cell.GRUCell(SIZE)
    encoder = [_v1.placeholder(tf.int32, [batch]) for _ in range(BUCKETS[-1][0])]
    decoder = [_v1.placeholder(tf.int32, [batch]) for _ in range(BUCKETS[-1][1] + 1)]
    weights = [_v1.placeholder(tf.float32, [batch]) for _ in range(BUCKETS[-1][1])]
    outputs, _ = legacy_seq2seq.model_with_buckets(
        encoder, decoder, decoder[1:], weights, BUCKETS,
        lambda x, y: legacy_seq2seq.embedding_attention_seq2seq(
            x, y, cell, VOCAB, VOCAB, SIZE, output_projection=projection, feed_previous=True))
    logits = [tf.matmul(o, projection[0]) + projection[1] for o in outputs[0]]
    return encoder, decoder, logits


@pytest.mark.slow
def test_the_chief_checkpoint_restores_into_a_decoding_graph(async_run):
    train_dir, _ = async_run
    path = tf.train.latest_checkpoint(train_dir)
    # Asynchronous workers: the one that did not reach the last step may add one more update
    # before it sees the stop, so the chief's final checkpoint is at step 40 or 41.
    assert path is not None and re.search(r"model\.ckpt-(40|41)$", path), path
    reader = tf.train.load_checkpoint(path)
    with tf.Graph().as_default():
        encoder, decoder, logits = decoding_graph(batch=2)
        saver = _v1.train.Saver()
        with _v1.Session() as session:
            saver.restore(session, path)
            for variable in _v1.global_variables():
                np.testing.assert_array_equal(session.run(variable),
                                              reader.get_tensor(variable.op.name))
            feed = {e: np.array([5, 7], np.int32) for e in encoder[:BUCKETS[0][0]]}
            # GO first; feed_previous=True feeds back its own outputs after that.
            feed.update({d: np.array([1, 1], np.int32) for d in decoder[:BUCKETS[0][1]]})
            values = session.run(logits, feed)
    assert len(values) == BUCKETS[0][1]
    assert all(v.shape == (2, VOCAB) and np.all(np.isfinite(v)) for v in values)


# --- synchronous replication is exact ------------------------------------------------------

SYNC_STEPS, LEARNING_RATE, BATCH = 3, 0.5, 4
SYNC_FLAGS = ["--sync_replicas", "--num_samples=0", "--fixed_batches", "--save_steps=1000",
              f"--train_steps={SYNC_STEPS}", f"--learning_rate={LEARNING_RATE}",
              f"--batch_size={BATCH}"]


def _toy_data():
    sys.path.insert(0, FIXTURES)
    try:
        import toy_data
    finally:
        sys.path.remove(FIXTURES)
    return toy_data


def training_graph():
    """The fixture's model with the full softmax, built here: (placeholders, params, grads).

    The gradients are those one worker sends: of the last bucket's loss, clipped
    to a global norm of 5 (None for the unused output projection).
    """
    _v1.get_variable("proj_w", [VOCAB, SIZE])
    _v1.get_variable("proj_b", [VOCAB])
    cell = rnn_cell.GRUCell(SIZE)
    encoder = [_v1.placeholder(tf.int32, [None]) for _ in range(BUCKETS[-1][0])]
    decoder = [_v1.placeholder(tf.int32, [None]) for _ in range(BUCKETS[-1][1] + 1)]
    weights = [_v1.placeholder(tf.float32, [None]) for _ in range(BUCKETS[-1][1])]
    _, losses = legacy_seq2seq.model_with_buckets(
        encoder, decoder, decoder[1:], weights, BUCKETS,
        lambda x, y: legacy_seq2seq.embedding_attention_seq2seq(x, y, cell, VOCAB, VOCAB, SIZE))
    params = _v1.trainable_variables()
    clipped, _ = tf.clip_by_global_norm(_v1.gradients(losses[-1], params), 5.0)
    return (encoder, decoder, weights), params, clipped


def reference_sync_run(initial: dict, stepwise: bool) -> dict:
    """SYNC_STEPS SGD steps in one process, each applying the mean of the workers' gradients."""
    import random

    from legacy_seq2seq_compat import fastpath

    toy_data = _toy_data()
    bucket = len(BUCKETS) - 1
    batches = [toy_data.worker_batch(bucket, BATCH, random.Random(100 + task)) for task in (0, 1)]
    values = {name: value.copy() for name, value in initial.items()}
    with tf.Graph().as_default(), fastpath.stepwise(stepwise):
        (encoder, decoder, weights), params, grads = training_graph()
        pairs = [(p, tf.convert_to_tensor(g)) for p, g in zip(params, grads) if g is not None]
        with _v1.Session() as session:
            for _ in range(SYNC_STEPS):
                for param, _ in pairs:
                    param.load(values[param.op.name], session)
                per_worker = []
                for enc, dec, wts in batches:
                    feed = {p: v for p, v in zip(encoder, enc)}
                    feed.update({p: v for p, v in zip(decoder, dec)})
                    feed.update({p: v for p, v in zip(weights, wts)})
                    feed[decoder[len(dec)]] = np.zeros_like(dec[0])
                    per_worker.append(session.run([g for _, g in pairs], feed))
                for k, (param, _) in enumerate(pairs):
                    mean = (per_worker[0][k] + per_worker[1][k]) / 2
                    values[param.op.name] = values[param.op.name] - LEARNING_RATE * mean
    return values


@pytest.mark.slow
def test_sync_replicas_apply_the_mean_of_the_workers_gradients(workdir):
    """Two clusters at once: the fast paths on, and every task under the stepwise switch."""
    modes = {"fast-paths": False, "stepwise": True}
    results = {}

    def train(mode):
        train_dir = os.path.join(workdir, mode)
        env = {"LEGACY_SEQ2SEQ_COMPAT_STEPWISE": "1" if modes[mode] else "0"}
        results[mode] = train_dir, run_cli(
            ["cluster", "--ps", "1", "--workers", "2", "--timeout", "300", "--", TRANSLATE,
             f"--train_dir={train_dir}", *SYNC_FLAGS], timeout=330, **env)

    threads = [threading.Thread(target=train, args=(mode,)) for mode in modes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for mode, stepwise in modes.items():
        train_dir, (status, output) = results[mode]
        assert status == 0, output
        for worker in ("worker:0", "worker:1"):
            # Each worker sent one gradient per step.
            assert [s for s, _ in losses_of(task_lines(output, worker))] == [0, 1, 2], output
        initial = tf.train.load_checkpoint(os.path.join(train_dir, "model.ckpt-0"))
        final = tf.train.load_checkpoint(os.path.join(train_dir, f"model.ckpt-{SYNC_STEPS}"))
        assert final.get_tensor("global_step") == SYNC_STEPS
        names = [n for n in initial.get_variable_to_shape_map()
                 if n.startswith(("embedding_", "proj"))]
        expected = reference_sync_run({n: initial.get_tensor(n) for n in names}, stepwise)
        moved = 0
        for name in names:
            np.testing.assert_allclose(final.get_tensor(name), expected[name], rtol=0,
                                       atol=1e-5, err_msg=f"{mode}: {name}")
            moved += not np.allclose(final.get_tensor(name), initial.get_tensor(name))
        # Everything but the unused output projection (full softmax) was trained.
        assert moved == len([n for n in names if not n.startswith("proj")])


@pytest.mark.slow
def test_an_unreachable_ps_fails_with_a_clear_error_after_a_bounded_wait():
    status, output = run_cli(
        ["cluster", "--ps", "1", "--workers", "1", "--ps-wait", "5", "--timeout", "150",
         "--", ECHO, "--ps_unreachable", "--sleep=600"], timeout=180)
    assert status == 1, output
    assert re.search(r"\[cluster\] error: ps task\(s\) at localhost:\d+ not reachable after 5 s; "
                     r"stopping the cluster", output), output
    assert "[worker:0] finished" not in output


# --- faults --------------------------------------------------------------------------------


class Task:
    """One task process started by the test, its output collected line by line."""

    def __init__(self, argv: list, env: dict) -> None:
        self.lines: list = []
        self.process = subprocess.Popen(argv, env=_env(**{k: env[k] for k in ("TF_CONFIG",)
                                                          if k in env}),
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        cwd=ROOT)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for raw in iter(self.process.stdout.readline, b""):
            self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def wait_for(self, predicate, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not predicate(self.lines):
            assert self.process.poll() is None or predicate(self.lines), "\n".join(self.lines)
            assert time.monotonic() < deadline, "timed out:\n" + "\n".join(self.lines[-30:])
            time.sleep(0.2)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._reader.join(10)

    def start_step(self) -> int:
        return next(int(line.split()[-1]) for line in self.lines
                    if line.startswith("start global_step "))


def _steps(lines: list) -> list:
    return [step for step, _ in losses_of(lines)]


@pytest.mark.slow
def test_killed_workers_rejoin_and_a_killed_chief_resumes_from_its_checkpoint(workdir):
    train_dir = os.path.join(workdir, "faults")
    spec = cluster.cluster_spec(1, 2)
    common = [f"--train_dir={train_dir}", "--train_steps=300", "--save_steps=5",
              "--fixed_batches"]

    def start(job, index, delay):
        argv, env = cluster.task_command(TRANSLATE, [*common, f"--step_delay={delay}"],
                                         spec, job, index)
        return Task(argv, env)

    tasks = []
    try:
        tasks.append(start("ps", 0, 0))
        chief = start("worker", 0, 0.5)
        tasks.append(chief)
        chief.wait_for(lambda lines: len(_steps(lines)) >= 2, 150)
        worker = start("worker", 1, 0.5)
        tasks.append(worker)
        worker.wait_for(lambda lines: len(_steps(lines)) >= 2, 150)

        # A non-chief worker dies mid-training and comes back: it rejoins.
        worker.kill()
        worker = start("worker", 1, 0.5)
        tasks.append(worker)
        worker.wait_for(lambda lines: len(_steps(lines)) >= 2, 150)
        assert worker.start_step() > 0

        # The chief dies after a checkpoint; restarted, it resumes from that checkpoint.
        chief.wait_for(lambda lines: any("Saving checkpoints for" in x for x in lines), 60)
        chief.kill()
        saved = int(tf.train.latest_checkpoint(train_dir).rsplit("-", 1)[1])
        assert saved > 0
        chief = start("worker", 0, 0)
        tasks.append(chief)
        chief.wait_for(lambda lines: any(x.startswith("start global_step") for x in lines), 150)
        assert chief.start_step() >= saved
        for task in (chief, worker):
            task.process.wait(240)
            task.wait_for(lambda lines: "done" in lines, 10)
            assert task.process.returncode == 0, "\n".join(task.lines[-30:])
        # The restarted chief never saw the global step below the restored checkpoint.
        assert min(_steps(chief.lines)) >= saved
    finally:
        for task in tasks:
            task.kill()
    # Every checkpoint the state file lists is complete; no temporary file is left.
    state = tf.train.get_checkpoint_state(train_dir)
    # (asynchronous workers may both pass the last step: 300 or a little more)
    assert int(state.model_checkpoint_path.rsplit("-", 1)[1]) in range(300, 303)
    for path in state.all_model_checkpoint_paths:
        reader = tf.train.load_checkpoint(path)
        for name in reader.get_variable_to_shape_map():
            reader.get_tensor(name)
    leftovers = [f for f in os.listdir(train_dir) if "tmp" in f or "temp" in f]
    assert leftovers == []


# --- in-graph replication ------------------------------------------------------------------

TOWER_SIZE, TOWER_ENC, TOWER_DEC, TOWER_BATCH, TOWER_LR = 6, 3, 4, 4, 0.5
TWO_CPUS = _v1.ConfigProto(device_count={"CPU": 2})


def _tower_data():
    rng = np.random.RandomState(0)
    return (rng.randint(3, VOCAB, size=(TOWER_ENC, TOWER_BATCH)).astype(np.int32),
            rng.randint(3, VOCAB, size=(TOWER_DEC + 1, TOWER_BATCH)).astype(np.int32),
            rng.uniform(0.5, 1.0, size=(TOWER_DEC, TOWER_BATCH)).astype(np.float32))


def tower_loss(rows: slice):
    """The bucketed attention model's loss on the given batch rows (constants)."""
    enc, dec, wts = _tower_data()
    encoder = [tf.constant(step[rows]) for step in enc]
    decoder = [tf.constant(step[rows]) for step in dec]
    weights = [tf.constant(step[rows]) for step in wts]
    cell = rnn_cell.GRUCell(TOWER_SIZE)
    _, losses = legacy_seq2seq.model_with_buckets(
        encoder, decoder, decoder[1:], weights, [(TOWER_ENC, TOWER_DEC)],
        lambda x, y: legacy_seq2seq.embedding_attention_seq2seq(
            x, y, cell, VOCAB, VOCAB, TOWER_SIZE))
    return losses[0]


def _one_step(session, loss, train, initial: dict) -> tuple:
    """Sets every variable to `initial`, runs one update; (loss, variables after)."""
    variables = _v1.global_variables()
    for variable in variables:
        session.run(variable.assign(initial[variable.op.name]))
    value, _ = session.run([loss, train])
    return value, {v.op.name: session.run(v) for v in variables}


@pytest.fixture(scope="module")
def one_device_step():
    """One SGD step on the combined batch, one device: (initial values, loss, values after)."""
    with tf.Graph().as_default():
        _v1.set_random_seed(3)
        loss = tower_loss(slice(0, TOWER_BATCH))
        train = _v1.train.GradientDescentOptimizer(TOWER_LR).minimize(loss)
        with _v1.Session() as session:
            session.run(_v1.global_variables_initializer())
            initial = {v.op.name: session.run(v) for v in _v1.global_variables()}
            value, after = _one_step(session, loss, train, initial)
    return initial, value, after


def _assert_same_step(one_device_step, loss, after):
    initial, expected_loss, expected = one_device_step
    np.testing.assert_allclose(loss, expected_loss, rtol=0, atol=1e-5)
    assert sorted(after) == sorted(expected)
    for name in expected:
        np.testing.assert_allclose(after[name], expected[name], rtol=0, atol=1e-5, err_msg=name)
        assert not np.allclose(after[name], initial[name]), name


@pytest.mark.slow
def test_towers_on_two_cpu_devices_equal_one_device_on_the_combined_batch(one_device_step):
    half = TOWER_BATCH // 2
    with tf.Graph().as_default() as graph:
        optimizer = _v1.train.GradientDescentOptimizer(TOWER_LR)
        losses, tower_grads = [], []
        for tower, rows in enumerate([slice(0, half), slice(half, TOWER_BATCH)]):
            with tf.device(f"/cpu:{tower}"), _v1.variable_scope(
                    _v1.get_variable_scope(), reuse=tower > 0):
                losses.append(tower_loss(rows))
                tower_grads.append(optimizer.compute_gradients(losses[-1]))
        averaged = []
        for pairs in zip(*tower_grads):
            grads = [tf.convert_to_tensor(g) for g, _ in pairs]
            averaged.append((tf.add_n(grads) / len(grads), pairs[0][1]))
        train = optimizer.apply_gradients(averaged)
        loss = tf.add_n(losses) / 2
        devices = {node.device for node in graph.as_graph_def().node}
        assert {"/device:CPU:0", "/device:CPU:1"} <= devices
        with _v1.Session(config=TWO_CPUS) as session:
            assert len([d for d in session.list_devices() if d.device_type == "CPU"]) == 2
            value, after = _one_step(session, loss, train, one_device_step[0])
    _assert_same_step(one_device_step, value, after)


@pytest.mark.slow
def test_mirrored_strategy_on_two_cpu_devices_equals_one_device(one_device_step):
    half = TOWER_BATCH // 2
    with tf.Graph().as_default():
        # Made inside the graph: in graph mode its devices are not checked
        # against the (one-CPU) eager context.
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        with strategy.scope():
            @tf.autograph.experimental.do_not_convert
            def step_fn():
                replica = int(tf.get_static_value(
                    tf.distribute.get_replica_context().replica_id_in_sync_group))
                loss = tower_loss(slice(replica * half, (replica + 1) * half))
                # The replicas' gradients are summed: scale each replica's loss
                # by 1 / replicas for the mean gradient (as TF's guide says).
                optimizer = _v1.train.GradientDescentOptimizer(TOWER_LR)
                return loss, optimizer.minimize(loss / strategy.num_replicas_in_sync)

            per_replica, updates = strategy.extended.call_for_each_replica(step_fn)
            loss = strategy.reduce(tf.distribute.ReduceOp.MEAN, per_replica, axis=None)
            train = strategy.group(updates)
        with _v1.Session(config=TWO_CPUS) as session:
            session.run(_v1.global_variables_initializer())
            initial = one_device_step[0]
            for variable in _v1.global_variables():
                session.run(variable.assign(initial[variable.op.name]))
            value, _ = session.run([loss, train])
            after = {v.op.name: session.run(v) for v in _v1.global_variables()}
            mirrored = _v1.global_variables()[0]
            copies = strategy.experimental_local_results(mirrored)
            assert [c.device.rsplit("/", 1)[1] for c in copies] == ["device:CPU:0",
                                                                    "device:CPU:1"]
            np.testing.assert_array_equal(*session.run(list(copies)))
    _assert_same_step(one_device_step, value, after)
