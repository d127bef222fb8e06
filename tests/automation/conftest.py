"""Fixtures of the automation tests: types over the API, rules, records, the worker at a moved clock,
and a local HTTP server that records webhook deliveries (and can be told to fail).
Plain helpers are in ``helpers.py``."""
from __future__ import annotations

import pytest

from .helpers import Auto, CORRECTIVE_FIELDS, EVALUATION_FIELDS, Hook


@pytest.fixture
def auto(api, app) -> Auto:
    return Auto(api, app)


@pytest.fixture
def evaluation(auto) -> Auto:
    """'evaluation' and 'corrective_action' (linked back to its evaluation) types."""
    auto.make_type("evaluation", EVALUATION_FIELDS)
    auto.make_type("corrective_action", CORRECTIVE_FIELDS + [
        {"name": "evaluation", "label": "Evaluation", "type": "link", "options": {"target": "evaluation"}}])
    return auto


@pytest.fixture
def hook():
    h = Hook()
    yield h
    h.close()
