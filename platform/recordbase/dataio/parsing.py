"""Turning spreadsheet cells into input the field types accept.

The field types parse text themselves (:meth:`FieldType.clean`: thousands separators,
full-width digits, ¥, 85%, 是/否, choices by label, 2026年1月5日 ...); the record store calls
them when it writes. What a cell needs first, and only an import knows, is done here:

- dates written 05/01/2026 read day-first or month-first as the user declared (an ambiguous
  one without a declaration is refused, never guessed); Excel serial dates (46027) and
  20260105; native Excel dates and times;
- links written as the target record's primary field value (or ``#id``);
- users written as e-mail or display name;
- numbers Excel stores as floats where text is wanted (a phone 13800138000.0 is
  '13800138000'); percentages from cells formatted as % (0.85 is 85 %);
- multiple choices separated by , ， ; ； 、 or new lines.

Each column gets one preparer (a plain function chosen once), so the per-cell cost is small.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Callable, Optional

from sqlalchemy import func, select

from ..metamodel.fieldtypes import FieldDef
from ..metamodel.ids import digits_only
from ..models import User
from .exporters import FORMULA_START

Preparer = Callable[[Any], Any]

EXCEL_EPOCH = datetime(1899, 12, 30)
DMY_RE = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4}|\d{2})(?:[ T]+(.*))?$")
COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
SPLIT_RE = re.compile(r"\s*(?:[,，;；、]|\r?\n)\s*")
DATE_ORDERS = ("dmy", "mdy")


def _number_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e16:
        return str(int(v))
    if isinstance(v, Decimal) and v == v.to_integral_value():
        return str(int(v))
    return str(v)


def excel_serial(v: float) -> datetime:
    if not 1 <= v < 2958466:  # 1900-01-01 .. 9999-12-31
        raise ValueError(f"{_number_text(v)} is not a date")
    return EXCEL_EPOCH + timedelta(days=float(v))


def read_day_month(text: str, order: Optional[str]) -> Optional[str]:
    """'05/01/2026' -> '2026-01-05' (dmy) or '2026-05-01' (mdy); None when not of that shape."""
    s = unicodedata.normalize("NFKC", text).strip()
    m = DMY_RE.match(s)
    if not m:
        return None
    a, b, y, rest = int(m[1]), int(m[2]), m[3], m[4]
    year = int(y) if len(y) == 4 else (2000 + int(y) if int(y) < 70 else 1900 + int(y))
    if a > 12 and b <= 12:
        day, month = a, b
    elif b > 12 and a <= 12:
        day, month = b, a
    elif a > 12 and b > 12:
        raise ValueError(f"'{text}' is not a real date")
    elif a == b:
        day = month = a
    elif order == "dmy":
        day, month = a, b
    elif order == "mdy":
        day, month = b, a
    else:
        raise ValueError(f"'{text}' is ambiguous (day/month or month/day?): choose day-first or month-first")
    try:
        d = date(year, month, day)
    except ValueError:
        raise ValueError(f"'{text}' is not a real date") from None
    return d.isoformat() + (f" {rest.strip()}" if rest and rest.strip() else "")


class Lookups:
    """Caches for resolving links by primary-field value and users by e-mail or name."""

    def __init__(self, store: Any):
        self.store = store
        self._titles: dict[str, dict[str, list[int]]] = {}
        self._ids: dict[str, set[int]] = {}
        self._users: dict[str, Optional[int]] = {}

    @staticmethod
    def key(text: str) -> str:
        return unicodedata.normalize("NFKC", text).strip().casefold()

    def _load(self, target: str) -> None:
        typedef = self.store.schema.get(target)
        t = typedef.table
        titles: dict[str, list[int]] = {}
        ids: set[int] = set()
        tf = typedef.title_field
        col = typedef.column(tf) if tf is not None and tf.ftype.has_column else None
        stmt = select(t.c.id, col) if col is not None else select(t.c.id)
        for row in self.store.session.execute(stmt.where(t.c.deleted_at.is_(None))):
            ids.add(row[0])
            if col is not None and row[1] is not None:
                text = tf.ftype.format(tf.ftype.from_db(row[1], tf), tf, self.store.ctx)
                titles.setdefault(self.key(text), []).append(row[0])
        self._titles[target] = titles
        self._ids[target] = ids

    def remember(self, target: str, record_id: int, title: Optional[str]) -> None:
        """A record created during the import (so later rows can link to it)."""
        if target in self._titles:
            self._ids[target].add(record_id)
            if title:
                self._titles[target].setdefault(self.key(title), []).append(record_id)

    def link_id(self, field: FieldDef, text: str) -> int:
        target = field.options.get("target", "")
        if target not in self._titles:
            self._load(target)
        found = self._titles[target].get(self.key(text))
        if found:
            if len(found) > 1:
                raise ValueError(f"'{text}' names {len(found)} {target} records (ids {', '.join(map(str, found[:5]))}): "
                                 "write '#id' to choose one")
            return found[0]
        s = text.strip()
        if re.fullmatch(r"#?\d{1,10}", s) and int(s.lstrip("#")) in self._ids[target]:
            return int(s.lstrip("#"))
        raise ValueError(f"no {target} record named '{text}'")

    def user_id(self, text: str) -> int:
        k = text.strip().casefold()
        if k not in self._users:
            s = self.store.session
            uid = s.scalar(select(User.id).where(func.lower(User.email) == k))
            if uid is None:
                uid = s.scalar(select(User.id).where(func.lower(User.display_name) == k))
            self._users[k] = uid
        uid = self._users[k]
        if uid is None:
            raise ValueError(f"no user with e-mail or name '{text.strip()}'")
        return uid


def unquoted(cell: str) -> str:
    """A text cell as written before our exports protected it from spreadsheets with a leading
    apostrophe (``'=1+1``, see :func:`~.exporters.neutralise`): so that an export imports back unchanged."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] and cell[1] in FORMULA_START else cell


def preparer(field: FieldDef, lookups: Lookups, date_order: Optional[str] = None,
             percent_cells: bool = False) -> Preparer:
    """The function that prepares one column's cells for ``field``."""
    ft = field.field_type
    if ft in ("date", "datetime"):
        return _date_preparer(ft, date_order)
    if ft in ("number", "decimal", "currency", "rating"):
        return _number_preparer(ft)
    if ft == "percent":
        return _percent_preparer(percent_cells)
    if ft == "boolean":
        return _boolean
    if ft == "duration":
        return _duration
    if ft == "multi_select":
        return _multi
    if ft == "link":
        return _link_preparer(field, lookups)
    if ft == "user":
        return _user_preparer(lookups)
    return _text  # text, long_text, email, url, phone, single_select


def _text(v: Any) -> Any:
    if isinstance(v, str) or v is None:
        return v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float, Decimal)):
        return _number_text(v)
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == time(0) else v.isoformat(sep=" ", timespec="minutes")
    if isinstance(v, (date, time)):
        return v.isoformat()
    return str(v)


