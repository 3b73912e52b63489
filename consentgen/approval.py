"""Clinical approval: a named clinician's approval of the exact wording of a procedure's forms.

The source-language counterpart of translation review. The approval is kept beside the
procedure's template, in <procedure>.approval.json. It records a fingerprint of what the
procedure's source-language forms say: the text and images of every variant made in the source
language (the standard and large-print forms; a bilingual form pairs a translation with the
standard one), as rendered from the template, the partials, the layout and the settings. So any
change to what those forms say (a sentence of the template or of a partial, the institution's
name, a form id or a revision date) makes the procedure unapproved again, in every language;
a change that says nothing new (the stylesheet, the fonts, the build time, consentgen's version,
a template's indentation) leaves the approval standing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from consentgen.errors import ConsentgenError, display_path, one_line
from consentgen.files import atomic_write
from consentgen.procedures import procedure_template, select, todo_lines
from consentgen.render.forms import FormRenderer, source_renderer
from consentgen.render.text import wording
from consentgen.settings import Settings
from consentgen.statuses import REVIEWED
from consentgen.variants import SOURCE_VARIANTS, VARIANTS

APPROVAL_SUFFIX = ".approval.json"
# Bumped whenever what wording() reads changes: an approval made under another reading is stale.
WORDING_FORMAT = 1


@dataclass(frozen=True)
class ApprovalState:
    """Whether a procedure's source text is approved, by whom and when, or why not."""

    approved: bool
    approver: str = ""
    approved_at: str = ""
    reason: str = ""

    def describe(self) -> str:
        """ "approved by NAME (TIME)", or "not approved (why)"."""
        if self.approved:
            return f"approved by {self.approver} ({self.approved_at})"
        return f"not approved ({self.reason})"


def approval_path(settings: Settings, procedure: str) -> Path:
    """The approval file beside a procedure's template."""
    return procedure_template(settings, procedure).with_name(f"{procedure}{APPROVAL_SUFFIX}")


def fingerprint(forms: dict[str, list[str]]) -> str:
    """A digest of the wording of a procedure's source-language forms, by variant."""
    signed = {"format": WORDING_FORMAT, "forms": forms}
    return hashlib.sha256(json.dumps(signed, ensure_ascii=False).encode("utf-8")).hexdigest()


def approval_state(settings: Settings, procedure: str, current: str) -> ApprovalState:
    """The approval state of a procedure whose forms' wording has fingerprint current:
    approved only if its approval records exactly that fingerprint."""
    path = approval_path(settings, procedure)
    if not path.is_file():
        return ApprovalState(False, reason="no clinician has approved it")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        # Shown on one line of `list` and `check`, whatever a hand edit put there.
        approver, approved_at = (
            one_line(str(record["approver"])),
            one_line(str(record["approved_at"])),
        )
        recorded = str(record["fingerprint"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return ApprovalState(False, reason=f"{path.name} cannot be read")
    if recorded != current:
        return ApprovalState(
            False,
            approver,
            approved_at,
            f"it changed since {approver} approved it at {approved_at}",
        )
    return ApprovalState(True, approver, approved_at)


def source_wording(renderer: FormRenderer, procedure: str) -> dict[str, list[str]]:
    """What each source-language form of the procedure says, by variant, as it reads once
    approved: without the notice of its status."""
    form = renderer.identity(procedure, REVIEWED)
    return {
        name: wording(renderer.render(procedure, VARIANTS[name].template_variant, form))
        for name in SOURCE_VARIANTS
    }


class Approvals:
    """Each procedure's approval state, found once from its source-language wording (once a
    process, not once a locale)."""

    def __init__(self, settings: Settings, source: FormRenderer | None = None) -> None:
        self.settings = settings
        self.source = source or source_renderer(settings)
        self._states: dict[str, ApprovalState] = {}

    def state(self, procedure: str) -> ApprovalState:
        """Whether a clinician approved the procedure's source text exactly as it now reads."""
        if procedure not in self._states:
            current = fingerprint(source_wording(self.source, procedure))
            self._states[procedure] = approval_state(self.settings, procedure, current)
        return self._states[procedure]


def approval_file_sha256(settings: Settings, procedure: str) -> str:
    """A digest of a procedure's approval file ("" without one): a form's status depends on it."""
    path = approval_path(settings, procedure)
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def approve(settings: Settings, procedure: str, approver: str) -> Path:
    """Record a clinician's approval of the procedure's source text as it now reads.

    Refuses an unknown procedure and a template that still holds TODO placeholder text.
    """
    if not approver.strip():
        raise ConsentgenError("approve: --by needs the clinician's name and role")
    if not approver.isprintable():
        raise ConsentgenError("approve: --by must be one line of text")
    select(settings, (procedure,))  # an unknown procedure, or one without settings, is named
    template = procedure_template(settings, procedure)
    if unwritten := todo_lines(template):
        raise ConsentgenError(
            f"{display_path(template, settings.root)}:{unwritten[0]}: cannot approve: "
            f"{len(unwritten)} line(s) of placeholder text (TODO) not yet written"
        )
    forms = source_wording(source_renderer(settings), procedure)
    record = {
        "procedure": procedure,
        "approver": approver.strip(),
        "approved_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "locale": settings.default_locale,
        "variants": list(forms),
        "form_id": settings.procedures[procedure].form_id,
        "form_version": settings.procedures[procedure].version,
        "fingerprint": fingerprint(forms),
    }
    path = approval_path(settings, procedure)
    atomic_write(path, (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return path
