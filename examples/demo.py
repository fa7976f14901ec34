"""Demo: teach a TF1-style attention seq2seq model to reverse digit strings.

Everything here is classic TF 1.x graph code (placeholders, model_with_buckets,
Saver), running on TF 2.x through legacy_seq2seq_compat:

1. trains `embedding_attention_seq2seq` inside `model_with_buckets` (two
   buckets, one GRUCell shared by both) on random digit strings, with a
   progress bar showing loss and perplexity (tqdm when installed; plain log
   lines when stdout is not a terminal);
2. saves a checkpoint, restores it into a separately built decoding graph
   and decodes held-out strings (never seen in training) two ways: greedily
   (feed_previous=True) and with `beam_search` (beam width 4) on the same
   variables;
3. prints decoded examples next to the truth and the exact-sequence accuracy
   of both decoders side by side;
4. draws the attention alignment of one held-out example: a PNG heatmap when
   matplotlib is installed, and always a text table;
5. with `--export DIR`, writes the model as a SavedModel whose
   `serving_default` signature maps digit strings to digit strings
   (`source` -> `target`, `score`), tokenised inside the graph, so plain
   TF2 or TF Serving can run it without this library.

Where the attention weights come from: the attention decoder adds every
attention distribution it computes to the graph collection named by
`legacy_seq2seq_compat.decoders.ATTENTION_WEIGHTS_COLLECTION`; no TF 1.15
signature changes. Each entry is a float32 `[batch_size, encoder_length]`
Tensor (the `.../attention_decoder/Attention_0/Softmax` op, then
`Attention_0_1/Softmax`, `Attention_0_2/Softmax`, ... for later steps), added
in creation order: per decoder step, one per head (this demo has one head).
`model_with_buckets` builds the buckets one after another, so bucket 0's
entries come first, then bucket 1's. `build_model` below records which slice
of the collection each bucket added.

The encoder reads each string reversed and padded at the front (the trick of
TF1's translate tutorial), so the target is the encoder's own sequence: a
trained model attends along a diagonal in encoder order, which is the
anti-diagonal of the reversal when read against the original string.

Run: python examples/demo.py [--steps N] [--seed S] [--out-dir DIR] [--no-plot] [--export DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from typing import Optional, Sequence, TextIO

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from legacy_seq2seq_compat import beam_search, legacy_seq2seq, rnn_cell, serving  # noqa: E402
from legacy_seq2seq_compat.decoders import ATTENTION_WEIGHTS_COLLECTION  # noqa: E402

v1 = tf.compat.v1

PAD, GO, EOS = 0, 1, 2
DIGIT0 = 3  # symbol of digit 0; digits are 3..12
VOCAB = DIGIT0 + 10
BUCKETS = [(5, 7), (9, 11)]  # (encoder length, decoder length incl. GO and EOS)
MIN_DIGITS, MAX_DIGITS = 2, 8
SHADES = " .:-=+*#%@"  # text heatmap, light to dark
BEAM_WIDTH = 4


def symbol_name(symbol: int) -> str:
    """Printable name of a symbol id: a digit, or PAD / GO / EOS."""
    names = {PAD: "PAD", GO: "GO", EOS: "EOS"}
    return names.get(int(symbol), str(int(symbol) - DIGIT0))


def digits_text(symbols: Sequence[int]) -> str:
    return "".join(str(s - DIGIT0) if s >= DIGIT0 else "?" for s in symbols)


def bucket_for(length: int) -> int:
    """Index of the smallest bucket that fits a string of `length` digits."""
    return next(i for i, (enc, dec) in enumerate(BUCKETS) if length <= enc and length + 2 <= dec)


def make_example(rng: np.random.Generator) -> list[int]:
    length = int(rng.integers(MIN_DIGITS, MAX_DIGITS + 1))
    return [DIGIT0 + int(d) for d in rng.integers(0, 10, size=length)]


def make_batch(examples: list[list[int]], bucket: int) -> tuple:
    """Time-major id arrays as the translate tutorial fed them (reversed, padded source)."""
    enc_len, dec_len = BUCKETS[bucket]
    enc = np.full((enc_len, len(examples)), PAD, np.int32)
    dec = np.full((dec_len, len(examples)), PAD, np.int32)
    weights = np.zeros((dec_len, len(examples)), np.float32)
    for b, digits in enumerate(examples):
        source = list(reversed(digits))  # the tutorial's trick: feed the source reversed
        enc[enc_len - len(source):, b] = source  # ... and padded at the front
        target = [GO] + list(reversed(digits)) + [EOS]
        dec[: len(target), b] = target
        weights[: len(target) - 1, b] = 1.0
    return enc, dec, weights


def build_model(feed_previous: bool, hidden: int = 64, emb: int = 32,
                train_steps: int = 800) -> dict:
    """Builds placeholders, per-bucket outputs, losses and attention tensors.

    Args:
      feed_previous: False for training (adds the per-bucket update ops),
        True for greedy decoding.
      hidden: GRU width.
      emb: Embedding width.
      train_steps: Training length; Adam's learning rate decays linearly
        from 0.01 to 0.001 over it (which keeps late loss spikes small).

    Returns:
      A dict with the placeholders ("enc", "dec", "weights"), the per-bucket
      "outputs" and "losses", "attention" (per bucket, the list of
      `[batch, encoder_length]` attention distributions, one per decoder
      step), "saver" and, when training, "updates".
    """
    max_enc, max_dec = BUCKETS[-1]
    enc = [v1.placeholder(tf.int32, [None], name=f"encoder{i}") for i in range(max_enc)]
    dec = [v1.placeholder(tf.int32, [None], name=f"decoder{i}") for i in range(max_dec + 1)]
    weights = [v1.placeholder(tf.float32, [None], name=f"weight{i}") for i in range(max_dec)]
    targets = dec[1:]
    cell = rnn_cell.GRUCell(hidden)  # one cell object shared by every bucket
    attention = []

    def seq2seq(encoder_inputs, decoder_inputs):
        # Whatever this call adds to the collection belongs to this bucket.
        first = len(v1.get_collection(ATTENTION_WEIGHTS_COLLECTION))
        result = legacy_seq2seq.embedding_attention_seq2seq(
            encoder_inputs, decoder_inputs, cell, num_encoder_symbols=VOCAB,
            num_decoder_symbols=VOCAB, embedding_size=emb, feed_previous=feed_previous)
        attention.append(v1.get_collection(ATTENTION_WEIGHTS_COLLECTION)[first:])
        return result

    outputs, losses = legacy_seq2seq.model_with_buckets(
        enc, dec, targets, weights, BUCKETS, seq2seq)
    model = {"enc": enc, "dec": dec, "weights": weights, "outputs": outputs,
             "losses": losses, "attention": attention}
    if not feed_previous:
        step = v1.train.get_or_create_global_step()
        rate = v1.train.polynomial_decay(0.01, step, train_steps, end_learning_rate=0.001)
        optimizer = v1.train.AdamOptimizer(rate)
        params = v1.trainable_variables()
        model["updates"] = []
        for loss in losses:
            grads, _ = tf.clip_by_global_norm(tf.gradients(loss, params), 5.0)
            model["updates"].append(optimizer.apply_gradients(zip(grads, params), step))
    model["saver"] = v1.train.Saver()
    return model


def build_beams(encoder_inputs: Sequence, hidden: int = 64, emb: int = 32,
                beam_width: int = BEAM_WIDTH) -> list:
    """Beam-search decoders of the model, one per bucket, on its variables.

    Built in a graph that holds the model (or restores its checkpoint), they
    read the same variables by name: no new ones are made.

    Returns:
      One `beam_search.BeamSearchOutput` per bucket.
    """
    cell = rnn_cell.GRUCell(hidden)

    def decode(enc, max_length):
        return beam_search.embedding_attention_seq2seq(
            enc, cell, num_encoder_symbols=VOCAB, num_decoder_symbols=VOCAB,
            embedding_size=emb, beam_width=beam_width, max_length=max_length, go_id=GO,
            eos_id=EOS)

    return beam_search.model_with_buckets(list(encoder_inputs), BUCKETS, decode)


def build_serving_graph(hidden: int = 64, emb: int = 32, beam_width: int = BEAM_WIDTH) -> tuple:
    """Text in, text out: the beam decoder behind a string placeholder.

    Each string of the `[batch]` `source` is split into characters in the
    graph; digits become symbols (anything else becomes PAD), each row is
    laid out as `make_batch` does (reversed, padded in front) in the
    smallest bucket that fits it (strings longer than the last bucket are cut
    to it), and the best beam's symbols up to EOS are joined back into a
    string (a non-digit symbol shows as "?", as `digits_text` does).

    Returns:
      ``(source, target, score)``: the tf.string `[batch]` placeholder, the
      tf.string `[batch]` decoded digits and the float32 `[batch]` score of
      the best beam (its log-probability).
    """
    source = v1.placeholder(tf.string, [None], name="source")
    codes = tf.strings.unicode_decode(source, "UTF-8")  # ragged [batch, characters]

    def symbol_of(code):
        is_digit = tf.logical_and(code >= ord("0"), code <= ord("9"))
        return tf.where(is_digit, code - ord("0") + DIGIT0, PAD)

    ids = tf.ragged.map_flat_values(symbol_of, codes)
    lengths = tf.cast(ids.row_lengths(), tf.int32)
    cell = rnn_cell.GRUCell(hidden)
    longest = BUCKETS[-1][1]
    best = None
    # From the last bucket to the first: a smaller bucket takes over the rows it fits.
    for enc_len, dec_len in reversed(BUCKETS):
        encoder_inputs = serving.encoder_inputs_from_ids(
            ids.to_tensor(default_value=PAD, shape=[None, enc_len]), lengths, enc_len,
            reverse=True, pad_id=PAD)
        beams = beam_search.embedding_attention_seq2seq(
            encoder_inputs, cell, num_encoder_symbols=VOCAB, num_decoder_symbols=VOCAB,
            embedding_size=emb, beam_width=beam_width, max_length=dec_len, go_id=GO,
            eos_id=EOS)
        top = (tf.pad(beams.ids[:, 0, :], [[0, 0], [0, longest - dec_len]],
                      constant_values=EOS), beams.lengths[:, 0], beams.scores[:, 0])
        if best is None:
            best = top
        else:
            fits = tf.logical_and(lengths <= enc_len, lengths + 2 <= dec_len)
            best = tuple(tf.where(fits if x.shape.rank == 1 else fits[:, None], x, y)
                         for x, y in zip(top, best))
    symbols, length, score = best
    keep = tf.logical_and(tf.range(longest)[None, :] < length[:, None],
                          tf.not_equal(symbols, EOS))
    kept = tf.ragged.boolean_mask(symbols, keep)
    chars = tf.ragged.map_flat_values(
        lambda s: tf.where(s >= DIGIT0, s - DIGIT0 + ord("0"), ord("?")), kept)
    target = tf.strings.unicode_encode(chars, "UTF-8")
    return source, tf.identity(target, name="target"), tf.identity(score, name="score")


def export_saved_model(ckpt: str, export_dir: str) -> str:
    """Restores `ckpt` into `build_serving_graph` and writes it to `export_dir`."""
    with tf.Graph().as_default():
        source, target, score = build_serving_graph()
        with v1.Session() as sess:
            v1.train.Saver().restore(sess, ckpt)
            return serving.export_decoder(sess, export_dir, {"source": source},
                                          {"target": target, "score": score})


def feed_dict(model: dict, enc, dec, weights) -> dict:
    feed = {}
    for i in range(len(enc)):
        feed[model["enc"][i]] = enc[i]
    for i in range(len(dec)):
        feed[model["dec"][i]] = dec[i]
    for i in range(len(weights)):
        feed[model["weights"][i]] = weights[i]
    # The last target of a bucket needs a value even when unused.
    feed[model["dec"][len(dec)]] = np.zeros_like(dec[0])
    return feed


class Progress:
    """Training progress with loss and perplexity.

    On a terminal: a tqdm bar when tqdm is installed, else a one-line text
    bar redrawn in place. Otherwise (CI logs, pipes): about ten plain lines.
    """

    def __init__(self, total: int, stream: Optional[TextIO] = None,
                 use_tqdm: bool = True, width: int = 30) -> None:
        self.total, self.width, self.start = total, width, time.time()
        self.stream = stream or sys.stdout
        self.every = max(1, total // 10)
        self.done = 0
        self.tqdm = None
        self.interactive = bool(getattr(self.stream, "isatty", lambda: False)())
        if self.interactive and use_tqdm:
            try:
                from tqdm import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                # Sizes from shutil (which falls back to 80x24): tqdm draws nothing on
                # a terminal that reports 0 rows, as some pseudo-terminals do.
                size = shutil.get_terminal_size()
                self.tqdm = tqdm(total=total, file=self.stream, unit="step",
                                 ncols=size.columns, nrows=size.lines)

    def update(self, done: int, loss: float) -> None:
        """Reports that `done` steps are finished, with the recent mean `loss`."""
        text = f"loss {loss:.3f} perplexity {np.exp(loss):.3f}"
        elapsed = time.time() - self.start
        if self.tqdm is not None:
            self.tqdm.update(done - self.done)
            self.tqdm.set_postfix_str(text)
        elif self.interactive:
            filled = int(self.width * done / self.total)
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(f"\r[{bar}] {done}/{self.total} {text} {elapsed:5.1f}s")
            if done == self.total:
                self.stream.write("\n")
        elif done % self.every == 0 or done == self.total:
            self.stream.write(f"step {done}/{self.total}  {text}  {elapsed:.1f}s\n")
        self.stream.flush()
        self.done = done

    def close(self) -> None:
        if self.tqdm is not None:
            self.tqdm.close()


def train(steps: int, batch: int, seed: int, ckpt: str, report_every: int = 10) -> set:
    """Trains from scratch and saves to `ckpt`; returns the training strings seen."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0]))
    seen = set()
    with tf.Graph().as_default():
        v1.set_random_seed(seed)
        model = build_model(feed_previous=False, train_steps=steps)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            progress = Progress(steps)
            recent = []
            for step in range(1, steps + 1):
                bucket = int(rng.integers(0, len(BUCKETS)))
                examples = []
                while len(examples) < batch:
                    example = make_example(rng)
                    if bucket_for(len(example)) == bucket:
                        examples.append(example)
                seen.update(tuple(e) for e in examples)
                enc, dec, weights = make_batch(examples, bucket)
                loss, _ = sess.run([model["losses"][bucket], model["updates"][bucket]],
                                   feed_dict(model, enc, dec, weights))
                recent = (recent + [loss])[-50:]
                if step % report_every == 0 or step == steps:
                    progress.update(step, float(np.mean(recent)))
            progress.close()
            model["saver"].save(sess, ckpt)
    return seen


