"""build/manifest.json: exactly what was built, from what."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from consentgen import __version__


@dataclass(frozen=True)
class Artifact:
    """One output file and the inputs it was made from."""

    path: str
    procedure: str
    locale: str
    format: str
    form_id: str
    form_version: str
    translation_status: str
    sha256: str
    bytes: int
    inputs_sha256: str


def read_manifest(path: Path) -> dict[str, Artifact]:
    """The artifacts of an earlier build; an absent or unreadable manifest is an empty one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {entry["path"]: Artifact(**entry) for entry in data["artifacts"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def manifest_bytes(artifacts: list[Artifact]) -> bytes:
    """The manifest's text, sorted by path, so identical builds give identical manifests."""
    data = {
        "generator": f"consentgen {__version__}",
        "artifacts": [asdict(a) for a in sorted(artifacts, key=lambda a: a.path)],
    }
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
