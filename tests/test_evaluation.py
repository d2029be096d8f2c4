import dataclasses

import numpy as np
import pytest

from lib import backend, corruptions, evaluation, labels
from lib.corruptions import FAMILIES
from lib.profiles import Split


@pytest.fixture
def split():
    rng = np.random.default_rng(0)
    clean = (rng.random((50, 28, 28)) < 0.2).astype(np.float32)
    corrupted = np.clip(clean + rng.normal(0, 0.2, clean.shape), 0, 1).astype(np.float32)
    return Split(clean, corrupted, np.arange(50) % 5, np.zeros(50, dtype=int))


def verdict_on(outputs, split, mean_image, accuracy=None):
    """The collapse verdict on ``outputs``, unread, or read with ``accuracy`` (%) right."""
    measured = evaluation.measure(outputs, split)
    if accuracy is not None:
        reads_right = np.arange(len(split)) < accuracy / 100 * len(split)
        measured = dataclasses.replace(measured, read=np.where(reads_right, split.labels, split.labels + 1))
    return evaluation.collapse_verdict(measured, split, mean_image)


def test_an_all_black_output_is_called_collapsed(split):
    verdict = verdict_on(np.zeros_like(split.clean), split, split.clean.mean(axis=0))
    assert verdict.collapsed and verdict.kind == labels.ALL_BLACK and "all-black" in verdict.reason
    black = np.mean(split.clean.astype(np.float64) ** 2)
    assert f"(the rule: an MSE of at least 95% of it, here {0.95 * black:.4f})" in verdict.reason


def test_an_output_that_ignores_the_input_is_called_collapsed(split):
    mean_image = np.broadcast_to(split.clean.mean(axis=0), split.clean.shape)
    verdict = verdict_on(mean_image, split, split.clean.mean(axis=0))
    assert verdict.collapsed and verdict.kind == "constant" and "barely depend on the input" in verdict.reason
    assert "the rule: under 0.1)" in verdict.reason


def test_an_output_no_better_than_the_mean_image_is_called_collapsed(split):
    # Varied enough not to count as constant, yet as far from the clean images as the mean image is.
    mean_image = split.clean.mean(axis=0)
    noisy = np.clip(mean_image + np.random.default_rng(1).normal(0, 0.1, split.clean.shape), 0, 1).astype(np.float32)
    verdict = verdict_on(noisy, split, mean_image)
    assert evaluation.output_spread(noisy, split.clean) >= evaluation.MIN_OUTPUT_SPREAD
    assert verdict.collapsed and verdict.kind == "mean image" and labels.MEAN_IMAGE in verdict.reason
    assert "(the rule: an MSE of at least 95% of it, here " in verdict.reason


def test_an_output_read_at_chance_is_called_collapsed_and_one_read_above_it_is_not(split):
    mean_image = split.clean.mean(axis=0)
    at_chance = verdict_on(split.corrupted, split, mean_image, accuracy=12.0)
    assert at_chance.collapsed and at_chance.kind == "read at chance" and "12.0%" in at_chance.reason
    assert at_chance.reason.endswith("(the rule: at most 15%)")
    read = verdict_on(split.corrupted, split, mean_image, accuracy=40.0)
    assert not read.collapsed and read.kind == "learned" and "read 40.0%" in read.reason


def test_a_faithful_output_is_called_learned(split):
    verdict = verdict_on(split.clean * 0.95, split, split.clean.mean(axis=0))
    assert not verdict.collapsed and verdict.reason.startswith("learned")
    assert "for the uncorrected input," in verdict.reason


def test_a_model_that_learned_but_does_not_beat_the_uncorrected_input_is_told_so(split):
    verdict = verdict_on(split.corrupted, split, split.clean.mean(axis=0))
    assert not verdict.collapsed and "no better than handing the input back" in verdict.reason


