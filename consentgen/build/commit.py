"""Committing a build: staged files put in place, the manifest first to stop vouching for what
is replaced, then the release record, the index and the manifest last.

A build killed at any moment leaves every file whole and a manifest whose every entry matches
its file on disk; the next build redoes what is missing.
"""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import version
from pathlib import Path

from consentgen.build.report import BuildReport
from consentgen.errors import display_path
from consentgen.files import atomic_write, code_sha256, file_sha256, holds, intact, replace
from consentgen.i18n.pofile import po_path
from consentgen.index import INDEX_TEMPLATE, render_index
from consentgen.ledger import write_release
from consentgen.manifest import Artifact, manifest_bytes, manifest_field, merge_manifests
from consentgen.procedures import discover, procedure_template
from consentgen.render.forms import FormRenderer, source_renderer
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
    source: FormRenderer,
    log: object,
    release_mode: str | None = None,
) -> None:
    """Put the staged files in place, then the release record, the index and the manifest."""
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
    # The index is ready before the first file is put in place: a broken index template fails
    # the build here, with build/ untouched. Made from the same inputs as the one on disk, it
    # is not made again (a build with nothing to do spends most of its time there otherwise).
    index_inputs = index_sha256(settings, list(artifacts.values()))
    index = None
    if not (
        manifest_field(out_dir / "manifest.json", "index_inputs_sha256") == index_inputs
        and (out_dir / "index.html").is_file()
    ):
        index = render_index(settings, list(artifacts.values()), source)

    # Before a file is replaced, the manifest stops vouching for it: a build killed at any
    # moment leaves a manifest whose every entry matches the file on disk, and the next build
    # redoes what is missing.
    changing = {path for path, (temporary, _) in staged.items() if temporary is not None}
    if changing and previous:
        kept = [a for path, a in previous.items() if path not in changing and on_disk(out_dir, a)]
        atomic_write(out_dir / "manifest.json", manifest_bytes(kept))
    for path, (temporary, artifact) in sorted(staged.items()):
        if temporary is None:
            report.unchanged.append(path)
            continue
        replace(temporary, out_dir / path)
        staged[path] = (None, artifact)
        report.written.append(path)
        log(f"wrote {display_path(out_dir / path, settings.root)}")  # type: ignore[operator]
    # The ledger records a release once its files are in place. An all-or-nothing release in
    # which a form failed is no release.
    release = None
    released = sorted(staged.keys() | set(report.skipped))
    if release_mode and released and not (release_mode == "all" and report.failures):
        record = write_release(
            settings.root, [artifacts[p] for p in released if p in artifacts], report.held_back
        )
        report.release = record
        release = display_path(record, settings.root)
        log(f"released {len(released)} files: {release}")  # type: ignore[operator]
    finishing = {
        "index.html": index,
        "manifest.json": manifest_bytes(list(artifacts.values()), release, index_inputs),
    }
    for name, content in finishing.items() if staged or not report.failures else ():
        if content is None:
            continue
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
            (a.path, a.procedure, a.locale, a.format, a.translation_status) for a in artifacts
        ),
    }
    for procedure in discover(settings):
        inputs[f"procedure:{procedure}"] = file_sha256(procedure_template(settings, procedure))
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode("utf-8")).hexdigest()


def merge_shards(settings: Settings, manifests: list[Path], target: Path) -> list[Artifact]:
    """`manifest merge`: the manifests of sharded builds as one, with the index of all of them
    beside it."""
    artifacts = merge_manifests(manifests)
    atomic_write(
        target.with_name("index.html"),
        render_index(settings, artifacts, source_renderer(settings)),
    )
    atomic_write(target, manifest_bytes(artifacts))
    return artifacts
