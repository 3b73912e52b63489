"""What `consentgen intake` found: a line for each form, a line for each problem, one result;
or the same as JSON (schemas/intake.schema.json)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from consentgen import __version__
from consentgen.intake.stack import ReadPage, ScannedForm
from consentgen.intake.standing import Standing


@dataclass
class FormFinding:
    """One form of the stack: its pages, where the ledger stands on it, what was written."""

    form: ScannedForm
    standing: Standing
    output: Path | None = None  # its pages as one PDF, with -o
    record: Path | None = None  # its FHIR Consent and DocumentReference, with -o

    @property
    def whole_and_current(self) -> bool:
        return self.form.whole and self.standing.current

    def problems(self) -> list[tuple[str, str]]:
        """(kind, line) for each problem, in a fixed order."""
        form, label = self.form, self.form.label
        found: list[tuple[str, str]] = []
        if form.missing:
            found.append(("missing", f"{label}: MISSING: {_pages(form.missing)} of {form.pages}"))
        for number, positions in form.duplicated.items():
            found.append(
                (
                    "duplicated",
                    f"{label}: DUPLICATED: page {number} at positions {_list(positions)}",
                )
            )
        if form.out_of_order:
            found.append(
                ("out-of-order", f"{label}: OUT OF ORDER: pages as scanned {_list(form.numbers)}")
            )
        for page in form.upside_down:
            number = page.reading.identity.page if page.reading.identity else 0
            found.append(
                (
                    "upside-down",
                    f"{label}: UPSIDE DOWN: page {number} at position {page.scan.position}",
                )
            )
        if (line := self.standing.problem()) is not None:
            found.append((self.standing.status, f"{label}: {line}"))
        return found

    def line(self) -> str:
        """The form's own line: what it is, its pages found, its release."""
        form, standing = self.form, self.standing
        pages = sorted(set(form.numbers))
        release = f" (release {standing.release.name})" if standing.release else ""
        return (
            f"form {form.form_id} version {form.version}, {form.locale}, "
            f"{form.label.rsplit(' at ', 1)[1]}: {_pages(pages)} of {form.pages} found; "
            f"{standing.status}{release}"
        )


@dataclass
class IntakeReport:
    """What `consentgen intake` found in a stack."""

    scans: list[Path]
    pages: int = 0
    forms: list[FormFinding] = field(default_factory=list)
    unreadable: list[ReadPage] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every form whole and current, and every page read."""
        return (
            bool(self.forms)
            and not self.unreadable
            and all(f.whole_and_current for f in self.forms)
        )

    def problems(self) -> list[tuple[str, str]]:
        found = [problem for finding in self.forms for problem in finding.problems()]
        for page in self.unreadable:
            found.append(
                (
                    "unreadable",
                    f"position {page.scan.position} ({page.scan.where}): UNREADABLE: "
                    f"{page.reading.problem}",
                )
            )
        return found

    def lines(self) -> list[str]:
        """The lines the terminal shows: each form, then each problem, then the result."""
        problems = self.problems()
        good = sum(f.whole_and_current for f in self.forms)
        files = "file" if len(self.scans) == 1 else "files"
        lines = [f"stack: {len(self.scans)} {files}, {self.pages} pages, {len(self.forms)} forms"]
        lines += [finding.line() for finding in self.forms]
        lines += [line for _, line in problems]
        for finding in self.forms:
            if finding.output:
                lines.append(f"wrote {finding.output}")
            if finding.record:
                lines.append(f"wrote {finding.record}")
        verdict = (
            "every form whole and current"
            if self.ok
            else f"{good} of {len(self.forms)} forms whole and current, {len(problems)} problem(s)"
        )
        lines.append(f"result: {verdict}")
        return lines

    def as_json(self) -> dict[str, Any]:
        """The report as data (schemas/intake.schema.json)."""
        return {
            "generator": f"consentgen {__version__}",
            "scans": [str(path) for path in self.scans],
            "pages": self.pages,
            "forms": [_form_json(finding) for finding in self.forms],
            "unreadable": [
                {
                    "position": page.scan.position,
                    "file": str(page.scan.file),
                    "page": page.scan.index + 1,
                    "problem": page.reading.problem,
                }
                for page in self.unreadable
            ],
            "problems": [{"kind": kind, "line": line} for kind, line in self.problems()],
            "ok": self.ok,
        }


def _form_json(finding: FormFinding) -> dict[str, Any]:
    form, standing = finding.form, finding.standing
    return {
        "form_id": form.form_id,
        "version": form.version,
        "locale": form.locale,
        "pages": form.pages,
        "found": form.numbers,
        "positions": form.positions,
        "missing": form.missing,
        "duplicated": {str(n): p for n, p in form.duplicated.items()},
        "out_of_order": form.out_of_order,
        "upside_down": [p.scan.position for p in form.upside_down],
        "release": {
            "status": standing.status,
            "name": standing.release.name if standing.release else None,
            "procedure": standing.form.procedure if standing.form else None,
            "translation_status": standing.translation_status,
            "superseded_by": standing.superseded_by.name if standing.superseded_by else None,
        },
        "whole": form.whole,
        "current": standing.current,
        "output": str(finding.output) if finding.output else None,
        "record": str(finding.record) if finding.record else None,
    }


def _list(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in numbers)


def _pages(numbers: list[int]) -> str:
    """Page numbers in runs: pages 1-3, 5, 7-9."""
    if not numbers:
        return "no pages"
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    text = ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)
    return f"page {text}" if len(numbers) == 1 else f"pages {text}"
