"""Property-based tests (Hypothesis) for what outside translators send in.

- Any Unicode msgstr (bidi controls, joiners, combining marks, emoji, markup, percent signs)
  either renders, escaped, as the very text it is, or is refused at its line; never a crash.
- Random corruptions of a .po file either load or give exit status 2 with `path:line`, never
  a traceback.

The examples are derandomized, so CI runs the same ones every time; set
CONSENTGEN_HYPOTHESIS_EXAMPLES=1000 to explore that many random ones on a workstation.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner
from conftest import REPO, approve, copy_project
from hypothesis import event, example, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from consentgen.cli import cli
from consentgen.errors import InputError
from consentgen.i18n.text_rules import bidi_controls, blank
from consentgen.outputs.pdf import PdfWriter
from consentgen.pipeline import FormMaker
from consentgen.render.forms import RenderedForm
from consentgen.settings import load_settings

ES_PO = "locales/es/LC_MESSAGES/messages.po"
EXPLORE = "CONSENTGEN_HYPOTHESIS_EXAMPLES" in os.environ  # random examples, as many as asked
EXAMPLES = int(os.environ.get("CONSENTGEN_HYPOTHESIS_EXAMPLES", "60"))
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, derandomize=not EXPLORE, database=None)

# What makes translated text hard: bidi controls, joiners, combining marks, emoji and their
# modifiers, markup and formatting characters, line and paragraph separators.
TRICKY = (
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
    "\u200b\u200c\u200d\u2060\ufeff\u0301\u0308\u0651\u093f\u094d"
    "\U0001f58a\U0001f3fd\U0001f468\u200d\U0001f469\ufe0f\u20e3"
    "<>&\"'%{}()\\#;:/\u2028\u2029\n\t"
)
msgstrs = st.text(
    alphabet=st.one_of(
        st.sampled_from(TRICKY), st.characters(codec="utf-8", exclude_categories=("Cs",))
    ),
    min_size=1,
    max_size=40,
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy whose procedure a test clinician approved: a form's status is then its
    translation's own."""
    copy = copy_project(REPO, tmp_path_factory.mktemp("properties") / "project")
    approve(copy)
    return copy


def _with_msgstr(project: Path, msgid: str, text: str) -> None:
    """The Spanish catalog with one translation replaced, written by Babel as a tool would."""
    with (REPO / ES_PO).open("rb") as handle:
        catalog = read_po(handle)
    catalog[msgid].string = text
    with (project / ES_PO).open("wb") as handle:
        write_po(handle, catalog, width=0)


def _spanish_form(project: Path) -> RenderedForm:
    """The Spanish form as a build makes it (its status included), in this process."""
    return FormMaker(load_settings(project)).render("es", "kyphoplasty", "standard")


def _refusal_names_its_line(error: InputError) -> None:
    assert error.path == ES_PO and error.line is not None and error.line > 0, error.message


@PROPERTY
@given(text=msgstrs)
def test_any_msgstr_renders_escaped_or_is_refused_at_its_line(project: Path, text: str) -> None:
    _with_msgstr(project, "Signatures", text)
    try:
        html = _spanish_form(project).html
    except InputError as error:
        event("refused")
        assert "%" in text or bidi_controls(text), f"{text!r} refused: {error.message}"
        _refusal_names_its_line(error)
        return
    if blank(text):  # nothing to see where a heading should be: the source text instead
        event("blank")
        assert "<h2>Signatures</h2>" in html and 'content="incomplete"' in html
        return
    shown = str(escape(text.replace("%%", "%")))
    assert f"<h2>{shown}</h2>" in html


@settings(
    max_examples=max(4, EXAMPLES // 10), deadline=None, derandomize=not EXPLORE, database=None
)
@given(text=msgstrs.filter(lambda t: "%" not in t))
def test_any_msgstr_lays_out_as_a_pdf(project: Path, text: str) -> None:
    _with_msgstr(project, "Signatures", text)
    form = _spanish_form(project)
    writer = PdfWriter(project / "templates")
    pdf = writer.write(
        form.html,
        form.form,
        "es",
        "Latn",
        "kyphoplasty",
        "0" * 64,
    )
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")


PO_BYTES = (REPO / ES_PO).read_bytes()


@dataclass(frozen=True)
class Edit:
    """One corruption of a file: cut it at `at`, or replace `delete` bytes there by `insert`."""

    at: int
    delete: int = 0
    insert: bytes = b""
    truncate: bool = False

    def __call__(self, data: bytes) -> bytes:
        at = min(self.at, len(data))
        if self.truncate:
            return data[:at]
        return data[:at] + self.insert + data[at + self.delete :]


# Bytes that mean something to a .po parser, besides random ones.
PO_SYNTAX = [b'"', b"\\", b"\n", b"msgid ", b'msgstr "', b"#, fuzzy\n", b"%", b"\xff", b"\r"]
positions = st.integers(0, len(PO_BYTES))
corruptions = st.lists(
    st.one_of(
        st.builds(Edit, at=positions, truncate=st.just(True)),
        st.builds(Edit, at=positions, delete=st.integers(1, 40)),
        st.builds(
            Edit,
            at=positions,
            insert=st.one_of(st.binary(min_size=1, max_size=8), st.sampled_from(PO_SYNTAX)),
        ),
        st.builds(Edit, at=positions, delete=st.just(1), insert=st.binary(min_size=1, max_size=1)),
    ),
    min_size=1,
    max_size=3,
)


@PROPERTY
@given(steps=corruptions)
@example(steps=[Edit(at=63, delete=3)])  # found by Hypothesis: the header's text in the error
def test_a_corrupted_catalog_loads_or_names_its_line(project: Path, steps: list[Edit]) -> None:
    data = PO_BYTES
    for edit in steps:
        data = edit(data)
    (project / ES_PO).write_bytes(data)
    result = CliRunner().invoke(
        cli, ["--project", str(project), "build", "-f", "html", "-l", "es", "--force"]
    )
    event(f"exit status {result.exit_code}")
    if result.exit_code == 0:
        return
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    assert re.match(rf"^{re.escape(ES_PO)}:\d+: \S", lines[0]), lines[0]
