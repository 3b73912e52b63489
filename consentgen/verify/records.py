"""`verify --fhir OUT`: the FHIR Consent of a verified signed form, with the DocumentReference
of the signed file, as one Bundle."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from consentgen.files import atomic_write
from consentgen.records import DocumentFile, record_bytes
from consentgen.records.consent import ReturnedForm, consent_bundle
from consentgen.verify.report import VerifyReport


def write_consent(report: VerifyReport, pdf: Path, out: Path, organization: str) -> None:
    """Write the Bundle of a form that verified (unaltered, released, complete) to out."""
    if not report.verified or report.released is None:
        raise ValueError("only a verified form has a Consent")
    values = report.values
    name = values.get("patient_name", "")
    relationship = values.get("patient_relationship", "")
    patient = (
        f"the patient represented by {name} ({relationship})" if name and relationship else name
    )
    signed = {s.field: s.signed_at for s in report.signatures if s.signed_at}
    signed_at = signed.get("patient_signature") or min(signed.values(), default=None)
    url = Path(os.path.relpath(pdf.resolve(), out.resolve().parent)).as_posix()
    form = ReturnedForm(
        document=DocumentFile.of(pdf.read_bytes(), url),
        title=report.title or report.released.path,
        form_id=report.released.form_id,
        version=report.released.form_version,
        locale=report.released.locale,
        released=report.released,
        patient=patient or "the patient named on the form",
        signed_by=name or None,
        signed_at=signed_at,
        recorded_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        organization=organization,
    )
    atomic_write(out, record_bytes(consent_bundle(form)))
