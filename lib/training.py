"""Training with the seed's protocol, cached and resumable.

Adam on MSE against the clean image, early stopping on the validation loss with patience 3 and the
best weights restored. Everything random is seeded: weights through ``keras.utils.set_random_seed``
with TensorFlow's op determinism, and the batch order of epoch ``e`` through ``(seed, e)``.

A finished model lives in ``<out_dir>/models/model_<id>-<key>/``, where the key hashes everything the
result depends on (architecture, settings, training data); asking again returns it without training.
After every epoch the whole training state is checkpointed atomically, so an interrupted run resumes
at the last finished epoch and ends exactly where an uninterrupted run would.
"""

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from . import models
from ._tensorflow import tensorflow as tf
import keras  # noqa: E402

PATIENCE = 3
EVAL_BATCH_SIZE = 1024


@dataclass(frozen=True)
class TrainConfig:
    model_id: str
    batch_size: int
    learning_rate: float
    max_epochs: int
    patience: int
    seed: int


@dataclass
class TrainResult:
    model: keras.Model
    config: TrainConfig
    history: list  # one dict per epoch: epoch, loss, val_loss, seconds
    best_epoch: int
    seconds: float  # training time, summed over epochs (resumed runs included)
    reused: bool  # True when loaded from the cache instead of trained now
    folder: Path


