"""The API's payload check (``schemas.validate_fields``, one loop over a plan kept per type snapshot)
answers exactly what the type's marshmallow schema (``schemas.record_schema``, which the OpenAPI
document is made from) answers on its ``load``: the same cleaned values in the same order, or the
same problems by field with the same messages — also when the values that need nothing else were
cleaned before the write's transaction (``schemas.clean_early``). Checked on random payloads over
every kind of field a payload can name: required, defaulted, read-only (a formula, an autonumber,
the system fields), links, users, choices, numbers, dates, unknown names, nulls and blanks.

Early cleaning runs on the snapshot the process built last: a change of the type made meanwhile
(here by another app on the same database, as another process would) must not let a value the new
definition refuses through, nor refuse one it takes."""
from __future__ import annotations

import marshmallow
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from recordbase.api.schemas import clean_early, record_schema, validate_fields
from recordbase.context import platform
from recordbase.errors import ValidationError
from recordbase.storage import RecordStore

from .helpers import create, make_type

FIELDS = [
    {"name": "name", "label": "Name", "type": "text", "required": True},
    {"name": "code", "label": "Code", "type": "text", "default": "C-0"},
    {"name": "score", "label": "Score", "type": "number"},
    {"name": "price", "label": "Price", "type": "decimal", "options": {"precision": 2}},
    {"name": "level", "label": "Level", "type": "single_select", "required": True, "default": "low",
     "options": {"choices": ["low", "high"]}},
    {"name": "tags", "label": "Tags", "type": "multi_select", "options": {"choices": ["a", "b"]}},
    {"name": "since", "label": "Since", "type": "date"},
    {"name": "active", "label": "Active", "type": "boolean"},
    {"name": "email", "label": "Email", "type": "email"},
    {"name": "owner", "label": "Owner", "type": "user"},
    {"name": "org", "label": "Org", "type": "link", "options": {"target": "org"}},
    {"name": "orgs", "label": "Orgs", "type": "link", "options": {"target": "org", "many": True}},
    {"name": "double", "label": "Double", "type": "formula", "options": {"expression": "{score} * 2"}},
    {"name": "number", "label": "Number", "type": "autonumber"},
]

NAMES = [f["name"] for f in FIELDS] + ["id", "version", "created_at", "updated_by", "colour"]
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**16, 10**16), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "  ", "Acme", "low", "high", "a", "bad", "2024-01-05", "2024-02-30", "12.345",
                     "owner@example.com", "nobody@example.com", "x@y", "1", "999999", "true", "\u0000"]),
    st.lists(st.sampled_from(["a", "b", "c", 1, 999999]), max_size=3),
    st.just({"a": 1}))
GOOD = {"name": ["Acme", " Beta "], "code": ["X-1", "", None], "score": [1, 2.5, "3", None], "price": ["1.25", 3],
        "level": ["low", "high"], "tags": [["a"], [], None], "since": ["2024-01-05", None], "active": [True, "yes"],
        "email": ["a@acme.test", None], "owner": ["owner@example.com", 1, None], "org": [1, None],
        "orgs": [[1], []]}
#: payloads of valid values (each field left out, or one of its good values), now and then one bad or unknown
MOSTLY_GOOD = st.builds(lambda good, noise: {**good, **noise},
                        st.fixed_dictionaries({"name": st.sampled_from(GOOD["name"])},
                                              optional={k: st.sampled_from(v) for k, v in GOOD.items() if k != "name"}),
                        st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=1))
PAYLOADS = st.one_of(st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=8), MOSTLY_GOOD)


def marshmallow_answer(typedef, ctx, values: dict, creating: bool) -> tuple[str, object]:
    """What the marshmallow schema answers: ("ok", values) or ("problems", {field: messages}),
    worded as the API words it (marshmallow's "Unknown field." names the type and field)."""
    try:
        return "ok", record_schema(typedef, ctx, creating).load(values)
    except marshmallow.ValidationError as exc:
        return "problems", {name: [f"unknown field (record type '{typedef.name}' has no field '{name}')"
                                   if m == "Unknown field." else m for m in msgs]
                            for name, msgs in exc.messages.items()}


def our_answer(typedef, ctx, values: dict, creating: bool, early=None) -> tuple[str, object]:
    try:
        return "ok", validate_fields(typedef, values, ctx, creating, early=early)
    except ValidationError as exc:
        return "problems", exc.details


