"""The build's bookkeeping: unchanged inputs are not rendered again, changed ones are."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner
from conftest import approve

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
    args += ["-p", "kyphoplasty"]
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
    approve(project)  # an unapproved form would show its notice, which no catalog translates yet
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


def test_a_failing_form_does_not_lose_the_others(project: Path, runner: CliRunner) -> None:
    procedures = project / "templates" / "procedures"
    broken = procedures / "vertebroplasty.html.j2"
    text = broken.read_text("utf-8").splitlines()
    text[20] = "{% if %}"
    broken.write_text("\n".join(text) + "\n", "utf-8")
    result = runner.invoke(
        cli, ["--project", str(project), "build", "-l", "en", "-l", "es", "-f", "html", "-j", "1"]
    )
    assert result.exit_code == 2
    assert "templates/procedures/vertebroplasty.html.j2:21: " in result.stderr
    assert result.stderr.strip().endswith("everything else was written")
    summary = (
        r"^built 4 files, 0 unchanged, 0 up to date, 2 failed in \d"  # 2 forms, index, manifest
    )
    assert re.search(summary, result.stdout, re.M), result.stdout
    assert (project / "build" / "es" / "kyphoplasty.html").is_file()
    assert not (project / "build" / "es" / "vertebroplasty.html").exists()
    manifest = (project / "build" / "manifest.json").read_text("utf-8")
    assert "es/kyphoplasty.html" in manifest and "vertebroplasty" not in manifest
