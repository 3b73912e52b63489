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
from consentgen.output import atomic_write

REVIEW_FILE = "review.json"

# A form's status, worst first (README, "Status of a form"). Every status but reviewed carries
# a notice and a watermark, and none but reviewed is ever released.
UNAPPROVED = "unapproved"  # the procedure's source text has no current clinical approval
INCOMPLETE = "incomplete"  # the form shows a message its catalog does not translate
DRAFT = "draft"  # no qualified reviewer has signed off the translations, or they changed since
REVIEWED = "reviewed"
STATUSES = (UNAPPROVED, INCOMPLETE, DRAFT, REVIEWED)


def status_rank(status: str) -> int:
    """A status's place in STATUSES, worst first; one this version does not know is worst."""
    return STATUSES.index(status) if status in STATUSES else -1


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
    from consentgen.catalogs import message_strings  # catalogs imports this module

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
