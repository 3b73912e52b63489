"""The FHIR record of each released PDF: a DocumentReference beside it, made by the release.

A record describes one PDF's bytes. Made at release time, it knows what only the ledger knows:
when those bytes were first released, and which earlier release of the same file (form,
language and variant) it replaces. The same bytes released again get the same record, byte for
byte; a PDF that a later build replaces loses its record (commit removes it).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

from consentgen.ledger import Release, ReleasedForm, released_form
from consentgen.manifest import Artifact

RECORD_SUFFIX = ".fhir.json"
RECORD_FORMAT = "fhir"


def record_path(pdf_path: str) -> str:
    """Where a PDF's record is, beside it: es/kyphoplasty.pdf -> es/kyphoplasty.pdf.fhir.json."""
    return pdf_path + RECORD_SUFFIX


def release_records(
    out_dir: Path, released: list[Artifact], releases: list[Release], now: str
) -> list[tuple[bytes, Artifact]]:
    """The record of each released PDF (already in place in out_dir) and its manifest entry.

    releases is the ledger before this release is added to it; now is this release's time.
    """
    # Imported here, not above: the FHIR models take a quarter of a second to import, and a
    # build that releases nothing (a no-op rebuild above all) never needs them.
    from consentgen.records import DocumentFile, record_bytes
    from consentgen.records.document import released_reference

    made = []
    for artifact in released:
        if artifact.format != "pdf":
            continue
        form = released_form(artifact)
        data = (out_dir / artifact.path).read_bytes()
        released_at, previous = _history(form, releases, now)
        name = artifact.path.rsplit("/", 1)[-1]
        resource = released_reference(
            form, DocumentFile.of(data, name), _title(data, artifact), released_at, previous
        )
        content = record_bytes(resource)
        made_from = [artifact.sha256, released_at, previous.sha256 if previous else None]
        made.append(
            (
                content,
                Artifact(
                    path=record_path(artifact.path),
                    procedure=artifact.procedure,
                    locale=artifact.locale,
                    format=RECORD_FORMAT,
                    form_id=artifact.form_id,
                    form_version=artifact.form_version,
                    translation_status=artifact.translation_status,
                    sha256=hashlib.sha256(content).hexdigest(),
                    bytes=len(content),
                    inputs_sha256=hashlib.sha256(json.dumps(made_from).encode()).hexdigest(),
                ),
            )
        )
    return made


def _history(
    form: ReleasedForm, releases: list[Release], now: str
) -> tuple[str, ReleasedForm | None]:
    """When these bytes were first released, and the release of the same file before that
    whose bytes differ: the one this release's record replaces."""
    earlier = [(r, f) for r in releases for f in r.forms if f.path == form.path]
    first = next((r for r, f in earlier if f.sha256 == form.sha256), None)  # oldest first
    before = [
        f
        for r, f in earlier
        if f.sha256 != form.sha256 and (first is None or r.order < first.order)
    ]
    return (first.released_at if first else now), (before[-1] if before else None)


def _title(data: bytes, artifact: Artifact) -> str:
    """The PDF's own title (its document information), else what the manifest knows."""
    import pypdfium2  # here, as the records above: only a release reads a title

    with contextlib.suppress(pypdfium2.PdfiumError):
        document = pypdfium2.PdfDocument(data)
        try:
            title = document.get_metadata_dict().get("Title", "").strip()
        finally:
            document.close()
        if title:
            return str(title)
    return f"{artifact.procedure} consent form {artifact.form_id} ({artifact.locale})"
