"""Webhook secrets are write-only: they are stored with the rule and used to sign deliveries, and
never shown again (API answers, admin pages, errors, exports, pack exports, the audit log).

- :func:`redact_actions` — a rule's actions as they are shown: ``secret`` left out, and
  ``"has_secret": true`` on a webhook that has one (so the reader knows one is set);
- :func:`keep_secrets` — the actions a change sends, with the secrets of the rule's current
  actions kept where the change does not speak of them. A webhook action without a ``secret``
  key keeps the secret of the current webhook action to the same URL (the one at the same
  position first); ``"secret": "..."`` sets a new one; ``"secret": null`` or ``""``, or
  ``"has_secret": false``, removes it. So a client may send back what it read (``has_secret``
  is accepted and ignored), and a webhook's URL change asks for its secret again.
- :func:`scrub` — any text or JSON with the rule's secrets replaced (error messages, audit details).
"""
from __future__ import annotations

from typing import Any, Iterable, Optional

MASK = "********"


def _webhook(action: Any) -> bool:
    return isinstance(action, dict) and action.get("do") == "webhook"


def redact_actions(actions: Any) -> Any:
    """The actions as a reader sees them (see the module docstring); anything not a list is returned as is."""
    if not isinstance(actions, list):
        return actions
    out = []
    for action in actions:
        if _webhook(action):
            shown = {k: v for k, v in action.items() if k not in ("secret", "has_secret")}
            if action.get("secret"):
                shown["has_secret"] = True
            out.append(shown)
        else:
            out.append(action)
    return out


def has_secrets(actions: Any) -> bool:
    return isinstance(actions, list) and any(_webhook(a) and a.get("secret") for a in actions)


def secrets_of(actions: Any) -> list[str]:
    """The non-empty secrets among ``actions`` (for :func:`scrub`)."""
    if not isinstance(actions, list):
        return []
    return [a["secret"] for a in actions if _webhook(a) and isinstance(a.get("secret"), str) and a["secret"]]


def keep_secrets(new: Any, current: Optional[list] = None, clear: bool = False) -> Any:
    """``new`` actions with the current secrets kept where ``new`` does not set or remove them.

    ``clear``: remove every secret the change does not set (the admin's "remove secrets" box)."""
    if not isinstance(new, list):
        return new
    old = [a for a in (current or []) if _webhook(a)]
    old_at = {i: a for i, a in enumerate(current or []) if _webhook(a)}
    out = []
    for i, action in enumerate(new):
        if not _webhook(action):
            out.append(action)
            continue
        action = dict(action)
        flag = action.pop("has_secret", None)
        if "secret" in action:
            if not action["secret"]:
                action.pop("secret")  # null or "": removed
        elif flag is not False and not clear:
            same = old_at.get(i)
            if same is None or same.get("url") != action.get("url"):
                same = next((a for a in old if a.get("url") == action.get("url") and a.get("secret")), None)
            if same is not None and same.get("url") == action.get("url") and same.get("secret"):
                action["secret"] = same["secret"]
        out.append(action)
    return out


def scrub(value: Any, secrets: Iterable[str]) -> Any:
    """``value`` (text, or JSON made of dicts, lists and text) with every secret replaced by :data:`MASK`
    and every ``secret`` key's value masked."""
    secrets = [s for s in secrets if s]
    if isinstance(value, str):
        for s in secrets:
            value = value.replace(s, MASK)
        return value
    if isinstance(value, dict):
        return {k: (MASK if k == "secret" and v else scrub(v, secrets)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, secrets) for v in value]
    return value
