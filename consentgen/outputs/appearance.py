"""How the PDF fields look: the font a viewer draws typed text in (no font is embedded: a
standard one, or a predefined Adobe CJK font for Chinese, Japanese and Korean), and the
appearance streams of an empty field and a ticked box."""

from __future__ import annotations

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

# Fonts a PDF viewer provides without embedding: Adobe's predefined CJK fonts (ISO 32000-1,
# 9.7.5.2) and Helvetica. Arabic, Devanagari and other scripts fall back to the viewer's own.
_CJK_FONTS = {
    "Hans": ("STSong-Light", "GB1", "UniGB-UCS2-H", 4),
    "Hant": ("MSung-Light", "CNS1", "UniCNS-UCS2-H", 3),
    "Jpan": ("HeiseiMin-W3", "Japan1", "UniJIS-UCS2-H", 4),
    "Kore": ("HYSMyeongJo-Medium", "Korea1", "UniKS-UCS2-H", 1),
}


def font_resources(script: str) -> tuple[str, generic.DictionaryObject]:
    """The font resource name text fields use, and the /DR font dictionary."""
    helvetica = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Font"),
            pdf_name("/Subtype"): pdf_name("/Type1"),
            pdf_name("/BaseFont"): pdf_name("/Helvetica"),
            pdf_name("/Encoding"): pdf_name("/WinAnsiEncoding"),
        }
    )
    fonts = generic.DictionaryObject({pdf_name("/Helv"): helvetica})
    if script not in _CJK_FONTS:
        return "/Helv", fonts
    base, ordering, encoding, supplement = _CJK_FONTS[script]
    descendant = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Font"),
            pdf_name("/Subtype"): pdf_name("/CIDFontType0"),
            pdf_name("/BaseFont"): pdf_name(f"/{base}"),
            pdf_name("/CIDSystemInfo"): generic.DictionaryObject(
                {
                    pdf_name("/Registry"): pdf_string("Adobe"),
                    pdf_name("/Ordering"): pdf_string(ordering),
                    pdf_name("/Supplement"): generic.NumberObject(supplement),
                }
            ),
            pdf_name("/FontDescriptor"): generic.DictionaryObject(
                {
                    pdf_name("/Type"): pdf_name("/FontDescriptor"),
                    pdf_name("/FontName"): pdf_name(f"/{base}"),
                    pdf_name("/Flags"): generic.NumberObject(6),
                    pdf_name("/FontBBox"): generic.ArrayObject(
                        [generic.NumberObject(n) for n in (-25, -254, 1000, 880)]
                    ),
                    pdf_name("/ItalicAngle"): generic.NumberObject(0),
                    pdf_name("/Ascent"): generic.NumberObject(880),
                    pdf_name("/Descent"): generic.NumberObject(-120),
                    pdf_name("/CapHeight"): generic.NumberObject(880),
                    pdf_name("/StemV"): generic.NumberObject(93),
                }
            ),
        }
    )
    fonts[pdf_name("/CJK")] = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Font"),
            pdf_name("/Subtype"): pdf_name("/Type0"),
            pdf_name("/BaseFont"): pdf_name(f"/{base}"),
            pdf_name("/Encoding"): pdf_name(f"/{encoding}"),
            pdf_name("/DescendantFonts"): generic.ArrayObject([descendant]),
        }
    )
    return "/CJK", fonts


def appearance(
    writer: IncrementalPdfFileWriter, width: float, height: float, drawing: bytes = b""
) -> generic.IndirectObject:
    """A field appearance (form XObject) of the given size drawing the given operators."""
    box = [generic.FloatObject(v) for v in (0, 0, round(width, 2), round(height, 2))]
    stream = generic.StreamObject(
        {
            pdf_name("/Type"): pdf_name("/XObject"),
            pdf_name("/Subtype"): pdf_name("/Form"),
            pdf_name("/BBox"): generic.ArrayObject(box),
        },
        stream_data=drawing,
    )
    return writer.add_object(stream)


def empty_appearance(
    writer: IncrementalPdfFileWriter, width: float, height: float
) -> generic.IndirectObject:
    """An appearance that draws nothing: the printed line and label stay as they are."""
    return appearance(writer, width, height)


def tick_appearance(writer: IncrementalPdfFileWriter, side: float) -> generic.IndirectObject:
    """A drawn tick (no font) for a checked box."""
    inset = side * 0.2
    data = (
        f"q 0 g 0 G {side * 0.12:.2f} w 1 J 1 j {inset:.2f} {side * 0.5:.2f} m "
        f"{side * 0.42:.2f} {inset:.2f} l {side - inset:.2f} {side - inset:.2f} l S Q"
    )
    return appearance(writer, side, side, data.encode("ascii"))
