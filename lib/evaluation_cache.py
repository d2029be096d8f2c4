"""Each network evaluated once: what the notebooks need of an answer's outputs on a split, kept on disk.

An evaluation (the ``evaluation.Measures`` of a network's corrections or of a reference answer, or the readings
of the search over undoings) is computed once and kept as ``<out_dir>/evaluations/<what>-<key>.npz``. The key
hashes everything it depends on: what made the outputs (a network's folder name and the SHA-256 of its
weights, or a reference answer's name), the reader (the same two), the split (``Split.fingerprint``: its
images, labels and families), the source of the functions that compute it and the constants they read, and
the backend and device that run the forward passes (float32 outputs move in their last digits from one to
another). A change to any of these gives another key, and so a new evaluation; nothing else does. Each file
is written atomically with the SHA-256 of its arrays inside; one that does not match it is set aside as
damaged (``<file>.damaged-<UTC time>``, kept for inspection) and computed again.
"""

import functools
import hashlib
import inspect
import json
from pathlib import Path

import numpy as np

from . import artifacts, backend, corruptions, evaluation, labels
from .artifacts import DamagedArtifact

FORMAT_VERSION = 1
FOLDER = "evaluations"

# What an evaluation's key hashes of the code, per kind: every function that computes it and every constant those
# functions read, as (module, name), looked up when the key is made. A function edited changes the key of exactly
# the evaluations it computes.
MEASURED_BY = (
    *((evaluation, name) for name in ("measure", "per_sample_mse", "per_sample_psnr", "per_sample_ssim")),
    *((evaluation, name) for name in ("_gaussian_window_means", "_window_weights", "per_sample_sharpness")),
    (evaluation, "output_spread"),
    *((evaluation, name) for name in ("SSIM_WINDOW", "SSIM_SIGMA", "SSIM_K1", "SSIM_K2")),
    (evaluation, "reader_probabilities"),
    (backend, "batches"),
    (backend, "EVAL_BATCH_SIZE"),
)
CORRECTED_BY = ((evaluation, "reconstruct"), *MEASURED_BY)
REFERENCES_BY = (
    (evaluation, "reference_outputs"),
    (evaluation, "BASELINES"),
    (evaluation, "median_filter"),
    *MEASURED_BY,
)
UNDOING_BY = (
    *((evaluation, name) for name in ("undoing_readings", "undoing_probabilities", "most_confident_reading")),
    (evaluation, "reader_probabilities"),
    (evaluation, "UNDOING_ANGLES"),
    (corruptions, "rotate"),
    (corruptions, "GEOMETRIC_FAMILIES"),
    (backend, "batches"),
    (backend, "EVAL_BATCH_SIZE"),
)


def network_measures(out_dir, network, split, reader, log=print):
    """The ``Measures`` of ``network``'s corrections of ``split``, read by ``reader`` (each a ``TrainResult``)."""

    def compute():
        return evaluation.measure(evaluation.reconstruct(network.model, split.corrupted), split, reader.model)

    key = {"outputs": network_identity(network), "reader": network_identity(reader), "code": code_digest(CORRECTED_BY)}
    return _measures(out_dir, network.folder.name, key, split, compute, log)


def reference_measures(out_dir, name, split, mean_train_image, reader, log=print):
    """The ``Measures`` of reference answer ``name`` (a baseline of ``evaluation.BASELINES`` or ``labels.CLEAN``,
    as ``evaluation.reference_outputs`` makes it) for ``split``, read by ``reader`` (a ``TrainResult``)."""

    def compute():
        return evaluation.measure(evaluation.reference_outputs(name, split, mean_train_image), split, reader.model)

    key = {
        "outputs": _reference_outputs(name, mean_train_image),
        "reader": network_identity(reader),
        "code": code_digest(REFERENCES_BY),
    }
    return _measures(out_dir, labels.FILE_KEYS[name], key, split, compute, log)


def undoing_readings(out_dir, reader, split, log=print):
    """Per image of ``split``, ``evaluation.undoing_readings`` with ``reader`` (a ``TrainResult``): does the
    search over undoings read it right (``right``), does any undoing (``any_right``)?"""
    key = {"reader": network_identity(reader), "code": code_digest(UNDOING_BY)}

    def compute():
        return evaluation.undoing_readings(reader.model, split)

    names = ("right", "any_right")
    return _cached(out_dir, labels.FILE_KEYS[labels.UNDOING_READER], key, split, names, compute, log)


READ_BY = (
    (evaluation, "reconstruct"),
    (evaluation, "reference_outputs"),
    (evaluation, "BASELINES"),
    (evaluation, "median_filter"),
    (evaluation, "reader_probabilities"),
    (backend, "batches"),
    (backend, "EVAL_BATCH_SIZE"),
)


