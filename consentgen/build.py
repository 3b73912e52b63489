"""The build: plan, read and check every input, render in memory, then write atomically.

Nothing is written until every form has been rendered, so a bad catalog or template cannot leave
half a build behind; each file is then renamed into place whole, and the manifest goes last.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import multiprocessing
import os
import sys
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from consentgen import __version__
from consentgen.approval import approval_file_sha256
from consentgen.catalogs import LocaleCatalog, load_catalog, po_path, source_catalog
from consentgen.checks import LocaleUnderCheck, Problem, registered
from consentgen.config import Settings
from consentgen.errors import (
    BAD_INPUT,
    ConsentgenError,
    InputError,
    QualityGateFailed,
    display_path,
)
from consentgen.fonts import require_fonts
from consentgen.index import INDEX_TEMPLATE, render_index
from consentgen.ledger import HeldBack, write_release
from consentgen.locales import FormLocale, form_locale, is_valid_identifier
from consentgen.manifest import Artifact, manifest_bytes, read_manifest
from consentgen.outdir import claimed
from consentgen.output import atomic_write, replace, stage
from consentgen.procedures import discover, procedure_template, select
from consentgen.render import FormRenderer
from consentgen.review import REVIEWED, UNAPPROVED
from consentgen.workers import FormJob, FormResult, Workshop, render_in_worker, start_worker

FORMATS = ("html", "pdf")
VARIANTS = ("standard", "large-print", "bilingual")


@dataclass(frozen=True)
class BuildRequest:
    """What `consentgen build` was asked for."""

    procedures: tuple[str, ...] = ()
    locales: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    out_dir: Path | None = None
    force: bool = False
    release: bool = False  # all or nothing: refuse the whole build if any form is not ready
    variants: tuple[str, ...] = ()
    jobs: int = 1
    shard: tuple[int, int] = (1, 1)  # this runner's slice I of N
    release_ready: bool = False  # release every form that is ready, hold back the others
    wait: bool = True  # for another build that holds the output folder (else fail at once)


@dataclass
class BuildReport:
    """What a build did."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)  # each message once: exit status
    held_back: list[HeldBack] = field(default_factory=list)  # by a --release-ready build
    release: Path | None = None  # the ledger record a release wrote

    def summary(self, seconds: float) -> str:
        """The closing line: what was built, left as it was, or failed."""
        return (
            f"built {len(self.written)} files, {len(self.unchanged)} unchanged, "
            f"{len(self.skipped)} up to date, {len(self.failed)} failed in {seconds:.1f} s"
        )

    def raise_for_failures(self) -> None:
        """Fail with every form's error, once each: exit 2 for bad input, else 1."""
        if not self.failures:
            return
        message = "\n".join(
            [*sorted(self.failures), "everything else was written"]
            if self.written or self.unchanged or self.skipped
            else sorted(self.failures)
        )
        if BAD_INPUT in self.failures.values():
            raise ConsentgenError(message)
        raise QualityGateFailed(message)


def select_locales(settings: Settings, requested: tuple[str, ...]) -> list[str]:
    """The locales to build: the requested ones, checked against Babel and the settings."""
    configured = ", ".join(settings.locales)
    for code in (settings.default_locale, *settings.locales):
        if not is_valid_identifier(code):
            raise ConsentgenError(f"{settings.source.name}: unknown locale {code!r} in settings")
    chosen = list(dict.fromkeys(requested)) or list(settings.locales)
    for code in chosen:
        if not is_valid_identifier(code):
            raise ConsentgenError(
                f"unknown locale {code!r}: not a Babel locale identifier (configured: {configured})"
            )
        if code not in settings.locales:
            raise ConsentgenError(
                f"{settings.source.name}: locale {code!r} is not in locales "
                f"(configured: {configured})"
            )
    return chosen


def _file_sha256(path: Path) -> str:
    stat = path.stat()
    return _content_sha256(path, stat.st_mtime_ns, stat.st_size)


