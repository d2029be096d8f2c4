"""Computed sentences: each one that states an order or a count is fed constructed results where the order or
the count flips, and follows."""

import copy
import re

import pandas as pd

from lib import abstract, labels, notebook, readme_results, results_files, study
from lib.corruptions import FAMILIES


def damage_table(uncorrected, all_black=0.15):
    """Rows overall and each family (``uncorrected``: family -> MSE), as notebook 02's table has them."""
    rows = {"overall": sum(uncorrected.values()) / len(uncorrected), **uncorrected}
    return pd.DataFrame({labels.UNCORRECTED: rows, labels.ALL_BLACK: dict.fromkeys(rows, all_black)})


def test_the_corruption_costs_are_named_in_their_order_and_the_families_worse_than_all_black_follow():
    costs = dict(zip(FAMILIES, (0.018, 0.16, 0.17, 0.017, 0.05)))
    text = notebook.corruption_cost_text(damage_table(costs))
    assert text.startswith(
        "From the costliest family to the cheapest, by the MSE it leaves: flip 0.1700, rotation 0.1600, brightness "
        "0.0500, gaussian noise 0.0180, black patches 0.0170; the costliest leaves 10 times"
    )
    assert "On flip and rotation, handing the input back scores worse than the all-black image" in text
    flipped = dict(zip(FAMILIES, (0.14, 0.02, 0.01, 0.017, 0.05)))
    text = notebook.corruption_cost_text(damage_table(flipped))
    assert (
        "by the MSE it leaves: gaussian noise 0.1400, brightness 0.0500, rotation 0.0200, black patches 0.0170, flip"
        in text
    )
    assert text.endswith("On every family, handing the input back scores better than the all-black image.")


def ablation_table(after_first_epoch, verdicts=None):
    """``study.batch_ablation_table``'s columns that the prediction reads: (model, size) -> MSE after epoch 1."""
    rows = {
        key: {"val MSE after epoch 1": mse, "verdict": (verdicts or {}).get(key, "learned")}
        for key, mse in after_first_epoch.items()
    }
    return pd.DataFrame(rows).T.rename_axis(["model", "batch size"])


def test_the_batch_size_prediction_is_judged_per_model_and_said_as_it_came_out():
    worse_at_512 = {("3", 128): 0.07, ("3", 512): 0.15, ("12", 128): 0.15, ("12", 512): 0.14}
    held = study.moving_statistics_prediction(ablation_table(worse_at_512))
    assert held == {"3": True, "12": False}
    assert notebook.moving_statistics_text(held).endswith(
        "holds for model 3 and fails for model 12: there, the moving statistics did not hold the larger batch back "
        "at first."
    )
    collapsed = ablation_table(worse_at_512, {("12", 512): "constant"})
    assert notebook.moving_statistics_text(study.moving_statistics_prediction(collapsed)).endswith(
        "holds for models 3, 12."
    )
    better_at_512 = {("3", 128): 0.15, ("3", 512): 0.07, ("12", 128): 0.15, ("12", 512): 0.14}
    assert "fails for every model (models 3, 12)" in notebook.moving_statistics_text(
        study.moving_statistics_prediction(ablation_table(better_at_512))
    )


PUBLISHED = readme_results.PUBLISHED_RESULTS


def test_the_abstract_states_the_builds_own_headline_within_its_word_limit():
    table, final = results_files.read_table(PUBLISHED), results_files.read_final(PUBLISHED)
    text = abstract.abstract(table, final)
    best = final["final model"]
    assert len(text.split()) <= abstract.MAX_WORDS
    assert f"it reads **{final['readability'][labels.READ][best]:.1f}%**" in text
    clean = final["headline"][labels.CLEAN][labels.READ]["overall"]
    assert f"reads {clean:.1f}% of the clean images" in text


def test_the_abstracts_counts_and_orders_follow_constructed_results():
    table, final = results_files.read_table(PUBLISHED), results_files.read_final(PUBLISHED)
    uncorrected = final["headline"][labels.UNCORRECTED][labels.READ]["overall"]
    changed = copy.deepcopy(final)
    read = changed["readability"][labels.READ]
    for model_id in ("5", "12"):
        read[model_id] = uncorrected + 1
    read["3"] = uncorrected - 1
    verdicts = changed["test verdicts"]
    verdicts["0"]["verdict"] = "learned"
    text = abstract.abstract(table, changed)
    readable = [m for m in ("2", "5", "12") if read[m] > uncorrected]
    assert f"{len(readable)} of the seed's 21 models make the characters more readable than the uncorrected " in text
    assert f"({study.models_text(readable)})" in text
    assert f"model 12, reads {uncorrected + 1:.1f}%, more than the uncorrected input" in text
    collapsed = [m for m in table.index if verdicts[m]["verdict"] != "learned"]
    assert f"{len(collapsed)} of the 25 models collapsed ({study.models_text(collapsed)})" in text
    changed["headline"][labels.CLEAN][labels.READ]["overall"] = read[final["final model"]] - 0.5
    assert "0.5 points above clean" in abstract.abstract(table, changed)


def test_the_readme_and_the_report_agree_on_the_headline_and_the_collapse_count():
    table, final = results_files.read_table(PUBLISHED), results_files.read_final(PUBLISHED)
    report_text, readme_text = abstract.abstract(table, final), readme_results.section(PUBLISHED)
    best = final["final model"]
    best_read = f"{final['readability'][labels.READ][best]:.1f}%"
    assert best_read in report_text and f"**{best_read[:-1]}%** after model {best}" in readme_text
    collapsed = re.search(r"(\d+) of the \d+ models collapsed \((models? [\d., ]+)\)", report_text)
    assert f"**Collapse**: {collapsed.group(2)} collapsed" in readme_text
