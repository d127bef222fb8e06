"""The one ``Policy`` every surface consults: what a user (through a token, a session or a public form) may do.

A policy answers, per record type:

- ``can(action, type)`` / ``require(action, type)`` — read, create, update, delete, export,
  import, configure (403 ``forbidden`` with the error body on denial);
- ``rows(action, type)`` — the row filter limiting the records the action reaches (None: all);
- ``hidden(type)`` / ``readonly(type)`` — field-level limits; ``visible(typedef)`` is the type
  as this user sees it (hidden fields left out), for filters, sorts, search, forms, OpenAPI.

and globally ``can_configure()``, ``can_manage_users()``, ``can_read_audit()``.

Rights of several roles add up: an action is allowed when any role allows it, its rows are
the union of those roles' rows (a role without a row limit reaches every record), a field is
hidden only when every role that may read hides it, and read-only only when every role that
may write keeps it read-only. A token narrows its user's rights: read-only (read and export
only) and/or to some record types.

The record store (:class:`recordbase.storage.RecordStore`) holds a policy and applies it on
every list, count, get, create, update, delete, restore and purge and in ``to_json``; the
API, the admin, OpenAPI, export and import ask the same object. A store without a policy
(the CLI, the worker, automation actions) is unrestricted.
"""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field, replace
from typing import Any, Iterable, Optional

from sqlalchemy.orm import Session

from ..errors import Forbidden
from ..metamodel.runtime import TypeDef
from .roles import ACTIONS, ALL_TYPES, BUILTIN

READ_ONLY_ACTIONS = frozenset({"read", "export"})


@dataclass(frozen=True)
class RoleSpec:
    """What the policy needs of one role (a plain snapshot: no database object is kept)."""

    name: str
    builtin: bool
    permissions: dict


@dataclass
class TypeRules:
    """The merged rights of all of a user's roles on one record type."""

    actions: frozenset
    rows: dict = dc_field(default_factory=dict)  # action -> None (every record) or a list of filters (any)
    hidden: frozenset = frozenset()
    readonly: frozenset = frozenset()


NO_RIGHTS = TypeRules(frozenset())


def merge(specs: list[dict]) -> TypeRules:
    """Merge the per-type permission objects of several roles (see the module docstring)."""
    actions: set[str] = set()
    rows: dict[str, Optional[list]] = {}
    hidden: Optional[set] = None
    readonly: Optional[set] = None
    for spec in specs:
        acts = set(spec.get("actions") or [])
        actions |= acts
        for a in acts:
            limit = spec.get("rows")
            if not limit:
                rows[a] = None
            elif rows.get(a, []) is not None:
                rows.setdefault(a, []).append(limit)
        h = set(spec.get("hidden_fields") or [])
        if "read" in acts:
            hidden = h if hidden is None else hidden & h
        if acts & {"create", "update"}:
            ro = h | set(spec.get("readonly_fields") or [])
            readonly = ro if readonly is None else readonly & ro
    hidden = hidden or set()
    return TypeRules(frozenset(actions), rows, frozenset(hidden), frozenset((readonly or set()) - hidden))


