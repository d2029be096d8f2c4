"""Correctors that aim to read as well as clean: the best U-Net's network, each with one idea against what it
still misreads, measured alone against it.

The study's best corrector, U-Net 23, trains on one severity (3), paints over flips and turns, and learns from
the MSE alone. Each idea here changes one thing and keeps U-Net 23's network, protocol and seed, so that a
difference is the idea's:

- ``ladder``: trained and validated on the whole severity ladder (1 to 5, balanced over families and
  severities, ``profiles.ladder_splits``), so that mild damage is not over-corrected and severe damage is seen.
- ``upright``: geometry undone, not painted over. An orientation head (``orientation_head``, a small CNN)
  recognises which of ``UNDOINGS`` (none, a flip, a turn back by a multiple of 0.1 radians) brings the image
  nearest the clean character, the undoing is applied exactly (``Undo``), and the U-Net corrects what is left
  (``upright_network``). The head is trained first, on the labels ``undoing_labels`` computes from the training
  pairs, then frozen while the U-Net behind it trains.
- ``guided-<weight>``: the reader-guided loss (``losses.mse_and_reading``): the MSE plus ``weight`` times the
  frozen study reader's cross-entropy on the correction. The weight is chosen on the validation images. Only the
  study reader guides; the second reader (``classifier.SECOND_READER_ID``) then shows whether the gain is real.
"""

import functools
from dataclasses import dataclass, replace

import numpy as np

from . import corruptions, losses, models, training
from .backend import keras

layers = keras.layers

BASE_MODEL = "23"  # the study's best U-Net, whose network every corrector here keeps


# --- undoing flips and turns -----------------------------------------------------------------------

TURN_STEP = 0.1  # radians between the turns the head can undo: the rotation ladder's angles lie in 0.1-1.0
TURNS = tuple(round(sign * step * TURN_STEP, 10) for step in range(1, 11) for sign in (1, -1))
# What the orientation head chooses among: ("none",), ("flip", axis) with axis 2 left-right and 1 upside
# down, ("turn", radians) turning the image back by that angle.
UNDOINGS = (("none", 0), ("flip", 2), ("flip", 1), *(("turn", -angle) for angle in TURNS))
SAMPLES = 4  # source pixels per output pixel: a bilinear turn reads four, a flip one (the rest weigh 0)


def undoing_text(undoing):
    """An undoing in words: 'none', 'flip left-right', 'turn by -0.3 rad' (as ``corruptions.rotate`` turns)."""
    kind, amount = undoing
    if kind == "none":
        return "none"
    if kind == "flip":
        return "flip left-right" if amount == 2 else "flip upside down"
    return f"turn by {amount:+.1f} rad"


@functools.cache
def undoing_tables(side=28):
    """For each of ``UNDOINGS``, each output pixel's ``SAMPLES`` source pixels and their weights: ``(sources,
    weights)``, shapes (len(UNDOINGS), side * side, SAMPLES). A source ``side * side`` is a black pixel beyond
    the image. The turns are read off ``corruptions.rotate`` applied to every one-pixel image, so that an
    undoing turns exactly as the rotation family turns."""
    pixels = side * side
    basis = np.eye(pixels).reshape(pixels, side, side)
    sources = np.full((len(UNDOINGS), pixels, SAMPLES), pixels, dtype=np.int32)
    weights = np.zeros((len(UNDOINGS), pixels, SAMPLES), dtype=np.float32)
    for index, (kind, amount) in enumerate(UNDOINGS):
        if kind == "none":
            moved = basis
        elif kind == "flip":
            moved = np.flip(basis, axis=amount)
        else:
            moved = corruptions.rotate(basis, amount)
        matrix = moved.reshape(pixels, pixels).T  # output pixel x source pixel
        for pixel, row in enumerate(matrix):
            (read,) = np.nonzero(row > 1e-12)
            if len(read) > SAMPLES:
                raise AssertionError(f"{undoing_text(UNDOINGS[index])} reads {len(read)} pixels for one")
            sources[index, pixel, : len(read)] = read
            weights[index, pixel, : len(read)] = row[read]
    return sources, weights


class Undo(layers.Layer):
    """Applies to each image the undoing of ``UNDOINGS`` its choice names: ``Undo()([images, choices])`` with
    images (N, 28, 28, 1) and choices (N,) integer indices. Exact for a flip; a turn samples bilinearly, black
    beyond the image. The tables are constants rebuilt from ``UNDOINGS``, not weights: nothing here is learned."""

    def __init__(self, **options):
        super().__init__(**options)
        self.sources, self.weights_table = undoing_tables()

    def call(self, inputs):
        images, choices = inputs
        ops = keras.ops
        count = ops.shape(images)[0]
        flat = ops.reshape(images, (count, -1))
        padded = ops.concatenate([flat, ops.zeros_like(flat[:, :1])], axis=1)  # the black pixel beyond
        sources = ops.take(ops.convert_to_tensor(self.sources), choices, axis=0)
        weights = ops.take(ops.convert_to_tensor(self.weights_table), choices, axis=0)
        read = ops.take_along_axis(padded, ops.reshape(sources, (count, -1)), axis=1)
        undone = ops.sum(ops.reshape(read, ops.shape(weights)) * weights, axis=-1)
        return ops.reshape(undone, ops.shape(images))

    def compute_output_shape(self, input_shape):
        return input_shape[0]


