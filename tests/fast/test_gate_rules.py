"""Rules of the release gate pinned exactly: what the lockdown scan refuses and where it says the
offending text is, which forms a release holds back, and the checks' edge cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from consentgen.build.release import held_back, hold_back_unready
from consentgen.build.report import BuildReport, BuildRequest
from consentgen.checks.base import Problem
from consentgen.errors import InputError
from consentgen.ledger import HeldBack
from consentgen.manifest import Artifact
from consentgen.render.lockdown import check_standalone, css_urls, parse_html, problems
from consentgen.settings import Settings, load_settings
from fast.conftest import SETTINGS as SMALL_SETTINGS
from fast.conftest import TEMPLATE

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
