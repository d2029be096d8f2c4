"""Training with the seed's protocol, cached and resumable.

Adam on MSE against the clean image (or the loss a model's spec names), early stopping on the
validation loss with patience 3 and the best weights restored. Everything random is seeded: weights through ``keras.utils.set_random_seed``
with TensorFlow's op determinism, and the batch order of epoch ``e`` through ``(seed, e)``.

A finished model lives in ``<out_dir>/models/model_<id>-<key>/``, where the key hashes everything the
result depends on (architecture, settings, training data); asking again returns it without training.
After every epoch the whole training state is checkpointed atomically, so an interrupted run resumes
at the last finished epoch and ends exactly where an uninterrupted run would.

Every file is checked against the SHA-256 written with it before it is used; a damaged folder is set
aside as ``<folder>.damaged-<UTC time>`` and the model trained again. While one process reads or trains
a model it holds ``<folder>.lock``, so a second build on the same artifact folder waits and then reuses
the result; the operating system drops the lock of a process that dies.
"""

import contextlib
import datetime
import fcntl
import hashlib
import json
import os
import socket
import time
import zipfile
import zlib
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from . import RETRAIN_VARIABLE, backend, models
from .backend import keras

PATIENCE = 3
EVAL_BATCH_SIZE = 1024
SPREAD_RUNS = 3  # how often the report trains one network, with seeds one apart, to measure run-to-run spread
# keras.utils.set_random_seed hands the seed to numpy, which takes seeds below 2**32, and each model
# adds its seed offset, and a spread run its number, to the run's seed.
MAX_SEED = 2**32 - 1 - max(spec.seed_offset for spec in models.MODELS.values()) - (SPREAD_RUNS - 1)
EDGE_WEIGHT = 1.0  # the edge term's weight against the MSE in ``mse_and_edges``
# What reading a truncated or altered .npz or .json raises (a checksum mismatch is raised as a ValueError).
_UNREADABLE = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error)


# The published set: trained networks shipped with the report, one folder per network as the artifact cache
# keeps them (published/<profile>/models/model_<id>-<key>/: best_weights.npz and result.json), read-only.
PUBLISHED_DIR = Path(__file__).resolve().parent.parent / "published"


class DamagedArtifact(Exception):
    """A cached file that does not hold what was written: truncated, altered or unreadable."""


@dataclass(frozen=True)
class TrainConfig:
    model_id: str
    batch_size: int
    learning_rate: float
    max_epochs: int
    patience: int
    seed: int
    loss: str = "mse"


@dataclass
class TrainResult:
    model: keras.Model
    config: TrainConfig
    history: list  # one dict per epoch: epoch, loss, val_loss, seconds
    best_epoch: int
    seconds: float  # training time, summed over epochs (resumed runs included)
    reused: bool  # True when loaded from the cache or the published set instead of trained now
    folder: Path
    trained_on: str  # backend and device, e.g. "jax on NVIDIA H100", or each in turn for a run resumed elsewhere
    published: bool = False  # True when loaded from the published set


