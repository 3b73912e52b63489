"""The returned file: read once and bounded, matched against the ledger by its prefix, and its
revision history checked against the released form's."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from pyhanko.pdf_utils.reader import PdfFileReader

from consentgen.errors import ConsentgenError
from consentgen.files import regular_file_size
from consentgen.ledger import Release, ReleasedForm

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")


def first_line(thing: object, limit: int = 160) -> str:
    line = str(thing).strip().splitlines()[0] if str(thing).strip() else type(thing).__name__
    return line if len(line) <= limit else line[: limit - 3] + "..."


def read_returned_form(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, read once; a non-regular or oversized file is refused before reading."""
    size = regular_file_size(path)
    limit = f"{max_bytes / 1e6:g} MB (verify_max_mb in the settings)"
    if size > max_bytes:
        raise ConsentgenError(
            f"{path}: {size / 1e6:.1f} MB, larger than a returned form may be: {limit}"
        )
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise ConsentgenError(f"{path}: cannot read ({exc.strerror})") from None
    if len(data) > max_bytes:  # it grew while being read
        raise ConsentgenError(f"{path}: larger than a returned form may be: {limit}")
    if not data.lstrip(b"\0\t\n\r ").startswith(b"%PDF-"):
        raise ConsentgenError(f"{path}: not a PDF file")
    return data


def released_prefix(
    data: bytes, releases: list[Release]
) -> tuple[ReleasedForm, Release, Release | None] | None:
    """The released form whose bytes begin the file, the latest release of those bytes, and a
    later release of the same form that supersedes it. One pass over the bytes."""
    by_size: dict[int, list[tuple[Release, ReleasedForm]]] = {}
    for release in releases:
        for form in release.forms:
            if form.format == "pdf" and 0 < form.bytes <= len(data):
                by_size.setdefault(form.bytes, []).append((release, form))
    digest, position, view = hashlib.sha256(), 0, memoryview(data)
    found: list[tuple[Release, ReleasedForm]] = []
    for size in sorted(by_size):
        digest.update(view[position:size])
        position = size
        prefix = digest.copy().hexdigest()
        found += [(r, f) for r, f in by_size[size] if f.sha256 == prefix]
    if not found:
        return None
    release, form = max(found, key=lambda pair: pair[0].order)  # releases are oldest first
    later = [
        r
        for r in releases
        if r.order > release.order
        and any(f.path == form.path and f.sha256 != form.sha256 for f in r.forms)
    ]
    return form, release, later[-1] if later else None


def released_revision(reader: PdfFileReader, data: bytes, size: int) -> tuple[int, str | None]:
    """The returned file's revision that ends the released form, or what is wrong.

    The released bytes are the ledger's own, so their last cross-reference offset is known from
    their tail; the file's revision chain must pass through it, and every later revision must
    start after the released bytes.
    """
    tail = _STARTXREF.search(data[max(0, size - 64) : size])
    if tail is None:
        return -1, "the released form's end cannot be found"
    startxref = int(tail.group(1))
    total = reader.xrefs.total_revisions
    offsets = [reader.xrefs.get_startxref_for_revision(r) for r in range(total)]
    if startxref not in offsets:
        return -1, "its revision history does not continue the released form's"
    base = offsets.index(startxref)
    if len(data) > size:
        if base == total - 1:
            return base, "bytes were appended after the released form that are not a PDF update"
        if any(offset < size for offset in offsets[base + 1 :]):
            return base, "an update points back inside the released form"
        if not data.rstrip(b"\0\t\n\r ").endswith(b"%%EOF"):
            return base, "data follows the last update"
    return base, None
