"""The seed's autoencoders, composed from a few named layer stacks, and the project's U-Nets beyond them.

Every model maps a (28, 28, 1) image in [0, 1] to a (28, 28, 1) image and is trained against the clean
image (with MSE, unless its spec names another loss). ``MODELS`` holds each model's builder and its
training settings side by side.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .backend import keras

layers = keras.layers

INPUT_SHAPE = (28, 28, 1)


# --- building blocks -------------------------------------------------------------------------------


def conv(filters, kernel=3, transpose=False, activation="relu", **options):
    """One 'same'-padded convolution (transposed in a decoder): the seed's default layer."""
    layer = layers.Conv2DTranspose if transpose else layers.Conv2D
    return layer(filters, (kernel, kernel), activation=activation, padding="same", **options)


def conv_stack(filters, count, kernel=3, transpose=False):
    """``count`` ReLU convolutions of ``filters`` maps."""
    return [conv(filters, kernel, transpose) for _ in range(count)]


def downsample():
    """Halve the resolution, then normalise: the seed's MaxPooling2D + BatchNormalization pair."""
    return [layers.MaxPooling2D((2, 2)), layers.BatchNormalization()]


def upsample(factor=2):
    return layers.UpSampling2D((factor, factor))


def dense_funnel(widths, **options):
    """Fully connected ReLU layers of the given widths, e.g. narrowing to the bottleneck."""
    return [layers.Dense(width, activation="relu", **options) for width in widths]


def mirrored(widths):
    """The widths a decoder takes to undo a funnel through ``widths``, bottleneck excluded."""
    return list(reversed(widths[:-1]))


def to_image(activation="linear", **options):
    """The decoder's last layer: a 3x3 transposed convolution to one channel."""
    return conv(1, transpose=True, activation=activation, **options)


# --- baseline convolutional family (models 0-4), as printed except where noted --------------------


def baseline_0():
    return [
        conv(32),
        *downsample(),
        conv(32),
        *downsample(),
        layers.BatchNormalization(),
        layers.Flatten(),
        *dense_funnel([1, 4]),
        layers.Reshape((2, 2, 1)),
        conv(4, 2),
        layers.BatchNormalization(),
        upsample(7),
        *[layers.BatchNormalization() for _ in range(3)],
        upsample(2),
        conv(1),
    ]


def baseline_1():
    return [
        *conv_stack(32, 2),
        *downsample(),
        *conv_stack(32, 2),
        layers.BatchNormalization(),
        layers.Flatten(),
        *dense_funnel([1, 4]),
        layers.Reshape((2, 2, 1)),
        conv(4, 2),
        conv(16, 2),
        upsample(7),
        *conv_stack(32, 2),
        layers.BatchNormalization(),
        layers.BatchNormalization(),
        conv(32),
        upsample(2),
        conv(32),
        conv(1),
    ]


def baseline_2():
    return [
        *conv_stack(32, 2),
        *downsample(),
        *conv_stack(32, 2),
        *downsample(),
        *dense_funnel([256, 64, 8, 1]),
        conv(4, 2),
        conv(16, 2),
        *conv_stack(32, 2),
        upsample(2),
        upsample(2),
        conv(32),
        conv(1),
    ]


def baseline_3():
    return [
        *conv_stack(32, 2),
        *downsample(),
        *conv_stack(32, 2),
        layers.MaxPooling2D((2, 2)),
        *conv_stack(64, 2),
        layers.BatchNormalization(),
        layers.BatchNormalization(),
        *dense_funnel([64, 64, 1]),
        conv(64, 2),
        *conv_stack(16, 3, kernel=2),
        conv(16),
        conv(64),
        upsample(2),
        upsample(2),
        conv(32),
        conv(1),
    ]


def baseline_4():
    pool = layers.MaxPooling2D
    return [
        conv(32),
        pool((2, 2)),
        pool((2, 2)),
        *conv_stack(32, 2),
        pool((2, 2)),
        pool((2, 2)),
        layers.BatchNormalization(),
        *dense_funnel([256, 64, 64, 1]),
        conv(4, 2, transpose=True),
        conv(16, 2, transpose=True),
        upsample(7),
        *conv_stack(32, 3, transpose=True),
        upsample(2),
        upsample(2),
        *conv_stack(32, 2),
        *conv_stack(1, 3),
    ]


# --- deep funnel family (models 5-14) -------------------------------------------------------------


