"""`consentgen verify`: is a returned form an unaltered copy of a released one, and who signed it.

A released form is a manifest artifact. A signer that appends an incremental update (pyHanko and
every other PDF signer) keeps the released bytes as the file's prefix, so a returned form is
unaltered exactly when some artifact's bytes are a prefix of it and every signature appended
after is intact and covers everything but later signatures.
"""

from __future__ import annotations

import hashlib
import io
import json
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
from consentgen.manifest import Artifact

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
    # Why the form is not what was released and signed: what the revisions after the release
    # changed beyond filling in and signing, values changed after their signer signed, and so on.
    problems: list[str] = field(default_factory=list)
    signatures: list[SignatureReport] = field(default_factory=list)

    @property
    def unaltered(self) -> bool:
        return (
            self.artifact is not None and not self.problems and all(s.ok for s in self.signatures)
        )


def _first_line(thing: object, limit: int = 160) -> str:
    line = str(thing).strip().splitlines()[0] if str(thing).strip() else type(thing).__name__
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _review_later_changes(reader: PdfFileReader, released: PdfFileReader) -> str | None:
    """What is wrong with the revisions appended after the released form, if anything."""
    base = released.xrefs.total_revisions - 1
    try:
        result = DEFAULT_DIFF_POLICY.review_file(reader, base, doc_mdp=MDPPerm.FILL_FORMS)
    except Exception as exc:  # pyHanko raises on structures it will not compare
        return f"changes that cannot be checked ({_first_line(exc)})"
    level = getattr(result, "modification_level", None)
    if level is None or level.value > ModificationLevel.FORM_FILLING.value:
        return f"changes beyond filling in and signing ({_first_line(result)})"
    return None


def _revision_problems(
    reader: PdfFileReader, released: PdfFileReader, data: bytes, released_bytes: int
) -> list[str]:
    """The returned file must be the released file's revisions, then whole updates after them."""
    kept, total = released.xrefs.total_revisions, reader.xrefs.total_revisions
    if total <= kept:
        return ["bytes were appended after the released form that are not a PDF update"]
    for revision in range(kept):
        if reader.xrefs.get_startxref_for_revision(
            revision
        ) != released.xrefs.get_startxref_for_revision(revision):
            return ["its revision history does not continue the released form's"]
    for revision in range(kept, total):
        if reader.xrefs.get_startxref_for_revision(revision) < released_bytes:
            return ["an update points back inside the released form"]
    if not data.rstrip(b"\0\t\n\r ").endswith(b"%%EOF"):
        return ["data follows the last update"]
    return []


def _field_values(reader: PdfFileReader, revision: int | None) -> dict[str, str]:
    """The values of the form's text fields and checkboxes, at a revision or at the end."""
    root = reader.root if revision is None else reader.get_historical_root(revision)
    values: dict[str, str] = {}
    form = root.get("/AcroForm")
    if form is None:
        return values
    for ref in form.get_object().get("/Fields", []):
        field_dict = ref.get_object()
        kind = field_dict.get("/FT")
        if kind == "/Sig":
            continue
        value = field_dict.get("/AS") if kind == "/Btn" else field_dict.get("/V")
        values[str(field_dict.get("/T"))] = "" if value in (None, "/Off") else str(value)
    return values


def _released_prefix(data: bytes, artifacts: list[Artifact]) -> Artifact | None:
    """The released form whose bytes begin the returned file, if any."""
    for artifact in sorted(artifacts, key=lambda a: -a.bytes):
        if artifact.bytes <= len(data):
            if hashlib.sha256(data[: artifact.bytes]).hexdigest() == artifact.sha256:
                return artifact
    return None


def _read_releases(manifests: list[Path]) -> list[list[Artifact]]:
    releases = []
    for manifest in manifests:
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            artifacts = [Artifact(**entry) for entry in data["artifacts"]]
        except FileNotFoundError:
            raise ConsentgenError(
                f"{manifest}: no manifest (build the forms, or pass --manifest)"
            ) from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConsentgenError(f"{manifest}: not a consentgen manifest ({exc})") from None
        releases.append([a for a in artifacts if a.format == "pdf"])
    return releases


