"""Content blocks and risk numbers as data, on copies of the project: where-used and the
manifest agree, a block's change rebuilds exactly its forms and un-approves what it rewords,
a frequency's number changes in every locale at once, and check holds numbers to the data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import LOCALES, approve

from consentgen.cli import cli
from consentgen.i18n.text_rules import numbers
from consentgen.pipeline import FormMaker
from consentgen.settings import load_settings

TEMPLATE = Path("templates/procedures/kyphoplasty.html.j2")
BLOCKS = Path("templates/blocks")


def _run(runner: CliRunner, project: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, ["--project", str(project), *args])
    return result.exit_code, result.output


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), "utf-8")


def test_where_used_and_the_manifest_agree(project: Path, runner: CliRunner) -> None:
    code, output = _run(runner, project, "build", "-l", "en", "-l", "es")
    assert code == 0, output
    manifest = json.loads((project / "build" / "manifest.json").read_text("utf-8"))
    versions = {}
    for block in BLOCKS.parent.parent.joinpath(project / BLOCKS).glob("*.html.j2"):
        versions[block.name.removesuffix(".html.j2")] = re.search(
            r"version: (\S+)", block.read_text("utf-8")
        )[1]  # type: ignore[index]
    for ident, version in versions.items():
        code, output = _run(runner, project, "where-used", ident)
        assert code == 0, output
        head, *procedures = output.splitlines()
        assert head.startswith(f"{ident} {version} (templates/blocks/{ident}.html.j2): ")
        listed = {path for line in procedures for path in line.split(": ", 2)[2].split(", ")}
        built = {a["path"] for a in manifest["artifacts"] if a["locale"] in {"en", "es"}}
        using = {a["path"] for a in manifest["artifacts"] if ident in a["blocks"]}
        assert using == listed & built, ident
        assert all(
            a["blocks"][ident] == version for a in manifest["artifacts"] if a["path"] in using
        )
    assert _run(runner, project, "where-used", "bone-cemnt") == (
        2,
        "unknown block 'bone-cemnt' (blocks: " + ", ".join(sorted(versions)) + ")\n",
    )


def test_a_block_change_rebuilds_exactly_the_forms_that_use_it(
    project: Path, runner: CliRunner
) -> None:
    code, output = _run(runner, project, "new", "knee-injection")
    assert code == 0, output
    settings = project / "pyproject.toml"
    settings.write_text(
        settings.read_text("utf-8")
        + '\n[tool.consentgen.procedures.knee-injection]\nform_id = "CF-KNEE-1"\n'
        'version = "0.1"\nrevision_date = 2026-12-01\n',
        "utf-8",
    )
    args = ("build", "-l", "en", "-f", "html")
    assert _run(runner, project, *args)[0] == 0
    # bone-cement: kyphoplasty's and vertebroplasty's, not the knee's. A new version and a
    # reworded sentence that only kyphoplasty's form shows (its leaks are seen on X-rays): both
    # forms are made again, kyphoplasty's changes, vertebroplasty's is the same; the knee form
    # is up to date.
    block = project / BLOCKS / "bone-cement.html.j2"
    _edit(block, "version: 2", "version: 3")
    _edit(block, "CT scans find it more often.", "CT scans find it more often still.")
    code, output = _run(runner, project, *args)
    assert code == 0, output
    assert "wrote build/en/kyphoplasty.html" in output
    assert "wrote build/en/vertebroplasty.html" not in output
    # kyphoplasty's form and the manifest; vertebroplasty's the same; the knee's up to date
    assert "built 2 files, 1 unchanged, 1 up to date" in output
    manifest = json.loads((project / "build" / "manifest.json").read_text("utf-8"))
    for procedure in ("kyphoplasty", "vertebroplasty"):
        form = next(a for a in manifest["artifacts"] if a["path"] == f"en/{procedure}.html")
        assert form["blocks"]["bone-cement"] == "3"
    knee = next(a for a in manifest["artifacts"] if a["path"] == "en/knee-injection.html")
    assert "bone-cement" not in knee["blocks"] and "radiation" in knee["blocks"]
    # radiation: every procedure uses it; all are made again (a comment changes no byte).
    _edit(project / BLOCKS / "radiation.html.j2", "version: 1", "version: 1.1")
    code, output = _run(runner, project, *args)
    assert "built 1 files, 3 unchanged, 0 up to date" in output  # the manifest's versions


def test_a_block_that_rewords_a_procedure_makes_it_unapproved(
    project: Path, runner: CliRunner
) -> None:
    approve(project)
    listing = _run(runner, project, "list")[1]
    assert re.search(r"^kyphoplasty +approval approved by ", listing, re.M), listing
    # A comment changes no word: the approval stands.
    _edit(
        project / BLOCKS / "radiation.html.j2",
        "{% macro risk() -%}",
        "{#- a note -#}\n{% macro risk() -%}",
    )
    assert re.search(r"^kyphoplasty +approval approved by ", _run(runner, project, "list")[1], re.M)
    _edit(project / BLOCKS / "radiation.html.j2", "The risk from this is low.", "The risk is low.")
    listing = _run(runner, project, "list")[1]
    assert re.search(r"^kyphoplasty +approval not approved \(it changed since ", listing, re.M)


def test_a_frequency_changed_in_the_data_changes_every_locale_and_nothing_else(
    project: Path,
) -> None:
    _edit(
        project / TEMPLATE,
        '{"numerator": 1, "denominator": 10,',
        '{"numerator": 1, "denominator": 12,',
    )
    maker = FormMaker(load_settings(project))
    for code in LOCALES:
        html = maker.render(code, "kyphoplasty", "standard").html
        items = dict(re.findall(r'<li data-risk="([^"]+)">(.*?)</li>', html, re.S))
        leak = re.sub(r"<[^>]+>", " ", items.pop("cement-leak"))
        assert "12" in numbers(leak) and "10" not in numbers(leak), code
        for ident, body in items.items():
            assert "12" not in numbers(re.sub(r"<[^>]+>", " ", body)), (code, ident)
    for procedure in sorted(load_settings(project).procedures):
        if procedure != "kyphoplasty":
            html = maker.render("en", procedure, "standard").html
            assert 'data-frequency="1/12"' not in html, procedure


SPINE = "templates/blocks/spine-augmentation.html.j2"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            (
                "templates/procedures/kyphoplasty.html.j2",
                '"source": "FREE (Wardlaw 2009, Lancet), Findings: 25% within a year"',
                '"source": ""',
            ),
            [
                "kyphoplasty: data-risk=new-fracture: a frequency names no source (document and "
                "section)"
            ],
        ),
        (
            (
                SPINE,
                "Rarely, blood collects around the",
                "In 3 of 100 cases, blood collects around the",
            ),
            [
                f"{procedure}: data-risk=bleeding states a number outside its frequency data "
                "(100, 3): give it as a frequency (partials/frequency.html.j2)"
                for procedure in ("kyphoplasty", "vertebroplasty")
            ],
        ),
        (
            (SPINE, "A rib can break while", "A rib breaks in twenty people while"),
            [
                f"{procedure}: data-risk=rib-fracture states a number outside its frequency data "
                "(twenty): give it as a frequency (partials/frequency.html.j2)"
                for procedure in ("kyphoplasty", "vertebroplasty")
            ],
        ),
    ],
)
def test_check_holds_risk_numbers_to_the_data(
    project: Path, runner: CliRunner, edit: tuple[str, str, str], expected: list[str]
) -> None:
    """In a procedure's own item, or in a block's item that every procedure using it shows."""
    assert not [
        p
        for p in json.loads(_run(runner, project, "check", "-l", "en", "--json")[1])["problems"]
        if p["check"] == "frequencies"
    ]
    path, old, new = edit
    _edit(project / path, old, new)
    code, output = _run(runner, project, "check", "-l", "en", "--json")
    found = [p for p in json.loads(output)["problems"] if p["check"] == "frequencies"]
    assert [p["message"] for p in found] == expected
    assert [p["where"] for p in found] == [
        f"templates/procedures/{m.split(':')[0]}.html.j2" for m in expected
    ]


def test_a_block_asked_for_an_item_it_lacks_stops_at_that_line(
    project: Path, runner: CliRunner
) -> None:
    _edit(
        project / TEMPLATE,
        '{{ bone_cement.risk("cement-embolism") }}',
        '{{ bone_cement.risk("cement-embolsm") }}',
    )
    line = next(
        n
        for n, text in enumerate((project / TEMPLATE).read_text("utf-8").splitlines(), 1)
        if "cement-embolsm" in text
    )
    code, output = _run(runner, project, "build", "-l", "en", "-f", "html", "-p", "kyphoplasty")
    assert code == 2
    assert output.splitlines()[-1] == f"{TEMPLATE}:{line}: the block has no item 'cement-embolsm'"


def test_a_block_without_its_front_matter_is_one_line(project: Path, runner: CliRunner) -> None:
    path = project / BLOCKS / "radiation.html.j2"
    path.write_text(path.read_text("utf-8").replace("block: radiation", "blok: radiation"), "utf-8")
    code, output = _run(runner, project, "build", "-l", "en", "-f", "html")
    assert code == 2
    assert output.splitlines() == [
        "templates/blocks/radiation.html.j2:1: a block begins with its front matter: "
        "{#- block: ID / version: V"
    ]
