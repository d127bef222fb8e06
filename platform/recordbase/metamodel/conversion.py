"""Changing a field's type or storage: convert every stored value through the field types.

Values are read, converted (old type's output -> new type's parser), and only
then is the column replaced and the converted values written back, all inside
the caller's transaction. Values that cannot convert are reported by record
id and the change is refused unless ``force`` is given, in which case those
values (and only those) are cleared. A change that keeps the type but not every
value as it was (fewer decimal places: 1.235 would become 1.24) is refused the
same way, listing the values that would change; ``force`` accepts the change.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Integer, MetaData, Table, bindparam, select
from sqlalchemy.orm import Session

from ..errors import RecordbaseError
from .computed_fields import instance_timezone
from .fieldtypes import FieldDef, ValueContext
from .runtime import has_own_column, table_name

TEXT_TARGETS = {"text", "long_text", "email", "url", "phone"}
MAX_REPORTED = 1000


def _table(type_id: int, field: FieldDef) -> Table:
    return Table(table_name(type_id), MetaData(), Column("id", Integer, primary_key=True),
                 Column(field.column_name, field.ftype.column_type(field)))


def convert_value(value: Any, before: FieldDef, after: FieldDef, ctx: ValueContext) -> Any:
    """Convert one Python value of ``before`` into a value of ``after``; ValueError when it cannot."""
    if value is None or value == []:
        return after.ftype.clean(None, after, ctx)
    if after.field_type in TEXT_TARGETS:
        intermediate: Any = before.ftype.format(value, before, ctx)
    else:
        intermediate = before.ftype.conversion_value(value, before, ctx)
        if isinstance(intermediate, bool):
            intermediate = int(intermediate) if after.field_type != "boolean" else intermediate
    return after.ftype.clean(intermediate, after, ctx)


def convert_column(session: Session, ddl, type_id: int, before: FieldDef, after: FieldDef, force: bool) -> dict:
    if not (has_own_column(before) and has_own_column(after)):
        raise RecordbaseError(f"Cannot convert {before.field_type} to {after.field_type}")
    ctx = ValueContext(timezone=instance_timezone())  # a datetime becomes the date its users saw
    old = _table(type_id, before)
    rows = session.execute(select(old.c.id, old.c[before.column_name]).order_by(old.c.id)).all()
    converted: list[dict] = []
    failures: list[dict] = []
    changes: list[dict] = []  # same type, value not kept as it was
    same_type = before.field_type == after.field_type
    for rid, raw in rows:
        value = before.ftype.from_db(raw, before)
        try:
            new = convert_value(value, before, after, ctx)
        except ValueError as exc:
            failures.append({"id": rid, "value": before.ftype.format(value, before, ctx), "error": str(exc)})
            new = None
        else:
            if same_type and after.ftype.to_json(new, after, ctx) != before.ftype.to_json(value, before, ctx):
                changes.append({"id": rid, "value": before.ftype.format(value, before, ctx),
                                "becomes": after.ftype.format(new, after, ctx)})
        converted.append({"rid": rid, "v": after.ftype.to_db(new, after) if new not in (None, []) else None})
    if failures and not force:
        raise RecordbaseError(
            f"{len(failures)} value(s) cannot be converted from {before.field_type} to {after.field_type}: "
            "fix them, or force the change (\"force\": true) to clear them",
            {"record_ids": [f["id"] for f in failures][:MAX_REPORTED], "count": len(failures),
             "samples": failures[:20]},
            code="conversion_refused")
    if changes and not force:
        sample = ", ".join(f"{c['value']} → {c['becomes']}" for c in changes[:3])
        raise RecordbaseError(
            f"{len(changes)} value(s) would not be kept as they are ({sample}): "
            "force the change (\"force\": true) to accept it",
            {"record_ids": [c["id"] for c in changes][:MAX_REPORTED], "count": len(changes),
             "samples": changes[:20], "changes_values": True},
            code="conversion_refused")
    ddl.replace_column(type_id, before, after)
    new_table = _table(type_id, after)
    values = [c for c in converted if c["v"] is not None]
    if values:
        session.execute(new_table.update().where(new_table.c.id == bindparam("rid"))
                        .values({after.column_name: bindparam("v")}), values)
    return {"converted": len(values), "cleared": [f["id"] for f in failures], "changed": [c["id"] for c in changes]}

