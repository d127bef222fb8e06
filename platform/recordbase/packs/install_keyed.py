"""The install step of a kind of keyed document: rules, saved views, public forms, form layouts, dashboards,
workflows.

A pack ships each such document under a stable key; what an install made of it is remembered in
``rb_pack_item`` with the fingerprint of what the pack shipped and of the object as the pack left it
(:meth:`.install_state.InstallState._remember`). On each install, per document:

- the pack has not installed it before: it is created (unless :attr:`KeyedKind.taken` says the
  instance already has the user's own: that one is kept, reported as a conflict);
- the pack installed it and the user deleted it: it stays deleted (reported as skipped);
- the pack changed it and the user did not: it is updated;
- the pack changed it and the user changed it too: the user's version is kept (a conflict), and the
  pack's new fingerprint is remembered so the next install does not ask again.

A kind is one :class:`KeyedKind` owning how its objects are found, compared, created and updated.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional

from sqlalchemy.orm import Session

from .fingerprints import fingerprint
from .models import PackItem

if TYPE_CHECKING:
    from .install_state import InstallState


@dataclass
class KeyedKind:
    """How one kind of keyed document is installed (see the module's docstring)."""

    #: ``rb_pack_item.kind``, and the report's word for one ("rule <key>") unless :attr:`noun` says otherwise
    kind: str
    #: (what the pack remembered, the pack's document) -> the object as it is now (None: the user deleted it)
    find: Callable[[PackItem, dict], Any]
    #: an object as compared across installs (its fingerprint is the ``state_hash``)
    state: Callable[[Any], Any]
    #: the pack's document -> the new object (with an ``id``)
    create: Callable[[dict], Any]
    #: (the object, the pack's document) -> the object written
    update: Callable[[Any, dict], Any]
    #: the report's ``created`` list a creation counts in (None: not counted there)
    created: Optional[str] = None
    #: (key, a document the pack has not installed) -> why the instance's own object is kept instead (None: create)
    taken: Optional[Callable[[str, dict], Optional[str]]] = None
    #: the report's word for one, when not ``kind``
    noun: Optional[str] = None
    #: the id remembered for an object (None: an object known by its key alone)
    object_id: Callable[[Any], Optional[int]] = lambda obj: obj.id


def by_id(session: Session, model: type) -> Callable[[PackItem, dict], Any]:
    """A :attr:`KeyedKind.find` for objects remembered by their id."""
    return lambda item, _data: session.get(model, item.object_id) if item.object_id else None


def install_keyed(state: "InstallState", spec: KeyedKind, plan: Iterable[tuple[str, dict, str]]) -> None:
    """Install the (key, document, JSON path) of ``plan`` as ``spec`` says (see the module's docstring)."""
    report, noun = state.report, spec.noun or spec.kind
    for key, data, path in plan:
        what = f"{noun} {key}"
        item = state.items.get((spec.kind, key))
        if item is None:
            reason = spec.taken(key, data) if spec.taken is not None else None
            if reason:
                report.conflicts.append({"path": path, "item": what, "message": reason})
                continue
            with state._attempt(path, what):
                obj = spec.create(data)
                if spec.created is not None:
                    report.created.setdefault(spec.created, []).append(key)
                state._remember(spec.kind, key, spec.object_id(obj), data, spec.state(obj))
            continue
        obj = spec.find(item, data)
        if obj is None:
            report.skipped.append({"item": what, "message": f"{noun} deleted by the user: left deleted"})
            continue
        if item.pack_hash == fingerprint(data):
            continue
        if fingerprint(spec.state(obj)) != item.state_hash:
            report.conflicts.append({"path": path, "item": what,
                                     "message": f"the {noun} was changed here; your version is kept"})
            item.pack_hash = fingerprint(data)
            continue
        with state._attempt(path, what):
            obj = spec.update(obj, data)
            report.updated.append(what)
            state._remember(spec.kind, key, spec.object_id(obj), data, spec.state(obj))