def held_out_examples(seed: int, count: int, seen: set) -> list[list[int]]:
    """`count` random digit strings, none of them in `seen`."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    examples = []
    while len(examples) < count:
        example = make_example(rng)
        if tuple(example) not in seen:
            examples.append(example)
    return examples


def until_eos(symbols: Sequence[int]) -> list[int]:
    out = []
    for s in symbols:
        if s == EOS:
            break
        out.append(int(s))
    return out


def decode_bucket(sess, model: dict, examples: list[list[int]], bucket: int) -> tuple:
    """Greedy decoding of one bucket's batch.

    Returns:
      ``(symbols, attention)``: `[batch, decoder_length]` argmax symbols and
      the `[decoder_length, batch, encoder_length]` attention distributions.
    """
    enc, dec, weights = make_batch(examples, bucket)
    logits, attention = sess.run([model["outputs"][bucket], model["attention"][bucket]],
                                 feed_dict(model, enc, dec, weights))
    return np.argmax(np.stack(logits), axis=2).T, np.stack(attention)


def decode_beam_bucket(sess, model: dict, examples: list[list[int]], bucket: int) -> list:
    """Beam-search decoding of one bucket's batch: each best hypothesis up to its EOS."""
    enc, _, _ = make_batch(examples, bucket)
    result = sess.run(model["beams"][bucket],
                      {model["enc"][i]: enc[i] for i in range(len(enc))})
    return [until_eos(row[:n]) for row, n in zip(result.ids[:, 0], result.lengths[:, 0])]


