"""A stack's pages grouped into forms, and what is wrong with each form's pages.

Pages follow each other in the stack as they were scanned. A form is a run of pages whose codes
name the same form, version, language and page count; a page of another form ends it, and so
does a second page 1 (the next patient's copy of the same form) unless it comes straight after
the first (one sheet fed twice). A page whose code cannot be read belongs to no form: it is
reported by its position, and the form around it misses a page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from consentgen.intake.decode import Reading
from consentgen.intake.scans import ScanPage


@dataclass(frozen=True)
class ReadPage:
    """A page of the stack and what its code says."""

    scan: ScanPage
    reading: Reading


@dataclass
class ScannedForm:
    """One form's pages, in the order they were scanned."""

    form_id: str
    version: str
    locale: str
    pages: int  # how many pages the form has
    found: list[ReadPage] = field(default_factory=list)

    @property
    def numbers(self) -> list[int]:
        """The page numbers, as scanned."""
        return [p.reading.identity.page for p in self.found if p.reading.identity]

    @property
    def positions(self) -> list[int]:
        return [p.scan.position for p in self.found]

    @property
    def label(self) -> str:
        """The form as each of its report lines names it."""
        first, last = self.positions[0], self.positions[-1]
        where = f"position {first}" if first == last else f"positions {first}-{last}"
        return f"{self.form_id} {self.version} {self.locale} at {where}"

    @property
    def missing(self) -> list[int]:
        return sorted(set(range(1, self.pages + 1)) - set(self.numbers))

    @property
    def duplicated(self) -> dict[int, list[int]]:
        """Each page scanned more than once, with its positions in the stack."""
        positions: dict[int, list[int]] = {}
        for number, page in zip(self.numbers, self.found, strict=True):
            positions.setdefault(number, []).append(page.scan.position)
        return {n: p for n, p in sorted(positions.items()) if len(p) > 1}

    @property
    def out_of_order(self) -> bool:
        """A page comes before one with a lower number (a duplicate next to its twin is not)."""
        numbers = self.numbers
        return any(later < earlier for earlier, later in zip(numbers, numbers[1:], strict=False))

    @property
    def upside_down(self) -> list[ReadPage]:
        return [p for p in self.found if p.reading.upside_down]

    @property
    def whole(self) -> bool:
        """Every page once, in order, the right way up."""
        return not (self.missing or self.duplicated or self.out_of_order or self.upside_down)

    def in_page_order(self) -> list[ReadPage]:
        """The pages sorted by page number; copies of a page stay in scan order."""
        return sorted(
            self.found, key=lambda p: p.reading.identity.page if p.reading.identity else 0
        )


def group_forms(pages: list[ReadPage]) -> list[ScannedForm]:
    """The forms of a stack, in the order their first pages were scanned."""
    forms: list[ScannedForm] = []
    current: ScannedForm | None = None
    last: ReadPage | None = None
    for page in pages:
        identity = page.reading.identity
        if identity is None:
            continue
        key = (identity.form_id, identity.version, identity.locale, identity.pages)
        same_form = (
            current is not None
            and (
                current.form_id,
                current.version,
                current.locale,
                current.pages,
            )
            == key
        )
        next_copy = (
            same_form
            and identity.page == 1
            and current is not None
            and 1 in current.numbers
            and not (last is not None and last.reading.identity == identity)
        )
        if current is None or not same_form or next_copy:
            current = ScannedForm(
                identity.form_id, identity.version, identity.locale, identity.pages
            )
            forms.append(current)
        current.found.append(page)
        last = page
    return forms
