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
model are compared exactly; real numbers with ``RELATIVE_TOLERANCE`` (an edge contrast at least within
``EDGE_CONTRAST_POINTS``); a reader's accuracy allows ``ACCURACY_IMAGES`` images per group to be read
differently.
"""

import json
from pathlib import Path

from . import labels, results_files
from .corruptions import FAMILIES, PAIR_NAMES

# The same smoke build through other CPU kernels moves losses and metrics by a fraction of a percent
# (docs/reproducibility.md); 1% leaves a wide margin and still catches a real change, such as a
# doubled learning rate.
RELATIVE_TOLERANCE = 0.01
ABSOLUTE_TOLERANCE = 1e-6  # for values that are zero in the reference
ACCURACY_IMAGES = 1  # images per group a reader may read differently (a logit on the edge flips)
# An edge contrast (% of the clean images') near 0 is a near-flat output (a collapsed model), whose faint
# ripples the CPU's kernels change the most, by several percent of a small number: a tenth of a point is
# allowed whatever the value.
EDGE_CONTRAST_POINTS = 0.1

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
    "seed pick",
    "best new model",
    "collapsed",
    "classifier epochs",
    "test images",
    "sharpness ratio",
    "quality",
    "accuracy",
    "headline",
    "readability",
    "severity",
    "pairs",
    "spread",
    "controls",
)  # not the recovered share, a ratio of the controls' accuracies, which one image moves far; not the targets,
# computed from the headline; not the test verdicts, whose worst family a one-image tie can change
ACCURACY_TREES = ("final evaluation / accuracy /", "final evaluation / controls /")  # every value an accuracy
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
    actual_values, reference_values = dict(_leaves(actual)), dict(_leaves(reference))
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


def _leaves(tree, prefix=()):
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from _leaves(value, (*prefix, key))
        else:
            yield " / ".join((*prefix, key)), value


def _matches(path, value, expected, test_images):
    if isinstance(value, float) and isinstance(expected, float):
        return abs(value - expected) <= _tolerance(path, expected, test_images)
    return type(value) is type(expected) and value == expected


def _tolerance(path, expected, test_images):
    keys = path.split(" / ")
    if path.startswith(ACCURACY_TREES) or ACCURACY_KEY in keys or labels.READ_ON_WORST in keys:
        # The last key names the group the accuracy is over: a family, a pair of families, or else
        # every test image (overall, one severity, one model, one run); on the worst family, one family.
        on_a_family = keys[-1] in FAMILIES or labels.READ_ON_WORST in keys
        share = len(FAMILIES) if on_a_family else len(PAIR_NAMES) if keys[-1] in PAIR_NAMES else 1
        return 100.0 * ACCURACY_IMAGES / (test_images // share) + 1e-9
    floor = EDGE_CONTRAST_POINTS if any(key.startswith("edge contrast") for key in keys) else ABSOLUTE_TOLERANCE
    return max(RELATIVE_TOLERANCE * abs(expected), floor)


def _allowance(path, expected, test_images):
    if isinstance(expected, float):
        return f"±{_tolerance(path, expected, test_images):.4g}"
    return "exactly equal"
