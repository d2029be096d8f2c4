# %% [markdown]
# # Regularised variants of model 12 (13, 14)
#
# To close the gap between training and validation loss, the seed regularised model 12: an L2 kernel
# penalty of 0.001 on the first and last convolution (model 13), and dropout of 0.1 at both ends
# (model 14). Both closed the gap, and both validated worse than model 12 (0.0788 and 0.0758).

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
MODEL_IDS = study.family_ids("regularised")

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
notebook.show_family(results, setting, "Regularised variants of model 12")
