"""Checking a pack completely before anything is installed.

Two stages, every problem reported with its JSON path (``$.types[2].fields[5].options.target``):

1. the JSON Schema ``templates_catalog/pack.schema.json`` (the shape);
2. what a schema cannot say, checked against the pack *and* the instance it goes into:
   duplicate API names (types, fields, rules, views), reserved names, field types that exist,
   each field's options against its type's own options schema, link targets (in the pack or
   the instance), defaults, primary fields, computed fields (formulas type-checked, lookups,
   rollups and counts resolved, in dependency order, no cycles), automation rules (the rule
   validator of :mod:`recordbase.automation.rules`), saved views (filter, sort, columns) and
   sample data (types, fields, keys, references, date directives).

The second stage runs on a *simulated* runtime schema: the instance's record types plus the
pack's, built in memory with the metamodel's own snapshot classes, so the very checks the
metamodel service and the rule service make when saving are made here, without touching the
database (:mod:`.simulation`). :func:`validate` returns a :class:`ValidPack` — the plan the installer
follows (stored fields, then links, then computed fields in dependency order).

This module is the first stage and the order of the second; the checks themselves are in
:mod:`.field_checks` (fields and computed fields) and :mod:`.content_checks` (rules, views, sample data).
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Optional

import jsonschema

from ..errors import ValidationError
from ..metamodel.fieldtypes import get_field_type
from ..metamodel.runtime import RuntimeSchema
from ..metamodel.payloads import RESERVED_NAMES
from ..metamodel import title_format
from .content_checks import ContentChecks, installable_rule
from .field_checks import FieldChecks, field_stage
from .loader import PackError, PackSource, schema_path
from .pack_plan import FieldSpec, ValidPack
from .simulation import SimulatedSchema, validation_ctx

__all__ = ["validate", "shape_problems", "json_path", "FieldSpec", "ValidPack", "installable_rule"]


@lru_cache(maxsize=1)
def _pack_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def json_path(parts, root: str = "$") -> str:
    out = root
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def _leaf_errors(err: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    if err.context:
        deepest = max(len(e.absolute_path) for e in err.context)
        out = []
        for e in err.context:
            if len(e.absolute_path) == deepest:
                out.extend(_leaf_errors(e))
        return out or [err]
    return [err]


def shape_problems(manifest: Any) -> list[dict]:
    """Every way ``manifest`` breaks pack.schema.json, with paths, sorted by path."""
    problems, seen = [], set()
    for err in _pack_validator().iter_errors(manifest):
        for leaf in _leaf_errors(err):
            path = json_path(leaf.absolute_path)
            message = leaf.message
            if leaf.validator == "additionalProperties":
                message = message.replace("Additional properties are not allowed", "unknown attribute(s)")
            if (path, message) not in seen:
                seen.add((path, message))
                problems.append({"path": path, "message": message})
    return sorted(problems, key=lambda p: p["path"])


def validate(source: PackSource, instance: Optional[RuntimeSchema] = None) -> ValidPack:
    """Check the pack; PackError listing every problem (with its JSON path) when it cannot be installed."""
    problems: list[dict] = list(source.read_problems)
    manifest = source.manifest
    problems += shape_problems(manifest)
    for s in source.samples:
        if isinstance(s.data, dict):
            sub = shape_problems({"id": "x", "version": "1", "name": "x", "types": [{"name": "x", "label": "x",
                                  "fields": [{"name": "x", "label": "x", "type": "text"}]}], "sample_data": [s.data]})
            problems += [{"path": p["path"].replace("$.sample_data[0]", f"$.sample_data[{s.index}]"),
                          "message": p["message"] + (f" ({s.source})" if not s.source.startswith("sample_data[") else "")}
                         for p in sub]
        else:
            problems.append({"path": f"$.sample_data[{s.index}]", "message": f"{s.source} must hold a JSON object"})
    if problems:
        raise PackError(_dedupe(problems))
    checker = _Checker(source, instance)
    plan = checker.run()
    if checker.problems:
        raise PackError(_dedupe(checker.problems))
    return plan


def _dedupe(problems: list[dict]) -> list[dict]:
    seen, out = set(), []
    for p in problems:
        k = (p["path"], p["message"])
        if k not in seen:
            seen.add(k)
            out.append(p)
    return out


class _Checker(FieldChecks, ContentChecks):
    """The second stage: every check, in the order the pack will be installed."""

    def __init__(self, source: PackSource, instance: Optional[RuntimeSchema]):
        self.source = source
        self.m = source.manifest
        self.instance = instance
        self.problems: list[dict] = []
        self.sim = SimulatedSchema(instance)
        self.ctx = validation_ctx()

    # -- the whole pack ----------------------------------------------------------
    def run(self) -> ValidPack:
        m = self.m
        apps = [a["name"] for a in m.get("apps") or []]
        for i, name in enumerate(apps):
            if name in apps[:i]:
                self.problem(f"$.apps[{i}].name", f"duplicate app name '{name}'")
        type_paths: dict[str, str] = {}
        pack_fields: dict[str, dict[str, dict]] = {}
        field_paths: dict[tuple[str, str], str] = {}
        specs: list[FieldSpec] = []
        for i, t in enumerate(m["types"]):
            tp = f"$.types[{i}]"
            name = t["name"]
            if name in type_paths:
                self.problem(f"{tp}.name", f"duplicate record type name '{name}' (also at {type_paths[name]})")
                continue
            if name in RESERVED_NAMES:
                self.problem(f"{tp}.name", f"'{name}' is a reserved name")
            if t.get("app") and t["app"] not in apps:
                self.problem(f"{tp}.app", f"no app named '{t['app']}' in the pack's apps")
            type_paths[name] = tp
            self.sim.add_type(t)
            pack_fields[name] = {}
            for j, f in enumerate(t["fields"]):
                fp = f"{tp}.fields[{j}]"
                fname = f["name"]
                if fname in pack_fields[name]:
                    self.problem(f"{fp}.name", f"duplicate field name '{fname}' in record type '{name}' "
                                               f"(also at {field_paths[(name, fname)]})")
                    continue
                if fname in RESERVED_NAMES:
                    self.problem(f"{fp}.name", f"'{fname}' is a reserved name")
                    continue
                try:
                    get_field_type(f["type"])
                except ValidationError:
                    self.problem(f"{fp}.type", f"unknown field type '{f['type']}'")
                    continue
                pack_fields[name][fname] = f
                field_paths[(name, fname)] = fp
                specs.append(FieldSpec(name, fname, f, fp, field_stage(f), f.get("position", j)))
        # stored and link fields: options, flags, defaults
        for spec in specs:
            if spec.stage == "computed":
                continue
            ok = self.check_field(spec)
            if ok or spec.stage != "link":  # an invalid link is left out; other fields stay for what refers to them
                self.sim.add_field(spec.type_name, spec.data, position=spec.position)
        for name, tp in type_paths.items():
            t = self.sim.meta[name]
            pf = t.get("primary_field")
            if pf and pf not in pack_fields[name]:
                self.problem(f"{tp}.primary_field", f"record type '{name}' has no field '{pf}'")
        ordered = self.check_computed([s for s in specs if s.stage == "computed"], pack_fields)
        for name, tp in type_paths.items():
            pf = self.sim.meta[name].get("primary_field")
            f = pack_fields[name].get(pf or "")
            if f is not None and field_stage(f) == "computed":
                self.problem(f"{tp}.primary_field", "the primary field must be a field users can see and write")
        schema = self.sim.schema()
        for name, tp in type_paths.items():
            fmt = self.sim.meta[name].get("title_format")
            if fmt and name in schema.types:
                for problem in title_format.check(fmt, {f.name: f for f in schema.types[name].fields}):
                    self.problem(f"{tp}.title_format", problem)
        rules = self.check_rules(schema)
        views = self.check_views(schema)
        key_fields = self.check_samples(schema, type_paths)
        fields = [s for s in specs if s.stage == "stored"] + [s for s in specs if s.stage == "link"] + ordered
        from ..publicforms.packs import check_forms
        from ..dashboards.pack_steps import check_pack_dashboards
        from ..workflow.pack_workflows import check_workflows

        forms = check_forms(self, schema, views)  # public forms (the pack's "forms" key)
        dashboards = check_pack_dashboards(self, schema)
        workflows = check_workflows(self, schema)
        return ValidPack(self.source, m, list(m["types"]), type_paths, fields, rules, views,
                         list(self.source.samples), key_fields, schema, forms=forms, dashboards=dashboards,
                         workflows=workflows)
