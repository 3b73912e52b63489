"""Catalog text that hides, lies or stays English, and working with gettext tools: the rules
on small inputs (no rendering), then the CLI on copies of the shipped catalogs."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner
from conftest import approve

from consentgen.cli import cli

ES_PO = Path("locales/es/LC_MESSAGES/messages.po")


def _run(runner: CliRunner, project: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, ["--project", str(project), *args])
    return result.exit_code, result.output


# The command line, on copies of the shipped catalogs.


def _set_header(po: Path, rule: str) -> None:
    text = po.read_text("utf-8")
    po.write_text(
        re.sub(r'"Plural-Forms: [^"]*\\n"', f'"Plural-Forms: {rule}\\\\n"', text), "utf-8"
    )


def test_check_accepts_what_msginit_writes_and_update_repairs_what_is_wrong(
    project: Path, runner: CliRunner
) -> None:
    fr = project / "locales" / "fr" / "LC_MESSAGES" / "messages.po"
    _set_header(fr, "nplurals=2; plural=(n > 1);")  # as msginit and Poedit write it
    code, output = _run(runner, project, "check", "-l", "fr")
    assert "Plural-Forms" not in output, output

    _set_header(fr, "nplurals=2; plural=(n != 1);")  # neither rule
    code, output = _run(runner, project, "check", "-l", "fr")
    assert code == 1 and "Plural-Forms picks the wrong form for fr" in output

    code, output = _run(runner, project, "update", "-l", "fr")
    assert code == 0, output
    assert (
        "updated (Plural-Forms set to CLDR's rule for fr) locales/fr/LC_MESSAGES/messages.po"
        in output
    )
    code, output = _run(runner, project, "check", "-l", "fr")
    assert "Plural-Forms" not in output, output

    _set_header(fr, "nplurals=2; plural=(n >")  # not even an expression
    code, output = _run(runner, project, "update", "-l", "fr")
    assert code == 0, output
    assert "Plural-Forms" not in _run(runner, project, "check", "-l", "fr")[1]


def test_bidirectional_controls_are_refused_by_the_build(project: Path, runner: CliRunner) -> None:
    po = project / ES_PO
    po.write_text(
        po.read_text("utf-8").replace('msgstr "Sangrado"', 'msgstr "Sangr\u202eodad\u202c"'),
        "utf-8",
    )
    line = po.read_text("utf-8").splitlines().index('msgstr "Sangr\u202eodad\u202c"') + 1
    code, output = _run(runner, project, "build", "-l", "es", "-f", "html")
    assert code == 2
    assert output.splitlines() == [
        f"{ES_PO}:{line}: msgstr has bidirectional control characters (U+202C POP "
        "DIRECTIONAL FORMATTING, U+202E RIGHT-TO-LEFT OVERRIDE), which reorder the words a "
        "reader sees"
    ]


def test_a_translation_under_a_msgctxt_does_not_hide_an_untranslated_message(
    project: Path, runner: CliRunner
) -> None:
    approve(project)  # else unapproved, the worse status, is what the form says
    po = project / ES_PO
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="es")
    catalog.add("Bleeding", "Sangrado", context="risk heading")
    catalog["Bleeding"].string = ""
    with po.open("wb") as handle:
        write_po(handle, catalog, width=100)
    result = runner.invoke(cli, ["--project", str(project), "build", "-l", "es", "-f", "html"])
    assert result.exit_code == 0, result.output
    assert f"warning: {ES_PO}: es: 1 message(s) the forms use are not translated" in result.output
    html = (project / "build" / "es" / "kyphoplasty.html").read_text("utf-8")
    assert '<meta name="consentgen:translation-status" content="incomplete">' in html
    assert "<h3>Bleeding</h3>" in html


def test_update_adds_a_new_locale_to_the_settings_keeping_their_formatting(
    project: Path, runner: CliRunner
) -> None:
    settings = project / "pyproject.toml"
    before = settings.read_text("utf-8")
    code, output = _run(runner, project, "update", "-l", "de")
    assert code == 0, output
    assert output.splitlines()[-1] == "added de to locales in pyproject.toml"
    after = settings.read_text("utf-8")
    assert after == before.replace('"hi", "ja",\n]', '"hi", "ja", "de",\n]')
    code, output = _run(runner, project, "list")
    assert re.search(r"^kyphoplasty +de +0%  unapproved \(translation incomplete: ", output, re.M)
    code, output = _run(runner, project, "build", "-l", "de", "-f", "html")
    assert code == 0, output


def test_update_keeps_comments_in_the_list_and_names_the_line_it_cannot_add(
    project: Path, runner: CliRunner
) -> None:
    settings = project / "pyproject.toml"
    text = re.sub(
        r"locales = \[[^\]]*\]",
        'locales = [\n  "en",  # the source\n  "es",  # "Spanish, [Latin America]"\n]',
        settings.read_text("utf-8"),
    )
    settings.write_text(text, "utf-8")
    code, output = _run(runner, project, "update", "-l", "de")
    assert code == 0, output
    assert settings.read_text("utf-8") == text.replace('"es",  #', '"es", "de",  #')

    (project / "consentgen.toml").write_text(
        'institution_name = "Clinic"\nhospital_phone_day = "555-0100"\n'
        'hospital_phone_night = "555-0101"\n\n[procedures.kyphoplasty]\nform_id = "X"\n'
        'version = "1"\nrevision_date = 2026-01-01\n',
        "utf-8",
    )
    code, output = _run(runner, project, "update", "-l", "it")
    assert code == 0, output
    assert output.splitlines()[-1] == (
        'consentgen.toml: it is not in locales; add it there, for example: locales = ["en", "it"]'
    )


def test_the_scaffolds_own_note_is_not_a_todo(project: Path, runner: CliRunner) -> None:
    code, output = _run(runner, project, "new", "sacroplasty")
    assert code == 0, output
    template = project / "templates" / "procedures" / "sacroplasty.html.j2"
    code, output = _run(runner, project, "check", "-l", "en")
    assert "placeholder text (TODO) not yet written" in output
    template.write_text(template.read_text("utf-8").replace("TODO: ", "Written: "), "utf-8")
    code, output = _run(runner, project, "check", "-l", "en")
    assert "TODO" not in output, output