def evaluate(sess, model: dict, examples: list[list[int]], show: int = 8) -> tuple:
    """Greedy and beam exact-sequence accuracy; prints the first `show` examples.

    Returns:
      ``(greedy_accuracy, beam_accuracy)``.
    """
    greedy_correct = beam_correct = 0
    shown = 0
    for bucket in range(len(BUCKETS)):
        group = [e for e in examples if bucket_for(len(e)) == bucket]
        if not group:
            continue
        symbols, _ = decode_bucket(sess, model, group, bucket)
        beams = decode_beam_bucket(sess, model, group, bucket)
        for digits, row, beam in zip(group, symbols, beams):
            truth = list(reversed(digits))
            greedy = until_eos(row)
            greedy_correct += greedy == truth
            beam_correct += beam == truth
            if shown < show:
                marks = " ".join("ok" if x == truth else "WRONG" for x in (greedy, beam))
                print(f"  input {digits_text(digits):>8}   greedy {digits_text(greedy):>8}   "
                      f"beam {digits_text(beam):>8}   truth {digits_text(truth):>8}   {marks}")
                shown += 1
    return greedy_correct / len(examples), beam_correct / len(examples)


def attention_alignment(sess, model: dict, digits: list[int]) -> tuple:
    """Decodes one string and returns its attention alignment.

    Args:
      sess: Session holding the decoding graph's (restored) variables.
      model: `build_model(feed_previous=True)`.
      digits: The input string as digit symbols.

    Returns:
      ``(matrix, row_labels, col_labels)``: `matrix[t, j]` is the weight
      decoder step t puts on encoder position j; one row per decoded symbol
      up to and including the first EOS (all steps if there is none), one
      column per encoder position of the bucket. Rows are labelled with the
      decoded symbols, columns with the encoder's inputs in encoder order
      (reversed digits after the front padding).
    """
    bucket = bucket_for(len(digits))
    symbols, attention = decode_bucket(sess, model, [digits], bucket)
    decoded = [int(s) for s in symbols[0]]
    rows = len(until_eos(decoded)) + 1 if EOS in decoded else len(decoded)
    enc, _, _ = make_batch([digits], bucket)
    matrix = attention[:rows, 0, :]
    return (matrix, [symbol_name(s) for s in decoded[:rows]],
            [symbol_name(s) for s in enc[:, 0]])


