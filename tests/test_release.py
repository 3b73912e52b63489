"""Release trust: a status that cannot lie, the release ledger, bytes that depend on content only,
and `verify` against the attacks a red team made (each test builds its attack file here).

Approvals and sign-offs are recorded in throwaway copies of the project, by a test clinician and
a test reviewer, never in the repository.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
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
    fill_untranslated,
    hand_made_release,
    review,
    sign,
    verify_bytes,
)
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pypdf import PdfReader

from consentgen.cli import cli

ES_NOTICE = "Traducción incompleta - parte del texto no está traducido - no apto para uso clínico"
EN_NOTICE = "Incomplete translation - some text is not translated - not for clinical use"
NEW_SENTENCE = "This sentence was added to the template and never translated."


def _run(runner: CliRunner, project: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, ["--project", str(project), *args])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def _copy_released(released: Path, tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(released, project)
    return project


# 1. Status is computed per form, from what the form shows.


def _add_untranslated_sentence(project: Path) -> None:
    template = project / "templates" / "procedures" / "kyphoplasty.html.j2"
    text = template.read_text("utf-8")
    marker = "{% block procedure_body %}"
    assert marker in text
    template.write_text(
        text.replace(marker, f"{marker}\n<p>{{% trans %}}{NEW_SENTENCE}{{% endtrans %}}</p>", 1),
        "utf-8",
    )


def test_a_reviewed_locale_whose_form_shows_new_english_text_is_incomplete(
    project: Path, runner: CliRunner
) -> None:
    review(project, "es")
    _add_untranslated_sentence(project)  # and no extract, no update
    approve(project)  # the English text, with its new sentence
    code, output = _run(
        runner, project, "build", "-l", "es", "-f", "html", "-f", "pdf", "-p", "kyphoplasty"
    )
    assert code == 0, output

    manifest = json.loads((project / "build" / "manifest.json").read_text("utf-8"))
    statuses = {a["path"]: a["translation_status"] for a in manifest["artifacts"]}
    assert statuses == {"es/kyphoplasty.html": "incomplete", "es/kyphoplasty.pdf": "incomplete"}
    assert manifest["build"] == "preview" and manifest["release"] is None

    html = (project / "build" / "es" / "kyphoplasty.html").read_text("utf-8")
    assert '<meta name="consentgen:translation-status" content="incomplete">' in html
    assert NEW_SENTENCE in html and ES_NOTICE in html and EN_NOTICE in html
    pdf = project / "build" / "es" / "kyphoplasty.pdf"
    info = PdfReader(pdf).metadata
    assert info is not None and info["/ConsentgenTranslationStatus"] == "incomplete"
    # The watermark, in both languages, on every page. It is rotated: pypdf reads it where
    # pdftotext does not, but drops the space where a line of it wraps.
    for number, page in enumerate(PdfReader(pdf).pages, 1):
        text = "".join(page.extract_text().split())
        for notice in (ES_NOTICE, EN_NOTICE):
            assert "".join(notice.split()) in text, number

    code, output = _run(runner, project, "list")
    assert re.search(
        r"^kyphoplasty +es +\d+%  incomplete \(1 message\(s\) not translated\)$", output, re.M
    )
    assert re.search(r"^kyphoplasty +en +100%  reviewed \(source language\)$", output, re.M)

    code, output = _run(runner, project, "check", "-l", "es")
    assert code == 1
    assert (
        "templates/procedures/kyphoplasty.html.j2: es: incomplete: the kyphoplasty form shows "
        "1 message(s) its catalog does not translate"
    ) in output
    code, output = _run(runner, project, "build", "--release", "-l", "es")
    assert code == 1 and "release refused:" in output
    assert not (project / "releases").exists()


def test_a_blank_translation_shows_the_source_text_and_makes_the_form_incomplete(
    project: Path, runner: CliRunner
) -> None:
    po = project / "locales" / "es" / "LC_MESSAGES" / "messages.po"
    text = po.read_text("utf-8")
    entry = re.search(r'msgid "Signatures"\nmsgstr "[^"]+"', text)
    assert entry is not None
    po.write_text(text.replace(entry.group(0), 'msgid "Signatures"\nmsgstr "   "'), "utf-8")
    fill_untranslated(project, "es")  # the stand-ins leave the blank entry as it is
    approve(project)
    code, output = _run(runner, project, "review", "es", "--by", "Test Reviewer")
    assert code == 2 and "cannot sign off: 1 untranslated" in output
    code, output = _run(runner, project, "build", "-l", "es", "-f", "html")
    assert code == 0, output
    html = (project / "build" / "es" / "kyphoplasty.html").read_text("utf-8")
    assert "<h2>Signatures</h2>" in html
    assert 'content="incomplete"' in html


# 2. A release ledger; previews are not releases.


def test_release_writes_an_append_only_ledger_record(released: Path) -> None:
    records = sorted((released / "releases").glob("*.json"))
    assert [r.name for r in records] == [f"{records[0].name[:10]}-1.json"]
    record = json.loads(records[0].read_text("utf-8"))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["released_at"])
    forms = {f["path"]: f for f in record["forms"]}
    assert sorted(forms) == ["en/kyphoplasty.pdf", "es/kyphoplasty.pdf"]
    for path, entry in forms.items():
        data = (released / "build" / path).read_bytes()
        import hashlib

        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["bytes"] == len(data)
        assert entry["translation_status"] == "reviewed"
        assert (entry["form_id"], entry["form_version"]) == ("CF-SPINE-014", "1.0")
    manifest = json.loads((released / "build" / "manifest.json").read_text("utf-8"))
    assert manifest["build"] == "release"
    assert manifest["release"] == f"releases/{records[0].name}"


def test_a_second_release_the_same_day_never_replaces_the_first(
    released: Path, tmp_path: Path, runner: CliRunner
) -> None:
    project = _copy_released(released, tmp_path)
    first = sorted((project / "releases").glob("*.json"))[0]
    before = first.read_bytes()
    code, output = _run(runner, project, "build", "--release", "-l", "en", "-f", "pdf")
    assert code == 0, output
    records = sorted((project / "releases").glob("*.json"))
    assert [r.name for r in records] == [first.name, first.name.replace("-1.json", "-2.json")]
    assert first.read_bytes() == before


def test_verify_refuses_a_signed_preview_and_a_form_released_as_draft(
    released: Path, tmp_path: Path, pki: dict[str, Path], runner: CliRunner
) -> None:
    project = _copy_released(released, tmp_path)
    preview = tmp_path / "preview"
    code, output = _run(runner, project, "build", "-l", "zh_Hans", "-f", "pdf", "-o", str(preview))
    assert code == 0, output
    draft = preview / "zh_Hans" / "kyphoplasty.pdf"
    signed = tmp_path / "signed-draft.pdf"
    signed.write_bytes(sign(draft.read_bytes(), "patient_signature", "patient", pki))
    code, output = _run(runner, project, "verify", str(signed), "--trust", str(pki["ca"]))
    assert code == 1, output
    assert "result: NOT RELEASED FOR CLINICAL USE - no release of this project has this form" in (
        output
    )

    # A ledger that records the draft as released (an older tool, a hand edit): still not
    # for clinical use.
    hand_made_release(project, draft, "zh_Hans", "draft")
    code, output = _run(runner, project, "verify", str(signed), "--trust", str(pki["ca"]))
    assert code == 1, output
    assert "released as draft" in output
    assert output.rstrip().endswith(
        "result: NOT RELEASED FOR CLINICAL USE - released as draft, not reviewed"
    )


def test_verify_outside_a_release_names_the_missing_ledger(
    tmp_path: Path, runner: CliRunner
) -> None:
    project = copy_project(REPO, tmp_path / "project")
    assert _run(runner, project, "build", "-l", "en", "-f", "pdf")[0] == 0
    code, output = _run(
        runner, project, "verify", str(project / "build" / "en" / "kyphoplasty.pdf")
    )
    assert code == 2 and "releases: no release ledger" in output


# 3. Release what is ready.


def test_release_ready_releases_what_passes_and_names_what_is_held_back(
    tmp_path: Path, runner: CliRunner
) -> None:
    project = copy_project(REPO, tmp_path / "project")
    approve(project)
    review(project, "es")
    code, output = _run(
        runner, project, "build", "--release-ready", "-l", "en", "-l", "es", "-l", "fr",
        "-f", "html",
    )  # fmt: skip
    assert code == 0, output
    assert (
        "held back: fr/kyphoplasty: locales/fr/LC_MESSAGES/messages.po: fr: draft translation: "
        "no reviewer has signed off its translations"
    ) in output
    assert not (project / "build" / "fr").exists()
    record = json.loads(next((project / "releases").glob("*.json")).read_text("utf-8"))
    assert sorted(f["path"] for f in record["forms"]) == [
        f"{locale}/{procedure}.html"
        for locale in ("en", "es")
        for procedure in ("kyphoplasty", "vertebroplasty")
    ]
    assert {(h["procedure"], h["locale"]) for h in record["held_back"]} == {
        ("kyphoplasty", "fr"),
        ("vertebroplasty", "fr"),
    }

    code, output = _run(runner, project, "build", "--release-ready", "-l", "fr")
    assert code == 1 and "nothing is ready to release:" in output
    code, output = _run(runner, project, "build", "--release", "--release-ready")
    assert code == 2 and "choose one" in output


# 4. Bytes depend on content only.


def _rewrite_without_changing_text(po: Path) -> None:
    """What a translation platform does on every commit: new header dates and generator, new
    references and comments, and its own line wrapping. No translation changes."""
    from babel.messages.pofile import read_po, write_po

    with po.open("rb") as handle:
        catalog = read_po(handle)
    catalog.revision_date = dt.datetime(2031, 5, 6, 7, 8, tzinfo=dt.UTC)
    catalog.last_translator = "Translation Platform <bot@example.org>"
    for number, message in enumerate(m for m in catalog if m.id):
        message.locations = [*message.locations, (f"platform/segment-{number}.txt", number)]
        message.user_comments = [*message.user_comments, "checked by the platform's QA"]
    out = io.BytesIO()
    write_po(out, catalog, width=38)  # rewrapped, as msgcat --width=38 would
    text = out.getvalue().decode("utf-8")
    text = text.replace('"Generated-By:', '"X-Generator: Platform 9.9\\n"\n"Generated-By:', 1)
    po.write_text(text, "utf-8")


TIMES = ".consentgen-times.json"


def test_a_catalog_change_that_changes_no_text_changes_no_byte(
    tmp_path: Path, runner: CliRunner
) -> None:
    project = copy_project(REPO, tmp_path / "project")
    assert _run(runner, project, "build", "-j", "2")[0] == 0
    build = project / "build"
    before = {p: p.read_bytes() for p in build.rglob("*") if p.is_file()}
    for code in LOCALES[1:]:
        po = project / "locales" / code / "LC_MESSAGES" / "messages.po"
        original = po.read_text("utf-8")
        _rewrite_without_changing_text(po)
        assert po.read_text("utf-8") != original
    code, output = _run(runner, project, "build", "-j", "2")
    assert code == 0, output
    # Rendered again (the source language's forms have no catalog: up to date); only the
    # manifest changed.
    assert "built 1 files, 60 unchanged, 4 up to date, 0 failed" in output
    after = {p: p.read_bytes() for p in build.rglob("*") if p.is_file()}
    assert after.keys() == before.keys()
    # The render times kept to hand out the longest forms first are no output.
    changed = [p.name for p in before if before[p] != after[p] and p.name != TIMES]
    assert changed == ["manifest.json"]


def test_a_form_signed_before_a_rewrapped_catalog_is_still_the_current_release(
    released: Path, tmp_path: Path, pki: dict[str, Path], runner: CliRunner
) -> None:
    project = _copy_released(released, tmp_path)
    signed = tmp_path / "signed.pdf"
    form = (project / "build" / "es" / "kyphoplasty.pdf").read_bytes()
    signed.write_bytes(sign(fill_fields(form, PATIENT_PART), "patient_signature", "patient", pki))
    _rewrite_without_changing_text(project / "locales" / "es" / "LC_MESSAGES" / "messages.po")
    code, output = _run(runner, project, "build", "--release", "-l", "en", "-l", "es", "-f", "pdf")
    assert code == 0, output
    assert len(list((project / "releases").glob("*.json"))) == 2
    code, output = _run(runner, project, "verify", str(signed), "--trust", str(pki["ca"]))
    assert code == 0, output
    assert "the current release" in output


# 5. verify protects everything each signer saw.


@pytest.fixture
def patient_signed(released: Path, pki: dict[str, Path]) -> bytes:
    """The English form as the patient filled and signed it."""
    form = (released / "build" / "en" / "kyphoplasty.pdf").read_bytes()
    filled = fill_fields(form, {**PATIENT_PART, "teaching_exams_no": "/Yes"})
    return sign(filled, "patient_signature", "patient", pki)


def _then_provider_signs(data: bytes, pki: dict[str, Path]) -> bytes:
    filled = fill_fields(
        data,
        {"provider_name": "Dr Ann Lee", "provider_date": "2026-12-05", "provider_time": "09:40"},
    )
    return sign(filled, "provider_signature", "provider", pki)


def test_the_whole_signing_sequence_verifies(
    released: Path, patient_signed: bytes, pki: dict[str, Path], runner: CliRunner, tmp_path: Path
) -> None:
    both = _then_provider_signs(patient_signed, pki)
    code, output = verify_bytes(runner, released, both, tmp_path, "--trust", str(pki["ca"]))
    assert code == 0, output
    assert output.rstrip().endswith("result: unaltered released form")
    assert "provider_signature: certificate issued to" in output


@pytest.mark.parametrize(
    ("attack", "expected"),
    [
        # The page shows another name; /V still says Maria Jones.
        (
            lambda data: fill_fields(data, {"patient_name": "John Smith"}, appearance_only=True),
            "ALTERED: patient_name changed after patient_signature was signed",
        ),
        # A box the patient left empty, ticked after they signed.
        (
            lambda data: fill_fields(data, {"teaching_exams_yes": "/Yes"}),
            "ALTERED: teaching_exams_yes filled in after patient_signature was signed",
        ),
        # The patient's own empty line, filled in after they signed.
        (
            lambda data: fill_fields(data, {"patient_relationship": "Guardian"}),
            "ALTERED: patient_relationship filled in after patient_signature was signed",
        ),
    ],
    ids=["appearance-redrawn", "empty-box-ticked", "empty-line-filled"],
)
def test_what_the_patient_saw_stays_as_they_signed_it_under_a_later_signature(
    released: Path,
    patient_signed: bytes,
    pki: dict[str, Path],
    runner: CliRunner,
    tmp_path: Path,
    attack: object,
    expected: str,
) -> None:
    tampered = attack(patient_signed)  # type: ignore[operator]
    covered = _then_provider_signs(tampered, pki)
    code, output = verify_bytes(runner, released, covered, tmp_path, "--trust", str(pki["ca"]))
    assert code == 1, output
    assert expected in output
    assert "result: ALTERED" in output


def test_the_consent_statement_cannot_be_filled_in_after_the_first_signature(
    released: Path, pki: dict[str, Path], runner: CliRunner, tmp_path: Path
) -> None:
    form = (released / "build" / "en" / "kyphoplasty.pdf").read_bytes()
    signed = sign(
        fill_fields(form, {"patient_name": "Maria Jones"}), "patient_signature", "patient", pki
    )
    late = _then_provider_signs(fill_fields(signed, {"practitioner": "Dr Nobody"}), pki)
    code, output = verify_bytes(runner, released, late, tmp_path, "--trust", str(pki["ca"]))
    assert code == 1
    assert "ALTERED: practitioner filled in after patient_signature was signed" in output


@pytest.fixture(scope="module")
def released_en(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the bundled project with its English PDF released (the source language needs no
    translation sign-off); returns the project."""
    project = copy_project(REPO, tmp_path_factory.mktemp("released-en") / "project")
    approve(project)
    release = ["--project", str(project), "build", "--release", "-l", "en", "-f", "pdf"]
    result = CliRunner().invoke(cli, release)
    assert result.exit_code == 0, result.output
    return project


