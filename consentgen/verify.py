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

import hashlib
import io
import logging
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, ModificationLevel
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.general import load_cert_from_pemder
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from consentgen.errors import ConsentgenError
from consentgen.ledger import Release, ReleasedForm
from consentgen.review import UNAPPROVED
from consentgen.signing import SIGNATURE_FIELDS, STATEMENT_ROLE, field_role

_INFO_KEYS = {
    "form_id": "/ConsentgenFormId",
    "version": "/ConsentgenFormVersion",
    "locale": "/ConsentgenLocale",
    "translation_status": "/ConsentgenTranslationStatus",
}
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
# Keys that point back up the document (the page, the parent field, the signed document): a
# field's own state is everything else it holds.
_NOT_FIELD_STATE = {"/P", "/Parent", "/Data", "/Reference", "/Kids"}
_DEPTH = 12


@dataclass
class SignatureReport:
    """One signature field of a returned form."""

    field: str
    signed: bool = False
    signer: str = ""
    intact: bool = False
    valid: bool = False
    trusted: bool | None = None  # None: there was no trust anchor to check the signer against
    covers_all_but_later_signatures: bool = False

    @property
    def ok(self) -> bool:
        """Intact, valid, covering what it should; trusted, where that could be checked."""
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
                None: "WHO SIGNED IS NOT VERIFIED (no trust anchor: --trust or trust_anchors)",
                True: "signer trusted",
                False: "signer NOT TRUSTED",
            }[self.trusted],
            "covers everything but later signatures"
            if self.covers_all_but_later_signatures
            else "DOES NOT cover the whole document",
        ]
        return f"{self.field}: certificate issued to {self.signer!r}; {', '.join(state)}"


@dataclass
class VerifyReport:
    """What `consentgen verify` found."""

    identity: dict[str, str]
    released: ReleasedForm | None = None
    release: Release | None = None  # the latest release that released these bytes
    superseded_by: Release | None = None  # a later release of the same form, if any
    added_bytes: int = 0
    # Why the form is not what was released and signed: what the revisions after the release
    # changed beyond filling in and signing, values changed after their signer signed, and so on.
    problems: list[str] = field(default_factory=list)
    signatures: list[SignatureReport] = field(default_factory=list)
    trust_checked: bool = False  # signers were checked against at least one trust anchor
    accept_unverified: bool = False  # the caller accepts signers no trust anchor vouches for

    @property
    def altered(self) -> bool:
        return bool(self.problems) or not all(s.ok for s in self.signatures)

    @property
    def for_clinical_use(self) -> bool:
        """Released, as reviewed: only such a form may be used with a patient."""
        return self.released is not None and self.released.for_clinical_use

    @property
    def signers_unverified(self) -> bool:
        return not self.trust_checked and any(s.signed for s in self.signatures)

    @property
    def unaltered(self) -> bool:
        """An unaltered copy of a form released for clinical use, whose signers were verified
        (or accepted unverified on purpose)."""
        return (
            self.for_clinical_use
            and not self.altered
            and (self.accept_unverified or not self.signers_unverified)
        )

    def result(self) -> str:
        """The closing line: one verdict, worst first."""
        if self.released is None:
            return (
                "result: NOT RELEASED FOR CLINICAL USE - no release of this project has this "
                "form (altered, a preview, or from elsewhere)"
            )
        if self.altered:
            return "result: ALTERED - not the form as released and signed"
        if not self.released.for_clinical_use:
            status = self.released.translation_status
            why = " (its source text had no clinical approval)" if status == UNAPPROVED else ""
            return (
                f"result: NOT RELEASED FOR CLINICAL USE - released as {status}{why}, not reviewed"
            )
        if self.signers_unverified:
            if self.accept_unverified:
                return (
                    "result: unaltered released form; who signed is NOT VERIFIED "
                    "(accepted with --accept-unverified-signers)"
                )
            return (
                "result: unaltered released form, but who signed is NOT VERIFIED: give a "
                "trust anchor (--trust, or trust_anchors in the settings), or accept "
                "unverified signers with --accept-unverified-signers"
            )
        return "result: unaltered released form"


