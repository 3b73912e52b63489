"""Rendering forms, in this process or in worker processes (`build -j N`).

A worker loads settings, catalogs, Jinja environments and one WeasyPrint font configuration
once, and reuses them for every form it renders; the parent plans, and writes what comes back.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from consentgen.approval import ApprovalState
from consentgen.bilingual import compose
from consentgen.catalogs import LocaleCatalog, load_catalog, po_path, source_catalog
from consentgen.config import Settings, load_settings
from consentgen.errors import BAD_INPUT, ConsentgenError, display_path
from consentgen.fonts import font_file
from consentgen.locales import FormLocale, form_locale
from consentgen.lockdown import check_standalone, parse_html
from consentgen.manifest import Artifact
from consentgen.procedures import procedure_template
from consentgen.render import FormRenderer

if TYPE_CHECKING:
    from consentgen.pdf import PdfWriter


class RenderTimeout(BaseException):
    """A form's render ran past its time limit.

    A BaseException, like KeyboardInterrupt, so that no `except Exception` inside a library
    swallows it.
    """


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise RenderTimeout in this thread if the block runs longer than seconds.

    It uses SIGALRM, so it limits only the main thread (where builds and workers render);
    elsewhere the block runs unlimited. Python code is interrupted between bytecodes: a
    pathological stylesheet spends its time in WeasyPrint's Python layout code. WeasyPrint
    swallows every exception while it draws an SVG image, this one too, so once the time is
    up the alarm rings again every tenth of a second until it gets through, and a block that
    ends after the time is up raises all the same.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    expired = False

    def ring(_signal: int, _frame: object) -> None:
        nonlocal expired
        expired = True
        raise RenderTimeout

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.1)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if expired:
        raise RenderTimeout


@dataclass(frozen=True)
class FormJob:
    """One form to render: a procedure, in a locale and variant, in some formats."""

    locale: str
    procedure: str
    variant: str
    paths: dict[str, str]  # format -> output path
    digests: dict[str, str]  # format -> inputs_sha256
    layout_sha256: str = ""  # fonts and libraries that lay the HTML out (see pdf_identifier)


@dataclass
class FormResult:
    """What rendering one form gave: files and their manifest entries, or an error."""

    files: list[tuple[bytes, Artifact]] = field(default_factory=list)
    untranslated: set[str] = field(default_factory=set)
    error: tuple[str, int] | None = None  # (message, exit status): exceptions are not pickled


class Workshop:
    """Everything needed to render forms, loaded once per process."""

    def __init__(self, settings: Settings, catalogs: dict[str, LocaleCatalog] | None = None):
        self.settings = settings
        self.source = form_locale(settings.default_locale, settings.default_locale, settings.fonts)
        self.catalogs = dict(catalogs or {})
        self.renderers: dict[str, FormRenderer] = {}
        self.approvals: dict[str, ApprovalState] = {}  # each procedure's, shared by all locales
        self.source_renderer = FormRenderer(
            settings, self.source, self.source, source_catalog(self.source.code), self.approvals
        )
        self.pdf_writer: PdfWriter | None = None

    def locale(self, code: str) -> FormLocale:
        return form_locale(code, self.settings.default_locale, self.settings.fonts)

    def renderer(self, code: str) -> FormRenderer:
        if code not in self.renderers:
            if code not in self.catalogs:
                self.catalogs[code] = (
                    source_catalog(code)
                    if code == self.source.code
                    else load_catalog(self.settings.root, code)
                )
            self.renderers[code] = FormRenderer(
                self.settings, self.locale(code), self.source, self.catalogs[code], self.approvals
            )
        return self.renderers[code]

    def render(self, job: FormJob) -> FormResult:
        """Render one form in all its formats; a user's mistake becomes the result's error."""
        try:
            with time_limit(self.settings.render_timeout):
                return self._render(job)
        except ConsentgenError as exc:
            return FormResult(error=(exc.format_message(), exc.exit_code))
        except RenderTimeout:
            shown = display_path(
                procedure_template(self.settings, job.procedure), self.settings.root
            )
            limit = f"{self.settings.render_timeout:g}"
            return FormResult(
                error=(
                    f"{shown}: {job.locale}: {job.variant} form took longer than {limit} s to "
                    f"render and was stopped (render_timeout in {self.settings.source.name})",
                    BAD_INPUT,
                )
            )

    def _render(self, job: FormJob) -> FormResult:
        renderer = self.renderer(job.locale)
        locale = self.locale(job.locale)
        if job.variant == "bilingual":
            rendered = renderer.render_form(job.procedure)
            html = compose(
                rendered.html, self.source_renderer.render(job.procedure), locale, self.source
            )
        else:
            rendered = renderer.render_form(job.procedure, job.variant)
            html = rendered.html
        form = rendered.form
        # Nothing from outside the form, whichever format it is written in: the tree checked is
        # the one WeasyPrint lays out (parsed once), or the same parser's for HTML alone.
        parsed = self._writer().parse(html) if "pdf" in job.paths else None
        catalog = None if locale.is_source else po_path(self.settings.root, job.locale)
        template = procedure_template(self.settings, job.procedure)
        tree = parsed.etree_element if parsed is not None else parse_html(html)
        check_standalone(tree, self.settings, template, catalog)
        result = FormResult(untranslated=set(rendered.messages.untranslated))
        for fmt, path in job.paths.items():
            if fmt == "html":
                content = html.encode("utf-8")
            else:
                shown = display_path(template, self.settings.root)
                content = self._writer().write(
                    html, form, job.locale, locale.script, shown, pdf_identifier(job, html), parsed
                )
            result.files.append(
                (
                    content,
                    Artifact(
                        path=path,
                        procedure=job.procedure,
                        locale=job.locale,
                        format=fmt,
                        form_id=form.form_id,
                        form_version=form.version,
                        translation_status=form.translation_status,
                        sha256=hashlib.sha256(content).hexdigest(),
                        bytes=len(content),
                        inputs_sha256=job.digests[fmt],
                    ),
                )
            )
        return result

    def _writer(self) -> PdfWriter:
        if self.pdf_writer is None:
            # WeasyPrint is slow to import; only a build that makes PDFs pays for it. One
            # writer per process: fonts are loaded once.
            from consentgen.pdf import PdfWriter

            fonts = {
                path
                for code in self.settings.locales
                for family in self.locale(code).fonts
                if (path := font_file(family)) is not None
            }
            self.pdf_writer = PdfWriter(
                self.settings.templates_dir, self.settings.pdf_fields, font_files=fonts
            )
        return self.pdf_writer


def pdf_identifier(job: FormJob, html: str) -> str:
    """The PDF's permanent identifier, from the form's own content: its HTML, and the fonts and
    libraries that lay it out; never from the files it was rendered from (see _layout_sha256)."""
    digest = hashlib.sha256(job.layout_sha256.encode("ascii"))
    digest.update(html.encode("utf-8"))
    return digest.hexdigest()


# The worker process's workshop, made once by its initializer.
_WORKSHOP: Workshop | None = None


def start_worker(parent: int, root: Path) -> None:
    """Initializer of a worker process: follow the parent's fate, then load the project once.

    Ctrl+C reaches every process of the terminal's group: the parent alone decides what
    happens (it stops the workers). A parent killed outright (kill -9, out of memory) cannot
    stop them, so each worker watches for its parent to go and then exits too.
    """
    global _WORKSHOP
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    _WORKSHOP = Workshop(load_settings(root))


PARENT_POLL_SECONDS = 0.5


def _exit_with_parent(parent: int) -> None:
    """Exit this process as soon as its parent is gone (it is then adopted by another)."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def render_in_worker(job: FormJob) -> FormResult:
    """Render one form in a worker process."""
    assert _WORKSHOP is not None, "start_worker was not run"
    return _WORKSHOP.render(job)
