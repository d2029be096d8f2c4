"""The whole study: training a family of models, and the results table that compares all of them.

The seed's 21 models come with the seed's own losses to compare against; the U-Net family beyond the
seed has none. Every model is compared on its validation MSE, whatever loss it was trained on (Keras adds
a model's regularisation penalties to its loss, so the loss is the MSE only for the models without them).
"""

from dataclasses import replace
from functools import cached_property
from types import SimpleNamespace

import numpy as np
import pandas as pd

from . import classifier, correctors, data, evaluation, evaluation_cache, labels, models, paths, profiles, training
from .corruptions import FAMILIES

# The seed's table of all models: (training loss, validation loss) as printed.
SEED_RESULTS = {
    "0": (0.1, 0.1),
    "1": (0.09, 0.09),
    "2": (0.09, 0.091),
    "3": (0.109, 0.109),
    "4": (0.111, 0.112),
    "5": (0.0856, 0.0865),
    "6": (0.1158, 0.1506),
    "7": (0.1113, 0.1561),
    "8": (0.1088, 0.1089),
    "8.1": (0.0880, 0.0886),
    "9": (0.1091, 0.1224),
    "10": (0.0820, 0.0837),
    "11": (0.0818, 0.0830),
    "12": (0.0717, 0.0756),
    "13": (0.0771, 0.0788),
    "14": (0.0730, 0.0758),
    "15": (0.1574, 0.1575),
    "16": (0.1413, 0.1421),
    "17": (0.1631, 0.1634),
    "18": (0.1601, 0.1611),
    "19": (0.0901, 0.1408),
}


def family_ids(family):
    return [model_id for model_id, spec in models.MODELS.items() if spec.family == family]


# The seed trained its deep models at batch size 512; the study trains models 0-15 at 128. These models
# are trained at both sizes, seeds as the study's, to measure what the choice does (notebook 10).
BATCH_ABLATION_MODELS = ("3", "7", "12")
BATCH_ABLATION_SIZES = (128, 512)


# Run-to-run noise within each family of the seed's models: one representative network per family, trained
# SPREAD_RUNS times with seeds one apart, as (model id, run). Model 9 is model 5 with the next seed (its seed
# offset), so it is the sweep's second run. The cheapest families come first: a training stage stopped early
# has finished the most of them.
FAMILY_RUNS = {
    "light": (("19", 0), ("19", 1), ("19", 2)),
    "regularised": (("14", 0), ("14", 1), ("14", 2)),
    "sweep": (("5", 0), ("9", 0), ("5", 2)),
    "deep": (("12", 0), ("12", 1), ("12", 2)),
    "baseline": (("3", 0), ("3", 1), ("3", 2)),
}

# The seed's discussion: on Fashion-MNIST "architecture don't need to be too deep", while KMNIST needed "much deeper
# network architectures". Tested on both datasets: the seed's Fashion-MNIST network and its deep model 12, two runs
# each so that depth is judged against their run-to-run noise, beside the best of the seed's models and U-Net 23.
DEPTH_RUNS = {"shallow": 2, "12": 2, "3": 1, "23": 1}  # model id -> runs (seeds one apart)
DEPTH_DATASETS = ("kmnist", "fashion-mnist")


def batch_ablation_runs():
    """(model id, batch size) of every run the batch-size ablation needs that the study itself does not train."""
    return [
        (model_id, batch_size)
        for model_id in BATCH_ABLATION_MODELS
        for batch_size in BATCH_ABLATION_SIZES
        if batch_size != models.spec(model_id).batch_size
    ]


def kept_mse(result):
    """(training MSE, validation MSE) at the kept epoch, as logged (``mse``, ``val_mse``): the loss is not
    the MSE for a model with regularisation penalties or another loss."""
    best = result.history[result.best_epoch - 1]
    return best["mse"], best["val_mse"]


def best_model(results, model_ids):
    """Of ``model_ids``, the one with the lowest validation MSE: how the study picks a model."""
    return min(model_ids, key=lambda model_id: kept_mse(results[model_id])[1])


