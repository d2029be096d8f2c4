"""The build's results files, in the profile's artifact folder: their schema, writing and reading.

``results.csv`` is the results table (``study.results_table``, one row per model), written by
``10_model_comparison`` with ``batch_ablation.csv`` (``study.batch_ablation_table``);
``final_evaluation.json`` is the final evaluation's summary, written by ``11_final_evaluation`` with
``corrections.png``, its figure of corrections per family. ``12_discussion``, the regression check
(``reference_results``) and the README's results (``readme_results``) read them back from here. All are
written atomically. The files store each measure and baseline under its key in ``labels.FILE_KEYS``, and
hand it back under its label: a label reworded for the reader leaves published results readable.
"""

import json
from pathlib import Path

import pandas as pd

from .files import atomic_write
from .labels import FILE_KEYS

LABELS = {key: label for label, key in FILE_KEYS.items()}

TABLE, ABLATION, FINAL, FIGURE = "results.csv", "batch_ablation.csv", "final_evaluation.json", "corrections.png"
FILES = (TABLE, ABLATION, FINAL, FIGURE)
# What final_evaluation.json holds, key by key.
FINAL_SCHEMA = {
    "profile": "the profile the build ran",
    "final model": "the model of lowest validation MSE of all",
    "final name": "its name in the tables",
    "seed pick": "the model of lowest validation MSE among the seed's",
    "seed name": "its name in the tables",
    "best new model": "the best U-Net, the one trained again to measure the spread",
    "collapsed": "whether the final model collapsed",
    "verdict": "the final model's collapse verdict, in a sentence",
    "sharpness ratio": "the final model's edge contrast as a share of the clean images'",
    "test images": "how many test images every accuracy is over",
    "classifier epochs": "the epochs the reader trained",
    "quality": "MSE, PSNR and SSIM of every method, overall and per family",
    "accuracy": "the reader's accuracy (%) on every method's outputs, overall and per family",
    "headline": "the two models and the baselines on every measure",
    "targets": "the targets set for the final model: each one's bound, why it is there, the value reached, met",
    "readability": "every model's test MSE, PSNR, SSIM, edge contrast and accuracy, overall and on its worst family",
    "test verdicts": "every model's worst family for the reader and its collapse verdict, on the test set",
    "severity": "MSE and accuracy at every severity",
    "pairs": "MSE and accuracy on images corrupted by two families at once",
    "spread": "the runs of the best U-Net, their mean and standard deviation",
    "controls": "the reader on corrected images beside the reader trained on corrupted ones, per family",
    "recovered share": "per family, the share of the lost readability a correction recovers",
    "comparisons": "paired comparisons of models: what differs, the readability difference, McNemar's p",
}


class ResultsMissing(FileNotFoundError):
    """A results file that a notebook or the regression check needs and the build has not written."""


def write_table(out_dir, table):
    atomic_write(Path(out_dir) / TABLE, table.rename(columns=FILE_KEYS).to_csv)


def write_ablation(out_dir, ablation):
    atomic_write(Path(out_dir) / ABLATION, ablation.rename(columns=FILE_KEYS).to_csv)


def write_final(out_dir, summary):
    """Write the final evaluation's summary, which must hold exactly the keys of ``FINAL_SCHEMA``."""
    if set(summary) != set(FINAL_SCHEMA):
        raise ValueError(
            f"the final evaluation's summary lacks {sorted(set(FINAL_SCHEMA) - set(summary))} and has "
            f"{sorted(set(summary) - set(FINAL_SCHEMA))} beyond results_files.FINAL_SCHEMA"
        )
    stored = _renamed(summary, FILE_KEYS)
    atomic_write(Path(out_dir) / FINAL, lambda path: Path(path).write_text(json.dumps(stored, indent=1)))


def write_figure(out_dir, fig):
    """Save ``fig`` (``plots.corrections_by_family``) as the build's figure of corrections."""
    atomic_write(
        Path(out_dir) / FIGURE, lambda path: fig.savefig(path, format="png", dpi=100, metadata={"Software": None})
    )


def read_table(out_dir):
    """The results table, indexed by model id (text: "8.1" is not a number)."""
    return pd.read_csv(_existing(out_dir, TABLE), dtype={"model": str}).set_index("model").rename(columns=LABELS)


def read_ablation(out_dir):
    """The batch-size ablation, indexed by (model id, batch size)."""
    frame = pd.read_csv(_existing(out_dir, ABLATION), dtype={"model": str})
    return frame.set_index(["model", "batch size"]).rename(columns=LABELS)


def read_final(out_dir):
    return _renamed(json.loads(_existing(out_dir, FINAL).read_text()), LABELS)


def _renamed(tree, names):
    """``tree`` (nested dicts) with every key found in ``names`` replaced by its entry there."""
    if not isinstance(tree, dict):
        return tree
    return {names.get(key, key): _renamed(value, names) for key, value in tree.items()}


def _existing(out_dir, name):
    path = Path(out_dir) / name
    if not path.exists():
        writer = "10_model_comparison" if name in (TABLE, ABLATION) else "11_final_evaluation"
        raise ResultsMissing(
            f"{name} not found in {out_dir}: run notebook {writer} first with the same PROFILE and "
            "OUTPUT_DIR (./build_report.sh runs every notebook in order)"
        )
    return path
