"""Form fields: an empty digital signature field over each printed signature line, and text and
checkbox fields over the other fill-in lines, added with pyHanko as the last write to the file.

Positions come from WeasyPrint's layout (each page's anchors), never from fixed coordinates, so
the fields follow the text in every language and page size. Fields add no embedded font: text
fields name a font the viewer supplies (Helvetica, or a predefined Adobe CJK font for Chinese,
Japanese and Korean), so a form with fields stays the size of one without, and a patient can
still type a name in their own script.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.fields import SigFieldSpec, append_signature_field

from consentgen.outputs.appearance import empty_appearance, font_resources, tick_appearance
from consentgen.roles import SIGNATURE_FIELDS, field_role

PX_TO_PT = 0.75  # CSS px are 1/96 in; PDF points are 1/72 in
# A fill-in element: a line (one-line text field), lines (a multi-line text field) or a box.
_FIELD_ELEMENT = re.compile(
    r'id="(?P<id>[a-z_]+)-(?P<kind>line|lines|box)" data-field="(?P<field>[a-z_]+)" '
    r'data-label="(?P<label>[^"]*)"'
)
_FIELD_KINDS = {"line": "text", "lines": "multiline", "box": "checkbox"}
_MULTILINE = 1 << 12  # the text field flag /Ff Multiline (ISO 32000-1, 12.7.4.3)


@dataclass(frozen=True)
class FieldPlacement:
    """Where one field goes: its name, kind, page (from 0), rectangle in PDF points, tooltip."""

    name: str
    kind: str  # "signature", "text", "multiline" or "checkbox"
    page: int
    rect: tuple[float, float, float, float]
    label: str


def placements(pages: Iterable[object], form_html: str) -> list[FieldPlacement]:
    """Every fill-in line and tick box of a laid-out form, in PDF coordinates."""
    labels = {
        m["field"]: (m["kind"], html.unescape(m["label"]))
        for m in _FIELD_ELEMENT.finditer(form_html)
    }
    found: list[FieldPlacement] = []
    for number, page in enumerate(pages):
        height = page.height  # type: ignore[attr-defined]
        for anchor, (x1, y1, x2, y2) in page.anchors.items():  # type: ignore[attr-defined]
            name, _, suffix = anchor.rpartition("-")
            if suffix not in _FIELD_KINDS or name not in labels:
                continue
            kind, label = labels[name]
            if suffix != kind:
                continue
            field_kind = "signature" if name in SIGNATURE_FIELDS else _FIELD_KINDS[kind]
            rect = (
                x1 * PX_TO_PT,
                (height - y2) * PX_TO_PT,
                x2 * PX_TO_PT,
                (height - y1) * PX_TO_PT,
            )
            found.append(FieldPlacement(name, field_kind, number, rect, label))
    placed = [f.name for f in found]
    for name in labels:
        if field_role(name) is None:
            # verify could not tell whose field it is, so could not protect it.
            raise ValueError(f"form field {name!r} belongs to no signer (see field_role)")
        if placed.count(name) != 1:
            # A template changed so that a line lost its anchor: never ship a form without it.
            raise ValueError(f"form field {name!r} has {placed.count(name)} places in the layout")
    return sorted(found, key=lambda f: (f.page, -f.rect[3], f.rect[0]))


class _ReproducibleWriter(IncrementalPdfFileWriter):
    """An incremental writer that stamps neither the clock nor a random id into the form."""

    def __init__(self, data: bytes, identifier: bytes) -> None:
        super().__init__(io.BytesIO(data))
        first_id = self._document_id[0]
        self._document_id = generic.ArrayObject([first_id, generic.ByteStringObject(identifier)])

    def _update_meta(self) -> None:
        # The fields are part of producing the form: its metadata stays the build's.
        return None


def add_fields(
    pdf: bytes, fields: list[FieldPlacement], script: str, identifier: bytes, fillable: bool = True
) -> bytes:
    """The form with its fields, appended as one incremental update (the last write)."""
    writer = _ReproducibleWriter(pdf, identifier)
    for field in fields:
        if field.kind == "signature":
            append_signature_field(
                writer,
                SigFieldSpec(
                    sig_field_name=field.name,
                    on_page=field.page,
                    box=tuple(round(v, 2) for v in field.rect),  # type: ignore[arg-type]
                    readable_field_name=field.label,
                ),
            )
    if fillable:
        _add_fill_in_fields(writer, [f for f in fields if f.kind != "signature"], script)
    _tag_widgets(writer, {f.name: f.page for f in fields})
    # SignaturesExist | AppendOnly: viewers must save changes as incremental updates, which
    # keeps the released form's bytes as the prefix `consentgen verify` checks.
    form = writer.root["/AcroForm"]
    form[pdf_name("/SigFlags")] = generic.NumberObject(3)
    writer.update_container(form)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _tag_widgets(writer: IncrementalPdfFileWriter, pages: dict[str, int]) -> None:
    """Put every field in the structure tree (a Form element each), as PDF/UA asks."""
    root = writer.root
    if "/StructTreeRoot" not in root:
        return
    tree = root["/StructTreeRoot"]
    parent_tree_ref = tree.raw_get("/ParentTree")
    parent_tree = parent_tree_ref.get_object()
    numbers = parent_tree["/Nums"]
    next_key = max(int(numbers[i]) for i in range(0, len(numbers), 2)) + 1 if numbers else 0
    document_ref = (
        tree["/K"].raw_get(0) if isinstance(tree["/K"], generic.ArrayObject) else tree.raw_get("/K")
    )
    document = document_ref.get_object()
    kids = document["/K"]
    if not isinstance(kids, generic.ArrayObject):
        kids = document[pdf_name("/K")] = generic.ArrayObject([document.raw_get("/K")])
    tagged_pages = set()
    for field_ref in root["/AcroForm"]["/Fields"]:
        widget = field_ref.get_object()
        name = str(widget.get("/T"))
        if name not in pages:
            continue
        page_ref = writer.find_page_for_modification(pages[name])[0]
        element = writer.add_object(
            generic.DictionaryObject(
                {
                    pdf_name("/Type"): pdf_name("/StructElem"),
                    pdf_name("/S"): pdf_name("/Form"),
                    pdf_name("/P"): document_ref,
                    pdf_name("/Pg"): page_ref,
                    pdf_name("/K"): generic.DictionaryObject(
                        {
                            pdf_name("/Type"): pdf_name("/OBJR"),
                            pdf_name("/Obj"): field_ref,
                            pdf_name("/Pg"): page_ref,
                        }
                    ),
                }
            )
        )
        widget[pdf_name("/StructParent")] = generic.NumberObject(next_key)
        writer.mark_update(field_ref)
        numbers.append(generic.NumberObject(next_key))
        numbers.append(element)
        kids.append(element)
        next_key += 1
        if pages[name] not in tagged_pages:
            # Tab through a page's fields in structure order.
            page_ref.get_object()[pdf_name("/Tabs")] = pdf_name("/S")
            writer.mark_update(page_ref)
            tagged_pages.add(pages[name])
    tree[pdf_name("/ParentTreeNextKey")] = generic.NumberObject(next_key)
    writer.mark_update(parent_tree_ref)
    writer.mark_update(document_ref)
    writer.update_container(tree)


def _add_fill_in_fields(
    writer: IncrementalPdfFileWriter, fields: list[FieldPlacement], script: str
) -> None:
    if not fields:
        return
    font_name, resources = font_resources(script)
    form = writer.root["/AcroForm"]
    form[pdf_name("/DR")] = generic.DictionaryObject({pdf_name("/Font"): resources})
    form[pdf_name("/DA")] = pdf_string(f"{font_name} 0 Tf 0 g")
    # Viewers draw typed text with their own fonts, in any script.
    form[pdf_name("/NeedAppearances")] = generic.BooleanObject(True)
    writer.update_container(form)
    field_array = form["/Fields"]
    for field in fields:
        page_ref = writer.find_page_for_modification(field.page)[0]
        x1, y1, x2, y2 = field.rect
        width, height = x2 - x1, y2 - y1
        widget = generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Annot"),
                pdf_name("/Subtype"): pdf_name("/Widget"),
                pdf_name("/T"): pdf_string(field.name),
                pdf_name("/TU"): pdf_string(field.label),
                pdf_name("/Rect"): generic.ArrayObject(
                    [generic.FloatObject(round(v, 2)) for v in field.rect]
                ),
                pdf_name("/F"): generic.NumberObject(4),  # print
                pdf_name("/P"): page_ref,
                pdf_name("/MK"): generic.DictionaryObject(),  # no border, no background
            }
        )
        if field.kind in ("text", "multiline"):
            # One line: text as tall as the line allows. Several: the size of the form's text.
            size = 11 if field.kind == "multiline" else max(8, min(12, round(height * 0.6)))
            widget[pdf_name("/FT")] = pdf_name("/Tx")
            if field.kind == "multiline":
                widget[pdf_name("/Ff")] = generic.NumberObject(_MULTILINE)
            widget[pdf_name("/DA")] = pdf_string(f"{font_name} {size} Tf 0 g")
            widget[pdf_name("/V")] = pdf_string("")
            widget[pdf_name("/AP")] = generic.DictionaryObject(
                {pdf_name("/N"): empty_appearance(writer, width, height)}
            )
        else:
            widget[pdf_name("/FT")] = pdf_name("/Btn")
            widget[pdf_name("/V")] = pdf_name("/Off")
            widget[pdf_name("/AS")] = pdf_name("/Off")
            widget[pdf_name("/AP")] = generic.DictionaryObject(
                {
                    pdf_name("/N"): generic.DictionaryObject(
                        {
                            pdf_name("/Yes"): tick_appearance(writer, min(width, height)),
                            pdf_name("/Off"): empty_appearance(writer, width, height),
                        }
                    )
                }
            )
        widget_ref = writer.add_object(widget)
        field_array.append(widget_ref)
        writer.register_annotation(page_ref, widget_ref)
    writer.update_container(field_array)
