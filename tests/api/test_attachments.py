"""Attachments: upload into a record, upload then create, download safely, limits, no orphan files."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from .helpers import create, error, make_type, ok


@pytest.fixture
def doc_type(api) -> dict:
    return make_type(api, "doc", [
        {"name": "title", "label": "Title", "type": "text"},
        {"name": "files", "label": "Files", "type": "attachment"},
        {"name": "scan", "label": "Scan", "type": "attachment",
         "options": {"allowed_types": [".pdf", "image/*"], "max_size_mb": 0.001, "max_files": 2}}])


def upload(api, url: str, *files: tuple[bytes, str, str], **form):
    data = dict(form)
    data["file"] = [(io.BytesIO(content), name, ctype) for content, name, ctype in files]
    return api.client.post(url, data=data, content_type="multipart/form-data",
                           headers={"Authorization": f"Bearer {api.token}"})


def stored_files(app) -> list[Path]:
    root = Path(app.config["ATTACHMENTS_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_upload_into_a_record_and_download(app, api, doc_type):
    rec = create(api, "doc", title="Contract")
    url = f"/api/v1/records/doc/{rec['id']}/attachments/files"
    body = ok(upload(api, url, (b"%PDF-1.4 hello", "../../etc/contract 2024.pdf", "application/pdf"), version="1"), 201)
    (att,) = body["attachments"]
    assert att["name"] == "contract 2024.pdf" and att["size"] == 14 and att["content_type"] == "application/pdf"
    assert body["record"]["version"] == 2 and body["record"]["fields"]["files"] == [att]
    (path,) = stored_files(app)
    assert path.name == att["key"] and "contract" not in str(path)
    resp = api.get(att["url"])
    assert resp.status_code == 200 and resp.data == b"%PDF-1.4 hello"
    assert resp.headers["Content-Disposition"] == 'attachment; filename="contract 2024.pdf"'
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    # a second file is appended
    body = ok(upload(api, url + "?version=2", (b"<html><script>alert(1)</script>", "x.html", "text/html")), 201)
    assert [f["name"] for f in body["record"]["fields"]["files"]] == ["contract 2024.pdf", "x.html"]
    resp = api.get(body["attachments"][0]["url"])
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_upload_then_create(api, doc_type):
    body = ok(upload(api, "/api/v1/attachments", (b"abc", "a.png", "image/png"), type="doc", field="scan"), 201)
    key = body["attachments"][0]["key"]
    rec = create(api, "doc", title="With scan", scan=[{"key": key}])
    assert rec["fields"]["scan"][0]["name"] == "a.png"
    err = error(api.post("/api/v1/records/doc", json={"fields": {"scan": [{"key": "f" * 32}]}}), 422)
    assert "scan" in err["details"]


def test_type_size_and_count_limits(app, api, doc_type):
    rec = create(api, "doc", title="Limits")
    url = f"/api/v1/records/doc/{rec['id']}/attachments/scan"
    err = error(upload(api, url, (b"MZ", "tool.exe", "application/octet-stream"), version="1"), 422, "validation_error")
    assert "allowed file type" in err["message"]
    err = error(upload(api, url, (b"x" * 2000, "big.pdf", "application/pdf"), version="1"), 413, "payload_too_large")
    assert "scan" in err["message"]
    err = error(upload(api, url, *[(b"x", f"{i}.pdf", "application/pdf") for i in range(3)], version="1"), 422)
    assert "at most 2 files" in err["details"]["scan"][0]
    assert stored_files(app) == []
    got = ok(api.get(f"/api/v1/records/doc/{rec['id']}"))
    assert got["fields"]["scan"] == [] and got["version"] == 1


def test_upload_needs_version_and_stale_version_leaves_nothing(app, api, doc_type):
    rec = create(api, "doc", title="v")
    url = f"/api/v1/records/doc/{rec['id']}/attachments/files"
    err = error(upload(api, url, (b"x", "a.txt", "text/plain")), 422, "validation_error")
    assert "version" in err["details"]
    error(upload(api, url, (b"x", "a.txt", "text/plain"), version="5"), 409, "version_conflict")
    assert stored_files(app) == []
    assert ok(api.get(f"/api/v1/records/doc/{rec['id']}"))["fields"]["files"] == []


def test_bad_upload_targets(api, doc_type):
    rec = create(api, "doc", title="t")
    error(upload(api, f"/api/v1/records/doc/{rec['id']}/attachments/title", (b"x", "a.txt", "text/plain"),
                 version="1"), 422, "validation_error")
    error(upload(api, f"/api/v1/records/doc/{rec['id']}/attachments/nope", (b"x", "a.txt", "text/plain"),
                 version="1"), 404, "not_found")
    error(upload(api, "/api/v1/records/doc/999/attachments/files", (b"x", "a.txt", "text/plain"), version="1"), 404)
    err = error(upload(api, f"/api/v1/records/doc/{rec['id']}/attachments/files", version="1"), 422)
    assert "file" in err["details"]
    err = error(upload(api, "/api/v1/attachments", (b"x", "a.txt", "text/plain")), 422)
    assert set(err["details"]) == {"type", "field"}


def test_download_unknown_or_malformed_key_is_404(api, doc_type):
    error(api.get("/api/v1/attachments/" + "a" * 32), 404, "not_found")
    error(api.get("/api/v1/attachments/..%2F..%2Fsecret_key"), 404, "not_found")
    error(api.get("/api/v1/attachments/ABC"), 404, "not_found")


def test_read_only_token_cannot_upload(api, read_only_api, doc_type):
    resp = upload(read_only_api, "/api/v1/attachments", (b"x", "a.txt", "text/plain"), type="doc", field="files")
    error(resp, 403, "forbidden")


def test_a_download_needs_the_right_to_read_what_holds_the_file(app, api, other_api, doc_type):
    """The link alone is not enough: a token that may not read the record type gets the 404 of a
    key that does not exist; an upload not yet on a record is its uploader's alone."""
    make_type(api, "note", [{"name": "title", "label": "Title", "type": "text"}])
    rec = create(api, "doc", title="Contract")
    body = ok(upload(api, f"/api/v1/records/doc/{rec['id']}/attachments/files",
                     (b"%PDF-1.4 secret", "secret.pdf", "application/pdf"), version="1"), 201)
    url = body["attachments"][0]["url"]
    assert other_api.get(url).status_code == 200  # another user who may read docs
    scoped = {}
    for types in (["note"], ["doc"]):
        made = ok(api.post("/api/v1/tokens", json={"name": f"only {types[0]}", "types": types}), 201)
        scoped[types[0]] = type(api)(app.test_client(), made["token"])
    error(scoped["note"].get(url), 404, "not_found")
    assert scoped["doc"].get(url).data == b"%PDF-1.4 secret"
    # the record in the trash: still the record's file (its readers may restore it)
    ok(api.delete(f"/api/v1/records/doc/{rec['id']}"))
    assert api.get(url).status_code == 200
    # uploaded, not yet on a record: only its uploader
    pending = ok(upload(api, "/api/v1/attachments", (b"abc", "a.png", "image/png"), type="doc", field="scan"), 201)
    pending_url = pending["attachments"][0]["url"]
    assert api.get(pending_url).status_code == 200
    error(other_api.get(pending_url), 404, "not_found")
    # its field in the trash: gone with it
    ok(api.delete("/api/v1/types/doc/fields/files"))
    error(api.get(url), 404, "not_found")
