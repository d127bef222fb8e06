"""What an install, upgrade or re-install did: the report the CLI prints and the API answers."""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from typing import Optional


@dataclass
class InstallReport:
    pack: str
    version: str
    previous_version: Optional[str] = None
    mode: str = "install"  # install | upgrade | reinstall
    created: dict = dc_field(default_factory=lambda: {"types": [], "fields": [], "choices": [], "rules": [],
                                                      "views": []})
    updated: list = dc_field(default_factory=list)
    records: dict = dc_field(default_factory=dict)
    conflicts: list = dc_field(default_factory=list)
    skipped: list = dc_field(default_factory=list)
    restored: list = dc_field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(any(self.created.values()) or self.updated or any(self.records.values()) or self.restored)

    def to_json(self) -> dict:
        return {"pack": self.pack, "version": self.version, "previous_version": self.previous_version,
                "mode": self.mode, "changed": self.changed, "created": self.created, "updated": self.updated,
                "records": self.records, "conflicts": self.conflicts, "skipped": self.skipped,
                "restored": self.restored}

    def summary(self) -> str:
        c = self.created
        parts = [f"{len(c['types'])} record types", f"{len(c['fields'])} fields", f"{len(c['rules'])} rules",
                 f"{len(c['views'])} views"]
        if c["choices"]:
            parts.append(f"{len(c['choices'])} choices")
        n = sum(self.records.values())
        if n:
            parts.append(f"{n} sample records")
        head = {"install": "Installed", "upgrade": "Upgraded", "reinstall": "Reinstalled"}[self.mode]
        text = f"{head} {self.pack} {self.version}" + (f" (from {self.previous_version})" if self.previous_version and
                                                     self.previous_version != self.version else "")
        if not self.changed:
            return text + ": nothing to change (already installed)."
        text += ": created " + ", ".join(parts)
        if self.updated:
            text += f"; updated {len(self.updated)}"
        return text + "."
