"""Loading KMNIST and Fashion-MNIST from their official IDX files, checked against the official MD5s.

Where the files are looked up, in order:
1. the ``data_dir`` argument,
2. the environment variable ``REPORT_DATA_DIR``,
3. the Keras cache (``$KERAS_HOME/datasets/<name>/``, by default ``~/.keras/datasets/<name>/``),
   filled by downloading from the official URL. A server that stops answering for ``DOWNLOAD_TIMEOUT``
   seconds ends the download with a ``DataFileError``.

A data directory holds one subfolder per dataset (``kmnist/``, ``fashion-mnist/``) with the four
official gzip files in it, exactly as the authors publish them.
"""

import gzip
import hashlib
import http.client
import os
import time
import urllib.request
from pathlib import Path

import numpy as np

DATASETS = {
    "kmnist": {
        "name": "Kuzushiji-MNIST",
        "item": "character",  # what one image shows, as the report's prose names it
        "about": (
            "Kuzushiji-MNIST (KMNIST) holds 70,000 images of ten cursive hiragana, 28x28 pixels in 256 grey levels, "
            "drawn from classical Japanese books: a drop-in replacement for MNIST that is harder to read. Each class "
            "is one hiragana, written by many hands over centuries; some classes gather several historical variants "
            "of the same sound."
        ),
        "attribution": (
            'Kuzushiji-MNIST, under the Creative Commons Attribution-ShareAlike 4.0 license: "KMNIST Dataset" '
            '(created by CODH), adapted from "Kuzushiji Dataset" (created by NIJL and others), doi:10.20676/00000341. '
            "Tarin Clanuwat, Mikel Bober-Irizar, Asanobu Kitamoto, Alex Lamb, Kazuaki Yamamoto and David Ha, "
            '"Deep Learning for Classical Japanese Literature", 2018, arXiv:1812.01718.'
        ),
        "url": "http://codh.rois.ac.jp/kmnist/dataset/kmnist/",
        "md5": {
            "train-images-idx3-ubyte.gz": "bdb82020997e1d708af4cf47b453dcf7",
            "train-labels-idx1-ubyte.gz": "e144d726b3acfaa3e44228e80efcd344",
            "t10k-images-idx3-ubyte.gz": "5c965bf0a639b31b8f53240b1b52f4d7",
            "t10k-labels-idx1-ubyte.gz": "7320c461ea6c1c855c0b718fb2a4b134",
        },
        # The ten hiragana of KMNIST's classmap, in label order.
        "classes": ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
    },
    "fashion-mnist": {
        "name": "Fashion-MNIST",
        "item": "garment",
        "about": (
            "Fashion-MNIST holds 70,000 images of ten kinds of garment and accessory from Zalando's catalogue, 28x28 "
            "pixels in 256 grey levels: a drop-in replacement for MNIST, and the dataset the seed study started on "
            "before it turned to Kuzushiji-MNIST. Each class is one kind of article; each image is a catalogue "
            "photograph, reduced and centred."
        ),
        "attribution": (
            'Fashion-MNIST, under the MIT license: Han Xiao, Kashif Rasul and Roland Vollgraf, "Fashion-MNIST: a '
            'Novel Image Dataset for Benchmarking Machine Learning Algorithms", 2017, arXiv:1708.07747.'
        ),
        "url": "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "md5": {
            "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
            "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
            "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
        },
        "classes": (
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
    },
}
SPLIT_PREFIX = {"train": "train", "test": "t10k"}
IMAGE_SHAPE = (28, 28)
# IDX magic numbers: 0x0801 is a vector of unsigned bytes (labels), 0x0803 a 3-d array of them (images).
_IDX_MAGIC = {1: 0x0801, 3: 0x0803}
# Seconds the server may take to accept the connection or to send the next part of a file. Without a
# limit a server that accepts and never answers holds the build forever.
DOWNLOAD_TIMEOUT = 60
# Seconds for a whole file (the largest official one is 18 MB): a server that sends a byte now and then
# resets the timeout above at every byte, and would otherwise hold the build for hours.
DOWNLOAD_DEADLINE = 900


class DataFileError(RuntimeError):
    """A dataset file is missing, cannot be fetched, or is not the official file."""


