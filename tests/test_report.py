"""The report as users get it: the build script end to end, and the project's files kept in step."""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_SOURCES = sorted((ROOT / "notebooks").glob("*.py"))


def build(tmp_path, env):
    return subprocess.run([sys.executable, "-m", "lib.report", "--profile", "smoke", "--report-dir", str(tmp_path)],
                          cwd=ROOT, env=env, capture_output=True, text=True)


def test_smoke_build_writes_html_and_pdf(tmp_path):
    run = build(tmp_path, os.environ)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    html = (tmp_path / "report.html").read_text()
    assert "Correcting corrupted Kuzushiji-MNIST images" in html
    assert "Verdict:" in html and "Test MSE, overall and per corruption family" in html
    assert "def " not in html  # code cells are hidden
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in (tmp_path / "executed").iterdir()) == [p.with_suffix(".ipynb").name
                                                                        for p in NOTEBOOK_SOURCES]


def test_a_failing_notebook_stops_the_build_and_is_kept(tmp_path):
    empty = tmp_path / "no-data"
    empty.mkdir()
    run = build(tmp_path / "report", {**os.environ, "REPORT_DATA_DIR": str(empty)})
    assert run.returncode == 1
    assert "notebook 01_data failed" in run.stderr and "DataFileError" in run.stderr
    kept = tmp_path / "report" / "executed" / "01_data.ipynb"
    assert "DataFileError" in kept.read_text()
    assert not (tmp_path / "report" / "executed" / "02_perturbations.ipynb").exists()


@pytest.mark.parametrize("source", NOTEBOOK_SOURCES, ids=[p.stem for p in NOTEBOOK_SOURCES])
def test_paired_notebooks_say_the_same_and_keep_the_parameters_tag(source):
    script = jupytext.read(source)
    notebook = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    assert [(c.cell_type, c.source) for c in script.cells] == [(c.cell_type, c.source) for c in notebook.cells]
    assert sum("parameters" in c.metadata.get("tags", []) for c in notebook.cells) == 1


@pytest.mark.parametrize("source", NOTEBOOK_SOURCES, ids=[p.stem for p in NOTEBOOK_SOURCES])
def test_every_notebook_has_a_smoke_reference_for_nbval(source):
    reference = nbformat.read(ROOT / "tests" / "reference" / source.with_suffix(".ipynb").name, as_version=4)
    injected = [c for c in reference.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'PROFILE = "smoke"' in injected[0].source


def test_environment_yml_and_pyproject_name_the_same_packages():
    import yaml

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["test"]
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    pip_list = next(item["pip"] for item in conda if isinstance(item, dict))
    assert sorted(r for r in pip_list if r != "-e .") == sorted(wanted)
