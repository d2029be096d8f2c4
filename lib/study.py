"""The whole study: training a family of models, and the results table that compares all of them.

The seed's 21 models come with the seed's own losses to compare against; the U-Net family beyond the
seed has none. Every model is compared on its validation MSE, whatever loss it was trained on.
"""

import numpy as np
import pandas as pd

from . import evaluation, models, training
from .corruptions import FAMILIES

# The seed's table of all models: (training loss, validation loss) as printed.
SEED_RESULTS = {
    "0": (0.1, 0.1), "1": (0.09, 0.09), "2": (0.09, 0.091), "3": (0.109, 0.109), "4": (0.111, 0.112),
    "5": (0.0856, 0.0865), "6": (0.1158, 0.1506), "7": (0.1113, 0.1561), "8": (0.1088, 0.1089),
    "8.1": (0.0880, 0.0886), "9": (0.1091, 0.1224), "10": (0.0820, 0.0837), "11": (0.0818, 0.0830),
    "12": (0.0717, 0.0756), "13": (0.0771, 0.0788), "14": (0.0730, 0.0758), "15": (0.1574, 0.1575),
    "16": (0.1413, 0.1421), "17": (0.1631, 0.1634), "18": (0.1601, 0.1611), "19": (0.0901, 0.1408),
}


def family_ids(family):
    return [model_id for model_id, spec in models.MODELS.items() if spec.family == family]


def train_models(model_ids, splits, profile, seed, out_dir, log=print, run=0, wait=True):
    """Train (or load from the cache) each model in turn; a killed run redoes only the unfinished one.
    ``run`` numbers a repeated run (``training.config_for``); ``wait`` is as in ``training.fit``."""
    results = {}
    for model_id in model_ids:
        config = training.config_for(model_id, seed, max_epochs=profile.max_epochs, run=run)
        results[model_id] = training.train(config, splits["train"], splits["val"], out_dir, log, wait)
    return results


def kept_mse(result):
    """(training MSE, validation MSE) at the kept epoch. A model trained on another loss logged its MSE
    as ``mse``; for the others the loss is the MSE."""
    best = result.history[result.best_epoch - 1]
    return best.get("mse", best["loss"]), best.get("val_mse", best["val_loss"])


def best_model(results, model_ids):
    """Of ``model_ids``, the one with the lowest validation MSE: how the study picks a model."""
    return min(model_ids, key=lambda model_id: kept_mse(results[model_id])[1])


def best_new_model(results):
    """The U-Net family's best model: the one the report trains ``training.SPREAD_RUNS`` times."""
    return best_model(results, family_ids("u-net"))


def train_spread(model_id, splits, profile, seed, out_dir, log=print):
    """Every run of ``model_id`` (run 0 is the study's own, from the cache): the run-to-run spread."""
    return [train_models([model_id], splits, profile, seed, out_dir, log, run)[model_id]
            for run in range(training.SPREAD_RUNS)]


def results_table(results, val):
    """One row per model: our losses (MSE) beside the seed's, size, epochs, time and a collapse verdict."""
    rows = []
    for model_id, result in results.items():
        train_mse, val_mse = kept_mse(result)
        collapsed, _ = evaluation.collapse_verdict(evaluation.reconstruct(result.model, val.corrupted), val.clean)
        seed_train, seed_val = SEED_RESULTS.get(model_id, (np.nan, np.nan))
        rows.append({
            "model": model_id, "family": models.spec(model_id).family,
            "parameters": result.model.count_params(), "epochs": len(result.history), "best epoch": result.best_epoch,
            "train loss": train_mse, "val loss": val_mse, "collapsed": collapsed,
            "seed train loss": seed_train, "seed val loss": seed_val, "time (s)": round(result.seconds, 1),
            "trained on": result.trained_on,
        })
    return pd.DataFrame(rows).set_index("model")


def spread_table(runs, test, reader):
    """One row per run of one network (its seed, kept epoch, validation MSE, and on the test set MSE and
    the reader's accuracy), then the mean and the sample standard deviation over the runs."""
    rows = {}
    for run, result in enumerate(runs):
        corrected = evaluation.reconstruct(result.model, test.corrupted)
        rows[f"run {run} (seed {result.config.seed})"] = {
            "best epoch": result.best_epoch, "val MSE": kept_mse(result)[1],
            "test MSE": evaluation.per_sample_mse(corrected, test.clean).mean(),
            "read correctly (%)": evaluation.reader_accuracy(reader, corrected, test)["overall"]}
    table = pd.DataFrame(rows).T
    return pd.concat([table, table.agg(["mean", "std"]).rename(index={"std": "standard deviation"})])


