import http.server
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from lib import data, paths


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


@pytest.fixture
def keras_home(monkeypatch, tmp_path):
    """No REPORT_DATA_DIR, and an empty Keras cache under a temporary home."""
    monkeypatch.delenv("REPORT_DATA_DIR", raising=False)
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path / ".keras"


@pytest.fixture
def local_server(data_dir):
    """An HTTP server on 127.0.0.1 serving the official files; yields (base URL, the paths it was asked for)."""
    requested = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=f"{data_dir}/kmnist", **kwargs)

        def log_message(self, *args):
            requested.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", requested
    server.shutdown()
    server.server_close()


def test_without_folder_it_downloads_into_the_keras_cache_and_checks_the_md5(keras_home, local_server, monkeypatch):
    url, requested = local_server
    monkeypatch.setitem(data.DATASETS["kmnist"], "url", url)
    images, labels = data.load_dataset("kmnist", "test")
    assert len(images) == len(labels) == 10_000
    assert sorted(p.name for p in (keras_home / "datasets" / "kmnist").iterdir()) == [
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ]  # no partial files left behind
    data.load_dataset("kmnist", "test")
    assert len(requested) == 2  # the second load reads the cache


def server_answering_headers(then):
    """A listening socket on 127.0.0.1 whose first caller gets the headers of a 1 MB file, then ``then(connection)``."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve():
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 1000000\r\n\r\n")
            then(connection)

    threading.Thread(target=serve, daemon=True).start()
    return listener


def test_a_download_killed_by_a_signal_leaves_nothing_the_next_run_keeps(keras_home, local_server, monkeypatch):
    """A SIGTERM (the user's own ``timeout``) ends Python without unwinding; the next download clears the
    partial file the killed process left."""
    stalling = server_answering_headers(lambda connection: connection.recv(1))  # until the client is gone
    folder = keras_home / "datasets" / "kmnist"
    with stalling:
        code = (
            "from lib import data; "
            f"data.DATASETS['kmnist']['url'] = 'http://127.0.0.1:{stalling.getsockname()[1]}/'; "
            "data.load_dataset('kmnist', 'test')"
        )
        env = {**os.environ, "HOME": str(keras_home.parent)}
        env.pop("REPORT_DATA_DIR", None)
        downloading = subprocess.Popen([sys.executable, "-c", code], cwd=paths.ROOT, env=env)
        deadline = time.monotonic() + 60
        while not (folder.is_dir() and list(folder.glob(".tmp-*"))) and time.monotonic() < deadline:
            time.sleep(0.1)
        downloading.send_signal(signal.SIGTERM)
        downloading.wait(timeout=30)
    assert [path.name for path in folder.iterdir()] == [f".tmp-{downloading.pid}-t10k-images-idx3-ubyte.gz"]
    url, _ = local_server
    monkeypatch.setitem(data.DATASETS["kmnist"], "url", url)
    data.load_dataset("kmnist", "test")
    assert sorted(path.name for path in folder.iterdir()) == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]


def test_a_damaged_cached_download_is_fetched_again(keras_home, local_server, monkeypatch):
    url, requested = local_server
    monkeypatch.setitem(data.DATASETS["kmnist"], "url", url)
    cached = keras_home / "datasets" / "kmnist" / "t10k-labels-idx1-ubyte.gz"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"half a file")
    data.load_dataset("kmnist", "test")
    assert "/t10k-labels-idx1-ubyte.gz" in requested


def test_a_server_that_never_answers_times_out_naming_the_url_the_file_and_the_variable(keras_home, monkeypatch):
    silent = socket.create_server(("127.0.0.1", 0))  # the kernel accepts connections; nobody ever answers
    with silent:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/kmnist/"
        monkeypatch.setitem(data.DATASETS["kmnist"], "url", url)
        monkeypatch.setattr(data, "DOWNLOAD_TIMEOUT", 0.5)
        started = time.monotonic()
        with pytest.raises(data.DataFileError) as error:
            data.load_dataset("kmnist", "test")
    assert time.monotonic() - started < 10
    message = str(error.value)
    assert url + "t10k-images-idx3-ubyte.gz" in message and "REPORT_DATA_DIR" in message
    assert not list((keras_home / "datasets" / "kmnist").iterdir())  # no partial file left behind


def test_failed_download_raises_the_project_error_with_the_offline_fix(keras_home, monkeypatch):
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now: the connection is refused
    monkeypatch.setitem(data.DATASETS["kmnist"], "url", f"http://127.0.0.1:{port}/")
    with pytest.raises(data.DataFileError, match="could not fetch train-images-idx3-ubyte.gz.*REPORT_DATA_DIR"):
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


def test_a_negative_seed_is_refused_by_name_before_any_file_is_read(tmp_path):
    """Through the library, where the command line's check does not apply: the error names the seed."""
    from lib import profiles

    with pytest.raises(ValueError, match=r"seed must be a non-negative integer \(or a tuple of them\), got -1"):
        data.train_val_split(100, 0.1, -1)
    with pytest.raises(ValueError, match=r"got -1"):
        profiles.load_splits("smoke", -1, data_dir=tmp_path)


def test_a_server_that_trickles_bytes_is_cut_off_by_the_whole_downloads_deadline(keras_home, monkeypatch):
    """One byte every 0.2 s resets a per-read timeout forever; the deadline bounds the whole file."""

    def trickle(connection):
        try:
            for _ in range(200):
                connection.sendall(b"x")
                time.sleep(0.2)
        except OSError:
            pass  # the client gave up, as it should

    listener = server_answering_headers(trickle)
    with listener:
        monkeypatch.setitem(data.DATASETS["kmnist"], "url", f"http://127.0.0.1:{listener.getsockname()[1]}/")
        monkeypatch.setattr(data, "DOWNLOAD_TIMEOUT", 1)
        monkeypatch.setattr(data, "DOWNLOAD_DEADLINE", 2)
        started = time.monotonic()
        with pytest.raises(data.DataFileError, match="took longer than 2 s"):
            data.load_dataset("kmnist", "test")
    assert time.monotonic() - started < 10
    assert not list((keras_home / "datasets" / "kmnist").iterdir())  # no partial file left behind
