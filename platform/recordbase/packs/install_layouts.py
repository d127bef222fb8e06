"""The form layout step of an install: a pack's ``form_layouts`` (one layout document per record type,
:mod:`recordbase.formlayout.document`).

Like rules and views: a layout the pack has not installed before is set (unless the user already
made one for the type: theirs is kept, reported as a conflict); one it installed is changed only
when the pack changed it and the user did not.
"""
from __future__ import annotations

from ..formlayout.service import set_layout, stored_layout
from .install_keyed import KeyedKind, install_keyed
from .install_state import InstallState


class LayoutSteps(InstallState):
    def _form_layouts(self) -> None:
        for i, entry in enumerate(self.plan.manifest.get("form_layouts") or []):
            name = entry["type"]
            if name in self.gone_types or self._type(name) is None:
                continue
            document = {k: v for k, v in entry.items() if k != "type"}
            install_keyed(self, self._form_layout_kind(name), [(name, document, f"form_layouts[{i}]")])

    def _form_layout_kind(self, name: str) -> KeyedKind:
        """A type's layout: known by the type's name, no id; stored_layout is {} for none, so "deleted by the
        user" never applies (a layout the user removed is a change of theirs, kept)."""
        return KeyedKind(
            kind="form_layout", noun="form layout", object_id=lambda _layout: None, state=lambda layout: layout,
            find=lambda _item, _document: stored_layout(self.svc, name),
            taken=lambda _key, _document: "the type has a form layout here; yours is kept"
            if stored_layout(self.svc, name) else None,
            create=lambda document: set_layout(self.svc, name, document),
            update=lambda _layout, document: set_layout(self.svc, name, document))
