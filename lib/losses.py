"""The losses of our own that a model's spec can name (``ModelSpec.loss``); any other name is Keras'."""

from .backend import keras

EDGE_WEIGHT = 1.0  # the edge term's weight against the MSE in ``mse_and_edges``


def mse_and_edges(clean, predicted):
    """Per image: the MSE plus ``EDGE_WEIGHT`` times the MSE of the horizontal and vertical image
    gradients (differences of neighbouring pixels), a squared form of the gradient difference loss of
    Mathieu et al. (2016). Blur that MSE forgives flattens an edge's gradient, which the second term
    charges for."""
    ops = keras.ops

    def mean_square(difference):
        return ops.mean(ops.square(difference), axis=(1, 2, 3))

    error = predicted - clean
    edges = mean_square(error[:, 1:] - error[:, :-1]) + mean_square(error[:, :, 1:] - error[:, :, :-1])
    return mean_square(error) + EDGE_WEIGHT * edges


def mse_and_reading(reader, weight):
    """The reader-guided loss: per image, the MSE plus ``weight`` times the cross-entropy between how the frozen
    ``reader`` (a Keras classifier with a softmax output) reads the correction and how it reads the clean image.
    Its target is the reader's reading of the clean image, not the label: the correction is asked to be read as
    the clean character is, which is the report's question, not to be read better than clean, and the loss stays
    a function of the clean image and the correction alone."""
    ops = keras.ops

    def loss(clean, predicted):
        target = ops.stop_gradient(reader(clean, training=False))
        reading = keras.losses.categorical_crossentropy(target, reader(predicted, training=False))
        return ops.mean(ops.square(predicted - clean), axis=(1, 2, 3)) + weight * reading

    return loss


LOSSES = {"mse+edges": mse_and_edges}