@functools.cache
def _content_sha256(path: Path, _mtime_ns: int, _size: int) -> str:
    """A file's digest, computed once per version of the file (fonts are large)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _shared_inputs(settings: Settings) -> dict[str, str]:
    """Files every form is made from: layout, partials, CSS, images (not other procedures)."""
    templates = settings.templates_dir
    files = sorted(
        p
        for p in templates.rglob("*")
        if p.is_file() and p.relative_to(templates).parts[0] not in {"procedures", INDEX_TEMPLATE}
    )
    inputs = {p.relative_to(settings.root).as_posix(): _file_sha256(p) for p in files}
    if settings.logo:
        inputs["logo"] = _file_sha256(settings.logo)
    for package in ("weasyprint", "jinja2", "babel", "pydyf", "pyhanko", "segno"):
        inputs[f"package:{package}"] = version(package)
    inputs["consentgen"] = __version__
    # The code itself, so that a development build never keeps output of an older consentgen.
    package = Path(__file__).resolve().parent
    for module in sorted(package.rglob("*.py")):  # subpackages too
        inputs[f"consentgen:{module.relative_to(package).as_posix()}"] = _file_sha256(module)
    inputs["SOURCE_DATE_EPOCH"] = os.environ.get("SOURCE_DATE_EPOCH", "")
    return inputs


def inputs_sha256(
    settings: Settings,
    shared: dict[str, str],
    procedure: str,
    locale: FormLocale,
    catalog: LocaleCatalog,
    fonts: list[Path],
    fmt: str,
) -> str:
    """A digest of everything one output is made from."""
    entry = settings.procedures[procedure]
    inputs = dict(shared)
    inputs["procedure"] = _file_sha256(procedure_template(settings, procedure))
    inputs["approval"] = approval_file_sha256(settings, procedure)  # the status depends on it
    inputs["locale"] = locale.code
    inputs["catalog"] = catalog.sha256
    inputs["settings"] = json.dumps(
        [
            settings.institution_name,
            settings.institution_address,
            settings.hospital_phone_day,
            settings.hospital_phone_night,
            settings.emergency_number,
            settings.source_role_names,
            settings.page_size,
            settings.pdf_fields,
            settings.default_locale,
            entry.form_id,
            entry.version,
            entry.revision_date.isoformat(),
            list(locale.fonts),
        ]
    )
    for font in fonts:
        inputs[f"font:{font}"] = _file_sha256(font)
    inputs["format"] = fmt
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode("utf-8")).hexdigest()


def run_checks(
    settings: Settings,
    codes: list[str] | None = None,
    scores: list[dict[str, object]] | None = None,
) -> list[Problem]:
    """Every registered check on every requested locale (all configured ones by default).

    scores, if given, receives a reading score per procedure and locale (or "unscored").
    """
    # textstat is slow to import: only a check pays for it, never a build.
    from consentgen.checks.readability import reading_scores

    chosen = select_locales(settings, tuple(codes or ()))
    source = form_locale(settings.default_locale, settings.default_locale, settings.fonts)
    procedures = [p for p in discover(settings) if p in settings.procedures]
    source_renderer = FormRenderer(settings, source, source, source_catalog(source.code))
    source_forms = {p: source_renderer.render(p) for p in procedures}
    approvals = {p: source_renderer.approval(p) for p in procedures}
    problems: list[Problem] = []
    for code in chosen:
        locale = form_locale(code, settings.default_locale, settings.fonts)
        catalog = load_locale_catalog(settings, code, strict=False)
        renderer = FormRenderer(settings, locale, source, catalog, source_renderer.approvals)
        rendered = {p: renderer.render_form(p) for p in procedures}
        subject = LocaleUnderCheck(
            locale,
            catalog,
            {p: form.html for p, form in rendered.items()},
            source_forms,
            {p: form.messages.untranslated for p, form in rendered.items()},
            approvals,
        )
        for _name, check in registered():
            problems += check(settings, subject)
        if scores is not None:
            scores += reading_scores(subject)
    return problems


def load_locale_catalog(settings: Settings, code: str, strict: bool = True) -> LocaleCatalog:
    """A configured locale's catalog (the source language has none), or a one-line error."""
    if code == settings.default_locale:
        return source_catalog(code)
    path = po_path(settings.root, code)
    if not path.is_file():
        raise InputError(
            display_path(path, settings.root),
            f"no catalog for locale {code} (create it with `consentgen update -l {code}`)",
        )
    return load_catalog(settings.root, code, strict=strict)


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
    source = form_locale(settings.default_locale, settings.default_locale, settings.fonts)
    previous = read_manifest(out_dir / "manifest.json")

    # A release runs the checks first. All or nothing: each fault is named, and nothing is
    # built (exit 1). Release what is ready: each form a fault concerns is held back, named.
    report = BuildReport()
    releasing = request.release or request.release_ready
    if releasing:
        problems = run_checks(settings, codes)
        if request.release and problems:
            raise QualityGateFailed("\n".join(["release refused:", *(p.line() for p in problems)]))
        report.held_back = _held_back(settings, problems, procedures, codes)
        if len({(h.procedure, h.locale) for h in report.held_back}) == len(procedures) * len(codes):
            lines = [h.line() for h in report.held_back]
            raise QualityGateFailed("\n".join(["nothing is ready to release:", *lines]))
    held = {(h.procedure, h.locale) for h in report.held_back}

    # Read and check every input first: a bad catalog stops the build before anything is written.
    catalogs = {code: load_locale_catalog(settings, code) for code in codes}
    todo = _plan(settings, request, procedures, codes, catalogs, previous, out_dir, report, held)
    source_renderer = FormRenderer(settings, source, source, source_catalog(source.code))

    # Render: in this process, or in workers that each load the project once.
    # A form that fails does not lose the others: they are written, and the report carries
    # every failure (each different message once) for raise_for_failures.
    untranslated: dict[str, set[str]] = {code: set() for code in codes}
    # Each rendered file goes straight to a hidden temporary file beside its target, so memory
    # stays flat however many forms a build makes; they are renamed into place at the end.
    staged: dict[str, tuple[Path | None, Artifact]] = {}  # None: already on disk, unchanged
    try:
        with (
            _progress_bar(len(todo)) as advance,
            contextlib.closing(
                _render_all(settings, catalogs, todo, request.jobs, advance)
            ) as results,
        ):
            for job, result in results:
                if result.error is not None:
                    message, status = result.error
                    report.failures.setdefault(message, status)
                    report.failed += job.paths.values()
                    continue
                untranslated[job.locale] |= result.untranslated
                for content, artifact in result.files:
                    target = out_dir / artifact.path
                    same = (
                        target.is_file()
                        and target.stat().st_size == artifact.bytes
                        and _file_sha256(target) == artifact.sha256
                    )
                    staged[artifact.path] = (None if same else stage(target, content), artifact)
        if releasing:
            _hold_back_unready(request, report, staged, previous)
        _finish(
            settings,
            report,
            out_dir,
            previous,
            staged,
            untranslated,
            source_renderer,
            log,
            "all" if request.release else "ready" if request.release_ready else None,
        )
    finally:
        for temporary, _ in staged.values():
            if temporary is not None:
                temporary.unlink(missing_ok=True)
    return report


