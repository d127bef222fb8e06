"""Typed record events, emitted by the record store for history and automation to consume."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass(frozen=True)
class RecordEvent:
    type_name: str
    record_id: int
    user_id: Optional[int]
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    action: str = ""

    def changed_fields(self) -> list[str]:
        keys = set(self.before) | set(self.after)
        return sorted(k for k in keys if self.before.get(k) != self.after.get(k))


@dataclass(frozen=True)
class RecordCreated(RecordEvent):
    action: str = "create"


@dataclass(frozen=True)
class RecordUpdated(RecordEvent):
    action: str = "update"


@dataclass(frozen=True)
class RecordDeleted(RecordEvent):
    action: str = "delete"


@dataclass(frozen=True)
class RecordRestored(RecordEvent):
    action: str = "restore"
