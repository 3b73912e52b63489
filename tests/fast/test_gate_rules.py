"""Rules of the release gate pinned exactly: what the lockdown scan refuses and where it says the
offending text is, which forms a release holds back, and the checks' edge cases."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from consentgen.build.release import held_back, hold_back_unready
from consentgen.build.report import BuildReport, BuildRequest
from consentgen.checks import health, markup, placeholders, run_checks, text
from consentgen.checks.base import LocaleUnderCheck, Problem
from consentgen.errors import InputError
from consentgen.i18n.catalogs import load_locale_catalog
from consentgen.ledger import HeldBack, ReleasedForm
from consentgen.locales import form_locale
from consentgen.manifest import Artifact
from consentgen.render.lockdown import check_standalone, css_urls, parse_html, problems
from consentgen.settings import Settings, load_settings
from consentgen.verify.completeness import field_values
from consentgen.verify.records import write_consent
from consentgen.verify.report import VerifyReport
from fast.conftest import PO_HEADER, TEMPLATE, SubjectMaker, write_po
from fast.conftest import SETTINGS as SMALL_SETTINGS
from fast.test_completeness import _edited, _form

# the lockdown scan


def _scan(body: str) -> list[tuple[str, str]]:
    page = f"<!DOCTYPE html><html><head><title>t</title></head><body>{body}</body></html>"
    return list(problems(parse_html(page)))


def test_a_comment_hides_nothing_that_follows_it() -> None:
    assert _scan("<!-- a note --><p>x</p><script>x()</script>") == [
        ("<script", "<script>: not allowed in a form")
    ]


def test_a_meta_without_http_equiv_is_no_refresh() -> None:
    assert _scan('<meta charset="utf-8"><meta name="viewport" content="width=device-width">') == []


def test_a_refresh_without_content_is_found_by_the_word_refresh() -> None:
    assert _scan('<meta http-equiv="refresh">') == [
        ("refresh", '<meta http-equiv="refresh">: not allowed in a form')
    ]


def test_an_attachment_is_found_by_its_href() -> None:
    assert _scan('<a rel="attachment" href="https://h/f.pdf">x</a>') == [
        ("https://h/f.pdf", "<a rel=attachment>: forms carry no attachments")
    ]


def test_an_svg_element_not_allowed_is_found_by_its_name_without_namespace() -> None:
    assert _scan('<svg><animateMotion path="M0 0"/><set to="1"/></svg>') == [
        ("<animateMotion", "<animatemotion>: not allowed in a form"),
        ("<set", "<set>: not allowed in a form"),
    ]


@pytest.mark.parametrize(
    ("css", "urls"),
    [
        ("a { b: cross-fade(url(k.png) 50%, url(l.png)) }", ("k.png", "l.png")),
        ("a { b: image-set(url(n.png) 1x) }", ("n.png",)),
        ("a { b: var(--x, url(v.png)) }", ("v.png",)),
    ],
)
def test_a_url_inside_another_functions_arguments_is_found(css: str, urls: tuple[str, ...]) -> None:
    css_urls.cache_clear()
    assert css_urls(css) == urls


@pytest.fixture
def refresh_project(tmp_path: Path) -> tuple[Settings, Path]:
    (tmp_path / "consentgen.toml").write_text(SMALL_SETTINGS, "utf-8")
    template = tmp_path / TEMPLATE
    template.parent.mkdir(parents=True)
    template.write_text('<h1>Title</h1>\n<p>text</p>\n<meta http-equiv="refresh">\n', "utf-8")
    return load_settings(tmp_path), template


def test_a_refresh_without_content_is_traced_to_its_template_line(
    refresh_project: tuple[Settings, Path],
) -> None:
    settings, template = refresh_project
    with pytest.raises(InputError) as raised:
        check_standalone(parse_html('<meta http-equiv="refresh">'), settings, template, None)
    assert (raised.value.path, raised.value.line) == (TEMPLATE, 3)


# what a release holds back

PROCEDURES = ["biopsy", "kyphoplasty"]
CODES = ["en", "es", "fr"]
KYPHOPLASTY = "templates/procedures/kyphoplasty.html.j2"
FR_PO = "locales/fr/LC_MESSAGES/messages.po"


def _pairs(held: list[HeldBack]) -> list[tuple[str, str]]:
    return [(h.procedure, h.locale) for h in held]


def test_a_where_whose_colon_is_not_followed_by_a_line_is_a_path_as_written(
    settings: Settings,
) -> None:
    """Only a trailing :NUMBER is a line; a colon elsewhere is part of what the problem names,
    which is then no procedure's template: every procedure's form is held back."""
    held = held_back(settings, [Problem(f"{KYPHOPLASTY}:x", "fr", "m")], PROCEDURES, CODES)
    assert _pairs(held) == [("biopsy", "fr"), ("kyphoplasty", "fr")]


def test_only_the_last_colon_number_is_a_line(settings: Settings) -> None:
    held = held_back(settings, [Problem(f"{KYPHOPLASTY}:x:7", "fr", "m")], PROCEDURES, CODES)
    assert _pairs(held) == [("biopsy", "fr"), ("kyphoplasty", "fr")]


def test_a_problem_of_a_procedure_not_released_does_not_stop_the_next(
    settings: Settings,
) -> None:
    problems_found = [Problem(f"{KYPHOPLASTY}:3", "fr", "m"), Problem(FR_PO, "fr", "n")]
    held = held_back(settings, problems_found, ["biopsy"], CODES)
    assert held == [HeldBack("biopsy", "fr", f"{FR_PO}: fr: n")]


def test_a_problem_of_a_locale_not_released_does_not_stop_the_next(settings: Settings) -> None:
    ja = Problem("locales/ja/LC_MESSAGES/messages.po", "ja", "m")
    held = held_back(settings, [ja, Problem(FR_PO, "fr", "n")], PROCEDURES, CODES)
    assert _pairs(held) == [("biopsy", "fr"), ("kyphoplasty", "fr")]


def _artifact(path: str, status: str) -> Artifact:
    code, name = path.split("/")
    return Artifact(
        path, name.split(".")[0], code, name.rsplit(".", 1)[1], "F", "1", status, "0" * 64, 1, "1"
    )


def test_forms_not_reviewed_are_held_back_beside_those_the_checks_held_back(
    tmp_path: Path,
) -> None:
    by_check = HeldBack("kyphoplasty", "es", f"{KYPHOPLASTY}:3: es: m")
    report = BuildReport(held_back=[by_check])
    staged: dict[str, tuple[Path | None, Artifact]] = {
        "fr/kyphoplasty.pdf": (None, _artifact("fr/kyphoplasty.pdf", "draft"))
    }
    hold_back_unready(BuildRequest(release_ready=True), report, staged, {})
    assert report.held_back == [
        by_check,
        HeldBack("kyphoplasty", "fr", "the form is draft, not reviewed"),
    ]
    assert staged == {}


def test_a_held_back_form_whose_staged_file_is_already_gone_is_still_held_back(
    tmp_path: Path,
) -> None:
    gone = tmp_path / ".fr-kyphoplasty.pdf.tmp"
    staged: dict[str, tuple[Path | None, Artifact]] = {
        "fr/kyphoplasty.pdf": (gone, _artifact("fr/kyphoplasty.pdf", "draft"))
    }
    report = BuildReport()
    hold_back_unready(BuildRequest(release_ready=True), report, staged, {})
    assert staged == {} and not gone.exists()
    assert report.held_back == [HeldBack("kyphoplasty", "fr", "the form is draft, not reviewed")]


# the checks

ES_PO = "locales/es/LC_MESSAGES/messages.po"


def test_only_the_first_lines_empty_msgid_is_the_header(
    small_project: Path, make_subject: SubjectMaker, settings: Settings
) -> None:
    """An empty msgid further down (two catalogs run together) is an entry like any other."""
    po = write_po(small_project, "es", 'msgid "Yes"\nmsgstr "Sí"\n')
    subject = make_subject("es")
    po.write_text(PO_HEADER + 'msgid ""\nmsgstr "a"\n\nmsgid ""\nmsgstr "b"\n', "utf-8")
    assert health.check(settings, subject) == [
        Problem(f"{ES_PO}:8", "es", "duplicate msgid (first at line 5)")
    ]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("nplurals=2 plural=(n != 1);", "Plural-Forms is not valid: 'nplurals=2 plural=(n != 1);'"),
        (
            "nplurals=4; plural=(n==1 ? 0 : n==2 ? 1 : n==3 ? 2 : 3);",
            "Plural-Forms says nplurals=4; es has 2 or 3 (`consentgen update` repairs it)",
        ),
    ],
)
def test_a_bad_plural_header_is_a_problem_of_its_locale(
    small_project: Path,
    make_subject: SubjectMaker,
    settings: Settings,
    header: str,
    message: str,
) -> None:
    po = write_po(small_project, "es", 'msgid "Yes"\nmsgstr "Sí"\n')
    subject = make_subject("es")
    po.write_text(po.read_text("utf-8").replace("nplurals=2; plural=(n != 1);", header), "utf-8")
    assert health.check(settings, subject) == [Problem(f"{ES_PO}:4", "es", message)]


def test_a_url_ending_a_singular_msgid_is_the_msgids_own(
    small_project: Path, make_subject: SubjectMaker, settings: Settings
) -> None:
    write_po(
        small_project,
        "es",
        'msgid "See https://h/a"\nmsgid_plural "See them"\n'
        'msgstr[0] "Vea https://h/a"\nmsgstr[1] "Véalos"\n',
    )
    assert markup.check(settings, make_subject("es")) == []


def test_the_catalog_header_is_no_translation_to_hold_to_its_msgid(
    small_project: Path, make_subject: SubjectMaker, settings: Settings
) -> None:
    po = write_po(small_project, "es", 'msgid "Yes"\nmsgstr "Sí"\n')
    po.write_text(PO_HEADER + '"Language-Team: {team}\\n"\n\nmsgid "Yes"\nmsgstr "Sí"\n', "utf-8")
    assert placeholders.check(settings, make_subject("es")) == []


def test_number_words_are_read_in_a_regional_english_source(tmp_path: Path) -> None:
    (tmp_path / "consentgen.toml").write_text(
        SMALL_SETTINGS.replace(
            'locales = ["en", "es", "fr"]', 'default_locale = "en_GB"\nlocales = ["en_GB", "es"]'
        ),
        "utf-8",
    )
    write_po(tmp_path, "es", 'msgid "Rest for two weeks."\nmsgstr "Descanse 2 semanas."\n')
    settings = load_settings(tmp_path)
    subject = LocaleUnderCheck(
        form_locale("es", "en_GB", settings.fonts),
        load_locale_catalog(settings, "es", strict=False),
        {},
        {},
    )
    assert text.check(settings, subject) == []


def test_a_form_exactly_at_the_length_bound_has_not_run_away(
    make_subject: SubjectMaker, settings: Settings
) -> None:
    source = {"kyphoplasty": "<p>one two</p>"}
    at_bound = make_subject("es", forms={"kyphoplasty": "<p>a b c d e</p>"}, source_forms=source)
    assert text.check(settings, at_bound) == []
    past = make_subject("es", forms={"kyphoplasty": "<p>a b c d e f</p>"}, source_forms=source)
    assert text.check(settings, past) == [
        Problem(
            TEMPLATE,
            "es",
            "the kyphoplasty form's text is 3.0 times as long as the source language's (at most "
            "2.5): a translation has run away",
        )
    ]


def test_numbers_dropped_or_added_are_listed_comma_separated() -> None:
    assert text.message_problems(("Take 2 or 3 pills.",), "Tome pastillas.", frozenset(), "en") == [
        "msgstr drops the number(s) 2, 3 of its msgid"
    ]
    assert text.message_problems(("Take pills.",), "Tome 2 o 3 pastillas.", frozenset(), "en") == [
        "msgstr states number(s) 2, 3 that its msgid does not"
    ]


def test_a_runaway_string_is_measured_against_the_msgid_and_its_plural_joined_by_a_space() -> None:
    # "a b": 3 characters, so at most 3 * 3 + 40 = 49.
    assert text.message_problems(("a", "b"), "x" * 49, frozenset(), "en") == []
    assert text.message_problems(("a", "b"), "x" * 50, frozenset(), "en") == [
        "msgstr is 17 times as long as its msgid (50 characters for 3): a translation has run away"
    ]
    assert text.message_problems(("a",), "x" * 50, frozenset(), "en") == [
        "msgstr is 50 times as long as its msgid (50 characters for 1): a translation has run away"
    ]


def test_the_runner_gives_the_checks_each_procedures_approval(small_project: Path) -> None:
    (small_project / "templates" / "static").mkdir()
    (small_project / "templates" / "static" / "form.css").write_text("", "utf-8")
    found = run_checks(load_settings(small_project), ["en"])
    assert [p for p in found if p.check == "approval"] == [
        Problem(
            TEMPLATE,
            "en",
            "kyphoplasty: source text not approved: no clinician has approved it (a clinician "
            'approves it with `consentgen approve kyphoplasty --by "NAME, ROLE"`)',
            "approval",
        )
    ]


# verify: the values of a returned form, and its Consent record


def test_a_box_with_neither_value_nor_appearance_is_not_ticked() -> None:
    data = _edited(_form(), {"biopsy_yes": {"/V": None, "/AS": None}})
    values = field_values(PdfFileReader(io.BytesIO(data)))
    assert values["biopsy_yes"] == ""


@pytest.fixture
def far_from_utc() -> Iterator[None]:
    """The process's local time 14 hours ahead of UTC, as on Kiribati's Line Islands."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Etc/GMT-14"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def test_a_consent_nobody_named_or_timed_is_recorded_now_in_utc(
    tmp_path: Path, far_from_utc: None
) -> None:
    released = ReleasedForm(
        "en/kyphoplasty.pdf", "kyphoplasty", "en", "pdf", "CF-1", "1.0", "reviewed", "0" * 64, 9
    )
    report = VerifyReport({}, released=released)
    assert report.verified
    pdf = tmp_path / "returned.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    out = tmp_path / "consent.json"
    write_consent(report, pdf, out, "Riverside General Hospital")
    bundle = json.loads(out.read_bytes())
    consent = bundle["entry"][0]["resource"]
    assert consent["patient"]["display"] == "the patient named on the form"
    assert "performer" not in consent and "dateTime" not in consent
    recorded = dt.datetime.strptime(bundle["timestamp"], "%Y-%m-%dT%H:%M:%SZ")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert abs((now - recorded).total_seconds()) < 60


