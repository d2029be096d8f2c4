"""The README's results section: written from a build's results files, never typed, and kept in step with the
published results of the full study."""

import re
import shutil

import pytest

from lib import labels, readme_results, results_files, study


@pytest.fixture(scope="module")
def smoke_results(smoke_build):
    assert smoke_build.run.returncode == 0, smoke_build.run.stderr[-3000:]
    return smoke_build.artifact_dir


def test_the_section_states_the_builds_own_numbers(smoke_results):
    table, final = results_files.read_table(smoke_results), results_files.read_final(smoke_results)
    text = readme_results.section(smoke_results)
    rows = {line.split(" | ")[0].strip("| "): line for line in text.splitlines() if re.match(r"\| [\d.]+ \|", line)}
    assert list(rows) == list(table.index)
    best = final["final model"]
    assert f"| {table.loc[best, labels.VAL_MSE]:.4f} |" in rows[best]
    assert f"| {final['readability'][labels.READ][best]:.1f} |" in rows[best]
    assert "| – |" in rows["20"] and "| – |" not in rows["12"]  # the seed has no loss for a U-Net
    clean = final["headline"][labels.CLEAN][labels.READ]["overall"]
    low, high = final["read intervals"][labels.CLEAN]["overall"]
    assert f"The reader reads {clean:.1f}% ({low:.1f}\u2013{high:.1f}) of the clean test images" in text
    assert f"**The best model is model {best}**" in text
    assert "![" in text and results_files.FIGURE in text
    spread_read = final["spread"][labels.READ]
    assert f"read {spread_read['mean']:.1f}% ± {spread_read['standard deviation']:.1f}" in text
    collapsed = list(table.index[table["collapsed"]])
    assert f"**Collapse**: {study.models_text(collapsed)} collapsed (the report's verdicts, on the validation" in text
    identity = final["validation baselines"][labels.UNCORRECTED]
    beat = [model for model in table.index if model not in collapsed and table.loc[model, labels.VAL_MSE] < identity]
    assert f"of the other {len(table) - len(collapsed)}, {len(beat)} beat the uncorrected input's validation" in text


def test_the_readme_shows_the_published_results_when_there_are_some():
    readme = readme_results.README.read_text()
    if readme_results.PUBLISHED_RESULTS.is_dir():
        assert readme == readme_results.with_section(readme, readme_results.section()), (
            "the README's results differ from published/full/results/: run python -m lib.readme_results"
        )
    else:
        readme_results.with_section(readme, "")  # the section is in place, waiting for the full study


def test_a_readme_without_its_markers_is_refused():
    with pytest.raises(ValueError, match="one line"):
        readme_results.with_section("# A README\n\nno results section\n", "text")
    text = f"before\n{readme_results.START}\nold\n{readme_results.END}\nafter\n"
    assert (
        readme_results.with_section(text, "new")
        == f"before\n{readme_results.START}\nnew\n{readme_results.END}\nafter\n"
    )


def test_publishing_copies_every_results_file_or_none(tmp_path):
    build, target = tmp_path / "build", tmp_path / "published" / "results"
    build.mkdir()
    for name in results_files.FILES[:-1]:
        shutil.copy2(readme_results.PUBLISHED_RESULTS / name, build / name)
    with pytest.raises(results_files.ResultsMissing, match=results_files.FILES[-1]):
        readme_results.publish(build, target)
    assert not target.exists()
    shutil.copy2(readme_results.PUBLISHED_RESULTS / results_files.FIGURE, build)
    readme_results.publish(build, target)
    assert sorted(path.name for path in target.iterdir()) == sorted(results_files.FILES)


def test_damaged_results_are_not_published(tmp_path):
    build, target = tmp_path / "build", tmp_path / "published" / "results"
    shutil.copytree(readme_results.PUBLISHED_RESULTS, build)
    table = build / results_files.TABLE
    table.write_text(table.read_text().replace("0.03019482083618641", "n/a"))
    with pytest.raises(results_files.ResultsDamaged, match="results.csv .* is damaged: line 5 \\(model 3\\)"):
        readme_results.publish(build, target)
    assert not target.exists()


def test_each_refusal_is_one_line_and_an_exit_code(tmp_path, monkeypatch, capsys):
    """No traceback: a README without its markers, --publish with no full build, a damaged results file."""
    readme = tmp_path / "README.md"
    readme.write_text("# A README\n\nno results section\n")
    monkeypatch.setattr(readme_results, "README", readme)
    monkeypatch.setenv("REPORT_OUTPUT_DIR", str(tmp_path / "artifacts"))
    assert readme_results.main(["--check"]) == 1
    assert readme_results.main(["--publish"]) == 1
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 2 and all(line.startswith("README NOT WRITTEN: ") for line in errors), errors
    assert "must hold one line" in errors[0] and "results.csv not found in" in errors[1]
