# %% [markdown]
# # Final evaluation
#
# Three models meet the official KMNIST test set, corrupted like the training data but with its own
# seed, for the first time: **the best of the seed's models**, the lowest validation MSE among the
# seed's 21 (what the seed's protocol would choose), **the seed's final model**, model 12, the one the
# seed itself chose and said "indeed managed to learn these more challenging aspects", and **the best
# model overall**, the lowest validation MSE of all, the U-Nets included. They are set side by side and
# beside four baselines scored the same way: the all-black image, the uncorrected input (identity), the
# mean training image, and a 3x3 median filter, the classical denoiser. The headline question is the one
# the seed could only answer by eye: can a reader recognise the corrected character? Every accuracy
# carries its 95% interval over the test images (Wilson's, in brackets).

# %% tags=["parameters"]
PROFILE = "full"
SEED = 0
DATA_DIR = None
OUTPUT_DIR = None

# %% tags=["nbval-ignore-output", "report-hide-output"]
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from lib import corruptions, evaluation, labels, models, notebook, plots, results_files, study

notebook.configure()
setting = study.Setting(PROFILE, SEED, DATA_DIR, OUTPUT_DIR)
results = setting.train(models.MODEL_IDS)
comparison = study.results_table(results, setting)
splits, test, val = setting.splits, setting.splits["test"], setting.splits["val"]
reader_run, reader, control_reader = setting.reader_run, setting.reader, setting.control_reader

# %% tags=["nbval-ignore-output"]
BEST_SEED = study.best_model(results, models.SEED_MODEL_IDS)
SEED_FINAL = models.SEED_FINAL_MODEL
FINAL_MODEL = study.best_model(results, models.MODEL_IDS)
BEST_NEW = study.best_new_model(results)
names = study.final_models(results)
best_seed_name, seed_final_name, final_name = (names[model_id] for model_id in (BEST_SEED, SEED_FINAL, FINAL_MODEL))
model, spec = results[FINAL_MODEL].model, models.spec(FINAL_MODEL)
final = comparison.loc[FINAL_MODEL]
display(
    Markdown(
        f"The best of the seed's models is **model {BEST_SEED}** ({comparison.loc[BEST_SEED, 'family']} family, "
        f"validation MSE {comparison.loc[BEST_SEED, labels.VAL_MSE]:.4f}, code {comparison.loc[BEST_SEED, 'code']}"
        f"); the seed's final model is model {SEED_FINAL} ({comparison.loc[SEED_FINAL, labels.VAL_MSE]:.4f}); the "
        f"best model overall is **model {FINAL_MODEL}** ({final['family']} family, {final[labels.VAL_MSE]:.4f}, code "
        f"{final['code']}, kept at epoch {final['best epoch']} of {final['epochs']}), "
        + (
            "the same model as the best of the seed's."
            if BEST_SEED == FINAL_MODEL
            else "the final model of this report."
        )
        + (f"\n\nModel {BEST_SEED}: {models.spec(BEST_SEED).note}" if BEST_SEED != FINAL_MODEL else "")
        + f"\n\nModel {FINAL_MODEL}: {spec.note}\n\nIt has {final['parameters']:,} parameters and was trained with "
        f"batch size {spec.batch_size} and Adam at learning rate {spec.learning_rate:g}. Its layers:"
    )
)

# %%
pd.DataFrame(models.layer_table(model), columns=["layer", "type", "output shape", "parameters"]).set_index("layer")

# %% [markdown]
# ## Readable again? The headline
#
# The three models side by side on every measure, overall and per corruption family, with the uncorrected
# input and the clean images as the two ends of the scale. MSE is the training loss; PSNR the same error
# in decibels (higher is better; a perfect copy is capped at 100 dB); SSIM compares local structure (1 is
# a perfect copy) and falls when strokes are blurred; edge contrast is the mean difference between
# neighbouring pixels as a percentage of the clean images' (under 100: blurred); and *read correctly* is
# the accuracy of a classifier trained once on clean training images (the KMNIST benchmark's simple CNN).
# The controls below set the same accuracies beside the other answers to corruption.

