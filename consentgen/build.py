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
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from consentgen import __version__
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
from consentgen.locales import FormLocale, form_locale, is_valid_identifier
from consentgen.manifest import Artifact, manifest_bytes, read_manifest
from consentgen.output import atomic_write, stage
from consentgen.procedures import discover, procedure_template, select
from consentgen.render import FormRenderer
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
    release: bool = False
    variants: tuple[str, ...] = ()
    jobs: int = 1
    shard: tuple[int, int] = (1, 1)  # this runner's slice I of N


@dataclass
class BuildReport:
    """What a build did."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)  # each message once: exit status

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
    for module in sorted(Path(__file__).resolve().parent.glob("*.py")):
        inputs[f"consentgen:{module.name}"] = _file_sha256(module)
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
    inputs["locale"] = locale.code
    inputs["catalog"] = catalog.sha256
    inputs["settings"] = json.dumps(
        [
            settings.institution_name,
            settings.institution_address,
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
    problems: list[Problem] = []
    for code in chosen:
        locale = form_locale(code, settings.default_locale, settings.fonts)
        catalog = _load_catalog(settings, code, strict=False)
        renderer = FormRenderer(settings, locale, source, catalog)
        forms = {p: renderer.render(p) for p in procedures}
        subject = LocaleUnderCheck(locale, catalog, forms, source_forms)
        for _name, check in registered():
            problems += check(settings, subject)
        if scores is not None:
            scores += reading_scores(subject)
    return problems


def _load_catalog(settings: Settings, code: str, strict: bool = True) -> LocaleCatalog:
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
    source = form_locale(settings.default_locale, settings.default_locale, settings.fonts)
    manifest_path = out_dir / "manifest.json"
    previous = read_manifest(manifest_path)
    if out_dir.is_dir():  # what a killed build left half-written is never used: remove it
        for leftover in out_dir.rglob(".*.tmp"):
            leftover.unlink(missing_ok=True)

    # A release runs the checks first: each fault is named, and nothing is built (exit 1).
    if request.release and (problems := run_checks(settings, codes)):
        raise QualityGateFailed("\n".join(["release refused:", *(p.line() for p in problems)]))

    # Read and check every input first: a bad catalog stops the build before anything is written.
    catalogs = {code: _load_catalog(settings, code) for code in codes}
    report = BuildReport()
    todo = _plan(settings, request, procedures, codes, catalogs, previous, out_dir, report)
    source_renderer = FormRenderer(settings, source, source, source_catalog(source.code))

    # Render: in this process, or in workers that each load the project once.
    # A form that fails does not lose the others: they are written, and the report carries
    # every failure (each different message once) for raise_for_failures.
    untranslated: dict[str, set[str]] = {code: set() for code in codes}
    # Each rendered file goes straight to a hidden temporary file beside its target, so memory
    # stays flat however many forms a build makes; they are renamed into place at the end.
    staged: dict[str, tuple[Path | None, Artifact]] = {}  # None: already on disk, unchanged
    try:
        with _progress_bar(len(todo)) as advance:
            for job, result in _render_all(settings, catalogs, todo, request.jobs, advance):
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
        _finish(
            settings,
            report,
            out_dir,
            previous,
            staged,
            untranslated,
            source_renderer,
            log,
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
) -> list[FormJob]:
    """The forms to render: those of this shard whose inputs changed since the last build.

    The others are recorded in the report as skipped.
    """
    formats = list(dict.fromkeys(request.formats)) or list(FORMATS)
    variants = list(dict.fromkeys(request.variants)) or list(settings.variants)
    shared = _shared_inputs(settings)
    locales = {code: form_locale(code, settings.default_locale, settings.fonts) for code in codes}
    fonts = {code: require_fonts(locales[code], settings) for code in codes}
    todo: list[FormJob] = []
    for code in codes:
        for procedure in procedures:
            for variant in variants:
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
                todo.append(FormJob(code, procedure, variant, wanted, digests))
    return todo


def _finish(
    settings: Settings,
    report: BuildReport,
    out_dir: Path,
    previous: dict[str, Artifact],
    staged: dict[str, tuple[Path | None, Artifact]],
    untranslated: dict[str, set[str]],
    source_renderer: FormRenderer,
    log: object,
) -> None:
    """Put the staged files in place, then the index and the manifest."""
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
    # The index and manifest are ready before the first file is put in place: a broken index
    # template fails the build here, with build/ untouched.
    finishing = {
        "index.html": render_index(settings, list(artifacts.values()), source_renderer),
        "manifest.json": manifest_bytes(list(artifacts.values())),
    }

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
        os.replace(temporary, out_dir / path)
        staged[path] = (None, artifact)
        report.written.append(path)
        log(f"wrote {display_path(out_dir / path, settings.root)}")  # type: ignore[operator]
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
) -> Iterator[tuple[FormJob, FormResult]]:
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
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=start_worker, initargs=(settings.root,)
    ) as pool:
        futures = {pool.submit(render_in_worker, job): job for job in todo}
        for future in as_completed(futures):
            job = futures.pop(future)
            yield job, future.result()
            progress(job)


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
