"""The results regression test: the smoke build's numbers against tests/reference/smoke_results.json.

nbval compares the text of what is exact by construction; the numbers that come out of training and
inference are compared here, exactly where they are discrete and within ``reference_results``'
measured tolerance where float32 arithmetic differs between CPUs. The second half shows that the check
can fail: a change of one thing that matters moves a result past the tolerance.
"""

import copy
import dataclasses
import os
import subprocess
import sys

import pytest

from lib import evaluation, labels, models, paths, profiles, reference_results, study

REFERENCE = reference_results.read(paths.RESULTS_REFERENCE)
UPDATE_HINT = (
    "if the change of result is intended, regenerate the references with "
    "`./build_report.sh --profile smoke --update-references` and commit them (docs/reproducibility.md)"
)


def test_the_smoke_build_reproduces_the_reference_results(smoke_build):
    assert smoke_build.run.returncode == 0, smoke_build.run.stderr[-3000:]
    found = reference_results.differences(reference_results.collect(smoke_build.artifact_dir), REFERENCE)
    assert found == [], "\n".join(found) + "\n" + UPDATE_HINT


# --- the check itself, on made-up trees ------------------------------------------------------------


def moved_by(path, amount):
    """The reference with the value at ``path`` (keys joined by " / ") increased by ``amount``."""
    moved = copy.deepcopy(REFERENCE)
    *parents, leaf = path.split(" / ")
    node = moved
    for key in parents:
        node = node[key]
    node[leaf] += amount
    return moved


def reference_value(path):
    return dict(reference_results.leaves(REFERENCE))[path]


# One value of ordinary size per measure, and one near zero (a collapsed model's) where the smoke build has one.
# (An SSIM is at most 1, so its floor is the whole of its tolerance.)
ORDINARY = {
    "loss": f"models / 12 / {labels.VAL_LOSS}",
    "MSE": f"final evaluation / readability / {labels.TEST_MSE} / 23",
    "PSNR": f"final evaluation / readability / {labels.PSNR} / 23",
    "edge contrast": f"final evaluation / headline / {labels.UNCORRECTED} / {labels.EDGE_CONTRAST} / overall",
    "sharpness": "final evaluation / sharpness ratio",
}
NEAR_ZERO = {
    "SSIM": f"final evaluation / readability / {labels.SSIM} / 0",
    "edge contrast": f"final evaluation / readability / {labels.EDGE_CONTRAST} / 0",
}


@pytest.mark.parametrize("measure", ORDINARY)
def test_a_value_of_ordinary_size_may_move_by_its_measures_relative_tolerance_and_not_beyond(measure):
    path = ORDINARY[measure]
    assert reference_results.measure(path) == measure
    tolerance = reference_results.TOLERANCES[measure]
    value = reference_value(path)
    assert tolerance.relative * abs(value) > tolerance.floor, "not a value of ordinary size for this measure"
    assert reference_results.differences(moved_by(path, 0.9 * tolerance.relative * value), REFERENCE) == []
    moved = reference_results.differences(moved_by(path, 1.1 * tolerance.relative * value), REFERENCE)
    assert [line.split(":")[0] for line in moved] == [path]


@pytest.mark.parametrize("measure", NEAR_ZERO)
def test_a_value_near_zero_may_move_by_its_measures_floor_and_not_beyond(measure):
    """A collapsed model's near-flat output has a small SSIM and edge contrast, which kernels move by a
    larger share of themselves than any value of ordinary size."""
    path = NEAR_ZERO[measure]
    assert reference_results.measure(path) == measure
    tolerance = reference_results.TOLERANCES[measure]
    assert tolerance.relative * abs(reference_value(path)) < tolerance.floor, "not a value near zero"
    assert reference_results.differences(moved_by(path, 0.9 * tolerance.floor), REFERENCE) == []
    moved = reference_results.differences(moved_by(path, 1.1 * tolerance.floor), REFERENCE)
    assert [line.split(":")[0] for line in moved] == [path]