def final_models(results):
    """The models the final evaluation sets side by side, model id -> its name in the tables: the best of the
    seed's models by validation MSE (what the seed's protocol would choose), the seed's own final model
    (``models.SEED_FINAL_MODEL``) and the best model overall. A model in more than one role has one name
    that lists them, so that no table shows one model twice."""
    roles = joined_roles(
        (best_model(results, models.SEED_MODEL_IDS), "best of the seed's models"),
        (models.SEED_FINAL_MODEL, "the seed's final model"),
        (best_model(results, models.MODEL_IDS), "best overall"),
    )
    return {model_id: f"model {model_id} ({role})" for model_id, role in roles.items()}


def joined_roles(*roles):
    """(model id, role) pairs as model id -> its roles joined, in order: one entry per model."""
    joined = {}
    for model_id, role in roles:
        joined.setdefault(model_id, []).append(role)
    return {model_id: ", ".join(names) for model_id, names in joined.items()}


def target(direction, bound, why, reached, interval=None, runs=()):
    """One of the report's targets: ``reached`` against ``bound`` (``direction`` ">=" or "<="), and why the bound
    is there. With a 95% ``interval`` of the value reached (low, high), the verdict is *met* where the whole
    interval lies on the bound's side, *missed* where it lies wholly beyond, and *within noise* where it holds
    the bound; without one, the value is met or missed as it stands. The values of further ``runs`` (the same
    network trained with other seeds) count as the interval's ends do: met only where every run reaches it."""
    meets = (lambda value: value >= bound) if direction == ">=" else (lambda value: value <= bound)
    ends = (reached, reached) if interval is None else tuple(float(end) for end in interval)
    values = [*ends, *runs]
    verdict = "met" if all(map(meets, values)) else "missed" if not any(map(meets, values)) else "within noise"
    return {
        "target": f"{direction} {bound:g}",
        "why there": why,
        "reached": float(reached),
        **({} if interval is None else {"interval": list(ends)}),
        **({"runs": [float(value) for value in runs]} if runs else {}),
        "verdict": verdict,
    }


def glance_models(best_seed, best_new):
    """The models the figures and the robustness tables show, model id -> role: the best of the seed's models, the
    seed's final model and the best U-Net (one entry per model, its roles joined)."""
    return joined_roles(
        (best_seed, "best of the seed's"), (models.SEED_FINAL_MODEL, "the seed's final"), (best_new, "best U-Net")
    )


def collapse_summary(table, uncorrected_val_mse):
    """The report's one verdict on collapse: the results table's, on the validation images, where models are
    chosen (the final evaluation shows the test images' beside it, named as such). Returns the ids of the
    collapsed models, of the others that beat the uncorrected input's validation MSE, and of the others that
    do not."""
    collapsed = [model_id for model_id in table.index if table.loc[model_id, "collapsed"]]
    others = [model_id for model_id in table.index if model_id not in collapsed]
    beat = [model_id for model_id in others if table.loc[model_id, labels.VAL_MSE] < uncorrected_val_mse]
    return collapsed, beat, [model_id for model_id in others if model_id not in beat]


def best_new_model(results):
    """The U-Net family's best model: the one the report trains ``training.SPREAD_RUNS`` times."""
    return best_model(results, family_ids("u-net"))


def best_new_model_of_records(records):
    """The best U-Net from the result records of finished runs (model id -> record, as ``artifacts.read_record``
    gives it, or None where a U-Net has none), before any network is loaded: None unless every U-Net has one."""
    if not all(records.values()):
        return None
    return best_new_model({model_id: SimpleNamespace(**record) for model_id, record in records.items()})


def verdict(result, split, setting):
    """The collapse ``evaluation.Verdict`` on a model's corrections of ``split``, the reader's accuracy included."""
    return evaluation.collapse_verdict(setting.measures(result, split), split, setting.mean_image)


