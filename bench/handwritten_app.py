"""The baseline of ``bench/server.py``: a hand-written Flask app serving the same four requests as
Recordbase's API over the same table, doing the least a real API must: check the bearer token (one
query), run the same indexed query, write JSON (orjson). No policy, no validation beyond types, no
history, no rules. Run by gunicorn in the same configuration as ``recordbase serve``:

    BENCH_CONFIG=/path/config.json gunicorn 'handwritten_app:create_app()'

``config.json``: ``{"database_url", "table", "columns": {field name: column name}, "sort_column"}``.
"""
from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timezone

import orjson
from flask import Flask, Response, request
from sqlalchemy import create_engine


def create_app() -> Flask:
    config = json.loads(open(os.environ["BENCH_CONFIG"]).read())
    engine = create_engine(config["database_url"], pool_size=8)
    pg = engine.dialect.name == "postgresql"
    m = "%s" if pg else "?"
    table, cols, sort = config["table"], config["columns"], config["sort_column"]
    names = list(cols)
    select_cols = "id, version, created_at, updated_at, " + ", ".join(cols[n] for n in names)
    token_sql = ("SELECT u.id, u.email FROM rb_user u JOIN rb_api_token t ON u.id = t.user_id "
                 f"WHERE t.token_hash = {m} AND t.revoked_at IS NULL")
    page_sql = f"SELECT {select_cols} FROM {table} WHERE deleted_at IS NULL ORDER BY {sort}, id LIMIT 51"
    get_sql = f"SELECT {select_cols} FROM {table} WHERE id = {m} AND deleted_at IS NULL"
    insert_sql = (f"INSERT INTO {table} (version, created_at, updated_at, created_by, updated_by, "
                  f"{', '.join(cols[n] for n in names)}) VALUES ({', '.join([m] * (5 + len(names)))}) "
                  f"RETURNING {select_cols}")
    update_sql = (f"UPDATE {table} SET {cols['amount']} = {m}, version = version + 1, updated_at = {m} "
                  f"WHERE id = {m} AND version = {m} AND deleted_at IS NULL RETURNING {select_cols}")
    app = Flask("handwritten")

    def record(row) -> dict:
        return {"id": row[0], "version": row[1], "created_at": row[2], "updated_at": row[3],
                "fields": dict(zip(names, row[4:]))}

    def answer(body, status: int = 200) -> Response:
        return Response(orjson.dumps(body, default=str), status=status, mimetype="application/json")

    def run(sql: str, params: tuple, write: bool = False):
        """(user row, result rows) on a pooled connection, in one transaction; None when the token is bad."""
        conn = engine.raw_connection()
        try:
            cur = conn.cursor()
            token = request.headers.get("Authorization", "")[7:]
            cur.execute(token_sql, (hashlib.sha256(token.encode()).hexdigest(),))
            user = cur.fetchone()
            if user is None:
                return None, []
            if write and not pg:
                conn.rollback()
                cur.execute("BEGIN IMMEDIATE")
            cur.execute(sql, params(user) if callable(params) else params)
            rows = cur.fetchall()
            conn.commit() if write else conn.rollback()
            return user, rows
        finally:
            conn.close()

    @app.get("/records")
    def page():
        user, rows = run(page_sql, ())
        if user is None:
            return answer({"error": "token"}, 401)
        return answer({"records": [record(r) for r in rows[:50]], "next_cursor": None})

    @app.get("/records/<int:rid>")
    def get_one(rid: int):
        user, rows = run(get_sql, (rid,))
        if user is None:
            return answer({"error": "token"}, 401)
        return answer(record(rows[0])) if rows else answer({"error": "not found"}, 404)

    @app.post("/records")
    def create():
        fields = (request.get_json() or {}).get("fields") or {}
        now = datetime.now(timezone.utc)
        values = tuple(fields.get(n) for n in names)
        user, rows = run(insert_sql, lambda u: (1, now, now, u[0], u[0], *values), write=True)
        if user is None:
            return answer({"error": "token"}, 401)
        return answer(record(rows[0]), 201)

    @app.patch("/records/<int:rid>")
    def update(rid: int):
        body = request.get_json() or {}
        amount = (body.get("fields") or {}).get("amount")
        user, rows = run(update_sql, (amount, datetime.now(timezone.utc), rid, body.get("version")), write=True)
        if user is None:
            return answer({"error": "token"}, 401)
        return answer(record(rows[0])) if rows else answer({"error": "stale"}, 409)

    return app