def check_seed(seed):
    """Refuse a run seed that some model cannot train with, naming the valid range."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be an integer from 0 to {MAX_SEED}, got {seed!r}: Keras takes seeds "
                         f"below 2**32 and a model adds up to {2**32 - 1 - MAX_SEED} to the run's seed")


def config_for(model_id, seed, max_epochs=None, run=0, batch_size=None):
    """The model's own training settings; ``max_epochs`` (a profile's cap) overrides its epoch limit.
    ``run`` (0 to ``SPREAD_RUNS`` - 1) numbers the repeated runs of one network that measure the spread;
    ``batch_size`` overrides the model's own (the batch-size ablation), with the model's seed."""
    spec = models.spec(model_id)
    check_seed(seed)
    if run not in range(SPREAD_RUNS):
        raise ValueError(f"run must be an integer from 0 to {SPREAD_RUNS - 1}, got {run!r}")
    return TrainConfig(model_id, spec.batch_size if batch_size is None else batch_size, spec.learning_rate,
                       max_epochs if max_epochs is not None else spec.max_epochs, PATIENCE,
                       seed + spec.seed_offset + run, spec.loss)


def mse_and_edges(clean, predicted):
    """Per image: the MSE plus ``EDGE_WEIGHT`` times the MSE of the horizontal and vertical image
    gradients (differences of neighbouring pixels), a squared form of the gradient difference loss of
    Mathieu et al. (2016). Blur that MSE forgives flattens an edge's gradient, which the second term
    charges for."""
    ops = keras.ops

    def mean_square(difference):
        return ops.mean(ops.square(difference), axis=(1, 2, 3))

    error = predicted - clean
    edges = mean_square(error[:, 1:] - error[:, :-1]) + mean_square(error[:, :, 1:] - error[:, :, :-1])
    return mean_square(error) + EDGE_WEIGHT * edges


LOSSES = {"mse": "mse", "mse+edges": mse_and_edges}


def compiled_autoencoder(config):
    """Autoencoder ``config.model_id`` with seeded initial weights, compiled for training. Every model
    reports its MSE (``mse``, ``val_mse``), which the study compares: the loss is not the MSE where the model
    is trained on another loss, nor where Keras adds a model's regularisation penalties to it."""
    backend.make_deterministic(config.seed)
    model = models.build(config.model_id)
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate), loss=LOSSES[config.loss], metrics=["mse"],
                  jit_compile=backend.JIT_COMPILE)
    return model


def autoencoder_data(split):
    """(inputs, targets) an autoencoder learns from: corrupted images in, clean images out."""
    return split.corrupted[..., None], split.clean[..., None]


class NetworkBusy(RuntimeError):
    """Another process holds the network's folder; raised, where waiting was not wanted, instead of waiting."""


def train(config, train_split, val_split, out_dir, log=print, wait=True):
    """Train autoencoder ``config.model_id`` on corrupted -> clean images, or load the cached result."""
    model = compiled_autoencoder(config)
    return fit(model, config, autoencoder_data(train_split), autoencoder_data(val_split), out_dir, log, wait)


def fit(model, config, train_data, val_data, out_dir, log=print, wait=True):
    """Train a compiled ``model`` on ``(inputs, targets)`` with early stopping, or load the cached result.

    Call ``backend.make_deterministic(config.seed)`` before building the model, so its initial weights are seeded.
    Where another process is training or reading the same network, wait for it, or with ``wait=False``
    raise ``NetworkBusy``.
    """
    folder = model_folder(config, model, train_data, val_data, out_dir)
    shipped = published_folder(folder)
    if shipped is not None and not (folder / "result.json").exists():
        reused = _reuse_published(model, config, shipped, log)
        if reused is not None:
            return reused
    with _claim(folder, config.model_id, log, wait):
        try:
            return _reuse(model, config, folder, log) or _train(model, config, train_data, val_data, folder, log)
        except DamagedArtifact as damage:
            # Raised only while reading, before the model or the folder is changed: the model is still
            # as built, so training it again gives what a first run would.
            _set_aside(folder, config.model_id, damage, log)
            return _train(model, config, train_data, val_data, folder, log)


def published_folder(folder):
    """The published copy of the run that ``folder`` (a ``model_folder``) keeps: the folder of the same name
    in the published set (the key hashes the data, so a name belongs to one profile); None if there is
    none, or where ``REPORT_RETRAIN`` asks to train from scratch."""
    if os.environ.get(RETRAIN_VARIABLE):
        return None
    return next(iter(sorted(PUBLISHED_DIR.glob(f"*/models/{Path(folder).name}"))), None)


def _reuse_published(model, config, folder, log):
    """The published run in ``folder`` loaded into ``model`` (None if it logs less than the model does now).
    A damaged published file is refused: it cannot be set aside and healed as a cache folder is, since it
    is part of the repository."""
    try:
        result = _reuse(model, config, folder, log, "the published network")
    except DamagedArtifact as damage:
        raise DamagedArtifact(
            f"the published network {folder} is damaged ({damage}) and is not used: restore it with "
            f"'git checkout -- {folder}', or train every network from scratch with --retrain") from None
    return None if result is None else replace(result, published=True, trained_on=f"{result.trained_on}, published")