def network_readings(out_dir, network, split, reader, log=print):
    """The class ``reader`` (a ``TrainResult``) reads in each of ``network``'s corrections of ``split``: a reader's
    readings apart from the ``Measures``, for a second reader, so that the image measures are not computed again."""
    make_outputs = functools.partial(evaluation.reconstruct, network.model, split.corrupted)
    return _readings(out_dir, network.folder.name, network_identity(network), split, reader, make_outputs, log)


def reference_readings(out_dir, name, split, mean_train_image, reader, log=print):
    """The class ``reader`` reads in each output of reference answer ``name`` for ``split`` (as
    ``reference_measures`` makes them), apart from the ``Measures``, as ``network_readings``."""
    outputs = _reference_outputs(name, mean_train_image)
    make_outputs = functools.partial(evaluation.reference_outputs, name, split, mean_train_image)
    return _readings(out_dir, labels.FILE_KEYS[name], outputs, split, reader, make_outputs, log)


def _readings(out_dir, what, outputs, split, reader, make_outputs, log):
    """The class ``reader`` reads in each of the outputs ``make_outputs`` makes for ``split``, kept under ``what``
    and keyed by ``outputs`` (what makes them)."""

    def compute():
        return {"read": evaluation.reader_probabilities(reader.model, make_outputs()).argmax(axis=1)}

    key = {"outputs": outputs, "reader": network_identity(reader), "code": code_digest(READ_BY)}
    return _cached(out_dir, f"{what}-read", key, split, ("read",), compute, log)["read"]


def _reference_outputs(name, mean_train_image):
    """What makes reference answer ``name``'s outputs, as an evaluation key names it."""
    outputs = {"answer": name}
    if name == labels.MEAN_IMAGE:
        outputs["mean image"] = artifacts.arrays_sha256({"mean": np.asarray(mean_train_image)})
    return outputs


def network_identity(result):
    """A trained network as an evaluation key names it: its folder (architecture, settings, data) and the
    SHA-256 of its weights (a network trained again under the same name may differ in its last digits)."""
    weights = {f"w{i}": weight for i, weight in enumerate(result.model.get_weights())}
    return {"folder": Path(result.folder).name, "weights": artifacts.arrays_sha256(weights)}


def code_digest(parts):
    """The SHA-256 of the code that ``parts`` name ((module, name) pairs): a function's source, the source of each
    function a table of them holds, any other value's ``repr``."""
    digest = hashlib.sha256()
    for module, name in parts:
        value = getattr(module, name)
        functions = value.values() if isinstance(value, dict) else [value] if callable(value) else None
        text = repr(value) if functions is None else "".join(inspect.getsource(function) for function in functions)
        digest.update(f"{module.__name__}.{name}:{text}".encode())
    return digest.hexdigest()


def evaluation_path(out_dir, what, key, split):
    """Where the evaluation named ``what`` with ``key`` (its outputs, reader and code) of ``split`` is kept."""
    described = {
        **key,
        "split": split.fingerprint,
        "format": FORMAT_VERSION,
        "backend": backend.NAME,
        "device": backend.device(),
    }
    digest = hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:16]
    return Path(out_dir) / FOLDER / f"{what}-{digest}.npz"


PER_IMAGE = ("mse", "psnr", "ssim", "sharpness", "read")  # the ``Measures`` kept per image; and the spread


def _measures(out_dir, what, key, split, compute, log):
    def arrays():
        measured = compute()
        return {**{name: getattr(measured, name) for name in PER_IMAGE}, "spread": np.array(measured.spread)}

    stored = _cached(out_dir, what, key, split, (*PER_IMAGE, "spread"), arrays, log)
    return evaluation.Measures(**{name: stored[name] for name in PER_IMAGE}, spread=float(stored["spread"]))


def _cached(out_dir, what, key, split, names, compute, log):
    """The arrays ``names`` kept for this evaluation, checked; computed by ``compute`` and kept first where there
    are none, or where the file kept is damaged (set aside). One process computes it: another that asks for it
    meanwhile (notebooks run at once) waits for that one, silently, and reads what it wrote."""
    path = evaluation_path(out_dir, what, key, split)
    stored = _kept(path, names, split, log)
    if stored is not None:
        return stored
    with artifacts.claim(path, f"the evaluation {path.name}", lambda line: None, doing="computes it"):
        stored = _kept(path, names, split, log)
        if stored is not None:
            return stored
        arrays = compute()
        artifacts.write_npz(path, arrays)
        return arrays


def _kept(path, names, split, log):
    """The arrays ``names`` of the evaluation kept at ``path``, checked; None where there is none, or where it is
    damaged (then set aside)."""
    if not path.exists():
        return None
    try:
        stored = artifacts.read_npz(path, names)
        if any(values.ndim and len(values) != len(split) for values in stored.values()):
            raise DamagedArtifact(f"{path.name} is damaged (its arrays do not hold one value per image)")
        return stored
    except DamagedArtifact as damage:
        artifacts.set_aside(path, f"the evaluation {path.name}", damage, log, then="computed again")
        return None
