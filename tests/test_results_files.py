"""The results files: written whole, keyed by the stable keys of ``labels.FILE_KEYS`` and read back under the
labels the report shows, so that rewording a label leaves a published results file readable."""

import json
import re

import pandas as pd
import pytest

from lib import labels, paths, results_files


def a_summary():
    examples = {str: "23", bool: False, float: 0.5, int: 200}
    summary = {key: examples.get(results_files.FINAL_SCALARS.get(key), {}) for key in results_files.FINAL_SCHEMA}
    summary["quality"] = {labels.UNCORRECTED: {labels.MSE: {"overall": 0.08}}, "model 23": {labels.SSIM: {"flip": 0.5}}}
    summary["readability"] = {labels.READ: {"23": 91.5}, labels.READ_ON_WORST: {"23": 80.0}}
    return summary


def test_the_summary_is_stored_under_stable_keys_and_read_back_under_labels(tmp_path):
    results_files.write_final(tmp_path, a_summary())
    stored = json.loads((tmp_path / results_files.FINAL).read_text())
    assert stored["quality"] == {"uncorrected_input": {"mse": {"overall": 0.08}}, "model 23": {"ssim": {"flip": 0.5}}}
    assert set(stored["readability"]) == {"read_correctly_pct", "read_correctly_on_worst_family_pct"}
    assert results_files.read_final(tmp_path) == a_summary()


def test_a_reworded_label_still_reads_a_file_written_before(tmp_path, monkeypatch):
    results_files.write_final(tmp_path, a_summary())
    reworded = {("readable (%)" if label == labels.READ else label): key for label, key in labels.FILE_KEYS.items()}
    monkeypatch.setattr(results_files, "LABELS", {key: label for label, key in reworded.items()})
    assert results_files.read_final(tmp_path)["readability"]["readable (%)"] == {"23": 91.5}


PUBLISHED_RESULTS = paths.PUBLISHED_DIR / "full" / "results"


def test_the_tables_are_stored_under_stable_keys_and_read_back_under_labels(tmp_path):
    table = results_files.read_table(PUBLISHED_RESULTS).loc[["3", "8.1", "23"]]
    results_files.write_table(tmp_path, table)
    header = (tmp_path / results_files.TABLE).read_text().splitlines()[0].split(",")
    assert header[:3] == ["model", "family", "parameters"] and "val_mse" in header and "seed_val_loss" in header
    pd.testing.assert_frame_equal(results_files.read_table(tmp_path), table)
    ablation = results_files.read_ablation(PUBLISHED_RESULTS)
    results_files.write_ablation(tmp_path, ablation)
    pd.testing.assert_frame_equal(results_files.read_ablation(tmp_path), ablation)


def edited_table(folder, model, column, text):
    """The published results.csv copied to ``folder`` with one cell (file keys) set to ``text``, or with
    ``column`` removed where ``text`` is None."""
    raw = pd.read_csv(PUBLISHED_RESULTS / results_files.TABLE, dtype=str, keep_default_na=False)
    if text is None:
        raw = raw.drop(columns=[column])
    else:
        raw.loc[raw["model"] == model, column] = text
    raw.to_csv(folder / results_files.TABLE, index=False)


@pytest.mark.parametrize(
    "model, column, text, problem",
    [
        ("3", "val_mse", "n/a", r"line 5 \(model 3\), column 'val MSE' is 'n/a', not a number"),
        ("3", "val_mse", "0.0O5", r"column 'val MSE' is '0.0O5', not a number"),
        ("3", "val_mse", "nan", r"column 'val MSE' is 'nan', not a finite number"),
        ("3", "val_mse", "-0.03", r"column 'val MSE' is -0.03, below its least possible value, 0"),
        ("3", "val_mse", "", r"column 'val MSE' is empty, where a value is required"),
        ("12", "epochs", "37.5", r"column 'epochs' is '37.5', not an integer"),
        ("12", "best epoch", "38", r"model 12's best epoch is after its last epoch"),
        ("0", "collapsed", "yes", r"column 'collapsed' is 'yes', not True or False"),
        ("0", "verdict", "", r"column 'verdict' is empty"),
        ("3", "val_mse", None, r"lacks the columns \['val MSE'\]"),
    ],
)
def test_a_damaged_results_table_is_refused_naming_the_file_the_row_and_the_column(
    tmp_path, model, column, text, problem
):
    edited_table(tmp_path, model, column, text)
    with pytest.raises(
        results_files.ResultsDamaged, match=f"results.csv in {re.escape(str(tmp_path))} is damaged: .*{problem}"
    ):
        results_files.read_table(tmp_path)


