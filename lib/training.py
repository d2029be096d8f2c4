"""Training with the seed's protocol: one ``Network`` idea for every network, and one loop that trains it.

Adam on MSE against the clean image (or the loss a model's spec names), early stopping on the validation
loss with patience 3 and the best weights restored. Everything random is seeded: weights through
``keras.utils.set_random_seed`` with the backend's op determinism, and the batch order of epoch ``e``
through ``(seed, e)``. A finished network is found again in the artifact cache or the published set
(``lib.artifacts``) instead of trained; after every epoch the whole training state is checkpointed, so an
interrupted run resumes at the last finished epoch and ends exactly where an uninterrupted run would.
"""

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from . import artifacts, backend, losses, models
from .artifacts import DamagedArtifact
from .backend import keras

PATIENCE = 3
SPREAD_RUNS = 3  # how often the report trains one network, with seeds one apart, to measure run-to-run spread
# keras.utils.set_random_seed hands the seed to numpy, which takes seeds below 2**32, and each model
# adds its seed offset, and a spread run its number, to the run's seed.
MAX_SEED = 2**32 - 1 - max(spec.seed_offset for spec in models.MODELS.values()) - (SPREAD_RUNS - 1)


@dataclass(frozen=True)
class TrainConfig:
    model_id: str
    batch_size: int
    learning_rate: float
    max_epochs: int
    patience: int
    seed: int
    loss: str = "mse"


@dataclass(frozen=True, eq=False)
class Network:
    """One network to train: its name, settings, architecture (``build``), the metric it logs beside its
    loss, and the (inputs, targets) it learns from and is validated on. ``autoencoder`` and
    ``classifier.reader`` make one; ``fit`` trains it or finds it trained."""

    name: str
    config: TrainConfig
    build: Callable[[], keras.Model]
    metric: str
    train_data: tuple
    val_data: tuple
    run: int = 0  # a spread run's number (0: the study's own run)
    # Makes the loss where ``config.loss`` names none of Keras' or ``losses.LOSSES``: a loss that needs a trained
    # network (the reader-guided loss), made only when this network is compiled.
    make_loss: Callable[[], Callable] | None = None
    # Sets what a network is built from before it trains: the trained orientation head inside the upright corrector.
    prepare: Callable[[keras.Model], None] | None = None
    uses: tuple = ()  # the cache keys of the trained networks it is trained with or built from: part of its key

    def compiled(self):
        """The network with seeded initial weights, compiled for training."""
        backend.make_deterministic(self.config.seed)
        model = self.build()
        if self.prepare:
            self.prepare(model)
        model.compile(
            optimizer=keras.optimizers.Adam(self.config.learning_rate),
            loss=self.make_loss() if self.make_loss else losses.LOSSES.get(self.config.loss, self.config.loss),
            metrics=[self.metric],
            jit_compile=backend.JIT_COMPILE,
        )
        return model

    def folder(self, out_dir):
        """Where the cache under ``out_dir`` keeps this network."""
        return artifacts.model_folder(self.config.model_id, self.key, out_dir)

    @cached_property
    def key(self):
        """The network's cache key (``artifacts.cache_key``): it hashes the data, so it is computed once."""
        with keras.StatelessScope(initialize_variables=False):
            model = self.build()
        return artifacts.cache_key(self.config, model, (*self.train_data, *self.val_data), self.uses)


@dataclass
class TrainResult:
    model: keras.Model
    config: TrainConfig
    history: list  # one dict per epoch: epoch, loss, the metric, their val_ forms, seconds
    best_epoch: int
    seconds: float  # training time, summed over epochs (resumed runs included)
    reused: bool  # True when loaded from the cache or the published set instead of trained now
    folder: Path
    trained_on: str  # backend and device, e.g. "jax on NVIDIA H100", or each in turn for a run resumed elsewhere
    published: bool = False  # True when loaded from the published set