def load_dataset(name, split, data_dir=None):
    """Return ``(images, labels)`` of one official split: uint8 (N, 28, 28) and int64 (N,)."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(DATASETS)}")
    if split not in SPLIT_PREFIX:
        raise ValueError(f"unknown split {split!r}; choose one of {sorted(SPLIT_PREFIX)}")
    prefix = SPLIT_PREFIX[split]
    images = _read_idx(_verified_file(name, f"{prefix}-images-idx3-ubyte.gz", data_dir), ndim=3)
    labels = _read_idx(_verified_file(name, f"{prefix}-labels-idx1-ubyte.gz", data_dir), ndim=1)
    if len(images) != len(labels) or images.shape[1:] != IMAGE_SHAPE:
        raise DataFileError(f"{name}/{split}: {images.shape} images do not match {labels.shape} labels")
    return images, labels.astype(np.int64)


def require_seed(seed):
    """Refuse what numpy cannot seed a generator with, naming the seed: a seed is a non-negative integer, or a
    tuple of them (a run's seed and a code that gives each split its own stream)."""
    parts = seed if isinstance(seed, tuple) else (seed,)
    if not parts or any(isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 0 for p in parts):
        raise ValueError(f"seed must be a non-negative integer (or a tuple of them), got {seed!r}")


def train_val_split(n, val_fraction, seed):
    """Split ``range(n)`` into sorted train and validation indices by a seeded permutation.

    The official test set is never touched; validation is carved out of the official train set,
    ``round(n * val_fraction)`` images, the same ones for the same seed on every machine.
    """
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must lie strictly between 0 and 1, got {val_fraction}")
    require_seed(seed)
    order = np.random.default_rng(seed).permutation(n)
    n_val = int(round(n * val_fraction))
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def _verified_file(name, filename, data_dir):
    url = DATASETS[name]["url"] + filename
    expected = DATASETS[name]["md5"][filename]
    folder = data_dir if data_dir is not None else os.environ.get("REPORT_DATA_DIR")
    if folder is not None:
        path = Path(folder).expanduser() / name / filename
        if not path.is_file():
            raise DataFileError(
                f"{path} does not exist. Put the official file from {url} there "
                f"(data folder: {'data_dir argument' if data_dir is not None else 'REPORT_DATA_DIR'}"
                f"={folder}), or unset REPORT_DATA_DIR to download into the Keras cache."
            )
    else:
        path = _download(name, filename, url, expected)
    actual = _md5(path)
    if actual != expected:
        raise DataFileError(
            f"{path} has MD5 {actual}, but the official file has {expected}: it is corrupt or not the "
            f"official release, and is not used. Replace it with a fresh download of {url} "
            f"(or point REPORT_DATA_DIR at a folder holding the official files)."
        )
    return path


def keras_cache():
    """The folder downloads go to, as Keras has it: ``$KERAS_HOME/datasets``, else ``~/.keras/datasets``."""
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras") / "datasets"


def _download(name, filename, url, md5):
    """The cached file, fetched first unless the cache holds the official one."""
    path = keras_cache() / name / filename
    if path.is_file() and _md5(path) == md5:
        return path
    # keras.utils.get_file has no timeout, hence urllib; the caller checks the MD5 of what arrived.
    _remove_partial_downloads(path)
    tmp = path.with_name(f".tmp-{os.getpid()}-{filename}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response, open(tmp, "wb") as out:
            # read1: whatever has arrived, so that the deadline is checked while a slow server trickles.
            while chunk := response.read1(1 << 20):
                out.write(chunk)
                if time.monotonic() - started > DOWNLOAD_DEADLINE:
                    raise TimeoutError(f"the whole file took longer than {DOWNLOAD_DEADLINE} s")
        os.replace(tmp, path)  # readers never see half a file
    except (OSError, http.client.HTTPException) as error:  # urllib's errors and timeouts are OSErrors
        raise DataFileError(
            f"could not fetch {filename} from {url} into {path.parent} ({error!r}; the server gets "
            f"{DOWNLOAD_TIMEOUT} s to answer and {DOWNLOAD_DEADLINE} s for the whole file). Offline, download the "
            f"four official files of {name} elsewhere "
            f"and set REPORT_DATA_DIR to the folder holding {name}/{filename}."
        ) from error
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _remove_partial_downloads(path):
    """Remove what downloads of ``path`` left when their process was killed (a SIGTERM, say from the user's
    own ``timeout``, ends Python without unwinding): ``.tmp-<pid>-<name>`` of a process that is gone."""
    for partial in path.parent.glob(f".tmp-*-{path.name}"):
        pid = partial.name.split("-")[1]
        if pid.isdigit() and not _process_exists(int(pid)):
            partial.unlink(missing_ok=True)


def _process_exists(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's
    return True


def _md5(path):
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "md5").hexdigest()


def _read_idx(path, ndim):
    raw = gzip.decompress(Path(path).read_bytes())
    magic = int.from_bytes(raw[:4], "big")
    if magic != _IDX_MAGIC[ndim]:
        raise DataFileError(f"{path} is not an IDX file of {ndim} dimension(s) (magic {magic:#x})")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    body = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != np.prod(shape):
        raise DataFileError(f"{path} holds {body.size} bytes of data, its header promises {shape}")
    return body.reshape(shape)
