"""HTML rendering: one Jinja environment per locale, gettext from the locale's catalog."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path
from types import CodeType
from typing import Any

import jinja2
from babel.dates import format_date
from jinja2.bccache import Bucket
from markupsafe import Markup

from consentgen import __version__
from consentgen.approval import ApprovalState, approval_state, fingerprint, wording
from consentgen.catalogs import FormMessages, LocaleCatalog, source_catalog
from consentgen.config import VARIANTS, ProcedureSettings, Settings
from consentgen.errors import InputError, display_path
from consentgen.locales import FormLocale
from consentgen.review import INCOMPLETE, REVIEWED, UNAPPROVED, status_rank

# Stand-ins for CSS counters: a translator writes "Page %(page)s of %(pages)s" in any order.
PAGE_COUNTER = "\ue000"
PAGES_COUNTER = "\ue001"
STYLESHEET = Path("static") / "form.css"
# The variants made in the source language, whose wording a clinician approves: a bilingual
# form pairs a translation with the source language's standard form, and has no source form.
SOURCE_VARIANTS = tuple(variant for variant in VARIANTS if variant != "bilingual")


def css_string(text: str) -> str:
    """A CSS string literal that cannot end the string, the rule or the <style> element."""
    out = []
    for char in text:
        if char.isalnum() or char in " .,:;-_()/'!?" and char not in '<>&"\\':
            out.append(char)
        else:
            out.append(f"\\{ord(char):06x}")
    return '"' + "".join(out) + '"'


def css_counter_string(translated: Markup | str) -> Markup:
    """Turn a translated "Page %(page)s of %(pages)s" into a CSS content value with counters."""
    text = translated.unescape() if isinstance(translated, Markup) else translated
    parts: list[str] = []
    piece = ""
    for char in text:
        if char in (PAGE_COUNTER, PAGES_COUNTER):
            if piece:
                parts.append(css_string(piece))
            parts.append("counter(page)" if char == PAGE_COUNTER else "counter(pages)")
            piece = ""
        else:
            piece += char
    if piece:
        parts.append(css_string(piece))
    return Markup(" ".join(parts) or '""')


def isolate(text: str, locale: FormLocale) -> Markup:
    """Text in another language inside a form: marked, so bidi keeps it whole and in order."""
    return Markup('<span lang="{}" dir="{}">{}</span>').format(locale.bcp47, locale.direction, text)


def phone_number(number: str, locale: FormLocale) -> Markup:
    """A phone number inside a form: kept left to right and on one line, in any language."""
    return Markup('<span class="phone" lang="{}" dir="ltr">{}</span>').format(locale.bcp47, number)


def css_font_stack(families: tuple[str, ...]) -> Markup:
    """A font-family value, each family a quoted CSS string."""
    return Markup(", ".join(css_string(family) for family in families) + ", sans-serif")


@dataclass(frozen=True)
class FormContext:
    """What a form is stamped with besides its procedure's content."""

    form_id: str
    version: str
    revision_date: str
    build_timestamp: str
    translation_status: str


@dataclass(frozen=True)
class RenderedForm:
    """One form's HTML, the identity and status it carries, and the messages it shows."""

    html: str
    form: FormContext
    messages: FormMessages


def build_timestamp(procedure: ProcedureSettings) -> dt.datetime:
    """The date a form carries in its metadata: SOURCE_DATE_EPOCH, else its revision date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return dt.datetime.combine(procedure.revision_date, dt.time(), dt.UTC)


def data_url(path: Path) -> str:
    """Inline a project file, so the HTML opens from disk with no server and no network."""
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates, shared by every locale's environment in this process.

    Each locale has its own environment (its gettext is a global, so that macros imported
    without context translate too), but all are configured alike and compile a template to the
    same code: it is compiled once per process, not once per locale. Jinja keys each entry by
    template and file name and checks it against the source's checksum, so an edited template
    is compiled again.
    """

    def __init__(self) -> None:
        self._code: dict[tuple[str, str], CodeType] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        bucket.code = self._code.get((bucket.key, bucket.checksum))

    def dump_bytecode(self, bucket: Bucket) -> None:
        if bucket.code is not None:
            self._code[(bucket.key, bucket.checksum)] = bucket.code


