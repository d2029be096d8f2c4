"""The discussion's sentences (``lib.discussion``): each one that states an order, a count or a verdict is fed a
build's results changed so that it flips, and follows."""

import copy

import pandas as pd
import pytest

from lib import discussion, labels, results_files, study

BASELINES = pd.Series({labels.ALL_BLACK: 0.16, labels.UNCORRECTED: 0.08, labels.MEAN_IMAGE: 0.11})


@pytest.fixture
def built(smoke_build):
    """The smoke build's results table and summary, as notebook 12 reads them."""
    assert smoke_build.run.returncode == 0, smoke_build.run.stderr[-3000:]
    folder = smoke_build.artifact_dir
    return results_files.read_table(folder), results_files.read_final(folder)


def discussed(table, final):
    return discussion.Discussion(table, final, BASELINES, "smoke")


def test_the_collapse_count_follows_the_table(built):
    table, final = built
    table = table.assign(collapsed=False, verdict="learned", **{labels.VAL_MSE: 0.05})
    table.loc[["0", "4"], ["collapsed", "verdict"]] = [True, labels.ALL_BLACK]
    table.loc["7", labels.VAL_MSE] = 0.09  # learned, yet no better than the uncorrected input's 0.08
    text = discussed(table, final).collapse_text()
    assert f"2 of {len(table)} models collapsed (0 (all black), 4 (all black))" in text
    assert f"and {len(table) - 3} of the other {len(table) - 2} beat the uncorrected input's validation MSE" in text
    table.loc["4", ["collapsed", "verdict"]] = [False, "learned"]
    assert "1 of 25 models collapsed (0 (all black))" in discussed(table, final).collapse_text()


def test_the_spatial_codes_lead_or_not_as_the_ranks_say(built):
    table, final = built
    final = copy.deepcopy(final)
    read = final["readability"][labels.READ]
    table = table.assign(**{labels.VAL_MSE: 0.05})
    table.loc[["2", "3"], labels.VAL_MSE] = [0.01, 0.02]
    read.update({model_id: 10.0 for model_id in read} | {"2": 60.0, "3": 50.0})
    judged = discussed(table, final)
    judged.noise = {
        labels.VAL_MSE: {},
        "read": dict.fromkeys(("baseline", "deep", "sweep", "light", "regularised"), 5.0),
    }
    text = judged.spatial_code_text()
    assert text.startswith("The seed's models with a spatial code are models 2, 3. By validation MSE they rank 1, 2")
    assert "by readability on the test images 1, 2. They lead the seed's models on both" in text
    assert "over the next (model" in text and "is 40.0 points, beyond the noise of their families (5.00" in text
    read.update({"12": 48.0})  # ahead of the next by 2 points: within the noise
    judged = discussed(table, final)
    judged.noise = {
        labels.VAL_MSE: {},
        "read": dict.fromkeys(("baseline", "deep", "sweep", "light", "regularised"), 5.0),
    }
    assert "(model 12) is 2.0 points, within the noise of their families" in judged.spatial_code_text()
    read["12"] = 70.0
    assert "They do not lead the seed's models on both" in discussed(table, final).spatial_code_text()


def test_bottleneck_widths_within_the_sweeps_noise_of_the_best_are_named(built):
    table, final = built
    table = table.assign(**{labels.VAL_MSE: 0.06})
    table.loc[["5", "6", "7", "8", "8.1"], labels.VAL_MSE] = [0.0739, 0.0780, 0.0652, 0.0660, 0.0677]
    judged = discussed(table, final)
    judged.noise = {
        labels.VAL_MSE: {family: 0.0088 for family in ("sweep", "deep", "baseline", "regularised", "light")}
    }
    text = judged.design_text()
    assert "the lowest validation MSE is at 7 units (model 7, 0.0652)" in text
    assert "Within the sweep's noise (0.0088) of it: 4, 5, 6 units, so this sweep does not rank those widths" in text
    judged.noise = {
        labels.VAL_MSE: {family: 0.0001 for family in ("sweep", "deep", "baseline", "regularised", "light")}
    }
    assert "Every other width is worse beyond the sweep's noise (0.0001)." in judged.design_text()


def test_depth_agrees_with_the_seed_only_where_a_deep_family_is_best(built):
    table, final = built
    table = table.assign(**{labels.VAL_MSE: 0.06})
    table.loc["12", labels.VAL_MSE] = 0.03
    assert 'This agrees with the seed\'s "deeper is better"' in discussed(table, final).design_text()
    table.loc["3", labels.VAL_MSE] = 0.02
    text = discussed(table, final).design_text()
    assert "the best here is *baseline* (model 3" in text and "does not confirm" in text


def test_the_initialiser_remark_follows_the_light_familys_noise(built):
    table, final = built
    final = copy.deepcopy(final)
    runs = final["family runs"]
    for name, run in runs.items():
        run[labels.VAL_MSE] = 0.05 + (0.004 if name.endswith("run 2") else 0.0)
    light = [name for name, run in runs.items() if run["family"] == discussion.HE_UNIFORM]
    for name in light:
        runs[name][labels.VAL_MSE] = 0.05 + (0.001 if name.endswith("run 2") else 0.0)
    assert "the least of the seed's families, as the seed expected" in discussed(table, final).noise_text()
    runs[light[-1]][labels.VAL_MSE] = 0.06
    assert (
        "not the least of the seed's families, so this build does not confirm" in discussed(table, final).noise_text()
    )


def test_blur_is_said_where_the_edge_contrast_falls(built):
    table, final = built
    final = copy.deepcopy(final)
    edges = final["headline"][final["best seed name"]][labels.EDGE_CONTRAST]
    edges["overall"] = 70.0
    assert f"Model {final['best seed model']} blurs" in discussed(table, final).blur_text()
    edges["overall"] = 98.0
    assert "is about as sharp as the originals" in discussed(table, final).blur_text()


def test_a_comparison_beyond_noise_and_the_paired_test_is_said_so(built):
    table, final = built
    noise = {labels.VAL_MSE: {}, "read": {family: 1.0 for family in ("baseline", "u-net")}}
    judged = discussed(table, final)
    judged.noise = noise  # the cached property, set: the noise this comparison is judged on
    compared = {"changed": "20", "baseline": "3", "what differs": ["x"], "read difference": 4.0, "McNemar p": 0.01}
    assert "more readable beyond noise" in judged.comparison_line("A", compared)
    assert "within noise" in judged.comparison_line("A", {**compared, "McNemar p": 0.2})
    assert "within noise" in judged.comparison_line("A", {**compared, "read difference": 0.5})
    assert "less readable beyond noise" in judged.comparison_line("A", {**compared, "read difference": -4.0})
    assert study.read_noise(noise, "20", "3") == 1.0
