"""Each network evaluated once: an evaluation is reused until what it depends on changes, and then only it is
computed again; a damaged one is set aside and computed again."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from lib import artifacts, backend, evaluation, evaluation_cache, labels
from lib.profiles import Split


def scaling_network(factor, name="model_5-000000000000"):
    """A trained network as ``training.fit`` hands it back: a 1x1 convolution that multiplies by ``factor``."""
    keras = backend.keras
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(1, 1, use_bias=False)])
    model.set_weights([np.full((1, 1, 1, 1), factor, np.float32)])
    return SimpleNamespace(model=model, folder=Path("models") / name)


def brightness_reader():
    """A reader as ``training.fit`` hands it back: class 0 where the image's mean is above 0.1, class 1 otherwise."""
    keras, ops = backend.keras, backend.keras.ops

    def read(images):
        bright = ops.cast(ops.mean(images, axis=(1, 2, 3)) > 0.1, "float32")
        return ops.stack([bright, 1 - bright], axis=1)

    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Lambda(read)])
    return SimpleNamespace(model=model, folder=Path("models") / "model_classifier-000000000000")


def make_split(seed=0, n=20):
    rng = np.random.default_rng(seed)
    clean = (rng.random((n, 28, 28)) < 0.3).astype(np.float32)
    corrupted = np.clip(clean + rng.normal(0, 0.2, clean.shape), 0, 1).astype(np.float32)
    return Split(clean, corrupted, np.arange(n) % 5, (np.arange(n) % 2).astype(np.int64))


def evaluate_all(out_dir, network, split, reader):
    """One build's evaluations: a network's corrections, the uncorrected input and the search over undoings."""
    return (
        evaluation_cache.network_measures(out_dir, network, split, reader),
        evaluation_cache.reference_measures(out_dir, labels.UNCORRECTED, split, split.clean.mean(axis=0), reader),
        evaluation_cache.undoing_readings(out_dir, reader, split)["right"],
    )


def kept(out_dir):
    """The evaluation files kept, name -> modification time in nanoseconds."""
    return {path.name: path.stat().st_mtime_ns for path in (Path(out_dir) / "evaluations").glob("*.npz")}


def test_an_evaluation_is_computed_once_and_then_read_back_as_it_was(tmp_path):
    network, reader, split = scaling_network(0.5), brightness_reader(), make_split()
    first = evaluation_cache.network_measures(tmp_path, network, split, reader)
    fresh = evaluation.measure(evaluation.reconstruct(network.model, split.corrupted), split, reader.model)
    written = kept(tmp_path)
    again = evaluation_cache.network_measures(tmp_path, network, split, reader)
    assert kept(tmp_path) == written and len(written) == 1  # read back, not computed and written again
    for measured in (first, again):
        for name in evaluation_cache.PER_IMAGE:
            np.testing.assert_array_equal(getattr(measured, name), getattr(fresh, name))
        assert measured.spread == fresh.spread


def test_a_changed_network_recomputes_its_evaluation_only(tmp_path):
    reader, split = brightness_reader(), make_split()
    evaluate_all(tmp_path, scaling_network(0.5), split, reader)
    before = kept(tmp_path)
    # The same folder name with other weights: a network trained again on another machine, say.
    retrained = evaluation_cache.network_measures(tmp_path, scaling_network(0.25), split, reader)
    evaluate_all(tmp_path, scaling_network(0.25), split, reader)
    after = kept(tmp_path)
    assert set(before) < set(after) and len(after) == len(before) + 1
    assert all(after[name] == modified for name, modified in before.items())
    assert (
        retrained.mse.mean()
        > evaluation_cache.network_measures(tmp_path, scaling_network(0.5), split, reader).mse.mean()
    )


def test_a_changed_split_recomputes_every_evaluation_on_it(tmp_path):
    network, reader = scaling_network(0.5), brightness_reader()
    evaluate_all(tmp_path, network, make_split(0), reader)
    before = kept(tmp_path)
    evaluate_all(tmp_path, network, make_split(1), reader)
    after = kept(tmp_path)
    assert len(after) == 2 * len(before) and all(after[name] == modified for name, modified in before.items())
    evaluate_all(tmp_path, network, make_split(0), reader)
    assert kept(tmp_path) == after


