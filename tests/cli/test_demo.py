"""`recordbase demo --no-serve`: owner, the outsourcing template pack with its bilingual sample data; idempotent."""
from __future__ import annotations

import json
import re

from recordbase.auth import create_token, find_user, verify_password
from recordbase.packs import load
from recordbase.metamodel.runtime import load_schema, read_version
from recordbase.storage import RecordStore

from .helpers import session_on, users_by_email


PACK = load("outsourcing")
SUPPLIERS = next(f.data for f in PACK.samples if f.data["type"] == "supplier")["records"]
CONTRACTS = next(f.data for f in PACK.samples if f.data["type"] == "contract")["records"]


def _password(output: str) -> str:
    m = re.search(r"Password\s+(\S+)", output)
    assert m, output
    return m.group(1)


def _counts(url: str) -> dict:
    with session_on(url) as s:
        schema = load_schema(s, read_version(s))
        store = RecordStore(s, schema)
        return {name: store.count(name) for name in schema.types}


def test_demo_sets_up_owner_and_sample(run):
    result = run("demo", "--no-serve")
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:5000/admin/" in result.stdout
    assert "admin@example.com" in result.stdout
    password = _password(result.stdout)
    admin = users_by_email(run.url)["admin@example.com"]
    assert admin.role == "owner" and verify_password(admin, password)
    counts = _counts(run.url)
    assert len(counts) == 12 and counts["supplier"] == len(SUPPLIERS) and counts["contract"] == len(CONTRACTS)
    with session_on(run.url) as s:
        schema = load_schema(s, read_version(s))
        supplier = schema.get("supplier")
        assert supplier.label_zh == "供应商" and schema.get("contract").label_zh == "合同"
        kinds = {f.field_type for f in supplier.fields}
        assert {"text", "single_select", "number", "email", "boolean", "user", "multi_select"} <= kinds
        category = supplier.field("service_category")
        assert all(c.get("label_zh") for c in category.options["choices"])
        assert schema.get("contract").field("supplier").options["target"] == "supplier"


def test_demo_twice_is_idempotent_and_prints_the_same_login(run):
    first = run("demo", "--no-serve")
    counts = _counts(run.url)
    second = run("demo", "--no-serve")
    assert second.exit_code == 0, second.output
    assert "already present" in second.stdout
    assert _password(first.stdout) == _password(second.stdout)
    assert _counts(run.url) == counts
    assert list(users_by_email(run.url)) == ["admin@example.com"]


def test_demo_password_option_sets_the_password(run):
    run("demo", "--no-serve")
    result = run("demo", "--no-serve", "--password", "my-demo-pass")
    assert result.exit_code == 0, result.output
    assert _password(result.stdout) == "my-demo-pass"
    assert verify_password(users_by_email(run.url)["admin@example.com"], "my-demo-pass")


def test_demo_never_overwrites_a_changed_password(run):
    run("demo", "--no-serve")
    run("users", "set-password", "--email", "admin@example.com", "--password", "mine-now-123")
    result = run("demo", "--no-serve")
    assert result.exit_code == 0, result.output
    assert "changed since" in result.stdout
    assert verify_password(users_by_email(run.url)["admin@example.com"], "mine-now-123")


def test_demo_data_over_the_api(run, app):
    assert run("demo", "--no-serve").exit_code == 0
    with session_on(run.url) as s:
        token = create_token(s, find_user(s, "admin@example.com"))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    flt = json.dumps({"field": "service_category", "op": "eq", "value": "it_support"})
    resp = client.get(f"/api/v1/records/supplier?filter={flt}&sort=name", headers=headers)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    names = [r["fields"]["name"] for r in resp.get_json()["records"]]
    assert names == sorted(r["fields"]["name"] for r in SUPPLIERS if r["fields"]["service_category"] == "it_support")
    contracts = client.get("/api/v1/records/contract?limit=100", headers=headers).get_json()["records"]
    assert len(contracts) == len(CONTRACTS)
    assert all(c["fields"]["supplier"] for c in contracts)
    assert all(c["fields"]["contract_no"].startswith("CT-") for c in contracts)


def test_types_list_shows_the_sample(run):
    run("demo", "--no-serve")
    result = run("types", "list")
    assert result.exit_code == 0, result.output
    assert "Supplier / 供应商" in result.stdout and "Contract / 合同" in result.stdout
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("supplier"))
    assert line.split()[-1] == str(len(SUPPLIERS))
    shown = run("types", "show", "contract")
    assert "link" in shown.stdout and "autonumber" in shown.stdout
