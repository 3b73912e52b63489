"""Committing a build: staged files put in place, the manifest first to stop vouching for what
is replaced, then the release record, each released PDF's FHIR record, the index and the
manifest last.

A build killed at any moment leaves every file whole and a manifest whose every entry matches
its file on disk; the next build redoes what is missing.

A testing hook, never set in use (hold.py): with CONSENTGEN_TEST_HOLD_COMMIT=N in its
environment, a build stops for good (until it is killed) just after putting its Nth file in
place, and says so on stderr. tests/test_kill.py kills it there, in the middle of the write,
and looks at what it leaves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from importlib.metadata import version
from pathlib import Path

from consentgen.build.hold import HOLD_COMMIT, hold_if_asked
from consentgen.build.records import record_path, release_records
from consentgen.build.report import BuildReport
from consentgen.errors import display_path
from consentgen.files import atomic_write, code_sha256, file_sha256, holds, intact, replace
from consentgen.i18n.pofile import po_path
from consentgen.index import INDEX_TEMPLATE, render_index
from consentgen.ledger import ledger_folder, read_ledger, write_release
from consentgen.manifest import Artifact, manifest_bytes, manifest_field, merge_manifests
from consentgen.outputs import OUTPUTS
from consentgen.procedures import discover, procedure_template
from consentgen.render.forms import source_renderer
from consentgen.settings import Settings


def on_disk(out_dir: Path, artifact: Artifact) -> bool:
    """True when an earlier output is on disk exactly as the manifest recorded it."""
    return intact(out_dir / artifact.path, artifact.bytes, artifact.sha256)


def commit(
    settings: Settings,
    report: BuildReport,
    out_dir: Path,
    previous: dict[str, Artifact],
    staged: dict[str, tuple[Path | None, Artifact]],
    untranslated: dict[str, set[str]],
    log: object,
    release_mode: str | None = None,
) -> None:
    """Put the staged files in place, then the release record, the records of the released
    PDFs, the index and the manifest."""
    # The ledger as it was before this release: what each released PDF's record replaces. Read
    # first, so that a broken record stops the build before anything is put in place.
    ledger = ledger_folder(settings.root)
    releases = read_ledger([ledger], settings.root) if release_mode and ledger.is_dir() else []
    for code, messages in untranslated.items():
        catalog_path = po_path(settings.root, code)
        if messages and code != settings.default_locale:
            report.warnings.append(
                f"{display_path(catalog_path, settings.root)}: {code}: "
                f"{len(messages)} message(s) the forms use are not translated "
                "and show in the source language (run `consentgen extract` and "
                "`consentgen update`, then translate them)"
            )

    # Earlier outputs that are still part of the project, and intact, stay in the manifest.
    configured = {
        (p, c) for p in discover(settings) if p in settings.procedures for c in settings.locales
    }
    artifacts = {
        path: artifact
        for path, artifact in previous.items()
        if (artifact.procedure, artifact.locale) in configured and on_disk(out_dir, artifact)
    }
    artifacts.update({path: artifact for path, (_, artifact) in staged.items()})
    # A record describes one PDF's bytes: a PDF this build replaces loses the old one's record
    # (a release writes the new one below).
    changing = {path for path, (temporary, _) in staged.items() if temporary is not None}
    stale = {record_path(path) for path in changing} & (
        set(artifacts) | _records_on_disk(out_dir, changing)
    )
    for path in stale:
        artifacts.pop(path, None)
    # The index is ready before the first file is put in place: a broken index template fails
    # the build here, with build/ untouched. Made from the same inputs as the one on disk, it
    # is not made again (a build with nothing to do spends most of its time there otherwise).
    index_inputs = index_sha256(settings, list(artifacts.values()))
    index = None
    if not (
        manifest_field(out_dir / "manifest.json", "index_inputs_sha256") == index_inputs
        and (out_dir / "index.html").is_file()
    ):
        index = render_index(settings, list(artifacts.values()), source_renderer(settings))

    # Before a file is replaced, the manifest stops vouching for it: a build killed at any
    # moment leaves a manifest whose every entry matches the file on disk, and the next build
    # redoes what is missing.
    if changing and previous:
        kept = [
            a
            for path, a in previous.items()
            if path not in changing | stale and on_disk(out_dir, a)
        ]
        atomic_write(out_dir / "manifest.json", manifest_bytes(kept))
    for path, (temporary, artifact) in sorted(staged.items()):
        if temporary is None:
            report.unchanged.append(path)
            continue
        replace(temporary, out_dir / path)
        staged[path] = (None, artifact)
        report.written.append(path)
        log(f"wrote {display_path(out_dir / path, settings.root)}")  # type: ignore[operator]
        hold_if_asked(HOLD_COMMIT, len(report.written), "file(s) put in place")
    for path in sorted(stale):
        (out_dir / path).unlink(missing_ok=True)
    # The ledger records a release once its files are in place. An all-or-nothing release in
    # which a form failed is no release.
    release = None
    released = sorted(staged.keys() | set(report.skipped))
    if release_mode and released and not (release_mode == "all" and report.failures):
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        forms = [artifacts[p] for p in released if p in artifacts]
        records = release_records(out_dir, forms, releases, now.strftime("%Y-%m-%dT%H:%M:%SZ"))
        record = write_release(settings.root, forms, report.held_back, now)
        report.release = record
        release = display_path(record, settings.root)
        log(f"released {len(released)} files: {release}")  # type: ignore[operator]
        for content, artifact in records:
            _write_if_changed(out_dir, artifact.path, content, report)
            artifacts[artifact.path] = artifact
    finishing: dict[str, bytes | None] = {
        "index.html": index,
        "manifest.json": manifest_bytes(list(artifacts.values()), release, index_inputs),
    }
    for name, made in finishing.items() if staged or not report.failures else ():
        if made is not None:
            _write_if_changed(out_dir, name, made, report)


def _write_if_changed(out_dir: Path, name: str, content: bytes, report: BuildReport) -> None:
    """Write a file the build makes whole in memory, unless it already holds those bytes."""
    target = out_dir / name
    if not (target.is_file() and holds(target, content)):
        atomic_write(target, content)
        report.written.append(name)


def index_sha256(settings: Settings, artifacts: list[Artifact]) -> str:
    """A digest of what index.html is made from: its template, the settings, the procedures'
    titles (their templates), consentgen and Babel, and the files it lists."""
    inputs = {
        "index": file_sha256(settings.templates_dir / INDEX_TEMPLATE),
        "settings": file_sha256(settings.source),
        "consentgen": code_sha256(),
        "babel": version("babel"),
        "files": sorted(
            (a.path, a.procedure, a.locale, a.format, a.translation_status)
            for a in artifacts
            if a.format in OUTPUTS  # the forms it lists, not the release records beside them
        ),
    }
    for procedure in discover(settings):
        inputs[f"procedure:{procedure}"] = file_sha256(procedure_template(settings, procedure))
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode("utf-8")).hexdigest()


def _records_on_disk(out_dir: Path, changing: set[str]) -> set[str]:
    """The records beside the PDFs being replaced, in the manifest or not."""
    return {record_path(p) for p in changing if (out_dir / record_path(p)).is_file()}


def merge_shards(settings: Settings, manifests: list[Path], target: Path) -> list[Artifact]:
    """`manifest merge`: the manifests of sharded builds as one, with the index of all of them
    beside it."""
    artifacts = merge_manifests(manifests)
    atomic_write(
        target.with_name("index.html"),
        render_index(settings, artifacts, source_renderer(settings)),
    )
    # As a whole build's manifest says, so that a build into the merged folder keeps its index.
    index_inputs = index_sha256(settings, artifacts)
    atomic_write(target, manifest_bytes(artifacts, index_inputs=index_inputs))
    return artifacts
