"""The names of the report's measures and reference methods, as its tables, figures and results files label
them: each spelled here once and used by name everywhere else."""

# Measures of a correction
MSE, PSNR, SSIM = "MSE", "PSNR (dB)", "SSIM"
EDGE_CONTRAST = "edge contrast (%)"  # the mean neighbouring-pixel difference, as a share of the clean images'
READ = "read correctly (%)"  # the reader's accuracy on the images
READ_ON_WORST = "read correctly there (%)"  # the same, on the family where it is lowest
TEST_MSE = "test MSE"

# How a model trained, at its kept epoch
TRAIN_MSE, VAL_MSE = "train MSE", "val MSE"
VAL_LOSS = "val loss"  # what early stopping watched: the MSE, plus a model's penalties or edge term
SEED_TRAIN_LOSS, SEED_VAL_LOSS = "seed train loss", "seed val loss"  # the losses the seed printed

# The baselines: what trivial methods output for every image
ALL_BLACK = "all black"
UNCORRECTED = "uncorrected input"  # the identity: the corrupted input handed back unchanged
MEAN_IMAGE = "mean training image"
MEDIAN_FILTER = "median filter (3x3)"
