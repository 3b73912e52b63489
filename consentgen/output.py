"""Writing files so that a failed or killed build never leaves one half-written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def stage(path: Path, content: bytes) -> Path:
    """Write content to a hidden temporary file beside path; `os.replace` it into place later."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Path(temporary)


def atomic_write(path: Path, content: bytes) -> None:
    """Write content to a temporary file beside path, then rename it into place."""
    temporary = stage(path, content)
    try:
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
