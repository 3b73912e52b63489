"""Shared fixtures: the bundled forms project, built once, and a CLI runner."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from consentgen.cli import cli

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
LOCALES = (
    "en",
    "es",
    "zh_Hans",
    "zh_Hant",
    "vi",
    "ko",
    "tl",
    "ru",
    "ar",
    "fa",
    "ht",
    "fr",
    "pt_BR",
    "pl",
    "hi",
    "ja",
)


@pytest.fixture
def runner() -> CliRunner:
    """Runs consentgen commands as a person would, in-process."""
    return CliRunner()


def copy_project(source: Path, target: Path) -> Path:
    """A throwaway copy of a forms project (settings, templates, catalogs; no build output)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("pyproject.toml", "consentgen.toml"):
        if (source / name).is_file():
            shutil.copy2(source / name, target / name)
    for folder in ("templates", "locales"):
        if (source / folder).is_dir():
            shutil.copytree(source / folder, target / folder)
    return target


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of this repository's forms project, to break on purpose."""
    return copy_project(REPO, tmp_path / "project")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled forms, built once for the whole session; returns the build folder."""
    out = tmp_path_factory.mktemp("build")
    result = CliRunner().invoke(cli, ["--project", str(REPO), "build", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def pdftotext(path: Path, page: int | None = None) -> str:
    """Text of a PDF (or one page of it), as poppler's pdftotext reads it."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", *pages, str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def body_font_size(pdf: Path, page: int) -> float:
    """The size, in points, that most of a PDF page's text is set in (scale included)."""
    from pypdf import PdfReader

    sizes: dict[float, int] = {}

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
        key = round(size * scale, 1)
        sizes[key] = sizes.get(key, 0) + len(text.strip())

    PdfReader(pdf).pages[page].extract_text(visitor_text=visit)
    return max(sizes, key=lambda k: sizes[k])