def deep_funnel(encoder_convs, funnel, outer_l2=0.0, outer_dropout=0.0):
    """Conv stacks at full and half resolution, a dense funnel to the bottleneck, and its mirror image.

    ``encoder_convs`` counts the convolutions at full and at half resolution; the ``funnel`` narrows
    from the 49 units that reshape to a 7x7 map down to the bottleneck. ``outer_l2`` puts an L2 kernel
    penalty on the first and the last convolution; ``outer_dropout`` adds dropout at both ends.
    """
    full, half = encoder_convs
    penalty = {"kernel_regularizer": keras.regularizers.L2(outer_l2)} if outer_l2 else {}
    dropout = [layers.Dropout(outer_dropout)] if outer_dropout else []
    return [
        *dropout,
        conv(32, **penalty),
        *conv_stack(32, full - 1),
        *downsample(),
        *conv_stack(16, half),
        *downsample(),
        layers.Flatten(),
        *dense_funnel(funnel),
        *dense_funnel(mirrored(funnel)),
        layers.Reshape((7, 7, 1)),
        layers.BatchNormalization(),
        upsample(),
        *conv_stack(16, half, transpose=True),
        layers.BatchNormalization(),
        upsample(),
        *conv_stack(32, full, transpose=True),
        *dropout,
        to_image(**penalty),
    ]


def sweep(latent):
    """Models 5-8.1: the seed's fixed structure with ``latent`` bottleneck units."""
    return deep_funnel((2, 2), [49, 40, 30, 20, latent])


MODEL_12_FUNNEL = [49, 40, 30, 20, 10, 8]


# --- light family (models 15-19) ------------------------------------------------------------------

ACTIVITY_PENALTY = 1e-5  # the seed's ``weight_regularizer`` is used but never defined


def light(latent, model_id, batch_norm=False):
    """The seed's fast models: two 32-map convolutions with pooling, a 128-unit dense layer, a small
    bottleneck, a 49-unit dense layer back to 7x7, and two transposed convolutions, he_uniform
    initialised. Regularised by activity penalties and dropout (models 15-18), or by batch
    normalisation after each pooling layer with dropout only on the dense layers (model 19).

    The seed draws each convolutional dropout rate from a normal distribution (mean 0.2, sd 0.05)
    when the model is built; here that draw is seeded by the model id, so the architecture is fixed.
    """
    rates = iter(np.random.default_rng(int(float(model_id) * 10)).normal(0.2, 0.05, size=4).clip(0.0, 0.9))
    penalty = {} if batch_norm else {"activity_regularizer": keras.regularizers.L2(ACTIVITY_PENALTY)}
    init = {"kernel_initializer": "he_uniform", **penalty}

    def after_pooling():
        return [layers.BatchNormalization()] if batch_norm else [layers.Dropout(next(rates))]

    def after_conv():
        return [] if batch_norm else [layers.Dropout(next(rates))]

    return [
        # As printed: no activation on the convolutions, and 'valid' padding on the first one.
        layers.Conv2D(32, (3, 3), **init),
        layers.MaxPooling2D((2, 2), padding="same"),
        *after_pooling(),
        layers.Conv2D(32, (3, 3), padding="same", **init),
        layers.MaxPooling2D((2, 2), padding="same"),
        *after_pooling(),
        layers.Flatten(),
        *dense_funnel([128], **penalty),
        layers.Dropout(0.5),
        layers.Dense(latent, activation="relu"),
        *dense_funnel([49], **penalty),
        layers.Dropout(0.5),
        layers.Reshape((7, 7, 1)),
        upsample(),
        layers.Conv2DTranspose(32, (3, 3), padding="same", **init),
        *after_conv(),
        upsample(),
        layers.Conv2DTranspose(1, (3, 3), padding="same", **init),
        *after_conv(),
    ]


# --- the seed's Fashion-MNIST model: beyond the seed's table --------------------------------------


def shallow(latent):
    """The network the seed's discussion says sufficed on Fashion-MNIST: "2 layers of conv2d layers and two dense
    layers". Two 32-map convolutions, each followed by the seed's pooling and batch normalisation, a bottleneck of
    ``latent`` units and a 49-unit dense layer back to a 7x7 map; the decoder mirrors the encoder with transposed
    convolutions, the last of which gives the image."""
    return [
        conv(32),
        *downsample(),
        conv(32),
        *downsample(),
        layers.Flatten(),
        *dense_funnel([latent, 49]),
        layers.Reshape((7, 7, 1)),
        upsample(),
        conv(32, transpose=True),
        upsample(),
        to_image(),
    ]