# The patient's own procedure, as the provider writes it in before the patient signs.
OWN_PROCEDURE = {
    "practitioner": "Dr Ann Lee",
    "procedure_site": "T12, L1",
    "procedure_site_count": "2",
    "biopsy_yes": "/Yes",
    "specific_risks": "Heart condition: higher risk from sedation.",
}


def _signed_by_patient(project: Path, pki: dict[str, Path], statement: dict[str, str]) -> bytes:
    form = (project / "build" / "en" / "kyphoplasty.pdf").read_bytes()
    filled = fill_fields(
        form,
        {
            **statement,
            "patient_name": "Maria Jones",
            "patient_date": "2026-12-05",
            "patient_time": "09:30",
        },
    )
    return sign(filled, "patient_signature", "patient", pki)


def test_the_patients_own_procedure_filled_in_before_signing_verifies(
    released_en: Path, pki: dict[str, Path], runner: CliRunner, tmp_path: Path
) -> None:
    both = _then_provider_signs(_signed_by_patient(released_en, pki, OWN_PROCEDURE), pki)
    code, output = verify_bytes(runner, released_en, both, tmp_path, "--trust", str(pki["ca"]))
    assert code == 0, output
    assert output.rstrip().endswith("result: unaltered released form")


@pytest.mark.parametrize(
    ("field", "late"),
    [
        ("procedure_site", "L2"),
        ("procedure_site_count", "3"),
        ("biopsy_no", "/Yes"),
        ("specific_risks", "None"),
    ],
)
def test_the_patients_own_procedure_cannot_be_filled_in_after_the_patient_signed(
    released_en: Path,
    pki: dict[str, Path],
    runner: CliRunner,
    tmp_path: Path,
    field: str,
    late: str,
) -> None:
    # Everything but this field filled in, then the patient signs; then the field is filled in
    # and the provider signs over it.
    statement = {k: v for k, v in OWN_PROCEDURE.items() if k != field and k != "biopsy_yes"}
    signed = _signed_by_patient(released_en, pki, statement)
    late_form = _then_provider_signs(fill_fields(signed, {field: late}), pki)
    code, output = verify_bytes(runner, released_en, late_form, tmp_path, "--trust", str(pki["ca"]))
    assert code == 1, output
    assert f"ALTERED: {field} filled in after patient_signature was signed" in output
    assert "result: ALTERED" in output


