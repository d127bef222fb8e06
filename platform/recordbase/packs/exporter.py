"""Exporting any selection of record types as a pack: their fields and form layout, the rules and
saved views on them, and optionally their records as sample data.

The result installs into an empty instance as the same metamodel (a round-trip test compares
it field by field). Records become sample data naming each other by ``@key`` (``supplier-7``);
a link to a type outside the selection names the target by its primary field's text, so it
resolves against the instance the pack goes into. A link to a record that comes later in the
export (cycles, self-links) is set in the second pass (``@then``). Rules that need a record type
outside the selection are left out, and said so. Webhook secrets are never exported (rule JSON
never shows them): the rule installs without one, and the left-out list says to set it again.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound, ValidationError
from ..metamodel.runtime import RuntimeSchema, is_many_link
from ..metamodel.service import MetamodelService
from .fingerprints import DERIVED_OPTIONS
from .models import Pack, PackItem, SavedView
from .views import view_definition


def _slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "_", (text or "").lower()).strip("_")
    if not s or not s[0].isalpha():
        s = "x_" + s
    return s[:63]


def field_export(fm) -> dict:
    out: dict[str, Any] = {"name": fm.name, "label": fm.label}
    if fm.label_zh:
        out["label_zh"] = fm.label_zh
    out["type"] = fm.field_type
    for flag in ("required", "unique", "indexed"):
        if getattr(fm, flag):
            out[flag] = True
    if fm.default is not None:
        out["default"] = fm.default
    if fm.help_text:
        out["help_text"] = fm.help_text
    if fm.help_text_zh:
        out["help_text_zh"] = fm.help_text_zh
    options = {k: v for k, v in (fm.options or {}).items() if k not in DERIVED_OPTIONS}
    if options:
        out["options"] = options
    out["position"] = fm.position or 0
    if fm.section:
        out["section"] = fm.section
    if not fm.show_in_list:
        out["show_in_list"] = False
    if fm.conditions:
        out["conditions"] = fm.conditions
    return out


class Exporter:
    def __init__(self, session: Session):
        self.session = session
        self.svc = MetamodelService(session)
        self.left_out: list[dict] = []

    def export(self, type_names: list[str], records: bool = False, pack_id: Optional[str] = None,
               version: str = "1.0.0", name: Optional[str] = None, name_zh: Optional[str] = None) -> dict:
        if not type_names:
            raise ValidationError("Name at least one record type to export", {"types": ["is required"]})
        models = []
        for n in type_names:
            tm = self.svc.type_model(n)
            if tm in models:
                continue
            models.append(tm)
        selected = [tm.name for tm in models]
        app_labels = self._app_labels()
        apps: dict[str, dict] = {}
        types = []
        for i, tm in enumerate(models):
            t: dict[str, Any] = {"name": tm.name, "label": tm.label}
            if tm.label_zh:
                t["label_zh"] = tm.label_zh
            if tm.description:
                t["description"] = tm.description
            if tm.description_zh:
                t["description_zh"] = tm.description_zh
            if tm.app:
                slug = _slug(tm.app)
                apps.setdefault(slug, {"name": slug, "label": tm.app, **({"label_zh": app_labels[tm.app]}
                                                                          if app_labels.get(tm.app) else {})})
                t["app"] = slug
            if tm.primary_field:
                t["primary_field"] = tm.primary_field
            if tm.title_format:
                t["title_format"] = tm.title_format
            if tm.clear_hidden_values:
                t["clear_hidden_values"] = True
            t["position"] = tm.position or 0
            t["fields"] = [field_export(f) for f in sorted((f for f in tm.fields if f.deleted_at is None),
                                                           key=lambda f: (f.position, f.id))]
            types.append(t)
        for t in types:
            for f in t["fields"]:
                opts = f.get("options") or {}
                other = opts.get("target") if f["type"] == "link" else (opts.get("link") or "").partition(".")[0] \
                    if "." in (opts.get("link") or "") else None
                if other and other not in selected:
                    self.left_out.append({"field": f"{t['name']}.{f['name']}", "message":
                                          f"refers to record type '{other}', which is not exported: the instance the "
                                          "pack is installed into must have it"})
        schema = self.svc.schema()
        pack: dict[str, Any] = {"format": 1, "id": pack_id or "exported", "version": version,
                                "name": name or "Exported record types"}
        if name_zh:
            pack["name_zh"] = name_zh
        pack["description"] = "Exported from Recordbase: " + ", ".join(selected)
        if apps:
            pack["apps"] = list(apps.values())
        pack["types"] = types
        pack["views"] = self._views(selected)
        pack["rules"] = self._rules(selected, schema)
        from ..publicforms.packs import export_forms

        forms = export_forms(self.session, selected)
        if forms:
            pack["forms"] = forms
        layouts = self._form_layouts(models, selected)
        if layouts:
            pack["form_layouts"] = layouts
        from ..dashboards.pack_steps import export_dashboards

        dashboards = export_dashboards(self.session, selected, self._keys_of("dashboard"))
        if dashboards:
            pack["dashboards"] = dashboards
        from ..workflow.pack_workflows import export_workflows

        workflows = export_workflows(self.session, selected)
        if workflows:
            pack["workflows"] = workflows
        if records:
            pack["sample_data"] = self._records(selected, schema)
        return pack

    def _form_layouts(self, models: list, selected: list[str]) -> list[dict]:
        """The types' form layouts; related tables of types not exported are left out (and said so)."""
        from ..formlayout.service import layouts_of

        stored = layouts_of(self.session, [tm.id for tm in models])
        out = []
        for tm in models:
            doc = dict(stored.get(tm.id) or {})
            related = [r for r in doc.get("related") or () if r["type"] in selected]
            if len(related) != len(doc.get("related") or ()):
                self.left_out.append({"field": f"{tm.name} form layout", "message":
                                      "related tables of record types that are not exported are left out"})
            doc.pop("related", None)
            if related:
                doc["related"] = related
            if doc:
                out.append({"type": tm.name, **doc})
        return out

    def _app_labels(self) -> dict[str, str]:
        out = {}
        for p in self.session.scalars(select(Pack)):
            for a in p.apps or []:
                if a.get("label_zh"):
                    out[a["label"]] = a["label_zh"]
        return out

    def _keys_of(self, kind: str) -> dict[int, str]:
        return {i.object_id: i.key for i in self.session.scalars(select(PackItem).where(PackItem.kind == kind))}

    def _views(self, selected: list[str]) -> list[dict]:
        keys = self._keys_of("view")
        out, used = [], set()
        for v in self.session.scalars(select(SavedView).where(SavedView.type_name.in_(selected), SavedView.owner_id.is_(None))
                                      .order_by(SavedView.type_name, SavedView.position, SavedView.id)):
            d = view_definition(v)
            key = keys.get(v.id) or f"{v.type_name}.{_slug(v.name)}"
            if key in used or not re.match(r"^[a-z][a-z0-9_]{0,62}$", key):
                key = None
            if key:
                used.add(key)
                d = {"key": key, **d}
            if v.position:
                d["position"] = v.position
            out.append({k: val for k, val in d.items() if val not in (None, [], "")} | {"type": v.type_name,
                                                                                          "name": v.name})
        return out

    def _rules(self, selected: list[str], schema: RuntimeSchema) -> list[dict]:
        from ..automation.models import Rule
        from ..automation.rules import compile_rule, rule_json
        from ..automation.schema import RuleError
        from ..automation.secrets import has_secrets
        from .simulation import validation_ctx

        only = RuntimeSchema(0, {n: t for n, t in schema.types.items() if n in selected}, schema.metadata)
        keys = self._keys_of("rule")
        out, used = [], set()
        for rule in self.session.scalars(select(Rule).where(Rule.type_name.in_(selected)).order_by(Rule.id)):
            data = rule_json(rule)
            for k in ("id", "created_at", "updated_at"):
                data.pop(k, None)
            if data.get("condition") is None:
                data.pop("condition", None)
            if data.get("name_zh") is None:
                data.pop("name_zh", None)
            if has_secrets((rule.definition or {}).get("actions")):
                self.left_out.append({"rule": rule.name, "message": "its webhook secret is not exported: set it "
                                                                    "again after installing (until then the "
                                                                    "webhook is sent unsigned)"})
            data["actions"] = [{k: v for k, v in a.items() if k != "has_secret"} if isinstance(a, dict) else a
                               for a in data["actions"]]
            try:
                compile_rule(data, only, validation_ctx())
            except RuleError as exc:
                self.left_out.append({"rule": rule.name, "message": f"needs something outside the selection: "
                                                                    f"{exc.problems[0]['path']}: {exc.problems[0]['message']}"})
                continue
            key = keys.get(rule.id) or _slug(rule.name)
            base, n = key, 2
            while key in used:
                key = f"{base[:58]}_{n}"
                n += 1
            used.add(key)
            out.append({"key": key, **data})
        return out

    def _records(self, selected: list[str], schema: RuntimeSchema) -> list[dict]:
        from ..storage import RecordStore

        store = RecordStore(self.session, schema)
        store.rule_engine = None
        order: dict[tuple[str, int], int] = {}
        loaded: dict[str, list] = {}
        n = 0
        for tname in _link_order(selected, schema):
            recs = []
            cursor = None
            while True:
                page = store.list(tname, sort="id", limit=500, cursor=cursor)
                recs += page.records
                cursor = page.next_cursor
                if not cursor:
                    break
            loaded[tname] = recs
            for r in recs:
                order[(tname, r.id)] = n
                n += 1
        titles: dict[tuple[str, int], Optional[str]] = {}
        files = []
        from ..comments.samples import sample_comments

        for tname, recs in loaded.items():
            typedef = schema.get(tname)
            comments = sample_comments(self.session, typedef, [r.id for r in recs])
            out = []
            for r in recs:
                body = store.to_json(r)["fields"]
                fields, then = {}, {}
                for f in typedef.fields:
                    if f.ftype.read_only or f.field_type == "attachment" or f.name not in body:
                        continue
                    value = body[f.name]
                    if value in (None, [], ""):
                        continue
                    if f.field_type == "boolean" and value is False:
                        continue
                    if f.field_type == "link":
                        target = f.options.get("target")
                        ids = value if isinstance(value, list) else [value]
                        refs, late = [], False
                        for tid in ids:
                            if target in loaded:
                                refs.append(f"{target}-{tid}")
                                if order.get((target, tid), -1) >= order[(tname, r.id)]:
                                    late = True
                            else:
                                ref = self._title(store, schema, target, tid, titles)
                                if ref:
                                    refs.append(ref)
                        if not refs:
                            continue
                        value = refs if is_many_link(f) else refs[0]
                        (then if late else fields)[f.name] = value
                        continue
                    fields[f.name] = value
                rec: dict[str, Any] = {"@key": f"{tname}-{r.id}", "fields": fields}
                if then:
                    rec["@then"] = then
                if comments.get(r.id):
                    rec["@comments"] = comments[r.id]
                out.append(rec)
            # a snapshot: the rules already acted on these records (their corrective actions are in the
            # export too), so installing them must not run the rules again
            files.append({"type": tname, "run_rules": False, "records": out})
        return files

    def _title(self, store, schema: RuntimeSchema, target: str, rid: int, cache: dict) -> Optional[str]:
        if (target, rid) not in cache:
            typedef = schema.types.get(target)
            value = None
            if typedef is not None and typedef.primary_field:
                try:
                    rec = store.get(target, rid)
                    value = rec.values.get(typedef.primary_field)
                except NotFound:
                    value = None
            cache[(target, rid)] = str(value) if value not in (None, "") else None
            if cache[(target, rid)] is None:
                self.left_out.append({"link": f"{target} #{rid}", "message": "a linked record outside the selection "
                                                                             "has no primary field value; link left out"})
        return cache[(target, rid)]


