"""Fonts: each locale's stack must be installed, or its form would print empty boxes."""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from consentgen.errors import InputError
from consentgen.locales import FormLocale
from consentgen.settings import Settings

# Where Debian keeps each default family, for the error message that tells how to get it.
DEBIAN_PACKAGES = {
    "Noto Sans CJK": "fonts-noto-cjk",
    "Noto Serif CJK": "fonts-noto-cjk",
    "Noto": "fonts-noto-core",
    "DejaVu": "fonts-dejavu-core",
}


# What fontconfig answered for each family asked about, in this process; how many to ask at once.
AT_ONCE = 8
_FACES: dict[str, tuple[Path, int] | None] = {}


def find_faces(families: Iterable[str]) -> None:
    """Ask fontconfig for every family not yet asked about, a few at once: one fc-match each,
    run side by side (a build's locales name eight families; asked in turn, they cost a no-op
    rebuild a sixth of its time)."""
    wanted = sorted(set(families) - _FACES.keys())
    if shutil.which("fc-match") is None:
        _FACES.update(dict.fromkeys(wanted))
        return
    for start in range(0, len(wanted), AT_ONCE):
        running: dict[str, subprocess.Popen[str]] = {}
        try:
            for family in wanted[start : start + AT_ONCE]:
                running[family] = subprocess.Popen(
                    [
                        "fc-match",
                        "--format=%{family}\n%{file}\n%{index}",
                        f"{family}:style=Regular",
                    ],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    text=True,
                )
            for family, process in running.items():
                out, _ = process.communicate()
                _FACES[family] = _face(family, process.returncode, out)
        finally:  # a process that could not start, or an error: none is left behind
            for process in running.values():
                if process.returncode is None:  # not yet waited for
                    process.kill()
                    process.communicate()


def _face(family: str, returncode: int, out: str) -> tuple[Path, int] | None:
    lines = out.splitlines()
    if returncode or len(lines) < 3:
        return None
    families = {name.strip().lower() for name in lines[0].split(",")}
    return (Path(lines[1]), int(lines[2] or 0)) if family.lower() in families else None


def font_face(family: str) -> tuple[Path, int] | None:
    """The file (and face index in a collection) fontconfig uses for a family, if installed."""
    if family not in _FACES:
        find_faces([family])
    return _FACES[family]


def font_file(family: str) -> Path | None:
    """The file fontconfig uses for a family, or None if the family is not installed."""
    face = font_face(family)
    return face[0] if face else None


@functools.cache
def font_characters(family: str) -> frozenset[int]:
    """The code points a family's regular face has glyphs for (empty if not installed)."""
    from fontTools.ttLib import TTFont

    face = font_face(family)
    if face is None:
        return frozenset()
    with TTFont(str(face[0]), fontNumber=face[1], lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


def _package_for(family: str) -> str:
    for prefix, package in DEBIAN_PACKAGES.items():
        if family.startswith(prefix):
            return package
    return "a package that provides it"


def require_fonts(locale: FormLocale, settings: Settings) -> list[Path]:
    """The font files of a locale's stack; its first family must be installed."""
    files = [path for family in locale.fonts if (path := font_file(family)) is not None]
    primary = locale.fonts[0]
    if font_file(primary) is None:
        # The line that asks for the font: the locale's own stack, or else its place in locales.
        key = f"fonts.{locale.code}" if locale.code in settings.fonts else "locales"
        raise InputError(
            settings.source.name,
            f"font {primary!r} for locale {locale.code} is not installed "
            f"(Debian: apt-get install {_package_for(primary)}; `make build` installs it)",
            settings.line_of(key),
        )
    return sorted(set(files))