def _plan(
    settings: Settings,
    request: BuildRequest,
    procedures: list[str],
    codes: list[str],
    catalogs: dict[str, LocaleCatalog],
    previous: dict[str, Artifact],
    out_dir: Path,
    report: BuildReport,
    held: set[tuple[str, str]],
) -> list[FormJob]:
    """The forms to render: those of this shard whose inputs changed since the last build,
    less the (procedure, locale) pairs a release holds back.

    The others are recorded in the report as skipped.
    """
    formats = list(dict.fromkeys(request.formats)) or list(FORMATS)
    variants = list(dict.fromkeys(request.variants)) or list(settings.variants)
    shared = _shared_inputs(settings)
    locales = {code: form_locale(code, settings.default_locale, settings.fonts) for code in codes}
    fonts = {code: require_fonts(locales[code], settings) for code in codes}
    layout = {code: _layout_sha256(settings, shared, fonts[code]) for code in codes}
    todo: list[FormJob] = []
    for code in codes:
        for procedure in procedures:
            for variant in variants:
                if (procedure, code) in held:
                    continue
                if not in_shard(f"{code}/{procedure}/{variant}", request.shard):
                    continue
                if variant == "bilingual" and code == settings.default_locale:
                    continue  # the source language paired with itself is the standard form
                digests = {
                    fmt: inputs_sha256(
                        settings,
                        shared,
                        procedure,
                        locales[code],
                        catalogs[code],
                        fonts[code],
                        f"{variant}.{fmt}",
                    )
                    for fmt in formats
                }
                stem = procedure if variant == "standard" else f"{procedure}.{variant}"
                wanted = {fmt: f"{code}/{stem}.{fmt}" for fmt in formats}
                if not request.force and all(
                    _up_to_date(out_dir, previous.get(wanted[f]), digests[f]) for f in formats
                ):
                    report.skipped += wanted.values()
                    continue
                todo.append(FormJob(code, procedure, variant, wanted, digests, layout[code]))
    return todo


