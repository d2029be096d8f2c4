"""The training stage: one command trains every network a report needs, with one progress bar."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from lib import artifacts, correctors, models, paths, study, training, training_stage

ROOT = Path(__file__).resolve().parent.parent


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def result(epochs, seconds=0.0, reused=False):
    return SimpleNamespace(history=[{}] * epochs, best_epoch=epochs - 1, seconds=seconds, reused=reused, trained_on="x")


def test_the_progress_bar_counts_networks_and_epochs_and_estimates_from_the_networks_trained():
    lines, clock = [], FakeClock()
    progress = training_stage.Progress({f"model {index}": (1e9, 100) for index in range(4)}, lines.append, clock)
    progress.log("model 0 | epoch 1/3")
    progress.finished("model 0", result(5, seconds=900.0, reused=True))
    clock.now = 600
    progress.finished("model 1", result(7, seconds=600.0))
    progress.log("model 2 | epoch 1/3")
    assert lines[0].startswith(
        "[" + "." * training_stage.BAR_WIDTH + "] 0/4 networks | 0 epochs | 0:00:00 elapsed | "
        "time left: after the first network trained"
    )
    assert lines[1].endswith("| model 0: reused from the cache (epochs run 5, kept 4; x)")
    # 600 s for 7 epochs; the cached network's 900 s were spent elsewhere, but its 5 epochs count: the two
    # to come are expected to run 6 epochs each.
    assert lines[3] == (
        "[" + "#" * 12 + "." * 12 + "] 2/4 networks | 12 epochs | 0:10:00 elapsed | "
        f"about {training_stage._duration(2 * 6 * 600 / 7)} left | model 2 | epoch 1/3"
    )


def test_the_estimate_prices_the_networks_to_come_by_their_flops_and_epoch_limits():
    # U-Net 23 first: 32 epochs in 3.2 h at 400 units of work an epoch. A network of 10 units runs 32 epochs
    # at 9 s each; one limited to 12 epochs runs 12. Priced as U-Net 23 they would take 6.4 h.
    lines = []
    progress = training_stage.Progress(
        {"model 23": (400.0, 100), "model 0": (10.0, 100), "classifier": (10.0, 12)}, lines.append, FakeClock()
    )
    progress.finished("model 23", result(32, seconds=3.2 * 3600))
    assert f"about {training_stage._duration(32 * 9 + 12 * 9)} left | model 23: trained" in lines[-1]


# Seconds an epoch of each network took on the full profile (docs/measurements.md, "Measured cost": 2-core
# AMD EPYC Zen 3, 2026-12-01), and the epochs of the estimate there: U-Net 23's 32 measured, about 30 for
# the other U-Nets, the 431 of the seed's 21 models and the reader on the H100, the spread runs as U-Net 23.
FULL_PROFILE_SECONDS_PER_EPOCH = {
    "0": 24.7,
    "1": 124.5,
    "2": 105.0,
    "3": 134.6,
    "4": 75.6,
    "5": 81.1,
    "6": 85.1,
    "7": 104.4,
    "8": 95.1,
    "8.1": 96.3,
    "9": 104.7,
    "10": 140.6,
    "11": 160.2,
    "12": 156.6,
    "13": 147.7,
    "14": 170.7,
    "15": 31.0,
    "16": 37.7,
    "17": 38.5,
    "18": 38.4,
    "19": 30.3,
    "20": 85.3,
    "21": 60.8,
    "22": 85.5,
    "23": 285.1,
    "classifier": 48.8,
}
FULL_PROFILE_EPOCHS = {
    **dict.fromkeys(models.SEED_MODEL_IDS, 20),
    "classifier": 11,
    "20": 30,
    "21": 30,
    "22": 30,
    "23": 32,
}


def test_on_the_full_profiles_measured_prices_the_estimate_stays_near_the_time_left():
    from lib import classifier

    builds = {model_id: (lambda model_id=model_id: models.build(model_id)) for model_id in models.MODEL_IDS}
    builds["classifier"] = classifier.build
    order = ["23", "22", "21", "20", "classifier", *models.SEED_MODEL_IDS, "23", "23"]  # the stage's order
    names = [f"network {index}" for index in range(len(order))]
    flops = {network: models.epoch_flops(build, 54_000, 6_000) for network, build in builds.items()}
    limits = {**dict.fromkeys(models.MODEL_IDS, 100), "classifier": classifier.MAX_EPOCHS}
    progress = training_stage.Progress(
        {name: (flops[network], limits[network]) for name, network in zip(names, order)}, write=lambda line: None
    )
    seconds = [FULL_PROFILE_SECONDS_PER_EPOCH[network] * FULL_PROFILE_EPOCHS[network] for network in order]
    ratios = []
    for index, (name, network) in enumerate(zip(names[:-1], order)):
        progress.finished(name, result(FULL_PROFILE_EPOCHS[network], seconds=seconds[index]))
        ratios.append(progress.time_left() / sum(seconds[index + 1 :]))
    # The mean time per network said 3.8 times the truth after U-Net 23.
    assert 0.7 < min(ratios) and max(ratios) < 1.15, [round(ratio, 2) for ratio in ratios]


def test_a_network_resumed_from_its_checkpoint_counts_whole_in_the_estimate():
    # Stopped after 29 of its epochs and resumed: this process saw 3 epochs (16 min), the network cost 2.9 h.
    lines, clock = [], FakeClock()
    progress = training_stage.Progress(
        {"model 23": (1.0, 100), "model 22": (1.0, 100), "model 21": (1.0, 100)}, lines.append, clock
    )
    clock.now = 16 * 60
    progress.finished("model 23", result(32, seconds=2.9 * 3600))
    assert "| 0:16:00 elapsed | about 5:48:00 left | model 23: trained" in lines[-1]


def test_the_training_stage_trains_every_network_of_the_report_and_the_build_then_reuses_them(data_dir):
    """On the smoke profile, into the test session's artifact folder (which the smoke build reads); with
    ``--coming``, the networks the report will read too, before the spread runs."""
    run = subprocess.run(
        [str(ROOT / "build_report.sh"), "train", "--profile", "smoke", "--coming"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "REPORT_DATA_DIR": data_dir},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.splitlines()
    family_runs = sum(1 for runs in study.FAMILY_RUNS.values() for _, run in runs if run)
    spread_model = (
        next(line for line in lines if " | the best U-Net is model " in line).split(" model ")[-1].split(";")[0]
    )
    base_runs = 0 if spread_model == correctors.BASE_MODEL else training.SPREAD_RUNS - 1  # else among the spread runs
    final = next(line for line in lines if " | the final corrector is " in line or "stays the final corrector" in line)
    final_runs = int(final.split("; ")[-1].split(" runs")[0]) if " is " in final else 0
    # The depth experiment's networks the study does not train: on KMNIST the shallow network's runs, on
    # Fashion-MNIST every one and its reader.
    depth = study.DEPTH_RUNS["shallow"] + 1 + sum(study.DEPTH_RUNS.values())
    # The orientation head, the correctors, U-Net 23's further runs, the depth experiment's networks, then the
    # final corrector's runs.
    coming = 1 + len(correctors.CORRECTOR_IDS) + base_runs + depth + final_runs
    networks = len(models.MODEL_IDS) + len(study.batch_ablation_runs()) + training.SPREAD_RUNS - 1 + 3 + family_runs
    networks += coming
    assert lines[-1].startswith(f"[{'#' * training_stage.BAR_WIDTH}] {networks}/{networks} networks | ")
    finished = [
        line.split(" | ")[4].split(":")[0]
        for line in lines
        if " networks | " in line and (": trained (" in line or ": reused from the cache (" in line)
    ]
    assert len(finished) == networks == len(set(finished))
    # The batch-size ablation first, at both sizes, then the U-Nets, the widest first, the readers; the coming
    # networks after the study's; the spread runs wait for every U-Net, the final corrector for every corrector.
    assert finished[:6] == [
        f"model {model_id}" + (f" at batch size {size}" if size != 128 else "")
        for model_id in study.BATCH_ABLATION_MODELS
        for size in study.BATCH_ABLATION_SIZES
    ]
    assert finished[6:13] == [
        "model 23",
        "model 22",
        "model 21",
        "model 20",
        "the reader",
        "the reader trained on corrupted images",
        "the second reader",
    ]
    head = finished.index("the orientation head")
    assert finished[head : head + 1 + len(correctors.CORRECTOR_IDS)] == [
        "the orientation head",
        *(f"corrector {corrector_id}" for corrector_id in correctors.CORRECTOR_IDS),
    ]
    depth_names = [name for name in finished if name.endswith(" on Fashion-MNIST") or "model shallow" in name]
    assert len(depth_names) == depth and finished.index(depth_names[0]) > head
    spread = [f"run {run} of model {spread_model}" for run in range(1, training.SPREAD_RUNS)]
    if spread_model == correctors.BASE_MODEL:  # its further runs are coming networks, before the depth experiment's
        at = finished.index(depth_names[0])
        assert finished[at - len(spread) : at] == spread
    else:
        assert finished[len(finished) - final_runs - len(spread) : len(finished) - final_runs] == spread
    assert all(name.startswith("corrector ") for name in finished[len(finished) - final_runs :])


class BusySetting:
    """Fits networks at once, except those named in ``busy``: another process holds them until waited for.
    ``planned_networks`` adds two spread runs of the best U-Net to ``first``."""

    def __init__(self, busy, first=()):
        self.busy, self.first, self.calls = set(busy), list(first), []

    def fit(self, network, log, wait=True):
        self.calls.append((network.name, wait))
        busy = network.name in self.busy
        if busy and not wait:
            raise artifacts.NetworkBusy(f"pid 7 holds {network.name}.lock")
        val_mse = 0.02 if network.name == "model 22" else 0.05
        return SimpleNamespace(
            history=[{"mse": val_mse, "val_mse": val_mse}], best_epoch=1, seconds=1.0, reused=busy, trained_on="x"
        )

    def planned_networks(self, spread_model=None):
        return self.first + ([Network(f"run {run} of model {spread_model}") for run in (1, 2)] if spread_model else [])


class Network:  # hashable by identity, as training.Network is
    def __init__(self, name):
        self.name = name


def test_networks_another_process_is_training_are_left_for_the_end_then_waited_for():
    lines = []
    setting = BusySetting(busy=["model 0"])
    networks = [Network(f"model {index}") for index in range(3)]
    progress = training_stage.Progress({network.name: (1.0, 1) for network in networks}, lines.append)
    results, busy = training_stage.share_out(progress, networks, setting)
    assert list(results) == networks[1:] and busy == networks[:1]
    assert training_stage.wait_for(progress, busy, setting).keys() == {networks[0]}
    assert setting.calls == [("model 0", False), ("model 1", False), ("model 2", False), ("model 0", True)]
    assert "model 0: pid 7 holds model 0.lock; back to it after the others" in lines[0]
    assert (
        lines[-1].startswith(f"[{'#' * training_stage.BAR_WIDTH}] 3/3 networks")
        and "model 0: reused from the cache" in lines[-1]
    )


def test_a_stage_goes_on_to_the_spread_runs_while_another_trains_a_seed_model_but_waits_for_a_u_net():
    u_nets = {model_id: Network(f"model {model_id}") for model_id in study.family_ids("u-net")}
    first = [Network("model 14"), *u_nets.values()]
    setting = BusySetting(busy=["model 14", "model 21"], first=first)
    pending = {network.name: (1.0, 1) for network in first} | {"spread run 1": (1.0, 1), "spread run 2": (1.0, 1)}
    progress = training_stage.Progress(pending, lambda line: None)
    training_stage.train_all(progress, setting, first, u_nets, price=lambda network: (1.0, 1))
    spread = [("run 1 of model 22", False), ("run 2 of model 22", False)]
    assert setting.calls == [
        ("model 14", False),
        ("model 20", False),
        ("model 21", False),
        ("model 22", False),
        ("model 23", False),
        ("model 21", True),  # the best U-Net, and so the spread runs, wait for it
        *spread,
        ("model 14", True),  # a seed model is waited for last
    ]
    assert not progress.pending


def test_the_training_stage_needs_neither_papermill_nor_jupyter():
    # A machine that only trains (a GPU box) gets Keras, its backend, numpy, pandas and matplotlib.
    blocked = ("papermill", "jupytext", "nbformat", "nbconvert", "jupyter_client", "traitlets", "IPython")
    code = (
        f"import sys; sys.modules.update(dict.fromkeys({blocked!r})); "
        "from lib import training_stage; training_stage.main(['--help'])"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "--backend" in run.stdout


def stage(*args, **env):
    """The training stage as the README runs it, on the smoke profile, with ``env`` added."""
    return subprocess.Popen(
        [str(ROOT / "build_report.sh"), "train", "--profile", "smoke", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )


def test_an_output_folder_that_is_a_file_is_refused_up_front(tmp_path):
    taken = tmp_path / "artifacts"
    taken.write_text("not a folder")
    out, err = stage(REPORT_OUTPUT_DIR=str(taken)).communicate(timeout=300)
    assert f"REPORT_OUTPUT_DIR={taken} cannot hold the artifact folders (it is a file, not a folder)" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("inside", ["", "smoke"])
def test_an_output_folder_in_the_published_set_is_refused_up_front(inside):
    folder = paths.PUBLISHED_DIR / inside
    before = sorted(paths.PUBLISHED_DIR.rglob("*"))
    run = stage(REPORT_OUTPUT_DIR=str(folder))
    out, err = run.communicate(timeout=300)
    assert run.returncode != 0
    assert f"REPORT_OUTPUT_DIR={folder} lies in the published set" in err and "Traceback" not in err
    assert sorted(paths.PUBLISHED_DIR.rglob("*")) == before


def test_a_damaged_published_network_stops_the_stage_in_one_line_before_anything_is_counted(
    data_dir, tmp_path, monkeypatch, capsys
):
    trained = study.Setting("smoke", 0, data_dir, tmp_path / "trainer").train(["0"])["0"]
    monkeypatch.setattr(paths, "PUBLISHED_DIR", tmp_path / "published")
    copy = tmp_path / "published" / "smoke" / "models" / trained.folder.name
    shutil.copytree(trained.folder, copy)
    weights = copy / "best_weights.npz"
    weights.write_bytes(weights.read_bytes()[:-100])
    monkeypatch.setenv("REPORT_DATA_DIR", data_dir)
    monkeypatch.setenv("REPORT_OUTPUT_DIR", str(tmp_path / "artifacts"))
    assert training_stage.main(["--profile", "smoke"]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        f"TRAINING STOPPED: the published network {copy} is damaged (best_weights.npz is damaged (missing, or not "
        f"matching its SHA-256 in result.json)) and is not used: restore it with 'git -C {tmp_path} checkout -- "
        f"published/smoke/models/{copy.name}', or train every network from scratch with --retrain"
    ]
    assert "to train" not in out
    assert not (tmp_path / "artifacts" / "smoke" / "models" / copy.name).exists()


def test_a_missing_data_folder_is_said_in_a_line_not_a_traceback(tmp_path):
    run = stage(REPORT_DATA_DIR=str(tmp_path / "no-data"), REPORT_OUTPUT_DIR=str(tmp_path / "artifacts"))
    out, err = run.communicate(timeout=300)
    assert run.returncode == 1
    assert err.strip().splitlines()[-1].startswith(f"TRAINING STOPPED: {tmp_path / 'no-data'}")
    assert "Traceback" not in err


def test_ctrl_c_names_the_network_and_says_a_rerun_resumes(data_dir, tmp_path):
    import signal

    run = stage(REPORT_DATA_DIR=data_dir, REPORT_OUTPUT_DIR=str(tmp_path))
    for line in run.stdout:
        if " | epoch 1/1 " in line:  # the first network has trained an epoch: the next one is under way
            break
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=300)
    assert run.returncode == 130, err[-2000:]
    assert re.search(r"TRAINING STOPPED: interrupted while .+ was training\. .*run the same command again", err)
    assert "Traceback" not in err


def test_a_full_disk_is_said_with_its_folder_and_that_a_rerun_resumes(monkeypatch, capsys):
    import errno

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "no space left on the device that holds /somewhere/models (writing x)")

    monkeypatch.setattr(training_stage, "train_study", full)
    assert training_stage.main(["--profile", "smoke"]) == 1
    err = capsys.readouterr().err
    assert "TRAINING STOPPED: no space left on the device that holds /somewhere/models" in err
    assert "run the same command again" in err


def test_a_lock_held_past_the_wait_stops_the_stage_in_one_line(monkeypatch, capsys):
    def held(*args, **kwargs):
        raise artifacts.NetworkBusy("process 42 on host still holds /somewhere/models/model_0-x.lock after 60 s")

    monkeypatch.setattr(training_stage, "train_study", held)
    assert training_stage.main(["--profile", "smoke"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "TRAINING STOPPED: process 42 on host still holds /somewhere/models/model_0-x.lock after 60 s"
    ]


def test_a_stage_with_everything_in_the_cache_says_so_up_front_and_prices_nothing_left(data_dir, smoke_build):
    """Resuming after an interruption: the networks the cache holds are counted as found, not as work. The smoke
    build's own training stage has trained every network of the profile into the session's artifact folder."""
    assert smoke_build.run.returncode == 0, smoke_build.run.stderr[-3000:]
    again = stage(REPORT_DATA_DIR=data_dir, REPORT_OUTPUT_DIR=str(smoke_build.artifact_dir.parent))
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err[-3000:]
    family_runs = sum(1 for runs in study.FAMILY_RUNS.values() for _, run in runs if run)
    planned = len(models.MODEL_IDS) + len(study.batch_ablation_runs()) + 3 + family_runs
    header = out.splitlines()[1]
    assert header.startswith(f"{planned + training.SPREAD_RUNS - 1} networks, on Keras' ")
    assert f": {planned} found in the artifact folder or the published set, 0 to train" in header
    assert "after the first network trained" not in out
    assert all(
        "| about 0:00:00 left |" in line or "| done |" in line for line in out.splitlines() if " networks | " in line
    )


def test_the_estimate_is_nothing_left_where_everything_to_come_is_in_the_cache():
    lines, clock = [], FakeClock()
    progress = training_stage.Progress({"model 0": (0.0, 100), "model 1": (0.0, 100)}, lines.append, clock)
    progress.log("model 0: reusing the trained model")
    assert "| about 0:00:00 left |" in lines[-1]
