"""The report as users get it: the build script end to end, and the project's files kept in step."""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import jupytext
import nbformat
import pytest

from lib import report

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_SOURCES = sorted((ROOT / "notebooks").glob("*.py"))


def build(tmp_path, env):
    return subprocess.run([sys.executable, "-m", "lib.report", "--profile", "smoke", "--report-dir", str(tmp_path)],
                          cwd=ROOT, env=env, capture_output=True, text=True)


def test_smoke_build_writes_html_and_pdf(smoke_build):
    run, report_dir = smoke_build.run, smoke_build.report_dir
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    html = (report_dir / "report.html").read_text()
    assert "Correcting corrupted Kuzushiji-MNIST images" in html
    assert "Verdict:" in html and "Image quality on the test set" in html
    assert "def " not in html  # code cells are hidden
    assert "reusing the trained model" not in html  # training logs stay in the notebooks
    assert (report_dir / "report.pdf").read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in (report_dir / "executed").iterdir()) == [p.with_suffix(".ipynb").name
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


def test_the_combined_report_follows_the_seeds_outline(tmp_path):
    executed = []
    for name in report.NOTEBOOKS:
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_markdown_cell(f"# Title of {name}\n\n## Part"),
                          nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output(
                              "display_data", data={"text/markdown": "### Model 1\n\nnot #1 heading"})])]
        nbformat.write(notebook, tmp_path / f"{name}.ipynb")
        executed.append(tmp_path / f"{name}.ipynb")
    combined = report.combine(executed, "smoke", 0)
    headings = [line for cell in combined.cells if cell.cell_type == "markdown"
                for line in cell.source.splitlines() if line.startswith("# ")]
    assert headings == ["# " + report.TITLE, "# Title of 00_introduction", "# Methods", "# Results",
                        "# Title of 10_final_model", "# Title of 11_discussion"]
    data_cells = combined.cells[combined.cells.index(next(c for c in combined.cells if c.source == "# Methods")) + 1:][:2]
    assert data_cells[0].source == "## Title of 01_data\n\n### Part"
    assert data_cells[1].outputs[0].data["text/markdown"] == "#### Model 1\n\nnot #1 heading"


def test_every_grouped_notebook_exists():
    grouped = [name for names in report.GROUPED_SECTIONS.values() for name in names]
    assert set(grouped) <= set(report.NOTEBOOKS) and len(grouped) == len(set(grouped))


def test_environment_yml_and_pyproject_name_the_same_packages():
    import yaml

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["test"]
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    pip_list = next(item["pip"] for item in conda if isinstance(item, dict))
    assert sorted(r for r in pip_list if r != "-e .") == sorted(wanted)