def _layout_sha256(settings: Settings, shared: dict[str, str], fonts: list[Path]) -> str:
    """A digest of what turns a form's HTML into its PDF: fonts, libraries, the fields setting.

    With the HTML itself, it makes the PDF's identifier: a change that changes no rendered
    text (a catalog's header, comments or line wrapping) leaves every byte of the PDF as it was.
    """
    inputs = {key: value for key, value in shared.items() if key.startswith("package:")}
    inputs.update({f"font:{font}": _file_sha256(font) for font in fonts})
    inputs["pdf_fields"] = settings.pdf_fields
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode("utf-8")).hexdigest()


def _finish(
    settings: Settings,
    report: BuildReport,
    out_dir: Path,
    previous: dict[str, Artifact],
    staged: dict[str, tuple[Path | None, Artifact]],
    untranslated: dict[str, set[str]],
    source_renderer: FormRenderer,
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
        if (artifact.procedure, artifact.locale) in configured and _intact(out_dir, artifact)
    }
    artifacts.update({path: artifact for path, (_, artifact) in staged.items()})
    # The index is ready before the first file is put in place: a broken index template fails
    # the build here, with build/ untouched.
    index = render_index(settings, list(artifacts.values()), source_renderer)

    # Before a file is replaced, the manifest stops vouching for it: a build killed at any
    # moment leaves a manifest whose every entry matches the file on disk, and the next build
    # redoes what is missing.
    changing = {path for path, (temporary, _) in staged.items() if temporary is not None}
    if changing and previous:
        kept = [a for path, a in previous.items() if path not in changing and _intact(out_dir, a)]
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
        "manifest.json": manifest_bytes(list(artifacts.values()), release),
    }
    for name, content in finishing.items() if staged or not report.failures else ():
        target = out_dir / name
        if not (target.is_file() and _file_bytes_equal(target, content)):
            atomic_write(target, content)
            report.written.append(name)


def in_shard(key: str, shard: tuple[int, int]) -> bool:
    """Whether a form belongs to slice I of N: stable across runs, machines and Pythons."""
    index, count = shard
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest(), 16) % count == index - 1


