"""The release ledger: an append-only record, in the project, of what each release released.

`build --release` (and `--release-ready`) writes one file per release, releases/<date>-<n>.json,
meant to be committed beside the templates and catalogs. A record is created whole and never
rewritten: it is written under a temporary name and then linked to its own name, which fails
rather than replace a record that exists. `verify` judges a returned form against every record.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from consentgen import __version__
from consentgen.errors import ConsentgenError, display_path
from consentgen.files import stage
from consentgen.manifest import Artifact
from consentgen.statuses import REVIEWED

LEDGER_FOLDER = "releases"
_RECORD_NAME = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})-(?P<number>[1-9]\d{0,5})\.json$")


@dataclass(frozen=True)
class ReleasedForm:
    """One file a release released, as it was released."""

    path: str
    procedure: str
    locale: str
    format: str
    form_id: str
    form_version: str
    translation_status: str
    sha256: str
    bytes: int
    blocks: dict[str, str] = field(default_factory=dict)  # the content blocks used, by version

    @property
    def for_clinical_use(self) -> bool:
        return self.translation_status == REVIEWED


@dataclass(frozen=True)
class HeldBack:
    """A form a `--release-ready` release left out, and why."""

    procedure: str
    locale: str
    reason: str

    def line(self) -> str:
        return f"held back: {self.locale}/{self.procedure}: {self.reason}"


@dataclass(frozen=True)
class Release:
    """One record of the ledger."""

    name: str  # the record's file name without .json, such as 2026-12-05-1
    released_at: str  # UTC, ISO 8601
    forms: tuple[ReleasedForm, ...]
    held_back: tuple[HeldBack, ...] = ()

    @property
    def order(self) -> tuple[str, str, int]:
        """Releases sort by time, then by their number within the day."""
        match = _RECORD_NAME.match(f"{self.name}.json")
        return self.released_at, self.name[:10], int(match["number"]) if match else 0


def ledger_folder(root: Path) -> Path:
    """Where a project's release records live."""
    return root / LEDGER_FOLDER


def released_form(artifact: Artifact) -> ReleasedForm:
    """The ledger's entry for a built file."""
    return ReleasedForm(
        path=artifact.path,
        procedure=artifact.procedure,
        locale=artifact.locale,
        format=artifact.format,
        form_id=artifact.form_id,
        form_version=artifact.form_version,
        translation_status=artifact.translation_status,
        sha256=artifact.sha256,
        bytes=artifact.bytes,
        blocks=dict(artifact.blocks),
    )


def write_release(
    root: Path,
    artifacts: list[Artifact],
    held_back: list[HeldBack],
    now: dt.datetime | None = None,
) -> Path:
    """Add a record of this release to the ledger; never replaces an existing record."""
    now = now or dt.datetime.now(dt.UTC)
    folder = ledger_folder(root)
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise ConsentgenError(
            f"{display_path(folder, root)}: cannot create the release ledger ({exc.strerror})"
        ) from None
    date = now.strftime("%Y-%m-%d")
    record = {
        "generator": f"consentgen {__version__}",
        "released_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "forms": [asdict(released_form(a)) for a in sorted(artifacts, key=lambda a: a.path)],
        "held_back": [asdict(h) for h in sorted(held_back, key=lambda h: (h.locale, h.procedure))],
    }
    content = (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    numbers = [
        int(match["number"])
        for path in folder.glob(f"{date}-*.json")
        if (match := _RECORD_NAME.match(path.name))
    ]
    temporary = stage(folder / f"{date}.json", content)
    try:
        number = max(numbers, default=0) + 1
        while True:
            target = folder / f"{date}-{number}.json"
            try:
                os.link(temporary, target)  # fails if the record exists: nothing is replaced
                return target
            except FileExistsError:
                number += 1
    finally:
        temporary.unlink(missing_ok=True)


def project_releases(root: Path, ledgers: list[Path]) -> list[Release]:
    """The releases `verify` and `intake` judge against: the records named, else the project's
    ledger, which must exist."""
    chosen = list(ledgers) or [ledger_folder(root)]
    if not ledgers and not chosen[0].is_dir():
        raise ConsentgenError(
            f"{display_path(chosen[0], root)}: no release ledger (nothing was released with "
            "`consentgen build --release`; or pass --ledger)"
        )
    return read_ledger(chosen, root)


def read_ledger(paths: list[Path], root: Path) -> list[Release]:
    """Every release recorded in these files or folders of records, oldest first."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.glob("*.json") if _RECORD_NAME.match(p.name))
        elif path.is_file():
            files.append(path)
        else:
            raise ConsentgenError(f"{display_path(path, root)}: no release record here")
    return sorted((_read_record(path, root) for path in files), key=lambda r: r.order)


def _read_record(path: Path, root: Path) -> Release:
    shown = display_path(path, root)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        release = Release(
            name=path.name.removesuffix(".json"),
            released_at=str(data["released_at"]),
            forms=tuple(ReleasedForm(**entry) for entry in data["forms"]),
            held_back=tuple(HeldBack(**entry) for entry in data.get("held_back", [])),
        )
        for form in release.forms:
            _check_entry(form)
        return release
    except (OSError, UnicodeDecodeError) as exc:
        raise ConsentgenError(f"{shown}: cannot read the release record ({exc})") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ConsentgenError(f"{shown}: not a consentgen release record ({exc})") from None


def _check_entry(form: ReleasedForm) -> None:
    """A record is data from a file anyone could edit: every field must have its type."""
    if not (isinstance(form.bytes, int) and not isinstance(form.bytes, bool) and form.bytes > 0):
        raise ValueError(f"{form.path!r}: bytes must be a positive whole number")
    if not (isinstance(form.sha256, str) and re.fullmatch(r"[0-9a-f]{64}", form.sha256)):
        raise ValueError(f"{form.path!r}: sha256 must be 64 hexadecimal digits")
    for name in ("path", "procedure", "locale", "format", "form_id", "form_version"):
        if not isinstance(getattr(form, name), str):
            raise ValueError(f"{name} must be text")
    if not isinstance(form.translation_status, str):
        raise ValueError(f"{form.path!r}: translation_status must be text")
    if not isinstance(form.blocks, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in form.blocks.items()
    ):
        raise ValueError(f"{form.path!r}: blocks must map block ids to versions")
