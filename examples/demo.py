"""Demo: teach a TF1-style attention seq2seq model to reverse digit strings.

Everything here is classic TF 1.x graph code (placeholders, model_with_buckets,
Saver), running on TF 2.x through legacy_seq2seq_compat:

1. trains `embedding_attention_seq2seq` inside `model_with_buckets` on random
   digit strings, with a progress bar showing loss and perplexity;
2. saves a checkpoint, restores it into a separately built decoding graph
   (feed_previous=True) and decodes held-out strings greedily;
3. prints decoded examples next to the truth and the exact-sequence accuracy.

Run: python examples/demo.py [--steps N] [--seed S]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from legacy_seq2seq_compat import legacy_seq2seq, rnn_cell  # noqa: E402

v1 = tf.compat.v1

PAD, GO, EOS = 0, 1, 2
DIGIT0 = 3  # symbol of digit 0; digits are 3..12
VOCAB = DIGIT0 + 10
BUCKETS = [(5, 7), (9, 11)]  # (encoder length, decoder length incl. GO and EOS)
MAX_DIGITS = 8


def make_example(rng: np.random.Generator) -> list[int]:
    length = int(rng.integers(2, MAX_DIGITS + 1))
    return [DIGIT0 + int(d) for d in rng.integers(0, 10, size=length)]


def bucket_for(length: int) -> int:
    return next(i for i, (enc, dec) in enumerate(BUCKETS) if length <= enc and length + 2 <= dec)


def make_batch(examples: list[list[int]], bucket: int) -> tuple:
    """Time-major id lists as the translate tutorial fed them (reversed, padded source)."""
    enc_len, dec_len = BUCKETS[bucket]
    enc = np.full((enc_len, len(examples)), PAD, np.int32)
    dec = np.full((dec_len, len(examples)), PAD, np.int32)
    weights = np.zeros((dec_len, len(examples)), np.float32)
    for b, digits in enumerate(examples):
        source = list(reversed(digits))  # the tutorial's trick: feed the source reversed
        enc[enc_len - len(source):, b] = source
        target = [GO] + list(reversed(digits)) + [EOS]
        dec[: len(target), b] = target
        weights[: len(target) - 1, b] = 1.0
    return enc, dec, weights


def build_model(feed_previous: bool, hidden: int = 64, emb: int = 32) -> dict:
    """Placeholders, per-bucket outputs and losses (and updates when training)."""
    max_enc, max_dec = BUCKETS[-1]
    enc = [v1.placeholder(tf.int32, [None], name=f"encoder{i}") for i in range(max_enc)]
    dec = [v1.placeholder(tf.int32, [None], name=f"decoder{i}") for i in range(max_dec + 1)]
    weights = [v1.placeholder(tf.float32, [None], name=f"weight{i}") for i in range(max_dec)]
    targets = dec[1:]
    cell = rnn_cell.GRUCell(hidden)  # one cell object shared by every bucket

    def seq2seq(encoder_inputs, decoder_inputs):
        return legacy_seq2seq.embedding_attention_seq2seq(
            encoder_inputs, decoder_inputs, cell, num_encoder_symbols=VOCAB,
            num_decoder_symbols=VOCAB, embedding_size=emb, feed_previous=feed_previous)

    outputs, losses = legacy_seq2seq.model_with_buckets(
        enc, dec, targets, weights, BUCKETS, seq2seq)
    model = {"enc": enc, "dec": dec, "weights": weights, "outputs": outputs, "losses": losses}
    if not feed_previous:
        step = v1.train.get_or_create_global_step()
        optimizer = v1.train.AdamOptimizer(0.01)
        params = v1.trainable_variables()
        model["updates"] = []
        for loss in losses:
            grads, _ = tf.clip_by_global_norm(tf.gradients(loss, params), 5.0)
            model["updates"].append(optimizer.apply_gradients(zip(grads, params), step))
    model["saver"] = v1.train.Saver()
    return model


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
    """A one-line text progress bar (no dependency)."""

    def __init__(self, total: int, width: int = 30) -> None:
        self.total, self.width, self.start = total, width, time.time()

    def update(self, done: int, text: str) -> None:
        filled = int(self.width * done / self.total)
        bar = "#" * filled + "." * (self.width - filled)
        elapsed = time.time() - self.start
        sys.stdout.write(f"\r[{bar}] {done}/{self.total} {text} {elapsed:5.1f}s")
        sys.stdout.flush()
        if done == self.total:
            sys.stdout.write("\n")


def train(steps: int, batch: int, seed: int, ckpt: str) -> None:
    rng = np.random.default_rng(seed)
    with tf.Graph().as_default():
        v1.set_random_seed(seed)
        model = build_model(feed_previous=False)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            bar = Progress(steps)
            recent = []
            for step in range(1, steps + 1):
                bucket = int(rng.integers(0, len(BUCKETS)))
                examples = [make_example(rng) for _ in range(batch * 4)]
                examples = [e for e in examples if bucket_for(len(e)) == bucket][:batch]
                enc, dec, weights = make_batch(examples, bucket)
                loss, _ = sess.run([model["losses"][bucket], model["updates"][bucket]],
                                   feed_dict(model, enc, dec, weights))
                recent = (recent + [loss])[-50:]
                if step % 10 == 0 or step == steps:
                    mean = float(np.mean(recent))
                    bar.update(step, f"loss {mean:.3f} perplexity {np.exp(mean):7.3f}")
            model["saver"].save(sess, ckpt)


def decode(ckpt: str, seed: int, count: int = 400, show: int = 8) -> float:
    rng = np.random.default_rng(seed + 1)
    with tf.Graph().as_default():
        model = build_model(feed_previous=True)
        with v1.Session() as sess:
            model["saver"].restore(sess, ckpt)
            held_out = [make_example(rng) for _ in range(count)]
            correct = 0
            shown = 0
            for bucket in range(len(BUCKETS)):
                examples = [e for e in held_out if bucket_for(len(e)) == bucket]
                if not examples:
                    continue
                enc, dec, weights = make_batch(examples, bucket)
                logits = sess.run(model["outputs"][bucket], feed_dict(model, enc, dec, weights))
                symbols = np.argmax(np.stack(logits), axis=2).T
                for digits, row in zip(examples, symbols):
                    truth = list(reversed(digits))
                    predicted = []
                    for s in row:
                        if s == EOS:
                            break
                        predicted.append(int(s))
                    ok = predicted == truth
                    correct += ok
                    if shown < show:
                        text = "".join(str(d - DIGIT0) if d >= DIGIT0 else "?" for d in predicted)
                        print(f"  input {''.join(str(d - DIGIT0) for d in digits):>8}   "
                              f"decoded {text:>8}   truth "
                              f"{''.join(str(d - DIGIT0) for d in truth):>8}   "
                              f"{'ok' if ok else 'WRONG'}")
                        shown += 1
    return correct / count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=800)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    ckpt = os.path.join(tempfile.mkdtemp(prefix="legacy_seq2seq_demo_"), "model.ckpt")
    print("Training embedding_attention_seq2seq + model_with_buckets to reverse digit strings")
    train(args.steps, args.batch, args.seed, ckpt)
    print(f"Saved {ckpt}; restoring it into a decoding graph (feed_previous=True):")
    accuracy = decode(ckpt, args.seed)
    print(f"Exact-sequence accuracy on 400 held-out strings: {accuracy:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
