import dataclasses
import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from lib import artifacts, losses, profiles, training


@pytest.fixture(scope="module")
def tiny(data_dir):
    splits = profiles.load_splits("smoke", seed=0, data_dir=data_dir)
    shrink = lambda s, n: profiles.Split(s.clean[:n], s.corrupted[:n], s.family_ids[:n], s.labels[:n])
    return shrink(splits["train"], 64), shrink(splits["val"], 32)


def config(max_epochs=2, seed=0, model_id="12", loss="mse"):
    return training.TrainConfig(
        model_id, batch_size=32, learning_rate=1e-3, max_epochs=max_epochs, patience=3, seed=seed, loss=loss
    )


def train(cfg, tiny, out_dir, **kwargs):
    """``cfg``'s autoencoder trained on ``tiny``'s images (or found in the cache under ``out_dir``)."""
    return training.fit(training.autoencoder(cfg, *tiny), out_dir, **kwargs)


def weights_equal(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a.model.get_weights(), b.model.get_weights()))


def test_training_is_deterministic_and_cached(tiny, tmp_path):
    first = train(config(), tiny, tmp_path / "a", log=lambda line: None)
    again = train(config(), tiny, tmp_path / "b", log=lambda line: None)
    reused = train(config(), tiny, tmp_path / "a", log=lambda line: None)
    assert not first.reused and not again.reused and reused.reused
    assert [row["loss"] for row in first.history] == [row["loss"] for row in again.history]
    assert weights_equal(first, again) and weights_equal(first, reused)
    assert (first.folder / "result.json").exists() and not (first.folder / "checkpoint.npz").exists()


def test_a_changed_configuration_trains_anew(tiny, tmp_path):
    first = train(config(seed=0), tiny, tmp_path, log=lambda line: None)
    other = train(config(seed=1), tiny, tmp_path, log=lambda line: None)
    assert first.folder != other.folder and not other.reused