def _first_line(thing: object, limit: int = 160) -> str:
    line = str(thing).strip().splitlines()[0] if str(thing).strip() else type(thing).__name__
    return line if len(line) <= limit else line[: limit - 3] + "..."


def read_returned_form(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, read once; a non-regular or oversized file is refused before reading."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ConsentgenError(f"{path}: no such file") from None
    except OSError as exc:
        raise ConsentgenError(f"{path}: cannot read ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise ConsentgenError(f"{path}: not a regular file")
    limit = f"{max_bytes / 1e6:g} MB (verify_max_mb in the settings)"
    if info.st_size > max_bytes:
        raise ConsentgenError(
            f"{path}: {info.st_size / 1e6:.1f} MB, larger than a returned form may be: {limit}"
        )
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise ConsentgenError(f"{path}: cannot read ({exc.strerror})") from None
    if len(data) > max_bytes:  # it grew while being read
        raise ConsentgenError(f"{path}: larger than a returned form may be: {limit}")
    if not data.lstrip(b"\0\t\n\r ").startswith(b"%PDF-"):
        raise ConsentgenError(f"{path}: not a PDF file")
    return data


def _released_prefix(
    data: bytes, releases: list[Release]
) -> tuple[ReleasedForm, Release, Release | None] | None:
    """The released form whose bytes begin the file, the latest release of those bytes, and a
    later release of the same form that supersedes it. One pass over the bytes."""
    by_size: dict[int, list[tuple[Release, ReleasedForm]]] = {}
    for release in releases:
        for form in release.forms:
            if form.format == "pdf" and 0 < form.bytes <= len(data):
                by_size.setdefault(form.bytes, []).append((release, form))
    digest, position, view = hashlib.sha256(), 0, memoryview(data)
    found: list[tuple[Release, ReleasedForm]] = []
    for size in sorted(by_size):
        digest.update(view[position:size])
        position = size
        prefix = digest.copy().hexdigest()
        found += [(r, f) for r, f in by_size[size] if f.sha256 == prefix]
    if not found:
        return None
    release, form = max(found, key=lambda pair: pair[0].order)  # releases are oldest first
    later = [
        r
        for r in releases
        if r.order > release.order
        and any(f.path == form.path and f.sha256 != form.sha256 for f in r.forms)
    ]
    return form, release, later[-1] if later else None


def _trust_roots(trust: list[Path]) -> list[object]:
    roots = []
    for path in trust:
        try:
            roots.append(load_cert_from_pemder(str(path)))
        except (OSError, ValueError) as exc:
            raise ConsentgenError(f"{path}: not a certificate ({_first_line(exc)})") from None
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
    match = _released_prefix(data, releases)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        info = reader.trailer["/Info"] if "/Info" in reader.trailer else {}
        identity = {key: str(info.get(name, "?")) for key, name in _INFO_KEYS.items()}
    except Exception as exc:  # a damaged file
        if match is None:
            raise ConsentgenError(f"{path}: not a readable PDF ({_first_line(exc)})") from None
        # The released form is intact: what follows it is what was damaged.
        form, release, later = match
        report = VerifyReport(_released_identity(form), form, release, later)
        report.added_bytes = len(data) - form.bytes
        report.problems.append(
            f"what follows the released form cannot be read ({_first_line(exc)})"
        )
        return report

    report = VerifyReport(identity, trust_checked=bool(roots), accept_unverified=accept_unverified)
    if match is not None:
        report.released, report.release, report.superseded_by = match
        report.added_bytes = len(data) - report.released.bytes
    try:
        _check(report, reader, data, roots)
    except Exception as exc:  # a damaged update or signature: the form cannot be vouched for
        report.problems.append(f"it cannot be read in full ({_first_line(exc)})")
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
        base, problem = _released_revision(reader, data, form.bytes)
        if problem:
            report.problems.append(problem)
        elif report.added_bytes and (problem := _review_later_changes(reader, base)):
            report.problems.append(problem)

    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    embedded = sorted(reader.embedded_signatures, key=lambda sig: sig.signed_revision)
    by_field = {sig.field_name: sig for sig in embedded}
    statuses = {}
    for name in _signature_field_names(reader, None):
        entry = SignatureReport(name)
        sig = by_field.get(name)
        if sig is not None:
            status = validate_pdf_signature(sig, context)
            statuses[name] = status
            entry.signed = True
            entry.signer = sig.signer_cert.subject.human_friendly
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
    if base is None or report.problems:
        return

    released_fields = _signature_field_names(reader, base)
    for sig in embedded:
        if sig.field_name not in released_fields or sig.field_name not in SIGNATURE_FIELDS:
            report.problems.append(
                f"{sig.field_name} is not one of the released form's signature fields"
            )
        if sig.signed_revision <= base:
            report.problems.append(f"{sig.field_name} was signed before the form was released")
    if report.problems:
        return
    report.problems += _what_signers_saw(reader, embedded)
    if report.added_bytes and not report.problems:
        if not embedded:
            report.problems.append("it was changed after release and nobody signed the changes")
        elif statuses[embedded[-1].field_name].coverage != SignatureCoverageLevel.ENTIRE_FILE:
            report.problems.append(
                f"it was changed after the last signature ({embedded[-1].field_name}): "
                "anything unsigned after it, even document information, counts"
            )


def _released_revision(reader: PdfFileReader, data: bytes, size: int) -> tuple[int, str | None]:
    """The returned file's revision that ends the released form, or what is wrong.

    The released bytes are the ledger's own, so their last cross-reference offset is known from
    their tail; the file's revision chain must pass through it, and every later revision must
    start after the released bytes.
    """
    tail = _STARTXREF.search(data[max(0, size - 64) : size])
    if tail is None:
        return -1, "the released form's end cannot be found"
    startxref = int(tail.group(1))
    total = reader.xrefs.total_revisions
    offsets = [reader.xrefs.get_startxref_for_revision(r) for r in range(total)]
    if startxref not in offsets:
        return -1, "its revision history does not continue the released form's"
    base = offsets.index(startxref)
    if len(data) > size:
        if base == total - 1:
            return base, "bytes were appended after the released form that are not a PDF update"
        if any(offset < size for offset in offsets[base + 1 :]):
            return base, "an update points back inside the released form"
        if not data.rstrip(b"\0\t\n\r ").endswith(b"%%EOF"):
            return base, "data follows the last update"
    return base, None


def _review_later_changes(reader: PdfFileReader, base: int) -> str | None:
    """pyHanko's difference analysis of everything after the released revision."""
    try:
        result = DEFAULT_DIFF_POLICY.review_file(reader, base, doc_mdp=MDPPerm.FILL_FORMS)
    except Exception as exc:  # pyHanko raises on structures it will not compare
        return f"changes that cannot be checked ({_first_line(exc)})"
    level = getattr(result, "modification_level", None)
    if level is None or level.value > ModificationLevel.FORM_FILLING.value:
        return f"changes beyond filling in and signing ({_first_line(result)})"
    return None


@dataclass(frozen=True)
class _FieldState:
    """A field as a signer saw it: whose it is, whether it was empty, a digest of all of it."""

    role: str | None
    empty: bool
    digest: str


def _fields(reader: PdfFileReader, revision: int | None) -> list[generic.DictionaryObject]:
    root = reader.root if revision is None else reader.get_historical_root(revision)
    form = root.get("/AcroForm")
    if form is None:
        return []
    return [ref.get_object() for ref in form.get_object().get("/Fields", [])]


def _signature_field_names(reader: PdfFileReader, revision: int | None) -> list[str]:
    return [str(f.get("/T")) for f in _fields(reader, revision) if f.get("/FT") == "/Sig"]


def _field_states(reader: PdfFileReader, revision: int | None) -> dict[str, _FieldState]:
    """Every field's state at a revision, or at the end of the file."""
    states = {}
    for field_dict in _fields(reader, revision):
        name = str(field_dict.get("/T"))
        kind = field_dict.get("/FT")
        if kind == "/Sig":
            empty = field_dict.get("/V") is None
        elif kind == "/Btn":
            empty = field_dict.get("/AS") in (None, "/Off") and field_dict.get("/V") in (
                None,
                "/Off",
            )
        else:
            empty = str(field_dict.get("/V") or "") == ""
        digest = hashlib.sha256()
        _digest(field_dict, digest, set(), 0)
        if name in states:  # two fields of one name: never what was released
            name = f"{name} (again)"
        states[name] = _FieldState(field_role(name), empty, digest.hexdigest())
    return states


def _digest(obj: object, digest: hashlib._Hash, seen: set[tuple[int, int]], depth: int) -> None:
    """Feed a field's whole state to digest: values, flags, rectangle, appearance streams."""
    if depth > _DEPTH:
        digest.update(b"<deep>")
        return
    if isinstance(obj, generic.IndirectObject):
        key = (obj.idnum, obj.generation)
        if key in seen:
            digest.update(f"<ref {key}>".encode())
            return
        seen.add(key)
        obj = obj.get_object()
    if isinstance(obj, generic.StreamObject):
        digest.update(b"<stream>")
        digest.update(hashlib.sha256(obj.encoded_data).digest())
    if isinstance(obj, generic.DictionaryObject):
        digest.update(b"<<")
        for key in sorted(obj):
            if key in _NOT_FIELD_STATE:
                continue
            digest.update(str(key).encode("utf-8", "surrogatepass"))
            _digest(obj.raw_get(key), digest, seen, depth + 1)
        digest.update(b">>")
    elif isinstance(obj, generic.ArrayObject):
        digest.update(b"[")
        for item in obj:
            _digest(item, digest, seen, depth + 1)
        digest.update(b"]")
    elif not isinstance(obj, generic.StreamObject):
        digest.update(type(obj).__name__.encode("ascii"))
        digest.update(repr(obj).encode("utf-8", "surrogatepass"))


def _what_signers_saw(reader: PdfFileReader, embedded: list[object]) -> list[str]:
    """Each signature against the fields as its signer saw them (see the module's layer 3)."""
    final = _field_states(reader, None)
    signed_roles: set[str] = {STATEMENT_ROLE}  # the statement is read by every signer
    problems = []
    for sig in embedded:
        name = sig.field_name  # type: ignore[attr-defined]
        signed_roles.add(field_role(name) or name)
        seen = _field_states(reader, sig.signed_revision)  # type: ignore[attr-defined]
        changed, filled = [], []
        for field_name, state in seen.items():
            now = final.get(field_name)
            if now is not None and now.digest == state.digest:
                continue
            if now is None or not state.empty:
                changed.append(field_name)
            elif state.role in signed_roles:
                filled.append(field_name)
            # else: the empty field of someone yet to sign, filled in after: allowed
        added = sorted(set(final) - set(seen))
        if changed:
            problems.append(f"{', '.join(sorted(changed))} changed after {name} was signed")
        if filled:
            problems.append(
                f"{', '.join(sorted(filled))} filled in after {name} was signed, although "
                "it was empty then and belongs to a signer who had signed"
            )
        if added:
            problems.append(f"field(s) {', '.join(added)} added after {name} was signed")
    return problems


def describe(report: VerifyReport, path: Path) -> list[str]:
    """The lines `consentgen verify` prints."""
    ident = report.identity
    lines = [
        f"file: {path}",
        f"form: {ident['form_id']} version {ident['version']}, locale {ident['locale']}, "
        f"status {ident['translation_status']}",
    ]
    if report.released is None or report.release is None:
        lines.append(
            "released: NO - its first revision matches no form in any release of the ledger"
        )
    else:
        state = (
            f"an EARLIER release, NOT the current one (superseded by release "
            f"{report.superseded_by.name})"
            if report.superseded_by
            else "the current release"
        )
        lines.append(
            f"released: yes - byte-identical to {report.released.path} of release "
            f"{report.release.name} ({report.release.released_at}, {state}), released as "
            f"{report.released.translation_status}"
        )
        if report.added_bytes:
            lines.append(f"added since release: {report.added_bytes} bytes")
    lines += [s.describe() for s in report.signatures]
    lines += [f"ALTERED: {problem}" for problem in report.problems]
    lines.append(report.result())
    return lines
