"""Model 12's training throughput under the settings that matter, side by side in one run, against the
throughput this CPU's measured peak FP32 rate would allow for the model's FLOPs.

    .venv/bin/python benchmarks/training_throughput.py [--images 4096] [--rounds 2] [--only LABEL ...]

Each setting runs in a fresh process (the backend, oneDNN, thread counts and the precision policy are
fixed when the framework starts) on random images: one warm-up epoch, then one timed epoch. The
settings run in interleaved rounds and each reports its best round. Each is seeded and kept to
deterministic kernels as the training is (`backend.make_deterministic`), so it times what the training
runs. Beside the speed: the loss after both epochs (a setting that is fast but trains differently shows
it) and how many cores the timed epoch kept busy (CPU time over wall time). bfloat16 on a CPU without
bfloat16 instructions is emulated and very slow, so it then runs on an eighth of the images. A backend
that is not installed is skipped.

The peak is measured, not assumed: a 4096 x 4096 float32 matrix product in numpy (OpenBLAS, all cores),
best of five, which reaches close to the FMA units' rate (on AVX-512 cores with two FMA pipes, 64 FLOPs
per cycle per core; on AVX2 ones 32).
"""

import argparse
import importlib.util
import json
import os
import subprocess
import sys

SETTINGS = [  # (label, environment, batch size, XLA); emulated bfloat16 runs on an eighth of the images
    ("default: TensorFlow, oneDNN on, batch 128, XLA off", {}, 128, False),
    ("oneDNN off", {"TF_ENABLE_ONEDNN_OPTS": "0"}, 128, False),
    ("XLA on", {}, 128, True),
    ("batch 512", {}, 512, False),
    ("batch 32", {}, 32, False),
    ("one intra-op thread", {"BENCH_INTRA_THREADS": "1"}, 128, False),
    ("one inter-op thread", {"BENCH_INTER_THREADS": "1"}, 128, False),
    ("arrays through Keras' own tf.data feed, with autotuning", {"BENCH_KERAS_FEED": "1"}, 128, False),
    ("bfloat16 mixed precision", {"BENCH_PRECISION": "mixed_bfloat16"}, 128, False),
    ("JAX backend, jit_compile", {"KERAS_BACKEND": "jax"}, 128, True),
    ("PyTorch backend, eager", {"KERAS_BACKEND": "torch"}, 128, False),
]

WORKER = """
import json, os, resource, sys, time
import numpy as np
from lib import models
from lib.backend import NAME, batches, keras, make_deterministic
if NAME == "tensorflow":
    import tensorflow as tf
    if os.environ.get("BENCH_INTRA_THREADS"):
        tf.config.threading.set_intra_op_parallelism_threads(int(os.environ["BENCH_INTRA_THREADS"]))
    if os.environ.get("BENCH_INTER_THREADS"):
        tf.config.threading.set_inter_op_parallelism_threads(int(os.environ["BENCH_INTER_THREADS"]))
if os.environ.get("BENCH_PRECISION"):
    keras.mixed_precision.set_global_policy(os.environ["BENCH_PRECISION"])
n, batch, xla = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
make_deterministic(0)  # the training's seeds and deterministic kernels: time what it runs
model = models.build("12")
model.compile(optimizer="adam", loss="mse", jit_compile=xla)
x = np.random.default_rng(0).random((n, 28, 28, 1), dtype=np.float32)
if os.environ.get("BENCH_KERAS_FEED"):
    epoch = lambda: model.fit(x, x, batch_size=batch, shuffle=False, epochs=1, verbose=0)
else:
    epoch = lambda: model.fit(**batches(x, x, batch_size=batch), epochs=1, verbose=0)
epoch()
cpu = lambda: sum(getattr(resource.getrusage(resource.RUSAGE_SELF), f) for f in ("ru_utime", "ru_stime"))
started, cpu_started = time.perf_counter(), cpu()
history = epoch()
wall = time.perf_counter() - started
print(json.dumps({"images_per_s": n / wall, "cores_busy": (cpu() - cpu_started) / wall,
                  "loss": history.history["loss"][0]}))
"""

