# %% [markdown]
# # Regularised variants of model 12 (13, 14)
#
# To close the gap between training and validation loss, the seed regularised model 12: an L2 kernel
# penalty of 0.001 on the first and last convolution (model 13), and dropout of 0.1 at both ends
# (model 14). Both closed the gap, and both validated worse than model 12 (0.0788 and 0.0758).

# %% tags=["parameters"]
PROFILE = "full"  # smoke | quick | full (see the README)
SEED = 0
DATA_DIR = None  # None: $REPORT_DATA_DIR, else the Keras cache
OUTPUT_DIR = None  # None: $REPORT_OUTPUT_DIR/<profile>, else artifacts/<profile>

# %%
from lib import plots, study

plots.configure_notebook()
setting = study.Setting(PROFILE, SEED, DATA_DIR, OUTPUT_DIR)
MODEL_IDS = study.family_ids("regularised")

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
study.show_family(results, setting, "Regularised variants of model 12")
