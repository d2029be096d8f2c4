"""Wall time of ./build_report.sh per profile, from an empty artifact folder, and a determinism check; or,
with --render, the time to render the full study from the published set.

    REPORT_DATA_DIR=../shared/data .venv/bin/python benchmarks/build_time.py [--profiles smoke quick] [--no-determinism]
    REPORT_DATA_DIR=../shared/data .venv/bin/python benchmarks/build_time.py --render [--against main] [--keep-in DIR]

--render times what a user meets: a fresh clone's first render of the full profile from the published set (no
network trained, every evaluation computed), a second render (every evaluation read back from the artifact
folder), and notebook 11 run again alone after them, as a user re-runs it in JupyterLab; each with the seconds
of every notebook. --against REV first renders the same way from a clone of REV (the code before a change),
so that both are measured side by side on one machine in one run.

Each build trains every model anew (a fresh REPORT_OUTPUT_DIR) and reports its wall time, the number
of models in its results table and their summed training time. The full profile works the same way
(`--profiles full`) but takes many hours on a laptop-class CPU.

Determinism: a second smoke build with the same seed, again from an empty artifact folder, must write
the same metrics files: results.csv (every column but the training time, which is a measurement) and
final_evaluation.json, compared value for value. That holds on one machine (the same CPU and library
versions); against the committed reference, made on another CPU, the results agree within the
tolerance of ``lib.reference_results``, which is what this prints next.
"""

import argparse
import json
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd

from lib import paths, reference_results

ROOT = paths.ROOT


