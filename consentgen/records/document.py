"""The DocumentReference of a consent form's PDF: released blank, signed, or scanned."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.documentreference import DocumentReference

from consentgen.ledger import ReleasedForm
from consentgen.records import (
    CONSENT_DOCUMENT,
    URI_SYSTEM,
    DocumentFile,
    bcp47,
    form_identifiers,
    pdf_attachment,
    resource_id,
    urn,
)

RELEASED = "released"  # the kind of a released form's record, in its id
RETURNED = "returned"  # a signed or scanned form's


def released_reference(
    form: ReleasedForm,
    document: DocumentFile,
    title: str,
    released_at: str,
    previous: ReleasedForm | None,
) -> DocumentReference:
    """The record of a released PDF; it replaces the record of previous, the earlier release of
    the same form in the same language (and variant)."""
    resource = _reference(
        RELEASED,
        document,
        title,
        bcp47(form.locale),
        released_at,
        form_identifiers(form.form_id, form.form_version),
    )
    if previous is not None:
        resource["relatesTo"] = [{"code": "replaces", "target": released_target(previous)}]
    return DocumentReference.model_validate(resource)


def returned_reference(
    document: DocumentFile,
    title: str,
    locale: str,
    date: str,
    form_id: str,
    version: str,
    released: ReleasedForm | None,
    consent_urn: str,
) -> DocumentReference:
    """The record of a returned form (signed, or scanned paper) that is the source of a Consent:
    it appends to the released form it was filled in on, where that is known."""
    resource = _reference(
        RETURNED,
        document,
        title,
        bcp47(locale),
        date,
        form_identifiers(form_id, version),
    )
    if released is not None:
        resource["relatesTo"] = [{"code": "appends", "target": released_target(released)}]
    resource["context"] = {"related": [{"reference": consent_urn, "display": "Consent"}]}
    return DocumentReference.model_validate(resource)


def released_target(form: ReleasedForm) -> dict[str, Any]:
    """A reference to a released form's record, by its id and, for a system that gives records
    ids of its own, by its master identifier."""
    return {
        "reference": f"DocumentReference/{resource_id(RELEASED, form.sha256)}",
        "identifier": {"system": URI_SYSTEM, "value": urn(RELEASED, form.sha256)},
        "display": f"{form.form_id} version {form.form_version} ({form.locale})",
    }


def _reference(
    kind: str,
    document: DocumentFile,
    title: str,
    language: str,
    date: str,
    identifiers: list[dict[str, str]],
) -> dict[str, Any]:
    return {
        "resourceType": "DocumentReference",
        "id": resource_id(kind, document.sha256),
        "language": language,
        "masterIdentifier": {"system": URI_SYSTEM, "value": urn(kind, document.sha256)},
        "identifier": identifiers,
        "status": "current",
        "docStatus": "final",
        "type": {"coding": [CONSENT_DOCUMENT], "text": CONSENT_DOCUMENT["display"]},
        "date": date,
        "description": title,
        "content": [{"attachment": pdf_attachment(document, title, language, date)}],
    }
