"""The Consent a returned form is the source of, bundled with the record of the form's file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.consent import Consent

from consentgen.ledger import ReleasedForm
from consentgen.records import (
    CONSENT_DOCUMENT,
    DocumentFile,
    bcp47,
    pdf_attachment,
    resource_id,
    urn,
)
from consentgen.records.document import returned_reference

CONSENT = "consent"
BUNDLE = "bundle"
_TREATMENT = {
    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
    "code": "treatment",
    "display": "Treatment",
}
# FHIR R4's rule ppc-1 asks every Consent for a policy or a policy rule: the patient opts in.
_OPT_IN = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}


@dataclass(frozen=True)
class ReturnedForm:
    """What is known of a returned form: its file, which form it is, who consented and when."""

    document: DocumentFile
    title: str
    form_id: str
    version: str
    locale: str
    released: ReleasedForm | None  # the released form it was filled in on, where known
    patient: str  # how the record names the patient (the form's label names them for certain)
    signed_by: str | None  # the printed name of who signed for the patient, where known
    signed_at: str | None  # when the patient signed (ISO 8601), where known
    recorded_at: str  # when this record is made
    organization: str  # the hospital; "" where unknown (verify outside a project)


def consent_bundle(form: ReturnedForm) -> Bundle:
    """A collection of the Consent (scope treatment) and the DocumentReference of its source."""
    consent_id = urn(CONSENT, form.document.sha256)
    language = bcp47(form.locale)
    consent: dict[str, Any] = {
        "resourceType": "Consent",
        "id": resource_id(CONSENT, form.document.sha256),
        "language": language,
        "status": "active",
        "scope": {"coding": [_TREATMENT]},
        "category": [{"coding": [CONSENT_DOCUMENT]}],
        "patient": {"display": form.patient},
        "sourceAttachment": pdf_attachment(form.document, form.title, language, form.recorded_at),
        "policyRule": {"coding": [_OPT_IN]},
        "provision": {"type": "permit"},
    }
    if form.organization:  # FHIR allows no empty name: an unknown hospital goes unnamed
        consent["organization"] = [{"display": form.organization}]
    if form.signed_at:
        consent["dateTime"] = form.signed_at
    if form.signed_by:
        consent["performer"] = [{"display": form.signed_by}]
    reference = returned_reference(
        form.document,
        form.title,
        form.locale,
        form.signed_at or form.recorded_at,
        form.form_id,
        form.version,
        form.released,
        consent_id,
    )
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "id": resource_id(BUNDLE, form.document.sha256),
            "type": "collection",
            "timestamp": form.recorded_at,
            "entry": [
                {"fullUrl": consent_id, "resource": Consent.model_validate(consent)},
                {
                    "fullUrl": f"urn:uuid:{reference.id}",
                    "resource": reference,
                },
            ],
        }
    )
