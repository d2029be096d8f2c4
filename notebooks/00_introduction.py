# %% [markdown]
# # Introduction
#
# An autoencoder learns to copy its input through a narrow bottleneck; trained on corrupted images with
# the clean image as the target, it learns to *correct* them. This report re-creates a course-project
# study of such convolutional autoencoders on Kuzushiji-MNIST (KMNIST), 28x28 images of cursive Japanese
# characters, and goes past it. The seed study built a series of models in five families (a first
# convolutional baseline, a sweep over the width of the bottleneck, deeper stacks, regularised variants
# and light models), trained each on images corrupted by noise, rotation, flips, black patches and
# brightness changes, and chose the one with the lowest validation loss as its final model. It judged
# the result by eye: the corrected characters had the right shape but looked blurry.
#
# This re-creation keeps the seed's models and protocol and adds what a reader needs to trust the
# numbers:
#
# - every model is compared with answers that need no learning: an all-black image, the uncorrected
#   input, the mean training image and a 3x3 median filter; a model that does no better than an empty
#   image is called *collapsed*;
# - the final model is also measured with PSNR and SSIM (which sees the blur that MSE forgives) and by
#   whether a character classifier can still read what it outputs;
# - everything is seeded and cached: the same seed gives the same corrupted data, byte for byte, and
#   the same trained models.
#
# Then it goes where the seed could not. Every one of the seed's models squeezes the image through a
# dense bottleneck of a few units, and what comes out is blurred; a reader may no longer recognise the
# character. A sixth family, U-Nets with skip connections, asks what it takes to correct an image so
# that it can be *read* again: with and without the skips, small and large, with the seed's wished-for
# edge-aware loss. The final evaluation sets the best of the seed's models and the seed's own final
# model 12 beside the best model overall, on
# readability first, at every severity of corruption and on combinations of corruptions never seen in
# training.
#
# The report follows the seed's outline: **Methods** (the data, the corruptions, the training
# protocol), **Results** (each family of models, the U-Nets, then all models beside the seed's own
# table), **Final evaluation** (the test set), and **Discussion**. Every number in the text is computed by
# this build; a rebuild with other results changes the text with them.

# %% tags=["parameters"]
PROFILE = "full"  # smoke | quick | full (see the README)
SEED = 0
DATASET = "kmnist"  # kmnist | fashion-mnist: the images corrected (see the README)

# %%
from IPython.display import Markdown, display

from lib import data, models, paths, profiles, study

seed_best = min(study.SEED_RESULTS, key=lambda model_id: study.SEED_RESULTS[model_id][1])
display(
    Markdown(
        f"The seed's table holds {len(models.SEED_MODEL_IDS)} models in {len(models.SEED_FAMILIES)} families; "
        f"its final model was model {seed_best}, at a validation MSE of {study.SEED_RESULTS[seed_best][1]}. "
        f"This report adds {len(models.MODEL_IDS) - len(models.SEED_MODEL_IDS)} models in one family of its own."
    )
)

# %%
profile = profiles.get_profile(PROFILE)
name, item = data.DATASETS[DATASET]["name"], data.DATASETS[DATASET]["item"]
other_dataset_text = (  # the prose around the numbers speaks of KMNIST
    f" **It corrects {name} images**, not those of Kuzushiji-MNIST, the report's own dataset: the prose was "
    f"written for KMNIST's characters (read *{item}* for *character*), while every number, table and figure is "
    f"computed on {name}."
)
display(
    Markdown(
        f"This build uses the **{profile.name}** profile with seed {SEED}: "
        + (
            "all the official images and each model's own epoch limit with early stopping, the seed's protocol."
            if profile.name == "full"
            else f"at most {profile.n_train:,} training and {profile.n_val:,} validation images and "
            f"{profile.max_epochs} epoch{'s' if profile.max_epochs > 1 else ''} per model. Its numbers show that "
            f"the pipeline works; they are not a verdict on the models (build the full profile for that)."
        )
        + ("" if DATASET == paths.DEFAULT_DATASET else other_dataset_text)
    )
)