def _reuse(model, config, folder, log, what="the trained model"):
    """The finished run kept in ``folder`` loaded into ``model``; None if there is none."""
    if not (folder / "result.json").exists():
        return None
    saved = _read_result(folder)
    unlogged = [name for name in model.get_compile_config()["metrics"] or [] if f"val_{name}" not in saved["history"][0]]
    if unlogged:
        # A result of older code, which logged less (the MSE of every model came later): trained again, so
        # that every number the study reads was measured.
        log(f"model {config.model_id}: the result in {folder.name} does not log {', '.join(unlogged)}; training "
            "it again")
        return None
    model.set_weights(_arrays_for(model, _read_npz(folder / "best_weights.npz"), "w"))
    log(f"model {config.model_id}: reusing {what} in {folder.name}")
    return TrainResult(model, config, saved["history"], saved["best_epoch"], saved["seconds"], True, folder,
                       _trained_on(saved))


def _train(model, config, train_data, val_data, folder, log):
    (x_train, y_train), (x_val, y_val) = train_data, val_data
    folder.mkdir(parents=True, exist_ok=True)
    checkpoint = folder / "checkpoint.npz"
    state = _restore(checkpoint, model) if checkpoint.exists() else _fresh_state(model)
    if state["history"]:
        log(f"model {config.model_id}: resuming after epoch {len(state['history'])} from {checkpoint}")
    device = backend.device()
    place = f"{backend.NAME} on {device}"
    n = len(x_train)
    for epoch in range(len(state["history"]), config.max_epochs):
        if state["wait"] >= config.patience:
            break
        started = time.perf_counter()
        epoch_random = np.random.default_rng((config.seed, epoch))
        order = epoch_random.permutation(n)
        seeding = backend.global_generator_callbacks(int(epoch_random.integers(2**63)))
        epoch_batches = backend.batches(x_train[order], y_train[order], batch_size=config.batch_size)
        epoch_run = model.fit(**epoch_batches, epochs=1, shuffle=False, verbose=0, callbacks=seeding)
        scores = model.evaluate(**backend.batches(x_val, y_val, batch_size=EVAL_BATCH_SIZE), verbose=0,
                                return_dict=True)
        row = {"epoch": epoch + 1, **{name: float(values[0]) for name, values in epoch_run.history.items()},
               **{f"val_{name}": float(value) for name, value in scores.items()},
               "seconds": time.perf_counter() - started}
        val_loss = row["val_loss"]
        state["history"].append(row)
        _count_epoch_at(state["places"], place)
        if not np.isfinite(row["loss"]) or not np.isfinite(val_loss):
            # A diverged run cannot recover; the best finite epoch so far is what is kept.
            log(f"model {config.model_id} | epoch {epoch + 1}: the loss is not finite, training stops")
            state["wait"] = config.patience
        elif val_loss < state["best_val_loss"]:
            state.update(best_val_loss=val_loss, best_epoch=epoch + 1, wait=0, best=model.get_weights())
        else:
            state["wait"] += 1
        log(f"model {config.model_id} | epoch {epoch + 1}/{config.max_epochs} | "
            + " | ".join(f"{name} {value:.5f}" for name, value in row.items() if name not in ("epoch", "seconds"))
            + f" | {row['seconds']:.1f} s" + (" | early stop" if state["wait"] >= config.patience else ""))
        _checkpoint(checkpoint, model, state)

    model.set_weights(state["best"])
    seconds = sum(row["seconds"] for row in state["history"])
    weights_file = folder / "best_weights.npz"
    # Its SHA-256 goes into result.json, which is written after it; the file itself stays as older
    # versions of this code read it.
    atomic_write(weights_file, lambda tmp: np.savez(tmp, **{f"w{i}": w for i, w in enumerate(state["best"])}))
    summary = {"config": asdict(config), "history": state["history"],
               "best_epoch": state["best_epoch"], "seconds": seconds,
               "backend": backend.NAME, "device": device, "versions": backend.versions(),
               "places": state["places"], "cpu": backend.cpu(), "commit": code_version(),
               "finished": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
               "weights_sha256": _file_sha256(weights_file)}
    summary["sha256"] = _json_sha256(summary)
    atomic_write(folder / "result.json", lambda path: Path(path).write_text(json.dumps(summary, indent=1)))
    checkpoint.unlink()
    return TrainResult(model, config, state["history"], state["best_epoch"], seconds, False, folder,
                       _trained_on(summary))


