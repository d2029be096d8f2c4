import hashlib
import subprocess
import sys

import numpy as np
import pytest

from lib import corruptions, data
from lib.corruptions import FAMILIES, FAMILY_FUNCTIONS


@pytest.fixture(scope="module")
def images(data_dir):
    """Thirty real KMNIST test images."""
    return data.load_dataset("kmnist", "test", data_dir)[0][:30].copy()


def test_families_are_the_seeds_five_in_order():
    assert FAMILIES == ("gaussian_noise", "rotation", "flip", "black_patches", "brightness")


@pytest.mark.parametrize("family", FAMILY_FUNCTIONS, ids=FAMILIES)
@pytest.mark.parametrize("severity", [1, 3, 5])
def test_every_family_keeps_shape_and_range_and_leaves_its_input_alone(images, family, severity):
    before = images.copy()
    out = family(images, np.random.default_rng(0), severity)
    assert out.shape == images.shape and out.dtype == np.float64
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert np.array_equal(images, before)


@pytest.mark.parametrize("family", FAMILY_FUNCTIONS, ids=FAMILIES)
def test_every_family_is_a_pure_function_of_its_generator(images, family):
    first = family(images, np.random.default_rng(7))
    second = family(images, np.random.default_rng(7))
    assert np.array_equal(first, second)
    assert not np.array_equal(first, images / 255.0)


@pytest.mark.parametrize(
    "family", [f for f in FAMILY_FUNCTIONS if f is not corruptions.flip], ids=[n for n in FAMILIES if n != "flip"]
)
def test_higher_severity_damages_more(images, family):
    damage = [np.mean((family(images, np.random.default_rng(0), s) - images / 255.0) ** 2) for s in (1, 5)]
    assert damage[1] > damage[0]


def test_gaussian_noise_has_the_ladders_standard_deviation():
    grey = np.full((200, 28, 28), 0.5)
    noise = corruptions.gaussian_noise(grey, np.random.default_rng(0), severity=3) - grey
    assert noise.std() == pytest.approx(0.18, rel=0.02)


def test_flip_mirrors_each_image_horizontally_or_vertically(images):
    out = corruptions.flip(images, np.random.default_rng(0))
    x = images / 255.0
    horizontal = [np.array_equal(o, i[:, ::-1]) for o, i in zip(out, x)]
    vertical = [np.array_equal(o, i[::-1, :]) for o, i in zip(out, x)]
    assert all(h or v for h, v in zip(horizontal, vertical))
    assert any(horizontal) and any(vertical)


def test_black_patches_only_zero_square_regions(images):
    out = corruptions.black_patches(images, np.random.default_rng(0), severity=1)  # one 4x4 square
    x = images / 255.0
    changed = out != x
    assert np.all(out[changed] == 0.0)
    assert np.all((x == out) | (out == 0.0))
    blank = np.ones((30, 28, 28))
    zeros = corruptions.black_patches(blank, np.random.default_rng(0), severity=1) == 0
    assert np.all(zeros.sum(axis=(1, 2)) == 16)


def test_brightness_shifts_every_unclipped_pixel_by_one_amount_per_image():
    grey = np.full((50, 28, 28), 0.5)
    out = corruptions.brightness(grey, np.random.default_rng(0), severity=3)
    shifts = (out - grey).reshape(50, -1)
    assert np.allclose(np.abs(shifts), 0.3)
    assert np.all(shifts == shifts[:, :1])
    assert (shifts[:, 0] > 0).any() and (shifts[:, 0] < 0).any()


def test_rotation_turns_a_bar_and_keeps_the_centre(images):
    bar = np.zeros((1, 28, 28))
    bar[0, 12:16, 4:24] = 1.0
    turned = corruptions._rotate(bar, np.array([np.pi / 2]))
    assert np.allclose(turned[0], bar[0].T, atol=1e-9)
    assert np.allclose(corruptions._rotate(images / 255.0, np.zeros(len(images))), images / 255.0)


def test_corrupt_balanced_uses_the_modulo_scheme_and_float32(images):
    out, ids = corruptions.corrupt_balanced(images, seed=3)
    assert out.dtype == np.float32 and out.shape == images.shape
    assert np.array_equal(ids, np.arange(len(images)) % 5)
    for family_index, family in enumerate(FAMILY_FUNCTIONS):
        chosen = ids == family_index
        spawned = np.random.SeedSequence(3).spawn(5)[family_index]
        expected = family(images[chosen], np.random.default_rng(spawned)).astype(np.float32)
        assert np.array_equal(out[chosen], expected)


