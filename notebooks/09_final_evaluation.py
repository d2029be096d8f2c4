# %% [markdown]
# # Final evaluation on the test set
#
# The final model, the one with the lowest validation loss in the comparison, meets the official
# KMNIST test set, corrupted like the training data but with its own seed, for the first time. Every
# number is set beside three baselines scored the same way: the all-black image, the uncorrected input
# (identity), and the mean training image.

# %% tags=["parameters"]
PROFILE = "full"
SEED = 0
DATA_DIR = None
OUTPUT_DIR = None

# %% tags=["nbval-ignore-output", "report-hide-output"]
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

from lib import corruptions, evaluation, models, plots, study

plots.configure_notebook()
setting = study.Setting(PROFILE, SEED, DATA_DIR, OUTPUT_DIR)
results = setting.train(models.MODEL_IDS)
comparison = study.results_table(results, setting.splits["val"])

# %%
FINAL_MODEL = comparison["val loss"].idxmin()
model = results[FINAL_MODEL].model
splits, test, val = setting.splits, setting.splits["test"], setting.splits["val"]
display(Markdown(f"The final model is **model {FINAL_MODEL}**, the lowest validation loss of the {len(comparison)} models "
                 f"({comparison.loc[FINAL_MODEL, 'val loss']:.4f})."))

# %% [markdown]
# ## Test MSE, overall and per corruption family

# %%
reconstructed = evaluation.reconstruct(model, test.corrupted)
predictions = {f"model {FINAL_MODEL}": reconstructed,
               **evaluation.baseline_predictions(test, splits["train"].clean.mean(axis=0))}
table = evaluation.mse_table(predictions, test)
collapsed, reason = evaluation.collapse_verdict(reconstructed, test.clean)
table.round(4)

# %%
ours, identity = table.loc[f"model {FINAL_MODEL}"], table.loc["identity (corrupted input)"]
helped = [family.replace("_", " ") for family in corruptions.FAMILIES if ours[family] < identity[family]]
display(Markdown(
    f"On {len(test):,} test images model {FINAL_MODEL} scores an MSE of **{ours['overall']:.4f}**, against "
    f"{identity['overall']:.4f} for the uncorrected input and {table.loc['all black', 'overall']:.4f} for an "
    f"all-black image. It improves on the corrupted input for "
    f"{', '.join(helped) if helped else 'no corruption family'} "
    f"({len(helped)} of {len(corruptions.FAMILIES)} families). Verdict: {reason}."))

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