def results_table(results, setting):
    """One row per model: its size and the size of its code, how it trained, our MSE beside the seed's
    losses, and the verdict on collapse (on the validation split). ``val loss`` is what early stopping
    watched, the penalties included, and so what the seed's losses compare with."""
    val = setting.splits["val"]
    rows = []
    for model_id, result in results.items():
        train_mse, val_mse = kept_mse(result)
        judged = verdict(result, val, setting)
        seed_train, seed_val = SEED_RESULTS.get(model_id, (np.nan, np.nan))
        rows.append(
            {
                "model": model_id,
                "family": models.spec(model_id).family,
                "parameters": result.model.count_params(),
                "code": models.code_text(result.model),
                "code values": models.code_size(result.model),
                "batch size": result.config.batch_size,
                "epochs": len(result.history),
                "best epoch": result.best_epoch,
                labels.TRAIN_MSE: train_mse,
                labels.VAL_MSE: val_mse,
                labels.VAL_LOSS: result.history[result.best_epoch - 1]["val_loss"],
                "collapsed": judged.collapsed,
                "verdict": judged.kind,
                labels.SEED_TRAIN_LOSS: seed_train,
                labels.SEED_VAL_LOSS: seed_val,
                "time (s)": round(result.seconds, 1),
                "trained on": result.trained_on,
            }
        )
    return pd.DataFrame(rows).set_index("model")


def batch_ablation_table(runs, setting):
    """One row per (model, batch size) of the ablation (``runs``: that pair -> ``TrainResult``): epochs,
    kept epoch, the validation MSE after the first epoch (where batch normalisation's moving statistics
    lag most) and at the kept one, time per epoch and the verdict on collapse."""
    rows = {}
    for (model_id, batch_size), result in runs.items():
        judged = verdict(result, setting.splits["val"], setting)
        rows[(model_id, batch_size)] = {
            "epochs": len(result.history),
            "best epoch": result.best_epoch,
            "val MSE after epoch 1": result.history[0]["val_mse"],
            labels.VAL_MSE: kept_mse(result)[1],
            "seconds per epoch": result.seconds / len(result.history),
            "verdict": judged.kind,
        }
    table = pd.DataFrame(rows).T.rename_axis(["model", "batch size"])
    return table.astype(
        {
            "epochs": int,
            "best epoch": int,
            "val MSE after epoch 1": float,
            labels.VAL_MSE: float,
            "seconds per epoch": float,
        }
    )


def spread_table(runs, measures, test):
    """One row per run of one network (its seed, kept epoch, validation MSE, and from ``measures``, the
    ``Measures`` of each run's corrections of the ``test`` images, its test MSE, PSNR, SSIM and the reader's
    accuracy), then the mean and the sample standard deviation over the runs."""
    rows = {}
    for run, (result, measured) in enumerate(zip(runs, measures, strict=True)):
        rows[f"run {run} (seed {result.config.seed})"] = {
            "best epoch": result.best_epoch,
            labels.VAL_MSE: kept_mse(result)[1],
            labels.TEST_MSE: measured.mse.mean(),
            labels.PSNR: measured.psnr.mean(),
            labels.SSIM: measured.ssim.mean(),
            labels.READ: measured.accuracy(test)["overall"],
        }
    table = pd.DataFrame(rows).T
    return pd.concat([table, table.agg(["mean", "std"]).rename(index={"std": "standard deviation"})])


def readability_table(measures, test, mean_image):
    """Every model's corrections of the test set (model id -> their ``Measures``): its family, the test MSE, PSNR
    and SSIM, the edge contrast (% of the clean images'), the reader's accuracy (%), overall and on its worst
    family, and the verdict on collapse (``mean_image``: the mean training image it is judged against)."""
    rows = {}
    for model_id, measured in measures.items():
        accuracy = measured.accuracy(test)
        worst = min(FAMILIES, key=accuracy.get)
        rows[model_id] = {
            "family": models.spec(model_id).family,
            labels.TEST_MSE: measured.mse.mean(),
            labels.PSNR: measured.psnr.mean(),
            labels.SSIM: measured.ssim.mean(),
            labels.EDGE_CONTRAST: evaluation.edge_contrast(measured, test)["overall"],
            labels.READ: accuracy["overall"],
            "worst family": worst,
            labels.READ_ON_WORST: accuracy[worst],
            "verdict": evaluation.collapse_verdict(measured, test, mean_image).kind,
        }
    numbers = [labels.TEST_MSE, labels.PSNR, labels.SSIM, labels.EDGE_CONTRAST, labels.READ, labels.READ_ON_WORST]
    return pd.DataFrame(rows).T.astype(dict.fromkeys(numbers, float)).rename_axis("model")


