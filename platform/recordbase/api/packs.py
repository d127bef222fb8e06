"""Template packs over the API.

- ``GET /api/v1/packs`` — the catalogue with what is installed; ``GET /api/v1/packs/<id>`` — one
  pack with its record types and fields (a preview).
- ``POST /api/v1/packs/install`` ``{"pack": "outsourcing", "sample_data": true}`` (a catalogue
  pack) or ``{"manifest": {...pack.json with inline sample data...}}`` — install or upgrade;
  answers the install report. A refused pack is a 422 whose ``details.errors`` list every problem
  with its JSON path; nothing is installed.
- ``POST /api/v1/packs/<id>/uninstall`` — the pack's record types to the trash.
- ``POST /api/v1/packs/export`` ``{"types": ["supplier", "contract"], "records": false}`` — the pack JSON.

Installing, uninstalling and exporting take an owner or builder.
"""
from __future__ import annotations

from flask import g, jsonify

from ..context import db_session
from ..errors import Forbidden, NotFound, ValidationError
from ..packs import catalog, from_json, load
from ..packs.installer import install, installed_packs, uninstall
from ..settings import instance_timezone
from .blueprint import bp, commit, json_body
from .permissions import policy

PACK_ADMINS = ("owner", "builder")


def _admin() -> None:
    """Packs change or reveal the metamodel of many types: they take a token that may configure
    everything (an owner's or builder's, not narrowed to some types nor read-only)."""
    if g.rb_user.role not in PACK_ADMINS or not policy().can_configure():
        raise Forbidden("Only owners and builders may install, uninstall or export packs", {"role": [g.rb_user.role]})


def pack_summary(src, installed=None) -> dict:
    m = src.manifest
    return {"id": src.id, "version": src.version, "name": m.get("name"), "name_zh": m.get("name_zh"),
            "description": m.get("description"), "description_zh": m.get("description_zh"),
            "apps": m.get("apps") or [],
            "types": [{"name": t["name"], "label": t["label"], "label_zh": t.get("label_zh"),
                       "description": t.get("description"), "fields": len(t.get("fields") or [])}
                      for t in m.get("types") or []],
            "rules": [{"name": r.get("name"), "name_zh": r.get("name_zh"), "type": r.get("type")} for r in m.get("rules") or []],
            "views": [{"name": v.get("name"), "name_zh": v.get("name_zh"), "type": v.get("type")} for v in m.get("views") or []],
            "sample_data": bool(m.get("sample_data")),
            "installed": installed.version if installed is not None and installed.status == "installed" else None,
            "status": installed.status if installed is not None else None}


@bp.get("/packs")
def list_packs():
    installed = installed_packs(db_session())
    return jsonify({"packs": [pack_summary(src, installed.get(src.id)) for src in catalog()]})


@bp.get("/packs/<pack_ref:pack_id>")
def get_pack(pack_id: str):
    src = next((s for s in catalog() if s.id == pack_id), None)
    if src is None:
        raise NotFound(f"No pack named '{pack_id}' in the catalogue", {"pack": pack_id})
    body = pack_summary(src, installed_packs(db_session()).get(pack_id))
    body["types"] = [{"name": t["name"], "label": t["label"], "label_zh": t.get("label_zh"),
                      "description": t.get("description"),
                      "fields": [{"name": f["name"], "label": f["label"], "label_zh": f.get("label_zh"), "type": f["type"]}
                                 for f in t.get("fields") or []]}
                     for t in src.manifest.get("types") or []]
    return jsonify(body)


@bp.post("/packs/install")
def install_pack():
    _admin()
    body = json_body(allowed=("pack", "manifest", "sample_data"))
    if bool(body.get("pack")) == bool(body.get("manifest")):
        raise ValidationError("Give 'pack' (a catalogue name) or 'manifest' (the pack JSON)",
                              {"pack": ["give pack or manifest"]})
    if body.get("pack"):
        name = str(body["pack"])
        if name not in {s.id for s in catalog()}:
            raise NotFound(f"No pack named '{name}' in the catalogue", {"pack": name})
        source = load(name)
    else:
        source = from_json(body["manifest"])
    report = install(db_session(), source, sample_data=bool(body.get("sample_data")), user_id=g.rb_user.id,
                     timezone_name=instance_timezone())
    commit()
    return jsonify(report.to_json()), 201 if report.mode == "install" else 200


@bp.post("/packs/<pack_id>/uninstall")
def uninstall_pack(pack_id: str):
    _admin()
    result = uninstall(db_session(), pack_id)
    commit()
    return jsonify(result)


@bp.post("/packs/export")
def export_pack():
    _admin()
    from ..packs.exporter import export

    body = json_body(allowed=("types", "records", "id", "version", "name"))
    types = body.get("types")
    if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
        raise ValidationError("'types' must be a list of record type names", {"types": ["is required"]})
    pack, left_out = export(db_session(), types, records=bool(body.get("records")), pack_id=body.get("id"),
                            version=body.get("version") or "1.0.0", name=body.get("name"))
    return jsonify({"pack": pack, "left_out": left_out})
