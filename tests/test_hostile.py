"""Hostile and broken input: nothing is fetched, nothing hangs, every refusal names its line.

A listener on 127.0.0.1 stands in for the network: whatever a template, stylesheet or catalog
points at, it must receive no request, not even through a redirect.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from consentgen.cli import cli
from consentgen.errors import ConsentgenError
from consentgen.outputs.pdf import PdfWriter, ProjectURLFetcher, RefusedURL
from consentgen.render.forms import FormContext
from consentgen.settings import load_settings

ES_PO = "locales/es/LC_MESSAGES/messages.po"
TEMPLATE = "templates/procedures/kyphoplasty.html.j2"
STYLESHEET = "templates/static/form.css"
ANCHOR = '<section class="section" id="about">'


class Listener:
    """An HTTP server on 127.0.0.1 that records every request; /start redirects to /next."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                listener.requests.append(self.path)
                self.send_response(302 if self.path == "/start" else 200)
                self.send_header("Location", "/next")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    try:
        yield server
    finally:
        server.close()


def test_the_listener_does_record_a_request(listener: Listener) -> None:
    """The other tests' "no request" means something: a real fetch is seen, redirect and all."""
    import urllib.request

    with urllib.request.urlopen(f"{listener.url}/start") as response:
        assert response.status == 200
    assert listener.requests == ["/start", "/next"]


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _insert(path: Path, anchor: str, text: str) -> int:
    """Put text on its own line before anchor's line; returns the new line's number."""
    lines = path.read_text("utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if anchor in line)
    lines.insert(number, text)
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return number + 1


def _build(project: Path, runner: CliRunner, *args: str) -> Result:
    """The kyphoplasty forms built (the attacks are on its template, or on what every form
    shares): another procedure's forms would be built beside a refused one."""
    return runner.invoke(cli, ["--project", str(project), "build", "-p", "kyphoplasty", *args])


def _refused(project: Path, runner: CliRunner, *args: str) -> str:
    """Build, expecting exit 2 with one line on stderr and build/ untouched; return the line."""
    build = project / "build"
    before = _snapshot(build) if build.is_dir() else {}
    result = _build(project, runner, *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert (_snapshot(build) if build.is_dir() else {}) == before
    return lines[0]


@pytest.fixture
def built_en(project: Path, runner: CliRunner) -> Path:
    result = _build(project, runner, "-l", "en")
    assert result.exit_code == 0, result.output
    return project


@pytest.mark.parametrize("fmt", ["pdf", "html"])
def test_a_template_url_is_refused_and_never_fetched(
    built_en: Path, runner: CliRunner, listener: Listener, fmt: str
) -> None:
    url = f"{listener.url}/start"
    line = _insert(built_en / TEMPLATE, ANCHOR, f'<img src="{url}" alt="">')
    message = _refused(built_en, runner, "-l", "en", "-f", fmt, "--force")
    assert message.startswith(f"{TEMPLATE}:{line}: refused URL '{url}'"), message
    assert listener.requests == []


@pytest.mark.parametrize(
    "css",
    [
        "body {{ background: url({url}) }}",
        '@font-face {{ font-family: X; src: url("{url}") }}',
        "@import '{url}';",
        ".logo {{ content: image-set('{url}' 1x) }}",
    ],
)
def test_a_stylesheet_url_is_refused_and_never_fetched(
    project: Path, runner: CliRunner, listener: Listener, css: str
) -> None:
    stylesheet = project / STYLESHEET
    text = stylesheet.read_text("utf-8")
    stylesheet.write_text(css.format(url=f"{listener.url}/start") + "\n" + text, "utf-8")
    message = _refused(project, runner, "-l", "en", "-f", "pdf")
    assert message.startswith(f"{STYLESHEET}:1: refused URL"), message
    assert listener.requests == []


def test_a_translated_url_names_the_catalog_line(
    project: Path, runner: CliRunner, listener: Listener
) -> None:
    """A template that puts a translation where a URL goes: the catalog line is named."""
    _insert(project / TEMPLATE, ANCHOR, '<img alt="" src="{{ _("Map of the hospital") }}">')
    po = project / ES_PO
    url = f"{listener.url}/start"
    po.write_text(
        po.read_text("utf-8") + f'\nmsgid "Map of the hospital"\nmsgstr "{url}"\n', "utf-8"
    )
    line = len(po.read_text("utf-8").splitlines())
    message = _refused(project, runner, "-l", "es", "-f", "pdf")
    assert message.startswith(f"{ES_PO}:{line}: refused URL '{url}'"), message
    assert listener.requests == []


@pytest.mark.parametrize(
    ("markup", "problem"),
    [
        ("<script>fetch('/x')</script>", "<script>: not allowed in a form"),
        ('<iframe src="data:text/html,hi"></iframe>', "<iframe>: not allowed in a form"),
        ('<object data="data:text/plain,x"></object>', "<object>: not allowed in a form"),
        ('<a rel="attachment" href="data:text/plain,secret">x</a>', "forms carry no attachments"),
        ('<link rel="attachment" href="data:text/plain,x">', "<link>: not allowed in a form"),
        ('<p onclick="alert(1)">x</p>', "forms run no scripts"),
        ('<a href="javascript:alert(1)">x</a>', "refused link 'javascript:alert(1)'"),
        # What the red team got past a scanner that read HTML unlike browsers and WeasyPrint:
        # the first of two attributes counts, and comments end where HTML5 says they do.
        ('<meta http-equiv="refresh" http-equiv="x" content="0;url=http://h/">', "refresh"),
        ('<!--><meta http-equiv="refresh" content="0;url=http://h/"><!-- -->', "refresh"),
        ('<a rel="attachment" rel="x" href="data:text/plain,SECRET">x</a>', "attachments"),
        ('<img src="http://h/dup" src="data:," alt="">', "refused URL 'http://h/dup'"),
        ('<!-- --!><img src="http://h/c" alt=""> -->', "refused URL 'http://h/c'"),
        ('<![CDATA[ x><img src="http://h/cd" alt=""> ]]>', "refused URL 'http://h/cd'"),
        ('<svg><style><img src="http://h/s" alt=""></style></svg>', "refused URL 'http://h/s'"),
        ("<style>a{}</ style>{} b{background:url(http://h/st)}</style>", "'http://h/st'"),
        ('<img alt="" src="data:," srcset="http://h/ss 1x">', "refused URL 'http://h/ss'"),
        (
            '<svg><image href="data:,"><set attributeName="href" to="http://h/"/></image></svg>',
            "<set>: not allowed",
        ),
        ('<link rel="stylesheet" href="data:text/css,@import url(http://h/)">', "<link>"),
        ('<a href="java&#9;script:alert(1)">x</a>', "refused link"),
        ('<a href="file:///etc/passwd">x</a>', "refused link 'file:///etc/passwd'"),
        ('<a href="../../pyproject.toml">x</a>', "refused link '../../pyproject.toml'"),
        ('<meta http-equiv="refresh" content="0; url=data:,x">', "not allowed in a form"),
        ('<base href="data:,x">', "<base>: not allowed in a form"),
    ],
)
def test_scripts_frames_and_attachments_are_refused(
    project: Path, runner: CliRunner, markup: str, problem: str
) -> None:
    line = _insert(project / TEMPLATE, ANCHOR, markup)
    message = _refused(project, runner, "-l", "en", "-f", "html")
    assert message.startswith(f"{TEMPLATE}:{line}: "), message
    assert problem in message


def test_the_fetcher_alone_refuses_the_network_files_and_devices(
    project: Path, listener: Listener, tmp_path: Path
) -> None:
    """The second lock, without the scan in front of it."""
    static = project / "templates" / "static"
    (static / "outside").symlink_to(project / "pyproject.toml")
    fetcher = ProjectURLFetcher(static)
    refused = [
        f"{listener.url}/start",
        "https://example.org/",
        "file:///etc/passwd",
        "file:///dev/zero",
        (static / ".." / ".." / "pyproject.toml").as_uri(),
        (static / "outside").as_uri(),
        "ftp://127.0.0.1/x",
    ]
    for url in refused:
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
    assert fetcher.fetch((static / "logo.svg").as_uri()).read().startswith(b"<")
    assert fetcher.fetch("data:text/plain,ok").read() == b"ok"
    assert listener.requests == []

    # WeasyPrint given a page that slipped past the scan: the render fails, nothing is fetched.
    settings = load_settings(project)
    writer = PdfWriter(settings.templates_dir)
    page = f'<html><body><img src="{listener.url}/start" alt=""><p>x</p></body></html>'
    form = FormContext("F-1", "1", "1 January 2026", "2026-01-01T00:00:00Z", "reviewed")
    with pytest.raises(ConsentgenError, match="refused to fetch"):
        writer.write(page, form, "en", "Latn", TEMPLATE, "0" * 64)
    assert listener.requests == []


HOSTILE_MSGSTRS = [
    "<style>@font-face { font-family: Noto Sans; src: url({url}) }</style>Firmas",
    '<link rel="attachment" href="{url}">Firmas',
    '<img src="{url}" alt="">Firmas',
    "</td></tr></table><script>location='{url}'</script>",
    "Firmas\u200f\u200d\u0301 \U0001f58a {url}",  # RLM, ZWJ, a combining mark, an emoji
]


@pytest.mark.parametrize("hostile", HOSTILE_MSGSTRS)
def test_a_hostile_translation_is_inert_text_in_html_and_pdf(
    project: Path, runner: CliRunner, listener: Listener, hostile: str
) -> None:
    po = project / ES_PO
    text = hostile.replace("{url}", f"{listener.url}/start")
    lines = po.read_text("utf-8").splitlines()
    number = lines.index('msgid "Signatures"') + 1
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    lines[number] = f'msgstr "{escaped}"'
    po.write_text("\n".join(lines) + "\n", "utf-8")
    result = _build(project, runner, "-l", "es")
    assert result.exit_code == 0, result.output
    html = (project / "build" / "es" / "kyphoplasty.html").read_text("utf-8")
    from markupsafe import escape

    assert str(escape(text)) in html
    assert "<script>" not in html and "<link rel=" not in html and html.count("<style>") == 1
    pdf = (project / "build" / "es" / "kyphoplasty.pdf").read_bytes()
    assert b"/EmbeddedFiles" not in pdf and b"/FileAttachment" not in pdf
    assert listener.requests == []


@pytest.mark.parametrize(
    "msgstr",
    ["{0.__class__.__mro__}", "{procedure}", "%(secret)s", "%(procedure)s 100%", "%s"],
)
def test_python_formatting_is_never_reached(project: Path, runner: CliRunner, msgstr: str) -> None:
    """A msgstr either renders as the very text it holds or is refused at its line."""
    po = project / ES_PO
    lines = po.read_text("utf-8").splitlines()
    number = lines.index('msgid "Signatures"') + 2
    lines[number - 1] = f'msgstr "{msgstr}"'
    po.write_text("\n".join(lines) + "\n", "utf-8")
    result = _build(project, runner, "-l", "es", "-f", "html")
    if result.exit_code == 0:
        html = (project / "build" / "es" / "kyphoplasty.html").read_text("utf-8")
        assert f">{msgstr}<" in html  # the very text, not what formatting would make of it
    else:
        assert result.exit_code == 2
        assert result.stderr.startswith(f"{ES_PO}:{number}: "), result.stderr


@pytest.mark.parametrize(
    "code", ["../../etc", "es/../../x", "en_US.UTF-8", "xx", "es\x00", "ES", "zh-Hans"]
)
def test_locale_names_are_checked_before_any_path_is_built(
    project: Path, runner: CliRunner, code: str
) -> None:
    for command in (["build", "-l", code], ["update", "-l", code]):
        result = runner.invoke(cli, ["--project", str(project), *command])
        assert result.exit_code == 2, (command, result.output)
        assert "Traceback" not in result.output
    assert not (project / "build").exists()
    assert sorted(p.name for p in (project / "locales").iterdir()) == sorted(
        p.name for p in (Path(__file__).resolve().parent.parent / "locales").iterdir()
    )


# Broken files: exit 2, `path:line: problem`, no traceback, build/ intact.


def _po_lines(project: Path) -> list[str]:
    return (project / ES_PO).read_text("utf-8").splitlines()


def test_a_truncated_catalog_names_its_line(built_en: Path, runner: CliRunner) -> None:
    po = built_en / ES_PO
    text = po.read_text("utf-8")
    cut = text.index('msgid "Signatures"') + len('msgid "Signa')
    po.write_text(text[:cut], "utf-8")
    line = text[:cut].count("\n") + 1
    message = _refused(built_en, runner, "-l", "es", "-l", "en")
    assert message.startswith(f"{ES_PO}:{line}: "), message


def test_a_string_missing_its_closing_quote_is_refused(built_en: Path, runner: CliRunner) -> None:
    """Babel alone would read it with its last letter cut off, and say nothing."""
    po = built_en / ES_PO
    lines = po.read_text("utf-8").splitlines()
    number = lines.index('msgstr "Firmas"') + 1
    lines[number - 1] = 'msgstr "Firmas'
    po.write_text("\n".join(lines) + "\n", "utf-8")
    message = _refused(built_en, runner, "-l", "es", "-l", "en")
    assert message == f'{ES_PO}:{number}: string not closed on its line (a missing ")'


def test_a_runtime_error_in_the_index_template_names_its_line(
    built_en: Path, runner: CliRunner
) -> None:
    index = built_en / "templates" / "index.html.j2"
    line = _insert(index, "<main>", "{{ nothing.here }}")
    (built_en / TEMPLATE).write_text(
        (built_en / TEMPLATE).read_text("utf-8").replace("fluoroscopy", "fluoroscopy!"), "utf-8"
    )
    message = _refused(built_en, runner, "-l", "en", "-f", "html")
    assert message.startswith(f"templates/index.html.j2:{line}: "), message


@pytest.mark.parametrize(
    "header",
    [
        "nplurals=2; plural=(n != 1 ? 0 : );",
        "nplurals=x; plural=n != 1;",
        "plural=__import__('os')",
    ],
)
def test_a_bad_plural_forms_header_names_its_line(
    built_en: Path, runner: CliRunner, header: str
) -> None:
    po = built_en / ES_PO
    lines = po.read_text("utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, 1) if line.startswith('"Plural-Forms:'))
    lines[number - 1] = f'"Plural-Forms: {header}\\n"'
    po.write_text("\n".join(lines) + "\n", "utf-8")
    message = _refused(built_en, runner, "-l", "es", "-l", "en")
    assert message.startswith(f"{ES_PO}:{number}: "), message


def test_a_setting_of_the_wrong_type_names_its_line(built_en: Path, runner: CliRunner) -> None:
    settings = built_en / "pyproject.toml"
    text = settings.read_text("utf-8").replace('page_size = "Letter"', 'render_timeout = "60"')
    settings.write_text(text, "utf-8")
    line = next(i for i, x in enumerate(text.splitlines(), 1) if x.startswith("render_timeout"))
    message = _refused(built_en, runner, "-l", "en")
    assert message == (
        f"pyproject.toml:{line}: render_timeout must be seconds, more than 0 and at most 3600, "
        "not '60'"
    )


def test_a_missing_font_names_its_settings_line(built_en: Path, runner: CliRunner) -> None:
    settings = built_en / "pyproject.toml"
    text = settings.read_text("utf-8") + '\n[tool.consentgen.fonts]\nes = ["No Such Sans"]\n'
    settings.write_text(text, "utf-8")
    line = len(text.splitlines())
    message = _refused(built_en, runner, "-l", "es", "-l", "en")
    assert message.startswith(f"pyproject.toml:{line}: font 'No Such Sans' for locale es"), message


# Bounds: a pathological stylesheet cannot hang a build.


def _build_with_time_limit(project: Path, seconds: int) -> subprocess.CompletedProcess[str]:
    """The English forms built in a process of their own, with render_timeout = seconds."""
    settings = project / "pyproject.toml"
    settings.write_text(
        settings.read_text("utf-8").replace(
            'page_size = "Letter"', f'page_size = "Letter"\nrender_timeout = {seconds}'
        ),
        "utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    return subprocess.run(
        [sys.executable, "-m", "consentgen", "--project", str(project), "build", "-l", "en"]
        + ["-p", "kyphoplasty"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_a_pathological_stylesheet_is_stopped_at_the_time_limit(project: Path) -> None:
    """Every letter broken onto its own 1px line, and a paragraph of 200,000 letters: at least
    200,000 line boxes, each laid out by Pango from what is left of the paragraph. That is
    hours of layout on any machine (the same paragraph without the stylesheet takes a second
    or two here, as the form does), so the limit of 5 s runs out during layout whatever the
    machine's speed."""
    stylesheet = project / STYLESHEET
    stylesheet.write_text(
        stylesheet.read_text("utf-8") + "\np, li { width: 1px; word-break: break-all }\n", "utf-8"
    )
    _insert(project / TEMPLATE, ANCHOR, "<p>{{ 'x' * 200000 }}</p>")
    result = _build_with_time_limit(project, 5)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (
        f"{TEMPLATE}: en: standard form took longer than 5 s to render and was stopped "
        "(render_timeout in pyproject.toml)"
    )
    assert re.fullmatch(
        r"built 0 files, 0 unchanged, 0 up to date, 2 failed in \d+\.\d s\n", result.stdout
    ), result.stdout
    assert not (project / "build" / "en").exists()


def test_a_template_inlines_its_own_static_files_and_nothing_else(
    project: Path, runner: CliRunner
) -> None:
    _insert(project / TEMPLATE, ANCHOR, '<img alt="" src="{{ static_data_url(\'logo.svg\') }}">')
    result = _build(project, runner, "-l", "en", "-f", "html")
    assert result.exit_code == 0, result.output
    html = (project / "build" / "en" / "kyphoplasty.html").read_text("utf-8")
    assert html.count('src="data:image/svg+xml;base64,') == 2  # the header's logo, and this one

    (project / TEMPLATE).write_text(
        (project / TEMPLATE).read_text("utf-8").replace("'logo.svg'", "'../../pyproject.toml'"),
        "utf-8",
    )
    message = _refused(project, runner, "-l", "en", "-f", "html")
    assert message == "templates/static: static_data_url: no file '../../pyproject.toml' here"


def _svg_bomb(name: str, levels: int = 5) -> str:
    """An SVG that draws one square 10**levels times through nested <use> references."""
    groups = "".join(
        f'<g id="{name}{level}">' + f'<use href="#{name}{level - 1}"/>' * 10 + "</g>"
        for level in range(1, levels + 1)
    )
    return (
        f'<svg width="10" height="10"><defs><rect id="{name}0" width="1" height="1"/>'
        f'{groups}</defs><use href="#{name}{levels}"/></svg>'
    )


def test_the_time_limit_holds_inside_svg_images(project: Path) -> None:
    """WeasyPrint swallows every exception while it draws an SVG image, the time limit's too.

    Each image draws one square 10**8 times (a day or more of drawing, on any machine), after a
    second or so of layout here: a limit of 5 s runs out while one is drawn (a single alarm was
    swallowed there, and the form would be written once the drawing was done).
    """
    _insert(project / TEMPLATE, ANCHOR, _svg_bomb("a", 8) + _svg_bomb("b", 8))
    result = _build_with_time_limit(project, 5)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip() == (
        f"{TEMPLATE}: en: standard form took longer than 5 s to render and was stopped "
        "(render_timeout in pyproject.toml)"
    )


def test_a_url_inside_an_svg_image_fails_the_form(
    project: Path, runner: CliRunner, listener: Listener
) -> None:
    """WeasyPrint would draw the image without the refused part, and say nothing."""
    import base64

    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        f'<image href="{listener.url}/start" width="10" height="10"/></svg>'
    )
    data = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    _insert(project / TEMPLATE, ANCHOR, f'<img alt="" src="{data}">')
    message = _refused(project, runner, "-l", "en", "-f", "pdf")
    assert message.startswith(f"{TEMPLATE}: en: refused to fetch '{listener.url}/start'")
    assert listener.requests == []


def test_a_huge_nplurals_is_refused_before_it_takes_the_memory(
    built_en: Path, runner: CliRunner
) -> None:
    po = built_en / ES_PO
    lines = po.read_text("utf-8").split("\n")
    number = next(i for i, line in enumerate(lines, 1) if line.startswith('"Plural-Forms:'))
    lines[number - 1] = '"Plural-Forms: nplurals=100000000; plural=n;\\n"'
    lines += ['msgid "one apple"', 'msgid_plural "%(num)s apples"', 'msgstr[0] "%(num)s"']
    po.write_text("\n".join(lines) + "\n", "utf-8")
    message = _refused(built_en, runner, "-l", "es", "-l", "en")
    assert message == f"{ES_PO}:{number}: Plural-Forms: nplurals must be 1 to 6"


def test_the_index_page_is_held_to_the_same_rules(built_en: Path, runner: CliRunner) -> None:
    index = built_en / "templates" / "index.html.j2"
    line = _insert(index, "<main>", '<meta http-equiv="refresh" content="0;url=http://h/x">')
    message = _refused(built_en, runner, "-l", "en", "-f", "html", "--force")
    assert message == (
        f'templates/index.html.j2:{line}: <meta http-equiv="refresh">: not allowed in a form'
    )
