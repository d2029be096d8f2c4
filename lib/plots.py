"""The report's figures. Each function returns a matplotlib Figure; notebooks end the cell with plt.show().

Each figure carries a sentence saying what it shows, which the HTML report gives its image as alt text
(for a screen reader, or a reader who cannot see the picture).
"""

import weakref

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import ticker

from . import labels
from .corruptions import FAMILIES

# One line style per baseline of ``evaluation.BASELINES``, in its order.
BASELINE_STYLES = (":", "--", "-.", (0, (1, 4)))

ALT_TEXT = weakref.WeakKeyDictionary()  # figure -> what it shows, in a sentence


def described(fig, alt_text):
    """``fig``, with ``alt_text`` to go with its image in the HTML report."""
    ALT_TEXT[fig] = alt_text
    return fig


def _image_axes(rows, cols, size=1.1, **kwargs):
    fig, axes = plt.subplots(rows, cols, figsize=(cols * size, rows * size), squeeze=False, **kwargs)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    return fig, axes


def _image_rows(rows, size):
    """A grid of images on the 0-1 gray scale, one row per entry of ``rows`` (name -> images), named on the left."""
    fig, axes = _image_axes(len(rows), len(next(iter(rows.values()))), size=size)
    for row, (name, images) in enumerate(rows.items()):
        for column, image in enumerate(images):
            axes[row, column].imshow(image, cmap="gray", vmin=0, vmax=1)
        axes[row, 0].set_ylabel(name, rotation=0, ha="right", va="center")
    return fig, axes


def class_samples(images, labels, class_names, per_class=8):
    """A grid with one row of examples per class."""
    fig, axes = _image_axes(len(class_names), per_class)
    for label, name in enumerate(class_names):
        for ax, index in zip(axes[label], np.flatnonzero(labels == label)[:per_class]):
            ax.imshow(images[index], cmap="gray", vmin=0, vmax=255)
        axes[label, 0].set_ylabel(f"{label}: {name}", rotation=0, ha="right", va="center")
    fig.suptitle("Training images, one row per class")
    return described(
        fig,
        f"{per_class} training images of each of the {len(class_names)} classes, one row per class, "
        f"labelled with its number and name ({', '.join(class_names)}).",
    )


def corruption_examples(clean, corrupted, family_ids, per_family=6):
    """For each family a row pair: clean images above, their corrupted versions below."""
    fig, axes = _image_axes(2 * len(FAMILIES), per_family)
    for family, name in enumerate(FAMILIES):
        for column, index in enumerate(np.flatnonzero(family_ids == family)[:per_family]):
            axes[2 * family, column].imshow(clean[index], cmap="gray", vmin=0, vmax=1)
            axes[2 * family + 1, column].imshow(corrupted[index], cmap="gray", vmin=0, vmax=1)
        axes[2 * family, 0].set_ylabel("clean", rotation=0, ha="right", va="center")
        axes[2 * family + 1, 0].set_ylabel(labels.family_text(name), rotation=0, ha="right", va="center")
    fig.suptitle("Each corruption family: clean (upper row) and corrupted (lower row)")
    names = ", ".join(labels.family_text(name) for name in FAMILIES)
    return described(
        fig,
        f"For each of the {len(FAMILIES)} corruption families ({names}), a row of {per_family} "
        "clean training images above the same images corrupted.",
    )


def mse_history(result):
    """A ``TrainResult``'s MSE per epoch as a table (epoch, mse, val_mse; seconds left out as they vary run to
    run), for ``loss_curves``: the MSE as logged, which the loss is not for a model with penalties or another loss."""
    return pd.DataFrame(result.history).set_index("epoch")[["mse", "val_mse"]]


