"""What the record store asks before it writes a record of a type with a workflow (design §11).

- the state field changes only through a transition: :func:`transition_write` marks the one
  update the engine makes for a transition (type, record, target state); any other change of the
  state field is a 409 ``transition_required`` naming the transitions the writer may take;
- a new record starts in the workflow's initial state (empty: filled with it);
- fields locked in the record's current state are not written (409 ``field_locked``) other
  than by a transition.

A store with ``workflow_bypass`` set (a pack's sample data: records written as they were in the
app they come from) is not held by these checks.

Every surface writes through :meth:`RecordStore.create`, :meth:`RecordStore.create_many` or
:meth:`RecordStore.update`, so API, ``/v0``, admin forms, inline edits, board drags, imports,
batches and automation actions are all held by these checks.
"""
from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Iterator

from ..errors import FieldLocked, TransitionRequired
from ..i18n import translate as _
from .service import workflow_of

if TYPE_CHECKING:
    from ..metamodel.runtime import TypeDef
    from ..storage import RecordStore
    from ..storage.reading import Record

PENDING = "_rb_wf_transition"


@contextlib.contextmanager
def transition_write(store: "RecordStore", type_name: str, record_id: int, to_state: str) -> Iterator[None]:
    """The next update of this record may move its state field to ``to_state`` (the engine's own write)."""
    setattr(store, PENDING, (type_name, record_id, to_state))
    try:
        yield
    finally:
        setattr(store, PENDING, None)


def _allowed_names(store: "RecordStore", typedef: "TypeDef", record: "Record") -> list[str]:
    from .engine import WorkflowEngine

    try:
        return [t["name"] for t in WorkflowEngine(store).available(typedef.name, record)]
    except Exception:  # noqa: BLE001 - the refusal must not fail on its explanation
        return []


def check_update(store: "RecordStore", typedef: "TypeDef", before: "Record", cleaned: dict) -> None:
    """Before an update is written: 409 unless the state field and locked fields may change."""
    wf = workflow_of(store.session, typedef)
    if wf is None or getattr(store, "workflow_bypass", False):
        return
    pending = getattr(store, PENDING, None)
    if pending is not None and pending[:2] == (typedef.name, before.id):
        setattr(store, PENDING, None)  # one write: rules acting inside it are checked again
        if cleaned.get(wf.state_field, before.values.get(wf.state_field)) == pending[2]:
            return
    current = before.values.get(wf.state_field)
    new = cleaned.get(wf.state_field, current)
    if wf.state_field in cleaned and new != current:
        names = _allowed_names(store, typedef, before)
        raise TransitionRequired(
            _("The field %(field)s changes only through a workflow transition; allowed now: %(names)s",
              field=wf.state_field, names=", ".join(names) or "—"),
            {"field": wf.state_field, "state": current, "transitions": names})
    locked = wf.locked.get(current)
    if locked:
        changed = sorted(n for n in cleaned if n in locked and cleaned[n] != before.values.get(n))
        if changed:
            raise FieldLocked(_("In the state %(state)s these fields cannot be changed: %(fields)s",
                                state=current, fields=", ".join(changed)),
                              {"state": current, "fields": changed})


def check_create(store: "RecordStore", typedef: "TypeDef", cleaned: dict) -> None:
    """Before a record is created: it starts in the initial state (an empty state is filled with it)."""
    wf = workflow_of(store.session, typedef)
    if wf is None:
        return
    value = cleaned.get(wf.state_field)
    if value in (None, ""):
        cleaned[wf.state_field] = wf.initial
        return
    if value != wf.initial and not getattr(store, "workflow_bypass", False):
        raise TransitionRequired(
            _("A new record starts in the state %(state)s; the field %(field)s then changes only through a "
              "workflow transition", state=wf.initial, field=wf.state_field),
            {"field": wf.state_field, "initial": wf.initial, "transitions": []})