def code_version():
    """The project's git commit, marked where the work tree differs from it; None outside a git clone."""
    import subprocess

    def git(*args):
        return subprocess.run(["git", *args], cwd=Path(__file__).resolve().parent, capture_output=True, text=True,
                              check=True).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no", "--", ".")
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{commit} with uncommitted changes to lib" if changed else commit


def _count_epoch_at(places, place):
    """Count one more epoch at ``place`` in ``places``, the [place, epochs] stretches of a run in order."""
    if not places or places[-1][0] != place:
        places.append([place, 0])
    places[-1][1] += 1


def _trained_on(summary):
    """Where a run trained: its backend and device, or, for a run resumed elsewhere (begun on a GPU,
    finished on a CPU), each place in turn with its epochs."""
    places = summary.get("places", [])
    if len(places) > 1:
        return ", then ".join(f"{place} ({epochs} epoch{'s' * (epochs != 1)})" for place, epochs in places)
    # Results cached before the backend was recorded were trained by TensorFlow on a CPU: the project
    # installed nothing else then.
    device = summary.get("device", "cpu")
    processor = f" ({summary['cpu']})" if device == "cpu" and summary.get("cpu") else ""
    return f"{summary.get('backend', 'tensorflow')} on {device}{processor}"


def history_frame(result):
    """The MSE per epoch as a table (epoch, mse, val_mse; seconds left out as they vary run to run): the MSE
    as logged, which the loss is not for a model with penalties or another loss."""
    import pandas as pd

    return pd.DataFrame(result.history).set_index("epoch")[["mse", "val_mse"]]


def model_folder(config, model, train_data, val_data, out_dir):
    """Where ``fit`` keeps this run: ``result.json`` once finished, ``checkpoint.npz`` while under way."""
    return Path(out_dir) / "models" / f"model_{config.model_id}-{_cache_key(config, model, (*train_data, *val_data))}"


def epochs_run(folder, log=print):
    """(epochs run, finished) of the run kept in ``folder`` (see ``model_folder``); (0, False) if never
    started, or if its files are damaged (reported through ``log``: ``fit`` sets them aside and starts over)."""
    folder = Path(folder)
    try:
        if (folder / "result.json").exists():
            return len(_read_result(folder)["history"]), True
        if (folder / "checkpoint.npz").exists():
            return len(json.loads(str(_read_npz(folder / "checkpoint.npz")["state"]))["history"]), False
    except DamagedArtifact as damage:
        log(f"{damage} in {folder}: the next build sets it aside and trains the model again")
    return 0, False


def read_finished(folder, model):
    """The result.json of the finished run in ``folder``, checked with the weights it names: every
    checksum, every array readable and fitting ``model``'s weights (raises ``DamagedArtifact`` naming
    what is wrong)."""
    saved = _read_result(Path(folder))
    _arrays_for(model, _read_npz(Path(folder) / "best_weights.npz"), "w")
    return saved


def _read_result(folder):
    """result.json, checked against the SHA-256 it carries and the one it records for best_weights.npz
    (files written before the checksums were added carry none, and are checked by reading them)."""
    path, weights = folder / "result.json", folder / "best_weights.npz"
    try:
        saved = json.loads(path.read_text())
        _require(saved, ("history", "best_epoch", "seconds"))
        if "sha256" in saved and saved.pop("sha256") != _json_sha256(saved):
            raise ValueError("its content does not match its SHA-256")
    except _UNREADABLE as error:
        raise DamagedArtifact(f"result.json is damaged ({error})") from error
    if "weights_sha256" in saved and (not weights.exists() or _file_sha256(weights) != saved["weights_sha256"]):
        raise DamagedArtifact("best_weights.npz is damaged (missing, or not matching its SHA-256 in result.json)")
    return saved


