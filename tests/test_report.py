"""The report as users get it: the build script end to end, and the project's files kept in step."""

import errno
import os
import re
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import jupytext
import nbformat
import pytest

from lib import RETRAIN_VARIABLE, labels, paths, report

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_SOURCES = sorted((ROOT / "notebooks").glob("*.py"))


def build(tmp_path, env):
    return subprocess.run(
        [sys.executable, "-m", "lib.report", "--profile", "smoke", "--report-dir", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_smoke_build_writes_html_and_pdf(smoke_build):
    run, report_dir = smoke_build.run, smoke_build.report_dir
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    html = (report_dir / "report.html").read_text()
    assert "Correcting corrupted Kuzushiji-MNIST images" in html and "It corrects" not in html
    assert "Verdict:" in html and "Readable again? The headline" in html and "Beyond the seed: U-Nets" in html
    assert "def " not in html  # code cells are hidden
    assert "reusing the trained model" not in html  # training logs stay in the notebooks
    assert (report_dir / "report.pdf").read_bytes().startswith(b"%PDF")
    # The networks trained first, through the training stage: said up front, one progress line over all.
    assert run.stdout.index(" to train, and ") < run.stdout.index("[00_introduction] running")
    assert " networks | " in run.stdout
    assert sorted(p.name for p in (report_dir / "executed").iterdir()) == [
        p.with_suffix(".ipynb").name for p in NOTEBOOK_SOURCES
    ]


def test_a_fashion_mnist_smoke_build_is_a_whole_report_on_fashion_mnist_and_says_so_first(fashion_smoke_build):
    run, report_dir = fashion_smoke_build.run, fashion_smoke_build.report_dir
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "on Fashion-MNIST (seed 0) into " + str(fashion_smoke_build.artifact_dir) in run.stdout
    html = (report_dir / "report.html").read_text()
    assert "Correcting corrupted Fashion-MNIST images" in html and "Kuzushiji-MNIST images" not in html
    said = html.index("It corrects Fashion-MNIST images")
    assert html.index('<h1 id="Introduction">') < said < html.index('<h1 id="Methods">')  # in the introduction
    assert "Ankle boot" in html and "Fashion-MNIST, under the MIT license" in html
    assert "Kuzushiji-MNIST, under" not in html and "corrupted garment that a reader" in html  # the abstract
    assert (report_dir / "report.pdf").read_bytes().startswith(b"%PDF")
    assert (fashion_smoke_build.artifact_dir / "results.csv").exists()


def test_every_figure_in_the_html_report_says_what_it_shows(smoke_build):
    images = re.findall(r"<img\b[^>]*>", (smoke_build.report_dir / "report.html").read_text())
    alt_texts = [match.group(1) if (match := re.search(r'\balt="([^"]*)"', image)) else None for image in images]
    assert len(images) >= 10
    # nbconvert's exporter puts its placeholder where the template wrote no alt text.
    assert [text for text in alt_texts if text is None or text.startswith("No description")] == []
    assert any(text.startswith("For each of the 5 corruption families (") for text in alt_texts)


def test_a_figure_keeps_its_image_and_alt_text_when_the_notebook_is_configured_again():
    """Running a notebook's first cell again in JupyterLab calls configure_notebook a second time."""
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "import matplotlib.pyplot as plt\nimport numpy as np\nfrom lib import notebook, plots\n"
                "notebook.configure()\nnotebook.configure()"
            ),
            nbformat.v4.new_code_cell(
                "plots.class_samples(np.zeros((4, 28, 28)), np.arange(4) % 2, ['o', 'ki'], 2)\nplt.show()"
            ),
        ]
    )
    NotebookClient(notebook, timeout=120, resources={"metadata": {"path": str(ROOT)}}).execute()
    [output] = notebook.cells[1].outputs
    assert "image/png" in output.data
    assert output.metadata["image/png"]["alt"].startswith("2 training images of each of the 2 classes")


