# %% [markdown]
# # Deeper stacks (9-12)
#
# Deepening the convolution stacks (model 10: three convolutions per resolution; model 11: four 16-map
# convolutions) and then the dense funnel (model 12: an extra 10-unit layer on each side) gave the
# seed its best results, 0.0837, 0.0830 and 0.0756 validation loss. Model 12 became the seed's final
# model; its printed summary is reproduced layer for layer below. Model 9 is in the seed's table but
# never described (see its note).

# %% tags=["parameters"]
PROFILE = "full"  # smoke | quick | full (see the README)
SEED = 0
DATA_DIR = None  # None: $REPORT_DATA_DIR, else the Keras cache
OUTPUT_DIR = None  # None: $REPORT_OUTPUT_DIR/<profile>, else artifacts/<profile>

# %%
import pandas as pd

from lib import models, plots, study

plots.configure_notebook()
setting = study.Setting(PROFILE, SEED, DATA_DIR, OUTPUT_DIR)
MODEL_IDS = study.family_ids("deep")

# %% [markdown]
# ## Model 12 against the seed's printed summary

# %%
table = pd.DataFrame(models.layer_table(models.build("12")), columns=["layer", "type", "output shape", "parameters"])
seed = pd.DataFrame(models.SEED_MODEL_12_SUMMARY, columns=["type", "output shape", "parameters"])
table["same as the seed's layer"] = (table[seed.columns] == seed).all(axis=1)
table.set_index("layer")

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
study.show_family(results, setting, "Deeper stacks")
