"""Unmodified TF 1.x scripts (tests/fixtures/) run end to end through the runner.

Each script is run once, in a subprocess, as a user would run it on TF 1.x:
``python -m legacy_seq2seq_compat run SCRIPT FLAGS`` (and once through the
``legacy-seq2seq-compat`` console script). The runs are shared by the tests
through module-scoped fixtures:

* translate/translate.py: bucketed embedding_attention_seq2seq with sampled
  softmax; a training run, a ``--decode`` run restoring its checkpoint, and
  ``--self_test``;
* char_rnn/train.py then char_rnn/sample.py: MultiRNNCell of LSTMs with
  rnn_decoder, and a sampling graph fed by a loop function;
* chatbot/chatbot.py: embedding_rnn_seq2seq with a TF 1.0-style loss function,
  training and then answering in a separately built graph.

The tests check the exit status, that the printed training loss falls, the
exact TF 1.15 variable names and shapes in the saved checkpoint, and what the
decoding / sampling step printed.
"""

import os
import pathlib
import pickle
import re
import shutil
import subprocess
import sys

import pytest
import tensorflow as tf
from conftest import missing_reference

pytestmark = pytest.mark.slow  # fresh interpreters: run by .ci/run after README's command

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"
TRANSLATE = FIXTURES / "translate" / "translate.py"
CHAR_TRAIN = FIXTURES / "char_rnn" / "train.py"
CHAR_SAMPLE = FIXTURES / "char_rnn" / "sample.py"
CHAR_DATA = FIXTURES / "char_rnn" / "data" / "tiny"
CHATBOT = FIXTURES / "chatbot" / "chatbot.py"
CONSOLE_SCRIPT = "legacy-seq2seq-compat"
MODULE_COMMAND = [sys.executable, "-m", "legacy_seq2seq_compat"]

# Sizes passed to (or fixed by) the scripts; the expected checkpoints follow from them.
TRANSLATE_SIZE = 24
TRANSLATE_LAYERS = 2
TRANSLATE_VOCAB = 20  # 4 special symbols + 16 number words, on both sides
TRANSLATE_STEPS = 60
TRANSLATE_BUCKETS = [(3, 5), (6, 8)]
CHAR_RNN_SIZE = 32
CHAR_LAYERS = 2
CHATBOT_HIDDEN = 32
CHATBOT_EMBEDDING = 16
CHATBOT_STEPS = 80
CHATBOT_DECODER_LENGTH = 7


def _console_script():
    """The installed console script: next to the interpreter, else on PATH."""
    beside = pathlib.Path(sys.executable).parent / CONSOLE_SCRIPT
    if beside.is_file():
        return str(beside)
    return shutil.which(CONSOLE_SCRIPT)


def _run(script, args, cwd, stdin=None, command=None):
    """Runs `script` through the runner and returns the finished process (exit 0 asserted)."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONDONTWRITEBYTECODE="1")
    argv = list(command or MODULE_COMMAND) + ["run", str(script)] + [str(a) for a in args]
    proc = subprocess.run(argv, cwd=cwd, input=stdin, capture_output=True, text=True, env=env,
                          timeout=600)
    assert proc.returncode == 0, (
        f"{argv} exited with {proc.returncode}\n--- stdout:\n{proc.stdout[-3000:]}"
        f"\n--- stderr:\n{proc.stderr[-5000:]}")
    return proc


def _floats(pattern, text):
    return [float(value) for value in re.findall(pattern, text, re.M)]


def _checkpoint_shapes(directory):
    prefix = tf.train.latest_checkpoint(str(directory))
    assert prefix is not None, f"no checkpoint in {directory}: {os.listdir(directory)}"
    return {name: list(shape) for name, shape in tf.train.list_variables(prefix)}


# ----------------------------------------------------------------------------- expected names

def _gru(prefix, input_depth, units):
    return {
        f"{prefix}/gru_cell/gates/kernel": [input_depth + units, 2 * units],
        f"{prefix}/gru_cell/gates/bias": [2 * units],
        f"{prefix}/gru_cell/candidate/kernel": [input_depth + units, units],
        f"{prefix}/gru_cell/candidate/bias": [units],
    }


def _basic_lstm(prefix, input_depth, units):
    return {
        f"{prefix}/basic_lstm_cell/kernel": [input_depth + units, 4 * units],
        f"{prefix}/basic_lstm_cell/bias": [4 * units],
    }


def _with_adam_slots(shapes):
    """Adds AdamOptimizer's two slots per trainable variable and its beta powers."""
    slotted = dict(shapes)
    for name, shape in shapes.items():
        slotted[f"{name}/Adam"] = shape
        slotted[f"{name}/Adam_1"] = shape
    slotted.update({"beta1_power": [], "beta2_power": []})
    return slotted


