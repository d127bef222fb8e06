"""Roles: the four built-in ones, custom roles as design §10's JSON, and who holds which.

A role's ``permissions`` maps a record type's API name (or ``"*"``: every type not
named) to ``{"actions", "rows", "hidden_fields", "readonly_fields"}``:

- ``actions``: any of read, create, update, delete, export, import, configure;
- ``rows``: a filter of the filter language limiting the records the role reaches
  (``"@me"`` is the signed-in user: ``{"field": "manager", "op": "eq", "value": "@me"}``;
  ``{"field": "created_by", "op": "eq", "value": "@me"}`` is "records I created");
- ``hidden_fields``: fields the role never sees (lists, forms, details, API, export, history);
- ``readonly_fields``: fields the role sees but cannot write.

A user may hold several roles; their rights add up (see :mod:`.policy`).
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Optional

import jsonschema
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..errors import Conflict, FilterError, NotFound, ValidationError
from ..metamodel.filters import FILTER_SCHEMA, SYSTEM_PSEUDO_FIELDS, compile_filter
from ..metamodel.fieldtypes import ValueContext
from ..metamodel.runtime import RuntimeSchema
from ..models import User, utcnow
from .models import Role, UserRole

ACTIONS = ("read", "create", "update", "delete", "export", "import", "configure")
MAX_DEPTH = 24  # JSON levels of a row filter (a filter's 12 and/or/not levels take up to 24 JSON levels)
DATA_ACTIONS = ACTIONS[:-1]
ALL_TYPES = "*"
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")

def N_(text: str) -> str:
    """Marks a text for the catalogue without translating it here (the roles page translates it)."""
    return text


#: the built-in roles, strongest first; their permissions cannot be changed
BUILTIN: dict[str, dict] = {
    "owner": {"label": "Owner", "label_zh": "所有者",
              "description": N_("Everything, including users, roles and the audit log."),
              "permissions": {ALL_TYPES: {"actions": list(ACTIONS)}}},
    "builder": {"label": "Builder", "label_zh": "构建者",
                "description": N_("Configures record types, fields, rules and packs; reads and writes every record."),
                "permissions": {ALL_TYPES: {"actions": list(ACTIONS)}}},
    "editor": {"label": "Editor", "label_zh": "编辑者",
               "description": N_("Reads and writes every record; imports and exports."),
               "permissions": {ALL_TYPES: {"actions": list(DATA_ACTIONS)}}},
    "viewer": {"label": "Viewer", "label_zh": "查看者",
               "description": N_("Reads and exports every record; never writes."),
               "permissions": {ALL_TYPES: {"actions": ["read", "export"]}}},
}
BUILTIN_ORDER = tuple(BUILTIN)

_TYPE_PERMISSION = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "actions": {"type": "array", "items": {"type": "string", "enum": list(ACTIONS)}, "uniqueItems": True},
        "rows": {"oneOf": [{"type": "null"}, {"$ref": "#/$defs/node"}]},
        "hidden_fields": {"type": "array", "items": {"type": "string", "maxLength": 63}, "maxItems": 500},
        "readonly_fields": {"type": "array", "items": {"type": "string", "maxLength": 63}, "maxItems": 500},
    },
}
ROLE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object", "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "pattern": NAME_RE.pattern},
        "label": {"type": "string", "minLength": 1, "maxLength": 255},
        "label_zh": {"type": ["string", "null"], "maxLength": 255},
        "description": {"type": ["string", "null"], "maxLength": 5000},
        "permissions": {"type": "object", "maxProperties": 1000, "additionalProperties": _TYPE_PERMISSION,
                        "propertyNames": {"maxLength": 63, "minLength": 1}},
    },
    "$defs": FILTER_SCHEMA["$defs"],
}
_VALIDATOR = jsonschema.Draft202012Validator(ROLE_SCHEMA)


def role_json(role: Role, holders: Optional[int] = None) -> dict:
    out = {"name": role.name, "label": role.label, "label_zh": role.label_zh, "description": role.description,
           "builtin": bool(role.builtin), "permissions": role.permissions or {}}
    if holders is not None:
        out["users"] = holders
    return out


def ensure_builtin_roles(session: Session) -> dict[str, Role]:
    """The built-in roles, created when missing (the migration creates them; a fresh metadata.create_all may not)."""
    rows = {r.name: r for r in session.scalars(select(Role).where(Role.name.in_(BUILTIN_ORDER)))}
    for name, spec in BUILTIN.items():
        if name not in rows:
            role = Role(name=name, builtin=True, **spec)
            session.add(role)
            rows[name] = role
    session.flush()
    return rows


def get_role(session: Session, name: str, to_change: bool = False) -> Role:
    """The role named ``name``. A built-in role missing from the database is created when the caller
    is ``to_change`` it (or give it to a user); a read gets it unsaved, so that reading never writes
    (reads run in read-only sessions, which refuse writes)."""
    role = session.scalars(select(Role).where(Role.name == name)).first()
    if role is None:
        if name in BUILTIN:
            return ensure_builtin_roles(session)[name] if to_change else _unsaved_builtin(name)
        raise NotFound(f"No role named '{name}'", {"role": name})
    return role


def _unsaved_builtin(name: str) -> Role:
    return Role(name=name, builtin=True, **BUILTIN[name])


def known_role(session: Session, name: str) -> bool:
    return name in BUILTIN or session.scalars(select(Role.id).where(Role.name == name)).first() is not None


def list_roles(session: Session) -> list[Role]:
    """Every role, built-in ones first; a built-in role missing from the database is listed unsaved
    (see :func:`get_role`)."""
    rows = list(session.scalars(select(Role)).all())
    present = {r.name for r in rows}
    rows += [_unsaved_builtin(n) for n in BUILTIN if n not in present]
    rank = {n: i for i, n in enumerate(BUILTIN_ORDER)}
    return sorted(rows, key=lambda r: (0, rank[r.name]) if r.builtin and r.name in rank else (1, r.name))


def holders_count(session: Session, role: Role) -> int:
    return int(session.scalar(select(func.count()).select_from(UserRole).where(UserRole.role_id == role.id)) or 0)


# -- validation -------------------------------------------------------------------------
def _schema_problems(data: Any) -> None:
    perms = data.get("permissions")
    if isinstance(perms, dict):
        for type_name, spec in perms.items():
            if isinstance(spec, dict) and _nesting(spec.get("rows")) > MAX_DEPTH:
                raise ValidationError(f"Invalid role: permissions.{type_name}.rows: the filter is nested too deeply "
                                      f"(at most {MAX_DEPTH} levels)", {f"permissions.{type_name}.rows": ["too deep"]})
    errors = sorted(_VALIDATOR.iter_errors(data), key=lambda e: (len(list(e.absolute_path)), str(e.message)))
    if errors:
        details = {}
        for e in errors[:20]:
            path = ".".join(str(p) for p in e.absolute_path) or "body"
            details.setdefault(path, []).append(e.message if len(e.message) < 300 else e.message[:300] + "…")
        first = next(iter(details.items()))
        raise ValidationError(f"Invalid role: {first[0]}: {first[1][0]}", details)


def check_permissions(permissions: dict, schema: RuntimeSchema) -> dict:
    """Check type, field and filter names against the schema; the normalised permissions."""
    problems: dict[str, list[str]] = {}
    out: dict[str, dict] = {}
    ctx = ValueContext(current_user_id=-1)  # '@me' must compile; the real user is put in when it is used
    for type_name, spec in permissions.items():
        path = f"permissions.{type_name}"
        clean: dict[str, Any] = {"actions": [a for a in ACTIONS if a in (spec.get("actions") or [])]}
        if type_name == ALL_TYPES:
            for key in ("hidden_fields", "readonly_fields"):
                if spec.get(key):
                    problems.setdefault(f"{path}.{key}", []).append("name fields per record type, not under '*'")
            rows = spec.get("rows")
            if rows:
                bad = [n for n in _filter_fields(rows) if n not in SYSTEM_PSEUDO_FIELDS]
                if bad:
                    problems.setdefault(f"{path}.rows", []).append(
                        "under '*' a row filter may only use created_by, updated_by, created_at, updated_at or id")
                clean["rows"] = rows
            out[type_name] = clean
            continue
        typedef = schema.types.get(type_name)
        if typedef is None:
            problems.setdefault(path, []).append(f"no record type named '{type_name}'")
            continue
        for key in ("hidden_fields", "readonly_fields"):
            names = list(dict.fromkeys(spec.get(key) or []))
            unknown = [n for n in names if typedef.field(n) is None]
            if unknown:
                problems.setdefault(f"{path}.{key}", []).append(
                    f"record type '{type_name}' has no field(s) {', '.join(unknown)}")
            if names:
                clean[key] = names
        rows = spec.get("rows")
        if rows:
            try:
                compile_filter(rows, typedef, ctx)
            except FilterError as exc:
                problems.setdefault(f"{path}.rows", []).append(exc.message)
            clean["rows"] = rows
        out[type_name] = clean
    if problems:
        first = next(iter(problems.items()))
        raise ValidationError(f"Invalid role: {first[0]}: {first[1][0]}", problems)
    return out


def _nesting(node: Any, level: int = 0) -> int:
    """How deeply any JSON value nests (stops counting past MAX_DEPTH, so any input is cheap)."""
    if level > MAX_DEPTH:
        return level
    if isinstance(node, dict):
        return max([_nesting(v, level + 1) for v in node.values()] or [level])
    if isinstance(node, list):
        return max([_nesting(v, level + 1) for v in node] or [level])
    return level


def _filter_fields(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        if "field" in node:
            yield str(node["field"])
        for key in ("and", "or"):
            for child in node.get(key) or []:
                yield from _filter_fields(child)
        if "not" in node:
            yield from _filter_fields(node["not"])


# -- changes ------------------------------------------------------------------------------
def create_role(session: Session, data: Any, schema: RuntimeSchema) -> Role:
    if not isinstance(data, dict):
        raise ValidationError("The role must be a JSON object", {"body": ["must be an object"]})
    _schema_problems(data)
    missing = [k for k in ("name", "label") if not data.get(k)]
    if missing:
        raise ValidationError(f"A role needs {' and '.join(missing)}", {k: ["is required"] for k in missing})
    if session.scalars(select(Role).where(func.lower(Role.name) == data["name"].lower())).first() or \
            data["name"] in BUILTIN:
        raise Conflict(f"A role named '{data['name']}' already exists", {"name": ["already exists"]})
    role = Role(name=data["name"], label=data["label"], label_zh=data.get("label_zh"),
                description=data.get("description"), builtin=False,
                permissions=check_permissions(data.get("permissions") or {}, schema))
    session.add(role)
    session.flush()
    return role


def update_role(session: Session, role: Role, data: Any, schema: RuntimeSchema) -> Role:
    if not isinstance(data, dict):
        raise ValidationError("The role must be a JSON object", {"body": ["must be an object"]})
    _schema_problems(data)
    if role.builtin:
        changing = {k for k in data if k in ("name", "permissions") and data[k] != getattr(role, k)}
        if changing:
            raise Conflict(f"'{role.name}' is a built-in role: its name and permissions cannot change",
                           {k: ["built-in"] for k in sorted(changing)})
    if "name" in data and data["name"] != role.name:
        if session.scalars(select(Role).where(func.lower(Role.name) == data["name"].lower())).first() or \
                data["name"] in BUILTIN:
            raise Conflict(f"A role named '{data['name']}' already exists", {"name": ["already exists"]})
        old = role.name
        role.name = data["name"]
        session.execute(User.__table__.update().where(User.role == old).values(role=role.name))
    for key in ("label", "label_zh", "description"):
        if key in data:
            setattr(role, key, data[key])
    if "permissions" in data and not role.builtin:
        role.permissions = check_permissions(data["permissions"] or {}, schema)
    role.updated_at = utcnow()
    session.flush()
    return role


def delete_role(session: Session, role: Role) -> None:
    if role.builtin:
        raise Conflict(f"'{role.name}' is a built-in role and cannot be deleted", {"name": ["built-in"]})
    n = holders_count(session, role)
    if n:
        raise Conflict(f"{n} user(s) hold the role '{role.name}'; give them another role first",
                       {"users": n}, code="restricted")
    session.delete(role)
    session.flush()


# -- assignments ----------------------------------------------------------------------------
def user_roles(session: Session, user: User) -> list[Role]:
    """The roles a user holds (a user from before roles existed: their ``role`` column)."""
    rows = session.scalars(select(Role).join(UserRole, UserRole.role_id == Role.id)
                           .where(UserRole.user_id == user.id)).all()
    if rows:
        return sort_roles(rows)
    if user.role:
        try:
            return [get_role(session, user.role)]
        except NotFound:
            return []
    return []


def sort_roles(roles: Iterable[Role]) -> list[Role]:
    rank = {n: i for i, n in enumerate(BUILTIN_ORDER)}
    return sorted(roles, key=lambda r: (rank.get(r.name, len(rank)) if r.builtin else len(rank), r.name))


def set_user_roles(session: Session, user: User, names: Any) -> list[Role]:
    """Give ``user`` exactly these roles; ``user.role`` keeps the strongest (what older code reads)."""
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValidationError("'roles' must be a list of role names", {"roles": ["must be a list of role names"]})
    roles = []
    unknown = []
    for n in dict.fromkeys(names):
        try:
            roles.append(get_role(session, n, to_change=True))
        except NotFound:
            unknown.append(n)
    if unknown:
        raise ValidationError(f"Unknown role(s): {', '.join(unknown)}", {"roles": [f"no role named '{n}'" for n in unknown]})
    session.flush()
    session.execute(delete(UserRole).where(UserRole.user_id == user.id))
    for r in roles:
        session.add(UserRole(user_id=user.id, role_id=r.id))
    roles = sort_roles(roles)
    user.role = roles[0].name if roles else ""
    session.flush()
    return roles
