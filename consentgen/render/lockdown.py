"""What a form may load: nothing from outside the project, ever.

Two locks, each enough alone:
- every rendered form is scanned before it is laid out or written, as the HTML5 parser that
  WeasyPrint and browsers follow reads it (so a duplicated attribute, an odd comment or a
  CDATA section hides nothing): a URL that would be fetched (an image, a stylesheet, a font, a
  frame) must be a data: URL or a #fragment; a link may go only to a #fragment, https:, http:,
  mailto: or tel:; and a form holds no script, event handler, frame, embedded object, <link>,
  <base>, refresh, SVG animation or attachment. A form is standalone, so its HTML opens the
  same from disk, the intranet or a USB stick. The refusal names the URL and the template or
  catalog line it came from.
- WeasyPrint's fetcher (consentgen.outputs.pdf.ProjectURLFetcher) serves data: URLs, regular files
  under templates/static and the configured fonts' files, nothing else: no network, no
  redirects, no file outside the project, no device. Every refusal fails the form, even one
  WeasyPrint would swallow (inside an SVG).

This module does not import WeasyPrint, which is slow to import: an HTML build never needs it.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import tinycss2
import tinyhtml5

from consentgen.errors import InputError, display_path
from consentgen.settings import Settings

# Attributes whose URL a browser or WeasyPrint fetches.
_FETCHED = {
    "src",
    "srcset",
    "imagesrcset",
    "lowsrc",
    "dynsrc",
    "poster",
    "data",
    "background",
    "action",
    "formaction",
    "codebase",
    "archive",
    "manifest",
    "ping",
    "base",  # xml:base
}
_URL_LISTS = {"srcset", "imagesrcset", "archive", "ping"}
_LINKS = {"a", "area"}  # whose href is followed, not fetched
_URL_FUNCTIONS = {"url", "src", "image-set"}  # whose string arguments are URLs
_LINK_SCHEMES = {"https", "http", "mailto", "tel"}
_NEVER_IN_A_FORM = {
    "script",
    "noscript",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "portal",
    "base",
    "link",
    "set",
    "animate",
    "animatemotion",
    "animatetransform",
    "discard",
}
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_IGNORED_IN_URLS = re.compile(r"[\t\n\r]")  # what browsers drop from a URL anywhere in it
# What browsers strip from both ends of a URL: every C0 control (U+0000 to U+001F) and space.
_C0_CONTROL_OR_SPACE = "".join(chr(code) for code in range(0x21))


def url_scheme(url: str) -> str | None:
    """A URL's scheme as a browser reads it: lower case, after dropping what it ignores."""
    match = _SCHEME.match(_IGNORED_IN_URLS.sub("", url).strip(_C0_CONTROL_OR_SPACE))
    return match.group(1).lower() if match else None


def parse_html(page: str) -> Element:
    """A page as the HTML5 parser reads it (the one WeasyPrint uses; browsers follow the same
    algorithm), with HTML elements unnamespaced as in WeasyPrint."""
    root: Element = tinyhtml5.parse(page, namespace_html_elements=False)
    return root


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


def _local(name: str) -> str:
    """A tag or attribute name without its namespace, in lower case."""
    return name.rsplit("}", 1)[-1].lower()


def problems(root: Element, relative_links: bool = False) -> Iterable[tuple[str, str]]:
    """What a page must not hold, each as (text to find its source line by, problem).

    relative_links allows links to other files beside the page (the index links to the forms).
    """
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # a comment or processing instruction: nothing a browser acts on
        tag = _local(element.tag)
        values = {_local(name): value for name, value in element.attrib.items()}
        if tag in _NEVER_IN_A_FORM:
            yield f"<{element.tag.rsplit('}', 1)[-1]}", f"<{tag}>: not allowed in a form"
        if tag == "meta" and values.get("http-equiv", "").strip().lower() == "refresh":
            yield (
                values.get("content", "refresh"),
                '<meta http-equiv="refresh">: not allowed in a form',
            )
        if "attachment" in values.get("rel", "").lower().split():
            yield (
                values.get("href", "attachment"),
                f"<{tag} rel=attachment>: forms carry no attachments",
            )
        if tag == "style":
            for url in css_urls(element.text or ""):
                yield from _fetched(url)
        for name, value in values.items():
            if name.startswith("on"):
                yield f"{name}=", f"<{tag} {name}>: forms run no scripts"
            elif name == "style":
                for url in css_urls(value, declarations=True):
                    yield from _fetched(url)
            elif name in _URL_LISTS:
                for part in value.split(","):
                    if part.split():
                        yield from _fetched(part.split()[0])
            elif name in _FETCHED or (name == "href" and tag not in _LINKS):
                yield from _fetched(value)
            elif name == "href":
                yield from _followed(value, relative_links)


def _fetched(url: str) -> Iterable[tuple[str, str]]:
    target = url.strip()
    if not target or target.startswith("#") or url_scheme(target) == "data":
        return
    yield (
        target,
        (
            f"refused URL {target!r}: a form loads nothing from outside itself "
            "(inline a file of templates/static with static_data_url)"
        ),
    )


def _followed(url: str, relative_links: bool) -> Iterable[tuple[str, str]]:
    target = url.strip()
    scheme = url_scheme(target)
    if target.startswith("#") or scheme in _LINK_SCHEMES:
        return
    if scheme is None and relative_links and not target.startswith(("/", "\\")):
        return
    yield (
        target,
        (
            f"refused link {target!r}: a form links only to #sections, https:, http:, mailto: "
            "or tel:"
        ),
    )


def check_standalone(
    root: Element,
    settings: Settings,
    template: Path,
    catalog: Path | None,
    relative_links: bool = False,
) -> None:
    """Refuse a rendered page (parsed by parse_html) that would fetch or run anything.

    template and catalog are where the page came from: a refusal names the line of either
    that holds the offending text.
    """
    for needle, problem in problems(root, relative_links):
        where, line = _origin(needle, settings, template, catalog)
        raise InputError(where, problem, line)


def _origin(
    text: str, settings: Settings, template: Path, catalog: Path | None
) -> tuple[str, int | None]:
    """The template or catalog file and line that holds text, or else the page's template."""
    needles = {text, html.escape(text, quote=True), text.replace("&", "&amp;")}
    # Written with a character reference in the source (java&#9;script:): its longest part.
    longest = max(re.split(r"[\x00-\x20]", text), key=len)
    if len(longest) >= 4:
        needles.add(longest)
    candidates = [template, *sorted(settings.templates_dir.rglob("*.j2"))]
    candidates += sorted(settings.templates_dir.rglob("*.css"))
    if catalog is not None:
        candidates.append(catalog)
    for path in dict.fromkeys(candidates):
        try:
            lines = path.read_text("utf-8").split("\n")
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(lines, 1):
            if any(needle.lower() in line.lower() for needle in needles):
                return display_path(path, settings.root), number
    return display_path(template, settings.root), None
