import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from lib import study

ROOT = Path(__file__).resolve().parent.parent


def test_seed_results_cover_every_model():
    from lib import models

    assert set(study.SEED_RESULTS) == set(models.MODEL_IDS)
    assert study.SEED_RESULTS["12"] == (0.0717, 0.0756)


def test_family_ids_partition_the_study_in_the_seeds_order():
    from lib import models

    families = ["baseline", "sweep", "deep", "regularised", "light"]
    assert [m for f in families for m in study.family_ids(f)] == list(models.MODEL_IDS)
    assert study.family_ids("sweep") == ["5", "6", "7", "8", "8.1"]


def test_ranking_agreement_compares_ranks_and_names_the_biggest_moves():
    table = pd.DataFrame({"val loss": [0.1, 0.2, 0.3, 0.4], "seed val loss": [0.4, 0.2, 0.3, 0.1]},
                         index=["a", "b", "c", "d"])
    agreement = study.ranking_agreement(table)
    assert agreement["our best"] == "a" and agreement["seed best"] == "d"
    assert agreement["spearman"] == pytest.approx(-0.8)
    assert agreement["moved most"][:2] == ["a", "d"]


KILLABLE = """
import sys
from lib import experiment, study
splits = experiment.load_splits("smoke", 0, data_dir=sys.argv[1])
study.train_models(["0", "1"], splits, experiment.get_profile("smoke"), 0, sys.argv[2])
"""


def test_a_run_killed_with_sigkill_keeps_finished_models_and_redoes_only_the_rest(data_dir, tmp_path):
    run = subprocess.Popen([sys.executable, "-c", KILLABLE, data_dir, str(tmp_path)], cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not list(tmp_path.glob("models/model_0-*/result.json")):
        assert run.poll() is None and time.time() < deadline, "model 0 never finished"
        time.sleep(0.2)
    run.send_signal(signal.SIGKILL)
    run.wait()
    finished = next(tmp_path.glob("models/model_0-*/result.json"))
    before = finished.read_text()
    assert not list(tmp_path.glob("models/model_1-*/result.json"))

    again = subprocess.run([sys.executable, "-c", KILLABLE, data_dir, str(tmp_path)], cwd=ROOT,
                           capture_output=True, text=True, check=True)
    assert "model 0: reusing the trained model" in again.stdout
    assert "model 1 | epoch 1/1" in again.stdout
    assert finished.read_text() == before
    assert json.loads(next(tmp_path.glob("models/model_1-*/result.json")).read_text())["best_epoch"] == 1
