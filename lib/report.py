"""Build the report: execute the notebooks in order with papermill, then export one combined HTML and PDF.

Usage (``./build_report.sh`` wraps it): ``python -m lib.report --profile full``.
Executed notebooks go to ``report/<profile>/executed/``. The first notebook that fails stops the
build; its partly executed copy stays there, with the error in the failing cell.
"""

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import papermill

from . import experiment, reference_results

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = tuple(path.stem for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py")))
REFERENCE_DIR = ROOT / "tests" / "reference"
RESULTS_REFERENCE = REFERENCE_DIR / "smoke_results.json"
TITLE = "Correcting corrupted Kuzushiji-MNIST images with convolutional autoencoders"
# The seed's outline. A notebook whose title is a section of its own (Introduction, Final model,
# Discussion) stands as it is; the notebooks named here become subsections of a new section heading.
GROUPED_SECTIONS = {
    "Methods": ("01_data", "02_perturbations", "03_training_protocol"),
    "Results": ("04_baseline_models", "05_bottleneck_sweep", "06_deep_models", "07_regularised_models",
                "08_light_models", "09_model_comparison"),
}
PDF_TOOLS = {"xelatex": "texlive-xetex texlive-fonts-recommended texlive-plain-generic lmodern",
             "pandoc": "pandoc"}


class NotebookFailed(RuntimeError):
    pass


def execute(profile, seed, report_dir):
    """Run every notebook into ``report_dir/executed``; return the executed paths."""
    executed_dir = report_dir / "executed"
    executed_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in NOTEBOOKS:
        source = ROOT / "notebooks" / f"{name}.ipynb"
        target = executed_dir / f"{name}.ipynb"
        print(f"[{name}] running on the {profile} profile ...", flush=True)
        started = time.perf_counter()
        try:
            papermill.execute_notebook(str(source), str(target), parameters={"PROFILE": profile, "SEED": seed},
                                       kernel_name="python3", language="python", cwd=str(source.parent), stdout_file=sys.stdout, stderr_file=sys.stderr,
                                       progress_bar=False)
        except papermill.PapermillExecutionError as error:
            raise NotebookFailed(f"notebook {name} failed in cell {error.exec_count}: {error.ename}: {error.evalue}\n"
                                 f"The partly executed notebook is kept at {target}") from None
        print(f"[{name}] done in {time.perf_counter() - started:.0f} s", flush=True)
        paths.append(target)
    return paths


def combine(paths, profile, seed):
    """One notebook holding a title cell and every cell of the executed notebooks, in order."""
    combined = nbformat.v4.new_notebook()
    combined.metadata = nbformat.read(paths[0], as_version=4).metadata
    combined.metadata["title"] = TITLE
    # The PDF takes its title from the metadata, so the heading cell is for the HTML only.
    combined.cells.append(nbformat.v4.new_markdown_cell(f"# {TITLE}", metadata={"tags": ["pdf-hidden"]}))
    combined.cells.append(nbformat.v4.new_markdown_cell(
        f"A reproducible re-creation of a course-project study. Built by `./build_report.sh` on the "
        f"**{profile}** profile with seed {seed}; every number below was computed by the notebooks of this build."))
    section_of = {name: section for section, names in GROUPED_SECTIONS.items() for name in names}
    for path in paths:
        cells = nbformat.read(path, as_version=4).cells
        section = section_of.get(path.stem)
        if section:
            if path.stem == GROUPED_SECTIONS[section][0]:
                combined.cells.append(nbformat.v4.new_markdown_cell(f"# {section}"))
            for cell in cells:
                _demote_headings(cell)
        combined.cells.extend(cells)
    return combined


def _demote_headings(cell):
    """One heading level down, in the cell's markdown and in the markdown it displays."""
    def demote(text):
        return re.sub(r"^(#{1,5}) ", r"#\1 ", text, flags=re.MULTILINE)

    if cell.cell_type == "markdown":
        cell.source = demote(cell.source)
    for output in cell.get("outputs", []):
        if "text/markdown" in output.get("data", {}):
            output.data["text/markdown"] = demote(output.data["text/markdown"])


def export(notebook_path, fmt):
    """Export without code cells' input: the report shows prose, tables and figures."""
    # Cells tagged report-hide-output (bookkeeping such as reloading cached models) keep their output
    # in the notebooks but not in the report.
    extra = ["--TagRemovePreprocessor.remove_all_outputs_tags=report-hide-output"]
    if fmt == "pdf":
        extra.append("--TagRemovePreprocessor.remove_cell_tags=pdf-hidden")
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", fmt, "--no-input", *extra,
                    str(notebook_path)], check=True)


def missing_pdf_tools():
    return [tool for tool in PDF_TOOLS if shutil.which(tool) is None]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=list(experiment.PROFILES), default="full")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--update-references", action="store_true",
                        help="make this build the test references (smoke profile only), when a change of result "
                             "is intended: the executed notebooks (nbval) and smoke_results.json")
    parser.add_argument("--report-dir", type=Path, help="where the report goes (default: report/<profile>)")
    args = parser.parse_args(argv)
    if args.update_references and args.profile != "smoke":
        parser.error("--update-references needs --profile smoke: the nbval references are smoke runs")

    report_dir = args.report_dir or ROOT / "report" / args.profile
    try:
        paths = execute(args.profile, args.seed, report_dir)
    except NotebookFailed as error:
        print(f"BUILD FAILED: {error}", file=sys.stderr)
        return 1
    combined_path = report_dir / "report.ipynb"
    nbformat.write(combine(paths, args.profile, args.seed), combined_path)
    export(combined_path, "html")
    print(f"HTML report: {combined_path.with_suffix('.html')}")
    missing = missing_pdf_tools()
    if missing:
        packages = " ".join(PDF_TOOLS[tool] for tool in missing)
        print(f"No PDF: {', '.join(missing)} not found. Install with: sudo apt-get install {packages} "
              f"(or run scripts/setup.sh as root), then build again.", file=sys.stderr)
        return 2
    export(combined_path, "pdf")
    print(f"PDF report:  {combined_path.with_suffix('.pdf')}")
    if args.update_references:
        update_references(paths, experiment.output_dir(args.profile))
    return 0


def update_references(executed_paths, artifact_dir):
    """Make this build the reference: its executed notebooks for nbval, and its numeric results."""
    REFERENCE_DIR.mkdir(parents=True, exist_ok=True)
    for path in executed_paths:
        shutil.copy(path, REFERENCE_DIR / path.name)
    reference_results.write(reference_results.collect(artifact_dir), RESULTS_REFERENCE)
    print(f"Updated the references in {REFERENCE_DIR}: the executed notebooks (nbval) and "
          f"{RESULTS_REFERENCE.name} (the results regression test)")


if __name__ == "__main__":
    sys.exit(main())