def check_seed(seed):
    """Refuse a run seed that some model cannot train with, naming the valid range."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= MAX_SEED:
        raise ValueError(
            f"seed must be an integer from 0 to {MAX_SEED}, got {seed!r}: Keras takes seeds "
            f"below 2**32 and a model adds up to {2**32 - 1 - MAX_SEED} to the run's seed"
        )


def config_for(model_id, seed, max_epochs=None, run=0, batch_size=None):
    """The model's own training settings; ``max_epochs`` (a profile's cap) overrides its epoch limit.
    ``run`` (0 to ``SPREAD_RUNS`` - 1) numbers the repeated runs of one network that measure the spread;
    ``batch_size`` overrides the model's own (the batch-size ablation), with the model's seed."""
    spec = models.spec(model_id)
    check_seed(seed)
    if run not in range(SPREAD_RUNS):
        raise ValueError(f"run must be an integer from 0 to {SPREAD_RUNS - 1}, got {run!r}")
    return TrainConfig(
        model_id,
        spec.batch_size if batch_size is None else batch_size,
        spec.learning_rate,
        max_epochs if max_epochs is not None else spec.max_epochs,
        PATIENCE,
        seed + spec.seed_offset + run,
        spec.loss,
    )


def autoencoder(config, train_split, val_split, run=0):
    """Autoencoder ``config.model_id`` as a ``Network``: corrupted images in, clean images out. Every
    autoencoder logs its MSE (``mse``, ``val_mse``), which the study compares: the loss is not the MSE
    where a model trains on another loss, nor where Keras adds a model's regularisation penalties to it."""
    name = f"model {config.model_id}"
    if config.batch_size != models.spec(config.model_id).batch_size:
        name += f" at batch size {config.batch_size}"
    if run:
        name = f"run {run} of {name}"
    return Network(
        name,
        config,
        lambda: models.build(config.model_id),
        "mse",
        autoencoder_data(train_split),
        autoencoder_data(val_split),
        run,
    )


def autoencoder_data(split):
    """(inputs, targets) an autoencoder learns from: corrupted images in, clean images out."""
    return split.corrupted[..., None], split.clean[..., None]


def fit(network, out_dir, log=print, wait=True):
    """Train ``network`` with early stopping, or load it from the cache under ``out_dir`` or the published
    set. Where another process is training or reading the same network, wait for it, or with
    ``wait=False`` raise ``artifacts.NetworkBusy``."""
    model = network.compiled()
    what = f"model {network.config.model_id}"
    folder = network.folder(out_dir)
    shipped = artifacts.finished_folder(folder)
    if shipped not in (None, folder):
        result = _reuse(model, network.config, shipped, log, published=True)
        if result is not None:
            return result
    with artifacts.claim(folder, what, log, wait):
        try:
            return _reuse(model, network.config, folder, log) or _train(model, network, folder, log)
        except DamagedArtifact as damage:
            # Raised only while reading, before the model or the folder is changed: the model is still
            # as built, so training it again gives what a first run would.
            artifacts.set_aside(folder, what, damage, log)
            return _train(model, network, folder, log)


def _reuse(model, config, folder, log, published=False):
    """The finished run kept in ``folder`` loaded into ``model``; None if there is none, or if it logs less
    than the model does now (a result of older code: trained again, so that every number read was measured).
    A damaged published file is refused: it is part of the repository, and cannot be set aside and healed."""
    if not artifacts.is_finished(folder):
        return None
    try:
        record, weights = artifacts.read_finished(folder, model)
    except DamagedArtifact as damage:
        if not published:
            raise
        raise artifacts.damaged_published(folder, damage) from None
    unlogged = [name for name in model.get_compile_config()["metrics"] if f"val_{name}" not in record["history"][0]]
    if unlogged:
        log(
            f"model {config.model_id}: the result in {folder.name} does not log {', '.join(unlogged)}; training "
            "it again"
        )
        return None
    model.set_weights(weights)
    log(
        f"model {config.model_id}: reusing {'the published network' if published else 'the trained model'} in "
        f"{folder.name}"
    )
    return recorded_result(model, config, record, folder, reused=True, published=published)


