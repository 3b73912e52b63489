"""Shared fixtures: the bundled forms project, built once, and a CLI runner."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers

from consentgen.cli import cli

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The sections of every procedure's form, in order (ids of the page's <section>s).
SECTIONS = (
    "about",
    "anesthesia",
    "steps",
    "benefits",
    "risks",
    "alternatives",
    "no-treatment",
    "before-after",
    "your-rights",
    "consent",
    "signatures",
)
LOCALES = (
    "en",
    "es",
    "zh_Hans",
    "zh_Hant",
    "vi",
    "ko",
    "tl",
    "ru",
    "ar",
    "fa",
    "ht",
    "fr",
    "pt_BR",
    "pl",
    "hi",
    "ja",
)


def ctrl_c_as_at_a_terminal() -> None:
    """A child process's preexec_fn: Ctrl+C (SIGINT) interrupts it as it would a command typed
    at a terminal, even where the tests themselves run with SIGINT ignored (a background job of
    a script, as `.ci/run &`), which the child would otherwise inherit."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def runner() -> CliRunner:
    """Runs consentgen commands as a person would, in-process."""
    return CliRunner()


def copy_project(source: Path, target: Path) -> Path:
    """A throwaway copy of a forms project (settings, templates, catalogs; no build output)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("pyproject.toml", "consentgen.toml"):
        if (source / name).is_file():
            shutil.copy2(source / name, target / name)
    for folder in ("templates", "locales"):
        if (source / folder).is_dir():
            shutil.copytree(source / folder, target / folder)
    return target


APPROVER = "Test Clinician, MD (test only)"
REVIEWER = "Test Reviewer (test only)"


def approve(project: Path, procedure: str | None = None) -> Path:
    """A test clinician's approval of a procedure's source text, or of every procedure's (none
    named), in a throwaway copy only (the bundled procedures are never approved); returns the
    approval file of the procedure named, or of kyphoplasty."""
    assert project.resolve() != REPO.resolve(), "never approve in the repository itself"
    procedures = (
        [procedure]
        if procedure
        else sorted(
            path.name.removesuffix(".html.j2")
            for path in (project / "templates" / "procedures").glob("*.html.j2")
        )
    )
    for name in procedures:
        command = ["--project", str(project), "approve", name, "--by", APPROVER]
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 0, result.output
    return project / "templates" / "procedures" / f"{procedure or 'kyphoplasty'}.approval.json"


def fill_untranslated(project: Path, locale: str) -> list[str]:
    """Give every entry of a copy's catalog that has no translation a marked stand-in, so that
    a test can sign the locale off; returns their msgids.

    The shipped catalogs do not translate the notice of an unapproved form yet, and `review`
    refuses a catalog with an untranslated entry.
    """
    from babel.messages.pofile import read_po, write_po

    assert project.resolve() != REPO.resolve(), "never change the repository's catalogs"
    po = project / "locales" / locale / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    filled = []
    for message in catalog:
        if message.id and not message.pluralizable and not message.string:
            message.string = f"[{locale}] {message.id}"
            filled.append(message.id)
    with po.open("wb") as handle:
        write_po(handle, catalog, width=100)
    return filled


def review(project: Path, locale: str) -> None:
    """A test reviewer's sign-off of a copy's catalog (stand-ins filled in first)."""
    fill_untranslated(project, locale)
    command = ["--project", str(project), "review", locale, "--by", REVIEWER]
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 0, result.output


def hand_made_release(project: Path, form: Path, locale: str, status: str) -> Path:
    """A ledger record that says form (a kyphoplasty PDF) was released in locale under status,
    as an older tool or a hand edit could write it; returns the record."""
    data = form.read_bytes()
    record = {
        "generator": "consentgen 0.1.0",
        "released_at": "2099-01-01T00:00:00Z",
        "forms": [
            {
                "path": f"{locale}/kyphoplasty.pdf",
                "procedure": "kyphoplasty",
                "locale": locale,
                "format": "pdf",
                "form_id": "CF-SPINE-014",
                "form_version": "1.0",
                "translation_status": status,
                "sha256": hashlib.sha256(data).hexdigest(),
                "bytes": len(data),
            }
        ],
        "held_back": [],
    }
    path = project / "releases" / "2099-01-01-1.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(record), "utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of this repository's forms project, to break on purpose."""
    return copy_project(REPO, tmp_path / "project")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled forms, built once for the whole session; returns the build folder."""
    out = tmp_path_factory.mktemp("build")
    result = CliRunner().invoke(cli, ["--project", str(REPO), "build", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="session")
def approved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The forms of a copy whose procedure a test clinician approved (in that copy only), in
    English and three translations (left to right, right to left, CJK); returns the build
    folder. English forms without the watermark of an unapproved form read back cleanly."""
    project = copy_project(REPO, tmp_path_factory.mktemp("approved") / "project")
    approve(project)
    command = ["--project", str(project), "build", "-l", "en", "-l", "es", "-l", "ar"]
    result = CliRunner().invoke(cli, [*command, "-l", "zh_Hans"])
    assert result.exit_code == 0, result.output
    return project / "build"


def pdftotext(path: Path, page: int | None = None) -> str:
    """Text of a PDF (or one page of it), as poppler's pdftotext reads it."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", *pages, str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def body_font_size(pdf: Path, page: int) -> float:
    """The size, in points, that most of a PDF page's text is set in (scale included)."""
    from pypdf import PdfReader

    sizes: dict[float, int] = {}

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
        key = round(size * scale, 1)
        sizes[key] = sizes.get(key, 0) + len(text.strip())

    PdfReader(pdf).pages[page].extract_text(visitor_text=visit)
    return max(sizes, key=lambda k: sizes[k])


