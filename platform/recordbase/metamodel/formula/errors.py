"""The one error the formula library raises: a refused formula, with where the problem is."""
from __future__ import annotations

from typing import Optional

from ...errors import ValidationError


class FormulaError(ValidationError):
    """A formula that cannot be saved: a syntax error, an unknown field or function,
    a wrong argument count or type, or a reference cycle.

    ``message`` is the full human sentence, ending with the position ("... at
    column 4", or "... at line 2, column 4" for formulas of several lines);
    ``reason`` is the problem alone, ``hint`` the advice that follows the
    position after a colon ("unexpected end of formula at column 4: expected a
    value"). ``line`` and
    ``column`` are 1-based and count characters, not bytes, so they are right
    for Chinese labels too. It is a :class:`ValidationError`, so an API or form
    that lets it through answers 422 with the message.
    """

    def __init__(self, reason: str, column: Optional[int] = None, line: int = 1, hint: Optional[str] = None):
        self.reason = reason
        self.line = line
        self.column = column
        self.hint = hint
        message = reason
        if column is not None:
            where = f"column {column}" if line == 1 else f"line {line}, column {column}"
            message = f"{reason} at {where}"
        if hint:
            message = f"{message}: {hint}"
        super().__init__(message, {"expression": [message]})

    @property
    def position(self) -> Optional[dict]:
        """``{"line": L, "column": C}`` or None when the problem has no single place."""
        if self.column is None:
            return None
        return {"line": self.line, "column": self.column}

    def __reduce__(self):  # keep the exception picklable despite the custom signature
        return (type(self), (self.reason, self.column, self.line, self.hint))
