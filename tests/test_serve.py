"""`consentgen serve`: a real server in a subprocess, on a copy of the project, read over HTTP."""

from __future__ import annotations

import http.client
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from email.message import Message
from pathlib import Path
from typing import IO

import pytest
from click.testing import CliRunner
from conftest import REPO, approve, ctrl_c_as_at_a_terminal

from consentgen.cli import cli

EVENTS = "/__consentgen__/events"
CATALOG = Path("locales/es/LC_MESSAGES/messages.po")
SENTENCE = "Entiendo que nadie puede garantizar el resultado del procedimiento."
FORM_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "base-uri 'none'; form-action 'none'"
)
POLICY_META = f'<meta http-equiv="Content-Security-Policy" content="{FORM_POLICY}">'
RELOAD_SCRIPT = re.compile(r'<script nonce="([\w-]+)">\n.*?</script>\n', re.S)
TIMEOUT = 30.0
CHROMIUM = Path("/usr/bin/chromium")


class Serving:
    """A running `consentgen serve --port 0 -l en -l es`: its output, port and preview folder."""

    def __init__(self, project: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "consentgen", "--project", str(project), "serve"]
            + ["--port", "0", "-l", "en", "-l", "es"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO), "CONSENTGEN_SERVE_IDLE_SECONDS": "2"},
            preexec_fn=ctrl_c_as_at_a_terminal,
        )
        self.lines: dict[str, queue.Queue[str]] = {"stdout": queue.Queue(), "stderr": queue.Queue()}
        self.seen: dict[str, list[str]] = {"stdout": [], "stderr": []}
        self.readers = [
            threading.Thread(target=self._read, args=(stream, name), daemon=True)
            for name, stream in (("stdout", self.process.stdout), ("stderr", self.process.stderr))
        ]
        for reader in self.readers:
            reader.start()
        try:
            folder = self.expect("stdout", r"preview folder: (.+) \(removed on exit\)")[1]
            port = self.expect("stdout", r"serving http://127\.0\.0\.1:(\d+)/ \(Ctrl\+C")[1]
        except BaseException:
            self.close()
            raise
        self.folder, self.port = Path(folder), int(port)

    def _read(self, stream: IO[str], name: str) -> None:
        for line in stream:
            self.lines[name].put(line.rstrip("\n"))

    def expect(self, name: str, pattern: str) -> re.Match[str]:
        """Wait for a line of stdout or stderr that matches pattern."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = self.lines[name].get(timeout=0.2)
            except queue.Empty:
                assert self.process.poll() is None, f"serve ended: {self.output()}"
                continue
            self.seen[name].append(line)
            if match := re.match(pattern, line):
                return match
        raise AssertionError(f"no {name} line matching {pattern!r}: {self.output()}")

    def output(self) -> str:
        for name, lines in self.lines.items():
            while not lines.empty():
                self.seen[name].append(lines.get())
        return "\n".join(f"{name}: {line}" for name, seen in self.seen.items() for line in seen)

    def get(
        self, path: str, method: str = "GET", host: str | None = None
    ) -> tuple[int, Message, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            connection.putrequest(method, path, skip_host=host is not None)
            if host is not None:
                connection.putheader("Host", host)
            connection.endheaders()
            response = connection.getresponse()
            return response.status, response.headers, response.read().decode("utf-8")
        finally:
            connection.close()

    def wait_for_page(self, path: str, ready: Callable[[str], bool]) -> str:
        """Poll a page until ready(body) holds."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            status, _, body = self.get(path)
            if status == 200 and ready(body):
                return body
            time.sleep(0.2)
        raise AssertionError(f"{path} never became ready: {self.output()}")

    def close(self) -> None:
        """Stop the server if it still runs (killed if it does not stop), and close its pipes."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process.wait()
        for reader in self.readers:
            reader.join()
        for stream in (self.process.stdout, self.process.stderr):
            assert stream is not None
            stream.close()

    def stop(self, number: signal.Signals) -> int:
        """Send a signal; the exit status, once every line of output has been read."""
        self.process.send_signal(number)
        returncode = self.process.wait(timeout=TIMEOUT)
        for reader in self.readers:
            reader.join(timeout=TIMEOUT)
        assert "Traceback" not in self.output()
        return returncode


@pytest.fixture
def serving(project: Path) -> Iterator[Serving]:
    """`consentgen serve` on a copy of the project, stopped at the end whatever happened.

    The copy's procedure is approved (by a test clinician, in the copy only), so that the
    preview's forms show no message the catalogs do not translate: its output is quiet.
    """
    approve(project)
    server = Serving(project)
    try:
        yield server
    finally:
        server.close()


class EventStream:
    """The preview's server-sent events, as a page's EventSource reads them."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        self.connection.request("GET", EVENTS)
        self.response = self.connection.getresponse()
        assert self.response.status == 200
        assert self.response.headers["Content-Type"] == "text/event-stream"

    def next_generation(self) -> int:
        while line := self.response.readline().decode("utf-8"):
            if line.startswith("data: "):
                return int(line.removeprefix("data: "))
        raise AssertionError("the event stream ended")


