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
# the seed could only answer by eye: can a reader recognise the corrected character? Every accuracy of
# an answer carries its 95% interval over the images it was measured on (Wilson's, in brackets); the
# tables of repeated runs give the spread between the runs instead.

# %% tags=["parameters"]
PROFILE = "full"
SEED = 0
DATASET = "kmnist"  # kmnist | fashion-mnist: the images corrected (see the README)
DATA_DIR = None
OUTPUT_DIR = None

# %% tags=["nbval-ignore-output", "report-hide-output"]
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from lib import corruptions, evaluation, final_evaluation, labels, models, notebook, plots, results_files, study

notebook.configure()
setting = study.Setting(PROFILE, SEED, DATA_DIR, OUTPUT_DIR, DATASET)
results = setting.train(models.MODEL_IDS)
final = final_evaluation.FinalEvaluation(setting, results, results_files.read_table(setting.out_dir))
second = final_evaluation.FinalEvaluation(setting, results, final.comparison, second=True)
test, FINAL_MODEL = setting.splits["test"], final.final_model

# %% tags=["nbval-ignore-output"]
display(Markdown(final.choice_text()))

# %%
pd.DataFrame(
    models.layer_table(results[FINAL_MODEL].model), columns=["layer", "type", "output shape", "parameters"]
).set_index("layer")

# %% [markdown]
# ## Readable again? The headline
#
# The three models side by side on every measure, overall and per corruption family, with the uncorrected
# input and the clean images as the two ends of the scale. MSE is the training loss; PSNR the same error
# in decibels (higher is better; a perfect copy is capped at 100 dB); SSIM compares local structure (1 is
# a perfect copy) and falls when strokes are blurred; edge contrast is the mean difference between
# neighbouring pixels as a percentage of the clean images' (under 100: blurred); and *read correctly* is
# the accuracy of a classifier trained once on the clean training images, never on the validation or
# test images (the KMNIST benchmark's simple CNN). The controls below set the same accuracies beside the
# other answers to corruption.

# %% tags=["nbval-ignore-output"]
notebook.worded(notebook.headline_with_intervals(final.headline, final.headline_intervals))

# %% tags=["nbval-ignore-output"]
display(Markdown(final.headline_text()))

# %% [markdown]
# ### A second reader
#
# Every readability above is one reader's, and every model was chosen by what that reader reads. A second
# reader of another architecture judges the same images independently: a pre-activation residual network
# (three stages of two residual blocks, 32, 64 and 128 maps; the kind of network the KMNIST benchmark lists,
# whose PreActResNet-18 reads 97.82% of the clean test set), trained on the clean training images only, and
# never used to train, tune or choose a model. Every readability of this evaluation is given by both readers
# below; where their verdicts differ, the text says so.

# %% tags=["nbval-ignore-output"]
display(
    Markdown("**Read correctly by the second reader (%)**, with 95% intervals"),
    notebook.worded(notebook.headline_with_intervals(second.headline.loc[[labels.READ]], second.headline_intervals)),
    Markdown(final_evaluation.second_reader_text(final, second)),
)
disagreements = final_evaluation.reader_disagreements(final, second)
if disagreements:
    display(final_evaluation.disagreements_table(disagreements))

# %% [markdown]
# The targets this project set itself for the full profile (the seed's protocol), why each is where it
# is, and what this build reached. Builds on the smaller profiles train on less data for a few epochs,
# so only the full profile's numbers answer them.