# --- U-Net family (models 20-23): beyond the seed -------------------------------------------------


def conv_pair(x, filters, name):
    """Two ReLU 3x3 convolutions at one resolution, the U-Net's unit of work."""
    for index in (1, 2):
        x = conv(filters, name=f"{name}_conv{index}")(x)
    return x


def u_net(width=16, skips=True):
    """A U-Net (Ronneberger et al., 2015) sized for 28x28 images: a pair of convolutions at 28, 14 and 7
    pixels (``width``, 2 x ``width`` and 4 x ``width`` maps); the decoder doubles the resolution with a
    stride-2 transposed convolution and, with ``skips``, concatenates the encoder's features of the same
    resolution before its own pair. No dense bottleneck: the code is a 7x7 map of 4 x ``width`` channels.
    A linear 1x1 convolution outputs the image, as the seed's models end linearly: with a sigmoid there,
    models 20, 21 and 23 collapsed to an all-black output within the first epoch on the quick profile
    (the sigmoid saturates at 0, where it passes no gradient), while the linear output learned.

    Returns the function from the input tensor to the output; every layer is named, so the graph's
    configuration (and with it the cache key) is the same in every process.
    """

    def network(image):
        features = {28: conv_pair(image, width, "down28")}
        features[14] = conv_pair(layers.MaxPooling2D(name="pool28")(features[28]), 2 * width, "down14")
        x = conv_pair(layers.MaxPooling2D(name="pool14")(features[14]), 4 * width, "bottom7")
        for size, filters in ((14, 2 * width), (28, width)):
            x = conv(filters, 2, transpose=True, strides=2, name=f"up{size}")(x)
            if skips:
                x = layers.Concatenate(name=f"skip{size}")([x, features[size]])
            x = conv_pair(x, filters, f"decode{size}")
        return conv(1, 1, activation="linear", name="to_image")(x)

    return network


# --- the study ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSpec:
    """One model of the study: its family, how to build it, how to train it, what we had to decide."""

    family: str
    layers: Callable[[], list] | None = None  # a plain stack of layers (the seed's models) ...
    network: Callable | None = None  # ... or a function from input to output tensor (skip connections)
    loss: str = "mse"  # Keras' name of a loss, or one of ``losses.LOSSES``
    accelerator_sized: bool = False  # priced for an accelerator: the costliest network per epoch on a CPU
    batch_size: int = 128
    learning_rate: float = 1e-3
    max_epochs: int = 100
    seed_offset: int = 0  # added to the run's seed: a second run of an architecture needs its own
    note: str = ""


SEED_FAMILIES = ("baseline", "sweep", "deep", "regularised", "light")
MODEL_FAMILIES = (*SEED_FAMILIES, "u-net")  # one notebook each, in this order

