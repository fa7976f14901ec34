"""Where the translate model's build time and step time go: engine (a) against stepwise (b).

Builds the training graph of `seq2seq_benchmark.py`'s translate model in this
process, once with the fast paths on (a) and once inside
`fastpath.stepwise()` (b), alternating, and reports:

* build: process CPU time of each build (the machine is shared, so CPU time
  rather than wall time), op counts by type and by part of the graph (name
  scope), and, for a, the functions of the build with the most own and
  cumulative time (cProfile);
* step: one traced training step (RunOptions FULL_TRACE) of the largest
  bucket built: executed kernels and summed kernel time per op type, and how
  many function calls (PartitionedCall, StatefulPartitionedCall) the runtime
  ran without inlining them; plus the CPU time of untraced steps.

Run from the repository root:

    python benchmarks/engine_profile.py --quick   # two small buckets, about 2-3 min
    python benchmarks/engine_profile.py           # the four buckets

It prints the Markdown report and writes it to
`benchmarks/results/engine_profile.md` (`--out` to change).
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import datetime
import io
import os
import pstats
import re
import resource
import statistics
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import seq2seq_benchmark as bench  # noqa: E402
import tensorflow as tf  # noqa: E402

from legacy_seq2seq_compat import fastpath, legacy_seq2seq, rnn_cell  # noqa: E402

v1 = tf.compat.v1

# Parts of the graph, by the first matching pattern on an op's name.
PARTS = [
    ("gradients: clip_by_global_norm", r"^clip_by_global_norm"),
    ("optimizer", r"^GradientDescent"),
    ("gradients: loss", r"^gradients(_\d+)?/.*(sequence_loss|traced_loss|sampled)"),
    ("gradients: decoder", r"^gradients(_\d+)?/.*attention_decoder"),
    ("gradients: encoder", r"^gradients(_\d+)?/.*(rnn|RNN)"),
    ("gradients: other", r"^gradients"),
    ("gradients: per-step unstack/stack", r"^gradients.*/(unstack|stack)(_\d+)?_grad/"),
    ("loss", r"sequence_loss|traced_loss|sampled"),
    ("attention collection identities", r"Attention_\d+(_\d+)?/Softmax(_\d+)?$"),
    ("per-step unstack/stack", r"/(unstack|stack)(_\d+)?$"),
    ("decoder", r"attention_decoder"),
    ("encoder", r"(rnn|RNN)"),
    ("other", r""),
]


def part_of(name: str) -> str:
    for part, pattern in PARTS:
        if re.search(pattern, name):
            return part
    return "other"


def build(variant: str, profile: bool = False) -> dict:
    """Builds the training graph once; returns timings, counts and the graph's model.

    `variant` is "a" (fast paths), "b" (`fastpath.stepwise()`) or "s" (fast
    paths in a graph with a seed, so the loss is called per step, untraced).
    """
    graph = tf.Graph()
    profiler = cProfile.Profile() if profile else None
    with graph.as_default(), fastpath.stepwise(variant == "b"):
        if variant == "s":
            v1.set_random_seed(bench.SEED)
        cpu = time.process_time()
        wall = time.perf_counter()
        if profiler:
            profiler.enable()
        model = bench.build_tf1_model(legacy_seq2seq, rnn_cell, "gru" if not ARGS.lstm
                                      else "lstm", decode=False)
        if profiler:
            profiler.disable()
        result = {"cpu_s": time.process_time() - cpu, "wall_s": time.perf_counter() - wall}
    ops = graph.get_operations()
    result["ops"] = len(ops)
    result["by_type"] = collections.Counter(op.type for op in ops)
    result["by_part"] = collections.Counter(part_of(op.name) for op in ops)
    result["graph"], result["model"] = graph, model
    if profiler:
        result["profile"] = profiler
    return result


# Phases of a's build, by function name (cumulative time, calls).
PHASES = [
    "build_tf1_model", "model_with_buckets", "embedding_attention_seq2seq", "static_rnn",
    "static_rnn_tail", "attention_decoder", "attention_decoder_tail", "_loop",
    "func_graph_from_py_func", "sequence_loss_by_example", "step_loss", "_GradientsHelper",
    "_rewrite_forward_and_call_backward", "forward_backward", "_MulGrad", "_ConcatGradV2",
    "internal_grad_fn", "_AggregatedGrads", "clip_by_global_norm", "apply_gradients", "stack",
    "unstack", "set_shape",
]


def phase_table(profiler: cProfile.Profile) -> list:
    stats = pstats.Stats(profiler, stream=io.StringIO())
    found = {}
    for (path, _, name), (_, calls, _, cumtime, _) in stats.stats.items():
        if name in PHASES and cumtime > found.get(name, (0, 0.0, ""))[1]:
            found[name] = (calls, cumtime, os.path.basename(path))
    return [f"| {found[name][2]} {name} | {found[name][0]} | {found[name][1]:.2f} |"
            for name in sorted(found, key=lambda n: -found[n][1])]


def profile_table(profiler: cProfile.Profile, sort: str, count: int) -> list:
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    rows = []
    for (path, line, name), (_, calls, tottime, cumtime, _) in sorted(
            stats.stats.items(), key=lambda kv: -kv[1][2 if sort == "tottime" else 3])[:count]:
        where = f"{os.path.basename(path)}:{line} {name}"
        rows.append(f"| {where} | {calls} | {tottime:.2f} | {cumtime:.2f} |")
    return rows


def step_stats(results: dict, bucket: int, steps: int) -> dict:
    """Per variant: one traced train step of `bucket`, then `steps` untraced ones.

    The untraced steps alternate between the variants (CPU time of each).
    """
    batches = bench.make_batches(bucket, steps + 2)
    sessions, out = {}, {}
    for variant, result in results.items():
        model, graph = result["model"], result["graph"]
        fetches = [model["updates"][bucket], model["norms"][bucket], model["losses"][bucket]]
        with graph.as_default():
            init = v1.global_variables_initializer()
        sess = v1.Session(graph=graph)
        sess.run(init)
        sess.run(fetches, bench.tf1_feed(model, bucket, batches[0]))
        metadata = v1.RunMetadata()
        sess.run(fetches, bench.tf1_feed(model, bucket, batches[1]),
                 options=v1.RunOptions(trace_level=v1.RunOptions.FULL_TRACE),
                 run_metadata=metadata)
        kernels: collections.Counter = collections.Counter()
        parts: collections.Counter = collections.Counter()
        micros: collections.Counter = collections.Counter()
        for device in metadata.step_stats.dev_stats:
            for node in device.node_stats:
                match = re.match(r"[^=]*= (\w+)", node.timeline_label)
                op_type = match.group(1) if match else node.node_name.split(":")[-1]
                if op_type in ("_SOURCE", "RecvTensor"):
                    continue
                kernels[op_type] += 1
                parts[part_of(node.node_name)] += 1
                micros[op_type] += node.op_end_rel_micros
        sessions[variant] = (sess, model, fetches)
        out[variant] = {"kernels": kernels, "parts": parts, "micros": micros, "cpu": []}
    for batch in batches[2:]:
        for variant, (sess, model, fetches) in sessions.items():
            start = time.process_time()
            sess.run(fetches, bench.tf1_feed(model, bucket, batch))
            out[variant]["cpu"].append(time.process_time() - start)
    for variant, (sess, _, _) in sessions.items():
        sess.close()
        out[variant]["cpu_ms"] = 1000 * statistics.median(out[variant]["cpu"])
    return out


# Bodies of the toy functions of `inlining_rows`: what each does with a [8, 8] variable.
TOY_BODIES = {
    "matmul with the variable's value": lambda w, ids: tf.matmul(tf.one_hot(ids, 8), w),
    "gather from the variable's value": lambda w, ids: tf.gather(w.read_value(), ids),
    "embedding_lookup of the variable (ResourceGather)":
        lambda w, ids: tf.nn.embedding_lookup(w, ids),
    "matmul + VariableShape of its handle": lambda w, ids: tf.matmul(tf.one_hot(ids, 8), w) +
        tf.cast(tf.reduce_sum(tf.raw_ops.VariableShape(input=w.handle)), tf.float32),
}


def _closure(body: Any, w: Any) -> Any:
    def traced(ids: tf.Tensor) -> tf.Tensor:
        return body(w, ids)

    return traced


def inlining_rows() -> list:
    """Per toy body: uninlined calls executed, forward only and with `tf.gradients`."""
    rows = []
    for label, body in TOY_BODIES.items():
        counts = []
        for differentiate in (False, True):
            graph = tf.Graph()
            with graph.as_default():
                ids = v1.placeholder(tf.int32, [None])
                w = v1.get_variable("w", [8, 8])
                function = tf.function(_closure(body, w), autograph=False) \
                    .get_concrete_function(tf.TensorSpec([None], tf.int32))
                total = tf.add_n([tf.reduce_sum(function(ids)) for _ in range(3)])
                fetch = [tf.convert_to_tensor(g) for g in tf.gradients(total, [w])] \
                    if differentiate else total
                with v1.Session(graph=graph) as sess:
                    sess.run(v1.global_variables_initializer())
                    metadata = v1.RunMetadata()
                    sess.run(fetch, {ids: [1, 2, 3]},
                             options=v1.RunOptions(trace_level=v1.RunOptions.FULL_TRACE),
                             run_metadata=metadata)
            counts.append(sum("PartitionedCall(" in node.timeline_label
                              for device in metadata.step_stats.dev_stats
                              for node in device.node_stats))
        rows.append(f"| {label} | {counts[0]} | {counts[1]} |")
    return rows


def counter_table(title: str, a: collections.Counter, b: collections.Counter,
                  count: int, fmt: str = "{}") -> list:
    rows = [f"| {title} | a | b | a/b |", "|---|---|---|---|"]
    keys = sorted(set(a) | set(b), key=lambda k: -(a[k] + b[k]))[:count]
    for key in keys:
        share = f"{a[key] / b[key]:.2f}" if b[key] else "-"
        rows.append(f"| {key} | {fmt.format(a[key])} | {fmt.format(b[key])} | {share} |")
    rows.append(f"| total | {fmt.format(sum(a.values()))} | {fmt.format(sum(b.values()))} | "
                f"{sum(a.values()) / max(1, sum(b.values())):.2f} |")
    return rows


def main() -> None:
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="two small buckets (5, 10) (10, 15) and 1 repetition")
    parser.add_argument("--lstm", action="store_true", help="BasicLSTMCell instead of GRUCell")
    parser.add_argument("--reps", type=int, default=None, help="alternating builds per variant")
    parser.add_argument("--steps", type=int, default=5, help="untimed-trace steps for CPU time")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "engine_profile.md"))
    ARGS = parser.parse_args()
    if ARGS.quick:
        bench.BUCKETS[:] = bench.BUCKETS[:2]
    reps = ARGS.reps or (1 if ARGS.quick else 2)
    builds: dict = {"a": [], "b": []}
    last: dict = {}
    for rep in range(reps):
        for variant in ("a", "b") if rep % 2 == 0 else ("b", "a"):
            result = build(variant, profile=(variant == "a" and rep == 0))
            builds[variant].append(result["cpu_s"])
            if variant in last:
                last[variant].pop("graph")
            last[variant] = result
            print(f"build {variant}: {result['cpu_s']:.1f} s CPU, {result['ops']} ops",
                  file=sys.stderr, flush=True)
    a, b = last["a"], last["b"]
    seeded = build("s")
    print(f"build s: {seeded['cpu_s']:.1f} s CPU, {seeded['ops']} ops", file=sys.stderr,
          flush=True)
    bucket = len(bench.BUCKETS) - 1
    steps = step_stats({"a": a, "b": b, "s": seeded}, bucket, ARGS.steps)
    calls = {v: sum(steps[v]["kernels"][k] for k in ("PartitionedCall", "StatefulPartitionedCall"))
             for v in steps}
    loss_kernels = {v: steps[v]["parts"]["loss"] + steps[v]["parts"]["gradients: loss"]
                    for v in steps}
    med = {v: statistics.median(builds[v]) for v in builds}
    lines = [
        "# Engine profile: translate model, training graph",
        "",
        f"{datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')}, "
        f"TensorFlow {tf.__version__}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}; cell {'BasicLSTMCell' if ARGS.lstm else 'GRUCell'}(256) x 2; "
        f"buckets {bench.BUCKETS}; {reps} alternating build(s) per variant. "
        "a = fast paths, b = `fastpath.stepwise()`, same process. Times are process CPU time "
        "(the machine is shared): they include TensorFlow's own threads.",
        "",
        "## Build",
        "",
        "| measure | a | b | a/b |",
        "|---|---|---|---|",
        f"| build CPU (s), median | {med['a']:.2f} | {med['b']:.2f} | {med['a'] / med['b']:.2f} |",
        f"| ops | {a['ops']} | {b['ops']} | {a['ops'] / b['ops']:.2f} |",
        "",
        *counter_table("ops by part", a["by_part"], b["by_part"], 20),
        "",
        *counter_table("ops by type", a["by_type"], b["by_type"], 25),
        "",
        "a's build by phase (cProfile, cumulative; profiling slows the build about 3x):",
        "",
        "| function | calls | cumtime (s) |",
        "|---|---|---|",
        *phase_table(a["profile"]),
        "",
        "a's build, by own time (cProfile):",
        "",
        "| function | calls | tottime (s) | cumtime (s) |",
        "|---|---|---|---|",
        *profile_table(a["profile"], "tottime", 20),
        "",
        "a's build, by cumulative time:",
        "",
        "| function | calls | tottime (s) | cumtime (s) |",
        "|---|---|---|---|",
        *profile_table(a["profile"], "cumtime", 30),
        "",
        f"## Train step, bucket {bucket} {bench.BUCKETS[bucket]}",
        "",
        "| measure | a | b | a/b |",
        "|---|---|---|---|",
        f"| step CPU (ms), median of {ARGS.steps} | {steps['a']['cpu_ms']:.1f} | "
        f"{steps['b']['cpu_ms']:.1f} | {steps['a']['cpu_ms'] / steps['b']['cpu_ms']:.2f} |",
        "",
        *counter_table("executed kernels by type", steps["a"]["kernels"],
                       steps["b"]["kernels"], 25),
        "",
        *counter_table("executed kernels by part", steps["a"]["parts"],
                       steps["b"]["parts"], 25),
        "",
        *counter_table("kernel time by type (ms, traced step)",
                       collections.Counter({k: v / 1000 for k, v in steps["a"]["micros"].items()}),
                       collections.Counter({k: v / 1000 for k, v in steps["b"]["micros"].items()}),
                       25, "{:.1f}"),
        "",
        "Kernel times are summed wall times of the traced step's kernels: a function call",
        "that the runtime did not inline counts once as a whole and again for its kernels.",
        "",
        "s = a built in a graph with a seed, so that the user's sampled-softmax loss is called",
        "per step (untraced) while the engine's fast paths stay on:",
        "",
        "| measure | a | s | b | s/b |",
        "|---|---|---|---|---|",
        f"| build CPU (s) | {a['cpu_s']:.2f} | {seeded['cpu_s']:.2f} | {b['cpu_s']:.2f} | "
        f"{seeded['cpu_s'] / b['cpu_s']:.2f} |",
        f"| ops | {a['ops']} | {seeded['ops']} | {b['ops']} | {seeded['ops'] / b['ops']:.2f} |",
        f"| step CPU (ms) | {steps['a']['cpu_ms']:.1f} | {steps['s']['cpu_ms']:.1f} | "
        f"{steps['b']['cpu_ms']:.1f} | {steps['s']['cpu_ms'] / steps['b']['cpu_ms']:.2f} |",
        f"| executed kernels | {sum(steps['a']['kernels'].values())} | "
        f"{sum(steps['s']['kernels'].values())} | {sum(steps['b']['kernels'].values())} | "
        f"{sum(steps['s']['kernels'].values()) / sum(steps['b']['kernels'].values()):.2f} |",
        f"| executed kernels of the loss and its gradient | {loss_kernels['a']} | "
        f"{loss_kernels['s']} | {loss_kernels['b']} | "
        f"{loss_kernels['s'] / max(1, loss_kernels['b']):.2f} |",
        f"| uninlined function calls executed | {calls['a']} | {calls['s']} | {calls['b']} | - |",
        "",
        "## Which traced calls the Session inlines",
        "",
        "Three calls of one traced function of a variable; uninlined calls executed:",
        "",
        "| body | forward only | with tf.gradients |",
        "|---|---|---|",
        *inlining_rows(),
        "",
        f"Peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} "
        "MiB.",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    os.makedirs(os.path.dirname(ARGS.out), exist_ok=True)
    with open(ARGS.out, "w") as f:
        f.write(report)


ARGS: Any = None

if __name__ == "__main__":
    main()
