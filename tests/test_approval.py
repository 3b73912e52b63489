"""Clinical approval of a procedure's source text, end to end, on throwaway copies of the project.

The bundled procedure is never approved: a test clinician approves it in each copy, and only
there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import (
    APPROVER,
    LOCALES,
    REPO,
    REVIEWER,
    approve,
    copy_project,
    hand_made_release,
    pdftotext,
    review,
)
from pypdf import PdfReader

from consentgen.cli import cli
from consentgen.i18n.translations import load_catalog

NOTICE = "Not approved for clinical use"
TEMPLATE = Path("templates/procedures/kyphoplasty.html.j2")
_TRANS = re.compile(r"\{% trans trimmed %\}(.*?)\{% endtrans %\}", re.S)


def _run(runner: CliRunner, project: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, ["--project", str(project), *args])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def _two_locales(project: Path) -> Path:
    """The copy with English and Spanish only, so that `list` and `check` are quick."""
    settings = project / "pyproject.toml"
    text = re.sub(r"locales = \[[^\]]*\]", 'locales = ["en", "es"]', settings.read_text("utf-8"))
    settings.write_text(text, "utf-8")
    return project


def _change_a_sentence(path: Path, after: str = "") -> None:
    """One sentence of the first translatable paragraph after `after`, reworded."""
    text = path.read_text("utf-8")
    start = text.index(after)
    block = next(m for m in _TRANS.finditer(text, start) if "." in m.group(1))
    sentence = block.group(1).replace(".", ", as your doctor will explain.", 1)
    path.write_text(text[: block.start(1)] + sentence + text[block.end(1) :], "utf-8")


def _rename_the_institution(project: Path) -> None:
    settings = project / "pyproject.toml"
    text = settings.read_text("utf-8")
    assert 'institution_name = "Riverside General Hospital"' in text
    settings.write_text(
        text.replace("Riverside General Hospital", "Riverside General Hospital North"), "utf-8"
    )


def _approval_line(runner: CliRunner, project: Path) -> str:
    code, output = _run(runner, project, "list")
    assert code == 0, output
    return next(line for line in output.splitlines() if line.split()[1] == "approval")


# Kyphoplasty's PDFs alone: the other bundled procedure is not approved in these copies.
KYPHOPLASTY = ("-f", "pdf", "-p", "kyphoplasty")


def test_approve_release_change_a_sentence_refused_again(project: Path, runner: CliRunner) -> None:
    code, output = _run(runner, project, "build", "--release", "-l", "en", *KYPHOPLASTY)
    assert code == 1
    assert (
        f"{TEMPLATE}: en: kyphoplasty: source text not approved: no clinician has approved it "
        '(a clinician approves it with `consentgen approve kyphoplasty --by "NAME, ROLE"`)'
    ) in output
    assert not (project / "releases").exists() and not (project / "build").exists()

    code, output = _run(runner, project, "approve", "kyphoplasty", "--by", APPROVER)
    assert code == 0, output
    assert output == (
        "wrote templates/procedures/kyphoplasty.approval.json: kyphoplasty approved by "
        f"{APPROVER}\n"
    )
    record = json.loads((project / "templates/procedures/kyphoplasty.approval.json").read_text())
    assert sorted(record) == [
        "approved_at",
        "approver",
        "fingerprint",
        "form_id",
        "form_version",
        "locale",
        "procedure",
        "variants",
    ]
    assert (record["procedure"], record["approver"], record["locale"]) == (
        "kyphoplasty",
        APPROVER,
        "en",
    )
    assert record["variants"] == ["standard", "large-print"]
    assert (record["form_id"], record["form_version"]) == ("CF-SPINE-014", "1.0")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["approved_at"])
    assert re.fullmatch(r"[0-9a-f]{64}", record["fingerprint"])

    code, output = _run(runner, project, "build", "--release", "-l", "en", *KYPHOPLASTY)
    assert code == 0, output
    ledger = json.loads(next((project / "releases").glob("*.json")).read_text("utf-8"))
    assert [(f["path"], f["translation_status"]) for f in ledger["forms"]] == [
        ("en/kyphoplasty.pdf", "reviewed")
    ]
    pdf = project / "build" / "en" / "kyphoplasty.pdf"
    assert PdfReader(pdf).metadata["/ConsentgenTranslationStatus"] == "reviewed"
    assert NOTICE not in "".join(page.extract_text() for page in PdfReader(pdf).pages)

    # One sentence reworded: the procedure is unapproved again, in every language.
    _change_a_sentence(project / TEMPLATE, "{% block procedure_body %}")
    assert _approval_line(runner, project) == (
        f"kyphoplasty              approval not approved (it changed since {APPROVER} "
        f"approved it at {record['approved_at']})"
    )
    code, output = _run(runner, project, "build", "--release", "-l", "en", *KYPHOPLASTY)
    assert code == 1
    assert output.splitlines()[0] == "release refused:"
    assert (
        f"{TEMPLATE}: en: kyphoplasty: source text not approved: it changed since {APPROVER} "
        f"approved it at {record['approved_at']}"
    ) in output
    assert len(list((project / "releases").glob("*.json"))) == 1

    # A preview shows what the released form would be: unapproved, and saying so.
    code, output = _run(runner, project, "build", "-l", "en", "-f", "html", *KYPHOPLASTY)
    assert code == 0, output
    assert PdfReader(pdf).metadata["/ConsentgenTranslationStatus"] == "unapproved"
    assert NOTICE in pdftotext(pdf, 1)
    html = (project / "build" / "en" / "kyphoplasty.html").read_text("utf-8")
    assert '<meta name="consentgen:translation-status" content="unapproved">' in html
    assert f'<p id="draft-notice-text">{NOTICE}</p>' in html
    manifest = json.loads((project / "build" / "manifest.json").read_text("utf-8"))
    assert {a["translation_status"] for a in manifest["artifacts"]} == {"unapproved"}

    # Approved again as it now reads (and the new sentence extracted): released again.
    assert _run(runner, project, "extract")[0] == 0
    approve(project)
    code, output = _run(runner, project, "build", "--release", "-l", "en", *KYPHOPLASTY)
    assert code == 0, output
    assert "wrote build/en/kyphoplasty.pdf" in output  # the approval alone changed: rendered again
    assert PdfReader(pdf).metadata["/ConsentgenTranslationStatus"] == "reviewed"
    assert len(list((project / "releases").glob("*.json"))) == 2


@pytest.mark.parametrize(
    "change",
    [
        lambda project: _change_a_sentence(project / TEMPLATE, "{% block procedure_body %}"),
        lambda project: _change_a_sentence(
            project / "templates" / "blocks" / "spine-augmentation.html.j2"
        ),
        _rename_the_institution,
    ],
    ids=["template-sentence", "block-sentence", "institution-name"],
)
def test_whatever_changes_the_wording_undoes_the_approval(
    project: Path, runner: CliRunner, change: Callable[[Path], None]
) -> None:
    _two_locales(project)
    approve(project)
    assert _approval_line(runner, project).split()[2] == "approved"
    change(project)
    assert "not approved (it changed since" in _approval_line(runner, project)
    code, output = _run(runner, project, "build", "--release", "-l", "en", "-f", "html")
    assert code == 1 and "kyphoplasty: source text not approved: it changed since" in output


def test_what_changes_no_wording_keeps_the_approval(
    project: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    _two_locales(project)
    approve(project)
    # The stylesheet, a template's layout and comments, the build time, a translation.
    stylesheet = project / "templates" / "static" / "form.css"
    stylesheet.write_text(stylesheet.read_text("utf-8") + "\nh2 { color: #222; }\n", "utf-8")
    template = project / TEMPLATE
    text = template.read_text("utf-8").replace(
        "{% block procedure_body %}", "{% block procedure_body %}\n{# layout only #}\n", 1
    )
    template.write_text(text.replace("{% trans trimmed %}", "{% trans trimmed %}\n   ", 3), "utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1893456000")
    po = project / "locales" / "es" / "LC_MESSAGES" / "messages.po"
    po.write_text(po.read_text("utf-8").replace('msgstr "Sí"', 'msgstr "Sí, acepto"', 1), "utf-8")
    assert _approval_line(runner, project).startswith(
        f"kyphoplasty              approval approved by {APPROVER} ("
    )
    code, output = _run(runner, project, "build", "--release", "-l", "en", "-f", "html")
    assert code == 0, output


def test_list_shows_the_approval_beside_each_locales_review(
    project: Path, runner: CliRunner
) -> None:
    _two_locales(project)
    review(project, "es")
    code, output = _run(runner, project, "list")
    assert code == 0, output
    # Reviewed, but of a procedure no clinician approved: unapproved, the worse status.
    assert output.splitlines() == [
        f"{procedure:<24} {line}"
        for procedure in ("kyphoplasty", "vertebroplasty")
        for line in (
            "approval not approved (no clinician has approved it)",
            "en       100%  unapproved (source language)",
            f"es       100%  unapproved (translation reviewed by {REVIEWER})",
        )
    ]
    approved_at = json.loads(approve(project, "kyphoplasty").read_text("utf-8"))["approved_at"]
    code, output = _run(runner, project, "list")
    assert output.splitlines() == [
        f"kyphoplasty              approval approved by {APPROVER} ({approved_at})",
        "kyphoplasty              en       100%  reviewed (source language)",
        f"kyphoplasty              es       100%  reviewed (by {REVIEWER})",
        "vertebroplasty           approval not approved (no clinician has approved it)",
        "vertebroplasty           en       100%  unapproved (source language)",
        f"vertebroplasty           es       100%  unapproved (translation reviewed by {REVIEWER})",
    ]


def test_a_reviewed_translation_of_an_unapproved_procedure_is_unapproved(
    project: Path, runner: CliRunner
) -> None:
    review(project, "es")
    code, output = _run(runner, project, "build", "-l", "es", "-f", "html", "-f", "pdf")
    assert code == 0, output
    manifest = json.loads((project / "build" / "manifest.json").read_text("utf-8"))
    assert {a["translation_status"] for a in manifest["artifacts"]} == {"unapproved"}
    html = (project / "build" / "es" / "kyphoplasty.html").read_text("utf-8")
    assert '<meta name="consentgen:translation-status" content="unapproved">' in html
    # In the form's language and in the source language.
    spanish = load_catalog(project, "es").translations.gettext(NOTICE)
    assert spanish != NOTICE
    assert f'<p id="draft-notice-text">{spanish}</p>' in html
    assert f'<p lang="en" dir="ltr">{NOTICE}</p>' in html
    pdf = project / "build" / "es" / "kyphoplasty.pdf"
    assert PdfReader(pdf).metadata["/ConsentgenTranslationStatus"] == "unapproved"
    for number, page in enumerate(PdfReader(pdf).pages, 1):
        assert NOTICE in " ".join(page.extract_text().split()), f"page {number}"

    code, output = _run(runner, project, "build", "--release", "-l", "es")
    assert code == 1
    assert output.splitlines() == [
        "release refused:",
        *(
            f"held back: es/{procedure}: the form is unapproved: the {procedure} source text has "
            "no current clinical approval"
            for procedure in ("kyphoplasty", "vertebroplasty")
        ),
    ]
    assert not (project / "releases").exists()


def test_release_ready_releases_only_approved_procedures(project: Path, runner: CliRunner) -> None:
    """Two procedures, one approved: its forms are released, the other's are held back."""
    procedures = project / "templates" / "procedures"
    approve(project, "kyphoplasty")
    code, output = _run(runner, project, "build", "--release-ready", "-l", "en", "-f", "html")
    assert code == 0, output
    assert (
        "held back: en/vertebroplasty: templates/procedures/vertebroplasty.html.j2: en: "
        "vertebroplasty: source text not approved: no clinician has approved it"
    ) in output
    record = json.loads(next((project / "releases").glob("*.json")).read_text("utf-8"))
    assert [f["path"] for f in record["forms"]] == ["en/kyphoplasty.html"]
    assert not (project / "build" / "en" / "vertebroplasty.html").exists()

    (procedures / "kyphoplasty.approval.json").unlink()
    code, output = _run(runner, project, "build", "--release-ready", "-l", "en", "-f", "html")
    assert code == 1 and "nothing is ready to release:" in output


