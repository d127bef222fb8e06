"""The dependency graph of computed fields, across links, built from a runtime schema.

Nodes are (type, field) pairs. An edge A -> B says "when A changes, B must be
recomputed". A formula depends on the fields it references on its own record;
a lookup, rollup or count depends on its link field (local links) and on the
source type's target field, link field (reverse links) and filter fields.
``(type, EXISTS)`` stands for records of a type being created, trashed or
restored, which changes every aggregate over them.

The graph answers two questions for the recompute engine: which computed
fields of the same record to recompute, in order, after some fields changed
(:meth:`DependencyGraph.local_plan`), and which computed fields on other types
are affected (:meth:`DependencyGraph.upstream`). It also finds cycles, which
the metamodel refuses.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from .fieldtypes import FieldDef
from .runtime import RuntimeSchema, TypeDef, is_many_link

EXISTS = "__exists__"

#: the kind of value a field holds, as formulas and rollups see it
VALUE_KINDS = {
    "text": "text", "long_text": "text", "email": "text", "url": "text", "phone": "text",
    "single_select": "text", "multi_select": "text", "autonumber": "text", "user": "text",
    "created_by": "text", "updated_by": "text", "attachment": "text", "link": "text",
    "number": "number", "decimal": "number", "currency": "number", "percent": "number",
    "rating": "number", "duration": "number", "count": "number",
    "boolean": "boolean", "date": "date", "datetime": "datetime", "created_at": "datetime", "updated_at": "datetime",
}


def value_kind(field: FieldDef) -> str:
    if field.ftype.computed:
        return field.options.get("result_type", "text")
    return VALUE_KINDS.get(field.field_type, "text")


@dataclass(frozen=True)
class LinkPath:
    """How a lookup, rollup or count on ``owner`` reaches the records of ``source`` it aggregates.

    Local: ``owner.link_field`` links to ``source``. Reverse (``"source.link_field"`` in the
    options): ``source.link_field`` links to ``owner`` — the reverse side of a link.
    """

    owner: str
    source: str
    link_field: str
    reverse: bool
    many: bool


def link_path(schema: RuntimeSchema, owner: TypeDef, link: str) -> LinkPath:
    """Resolve ``options.link``; ValueError with a message when it names nothing usable."""
    if "." in link:
        tname, fname = link.split(".", 1)
        src = schema.types.get(tname)
        f = src.field(fname) if src else None
        if f is None or f.field_type != "link":
            raise ValueError(f"options.link: '{link}' is not a link field of another record type")
        if f.options.get("target") != owner.name:
            raise ValueError(f"options.link: '{link}' does not link to '{owner.name}'")
        return LinkPath(owner.name, tname, fname, True, is_many_link(f))
    f = owner.field(link)
    if f is None or f.field_type != "link":
        raise ValueError(f"options.link: '{link}' is not a link field of '{owner.name}'")
    return LinkPath(owner.name, f.options["target"], link, False, is_many_link(f))


def filter_fields(tree) -> set[str]:
    out: set[str] = set()
    if isinstance(tree, dict):
        if "field" in tree and isinstance(tree["field"], str):
            out.add(tree["field"])
        for v in tree.values():
            if isinstance(v, (dict, list)):
                out |= filter_fields(v)
    elif isinstance(tree, list):
        for v in tree:
            out |= filter_fields(v)
    return out


@dataclass(frozen=True)
class Upstream:
    """A computed field on another type that a change may affect."""

    owner: str
    field: str
    path: LinkPath


class DependencyGraph:
    def __init__(self, schema: RuntimeSchema):
        self.schema = schema
        self.edges: dict[tuple[str, str], set[tuple[str, str]]] = {}
        self.local_edges: dict[tuple[str, str], set[str]] = {}
        self.upstream_of: dict[tuple[str, str], list[Upstream]] = {}
        self.paths: dict[tuple[str, str], LinkPath] = {}
        for t in schema.types.values():
            for f in t.fields:
                if f.ftype.computed:
                    self._add_field(t, f)
        self._order: dict[str, list[str]] = {t.name: self._topo(t) for t in schema.types.values()}

    def _edge(self, src: tuple[str, str], dst: tuple[str, str], local: bool = False) -> None:
        self.edges.setdefault(src, set()).add(dst)
        if local:
            self.local_edges.setdefault(src, set()).add(dst[1])

    def _add_field(self, t: TypeDef, f: FieldDef) -> None:
        node = (t.name, f.name)
        if f.field_type == "formula":
            for ref in f.options.get("depends_on", []):
                self._edge((t.name, ref), node, local=True)
            return
        try:
            path = link_path(self.schema, t, f.options.get("link", ""))
        except ValueError:
            return
        self.paths[node] = path
        remote = {EXISTS}
        if path.reverse:
            remote.add(path.link_field)
        else:
            self._edge((t.name, path.link_field), node, local=True)
        if f.options.get("target_field"):
            remote.add(f.options["target_field"])
        remote |= filter_fields(f.options.get("filter"))
        for r in remote:
            self._edge((path.source, r), node)
            self.upstream_of.setdefault((path.source, r), []).append(Upstream(t.name, f.name, path))

    def _topo(self, t: TypeDef) -> list[str]:
        """Computed fields of ``t`` ordered so that each comes after the local fields it depends on."""
        computed = [f.name for f in t.fields if f.ftype.computed]
        done: list[str] = []
        seen: set[str] = set()

        def visit(name: str, stack: tuple) -> None:
            if name in seen or name in stack:
                return
            f = t.field(name)
            deps = f.options.get("depends_on", []) if f.field_type == "formula" else []
            for d in deps:
                df = t.field(d)
                if df is not None and df.ftype.computed:
                    visit(d, stack + (name,))
            seen.add(name)
            done.append(name)

        for name in computed:
            visit(name, ())
        return done

    # -- questions ---------------------------------------------------------------
    def local_plan(self, type_name: str, changed: Optional[Iterable[str]]) -> list[str]:
        """Computed fields of the same record to recompute, in order (all when ``changed`` is None)."""
        order = self._order.get(type_name, [])
        if changed is None:
            return list(order)
        dirty: set[str] = set()
        frontier = set(changed)
        while frontier:
            nxt = set()
            for name in frontier:
                for dst in self.local_edges.get((type_name, name), ()):
                    if dst not in dirty:
                        dirty.add(dst)
                        nxt.add(dst)
            frontier = nxt
        return [n for n in order if n in dirty]

    def upstream(self, type_name: str, changed: Iterable[str]) -> list[Upstream]:
        out: list[Upstream] = []
        seen = set()
        for c in changed:
            for u in self.upstream_of.get((type_name, c), ()):
                if (u.owner, u.field) not in seen:
                    seen.add((u.owner, u.field))
                    out.append(u)
        return out

    def dependents_of(self, type_name: str, field_name: str) -> list[tuple[str, str]]:
        """Computed fields that use ``type_name.field_name`` directly."""
        return sorted(self.edges.get((type_name, field_name), ()))

    def find_cycle(self) -> Optional[list[str]]:
        """A dependency cycle as ['type.field', ...] (first node repeated at the end), or None."""
        state: dict[tuple[str, str], int] = {}
        stack: list[tuple[str, str]] = []

        def dfs(node) -> Optional[list]:
            state[node] = 1
            stack.append(node)
            for nxt in sorted(self.edges.get(node, ())):
                if state.get(nxt) == 1:
                    cyc = stack[stack.index(nxt):] + [nxt]
                    return [f"{a}.{b}" for a, b in cyc]
                if state.get(nxt) is None:
                    found = dfs(nxt)
                    if found:
                        return found
            stack.pop()
            state[node] = 2
            return None

        for node in sorted(self.edges):
            if state.get(node) is None:
                found = dfs(node)
                if found:
                    return found
        return None


def graph_for(schema: RuntimeSchema) -> DependencyGraph:
    """The graph of a schema snapshot, built once per snapshot."""
    g = getattr(schema, "_dependency_graph", None)
    if g is None:
        g = DependencyGraph(schema)
        schema._dependency_graph = g
    return g
