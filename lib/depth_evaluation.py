"""The depth experiment: does a deep network help where the seed found a shallow one enough?

The seed began on Fashion-MNIST, where "2 layers of conv2d layers and two dense layers already perform really
well", and found that Kuzushiji-MNIST needed "much deeper network architectures". ``DepthExperiment`` sets the
seed's Fashion-MNIST network (``models.DEPTH_MODELS["shallow"]``) beside its deep final model 12, the best of its
models (3) and U-Net 23 on both datasets (``study.DEPTH_RUNS``, ``study.DEPTH_DATASETS``), each judged by its own
dataset's reader, and the deep model against the shallow one against the noise of their two runs each.
"""

from functools import cached_property

import numpy as np
import pandas as pd

from . import data, evaluation, labels, study

SHALLOW, DEEP = "shallow", "12"
SEED_WORDS = {
    "fashion-mnist": "architecture don't need to be too deep in order to perform well. Using 2 layers of conv2d "
    "layers and two dense layers already perform really well",
    "kmnist": "much deeper network architectures",
}
READ = "read correctly (%)"
GAIN, NOISE = "gain of depth", "noise (largest run range)"


def network_name(model_id):
    """A network of the experiment in words: the seed's shallow Fashion-MNIST network, or model ``model_id``."""
    return "the shallow network" if model_id == SHALLOW else f"model {model_id}"