class Choose(layers.Layer):
    """The undoing the orientation head rates likeliest: the argmax of its probabilities. A layer of its own, named
    where it is used, so that the corrector's graph, and so its cache key, is the same in every process (an op on
    a symbolic tensor is named by a per-process counter: argmax, argmax_1, ...)."""

    def call(self, probabilities):
        return keras.ops.argmax(probabilities, axis=-1)


def undone(images, choices):
    """``images`` (N, 28, 28) each undone as its choice (an index into ``UNDOINGS``) names, as numpy float32."""
    result = Undo()([images[..., None].astype(np.float32), np.asarray(choices, np.int32)])
    return keras.ops.convert_to_numpy(result)[..., 0]


def undoing_labels(corrupted, clean, batch=4096):
    """The orientation head's label for each training pair: the index of the undoing in ``UNDOINGS`` that brings
    the corrupted image nearest (by MSE) its clean image; "none" where nothing nearer exists (ties go to the
    first, and "none" is first)."""
    labels = np.empty(len(corrupted), dtype=np.int64)
    for start in range(0, len(corrupted), batch):
        part = slice(start, start + batch)
        errors = np.stack(
            [
                np.mean((undone(corrupted[part], np.full(len(corrupted[part]), index)) - clean[part]) ** 2, axis=(1, 2))
                for index in range(len(UNDOINGS))
            ],
            axis=1,
        )
        labels[part] = np.argmin(errors, axis=1)
    return labels


HEAD_ID = "orientation-head"
HEAD_MAX_EPOCHS = 30  # early stopping ends it before


def head_config(seed, max_epochs=None, ladder=False):
    """The orientation head's training settings: the reader's batch size and learning rate, the autoencoders'
    early stopping; a profile's ``max_epochs`` can only lower ``HEAD_MAX_EPOCHS``. With ``ladder``, the head of a
    corrector trained on the whole severity ladder, under an id of its own."""
    epochs = HEAD_MAX_EPOCHS if max_epochs is None else min(max_epochs, HEAD_MAX_EPOCHS)
    model_id = f"{HEAD_ID}-ladder" if ladder else HEAD_ID
    return training.TrainConfig(model_id, 128, 1e-3, epochs, training.PATIENCE, seed, "sparse_categorical_crossentropy")


def orientation_head():
    """The orientation head: three ReLU convolutions (16, 32, 64 maps) with max pooling between them, a 64-unit
    dense layer and a softmax over ``UNDOINGS``. A flip or a turn is a matter of where strokes lie, so the maps
    are flattened, not pooled away; a few thousandths of the U-Net's arithmetic."""
    image = keras.Input(models.INPUT_SHAPE, name="image")
    x = models.conv(16, name="head_conv1")(image)
    x = models.conv(32, name="head_conv2")(layers.MaxPooling2D(name="head_pool1")(x))
    x = models.conv(64, name="head_conv3")(layers.MaxPooling2D(name="head_pool2")(x))
    x = layers.Dense(64, activation="relu", name="head_dense")(layers.Flatten(name="head_flatten")(x))
    choice = layers.Dense(len(UNDOINGS), activation="softmax", name="head_undoings")(x)
    return keras.Model(image, choice, name="orientation_head")


def head_network(config, splits):
    """The orientation head as a ``training.Network``: corrupted images in, ``undoing_labels`` out."""

    def labelled(split):
        return split.corrupted[..., None], undoing_labels(split.corrupted, split.clean)

    return training.Network(
        "the orientation head", config, orientation_head, "accuracy", labelled(splits["train"]), labelled(splits["val"])
    )


def upright_network():
    """The upright corrector: the orientation head chooses an undoing, ``Undo`` applies it, and U-Net 23's
    network corrects what is left. The head is frozen (it is trained on its own first, ``head_network``, and
    its weights set before the U-Net trains); the argmax passes no gradient, and needs none."""
    image = keras.Input(models.INPUT_SHAPE, name="image")
    u_net, head = models.build(BASE_MODEL), orientation_head()  # the U-Net first: it starts as U-Net 23 does
    head.trainable = False
    choice = Choose(name="choose")(head(image))
    return keras.Model(image, u_net(Undo(name="undo")([image, choice])), name="upright_corrector")


