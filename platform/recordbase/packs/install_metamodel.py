"""The metamodel steps of an install: record types, fields, choices and primary fields.

The schema work is done in phases, so that the runtime schema is rebuilt a constant number of
times however many fields a pack has (a rebuild costs tens of milliseconds on a big instance):

1. record types (tables only);
2. stored fields, then links (they need every target type; neither needs the runtime schema);
3. computed fields in dependency order, each checked against *one* snapshot loaded at the start
   of the phase and extended in memory with every computed field added before it;
4. primary fields and the pack's changes to types the user left alone;

then, once (:meth:`MetamodelSteps._finish_metamodel`): one schema version bump, one reload,
the cycle check and one backfill per record type of the new computed fields.

Upgrades follow the fingerprint rules of :mod:`.installer` item by item.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Optional

from ..errors import ValidationError
from ..metamodel import computed_fields, field_conditions
from ..metamodel.fieldtypes.choices import normalize_choices
from ..metamodel.runtime import RuntimeSchema, field_def
from ..models import FieldModel
from .fingerprints import (choice_def, field_pack_def, field_state, fingerprint, is_select, state_matches,
                           type_pack_def, type_state)
from .install_state import InstallState
from .loader import PackError
from .pack_plan import FieldSpec

FIELD_PAYLOAD_KEYS = ("name", "label", "label_zh", "type", "required", "unique", "indexed", "default", "help_text",
                      "help_text_zh", "options", "section", "show_in_list", "conditions")
FIELD_CHANGE_KEYS = ("label", "label_zh", "required", "unique", "indexed", "default", "help_text", "help_text_zh",
                     "section",
                     "show_in_list", "conditions")


def with_field(schema: RuntimeSchema, type_name: str, fm: FieldModel) -> RuntimeSchema:
    """``schema`` with one more field on ``type_name``, built in memory (no reload).

    Good for checking the next computed field's options against it (which reads field
    definitions, not columns); never for reading or writing records."""
    typedef = schema.get(type_name)
    types = dict(schema.types)
    types[type_name] = replace(typedef, fields=typedef.fields + (field_def(fm),))
    return RuntimeSchema(schema.version, types, schema.metadata)


class MetamodelSteps(InstallState):
    # -- record types ----------------------------------------------------------------
    def _types(self) -> None:
        #: type -> the pack's changes to apply once the fields exist (types the user left alone)
        self._pending_type_changes: dict[str, dict] = {}
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
                                               "description": t.get("description"),
                                               "description_zh": t.get("description_zh"), "app": app,
                                               "clear_hidden_values": bool(t.get("clear_hidden_values")),
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
                if state_matches(type_state(tm), item.state_hash):
                    changes = {k: v for k, v in pdef.items() if k != "primary_field" and v != getattr(tm, k)}
                    if pdef["primary_field"] != tm.primary_field:
                        changes["primary_field"] = pdef["primary_field"]
                    for key in ("title_format", "description_zh"):  # the pack's new version has none
                        if getattr(tm, key) and key not in pdef:
                            changes[key] = None
                    if tm.clear_hidden_values and "clear_hidden_values" not in pdef:
                        changes["clear_hidden_values"] = False
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
                if t.get("title_format"):
                    with self._attempt(f"{path}.title_format", name):
                        self.svc.update_type(name, {"title_format": t["title_format"]})
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

    # -- fields, phase by phase --------------------------------------------------------
    def _fields(self) -> None:
        """Stored fields, links, then computed fields (the plan's order); see the module's phases."""
        self._new_computed: list[FieldSpec] = []
        self._fields_added = False
        snapshot: Optional[RuntimeSchema] = None
        for spec in self.plan.fields:
            if spec.type_name in self.gone_types:
                continue
            if spec.stage != "computed" or not self._is_new(spec):
                self._field(spec)
                snapshot = None  # an upgrade may have changed a computed field: reload before the next one
                continue
            if snapshot is None:
                snapshot = self.svc.schema()
            fm = self._create_field(spec, snapshot)
            if fm is not None:
                snapshot = with_field(snapshot, spec.type_name, fm)
                self._new_computed.append(spec)

    def _finish_metamodel(self) -> None:
        """After every metamodel step: one version bump, one reload; refuse cycles and fill the new
        computed fields on the records already there (an upgrade), once per record type."""
        if self._fields_added:
            self.svc.bump_version()
        self.schema = self.svc.schema()
        self._check_conditions()
        if not self._new_computed:
            return
        try:
            computed_fields.refuse_cycles(self.schema)
        except ValidationError as exc:  # the pack's new fields would close a cycle with the user's own
            raise PackError([{"path": self._new_computed[-1].path + ".options", "message": exc.message}],
                            "The pack could not be installed") from exc
        from ..storage import RecordStore

        store = RecordStore(self.session, self.schema, timezone_name=computed_fields.instance_timezone())
        by_type: dict[str, list[str]] = {}
        for spec in self._new_computed:
            by_type.setdefault(spec.type_name, []).append(spec.name)
        for type_name, names in by_type.items():
            store.recomputer.backfill(type_name, names)

    def _check_conditions(self) -> None:
        """The pack's field conditions against the installed types (a condition may name a later field)."""
        for spec in self.plan.fields:
            typedef = self.schema.types.get(spec.type_name)
            if spec.data.get("conditions") and typedef is not None:
                try:
                    field_conditions.check_conditions(spec.data["conditions"], typedef, spec.name)
                except ValidationError as exc:
                    raise PackError([{"path": spec.path + ".conditions", "message": exc.message}],
                                    "The pack could not be installed") from exc

    def _is_new(self, spec: FieldSpec) -> bool:
        """Not installed before and no field of that name on the type: the field is to be created."""
        if ("field", f"{spec.type_name}.{spec.name}") in self.items:
            return False
        tm = self._type(spec.type_name)
        return not any(f.name == spec.name for f in tm.fields)

    def _create_field(self, spec: FieldSpec, snapshot: Optional[RuntimeSchema] = None) -> Optional[FieldModel]:
        """Add the pack's field (without bumping the schema version: :meth:`_finish_metamodel` does,
        once). A computed field is checked against ``snapshot`` and filled in later."""
        key = f"{spec.type_name}.{spec.name}"
        payload = {k: spec.data[k] for k in FIELD_PAYLOAD_KEYS if k in spec.data}
        payload["position"] = spec.position
        fm = None
        with self._attempt(spec.path, key):
            fm = self.svc.add_field(spec.type_name, payload, _bump=False, snapshot=snapshot, finish=False)
            self._fields_added = True
            self.report.created["fields"].append(key)
            self._remember("field", key, fm.id, field_pack_def(spec.data), field_state(fm))
            if is_select(fm.field_type):
                for c in normalize_choices(fm.options or {}):
                    self._remember("choice", f"{key}:{c['value']}", fm.id, c, c)
            return fm
        return None

    def _field(self, spec: FieldSpec) -> None:
        """One field: created when new, else the upgrade rules (kept, skipped, changed, conflict)."""
        tname, fname, data = spec.type_name, spec.name, spec.data
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
            fm = self._create_field(spec)
            if fm is not None and spec.stage == "computed":
                self._new_computed.append(spec)
            return
        if existing is None or existing.deleted_at is not None or existing.id != item.object_id:
            self.report.skipped.append({"item": key, "message": "field deleted by the user: left deleted"})
            return
        if item.pack_hash != fingerprint(pdef):
            if not state_matches(field_state(existing), item.state_hash):
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
                state = field_state(existing)
                change = {k: pdef.get(k) for k in FIELD_CHANGE_KEYS if pdef.get(k) != state.get(k)}
                if pdef["options"] != state["options"]:
                    opts = dict(data.get("options") or {})
                    if is_select(existing.field_type):
                        opts["choices"] = (existing.options or {}).get("choices", [])
                    change["options"] = opts
                with self._attempt(spec.path, key):
                    fm = existing
                    if change:  # (nothing, when only the fingerprint's shape is newer)
                        fm, _ = self.svc.update_field(tname, fname, change)
                        self.report.updated.append(key)
                    self._remember("field", key, fm.id, pdef, field_state(fm))
        if is_select(existing.field_type):
            self._choices(spec, existing)

    def _choices(self, spec: FieldSpec, fm: FieldModel) -> None:
        """New choices are added; choices the pack relabelled follow unless the user relabelled them too."""
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
