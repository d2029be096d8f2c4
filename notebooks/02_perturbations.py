# %% [markdown]
# # Corruptions
#
# The seed corrupted its images with five families: gaussian noise, rotation, flips, black patches and
# brightness changes. Here each family is one small function, applied to whole batches with a seeded
# generator; image *i* gets family *i* mod 5, the seed's balanced scheme, so every
# family is a fifth of every split. The network sees the corrupted image and must return the clean one.

# %% tags=["parameters"]
PROFILE = "full"
SEED = 0
DATASET = "kmnist"  # kmnist | fashion-mnist: the images corrected (see the README)
DATA_DIR = None

# %%
import hashlib

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from lib import corruptions, evaluation, labels, notebook, plots, profiles

notebook.configure()

splits = profiles.load_splits(PROFILE, SEED, DATASET, DATA_DIR)
train = splits["train"]

# %% [markdown]
# ## What each family does

# %%
plots.corruption_examples(train.clean, train.corrupted, train.family_ids)
plt.show()

# %% [markdown]
# ## How much each family damages the image
#
# The MSE between corrupted and clean image is the *identity* baseline: what a model scores that hands
# its input back unchanged. The all-black image (MSE = mean of x squared) is the other bound: a network
# that outputs nothing scores it. Measured here on the training images; the validation and test images,
# corrupted alike with their own seeds, give their own values of both (the results name them).

# %%
table = pd.DataFrame(
    {
        name: evaluation.by_family(evaluation.per_sample_mse(outputs, train.clean), train.family_ids)
        for name, outputs in {labels.UNCORRECTED: train.corrupted, labels.ALL_BLACK: 0 * train.clean}.items()
    }
)
table["images"] = [len(train)] + [int((train.family_ids == i).sum()) for i in range(len(corruptions.FAMILIES))]
notebook.worded(table.rename_axis("training images"))

# %%
display(Markdown(notebook.corruption_cost_text(table)))

# %% [markdown]
# The corrupted data is a pure function of the images and the seed. Its fingerprints, computed here,
# change if and only if the corruptions do:

# %%
pd.Series(
    {name: hashlib.sha256(split.corrupted.tobytes()).hexdigest()[:16] for name, split in splits.items()},
    name="sha256 of corrupted pixels",
).to_frame()