def make_deterministic(seed):
    """Seed Python, NumPy and TensorFlow, and make TensorFlow's kernels deterministic."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def config_for(model_id, seed, max_epochs=None):
    """The model's own training settings; ``max_epochs`` (a profile's cap) overrides its epoch limit."""
    spec = models.spec(model_id)
    return TrainConfig(model_id, spec.batch_size, spec.learning_rate,
                       max_epochs if max_epochs is not None else spec.max_epochs, PATIENCE, seed + spec.seed_offset)


def compiled_autoencoder(config):
    """Autoencoder ``config.model_id`` with seeded initial weights, compiled for training."""
    make_deterministic(config.seed)
    model = models.build(config.model_id)
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate), loss="mse", jit_compile=False)
    return model


def autoencoder_data(split):
    """(inputs, targets) an autoencoder learns from: corrupted images in, clean images out."""
    return split.corrupted[..., None], split.clean[..., None]


def train(config, train_split, val_split, out_dir, log=print):
    """Train autoencoder ``config.model_id`` on corrupted -> clean images, or load the cached result."""
    model = compiled_autoencoder(config)
    return fit(model, config, autoencoder_data(train_split), autoencoder_data(val_split), out_dir, log)


def fit(model, config, train_data, val_data, out_dir, log=print):
    """Train a compiled ``model`` on ``(inputs, targets)`` with early stopping, or load the cached result.

    Call ``make_deterministic(config.seed)`` before building the model, so its initial weights are seeded.
    """
    (x_train, y_train), (x_val, y_val) = train_data, val_data
    folder = model_folder(config, model, train_data, val_data, out_dir)
    result_file, weights_file = folder / "result.json", folder / "best_weights.npz"
    if result_file.exists():
        with np.load(weights_file) as saved:
            model.set_weights([saved[f"w{i}"] for i in range(len(saved.files))])
        saved = json.loads(result_file.read_text())
        log(f"model {config.model_id}: reusing the trained model in {folder.name}")
        return TrainResult(model, config, saved["history"], saved["best_epoch"], saved["seconds"], True, folder)

    folder.mkdir(parents=True, exist_ok=True)
    checkpoint = folder / "checkpoint.npz"
    state = _restore(checkpoint, model) if checkpoint.exists() else _fresh_state(model)
    if state["history"]:
        log(f"model {config.model_id}: resuming after epoch {len(state['history'])} from {checkpoint}")
    n = len(x_train)
    for epoch in range(len(state["history"]), config.max_epochs):
        if state["wait"] >= config.patience:
            break
        started = time.perf_counter()
        order = np.random.default_rng((config.seed, epoch)).permutation(n)
        epoch_run = model.fit(x_train[order], y_train[order], batch_size=config.batch_size, epochs=1,
                              shuffle=False, verbose=0)
        scores = model.evaluate(x_val, y_val, batch_size=EVAL_BATCH_SIZE, verbose=0, return_dict=True)
        row = {"epoch": epoch + 1, **{name: float(values[0]) for name, values in epoch_run.history.items()},
               **{f"val_{name}": float(value) for name, value in scores.items()},
               "seconds": time.perf_counter() - started}
        val_loss = row["val_loss"]
        state["history"].append(row)
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
    atomic_write(weights_file, lambda tmp: np.savez(tmp, **{f"w{i}": w for i, w in enumerate(state["best"])}))
    summary = {"config": asdict(config), "history": state["history"],
               "best_epoch": state["best_epoch"], "seconds": seconds,
               "versions": {"keras": keras.__version__, "tensorflow": tf.__version__}}
    atomic_write(result_file, lambda path: Path(path).write_text(json.dumps(summary, indent=1)))
    checkpoint.unlink()
    return TrainResult(model, config, state["history"], state["best_epoch"], seconds, False, folder)


def history_frame(result):
    """The loss history as a table (epoch, loss, val_loss; seconds left out as they vary run to run)."""
    import pandas as pd

    return pd.DataFrame(result.history)[["epoch", "loss", "val_loss"]].set_index("epoch")


def model_folder(config, model, train_data, val_data, out_dir):
    """Where ``fit`` keeps this run: ``result.json`` once finished, ``checkpoint.npz`` while under way."""
    return Path(out_dir) / "models" / f"model_{config.model_id}-{_cache_key(config, model, (*train_data, *val_data))}"


def epochs_run(folder):
    """(epochs run, finished) of the run kept in ``folder`` (see ``model_folder``); (0, False) if never started."""
    folder = Path(folder)
    if (folder / "result.json").exists():
        return len(json.loads((folder / "result.json").read_text())["history"]), True
    if (folder / "checkpoint.npz").exists():
        with np.load(folder / "checkpoint.npz") as saved:
            return len(json.loads(str(saved["state"]))["history"]), False
    return 0, False


def _cache_key(config, model, arrays):
    digest = hashlib.sha256(json.dumps(asdict(config), sort_keys=True).encode())
    # Layer names carry a per-process counter (conv2d_7), so the architecture is hashed without them.
    layer_configs = [{k: v for k, v in layer.get_config().items() if k != "name"} for layer in model.layers]
    digest.update(json.dumps(layer_configs, sort_keys=True, default=str).encode())
    for array in arrays:
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:12]


def _fresh_state(model):
    return {"history": [], "best_val_loss": float("inf"), "best_epoch": 0, "wait": 0,
            "best": model.get_weights()}


def _checkpoint(path, model, state):
    """Weights, optimizer slots, best weights and bookkeeping in one file, replaced atomically."""
    arrays = {f"weight_{i}": w for i, w in enumerate(model.get_weights())}
    arrays |= {f"best_{i}": w for i, w in enumerate(state["best"])}
    arrays |= {f"optimizer_{i}": v.numpy() for i, v in enumerate(model.optimizer.variables)}
    arrays |= {f"seed_state_{i}": v.numpy() for i, v in enumerate(_seed_states(model))}
    bookkeeping = {k: v for k, v in state.items() if k != "best"}
    arrays["state"] = np.array(json.dumps(bookkeeping))
    atomic_write(path, lambda tmp: np.savez(tmp, **arrays))


def _seed_states(model):
    """The random-number states of layers such as Dropout: not weights, yet part of where training is."""
    return [layer.seed_generator.state for layer in model.layers if hasattr(layer, "seed_generator")]


def _restore(path, model):
    with np.load(path) as saved:
        count = len(model.get_weights())
        model.set_weights([saved[f"weight_{i}"] for i in range(count)])
        model.optimizer.build(model.trainable_variables)
        for i, variable in enumerate(model.optimizer.variables):
            variable.assign(saved[f"optimizer_{i}"])
        for i, variable in enumerate(_seed_states(model)):
            variable.assign(saved[f"seed_state_{i}"])
        state = json.loads(str(saved["state"]))
        state["best"] = [saved[f"best_{i}"] for i in range(count)]
    return state


def atomic_write(path, write):
    """Write ``path`` through ``write(tmp_path)`` and move it into place, so readers never see half a file."""
    path = Path(path)
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    write(str(tmp))
    os.replace(tmp, path)