def _date_preparer(ft: str, order: Optional[str]) -> Preparer:
    def prep(v: Any) -> Any:
        if v is None or isinstance(v, (date, datetime)):
            if ft == "date" and isinstance(v, datetime):
                return v.date()
            return v
        if isinstance(v, bool):
            raise ValueError("is not a date")
        if isinstance(v, (int, float, Decimal)):
            dt = excel_serial(float(v))
            return dt.date() if ft == "date" else dt
        if isinstance(v, time):
            raise ValueError(f"'{v}' is a time of day, not a date")
        s = str(v).strip()
        if not s:
            return None
        m = COMPACT_RE.match(s)
        if m:
            return f"{m[1]}-{m[2]}-{m[3]}"
        if digits_only(s) and 5 <= len(s) <= 6:
            dt = excel_serial(float(s))
            return dt.date() if ft == "date" else dt
        iso = read_day_month(s, order)
        return iso if iso is not None else s

    return prep


def _number_preparer(ft: str) -> Preparer:
    def prep(v: Any) -> Any:
        if isinstance(v, float):
            if ft == "rating" and v.is_integer():
                return int(v)
            return v
        if isinstance(v, str):
            s = v.strip()
            if s.startswith("(") and s.endswith(")") and len(s) > 2:  # accounting negative: (1,200)
                return "-" + s[1:-1]
            return s
        return v

    return prep


def _percent_preparer(percent_cells: bool) -> Preparer:
    def prep(v: Any) -> Any:
        if percent_cells and isinstance(v, (int, float)) and not isinstance(v, bool):
            return float(Decimal(repr(v)) * 100)  # a cell formatted 85 % holds 0.85
        return v

    return prep


def _boolean(v: Any) -> Any:
    if isinstance(v, float) and v in (0.0, 1.0):
        return int(v)
    return v


def _duration(v: Any) -> Any:
    if isinstance(v, timedelta):
        return int(v.total_seconds())
    if isinstance(v, time):
        return v.hour * 3600 + v.minute * 60 + v.second
    if isinstance(v, datetime):  # Excel durations past 24 h come back as dates from 1899-12-30
        return int((v - EXCEL_EPOCH).total_seconds())
    return v


def _multi(v: Any) -> Any:
    if isinstance(v, str):
        return [p for p in SPLIT_RE.split(v.strip()) if p]
    if v is None:
        return v
    return [_text(v)]


def _link_preparer(field: FieldDef, lookups: Lookups) -> Preparer:
    many = bool(field.options.get("many"))

    def one(item: Any) -> int:
        if isinstance(item, bool):
            raise ValueError(f"'{item}' is not a record")
        if isinstance(item, (int, float)):
            item = _number_text(item)
        return lookups.link_id(field, str(item))

    def prep(v: Any) -> Any:
        if v is None or (isinstance(v, str) and not v.strip()):
            return [] if many else None
        if not many:
            return one(v)
        if isinstance(v, str):
            try:
                return [one(v)]  # a name that itself holds a comma
            except ValueError:
                pass
            # names may hold separators themselves ('丙, 有限公司'): take the longest run of parts that
            # names a record, part by part
            tokens = SPLIT_RE.split(v.strip())
            seps = SPLIT_RE.findall(v.strip())
            ids: list[int] = []
            problems = []
            i = 0
            while i < len(tokens):
                if not tokens[i]:
                    i += 1
                    continue
                found = None
                for j in range(len(tokens) - 1, i - 1, -1):
                    text = tokens[i] + "".join(seps[k] + tokens[k + 1] for k in range(i, j))
                    try:
                        found = (one(text), j)
                        break
                    except ValueError as exc:
                        if j == i:
                            problems.append(str(exc))
                if found is None:
                    i += 1
                    continue
                if found[0] not in ids:
                    ids.append(found[0])
                i = found[1] + 1
            if problems:
                raise ValueError("; ".join(problems))
            return ids
        return [one(v)]

    return prep


def _user_preparer(lookups: Lookups) -> Preparer:
    def prep(v: Any) -> Any:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        if isinstance(v, str):
            if v.strip() == "@me":
                return v
            return lookups.user_id(v)
        raise ValueError(f"'{v}' is not a user (write an e-mail or a name)")

    return prep
