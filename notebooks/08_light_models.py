# %% [markdown]
# # Light models (15-19)
#
# A different, fast approach: pool right after the first convolution, one dense layer of 128 units, a
# small bottleneck, He-uniform initialisation, activity penalties and dropout whose rate is itself drawn
# at random. The seed varied the bottleneck (4, 8, 16, 32 units; models 15-18, from model 16 on at batch
# size 32) and, in model 19, replaced the regularisers by batch normalisation. Its losses for 15-18,
# 0.142 to 0.163, sit at the all-black level: read them with the collapse verdicts below.

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
MODEL_IDS = study.family_ids("light")

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
notebook.show_family(results, setting, "Light models")
