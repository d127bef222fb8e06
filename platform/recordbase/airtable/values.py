"""Values and schemas in Airtable's shapes.

Reading: ``{"id": "rec…", "createdTime": "…Z", "fields": {label: value}}`` with empty values
left out (as Airtable does); choices by their (English) label; links as lists of ``rec…``
ids; users as ``{"id", "email", "name"}``; percentages as fractions (0.85 for 85 %);
attachments as ``[{"id", "url", "filename", "size", "type"}]``.

Writing: the same shapes back (choices by label or value, links as ``rec…`` ids or one id,
users by ``{"email"}``/``{"id"}``). Without ``typecast`` a value must already have the right
JSON type (a number for a number field ...), as Airtable insists; with ``typecast`` text is
read the way an import reads it (numbers from '1,200', dates in several forms, links by the
linked record's primary field, users by e-mail or name).
"""
from __future__ import annotations

import zlib
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Optional

from ..dataio.parsing import Lookups, preparer
from ..metamodel.fieldtypes import FieldDef
from ..metamodel.fieldtypes.choices import choice_label, normalize_choices
from ..metamodel.runtime import TypeDef
from .common import field_id, field_or_fail, invalid, make_id, parse_id, record_id, table_id, user_id

AIRTABLE_TYPES = {
    "text": "singleLineText", "long_text": "multilineText", "email": "email", "url": "url", "phone": "phoneNumber",
    "number": "number", "decimal": "number", "currency": "currency", "percent": "percent", "rating": "rating",
    "duration": "duration", "boolean": "checkbox", "date": "date", "datetime": "dateTime",
    "single_select": "singleSelect", "multi_select": "multipleSelects", "link": "multipleRecordLinks",
    "user": "singleCollaborator", "attachment": "multipleAttachments", "autonumber": "autoNumber",
    "formula": "formula", "lookup": "multipleLookupValues", "rollup": "rollup", "count": "count",
    "created_at": "createdTime", "updated_at": "lastModifiedTime", "created_by": "createdBy",
    "updated_by": "lastModifiedBy",
}
SYMBOLS = {"CNY": "¥", "JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "HKD": "HK$"}


def iso_z(dt: Optional[datetime]) -> Optional[str]:
    if dt is None:
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _number(v: Any) -> Any:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    return v


def _is_empty(v: Any) -> bool:
    return v is None or v == "" or v == [] or v is False


# -- reading ---------------------------------------------------------------------------------
def cell_json(store: Any, f: FieldDef, v: Any) -> Any:
    ft = f.field_type
    if ft in ("single_select",):
        return None if v is None else _label(f, v)
    if ft == "multi_select":
        return [_label(f, x) for x in v or []]
    if ft == "link":
        if v is None or v == []:
            return None
        return [record_id(x) for x in (v if isinstance(v, list) else [v])]
    if ft in ("user", "created_by", "updated_by"):
        if v is None:
            return None
        email = store.ctx.user_email(v)
        return {"id": user_id(v), "email": email, "name": _user_name(store, v) or email}
    if ft == "attachment":
        return [{"id": "att" + str(a.get("key", "")), "url": f"/api/v1/attachments/{a.get('key')}",
                 "filename": a.get("name"), "size": a.get("size"), "type": a.get("content_type")} for a in v or []]
    if ft == "percent":
        return None if v is None else _number(Decimal(repr(v)) / 100 if isinstance(v, float) else Decimal(v) / 100)
    if isinstance(v, datetime):
        return iso_z(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, (Decimal, float)):
        return _number(v)
    return v


def _label(f: FieldDef, value: str) -> str:
    for c in normalize_choices(f.options):
        if c["value"] == value:
            return choice_label(c, "en")
    return value


def _user_name(store: Any, uid: int) -> Optional[str]:
    cache = store.__dict__.setdefault("_display_names", {})
    if uid not in cache:
        from sqlalchemy import select

        from ..models import User

        cache[uid] = store.session.scalar(select(User.display_name).where(User.id == uid))
    return cache[uid]


def record_json(store: Any, typedef: TypeDef, record: Any, wanted: Optional[set] = None, by_id: bool = False,
                as_string: bool = False) -> dict:
    fields = {}
    for f in typedef.fields:
        if wanted is not None and f.name not in wanted:
            continue
        v = record.values.get(f.name)
        if as_string:
            text = f.ftype.format(v, f, store.ctx) if f.field_type != "link" else \
                ", ".join(record_id(x) for x in (v if isinstance(v, list) else [v] if v else []))
            out = text or None
        else:
            out = cell_json(store, f, v)
        if _is_empty(out):
            continue
        fields[field_id(f) if by_id else f.label] = out
    return {"id": record_id(record.id), "createdTime": iso_z(record.created_at), "fields": fields}


# -- writing ---------------------------------------------------------------------------------
class Writer:
    """Airtable ``fields`` objects -> the record store's input (API names -> values)."""

    def __init__(self, store: Any, typedef: TypeDef, typecast: bool):
        self.store = store
        self.typedef = typedef
        self.typecast = typecast
        self.lookups = Lookups(store) if typecast else None
        self._preps: dict[str, Any] = {}

    def values(self, fields: Any, replace: bool = False) -> dict:
        if not isinstance(fields, dict):
            raise invalid("INVALID_REQUEST_MISSING_FIELDS", "Could not find field \"fields\" in the request body")
        out: dict = {}
        for name, raw in fields.items():
            f = field_or_fail(self.typedef, name)
            if f.ftype.read_only:
                raise invalid("INVALID_VALUE_FOR_COLUMN",
                              f'Field "{f.label}" cannot accept a value because the field is computed')
            out[f.name] = self.value(f, raw)
        if replace:  # PUT: every writable field not given is cleared (not a workflow's state: transitions move it)
            from ..workflow.service import workflow_of

            wf = workflow_of(self.store.session, self.store.type(self.typedef.name))
            kept = wf.state_field if wf is not None else None
            for f in self.typedef.writable_fields():
                if f.name not in out and f.field_type != "attachment" and f.name != kept:
                    out[f.name] = None
        return out

    def _bad(self, f: FieldDef, raw: Any, why: str = "") -> Exception:
        shown = repr(raw) if not isinstance(raw, str) else f'"{raw}"'
        return invalid("INVALID_VALUE_FOR_COLUMN",
                       f'Field "{f.label}" cannot accept the provided value{": " + why if why else ""} ({shown[:80]})')

    def value(self, f: FieldDef, raw: Any) -> Any:
        ft = f.field_type
        if raw is None:
            return [] if ft in ("multi_select", "attachment") or (ft == "link" and f.options.get("many")) else None
        if ft == "link":
            if self.typecast and isinstance(raw, str) and parse_id("rec", raw) is None:
                return self._typecast(f, raw)  # names, split on , ; 、 as an import reads them
            items = raw if isinstance(raw, list) else [raw]
            ids = []
            for item in items:
                if isinstance(item, dict):
                    item = item.get("id")
                rid = parse_id("rec", item)
                if rid is None:
                    if self.typecast and isinstance(item, str):
                        try:
                            rid = self.lookups.link_id(f, item)
                        except ValueError as exc:
                            raise self._bad(f, item, str(exc)) from None
                    else:
                        raise self._bad(f, item, "record ids (rec…) are expected")
                ids.append(rid)
            if not f.options.get("many"):
                if len(ids) > 1:
                    raise self._bad(f, raw, "this field links to one record")
                return ids[0] if ids else None
            return ids
        if ft == "user":
            if isinstance(raw, dict):
                uid = parse_id("usr", raw.get("id")) if raw.get("id") else None
                if uid is not None:
                    return uid
                if raw.get("email"):
                    return raw["email"]
                raise self._bad(f, raw, "give the user's id or email")
            if isinstance(raw, str) and (self.typecast or "@" in raw):
                return self._typecast(f, raw) if self.typecast else raw
            raise self._bad(f, raw)
        if ft == "attachment":
            items = raw if isinstance(raw, list) else [raw]
            keys = []
            for item in items:
                key = item.get("id") if isinstance(item, dict) else None
                if isinstance(key, str) and key.startswith("att"):
                    keys.append(key[3:])
                elif isinstance(item, dict) and item.get("url"):
                    raise self._bad(f, item, "attachments by URL are not fetched; upload through "
                                             "/api/v1/attachments and give the returned key")
                else:
                    keys.append(item.get("key") if isinstance(item, dict) else item)
            return keys
        if ft == "percent" and isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return float(Decimal(repr(raw)) * 100) if isinstance(raw, float) else raw * 100
        if self.typecast:
            if ft in ("single_select",) and not isinstance(raw, str):
                raw = str(raw)
            if isinstance(raw, str) or (ft == "multi_select" and isinstance(raw, list)):
                return self._typecast(f, raw)
            return raw
        # strict (no typecast): the JSON type must fit, as Airtable checks it
        expected = {"number": (int, float), "decimal": (int, float), "currency": (int, float),
                    "rating": (int,), "duration": (int, float), "boolean": (bool,),
                    "multi_select": (list,)}.get(ft, (str,))
        if isinstance(raw, bool) and ft != "boolean" or not isinstance(raw, expected):
            raise self._bad(f, raw)
        return raw

    def _typecast(self, f: FieldDef, raw: Any) -> Any:
        prep = self._preps.get(f.name)
        if prep is None:
            prep = self._preps[f.name] = preparer(f, self.lookups)
        try:
            return prep(raw)
        except ValueError as exc:
            raise self._bad(f, raw, str(exc)) from None


# -- schema ----------------------------------------------------------------------------------
def field_schema(schema: Any, typedef: TypeDef, f: FieldDef, tz: str, lang: str = "en") -> dict:
    """One field as Airtable's schema gives it. Names stay English (clients address fields and choices by
    them); the description, which only people read, is in ``lang`` when there is one in it."""
    ft = f.field_type
    out: dict = {"id": field_id(f), "name": f.label, "type": AIRTABLE_TYPES.get(ft, "singleLineText")}
    description = f.display_help(lang)
    if description:
        out["description"] = description
    o = f.options
    options: Optional[dict] = None
    if ft in ("number", "decimal", "percent"):
        options = {"precision": int(o.get("precision", 2 if ft == "decimal" else 0))}
    elif ft == "currency":
        options = {"precision": int(o.get("precision", 2)), "symbol": SYMBOLS.get(o.get("code", ""), o.get("code", "¤"))}
    elif ft == "rating":
        options = {"color": "yellowBright", "icon": o.get("icon", "star"), "max": int(o.get("max", 5))}
    elif ft == "boolean":
        options = {"color": "greenBright", "icon": "check"}
    elif ft == "date":
        options = {"dateFormat": {"format": "YYYY-MM-DD", "name": "iso"}}
    elif ft == "datetime":
        options = {"timeZone": tz, "dateFormat": {"format": "YYYY-MM-DD", "name": "iso"},
                   "timeFormat": {"format": "HH:mm", "name": "24hour"}}
    elif ft == "duration":
        options = {"durationFormat": "h:mm:ss"}
    elif ft in ("single_select", "multi_select"):
        options = {"choices": [{"id": "sel" + format(zlib.crc32(f"{f.id}:{c['value']}".encode()), "014d"),
                                "name": choice_label(c, "en"), "color": c.get("color") or "blueLight2"}
                               for c in normalize_choices(o)]}
    elif ft == "link":
        target = schema.types.get(o.get("target", ""))
        options = {"isReversed": False, "linkedTableId": table_id(target) if target else "",
                   "prefersSingleRecordLink": not o.get("many")}
    elif ft == "attachment":
        options = {"isReversed": False}
    elif ft == "formula":
        options = {"formula": o.get("expression", ""), "isValid": True, "referencedFieldIds": [
            field_id(x) for x in typedef.fields if x.name in (o.get("depends_on") or [])]}
    elif ft in ("lookup", "rollup"):
        link = typedef.field(str(o.get("link", "")))
        options = {"isValid": True, "recordLinkFieldId": field_id(link) if link else None}
    elif ft == "count":
        link = typedef.field(str(o.get("link", "")))
        options = {"isValid": True, "recordLinkFieldId": field_id(link) if link else None}
    elif ft == "updated_at":
        options = {"isValid": True, "referencedFieldIds": []}
    if options is not None:
        out["options"] = options
    return out


def table_schema(schema: Any, typedef: TypeDef, tz: str, lang: str = "en") -> dict:
    """One table as Airtable's schema gives it; descriptions in ``lang`` (see :func:`field_schema`)."""
    fields = [field_schema(schema, typedef, f, tz, lang) for f in typedef.fields]
    primary = typedef.title_field or (typedef.fields[0] if typedef.fields else None)
    out = {"id": table_id(typedef), "name": typedef.label, "primaryFieldId": field_id(primary) if primary else "",
           "fields": fields, "views": [{"id": make_id("viw", typedef.id), "name": "Grid view", "type": "grid"}]}
    description = typedef.display_description(lang)
    if description:
        out["description"] = description
    return out
