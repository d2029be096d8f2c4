"""Scoring reconstructions against the clean images, beside the baselines any model must beat.

Image quality is measured per sample, in whole batches: MSE (the training loss), PSNR (the same error
on a logarithmic scale, in dB) and SSIM (structural similarity, Wang et al. 2004, which punishes blur
that MSE forgives). Readability is measured by a classifier trained on clean images (``lib.classifier``).

Baselines, scored exactly like a model:
- all black: predict an empty image. Its MSE is the mean of x squared (about 0.158 on KMNIST); a
  network sitting there has collapsed.
- identity: hand back the corrupted input unchanged. A model that does not beat it corrects nothing.
- mean training image: the same average character for every input; beating it shows the model uses
  its input at all.
- median filter: the classical denoiser, a 3x3 median of the corrupted input.
"""

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import backend, corruptions, labels
from .backend import EVAL_BATCH_SIZE
from .corruptions import FAMILIES, PAIR_NAMES

# A model counts as collapsed when its output hardly depends on its input (its spread across images
# is under a tenth of the clean images' spread), when it scores no better than 95% of all-black or of
# the mean training image (the same average character whatever the input), or when the reader reads its
# outputs at chance: KMNIST has 10 classes, so a guess reads 10%, and up to 15% is taken as no better.
MIN_OUTPUT_SPREAD = 0.1
COLLAPSE_MSE_FRACTION = 0.95
CHANCE = 10.0
AT_CHANCE = 15.0


def reconstruct(model, images):
    """The model's output for (N, 28, 28) images, as (N, 28, 28) float32."""
    return model.predict(**backend.batches(images[..., None], batch_size=EVAL_BATCH_SIZE), verbose=0)[..., 0]


def per_sample_mse(predicted, clean):
    return np.mean((np.asarray(predicted, np.float64) - clean) ** 2, axis=(1, 2))


def per_sample_psnr(predicted, clean):
    """Peak signal-to-noise ratio in dB for images on a 0-1 scale; a perfect copy is capped at 100 dB."""
    return 10 * np.log10(1 / np.maximum(per_sample_mse(predicted, clean), 1e-10))


SSIM_WINDOW, SSIM_SIGMA, SSIM_K1, SSIM_K2 = 11, 1.5, 0.01, 0.03  # Wang et al. 2004, as tf.image.ssim


def per_sample_ssim(predicted, clean):
    """Structural similarity (1: identical) of images on a 0-1 scale: the mean over every 11x11 window
    (Gaussian weights, sigma 1.5) that fits inside the image, as ``tf.image.ssim`` computes it. In float64
    numpy rather than a float32 kernel, so the value is the same on every machine and backend."""
    x, y = np.asarray(predicted, np.float64), np.asarray(clean, np.float64)
    c1, c2 = SSIM_K1**2, SSIM_K2**2
    mean_x, mean_y = _gaussian_window_means(x), _gaussian_window_means(y)
    luminance = (2 * mean_x * mean_y + c1) / (mean_x**2 + mean_y**2 + c1)
    structure = (2 * _gaussian_window_means(x * y) - 2 * mean_x * mean_y + c2) / (
        _gaussian_window_means(x * x + y * y) - mean_x**2 - mean_y**2 + c2
    )
    return (luminance * structure).mean(axis=(1, 2))


def _gaussian_window_means(images):
    """Gaussian-weighted mean of every SSIM window inside (N, H, W) images: one matrix product per axis."""
    return _window_weights(images.shape[1]).T @ images @ _window_weights(images.shape[2])


def _window_weights(size):
    """(size, windows) matrix whose column j holds the Gaussian weights of the window starting at pixel j."""
    offsets = np.arange(SSIM_WINDOW) - (SSIM_WINDOW - 1) / 2
    weights = np.exp(-0.5 * (offsets / SSIM_SIGMA) ** 2)
    windows = size - SSIM_WINDOW + 1
    matrix = np.zeros((size, windows))
    for start in range(windows):
        matrix[start : start + SSIM_WINDOW, start] = weights / weights.sum()
    return matrix


def per_sample_sharpness(images):
    """Mean absolute difference between neighbouring pixels: the edge contrast that blur removes."""
    images = np.asarray(images, np.float64)
    return (np.abs(np.diff(images, axis=1)).mean(axis=(1, 2)) + np.abs(np.diff(images, axis=2)).mean(axis=(1, 2))) / 2


METRICS = {labels.MSE: "mse", labels.PSNR: "psnr", labels.SSIM: "ssim"}  # each metric's array in ``Measures``