def _cert_name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A throwaway CA and two signer certificates it issued, as PEM files."""
    return make_pki(tmp_path_factory.mktemp("pki"))


def make_pki(folder: Path) -> dict[str, Path]:
    """A throwaway CA and two signer certificates it issued, as PEM files in folder."""
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_cert_name("consentgen test CA"))
        .issuer_name(_cert_name("consentgen test CA"))
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
            .subject_name(_cert_name(f"Test {who.title()}"))
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


def _appearance(
    writer: IncrementalPdfFileWriter, widget: generic.DictionaryObject, text: str
) -> generic.DictionaryObject:
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    font = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Font"),
            pdf_name("/Subtype"): pdf_name("/Type1"),
            pdf_name("/BaseFont"): pdf_name("/Helvetica"),
        }
    )
    stream = generic.StreamObject(
        {
            pdf_name("/Type"): pdf_name("/XObject"),
            pdf_name("/Subtype"): pdf_name("/Form"),
            pdf_name("/BBox"): generic.ArrayObject(
                [generic.FloatObject(v) for v in (0, 0, x2 - x1, y2 - y1)]
            ),
            pdf_name("/Resources"): generic.DictionaryObject(
                {pdf_name("/Font"): generic.DictionaryObject({pdf_name("/Helv"): font})}
            ),
        },
        stream_data=f"/Tx BMC BT /Helv 10 Tf 2 3 Td ({text}) Tj ET EMC".encode("latin-1"),
    )
    return generic.DictionaryObject({pdf_name("/N"): writer.add_object(stream)})


def fill_fields(data: bytes, values: dict[str, str], appearance_only: bool = False) -> bytes:
    """An incremental update that fills fields as a PDF viewer does (value and appearance), or
    that redraws only their appearance, leaving /V as it was."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    for ref in writer.root["/AcroForm"]["/Fields"]:
        widget = ref.get_object()
        name = str(widget.get("/T"))
        if name not in values:
            continue
        if widget.get("/FT") == "/Btn":
            state = pdf_name(values[name])
            widget[pdf_name("/V")] = state
            widget[pdf_name("/AS")] = state
        else:
            if not appearance_only:
                widget[pdf_name("/V")] = pdf_string(values[name])
            widget[pdf_name("/AP")] = _appearance(writer, widget, values[name])
        writer.mark_update(ref)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# What the provider writes in before anyone signs (the consent statement: the patient's own
# procedure) and what the patient writes beside their signature: a form signed by the patient
# after these is complete.
PATIENT_PART = {
    "practitioner": "Dr Ann Lee",
    "procedure_site": "T12, L1",
    "procedure_site_count": "2",
    "biopsy_no": "/Yes",
    "patient_name": "Maria Jones",
    "patient_date": "2026-12-05",
    "patient_time": "09:30",
}


def sign(data: bytes, field: str, who: str, pki: dict[str, Path]) -> bytes:
    """The form signed in field by who (a key and certificate of pki), with pyHanko."""
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


def helvetica(writer: object) -> object:
    """A reference to Helvetica, a font every PDF reader has, added to a pyHanko writer."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.generic import pdf_name

    font = {
        pdf_name("/Type"): pdf_name("/Font"),
        pdf_name("/Subtype"): pdf_name("/Type1"),
        pdf_name("/BaseFont"): pdf_name("/Helvetica"),
    }
    return writer.add_object(generic.DictionaryObject(font))  # type: ignore[attr-defined]


def stamp_page(data: bytes, text: str, page: int = 0) -> bytes:
    """An unsigned incremental update that prints text in large red Helvetica across a page of
    a PDF, as a forger would: the page's content and resources change, no field does."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.generic import pdf_name

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    page_ref = writer.find_page_for_modification(page)[0]
    page_dict = page_ref.get_object()
    font = helvetica(writer)
    resources = generic.DictionaryObject(
        page_dict["/Resources"] if "/Resources" in page_dict else {}
    )
    fonts = generic.DictionaryObject(resources["/Font"] if "/Font" in resources else {})
    fonts[pdf_name("/ConsentgenTestStamp")] = font
    resources[pdf_name("/Font")] = fonts
    page_dict[pdf_name("/Resources")] = resources
    # The page's own content in q ... Q, so that the stamp starts from the default state.
    saved = writer.add_object(generic.StreamObject(stream_data=b"q\n"))
    stamp = b"Q BT 1 0 0 rg /ConsentgenTestStamp 40 Tf 72 400 Td (%s) Tj ET" % text.encode()
    contents = page_dict.raw_get("/Contents")
    parts = list(contents) if isinstance(contents, generic.ArrayObject) else [contents]
    stamped = [saved, *parts, writer.add_object(generic.StreamObject(stream_data=stamp))]
    page_dict[pdf_name("/Contents")] = generic.ArrayObject(stamped)
    writer.update_container(page_dict)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="session")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the bundled project with its en and es kyphoplasty PDFs released; returns the
    project.

    The approval and the es sign-off are a test clinician's and a test reviewer's, recorded in
    this throwaway copy only.
    """
    project = copy_project(REPO, tmp_path_factory.mktemp("released") / "project")
    approve(project)
    review(project, "es")
    result = CliRunner().invoke(
        cli,
        ["--project", str(project), "build", "--release", "-l", "en", "-l", "es", "-f", "pdf"]
        + ["-p", "kyphoplasty"],
    )
    assert result.exit_code == 0, result.output
    return project


def verify_bytes(
    runner: CliRunner, project: Path, data: bytes, tmp_path: Path, *options: str
) -> tuple[int, str]:
    """`consentgen verify` of a returned form's bytes (written to tmp_path/returned.pdf)."""
    path = tmp_path / "returned.pdf"
    path.write_bytes(data)
    result = runner.invoke(cli, ["--project", str(project), "verify", str(path), *options])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output
