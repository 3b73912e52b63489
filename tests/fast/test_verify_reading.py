"""verify's PDF reader (consentgen/verify/reading.py) reads each object stream's table once and
must read every object exactly as pyHanko's own reader does: in a whole file, in a file whose
object stream table breaks off, and in strict mode, errors included."""

from __future__ import annotations

import io
import logging
import re
from typing import Any

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.decode_limits import DecodeLimits, DecodePurpose, StreamDecodeLimits
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter

from consentgen.verify.reading import MOST_KEPT, FormReader

PACKED = 12  # objects in the object stream


def _packed_file(compress: bool = False) -> bytes:
    """A file with its small objects in one object stream (uncompressed: a table to damage by
    hand), a stream object outside it, and an array that refers to every packed object."""
    writer = PdfFileWriter(stream_xrefs=True)
    packed = writer.prepare_object_stream(compress=compress)
    refs = [
        writer.add_object(
            generic.DictionaryObject({pdf_name("/Item"): generic.NumberObject(n)}), packed
        )
        for n in range(PACKED)
    ]
    refs.append(writer.add_object(pdf_string("last item, a string"), packed))
    refs.append(writer.add_object(generic.StreamObject(stream_data=b"outside any object stream")))
    writer.root[pdf_name("/Items")] = writer.add_object(generic.ArrayObject(refs))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _table(data: bytes) -> re.Match[bytes]:
    """The object stream's table: N pairs of numbers just after `stream`."""
    found = re.search(rb"/Type /ObjStm.*?stream\r?\n((?:\d+ \d+ ?)+)", data, re.DOTALL)
    assert found is not None, "no uncompressed object stream"
    return found


def _damaged(data: bytes, pair: int) -> bytes:
    """The file with the table's pair-th object number made unreadable, same length."""
    table = _table(data)
    start = table.start(1) + sum(len(p) + 1 for p in table.group(1).split(b" ")[: 2 * pair])
    return data[:start] + b"x" + data[start + 1 :]


def _swapped(data: bytes, first: int, second: int) -> bytes:
    """The file with two of the table's object numbers swapped: each object where the other
    was said to be (an object at the wrong index)."""
    table = _table(data)
    tokens = table.group(1).split(b" ")
    tokens[2 * first], tokens[2 * second] = tokens[2 * second], tokens[2 * first]
    assert len(tokens[2 * first]) == len(tokens[2 * second])
    return data[: table.start(1)] + b" ".join(tokens) + data[table.end(1) :]


def _reading(
    data: bytes, reader_class: type[PdfFileReader], strict: bool, **options: Any
) -> list[str]:
    """Each object the file's cross-reference lists, as read: its value, or the error."""
    reader = reader_class(io.BytesIO(data), strict=strict, **options)
    seen = []
    for idnum in range(1, int(reader.trailer["/Size"])):
        try:
            value = generic.Reference(idnum, 0, reader).get_object()
            shown = (
                "stream"
                if isinstance(value, generic.StreamObject)
                else "null"
                if isinstance(value, generic.NullObject)
                else repr(value)
            )
        except Exception as exc:  # the error pyHanko raises is part of what must be the same
            shown = f"{type(exc).__name__}: {exc}"
        seen.append(f"{idnum}: {shown}")
    return seen


def test_a_whole_file_reads_as_pyhanko_reads_it() -> None:
    data = _packed_file()
    ours = _reading(data, FormReader, strict=True)
    assert ours == _reading(data, PdfFileReader, strict=True)
    items = [line for line in ours if "{'/Item':" in line]
    assert len(items) == PACKED, ours  # every packed object, not nulls


@pytest.mark.parametrize("strict", [False, True], ids=["lax", "strict"])
@pytest.mark.parametrize("pair", [0, 5, PACKED])
def test_a_table_that_breaks_off_reads_as_pyhanko_reads_it(pair: int, strict: bool) -> None:
    data = _damaged(_packed_file(), pair)
    ours = _reading(data, FormReader, strict)
    assert ours == _reading(data, PdfFileReader, strict)
    readable = [line for line in ours if "{'/Item':" in line]
    assert len(readable) == min(pair, PACKED), ours  # what comes before the break still reads


