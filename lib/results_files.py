"""The build's results files, in the profile's artifact folder: their schema, writing and reading.

``results.csv`` is the results table (``study.results_table``, one row per model), written by
``10_model_comparison`` with ``batch_ablation.csv`` (``study.batch_ablation_table``);
``final_evaluation.json`` is the final evaluation's summary, written by ``11_final_evaluation`` with
``corrections.png``, its figure of corrections per family. ``12_discussion``, the regression check
(``reference_results``) and the README's results (``readme_results``) read them back from here. All are
written atomically. The files store each measure and baseline under its key in ``labels.FILE_KEYS``, and
hand it back under its label: a label reworded for the reader leaves published results readable.

Every read checks the file against its schema (``TABLE_SCHEMA``, ``ABLATION_SCHEMA``, ``FINAL_SCHEMA``):
a missing column, a value of the wrong type, a missing value where one is required or a number out of its
range is refused with ``ResultsDamaged``, naming the file, the row and the column, and never used.
"""

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import labels
from .files import atomic_write
from .labels import FILE_KEYS
from .paths import PUBLISHED_DIR, ROOT

LABELS = {key: label for label, key in FILE_KEYS.items()}

TABLE, ABLATION, FINAL, FIGURE = "results.csv", "batch_ablation.csv", "final_evaluation.json", "corrections.png"
FILES = (TABLE, ABLATION, FINAL, FIGURE)
# What final_evaluation.json holds, key by key.
FINAL_SCHEMA = {
    "profile": "the profile the build ran",
    "final model": "the model of lowest validation MSE of all",
    "final name": "its name in the tables",
    "best seed model": "the model of lowest validation MSE among the seed's (what the seed's protocol would choose)",
    "best seed name": "its name in the tables",
    "seed final name": "the name in the tables of the seed's own final model, model 12",
    "best new model": "the best U-Net, the one trained again to measure the spread",
    "collapsed": "whether the final model collapsed",
    "verdict": "the final model's collapse verdict, in a sentence",
    "sharpness ratio": "the final model's edge contrast as a share of the clean images'",
    "test images": "how many test images every accuracy is over",
    "classifier epochs": "the epochs the reader trained",
    "quality": "MSE, PSNR and SSIM of every method, overall and per family",
    "headline": "the final evaluation's models and the baselines on every measure",
    "read intervals": "95% Wilson intervals (low, high) of the headline's and the controls' accuracies, per family",
    "targets": "the targets set for the final model: each one's bound, why it is there, the value reached, met",
    "readability": "every model's test MSE, PSNR, SSIM, edge contrast and accuracy, overall and on its worst family",
    "test verdicts": "every model's worst family for the reader and its collapse verdict, on the test set",
    "severity": "MSE and accuracy at every severity",
    "pairs": "MSE and accuracy on images corrupted by two families at once",
    "spread": "the runs of the best U-Net, their mean and standard deviation",
    "family runs": "each run of each seed family's representative: its family, seed, validation MSE and accuracy",
    "controls": "the reader's accuracy (%) on every answer to corruption (corrections, median filter, a reader trained "
    "on corrupted images, a search over flips and turns), beside clean and uncorrected, per family",
    "recovered share": "per family, the share of the lost readability a correction recovers",
    "recovered intervals": "95% bootstrap intervals (low, high) of the recovered share, per family",
    "validation baselines": "the baselines' validation MSE: all black, the uncorrected input, the mean training image",
    "comparisons": "paired comparisons of models: what differs, the readability difference, McNemar's p",
    "second reader": "the second reader's epochs, accuracies (headline, controls, severity, pairs), their intervals, "
    "the recovered share, and the verdicts on which it disagrees with the study reader",
}


@dataclass(frozen=True)
class Column:
    """What one column of a results table may hold."""

    kind: type  # int, float, bool or str
    low: float | None = None  # the smallest value a number may take
    optional: bool = False  # may be empty (the U-Nets have no seed losses)


# An MSE has no upper bound: a network's outputs are not confined to the images' [0, 1], and the first epoch's
# running training MSE of a model that starts far off exceeds 1 (model 0 on the smoke profile: 4.65).
MSE_RANGE = {"low": 0.0}
TABLE_SCHEMA = {
    "family": Column(str),
    "parameters": Column(int, low=1),
    "code": Column(str),
    "code values": Column(int, low=1),
    "batch size": Column(int, low=1),
    "epochs": Column(int, low=1),
    "best epoch": Column(int, low=1),
    labels.TRAIN_MSE: Column(float, **MSE_RANGE),
    labels.VAL_MSE: Column(float, **MSE_RANGE),
    labels.VAL_LOSS: Column(float, low=0.0),  # the MSE plus a model's penalties
    "collapsed": Column(bool),
    "verdict": Column(str),
    labels.SEED_TRAIN_LOSS: Column(float, low=0.0, optional=True),
    labels.SEED_VAL_LOSS: Column(float, low=0.0, optional=True),
    "time (s)": Column(float, low=0.0),
    "trained on": Column(str),
}
ABLATION_SCHEMA = {
    "batch size": Column(int, low=1),
    "epochs": Column(int, low=1),
    "best epoch": Column(int, low=1),
    "val MSE after epoch 1": Column(float, **MSE_RANGE),
    labels.VAL_MSE: Column(float, **MSE_RANGE),
    "seconds per epoch": Column(float, low=0.0),
    "verdict": Column(str),
}
# The values of final_evaluation.json that are one number, flag or name; the others hold tables.
FINAL_SCALARS = {
    "profile": str,
    "final model": str,
    "final name": str,
    "best seed model": str,
    "best seed name": str,
    "seed final name": str,
    "best new model": str,
    "collapsed": bool,
    "verdict": str,
    "sharpness ratio": float,
    "test images": int,
    "classifier epochs": int,
}
MAY_BE_UNDEFINED = ("recovered share", "recovered intervals")  # NaN where the corruption cost a family no readability
INTEGER = re.compile(r"-?[0-9]+")
KIND_NAMES = {int: "an integer", float: "a number", bool: "True or False", str: "a text"}


