"""The experiment's data: clean and corrupted train, validation and test images for one profile.

Profiles trade cost for fidelity. ``full`` is the seed's protocol (all images, early stopping);
``quick`` a subset and a few epochs; ``smoke`` a few hundred images and one epoch, for tests.
"""

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import corruptions, data

VAL_FRACTION = 0.1  # 6,000 of the official 60,000 training images validate; the seed does not say how many
SPLIT_CODES = {"train": 0, "val": 1, "test": 2}  # mixed into the seed so each split gets its own corruptions


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
    """Images of one split as float32 in [0, 1], shape (N, 28, 28), with labels and corruption families."""

    clean: np.ndarray
    corrupted: np.ndarray
    family_ids: np.ndarray
    labels: np.ndarray

    def __len__(self):
        return len(self.clean)


def get_profile(name):
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)}")
    return PROFILES[name]


def load_splits(profile, seed, dataset="kmnist", data_dir=None, severity=3):
    """Return ``{"train": Split, "val": Split, "test": Split}`` for a profile name, deterministically.

    Validation images come from the official training set (``VAL_FRACTION`` of it, chosen by ``seed``);
    the official test set is the test set. Smaller profiles take the first images of each split. Every
    split is corrupted at ``severity`` (1 to 5; the study trains and tests at 3).
    """
    profile = get_profile(profile)
    train_images, train_labels = data.load_dataset(dataset, "train", data_dir)
    test_images, test_labels = data.load_dataset(dataset, "test", data_dir)
    train_idx, val_idx = data.train_val_split(len(train_images), VAL_FRACTION, seed)
    chosen = {
        "train": (train_images, train_labels, train_idx[:profile.n_train]),
        "val": (train_images, train_labels, val_idx[:profile.n_val]),
        "test": (test_images, test_labels, np.arange(len(test_images))[:profile.n_test]),
    }
    splits = {}
    for name, (images, labels, idx) in chosen.items():
        clean = images[idx]
        corrupted, family_ids = corruptions.corrupt_balanced(clean, seed=(seed, SPLIT_CODES[name]), severity=severity)
        splits[name] = Split((clean / np.float32(255)).astype(np.float32), corrupted, family_ids, labels[idx])
    return splits


def output_dir(profile, output_dir=None):
    """Where a profile's artifacts go: the argument, else ``$REPORT_OUTPUT_DIR/<profile>``,
    else ``artifacts/<profile>`` in the project."""
    if output_dir is not None:
        return Path(output_dir)
    root = os.environ.get("REPORT_OUTPUT_DIR") or Path(__file__).resolve().parent.parent / "artifacts"
    return Path(root) / profile