def test_mcnemars_test_weighs_only_the_images_read_differently():
    same = np.array([True] * 50 + [False] * 50)
    assert evaluation.mcnemar_p(same, same) == 1.0
    # 10 images read right only one way, none only the other: p = 2 / 2**10.
    better = same.copy()
    better[50:60] = True
    assert evaluation.mcnemar_p(better, same) == pytest.approx(2 / 2**10)
    assert evaluation.mcnemar_p(same, better) == evaluation.mcnemar_p(better, same)
    # 6 against 4 of 10 discordant images: as likely as a fair coin (exact binomial, two-sided).
    mixed = same.copy()
    mixed[50:56], mixed[:4] = True, False
    assert evaluation.mcnemar_p(mixed, same) == pytest.approx(0.75390625)


def test_the_recovered_share_is_the_part_of_the_lost_readability_won_back():
    clean, uncorrected = {"overall": 90.0, "flip": 90.0, "noise": 80.0}, {"overall": 50.0, "flip": 30.0, "noise": 80.0}
    share = evaluation.recovered_share({"overall": 70.0, "flip": 20.0, "noise": 85.0}, uncorrected, clean)
    assert share["overall"] == pytest.approx(0.5)
    assert share["flip"] == pytest.approx(-1 / 6)  # correcting made it worse
    assert np.isnan(share["noise"])  # corruption cost nothing there


def upright_reader():
    """A reader confident of class 1 only where the bright pixel sits at the top left, unsure otherwise."""
    keras, ops = backend.keras, backend.keras.ops

    def read(images):
        top_left = ops.cast(images[:, 0, 0, 0] > 0.5, "float32")
        return ops.stack([0.6 - 0.5 * top_left, 0.4 + 0.5 * top_left], axis=1)

    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Lambda(read)])


def test_reading_over_undoings_keeps_the_most_confident_reading():
    reader = upright_reader()
    images = np.zeros((3, 28, 28), np.float32)
    images[0, 0, 0] = images[1, 0, -1] = images[2, -1, 0] = 1.0  # upright, flipped left-right, upside down
    readings = evaluation.undoing_probabilities(reader, images, angles=[0])
    assert evaluation.most_confident_reading(readings).tolist() == [1, 1, 1]
    assert evaluation.reader_probabilities(reader, images).argmax(axis=1).tolist() == [1, 0, 0]


def test_the_wilson_interval_matches_its_formula_and_stays_within_0_and_100():
    # 8 of 10: the score interval's closed form gives 49.02-94.33%, off-centre towards 50%, unlike 80 +- z*se.
    low, high = evaluation.wilson_interval(np.array([True] * 8 + [False] * 2))
    assert (low, high) == (pytest.approx(49.016, abs=1e-3), pytest.approx(94.332, abs=1e-3))
    assert evaluation.wilson_interval(np.ones(10, bool)) == (pytest.approx(72.247, abs=1e-3), pytest.approx(100.0))
    assert evaluation.wilson_interval(np.zeros(10, bool))[0] == 0.0
    wide, narrow = (evaluation.wilson_interval(np.arange(n) % 10 != 0) for n in (2_000, 10_000))
    assert narrow[1] - narrow[0] < wide[1] - wide[0] < 3.0  # 90% of 2,000 images: within about +-1.3 points


def test_read_intervals_are_per_answer_overall_and_per_family():
    family_ids = np.arange(20) % 5
    hits = np.arange(20) < 10  # families 0 and 1 are read right three times, the others twice
    intervals = evaluation.read_intervals({"answer": hits}, family_ids)["answer"]
    assert intervals["overall"] == evaluation.wilson_interval(hits)
    assert intervals["rotation"] == evaluation.wilson_interval(hits[family_ids == 1])
    assert list(intervals) == ["overall", *FAMILIES]


