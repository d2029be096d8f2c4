"""A build's results, compared with committed reference values: exact where the arithmetic is, within a
measured tolerance where it is not.

What the notebooks print is of two kinds. Everything before training (split sizes, checksums of the
clean and corrupted pixels, corruption statistics, layer tables, parameter counts, settings) is exact
by construction: the same bytes on every machine, so nbval compares its text. Everything that comes
out of training or inference (losses, MSE, PSNR, SSIM, accuracies) passes through float32 kernels that
oneDNN and Eigen pick per CPU, so it agrees across machines only to a few significant digits: nbval
skips those cells' text (``nbval-ignore-output``) and this module compares their numbers instead.

The results are what ``10_model_comparison`` writes to ``results.csv`` and ``11_final_evaluation`` to
``final_evaluation.json``, as one tree of named values. Counts, verdicts and the choice of the final
model are compared exactly; real numbers within their measure's ``TOLERANCES`` (a share of the
reference value, or an absolute floor for values near zero); a reader's accuracy allows
``ACCURACY_IMAGES`` images per group to be read differently.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from . import labels, results_files
from .corruptions import FAMILIES, PAIR_NAMES

# Each tolerance is the spread that benchmarks/kernel_spread.py measured (its output is kernel_spread.json beside
# it; docs/reproducibility.md gives the table): the same smoke build through every kernel path one machine
# allows, with the committed reference, largest minus smallest value per measure, times MARGIN and rounded up to
# one significant digit; relative for values of ordinary size, an absolute floor for values near zero (never
# under 1e-6, so that a value that is zero in the reference is still compared).
MARGIN = 3


@dataclass(frozen=True)
class Tolerance:
    relative: float  # a share of the reference value, for values of ordinary size
    floor: float  # allowed whatever the value: values near zero (a collapsed model's) move most, relatively


# Measured 2026-12-07 on a 2-core AMD EPYC Zen 4 (family 25 model 17), six kernel paths against the reference
# built on an Intel Xeon with AVX-512 and AMX; in brackets the largest spread and where it was seen.
TOLERANCES = {
    "loss": Tolerance(0.006, 1e-6),  # 0.189%: model 0's validation loss, 0.150617 (AVX2) to 0.150901
    "MSE": Tolerance(0.006, 1e-6),  # 0.189%: model 0's validation MSE (the same); 8e-9 near zero
    "PSNR": Tolerance(0.003, 2e-6),  # 0.083%: model 0's test PSNR, 8.841 to 8.848 dB; 6e-7 near zero
    "SSIM": Tolerance(2e-5, 0.003),  # 0.001% of ordinary values; 0.00082 near zero: model 0's, 0.06731 to 0.06813
    "edge contrast": Tolerance(0.003, 0.2),  # 0.088%: model 19's; 0.057 points near zero: model 0's, 1.717 to 1.774
    "sharpness": Tolerance(5e-5, 1e-6),  # 0.002%: the final model's edge contrast as a ratio, 0.181856 to 0.181859
    "other": Tolerance(0.0, 1e-6),  # the spread runs' best epochs, mean and deviation: no spread
}
MEASURE_MARKERS = ("SSIM", "PSNR", "edge contrast", "sharpness", "loss", "MSE")  # in a path's keys; first wins
# Accuracies move by whole images (a logit on the edge flips): the most read differently in any group was 1 (model
# 19's readability, 7.0% or 7.5% of 200 images), plus ACCURACY_MARGIN.
ACCURACY_MARGIN = 1
ACCURACY_IMAGES = 2  # images per group a reader may read differently

MODEL_COLUMNS = {
    "parameters": int,
    "code values": int,
    "batch size": int,
    "epochs": int,
    "best epoch": int,
    "collapsed": bool,
    "verdict": str,
    labels.TRAIN_MSE: float,
    labels.VAL_MSE: float,
    labels.VAL_LOSS: float,
}
FINAL_KEYS = (
    "final model",
    "best seed model",
    "best new model",
    "collapsed",
    "classifier epochs",
    "test images",
    "sharpness ratio",
    "quality",
    "headline",
    "readability",
    "severity",
    "pairs",
    "spread",
    "family runs",
    "controls",
)  # not the recovered share, a ratio of the controls' accuracies, which one image moves far; not the targets,
# computed from the headline; not the test verdicts, whose worst family a one-image tie can change
ACCURACY_TREES = ("final evaluation / controls /",)  # every value an accuracy
ACCURACY_KEY = labels.READ


def from_results(table, final_evaluation):
    """The tree of results: ``model_results`` of the results table, and the final evaluation's ``FINAL_KEYS``."""
    return {"models": model_results(table), "final evaluation": {key: final_evaluation[key] for key in FINAL_KEYS}}


