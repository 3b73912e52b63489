"""What `consentgen verify` found, and the lines it prints: one result, worst first."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from consentgen.ledger import Release, ReleasedForm
from consentgen.statuses import UNAPPROVED


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
    signed_at: str | None = None  # when the signer's software says it signed (ISO 8601)

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
    # What a surveyor would cite as missing from the form as released and signed (a name,
    # date or time of a signer, the patient's own procedure), one item a line.
    missing: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)  # each field's value at the end
    title: str = ""  # the PDF's title

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

    @property
    def complete(self) -> bool:
        """Nothing a surveyor would cite is missing."""
        return not self.missing

    @property
    def verified(self) -> bool:
        """Unaltered, released for clinical use, signers verified (or accepted), complete."""
        return self.unaltered and self.complete

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
        if self.missing:
            unverified = (
                "; who signed is NOT VERIFIED either"
                if self.signers_unverified and not self.accept_unverified
                else ""
            )
            return (
                f"result: INCOMPLETE - unaltered released form, but {len(self.missing)} "
                f"item(s) a surveyor would cite are missing{unverified}"
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
    lines += [f"INCOMPLETE: {item}" for item in report.missing]
    lines.append(report.result())
    return lines
