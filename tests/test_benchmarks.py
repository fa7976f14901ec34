"""The pure helpers of benchmarks/engine_benchmark.py: plan, kernel count, summary, report."""

import importlib.util
import os

import pytest
import tensorflow as tf

_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                     "benchmarks", "engine_benchmark.py")


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("engine_benchmark", _PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_plan_alternates_the_variants_and_gives_translate_a_decode_worker(bench):
    jobs = bench.plan(["translate", "textsum"], ["gru"], ["a", "b"], 2)
    assert jobs == [
        (0, "translate", "gru", "a", "train"), (0, "translate", "gru", "a", "decode"),
        (0, "translate", "gru", "b", "train"), (0, "translate", "gru", "b", "decode"),
        (0, "textsum", "gru", "a", "train"), (0, "textsum", "gru", "b", "train"),
        (1, "translate", "gru", "b", "train"), (1, "translate", "gru", "b", "decode"),
        (1, "translate", "gru", "a", "train"), (1, "translate", "gru", "a", "decode"),
        (1, "textsum", "gru", "b", "train"), (1, "textsum", "gru", "a", "train"),
    ]
    # --modes decode: textsum has no decode worker, so only translate's remain.
    assert bench.plan(["translate", "textsum"], ["gru"], ["a", "b"], 1, ("decode",)) == [
        (0, "translate", "gru", "a", "decode"), (0, "translate", "gru", "b", "decode")]


def test_count_kernels_counts_every_device_but_the_tracer_streams(bench):
    metadata = tf.compat.v1.RunMetadata()
    cpu = metadata.step_stats.dev_stats.add(device="/job:localhost/replica:0/task:0/device:CPU:0")
    for name, label in (("m1", "m1 = MatMul(x, w)"), ("m2", "m2 = MatMul(y, w)"),
                        ("t", "t = Tanh(m1)"), ("_SOURCE", "")):
        cpu.node_stats.add(node_name=name, timeline_label=label)
    gpu = metadata.step_stats.dev_stats.add(device="/job:localhost/replica:0/task:0/device:GPU:0")
    gpu.node_stats.add(node_name="g", timeline_label="g = Sigmoid(t)")
    for extra in ("/device:GPU:0/stream:all", "/device:GPU:0/stream:7", "/device:GPU:0/memcpy"):
        metadata.step_stats.dev_stats.add(device=extra).node_stats.add(node_name="g")
    counted = bench.count_kernels(metadata.step_stats)
    assert counted["total"] == 5
    assert counted["per_device"] == {"/job:localhost/replica:0/task:0/device:CPU:0": 4,
                                     "/job:localhost/replica:0/task:0/device:GPU:0": 1}
    assert counted["top_op_types"] == [("MatMul", 2), ("Tanh", 1), ("_SOURCE", 1),
                                       ("Sigmoid", 1)]


def _worker(bench, variant, mode, build_s, kernels, step_s, rep=0, import_mib=60):
    return {"rep": rep, "model": "translate", "cell": "gru", "variant": variant, "mode": mode,
            "build_s": build_s, "op_count": 100, "init_s": 1.0, "peak_rss_kib": 1024 * 100,
            "import_rss_kib": 1024 * import_mib,
            "decisions": [["static_rnn", variant == "a",
                           "" if variant == "a" else "fastpath.stepwise() is on"]],
            "loadavg_after": [1.0, 1.0, 1.0],
            "buckets": {"0": {"first_step_s": 2.0, "median_s": step_s,
                              "cpu_samples_s": [step_s, 1.5 * step_s, 2 * step_s],
                              "kernels": {"total": kernels}}}}


def test_summary_takes_medians_over_good_repetitions_only(bench):
    runs = [_worker(bench, "a", "train", 1.0, 100, 0.1),
            _worker(bench, "a", "train", 3.0, 120, 0.3, rep=1),
            _worker(bench, "a", "train", 2.0, 110, 0.2, rep=2),
            {"rep": 3, "error": "exit status 1"}]
    summary = bench.summarize(runs)
    assert (summary["build_s"], summary["reps_ok"], summary["reps_failed"]) == (2.0, 3, 1)
    assert summary["buckets"]["0"]["kernels"] == 110
    assert summary["buckets"]["0"]["step_median_s"] == 0.2
    assert summary["buckets"]["0"]["step_median_range_s"] == [0.1, 0.3]


def test_report_checks_targets_and_lists_failed_workers(bench):
    runs = [_worker(bench, "a", "train", 1.0, 20, 0.05),
            _worker(bench, "b", "train", 10.0, 100, 0.1, import_mib=50),
            _worker(bench, "a", "decode", 1.0, 50, 0.09),
            {"rep": 0, "model": "translate", "cell": "gru", "variant": "b", "mode": "decode",
             "error": "exit status 1, 0 result lines", "stderr_tail": "Traceback\nValueError: x"}]
    summary = {"translate": {"gru": {
        v: {m: bench.summarize([r for r in runs if (r["variant"], r["mode"]) == (v, m)])
            for m in ("train", "decode")} for v in ("a", "b")}}}
    report = {"config": {"models": ["translate"], "cells": ["gru"], "reps": 1, "steps": 1,
                         "warmup": 1, "quick": True, "buckets": {"translate": [(5, 10)]},
                         "stepped": {"translate": [0]}},
              "machine": {"date": "today", "tf_version": "2.x", "cpu_count": 2},
              "sources": {"a": {"head": "0123456789abcdef", "uncommitted_changes": []}},
              "total_wall_s": 60.0, "summary": summary, "runs": runs}
    text = bench.markdown_report(report)
    lines = text.splitlines()
    assert "| train graph build (s) | 1.0 | 10.0 | 0.10 | <= 0.2 | PASS |" in lines
    assert "| train step median, bucket 0 (5, 10) (ms) | 50.0 | 100.0 | 0.50 | <= 0.6 | PASS |" \
        in lines
    assert "| train kernels per step, bucket 0 (5, 10) | 20 | 100 | 0.20 | <= 0.3 | PASS |" \
        in lines
    # The median of each repetition's CPU times, then the median over repetitions.
    assert "| train step CPU time, bucket 0 (5, 10) (ms) | 75.0 | 150.0 | 0.50 | - | - |" \
        in lines
    assert "| train peak RSS (MiB) | 100 | 100 | 1.00 | <= 0.8 | FAIL |" in lines
    # What the model adds to the process: peak less the RSS after the imports.
    assert "| train peak RSS above the import's (MiB) | 40 | 50 | 0.80 | - | - |" in lines
    assert "| decode peak RSS above the import's (MiB) | 40 | n/a | n/a | - | - |" in lines
    assert "| decode step median, bucket 0 (5, 10) (ms) | 90.0 | n/a | n/a | <= 0.7 | n/a |" \
        in lines
    assert "| translate | gru | 3 | 1 | 3 |" in lines
    assert "* rep 1, translate gru b decode: exit status 1, 0 result lines" in lines
    assert "ValueError: x" in lines
    assert "* b train: `static_rnn` step by step (fastpath.stepwise() is on)" in lines
    assert "**Smoke run" in text
    # Reports from before --behavior ran with TensorFlow 2's defaults.
    assert bench.BEHAVIOR_TEXT["tf2"] in lines
    report["config"]["behavior"] = "tf1"
    assert "Workers run with `tf.compat.v1.disable_v2_behavior()`, as an old script under " \
        "`legacy-seq2seq-compat run` does (reference variables)." \
        in bench.markdown_report(report).splitlines()


def test_quick_changes_the_defaults_and_names_are_checked(bench):
    args = bench.parse_args(["--quick"])
    assert (args.reps, args.steps, args.warmup) == (1, 1, 1)
    args = bench.parse_args(["--quick", "--steps", "3"])
    assert (args.reps, args.steps, args.warmup) == (1, 3, 1)
    args = bench.parse_args([])
    assert (args.reps, args.steps, args.warmup) == (2, 10, 2)
    assert bench.model_buckets("textsum", True) == [(10, 5)]
    assert bench.stepped_buckets("chatbot", False) == [5]
    assert bench.stepped_buckets("translate", False, "0,3") == [0, 3]
    assert bench.stepped_buckets("chatbot", False, "0,3") == [5]
    with pytest.raises(SystemExit):
        bench.parse_args(["--translate-buckets", "0,4"])
    with pytest.raises(SystemExit):
        bench.parse_args(["--models", "translate,nmt"])
    assert bench.parse_args([]).modes == "train,decode"
    with pytest.raises(SystemExit):
        bench.parse_args(["--modes", "train,serve"])
    # Old scripts run with disable_v2_behavior(); the workers do so unless told tf2.
    assert bench.parse_args([]).behavior == "tf1"
    assert bench.parse_args(["--behavior", "tf2"]).behavior == "tf2"
    with pytest.raises(SystemExit):
        bench.parse_args(["--behavior", "tf3"])


def test_seq2seq_benchmark_runs_the_graph_variants_as_old_scripts_unless_told(bench):
    seq2seq = bench.translate_benchmark
    assert seq2seq.parse_args([]).behavior == "tf1"
    assert seq2seq.parse_args(["--behavior", "tf2"]).behavior == "tf2"
    with pytest.raises(SystemExit):
        seq2seq.parse_args(["--behavior", "tf3"])
    report = {"config": {"buckets": [3], "reps": 1, "warmup": 1, "steps": 1, "cells": [],
                         "variants": ["a", "c"], "behavior": "tf1"},
              "machine": {"date": "today", "tf_version": "2.x", "cpu_count": 2},
              "sources": {"a": {"head": "0123456789abcdef", "uncommitted_changes": []}},
              "runs": [{"loadavg_after": [1.0, 1.0, 1.0]}]}
    line = ("a and b run with `tf.compat.v1.disable_v2_behavior()`, as an old script under "
            "`legacy-seq2seq-compat run` does (reference variables). c, the Keras 3 model, "
            "runs with TensorFlow 2's defaults.")
    assert line in seq2seq.markdown_report(report).splitlines()
    # Reports from before --behavior ran with TensorFlow 2's defaults.
    del report["config"]["behavior"]
    assert "a and b run with TensorFlow 2's defaults (resource variables), not with " \
        "`disable_v2_behavior()`. c, the Keras 3 model, runs with TensorFlow 2's defaults." \
        in seq2seq.markdown_report(report).splitlines()
    # Keras 3 alone: no graph-mode worker, no such line.
    report["config"]["variants"] = ["c"]
    assert "a and b run" not in seq2seq.markdown_report(report)


@pytest.fixture(scope="module")
def designs():
    path = os.path.join(os.path.dirname(_PATH), "step_designs.py")
    spec = importlib.util.spec_from_file_location("step_designs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_step_designs_report_gives_medians_and_ratios_to_b(designs):
    def run(variant, mode, median_s, kernels, rep=0):
        return {"variant": variant, "mode": mode, "cell": "gru", "rep": rep,
                "first_step_s": 2.0, "median_s": median_s, "kernels": kernels}

    runs = [run("a", "train", 0.4, 100), run("a", "train", 0.6, 100, rep=1),
            run("x", "train", 0.75, 40), run("b", "train", 1.0, 200),
            run("a", "decode", 0.3, 50), run("b", "decode", 0.25, 50),
            {"variant": "x", "mode": "decode", "cell": "gru", "rep": 0,
             "error": "exit status 1", "stderr_tail": "XlaError"}]
    report = {"date": "today", "runs": runs,
              "config": {"cells": ["gru"], "variants": ["a", "x", "b"], "reps": 2,
                         "bucket": 3, "steps": 5, "warmup": 1}}
    lines = designs.markdown(report).splitlines()
    assert "| gru | train | step median (ms) | 500.0 | 750.0 | 1000.0 | 0.50 | 0.75 |" in lines
    assert "| gru | train | nodes executed per step | 100 | 40 | 200 | 0.50 | 0.20 |" in lines
    assert "| gru | decode | step median (ms) | 300.0 | n/a | 250.0 | 1.20 | n/a |" in lines
    assert "* rep 1 gru decode x: exit status 1" in lines
    assert "bucket 3 (40, 50)" in lines[2]


def test_step_designs_report_names_the_designs_and_gives_peak_rss(designs):
    def run(variant, median_s, peak_mib, import_mib=600):
        return {"variant": variant, "mode": "decode", "cell": "lstm", "rep": 0,
                "first_step_s": 1.0, "median_s": median_s, "kernels": 10,
                "peak_rss_kib": 1024 * peak_mib, "import_rss_kib": 1024 * import_mib}

    report = {"date": "today", "runs": [run("a", 0.3, 800), run("n", 0.33, 750),
                                        run("b", 0.3, 1000)],
              "config": {"cells": ["lstm"], "variants": ["a", "n", "b"], "modes": ["decode"],
                         "reps": 1, "bucket": 3, "steps": 5, "warmup": 1}}
    lines = designs.markdown(report).splitlines()
    assert "n = the engine, steps not inlined" in lines[2]
    assert "| cell | mode | measure | a | n | b | a/b | n/b |" in lines
    assert "| lstm | decode | step median (ms) | 300.0 | 330.0 | 300.0 | 1.00 | 1.10 |" in lines
    assert "| lstm | decode | peak RSS (MiB) | 800 | 750 | 1000 | 0.80 | 0.75 |" in lines
    assert "| lstm | decode | peak RSS above the import's (MiB) | 200 | 150 | 400 | 0.50 | 0.38 |" \
        in lines
    assert not any("| train |" in line for line in lines)