def median_filter(images, size=3):
    """Every pixel replaced by the median of its ``size`` x ``size`` neighbourhood, edges mirrored."""
    pad = size // 2
    padded = np.pad(images, ((0, 0), (pad, pad), (pad, pad)), mode="symmetric")
    windows = np.lib.stride_tricks.sliding_window_view(padded, (size, size), axis=(1, 2))
    return np.median(windows.reshape(*np.shape(images), size * size), axis=-1).astype(np.float32)


# What each baseline outputs for the images of a split, given the mean training image.
BASELINES = {
    labels.ALL_BLACK: lambda split, mean_train_image: np.zeros_like(split.clean),
    labels.UNCORRECTED: lambda split, mean_train_image: split.corrupted,
    labels.MEAN_IMAGE: lambda split, mean_train_image: np.broadcast_to(mean_train_image, split.clean.shape),
    labels.MEDIAN_FILTER: lambda split, mean_train_image: median_filter(split.corrupted),
}


def reference_outputs(name, split, mean_train_image):
    """The outputs of baseline ``name`` (``BASELINES``) or, named ``labels.CLEAN``, the clean images themselves:
    the answers every model is set beside."""
    return split.clean if name == labels.CLEAN else BASELINES[name](split, mean_train_image)


COLLAPSE_RULES = (
    f"A model counts as *collapsed* where its MSE is at least {COLLAPSE_MSE_FRACTION:.0%} of the all-black "
    f"image's (verdict: all black) or of the mean training image's (mean image): a model {COLLAPSE_MSE_FRACTION:.0%} "
    "as good as a blank or an average character has learned nothing of its input, though its MSE may lie just "
    f"below theirs; where its outputs vary across images by less than {MIN_OUTPUT_SPREAD:g} of the clean images' "
    f"spread (constant); or where the reader reads at most {AT_CHANCE:.0f}% of its outputs, guessing reading "
    f"{CHANCE:.0f}% (read at chance). The others have *learned*."
)


def output_spread(predicted, clean):
    """How much the outputs vary across images, relative to the clean images (1: as much, 0: constant)."""
    return float(np.std(predicted, axis=0).mean() / np.std(clean, axis=0).mean())


@dataclass(frozen=True)
class Measures:
    """What the report needs of one answer's outputs for a split (a network's corrections, a baseline's outputs):
    per image, the MSE, PSNR, SSIM and edge sharpness against the clean images and the class the reader reads
    (``read``; None where no reader read them), and the outputs' spread across images (``output_spread``). Every
    table and verdict is computed from these, so that outputs are computed, measured and read once
    (``lib.evaluation_cache`` keeps them on disk)."""

    mse: np.ndarray
    psnr: np.ndarray
    ssim: np.ndarray
    sharpness: np.ndarray
    spread: float
    read: np.ndarray | None = None

    def right(self, split):
        """Per image of ``split``: did the reader read the right character?"""
        return self.read == split.labels

    def accuracy(self, split, groups=FAMILIES):
        """The reader's accuracy (%), overall and per group (``by_family``)."""
        return by_family(100.0 * self.right(split), split.family_ids, groups)


def measure(outputs, split, reader=None):
    """The ``Measures`` of ``outputs`` for the images of ``split``, read by ``reader`` where one is given."""
    return Measures(
        per_sample_mse(outputs, split.clean),
        per_sample_psnr(outputs, split.clean),
        per_sample_ssim(outputs, split.clean),
        per_sample_sharpness(outputs),
        output_spread(outputs, split.clean),
        None if reader is None else reader_probabilities(reader, outputs).argmax(axis=1),
    )


@dataclass(frozen=True)
class Verdict:
    """Whether a model collapsed, how (``kind``: 'learned', labels.ALL_BLACK, 'constant', 'mean image' or
    'read at chance') and why, in a sentence with the numbers."""

    collapsed: bool
    kind: str
    reason: str


