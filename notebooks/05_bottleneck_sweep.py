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
DATASET = "kmnist"  # kmnist | fashion-mnist: the images corrected (see the README)
DATA_DIR = None  # None: $REPORT_DATA_DIR, else the Keras cache
OUTPUT_DIR = None  # None: $REPORT_OUTPUT_DIR/<profile>, else artifacts/<profile>

# %%
from lib import notebook, study

notebook.configure()
setting = study.Setting(PROFILE, SEED, DATA_DIR, OUTPUT_DIR, DATASET)
MODEL_IDS = study.family_ids("sweep")

# %% tags=["nbval-ignore-output", "report-hide-output"]
results = setting.train(MODEL_IDS)

# %% [markdown]
# ## Each model: what had to be decided

# %%
notebook.describe_family(results)

# %% [markdown]
# ## How they trained
#
# As for the baseline models: the kept epoch, the MSE there beside the seed's losses, the verdict on
# collapse, and the MSE curves against what trivial answers score.

# %% tags=["nbval-ignore-output"]
notebook.show_family(results, setting, "The bottleneck-width sweep")