def test_every_compared_real_number_belongs_to_a_measure_with_a_tolerance():
    reals = [path for path, value in reference_results.leaves(REFERENCE) if isinstance(value, float)]
    measures = {reference_results.measure(path) for path in reals}
    assert measures - {"accuracy"} <= set(reference_results.TOLERANCES)
    assert {"loss", "MSE", "PSNR", "SSIM", "edge contrast", "accuracy"} <= measures


@pytest.mark.parametrize(
    "path, value",
    [
        (("models", "12", "collapsed"), "flip"),
        (("models", "3", "epochs"), 2),
        (("models", "0", "parameters"), 11651),
        (("final evaluation", "final model"), "12"),
        (("final evaluation", "classifier epochs"), 2),
    ],
)
def test_discrete_outcomes_must_match_exactly(path, value):
    changed = copy.deepcopy(REFERENCE)
    *parents, leaf = path
    node = changed
    for key in parents:
        node = node[key]
    node[leaf] = (not node[leaf]) if value == "flip" else value
    assert [line.split(":")[0] for line in reference_results.differences(changed, REFERENCE)] == [" / ".join(path)]


ALLOWED = reference_results.ACCURACY_IMAGES


def test_a_reader_may_read_a_few_images_per_group_differently_and_not_more():
    accuracy = REFERENCE["final evaluation"]["controls"]["clean images"]
    family = next(name for name in accuracy if name != "overall")
    group = REFERENCE["final evaluation"]["test images"] // len(evaluation.FAMILIES)
    changed = copy.deepcopy(REFERENCE)
    changed["final evaluation"]["controls"]["clean images"][family] += ALLOWED * 100 / group
    assert reference_results.differences(changed, REFERENCE) == []
    changed["final evaluation"]["controls"]["clean images"][family] += 100 / group
    assert len(reference_results.differences(changed, REFERENCE)) == 1


