"""The fast tier runs without WeasyPrint or a browser: what it imports (the shared conftest
included) leaves both unloaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_the_fast_tier_loads_neither_weasyprint_nor_a_browser() -> None:
    modules = sorted(p.stem for p in (TESTS / "fast").glob("test_*.py"))
    script = (
        f"import sys; sys.path[:0] = [{str(TESTS)!r}, {str(TESTS.parent)!r}]; import conftest; "
        f"import importlib; [importlib.import_module('fast.' + m) for m in {modules!r}]; "
        "print(sorted(m for m in ('weasyprint', 'playwright', 'textstat') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=TESTS, check=True
    )
    assert result.stdout.strip() == "[]", result.stderr
