"""How far the smoke build's results move when the CPU's kernels change: the measurement behind the
tolerances of ``lib.reference_results``.

    REPORT_DATA_DIR=../shared/data .venv/bin/python benchmarks/kernel_spread.py            # about 50 min
    .venv/bin/python benchmarks/kernel_spread.py --analyse-only                            # seconds

Float32 results differ between CPUs because the libraries pick their kernels by instruction set: oneDNN
(TensorFlow's convolutions and matrix products) by ``ONEDNN_MAX_CPU_ISA``, TensorFlow's own Eigen kernels
when oneDNN is off (``TF_ENABLE_ONEDNN_OPTS=0``), numpy's SIMD loops by ``NPY_DISABLE_CPU_FEATURES``.
Capping them on one machine stands in for the CPUs the project meets (an AVX2 cap for an AMD EPYC Zen 3,
AVX-512 for a Zen 4 or an Intel Xeon). Each setting the machine allows builds the smoke profile from an
empty artifact folder, as the test suite does; the results trees are kept in ``kernel_spread.json`` beside
this file (a setting already there is not built again, so an interrupted run resumes).

Then, per measure, the spread of every compared value over the committed reference and every setting
(largest minus smallest): relative to the reference value where the value is of ordinary size, absolute
where it is near zero (``NEAR_ZERO``). The tolerance that ``lib.reference_results`` needs is that spread
times ``reference_results.MARGIN``; the script prints both and whether the constants in force cover
every setting.
"""

import argparse
import datetime
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lib import paths, reference_results
from lib.files import atomic_write

OUTPUT = Path(__file__).with_suffix(".json")
NPY_NO_AVX512 = "X86_V4 AVX512_ICL AVX512_SPR"
# Each setting's environment; "cpu" is what the machine offers, so a setting it cannot honour is skipped.
SETTINGS = {
    "native": ({}, None),
    "oneDNN and numpy capped at AVX2 (a CPU without AVX-512, such as a Zen 3)": (
        {"ONEDNN_MAX_CPU_ISA": "AVX2", "NPY_DISABLE_CPU_FEATURES": NPY_NO_AVX512},
        "avx2",
    ),
    "oneDNN off (TensorFlow's Eigen kernels)": ({"TF_ENABLE_ONEDNN_OPTS": "0"}, None),
    "oneDNN capped at AVX-512 (no VNNI, BF16 or AMX)": ({"ONEDNN_MAX_CPU_ISA": "AVX512_CORE"}, "avx512f"),
    "oneDNN capped at AVX2": ({"ONEDNN_MAX_CPU_ISA": "AVX2"}, "avx2"),
    "oneDNN capped at SSE4.1": ({"ONEDNN_MAX_CPU_ISA": "SSE41"}, "sse4_1"),
}  # in order of what they stand for: a setting not yet measured when the run is stopped is the least missed
# Below these a value counts as near zero for its measure, where its spread is judged in absolute terms:
# a tenth of the measure's ordinary scale (an SSIM or sharpness ratio of 1, the all-black image's MSE of
# about 0.15, the clean images' edge contrast of 100%, a PSNR of 10 dB).
NEAR_ZERO = {"loss": 0.015, "MSE": 0.015, "PSNR": 1.0, "SSIM": 0.1, "edge contrast": 10.0, "sharpness": 0.1}


def cpu_flags():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def cpu_model():
    for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def build(environment, workdir):
    """One smoke build from an empty artifact folder; (seconds, its results tree)."""
    env = {**os.environ, **environment, "REPORT_OUTPUT_DIR": str(workdir / "artifacts")}
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "lib.report", "--profile", "smoke", "--report-dir", str(workdir / "report")],
        cwd=paths.ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        raise SystemExit(f"the smoke build failed under {environment}:\n{run.stderr[-3000:]}")
    return time.perf_counter() - started, reference_results.collect(workdir / "artifacts" / "smoke")


def measure_all(record):
    flags = cpu_flags()
    for name, (environment, needs) in SETTINGS.items():
        if name in record["settings"]:
            continue
        if needs and needs not in flags:
            print(f"{name}: skipped, this CPU has no {needs}", flush=True)
            continue
        with tempfile.TemporaryDirectory() as tmp:
            seconds, tree = build(environment, Path(tmp))
        record["settings"][name] = {"environment": environment, "seconds": round(seconds), "results": tree}
        atomic_write(OUTPUT, lambda tmp: Path(tmp).write_text(json.dumps(record, indent=1) + "\n"))
        print(f"{name}: built in {seconds / 60:.1f} min", flush=True)


