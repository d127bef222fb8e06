"""Reading spreadsheets as a stream of rows: CSV (encoding and delimiter sniffed) and XLSX.

:func:`open_table` returns a :class:`Table`: its ``headers`` (found past title rows, with
two-row headers under merged cells joined), and ``rows()``, an iterator of
``(row_number, values)`` where ``row_number`` is the number a person sees in the file
(Excel's row number; the CSV record number counting the header as 1). Rows whose cells
are all empty are skipped. Nothing loads the whole file: CSV is decoded as it is read
(here), XLSX is streamed by :mod:`.xlsx_reader` (cached values of formulas).
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import re
from dataclasses import dataclass, field as dc_field
from typing import IO, Any, Callable, Iterator, Optional, Union

from ..errors import RecordbaseError

Source = Union[str, os.PathLike, bytes, IO[bytes]]
SAMPLE_ROWS = 25  # rows looked at to find the header
csv.field_size_limit(16 * 1024 * 1024)


class ReadError(RecordbaseError):
    """The file cannot be read as a table (wrong format, unknown sheet, no header)."""

    code = "bad_request"


@dataclass
class Table:
    headers: list[str]
    header_row: int  # the (last) header row's number
    _rows: Callable[[], Iterator[tuple[int, list]]] = dc_field(repr=False)
    format: str = "csv"
    encoding: Optional[str] = None
    delimiter: Optional[str] = None
    sheet: Optional[str] = None
    sheets: list[str] = dc_field(default_factory=list)
    #: columns whose cells are formatted as percentages (XLSX): 0.85 there means 85 %
    percent_columns: set[int] = dc_field(default_factory=set)
    #: rough number of data rows (for progress bars); None when unknown
    estimated_rows: Optional[int] = None

    def rows(self) -> Iterator[tuple[int, list]]:
        """(row number, cell values) of every non-empty data row, padded/truncated to the headers."""
        width = len(self.headers)
        for number, values in self._rows():
            n = len(values)
            if n < width:
                values = list(values) + [None] * (width - n)
            elif n > width:
                values = list(values[:width])
            for v in values:  # the first non-blank cell ends the check (a plain loop: this runs per row)
                if v is not None and (not isinstance(v, str) or v.strip()):
                    break
            else:
                continue
            yield number, values


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _as_file(source: Source) -> IO[bytes]:
    if isinstance(source, (str, os.PathLike)):
        return open(source, "rb")
    if isinstance(source, bytes):
        return io.BytesIO(source)
    return source


def detect_format(source: Source, filename: Optional[str] = None) -> str:
    name = (filename or (str(source) if isinstance(source, (str, os.PathLike)) else "")).lower()
    if name.endswith((".xlsx", ".xlsm")):
        return "xlsx"
    if name.endswith((".csv", ".tsv", ".txt")):
        return "csv"
    f = _as_file(source)
    pos = f.tell()
    head = f.read(4)
    f.seek(pos)
    if isinstance(source, (str, os.PathLike)):
        f.close()
    return "xlsx" if head == b"PK\x03\x04" else "csv"


def open_table(source: Source, filename: Optional[str] = None, *, sheet: Optional[str] = None,
               encoding: Optional[str] = None, delimiter: Optional[str] = None,
               format: Optional[str] = None) -> Table:
    """Open a CSV or XLSX file (a path, bytes or a binary file object) as a :class:`Table`."""
    fmt = format or detect_format(source, filename)
    if fmt == "xlsx":
        from .xlsx_reader import open_xlsx

        return open_xlsx(source, sheet)
    if fmt == "xls":
        raise ReadError("Old .xls files are not supported: save the file as .xlsx or .csv")
    return _open_csv(source, encoding, delimiter)


# -- CSV -------------------------------------------------------------------------------------
def sniff_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK and GB2312)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # a character cut at the end of the sample
            try:
                head[:exc.start].decode("utf-8")
                return "utf-8"
            except UnicodeDecodeError:
                pass
    try:
        head.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        return "gb18030"  # decoding replaces the few bytes it cannot read; the report shows them


def sniff_delimiter(text: str) -> str:
    """',', ';' or tab: the one that splits the first lines most consistently (quotes respected)."""
    lines = [ln for ln in text.splitlines() if ln.strip()][:20]
    if not lines:
        return ","
    best, best_score = ",", (-1, -1)
    for d in (",", ";", "\t"):
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=d)]
        except csv.Error:
            continue
        if not counts or max(counts) <= 1:
            continue
        common = max(set(counts), key=counts.count)
        score = (counts.count(common), common)
        if score > best_score:
            best, best_score = d, score
    return best


class _CountingReader(io.RawIOBase):
    def __init__(self, raw: IO[bytes]):
        self.raw = raw
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        data = self.raw.read(len(b))
        n = len(data)
        b[:n] = data
        self.bytes_read += n
        return n


def _open_csv(source: Source, encoding: Optional[str], delimiter: Optional[str]) -> Table:
    f = _as_file(source)
    seekable = f.seekable()
    if not seekable:  # an upload stream: spool it so that it can be read twice
        import tempfile

        spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)
        while chunk := f.read(1024 * 1024):
            spool.write(chunk)
        spool.seek(0)
        f = spool
    start = f.tell()
    head = f.read(64 * 1024)
    f.seek(start)
    enc = encoding or sniff_encoding(head)
    try:
        codecs.lookup(enc)
        sample = head.decode(enc, errors="replace")  # also refuses codecs that are not text ones (base64 ...)
    except (LookupError, UnicodeError, TypeError):
        raise ReadError(f"Unknown text encoding '{enc[:40]}': use utf-8, gb18030, utf-16 ...") from None
    if delimiter is not None and len(delimiter) != 1:
        raise ReadError(f"The delimiter must be one character, not '{delimiter[:20]}'")
    if sample.startswith("\ufeff"):
        sample = sample[1:]
    delim = delimiter or sniff_delimiter(sample)
    # a rough row count for progress: newlines in the file
    total_lines = None
    try:
        f.seek(0, os.SEEK_END)
        size = f.tell() - start
        f.seek(start)
        if size <= 512 * 1024 * 1024:
            n = 0
            while chunk := f.read(4 * 1024 * 1024):
                n += chunk.count(b"\n")
            total_lines = n
        f.seek(start)
    except (OSError, ValueError):
        pass

    def records() -> Iterator[tuple[int, list]]:
        f.seek(start)
        text = io.TextIOWrapper(f, encoding=enc, errors="replace", newline="")
        try:
            reader = csv.reader(text, delimiter=delim)
            for i, row in enumerate(reader, start=1):
                if i == 1 and row and row[0].startswith("\ufeff"):
                    row[0] = row[0][1:]
                yield i, row
        finally:
            text.detach()

    sample_rows = []
    for number, row in records():
        sample_rows.append((number, row))
        if len(sample_rows) >= SAMPLE_ROWS:
            break
    header_idx = find_header(sample_rows)
    if header_idx is None:
        raise ReadError("The file is empty: no header row found")
    h_number, h_values = sample_rows[header_idx]
    headers = clean_headers(h_values)

    def data_rows() -> Iterator[tuple[int, list]]:
        for number, row in records():
            if number > h_number:
                yield number, row

    est = None if total_lines is None else max(0, total_lines - h_number + 1)
    return Table(headers, h_number, data_rows, format="csv", encoding=enc, delimiter=delim, estimated_rows=est)


# -- headers -----------------------------------------------------------------------------------
def _filled(values: list) -> int:
    return sum(1 for v in values if not _blank(v))


def find_header(sample: list[tuple[int, list]]) -> Optional[int]:
    """The index of the header row in the sample: past empty rows and title rows (a lone cell
    above a wider table); the first row at least 60 % as wide as the widest of the sample."""
    widths = [_filled(v) for _, v in sample]
    if not widths or max(widths) == 0:
        return None
    widest = max(widths)
    for i, w in enumerate(widths):
        if w and (w >= 0.6 * widest or widest <= 1):
            if w == 1 and widest > 1:
                continue
            return i
    return next(i for i, w in enumerate(widths) if w)


def _header_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return re.sub(r"\s+", " ", str(v)).strip()


def clean_headers(values: list) -> list[str]:
    """Header texts, trimmed; empty ones named 'Column N'; trailing empty columns dropped."""
    texts = [_header_text(v) for v in values]
    while texts and not texts[-1]:
        texts.pop()
    out = []
    for i, t in enumerate(texts):
        out.append(t or f"Column {i + 1}")
    return out
