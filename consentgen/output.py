"""Writing files so that a failed or killed build never leaves one half-written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from consentgen.outdir import STAGE_MARK, write_problem


def stage(path: Path, content: bytes) -> Path:
    """Write content to a hidden temporary file beside path; `os.replace` it into place later.

    The file's name is one only consentgen makes (`.<name>.consentgen-<random>.tmp`), so that
    cleaning up after a killed build removes nothing else. A failed write (a full disk, a
    read-only folder) is one line naming the path, and leaves nothing behind.
    """
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(
            prefix=f".{path.name}{STAGE_MARK}", suffix=".tmp", dir=path.parent
        )
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
    except BaseException as exc:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise write_problem(path, exc) from None
        raise
    return Path(temporary)


def replace(temporary: Path, path: Path) -> None:
    """Put a staged file in place, whole."""
    try:
        os.replace(temporary, path)
    except OSError as exc:
        raise write_problem(path, exc) from None


def atomic_write(path: Path, content: bytes) -> None:
    """Write content to a temporary file beside path, then rename it into place."""
    temporary = stage(path, content)
    try:
        replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
