"""Signature-ready PDFs: fields over the printed lines, a QR code on every page, and verify.

Signatures are real: a throwaway CA and signer certificate made here, pyHanko signing, pyHanko
validation against that CA.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import LOCALES, REPO, copy_project
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader, PdfWriter

from consentgen.cli import cli
from consentgen.form_identity import parse_payload

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
}
CHECKBOXES = {
    "interpreter_in_person",
    "interpreter_video",
    "interpreter_phone",
    "teaching_exams_yes",
    "teaching_exams_no",
}


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A throwaway CA and two signer certificates it issued, as PEM files."""
    folder = tmp_path_factory.mktemp("pki")
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("consentgen test CA"))
        .issuer_name(_name("consentgen test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    files = {"ca": folder / "ca.pem"}
    files["ca"].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    for who in ("patient", "provider"):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(f"Test {who.title()}"))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                critical=True,
            )
            .sign(ca_key, hashes.SHA256())
        )
        files[f"{who}_key"] = folder / f"{who}.key"
        files[f"{who}_key"].write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        files[f"{who}_cert"] = folder / f"{who}.pem"
        files[f"{who}_cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return files


def _sign(data: bytes, field: str, who: str, pki: dict[str, Path]) -> bytes:
    signer = signers.SimpleSigner.load(
        str(pki[f"{who}_key"]), str(pki[f"{who}_cert"]), ca_chain_files=(str(pki["ca"]),)
    )
    out = io.BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(data)),
        signers.PdfSignatureMetadata(field_name=field),
        signer=signer,
        output=out,
    )
    return out.getvalue()


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
    once = _sign(released, "patient_signature", "patient", pki)
    twice = _sign(once, "provider_signature", "provider", pki)
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
            words_here = [w for w in words if label_word in (w[0], w[0][::-1])]
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
            assert below or (name == "practitioner" and beside), (
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
    built: Path, tmp_path: Path, pki: dict[str, Path], runner: CliRunner
) -> None:
    released = (built / "es" / "kyphoplasty.pdf").read_bytes()
    signed = tmp_path / "signed.pdf"
    signed.write_bytes(_sign(released, "patient_signature", "patient", pki))
    manifest = str(built / "manifest.json")
    result = runner.invoke(
        cli,
        [
            "--project",
            str(REPO),
            "verify",
            str(signed),
            "--manifest",
            manifest,
            "--trust",
            str(pki["ca"]),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "form: CF-SPINE-014 version 1.0, locale es, translation draft" in result.output
    assert (
        "released: yes - byte-identical to es/kyphoplasty.pdf (the current release)"
        in result.output
    )
    assert re.search(
        r"patient_signature: signed by .*Test Patient; intact, valid, trusted, "
        r"covers everything but later signatures",
        result.output,
    )
    assert "provider_signature: empty" in result.output

    data = bytearray(signed.read_bytes())
    position = data.index(b"Kyphoplastia") if b"Kyphoplastia" in data else len(released) // 2
    data[position] ^= 0x01
    altered = tmp_path / "altered.pdf"
    altered.write_bytes(bytes(data))
    result = runner.invoke(
        cli, ["--project", str(REPO), "verify", str(altered), "--manifest", manifest]
    )
    assert result.exit_code == 1, result.output
    assert "released: NO" in result.output and "ALTERED OR UNKNOWN" in result.output

    not_pdf = tmp_path / "scan.png"
    not_pdf.write_bytes(b"\x89PNG\r\n\x1a\n")
    result = runner.invoke(
        cli, ["--project", str(REPO), "verify", str(not_pdf), "--manifest", manifest]
    )
    assert result.exit_code == 2 and "not a PDF" in result.output


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
    built: Path, tmp_path: Path, runner: CliRunner
) -> None:
    earlier = tmp_path / "release-1.0.json"
    shutil.copy(built / "manifest.json", earlier)
    project = copy_project(REPO, tmp_path / "project")
    settings = project / "pyproject.toml"
    settings.write_text(
        settings.read_text("utf-8").replace('version = "1.0"', 'version = "1.1"'), "utf-8"
    )
    assert runner.invoke(cli, ["--project", str(project), "build", "-l", "en"]).exit_code == 0
    current = project / "build" / "manifest.json"
    old_form = built / "en" / "kyphoplasty.pdf"

    only_current = runner.invoke(cli, ["verify", str(old_form), "--manifest", str(current)])
    assert only_current.exit_code == 1 and "released: NO" in only_current.output

    both = runner.invoke(
        cli, ["verify", str(old_form), "--manifest", str(current), "--manifest", str(earlier)]
    )
    assert both.exit_code == 0, both.output
    assert "an EARLIER release, NOT the current one" in both.output
    assert "form: CF-SPINE-014 version 1.0" in both.output


def test_filled_form_prints_the_values_on_its_lines(built: Path, tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=PdfReader(built / "en" / "kyphoplasty.pdf"))
    for page in writer.pages:
        writer.update_page_form_field_values(
            page, {"patient_name": "Maria Jones", "patient_relationship": "Daughter"}
        )
    filled = tmp_path / "filled.pdf"
    with filled.open("wb") as handle:
        writer.write(handle)
    from conftest import pdftotext

    text = pdftotext(filled)
    assert "Maria Jones" in text and "Daughter" in text
    assert "Printed name" in text and "Relationship to patient" in text


def _append_page_text(data: bytes, text: bytes) -> bytes:
    """An unsigned incremental update that prints new text on page 1."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.generic import pdf_name

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    page_ref = writer.find_page_for_modification(0)[0]
    page = page_ref.get_object()
    stream = writer.add_object(
        generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 700 Td (" + text + b") Tj ET")
    )
    contents = page.raw_get("/Contents")
    parts = list(contents) if isinstance(contents, generic.ArrayObject) else [contents]
    page[pdf_name("/Contents")] = generic.ArrayObject([*parts, stream])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("signed_first", [False, True])
def test_verify_rejects_unsigned_changes_to_the_page(
    built: Path, tmp_path: Path, pki: dict[str, Path], runner: CliRunner, signed_first: bool
) -> None:
    data = (built / "en" / "kyphoplasty.pdf").read_bytes()
    if signed_first:
        data = _sign(data, "patient_signature", "patient", pki)
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(_append_page_text(data, b"NO RISKS"))
    result = runner.invoke(
        cli, ["verify", str(tampered), "--manifest", str(built / "manifest.json")]
    )
    assert result.exit_code == 1, result.output
    assert "released: yes" in result.output  # the released bytes are still its prefix...
    assert "ALTERED OR UNKNOWN" in result.output  # ...but what came after changes the page
    assert "Traceback" not in result.output


def _verify(runner: CliRunner, pdf: Path, built: Path) -> tuple[int, str]:
    result = runner.invoke(cli, ["verify", str(pdf), "--manifest", str(built / "manifest.json")])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_verify_rejects_an_answer_changed_after_signing(
    built: Path, tmp_path: Path, pki: dict[str, Path], runner: CliRunner
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

    released = (built / "en" / "kyphoplasty.pdf").read_bytes()
    answered = set_checkbox(released, {"teaching_exams_no": "/Yes"})
    signed = _sign(answered, "patient_signature", "patient", pki)
    (tmp_path / "signed.pdf").write_bytes(signed)
    assert _verify(runner, tmp_path / "signed.pdf", built)[0] == 0

    flipped = set_checkbox(signed, {"teaching_exams_no": "/Off", "teaching_exams_yes": "/Yes"})
    (tmp_path / "flipped.pdf").write_bytes(flipped)
    code, output = _verify(runner, tmp_path / "flipped.pdf", built)
    assert code == 1
    assert "ALTERED: teaching_exams_no changed after patient_signature was signed" in output


def test_verify_rejects_rewritten_identity_and_trailing_bytes(
    built: Path, tmp_path: Path, pki: dict[str, Path], runner: CliRunner
) -> None:
    from pyhanko.pdf_utils.generic import pdf_name, pdf_string

    released = (built / "es" / "kyphoplasty.pdf").read_bytes()
    writer = IncrementalPdfFileWriter(io.BytesIO(released))
    writer.trailer["/Info"][pdf_name("/ConsentgenTranslationStatus")] = pdf_string("reviewed")
    writer.update_container(writer.trailer["/Info"])
    out = io.BytesIO()
    writer.write(out)
    (tmp_path / "claims_reviewed.pdf").write_bytes(out.getvalue())
    code, output = _verify(runner, tmp_path / "claims_reviewed.pdf", built)
    assert code == 1 and "translation draft" in output
    assert "ALTERED: its document information no longer matches the release" in output

    (tmp_path / "junk.pdf").write_bytes(
        _sign(released, "patient_signature", "patient", pki) + b"\n% appended\n"
    )
    code, output = _verify(runner, tmp_path / "junk.pdf", built)
    assert code == 1 and "ALTERED" in output


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
