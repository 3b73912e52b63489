"""A scanned form against the release ledger: released, for clinical use, and still current.

The code on paper names the form, its version and its language, not its bytes: a paper form is
current when a release released that form, version and language as reviewed, and no later
release released another version of the same form in the same language for clinical use.
"""

from __future__ import annotations

from dataclasses import dataclass

from consentgen.ledger import Release, ReleasedForm

CURRENT = "current"
NOT_RELEASED = "not-released"
NOT_FOR_CLINICAL_USE = "not-for-clinical-use"
SUPERSEDED = "superseded"


@dataclass(frozen=True)
class Standing:
    """Where a form stands in the ledger."""

    status: str  # CURRENT, NOT_RELEASED, NOT_FOR_CLINICAL_USE or SUPERSEDED
    release: Release | None = None  # the latest release of this form, version and language
    form: ReleasedForm | None = None  # its entry there, if exactly one PDF matches
    superseded_by: Release | None = None
    later_version: str = ""

    @property
    def current(self) -> bool:
        return self.status == CURRENT

    @property
    def translation_status(self) -> str | None:
        return self.form.translation_status if self.form else None

    def problem(self) -> str | None:
        """The report's line about it, if it is not current."""
        if self.status == NOT_RELEASED:
            return "NOT RELEASED: no release of this project has this form, version and language"
        if self.status == NOT_FOR_CLINICAL_USE and self.release and self.form:
            return (
                f"NOT FOR CLINICAL USE: released as {self.form.translation_status} in "
                f"{self.release.name}, not reviewed"
            )
        if self.status == SUPERSEDED and self.superseded_by:
            return (
                f"SUPERSEDED: release {self.superseded_by.name} released version "
                f"{self.later_version}"
            )
        return None


def standing(form_id: str, version: str, locale: str, releases: list[Release]) -> Standing:
    """How the ledger (oldest release first) stands on a form, version and language."""
    matches = [
        (release, entries)
        for release in releases
        if (
            entries := [
                f
                for f in release.forms
                if f.format == "pdf"
                and (f.form_id, f.form_version, f.locale) == (form_id, version, locale)
            ]
        )
    ]
    if not matches:
        return Standing(NOT_RELEASED)
    release, entries = matches[-1]
    # Variants (large print, bilingual) share a form's identity: one entry names the file.
    form = entries[0] if len(entries) == 1 else None
    if not all(f.for_clinical_use for f in entries):
        worst = next(f for f in entries if not f.for_clinical_use)
        return Standing(NOT_FOR_CLINICAL_USE, release, worst)
    for later in reversed(releases):
        if later.order <= release.order:
            break
        newer = [
            f
            for f in later.forms
            if f.format == "pdf"
            and (f.form_id, f.locale) == (form_id, locale)
            and f.form_version != version
            and f.for_clinical_use
        ]
        if newer:
            return Standing(SUPERSEDED, release, form, later, newer[0].form_version)
    return Standing(CURRENT, release, form)
