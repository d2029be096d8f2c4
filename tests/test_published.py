"""The published set of trained networks: current, whole, loaded instead of trained, refused when damaged."""

import json
import shutil

import pytest

from lib import artifacts, paths, profiles, published, study, training


def test_every_published_network_is_current_and_whole(data_dir):
    """A change that alters a published network's key (its architecture, settings or data) leaves it stale:
    this names it and the commands that retrain and republish it."""
    for profile in profiles.PROFILES:
        found = published.survey(study.Setting(profile, 0, data_dir))
        retrain = (
            f"retrain with './build_report.sh train --profile {profile} --retrain', then publish with "
            f"'.venv/bin/python -m lib.published --profile {profile}' and delete the stale folders"
        )
        assert not found.stale, f"published networks the current code no longer trains: {found.stale}; {retrain}"
        assert not found.damaged, f"damaged published networks: {found.damaged}"
        if profile == "full":  # a fresh clone renders the full study from the published set, training nothing
            assert not found.missing, (
                f"the full study's published set lacks {', '.join(found.missing)}: a fresh clone's full build would "
                f"train them; train them ('./build_report.sh train --profile full') and publish them first"
            )


@pytest.fixture
def tiny(data_dir):
    splits = profiles.load_splits("smoke", seed=0, data_dir=data_dir)
    shrink = lambda s, n: profiles.Split(s.clean[:n], s.corrupted[:n], s.family_ids[:n], s.labels[:n])
    return shrink(splits["train"], 64), shrink(splits["val"], 32)


def config():
    return training.TrainConfig("12", batch_size=32, learning_rate=1e-3, max_epochs=1, patience=3, seed=0)


def train(tiny, out_dir, log):
    return training.fit(training.autoencoder(config(), *tiny), out_dir, log=log)


@pytest.fixture
def shipped(tiny, tmp_path, monkeypatch):
    """A network trained into one artifact folder and published (as ``lib.published`` copies it)."""
    trained = train(tiny, tmp_path / "trainer", log=lambda line: None)
    monkeypatch.setattr(paths, "PUBLISHED_DIR", tmp_path / "published")
    copy = tmp_path / "published" / "smoke" / "models" / trained.folder.name
    copy.mkdir(parents=True)
    for file in published.FILES:
        shutil.copy(trained.folder / file, copy / file)
    return trained, copy


def test_a_published_network_is_loaded_not_trained_and_says_so(tiny, tmp_path, shipped):
    trained, copy = shipped
    lines = []
    loaded = train(tiny, tmp_path / "reader", log=lines.append)
    assert loaded.reused and loaded.published and loaded.folder == copy
    assert loaded.trained_on.endswith(", published")
    assert all((a == b).all() for a, b in zip(loaded.model.get_weights(), trained.model.get_weights()))
    assert lines == [f"model 12: reusing the published network in {copy.name}"]
    assert not (tmp_path / "reader" / "models" / copy.name).exists()


def test_a_network_published_for_another_dataset_is_found_in_that_datasets_folder(tiny, tmp_path, shipped):
    copy = shipped[1]
    moved = paths.PUBLISHED_DIR / "fashion-mnist" / "smoke" / "models" / copy.name
    moved.parent.mkdir(parents=True)
    copy.rename(moved)
    loaded = train(tiny, tmp_path / "reader", log=lambda line: None)
    assert loaded.published and loaded.folder == moved


def test_retrain_leaves_the_published_set_out(tiny, tmp_path, shipped, monkeypatch):
    monkeypatch.setenv(artifacts.RETRAIN_VARIABLE, "1")
    again = train(tiny, tmp_path / "reader", log=lambda line: None)
    assert not again.reused and not again.published
    assert (tmp_path / "reader" / "models" / shipped[1].name / "result.json").exists()


def test_a_damaged_published_network_is_refused_by_name(tiny, tmp_path, shipped):
    copy = shipped[1]
    weights = copy / "best_weights.npz"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(artifacts.DamagedArtifact, match=rf"the published network {copy} is damaged.*--retrain"):
        train(tiny, tmp_path / "reader", log=lambda line: None)
    assert not (tmp_path / "reader" / "models" / copy.name / "result.json").exists()  # never used, never trained over


def test_a_published_record_stripped_of_its_checksum_and_edited_is_damaged(tiny, tmp_path, shipped, data_dir):
    """Without its SHA-256 an edited record would pass for one written before the checksums were added."""
    copy = shipped[1]
    record = json.loads((copy / "result.json").read_text())
    del record["sha256"]
    record["history"], record["best_epoch"] = record["history"] * 2, 2
    (copy / "result.json").write_text(json.dumps(record))
    with pytest.raises(artifacts.DamagedArtifact, match=rf"the published network {copy} is damaged.*no sha256"):
        train(tiny, tmp_path / "reader", log=lambda line: None)
    with pytest.raises(artifacts.DamagedArtifact, match="carries no sha256"):
        artifacts.read_record(copy)


def test_a_cached_record_of_the_current_format_without_its_checksums_is_damaged(tiny, tmp_path):
    trained = train(tiny, tmp_path / "trainer", log=lambda line: None)
    record = json.loads((trained.folder / "result.json").read_text())
    del record["sha256"], record["weights_sha256"]
    (trained.folder / "result.json").write_text(json.dumps(record))
    with pytest.raises(artifacts.DamagedArtifact, match="carries no sha256 and no weights_sha256"):
        artifacts.read_record(trained.folder)


def test_a_published_folder_no_current_network_has_the_key_of_is_stale(tmp_path, monkeypatch, data_dir):
    monkeypatch.setattr(paths, "PUBLISHED_DIR", tmp_path)
    (tmp_path / "smoke" / "models" / "model_12-000000000000").mkdir(parents=True)
    found = published.survey(study.Setting("smoke", 0, data_dir))
    assert found.stale == [tmp_path / "smoke" / "models" / "model_12-000000000000"]
    assert "model 12" in found.missing and not found.published and not found.damaged


def test_publishing_copies_the_finished_networks_the_report_needs(tmp_path, monkeypatch, data_dir):
    setting = study.Setting("smoke", 0, data_dir, tmp_path / "artifacts")
    trained = setting.train(["0"])["0"]
    (tmp_path / "artifacts" / "models" / "model_0-000000000000").mkdir()  # no network of the report: left alone
    monkeypatch.setattr(paths, "PUBLISHED_DIR", tmp_path / "published")
    lines = []
    names = published.publish(setting, write=lines.append)
    assert names == ["the reader", "model 0"]  # the reader, which the setting trained first, and model 0
    copy = tmp_path / "published" / "smoke" / "models" / trained.folder.name
    assert sorted(path.name for path in copy.iterdir()) == sorted(published.FILES)
    assert lines[-1] == f"published model 0: {copy}"
    found = published.survey(setting)
    assert set(found.published) == {"the reader", "model 0"} and not found.stale and not found.damaged
    assert published.publish(setting) == []  # once
