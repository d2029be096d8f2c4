"""The artifact cache on disk: one folder per trained network, found again by a key, checked on every read.

A network lives in ``<out_dir>/models/model_<id>-<key>/``, where the key hashes everything its result
depends on (architecture, training settings, training data), not the backend or the machine. A finished
network keeps ``best_weights.npz`` and ``result.json`` (history, kept epoch, time, and where it trained);
one under way keeps ``checkpoint.npz``, the whole training state, replaced atomically after every epoch.

Every file is checked against the SHA-256 written with it before it is used; a damaged folder is set
aside as ``<folder>.damaged-<UTC time>`` (kept for inspection, never deleted). While one process reads or
trains a network it holds ``<folder>.lock``: a second waits, and the operating system drops the lock of a
process that dies. The published set (``published/<profile>/models/``) holds finished folders of the same
name, read-only.
"""

import contextlib
import datetime
import fcntl
import hashlib
import json
import os
import socket
import subprocess
import time
import zipfile
import zlib
from dataclasses import asdict
from pathlib import Path

import numpy as np

from . import RETRAIN_VARIABLE, backend, paths
from .backend import keras
from .files import atomic_write

# Version 2 records where each stretch of epochs ran (``places``) and carries SHA-256 digests; ``upgraded``
# reads the records of version 1 (no ``format`` field) as version 2.
FORMAT_VERSION = 2
RESULT, WEIGHTS, CHECKPOINT = "result.json", "best_weights.npz", "checkpoint.npz"
# What reading a truncated or altered .npz or .json raises (a checksum mismatch is raised as a ValueError).
_UNREADABLE = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error)


class DamagedArtifact(Exception):
    """A cached file that does not hold what was written: truncated, altered or unreadable."""


def damaged_published(folder, damage):
    """The refusal of a damaged published network: part of the repository, it is restored from git, never set
    aside and trained over; the command works from any folder."""
    repository = paths.PUBLISHED_DIR.resolve().parent
    return DamagedArtifact(
        f"the published network {folder} is damaged ({damage}) and is not used: restore it with "
        f"'git -C {repository} checkout -- {Path(folder).resolve().relative_to(repository)}', or train every "
        "network from scratch with --retrain"
    )


class NetworkBusy(RuntimeError):
    """Another process holds the network's folder; raised, where waiting was not wanted, instead of waiting."""


def model_folder(model_id, key, out_dir):
    """Where a network's run (its ``cache_key``) is kept: ``result.json`` once finished, ``checkpoint.npz`` while
    under way."""
    return Path(out_dir) / "models" / f"model_{model_id}-{key}"


def cache_key(config, model, arrays, uses=()):
    """12 hex digits of the SHA-256 of the training settings, the architecture, the data arrays and the keys of
    the trained networks it ``uses`` (a frozen part, a network in its loss)."""
    settings = asdict(config)
    if settings["loss"] == "mse":
        # The loss became a setting after the seed's models were cached; their keys leave it out.
        del settings["loss"]
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    # Layer names carry a per-process counter (conv2d_7), so the architecture is hashed without them.
    layer_configs = [{k: v for k, v in layer.get_config().items() if k != "name"} for layer in model.layers]
    digest.update(json.dumps(layer_configs, sort_keys=True, default=str).encode())
    if not isinstance(model, keras.Sequential):
        # A graph's wiring (its skip connections) is in the model's configuration, not its layers'; its
        # builder names every layer, so that configuration is the same in every process.
        digest.update(json.dumps(model.get_config(), sort_keys=True, default=str).encode())
    for array in arrays:
        digest.update(memoryview(np.ascontiguousarray(array)).cast("B"))  # the array's bytes, not a copy
    for key in uses:
        digest.update(f"uses {key}".encode())
    return digest.hexdigest()[:12]


def published_folder(folder):
    """The published copy of the run that ``folder`` (a ``model_folder``) keeps: the folder of the same name
    in the published set (the key hashes the data, so a name belongs to one profile of one dataset); None if
    there is none, or where ``REPORT_RETRAIN`` asks to train from scratch."""
    if os.environ.get(RETRAIN_VARIABLE):
        return None
    name = Path(folder).name
    copies = [*paths.PUBLISHED_DIR.glob(f"*/models/{name}"), *paths.PUBLISHED_DIR.glob(f"*/*/models/{name}")]
    return min(copies, default=None)