def _train(model, network, folder, log):
    config = network.config
    folder.mkdir(parents=True, exist_ok=True)
    checkpoint = folder / artifacts.CHECKPOINT
    state = artifacts.restore_checkpoint(checkpoint, model) if checkpoint.exists() else _fresh_state(model)
    if state["history"]:
        log(f"model {config.model_id}: resuming after epoch {len(state['history'])} from {checkpoint}")
    place = f"{backend.NAME} on {backend.device()}"
    for epoch in range(len(state["history"]), config.max_epochs):
        if state["wait"] >= config.patience:
            break
        row = _epoch(model, network, epoch)
        state["history"].append(row)
        if not state["places"] or state["places"][-1][0] != place:
            state["places"].append([place, 0])
        state["places"][-1][1] += 1
        if not np.isfinite(row["loss"]) or not np.isfinite(row["val_loss"]):
            # A diverged run cannot recover; the best finite epoch so far is what is kept.
            log(f"model {config.model_id} | epoch {epoch + 1}: the loss is not finite, training stops")
            state["wait"] = config.patience
        elif row["val_loss"] < state["best_val_loss"]:
            state.update(best_val_loss=row["val_loss"], best_epoch=epoch + 1, wait=0, best=model.get_weights())
        else:
            state["wait"] += 1
        log(
            f"model {config.model_id} | epoch {epoch + 1}/{config.max_epochs} | "
            + " | ".join(f"{name} {value:.5f}" for name, value in row.items() if name not in ("epoch", "seconds"))
            + f" | {row['seconds']:.1f} s"
            + (" | early stop" if state["wait"] >= config.patience else "")
        )
        artifacts.save_checkpoint(checkpoint, model, state)
    model.set_weights(state["best"])
    seconds = sum(row["seconds"] for row in state["history"])
    run = {"config": asdict(config), "history": state["history"], "best_epoch": state["best_epoch"], "seconds": seconds}
    record = artifacts.write_finished(folder, state["best"], run | {"places": state["places"]})
    checkpoint.unlink()
    return recorded_result(model, config, record, folder, reused=False)


def _epoch(model, network, epoch):
    """One epoch of training in its seeded batch order, then the validation pass: the epoch's row."""
    (x, y), (x_val, y_val) = network.train_data, network.val_data
    started = time.perf_counter()
    epoch_random = np.random.default_rng((network.config.seed, epoch))
    order = epoch_random.permutation(len(x))
    seeding = backend.global_generator_callbacks(int(epoch_random.integers(2**63)))
    batches = backend.batches(x[order], y[order], batch_size=network.config.batch_size)
    trained = model.fit(**batches, epochs=1, shuffle=False, verbose=0, callbacks=seeding)
    val_batches = backend.batches(x_val, y_val, batch_size=backend.EVAL_BATCH_SIZE)
    scores = model.evaluate(**val_batches, verbose=0, return_dict=True)
    return {
        "epoch": epoch + 1,
        **{name: float(values[0]) for name, values in trained.history.items()},
        **{f"val_{name}": float(value) for name, value in scores.items()},
        "seconds": time.perf_counter() - started,
    }


def _fresh_state(model):
    state = {"history": [], "best_val_loss": float("inf"), "best_epoch": 0, "wait": 0, "places": []}
    return state | {"best": model.get_weights()}


PUBLISHED_MARK = ", published"  # how a network's ``trained_on`` says it came from the published set


def recorded_result(model, config, record, folder, reused, published=False):
    """The ``TrainResult`` a result record (``artifacts.read_record``) of ``folder`` tells, with ``model``."""
    where = artifacts.trained_on(record) + (PUBLISHED_MARK if published else "")
    history, best_epoch, seconds = record["history"], record["best_epoch"], record["seconds"]
    return TrainResult(model, config, history, best_epoch, seconds, reused, folder, where, published)
