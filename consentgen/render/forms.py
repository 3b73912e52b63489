"""HTML rendering: one Jinja environment per locale, gettext from the locale's catalog.

A renderer knows nothing of a form's status: the status module decides it from what the form
shows, and asks for the form again with the status it must carry.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from types import CodeType
from typing import Any

import jinja2
from babel.dates import format_date
from babel.numbers import format_decimal
from jinja2.bccache import Bucket
from markupsafe import Markup

from consentgen import __version__
from consentgen.errors import InputError, display_path
from consentgen.i18n.translations import FormMessages, LocaleCatalog, source_catalog
from consentgen.locales import FormLocale, form_locale
from consentgen.render.filters import (
    PAGE_COUNTER,
    PAGES_COUNTER,
    css_counter_string,
    css_font_stack,
    data_url,
    isolate,
    phone_number,
)
from consentgen.settings import ProcedureSettings, Settings

STYLESHEET = Path("static") / "form.css"


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
    ) -> None:
        self.settings = settings
        self.locale = locale
        self.source = source
        self.catalog = catalog
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
        # Numbers as the form's language writes them (2,000; 2.000; 2 000), from data.
        self.env.filters["number"] = lambda n: format_decimal(n, locale=locale.code)
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
        self.env.globals["unknown_item"] = unknown_item

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

    def identity(self, procedure: str, status: str) -> FormContext:
        """The identity a procedure's form carries in this locale, with the given status."""
        entry = self.settings.procedures[procedure]
        return FormContext(
            form_id=entry.form_id,
            version=entry.version,
            revision_date=format_date(entry.revision_date, format="long", locale=self.locale.code),
            build_timestamp=build_timestamp(entry).strftime("%Y-%m-%dT%H:%M:%SZ"),
            translation_status=status,
        )

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

    def render(self, procedure: str, variant: str, form: FormContext) -> str:
        """The standalone HTML form of a procedure as the templates make it, in a template
        variant (standard, large-print), carrying the identity and status given."""
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
    """The template file and line an exception was raised in, from Jinja's traceback; for a
    block asked for an item it lacks, the line that asked (outside the block)."""
    tb = exc.__traceback__
    position: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        inside_block = "/blocks/" in filename or "/partials/" in filename
        if filename.endswith(".j2") and not (isinstance(exc, UnknownItem) and inside_block):
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


def source_renderer(settings: Settings) -> FormRenderer:
    """The renderer of the source language (its msgids are its text)."""
    source = form_locale(settings.default_locale, settings.default_locale, settings.fonts)
    return FormRenderer(settings, source, source, source_catalog(source.code))


class UnknownItem(jinja2.TemplateRuntimeError):
    """A block was asked for an item it does not have."""


def unknown_item(ident: str) -> str:
    """A procedure asked a block for an item it does not have (`{{ block.risk("typo") }}`): the
    render fails at the template line that asked."""
    raise UnknownItem(f"the block has no item {ident!r}")