def moving_statistics_prediction(ablation):
    """The batch-size section's prediction, judged per model of ``batch_ablation_table``: if batch
    normalisation's moving statistics are to blame for the seed's losses at batch size 512, the run at 512
    validates worse after its first epoch than the run at 128, or collapses. Model id -> how it held (the
    reasons among ``WORSE_AFTER_FIRST_EPOCH`` and ``COLLAPSED_AT_512``, none where it failed)."""
    held = {}
    for model_id in dict.fromkeys(ablation.index.get_level_values("model")):
        small, large = ablation.loc[(model_id, 128)], ablation.loc[(model_id, 512)]
        held[model_id] = tuple(
            reason
            for reason, holds in (
                (WORSE_AFTER_FIRST_EPOCH, large["val MSE after epoch 1"] > small["val MSE after epoch 1"]),
                (COLLAPSED_AT_512, large["verdict"] != "learned"),
            )
            if holds
        )
    return held


WORSE_AFTER_FIRST_EPOCH, COLLAPSED_AT_512 = "worse after the first epoch", "collapsed"


def what_differs(first, second):
    """Everything that differs between two models of the study, one phrase each: family, depth, size,
    code, loss, batch size, learning rate, seed offset."""

    def describe(model_id):
        spec, model = models.spec(model_id), models.build(model_id)
        return {
            "family": spec.family,
            "layers": len(model.layers),
            "parameters": f"{model.count_params():,}",
            "code": models.code_text(model),
            "loss": spec.loss,
            "batch size": spec.batch_size,
            "learning rate": f"{spec.learning_rate:g}",
            "seed offset": spec.seed_offset,
        }

    a, b = describe(first), describe(second)
    return [f"{name} {a[name]} against {b[name]}" for name in a if a[name] != b[name]]


def family_runs_table(runs, measures=None, test=None):
    """The repeated runs of each family's representative (``Setting.train_family_runs``: (model id, run) ->
    ``TrainResult``): one row per run, its family, seed and validation MSE, and with ``measures`` (the same keys
    -> the ``Measures`` of its corrections of the ``test`` images) the reader's accuracy (%) on them."""
    rows = {}
    for (model_id, run), result in runs.items():
        family = next(family for family, family_runs in FAMILY_RUNS.items() if (model_id, run) in family_runs)
        row = {"family": family, "seed": result.config.seed, labels.VAL_MSE: kept_mse(result)[1]}
        if measures is not None:
            row[labels.READ] = measures[(model_id, run)].accuracy(test)["overall"]
        rows[f"model {model_id}, run {run}"] = row
    return pd.DataFrame(rows).T.infer_objects().rename_axis("run")


def noise_levels(family_runs, spread=None):
    """How far another run moves a result, per family, from the study's own repeated runs: each of the seed's
    families' representative trained with seeds one apart (``family_runs_table``), and the best U-Net's spread
    runs (``spread_table``) for the U-Nets. For each measure the runs have (validation MSE; ``read``: the
    reader's accuracy, in points) and each family: the range over its runs, largest minus smallest. Two or
    three runs give a rough measure, not a precise one; a difference between two models is judged against
    the larger noise of their families (``mse_noise``, ``read_noise``)."""
    tables = [family_runs]
    if spread is not None:
        tables.append(spread.drop(index=["mean", "standard deviation"]).assign(family="u-net"))
    runs = pd.concat(tables)
    measures = {labels.VAL_MSE: labels.VAL_MSE, "read": labels.READ}
    return {
        name: {family: float(np.ptp(group[column])) for family, group in runs.groupby("family", sort=False)}
        for name, column in measures.items()
        if column in runs
    }


def summary_noise(final):
    """``noise_levels`` of a build's repeated runs, from its final evaluation summary (``final_evaluation.json``)."""
    return noise_levels(pd.DataFrame.from_dict(final["family runs"], orient="index"), pd.DataFrame(final["spread"]))


def more_readable_beyond_noise(read, uncorrected, noise, model_ids):
    """The models of ``model_ids`` whose readability (``read``: model id -> %) exceeds the uncorrected input's
    by more than the readability noise of their family (``read_noise``)."""
    return [
        model_id
        for model_id in model_ids
        if judged_difference(read[model_id] - uncorrected, read_noise(noise, model_id)) == "higher"
    ]


def mse_noise(noise, *model_ids):
    """The validation-MSE noise (``noise_levels``) a difference between ``model_ids`` is judged on: the
    largest of their families'."""
    return max(noise[labels.VAL_MSE][models.spec(model_id).family] for model_id in model_ids)