def _is_published(folder):
    return folder.resolve().is_relative_to(paths.PUBLISHED_DIR.resolve())


def is_finished(folder):
    return (Path(folder) / RESULT).exists()


def finished_folder(folder):
    """Where the finished run that ``folder`` (a ``model_folder``) keeps is found: ``folder`` itself, else its
    published copy (``published_folder``); None where neither holds it."""
    for place in (folder, published_folder(folder)):
        if place is not None and is_finished(place):
            return place
    return None


# Finished runs.


def write_finished(folder, best_weights, run):
    """Write the best weights, then result.json: ``run`` (config, history, best epoch, seconds, places) with
    where and when it finished (backend, device, library versions, CPU, commit, time) and the digests. A
    reader that finds result.json finds the weights it describes. Returns the record as written."""
    folder = Path(folder)
    atomic_write(folder / WEIGHTS, lambda tmp: np.savez(tmp, **{f"w{i}": w for i, w in enumerate(best_weights)}))
    provenance = {
        "backend": backend.NAME,
        "device": backend.device(),
        "versions": backend.versions(),
        "cpu": backend.cpu(),
        "commit": code_version(),
        "finished": utc_now(),
    }
    record = {**run, **provenance, "format": FORMAT_VERSION, "weights_sha256": _file_sha256(folder / WEIGHTS)}
    stored = {**record, "sha256": _json_sha256(record)}
    atomic_write(folder / RESULT, lambda path: Path(path).write_text(json.dumps(stored, indent=1)))
    return record


def read_finished(folder, model):
    """(record, best weights) of the finished run in ``folder``, each checked: every checksum, every array
    readable and fitting ``model``'s weights (raises ``DamagedArtifact`` naming what is wrong)."""
    record = read_record(Path(folder))
    return record, _arrays_for(model, read_npz(Path(folder) / WEIGHTS), "w")


def read_record(folder):
    """result.json, checked against the SHA-256 it carries and the one it records for the weights. Only a cached
    record of version 1 written before the checksums were added may carry none (it is checked by reading it);
    a record of the current format, or any in the published set, without them is damaged."""
    folder = Path(folder)
    try:
        record = json.loads((folder / RESULT).read_text())
        _require(record, ("history", "best_epoch", "seconds"))
        checksums = {"sha256", "weights_sha256"}
        if not checksums <= set(record) and (record.get("format", 1) >= 2 or _is_published(folder)):
            raise ValueError(f"it carries no {' and no '.join(sorted(checksums - set(record)))}")
        if "sha256" in record and record.pop("sha256") != _json_sha256(record):
            raise ValueError("its content does not match its SHA-256")
    except _UNREADABLE as error:
        raise DamagedArtifact(f"{RESULT} is damaged ({error})") from error
    weights = folder / WEIGHTS
    if "weights_sha256" in record and (not weights.exists() or _file_sha256(weights) != record["weights_sha256"]):
        raise DamagedArtifact(f"{WEIGHTS} is damaged (missing, or not matching its SHA-256 in {RESULT})")
    return upgraded(record)


def upgraded(record):
    """A result.json or checkpoint state of any earlier format, as the current format has it. Version 1
    recorded no ``places``: a result's epochs ran where its backend and device say (TensorFlow on a CPU
    before those were recorded, the only thing the project installed then), a checkpoint's somewhere
    unrecorded."""
    record = dict(record)
    if record.get("format", 1) < 2:
        checkpoint = "best_val_loss" in record
        if not checkpoint:
            record.setdefault("backend", "tensorflow")
            record.setdefault("device", "cpu")
        epochs = len(record["history"])
        place = "an unrecorded place" if checkpoint else f"{record['backend']} on {record['device']}"
        record.setdefault("places", [[place, epochs]] if epochs else [])
    record["format"] = FORMAT_VERSION
    return record


# Runs under way.


def save_checkpoint(path, model, state):
    """Weights, optimizer slots, random states, best weights and bookkeeping in one file, replaced atomically."""
    arrays = {f"weight_{i}": w for i, w in enumerate(model.get_weights())}
    arrays |= {f"best_{i}": w for i, w in enumerate(state["best"])}
    arrays |= {f"optimizer_{i}": keras.ops.convert_to_numpy(v) for i, v in enumerate(model.optimizer.variables)}
    arrays |= {f"seed_state_{i}": keras.ops.convert_to_numpy(v) for i, v in enumerate(_seed_states(model))}
    bookkeeping = {"format": FORMAT_VERSION} | {k: v for k, v in state.items() if k != "best"}
    arrays["state"] = np.array(json.dumps(bookkeeping))
    # The digest goes inside the file: a checkpoint is replaced every epoch, and a digest beside it could
    # be left describing the previous one by a kill between the two writes.
    write_npz(path, arrays)


