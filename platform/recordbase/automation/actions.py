"""The rule actions (design §9 ``do``), one class each, in a registry.

Every action class declares:

- ``name`` — its ``do`` value; ``kind`` — ``data`` (done in the triggering write's transaction)
  or ``external`` (written as a pending outbox step, done by the worker after commit);
- ``__init__(spec, checker, path)`` — checks the action's JSON against the record types when
  the rule is saved (unknown fields, values the field cannot take, formulas that do not
  type-check or do not suit the field), adding problems with their JSON path to ``checker``;
- ``run(ctx) -> list[StepSpec]`` — does the action for one record and says which run steps
  to record (a data step with its result; pending external steps with their payload);
- ``forbidden_on`` — triggers it cannot follow (changing a deleted record).

Adding an action means adding one class with :func:`register`. The base class, the
:class:`Checker` and :class:`StepSpec` are in :mod:`.action_base` (importable from here too).
"""
from __future__ import annotations

import dataclasses
import json
import uuid
from typing import TYPE_CHECKING, Optional

from sqlalchemy import func, select

from ..metamodel.dependencies import link_path
from ..metamodel.fieldtypes import ValueContext
from ..metamodel.runtime import is_many_link
from ..models import User
from . import expressions as ex
from .action_base import Action, Checker, StepSpec
from .settings import smtp_configured

if TYPE_CHECKING:
    from .action_context import ActionContext

ACTIONS: dict[str, type["Action"]] = {}


def register(cls: type["Action"]) -> type["Action"]:
    ACTIONS[cls.name] = cls
    return cls


@register
class UpdateRecord(Action):
    """Set fields of the triggering record (literals or formulas over it)."""

    name = "update_record"
    forbidden_on = ("record_deleted",)

    def __init__(self, spec: dict, checker: Checker, path: str):
        super().__init__(spec, checker, path)
        self.values = self.check_values(spec.get("values") or {}, checker.typedef, checker.typedef, checker,
                                        f"{path}.values")

    def run(self, ctx: "ActionContext") -> list[StepSpec]:
        written = ctx.write(ctx.typedef, ctx.record_id, ctx.evaluate(self.values))
        return [StepSpec(self.name, result={"type": ctx.typedef.name, "id": ctx.record_id, "changed": sorted(written),
                                            "values": written})]


@register
class CreateRecord(Action):
    """Create a record of any type; values are formulas over the triggering record; ``link_back``
    names a link field of the new record that is set to the triggering record."""

    name = "create_record"

    def __init__(self, spec: dict, checker: Checker, path: str):
        super().__init__(spec, checker, path)
        self.type = spec.get("type")
        self.target = checker.schema.types.get(self.type)
        self.values: list[ex.ValueSpec] = []
        self.link_back = spec.get("link_back")
        if self.target is None:
            checker.problem(f"{path}.type", f"no record type named '{self.type}'")
            return
        raw = dict(spec.get("values") or {})
        if self.link_back:
            lf = self.target.field(self.link_back)
            if lf is None or lf.field_type != "link" or lf.options.get("target") != checker.typedef.name:
                checker.problem(f"{path}.link_back", f"'{self.link_back}' is not a link field of '{self.type}' "
                                                     f"to '{checker.typedef.name}'")
            raw.pop(self.link_back, None)
        self.values = self.check_values(raw, checker.typedef, self.target, checker, f"{path}.values")
        given = set(raw) | ({self.link_back} if self.link_back else set())
        for f in self.target.writable_fields():
            if f.required and f.default is None and f.name not in given:
                checker.problem(f"{path}.values", f"'{f.name}' is required on {self.type}: give it a value")

    def run(self, ctx: "ActionContext") -> list[StepSpec]:
        values = ctx.evaluate(self.values, self.target)
        if self.link_back:
            lf = self.target.field(self.link_back)
            values[self.link_back] = [ctx.record_id] if is_many_link(lf) else ctx.record_id
        created = ctx.store.create(self.target.name, values)
        return [StepSpec(self.name, result={"type": self.target.name, "id": created.id})]