def train_killed_during_epoch(epoch, monkeypatch, *train_args):
    """``train(*train_args)``, stopped by a KeyboardInterrupt inside epoch ``epoch``, as a kill would."""
    original = training.keras.Model.fit
    calls = {"n": 0}

    def fit_then_die(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == epoch:
            raise KeyboardInterrupt(f"killed during epoch {epoch}")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(training.keras.Model, "fit", fit_then_die)
    with pytest.raises(KeyboardInterrupt):
        train(*train_args, log=lambda line: None)
    monkeypatch.setattr(training.keras.Model, "fit", original)


@pytest.mark.parametrize("model_id", ["12", "14"])  # 14 adds dropout, whose random state must resume too
def test_an_interrupted_run_resumes_and_ends_where_an_uninterrupted_one_does(tiny, tmp_path, monkeypatch, model_id):
    uninterrupted = train(config(3, model_id=model_id), tiny, tmp_path / "straight", log=lambda line: None)

    train_killed_during_epoch(3, monkeypatch, config(3, model_id=model_id), tiny, tmp_path / "resumed")
    lines = []
    resumed = train(config(3, model_id=model_id), tiny, tmp_path / "resumed", log=lines.append)
    assert "resuming after epoch 2" in lines[0]
    assert [r["val_loss"] for r in resumed.history] == [r["val_loss"] for r in uninterrupted.history]
    assert weights_equal(resumed, uninterrupted)


def test_a_run_resumed_elsewhere_says_where_each_stretch_of_epochs_trained(tiny, tmp_path, monkeypatch):
    run, quiet = config(3, model_id="0"), (lambda line: None)
    real_device = training.backend.device
    monkeypatch.setattr(training.backend, "device", lambda: "a GPU")
    train_killed_during_epoch(3, monkeypatch, run, tiny, tmp_path)
    monkeypatch.setattr(training.backend, "device", real_device)
    here = f"{training.backend.NAME} on {real_device()}"
    expected = f"{training.backend.NAME} on a GPU (2 epochs), then {here} (1 epoch)"
    assert train(run, tiny, tmp_path, log=quiet).trained_on == expected
    assert train(run, tiny, tmp_path, log=quiet).trained_on == expected  # now from the cache
    # A run in one place names the CPU too, where it trained on one.
    single = here + (f" ({training.backend.cpu()})" if real_device() == "cpu" else "")
    assert train(config(1, model_id="0"), tiny, tmp_path / "straight", log=quiet).trained_on == single


def test_a_checkpoint_from_before_places_were_recorded_says_its_epochs_ran_somewhere_unrecorded(
    tiny, tmp_path, monkeypatch
):
    run = config(3, model_id="0")
    train_killed_during_epoch(3, monkeypatch, run, tiny, tmp_path)
    checkpoint, model = next(tmp_path.glob("models/*/checkpoint.npz")), training.autoencoder(run, *tiny).compiled()
    state = artifacts.restore_checkpoint(checkpoint, model)
    del state["places"]  # as the first format wrote it
    state["format"] = 1
    artifacts.save_checkpoint(checkpoint, model, state)
    here = f"{training.backend.NAME} on {training.backend.device()}"
    resumed = train(run, tiny, tmp_path, log=lambda line: None)
    assert resumed.trained_on == f"an unrecorded place (2 epochs), then {here} (1 epoch)"


# Trains model 14 (with dropout) on ``tiny``'s images, stopped during epoch 3, in a process of its own.
KILLED_ELSEWHERE = """
import sys
from lib import profiles, training

splits = profiles.load_splits("smoke", seed=0, data_dir=sys.argv[1])
shrink = lambda s, n: profiles.Split(s.clean[:n], s.corrupted[:n], s.family_ids[:n], s.labels[:n])
fit, calls = training.keras.Model.fit, []

def fit_then_die(self, *args, **kwargs):
    calls.append(1)
    if len(calls) == 3:
        raise KeyboardInterrupt
    return fit(self, *args, **kwargs)

training.keras.Model.fit = fit_then_die
config = training.TrainConfig("14", batch_size=32, learning_rate=1e-3, max_epochs=3, patience=3, seed=0)
try:
    network = training.autoencoder(config, shrink(splits["train"], 64), shrink(splits["val"], 32))
    training.fit(network, sys.argv[2], log=print)
except KeyboardInterrupt:
    print("killed during epoch 3")
"""


def test_a_checkpoint_from_another_backend_resumes_here(data_dir, tiny, tmp_path):
    """Begun on a GPU with JAX, finished on a CPU with TensorFlow: the checkpoint holds plain arrays in
    Keras' order (weights, Adam's slots, dropout's random state), so any backend can carry the run on."""
    other = "tensorflow" if training.backend.NAME == "jax" else "jax"
    there = subprocess.run(
        [sys.executable, "-c", KILLED_ELSEWHERE, data_dir, str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "KERAS_BACKEND": other},
    )
    assert "killed during epoch 3" in there.stdout, there.stderr[-2000:]
    lines = []
    resumed = train(config(3, model_id="14"), tiny, tmp_path, log=lines.append)
    assert "resuming after epoch 2" in lines[0]
    assert len(resumed.history) == 3 and np.isfinite(resumed.history[-1]["val_loss"])
    here = f"{training.backend.NAME} on {training.backend.device()}"
    assert resumed.trained_on.startswith(f"{other} on ")
    assert resumed.trained_on.endswith(f" (2 epochs), then {here} (1 epoch)")


def test_early_stopping_keeps_the_best_epoch(tiny, tmp_path):
    result = train(config(max_epochs=12), tiny, tmp_path, log=lambda line: None)
    best = min(range(len(result.history)), key=lambda i: result.history[i]["val_loss"])
    assert result.best_epoch == best + 1
    if len(result.history) < 12:
        assert len(result.history) == result.best_epoch + training.PATIENCE


def test_the_classifier_trains_on_clean_images_with_the_same_engine(tiny, tmp_path):
    from lib import classifier

    network = lambda: classifier.reader(classifier.config_for(0, max_epochs=2), *tiny)
    first = training.fit(network(), tmp_path, log=lambda line: None)
    reused = training.fit(network(), tmp_path, log=lambda line: None)
    assert not first.reused and reused.reused and weights_equal(first, reused)
    assert len(first.history) == 2 and {"accuracy", "val_accuracy", "val_loss"} <= set(first.history[0])
    assert first.model.predict(tiny[1].clean[:4, ..., None], verbose=0).shape == (4, 10)


def test_the_largest_seed_leaves_room_for_every_models_offset_and_every_spread_run():
    from lib import models

    largest_offset = max(spec.seed_offset for spec in models.MODELS.values())
    assert training.MAX_SEED + largest_offset + training.SPREAD_RUNS - 1 == 2**32 - 1
    assert training.config_for("9", training.MAX_SEED, run=training.SPREAD_RUNS - 1).seed == 2**32 - 1
    training.check_seed(0)
    training.check_seed(training.MAX_SEED)
    for bad in (-1, training.MAX_SEED + 1, 2**32, 1.5, True):
        with pytest.raises(ValueError, match=f"seed must be an integer from 0 to {training.MAX_SEED}"):
            training.check_seed(bad)
    with pytest.raises(ValueError, match="seed must be"):
        training.config_for("9", training.MAX_SEED + 1)


def truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def flip_one_byte(path):
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    path.write_bytes(bytes(raw))


def set_aside(folder):
    return sorted(folder.parent.glob(f"{folder.name}.damaged-*"))


@pytest.mark.parametrize(
    "name, damage",
    [
        ("best_weights.npz", truncate),
        ("best_weights.npz", flip_one_byte),
        ("result.json", truncate),
        ("result.json", flip_one_byte),
    ],
    ids=["weights truncated", "weights byte flipped", "result truncated", "result byte flipped"],
)
def test_a_damaged_finished_model_is_reported_set_aside_and_trained_again(tiny, tmp_path, name, damage):
    finished = train(config(1), tiny, tmp_path, log=lambda line: None)
    damage(finished.folder / name)
    lines = []
    again = train(config(1), tiny, tmp_path, log=lines.append)
    assert not again.reused and again.folder == finished.folder and weights_equal(again, finished)
    assert any("damaged" in line and str(finished.folder) in line and name in line for line in lines), lines
    [aside] = set_aside(finished.folder)
    assert (aside / name).exists()
    assert train(config(1), tiny, tmp_path, log=lambda line: None).reused  # healed


def test_a_damaged_checkpoint_is_reported_set_aside_and_the_model_trained_from_the_start(tiny, tmp_path, monkeypatch):
    straight = train(config(2), tiny, tmp_path / "straight", log=lambda line: None)
    train_killed_during_epoch(2, monkeypatch, config(2), tiny, tmp_path / "damaged")
    folder = tmp_path / "damaged" / "models" / straight.folder.name
    truncate(folder / "checkpoint.npz")

    lines = []
    assert artifacts.epochs_run(folder, log=lines.append) == (0, False)
    assert "damaged" in lines[0] and str(folder) in lines[0]
    lines = []
    result = train(config(2), tiny, tmp_path / "damaged", log=lines.append)
    assert any("checkpoint.npz" in line and "damaged" in line for line in lines) and not any(
        "resuming" in line for line in lines
    )
    assert weights_equal(result, straight) and len(set_aside(folder)) == 1


def hold_lock(folder, holder):
    import fcntl

    lock = open(folder.with_name(folder.name + ".lock"), "a+")
    fcntl.flock(lock, fcntl.LOCK_EX)
    lock.write(holder)
    lock.flush()
    return lock


def test_a_second_build_waits_for_the_model_the_first_is_training_and_reuses_it(tiny, tmp_path):
    import shutil
    import threading

    first = train(config(1), tiny, tmp_path / "first", log=lambda line: None)
    folder = tmp_path / "shared" / "models" / first.folder.name
    folder.parent.mkdir(parents=True)
    lock = hold_lock(folder, "pid 4242 on otherhost since 2026-01-01T00:00:00Z")
    lines, outcome = [], {}
    second = threading.Thread(
        target=lambda: outcome.update(result=train(config(1), tiny, tmp_path / "shared", log=lines.append))
    )
    second.start()
    for _ in range(600):
        if lines:
            break
        second.join(0.1)
    # The live holder, named by the kernel, not the pid an earlier holder left in the file.
    assert lines and "waiting" in lines[0] and f"pid {os.getpid()} (" in lines[0] and str(folder) in lines[0]
    assert "4242" not in lines[0]
    shutil.copytree(first.folder, folder)  # what the first build finishes while the second waits
    lock.close()
    second.join(60)
    assert outcome["result"].reused and weights_equal(outcome["result"], first)


def test_a_build_that_will_not_wait_is_told_who_holds_the_model(tiny, tmp_path):
    first = train(config(1), tiny, tmp_path / "first", log=lambda line: None)
    folder = tmp_path / "shared" / "models" / first.folder.name
    folder.parent.mkdir(parents=True)
    with hold_lock(folder, "pid 4242 on otherhost since 2026-01-01T00:00:00Z"):
        with pytest.raises(artifacts.NetworkBusy, match=rf"pid {os.getpid()} \("):
            train(config(1), tiny, tmp_path / "shared", log=lambda line: None, wait=False)
    assert not folder.exists()


def test_a_wait_for_a_held_network_is_said_again_and_can_be_limited(tiny, tmp_path, monkeypatch):
    first = train(config(1), tiny, tmp_path / "first", log=lambda line: None)
    folder = tmp_path / "shared" / "models" / first.folder.name
    folder.parent.mkdir(parents=True)
    monkeypatch.setattr(artifacts, "LOCK_POLL", 0.05)
    monkeypatch.setattr(artifacts, "LOCK_REMINDER", 0.2)
    monkeypatch.setenv(artifacts.LOCK_WAIT_VARIABLE, "1")
    lines = []
    with hold_lock(folder, ""):
        started = time.monotonic()
        with pytest.raises(artifacts.NetworkBusy, match=rf"pid {os.getpid()} .* still holds .* after 1 s"):
            train(config(1), tiny, tmp_path / "shared", log=lines.append)
    assert time.monotonic() - started < 5
    assert "for at most 1 s" in lines[0] and any("still waiting" in line for line in lines[1:])


def test_a_lock_left_by_a_dead_process_is_taken_over(tiny, tmp_path):
    first = train(config(1), tiny, tmp_path / "first", log=lambda line: None)
    folder = tmp_path / "second" / "models" / first.folder.name
    folder.parent.mkdir(parents=True)
    hold_lock(folder, "pid 4242 on otherhost since 2026-01-01T00:00:00Z").close()  # its holder died
    lines = []
    train(config(1), tiny, tmp_path / "second", log=lines.append)
    assert not any("waiting" in line for line in lines)


def test_a_model_cached_before_the_checksums_is_still_reused(tiny, tmp_path):
    finished = train(config(1), tiny, tmp_path, log=lambda line: None)
    result = json.loads((finished.folder / "result.json").read_text())
    del result["sha256"], result["weights_sha256"], result["format"]  # as version 1 wrote it
    (finished.folder / "result.json").write_text(json.dumps(result))
    reused = train(config(1), tiny, tmp_path, log=lambda line: None)
    assert reused.reused and weights_equal(reused, finished)


def test_a_spread_run_is_the_same_network_with_the_next_seed():
    runs = [training.config_for("20", 5, run=run) for run in range(training.SPREAD_RUNS)]
    assert [c.seed for c in runs] == [5, 6, 7]
    assert len({(c.model_id, c.batch_size, c.learning_rate, c.max_epochs, c.loss) for c in runs}) == 1
    for bad in (-1, training.SPREAD_RUNS, 1.5):
        with pytest.raises(ValueError, match=f"run must be an integer from 0 to {training.SPREAD_RUNS - 1}"):
            training.config_for("20", 5, run=bad)


def test_the_edge_aware_loss_is_the_mse_plus_the_mse_of_the_image_gradients():
    rng = np.random.default_rng(0)
    clean, predicted = rng.random((2, 3, 28, 28, 1), dtype=np.float32)
    error = predicted.astype(np.float64) - clean
    expected = np.mean(error**2, axis=(1, 2, 3)) + losses.EDGE_WEIGHT * (
        np.mean(np.diff(error, axis=1) ** 2, axis=(1, 2, 3)) + np.mean(np.diff(error, axis=2) ** 2, axis=(1, 2, 3))
    )
    loss = training.keras.ops.convert_to_numpy(losses.mse_and_edges(clean, predicted))
    np.testing.assert_allclose(loss, expected, rtol=1e-5)
    # A uniform shift leaves every edge where it was: only the MSE is charged. A blur is charged more than its MSE.
    shifted = training.keras.ops.convert_to_numpy(losses.mse_and_edges(clean, clean + 0.1))
    np.testing.assert_allclose(shifted, 0.01, rtol=1e-4)  # float32 rounding of the shift
    blurred = (clean + np.roll(clean, 1, axis=1) + np.roll(clean, 1, axis=2)) / 3
    mse = np.mean((blurred - clean) ** 2, axis=(1, 2, 3))
    assert np.all(training.keras.ops.convert_to_numpy(losses.mse_and_edges(clean, blurred)) > 1.5 * mse)


def test_a_model_trained_on_the_edge_aware_loss_logs_its_mse_too(tiny, tmp_path):
    result = train(config(1, model_id="22", loss="mse+edges"), tiny, tmp_path, log=lambda line: None)
    row = result.history[0]
    assert {"loss", "mse", "val_loss", "val_mse"} <= set(row)
    assert row["val_loss"] > row["val_mse"] > 0  # the edge term adds to the MSE


def test_a_model_with_penalties_logs_its_mse_apart_from_its_loss(tiny, tmp_path):
    plain = train(config(1, model_id="12"), tiny, tmp_path, log=lambda line: None).history[0]
    assert plain["val_loss"] == pytest.approx(plain["val_mse"])  # no penalty: the loss is the MSE
    penalised = train(config(1, model_id="13"), tiny, tmp_path, log=lambda line: None).history[0]
    assert penalised["val_loss"] > penalised["val_mse"] > 0  # Keras adds the L2 penalty to the loss


def test_a_result_that_does_not_log_the_mse_is_trained_again(tiny, tmp_path):
    finished = train(config(1), tiny, tmp_path, log=lambda line: None)
    result = json.loads((finished.folder / "result.json").read_text())
    result["history"] = [{k: v for k, v in row.items() if k not in ("mse", "val_mse")} for row in result["history"]]
    del result["sha256"], result["format"]  # a result of older code, of version 1
    (finished.folder / "result.json").write_text(json.dumps(result))
    lines = []
    again = train(config(1), tiny, tmp_path, log=lines.append)
    assert not again.reused and "val_mse" in again.history[0]
    assert any("does not log mse; training it again" in line for line in lines)
    assert weights_equal(again, finished)


def test_the_batch_size_can_be_overridden_for_the_ablation_and_keeps_the_models_seed():
    own, large = training.config_for("12", 0), training.config_for("12", 0, batch_size=512)
    assert (own.batch_size, large.batch_size) == (128, 512)
    assert dataclasses.replace(large, batch_size=128) == own


def test_a_u_nets_cache_key_is_the_same_in_every_process_and_names_its_wiring(tiny, tmp_path):
    import subprocess
    import sys

    from lib import models

    def folder(model_id, loss="mse"):
        cfg = config(model_id=model_id, loss=loss)
        model = models.build(model_id)
        return artifacts.cache_key(
            cfg, model, (*training.autoencoder_data(tiny[0]), *training.autoencoder_data(tiny[1]))
        )

    # Model 21 is model 20 without its skips; model 22 is model 20 trained on another loss.
    assert len({folder("20"), folder("21"), folder("20", "mse+edges")}) == 3
    code = (
        "from lib import artifacts, models, profiles, training\n"
        "s = profiles.load_splits('smoke', seed=0)\n"
        "shrink = lambda s, n: profiles.Split(s.clean[:n], s.corrupted[:n], s.family_ids[:n], s.labels[:n])\n"
        "train, val = shrink(s['train'], 64), shrink(s['val'], 32)\n"
        "models.build('12'); models.build('21')\n"  # other models built first: Keras' name counters move on
        "cfg = training.TrainConfig('20', 32, 1e-3, 2, 3, 0)\n"
        "print(artifacts.cache_key(cfg, models.build('20'), (*training.autoencoder_data(train),\n"
        "                                                    *training.autoencoder_data(val))))\n"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert other.stdout.strip().splitlines()[-1] == folder("20")


def test_a_networks_key_is_that_of_the_network_fit_trains(tiny, tmp_path):
    """``Network.key`` (what ``fit``, the published set and the pinned keys use) hashes the network built without
    its weights; the network ``fit`` compiles and trains must hash alike."""
    network = training.autoencoder(config(1, model_id="23"), *tiny)
    compiled = network.compiled()
    assert artifacts.cache_key(network.config, compiled, (*network.train_data, *network.val_data)) == network.key
    assert training.fit(network, tmp_path, log=lambda line: None).folder == network.folder(tmp_path)


@pytest.mark.parametrize("count", [300, 256], ids=["a partial last batch", "whole batches only"])
def test_batches_feed_keras_what_the_arrays_would_without_tf_data_autotuning(count):
    """Keras' own feed gives its batches a fixed size where they all are whole, and TensorFlow's graph
    for a fixed size rounds batch normalisation differently (the quick profile's 12,000 images in
    batches of 32, say): the same batches must come with the same shapes."""
    from lib import backend

    keras = backend.keras
    images = np.random.default_rng(0).random((count, 28, 28, 1), dtype=np.float32)

    def trained(feed):
        backend.make_deterministic(0)
        model = keras.Sequential(
            [
                keras.Input((28, 28, 1)),
                keras.layers.Conv2D(4, 3, padding="same"),
                keras.layers.BatchNormalization(),
                keras.layers.Dropout(0.2, seed=1),
                keras.layers.Conv2D(1, 3, padding="same"),
            ]
        )
        model.compile(keras.optimizers.Adam(1e-3), "mse", jit_compile=backend.JIT_COMPILE)
        loss = model.fit(**feed(images, images, batch_size=64), epochs=1, shuffle=False, verbose=0).history["loss"]
        score = model.evaluate(**feed(images, images, batch_size=128), verbose=0)
        return loss, score, model.predict(**feed(images, None, batch_size=128), verbose=0)

    as_arrays = lambda x, y, batch_size: {"x": x, "batch_size": batch_size} | ({} if y is None else {"y": y})
    (loss, score, output), (array_loss, array_score, array_output) = trained(backend.batches), trained(as_arrays)
    assert (loss, score) == (array_loss, array_score)
    np.testing.assert_array_equal(output, array_output)
    if backend.NAME == "tensorflow":
        # Autotuning's thread outlives the pipeline by up to 60 s, idle (docs/measurements.md, "Measured throughput").
        assert backend.batches(images, images, batch_size=64)["x"].options().autotune.enabled is False
