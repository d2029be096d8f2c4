"""The training stage: one command trains every network a report needs, with one progress bar."""

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from lib import models, train, training

ROOT = Path(__file__).resolve().parent.parent


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_the_progress_bar_counts_networks_and_epochs_and_estimates_from_the_networks_trained():
    lines, clock = [], FakeClock()
    progress = train.Progress(4, lines.append, clock)
    progress.log("model 0 | epoch 1/3")
    progress.finished("model 0", SimpleNamespace(history=[{}] * 5, best_epoch=2, seconds=900.0, reused=True,
                                                 trained_on="x"))
    clock.now = 600
    progress.finished("model 1", SimpleNamespace(history=[{}] * 7, best_epoch=4, seconds=600.0, reused=False,
                                                 trained_on="x"))
    progress.log("model 2 | epoch 1/3")
    assert lines[0].startswith("[" + "." * train.BAR_WIDTH + "] 0/4 networks | 0 epochs | 0:00:00 elapsed")
    assert lines[1].endswith("| model 0: reused from the cache (epochs run 5, kept 2; x)")
    assert lines[3] == ("[" + "#" * 12 + "." * 12 + "] 2/4 networks | 12 epochs | 0:10:00 elapsed | "
                        "about 0:20:00 left | model 2 | epoch 1/3")


def test_a_network_resumed_from_its_checkpoint_counts_whole_in_the_estimate():
    # Stopped after 29 of its epochs and resumed: this process saw 3 epochs (16 min), the network cost 2.9 h.
    lines, clock = [], FakeClock()
    progress = train.Progress(3, lines.append, clock)
    clock.now = 16 * 60
    progress.finished("model 23", SimpleNamespace(history=[{}] * 32, best_epoch=29, seconds=2.9 * 3600,
                                                  reused=False, trained_on="x"))
    assert "| 0:16:00 elapsed | about 5:48:00 left | model 23: trained" in lines[-1]


def test_the_training_stage_trains_every_network_of_the_report_and_the_build_then_reuses_them(data_dir):
    """On the smoke profile, into the test session's artifact folder (which the smoke build reads)."""
    run = subprocess.run([str(ROOT / "build_report.sh"), "train", "--profile", "smoke"], cwd=ROOT,
                         capture_output=True, text=True, env={**os.environ, "REPORT_DATA_DIR": data_dir})
    assert run.returncode == 0, run.stderr[-3000:]
    networks = len(models.MODEL_IDS) + training.SPREAD_RUNS - 1 + 1
    assert run.stdout.strip().splitlines()[-1].startswith(f"[{'#' * train.BAR_WIDTH}] {networks}/{networks} networks | ")
    finished = [line.split(" | ")[4].split(":")[0] for line in run.stdout.splitlines()
                if " networks | " in line and (": trained (" in line or ": reused from the cache (" in line)]
    assert len(finished) == networks
    # The U-Nets first, the widest first, and the reader; the spread runs wait for every U-Net.
    assert finished[:5] == ["model 23", "model 22", "model 21", "model 20", "classifier"]
    assert finished[-1].endswith(f"run {training.SPREAD_RUNS - 1} (the spread of the best U-Net)")


def test_networks_another_process_is_training_are_left_for_the_end_then_waited_for():
    calls, lines = [], []

    def job(name, busy):
        def run(wait):
            calls.append((name, wait))
            if busy and not wait:
                raise training.NetworkBusy(f"pid 7 holds {name}.lock")
            return SimpleNamespace(history=[{}], best_epoch=1, seconds=1.0, reused=busy, trained_on="x")
        return run

    results = train.share_out(train.Progress(3, lines.append),
                              {"model 0": job("model 0", busy=True), "model 1": job("model 1", busy=False),
                               "model 2": job("model 2", busy=False)})
    assert calls == [("model 0", False), ("model 1", False), ("model 2", False), ("model 0", True)]
    assert list(results) == ["model 0", "model 1", "model 2"]
    assert "model 0: pid 7 holds model 0.lock; back to it after the others" in lines[0]
    assert lines[-1].startswith(f"[{'#' * train.BAR_WIDTH}] 3/3 networks") and "model 0: reused from the cache" in lines[-1]


def test_the_training_stage_needs_neither_papermill_nor_jupyter():
    # A machine that only trains (a GPU box) gets Keras, its backend, numpy, pandas and matplotlib.
    blocked = ("papermill", "jupytext", "nbformat", "nbconvert", "jupyter_client", "traitlets", "IPython")
    code = (f"import sys; sys.modules.update(dict.fromkeys({blocked!r})); "
            "from lib import train; train.main(['--help'])")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "--backend" in run.stdout
