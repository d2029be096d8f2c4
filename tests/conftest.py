import os
import tempfile

import pytest

# Every test run starts from an empty artifact cache, so no model trained by an older version of the
# code can stand in for a fresh result. Set before any kernel starts: nbval's kernels inherit it.
os.environ["REPORT_OUTPUT_DIR"] = tempfile.mkdtemp(prefix="report-test-artifacts-")


@pytest.fixture(scope="session")
def data_dir():
    """The folder with the official files: REPORT_DATA_DIR, as the README's test command sets it."""
    folder = os.environ.get("REPORT_DATA_DIR")
    if not folder:
        pytest.fail("set REPORT_DATA_DIR to the folder holding kmnist/ (see the README's test command)")
    return folder
