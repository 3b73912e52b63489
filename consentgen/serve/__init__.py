"""`consentgen serve`: a local preview of the forms' HTML, rebuilt and reloaded on every change.

The preview is the ordinary incremental build, HTML only, into its own folder (never build/),
and the files there stay exactly as the build writes them. Only the copy sent to the browser
carries a small reload script, let in by a nonce in a Content-Security-Policy header that takes
the place of the page's own policy.

The server answers on 127.0.0.1 only, from a daemon thread. Watching and rebuilding happen in
the main thread: Python delivers signals there only, and the build's time limits, Ctrl+C and
SIGTERM are all signals.
"""

from __future__ import annotations

import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from consentgen.build import BuildRequest
from consentgen.build.outdir import refusal
from consentgen.errors import ConsentgenError, display_path
from consentgen.procedures import select
from consentgen.serve.http import HOST, serving
from consentgen.serve.preview import Preview, watch
from consentgen.settings import Settings, load_settings, select_locales


def serve(root: Path, request: BuildRequest, port: int) -> None:
    """Preview the project's forms on http://127.0.0.1:PORT/, rebuilt on change, until stopped."""
    settings = load_settings(root)
    # A mistyped -p or -l is a usage error now, not a page to fix later.
    select(settings, request.procedures)
    select_locales(settings, request.locales)
    if request.out_dir is not None:
        _check_preview_folder(settings, request.out_dir)
    try:
        with _stop_on_terminate(), _preview_folder(request.out_dir) as folder:
            preview = Preview(settings, request, folder)
            with serving(preview, port) as server:
                kept = "kept" if request.out_dir else "removed"
                click.echo(f"preview folder: {folder} ({kept} on exit)")
                preview.rebuild([], first=True)
                click.echo(f"serving http://{HOST}:{server.server_port}/ (Ctrl+C to stop)")
                watch(preview)
    except KeyboardInterrupt:
        click.echo("stopped")


@contextmanager
def _preview_folder(chosen: Path | None) -> Iterator[Path]:
    """The chosen folder, or a temporary one, removed at the end."""
    if chosen is not None:
        yield chosen
        return
    folder = Path(tempfile.mkdtemp(prefix="consentgen-serve-")).resolve()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _stop_on_terminate() -> Iterator[None]:
    """SIGTERM and SIGHUP stop the preview as Ctrl+C does, so the temporary folder goes too."""
    previous = {
        number: signal.signal(number, signal.default_int_handler)
        for number in (signal.SIGTERM, signal.SIGHUP)
    }
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _check_preview_folder(settings: Settings, folder: Path) -> None:
    """The preview goes anywhere but the release output and the project's inputs."""
    release = settings.root / "build"
    inputs = (settings.templates_dir, settings.locales_dir)
    if folder.is_relative_to(release) or any(
        folder.is_relative_to(p) or p.is_relative_to(folder) for p in inputs
    ):
        raise ConsentgenError(
            f"serve -o {display_path(folder, settings.root)}: choose a folder outside build/ "
            "(the release output), templates/ and locales/"
        )
    if (reason := refusal(folder.resolve())) is not None:
        raise ConsentgenError(f"serve -o {folder}: refusing to build here: {reason}")