def _trust_roots(trust: list[Path]) -> list[object]:
    roots = []
    for path in trust:
        try:
            roots.append(load_cert_from_pemder(str(path)))
        except (OSError, ValueError) as exc:
            raise ConsentgenError(f"{path}: not a certificate ({_first_line(exc)})") from None
    return roots


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
    releases = _read_releases(manifests)
    roots = _trust_roots(trust)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        info = reader.trailer["/Info"] if "/Info" in reader.trailer else {}
        identity = {key: str(info.get(name, "?")) for key, name in _INFO_KEYS.items()}
    except Exception as exc:  # a damaged file is not a PDF we can read
        raise ConsentgenError(f"{path}: not a readable PDF ({_first_line(exc)})") from None

    report = VerifyReport(identity)
    for number, artifacts in enumerate(releases):
        report.artifact = _released_prefix(data, artifacts)
        if report.artifact is not None:
            report.current = number == 0
            report.added_bytes = len(data) - report.artifact.bytes
            break
    try:
        _check(report, reader, data, roots)
    except Exception as exc:  # a damaged update or signature: the form cannot be vouched for
        report.problems.append(f"it cannot be read in full ({_first_line(exc)})")
    return report


def _check(report: VerifyReport, reader: PdfFileReader, data: bytes, roots: list[object]) -> None:
    artifact = report.artifact
    if artifact is not None:
        # The released identity is the manifest's; the file's own may have been rewritten.
        released_identity = {
            "form_id": artifact.form_id,
            "version": artifact.form_version,
            "locale": artifact.locale,
            "translation_status": artifact.translation_status,
        }
        if report.identity != released_identity:
            report.problems.append("its document information no longer matches the release")
        report.identity = released_identity
        if report.added_bytes:
            released = PdfFileReader(io.BytesIO(data[: artifact.bytes]), strict=False)
            report.problems += _revision_problems(reader, released, data, artifact.bytes)
            if not report.problems and (problem := _review_later_changes(reader, released)):
                report.problems.append(problem)

    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    embedded = sorted(reader.embedded_signatures, key=lambda sig: sig.signed_revision)
    by_field = {sig.field_name: sig for sig in embedded}
    final_values = _field_values(reader, None)
    for name, _value, _ref in enumerate_sig_fields(reader, filled_status=None):
        entry = SignatureReport(name)
        sig = by_field.get(name)
        if sig is not None:
            entry.signed = True
            entry.signer = sig.signer_cert.subject.human_friendly
            status = validate_pdf_signature(sig, context)
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
            # What a signer saw filled in stays as they signed it.
            signed_values = _field_values(reader, sig.signed_revision)
            changed = sorted(
                field
                for field, value in signed_values.items()
                if value and final_values.get(field) != value
            )
            if changed:
                entry.covers_all_but_later_signatures = False
                report.problems.append(f"{', '.join(changed)} changed after {name} was signed")
        report.signatures.append(entry)

    if report.added_bytes and not report.problems:
        if not embedded:
            report.problems.append("it was changed after release and nobody signed the changes")
        else:
            last = embedded[-1]
            status = validate_pdf_signature(last, context)
            if status.coverage != SignatureCoverageLevel.ENTIRE_FILE and (
                status.modification_level is None
                or status.modification_level.name not in {"NONE", "LTA_UPDATES"}
            ):
                report.problems.append(
                    f"it was changed after the last signature ({last.field_name})"
                )


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
            lines.append(f"added since release: {report.added_bytes} bytes")
    lines += [s.describe() for s in report.signatures]
    lines += [f"ALTERED: {problem}" for problem in report.problems]
    lines.append(
        "result: unaltered released form" if report.unaltered else "result: ALTERED OR UNKNOWN"
    )
    return lines