def loss_curves(histories, baselines, title):
    """One panel per model: training and validation MSE per epoch, the baselines' validation MSE as
    horizontal lines. ``histories`` maps a panel title to a frame with ``mse`` and ``val_mse``."""
    columns = min(len(histories), 3)
    rows = -(-len(histories) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.6 * columns, 2.9 * rows + 0.8), squeeze=False)
    for ax, (name, history) in zip(axes.flat, histories.items()):
        # Each panel has its own logarithmic axis: one diverging model must not flatten the others.
        ax.set_yscale("log")
        ax.set_xlim(0.5, len(history) + 0.5)
        ax.plot(history.index, history["mse"], marker=".", label="training MSE")
        ax.plot(history.index, history["val_mse"], marker=".", label="validation MSE")
        for (baseline, value), style in zip(baselines.items(), BASELINE_STYLES, strict=True):
            ax.axhline(value, color="gray", linestyle=style, label=f"{baseline} (validation)")
        # Epochs are whole numbers; a short run gets a tick per epoch (a locator would add halves).
        if len(history) <= 12:
            ax.set_xticks(history.index)
        else:
            ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        ax.set_title(name, fontsize="medium")
        ax.set_xlabel("epoch")
    for ax in axes.flat[len(histories) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel(labels.MSE)
    handles, names = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=3, fontsize="small", bbox_to_anchor=(0.5, 0))
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.1 if rows == 1 else 0.06, 1, 1))
    return described(
        fig,
        f"{title}: the training and validation MSE of each epoch on a logarithmic scale, one "
        f"panel per model ({', '.join(histories)}), with the validation MSE of the baselines "
        f"({', '.join(baselines)}) as horizontal lines.",
    )


def clean_corrupted_reconstructed(examples):
    """One row per example: clean | corrupted | reconstructed, in the seed's pseudocolor and in grayscale.

    ``examples`` maps a row title to ``(clean, corrupted, reconstructed)`` images. The pseudocolor
    panels use matplotlib's default colormap scaled to each image, as the seed did, which shows small
    shifts of intensity; the grayscale panels show the true values on a fixed 0-1 scale.
    """
    columns = ["clean", "corrupted", "reconstructed"]
    fig, axes = _image_axes(len(examples), 6, size=1.5)
    for row, (title, images) in enumerate(examples.items()):
        for column, image in enumerate(images):
            axes[row, column].imshow(image)
            axes[row, column + 3].imshow(image, cmap="gray", vmin=0, vmax=1)
        axes[row, 0].set_ylabel(title, rotation=0, ha="right", va="center")
    for column, name in enumerate(columns):
        axes[0, column].set_title(f"{name}\n(pseudocolor)", fontsize="small")
        axes[0, column + 3].set_title(f"{name}\n(grayscale)", fontsize="small")
    titles = "; ".join(" ".join(title.split()) for title in examples)
    return described(
        fig,
        f"For each of {len(examples)} images ({titles}): the clean, the corrupted and the "
        "reconstructed image, first in pseudocolor, then in grayscale.",
    )


def model_ranking(table, baselines):
    """Every model's validation MSE, best at the top, with the seed's reported validation loss beside it
    (its loss: for the models with penalties, more than their MSE)."""
    ordered = table.sort_values(labels.VAL_MSE, ascending=False)
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(ordered) + 1.5))
    positions = np.arange(len(ordered))
    collapsed = ordered["collapsed"].to_numpy(bool)
    for which, colour, label in (
        (~collapsed, "tab:blue", "this project: learned"),
        (collapsed, "tab:red", "collapsed"),
    ):
        ax.barh(positions[which], ordered[labels.VAL_MSE][which], color=colour, label=label)
    ax.scatter(
        ordered[labels.SEED_VAL_LOSS],
        positions,
        color="black",
        marker="D",
        s=18,
        zorder=3,
        label="the seed's validation loss",
    )
    for (name, value), style in zip(baselines.items(), BASELINE_STYLES, strict=True):
        ax.axvline(value, color="gray", linestyle=style, label=name)
    ax.set_yticks(positions, [f"model {model_id}" for model_id in ordered.index])
    ax.set_xlabel("validation MSE")
    ax.set_title("All models ranked by validation MSE")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return described(
        fig,
        f"A bar for each of the {len(ordered)} models, its validation MSE, the best at the top and "
        "collapsed models in red; a diamond marks the validation loss the seed reported, and the "
        f"baselines' MSE ({', '.join(baselines)}) are vertical lines.",
    )