# %% tags=["nbval-ignore-output"]
display(
    notebook.target_table(final.targets).rename(columns={"reached": f"model {FINAL_MODEL} ({PROFILE} profile)"}),
    Markdown(
        "\n".join(f"- *{name}* {target['target']}: {target['why there']}." for name, target in final.targets.items())
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
readability = final.readability
plots.readability_against_mse(
    readability,
    final.read.loc["overall", labels.CLEAN],
    (final.headline.loc[(labels.MSE, "overall"), labels.UNCORRECTED], final.read.loc["overall", labels.UNCORRECTED]),
)
plt.show()
ranked = readability.sort_values(labels.READ, ascending=False)
shown = notebook.rounded(ranked, {labels.TEST_MSE: 4, labels.PSNR: 1, labels.SSIM: 3, labels.EDGE_CONTRAST: 1}).assign(
    **{
        labels.READ: [
            evaluation.with_interval(
                ranked.loc[model_id, labels.READ], evaluation.wilson_interval(final.right[model_id])
            )
            for model_id in ranked.index
        ],
        labels.READ_ON_WORST: [
            evaluation.with_interval(
                ranked.loc[model_id, labels.READ_ON_WORST],
                evaluation.wilson_interval(final.worst_family_right(model_id, ranked.loc[model_id, "worst family"])),
            )
            for model_id in ranked.index
        ],
        "worst family": ranked["worst family"].map(labels.family_text),
        "verdict on validation": final.comparison.loc[ranked.index, "verdict"],
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
display(Markdown(final.seed_readability_text()))

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
# back, (answer - uncorrected) / (clean - uncorrected): 1 is all of it, negative where it does harm; its
# 95% interval is a bootstrap over the test images.

# %% tags=["nbval-ignore-output"]
display(
    Markdown("**Read correctly (%)**, overall and per family, with 95% intervals"),
    notebook.worded(final.controls_shown(final.controls, final.read_intervals)),
    Markdown("**Share of the lost readability recovered** (1: all of it), with 95% bootstrap intervals"),
    notebook.worded(final.controls_shown(final.recovered, final.recovered_intervals, digits=2)),
    Markdown(final.controls_text()),
    Markdown(
        "**By the second reader**: read correctly (%), and the share recovered, of the answers that correct (the "
        "reader trained on corrupted images and the search over flips and turns are the study reader's own answers)"
    ),
    notebook.worded(second.controls_shown(second.controls, second.read_intervals)),
    notebook.worded(second.controls_shown(second.recovered, second.recovered_intervals, digits=2)),
)

# %% [markdown]
# ## Image quality beside the baselines
#
# Per metric, each method's mean over the test set, overall and per corruption family.

# %% tags=["nbval-ignore-output"]
for metric in evaluation.METRICS:
    display(
        Markdown(f"**{metric}** per method, overall and per corruption family"), notebook.worded(final.quality[metric])
    )
display(Markdown(final.quality_text()))

# %% [markdown]
# ## Each corruption family, corrected
#
# At a glance: three test images per family, drawn at random (seeded), corrupted, corrected by the best
# of the seed's models, by the seed's final model and by the best U-Net, and clean.

# %%
clean, outputs, families = final.glance(np.random.default_rng(SEED))
at_a_glance = plots.corrections_by_family(clean, outputs, families)
results_files.write_figure(setting.out_dir, at_a_glance)
plt.show()

# %% [markdown]
# Eight test images per family, drawn at random (seeded), with what the best of the seed's models, the
# seed's final model, the best model and the median filter make of them.

# %%
rng = np.random.default_rng(SEED)
for family_id, family in enumerate(corruptions.FAMILIES):
    plots.family_grid(*final.family_sample(family_id, rng), labels.family_text(family))
    plt.show()

# %% [markdown]
# ## Best, median and worst test sample of the best model, and a random validation sample
#
# Ranked among the test images that the corruption changed (the pixels' changes add up to at least one
# whole pixel turned from black to white: a black patch that misses every stroke leaves nothing to
# correct, and would be the "best" example). As in the seed, each row shows clean | corrupted |
# reconstructed, first in matplotlib's default pseudocolor scaled to each image (which shows the shape
# of small shifts of intensity, though not a shift of the whole image), then in grayscale on the true 0-1
# scale, where a brightness shift shows.

# %%
plots.clean_corrupted_reconstructed(final.examples(np.random.default_rng(SEED)))
plt.show()

# %% [markdown]
# ## How the error is distributed
#
# Per-sample MSE on a logarithmic axis, one panel per family: where a model's histogram lies left of the
# corrupted input's, it corrects.

# %%
plots.error_histograms(
    {name: final.methods[name].mse for name in (*final.names.values(), labels.UNCORRECTED, labels.MEDIAN_FILTER)},
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
display(
    Markdown("The models: " + "; ".join(f"model {model_id}, {role}" for model_id, role in final.roles.items()) + ".")
)
plots.severity_curves(final.severity, labels.UNCORRECTED)
plt.show()
display(
    final.severity_shown(),
    Markdown(
        f"Readability with its 95% interval; every severity has its own test images. By the second reader, model "
        f"{FINAL_MODEL}'s corrections and the uncorrected input:"
    ),
    second.severity_shown().loc[[labels.READ]],
)

# %% [markdown]
# ## Corruptions never seen in training: two families on one image
#
# Each test image gets two corruption families at once, one after the other (all ten pairs, severity
# 3, seeded like the rest). No model saw such images in training.

# %% tags=["nbval-ignore-output"]
for metric in (labels.READ, labels.MSE):
    display(Markdown(f"**{metric}** per pair of corruption families"), notebook.worded(final.pairs_shown(metric)))
display(
    Markdown(f"**{labels.READ}** per pair of corruption families, by the second reader (model {FINAL_MODEL})"),
    notebook.worded(second.pairs_shown(labels.READ)),
    Markdown(final.robustness_text()),
)

# %% [markdown]
# ## Run-to-run spread
#
# The best U-Net trained three times, with seeds one apart (run 0 is the model above). The spread
# says how large a difference between two models must be before it is evidence.

# %% tags=["nbval-ignore-output"]
display(
    Markdown(f"Model {final.best_new}, {len(final.spread_runs)} runs (readability on the test images):"), final.spread
)

# %% [markdown]
# ## Run-to-run noise in each family
#
# One network of each of the seed's families trained three times, with seeds one apart (model 9, which
# the seed lists among its deep stacks, is model 5's network with the next seed, so it is the sweep's
# second run here): how far another run moves the validation
# MSE and the readability within a family. The U-Nets' noise is the spread above. The discussion judges
# every difference between two models against the larger noise of their two families.

# %% tags=["nbval-ignore-output"]
display(
    Markdown("Validation MSE; readability on the test images:"),
    notebook.rounded(final.family_spread, {labels.VAL_MSE: 4, labels.READ: 1}),
    Markdown("**Noise per family**: the range (largest minus smallest) over the runs"),
    notebook.rounded(
        pd.DataFrame(final.noise).rename(columns={"read": "read correctly (points)"}).rename_axis("family"),
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
comparison_table = pd.DataFrame(final.comparisons).T[["changed", "baseline", "read difference", "McNemar p"]]
# Over 10,000 test images p falls to 1e-160, which four significant digits without an exponent (the
# tables' rule) spell with 160 zeros.
comparison_table.assign(**{"McNemar p": [f"{p:.2g}" for p in comparison_table["McNemar p"]]})

# %% tags=["nbval-ignore-output", "report-hide-output"]
# The numbers the discussion reads, and one line of them for the build's log.
results_files.write_final(setting.out_dir, final.summary(second))
ours = final.quality.loc[final.final_name]
print(
    f"final model {FINAL_MODEL}: test MSE {ours[labels.MSE, 'overall']:.4f}, SSIM {ours[labels.SSIM, 'overall']:.3f}, "
    f"read correctly {final.read.loc['overall', final.final_name]:.1f}%; best of the seed's models {final.best_seed}: "
    f"{final.read.loc['overall', final.best_seed_name]:.1f}%"
)
