import numpy as np
import pytest

from lib import evaluation
from lib.experiment import Split


@pytest.fixture
def split():
    rng = np.random.default_rng(0)
    clean = (rng.random((50, 28, 28)) < 0.2).astype(np.float32)
    corrupted = np.clip(clean + rng.normal(0, 0.2, clean.shape), 0, 1).astype(np.float32)
    return Split(clean, corrupted, np.arange(50) % 5, np.zeros(50, dtype=int))


def test_an_all_black_output_is_called_collapsed(split):
    collapsed, reason = evaluation.collapse_verdict(np.zeros_like(split.clean), split.clean)
    assert collapsed and "all-black" in reason


def test_an_output_that_ignores_the_input_is_called_collapsed(split):
    mean_image = np.broadcast_to(split.clean.mean(axis=0), split.clean.shape)
    collapsed, reason = evaluation.collapse_verdict(mean_image, split.clean)
    assert collapsed and "barely depend on the input" in reason


def test_a_faithful_output_is_called_learned(split):
    collapsed, reason = evaluation.collapse_verdict(split.corrupted, split.clean)
    assert not collapsed and reason.startswith("learned")


def test_mse_table_scores_every_method_overall_and_per_family(split):
    table = evaluation.mse_table(evaluation.baseline_predictions(split, split.clean.mean(axis=0)), split)
    assert table.loc["all black", "overall"] == pytest.approx(np.mean(split.clean.astype(float) ** 2))
    identity = np.mean((split.corrupted.astype(float) - split.clean) ** 2, axis=(1, 2))
    assert table.loc["identity (corrupted input)", "flip"] == pytest.approx(identity[2::5].mean())
    assert list(table.columns) == ["overall", "gaussian_noise", "rotation", "flip", "black_patches", "brightness"]


def test_ranked_examples_pick_best_median_and_worst():
    assert evaluation.ranked_examples(np.array([0.3, 0.1, 0.5, 0.2, 0.4])) == {"best": 1, "median": 0, "worst": 2}
