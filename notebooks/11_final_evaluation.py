# %% [markdown]
# # Final evaluation
#
# Two models meet the official KMNIST test set, corrupted like the training data but with its own
# seed, for the first time: **the seed's pick**, the lowest validation loss among the seed's 21
# models (what the seed's protocol would choose), and **the best model overall**, the lowest validation
# loss of all, the U-Nets included. Both are set side by side and beside four baselines scored the same
# way: the all-black image, the uncorrected input (identity), the mean training image, and a 3x3 median
# filter, the classical denoiser. The headline question is the one the seed could only answer by eye:
# can a reader recognise the corrected character?

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
SEED_PICK = study.best_model(results, models.SEED_MODEL_IDS)
FINAL_MODEL = study.best_model(results, models.MODEL_IDS)
BEST_NEW = study.best_new_model(results)
# One name per model: where the seed's pick is the best overall, every table has one column for both.
seed_name, final_name = (
    (f"model {FINAL_MODEL} (seed's pick, best overall)",) * 2
    if SEED_PICK == FINAL_MODEL
    else (f"model {SEED_PICK} (seed's pick)", f"model {FINAL_MODEL} (best overall)")
)
model, spec = results[FINAL_MODEL].model, models.spec(FINAL_MODEL)
final = comparison.loc[FINAL_MODEL]
display(
    Markdown(
        f"The seed's pick is **model {SEED_PICK}** ({comparison.loc[SEED_PICK, 'family']} family, validation MSE "
        f"{comparison.loc[SEED_PICK, labels.VAL_MSE]:.4f}, code {comparison.loc[SEED_PICK, 'code']}); the best "
        f"model overall is **model {FINAL_MODEL}** ({final['family']} family, {final[labels.VAL_MSE]:.4f}, code "
        f"{final['code']}, kept at epoch {final['best epoch']} of {final['epochs']}), "
        + ("the same model." if SEED_PICK == FINAL_MODEL else "the final model of this report.")
        + f"\n\n{spec.note}\n\nIt has {final['parameters']:,} parameters and was trained with batch size "
        f"{spec.batch_size} and Adam at learning rate {spec.learning_rate:g}. Its layers:"
    )
)

# %%
pd.DataFrame(models.layer_table(model), columns=["layer", "type", "output shape", "parameters"]).set_index("layer")

# %% [markdown]
# ## Readable again? The headline
#
# The two models side by side on every measure, overall and per corruption family, with the uncorrected
# input and the clean images as the two ends of the scale. MSE is the training loss; PSNR the same error
# in decibels (higher is better; a perfect copy is capped at 100 dB); SSIM compares local structure (1 is
# a perfect copy) and falls when strokes are blurred; edge contrast is the mean difference between
# neighbouring pixels as a percentage of the clean images' (under 100: blurred); and *read correctly* is
# the accuracy of a classifier trained once on clean training images (the KMNIST benchmark's simple CNN).

# %% tags=["nbval-ignore-output"]
corrected = study.test_corrections(results, test)
seed_corrected, reconstructed = corrected[SEED_PICK], corrected[FINAL_MODEL]
headline = evaluation.headline_table(
    {
        seed_name: seed_corrected,
        final_name: reconstructed,
        labels.UNCORRECTED: test.corrupted,
        labels.CLEAN: test.clean,
    },
    test,
    reader,
)
headline

