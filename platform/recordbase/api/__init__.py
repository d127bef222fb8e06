"""REST API at ``/api/v1`` (design §7): JSON, bearer tokens, one error body, OpenAPI per record type.

Modules: :mod:`.blueprint` (the blueprint and request helpers), :mod:`.auth`
(bearer tokens, ``/me``), :mod:`.errors` (the error body), :mod:`.schemas`
(marshmallow schemas built from the metamodel), :mod:`.types` (record types
and fields), :mod:`.records` (records), :mod:`.attachments` (files) and
:mod:`.openapi` (the OpenAPI document).
"""
from __future__ import annotations

from flask import Flask
from werkzeug.routing import BaseConverter

# importing the endpoint modules adds their routes to the blueprint
from . import attachments, auth, dataio, openapi, records, rules, types  # noqa: F401
from . import packs, views  # noqa: F401  (template packs, saved views: recordbase.packs)
from . import aggregate  # noqa: F401  (the aggregation engine: recordbase.storage.aggregation)
from . import access  # noqa: F401  (users, roles, tokens, history, audit, public forms: recordbase.access)
from ..comments import api as _comments_api  # noqa: F401,E402  (record comments: recordbase.comments)
from . import form_layouts  # noqa: F401  (a type's form layout: recordbase.formlayout)
from ..workflow import api as _workflow_api  # noqa: F401  (transitions, approvals, workflows: recordbase.workflow)
from .blueprint import bp
from .errors import init_errors


def init_api(app: Flask) -> None:
    from ..security import csrf

    csrf.exempt(bp)  # the API authenticates by bearer token only, never by the session cookie
    init_errors(app)
    app.url_map.converters["pack_ref"] = PackRef
    app.url_map.converters["field_ref"] = FieldRef
    app.register_blueprint(bp)


class PackRef(BaseConverter):
    """A pack id in ``/packs/<pack_id>``, never the names of the actions beside it (``/packs/export``
    is POST only: a GET there is a 405 whose ``Allow`` header names POST, as the document says)."""

    regex = r"(?!(?:export|install)(?:/|$))[^/]+"


class FieldRef(BaseConverter):
    """A field in ``/types/<type>/fields/<field>``, never ``order`` (a reserved name: ``…/fields/order``
    is the POST that orders the fields)."""

    regex = r"(?!order(?:/|$))[^/]+"
