"""Workflows in template packs: the top-level ``workflows`` key of a pack.json (a list of workflow
documents, :mod:`.definition`), checked against the pack's simulated schema, installed after the
sample data (samples keep the states they are written with), exported with their types.

Like a pack's rules and views: a workflow the pack installed before is updated only when the pack
changed it and the user did not; one the user changed is kept and reported as a conflict; a type
that already has a workflow of the user's keeps it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import select

from ..errors import ValidationError
from ..metamodel.runtime import RuntimeSchema
from .definition import check
from .models import Workflow
from .service import WorkflowService

if TYPE_CHECKING:
    from ..packs.installer import Installer
    from ..packs.validator import PackValidator


def check_workflows(validator: "PackValidator", schema: RuntimeSchema) -> list[tuple[str, dict, str]]:
    """(key: the type's name, document, JSON path) of each valid workflow; problems to the validator."""
    out, seen = [], {}
    for i, doc in enumerate(validator.m.get("workflows") or []):
        path = f"$.workflows[{i}]"
        name = doc.get("type") if isinstance(doc, dict) else None
        if not isinstance(name, str):  # (check() names the problem; a list here is not even a key)
            name = None
        if name is not None and name in seen:
            validator.problem(f"{path}.type", f"a second workflow for '{name}' (also at {seen[name]})")
            continue
        seen[name] = path
        try:
            check(doc, schema.types.get(name) if isinstance(name, str) else None, schema)
        except ValidationError as exc:
            for p in (exc.details or {}).get("problems", []):
                validator.problem(path + p["path"][1:], p["message"])
            continue
        out.append((name, doc, path))
    return out


def install_workflows(installer: "Installer") -> None:
    """Install the pack's workflows; the installer's schema is then the one that has them (each save
    bumps the schema version)."""
    workflows = getattr(installer.plan, "workflows", None) or []
    _install(installer, workflows)
    if workflows:
        installer.schema = installer.svc.schema()


def _install(installer: "Installer", workflows: list) -> None:
    from ..packs.install_keyed import KeyedKind, install_keyed

    def service() -> WorkflowService:  # (each save bumps the schema version: the next one checks against it)
        return WorkflowService(installer.session, installer.svc.schema())

    def create(doc: dict) -> Workflow:
        _roles(installer, doc)
        model = service().save(doc)
        installer.session.flush()
        installer.report.updated.append(f"workflow {doc['type']}")  # (a first install reports it among the updates)
        return model

    def taken(_key: str, doc: dict) -> Optional[str]:
        return "the record type already has a workflow; it is kept" if service().get(doc["type"]) else None

    install_keyed(installer, KeyedKind(
        kind="workflow", find=lambda _item, doc: service().get(doc["type"]), state=lambda model: model.definition,
        create=create, update=lambda _model, doc: service().save(doc), taken=taken,
    ), [e for e in workflows if e[1]["type"] not in installer.gone_types])


def open_sample_approvals(installer: "Installer") -> int:
    """The pack's sample records written in a state that needs approval (``workflow_bypass``: no
    transition took them there) get the approval step a transition into that state opens, approvers
    resolved and told, so they wait in "My approvals". Records already waiting are left alone; a
    step that finds no approver yet (the pack's roles are new: nobody holds them) finds them on a later
    scheduler tick, once the roles are given (:func:`.deadlines.run_unassigned`). How many opened."""
    from ..storage import RecordStore
    from .approval import Approvals
    from .engine import WorkflowEngine
    from .models import ApprovalStep
    from .service import workflow_of

    session = installer.session
    schema = installer.svc.schema()
    store = RecordStore(session, schema, user_id=installer.user_id, timezone_name=installer.timezone)
    engine = WorkflowEngine(store)
    opened = 0
    for _key, doc, _path in getattr(installer.plan, "workflows", None) or []:
        typedef = schema.types.get(doc["type"])
        wf = workflow_of(session, typedef) if typedef is not None else None
        if wf is None or not wf.approvals:
            continue
        t = typedef.table
        waiting = select(ApprovalStep.id).where(ApprovalStep.type_name == typedef.name,
                                                ApprovalStep.record_id == t.c.id,
                                                ApprovalStep.status == "pending").exists()
        state = typedef.column(typedef.field(wf.state_field))
        ids = list(session.scalars(select(t.c.id).where(state.in_(sorted(wf.approvals)), t.c.deleted_at.is_(None),
                                                        ~waiting).order_by(t.c.id)))
        for rid in ids:
            Approvals(engine).open(wf, store.get(typedef.name, rid), submitted_by=None)
            opened += 1
    return opened


def _roles(installer: "Installer", doc: dict) -> None:
    """The approver roles the workflow declares and the instance lacks: created, granting read on the type."""
    from ..access.models import Role
    from ..access.roles import BUILTIN, create_role

    for r in doc.get("roles") or []:
        if r["name"] in BUILTIN:
            continue
        role = installer.session.scalar(select(Role).where(Role.name == r["name"]))
        if role is not None:  # (declared by another workflow too: it reads this type as well)
            perms = dict(role.permissions or {})
            if doc["type"] not in perms and "*" not in perms:
                perms[doc["type"]] = {"actions": ["read"]}
                role.permissions = perms
            continue
        create_role(installer.session, {"name": r["name"], "label": r["label"], "label_zh": r.get("label_zh"),
                                        "permissions": {doc["type"]: {"actions": ["read"]}}}, installer.svc.schema())


def export_workflows(session: Any, selected: list[str]) -> list[dict]:
    return [w.definition for w in session.scalars(select(Workflow).where(Workflow.type_name.in_(selected))
                                                  .order_by(Workflow.type_name))]
