"""Reading a returned form: pyHanko's PDF reader, with each object stream's table read once.

A PDF keeps most of its small objects packed in object streams, each opening with a table of
(object number, offset) pairs. pyHanko's reader parses that table from the start for every
object it takes out of a stream, so reading a whole stream costs the square of its length;
its difference analysis reads every object of every revision (a tagged form's structure tree
alone is hundreds of objects), and spent most of a four-signature verify there. This reader
parses each table once and reads objects exactly as pyHanko's does: the same objects, the same
strict-mode errors, the same null object for what a damaged stream does not hold.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from pyhanko.pdf_utils import generic, misc
from pyhanko.pdf_utils.decode_limits import DecodePurpose
from pyhanko.pdf_utils.misc import PdfStrictReadError
from pyhanko.pdf_utils.reader import PdfFileReader

logger = logging.getLogger("pyhanko.pdf_utils.reader")


class StreamTable:
    """One object stream, decoded, with its table: (object number, offset) in order, as far as
    it could be read, and whether it broke off before its stated count (/N)."""

    def __init__(self, stream: generic.StreamObject) -> None:
        self.data = stream.read_data(DecodePurpose.OBJECT_STREAM)
        self.first = int(stream["/First"])
        self.entries: list[tuple[int, int]] = []
        self.broken = False
        reading = io.BytesIO(self.data)
        for _ in range(int(stream["/N"])):
            try:
                misc.read_non_whitespace(reading, seek_back=True)
                number = generic.NumberObject.read_from_stream(reading)
                misc.read_non_whitespace(reading, seek_back=True)
                offset = generic.NumberObject.read_from_stream(reading)
                misc.read_non_whitespace(reading, seek_back=True)
            except ValueError:
                self.broken = True
                break
            self.entries.append((int(number), int(offset)))


class FormReader(PdfFileReader):
    """pyHanko's PdfFileReader, reading each object stream's table once (see the module)."""

    def __init__(self, stream: Any, strict: bool = True, **options: Any) -> None:
        self._tables: dict[int, StreamTable] = {}
        super().__init__(stream, strict=strict, **options)

    def _get_object_from_stream(self, idnum: int, stmnum: int, idx: int) -> generic.PdfObject:
        stream = generic.Reference(stmnum, 0, self).get_object()
        assert isinstance(stream, generic.StreamObject)
        assert stream["/Type"] == "/ObjStm"
        if not (0 <= idx < stream["/N"]):
            if self.strict:
                raise PdfStrictReadError("Object stream does not contain index")
            return generic.NullObject()
        table = self._tables.get(stmnum)
        if table is None:
            table = self._tables[stmnum] = StreamTable(stream)
        for index, (number, offset) in enumerate(table.entries):
            if number != idnum:
                continue
            if self.strict and idx != index:
                raise PdfStrictReadError("Object is in wrong index.")
            return self._read_at(table, idnum, index, offset)
        if table.broken:
            if self.strict:
                raise PdfStrictReadError("Object stream header possibly corrupted")
            return generic.NullObject()
        if self.strict:
            raise PdfStrictReadError(
                "Object not found in stream, this is a fatal error in strict mode"
            )
        return generic.NullObject()

    def _read_at(
        self, table: StreamTable, idnum: int, index: int, offset: int
    ) -> generic.PdfObject:
        reading = io.BytesIO(table.data)
        reading.seek(table.first + offset)
        try:
            found = generic.read_object(reading, generic.Reference(idnum, 0, self))
        except (misc.PdfStreamError, misc.PdfReadError) as exc:
            # As pyHanko: Adobe Reader reads on past an unreadable object, so a lax reader
            # takes it as null.
            logger.warning(f"Invalid stream (index {index}) within object {idnum} 0: {exc}")
            if self.strict:
                raise PdfStrictReadError(f"Can't read object stream: {exc}") from None
            found = generic.NullObject()
        if isinstance(found, generic.StreamObject | generic.IndirectObject):
            if self.strict:
                raise PdfStrictReadError("Encountered forbidden object type in object stream")
        return found