def test_the_bones_written_in_cannot_be_changed_after_the_patient_signed(
    released_en: Path, pki: dict[str, Path], runner: CliRunner, tmp_path: Path
) -> None:
    signed = _signed_by_patient(released_en, pki, OWN_PROCEDURE)
    changed = _then_provider_signs(fill_fields(signed, {"procedure_site": "L3, L4"}), pki)
    code, output = verify_bytes(runner, released_en, changed, tmp_path, "--trust", str(pki["ca"]))
    assert code == 1, output
    assert "ALTERED: procedure_site changed after patient_signature was signed" in output


def _after_last_signature(data: bytes, change: str) -> bytes:
    if change == "bytes-without-xref":
        return data + b"5000 0 obj\n(NO RISKS)\nendobj\n"
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    if change == "info":
        writer.trailer["/Info"][pdf_name("/Title")] = pdf_string("NO RISKS")
        writer.update_container(writer.trailer["/Info"])
    elif change == "xmp":
        xmp = generic.StreamObject(
            {pdf_name("/Type"): pdf_name("/Metadata"), pdf_name("/Subtype"): pdf_name("/XML")},
            stream_data=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>NO RISKS</x:xmpmeta>",
        )
        writer.root[pdf_name("/Metadata")] = writer.add_object(xmp)
        writer.update_root()
    elif change == "orphan":
        writer.add_object(generic.StreamObject(stream_data=b"BT (NO RISKS) Tj ET"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("change", ["info", "xmp", "orphan", "bytes-without-xref"])
def test_anything_unsigned_after_the_last_signature_is_altered(
    released: Path,
    patient_signed: bytes,
    pki: dict[str, Path],
    runner: CliRunner,
    tmp_path: Path,
    change: str,
) -> None:
    code, output = verify_bytes(
        runner, released, _after_last_signature(patient_signed, change), tmp_path,
        "--trust", str(pki["ca"]),
    )  # fmt: skip
    assert code == 1, output
    assert "result: ALTERED" in output


# 6. verify is bounded.


def test_verify_refuses_what_is_not_a_regular_file_or_too_large(
    released: Path, tmp_path: Path, runner: CliRunner
) -> None:
    code, output = _run(runner, released, "verify", "/dev/zero")
    assert code == 2 and output.strip().endswith("/dev/zero: not a regular file")

    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as handle:  # sparse: 200 MB that are never written, or read
        handle.write(b"%PDF-1.7\n")
        handle.truncate(200_000_000)
    code, output = _run(runner, released, "verify", str(huge))
    assert code == 2
    assert "200.0 MB, larger than a returned form may be: 50 MB (verify_max_mb" in output

    project = _copy_released(released, tmp_path)
    settings = project / "pyproject.toml"
    settings.write_text(
        settings.read_text("utf-8").replace(
            'page_size = "Letter"', 'page_size = "Letter"\nverify_max_mb = 0.01'
        ),
        "utf-8",
    )
    form = project / "build" / "en" / "kyphoplasty.pdf"
    code, output = _run(runner, project, "verify", str(form))
    assert code == 2 and "larger than a returned form may be: 0.01 MB" in output


def test_a_malformed_tail_after_the_released_form_is_altered_not_unreadable(
    released: Path, tmp_path: Path, runner: CliRunner
) -> None:
    form = (released / "build" / "en" / "kyphoplasty.pdf").read_bytes()
    tail = b"xref\n0 1\nthis is not a cross-reference table\ntrailer\n<< /Size 1 >>\n"
    tail += b"startxref\n99999999\n%%EOF\n"
    code, output = verify_bytes(runner, released, form + tail, tmp_path)
    assert code == 1, output
    assert "released: yes - byte-identical to en/kyphoplasty.pdf" in output
    assert re.search(r"^ALTERED: .+", output, re.M), output
    assert output.rstrip().endswith("result: ALTERED - not the form as released and signed")


# 7. Who signed: a trust anchor, or an explicit acceptance of unverified signers.


@pytest.fixture(scope="module")
def impostor(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A self-signed certificate named "Test Patient", as anyone can make."""
    folder = tmp_path_factory.mktemp("impostor")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Patient")])
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    files = {"patient_key": folder / "key.pem", "patient_cert": folder / "cert.pem"}
    files["patient_key"].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    files["patient_cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files["ca"] = files["patient_cert"]
    return files


def test_without_a_trust_anchor_a_signature_never_reads_as_verified(
    released: Path,
    impostor: dict[str, Path],
    pki: dict[str, Path],
    runner: CliRunner,
    tmp_path: Path,
) -> None:
    form = (released / "build" / "en" / "kyphoplasty.pdf").read_bytes()
    forged = sign(fill_fields(form, PATIENT_PART), "patient_signature", "patient", impostor)
    code, output = verify_bytes(runner, released, forged, tmp_path)
    assert code == 1, output
    assert "WHO SIGNED IS NOT VERIFIED" in output
    assert "result: unaltered released form, but who signed is NOT VERIFIED" in output

    code, output = verify_bytes(runner, released, forged, tmp_path, "--accept-unverified-signers")
    assert code == 0, output
    assert "(accepted with --accept-unverified-signers)" in output

    code, output = verify_bytes(runner, released, forged, tmp_path, "--trust", str(pki["ca"]))
    assert code == 1 and "signer NOT TRUSTED" in output


def test_trust_anchors_can_be_a_setting_of_the_project(
    released: Path, pki: dict[str, Path], runner: CliRunner, tmp_path: Path
) -> None:
    project = _copy_released(released, tmp_path)
    shutil.copy(pki["ca"], project / "hospital-ca.pem")
    settings = project / "pyproject.toml"
    settings.write_text(
        settings.read_text("utf-8").replace(
            'page_size = "Letter"', 'page_size = "Letter"\ntrust_anchors = ["hospital-ca.pem"]'
        ),
        "utf-8",
    )
    form = (project / "build" / "en" / "kyphoplasty.pdf").read_bytes()
    signed = sign(fill_fields(form, PATIENT_PART), "patient_signature", "patient", pki)
    code, output = verify_bytes(runner, project, signed, tmp_path)
    assert code == 0, output
    assert "signer trusted" in output


def test_a_hostile_ledger_record_is_one_line_naming_it(
    released: Path, tmp_path: Path, runner: CliRunner
) -> None:
    project = _copy_released(released, tmp_path)
    record = next((project / "releases").glob("*.json"))
    data = json.loads(record.read_text("utf-8"))
    data["forms"][0]["bytes"] = "69402"
    bad = project / "releases" / "2099-01-01-1.json"
    bad.write_text(json.dumps(data), "utf-8")
    code, output = _run(
        runner, project, "verify", str(project / "build" / "en" / "kyphoplasty.pdf")
    )
    assert code == 2
    assert output.strip().splitlines() == [
        "releases/2099-01-01-1.json: not a consentgen release record "
        "('en/kyphoplasty.pdf': bytes must be a positive whole number)"
    ]


def test_the_manifest_and_the_release_record_follow_their_schemas(released: Path) -> None:
    import jsonschema

    record = next((released / "releases").glob("*.json"))
    for document, schema in (
        (released / "build" / "manifest.json", "manifest.schema.json"),
        (record, "release.schema.json"),
    ):
        validator = json.loads((REPO / "schemas" / schema).read_text("utf-8"))
        jsonschema.validate(json.loads(document.read_text("utf-8")), validator)
        broken = json.loads(document.read_text("utf-8"))
        key = "artifacts" if "artifacts" in broken else "forms"
        broken[key][0]["translation_status"] = "approved-ish"
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, validator)
