"""A character classifier that judges whether a corrected image is still readable.

MSE rewards a blurry average as much as a sharp character; a classifier trained on clean images asks
instead whether the reconstruction keeps what makes the character recognisable. The network is the
simple Keras CNN of the KMNIST benchmark (two convolutions, max pooling, dropout, a dense layer; the
KMNIST authors report 95.12% test accuracy for it), trained once on the clean training images and cached
like the autoencoders. Unlike the benchmark's Adadelta, it uses Adam (1e-3) with the autoencoders'
early stopping, which reaches the same accuracy in fewer epochs.
"""

from . import training
from .backend import keras

layers = keras.layers

MODEL_ID = "classifier"
# The control: the same reader trained on the corrupted training images. Does correcting help reading more
# than a reader that has learned to read corrupted characters?
CONTROL_ID = "classifier-on-corrupted"
BATCH_SIZE = 128
LEARNING_RATE = 1e-3
LOSS = "sparse_categorical_crossentropy"
MAX_EPOCHS = 12  # the benchmark's epoch count
# Corrupted characters take the control longer to learn than clean ones take the reader: at the benchmark's
# 12 epochs it was still improving (its kept epoch was the last), so it stops by early stopping alone, with
# the autoencoders' room, and is not judged under-trained.
CONTROL_MAX_EPOCHS = 100


def build(classes=10):
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, (3, 3), activation="relu"),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Dropout(0.25),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(classes, activation="softmax"),
        ],
        name=MODEL_ID,
    )


def config_for(seed, max_epochs=None, model_id=MODEL_ID):
    """The classifier's training settings; a profile's ``max_epochs`` can only lower the benchmark's 12
    (the control's ``CONTROL_MAX_EPOCHS``). ``model_id`` names the reader (``MODEL_ID``, or ``CONTROL_ID``
    for the control), with the same settings otherwise."""
    limit = CONTROL_MAX_EPOCHS if model_id == CONTROL_ID else MAX_EPOCHS
    epochs = limit if max_epochs is None else min(max_epochs, limit)
    return training.TrainConfig(model_id, BATCH_SIZE, LEARNING_RATE, epochs, training.PATIENCE, seed, LOSS)


def reader(config, train_split, val_split):
    """The reader as a ``training.Network``, trained on the clean training images and validated on the clean
    validation images; the control (``config.model_id`` is ``CONTROL_ID``): the same network and protocol
    on the corrupted images."""
    on_corrupted = config.model_id == CONTROL_ID
    name = "the reader trained on corrupted images" if on_corrupted else "the reader"
    return training.Network(
        name,
        config,
        build,
        "accuracy",
        labelled_images(train_split, on_corrupted),
        labelled_images(val_split, on_corrupted),
    )


def labelled_images(split, corrupted=False):
    """(inputs, targets) the classifier learns from: clean (or corrupted) images and their labels."""
    return (split.corrupted if corrupted else split.clean)[..., None], split.labels
