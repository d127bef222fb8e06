"""Journey: the owner asks for a corrective action's verification from its details page; a quality
inspector signs in, finds it in "My approvals" (counted in the menu), approves it with a comment in
one click; the record is verified and its approval timeline shows the decision, in both languages."""
from __future__ import annotations

from sqlalchemy import select

from recordbase.db import make_engine, make_sessionmaker
from recordbase.metamodel.runtime import SchemaCache
from recordbase.storage import RecordStore

QA, QA_PASSWORD = "qa@example.com", "quality-password-1"
TITLE = "Audit: expired health certificates"


def _record_id(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with make_sessionmaker(engine)() as s:
            store = RecordStore(s, SchemaCache().get(s))
            typedef = store.type("corrective_action")
            compiled = store.compile(typedef, {"field": "title", "op": "contains", "value": TITLE})
            return store.list("corrective_action", filter=compiled, limit=1).records[0].id
    finally:
        engine.dispose()


def test_approve_from_my_approvals(page, live_server):
    live_server.cli("users", "create", "--email", QA, "--password", QA_PASSWORD, "--role", "editor",
                    "--role", "quality")
    rid = _record_id(live_server.database_url)
    page.sign_in()
    page.open(f"/admin/records/corrective_action/details/?id={rid}")
    page.find(".rb-workflow button.rb-transition[value='request_verification']").click()
    page.wait(lambda d: "Awaiting verification" in page.find(".rb-workflow .rb-state").text)

    page.driver.delete_all_cookies()
    page.sign_in(QA, QA_PASSWORD)
    page.open("/admin/approvals/")
    assert "My approvals (1)" in page.text()
    row = page.find(f"tr.rb-approval[data-record='corrective_action-{rid}']")
    assert TITLE in row.text
    row.find_element("css selector", "input.rb-comment").send_keys("certificates renewed, checked on site")
    row.find_element("css selector", "button.rb-approve").click()
    page.wait(lambda d: not page.all(f"tr.rb-approval[data-record='corrective_action-{rid}']"))
    assert page.find(".rb-approvals-empty")

    page.open(f"/admin/records/corrective_action/details/?id={rid}")
    assert page.find(".rb-workflow .rb-state").text == "Verified"
    timeline = page.find(".rb-timeline").text
    assert "certificates renewed, checked on site" in timeline and QA in timeline
    page.switch_language()
    assert page.find(".rb-workflow .rb-state").text == "已验证"
    assert "审批记录" in page.text()
    page.driver.save_screenshot("/tmp/rb-approvals-details-zh.png")
    page.open("/admin/approvals/")
    assert "我的审批" in page.text()
    page.driver.save_screenshot("/tmp/rb-approvals-zh.png")


def _supplier_under_review(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with make_sessionmaker(engine)() as s:
            store = RecordStore(s, SchemaCache().get(s))
            typedef = store.type("supplier")
            compiled = store.compile(typedef, {"field": "status", "op": "eq", "value": "under_review"})
            return store.list("supplier", filter=compiled, limit=1).records[0].id
    finally:
        engine.dispose()


def test_a_sample_supplier_under_review_waits_for_its_approvers(page, live_server):
    """The demo's sample supplier under admission review waits for approval: with nobody in the new
    quality / procurement / finance roles its page says "no approver" and why; once someone holds the
    quality role, the worker's next tick puts it in their "My approvals"."""
    rid = _supplier_under_review(live_server.database_url)
    page.sign_in()
    page.open(f"/admin/records/supplier/details/?id={rid}")
    waiting = page.find(".rb-workflow .rb-waiting").text
    assert "no approver" in waiting and "nobody holds the role Quality" in waiting, waiting
    page.driver.execute_script("document.querySelector('.rb-workflow').scrollIntoView()")
    page.driver.save_screenshot("/tmp/rb-no-approver-en.png")
    page.switch_language()
    waiting = page.find(".rb-workflow .rb-waiting").text
    assert "没有审批人" in waiting and "没有人担任角色“质量”" in waiting, waiting
    page.driver.execute_script("document.querySelector('.rb-workflow').scrollIntoView()")
    page.driver.save_screenshot("/tmp/rb-no-approver-zh.png")
    page.switch_language()

    live_server.cli("users", "create", "--email", "qc@example.com", "--password", QA_PASSWORD, "--role", "editor",
                    "--role", "quality")
    live_server.cli("worker", "--once")
    page.driver.delete_all_cookies()
    page.sign_in("qc@example.com", QA_PASSWORD)
    page.open("/admin/approvals/")
    assert page.find(f"tr.rb-approval[data-record='supplier-{rid}']")
    page.open(f"/admin/records/supplier/details/?id={rid}")
    assert "qc" in page.find(".rb-workflow .rb-approvers").text.split(", ")  # (by name)