def test_the_seeds_losses_may_be_empty_for_the_models_beyond_the_seed(tmp_path):
    table = results_files.read_table(PUBLISHED_RESULTS)
    assert table.loc["23", labels.SEED_VAL_LOSS] != table.loc["23", labels.SEED_VAL_LOSS]  # NaN: the U-Nets have none
    edited_table(tmp_path, "3", "seed_val_loss", "")
    assert results_files.read_table(tmp_path).loc["3", labels.SEED_VAL_LOSS] != 0.109  # read as missing, not refused


def edited_summary(folder, edit):
    stored = json.loads((PUBLISHED_RESULTS / results_files.FINAL).read_text())
    edit(stored)
    (folder / results_files.FINAL).write_text(json.dumps(stored))


@pytest.mark.parametrize(
    "edit, problem",
    [
        (
            lambda s: s["quality"]["uncorrected_input"]["mse"].update(overall=float("nan")),
            "'quality / uncorrected input / MSE / overall' is nan, not a finite number",
        ),
        (lambda s: s.pop("targets"), r"it lacks \['targets'\]"),
        (lambda s: s.update({"test images": "many"}), "'test images' is 'many', not an integer"),
        (lambda s: s["readability"]["test_mse"].update({"3": None}), "'readability / test MSE / 3' is empty"),
    ],
)
def test_a_damaged_summary_is_refused_naming_the_file_and_the_value(tmp_path, edit, problem):
    edited_summary(tmp_path, edit)
    with pytest.raises(
        results_files.ResultsDamaged, match=f"final_evaluation.json in {tmp_path} is damaged: {problem}"
    ):
        results_files.read_final(tmp_path)


def test_a_truncated_summary_is_refused(tmp_path):
    text = (PUBLISHED_RESULTS / results_files.FINAL).read_text()
    (tmp_path / results_files.FINAL).write_text(text[: len(text) // 2])
    with pytest.raises(results_files.ResultsDamaged, match="not valid JSON"):
        results_files.read_final(tmp_path)


def test_a_share_of_readability_recovered_may_be_undefined(tmp_path):
    def undefined(stored):
        family = next(iter(stored["recovered share"].values()))
        family[next(iter(family))] = float("nan")

    edited_summary(tmp_path, undefined)
    assert results_files.read_final(tmp_path)


def test_a_damaged_published_results_file_names_the_command_that_restores_it(tmp_path, monkeypatch):
    monkeypatch.setattr(results_files, "PUBLISHED_DIR", tmp_path)
    monkeypatch.setattr(results_files, "ROOT", tmp_path.parent)
    edited_table(tmp_path, "3", "val_mse", "n/a")
    with pytest.raises(results_files.ResultsDamaged, match=f"git -C {tmp_path.parent} checkout -- {tmp_path.name}/"):
        results_files.read_table(tmp_path)


def test_a_summary_that_strays_from_the_schema_is_refused(tmp_path):
    summary = a_summary()
    del summary["targets"]
    summary["extra"] = 1
    with pytest.raises(ValueError, match=r"lacks \['targets'\] and has \['extra'\]"):
        results_files.write_final(tmp_path, summary)
    assert not (tmp_path / results_files.FINAL).exists()


def test_a_missing_file_names_the_notebook_that_writes_it(tmp_path):
    with pytest.raises(results_files.ResultsMissing, match="10_model_comparison"):
        results_files.read_ablation(tmp_path)
    with pytest.raises(results_files.ResultsMissing, match="11_final_evaluation"):
        results_files.read_final(tmp_path)
