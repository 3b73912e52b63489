"""Translation review and the release gate, on throwaway copies of the project (the shipped
catalogs are drafts and are never signed off, and the shipped procedure is never approved)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner
from conftest import approve, fill_untranslated

from consentgen.cli import cli

ES_PO = Path("locales/es/LC_MESSAGES/messages.po")


def _run(runner: CliRunner, project: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(cli, ["--project", str(project), *args])


def _retranslate(po: Path, msgid: str, msgstr: str) -> None:
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="es")
    catalog[msgid].string = msgstr
    with po.open("wb") as handle:
        write_po(handle, catalog, width=100)


def test_review_signs_off_until_a_translation_changes(project: Path, runner: CliRunner) -> None:
    approve(project)
    fill_untranslated(project, "es")
    refused = _run(runner, project, "build", "-l", "es", "--release", "-f", "html")
    assert refused.exit_code == 1
    assert f"{ES_PO}: es: draft translation: no reviewer has signed off" in refused.output
    assert not (project / "build").exists()

    signed = _run(runner, project, "review", "es", "--by", "Ana Ruiz, CMI")
    assert signed.exit_code == 0, signed.output
    record = json.loads((project / ES_PO).with_name("review.json").read_text("utf-8"))
    assert record["reviewer"] == "Ana Ruiz, CMI" and len(record["fingerprint"]) == 64

    released = _run(runner, project, "build", "-l", "es", "--release", "-f", "html")
    assert released.exit_code == 0, released.output
    html = (project / "build" / "es" / "kyphoplasty.html").read_text("utf-8")
    assert '<meta name="consentgen:translation-status" content="reviewed">' in html
    assert 'class="draft-notice"' not in html
    manifest = json.loads((project / "build" / "manifest.json").read_text("utf-8"))
    assert {a["translation_status"] for a in manifest["artifacts"] if a["locale"] == "es"} == {
        "reviewed"
    }
    listing = _run(runner, project, "list").output
    assert re.search(r"^kyphoplasty +es +100%  reviewed \(by Ana Ruiz, CMI\)$", listing, re.M)

    # One changed word makes the locale a draft again, everywhere.
    _retranslate(project / ES_PO, "Yes", "Sí, acepto")
    again = _run(runner, project, "build", "-l", "es", "-f", "html")
    assert again.exit_code == 0
    html = (project / "build" / "es" / "kyphoplasty.html").read_text("utf-8")
    assert '<meta name="consentgen:translation-status" content="draft">' in html
    assert 'class="draft-notice"' in html
    refused = _run(runner, project, "build", "-l", "es", "--release")
    assert refused.exit_code == 1
    assert "translations changed since Ana Ruiz, CMI signed them off" in refused.output
    listing = _run(runner, project, "list").output
    assert _form_line(listing, "es") == (
        "kyphoplasty              es       100%  draft (translations changed since "
        "Ana Ruiz, CMI signed them off)"
    )
    assert _form_line(listing, "fr") == (
        "kyphoplasty              fr       100%  draft (no reviewer has signed off its "
        "translations)"
    )


def _form_line(listing: str, code: str) -> str:
    """The line of `consentgen list` for the kyphoplasty form in one locale."""
    (line,) = [x for x in listing.splitlines() if x.split()[:2] == ["kyphoplasty", code]]
    return line


def _change_after_sign_off(po: Path, change: str) -> None:
    """Flag an entry no form shows as fuzzy, or rename the msgctxt of one: nothing a form shows
    changes, only what was signed off."""
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="es")
    if change == "fuzzy":
        catalog["Kept for later"].flags.add("fuzzy")
    else:
        catalog.delete("Yes", context="checkbox")
        catalog.add("Yes", "Sí (casilla)", context="button")
    with po.open("wb") as handle:
        write_po(handle, catalog, width=100)


@pytest.mark.parametrize("change", ["fuzzy", "msgctxt"])
def test_a_fuzzy_flag_or_msgctxt_changed_after_sign_off_makes_the_locale_a_draft(
    project: Path, runner: CliRunner, change: str
) -> None:
    approve(project)
    fill_untranslated(project, "es")
    po = project / ES_PO
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="es")
    catalog.add("Kept for later", "Guardado para después")
    catalog.add("Yes", "Sí (casilla)", context="checkbox")
    with po.open("wb") as handle:
        write_po(handle, catalog, width=100)
    assert _run(runner, project, "review", "es", "--by", "Ana Ruiz, CMI").exit_code == 0
    reviewed = "kyphoplasty              es       100%  reviewed (by Ana Ruiz, CMI)"
    assert _form_line(_run(runner, project, "list").output, "es") == reviewed

    _change_after_sign_off(po, change)
    assert _form_line(_run(runner, project, "list").output, "es") == (
        "kyphoplasty              es       100%  draft (translations changed since "
        "Ana Ruiz, CMI signed them off)"
    )
    built = _run(runner, project, "build", "-l", "es", "-f", "html")
    assert built.exit_code == 0, built.output
    html = (project / "build" / "es" / "kyphoplasty.html").read_text("utf-8")
    assert '<meta name="consentgen:translation-status" content="draft">' in html


def test_a_changed_plural_rule_undoes_the_sign_off(project: Path, runner: CliRunner) -> None:
    """The rule picks which translation a count shows: changing it changes what patients read."""
    approve(project)
    fill_untranslated(project, "es")
    assert _run(runner, project, "review", "es", "--by", "Ana Ruiz, CMI").exit_code == 0
    assert _run(runner, project, "build", "-l", "es", "--release", "-f", "html").exit_code == 0
    po = project / ES_PO
    text = po.read_text("utf-8")
    rule = next(line for line in text.split("\n") if line.startswith('"Plural-Forms:'))
    po.write_text(text.replace(rule, '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"'), "utf-8")
    refused = _run(runner, project, "build", "-l", "es", "--release", "-f", "html")
    assert refused.exit_code == 1
    assert "translations changed since Ana Ruiz, CMI signed them off" in refused.output


def test_review_refuses_an_incomplete_catalog(project: Path, runner: CliRunner) -> None:
    fill_untranslated(project, "es")
    _retranslate(project / ES_PO, "Witness", "")
    result = _run(runner, project, "review", "es", "--by", "Ana Ruiz")
    assert result.exit_code == 2
    assert "cannot sign off: 1 untranslated and 0 fuzzy" in result.output
    assert not (project / ES_PO).with_name("review.json").exists()
    check = _run(runner, project, "check", "-l", "es")
    assert check.exit_code == 1 and "1 of" in check.output and "untranslated" in check.output


def test_check_names_characters_no_font_can_draw(project: Path, runner: CliRunner) -> None:
    settings = project / "pyproject.toml"
    text = settings.read_text("utf-8").replace(
        "[tool.consentgen.procedures.kyphoplasty]",
        '[tool.consentgen.fonts]\nzh_Hans = ["Noto Sans"]\n\n'
        "[tool.consentgen.procedures.kyphoplasty]",
    )
    settings.write_text(text, "utf-8")
    result = _run(runner, project, "check", "-l", "zh_Hans", "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    glyphs = [p for p in report["problems"] if p["check"] == "glyphs"]
    assert glyphs and all(p["locale"] == "zh_Hans" for p in glyphs)
    first = glyphs[0]
    assert first["where"].startswith("locales/zh_Hans/LC_MESSAGES/messages.po:")
    assert "no font of Noto Sans has U+" in first["message"]
    refused = _run(runner, project, "build", "-l", "zh_Hans", "--release")
    assert refused.exit_code == 1 and "no font of Noto Sans has" in refused.output


def test_check_passes_glyphs_for_every_shipped_locale(runner: CliRunner) -> None:
    from conftest import REPO

    result = runner.invoke(cli, ["--project", str(REPO), "check", "--json"])
    report = json.loads(result.output)
    assert [p for p in report["problems"] if p["check"] == "glyphs"] == []
    # The shipped procedure is unapproved and the shipped translations are drafts: that, and
    # only that, keeps them from release.
    assert {p["check"] for p in report["problems"]} <= {"approval", "translation"}
    approval = [p for p in report["problems"] if p["check"] == "approval"]
    assert [(p["where"], p["locale"]) for p in approval] == [
        ("templates/procedures/kyphoplasty.html.j2", "en"),
        ("templates/procedures/vertebroplasty.html.j2", "en"),
    ]
    # The notice of an unapproved form is the one message the shipped catalogs do not
    # translate yet: each form shows it untranslated.
    for problem in report["problems"]:
        if problem["check"] == "translation":
            assert re.fullmatch(
                r"draft translation: .+|1 of \d+ messages untranslated \(99% done\)"
                r"|incomplete: the (kyphoplasty|vertebroplasty) form shows 1 message\(s\) .+",
                problem["message"],
            ), problem
