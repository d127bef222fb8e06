"""The benchmark's data: its record type (ten fields of mixed types), the values of its records,
and a hand-made table identical to the type's with the same rows as Core gets them."""
from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Column, Index, MetaData, Table

from recordbase.metamodel.runtime import TypeDef

STATUSES = ["new", "open", "review", "done", "archived"]
FILTER_VALUE = "review"

def type_definition(name: str) -> dict:
    return {"name": name, "label": f"Benchmark {name}", "label_zh": "基准测试", "primary_field": "title", "fields": [
        {"name": "title", "label": "Title", "type": "text", "required": True},
        {"name": "amount", "label": "Amount", "type": "number", "indexed": True},
        {"name": "price", "label": "Price", "type": "decimal", "options": {"precision": 2}},
        {"name": "status", "label": "Status", "type": "single_select",
         "options": {"choices": [{"value": s, "label": s.title()} for s in STATUSES]}},
        {"name": "due", "label": "Due", "type": "date"},
        {"name": "active", "label": "Active", "type": "boolean"},
        {"name": "email", "label": "Email", "type": "email"},
        {"name": "notes", "label": "Notes", "type": "long_text"},
        {"name": "stars", "label": "Stars", "type": "rating", "options": {"max": 5}},
        {"name": "cost", "label": "Cost", "type": "currency", "options": {"code": "CNY"}},
    ]}


WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma".split()


def make_values(rng: random.Random, i: int) -> dict:
    """One record's values as an API client sends them (JSON types, ISO dates, decimals as strings)."""
    return {
        "title": f"Item {i:07d} {rng.choice(WORDS)}",
        "amount": round(rng.uniform(0, 1_000_000), 2),
        "price": f"{rng.uniform(1, 9999):.2f}",
        "status": rng.choice(STATUSES),
        "due": (date(2024, 1, 1) + timedelta(days=rng.randrange(730))).isoformat(),
        "active": rng.random() < 0.5,
        "email": f"user{i}@example.com",
        "notes": " ".join(rng.choice(WORDS) for _ in range(rng.randrange(5, 25))),
        "stars": rng.randrange(6),
        "cost": f"{rng.uniform(10, 100000):.2f}",
    }


def raw_row(values: dict, typedef: TypeDef, now, user_id: int) -> dict:
    """The same record as typed Python values for the hand-made table (what Core executemany is given)."""
    col = {f.name: f.column_name for f in typedef.fields}
    return {col["title"]: values["title"], col["amount"]: values["amount"], col["price"]: Decimal(values["price"]),
            col["status"]: values["status"], col["due"]: date.fromisoformat(values["due"]),
            col["active"]: values["active"], col["email"]: values["email"], col["notes"]: values["notes"],
            col["stars"]: values["stars"], col["cost"]: Decimal(values["cost"]),
            "version": 1, "created_at": now, "updated_at": now, "created_by": user_id, "updated_by": user_id}


def hand_made_table(typedef: TypeDef, name: str) -> Table:
    """A table identical to the record type's (same columns and types, same indexes)."""
    md = MetaData()
    cols = [Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable) for c in typedef.table.columns]
    t = Table(name, md, *cols)
    Index(f"ix_{name}_updated_at", t.c.updated_at)
    for f in typedef.fields:
        if f.indexed:
            Index(f"ix_{name}_{f.column_name}", t.c[f.column_name], t.c.id)  # as the product: (column, id)
    return t