def test_approve_refuses_an_unknown_or_unwritten_procedure(
    project: Path, runner: CliRunner
) -> None:
    code, output = _run(runner, project, "approve", "hip-replacement", "--by", APPROVER)
    assert code == 2
    assert output.splitlines() == [
        "templates/procedures: unknown procedure 'hip-replacement' "
        "(known: kyphoplasty, vertebroplasty)"
    ]
    assert _run(runner, project, "new", "hip-replacement")[0] == 0
    settings = project / "pyproject.toml"
    settings.write_text(
        settings.read_text("utf-8") + "\n[tool.consentgen.procedures.hip-replacement]\n"
        'form_id = "CF-ORTHO-002"\nversion = "0.1"\nrevision_date = 2026-12-01\n',
        "utf-8",
    )
    code, output = _run(runner, project, "approve", "hip-replacement", "--by", APPROVER)
    assert code == 2
    assert re.fullmatch(
        r"templates/procedures/hip-replacement\.html\.j2:\d+: cannot approve: \d+ line\(s\) of "
        r"placeholder text \(TODO\) not yet written\n",
        output,
    ), output
    code, output = _run(runner, project, "approve", "kyphoplasty", "--by", "  ")
    assert code == 2 and output == "approve: --by needs the clinician's name and role\n"
    assert list((project / "templates").rglob("*.approval.json")) == []


