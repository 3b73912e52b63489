"""build/index.html: every procedure and language, for the forms team."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from consentgen import __version__
from consentgen.errors import InputError, display_path
from consentgen.locales import FormLocale, form_locale, is_valid_identifier
from consentgen.manifest import Artifact
from consentgen.outputs import OUTPUTS
from consentgen.render.forms import FormRenderer, template_position
from consentgen.render.lockdown import check_standalone, parse_html
from consentgen.settings import Settings
from consentgen.statuses import status_rank

INDEX_TEMPLATE = "index.html.j2"


@dataclass
class IndexRow:
    """One language of one procedure, with a link per format."""

    locale: FormLocale
    status: str
    files: dict[str, str] = field(default_factory=dict)


def render_index(settings: Settings, artifacts: list[Artifact], source: FormRenderer) -> bytes:
    """The index page: procedures by title, each language named in its own words."""
    rows: dict[str, dict[str, IndexRow]] = {}
    for artifact in sorted(artifacts, key=lambda a: a.path):  # the same page whatever the order
        # Forms only: the FHIR record beside a released PDF is for a health record, not a person.
        if not is_valid_identifier(artifact.locale) or artifact.format not in OUTPUTS:
            continue
        locale = form_locale(artifact.locale, settings.default_locale, settings.fonts)
        row = rows.setdefault(artifact.procedure, {}).setdefault(
            artifact.locale, IndexRow(locale, artifact.translation_status)
        )
        name = artifact.path.rsplit("/", 1)[-1]
        variant = name.removeprefix(f"{artifact.procedure}.").rsplit(".", 1)[0]
        label = artifact.format.upper()
        if variant != artifact.format:  # e.g. kyphoplasty.large-print.pdf
            label += f" ({variant.replace('-', ' ')})"
        row.files[label] = artifact.path
        if status_rank(artifact.translation_status) < status_rank(row.status):
            row.status = artifact.translation_status  # a row shows its worst form's status
    procedures = [
        (
            name,
            source.title(name),
            sorted(by_locale.values(), key=lambda r: (not r.locale.is_source, r.locale.code)),
        )
        for name, by_locale in sorted(rows.items())
    ]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(settings.templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    shown = display_path(settings.templates_dir / INDEX_TEMPLATE, settings.root)
    try:
        template = env.get_template(INDEX_TEMPLATE)
    except jinja2.TemplateNotFound:
        raise InputError(shown, "template not found: it makes build/index.html") from None
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(shown, exc.message or "syntax error", exc.lineno) from None
    try:
        html = template.render(
            settings=settings, procedures=procedures, generator=f"consentgen {__version__}"
        )
    except (jinja2.TemplateError, LookupError, TypeError, ValueError) as exc:
        # A name the page uses that is not there, or a partial it includes that is broken.
        filename, line = template_position(exc)
        where = display_path(Path(filename), settings.root) if filename else shown
        raise InputError(where, str(exc) or type(exc).__name__, line) from None
    # The index is a page of the project's templates too: it loads nothing from outside.
    source_file = settings.templates_dir / INDEX_TEMPLATE
    check_standalone(parse_html(html), settings, source_file, None, relative_links=True)
    return html.encode("utf-8")
