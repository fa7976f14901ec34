"""The current library reproduces the numbers of the baseline revision.

tests/data/baseline_numbers.npz was computed by make_baseline_numbers.py with
the straightforward step-by-step implementation (commit BASELINE_COMMIT) for
every configuration of baseline_models.py. Each configuration is built here
again with the current library and the same weights; its variables (names,
shapes, trainable), the static shapes of its outputs, every output step,
final state, attention distribution, loss and gradient must be those of the
baseline (within 1e-5). The 13 public signatures must not change either.
"""

import json

import baseline_models
import numpy as np
import pytest
from make_baseline_numbers import BASELINE_COMMIT, META_KEY, OUT, signatures

ATOL = 1e-5
RTOL = 1e-5

with np.load(OUT, allow_pickle=False) as _npz:
    BASELINE = {key: _npz[key] for key in _npz.files}
META = json.loads(str(BASELINE.pop(META_KEY)))


def baseline_arrays(name):
    """The baseline's fetched arrays of configuration `name`, by fetch key."""
    flat = BASELINE[name]
    arrays = {}
    offset = 0
    for key, shape in META["configs"][name]["arrays"]:
        size = int(np.prod(shape, dtype=np.int64))
        arrays[key] = flat[offset:offset + size].reshape(shape)
        offset += size
    assert offset == flat.size
    return arrays


def test_numbers_come_from_the_baseline_commit():
    assert META["baseline_commit"] == BASELINE_COMMIT


def test_every_configuration_has_baseline_numbers():
    assert sorted(META["configs"]) == sorted(baseline_models.CONFIGS)


def test_the_slow_configurations_exist():
    assert _SLOW_CONFIGS <= set(baseline_models.CONFIGS)


def test_public_signatures_are_the_baselines():
    assert signatures() == META["signatures"]


# The costliest configurations run with the slow tests; each has cheaper relatives here.
_SLOW_CONFIGS = {
    "embedding_tied_rnn_seq2seq/gru2/noproj/feed_tensor", "buckets/lstm2_repeated/default_loss",
    "one2many_rnn_seq2seq/feed_tensor", "buckets/gru1/default_loss", "buckets/gru3_repeated/proj",
}


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.slow) if name in _SLOW_CONFIGS else name
    for name in baseline_models.CONFIGS])
def test_numbers_match_the_baseline(name):
    expected_info = META["configs"][name]
    expected = baseline_arrays(name)
    actual, info = baseline_models.run_config(name)

    assert info["variables"] == expected_info["variables"]
    assert info["shapes"] == expected_info["shapes"]
    assert sorted(actual) == sorted(expected)
    mismatches = []
    for key in sorted(expected):
        got, want = actual[key], expected[key]
        assert got.dtype == np.float32, key
        assert got.shape == want.shape, key
        if not np.allclose(got, want, rtol=RTOL, atol=ATOL):
            mismatches.append(f"{key}: max |diff| {np.max(np.abs(got - want)):.3g}")
    assert not mismatches, "\n".join(mismatches)
