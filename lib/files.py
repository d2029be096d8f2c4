"""Files written whole or not at all: every artifact, results file and report is written through here."""

import errno
import os
from pathlib import Path


def atomic_write(path, write):
    """Write ``path`` through ``write(tmp_path)`` and move it into place, so readers never see half a file.
    Its folder is created if missing: a build whose every network comes from the published set has written
    nothing to the artifact folder before its first results file. Whatever stops the write leaves no
    temporary file behind; a full disk is said with the folder it is in."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    try:
        write(str(tmp))
        os.replace(tmp, path)
    except BaseException as error:
        tmp.unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            raise OSError(
                errno.ENOSPC,
                f"no space left on the device that holds {path.parent} (writing {path.name}); free some space "
                "there, or name another folder (REPORT_OUTPUT_DIR for the artifacts, --report-dir for the report)",
            ) from error
        raise
