"""The report's abstract, on its first page: the question, the answer and what the seed's models do to
readability, every number written from the build's results files (``results_files``), none typed.

The combined report (``lib.report``) opens with it, so that a reader meets the headline first and not after
the methods and every family's results.
"""

from pathlib import Path

from . import data, labels, models, paths, results_files, study
from .corruptions import FAMILIES

MAX_WORDS = 200


def text(folder, dataset=paths.DEFAULT_DATASET):
    """The abstract, in Markdown, from the results files in ``folder`` (a build's artifact folder on ``dataset``)."""
    folder = Path(folder)
    return abstract(results_files.read_table(folder), results_files.read_final(folder), dataset)


def abstract(table, final, dataset=paths.DEFAULT_DATASET):
    """The abstract from the results table and the final evaluation's summary of a build on ``dataset``."""
    name, item = data.DATASETS[dataset]["name"], data.DATASETS[dataset]["item"]
    best, seed_best, seed_final = final["final model"], final["best seed model"], models.SEED_FINAL_MODEL
    headline = final["headline"]
    clean, uncorrected = (headline[name][labels.READ]["overall"] for name in (labels.CLEAN, labels.UNCORRECTED))
    read = final["readability"][labels.READ]
    mse = final["readability"][labels.TEST_MSE]
    uncorrected_mse = headline[labels.UNCORRECTED][labels.MSE]["overall"]
    worst = final["test verdicts"][best]["worst family"]
    seed_ids = [model_id for model_id in models.SEED_MODEL_IDS if model_id in read]
    readable = [model_id for model_id in seed_ids if read[model_id] > uncorrected]
    beyond_noise = study.more_readable_beyond_noise(read, uncorrected, study.summary_noise(final), readable)
    collapsed, _, _ = study.collapse_summary(table, final["validation baselines"][labels.UNCORRECTED])
    u_nets = [model_id for model_id in table.index if table.loc[model_id, "family"] == "u-net"]
    gap = round(read[best], 1) - round(clean, 1)  # as the two printed figures give it
    interval = final["read intervals"][final["final name"]]["overall"]
    seed_final_verdict = "more" if read[seed_final] > uncorrected else "less"
    return " ".join(
        [
            f"**Abstract.** Can a convolutional autoencoder hand back a corrupted {item} that a reader "
            f"recognises again? This report re-creates a course-project study of {len(seed_ids)} autoencoders "
            f"that correct {name} {item}s damaged by {len(FAMILIES)} families of corruption (noise, "
            f"rotation, flips, black patches, brightness), and adds {len(u_nets)} U-Nets ({final['profile']} "
            "profile).",
            f"On {final['test images']:,} official test images, a classifier trained on clean {item}s reads "
            f"{clean:.1f}% (95% interval {interval_text(final, labels.CLEAN)}) of the clean images and "
            f"{uncorrected:.1f}% ({interval_text(final, labels.UNCORRECTED)}) of the corrupted ones.",
            f"After correction by the best model, model {best} ({table.loc[best, 'family']}), it reads "
            f"**{read[best]:.1f}%** ({interval[0]:.1f}\u2013{interval[1]:.1f}), {abs(gap):.1f} points "
            f"{'below' if gap < 0 else 'above'} clean (test MSE "
            f"{mse[best]:.4f}, against {uncorrected_mse:.4f} uncorrected); its hardest family, "
            f"{labels.family_text(worst)}, reads {final['readability'][labels.READ_ON_WORST][best]:.1f}% "
            f"({interval_text(final, final['final name'], worst)}).",
            second_reader_text(final),
            study.readable_text(readable, beyond_noise, len(seed_ids)),
            f"The best of the seed's models by validation MSE, model {seed_best}, reads "
            f"{read[seed_best]:.1f}% ({interval_text(final, final['best seed name'])}); the seed's own final model, "
            f"model {seed_final}, reads {read[seed_final]:.1f}% ({interval_text(final, final['seed final name'])}), "
            f"{seed_final_verdict} than "
            f"the uncorrected input{runs_text(final, seed_final, uncorrected, seed_final_verdict)}.",
            f"{len(collapsed)} of the {len(table)} models collapsed, judged on the validation images "
            f"({study.models_text(collapsed)}).",
        ]
    )


def second_reader_text(final):
    """What the second reader reads of the clean images and of the best model's corrections, in a sentence."""
    read = {name: tree[labels.READ]["overall"] for name, tree in final["second reader"]["headline"].items()}
    return (
        f"A second, independent reader (a residual network) reads {read[labels.CLEAN]:.1f}% clean, "
        f"{read[final['final name']]:.1f}% corrected."
    )


def runs_text(final, model_id, uncorrected, verdict):
    """Where the family runs repeat ``model_id``: whether every run reads ``verdict`` ("more" or "less") than the
    uncorrected input's accuracy, in a few words."""
    runs = [run[labels.READ] for name, run in final["family runs"].items() if name.startswith(f"model {model_id}, ")]
    if len(runs) < 2:
        return ""
    if all((value > uncorrected) == (verdict == "more") for value in runs):
        return f" in each of its {len(runs)} runs"
    return f" in this run (its {len(runs)} runs fall on both sides)"


def interval_text(final, name, group="overall"):
    """The 95% interval of an accuracy of the final evaluation's headline (``name``: its column)."""
    low, high = final["read intervals"][name][group]
    return f"{low:.1f}\u2013{high:.1f}"
