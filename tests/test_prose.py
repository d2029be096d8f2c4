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
    assert held == {"3": (study.WORSE_AFTER_FIRST_EPOCH,), "12": ()}
    assert notebook.moving_statistics_text(held).endswith(
        "holds for model 3 (worse at 512 after the first epoch); it fails for model 12: there, the moving "
        "statistics did not hold the larger batch back at first."
    )
    collapsed = ablation_table(worse_at_512, {("12", 512): "constant"})
    assert notebook.moving_statistics_text(study.moving_statistics_prediction(collapsed)).endswith(
        "holds for model 3 (worse at 512 after the first epoch); for model 12 (only by collapsing at 512: after the "
        "first epoch, 512 validated better)."
    )
    both = ablation_table(worse_at_512, {("3", 512): "constant", ("12", 512): "constant"})
    assert "for model 3 (worse at 512 after the first epoch, and collapsed)" in notebook.moving_statistics_text(
        study.moving_statistics_prediction(both)
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
    assert f"reads {clean:.1f}% (95% interval " in text


def test_the_abstracts_counts_and_orders_follow_constructed_results():
    table, final = results_files.read_table(PUBLISHED), results_files.read_final(PUBLISHED)
    uncorrected = final["headline"][labels.UNCORRECTED][labels.READ]["overall"]
    changed = copy.deepcopy(final)
    read = changed["readability"][labels.READ]
    for model_id in ("5", "12"):
        read[model_id] = uncorrected + 1
    read["3"] = uncorrected - 1
    changed_table = table.copy()
    changed_table.loc["0", "collapsed"] = False
    text = abstract.abstract(changed_table, changed)
    readable = [m for m in ("2", "5", "12") if read[m] > uncorrected]
    assert f"{len(readable)} of the seed's 21 models make the characters more readable than the uncorrected " in text
    assert f"({study.models_text(readable)})" in text
    assert f"model 12, reads {uncorrected + 1:.1f}% (" in text
    assert "more than the uncorrected input in this run (its 3 runs fall on both sides)" in text
    collapsed = [m for m in table.index if changed_table.loc[m, "collapsed"]]
    assert "0" not in collapsed and len(collapsed) < int(table["collapsed"].sum())
    assert f"{len(collapsed)} of the 25 models collapsed, judged on the validation images " in text
    assert f"({study.models_text(collapsed)})" in text
    changed["headline"][labels.CLEAN][labels.READ]["overall"] = read[final["final model"]] - 0.5
    assert "0.5 points above clean" in abstract.abstract(table, changed)
    for model_id in readable:
        read[model_id] = uncorrected - 1
    assert "None of the seed's 21 models makes the characters more readable" in abstract.abstract(table, changed)


def test_the_readme_and_the_report_agree_on_the_headline_and_the_collapse_count():
    table, final = results_files.read_table(PUBLISHED), results_files.read_final(PUBLISHED)
    report_text, readme_text = abstract.abstract(table, final), readme_results.section(PUBLISHED)
    best = final["final model"]
    best_read = f"{final['readability'][labels.READ][best]:.1f}%"
    assert best_read in report_text and f"**{best_read} (" in readme_text and f")** after model {best}" in readme_text
    collapsed = re.search(
        r"(\d+) of the \d+ models collapsed, judged on the validation images \((models? [\d., ]+)\)", report_text
    )
    assert f"**Collapse**: {collapsed.group(2)} collapsed" in readme_text
    assert len(re.findall(r"[\d.]+", collapsed.group(2))) == int(collapsed.group(1)) == int(table["collapsed"].sum())


def robustness_tables(u_net_mild, model_12_mild, model_12_on_a_pair):
    """Severity and pairs tables as the final evaluation's file holds them, with three values to set."""
    reading = pd.DataFrame(
        {
            labels.UNCORRECTED: {"1": 80.0, "2": 77.0, "3": 70.0, "4": 62.0, "5": 52.0},
            "model 12": {"1": model_12_mild, "2": 69.0, "3": 68.0, "4": 65.0, "5": 54.0},
            "model 23": {"1": u_net_mild, "2": 92.4, "3": 92.9, "4": 91.6, "5": 86.0},
        }
    )
    mse = pd.DataFrame({name: {level: 0.01 * int(level) for level in reading.index} for name in reading.columns})
    pairs = pd.DataFrame(
        {
            labels.UNCORRECTED: {"overall": 48.0, "gaussian_noise + flip": 21.0, "rotation + flip": 20.0},
            "model 12": {"overall": 57.0, "gaussian_noise + flip": model_12_on_a_pair, "rotation + flip": 25.0},
            "model 23": {"overall": 62.0, "gaussian_noise + flip": 25.5, "rotation + flip": 24.5},
        }
    )
    return reading, mse, pairs


NOISE = {"read": {"u-net": 0.74, "deep": 3.75}}  # model 23's family and model 12's


def test_the_robustness_sentences_follow_the_tables_and_the_noise():
    text = notebook.robustness_text(*robustness_tables(89.5, 68.8, 51.9), "model 23", NOISE)
    assert "Model 23 reads less at severity 1 (89.5%) than at severity 3, where it was trained (92.9%)" in text
    assert "with 0.3 times the MSE" in text
    assert "Model 12 reads less than the uncorrected input at severities 1, 2, 3 (68.8% against 80.0%" in text
    assert "beyond the noise at 1, 2, where correcting harms reading" in text  # 3: 68.0 against 70.0, within
    assert (
        "model 12 reads more than model 23 on 2 of the 2 pairs, beyond the noise on 1 (gaussian noise + flip)" in text
    )
    text = notebook.robustness_text(*robustness_tables(92.5, 79.0, 27.0), "model 23", NOISE)
    assert "Model 23 reads mild damage about as well as the damage it was trained on." in text
    assert "Model 12 reads less than the uncorrected input at severities 1, 2, 3 (79.0% against 80.0%" in text
    assert "beyond the noise at 2, where" in text
    # 27.0 against 25.5 and 25.0 against 24.5: ahead, within the deep family's noise
    assert "model 12 reads more than model 23 on 2 of the 2 pairs, each by less than the noise." in text
    assert "0.74 points between runs of model 23, up to 3.75 between runs in the families of model 12." in text
    text = notebook.robustness_text(
        *robustness_tables(92.5, 79.0, 20.0), "model 23", {"read": {"u-net": 0.74, "deep": 20}}
    )
    assert (
        "at severities 1, 2, 3 (79.0% against 80.0% at severity 1): each time by less than the noise of its family"
        in text
    )
    assert "on 1 of the 2 pairs, each by less than the noise." in text
    reading, mse, pairs = robustness_tables(92.5, 79.0, 20.0)
    reading.loc[["2", "3"], "model 12"] = [78.0, 71.0]  # only severity 1 below the uncorrected input now
    text = notebook.robustness_text(reading, mse, pairs, "model 23", {"read": {"u-net": 0.74, "deep": 20}})
    assert "at severity 1 (79.0% against 80.0%): by less than the noise of its family (20.00 points)." in text


def test_the_seed_models_more_readable_than_the_input_are_counted_at_all_and_beyond_their_familys_noise():
    noise = {"read": {"baseline": 3.92, "deep": 12.19}}
    read = {"2": 71.1, "3": 84.2, "12": 67.8}
    beyond = study.more_readable_beyond_noise(read, 69.7, noise, ["2", "3"])
    assert beyond == ["3"]  # model 2's 1.4 points are within the baseline family's 3.92
    assert study.readable_text(["2", "3"], beyond, 21) == (
        "2 of the seed's 21 models make the characters more readable than the uncorrected input (models 2, 3); "
        "1 (model 3) by more than the run-to-run noise of its family."
    )
    assert study.more_readable_beyond_noise({**read, "2": 80.0}, 69.7, noise, ["2", "3"]) == ["2", "3"]
    assert "every one of them by more" in study.readable_text(["2", "3"], ["2", "3"], 21)
    assert "none of them by more" in study.readable_text(["2"], [], 21)
    assert study.readable_text([], [], 21).startswith("None of the seed's 21 models makes")


def test_where_the_models_trained_is_one_sentence_and_a_column_only_where_the_places_differ():
    one_place = pd.DataFrame(
        {"epochs": [3, 4], "time (s)": [10.0, 20.0], "trained on": ["tensorflow on cpu (X), published"] * 2}
    )
    assert notebook.trained_on_text(one_place["trained on"]) == (
        "Every model was trained with tensorflow on cpu (X); every one came with the report, trained once."
    )
    assert list(notebook.times_table(one_place).columns) == ["epochs", "time (s)"]
    two_places = one_place.assign(**{"trained on": ["tensorflow on cpu (X)", "jax on NVIDIA H100, published"]})
    assert notebook.trained_on_text(two_places["trained on"]) == (
        "The models were trained in 2 places (the table says where); 1 came with the report, trained once."
    )
    assert list(notebook.times_table(two_places)["trained on"]) == ["tensorflow on cpu (X)", "jax on NVIDIA H100"]


def final_evaluation_of(**tables):
    """A ``FinalEvaluation`` holding only the tables given (its cached properties), for its sentences alone."""
    from lib import final_evaluation

    final = object.__new__(final_evaluation.FinalEvaluation)
    final.__dict__.update(tables)
    return final


def test_the_small_gaps_of_the_recovered_share_are_named_per_family():
    clean = dict.fromkeys(["overall", *FAMILIES], 95.0)
    uncorrected = {
        "overall": 70.0,
        "gaussian_noise": 92.0,
        "rotation": 47.0,
        "flip": 27.0,
        "black_patches": 90.5,
        "brightness": 92.3,
    }
    final = final_evaluation_of(controls=pd.DataFrame({labels.CLEAN: clean, labels.UNCORRECTED: uncorrected}).T)
    text = final.small_gaps_text()
    assert text.startswith("Where corruption costs the reader only a few points (gaussian noise 3.0, black patches 4.5")
    assert "brightness 2.7), the share divides by that small gap" in text
    assert text.endswith("on rotation, flip the gap is 48.0 points or more.")
    final = final_evaluation_of(
        controls=pd.DataFrame({labels.CLEAN: clean, labels.UNCORRECTED: dict.fromkeys(clean, 50.0)}).T
    )
    assert final.small_gaps_text() == "Corruption costs the reader at least 10 points on every family."


def test_a_models_runs_are_set_against_the_uncorrected_input_all_below_all_above_or_on_both_sides():
    read = pd.DataFrame({labels.UNCORRECTED: {(labels.READ, "overall"): 69.7}})  # the headline's rows
    runs = pd.DataFrame({labels.READ: {"model 12, run 0": 67.8, "model 12, run 1": 61.7, "model 12, run 2": 55.6}})
    final = final_evaluation_of(headline=read, family_spread=runs)
    assert final.runs_text("12") == "; its 3 runs read 55.6 to 67.8%, every one below the uncorrected input"
    runs.loc["model 12, run 1", labels.READ] = 75.0
    assert (
        final_evaluation_of(headline=read, family_spread=runs)
        .runs_text("12")
        .endswith("on both sides of the uncorrected input")
    )
    assert final_evaluation_of(headline=read, family_spread=runs).runs_text("23") == ""  # not repeated


def test_the_pairs_rank_the_models_by_mse_and_by_readability_and_say_where_the_orders_differ():
    overall = {
        (labels.MSE, labels.UNCORRECTED): 0.09,
        (labels.MSE, "model 3"): 0.0833,
        (labels.MSE, "model 12"): 0.0774,
        (labels.MSE, "model 23"): 0.0869,
        (labels.READ, labels.UNCORRECTED): 48.1,
        (labels.READ, "model 3"): 55.0,
        (labels.READ, "model 12"): 50.0,
        (labels.READ, "model 23"): 61.7,
    }
    pairs = pd.DataFrame({"overall": overall}).T
    pairs.columns = pd.MultiIndex.from_tuples(pairs.columns)
    text = final_evaluation_of(pairs=pairs).pairs_mse_text()
    assert text.startswith(
        "On pairs, from the lowest MSE to the highest: model 12 (0.0774), model 3 (0.0833), model 23"
    )
    assert "by readability: model 23 (61.7%), model 3 (55.0%), model 12 (50.0%). A lower MSE" in text
    pairs[(labels.READ, "model 12")], pairs[(labels.READ, "model 23")] = 70.0, 40.0
    assert final_evaluation_of(pairs=pairs).pairs_mse_text().endswith("readability ranks them the same way.")