MODELS = {
    "0": ModelSpec(
        "baseline",
        baseline_0,
        note=(
            "As printed, two UpSampling2D((7, 7)) and two UpSampling2D((2, 2)) would grow the 2x2 map to "
            "392x392. One of each is kept (2 -> 14 -> 28), the smallest change that meets 28x28."
        ),
    ),
    "1": ModelSpec(
        "baseline",
        baseline_1,
        note=(
            "As printed, Reshape((2, 2, 1)) follows a 1-unit Dense layer and cannot build; model 0's "
            "Dense(4) is put back before it. The last layer printed with 12 maps has 1, to output an image."
        ),
    ),
    "2": ModelSpec(
        "baseline",
        baseline_2,
        note=(
            "The encoder has no Flatten, so its dense layers act on each pixel of the 7x7 map, as printed. "
            "Of the printed 2 x UpSampling2D((7, 7)) and 3 x UpSampling2D((2, 2)) only two of the latter are "
            "kept (7 -> 14 -> 28), and a 1-map output convolution (ReLU, as in models 0 and 1) is added "
            "after the printed last layer, which has 32 maps."
        ),
    ),
    "3": ModelSpec(
        "baseline",
        baseline_3,
        note=(
            "The seed's listing is cut off mid-line. The first decoder convolution gets padding='same' "
            "(valid padding would make the map 6x6), the printed kernel (2, 2, 2) is read as (2, 2), and "
            "after the cut the decoder ends as model 2's does (upsample twice to 28x28, a 32-map and a 1-map "
            "convolution). Like model 2 it has no Flatten, so its code is the whole 7x7 map (49 values), not a "
            "bottleneck of one value: read as printed, models 2 and 3 pass far more to their decoders than the "
            "seed's other models, which is why they correct so much better here. The seed's own losses for "
            "them (0.091 and 0.109, no better than model 1's 0.09) give no sign that it ran such models."
        ),
    ),
    "4": ModelSpec(
        "baseline",
        baseline_4,
        note=(
            "As printed the encoder pools 28 -> 1 and the decoder would grow 1 -> 49 -> 784. One "
            "UpSampling2D((7, 7)) and two UpSampling2D((2, 2)) are kept (1 -> 7 -> 28)."
        ),
    ),
    "5": ModelSpec("sweep", lambda: sweep(4), note="The sweep's printed structure with a 4-unit bottleneck."),
    "6": ModelSpec("sweep", lambda: sweep(3), note="The sweep's printed structure with a 3-unit bottleneck."),
    "7": ModelSpec("sweep", lambda: sweep(7), note="The sweep's printed structure, as printed (7 units)."),
    "8": ModelSpec(
        "sweep",
        lambda: sweep(6),
        note=(
            "The seed gives no width for model 8; the sweep covers 3 to 7 units and 6 is the only width "
            "left unassigned, so model 8 has 6 units."
        ),
    ),
    "8.1": ModelSpec("sweep", lambda: sweep(5), note="The sweep's printed structure with a 5-unit bottleneck."),
    "9": ModelSpec(
        "deep",
        lambda: sweep(4),
        seed_offset=1,
        note=(
            "Model 9 is in the seed's table but never described. It is rebuilt as model 5 (the 4-unit "
            "bottleneck the seed fixed for the models after the sweep), trained with another seed: the "
            "gap between models 5 and 9 then measures run-to-run variation."
        ),
    ),
    "10": ModelSpec(
        "deep",
        lambda: deep_funnel((3, 3), [49, 40, 30, 20, 4]),
        note="As printed: three convolutions per resolution and a 4-unit bottleneck.",
    ),
    "11": ModelSpec(
        "deep",
        lambda: deep_funnel((3, 4), [49, 40, 30, 20, 4]),
        note=(
            "Not printed: model 10 with one more 16-map convolution in the encoder and one in the decoder "
            "(the seed's 'two convolutional layers ... at the encoder and decoder stage'), which is what "
            "model 12's summary shows before its extra dense layers."
        ),
    ),
    "12": ModelSpec(
        "deep",
        lambda: deep_funnel((3, 4), MODEL_12_FUNNEL),
        note=(
            "Built from the seed's 'Final model architecture' summary, which the seed's own listing "
            "contradicts: the summary has four 16-map convolutions on each side and an 8-unit bottleneck, "
            "the listing one convolution and 4 units. The summary is what was trained. The seed trained its "
            "deep models at batch size 512 (its text on model 16); the model comparison trains model 12 at "
            'both 512 and 128 ("The seed\'s batch size, measured"), and the study uses 128.'
        ),
    ),
    "13": ModelSpec(
        "regularised",
        lambda: deep_funnel((3, 4), MODEL_12_FUNNEL, outer_l2=0.001),
        note="Model 12 with an L2 kernel penalty of 0.001 on its first and last convolution.",
    ),
    "14": ModelSpec(
        "regularised",
        lambda: deep_funnel((3, 4), MODEL_12_FUNNEL, outer_dropout=0.1),
        note=(
            "Model 12 with dropout 0.1 'at the beginning and at the end': on the input, and before the "
            "output layer (dropout after it would blank output pixels)."
        ),
    ),
    "15": ModelSpec(
        "light",
        lambda: light(4, "15"),
        note=(
            "As printed, including its quirks: no activation on the convolutions, 'valid' padding on the "
            "first, dropout after the output layer. The two transposed convolutions get padding='same' so "
            "that the output is 28x28. The seed's activity regulariser is never defined; L2 1e-5 is used."
        ),
    ),
    "16": ModelSpec(
        "light",
        lambda: light(8, "16"),
        batch_size=32,
        note="Model 15 with an 8-unit bottleneck, at the seed's batch size of 32.",
    ),
    "17": ModelSpec("light", lambda: light(16, "17"), batch_size=32, note="Model 16 with a 16-unit bottleneck."),
    "18": ModelSpec("light", lambda: light(32, "18"), batch_size=32, note="Model 16 with a 32-unit bottleneck."),
    "19": ModelSpec(
        "light",
        lambda: light(32, "19", batch_norm=True),
        batch_size=32,
        note=(
            "Model 18 with its regularisers replaced: batch normalisation after each pooling layer, dropout "
            "only on the dense layers. The seed does not give its bottleneck; model 18's 32 units are kept."
        ),
    ),
    "20": ModelSpec(
        "u-net",
        network=u_net(16),
        note=(
            "Not in the seed. A U-Net with 16, 32 and 64 maps and skip connections, about as many parameters as "
            "model 12, sized to train the full profile on a 2-core CPU."
        ),
    ),
    "21": ModelSpec(
        "u-net",
        network=u_net(16, skips=False),
        note=(
            "Model 20 without its skip connections: the same encoder and decoder, so the decoder rebuilds the "
            "image from the 7x7 code alone. How much do the skips matter?"
        ),
    ),
    "22": ModelSpec(
        "u-net",
        network=u_net(16),
        loss="mse+edges",
        note=(
            "Model 20 trained on an edge-aware loss, the seed's wish for 'a second loss term ... for clearly "
            "defined contrast edges': MSE plus the MSE of the image gradients (differences of neighbouring "
            "pixels), which blur flattens."
        ),
    ),
    "23": ModelSpec(
        "u-net",
        network=u_net(32),
        accelerator_sized=True,
        note=(
            "Model 20 at twice the width (32, 64 and 128 maps), four times the arithmetic: how much does size "
            "buy? Accelerator-sized: on the full profile it is meant for a GPU."
        ),
    ),
}
MODEL_IDS = tuple(MODELS)
# Networks of the question whether depth is needed on each dataset (the seed's discussion), beside the study's.
DEPTH_MODELS = {
    "shallow": ModelSpec(
        "shallow",
        lambda: shallow(MODEL_12_FUNNEL[-1]),
        note=(
            "Not in the seed's table: the Fashion-MNIST network its discussion describes in one sentence, 'Using 2 "
            "layers of conv2d layers and two dense layers already perform really well'. Read into it: the two "
            "convolutions are the encoder's (32 maps, 3x3, ReLU, each followed by max pooling and batch "
            "normalisation, the seed's conventions), the two dense layers are the bottleneck and the layer that "
            "reshapes back to 7x7, and the decoder mirrors the encoder with transposed convolutions, as the seed's "
            "methods say a decoder should. The bottleneck has model 12's 8 units, so that depth is what differs."
        ),
    )
}
SEED_MODEL_IDS = tuple(model_id for model_id, spec in MODELS.items() if spec.family in SEED_FAMILIES)
SEED_FINAL_MODEL = "12"  # the seed's own choice: "We chose model 12 as our final model architecture"


