# %% [markdown]
# # Beyond the seed: U-Nets
#
# Every model of the seed passes the image through a narrow code and rebuilds it from that code alone:
# 1 to 32 values from a dense layer, or in models 2 and 3 a 7x7x1 map (49 values, their dense layers
# acting on each pixel of a feature map). A stroke's exact course does not fit through so few numbers, so the decoder
# paints a plausible average: the blur the seed saw. A U-Net (Ronneberger et al., 2015) keeps the
# encoder's feature maps and hands them to the decoder at the same resolution (*skip connections*): the
# network only has to learn what to change, not how to redraw the whole character.
#
# Four variants, each answering one question:
#
# - **model 20**, a small U-Net (16, 32 and 64 maps) with about as many parameters as the seed's
#   final model 12, sized for the full profile on a 2-core CPU;
# - **model 21**, the same without skip connections: how much do the skips matter?
# - **model 22**, model 20 trained on MSE plus an edge term (the seed's wish, see the training
#   protocol): does an edge-aware loss make sharper, more readable characters?
# - **model 23**, model 20 at twice the width, four times the arithmetic (accelerator-sized): how much
#   does size buy?
#
# They are trained under the seed's protocol and cached like the rest, and join the results table and
# the ranking. They are compared on validation MSE like every other model; the final evaluation then
# asks whether a reader can recognise what they output.

# %% tags=["parameters"]
PROFILE = "full"  # smoke | quick | full (see the README)
SEED = 0
DATASET = "kmnist"  # kmnist | fashion-mnist: the images corrected (see the README)
DATA_DIR = None  # None: $REPORT_DATA_DIR, else the Keras cache
OUTPUT_DIR = None  # None: $REPORT_OUTPUT_DIR/<profile>, else artifacts/<profile>

# %%
import pandas as pd

from lib import models, notebook, study

notebook.configure()
setting = study.Setting(PROFILE, SEED, DATA_DIR, OUTPUT_DIR, DATASET)
MODEL_IDS = study.family_ids("u-net")

# %% tags=["nbval-ignore-output", "report-hide-output"]
results = setting.train(MODEL_IDS)

# %% [markdown]
# ## Each model: what it asks

# %%
notebook.describe_family(results)

# %% [markdown]
# Model 20 layer by layer: the `skip` layers concatenate the decoder's upsampled maps with the
# encoder's maps of the same size.

# %%
pd.DataFrame(
    models.layer_table(results["20"].model), columns=["layer", "type", "output shape", "parameters"]
).set_index("layer")

# %% [markdown]
# ## How they trained
#
# As for the seed's families: the kept epoch, the training and validation MSE there (model 22's own
# loss adds its edge term; its MSE is what is shown), a verdict on collapse, and the MSE curves against
# the validation MSE of the trivial answers.

# %% tags=["nbval-ignore-output"]
notebook.show_family(results, setting, "U-Nets")
