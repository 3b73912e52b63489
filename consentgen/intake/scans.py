"""Scanned stacks: the files a scanner wrote, read page by page into pictures, bounded.

A scanner writes a PDF of page images (one image a page, in any of PDF's image encodings), or
PNG, TIFF (often many pages) or JPEG files. A PDF page is rendered by PDFium at the resolution
of the image it holds, so whatever the encoding, the picture is the scan's own. Every limit is
checked before anything large is decoded: a file past its size, a page past its size in
inches or pixels, a stack past its page count is refused with one line naming the file.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pypdfium2
from PIL import Image, ImageFile

from consentgen.errors import ConsentgenError
from consentgen.files import regular_file_size

MAX_FILE_MB = 500  # one scanned file
MAX_PAGES = 1000  # the whole stack
MAX_PAGE_INCHES = 24  # a side of a page (tabloid is 17, A3 16.5)
MAX_PAGE_MEGAPIXELS = 60  # letter at 600 dpi is 34
RENDER_DPI = (150, 300)  # a PDF page is rendered at its image's resolution, within these
PLAIN_PDF_DPI = 200  # a page that holds no image (a form printed to PDF)
IMAGE_FORMATS = ("PNG", "TIFF", "JPEG")


@dataclass(frozen=True)
class ScanPage:
    """One page of the stack: where it is in the stack, and in which file."""

    position: int  # in the whole stack, from 1, in the order the files were given
    file: Path
    index: int  # in its file, from 0
    pages_in_file: int

    @property
    def where(self) -> str:
        """The page as a person finds it: its file, and its page there if it has several."""
        return f"{self.file} page {self.index + 1}" if self.pages_in_file > 1 else str(self.file)


def read_stack(paths: list[Path]) -> Iterator[tuple[ScanPage, Image.Image]]:
    """Every page of the files, in order, as a greyscale picture, one at a time."""
    position = 0
    for path in paths:
        for index, count, picture in _pages(path, position):
            position += 1
            yield ScanPage(position, path, index, count), picture


def check_file(path: Path) -> bool:
    """Whether the file is a PDF (else an image); a missing, odd or huge file is refused."""
    size = regular_file_size(path)
    if size > MAX_FILE_MB * 1_000_000:
        raise ConsentgenError(
            f"{path}: {size / 1e6:.0f} MB, larger than a scanned file may be ({MAX_FILE_MB} MB)"
        )
    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
    except OSError as exc:
        raise ConsentgenError(f"{path}: cannot read ({exc.strerror})") from None
    return b"%PDF-" in head


def _pages(path: Path, before: int) -> Iterator[tuple[int, int, Image.Image]]:
    pages = _pdf_pages(path, before) if check_file(path) else _image_pages(path, before)
    yield from pages


def _too_many(path: Path, before: int, count: int) -> None:
    if before + count > MAX_PAGES:
        raise ConsentgenError(f"{path}: the stack would have more than {MAX_PAGES} pages")
    if count == 0:
        raise ConsentgenError(f"{path}: no pages")


def _pdf_pages(path: Path, before: int) -> Iterator[tuple[int, int, Image.Image]]:
    try:
        document = pypdfium2.PdfDocument(path)
    except pypdfium2.PdfiumError as exc:
        raise ConsentgenError(f"{path}: not a readable PDF ({exc})") from None
    try:
        count = len(document)
        _too_many(path, before, count)
        for index in range(count):
            page = document[index]
            try:
                yield index, count, render_page(path, index, page)
            finally:
                page.close()
    finally:
        document.close()


def render_page(path: Path, index: int, page: pypdfium2.PdfPage) -> Image.Image:
    """A PDF page as a greyscale picture at its scan's resolution."""
    width, height = page.get_size()  # points
    if max(width, height) > MAX_PAGE_INCHES * 72:
        raise ConsentgenError(
            f"{path}: page {index + 1} is {width / 72:.0f} x {height / 72:.0f} inches, larger "
            f"than a scanned page may be ({MAX_PAGE_INCHES} inches a side)"
        )
    dpi = _image_dpi(page, width, height) or PLAIN_PDF_DPI
    dpi = min(max(dpi, RENDER_DPI[0]), RENDER_DPI[1])
    # Within the pixel limit whatever the page's size.
    most = (MAX_PAGE_MEGAPIXELS * 1e6 / max(width * height / 72**2, 1)) ** 0.5
    scale = min(dpi, most) / 72
    try:
        bitmap = page.render(scale=scale, grayscale=True, may_draw_forms=False)
        picture: Image.Image = bitmap.to_pil()
        return picture.convert("L")
    except pypdfium2.PdfiumError as exc:
        raise ConsentgenError(f"{path}: page {index + 1} cannot be read ({exc})") from None


def _image_dpi(page: pypdfium2.PdfPage, width: float, height: float) -> float | None:
    """The resolution of the largest image on the page: the scanner's."""
    best: float | None = None
    for image in page.get_objects(filter=[pypdfium2.raw.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        try:
            pixels_wide, pixels_high = image.get_px_size()
            left, bottom, right, top = image.get_bounds()
        except pypdfium2.PdfiumError:
            continue
        inches = max(right - left, top - bottom) / 72
        if inches > 0 and (best is None or max(pixels_wide, pixels_high) / inches > best):
            best = max(pixels_wide, pixels_high) / inches
    return best


def _image_pages(path: Path, before: int) -> Iterator[tuple[int, int, Image.Image]]:
    with warnings.catch_warnings():
        # Pillow's own guard warns past 89 megapixels; the limit here is lower and an error.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(path, formats=IMAGE_FORMATS)
        except (OSError, Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ConsentgenError(f"{path}: not a PDF, PNG, TIFF or JPEG file") from None
        with image:
            count = getattr(image, "n_frames", 1)
            _too_many(path, before, count)
            for index in range(count):
                yield index, count, load_frame(path, image, index)


@contextlib.contextmanager
def _whole_images_only() -> Iterator[None]:
    """A truncated scan is an error, not a page padded with grey: WeasyPrint, once imported,
    tells Pillow otherwise for the whole process."""
    before = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before


def load_frame(path: Path, image: Image.Image, index: int) -> Image.Image:
    """One page of an image file, within the pixel limit, as a greyscale picture."""
    try:
        image.seek(index)
        width, height = image.size
        if width * height > MAX_PAGE_MEGAPIXELS * 1_000_000:
            raise ConsentgenError(
                f"{path}: page {index + 1} is {width} x {height} pixels, more than a scanned "
                f"page may be ({MAX_PAGE_MEGAPIXELS} megapixels)"
            )
        with _whole_images_only():
            return image.convert("L")
    except (OSError, ValueError, EOFError) as exc:
        raise ConsentgenError(f"{path}: page {index + 1} cannot be read ({exc})") from None
