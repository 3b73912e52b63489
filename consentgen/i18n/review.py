"""Translation review: a named reviewer's sign-off of the exact translations in a catalog.

The sign-off is kept beside the catalog, in review.json, a file translation platforms do not
rewrite. It records a fingerprint of every entry (msgid, msgstr, fuzzy flag) and of the
Plural-Forms rule; a locale is reviewed only while that fingerprint matches its catalog, so any
change to a translation, or to which plural form a count shows, makes it a draft again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog

from consentgen.errors import ConsentgenError, display_path
from consentgen.files import atomic_write
from consentgen.i18n.pofile import message_strings, po_path, read_catalog
from consentgen.locales import is_valid_identifier
from consentgen.settings import Settings
from consentgen.statuses import DRAFT, REVIEWED

REVIEW_FILE = "review.json"


@dataclass(frozen=True)
class ReviewState:
    """Whether a locale's translations are signed off, by whom, or why not."""

    reviewed: bool
    reviewer: str = ""
    reason: str = ""

    @property
    def status(self) -> str:
        return REVIEWED if self.reviewed else DRAFT


def review_path(po: Path) -> Path:
    """The sign-off file beside a catalog."""
    return po.with_name(REVIEW_FILE)


def fingerprint(catalog: Catalog) -> str:
    """A digest of every translation in a catalog, exactly as it stands, and of its plural
    rule, which decides which translation a count shows."""
    entries = []
    for message in catalog:
        if not message.id:
            continue
        ids = list(message.id) if isinstance(message.id, tuple | list) else [message.id]
        strings = (
            list(message.string)
            if isinstance(message.string, tuple | list)
            else [message.string or ""]
        )
        entries.append([ids, strings, message.fuzzy, message.context or ""])
    entries.sort()
    signed = {"plural_forms": catalog.plural_forms, "entries": entries}
    return hashlib.sha256(json.dumps(signed, ensure_ascii=False).encode("utf-8")).hexdigest()


def review_state(po: Path, catalog: Catalog) -> ReviewState:
    """The review state of a catalog: reviewed only if its sign-off matches it exactly."""
    path = review_path(po)
    if not path.is_file():
        return ReviewState(False, reason="no reviewer has signed off its translations")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        reviewer, recorded = str(record["reviewer"]), str(record["fingerprint"])
    except (OSError, ValueError, KeyError, TypeError):
        return ReviewState(False, reason=f"{REVIEW_FILE} cannot be read")
    if recorded != fingerprint(catalog):
        return ReviewState(
            False, reviewer, f"translations changed since {reviewer} signed them off"
        )
    return ReviewState(True, reviewer)


def record_review(root: Path, po: Path, catalog: Catalog, reviewer: str) -> Path:
    """Write a sign-off of the catalog as it stands; refuses an incomplete or fuzzy one."""
    if not reviewer.strip():
        raise ConsentgenError("review: --by needs the reviewer's name")

    shown = display_path(po, root)
    untranslated = [m for m in catalog if m.id and not all(s.strip() for s in message_strings(m))]
    fuzzy = [m for m in catalog if m.id and m.fuzzy]
    if untranslated or fuzzy:
        raise ConsentgenError(
            f"{shown}: cannot sign off: {len(untranslated)} untranslated and {len(fuzzy)} fuzzy "
            "entries (translate them first)"
        )
    path = review_path(po)
    record = {
        "reviewer": reviewer.strip(),
        "reviewed_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "entries": len([m for m in catalog if m.id]),
        "fingerprint": fingerprint(catalog),
    }
    atomic_write(path, (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return path


def review_locale(settings: Settings, locale: str, reviewer: str) -> Path:
    """`consentgen review`: record a reviewer's sign-off of a translated locale's catalog."""
    if not is_valid_identifier(locale) or locale == settings.default_locale:
        raise ConsentgenError(f"review: {locale!r} is not a translated locale of this project")
    po = po_path(settings.root, locale)
    return record_review(settings.root, po, read_catalog(po, settings.root, locale), reviewer)
