"""The depth experiment (``lib.depth_evaluation``) on the smoke profile: every network and run on both datasets,
the verdicts computed from the table, and the answer's numbers those of the verdicts."""

import numpy as np
import pytest

from lib import data, depth_evaluation, labels, study


@pytest.fixture(scope="module")
def experiment(data_dir):
    return depth_evaluation.DepthExperiment(study.Setting("smoke", 0, data_dir))


def test_the_table_holds_every_network_and_run_of_the_experiment_on_both_datasets(experiment):
    names = [data.DATASETS[dataset]["name"] for dataset in study.DEPTH_DATASETS]
    expected = [
        (name, model_id, run) for name in names for model_id, runs in study.DEPTH_RUNS.items() for run in range(runs)
    ]
    assert list(experiment.table.index) == expected
    # Each dataset's networks are its own: trained on its images, judged by its reader.
    first_runs = {dataset: experiment.runs[dataset, "shallow"][0] for dataset in study.DEPTH_DATASETS}
    assert first_runs["kmnist"].folder != first_runs["fashion-mnist"].folder
    assert set(experiment.table["verdict (validation)"]) <= {"collapsed", "learned"}


def test_depths_gain_is_the_shallow_networks_mean_less_model_12s_judged_against_the_larger_run_range(experiment):
    for dataset in study.DEPTH_DATASETS:
        name = data.DATASETS[dataset]["name"]
        shallow, deep = (experiment.values(name, model_id, labels.VAL_MSE) for model_id in ("shallow", "12"))
        row = experiment.verdicts.loc[(name, labels.VAL_MSE)]
        assert row[depth_evaluation.GAIN] == pytest.approx(shallow.mean() - deep.mean())
        assert row[depth_evaluation.NOISE] == pytest.approx(max(np.ptp(shallow), np.ptp(deep)))
        assert row["verdict"] == study.judged_difference(row[depth_evaluation.GAIN], row[depth_evaluation.NOISE])
        read = experiment.verdicts.loc[(name, depth_evaluation.READ)]
        assert 0 <= read["McNemar p"] <= 1


def test_the_answer_gives_the_verdicts_numbers_for_each_dataset(experiment):
    text = experiment.answer_text()
    for dataset in study.DEPTH_DATASETS:
        name = data.DATASETS[dataset]["name"]
        row = experiment.verdicts.loc[(name, labels.VAL_MSE)]
        assert f"**{name}**, model 12 reaches a validation MSE of {row['model 12 (mean)']:.4f}" in text
        assert f"the shallow network's {row['shallow (mean)']:.4f}" in text
    assert text.count("Against the seed") == 1


def test_the_samples_show_each_network_of_the_experiment_on_the_same_images(experiment):
    clean, outputs = experiment.samples("fashion-mnist", np.random.default_rng(0), size=4)
    assert clean.shape == (4, 28, 28)
    assert list(outputs) == ["corrupted", "the shallow network", "model 12", "model 3", "model 23"]
    assert all(images.shape == clean.shape for images in outputs.values())
