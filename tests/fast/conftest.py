"""A small forms project on disk, and the locale a check looks at, made from a few lines of
HTML and PO text: the checks run on them without rendering anything."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from consentgen.approval import ApprovalState
from consentgen.checks.base import LocaleUnderCheck
from consentgen.i18n.catalogs import load_locale_catalog
from consentgen.locales import form_locale
from consentgen.settings import Settings, load_settings

SETTINGS = """institution_name = "Riverside Clinic"
hospital_phone_day = "555-0100"
hospital_phone_night = "555-0101"
locales = ["en", "es", "fr"]

[same_as_source]
es = ["No"]

[procedures.kyphoplasty]
form_id = "CF-1"
version = "1.0"
revision_date = 2026-01-01
"""
PO_HEADER = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"
"""
TEMPLATE = "templates/procedures/kyphoplasty.html.j2"


def line_of(path: Path, text: str) -> int:
    """The number of the first line of a file that is text."""
    return path.read_text("utf-8").split("\n").index(text) + 1


def write_po(project: Path, code: str, entries: str) -> Path:
    """A locale's catalog: the header, then entries as written in a .po file."""
    po = project / "locales" / code / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True, exist_ok=True)
    po.write_text(PO_HEADER + "\n" + entries, "utf-8")
    return po


@pytest.fixture
def small_project(tmp_path: Path) -> Path:
    """A project of one procedure in English, Spanish and French, with empty catalogs."""
    (tmp_path / "consentgen.toml").write_text(SETTINGS, "utf-8")
    template = tmp_path / TEMPLATE
    template.parent.mkdir(parents=True)
    template.write_text("<h1>{{ _('Kyphoplasty') }}</h1>\n", "utf-8")
    for code in ("es", "fr"):
        write_po(tmp_path, code, "")
    return tmp_path


SubjectMaker = Callable[..., LocaleUnderCheck]


@pytest.fixture
def make_subject(small_project: Path) -> SubjectMaker:
    """What a check looks at for one locale: its catalog as on disk, and the given forms."""

    def make(
        code: str,
        forms: dict[str, str] | None = None,
        source_forms: dict[str, str] | None = None,
        untranslated: dict[str, set[str]] | None = None,
        approvals: dict[str, ApprovalState] | None = None,
    ) -> LocaleUnderCheck:
        settings = load_settings(small_project)
        return LocaleUnderCheck(
            form_locale(code, settings.default_locale, settings.fonts),
            load_locale_catalog(settings, code, strict=False),
            forms or {},
            source_forms or {},
            untranslated or {},
            approvals or {},
        )

    return make


@pytest.fixture
def settings(small_project: Path) -> Settings:
    """The small project's settings."""
    return load_settings(small_project)
