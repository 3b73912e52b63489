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

import html
import json
import mimetypes
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import click
import watchfiles

from consentgen.build import BuildReport, BuildRequest, build, select_locales
from consentgen.config import Settings, load_settings
from consentgen.errors import ConsentgenError, display_path
from consentgen.outdir import refusal
from consentgen.procedures import select

HOST = "127.0.0.1"
EVENTS = "/__consentgen__/events"
SETTINGS_FILES = ("pyproject.toml", "consentgen.toml")
# The policy every form carries in its <meta>, for the preview's own "not found" page.
FORM_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "base-uri 'none'; form-action 'none'"
)
_POLICY_META = re.compile(
    r'<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"\s*/?>', re.IGNORECASE
)
# Reloads the page when the server reports a generation other than the one it was served at.
_RELOAD_SCRIPT = """<script nonce="{nonce}">
new EventSource("{events}").onmessage = (event) => {{
  if (event.data !== {generation}) location.reload();
}};
</script>
"""
_KEEPALIVE_SECONDS = 15
# Seconds a connection may stay idle; CONSENTGEN_SERVE_IDLE_SECONDS sets it (the tests do).
IDLE_SECONDS = float(os.environ.get("CONSENTGEN_SERVE_IDLE_SECONDS") or 30)
MAX_PATH = 2048  # longer request paths are answered 414; no preview file has one


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
            with _serving(preview, port) as server:
                kept = "kept" if request.out_dir else "removed"
                click.echo(f"preview folder: {folder} ({kept} on exit)")
                preview.rebuild([], first=True)
                click.echo(f"serving http://{HOST}:{server.server_port}/ (Ctrl+C to stop)")
                _watch(preview)
    except KeyboardInterrupt:
        click.echo("stopped")


def _watch(preview: Preview) -> None:
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


def _summary(items: list[str], shown: int = 3) -> str:
    if len(items) <= shown:
        return ", ".join(items)
    return f"{', '.join(items[:shown])} and {len(items) - shown} more"


# The server


class _PreviewServer(ThreadingHTTPServer):
    preview: Preview

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # not a browser that went away
            super().handle_error(request, client_address)


@contextmanager
def _serving(preview: Preview, port: int) -> Iterator[_PreviewServer]:
    """Answer on 127.0.0.1:port (any free port for 0) from a daemon thread, until the end."""
    try:
        server = _PreviewServer((HOST, port), _PreviewHandler)
    except OSError as exc:
        raise ConsentgenError(
            f"cannot listen on {HOST}:{port}: {exc.strerror} (choose another --port, "
            "or --port 0 for any free one)"
        ) from None
    server.preview = preview
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        preview.close()
        server.shutdown()
        server.server_close()


