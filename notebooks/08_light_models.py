# %% [markdown]
# # Light models (15-19)
#
# A different, fast approach: pool right after the first convolution, one dense layer of 128 units, a
# small bottleneck, he_uniform initialisation, activity penalties and dropout whose rate is itself drawn
# at random. The seed varied the bottleneck (4, 8, 16, 32 units; models 15-18, from model 16 on at batch
# size 32) and, in model 19, replaced the regularisers by batch normalisation. Its losses for 15-18,
# 0.142 to 0.163, sit at the all-black level: read them with the collapse verdicts below.

# %% tags=["parameters"]
PROFILE = "full"  # smoke | quick | full (see the README)
SEED = 0
DATA_DIR = None  # None: $REPORT_DATA_DIR, else the Keras cache
OUTPUT_DIR = None  # None: $REPORT_OUTPUT_DIR/<profile>, else artifacts/<profile>

# %%
from lib import plots, study

plots.configure_notebook()
setting = study.Setting(PROFILE, SEED, DATA_DIR, OUTPUT_DIR)
MODEL_IDS = study.family_ids("light")

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
study.show_family(results, setting, "Light models")
