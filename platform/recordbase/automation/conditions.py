"""Rule conditions: a filter-language tree (design §4), plus comparisons with previous values.

Besides every filter operator, a condition of a ``record_updated`` rule may use

- ``{"field": "status", "op": "changed"}`` — the value differs from before the write;
- ``{"field": "status", "op": "changed_to", "value": "closed"}`` — it changed, and now equals the value;
- ``{"field": "status", "op": "changed_from", "value": "open"}`` — it changed, and before equalled the value.

A tree without these compiles to one :class:`~recordbase.metamodel.filters.CompiledFilter`
(so scheduled and date-relative rules select their records in SQL). A tree with them is
evaluated node by node: each plain leaf is its own compiled filter. Errors name the JSON path
from the rule's root (``$.condition.and[1].field``).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Optional

from ..errors import FilterError
from ..metamodel.fieldtypes import ValueContext
from ..metamodel.filters import Clock, CompiledFilter, compile_filter, resolve_field
from ..metamodel.runtime import TypeDef

CHANGE_OPS = ("changed", "changed_to", "changed_from")


class ConditionError(Exception):
    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def _uses_change_ops(node: Any) -> bool:
    if isinstance(node, dict):
        if node.get("op") in CHANGE_OPS:
            return True
        return any(_uses_change_ops(c) for k in ("and", "or") for c in (node.get(k) or []) if isinstance(node.get(k), list)) \
            or ("not" in node and _uses_change_ops(node["not"]))
    return False


def _rebase(exc: FilterError, root: str) -> ConditionError:
    path = (exc.details or {}).get("path", "$") if isinstance(exc.details, dict) else "$"
    message = exc.message
    if message.startswith(path + ":"):
        message = message[len(path) + 1:].strip()
    return ConditionError(root + path[1:], message)


@dataclass
class _Change:
    field: str
    op: str
    value: Any

    def matches(self, before: dict, after: dict) -> bool:
        old, new = before.get(self.field), after.get(self.field)
        if old == new:
            return False
        if self.op == "changed":
            return True
        probe = new if self.op == "changed_to" else old
        if isinstance(probe, list) and not isinstance(self.value, list):
            return self.value in probe
        return probe == self.value


@dataclass
class _Node:
    kind: str  # and | or | not | leaf | change
    children: tuple = ()
    leaf: Optional[CompiledFilter] = None
    change: Optional[_Change] = None


class Condition:
    """A compiled rule condition. ``matches(after, before)``; ``sql_filter`` when SQL can select it."""

    def __init__(self, tree: Any, root: Optional[_Node], whole: Optional[CompiledFilter]):
        self.tree = tree
        self._root = root
        self.whole = whole  # the whole condition as one filter (no change operators)

    @property
    def uses_changes(self) -> bool:
        return self._root is not None

    def at(self, clock: Clock) -> "Condition":
        """The same condition with date windows measured from ``clock``."""
        if self.whole is not None:
            return Condition(self.tree, None, replace(self.whole, clock=clock))
        if self._root is None:
            return self
        return Condition(self.tree, _with_clock(self._root, clock), None)

    def matches(self, after: dict, before: Optional[dict] = None) -> bool:
        if self.whole is not None:
            return self.whole.matches(after)
        if self._root is None:
            return True
        return _eval(self._root, after, before or {})


def _with_clock(node: _Node, clock: Clock) -> _Node:
    if node.kind == "leaf":
        return _Node("leaf", leaf=replace(node.leaf, clock=clock))
    if node.children:
        return _Node(node.kind, tuple(_with_clock(c, clock) for c in node.children))
    return node


def _eval(node: _Node, after: dict, before: dict) -> bool:
    if node.kind == "leaf":
        return node.leaf.matches(after)
    if node.kind == "change":
        return node.change.matches(before, after)
    if node.kind == "and":
        return all(_eval(c, after, before) for c in node.children)
    if node.kind == "or":
        return any(_eval(c, after, before) for c in node.children)
    return not _eval(node.children[0], after, before)


def compile_condition(tree: Any, typedef: TypeDef, ctx: Optional[ValueContext] = None,
                      allow_changes: bool = False, root: str = "$.condition") -> Condition:
    """Check ``tree`` against ``typedef``; ConditionError naming the path when it is not valid."""
    if tree is None or tree == {}:
        return Condition(None, None, None)
    ctx = ctx or ValueContext()
    if not _uses_change_ops(tree):
        try:
            return Condition(tree, None, compile_filter(tree, typedef, ctx))
        except FilterError as exc:
            raise _rebase(exc, root) from None
    if not allow_changes:
        raise ConditionError(_first_change_path(tree, root),
                             "changed / changed_to / changed_from compare with the previous values, "
                             "so they only apply to record_updated triggers")
    return Condition(tree, _compile_node(tree, typedef, ctx, root), None)


def _first_change_path(node: Any, path: str) -> str:
    if isinstance(node, dict):
        if node.get("op") in CHANGE_OPS:
            return path + ".op"
        for k in ("and", "or"):
            if isinstance(node.get(k), list):
                for i, c in enumerate(node[k]):
                    p = _first_change_path(c, f"{path}.{k}[{i}]")
                    if p:
                        return p
        if "not" in node:
            return _first_change_path(node["not"], path + ".not")
    return ""


def _compile_node(node: Any, typedef: TypeDef, ctx: ValueContext, path: str) -> _Node:
    if not isinstance(node, dict):
        raise ConditionError(path, "a condition node must be an object")
    keys = set(node)
    for kind in ("and", "or"):
        if keys == {kind}:
            if not isinstance(node[kind], list):
                raise ConditionError(f"{path}.{kind}", "must be a list of conditions")
            return _Node(kind, tuple(_compile_node(c, typedef, ctx, f"{path}.{kind}[{i}]")
                                     for i, c in enumerate(node[kind])))
    if keys == {"not"}:
        return _Node("not", (_compile_node(node["not"], typedef, ctx, f"{path}.not"),))
    if node.get("op") in CHANGE_OPS:
        extra = keys - {"field", "op", "value"}
        if extra:
            raise ConditionError(path, f"unknown attribute(s) {sorted(extra)}")
        name = node.get("field")
        f = resolve_field(typedef, name) if isinstance(name, str) else None
        if f is None:
            raise ConditionError(f"{path}.field", f"record type '{typedef.name}' has no field '{name}'")
        value = None
        if node["op"] != "changed":
            if "value" not in node:
                raise ConditionError(f"{path}.value", f"'{node['op']}' needs a value")
            try:
                value = f.ftype.filter_value("eq", node["value"], f, ctx) if node["value"] is not None else None
            except ValueError as exc:
                raise ConditionError(f"{path}.value", str(exc)) from None
        return _Node("change", change=_Change(f.name, node["op"], value))
    try:
        return _Node("leaf", leaf=compile_filter(node, typedef, ctx))
    except FilterError as exc:
        raise _rebase(exc, path) from None