class ResultsMissing(FileNotFoundError):
    """A results file that a notebook or the regression check needs and the build has not written."""


class ResultsDamaged(ValueError):
    """A results file that does not hold what its schema says: never used."""


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
    """The results table, indexed by model id (text: "8.1" is not a number), checked against ``TABLE_SCHEMA``."""
    return _checked_csv(_existing(out_dir, TABLE), TABLE_SCHEMA).set_index("model")


def read_ablation(out_dir):
    """The batch-size ablation, indexed by (model id, batch size), checked against ``ABLATION_SCHEMA``."""
    return _checked_csv(_existing(out_dir, ABLATION), ABLATION_SCHEMA).set_index(["model", "batch size"])


def read_final(out_dir):
    """The final evaluation's summary, checked: exactly the keys of ``FINAL_SCHEMA``, each of
    ``FINAL_SCALARS`` of its type, and every number in its tables finite (but where ``MAY_BE_UNDEFINED``)."""
    path = _existing(out_dir, FINAL)
    try:
        summary = _renamed(json.loads(path.read_text()), LABELS)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise _damaged(path, f"it is not valid JSON ({error})") from None
    if not isinstance(summary, dict) or set(summary) != set(FINAL_SCHEMA):
        keys = set(summary) if isinstance(summary, dict) else set()
        raise _damaged(
            path,
            f"it lacks {sorted(set(FINAL_SCHEMA) - keys)} and has {sorted(keys - set(FINAL_SCHEMA))} beyond its schema",
        )
    for key, kind in FINAL_SCALARS.items():
        value = summary[key]
        if type(value) is not kind and not (kind is float and type(value) is int):
            raise _damaged(path, f"'{key}' is {value!r}, not {KIND_NAMES[kind]}")
    for key in set(FINAL_SCHEMA) - set(FINAL_SCALARS):
        for where, value in _leaves(summary[key], (key,)):
            if value is None:
                raise _damaged(path, f"'{' / '.join(where)}' is empty, where a value is required")
            undefined = set(where[:2]) & set(MAY_BE_UNDEFINED)  # the study reader's, or the second reader's
            if isinstance(value, float) and not math.isfinite(value) and not undefined:
                raise _damaged(path, f"'{' / '.join(where)}' is {value!r}, not a finite number")
    return summary


def _leaves(tree, where):
    """(keys, value) of every value in nested dicts and lists."""
    items = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else None
    if items is None:
        yield where, tree
        return
    for key, value in items:
        yield from _leaves(value, (*where, str(key)))


def _checked_csv(path, schema):
    """The table in ``path`` (its first column the model id), every column of ``schema`` parsed to its kind
    and checked, under the labels the report shows."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False).rename(columns=LABELS)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise _damaged(path, f"it is not a readable CSV table ({error})") from None
    expected = ["model", *schema]
    missing, extra = [c for c in expected if c not in raw.columns], [c for c in raw.columns if c not in expected]
    if missing or extra:
        raise _damaged(path, f"it lacks the columns {missing} and has {extra} beyond its schema")
    columns = {"model": pd.Series(raw["model"], dtype=str)}
    for name, column in schema.items():
        values = [_parsed(path, line, model, name, text, column) for line, model, text in _cells(raw, name)]
        dtype = {int: "int64", bool: "bool", float: "float64", str: "str"}[column.kind]
        columns[name] = pd.Series(values, dtype=dtype, index=raw.index)
    for line, _, text in _cells(raw, "model"):
        if not text:
            raise _damaged(path, f"line {line} has no model id")
    table = pd.DataFrame(columns)[expected]
    if "best epoch" in schema:
        late = table[table["best epoch"] > table["epochs"]]
        if len(late):
            raise _damaged(path, f"model {late['model'].iloc[0]}'s best epoch is after its last epoch")
    return table


def _cells(raw, name):
    """(line of the file, model id, text) of every cell of the column ``name``; line 1 is the header."""
    return zip(range(2, len(raw) + 2), raw["model"], raw[name])


def _parsed(path, line, model, name, text, column):
    where = f"line {line} (model {model}), column '{name}'"
    if text == "":
        if column.optional:
            return float("nan") if column.kind is float else ""
        raise _damaged(path, f"{where} is empty, where a value is required")
    if column.kind is str:
        return text
    if column.kind is bool:
        if text not in ("True", "False"):
            raise _damaged(path, f"{where} is {text!r}, not {KIND_NAMES[bool]}")
        return text == "True"
    try:
        if column.kind is int and not INTEGER.fullmatch(text):
            raise ValueError
        value = column.kind(text)
    except ValueError:
        raise _damaged(path, f"{where} is {text!r}, not {KIND_NAMES[column.kind]}") from None
    if not math.isfinite(value):
        raise _damaged(path, f"{where} is {text!r}, not a finite number")
    if column.low is not None and value < column.low:
        raise _damaged(path, f"{where} is {text}, below its least possible value, {column.low:g}")
    return value


def _damaged(path, problem):
    path = Path(path).resolve()
    if path.is_relative_to(PUBLISHED_DIR):
        remedy = f"restore the published copy: git -C {ROOT} checkout -- {path.relative_to(ROOT)}"
    else:
        remedy = "build the report again (./build_report.sh writes it anew from the trained networks)"
    return ResultsDamaged(f"{path.name} in {path.parent} is damaged: {problem}; never used. To mend it, {remedy}")


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
