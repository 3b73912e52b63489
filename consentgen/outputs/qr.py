"""The form-identity QR code: which form, which version, which language, which page.

Scanned paper forms index themselves into the record from it. Payload format, version 1:

    CGF1:<form_id>:<version>:<locale>:<page>/<pages>

form_id and version hold only letters, digits, '.', '_' and '-' (the settings check this), so
the colons always separate fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pydyf
import segno

PREFIX = "CGF1"
_PAYLOAD = re.compile(
    r"^CGF1:(?P<form_id>[A-Za-z0-9._-]+):(?P<version>[A-Za-z0-9._-]+):"
    r"(?P<locale>[A-Za-z0-9_]+):(?P<page>\d+)/(?P<pages>\d+)$"
)


@dataclass(frozen=True)
class PageIdentity:
    """What one printed page's QR code says."""

    form_id: str
    version: str
    locale: str
    page: int
    pages: int

    @property
    def payload(self) -> str:
        return f"{PREFIX}:{self.form_id}:{self.version}:{self.locale}:{self.page}/{self.pages}"


def parse_payload(text: str) -> PageIdentity | None:
    """Read a scanned QR payload back; None if it is not a consentgen form's."""
    match = _PAYLOAD.match(text.strip())
    if not match:
        return None
    return PageIdentity(
        match["form_id"], match["version"], match["locale"], int(match["page"]), int(match["pages"])
    )


def draw_qr(
    stream: pydyf.Stream,
    identity: PageIdentity,
    box: tuple[float, float, float, float],
    mask: int | None = None,
) -> int:
    """Draw the page's QR code as vector squares filling box (x, y, width, height, in points).

    The code is marked as an artifact: it is page furniture, not content a screen reader reads.
    mask None chooses the best of the eight QR masks, which is most of the time drawing takes;
    a form passes its first page's mask to the others, whose payloads differ only in the page
    number. Every mask gives a valid code. Returns the mask used.
    """
    code = segno.make(identity.payload, error="m", micro=False, mask=mask)
    size = code.symbol_size(border=4)[0]
    x, y, width, height = box
    side = min(width, height)
    module = side / size
    left = x + (width - side) / 2
    top = y + height  # PDF y grows upwards: the first row is the top one
    stream.begin_marked_content("Artifact")
    stream.push_state()
    stream.set_color_rgb(1, 1, 1)
    stream.rectangle(left, top - side, side, side)
    stream.fill()
    stream.set_color_rgb(0, 0, 0)
    for row_index, row in enumerate(code.matrix_iter(border=4)):
        column = 0
        row = list(row)
        while column < size:
            if not row[column]:
                column += 1
                continue
            start = column
            while column < size and row[column]:
                column += 1
            stream.rectangle(
                left + start * module,
                top - (row_index + 1) * module,
                (column - start) * module,
                module,
            )
    stream.fill()
    stream.pop_state()
    stream.end_marked_content()
    return int(code.mask)