def test_the_recovered_shares_bootstrap_interval_holds_the_share_and_pins_the_ends():
    rng = np.random.default_rng(0)
    family_ids = np.arange(5_000) % 5
    clean = rng.random(5_000) < 0.95
    uncorrected = clean & (rng.random(5_000) < 0.7)
    half_way = np.where(rng.random(5_000) < 0.5, clean, uncorrected)
    answers = {"all of it": clean, "none of it": uncorrected, "about half": half_way}
    intervals = evaluation.recovered_share_intervals(answers, uncorrected, clean, family_ids, np.random.default_rng(1))
    assert intervals["all of it"]["flip"] == (1.0, 1.0) and intervals["none of it"]["overall"] == (0.0, 0.0)
    low, high = intervals["about half"]["overall"]
    share = evaluation.recovered_share(
        *(evaluation.by_family(100.0 * hits, family_ids) for hits in (half_way, uncorrected, clean))
    )["overall"]
    assert low < share < high and 0.3 < low and high < 0.7
    lost_nothing = evaluation.recovered_share_intervals({"a": clean}, clean, clean, family_ids, rng)
    assert np.isnan(lost_nothing["a"]["overall"]).all()


def test_the_search_over_undoings_reads_only_the_geometric_families_images():
    """An oracle: every image is flipped left-right, and the reader reads class 1 only upright. The search
    finds the flip on the geometric families' images; every other image is read as it is, wrong."""
    reader = upright_reader()
    images = np.zeros((10, 28, 28), np.float32)
    images[:, 0, -1] = 1.0  # the mark at the top right: flipped left-right
    family_ids = np.arange(10) % 5
    readings = evaluation.undoing_readings(reader, Split(images, images, family_ids, np.ones(10, dtype=int)))
    geometric = np.isin(family_ids, [FAMILIES.index(family) for family in corruptions.GEOMETRIC_FAMILIES])
    assert geometric.sum() == 4 and readings["right"].tolist() == geometric.tolist()
    assert readings["any_right"].tolist() == geometric.tolist()


def test_the_searchs_bound_reads_right_where_any_undoing_does_and_the_search_may_not():
    """Class 1 is the answer; the reader reads class 0 most confidently as the image is (a mark at the bottom
    left), and class 1, less confidently, upside down: the search keeps the wrong reading, its bound the right one."""
    keras, ops = backend.keras, backend.keras.ops

    def read(images):
        bottom_left = ops.cast(images[:, -1, 0, 0] > 0.5, "float32")
        top_left = ops.cast(images[:, 0, 0, 0] > 0.5, "float32")
        return ops.stack([0.1 + 0.8 * bottom_left, 0.1 + 0.6 * top_left], axis=1)

    reader = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Lambda(read)])
    images = np.zeros((5, 28, 28), np.float32)
    images[:, -1, 0] = 1.0
    readings = evaluation.undoing_readings(reader, Split(images, images, np.arange(5), np.ones(5, dtype=int)))
    flip = FAMILIES.index("flip")
    assert not readings["right"][flip] and readings["any_right"][flip]
    assert not readings["any_right"][FAMILIES.index("gaussian_noise")]  # not searched: read as it is


def test_metric_table_scores_every_method_overall_and_per_family(split):
    mean_image = split.clean.mean(axis=0)
    measures = {name: evaluation.measure(make(split, mean_image), split) for name, make in evaluation.BASELINES.items()}
    table = evaluation.metric_table(measures, split)
    assert table.loc[labels.ALL_BLACK, "overall"] == pytest.approx(np.mean(split.clean.astype(float) ** 2))
    identity = np.mean((split.corrupted.astype(float) - split.clean) ** 2, axis=(1, 2))
    assert table.loc[labels.UNCORRECTED, "flip"] == pytest.approx(identity[2::5].mean())
    assert list(table.columns) == ["overall", "gaussian_noise", "rotation", "flip", "black_patches", "brightness"]


