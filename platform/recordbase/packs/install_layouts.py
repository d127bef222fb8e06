"""The form layout step of an install: a pack's ``form_layouts`` (one layout document per record type,
:mod:`recordbase.formlayout.document`).

Like rules and views: a layout the pack has not installed before is set (unless the user already
made one for the type: theirs is kept, reported as a conflict); one it installed is changed only
when the pack changed it and the user did not.
"""
from __future__ import annotations

from ..formlayout.service import set_layout, stored_layout
from .fingerprints import fingerprint
from .install_state import InstallState


class LayoutSteps(InstallState):
    def _form_layouts(self) -> None:
        for i, entry in enumerate(self.plan.manifest.get("form_layouts") or []):
            name, path = entry["type"], f"form_layouts[{i}]"
            if name in self.gone_types or self._type(name) is None:
                continue
            document = {k: v for k, v in entry.items() if k != "type"}
            item = self.items.get(("form_layout", name))
            current = stored_layout(self.svc, name)
            if item is None:
                if current:
                    self.report.conflicts.append({"path": path, "item": f"form layout {name}",
                                                  "message": "the type has a form layout here; yours is kept"})
                    continue
                with self._attempt(path, f"form layout {name}"):
                    self._remember("form_layout", name, None, document, set_layout(self.svc, name, document))
                continue
            if item.pack_hash != fingerprint(document):
                if fingerprint(current) != item.state_hash:
                    self.report.conflicts.append({"path": path, "item": f"form layout {name}",
                                                  "message": "the form layout was changed here; your version is kept"})
                    item.pack_hash = fingerprint(document)
                    continue
                with self._attempt(path, f"form layout {name}"):
                    self._remember("form_layout", name, None, document, set_layout(self.svc, name, document))
                    self.report.updated.append(f"form layout {name}")
