"""What the pages of every view kind share: the record type in the URL (``/admin/<kind>/<type_name>/``,
routed like the record views: a URL variable in the blueprint's prefix, kept in ``g``), the view
shown (``?view=<id>`` or the options given in the URL), the reader's policy and their record store.

A page works on the type as its reader sees it (hidden fields do not exist), lists records through
the record store (row limits, filter and sort of the view) and never loads more than a page of them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from flask import Blueprint, abort, g, request
from flask_admin import BaseView
from flask_babel import lazy_gettext as _l

from ...access import current_policy
from ...context import current_lang
from ...errors import NotFound
from ...metamodel.runtime import TypeDef
from ...packs.views import ViewService
from ...views.kinds import get_kind
from ..access import SignedInOnly
from ..records.present import request_store
from ..type_in_url import carry_type_name


@dataclass(frozen=True)
class Shown:
    """The view a page shows: its kind's options, filter and sort, and the saved view (if any)."""

    typedef: TypeDef
    options: dict
    filter: Any
    sort: Optional[str]
    saved: Any = None

    def title(self, lang: str) -> str:
        if self.saved is None:
            return self.typedef.display_label(lang)
        return (self.saved.name_zh or self.saved.name) if lang.startswith("zh") else self.saved.name


class TypeInUrl(SignedInOnly, BaseView):
    """A view registered once with the record type's name in its URL prefix (like the record views)."""

    def is_visible(self) -> bool:
        return False

    def create_blueprint(self, admin: Any) -> Blueprint:
        return carry_type_name(super().create_blueprint(admin))

    @property
    def typedef(self) -> TypeDef:
        """The type as the reader sees it; 404 for a type that does not exist for them (also what the
        menu reads to mark the type's entry as the current page)."""
        store = request_store()
        name = g.get("rb_type_name") or ""
        policy = current_policy()
        if name not in store.schema.types or (policy is not None and not policy.can("read", name)):
            abort(404)
        return store.visible_type(name)


class KindPage(TypeInUrl):
    """A kind's registered view at ``/admin/<kind>/<type_name>``."""

    kind_name = ""

    def __init__(self) -> None:
        kind = get_kind(self.kind_name)
        names = {"board": _l("Board"), "calendar": _l("Calendar"), "gallery": _l("Gallery")}
        super().__init__(name=names.get(kind.name, kind.label), endpoint=kind.endpoint,
                         url=f"/admin/{kind.endpoint}/<type_name>")

    def shown(self) -> Shown:
        """The saved view of ``?view=`` (404 unless it is one of this kind over this type that the reader
        may see), else the options the URL gives (each kind reads its own: :meth:`url_options`)."""
        typedef = self.typedef
        store = request_store()
        ref = request.args.get("view", "").strip()
        if ref:
            try:
                saved = ViewService(store.session, store.schema, store.ctx, store.policy).find(typedef.name, ref)
            except NotFound:
                abort(404)
            if saved.kind != self.kind_name:
                abort(404)
            return Shown(typedef, dict(saved.options or {}), saved.filter, saved.sort, saved)
        options = self.url_options(typedef)
        if get_kind(self.kind_name).check(options, typedef):
            options = self.default_options(typedef)
            if options is None:
                abort(404)
        return Shown(typedef, options, None, None)

    def url_options(self, typedef: TypeDef) -> dict:
        return {}

    def default_options(self, typedef: TypeDef) -> Optional[dict]:
        """The options of the type's first saved view of this kind, else :meth:`fallback_options`."""
        saved = self.saved_views(typedef)
        if saved:
            return dict(saved[0].options or {})
        return self.fallback_options(typedef)

    def fallback_options(self, typedef: TypeDef) -> Optional[dict]:
        """Options for a type without a saved view of this kind (None: the type cannot be shown so)."""
        return None

    @staticmethod
    def card_fields_in_url(opts: dict) -> dict:
        """``opts`` with the card fields of ``?cards=a,b`` (at most 12), when given."""
        if request.args.get("cards"):
            opts["card_fields"] = [c for c in request.args["cards"].split(",") if c][:12]
        return opts

    def saved_views(self, typedef: TypeDef) -> list:
        store = request_store()
        return [v for v in ViewService(store.session, store.schema, store.ctx, store.policy).list(typedef.name)
                if v.kind == self.kind_name]

    def page_args(self, shown: Shown) -> dict:
        """What every kind's template gets."""
        lang = current_lang()
        return {"typedef": shown.typedef, "shown": shown, "lang": lang, "zh": lang.startswith("zh"),
                "title": shown.title(lang), "saved_views": self.saved_views(shown.typedef),
                "policy": current_policy()}
