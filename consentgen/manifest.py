"""build/manifest.json: exactly what was built, from what."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
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
    blocks: dict[str, str] = field(default_factory=dict)  # the content blocks used, by version


def read_manifest(path: Path) -> dict[str, Artifact]:
    """The artifacts of an earlier build; an absent or unreadable manifest is an empty one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {entry["path"]: Artifact(**entry) for entry in data["artifacts"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def manifest_field(path: Path, name: str) -> str | None:
    """One top-level field of an earlier build's manifest (None if absent or unreadable)."""
    try:
        value = json.loads(path.read_text(encoding="utf-8")).get(name)
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def manifest_bytes(
    artifacts: list[Artifact], release: str | None = None, index_inputs: str | None = None
) -> bytes:
    """The manifest's text, sorted by path, so identical builds give identical manifests.

    release names the ledger record of the release this build made; a build that made none is
    a preview, and its manifest says so: only the ledger says what was released.
    """
    data = {
        "generator": f"consentgen {__version__}",
        "build": "release" if release else "preview",
        "release": release,
        "artifacts": [asdict(a) for a in sorted(artifacts, key=lambda a: a.path)],
    }
    if index_inputs is not None:  # what index.html was made from: unchanged, it is not remade
        data["index_inputs_sha256"] = index_inputs
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def merge_manifests(paths: list[Path]) -> list[Artifact]:
    """The artifacts of several shards' manifests; the same path twice must be the same file."""
    from consentgen.errors import ConsentgenError

    merged: dict[str, Artifact] = {}
    generators = set()
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            generators.add(data["generator"])
            artifacts = [Artifact(**entry) for entry in data["artifacts"]]
        except FileNotFoundError:
            raise ConsentgenError(f"{path}: no such manifest") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConsentgenError(f"{path}: not a consentgen manifest ({exc})") from None
        for artifact in artifacts:
            earlier = merged.get(artifact.path)
            if earlier is not None and earlier != artifact:
                raise ConsentgenError(
                    f"{path}: {artifact.path} differs from another shard's "
                    "(built from different inputs?)"
                )
            merged[artifact.path] = artifact
    if len(generators) > 1:
        raise ConsentgenError(f"manifests come from different versions: {sorted(generators)}")
    return sorted(merged.values(), key=lambda a: a.path)
