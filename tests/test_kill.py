"""A build killed with SIGKILL in the middle of its write leaves every file whole and a
manifest that parses and matches the files on disk; the next build finishes the work.

The build is stopped at the exact moment by its testing hook (CONSENTGEN_TEST_HOLD_COMMIT, in
consentgen/build/commit.py): after it has put one file in place and before the next, so the
kill lands mid-write every time, however fast the machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, pdftotext
from pypdf import PdfReader

from consentgen.build.hold import HOLD_COMMIT

ES_PO = Path("locales/es/LC_MESSAGES/messages.po")
# Kyphoplasty in three locales: left to right, right to left.
FORMS = ("-p", "kyphoplasty", "-l", "en", "-l", "es", "-l", "ar")


def _consentgen(project: Path, *args: str, hold: int | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    env.pop(HOLD_COMMIT, None)
    if hold is not None:
        env[HOLD_COMMIT] = str(hold)
    return subprocess.Popen(
        [sys.executable, "-m", "consentgen", "--project", str(project), "build", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


def _build(project: Path) -> None:
    process = _consentgen(project, "-j", "2", *FORMS)
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output


def _assert_consistent(build: Path) -> dict[str, str]:
    """Every manifest entry matches its file; every PDF is whole. Returns path -> sha256."""
    manifest = json.loads((build / "manifest.json").read_text("utf-8"))
    entries = {a["path"]: a["sha256"] for a in manifest["artifacts"]}
    for path, sha in entries.items():
        assert hashlib.sha256((build / path).read_bytes()).hexdigest() == sha, path
    for pdf in build.rglob("*.pdf"):
        assert len(PdfReader(pdf).pages) > 1, pdf  # whole, old or new, never cut short
    return entries


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_build_killed_in_the_middle_of_its_write_leaves_a_consistent_build(
    project: Path,
) -> None:
    build = project / "build"
    _build(project)
    before = _assert_consistent(build)
    forms = {f"{code}/kyphoplasty.{ext}" for code in ("en", "es", "ar") for ext in ("html", "pdf")}
    assert set(before) == forms

    # One Spanish heading changes: the two Spanish files are made again, and nothing else.
    po = project / ES_PO
    po.write_text(
        po.read_text("utf-8").replace('msgstr "Firmas"', 'msgstr "Firmas y fechas"', 1), "utf-8"
    )
    second = _consentgen(project, "-j", "2", *FORMS, hold=1)
    assert second.stdout is not None
    seen = []
    for line in second.stdout:
        seen.append(line)
        if line.startswith(f"holding after 1 file(s) put in place ({HOLD_COMMIT})"):
            second.send_signal(signal.SIGKILL)
            break
    else:
        pytest.fail("the build ended without holding:\n" + "".join(seen))
    second.communicate(timeout=60)
    assert second.returncode == -signal.SIGKILL
    assert [line for line in seen if line.startswith("wrote ")] == [
        "wrote build/es/kyphoplasty.html\n"
    ]

    # Killed between the two files: the HTML is the new one, the PDF still the old one, whole;
    # the manifest, rewritten before the first was replaced, vouches for neither.
    during = _assert_consistent(build)
    assert during == {path: sha for path, sha in before.items() if not path.startswith("es/")}
    assert "Firmas y fechas" in (build / "es" / "kyphoplasty.html").read_text("utf-8")
    assert _sha256(build / "es" / "kyphoplasty.pdf") == before["es/kyphoplasty.pdf"]
    assert "Firmas y fechas" not in pdftotext(build / "es" / "kyphoplasty.pdf")
    assert [p.name for p in build.rglob(".*.tmp")] != []  # the staged PDF, left by the kill

    _build(project)
    after = _assert_consistent(build)
    assert set(after) == forms
    assert {p: s for p, s in after.items() if not p.startswith("es/")} == {
        p: s for p, s in before.items() if not p.startswith("es/")
    }
    assert after["es/kyphoplasty.pdf"] != before["es/kyphoplasty.pdf"]
    assert "Firmas y fechas" in pdftotext(build / "es" / "kyphoplasty.pdf")
    assert not list(build.rglob(".*.tmp"))
