"""Model 12's training throughput under the settings that matter, side by side in one run, and against
the throughput the CPU's peak FP32 rate would allow for the model's FLOPs.

    .venv/bin/python benchmarks/training_throughput.py [--images 4096] [--rounds 2]

Each setting runs in a fresh process (oneDNN, thread counts and the precision policy are fixed when
TensorFlow starts) on random images: one warm-up epoch, then one timed epoch. The settings run in
interleaved rounds and each reports its best round. The loss after both epochs is printed beside the
speed, so a setting that is fast but trains differently shows it. bfloat16 on a CPU without bfloat16
instructions is emulated and very slow, so it then runs on an eighth of the images.

Peak FP32 rate: AVX2 with two 256-bit FMA pipes per core, as on the AMD Zen cores these machines report,
gives 2 pipes x 8 lanes x 2 FLOPs = 32 FLOPs per cycle per core (AMD's Software Optimization Guides for
the Zen families); multiplied by the cores and the clock /proc/cpuinfo reports.
"""

import argparse
import json
import os
import subprocess
import sys

SETTINGS = [  # (label, environment, batch size, XLA); emulated bfloat16 runs on an eighth of the images
    ("default: oneDNN on, batch 128, XLA off", {}, 128, False),
    ("oneDNN off", {"TF_ENABLE_ONEDNN_OPTS": "0"}, 128, False),
    ("XLA on", {}, 128, True),
    ("batch 512", {}, 512, False),
    ("batch 32", {}, 32, False),
    ("one intra-op thread", {"BENCH_INTRA_THREADS": "1"}, 128, False),
    ("one inter-op thread", {"BENCH_INTER_THREADS": "1"}, 128, False),
    ("tf.data pipeline instead of arrays", {"BENCH_TFDATA": "1"}, 128, False),
    ("bfloat16 mixed precision", {"BENCH_PRECISION": "mixed_bfloat16"}, 128, False),
]

WORKER = """
import json, os, sys, time
import numpy as np
from lib import models
from lib._tensorflow import tensorflow as tf
import keras
if os.environ.get("BENCH_INTRA_THREADS"):
    tf.config.threading.set_intra_op_parallelism_threads(int(os.environ["BENCH_INTRA_THREADS"]))
if os.environ.get("BENCH_INTER_THREADS"):
    tf.config.threading.set_inter_op_parallelism_threads(int(os.environ["BENCH_INTER_THREADS"]))
if os.environ.get("BENCH_PRECISION"):
    keras.mixed_precision.set_global_policy(os.environ["BENCH_PRECISION"])
n, batch, xla = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
keras.utils.set_random_seed(0)
model = models.build("12")
model.compile(optimizer="adam", loss="mse", jit_compile=xla)
x = np.random.default_rng(0).random((n, 28, 28, 1), dtype=np.float32)
if os.environ.get("BENCH_TFDATA"):
    dataset = tf.data.Dataset.from_tensor_slices((x, x)).batch(batch).prefetch(tf.data.AUTOTUNE)
    epoch = lambda: model.fit(dataset, epochs=1, verbose=0)
else:
    epoch = lambda: model.fit(x, x, batch_size=batch, epochs=1, verbose=0)
epoch()
started = time.perf_counter()
history = epoch()
print(json.dumps({"images_per_s": n / (time.perf_counter() - started), "loss": history.history["loss"][0]}))
"""


def forward_flops_per_image():
    """Multiply-adds of every convolution and dense layer of model 12, counted as 2 FLOPs each."""
    from lib import models

    flops = 0
    for layer in models.build("12").layers:
        kind = type(layer).__name__
        if kind in ("Conv2D", "Conv2DTranspose"):
            kh, kw, c_in, c_out = layer.kernel.shape
            _, h, w, _ = layer.output.shape
            flops += 2 * kh * kw * c_in * c_out * h * w
        elif kind == "Dense":
            flops += 2 * layer.kernel.shape[0] * layer.kernel.shape[1]
    return flops


def peak_flops():
    with open("/proc/cpuinfo") as cpuinfo:
        mhz = [float(line.split(":")[1]) for line in cpuinfo if line.startswith("cpu MHz")]
    return len(os.sched_getaffinity(0)) * 32 * max(mhz) * 1e6, len(os.sched_getaffinity(0)), max(mhz)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=4096)
    parser.add_argument("--rounds", type=int, default=2,
                        help="passes over all settings; each setting's best pass is reported, since a shared "
                             "machine's noise only ever slows a run down")
    args = parser.parse_args()
    # A training step costs about three forward passes (forward, gradients of inputs and of weights).
    step_flops = 3 * forward_flops_per_image()
    peak, cores, mhz = peak_flops()
    bound = peak / step_flops
    flags = open("/proc/cpuinfo").read()
    bf16 = [flag for flag in ("avx512_bf16", "amx_bf16") if flag in flags]
    print(f"bfloat16 in hardware: {', '.join(bf16) if bf16 else 'no (no avx512_bf16 or amx_bf16 flag): emulated'}")
    print(f"model 12: {step_flops / 1e6:.1f} MFLOPs per training image; peak {peak / 1e9:.0f} GFLOP/s "
          f"({cores} cores x 32 FLOPs/cycle x {mhz:.0f} MHz) -> at most {bound:,.0f} images/s")
    best = {}
    for round_ in range(args.rounds):
        for label, env, batch, xla in SETTINGS:
            images = args.images // 8 if "BENCH_PRECISION" in env and not bf16 else args.images
            run = subprocess.run([sys.executable, "-c", WORKER, str(images), str(batch), "1" if xla else "0"],
                                 env={**os.environ, **env}, capture_output=True, text=True, check=True)
            measured = json.loads(run.stdout.strip().splitlines()[-1])
            if label not in best or measured["images_per_s"] > best[label]["images_per_s"]:
                best[label] = measured
            print(f"round {round_ + 1}: {label:<40} {measured['images_per_s']:6.0f} images/s", flush=True)
    print(f"\nbest of {args.rounds} rounds, {args.images:,} images per run:")
    for label, measured in best.items():
        speed = measured["images_per_s"]
        print(f"{label:<42} {speed:8.0f} images/s  ({speed / bound:.1%} of the peak bound)  "
              f"loss after 2 epochs {measured['loss']:.5f}")


if __name__ == "__main__":
    main()