def _edit_catalog(project: Path, old: str, new: str) -> None:
    path = project / CATALOG
    text = path.read_text("utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), "utf-8")


def test_serves_the_built_forms_with_a_reload_script(
    serving: Serving, project: Path, runner: CliRunner, tmp_path: Path
) -> None:
    built = tmp_path / "built"
    result = runner.invoke(
        cli,
        ["--project", str(project), "build", "-f", "html", "-l", "en", "-l", "es"]
        + ["-o", str(built)],
    )
    assert result.exit_code == 0, result.output

    nonces = set()
    for path, file in (("/", "index.html"), ("/es/kyphoplasty.html", "es/kyphoplasty.html")):
        on_disk = (serving.folder / file).read_text("utf-8")
        # The preview folder holds exactly what `consentgen build -f html` writes.
        assert on_disk == (built / file).read_text("utf-8")
        assert "<script" not in on_disk and POLICY_META in on_disk

        status, headers, served = serving.get(path)
        assert status == 200
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        script = RELOAD_SCRIPT.search(served)
        assert script is not None and EVENTS in script[0]
        nonce = script[1]
        nonces.add(nonce)
        # The page's own policy, moved to a header that lets in only this script and its events.
        assert headers["Content-Security-Policy"] == (
            f"{FORM_POLICY}; script-src 'nonce-{nonce}'; connect-src 'self'"
        )
        # Nothing else differs: the served copy is the file, policy meta out, script in.
        assert served.replace(script[0], "") == on_disk.replace(POLICY_META, "")
        assert served.index(script[0]) < served.index("</body>")

        status, headers, body = serving.get(path, method="HEAD")
        assert (status, body) == (200, "")
    assert len(nonces) == 2  # a new nonce for every response

    assert serving.stop(signal.SIGINT) == 0  # Ctrl+C
    assert not serving.folder.exists()


def test_listens_on_127_0_0_1_only(serving: Serving, runner: CliRunner) -> None:
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            address, port = local.split(":")
            if state == "0A" and int(port, 16) == serving.port:  # 0A: LISTEN
                listening.add(address)
    assert listening == {"0100007F"}  # 127.0.0.1, and no IPv6 socket
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.2", serving.port), timeout=5)  # also this machine

    # A page elsewhere that points its own name at 127.0.0.1 (DNS rebinding) gets nothing.
    assert serving.get("/", host="forms.example:80")[0] == 403
    assert serving.get("/", host=f"localhost:{serving.port}")[0] == 200

    result = runner.invoke(cli, ["serve", "--help"])
    assert "http://127.0.0.1 only" in result.output and "--host" not in result.output


def test_serves_nothing_outside_the_preview_folder(serving: Serving, project: Path) -> None:
    assert serving.get("/manifest.json")[0] == 200
    (serving.folder / "settings.toml").symlink_to(project / "pyproject.toml")
    (serving.folder / "up").symlink_to(project, target_is_directory=True)
    for path in (
        "/../pyproject.toml",
        "/es/../../pyproject.toml",
        "/%2e%2e/pyproject.toml",
        "/es/..%2f..%2fpyproject.toml",
        "/settings.toml",
        "/up/pyproject.toml",
        "/es/.kyphoplasty.html.tmp",
    ):
        status, _, body = serving.get(path)
        assert status == 404, path
        assert "institution_name" not in body
    assert serving.get("/", method="POST")[0] == 501
    assert serving.get("/", method="DELETE")[0] == 501

    assert serving.stop(signal.SIGTERM) == 0
    assert serving.output().splitlines()[-1] == "stdout: stopped"
    assert not serving.folder.exists()


def test_a_huge_path_or_an_idle_connection_costs_one_answer_not_the_server(
    serving: Serving,
) -> None:
    # Tens of kilobytes in one request: 414. A name too long for the file system: 404.
    assert serving.get("/" + "a" * 40_000)[0] == 414
    assert serving.get("/es/" + "b" * 1_000 + ".html")[0] == 404
    assert serving.get("/" + "%41" * 600)[0] == 404
    # A client that connects and says nothing is disconnected (after 2 s in the tests).
    idle = socket.create_connection(("127.0.0.1", serving.port), timeout=TIMEOUT)
    try:
        assert idle.recv(1024) == b""  # closed by the server, not by this timeout
    finally:
        idle.close()
    status, _, body = serving.get("/es/kyphoplasty.html")
    assert status == 200 and "<html" in body
    assert serving.stop(signal.SIGTERM) == 0
    assert "Traceback" not in serving.output()


def test_rebuilds_what_changed_and_survives_a_broken_catalog(
    serving: Serving, project: Path
) -> None:
    english = serving.folder / "en" / "kyphoplasty.html"
    english_mtime = english.stat().st_mtime_ns
    events = EventStream(serving.port)
    first = events.next_generation()

    _edit_catalog(project, SENTENCE, "Nadie puede prometer el resultado (prueba uno).")
    serving.wait_for_page("/es/kyphoplasty.html", lambda page: "(prueba uno)" in page)
    # Only the Spanish form; "caught up" if the edit came before the watch had started.
    serving.expect(
        "stdout", r"(locales/es/LC_MESSAGES/messages\.po|caught up): rebuilt (es/\S+,? )+\("
    )
    edited = events.next_generation()
    assert edited > first
    assert english.stat().st_mtime_ns == english_mtime  # only the Spanish form was rendered

    # An unterminated string that runs onto the next line: the catalog no longer parses.
    _edit_catalog(project, "(prueba uno).", "(prueba dos).\nno es una línea de catálogo")
    error = serving.expect(
        "stderr", r"locales/es/LC_MESSAGES/messages\.po:\d+: string not closed on its line"
    )[0]
    broken = events.next_generation()
    assert broken > edited
    assert serving.process.poll() is None
    status, _, page = serving.get("/es/kyphoplasty.html")
    assert status == 200
    assert "(prueba uno)" in page and "(prueba dos)" not in page  # the last good form...
    assert 'role="alert"' in page and error in page  # ...under the error
    status, _, page = serving.get("/fr/kyphoplasty.html")
    assert status == 404 and error in page

    _edit_catalog(project, "(prueba dos).\nno es una línea de catálogo", "(prueba tres).")
    serving.wait_for_page(
        "/es/kyphoplasty.html", lambda page: "(prueba tres)" in page and 'role="alert"' not in page
    )
    serving.expect("stdout", r"locales/es/LC_MESSAGES/messages\.po: fixed; rebuilt es/")
    assert events.next_generation() > broken
    assert english.stat().st_mtime_ns == english_mtime
    events.connection.close()

    assert serving.stop(signal.SIGTERM) == 0
    assert not serving.folder.exists()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_a_browser_runs_the_reload_script_and_reloads(serving: Serving, project: Path) -> None:
    # In a thread of its own: Playwright's sync API will not start in a thread whose asyncio
    # loop is running, as the main thread's may be once another module has started a browser.
    with ThreadPoolExecutor(1) as pool:
        console = pool.submit(_reload_in_chromium, serving, project).result()
    assert console == []  # no script or request the policy refused


def _reload_in_chromium(serving: Serving, project: Path) -> list[str]:
    """Open the Spanish form, edit its catalog, wait for the reload; what the console said."""
    from playwright.sync_api import sync_playwright

    console: list[str] = []
    with sync_playwright() as playwright:
        # As root (here and on CI) Chromium runs only without its sandbox.
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            page.on("console", lambda message: console.append(message.text))
            page.goto(f"http://127.0.0.1:{serving.port}/es/kyphoplasty.html")
            with page.expect_event("load", timeout=TIMEOUT * 1000):
                _edit_catalog(project, SENTENCE, "Nadie puede prometer el resultado (navegador).")
            assert "(navegador)" in page.inner_text("body")
        finally:
            browser.close()
    return console


def test_sees_settings_saved_by_renaming_a_new_file_over_the_old(
    serving: Serving, project: Path
) -> None:
    # As many editors save: write a new file, rename it over the old one. Three times: the
    # first may come before the watch starts, and a watch on the file itself would see one
    # rename and nothing after.
    settings = project / "pyproject.toml"
    for name in ("Lakeside Clinic", "Hillside Clinic", "Seaside Clinic"):
        text = settings.read_text("utf-8")
        text = re.sub(r'(?m)^institution_name = ".*"$', f'institution_name = "{name}"', text)
        saved = project / ".pyproject.toml.new"
        saved.write_text(text, "utf-8")
        os.replace(saved, settings)
        serving.wait_for_page("/en/kyphoplasty.html", lambda page, name=name: name in page)
        serving.expect(
            "stdout",
            r"(pyproject\.toml|caught up): rebuilt en/kyphoplasty\.html, en/vertebroplasty\.html,"
            r" es/",
        )
    assert "stdout: pyproject.toml: rebuilt" in serving.output()


def test_usage_errors(runner: CliRunner, project: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(cli, ["--project", str(project), "serve", "--port", str(port)])
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.output

    result = runner.invoke(cli, ["--project", str(project), "serve", "-o", str(project / "build")])
    assert result.exit_code == 2
    assert "serve -o build: choose a folder outside build/" in result.output

    result = runner.invoke(cli, ["--project", str(project), "serve", "-l", "xx"])
    assert result.exit_code == 2
    assert "unknown locale 'xx'" in result.output