def test_the_bundled_procedure_is_not_approved(runner: CliRunner) -> None:
    assert list(REPO.rglob("*.approval.json")) == []
    code, output = _run(runner, REPO, "list")
    assert code == 0, output
    lines = output.splitlines()
    assert [line for line in lines if " approval " in line] == [
        f"{procedure:<24} approval not approved (no clinician has approved it)"
        for procedure in ("kyphoplasty", "vertebroplasty")
    ]
    assert lines[0].startswith("kyphoplasty ")
    assert len(lines) == 2 * (1 + len(LOCALES))
    assert all(" unapproved (" in line for line in lines if " approval " not in line)


def test_verify_says_a_form_released_as_unapproved_is_not_for_clinical_use(
    tmp_path: Path, runner: CliRunner
) -> None:
    """A release never includes an unapproved form; a ledger that says otherwise (an older
    tool, a hand edit) still cannot make one fit for clinical use."""
    project = copy_project(REPO, tmp_path / "project")
    assert _run(runner, project, "build", "-l", "en", "-f", "pdf")[0] == 0
    form = project / "build" / "en" / "kyphoplasty.pdf"
    hand_made_release(project, form, "en", "unapproved")
    code, output = _run(runner, project, "verify", str(form))
    assert code == 1, output
    assert "form: CF-SPINE-014 version 1.0, locale en, status unapproved" in output
    assert output.splitlines()[-1] == (
        "result: NOT RELEASED FOR CLINICAL USE - released as unapproved (its source text had no "
        "clinical approval), not reviewed"
    )
