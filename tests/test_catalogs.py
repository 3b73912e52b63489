"""gettext through Babel: extract and update on a fixture project, and catalog faults."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner
from conftest import FIXTURES

from consentgen.cli import cli


def _mini(tmp_path: Path) -> Path:
    root = tmp_path / "mini"
    shutil.copytree(FIXTURES / "miniproject", root)
    return root


def _read(path: Path, locale: str | None = None):  # type: ignore[no-untyped-def]
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def test_extract_writes_pot_with_comments_and_line_references(
    tmp_path: Path, runner: CliRunner
) -> None:
    root = _mini(tmp_path)
    result = runner.invoke(cli, ["--project", str(root), "extract"])
    assert result.exit_code == 0, result.output
    pot = _read(root / "locales" / "messages.pot")
    hello = pot["Hello %(name)s, welcome."]
    assert hello is not None, "trimmed trans block must give a whitespace-normalised msgid"
    assert hello.auto_comments == ["a greeting; name is the patient's name."]
    assert ("templates/procedures/demo.html.j2", 3) in hello.locations
    assert pot["Signature"] is not None and pot["Demo procedure"] is not None
    assert "python-format" in hello.flags


def test_extract_is_stable_when_nothing_changed(tmp_path: Path, runner: CliRunner) -> None:
    root = _mini(tmp_path)
    runner.invoke(cli, ["--project", str(root), "extract"])
    first = (root / "locales" / "messages.pot").read_bytes()
    result = runner.invoke(cli, ["--project", str(root), "extract"])
    assert "unchanged" in result.output
    assert (root / "locales" / "messages.pot").read_bytes() == first


def test_update_creates_then_merges_a_locale(tmp_path: Path, runner: CliRunner) -> None:
    root = _mini(tmp_path)
    assert runner.invoke(cli, ["--project", str(root), "extract"]).exit_code == 0
    result = runner.invoke(cli, ["--project", str(root), "update", "-l", "fr"])
    assert result.exit_code == 0, result.output
    po = root / "locales" / "fr" / "LC_MESSAGES" / "messages.po"
    assert "created" in result.output
    catalog = _read(po, "fr")
    assert str(catalog.locale) == "fr"
    assert catalog.plural_forms.startswith(f"nplurals={catalog.num_plurals};")

    # A translator fills two entries; then the template changes one msgid and adds another.
    catalog["Signature"].string = "Signature du patient"
    catalog["Demo procedure"].string = "Procédure de démonstration"
    with po.open("wb") as handle:
        write_po(handle, catalog)
    template = root / "templates" / "procedures" / "demo.html.j2"
    text = template.read_text().replace("Demo procedure", "Demonstration procedure")
    template.write_text(text + '<p>{{ _("Date") }}</p>\n')

    assert runner.invoke(cli, ["--project", str(root), "extract"]).exit_code == 0
    result = runner.invoke(cli, ["--project", str(root), "update"])
    assert result.exit_code == 0, result.output
    merged = _read(po, "fr")
    assert merged["Signature"].string == "Signature du patient"
    assert merged["Date"] is not None and merged["Date"].string == ""
    renamed = merged["Demonstration procedure"]
    assert renamed.string == "" or renamed.fuzzy, "a changed msgid never keeps a silent translation"
    assert "Demo procedure" in merged.obsolete or renamed.fuzzy


def test_extract_reports_template_syntax_error_with_line(tmp_path: Path, runner: CliRunner) -> None:
    root = _mini(tmp_path)
    template = root / "templates" / "procedures" / "demo.html.j2"
    lines = template.read_text().splitlines()
    lines.insert(4, "{% if %}")
    template.write_text("\n".join(lines) + "\n")
    result = runner.invoke(cli, ["--project", str(root), "extract"])
    assert result.exit_code == 2
    assert result.output.startswith("templates/procedures/demo.html.j2:5: ")
    assert not (root / "locales" / "messages.pot").exists()


def test_update_rejects_a_malformed_locale_name(tmp_path: Path, runner: CliRunner) -> None:
    root = _mini(tmp_path)
    runner.invoke(cli, ["--project", str(root), "extract"])
    result = runner.invoke(cli, ["--project", str(root), "update", "-l", "../../etc"])
    assert result.exit_code == 2
    assert "unknown locale" in result.output
    assert not any((root / "locales").glob("*/LC_MESSAGES"))


def test_list_shows_percent_translated_and_status(tmp_path: Path, runner: CliRunner) -> None:
    from conftest import REPO, approve, copy_project, fill_untranslated

    from consentgen.pipeline import FormMaker
    from consentgen.settings import load_settings

    root = copy_project(REPO, tmp_path / "project")
    approve(root)
    fill_untranslated(root, "es")
    po = root / "locales" / "es" / "LC_MESSAGES" / "messages.po"
    catalog = _read(po, "es")
    # Thirteen messages the Spanish form certainly shows: sentences of the English form.
    english = FormMaker(load_settings(root)).render("en", "kyphoplasty", "standard").html
    shown_ids = [
        m
        for m in catalog
        if isinstance(m.id, str) and len(m.id) > 20 and "%(" not in m.id and m.id in english
    ]
    untranslated = shown_ids[:13]
    for message in untranslated:
        message.string = ""
    with po.open("wb") as handle:
        write_po(handle, catalog)
    result = runner.invoke(cli, ["--project", str(root), "list"])
    assert result.exit_code == 0, result.output
    rows = {tuple(line.split()[:4]) for line in result.output.splitlines()}
    # The percent is of the messages the form shows: all 13 untranslated ones are among them,
    # so the form is incomplete, whatever the rest of the catalog says.
    es = next(line for line in result.output.splitlines() if line.split()[1] == "es")
    shown = re.fullmatch(
        r"kyphoplasty +es +(\d+)%  incomplete \(13 message\(s\) not translated\)", es
    )
    assert shown is not None, es
    assert 80 < int(shown.group(1)) < 100
    assert ("kyphoplasty", "zh_Hans", "100%", "draft") in rows
    assert ("kyphoplasty", "en", "100%", "reviewed") in rows
