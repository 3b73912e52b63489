"""FHIR R4 records of consent forms, for an electronic health record to file them.

Every resource is built with fhir.resources and validated by it as it is made. The models are
its R4B ones (fhir.resources.R4B, FHIR 4.3.0): the last release of fhir.resources with R4's own
models (6.4.0, FHIR 4.0.1) needs pydantic 1. R4B changed neither DocumentReference, Consent,
Bundle nor the data types they use, so what is written here is R4 (docs/records.md).

- `document`: the DocumentReference of a PDF: a released blank form, a signed returned form, a
  scanned paper form;
- `consent`: the Consent a signed (or scanned) form is the source of, bundled with the
  DocumentReference of its file.

A resource's id comes from the file it describes (a UUID made from its SHA-256), so the record
of a file is the same wherever and whenever it is made, and a later record can point at an
earlier one from the release ledger alone.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.resource import Resource

FHIR_VERSION = "4.0.1"
CONSENT_DOCUMENT = {"system": "http://loinc.org", "code": "59284-0", "display": "Consent Document"}
# Identifier systems: the hospital's form numbers are its own, so they are named in a namespace
# of consentgen's; a form id's versions share one system.
FORM_ID_SYSTEM = "urn:consentgen:form-id"
FORM_VERSION_SYSTEM = "urn:consentgen:form-version"
URI_SYSTEM = "urn:ietf:rfc:3986"
_NAMESPACE = uuid.UUID("6f1b3c55-8a0e-5d47-9a86-2c1de4f0b7a1")  # consentgen's, for uuid5


@dataclass(frozen=True)
class DocumentFile:
    """A PDF a record describes: where it is, relative to the record, and its digests."""

    url: str  # relative to the folder the record is written in
    size: int
    sha1_base64: str  # FHIR's Attachment.hash
    sha256: str  # hex, for the resource ids

    @classmethod
    def of(cls, data: bytes, url: str) -> DocumentFile:
        """The facts of a file's bytes."""
        sha1 = base64.b64encode(hashlib.sha1(data, usedforsecurity=False).digest()).decode()
        return cls(url, len(data), sha1, hashlib.sha256(data).hexdigest())


def resource_id(kind: str, sha256: str) -> str:
    """A resource's id, from the file it is about: the same file, the same id."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{sha256}"))


def urn(kind: str, sha256: str) -> str:
    """The resource's id as a URI, for identifiers and bundle entries."""
    return f"urn:uuid:{resource_id(kind, sha256)}"


def form_identifiers(form_id: str, version: str) -> list[dict[str, str]]:
    """The form's id and its version, as identifiers of a record."""
    return [
        {"use": "official", "system": FORM_ID_SYSTEM, "value": form_id},
        {"use": "official", "system": FORM_VERSION_SYSTEM, "value": f"{form_id}:{version}"},
    ]


def pdf_attachment(
    document: DocumentFile, title: str, language: str, creation: str
) -> dict[str, Any]:
    """The attachment of a PDF: its type, language, size, SHA-1 and relative URL."""
    return {
        "contentType": "application/pdf",
        "language": language,
        "url": document.url,
        "size": document.size,
        "hash": document.sha1_base64,
        "title": title,
        "creation": creation,
    }


def bcp47(locale: str) -> str:
    """A Babel locale identifier (pt_BR, zh_Hans) as the BCP 47 tag FHIR uses."""
    return locale.replace("_", "-")


def record_bytes(resource: Resource) -> bytes:
    """A resource as the JSON file written beside its PDF: indented, keys in FHIR's order."""
    data = json.loads(resource.model_dump_json(exclude_none=True))
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