PEAK_PROBE = """
import json, time
import numpy as np
a, b = (np.random.default_rng(i).random((4096, 4096), dtype=np.float32) for i in (0, 1))
a @ b
seconds = []
for _ in range(5):
    started = time.perf_counter()
    a @ b
    seconds.append(time.perf_counter() - started)
print(json.dumps({"flops": 2 * 4096 ** 3 / min(seconds)}))
"""


def measured_peak_flops():
    """FP32 FLOP/s of numpy's matrix product on every core, in a process of its own. The project's
    machines set OPENBLAS_CORETYPE on some CPUs, which holds OpenBLAS to older kernels; for the probe
    both of its variables are unset, so it measures what the CPU can do."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    run = subprocess.run([sys.executable, "-c", PEAK_PROBE], env=env, capture_output=True, text=True, check=True)
    return json.loads(run.stdout)["flops"]


def cpu_model():
    with open("/proc/cpuinfo") as cpuinfo:
        return next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "unknown")


def installed(backend):
    return backend == "tensorflow" or importlib.util.find_spec(backend) is not None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=4096)
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="passes over all settings; each setting's best pass is reported, since a shared "
        "machine's noise only ever slows a run down",
    )
    parser.add_argument("--only", nargs="+", metavar="LABEL", help="run only the settings whose label starts so")
    args = parser.parse_args()
    settings = [setting for setting in SETTINGS if not args.only or setting[0].startswith(tuple(args.only))]
    from lib import models

    # A training step costs about three forward passes (forward, gradients of inputs and of weights).
    step_flops = 3 * models.forward_flops(models.build("12"))
    peak = measured_peak_flops()
    bound = peak / step_flops
    flags = open("/proc/cpuinfo").read()
    bf16 = [flag for flag in ("avx512_bf16", "amx_bf16") if flag in flags]
    cores = len(os.sched_getaffinity(0))
    print(
        f"CPU: {cpu_model()}, {cores} cores; bfloat16 in hardware: "
        f"{', '.join(bf16) if bf16 else 'no (no avx512_bf16 or amx_bf16 flag): emulated'}"
    )
    print(
        f"model 12: {step_flops / 1e6:.1f} MFLOPs per training image; measured peak {peak / 1e9:.0f} GFLOP/s "
        f"(float32 matrix product, {cores} cores) -> at most {bound:,.0f} images/s"
    )
    best = {}
    for round_ in range(args.rounds):
        for label, env, batch, xla in settings:
            if not installed(env.get("KERAS_BACKEND", "tensorflow")):
                print(f"round {round_ + 1}: {label:<50} skipped: {env['KERAS_BACKEND']} is not installed")
                continue
            images = args.images // 8 if "BENCH_PRECISION" in env and not bf16 else args.images
            run = subprocess.run(
                [sys.executable, "-c", WORKER, str(images), str(batch), "1" if xla else "0"],
                env={**os.environ, **env},
                capture_output=True,
                text=True,
                check=True,
            )
            measured = json.loads(run.stdout.strip().splitlines()[-1])
            if label not in best or measured["images_per_s"] > best[label]["images_per_s"]:
                best[label] = measured
            print(
                f"round {round_ + 1}: {label:<50} {measured['images_per_s']:6.0f} images/s, "
                f"{measured['cores_busy']:.2f} cores busy",
                flush=True,
            )
    print(f"\nbest of {args.rounds} rounds, {args.images:,} images per run:")
    for label, measured in best.items():
        speed = measured["images_per_s"]
        print(
            f"{label:<52} {speed:8.0f} images/s  ({speed / bound:.1%} of the peak bound, "
            f"{measured['cores_busy']:.2f} cores busy)  loss after 2 epochs {measured['loss']:.5f}"
        )


if __name__ == "__main__":
    main()
