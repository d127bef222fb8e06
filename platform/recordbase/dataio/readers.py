"""Reading spreadsheets as a stream of rows: CSV (encoding and delimiter sniffed) and XLSX.

:func:`open_table` returns a :class:`Table`: its ``headers`` (found past title rows, with
two-row headers under merged cells joined), and ``rows()``, an iterator of
``(row_number, values)`` where ``row_number`` is the number a person sees in the file
(Excel's row number; the CSV record number counting the header as 1). Rows whose cells
are all empty are skipped. Nothing loads the whole file: CSV is decoded as it is read,
XLSX goes through openpyxl's read-only (streaming) mode with cached values of formulas.
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import re
import zipfile
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
        return _open_xlsx(source, sheet)
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
    sample = head.decode(enc, errors="replace")
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


# -- XLSX ---------------------------------------------------------------------------------------
_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters.decode():
        n = n * 26 + (ord(ch) - 64)
    return n


def _merged_ranges(zf: zipfile.ZipFile, member: str, max_row: int) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of merged cells touching the first ``max_row`` rows.

    openpyxl's read-only mode does not read merges, so the sheet's XML is scanned as a stream
    (the <mergeCells> element comes after the data)."""
    out = []
    tail = b""
    with zf.open(member) as fh:
        while chunk := fh.read(1024 * 1024):
            buf = tail + chunk
            for m in _MERGE_RE.finditer(buf):
                c1, r1 = _col_index(m.group(1)), int(m.group(2))
                c2, r2 = (_col_index(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
                if r1 <= max_row:
                    out.append((r1, c1, r2, c2))
            tail = buf[-200:]
    return sorted(set(out))


def _sheet_member(zf: zipfile.ZipFile, wb: Any, title: str) -> Optional[str]:
    try:
        ws = wb[title]
        # openpyxl keeps the worksheet's part name on read-only sheets
        src = getattr(ws, "_worksheet_path", None) or getattr(ws, "sheet_path", None)
        if src:
            return src.lstrip("/")
    except Exception:  # noqa: BLE001
        pass
    idx = wb.sheetnames.index(title) + 1
    guess = f"xl/worksheets/sheet{idx}.xml"
    return guess if guess in zf.namelist() else None


def _open_xlsx(source: Source, sheet: Optional[str]) -> Table:
    import warnings

    from openpyxl import load_workbook

    f = _as_file(source)
    if not f.seekable():
        import tempfile

        spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)
        while chunk := f.read(1024 * 1024):
            spool.write(chunk)
        spool.seek(0)
        f = spool
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(f, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ReadError(f"The file is not a readable .xlsx workbook ({exc})") from None
    names = list(wb.sheetnames)
    if sheet:
        title = next((n for n in names if n == sheet), None) or next(
            (n for n in names if n.strip().casefold() == sheet.strip().casefold()), None)
        if title is None:
            raise ReadError(f"The workbook has no sheet named '{sheet}' (it has: {', '.join(names)})",
                            {"sheet": names})
    else:
        title = names[0]
    ws = wb[title]
    member = None
    zf = None
    try:
        f.seek(0)
        zf = zipfile.ZipFile(f)
        member = _sheet_member(zf, wb, title)
    except (zipfile.BadZipFile, KeyError, OSError):
        member = None
    shared = list(getattr(wb, "shared_strings", None) or [])
    date_styles = set(getattr(wb, "_date_formats", set()) or set())
    epoch = getattr(wb, "epoch", None)
    fast = member is not None and epoch is not None

    # sample the first rows: values, and how numbers are shown (a column of 0.85 shown as 85 %)
    sample: list[tuple[int, list]] = []
    formats: dict[int, list[str]] = {}
    if fast:
        from .xlsx_fast import iter_sheet_values

        styles: dict = {}
        f.seek(0)
        rows_iter = iter_sheet_values(f, member, shared, date_styles, epoch, styles=styles)
        for number, values in rows_iter:
            if number > SAMPLE_ROWS + 5:
                break
            if any(not _blank(v) for v in values):
                sample.append((number, values))
        rows_iter.close()
        for (_row, col), style in styles.items():
            formats.setdefault(col, []).append(_number_format(wb, style))
    else:
        for row in ws.iter_rows(min_row=1, max_row=SAMPLE_ROWS + 5):
            number = None
            values = []
            for cell in row:
                if number is None and getattr(cell, "row", None):
                    number = cell.row
                col = getattr(cell, "column", None)
                v = getattr(cell, "value", None)
                values.append(v)
                fmt = getattr(cell, "number_format", None)
                if col and fmt and isinstance(v, (int, float)) and not isinstance(v, bool):
                    formats.setdefault(col - 1, []).append(fmt)
            if number is not None:
                sample.append((number, values))
    header_idx = find_header(sample)
    if header_idx is None:
        raise ReadError(f"The sheet '{title}' is empty: no header row found", {"sheet": title})
    h_number, h_values = sample[header_idx]
    h_values = list(h_values)
    last_header = h_number

    try:
        merges = _merged_ranges(zf, member, h_number + 1) if member and zf is not None else []
    except (zipfile.BadZipFile, KeyError, OSError):
        merges = []
    if merges:
        h_values, last_header = _merge_headers(sample, header_idx, merges)

    headers = clean_headers(h_values)
    percent_cols = {c for c, fmts in formats.items() if fmts and sum("%" in x for x in fmts) * 2 > len(fmts)}

    def data_rows() -> Iterator[tuple[int, list]]:
        if fast:  # our expat reader: the same values as openpyxl's values_only, several times faster
            from .xlsx_fast import iter_sheet_values

            f.seek(0)
            yield from iter_sheet_values(f, member, shared, date_styles, epoch, min_row=last_header + 1)
            return
        number = last_header
        for values in ws.iter_rows(min_row=last_header + 1, max_row=None, values_only=True):
            number += 1
            yield number, list(values)

    est_max = _dimension_rows(f, member) if member else None
    est = None if not est_max else max(0, est_max - last_header)
    return Table(headers, last_header, data_rows, format="xlsx", sheet=title, sheets=names,
                 percent_columns=percent_cols, estimated_rows=est)


_DIM_RE = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"')


def _dimension_rows(f: IO[bytes], member: str) -> Optional[int]:
    """The last row number from the sheet's <dimension> (near the top of its XML), for progress."""
    try:
        f.seek(0)
        with zipfile.ZipFile(f).open(member) as fh:
            m = _DIM_RE.search(fh.read(4096))
        return int(m.group(1)) if m and m.group(1) else None
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return None


def _number_format(wb: Any, style: int) -> str:
    """The number format code of a cell style index ('0%', 'General' ...)."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS

    try:
        fmt_id = wb._cell_styles[style].numFmtId
    except (AttributeError, IndexError):
        return "General"
    if fmt_id in BUILTIN_FORMATS:
        return BUILTIN_FORMATS[fmt_id]
    try:
        return wb._number_formats[fmt_id - 164]
    except (AttributeError, IndexError):
        return "General"


def _merge_headers(sample: list[tuple[int, list]], header_idx: int,
                   merges: list[tuple[int, int, int, int]]) -> tuple[list, int]:
    """Header texts with merged cells filled in, and two-row headers joined ('Contact Phone').

    A header is two rows when a merged cell starts on the header row and spans more rows
    (a vertically merged label), or spans several columns with labels under it."""
    h_number, top = sample[header_idx]
    top = list(top)
    below_entry = sample[header_idx + 1] if header_idx + 1 < len(sample) else None
    below = list(below_entry[1]) if below_entry and below_entry[0] == h_number + 1 else []
    width = max(len(top), len(below), max((m[3] for m in merges if m[0] <= h_number <= m[2]), default=0))
    top += [None] * (width - len(top))
    below += [None] * (width - len(below))
    two_rows = False
    covered_below: set[int] = set()
    for r1, c1, r2, c2 in merges:
        if r1 == h_number and r2 >= h_number + 1:
            two_rows = True
            covered_below.update(range(c1 - 1, c2))
        if r1 == h_number and r2 == h_number and c2 > c1 and any(not _blank(below[c]) for c in range(c1 - 1, c2)):
            two_rows = True
    # fill horizontally merged header cells with their top-left value
    for r1, c1, r2, c2 in merges:
        if r1 <= h_number <= r2:
            for c in range(c1, c2):
                if _blank(top[c]):
                    top[c] = top[c1 - 1]
    if not two_rows:
        return top, h_number
    out = []
    for c in range(width):
        t, b = _header_text(top[c]), _header_text(below[c])
        if c in covered_below or not b:
            out.append(t)
        elif not t:
            out.append(b)
        else:
            out.append(f"{t} {b}")
    return out, h_number + 1
