"""Installing, upgrading and re-installing packs: the order of the steps, and the rules they follow.

Install is one transaction (the caller's): the pack is validated completely first
(:mod:`.validator`), so an invalid pack installs nothing; then record types, stored fields,
links, computed fields (in dependency order), choices (:mod:`.install_metamodel`), rules and saved
views (:mod:`.install_content`) and — when asked — sample data (:mod:`.install_samples`) are
created through the metamodel, rule, view and record services, exactly as a user's own changes
would be. The schema work is phased: the runtime schema is rebuilt a constant number of times
per install, not per field.

Every thing the pack creates is remembered in ``rb_pack_item`` with two fingerprints
(:mod:`.fingerprints`): of the pack's definition and of the object as the pack left it.
Installing again (the same version or a newer one) compares them:

==================================  =============================================================
the object                          what happens
==================================  =============================================================
not recorded                        created (a new type, field, choice, rule, view, sample record)
recorded, gone or in the trash      left alone: the user deleted it ("skipped")
recorded, pack unchanged            nothing
recorded, pack changed, user not    the pack's change is applied (labels, help, sections, rules ...)
recorded, pack changed, user too    the user's version is kept; reported as a conflict
a name the user already uses        not created; reported as a conflict (refused on a first install)
==================================  =============================================================

Nothing is ever dropped, and no record is changed. Installing twice changes nothing.
Uninstall (:mod:`.uninstaller`) moves the pack's record types to the trash and switches its rules
off; installing again restores them.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Optional
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict
from ..metamodel.service import MetamodelService
from ..models import utcnow
from .fingerprints import DERIVED_OPTIONS, fingerprint, version_key  # noqa: F401  (re-exported)
from .install_content import ContentSteps
from .install_layouts import LayoutSteps
from .install_metamodel import MetamodelSteps
from .install_report import InstallReport
from .install_samples import SampleSteps
from .loader import PackError, PackSource
from .models import Pack
from .uninstaller import installed_packs, uninstall  # noqa: F401  (re-exported)
from .validator import validate

__all__ = ["Installer", "InstallReport", "install", "uninstall", "installed_packs", "fingerprint", "version_key",
           "DERIVED_OPTIONS"]


class Installer(MetamodelSteps, ContentSteps, LayoutSteps, SampleSteps):
    """Installs packs into one session (the caller commits, or rolls back on error)."""

    def __init__(self, session: Session, user_id: Optional[int] = None, timezone_name: str = "UTC",
                 today: Optional[date] = None):
        self.session = session
        self.user_id = user_id
        self.timezone = timezone_name
        self.today = today or datetime.now(timezone.utc).astimezone(ZoneInfo(timezone_name)).date()
        self.svc = MetamodelService(session)

    def install(self, source: PackSource, sample_data: bool = False) -> InstallReport:
        plan = validate(source, self.svc.schema())
        self.plan = plan
        pack = self.session.scalars(select(Pack).where(Pack.pack_id == plan.id)).first()
        previous = pack.version if pack else None
        if pack is not None and version_key(pack.version) > version_key(plan.version):
            raise Conflict(f"Pack '{plan.id}' {pack.version} is installed; {plan.version} is older and is not installed "
                           "over it", {"installed": pack.version, "given": plan.version})
        mode = "install" if pack is None else ("reinstall" if pack.status == "uninstalled" else "upgrade")
        self.report = InstallReport(plan.id, plan.version, previous, mode)
        if pack is None:
            pack = Pack(pack_id=plan.id, version=plan.version, name=plan.manifest["name"], status="installed",
                        installed_by=self.user_id)
            self.session.add(pack)
        self.pack = pack
        self.items = {(i.kind, i.key): i for i in pack.items}
        self._check_clashes()
        if mode == "reinstall":
            self._restore()
        self.gone_types = set()
        self.created_types = set()
        # the metamodel, phase by phase (install_metamodel), then one reload for everything after it
        self._types()
        self._fields()
        self._finish_types()
        self._finish_metamodel()
        from ..workflow.pack_workflows import install_workflows

        # workflows before the rules (a rule's "start a transition" names one of their transitions);
        # sample records keep the states they are written with (workflow_bypass)
        install_workflows(self)
        self._rules()
        self._views()
        from ..publicforms.packs import install_forms

        install_forms(self)  # public forms, after the views their link fields name
        self._form_layouts()
        from ..dashboards.pack_steps import install_dashboards

        install_dashboards(self)  # (recordbase.dashboards)
        if sample_data:
            if getattr(plan, "workflows", None):  # (a later step's save bumped the version past the
                self.schema = self.svc.schema()  # workflows' reload: the samples write on the stored one)
            self._samples()
            from ..workflow.pack_workflows import open_sample_approvals

            open_sample_approvals(self)  # sample records waiting for approval get their steps
        m = plan.manifest
        pack.version = plan.version
        pack.name, pack.name_zh = m["name"], m.get("name_zh")
        pack.description = m.get("description")
        pack.apps = m.get("apps") or []
        pack.manifest = {k: v for k, v in m.items() if k != "sample_data"}
        pack.status = "installed"
        pack.updated_at = utcnow()
        self.session.flush()
        return self.report

    def _check_clashes(self) -> None:
        """On a first install, a record type name the instance already uses refuses the whole pack."""
        problems = []
        for t in self.plan.types:
            if ("type", t["name"]) in self.items:
                continue
            tm = self._type(t["name"])
            if tm is not None:
                msg = (f"the instance already has a record type named '{t['name']}' (not installed by this pack"
                       + ("; it is in the trash" if tm.deleted_at else "") + ")")
                problems.append({"path": f"{self.plan.type_paths[t['name']]}.name", "message": msg})
        if problems and self.report.mode == "install":
            raise PackError(problems, "The pack cannot be installed")
        for p in problems:
            self.report.conflicts.append({**p, "item": p["path"]})
        self.clashing = {p["path"] for p in problems}

    def _restore(self) -> None:
        """A re-install: the types and rules the uninstall put away come back."""
        from ..automation.models import Rule
        from ..automation.rules import RuleService

        info = (self.pack.manifest or {}).get("_uninstalled") or {}
        for name in info.get("types", []):
            tm = self._type(name)
            if tm is not None and tm.deleted_at is not None:
                tm.deleted_at = None
                self.report.restored.append(name)
        if self.report.restored:
            self.svc.bump_version()
        rule_ids = info.get("rules", [])
        for rid in rule_ids:
            rule = self.session.get(Rule, rid)
            if rule is not None:
                rule.enabled = True
        if rule_ids:
            RuleService(self.session, self.svc.schema()).bump()


def install(session: Session, source: PackSource, sample_data: bool = False, user_id: Optional[int] = None,
            timezone_name: str = "UTC", today: Optional[date] = None) -> InstallReport:
    """Install (or upgrade, or re-install) a pack in the caller's transaction."""
    return Installer(session, user_id, timezone_name, today).install(source, sample_data)