def test_ranked_examples_pick_best_median_and_worst():
    assert evaluation.ranked_examples(np.array([0.3, 0.1, 0.5, 0.2, 0.4])) == {"best": 1, "median": 0, "worst": 2}
    changed = np.array([True, False, True, True, True])  # image 1, the best, was left as it was by its corruption
    assert evaluation.ranked_examples(np.array([0.3, 0.1, 0.5, 0.2, 0.4]), changed) == {
        "best": 3,
        "median": 4,
        "worst": 2,
    }


def naive_median_filter(image, size=3):
    pad = size // 2
    padded = np.pad(image, pad, mode="symmetric")
    return np.array(
        [[np.median(padded[r : r + size, c : c + size]) for c in range(image.shape[1])] for r in range(image.shape[0])]
    )


def test_median_filter_matches_a_per_pixel_loop_and_removes_salt():
    images = np.random.default_rng(1).random((3, 28, 28)).astype(np.float32)
    filtered = evaluation.median_filter(images)
    assert filtered.dtype == np.float32 and filtered.shape == images.shape
    for image, result in zip(images, filtered):
        np.testing.assert_allclose(result, naive_median_filter(image), rtol=0, atol=1e-7)
    salt = np.zeros((1, 28, 28), np.float32)
    salt[0, 10, 10] = 1.0
    assert not evaluation.median_filter(salt).any()


@pytest.mark.parametrize("predicted", ["corrupted", "blurred", "empty", "unrelated"])
def test_ssim_gives_the_values_tf_image_ssim_gives(split, predicted):
    """The report's SSIM values stay those of tf.image.ssim (float32, so equal to about 1e-6)."""
    tf = pytest.importorskip("tensorflow")
    images = {
        "corrupted": split.corrupted,
        "blurred": evaluation.median_filter(split.corrupted),
        "empty": np.zeros_like(split.clean),
        "unrelated": split.clean[::-1],
    }[predicted]
    expected = tf.image.ssim(images[..., None], split.clean[..., None], max_val=1.0).numpy()
    np.testing.assert_allclose(evaluation.per_sample_ssim(images, split.clean), expected, atol=1e-5)


def test_psnr_and_ssim_rank_a_copy_above_noise_above_an_empty_image(split):
    noisy = np.clip(split.clean + np.random.default_rng(2).normal(0, 0.1, split.clean.shape), 0, 1)
    empty = np.zeros_like(split.clean)
    for metric in (evaluation.per_sample_psnr, evaluation.per_sample_ssim):
        copy_score, noisy_score, empty_score = (metric(x, split.clean).mean() for x in (split.clean, noisy, empty))
        assert copy_score > noisy_score > empty_score
    assert evaluation.per_sample_ssim(split.clean, split.clean) == pytest.approx(np.ones(len(split.clean)))
    assert evaluation.per_sample_psnr(split.clean, split.clean)[0] == 100.0
    mse = evaluation.per_sample_mse(noisy, split.clean)
    np.testing.assert_allclose(evaluation.per_sample_psnr(noisy, split.clean), -10 * np.log10(mse))


def test_sharpness_falls_with_blur(split):
    blurred = (split.clean + np.roll(split.clean, 1, axis=1) + np.roll(split.clean, 1, axis=2)) / 3
    assert evaluation.per_sample_sharpness(blurred).mean() < 0.8 * evaluation.per_sample_sharpness(split.clean).mean()
    assert not evaluation.per_sample_sharpness(np.ones((2, 28, 28))).any()


def test_quality_table_has_every_metric_per_family(split):
    table = evaluation.quality_table({"identity": evaluation.measure(split.corrupted, split)}, split)
    assert list(table.columns.levels[0]) == sorted(evaluation.METRICS)
    assert table.loc["identity", (labels.MSE, "overall")] == pytest.approx(
        evaluation.per_sample_mse(split.corrupted, split.clean).mean()
    )


