# %% [markdown]
# # Baseline convolutional models (0-4)
#
# The seed's first five models are shallow encoder-decoders: a few convolutions with max pooling and
# batch normalisation, dense layers narrowing to one unit, and a decoder of convolutions and upsampling
# layers. Model 1 adds convolutions to model 0, model 2 adds dense layers, model 3 another convolution
# block, and model 4 swaps the decoder's convolutions for transposed ones. What the decoder receives
# differs more than these words suggest: in models 0, 1 and 4 the dense layers see the whole flattened
# map and hand on a single value, but models 2 and 3 have no Flatten, as printed, so their dense layers act
# on each pixel of a 7x7 feature map and the decoder receives a 7x7x1 map, 49 values that keep where
# each part of the character is. Each model below states the size of its code. Several of the
# seed's listings cannot be built as printed; each model below says what was changed to build it, and
# why. The seed reported validation losses of 0.09 to 0.112 for this family.

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
MODEL_IDS = study.family_ids("baseline")

# %% [markdown]
# Each model trains with the protocol above; one trained before with the same architecture, settings and
# data is reused instead of trained again.

# %% tags=["nbval-ignore-output", "report-hide-output"]
results = setting.train(MODEL_IDS)

# %% [markdown]
# ## Each model: what had to be decided

# %%
notebook.describe_family(results)

# %% [markdown]
# ## How they trained
#
# Each model's kept epoch (the one with the lowest validation loss), its training and validation MSE
# there beside the losses the seed reported (for a model with penalties the loss adds them to the MSE),
# and a verdict on collapse: all black, an output that hardly depends on the input, no better than the
# mean training image, or read at chance by the reader. In the MSE curves, the grey lines are what
# trivial answers score on the validation set; a curve that settles on one of them has collapsed.

# %% tags=["nbval-ignore-output"]
notebook.show_family(results, setting, "Baseline convolutional models")
