"""`consentgen intake`: scanned paper forms, checked by the QR code on every page.

A stack (one scanned file or several, in order) is read page by page (`scans`), each page's code
decoded (`decode`), the pages grouped into forms with what is wrong with them (`stack`), each
form judged against the release ledger (`standing`), and reported (`report`); with an output
folder, each form is written as one PDF in page order with its FHIR records (`assemble`).
"""

from __future__ import annotations

from pathlib import Path

from consentgen.intake.decode import read_page
from consentgen.intake.report import FormFinding, IntakeReport
from consentgen.intake.scans import read_stack
from consentgen.intake.stack import ReadPage, group_forms
from consentgen.intake.standing import standing
from consentgen.ledger import Release, project_releases
from consentgen.settings import settings_if_any

__all__ = ["IntakeReport", "intake", "intake_in_project"]


def intake(
    scans: list[Path], releases: list[Release], out_dir: Path | None = None, organization: str = ""
) -> IntakeReport:
    """Read a stack, group its pages into forms, judge each against the ledger."""
    report = IntakeReport(list(scans))
    pages = [ReadPage(page, read_page(picture)) for page, picture in read_stack(scans)]
    report.pages = len(pages)
    report.unreadable = [page for page in pages if page.reading.identity is None]
    report.forms = [
        FormFinding(form, standing(form.form_id, form.version, form.locale, releases))
        for form in group_forms(pages)
    ]
    if out_dir is not None:
        from consentgen.intake.assemble import write_forms

        write_forms(report, out_dir, organization)
    return report


def intake_in_project(
    root: Path, scans: list[Path], ledgers: list[Path], out_dir: Path | None
) -> IntakeReport:
    """`consentgen intake`: a stack against the project's ledger (or the records named)."""
    settings = settings_if_any(root, required=not ledgers)  # else the ledger must be named
    releases = project_releases(root, ledgers)
    return intake(scans, releases, out_dir, settings.institution_name if settings else "")
