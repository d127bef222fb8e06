"""Instance settings: an owner edits time zone, default language and currency in the admin; each is
checked beside its field; the time zone changes every shown time; config/environment overrides win."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from click.testing import CliRunner

from recordbase import settings
from recordbase.cli import cli
from recordbase.context import platform

from .helpers import create_type, post_form

URL = "/admin/settings/"


def test_an_owner_changes_the_settings_and_they_are_stored(app, admin_client, sessions):
    resp = post_form(admin_client, URL, {"timezone": "Asia/Shanghai", "language": "zh", "currency": "usd"})
    assert resp.status_code == 302
    with sessions() as s:
        assert settings.stored(s) == {"timezone": "Asia/Shanghai", "language": "zh", "currency": "USD"}
    page = admin_client.get(URL).get_data(as_text=True)
    assert 'value="Asia/Shanghai"' in page and 'value="USD"' in page
    with app.app_context():
        assert settings.current().timezone == "Asia/Shanghai"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "asia/shanghai", "UTC+8", "../etc/passwd", "x" * 80, ""])
def test_an_unknown_zone_is_refused_beside_its_field_and_nothing_is_written(admin_client, sessions, zone):
    resp = post_form(admin_client, URL, {"timezone": zone, "language": "", "currency": "EUR"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    field = re.search(r'<input[^>]*id="timezone"[^>]*>', html).group(0)
    assert "is-invalid" in field
    assert "invalid-feedback" in html
    with sessions() as s:
        assert settings.stored(s) == {}  # the valid currency was not saved either


def test_a_bad_currency_is_refused_in_chinese_too(admin_client, switch_language):
    switch_language(admin_client, "zh")
    resp = post_form(admin_client, URL, {"timezone": "UTC", "language": "", "currency": "€€"})
    assert resp.status_code == 422
    assert "三个字母" in resp.get_data(as_text=True)


def test_only_an_owner_reaches_the_settings(app, editor_client):
    assert editor_client.get(URL).status_code == 403
    assert editor_client.post(URL, data={"timezone": "UTC"}).status_code in (400, 403)


def test_the_time_zone_changes_the_times_shown(app, admin_client, api, sessions):
    create_type(sessions, {"name": "meeting", "label": "Meeting", "fields": [
        {"name": "title", "label": "Title", "type": "text"}, {"name": "at", "label": "At", "type": "datetime"}]})
    rec = api.post("/api/v1/records/meeting", json={"fields": {"title": "Kick-off", "at": "2026-03-01T09:30:00Z"}})
    assert rec.status_code == 201, rec.get_json()
    rid = rec.get_json()["id"]
    details = f"/admin/records/meeting/details/?id={rid}"
    assert "2026-03-01 09:30" in admin_client.get(details).get_data(as_text=True)
    post_form(admin_client, URL, {"timezone": "Asia/Shanghai", "language": "", "currency": "CNY"})
    html = admin_client.get(details).get_data(as_text=True)
    assert "2026-03-01 17:30" in html and "Asia/Shanghai" in html
    # the API keeps the stored instant
    assert api.get(f"/api/v1/records/meeting/{rid}").get_json()["fields"]["at"].startswith("2026-03-01T09:30:00")


def test_a_config_override_wins_and_is_shown_read_only(app, admin_client, sessions):
    post_form(admin_client, URL, {"timezone": "Asia/Shanghai", "language": "", "currency": "CNY"})
    app.config["TIMEZONE"] = "Europe/Paris"
    with app.app_context():
        assert settings.current().timezone == "Europe/Paris"
        assert "timezone" in settings.current().overridden
    page = admin_client.get(URL).get_data(as_text=True)
    assert "RECORDBASE_TIMEZONE" in page and 'value="Europe/Paris" disabled' in page
    resp = post_form(admin_client, URL, {"language": "en", "currency": "JPY"})
    assert resp.status_code == 302
    with sessions() as s:
        assert settings.stored(s)["timezone"] == "Asia/Shanghai" and settings.stored(s)["currency"] == "JPY"


def test_the_default_language_greets_visitors_without_one(app, admin_client):
    visitor = app.test_client()
    assert 'lang="en"' in visitor.get("/admin/login/", headers={"Accept-Language": "en"}).get_data(as_text=True) \
        or "Sign in" in visitor.get("/admin/login/").get_data(as_text=True)
    post_form(admin_client, URL, {"timezone": "UTC", "language": "zh", "currency": "CNY"})
    page = app.test_client().get("/admin/login/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "登录" in page


def test_new_currency_fields_take_the_default_currency(app, admin_client, api, sessions):
    post_form(admin_client, URL, {"timezone": "UTC", "language": "", "currency": "USD"})
    create_type(sessions, {"name": "deal", "label": "Deal", "fields": [
        {"name": "amount", "label": "Amount", "type": "currency"},
        {"name": "fee", "label": "Fee", "type": "currency", "options": {"code": "EUR"}}]})
    fields = {f["name"]: f for f in api.get("/api/v1/types/deal").get_json()["fields"]}
    assert fields["amount"]["options"]["code"] == "USD"
    assert fields["fee"]["options"]["code"] == "EUR"


def test_the_settings_change_is_audited(admin_client, api):
    post_form(admin_client, URL, {"timezone": "Asia/Tokyo", "language": "", "currency": "CNY"})
    events = api.get("/api/v1/audit?action=settings.change").get_json()
    rows = events.get("events") or events.get("items") or []
    assert any(e["action"] == "settings.change" for e in rows), events
    # the audit log page shows its times in the instance's zone, the zone named
    change = next(e for e in rows if e["action"] == "settings.change")
    at = datetime.fromisoformat(change["at"].replace("Z", "+00:00"))
    from zoneinfo import ZoneInfo
    tokyo = (at if at.tzinfo else at.replace(tzinfo=ZoneInfo("UTC"))).astimezone(ZoneInfo("Asia/Tokyo"))
    page = admin_client.get("/admin/audit/?action=settings.change").get_data(as_text=True)
    assert f"{tokyo:%Y-%m-%d %H:%M:%S} JST" in page and " UTC</td>" not in page
    # the kind filter offers the settings' changes too (every kind the log names)
    assert '<option value="settings" ' in admin_client.get("/admin/audit/?kind=settings").get_data(as_text=True)


def test_init_stores_the_given_zone_and_refuses_an_unknown_one(database_url, monkeypatch, tmp_path, app, sessions):
    monkeypatch.delenv("RECORDBASE_TIMEZONE", raising=False)
    monkeypatch.setenv("RECORDBASE_INSTANCE", str(tmp_path / "inst"))
    runner = CliRunner()
    bad = runner.invoke(cli, ["--database-url", database_url, "init", "--timezone", "Mars/Base"])
    assert bad.exit_code != 0 and "Unknown time zone" in bad.output
    ok = runner.invoke(cli, ["--database-url", database_url, "init", "--timezone", "America/Bogota"])
    assert ok.exit_code == 0, ok.output
    again = runner.invoke(cli, ["--database-url", database_url, "init"], input="")
    assert "America/Bogota" in again.output  # kept, not asked again
    with sessions() as s:
        assert settings.stored(s)["timezone"] == "America/Bogota"


def test_init_without_a_terminal_takes_the_machines_zone(database_url, monkeypatch, tmp_path, sessions):
    monkeypatch.delenv("RECORDBASE_TIMEZONE", raising=False)
    monkeypatch.setenv("TZ", "Pacific/Auckland")
    result = CliRunner().invoke(cli, ["--database-url", database_url, "init"])
    assert result.exit_code == 0, result.output
    with sessions() as s:
        assert settings.stored(s)["timezone"] == "Pacific/Auckland"
    assert settings.machine_timezone() == "Pacific/Auckland"


def test_a_saved_setting_reaches_other_processes_after_the_cache(app, sessions, monkeypatch):
    with app.app_context():
        assert settings.current().timezone == "UTC"
        with sessions.begin() as s:
            settings.save(s, {"timezone": "Asia/Kolkata"})  # as another process would
        assert settings.current().timezone == "UTC"  # this process's copy, for a few seconds
        cache = app.extensions["recordbase_settings"]
        monkeypatch.setattr(cache, "read_at", cache.read_at - settings.service.CACHE_SECONDS - 1)
        assert settings.current().timezone == "Asia/Kolkata"
