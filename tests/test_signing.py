"""Signature-ready PDFs: fields over the printed lines, a QR code on every page, and verify.

Signatures are real: a throwaway CA and signer certificate made here, pyHanko signing, pyHanko
validation against that CA.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import (
    LOCALES,
    PATIENT_PART,
    REPO,
    approve,
    copy_project,
    fill_fields,
    pdftotext,
    sign,
    stamp_page,
)
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader, PdfWriter

from consentgen.cli import cli
from consentgen.outputs.qr import parse_payload
from consentgen.roles import STATEMENT_ROLE, field_role

SIGNATURE_FIELDS = {
    "patient_signature",
    "provider_signature",
    "interpreter_signature",
    "witness_signature",
}
TEXT_FIELDS = {
    "patient_name",
    "patient_relationship",
    "patient_date",
    "patient_time",
    "provider_name",
    "provider_date",
    "provider_time",
    "interpreter_name",
    "interpreter_language",
    "interpreter_date",
    "interpreter_time",
    "witness_name",
    "witness_date",
    "witness_time",
    "practitioner",
    "procedure_site",
    "procedure_site_count",
    "specific_risks",
}
CHECKBOXES = {
    "interpreter_in_person",
    "interpreter_video",
    "interpreter_phone",
    "teaching_exams_yes",
    "teaching_exams_no",
    "biopsy_yes",
    "biopsy_no",
}
# The patient's own procedure: filled in by the provider before the patient signs.
PROCEDURE_FIELDS = {
    "procedure_site": "/Tx",
    "procedure_site_count": "/Tx",
    "biopsy_yes": "/Btn",
    "biopsy_no": "/Btn",
    "specific_risks": "/Tx",
}


def _trust(pki: dict[str, Path]) -> ValidationContext:
    from pyhanko.sign.general import load_cert_from_pemder

    return ValidationContext(
        trust_roots=[load_cert_from_pemder(str(pki["ca"]))], allow_fetching=False
    )


@pytest.mark.parametrize("code", LOCALES)
def test_every_form_has_its_fields(built: Path, code: str) -> None:
    fields = PdfReader(built / code / "kyphoplasty.pdf").get_fields() or {}
    kinds = {name: str(value.get("/FT")) for name, value in fields.items()}
    assert {n for n, k in kinds.items() if k == "/Sig"} == SIGNATURE_FIELDS
    assert {n for n, k in kinds.items() if k == "/Tx"} == TEXT_FIELDS
    assert {n for n, k in kinds.items() if k == "/Btn"} == CHECKBOXES


def test_sign_twice_and_both_signatures_validate(built: Path, pki: dict[str, Path]) -> None:
    released = (built / "en" / "kyphoplasty.pdf").read_bytes()
    once = sign(released, "patient_signature", "patient", pki)
    twice = sign(once, "provider_signature", "provider", pki)
    assert twice.startswith(once) and once.startswith(released)

    reader = PdfFileReader(io.BytesIO(twice))
    found = {sig.field_name: sig for sig in reader.embedded_signatures}
    assert set(found) == {"patient_signature", "provider_signature"}
    for name, sig in found.items():
        status = validate_pdf_signature(sig, _trust(pki))
        assert status.intact and status.valid and status.trusted, name
    patient = validate_pdf_signature(found["patient_signature"], _trust(pki))
    assert patient.modification_level is not None
    assert patient.modification_level.name == "FORM_FILLING"
    assert "Test Patient" in found["patient_signature"].signer_cert.subject.human_friendly


@pytest.mark.parametrize(
    "code,name", [("en", "Maria Jones"), ("zh_Hans", "王小明"), ("ar", "محمد أحمد")]
)
def test_text_fields_can_be_filled_in_the_patients_script(
    built: Path, tmp_path: Path, code: str, name: str
) -> None:
    writer = PdfWriter(clone_from=PdfReader(built / code / "kyphoplasty.pdf"))
    values = {"patient_name": name, "patient_date": "2026-12-01", "witness_time": "10:30"}
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=False)
    filled = tmp_path / "filled.pdf"
    with filled.open("wb") as handle:
        writer.write(handle)
    fields = PdfReader(filled).get_fields() or {}
    assert {key: fields[key].get("/V") for key in values} == values


def _words(pdf: Path, page: int) -> list[tuple[str, float, float, float, float]]:
    """Words of a page with their boxes (x1, top, x2, bottom), in points from the top left."""
    xml = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pattern = re.compile(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
        r'yMax="([\d.]+)">([^<]*)</word>'
    )
    return [
        (m[5], float(m[1]), float(m[2]), float(m[3]), float(m[4])) for m in pattern.finditer(xml)
    ]


@pytest.mark.parametrize("code", ["en", "ar"])
def test_fields_lie_inside_the_page_over_their_printed_lines(built: Path, code: str) -> None:
    pdf = built / code / "kyphoplasty.pdf"
    reader = PdfReader(pdf)
    checked = 0
    for number, page in enumerate(reader.pages, 1):
        box = page.mediabox
        height = float(box.height)
        words = _words(pdf, number)
        for annotation in page.get("/Annots") or []:
            widget = annotation.get_object()
            name = str(widget.get("/T"))
            x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
            assert 0 <= x1 < x2 <= float(box.width) and 0 <= y1 < y2 <= height, name
            if name in CHECKBOXES:
                assert abs((x2 - x1) - (y2 - y1)) < 1 and x2 - x1 < 20, name
                continue
            # The line's label is printed just below the line the field lies over, or (the
            # practitioner's line) just before it on the same line.
            label_word = str(widget["/TU"]).split()[0]
            top, bottom = height - y2, height - y1
            # pdftotext -bbox gives right-to-left words in visual order: compare both ways.
            # Bidi moves a label's colon or bracket to the other end of a word: ignore them.
            words_here = [
                w for w in words if label_word in (w[0].strip(":()"), w[0].strip(":()")[::-1])
            ]
            below = [
                w
                for w in words_here
                if -1 <= w[2] - bottom <= 16 and x1 - 1 <= w[1] and w[3] <= x2 + 1
            ]
            beside = [
                w
                for w in words_here
                if top <= w[4] <= bottom + 2 and (w[3] <= x1 + 1 or w[1] >= x2 - 1)
            ]
            # The lines of the consent statement have their label before them, or above (the
            # risks specific to the patient).
            above = [w for w in words_here if -1 <= top - w[4] <= 24 and x1 - 1 <= w[1] <= x2]
            before = name in {"practitioner", "procedure_site", "procedure_site_count"}
            assert below or (before and beside) or (name == "specific_risks" and above), (
                f"{code} page {number}: no {label_word!r} printed by {name}"
            )
            checked += 1
    assert checked == len(SIGNATURE_FIELDS | TEXT_FIELDS)


@pytest.mark.parametrize("code", LOCALES)
def test_qr_code_decodes_on_every_page(built: Path, tmp_path: Path, code: str) -> None:
    pdf = built / code / "kyphoplasty.pdf"
    pages = len(PdfReader(pdf).pages)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pages
    for number, image in enumerate(images, 1):
        result = subprocess.run(
            ["zbarimg", "-q", "--raw", str(image)], capture_output=True, text=True
        )
        identity = parse_payload(result.stdout)
        assert identity is not None, f"page {number}: {result.stdout!r}"
        assert (identity.form_id, identity.version, identity.locale) == (
            "CF-SPINE-014",
            "1.0",
            code,
        )
        assert (identity.page, identity.pages) == (number, pages)


def test_verify_accepts_a_signed_copy_and_rejects_a_changed_byte(
    released: Path, tmp_path: Path, pki: dict[str, Path], runner: CliRunner
) -> None:
    form = (released / "build" / "es" / "kyphoplasty.pdf").read_bytes()
    signed = tmp_path / "signed.pdf"
    signed.write_bytes(sign(fill_fields(form, PATIENT_PART), "patient_signature", "patient", pki))
    code, output = _verify(runner, signed, released, "--trust", str(pki["ca"]))
    assert code == 0, output
    assert "form: CF-SPINE-014 version 1.0, locale es, status reviewed" in output
    assert re.search(
        r"released: yes - byte-identical to es/kyphoplasty.pdf of release \d{4}-\d\d-\d\d-1 "
        r"\(.*, the current release\), released as reviewed",
        output,
    )
    assert re.search(
        r"patient_signature: certificate issued to '.*Test Patient'; intact, valid, "
        r"signer trusted, covers everything but later signatures",
        output,
    )
    assert "provider_signature: empty" in output
    assert output.rstrip().endswith("result: unaltered released form")

    data = bytearray(signed.read_bytes())
    position = data.index(b"Kyphoplastia") if b"Kyphoplastia" in data else len(form) // 2
    data[position] ^= 0x01
    altered = tmp_path / "altered.pdf"
    altered.write_bytes(bytes(data))
    code, output = _verify(runner, altered, released)
    assert code == 1, output
    assert "released: NO" in output and "result: NOT RELEASED FOR CLINICAL USE" in output

    not_pdf = tmp_path / "scan.png"
    not_pdf.write_bytes(b"\x89PNG\r\n\x1a\n")
    code, output = _verify(runner, not_pdf, released)
    assert code == 2 and "not a PDF" in output


def test_fields_keep_every_form_within_one_and_a_half_times_its_size(tmp_path: Path) -> None:
    sizes = {}
    for choice in ("none", "all"):
        project = copy_project(REPO, tmp_path / choice)
        settings = project / "pyproject.toml"
        settings.write_text(
            settings.read_text("utf-8").replace(
                'page_size = "Letter"', f'page_size = "Letter"\npdf_fields = "{choice}"'
            ),
            "utf-8",
        )
        result = CliRunner().invoke(cli, ["--project", str(project), "build", "-f", "pdf"])
        assert result.exit_code == 0, result.output
        sizes[choice] = {
            code: (project / "build" / code / "kyphoplasty.pdf").stat().st_size for code in LOCALES
        }
        fields = PdfReader(project / "build" / "en" / "kyphoplasty.pdf").get_fields() or {}
        assert bool(fields) == (choice != "none")
    for code in LOCALES:
        assert sizes["all"][code] <= 1.5 * sizes["none"][code], (code, sizes)
    shutil.rmtree(tmp_path)


def test_verify_names_a_form_from_an_earlier_release(
    released: Path, tmp_path: Path, runner: CliRunner
) -> None:
    project = tmp_path / "project"
    shutil.copytree(released, project)
    old_form = tmp_path / "old.pdf"
    shutil.copy(project / "build" / "en" / "kyphoplasty.pdf", old_form)
    settings = project / "pyproject.toml"
    settings.write_text(
        settings.read_text("utf-8").replace('version = "1.0"', 'version = "1.1"'), "utf-8"
    )
    approve(project)  # every page prints the version: version 1.1 is approved on its own
    release = ["--project", str(project), "build", "--release", "-l", "en", "-f", "pdf"]
    assert runner.invoke(cli, release).exit_code == 0
    records = sorted((project / "releases").glob("*.json"))
    assert len(records) == 2

    only_current = runner.invoke(
        cli, ["--project", str(project), "verify", str(old_form), "--ledger", str(records[-1])]
    )
    assert only_current.exit_code == 1 and "released: NO" in only_current.output

    whole_ledger = runner.invoke(cli, ["--project", str(project), "verify", str(old_form)])
    assert whole_ledger.exit_code == 0, whole_ledger.output
    assert (
        f"an EARLIER release, NOT the current one (superseded by release {records[-1].stem})"
        in whole_ledger.output
    )
    assert "form: CF-SPINE-014 version 1.0" in whole_ledger.output


def test_filled_form_prints_the_values_on_its_lines(built: Path, tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=PdfReader(built / "en" / "kyphoplasty.pdf"))
    for page in writer.pages:
        writer.update_page_form_field_values(
            page, {"patient_name": "Maria Jones", "patient_relationship": "Daughter"}
        )
    filled = tmp_path / "filled.pdf"
    with filled.open("wb") as handle:
        writer.write(handle)
    text = pdftotext(filled)
    assert "Maria Jones" in text and "Daughter" in text
    assert "Printed name" in text and "Relationship to patient" in text


@pytest.mark.parametrize("signed_first", [False, True])
def test_verify_rejects_unsigned_changes_to_the_page(
    released: Path, tmp_path: Path, pki: dict[str, Path], runner: CliRunner, signed_first: bool
) -> None:
    data = (released / "build" / "en" / "kyphoplasty.pdf").read_bytes()
    if signed_first:
        data = sign(data, "patient_signature", "patient", pki)
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(stamp_page(data, "NO RISKS"))
    assert "NO RISKS" in pdftotext(tampered, page=1)
    code, output = _verify(runner, tampered, released, "--trust", str(pki["ca"]))
    assert code == 1, output
    assert "released: yes" in output  # the released bytes are still its prefix...
    assert output.rstrip().endswith("result: ALTERED - not the form as released and signed")


def test_verify_rejects_a_page_stamped_and_then_signed(
    released: Path, tmp_path: Path, pki: dict[str, Path], runner: CliRunner
) -> None:
    """ "NO RISKS" stamped on page 1, then signed by the patient over the stamp: the signature is
    intact, trusted and covers the whole file, and no field changed; only pyHanko's difference
    analysis of what followed the release (verify's layer 2) sees that the page changed."""
    form = released / "build" / "en" / "kyphoplasty.pdf"
    data = sign(stamp_page(form.read_bytes(), "NO RISKS"), "patient_signature", "patient", pki)
    returned = tmp_path / "stamped_then_signed.pdf"
    returned.write_bytes(data)
    assert "NO RISKS" in pdftotext(returned, page=1) and "NO RISKS" not in pdftotext(form, 1)
    code, output = _verify(runner, returned, released, "--trust", str(pki["ca"]))
    assert code == 1, output
    lines = output.splitlines()
    assert re.fullmatch(
        r"patient_signature: certificate issued to '.*Test Patient'; intact, valid, "
        r"signer trusted, covers everything but later signatures",
        next(line for line in lines if line.startswith("patient_signature:")),
    ), output
    altered = [line for line in lines if line.startswith("ALTERED: ")]
    assert len(altered) == 1, output
    assert altered[0].startswith("ALTERED: changes beyond filling in and signing ("), output
    assert lines[-1] == "result: ALTERED - not the form as released and signed"


def _verify(runner: CliRunner, pdf: Path, project: Path, *options: str) -> tuple[int, str]:
    result = runner.invoke(cli, ["--project", str(project), "verify", str(pdf), *options])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_verify_rejects_an_answer_changed_after_signing(
    released: Path, tmp_path: Path, pki: dict[str, Path], runner: CliRunner
) -> None:
    from pyhanko.pdf_utils.generic import pdf_name

    def set_checkbox(data: bytes, values: dict[str, str]) -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(data))
        for ref in writer.root["/AcroForm"]["/Fields"]:
            widget = ref.get_object()
            if str(widget.get("/T")) in values:
                state = pdf_name(values[str(widget["/T"])])
                widget[pdf_name("/V")] = state
                widget[pdf_name("/AS")] = state
                writer.mark_update(ref)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    form = (released / "build" / "en" / "kyphoplasty.pdf").read_bytes()
    answered = fill_fields(form, {**PATIENT_PART, "teaching_exams_no": "/Yes"})
    signed = sign(answered, "patient_signature", "patient", pki)
    (tmp_path / "signed.pdf").write_bytes(signed)
    trust = ("--trust", str(pki["ca"]))
    assert _verify(runner, tmp_path / "signed.pdf", released, *trust)[0] == 0

    flipped = set_checkbox(signed, {"teaching_exams_no": "/Off", "teaching_exams_yes": "/Yes"})
    (tmp_path / "flipped.pdf").write_bytes(flipped)
    code, output = _verify(runner, tmp_path / "flipped.pdf", released, *trust)
    assert code == 1
    assert "ALTERED: teaching_exams_no" in output and "after patient_signature was signed" in output


