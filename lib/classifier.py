"""The character classifiers that judge whether a corrected image is still readable.

MSE rewards a blurry average as much as a sharp character; a classifier trained on clean images asks
instead whether the reconstruction keeps what makes the character recognisable. The network is the
simple Keras CNN of the KMNIST benchmark (two convolutions, max pooling, dropout, a dense layer; the
KMNIST authors report 95.12% test accuracy for it), trained once on the clean training images and cached
like the autoencoders. Unlike the benchmark's Adadelta, it uses Adam (1e-3) with the autoencoders'
early stopping, which reaches the same accuracy in fewer epochs.

Every corrector is chosen by what that reader reads, and one of them is trained to please it; so a second
reader of another architecture judges the same corrections independently: a pre-activation residual network
(``second_reader_network``), the kind the KMNIST benchmark lists (its PreActResNet-18 reads 97.82% of the clean
test set), narrowed to train on one CPU core. It is trained on the clean training images only and is never used
to train, tune or select a corrector.
"""

from . import training
from .backend import keras

layers = keras.layers

MODEL_ID = "classifier"
# The control: the same reader trained on the corrupted training images. Does correcting help reading more
# than a reader that has learned to read corrupted characters?
CONTROL_ID = "classifier-on-corrupted"
SECOND_READER_ID = "second-reader"
BATCH_SIZE = 128
LEARNING_RATE = 1e-3
LOSS = "sparse_categorical_crossentropy"
MAX_EPOCHS = 12  # the benchmark's epoch count
# Corrupted characters take the control longer to learn than clean ones take the reader: at the benchmark's
# 12 epochs it was still improving (its kept epoch was the last), so it stops by early stopping alone, with
# the autoencoders' room, and is not judged under-trained.
CONTROL_MAX_EPOCHS = 100
# The second reader has no benchmark epoch count to keep to: early stopping ends it, within this limit.
SECOND_READER_MAX_EPOCHS = 30
# Its three stages of residual blocks: (maps, blocks) at 28, 14 and 7 pixels. A quarter of PreActResNet-18's
# widths and two blocks a stage, not two to four: about 0.7 M parameters, priced to train on one CPU core in
# about an hour, as much arithmetic per image as the widest U-Net.
SECOND_READER_STAGES = ((32, 2), (64, 2), (128, 2))


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


def preact_block(x, filters, stride, name):
    """A pre-activation residual block (He et al., 2016, "Identity mappings in deep residual networks"):
    batch normalisation and ReLU before each of two 3x3 convolutions, the input added back; where the block
    changes the resolution or the width, a strided 1x1 convolution of the activated input is added instead."""
    activated = layers.ReLU(name=f"{name}_relu1")(layers.BatchNormalization(name=f"{name}_norm1")(x))
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False, name=f"{name}_project")(activated)
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False, name=f"{name}_conv1")(activated)
    y = layers.ReLU(name=f"{name}_relu2")(layers.BatchNormalization(name=f"{name}_norm2")(y))
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv2")(y)
    return layers.Add(name=f"{name}_add")([shortcut, y])


def second_reader_network(classes=10, stages=SECOND_READER_STAGES):
    """The second reader: a 3x3 stem convolution, then per stage of ``stages`` (maps, blocks) its pre-activation
    residual blocks (the first of each stage after the first halves the resolution), then batch normalisation,
    ReLU, global average pooling and a softmax layer. Every layer is named, so that the graph's configuration
    (and with it the cache key) is the same in every process."""
    image = keras.Input((28, 28, 1), name="image")
    x = layers.Conv2D(stages[0][0], 3, padding="same", use_bias=False, name="stem")(image)
    for stage, (filters, blocks) in enumerate(stages):
        for block in range(blocks):
            stride = 2 if stage and not block else 1
            x = preact_block(x, filters, stride, f"stage{stage + 1}_block{block + 1}")
    x = layers.ReLU(name="head_relu")(layers.BatchNormalization(name="head_norm")(x))
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    return keras.Model(image, layers.Dense(classes, activation="softmax", name="classes")(x), name="second_reader")


EPOCH_LIMITS = {MODEL_ID: MAX_EPOCHS, CONTROL_ID: CONTROL_MAX_EPOCHS, SECOND_READER_ID: SECOND_READER_MAX_EPOCHS}


def config_for(seed, max_epochs=None, model_id=MODEL_ID):
    """A reader's training settings; a profile's ``max_epochs`` can only lower the reader's own limit
    (``EPOCH_LIMITS``: the benchmark's 12 for the study's reader). ``model_id`` names the reader (``MODEL_ID``,
    ``CONTROL_ID`` for the control, ``SECOND_READER_ID``), with the same settings otherwise."""
    limit = EPOCH_LIMITS[model_id]
    epochs = limit if max_epochs is None else min(max_epochs, limit)
    return training.TrainConfig(model_id, BATCH_SIZE, LEARNING_RATE, epochs, training.PATIENCE, seed, LOSS)


def reader(config, train_split, val_split):
    """The reader as a ``training.Network``, trained on the clean training images and validated on the clean
    validation images; the control (``config.model_id`` is ``CONTROL_ID``): the same network and protocol
    on the corrupted images; the second reader (``SECOND_READER_ID``): its own network, on the clean images."""
    on_corrupted = config.model_id == CONTROL_ID
    second = config.model_id == SECOND_READER_ID
    name = "the second reader" if second else "the reader trained on corrupted images" if on_corrupted else "the reader"
    return training.Network(
        name,
        config,
        second_reader_network if second else build,
        "accuracy",
        labelled_images(train_split, on_corrupted),
        labelled_images(val_split, on_corrupted),
    )


def labelled_images(split, corrupted=False):
    """(inputs, targets) the classifier learns from: clean (or corrupted) images and their labels."""
    return (split.corrupted if corrupted else split.clean)[..., None], split.labels
