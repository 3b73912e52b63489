"""The build: plan, read and check every input, make each form in memory, then commit.

Nothing is put in place until every form has been made, so a bad catalog or template cannot
leave half a build behind; each file is renamed into place whole, and the manifest goes last.
The steps, one module each: plan (which forms, and their fingerprints), pool (making them, in
workers or not), release (what a release holds back), commit (putting files in place).
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from consentgen.build.commit import commit
from consentgen.build.outdir import claimed
from consentgen.build.plan import Plan, plan
from consentgen.build.pool import (
    longest_first,
    make_all,
    progress_bar,
    remember_times,
    start_pool,
    stop_workers,
)
from consentgen.build.release import held_back, hold_back_unready
from consentgen.build.report import BuildReport, BuildRequest
from consentgen.errors import QualityGateFailed
from consentgen.files import intact, stage
from consentgen.i18n.catalogs import catalog_digest, load_locale_catalog
from consentgen.manifest import Artifact, read_manifest
from consentgen.outputs import OUTPUTS
from consentgen.pipeline import FormJob
from consentgen.procedures import select
from consentgen.settings import Settings, select_locales

__all__ = ["BuildReport", "BuildRequest", "build"]


def build(settings: Settings, request: BuildRequest, log: object = print) -> BuildReport:
    """Build the requested forms into the output folder, with index.html and manifest.json."""
    out_dir = request.out_dir or settings.root / "build"
    procedures = select(settings, request.procedures)
    codes = select_locales(settings, request.locales)
    # One build at a time in a folder that is consentgen's: what another build (or a killed
    # one) is doing there is never mixed with this one's files.
    with claimed(out_dir, wait=request.wait, say=_say) as folder:
        return _build(settings, request, procedures, codes, folder, log)


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _build(
    settings: Settings,
    request: BuildRequest,
    procedures: list[str],
    codes: list[str],
    out_dir: Path,
    log: object,
) -> BuildReport:
    previous = read_manifest(out_dir / "manifest.json")

    # A release runs the checks first. All or nothing: each fault is named, and nothing is
    # built (exit 1). Release what is ready: each form a fault concerns is held back, named.
    report = BuildReport()
    releasing = request.release or request.release_ready
    if releasing:
        from consentgen.checks import run_checks  # here: only a release runs the checks

        problems = run_checks(settings, codes)
        report.held_back = held_back(settings, problems, procedures, codes)
        if request.release and report.held_back:  # each problem that concerns this release
            concerning = dict.fromkeys(h.reason for h in report.held_back)
            raise QualityGateFailed("\n".join(["release refused:", *concerning]))
        if len({(h.procedure, h.locale) for h in report.held_back}) == len(procedures) * len(codes):
            lines = [h.line() for h in report.held_back]
            raise QualityGateFailed("\n".join(["nothing is ready to release:", *lines]))
    held = {(h.procedure, h.locale) for h in report.held_back}

    digests = {code: catalog_digest(settings, code) for code in codes}
    wanted = Plan(
        procedures,
        codes,
        list(dict.fromkeys(request.formats)) or list(OUTPUTS),
        list(dict.fromkeys(request.variants)) or list(settings.variants),
        request.shard,
        request.force,
    )
    todo, report.skipped = plan(settings, wanted, digests, previous, out_dir, held)
    todo = longest_first(out_dir, todo)
    # Workers start now, loading while this process reads and checks the catalogs.
    pool = start_pool(settings, todo, request.jobs)
    # Every catalog a form is made from is read and checked before anything is made: a bad
    # catalog stops the build before anything is written. One with nothing to make reads none.
    try:
        catalogs = {
            code: load_locale_catalog(settings, code)
            for code in dict.fromkeys(j.locale for j in todo)
        }
    except BaseException:
        if pool is not None:
            stop_workers(pool)
        raise

    # Render: in this process, or in workers that each load the project once.
    # A form that fails does not lose the others: they are written, and the report carries
    # every failure (each different message once) for raise_for_failures.
    untranslated: dict[str, set[str]] = {code: set() for code in codes}
    # Each rendered file goes straight to a hidden temporary file beside its target, so memory
    # stays flat however many forms a build makes; they are renamed into place at the end.
    staged: dict[str, tuple[Path | None, Artifact]] = {}  # None: already on disk, unchanged
    timed: dict[FormJob, float] = {}
    try:
        with (
            progress_bar(len(todo)) as advance,
            contextlib.closing(make_all(settings, catalogs, todo, pool, advance)) as results,
        ):
            for job, result in results:
                if result.error is not None:
                    message, status = result.error
                    report.failures.setdefault(message, status)
                    report.failed += job.paths.values()
                    continue
                untranslated[job.locale] |= result.untranslated
                timed[job] = result.seconds
                for content, artifact in result.files:
                    target = out_dir / artifact.path
                    same = intact(target, artifact.bytes, artifact.sha256)
                    staged[artifact.path] = (None if same else stage(target, content), artifact)
        if releasing:
            hold_back_unready(request, report, staged, previous)
        commit(
            settings,
            report,
            out_dir,
            previous,
            staged,
            untranslated,
            log,
            "all" if request.release else "ready" if request.release_ready else None,
        )
    finally:
        for temporary, _ in staged.values():
            if temporary is not None:
                temporary.unlink(missing_ok=True)
    remember_times(out_dir, timed)
    return report