def write_npz(path, arrays):
    """``arrays`` as an .npz file, replaced atomically, with the SHA-256 of its arrays inside (``read_npz`` checks)."""
    atomic_write(path, lambda tmp: np.savez(tmp, **arrays, sha256=np.array(arrays_sha256(arrays))))


def restore_checkpoint(path, model):
    """The state saved by ``save_checkpoint``, with the model (and its optimizer) set to it. Everything is
    read and checked before anything is assigned, so a damaged checkpoint leaves the model untouched."""
    saved = read_npz(path)
    weights, best = _arrays_for(model, saved, "weight_"), _arrays_for(model, saved, "best_")
    try:
        state = json.loads(str(saved["state"]))
        _require(state, ("history", "best_val_loss", "best_epoch", "wait"))
    except _UNREADABLE as error:
        raise DamagedArtifact(f"{path.name} is damaged ({error})") from error
    model.optimizer.build(model.trainable_variables)
    slots = [saved.get(f"optimizer_{i}") for i in range(len(model.optimizer.variables))]
    seed_states = [saved.get(f"seed_state_{i}") for i in range(len(_seed_states(model)))]
    if any(value is None for value in slots + seed_states):
        raise DamagedArtifact(f"{path.name} is damaged (optimizer or random states are missing)")
    model.set_weights(weights)
    for variable, value in zip(model.optimizer.variables, slots):
        variable.assign(value)
    for variable, value in zip(_seed_states(model), seed_states):
        variable.assign(value)
    return {**upgraded(state), "best": best}


def epochs_run(folder, log=print):
    """(epochs run, finished) of the run kept in ``folder``; (0, False) if never started, or if its files
    are damaged (reported through ``log``: training sets them aside and starts over)."""
    folder = Path(folder)
    try:
        if is_finished(folder):
            return len(read_record(folder)["history"]), True
        if (folder / CHECKPOINT).exists():
            return len(json.loads(str(read_npz(folder / CHECKPOINT)["state"]))["history"]), False
    except DamagedArtifact as damage:
        log(f"{damage} in {folder}: the next build sets it aside and trains the model again")
    return 0, False


def _seed_states(model):
    """The random-number states of layers such as Dropout: not weights, yet part of where training is."""
    return [layer.seed_generator.state for layer in model.layers if hasattr(layer, "seed_generator")]


# Damage and locks.


def set_aside(path, what, damage, log, then="the model trained again"):
    """Rename a damaged folder or file (kept for inspection, never deleted), so that what it held is made again."""
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    path.rename(aside)
    log(f"{what}: {damage} in {path}; set aside as {aside.name} and {then}")


# Seconds between two tries for a held lock, and between two reminders that the wait goes on.
LOCK_POLL, LOCK_REMINDER = 1.0, 300.0
LOCK_WAIT_VARIABLE = "REPORT_LOCK_WAIT"  # if set: the most seconds to wait for a network another process holds