# %% tags=["nbval-ignore-output"]
corrected = study.test_corrections(results, test)
reconstructed = corrected[FINAL_MODEL]
headline_outputs = {
    **{name: corrected[model_id] for model_id, name in names.items()},
    labels.UNCORRECTED: test.corrupted,
    labels.CLEAN: test.clean,
}
headline = evaluation.headline_table(headline_outputs, test, reader)
right = study.read_right(corrected, test, reader)
uncorrected_right = evaluation.read_correctly(reader, test.corrupted, test)
clean_right = evaluation.read_correctly(reader, test.clean, test)
headline_right = {
    **{name: right[model_id] for model_id, name in names.items()},
    labels.UNCORRECTED: uncorrected_right,
    labels.CLEAN: clean_right,
}
read_intervals = evaluation.read_intervals(headline_right, test.family_ids)
notebook.worded(notebook.headline_with_intervals(headline, read_intervals))

# %% tags=["nbval-ignore-output"]
read = headline.loc[labels.READ]
families = list(corruptions.FAMILIES)


def read_text(name, group="overall"):
    """An accuracy of the headline in prose, with its 95% interval."""
    return evaluation.with_interval(read.loc[group, name], read_intervals[name][group], unit="%")


def against_uncorrected(model_id):
    """How model ``model_id``'s corrections read against the uncorrected input, by McNemar's test."""
    p_value = evaluation.mcnemar_p(right[model_id], uncorrected_right)
    if p_value >= 0.05:
        return f"no different, within the test set's noise, from the uncorrected input (p = {p_value:.2g})"
    better = read.loc["overall", names[model_id]] > read.loc["overall", labels.UNCORRECTED]
    return f"{'more' if better else '**less**'} than the uncorrected input (p = {p_value:.2g})"


display(
    Markdown(
        f"The reader (kept at epoch {reader_run.best_epoch} of the {len(reader_run.history)} it trained) recognises "
        f"{read_text(labels.CLEAN)} of the clean test images and "
        f"{read_text(labels.UNCORRECTED)} of the corrupted ones. After correction by model {BEST_SEED}, the best "
        f"of the seed's models, it reads {read_text(best_seed_name)}, {against_uncorrected(BEST_SEED)}; after the "
        f"seed's final model {SEED_FINAL}, {read_text(seed_final_name)}, {against_uncorrected(SEED_FINAL)}: "
        + (
            'the seed\'s claim that its final model "indeed managed to learn these more challenging aspects" '
            "does not hold for a reader. "
            if read.loc["overall", seed_final_name] <= read.loc["overall", labels.UNCORRECTED]
            else "the seed's final model does make its corrections more readable. "
        )
        + f"After correction by model {FINAL_MODEL} the reader reads **{read_text(final_name)}**, and at least "
        f"{read.loc[families, final_name].min():.1f}% on every family (worst: "
        f"{labels.family_text(read.loc[families, final_name].idxmin())}). McNemar's test compares two readings of "
        f"the same {len(test):,} images. Test MSE {headline.loc[(labels.MSE, 'overall'), final_name]:.4f} against "
        f"{headline.loc[(labels.MSE, 'overall'), best_seed_name]:.4f} for model {BEST_SEED}; edge contrast "
        f"{headline.loc[(labels.EDGE_CONTRAST, 'overall'), final_name]:.0f}% of the clean images' against "
        f"{headline.loc[(labels.EDGE_CONTRAST, 'overall'), best_seed_name]:.0f}%."
    )
)

# %% [markdown]
# The targets this project set itself for the full profile (the seed's protocol), why each is where it
# is, and what this build reached. The smoke and quick profiles train on less data for a few epochs, so
# only the full profile's numbers answer them.

