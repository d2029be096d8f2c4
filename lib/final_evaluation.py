"""The final evaluation: three models on the test set beside the baselines and controls, every table and verdict.

``FinalEvaluation`` computes each table once, when it is first asked for, from the networks' evaluations
(``Setting.measures``, kept by ``lib.evaluation_cache``), so that notebook 11 only calls and displays, and a second
run of it reads what the first computed. Its sentences are computed from the same tables.
"""

from functools import cached_property

import numpy as np
import pandas as pd

from . import classifier, corruptions, evaluation, labels, models, study

GEOMETRIC = ("rotation", "flip")


SMALL_GAP = 10  # points of readability lost to corruption under which the share recovered is said to be unsteady


MORE, LESS, WITHIN_NOISE = "more", "less", "within the test set's noise"


def paired_verdict(right, other_right):
    """Does one answer read more or less than another on the same images (which each reads right), or are they
    within the test set's noise (McNemar's test, p >= 0.05)?"""
    if evaluation.mcnemar_p(right, other_right) >= 0.05:
        return WITHIN_NOISE
    return MORE if right.mean() > other_right.mean() else LESS


def reader_disagreements(first, second):
    """The verdicts (``FinalEvaluation.verdicts``) on which the study reader (``first``) and the second reader
    (``second``, a ``FinalEvaluation`` with ``second=True``) disagree: verdict -> (the study reader's, the second's)."""
    ours, theirs = first.verdicts, second.verdicts
    return {name: (ours[name], theirs[name]) for name in ours if ours[name] != theirs[name]}


def disagreements_text(disagreements, compared):
    """``reader_disagreements`` in prose, of ``compared`` verdicts: that the two readers reach the same verdict on
    every one, or on how many they do not (``disagreements_table`` lists them)."""
    if not disagreements:
        return f"The two readers reach the same verdict on each of the {compared} paired comparisons."
    return (
        f"The two readers disagree on {len(disagreements)} of the {compared} paired comparisons (McNemar's test "
        "over the same images), listed below; they agree on the rest."
    )


def disagreements_table(disagreements):
    """``reader_disagreements`` as a table: a row per comparison, each reader's verdict."""
    return pd.DataFrame.from_dict(
        disagreements, orient="index", columns=["by the study reader", "by the second reader"]
    ).rename_axis("comparison")


def second_reader_text(first, second):
    """What the second reader (``second``, a ``FinalEvaluation`` with ``second=True``) reads of the clean, corrupted
    and corrected test images, beside the study reader (``first``), and the verdicts on which they disagree."""
    run, final_name = second.second_reader_run, first.final_name

    def against_clean(evaluation_):
        printed = evaluation_.read.loc["overall"].map(lambda value: round(value, 1))  # as the tables print them
        gap = printed[labels.CLEAN] - printed[final_name]
        return f"{abs(gap):.1f} points {'below' if gap > 0 else 'above'} its own accuracy on clean images"

    on_clean = paired_verdict(second.reference_right(labels.CLEAN), first.reference_right(labels.CLEAN))
    compared = {MORE: "more than", LESS: "fewer than", WITHIN_NOISE: "as many, within the test set's noise, as"}
    return (
        f"The second reader (kept at epoch {run.best_epoch} of the {len(run.history)} it trained) recognises "
        f"{second.read_text(labels.CLEAN)} of the clean test images, {compared[on_clean]} the study reader's "
        f"{first.read_text(labels.CLEAN)}"
        + (
            ""
            if on_clean == MORE
            else ": narrower than the benchmark's PreActResNet-18 (97.82%) and trained without augmentation, it is "
            "a second judge here, not a stronger one"
        )
        + f"; it recognises {second.read_text(labels.UNCORRECTED)} of the corrupted ones. After "
        f"correction by model {first.final_model} it reads {second.read_text(final_name)}, {against_clean(second)}; "
        f"the study reader reads {first.read_text(final_name)}, {against_clean(first)}. "
        + disagreements_text(reader_disagreements(first, second), len(first.verdicts))
    )


