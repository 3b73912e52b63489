"""Reading a scanned page's QR code with zxing-cpp: which form, which page, which way up.

zxing-cpp finds a code turned any way and says how far it is turned; the code is printed
upright at the top of every page, so its turn is the page's. A page it cannot read at first
is tried again cleaned of scanner speckle and with a global threshold, before it is called
unreadable.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import zxingcpp
from PIL import Image, ImageFilter

from consentgen.outputs.qr import PageIdentity, parse_payload

_QR = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


@dataclass(frozen=True)
class Reading:
    """What a page's code says, or why it says nothing."""

    identity: PageIdentity | None
    turned: int = 0  # clockwise, in quarter turns of 90 degrees: 0, 90, 180 or 270
    problem: str = ""  # why there is no identity

    @property
    def upside_down(self) -> bool:
        return self.turned == 180


def read_page(picture: Image.Image) -> Reading:
    """The consentgen code on a page, tried as scanned and then cleaned up."""
    foreign = False
    for attempt in _attempts(picture):
        codes = zxingcpp.read_barcodes(attempt, formats=_QR)
        ours = {}
        for code in codes:
            identity = parse_payload(code.text)
            if identity is None:
                foreign = True
            else:
                ours[identity] = code
        if len(ours) > 1:
            payloads = ", ".join(sorted(identity.payload for identity in ours))
            return Reading(None, problem=f"two different consentgen codes on one page ({payloads})")
        if ours:
            identity, code = next(iter(ours.items()))
            return Reading(identity, _quarter_turns(code.orientation))
    if foreign:
        return Reading(None, problem="its QR code is not a consentgen form's")
    return Reading(None, problem="no QR code can be read")


def _attempts(picture: Image.Image) -> Iterator[Image.Image]:
    """The page as scanned, then a median filter's copy (scanner speckle breaks the finder
    patterns): each made only when the one before found nothing."""
    yield picture
    yield picture.filter(ImageFilter.MedianFilter(3))


def _quarter_turns(orientation: int) -> int:
    """zxing-cpp's orientation (degrees clockwise, -180 to 180) to the nearest quarter turn."""
    return (round(orientation / 90) * 90) % 360
