"""The seed's five corruption families, each a pure function over a whole batch.

Every family takes images of shape (N, H, W), at least 8x8 pixels, uint8 or float in [0, 1], a
``numpy.random.Generator`` and an integer ``severity`` from 1 to 5, and returns float64 images in [0, 1]
of the same shape; anything else is refused with a ValueError before any work. The first line of each
function is its severity ladder. Where MNIST-C (Mu & Gilmer, 2019, google-research/mnist-c) has the
same corruption, the ladder is MNIST-C's; the default is the middle rung, 3, at which a human still
reads the character (the seed does not state its strengths).
"""

import itertools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .data import require_seed

SEVERITIES = range(1, 6)
BLACK_PATCH_LADDER = ((1, 4), (1, 6), (2, 6), (2, 8), (3, 8))  # (count, side) of the squares per severity
# Every family must accept every severity, so a batch must hold the largest black patch.
MIN_IMAGE_SIDE = max(side for _, side in BLACK_PATCH_LADDER)


def gaussian_noise(images, rng, severity=3):
    sigma = _rung([0.08, 0.12, 0.18, 0.26, 0.38], severity)  # MNIST-C's ladder (pixel values in [0, 1])
    x = _as_unit_float(images)
    return np.clip(x + rng.normal(scale=sigma, size=x.shape), 0.0, 1.0)


def rotation(images, rng, severity=3):
    max_radians = _rung([0.2, 0.4, 0.6, 0.8, 1.0], severity)  # MNIST-C's ladder: 11 to 57 degrees
    x = _as_unit_float(images)
    # Each image turns by between half and all of the rung's angle, in a random direction, so that no
    # rotated image is left nearly upright.
    magnitude = rng.uniform(0.5 * max_radians, max_radians, size=len(x))
    angles = magnitude * rng.choice([-1.0, 1.0], size=len(x))
    return _rotate(x, angles)


def flip(images, rng, severity=3):
    # A flip has one strength; the argument keeps every family's signature alike, and is checked alike.
    _check_severity(severity)
    x = _as_unit_float(images)
    horizontal = rng.random(len(x)) < 0.5  # otherwise vertical
    return np.where(horizontal[:, None, None], x[:, :, ::-1], x[:, ::-1, :])


def black_patches(images, rng, severity=3):
    count, side = _rung(BLACK_PATCH_LADDER, severity)  # count squares of side pixels
    x = _as_unit_float(images)
    n, height, width = x.shape
    rows = np.arange(height)[None, :, None]
    cols = np.arange(width)[None, None, :]
    covered = np.zeros(x.shape, dtype=bool)
    for _ in range(count):
        top = rng.integers(0, height - side + 1, size=n)[:, None, None]
        left = rng.integers(0, width - side + 1, size=n)[:, None, None]
        covered |= (rows >= top) & (rows < top + side) & (cols >= left) & (cols < left + side)
    return np.where(covered, 0.0, x)


def brightness(images, rng, severity=3):
    shift = _rung([0.1, 0.2, 0.3, 0.4, 0.5], severity)  # MNIST-C's ladder, applied up or down at random
    x = _as_unit_float(images)
    sign = rng.choice([-1.0, 1.0], size=len(x))
    return np.clip(x + (sign * shift)[:, None, None], 0.0, 1.0)


FAMILY_FUNCTIONS = (gaussian_noise, rotation, flip, black_patches, brightness)
FAMILIES = tuple(function.__name__ for function in FAMILY_FUNCTIONS)
GEOMETRIC_FAMILIES = ("rotation", "flip")  # they move strokes without destroying them: undoable in principle
# Every two families on one image, the first applied first: a test of corruptions never seen in training.
FAMILY_PAIRS = tuple(itertools.combinations(range(len(FAMILIES)), 2))
PAIR_NAMES = tuple(f"{FAMILIES[first]} + {FAMILIES[second]}" for first, second in FAMILY_PAIRS)


