"""What an import is asked and what it answers: :class:`ImportOptions` (mapping, key, mode,
date order, batch size), :class:`ImportReport` (counts, the mapping used, every problem as a
:class:`RowError`, a preview of the stored records; as JSON and as an error-report CSV).

:mod:`.importer` runs the import and fills the report; the surfaces (CLI, API, admin) build the
options and show the report.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field as dc_field
from typing import Any, Optional

from ..errors import ValidationError
from .exporters import neutralise
from .mapping import ColumnMap
from .parsing import DATE_ORDERS


@dataclass
class ImportOptions:
    mapping: Optional[dict] = None
    key: Optional[str] = None
    skip_bad_rows: bool = False
    dry_run: bool = False
    date_order: Optional[str] = None  # "dmy" (day first) or "mdy" (month first)
    batch_size: int = 1000
    preview_rows: int = 10
    run_rules: bool = True
    max_errors: int = 10000

    def __post_init__(self) -> None:
        if self.date_order not in (None, *DATE_ORDERS):
            raise ValidationError("date_order must be 'dmy' (day first) or 'mdy' (month first)",
                                  {"date_order": ["must be dmy or mdy"]})


@dataclass
class RowError:
    row: int
    column: Optional[str]
    field: Optional[str]
    value: Any
    reason: str

    def to_json(self) -> dict:
        v = self.value
        if v is not None and not isinstance(v, (str, int, float, bool)):
            v = str(v)
        return {"row": self.row, "column": self.column, "field": self.field, "value": v, "reason": self.reason}


@dataclass
class ImportReport:
    type: str
    format: str = ""
    sheet: Optional[str] = None
    encoding: Optional[str] = None
    delimiter: Optional[str] = None
    mapping: list[ColumnMap] = dc_field(default_factory=list)
    key: Optional[str] = None
    mode: str = "all_or_nothing"
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = dc_field(default_factory=list)
    error_count: int = 0
    bad_rows: set[int] = dc_field(default_factory=set)
    preview: list[dict] = dc_field(default_factory=list)
    committed: bool = False
    seconds: float = 0.0

    @property
    def skipped(self) -> int:
        return len(self.bad_rows) if self.mode == "skip_bad_rows" else 0

    @property
    def ok(self) -> bool:
        """True when the import was (or, for a dry run, would be) written."""
        return not self.bad_rows or self.mode == "skip_bad_rows"

    def summary(self) -> str:
        verb = "would be" if self.dry_run or not self.committed else "were"
        if not self.ok:
            return (f"Nothing was imported: {len(self.bad_rows)} of {self.rows} rows have problems "
                    f"({self.error_count} in all). Fix them, or import with skip-bad-rows.")
        text = f"{self.rows} rows read: {self.created} records {verb} created, {self.updated} updated"
        if self.skipped:
            text += f", {self.skipped} rows skipped"
        return text + ("  (dry run: nothing was written)" if self.dry_run else "")

    def to_json(self, max_errors: int = 1000) -> dict:
        return {
            "type": self.type, "format": self.format, "sheet": self.sheet, "encoding": self.encoding,
            "delimiter": self.delimiter, "mode": self.mode, "dry_run": self.dry_run, "key": self.key,
            "ok": self.ok, "committed": self.committed, "rows": self.rows, "created": self.created,
            "updated": self.updated, "skipped": self.skipped, "bad_rows": len(self.bad_rows),
            "error_count": self.error_count, "errors": [e.to_json() for e in self.errors[:max_errors]],
            "mapping": [m.to_json() for m in self.mapping], "preview": self.preview,
            "seconds": round(self.seconds, 3), "summary": self.summary(),
        }

    def errors_csv(self) -> str:
        """The error report as CSV text (UTF-8 with BOM when encoded; values neutralised for Excel)."""
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["row", "column", "field", "value", "reason"])
        for e in self.errors:
            w.writerow([e.row, neutralise(e.column or ""), e.field or "",
                        neutralise("" if e.value is None else str(e.value)), neutralise(e.reason)])
        return "\ufeff" + buf.getvalue()