class _PreviewHandler(BaseHTTPRequestHandler):
    """GET and HEAD of the preview folder's files, and the event stream; nothing else."""

    server: _PreviewServer
    # A connection that sends no request within this many seconds is closed: an idle client
    # cannot hold a thread forever.
    timeout = IDLE_SECONDS

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the terminal is for what the build says

    def _answer(self, with_body: bool) -> None:
        preview = self.server.preview
        # A page elsewhere that points a name of its own at 127.0.0.1 (DNS rebinding) is refused.
        host = self.headers.get("Host", HOST).rsplit(":", 1)[0].lower()
        if host not in {HOST, "localhost"}:
            self.send_error(403, "only http://127.0.0.1 serves the preview")
            return
        if len(self.path) > MAX_PATH:
            self.send_error(414, "request path too long")
            return
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path == EVENTS:
            self._stream_events(with_body)
            return
        # The generation is read before the file: a rebuild in between costs the page one more
        # reload, never a missed one.
        generation, error = preview.state()
        file = requested_file(preview.folder, path)
        try:
            content = file.read_bytes() if file else None
        except OSError:
            content = None
        if file is None or content is None:
            page = _error_page(path, error)
            self._send(404, "text/html; charset=utf-8", *_served_page(page, generation), with_body)
        elif file.suffix == ".html":
            page = content.decode("utf-8")
            if error is not None:
                page = _with_banner(page, error)
            self._send(200, "text/html; charset=utf-8", *_served_page(page, generation), with_body)
        else:
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            self._send(200, kind, content, None, with_body)

    def _send(
        self, status: int, kind: str, body: bytes, policy: str | None, with_body: bool
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if policy is not None:
            self.send_header("Content-Security-Policy", policy)
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def _stream_events(self, with_body: bool) -> None:
        """Server-sent events: the generation now, then each new one, until the page goes."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not with_body:
            return
        seen = None
        while (generation := self.server.preview.wait(seen, _KEEPALIVE_SECONDS)) is not None:
            try:
                # A comment when nothing changed: a closed page is noticed, and the stream ends.
                event = f": {generation}" if generation == seen else f"data: {generation}"
                self.wfile.write(f"{event}\n\n".encode())
            except ConnectionError:
                return
            seen = generation


def requested_file(folder: Path, path: str) -> Path | None:
    """The file a request path names in the preview folder, or None.

    `..`, hidden names (the build's temporary files) and symbolic links leading out of the
    folder are refused.
    """
    names = [name for name in urllib.parse.unquote(path).split("/") if name]
    if any(name.startswith(".") or "\\" in name or "\0" in name for name in names):
        return None
    try:
        file = folder.joinpath(*names)
        if file.is_dir():
            file /= "index.html"
        file = file.resolve()
        return file if file.is_relative_to(folder) and file.is_file() else None
    except (OSError, ValueError):  # a name too long for the file system, and the like
        return None


def _served_page(page: str, generation: int) -> tuple[bytes, str]:
    """A page as the browser gets it: its policy moved to a header that also lets in the reload
    script (by a nonce made for this response) and its event stream; the script added."""
    nonce = secrets.token_urlsafe(18)
    meta = _POLICY_META.search(page)
    if meta:
        page = page[: meta.start()] + page[meta.end() :]
    directives = {}
    for directive in html.unescape(meta.group(1)).split(";") if meta else ():
        name, _, value = directive.strip().partition(" ")
        if name:
            directives[name.lower()] = value.strip()
    directives["script-src"] = f"'nonce-{nonce}'"
    directives["connect-src"] = "'self'"
    policy = "; ".join(f"{name} {value}".strip() for name, value in directives.items())
    script = _RELOAD_SCRIPT.format(
        nonce=nonce, events=EVENTS, generation=json.dumps(str(generation))
    )
    end = page.lower().rfind("</body>")
    page = page + script if end < 0 else page[:end] + script + page[end:]
    return page.encode("utf-8"), policy


def _with_banner(page: str, error: str) -> str:
    """The page with the build error at its top."""
    banner = (
        '<div role="alert" lang="en" dir="ltr" style="position:sticky;top:0;z-index:9;'
        "background:#fee;color:#600;border:2px solid #a00;padding:0.5em 1em;"
        'font:14px/1.4 sans-serif">'
        "<strong>consentgen serve: the last change did not build. Pages show the last good "
        "build until it is fixed.</strong>"
        f'<pre style="white-space:pre-wrap;margin:0.5em 0 0">{html.escape(error)}</pre></div>'
    )
    body = re.search(r"<body\b[^>]*>", page, re.IGNORECASE)
    at = body.end() if body else 0
    return page[:at] + banner + page[at:]


def _error_page(path: str, error: str | None) -> str:
    """The page for a path the preview does not have (or not yet, if the build failed)."""
    page = (
        '<!DOCTYPE html>\n<html lang="en" dir="ltr">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{FORM_POLICY}">\n'
        "<title>Not found | consentgen serve</title>\n</head>\n<body>\n"
        f"<h1>Not found</h1>\n<p>The preview has no {html.escape(path)}. "
        '<a href="/">All forms</a></p>\n</body>\n</html>\n'
    )
    return page if error is None else _with_banner(page, error)
