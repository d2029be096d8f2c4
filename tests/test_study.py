import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lib import backend, evaluation, labels, models, study, training

ROOT = Path(__file__).resolve().parent.parent


def test_seed_results_cover_every_model_of_the_seeds():
    from lib import models

    assert set(study.SEED_RESULTS) == set(models.SEED_MODEL_IDS)
    assert study.SEED_RESULTS["12"] == (0.0717, 0.0756)


def test_family_ids_partition_the_study_in_the_seeds_order():
    from lib import models

    families = ["baseline", "sweep", "deep", "regularised", "light", "u-net"]
    assert [m for f in families for m in study.family_ids(f)] == list(models.MODEL_IDS)
    assert study.family_ids("sweep") == ["5", "6", "7", "8", "8.1"]


def test_ranking_agreement_compares_ranks_and_names_the_biggest_moves():
    table = pd.DataFrame(
        {labels.VAL_LOSS: [0.1, 0.2, 0.3, 0.4], labels.SEED_VAL_LOSS: [0.4, 0.2, 0.3, 0.1]}, index=["a", "b", "c", "d"]
    )
    agreement = study.ranking_agreement(table)
    assert agreement["our best"] == "a" and agreement["seed best"] == "d"
    assert agreement["spearman"] == pytest.approx(-0.8)
    assert agreement["moved most"][:2] == ["a", "d"]
    beyond = pd.concat(
        [table, pd.DataFrame({labels.VAL_LOSS: [0.05], labels.SEED_VAL_LOSS: [float("nan")]}, index=["new"])]
    )
    assert study.ranking_agreement(beyond)["spearman"] == pytest.approx(-0.8)  # over the seed's models only
    assert study.ranking_agreement(beyond)["our best"] == "a"


def fake_result(model_id, val_losses, **logged):
    """A TrainResult-like record: one history row per validation loss, the best epoch kept. The MSE is
    logged as the loss unless given (``mse``, ``val_mse``)."""
    from types import SimpleNamespace

    logged = {"mse": [2 * v for v in val_losses], "val_mse": list(val_losses), **logged}
    history = [
        {"epoch": i + 1, "loss": 2 * v, "val_loss": v, **{k: vs[i] for k, vs in logged.items()}}
        for i, v in enumerate(val_losses)
    ]
    best = int(pd.Series(val_losses).idxmin()) + 1
    return SimpleNamespace(history=history, best_epoch=best, model=None, config=SimpleNamespace(seed=0))


def test_models_are_compared_on_their_mse_whatever_loss_they_trained_on():
    plain = fake_result("20", [0.3, 0.2, 0.25])
    edged = fake_result("22", [0.5, 0.4], mse=[0.2, 0.1], val_mse=[0.15, 0.12])
    assert study.kept_mse(plain) == (0.4, 0.2)
    assert study.kept_mse(edged) == (0.1, 0.12)
    assert study.best_model({"20": plain, "22": edged}, ["20", "22"]) == "22"
    assert (
        study.best_new_model(
            {"20": plain, "21": fake_result("21", [0.3]), "22": edged, "23": fake_result("23", [0.13])}
        )
        == "22"
    )


def test_the_final_evaluations_models_get_one_name_each_listing_their_roles():
    results = {model_id: fake_result(model_id, [0.5]) for model_id in models.MODEL_IDS}
    results["3"], results["23"] = fake_result("3", [0.2]), fake_result("23", [0.1])
    assert study.final_models(results) == {
        "3": "model 3 (best of the seed's models)",
        "12": "model 12 (the seed's final model)",
        "23": "model 23 (best overall)",
    }
    results["12"] = fake_result("12", [0.05])  # the seed's final model is now the best of all
    assert study.final_models(results) == {
        "12": "model 12 (best of the seed's models, the seed's final model, best overall)"
    }
    assert study.glance_models("12", "23") == {"12": "best of the seed's, the seed's final", "23": "best U-Net"}


def test_a_target_is_met_missed_or_within_noise_by_its_interval():
    assert study.target(">=", 93, "why", 93.4, (92.9, 93.9))["verdict"] == "within noise"
    assert study.target(">=", 93, "why", 93.6, (93.1, 94.1))["verdict"] == "met"
    assert study.target(">=", 93, "why", 92.4, (91.9, 92.9))["verdict"] == "missed"
    below = study.target("<=", 0.2, "why", 0.19)
    assert below == {"target": "<= 0.2", "why there": "why", "reached": 0.19, "verdict": "met"}
    assert study.target("<=", 0.2, "why", 0.21)["verdict"] == "missed"


