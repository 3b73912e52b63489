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
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element

from consentgen.config import Settings
from consentgen.errors import ConsentgenError, display_path, one_line
from consentgen.lockdown import parse_html
from consentgen.output import atomic_write
from consentgen.procedures import procedure_template, select, todo_lines

APPROVAL_SUFFIX = ".approval.json"
# Bumped whenever what wording() reads changes: an approval made under another reading is stale.
WORDING_FORMAT = 1
# Attributes whose text a reader meets: a screen reader's labels, a tooltip, a PDF field's name.
_WORDING_ATTRIBUTES = ("alt", "aria-label", "title", "data-label", "placeholder")
_NOT_SHOWN = {"style", "script", "template"}
_CSS_CONTENT = re.compile(r"\bcontent\s*:\s*([^;{}]*)")


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


def wording(html: str) -> list[str]:
    """What a rendered form says: its title, every piece of text of its body, the text of
    labels and tooltips, each image (by digest), and the text the stylesheet prints (the
    "Page X of Y" of every page); whitespace runs read as one space."""
    tree = parse_html(html)
    pieces = [f"title: {_text(element.text)}" for element in tree.iter("title")]
    body = tree.find("body")
    if body is not None:
        pieces += [piece for piece in _body_wording(body) if piece]
    for style in tree.iter("style"):
        pieces += [f"css: {_text(value)}" for value in _CSS_CONTENT.findall(style.text or "")]
    return pieces


def _body_wording(element: Element) -> Iterator[str]:
    if element.tag in _NOT_SHOWN:
        return
    for name in _WORDING_ATTRIBUTES:
        if value := _text(element.get(name)):
            yield f"{name}: {value}"
    if element.tag == "img" and (source := element.get("src")):
        yield f"img: {hashlib.sha256(source.encode('utf-8')).hexdigest()}"
    yield _text(element.text)
    for child in element:
        yield from _body_wording(child)
        yield _text(child.tail)


def _text(text: str | None) -> str:
    return " ".join((text or "").split())


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


def approval_file_sha256(settings: Settings, procedure: str) -> str:
    """A digest of a procedure's approval file ("" without one): a form's status depends on it."""
    path = approval_path(settings, procedure)
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def approve(settings: Settings, procedure: str, approver: str) -> Path:
    """Record a clinician's approval of the procedure's source text as it now reads.

    Refuses an unknown procedure and a template that still holds TODO placeholder text.
    """
    from consentgen.catalogs import source_catalog  # render imports this module
    from consentgen.locales import form_locale
    from consentgen.render import FormRenderer

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
    locale = form_locale(settings.default_locale, settings.default_locale, settings.fonts)
    source = FormRenderer(settings, locale, locale, source_catalog(locale.code))
    forms = source.source_wording(procedure)
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
