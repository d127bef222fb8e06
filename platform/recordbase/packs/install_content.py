"""The rule and saved-view steps of an install.

A rule or view the pack has not installed before is created (through the rule and view
services, checked as a user's own would be); one it installed is updated only when the pack
changed it and the user did not; one the user deleted stays deleted; one the user changed keeps
the user's version and is reported as a conflict.
"""
from __future__ import annotations

from .fingerprints import fingerprint, rule_state
from .install_state import InstallState
from .models import SavedView
from .content_checks import installable_rule
from .views import ViewService, view_definition


class ContentSteps(InstallState):
    def _rules(self) -> None:
        from ..automation.models import Rule
        from ..automation.rules import RuleService

        if not self.plan.rules:
            return
        service = RuleService(self.session, self.schema)
        email = self.installer_email
        for key, data, path in self.plan.rules:
            if data["type"] in self.gone_types:
                continue
            wanted = installable_rule(data, email)
            item = self.items.get(("rule", key))
            if item is None:
                with self._attempt(path, f"rule {key}"):
                    rule = service.create(wanted, self.user_id)
                    self.report.created["rules"].append(key)
                    self._remember("rule", key, rule.id, data, rule_state(rule))
                continue
            rule = self.session.get(Rule, item.object_id) if item.object_id else None
            if rule is None:
                self.report.skipped.append({"item": f"rule {key}", "message": "rule deleted by the user: left deleted"})
                continue
            if item.pack_hash != fingerprint(data):
                if fingerprint(rule_state(rule)) != item.state_hash:
                    self.report.conflicts.append({"path": path, "item": f"rule {key}",
                                                  "message": "the rule was changed here; your version is kept"})
                    item.pack_hash = fingerprint(data)
                    continue
                with self._attempt(path, f"rule {key}"):
                    wanted = {**wanted, "enabled": rule.enabled}
                    service.update(rule.id, wanted)
                    self.report.updated.append(f"rule {key}")
                    self._remember("rule", key, rule.id, data, rule_state(rule))

    def _views(self) -> None:
        if not self.plan.views:
            return
        service = ViewService(self.session, self.schema)
        for key, data, path in self.plan.views:
            if data["type"] in self.gone_types:
                continue
            item = self.items.get(("view", key))
            if item is None:
                with self._attempt(path, f"view {key}"):
                    view = service.create(data, self.user_id)
                    self.report.created["views"].append(key)
                    self._remember("view", key, view.id, data, view_definition(view))
                continue
            view = self.session.get(SavedView, item.object_id) if item.object_id else None
            if view is None:
                self.report.skipped.append({"item": f"view {key}", "message": "view deleted by the user: left deleted"})
                continue
            if item.pack_hash != fingerprint(data):
                if fingerprint(view_definition(view)) != item.state_hash:
                    self.report.conflicts.append({"path": path, "item": f"view {key}",
                                                  "message": "the view was changed here; your version is kept"})
                    item.pack_hash = fingerprint(data)
                    continue
                with self._attempt(path, f"view {key}"):
                    service.update(view.id, {k: v for k, v in data.items() if k != "type"})
                    self.report.updated.append(f"view {key}")
                    self._remember("view", key, view.id, data, view_definition(view))