# --- the correctors --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CorrectorSpec:
    """One corrector: what it changes against ``BASE_MODEL``, and why."""

    note: str
    ladder: bool = False  # trained and validated on every severity instead of severity 3
    upright: bool = False  # the orientation head undoes flips and turns before the U-Net corrects
    reader_weight: float = 0.0  # the weight of the reader-guided loss's cross-entropy (0: the MSE alone)


GUIDE_WEIGHTS = (0.01, 0.1)  # the reader-guided loss's weights tried; the MSE of U-Net 23 is about 0.01
LADDER, UPRIGHT, GUIDED = "ladder", "upright", "guided"


def guided_id(weight):
    return f"{GUIDED}-{weight:g}"


# Each idea alone: the ablation against U-Net 23.
CORRECTORS = {
    LADDER: CorrectorSpec(
        "U-Net 23's network trained on the whole severity ladder: each training and validation image at one of "
        "the five severities, every family meeting every severity equally often.",
        ladder=True,
    ),
    UPRIGHT: CorrectorSpec(
        "U-Net 23's network behind the orientation head: flips and turns undone exactly, the rest corrected.",
        upright=True,
    ),
    **{
        guided_id(weight): CorrectorSpec(
            f"U-Net 23's network trained on the MSE plus {weight:g} times the study reader's cross-entropy on the "
            "correction against its reading of the clean image.",
            reader_weight=weight,
        )
        for weight in GUIDE_WEIGHTS
    },
}
CORRECTOR_IDS = tuple(CORRECTORS)


def combined_id(ideas):
    """The id of the corrector that combines ``ideas`` (ids of ``CORRECTORS``), in ``CORRECTORS``' order."""
    for idea in ideas:
        spec(idea)
    return "+".join(idea for idea in CORRECTOR_IDS if idea in ideas)


def spec(corrector_id):
    """The ``CorrectorSpec`` of ``corrector_id``: one idea of ``CORRECTORS``, or several joined by "+" (as
    ``combined_id`` joins them; at most one guided weight). An unknown id raises ValueError naming the valid ones."""
    ideas = corrector_id.split("+") if isinstance(corrector_id, str) else [corrector_id]
    unknown = [idea for idea in ideas if idea not in CORRECTORS]
    weights = [
        CORRECTORS[idea].reader_weight for idea in ideas if idea in CORRECTORS and CORRECTORS[idea].reader_weight
    ]
    if unknown or len(weights) > 1 or len(set(ideas)) != len(ideas):
        raise ValueError(
            f"unknown corrector {corrector_id!r}: one of {', '.join(CORRECTOR_IDS)}, or several joined by '+' (each "
            "once, one guided weight at most)"
        )
    if len(ideas) == 1:
        return CORRECTORS[corrector_id]
    parts = [CORRECTORS[idea] for idea in ideas]
    return CorrectorSpec(
        "The ideas combined: " + " ".join(part.note for part in parts),
        ladder=any(part.ladder for part in parts),
        upright=any(part.upright for part in parts),
        reader_weight=sum(weights),
    )


def config_for(corrector_id, seed, max_epochs=None, run=0):
    """``BASE_MODEL``'s training settings (``training.config_for``) under the corrector's own id; a guided
    corrector's loss is named with its weight (``losses.mse_and_reading``)."""
    weight = spec(corrector_id).reader_weight
    config = replace(training.config_for(BASE_MODEL, seed, max_epochs, run), model_id=corrector_id)
    return replace(config, loss=f"mse+{weight:g}*reading") if weight else config


def corrector(config, splits, run=0, reader=None, head=None, uses=()):
    """Corrector ``config.model_id`` as a ``training.Network``, trained on ``splits["train"]`` and validated on
    ``splits["val"]``. What it is trained with or built from comes in as the ``TrainResult``s of other networks,
    given lazily (functions that fit them): ``reader``, the study reader, for a guided corrector's loss; ``head``,
    the trained orientation head, for an upright corrector. Their cache keys, ``uses``, are part of its key."""
    corrector_spec = spec(config.model_id)
    weight, upright = corrector_spec.reader_weight, corrector_spec.upright

    def set_head(model):
        model.get_layer("orientation_head").set_weights(head().model.get_weights())

    return training.Network(
        f"corrector {config.model_id}" + (f", run {run}" if run else ""),
        config,
        upright_network if upright else lambda: models.build(BASE_MODEL),
        "mse",
        training.autoencoder_data(splits["train"]),
        training.autoencoder_data(splits["val"]),
        run,
        make_loss=(lambda: losses.mse_and_reading(reader().model, weight)) if weight else None,
        prepare=set_head if upright else None,
        uses=uses,
    )