def test_a_missing_data_folder_stops_the_build_at_the_training_stage_in_a_line(tmp_path):
    empty = tmp_path / "no-data"
    empty.mkdir()
    run = build(tmp_path / "report", {**os.environ, "REPORT_DATA_DIR": str(empty)})
    assert run.returncode == 1
    assert f"TRAINING STOPPED: {empty}" in run.stderr and "BUILD FAILED: the training stage stopped" in run.stderr
    assert "Traceback" not in run.stderr and not (tmp_path / "report" / "executed").exists()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_failing_notebook_stops_the_build_and_is_kept(tmp_path, monkeypatch, capsys, jobs):
    """One after another, no notebook after the failed one runs; at once, none that reads what it writes."""
    first, then = ("01_data", "02_perturbations") if jobs == "1" else report.RESULTS_CHAIN[:2]
    tiny_notebooks(tmp_path, monkeypatch, **{first: "raise RuntimeError('broken')", then: "print(2)"})
    assert report.main(["--profile", "smoke", "--jobs", jobs, "--report-dir", str(tmp_path / "report")]) == 1
    assert f"notebook {first} failed" in capsys.readouterr().err
    assert "broken" in (tmp_path / "report" / "executed" / f"{first}.ipynb").read_text()
    assert not (tmp_path / "report" / "executed" / f"{then}.ipynb").exists()


def test_notebooks_that_read_no_results_file_run_at_once_and_the_results_chain_in_order(tmp_path, monkeypatch):
    """Each of two independent notebooks waits for the other to start: they finish only if they run at once. The
    results chain runs in its order, beside them."""
    log = tmp_path / "log"

    def waits_for(other, me):
        return (
            f"import pathlib, time\nlog = pathlib.Path({str(log)!r})\n(log / {me!r}).touch()\n"
            f"for _ in range(600):\n    if (log / {other!r}).exists(): break\n    time.sleep(0.1)\n"
            f"else: raise RuntimeError('ran alone')"
        )

    def chained(name):
        return f"import pathlib\nwith open({str(log / 'chain')!r}, 'a') as f: f.write({name!r} + ' ')"

    log.mkdir()
    notebooks = {"04_a": waits_for("05_b", "04_a"), "05_b": waits_for("04_a", "05_b")}
    notebooks.update({name: chained(name) for name in report.RESULTS_CHAIN})
    tiny_notebooks(tmp_path, monkeypatch, **notebooks)
    paths = report.execute("smoke", 0, tmp_path / "report", jobs=2)
    assert [path.stem for path in paths] == list(notebooks)
    assert (log / "chain").read_text().split() == list(report.RESULTS_CHAIN)


def test_every_notebook_that_reads_a_results_file_runs_after_the_one_that_writes_it():
    """The results chain, which runs in order while the other notebooks run beside it, holds every notebook that
    reads a results file, after one that writes it; no notebook outside it reads one."""
    for name in report.NOTEBOOKS:
        source = (report.NOTEBOOK_DIR / f"{name}.py").read_text()
        if "results_files.read" in source:
            assert name in report.RESULTS_CHAIN[1:], name
            before = report.RESULTS_CHAIN[: report.RESULTS_CHAIN.index(name)]
            assert any("results_files.write" in (report.NOTEBOOK_DIR / f"{b}.py").read_text() for b in before), name
    assert set(report.RESULTS_CHAIN) <= set(report.NOTEBOOKS)


@pytest.mark.parametrize("source", NOTEBOOK_SOURCES, ids=[p.stem for p in NOTEBOOK_SOURCES])
def test_paired_notebooks_say_the_same_and_keep_the_parameters_tag(source):
    assert report.in_sync(source), f"run {report.SYNC_COMMAND}"
    notebook = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
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
        notebook.cells = [
            nbformat.v4.new_markdown_cell(f"# Title of {name}\n\n## Part"),
            nbformat.v4.new_code_cell(
                outputs=[
                    nbformat.v4.new_output("display_data", data={"text/markdown": "### Model 1\n\nnot #1 heading"})
                ]
            ),
        ]
        nbformat.write(notebook, tmp_path / f"{name}.ipynb")
        executed.append(tmp_path / f"{name}.ipynb")
    combined = report.combine(executed, "smoke", 0, summary="**Abstract.** The answer first.")
    assert combined.cells[1].source == "**Abstract.** The answer first."  # after the title, before any section
    contents = combined.cells[3]
    assert contents.metadata["tags"] == ["pdf-hidden"] and contents.source.startswith("**Contents**")
    assert '- <a href="#Methods">Methods</a>' in contents.source
    assert '  - <a href="#Title-of-01_data">Title of 01_data</a>' in contents.source
    sections = [line for line in contents.source.splitlines() if line.startswith("- ")]
    assert len(sections) == 5  # the introduction, methods, results, final evaluation and discussion
    headings = [
        line
        for cell in combined.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("# ")
    ]
    assert headings == [
        "# " + report.title("kmnist"),
        "# Title of 00_introduction",
        "# Methods",
        "# Results",
        "# Title of 11_final_evaluation",
        "# Title of 12_discussion",
    ]
    data_cells = combined.cells[combined.cells.index(next(c for c in combined.cells if c.source == "# Methods")) + 1 :][
        :2
    ]
    assert data_cells[0].source == "## Title of 01_data\n\n### Part"
    assert data_cells[1].outputs[0].data["text/markdown"] == "#### Model 1\n\nnot #1 heading"