# %% tags=["nbval-ignore-output"]
read = headline.loc[labels.READ]
families = list(corruptions.FAMILIES)
right = study.read_right(corrected, test, reader)
uncorrected_right = evaluation.read_correctly(reader, test.corrupted, test)
seed_against_uncorrected = evaluation.mcnemar_p(right[SEED_PICK], uncorrected_right)
display(
    Markdown(
        f"The reader recognises {read.loc['overall', labels.CLEAN]:.1f}% of the clean test images and "
        f"{read.loc['overall', labels.UNCORRECTED]:.1f}% of the corrupted ones. After correction by the seed's "
        f"pick it reads {read.loc['overall', seed_name]:.1f}%, "
        + (
            "no different, within the test set's noise, from"
            if seed_against_uncorrected >= 0.05
            else "more than"
            if read.loc["overall", seed_name] > read.loc["overall", labels.UNCORRECTED]
            else "**less** than"
        )
        + f" the uncorrected input (McNemar's test over the same {len(test):,} images: "
        f"p = {seed_against_uncorrected:.2g}); "
        f"after correction by model {FINAL_MODEL} it reads "
        f"**{read.loc['overall', final_name]:.1f}%**, and at least {read.loc[families, final_name].min():.1f}% on "
        f"every family (worst: {read.loc[families, final_name].idxmin().replace('_', ' ')}). Test MSE "
        f"{headline.loc[(labels.MSE, 'overall'), final_name]:.4f} against "
        f"{headline.loc[(labels.MSE, 'overall'), seed_name]:.4f}; "
        f"edge contrast {headline.loc[(labels.EDGE_CONTRAST, 'overall'), final_name]:.0f}% of the clean images' "
        f"against {headline.loc[(labels.EDGE_CONTRAST, 'overall'), seed_name]:.0f}%."
    )
)

# %% [markdown]
# The targets this project set itself for the full profile (the seed's protocol), why each is where it
# is, and what this build reached. The smoke and quick profiles train on less data for a few epochs, so
# only the full profile's numbers answer them.

