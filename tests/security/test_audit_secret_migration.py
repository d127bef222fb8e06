"""Migration 0008: audit entries written before webhook secrets became write-only lose them."""
from __future__ import annotations

import json

from alembic import command
from sqlalchemy import text

from recordbase.database_setup import alembic_config, upgrade_database
from recordbase.db import make_engine

SECRET = "old-hook-s3cret-value"


def test_old_audit_entries_lose_their_webhook_secrets(database_url):
    engine = make_engine(database_url)
    cfg = alembic_config(database_url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0007")  # as a database upgraded before the fix stood
    definition = {"trigger": {"on": "record_created"}, "actions": [
        {"do": "webhook", "url": "https://example.com/hook", "secret": SECRET}]}
    long_text = json.dumps({"actions": [{"do": "webhook", "url": "https://example.com/x", "secret": "other-one"}],
                            "padding": "x" * 600})[:500] + "…"  # the log's truncated form of a long value
    entries = [{"rule": {"old": None, "new": {"actions": definition["actions"]}}},
               {"definition": {"old": long_text, "new": None}},
               {"note": f"the secret {SECRET} was quoted in a message"},
               {"name": {"old": "a", "new": "b"}}]
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO rb_rule (name, type_name, trigger, enabled, definition, created_at, updated_at)"
                          " VALUES ('r', 't', 'record_created', :e, :d, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                     {"d": json.dumps(definition), "e": True})
        for details in entries:
            conn.execute(text("INSERT INTO rb_audit_event (at, action, details) VALUES (CURRENT_TIMESTAMP, "
                              "'rule_updated', :d)"), {"d": json.dumps(details)})
    upgrade_database(engine)
    with engine.connect() as conn:
        stored = [row[0] for row in conn.execute(text("SELECT details FROM rb_audit_event ORDER BY id"))]
    engine.dispose()
    texts = [d if isinstance(d, str) else json.dumps(d) for d in stored]
    assert not any(SECRET in t or "other-one" in t for t in texts), texts
    details = [json.loads(t) for t in texts]
    assert details[0]["rule"]["new"]["actions"][0]["secret"] == "********"
    assert details[0]["rule"]["new"]["actions"][0]["url"] == "https://example.com/hook"  # nothing else changed
    assert '"secret": "********"' in details[1]["definition"]["old"]
    assert details[2]["note"] == "the secret ******** was quoted in a message"
    assert details[3] == {"name": {"old": "a", "new": "b"}}