def spreads(trees, reference):
    """Per measure: the largest relative spread among values of ordinary size and the largest absolute
    spread among values near zero, each with the value it was seen on."""
    values = [dict(reference_results.leaves(tree)) for tree in trees]
    test_images = reference["final evaluation"]["test images"]
    found = {}
    for path, expected in reference_results.leaves(reference):
        if not isinstance(expected, float):
            continue
        measure = reference_results.measure(path)
        seen = [tree[path] for tree in values if path in tree] + [expected]
        width = max(seen) - min(seen)
        if measure == "accuracy":
            kind, size = "images", width / reference_results.accuracy_step(path, test_images)
        elif abs(expected) >= NEAR_ZERO.get(measure, 0.0) and expected != 0:
            kind, size = "relative", width / abs(expected)
        else:
            kind, size = "absolute", width
        if (measure, kind) not in found or size > found[(measure, kind)][0]:
            found[(measure, kind)] = (size, (path, min(seen), max(seen)))
    return found


def rounded_up(value):
    """``value`` rounded up to one significant digit: the tolerances are stated as round numbers."""
    if value <= 0:
        return 0.0
    digit = 10 ** math.floor(math.log10(value))
    return math.ceil(value / digit - 1e-9) * digit


def needed(kind, size):
    """The tolerance a spread calls for: times ``MARGIN``, rounded up; for accuracies, in whole images, one more."""
    if kind == "images":
        return math.ceil(size) + reference_results.ACCURACY_MARGIN
    return rounded_up(size * reference_results.MARGIN)


def in_force(measure, kind):
    if kind == "images":
        return reference_results.ACCURACY_IMAGES
    tolerance = reference_results.TOLERANCES[measure]
    return tolerance.relative if kind == "relative" else tolerance.floor


def analyse(record, reference):
    trees = [setting["results"] for setting in record["settings"].values()]
    print(f"\n{len(trees)} settings on {record['cpu']} ({record['date']}), against the committed reference:")
    for name, setting in record["settings"].items():
        differences = reference_results.differences(setting["results"], reference)
        verdict = "within the tolerance" if not differences else f"{len(differences)} values beyond the tolerance"
        print(f"- {name} ({setting['seconds'] / 60:.1f} min): {verdict}")
        for line in differences:
            print(f"    {line}")
    print(
        f"\nSpread over the reference and every setting; needed: the spread x {reference_results.MARGIN}, rounded up "
        f"(accuracies: the images read differently, plus {reference_results.ACCURACY_MARGIN}):"
    )
    print("| measure | compared | largest spread | needed | in force | seen on |")
    print("|---|---|---|---|---|---|")
    short = []
    for (measure, kind), (size, seen) in sorted(spreads(trees, reference).items()):
        path, low, high = seen
        want, have = needed(kind, size), in_force(measure, kind)
        if want > have:
            short.append(f"{measure} ({kind})")
        if kind == "images":
            shown = f"{size:.0f} images | {want} | {have}"
        elif kind == "relative":
            shown = f"{100 * size:.3f}% | {100 * want:.2g}% | {100 * have:.2g}%"
        else:
            shown = f"{size:.2g} | {want:.2g} | {have:.2g}"
        print(f"| {measure} | {kind} | {shown} | {path}: {low:.6g} to {high:.6g} |")
    print(f"\nTolerances short of what the spread needs: {', '.join(short) or 'none'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--analyse-only", action="store_true", help=f"build nothing; analyse {OUTPUT.name}")
    parser.add_argument("--again", action="store_true", help=f"start {OUTPUT.name} afresh on this machine")
    args = parser.parse_args()
    reference = reference_results.read(paths.RESULTS_REFERENCE)
    if OUTPUT.exists() and not args.again:
        record = json.loads(OUTPUT.read_text())
    else:
        record = {"cpu": cpu_model(), "date": datetime.date.today().isoformat(), "settings": {}}
    if not args.analyse_only:
        if record["cpu"] != cpu_model():
            raise SystemExit(f"{OUTPUT.name} was measured on {record['cpu']}; pass --again to measure this CPU")
        measure_all(record)
    analyse(record, reference)


if __name__ == "__main__":
    main()