# %% tags=["nbval-ignore-output"]
model_12_mse = evaluation.per_sample_mse(corrected[SEED_FINAL], test.clean).mean()
worst_family = read.loc[families, final_name].idxmin()
final_mse, final_edges = (
    headline.loc[(measure, "overall"), final_name] for measure in (labels.MSE, labels.EDGE_CONTRAST)
)
targets = {
    "read correctly, overall (%)": study.target(
        ">=",
        93,
        "within about 2 points of what this reader reaches on clean images (95.1% in the KMNIST benchmark)",
        read.loc["overall", final_name],
        read_intervals[final_name]["overall"],
    ),
    "read correctly, worst family (%)": study.target(
        ">=",
        90,
        "no family left behind: the hardest within about 5 points of clean",
        read.loc[worst_family, final_name],
        read_intervals[final_name][worst_family],
    ),
    f"test MSE, as a fraction of model {SEED_FINAL}'s": study.target(
        "<=",
        0.2,
        "a fifth of the seed's final model's error: a gain far beyond any run-to-run or cross-CPU spread",
        final_mse / model_12_mse,
    ),
    "edge contrast (% of the clean images')": study.target(
        ">=", 90, "the seed's complaint was blur, which removes edge contrast: keep nearly all of it", final_edges
    ),
}
display(
    notebook.target_table(targets).rename(columns={"reached": f"model {FINAL_MODEL} ({setting.profile.name} profile)"}),
    Markdown(
        "\n".join(f"- *{name}* {target['target']}: {target['why there']}." for name, target in targets.items())
        + "\n\nA target is *met* where the whole 95% interval of the value reached lies on its side of the bound, "
        "*missed* where the whole interval lies on the other side, and *within noise* where the interval holds the "
        "bound; a value without an interval (an MSE ratio, an edge contrast, each far from its bound) is met or "
        "missed as it stands."
    ),
)

# %% [markdown]
# ## Every model, read
#
# The reader's accuracy on every model's corrections of the test set, against its test MSE. A model
# can lower the error by blurring strokes into a safe average, which a reader cannot recognise.

# %% tags=["nbval-ignore-output"]
readability = study.readability_table(corrected, test, right, setting.mean_image)
identity_point = (headline.loc[(labels.MSE, "overall"), labels.UNCORRECTED], read.loc["overall", labels.UNCORRECTED])
plots.readability_against_mse(readability, read.loc["overall", labels.CLEAN], identity_point)
plt.show()
ranked = readability.sort_values(labels.READ, ascending=False)
shown = notebook.rounded(
    ranked, {labels.TEST_MSE: 4, labels.PSNR: 1, labels.SSIM: 3, labels.EDGE_CONTRAST: 1, labels.READ_ON_WORST: 1}
).assign(
    **{
        labels.READ: [
            evaluation.with_interval(ranked.loc[model_id, labels.READ], evaluation.wilson_interval(right[model_id]))
            for model_id in ranked.index
        ],
        "worst family": ranked["worst family"].map(labels.family_text),
        "verdict on validation": comparison.loc[ranked.index, "verdict"],
    }
)
display(
    shown.rename(columns={"verdict": "verdict on test"}),
    Markdown(
        f"Test images, {len(test):,}; the accuracy with its 95% interval. {evaluation.COLLAPSE_RULES} The verdict "
        "on validation is the report's verdict (the one the comparison of models gave, on the images where "
        "models are chosen); the verdict on test applies the same rules to the test images."
    ),
)

# %% tags=["nbval-ignore-output"]
seed_readability = readability.loc[list(models.SEED_MODEL_IDS), labels.READ]
new_readability = readability.loc[study.family_ids("u-net"), labels.READ]
most_readable_seed = seed_readability.idxmax()
beating = [
    model_id
    for model_id, value in new_readability.items()
    if value > seed_readability.max() and evaluation.mcnemar_p(right[model_id], right[most_readable_seed]) < 0.05
]
display(
    Markdown(
        f"The most readable of the seed's models is model {most_readable_seed} ({seed_readability.max():.1f}%, code "
        f"{comparison.loc[most_readable_seed, 'code']}); {len(beating)} of the {len(new_readability)} U-Nets "
        "read better beyond the test set's noise (McNemar's test, p < 0.05)"
        + (f" ({', '.join(f'model {m}: {new_readability[m]:.1f}%' for m in beating)})" if beating else "")
        + f". {int((seed_readability > read.loc['overall', labels.UNCORRECTED]).sum())} of the seed's "
        f"{len(seed_readability)} models output characters more readable than the uncorrected input."
    )
)