def spec(model_id):
    """The ``ModelSpec`` of ``model_id``; an unknown id raises ValueError listing the valid ones."""
    if not isinstance(model_id, str):
        raise ValueError(f"model ids are strings, e.g. '12' or '8.1'; got {model_id!r} ({type(model_id).__name__})")
    known = MODELS | DEPTH_MODELS
    if model_id not in known:
        raise ValueError(f"unknown model id {model_id!r}; valid ids: {', '.join(known)}")
    return known[model_id]


def build(model_id):
    """Return the uncompiled Keras model ``model_id``: input (28, 28, 1), output (28, 28, 1)."""
    # On PyTorch a layer's parameters are keyed by their Keras paths, which begin with the model's name,
    # and torch refuses a dot in such a key (model 8.1).
    model_spec, name = spec(model_id), f"model_{model_id.replace('.', '_')}"
    if model_spec.network is not None:
        image = keras.Input(INPUT_SHAPE, name="image")
        return keras.Model(image, model_spec.network(image), name=name)
    return keras.Sequential([keras.Input(INPUT_SHAPE), *model_spec.layers()], name=name)


def code(model):
    """What the decoder rebuilds the image from: ``(shape, skips)``, the output shape of the narrowest
    layer between input and output (fewest values, batch axis left out), and the shapes of the encoder's
    maps that skip connections hand the decoder past it (none in the seed's models).

    The narrowest layer is not always a dense layer's units: in models 2 and 3 the dense layers act on
    each pixel of a 7x7 map (no Flatten, as printed), so their decoder receives a 7x7x1 map, 49 values.
    """
    inner = [layer for layer in model.layers[:-1] if not isinstance(layer, keras.layers.InputLayer)]
    narrowest = min(inner, key=lambda layer: int(np.prod(layer.output.shape[1:])))
    skips = [
        tuple(tensor.shape[1:])
        for layer in inner
        if isinstance(layer, layers.Concatenate)
        for tensor in layer.input[1:]
    ]
    return tuple(narrowest.output.shape[1:]), skips


