"""Public forms with links, users and attachments: what the public sees, and every way to abuse them."""
from __future__ import annotations

import io

from access.helpers import csrf_token_from, err, ok, text

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 200


def submit(client, url, data, files=None):
    body = dict(data)
    body["csrf_token"] = csrf_token_from(text(client.get(url)))
    for name, (content, filename, mimetype) in (files or {}).items():
        body[name] = (io.BytesIO(content), filename, mimetype)
    return client.post(url, data=body, content_type="multipart/form-data")


def test_link_options_are_the_views_titles_only(app, form, world):
    page = text(app.test_client().get(form["url"]))
    assert "Acme Cleaning" in page and "Bolt Security" in page
    assert "Shady Ltd" not in page  # not in the view
    assert "Facilities desk" in page and "Secret Person" not in page and "secret.person" not in page
    assert "A photo of the problem" in page and 'enctype="multipart/form-data"' in page
    assert "Internal note" not in page
    zh = text(app.test_client().get(form["url"] + "?lang=zh"))
    assert "问题的照片" in zh and "报修" in zh


def test_a_submission_with_a_photo_becomes_a_record(app, api, form, world):
    client = app.test_client()
    resp = submit(client, form["url"], {"f_summary": "Leak in room 3", "f_supplier": str(world["Acme Cleaning"]),
                                        "f_contact": "facilities@example.com", "f_rating": "4"},
                  {"f_photo": (PNG, "leak.png", "image/png")})
    assert resp.status_code == 200, text(resp)[-2500:]
    rec = ok(api.get("/api/v1/records/incident"))["records"][0]
    assert rec["fields"]["supplier"] == world["Acme Cleaning"] and rec["fields"]["contact"] == "facilities@example.com"
    assert rec["fields"]["photo"][0]["name"] == "leak.png"
    history = ok(api.get(f"/api/v1/records/incident/{rec['id']}/history"))["history"]
    assert "public form" in history[0]["user"]


def test_a_link_outside_the_view_is_refused_without_naming_records(app, api, form, world):
    for value in (str(world["Shady Ltd"]), "999999", "-1", "abc"):
        resp = submit(app.test_client(), form["url"], {"f_summary": "x", "f_supplier": value})
        page = text(resp)
        assert resp.status_code == 422 and "Shady" not in page and "999999" not in page
    assert ok(api.get("/api/v1/records/incident"))["records"] == []
    resp = submit(app.test_client(), form["url"], {"f_summary": "x", "f_contact": "secret.person@example.com"})
    assert resp.status_code == 422 and "Secret Person" not in text(resp)


def test_wrong_type_and_oversized_uploads_are_refused(app, api, form):
    resp = submit(app.test_client(), form["url"], {"f_summary": "x"},
                  {"f_photo": (b"<html><script>alert(1)</script>", "evil.html", "text/html")})
    assert resp.status_code == 422 and "evil.html" in text(resp) and "not an allowed file type" in text(resp)
    resp = submit(app.test_client(), form["url"], {"f_summary": "x"},
                  {"f_photo": (PNG + b"\0" * (1024 * 1024 + 10), "big.png", "image/png")})
    assert resp.status_code == 422 and "larger than 1 MB" in text(resp)
    assert ok(api.get("/api/v1/records/incident"))["records"] == []
    from recordbase.context import platform
    from recordbase.models import Attachment
    from sqlalchemy import func, select

    with platform(app).sessions() as s:
        assert s.scalar(select(func.count()).select_from(Attachment)) == 0  # nothing half-written


def test_prefill_only_fields_the_form_shows(app, form, world):
    url = form["url"] + f"?summary=Broken+door&internal_note=SNEAKY&supplier={world['Acme Cleaning']}&rating=5"
    page = text(app.test_client().get(url))
    assert 'value="Broken door"' in page and "SNEAKY" not in page
    assert f'<option selected value="{world["Acme Cleaning"]}">' in page \
        or f'value="{world["Acme Cleaning"]}" selected' in page


def test_prefill_off_and_posted_hidden_fields_ignored(app, api, world):
    made = ok(api.post("/api/v1/types/incident/forms", json={"title": "Plain", "fields": ["summary"]}), 201)
    page = text(app.test_client().get(made["url"] + "?summary=Prefilled"))
    assert "Prefilled" not in page
    resp = submit(app.test_client(), made["url"], {"f_summary": "ok", "f_internal_note": "sneaky",
                                                   "f_supplier": str(world["Shady Ltd"])})
    assert resp.status_code == 200
    rec = ok(api.get("/api/v1/records/incident"))["records"][0]["fields"]
    assert rec["internal_note"] is None and rec["supplier"] is None


