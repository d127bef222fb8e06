"""Guessing a new record type's fields from a file (the user confirms before it is created).

Each column's type is guessed from up to ``sample`` non-empty values: checkbox (是/否, yes/no,
✓ ...), date or date-and-time (native, ISO, 2026/1/5, 2026年1月5日, serial dates stay
numbers), currency (¥/￥ amounts), percent (85%), number, email, URL, single select (few
distinct short values that repeat), long text (long or multi-line), else text. API names are
made from ASCII headers (``Contract No.`` -> ``contract_no``) or numbered (``field_3``) for
others; labels keep the header, and a Chinese header is also the Chinese label.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from itertools import islice
from typing import Any, Optional

from ..metamodel.fieldtypes.choices import FALSE_WORDS, TRUE_WORDS
from ..metamodel.fieldtypes.dates import parse_date_text
from ..metamodel.fieldtypes.numbers import parse_number_text
from ..metamodel.fieldtypes.text import EMAIL_RE
from ..metamodel.payloads import RESERVED_NAMES
from .parsing import DMY_RE
from .readers import Table

CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def api_name(header: str, index: int, taken: set[str]) -> str:
    base = unicodedata.normalize("NFKC", header).lower()
    base = re.sub(r"[^a-z0-9]+", "_", base).strip("_")[:50]
    if not base or not base[0].isalpha() or CJK_RE.search(header):
        base = f"field_{index + 1}"
    if base in RESERVED_NAMES:
        base = f"{base}_field"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def _is_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return True
    return isinstance(v, str) and unicodedata.normalize("NFKC", v).strip().casefold() in (TRUE_WORDS | FALSE_WORDS) \
        and v.strip() not in ("0", "1")


def _date_kind(v: Any) -> Optional[str]:
    if isinstance(v, datetime):
        return "date" if (v.hour, v.minute, v.second) == (0, 0, 0) else "datetime"
    if isinstance(v, date):
        return "date"
    if not isinstance(v, str):
        return None
    s = unicodedata.normalize("NFKC", v).strip()
    try:
        parse_date_text(s)
        return "date"
    except ValueError:
        pass
    if DMY_RE.match(s):
        return "date" if not DMY_RE.match(s)[4] else "datetime"
    try:
        datetime.fromisoformat(s.replace("/", "-").replace("Z", "+00:00"))
        return "datetime"
    except ValueError:
        return None


def _number_kind(v: Any) -> Optional[str]:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return "number"
    if not isinstance(v, str):
        return None
    s = unicodedata.normalize("NFKC", v).strip()
    kind = "number"
    if s.startswith("¥") or s.endswith("元"):
        kind, s = "currency", s.rstrip("元")
    if s.endswith("%"):
        kind, s = "percent", s[:-1]
    try:
        parse_number_text(s)
        return kind
    except ValueError:
        return None


def guess_type(values: list) -> tuple[str, dict]:
    vals = [v for v in values if not (v is None or (isinstance(v, str) and not v.strip()))]
    if not vals:
        return "text", {}
    if all(_is_bool(v) for v in vals):
        return "boolean", {}
    kinds = {_date_kind(v) for v in vals}
    if None not in kinds:
        return ("datetime" if "datetime" in kinds else "date"), {}
    nkinds = {_number_kind(v) for v in vals}
    if None not in nkinds:
        if "currency" in nkinds:
            return "currency", {"code": "CNY"}
        if "percent" in nkinds:  # '85%' beside 0.95 (a cell shown as 95 %) is a percentage column
            return "percent", {}
        return "number", {}
    texts = [str(v).strip() for v in vals]
    if all(EMAIL_RE.match(t) for t in texts):
        return "email", {}
    if all(re.match(r"^https?://\S+$", t, re.I) for t in texts):
        return "url", {}
    if any(len(t) > 255 or "\n" in t for t in texts):
        return "long_text", {}
    distinct = list(dict.fromkeys(texts))
    if 1 < len(distinct) <= 12 and len(texts) >= 2 * len(distinct) and all(len(d) <= 40 and "|" not in d
                                                                          for d in distinct):
        return "single_select", {"choices": distinct}
    return "text", {}


def infer_fields(table: Table, sample: int = 1000) -> list[dict]:
    """Field definitions (as MetamodelService takes them) guessed from the first ``sample`` rows."""
    columns: list[list] = [[] for _ in table.headers]
    for _number, cells in islice(table.rows(), sample):
        for i, v in enumerate(cells):
            columns[i].append(v)
    taken: set[str] = set()
    out = []
    for i, header in enumerate(table.headers):
        ftype, options = guess_type(columns[i])
        spec: dict = {"name": api_name(header, i, taken), "label": header[:255], "type": ftype}
        if CJK_RE.search(header):
            spec["label_zh"] = header[:255]
        if options:
            spec["options"] = options
        out.append(spec)
    return out


def propose_type(table: Table, name: str, label: Optional[str] = None, sample: int = 1000) -> dict:
    """A record type definition for MetamodelService.create_type: the guessed fields, the first
    text column as the primary field."""
    fields = infer_fields(table, sample)
    primary = next((f["name"] for f in fields if f["type"] == "text"), None)
    out: dict = {"name": name, "label": label or name.replace("_", " ").title(), "fields": fields}
    if primary:
        out["primary_field"] = primary
    return out