def test_the_table_is_read_once_for_every_object_of_its_stream() -> None:
    data = _packed_file()
    reader = FormReader(io.BytesIO(data), strict=True)
    items = reader.root["/Items"]
    first = items[0]
    tables = dict(reader._tables)
    assert [items[n]["/Item"] for n in range(PACKED)] == list(range(PACKED))
    assert first["/Item"] == 0
    assert len(reader._tables) == 1 and reader._tables == tables


@pytest.mark.parametrize("strict", [False, True], ids=["lax", "strict"])
def test_objects_at_the_wrong_index_read_as_pyhanko_reads_them(strict: bool) -> None:
    data = _swapped(_packed_file(), 2, 3)
    ours = _reading(data, FormReader, strict)
    assert ours == _reading(data, PdfFileReader, strict)
    wrong = [line for line in ours if "wrong index" in line]
    assert len(wrong) == (2 if strict else 0), ours


@pytest.mark.parametrize("strict", [False, True], ids=["lax", "strict"])
def test_objects_past_the_stated_count_read_as_pyhanko_reads_them(strict: bool) -> None:
    whole = _packed_file()
    count = f"/N {PACKED + 1}".encode()
    assert whole.count(count) == 1
    data = whole.replace(count, f"/N {9:0{len(str(PACKED + 1))}d}".encode())  # same length
    ours = _reading(data, FormReader, strict)
    assert ours == _reading(data, PdfFileReader, strict)
    readable = [line for line in ours if "{'/Item':" in line]
    assert len(readable) == 9, ours


@pytest.mark.parametrize(
    ("body", "strict", "read"),
    [
        # A reference, where only direct objects may be: a lax reader follows it.
        (b"4 0 R        ", False, "{'/Item': 1}"),
        (b"4 0 R        ", True, "PdfStrictReadError: Encountered forbidden object type"),
        (b">>>>>>>>>>>>>", False, "null"),
        (b">>>>>>>>>>>>>", True, "PdfStrictReadError: Can't read object stream: Unexpected"),
    ],
    ids=["reference-lax", "reference-strict", "unreadable-lax", "unreadable-strict"],
)
def test_an_object_stream_holding_what_it_may_not_reads_as_pyhanko_reads_it(
    body: bytes, strict: bool, read: str
) -> None:
    whole = _packed_file()
    item = b"<<\n/Item 7\n>>"  # object 10
    assert whole.count(item) == 1 and len(body) == len(item)
    data = whole.replace(item, body)
    ours = _reading(data, FormReader, strict)
    assert ours == _reading(data, PdfFileReader, strict)
    assert ours[9].startswith(f"10: {read}"), ours[9]
    assert [line for line in ours if line.startswith(("9:", "11:"))] == [
        "9: {'/Item': 6}",
        "11: {'/Item': 8}",
    ]


@pytest.mark.parametrize("strict", [False, True], ids=["lax", "strict"])
def test_an_object_its_table_does_not_list_reads_as_pyhanko_reads_it(strict: bool) -> None:
    table = _table(_packed_file())
    tokens = table.group(1).split(b" ")
    assert tokens[14] == b"10"  # the eighth pair's object number
    tokens[14] = b"99"  # a number no object has: object 10 is listed nowhere
    whole = _packed_file()
    data = whole[: table.start(1)] + b" ".join(tokens) + whole[table.end(1) :]
    ours = _reading(data, FormReader, strict)
    assert ours == _reading(data, PdfFileReader, strict)
    assert ours[9] == (
        "10: PdfStrictReadError: Object not found in stream, this is a fatal error in strict mode"
        if strict
        else "10: null"
    )


def test_an_unreadable_object_is_logged_as_pyhanko_logs_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = _packed_file().replace(b"<<\n/Item 7\n>>", b">>>>>>>>>>>>>")
    logged = []
    for reader_class in (PdfFileReader, FormReader):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="pyhanko.pdf_utils.reader"):
            _reading(data, reader_class, strict=False)
        logged.append([(r.name, r.getMessage()) for r in caplog.records])
    assert logged[1] == logged[0]
    assert logged[0][0][1].startswith("Invalid stream (index 7) within object 10 0: ")


