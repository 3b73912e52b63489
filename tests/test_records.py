"""FHIR R4 records: the DocumentReference beside every released PDF, and the Consent of a
signed form that verifies; and what verify calls missing from a half-filled signed form.

Every record is parsed back with fhir.resources (its R4B models, whose DocumentReference,
Consent and Bundle are R4's) and its values checked against the files they describe.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from conftest import PATIENT_PART, REPO, approve, fill_fields, sign, verify_bytes
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.documentreference import DocumentReference

from consentgen.cli import cli


def _run(runner: CliRunner, project: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, ["--project", str(project), *args])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def _record(build: Path, locale: str) -> DocumentReference:
    path = build / locale / "kyphoplasty.pdf.fhir.json"
    return DocumentReference.model_validate_json(path.read_bytes())


def _sha1(data: bytes) -> bytes:
    return hashlib.sha1(data).digest()


def test_every_released_pdf_has_its_document_reference_beside_it(released: Path) -> None:
    import jsonschema

    build = released / "build"
    ledger = json.loads(next((released / "releases").glob("*.json")).read_text("utf-8"))
    titles = {
        "en": "Kyphoplasty for a vertebral compression fracture | Riverside General Hospital",
        "es": "Cifoplastia para una fractura vertebral por compresión | Riverside General Hospital",
    }
    for locale, title in titles.items():
        record = _record(build, locale)
        pdf = (build / locale / "kyphoplasty.pdf").read_bytes()
        assert record.status == "current" and record.docStatus == "final"
        coding = record.type.coding[0]
        assert (coding.system, coding.code, coding.display) == (
            "http://loinc.org",
            "59284-0",
            "Consent Document",
        )
        assert record.language == locale
        assert [(i.system, i.value) for i in record.identifier] == [
            ("urn:consentgen:form-id", "CF-SPINE-014"),
            ("urn:consentgen:form-version", "CF-SPINE-014:1.0"),
        ]
        assert record.date.strftime("%Y-%m-%dT%H:%M:%SZ") == ledger["released_at"]
        assert record.relatesTo is None  # the first release replaces nothing
        attachment = record.content[0].attachment
        assert attachment.contentType == "application/pdf" and attachment.language == locale
        assert (attachment.size, attachment.hash) == (len(pdf), _sha1(pdf))
        assert attachment.url == "kyphoplasty.pdf" and attachment.title == title
        text = json.loads((build / locale / "kyphoplasty.pdf.fhir.json").read_text("utf-8"))
        assert text["content"][0]["attachment"]["hash"] == base64.b64encode(_sha1(pdf)).decode()

    manifest = json.loads((build / "manifest.json").read_text("utf-8"))
    schema = json.loads((REPO / "schemas" / "manifest.schema.json").read_text("utf-8"))
    jsonschema.validate(manifest, schema)
    records = {a["path"]: a for a in manifest["artifacts"] if a["format"] == "fhir"}
    assert sorted(records) == ["en/kyphoplasty.pdf.fhir.json", "es/kyphoplasty.pdf.fhir.json"]
    for path, entry in records.items():
        assert entry["sha256"] == hashlib.sha256((build / path).read_bytes()).hexdigest()
    assert ".fhir.json" not in (build / "index.html").read_text("utf-8")


def _set_version(project: Path, old: str, new: str) -> None:
    settings = project / "pyproject.toml"
    text = settings.read_text("utf-8")
    assert f'version = "{old}"' in text
    settings.write_text(text.replace(f'version = "{old}"', f'version = "{new}"'), "utf-8")


# The PDFs of the procedure the released copy released.
KYPHOPLASTY = ("-f", "pdf", "-p", "kyphoplasty")


def test_a_later_release_replaces_the_earlier_record_and_a_preview_drops_a_stale_one(
    released: Path, tmp_path: Path, runner: CliRunner
) -> None:
    project = tmp_path / "project"
    shutil.copytree(released, project)
    build = project / "build"
    first = _record(build, "en")

    _set_version(project, "1.0", "1.1")
    approve(project)  # a new version is approved anew (in this copy only)
    code, output = _run(runner, project, "build", "--release", "-l", "en", "-l", "es", *KYPHOPLASTY)
    assert code == 0, output
    second = _record(build, "en")
    assert second.id != first.id
    (replaces,) = second.relatesTo
    assert replaces.code == "replaces"
    assert replaces.target.reference == f"DocumentReference/{first.id}"
    assert (
        replaces.target.identifier.value == first.masterIdentifier.value == f"urn:uuid:{first.id}"
    )
    assert second.identifier[1].value == "CF-SPINE-014:1.1"

    # The same bytes released again: the same record, byte for byte.
    before = (build / "en" / "kyphoplasty.pdf.fhir.json").read_bytes()
    code, output = _run(runner, project, "build", "--release", "-l", "en", *KYPHOPLASTY)
    assert code == 0, output
    assert (build / "en" / "kyphoplasty.pdf.fhir.json").read_bytes() == before

    # A preview that replaces the English PDF removes its record; the Spanish one stays.
    _set_version(project, "1.1", "1.2")
    code, output = _run(runner, project, "build", "-l", "en", *KYPHOPLASTY)
    assert code == 0, output
    assert not (build / "en" / "kyphoplasty.pdf.fhir.json").exists()
    assert (build / "es" / "kyphoplasty.pdf.fhir.json").is_file()
    manifest = json.loads((build / "manifest.json").read_text("utf-8"))
    assert [a["path"] for a in manifest["artifacts"] if a["format"] == "fhir"] == [
        "es/kyphoplasty.pdf.fhir.json"
    ]


def test_verify_names_each_empty_field_of_a_half_filled_signed_form(
    released: Path, pki: dict[str, Path], runner: CliRunner, tmp_path: Path
) -> None:
    form = (released / "build" / "en" / "kyphoplasty.pdf").read_bytes()
    # The provider writes in the bones only; the patient signs with their name alone.
    data = fill_fields(form, {"procedure_site": "T12", "patient_name": "Maria Jones"})
    data = sign(data, "patient_signature", "patient", pki)
    # The interpreter gives a name, ticks two ways of interpreting, and signs.
    interpreter = {"interpreter_name": "ID 4471", "interpreter_video": "/Yes"}
    data = fill_fields(data, {**interpreter, "interpreter_phone": "/Yes"})
    data = sign(data, "interpreter_signature", "provider", pki)
    # The provider completes their own part and signs last.
    provider = {"provider_name": "Dr Ann Lee", "provider_date": "2026-12-05"}
    data = fill_fields(data, {**provider, "provider_time": "09:40"})
    data = sign(data, "provider_signature", "provider", pki)
    out = tmp_path / "consent.json"
    code, output = verify_bytes(
        runner, released, data, tmp_path, "--trust", str(pki["ca"]), "--fhir", str(out)
    )
    assert code == 1, output
    assert [line for line in output.splitlines() if line.startswith("INCOMPLETE")] == [
        "INCOMPLETE: practitioner is empty (the practitioner responsible for the procedure)",
        "INCOMPLETE: procedure_site_count is empty (the number of bones to be treated)",
        "INCOMPLETE: patient_date is empty (the patient's date; patient signed)",
        "INCOMPLETE: patient_time is empty (the patient's time; patient signed)",
        "INCOMPLETE: interpreter_date is empty (the interpreter's date; interpreter signed)",
        "INCOMPLETE: interpreter_time is empty (the interpreter's time; interpreter signed)",
        "INCOMPLETE: interpreter_language is empty (the language interpreted; interpreter signed)",
        "INCOMPLETE: biopsy_yes / biopsy_no: none is ticked (whether a bone sample may be taken)",
        "INCOMPLETE: interpreter_in_person / interpreter_video / interpreter_phone: more than "
        "one is ticked (interpreter_video, interpreter_phone) (how the interpreting was done)",
    ]
    assert "ALTERED" not in output
    assert output.splitlines()[-2:] == [
        "result: INCOMPLETE - unaltered released form, but 9 item(s) a surveyor would cite "
        "are missing",
        f"not written: {out} (not verified)",
    ]
    assert not out.exists()


def test_a_complete_signed_form_that_verifies_yields_its_consent(
    released: Path, pki: dict[str, Path], runner: CliRunner, tmp_path: Path
) -> None:
    form = (released / "build" / "es" / "kyphoplasty.pdf").read_bytes()
    data = sign(fill_fields(form, PATIENT_PART), "patient_signature", "patient", pki)
    provider = {"provider_name": "Dr Ann Lee", "provider_date": "2026-12-05"}
    data = fill_fields(data, {**provider, "provider_time": "09:40"})
    data = sign(data, "provider_signature", "provider", pki)
    out = tmp_path / "records" / "consent.json"
    out.parent.mkdir()
    code, output = verify_bytes(
        runner, released, data, tmp_path, "--trust", str(pki["ca"]), "--fhir", str(out)
    )
    assert code == 0, output
    assert output.splitlines()[-2:] == ["result: unaltered released form", f"wrote {out}"]

    bundle = Bundle.model_validate_json(out.read_bytes())
    consent, reference = (entry.resource for entry in bundle.entry)
    assert bundle.type == "collection" and consent.get_resource_type() == "Consent"
    assert (consent.status, consent.scope.coding[0].code) == ("active", "treatment")
    assert (consent.category[0].coding[0].code, consent.language) == ("59284-0", "es")
    assert consent.patient.display == "Maria Jones"
    assert consent.performer[0].display == "Maria Jones"
    assert consent.organization[0].display == "Riverside General Hospital"
    assert consent.dateTime is not None and reference.date == consent.dateTime
    for attachment in (consent.sourceAttachment, reference.content[0].attachment):
        assert attachment.contentType == "application/pdf"
        assert (attachment.size, attachment.hash) == (len(data), _sha1(data))
        assert attachment.url == "../returned.pdf"
    assert reference.get_resource_type() == "DocumentReference"
    assert (reference.status, reference.type.coding[0].code) == ("current", "59284-0")
    assert reference.context.related[0].reference == bundle.entry[0].fullUrl
    (appends,) = reference.relatesTo
    released_record = _record(released / "build", "es")
    assert appends.code == "appends"
    assert appends.target.reference == f"DocumentReference/{released_record.id}"