def fixed_classifier():
    """A Keras model that reads class 0 for images with a bright top-left pixel and 1 otherwise."""
    keras, ops = backend.keras, backend.keras.ops

    def read(images):
        first = ops.cast(images[:, 0, 0, 0] > 0.5, "float32")
        return ops.stack([first, 1 - first], axis=1)

    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Lambda(read)])


def identity_model():
    """A Keras model whose output is its input."""
    return backend.keras.Sequential([backend.keras.Input((28, 28, 1)), backend.keras.layers.Identity()])


def test_edge_contrast_is_100_for_the_clean_images_and_falls_with_blur(split):
    assert evaluation.edge_contrast(evaluation.measure(split.clean, split), split).tolist() == pytest.approx(
        [100.0] * 6
    )
    blurred = (split.clean + np.roll(split.clean, 1, axis=1) + np.roll(split.clean, 1, axis=2)) / 3
    assert (evaluation.edge_contrast(evaluation.measure(blurred, split), split) < 80).all()


def test_headline_table_sets_methods_side_by_side_on_every_measure(split):
    outputs = {"copy": split.clean, "input": split.corrupted}
    table = evaluation.headline_table(
        {name: evaluation.measure(images, split, fixed_classifier()) for name, images in outputs.items()}, split
    )
    assert list(table.columns) == ["copy", "input"]
    assert list(table.index.get_level_values(0).unique()) == list(evaluation.HEADLINE_METRICS)
    assert table.loc[(labels.MSE, "overall"), "copy"] == 0 and table.loc[
        (labels.SSIM, "flip"), "copy"
    ] == pytest.approx(1)
    assert table.loc[(labels.EDGE_CONTRAST, "overall"), "copy"] == pytest.approx(100)
    assert table.loc[(labels.MSE, "rotation"), "input"] == pytest.approx(
        evaluation.per_sample_mse(split.corrupted, split.clean)[1::5].mean()
    )
    # fixed_classifier reads class 0 where the top-left pixel is bright; every label here is 0.
    bright = split.clean[:, 0, 0] > 0.5
    assert table.loc[(labels.READ, "overall"), "copy"] == pytest.approx(100 * bright.mean())


def test_severity_and_pairs_tables_score_the_input_and_each_model(split):
    from lib.corruptions import PAIR_NAMES

    def measured(split):
        copied = evaluation.reconstruct(identity_model(), split.corrupted)
        return {
            labels.UNCORRECTED: evaluation.measure(split.corrupted, split, fixed_classifier()),
            "copy": evaluation.measure(copied, split, fixed_classifier()),
        }

    table = evaluation.severity_table({1: measured(split), 4: measured(split)}, {1: split, 4: split})
    assert list(table.index) == [1, 4]
    assert list(table.columns) == [
        (labels.MSE, labels.UNCORRECTED),
        (labels.MSE, "copy"),
        (labels.READ, labels.UNCORRECTED),
        (labels.READ, "copy"),
    ]
    assert table.loc[4, (labels.MSE, "copy")] == table.loc[4, (labels.MSE, labels.UNCORRECTED)] > 0
    pairs_split = Split(split.clean, split.corrupted, np.arange(50) % 10, split.labels)
    pairs = evaluation.pairs_table(measured(pairs_split), pairs_split)
    assert list(pairs.index) == ["overall", *PAIR_NAMES]
    assert pairs.loc[PAIR_NAMES[3], (labels.MSE, "copy")] == pytest.approx(
        evaluation.per_sample_mse(split.corrupted, split.clean)[3::10].mean()
    )


def test_as_tree_nests_column_levels_then_row_levels():
    import pandas as pd

    frame = pd.DataFrame({(labels.MSE, "a"): {1: 0.5, 2: 0.25}, (labels.MSE, "b"): {1: 1.0, 2: 2.0}})
    assert evaluation.as_tree(frame) == {labels.MSE: {"a": {"1": 0.5, "2": 0.25}, "b": {"1": 1.0, "2": 2.0}}}
