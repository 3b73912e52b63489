"""A form's status, computed from what it shows, worst first (see statuses).

unapproved: its procedure's source text has no current clinical approval. incomplete: it shows
a message its catalog does not translate (new source text, a fuzzy, empty or blank entry),
whatever the catalog's sign-off says. draft or reviewed: its catalog's sign-off.
"""

from __future__ import annotations

import dataclasses

from consentgen.approval import Approvals
from consentgen.render.forms import FormRenderer, RenderedForm
from consentgen.statuses import INCOMPLETE, UNAPPROVED, status_rank


def render_form(
    renderer: FormRenderer, approvals: Approvals, procedure: str, template_variant: str
) -> RenderedForm:
    """A procedure's form in the renderer's locale, carrying the status it earns.

    A form found to show an untranslated message is rendered again to carry the incomplete
    status, its notice and its watermark; an unapproved form stays unapproved, the worse one.
    """
    approved = approvals.state(procedure).approved
    status = renderer.catalog.review.status if approved else UNAPPROVED
    form = renderer.identity(procedure, status)
    with renderer.catalog.record() as messages:
        html = renderer.render(procedure, template_variant, form)
    if messages.untranslated and status_rank(INCOMPLETE) < status_rank(form.translation_status):
        form = dataclasses.replace(form, translation_status=INCOMPLETE)
        with renderer.catalog.record() as notice:
            html = renderer.render(procedure, template_variant, form)
        messages.used |= notice.used
        messages.untranslated |= notice.untranslated
    return RenderedForm(html, form, messages)
