"""The seed's autoencoders, composed from a few named layer stacks.

Every model maps a (28, 28, 1) image in [0, 1] to a (28, 28, 1) image and is trained with MSE against
the clean image. ``MODELS`` holds each model's builder and its training settings side by side.
"""

from dataclasses import dataclass
from typing import Callable

from ._tensorflow import tensorflow  # noqa: F401  (first, to import it quietly)
import keras  # noqa: E402
from keras import layers  # noqa: E402

INPUT_SHAPE = (28, 28, 1)


def conv_stack(filters, count, transpose=False):
    """``count`` 3x3 'same' ReLU convolutions of ``filters`` maps (transposed ones in a decoder)."""
    conv = layers.Conv2DTranspose if transpose else layers.Conv2D
    return [conv(filters, (3, 3), activation="relu", padding="same") for _ in range(count)]


def downsample():
    """Halve the resolution, then normalise: the seed's MaxPooling2D + BatchNormalization pair."""
    return [layers.MaxPooling2D((2, 2)), layers.BatchNormalization()]


def dense_funnel(widths):
    """Fully connected ReLU layers of the given widths, e.g. narrowing to the bottleneck."""
    return [layers.Dense(width, activation="relu") for width in widths]


def mirrored(widths):
    """The widths a decoder takes to undo a funnel through ``widths``, bottleneck excluded."""
    return list(reversed(widths[:-1]))


def to_image(filters=1):
    """The decoder's last layer: a linear 3x3 transposed convolution, as the seed's output layer."""
    return [layers.Conv2DTranspose(filters, (3, 3), activation="linear", padding="same")]


def deep_funnel_model(encoder_convs, funnel):
    """The seed's deep family (models 10-12): conv stacks, a dense funnel, and its mirror image.

    ``encoder_convs`` is the number of convolutions at full and at half resolution; the dense
    ``funnel`` narrows from the 49 units that reshape to a 7x7 map down to the bottleneck.
    """
    full, half = encoder_convs
    return [
        *conv_stack(32, full), *downsample(),
        *conv_stack(16, half), *downsample(),
        layers.Flatten(),
        *dense_funnel(funnel), *dense_funnel(mirrored(funnel)),
        layers.Reshape((7, 7, 1)), layers.BatchNormalization(),
        layers.UpSampling2D((2, 2)), *conv_stack(16, half, transpose=True), layers.BatchNormalization(),
        layers.UpSampling2D((2, 2)), *conv_stack(32, full, transpose=True),
        *to_image(),
    ]


@dataclass(frozen=True)
class ModelSpec:
    """One model of the study: how to build it, how to train it, and what we had to decide."""

    layers: Callable[[], list]
    batch_size: int = 128
    learning_rate: float = 1e-3
    max_epochs: int = 100
    note: str = ""


MODELS = {
    "12": ModelSpec(
        layers=lambda: deep_funnel_model((3, 4), [49, 40, 30, 20, 10, 8]),
        note=("Built from the seed's 'Final model architecture' summary, which the seed's own listing "
              "contradicts: the summary has four 16-map convolutions on each side and an 8-unit "
              "bottleneck, the listing one convolution and 4 units. The summary is what was trained. "
              "The seed trained its deep models at batch size 512 (its text on model 16); in a trial on "
              "this project's machines model 12 collapsed to an all-black output at 512 and kept "
              "learning at 128, so 128 is used."),
    ),
}
MODEL_IDS = tuple(MODELS)


def spec(model_id):
    """The ``ModelSpec`` of ``model_id``; an unknown id raises ValueError listing the valid ones."""
    if model_id not in MODELS:
        raise ValueError(f"unknown model id {model_id!r}; valid ids: {', '.join(MODEL_IDS)}")
    return MODELS[model_id]


def build(model_id):
    """Return the uncompiled Keras model ``model_id``: input (28, 28, 1), output (28, 28, 1)."""
    return keras.Sequential([keras.Input(INPUT_SHAPE), *spec(model_id).layers()], name=f"model_{model_id}")


def layer_table(model):
    """One row per layer: name, type, output shape and parameter count, as in Keras' summary."""
    return [(layer.name, type(layer).__name__, tuple(layer.output.shape), layer.count_params())
            for layer in model.layers]


# The seed's printed summary of model 12 (section 4), layer by layer: type, output shape, parameters.
SEED_MODEL_12_SUMMARY = (
    ("Conv2D", (None, 28, 28, 32), 320), ("Conv2D", (None, 28, 28, 32), 9248),
    ("Conv2D", (None, 28, 28, 32), 9248), ("MaxPooling2D", (None, 14, 14, 32), 0),
    ("BatchNormalization", (None, 14, 14, 32), 128), ("Conv2D", (None, 14, 14, 16), 4624),
    ("Conv2D", (None, 14, 14, 16), 2320), ("Conv2D", (None, 14, 14, 16), 2320),
    ("Conv2D", (None, 14, 14, 16), 2320), ("MaxPooling2D", (None, 7, 7, 16), 0),
    ("BatchNormalization", (None, 7, 7, 16), 64), ("Flatten", (None, 784), 0),
    ("Dense", (None, 49), 38465), ("Dense", (None, 40), 2000), ("Dense", (None, 30), 1230),
    ("Dense", (None, 20), 620), ("Dense", (None, 10), 210), ("Dense", (None, 8), 88),
    ("Dense", (None, 10), 90), ("Dense", (None, 20), 220), ("Dense", (None, 30), 630),
    ("Dense", (None, 40), 1240), ("Dense", (None, 49), 2009), ("Reshape", (None, 7, 7, 1), 0),
    ("BatchNormalization", (None, 7, 7, 1), 4), ("UpSampling2D", (None, 14, 14, 1), 0),
    ("Conv2DTranspose", (None, 14, 14, 16), 160), ("Conv2DTranspose", (None, 14, 14, 16), 2320),
    ("Conv2DTranspose", (None, 14, 14, 16), 2320), ("Conv2DTranspose", (None, 14, 14, 16), 2320),
    ("BatchNormalization", (None, 14, 14, 16), 64), ("UpSampling2D", (None, 28, 28, 16), 0),
    ("Conv2DTranspose", (None, 28, 28, 32), 4640), ("Conv2DTranspose", (None, 28, 28, 32), 9248),
    ("Conv2DTranspose", (None, 28, 28, 32), 9248), ("Conv2DTranspose", (None, 28, 28, 1), 289),
)
