"""How intake groups a stack's pages into forms, and what it calls wrong with each, on pages
whose codes are given (the scans themselves are tests/test_intake.py's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from consentgen.intake.decode import Reading
from consentgen.intake.report import FormFinding
from consentgen.intake.scans import ScanPage
from consentgen.intake.stack import ReadPage, group_forms
from consentgen.intake.standing import CURRENT, Standing
from consentgen.outputs.qr import PageIdentity


def _stack(*pages: str) -> list[ReadPage]:
    """Pages given as 'en:3' (page 3 of a 4-page English form), 'en:3^' (upside down), '?'."""
    read = []
    for position, text in enumerate(pages, 1):
        scan = ScanPage(position, Path("stack.pdf"), position - 1, len(pages))
        if text == "?":
            read.append(ReadPage(scan, Reading(None, problem="no QR code can be read")))
            continue
        locale, page = text.rstrip("^").split(":")
        identity = PageIdentity("CF-1", "1.0", locale, int(page), 4)
        read.append(ReadPage(scan, Reading(identity, 180 if text.endswith("^") else 0)))
    return read


def _problems(*pages: str) -> list[list[str]]:
    return [
        [line for _, line in FormFinding(form, Standing(CURRENT)).problems()]
        for form in group_forms(_stack(*pages))
    ]


def test_a_second_page_one_starts_the_next_copy_unless_it_is_the_same_sheet_fed_twice() -> None:
    assert _problems("en:1", "en:2", "en:3", "en:4", "en:1", "en:2", "en:3", "en:4") == [[], []]
    assert _problems("en:1", "en:1", "en:2", "en:3", "en:4") == [
        ["CF-1 1.0 en at positions 1-5: DUPLICATED: page 1 at positions 1, 2"]
    ]


def test_another_form_or_language_ends_a_form_and_an_unreadable_page_belongs_to_none() -> None:
    assert _problems("en:1", "en:2", "?", "en:4", "es:1", "es:2", "es:3", "es:4") == [
        ["CF-1 1.0 en at positions 1-4: MISSING: page 3 of 4"],
        [],
    ]


@pytest.mark.parametrize(
    ("pages", "expected"),
    [
        (("en:4", "en:3", "en:2", "en:1"), ["OUT OF ORDER: pages as scanned 4, 3, 2, 1"]),
        (("en:1", "en:2^", "en:3", "en:4"), ["UPSIDE DOWN: page 2 at position 2"]),
        (("en:2", "en:3"), ["MISSING: pages 1, 4 of 4"]),
        (
            ("en:1", "en:2", "en:3", "en:2", "en:4"),
            [
                "DUPLICATED: page 2 at positions 2, 4",
                "OUT OF ORDER: pages as scanned 1, 2, 3, 2, 4",
            ],
        ),
    ],
)
def test_each_fault_of_a_form_is_one_line(pages: tuple[str, ...], expected: list[str]) -> None:
    (found,) = _problems(*pages)
    assert [line.split(": ", 1)[1] for line in found] == expected
