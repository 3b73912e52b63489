"""Each form's status, computed from what it shows, without building it (`consentgen list`)."""

from __future__ import annotations

from dataclasses import dataclass

from consentgen.build import load_locale_catalog, select_locales
from consentgen.config import Settings
from consentgen.locales import form_locale
from consentgen.procedures import discover
from consentgen.render import FormRenderer
from consentgen.review import INCOMPLETE


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


def form_statuses(settings: Settings) -> list[FormStatus]:
    """Every configured procedure in every configured locale, rendered to find its status."""
    source = form_locale(settings.default_locale, settings.default_locale, settings.fonts)
    procedures = [p for p in discover(settings) if p in settings.procedures]
    statuses = []
    for code in select_locales(settings, ()):
        locale = form_locale(code, settings.default_locale, settings.fonts)
        catalog = load_locale_catalog(settings, code)
        renderer = FormRenderer(settings, locale, source, catalog)
        for procedure in procedures:
            form = renderer.render_form(procedure)
            status = form.form.translation_status
            if locale.is_source:
                detail = "source language"
            elif status == INCOMPLETE:
                detail = f"{len(form.messages.untranslated)} message(s) not translated"
            elif catalog.review.reviewed:
                detail = f"by {catalog.review.reviewer}"
            else:
                detail = catalog.review.reason
            statuses.append(
                FormStatus(procedure, code, form.messages.percent_translated, status, detail)
            )
    return statuses