# %% tags=["nbval-ignore-output"]
model_12_mse = evaluation.per_sample_mse(corrected["12"], test.clean).mean()
final_read, worst_read = read.loc["overall", final_name], read.loc[families, final_name].min()
final_mse, final_edges = (
    headline.loc[(measure, "overall"), final_name] for measure in (labels.MSE, labels.EDGE_CONTRAST)
)
targets = {
    "read correctly, overall (%)": {
        "target": ">= 93",
        "why there": "within about 2 points of what this reader reaches on clean images (95.1% in the KMNIST "
        "benchmark)",
        "reached": float(final_read),
        "met": bool(final_read >= 93),
    },
    "read correctly, worst family (%)": {
        "target": ">= 90",
        "why there": "no family left behind: the hardest within about 5 points of clean",
        "reached": float(worst_read),
        "met": bool(worst_read >= 90),
    },
    "test MSE, as a fraction of model 12's": {
        "target": "<= 0.2",
        "why there": "a fifth of the seed's final model's error: a gain far beyond any run-to-run or cross-CPU spread",
        "reached": float(final_mse / model_12_mse),
        "met": bool(final_mse <= 0.2 * model_12_mse),
    },
    "edge contrast (% of the clean images')": {
        "target": ">= 90",
        "why there": "the seed's complaint was blur, which removes edge contrast: keep nearly all of it",
        "reached": float(final_edges),
        "met": bool(final_edges >= 90),
    },
}
target_table = pd.DataFrame(targets).T
display(
    target_table.assign(
        reached=target_table["reached"].astype(float).round(3), met=target_table["met"].map({True: "yes", False: "no"})
    )[["target", "reached", "met"]].rename(
        columns={"reached": f"model {FINAL_MODEL} ({setting.profile.name} profile)"}
    ),
    Markdown("\n".join(f"- *{name}* {target['target']}: {target['why there']}." for name, target in targets.items())),
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
readability.sort_values(labels.READ, ascending=False).round(
    {
        labels.TEST_MSE: 4,
        labels.PSNR: 1,
        labels.SSIM: 3,
        labels.EDGE_CONTRAST: 1,
        labels.READ: 1,
        labels.READ_ON_WORST: 1,
    }
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
# Three questions come before any praise of a correction. **A reader trained on corrupted images**: the
# same network and protocol as the reader, trained on the corrupted training images; if it reads the
# corrupted test images as well as the reader reads the corrected ones, correcting buys nothing that
# training the reader differently would not. **Undoing by search**, a classical answer to the geometric
# families with no correcting network: the reader (trained on clean images) reads each image as it is,
# flipped left-right, flipped upside down and turned by every 5 degrees up to 60 either way, and keeps its
# most confident reading. **The share recovered**: per family, how much of the readability that
# corruption cost each answer wins back, (answer - uncorrected) / (clean - uncorrected): 1 is all of it,
# negative where it does harm.

# %% tags=["nbval-ignore-output"]
control_right = evaluation.read_correctly(control_reader, test.corrupted, test)
undone_right = evaluation.best_reading_over_undoings(reader, test.corrupted) == test.labels
answers = {
    f"corrected by {seed_name}": right[SEED_PICK],
    f"corrected by {final_name}": right[FINAL_MODEL],
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
recovered = pd.DataFrame(
    {
        name: evaluation.recovered_share(
            controls.loc[name], controls.loc[labels.UNCORRECTED], controls.loc[labels.CLEAN]
        )
        for name in answers
    }
).T
display(
    Markdown("**Read correctly (%)**, overall and per family"),
    controls,
    Markdown("**Share of the lost readability recovered** (1: all of it)"),
    recovered,
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
            f"{recovered.loc[final_answer, family]:.0%} on {family.replace('_', ' ')}"
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
    seed_name: seed_corrected,
    final_name: reconstructed,
    **evaluation.baseline_predictions(test, splits["train"].clean.mean(axis=0)),
}
quality = evaluation.quality_table(predictions, test)
for metric in evaluation.METRICS:
    display(Markdown(f"**{metric}** per method, overall and per corruption family"), quality[metric])

# %% tags=["nbval-ignore-output"]
ours, identity, median = (quality.loc[name] for name in (final_name, labels.UNCORRECTED, labels.MEDIAN_FILTER))
helped = [
    family.replace("_", " ")
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

# %% tags=["nbval-ignore-output"]
accuracy = evaluation.accuracy_table(
    reader,
    {
        "clean": test.clean,
        "corrupted (identity)": test.corrupted,
        f"corrected by {seed_name}": seed_corrected,
        f"corrected by {final_name}": reconstructed,
        labels.MEDIAN_FILTER: predictions[labels.MEDIAN_FILTER],
    },
    test,
)
display(
    Markdown(
        f"The reader's accuracy (%) on each set of images (kept epoch {reader_run.best_epoch} of "
        f"{len(reader_run.history)} of its training):"
    ),
    accuracy,
)

# %% [markdown]
# ## Each corruption family, corrected
#
# At a glance: three test images per family, drawn at random (seeded), corrupted, corrected by the seed's
# pick and by the best U-Net, and clean.

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
        f"model {SEED_PICK}\n(seed's pick)": corrected[SEED_PICK][chosen],
        f"model {BEST_NEW}\n(best U-Net)": corrected[BEST_NEW][chosen],
    },
    [families[family_id] for family_id in test.family_ids[chosen]],
)
results_files.write_figure(setting.out_dir, at_a_glance)
plt.show()

# %% [markdown]
# Eight test images per family, drawn at random (seeded), with what the seed's pick, the best model and
# the median filter make of them.

# %%
rng = np.random.default_rng(SEED)
for family_id, family in enumerate(corruptions.FAMILIES):
    chosen = rng.choice(np.flatnonzero(test.family_ids == family_id), size=8, replace=False)
    plots.family_grid(
        test.clean[chosen],
        {
            "corrupted": test.corrupted[chosen],
            f"model {SEED_PICK}": seed_corrected[chosen],
            f"model {FINAL_MODEL}": reconstructed[chosen],
            "median filter": predictions[labels.MEDIAN_FILTER][chosen],
        },
        family.replace("_", " "),
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
    family = corruptions.FAMILIES[test.family_ids[index]].replace("_", " ")
    examples[f"{rank} test\n#{index}, {family}\nMSE {errors[index]:.4f}"] = (
        test.clean[index],
        test.corrupted[index],
        reconstructed[index],
    )
index = int(np.random.default_rng(SEED).integers(len(val)))
val_reconstructed = evaluation.reconstruct(model, val.corrupted[index : index + 1])[0]
family = corruptions.FAMILIES[val.family_ids[index]].replace("_", " ")
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
        for name in (seed_name, final_name, labels.UNCORRECTED, labels.MEDIAN_FILTER)
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
roles = {}
for model_id, role in (
    ("12", "the seed's final model"),
    (SEED_PICK, "the best of the seed's models"),
    (BEST_NEW, "the best U-Net"),
):
    roles.setdefault(model_id, []).append(role)
robustness_models = {f"model {model_id}": results[model_id].model for model_id in roles}
best_new_name = f"model {BEST_NEW}"
display(Markdown("; ".join(f"model {model_id} is {' and '.join(names)}" for model_id, names in roles.items()) + "."))
severities = {severity: setting.test_split(severity) for severity in corruptions.SEVERITIES}
severity = evaluation.severity_table(robustness_models, reader, severities)
plots.severity_curves(severity, labels.UNCORRECTED)
plt.show()
severity.T

# %% [markdown]
# ## Corruptions never seen in training: two families on one image
#
# Each test image gets two corruption families at once, one after the other (all ten pairs, severity
# 3, seeded like the rest). No model saw such images in training.

# %% tags=["nbval-ignore-output"]
pairs = evaluation.pairs_table(robustness_models, reader, setting.pairs_test_split())
for metric in (labels.READ, labels.MSE):
    display(Markdown(f"**{metric}** per pair of corruption families"), pairs[metric])

# %% tags=["nbval-ignore-output"]
pair_read = pairs[labels.READ].drop("overall")
display(
    Markdown(
        "On images with two corruptions the reader recognises "
        f"{pairs.loc['overall', (labels.READ, labels.UNCORRECTED)]:.1f}% "
        f"uncorrected and {pairs.loc['overall', (labels.READ, best_new_name)]:.1f}% after correction by "
        f"{best_new_name}, the best U-Net; its hardest pair is {pair_read[best_new_name].idxmin().replace('_', ' ')} "
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
    "The best model overall against the seed's pick": (FINAL_MODEL, SEED_PICK),
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
    "seed pick": SEED_PICK,
    "seed name": seed_name,
    "best new model": BEST_NEW,
    "collapsed": final_verdict.collapsed,
    "verdict": final_verdict.reason,
    "sharpness ratio": float(headline.loc[(labels.EDGE_CONTRAST, "overall"), final_name]) / 100,
    "test images": len(test),
    "classifier epochs": len(reader_run.history),
    "quality": evaluation.quality_by_method(quality),
    "accuracy": accuracy.to_dict(orient="index"),
    "headline": evaluation.as_tree(headline),
    "targets": targets,
    "readability": evaluation.as_tree(readability.select_dtypes("number")),
    "test verdicts": readability[["worst family", "verdict"]].to_dict(orient="index"),
    "severity": evaluation.as_tree(severity),
    "pairs": evaluation.as_tree(pairs),
    "spread": evaluation.as_tree(spread),
    "controls": evaluation.as_tree(controls.T),
    "recovered share": evaluation.as_tree(recovered.T),
    "comparisons": comparisons,
}
results_files.write_final(setting.out_dir, summary)
print(
    f"final model {FINAL_MODEL}: test MSE {ours[labels.MSE, 'overall']:.4f}, SSIM {ours[labels.SSIM, 'overall']:.3f}, "
    f"read correctly {read.loc['overall', final_name]:.1f}%; seed's pick {SEED_PICK}: "
    f"{read.loc['overall', seed_name]:.1f}%"
)
