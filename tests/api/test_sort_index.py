"""A sort no index serves says so: the OpenAPI ``sort`` description names the indexed fields, the
admin's column header carries a hint, and above RECORDBASE_UNINDEXED_SORT_MAX_ROWS records the list
and the export refuse it (400 ``sort_not_indexed``) instead of sorting the whole table for each page."""
from __future__ import annotations

import pytest

from .helpers import create, error, make_type, ok

FIELDS = [
    {"name": "score", "label": "Score", "type": "number", "indexed": True},
    {"name": "note", "label": "Note", "type": "text"},
    {"name": "stage", "label": "Stage", "type": "single_select", "indexed": True,
     "options": {"choices": ["new", "won"]}},
    {"name": "secret", "label": "Secret", "type": "text"},
]


@pytest.fixture
def deals(api):
    make_type(api, "deal", FIELDS)
    for i in range(8):
        create(api, "deal", score=i % 3, note=f"n{i}", stage="won" if i % 2 else "new")
    return "deal"


def test_large_table_refuses_a_sort_no_index_serves(app, api, deals):
    app.config["RECORDBASE_UNINDEXED_SORT_MAX_ROWS"] = 5
    err = error(api.get("/api/v1/records/deal", query_string={"sort": "-note"}), 400, "sort_not_indexed")
    assert "'note'" in err["message"] and "Indexed" in err["message"]
    assert err["details"] == {"field": "note", "indexed_fields": ["score"]}
    err = error(api.get("/api/v1/records/deal", query_string={"sort": "stage,score"}), 400, "sort_not_indexed")
    assert "single_select" in err["message"]
    error(api.get("/api/v1/records/deal/export", query_string={"sort": "note"}), 400, "sort_not_indexed")
    for served in ("-score", "score,note", "-created_at", "id", "-updated_at"):  # (a first key an index serves)
        assert len(ok(api.get("/api/v1/records/deal", query_string={"sort": served}))["records"]) == 8, served
    app.config["RECORDBASE_UNINDEXED_SORT_MAX_ROWS"] = 8  # at most that many: sorted as asked
    notes = [r["fields"]["note"] for r in ok(api.get("/api/v1/records/deal", query_string={"sort": "-note"}))["records"]]
    assert notes == sorted(notes, reverse=True)
    app.config["RECORDBASE_UNINDEXED_SORT_MAX_ROWS"] = 0  # never refused
    ok(api.get("/api/v1/records/deal", query_string={"sort": "note"}))


def test_openapi_sort_names_the_indexed_fields(app, api, deals):
    doc = ok(api.get("/api/v1/openapi.json"))
    params = doc["paths"]["/api/v1/records/deal"]["get"]["parameters"]
    sort = next(p for p in params if p["name"] == "sort")["description"]
    assert "Indexed fields (a sort on them stays fast at any size): score;" in sort
    assert "sort_not_indexed" in sort and "200,000" in sort


def test_admin_marks_unindexed_sortable_columns(admin_client, switch_language, api, deals):
    page = admin_client.get("/admin/records/deal/").get_data(as_text=True)
    hint = "Sorting by this column gets slow on large tables: no index serves it."
    assert page.count(hint) == 3  # note, stage (its choice order), secret; not score
    switch_language(admin_client, "zh")
    page = admin_client.get("/admin/records/deal/").get_data(as_text=True)
    assert hint not in page and page.count("按此列排序在大表上会变慢：没有索引支持它。") == 3
