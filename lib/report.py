"""Build the report: execute the notebooks in order with papermill, then export one combined HTML and PDF.

Usage (``./build_report.sh`` wraps it): ``python -m lib.report --profile full``.
Executed notebooks go to ``report/<profile>/executed/``. The first notebook that fails stops the
build; its partly executed copy stays there, with the error in the failing cell.

Before anything runs, the inputs are checked: every path the user gives (``--report-dir``,
``REPORT_OUTPUT_DIR``, ``REPORT_DATA_DIR``) is made absolute against the caller's folder (the notebooks
run in ``notebooks/``), the report folder must be writable, the seed must suit every model, and every
notebook's .ipynb must say what its .py source says.
"""

import argparse
import concurrent.futures
import errno
import html
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import jupytext
import nbformat
import papermill
from jupyter_client.manager import AsyncKernelManager
from traitlets import default

from . import abstract, data, profiles, reference_results
from .files import atomic_write
from .options import add_backend_option, add_dataset_option, add_retrain_option, apply_retrain, seed
from .paths import (
    DEFAULT_DATASET,
    NOTEBOOK_DIR,
    REFERENCE_DIR,
    REPORT_DIR,
    RESULTS_REFERENCE,
    ROOT,
    absolute,
    absolute_environment,
    output_dir,
    output_root_problem,
    profile_folder,
    writable_folder_problem,
)

NOTEBOOKS = tuple(path.stem for path in sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.py")))
SYNC_COMMAND = ".venv/bin/jupytext --sync notebooks/*.py"
HTML_TEMPLATE = Path(__file__).resolve().parent / "templates" / "report.html.j2"  # JupyterLab's, with alt text
PDF_TEMPLATE = Path(__file__).resolve().parent / "templates" / "pdf_report.tex.j2"  # figures that share pages
# The seed's outline. A notebook whose title is a section of its own (Introduction, Final evaluation,
# Discussion) stands as it is; the notebooks named here become subsections of a new section heading.
GROUPED_SECTIONS = {
    "Methods": ("01_data", "02_perturbations", "03_training_protocol"),
    "Results": (
        "04_baseline_models",
        "05_bottleneck_sweep",
        "06_deep_models",
        "07_regularised_models",
        "08_light_models",
        "09_u_net",
        "10_model_comparison",
    ),
}
PDF_TOOLS = {"xelatex": "texlive-xetex texlive-fonts-recommended texlive-plain-generic lmodern", "pandoc": "pandoc"}


class NotebookFailed(RuntimeError):
    pass


class BuildInterrupted(RuntimeError):
    pass


class QuietKernelManager(AsyncKernelManager):
    """The notebooks' kernels, without the two alarms every build used to print.

    Over TCP without keys ipykernel warns that its traffic is unencrypted; the manager provisions
    CurveZMQ keys where the kernel declares support (ipykernel does). And at shutdown jupyter_client
    interrupts the kernel before asking it to stop, which an idle kernel logs as "KeyboardInterrupt caught
    in kernel"; the kernels here are shut down idle (every cell has run, or one failed), and one still
    busy after a Ctrl-C of the build is killed after the shutdown wait. It keeps the kernels that are running,
    across the build's threads, so that a Ctrl-C can stop them all.
    """

    running = set()

    @default("transport_encryption")
    def _encrypt_where_the_kernel_can(self):
        return "auto"

    async def _async_interrupt_kernel(self):
        if not self.shutting_down:
            await super()._async_interrupt_kernel()

    async def _async_post_start_kernel(self, **kw):
        await super()._async_post_start_kernel(**kw)
        QuietKernelManager.running.add(self)

    async def _async_cleanup_resources(self, restart=False):
        QuietKernelManager.running.discard(self)
        await super()._async_cleanup_resources(restart=restart)


# The notebooks that read what the one before them wrote (results.csv, final_evaluation.json): they run in this
# order, one after another. Every other notebook reads only the data and the trained networks, and runs beside them.
RESULTS_CHAIN = ("10_model_comparison", "11_final_evaluation", "12_discussion")


def title(dataset):
    """The report's title, which names the dataset it corrects."""
    return f"Correcting corrupted {data.DATASETS[dataset]['name']} images with convolutional autoencoders"


def execute(profile, seed, report_dir, jobs=1, dataset=DEFAULT_DATASET):
    """Run every notebook into ``report_dir/executed``, ``jobs`` at a time; return the executed paths in order.

    With more than one job the results chain (the longest run) starts first and the other notebooks share the
    remaining kernels; each printed line is led by its notebook's name. A notebook that fails stops the build:
    no further notebook starts, those running finish. A Ctrl-C stops every running kernel and keeps what each
    notebook had run."""
    executed_dir = report_dir / "executed"
    executed_dir.mkdir(parents=True, exist_ok=True)
    if jobs == 1:
        queues = [list(NOTEBOOKS)]
    else:
        chain = [name for name in NOTEBOOKS if name in RESULTS_CHAIN]
        queues = [chain] * bool(chain) + [[name] for name in NOTEBOOKS if name not in RESULTS_CHAIN]
    run = _Run(profile, seed, dataset, executed_dir)
    started = time.perf_counter()
    # papermill's own change of folder (its cwd) is not safe across threads: the build enters the notebooks'
    # folder once, and every kernel starts there.
    previous = os.getcwd()
    os.chdir(NOTEBOOK_DIR)
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(run.queue, names) for names in queues]
            try:
                concurrent.futures.wait(futures)
            except KeyboardInterrupt:
                run.interrupt()
                concurrent.futures.wait(futures)
        for future in futures:
            future.result()  # a full disk, or any other error of the build itself
    finally:
        os.chdir(previous)
    run.raise_first_stop()
    taken = time.perf_counter() - started
    print(f"[notebooks] all {len(NOTEBOOKS)} done in {taken:.0f} s, {jobs} at a time", flush=True)
    return [executed_dir / f"{name}.ipynb" for name in NOTEBOOKS]


