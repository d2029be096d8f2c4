import numpy as np
import pytest

from lib import experiment, training


@pytest.fixture(scope="module")
def tiny(data_dir):
    splits = experiment.load_splits("smoke", seed=0, data_dir=data_dir)
    shrink = lambda s, n: experiment.Split(s.clean[:n], s.corrupted[:n], s.family_ids[:n], s.labels[:n])
    return shrink(splits["train"], 64), shrink(splits["val"], 32)


def config(max_epochs=2, seed=0, model_id="12"):
    return training.TrainConfig(model_id, batch_size=32, learning_rate=1e-3, max_epochs=max_epochs, patience=3, seed=seed)


def weights_equal(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a.model.get_weights(), b.model.get_weights()))


def test_training_is_deterministic_and_cached(tiny, tmp_path):
    first = training.train(config(), *tiny, tmp_path / "a", log=lambda line: None)
    again = training.train(config(), *tiny, tmp_path / "b", log=lambda line: None)
    reused = training.train(config(), *tiny, tmp_path / "a", log=lambda line: None)
    assert not first.reused and not again.reused and reused.reused
    assert [row["loss"] for row in first.history] == [row["loss"] for row in again.history]
    assert weights_equal(first, again) and weights_equal(first, reused)
    assert (first.folder / "result.json").exists() and not (first.folder / "checkpoint.npz").exists()


def test_a_changed_configuration_trains_anew(tiny, tmp_path):
    first = training.train(config(seed=0), *tiny, tmp_path, log=lambda line: None)
    other = training.train(config(seed=1), *tiny, tmp_path, log=lambda line: None)
    assert first.folder != other.folder and not other.reused


@pytest.mark.parametrize("model_id", ["12", "14"])  # 14 adds dropout, whose random state must resume too
def test_an_interrupted_run_resumes_and_ends_where_an_uninterrupted_one_does(tiny, tmp_path, monkeypatch, model_id):
    uninterrupted = training.train(config(3, model_id=model_id), *tiny, tmp_path / "straight", log=lambda line: None)

    calls = {"n": 0}
    original = training.keras.Model.fit

    def fit_then_die(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("killed during epoch 3")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(training.keras.Model, "fit", fit_then_die)
    with pytest.raises(KeyboardInterrupt):
        training.train(config(3, model_id=model_id), *tiny, tmp_path / "resumed", log=lambda line: None)
    monkeypatch.setattr(training.keras.Model, "fit", original)
    lines = []
    resumed = training.train(config(3, model_id=model_id), *tiny, tmp_path / "resumed", log=lines.append)
    assert "resuming after epoch 2" in lines[0]
    assert [r["val_loss"] for r in resumed.history] == [r["val_loss"] for r in uninterrupted.history]
    assert weights_equal(resumed, uninterrupted)


def test_early_stopping_keeps_the_best_epoch(tiny, tmp_path):
    result = training.train(config(max_epochs=12), *tiny, tmp_path, log=lambda line: None)
    best = min(range(len(result.history)), key=lambda i: result.history[i]["val_loss"])
    assert result.best_epoch == best + 1
    if len(result.history) < 12:
        assert len(result.history) == result.best_epoch + training.PATIENCE


def test_the_classifier_trains_on_clean_images_with_the_same_engine(tiny, tmp_path):
    from lib import classifier

    train, val = tiny
    first = classifier.train({"train": train, "val": val}, 0, tmp_path, max_epochs=2, log=lambda line: None)
    reused = classifier.train({"train": train, "val": val}, 0, tmp_path, max_epochs=2, log=lambda line: None)
    assert not first.reused and reused.reused and weights_equal(first, reused)
    assert len(first.history) == 2 and {"accuracy", "val_accuracy", "val_loss"} <= set(first.history[0])
    assert first.model.predict(val.clean[:4, ..., None], verbose=0).shape == (4, 10)
