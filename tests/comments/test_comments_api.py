"""Comments over the API: who reads, writes, edits and deletes them; @mentions reaching the inbox."""
from __future__ import annotations

from access.helpers import err, ok

URL = "/api/v1/records/supplier/{}/comments"


def test_comment_list_edit_delete(people, records):
    owner, alice = people["owner"].api, people["alice"].api
    made = ok(alice.post(URL.format(records["a1"]), json={"body": "  Please check the invoice  "}), 201)
    assert made["body"] == "Please check the invoice" and made["author"] == "alice@example.com"
    assert made["can_edit"] and made["can_delete"]
    listed = ok(owner.get(URL.format(records["a1"])))["comments"]
    assert [c["body"] for c in listed] == ["Please check the invoice"]
    assert listed[0]["can_edit"] is False and listed[0]["can_delete"] is True  # the owner configures: moderation
    one = f"{URL.format(records['a1'])}/{made['id']}"
    err(owner.patch(one, json={"body": "rewritten by someone else"}), 403, "forbidden")
    changed = ok(alice.patch(one, json={"body": "Please check the March invoice"}))
    assert changed["body"] == "Please check the March invoice" and changed["updated_at"]
    err(people["editor"].api.delete(one), 403)  # an editor neither wrote it nor configures suppliers
    assert ok(alice.delete(one)) == {"id": made["id"], "deleted": True}
    assert ok(owner.get(URL.format(records["a1"])))["comments"] == []
    err(alice.delete(one), 404)


def test_who_may_read_the_record_reads_its_comments(people, records):
    owner = people["owner"].api
    ok(owner.post(URL.format(records["b1"]), json={"body": "Bolt's renewal"}), 201)
    # alice may not read bob's supplier: its comments are the same 404 as a record that does not exist
    for resp in (people["alice"].api.get(URL.format(records["b1"])),
                 people["alice"].api.post(URL.format(records["b1"]), json={"body": "hi"}),
                 people["alice"].api.get(URL.format(999999))):
        e = err(resp, 404, "not_found")
        assert "Bolt" not in str(e)
    assert len(ok(people["bob"].api.get(URL.format(records["b1"])))["comments"]) == 1
    # a comment of another record cannot be reached through a readable one
    c = ok(owner.post(URL.format(records["b1"]), json={"body": "second"}), 201)
    err(people["alice"].api.patch(f"{URL.format(records['a1'])}/{c['id']}", json={"body": "x"}), 404)


def test_bad_input_is_a_clear_422(people, records):
    alice = people["alice"].api
    for body in ({}, {"body": ""}, {"body": 12}, {"body": "x" * 10_001}, {"body": "ok", "extra": 1}):
        e = err(alice.post(URL.format(records["a1"]), json=body), 422)
        assert "body" in e["details"] or "extra" in e["details"], e
    err(alice.post(URL.format(records["a1"]), data="not json", headers={"Content-Type": "application/json"}), 400)


def test_read_only_token_may_read_but_not_comment(app, sessions, people, records):
    from recordbase.auth import create_token
    from recordbase.models import User
    from sqlalchemy import select

    with sessions.begin() as s:
        u = s.scalars(select(User).where(User.email == "alice@example.com")).one()
        token = create_token(s, u, name="ro", read_only=True)
    ro = type(people["alice"].api)(app.test_client(), token)
    ok(ro.get(URL.format(records["a1"])))
    err(ro.post(URL.format(records["a1"]), json={"body": "hi"}), 403)


def test_mentions_reach_the_inbox_of_readers_only(people, records):
    owner = people["owner"].api
    body = "@alice@example.com and @bob@example.com, see this. (@nobody@example.com too)"
    ok(owner.post(URL.format(records["a1"]), json={"body": body}), 201)
    inbox = ok(people["alice"].api.get("/api/v1/notifications"))["notifications"]
    assert len(inbox) == 1 and "mentioned you" in inbox[0]["message"] and "Acme" in inbox[0]["message"]
    assert inbox[0]["record_id"] == records["a1"]
    # bob may not read Acme: no notification (it would tell him about a record he cannot see)
    assert ok(people["bob"].api.get("/api/v1/notifications"))["notifications"] == []
    # an edit notifies only the newly mentioned
    c = ok(owner.get(URL.format(records["a1"])))["comments"][0]
    ok(owner.patch(f"{URL.format(records['a1'])}/{c['id']}", json={"body": body + " @auditor@example.com"}))
    assert len(ok(people["alice"].api.get("/api/v1/notifications"))["notifications"]) == 1
    assert len(ok(people["auditor"].api.get("/api/v1/notifications"))["notifications"]) == 1


def test_openapi_documents_comments(people, records):
    doc = ok(people["owner"].api.get("/api/v1/openapi.json"))
    ops = doc["paths"]["/api/v1/records/supplier/{id}/comments"]
    assert set(ops) >= {"get", "post"} and "Comment" in doc["components"]["schemas"]
    from openapi_spec_validator import validate

    validate(doc)


def test_the_export_counts_comments(people, records):
    owner = people["owner"].api
    before = owner.get("/api/v1/records/supplier/export?format=csv").get_data(as_text=True)
    assert "Comments" not in before.splitlines()[0]  # no comment yet: the export reads as before
    for body in ("one", "two"):
        ok(owner.post(URL.format(records["a1"]), json={"body": body}), 201)
    lines = owner.get("/api/v1/records/supplier/export?format=csv").get_data(as_text=True).splitlines()
    assert lines[0].endswith(",Comments")
    counts = {line.split(",")[0]: line.rsplit(",", 1)[1] for line in lines[1:]}
    assert counts == {"Acme": "2", "Anchor": "0", "Bolt": "0"}


def test_a_mention_names_the_record_as_the_mentioned_user_sees_it(people, records):
    """The contract's title shows its price; alice's role hides the price, so her notification must not
    carry it (a hidden field behaves as if it did not exist, in the inbox too)."""
    owner = people["owner"].api
    ok(owner.patch("/api/v1/types/contract", json={"title_format": "{title} {value}"}))
    ok(owner.post(URL.replace("supplier", "contract").format(records["c_a1"]),
                  json={"body": "@alice@example.com please check the price"}), 201)
    inbox = ok(people["alice"].api.get("/api/v1/notifications"))["notifications"]
    assert len(inbox) == 1 and "Contract of a1" in inbox[0]["message"], inbox
    assert "123" not in inbox[0]["message"] and "123" not in (inbox[0].get("message_zh") or ""), inbox
