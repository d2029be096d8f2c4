"""The README's results section, written from a build's results files, so that no number on the README is typed.

The full study's results files (``results_files.FILES``: the results table, the batch-size ablation, the
final evaluation's summary and its figure) are published beside its trained networks, in
``published/full/results/``; the README's section between ``START`` and ``END`` is written from them:
the final evaluation's headline, the figure, and one row per model.

    python -m lib.readme_results --publish   # copy a full build's results files there, then write the README
    python -m lib.readme_results             # write the README from the published results
    python -m lib.readme_results --check     # exit 1 if the README's section is not what they give
"""

import argparse
import math
import os
import shutil
import sys
from pathlib import Path

from . import evaluation, labels, models, paths, results_files, study
from .files import atomic_write

PUBLISHED_RESULTS = paths.PUBLISHED_DIR / "full" / "results"
README = paths.ROOT / "README.md"
START = "<!-- results: written by `python -m lib.readme_results` from published/full/results/ -->"
END = "<!-- end of results -->"


def section(folder=PUBLISHED_RESULTS):
    """The README's results, in Markdown, from the results files in ``folder``."""
    folder = Path(folder)
    table, final = results_files.read_table(folder), results_files.read_final(folder)
    ablation = results_files.read_ablation(folder)
    figure = Path(os.path.relpath(folder / results_files.FIGURE, README.parent)).as_posix()
    return "\n".join(
        [
            f"On the {final['test images']:,} official test images, corrupted like the training images "
            f"({final['profile']} profile; where each network was trained is said under the table):",
            "",
            *headline(table, final),
            *batch_sizes(ablation),
            "",
            f"![Test images of each corruption family: corrupted, corrected by model {final['best seed model']}, model "
            f"{models.SEED_FINAL_MODEL} and model {final['best new model']}, and clean]({figure})",
            "",
            f"*Three test images per corruption family: corrupted, corrected by the best of the seed's models (model "
            f"{final['best seed model']}), by the seed's final model (model {models.SEED_FINAL_MODEL}) and by the best "
            f"U-Net (model {final['best new model']}), and clean.*",
            "",
            *model_table(table, final),
        ]
    )


def headline(table, final):
    """The final evaluation's findings, one bullet each."""
    best, seed_best = final["final model"], final["best seed model"]
    best_name, seed_name, seed_final_name = final["final name"], final["best seed name"], final["seed final name"]
    quality = final["quality"]
    best_answer = f"corrected by {best_name}"
    spread, spread_read = final["spread"][labels.VAL_MSE], final["spread"][labels.READ]
    uncorrected_val_mse = final["validation baselines"][labels.UNCORRECTED]
    collapsed, beat, worse = study.collapse_summary(table, uncorrected_val_mse)
    targets = final["targets"]
    met = sum(target["verdict"] == "met" for target in targets.values())
    return [
        f"- **The best model is model {best}** ({table.loc[best, 'family']}, code {table.loc[best, 'code']}): "
        f"{_quality(quality[best_name])}; the best of the seed's models, model {seed_best} "
        f"({table.loc[seed_best, 'family']}): {_quality(quality[seed_name])}; the uncorrected input: "
        f"{_quality(quality[labels.UNCORRECTED])}.",
        f"- **Readable again?** The reader reads {_read(final, labels.CLEAN)} of the clean test images and "
        f"{_read(final, labels.UNCORRECTED)} of the corrupted ones; {_read(final, seed_name)} after model "
        f"{seed_best}, the best of the seed's models, and {_read(final, seed_final_name)} after the seed's own final "
        f"model {models.SEED_FINAL_MODEL}; **{_read(final, best_name)}** after model {best} (its hardest family: "
        f"{_family_reading(final, best)}). In brackets: 95% intervals over the test images.",
        second_reader_line(final),
        f"- **Controls.** A reader trained on the corrupted images reads "
        f"{_read(final, labels.CORRUPTED_TRAINED_READER, tree='controls')} of them. Trying flips and turns on the "
        f"rotated and flipped images only (an oracle that knows which they are), the clean-trained reader reads "
        f"{_read(final, labels.UNDOING_READER, 'rotation', 'controls')} of the rotated and "
        f"{_read(final, labels.UNDOING_READER, 'flip', 'controls')} of the flipped images, against "
        f"{_read(final, best_answer, 'rotation', 'controls')} and {_read(final, best_answer, 'flip', 'controls')} "
        f"after model {best}.",
        f"- **Targets**: {met} of {len(targets)} met by model {best}: "
        + "; ".join(
            f"{name} {target['target']}: {target['reached']:.3g} ({target['verdict']})"
            for name, target in targets.items()
        )
        + ".",
        f"- **Collapse**: {study.models_text(collapsed)} collapsed (the report's verdicts, on the validation images; "
        f"the table gives the test images' beside them); of the other {len(beat) + len(worse)}, {len(beat)} beat the "
        f"uncorrected input's validation MSE ({uncorrected_val_mse:.4f})"
        + (f" and {study.models_text(worse)} {'does' if len(worse) == 1 else 'do'} not." if worse else "."),
        f"- **Noise**: {len(spread) - 2} runs of model {final['best new model']} (seeds one apart) reach a "
        f"validation MSE of {spread['mean']:.4f} ± {spread['standard deviation']:.4f} and read "
        f"{spread_read['mean']:.1f}% ± {spread_read['standard deviation']:.1f} (standard deviations).",
    ]