class _Run:
    """The notebooks of one build as they run, from one or more threads: what stopped it, and the live kernels."""

    def __init__(self, profile, seed, dataset, executed_dir):
        self.profile, self.seed, self.dataset, self.executed_dir = profile, seed, dataset, executed_dir
        self.failed, self.interrupted = [], []
        self.stopping = threading.Event()

    def queue(self, names):
        for name in names:
            if self.stopping.is_set() or self.failed:
                return
            self.notebook(name)

    def notebook(self, name):
        source, target = NOTEBOOK_DIR / f"{name}.ipynb", self.executed_dir / f"{name}.ipynb"
        # papermill saves its output as the cells run; into a temporary name, so that a notebook stopped
        # half-written (a full disk) leaves no invalid file under the real one.
        partial = self.executed_dir / f".tmp-{name}.ipynb"
        print(f"[{name}] running on the {self.profile} profile ...", flush=True)
        started = time.perf_counter()
        try:
            papermill.execute_notebook(
                str(source),
                str(partial),
                parameters={"PROFILE": self.profile, "SEED": self.seed, "DATASET": self.dataset},
                kernel_name="python3",
                language="python",
                stdout_file=_Prefixed(sys.stdout, name),
                stderr_file=_Prefixed(sys.stderr, name),
                progress_bar=False,
                kernel_manager_class=QuietKernelManager,
            )
        except OSError as error:
            partial.unlink(missing_ok=True)
            if error.errno != errno.ENOSPC:
                raise
            raise OSError(
                errno.ENOSPC,
                f"no space left on the device that holds {self.executed_dir} (writing notebook {name}); free some "
                "space there, or name another folder with --report-dir",
            ) from error
        except Exception as error:  # a Ctrl-C reaches the main thread only (``interrupt``), never this one
            kept = keep_whole(partial, target)
            if self.stopping.is_set():
                self.interrupted.append((name, target if kept else None))
            elif isinstance(error, papermill.PapermillExecutionError):
                self.failed.append(
                    f"notebook {name} failed in cell {error.exec_count}: {error.ename}: {error.evalue}\n"
                    f"The partly executed notebook is kept at {target}"
                )
            else:
                raise
            return
        os.replace(partial, target)
        print(f"[{name}] done in {time.perf_counter() - started:.0f} s", flush=True)

    def interrupt(self):
        """Stop every running kernel: its notebook ends where it was, and what it had run is kept."""
        self.stopping.set()
        for kernel in list(QuietKernelManager.running):
            process = getattr(kernel.provisioner, "process", None)  # None once the kernel has gone
            if process is not None:
                process.kill()

    def raise_first_stop(self):
        if self.interrupted:
            where = "; ".join(
                f"notebook {name} was running, "
                + (f"its partly executed copy is {target}" if target else "nothing of it is kept")
                for name, target in sorted(self.interrupted)
            )
            raise BuildInterrupted(
                f"interrupted while {where}. "
                "Run the same command again to resume: trained models are cached after every epoch."
            )
        if self.failed:
            raise NotebookFailed(self.failed[0])


class _Prefixed:
    """A notebook's printed lines, each led by its name (notebooks that run at once print between each other)."""

    def __init__(self, stream, name):
        self.stream, self.name, self.line_starts = stream, name, True

    def write(self, text):
        for line in text.splitlines(keepends=True):
            self.stream.write(f"[{self.name}] {line}" if self.line_starts else line)
            self.line_starts = line.endswith("\n")
        self.stream.flush()

    def flush(self):
        self.stream.flush()


