"""A fast streaming reader of one XLSX worksheet's cell values (expat, no cell objects).

openpyxl's read-only mode builds descriptor-checked objects for every cell (about 30 µs a
cell); an import only needs values. This reader walks the sheet's XML with expat and
returns what openpyxl's ``values_only`` would: shared and inline strings, numbers (int when
whole), booleans, cached results of formulas, dates for cells whose style is a date format
(openpyxl's own list of date styles is reused), error values as their text ('#N/A').
Rows missing from the file come back empty, so row numbers stay those Excel shows.
"""
from __future__ import annotations

import zipfile
from datetime import datetime, timedelta
from typing import IO, Any, Iterator, Optional
from xml.parsers import expat

CHUNK = 256 * 1024


class UncalculatedFormula(str):
    """A formula cell the file holds no result for (written by a program that does not calculate,
    never opened in Excel): its text is the formula. The importer refuses it with the row and
    column rather than importing an empty value."""

    def __repr__(self) -> str:
        return f"UncalculatedFormula({str(self)!r})"


def _col(ref: str) -> int:
    n = 0
    for ch in ref:
        o = ord(ch)
        if 65 <= o <= 90:
            n = n * 26 + (o - 64)
        else:
            break
    return n - 1


def _row_of(ref: str) -> int:
    i = 0
    while i < len(ref) and not ref[i].isdigit():
        i += 1
    return int(ref[i:]) if i < len(ref) else 0


def iter_sheet_values(fileobj: IO[bytes], member: str, shared: list, date_styles: set,
                      epoch: datetime, min_row: int = 1, styles: Optional[dict] = None
                      ) -> Iterator[tuple[int, list]]:
    """(row number, values) for every row from ``min_row`` on; with ``styles``, the style index of
    every number cell is recorded there by (row, column)."""
    zf = zipfile.ZipFile(fileobj)
    state: dict[str, Any] = {"row": 0, "cells": {}, "col": 0, "t": None, "s": 0, "text": None,
                             "in_is": False, "v": None, "is": None, "auto_col": 0, "f": None}
    done: list[tuple[int, list]] = []
    buf: list[str] = []

    def start(name: str, attrs: dict) -> None:
        if name == "c":
            ref = attrs.get("r")
            state["col"] = _col(ref) if ref else state["auto_col"]
            state["auto_col"] = state["col"] + 1
            state["t"] = attrs.get("t")
            s = attrs.get("s")
            state["s"] = int(s) if s else 0
            state["v"] = None
            state["is"] = None
            state["f"] = None
        elif name == "f":
            buf.clear()
            state["text"] = "f"
            state["f"] = ""
        elif name == "v":
            buf.clear()
            state["text"] = "v"
        elif name == "is":
            state["in_is"] = True
            state["is"] = []
        elif name == "t" and state["in_is"]:
            buf.clear()
            state["text"] = "t"
        elif name == "rPh":  # phonetic hints inside rich text: not part of the value
            state["text"] = None
        elif name == "row":
            r = attrs.get("r")
            state["row"] = int(r) if r else state["row"] + 1
            state["cells"] = {}
            state["auto_col"] = 0

    def chars(data: str) -> None:
        if state["text"]:
            buf.append(data)

    def end(name: str) -> None:
        if name == "f":
            state["f"] = "".join(buf)
            state["text"] = None
        elif name == "v":
            state["v"] = "".join(buf)
            state["text"] = None
        elif name == "t" and state["in_is"]:
            if state["text"] == "t":
                state["is"].append("".join(buf))
            state["text"] = None
        elif name == "is":
            state["in_is"] = False
        elif name == "c":
            value = _value(state["t"], state["v"], state["is"], state["s"])
            if state["f"] is not None and not state["v"] and state["t"] in (None, "n", "d"):
                value = UncalculatedFormula("=" + state["f"] if state["f"] else "=")  # shared formula: no text here
            if value is not None:
                state["cells"][state["col"]] = value
                if styles is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
                    styles[(state["row"], state["col"])] = state["s"]
        elif name == "row":
            if state["row"] >= min_row:
                cells = state["cells"]
                width = max(cells) + 1 if cells else 0
                done.append((state["row"], [cells.get(i) for i in range(width)]))

    def _value(t: Optional[str], v: Optional[str], inline: Optional[list], style: int) -> Any:
        if t == "inlineStr":
            return "".join(inline) if inline else None
        if v is None:
            return None
        if t == "s":
            try:
                return shared[int(v)]
            except (ValueError, IndexError):
                return None
        if t in ("str", "e"):
            return v
        if t == "b":
            return v.strip() == "1"
        if t == "d":
            try:
                return datetime.fromisoformat(v)
            except ValueError:
                return v
        try:
            num: Any = int(v) if v.isdigit() or (v[:1] == "-" and v[1:].isdigit()) else float(v)
        except ValueError:
            return v
        if style in date_styles:
            try:
                return epoch + timedelta(days=float(num))
            except (OverflowError, ValueError):
                return num
        if isinstance(num, float) and num.is_integer() and abs(num) < 2**53:
            return int(num)
        return num

    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    expected = min_row
    with zf.open(member) as fh:
        while True:
            chunk = fh.read(CHUNK)
            parser.Parse(chunk, not chunk)
            for number, values in done:
                while expected < number:  # rows missing from the file are empty rows
                    yield expected, []
                    expected += 1
                yield number, values
                expected = number + 1
            done.clear()
            if not chunk:
                break