# %% [markdown]
# ## Controls: does correcting help a reader at all?
#
# Four questions come before any praise of a correction. **The median filter**: does the classical
# denoiser, with nothing learned, read as well? **A reader trained on corrupted images**: the
# same network and protocol as the reader, trained on the corrupted training images; if it reads the
# corrupted test images as well as the reader reads the corrected ones, correcting buys nothing that
# training the reader differently would not. **Undoing by search**, a classical answer to the geometric
# families with no correcting network: the reader (trained on clean images) reads each rotated or flipped
# image as it is, flipped left-right, flipped upside down and turned by every 5 degrees up to 60 either
# way, and keeps its most confident reading. It is an oracle: it is told which images a geometric family
# damaged, and reads the others as they are, so on the other families it is the uncorrected input.
# **The share recovered**: per family, how much of the readability that corruption cost each answer wins
# back, (answer - uncorrected) / (clean - uncorrected): 1 is all of it, negative where it does harm. Its
# denominator is a gap of a few points, so its 95% interval (a bootstrap over the test images) is wide.

# %% tags=["nbval-ignore-output"]
control_right = evaluation.read_correctly(control_reader, test.corrupted, test)
undone_right = evaluation.undoing_reader_right(reader, test)
median_right = evaluation.read_correctly(reader, evaluation.median_filter(test.corrupted), test)
answers = {
    **{f"corrected by {name}": right[model_id] for model_id, name in names.items()},
    f"corrected by the {labels.MEDIAN_FILTER}": median_right,
    labels.CORRUPTED_TRAINED_READER: control_right,
    labels.UNDOING_READER: undone_right,
}
controls = pd.DataFrame(
    {
        labels.CLEAN: read[labels.CLEAN],
        labels.UNCORRECTED: read[labels.UNCORRECTED],
        **{name: evaluation.by_family(100.0 * hits, test.family_ids) for name, hits in answers.items()},
    }
).T
read_intervals.update(evaluation.read_intervals(answers, test.family_ids))
recovered = pd.DataFrame(
    {
        name: evaluation.recovered_share(
            controls.loc[name], controls.loc[labels.UNCORRECTED], controls.loc[labels.CLEAN]
        )
        for name in answers
    }
).T
recovered_intervals = evaluation.recovered_share_intervals(
    answers, uncorrected_right, clean_right, test.family_ids, np.random.default_rng(SEED)
)
display(
    Markdown("**Read correctly (%)**, overall and per family, with 95% intervals"),
    notebook.worded(notebook.with_intervals(controls, read_intervals)),
    Markdown("**Share of the lost readability recovered** (1: all of it), with 95% bootstrap intervals"),
    notebook.worded(notebook.with_intervals(recovered, recovered_intervals, digits=2)),
)

# %% tags=["nbval-ignore-output"]
control_p = evaluation.mcnemar_p(right[FINAL_MODEL], control_right)
geometric = ["rotation", "flip"]
final_answer = f"corrected by {final_name}"
display(
    Markdown(
        "The reader trained on corrupted images reads "
        f"{controls.loc[labels.CORRUPTED_TRAINED_READER, 'overall']:.1f}% of the corrupted test images; "
        f"the reader trained on clean images reads {controls.loc[final_answer, 'overall']:.1f}% "
        f"of model {FINAL_MODEL}'s corrections (McNemar's test over the same images: p = {control_p:.2g}), so "
        + (
            "the two are within the test set's noise."
            if control_p >= 0.05
            else "correcting first reads better."
            if controls.loc[final_answer, "overall"] > controls.loc[labels.CORRUPTED_TRAINED_READER, "overall"]
            else "**training the reader on corrupted images reads better** than correcting."
        )
        + " On the geometric families, trying flips and turns reads "
        + " and ".join(
            f"{controls.loc[labels.UNDOING_READER, family]:.1f}% of the {family} images" for family in geometric
        )
        + ", against "
        + " and ".join(f"{controls.loc[final_answer, family]:.1f}%" for family in geometric)
        + f" after correction by model {FINAL_MODEL}. Model {FINAL_MODEL} wins back "
        + ", ".join(
            f"{recovered.loc[final_answer, family]:.0%} ({recovered_intervals[final_answer][family][0]:.0%} to "
            f"{recovered_intervals[final_answer][family][1]:.0%}) on {labels.family_text(family)}"
            for family in corruptions.FAMILIES
        )
        + " of what corruption cost the reader."
    )
)

# %% [markdown]
# ## Image quality beside the baselines
#
# Per metric, each method's mean over the test set, overall and per corruption family.