def family_grid(clean, outputs, title, size=1.0):
    """Rows: the clean images, then each entry of ``outputs`` (name -> images of the same samples)."""
    fig, axes = _image_rows({"clean": clean, **outputs}, size)
    fig.suptitle(title)
    return described(
        fig, f"{title}: {len(clean)} images, clean in the first row, then in a row each: {', '.join(outputs)}."
    )


def corrections_by_family(clean, outputs, families):
    """One column per test image, grouped by corruption family (``families``: each column's family); rows:
    each entry of ``outputs`` (name -> the same images, corrupted or corrected), then the clean images."""
    rows = {**outputs, "clean": clean}
    fig, axes = _image_rows(rows, size=0.8)
    for family in dict.fromkeys(families):
        columns = [column for column, name in enumerate(families) if name == family]
        axes[0, columns[len(columns) // 2]].set_title(labels.family_text(family), fontsize="medium")
    fig.tight_layout(pad=0.3)
    return described(fig, f"{len(clean)} test images, grouped by corruption family; in a row each: {', '.join(rows)}.")


def still_misread(clean, corrupted, corrected, captions):
    """Test images the reader still misreads after correction: one column each, rows corrupted, corrected and
    clean, each column captioned under it (``captions``: its true class and what each reader read)."""
    fig, axes = _image_rows({"corrupted": corrupted, "corrected": corrected, "clean": clean}, size=1.0)
    for ax, caption in zip(axes[-1], captions):
        ax.set_xlabel(caption, fontsize="x-small")
    fig.tight_layout(pad=0.3)
    return described(
        fig,
        f"{len(clean)} test images the study reader misreads after correction: corrupted, corrected and clean, "
        "each captioned with its family, its class and the classes the study reader and then the second reader "
        "read in the correction.",
    )


def error_histograms(errors, family_ids, metric="per-sample MSE"):
    """One panel per corruption family: the distribution of ``errors`` (method -> per-sample values)."""
    fig, axes = plt.subplots(2, 3, figsize=(9, 5.5), sharey=True)
    everything = np.concatenate(list(errors.values()))
    bins = np.geomspace(max(everything.min(), 1e-4), everything.max(), 40)
    for family, (ax, name) in enumerate(zip(axes.flat, FAMILIES)):
        for method, values in errors.items():
            ax.hist(
                np.maximum(values[family_ids == family], bins[0]),
                bins=bins,
                histtype="step",
                linewidth=1.5,
                label=method,
            )
        ax.set_xscale("log")
        ax.set_title(labels.family_text(name), fontsize="medium")
        ax.set_xlabel(metric)
    for ax in axes[:, 0]:
        ax.set_ylabel("images")
    legend_panel = axes.flat[-1]
    legend_panel.axis("off")
    legend_panel.legend(*axes.flat[0].get_legend_handles_labels(), loc="center", fontsize="small")
    fig.tight_layout()
    return described(
        fig,
        f"Histograms of the {metric} on a logarithmic scale, a panel for each corruption family, "
        f"a line for each of {', '.join(errors)}.",
    )


def severity_curves(table, baseline):
    """Two panels against severity: the reader's accuracy and the MSE, one line per method. ``table`` is
    an ``evaluation.severity_table``; the method named ``baseline`` (the uncorrected input) is dashed."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, metric in zip(axes, (labels.READ, labels.MSE)):
        for method, values in table[metric].items():
            style = "--" if method == baseline else "-"
            ax.plot(table.index, values, linestyle=style, marker="o", label=method)
        ax.set_xticks(table.index)
        ax.set_xlabel("severity (the models were trained at 3)")
        ax.set_ylabel(metric)
    axes[0].set_title("Readable after correction? (test images)", fontsize="medium")
    axes[1].set_title("Test MSE", fontsize="medium")
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=2, fontsize="small", bbox_to_anchor=(0.5, 0))
    fig.tight_layout(rect=(0, 0.16, 1, 1))
    return described(
        fig,
        f"Against the severity of the corruption ({', '.join(map(str, table.index))}): the share of "
        "images the reader reads correctly (left) and the test MSE (right), a line for each of "
        f"{', '.join(table[labels.MSE])} ({baseline} dashed).",
    )


LABEL_GAP = 0.035  # of the axes' height: one line of x-small text
LABEL_REACH = 0.07  # of the axes' width: points closer than this across share a column of labels


def label_points(ax, points, names):
    """Name each point (data coordinates, one row each) beside it. Points close together across have their
    labels set in one column to the right of them, a line apart and as near their points' heights as that
    allows, each tied to its point by a thin line; a point alone keeps its label beside it."""
    ax.autoscale_view()
    to_axes = ax.transData + ax.transAxes.inverted()
    placed = to_axes.transform(points)
    order = np.argsort(placed[:, 0], kind="stable")
    clusters = [[order[0]]]
    for index in order[1:]:
        if placed[index, 0] - placed[clusters[-1][-1], 0] < LABEL_REACH:
            clusters[-1].append(index)
        else:
            clusters.append([index])
    for cluster in clusters:
        if len(cluster) == 1:
            ax.annotate(
                names[cluster[0]], points[cluster[0]], fontsize="x-small", xytext=(3, 2), textcoords="offset points"
            )
            continue
        by_height = sorted(cluster, key=lambda index: placed[index, 1])
        heights = spread_apart(placed[by_height, 1], LABEL_GAP)
        column = placed[cluster, 0].max() + 0.03
        for index, height in zip(by_height, heights):
            ax.annotate(
                names[index],
                points[index],
                xytext=(column, height),
                textcoords="axes fraction",
                fontsize="x-small",
                va="center",
                arrowprops={"arrowstyle": "-", "color": "gray", "linewidth": 0.4, "shrinkA": 0, "shrinkB": 2},
            )


def spread_apart(targets, gap):
    """Positions for labels wanted at the sorted ``targets``: at least ``gap`` apart, in the same order, each run
    of labels that had to move centred on its targets' mean (the least total displacement for equal gaps)."""
    blocks = []  # (targets of the block, its first position)
    for target in targets:
        blocks.append(([target], target))
        while len(blocks) > 1 and blocks[-1][1] < blocks[-2][1] + gap * len(blocks[-2][0]):
            (first, _), (second, _) = blocks[-2], blocks[-1]
            merged = first + second
            blocks[-2:] = [(merged, float(np.mean(merged)) - gap * (len(merged) - 1) / 2)]
    return [start + gap * k for members, start in blocks for k in range(len(members))]


def readability_against_mse(table, clean_accuracy, identity):
    """Every model as a point: test MSE across, the reader's accuracy on its corrections up. ``table``
    has ``test MSE``, ``read correctly (%)`` and ``family`` per model; ``identity`` is the uncorrected
    input's (MSE, accuracy)."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for family, group in table.groupby("family", sort=False):
        ax.scatter(group[labels.TEST_MSE], group[labels.READ], s=28, label=f"{family} family")
    ax.axhline(clean_accuracy, color="gray", linestyle=":", label="clean images")
    ax.scatter(*identity, color="black", marker="x", s=40, label=labels.UNCORRECTED, zorder=3)
    ax.set_xscale("log")
    label_points(ax, table[[labels.TEST_MSE, labels.READ]].to_numpy(float), list(table.index))
    # Over less than two decades Matplotlib labels the minor ticks too, and 3e-2 ran into 4e-2:
    # label 1, 2 and 5 of each decade, as plain numbers.
    ax.xaxis.set_major_locator(ticker.LogLocator(base=10, subs=(1, 2, 5)))
    ax.xaxis.set_major_formatter(ticker.FormatStrFormatter("%g"))
    ax.xaxis.set_minor_formatter(ticker.NullFormatter())
    ax.set_xlabel("test MSE (log scale)")
    ax.set_ylabel(labels.READ)
    ax.set_title("Every model: test error and readability of its corrections")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.tight_layout()
    return described(
        fig,
        f"A point for each of the {len(table)} models, labelled with its number and coloured by "
        "family: its test MSE across (logarithmic scale), the share of its corrections the reader "
        "reads correctly up; a dotted line marks the clean images' share and a cross the "
        "uncorrected input.",
    )