class Policy:
    """A user's rights (see the module docstring). Build with :meth:`for_user` or :meth:`for_form`."""

    def __init__(self, user_id: Optional[int], roles: Iterable[RoleSpec], read_only: bool = False,
                 types: Optional[Iterable[str]] = None, label: str = "") -> None:
        self.user_id = user_id
        self.roles = tuple(roles)
        self.read_only = bool(read_only)
        self.types = frozenset(types) if types else None
        self.label = label
        self._rules: dict[str, TypeRules] = {}
        self._visible: dict[int, tuple[TypeDef, TypeDef]] = {}

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def for_user(cls, session: Session, user: Any, token: Any = None) -> "Policy":
        from .roles import user_roles

        if user is None or not user.is_active:
            return cls.nobody()
        roles = [RoleSpec(r.name, bool(r.builtin), dict(r.permissions or {})) for r in user_roles(session, user)]
        return cls(user.id, roles, read_only=bool(token is not None and token.read_only),
                   types=(getattr(token, "types", None) or None) if token is not None else None, label=user.email)

    @classmethod
    def nobody(cls) -> "Policy":
        return cls(None, (), label="anonymous")

    @classmethod
    def for_builtin(cls, user_id: Optional[int], role: str) -> "Policy":
        spec = BUILTIN[role]
        return cls(user_id, [RoleSpec(role, True, spec["permissions"])], label=role)

    @classmethod
    def for_form(cls, type_name: str, fields: Iterable[str], typedef: TypeDef, label: str) -> "Policy":
        """A public form: create records of one type, writing only the form's fields."""
        shown = set(fields)
        hidden = [f.name for f in typedef.fields if f.name not in shown]
        spec = {"actions": ["create"], "hidden_fields": hidden}
        policy = cls(None, [RoleSpec("public_form", False, {type_name: spec})], label=label)
        policy._rules[type_name] = TypeRules(frozenset({"create"}), {"create": None}, frozenset(hidden), frozenset())
        return policy

    # -- names ---------------------------------------------------------------------------------
    @property
    def role_names(self) -> list[str]:
        return [r.name for r in self.roles]

    def has_role(self, name: str) -> bool:
        return any(r.builtin and r.name == name for r in self.roles)

    # -- per type --------------------------------------------------------------------------------
    def rules(self, type_name: str) -> TypeRules:
        found = self._rules.get(type_name)
        if found is None:
            found = self._rules[type_name] = self._merge(type_name)
        return found

    def _merge(self, type_name: str) -> TypeRules:
        if self.types is not None and type_name not in self.types:
            return NO_RIGHTS
        specs = []
        for r in self.roles:
            spec = r.permissions.get(type_name)
            if spec is None:
                spec = r.permissions.get(ALL_TYPES)
            if spec:
                specs.append(spec)
        rules = merge(specs)
        if "configure" not in rules.actions and self._configures_all():
            rules = replace(rules, actions=rules.actions | {"configure"})  # whoever configures all, configures each
        if self.read_only:
            rules = TypeRules(rules.actions & READ_ONLY_ACTIONS,
                              {a: v for a, v in rules.rows.items() if a in READ_ONLY_ACTIONS},
                              rules.hidden, rules.readonly)
        return rules

    def can(self, action: str, type_name: str) -> bool:
        return action in self.rules(type_name).actions

    def require(self, action: str, type_name: str) -> None:
        if not self.can(action, type_name):
            raise Forbidden(_denied(action, type_name), {"action": action, "type": type_name})

    def rows(self, action: str, type_name: str) -> Optional[Any]:
        """The row filter of ``action`` on the type (None: every record)."""
        limits = self.rules(type_name).rows.get(action)
        if not limits:
            return None
        return limits[0] if len(limits) == 1 else {"or": list(limits)}

    def hidden(self, type_name: str) -> frozenset:
        return self.rules(type_name).hidden

    def readonly(self, type_name: str) -> frozenset:
        return self.rules(type_name).readonly

    def visible(self, typedef: TypeDef) -> TypeDef:
        """The type as this user sees it: hidden fields left out (same table, same name)."""
        hidden = self.hidden(typedef.name)
        if not hidden:
            return typedef
        cached = self._visible.get(id(typedef))
        if cached is not None and cached[0] is typedef:
            return cached[1]
        view = replace(typedef, fields=tuple(f for f in typedef.fields if f.name not in hidden))
        self._visible[id(typedef)] = (typedef, view)
        return view

    def signature(self, type_name: str) -> tuple:
        """What shapes a type's admin pages for this user (delegates are cached by it)."""
        r = self.rules(type_name)
        return (tuple(sorted(r.hidden)), tuple(sorted(r.readonly)))

    def readable(self, type_names: Iterable[str]) -> list[str]:
        return [n for n in type_names if self.can("read", n)]

    # -- global ------------------------------------------------------------------------------------
    def can_configure(self, type_name: Optional[str] = None) -> bool:
        """Change record types and fields (``type_name`` None: create types, rules, packs)."""
        if self.read_only:
            return False
        if type_name is None:
            return self.types is None and self._configures_all()
        return self.can("configure", type_name)

    def _configures_all(self) -> bool:
        return any("configure" in ((r.permissions.get(ALL_TYPES) or {}).get("actions") or []) for r in self.roles)

    def can_manage_users(self) -> bool:
        """Users, roles and their rights (owners only; a type-scoped token never)."""
        return self.has_role("owner") and self.types is None

    def can_read_audit(self) -> bool:
        return self.has_role("owner") and self.types is None

    def describe(self) -> dict:
        return {"roles": self.role_names, "read_only": self.read_only,
                "types": sorted(self.types) if self.types is not None else None}


def _denied(action: str, type_name: str) -> str:
    verbs = {"read": "read", "create": "create", "update": "change", "delete": "delete",
             "export": "export", "import": "import into", "configure": "configure"}
    verb = verbs.get(action, action)
    if action in ("read", "update", "delete", "export"):
        return f"You are not allowed to {verb} {type_name} records"
    if action == "create":
        return f"You are not allowed to create {type_name} records"
    if action == "import":
        return f"You are not allowed to import into {type_name}"
    return f"You are not allowed to configure the record type {type_name}"


assert set(READ_ONLY_ACTIONS) <= set(ACTIONS)
