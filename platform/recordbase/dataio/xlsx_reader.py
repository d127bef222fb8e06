"""XLSX side of :func:`recordbase.dataio.readers.open_table`: one worksheet as a streamed :class:`Table`.

The sheet (first or named) is found through openpyxl's read-only workbook; its cells are read
by :mod:`.xlsx_fast`; merged cells (for two-row headers) and the sheet's dimension (for
progress) are read from the sheet's XML directly.
"""
from __future__ import annotations

import re
import zipfile
from typing import IO, Any, Iterator, Optional

from .readers import (SAMPLE_ROWS, ReadError, Source, Table, _as_file, _blank, _header_text,
                      clean_headers, find_header)


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


def open_xlsx(source: Source, sheet: Optional[str]) -> Table:
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
