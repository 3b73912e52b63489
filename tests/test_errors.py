"""Bad input: one line naming file and line, exit status 2, no traceback, build/ intact."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from consentgen.cli import cli

ES_PO = Path("locales/es/LC_MESSAGES/messages.po")
TEMPLATE = Path("templates/procedures/kyphoplasty.html.j2")


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def built_project(project: Path, runner: CliRunner) -> Path:
    """A copy of the project with its English and Spanish HTML already built."""
    result = runner.invoke(
        cli, ["--project", str(project), "build", "-f", "html", "-l", "en", "-l", "es"]
    )
    assert result.exit_code == 0, result.output
    return project


def _build_fails(project: Path, runner: CliRunner, *args: str) -> str:
    before = _snapshot(project / "build")
    result = runner.invoke(cli, ["--project", str(project), "build", "-f", "html", *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1, result.output
    assert _snapshot(project / "build") == before, "a failed build changed build/"
    assert not list((project / "build").rglob("*.tmp"))
    return result.stderr.strip()


def _replace_line(path: Path, number: int, text: str) -> None:
    lines = path.read_text("utf-8").splitlines()
    lines[number - 1] = text
    path.write_text("\n".join(lines) + "\n", "utf-8")


def test_unknown_procedure(built_project: Path, runner: CliRunner) -> None:
    message = _build_fails(built_project, runner, "-p", "appendectomy")
    assert (
        message == "templates/procedures: unknown procedure 'appendectomy' "
        "(known: kyphoplasty, vertebroplasty)"
    )


def test_unknown_locale(built_project: Path, runner: CliRunner) -> None:
    assert "unknown locale 'xx_QQ'" in _build_fails(built_project, runner, "-l", "xx_QQ")
    assert "locale 'de' is not in locales" in _build_fails(built_project, runner, "-l", "de")


def test_catalog_that_does_not_parse(built_project: Path, runner: CliRunner) -> None:
    po = built_project / ES_PO
    number = next(
        i
        for i, line in enumerate(po.read_text("utf-8").splitlines(), 1)
        if line.startswith("msgstr") and i > 30
    )
    _replace_line(po, number, 'msgstrr "misspelt keyword"')
    message = _build_fails(built_project, runner)
    assert message.startswith(f"{ES_PO}:{number}: cannot parse catalog: Unknown or misformatted")


def test_catalog_that_is_not_utf8(built_project: Path, runner: CliRunner) -> None:
    po = built_project / ES_PO
    lines = po.read_bytes().split(b"\n")
    lines[40] = b"# caf\xe9"
    po.write_bytes(b"\n".join(lines))
    assert (
        _build_fails(built_project, runner)
        == f"{ES_PO}:41: not UTF-8: catalogs must be UTF-8 encoded"
    )


def test_translation_that_drops_a_placeholder(built_project: Path, runner: CliRunner) -> None:
    po = built_project / ES_PO
    lines = po.read_text("utf-8").splitlines()
    msgstr_line = lines.index('msgid "Form %(form_id)s"') + 2
    _replace_line(po, msgstr_line, 'msgstr "Formulario"')
    message = _build_fails(built_project, runner)
    assert message == f"{ES_PO}:{msgstr_line}: msgstr drops placeholder %(form_id)s"


def test_template_syntax_error(built_project: Path, runner: CliRunner) -> None:
    lines = (built_project / TEMPLATE).read_text("utf-8").splitlines()
    number = lines.index('<section class="section" id="about">') + 1  # a line of markup
    _replace_line(built_project / TEMPLATE, number, "{% if %}")
    # Only the broken procedure: the others' forms would be built (tests/test_build.py).
    message = _build_fails(built_project, runner, "-p", "kyphoplasty")
    assert message.startswith(f"{TEMPLATE}:{number}: ")


def test_missing_template(built_project: Path, runner: CliRunner) -> None:
    (built_project / "templates" / "blocks" / "signatures.html.j2").unlink()
    message = _build_fails(built_project, runner, "-p", "kyphoplasty")
    assert "signatures.html.j2" in message and "not found" in message


def test_settings_report_every_problem(project: Path, runner: CliRunner) -> None:
    settings = project / "pyproject.toml"
    text = settings.read_text("utf-8").replace(
        'page_size = "Letter"', 'page_size = "B5"\ncolour = "blue"'
    )
    settings.write_text(text, "utf-8")
    result = runner.invoke(cli, ["--project", str(project), "build"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 2
    assert any(line.startswith("pyproject.toml:") and "page_size" in line for line in lines)
    assert any("unknown setting 'colour'" in line for line in lines)


def test_hostile_translation_is_inert_text(project: Path, runner: CliRunner) -> None:
    po = project / ES_PO
    lines = po.read_text("utf-8").splitlines()
    msgid = lines.index('msgid "Yes"')
    _replace_line(po, msgid + 2, 'msgstr "<script>alert(1)</script><img src=x onerror=alert(2)>"')
    result = runner.invoke(cli, ["--project", str(project), "build", "-f", "html", "-l", "es"])
    assert result.exit_code == 0, result.output
    html = (project / "build" / "es" / "kyphoplasty.html").read_text("utf-8")
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_real_process_exit_status_and_no_traceback(project: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    result = subprocess.run(
        [sys.executable, "-m", "consentgen", "--project", str(project), "build", "-p", "nosuch"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("templates/procedures: unknown procedure 'nosuch'")
    assert "Traceback" not in result.stderr


def _set_msgstr(po: Path, msgid: str, msgstr: str) -> int:
    """Replace one single-line entry's translation; returns the msgstr's line number."""
    lines = po.read_text("utf-8").splitlines()
    number = lines.index(f'msgid "{msgid}"') + 2
    _replace_line(po, number, f'msgstr "{msgstr}"')
    return number


@pytest.mark.parametrize(
    "msgstr",
    [
        "%(institution).5s onmouseover=alert(1) x=%(procedure)s",  # precision cuts a tag open
        "Acepto %(procedure)5000000s en %(institution)s",  # width pads without bound
        "Acepto %(procedure)r en %(institution)s",  # another conversion
        "100% de acuerdo: %(procedure)s en %(institution)s",  # a lone percent sign
    ],
)
def test_translation_with_printf_tricks_is_refused(
    built_project: Path, runner: CliRunner, msgstr: str
) -> None:
    number = _set_msgstr(
        built_project / ES_PO, "I agree to have %(procedure)s at %(institution)s.", msgstr
    )
    assert _build_fails(built_project, runner) == (
        f"{ES_PO}:{number}: msgstr has a % that is not %(name)s (write %% for a percent sign)"
    )


def test_placeholders_are_filled_without_printf_even_if_unchecked() -> None:
    from markupsafe import Markup

    from consentgen.i18n.translations import fill

    tag = Markup('<span dir="ltr">Riverside</span>')
    assert fill("%(name).5s", {"name": tag}) == "%(name).5s"
    assert fill("<b>%(name)s</b> 100%%", {"name": tag}) == f"&lt;b&gt;{tag}&lt;/b&gt; 100%"


def test_translation_cannot_break_out_of_the_stylesheet(project: Path, runner: CliRunner) -> None:
    hostile = 'Página %(page)s de %(pages)s\\"; } body { display: none } </style><script>x</script>'
    _set_msgstr(project / ES_PO, "Page %(page)s of %(pages)s", hostile)
    result = runner.invoke(cli, ["--project", str(project), "build", "-l", "es"])
    assert result.exit_code == 0, result.output
    html = (project / "build" / "es" / "kyphoplasty.html").read_text("utf-8")
    assert "<script>" not in html and html.count("</style>") == 1
    from conftest import pdftotext

    text = pdftotext(project / "build" / "es" / "kyphoplasty.pdf")
    assert "Preparación" in text or "Antes y después" in text, "the body was hidden"
    assert "Página 1 de" in text


def test_broken_index_template_stops_before_any_write(
    built_project: Path, runner: CliRunner
) -> None:
    (built_project / TEMPLATE).write_text(
        (built_project / TEMPLATE).read_text("utf-8").replace("fluoroscopy", "fluoroscopy!"),
        "utf-8",
    )
    index = built_project / "templates" / "index.html.j2"
    index.write_text(index.read_text("utf-8").replace("{% endfor %}", "{% endif %}", 1), "utf-8")
    assert _build_fails(built_project, runner).startswith("templates/index.html.j2:")


def test_template_that_is_not_utf8(built_project: Path, runner: CliRunner) -> None:
    rights = built_project / "templates" / "blocks" / "rights.html.j2"
    rights.write_bytes(rights.read_bytes().replace(b"Your rights", b"Your r\xe9ghts"))
    message = _build_fails(built_project, runner)
    line = rights.read_bytes()[: rights.read_bytes().index(b"\xe9")].count(b"\n") + 1
    assert message == f"templates/blocks/rights.html.j2:{line}: not UTF-8 text"


def test_logo_outside_the_project_is_refused(project: Path, runner: CliRunner) -> None:
    settings = project / "pyproject.toml"
    settings.write_text(
        settings.read_text("utf-8").replace('"templates/static/logo.svg"', '"/etc/passwd"'), "utf-8"
    )
    result = runner.invoke(cli, ["--project", str(project), "build"])
    assert result.exit_code == 2
    assert "outside the project folder" in result.output
    assert result.output.startswith("pyproject.toml:")


def test_manifest_forgets_locales_no_longer_configured(
    built_project: Path, runner: CliRunner
) -> None:
    import json

    settings = built_project / "pyproject.toml"
    text = settings.read_text("utf-8")
    settings.write_text(text.replace('"es", ', ""), "utf-8")
    result = runner.invoke(
        cli, ["--project", str(built_project), "build", "-f", "html", "-l", "en"]
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((built_project / "build" / "manifest.json").read_text("utf-8"))
    assert {a["locale"] for a in manifest["artifacts"]} == {"en"}
    assert "es/kyphoplasty" not in (built_project / "build" / "index.html").read_text("utf-8")


def test_settings_errors_name_the_file_and_the_line_of_their_own_table(
    project: Path, runner: CliRunner
) -> None:
    (project / "consentgen.toml").write_text(
        'institution_name = "Clinic"\n'
        'hospital_phone_day = "555-0100"\n'
        'hospital_phone_night = "555-0101"\n'
        'locales = ["en", "es"]\n'
        "\n"
        "[procedures.kyphoplasty]\n"
        'form_id = "CF-1"\n'
        'version = "1.0"\n'
        "revision_date = 2026-01-01\n"
        "\n"
        "[procedures.vertebroplasty]\n"
        'form_id = "CF 2"\n'
        'version = "1.0"\n'
        'revision_date = "yesterday"\n'
        "\n"
        "[same_as_source]\n"
        'es = ["No"]\n'
        "\n"
        "[fonts]\n"
        'es = "No Such Sans"\n',
        "utf-8",
    )
    result = runner.invoke(cli, ["--project", str(project), "list"])
    assert result.exit_code == 2
    assert sorted(result.output.splitlines()) == [
        "consentgen.toml:12: procedures.vertebroplasty.form_id 'CF 2' may hold only letters, "
        "digits, '.', '_', '-'",
        "consentgen.toml:14: procedures.vertebroplasty.revision_date must be a date (YYYY-MM-DD)",
        "consentgen.toml:20: fonts.es must be a list of font family names",
    ]


def test_the_hospitals_phone_numbers_are_required_and_checked(
    project: Path, runner: CliRunner
) -> None:
    settings = project / "pyproject.toml"
    original = settings.read_text("utf-8")
    lines = original.splitlines()
    table = lines.index("[tool.consentgen]") + 1
    # Missing: no number is made up; the error points at the settings table.
    settings.write_text(
        "\n".join(line for line in lines if not line.startswith("hospital_phone_night ")) + "\n",
        "utf-8",
    )
    result = runner.invoke(cli, ["--project", str(project), "build", "-l", "en"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        f"pyproject.toml:{table}: hospital_phone_night is required: the hospital's phone number "
        "for patients at night, printed on every form"
    ]
    assert not (project / "build").exists()
    # Not a phone number: its own line, each problem at once.
    day = next(n for n, line in enumerate(lines, 1) if line.startswith("hospital_phone_day "))
    emergency = next(n for n, line in enumerate(lines, 1) if line.startswith("emergency_number "))
    text = original.replace(
        'hospital_phone_day = "(555) 555-0142"', 'hospital_phone_day = "call us"'
    )
    settings.write_text(text.replace('emergency_number = "911"', "emergency_number = 911"), "utf-8")
    result = runner.invoke(cli, ["--project", str(project), "build", "-l", "en"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    found = result.output.strip().splitlines()
    assert len(found) == 2
    assert found[0] == (
        f"pyproject.toml:{emergency}: emergency_number must be a phone number in quotes "
        '("0800 ..." keeps its 0), not 911'
    )
    assert found[1].startswith(f"pyproject.toml:{day}: hospital_phone_day must be a phone number")
    assert found[1].endswith("not 'call us'")


def test_the_emergency_number_defaults_to_911(project: Path) -> None:
    from consentgen.settings import load_settings

    settings = project / "pyproject.toml"
    text = settings.read_text("utf-8")
    settings.write_text(text.replace('emergency_number = "911"\n', ""), "utf-8")
    assert "emergency_number" not in settings.read_text("utf-8")
    assert load_settings(project).emergency_number == "911"
    settings.write_text(text.replace('"911"', '"999"'), "utf-8")
    assert load_settings(project).emergency_number == "999"
