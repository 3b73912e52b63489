"""The preview's HTTP side: files of the preview folder and the event stream, on 127.0.0.1
only, each page sent with a reload script let in by a nonce."""

from __future__ import annotations

import html
import json
import mimetypes
import os
import re
import secrets
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from consentgen.errors import ConsentgenError
from consentgen.serve.preview import Preview

HOST = "127.0.0.1"
EVENTS = "/__consentgen__/events"
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


class _PreviewServer(ThreadingHTTPServer):
    preview: Preview

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # not a browser that went away
            super().handle_error(request, client_address)


@contextmanager
def serving(preview: Preview, port: int) -> Iterator[_PreviewServer]:
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
