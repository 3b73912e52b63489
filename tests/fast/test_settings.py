"""Settings, checked whole: every problem on its own file and line, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from consentgen.errors import InputErrors
from consentgen.settings import load_settings, select_locales
from consentgen.settings_file import add_locale, line_of

MINIMAL = """institution_name = "Clinic"
hospital_phone_day = "555-0100"
hospital_phone_night = "555-0101"
locales = ["en", "es"]

[procedures.kyphoplasty]
form_id = "CF-1"
version = "1.0"
revision_date = 2026-01-01
"""


def _project(tmp_path: Path, text: str) -> Path:
    (tmp_path / "consentgen.toml").write_text(text, "utf-8")
    return tmp_path


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(InputErrors) as raised:
        load_settings(_project(tmp_path, text))
    return [error.message for error in raised.value.errors]


def test_a_minimal_project_loads_with_its_defaults(tmp_path: Path) -> None:
    settings = load_settings(_project(tmp_path, MINIMAL))
    assert settings.emergency_number == "911" and settings.page_size == "Letter"
    assert settings.locales == ("en", "es") and settings.variants == ("standard",)
    assert settings.procedures["kyphoplasty"].version == "1.0"
    assert select_locales(settings, ()) == ["en", "es"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('page_size = "B5"', 'consentgen.toml:5: page_size must be "Letter" or "A4", not \'B5\''),
        ("max_grade = -1", "consentgen.toml:5: max_grade must be a positive number, not -1"),
        (
            'render_timeout = "60"',
            "consentgen.toml:5: render_timeout must be seconds, more than 0 and at most 3600, "
            "not '60'",
        ),
        (
            "verify_max_mb = 5000",
            "consentgen.toml:5: verify_max_mb must be megabytes, more than 0 and at most 4096, "
            "not 5000",
        ),
        (
            "source_role_names = 1",
            "consentgen.toml:5: source_role_names must be true or false, not 1",
        ),
        (
            'variants = ["tiny"]',
            "consentgen.toml:5: variants must be a list of standard, large-print, bilingual, "
            "not ['tiny']",
        ),
        (
            "emergency_number = 911",
            'consentgen.toml:5: emergency_number must be a phone number in quotes ("0800 ..." '
            "keeps its 0), not 911",
        ),
        ('colour = "blue"', "consentgen.toml:5: unknown setting 'colour'"),
    ],
)
def test_a_wrong_value_is_named_at_its_line(tmp_path: Path, line: str, message: str) -> None:
    found = _problems(tmp_path, MINIMAL.replace("\n\n[procedures", f"\n{line}\n\n[procedures"))
    # The inserted line is the fifth.
    assert len(found) == 1 and found[0].startswith(message), found


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = MINIMAL.replace('locales = ["en", "es"]', 'locales = "en"\npage_size = "B5"')
    text = text.replace('form_id = "CF-1"', 'form_id = "CF 1"')
    found = _problems(tmp_path, text)
    assert len(found) == 3, found
    assert {f.split(":")[1] for f in found} == {"4", "5", "8"}


def test_a_key_is_found_in_its_own_table(tmp_path: Path) -> None:
    text = '[tool.consentgen]\nx = 1\n[tool.consentgen.same_as_source]\nes = ["No"]\n'
    text += '[tool.consentgen.fonts]\nes = ["Noto Sans"]\n'
    assert line_of(text, "fonts.es") == 6
    assert line_of(text, "same_as_source.es") == 4


def test_adding_a_locale_keeps_the_file_as_it_was_but_for_it(tmp_path: Path) -> None:
    path = _project(
        tmp_path,
        MINIMAL.replace('locales = ["en", "es"]', 'locales = [\n  "en",  # the source\n  "es",\n]'),
    )
    before = path.joinpath("consentgen.toml").read_text("utf-8")
    assert add_locale(path / "consentgen.toml", "de")
    after = path.joinpath("consentgen.toml").read_text("utf-8")
    assert after == before.replace('  "es",\n]', '  "es", "de",\n]')
    assert load_settings(path).locales == ("en", "es", "de")
