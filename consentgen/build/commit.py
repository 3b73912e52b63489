"""Committing a build: staged files put in place, the manifest first to stop vouching for what
is replaced, then the release record, the index and the manifest last.

A build killed at any moment leaves every file whole and a manifest whose every entry matches
its file on disk; the next build redoes what is missing.

A testing hook, never set in use: with CONSENTGEN_TEST_HOLD_COMMIT=N in its environment, a
build stops for good (until it is killed) just after putting its Nth file in place, and says
so on stderr. tests/test_kill.py kills it there, in the middle of the write, and looks at
what it leaves.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from consentgen.build.report import BuildReport
from consentgen.errors import display_path
from consentgen.files import atomic_write, holds, intact, replace
from consentgen.i18n.pofile import po_path
from consentgen.index import render_index
from consentgen.ledger import write_release
from consentgen.manifest import Artifact, manifest_bytes, merge_manifests
from consentgen.procedures import discover
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
    # the build here, with build/ untouched.
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
        _hold_if_asked(len(report.written))
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
        "manifest.json": manifest_bytes(list(artifacts.values()), release),
    }
    for name, content in finishing.items() if staged or not report.failures else ():
        target = out_dir / name
        if not (target.is_file() and holds(target, content)):
            atomic_write(target, content)
            report.written.append(name)


HOLD_COMMIT = "CONSENTGEN_TEST_HOLD_COMMIT"


def _hold_if_asked(written: int) -> None:
    """The testing hook (see the module's docstring): stop here for good after the Nth file."""
    if os.environ.get(HOLD_COMMIT, "") == str(written):
        print(f"holding after {written} file(s) put in place ({HOLD_COMMIT})", file=sys.stderr)
        sys.stderr.flush()
        while True:
            time.sleep(60)


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