_COMPILED = _CompiledTemplates()


class FormRenderer:
    """Renders every procedure of a project in one locale."""

    def __init__(
        self,
        settings: Settings,
        locale: FormLocale,
        source: FormLocale,
        catalog: LocaleCatalog,
        approvals: dict[str, ApprovalState] | None = None,
    ) -> None:
        self.settings = settings
        self.locale = locale
        self.source = source
        self.catalog = catalog
        # Each procedure's approval state, found once from its source-language wording. The
        # renderers of one build share the dict: once a process, not once a locale.
        self.approvals: dict[str, ApprovalState] = {} if approvals is None else approvals
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(settings.templates_dir),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            keep_trailing_newline=True,
            bytecode_cache=_COMPILED,
        )
        self.env.policies["ext.i18n.trimmed"] = True
        # Newstyle gettext, with consentgen's own callables: they fill placeholders themselves
        # and escape every msgstr, where Jinja's would %-format a string it marks safe.
        self.env.newstyle_gettext = True  # type: ignore[attr-defined]
        self.env.globals.update(gettext=catalog.gettext, ngettext=catalog.ngettext)
        self.env.filters["css_counter_string"] = css_counter_string
        self.env.filters["css_font_stack"] = css_font_stack
        self.env.filters["isolate"] = isolate
        self.env.filters["phone_number"] = phone_number
        stylesheet_path = settings.templates_dir / STYLESHEET
        try:
            stylesheet = stylesheet_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(
                display_path(stylesheet_path, settings.root), f"cannot read the stylesheet ({exc})"
            ) from None
        self.globals: dict[str, Any] = {
            "settings": settings,
            "locale": locale,
            "source_locale": source,
            "source_gettext": lambda message: message,
            "stylesheet": Markup(stylesheet.replace("</", "<\\/")),
            "logo_data_url": data_url(settings.logo) if settings.logo else None,
            "static_data_url": self.static_data_url,
            "generator": f"consentgen {__version__}",
            "PAGE_COUNTER": PAGE_COUNTER,
            "PAGES_COUNTER": PAGES_COUNTER,
        }

    def static_data_url(self, name: str) -> str:
        """`{{ static_data_url("diagram.png") }}`: a file of templates/static, inlined.

        Forms load nothing from outside themselves, so a template's images come in this way.
        """
        static = (self.settings.templates_dir / "static").resolve()
        path = (static / name).resolve()
        if not path.is_relative_to(static) or not path.is_file():
            raise InputError(
                display_path(static, self.settings.root), f"static_data_url: no file {name!r} here"
            )
        return data_url(path)

    def form_context(self, procedure: str) -> FormContext:
        """The identity stamped on a procedure's form in this locale, before it is rendered.

        Its status is unapproved while the procedure's source text has no current clinical
        approval, else the catalog's; render_form() makes a draft or reviewed form incomplete
        where it turns out to show a message the catalog does not translate.
        """
        approved = self.approval(procedure).approved
        return self._identity(procedure, self.catalog.review.status if approved else UNAPPROVED)

    def _identity(self, procedure: str, status: str) -> FormContext:
        entry = self.settings.procedures[procedure]
        return FormContext(
            form_id=entry.form_id,
            version=entry.version,
            revision_date=format_date(entry.revision_date, format="long", locale=self.locale.code),
            build_timestamp=build_timestamp(entry).strftime("%Y-%m-%dT%H:%M:%SZ"),
            translation_status=status,
        )

    def approval(self, procedure: str) -> ApprovalState:
        """Whether a clinician approved the procedure's source text exactly as it now reads."""
        if procedure not in self.approvals:
            current = self.source_fingerprint(procedure)
            self.approvals[procedure] = approval_state(self.settings, procedure, current)
        return self.approvals[procedure]

    def source_wording(self, procedure: str) -> dict[str, list[str]]:
        """What each source-language form of the procedure says, by variant, as it reads once
        approved: without the notice of its status."""
        renderer = self
        if not (self.locale.is_source and self.catalog.path is None):
            catalog = source_catalog(self.source.code)
            renderer = FormRenderer(
                self.settings, self.source, self.source, catalog, self.approvals
            )
        form = renderer._identity(procedure, REVIEWED)
        return {
            variant: wording(renderer._render(procedure, variant, form))
            for variant in SOURCE_VARIANTS
        }

    def source_fingerprint(self, procedure: str) -> str:
        """The fingerprint an approval of the procedure's source text as it now reads records."""
        return fingerprint(self.source_wording(procedure))

    def title(self, procedure: str) -> Markup:
        """A procedure's name in this locale, as its form's heading gives it (escaped HTML)."""
        try:
            template = self.env.get_template(f"procedures/{procedure}.html.j2")
            block = template.blocks.get("procedure_name")
            if block is None:
                return Markup.escape(procedure)
            return Markup("".join(block(template.new_context(dict(self.globals)))).strip())
        except (jinja2.TemplateError, UnicodeDecodeError):
            return Markup.escape(procedure)  # the form's own render reports the template

    def render(self, procedure: str, variant: str = "standard") -> str:
        """The standalone HTML form of one procedure, in a variant (standard, large-print)."""
        return self.render_form(procedure, variant).html

    def render_form(self, procedure: str, variant: str = "standard") -> RenderedForm:
        """A procedure's form with the status computed from what it shows.

        A form that shows any message its catalog does not translate (new source text, a fuzzy,
        empty or blank entry) is incomplete, whatever the catalog's sign-off says: it is
        rendered again to carry that status, its notice and its watermark. An unapproved form
        stays unapproved, the worse status.
        """
        form = self.form_context(procedure)
        with self.catalog.record() as messages:
            html = self._render(procedure, variant, form)
        if messages.untranslated and status_rank(INCOMPLETE) < status_rank(form.translation_status):
            form = dataclasses.replace(form, translation_status=INCOMPLETE)
            with self.catalog.record() as notice:
                html = self._render(procedure, variant, form)
            messages.used |= notice.used
            messages.untranslated |= notice.untranslated
        return RenderedForm(html, form, messages)

    def _render(self, procedure: str, variant: str, form: FormContext) -> str:
        name = f"procedures/{procedure}.html.j2"
        try:
            template = self.env.get_template(name)
            return template.render(self.globals, form=form, variant=variant)
        except jinja2.TemplateSyntaxError as exc:
            path = Path(exc.filename) if exc.filename else self.settings.templates_dir / name
            raise InputError(
                display_path(path, self.settings.root), exc.message or "syntax error", exc.lineno
            ) from None
        except jinja2.TemplateNotFound as exc:
            raise InputError(
                display_path(self.settings.templates_dir / name, self.settings.root),
                f"template {exc.name!r} not found",
            ) from None
        except UnicodeDecodeError:
            raise _undecodable_template(self.settings) from None
        except (jinja2.TemplateError, LookupError, TypeError, ValueError) as exc:
            # A template that uses a missing variable, or passes the wrong one to a message.
            filename, line = template_position(exc)
            where = Path(filename) if filename else self.settings.templates_dir / name
            problem = str(exc) if isinstance(exc, jinja2.TemplateError) else repr(exc)
            raise InputError(display_path(where, self.settings.root), problem, line) from None


def template_position(exc: BaseException) -> tuple[str | None, int | None]:
    """The template file and line an exception was raised in, from Jinja's traceback."""
    tb = exc.__traceback__
    position: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            position = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return position


def _undecodable_template(settings: Settings) -> InputError:
    """Name the template that is not UTF-8, and the line of its first bad byte."""
    for path in sorted(settings.templates_dir.rglob("*.j2")):
        raw = path.read_bytes()
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            return InputError(display_path(path, settings.root), "not UTF-8 text", line)
    return InputError(display_path(settings.templates_dir, settings.root), "not UTF-8 text")
