"""How an import names its rows in the messages of a batch ("row 3" of the file)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..i18n import translate


class RowNames(Sequence):
    """"row N" of each row a batch creates, worded only when a message names one (a translation per
    row, made for every row whether a message needed it or not, was a fifth of an import)."""

    def __init__(self, numbers: list[int]):
        self.numbers = numbers

    def __len__(self) -> int:
        return len(self.numbers)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [translate("row %(n)s", n=n) for n in self.numbers[i]]
        return translate("row %(n)s", n=self.numbers[i])
