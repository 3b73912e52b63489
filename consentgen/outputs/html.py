"""The HTML form: standalone (CSS, fonts' names and images inline), for the intranet."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from consentgen.outputs import Form


def make(form: Form, made: dict[str, bytes]) -> bytes:
    """The form's HTML, as rendered."""
    return form.html.encode("utf-8")
