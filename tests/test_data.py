import shutil

import numpy as np
import pytest

from lib import data


@pytest.mark.parametrize("split, n", [("train", 60_000), ("test", 10_000)])
def test_load_kmnist_gives_uint8_images_and_integer_labels(data_dir, split, n):
    images, labels = data.load_dataset("kmnist", split, data_dir)
    assert images.shape == (n, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (n,) and np.issubdtype(labels.dtype, np.integer)
    assert set(np.unique(labels)) == set(range(10))


def test_fashion_mnist_loads_too(data_dir):
    images, labels = data.load_dataset("fashion-mnist", "test", data_dir)
    assert images.shape == (10_000, 28, 28) and len(labels) == 10_000


def test_environment_variable_is_used_when_no_folder_is_given(data_dir, monkeypatch):
    monkeypatch.setenv("REPORT_DATA_DIR", data_dir)
    images, _ = data.load_dataset("kmnist", "test")
    assert len(images) == 10_000


def _copy_kmnist(data_dir, tmp_path):
    shutil.copytree(f"{data_dir}/kmnist", tmp_path / "kmnist")
    for path in (tmp_path / "kmnist").iterdir():
        path.chmod(0o644)
    return tmp_path / "kmnist"


def test_missing_file_names_the_file_the_url_and_the_variable(data_dir, tmp_path):
    folder = _copy_kmnist(data_dir, tmp_path)
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(data.DataFileError) as error:
        data.load_dataset("kmnist", "test", tmp_path)
    message = str(error.value)
    assert "t10k-labels-idx1-ubyte.gz" in message
    assert "http://codh.rois.ac.jp/kmnist/dataset/kmnist/t10k-labels-idx1-ubyte.gz" in message
    assert "REPORT_DATA_DIR" in message


def test_corrupt_file_is_detected_by_md5_and_never_used(data_dir, tmp_path):
    folder = _copy_kmnist(data_dir, tmp_path)
    path = folder / "t10k-images-idx3-ubyte.gz"
    raw = bytearray(path.read_bytes())
    raw[-100] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(data.DataFileError, match="MD5.*not used.*REPORT_DATA_DIR"):
        data.load_dataset("kmnist", "test", tmp_path)


def test_without_folder_it_downloads_into_the_keras_cache_and_checks_the_md5(data_dir, monkeypatch, tmp_path):
    import keras

    requested = []

    def fake_get_file(fname, origin, file_hash, hash_algorithm, cache_subdir):
        requested.append((origin, file_hash, hash_algorithm, cache_subdir))
        target = tmp_path / fname
        shutil.copy(f"{data_dir}/kmnist/{fname}", target)
        return str(target)

    monkeypatch.delenv("REPORT_DATA_DIR", raising=False)
    monkeypatch.setattr(keras.utils, "get_file", fake_get_file)
    images, labels = data.load_dataset("kmnist", "test")
    assert len(images) == len(labels) == 10_000
    assert requested[0] == ("http://codh.rois.ac.jp/kmnist/dataset/kmnist/t10k-images-idx3-ubyte.gz",
                            "5c965bf0a639b31b8f53240b1b52f4d7", "md5", "datasets/kmnist")


def test_failed_download_raises_the_project_error_with_the_offline_fix(monkeypatch):
    import keras

    def offline(*args, **kwargs):
        raise OSError("Temporary failure in name resolution")

    monkeypatch.delenv("REPORT_DATA_DIR", raising=False)
    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(data.DataFileError, match="could not fetch.*REPORT_DATA_DIR"):
        data.load_dataset("kmnist", "train")


@pytest.mark.parametrize("name, split", [("mnist", "train"), ("kmnist", "validation")])
def test_unknown_dataset_or_split_is_refused(name, split):
    with pytest.raises(ValueError, match="choose one of"):
        data.load_dataset(name, split)


def test_train_val_split_is_seeded_disjoint_and_complete():
    train, val = data.train_val_split(60_000, 0.1, seed=0)
    again_train, again_val = data.train_val_split(60_000, 0.1, seed=0)
    other_train, _ = data.train_val_split(60_000, 0.1, seed=1)
    assert len(val) == 6_000 and len(train) == 54_000
    assert np.array_equal(train, again_train) and np.array_equal(val, again_val)
    assert not np.array_equal(train, other_train)
    assert np.array_equal(np.sort(np.concatenate([train, val])), np.arange(60_000))
