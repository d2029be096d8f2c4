# %% [markdown]
# # Baseline convolutional models (0-4)
#
# The seed's first five models are shallow encoder-decoders: a few convolutions with max pooling and
# batch normalisation, a dense bottleneck of a single unit, and a decoder of convolutions and
# upsampling layers. Model 1 adds convolutions to model 0, model 2 adds dense layers, model 3 another
# convolution block, and model 4 swaps the decoder's convolutions for transposed ones. Several of the
# seed's listings cannot be built as printed; each model below says what was changed to build it, and
# why. The seed reported validation losses of 0.09 to 0.112 for this family.

# %% tags=["parameters"]
PROFILE = "full"  # smoke | quick | full (see the README)
SEED = 0
DATA_DIR = None  # None: $REPORT_DATA_DIR, else the Keras cache
OUTPUT_DIR = None  # None: $REPORT_OUTPUT_DIR/<profile>, else artifacts/<profile>

# %%
from lib import plots, study

plots.configure_notebook()
setting = study.Setting(PROFILE, SEED, DATA_DIR, OUTPUT_DIR)
MODEL_IDS = study.family_ids("baseline")

# %% [markdown]
# Training prints one line per epoch here in the notebook (the report leaves the log out). A model
# trained before with the same architecture, settings and data is loaded from the artifact cache instead.

# %% tags=["nbval-ignore-output", "report-hide-output"]
results = setting.train(MODEL_IDS)

# %% [markdown]
# ## Each model: what had to be decided

# %%
study.describe_family(results)

# %% [markdown]
# ## How they trained
#
# Each model's kept epoch (the one with the lowest validation loss), its losses there beside the seed's,
# and a verdict on collapse. In the loss curves, the grey lines are what trivial answers score on the
# validation set. A curve that settles on the all-black line has collapsed: the network outputs an empty
# image whatever it is shown.

# %% tags=["nbval-ignore-output"]
study.show_family(results, setting, "Baseline convolutional models")
