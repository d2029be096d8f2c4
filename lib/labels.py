"""The names of the report's measures and reference methods, as its tables and figures label them: each spelled
here once and used by name everywhere else; and the key each is stored under in the results files."""

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

# What the reader reads besides corrected images: the two ends of the scale, and the two controls that
# answer the corruption without a correcting network
CLEAN = "clean images"
CORRUPTED_TRAINED_READER = "reader trained on corrupted images"
UNDOING_READER = "reader tries flips and turns"  # keeps its most confident reading over flips and turns
UNDOING_BOUND = "any flip or turn read right"  # the bound of that search: right if any of its readings is

# The key the results files store each label under: a label may be reworded for the reader without
# making a published results file unreadable (``results_files`` maps one to the other).
FILE_KEYS = {
    MSE: "mse",
    PSNR: "psnr_db",
    SSIM: "ssim",
    EDGE_CONTRAST: "edge_contrast_pct",
    READ: "read_correctly_pct",
    READ_ON_WORST: "read_correctly_on_worst_family_pct",
    TEST_MSE: "test_mse",
    TRAIN_MSE: "train_mse",
    VAL_MSE: "val_mse",
    VAL_LOSS: "val_loss",
    SEED_TRAIN_LOSS: "seed_train_loss",
    SEED_VAL_LOSS: "seed_val_loss",
    ALL_BLACK: "all_black",
    UNCORRECTED: "uncorrected_input",
    MEAN_IMAGE: "mean_training_image",
    MEDIAN_FILTER: "median_filter_3x3",
    CLEAN: "clean_images",
    CORRUPTED_TRAINED_READER: "reader_trained_on_corrupted_images",
    UNDOING_READER: "reader_tries_flips_and_turns",
    UNDOING_BOUND: "any_flip_or_turn_read_right",
}


def family_text(family):
    """A corruption family (or a pair, "flip + black_patches") as prose and figures name it: "gaussian noise",
    not the key "gaussian_noise"."""
    return family.replace("_", " ")
