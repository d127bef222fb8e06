"""Saving and reading workflow documents (``rb_workflow``), and the checked workflow of a type.

A saved workflow changes how records of its type may be written, so saving one bumps the schema
version: every process rebuilds its snapshot, and the checked workflow is kept per snapshot on the
:class:`~recordbase.metamodel.runtime.TypeDef` (:func:`workflow_of`: no query per write).
"""
from __future__ import annotations

import logging
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound, ValidationError
from ..metamodel.runtime import RuntimeSchema, TypeDef
from ..metamodel.service import MetamodelService
from ..models import utcnow
from .definition import WorkflowDef, check
from .models import Workflow

log = logging.getLogger(__name__)
MEMO_KEY = "rb_workflow"


def _load(session: Session, typedef: TypeDef) -> Optional[WorkflowDef]:
    doc = session.scalar(select(Workflow.definition).where(Workflow.type_name == typedef.name,
                                                           Workflow.enabled.is_(True)))
    if doc is None:
        return None
    try:
        return check(doc, typedef)
    except ValidationError as exc:  # the type changed under it (a field trashed): the workflow waits for a fix
        log.warning("workflow of %s is not valid any more: %s", typedef.name, exc.details)
        return None


def workflow_of(session: Session, typedef: TypeDef) -> Optional[WorkflowDef]:
    """The type's checked workflow (None: no workflow), read once per schema snapshot."""
    return typedef.memo(MEMO_KEY, lambda td: _load(session, td))


class WorkflowService:
    def __init__(self, session: Session, schema: RuntimeSchema):
        self.session = session
        self.schema = schema

    def list(self) -> list[Workflow]:
        return list(self.session.scalars(select(Workflow).order_by(Workflow.type_name)))

    def get(self, type_name: str) -> Optional[Workflow]:
        return self.session.scalar(select(Workflow).where(Workflow.type_name == type_name))

    def check(self, document: Any) -> WorkflowDef:
        name = document.get("type") if isinstance(document, dict) else None
        return check(document, self.schema.types.get(name) if isinstance(name, str) else None, self.schema)

    def save(self, document: Any) -> Workflow:
        """Create or replace the workflow of ``document['type']`` (422 listing every problem)."""
        self.check(document)
        model = self.get(document["type"])
        if model is None:
            model = Workflow(type_name=document["type"], definition=document, enabled=True)
            self.session.add(model)
        else:
            model.definition = document
            model.updated_at = utcnow()
        MetamodelService(self.session).bump_version()
        return model

    def delete(self, type_name: str) -> None:
        model = self.get(type_name)
        if model is None:
            raise NotFound(f"Record type '{type_name}' has no workflow")
        self.session.delete(model)
        MetamodelService(self.session).bump_version()