@register
class UpdateLinked(Action):
    """Set fields of the records a link reaches: ``link`` is a link field of the triggering type,
    or ``other_type.field`` for the records of another type that link here."""

    name = "update_linked"
    forbidden_on = ("record_deleted",)

    def __init__(self, spec: dict, checker: Checker, path: str):
        super().__init__(spec, checker, path)
        self.values: list[ex.ValueSpec] = []
        self.link = None
        try:
            self.link = link_path(checker.schema, checker.typedef, spec.get("link", ""))
        except ValueError as exc:
            checker.problem(f"{path}.link", str(exc).replace("options.link: ", ""))
            return
        target = checker.schema.types[self.link.source]
        self.values = self.check_values(spec.get("values") or {}, checker.typedef, target, checker, f"{path}.values")

    def run(self, ctx: "ActionContext") -> list[StepSpec]:
        lp = self.link
        target = ctx.store.schema.get(lp.source)
        values = ctx.evaluate(self.values, target)
        if lp.reverse:
            src = target
            f = src.field(lp.link_field)
            if is_many_link(f):
                j = src.junctions[f.name]
                stmt = select(j.c.source_id).where(j.c.target_id == ctx.record_id)
            else:
                stmt = select(src.table.c.id).where(src.table.c[f.column_name] == ctx.record_id)
            ids = sorted(set(ctx.store.session.scalars(stmt)))
        else:
            v = ctx.store.get(ctx.typedef.name, ctx.record_id).values.get(lp.link_field)
            ids = [i for i in (v if isinstance(v, list) else [v]) if i is not None]
        updated = []
        for rid in ids:
            try:
                ctx.store.get(target.name, rid)
            except Exception:  # a trashed record: nothing to update
                continue
            written = ctx.write(target, rid, dict(values))
            updated.append({"type": target.name, "id": rid, "changed": sorted(written), "values": written})
        return [StepSpec(self.name, result={"updated": updated})]


def _user_ids(ctx: "ActionContext", emails: list[str], user_field: Optional[str]) -> tuple[list[int], list[str]]:
    """The active users named by e-mail or by a user field (``field`` or ``link.field``); and the names not found."""
    ids, missing = [], []
    session = ctx.store.session
    for email in emails:
        uid = session.scalar(select(User.id).where(func.lower(User.email) == email.strip().lower(),
                                                   User.is_active.is_(True)))
        (ids.append(uid) if uid is not None else missing.append(email))
    if user_field:
        head, _, tail = user_field.partition(".")
        value = ctx.values.get(head)
        if tail and value is not None:
            f = ctx.typedef.field(head)
            try:
                value = ctx.store.get(f.options["target"], value).values.get(tail)
            except Exception:
                value = None
        if value is not None:
            ids.append(int(value))
        else:
            missing.append(f"{{{user_field}}}")
    seen, out = set(), []
    for uid in ids:
        if uid not in seen:
            seen.add(uid)
            out.append(uid)
    return out, missing


def notify_users(ctx: "ActionContext", action: str, user_ids: list[int], message: str, message_zh: Optional[str],
                 subject: Optional[str], email: bool) -> list[StepSpec]:
    from .models import Notification

    session = ctx.store.session
    users = session.scalars(select(User).where(User.id.in_(user_ids), User.is_active.is_(True))).all() if user_ids else []
    by_id = {u.id: u for u in users}
    steps, notified = [], []
    for uid in user_ids:
        user = by_id.get(uid)
        if user is None:
            continue
        session.add(Notification(user_id=uid, rule_id=ctx.rule.id, run_id=ctx.run_id, type_name=ctx.typedef.name,
                                 record_id=ctx.record_id, message=message, message_zh=message_zh))
        notified.append(user.email)
        if email and smtp_configured():
            zh = (user.locale or "").startswith("zh")
            body = (message_zh if zh and message_zh else message)
            steps.append(StepSpec("email", kind="external", status="pending", max_attempts=5,
                                  idempotency_key=uuid.uuid4().hex,
                                  payload={"to": user.email, "subject": subject or body.splitlines()[0][:150],
                                           "body": body}))
    return [StepSpec(action, result={"notified": notified})] + steps


@register
class Notify(Action):
    """An in-app notification (and an e-mail through the outbox when SMTP is configured)."""

    name = "notify"

    def __init__(self, spec: dict, checker: Checker, path: str):
        super().__init__(spec, checker, path)
        self.users = list(spec.get("users") or [])
        self.user_field = spec.get("user_field")
        if not self.users and not self.user_field:
            checker.problem(path, "give 'users' (e-mail addresses) or 'user_field'")
        if self.user_field:
            self.check_user_field(self.user_field, checker.typedef, checker, f"{path}.user_field")
        for key in ("message", "message_zh", "subject", "subject_zh"):
            self.check_template(spec.get(key), checker.typedef, checker, f"{path}.{key}")

    def run(self, ctx: "ActionContext") -> list[StepSpec]:
        ids, missing = _user_ids(ctx, self.users, self.user_field)
        message = ctx.render(self.spec["message"])
        message_zh = ctx.render(self.spec.get("message_zh"), zh=True)
        subject = ctx.render(self.spec.get("subject"))
        steps = notify_users(ctx, self.name, ids, message, message_zh, subject, self.spec.get("email", True))
        if missing:
            steps[0].result["not_found"] = missing
        return steps