def test_a_target_judged_on_several_runs_is_met_only_where_every_run_reaches_it():
    met = study.target(">=", 93, "why", 93.6, (93.1, 94.1), runs=[93.5, 94.0])
    assert met["verdict"] == "met" and met["runs"] == [93.5, 94.0]
    assert study.target(">=", 93, "why", 93.6, (93.1, 94.1), runs=[92.8, 94.0])["verdict"] == "within noise"
    assert study.target(">=", 93, "why", 92.4, (91.9, 92.9), runs=[92.0, 93.2])["verdict"] == "within noise"
    assert study.target(">=", 93, "why", 92.4, (91.9, 92.9), runs=[92.0, 92.5])["verdict"] == "missed"
    assert study.target(">=", 5, "why", 5, runs=[4])["verdict"] == "within noise"


def test_the_collapse_summary_reads_the_validation_verdicts_and_the_uncorrected_inputs_mse():
    table = pd.DataFrame(
        {"collapsed": [True, False, False, False], labels.VAL_MSE: [0.16, 0.05, 0.09, 0.08]},
        index=["0", "3", "4", "12"],
    )
    assert study.collapse_summary(table, 0.08) == (["0"], ["3"], ["4", "12"])


KILLABLE = """
import sys
from lib import study
setting = study.Setting("smoke", 0, sys.argv[1], sys.argv[2])
for model_id in ("0", "1"):
    setting.fit(setting.autoencoder(model_id))
"""


