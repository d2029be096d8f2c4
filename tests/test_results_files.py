"""The results files: written whole, keyed by the stable keys of ``labels.FILE_KEYS`` and read back under the
labels the report shows, so that rewording a label leaves a published results file readable."""

import json

import pandas as pd
import pytest

from lib import labels, results_files


def a_summary():
    summary = dict.fromkeys(results_files.FINAL_SCHEMA, 0)
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


def test_the_tables_are_stored_under_stable_keys_and_read_back_under_labels(tmp_path):
    table = pd.DataFrame(
        {
            "model": ["3", "8.1"],
            "family": ["baseline", "sweep"],
            labels.VAL_MSE: [0.03, 0.05],
            labels.SEED_VAL_LOSS: [0.1, 0.09],
        }
    ).set_index("model")
    results_files.write_table(tmp_path, table)
    assert (tmp_path / results_files.TABLE).read_text().splitlines()[0] == "model,family,val_mse,seed_val_loss"
    pd.testing.assert_frame_equal(results_files.read_table(tmp_path), table)
    ablation = pd.DataFrame(
        {
            "model": ["12", "12"],
            "batch size": [128, 512],
            labels.VAL_MSE: [0.0647, 0.1448],
            "verdict": ["learned", "all black"],
        }
    ).set_index(["model", "batch size"])
    results_files.write_ablation(tmp_path, ablation)
    pd.testing.assert_frame_equal(results_files.read_ablation(tmp_path), ablation)


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
