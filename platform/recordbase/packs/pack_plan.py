"""What validating a pack gives: the problems found (each with its JSON path), or the plan the installer
follows (its types, fields in install order, rules, views and sample data)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..metamodel.runtime import RuntimeSchema
from .loader import PackSource, SampleFile


@dataclass
class FieldSpec:
    """A pack field as the installer adds it."""

    type_name: str
    name: str
    data: dict
    path: str
    stage: str  # stored | link | computed
    position: int


@dataclass
class ValidPack:
    source: PackSource
    manifest: dict
    types: list[dict]
    type_paths: dict[str, str]
    fields: list[FieldSpec]  # stored, then links, then computed fields in dependency order
    rules: list[tuple[str, dict, str]]  # (key, rule JSON without our keys, path)
    views: list[tuple[str, dict, str]]
    samples: list[SampleFile]
    key_fields: dict[str, Optional[str]]
    simulated: Optional[RuntimeSchema] = None
    #: public forms (key, form JSON, path): recordbase.publicforms.packs
    forms: list = field(default_factory=list)
    dashboards: list = field(default_factory=list)  # (key, dashboard document, path): recordbase.dashboards
    #: (type name, workflow document, path): recordbase.workflow.pack_workflows
    workflows: list = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.manifest["id"]

    @property
    def version(self) -> str:
        return self.manifest["version"]

    def app_label(self, app: Optional[str]) -> Optional[str]:
        for a in self.manifest.get("apps") or []:
            if a["name"] == app:
                return a["label"]
        return app


class Problems:
    """Where the validator's checks (:mod:`.field_checks`, :mod:`.content_checks`) put what they find."""

    problems: list[dict]

    def problem(self, path: str, message: str) -> None:
        self.problems.append({"path": path, "message": message})