def corrupt_balanced(images, seed, severity=3):
    """Corrupt image i with family ``i % len(FAMILIES)``, the seed's balanced modulo scheme.

    Returns ``(corrupted, family_ids)``: float32 in [0, 1] with the input's shape, and each image's
    family index. Each family draws from its own stream spawned from ``seed``, so the result depends
    only on the images, the seed and the severity: byte for byte the same in any process. The families
    run in parallel threads (numpy releases the GIL in its array loops); each writes its own rows.
    """
    # The cheap checks before any work starts; the families check the values.
    _check_batch(images)
    _check_severity(severity)
    family_ids = np.arange(len(images)) % len(FAMILIES)
    corrupted = np.empty(images.shape, dtype=np.float32)
    require_seed(seed)
    streams = np.random.SeedSequence(seed).spawn(len(FAMILIES))

    def corrupt(index):
        family, rng = FAMILY_FUNCTIONS[index], np.random.default_rng(streams[index])
        corrupted[index :: len(FAMILIES)] = family(images[index :: len(FAMILIES)], rng, severity)

    with ThreadPoolExecutor(max_workers=len(os.sched_getaffinity(0))) as pool:
        list(pool.map(corrupt, range(len(FAMILIES))))
    return corrupted, family_ids


def ladder_severities(count):
    """The severity of each of ``count`` images in ``corrupt_ladder``: image i gets ``1 + (i // 5) % 5``, so that
    every family meets every severity equally often (the family is ``i % 5``)."""
    return 1 + (np.arange(count) // len(FAMILIES)) % len(SEVERITIES)


def corrupt_ladder(images, seed):
    """Corrupt image i with family ``i % len(FAMILIES)`` at severity ``ladder_severities`` gives it: the whole
    severity ladder, balanced over the 25 (family, severity) cells. Returns ``(corrupted, family_ids)`` as
    ``corrupt_balanced`` does, and like it depends only on the images and the seed: each cell draws from its
    own stream spawned from ``seed``."""
    _check_batch(images)
    family_ids = np.arange(len(images)) % len(FAMILIES)
    severities = ladder_severities(len(images))
    corrupted = np.empty(images.shape, dtype=np.float32)
    require_seed(seed)
    cells = list(itertools.product(range(len(FAMILIES)), SEVERITIES))
    for (family, severity), stream in zip(cells, np.random.SeedSequence(seed).spawn(len(cells)), strict=True):
        chosen = (family_ids == family) & (severities == severity)
        if chosen.any():
            rng = np.random.default_rng(stream)
            corrupted[chosen] = FAMILY_FUNCTIONS[family](images[chosen], rng, int(severity))
    return corrupted, family_ids


def corrupt_pairs(images, seed, severity=3):
    """Corrupt image i with the two families of ``FAMILY_PAIRS[i % len(FAMILY_PAIRS)]``, one after the
    other, both at ``severity``: corruptions the seed's balanced scheme never combines.

    Returns ``(corrupted, pair_ids)`` as ``corrupt_balanced`` does, and like it depends only on the
    images, the seed and the severity: each pair draws from its own stream spawned from ``seed``.
    """
    _check_batch(images)
    _check_severity(severity)
    pair_ids = np.arange(len(images)) % len(FAMILY_PAIRS)
    corrupted = np.empty(images.shape, dtype=np.float32)
    require_seed(seed)
    streams = np.random.SeedSequence(seed).spawn(len(FAMILY_PAIRS))
    for index, (first, second) in enumerate(FAMILY_PAIRS):
        rng = np.random.default_rng(streams[index])
        once = FAMILY_FUNCTIONS[first](images[index :: len(FAMILY_PAIRS)], rng, severity)
        corrupted[index :: len(FAMILY_PAIRS)] = FAMILY_FUNCTIONS[second](once, rng, severity)
    return corrupted, pair_ids


def _rung(ladder, severity):
    """The ladder's entry for ``severity`` (1 is the first), once the severity is checked."""
    _check_severity(severity)
    return ladder[severity - 1]


def _check_severity(severity):
    # bool is an int to Python, but True is no severity; numpy's integers are.
    if isinstance(severity, bool) or not isinstance(severity, (int, np.integer)) or severity not in SEVERITIES:
        raise ValueError(
            f"severity must be an integer from {SEVERITIES[0]} to {SEVERITIES[-1]}, "
            f"got {severity!r} ({type(severity).__name__}); 3 is the default"
        )


def _check_batch(images):
    """The type, shape and dtype of a batch: cheap, whatever its size."""
    if not isinstance(images, np.ndarray):
        raise ValueError(f"images must be a numpy array, got {type(images).__name__}")
    if images.ndim != 3:
        raise ValueError(
            f"images must have shape (N, height, width), got shape {images.shape} (reshape flat images to (N, 28, 28))"
        )
    if min(images.shape[1:]) < MIN_IMAGE_SIDE:
        raise ValueError(
            f"images must be at least {MIN_IMAGE_SIDE}x{MIN_IMAGE_SIDE} pixels (the largest black "
            f"patch), got shape {images.shape}"
        )
    if images.dtype != np.uint8 and not np.issubdtype(images.dtype, np.floating):
        raise ValueError(f"images must be uint8 (0-255) or float (0-1), got dtype {images.dtype}")


def _as_unit_float(images):
    """Validate a batch and return it as float64 in [0, 1] (a new array; the input is never changed)."""
    _check_batch(images)
    if images.dtype == np.uint8:
        return images / 255.0
    if not np.all(np.isfinite(images)):
        raise ValueError("images contain NaN or infinite values")
    if images.size and (images.min() < 0.0 or images.max() > 1.0):
        raise ValueError(
            f"float images must lie in [0, 1], got values in [{images.min()}, {images.max()}];"
            " divide uint8 images by 255 or pass them as uint8"
        )
    return images.astype(np.float64)


def rotate(images, angles):
    """Each image turned about its centre by its own angle (radians), as the rotation family turns it:
    float64 in [0, 1], black outside the image. For undoing a rotation, not for corrupting."""
    return _rotate(_as_unit_float(images), np.broadcast_to(np.asarray(angles, np.float64), len(images)))


ROTATION_CHUNK = 256  # images per step: temporaries that stay in the CPU cache make rotation 2-4x faster


def _rotate(x, angles):
    """Rotate each image about its centre by its angle (radians), bilinear, black outside the image."""
    rotated = np.empty_like(x)
    for start in range(0, len(x), ROTATION_CHUNK):
        part = slice(start, start + ROTATION_CHUNK)
        rotated[part] = _rotate_chunk(x[part], angles[part])
    return rotated


def _rotate_chunk(x, angles):
    n, height, width = x.shape
    centre_r, centre_c = (height - 1) / 2, (width - 1) / 2
    rows, cols = np.meshgrid(np.arange(height) - centre_r, np.arange(width) - centre_c, indexing="ij")
    cos, sin = np.cos(angles)[:, None, None], np.sin(angles)[:, None, None]
    # Sample each output pixel from where the inverse rotation puts it; clipping to one pixel beyond
    # the image lands every outside sample on the zero padding.
    src_r = np.clip(cos * rows + sin * cols + centre_r, -1, height)
    src_c = np.clip(-sin * rows + cos * cols + centre_c, -1, width)
    # Gathering from the flattened, zero-padded batch with np.take is twice as fast as indexing
    # with three broadcast index arrays, and picks the same values.
    padded_width = width + 4
    padded = np.pad(x, ((0, 0), (2, 2), (2, 2))).reshape(-1)
    r0, c0 = np.floor(src_r), np.floor(src_c)
    fr, fc = src_r - r0, src_c - c0
    top_left = (
        (np.arange(n)[:, None, None] * (height + 4) + r0.astype(np.int64) + 2) * padded_width + c0.astype(np.int64) + 2
    )

    def at(offset):
        return np.take(padded, top_left + offset)

    return (1 - fr) * ((1 - fc) * at(0) + fc * at(1)) + fr * ((1 - fc) * at(padded_width) + fc * at(padded_width + 1))
