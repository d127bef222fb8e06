"""The rule and saved-view steps of an install.

A rule or view the pack has not installed before is created (through the rule and view
services, checked as a user's own would be); one it installed is updated only when the pack
changed it and the user did not; one the user deleted stays deleted; one the user changed keeps
the user's version and is reported as a conflict.
"""
from __future__ import annotations

from .content_checks import installable_rule
from .fingerprints import rule_state
from .install_keyed import KeyedKind, by_id, install_keyed
from .install_state import InstallState
from .models import SavedView
from .views import ViewService, view_definition


class ContentSteps(InstallState):
    def _rules(self) -> None:
        from ..automation.models import Rule
        from ..automation.rules import RuleService

        if not self.plan.rules:
            return
        service = RuleService(self.session, self.schema)
        email = self.installer_email
        install_keyed(self, KeyedKind(
            kind="rule", find=by_id(self.session, Rule), state=rule_state, created="rules",
            create=lambda data: service.create(installable_rule(data, email), self.user_id),
            update=lambda rule, data: service.update(rule.id, {**installable_rule(data, email),
                                                               "enabled": rule.enabled}),
        ), [e for e in self.plan.rules if e[1]["type"] not in self.gone_types])

    def _views(self) -> None:
        if not self.plan.views:
            return
        service = ViewService(self.session, self.schema)
        install_keyed(self, KeyedKind(
            kind="view", find=by_id(self.session, SavedView), state=view_definition, created="views",
            create=lambda data: service.create(data, self.user_id),
            update=lambda view, data: service.update(view.id, {k: v for k, v in data.items() if k != "type"}),
        ), [e for e in self.plan.views if e[1]["type"] not in self.gone_types])