def _link_order(selected: list[str], schema: RuntimeSchema) -> list[str]:
    """Types ordered so that link targets come first where the links allow it.

    A required link's target always comes first (its records must exist when the record is
    created). Where links form a cycle (supplier.latest_evaluation -> evaluation.supplier), an
    optional link gives way: its target may come later, and its values are set by ``@then``."""
    def links(n: str, required: bool) -> set[str]:
        return {f.options.get("target") for f in schema.get(n).fields
                if f.field_type == "link" and bool(f.required) == required} & set(selected) - {n}

    required = {n: links(n, True) for n in selected}
    optional = {n: links(n, False) - required[n] for n in selected}

    def needs(n: str) -> set[str]:
        """Every type ``n`` needs before it through required links."""
        seen: set[str] = set()
        todo = [n]
        while todo:
            for d in required[todo.pop()]:
                if d not in seen:
                    seen.add(d)
                    todo.append(d)
        return seen

    out: list[str] = []
    visiting: set[str] = set()

    def visit(n: str) -> None:
        if n in out or n in visiting:
            return
        visiting.add(n)
        for d in sorted(required[n], key=selected.index):
            visit(d)
        for d in sorted(optional[n], key=selected.index):
            if not needs(d) & visiting:
                visit(d)
        visiting.discard(n)
        out.append(n)

    for n in selected:
        visit(n)
    return out


def write_pack(pack: dict, path: str | Path) -> Path:
    """Write ``pack`` as one JSON file (a path ending in .json) or as a pack folder."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(pack, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path
    path.mkdir(parents=True, exist_ok=True)
    manifest = dict(pack)
    samples = manifest.pop("sample_data", None)
    if samples:
        (path / "sample_data").mkdir(exist_ok=True)
        names = []
        for s in samples:
            rel = f"sample_data/{s['type']}.json"
            (path / rel).write_text(json.dumps(s, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            names.append(rel)
        manifest["sample_data"] = names
    (path / "pack.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path / "pack.json"


def export(session: Session, type_names: list[str], records: bool = False, **kw: Any) -> tuple[dict, list[dict]]:
    """(pack JSON, what was left out and why)."""
    ex = Exporter(session)
    pack = ex.export(type_names, records=records, **kw)
    return pack, ex.left_out
