"""Who may see, make and change a view.

- A **personal** view (``owner_id`` set) exists only for its owner. Anyone who may read a record type
  may save personal views of it (not through a read-only token), and change or delete their own.
- A **shared** view (``owner_id`` NULL) exists for everyone who may read its type (and is not hidden
  from them: :func:`recordbase.access.metamodel_view.view_visible`). Making, changing or deleting one
  needs ``configure`` on its type: Owners and Builders, or a role granting ``configure`` on that
  type. Shared views are what packs ship and export.

Checked by :class:`recordbase.packs.views.ViewService` for the API and the admin alike.
"""
from __future__ import annotations

from typing import Any, Optional

from ..errors import Forbidden


def may_share(policy: Optional[Any], type_name: str) -> bool:
    return policy is None or policy.can_configure(type_name)


def may_keep_personal(policy: Optional[Any], type_name: str) -> bool:
    return policy is None or (not policy.read_only and policy.user_id is not None and policy.can("read", type_name))


def may_change(policy: Optional[Any], view: Any) -> bool:
    if view.owner_id is None:
        return may_share(policy, view.type_name)
    return policy is None or (view.owner_id == policy.user_id and not policy.read_only)


def require_change(policy: Optional[Any], view: Any) -> None:
    if not may_change(policy, view):
        if view.owner_id is None:
            raise Forbidden(f"Changing a shared view of '{view.type_name}' needs 'configure' on it",
                            {"action": "configure", "type": view.type_name})
        raise Forbidden("Only its owner may change a personal view", {"view": view.id})


def require_keep(policy: Optional[Any], type_name: str, shared: bool) -> None:
    """403 unless the caller may save a view of ``type_name`` shared (or personal)."""
    if shared and not may_share(policy, type_name):
        raise Forbidden(f"Sharing a view of '{type_name}' needs 'configure' on it; save it as a personal view",
                        {"action": "configure", "type": type_name})
    if not shared and not may_keep_personal(policy, type_name):
        raise Forbidden(f"You may not save views of '{type_name}'", {"action": "read", "type": type_name})
