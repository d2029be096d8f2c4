"""Atomic writes: a reader sees the old file or the new one whole; a failed write leaves nothing behind."""

import errno
from pathlib import Path

import pytest

from lib import files


def test_a_write_replaces_the_file_whole(tmp_path):
    target = tmp_path / "result.json"
    target.write_text("old")
    files.atomic_write(target, lambda tmp: Path(tmp).write_text("new"))
    assert target.read_text() == "new" and [path.name for path in tmp_path.iterdir()] == ["result.json"]


def test_a_write_into_a_missing_folder_creates_it(tmp_path):
    target = tmp_path / "artifacts" / "full" / "results.csv"
    files.atomic_write(target, lambda tmp: Path(tmp).write_text("model,val_mse"))
    assert target.read_text() == "model,val_mse" and [path.name for path in target.parent.iterdir()] == ["results.csv"]


def fills_the_disk(tmp):
    Path(tmp).write_bytes(b"half a checkpoint")
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_names_the_folder_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "models" / "checkpoint.npz"
    target.parent.mkdir()
    target.write_bytes(b"the previous checkpoint")
    with pytest.raises(OSError, match=f"no space left on the device that holds {target.parent} "):
        files.atomic_write(target, fills_the_disk)
    assert [path.name for path in target.parent.iterdir()] == ["checkpoint.npz"]
    assert target.read_bytes() == b"the previous checkpoint"


def test_an_interrupted_write_leaves_no_temporary_file(tmp_path):
    def interrupted(tmp):
        Path(tmp).write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        files.atomic_write(tmp_path / "results.csv", interrupted)
    assert list(tmp_path.iterdir()) == []
