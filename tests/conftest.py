import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

# Every test run starts from an empty artifact cache, so no model trained by an older version of the
# code can stand in for a fresh result. Set before any kernel starts: nbval's kernels inherit it.
os.environ["REPORT_OUTPUT_DIR"] = tempfile.mkdtemp(prefix="report-test-artifacts-")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def data_dir():
    """The folder with the official files: REPORT_DATA_DIR, as the README's test command sets it."""
    folder = os.environ.get("REPORT_DATA_DIR")
    if not folder:
        pytest.fail("set REPORT_DATA_DIR to the folder holding kmnist/ (see the README's test command)")
    return folder


@dataclass
class Build:
    run: subprocess.CompletedProcess
    report_dir: Path
    artifact_dir: Path


def build_smoke(report_dir, dataset="kmnist"):
    """A smoke build of the whole report on ``dataset``, as ``./build_report.sh --profile smoke`` runs it."""
    run = subprocess.run(
        [sys.executable, "-m", "lib.report", "--profile", "smoke", "--dataset", dataset, "--report-dir", report_dir],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    folder = "smoke" if dataset == "kmnist" else f"{dataset}/smoke"
    return Build(run, report_dir, Path(os.environ["REPORT_OUTPUT_DIR"]) / folder)


@pytest.fixture(scope="session")
def smoke_build(data_dir, tmp_path_factory):
    """One smoke build of the whole report."""
    return build_smoke(tmp_path_factory.mktemp("smoke-report"))


@pytest.fixture(scope="session")
def fashion_smoke_build(data_dir, tmp_path_factory):
    """One smoke build of the whole report on Fashion-MNIST."""
    return build_smoke(tmp_path_factory.mktemp("fashion-smoke-report"), "fashion-mnist")