def test_every_grouped_notebook_exists():
    grouped = [name for names in report.GROUPED_SECTIONS.values() for name in names]
    assert set(grouped) <= set(report.NOTEBOOKS) and len(grouped) == len(set(grouped))


def test_environment_yml_and_pyproject_name_the_same_packages():
    import yaml

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    wanted = project["dependencies"] + extras["test"] + extras["torch"]
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    pip_list = next(item["pip"] for item in conda if isinstance(item, dict))
    # Besides packages, the list holds pip's options (PyTorch's CPU index) and the project itself.
    assert sorted(r for r in pip_list if r != "-e ." and not r.startswith("--")) == sorted(wanted)


# --- inputs checked before anything runs -----------------------------------------------------------


@pytest.fixture
def runs(monkeypatch):
    """main() up to the notebooks: records what execute() would get, and stops there."""
    calls = []

    def record(profile, seed, report_dir, jobs, dataset):
        calls.append(
            {
                "profile": profile,
                "seed": seed,
                "dataset": dataset,
                "report_dir": report_dir,
                **{v: os.environ.get(v) for v in paths.USER_PATH_VARIABLES},
            }
        )
        raise report.NotebookFailed("stopped by the test")

    monkeypatch.setattr(report, "execute", record)
    monkeypatch.setattr(report, "train_first", lambda args: 0)  # nothing to train: the notebooks are what is watched
    return calls


