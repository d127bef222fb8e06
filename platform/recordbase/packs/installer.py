"""Installing, upgrading, re-installing and uninstalling packs.

Install is one transaction (the caller's): the pack is validated completely first
(:mod:`.validator`), so an invalid pack installs nothing; then record types, stored fields,
links, computed fields (in dependency order), choices, rules, saved views and — when asked —
sample data are created through the metamodel, rule, view and record services, exactly as a
user's own changes would be.

Every thing the pack creates is remembered in ``rb_pack_item`` with two fingerprints: of the
pack's definition and of the object as the pack left it. Installing again (the same version or a
newer one) compares them:

==================================  =============================================================
the object                          what happens
==================================  =============================================================
not recorded                        created (a new type, field, choice, rule, view, sample record)
recorded, gone or in the trash      left alone: the user deleted it ("skipped")
recorded, pack unchanged            nothing
recorded, pack changed, user not    the pack's change is applied (labels, help, sections, rules ...)
recorded, pack changed, user too    the user's version is kept; reported as a conflict
a name the user already uses        not created; reported as a conflict (refused on a first install)
==================================  =============================================================

Nothing is ever dropped, and no record is changed. Installing twice changes nothing.
Uninstall moves the pack's record types to the trash and switches its rules off; installing
again restores them.
"""
from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass, field as dc_field
from datetime import date, datetime, timezone
from typing import Any, Iterator, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, NotFound, RecordbaseError
from ..metamodel.fieldtypes import get_field_type
from ..metamodel.fieldtypes.choices import normalize_choices
from ..metamodel.runtime import RuntimeSchema
from ..metamodel.service import MetamodelService
from ..models import FieldModel, RecordTypeModel, User, utcnow
from . import sample
from .loader import PackError, PackSource
from .models import Pack, PackItem, SavedView
from .validator import FieldSpec, ValidPack, installable_rule, validate
from .views import ViewService, view_definition

DERIVED_OPTIONS = ("result_type", "depends_on", "volatile")
FIELD_KEYS = ("label", "label_zh", "type", "required", "unique", "indexed", "default", "help_text", "section",
              "show_in_list")
TYPE_KEYS = ("label", "label_zh", "description", "app", "primary_field")


