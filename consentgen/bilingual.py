"""Bilingual forms: the source language and the patient's language, section by section.

Both languages are rendered in full, then each section of the patient's form is paired with
the same section in the source language: side by side for two left-to-right languages, stacked
where side by side would not fit (right-to-left or CJK text beside Latin). The patient's text
keeps the markup contract (data-* ids, fill-in lines); the source copy is marked as such, so
every id still appears once and fields lie only over the patient's lines.
"""

from __future__ import annotations

import re

from markupsafe import escape

from consentgen.locales import FormLocale

_SECTION_OPEN = re.compile(r'<section class="section[^"]*" id="(?P<id>[^"]+)"[^>]*>')
_TAG = re.compile(r"</?section\b[^>]*>")
# Section ids that stay in the patient's language only: the signatures hold the form's fields.
UNPAIRED = {"signatures"}


def top_level_sections(html: str) -> dict[str, tuple[int, int]]:
    """Each top-level `<section class="section">`: its id and (start, end) offsets."""
    found: dict[str, tuple[int, int]] = {}
    for match in _SECTION_OPEN.finditer(html):
        if any(start < match.start() < end for start, end in found.values()):
            continue  # nested in a section already found
        depth = 0
        for tag in _TAG.finditer(html, match.start()):
            depth += -1 if tag.group().startswith("</") else 1
            if depth == 0:
                found[match["id"]] = (match.start(), tag.end())
                break
    return found


def _as_source_copy(section: str) -> str:
    """The source-language copy of a section: ids and fields renamed, so they stay unique."""
    section = re.sub(r'\bid="', 'id="source-', section)
    section = re.sub(
        r'\bdata-(risk|benefit|step|alternative|signature)="', r'data-source-\1="', section
    )
    section = re.sub(r'\s(data-field|data-label)="[^"]*"', "", section)
    return section


def compose(target_html: str, source_html: str, target: FormLocale, source: FormLocale) -> str:
    """The bilingual form: the patient's form with each section paired with the source's."""
    stacked = target.direction == "rtl" or target.script in {"Hans", "Hant", "Jpan", "Kore"}
    layout = "stacked" if stacked else "side-by-side"
    source_sections = top_level_sections(source_html)
    pieces: list[str] = []
    position = 0
    for ident, (start, end) in sorted(
        top_level_sections(target_html).items(), key=lambda item: item[1][0]
    ):
        pieces.append(target_html[position:start])
        section = target_html[start:end]
        if ident in UNPAIRED or ident not in source_sections:
            pieces.append(section)
        else:
            s_start, s_end = source_sections[ident]
            copy = _as_source_copy(source_html[s_start:s_end])
            pieces.append(
                f'<div class="bilingual-pair {layout}" data-section="{escape(ident)}">'
                f'<div class="pair-target">{section}</div>'
                f'<div class="pair-source" lang="{source.bcp47}" dir="{source.direction}">'
                f"{copy}</div></div>"
            )
        position = end
    pieces.append(target_html[position:])
    html = "".join(pieces)
    html = html.replace('class="variant-standard"', 'class="variant-bilingual"', 1)
    html = html.replace(
        '<meta name="consentgen:variant" content="standard">',
        '<meta name="consentgen:variant" content="bilingual">',
        1,
    )
    # The title in both languages. Both are already-escaped HTML from our own renders: join
    # them as plain strings.
    source_title = re.search(r"<h1>(.*?)</h1>", source_html, re.S)
    if source_title:
        addition = (
            f'<span class="title-source" lang="{source.bcp47}" dir="{source.direction}">'
            f"{source_title.group(1)}</span>"
        )
        html = re.sub(
            r"(<h1>.*?)(</h1>)",
            lambda m: m.group(1) + addition + m.group(2),
            html,
            count=1,
            flags=re.S,
        )
    return html
