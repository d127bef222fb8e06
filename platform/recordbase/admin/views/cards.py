"""A record as a card on a board, calendar or gallery: its title, its version (a drag states it), and
the chosen fields' values as HTML through each field type's ``format_html`` (badges, currency...)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from markupsafe import Markup

from ...metamodel.runtime import TypeDef
from ...storage import RecordStore


@dataclass
class Card:
    id: int
    version: int
    title: str
    #: (field label, value as HTML) of each chosen field with a value
    fields: list
    values: dict


def record_titles(store: RecordStore, typedef: TypeDef, records: list) -> dict[int, str]:
    """The records' titles as the reader sees them (the shared titles service; no query for the records)."""
    from ...storage.titles import RecordTitles

    return RecordTitles(store).of_records(records)


def cards(store: RecordStore, typedef: TypeDef, records: list, names: Iterable[str], lang: str) -> list[Card]:
    fields = [f for f in (typedef.field(n) for n in names) if f is not None]
    titles = record_titles(store, typedef, records)
    out = []
    for r in records:
        shown = []
        for f in fields:
            value = r.values.get(f.name)
            if value in (None, "", []):
                continue
            shown.append((f.display_label(lang), Markup(f.ftype.format_html(value, f, store.ctx))))
        out.append(Card(r.id, r.version, titles.get(r.id) or f"#{r.id}", shown, r.values))
    return out


def card_json(card: Card) -> dict[str, Any]:
    return {"id": card.id, "version": card.version, "title": card.title,
            "fields": [[label, str(html)] for label, html in card.fields]}