def test_a_changed_evaluation_function_recomputes_exactly_what_it_computes(tmp_path, monkeypatch):
    network, reader, split = scaling_network(0.5), brightness_reader(), make_split()
    evaluate_all(tmp_path, network, split, reader)
    before = kept(tmp_path)

    def per_sample_ssim(predicted, clean):  # another SSIM: every evaluation of image quality depends on it
        return np.zeros(len(clean))

    monkeypatch.setattr(evaluation, "per_sample_ssim", per_sample_ssim)
    measured, reference, _ = evaluate_all(tmp_path, network, split, reader)
    after = kept(tmp_path)
    assert not measured.ssim.any() and not reference.ssim.any()
    new = set(after) - set(before)
    assert len(new) == 2 and {name.split("-")[0] for name in new} == {"model_5", "uncorrected_input"}
    assert all(after[name] == modified for name, modified in before.items())  # the search over undoings: kept

    def median_filter(images, size=3):  # a reference answer's function: the network's evaluation is kept
        return np.asarray(images)

    monkeypatch.setattr(evaluation, "median_filter", median_filter)
    evaluate_all(tmp_path, network, split, reader)
    newer = set(kept(tmp_path)) - set(after)
    assert {name.split("-")[0] for name in newer} == {"uncorrected_input"}


def test_an_unrelated_function_changed_recomputes_nothing(tmp_path, monkeypatch):
    network, reader, split = scaling_network(0.5), brightness_reader(), make_split()
    evaluate_all(tmp_path, network, split, reader)
    before = kept(tmp_path)
    monkeypatch.setattr(evaluation, "with_interval", lambda value, interval, digits=1, unit="": "")
    evaluate_all(tmp_path, network, split, reader)
    assert kept(tmp_path) == before


@pytest.mark.parametrize("damage", ["truncated", "altered", "one value missing"])
def test_a_damaged_evaluation_is_set_aside_and_computed_again(tmp_path, damage):
    network, reader, split = scaling_network(0.5), brightness_reader(), make_split()
    first = evaluation_cache.network_measures(tmp_path, network, split, reader)
    [path] = (tmp_path / "evaluations").glob("*.npz")
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:-100])
    else:
        with np.load(path) as saved:
            arrays = {name: saved[name] for name in saved.files}
        if damage == "altered":
            arrays["mse"] = arrays["mse"] * 2  # the digest inside no longer matches
        else:
            arrays = {name: values[:-1] if values.ndim else values for name, values in arrays.items()}
            arrays["sha256"] = np.array(
                evaluation_cache.artifacts.arrays_sha256(
                    {name: values for name, values in arrays.items() if name != "sha256"}
                )
            )
        np.savez(path.with_suffix(""), **arrays)
    messages = []
    again = evaluation_cache.network_measures(tmp_path, network, split, reader, log=messages.append)
    np.testing.assert_array_equal(again.mse, first.mse)
    [aside] = (tmp_path / "evaluations").glob("*.damaged-*")
    assert aside.name.startswith(path.name) and path.exists()
    assert len(messages) == 1 and "damaged" in messages[0] and "computed again" in messages[0]


def test_an_evaluation_another_process_computes_is_waited_for_and_read_not_computed_again(tmp_path):
    """Notebooks run at once ask for the same evaluations: the one that asks first computes, the other waits and
    reads it."""
    import threading

    split, key, computed = make_split(), {"what": "a constructed evaluation"}, []

    def compute():
        computed.append(True)
        return {"right": np.zeros(len(split), bool)}

    path = evaluation_cache.evaluation_path(tmp_path, "constructed", key, split)
    got = {}
    with artifacts.claim(path, "the test", print, doing="computes it"):  # held as another process would
        asking = threading.Thread(
            target=lambda: got.update(
                evaluation_cache._cached(tmp_path, "constructed", key, split, ("right",), compute, print)
            )
        )
        asking.start()
        asking.join(timeout=1.5)
        assert asking.is_alive() and not computed  # waiting for the holder
        artifacts.write_npz(path, {"right": np.ones(len(split), bool)})
    asking.join(timeout=30)
    assert not computed and got["right"].all()  # read what the holder wrote
