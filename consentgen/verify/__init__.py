"""`consentgen verify`: is a returned form an unaltered copy of a released one, and who signed it.

A released form is an entry of the release ledger. A signer that appends an incremental update
(pyHanko and every other PDF signer) keeps the released bytes as the file's prefix, so a returned
form is unaltered exactly when a released form's bytes begin it and everything after them is
signed updates that only fill in fields and sign. Four layers check that:

1. the revisions: the released form's own revisions, then whole updates after it, nothing else;
2. pyHanko's difference analysis, from the released revision: no change beyond form filling;
3. what each signer saw: every field's value and appearance at each signature stays as it was,
   and a field of that signer's role (or an earlier signer's, or the consent statement's) that
   was empty stays empty; only the fields of those yet to sign may be filled afterwards;
4. the last signature covers the whole file: nothing unsigned follows it.

A signature proves who signed only against a trust anchor (a CA certificate the hospital
trusts); without one, the report says the signers are not verified, and so does the exit status.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, ModificationLevel
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.general import load_cert_from_pemder
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from consentgen.errors import ConsentgenError
from consentgen.ledger import Release, ReleasedForm, project_releases
from consentgen.roles import SIGNATURE_FIELDS
from consentgen.settings import settings_if_any
from consentgen.verify.completeness import field_values, missing_items
from consentgen.verify.reading import FormReader
from consentgen.verify.report import SignatureReport, VerifyReport, describe
from consentgen.verify.returned import (
    first_line,
    read_returned_form,
    released_prefix,
    released_revision,
)
from consentgen.verify.signers import signature_field_names, what_signers_saw

__all__ = ["VerifyReport", "describe", "verify", "verify_in_project"]

_INFO_KEYS = {
    "form_id": "/ConsentgenFormId",
    "version": "/ConsentgenFormVersion",
    "locale": "/ConsentgenLocale",
    "translation_status": "/ConsentgenTranslationStatus",
}


def _trust_roots(trust: list[Path]) -> list[object]:
    roots = []
    for path in trust:
        try:
            roots.append(load_cert_from_pemder(str(path)))
        except (OSError, ValueError) as exc:
            raise ConsentgenError(f"{path}: not a certificate ({first_line(exc)})") from None
    return roots


def verify(
    path: Path,
    releases: list[Release],
    trust: list[Path],
    max_bytes: int = 50_000_000,
    accept_unverified: bool = False,
) -> VerifyReport:
    """Examine a returned form against every release of the ledger."""
    # pyHanko logs every failed check with a traceback; the report says what failed instead.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    data = read_returned_form(path, max_bytes)
    roots = _trust_roots(trust)
    match = released_prefix(data, releases)
    try:
        reader = FormReader(io.BytesIO(data), strict=False)
        info = reader.trailer["/Info"] if "/Info" in reader.trailer else {}
        identity = {key: str(info.get(name, "?")) for key, name in _INFO_KEYS.items()}
        title = str(info.get("/Title", ""))
    except Exception as exc:  # a damaged file
        if match is None:
            raise ConsentgenError(f"{path}: not a readable PDF ({first_line(exc)})") from None
        # The released form is intact: what follows it is what was damaged.
        form, release, later = match
        report = VerifyReport(_released_identity(form), form, release, later)
        report.added_bytes = len(data) - form.bytes
        report.problems.append(f"what follows the released form cannot be read ({first_line(exc)})")
        return report

    report = VerifyReport(identity, trust_checked=bool(roots), accept_unverified=accept_unverified)
    report.title = title
    if match is not None:
        report.released, report.release, report.superseded_by = match
        report.added_bytes = len(data) - report.released.bytes
    try:
        _check(report, reader, data, roots)
    except Exception as exc:  # a damaged update or signature: the form cannot be vouched for
        report.problems.append(f"it cannot be read in full ({first_line(exc)})")
    return report


def _released_identity(form: ReleasedForm) -> dict[str, str]:
    return {
        "form_id": form.form_id,
        "version": form.form_version,
        "locale": form.locale,
        "translation_status": form.translation_status,
    }


def _check(report: VerifyReport, reader: PdfFileReader, data: bytes, roots: list[object]) -> None:
    form = report.released
    base: int | None = None  # the released form's last revision in the returned file
    if form is not None:
        # The released identity is the ledger's; the file's own may have been rewritten.
        released_identity = _released_identity(form)
        if report.identity != released_identity:
            report.problems.append("its document information no longer matches the release")
        report.identity = released_identity
        base, problem = released_revision(reader, data, form.bytes)
        if problem:
            report.problems.append(problem)
        elif report.added_bytes and (problem := _review_later_changes(reader, base)):
            report.problems.append(problem)
    # One difference analysis of everything after the release covers every signature made
    # after it: each signature's own (pyHanko's, per signature) is then skipped, which took
    # most of verify's time. Without a released base, each signature is analysed alone.
    reviewed = base is not None and base >= 0 and not report.problems
    # Nor is any signature's own analysis run over more than MOST_ADDED objects.
    skip_diff = reviewed or _objects_added(reader, base) > MOST_ADDED

    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    embedded = sorted(reader.embedded_signatures, key=lambda sig: sig.signed_revision)
    by_field = {sig.field_name: sig for sig in embedded}
    statuses = {}
    for name in signature_field_names(reader, None):
        entry = SignatureReport(name)
        sig = by_field.get(name)
        if sig is not None:
            status = validate_pdf_signature(sig, context, skip_diff=skip_diff)
            statuses[name] = status
            entry.signed = True
            entry.signer = sig.signer_cert.subject.human_friendly
            entry.intact, entry.valid = status.intact, status.valid
            if status.signer_reported_dt is not None:
                entry.signed_at = status.signer_reported_dt.isoformat()
            entry.trusted = status.trusted if roots else None
            later_ok = reviewed or (
                status.docmdp_ok is not False
                and status.modification_level is not None
                and status.modification_level.name in {"NONE", "LTA_UPDATES", "FORM_FILLING"}
            )
            entry.covers_all_but_later_signatures = (
                status.coverage == SignatureCoverageLevel.ENTIRE_FILE
                or (status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and later_ok)
            )
        report.signatures.append(entry)
    if base is None or report.problems:
        return

    released_fields = signature_field_names(reader, base)
    for sig in embedded:
        if sig.field_name not in released_fields or sig.field_name not in SIGNATURE_FIELDS:
            report.problems.append(
                f"{sig.field_name} is not one of the released form's signature fields"
            )
        if sig.signed_revision <= base:
            report.problems.append(f"{sig.field_name} was signed before the form was released")
    if report.problems:
        return
    report.problems += what_signers_saw(reader, embedded)
    # What is missing is worth knowing only of the form as released and signed.
    report.values = field_values(reader)
    if not report.problems:
        report.missing = missing_items(report.values, {sig.field_name for sig in embedded})
    if report.added_bytes and not report.problems:
        if not embedded:
            report.problems.append("it was changed after release and nobody signed the changes")
        elif statuses[embedded[-1].field_name].coverage != SignatureCoverageLevel.ENTIRE_FILE:
            report.problems.append(
                f"it was changed after the last signature ({embedded[-1].field_name}): "
                "anything unsigned after it, even document information, counts"
            )


# Filling in a form and signing it writes a few dozen objects a signer; pyHanko's difference
# analysis takes time and memory for every object written after the release (60,000 small ones
# in a 1.3 MB update: 9 s and 330 MiB), so an update past this is not analysed at all.
MOST_ADDED = 10_000


def _objects_added(reader: PdfFileReader, base: int | None) -> int:
    """How many objects the revisions after the released one write (after the file's first
    revision, where no released one is known)."""
    after = base if base is not None and base >= 0 else 0
    return sum(
        len(reader.xrefs.explicit_refs_in_revision(revision))
        for revision in range(after + 1, reader.xrefs.total_revisions)
    )


def _review_later_changes(reader: PdfFileReader, base: int) -> str | None:
    """pyHanko's difference analysis of everything after the released revision."""
    added = _objects_added(reader, base)
    if added > MOST_ADDED:
        return (
            f"changes that cannot be checked ({added:,} objects written after the release; "
            f"filling in and signing write far fewer, and more than {MOST_ADDED:,} are not "
            "compared)"
        )
    try:
        result = DEFAULT_DIFF_POLICY.review_file(reader, base, doc_mdp=MDPPerm.FILL_FORMS)
    except Exception as exc:  # pyHanko raises on structures it will not compare
        return f"changes that cannot be checked ({first_line(exc)})"
    level = getattr(result, "modification_level", None)
    if level is None or level.value > ModificationLevel.FORM_FILLING.value:
        return f"changes beyond filling in and signing ({first_line(result)})"
    return None


def verify_in_project(
    root: Path,
    pdf: Path,
    ledgers: list[Path],
    trust: list[Path],
    accept_unverified: bool = False,
    fhir: Path | None = None,
) -> VerifyReport:
    """`consentgen verify`: a returned form against the project's ledger (or the records
    named), its signers against the project's trust anchors and those given; with fhir, the
    Consent of a form that verifies is written there."""
    settings = settings_if_any(root, required=not ledgers)  # else the ledger must be named
    anchors = [*(settings.trust_anchors if settings else ()), *trust]
    max_bytes = int((settings.verify_max_mb if settings else 50) * 1_000_000)
    releases = project_releases(root, ledgers)
    report = verify(pdf, releases, anchors, max_bytes, accept_unverified)
    if fhir is not None and report.verified:
        from consentgen.verify.records import write_consent

        write_consent(report, pdf, fhir, settings.institution_name if settings else "")
    return report
