"""REST API at ``/api/v1`` (design §7): JSON, bearer tokens, one error body, OpenAPI per record type.

Modules: :mod:`.blueprint` (the blueprint and request helpers), :mod:`.auth`
(bearer tokens, ``/me``), :mod:`.errors` (the error body), :mod:`.schemas`
(marshmallow schemas built from the metamodel), :mod:`.types` (record types
and fields), :mod:`.records` (records), :mod:`.attachments` (files) and
:mod:`.openapi` (the OpenAPI document).
"""
from __future__ import annotations

from flask import Flask

# importing the endpoint modules adds their routes to the blueprint
from . import attachments, auth, dataio, openapi, records, rules, types  # noqa: F401
from . import packs, views  # noqa: F401  (template packs, saved views: recordbase.packs)
from . import access  # noqa: F401  (users, roles, tokens, history, audit, public forms: recordbase.access)
from .blueprint import bp
from .errors import init_errors


def init_api(app: Flask) -> None:
    from ..security import csrf

    csrf.exempt(bp)  # the API authenticates by bearer token only, never by the session cookie
    init_errors(app)
    app.register_blueprint(bp)
