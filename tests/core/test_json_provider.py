"""The app's JSON provider (recordbase.json_provider): orjson's plain path first, the same text as
before for a document whose keys are not all strings, Flask's path for what orjson refuses."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal

import orjson
from hypothesis import HealthCheck, given, settings, strategies as st

from recordbase.json_provider import OrjsonProvider

_BEFORE = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS  # (the one try of the provider before)


def _provider(app) -> OrjsonProvider:
    assert isinstance(app.json, OrjsonProvider)
    return app.json


def test_keys_that_are_not_strings_are_written_as_before(app):
    provider = _provider(app)
    for doc in ({1: "a", "b": 2}, {"rows": [{3: 4}]}, {date(2026, 1, 5): 1, None: 2, True: 3, 1.5: 4},
                {datetime(2026, 1, 5, 10, tzinfo=timezone.utc): "x"}):
        assert provider.dumps(doc) == orjson.dumps(doc, default=provider.default, option=_BEFORE).decode()
        with app.app_context():
            resp = provider.response(doc)
        assert resp.get_data() == orjson.dumps(doc, default=provider.default, option=_BEFORE) + b"\n"


def test_what_orjson_refuses_goes_through_flask(app):
    provider = _provider(app)
    doc = {"big": 2**70, "amount": Decimal("1.50"), 7: "seven"}
    assert json.loads(provider.dumps(doc)) == {"big": 2**70, "amount": "1.50", "7": "seven"}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])  # (the app is only read)
@given(st.recursive(st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | st.text(max_size=5)
                    | st.floats(allow_nan=False, allow_infinity=False),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=3) | st.integers(-5, 5), inner, max_size=3), max_leaves=12))
def test_any_document_is_written_as_before(app, doc):
    provider = _provider(app)
    assert provider.dumps(doc) == orjson.dumps(doc, default=provider.default, option=_BEFORE).decode()