def read_noise(noise, *model_ids):
    """The readability noise (``noise_levels``, points) a difference between ``model_ids`` is judged on: the
    largest of their families'."""
    return max(noise["read"][models.spec(model_id).family] for model_id in model_ids)


def models_text(ids):
    """Model ids in words: "model 3", "models 0, 4", "no model"."""
    if not ids:
        return "no model"
    return ("model " if len(ids) == 1 else "models ") + ", ".join(str(model_id) for model_id in ids)


def readable_text(readable, beyond_noise, seed_models):
    """How many of the seed's models make the characters more readable than the uncorrected input: at all
    (``readable``) and beyond the run-to-run noise of their family (``beyond_noise``)."""
    if not readable:
        return f"None of the seed's {seed_models} models makes the characters more readable than the uncorrected input."
    return (
        f"{len(readable)} of the seed's {seed_models} models make the characters more readable than the uncorrected "
        f"input ({models_text(readable)}); "
        + (
            "every one of them"
            if beyond_noise == readable
            else f"{len(beyond_noise)} ({models_text(beyond_noise)})"
            if beyond_noise
            else "none of them"
        )
        + " by more than the run-to-run noise of its family."
    )


def judged_difference(difference, noise, p_value=None):
    """A difference in words against the noise it is judged on (and, for readability, the paired test's
    p-value over the same test images): within noise, or a real difference."""
    if abs(difference) <= noise or (p_value is not None and p_value >= 0.05):
        return "within noise"
    return "higher" if difference > 0 else "lower"


def ranking_agreement(table):
    """How our ranking by validation loss compares with the seed's, over the seed's models: a Spearman
    correlation, the best model of each, and the models whose rank moved most."""
    table = table[table[labels.SEED_VAL_LOSS].notna()]  # the seed's losses compare with ours, penalties included
    ours = table[labels.VAL_LOSS].rank(method="min")
    theirs = table[labels.SEED_VAL_LOSS].rank(method="min")
    moved = (ours - theirs).abs().sort_values(ascending=False, kind="stable")
    return {
        "spearman": float(np.corrcoef(ours, theirs)[0, 1]),
        "our best": table[labels.VAL_LOSS].idxmin(),
        "seed best": table[labels.SEED_VAL_LOSS].idxmin(),
        "ranks": pd.DataFrame({"our rank": ours.astype(int), "seed rank": theirs.astype(int)}),
        "moved most": list(moved.index[:3]),
    }


# An earlier full-profile run of the seed's 21 models and the reader, trained on a GPU with an older version
# of this code (2026-11): what the discussion checks this build against. Accuracies are on the test set.
EARLIER_RUN = {
    "best seed model": "3",
    "model 3's val MSE": 0.0340,
    "collapsed": ("0", "4"),
    "spearman": 0.56,
    "read": {labels.CLEAN: 95.1, labels.UNCORRECTED: 69.1, "model 3": 80.7, "model 12": 63.2},
}


def against_earlier_run(table, final, noise):
    """This build beside ``EARLIER_RUN``: the seed's best model and the collapsed ones (``same``; those
    collapsed here only), and each number with its difference judged against ``noise`` (``noise_levels``)
    where the study measures one (``beyond noise``: the rows whose difference exceeds it)."""
    seed_models = table.loc[list(models.SEED_MODEL_IDS)]
    read_here = {  # each accuracy with the noise it is judged on; the reader was trained once: no spread
        labels.CLEAN: (final["controls"][labels.CLEAN]["overall"], np.nan),
        labels.UNCORRECTED: (final["controls"][labels.UNCORRECTED]["overall"], np.nan),
        **{f"model {m}": (final["readability"][labels.READ][m], read_noise(noise, m)) for m in ("3", "12")},
    }
    rows = {
        "model 3's val MSE": (EARLIER_RUN["model 3's val MSE"], table.loc["3", labels.VAL_MSE], mse_noise(noise, "3")),
        "Spearman with the seed's ranking": (EARLIER_RUN["spearman"], ranking_agreement(table)["spearman"], np.nan),
        **{
            f"read correctly (%), test images: {name}": (earlier, *read_here[name])
            for name, earlier in EARLIER_RUN["read"].items()
        },
    }
    numbers = pd.DataFrame(rows, index=["earlier run", "this build", "noise"]).T
    numbers["difference"] = numbers["this build"] - numbers["earlier run"]
    numbers["judged"] = [
        "no spread measured" if np.isnan(row.noise) else judged_difference(row.difference, row.noise)
        for row in numbers.itertuples()
    ]
    collapsed = tuple(seed_models.index[seed_models["collapsed"]])
    best = seed_models[labels.VAL_MSE].idxmin()
    return {
        "numbers": numbers,
        "beyond noise": numbers[numbers["noise"].notna() & (numbers["judged"] != "within noise")],
        "best": best,
        "same best": best == EARLIER_RUN["best seed model"],
        "collapsed": collapsed,
        "same collapsed": collapsed == EARLIER_RUN["collapsed"],
        "collapsed here only": tuple(m for m in collapsed if m not in EARLIER_RUN["collapsed"]),
    }