def model_results(table):
    """Per model (a row of ``study.results_table``), the values of its ``MODEL_COLUMNS``."""
    return {
        str(model_id): {column: kind(row[column]) for column, kind in MODEL_COLUMNS.items()}
        for model_id, row in table.iterrows()
    }


def collect(artifact_dir):
    """The results a build wrote to ``artifact_dir`` (the profile's artifact folder)."""
    return from_results(results_files.read_table(artifact_dir), results_files.read_final(artifact_dir))


def write(tree, path):
    Path(path).write_text(json.dumps(tree, indent=1) + "\n")


def read(path):
    return json.loads(Path(path).read_text())


def differences(actual, reference, subset=False):
    """Every value of ``actual`` that does not match ``reference``, one line each (empty: they match).

    With ``subset``, ``actual`` may hold only part of the tree (a few models recomputed); otherwise a
    value missing on either side is a difference too.
    """
    actual_values, reference_values = dict(leaves(actual)), dict(leaves(reference))
    test_images = reference.get("final evaluation", {}).get("test images")
    lines = []
    for path, value in actual_values.items():
        if path not in reference_values:
            lines.append(f"{path}: {value!r} is not in the reference")
        elif not _matches(path, value, reference_values[path], test_images):
            lines.append(
                f"{path}: {value!r}, the reference has {reference_values[path]!r} "
                f"(allowed: {_allowance(path, reference_values[path], test_images)})"
            )
    if not subset:
        lines += [
            f"{path}: missing (the reference has {value!r})"
            for path, value in reference_values.items()
            if path not in actual_values
        ]
    return lines


def leaves(tree, prefix=()):
    """Every value of a results tree, as (path, value): the path its keys joined by " / "."""
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from leaves(value, (*prefix, key))
        else:
            yield " / ".join((*prefix, key)), value


def measure(path):
    """What the value at ``path`` measures: "accuracy", one of ``MEASURE_MARKERS``, or "other"."""
    keys = path.split(" / ")
    if path.startswith(ACCURACY_TREES) or ACCURACY_KEY in keys or labels.READ_ON_WORST in keys:
        return "accuracy"
    return next((marker for marker in MEASURE_MARKERS if any(marker in key for key in keys)), "other")


def accuracy_step(path, test_images):
    """What one image read differently moves the accuracy at ``path`` by, in points. The last key names
    the group it is over: a family, a pair of families, or else every test image (overall, one severity,
    one model, one run); on a model's worst family, one family."""
    keys = path.split(" / ")
    on_a_family = keys[-1] in FAMILIES or labels.READ_ON_WORST in keys
    share = len(FAMILIES) if on_a_family else len(PAIR_NAMES) if keys[-1] in PAIR_NAMES else 1
    return 100.0 / (test_images // share)


def _matches(path, value, expected, test_images):
    if isinstance(value, float) and isinstance(expected, float):
        return abs(value - expected) <= _tolerance(path, expected, test_images)
    return type(value) is type(expected) and value == expected


def _tolerance(path, expected, test_images):
    kind = measure(path)
    if kind == "accuracy":
        return ACCURACY_IMAGES * accuracy_step(path, test_images) + 1e-9
    tolerance = TOLERANCES[kind]
    return max(tolerance.relative * abs(expected), tolerance.floor)


def _allowance(path, expected, test_images):
    if isinstance(expected, float):
        return f"±{_tolerance(path, expected, test_images):.4g}"
    return "exactly equal"