def test_the_runner_checks_the_standard_variant_of_every_form(small_project: Path) -> None:
    """A risk the standard form lists and the large-print one does not: the checks see it in
    both languages, so nothing is missing."""
    (small_project / "templates" / "static").mkdir()
    (small_project / "templates" / "static" / "form.css").write_text("", "utf-8")
    (small_project / TEMPLATE).write_text(
        "<h1>{{ _('Kyphoplasty') }}</h1>\n{% if variant == 'standard' %}"
        "<ul><li data-risk=\"bleeding\">{{ _('Bleeding') }}</li></ul>{% endif %}\n",
        "utf-8",
    )
    write_po(small_project, "es", 'msgid "Bleeding"\nmsgstr "Sangrado"\n')
    found = run_checks(load_settings(small_project), ["es"])
    assert [p for p in found if p.check == "parity"] == []


def test_a_context_written_over_several_lines_is_read_whole(
    small_project: Path, make_subject: SubjectMaker, settings: Settings
) -> None:
    """Babel wraps a long msgctxt as it wraps a long msgid: one msgid under two such contexts is
    two messages, not a duplicate; under the same one twice, it is."""
    po = write_po(small_project, "es", 'msgid "Yes"\nmsgstr "Sí"\n')
    subject = make_subject("es")
    entries = [
        'msgctxt ""\n"consent statement, a long context "\n"one"\nmsgid "Yes"\nmsgstr "Sí"\n',
        'msgctxt ""\n"consent statement, a long context "\n"two"\nmsgid "Yes"\nmsgstr "Sí"\n',
        'msgctxt ""\n"consent statement, a long context "\n"one"\nmsgid "Yes"\nmsgstr "Sí"\n',
    ]
    po.write_text(PO_HEADER + "\n" + "\n".join(entries), "utf-8")
    assert health.check(settings, subject) == [
        Problem(f"{ES_PO}:21", "es", "duplicate msgid (first at line 9)")
    ]


def test_a_string_continued_to_the_last_line_of_the_file_is_read_whole() -> None:
    """A file cut short after a msgid's continuation: read to its end, and no further."""
    lines = ['msgctxt "a"', '"b"', 'msgid "c"', '"d"']
    assert health._entries(lines) == [(3, '"a""b"', '"c""d"')]