def test_corrections(results, test):
    """Every model's corrections of the test set (model id -> images), computed once for every table."""
    return {model_id: evaluation.reconstruct(result.model, test.corrupted) for model_id, result in results.items()}


def readability_table(corrections, test, reader):
    """Every model's corrections of the test set (``test_corrections``): its family, the test MSE, the edge
    contrast (% of the clean images') and the reader's accuracy (%), overall and on its worst family."""
    rows = {}
    for model_id, corrected in corrections.items():
        accuracy = evaluation.reader_accuracy(reader, corrected, test)
        worst = min(FAMILIES, key=accuracy.get)
        rows[model_id] = {"family": models.spec(model_id).family,
                          "test MSE": evaluation.per_sample_mse(corrected, test.clean).mean(),
                          "edge contrast (%)": evaluation.edge_contrast(corrected, test)["overall"],
                          "read correctly (%)": accuracy["overall"], "worst family": worst,
                          "read correctly there (%)": accuracy[worst]}
    numbers = ["test MSE", "edge contrast (%)", "read correctly (%)", "read correctly there (%)"]
    return pd.DataFrame(rows).T.astype(dict.fromkeys(numbers, float)).rename_axis("model")


def ranking_agreement(table):
    """How our ranking by validation loss compares with the seed's, over the seed's models: a Spearman
    correlation, the best model of each, and the models whose rank moved most."""
    table = table[table["seed val loss"].notna()]
    ours = table["val loss"].rank(method="min")
    theirs = table["seed val loss"].rank(method="min")
    moved = (ours - theirs).abs().sort_values(ascending=False, kind="stable")
    return {
        "spearman": float(np.corrcoef(ours, theirs)[0, 1]),
        "our best": table["val loss"].idxmin(), "seed best": table["seed val loss"].idxmin(),
        "ranks": pd.DataFrame({"our rank": ours.astype(int), "seed rank": theirs.astype(int)}),
        "moved most": list(moved.index[:3]),
    }


class Setting:
    """What every experiment notebook starts from: the profile, the data splits, the artifact folder,
    and the baselines' validation MSE."""

    def __init__(self, profile, seed, data_dir=None, output_dir=None):
        from . import experiment

        self.profile = experiment.get_profile(profile)
        self.seed = seed
        self.splits = experiment.load_splits(profile, seed, data_dir=data_dir)
        self.out_dir = experiment.output_dir(profile, output_dir)
        val = self.splits["val"]
        predictions = evaluation.baseline_predictions(val, self.splits["train"].clean.mean(axis=0))
        self.val_baselines = evaluation.metric_table(predictions, val)["overall"]

    def train(self, model_ids):
        return train_models(model_ids, self.splits, self.profile, self.seed, self.out_dir)

    def train_spread(self, model_id):
        return train_spread(model_id, self.splits, self.profile, self.seed, self.out_dir)


def describe_family(results):
    """For a notebook: each model's decisions and size. Exact on every machine (no trained number in it)."""
    from IPython.display import Markdown, display

    for model_id, result in results.items():
        spec = models.spec(model_id)
        loss = "" if spec.loss == "mse" else f", loss {spec.loss}"
        size = " Accelerator-sized." if spec.accelerator_sized else ""
        display(Markdown(
            f"### Model {model_id}\n\n{spec.note}\n\n{result.model.count_params():,} parameters; batch size "
            f"{spec.batch_size}, learning rate {spec.learning_rate:g}{loss}.{size}"))


def show_family(results, setting, title):
    """For a notebook: how each model trained and its verdict, then one figure of all their loss curves.
    These numbers come out of training, so they agree across machines within a tolerance only."""
    import matplotlib.pyplot as plt
    from IPython.display import Markdown, display

    from . import plots

    val = setting.splits["val"]
    lines = []
    for model_id, result in results.items():
        _, reason = evaluation.collapse_verdict(evaluation.reconstruct(result.model, val.corrupted), val.clean)
        train_mse, val_mse = kept_mse(result)
        seed = (f" (the seed reported {SEED_RESULTS[model_id][0]} and {SEED_RESULTS[model_id][1]})"
                if model_id in SEED_RESULTS else "")
        lines.append(
            f"- **Model {model_id}** kept epoch {result.best_epoch} of {len(result.history)}: training MSE "
            f"{train_mse:.4f}, validation MSE {val_mse:.4f}{seed}. Verdict: {reason}.")
    display(Markdown("\n".join(lines)))
    histories = {f"model {model_id}": training.history_frame(result) for model_id, result in results.items()}
    plots.loss_curves(histories, setting.val_baselines.to_dict(), f"{title} ({setting.profile.name} profile)")
    plt.show()
