"""Checking what a pack carries besides its metamodel: automation rules, saved views and sample data.

:class:`ContentChecks` is mixed into the validator's checker (:mod:`.validator`) and runs on the
simulated schema once every field is in. :func:`installable_rule` turns a pack rule into what the
rule service takes (``@installer`` in notify lists).
"""
from __future__ import annotations

import json
import re
from typing import Any, Optional

from ..errors import RecordbaseError
from ..metamodel.fieldtypes import FieldDef, ValueContext
from ..metamodel.runtime import RuntimeSchema
from . import sample
from .loader import PackSource
from .pack_plan import Problems

#: rule keys that are ours, not the rule JSON's (design §9)
RULE_EXTRA_KEYS = ("key",)


class ContentChecks(Problems):
    """Rule, view and sample-data checks of the validator's checker (which provides these attributes)."""

    m: dict
    source: PackSource
    instance: Optional[RuntimeSchema]
    ctx: ValueContext

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
