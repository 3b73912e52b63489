"""The output folder: whose it is, one build at a time in it, and what a killed build left there.

A build writes only into a folder that is empty, new, or already a consentgen build (it holds a
consentgen manifest or this module's lock file). It holds an exclusive lock on that folder while
it works, so two builds (two CI jobs, a developer and `serve -o`, a retry) never mix their files:
the second waits, or with `--no-wait` stops at once. Files are staged under names only
consentgen makes, and only those are cleaned up after a killed build.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from consentgen.errors import ConsentgenError
from consentgen.files import STAGE_MARK, write_problem

LOCK_NAME = ".consentgen.lock"
MANIFEST_NAME = "manifest.json"


class OutputFolderBusy(ConsentgenError):
    """Another build holds the output folder and the caller would not wait."""


def refusal(folder: Path) -> str | None:
    """Why consentgen must not build into folder, or None."""
    if folder == Path(folder.anchor):
        return "the root of the file system"
    with contextlib.suppress(RuntimeError, KeyError):
        if folder == Path.home().resolve():
            return "the home folder"
    if not folder.exists():
        return None
    if not folder.is_dir():
        return "not a folder"
    if (folder / LOCK_NAME).is_file() or _is_consentgen_manifest(folder / MANIFEST_NAME):
        return None
    try:
        empty = next(folder.iterdir(), None) is None
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    return None if empty else "not empty, and holds no consentgen build (no manifest.json)"


def _is_consentgen_manifest(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(data, dict) and str(data.get("generator", "")).startswith("consentgen ")


@contextlib.contextmanager
def claimed(
    folder: Path, *, wait: bool = True, say: Callable[[str], None] = lambda line: None
) -> Iterator[Path]:
    """Hold the output folder for one build: refused if it is not consentgen's, locked while
    the build runs (waiting for another build, saying so, unless wait is False).

    A folder this build created and left empty (a build that failed before writing) is removed.
    """
    folder = folder.resolve()
    reason = refusal(folder)
    if reason is not None:
        raise ConsentgenError(f"{folder}: refusing to build here: {reason}")
    created = not folder.exists()
    descriptor = _lock(folder, wait, say)
    try:
        remove_staged(folder)
        yield folder
    finally:
        if created and [p.name for p in folder.iterdir()] == [LOCK_NAME]:
            # Still locked: a build waiting on this lock file finds it gone and starts anew.
            with contextlib.suppress(OSError):
                (folder / LOCK_NAME).unlink()
                folder.rmdir()
        os.close(descriptor)  # releases the lock


def _lock(folder: Path, wait: bool, say: Callable[[str], None]) -> int:
    """An exclusive lock on the folder's lock file, held through the returned descriptor."""
    said = False
    while True:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise write_problem(folder, exc) from None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                os.close(descriptor)
                raise OutputFolderBusy(
                    f"{folder}: another consentgen build is writing here "
                    "(without --no-wait, this build waits for it)"
                ) from None
            if not said:
                say(f"{folder}: another consentgen build is writing here; waiting for it")
                said = True
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        # The build before may have removed the folder it created while this one waited.
        with contextlib.suppress(OSError):
            held, named = os.fstat(descriptor), os.stat(folder / LOCK_NAME)
            if (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino):
                return descriptor
        os.close(descriptor)


def remove_staged(folder: Path) -> None:
    """Remove what a killed build staged: consentgen's own staged files, in the folders a build
    writes (the output folder and its locale folders), nothing else."""
    folders = [folder, *(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink())]
    for place in folders:
        for leftover in place.glob(f".*{STAGE_MARK}*.tmp"):
            if leftover.is_file() and not leftover.is_symlink():
                leftover.unlink(missing_ok=True)
