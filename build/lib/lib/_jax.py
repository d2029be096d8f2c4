"""Max pooling on JAX with a gradient that a GPU can compute deterministically.

JAX differentiates Keras' max pooling (``lax.reduce_window`` with ``lax.max``) into an XLA
select-and-scatter, and with ``--xla_gpu_deterministic_ops`` (set in ``lib.backend``) XLA refuses to
compile one on a GPU: "does not have a deterministic implementation". Every pooling layer here has
windows that do not overlap (strides equal to the pool size), and there the same values and gradients
come without a scatter: cut the input into its windows, take each window's maximum, and send the
gradient to the first maximum of the window, as select-and-scatter does. A test checks both against
Keras' own, bit for bit. Inside a compiled training step XLA fuses the two differently, so JAX results
move in the last digits (model 12's gradients by up to 3e-6 of their size, measured on the CPU).
"""

import jax.numpy as jnp
from jax import lax
from keras.src import backend as keras_backend
from keras.src.backend.jax import nn as keras_jax_nn

_keras_max_pool = keras_jax_nn.max_pool


def use_scatter_free_max_pool():
    """Route every Keras max pooling (``keras.ops.max_pool``, ``MaxPooling2D``) through ``max_pool``."""
    keras_jax_nn.max_pool = max_pool


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """``keras.ops.max_pool`` on JAX; windows that overlap (or an unknown padding) go to Keras' own."""
    spatial_dims = inputs.ndim - 2
    pool = _per_dimension(pool_size, spatial_dims)
    if _per_dimension(strides, spatial_dims) not in (None, pool) or padding not in ("valid", "same"):
        return _keras_max_pool(inputs, pool_size, strides, padding, data_format)
    if keras_backend.standardize_data_format(data_format) == "channels_first":
        return jnp.moveaxis(_tiled_max(jnp.moveaxis(inputs, 1, -1), pool, padding), -1, 1)
    return _tiled_max(inputs, pool, padding)


def _per_dimension(size, spatial_dims):
    return (size,) * spatial_dims if isinstance(size, int) else None if size is None else tuple(size)


def _tiled_max(images, pool, padding):
    """The maximum of each window of ``images`` (batch, spatial..., channels), windows side by side."""
    spatial = images.shape[1:-1]
    if padding == "same":
        pads = lax.padtype_to_pads(spatial, pool, pool, "SAME")
        images = jnp.pad(images, [(0, 0), *pads, (0, 0)], constant_values=-jnp.inf)
    else:
        images = images[(slice(None), *(slice(0, n - n % p) for n, p in zip(spatial, pool)))]
    counts = [n // p for n, p in zip(images.shape[1:-1], pool)]
    tiles = images.reshape(images.shape[0], *[d for n, p in zip(counts, pool) for d in (n, p)], -1)
    # (batch, n1, p1, n2, p2, ..., channels) -> (batch, n1, n2, ..., channels, p1 * p2 * ...)
    order = [0, *range(1, 2 * len(pool), 2), 2 * len(pool) + 1, *range(2, 2 * len(pool) + 1, 2)]
    windows = tiles.transpose(order).reshape(images.shape[0], *counts, tiles.shape[-1], -1)
    first_max = jnp.arange(windows.shape[-1]) == jnp.argmax(windows, axis=-1, keepdims=True)
    # The maximum over the first maximum alone: the same value, and its gradient reaches that element only.
    return jnp.where(first_max, windows, -jnp.inf).max(axis=-1)