@register
class Webhook(Action):
    """POST the record and the rule as JSON to ``url``, signed with HMAC-SHA256 of the body when the
    action has a ``secret`` (``X-Recordbase-Signature``; no signature header without one)."""

    name = "webhook"
    kind = "external"

    def __init__(self, spec: dict, checker: Checker, path: str):
        super().__init__(spec, checker, path)

    def run(self, ctx: "ActionContext") -> list[StepSpec]:
        key = uuid.uuid4().hex
        body = {"rule": {"id": ctx.rule.id, "name": ctx.rule.name}, "trigger": ctx.trigger,
                "type": ctx.typedef.name, "record_id": ctx.record_id, "run_id": ctx.run_id,
                "record": ctx.record_json(), "changed": ctx.changed_fields, "idempotency_key": key}
        text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
        payload = {"url": self.spec["url"], "body": text, "timeout": float(self.spec.get("timeout", 10))}
        if self.spec.get("secret"):
            payload["secret"] = self.spec["secret"]  # never shown: runs leave it out (:func:`.runs.step_json`)
        return [StepSpec(self.name, kind="external", status="pending", payload=payload,
                         max_attempts=int(self.spec.get("max_attempts", 8)), idempotency_key=key)]


@register
class Assign(Action):
    """Set a user field to a user (an e-mail, ``@actor``: who made the write, ``@creator``: who created
    the record), and tell the assignee in the inbox (unless ``"notify": false``)."""

    name = "assign"
    forbidden_on = ("record_deleted",)
    SPECIAL = ("@actor", "@creator")

    def __init__(self, spec: dict, checker: Checker, path: str):
        super().__init__(spec, checker, path)
        f = checker.typedef.field(spec.get("field", ""))
        if f is None:
            checker.problem(f"{path}.field", f"record type '{checker.typedef.name}' has no field '{spec.get('field')}'")
        elif f.field_type != "user":
            checker.problem(f"{path}.field", f"'{f.name}' is a {f.field_type} field, not a user field")
        user = spec.get("user", "")
        if user not in self.SPECIAL and "@" not in user:
            checker.problem(f"{path}.user", "must be an e-mail address, @actor or @creator")
        for key in ("message", "message_zh"):
            self.check_template(spec.get(key), checker.typedef, checker, f"{path}.{key}")

    def run(self, ctx: "ActionContext") -> list[StepSpec]:
        user = self.spec["user"]
        if user == "@actor":
            uid = ctx.store.user_id
        elif user == "@creator":
            uid = ctx.store.get(ctx.typedef.name, ctx.record_id).created_by
        else:
            uid = ctx.store.session.scalar(select(User.id).where(func.lower(User.email) == user.lower(),
                                                                 User.is_active.is_(True)))
        if uid is None:
            return [StepSpec(self.name, result={"assigned": None, "not_found": user})]
        field = self.spec["field"]
        changed = ctx.update(ctx.typedef, ctx.record_id, {field: uid})
        steps = [StepSpec(self.name, result={"assigned": ctx.store.ctx.user_email(uid), "changed": changed})]
        if changed and self.spec.get("notify", True):
            title = ctx.store.title(ctx.store.get(ctx.typedef.name, ctx.record_id))
            message = ctx.render(self.spec.get("message")) or f"You were assigned {ctx.typedef.label}: {title}"
            message_zh = ctx.render(self.spec.get("message_zh"), zh=True) or \
                f"您被指派处理{ctx.typedef.label_zh or ctx.typedef.label}：{title}"
            steps += notify_users(ctx, "notify", [uid], message, message_zh, None, True)[1:]  # e-mail steps only
        return steps


def build_actions(specs: list, checker: Checker) -> list[Action]:
    out = []
    for i, spec in enumerate(specs):
        cls = ACTIONS.get(spec.get("do"))
        if cls is None:  # the JSON schema already refused it
            continue
        out.append(cls(spec, checker, f"$.actions[{i}]"))
    return out


def zh_context(ctx: ValueContext) -> ValueContext:
    return dataclasses.replace(ctx, lang="zh")


from ..workflow import rule_action  # noqa: E402,F401  (registers the 'transition' action)
