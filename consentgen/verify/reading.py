"""Reading a returned form: pyHanko's PDF reader, with each object stream's table read once.

A PDF keeps most of its small objects packed in object streams, each opening with a table of
(object number, offset) pairs. pyHanko's reader parses that table from the start for every
object it takes out of a stream, so reading a whole stream costs the square of its length;
its difference analysis reads every object of every revision (a tagged form's structure tree
alone is hundreds of objects), and spent most of a four-signature verify there. This reader
reads each table once, as far as the objects asked for need, and reads objects exactly as
pyHanko's does: the same objects, the same strict-mode errors, the same null object for what a
damaged stream does not hold.
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


# A table longer than this is not kept: it is read as pyHanko reads it. A hostile file's table
# of millions of pairs would otherwise be kept whole in memory.
MOST_KEPT = 100_000


class StreamTable:
    """One object stream, decoded, and its table of (object number, offset) pairs, read as far
    as the objects asked for so far needed and no further, as pyHanko reads it: the first pair
    with an object's number is the object's; a pair that is not two numbers breaks the table
    off there, and any other error in reading it is raised to whoever needs to read past it."""

    def __init__(self, stream: generic.StreamObject) -> None:
        self.data = stream.read_data(DecodePurpose.OBJECT_STREAM)
        self.first = stream["/First"]
        self.count = len(range(stream["/N"]))
        self.found: dict[object, tuple[int, Any]] = {}  # number -> (index, offset): first pair
        self.read = 0  # pairs read so far
        self.broken = False  # a pair that is not two numbers ended the table
        self.error: Exception | None = None  # what else stopped the reading
        self.reading = io.BytesIO(self.data)

    def find(self, idnum: int) -> tuple[int, Any] | None:
        """The index and offset of the first pair with this object number, None if none."""
        while idnum not in self.found:
            if self.error is not None:
                raise self.error
            if self.broken or self.read >= self.count:
                return None
            try:
                misc.read_non_whitespace(self.reading, seek_back=True)
                number = generic.NumberObject.read_from_stream(self.reading)
                misc.read_non_whitespace(self.reading, seek_back=True)
                offset = generic.NumberObject.read_from_stream(self.reading)
                misc.read_non_whitespace(self.reading, seek_back=True)
            except ValueError:
                self.broken = True
                return None
            except Exception as exc:
                self.error = exc
                raise
            self.found.setdefault(number, (self.read, offset))
            self.read += 1
        return self.found[idnum]


class FormReader(PdfFileReader):
    """pyHanko's PdfFileReader, reading each object stream's table only once (see the
    module)."""

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
        if stream["/N"] > MOST_KEPT:
            return super()._get_object_from_stream(idnum, stmnum, idx)  # type: ignore[no-any-return]
        table = self._tables.get(stmnum)
        if table is None:
            table = self._tables[stmnum] = StreamTable(stream)
        found = table.find(idnum)
        if found is not None:
            index, offset = found
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
        self, table: StreamTable, idnum: int, index: int, offset: Any
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
