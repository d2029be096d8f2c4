"""Everything a notebook shows beyond figures and tables: IPython's set-up for the report, numbers as the
report writes them, and the text each family notebook displays about its models.

Imported by the notebooks only: a machine that only trains (the training stage) needs no IPython.
"""

import functools
import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython import get_ipython
from IPython.display import Markdown, display

from . import evaluation, labels, models, plots, profiles, study, training
from .corruptions import FAMILIES, SEVERITIES


def configure():
    """Tables as HTML in the browser and as LaTeX tables in the PDF, each column's numbers written alike
    (``aligned``), a lone number as ``number_text`` writes it, and text whole in both."""
    shell = get_ipython()
    if shell is not None:  # adds a LaTeX form; the HTML form stays, its numbers aligned
        for table_type in (pd.DataFrame, pd.Series):
            shell.display_formatter.formatters["text/latex"].for_type(table_type, table_latex)
        shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, table_html)
    pd.set_option("styler.format.escape", "latex")
    # Row labels of several levels repeat on every row: spanning them needs \multirow, which nbconvert's LaTeX lacks.
    pd.set_option("styler.sparse.index", False)
    pd.set_option("display.float_format", number_text)
    # The HTML form cuts text at 50 characters; a model trained in two places is named in about 65.
    pd.set_option("display.max_colwidth", None)
    if shell is not None:
        _attach_alt_text(shell)


def _attach_alt_text(shell):
    """Make a figure's PNG carry its alt text as output metadata (``{"alt": ...}``, as nbconvert reads it)."""
    # Importing the inline backend configures it (its PNG formatter among others) if it is the backend and
    # has not been configured yet, so that it does not later replace the formatter set here.
    import matplotlib_inline.backend_inline  # noqa: F401
    from matplotlib.figure import Figure

    png = shell.display_formatter.formatters["image/png"]
    try:
        draw = png.lookup_by_type(Figure)
    except KeyError:  # not the inline backend: figures do not become the notebook's images
        return
    if isinstance(draw, functools.partial) and draw.func is _png_with_alt_text:
        return  # set before in this kernel (a notebook's first cell run again)
    png.for_type(Figure, functools.partial(_png_with_alt_text, draw))


def _png_with_alt_text(draw, fig):
    image, alt_text = draw(fig), plots.ALT_TEXT.get(fig)
    return image if image is None or alt_text is None else (image, {"alt": alt_text})


def number_text(value):
    """A number as the report's tables show it: four significant digits, without trailing zeros, and never
    with an exponent, which a reader misses in a column of percentages (pandas wrote 1.6077e+01 beside
    2.7639e-01 there). Tables set MSEs, PSNRs and percentages side by side, so a fixed count of decimals
    gave the percentages false precision (18.0000) or the small numbers too few digits."""
    if math.isnan(value):
        return "NaN"
    if value == 0 or math.isinf(value):
        return f"{value:g}"
    decimals = max(0, 3 - math.floor(math.log10(abs(value))))
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def corruption_cost_text(table):
    """The families in words, from the costliest to the cheapest by the MSE the uncorrected input leaves
    (``table``: rows overall and each family, columns the uncorrected input and the all-black image), and
    those on which handing the input back scores worse than the all-black image."""
    cost = table.loc[list(FAMILIES), labels.UNCORRECTED].sort_values(ascending=False)
    worse = [family for family in cost.index if cost[family] > table.loc[family, labels.ALL_BLACK]]
    text = (
        "From the costliest family to the cheapest, by the MSE it leaves: "
        + ", ".join(f"{labels.family_text(family)} {mse:.4f}" for family, mse in cost.items())
        + f"; the costliest leaves {cost.iloc[0] / cost.iloc[-1]:.0f} times the MSE of the cheapest. "
    )
    if not worse:
        return text + "On every family, handing the input back scores better than the all-black image."
    return text + (
        f"On {' and '.join(map(labels.family_text, worse))}, handing the input back scores worse than the all-black "
        "image on the same images: an autoencoder that learns only to copy is beaten there by one that outputs "
        "nothing."
    )


def trained_on_text(trained_on):
    """Where the models of a results table (its "trained on" column) were trained, in a sentence."""
    places = trained_on.str.removesuffix(training.PUBLISHED_MARK)
    shipped = trained_on.str.endswith(training.PUBLISHED_MARK)
    where = (
        f"Every model was trained with {places.iloc[0]}"
        if places.nunique() == 1
        else f"The models were trained in {places.nunique()} places (the table says where)"
    )
    came = (
        "; every one came with the report, trained once"
        if shipped.all()
        else f"; {int(shipped.sum())} came with the report, trained once"
        if shipped.any()
        else ""
    )
    return where + came + "."