def collapse_verdict(measures, split, mean_image):
    """The ``Verdict`` on a model's outputs for ``split`` (their ``Measures``), judged against the all-black image,
    the mean training image ``mean_image`` and, where the outputs were read, the reader's accuracy on them. A
    model that learned is set beside the uncorrected input too: learning is not yet correcting."""
    mse = measures.mse.mean()
    reader_accuracy = None if measures.read is None else measures.accuracy(split)["overall"]
    black = np.mean(np.asarray(split.clean, np.float64) ** 2)
    mean = per_sample_mse(np.broadcast_to(mean_image, split.clean.shape), split.clean).mean()
    spread = measures.spread
    within = f"{100 * COLLAPSE_MSE_FRACTION:.0f}%"
    if mse >= COLLAPSE_MSE_FRACTION * black:
        return Verdict(
            True,
            labels.ALL_BLACK,
            f"collapsed: MSE {mse:.4f} is no better than the all-black image's {black:.4f} (the rule: an MSE of at "
            f"least {within} of it, here {COLLAPSE_MSE_FRACTION * black:.4f})",
        )
    if spread < MIN_OUTPUT_SPREAD:
        return Verdict(
            True,
            "constant",
            f"collapsed: its outputs barely depend on the input (spread {spread:.3f} of the clean images'; the rule: "
            f"under {MIN_OUTPUT_SPREAD:g})",
        )
    if mse >= COLLAPSE_MSE_FRACTION * mean:
        return Verdict(
            True,
            "mean image",
            f"collapsed: MSE {mse:.4f} is no better than the mean training image's {mean:.4f} (the rule: an MSE of "
            f"at least {within} of it, here {COLLAPSE_MSE_FRACTION * mean:.4f})",
        )
    if reader_accuracy is not None and reader_accuracy <= AT_CHANCE:
        return Verdict(
            True,
            "read at chance",
            f"collapsed: the reader reads {reader_accuracy:.1f}% of its outputs, where guessing reads {CHANCE:.0f}% "
            f"(the rule: at most {AT_CHANCE:.0f}%)",
        )
    identity = per_sample_mse(split.corrupted, split.clean).mean()
    no_better = " (no better than handing the input back)" if mse >= identity else ""
    read = (
        ""
        if reader_accuracy is None
        else f", read {with_interval(reader_accuracy, wilson_interval(measures.right(split)), unit='%')} (collapsed at "
        f"{AT_CHANCE:.0f}% or less)"
    )
    return Verdict(
        False,
        "learned",
        f"learned: MSE {mse:.4f} against {black:.4f} for all-black, {mean:.4f} for the mean image (collapsed at "
        f"{within} of either) and {identity:.4f} for the uncorrected input{no_better}, output spread {spread:.2f} "
        f"(collapsed below {MIN_OUTPUT_SPREAD:g}){read}",
    )


def by_family(values, family_ids, groups=FAMILIES):
    """The mean of per-sample ``values`` overall and per corruption family (or per name of ``groups``,
    which ``family_ids`` index)."""
    return {"overall": values.mean(), **{group: values[family_ids == i].mean() for i, group in enumerate(groups)}}


def edge_contrast(measures, split):
    """The outputs' edge contrast (their ``Measures``' sharpness) as a percentage of the clean images', overall
    and per family: under 100 is blur, over 100 added edges."""
    ratio = pd.Series(by_family(measures.sharpness, split.family_ids))
    return 100 * ratio / pd.Series(by_family(per_sample_sharpness(split.clean), split.family_ids))


def reader_probabilities(reader, images):
    """The reader's class probabilities for (N, 28, 28) images, (N, classes)."""
    return reader.predict(
        **backend.batches(np.asarray(images, np.float32)[..., None], batch_size=EVAL_BATCH_SIZE), verbose=0
    )


def mcnemar_p(correct_a, correct_b):
    """Exact two-sided McNemar test on one set of images read two ways (boolean per image): the chance
    of a split of the discordant images (read right one way only) at least this uneven if neither way
    were better. A difference in readability with p >= 0.05 is within the noise of the test set."""
    a_only = int(np.sum(correct_a & ~correct_b))
    b_only = int(np.sum(~correct_a & correct_b))
    discordant = a_only + b_only
    if discordant == 0:
        return 1.0
    tail = sum(math.comb(discordant, k) for k in range(min(a_only, b_only) + 1))
    return min(1.0, 2 * tail / 2**discordant)


def recovered_share(corrected, uncorrected, clean):
    """The share of the readability that corruption cost which a correction wins back (per group, from
    accuracies in %): 1 is all of it, 0 none, negative where correcting made reading worse. Undefined
    (NaN) where the corruption cost nothing."""
    corrected, uncorrected, clean = (pd.Series(values, dtype=float) for values in (corrected, uncorrected, clean))
    lost = clean - uncorrected
    return ((corrected - uncorrected) / lost.where(lost > 0)).to_dict()


Z_95 = 1.959963984540054  # the standard normal's 97.5th percentile: two-sided 95% intervals
BOOTSTRAP_RESAMPLES = 2000


