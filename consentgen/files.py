"""Writing files so that a failed or killed build never leaves one half-written."""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import stat
import tempfile
from pathlib import Path

from consentgen.errors import ConsentgenError

# A staged file is `.<target name>.consentgen-<random>.tmp` beside its target: a name only
# consentgen makes, so that cleaning up after a killed build removes nothing else.
STAGE_MARK = ".consentgen-"


def write_problem(path: Path, exc: OSError) -> ConsentgenError:
    """A write that failed (full disk, read-only folder, not a folder) as one line."""
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        reason += ": nothing already built was replaced; free some space and build again"
    return ConsentgenError(f"{path}: cannot write ({reason})")


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


def file_sha256(path: Path) -> str:
    """A file's digest, computed once per version of the file (fonts are large)."""
    info = path.stat()
    return _content_sha256(path, info.st_mtime_ns, info.st_size)


@functools.cache
def _content_sha256(path: Path, _mtime_ns: int, _size: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def intact(path: Path, size: int, sha256: str) -> bool:
    """True when a file is on disk exactly as recorded: the one test of "unchanged"."""
    return path.is_file() and path.stat().st_size == size and file_sha256(path) == sha256


def holds(path: Path, content: bytes) -> bool:
    """True when a file already holds exactly these bytes."""
    return path.is_file() and path.stat().st_size == len(content) and path.read_bytes() == content


def code_sha256() -> str:
    """A digest of consentgen's own code, every module of the package: a development build
    never keeps output of an older consentgen."""
    import consentgen

    code = Path(consentgen.__file__).resolve().parent
    digest = hashlib.sha256()
    for module in sorted(code.rglob("*.py")):
        digest.update(module.relative_to(code).as_posix().encode("utf-8"))
        digest.update(file_sha256(module).encode("ascii"))
    return digest.hexdigest()


def regular_file_size(path: Path) -> int:
    """The size of a file given to read (a returned form, a scan): one line if it is missing,
    unreadable or not a regular file (a folder, a device, a pipe), before anything is read."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ConsentgenError(f"{path}: no such file") from None
    except OSError as exc:
        raise ConsentgenError(f"{path}: cannot read ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise ConsentgenError(f"{path}: not a regular file")
    return info.st_size