class DepthExperiment:
    """The depth experiment of one run (``study.Setting``): every network of ``study.DEPTH_RUNS`` on each dataset
    of ``study.DEPTH_DATASETS``, trained or loaded, and measured once on the validation and test images."""

    def __init__(self, setting):
        self.settings = {dataset: setting.on_dataset(dataset) for dataset in study.DEPTH_DATASETS}

    @cached_property
    def runs(self):
        """(dataset, model id) -> the ``TrainResult`` of each run, seeds one apart."""
        return {
            (dataset, model_id): [setting.fit(setting.autoencoder(model_id, run)) for run in range(runs)]
            for dataset, setting in self.settings.items()
            for model_id, runs in study.DEPTH_RUNS.items()
        }

    def measures(self, dataset, result, split):
        setting = self.settings[dataset]
        return setting.measures(result, setting.splits[split])

    @cached_property
    def table(self):
        """One row per network and run: parameters, epochs (kept), validation and test MSE, the share of the test
        images the dataset's reader reads right, and the collapse verdict on the validation images."""
        rows = []
        for (dataset, model_id), results in self.runs.items():
            setting = self.settings[dataset]
            for run, result in enumerate(results):
                val, test = (self.measures(dataset, result, split) for split in ("val", "test"))
                judged = evaluation.collapse_verdict(val, setting.splits["val"], setting.mean_image)
                rows.append(
                    {
                        "dataset": data.DATASETS[dataset]["name"],
                        "model": model_id,
                        "run": run,
                        "parameters": result.model.count_params(),
                        "epochs (kept)": f"{len(result.history)} ({result.best_epoch})",
                        labels.VAL_MSE: float(val.mse.mean()),
                        labels.TEST_MSE: float(test.mse.mean()),
                        READ: float(test.accuracy(setting.splits["test"])["overall"]),
                        "verdict (validation)": "collapsed" if judged.collapsed else "learned",
                    }
                )
        return pd.DataFrame(rows).set_index(["dataset", "model", "run"])

    def values(self, dataset_name, model_id, measure):
        """``measure`` of each run of ``model_id`` on the dataset named ``dataset_name``, from ``table``."""
        rows = self.table.reset_index()
        return rows.loc[(rows["dataset"] == dataset_name) & (rows["model"] == model_id), measure].to_numpy()

    def clean_accuracy(self, dataset):
        """The dataset's reader on its clean test images (%), what a correction's readability is read against."""
        setting = self.settings[dataset]
        test = setting.splits["test"]
        clean = setting.reference_measures([labels.CLEAN], test)[labels.CLEAN]
        return float(clean.accuracy(test)["overall"])

    @cached_property
    def verdicts(self):
        """Per dataset, the deep model 12 against the shallow network: the mean of their runs' validation MSE and
        test readability, the difference (positive where depth helps), the noise it is judged against (the larger
        of the two models' run ranges), for readability the paired McNemar test of their first runs on the same
        test images, and the verdict (``study.judged_difference``: "higher" where depth helps beyond noise)."""
        rows = {}
        for dataset, setting in self.settings.items():
            name = data.DATASETS[dataset]["name"]
            test = setting.splits["test"]
            for measure in (labels.VAL_MSE, READ):
                runs = {model_id: self.values(name, model_id, measure) for model_id in (SHALLOW, DEEP)}
                gain = runs[DEEP].mean() - runs[SHALLOW].mean()
                if measure == labels.VAL_MSE:
                    gain, p_value = -gain, None  # a lower MSE is the gain
                else:
                    first = {model_id: self.runs[dataset, model_id][0] for model_id in (SHALLOW, DEEP)}
                    right = {
                        model_id: self.measures(dataset, result, "test").right(test)
                        for model_id, result in first.items()
                    }
                    p_value = evaluation.mcnemar_p(right[DEEP], right[SHALLOW])
                noise = max(float(np.ptp(values)) for values in runs.values())
                rows[name, measure] = {
                    "shallow (mean)": runs[SHALLOW].mean(),
                    "model 12 (mean)": runs[DEEP].mean(),
                    GAIN: gain,
                    NOISE: noise,
                    "McNemar p": p_value,
                    "verdict": study.judged_difference(gain, noise, p_value),
                }
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis(["dataset", "measure"])

    def answer_text(self):
        """The experiment's answer in sentences, per dataset, then against the seed's two claims."""
        sentences = []
        helps = {}
        for dataset in self.settings:
            name = data.DATASETS[dataset]["name"]
            mse, read = (self.verdicts.loc[(name, measure)] for measure in (labels.VAL_MSE, READ))
            helps[dataset] = mse["verdict"] == "higher"
            means = {model_id: self.values(name, model_id, labels.VAL_MSE).mean() for model_id in study.DEPTH_RUNS}
            best = min(means, key=means.get)
            sentences.append(
                f"On **{name}**, model 12 reaches a validation MSE of {mse['model 12 (mean)']:.4f} against the shallow "
                f"network's {mse['shallow (mean)']:.4f} (means of {len(self.runs[dataset, DEEP])} runs): depth "
                + _judged(mse["verdict"], f"{abs(mse[GAIN]):.4f}", f"{mse[NOISE]:.4f}")
                + f". Its reader reads {read['model 12 (mean)']:.1f}% of model 12's corrections of the test images "
                f"and {read['shallow (mean)']:.1f}% of the shallow network's ({self.clean_accuracy(dataset):.1f}% of "
                f"the clean ones): depth "
                + _judged(read["verdict"], f"{abs(read[GAIN]):.1f} points", f"{read[NOISE]:.1f}", read["McNemar p"])
                + f". The lowest validation MSE there is {network_name(best)}'s, {means[best]:.4f}."
            )
        fashion, kmnist = helps["fashion-mnist"], helps["kmnist"]
        sentences.append(
            "Against the seed: that a shallow network suffices on Fashion-MNIST "
            + ("holds" if not fashion else "does not hold: model 12 is better there beyond the noise")
            + "; that KMNIST needs a deeper network "
            + ("holds for model 12" if kmnist else "does not hold for the seed's deep model 12")
            + "."
        )
        return " ".join(sentences)

    def samples(self, dataset, rng, size=8):
        """``size`` test images of ``dataset`` drawn by ``rng``: (clean, label -> corrupted and each network's
        correction, run 0), as ``plots.family_grid`` draws them."""
        test = self.settings[dataset].splits["test"]
        chosen = np.sort(rng.choice(len(test.clean), size=size, replace=False))
        corrupted = test.corrupted[chosen]
        outputs = {
            network_name(model_id): evaluation.reconstruct(self.runs[dataset, model_id][0].model, corrupted)
            for model_id in study.DEPTH_RUNS
        }
        return test.clean[chosen], {"corrupted": corrupted, **outputs}


def _judged(verdict, gain, noise, p_value=None):
    """A verdict of ``study.judged_difference`` on depth's gain, in words."""
    against = f"the noise of {noise}" + ("" if p_value is None else f", McNemar p = {p_value:.2g}")
    if verdict == "within noise":
        return f"makes no difference beyond noise (a difference of {gain}, against {against})"
    return f"{'helps' if verdict == 'higher' else 'hurts'} by {gain}, beyond {against}"