def keep_whole(partial, target):
    """Move a notebook papermill stopped writing to ``target`` if it reads whole; else remove it. Whether kept."""
    try:
        nbformat.read(partial, as_version=4)
    except Exception:  # whatever a half-written file raises, it is not kept
        partial.unlink(missing_ok=True)
        return False
    os.replace(partial, target)
    return True


def train_first(args):
    """Train every network the report needs that neither the artifact folder nor the published set holds,
    through the training stage, before any notebook runs: it says up front how many networks it will train,
    shows one progress line over all of them with an estimate of the time left, and resumes where a
    Ctrl-C stopped it. The notebooks then only load. Returns the stage's exit status."""
    command = [
        sys.executable,
        "-P",
        "-m",
        "lib.training_stage",
        "--profile",
        args.profile,
        "--seed",
        str(args.seed),
        "--dataset",
        args.dataset,
        "--backend",
        args.backend,
    ] + (["--retrain"] if args.retrain else [])
    print("[training] every network the report needs, before the notebooks ...", flush=True)
    with subprocess.Popen(command, env={**os.environ, "PYTHONPATH": str(ROOT)}) as stage:
        try:
            return stage.wait()
        except KeyboardInterrupt:
            # A Ctrl-C in the terminal reaches the stage too, which says where it stopped and exits;
            # a signal sent to the build alone is passed on.
            try:
                return stage.wait(timeout=10)
            except subprocess.TimeoutExpired:
                stage.send_signal(signal.SIGINT)
                return stage.wait()


def in_sync(source):
    """Whether a notebook's .py source and its paired .ipynb hold the same cells: type, source and tags (which
    say what nbval compares and what the report shows)."""
    paired = Path(source).with_suffix(".ipynb")
    if not paired.exists():
        return False
    script, notebook = jupytext.read(source), nbformat.read(paired, as_version=4)

    def cells(book):
        return [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in book.cells]

    return cells(script) == cells(notebook)


def drifted_notebooks():
    """The notebooks whose .ipynb (what papermill runs) no longer says what their .py source says."""
    return [name for name in NOTEBOOKS if not in_sync(NOTEBOOK_DIR / f"{name}.py")]


def combine(paths, profile, seed, backend="tensorflow", summary="", dataset=DEFAULT_DATASET):
    """One notebook holding a title cell (``title``), the abstract (``summary``, ``lib.abstract``) and every cell
    of the executed notebooks, in order."""
    combined = nbformat.v4.new_notebook()
    combined.metadata = nbformat.read(paths[0], as_version=4).metadata
    combined.metadata["title"] = title(dataset)
    # The PDF takes its title from the metadata, so the heading cell is for the HTML only.
    combined.cells.append(nbformat.v4.new_markdown_cell(f"# {title(dataset)}", metadata={"tags": ["pdf-hidden"]}))
    if summary:
        combined.cells.append(nbformat.v4.new_markdown_cell(summary))
    combined.cells.append(
        nbformat.v4.new_markdown_cell(
            f"A reproducible re-creation of a course-project study, built on the **{profile}** profile with seed "
            f"{seed}, Keras on {backend}; every number below was computed by this build."
        )
    )
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
    contents = table_of_contents(combined.cells[1:])
    combined.cells.insert(
        3 if summary else 2, nbformat.v4.new_markdown_cell(contents, metadata={"tags": ["pdf-hidden"]})
    )
    return combined


def table_of_contents(cells):
    """The HTML report's contents: every section and subsection heading of the markdown ``cells``, linked by the
    anchor nbconvert gives it (its text, spaces as dashes). The PDF has page numbers instead, and leaves it out."""
    items = []
    for cell in cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            level = len(line) - len(line.lstrip("#"))
            if level in (1, 2) and line[level:].startswith(" "):
                text = line[level:].strip()
                link = f'<a href="#{html.escape(text.replace(" ", "-"), quote=True)}">{html.escape(text)}</a>'
                items.append(("  " if level == 2 else "") + f"- {link}")
    return "**Contents**\n\n" + "\n".join(items)


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
        extra += ["--TagRemovePreprocessor.remove_cell_tags=pdf-hidden", f"--template-file={PDF_TEMPLATE}"]
    else:
        extra.append(f"--template-file={HTML_TEMPLATE}")
    subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", fmt, "--no-input", *extra, str(notebook_path)],
        check=True,
    )


