"""What each form says, word for word, in every locale: the text of every procedure's standard
form is compared with tests/golden/text/<procedure>-<locale>.txt. Moving content between
templates (into shared blocks, say) must change no word; a change meant to change the wording
refreshes the files with `make golden` (CONSENTGEN_UPDATE_GOLDEN=1), to be read before commit."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import LOCALES, REPO

from consentgen.pipeline import FormMaker
from consentgen.render.text import html_text
from consentgen.settings import load_settings

GOLDEN = Path(__file__).resolve().parent / "golden" / "text"
SETTINGS = load_settings(REPO)
MAKER = FormMaker(SETTINGS)


def form_text(procedure: str, locale: str) -> str:
    """The text a form shows, one line a block of the page (headings, paragraphs, items)."""
    html = MAKER.render(locale, procedure, "standard").html
    body = re.sub(r"</?(span|strong|em|bdi)\b[^>]*>", "", html[html.index("<body") :])  # inline
    for tag in ("</h1>", "</h2>", "</h3>", "</p>", "</li>", "</tr>", "</section>"):
        body = body.replace(tag, tag + "\n")
    lines = (" ".join(line.split()) for line in html_text(body).split("\n"))
    return "\n".join(line for line in lines if line) + "\n"


@pytest.mark.parametrize("procedure", sorted(SETTINGS.procedures))
@pytest.mark.parametrize("locale", LOCALES)
def test_each_form_says_exactly_its_golden_text(procedure: str, locale: str) -> None:
    golden = GOLDEN / f"{procedure}-{locale}.txt"
    text = form_text(procedure, locale)
    if os.environ.get("CONSENTGEN_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, "utf-8")
        pytest.skip(f"golden {golden.name} rewritten (CONSENTGEN_UPDATE_GOLDEN=1)")
    assert golden.is_file(), f"no {golden} (make golden writes it)"
    assert text == golden.read_text("utf-8")