def test_relative_paths_are_resolved_against_the_callers_folder(runs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REPORT_OUTPUT_DIR", "relout")
    monkeypatch.setenv("REPORT_DATA_DIR", "data")
    assert report.main(["--profile", "smoke", "--report-dir", "rep"]) == 1
    assert runs == [
        {
            "profile": "smoke",
            "seed": 0,
            "dataset": "kmnist",
            "report_dir": tmp_path / "rep",
            "REPORT_OUTPUT_DIR": str(tmp_path / "relout"),
            "REPORT_DATA_DIR": str(tmp_path / "data"),
        }
    ]


def test_a_build_on_another_dataset_goes_to_that_datasets_folders(runs):
    assert report.main(["--profile", "smoke", "--dataset", "fashion-mnist"]) == 1
    assert runs[0]["dataset"] == "fashion-mnist"
    assert runs[0]["report_dir"] == paths.REPORT_DIR / "fashion-mnist" / "smoke"
    assert paths.output_dir("smoke", dataset="fashion-mnist") == Path(os.environ["REPORT_OUTPUT_DIR"]) / (
        "fashion-mnist/smoke"
    )


def test_references_are_made_from_kmnist_alone(runs, capsys):
    with pytest.raises(SystemExit) as stop:
        report.main(["--profile", "smoke", "--dataset", "fashion-mnist", "--update-references"])
    assert stop.value.code == 2 and not runs
    assert "--update-references needs --profile smoke on kmnist" in capsys.readouterr().err


def unwritable(monkeypatch):
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(paths.tempfile, "TemporaryFile", read_only)


@pytest.mark.parametrize("where", ["a file", "inside a file", "read-only"])
def test_a_report_dir_that_cannot_take_the_report_is_refused_by_name(runs, tmp_path, monkeypatch, capsys, where):
    (tmp_path / "file").write_text("")
    target = {
        "a file": tmp_path / "file",
        "inside a file": tmp_path / "file" / "report",
        "read-only": tmp_path / "report",
    }[where]
    if where == "read-only":
        unwritable(monkeypatch)
    with pytest.raises(SystemExit) as stop:
        report.main(["--profile", "smoke", "--report-dir", str(target)])
    assert stop.value.code == 2 and not runs
    assert f"--report-dir {target} cannot take the report" in capsys.readouterr().err


# The largest seed is 2**32 - 1 less model 9's seed offset (1) and the spread runs' (2): 4294967292.
@pytest.mark.parametrize(
    "seed, problem",
    [
        ("-1", "from 0 to 4294967292"),
        ("4294967293", "from 0 to 4294967292"),
        ("4294967296", "from 0 to 4294967292"),
        ("1.5", "not an integer"),
        ("x", "not an integer"),
    ],
)
def test_a_seed_some_model_cannot_train_with_is_refused_with_the_range(runs, tmp_path, capsys, seed, problem):
    with pytest.raises(SystemExit) as stop:
        report.main(["--profile", "smoke", "--seed", seed, "--report-dir", str(tmp_path)])
    assert stop.value.code == 2 and not runs
    err = capsys.readouterr().err
    assert "argument --seed" in err and problem in err


def test_the_largest_valid_seed_is_accepted(runs, tmp_path, capsys):
    from lib import training

    report.main(["--profile", "smoke", "--seed", str(training.MAX_SEED), "--report-dir", str(tmp_path)])
    assert runs[0]["seed"] == training.MAX_SEED


def tiny_notebooks(folder, monkeypatch, **code):
    """Notebook pairs ``name.py``/``name.ipynb`` in ``folder``, each a parameters cell and ``code``; the
    build runs them instead of the project's."""
    for name, body in code.items():
        notebook = jupytext.reads(
            f'# %% tags=["parameters"]\nPROFILE = "full"\nSEED = 0\n\n# %%\n{body}\n', fmt="py:percent"
        )
        jupytext.write(notebook, folder / f"{name}.py", fmt="py:percent")
        jupytext.write(notebook, folder / f"{name}.ipynb")
    monkeypatch.setattr(report, "NOTEBOOK_DIR", folder)
    monkeypatch.setattr(report, "NOTEBOOKS", tuple(code))
    monkeypatch.setattr(report, "train_first", lambda args: 0)  # these notebooks train nothing
    monkeypatch.setattr(report.abstract, "text", lambda folder, dataset: "")  # nor write the results it is written from


def test_an_edited_source_not_synced_to_its_notebook_stops_the_build_by_name(runs, tmp_path, monkeypatch, capsys):
    tiny_notebooks(tmp_path, monkeypatch, **{"01_data": "print(1)", "02_perturbations": "print(2)"})
    source = tmp_path / "02_perturbations.py"
    source.write_text(source.read_text() + '\n# %%\nraise RuntimeError("edited")\n')
    assert report.main(["--profile", "smoke", "--report-dir", str(tmp_path / "report")]) == 1
    assert not runs
    err = capsys.readouterr().err
    assert "02_perturbations" in err and "01_data" not in err and report.SYNC_COMMAND in err


def test_a_successful_run_prints_no_kernel_alarms(tmp_path, monkeypatch, capfd):
    (tmp_path / "notebooks").mkdir()
    tiny_notebooks(tmp_path / "notebooks", monkeypatch, **{"00_quiet": "print('done', PROFILE)"})
    report.execute("smoke", 0, tmp_path / "report")
    err = capfd.readouterr().err
    assert "without encryption" not in err and "KeyboardInterrupt" not in err, err
    assert "done smoke" in (tmp_path / "report" / "executed" / "00_quiet.ipynb").read_text()


@pytest.mark.parametrize("jobs", [1, 2])
def test_ctrl_c_stops_the_build_saying_where_it_stopped_and_how_to_resume(tmp_path, jobs):
    """Every notebook running (one, or two at once) stops, is named, and keeps what it had run."""
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    slow = [f"0{i}_slow" for i in range(2)]
    driver = (
        "import sys, jupytext; from pathlib import Path; from lib import report\n"
        f"folder = Path({str(notebooks)!r})\n"
        'notebook = jupytext.reads(\'# %% tags=["parameters"]\\nPROFILE = 1\\nSEED = 0\\n\\n# %%\\n'
        "import time; print(\"started\", flush=True); time.sleep(120)\\n', fmt='py:percent')\n"
        f"for name in {slow!r}:\n"
        "    jupytext.write(notebook, folder / f'{name}.py', fmt='py:percent')\n"
        "    jupytext.write(notebook, folder / f'{name}.ipynb')\n"
        f"report.NOTEBOOK_DIR, report.NOTEBOOKS = folder, {tuple(slow)!r}\n"
        "report.train_first = lambda args: 0\n"
        f"sys.exit(report.main(['--profile', 'smoke', '--jobs', '{jobs}', "
        f"'--report-dir', {str(tmp_path / 'report')!r}]))\n"
    )
    # A shell starts background jobs with SIGINT ignored, and children inherit that: the build must get
    # the default handler, or a test run in the background could never interrupt it.
    build = subprocess.Popen(
        [sys.executable, "-c", driver],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    started = 0
    for line in build.stdout:
        started += "started" in line
        if started == jobs:
            break
    build.send_signal(signal.SIGINT)
    interrupted = time.monotonic()
    _, err = build.communicate(timeout=60)
    assert build.returncode == 130, err
    assert time.monotonic() - interrupted < 30
    for name in slow[:jobs]:
        assert f"notebook {name} was running" in err and str(tmp_path / "report" / "executed" / f"{name}.ipynb") in err
    assert "run the same command again" in err.lower()
    assert "Traceback" not in err and "ZMQError" not in err, err


def test_an_unknown_backend_is_refused_by_name(monkeypatch, capsys):
    monkeypatch.setenv("KERAS_BACKEND", "theano")
    with pytest.raises(SystemExit) as stopped:
        report.main(["--profile", "smoke"])
    assert stopped.value.code == 2 and "'theano' (from --backend or KERAS_BACKEND)" in capsys.readouterr().err


def test_ctrl_c_during_the_export_says_the_notebooks_ran_and_how_to_resume(tmp_path, monkeypatch, capsys):
    executed = []
    for name in report.NOTEBOOKS:
        nbformat.write(nbformat.v4.new_notebook(), tmp_path / f"{name}.ipynb")
        executed.append(tmp_path / f"{name}.ipynb")

    def interrupted_export(notebook_path, fmt):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "train_first", lambda args: 0)
    monkeypatch.setattr(report, "execute", lambda profile, seed, report_dir, jobs, dataset: executed)
    monkeypatch.setattr(report, "export", interrupted_export)
    assert report.main(["--profile", "smoke", "--report-dir", str(tmp_path / "report")]) == 130
    err = capsys.readouterr().err
    assert "interrupted while the report was being exported" in err and str(tmp_path / "report" / "executed") in err


def test_tables_with_row_labels_of_several_levels_export_without_multirow():
    """nbconvert's LaTeX template has no multirow package: a \\multirow in a table stops the PDF."""
    import pandas as pd

    from lib import notebook

    notebook.configure()
    table = pd.DataFrame(
        {"model": [0.1, 0.2]}, index=pd.MultiIndex.from_tuples([(labels.MSE, "overall"), (labels.MSE, "flip")])
    )
    latex = notebook.table_latex(table)
    assert "\\multirow" not in latex and "MSE & flip" in latex


def test_a_notebooks_tables_reach_the_pdf_shrunk_to_the_page_width_where_wider():
    """A LaTeX tabular does not wrap: the PDF cut off the right-hand columns of the final evaluation's tables."""
    import pandas as pd
    from IPython.core.interactiveshell import InteractiveShell

    from lib import notebook

    shell = InteractiveShell.instance()
    notebook.configure()
    for table in (
        pd.DataFrame({labels.MSE: [0.1304], labels.PSNR: [9.239]}, index=["model 2"]),
        pd.Series({labels.MSE: 0.1304}),
    ):
        data, _ = shell.display_formatter.format(table)
        latex = data["text/latex"]
        assert latex.startswith("\\begin{adjustbox}{max width=\\linewidth}\n\\begin{tabular}")
        assert latex.endswith("\\end{tabular}\n\\end{adjustbox}\n") and "0.1304" in latex


def test_a_table_wider_than_the_page_reaches_the_pdf_as_several_with_the_row_labels_each():
    """Shrunk to the page, the final evaluation's widest tables printed at a third of the text's size."""
    import pandas as pd

    from lib import notebook

    notebook.configure()
    columns = {f"model {i} (best of the seed's models)": [0.1304 + i, 18.0] for i in range(6)}
    table = pd.DataFrame(columns, index=pd.MultiIndex.from_tuples([(labels.MSE, "overall"), (labels.READ, "flip")]))
    parts = notebook.column_groups(table)
    assert len(parts) > 1 and [column for part in parts for column in part.columns] == list(table.columns)
    label_width = len(labels.READ) + len("overall") + 6
    for part in parts:
        assert part.index.equals(table.index)
        assert label_width + sum(len(column) + 3 for column in part.columns) <= notebook.PRINT_WIDTH
    latex = notebook.table_latex(table)
    assert latex.count("\\begin{tabular}") == len(parts) and latex.count("read correctly (\\%) & flip") == len(parts)
    narrow = pd.DataFrame({labels.MSE: [0.1304]}, index=["model 2"])
    assert len(notebook.column_groups(narrow)) == 1
    one_wide_column = pd.DataFrame({"trained on": ["x" * 200]}, index=["23"])
    assert len(notebook.column_groups(one_wide_column)) == 1  # kept whole: adjustbox shrinks it


@pytest.mark.parametrize(
    "value, text",
    [
        (0.1304, "0.1304"),
        (0.096412, "0.09641"),
        (18.0, "18"),
        (18.8333, "18.83"),
        (9.8237e-05, "0.00009824"),
        (9.99996, "10"),
        (1234.6, "1235"),
        (-0.5, "-0.5"),
        (0.0, "0"),
        (float("nan"), "NaN"),
    ],
)
def test_a_table_writes_a_number_with_four_significant_digits_and_no_exponent(value, text):
    from lib import notebook

    assert notebook.number_text(value) == text


def test_the_targets_table_shows_the_other_runs_only_where_a_target_was_judged_on_several():
    from lib import notebook, study

    alone = notebook.target_table({"MSE ratio": study.target("<=", 0.2, "why", 0.19)})
    assert list(alone.columns) == ["target", "reached", "verdict"]
    table = notebook.target_table(
        {
            "overall": study.target(">=", 93, "why", 93.6, (93.1, 94.1), runs=[93.5, 92.25]),
            "second": study.target(">=", 93, "why", 93.6, (93.1, 94.1)),
        }
    )
    assert table.loc["overall"].tolist() == [">= 93", "93.6 (93.1\u201394.1)", "93.5, 92.25", "within noise"]
    assert table.loc["second", "other runs"] == "\u2014"


def test_tables_write_numbers_alike_in_html_and_latex_without_an_exponent():
    """pandas wrote the final evaluation's edge contrast (%) as 1.6077e+01 beside 9.8237e-05, its percentages as
    18.0000 beside 18.8333, and the PDF's LaTeX had four decimals on every number, the times' 8.7 as 8.7000. Then
    four significant digits each set 0.128 beside 0.08325 in one column: now a column has one count of decimals,
    as the sentences write such numbers."""
    import pandas as pd
    from IPython.core.interactiveshell import InteractiveShell

    from lib import notebook

    shell = InteractiveShell.instance()
    notebook.configure()
    table = pd.DataFrame(
        {
            labels.TEST_MSE: [0.096412, 0.128],
            labels.EDGE_CONTRAST: [16.077, 9.8237e-05],
            labels.READ: [18.0, 18.8333],
            "epochs": [12.0, 9.0],
            "time (s)": [8.7, 1234.6],
        }
    )
    data, _ = shell.display_formatter.format(table)
    html, latex = data["text/html"], data["text/latex"]
    for shown in ("0.0964", "0.1280", "16.1", "0.0", "18.0", "18.8", "12", "9", "9", "1235"):
        assert f"<td>{shown}</td>" in html
    assert "0 & 0.0964 & 16.1 & 18.0 & 12 & 9 \\\\" in latex and "1 & 0.1280 & 0.0 & 18.8 & 9 & 1235 \\\\" in latex


def test_a_measures_rows_are_written_alike_where_the_row_labels_name_the_measures():
    """The headline table holds MSEs and accuracies in one column, a block of rows each."""
    import pandas as pd

    from lib import notebook

    rows = pd.MultiIndex.from_tuples([(labels.MSE, "overall"), (labels.MSE, "flip"), (labels.READ, "overall")])
    shown = notebook.aligned(pd.DataFrame({"model 23": [0.01166, 0.02, 92.88]}, index=rows))
    assert list(shown["model 23"]) == ["0.0117", "0.0200", "92.9"]


def test_tables_show_long_text_whole_in_html_and_latex():
    """A run begun on a GPU and finished here is named in about 65 characters; pandas' HTML cut it at 50."""
    import pandas as pd

    from lib import notebook

    trained_on = "jax on NVIDIA H200 (12 epochs), then tensorflow on cpu (3 epochs)"
    table = pd.DataFrame({"trained on": [trained_on]}, index=["23"])
    with pd.option_context("display.max_colwidth", 50):
        notebook.configure()
        assert trained_on in table._repr_html_() and trained_on in notebook.table_latex(table)


def test_the_build_runs_through_a_link_to_it(tmp_path):
    """A user links build_report.sh into their PATH: the link finds the project it points into."""
    link = tmp_path / "build-kmnist-report"
    link.symlink_to(ROOT / "build_report.sh")
    run = subprocess.run([str(link), "--help"], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "--profile" in run.stdout


def test_an_output_folder_that_is_a_file_is_refused_before_any_notebook_runs(runs, tmp_path, monkeypatch, capsys):
    taken = tmp_path / "artifacts"
    taken.write_text("not a folder")
    monkeypatch.setenv("REPORT_OUTPUT_DIR", str(taken))
    with pytest.raises(SystemExit) as stop:
        report.main(["--profile", "smoke", "--report-dir", str(tmp_path / "report")])
    assert stop.value.code == 2 and runs == []
    assert (
        f"REPORT_OUTPUT_DIR={taken} cannot hold the artifact folders (it is a file, not a folder)"
        in capsys.readouterr().err
    )


def test_a_cell_whose_tags_changed_only_in_the_source_stops_the_build(runs, tmp_path, monkeypatch, capsys):
    """Tags say what nbval compares and what the report shows: the .ipynb must carry the source's."""
    tiny_notebooks(tmp_path, monkeypatch, **{"01_data": "print(1)"})
    source = tmp_path / "01_data.py"
    source.write_text(source.read_text().replace("# %%\nprint(1)", '# %% tags=["report-hide-output"]\nprint(1)'))
    assert report.main(["--profile", "smoke", "--report-dir", str(tmp_path / "report")]) == 1
    assert not runs and "01_data" in capsys.readouterr().err


def test_a_full_disk_while_the_report_is_written_leaves_no_half_notebook(tmp_path, monkeypatch, capsys):
    import errno

    def full(notebook, path):
        Path(path).write_text('{"cells": [')
        raise OSError(errno.ENOSPC, "No space left on device")

    tiny_notebooks(tmp_path, monkeypatch, **{"00_one": "print(1)"})
    monkeypatch.setattr(report.nbformat, "write", full)
    assert report.main(["--profile", "smoke", "--report-dir", str(tmp_path / "report")]) == 1
    err = capsys.readouterr().err
    assert (
        f"BUILD FAILED while the report was being written: no space left on the device that holds {tmp_path / 'report'}"
        in err
    )
    assert not list((tmp_path / "report").glob("*report.ipynb"))


def test_a_full_disk_while_a_notebook_runs_names_the_folder_and_leaves_no_half_notebook(tmp_path, monkeypatch, capsys):
    import errno

    def full(source, output, **kwargs):
        Path(output).write_text('{"cells": [')
        raise OSError(errno.ENOSPC, "No space left on device")

    tiny_notebooks(tmp_path, monkeypatch, **{"00_one": "print(1)"})
    monkeypatch.setattr(report.papermill, "execute_notebook", full)
    assert report.main(["--profile", "smoke", "--report-dir", str(tmp_path / "report")]) == 1
    err = capsys.readouterr().err
    assert f"BUILD FAILED: no space left on the device that holds {tmp_path / 'report' / 'executed'}" in err
    assert "Traceback" not in err
    assert list((tmp_path / "report" / "executed").iterdir()) == []


def test_a_notebook_that_fails_is_kept_whole_under_its_own_name(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    tiny_notebooks(tmp_path / "notebooks", monkeypatch, **{"00_fails": "raise RuntimeError('on purpose')"})
    with pytest.raises(report.NotebookFailed, match="on purpose"):
        report.execute("smoke", 0, tmp_path / "report")
    executed = tmp_path / "report" / "executed"
    assert [path.name for path in executed.iterdir()] == ["00_fails.ipynb"]
    assert "on purpose" in (executed / "00_fails.ipynb").read_text()


def test_the_package_declares_its_data_so_installing_it_warns_nothing(tmp_path):
    """A fresh set-up printed a screen of setuptools warnings (lib/templates absent from the packages)."""
    import shutil

    project = tmp_path / "project"  # a copy: building writes build/ and *.egg-info where it runs
    shutil.copytree(ROOT / "lib", project / "lib", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    code = "import sys; from setuptools import build_meta; build_meta.build_wheel(sys.argv[1])"
    run = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=project, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "absent from the `packages` configuration" not in run.stdout + run.stderr
    assert any(name.endswith(".whl") for name in map(str, tmp_path.iterdir()))


def test_a_loss_the_seed_never_reported_is_a_dash_and_an_undefined_one_stays_nan():
    import pandas as pd

    from lib import evaluation, notebook

    notebook.configure()
    table = pd.DataFrame(
        {labels.VAL_MSE: [0.0305, float("nan")], labels.SEED_VAL_LOSS: [0.0756, float("nan")]}, index=["12", "20"]
    )
    shown = notebook.with_seed_blanks(table)
    for text in (shown._repr_html_(), notebook.table_latex(shown)):
        assert "0.0756" in text and evaluation.NO_FIGURE in text and "NaN" in text
    assert shown.loc["20", labels.SEED_VAL_LOSS] == evaluation.NO_FIGURE and pd.isna(shown.loc["20", labels.VAL_MSE])


def test_the_build_trains_through_the_training_stage_before_any_notebook_runs(runs, monkeypatch, tmp_path):
    stages = []
    monkeypatch.setattr(report, "train_first", lambda args: stages.append((args.profile, args.seed, args.retrain)) or 0)
    # --retrain sets REPORT_RETRAIN for the notebooks' kernels: undone after the test, not left to later ones.
    monkeypatch.setenv(RETRAIN_VARIABLE, "")
    # The recording execute() stops the build at the notebooks.
    assert report.main(["--profile", "smoke", "--seed", "3", "--retrain", "--report-dir", str(tmp_path)]) == 1
    assert stages == [("smoke", 3, True)] and len(runs) == 1


@pytest.mark.parametrize("status, word, code", [(1, "FAILED", 1), (130, "STOPPED", 130)])
def test_a_training_stage_that_stops_stops_the_build_before_the_notebooks(
    runs, monkeypatch, tmp_path, capsys, status, word, code
):
    monkeypatch.setattr(report, "train_first", lambda args: status)
    assert report.main(["--profile", "smoke", "--report-dir", str(tmp_path)]) == code
    assert not runs and f"BUILD {word}:" in capsys.readouterr().err


def test_labels_of_points_close_together_are_set_a_line_apart_in_their_order_and_near_their_points():
    from lib import plots

    assert plots.spread_apart([0.3, 0.7], 0.05) == [0.3, 0.7]  # far apart: each at its point
    heights = plots.spread_apart([0.40, 0.40, 0.41, 0.80], 0.05)
    assert heights[3] == 0.80
    gaps = [upper - lower for lower, upper in zip(heights, heights[1:])]
    assert min(gaps) >= 0.05 - 1e-12
    assert sum(heights[:3]) / 3 == pytest.approx((0.40 + 0.40 + 0.41) / 3)  # the moved run centred on its points
    chained = plots.spread_apart([0.10, 0.12, 0.14, 0.16], 0.05)
    assert chained == pytest.approx([0.055, 0.105, 0.155, 0.205])
