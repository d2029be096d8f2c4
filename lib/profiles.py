"""Profiles, and the data of a run: clean and corrupted train, validation and test images for one profile.

Profiles trade cost for fidelity. ``full`` is the seed's protocol (all images, early stopping);
``quick`` a subset and a few epochs; ``smoke`` a few hundred images and one epoch, for tests.
"""

import hashlib
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import corruptions, data, paths

VAL_FRACTION = 0.1  # 6,000 of the official 60,000 training images validate; the seed does not say how many
SPLIT_CODES = {"train": 0, "val": 1, "test": 2}  # mixed into the seed so each split gets its own corruptions
PAIRS_CODE = 3  # the test images corrupted by two families at once draw from a stream of their own
LADDER_CODE = 4  # the splits at every severity (``ladder_splits``) draw from streams of their own


@dataclass(frozen=True)
class Profile:
    name: str
    n_train: int | None  # None: every image the split has
    n_val: int | None
    n_test: int | None
    max_epochs: int | None  # None: each model's own limit, with early stopping


PROFILES = {
    "smoke": Profile("smoke", n_train=300, n_val=100, n_test=200, max_epochs=1),
    "quick": Profile("quick", n_train=12_000, n_val=2_000, n_test=None, max_epochs=6),
    "full": Profile("full", n_train=None, n_val=None, n_test=None, max_epochs=None),
}


@dataclass(frozen=True)
class Split:
    """Images of one split as float32 in [0, 1], shape (N, 28, 28), with labels and corruption families
    (indices into ``corruptions.FAMILIES``, or into ``corruptions.FAMILY_PAIRS`` for ``pairs_test_split``)."""

    clean: np.ndarray
    corrupted: np.ndarray
    family_ids: np.ndarray
    labels: np.ndarray

    def __len__(self):
        return len(self.clean)

    @cached_property
    def fingerprint(self):
        """The SHA-256 of every array of the split (values, types and shapes): what an evaluation on it
        is keyed by (``lib.evaluation_cache``)."""
        digest = hashlib.sha256()
        for array in (self.clean, self.corrupted, self.family_ids, self.labels):
            array = np.ascontiguousarray(array)
            digest.update(f"{array.dtype.str}:{array.shape}".encode())
            digest.update(array.tobytes())
        return digest.hexdigest()


TRAINING_SEVERITY = 3  # every split is corrupted at the middle of the five-step ladder unless told otherwise


def get_profile(name):
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)}")
    return PROFILES[name]


def load_splits(profile, seed, dataset=paths.DEFAULT_DATASET, data_dir=None, severity=TRAINING_SEVERITY):
    """Return ``{"train": Split, "val": Split, "test": Split}`` for a profile name, deterministically.

    Validation images come from the official training set (``VAL_FRACTION`` of it, chosen by ``seed``);
    the official test set is the test set. Smaller profiles take the first images of each split. Every
    split is corrupted at ``severity`` (1 to 5; the study trains and tests at 3).
    """
    splits = {
        name: _split(images, labels, corruptions.corrupt_balanced(images, (seed, SPLIT_CODES[name]), severity))
        for name, images, labels in _training_images(profile, seed, dataset, data_dir)
    }
    splits["test"] = test_split(profile, seed, dataset, data_dir, severity)
    return splits


def ladder_splits(profile, seed, dataset=paths.DEFAULT_DATASET, data_dir=None):
    """The training and validation images of ``load_splits``, the same images, each corrupted at a severity of
    the whole ladder (``corruptions.corrupt_ladder``) instead of at one: ``{"train": Split, "val": Split}``."""
    return {
        name: _split(images, labels, corruptions.corrupt_ladder(images, (seed, SPLIT_CODES[name], LADDER_CODE)))
        for name, images, labels in _training_images(profile, seed, dataset, data_dir)
    }


def test_split(profile, seed, dataset=paths.DEFAULT_DATASET, data_dir=None, severity=TRAINING_SEVERITY):
    """The profile's test split alone, as ``load_splits`` makes it: for evaluating at other severities."""
    images, labels = _test_images(profile, seed, dataset, data_dir)
    return _split(images, labels, corruptions.corrupt_balanced(images, (seed, SPLIT_CODES["test"]), severity))


def pairs_test_split(profile, seed, dataset=paths.DEFAULT_DATASET, data_dir=None, severity=TRAINING_SEVERITY):
    """The profile's test images, each corrupted by two families at once (``corruptions.corrupt_pairs``),
    which no model saw in training; ``family_ids`` are indices into ``corruptions.FAMILY_PAIRS``."""
    images, labels = _test_images(profile, seed, dataset, data_dir)
    return _split(images, labels, corruptions.corrupt_pairs(images, (seed, PAIRS_CODE), severity))


def _training_images(profile, seed, dataset, data_dir):
    """(split name, images, labels) of the training and validation splits of ``profile``."""
    profile = get_profile(profile)
    data.require_seed(seed)
    images, labels = data.load_dataset(dataset, "train", data_dir)
    train_idx, val_idx = data.train_val_split(len(images), VAL_FRACTION, seed)
    return [
        (name, images[idx], labels[idx])
        for name, idx in (("train", train_idx[: profile.n_train]), ("val", val_idx[: profile.n_val]))
    ]


def _test_images(profile, seed, dataset, data_dir):
    n_test = get_profile(profile).n_test
    data.require_seed(seed)
    images, labels = data.load_dataset(dataset, "test", data_dir)
    return images[:n_test], labels[:n_test]


def _split(images, labels, corrupted):
    """The ``Split`` of ``images`` and ``labels``, given their ``(corrupted, family_ids)``."""
    corrupted, family_ids = corrupted
    return Split((images / np.float32(255)).astype(np.float32), corrupted, family_ids, labels)
