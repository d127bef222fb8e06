"""Exporting a (filtered, sorted) list of records to CSV or XLSX.

Headers are the fields' labels in the user's language; values are formatted as the lists
show them (choices by label, links by the target's primary field, users by e-mail, 是/否 or
yes/no), so that an export reads well and imports back. CSV is UTF-8 with a BOM, so that
Excel opens Chinese text correctly. XLSX keeps numbers and dates as real numbers and dates.
Text that a spreadsheet would run as a formula (starting with = + - @, tab or carriage
return) is neutralised with a leading apostrophe (formula injection, OWASP). Records are
read page by page; nothing holds the whole list.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Iterable, Iterator, Optional
from zoneinfo import ZoneInfo


from ..metamodel.fieldtypes import FieldDef
from ..metamodel.fieldtypes.display import CURRENCY_SYMBOLS
from ..metamodel.runtime import TypeDef
from ..storage.titles import RecordTitles

PAGE = 1000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMERIC_TYPES = frozenset({"number", "decimal", "currency", "percent", "rating", "duration", "count"})
_ILLEGAL_XLSX = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def neutralise(text: str) -> str:
    """'=1+1' -> "'=1+1": a spreadsheet shows the text instead of running it."""
    if text and text.startswith(FORMULA_START):
        return "'" + text
    return text


def xlsx_number_format(f: FieldDef) -> Optional[str]:
    """A number cell's format in a workbook: an amount with its currency symbol and separators
    (``"¥"#,##0.00``), a decimal or a computed number with its places; None for the rest."""
    if f.field_type in ("currency", "decimal"):
        p = int(f.options.get("precision", 2))
        fmt = "#,##0" + ("." + "0" * p if p else "")
        symbol = CURRENCY_SYMBOLS.get(f.options.get("code") or "") if f.field_type == "currency" else None
        return f'"{symbol}"{fmt}' if symbol else fmt
    places = f.options.get("places") if f.ftype.computed else None
    if isinstance(places, int) and f.options.get("result_type") == "number":
        return "0" + ("." + "0" * places if places else "")
    return None


def _numeric(f: FieldDef) -> bool:
    if f.field_type in NUMERIC_TYPES:
        return True
    return bool(f.ftype.computed and f.options.get("result_type") == "number")


def export_fields(typedef: TypeDef, names: Optional[Iterable[str]] = None) -> list[FieldDef]:
    if names:
        out = []
        for n in names:
            f = typedef.field(n)
            if f is not None:
                out.append(f)
        return out
    return list(typedef.fields)


class _Titles:
    """Titles of linked records (:class:`~recordbase.storage.titles.RecordTitles`), fetched per page."""

    def __init__(self, store: Any):
        self.store = store
        self.cache: dict[str, dict[int, str]] = {}

    def fetch(self, target: str, ids: set[int]) -> None:
        cache = self.cache.setdefault(target, {})
        wanted = [i for i in ids if i not in cache]
        if wanted:  # titles of records the user may not read stay '#id'
            cache.update(RecordTitles(self.store).of(target, wanted))

    def text(self, target: str, rid: int) -> str:
        return self.cache.get(target, {}).get(rid) or f"#{rid}"


def export_rows(store: Any, type_name: str, filter: Any = None, sort: Any = None, search: Optional[str] = None,
                fields: Optional[Iterable[str]] = None, native: bool = False
                ) -> tuple[list[FieldDef], Iterator[list]]:
    """The fields exported and an iterator of rows (formatted text, or native numbers/dates)."""
    typedef = store.visible_type(type_name) if hasattr(store, "visible_type") else store.type(type_name)  # no hidden fields
    cols = export_fields(typedef, fields)
    compiled = store.compile(typedef, filter) if not hasattr(filter, "sql") else filter
    titles = _Titles(store)
    tz = ZoneInfo(store.timezone or "UTC")

    def rows() -> Iterator[list]:
        cursor = None
        while True:
            page = store.list(type_name, filter=compiled, sort=sort, search=search, limit=PAGE, cursor=cursor)
            wanted: dict[str, set[int]] = {}
            users = set()
            for r in page.records:
                users.update((r.created_by, r.updated_by))
                for f in cols:
                    v = r.values.get(f.name)
                    if f.field_type == "link" and v:
                        wanted.setdefault(f.options.get("target", ""), set()).update(v if isinstance(v, list) else [v])
                    elif f.field_type in ("user", "created_by", "updated_by") and v:
                        users.add(v)
            for target, ids in wanted.items():
                titles.fetch(target, ids)
            store.prefetch_users(users)
            for r in page.records:
                yield [cell(f, r.values.get(f.name)) for f in cols]
            cursor = page.next_cursor
            if not cursor:
                return

    def cell(f: FieldDef, v: Any) -> Any:
        if f.field_type == "link":
            if v is None or v == []:
                return ""
            target = f.options.get("target", "")
            items = v if isinstance(v, list) else [v]
            return neutralise(", ".join(titles.text(target, i) for i in items))
        if native:
            if v is None:
                return None
            if _numeric(f) and f.field_type not in ("rating", "duration") and isinstance(v, (int, float, Decimal)) \
                    and not isinstance(v, bool):
                return float(v) if isinstance(v, Decimal) else v
            if isinstance(v, datetime):
                return v.replace(tzinfo=timezone.utc).astimezone(tz).replace(tzinfo=None)
            if isinstance(v, date):
                return v
        text = f.ftype.format(v, f, store.ctx)
        return text if _numeric(f) else neutralise(text)

    return cols, rows()


def headers(cols: list[FieldDef], lang: str) -> list[str]:
    return [neutralise(f.display_label(lang)) for f in cols]


def csv_chunks(head: list[str], rows: Iterable[list], chunk_rows: int = 500) -> Iterator[bytes]:
    """CSV as UTF-8 with a BOM, in chunks (for streaming responses)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(head)
    first = True
    n = 0
    for row in rows:
        w.writerow(["" if v is None else v for v in row])
        n += 1
        if n % chunk_rows == 0:
            data = buf.getvalue().encode("utf-8")
            if first:
                data, first = b"\xef\xbb\xbf" + data, False
            yield data
            buf.seek(0)
            buf.truncate()
    data = buf.getvalue().encode("utf-8")
    if first:
        data = b"\xef\xbb\xbf" + data
    yield data


def write_xlsx(head: list[str], rows: Iterable[list], out: Any, cols: Optional[list[FieldDef]] = None,
               sheet_title: str = "Records") -> None:
    """An XLSX workbook written in streaming (write-only) mode; dates and numbers stay typed."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=_sheet_title(sheet_title))
    bold = Font(bold=True)
    header_cells = []
    for h in head:
        c = WriteOnlyCell(ws, value=_xlsx_text(h))
        c.font = bold
        header_cells.append(c)
    ws.append(header_cells)
    formats = []
    for f in cols or []:
        formats.append(xlsx_number_format(f))
    for row in rows:
        out_row = []
        for i, v in enumerate(row):
            if isinstance(v, str):
                out_row.append(_xlsx_text(v))
            elif isinstance(v, datetime):
                c = WriteOnlyCell(ws, value=v)
                c.number_format = "yyyy-mm-dd hh:mm"
                out_row.append(c)
            elif isinstance(v, date):
                c = WriteOnlyCell(ws, value=v)
                c.number_format = "yyyy-mm-dd"
                out_row.append(c)
            elif isinstance(v, (int, float)) and i < len(formats) and formats[i]:
                c = WriteOnlyCell(ws, value=v)
                c.number_format = formats[i]
                out_row.append(c)
            else:
                out_row.append(v)
        ws.append(out_row)
    wb.save(out)


def _xlsx_text(v: str) -> str:
    v = _ILLEGAL_XLSX.sub("", v)
    # openpyxl stores any string starting with '=' as a formula: keep it text
    return neutralise(v) if v.startswith("=") else v


def _sheet_title(title: str) -> str:
    t = re.sub(r"[\[\]:*?/\\]", " ", title).strip() or "Records"
    return t[:31]


def export_to_file(store: Any, type_name: str, path_or_file: Any, fmt: str = "csv", filter: Any = None,
                   sort: Any = None, search: Optional[str] = None, lang: str = "en",
                   fields: Optional[Iterable[str]] = None, progress: Any = None) -> int:
    """Write an export to a path or binary file; returns the number of records."""
    count = [0]

    def tick(rows: Iterable[list]) -> Iterator[list]:
        for r in rows:
            count[0] += 1
            if progress and count[0] % PAGE == 0:
                progress(count[0])
            yield r

    typedef = store.type(type_name)
    if fmt == "xlsx":
        cols, rows = export_rows(store, type_name, filter, sort, search, fields, native=True)
        write_xlsx(headers(cols, lang), tick(rows), path_or_file, cols, typedef.display_label(lang))
    elif fmt == "csv":
        cols, rows = export_rows(store, type_name, filter, sort, search, fields)
        own = isinstance(path_or_file, (str, bytes)) or hasattr(path_or_file, "__fspath__")
        fh = open(path_or_file, "wb") if own else path_or_file
        try:
            for chunk in csv_chunks(headers(cols, lang), tick(rows)):
                fh.write(chunk)
        finally:
            if own:
                fh.close()
    else:
        from ..errors import ValidationError

        raise ValidationError(f"Unknown export format '{fmt}' (use csv or xlsx)", {"format": ["csv or xlsx"]})
    return count[0]
