# %% [markdown]
# # The data
#
# We load the official files, each checked against its published MD5 before use, and carve a seeded
# validation set out of the official training set; the official test set stays untouched until the
# final evaluation.

# %% tags=["parameters"]
PROFILE = "full"  # smoke | quick | full: how much data and training (see the README)
SEED = 0  # seeds the validation split, the corruptions and the training
DATASET = "kmnist"  # kmnist | fashion-mnist: the images corrected (see the README)
DATA_DIR = None  # None: $REPORT_DATA_DIR, else the Keras cache (downloads the official files)

# %%
import hashlib

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from lib import data, notebook, plots, profiles

notebook.configure()

profile = profiles.get_profile(PROFILE)
images, labels = data.load_dataset(DATASET, "train", DATA_DIR)
test_images, test_labels = data.load_dataset(DATASET, "test", DATA_DIR)
classes = data.DATASETS[DATASET]["classes"]
display(Markdown(data.DATASETS[DATASET]["about"]))

# %% [markdown]
# ## Ten classes, one row each

# %%
plots.class_samples(images, labels, classes)
plt.show()

# %% [markdown]
# ## Splits
#
# A tenth of the official training images validate (chosen by the seed); the smaller profiles take the
# first images of each split. The class counts show every split stays balanced.

# %%
splits = profiles.load_splits(PROFILE, SEED, DATASET, DATA_DIR)
counts = pd.DataFrame(
    {name: np.bincount(split.labels, minlength=len(classes)) for name, split in splits.items()},
    index=pd.Index([f"{i}: {c}" for i, c in enumerate(classes)], name="class"),
)
counts.loc["total"] = counts.sum()
sizes = ", ".join(f"{len(split):,} {name}" for name, split in splits.items())
display(
    Markdown(
        f"On the {profile.name} profile the splits hold {sizes} images, drawn from the official "
        f"{len(images):,} training and {len(test_images):,} test images."
    )
)
counts

# %% [markdown]
# The fingerprints below pin the exact images each split uses: if the data, the split or the profile
# change, they change.

# %%
pd.DataFrame(
    {
        name: {
            "images": len(split),
            "sha256 of clean pixels": hashlib.sha256(split.clean.tobytes()).hexdigest()[:16],
            "mean pixel": float(split.clean.mean()),
        }
        for name, split in splits.items()
    }
).T
