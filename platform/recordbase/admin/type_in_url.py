"""Admin views registered once with the record type's name in their URL prefix (``.../<type_name>``).

The name is taken out of the URL values into ``g.rb_type_name`` before the view runs, and put back
into each URL the view builds, so that ``url_for(".index")`` stays on the same type.
"""
from __future__ import annotations

from typing import Optional

from flask import Blueprint, g


def carry_type_name(bp: Blueprint) -> Blueprint:
    """``bp`` with the type name moved between its URLs and ``g.rb_type_name``."""

    @bp.url_value_preprocessor
    def pull_type_name(endpoint: Optional[str], values: Optional[dict]) -> None:
        g.rb_type_name = values.pop("type_name", None) if values else None

    @bp.url_defaults
    def add_type_name(endpoint: str, values: dict) -> None:
        if "type_name" not in values and g.get("rb_type_name"):
            values["type_name"] = g.rb_type_name

    return bp