# %% tags=["nbval-ignore-output"]
predictions = {
    **{name: corrected[model_id] for model_id, name in names.items()},
    **evaluation.baseline_predictions(test, splits["train"].clean.mean(axis=0)),
}
quality = evaluation.quality_table(predictions, test)
for metric in evaluation.METRICS:
    display(Markdown(f"**{metric}** per method, overall and per corruption family"), notebook.worded(quality[metric]))

# %% tags=["nbval-ignore-output"]
ours, identity, median = (quality.loc[name] for name in (final_name, labels.UNCORRECTED, labels.MEDIAN_FILTER))
helped = [
    labels.family_text(family)
    for family in corruptions.FAMILIES
    if ours[labels.MSE, family] < identity[labels.MSE, family]
]
final_verdict = evaluation.collapse_verdict(reconstructed, test, setting.mean_image, read.loc["overall", final_name])
display(
    Markdown(
        f"On {len(test):,} test images model {FINAL_MODEL} scores an MSE of **{ours[labels.MSE, 'overall']:.4f}**, "
        f"against {identity[labels.MSE, 'overall']:.4f} for the uncorrected input, "
        f"{median[labels.MSE, 'overall']:.4f} for the median filter and "
        f"{quality.loc[labels.ALL_BLACK, (labels.MSE, 'overall')]:.4f} for an all-black image; in PSNR "
        f"{ours[labels.PSNR, 'overall']:.1f} dB against {identity[labels.PSNR, 'overall']:.1f} dB, in SSIM "
        f"{ours[labels.SSIM, 'overall']:.3f} against {identity[labels.SSIM, 'overall']:.3f}. It improves the MSE of "
        f"the corrupted input for {', '.join(helped) if helped else 'no corruption family'} ({len(helped)} of "
        f"{len(corruptions.FAMILIES)} families). Verdict: {final_verdict.reason}."
    )
)

# %% [markdown]
# ## Each corruption family, corrected
#
# At a glance: three test images per family, drawn at random (seeded), corrupted, corrected by the best
# of the seed's models, by the seed's final model and by the best U-Net, and clean.

# %%
glance_rng = np.random.default_rng(SEED)
chosen = np.concatenate(
    [
        glance_rng.choice(np.flatnonzero(test.family_ids == family_id), size=3, replace=False)
        for family_id in range(len(families))
    ]
)
at_a_glance = plots.corrections_by_family(
    test.clean[chosen],
    {
        "corrupted": test.corrupted[chosen],
        **{
            f"model {model_id}\n({role})": corrected[model_id][chosen]
            for model_id, role in study.glance_models(BEST_SEED, BEST_NEW).items()
        },
    },
    [families[family_id] for family_id in test.family_ids[chosen]],
)
results_files.write_figure(setting.out_dir, at_a_glance)
plt.show()

# %% [markdown]
# Eight test images per family, drawn at random (seeded), with what the best of the seed's models, the
# seed's final model, the best model and the median filter make of them.

# %%
rng = np.random.default_rng(SEED)
for family_id, family in enumerate(corruptions.FAMILIES):
    chosen = rng.choice(np.flatnonzero(test.family_ids == family_id), size=8, replace=False)
    plots.family_grid(
        test.clean[chosen],
        {
            "corrupted": test.corrupted[chosen],
            **{f"model {model_id}": corrected[model_id][chosen] for model_id in names},
            "median filter": predictions[labels.MEDIAN_FILTER][chosen],
        },
        labels.family_text(family),
    )
    plt.show()

# %% [markdown]
# ## Best, median and worst test sample of the best model, and a random validation sample
#
# Ranked among the test images that the corruption changed (by at least one pixel's worth turned from
# black to white: a black patch that misses every stroke leaves nothing to correct, and would be the
# "best" example). As in the seed, each row shows clean | corrupted | reconstructed, first in
# matplotlib's default pseudocolor scaled to each image (which makes small shifts of intensity
# visible), then in grayscale on the true 0-1 scale.

