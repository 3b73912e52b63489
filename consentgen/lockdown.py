"""What a form may load: nothing from outside the project, ever.

Two locks, each enough alone:
- every rendered form is scanned before it is laid out or written: a URL that would be fetched
  (an image, a stylesheet, a font, a frame) must be a data: URL or a #fragment, and a form holds
  no script, attachment, frame, embedded object, <base> or refresh. A form is standalone, so
  its HTML opens the same from disk, the intranet or a USB stick. The refusal names the URL and
  the template or catalog line it came from.
- WeasyPrint's fetcher serves data: URLs and regular files under templates/static, nothing
  else: no network, no redirects, no file outside the project, no device.
"""

from __future__ import annotations

import functools
import html
import stat
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.request import url2pathname

import tinycss2
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from consentgen.config import Settings
from consentgen.errors import InputError, display_path

# Attributes whose URL a browser or WeasyPrint fetches (not <a href>, which is only followed).
_FETCHED = {
    "src",
    "srcset",
    "poster",
    "data",
    "background",
    "action",
    "formaction",
    "xlink:href",
    "codebase",
    "archive",
    "manifest",
    "ping",
}
_FETCHED_HREF = {"link", "image", "use", "feimage", "base"}
_URL_FUNCTIONS = {"url", "src", "image-set"}  # whose string arguments are URLs
_NEVER_IN_A_FORM = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base"}


class RefusedURL(FatalURLFetchingError):  # type: ignore[misc]
    """A form asked for something outside the project: the render stops."""


class ProjectURLFetcher(URLFetcher):  # type: ignore[misc]
    """Serves data: URLs and regular files under the project's templates/static, nothing else."""

    def __init__(self, static_dir: Path) -> None:
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)
        self.static_dir = static_dir.resolve()

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith("file:"):
            path = Path(url2pathname(url.split("?", 1)[0].split("#", 1)[0][len("file:") :]))
            path = path.resolve()  # symlinks too: a link out of static/ is refused
            if path.is_relative_to(self.static_dir) and _is_regular_file(path):
                return URLFetcherResponse(url, path.read_bytes())
        raise RefusedURL(f"refused to fetch {url!r}: forms may use only the project's own files")


def _is_regular_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


class _Scanner(HTMLParser):
    """Collects what a page would fetch, and the elements a form must not hold."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.refused: list[tuple[str, str]] = []  # (text to find its line by, problem)
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in _NEVER_IN_A_FORM:
            self.refused.append((f"<{tag}", f"<{tag}>: not allowed in a form"))
        if "attachment" in values.get("rel", "").lower().split():
            self.refused.append(
                ("attachment", f'<{tag} rel="attachment">: forms carry no attachments')
            )
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.refused.append(("refresh", '<meta http-equiv="refresh">: not allowed in a form'))
        for name, value in values.items():
            if name.startswith("on"):
                self.refused.append((f"{name}=", f"<{tag} {name}>: forms run no scripts"))
            elif name in _FETCHED or (name == "href" and tag in _FETCHED_HREF):
                if name in {"srcset", "archive", "ping"}:
                    self.urls += [part.split()[0] for part in value.split(",") if part.split()]
                else:
                    self.urls.append(value)
            elif name == "style":
                self.urls += css_urls(value, declarations=True)
            if value.strip().lower().startswith("javascript:"):
                self.refused.append(("javascript:", f"<{tag} {name}>: forms run no scripts"))
        self._in_style = tag == "style"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._in_style = False

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.urls += css_urls(data)


@functools.lru_cache(maxsize=256)  # every form of a locale has the same stylesheet
def css_urls(css: str, declarations: bool = False) -> tuple[str, ...]:
    """Every URL a stylesheet (or a style attribute's declarations) would fetch."""
    tokens = (
        tinycss2.parse_blocks_contents(css)
        if declarations
        else tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    )
    return tuple(_urls_in(tokens))


def _urls_in(nodes: Iterable[Any]) -> Iterable[str]:
    for node in nodes:
        kind = getattr(node, "type", None)
        if kind == "url":
            yield node.value
        elif kind == "function" and node.lower_name.removeprefix("-webkit-") in _URL_FUNCTIONS:
            yield from (arg.value for arg in node.arguments if arg.type == "string")
        elif kind == "at-rule" and node.lower_at_keyword == "import":
            yield from (token.value for token in node.prelude if token.type == "string")
        for part in ("prelude", "content", "value", "arguments"):
            children = getattr(node, part, None)
            if isinstance(children, list):
                yield from _urls_in(children)


def check_standalone(page: str, settings: Settings, template: Path, catalog: Path | None) -> None:
    """Refuse a rendered form that would fetch anything, or hold a script, frame or attachment.

    template and catalog are where the form came from: a refusal names the line of either
    that holds the offending text.
    """
    scanner = _Scanner()
    scanner.feed(page)
    scanner.close()
    for url in scanner.urls:
        target = url.strip()
        if target.lower().startswith("data:") or target.startswith("#") or not target:
            continue
        where, line = _origin(target, settings, template, catalog)
        raise InputError(
            where,
            f"refused URL {target!r}: a form loads nothing from outside itself "
            "(inline a file of templates/static with static_data_url)",
            line,
        )
    for needle, problem in scanner.refused:
        where, line = _origin(needle, settings, template, catalog)
        raise InputError(where, problem, line)


def _origin(
    text: str, settings: Settings, template: Path, catalog: Path | None
) -> tuple[str, int | None]:
    """The template or catalog file and line that holds text, or else the form's template."""
    needles = {text, html.escape(text, quote=True), text.replace("&", "&amp;")}
    candidates = [template, *sorted(settings.templates_dir.rglob("*.j2"))]
    candidates += sorted(settings.templates_dir.rglob("*.css"))
    if catalog is not None:
        candidates.append(catalog)
    for path in dict.fromkeys(candidates):
        try:
            lines = path.read_text("utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(lines, 1):
            if any(needle.lower() in line.lower() for needle in needles):
                return display_path(path, settings.root), number
    return display_path(template, settings.root), None