def test_the_readers_accuracy_per_pair_of_families_allows_images_of_its_smaller_group():
    """Accuracies anywhere in the tree (headline, severity, pairs, readability) are told apart by their
    last key: a family's group is a fifth of the test images, a pair's a tenth, anything else all of them."""
    from lib.corruptions import PAIR_NAMES

    images = REFERENCE["final evaluation"]["test images"]
    reference = {
        "final evaluation": {
            "test images": images,
            "pairs": {labels.READ: {"model": {"overall": 50.0, PAIR_NAMES[0]: 50.0}}},
        }
    }
    changed = copy.deepcopy(reference)
    node = changed["final evaluation"]["pairs"][labels.READ]["model"]
    node[PAIR_NAMES[0]] += ALLOWED * 100 / (images // len(PAIR_NAMES))
    node["overall"] += ALLOWED * 100 / images
    assert reference_results.differences(changed, reference) == []
    node["overall"] += 100 / images
    assert [line.split(":")[0] for line in reference_results.differences(changed, reference)] == [
        "final evaluation / pairs / read correctly (%) / model / overall"
    ]


def test_the_readers_accuracy_on_a_models_worst_family_allows_images_of_that_family():
    images = 200
    reference = {"final evaluation": {"test images": images, "readability": {labels.READ_ON_WORST: {"12": 40.0}}}}
    changed = copy.deepcopy(reference)
    one_image = 100 / (images // len(evaluation.FAMILIES))
    changed["final evaluation"]["readability"][labels.READ_ON_WORST]["12"] += ALLOWED * one_image
    assert reference_results.differences(changed, reference) == []
    changed["final evaluation"]["readability"][labels.READ_ON_WORST]["12"] += one_image
    assert len(reference_results.differences(changed, reference)) == 1


def test_a_missing_or_new_value_is_a_difference():
    fewer = copy.deepcopy(REFERENCE)
    del fewer["models"]["19"]
    assert len(reference_results.differences(fewer, REFERENCE)) == len(reference_results.MODEL_COLUMNS)
    assert reference_results.differences(fewer, REFERENCE, subset=True) == []
    assert len(reference_results.differences(REFERENCE, fewer)) == len(reference_results.MODEL_COLUMNS)


# --- a changed result makes the check fail -----------------------------------------------------------


@pytest.fixture(scope="module")
def smoke_splits(data_dir):
    return profiles.load_splits("smoke", 0, data_dir=data_dir)


def retrained(model_id, data_dir, out_dir):
    """``model_id`` trained as the smoke build trains it, as the part of the results tree it fills."""
    setting = study.Setting("smoke", 0, data_dir, out_dir)
    return {"models": reference_results.model_results(study.results_table(setting.train([model_id]), setting))}


def with_first_convolution_of(filters):
    return lambda: [models.conv(filters), *models.baseline_0()[1:]]


MODEL_CHANGES = {
    "learning rate 1e-3 -> 2e-3": {"learning_rate": 2e-3},
    "first convolution 32 -> 24 maps": {"layers": with_first_convolution_of(24)},
    "loss: mean squared -> mean absolute error": {"loss": "mae"},
    "initial weights from another seed": {"seed_offset": 1},
}


def test_model_0_retrained_unchanged_matches_the_reference(data_dir, tmp_path):
    assert reference_results.differences(retrained("0", data_dir, tmp_path), REFERENCE, subset=True) == []


@pytest.mark.parametrize("change", MODEL_CHANGES)
def test_a_changed_model_fails_the_check(change, data_dir, tmp_path, monkeypatch):
    monkeypatch.setitem(models.MODELS, "0", dataclasses.replace(models.MODELS["0"], **MODEL_CHANGES[change]))
    found = reference_results.differences(retrained("0", data_dir, tmp_path), REFERENCE, subset=True)
    assert any(line.startswith(("models / 0 / train MSE", "models / 0 / val MSE")) for line in found), found


def identity_quality(splits):
    test = splits["test"]
    quality = evaluation.quality_table({labels.UNCORRECTED: evaluation.measure(test.corrupted, test)}, test)
    return {"final evaluation": {"quality": evaluation.quality_by_method(quality)}}


def test_the_corrupted_test_images_score_as_in_the_reference(smoke_splits):
    assert reference_results.differences(identity_quality(smoke_splits), REFERENCE, subset=True) == []


def test_a_changed_corruption_severity_fails_the_check(data_dir):
    harsher = profiles.load_splits("smoke", 0, data_dir=data_dir, severity=4)
    found = reference_results.differences(identity_quality(harsher), REFERENCE, subset=True)
    assert any(
        line.startswith(f"final evaluation / quality / {labels.UNCORRECTED} / {labels.MSE} / overall") for line in found
    ), found


# --- exact by construction: the corrupted data does not depend on the CPU's vector instructions ----

CORRUPTED_CHECKSUM = """
import hashlib, sys
from lib import profiles
splits = profiles.load_splits("smoke", 0, data_dir=sys.argv[1])
print(hashlib.sha256(b"".join(split.corrupted.tobytes() for split in splits.values())).hexdigest())
"""


def test_corrupted_images_are_byte_identical_whichever_vector_instructions_numpy_uses(data_dir):
    """numpy picks SIMD kernels (for example of sin and cos, used by rotation) by the CPU it runs on;
    switching off AVX-512 and AVX2 stands in for an older CPU."""

    def checksum(disabled):
        env = {**os.environ, "NPY_DISABLE_CPU_FEATURES": disabled}
        run = subprocess.run(
            [sys.executable, "-c", CORRUPTED_CHECKSUM, data_dir],
            cwd=paths.ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return run.stdout.strip()

    checksums = {
        disabled: checksum(disabled)
        for disabled in ("", "X86_V4 AVX512_ICL AVX512_SPR", "X86_V3 X86_V4 AVX512_ICL AVX512_SPR")
    }
    assert len(set(checksums.values())) == 1, checksums
