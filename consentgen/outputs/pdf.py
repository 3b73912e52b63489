"""PDF layout with WeasyPrint: tagged PDF/UA, fixed identifier, fetcher locked to the project."""

from __future__ import annotations

import stat
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.request import url2pathname

import pydyf
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from consentgen.errors import ConsentgenError, one_line
from consentgen.fonts import font_file
from consentgen.locales import form_locale
from consentgen.outputs.fields import PX_TO_PT, add_fields, placements
from consentgen.outputs.qr import PageIdentity, draw_qr
from consentgen.render.forms import FormContext
from consentgen.settings import Settings

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from consentgen.outputs import Form
from consentgen.render.lockdown import url_scheme

QR_SLOT = "form-qr"


class RefusedURL(FatalURLFetchingError):  # type: ignore[misc]
    """A form asked for something outside the project: the render stops."""


class ProjectURLFetcher(URLFetcher):  # type: ignore[misc]
    """Serves data: URLs, regular files under templates/static and the given font files.

    Every refusal is also kept in `refused`: WeasyPrint swallows errors inside an SVG image,
    and the form must fail all the same.
    """

    def __init__(self, static_dir: Path, font_files: Iterable[Path] = ()) -> None:
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)
        self.static_dir = static_dir.resolve()
        self.font_files = {path.resolve() for path in font_files}
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        scheme = url_scheme(url)
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(url2pathname(url.split("?", 1)[0].split("#", 1)[0].split(":", 1)[1]))
            path = path.resolve()  # symlinks too: a link out of static/ is refused
            allowed = path.is_relative_to(self.static_dir) or path in self.font_files
            if allowed and _is_regular_file(path):
                return URLFetcherResponse(url, path.read_bytes())
        message = (
            f"refused to fetch {url!r}: forms may use only the project's own files "
            "and the configured fonts"
        )
        self.refused.append(message)
        raise RefusedURL(message)


def _is_regular_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


class PdfWriter:
    """Lays out HTML forms as PDF; one per process, so fonts are loaded once."""

    def __init__(
        self, templates_dir: Path, fields: str = "all", font_files: Iterable[Path] = ()
    ) -> None:
        self.base_url = templates_dir.resolve().as_uri() + "/"
        self.fetcher = ProjectURLFetcher(templates_dir / "static", font_files)
        self.font_config = FontConfiguration()
        # Images by URL (the logo is the same data: URL on every form): decoded once.
        self.image_cache: dict[str, Any] = {}
        self.fields = fields

    def parse(self, html: str) -> HTML:
        """The form as WeasyPrint reads it: its tree can be checked before it is laid out."""
        return HTML(string=html, base_url=self.base_url, url_fetcher=self.fetcher)

    def write(
        self,
        html: str,
        form: FormContext,
        locale: str,
        script: str,
        source: str,
        identifier: str,
        parsed: HTML | None = None,
    ) -> bytes:
        """A tagged PDF of one form, byte-identical for identical input.

        script is the locale's writing system (for the fields' font); source names the form in
        error messages; identifier, a digest of the form's content (hex), becomes the PDF's
        permanent identifier; parsed is html as parse() gave it, if it was.
        """
        self.fetcher.refused.clear()
        try:
            pdf = self._write(
                parsed if parsed is not None else self.parse(html),
                html,
                form,
                locale,
                script,
                identifier[:32].encode("ascii"),
            )
        except RefusedURL as exc:
            raise ConsentgenError(f"{source}: {locale}: {exc}") from None
        except Exception as exc:  # a layout failure must not lose the build's other output
            problem = one_line(f"{type(exc).__name__}: {exc}")
            raise ConsentgenError(f"{source}: {locale}: PDF layout failed ({problem})") from None
        if self.fetcher.refused:  # inside an SVG image, where WeasyPrint goes on without it
            raise ConsentgenError(f"{source}: {locale}: {self.fetcher.refused[0]}")
        return pdf

    def _write(
        self,
        parsed: HTML,
        html: str,
        form: FormContext,
        locale: str,
        script: str,
        identifier: bytes,
    ) -> bytes:
        document = parsed.render(
            font_config=self.font_config,
            presentational_hints=False,
            cache=self.image_cache,
        )
        pages = document.pages

        def stamp_identity(_document: object, pdf: pydyf.PDF) -> None:
            pdf.info["ConsentgenFormId"] = pydyf.String(form.form_id)
            pdf.info["ConsentgenFormVersion"] = pydyf.String(form.version)
            pdf.info["ConsentgenLocale"] = pydyf.String(locale)
            pdf.info["ConsentgenTranslationStatus"] = pydyf.String(form.translation_status)
            mask = None
            for number, reference in enumerate(pdf.pages["Kids"][::3]):
                page = pages[number]
                slot = page.anchors.get(QR_SLOT)
                if slot is None:
                    continue
                x1, y1, x2, y2 = slot
                box = (
                    x1 * PX_TO_PT,
                    (page.height - y2) * PX_TO_PT,
                    (x2 - x1) * PX_TO_PT,
                    (y2 - y1) * PX_TO_PT,
                )
                identity = PageIdentity(form.form_id, form.version, locale, number + 1, len(pages))
                stream = pydyf.Stream(compress=True)
                mask = draw_qr(stream, identity, box, mask)
                # The page's own content leaves its coordinate system changed: wrap it in
                # q ... Q so the code is drawn in default PDF space.
                save, restore = pydyf.Stream([b"q"]), pydyf.Stream([b"Q"])
                for added in (save, restore, stream):
                    pdf.add_object(added)
                page_object = pdf.objects[reference]
                page_object["Contents"] = pydyf.Array(
                    [
                        save.reference,
                        page_object["Contents"],
                        restore.reference,
                        stream.reference,
                    ]
                )

        pdf: bytes = document.write_pdf(
            pdf_variant="pdf/ua-1",
            pdf_identifier=identifier,
            finisher=stamp_identity,
        )
        if self.fields == "none":
            return pdf
        return add_fields(
            pdf, placements(pages, html), script, identifier, fillable=self.fields == "all"
        )


# One writer per process and project: fonts are loaded once, images decoded once.
_WRITERS: dict[tuple[Path, str, frozenset[Path]], PdfWriter] = {}


def writer_for(settings: Settings) -> PdfWriter:
    """This process's PDF writer for the project, made on first use."""
    fonts = frozenset(
        path
        for code in settings.locales
        for family in form_locale(code, settings.default_locale, settings.fonts).fonts
        if (path := font_file(family)) is not None
    )
    key = (settings.templates_dir, settings.pdf_fields, fonts)
    if key not in _WRITERS:
        _WRITERS[key] = PdfWriter(settings.templates_dir, settings.pdf_fields, font_files=fonts)
    return _WRITERS[key]


def prepare(form: Form) -> Element:
    """The form as WeasyPrint reads it, parsed once: the tree the scan checks is the one laid
    out."""
    parsed = writer_for(form.settings).parse(form.html)
    form.prepared["pdf"] = parsed
    element: Element = parsed.etree_element
    return element


def make(form: Form, made: dict[str, bytes]) -> bytes:
    """The tagged PDF, with its fields and a QR code on every page."""
    return writer_for(form.settings).write(
        form.html,
        form.context,
        form.locale.code,
        form.locale.script,
        form.shown_template,
        form.identifier,
        form.prepared.get("pdf"),
    )
