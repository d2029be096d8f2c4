"""Corruption throughput: corrupt_balanced on all 70,000 KMNIST images against a naive per-image loop.

    REPORT_DATA_DIR=../shared/data .venv/bin/python benchmarks/corruption_throughput.py

The naive loop corrupts one image at a time with the same family functions (as MNIST-C does); it runs
on a tenth of the images and is scaled up, which the output says.
"""

import os
import time

import numpy as np

from lib import corruptions, data


def best_of(repeats, work):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main():
    data_dir = os.environ.get("REPORT_DATA_DIR")
    train, _ = data.load_dataset("kmnist", "train", data_dir)
    test, _ = data.load_dataset("kmnist", "test", data_dir)
    images = np.concatenate([train, test])
    n = len(images)
    batched = best_of(3, lambda: corruptions.corrupt_balanced(images, seed=0))

    subset = images[: n // 10]
    rng = np.random.default_rng(0)
    families = corruptions.FAMILY_FUNCTIONS

    def naive():
        for i in range(len(subset)):
            families[i % len(families)](subset[i : i + 1], rng)

    looped = best_of(1, naive) * n / len(subset)
    print(f"corrupt_balanced, {n:,} images, batched: {batched:.2f} s ({n / batched:,.0f} images/s)")
    print(
        f"naive per-image loop (timed on {len(subset):,} images, scaled): {looped:.2f} s ({n / looped:,.0f} images/s)"
    )
    print(f"speed-up of the batched version: {looped / batched:.1f}x")
    for family in families:
        share = images[: n // len(families)]
        seconds = best_of(3, lambda family=family, share=share: family(share, rng))
        print(f"  {family.__name__:<15} {seconds:.2f} s for {len(share):,} images")


if __name__ == "__main__":
    main()
