"""Reading and changing a type's form layout (admin layout page, metamodel API, packs).

A change is a structure change: it goes through :class:`MetamodelService` (the type must exist and
be live) and bumps the schema version in the same transaction, so every process rebuilds its forms.
"""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select

from ..metamodel.service import MetamodelService
from .document import check
from .models import FormLayoutModel


def stored_layout(svc: MetamodelService, type_name: str) -> dict:
    """The stored document of a live type ({} when it has none)."""
    tm = svc.type_model(type_name)
    row = svc.session.get(FormLayoutModel, tm.id)
    return dict(row.document) if row is not None else {}


def set_layout(svc: MetamodelService, type_name: str, document: Any) -> dict:
    """Check ``document`` and store it as the type's layout; the stored (canonical) document."""
    tm = svc.type_model(type_name)
    canonical = check(document, type_name, svc.schema())
    row = svc.session.get(FormLayoutModel, tm.id)
    if row is None:
        svc.session.add(FormLayoutModel(type_id=tm.id, document=canonical))
    elif row.document != canonical:
        row.document = canonical
    else:
        return canonical  # nothing changed: no new schema version
    svc.bump_version()
    return canonical


def layouts_of(session: Any, type_ids: list[int]) -> dict[int, dict]:
    """Stored documents by type id (pack export)."""
    if not type_ids:
        return {}
    rows = session.execute(select(FormLayoutModel.type_id, FormLayoutModel.document)
                           .where(FormLayoutModel.type_id.in_(type_ids))).all()
    return {tid: doc for tid, doc in rows if doc}


def visible_layout(document: dict, schema: Any, policy: Optional[Any]) -> dict:
    """The document as a reader may see it: related tables of types they cannot read left out, and
    columns naming fields hidden from them (a hidden field behaves as if it did not exist)."""
    out = {k: v for k, v in document.items() if k != "related"}
    related = []
    for r in document.get("related") or ():
        src = schema.types.get(r["type"])
        if src is None:
            continue
        if policy is not None:
            if not policy.can("read", r["type"]):
                continue
            src = policy.visible(src)
        if src.field(r["field"]) is None:
            continue
        related.append(dict(r, columns=[c for c in r.get("columns") or () if src.field(c) is not None]))
    if related:
        out["related"] = related
    return out
