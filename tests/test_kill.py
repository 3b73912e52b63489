"""A build killed with SIGKILL while writing leaves every file whole and a manifest that parses
and matches the files on disk; the next build finishes the work."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from conftest import REPO
from pypdf import PdfReader


def _consentgen(project: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "consentgen", "--project", str(project), "build", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


def _assert_consistent(build: Path) -> dict[str, str]:
    manifest = json.loads((build / "manifest.json").read_text("utf-8"))
    entries = {a["path"]: a["sha256"] for a in manifest["artifacts"]}
    for path, sha in entries.items():
        assert hashlib.sha256((build / path).read_bytes()).hexdigest() == sha, path
    for pdf in build.rglob("*.pdf"):
        assert len(PdfReader(pdf).pages) > 1, pdf  # whole, old or new, never cut short
    return entries


def test_killed_build_leaves_a_consistent_build(project: Path) -> None:
    first = _consentgen(project, "-j", "2")
    output, _ = first.communicate(timeout=300)
    assert first.returncode == 0, output
    before = _assert_consistent(project / "build")

    settings = project / "pyproject.toml"
    settings.write_text(
        settings.read_text("utf-8").replace(
            "Riverside General Hospital", "Riverside General Hospital and Clinics"
        ),
        "utf-8",
    )
    second = _consentgen(project, "-j", "2")
    assert second.stdout is not None
    for line in second.stdout:
        if line.startswith("wrote "):  # the write phase has begun: kill it there
            second.send_signal(signal.SIGKILL)
            break
    second.communicate(timeout=60)
    assert second.returncode == -signal.SIGKILL

    during = _assert_consistent(project / "build")
    assert set(during) <= set(before)

    third = _consentgen(project, "-j", "2")
    output, _ = third.communicate(timeout=300)
    assert third.returncode == 0, output
    after = _assert_consistent(project / "build")
    assert set(after) == set(before)
    assert not list((project / "build").rglob(".*.tmp"))
    html = (project / "build" / "es" / "kyphoplasty.html").read_text("utf-8")
    assert "Riverside General Hospital and Clinics" in html