class FinalEvaluation:
    """The final evaluation of ``results`` (model id -> ``TrainResult``, every model of the study) on the test split
    of ``setting``; ``comparison`` is the results table notebook 10 wrote. It loads (or trains) the further
    networks it reads when made: the control reader, the best U-Net's spread runs and each family's runs. With
    ``second``, every readability is the second reader's (``Setting.second_reader_run``), and the answers are those
    that correct: the reader trained on corrupted images and the search over flips and turns are the study reader's
    own answers, left out."""

    def __init__(self, setting, results, comparison, second=False):
        self.setting, self.results, self.comparison, self.second = setting, results, comparison, second
        self.test = setting.splits["test"]
        self.best_seed = study.best_model(results, models.SEED_MODEL_IDS)
        self.seed_final = models.SEED_FINAL_MODEL
        self.final_model = study.best_model(results, models.MODEL_IDS)
        self.best_new = study.best_new_model(results)
        self.names = study.final_models(results)
        self.best_seed_name, self.seed_final_name, self.final_name = (
            self.names[model_id] for model_id in (self.best_seed, self.seed_final, self.final_model)
        )
        self.roles = study.glance_models(self.best_seed, self.best_new)
        # Every other network it reads, loaded (or trained) now, where the notebook keeps their log out of the report.
        self.control_reader_run = setting.control_reader_run
        if second:
            self.second_reader_run = setting.second_reader_run
        self.spread_runs = setting.train_spread(self.best_new)
        self.family_runs = setting.train_family_runs()

    # The evaluations every table is computed from.

    @cached_property
    def measures(self):
        """Model id -> the ``Measures`` of its corrections of the test images: every model's, or where the second
        reader reads (nearly 7 times the study reader's arithmetic per image), the three the evaluation names."""
        model_ids = self.names if self.second else self.results
        return {
            model_id: self.setting.measures(self.results[model_id], self.test, second=self.second)
            for model_id in model_ids
        }

    @cached_property
    def references(self):
        """The baselines and the clean images, name -> ``Measures`` on the test images; where the second reader
        reads, only those its tables show (the uncorrected input, the median filter, the clean images)."""
        names = (labels.UNCORRECTED, labels.MEDIAN_FILTER) if self.second else evaluation.BASELINES
        return self.setting.reference_measures((*names, labels.CLEAN), self.test, second=self.second)

    @cached_property
    def right(self):
        """Model id -> which test images the reader reads right after its correction."""
        return {model_id: measured.right(self.test) for model_id, measured in self.measures.items()}

    def worst_family_right(self, model_id, family):
        """Which test images of corruption ``family`` the reader reads right after model ``model_id``'s correction."""
        return self.right[model_id][self.test.family_ids == corruptions.FAMILIES.index(family)]

    def reference_right(self, name):
        """Which test images the reader reads right of reference answer ``name`` (``references``)."""
        return self.references[name].right(self.test)

    # The headline.

    @cached_property
    def headline(self):
        """The three models, the uncorrected input and the clean images on every measure, overall and per family."""
        return evaluation.headline_table(
            {
                **{name: self.measures[model_id] for model_id, name in self.names.items()},
                **{name: self.references[name] for name in (labels.UNCORRECTED, labels.CLEAN)},
            },
            self.test,
        )

    @property
    def read(self):
        return self.headline.loc[labels.READ]

    @cached_property
    def headline_intervals(self):
        """The headline's accuracies' 95% intervals: name -> group -> (low, high)."""
        right = {
            **{name: self.right[model_id] for model_id, name in self.names.items()},
            **{name: self.reference_right(name) for name in (labels.UNCORRECTED, labels.CLEAN)},
        }
        return evaluation.read_intervals(right, self.test.family_ids)

    def read_text(self, name, group="overall"):
        """An accuracy of the headline in prose, with its 95% interval."""
        return evaluation.with_interval(self.read.loc[group, name], self.headline_intervals[name][group], unit="%")

    def against_uncorrected(self, model_id):
        """How model ``model_id``'s corrections read against the uncorrected input, by McNemar's test."""
        p_value = evaluation.mcnemar_p(self.right[model_id], self.reference_right(labels.UNCORRECTED))
        judged = paired_verdict(self.right[model_id], self.reference_right(labels.UNCORRECTED))
        if judged == WITHIN_NOISE:
            return f"no different, within the test set's noise, from the uncorrected input (p = {p_value:.2g})"
        return f"{'more' if judged == MORE else '**less**'} than the uncorrected input (p = {p_value:.2g})" + (
            self.runs_text(model_id)
        )

    def runs_text(self, model_id):
        """Where the family runs repeat model ``model_id``: how its runs read against the uncorrected input."""
        runs = self.family_spread[self.family_spread.index.str.startswith(f"model {model_id}, run ")]
        if len(runs) < 2:
            return ""
        reads, uncorrected = runs[labels.READ], self.read.loc["overall", labels.UNCORRECTED]
        side = "below" if (reads < uncorrected).all() else "above" if (reads > uncorrected).all() else None
        return f"; its {len(runs)} runs read {reads.min():.1f} to {reads.max():.1f}%, " + (
            f"every one {side} the uncorrected input" if side else "on both sides of the uncorrected input"
        )

    @cached_property
    def verdicts(self):
        """Every paired verdict of the final evaluation on its reader's readings, name -> ``paired_verdict``: each
        model against the uncorrected input and against the clean images, overall and on every family; the final
        model against the median filter, and against the uncorrected input at every severity and on pairs of
        corruptions (the final model is always among ``roles``: the best of the seed's models or the best U-Net).
        Two readers are compared verdict by verdict (``reader_disagreements``)."""
        uncorrected, clean = (self.reference_right(name) for name in (labels.UNCORRECTED, labels.CLEAN))
        families = self.test.family_ids
        verdicts = {}
        for model_id in self.names:
            for group, chosen in (("overall", slice(None)), *self._family_images(families)):
                where = "" if group == "overall" else f" on {labels.family_text(group)}"
                right = self.right[model_id][chosen]
                verdicts[f"model {model_id} against the uncorrected input{where}"] = paired_verdict(
                    right, uncorrected[chosen]
                )
                verdicts[f"model {model_id} against the clean images{where}"] = paired_verdict(right, clean[chosen])
        final = self.final_model
        verdicts[f"model {final} against the {labels.MEDIAN_FILTER}"] = paired_verdict(
            self.right[final], self.reference_right(labels.MEDIAN_FILTER)
        )
        final_name, splits = f"model {final}", self.severity_splits
        for level, measures in self.severity_measures.items():
            verdicts[f"model {final} against the uncorrected input at severity {level}"] = paired_verdict(
                measures[final_name].right(splits[level]), measures[labels.UNCORRECTED].right(splits[level])
            )
        verdicts[f"model {final} against the uncorrected input on pairs of corruptions"] = paired_verdict(
            self.pairs_measures[final_name].right(self.pairs_split),
            self.pairs_measures[labels.UNCORRECTED].right(self.pairs_split),
        )
        return verdicts

    @staticmethod
    def _family_images(family_ids):
        return [(family, family_ids == index) for index, family in enumerate(corruptions.FAMILIES)]

    def choice_text(self):
        """Which models the evaluation sets side by side, and why."""
        table, best_seed, final_model = self.comparison, self.best_seed, self.final_model
        final, spec = table.loc[final_model], models.spec(final_model)
        return (
            f"The best of the seed's models is **model {best_seed}** ({table.loc[best_seed, 'family']} family, "
            f"validation MSE {table.loc[best_seed, labels.VAL_MSE]:.4f}, code {table.loc[best_seed, 'code']}); the "
            f"seed's final model is model {self.seed_final} ({table.loc[self.seed_final, labels.VAL_MSE]:.4f}); the "
            f"best model overall is **model {final_model}** ({final['family']} family, {final[labels.VAL_MSE]:.4f}, "
            f"code {final['code']}, kept at epoch {final['best epoch']} of {final['epochs']}), "
            + (
                "the same model as the best of the seed's."
                if best_seed == final_model
                else "the final model of this report."
            )
            + (f"\n\nModel {best_seed}: {models.spec(best_seed).note}" if best_seed != final_model else "")
            + f"\n\nModel {final_model}: {spec.note}\n\nIt has {final['parameters']:,} parameters and was trained with "
            f"batch size {spec.batch_size} and Adam at learning rate {spec.learning_rate:g}. Its layers:"
        )

    def headline_text(self):
        """The headline in prose: what the reader reads of the clean, corrupted and corrected test images."""
        read, families, reader_run = self.read, list(corruptions.FAMILIES), self.setting.reader_run
        final_name, final_model = self.final_name, self.final_model
        worst = read.loc[families, final_name]
        val = self.setting.splits["val"]
        clean_val = self.setting.reference_measures([labels.CLEAN], val)[labels.CLEAN].accuracy(val)["overall"]
        return (
            f"The reader (kept at epoch {reader_run.best_epoch} of the {len(reader_run.history)} it trained, the "
            "KMNIST benchmark's epoch count) "
            f"recognises {clean_val:.1f}% of the clean validation images (held out from the official training "
            f"set) and {self.read_text(labels.CLEAN)} of the clean test images (the official test set)"
            + (
                ": the test set is harder for it, so a readability measured on validation images (the families' "
                "sections) lies above the same model's on test images. "
                if clean_val > self.headline_intervals[labels.CLEAN]["overall"][1]
                else ". "
            )
            + "It recognises "
            f"{self.read_text(labels.UNCORRECTED)} of the corrupted test images. After correction by model "
            f"{self.best_seed}, "
            f"the best of the seed's models, it reads {self.read_text(self.best_seed_name)}, "
            f"{self.against_uncorrected(self.best_seed)}; after the seed's final model {self.seed_final}, "
            f"{self.read_text(self.seed_final_name)}, {self.against_uncorrected(self.seed_final)}: "
            + (
                'the seed\'s claim that its final model "indeed managed to learn these more challenging aspects" '
                "does not hold for a reader. "
                if read.loc["overall", self.seed_final_name] <= read.loc["overall", labels.UNCORRECTED]
                else "the seed's final model does make its corrections more readable. "
            )
            + f"After correction by model {final_model} the reader reads **{self.read_text(final_name)}**, and at "
            f"least {worst.min():.1f}% on every family (worst: {labels.family_text(worst.idxmin())}). McNemar's test "
            f"compares two readings of the same {len(self.test):,} images. Test MSE "
            f"{self.headline.loc[(labels.MSE, 'overall'), final_name]:.4f} against "
            f"{self.headline.loc[(labels.MSE, 'overall'), self.best_seed_name]:.4f} for model {self.best_seed}; edge "
            f"contrast {self.headline.loc[(labels.EDGE_CONTRAST, 'overall'), final_name]:.0f}% of the clean images' "
            f"against {self.headline.loc[(labels.EDGE_CONTRAST, 'overall'), self.best_seed_name]:.0f}%."
        )

    @cached_property
    def targets(self):
        """The targets set for the final model on the full profile, each judged (``study.target``)."""
        read, final_name = self.read, self.final_name
        worst_family = read.loc[list(corruptions.FAMILIES), final_name].idxmin()
        final_mse, final_edges = (
            self.headline.loc[(measure, "overall"), final_name] for measure in (labels.MSE, labels.EDGE_CONTRAST)
        )
        return {
            "read correctly, overall (%)": study.target(
                ">=",
                93,
                "within about 2 points of what this reader's architecture reaches on clean images (95.1% in the "
                f"KMNIST benchmark; this build's reader: {read.loc['overall', labels.CLEAN]:.1f}%)",
                read.loc["overall", final_name],
                self.headline_intervals[final_name]["overall"],
            ),
            "read correctly, worst family (%)": study.target(
                ">=",
                90,
                "no family left behind: the hardest within about 5 points of clean",
                read.loc[worst_family, final_name],
                self.headline_intervals[final_name][worst_family],
            ),
            f"test MSE, as a fraction of model {self.seed_final}'s": study.target(
                "<=",
                0.2,
                "a fifth of the seed's final model's error: a gain far beyond any run-to-run or cross-CPU spread",
                final_mse / self.measures[self.seed_final].mse.mean(),
            ),
            "edge contrast (% of the clean images')": study.target(
                ">=",
                90,
                "the seed's complaint was blur, which removes edge contrast: keep nearly all of it",
                final_edges,
            ),
        }

    # Every model, read.

    @cached_property
    def readability(self):
        """Every model's corrections of the test images: quality, readability, worst family, verdict."""
        return study.readability_table(self.measures, self.test, self.setting.mean_image)

    @cached_property
    def most_readable_seed(self):
        return self.readability.loc[list(models.SEED_MODEL_IDS), labels.READ].idxmax()

    def seed_readability_text(self):
        """The seed's most readable model against the U-Nets, and how many of the seed's models help a reader."""
        seed_readability = self.readability.loc[list(models.SEED_MODEL_IDS), labels.READ]
        new_readability = self.readability.loc[study.family_ids("u-net"), labels.READ]
        most_readable = self.most_readable_seed
        beating = [
            model_id
            for model_id, value in new_readability.items()
            if value > seed_readability.max()
            and evaluation.mcnemar_p(self.right[model_id], self.right[most_readable]) < 0.05
        ]
        return (
            f"The most readable of the seed's models is model {most_readable} ({seed_readability.max():.1f}%, code "
            f"{self.comparison.loc[most_readable, 'code']}); {len(beating)} of the {len(new_readability)} U-Nets "
            f"read better than model {most_readable} beyond the test set's noise (McNemar's test, p < 0.05)"
            + (f" ({', '.join(f'model {m}: {new_readability[m]:.1f}%' for m in beating)})" if beating else "")
            + ". "
            + study.readable_text(
                self.readable_seed_models, self.readable_seed_models_beyond_noise, len(seed_readability)
            )
        )

    @property
    def readable_seed_models(self):
        """The seed's models whose corrections the reader reads better than the uncorrected input."""
        uncorrected = self.read.loc["overall", labels.UNCORRECTED]
        seed_readability = self.readability.loc[list(models.SEED_MODEL_IDS), labels.READ]
        return list(seed_readability.index[seed_readability > uncorrected])

    @property
    def readable_seed_models_beyond_noise(self):
        """Those of ``readable_seed_models`` ahead of the uncorrected input by more than their family's noise."""
        read = self.readability[labels.READ]
        uncorrected = self.read.loc["overall", labels.UNCORRECTED]
        return study.more_readable_beyond_noise(read, uncorrected, self.noise, self.readable_seed_models)

    # The controls.

    @cached_property
    def undoing(self):
        return self.setting.undoing_readings(self.test)

    @cached_property
    def answers(self):
        """Every answer to corruption, name -> which test images the reader (or its control) reads right."""
        answers = {
            **{f"corrected by {name}": self.right[model_id] for model_id, name in self.names.items()},
            f"corrected by the {labels.MEDIAN_FILTER}": self.reference_right(labels.MEDIAN_FILTER),
        }
        if self.second:
            return answers
        control = self.setting.reference_measures([labels.UNCORRECTED], self.test, self.control_reader_run)
        return {
            **answers,
            labels.CORRUPTED_TRAINED_READER: control[labels.UNCORRECTED].right(self.test),
            labels.UNDOING_READER: self.undoing["right"],
            labels.UNDOING_BOUND: self.undoing["any_right"],
        }

    @cached_property
    def controls(self):
        """The reader's accuracy (%) on every answer, beside clean and uncorrected, overall and per family."""
        return pd.DataFrame(
            {
                labels.CLEAN: self.read[labels.CLEAN],
                labels.UNCORRECTED: self.read[labels.UNCORRECTED],
                **{
                    name: evaluation.by_family(100.0 * hits, self.test.family_ids)
                    for name, hits in self.answers.items()
                },
            }
        ).T

    def controls_shown(self, table, intervals, digits=1):
        """``controls`` (or ``recovered``) for display, each figure with its 95% interval (``intervals``): the
        final model's corrections beside every other answer (the headline shows the other models'); the search
        over flips and turns and its bound only on the families they search."""
        others = [f"corrected by {name}" for model_id, name in self.names.items() if model_id != self.final_model]
        shown = evaluation.with_intervals(table.drop(index=others, errors="ignore"), intervals, digits)
        searched_only = [group for group in shown.columns if group not in GEOMETRIC]
        searches = [name for name in (labels.UNDOING_READER, labels.UNDOING_BOUND) if name in shown.index]
        shown.loc[searches, searched_only] = evaluation.NO_FIGURE  # the search reads the other families as they are
        return shown

    @cached_property
    def read_intervals(self):
        """The 95% intervals of the headline's and the controls' accuracies."""
        return {**self.headline_intervals, **evaluation.read_intervals(self.answers, self.test.family_ids)}

    @cached_property
    def recovered(self):
        """Per answer and family, the share of the lost readability recovered."""
        controls = self.controls
        return pd.DataFrame(
            {
                name: evaluation.recovered_share(
                    controls.loc[name], controls.loc[labels.UNCORRECTED], controls.loc[labels.CLEAN]
                )
                for name in self.answers
            }
        ).T

    @cached_property
    def recovered_intervals(self):
        """The recovered share's 95% bootstrap intervals (seeded by the run's seed)."""
        return evaluation.recovered_share_intervals(
            self.answers,
            self.reference_right(labels.UNCORRECTED),
            self.reference_right(labels.CLEAN),
            self.test.family_ids,
            np.random.default_rng(self.setting.seed),
        )

    def controls_text(self):
        """The controls in prose: the reader trained on corrupted images, the search, the share recovered."""
        controls, recovered, final_model = self.controls, self.recovered, self.final_model
        control_p = evaluation.mcnemar_p(self.right[final_model], self.answers[labels.CORRUPTED_TRAINED_READER])
        final_answer = f"corrected by {self.final_name}"
        median = f"corrected by the {labels.MEDIAN_FILTER}"
        median_p = evaluation.mcnemar_p(self.answers[median], self.reference_right(labels.UNCORRECTED))
        median_read, uncorrected_read = (controls.loc[name, "overall"] for name in (median, labels.UNCORRECTED))
        return (
            f"The {labels.MEDIAN_FILTER}, with nothing learned, reads {median_read:.1f}% of the corrupted test "
            f"images against {uncorrected_read:.1f}% uncorrected (p = {median_p:.2g}): "
            + (
                "no different within the test set's noise. "
                if median_p >= 0.05
                else "it helps the reader. "
                if median_read > uncorrected_read
                else "it **harms** the reader. "
            )
            + f"The reader trained on corrupted images (kept at epoch {self.control_reader_run.best_epoch} of the "
            f"{len(self.control_reader_run.history)} it trained, of at most {classifier.CONTROL_MAX_EPOCHS} with the "
            "autoencoders' early stopping) reads "
            f"{controls.loc[labels.CORRUPTED_TRAINED_READER, 'overall']:.1f}% of the corrupted test images; "
            f"the reader trained on clean images reads {controls.loc[final_answer, 'overall']:.1f}% "
            f"of model {final_model}'s corrections (McNemar's test over the same images: p = {control_p:.2g}), so "
            + (
                "the two are within the test set's noise."
                if control_p >= 0.05
                else "correcting first reads better."
                if controls.loc[final_answer, "overall"] > controls.loc[labels.CORRUPTED_TRAINED_READER, "overall"]
                else "**training the reader on corrupted images reads better** than correcting."
            )
            + " On the geometric families, trying flips and turns reads "
            + " and ".join(
                f"{controls.loc[labels.UNDOING_READER, family]:.1f}% of the {family} images" for family in GEOMETRIC
            )
            + " (any flip or turn reads "
            + " and ".join(f"{controls.loc[labels.UNDOING_BOUND, family]:.1f}%" for family in GEOMETRIC)
            + " right: the bound of that search), against "
            + " and ".join(f"{controls.loc[final_answer, family]:.1f}%" for family in GEOMETRIC)
            + f" after correction by model {final_model}. Model {final_model} wins back "
            + ", ".join(
                f"{recovered.loc[final_answer, family]:.0%} ({self.recovered_intervals[final_answer][family][0]:.0%} "
                f"to {self.recovered_intervals[final_answer][family][1]:.0%}) on {labels.family_text(family)}"
                for family in corruptions.FAMILIES
            )
            + " of what corruption cost the reader. "
            + self.small_gaps_text()
        )

    def small_gaps_text(self):
        """The families where corruption costs the reader little, so that the share recovered divides by a small
        gap and its interval is wide."""
        # From the accuracies as the tables print them, so that the gap is their printed difference.
        printed = self.controls.map(lambda value: round(value, 1))  # Python's round: as the format prints it
        gaps = printed.loc[labels.CLEAN] - printed.loc[labels.UNCORRECTED]
        small = [family for family in corruptions.FAMILIES if gaps[family] < SMALL_GAP]
        if not small:
            return f"Corruption costs the reader at least {SMALL_GAP} points on every family."
        return (
            "Where corruption costs the reader only a few points ("
            + ", ".join(f"{labels.family_text(family)} {gaps[family]:.1f}" for family in small)
            + "), the share divides by that small gap, so its interval is wide; on "
            + ", ".join(labels.family_text(f) for f in corruptions.FAMILIES if f not in small)
            + f" the gap is {min(gaps[f] for f in corruptions.FAMILIES if f not in small):.1f} points or more."
            if len(small) < len(corruptions.FAMILIES)
            else f"Corruption costs the reader less than {SMALL_GAP} points on every family, so every share divides by "
            "a small gap and its interval is wide."
        )

    # Image quality.

    @cached_property
    def methods(self):
        """The three models and the baselines, name -> ``Measures`` on the test images."""
        return {
            **{name: self.measures[model_id] for model_id, name in self.names.items()},
            **{name: self.references[name] for name in evaluation.BASELINES},
        }

    @cached_property
    def quality(self):
        return evaluation.quality_table(self.methods, self.test)

    @cached_property
    def final_verdict(self):
        return evaluation.collapse_verdict(self.measures[self.final_model], self.test, self.setting.mean_image)

    def quality_text(self):
        """The final model's image quality against the baselines, in prose, with its collapse verdict."""
        quality, final_model = self.quality, self.final_model
        ours, identity, median = (
            quality.loc[name] for name in (self.final_name, labels.UNCORRECTED, labels.MEDIAN_FILTER)
        )
        helped = [
            labels.family_text(family)
            for family in corruptions.FAMILIES
            if ours[labels.MSE, family] < identity[labels.MSE, family]
        ]
        return (
            f"On {len(self.test):,} test images model {final_model} scores an MSE of "
            f"**{ours[labels.MSE, 'overall']:.4f}**, against {identity[labels.MSE, 'overall']:.4f} for the uncorrected "
            f"input, {median[labels.MSE, 'overall']:.4f} for the median filter and "
            f"{quality.loc[labels.ALL_BLACK, (labels.MSE, 'overall')]:.4f} for an all-black image; in PSNR "
            f"{ours[labels.PSNR, 'overall']:.1f} dB against {identity[labels.PSNR, 'overall']:.1f} dB, in SSIM "
            f"{ours[labels.SSIM, 'overall']:.3f} against {identity[labels.SSIM, 'overall']:.3f}. It improves the MSE "
            f"of the corrupted input for {', '.join(helped) if helped else 'no corruption family'} ({len(helped)} of "
            f"{len(corruptions.FAMILIES)} families). Verdict: {self.final_verdict.reason}."
        )

    # Images for the figures: the few shown are corrected here, the rest is read from the evaluations.

    def corrections_of(self, index, model_ids):
        """Test images ``index`` corrupted and as each of ``model_ids`` corrects them, label -> images."""
        corrupted = self.test.corrupted[index]
        return {
            "corrupted": corrupted,
            **{
                label: evaluation.reconstruct(self.results[model_id].model, corrupted)
                for model_id, label in model_ids.items()
            },
        }

    def glance(self, rng, per_family=3):
        """``per_family`` test images of each family drawn by ``rng``: (clean, label -> corrupted and each glance
        model's corrections, family of each), as ``plots.corrections_by_family`` draws them."""
        test = self.test
        chosen = np.concatenate(
            [
                rng.choice(np.flatnonzero(test.family_ids == family_id), size=per_family, replace=False)
                for family_id in range(len(corruptions.FAMILIES))
            ]
        )
        labelled = {model_id: f"model {model_id}\n({role})" for model_id, role in self.roles.items()}
        families = [corruptions.FAMILIES[family_id] for family_id in test.family_ids[chosen]]
        return test.clean[chosen], self.corrections_of(chosen, labelled), families

    def family_sample(self, family_id, rng, size=8):
        """``size`` test images of one family drawn by ``rng``: (clean, label -> corrupted, the three models'
        corrections and the median filter's), as ``plots.family_grid`` draws them."""
        chosen = rng.choice(np.flatnonzero(self.test.family_ids == family_id), size=size, replace=False)
        outputs = self.corrections_of(chosen, {model_id: f"model {model_id}" for model_id in self.names})
        return self.test.clean[chosen], {**outputs, "median filter": evaluation.median_filter(outputs["corrupted"])}

    def examples(self, rng):
        """The final model's best, median and worst test image (among those the corruption changed) and a random
        validation image drawn by ``rng``: title -> (clean, corrupted, corrected), for
        ``plots.clean_corrupted_reconstructed``."""
        test, val, model = self.test, self.setting.splits["val"], self.results[self.final_model].model
        errors = self.measures[self.final_model].mse
        picked = evaluation.ranked_examples(errors, self.references[labels.UNCORRECTED].mse >= evaluation.CHANGED_MSE)
        corrected = evaluation.reconstruct(model, test.corrupted[list(picked.values())])
        examples = {}
        for (rank, index), reconstructed in zip(picked.items(), corrected):
            family = labels.family_text(corruptions.FAMILIES[test.family_ids[index]])
            examples[f"{rank} test\n#{index}, {family}\nMSE {errors[index]:.4f}"] = (
                test.clean[index],
                test.corrupted[index],
                reconstructed,
            )
        index = int(rng.integers(len(val)))
        reconstructed = evaluation.reconstruct(model, val.corrupted[index : index + 1])
        family = labels.family_text(corruptions.FAMILIES[val.family_ids[index]])
        error = evaluation.per_sample_mse(reconstructed, val.clean[index : index + 1])[0]
        examples[f"random validation\n#{index}, {family}\nMSE {error:.4f}"] = (
            val.clean[index],
            val.corrupted[index],
            reconstructed[0],
        )
        return examples

    # Robustness.

    def robustness_measures(self, split):
        """The uncorrected input and the corrections of each model of ``roles`` (the final model's only, where the
        second reader reads), measured on ``split``."""
        model_ids = [self.final_model] if self.second else self.roles
        return {
            **self.setting.reference_measures([labels.UNCORRECTED], split, second=self.second),
            **{
                f"model {model_id}": self.setting.measures(self.results[model_id], split, second=self.second)
                for model_id in model_ids
            },
        }

    @cached_property
    def severity_splits(self):
        return {severity: self.setting.test_split(severity) for severity in corruptions.SEVERITIES}

    @cached_property
    def severity_measures(self):
        """Severity -> ``robustness_measures`` of the test images corrupted at it."""
        return {level: self.robustness_measures(split) for level, split in self.severity_splits.items()}

    @cached_property
    def severity(self):
        """MSE and readability at every severity of the corruptions, for the ``roles`` models."""
        return evaluation.severity_table(self.severity_measures, self.severity_splits)

    @cached_property
    def severity_intervals(self):
        """The 95% intervals of ``severity``'s accuracies: name -> severity -> (low, high)."""
        return {
            name: {
                level: evaluation.wilson_interval(measures[name].right(self.severity_splits[level]))
                for level, measures in self.severity_measures.items()
            }
            for name in self.severity_measures[corruptions.SEVERITIES[0]]
        }

    def severity_shown(self):
        """``severity`` for display: a row per measure and answer, the accuracies with their 95% intervals."""
        table = self.severity.T
        read = evaluation.with_intervals(table.loc[labels.READ], self.severity_intervals)
        mse = table.loc[labels.MSE].map(lambda value: f"{value:.4f}")
        return pd.concat({labels.READ: read, labels.MSE: mse})

    @cached_property
    def pairs_split(self):
        return self.setting.pairs_test_split()

    @cached_property
    def pairs_measures(self):
        return self.robustness_measures(self.pairs_split)

    @cached_property
    def pairs(self):
        """MSE and readability per pair of corruption families on one image, for the ``roles`` models."""
        return evaluation.pairs_table(self.pairs_measures, self.pairs_split)

    def pairs_shown(self, metric):
        """One measure of ``pairs`` for display (a row per pair), the accuracies with their 95% intervals."""
        table = self.pairs[metric]
        if metric == labels.MSE:
            return table.map(lambda value: f"{value:.4f}")
        right = {name: measures.right(self.pairs_split) for name, measures in self.pairs_measures.items()}
        intervals = evaluation.read_intervals(right, self.pairs_split.family_ids, evaluation.PAIR_NAMES)
        return evaluation.with_intervals(table.T, intervals).T

    def robustness_text(self):
        """The best U-Net on two corruptions at once and at the harshest severity, in prose."""
        best_new_name, pairs, severity = f"model {self.best_new}", self.pairs, self.severity
        pair_read = pairs[labels.READ].drop("overall")
        return (
            "On images with two corruptions the reader recognises "
            f"{pairs.loc['overall', (labels.READ, labels.UNCORRECTED)]:.1f}% "
            f"uncorrected and {pairs.loc['overall', (labels.READ, best_new_name)]:.1f}% after correction by "
            f"{best_new_name}, the best U-Net; its hardest pair is "
            f"{labels.family_text(pair_read[best_new_name].idxmin())} ({pair_read[best_new_name].min():.1f}%). At "
            f"severity 5 it reads {severity.loc[5, (labels.READ, best_new_name)]:.1f}%, "
            f"against {severity.loc[5, (labels.READ, labels.UNCORRECTED)]:.1f}% uncorrected. " + self.pairs_mse_text()
        )

    def pairs_mse_text(self):
        """How the models rank on pairs of corruptions by MSE against by readability, in a sentence."""
        overall = self.pairs.loc["overall"]
        names = [name for name in overall[labels.MSE].index if name != labels.UNCORRECTED]
        by_mse = sorted(names, key=lambda name: overall[(labels.MSE, name)])
        by_read = sorted(names, key=lambda name: -overall[(labels.READ, name)])
        return (
            "On pairs, from the lowest MSE to the highest: "
            + ", ".join(f"{name} ({overall[(labels.MSE, name)]:.4f})" for name in by_mse)
            + "; "
            + (
                "readability ranks them the same way."
                if by_mse == by_read
                else "by readability: "
                + ", ".join(f"{name} ({overall[(labels.READ, name)]:.1f}%)" for name in by_read)
                + ". A lower MSE on damage never seen in training does not mean a more readable character."
            )
        )

    # Noise.

    @cached_property
    def spread(self):
        """The best U-Net's runs on the test images, with their mean and standard deviation."""
        runs = self.spread_runs
        return study.spread_table(
            runs, [self.setting.measures(run, self.test, second=self.second) for run in runs], self.test
        )

    @cached_property
    def family_spread(self):
        """Each run of each seed family's representative: validation MSE and readability."""
        measures = {
            key: self.setting.measures(run, self.test, second=self.second) for key, run in self.family_runs.items()
        }
        return study.family_runs_table(self.family_runs, measures, self.test)

    @cached_property
    def noise(self):
        return study.noise_levels(self.family_spread, self.spread)

    @cached_property
    def comparisons(self):
        """The discussion's paired comparisons: what differs, the readability difference, McNemar's p."""
        compared = {
            "Skip connections": ("20", "21"),
            "A U-Net instead of the seed's most readable model": ("20", self.most_readable_seed),
            "Edge-aware loss": ("22", "20"),
            "Twice the width": ("23", "20"),
            "The best model overall against the best of the seed's models": (self.final_model, self.best_seed),
        }
        read = self.readability[labels.READ]
        return {
            name: {
                "changed": changed,
                "baseline": baseline,
                "what differs": study.what_differs(changed, baseline),
                "read difference": float(read.loc[changed] - read.loc[baseline]),
                "McNemar p": evaluation.mcnemar_p(self.right[changed], self.right[baseline]),
            }
            for name, (changed, baseline) in compared.items()
            if changed != baseline
        }

    def summary(self, second):
        """The numbers the discussion reads: final_evaluation.json (``results_files.FINAL_SCHEMA``), the second
        reader's (``second``, this evaluation with ``second=True``) among them."""
        return {
            "profile": self.setting.profile.name,
            "final model": self.final_model,
            "final name": self.final_name,
            "best seed model": self.best_seed,
            "best seed name": self.best_seed_name,
            "seed final name": self.seed_final_name,
            "best new model": self.best_new,
            "collapsed": self.final_verdict.collapsed,
            "verdict": self.final_verdict.reason,
            "sharpness ratio": float(self.headline.loc[(labels.EDGE_CONTRAST, "overall"), self.final_name]) / 100,
            "test images": len(self.test),
            "classifier epochs": len(self.setting.reader_run.history),
            "quality": evaluation.quality_by_method(self.quality),
            "headline": evaluation.as_tree(self.headline),
            "targets": self.targets,
            "readability": evaluation.as_tree(self.readability.select_dtypes("number")),
            "test verdicts": self.readability[["worst family", "verdict"]].to_dict(orient="index"),
            "severity": evaluation.as_tree(self.severity),
            "pairs": evaluation.as_tree(self.pairs),
            "spread": evaluation.as_tree(self.spread),
            "family runs": self.family_spread.to_dict(orient="index"),
            "controls": evaluation.as_tree(self.controls.T),
            "read intervals": self.read_intervals,
            "recovered share": evaluation.as_tree(self.recovered.T),
            "recovered intervals": self.recovered_intervals,
            "validation baselines": self.setting.val_baselines.to_dict(),
            "comparisons": self.comparisons,
            "second reader": {
                "epochs": len(self.setting.second_reader_run.history),
                "headline": evaluation.as_tree(second.headline.loc[[labels.READ]]),
                "controls": evaluation.as_tree(second.controls.T),
                "read intervals": second.read_intervals,
                "recovered share": evaluation.as_tree(second.recovered.T),
                "severity": evaluation.as_tree(second.severity),
                "pairs": evaluation.as_tree(second.pairs),
                "disagreements": {
                    name: list(verdicts) for name, verdicts in reader_disagreements(self, second).items()
                },
            },
        }