@contextlib.contextmanager
def claim(folder, what, log, wait=True, doing="trains or reads this model"):
    """Hold ``<folder>.lock`` while using ``folder`` (a network's, or any other artifact's path). A second process
    waits, naming the process that holds the lock (and what it is ``doing``) and saying so again every
    ``LOCK_REMINDER`` seconds, for at most ``$REPORT_LOCK_WAIT`` seconds if set; with ``wait=False``, or past that
    limit, it raises ``NetworkBusy``."""
    lock_path = folder.with_name(f"{folder.name}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    # flock, not a lock file that exists or not: the kernel releases it when its process dies, so a
    # killed build leaves no stale lock, and the next one takes over at once.
    with open(lock_path, "a+") as lock:
        if not _try_lock(lock):
            holder = _lock_holder(lock, lock_path)
            if not wait:
                raise NetworkBusy(f"{holder} holds {lock_path}")
            _wait_for(
                lock,
                lock_path,
                holder,
                f"{what}: waiting for {holder}, which holds {lock_path} while it {doing} in {folder}",
                log,
            )
        lock.seek(0)
        lock.truncate()
        lock.write(f"pid {os.getpid()} on {socket.gethostname()} since {utc_now()}")
        lock.flush()
        yield


def _try_lock(lock):
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _wait_for(lock, lock_path, holder, message, log):
    limit = float(os.environ[LOCK_WAIT_VARIABLE]) if os.environ.get(LOCK_WAIT_VARIABLE) else None
    log(message + (f" (for at most {limit:g} s, {LOCK_WAIT_VARIABLE})" if limit is not None else ""))
    started = reminded = time.monotonic()
    while not _try_lock(lock):
        now = time.monotonic()
        if limit is not None and now - started >= limit:
            raise NetworkBusy(f"{holder} still holds {lock_path} after {now - started:.0f} s ({LOCK_WAIT_VARIABLE})")
        if now - reminded >= LOCK_REMINDER:
            log(f"{message}: still waiting, {(now - started) / 60:.0f} min so far")
            reminded = now
        time.sleep(LOCK_POLL if limit is None else min(LOCK_POLL, max(0.0, limit - (now - started))))


def _lock_holder(lock, lock_path):
    """Who holds ``lock``: the live process the kernel names (``/proc/locks``, Linux), else what the lock file
    says, which a holder that has not written yet, or a process that held it before, may have left there."""
    stat = os.fstat(lock.fileno())
    where = f"{os.major(stat.st_dev):02x}:{os.minor(stat.st_dev):02x}:{stat.st_ino}"
    try:
        with open("/proc/locks") as locks:
            for line in locks:
                fields = line.split()
                if "->" not in fields and len(fields) > 5 and fields[1] == "FLOCK" and fields[5] == where:
                    return f"pid {fields[4]} ({_command_line(fields[4])})"
    except OSError:
        pass
    lock.seek(0)
    return lock.read().strip() or "another process"


def _command_line(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            words = cmdline.read().split(b"\0")
    except OSError:
        return "no longer running"
    text = " ".join(word.decode(errors="replace") for word in words if word)
    return text if len(text) <= 80 else text[:77] + "..."


# Files and provenance.


def utc_now():
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def code_version():
    """The project's git commit, marked where the work tree differs from it; None outside a git clone."""

    def git(*args):
        return subprocess.run(
            ["git", *args], cwd=Path(__file__).resolve().parent, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no", "--", ".")
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{commit} with uncommitted changes to lib" if changed else commit


def read_npz(path, names=None):
    """Every array of an .npz file, read whole (which checks the zip's CRCs) and checked against the
    digest of its arrays that the file carries (weights files carry none: result.json holds theirs). With
    ``names``, the file must carry a digest and hold exactly those arrays."""
    try:
        with np.load(path) as saved:
            arrays = {name: saved[name] for name in saved.files}
        if names is not None and set(arrays) != {*names, "sha256"}:
            raise ValueError(f"it holds {sorted(arrays)}, not {sorted(names)} and their SHA-256")
        if "sha256" in arrays and str(arrays.pop("sha256")) != arrays_sha256(arrays):
            raise ValueError("its arrays do not match their SHA-256")
    except _UNREADABLE as error:
        raise DamagedArtifact(f"{path.name} is damaged ({error})") from error
    return arrays


def _require(record, keys):
    if not isinstance(record, dict) or not set(keys) <= set(record):
        raise ValueError(f"a record with {', '.join(keys)} was expected")


def _arrays_for(model, arrays, prefix):
    """The arrays ``prefix``0, 1, ... in the order and shapes of the model's weights, checked before any is set."""
    shapes = [w.shape for w in model.get_weights()]
    found = [arrays.get(f"{prefix}{i}") for i in range(len(shapes))]
    if any(a is None or a.shape != shape for a, shape in zip(found, shapes)):
        raise DamagedArtifact(f"the saved {prefix}* arrays do not fit the model's {len(shapes)} weights")
    return found


def _file_sha256(path):
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _json_sha256(record):
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


def arrays_sha256(arrays):
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def trained_on(record):
    """Where a run trained: its backend and device (and CPU, on one), or, for a run resumed elsewhere
    (begun on a GPU, finished on a CPU), each place in turn with its epochs."""
    places = record["places"]
    if len(places) > 1:
        return ", then ".join(f"{place} ({epochs} epoch{'s' * (epochs != 1)})" for place, epochs in places)
    processor = f" ({record['cpu']})" if record["device"] == "cpu" and record.get("cpu") else ""
    return f"{record['backend']} on {record['device']}{processor}"
