"""Files written whole or not at all: every artifact, results file and report is written through here."""

import os
from pathlib import Path


def atomic_write(path, write):
    """Write ``path`` through ``write(tmp_path)`` and move it into place, so readers never see half a file."""
    path = Path(path)
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    write(str(tmp))
    os.replace(tmp, path)
