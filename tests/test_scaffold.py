"""`consentgen new`: a procedure with every section, reported by `check` until written."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from conftest import SECTIONS
from formparse import read_form

from consentgen.cli import cli


def test_new_procedure_has_every_section_and_check_reports_it(
    project: Path, runner: CliRunner
) -> None:
    result = runner.invoke(cli, ["--project", str(project), "new", "hip-replacement"])
    assert result.exit_code == 0, result.output
    template = project / "templates" / "procedures" / "hip-replacement.html.j2"
    assert template.is_file()

    settings = project / "pyproject.toml"
    settings.write_text(
        settings.read_text("utf-8") + "\n[tool.consentgen.procedures.hip-replacement]\n"
        'form_id = "CF-ORTHO-002"\nversion = "0.1"\nrevision_date = 2026-12-01\n',
        "utf-8",
    )
    built = runner.invoke(
        cli,
        ["--project", str(project), "build", "-l", "en", "-f", "html"]
        + ["-p", "hip-replacement", "-p", "kyphoplasty"],
    )
    assert built.exit_code == 0, built.output
    html = (project / "build" / "en" / "hip-replacement.html").read_text("utf-8")
    kyphoplasty = (project / "build" / "en" / "kyphoplasty.html").read_text("utf-8")
    # Its own sections and the blocks' (sedation's is "anesthesia"), as kyphoplasty has them.
    for section in SECTIONS:
        assert f'id="{section}"' in html and f'id="{section}"' in kyphoplasty, section
    form = read_form(html)
    for kind in ("data-step", "data-benefit", "data-risk", "data-alternative"):
        assert form.items[kind], kind

    check = runner.invoke(cli, ["--project", str(project), "check", "-l", "en"])
    assert check.exit_code == 1
    todo_lines = [line for line in check.output.splitlines() if "(TODO)" in line]
    assert todo_lines and all(
        line.startswith("templates/procedures/hip-replacement.html.j2:") for line in todo_lines
    )
    assert runner.invoke(cli, ["--project", str(project), "check", "-l", "en"]).exit_code == 1


def test_new_refuses_an_existing_or_malformed_name(project: Path, runner: CliRunner) -> None:
    again = runner.invoke(cli, ["--project", str(project), "new", "kyphoplasty"])
    assert again.exit_code == 2 and "already exists" in again.output
    bad = runner.invoke(cli, ["--project", str(project), "new", "../escape"])
    assert bad.exit_code == 2 and "is not a procedure name" in bad.output