def test_verify_rejects_rewritten_identity_and_trailing_bytes(
    released: Path, tmp_path: Path, pki: dict[str, Path], runner: CliRunner
) -> None:
    from pyhanko.pdf_utils.generic import pdf_name, pdf_string

    form = (released / "build" / "es" / "kyphoplasty.pdf").read_bytes()
    writer = IncrementalPdfFileWriter(io.BytesIO(form))
    writer.trailer["/Info"][pdf_name("/ConsentgenFormVersion")] = pdf_string("2.0")
    writer.update_container(writer.trailer["/Info"])
    out = io.BytesIO()
    writer.write(out)
    (tmp_path / "claims_newer.pdf").write_bytes(out.getvalue())
    code, output = _verify(runner, tmp_path / "claims_newer.pdf", released)
    assert code == 1 and "version 1.0, locale es, status reviewed" in output
    assert "ALTERED: its document information no longer matches the release" in output

    (tmp_path / "junk.pdf").write_bytes(
        sign(form, "patient_signature", "patient", pki) + b"\n% appended\n"
    )
    code, output = _verify(runner, tmp_path / "junk.pdf", released, "--trust", str(pki["ca"]))
    assert code == 1 and "result: ALTERED" in output


def test_fields_are_in_the_structure_tree(built: Path) -> None:
    reader = PdfReader(built / "ar" / "kyphoplasty.pdf")
    tree = reader.trailer["/Root"]["/StructTreeRoot"]
    document = tree["/K"][0].get_object()
    forms = [kid.get_object() for kid in document["/K"] if kid.get_object().get("/S") == "/Form"]
    tagged = {str(form["/K"]["/Obj"].get_object()["/T"]) for form in forms}
    assert tagged == SIGNATURE_FIELDS | TEXT_FIELDS | CHECKBOXES
    for form in forms:
        widget = form["/K"]["/Obj"].get_object()
        assert widget["/TU"] and "/StructParent" in widget


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every locale's large-print and bilingual forms, HTML and PDF; returns the build folder."""
    project = copy_project(REPO, tmp_path_factory.mktemp("variants") / "project")
    args = ["--project", str(project), "build", "-j", "2"]
    args += ["--variant", "large-print", "--variant", "bilingual"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return project / "build"


def _forms_of_every_variant(built: Path, variants: Path, code: str) -> list[Path]:
    forms = [built / code / "kyphoplasty.pdf", variants / code / "kyphoplasty.large-print.pdf"]
    if code != "en":  # the source language has no bilingual form
        forms.append(variants / code / "kyphoplasty.bilingual.pdf")
    return forms


@pytest.mark.parametrize("code", LOCALES)
def test_the_patients_own_procedure_is_on_every_form_with_its_role(
    built: Path, variants: Path, code: str
) -> None:
    for pdf in _forms_of_every_variant(built, variants, code):
        fields = PdfReader(pdf).get_fields() or {}
        for name, kind in PROCEDURE_FIELDS.items():
            assert name in fields and fields[name].get("/FT") == kind, (pdf.name, name)
            # Filled in before the first signature: verify holds it to that.
            assert field_role(name) == STATEMENT_ROLE
        # A few lines of text, not one.
        assert int(fields["specific_risks"].get("/Ff", 0)) & (1 << 12), pdf.name
        assert not int(fields["procedure_site"].get("/Ff", 0)) & (1 << 12), pdf.name
        # The printed form has the lines and boxes the fields lie over, once each.
        html = pdf.with_suffix(".html").read_text("utf-8")
        for name in (*PROCEDURE_FIELDS, "practitioner"):
            elements = re.findall(rf'<[^>]* data-field="{name}"[^>]*>', html)
            assert len(elements) == 1, (pdf.name, name)
            assert 'data-filled-by="provider"' in elements[0], (pdf.name, name)
        # The consent statement names the bones to be treated.
        statement = re.search(r'<section class="section consent" id="consent">.*?</ul>', html, re.S)
        assert statement is not None and 'id="procedure_site-line"' in statement.group(0)
