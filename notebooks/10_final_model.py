# %% [markdown]
# # Final model
#
# The final model, the one with the lowest validation loss in the comparison, meets the official
# KMNIST test set, corrupted like the training data but with its own seed, for the first time. Every
# number is set beside four baselines scored the same way: the all-black image, the uncorrected input
# (identity), the mean training image, and a 3x3 median filter, the classical denoiser.

# %% tags=["parameters"]
PROFILE = "full"
SEED = 0
DATA_DIR = None
OUTPUT_DIR = None

# %% tags=["nbval-ignore-output", "report-hide-output"]
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from lib import classifier, corruptions, evaluation, models, plots, study, training

plots.configure_notebook()
setting = study.Setting(PROFILE, SEED, DATA_DIR, OUTPUT_DIR)
results = setting.train(models.MODEL_IDS)
comparison = study.results_table(results, setting.splits["val"])

# %% tags=["nbval-ignore-output"]
FINAL_MODEL = comparison["val loss"].idxmin()
model, spec = results[FINAL_MODEL].model, models.spec(FINAL_MODEL)
splits, test, val = setting.splits, setting.splits["test"], setting.splits["val"]
final = comparison.loc[FINAL_MODEL]
display(Markdown(
    f"The final model is **model {FINAL_MODEL}** ({final['family']} family), the lowest validation loss of the "
    f"{len(comparison)} models ({final['val loss']:.4f}, kept at epoch {final['best epoch']} of {final['epochs']}).\n\n"
    f"{spec.note}\n\nIt has {final['parameters']:,} parameters and was trained with batch size {spec.batch_size} "
    f"and Adam at learning rate {spec.learning_rate:g}. Its layers:"))

# %%
pd.DataFrame(models.layer_table(model), columns=["layer", "type", "output shape", "parameters"]).set_index("layer")

# %% [markdown]
# ## Image quality on the test set
#
# MSE is the training loss; PSNR is the same error in decibels (higher is better); SSIM compares local
# structure (1 is a perfect copy) and falls when strokes are blurred, which MSE barely notices.

# %% tags=["nbval-ignore-output"]
reconstructed = evaluation.reconstruct(model, test.corrupted)
final_name = f"model {FINAL_MODEL}"
predictions = {final_name: reconstructed,
               **evaluation.baseline_predictions(test, splits["train"].clean.mean(axis=0))}
quality = evaluation.quality_table(predictions, test)
for metric in evaluation.METRICS:
    display(Markdown(f"**{metric}** per method, overall and per corruption family"), quality[metric])

# %% tags=["nbval-ignore-output"]
ours, identity, median = (quality.loc[name] for name in (final_name, "identity (corrupted input)", "median filter (3x3)"))
helped = [family.replace("_", " ") for family in corruptions.FAMILIES if ours["MSE", family] < identity["MSE", family]]
collapsed, reason = evaluation.collapse_verdict(reconstructed, test.clean)
sharpness = evaluation.per_sample_sharpness(reconstructed).mean() / evaluation.per_sample_sharpness(test.clean).mean()
display(Markdown(
    f"On {len(test):,} test images model {FINAL_MODEL} scores an MSE of **{ours['MSE', 'overall']:.4f}**, against "
    f"{identity['MSE', 'overall']:.4f} for the uncorrected input, {median['MSE', 'overall']:.4f} for the median "
    f"filter and {quality.loc['all black', ('MSE', 'overall')]:.4f} for an all-black image; in PSNR "
    f"{ours['PSNR (dB)', 'overall']:.1f} dB against {identity['PSNR (dB)', 'overall']:.1f} dB, in SSIM "
    f"{ours['SSIM', 'overall']:.3f} against {identity['SSIM', 'overall']:.3f}. It improves the MSE of the corrupted "
    f"input for {', '.join(helped) if helped else 'no corruption family'} ({len(helped)} of "
    f"{len(corruptions.FAMILIES)} families). Its outputs keep {100 * sharpness:.0f}% of the clean images' edge "
    f"contrast (mean difference between neighbouring pixels). Verdict: {reason}."))

# %% [markdown]
# ## Is the corrected character still readable?
#
# A classifier trained once on clean training images (the KMNIST benchmark's simple CNN) reads the test
# images: clean, corrupted, corrected by the final model, and median-filtered. Accuracy in percent.

# %% tags=["nbval-ignore-output", "report-hide-output"]
reader = classifier.train(splits, SEED, setting.out_dir, max_epochs=setting.profile.max_epochs)