def jobs(text):
    """--jobs: a whole number of notebooks, at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of notebooks to run at once (1 or more)")
    return int(text)


def missing_pdf_tools():
    return [tool for tool in PDF_TOOLS if shutil.which(tool) is None]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=list(profiles.PROFILES), default="full")
    parser.add_argument(
        "--seed",
        type=seed,
        default=0,
        help="the run's seed (default 0); one that some model cannot train with is refused, naming the range",
    )
    parser.add_argument(
        "--update-references",
        action="store_true",
        help="make this build the test references (smoke profile only), when a change of result "
        "is intended: the executed notebooks (nbval) and smoke_results.json",
    )
    parser.add_argument(
        "--jobs",
        type=jobs,
        default=min(2, os.cpu_count() or 1),
        help="notebooks run at once (default: 2, or 1 on one CPU); 1 runs them one after another, in order",
    )
    parser.add_argument(
        "--report-dir", type=absolute, help="where the report goes (default: report/<profile folder>, see --dataset)"
    )
    add_dataset_option(parser)
    add_backend_option(parser)
    add_retrain_option(parser)
    args = parser.parse_args(argv)
    if args.update_references and (args.profile, args.dataset) != ("smoke", DEFAULT_DATASET):
        parser.error(
            f"--update-references needs --profile smoke on {DEFAULT_DATASET}: the nbval references are its smoke runs"
        )
    absolute_environment()
    os.environ["KERAS_BACKEND"] = args.backend  # the notebooks' kernels inherit it
    apply_retrain(args)
    report_dir = args.report_dir or REPORT_DIR / profile_folder(args.profile, args.dataset)
    problem = writable_folder_problem(report_dir)
    if problem:
        parser.error(
            f"--report-dir {report_dir} cannot take the report ({problem}); "
            "name a folder you can write to, or leave it out for report/<profile>"
        )
    problem = output_root_problem()
    if problem:
        parser.error(problem)
    drifted = drifted_notebooks()
    if drifted:
        print(
            f"BUILD REFUSED: the .ipynb of {', '.join(drifted)} does not say what its .py source says, and "
            f"the .ipynb is what runs. Bring each pair level with: {SYNC_COMMAND}",
            file=sys.stderr,
        )
        return 1

    trained = train_first(args)
    if trained == 130:
        print("BUILD STOPPED: interrupted while training (see above); run the same command again.", file=sys.stderr)
        return 130
    if trained != 0:
        print("BUILD FAILED: the training stage stopped (see above); no notebook ran.", file=sys.stderr)
        return 1
    try:
        paths = execute(args.profile, args.seed, report_dir, args.jobs, args.dataset)
    except NotebookFailed as error:
        print(f"BUILD FAILED: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        if error.errno != errno.ENOSPC:
            raise
        print(f"BUILD FAILED: {error.strerror}", file=sys.stderr)
        return 1
    except BuildInterrupted as error:
        print(f"BUILD STOPPED: {error}", file=sys.stderr)
        return 130  # what a shell reports for a command stopped by Ctrl-C
    try:
        return render(paths, args, report_dir)
    except OSError as error:
        if error.errno != errno.ENOSPC:
            raise
        print(f"BUILD FAILED while the report was being written: {error.strerror}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            f"BUILD STOPPED: interrupted while the report was being exported; every notebook had run and is "
            f"kept in {report_dir / 'executed'}. Run the same command again: every trained model comes from "
            "the cache.",
            file=sys.stderr,
        )
        return 130


def render(executed_paths, args, report_dir):
    """The combined report as HTML and PDF (and, if asked, the executed build as the test references)."""
    combined_path = report_dir / "report.ipynb"
    summary = abstract.text(output_dir(args.profile, dataset=args.dataset), args.dataset)
    combined = combine(executed_paths, args.profile, args.seed, args.backend, summary, args.dataset)
    atomic_write(combined_path, lambda tmp: nbformat.write(combined, tmp))
    export(combined_path, "html")
    print(f"HTML report: {combined_path.with_suffix('.html')}")
    missing = missing_pdf_tools()
    if missing:
        packages = " ".join(PDF_TOOLS[tool] for tool in missing)
        print(
            f"No PDF: {', '.join(missing)} not found. Install with: sudo apt-get install {packages} "
            f"(or run scripts/setup.sh as root), then build again.",
            file=sys.stderr,
        )
        return 2
    export(combined_path, "pdf")
    print(f"PDF report:  {combined_path.with_suffix('.pdf')}")
    if args.update_references:
        update_references(executed_paths, output_dir(args.profile))
    return 0


def update_references(executed_paths, artifact_dir):
    """Make this build the reference: its executed notebooks for nbval, and its numeric results."""
    REFERENCE_DIR.mkdir(parents=True, exist_ok=True)
    for stale in set(REFERENCE_DIR.glob("*.ipynb")) - {REFERENCE_DIR / path.name for path in executed_paths}:
        stale.unlink()  # a renamed or removed notebook's old reference would still be run by nbval
    for path in executed_paths:
        shutil.copy(path, REFERENCE_DIR / path.name)
    reference_results.write(reference_results.collect(artifact_dir), RESULTS_REFERENCE)
    print(
        f"Updated the references in {REFERENCE_DIR}: the executed notebooks (nbval) and "
        f"{RESULTS_REFERENCE.name} (the results regression test)"
    )


if __name__ == "__main__":
    sys.exit(main())