# %%
errors = evaluation.per_sample_mse(reconstructed, test.clean)
changed = evaluation.per_sample_mse(test.corrupted, test.clean) >= evaluation.CHANGED_MSE
examples = {}
for rank, index in evaluation.ranked_examples(errors, changed).items():
    family = labels.family_text(corruptions.FAMILIES[test.family_ids[index]])
    examples[f"{rank} test\n#{index}, {family}\nMSE {errors[index]:.4f}"] = (
        test.clean[index],
        test.corrupted[index],
        reconstructed[index],
    )
index = int(np.random.default_rng(SEED).integers(len(val)))
val_reconstructed = evaluation.reconstruct(model, val.corrupted[index : index + 1])[0]
family = labels.family_text(corruptions.FAMILIES[val.family_ids[index]])
examples[
    f"random validation\n#{index}, {family}\nMSE "
    f"{evaluation.per_sample_mse(val_reconstructed[None], val.clean[index : index + 1])[0]:.4f}"
] = (val.clean[index], val.corrupted[index], val_reconstructed)
plots.clean_corrupted_reconstructed(examples)
plt.show()

# %% [markdown]
# ## How the error is distributed
#
# Per-sample MSE on a logarithmic axis, one panel per family: where a model's histogram lies left of the
# corrupted input's, it corrects.

# %%
plots.error_histograms(
    {
        name: evaluation.per_sample_mse(predictions[name], test.clean)
        for name in (*names.values(), labels.UNCORRECTED, labels.MEDIAN_FILTER)
    },
    test.family_ids,
)
plt.show()

# %% [markdown]
# ## Robustness: weaker and stronger corruptions
#
# Every model was trained at severity 3 only. Here the test images are corrupted at each of the five
# severities (same seed, same families), and the seed's final model 12, the best of the seed's models
# and the best U-Net correct them. No model is retrained.

# %% tags=["nbval-ignore-output"]
roles = study.glance_models(BEST_SEED, BEST_NEW)
robustness_models = {f"model {model_id}": results[model_id].model for model_id in roles}
best_new_name = f"model {BEST_NEW}"
display(Markdown("The models: " + "; ".join(f"model {model_id}, {role}" for model_id, role in roles.items()) + "."))
severities = {severity: setting.test_split(severity) for severity in corruptions.SEVERITIES}
severity = evaluation.severity_table(robustness_models, reader, severities)
plots.severity_curves(severity, labels.UNCORRECTED)
plt.show()
notebook.worded(severity.T)

# %% [markdown]
# ## Corruptions never seen in training: two families on one image
#
# Each test image gets two corruption families at once, one after the other (all ten pairs, severity
# 3, seeded like the rest). No model saw such images in training.

# %% tags=["nbval-ignore-output"]
pairs = evaluation.pairs_table(robustness_models, reader, setting.pairs_test_split())
for metric in (labels.READ, labels.MSE):
    display(Markdown(f"**{metric}** per pair of corruption families"), notebook.worded(pairs[metric]))

# %% tags=["nbval-ignore-output"]
pair_read = pairs[labels.READ].drop("overall")
display(
    Markdown(
        "On images with two corruptions the reader recognises "
        f"{pairs.loc['overall', (labels.READ, labels.UNCORRECTED)]:.1f}% "
        f"uncorrected and {pairs.loc['overall', (labels.READ, best_new_name)]:.1f}% after correction by "
        f"{best_new_name}, the best U-Net; its hardest pair is {labels.family_text(pair_read[best_new_name].idxmin())} "
        f"({pair_read[best_new_name].min():.1f}%). At severity 5 it reads "
        f"{severity.loc[5, (labels.READ, best_new_name)]:.1f}%, "
        f"against {severity.loc[5, (labels.READ, labels.UNCORRECTED)]:.1f}% uncorrected."
    )
)

# %% [markdown]
# ## Run-to-run spread
#
# The best U-Net trained three times, with seeds one apart (run 0 is the model above). The spread
# says how large a difference between two models must be before it is evidence.

# %% tags=["nbval-ignore-output", "report-hide-output"]
runs = setting.train_spread(BEST_NEW)

# %% tags=["nbval-ignore-output"]
spread = study.spread_table(runs, test, reader)
display(Markdown(f"Model {BEST_NEW}, {len(runs)} runs:"), spread)