class Setting:
    """The one handle on a run of the study, for the notebooks and the training stage alike: the profile, the
    seed, the dataset (``lib.data.DATASETS``), its splits and the artifact folder; every network the report needs
    (``planned_networks``), trained or found in the cache by ``fit``; the reader and its control; the mean training
    image and the baselines' validation MSE."""

    def __init__(self, profile, seed, data_dir=None, output_dir=None, dataset=paths.DEFAULT_DATASET):
        self.profile = profiles.get_profile(profile)
        self.seed, self.data_dir, self.dataset = seed, data_dir, dataset
        self.splits = profiles.load_splits(profile, seed, dataset, data_dir)
        self.out_dir = paths.output_dir(profile, output_dir, dataset)
        self._heads = {}  # ladder -> the orientation head's network (``head_network``)
        self._datasets = {}  # dataset -> this run on it (``on_dataset``)

    def test_split(self, severity):
        """The test images corrupted at another ``severity`` (1 to 5), as ``splits["test"]`` is at 3."""
        return profiles.test_split(self.profile.name, self.seed, self.dataset, self.data_dir, severity)

    def pairs_test_split(self):
        """The test images each corrupted by two families at once (``profiles.pairs_test_split``)."""
        return profiles.pairs_test_split(self.profile.name, self.seed, self.dataset, self.data_dir)

    @cached_property
    def mean_image(self):
        return self.splits["train"].clean.mean(axis=0)

    @cached_property
    def val_baselines(self):
        """The validation MSE of each baseline (``evaluation.BASELINES``)."""
        val = self.splits["val"]
        return evaluation.metric_table(self.reference_measures(evaluation.BASELINES, val), val)["overall"]

    def measures(self, network, split, reader=None, second=False):
        """The ``evaluation.Measures`` of ``network``'s corrections of ``split`` (a ``TrainResult``), read by the
        reader or by ``reader`` (a ``TrainResult``); with ``second``, read by the second reader instead (its
        readings in ``read``): computed once, then kept (``lib.evaluation_cache``)."""
        measured = evaluation_cache.network_measures(self.out_dir, network, split, reader or self.reader_run)
        if not second:
            return measured
        return replace(
            measured, read=evaluation_cache.network_readings(self.out_dir, network, split, self.second_reader_run)
        )

    def reference_measures(self, names, split, reader=None, second=False):
        """Name -> the ``evaluation.Measures`` of each reference answer of ``names`` (baselines, ``labels.CLEAN``)
        for ``split``, read as ``measures`` reads: computed once, then kept."""
        measured = {
            name: evaluation_cache.reference_measures(
                self.out_dir, name, split, self.mean_image, reader or self.reader_run
            )
            for name in names
        }
        if not second:
            return measured
        return {
            name: replace(
                measures,
                read=evaluation_cache.reference_readings(
                    self.out_dir, name, split, self.mean_image, self.second_reader_run
                ),
            )
            for name, measures in measured.items()
        }

    def undoing_readings(self, split):
        """Per image of ``split``: does the reader's search over flips and turns read it right (``right``), does
        any flip or turn (``any_right``)? Computed once (``evaluation_cache.undoing_readings``)."""
        return evaluation_cache.undoing_readings(self.out_dir, self.reader_run, split)

    def autoencoder(self, model_id, run=0, batch_size=None):
        """Autoencoder ``model_id`` as this run trains it (``run``, ``batch_size``: as ``training.config_for``)."""
        config = training.config_for(model_id, self.seed, self.profile.max_epochs, run, batch_size)
        return self._named(training.autoencoder(config, self.splits["train"], self.splits["val"], run))

    def _named(self, network):
        """``network``, its name saying the dataset where that is not KMNIST: the training stage and the published
        set tell networks apart by name, and one setting may plan another dataset's (``depth_networks``)."""
        if self.dataset == paths.DEFAULT_DATASET:
            return network
        return replace(network, name=f"{network.name} on {data.DATASETS[self.dataset]['name']}")

    def on_dataset(self, dataset):
        """This run on ``dataset``: the same profile and seed, and the same artifact folder (a key hashes the data,
        so no network of one dataset stands in for another's)."""
        if dataset == self.dataset:
            return self
        if dataset not in self._datasets:
            self._datasets[dataset] = Setting(self.profile.name, self.seed, self.data_dir, self.out_dir, dataset)
        return self._datasets[dataset]

    def depth_networks(self):
        """The networks of the depth experiment (``DEPTH_RUNS``) on each dataset of ``DEPTH_DATASETS``, after that
        dataset's reader, which judges their readability."""
        return [
            network
            for setting in map(self.on_dataset, DEPTH_DATASETS)
            for network in (
                setting.reader_network(),
                *(setting.autoencoder(model_id, run) for model_id, runs in DEPTH_RUNS.items() for run in range(runs)),
            )
        ]

    @cached_property
    def ladder_splits(self):
        """The training and validation images at every severity (``profiles.ladder_splits``)."""
        return profiles.ladder_splits(self.profile.name, self.seed, self.dataset, self.data_dir)

    def head_network(self, ladder=False):
        """The orientation head of an upright corrector (``correctors.orientation_head``), trained on the splits the
        corrector trains on (with ``ladder``, the whole severity ladder's); made once, since its labels take a while
        to compute (``correctors.undoing_labels``)."""
        if ladder not in self._heads:
            config = correctors.head_config(self.seed, self.profile.max_epochs, ladder)
            self._heads[ladder] = correctors.head_network(config, self.ladder_splits if ladder else self.splits)
        return self._heads[ladder]

    def corrector(self, corrector_id, run=0):
        """Corrector ``corrector_id`` (``lib.correctors``) as this run trains it."""
        spec = correctors.spec(corrector_id)
        config = correctors.config_for(corrector_id, self.seed, self.profile.max_epochs, run)
        uses = (self.head_network(spec.ladder).key,) if spec.upright else ()
        uses += (self.reader_network().key,) if spec.reader_weight else ()
        return correctors.corrector(
            config,
            self.ladder_splits if spec.ladder else self.splits,
            run,
            reader=lambda: self.reader_run,
            head=lambda: self.fit(self.head_network(spec.ladder)),
            uses=uses,
        )

    def reader_network(self, model_id=classifier.MODEL_ID):
        """The reader, its control trained on the corrupted images (``classifier.CONTROL_ID``) or the second
        reader (``classifier.SECOND_READER_ID``)."""
        config = classifier.config_for(self.seed, self.profile.max_epochs, model_id)
        return self._named(classifier.reader(config, self.splits["train"], self.splits["val"]))

    def planned_networks(self, spread_model=None):
        """Every network the report needs, in the order the training stage trains them; the spread runs once
        the best U-Net, ``spread_model``, is known.

        The batch-size ablation goes first, at both sizes (at the study's own size these are the study's runs of
        those models): what it finds decides the batch size of the seed's models.
        The spread runs need every U-Net trained to know which one to repeat, and U-Net 23 is the costliest
        network: the U-Nets go next, the widest first, so that stages started together do not all wait on
        it at the end. Then the reader, its control and the second reader, the seed's other models, and the
        further runs of each family's representative (``FAMILY_RUNS``)."""
        u_nets = family_ids("u-net")[::-1]
        ablation = [(model_id, size) for model_id in BATCH_ABLATION_MODELS for size in BATCH_ABLATION_SIZES]
        plan = [self.autoencoder(model_id, batch_size=size) for model_id, size in ablation]
        plan += [self.autoencoder(model_id) for model_id in u_nets]
        plan += [
            self.reader_network(),
            self.reader_network(classifier.CONTROL_ID),
            self.reader_network(classifier.SECOND_READER_ID),
        ]
        plan += [
            self.autoencoder(model_id)
            for model_id in models.MODEL_IDS
            if model_id not in u_nets and model_id not in BATCH_ABLATION_MODELS
        ]
        plan += [self.autoencoder(model_id, run) for runs in FAMILY_RUNS.values() for model_id, run in runs if run]
        if spread_model is not None:
            plan += [self.autoencoder(spread_model, run) for run in range(1, training.SPREAD_RUNS)]
        return plan

    def coming_networks(self):
        """The networks the report does not read yet, trained and published first (``lib.published``), then read:
        of the question whether a correction reads as well as clean, the orientation head and the networks that
        choose the final corrector (``choosing_networks``) but U-Net 23's study run, whose final runs follow once
        these are trained (``corrector_evaluation.final_corrector_id``, ``corrector_runs``); and those of the
        depth experiment (``depth_networks``) that the report does not need already."""
        planned = {network.name for network in self.planned_networks()}
        depth = [network for network in self.depth_networks() if network.name not in planned]
        return [self.head_network(), *self.ablation_correctors().values(), *self.base_runs()[1:], *depth]

    def ablation_correctors(self):
        """Corrector id -> the corrector of each idea of ``lib.correctors``, measured alone against U-Net 23."""
        return {corrector_id: self.corrector(corrector_id) for corrector_id in correctors.CORRECTOR_IDS}

    def base_runs(self):
        """U-Net 23's runs (run 0 the study's own), seeds one apart: the spread every corrector is judged against."""
        return [self.autoencoder(correctors.BASE_MODEL, run) for run in range(training.SPREAD_RUNS)]

    def choosing_networks(self):
        """The networks whose evaluation on the validation images chooses the final corrector: each corrector of
        the ablation and U-Net 23's runs."""
        return [*self.ablation_correctors().values(), *self.base_runs()]

    def corrector_runs(self, corrector_id):
        """Every run of corrector ``corrector_id``, seeds one apart (as many as the best U-Net's spread runs)."""
        return [self.corrector(corrector_id, run) for run in range(training.SPREAD_RUNS)]

    def fit(self, network, log=print, wait=True):
        """``network`` trained, or found in this run's artifact folder or the published set (``training.fit``)."""
        return training.fit(network, self.out_dir, log, wait)

    def train(self, model_ids):
        """The models, trained or loaded, and the reader that judges them (first, so that its log comes here)."""
        _ = self.reader_run
        return {model_id: self.fit(self.autoencoder(model_id)) for model_id in model_ids}

    def train_batch_ablation(self):
        """Every (model, batch size) of the batch-size ablation -> its ``TrainResult`` (the study's own runs
        from the cache)."""
        return {
            (model_id, batch_size): self.fit(self.autoencoder(model_id, batch_size=batch_size))
            for model_id in BATCH_ABLATION_MODELS
            for batch_size in BATCH_ABLATION_SIZES
        }

    def train_family_runs(self):
        """Every run of each family's representative (``FAMILY_RUNS``; run 0 is the study's own, from the
        cache): (model id, run) -> ``TrainResult``."""
        return {
            (model_id, run): self.fit(self.autoencoder(model_id, run))
            for runs in FAMILY_RUNS.values()
            for model_id, run in runs
        }

    def train_spread(self, model_id):
        """Every run of ``model_id`` (run 0 is the study's own, from the cache): the run-to-run spread."""
        return [self.fit(self.autoencoder(model_id, run)) for run in range(training.SPREAD_RUNS)]

    @cached_property
    def reader_run(self):
        """The training of the classifier on clean images that judges readability (``lib.classifier``)."""
        return self.fit(self.reader_network())

    @property
    def reader(self):
        return self.reader_run.model

    @cached_property
    def second_reader_run(self):
        """The training of the second reader, which judges the corrections independently
        (``classifier.SECOND_READER_ID``); nothing that trains or chooses a corrector reads it."""
        return self.fit(self.reader_network(classifier.SECOND_READER_ID))

    @cached_property
    def control_reader_run(self):
        """The control: the reader's network and protocol trained on the corrupted images instead."""
        return self.fit(self.reader_network(classifier.CONTROL_ID))
