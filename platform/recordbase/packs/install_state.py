"""What one install shares across its steps (metamodel, rules and views, sample data).

:class:`InstallState` holds the session, the validated plan, the pack row and what it
remembers (``rb_pack_item``), the report, and the few helpers every step uses: remember an
object with its fingerprints, and attempt one item (a failure refuses a first install as a
whole; in an upgrade it is reported as a conflict and the rest goes on).
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from typing import Any, Iterator, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import RecordbaseError
from ..metamodel.runtime import RuntimeSchema
from ..metamodel.service import MetamodelService
from ..models import RecordTypeModel, User
from .fingerprints import fingerprint
from .install_report import InstallReport
from .loader import PackError
from .models import Pack, PackItem
from .pack_plan import ValidPack


class InstallState:
    """The state of one install; the steps are mixed into :class:`.installer.Installer`."""

    session: Session
    svc: MetamodelService
    user_id: Optional[int]
    timezone: str
    today: date
    plan: ValidPack
    pack: Pack
    #: (kind, key) -> what an earlier install of this pack created
    items: dict[tuple[str, str], PackItem]
    report: InstallReport
    #: pack types that are not installed (the user deleted them, or their name is taken)
    gone_types: set[str]
    #: types this install created
    created_types: set[str]
    #: the runtime schema once the metamodel steps are done (rules, views and sample data use it)
    schema: Optional[RuntimeSchema] = None

    @property
    def installer_email(self) -> Optional[str]:
        if self.user_id is None:
            return None
        user = self.session.get(User, self.user_id)
        return user.email if user else None

    def _type(self, name: str) -> Optional[RecordTypeModel]:
        """A record type by name (in the trash too), looked up once per install."""
        cache = self.__dict__.setdefault("_type_models", {})
        tm = cache.get(name)
        if tm is None:
            tm = self.session.scalars(select(RecordTypeModel).where(RecordTypeModel.name == name)).first()
            if tm is not None:
                cache[name] = tm
        return tm

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
        """One item. A first install stops at the first failure (the caller rolls the whole transaction
        back, so no savepoint is needed); an upgrade runs each item in a savepoint and reports a failure
        as a conflict."""
        if self.report.mode == "install":
            try:
                yield
            except RecordbaseError as exc:
                if isinstance(exc, PackError):
                    raise
                raise PackError([{"path": path, "message": exc.message}], "The pack could not be installed") from exc
            return
        try:
            with self.session.begin_nested():
                yield
        except RecordbaseError as exc:
            self.report.conflicts.append({"path": path, "item": what, "message": exc.message})
