"""Each form's status, computed from what it shows, without building it (`consentgen list`)."""

from __future__ import annotations

from dataclasses import dataclass

from consentgen.approval import Approvals, ApprovalState
from consentgen.errors import display_path
from consentgen.i18n.catalogs import load_locale_catalog
from consentgen.i18n.translations import FormMessages
from consentgen.locales import form_locale
from consentgen.outputs import OUTPUTS
from consentgen.procedures import discover
from consentgen.render.blocks import block, blocks_of
from consentgen.render.forms import FormRenderer, source_renderer
from consentgen.settings import Settings, select_locales
from consentgen.status import render_form
from consentgen.statuses import DRAFT, INCOMPLETE, REVIEWED, UNAPPROVED
from consentgen.variants import STANDARD, VARIANTS


@dataclass(frozen=True)
class ProcedureApproval:
    """One procedure: whether a clinician approved its source text, who and when, or why not."""

    procedure: str
    state: ApprovalState

    def line(self) -> str:
        return f"{self.procedure:<24} {'approval':<8} {self.state.describe()}"


@dataclass(frozen=True)
class FormStatus:
    """One procedure in one locale: how much of what its form shows is translated, its status."""

    procedure: str
    locale: str
    percent_translated: int
    status: str
    detail: str  # who reviewed it, or why it is not reviewed

    def line(self) -> str:
        return (
            f"{self.procedure:<24} {self.locale:<8} {self.percent_translated:>3}%  "
            f"{self.status}{f' ({self.detail})' if self.detail else ''}"
        )


def form_statuses(settings: Settings) -> list[ProcedureApproval | FormStatus]:
    """Every configured procedure: its approval, then its form's status in every configured
    locale (each form rendered to find it)."""
    source = form_locale(settings.default_locale, settings.default_locale, settings.fonts)
    procedures = [p for p in discover(settings) if p in settings.procedures]
    approvals = Approvals(settings, source_renderer(settings))
    renderers = []
    for code in select_locales(settings, ()):
        locale = form_locale(code, settings.default_locale, settings.fonts)
        catalog = load_locale_catalog(settings, code)
        renderers.append(FormRenderer(settings, locale, source, catalog))
    statuses: list[ProcedureApproval | FormStatus] = []
    for procedure in procedures:
        if renderers:
            statuses.append(ProcedureApproval(procedure, approvals.state(procedure)))
        for renderer in renderers:
            form = render_form(renderer, approvals, procedure, STANDARD)
            status = form.form.translation_status
            statuses.append(
                FormStatus(
                    procedure,
                    renderer.locale.code,
                    form.messages.percent_translated,
                    status,
                    _detail(renderer, status, form.messages),
                )
            )
    return statuses


def _detail(renderer: FormRenderer, status: str, messages: FormMessages) -> str:
    """Who reviewed the form's translation, or why it is not reviewed; an unapproved form
    says where its translation stands too, the next thing to settle before release."""
    if renderer.locale.is_source:
        return "source language"
    review = renderer.catalog.review
    if messages.untranslated:
        translation, detail = (
            INCOMPLETE,
            f": {len(messages.untranslated)} message(s) not translated",
        )
    elif review.reviewed:
        translation, detail = REVIEWED, f" by {review.reviewer}"
    else:
        translation, detail = DRAFT, f": {review.reason}"
    if status == UNAPPROVED:
        return f"translation {translation}{detail}"
    return detail.removeprefix(": ").strip()


def where_used(settings: Settings, ident: str) -> list[str]:
    """`consentgen where-used BLOCK`: the block, then each procedure that uses it with the forms
    a build makes of it (every configured locale and variant, in every format)."""
    found = block(settings, ident)
    lines = [
        f"{found.id} {found.version} ({display_path(found.path, settings.root)}): {found.about}"
    ]
    for procedure in [p for p in discover(settings) if p in settings.procedures]:
        if ident not in blocks_of(settings, procedure):
            continue
        paths = [
            f"{code}/{VARIANTS[name].stem(procedure)}{OUTPUTS[fmt].suffix}"
            for code in settings.locales
            for name in settings.variants
            if VARIANTS[name].applies_to(form_locale(code, settings.default_locale, settings.fonts))
            for fmt in OUTPUTS
        ]
        lines.append(f"{procedure}: {len(paths)} forms: {', '.join(paths)}")
    return lines