def expected_translate_checkpoint():
    """Reference §2.4 (C)/(H): embedding_attention_seq2seq with an output projection,
    one set for all buckets, MultiRNNCell of GRUs, embedding size = units; plus the
    tutorial's proj_w (stored transposed), proj_b, learning rate and global step
    (GradientDescentOptimizer has no slots)."""
    vocab, units, layers = TRANSLATE_VOCAB, TRANSLATE_SIZE, TRANSLATE_LAYERS
    emb = units
    top = "embedding_attention_seq2seq"
    attn = f"{top}/embedding_attention_decoder/attention_decoder"
    shapes = {
        "proj_w": [vocab, units],
        "proj_b": [vocab],
        "learning_rate": [],
        "global_step": [],
        f"{top}/rnn/embedding_wrapper/embedding": [vocab, emb],
        f"{top}/embedding_attention_decoder/embedding": [vocab, emb],
        f"{attn}/AttnW_0": [1, 1, units, units],
        f"{attn}/AttnV_0": [units],
        f"{attn}/kernel": [emb + units, emb],
        f"{attn}/bias": [emb],
        f"{attn}/Attention_0/kernel": [layers * units, units],
        f"{attn}/Attention_0/bias": [units],
        f"{attn}/AttnOutputProjection/kernel": [2 * units, units],
        f"{attn}/AttnOutputProjection/bias": [units],
    }
    for i in range(layers):
        depth = emb if i == 0 else units
        shapes.update(_gru(f"{top}/rnn/embedding_wrapper/multi_rnn_cell/cell_{i}", depth, units))
        shapes.update(_gru(f"{attn}/multi_rnn_cell/cell_{i}", depth, units))
    return shapes


def expected_char_rnn_checkpoint(vocab):
    """rnn_decoder(scope="rnnlm") over MultiRNNCell([BasicLSTMCell] * 2 objects) with
    dropout wrappers (no scope of their own), the softmax and embedding variables,
    AdamOptimizer slots, the learning-rate variable and tf.contrib.framework's global step."""
    units = CHAR_RNN_SIZE
    shapes = {
        "rnnlm/softmax_w": [units, vocab],
        "rnnlm/softmax_b": [vocab],
        "rnnlm/embedding": [vocab, units],
    }
    for i in range(CHAR_LAYERS):
        shapes.update(_basic_lstm(f"rnnlm/multi_rnn_cell/cell_{i}", units, units))
    shapes = _with_adam_slots(shapes)
    shapes.update({"learning_rate": [], "global_step": []})
    return shapes


def expected_chatbot_checkpoint(vocab):
    """Reference §2.4 (E) with an output projection, inside the script's "chatbot"
    scope: 6 variables of embedding_rnn_seq2seq (DropoutWrapper adds no scope, and
    the second, feed_previous copy built with reuse adds nothing), plus the
    projection, AdamOptimizer slots and the global step."""
    units, emb = CHATBOT_HIDDEN, CHATBOT_EMBEDDING
    top = "chatbot/embedding_rnn_seq2seq"
    shapes = {
        "chatbot/output_projection/weights": [vocab, units],
        "chatbot/output_projection/biases": [vocab],
        f"{top}/rnn/embedding_wrapper/embedding": [vocab, emb],
        f"{top}/embedding_rnn_decoder/embedding": [vocab, emb],
    }
    shapes.update(_basic_lstm(f"{top}/rnn/embedding_wrapper", emb, units))
    shapes.update(_basic_lstm(f"{top}/embedding_rnn_decoder/rnn_decoder", emb, units))
    shapes = _with_adam_slots(shapes)
    shapes["global_step"] = []
    return shapes


