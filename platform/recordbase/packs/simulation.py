"""A simulated runtime schema: the instance's record types plus a pack's, built in memory.

The validator checks a pack's fields, computed fields, rules, views and sample data against it
with the metamodel's own snapshot classes, so the very checks the metamodel service and the rule
service make when saving are made before anything touches the database.
"""
from __future__ import annotations

import itertools
from typing import Optional

from sqlalchemy import MetaData, Table

from ..metamodel.fieldtypes import FieldDef, ValueContext
from ..metamodel.runtime import RuntimeSchema, TypeDef


class SimulatedSchema:
    """Record types being simulated: the instance's (as they are) and the pack's (as they will be)."""

    def __init__(self, instance: Optional[RuntimeSchema]):
        self.instance = instance
        self.ids = itertools.count(1_000_000_000)
        self.meta: dict[str, dict] = {}
        self.fields: dict[str, list[FieldDef]] = {}
        self.type_ids: dict[str, int] = {}
        self.metadata = MetaData()

    def add_type(self, t: dict) -> None:
        tid = next(self.ids)
        self.type_ids[t["name"]] = tid
        self.meta[t["name"]] = t
        self.fields[t["name"]] = []

    def add_field(self, type_name: str, data: dict, options: Optional[dict] = None, position: int = 0) -> FieldDef:
        fd = FieldDef(id=next(self.ids), type_id=self.type_ids[type_name], name=data["name"], label=data["label"],
                      label_zh=data.get("label_zh"), field_type=data["type"], required=bool(data.get("required")),
                      unique=bool(data.get("unique")), indexed=bool(data.get("indexed")), default=data.get("default"),
                      help_text=data.get("help_text"), help_text_zh=data.get("help_text_zh"), options=dict(options if options is not None else data.get("options") or {}),
                      position=position, section=data.get("section"))
        self.fields[type_name].append(fd)
        return fd

    def has_type(self, name: str) -> bool:
        return name in self.meta or (self.instance is not None and name in self.instance.types)

    def schema(self) -> RuntimeSchema:
        types: dict[str, TypeDef] = {}
        if self.instance is not None:
            types.update({n: t for n, t in self.instance.types.items() if n not in self.meta})
        for name, t in self.meta.items():
            table = self.metadata.tables.get(f"rb_packsim_{name}")
            if table is None:
                table = Table(f"rb_packsim_{name}", self.metadata)
            types[name] = TypeDef(id=self.type_ids[name], name=name, label=t["label"], label_zh=t.get("label_zh"),
                                  description=t.get("description"), description_zh=t.get("description_zh"),
                                  app=t.get("app"),
                                  primary_field=t.get("primary_field"), position=t.get("position", 0),
                                  fields=tuple(self.fields[name]), table=table, junctions={},
                                  title_format=t.get("title_format"),
                                  clear_hidden_values=bool(t.get("clear_hidden_values")))
        return RuntimeSchema(0, types, self.metadata)


def validation_ctx() -> ValueContext:
    """Values are checked for shape only: any user and any linked record is taken to exist."""
    return ValueContext(resolve_user=lambda v: 1, user_email=lambda uid: "someone@example.com",
                        missing_links=lambda f, ids: set(), current_user_id=1)
