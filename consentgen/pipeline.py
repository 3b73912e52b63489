"""One form, from job to bytes. Read top to bottom, this is what a build does for each form:

1. render the procedure's template in the form's locale, with the status the form earns
   (status.render_form: unapproved, incomplete, draft or reviewed);
2. compose the variant (a bilingual form pairs it with the source language's form);
3. scan it for anything it would load from outside itself (render.lockdown), on the very tree
   each format lays out;
4. make each format the job asks for, each after the formats it needs (outputs.in_order);
5. describe each file for the manifest.

No file is written here: the build stages and commits what comes back, and `check`, `serve`
and the benchmarks use the same steps.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from consentgen.approval import Approvals
from consentgen.errors import display_path
from consentgen.i18n.catalogs import load_locale_catalog
from consentgen.i18n.pofile import po_path
from consentgen.i18n.translations import LocaleCatalog
from consentgen.locales import FormLocale, form_locale
from consentgen.manifest import Artifact
from consentgen.outputs import Form, in_order
from consentgen.procedures import procedure_template
from consentgen.render.blocks import blocks_of
from consentgen.render.forms import FormRenderer, RenderedForm
from consentgen.render.lockdown import check_standalone, parse_html
from consentgen.settings import Settings
from consentgen.status import render_form
from consentgen.variants import STANDARD, VARIANTS


@dataclass(frozen=True, eq=False)
class FormJob:
    """One form to make: a procedure, in a locale and variant, in some formats."""

    locale: str
    procedure: str
    variant: str
    paths: dict[str, str]  # format -> output path
    digests: dict[str, str]  # format -> inputs_sha256
    layout_sha256: str = ""  # fonts and libraries that lay the HTML out (see pdf_identifier)


@dataclass
class FormResult:
    """What making one form gave: files and their manifest entries, or an error."""

    files: list[tuple[bytes, Artifact]] = field(default_factory=list)
    untranslated: set[str] = field(default_factory=set)
    error: tuple[str, int] | None = None  # (message, exit status): exceptions are not pickled
    seconds: float = 0.0  # how long making it took


class FormMaker:
    """Everything needed to make forms, loaded once per process and reused for each form."""

    def __init__(self, settings: Settings, catalogs: dict[str, LocaleCatalog] | None = None):
        self.settings = settings
        self.source = form_locale(settings.default_locale, settings.default_locale, settings.fonts)
        self.catalogs = dict(catalogs or {})
        self.renderers: dict[str, FormRenderer] = {}
        self.approvals = Approvals(settings, self.renderer(self.source.code))
        self.blocks: dict[str, dict[str, str]] = {}  # each procedure's blocks, by version

    def locale(self, code: str) -> FormLocale:
        return form_locale(code, self.settings.default_locale, self.settings.fonts)

    def renderer(self, code: str) -> FormRenderer:
        """The locale's renderer, its catalog loaded on first use."""
        if code not in self.renderers:
            if code not in self.catalogs:
                self.catalogs[code] = load_locale_catalog(self.settings, code)
            self.renderers[code] = FormRenderer(
                self.settings, self.locale(code), self.source, self.catalogs[code]
            )
        return self.renderers[code]

    def blocks_of(self, job: FormJob) -> dict[str, str]:
        """The content blocks a job's procedure uses, read once a process."""
        if job.procedure not in self.blocks:
            self.blocks[job.procedure] = blocks_of(self.settings, job.procedure)
        return self.blocks[job.procedure]

    def render(self, code: str, procedure: str, variant: str) -> RenderedForm:
        """Steps 1 and 2: the form's HTML in its variant, with its status and messages."""
        chosen = VARIANTS[variant]
        rendered = render_form(
            self.renderer(code), self.approvals, procedure, chosen.template_variant
        )
        if chosen.compose is None:
            return rendered
        source = render_form(self.renderer(self.source.code), self.approvals, procedure, STANDARD)
        html = chosen.compose(rendered.html, source.html, self.locale(code), self.source)
        return RenderedForm(html, rendered.form, rendered.messages)

    def make(self, job: FormJob) -> FormResult:
        """Every step, for one job. A user's mistake raises a ConsentgenError naming it."""
        rendered = self.render(job.locale, job.procedure, job.variant)
        template = procedure_template(self.settings, job.procedure)
        form = Form(
            settings=self.settings,
            locale=self.locale(job.locale),
            procedure=job.procedure,
            variant=job.variant,
            html=rendered.html,
            context=rendered.form,
            shown_template=display_path(template, self.settings.root),
            identifier=pdf_identifier(job, rendered.html),
        )
        outputs = in_order(list(job.paths))
        # Step 3: nothing from outside the form, whichever format it is written in. Each tree
        # a format lays out is scanned (WeasyPrint's, parsed once), or the HTML parser's.
        catalog = None if form.locale.is_source else po_path(self.settings.root, job.locale)
        trees = [tree for output in outputs if (tree := output.prepare(form)) is not None]
        for tree in trees or [parse_html(form.html)]:
            check_standalone(tree, self.settings, template, catalog)
        # Steps 4 and 5.
        made: dict[str, bytes] = {}
        result = FormResult(untranslated=set(rendered.messages.untranslated))
        for output in outputs:
            made[output.name] = content = output.make(form, made)
            if output.name in job.paths:
                artifact = _artifact(job, output.name, form, content, self.blocks_of(job))
                result.files.append((content, artifact))
        return result


def _artifact(
    job: FormJob, fmt: str, form: Form, content: bytes, blocks: dict[str, str]
) -> Artifact:
    return Artifact(
        path=job.paths[fmt],
        procedure=job.procedure,
        locale=job.locale,
        format=fmt,
        form_id=form.context.form_id,
        form_version=form.context.version,
        translation_status=form.context.translation_status,
        sha256=hashlib.sha256(content).hexdigest(),
        bytes=len(content),
        inputs_sha256=job.digests[fmt],
        blocks=blocks,
    )


def pdf_identifier(job: FormJob, html: str) -> str:
    """The PDF's permanent identifier, from the form's own content: its HTML, and the fonts and
    libraries that lay it out; never from the files it was rendered from."""
    digest = hashlib.sha256(job.layout_sha256.encode("ascii"))
    digest.update(html.encode("utf-8"))
    return digest.hexdigest()
