"""`intake -o DIR`: each form's pages as one PDF, in page order and the right way up, named by
form, language and position in the stack; each whole and current form's FHIR records beside it.

A page of a scanned PDF is copied as it is (the scanner's image, not a copy of it), turned
upright by the page's rotation; a page of an image file is put on a page of its own size, a
JPEG as its own bytes, anything else losslessly.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from pathlib import Path

import pypdfium2
from PIL import Image

from consentgen.files import atomic_write
from consentgen.intake.report import FormFinding, IntakeReport
from consentgen.intake.scans import IMAGE_FORMATS, check_file, load_frame
from consentgen.intake.stack import ReadPage
from consentgen.records import DocumentFile, record_bytes
from consentgen.records.consent import ReturnedForm, consent_bundle

RECORD_SUFFIX = ".fhir.json"
PAPER_PATIENT = "the patient named on the label of the scanned paper form"


def write_forms(report: IntakeReport, out_dir: Path, organization: str) -> None:
    """Write each form's PDF (and, if it is whole and current, its records) into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    recorded_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with _Sources() as sources:
        for finding in report.forms:
            form = finding.form
            name = f"{form.form_id}_{form.version}_{form.locale}_p{form.positions[0]:03d}.pdf"
            data = sources.assemble(form.in_page_order())
            finding.output = out_dir / name
            atomic_write(finding.output, data)
            if finding.whole_and_current:
                bundle = consent_bundle(_returned(finding, data, name, organization, recorded_at))
                finding.record = out_dir / f"{name}{RECORD_SUFFIX}"
                atomic_write(finding.record, record_bytes(bundle))
        for page in report.unreadable:
            target = out_dir / f"unreadable_p{page.scan.position:03d}.pdf"
            atomic_write(target, sources.assemble([page]))


def _returned(
    finding: FormFinding, data: bytes, name: str, organization: str, recorded_at: str
) -> ReturnedForm:
    form, standing = finding.form, finding.standing
    procedure = standing.form.procedure if standing.form else "consent"
    return ReturnedForm(
        document=DocumentFile.of(data, name),
        title=f"{procedure} consent form {form.form_id} version {form.version} "
        f"({form.locale}), signed on paper and scanned",
        form_id=form.form_id,
        version=form.version,
        locale=form.locale,
        released=standing.form,
        patient=PAPER_PATIENT,
        signed_by=None,  # handwriting is not read
        signed_at=None,
        recorded_at=recorded_at,
        organization=organization,
    )


class _Sources(contextlib.AbstractContextManager["_Sources"]):
    """The scanned files, each opened once, and PDFs assembled from their pages."""

    def __init__(self) -> None:
        self.pdfs: dict[Path, pypdfium2.PdfDocument] = {}

    def __exit__(self, *_: object) -> None:
        for document in self.pdfs.values():
            document.close()

    def assemble(self, pages: list[ReadPage]) -> bytes:
        """One PDF of these pages, in this order, each turned upright."""
        out = pypdfium2.PdfDocument.new()
        try:
            for number, page in enumerate(pages):
                upright = (-page.reading.turned) % 360
                source = self._pdf(page.scan.file)
                if source is not None:
                    out.import_pages(source, [page.scan.index], index=number)
                    turned = out[number]
                    turned.set_rotation((turned.get_rotation() + upright) % 360)
                else:
                    self._image_page(out, page, number, upright)
            buffer = io.BytesIO()
            out.save(buffer)
            return buffer.getvalue()
        finally:
            out.close()

    def _pdf(self, path: Path) -> pypdfium2.PdfDocument | None:
        if path not in self.pdfs:
            if not check_file(path):
                return None
            self.pdfs[path] = pypdfium2.PdfDocument(path)
        return self.pdfs[path]

    def _image_page(
        self, out: pypdfium2.PdfDocument, page: ReadPage, number: int, rotation: int
    ) -> None:
        with Image.open(page.scan.file, formats=IMAGE_FORMATS) as image:
            picture = load_frame(page.scan.file, image, page.scan.index)
            if image.mode not in ("1", "L", "P"):
                image.seek(page.scan.index)
                picture = image.convert("RGB")
            dpi = _dpi(image)
            width, height = picture.size[0] * 72 / dpi[0], picture.size[1] * 72 / dpi[1]
            pdf_page = out.new_page(width, height, index=number)
            embedded = pypdfium2.PdfImage.new(out)
            if image.format == "JPEG":
                embedded.load_jpeg(page.scan.file, inline=False)  # the scanner's own bytes
            else:
                embedded.set_bitmap(pypdfium2.PdfBitmap.from_pil(picture))
            embedded.set_matrix(pypdfium2.PdfMatrix().scale(width, height))
            pdf_page.insert_obj(embedded)
            pdf_page.gen_content()
            pdf_page.set_rotation(rotation)


def _dpi(image: Image.Image) -> tuple[float, float]:
    """The resolution the file says it was scanned at; 200 dpi where it says nothing sensible."""
    found = image.info.get("dpi", (0, 0))
    with contextlib.suppress(TypeError, ValueError):
        x, y = float(found[0]), float(found[1])
        if 50 <= x <= 2400 and 50 <= y <= 2400:
            return x, y
    return 200.0, 200.0