# %% [markdown]
# ## Run-to-run noise in each family
#
# One network of each of the seed's families trained three times, with seeds one apart (model 9 is
# model 5 with the next seed, so it is the sweep's second run): how far another run moves the validation
# MSE and the readability within a family. The U-Nets' noise is the spread above. The discussion judges
# every difference between two models against the larger noise of their two families.

# %% tags=["nbval-ignore-output", "report-hide-output"]
family_runs = setting.train_family_runs()

# %% tags=["nbval-ignore-output"]
family_spread = study.family_runs_table(family_runs, test, reader)
noise = study.noise_levels(family_spread, spread)
display(
    notebook.rounded(family_spread, {labels.VAL_MSE: 4, labels.READ: 1}),
    Markdown("**Noise per family**: the range (largest minus smallest) over the runs"),
    notebook.rounded(
        pd.DataFrame(noise).rename(columns={"read": "read correctly (points)"}).rename_axis("family"),
        {labels.VAL_MSE: 4, "read correctly (points)": 2},
    ),
)

# %% [markdown]
# ## Paired comparisons for the discussion
#
# The discussion weighs design choices by comparing two models at a time. Each comparison here names
# everything that differs between the two, and tests the difference in readability over the same test
# images (McNemar's exact test: does one model read right the images the other reads wrong more often than
# chance would have it?).

# %% tags=["nbval-ignore-output"]
compared = {
    "Skip connections": ("20", "21"),
    "A U-Net instead of the seed's most readable model": ("20", most_readable_seed),
    "Edge-aware loss": ("22", "20"),
    "Twice the width": ("23", "20"),
    "The best model overall against the best of the seed's models": (FINAL_MODEL, BEST_SEED),
}
comparisons = {
    name: {
        "changed": changed,
        "baseline": baseline,
        "what differs": study.what_differs(changed, baseline),
        "read difference": float(readability.loc[changed, labels.READ] - readability.loc[baseline, labels.READ]),
        "McNemar p": evaluation.mcnemar_p(right[changed], right[baseline]),
    }
    for name, (changed, baseline) in compared.items()
    if changed != baseline
}
comparison_table = pd.DataFrame(comparisons).T[["changed", "baseline", "read difference", "McNemar p"]]
# Over 10,000 test images p falls to 1e-160, which four significant digits without an exponent (the
# tables' rule) spell with 160 zeros.
comparison_table.assign(**{"McNemar p": [f"{p:.2g}" for p in comparison_table["McNemar p"]]})

# %% tags=["nbval-ignore-output", "report-hide-output"]
# The numbers the discussion reads, and one line of them for the build's log.
summary = {
    "profile": setting.profile.name,
    "final model": FINAL_MODEL,
    "final name": final_name,
    "best seed model": BEST_SEED,
    "best seed name": best_seed_name,
    "seed final name": seed_final_name,
    "best new model": BEST_NEW,
    "collapsed": final_verdict.collapsed,
    "verdict": final_verdict.reason,
    "sharpness ratio": float(headline.loc[(labels.EDGE_CONTRAST, "overall"), final_name]) / 100,
    "test images": len(test),
    "classifier epochs": len(reader_run.history),
    "quality": evaluation.quality_by_method(quality),
    "headline": evaluation.as_tree(headline),
    "targets": targets,
    "readability": evaluation.as_tree(readability.select_dtypes("number")),
    "test verdicts": readability[["worst family", "verdict"]].to_dict(orient="index"),
    "severity": evaluation.as_tree(severity),
    "pairs": evaluation.as_tree(pairs),
    "spread": evaluation.as_tree(spread),
    "family runs": family_spread.to_dict(orient="index"),
    "controls": evaluation.as_tree(controls.T),
    "read intervals": read_intervals,
    "recovered share": evaluation.as_tree(recovered.T),
    "recovered intervals": recovered_intervals,
    "validation baselines": setting.val_baselines.to_dict(),
    "comparisons": comparisons,
}
results_files.write_final(setting.out_dir, summary)
print(
    f"final model {FINAL_MODEL}: test MSE {ours[labels.MSE, 'overall']:.4f}, SSIM {ours[labels.SSIM, 'overall']:.3f}, "
    f"read correctly {read.loc['overall', final_name]:.1f}%; best of the seed's models {BEST_SEED}: "
    f"{read.loc['overall', best_seed_name]:.1f}%"
)
