"""The build's bookkeeping: unchanged inputs are not rendered again, changed ones are."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner

from consentgen.cli import cli


def _mtimes(folder: Path) -> dict[str, int]:
    return {
        p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
        for p in folder.rglob("*")
        if p.is_file()
    }


def test_rebuild_skips_unchanged_forms_and_redoes_changed_ones(
    project: Path, runner: CliRunner
) -> None:
    args = ["--project", str(project), "build", "-l", "en", "-l", "es", "-f", "html"]
    assert runner.invoke(cli, args).exit_code == 0
    before = _mtimes(project / "build")

    again = runner.invoke(cli, args)
    assert again.exit_code == 0
    assert "built 0 files, 0 unchanged, 2 up to date" in again.output
    assert _mtimes(project / "build") == before, "an unchanged project rewrote a file"

    po = project / "locales" / "es" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="es")
    catalog["Yes"].string = "Sí, acepto"
    with po.open("wb") as handle:
        write_po(handle, catalog)
    changed = runner.invoke(cli, args)
    assert changed.exit_code == 0
    assert "wrote build/es/kyphoplasty.html" in changed.output
    assert "build/en/kyphoplasty.html" not in changed.output
    assert "Sí, acepto" in (project / "build" / "es" / "kyphoplasty.html").read_text("utf-8")

    forced = runner.invoke(cli, [*args, "--force"])
    # --force renders again; output identical to what is on disk is not rewritten.
    assert "2 unchanged" in forced.output


def test_build_warns_when_a_form_falls_back_to_english(project: Path, runner: CliRunner) -> None:
    po = project / "locales" / "es" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="es")
    catalog["Witness"].string = ""
    catalog["Yes"].flags.add("fuzzy")
    with po.open("wb") as handle:
        write_po(handle, catalog)
    result = runner.invoke(cli, ["--project", str(project), "build", "-l", "es", "-f", "html"])
    assert result.exit_code == 0, result.output
    assert (
        "warning: locales/es/LC_MESSAGES/messages.po: es: 2 message(s) the forms use are not "
        "translated" in result.output
    )
    clean = runner.invoke(cli, ["--project", str(project), "build", "-l", "zh_Hans", "-f", "html"])
    assert "warning" not in clean.output