def times_table(table):
    """A results table's epochs and training times, and where each model trained if not everywhere alike."""
    shown = table[["epochs", "time (s)"]].copy()
    places = table["trained on"].str.removesuffix(training.PUBLISHED_MARK)
    if places.nunique() > 1:
        shown["trained on"] = places
    return shown


def moving_statistics_text(held):
    """The batch-size section's prediction in words, with its verdict per model and how it held (``held``: model
    id -> the reasons it held, none where it failed, ``study.moving_statistics_prediction``)."""
    prediction = "The prediction (at 512 a model validates worse after its first epoch, or collapses)"
    because = "the moving statistics did not hold the larger batch back at first."
    fails = [model_id for model_id, reasons in held.items() if not reasons]
    if len(fails) == len(held):
        return f"{prediction} fails for every model ({study.models_text(fails)}): {because}"
    ways = {
        (study.WORSE_AFTER_FIRST_EPOCH,): "worse at 512 after the first epoch",
        (study.COLLAPSED_AT_512,): "only by collapsing at 512: after the first epoch, 512 validated better",
        (study.WORSE_AFTER_FIRST_EPOCH, study.COLLAPSED_AT_512): "worse at 512 after the first epoch, and collapsed",
    }
    by_way = {}
    for model_id, reasons in held.items():
        if reasons:
            by_way.setdefault(reasons, []).append(model_id)
    holds = "; ".join(f"for {study.models_text(model_ids)} ({ways[reasons]})" for reasons, model_ids in by_way.items())
    return f"{prediction} holds {holds}" + (
        f"; it fails for {study.models_text(fails)}: there, {because}" if fails else "."
    )


def robustness_text(reading, mse, pairs_reading, best_new, noise):
    """What the robustness tables show, from the final evaluation's severity and pairs tables (rows: the
    severities as text, or the pairs; columns: the uncorrected input and the models): whether ``best_new``
    reads mild damage worse than the damage it was trained on, where another model reads less than the
    uncorrected input, and on which pairs of families another model reads better than ``best_new``; a
    difference counts where it exceeds the readability noise of the models it involves (``noise``, from
    ``study.noise_levels``; ``study.read_noise``)."""

    def noise_of(*names):
        return study.read_noise(noise, *(name.removeprefix("model ") for name in names))

    trained, mildest = str(profiles.TRAINING_SEVERITY), str(min(SEVERITIES))
    sentences = []
    if reading.loc[trained, best_new] - reading.loc[mildest, best_new] > noise_of(best_new):
        sentences.append(
            f"{best_new.capitalize()} reads less at severity {mildest} ({reading.loc[mildest, best_new]:.1f}%) than "
            f"at severity {trained}, where it was trained ({reading.loc[trained, best_new]:.1f}%), with "
            f"{mse.loc[mildest, best_new] / mse.loc[trained, best_new]:.1f} times the MSE: it over-corrects mild "
            "damage."
        )
    else:
        sentences.append(f"{best_new.capitalize()} reads mild damage about as well as the damage it was trained on.")
    others = [name for name in reading.columns if name not in (labels.UNCORRECTED, best_new)]
    for name in others:
        harm = reading[labels.UNCORRECTED] - reading[name]
        harmed = list(harm.index[harm > 0])
        if harmed:
            first, several = harmed[0], len(harmed) > 1
            beyond = list(harm.index[harm > noise_of(name)])
            sentences.append(
                f"{name.capitalize()} reads less than the uncorrected input at severit{'ies' if several else 'y'} "
                f"{', '.join(harmed)} ({reading.loc[first, name]:.1f}% against "
                f"{reading.loc[first, labels.UNCORRECTED]:.1f}%{f' at severity {first}' if several else ''}): "
                + (
                    f"beyond the noise at {', '.join(beyond)}, where correcting harms reading."
                    if beyond
                    else f"{'each time ' if several else ''}by less than the noise of its family "
                    f"({noise_of(name):.2f} points)."
                )
            )
    pairs = pairs_reading.drop(index="overall")
    for name in others:
        ahead = list(pairs.index[pairs[name] > pairs[best_new]])
        if ahead:
            better = [
                pair for pair in ahead if pairs.loc[pair, name] - pairs.loc[pair, best_new] > noise_of(name, best_new)
            ]
            sentences.append(
                f"On pairs of corruptions, {name} reads more than {best_new} on {len(ahead)} of the {len(pairs)} "
                "pairs, "
                + (
                    f"beyond the noise on {len(better)} ({', '.join(labels.family_text(pair) for pair in better)})."
                    if better
                    else "each by less than the noise."
                )
            )
    return " ".join(sentences) + (
        f" (A difference counts here where it exceeds the noise of the families involved: {noise_of(best_new):.2f} "
        f"points between runs of {best_new}, up to {noise_of(*others):.2f} between runs in the families of "
        f"{', '.join(others)}.)"
        if others
        else ""
    )