@pytest.fixture
def store(app, api):
    make_type(api, "org", [{"name": "name", "label": "Name", "type": "text"}])
    make_type(api, "thing", FIELDS)
    create(api, "org", name="Acme")
    plat = platform(app)
    with app.app_context(), plat.sessions() as s:
        yield RecordStore(s, plat.schema_cache.get(s), user_id=1)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=PAYLOADS, creating=st.booleans())
def test_the_payload_check_answers_as_the_marshmallow_schema(store, values, creating):
    typedef = store.type("thing")
    expected = marshmallow_answer(typedef, store.ctx, values, creating)
    for early in (None, clean_early(typedef, values)):
        got = our_answer(typedef, store.ctx, values, creating, early)
        event(f"{got[0]} creating={creating}")
        assert got[0] == expected[0], (values, got, expected)
        if got[0] == "ok":
            assert list(got[1].items()) == list(expected[1].items())  # the same values, in the same order
        else:
            assert got[1] == expected[1]
            known = [n for n in got[1] if typedef.field(n) is not None]
            assert known == [n for n in expected[1] if typedef.field(n) is not None]  # in the schema's order


def test_early_cleaning_leaves_what_reads_its_context_to_the_transaction(store):
    """Links, users and naive times are cleaned in the write's transaction (their targets, the user,
    the instance's time zone), not early; a refusal found early is reported, not raised."""
    typedef = store.type("thing")
    early = clean_early(typedef, {"name": " Acme ", "score": "many", "org": 1, "owner": "owner@example.com",
                                  "orgs": [1], "level": "high", "double": 3})
    assert early.results["name"] == "Acme" and early.results["level"] == "high"
    assert early.results["score"].message  # (kept for validate_fields)
    assert not {"org", "owner", "orgs", "double"} & set(early.results)
    assert validate_fields(typedef, {"name": "A", "org": 1}, store.ctx, True, early=early)["name"] == "A"  # (not its body)


def test_a_field_added_while_the_process_runs_is_checked_on_the_next_write(app, api):
    """The plan is kept per type snapshot: a new field (a new schema version) is known at once."""
    make_type(api, "org", [{"name": "name", "label": "Name", "type": "text"}])
    create(api, "org", name="Acme")
    refused = api.post("/api/v1/records/org", json={"fields": {"name": "B", "size": 3}})
    assert refused.status_code == 422 and "size" in refused.get_json()["error"]["details"]
    api.post("/api/v1/types/org/fields", json={"name": "size", "label": "Size", "type": "number", "required": True})
    assert create(api, "org", name="B", size=3)["fields"]["size"] == 3
    refused = api.post("/api/v1/records/org", json={"fields": {"name": "C"}})
    assert refused.status_code == 422 and refused.get_json()["error"]["details"] == {"size": ["is required"]}


def test_a_field_changed_by_another_process_is_cleaned_by_its_new_definition(app, app_b, api, token):
    """App B has cleaned writes on its snapshot (kept as its latest); app A then changes the field:
    B's next writes are cleaned by the new definition, not by what B cleaned early on its old one."""
    make_type(api, "gadget", [{"name": "name", "label": "Name", "type": "text"},
                              {"name": "size", "label": "Size", "type": "single_select",
                               "options": {"choices": ["small", "large"]}}])
    b = app_b.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert b.post("/api/v1/records/gadget", json={"fields": {"name": "x", "size": "large"}},
                  headers=headers).status_code == 201
    changed = api.patch("/api/v1/types/gadget/fields/size", json={"options": {"choices": ["small", "huge"]}, "force": True})
    assert changed.status_code == 200, changed.get_json()
    refused = b.post("/api/v1/records/gadget", json={"fields": {"name": "y", "size": "large"}}, headers=headers)
    assert refused.status_code == 422 and "size" in refused.get_json()["error"]["details"]
    made = b.post("/api/v1/records/gadget", json={"fields": {"name": "z", "size": "huge"}}, headers=headers)
    assert made.status_code == 201 and made.get_json()["fields"]["size"] == "huge"
    patched = b.patch(f"/api/v1/records/gadget/{made.get_json()['id']}", headers=headers,
                      json={"version": 1, "fields": {"size": "large"}})
    assert patched.status_code == 422