def test_settings_are_checked(api, world):
    base = {"title": "T", "fields": ["summary", "supplier"]}
    e = err(api.post("/api/v1/types/incident/forms", json=base), 422)
    assert "link_views" in str(e["details"])
    e = err(api.post("/api/v1/types/incident/forms", json={**base, "settings": {
        "link_views": {"supplier": "No such view"}}}), 422)
    assert "No such view" in e["message"]
    for bad in ({"redirect_url": "javascript:alert(1)"}, {"max_submissions": 0}, {"nope": 1},
                {"opens_at": "2030-01-02T00:00", "closes_at": "2030-01-01T00:00"}, {"opens_at": "soon"},
                {"help": {"internal_note": {"en": "x"}}}):
        err(api.post("/api/v1/types/incident/forms", json={"title": "T", "fields": ["summary"], "settings": bad}),
            422)
    e = err(api.post("/api/v1/types/incident/forms", json={"title": "T", "fields": ["summary", "contact"],
                                                            "settings": {"user_choices": {
                                                                "contact": ["ghost@example.com"]}}}), 422)
    assert "ghost@example.com" in e["message"]


def test_dates_cap_and_redirect(app, api, world):
    def make(settings):
        return ok(api.post("/api/v1/types/incident/forms", json={"title": "T", "fields": ["summary"],
                                                                 "settings": settings}), 201)

    later = make({"opens_at": "2999-01-01T00:00"})
    resp = app.test_client().get(later["url"])
    assert resp.status_code == 410 and "not open yet" in text(resp)
    ended = make({"closes_at": "2000-01-01T00:00:00+00:00"})
    assert app.test_client().get(ended["url"]).status_code == 410
    capped = make({"max_submissions": 1, "redirect_url": "https://example.com/thanks"})
    resp = submit(app.test_client(), capped["url"], {"f_summary": "one"})
    assert resp.status_code == 200 and 'content="3;url=https://example.com/thanks"' in text(resp)
    resp = app.test_client().get(capped["url"])
    assert resp.status_code == 410 and "all the answers" in text(resp)


def test_throttled_per_address_failed_ones_too(app, api, form):
    app.config["RECORDBASE_FORM_MAX_PER_HOUR"] = 3
    client = app.test_client()
    statuses = [submit(client, form["url"], {"f_summary": ""}).status_code for _ in range(4)]
    assert statuses[:3] == [422, 422, 422] and statuses[3] == 429
    assert submit(client, form["url"], {"f_summary": "valid now"}).status_code == 429


def test_title_search_offers_the_view_only(app, api, form, world):
    client = app.test_client()
    page = client.get(form["url"])
    assert "script-src 'self'" in page.headers["Content-Security-Policy"] and "public-form.js" in text(page)
    found = ok(client.get(form["url"] + "/options/supplier?q=acme"))["options"]
    assert found == [{"value": str(world["Acme Cleaning"]), "label": "Acme Cleaning"}]
    assert ok(client.get(form["url"] + "/options/supplier?q=shady"))["options"] == []
    for bad in ("/options/internal_note?q=a", "/options/contact?q=a", "/options/summary?q=a"):
        assert client.get(form["url"] + bad).status_code == 404
    assert client.get("/f/not-a-token/options/supplier?q=a").status_code == 404


def test_a_record_of_the_view_beyond_the_listed_options_is_accepted(app, api, form, world, monkeypatch):
    from recordbase.publicforms import page as public_page

    monkeypatch.setattr(public_page, "MAX_LINK_OPTIONS", 1)  # only the first title is listed
    listed = text(app.test_client().get(form["url"]))
    assert "Acme Cleaning" in listed and "Bolt Security" not in listed
    resp = submit(app.test_client(), form["url"], {"f_summary": "x", "f_supplier": str(world["Bolt Security"])})
    assert resp.status_code == 200, text(resp)[-1500:]
    resp = submit(app.test_client(), form["url"], {"f_summary": "x", "f_supplier": str(world["Shady Ltd"])})
    assert resp.status_code == 422