def headline_with_intervals(headline, intervals):
    """The final evaluation's headline table for display: each accuracy with its 95% interval
    (``evaluation.read_intervals``: column name -> group -> (low, high)) in the same cell."""
    shown = headline.astype(object)
    for (measure, group), row in headline.iterrows():
        if measure != labels.READ:
            shown.loc[(measure, group)] = [f"{value:.{MEASURE_DECIMALS[measure]}f}" for value in row]
    read = evaluation.with_intervals(headline.loc[labels.READ].T, intervals).T
    for group in read.index:
        shown.loc[(labels.READ, group)] = read.loc[group]
    return shown


def worded(table):
    """``table`` for display with the corruption families named in words (``labels.family_text``) in its rows
    and columns, as the prose names them; the results files keep the keys."""

    def word(label):
        return labels.family_text(label) if isinstance(label, str) else label

    return table.rename(index=word, columns=word)


def rounded(table, decimals):
    """``table`` with the columns of ``decimals`` (column -> decimals) written as text, rounded the way every
    sentence of the report rounds (Python's format: 88.55 stored as 88.54999... is 88.5), where pandas'
    ``round`` scales first and would print 88.6 beside a sentence's 88.5."""
    return table.assign(
        **{column: [format(value, f".{places}f") for value in table[column]] for column, places in decimals.items()}
    )


def target_table(targets):
    """The targets (``study.target`` each, by name) as a table: the bound, the value reached with its 95%
    interval where it has one, the other runs' values where a target was judged on several runs, and the
    verdict."""
    with_runs = any("runs" in target for target in targets.values())
    rows = {
        name: {
            "target": target["target"],
            "reached": evaluation.with_interval(target["reached"], target["interval"])
            if "interval" in target
            else number_text(target["reached"]),
            **(
                {"other runs": ", ".join(map(number_text, target.get("runs", []))) or evaluation.NO_FIGURE}
                if with_runs
                else {}
            ),
            "verdict": target["verdict"],
        }
        for name, target in targets.items()
    }
    return pd.DataFrame(rows).T


def with_seed_blanks(table, columns=(labels.SEED_TRAIN_LOSS, labels.SEED_VAL_LOSS)):
    """``table`` with a dash in ``columns`` where there is no value (by default, where the seed reported no loss):
    a value that does not exist, where a NaN in a table means a number that came out undefined (a diverged
    loss), which stays visible as NaN."""
    shown = table.copy()
    for column in columns:
        if column in shown:
            decimals = column_decimals(shown[column].dropna())
            shown[column] = [
                evaluation.NO_FIGURE if pd.isna(value) else f"{value:.{decimals}f}" for value in shown[column]
            ]
    return shown


PRINT_WIDTH = 120  # characters of a table row that fit the PDF's text width in the table's font


# The decimals each measure is written with, in tables as in sentences.
MEASURE_DECIMALS = {
    labels.MSE: 4,
    labels.PSNR: 1,
    labels.SSIM: 3,
    labels.EDGE_CONTRAST: 1,
    labels.READ: 1,
    labels.READ_ON_WORST: 1,
}


def column_decimals(values):
    """The decimals a column of numbers is written with, one count for all of it so that the column lines up, as
    the sentences write such numbers: none for whole numbers, four below 1 (an MSE, an SSIM), two below 10, one
    below 1,000 (percentages, decibels, seconds), none above."""
    finite = [abs(value) for value in values if math.isfinite(value)]
    if all(value == int(value) for value in finite):
        return 0
    top = max(finite)
    return 4 if top < 1 else 2 if top < 10 else 1 if top < 1000 else 0