# %% tags=["nbval-ignore-output"]
accuracy = evaluation.accuracy_table(reader.model, {
    "clean": test.clean, "corrupted (identity)": test.corrupted, f"corrected by {final_name}": reconstructed,
    "median filter (3x3)": predictions["median filter (3x3)"]}, test)
accuracy

# %% tags=["nbval-ignore-output"]
clean_acc, corrupted_acc, corrected_acc = accuracy["overall"].iloc[:3]
recovered = [family.replace("_", " ") for family in corruptions.FAMILIES
             if accuracy.iloc[2][family] > accuracy.iloc[1][family]]
display(Markdown(
    f"The classifier reads {clean_acc:.1f}% of the clean test images (kept epoch {reader.best_epoch} of "
    f"{len(reader.history)}), {corrupted_acc:.1f}% of the corrupted ones and {corrected_acc:.1f}% after "
    f"correction by model {FINAL_MODEL}: the correction "
    + (f"wins back {corrected_acc - corrupted_acc:.1f} of the {clean_acc - corrupted_acc:.1f} points the "
       f"corruptions cost" if corrected_acc > corrupted_acc else
       f"loses a further {corrupted_acc - corrected_acc:.1f} points: what it outputs is less readable than its input")
    + f". Accuracy rises with the correction for {', '.join(recovered) if recovered else 'no family'}."))

# %% [markdown]
# ## Best, median and worst test sample, and a random validation sample
#
# As in the seed, each row shows clean | corrupted | reconstructed, first in matplotlib's default
# pseudocolor scaled to each image (which makes small shifts of intensity visible), then in grayscale
# on the true 0-1 scale.

# %%
errors = evaluation.per_sample_mse(reconstructed, test.clean)
examples = {}
for rank, index in evaluation.ranked_examples(errors).items():
    family = corruptions.FAMILIES[test.family_ids[index]].replace("_", " ")
    examples[f"{rank} test\n#{index}, {family}\nMSE {errors[index]:.4f}"] = (
        test.clean[index], test.corrupted[index], reconstructed[index])
index = int(np.random.default_rng(SEED).integers(len(val)))
val_reconstructed = evaluation.reconstruct(model, val.corrupted[index:index + 1])[0]
family = corruptions.FAMILIES[val.family_ids[index]].replace("_", " ")
examples[f"random validation\n#{index}, {family}\nMSE {evaluation.per_sample_mse(val_reconstructed[None], val.clean[index:index + 1])[0]:.4f}"] = (
    val.clean[index], val.corrupted[index], val_reconstructed)
plots.clean_corrupted_reconstructed(examples)
plt.show()

# %% [markdown]
# ## Each corruption family, corrected
#
# Eight test images per family, drawn at random (seeded), with what the final model and the median
# filter make of them.

# %%
rng = np.random.default_rng(SEED)
for family_id, family in enumerate(corruptions.FAMILIES):
    chosen = rng.choice(np.flatnonzero(test.family_ids == family_id), size=8, replace=False)
    plots.family_grid(test.clean[chosen], {"corrupted": test.corrupted[chosen], final_name: reconstructed[chosen],
                                           "median filter": predictions["median filter (3x3)"][chosen]},
                      family.replace("_", " "))
    plt.show()

# %% [markdown]
# ## How the error is distributed
#
# Per-sample MSE on a logarithmic axis, one panel per family: where the final model's histogram lies
# left of the corrupted input's, it corrects.

# %%
plots.error_histograms({name: evaluation.per_sample_mse(predictions[name], test.clean)
                        for name in (final_name, "identity (corrupted input)", "median filter (3x3)")}, test.family_ids)
plt.show()

# %% [markdown]
# The numbers of this notebook, for the discussion that follows (written to `final_evaluation.json`
# in the artifact folder):

# %% tags=["nbval-ignore-output"]
summary = {"profile": setting.profile.name, "final model": FINAL_MODEL, "final name": final_name,
           "collapsed": bool(collapsed), "verdict": reason, "sharpness ratio": float(sharpness),
           "test images": len(test), "classifier epochs": len(reader.history),
           "quality": evaluation.quality_by_method(quality),
           "accuracy": accuracy.to_dict(orient="index")}
training.atomic_write(setting.out_dir / "final_evaluation.json",
                      lambda path: Path(path).write_text(json.dumps(summary, indent=1)))
print(f"final model {FINAL_MODEL}: test MSE {ours['MSE', 'overall']:.4f}, SSIM {ours['SSIM', 'overall']:.3f}, "
      f"accuracy after correction {corrected_acc:.1f}%")
