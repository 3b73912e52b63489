"""Variants: large print (18 pt body, lines and fields scaled to match)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from conftest import body_font_size
from pypdf import PdfReader

from consentgen.cli import cli


def _field_height(pdf: Path, name: str) -> float:
    for page in PdfReader(pdf).pages:
        for annotation in page.get("/Annots") or []:
            widget = annotation.get_object()
            if widget.get("/T") == name:
                rect = [float(v) for v in widget["/Rect"]]
                return rect[3] - rect[1]
    raise AssertionError(f"no field {name}")


def test_large_print_beside_the_standard_form(project: Path, runner: CliRunner) -> None:
    result = runner.invoke(
        cli,
        [
            "--project",
            str(project),
            "build",
            "-l",
            "en",
            "-l",
            "ar",
            "--variant",
            "standard",
            "--variant",
            "large-print",
        ],
    )
    assert result.exit_code == 0, result.output
    build = project / "build"
    for code in ("en", "ar"):
        standard = build / code / "kyphoplasty.pdf"
        large = build / code / "kyphoplasty.large-print.pdf"
        assert body_font_size(standard, 1) >= 12 and body_font_size(large, 1) >= 18
        assert len(PdfReader(large).pages) > len(PdfReader(standard).pages)
        for field in ("patient_signature", "patient_name"):
            assert _field_height(large, field) > 1.3 * _field_height(standard, field), field
        html = (build / code / "kyphoplasty.large-print.html").read_text("utf-8")
        assert 'class="variant-large-print"' in html
        assert '<meta name="consentgen:variant" content="large-print">' in html
    manifest = json.loads((build / "manifest.json").read_text("utf-8"))
    paths = {a["path"] for a in manifest["artifacts"]}
    assert {"en/kyphoplasty.large-print.pdf", "ar/kyphoplasty.large-print.html"} <= paths
    index = (build / "index.html").read_text("utf-8")
    assert 'href="ar/kyphoplasty.large-print.pdf"' in index and "PDF (large print)" in index


def test_settings_make_a_variant_part_of_every_build(project: Path, runner: CliRunner) -> None:
    settings = project / "pyproject.toml"
    settings.write_text(
        settings.read_text("utf-8").replace(
            'page_size = "Letter"', 'page_size = "Letter"\nvariants = ["standard", "large-print"]'
        ),
        "utf-8",
    )
    result = runner.invoke(cli, ["--project", str(project), "build", "-l", "es", "-f", "html"])
    assert result.exit_code == 0, result.output
    assert (project / "build" / "es" / "kyphoplasty.large-print.html").is_file()
    assert (project / "build" / "es" / "kyphoplasty.html").is_file()


def test_bilingual_pairs_each_section_with_the_source(project: Path, runner: CliRunner) -> None:
    import re

    from formparse import read_form

    result = runner.invoke(
        cli,
        [
            "--project",
            str(project),
            "build",
            "-l",
            "en",
            "-l",
            "es",
            "-l",
            "ar",
            "--variant",
            "standard",
            "--variant",
            "bilingual",
        ],
    )
    assert result.exit_code == 0, result.output
    build = project / "build"
    assert not (build / "en" / "kyphoplasty.bilingual.pdf").exists()
    english = read_form((build / "en" / "kyphoplasty.html").read_text("utf-8"))
    standard_es = read_form((build / "es" / "kyphoplasty.html").read_text("utf-8"))
    for code, layout in (("es", "side-by-side"), ("ar", "stacked")):
        html = (build / code / "kyphoplasty.bilingual.html").read_text("utf-8")
        form = read_form(html)
        assert f'class="bilingual-pair {layout}"' in html
        assert form.html_attrs["dir"] == ("rtl" if code == "ar" else "ltr")
        # Every id of the markup contract once, in the patient's language ...
        assert set(form.items["data-risk"]) == set(english.items["data-risk"])
        # ... and the source language's text beside it, marked as the source copy.
        for ident in english.items["data-risk"]:
            assert f'data-source-risk="{ident}"' in html
        for section in ("about", "risks", "alternatives", "consent"):
            assert f'data-section="{section}"' in html
        assert 'data-section="signatures"' not in html  # signed once, in the patient's language
        assert len(re.findall(r'id="patient_signature-line"', html)) == 1
        text = " ".join(
            p.extract_text() for p in PdfReader(build / code / "kyphoplasty.bilingual.pdf").pages
        )
        assert "Bone cement leaking out of the bone" in text
        fields = PdfReader(build / code / "kyphoplasty.bilingual.pdf").get_fields() or {}
        assert "patient_signature" in fields and "source-patient_signature" not in fields
    assert standard_es.items["data-risk"]["infection"] in " ".join(
        read_form((build / "es" / "kyphoplasty.bilingual.html").read_text("utf-8"))
        .items["data-risk"]
        .values()
    )
