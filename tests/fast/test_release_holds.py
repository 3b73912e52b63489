"""What a release holds back, and why: each check problem keeps out the forms it concerns, and
no form that is not reviewed is ever released, whatever the checks said."""

from __future__ import annotations

from pathlib import Path

import pytest

from consentgen.build.release import held_back, hold_back_unready
from consentgen.build.report import BuildReport, BuildRequest
from consentgen.checks.base import Problem
from consentgen.errors import QualityGateFailed
from consentgen.ledger import HeldBack
from consentgen.manifest import Artifact
from consentgen.settings import Settings

PROCEDURES = ["biopsy", "kyphoplasty"]
CODES = ["en", "es", "fr"]
KYPHOPLASTY = "templates/procedures/kyphoplasty.html.j2"


def _pairs(held: list[HeldBack]) -> list[tuple[str, str]]:
    return [(h.procedure, h.locale) for h in held]


@pytest.mark.parametrize(
    ("problem", "pairs"),
    [
        # A translated locale's catalog: that locale's forms, every procedure.
        (
            Problem("locales/es/LC_MESSAGES/messages.po:12", "es", "x"),
            [("biopsy", "es"), ("kyphoplasty", "es")],
        ),
        # A procedure's template, in a translated locale: that procedure in that locale.
        (Problem(KYPHOPLASTY, "fr", "x"), [("kyphoplasty", "fr")]),
        (Problem(f"{KYPHOPLASTY}:7", "fr", "x"), [("kyphoplasty", "fr")]),
        # The source language: every locale's forms.
        (
            Problem(KYPHOPLASTY, "en", "x"),
            [("kyphoplasty", "en"), ("kyphoplasty", "es"), ("kyphoplasty", "fr")],
        ),
        (
            Problem("locales/messages.pot", "en", "x"),
            [(p, c) for p in PROCEDURES for c in CODES],
        ),
        # A locale this release does not build: nothing.
        (Problem("locales/ja/LC_MESSAGES/messages.po", "ja", "x"), []),
        # A path that ends in a digit but has no line is still a path.
        (
            Problem("templates/procedures/kyphoplasty2", "fr", "x"),
            [("biopsy", "fr"), ("kyphoplasty", "fr")],
        ),
    ],
)
def test_each_problem_holds_back_the_forms_it_concerns(
    settings: Settings, problem: Problem, pairs: list[tuple[str, str]]
) -> None:
    held = held_back(settings, [problem], PROCEDURES, CODES)
    assert _pairs(held) == pairs
    assert {h.reason for h in held} <= {problem.line()}


def test_a_form_held_back_twice_for_one_reason_is_named_once(settings: Settings) -> None:
    problem = Problem(f"{KYPHOPLASTY}:3", "fr", "msgstr is empty")
    other = Problem(f"{KYPHOPLASTY}:9", "fr", "another")
    held = held_back(settings, [problem, problem, other], PROCEDURES, CODES)
    assert held == [
        HeldBack("kyphoplasty", "fr", f"{KYPHOPLASTY}:3: fr: msgstr is empty"),
        HeldBack("kyphoplasty", "fr", f"{KYPHOPLASTY}:9: fr: another"),
    ]


def _artifact(path: str, status: str) -> Artifact:
    code, name = path.split("/")
    procedure = name.split(".")[0]
    return Artifact(
        path, procedure, code, name.rsplit(".", 1)[1], "F", "1", status, "0" * 64, 1, "1" * 64
    )


@pytest.fixture
def staged(tmp_path: Path) -> dict[str, tuple[Path | None, Artifact]]:
    """Three forms made by a build: es reviewed, fr draft (its PDF staged, its HTML unchanged on
    disk), and the biopsy unapproved."""
    files = {}
    for path, status, staged_file in [
        ("es/kyphoplasty.pdf", "reviewed", True),
        ("fr/kyphoplasty.pdf", "draft", True),
        ("fr/kyphoplasty.html", "draft", False),
        ("es/biopsy.pdf", "unapproved", True),
    ]:
        temporary = None
        if staged_file:
            temporary = tmp_path / f".{path.replace('/', '-')}.tmp"
            temporary.write_bytes(b"x")
        files[path] = (temporary, _artifact(path, status))
    return files


def test_an_all_or_nothing_release_refuses_a_form_that_is_not_reviewed(
    staged: dict[str, tuple[Path | None, Artifact]],
) -> None:
    report = BuildReport()
    with pytest.raises(QualityGateFailed) as raised:
        hold_back_unready(BuildRequest(release=True), report, staged, {})
    assert raised.value.message == (
        "release refused:\n"
        "held back: es/biopsy: the form is unapproved: the biopsy source text has no current "
        "clinical approval\n"
        "held back: fr/kyphoplasty: the form is draft, not reviewed"
    )
    assert len(staged) == 4 and all(t is None or t.exists() for t, _ in staged.values())


def test_release_what_is_ready_holds_back_the_rest_and_removes_their_files(
    staged: dict[str, tuple[Path | None, Artifact]],
) -> None:
    temporaries = {path: t for path, (t, _) in staged.items()}
    previous = {
        "fr/kyphoplasty.html": _artifact("fr/kyphoplasty.html", "draft"),
        "es/kyphoplasty.html": _artifact("es/kyphoplasty.html", "reviewed"),
    }
    report = BuildReport(skipped=["es/kyphoplasty.html", "fr/kyphoplasty.html"])
    hold_back_unready(BuildRequest(release_ready=True), report, staged, previous)
    assert list(staged) == ["es/kyphoplasty.pdf"]
    assert report.skipped == ["es/kyphoplasty.html"]
    assert report.held_back == [
        HeldBack(
            "biopsy",
            "es",
            "the form is unapproved: the biopsy source text has no current clinical approval",
        ),
        HeldBack("kyphoplasty", "fr", "the form is draft, not reviewed"),
    ]
    assert temporaries["es/kyphoplasty.pdf"].exists()  # type: ignore[union-attr]
    assert not temporaries["fr/kyphoplasty.pdf"].exists()  # type: ignore[union-attr]
    assert not temporaries["es/biopsy.pdf"].exists()  # type: ignore[union-attr]


def test_a_form_up_to_date_but_not_reviewed_is_held_back_too() -> None:
    previous = {"fr/kyphoplasty.pdf": _artifact("fr/kyphoplasty.pdf", "incomplete")}
    report = BuildReport(skipped=["fr/kyphoplasty.pdf"])
    with pytest.raises(QualityGateFailed) as raised:
        hold_back_unready(BuildRequest(release=True), report, {}, previous)
    assert raised.value.message == (
        "release refused:\nheld back: fr/kyphoplasty: the form is incomplete, not reviewed"
    )


def test_a_release_of_reviewed_forms_holds_nothing_back() -> None:
    staged: dict[str, tuple[Path | None, Artifact]] = {
        "es/kyphoplasty.pdf": (None, _artifact("es/kyphoplasty.pdf", "reviewed"))
    }
    report = BuildReport(skipped=["es/kyphoplasty.html"])
    previous = {"es/kyphoplasty.html": _artifact("es/kyphoplasty.html", "reviewed")}
    hold_back_unready(BuildRequest(release=True), report, staged, previous)
    assert list(staged) == ["es/kyphoplasty.pdf"] and report.held_back == []
    assert report.skipped == ["es/kyphoplasty.html"]
