"""The discussion: what this build's numbers say about the seed's questions and the report's own, in sentences.

``Discussion`` reads the results files of a build (notebook 10's results table, notebook 11's summary) and the
baselines' validation MSE; each of its sentences is computed from them, so that notebook 12 only displays.
"""

from functools import cached_property

import pandas as pd

from . import corruptions, evaluation, labels, models, notebook, study

HE_UNIFORM = "light"  # the one family the seed initialised He-uniform; the others keep Keras' Glorot-uniform
READ_NOISE = "read correctly (points)"
BLURRED_BELOW = 90  # % of the clean images' edge contrast under which an answer is said to blur


class Discussion:
    """The discussion of a build: ``table`` (``results_files.read_table``), ``final`` (``results_files.read_final``),
    ``val_baselines`` (``Setting.val_baselines``) and the ``profile`` it ran."""

    def __init__(self, table, final, val_baselines, profile):
        self.table, self.final, self.profile = table, final, profile
        self.seed_table = table.loc[list(models.SEED_MODEL_IDS)]
        self.black, self.identity = val_baselines[labels.ALL_BLACK], val_baselines[labels.UNCORRECTED]
        self.headline = {name: pd.DataFrame(metrics) for name, metrics in final["headline"].items()}

    def profile_text(self):
        """Which profile the numbers come from, and what that makes of the verdicts."""
        return f"Every number below comes from this build, on the **{self.profile} profile**. " + (
            "That is the seed's protocol: every model trained on all 54,000 training images until early stopping."
            if self.profile == "full"
            else "That profile trains on a fraction of the data for a few epochs, so every verdict here is "
            "**provisional**: it shows what this build concludes, not what the seed's protocol would find "
            "(the full profile's report does)."
        )

    # How large a difference must be.

    @cached_property
    def noise(self):
        """``study.noise_levels`` of the build's repeated runs."""
        return study.summary_noise(self.final)

    @cached_property
    def noise_table(self):
        return pd.DataFrame(self.noise).rename(columns={"read": READ_NOISE}).rename_axis("family")

    def noise_text(self):
        """The noise per family in prose, and the seed's initialiser remark answered from it."""
        noise_table = self.noise_table
        representatives = {family: runs[0][0] for family, runs in study.FAMILY_RUNS.items()}
        glorot = noise_table.drop(index=[HE_UNIFORM, "u-net"])
        return (
            "Noise per family, the range over the runs of "
            + ", ".join(f"model {model_id} ({family})" for family, model_id in representatives.items())
            + f" and of model {self.final['best new model']} (u-net). Between families it spans "
            f"{noise_table[labels.VAL_MSE].min():.4f} to {noise_table[labels.VAL_MSE].max():.4f} of validation MSE "
            f"and {noise_table[READ_NOISE].min():.2f} to {noise_table[READ_NOISE].max():.2f} "
            "points of readability: judging every model against one pair of runs, as a single number, would call "
            "some differences real that another family's runs show to be noise, and the reverse.\n\n"
            "**The initialiser.** The seed moved its light models to He-uniform initialisation because Keras' "
            'default, Glorot-uniform, left "slight variations" between runs, and expected He-uniform to reduce "the '
            f'randomness of training runs". Its light family (model {representatives[HE_UNIFORM]}) moves '
            f"{noise_table.loc[HE_UNIFORM, labels.VAL_MSE]:.4f} of validation MSE between runs, its other families "
            f"(Glorot-uniform) {glorot[labels.VAL_MSE].min():.4f} to {glorot[labels.VAL_MSE].max():.4f}: "
            + (
                "the least of the seed's families, as the seed expected"
                if noise_table.loc[HE_UNIFORM, labels.VAL_MSE] < glorot[labels.VAL_MSE].min()
                else "not the least of the seed's families, so this build does not confirm that He-uniform steadies "
                "training"
            )
            + " (three runs per family, and the families differ in far more than their initialiser, so this is a "
            "hint, not a test; the U-Nets, beyond the seed and Glorot-uniform too, move "
            f"{noise_table.loc['u-net', labels.VAL_MSE]:.4f})."
        )

    # Depth, bottleneck and regularisation.

    @cached_property
    def families(self):
        """Per family: its models, the best of them, its best validation MSE beside the seed's, the collapsed
        ones and those that beat the uncorrected input."""
        identity = self.identity
        families = self.table.groupby("family", sort=False).agg(
            models=(labels.VAL_MSE, "size"),
            best_model=(labels.VAL_MSE, "idxmin"),
            best_val_MSE=(labels.VAL_MSE, "min"),
            seed_best_val_loss=(labels.SEED_VAL_LOSS, "min"),
            collapsed=("collapsed", "sum"),
            beat_identity=(labels.VAL_MSE, lambda values: int((values < identity).sum())),
        )
        families.columns = [column.replace("_", " ") for column in families.columns]
        return families

    def against_noise(self, first, second):
        """Model ``first`` against ``second`` on validation MSE, judged against the noise."""
        difference = self.table.loc[first, labels.VAL_MSE] - self.table.loc[second, labels.VAL_MSE]
        judged = study.judged_difference(difference, study.mse_noise(self.noise, first, second))
        return f"model {first} against model {second}: {difference:+.4f}, " + (
            "within noise"
            if judged == "within noise"
            else f"{'worse' if judged == 'higher' else 'better'} beyond noise"
        )

    def design_text(self):
        """Depth, bottleneck and regularisation, each against the noise and the seed's findings."""
        table, families, against_noise = self.table, self.families, self.against_noise
        seed_families = families.loc[list(models.SEED_FAMILIES)].sort_values("best val MSE")
        best_family, runner_up = seed_families.index[:2]
        widths = {model_id: models.code_size(models.build(model_id)) for model_id in study.family_ids("sweep")}
        sweep = table.loc[list(widths), labels.VAL_MSE]
        seed_best_family = families["seed best val loss"].idxmin()
        seed_best_model = self.seed_table[labels.SEED_VAL_LOSS].idxmin()
        seed_best_width = widths[table.loc[list(widths), labels.SEED_VAL_LOSS].idxmin()]
        best, second = families.loc[best_family, "best model"], families.loc[runner_up, "best model"]
        return (
            f"**Depth.** Of the seed's families, the best here is *{best_family}* (model {best}, validation MSE "
            f"{families.loc[best_family, 'best val MSE']:.4f}), then *{runner_up}* ({against_noise(second, best)}); "
            f"the seed's best was *{seed_best_family}* (model {seed_best_model}, validation loss "
            f"{table.loc[seed_best_model, labels.SEED_VAL_LOSS]:.4f}). "
            + (
                'This agrees with the seed\'s "deeper is better". '
                if best_family in ("deep", "regularised")
                else "This does not confirm the seed's \"deeper is better\" under this build's protocol. "
            )
            + "The families differ in more than depth: "
            + "; ".join(study.what_differs(best, second))
            + ".\n\n**Bottleneck.** In the sweep (models 5-8.1, one structure with 3 to 7 bottleneck units) the lowest "
            f"validation MSE is at {widths[sweep.idxmin()]} units (model {sweep.idxmin()}, {sweep.min():.4f}) and "
            f"the highest at {widths[sweep.idxmax()]} units ({against_noise(sweep.idxmax(), sweep.idxmin())}). "
            + self.widths_within_noise(widths, sweep)
            + f" The seed found {seed_best_width} units best."
            + f"\n\n**Regularisation.** Model 12 reaches a validation MSE of {table.loc['12', labels.VAL_MSE]:.4f}; "
            f"with L2 on its outer convolutions, {against_noise('13', '12')}; with dropout, "
            f"{against_noise('14', '12')}. The seed measured "
            + ", ".join(f"{table.loc[model_id, labels.SEED_VAL_LOSS]:.4f}" for model_id in ("12", "13", "14"))
            + " (losses, its penalties included). In the light family, model 19 replaces model 18's activity "
            f"regularisation and stochastic dropout with batch normalisation: {against_noise('19', '18')}. The seed "
            'found activity regularisation "combined with batch normalization" too strong; none of its listed '
            "models combines the two, so this build cannot test that remark."
        )

    def widths_within_noise(self, widths, sweep):
        """Which other bottleneck widths of the sweep (model id -> units; ``sweep``: their validation MSE) lie within
        the sweep's noise of the best, in words."""
        best = sweep.idxmin()
        close = [
            model_id
            for model_id in sweep.index
            if model_id != best
            and study.judged_difference(sweep[model_id] - sweep[best], self.noise[labels.VAL_MSE]["sweep"])
            == "within noise"
        ]
        if not close:
            return f"Every other width is worse beyond the sweep's noise ({self.noise[labels.VAL_MSE]['sweep']:.4f})."
        units = sorted(widths[model_id] for model_id in close)
        return (
            f"Within the sweep's noise ({self.noise[labels.VAL_MSE]['sweep']:.4f}) of it: "
            + ", ".join(f"{unit}" for unit in units)
            + f" units, so this sweep does not rank {'that width' if len(units) == 1 else 'those widths'} against "
            f"{widths[best]}."
        )

    def spatial_code_text(self):
        """How the seed's models with a spatial code rank, by validation MSE and by test readability, and whether
        their lead in readability stands above the noise."""
        readable = pd.DataFrame(self.final["readability"])
        seed_table = self.seed_table
        seed_ranked = seed_table.assign(read=readable.loc[list(seed_table.index), labels.READ])
        by_mse = list(seed_ranked.sort_values(labels.VAL_MSE).index)
        by_read = list(seed_ranked.sort_values("read", ascending=False).index)
        codes = {model_id: models.code(models.build(model_id))[0] for model_id in seed_table.index}
        spatial = [model_id for model_id, shape in codes.items() if len(shape) == 3 and shape[:2] != (1, 1)]
        leading = list(range(len(spatial)))
        lead_both = (
            sorted(by_mse.index(m) for m in spatial) == leading and sorted(by_read.index(m) for m in spatial) == leading
        )
        text = (
            f"The seed's models with a spatial code are models {', '.join(spatial)}. By validation MSE they rank "
            + ", ".join(f"{by_mse.index(model_id) + 1}" for model_id in spatial)
            + f" of {len(by_mse)}, by readability on the test images "
            + ", ".join(f"{by_read.index(model_id) + 1}" for model_id in spatial)
            + ". "
        )
        if not lead_both:
            return text + "They do not lead the seed's models on both measures in this build."
        last, following = by_read[len(spatial) - 1], by_read[len(spatial)]
        lead = round(seed_ranked.loc[last, "read"], 1) - round(seed_ranked.loc[following, "read"], 1)  # as printed
        noise = study.read_noise(self.noise, last, following)
        return text + (
            f"They lead the seed's models on both. In readability the lead of the last of them (model {last}) over "
            f"the next (model {following}) is {lead:.1f} points, "
            + (
                f"beyond the noise of their families ({noise:.2f} points): the spatial code is the likely reason, "
                "since it is what sets them apart from the funnels of 1 to 32 values."
                if study.judged_difference(lead, noise) != "within noise"
                else f"within the noise of their families ({noise:.2f} points): that part of the lead could be "
                "another run's luck, though the spatial code is what sets them apart from the funnels of 1 to 32 "
                "values."
            )
        )

    def collapse_text(self):
        """The collapsed models here and, by its losses, in the seed."""
        table, black, identity = self.table, self.black, self.identity
        seed_collapsed = list(self.seed_table.index[self.seed_table[labels.SEED_VAL_LOSS] >= 0.95 * black])
        collapsed, beat, not_beating = study.collapse_summary(table, identity)
        ours_collapsed = [f"{model_id} ({table.loc[model_id, 'verdict']})" for model_id in collapsed]
        return (
            f"The all-black image scores {black:.4f} on this build's validation set. The seed's validation loss is "
            f"at least 95% of that for {study.models_text(seed_collapsed)}; here, judged on the validation images, "
            f"{len(collapsed)} of {len(table)} models collapsed "
            f"({', '.join(ours_collapsed) if ours_collapsed else 'none'}), and {len(beat)} of the other "
            f"{len(beat) + len(not_beating)} beat the uncorrected input's validation MSE ({identity:.4f}), by the "
            "collapse rules of the comparison of all models."
        )

    # Blur and readability.

    def ssim_better_families(self, outputs):
        """The families whose corrected images have a higher SSIM than the uncorrected input's, in words."""
        given = self.headline[labels.UNCORRECTED]
        better = [
            labels.family_text(f)
            for f in corruptions.FAMILIES
            if outputs.loc[f, labels.SSIM] > given.loc[f, labels.SSIM]
        ]
        return ", ".join(better) or "no family"

    def blur_text(self):
        """The edge contrast and SSIM of the best of the seed's models and of the best model, in prose."""
        final = self.final
        seed_best, best = self.headline[final["best seed name"]], self.headline[final["final name"]]
        given = self.headline[labels.UNCORRECTED]
        return (
            f"The best of the seed's models (model {final['best seed model']}) keeps "
            f"{seed_best.loc['overall', labels.EDGE_CONTRAST]:.0f}% of the clean images' edge contrast and reaches "
            f"an SSIM of {seed_best.loc['overall', labels.SSIM]:.3f}; "
            f"the best model (model {final['final model']}) keeps {best.loc['overall', labels.EDGE_CONTRAST]:.0f}% "
            f"at an SSIM of {best.loc['overall', labels.SSIM]:.3f}; the uncorrected input has "
            f"{given.loc['overall', labels.SSIM]:.3f}. "
            + (
                f"Model {final['best seed model']} blurs: it keeps less than {BLURRED_BELOW}% of the edge contrast. "
                if seed_best.loc["overall", labels.EDGE_CONTRAST] < BLURRED_BELOW
                else f"Model {final['best seed model']} is about as sharp as the originals (at least {BLURRED_BELOW}% "
                "of their edge contrast). "
            )
            + f"By SSIM, model {final['best seed model']} improves on the input for "
            f"{self.ssim_better_families(seed_best)}, the best model for {self.ssim_better_families(best)}."
        )

    def comparison_line(self, name, compared):
        """One comparison of the final evaluation in words: what differs, and the difference against the noise."""
        noise_here = study.read_noise(self.noise, compared["baseline"], compared["changed"])
        verdict = study.judged_difference(compared["read difference"], noise_here, compared["McNemar p"])
        verdict = (
            "within noise"
            if verdict == "within noise"
            else "more readable beyond noise"
            if verdict == "higher"
            else "less readable beyond noise"
        )
        return (
            f"- **{name}** (model {compared['baseline']} -> {compared['changed']}): read correctly "
            f"{compared['read difference']:+.1f} points (McNemar p = {compared['McNemar p']:.2g}): {verdict}. "
            f"What differs: {'; '.join(compared['what differs'])}."
        )

    def readability_text(self):
        """What the reader reads of the clean, corrupted and corrected images, and each paired comparison."""
        final, headline = self.final, self.headline
        overall = {name: values.loc["overall", labels.READ] for name, values in headline.items()}
        return "\n".join(
            [
                f"The reader recognises {overall[labels.CLEAN]:.1f}% of the clean test images and "
                f"{overall[labels.UNCORRECTED]:.1f}% of the corrupted ones; after the best of the seed's models "
                f"(model {final['best seed model']}) {overall[final['best seed name']]:.1f}%, after the seed's final "
                f"model (model {models.SEED_FINAL_MODEL}) {overall[final['seed final name']]:.1f}%, after the best "
                f"model (model {final['final model']}) {overall[final['final name']]:.1f}%.",
                "",
                *[self.comparison_line(name, compared) for name, compared in final["comparisons"].items()],
            ]
        )

    # The controls and robustness.

    def controls_text(self):
        """The control reader against the best model's corrections, and the share each recovers, per family."""
        final = self.final
        controls, recovered = pd.DataFrame(final["controls"]), pd.DataFrame(final["recovered share"])
        final_answer = f"corrected by {final['final name']}"

        def share_text(answer, family):
            """A recovered share in prose, with its 95% bootstrap interval."""
            low, high = final["recovered intervals"][answer][family]
            return f"{recovered.loc[family, answer]:.0%} ({low:.0%} to {high:.0%})"

        return (
            "Overall, the reader trained on corrupted images reads "
            f"{controls.loc['overall', labels.CORRUPTED_TRAINED_READER]:.1f}% "
            f"of the corrupted images, the clean reader {controls.loc['overall', final_answer]:.1f}% of model "
            f"{final['final model']}'s corrections. Share of the lost readability recovered, per family: "
            + ", ".join(
                f"{labels.family_text(family)} {share_text(final_answer, family)} by model {final['final model']} "
                f"and {share_text(labels.CORRUPTED_TRAINED_READER, family)} by the control reader"
                for family in corruptions.FAMILIES
            )
            + "."
        )

    def robustness_text(self):
        """The best U-Net across the severities and on two corruptions at once (``notebook.robustness_text``)."""
        final = self.final
        severity = {metric: pd.DataFrame(values) for metric, values in final["severity"].items()}
        pairs = {metric: pd.DataFrame(values) for metric, values in final["pairs"].items()}
        reading, best_new = severity[labels.READ], f"model {final['best new model']}"
        return (
            f"From severity 1 to 5 the reader's accuracy after {best_new} (the best U-Net) goes from "
            f"{reading.loc['1', best_new]:.1f}% to "
            f"{reading.loc['5', best_new]:.1f}%, against {reading.loc['1', labels.UNCORRECTED]:.1f}% to "
            f"{reading.loc['5', labels.UNCORRECTED]:.1f}% uncorrected. On images with two corruption families at "
            f"once, never seen in training, it reads {pairs[labels.READ].loc['overall', best_new]:.1f}% against "
            f"{pairs[labels.READ].loc['overall', labels.UNCORRECTED]:.1f}% uncorrected. "
            + notebook.robustness_text(reading, severity[labels.MSE], pairs[labels.READ], best_new, self.noise)
        )

    # Against an earlier run.

    @cached_property
    def earlier(self):
        return study.against_earlier_run(self.table, self.final, self.noise)

    def earlier_table(self):
        """``earlier``'s numbers for display, each row written as the sentences write its measure (an MSE with four
        decimals, the correlation with two, an accuracy with one); a dash where no spread was measured."""
        numbers = self.earlier["numbers"]
        shown = numbers.astype(object)
        for name, row in numbers.iterrows():
            decimals = 4 if "MSE" in name else 2 if name.startswith("Spearman") else 1
            for column in ("earlier run", "this build", "noise", "difference"):
                value = row[column]
                shown.loc[name, column] = evaluation.NO_FIGURE if pd.isna(value) else f"{value:.{decimals}f}"
        return shown

    def earlier_text(self):
        """This build against the earlier run: the best seed model, the collapsed ones, what lies beyond noise."""
        earlier, table = self.earlier, self.table
        beyond, collapsed_here_only = earlier["beyond noise"], earlier["collapsed here only"]
        return (
            (
                ""
                if self.profile == "full"
                else f"The earlier run trained on the full profile and this build on the {self.profile} profile: the "
                "differences below measure the profile, not the code. "
            )
            + f"The best of the seed's models is model {earlier['best']} here"
            + (
                " as in the earlier run"
                if earlier["same best"]
                else f", model {study.EARLIER_RUN['best seed model']} there"
            )
            + "; collapsed here, on the validation images: "
            + study.models_text(earlier["collapsed"])
            + (
                ", as there."
                if earlier["same collapsed"]
                else f" (there: {study.models_text(study.EARLIER_RUN['collapsed'])})"
                + (
                    "; here only: " + ", ".join(f"model {m} ({table.loc[m, 'verdict']})" for m in collapsed_here_only)
                    if collapsed_here_only
                    else ""
                )
                + "."
            )
            + (
                " Beyond noise: "
                + "; ".join(
                    f"{name} ({row['difference']:+.2f} against a noise of {row['noise']:.2f})"
                    for name, row in beyond.iterrows()
                )
                + "."
                if len(beyond)
                else " Every difference with a measured spread is within noise."
            )
        )
