"""A form's status, worst first: the words that decide whether a form may reach a patient.

Every status but reviewed carries a notice and a watermark on every page, and none but reviewed
is ever released (README, "Status of a form"; schemas/manifest.schema.json).
"""

from __future__ import annotations

UNAPPROVED = "unapproved"  # the procedure's source text has no current clinical approval
INCOMPLETE = "incomplete"  # the form shows a message its catalog does not translate
DRAFT = "draft"  # no qualified reviewer has signed off the translations, or they changed since
REVIEWED = "reviewed"
STATUSES = (UNAPPROVED, INCOMPLETE, DRAFT, REVIEWED)


def status_rank(status: str) -> int:
    """A status's place in STATUSES, worst first; one this version does not know is worst."""
    return STATUSES.index(status) if status in STATUSES else -1