def test_corrupt_balanced_is_byte_identical_in_another_process(images):
    here = hashlib.sha256(corruptions.corrupt_balanced(images, seed=11)[0].tobytes()).hexdigest()
    code = (
        "import hashlib, os, sys; from lib import corruptions, data; "
        "x = data.load_dataset('kmnist', 'test', os.environ.get('REPORT_DATA_DIR'))[0][:30]; "
        "print(hashlib.sha256(corruptions.corrupt_balanced(x, seed=11)[0].tobytes()).hexdigest())"
    )
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert here == there
    other = hashlib.sha256(corruptions.corrupt_balanced(images, seed=12)[0].tobytes()).hexdigest()
    assert other != here


@pytest.mark.parametrize(
    "bad, problem",
    [
        (np.zeros((4, 28)), "shape"),
        (np.zeros((4, 28, 28), dtype=np.int32), "dtype"),
        (np.full((4, 28, 28), np.nan), "NaN"),
        (np.full((4, 28, 28), 1.5), r"\[0, 1\]"),
        ([[[0.0]]], "numpy array"),
    ],
)
def test_bad_input_is_refused_naming_the_problem(bad, problem):
    with pytest.raises(ValueError, match=problem):
        corruptions.corrupt_balanced(bad, seed=0)


@pytest.mark.parametrize("severity", [0, -1, 6, 2.5, "3", True, None])
def test_a_severity_outside_1_to_5_is_refused_by_name_and_range(images, severity):
    with pytest.raises(ValueError, match=r"severity must be an integer from 1 to 5"):
        corruptions.corrupt_balanced(images, seed=0, severity=severity)
    for family in FAMILY_FUNCTIONS:
        with pytest.raises(ValueError, match=r"severity must be an integer from 1 to 5"):
            family(images, np.random.default_rng(0), severity)


def test_a_numpy_integer_severity_is_accepted(images):
    plain, _ = corruptions.corrupt_balanced(images, seed=0, severity=4)
    numpy, _ = corruptions.corrupt_balanced(images, seed=0, severity=np.int64(4))
    assert np.array_equal(plain, numpy)


def test_a_flat_batch_is_reported_with_its_own_shape():
    with pytest.raises(ValueError, match=r"got shape \(10, 784\)"):
        corruptions.corrupt_balanced(np.zeros((10, 784)), seed=0)


def test_images_smaller_than_the_largest_black_patch_are_refused_up_front():
    with pytest.raises(ValueError, match=r"at least 8x8 pixels.*got shape \(5, 1, 1\)"):
        corruptions.corrupt_balanced(np.zeros((5, 1, 1)), seed=0)


def test_corrupt_pairs_applies_two_families_in_turn_to_each_image(images):
    out, ids = corruptions.corrupt_pairs(images, seed=3)
    assert out.dtype == np.float32 and out.shape == images.shape
    assert len(corruptions.FAMILY_PAIRS) == 10 and np.array_equal(ids, np.arange(len(images)) % 10)
    assert corruptions.PAIR_NAMES[0] == "gaussian_noise + rotation"
    for pair_index, (first, second) in enumerate(corruptions.FAMILY_PAIRS):
        chosen = ids == pair_index
        rng = np.random.default_rng(np.random.SeedSequence(3).spawn(10)[pair_index])
        expected = FAMILY_FUNCTIONS[second](FAMILY_FUNCTIONS[first](images[chosen], rng), rng)
        assert np.array_equal(out[chosen], expected.astype(np.float32))
    balanced, _ = corruptions.corrupt_balanced(images, seed=3)
    assert not np.array_equal(out, balanced)
    assert np.array_equal(out, corruptions.corrupt_pairs(images, seed=3)[0])
    with pytest.raises(ValueError, match="severity must be an integer from 1 to 5"):
        corruptions.corrupt_pairs(images, seed=3, severity=0)


def test_the_test_split_alone_at_severity_3_is_the_one_load_splits_makes(data_dir):
    from lib import profiles

    whole = profiles.load_splits("smoke", 0, data_dir=data_dir)["test"]
    alone = profiles.test_split("smoke", 0, data_dir=data_dir)
    for field in ("clean", "corrupted", "family_ids", "labels"):
        assert np.array_equal(getattr(whole, field), getattr(alone, field))
    harder = profiles.test_split("smoke", 0, data_dir=data_dir, severity=5)
    assert np.array_equal(harder.clean, whole.clean) and not np.array_equal(harder.corrupted, whole.corrupted)
    pairs = profiles.pairs_test_split("smoke", 0, data_dir=data_dir)
    assert np.array_equal(pairs.clean, whole.clean) and pairs.family_ids.max() == len(corruptions.FAMILY_PAIRS) - 1


@pytest.mark.parametrize("seed", [-1, 1.5, (0, -3), True], ids=["negative", "fractional", "negative part", "bool"])
@pytest.mark.parametrize("corrupt", [corruptions.corrupt_balanced, corruptions.corrupt_pairs])
def test_a_seed_numpy_cannot_take_is_refused_by_name(images, corrupt, seed):
    with pytest.raises(ValueError, match=r"seed must be a non-negative integer \(or a tuple of them\), got "):
        corrupt(images, seed)