def build(profile, workdir):
    """Run the build into ``workdir``; return (seconds, the artifact folder of the profile)."""
    env = {**os.environ, "REPORT_OUTPUT_DIR": str(workdir / "artifacts")}
    started = time.perf_counter()
    run = subprocess.run(
        [str(ROOT / "build_report.sh"), "--profile", profile, "--report-dir", str(workdir / "report")],
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(f"the {profile} build failed:\n{run.stderr[-3000:]}")
    return seconds, workdir / "artifacts" / profile


NOTEBOOK_DONE = re.compile(r"^\[(\w+)\] done in (\d+) s$", re.MULTILINE)
ALL_DONE = re.compile(r"^\[notebooks\] all \d+ done in (\d+) s", re.MULTILINE)  # builds that run notebooks at once


def render(project, artifacts, report_dir, notebooks=None):
    """Render the full profile with the code of ``project`` into ``report_dir``, its artifact folder ``artifacts``
    (``notebooks``: only these, with no export); return (wall seconds, the notebooks' wall seconds, notebook ->
    seconds). A build that runs notebooks one after another takes the sum of their times."""
    env = {**os.environ, "REPORT_OUTPUT_DIR": str(artifacts), "PYTHONPATH": str(project)}
    if notebooks is None:
        command = [str(project / "build_report.sh"), "--profile", "full", "--report-dir", str(report_dir)]
    else:
        code = (
            "import sys; from pathlib import Path; from lib import paths, report; paths.absolute_environment(); "
            f"report.NOTEBOOKS = {tuple(notebooks)!r}; report.execute('full', 0, Path(sys.argv[1]))"
        )
        command = [str(project / ".venv" / "bin" / "python"), "-c", code, str(report_dir)]
    started = time.perf_counter()
    run = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(f"the render in {project} failed:\n{run.stdout[-2000:]}\n{run.stderr[-3000:]}")
    notebooks = {name: int(taken) for name, taken in NOTEBOOK_DONE.findall(run.stdout)}
    together = ALL_DONE.search(run.stdout)
    return seconds, int(together.group(1)) if together else sum(notebooks.values()), notebooks


def report_render(what, seconds, notebooks_seconds, notebooks):
    slowest = sorted(notebooks.items(), key=lambda item: -item[1])[:3]
    print(
        f"{what}: {seconds / 60:.1f} min wall time, {notebooks_seconds / 60:.1f} min of it running the notebooks ("
        + ", ".join(f"{name} {taken} s" for name, taken in slowest)
        + ")",
        flush=True,
    )


def render_times(against, tmp):
    """The renders of --render, printed as they finish."""
    paths.absolute_environment()  # REPORT_DATA_DIR as the user named it, for renders that run in other folders
    if against:
        before = clone(against, tmp / "against")
        report_render(f"{against}, first render", *render(before, tmp / "against-artifacts", tmp / "against-report"))
    head = clone("HEAD", tmp / "head")  # the commit, not the working tree, which may change while this runs
    artifacts = tmp / "artifacts"
    report_render("HEAD, first render", *render(head, artifacts, tmp / "report"))
    report_render("HEAD, second render", *render(head, artifacts, tmp / "report-again"))
    seconds, _, notebooks = render(head, artifacts, tmp / "notebook-11", ["11_final_evaluation"])
    print(f"HEAD, notebook 11 again after them: {notebooks['11_final_evaluation']} s ({seconds:.0f} s wall)")


def clone(rev, folder):
    """A clone of this repository at ``rev`` in ``folder``, using this checkout's environment."""
    subprocess.run(["git", "clone", "--quiet", "--shared", str(ROOT), str(folder)], check=True)
    subprocess.run(["git", "-C", str(folder), "checkout", "--quiet", rev], check=True)
    (folder / ".venv").symlink_to(ROOT / ".venv")
    return folder


def metrics(artifacts):
    table = pd.read_csv(artifacts / "results.csv", dtype={"model": str}).set_index("model")
    return table.drop(columns=["time (s)"]), json.loads((artifacts / "final_evaluation.json").read_text())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", nargs="+", default=["smoke", "quick"], choices=["smoke", "quick", "full"])
    parser.add_argument("--no-determinism", action="store_true", help="skip the second smoke build")
    parser.add_argument("--render", action="store_true", help="time renders of the full profile instead")
    parser.add_argument("--against", metavar="REV", help="with --render: render a clone of REV first")
    parser.add_argument(
        "--keep-in", metavar="DIR", type=Path, help="with --render: clone, render and keep everything in DIR (empty)"
    )
    args = parser.parse_args()
    if args.render and args.keep_in:
        args.keep_in.mkdir(parents=True, exist_ok=True)
        if any(args.keep_in.iterdir()):
            parser.error(f"--keep-in {args.keep_in} is not empty")
        render_times(args.against, args.keep_in.resolve())
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.render:
            render_times(args.against, tmp)
            return
        artifacts = {}
        for profile in args.profiles:
            seconds, artifacts[profile] = build(profile, tmp / profile)
            table = pd.read_csv(artifacts[profile] / "results.csv")
            print(
                f"{profile:<6} build: {seconds / 60:6.1f} min wall time, {len(table)} models, "
                f"{table['time (s)'].sum() / 60:.1f} min of it training",
                flush=True,
            )
        if args.no_determinism:
            return
        first = artifacts.get("smoke") or build("smoke", tmp / "smoke")[1]
        second = build("smoke", tmp / "smoke-again")[1]
        (table_a, final_a), (table_b, final_b) = metrics(first), metrics(second)
        same_table, same_final = table_a.equals(table_b), final_a == final_b
        print(
            f"determinism on this machine, two smoke builds with seed 0 from empty artifact folders: results.csv "
            f"{'identical' if same_table else 'DIFFERS'} (training time excluded), final_evaluation.json "
            f"{'identical' if same_final else 'DIFFERS'}"
        )
        if not same_table:
            print(table_a.compare(table_b))
        against_reference = reference_results.differences(
            reference_results.collect(first), reference_results.read(paths.RESULTS_REFERENCE)
        )
        print(
            f"against the committed reference ({paths.RESULTS_REFERENCE.name}, another CPU): "
            + ("within the tolerance" if not against_reference else "\n  ".join(["DIFFERS", *against_reference]))
        )
        if not (same_table and same_final) or against_reference:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
