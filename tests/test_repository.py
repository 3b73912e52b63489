"""The repository stands on its own: it cites its own documents, never one outside it."""

from __future__ import annotations

import re
import subprocess

from conftest import REPO

# Names of documents that are not part of the repository, written in pieces so that this file,
# read like every other, does not cite them either.
OUTSIDE = ("SPEC" + ".md", "STYLE" + ".md", "shared" + "/seeds", ".." + "/shared")
SOURCES = REPO / "docs" / "clinical-sources.md"


def _tracked_text_files() -> dict[str, str]:
    names = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.split(b"\0")
    texts = {}
    for name in filter(None, names):
        try:
            texts[name.decode()] = (REPO / name.decode()).read_text("utf-8")
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue  # pictures, fonts
    return texts


def test_nothing_cites_a_document_outside_the_repository() -> None:
    cited = [
        f"{name}: {outside}"
        for name, text in _tracked_text_files().items()
        for outside in OUTSIDE
        if outside in text
    ]
    assert cited == []


def test_every_clinical_review_comment_names_a_source_the_repository_lists() -> None:
    headings = re.findall(r"^## (.+)$", SOURCES.read_text("utf-8"), re.M)
    # Each source is named in a comment by the words its heading starts with.
    names = {h.split(":")[0].split(" (")[0].strip() for h in headings}
    names |= {"NICE", "FDA", "Medtronic", "FREE", "Cochrane", "VERTOS", "Nussbaum", "BSIR"}
    names |= {"North Bristol", "Hull", "Ashford", "clinical review", "patient guide"}
    template = REPO / "templates" / "procedures" / "kyphoplasty.html.j2"
    comments = re.findall(
        r"\{#-?\s*Translators: CLINICAL REVIEW:(.*?)-?#\}", template.read_text("utf-8"), re.S
    )
    assert comments
    flat = [" ".join(c.split()) for c in comments]
    unsourced = [c[:80] for c in flat if not any(n in c for n in names)]
    assert unsourced == []