def test_decode_limits_on_object_streams_apply_as_in_pyhanko() -> None:
    data = _packed_file(compress=True)
    tight = DecodeLimits(
        per_purpose={
            DecodePurpose.OBJECT_STREAM: StreamDecodeLimits(max_ratio=None, max_output_size=50)
        }
    )
    ours = _reading(data, FormReader, False, decode_limits=tight)
    assert ours == _reading(data, PdfFileReader, False, decode_limits=tight)
    assert ours[2] == "3: PdfDecodeLimitError: Decoded stream data exceeds the limit of 50 bytes."
    assert _reading(data, FormReader, False)[2] == "3: {'/Item': 0}"  # within the default limits


def test_a_reader_is_strict_unless_told_otherwise_as_pyhanko_s_is() -> None:
    data = _packed_file()
    assert FormReader(io.BytesIO(data)).strict is PdfFileReader(io.BytesIO(data)).strict is True


def _from_table(
    reader_class: type[PdfFileReader], table: bytes, count: int, strict: bool
) -> list[str]:
    """Objects 50, 51 and 52, each asked for at its place in an object stream whose data is
    table (the table, then the objects), then 52 and 50 again, as read: value, or error."""
    reader = reader_class(io.BytesIO(_packed_file()), strict=strict)
    stream = generic.StreamObject(
        {
            pdf_name("/Type"): pdf_name("/ObjStm"),
            pdf_name("/N"): generic.NumberObject(count),
            pdf_name("/First"): generic.NumberObject(table.index(b"|") + 1),
        },
        stream_data=table.replace(b"|", b" "),
    )
    reader.cache_indirect_object(0, 900, stream)  # object 900: not in the file, so not read
    seen = []
    for index, idnum in [(0, 50), (1, 51), (2, 52), (2, 52), (0, 50)]:
        try:
            seen.append(repr(reader._get_object_from_stream(idnum, 900, index)))
        except Exception as exc:  # the error pyHanko raises is part of what must be the same
            seen.append(f"{type(exc).__name__}: {exc}")
    return [line.split(" object at ")[0] for line in seen]  # a null's repr has its address


@pytest.mark.parametrize("strict", [False, True], ids=["lax", "strict"])
@pytest.mark.parametrize(
    ("table", "count"),
    [
        (b"50 0 51 2 52 4|7 8 9", 5),  # more pairs stated than written: the data runs out
        (b"50 0 51 2 52 .|7 8 9", 3),  # a pair whose offset is a lone dot
        (b"50 0 51 3 52|", 3),  # the table cut off in its last pair
        (b"50.5 0 51 2 52 4|7 8 9", 3),  # an object number with a fraction
        (b"50 0.5 51 2 52 4|7 8 9", 3),  # an offset with a fraction
        (b"50 0 50 2 52 4|7 8 9", 3),  # one number twice: the first pair is the object's
    ],
    ids=["runs-out", "lone-dot", "cut-off", "fraction-number", "fraction-offset", "twice"],
)
def test_a_damaged_table_reads_object_by_object_as_pyhanko_reads_it(
    table: bytes, count: int, strict: bool
) -> None:
    """pyHanko reads a table only up to the pair it looks for: what comes before the damage
    still reads, whatever the damage is."""
    ours = _from_table(FormReader, table, count, strict)
    assert ours == _from_table(PdfFileReader, table, count, strict)
    assert len(set(ours)) > 1, ours  # not one error for every object


def test_a_table_too_long_to_keep_is_read_as_pyhanko_reads_it() -> None:
    pairs = b" ".join(b"%d 0" % (50 + n) for n in range(MOST_KEPT + 1))
    ours = _from_table(FormReader, pairs + b"|7", MOST_KEPT + 1, True)
    assert ours == _from_table(PdfFileReader, pairs + b"|7", MOST_KEPT + 1, True) == ["7"] * 5
