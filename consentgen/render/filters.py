"""Jinja filters and helpers every form uses: CSS strings, text in another language, phone
numbers, files inlined as data: URLs."""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path

from markupsafe import Markup

from consentgen.locales import FormLocale

# Stand-ins for CSS counters: a translator writes "Page %(page)s of %(pages)s" in any order.
PAGE_COUNTER = "\ue000"
PAGES_COUNTER = "\ue001"


def css_string(text: str) -> str:
    """A CSS string literal that cannot end the string, the rule or the <style> element."""
    out = []
    for char in text:
        if char.isalnum() or char in " .,:;-_()/'!?" and char not in '<>&"\\':
            out.append(char)
        else:
            out.append(f"\\{ord(char):06x}")
    return '"' + "".join(out) + '"'


def css_counter_string(translated: Markup | str) -> Markup:
    """Turn a translated "Page %(page)s of %(pages)s" into a CSS content value with counters."""
    text = translated.unescape() if isinstance(translated, Markup) else translated
    parts: list[str] = []
    piece = ""
    for char in text:
        if char in (PAGE_COUNTER, PAGES_COUNTER):
            if piece:
                parts.append(css_string(piece))
            parts.append("counter(page)" if char == PAGE_COUNTER else "counter(pages)")
            piece = ""
        else:
            piece += char
    if piece:
        parts.append(css_string(piece))
    return Markup(" ".join(parts) or '""')


def isolate(text: str, locale: FormLocale) -> Markup:
    """Text in another language inside a form: marked, so bidi keeps it whole and in order."""
    return Markup('<span lang="{}" dir="{}">{}</span>').format(locale.bcp47, locale.direction, text)


def phone_number(number: str, locale: FormLocale) -> Markup:
    """A phone number inside a form: kept left to right and on one line, in any language."""
    return Markup('<span class="phone" lang="{}" dir="ltr">{}</span>').format(locale.bcp47, number)


def css_font_stack(families: tuple[str, ...]) -> Markup:
    """A font-family value, each family a quoted CSS string."""
    return Markup(", ".join(css_string(family) for family in families) + ", sans-serif")


def data_url(path: Path) -> str:
    """Inline a project file, so the HTML opens from disk with no server and no network."""
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"
