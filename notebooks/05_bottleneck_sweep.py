# %% [markdown]
# # The bottleneck-width sweep (5-8.1)
#
# With the structure fixed (two convolutions per resolution, a dense funnel 49-40-30-20 and its mirror),
# the seed varied only the number of units in the bottleneck, from 3 to 7. It found 4 units (model 5)
# best, with a validation loss of 0.0865, and 7 units (model 7) worst at 0.1561, and kept 4 units for
# the models that followed.

# %% tags=["parameters"]
PROFILE = "full"  # smoke | quick | full (see the README)
SEED = 0
DATA_DIR = None  # None: $REPORT_DATA_DIR, else the Keras cache
OUTPUT_DIR = None  # None: $REPORT_OUTPUT_DIR/<profile>, else artifacts/<profile>

# %%
from lib import plots, study

plots.configure_notebook()
setting = study.Setting(PROFILE, SEED, DATA_DIR, OUTPUT_DIR)
MODEL_IDS = study.family_ids("sweep")

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
# Each model's kept epoch (the one with the lowest validation loss), its training and validation MSE
# there beside the losses the seed reported (for a model with penalties the loss adds them to the MSE),
# and a verdict on collapse: all black, an output that hardly depends on the input, no better than the
# mean training image, or read at chance by the reader. In the MSE curves, the grey lines are what
# trivial answers score on the validation set; a curve that settles on one of them has collapsed.

# %% tags=["nbval-ignore-output"]
study.show_family(results, setting, "The bottleneck-width sweep")
