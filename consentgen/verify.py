"""`consentgen verify`: is a returned form an unaltered copy of a released one, and who signed it.

A released form is a manifest artifact. A signer that appends an incremental update (pyHanko and
every other PDF signer) keeps the released bytes as the file's prefix, so a returned form is
unaltered exactly when some artifact's bytes are a prefix of it and every signature appended
after is intact and covers everything but later signatures.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, ModificationLevel
from pyhanko.sign.fields import MDPPerm, enumerate_sig_fields
from pyhanko.sign.general import load_cert_from_pemder
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from consentgen.errors import ConsentgenError
from consentgen.manifest import Artifact, read_manifest

_INFO_KEYS = {
    "form_id": "/ConsentgenFormId",
    "version": "/ConsentgenFormVersion",
    "locale": "/ConsentgenLocale",
    "translation_status": "/ConsentgenTranslationStatus",
}


@dataclass
class SignatureReport:
    """One signature field of a returned form."""

    field: str
    signed: bool = False
    signer: str = ""
    intact: bool = False
    valid: bool = False
    trusted: bool | None = None
    covers_all_but_later_signatures: bool = False

    @property
    def ok(self) -> bool:
        return not self.signed or (
            self.intact
            and self.valid
            and self.covers_all_but_later_signatures
            and self.trusted is not False
        )

    def describe(self) -> str:
        if not self.signed:
            return f"{self.field}: empty"
        state = [
            "intact" if self.intact else "NOT INTACT",
            "valid" if self.valid else "NOT VALID",
            {
                None: "signer not checked against a trust anchor (use --trust)",
                True: "trusted",
                False: "NOT TRUSTED",
            }[self.trusted],
            "covers everything but later signatures"
            if self.covers_all_but_later_signatures
            else "DOES NOT cover the whole document",
        ]
        return f"{self.field}: signed by {self.signer}; {', '.join(state)}"


@dataclass
class VerifyReport:
    """What `consentgen verify` found."""

    identity: dict[str, str]
    artifact: Artifact | None = None
    current: bool = False
    added_bytes: int = 0
    # What the revisions after the released form change: only filling in fields and signing
    # is allowed; anything else (page content, fields added or removed) alters the form.
    later_changes_ok: bool = True
    later_changes: str = "none"
    signatures: list[SignatureReport] = field(default_factory=list)

    @property
    def unaltered(self) -> bool:
        return (
            self.artifact is not None
            and self.later_changes_ok
            and all(s.ok for s in self.signatures)
        )


def _first_line(thing: object, limit: int = 160) -> str:
    line = str(thing).strip().splitlines()[0] if str(thing).strip() else type(thing).__name__
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _review_later_changes(reader: PdfFileReader, released: bytes) -> tuple[bool, str]:
    """Whether the revisions appended after the released form only fill in fields and sign."""
    base = PdfFileReader(io.BytesIO(released), strict=False).xrefs.total_revisions - 1
    try:
        result = DEFAULT_DIFF_POLICY.review_file(reader, base, doc_mdp=MDPPerm.FILL_FORMS)
    except Exception as exc:  # pyHanko raises on structures it will not compare
        return False, f"CHANGES THAT CANNOT BE CHECKED ({_first_line(exc)})"
    level = getattr(result, "modification_level", None)
    if level is None or level.value > ModificationLevel.FORM_FILLING.value:
        return False, f"CHANGES BEYOND FILLING IN AND SIGNING ({_first_line(result)})"
    return True, "only fields filled in and signatures"


def _released_prefix(data: bytes, artifacts: list[Artifact]) -> Artifact | None:
    """The released form whose bytes begin the returned file, if any."""
    for artifact in sorted(artifacts, key=lambda a: -a.bytes):
        if artifact.format == "pdf" and artifact.bytes <= len(data):
            if hashlib.sha256(data[: artifact.bytes]).hexdigest() == artifact.sha256:
                return artifact
    return None


def verify(path: Path, manifests: list[Path], trust: list[Path]) -> VerifyReport:
    """Examine a returned form against the manifests of released forms.

    The first manifest is the current release; any others are earlier releases, kept by the
    forms team, so that a form signed on an older version is recognised as such.
    """
    # pyHanko logs every failed check with a traceback; the report says what failed instead.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConsentgenError(f"{path}: cannot read ({exc.strerror})") from None
    if not data.lstrip(b"\0\t\n\r ").startswith(b"%PDF-"):
        raise ConsentgenError(f"{path}: not a PDF file")
    for manifest in manifests:
        if not manifest.is_file():
            raise ConsentgenError(f"{manifest}: no manifest (build the forms, or pass --manifest)")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        info = reader.trailer["/Info"] if "/Info" in reader.trailer else {}
    except Exception as exc:  # a damaged file is not a PDF we can read
        raise ConsentgenError(f"{path}: not a readable PDF ({exc})") from None
    identity = {key: str(info.get(name, "?")) for key, name in _INFO_KEYS.items()}

    report = VerifyReport(identity)
    for number, manifest in enumerate(manifests):
        report.artifact = _released_prefix(data, list(read_manifest(manifest).values()))
        if report.artifact is not None:
            report.current = number == 0
            report.added_bytes = len(data) - report.artifact.bytes
            break
    if report.artifact is not None and report.added_bytes:
        report.later_changes_ok, report.later_changes = _review_later_changes(
            reader, data[: report.artifact.bytes]
        )

    roots = [load_cert_from_pemder(str(p)) for p in trust]
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    signatures = {sig.field_name: sig for sig in reader.embedded_signatures}
    for name, _value, _ref in enumerate_sig_fields(reader, filled_status=None):
        entry = SignatureReport(name)
        embedded = signatures.get(name)
        if embedded is not None:
            entry.signed = True
            entry.signer = embedded.signer_cert.subject.human_friendly
            status = validate_pdf_signature(embedded, context)
            entry.intact, entry.valid = status.intact, status.valid
            entry.trusted = status.trusted if roots else None
            entry.covers_all_but_later_signatures = (
                status.coverage == SignatureCoverageLevel.ENTIRE_FILE
                or (
                    status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
                    and status.docmdp_ok is not False
                    and status.modification_level is not None
                    and status.modification_level.name in {"NONE", "LTA_UPDATES", "FORM_FILLING"}
                )
            )
        report.signatures.append(entry)
    return report


def describe(report: VerifyReport, path: Path) -> list[str]:
    """The lines `consentgen verify` prints."""
    ident = report.identity
    lines = [
        f"file: {path}",
        f"form: {ident['form_id']} version {ident['version']}, locale {ident['locale']}, "
        f"translation {ident['translation_status']}",
    ]
    if report.artifact is None:
        lines.append(
            "released: NO - its first revision matches no form in the manifest "
            "(altered, or not released from this project)"
        )
    else:
        state = (
            "the current release" if report.current else "an EARLIER release, NOT the current one"
        )
        lines.append(f"released: yes - byte-identical to {report.artifact.path} ({state})")
        if report.added_bytes:
            lines.append(f"added since release: {report.added_bytes} bytes: {report.later_changes}")
    lines += [s.describe() for s in report.signatures]
    lines.append(
        "result: unaltered released form" if report.unaltered else "result: ALTERED OR UNKNOWN"
    )
    return lines
