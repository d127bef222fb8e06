"""Recordbase: a low-code records platform.

``create_app(config)`` is the application factory (see :mod:`recordbase.application`).
"""
from __future__ import annotations

from typing import Any, Optional

__version__ = "0.1.0"


def create_app(config: Optional[dict[str, Any]] = None):
    from .application import create_app as _create_app

    return _create_app(config)