def test_a_run_killed_with_sigkill_keeps_finished_models_and_redoes_only_the_rest(data_dir, tmp_path):
    run = subprocess.Popen(
        [sys.executable, "-c", KILLABLE, data_dir, str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 300
    while not list(tmp_path.glob("models/model_0-*/result.json")):
        assert run.poll() is None and time.time() < deadline, "model 0 never finished"
        time.sleep(0.2)
    run.send_signal(signal.SIGKILL)
    run.wait()
    finished = next(tmp_path.glob("models/model_0-*/result.json"))
    before = finished.read_text()
    assert not list(tmp_path.glob("models/model_1-*/result.json"))

    again = subprocess.run(
        [sys.executable, "-c", KILLABLE, data_dir, str(tmp_path)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "model 0: reusing the trained model" in again.stdout
    assert "model 1 | epoch 1/1" in again.stdout
    assert finished.read_text() == before
    assert json.loads(next(tmp_path.glob("models/model_1-*/result.json")).read_text())["best_epoch"] == 1


def scaled_model(factor):
    """A Keras model whose output is its input times ``factor``."""
    return backend.keras.Sequential([backend.keras.Input((28, 28, 1)), backend.keras.layers.Rescaling(factor)])


def brightness_reader():
    """A Keras model that reads class 0 where the image's mean is above 0.1, class 1 otherwise."""
    keras, ops = backend.keras, backend.keras.ops

    def read(images):
        bright = ops.cast(ops.mean(images, axis=(1, 2, 3)) > 0.1, "float32")
        return ops.stack([bright, 1 - bright], axis=1)

    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Lambda(read)])


@pytest.fixture
def test_split():
    from lib.profiles import Split

    rng = np.random.default_rng(0)
    clean = rng.random((20, 28, 28)).astype(np.float32) * 0.4
    return Split(clean, clean, np.arange(20) % 5, np.zeros(20, dtype=int))


def measured(model, split):
    """The ``evaluation.Measures`` of ``model``'s corrections of ``split``, read by ``brightness_reader``."""
    return evaluation.measure(evaluation.reconstruct(model, split.corrupted), split, brightness_reader())


def test_readability_table_reads_every_models_corrections(test_split):
    measures = {model_id: measured(scaled_model(factor), test_split) for model_id, factor in (("12", 1.0), ("20", 0.0))}
    table = study.readability_table(measures, test_split, test_split.clean.mean(axis=0))
    assert list(table.index) == ["12", "20"] and list(table["family"]) == ["deep", "u-net"]
    assert table.loc["12", [labels.TEST_MSE, labels.PSNR, labels.SSIM, labels.READ, labels.EDGE_CONTRAST]].tolist() == (
        pytest.approx([0, 100, 1, 100, 100])
    )
    assert table.loc["20", labels.READ] == 0 and table.loc["20", labels.EDGE_CONTRAST] == 0
    assert table.loc["20", labels.TEST_MSE] == pytest.approx(np.mean(test_split.clean.astype(float) ** 2))
    assert table.loc["20", labels.PSNR] == pytest.approx(
        np.mean(-10 * np.log10(np.mean(test_split.clean.astype(float) ** 2, axis=(1, 2))))
    )
    assert table.loc["20", labels.SSIM] < 0.1
    assert table.loc["20", "verdict"] == labels.ALL_BLACK and table.loc["12", "verdict"] == "learned"


def test_spread_table_gives_each_run_then_mean_and_standard_deviation(test_split):
    from types import SimpleNamespace

    runs = [
        SimpleNamespace(
            model=scaled_model(factor),
            config=SimpleNamespace(seed=seed),
            best_epoch=2,
            history=[{"mse": 1.0, "val_mse": loss}, {"mse": 1.0, "val_mse": loss}],
        )
        for seed, factor, loss in ((0, 1.0, 0.1), (1, 0.5, 0.2), (2, 0.0, 0.3))
    ]
    table = study.spread_table(runs, [measured(run.model, test_split) for run in runs], test_split)
    assert list(table.index) == ["run 0 (seed 0)", "run 1 (seed 1)", "run 2 (seed 2)", "mean", "standard deviation"]
    assert table[labels.VAL_MSE].tolist() == pytest.approx([0.1, 0.2, 0.3, 0.2, 0.1])
    assert table.loc["run 2 (seed 2)", labels.READ] == 0
    assert table.loc["standard deviation", labels.TEST_MSE] == pytest.approx(np.std(table[labels.TEST_MSE][:3], ddof=1))


def test_what_differs_names_everything_that_differs_between_two_models():
    assert study.what_differs("5", "9") == ["family sweep against deep", "seed offset 0 against 1"]
    differs = study.what_differs("20", "3")
    assert "family u-net against baseline" in differs
    assert "code 7x7x32 (1,568 values) + skips 14x14x32, 28x28x16 against 7x7x1 (49 values)" in differs
    assert not any(line.startswith(("loss", "batch size", "learning rate")) for line in differs)
    assert "loss mse+edges against mse" in study.what_differs("22", "20")


def test_noise_is_each_familys_range_over_its_runs_and_a_pair_is_judged_on_the_larger():
    family_runs = pd.DataFrame(
        {
            "family": ["light", "light", "light", "sweep", "sweep"],
            labels.VAL_MSE: [0.050, 0.052, 0.051, 0.030, 0.034],
            labels.READ: [60.0, 61.0, 62.5, 52.0, 56.5],
        },
        index=["model 19, run 0", "model 19, run 1", "model 19, run 2", "model 5, run 0", "model 9, run 0"],
    )
    spread = pd.DataFrame(
        {labels.VAL_MSE: [0.020, 0.021, 0.022, 0.021, 0.001], labels.READ: [80, 81, 83, 81.3, 1.5]},
        index=["run 0", "run 1", "run 2", "mean", "standard deviation"],
    )
    noise = study.noise_levels(family_runs, spread)
    assert noise[labels.VAL_MSE] == pytest.approx({"light": 0.002, "sweep": 0.004, "u-net": 0.002})
    assert noise["read"] == pytest.approx({"light": 2.5, "sweep": 4.5, "u-net": 3.0})
    assert study.read_noise(noise, "21", "20") == 3.0  # two U-Nets: the spread runs' range
    assert study.read_noise(noise, "19", "20") == 3.0  # the larger of the light family's and the U-Nets'
    assert study.read_noise(noise, "6", "17") == 4.5  # a sweep model: the sweep's
    assert study.mse_noise(noise, "18", "17") == pytest.approx(0.002)
    assert study.noise_levels(family_runs.drop(columns=[labels.READ])) == {
        labels.VAL_MSE: pytest.approx({"light": 0.002, "sweep": 0.004})
    }
    assert study.judged_difference(0.003, 0.004) == "within noise"
    assert study.judged_difference(-0.005, 0.004) == "lower"
    assert study.judged_difference(5.0, 3.0, p_value=0.2) == "within noise"  # the paired test decides too
    assert study.judged_difference(5.0, 3.0, p_value=0.01) == "higher"


def test_every_family_of_the_seeds_is_trained_three_times_with_seeds_one_apart():
    assert set(study.FAMILY_RUNS) == set(models.SEED_FAMILIES)
    for family, runs in study.FAMILY_RUNS.items():
        assert len(runs) == training.SPREAD_RUNS
        assert models.spec(runs[0][0]).family == family
        layers = {tuple(row[1:] for row in models.layer_table(models.build(model_id))) for model_id, _ in runs}
        assert len(layers) == 1  # one network: the same layers, shapes and parameters
        seeds = sorted(training.config_for(model_id, 0, None, run).seed for model_id, run in runs)
        assert seeds == list(range(seeds[0], seeds[0] + len(runs)))


def test_against_earlier_run_judges_each_number_against_the_studys_own_noise():
    from lib import models

    seed_ids = list(models.SEED_MODEL_IDS)
    val_mse = dict.fromkeys(seed_ids, 0.06) | {"3": 0.0302, "12": 0.05}
    table = pd.DataFrame(
        {
            labels.VAL_MSE: [val_mse[m] for m in seed_ids],
            labels.VAL_LOSS: [val_mse[m] for m in seed_ids],
            labels.SEED_VAL_LOSS: [study.SEED_RESULTS[m][1] for m in seed_ids],
            "collapsed": [m == "0" for m in seed_ids],
        },
        index=seed_ids,
    )
    final = {
        "controls": {labels.CLEAN: {"overall": 95.3}, labels.UNCORRECTED: {"overall": 60.0}},
        "readability": {labels.READ: {"3": 81.0, "12": 70.0}},
    }
    families = [*models.SEED_FAMILIES, "u-net"]
    noise = {labels.VAL_MSE: dict.fromkeys(families, 0.001), "read": dict.fromkeys(families, 4.0)}
    earlier = study.against_earlier_run(table, final, noise)
    judged = earlier["numbers"]["judged"]
    assert judged["model 3's val MSE"] == "lower"  # 0.0302 against 0.0340, beyond a noise of 0.001
    # The reader was trained once: its own accuracies have no measured spread.
    assert judged[f"read correctly (%), test images: {labels.CLEAN}"] == "no spread measured"
    assert judged[f"read correctly (%), test images: {labels.UNCORRECTED}"] == "no spread measured"
    assert (
        judged["read correctly (%), test images: model 12"] == "higher"
    )  # 70.0 against 63.2: beyond the seed models' 4.0
    assert earlier["numbers"].loc["read correctly (%), test images: model 3", "noise"] == 4.0
    assert judged["Spearman with the seed's ranking"] == "no spread measured"
    assert earlier["numbers"].loc["read correctly (%), test images: model 3", "difference"] == pytest.approx(0.3)
    assert earlier["best"] == "3" and earlier["same best"]
    assert earlier["collapsed"] == ("0",) and not earlier["same collapsed"]  # model 4 collapsed there
    assert earlier["collapsed here only"] == ()
    assert list(earlier["beyond noise"].index) == ["model 3's val MSE", "read correctly (%), test images: model 12"]


def test_the_batch_ablation_trains_only_the_sizes_the_study_does_not():
    assert study.batch_ablation_runs() == [("3", 512), ("7", 512), ("12", 512)]


def test_models_text_names_one_several_or_no_model():
    assert study.models_text(["3"]) == "model 3"
    assert study.models_text(("0", "4")) == "models 0, 4"
    assert study.models_text([]) == "no model"


def test_the_depth_experiment_plans_its_networks_on_both_datasets_in_one_folder_each_named_once(data_dir, tmp_path):
    setting = study.Setting("smoke", 0, data_dir, tmp_path)
    networks = setting.depth_networks()
    names = [network.name for network in networks]
    assert len(set(names)) == len(names) == len(study.DEPTH_DATASETS) * (1 + sum(study.DEPTH_RUNS.values()))
    assert {"the reader on Fashion-MNIST", "run 1 of model shallow on Fashion-MNIST", "model shallow"} <= set(names)
    assert {network.folder(setting.out_dir).parent for network in networks} == {tmp_path / "models"}
    assert len({network.folder("").name for network in networks}) == len(networks)  # keys differ by dataset
    coming = {network.name for network in setting.coming_networks()}
    planned = {network.name for network in setting.planned_networks()}
    assert set(names) <= coming | planned and not coming & planned