def batch_sizes(ablation):
    """The batch-size ablation in one bullet: each model's validation MSE at each batch size."""
    pairs = []
    for model_id, runs in ablation.groupby(level="model", sort=False):
        sizes = runs.droplevel("model")
        pairs.append(
            f"model {model_id} "
            + " against ".join(
                f"{row[labels.VAL_MSE]:.4f} at {size}" + (f" ({row['verdict']})" if row["verdict"] != "learned" else "")
                for size, row in sizes.iterrows()
            )
        )
    return [f"- **Batch size** (validation MSE, each run to the end of early stopping): {'; '.join(pairs)}."]


def model_table(table, final):
    """One row per model: size, code, training, validation MSE beside the seed's, test measures, readability
    overall and on its hardest family, the verdict; then where each network was trained."""
    readability = final["readability"]
    header = [
        "model",
        "family",
        "parameters",
        "code",
        "epochs (kept)",
        labels.VAL_MSE,
        labels.SEED_VAL_LOSS,
        labels.TEST_MSE,
        labels.PSNR,
        labels.SSIM,
        labels.READ,
        "hardest family (%)",
        "verdict (validation)",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for model_id, row in table.iterrows():
        cells = [
            model_id,
            row["family"],
            f"{row['parameters']:,}",
            row["code"],
            f"{row['epochs']} ({row['best epoch']})",
            f"{row[labels.VAL_MSE]:.4f}",
            _number(row[labels.SEED_VAL_LOSS], ".4f"),
            f"{readability[labels.TEST_MSE][model_id]:.4f}",
            f"{readability[labels.PSNR][model_id]:.1f}",
            f"{readability[labels.SSIM][model_id]:.3f}",
            f"{readability[labels.READ][model_id]:.1f}",
            _family_reading(final, model_id),
            row["verdict"],
        ]
        lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    places = table.groupby("trained on", sort=False).groups
    lines += [
        "",
        "Where trained: "
        + "; ".join(f"{study.models_text(list(ids))} with {place}" for place, ids in places.items())
        + ". "
        f"Training them took {table['time (s)'].sum() / 3600:.1f} h in all, {table['time (s)'].median() / 60:.0f} min "
        "for the median network (each network's time is in `results.csv`).",
    ]
    return lines


def second_reader_line(final):
    """The second reader's bullet: what it reads of the clean, corrupted and corrected images, and how often it
    disagrees with the study reader."""
    second = final["second reader"]

    def read(name):
        value = second["headline"][name][labels.READ]["overall"]
        return evaluation.with_interval(value, second["read intervals"][name]["overall"], unit="%")

    disagreements = len(second["disagreements"])
    return (
        f"- **A second reader**, a residual network trained on the clean images and never used to choose a model, "
        f"reads {read(labels.CLEAN)} of the clean test images, {read(labels.UNCORRECTED)} of the corrupted ones and "
        f"{read(final['final name'])} after model {final['final model']}; it "
        + (
            "reaches the study reader's verdict on every comparison of the final evaluation."
            if not disagreements
            else f"disagrees with the study reader on {disagreements} verdict{'s' * (disagreements != 1)} of the "
            "final evaluation (named there)."
        )
    )


def _quality(measures):
    return (
        f"test MSE {measures[labels.MSE]['overall']:.4f}, PSNR {measures[labels.PSNR]['overall']:.1f} dB, "
        f"SSIM {measures[labels.SSIM]['overall']:.3f}"
    )


def _read(final, name, group="overall", tree="headline"):
    """An accuracy of the headline (or of the controls) with its 95% interval."""
    values = final[tree][name]
    value = values[labels.READ][group] if tree == "headline" else values[group]
    return evaluation.with_interval(value, final["read intervals"][name][group], unit="%")


def _family_reading(final, model_id):
    family = final["test verdicts"][model_id]["worst family"]
    return f"{labels.family_text(family)} {final['readability'][labels.READ_ON_WORST][model_id]:.1f}"


def _number(value, spec):
    return "–" if isinstance(value, float) and math.isnan(value) else format(value, spec)


class MarkersMissing(ValueError):
    """A README without the two lines that enclose its results section."""


def with_section(readme_text, text):
    """``readme_text`` with its results section replaced by ``text``."""
    if readme_text.count(START) != 1 or readme_text.count(END) != 1:
        raise MarkersMissing(
            f"{README} must hold one line `{START}` and one line `{END}` around its results; restore them "
            f"(git -C {paths.ROOT} diff README.md shows what changed)"
        )
    before, rest = readme_text.split(START)
    _, after = rest.split(END)
    return f"{before}{START}\n{text}\n{END}{after}"


def publish(artifact_dir, folder=PUBLISHED_RESULTS):
    """Copy a build's results files from ``artifact_dir`` into ``folder``, whole or not at all; files that
    fail their schema (``results_files.ResultsDamaged``) are not published."""
    artifact_dir = Path(artifact_dir)
    for name in results_files.FILES:
        if not (artifact_dir / name).is_file():
            raise results_files.ResultsMissing(
                f"{name} not found in {artifact_dir}: build the full report first (./build_report.sh)"
            )
    for read in (results_files.read_table, results_files.read_ablation, results_files.read_final):
        read(artifact_dir)
    folder = Path(folder)
    staging = folder.with_name(f".tmp-{folder.name}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in results_files.FILES:
        shutil.copy2(artifact_dir / name, staging / name)
    previous = folder.with_name(f".old-{folder.name}")
    if folder.exists():
        folder.rename(previous)
    staging.rename(folder)
    shutil.rmtree(previous, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publish", action="store_true", help="first copy the full build's results files")
    parser.add_argument("--check", action="store_true", help="only check that the README is up to date")
    args = parser.parse_args(argv)
    paths.absolute_environment()
    try:
        if args.publish:
            publish(paths.output_dir("full"))
        current = README.read_text()
        wanted = with_section(current, section())
    except (results_files.ResultsMissing, results_files.ResultsDamaged, MarkersMissing) as error:
        print(f"README NOT WRITTEN: {error}", file=sys.stderr)
        return 1
    if args.check:
        if wanted != current:
            print(f"{README} does not show the published results: run python -m lib.readme_results", file=sys.stderr)
            return 1
        return 0
    atomic_write(README, lambda path: Path(path).write_text(wanted))
    print(f"wrote the results section of {README} from {PUBLISHED_RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