def code_size(model):
    """How many values the narrowest layer holds (``code``); skip connections come on top."""
    return int(np.prod(code(model)[0]))


def code_text(model):
    """``code`` in words, e.g. '7x7x1 (49 values)' or '7x7x32 (1,568 values) + skips 14x14x32, 28x28x16'."""
    shape, skips = code(model)
    values = int(np.prod(shape))
    text = f"{'x'.join(map(str, shape))} ({values:,} value{'s' * (values != 1)})"
    return text + (" + skips " + ", ".join("x".join(map(str, skip)) for skip in skips) if skips else "")


def forward_flops(model):
    """FLOPs of one image's forward pass: the multiply-adds of every convolution and dense layer, counted
    as 2 each (the arithmetic that dominates; pooling, normalisation and activations are left out)."""
    flops = 0
    for layer in model.layers:
        if isinstance(layer, keras.Model):  # a network inside another (the upright corrector's head and U-Net)
            flops += forward_flops(layer)
        elif isinstance(layer, (layers.Conv2D, layers.Conv2DTranspose)):
            kernel_height, kernel_width, maps_in, maps_out = layer.kernel.shape
            _, height, width, _ = layer.output.shape
            flops += 2 * kernel_height * kernel_width * maps_in * maps_out * height * width
        elif isinstance(layer, layers.Dense):
            flops += 2 * layer.kernel.shape[0] * layer.kernel.shape[1]
    return flops


def epoch_flops(build, train_images, val_images):
    """FLOPs of one training epoch of the network ``build()`` returns: a training step costs about three
    forward passes (the forward pass, the gradients of the inputs and of the weights), a validation image
    one. The network is built without initialising its weights: all 26 networks then build in about a
    second, where JAX compiling each initialiser took 31 s on a 2-core CPU."""
    with keras.StatelessScope(initialize_variables=False):
        flops = forward_flops(build())
    return flops * (3 * train_images + val_images)


def layer_table(model):
    """One row per layer: name, type, output shape and parameter count, as in Keras' summary."""
    return [
        (layer.name, type(layer).__name__, tuple(layer.output.shape), layer.count_params()) for layer in model.layers
    ]


# The seed's printed summary of model 12 (section 4), layer by layer: type, output shape, parameters.
SEED_MODEL_12_SUMMARY = (
    ("Conv2D", (None, 28, 28, 32), 320),
    ("Conv2D", (None, 28, 28, 32), 9248),
    ("Conv2D", (None, 28, 28, 32), 9248),
    ("MaxPooling2D", (None, 14, 14, 32), 0),
    ("BatchNormalization", (None, 14, 14, 32), 128),
    ("Conv2D", (None, 14, 14, 16), 4624),
    ("Conv2D", (None, 14, 14, 16), 2320),
    ("Conv2D", (None, 14, 14, 16), 2320),
    ("Conv2D", (None, 14, 14, 16), 2320),
    ("MaxPooling2D", (None, 7, 7, 16), 0),
    ("BatchNormalization", (None, 7, 7, 16), 64),
    ("Flatten", (None, 784), 0),
    ("Dense", (None, 49), 38465),
    ("Dense", (None, 40), 2000),
    ("Dense", (None, 30), 1230),
    ("Dense", (None, 20), 620),
    ("Dense", (None, 10), 210),
    ("Dense", (None, 8), 88),
    ("Dense", (None, 10), 90),
    ("Dense", (None, 20), 220),
    ("Dense", (None, 30), 630),
    ("Dense", (None, 40), 1240),
    ("Dense", (None, 49), 2009),
    ("Reshape", (None, 7, 7, 1), 0),
    ("BatchNormalization", (None, 7, 7, 1), 4),
    ("UpSampling2D", (None, 14, 14, 1), 0),
    ("Conv2DTranspose", (None, 14, 14, 16), 160),
    ("Conv2DTranspose", (None, 14, 14, 16), 2320),
    ("Conv2DTranspose", (None, 14, 14, 16), 2320),
    ("Conv2DTranspose", (None, 14, 14, 16), 2320),
    ("BatchNormalization", (None, 14, 14, 16), 64),
    ("UpSampling2D", (None, 28, 28, 16), 0),
    ("Conv2DTranspose", (None, 28, 28, 32), 4640),
    ("Conv2DTranspose", (None, 28, 28, 32), 9248),
    ("Conv2DTranspose", (None, 28, 28, 32), 9248),
    ("Conv2DTranspose", (None, 28, 28, 1), 289),
)