def wilson_interval(hits):
    """The 95% Wilson score interval (low, high), in %, of the share of True in ``hits`` (one boolean per
    image): it stays inside 0-100 and keeps its coverage near 0% and 100%, where the normal approximation
    does not."""
    n, share = hits.size, float(np.mean(hits))
    centre = (share + Z_95**2 / (2 * n)) / (1 + Z_95**2 / n)
    half = Z_95 * math.sqrt(share * (1 - share) / n + Z_95**2 / (4 * n**2)) / (1 + Z_95**2 / n)
    return max(0.0, 100 * (centre - half)), min(100.0, 100 * (centre + half))


def read_intervals(right, family_ids, groups=FAMILIES):
    """``wilson_interval`` of each answer's readings (name -> which images it reads right), overall and per
    group: name -> group -> (low, high)."""
    return {
        name: {
            "overall": wilson_interval(hits),
            **{group: wilson_interval(hits[family_ids == i]) for i, group in enumerate(groups)},
        }
        for name, hits in right.items()
    }


def recovered_share_intervals(right, uncorrected_right, clean_right, family_ids, rng, groups=FAMILIES):
    """A 95% percentile-bootstrap interval of ``recovered_share`` for each answer (name -> which images it
    reads right), overall and per group: the images are resampled with replacement, the same draw for the
    answer, the uncorrected input and the clean images, since all three read the same images. Where corruption
    costs the reader only a few points, the share divides by that small gap and moves far more than the
    accuracies it divides.
    Returns name -> group -> (low, high); NaN where a resample's corruption cost nothing."""
    members = {"overall": np.arange(family_ids.size)}
    members.update({group: np.flatnonzero(family_ids == i) for i, group in enumerate(groups)})
    intervals = {name: {} for name in right}
    for group, index in members.items():
        draws = index[rng.integers(0, index.size, (BOOTSTRAP_RESAMPLES, index.size), dtype=np.int32)]
        uncorrected = uncorrected_right[draws].mean(axis=1)
        lost = clean_right[draws].mean(axis=1) - uncorrected
        for name, hits in right.items():
            with np.errstate(divide="ignore", invalid="ignore"):
                shares = (hits[draws].mean(axis=1) - uncorrected) / lost
            shares = shares[lost > 0]
            intervals[name][group] = (
                tuple(float(end) for end in np.percentile(shares, [2.5, 97.5])) if shares.size else (np.nan, np.nan)
            )
    return intervals


NO_FIGURE = "\u2014"  # an em dash, where a table has no figure: undefined, not searched, not reported


def with_interval(value, interval, digits=1, unit=""):
    """A figure and its 95% interval, as a table's cell shows it (``92.9 (92.4-93.4)``) or, with a ``unit``,
    as a sentence writes it (``92.9% (92.4-93.4)``); a dash where the figure is undefined (a share of no loss)."""
    if math.isnan(value):
        return NO_FIGURE
    low, high = interval
    between = " to " if low < 0 else "\u2013"  # a dash between two negative numbers reads as a minus
    return f"{value:.{digits}f}{unit} ({low:.{digits}f}{between}{high:.{digits}f})"


def with_intervals(table, intervals, digits=1):
    """``table`` (a row per answer, a column per group) for display, each value with its 95% interval
    (``intervals``: answer -> group -> (low, high)) in the same cell."""
    return pd.DataFrame(
        {
            name: {group: with_interval(value, intervals[name][group], digits) for group, value in row.items()}
            for name, row in table.iterrows()
        }
    ).T


UNDOING_ANGLES = np.arange(-60, 61, 5)  # degrees: past the rotation family's largest turn at severity 5 (57)


def undoing_readings(reader, split, families=corruptions.GEOMETRIC_FAMILIES):
    """Per image of ``split``: does the search over undoings read it right (``right``: the most confident
    reading, ``most_confident_reading``), and does any undoing (``any_right``: the bound the search could reach
    were it told the answer)? An oracle control: it knows which images a geometric family (``families``)
    damaged, and searches only those; it reads every other image as it is, since flipping or turning a noisy
    character can only mislead a reader that is sure of the upright one."""
    searched = np.isin(split.family_ids, [FAMILIES.index(family) for family in families])
    right = reader_probabilities(reader, split.corrupted).argmax(axis=1) == split.labels
    any_right = right.copy()
    readings = undoing_probabilities(reader, split.corrupted[searched])
    right[searched] = most_confident_reading(readings) == split.labels[searched]
    any_right[searched] = (readings.argmax(axis=2) == split.labels[searched]).any(axis=0)
    return {"right": right, "any_right": any_right}


