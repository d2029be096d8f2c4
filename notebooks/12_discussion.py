# %% [markdown]
# # Discussion
#
# What the numbers of this build say about the seed's own questions (does deeper help, which bottleneck
# is best, does regularisation matter, how blurry are the corrections, are the corrected characters
# still readable) and about this report's own: which design choices make a character readable again.
# It reads the numbers the comparison and the final evaluation computed.

# %% tags=["parameters"]
PROFILE = "full"
SEED = 0
DATASET = "kmnist"  # kmnist | fashion-mnist: the images corrected (see the README)
DATA_DIR = None
OUTPUT_DIR = None

# %% tags=["nbval-ignore-output", "report-hide-output"]
from IPython.display import Markdown, display

from lib import data, discussion, notebook, results_files, study

notebook.configure()
setting = study.Setting(PROFILE, SEED, DATA_DIR, OUTPUT_DIR, DATASET)
table, final = results_files.read_table(setting.out_dir), results_files.read_final(setting.out_dir)
discussed = discussion.Discussion(table, final, setting.val_baselines, PROFILE)

# %% tags=["nbval-ignore-output"]
display(Markdown(discussed.profile_text()))

# %% [markdown]
# ## How large a difference must be
#
# A second training run of the same network lands elsewhere. The study measures how far with its own
# repeated runs: one network of each of the seed's families trained three times with seeds one apart, and
# the best U-Net trained three times (the final evaluation's table of noise per family). A difference
# between two models no larger than the noise of their
# families (the larger of the two) is *within noise*; a difference in readability must also pass McNemar's
# test over the same test images (p < 0.05).

# %% tags=["nbval-ignore-output"]
display(Markdown(discussed.noise_text()))

# %% [markdown]
# ## Depth, bottleneck and regularisation
#
# The best validation MSE reached in each family (the U-Nets beyond the seed included), beside the
# seed's best validation loss, and how many of its models collapsed or beat the uncorrected input, both
# judged on the validation images. The families are the seed's: model 9 counts among the deep stacks,
# where the seed lists it, though its network is model 5's.

# %% tags=["nbval-ignore-output"]
notebook.with_seed_blanks(discussed.families, ["seed best val loss"])

# %% tags=["nbval-ignore-output"]
display(Markdown(discussed.design_text()))

# %% [markdown]
# ## What the decoder receives
#
# Models 2 and 3 are printed without a Flatten before their dense layers, so those layers act on each
# pixel of a 7x7 feature map: their decoder receives a 7x7x1 map, 49 values that keep where each part of
# the character is, while the other seed models hand their decoder 1 to 32 values with no place in them.

# %% tags=["nbval-ignore-output"]
display(Markdown(discussed.spatial_code_text()))

# %% [markdown]
# ## Collapsed models, here and in the seed
#
# An all-black output scores the mean of the squared clean pixels. The seed's worst models sit on that
# level, which suggests they had collapsed without the seed noticing.

# %% tags=["nbval-ignore-output"]
display(Markdown(discussed.collapse_text()))

# %% [markdown]
# ## Blur, measured
#
# The seed saw that its corrected characters "look fuzzy, like a Gaussian blur" and blamed the MSE
# loss, which rewards a grey compromise over a sharp edge in the wrong place. SSIM and the edge
# contrast measure it, for the best of the seed's models and for the best model overall.

# %% tags=["nbval-ignore-output"]
display(Markdown(discussed.blur_text()))

# %% [markdown]
# ## Readable after correction? Which design choices restored it
#
# MSE alone cannot say whether a correction helps a reader. Each comparison below names everything that
# differs between its two models, and judges the difference in readability against the noise above: it
# must exceed the readability noise of the models it compares and pass McNemar's test over the same test
# images.

# %% tags=["nbval-ignore-output"]
display(Markdown(discussed.readability_text()))

# %% [markdown]
# ## The controls
#
# Does correcting help a reader more than reading differently? The final evaluation set the corrections
# beside a reader trained on corrupted images and a reader that tries flips and turns.

# %% tags=["nbval-ignore-output"]
display(Markdown(discussed.controls_text()))

# %% [markdown]
# ## Robustness
#
# Trained at severity 3 only, how do the models fare at other severities, and on two corruptions at once?

# %% tags=["nbval-ignore-output"]
display(Markdown(discussed.robustness_text()))

# %% [markdown]
# ## Against an earlier run
#
# Before this study was published, an earlier version of this code trained the seed's 21 models and
# the reader on the full profile on a GPU. Its numbers are a check from outside this build: a difference
# larger than the study's own run-to-run spread needs a reason, and what changed in the code since
# (below the table) gives it.

# %% tags=["nbval-ignore-output"]
display(Markdown(discussed.earlier_text()), discussed.earlier_table())

# %% [markdown]
# **What changed since.** The earlier run's data, corruptions, split, training settings, seeds and the
# architectures of models 0, 3, 4 and 12 and of the reader are this build's own: each network's cache
# key, which hashes all of them, is the same then and now. What differs is where the networks trained,
# and one rule:
#
# - **The backend and the device.** The earlier run trained with JAX on one NVIDIA H100; the published
#   study trains with TensorFlow on a CPU. Keras draws initial weights and dropout masks through each
#   backend's own random generator, so the same seed is another draw on another backend; and JAX
#   computes float32 convolutions on such a GPU in TensorFloat-32 by default, with 10 bits of mantissa
#   where the CPU keeps 23. A change of backend is a change of seed at least: its differences are
#   judged against the spread between seeds above.
# - **The collapse rule.** The earlier run called a model collapsed when it scored within 95% of the
#   all-black image or its outputs barely varied; this build also calls collapsed a model no better
#   than 95% of the mean training image, or one whose outputs the reader reads at chance (15% or less).
#   Its list of collapsed models can be longer for that reason alone. A model collapsed here to a
#   constant output fails a rule both share: that difference is the training's. The seed's light
#   models end close to the mean training image's MSE (see their family above), where another draw of
#   initial weights can tip a run either way.
#
# The Spearman correlation has no measured spread, but it moves easily: many of the seed's models lie
# within noise of one another (the ranking above), where another run reorders them.
#
# Each difference with a measured spread is judged against the noise of its own family (the final
# evaluation's table of noise per family). The earlier run's accuracy after model 12 was measured outside
# the code that built it, which scored only the best model on the test set; how it was measured cannot
# be checked, so a difference there beyond noise may be the measurement's as much as the network's: this
# build's model 12 is the one the final evaluation scores.

# %% [markdown]
# ## What this build cannot say
#
# Every model but the families' representatives and the best U-Net was trained once: its own run-to-run
# noise is taken to be its family's, measured on one network of that family with three runs, a rough
# measure rather than a precise one. A difference called within noise may still be real, and one called
# beyond it rests on that rough measure. Only the full profile repeats the seed's protocol; a build on
# another profile trains on a fraction of the data for a few epochs and ranks its models provisionally.
#
# # Data and attribution

# %%
display(
    Markdown(
        f"This report uses {data.DATASETS[DATASET]['attribution']} The study it re-creates is a course project "
        "by Sebastian Scholl, Clemens Berger and Philipp Temmel. The code that built this report, and rebuilds "
        "it with one command, is published with it."
    )
)
