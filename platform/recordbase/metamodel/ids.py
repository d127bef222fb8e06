"""Ids typed as text: which text may be compared with an id column.

Every id of Recordbase (records, users, rules, views, ...) is a 32-bit integer column
(SQLite INTEGER, PostgreSQL ``integer``). Text that looks like a number is not always an id:
``str.isdigit()`` is true for '²' (which ``int()`` refuses) and for '١٢٣' (Arabic-Indic digits,
which ``int()`` reads as 123), and an 11-digit mobile number overflows PostgreSQL's
``integer``, which then refuses the whole query instead of matching nothing. :func:`as_id`
is the one reading of an id from text, for every surface that takes one (search, filters,
link pickers, import keys, URLs, forms).
"""
from __future__ import annotations

from typing import Any, Optional

#: the largest id an id column can hold (``integer`` on PostgreSQL; ids start at 1)
MAX_ID = 2**31 - 1
_ASCII_DIGITS = frozenset("0123456789")


def as_id(value: Any) -> Optional[int]:
    """``value`` as an id: an int, or text of ASCII digits (spaces around allowed), from 1 to
    :data:`MAX_ID`; None for anything else (another kind of number, a sign, text, out of range)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1 <= value <= MAX_ID else None
    if not isinstance(value, str):
        return None
    text = value.strip().lstrip("0")
    if not text or len(text) > len(str(MAX_ID)) or not digits_only(text):
        return None
    number = int(text)
    return number if number <= MAX_ID else None



def digits_only(text: str) -> bool:
    """Whether ``text`` is a non-empty run of ASCII digits (what ``int()`` reads as written;
    ``str.isdigit()`` also says yes to '²' and to the digits of other scripts)."""
    return bool(text) and set(text) <= _ASCII_DIGITS
