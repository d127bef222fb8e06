"""How values look to people: choice badges, currency symbols, computed numbers' places.

The field types call these from their ``format`` / ``format_html`` hooks, so every surface that
formats through the registry (admin list, details, forms, history, exports) shows the same thing.
Nothing here reads the database or the request: a colour or a symbol is derived from the field's
options alone.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Callable, Iterable, Optional

from markupsafe import Markup

#: the only colours written into a style attribute (anything else gets a plain badge)
_HEX = re.compile(r"#[0-9a-fA-F]{6}")
#: the named colours a choice may have (the options schema allows ``[a-z]+``), as hex
NAMED_COLOURS = {"red": "#d62728", "orange": "#ff7f0e", "amber": "#ff7f0e", "yellow": "#bcbd22",
                 "green": "#2ca02c", "teal": "#17becf", "cyan": "#17becf", "blue": "#1f77b4",
                 "purple": "#9467bd", "pink": "#e377c2", "brown": "#8c564b", "gray": "#7f7f7f",
                 "grey": "#7f7f7f", "black": "#000000", "white": "#ffffff"}

#: ISO 4217 codes shown with their symbol; any other code is shown as the code ('CHF 12.00')
CURRENCY_SYMBOLS = {"CNY": "¥", "RMB": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "JP¥", "HKD": "HK$",
                    "TWD": "NT$", "MOP": "MOP$", "SGD": "S$", "AUD": "A$", "CAD": "CA$", "NZD": "NZ$",
                    "KRW": "₩", "INR": "₹", "RUB": "₽", "THB": "฿", "VND": "₫", "PHP": "₱", "ILS": "₪",
                    "TRY": "₺", "NGN": "₦", "UAH": "₴", "BRL": "R$", "MXN": "MX$"}

#: places shown for a computed number whose field names none (its stored value keeps every digit)
DEFAULT_COMPUTED_PLACES = 2


def field_memo(field: Any, key: Any, build: Callable[[], Any]) -> Any:
    """What ``build`` gives for ``field`` and ``key``, worked out once per field snapshot (a list page
    shows the same few choices on every row; a changed field is a new snapshot, so never stale)."""
    memo = field.__dict__.get("_rb_display")
    if memo is None:
        memo = field.__dict__["_rb_display"] = {}
    try:
        return memo[key]
    except KeyError:
        if len(memo) > 4096:
            memo.clear()
        out = memo[key] = build()
        return out


def safe_colour(colour: Any) -> Optional[str]:
    """``#rrggbb`` for a choice's colour, or None: only this strict form reaches a style attribute."""
    if not isinstance(colour, str):
        return None
    colour = NAMED_COLOURS.get(colour, colour)
    return colour.lower() if _HEX.fullmatch(colour) else None


def text_colour(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (WCAG relative luminance)."""
    def channel(i: int) -> float:
        c = int(background[i:i + 2], 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    lum = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
    # contrast against black (lum + .05) / .05 vs against white 1.05 / (lum + .05)
    return "#000000" if (lum + 0.05) ** 2 > 0.0525 else "#ffffff"


def badge(label: str, colour: Any) -> Markup:
    """One choice as a small badge; the label escaped, the colour only if it is ``#rrggbb``."""
    bg = safe_colour(colour)
    if bg is None:
        return Markup('<span class="badge rb-choice">{}</span>').format(label)
    return Markup('<span class="badge rb-choice" style="background: {}; color: {}">{}</span>').format(
        bg, text_colour(bg), label)


def choice_label(choice: dict, lang: str) -> str:
    return (choice.get("label_zh") if lang.startswith("zh") else None) or choice.get("label") or choice["value"]


def badges(values: Iterable[str], choices: list[dict], lang: str) -> Markup:
    """Each value as its choice's badge (a value no longer among the choices: a plain badge of it)."""
    by_value = {c["value"]: c for c in choices}
    out = []
    for v in values:
        c = by_value.get(v)
        out.append(badge(v, None) if c is None else badge(choice_label(c, lang), c.get("color")))
    return Markup(" ").join(out)


def choice_values(value: Any, choices: list[dict]) -> Optional[list[str]]:
    """The choice values a stored text stands for: itself when it is one, else its parts joined by
    ', ' (a lookup of a multi select or of many records) when every part is one; None otherwise."""
    if not isinstance(value, str) or not choices:
        return None
    known = {c["value"] for c in choices}
    if value in known:
        return [value]
    parts = value.split(", ")
    return parts if len(parts) > 1 and all(p in known for p in parts) else None


def choices_text(values: list[str], choices: list[dict], lang: str) -> str:
    by_value = {c["value"]: c for c in choices}
    return ", ".join(choice_label(by_value[v], lang) for v in values)


def currency_text(amount: str, code: Optional[str]) -> str:
    """'¥420,000.00' for CNY, '-$5.00' for USD, 'CHF 12.00' for a code without a symbol here."""
    if not amount or not code:
        return amount
    symbol = CURRENCY_SYMBOLS.get(code)
    if symbol is None:
        return f"{code} {amount}"
    return f"-{symbol}{amount[1:]}" if amount.startswith("-") else f"{symbol}{amount}"


def strip_currency(text: str, code: Optional[str]) -> str:
    """Text of an amount without its code or symbol (what :func:`currency_text` wrote), for parsing."""
    text = text.strip()
    text = re.sub(r"^[A-Z]{3}\s+|\s+[A-Z]{3}$", "", text)
    sign = ""
    if text.startswith(("-", "+")):
        sign, text = text[0], text[1:]
    for symbol in sorted({CURRENCY_SYMBOLS.get(code or ""), *CURRENCY_SYMBOLS.values()} - {None}, key=len,
                         reverse=True):
        if text.startswith(symbol):
            text = text[len(symbol):]
            break
    return sign + text


def rounded(value: Any, places: int) -> Optional[Decimal]:
    """``value`` rounded half up to ``places`` decimals (None when it is not a finite number)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        d = value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else str(value))
        if not d.is_finite():
            return None
        return d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return None


def computed_number_text(value: Any, places: Optional[int]) -> str:
    """A computed number as text: with exactly ``places`` decimals when the field names them, else
    rounded to at most :data:`DEFAULT_COMPUTED_PLACES` with trailing zeros dropped (``98.97``,
    ``0.5``, ``12``); a non-zero value that would show as 0 keeps its digits."""
    if value is None:
        return ""
    if places is not None:
        d = rounded(value, places)
        return "" if d is None else f"{d:.{places}f}"
    d = rounded(value, DEFAULT_COMPUTED_PLACES)
    if d is None:
        return ""
    if d == 0 and value != 0:
        return str(value)
    text = f"{d:.{DEFAULT_COMPUTED_PLACES}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
