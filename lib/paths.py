"""Where things are: the project's folders, and the user's paths made absolute, in one place.

Importing this module imports nothing heavy (no Keras, no Jupyter), so a test or a benchmark can learn
a path without starting either.
"""

import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
# Below each of these three, a build has a folder of its own (``profile_folder``).
REPORT_DIR = ROOT / "report"  # report/<profile>/ unless --report-dir says otherwise
ARTIFACT_DIR = ROOT / "artifacts"  # artifacts/<profile>/ unless REPORT_OUTPUT_DIR says otherwise
PUBLISHED_DIR = ROOT / "published"  # the trained networks shipped with the report: published/<profile>/models/
DEFAULT_DATASET = "kmnist"  # the report's own dataset; ``lib.data.DATASETS`` lists every one
REFERENCE_DIR = ROOT / "tests" / "reference"  # the smoke build the tests compare with
RESULTS_REFERENCE = REFERENCE_DIR / "smoke_results.json"
# The user's folders, read from the environment by the notebooks, which run in notebooks/.
USER_PATH_VARIABLES = ("REPORT_OUTPUT_DIR", "REPORT_DATA_DIR")


def absolute(path):
    """A user's path made absolute against the caller's folder, once: the notebooks run elsewhere."""
    return Path(os.path.abspath(Path(path).expanduser()))


def absolute_environment():
    """Make the path variables the notebooks read absolute, before any notebook starts."""
    for variable in USER_PATH_VARIABLES:
        if os.environ.get(variable):
            os.environ[variable] = str(absolute(os.environ[variable]))


def profile_folder(profile, dataset=DEFAULT_DATASET):
    """A build's folder below the artifact, report and published roots: ``<profile>`` on KMNIST, the report's
    own dataset, and ``<dataset>/<profile>`` on any other, so that no build finds another dataset's files."""
    return Path(profile) if dataset == DEFAULT_DATASET else Path(dataset) / profile


def output_dir(profile, output_dir=None, dataset=DEFAULT_DATASET):
    """Where a build's artifacts go: the argument, else ``$REPORT_OUTPUT_DIR/<profile folder>``, else
    ``artifacts/<profile folder>`` (``profile_folder``)."""
    if output_dir is not None:
        return Path(output_dir)
    return Path(os.environ.get("REPORT_OUTPUT_DIR") or ARTIFACT_DIR) / profile_folder(profile, dataset)


def writable_folder_problem(folder):
    """Why ``folder`` cannot take files (None if it can): it is created first if missing."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        return "it is a file, not a folder"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        return error.strerror or str(error)
    return None


def output_root_problem():
    """Why ``$REPORT_OUTPUT_DIR`` cannot hold the artifact folders (None if it is unset or can), in a sentence
    that says what to do: checked before any work starts."""
    root = os.environ.get("REPORT_OUTPUT_DIR")
    if root and Path(root).resolve().is_relative_to(PUBLISHED_DIR.resolve()):
        return (
            f"REPORT_OUTPUT_DIR={root} lies in the published set ({PUBLISHED_DIR}), which only "
            "'python -m lib.published' writes; name another folder, or unset it for artifacts/<profile>"
        )
    problem = root and writable_folder_problem(root)
    if problem:
        return (
            f"REPORT_OUTPUT_DIR={root} cannot hold the artifact folders ({problem}); name a folder you can "
            "write to, or unset it for artifacts/<profile>"
        )
    return None
