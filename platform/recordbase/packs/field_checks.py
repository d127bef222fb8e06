"""Checking a pack's fields: options, flags and defaults of stored fields and links, then computed
fields (formulas type-checked, lookups, rollups and counts resolved) in dependency order.

:class:`FieldChecks` is mixed into the validator's checker (:mod:`.validator`); it adds the fields
that pass to the simulated schema (:mod:`.simulation`) as it goes, so later checks see them.
"""
from __future__ import annotations

import re
from typing import Any, Optional

from ..errors import FilterError, ValidationError
from ..metamodel import computed_fields
from ..metamodel import formula as fx
from ..metamodel.fieldtypes import FieldDef, ValueContext, get_field_type
from ..metamodel.formula.nodes import field_refs
from .pack_plan import FieldSpec, Problems
from .simulation import SimulatedSchema


def _options_path(base: str, message: str) -> tuple[str, str]:
    """'options.choices[1].value: msg' -> ('<base>.options.choices[1].value', 'msg')."""
    m = re.match(r"^(options(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*):\s*(.*)$", message, re.S)
    if m:
        return f"{base}.{m.group(1)}", m.group(2)
    return f"{base}.options", message


def field_stage(data: dict) -> str:
    try:
        ft = get_field_type(data["type"])
    except ValidationError:
        return "stored"
    if ft.computed:
        return "computed"
    return "link" if ft.name == "link" else "stored"


def _computed_deps(type_name: str, data: dict, pack_fields: dict[str, dict[str, dict]],
                   sim: SimulatedSchema) -> set[tuple[str, str]]:
    """The computed fields of the pack that a computed field needs first."""
    out: set[tuple[str, str]] = set()
    options = data.get("options") or {}
    own = pack_fields.get(type_name, {})

    def computed(t: str, n: Optional[str]) -> None:
        f = pack_fields.get(t, {}).get(n or "")
        if f is not None and field_stage(f) == "computed":
            out.add((t, f["name"]))

    if data["type"] == "formula":
        try:
            node = fx.parse(options.get("expression", ""))
        except fx.FormulaError:
            return out
        for ref in field_refs(node):
            text = ref.ref.strip()
            if text in own:
                computed(type_name, text)
                continue
            low = text.casefold()
            for f in own.values():
                if low in ((f.get("label") or "").strip().casefold(), (f.get("label_zh") or "").strip().casefold()):
                    computed(type_name, f["name"])
                    break
        return out
    link = options.get("link") or ""
    if "." in link:
        source = link.split(".", 1)[0]
    else:
        lf = own.get(link)
        source = (lf.get("options") or {}).get("target") if lf else None
    if source and options.get("target_field"):
        computed(source, options["target_field"])
    return out



class FieldChecks(Problems):
    """The field checks of the validator's checker (which provides ``sim``)."""

    sim: SimulatedSchema

    # -- fields ------------------------------------------------------------------
    def lookup_type(self, name: str) -> Any:
        return True if self.sim.has_type(name) else None

    def check_field(self, spec: FieldSpec) -> bool:
        f, fp = spec.data, spec.path
        ft = get_field_type(f["type"])
        ok = True
        for message in ft.validate_options(f.get("options") or {}, self.lookup_type):
            path, msg = _options_path(fp, message)
            self.problem(path, msg)
            ok = False
        if not ok:
            return False
        fd = FieldDef(id=1, type_id=1, name=f["name"], label=f["label"], field_type=ft.name,
                      options=f.get("options") or {}, required=bool(f.get("required")), unique=bool(f.get("unique")),
                      indexed=bool(f.get("indexed")), default=f.get("default"))
        many = ft.name == "link" and bool(fd.options.get("many"))
        if fd.unique and (not ft.has_column or many or ft.name in ("boolean", "attachment", "multi_select", "long_text")):
            self.problem(f"{fp}.unique", f"a {ft.name} field cannot be unique")
        if fd.required and ft.read_only:
            self.problem(f"{fp}.required", "a read-only field cannot be required")
        if fd.indexed and (not ft.has_column or many or not ft.sortable):
            self.problem(f"{fp}.indexed", f"a {ft.name} field cannot be indexed")
        if fd.default is not None:
            if ft.read_only or ft.name in ("link", "attachment", "user"):
                self.problem(f"{fp}.default", "this field type cannot have a default")
            else:
                try:
                    ft.clean(fd.default, fd, ValueContext())
                except ValueError as exc:
                    self.problem(f"{fp}.default", f"invalid default: {exc}")
        return True

    def check_computed(self, specs: list[FieldSpec], pack_fields: dict) -> list[FieldSpec]:
        """Add computed fields to the simulation in dependency order; the order (problems for the rest)."""
        by_key = {(s.type_name, s.name): s for s in specs}
        deps: dict[tuple[str, str], set] = {}
        for s in specs:
            ft = get_field_type(s.data["type"])
            shape = ft.validate_options(s.data.get("options") or {}, None)
            if shape:
                for message in shape:
                    path, msg = _options_path(s.path, message)
                    self.problem(path, msg)
                by_key.pop((s.type_name, s.name))
                continue
            if s.data.get("default") is not None:
                self.problem(f"{s.path}.default", "a computed field cannot have a default")
            if s.data.get("required"):
                self.problem(f"{s.path}.required", "a read-only field cannot be required")
            deps[(s.type_name, s.name)] = _computed_deps(s.type_name, s.data, pack_fields, self.sim)
        done: list[FieldSpec] = []
        failed: set = set()
        remaining = dict(by_key)
        while remaining:
            ready = [k for k in remaining if not (deps[k] & set(remaining))]
            if not ready:
                names = ", ".join(f"{t}.{n}" for t, n in remaining)
                for k, s in remaining.items():
                    self.problem(f"{s.path}.options", f"computed fields depend on each other in a cycle: {names}")
                break
            for k in ready:
                s = remaining.pop(k)
                if deps[k] & failed:
                    failed.add(k)  # its problem is the other field's
                    continue
                if self.add_computed(s):
                    done.append(s)
                else:
                    failed.add(k)
        if done:
            try:
                computed_fields.refuse_cycles(self.sim.schema())
            except ValidationError as exc:
                self.problem(done[-1].path + ".options", exc.message)
        return done

    def add_computed(self, s: FieldSpec) -> bool:
        schema = self.sim.schema()
        typedef = schema.types[s.type_name]
        options = dict(s.data.get("options") or {})
        try:
            prepared = computed_fields.prepare_options(schema, typedef, s.name, s.data["type"], options)
        except fx.FormulaError as exc:
            self.problem(f"{s.path}.options.expression", exc.message)
            return False
        except (ValidationError, FilterError) as exc:
            path, msg = _options_path(s.path, exc.message)
            self.problem(path, msg)
            return False
        self.sim.add_field(s.type_name, s.data, prepared, s.position)
        return True
