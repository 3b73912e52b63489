"""The text a rendered form shows: for the checks (plain text), and for clinical approval
(its wording, piece by piece, labels and printed CSS text included)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element

from consentgen.render.lockdown import parse_html

_TAG = re.compile(r"<[^>]*>")
_STYLE = re.compile(r"<style\b.*?</style>", re.S)
# Attributes whose text a reader meets: a screen reader's labels, a tooltip, a PDF field's name.
_WORDING_ATTRIBUTES = ("alt", "aria-label", "title", "data-label", "placeholder")
_NOT_SHOWN = {"style", "script", "template"}
_CSS_CONTENT = re.compile(r"\bcontent\s*:\s*([^;{}]*)")


def html_text(html: str) -> str:
    """The text of a rendered form, without markup or its stylesheet."""
    import html as html_module

    return html_module.unescape(_TAG.sub(" ", _STYLE.sub(" ", html)))


def wording(html: str) -> list[str]:
    """What a rendered form says: its title, every piece of text of its body, the text of
    labels and tooltips, each image (by digest), and the text the stylesheet prints (the
    "Page X of Y" of every page); whitespace runs read as one space."""
    tree = parse_html(html)
    pieces = [f"title: {_text(element.text)}" for element in tree.iter("title")]
    body = tree.find("body")
    if body is not None:
        pieces += [piece for piece in _body_wording(body) if piece]
    for style in tree.iter("style"):
        pieces += [f"css: {_text(value)}" for value in _CSS_CONTENT.findall(style.text or "")]
    return pieces


def _body_wording(element: Element) -> Iterator[str]:
    if element.tag in _NOT_SHOWN:
        return
    for name in _WORDING_ATTRIBUTES:
        if value := _text(element.get(name)):
            yield f"{name}: {value}"
    if element.tag == "img" and (source := element.get("src")):
        yield f"img: {hashlib.sha256(source.encode('utf-8')).hexdigest()}"
    yield _text(element.text)
    for child in element:
        yield from _body_wording(child)
        yield _text(child.tail)


def _text(text: str | None) -> str:
    return " ".join((text or "").split())