def alignment_table(matrix, row_labels: Sequence[str], col_labels: Sequence[str]) -> str:
    """Formats an alignment as text: one row per output, one column per input.

    Each cell shows the weight with 2 decimals; each row ends with a strip of
    shade characters (`SHADES`, light to dark) as a tiny heatmap.

    Args:
      matrix: `[len(row_labels), len(col_labels)]` weights in [0, 1].
      row_labels: Output symbol names.
      col_labels: Input symbol names.

    Returns:
      The table, lines joined by newlines (no trailing newline).

    Raises:
      ValueError: if the matrix is not 2-D or does not match the labels.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    expected = (len(row_labels), len(col_labels))
    if matrix.shape != expected:
        raise ValueError(f"`matrix` must have shape {expected} (rows, columns of the labels), "
                         f"got {matrix.shape}.")
    corner = "out\\in"
    label_width = max([len(corner)] + [len(r) for r in row_labels])
    cell_width = max([4] + [len(c) for c in col_labels])
    lines = [corner.rjust(label_width) + "".join(" " + c.rjust(cell_width) for c in col_labels)]
    for label, row in zip(row_labels, matrix):
        cells = "".join(" " + f"{v:.2f}".rjust(cell_width) for v in row)
        shade = "".join(SHADES[min(int(v * len(SHADES)), len(SHADES) - 1)] for v in row)
        lines.append(label.rjust(label_width) + cells + "  |" + shade + "|")
    return "\n".join(lines)


def save_heatmap(matrix, row_labels: Sequence[str], col_labels: Sequence[str], path: str,
                 title: str = "Attention alignment") -> str:
    """Saves the alignment as a PNG heatmap (matplotlib, no display needed).

    Args:
      matrix: `[len(row_labels), len(col_labels)]` weights in [0, 1].
      row_labels: Output symbol names (y axis).
      col_labels: Input symbol names in encoder order (x axis).
      path: Where to write the PNG.
      title: Figure title.

    Returns:
      `path`.

    Raises:
      ImportError: if matplotlib is not installed.
      ValueError: if the matrix does not match the labels.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.shape != (len(row_labels), len(col_labels)):
        raise ValueError(f"`matrix` must have shape {(len(row_labels), len(col_labels))}, "
                         f"got {matrix.shape}.")
    from matplotlib.figure import Figure  # needs no GUI backend

    fig = Figure(figsize=(1.5 + 0.6 * len(col_labels), 1.2 + 0.5 * len(row_labels)))
    ax = fig.add_subplot()
    image = ax.imshow(matrix, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(len(col_labels)), labels=list(col_labels))
    ax.set_yticks(range(len(row_labels)), labels=list(row_labels))
    for (i, j), value in np.ndenumerate(matrix):
        ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                color="black" if value > 0.6 else "white")
    ax.set_xlabel("encoder input, in encoder order (reversed digits, PAD in front)")
    ax.set_ylabel("decoded output")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label="attention weight")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path


