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
database. :func:`validate` returns a :class:`ValidPack` — the plan the installer follows
(stored fields, then links, then computed fields in dependency order).
"""
from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field as dc_field, replace
from functools import lru_cache
from typing import Any, Optional

import jsonschema
from sqlalchemy import MetaData, Table

from ..errors import FilterError, RecordbaseError, ValidationError
from ..metamodel import computed_fields
from ..metamodel import formula as fx
from ..metamodel.fieldtypes import FieldDef, ValueContext, get_field_type
from ..metamodel.fieldtypes.base import API_NAME_PATTERN
from ..metamodel.filters import compile_filter
from ..metamodel.formula.nodes import field_refs
from ..metamodel.runtime import RuntimeSchema, TypeDef
from ..metamodel.service import RESERVED_NAMES
from . import sample
from .loader import PackError, PackSource, SampleFile, schema_path

#: rule keys that are ours, not the rule JSON's (design §9)
RULE_EXTRA_KEYS = ("key",)


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


def _options_path(base: str, message: str) -> tuple[str, str]:
    """'options.choices[1].value: msg' -> ('<base>.options.choices[1].value', 'msg')."""
    m = re.match(r"^(options(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*):\s*(.*)$", message, re.S)
    if m:
        return f"{base}.{m.group(1)}", m.group(2)
    return f"{base}.options", message


@dataclass
class FieldSpec:
    """A pack field as the installer adds it."""

    type_name: str
    name: str
    data: dict
    path: str
    stage: str  # stored | link | computed
    position: int


@dataclass
class ValidPack:
    source: PackSource
    manifest: dict
    types: list[dict]
    type_paths: dict[str, str]
    fields: list[FieldSpec]  # stored, then links, then computed fields in dependency order
    rules: list[tuple[str, dict, str]]  # (key, rule JSON without our keys, path)
    views: list[tuple[str, dict, str]]
    samples: list[SampleFile]
    key_fields: dict[str, Optional[str]]
    simulated: Optional[RuntimeSchema] = None

    @property
    def id(self) -> str:
        return self.manifest["id"]

    @property
    def version(self) -> str:
        return self.manifest["version"]

    def app_label(self, app: Optional[str]) -> Optional[str]:
        for a in self.manifest.get("apps") or []:
            if a["name"] == app:
                return a["label"]
        return app


class _Sim:
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
                      help_text=data.get("help_text"), options=dict(options if options is not None else data.get("options") or {}),
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
                                  description=t.get("description"), app=t.get("app"),
                                  primary_field=t.get("primary_field"), position=t.get("position", 0),
                                  fields=tuple(self.fields[name]), table=table, junctions={})
        return RuntimeSchema(0, types, self.metadata)


def _validation_ctx() -> ValueContext:
    """Values are checked for shape only: any user and any linked record is taken to exist."""
    return ValueContext(resolve_user=lambda v: 1, user_email=lambda uid: "someone@example.com",
                        missing_links=lambda f, ids: set(), current_user_id=1)


def _field_stage(data: dict) -> str:
    try:
        ft = get_field_type(data["type"])
    except ValidationError:
        return "stored"
    if ft.computed:
        return "computed"
    return "link" if ft.name == "link" else "stored"


def _computed_deps(type_name: str, data: dict, pack_fields: dict[str, dict[str, dict]],
                   sim: _Sim) -> set[tuple[str, str]]:
    """The computed fields of the pack that a computed field needs first."""
    out: set[tuple[str, str]] = set()
    options = data.get("options") or {}
    own = pack_fields.get(type_name, {})

    def computed(t: str, n: Optional[str]) -> None:
        f = pack_fields.get(t, {}).get(n or "")
        if f is not None and _field_stage(f) == "computed":
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


class _Checker:
    def __init__(self, source: PackSource, instance: Optional[RuntimeSchema]):
        self.source = source
        self.m = source.manifest
        self.instance = instance
        self.problems: list[dict] = []
        self.sim = _Sim(instance)
        self.ctx = _validation_ctx()

    def problem(self, path: str, message: str) -> None:
        self.problems.append({"path": path, "message": message})

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
                specs.append(FieldSpec(name, fname, f, fp, _field_stage(f), f.get("position", j)))
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
            if f is not None and _field_stage(f) == "computed":
                self.problem(f"{tp}.primary_field", "the primary field must be a field users can see and write")
        schema = self.sim.schema()
        rules = self.check_rules(schema)
        views = self.check_views(schema)
        key_fields = self.check_samples(schema, type_paths)
        fields = [s for s in specs if s.stage == "stored"] + [s for s in specs if s.stage == "link"] + ordered
        return ValidPack(self.source, m, list(m["types"]), type_paths, fields, rules, views,
                         list(self.source.samples), key_fields, schema)

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

    # -- rules and views -----------------------------------------------------------
    def check_rules(self, schema: RuntimeSchema) -> list[tuple[str, dict, str]]:
        from ..automation.rules import compile_rule
        from ..automation.schema import RuleError

        out, keys = [], {}
        for i, rule in enumerate(self.m.get("rules") or []):
            rp = f"$.rules[{i}]"
            key = rule.get("key") or _slug(rule.get("name", ""))
            if key in keys:
                self.problem(f"{rp}.key" if rule.get("key") else f"{rp}.name",
                             f"duplicate rule key '{key}' (also at {keys[key]})")
                continue
            keys[key] = rp
            data = {k: v for k, v in rule.items() if k not in RULE_EXTRA_KEYS}
            try:
                compile_rule(installable_rule(data, "installer@example.com"), schema, self.ctx)
            except RuleError as exc:
                for p in exc.problems:
                    self.problem(rp + p["path"][1:], p["message"])
                continue
            except RecordbaseError as exc:
                self.problem(rp, exc.message)
                continue
            out.append((key, data, rp))
        return out

    def check_views(self, schema: RuntimeSchema) -> list[tuple[str, dict, str]]:
        from .views import check_view

        out, keys = [], {}
        for i, view in enumerate(self.m.get("views") or []):
            vp = f"$.views[{i}]"
            key = view.get("key") or f"{view['type']}.{_slug(view['name'])}"
            ident = (view["type"], view["name"])
            if key in keys or ident in keys:
                self.problem(f"{vp}.name", f"duplicate view '{view['name']}' of '{view['type']}' (also at "
                                           f"{keys.get(key) or keys.get(ident)})")
                continue
            keys[key] = keys[ident] = vp
            for path, message in check_view(view, schema, self.ctx):
                self.problem(vp + path[1:], message)
            out.append((key, {k: v for k, v in view.items() if k != "key"}, vp))
        return out

    # -- sample data -----------------------------------------------------------------
    def check_samples(self, schema: RuntimeSchema, type_paths: dict) -> dict[str, Optional[str]]:
        key_fields: dict[str, Optional[str]] = {}
        for t in schema.types.values():
            key_fields[t.name] = t.primary_field
        for s in self.source.samples:
            if s.data.get("key"):
                key_fields[s.data["type"]] = s.data["key"]
        seen: dict[str, set[str]] = {}
        later: dict[str, set[str]] = {}
        for s in self.source.samples:
            for rec in s.data.get("records") or []:
                k = sample.record_key(rec, key_fields.get(s.data["type"]))
                if k is not None:
                    later.setdefault(s.data["type"], set()).add(str(k))
        for s in self.source.samples:
            sp = f"$.sample_data[{s.index}]"
            where = "" if s.source.startswith("sample_data[") else f" ({s.source})"
            tname = s.data["type"]
            typedef = schema.types.get(tname)
            if typedef is None:
                self.problem(f"{sp}.type", f"no record type named '{tname}'{where}")
                continue
            kf = key_fields.get(tname)
            if s.data.get("key") and typedef.field(s.data["key"]) is None:
                self.problem(f"{sp}.key", f"record type '{tname}' has no field '{s.data['key']}'{where}")
                continue
            keys = seen.setdefault(tname, set())
            for r, rec in enumerate(s.data["records"]):
                rp = f"{sp}.records[{r}]"
                key = sample.record_key(rec, kf)
                if key is None:
                    self.problem(rp, f"the record needs '@key' or a value for its key field '{kf}'{where}"
                                 if kf else f"the record needs '@key' (record type '{tname}' has no key field){where}")
                elif len(str(key)) > sample.MAX_KEY:
                    self.problem(rp, f"the key '{str(key)[:40]}…' is longer than {sample.MAX_KEY} characters; "
                                     f"give the record a shorter '@key'{where}")
                elif str(key) in keys:
                    self.problem(rp, f"duplicate key '{key}' for record type '{tname}'{where}")
                else:
                    keys.add(str(key))
                for part in ("fields", "@then"):
                    for fname, value in (rec.get(part) or {}).items():
                        fpath = f"{rp}.{part}.{fname}"
                        f = typedef.field(fname)
                        if f is None:
                            self.problem(fpath, f"record type '{tname}' has no field '{fname}'{where}")
                            continue
                        if f.ftype.read_only:
                            self.problem(fpath, f"'{fname}' is {f.field_type}: it cannot be set{where}")
                            continue
                        for message in self.check_sample_value(f, value, schema, seen if part == "fields" else later,
                                                               key_fields):
                            self.problem(fpath, message + where)
        return key_fields

    def check_sample_value(self, f: FieldDef, value: Any, schema: RuntimeSchema, known: dict,
                           key_fields: dict) -> list[str]:
        try:
            value = sample.check_directives(value)
        except ValueError as exc:
            return [str(exc)]
        if f.field_type == "link":
            target = f.options.get("target")
            refs = value if isinstance(value, list) else [value]
            out = []
            for ref in refs:
                if ref is None:
                    continue
                if not isinstance(ref, (str, int)) or isinstance(ref, bool):
                    out.append("a link names the linked record by its key (text)")
                    continue
                instance_has = self.instance is not None and target in self.instance.types
                if str(ref) not in known.get(target, set()) and not instance_has:
                    out.append(f"no {target} record with key '{ref}' before this one in the sample data")
            return out
        if f.field_type == "user" or sample.is_directive(value):
            return []
        try:
            f.ftype.clean(value, f, self.ctx)
        except ValueError as exc:
            return [str(exc)]
        return []


def _slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if not s or not s[0].isalpha():
        s = "r_" + s
    return s[:63]


def installable_rule(data: dict, installer_email: Optional[str]) -> dict:
    """A pack rule as the rule service takes it: ``@installer`` in notify lists becomes the installing
    user's e-mail (or is dropped when nobody is installing; a notify left with nobody is dropped)."""
    out = json.loads(json.dumps(data))
    actions = []
    for action in out.get("actions") or []:
        if isinstance(action, dict) and action.get("do") == "notify" and isinstance(action.get("users"), list):
            users = [installer_email if u == "@installer" else u for u in action["users"]]
            users = [u for u in users if u]
            if users:
                action["users"] = users
            else:
                action.pop("users")
                if not action.get("user_field"):
                    continue
        actions.append(action)
    out["actions"] = actions or out.get("actions")
    return out