def aligned(table):
    """``table`` with its numbers as text, each column written with one count of decimals (``column_decimals``);
    where the first level of the row labels names the measures (the headline table), each measure's rows of a
    column are written alike, with that measure's decimals (``MEASURE_DECIMALS``). NaN stays NaN: a number that
    came out undefined."""
    shown = table.astype(object)
    first_level = table.index.get_level_values(0)
    if isinstance(table.index, pd.MultiIndex) and set(first_level) <= set(MEASURE_DECIMALS):
        blocks = [(first_level == measure, MEASURE_DECIMALS[measure]) for measure in dict.fromkeys(first_level)]
    else:
        blocks = [(np.ones(len(table), bool), None)]
    for position in range(table.shape[1]):
        values = table.iloc[:, position]
        if not pd.api.types.is_float_dtype(values) and not all(isinstance(v, float) for v in values):
            continue
        for rows, decimals in blocks:
            block = values[rows].astype(float)
            if block.notna().any():
                places = column_decimals(block) if decimals is None else decimals
                shown.iloc[np.flatnonzero(rows), position] = [
                    "NaN" if math.isnan(value) else f"{value:.{places}f}" for value in block
                ]
    return shown


def table_html(table):
    """A table's HTML form, numbers aligned (``aligned``)."""
    return aligned(table)._repr_html_()


def table_latex(table):
    """A table's LaTeX form, numbers as ``number_text`` writes them. A LaTeX tabular does not wrap: a table
    wider than the page (``PRINT_WIDTH``) is split into several, each with the row labels and as many whole
    columns as fit, rather than shrunk until its numbers cannot be read. nbconvert's LaTeX preamble loads
    adjustbox and caps every box at 0.9 of the line's width: a part that is still too wide (one very wide
    column) ends up that wide."""
    if isinstance(table, pd.Series):
        table = table.to_frame()
    return "\n".join(
        "\\begin{adjustbox}{max width=\\linewidth}\n"
        + aligned(part).to_latex(float_format=number_text)
        + "\\end{adjustbox}\n"
        for part in column_groups(table)
    )


def column_groups(table, width=PRINT_WIDTH):
    """``table`` cut into consecutive groups of whole columns, each with the row labels no wider than ``width``
    characters where it can be (a single column wider than that stays one group)."""

    def text_width(values):
        return max((len(number_text(value) if isinstance(value, float) else str(value)) for value in values), default=0)

    def column_width(column):
        header = column if isinstance(column, tuple) else (column,)
        return max(text_width([str(level) for level in header]), text_width(table[column].tolist())) + 3

    labels_width = sum(
        text_width([str(level) for level in table.index.get_level_values(i)]) + 3 for i in range(table.index.nlevels)
    )
    groups, current, used = [], [], labels_width
    for column in table.columns:
        needed = column_width(column)
        if current and used + needed > width:
            groups.append(current)
            current, used = [], labels_width
        current.append(column)
        used += needed
    groups.append(current)
    return [table[group] for group in groups]


def describe_family(results):
    """For a notebook: each model's decisions and size. Exact on every machine (no trained number in it)."""
    for model_id, result in results.items():
        spec = models.spec(model_id)
        loss = "" if spec.loss == "mse" else f", loss {spec.loss}"
        size = " Accelerator-sized." if spec.accelerator_sized else ""
        display(
            Markdown(
                f"### Model {model_id}\n\n{spec.note}\n\n{result.model.count_params():,} parameters; batch size "
                f"{spec.batch_size}, learning rate {spec.learning_rate:g}{loss}. The decoder works from a code of "
                f"{models.code_text(result.model)}.{size}"
            )
        )


def show_family(results, setting, title):
    """For a notebook: how each model trained and its verdict, then one figure of all their loss curves.
    These numbers come out of training, so they agree across machines within a tolerance only."""
    val = setting.splits["val"]
    lines = []
    for model_id, result in results.items():
        reason = study.verdict(result, val, setting).reason
        train_mse, val_mse = study.kept_mse(result)
        seed = (
            f" (the seed reported {study.SEED_RESULTS[model_id][0]} and {study.SEED_RESULTS[model_id][1]})"
            if model_id in study.SEED_RESULTS
            else ""
        )
        lines.append(
            f"- **Model {model_id}** kept epoch {result.best_epoch} of {len(result.history)}: training MSE "
            f"{train_mse:.4f}, validation MSE {val_mse:.4f}{seed}. Verdict on the validation images: {reason}."
        )
    display(Markdown("\n".join(lines)))
    histories = {f"model {model_id}": plots.mse_history(result) for model_id, result in results.items()}
    plots.loss_curves(histories, setting.val_baselines.to_dict(), f"{title} ({setting.profile.name} profile)")
    plt.show()