def _render_all(
    settings: Settings,
    catalogs: dict[str, LocaleCatalog],
    todo: list[FormJob],
    jobs: int,
    progress: Callable[[FormJob], None] = lambda job: None,
) -> Generator[tuple[FormJob, FormResult], None, None]:
    """Render every planned form; in worker processes, as each finishes, when jobs > 1."""
    workers = min(jobs, len(todo))
    if workers <= 1:
        workshop = Workshop(settings, catalogs)
        for job in todo:
            yield job, workshop.render(job)
            progress(job)
        return
    # Spawned (not forked) workers: the parent may hold a Pango/fontconfig state a fork would
    # copy half-made. Each worker loads the project once, then renders many forms. Forms are
    # handed out one at a time, so that no worker idles while another still has a queue: a
    # Chinese form takes longer than a Spanish one.
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        workers, mp_context=context, initializer=start_worker, initargs=(os.getpid(), settings.root)
    )
    try:
        futures = {pool.submit(render_in_worker, job): job for job in todo}
        for future in as_completed(futures):
            job = futures.pop(future)
            yield job, future.result()
            progress(job)
    except BaseException:
        # Ctrl+C, a failed write, or the caller gave up: forms not yet started are cancelled
        # and the workers stopped now, rather than after every queued form.
        _stop_workers(pool)
        raise
    pool.shutdown()


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers at once.

    ProcessPoolExecutor has no public way to stop a running task before Python 3.14
    (`terminate_workers`); its worker processes are taken before shutdown forgets them.
    """
    terminate = getattr(pool, "terminate_workers", None)
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    if terminate is not None:
        with contextlib.suppress(Exception):
            terminate()
    for process in processes:
        with contextlib.suppress(OSError, ValueError):
            process.terminate()


@contextlib.contextmanager
def _progress_bar(total: int) -> Iterator[Callable[[FormJob], None]]:
    """A progress bar on a terminal (rich); nothing in a log, where each file gets its line."""
    if total < 2 or not sys.stdout.isatty():
        yield lambda job: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "rendering", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True
    ) as bar:
        task = bar.add_task("forms", total=total)
        yield lambda job: bar.advance(task)


def _intact(out_dir: Path, artifact: Artifact) -> bool:
    """True when an earlier output is on disk exactly as the manifest recorded it."""
    path = out_dir / artifact.path
    return (
        path.is_file()
        and path.stat().st_size == artifact.bytes
        and _file_sha256(path) == artifact.sha256
    )


def _up_to_date(out_dir: Path, artifact: Artifact | None, digest: str) -> bool:
    """True when an earlier build made this output from the same inputs and it is intact."""
    return artifact is not None and artifact.inputs_sha256 == digest and _intact(out_dir, artifact)


def _file_bytes_equal(path: Path, content: bytes) -> bool:
    return path.stat().st_size == len(content) and path.read_bytes() == content


def _held_back(
    settings: Settings, problems: list[Problem], procedures: list[str], codes: list[str]
) -> list[HeldBack]:
    """The forms each check problem keeps out of a release, with the problem as the reason.

    A problem in a translated locale holds back that locale's forms; one in the source
    language holds back every locale's. A problem found in a procedure's template holds back
    only that procedure's forms; any other (a catalog, messages.pot) holds back all of them.
    """
    templates = {
        display_path(procedure_template(settings, p), settings.root): p for p in procedures
    }
    held: list[HeldBack] = []
    for problem in problems:
        path = problem.where.rsplit(":", 1)[0] if problem.where[-1:].isdigit() else problem.where
        concerned = [templates[path]] if path in templates else procedures
        if problem.locale == settings.default_locale:
            locales = codes
        elif problem.locale in codes:
            locales = [problem.locale]
        else:
            continue
        held += [HeldBack(p, code, problem.line()) for p in concerned for code in locales]
    return list(dict.fromkeys(held))


def _hold_back_unready(
    request: BuildRequest,
    report: BuildReport,
    staged: dict[str, tuple[Path | None, Artifact]],
    previous: dict[str, Artifact],
) -> None:
    """A release never includes a form whose status is not reviewed, whatever the checks said.

    All or nothing: such a form refuses the release before anything is written. Release what
    is ready: it is held back, named, and not written.
    """
    candidates = [artifact for _, artifact in staged.values()]
    candidates += [previous[path] for path in report.skipped if path in previous]
    unready = sorted(
        {(a.procedure, a.locale, a.translation_status) for a in candidates}
        - {(a.procedure, a.locale, REVIEWED) for a in candidates}
    )
    if not unready:
        return
    reasons = [
        HeldBack(
            procedure,
            locale,
            f"the form is unapproved: the {procedure} source text has no current clinical approval"
            if status == UNAPPROVED
            else f"the form is {status}, not reviewed",
        )
        for procedure, locale, status in unready
    ]
    if request.release:
        raise QualityGateFailed("\n".join(["release refused:", *(h.line() for h in reasons)]))
    report.held_back += reasons
    pairs = {(h.procedure, h.locale) for h in reasons}
    for path, (temporary, artifact) in list(staged.items()):
        if (artifact.procedure, artifact.locale) in pairs:
            if temporary is not None:
                temporary.unlink(missing_ok=True)
            del staged[path]
    report.skipped = [
        p for p in report.skipped if (previous[p].procedure, previous[p].locale) not in pairs
    ]
