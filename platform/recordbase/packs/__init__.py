"""Template packs: record types, rules, saved views and sample data as data (design §1).

A pack is a folder ``templates_catalog/<id>/`` with a ``pack.json`` validated by
``templates_catalog/pack.schema.json`` and optional sample data files.

Modules:

- :mod:`.loader` — find and read packs (catalogue name, folder, ``pack.json``, one-file pack).
- :mod:`.validator` — the JSON Schema, then the semantic checks against the pack and the instance
  (:mod:`.field_checks`: fields and computed fields; :mod:`.content_checks`: rules, views, sample
  data) on a :mod:`.simulation` of the schema; every problem with its JSON path; an invalid pack
  installs nothing. It gives the install plan (:mod:`.pack_plan`).
- :mod:`.installer` — install / upgrade / re-install (one transaction, idempotent, never
  overwrites the user's changes): the order of the steps, which are :mod:`.install_metamodel`
  (types and fields, in phases), :mod:`.install_content` (rules, views; like every keyed document
  kind, through :mod:`.install_keyed`) and
  :mod:`.install_samples` (sample data), sharing :mod:`.install_state`; what was installed is
  remembered with :mod:`.fingerprints` in ``rb_pack_item``; :mod:`.install_report` is what it did.
- :mod:`.uninstaller` — uninstall (the pack's types to the trash, its rules off).
- :mod:`.exporter` — any selection of record types (with rules, views, records) as a pack.
- :mod:`.sample` — sample data: keys instead of ids, dates relative to the install day.
- :mod:`.views` — saved views (``rb_view``): filter, sort, columns.
- :mod:`.models` — ``rb_pack``, ``rb_pack_item``, ``rb_view``.
"""
from __future__ import annotations

from .loader import PackError, PackSource, catalog, catalog_dir, catalog_names, from_json, load

__all__ = ["PackError", "PackSource", "catalog", "catalog_dir", "catalog_names", "from_json", "load",
           "install", "uninstall", "export", "validate", "app_label", "app_labels"]


def install(*args, **kwargs):
    from .installer import install as _install

    return _install(*args, **kwargs)


def uninstall(*args, **kwargs):
    from .uninstaller import uninstall as _uninstall

    return _uninstall(*args, **kwargs)


def export(*args, **kwargs):
    from .exporter import export as _export

    return _export(*args, **kwargs)


def validate(*args, **kwargs):
    from .validator import validate as _validate

    return _validate(*args, **kwargs)


def app_labels(session, lang: str) -> dict[str, str]:
    """Menu group (``app``) -> its label in ``lang``, for the groups installed packs name in Chinese.

    A pack's types carry the app's English label (``Outsourcing``); in Chinese the menu shows the
    pack's ``label_zh`` (``外包管理``). Empty in English, or when no pack is installed."""
    if not lang.startswith("zh"):
        return {}
    from sqlalchemy import select

    from .models import Pack

    out: dict[str, str] = {}
    for apps in session.scalars(select(Pack.apps).where(Pack.status == "installed")):
        for a in apps or []:
            if a.get("label") and a.get("label_zh"):
                out.setdefault(a["label"], a["label_zh"])
    return out


def app_label(session, app: str, lang: str) -> str:
    """One menu group's label in ``lang`` (see :func:`app_labels`)."""
    return app_labels(session, lang).get(app, app) if app else app