def _read_npz(path):
    """Every array of an .npz file, read whole (which checks the zip's CRCs) and checked against the
    digest of its arrays that the file carries (files written before it was added carry none)."""
    try:
        with np.load(path) as saved:
            arrays = {name: saved[name] for name in saved.files}
        if "sha256" in arrays and str(arrays.pop("sha256")) != _arrays_sha256(arrays):
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


def _set_aside(folder, model_id, damage, log):
    """Rename a damaged folder (kept for inspection, never deleted) so that training starts over."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    aside = folder.with_name(f"{folder.name}.damaged-{stamp}")
    folder.rename(aside)
    log(f"model {model_id}: {damage} in {folder}; the folder is set aside as {aside.name} and the model "
        "trained again")


@contextlib.contextmanager
def _claim(folder, model_id, log, wait=True):
    """Hold ``<folder>.lock`` while using ``folder``: a second process waits, saying for whom (or, with
    ``wait=False``, raises ``NetworkBusy``)."""
    lock_path = folder.with_name(f"{folder.name}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    # flock, not a lock file that exists or not: the kernel releases it when its process dies, so a
    # killed build leaves no stale lock, and the next one takes over at once.
    with open(lock_path, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "another process"
            if not wait:
                raise NetworkBusy(f"{holder} holds {lock_path}") from None
            log(f"model {model_id}: waiting for {holder}, which holds {lock_path} while it trains or reads "
                f"this model in {folder}")
            fcntl.flock(lock, fcntl.LOCK_EX)
        lock.seek(0)
        lock.truncate()
        started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        lock.write(f"pid {os.getpid()} on {socket.gethostname()} since {started}")
        lock.flush()
        yield


def _file_sha256(path):
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _json_sha256(record):
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


def _arrays_sha256(arrays):
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _with_digest(arrays):
    """The arrays and a ``sha256`` entry over them, which ``_read_npz`` checks on every load."""
    return {**arrays, "sha256": np.array(_arrays_sha256(arrays))}


def _cache_key(config, model, arrays):
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
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:12]


def _fresh_state(model):
    return {"history": [], "best_val_loss": float("inf"), "best_epoch": 0, "wait": 0, "places": [],
            "best": model.get_weights()}


def _checkpoint(path, model, state):
    """Weights, optimizer slots, best weights and bookkeeping in one file, replaced atomically."""
    arrays = {f"weight_{i}": w for i, w in enumerate(model.get_weights())}
    arrays |= {f"best_{i}": w for i, w in enumerate(state["best"])}
    arrays |= {f"optimizer_{i}": keras.ops.convert_to_numpy(v) for i, v in enumerate(model.optimizer.variables)}
    arrays |= {f"seed_state_{i}": keras.ops.convert_to_numpy(v) for i, v in enumerate(_seed_states(model))}
    bookkeeping = {k: v for k, v in state.items() if k != "best"}
    arrays["state"] = np.array(json.dumps(bookkeeping))
    # The digest goes inside the file: a checkpoint is replaced every epoch, and a digest beside it could
    # be left describing the previous one by a kill between the two writes.
    atomic_write(path, lambda tmp: np.savez(tmp, **_with_digest(arrays)))


def _seed_states(model):
    """The random-number states of layers such as Dropout: not weights, yet part of where training is."""
    return [layer.seed_generator.state for layer in model.layers if hasattr(layer, "seed_generator")]


def _restore(path, model):
    saved = _read_npz(path)
    # Everything is read and checked before anything is assigned, so a damaged checkpoint leaves the
    # model untouched.
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
    state["best"] = best
    # Checkpoints written before places were recorded have none: their epochs ran somewhere unrecorded.
    state.setdefault("places", [["an unrecorded place", len(state["history"])]])
    return state


def atomic_write(path, write):
    """Write ``path`` through ``write(tmp_path)`` and move it into place, so readers never see half a file."""
    path = Path(path)
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    write(str(tmp))
    os.replace(tmp, path)
