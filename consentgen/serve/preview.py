"""The preview's state: the folder, how to rebuild it, the generation open pages reload at,
and the watch loop that rebuilds when an input changes."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

import click
import watchfiles

from consentgen.build import BuildReport, BuildRequest, build
from consentgen.errors import ConsentgenError, display_path
from consentgen.settings import Settings, load_settings

SETTINGS_FILES = ("pyproject.toml", "consentgen.toml")


class Preview:
    """The preview folder, how to rebuild it, and what the browser is told about it."""

    def __init__(self, settings: Settings, request: BuildRequest, folder: Path) -> None:
        self.settings = settings  # the last settings that loaded, to know what to watch
        self.request = replace(request, formats=("html",), out_dir=folder)
        self.folder = folder
        self.generation = 0  # bumped when what a page shows has changed
        self.error: str | None = None  # why the last rebuild failed, until one succeeds
        self.closed = False
        self._changed = threading.Condition()

    def rebuild(self, causes: list[Path], *, first: bool = False) -> None:
        """Build what changed, print what happened, and tell open pages to reload."""
        started = time.monotonic()
        report: BuildReport | None = None
        try:
            self.settings = load_settings(self.settings.root)
            report = build(self.settings, self.request, log=lambda line: None)
            for warning in report.warnings:
                click.echo(f"warning: {warning}", err=True)
            report.raise_for_failures()
        except ConsentgenError as exc:
            error = exc.format_message()
            if first or causes or error != self.error:
                click.echo(error, err=True)
            self._publish(bool(report and report.written), error)
            return
        seconds = f"{time.monotonic() - started:.1f} s"
        written = [path for path in report.written if path != "manifest.json"]
        if first:
            click.echo(report.summary(time.monotonic() - started))
        elif causes or written or self.error:
            changed = _summary([display_path(path, self.settings.root) for path in causes])
            done = f"rebuilt {_summary(written)}" if written else "no change"
            fixed = "fixed; " if self.error else ""
            click.echo(f"{changed or 'caught up'}: {fixed}{done} ({seconds})")
        self._publish(bool(report.written), None)

    def _publish(self, wrote: bool, error: str | None) -> None:
        with self._changed:
            if wrote or error != self.error:
                self.generation += 1
                self._changed.notify_all()
            self.error = error

    def state(self) -> tuple[int, str | None]:
        """The generation and error now, read together."""
        with self._changed:
            return self.generation, self.error

    def wait(self, seen: int | None, timeout: float) -> int | None:
        """The generation once it is not `seen` (or after timeout); None once the server stops."""
        with self._changed:
            self._changed.wait_for(lambda: self.closed or self.generation != seen, timeout)
            return None if self.closed else self.generation

    def close(self) -> None:
        """End every open event stream."""
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def is_input(self, path: Path) -> bool:
        """Whether a file is one the preview is built from."""
        root = self.settings.root
        return (
            (path.parent == root and path.name in SETTINGS_FILES)
            or path == self.settings.logo
            or path.is_relative_to(self.settings.templates_dir)
            or path.is_relative_to(self.settings.locales_dir)
        )

    def watched_folders(self) -> set[Path]:
        """The folders the inputs are in: the root, every folder of templates/ and locales/,
        and the logo's.

        Folders, not files: an editor that saves by renaming a new file over the old one leaves
        a watch on the file itself watching nothing.
        """
        folders = {self.settings.root}
        for top in (self.settings.templates_dir, self.settings.locales_dir):
            if top.is_dir():
                folders |= {top, *(p for p in top.rglob("*") if p.is_dir())}
        if self.settings.logo is not None:
            folders.add(self.settings.logo.parent)
        return folders


def watch(preview: Preview) -> None:
    """Rebuild whenever an input changes; returns only by KeyboardInterrupt."""
    junk = watchfiles.DefaultFilter()  # editor swap and backup files, caches

    def wanted(change: watchfiles.Change, path: str) -> bool:
        return junk(change, path) and preview.is_input(Path(path))

    while True:
        folders = preview.watched_folders()
        caught_up = False
        # The first pass after a watch starts rebuilds even if nothing is reported (a timeout
        # yields an empty set): it catches edits made while no watch was running.
        for changes in watchfiles.watch(
            *folders,
            watch_filter=wanted,
            recursive=False,
            rust_timeout=500,
            yield_on_timeout=True,
        ):
            if changes or not caught_up:
                preview.rebuild(_lasting(changes))
                caught_up = True
                if preview.watched_folders() != folders:
                    break  # a folder came or went: watch the new set


def _lasting(changes: set[tuple[watchfiles.Change, str]]) -> list[Path]:
    """The changed files, less those that came and went (an editor's or sed's temporary file)."""
    added = {Path(path) for change, path in changes if change == watchfiles.Change.added}
    changed = {Path(path) for _, path in changes}
    return sorted(changed - {path for path in added if not path.exists()})


def _summary(items: list[str], shown: int = 3) -> str:
    if len(items) <= shown:
        return ", ".join(items)
    return f"{', '.join(items[:shown])} and {len(items) - shown} more"