# ----------------------------------------------------------------------------- the runs

@pytest.fixture(scope="module")
def translate_train(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("translate")
    proc = _run(TRANSLATE, [
        "--data_dir=data", "--train_dir=train", f"--size={TRANSLATE_SIZE}",
        f"--num_layers={TRANSLATE_LAYERS}", "--batch_size=16", "--num_samples=8",
        f"--max_train_steps={TRANSLATE_STEPS}", "--steps_per_checkpoint=20",
    ], cwd)
    return cwd, proc


# Sentences for --decode: buckets 0 and 1, one word unknown to the vocabulary,
# and one longer than the largest bucket (truncated by the script).
DECODE_INPUT = ["one two", "three four five six", "seven banana", "zero",
                "nine eight seven six five four three"]


@pytest.fixture(scope="module")
def translate_decode(translate_train):
    cwd, _ = translate_train
    return _run(TRANSLATE, [
        "--data_dir=data", "--train_dir=train", f"--size={TRANSLATE_SIZE}",
        f"--num_layers={TRANSLATE_LAYERS}", "--num_samples=8", "--decode",
    ], cwd, stdin="\n".join(DECODE_INPUT) + "\n")


@pytest.fixture(scope="module")
def char_rnn_train(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("char_rnn")
    proc = _run(CHAR_TRAIN, [
        "--data_dir", CHAR_DATA, "--save_dir", "save", "--log_dir", "logs",
        "--rnn_size", CHAR_RNN_SIZE,
        "--num_layers", CHAR_LAYERS, "--batch_size", 8, "--seq_length", 16, "--num_epochs", 8,
    ], cwd)
    return cwd, proc


SAMPLE_LENGTH = 50
SAMPLE_PRIME = "the boat "


@pytest.fixture(scope="module")
def char_rnn_sample(char_rnn_train):
    cwd, _ = char_rnn_train
    return _run(CHAR_SAMPLE, ["--save_dir", "save", "-n", SAMPLE_LENGTH,
                              "--prime", SAMPLE_PRIME], cwd)


# Some of the script's built-in training pairs.
TRAINED_PAIRS = {
    "hello there": "hi how are you", "hi": "hello friend", "how are you": "i am fine thank you",
    "what is your name": "my name is bot", "who are you": "i am a small bot",
    "do you like tea": "yes i like tea", "do you like coffee": "no i like tea",
    "what do you do": "i answer questions", "where do you live": "i live in a computer",
    "are you happy": "yes i am happy", "good night": "good night friend",
    "thank you": "you are welcome", "bye": "bye see you soon",
    "see you later": "see you soon friend",
}
CHAT_QUESTIONS = ["hello there", "what is your name", "do you like tea"]


@pytest.fixture(scope="module")
def chatbot_run(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("chatbot")
    proc = _run(CHATBOT, [
        "--save_dir=save", f"--steps={CHATBOT_STEPS}", f"--hidden_size={CHATBOT_HIDDEN}",
        f"--embedding_size={CHATBOT_EMBEDDING}", "--questions=" + ";".join(CHAT_QUESTIONS),
    ], cwd)
    return cwd, proc


# ----------------------------------------------------------------------------- training

def _first_and_last_losses(model, proc):
    """(mean of the first few printed losses, mean of the last few, number printed)."""
    if model == "translate":
        losses = _floats(r"^step \d+ bucket \d+ loss ([\d.]+)$", proc.stdout)
        window = 10
    elif model == "char_rnn":
        losses = _floats(r"^\d+/\d+ \(epoch \d+\), train_loss = ([\d.]+),", proc.stdout)
        window = 5
    else:
        losses = _floats(r"^step \d+ loss ([\d.]+)$", proc.stdout)
        window = 1
    return sum(losses[:window]) / window, sum(losses[-window:]) / window, len(losses)


@pytest.mark.parametrize("model,fixture,printed,ratio", [
    ("translate", "translate_train", TRANSLATE_STEPS, 0.9),
    ("char_rnn", "char_rnn_train", 8 * 9, 0.85),  # 8 epochs of 9 batches of 8 x 16 characters
    ("chatbot", "chatbot_run", 1 + CHATBOT_STEPS // 10, 0.3),
])
def test_training_loss_decreases(request, model, fixture, printed, ratio):
    _, proc = request.getfixturevalue(fixture)
    first, last, count = _first_and_last_losses(model, proc)
    assert count == printed, proc.stdout
    assert last < ratio * first, f"loss went from {first:.4f} to {last:.4f}\n{proc.stdout}"


def test_translate_prints_checkpoint_summaries(translate_train):
    _, proc = translate_train
    steps = [int(s) for s in re.findall(r"^global step (\d+) learning rate", proc.stdout, re.M)]
    assert steps == [20, 40, 60]
    summaries = _floats(r"^global step \d+ .* loss ([\d.]+) perplexity", proc.stdout)
    assert summaries[-1] < summaries[0]
    # One evaluation line per bucket after each checkpoint.
    assert len(re.findall(r"^  eval: bucket [01] perplexity", proc.stdout, re.M)) == 6


@pytest.mark.parametrize("model", ["translate", "char_rnn", "chatbot"])
def test_checkpoint_has_tf115_variable_names(request, model):
    if model == "translate":
        cwd, _ = request.getfixturevalue("translate_train")
        directory, expected = cwd / "train", expected_translate_checkpoint()
        for vocab_file in ("vocab.en", "vocab.es"):
            assert len((cwd / "data" / vocab_file).read_text().split()) == TRANSLATE_VOCAB
        # One checkpoint per --steps_per_checkpoint, named by global step.
        assert tf.train.latest_checkpoint(str(directory)).endswith("translate.ckpt-60")
    elif model == "char_rnn":
        cwd, _ = request.getfixturevalue("char_rnn_train")
        directory = cwd / "save"
        with open(directory / "config.pkl", "rb") as f:
            vocab = pickle.load(f).vocab_size
        assert vocab == len(set((CHAR_DATA / "input.txt").read_text(encoding="utf-8")))
        expected = expected_char_rnn_checkpoint(vocab)
        assert tf.train.latest_checkpoint(str(directory)).endswith("model.ckpt-72")
    else:
        cwd, _ = request.getfixturevalue("chatbot_run")
        directory = cwd / "save"
        vocab = len((directory / "vocab.txt").read_text().splitlines())
        words = {w for pair in TRAINED_PAIRS.items() for text in pair for w in text.split()}
        assert vocab == 4 + len(words)
        expected = expected_chatbot_checkpoint(vocab)
        assert tf.train.latest_checkpoint(str(directory)).endswith(f"chatbot.ckpt-{CHATBOT_STEPS}")
    found = _checkpoint_shapes(directory)
    assert sorted(set(found) - set(expected)) == [], "unexpected variables"
    assert sorted(set(expected) - set(found)) == [], "missing variables"
    assert found == expected


def test_translate_checkpoint_global_step_counts_every_update(translate_train):
    cwd, _ = translate_train
    reader = tf.train.load_checkpoint(str(cwd / "train"))
    assert reader.get_tensor("global_step") == TRANSLATE_STEPS
    assert reader.get_tensor("learning_rate") == pytest.approx(0.5)


def test_char_rnn_summaries_match_printed_losses(char_rnn_train):
    cwd, proc = char_rnn_train
    printed = [(int(step), float(loss)) for step, loss in re.findall(
        r"^(\d+)/\d+ \(epoch \d+\), train_loss = ([\d.]+),", proc.stdout, re.M)]
    events = list((cwd / "logs").glob("events.out.tfevents.*"))
    assert len(events) == 1, os.listdir(cwd / "logs")
    scalars, histograms = {}, set()
    for event in tf.compat.v1.train.summary_iterator(str(events[0])):
        for value in event.summary.value:
            if value.tag == "train_loss":
                scalars[event.step] = value.simple_value
            elif value.HasField("histo"):
                histograms.add((value.tag, event.step))
    assert sorted(scalars) == [step for step, _ in printed]
    for step, loss in printed:
        assert scalars[step] == pytest.approx(loss, abs=6e-4), step
    assert histograms == {("logits", step) for step, _ in printed}


# ----------------------------------------------------------------------------- decoding

def _target_vocabulary(cwd):
    return (cwd / "data" / "vocab.es").read_text().split()


def test_translate_decode_restores_and_translates(translate_train, translate_decode):
    cwd, _ = translate_train
    vocabulary = _target_vocabulary(cwd)
    assert len(vocabulary) == TRANSLATE_VOCAB
    lines = translate_decode.stdout.splitlines()
    assert lines[0] == "Reading model parameters from train/translate.ckpt-60"
    assert lines[-2] == "Sentence truncated: " + DECODE_INPUT[-1]
    translations = lines[1:-2] + lines[-1:]
    assert len(translations) == len(DECODE_INPUT)
    for sentence, translation in zip(DECODE_INPUT, translations):
        words = translation.split()
        bucket = next((b for b in TRANSLATE_BUCKETS if b[0] > len(sentence.split())),
                      TRANSLATE_BUCKETS[-1])
        # Cut at the first _EOS, so at most one word per decoder step.
        assert len(words) <= bucket[1], (sentence, translation)
        assert set(words) <= set(vocabulary) - {"_EOS"}, (sentence, translation)
    spanish = set(vocabulary[4:])
    assert any(set(t.split()) & spanish for t in translations), translations


def test_char_rnn_sample_prints_requested_length(char_rnn_train, char_rnn_sample):
    cwd, _ = char_rnn_train
    with open(cwd / "save" / "chars_vocab.pkl", "rb") as f:
        chars, vocab = pickle.load(f)
    assert sorted(vocab.values()) == list(range(len(chars)))
    out = char_rnn_sample.stdout
    assert out.endswith("\n")
    text = out[:-1]
    assert text.startswith(SAMPLE_PRIME)
    assert len(text) == len(SAMPLE_PRIME) + SAMPLE_LENGTH, repr(out)
    assert set(text) <= set(chars), repr(out)
    # Sampled, not a constant: several different characters come out.
    assert len(set(text[len(SAMPLE_PRIME):])) >= 3, repr(out)


def test_chatbot_answers_from_restored_graph(chatbot_run):
    cwd, proc = chatbot_run
    vocabulary = (cwd / "save" / "vocab.txt").read_text().split()
    words = set(vocabulary[4:])
    # In the training graph, the feed_previous copy sharing the weights.
    in_graph = dict(re.findall(r"^eval> (.*) => (.*)$", proc.stdout, re.M))
    assert len(in_graph) == 14, proc.stdout
    learnt = int(re.search(r"^learnt (\d+) of 14 answers$", proc.stdout, re.M).group(1))
    assert learnt == sum(in_graph[q] == a for q, a in TRAINED_PAIRS.items())
    assert learnt >= 7, proc.stdout
    # The separately built graph restored from the checkpoint.
    assert re.search(rf"^restoring save/chatbot\.ckpt-{CHATBOT_STEPS}$", proc.stdout, re.M)
    dialogue = re.findall(r"^> (.*)\nbot: (.*)$", proc.stdout, re.M)
    assert [q for q, _ in dialogue] == CHAT_QUESTIONS
    for question, answer in dialogue:
        assert len(answer.split()) < CHATBOT_DECODER_LENGTH, answer
        assert set(answer.split()) <= words, answer
        # Same weights, same graph structure: the same answer as before saving.
        assert answer == in_graph[question], (question, answer, in_graph[question])
    right = sum(answer == TRAINED_PAIRS[q] for q, answer in dialogue)
    assert right >= 2, dialogue


# ----------------------------------------------------------------------------- self-test

def test_translate_self_test_through_console_script(tmp_path):
    script = _console_script()
    if script is None:
        missing_reference(f"the {CONSOLE_SCRIPT} console script is not installed")
    proc = _run(TRANSLATE, ["--self_test"], tmp_path, command=[script])
    losses = _floats(r"^self-test step \d bucket [01] loss ([\d.]+)$", proc.stdout)
    assert len(losses) == 6, proc.stdout
    assert "self-test forward pass: 5 outputs of shape (8, 16)" in proc.stdout
    assert proc.stdout.rstrip().endswith("Self-test passed.")
    # The self-test writes nothing: no data, no checkpoint.
    assert os.listdir(tmp_path) == []
