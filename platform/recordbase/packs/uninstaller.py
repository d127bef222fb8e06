"""Uninstalling a pack: its record types (with their records) to the trash, its rules switched off.

Nothing is dropped: installing the pack again restores the types and switches the rules back on
(:meth:`.installer.Installer._restore`). Refused while record types outside the pack link to it.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, NotFound
from ..metamodel.service import MetamodelService
from ..models import RecordTypeModel, utcnow
from .models import Pack


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
    """Pack id -> its ``rb_pack`` row (installed or uninstalled)."""
    return {p.pack_id: p for p in session.scalars(select(Pack))}