def undoing_probabilities(reader, images, angles=UNDOING_ANGLES):
    """A classical answer to the geometric families, with no correcting network: the clean-trained reader's
    class probabilities for every image as it is, flipped left-right, flipped upside down and turned by each
    of ``angles`` (degrees): (undoings, images, classes)."""
    candidates = [images, images[:, :, ::-1], images[:, ::-1, :]]
    candidates += [corruptions.rotate(images, np.radians(angle)) for angle in angles if angle != 0]
    return np.stack([reader_probabilities(reader, candidate) for candidate in candidates])


def most_confident_reading(readings):
    """The class read for each image where the reader was most confident over the undonings
    (``undoing_probabilities``)."""
    most_confident = readings.max(axis=2).argmax(axis=0)
    return readings[most_confident, np.arange(readings.shape[1])].argmax(axis=1)


HEADLINE_METRICS = (labels.MSE, labels.PSNR, labels.SSIM, labels.EDGE_CONTRAST, labels.READ)


def headline_table(measures, split):
    """What correcting did, side by side: one column per method (name -> the ``Measures`` of its outputs for
    ``split``, read), one row per ``HEADLINE_METRICS`` entry and group (overall, then each family)."""
    columns = {}
    for name, measured in measures.items():
        values = {metric: by_family(getattr(measured, field), split.family_ids) for metric, field in METRICS.items()}
        values[labels.EDGE_CONTRAST] = edge_contrast(measured, split).to_dict()
        values[labels.READ] = measured.accuracy(split)
        columns[name] = pd.DataFrame(values)[list(HEADLINE_METRICS)].unstack()
    return pd.DataFrame(columns)


def mse_and_readability(measures, split, groups=FAMILIES):
    """Test MSE and the reader's accuracy (%) of each method (name -> the ``Measures`` of its outputs, read):
    columns (metric, method), rows overall and each group."""
    columns = {(labels.MSE, name): by_family(m.mse, split.family_ids, groups) for name, m in measures.items()}
    columns |= {(labels.READ, name): m.accuracy(split, groups) for name, m in measures.items()}
    return pd.DataFrame(columns)


def severity_table(measures_by_severity, splits_by_severity):
    """``mse_and_readability`` overall at each severity (rows): severity -> method -> ``Measures``, the uncorrected
    input's among them."""
    table = pd.DataFrame(
        {
            severity: mse_and_readability(measures, splits_by_severity[severity]).loc["overall"]
            for severity, measures in measures_by_severity.items()
        }
    ).T
    table.index.name = "severity"
    return table


def pairs_table(measures, split):
    """``mse_and_readability`` per pair of corruption families, on a ``pairs_test_split``."""
    return mse_and_readability(measures, split, PAIR_NAMES)


def metric_table(measures, split, metric=labels.MSE):
    """One metric's mean per method (rows; name -> ``Measures``), overall and per corruption family (columns)."""
    return pd.DataFrame.from_dict(
        {name: by_family(getattr(measured, METRICS[metric]), split.family_ids) for name, measured in measures.items()},
        orient="index",
    )


def quality_table(measures, split):
    """Every metric of ``METRICS`` side by side: columns (metric, overall or family)."""
    return pd.concat({metric: metric_table(measures, split, metric) for metric in METRICS}, axis=1)


def quality_by_method(quality):
    """A ``quality_table`` as plain nested dicts: method -> metric -> overall or family -> value."""
    return {method: {metric: quality.loc[method, metric].to_dict() for metric in METRICS} for method in quality.index}


def as_tree(frame):
    """A table as nested dicts for a JSON file: the column levels first, then the row levels, every key
    a string and every value a float."""
    tree = {}
    for column, values in frame.items():
        for row, value in values.items():
            path = [str(key) for key in (*_levels(column), *_levels(row))]
            node = tree
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = float(value)
    return tree


def _levels(key):
    return key if isinstance(key, tuple) else (key,)


# An image counts as changed by its corruption where the change is at least one pixel's worth turned from black
# to white: a black patch that misses every stroke leaves the image as it was, and shows nothing as an example.
CHANGED_MSE = 1 / 28**2


def ranked_examples(errors, changed=None):
    """Indices of the best, median and worst sample by per-sample error, among those where ``changed`` (a mask,
    say the corrupted images' MSE of at least ``CHANGED_MSE``) holds."""
    candidates = np.arange(len(errors)) if changed is None else np.flatnonzero(changed)
    order = candidates[np.argsort(np.asarray(errors)[candidates], kind="stable")]
    return {"best": int(order[0]), "median": int(order[len(order) // 2]), "worst": int(order[-1])}
