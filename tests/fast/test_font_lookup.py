"""Asking fontconfig about font families, several at once (consentgen/fonts.py): the same
answers as asking one family at a time, however many families, and no process left behind."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from consentgen import fonts

FAMILIES = [
    "Noto Sans",
    "Noto Sans CJK SC",
    "Noto Sans Arabic",
    "DejaVu Sans",
    *(f"No Such Family {n}" for n in range(fonts.AT_ONCE + 3)),  # more than one batch
]


def _one_at_a_time(family: str) -> tuple[Path, int] | None:
    result = subprocess.run(
        ["fc-match", "--format=%{family}\n%{file}\n%{index}", f"{family}:style=Regular"],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = result.stdout.splitlines()
    names = {name.strip().lower() for name in lines[0].split(",")} if lines else set()
    return (Path(lines[1]), int(lines[2] or 0)) if family.lower() in names else None


def _children() -> set[int]:
    me = str(os.getpid())
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[1] == me:
                found.add(int(stat.parent.name))
        except (OSError, IndexError):
            continue
    return found


def test_families_asked_about_together_get_the_answers_each_gets_alone() -> None:
    fonts._FACES.clear()
    before = _children()
    fonts.find_faces(FAMILIES)
    assert {family: fonts.font_face(family) for family in FAMILIES} == {
        family: _one_at_a_time(family) for family in FAMILIES
    }
    assert fonts.font_face("Noto Sans") is not None  # installed, as the tests need
    assert fonts.font_face("No Such Family 0") is None
    assert _children() == before  # every fc-match waited for
