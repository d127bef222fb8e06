"""The form layout page's section and related-table rows: read from the stored layout, read back
from the posted form (``sec_<part>_<i>``, ``rel_<part>_<i>``), each problem beside its row."""
from __future__ import annotations

from typing import Any, Mapping, Optional

from flask_babel import gettext as _

from ...formlayout.document import layout_of
from ...metamodel.runtime import RuntimeSchema, TypeDef

#: blank section rows offered for new sections
BLANK_SECTIONS = 2
MAX_SECTIONS = 50
SECTION_PARTS = ("key", "label", "label_zh", "columns", "help", "help_zh")


def section_rows(typedef: TypeDef) -> list[dict]:
    """The defined sections, then section keys fields use without a definition, then blank rows."""
    layout = layout_of(typedef)
    rows = [{"key": s.key, "label": s.label, "label_zh": s.label_zh or "", "columns": str(s.columns),
             "help": s.help or "", "help_zh": s.help_zh or "", "error": None} for s in layout.sections]
    defined = {s.key for s in layout.sections}
    for f in typedef.fields:
        if f.section and f.section not in defined:
            defined.add(f.section)
            rows.append({"key": f.section, "label": f.section, "label_zh": "", "columns": "1", "help": "",
                         "help_zh": "", "error": None})
    rows += [{p: "" for p in SECTION_PARTS} | {"columns": "1", "error": None} for _i in range(BLANK_SECTIONS)]
    return rows


def posted_section_rows(form: Mapping[str, str]) -> list[dict]:
    rows = []
    for i in range(MAX_SECTIONS + BLANK_SECTIONS):
        if f"sec_key_{i}" not in form:
            break
        row = {p: (form.get(f"sec_{p}_{i}") or "").strip() for p in SECTION_PARTS}
        row["error"] = None
        if row["key"] and not row["label"]:
            row["error"] = _("Enter a title.")
        elif row["label"] and not row["key"]:
            row["error"] = _("Enter the key the fields name.")
        rows.append(row)
    return rows


def sections_document(rows: list[dict]) -> list[dict]:
    out = []
    for r in rows:
        if not r["key"]:
            continue
        s: dict[str, Any] = {"key": r["key"], "label": r["label"], "columns": 2 if r["columns"] == "2" else 1}
        for p in ("label_zh", "help", "help_zh"):
            if r[p]:
                s[p] = r[p]
        out.append(s)
    return out


def related_rows(schema: RuntimeSchema, typedef: TypeDef, lang: str) -> list[dict]:
    """One row per backlink (a link field of a type pointing at this one)."""
    layout = layout_of(typedef)
    rows = []
    for src, link in schema.backlinks(typedef):
        chosen = layout.related_for(src.name, link.name)
        rows.append({"type": src.name, "field": link.name,
                     "label": f"{src.display_label(lang)} · {link.display_label(lang)}",
                     "columns": ", ".join(chosen.columns) if chosen else "", "inline": bool(chosen and chosen.inline)})
    return rows


def posted_related(rows: list[dict], form: Mapping[str, str]) -> list[dict]:
    for i, row in enumerate(rows):
        row["columns"] = (form.get(f"rel_columns_{i}") or "").strip()
        row["inline"] = bool(form.get(f"rel_inline_{i}"))
    return rows


def related_document(rows: list[dict]) -> list[dict]:
    out = []
    for r in rows:
        columns = [c.strip() for c in r["columns"].replace("，", ",").split(",") if c.strip()]
        if columns or r["inline"]:
            entry: dict[str, Any] = {"type": r["type"], "field": r["field"]}
            if columns:
                entry["columns"] = columns
            if r["inline"]:
                entry["inline"] = True
            out.append(entry)
    return out


def layout_problem_text(details: Optional[dict]) -> list[str]:
    """The layout check's problems as lines for the page (where: what)."""
    return [f"{where}: {m}" for where, msgs in (details or {}).items() for m in msgs]