def fingerprint(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def version_key(v: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in str(v).split("."))
    except ValueError:
        return (0,)


def _opts(options: Optional[dict], select_field: bool) -> dict:
    out = {k: v for k, v in (options or {}).items() if k not in DERIVED_OPTIONS}
    if select_field:
        out.pop("choices", None)
    return out


def _is_select(type_name: str) -> bool:
    return type_name in ("single_select", "multi_select")


def field_pack_def(data: dict) -> dict:
    out = {"label": data["label"], "label_zh": data.get("label_zh"), "type": data["type"],
           "required": bool(data.get("required")), "unique": bool(data.get("unique")),
           "indexed": bool(data.get("indexed")), "default": data.get("default"), "help_text": data.get("help_text"),
           "section": data.get("section"), "show_in_list": bool(data.get("show_in_list", True)),
           "options": _opts(data.get("options"), _is_select(data["type"]))}
    return out


def field_state(fm: FieldModel) -> dict:
    return {"label": fm.label, "label_zh": fm.label_zh, "type": fm.field_type, "required": bool(fm.required),
            "unique": bool(fm.unique), "indexed": bool(fm.indexed), "default": fm.default, "help_text": fm.help_text,
            "section": fm.section, "show_in_list": bool(fm.show_in_list),
            "options": _opts(fm.options, _is_select(fm.field_type))}


def type_pack_def(t: dict, app_label: Optional[str]) -> dict:
    return {"label": t["label"], "label_zh": t.get("label_zh"), "description": t.get("description"),
            "app": app_label, "primary_field": t.get("primary_field")}


def type_state(tm: RecordTypeModel) -> dict:
    return {"label": tm.label, "label_zh": tm.label_zh, "description": tm.description, "app": tm.app,
            "primary_field": tm.primary_field}


def choice_def(c: Any) -> dict:
    return normalize_choices({"choices": [c]})[0]


def rule_state(rule) -> dict:
    from ..automation.rules import rule_json

    out = rule_json(rule)
    for k in ("id", "created_at", "updated_at"):
        out.pop(k, None)
    return out


@dataclass
class InstallReport:
    pack: str
    version: str
    previous_version: Optional[str] = None
    mode: str = "install"  # install | upgrade | reinstall
    created: dict = dc_field(default_factory=lambda: {"types": [], "fields": [], "choices": [], "rules": [],
                                                      "views": []})
    updated: list = dc_field(default_factory=list)
    records: dict = dc_field(default_factory=dict)
    conflicts: list = dc_field(default_factory=list)
    skipped: list = dc_field(default_factory=list)
    restored: list = dc_field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(any(self.created.values()) or self.updated or any(self.records.values()) or self.restored)

    def to_json(self) -> dict:
        return {"pack": self.pack, "version": self.version, "previous_version": self.previous_version,
                "mode": self.mode, "changed": self.changed, "created": self.created, "updated": self.updated,
                "records": self.records, "conflicts": self.conflicts, "skipped": self.skipped,
                "restored": self.restored}

    def summary(self) -> str:
        c = self.created
        parts = [f"{len(c['types'])} record types", f"{len(c['fields'])} fields", f"{len(c['rules'])} rules",
                 f"{len(c['views'])} views"]
        if c["choices"]:
            parts.append(f"{len(c['choices'])} choices")
        n = sum(self.records.values())
        if n:
            parts.append(f"{n} sample records")
        head = {"install": "Installed", "upgrade": "Upgraded", "reinstall": "Reinstalled"}[self.mode]
        text = f"{head} {self.pack} {self.version}" + (f" (from {self.previous_version})" if self.previous_version and
                                                     self.previous_version != self.version else "")
        if not self.changed:
            return text + ": nothing to change (already installed)."
        text += ": created " + ", ".join(parts)
        if self.updated:
            text += f"; updated {len(self.updated)}"
        return text + "."


class Installer:
    """Installs packs into one session (the caller commits, or rolls back on error)."""

    def __init__(self, session: Session, user_id: Optional[int] = None, timezone_name: str = "UTC",
                 today: Optional[date] = None):
        self.session = session
        self.user_id = user_id
        self.timezone = timezone_name
        self.today = today or datetime.now(timezone.utc).astimezone(ZoneInfo(timezone_name)).date()
        self.svc = MetamodelService(session)

    # -- helpers -------------------------------------------------------------------
    @property
    def installer_email(self) -> Optional[str]:
        if self.user_id is None:
            return None
        user = self.session.get(User, self.user_id)
        return user.email if user else None

    def _type(self, name: str) -> Optional[RecordTypeModel]:
        return self.session.scalars(select(RecordTypeModel).where(RecordTypeModel.name == name)).first()

    def _remember(self, kind: str, key: str, object_id: Optional[int], pack_def: Any, state: Any) -> PackItem:
        item = self.items.get((kind, key))
        if item is None:
            item = PackItem(kind=kind, key=key)
            self.pack.items.append(item)
            self.items[(kind, key)] = item
        item.object_id = object_id
        item.pack_hash = fingerprint(pack_def) if pack_def is not None else None
        item.state_hash = fingerprint(state) if state is not None else None
        item.version = self.plan.version
        return item

    @contextmanager
    def _attempt(self, path: str, what: str) -> Iterator[None]:
        """A savepoint around one item: a failure aborts a first install, and is a conflict in an upgrade."""
        try:
            with self.session.begin_nested():
                yield
        except RecordbaseError as exc:
            if self.report.mode == "install":
                raise PackError([{"path": path, "message": exc.message}], "The pack could not be installed") from exc
            self.report.conflicts.append({"path": path, "item": what, "message": exc.message})

    # -- install ---------------------------------------------------------------------
    def install(self, source: PackSource, sample_data: bool = False) -> InstallReport:
        instance = self.svc.schema()
        plan = validate(source, instance)
        self.plan = plan
        pack = self.session.scalars(select(Pack).where(Pack.pack_id == plan.id)).first()
        previous = pack.version if pack else None
        if pack is not None and version_key(pack.version) > version_key(plan.version):
            raise Conflict(f"Pack '{plan.id}' {pack.version} is installed; {plan.version} is older and is not installed "
                           "over it", {"installed": pack.version, "given": plan.version})
        mode = "install" if pack is None else ("reinstall" if pack.status == "uninstalled" else "upgrade")
        self.report = InstallReport(plan.id, plan.version, previous, mode)
        if pack is None:
            pack = Pack(pack_id=plan.id, version=plan.version, name=plan.manifest["name"], status="installed",
                        installed_by=self.user_id)
            self.session.add(pack)
        self.pack = pack
        self.items = {(i.kind, i.key): i for i in pack.items}
        self._check_clashes()
        if mode == "reinstall":
            self._restore()
        self.gone_types: set[str] = set()
        self.created_types: set[str] = set()
        #: type -> the pack's changes to apply once the fields exist (types the user left alone)
        self._pending_type_changes: dict[str, dict] = {}
        self._types()
        for spec in plan.fields:
            self._field(spec)
        self._finish_types()
        self._rules()
        self._views()
        if sample_data:
            self._samples()
        m = plan.manifest
        pack.version = plan.version
        pack.name, pack.name_zh = m["name"], m.get("name_zh")
        pack.description = m.get("description")
        pack.apps = m.get("apps") or []
        pack.manifest = {k: v for k, v in m.items() if k != "sample_data"}
        pack.status = "installed"
        pack.updated_at = utcnow()
        self.session.flush()
        return self.report

    def _check_clashes(self) -> None:
        """On a first install, a record type name the instance already uses refuses the whole pack."""
        problems = []
        for t in self.plan.types:
            if ("type", t["name"]) in self.items:
                continue
            if self._type(t["name"]) is not None:
                msg = (f"the instance already has a record type named '{t['name']}' (not installed by this pack"
                       + ("; it is in the trash" if self._type(t["name"]).deleted_at else "") + ")")
                problems.append({"path": f"{self.plan.type_paths[t['name']]}.name", "message": msg})
        if problems and self.report.mode == "install":
            raise PackError(problems, "The pack cannot be installed")
        for p in problems:
            self.report.conflicts.append({**p, "item": p["path"]})
        self.clashing = {p["path"] for p in problems}

    def _restore(self) -> None:
        info = (self.pack.manifest or {}).get("_uninstalled") or {}
        for name in info.get("types", []):
            tm = self._type(name)
            if tm is not None and tm.deleted_at is not None:
                tm.deleted_at = None
                self.report.restored.append(name)
        if self.report.restored:
            self.svc.bump_version()
        from ..automation.models import Rule

        rule_ids = info.get("rules", [])
        for rid in rule_ids:
            rule = self.session.get(Rule, rid)
            if rule is not None:
                rule.enabled = True
        if rule_ids:
            self._bump_rules()

    def _bump_rules(self) -> None:
        from ..automation.rules import RuleService

        RuleService(self.session, self.svc.schema()).bump()

    # -- types and fields --------------------------------------------------------------
    def _types(self) -> None:
        for i, t in enumerate(self.plan.types):
            name, path = t["name"], self.plan.type_paths[t["name"]]
            if f"{path}.name" in self.clashing:
                self.gone_types.add(name)
                continue
            app = self.plan.app_label(t.get("app"))
            pdef = type_pack_def(t, app)
            item = self.items.get(("type", name))
            if item is None:
                with self._attempt(path, name):
                    tm = self.svc.create_type({"name": name, "label": t["label"], "label_zh": t.get("label_zh"),
                                               "description": t.get("description"), "app": app,
                                               "position": t.get("position", i)})
                    self.created_types.add(name)
                    self.report.created["types"].append(name)
                    self._remember("type", name, tm.id, pdef, None)
                if name not in self.created_types:
                    self.gone_types.add(name)
                continue
            tm = self._type(name)
            if tm is None or tm.deleted_at is not None or tm.id != item.object_id:
                self.gone_types.add(name)
                self.report.skipped.append({"item": name, "message": "record type deleted by the user: left deleted"})
                continue
            if item.pack_hash != fingerprint(pdef):
                if fingerprint(type_state(tm)) == item.state_hash:
                    changes = {k: v for k, v in pdef.items() if k != "primary_field" and v != getattr(tm, k)}
                    if pdef["primary_field"] != tm.primary_field:
                        changes["primary_field"] = pdef["primary_field"]
                    self._pending_type_changes[name] = changes
                else:
                    self.report.conflicts.append({"path": path, "item": name,
                                                  "message": "the record type was changed here since the pack installed "
                                                             "it; your version is kept"})
                    item.pack_hash = fingerprint(pdef)

    def _finish_types(self) -> None:
        """Primary fields of new types, the pack's changes to unchanged types, then fingerprints."""
        for t in self.plan.types:
            name = t["name"]
            if name in self.gone_types:
                continue
            path = self.plan.type_paths[name]
            pdef = type_pack_def(t, self.plan.app_label(t.get("app")))
            if name in self.created_types:
                if t.get("primary_field"):
                    with self._attempt(f"{path}.primary_field", name):
                        self.svc.update_type(name, {"primary_field": t["primary_field"]})
                tm = self._type(name)
                self._remember("type", name, tm.id, pdef, type_state(tm))
            elif name in self._pending_type_changes:
                changes = self._pending_type_changes[name]
                with self._attempt(path, name):
                    if changes:
                        self.svc.update_type(name, changes)
                        self.report.updated.append(name)
                    tm = self._type(name)
                    self._remember("type", name, tm.id, pdef, type_state(tm))

    def _field(self, spec: FieldSpec) -> None:
        tname, fname, data = spec.type_name, spec.name, spec.data
        if tname in self.gone_types:
            return
        key = f"{tname}.{fname}"
        pdef = field_pack_def(data)
        item = self.items.get(("field", key))
        tm = self._type(tname)
        existing = next((f for f in tm.fields if f.name == fname), None)
        if item is None:
            if existing is not None:
                where = " (in the trash)" if existing.deleted_at else ""
                self.report.conflicts.append({"path": spec.path, "item": key,
                                              "message": f"record type '{tname}' already has its own field "
                                                         f"'{fname}'{where}; the pack's field is not added"})
                return
            payload = {k: data[k] for k in ("name", "label", "label_zh", "type", "required", "unique", "indexed",
                                            "default", "help_text", "options", "section", "show_in_list") if k in data}
            payload["position"] = spec.position
            with self._attempt(spec.path, key):
                fm = self.svc.add_field(tname, payload)
                self.report.created["fields"].append(key)
                self._remember("field", key, fm.id, pdef, field_state(fm))
                if _is_select(fm.field_type):
                    for c in normalize_choices(fm.options or {}):
                        self._remember("choice", f"{key}:{c['value']}", fm.id, c, c)
            return
        if existing is None or existing.deleted_at is not None or existing.id != item.object_id:
            self.report.skipped.append({"item": key, "message": "field deleted by the user: left deleted"})
            return
        if item.pack_hash != fingerprint(pdef):
            if fingerprint(field_state(existing)) != item.state_hash:
                self.report.conflicts.append({"path": spec.path, "item": key,
                                              "message": "the field was changed here since the pack installed it "
                                                         "(label, options ...); your version is kept"})
                item.pack_hash = fingerprint(pdef)
            elif pdef["type"] != existing.field_type:
                self.report.conflicts.append({"path": spec.path, "item": key,
                                              "message": f"the pack changes the field's type from {existing.field_type} "
                                                         f"to {pdef['type']}; not applied (it could change data)"})
                item.pack_hash = fingerprint(pdef)
            else:
                change = {k: pdef[k] for k in ("label", "label_zh", "required", "unique", "indexed", "default",
                                               "help_text", "section", "show_in_list")
                          if pdef[k] != field_state(existing)[k]}
                if pdef["options"] != field_state(existing)["options"]:
                    opts = dict(data.get("options") or {})
                    if _is_select(existing.field_type):
                        opts["choices"] = (existing.options or {}).get("choices", [])
                    change["options"] = opts
                with self._attempt(spec.path, key):
                    fm, _ = self.svc.update_field(tname, fname, change)
                    self.report.updated.append(key)
                    self._remember("field", key, fm.id, pdef, field_state(fm))
        if _is_select(existing.field_type):
            self._choices(spec, existing)

    def _choices(self, spec: FieldSpec, fm: FieldModel) -> None:
        key = f"{spec.type_name}.{spec.name}"
        current = normalize_choices(fm.options or {})
        by_value = {c["value"]: c for c in current}
        new_list = [c if isinstance(c, str) else dict(c) for c in (fm.options or {}).get("choices", [])]
        changed: list[str] = []
        remembered: list[tuple[str, dict]] = []
        for i, raw in enumerate((spec.data.get("options") or {}).get("choices", [])):
            c = choice_def(raw)
            ckey = f"{key}:{c['value']}"
            item = self.items.get(("choice", ckey))
            cur = by_value.get(c["value"])
            if item is None:
                if cur is None:
                    new_list.append(raw)
                    changed.append(ckey)
                    self.report.created["choices"].append(ckey)
                remembered.append((ckey, c))
                continue
            if cur is None:
                self.report.skipped.append({"item": ckey, "message": "choice removed by the user: left removed"})
                continue
            if item.pack_hash != fingerprint(c):
                if fingerprint(cur) == item.state_hash:
                    for j, existing in enumerate(new_list):
                        if (existing if isinstance(existing, str) else existing.get("value")) == c["value"]:
                            new_list[j] = raw
                    changed.append(ckey)
                    self.report.updated.append(ckey)
                    remembered.append((ckey, c))
                else:
                    self.report.conflicts.append({"path": f"{spec.path}.options.choices[{i}]", "item": ckey,
                                                  "message": "the choice was relabelled here; your label is kept"})
                    item.pack_hash = fingerprint(c)
        if changed:
            with self._attempt(f"{spec.path}.options.choices", key):
                self.svc.update_field(spec.type_name, spec.name, {"options": {**(fm.options or {}),
                                                                              "choices": new_list}})
        fresh = {c["value"]: c for c in normalize_choices(fm.options or {})}
        for ckey, c in remembered:
            value = ckey.rsplit(":", 1)[1]
            state = fresh.get(value)
            if state is not None:
                self._remember("choice", ckey, fm.id, c, state)

    # -- rules and views -----------------------------------------------------------------
    def _rules(self) -> None:
        from ..automation.models import Rule
        from ..automation.rules import RuleService

        if not self.plan.rules:
            return
        schema = self.svc.schema()
        service = RuleService(self.session, schema)
        email = self.installer_email
        for key, data, path in self.plan.rules:
            if data["type"] in self.gone_types:
                continue
            wanted = installable_rule(data, email)
            item = self.items.get(("rule", key))
            if item is None:
                with self._attempt(path, f"rule {key}"):
                    rule = service.create(wanted, self.user_id)
                    self.report.created["rules"].append(key)
                    self._remember("rule", key, rule.id, data, rule_state(rule))
                continue
            rule = self.session.get(Rule, item.object_id) if item.object_id else None
            if rule is None:
                self.report.skipped.append({"item": f"rule {key}", "message": "rule deleted by the user: left deleted"})
                continue
            if item.pack_hash != fingerprint(data):
                if fingerprint(rule_state(rule)) != item.state_hash:
                    self.report.conflicts.append({"path": path, "item": f"rule {key}",
                                                  "message": "the rule was changed here; your version is kept"})
                    item.pack_hash = fingerprint(data)
                    continue
                with self._attempt(path, f"rule {key}"):
                    wanted = {**wanted, "enabled": rule.enabled}
                    service.update(rule.id, wanted)
                    self.report.updated.append(f"rule {key}")
                    self._remember("rule", key, rule.id, data, rule_state(rule))

    def _views(self) -> None:
        if not self.plan.views:
            return
        service = ViewService(self.session, self.svc.schema())
        for key, data, path in self.plan.views:
            if data["type"] in self.gone_types:
                continue
            item = self.items.get(("view", key))
            if item is None:
                with self._attempt(path, f"view {key}"):
                    view = service.create(data, self.user_id)
                    self.report.created["views"].append(key)
                    self._remember("view", key, view.id, data, view_definition(view))
                continue
            view = self.session.get(SavedView, item.object_id) if item.object_id else None
            if view is None:
                self.report.skipped.append({"item": f"view {key}", "message": "view deleted by the user: left deleted"})
                continue
            if item.pack_hash != fingerprint(data):
                if fingerprint(view_definition(view)) != item.state_hash:
                    self.report.conflicts.append({"path": path, "item": f"view {key}",
                                                  "message": "the view was changed here; your version is kept"})
                    item.pack_hash = fingerprint(data)
                    continue
                with self._attempt(path, f"view {key}"):
                    service.update(view.id, {k: v for k, v in data.items() if k != "type"})
                    self.report.updated.append(f"view {key}")
                    self._remember("view", key, view.id, data, view_definition(view))

    # -- sample data ---------------------------------------------------------------------
    def _samples(self) -> None:
        from ..storage import RecordStore

        schema = self.svc.schema()
        store = RecordStore(self.session, schema, user_id=self.user_id, timezone_name=self.timezone)
        email = self.installer_email
        keys: dict[tuple[str, str], int] = {}
        for (kind, key), item in self.items.items():
            if kind == "record" and item.object_id is not None:
                tname, _, k = key.partition(":")
                keys[(tname, k)] = item.object_id
        later: list[tuple[str, int, dict, str]] = []
        self._fresh: set[tuple[str, str]] = set()

        def ruled(type_name: str) -> bool:
            """Types with rules fired by record events get one create() per record (every rule sees
            each record as it is written); the others are written in batches."""
            from ..automation.rules import event_rules

            return bool(event_rules(self.session, schema, store.ctx).get(type_name))

        for s in self.plan.samples:
            tname = s.data["type"]
            typedef = schema.types.get(tname)
            sp = f"$.sample_data[{s.index}]"
            if typedef is None or tname in self.gone_types:
                continue
            kf = self.plan.key_fields.get(tname)
            # records are written in batches (RecordStore.create_many: same checks, events and rules as
            # create); a record that links to one of the pending batch closes the batch first
            pending: list[tuple[str, dict, dict, str]] = []

            def flush() -> None:
                if not pending:
                    return
                if ruled(tname):
                    ids = []
                    for key, values, rec, rp in pending:
                        try:
                            ids.append(store.create(tname, values).id)
                        except RecordbaseError as exc:
                            raise PackError([{"path": f"{rp}.fields", "message": f"{exc.message} ({s.source})"}],
                                            "The sample data could not be installed") from exc
                else:
                    try:
                        ids = store.create_many(tname, [p[1] for p in pending]).ids
                    except RecordbaseError as exc:
                        path = sp
                        details = exc.details if isinstance(exc.details, dict) else {}
                        bad = (details.get("records") or [{}])[0]
                        if "index" in bad:
                            path = pending[bad["index"]][3] + ".fields"
                        raise PackError([{"path": path, "message": f"{exc.message} ({s.source})"}],
                                        "The sample data could not be installed") from exc
                for (key, _values, rec, rp), rid in zip(pending, ids):
                    keys[(tname, key)] = rid
                    self._fresh.add((tname, key))
                    self._remember("record", f"{tname}:{key}", rid, None, None)
                    self.report.records[tname] = self.report.records.get(tname, 0) + 1
                    if rec.get("@then"):
                        later.append((tname, rid, rec["@then"], rp))
                pending.clear()

            for r, rec in enumerate(s.data["records"]):
                key = sample.record_key(rec, kf)
                if ("record", f"{tname}:{key}") in self.items:
                    continue
                rp = f"{sp}.records[{r}]"
                fields = rec.get("fields") or {}
                if any(typedef.field(n) is not None and typedef.field(n).field_type == "link"
                       and typedef.field(n).options.get("target") == tname for n in fields):
                    flush()
                values = self._sample_values(store, typedef, fields, keys, email, rp)
                pending.append((key, values, rec, rp))
            flush()
        for tname, rid, then, rp in later:
            typedef = store.type(tname)
            values = self._sample_values(store, typedef, then, keys, email, rp)
            try:
                with self.session.begin_nested():
                    store.update(tname, rid, values)
            except RecordbaseError as exc:
                raise PackError([{"path": f"{rp}.@then", "message": exc.message}],
                                "The sample data could not be installed") from exc

    def _sample_values(self, store, typedef, fields: dict, keys: dict, email: Optional[str], path: str) -> dict:
        out = {}
        for name, raw in fields.items():
            f = typedef.field(name)
            if f is None or f.ftype.read_only:
                continue  # a field the user deleted since: the sample value is left out
            value = sample.resolve(raw, self.today, self.timezone, email)
            if f.field_type == "link" and value is not None:
                refs = value if isinstance(value, list) else [value]
                ids = [self._resolve_key(store, f.options["target"], str(ref), keys, f"{path}.fields.{name}")
                       for ref in refs]
                ids = [i for i in ids if i is not None]
                value = ids if f.options.get("many") else (ids[0] if ids else None)
            out[name] = value
        return out

    def _resolve_key(self, store, target: str, ref: str, keys: dict, path: str) -> Optional[int]:
        rid = keys.get((target, ref))
        if rid is not None and (target, ref) in self._fresh:
            return rid
        if rid is not None:
            try:
                store.get(target, rid)
                return rid
            except NotFound:
                return None  # the user deleted that sample record: the link is left empty
        kf = self.plan.key_fields.get(target)
        typedef = store.schema.types.get(target)
        if kf and typedef is not None and typedef.field(kf) is not None:
            page = store.list(target, filter={"field": kf, "op": "eq", "value": ref}, limit=1)
            if page.records:
                keys[(target, ref)] = page.records[0].id
                return page.records[0].id
        raise PackError([{"path": path, "message": f"no {target} record with key '{ref}'"}],
                        "The sample data could not be installed")


# -- uninstall ---------------------------------------------------------------------------
def uninstall(session: Session, pack_id: str) -> dict:
    """Move the pack's record types to the trash and switch its rules off (installing again restores them)."""
    from ..automation.models import Rule

    pack = session.scalars(select(Pack).where(Pack.pack_id == pack_id)).first()
    if pack is None or pack.status != "installed":
        raise NotFound(f"Pack '{pack_id}' is not installed", {"pack": pack_id})
    svc = MetamodelService(session)
    names = []
    for item in pack.items:
        if item.kind != "type":
            continue
        tm = session.get(RecordTypeModel, item.object_id) if item.object_id else None
        if tm is not None and tm.deleted_at is None:
            names.append(tm.name)
    outside = [f"{t.name}.{f.name}" for name in names for t, f in svc._links_to(name) if t.name not in names]
    if outside:
        raise Conflict(f"Other record types link to this pack's types ({', '.join(sorted(outside))}); remove those "
                       "links first", {"linked_from": sorted(outside)}, code="restricted")
    now = utcnow()
    for name in names:
        svc.type_model(name).deleted_at = now
    if names:
        svc.bump_version()
    rule_ids = []
    for item in pack.items:
        if item.kind == "rule" and item.object_id:
            rule = session.get(Rule, item.object_id)
            if rule is not None and rule.enabled:
                rule.enabled = False
                rule_ids.append(rule.id)
    if rule_ids:
        from ..automation.rules import RuleService

        RuleService(session, svc.schema()).bump()
    pack.status = "uninstalled"
    pack.manifest = {**(pack.manifest or {}), "_uninstalled": {"types": names, "rules": rule_ids}}
    pack.updated_at = now
    session.flush()
    return {"pack": pack_id, "trashed_types": names, "disabled_rules": len(rule_ids)}


def installed_packs(session: Session) -> dict[str, Pack]:
    return {p.pack_id: p for p in session.scalars(select(Pack))}


def install(session: Session, source: PackSource, sample_data: bool = False, user_id: Optional[int] = None,
            timezone_name: str = "UTC", today: Optional[date] = None) -> InstallReport:
    """Install (or upgrade, or re-install) a pack in the caller's transaction."""
    return Installer(session, user_id, timezone_name, today).install(source, sample_data)