def show_alignment(matrix, row_labels: Sequence[str], col_labels: Sequence[str],
                   out_dir: str, plot: bool = True, title: str = "Attention alignment"
                   ) -> Optional[str]:
    """Prints the text table and, if possible, saves `attention.png` in `out_dir`.

    Returns:
      The PNG's path, or None when plotting is off or matplotlib is missing.
    """
    print(alignment_table(matrix, row_labels, col_labels))
    if not plot:
        return None
    try:
        path = save_heatmap(matrix, row_labels, col_labels,
                            os.path.join(out_dir, "attention.png"), title)
    except ImportError:
        print("matplotlib is not installed, so no heatmap (the table above shows the same "
              "numbers); pip install -e '.[demo]' adds it.")
        return None
    print(f"Attention heatmap saved to {path}")
    return path


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=800, help="training steps (default 800)")
    parser.add_argument("--batch-size", type=int, default=64, help="batch size (default 64)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--held-out", type=int, default=400,
                        help="number of held-out strings to evaluate (default 400)")
    parser.add_argument("--out-dir", default=None,
                        help="where the checkpoint and attention.png go (default: a new temp dir)")
    parser.add_argument("--no-plot", action="store_true",
                        help="skip the PNG heatmap (the text table is still printed)")
    parser.add_argument("--export", metavar="DIR", default=None,
                        help="also write a SavedModel (strings in, strings out) to DIR, "
                             "which must not exist yet")
    args = parser.parse_args(argv)
    if args.export and os.path.exists(args.export):
        parser.error(f"--export DIR must not exist yet (a SavedModel is written there), got "
                     f"{args.export!r}, which exists")
    for name in ("steps", "batch_size", "held_out"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be a positive integer, "
                         f"got {getattr(args, name)}")
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the demo; returns the process exit code."""
    args = parse_args(argv)
    start = time.time()
    out_dir = args.out_dir or tempfile.mkdtemp(prefix="legacy_seq2seq_demo_")
    os.makedirs(out_dir, exist_ok=True)
    ckpt = os.path.join(out_dir, "model.ckpt")
    print(f"Output directory: {out_dir}")
    print("Training embedding_attention_seq2seq + model_with_buckets to reverse digit strings "
          f"(buckets {BUCKETS}, {args.steps} steps of {args.batch_size})")
    seen = train(args.steps, args.batch_size, args.seed, ckpt)
    print(f"Saved {ckpt}; restoring it into a decoding graph (greedy: feed_previous=True; "
          f"beam search: width {BEAM_WIDTH}, same variables):")
    held_out = held_out_examples(args.seed, args.held_out, seen)
    with tf.Graph().as_default():
        model = build_model(feed_previous=True)
        model["beams"] = build_beams(model["enc"])
        with v1.Session() as sess:
            model["saver"].restore(sess, ckpt)
            accuracy, beam_accuracy = evaluate(sess, model, held_out)
            print(f"Exact-sequence accuracy on {len(held_out)} held-out strings: "
                  f"{100 * accuracy:.1f}% greedy, {100 * beam_accuracy:.1f}% beam search "
                  f"(k={BEAM_WIDTH})")
            # The longest held-out string (first one, if several) shows the most.
            digits = max(held_out, key=len)
            matrix, rows, cols = attention_alignment(sess, model, digits)
    print(f"\nAttention alignment for input {digits_text(digits)} "
          f"(rows: decoded output, columns: encoder inputs in encoder order).")
    print("The encoder reads the string reversed, after the PAD symbols, so a trained model "
          "attends along a diagonal\nhere: that is the anti-diagonal of the reversal when read "
          "against the original string.")
    # Step t should output the digit at encoder position (padding + t).
    padding = len(cols) - len(digits)
    steps = min(len(digits), len(rows))
    hits = sum(int(np.argmax(matrix[t])) == padding + t for t in range(steps))
    print(f"{hits} of {len(digits)} digit steps put their largest weight on the diagonal, "
          "i.e. on the input digit they should output.")
    png = show_alignment(matrix, rows, cols, out_dir, plot=not args.no_plot,
                         title=f"Attention: reversing {digits_text(digits)}")
    if args.export:
        export_saved_model(ckpt, args.export)
        print(f"\nSavedModel written to {args.export}: serving_default takes `source` "
              "(tf.string [batch], digit strings as above) and returns `target` (the best "
              "beam's digits) and `score`; load it with tf.saved_model.load, no library needed.")
    print(f"\nSummary: {100 * accuracy:.1f}% greedy and {100 * beam_accuracy:.1f}% beam-search "
          f"exact-sequence accuracy on {len(held_out)} held-out strings after {args.steps} "
          f"steps, {time.time() - start:.1f}s wall time.")
    print(f"Checkpoint: {ckpt}")
    if png:
        print(f"Heatmap:    {png}")
    if args.export:
        print(f"SavedModel: {args.export}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
