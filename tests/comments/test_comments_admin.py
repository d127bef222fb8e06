"""The conversation on the admin's details page: comment, mention, edit, delete; in both languages."""
from __future__ import annotations

from access.helpers import ok, page_csrf, sign_in, strip_tags, text

DETAILS = "/admin/records/supplier/details/?id={}"


def test_comment_on_the_details_page_reaches_the_mentioned_inbox(app, people, records):
    alice = sign_in(app, "alice@example.com")
    url = DETAILS.format(records["a1"])
    token = page_csrf(alice, url)
    resp = alice.post(f"/admin/comments/supplier/{records['a1']}/add/",
                      data={"csrf_token": token, "body": "Ask @auditor@example.com <b>now</b>"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#rb-activity")
    page = text(alice.get(url))
    assert "Ask @auditor@example.com &lt;b&gt;now&lt;/b&gt;" in page and "Activity" in page
    assert "1 comment" in strip_tags(page)
    auditor = sign_in(app, "auditor@example.com")
    inbox = text(auditor.get("/admin/inbox/"))
    assert "mentioned you" in inbox and "Acme" in inbox and "Inbox (1)" in inbox
    cid = ok(people["owner"].api.get(f"/api/v1/records/supplier/{records['a1']}/comments"))["comments"][0]["id"]
    # the auditor (a viewer) may read and comment, but not edit alice's comment
    t2 = page_csrf(auditor, url)
    assert auditor.post(f"/admin/comments/supplier/{records['a1']}/edit/{cid}/",
                        data={"csrf_token": t2, "body": "hijack"}).status_code == 403
    assert "Edit or delete" not in text(auditor.get(url))
    # bob cannot reach alice's supplier at all
    bob = sign_in(app, "bob@example.com")
    assert bob.post(f"/admin/comments/supplier/{records['a1']}/add/",
                    data={"csrf_token": page_csrf(bob, "/admin/"), "body": "hi"}).status_code == 404
    # alice edits, then deletes her own
    resp = alice.post(f"/admin/comments/supplier/{records['a1']}/edit/{cid}/",
                      data={"csrf_token": token, "body": "Changed text"})
    assert resp.status_code == 302 and "Changed text" in text(alice.get(url))
    alice.post(f"/admin/comments/supplier/{records['a1']}/delete/{cid}/", data={"csrf_token": token})
    assert "Changed text" not in text(alice.get(url))


def test_empty_comment_is_refused_beside_the_form_and_chinese_page(app, people, records, switch_language):
    alice = sign_in(app, "alice@example.com")
    switch_language(alice, "zh")
    url = DETAILS.format(records["a1"])
    token = page_csrf(alice, url)
    resp = alice.post(f"/admin/comments/supplier/{records['a1']}/add/", data={"csrf_token": token, "body": "  "},
                      follow_redirects=True)
    page = text(resp)
    assert resp.status_code == 200 and "动态" in page and "评论" in page
    assert ok(people["owner"].api.get(f"/api/v1/records/supplier/{records['a1']}/comments"))["comments"] == []
