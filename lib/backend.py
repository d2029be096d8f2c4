"""Keras 3 on the backend that ``KERAS_BACKEND`` names: ``tensorflow`` (the default), ``jax`` or ``torch``.

Every module that uses Keras imports it from here, so that the backend is checked once, TensorFlow
(when it is the backend) is imported with its start-up notices silenced, and each backend is made
deterministic in its own way. The rest of ``lib`` speaks Keras and numpy only.
"""

import importlib.util
import os

from . import BACKENDS

NAME = os.environ.setdefault("KERAS_BACKEND", "tensorflow")
if NAME not in BACKENDS:
    raise ValueError(
        f"KERAS_BACKEND={NAME!r} is not a backend this project runs on; choose one of "
        f"{', '.join(BACKENDS)} (or leave it unset for tensorflow)"
    )
# The networks here are small: each process takes GPU memory as it needs it rather than most of the card
# up front, so that several training stages (or a notebook beside one) can share one GPU.
if NAME == "jax":
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    # XLA picks GPU kernels by speed, some of them with atomics that sum in varying order; this flag
    # keeps to deterministic ones. It has to be set before JAX starts, and does nothing on a CPU.
    os.environ["XLA_FLAGS"] = " ".join(filter(None, [os.environ.get("XLA_FLAGS"), "--xla_gpu_deterministic_ops=true"]))
if NAME == "tensorflow":
    os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
if NAME == "torch":
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # what deterministic cuBLAS needs on a GPU

if NAME == "tensorflow" or importlib.util.find_spec("tensorflow") is not None:
    # On every backend, keras.utils.set_random_seed seeds TensorFlow too where it is installed, and so
    # imports it: quietly, from here.
    from ._tensorflow import tensorflow as _tensorflow
import keras  # noqa: E402

if NAME == "jax":
    # Keras' max pooling differentiates into a select-and-scatter, which the deterministic flag above
    # forbids on a GPU; this one gives the same values and gradients without it.
    from ._jax import use_scatter_free_max_pool

    use_scatter_free_max_pool()

# Each training step is compiled with XLA on JAX only: eager JAX runs op by op, unusably slowly, while on
# the CPU TensorFlow with XLA was not reliably faster and torch.compile was slower than eager
# (docs/measurements.md, "Measured throughput").
JIT_COMPILE = NAME == "jax"
EVAL_BATCH_SIZE = 1024  # images per batch where nothing is trained: evaluation and prediction


def make_deterministic(seed):
    """Seed Python, NumPy and the backend, and keep the backend to deterministic kernels."""
    keras.utils.set_random_seed(seed)
    if NAME == "tensorflow":
        _tensorflow.config.experimental.enable_op_determinism()
    elif NAME == "torch":
        import torch

        torch.use_deterministic_algorithms(True)


def global_generator_callbacks(seed):
    """Keras callbacks that seed the backend's global random-number generator at an epoch's first batch.

    On PyTorch, Keras runs a Dropout layer built without a seed through torch's global generator, not
    through the layer's own seed generator, and Keras' torch data loader draws from that generator too,
    once more in a model's first ``fit`` than in later ones. Seeding it as the first batch starts, from the
    run's seed and the epoch, makes a resumed run draw what an uninterrupted one does. TensorFlow and JAX
    draw only through the layers' seed generators, whose states the checkpoint keeps: none there.
    """
    if NAME != "torch":
        return []
    import torch

    class SeedAtFirstBatch(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == 0:
                torch.manual_seed(seed)

    return [SeedAtFirstBatch()]


def batches(x, y=None, *, batch_size):
    """``fit``, ``evaluate`` and ``predict`` arguments that feed ``x`` (and ``y``) in order, batch by batch.

    On TensorFlow, Keras feeds arrays through a tf.data pipeline with autotuning, whose tuning thread is
    not woken when the pipeline is deleted: each call then waits, idle, for the thread's next scheduled
    run, which comes up to 60 s later once a call lasts a minute or more (measured with gdb on a
    full-profile training: model 22's epochs took 146 s or 91 s, by where the 60 s cycle fell). The same
    batches in a pipeline without autotuning end at once. Other backends slice the arrays without tf.data.

    Where every batch is whole, Keras' feed declares their size, and TensorFlow's graph for a declared
    size rounds batch normalisation differently; this pipeline declares it there too, so it computes
    what Keras' feed would, bit for bit.
    """
    if NAME != "tensorflow":
        return {"x": x, "batch_size": batch_size} | ({} if y is None else {"y": y})
    options = _tensorflow.data.Options()
    options.autotune.enabled = False
    slices = x if y is None else (x, y)
    # drop_remainder drops nothing here (there is no remainder); it is what declares the batches' size.
    whole_batches_only = len(x) % batch_size == 0
    pipeline = _tensorflow.data.Dataset.from_tensor_slices(slices).batch(batch_size, drop_remainder=whole_batches_only)
    return {"x": pipeline.prefetch(1).with_options(options)}


def versions():
    """The library versions a result was computed with: Keras and the backend."""
    return {"keras": keras.__version__, NAME: importlib.import_module(NAME).__version__}


def cpu():
    """The processor's model name, as ``lscpu`` gives it (the host's, whatever device the backend uses)."""
    try:
        with open("/proc/cpuinfo") as info:
            return next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        import platform

        return platform.processor() or platform.machine()


def device():
    """Where the backend computes: the first accelerator it sees, else the CPU."""
    if NAME == "jax":
        import jax

        return jax.devices()[0].device_kind
    if NAME == "torch":
        import torch

        return torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    gpus = _tensorflow.config.list_physical_devices("GPU")
    return gpus[0].name if gpus else "cpu"
