"""Schemathesis over the whole ``/api/v1/openapi.json``, every check, as the security probe ran it.

The engine the ``st run`` command uses, in-process, against the app served over real HTTP (a
Werkzeug server in a thread): the examples, coverage (boundary values, wrong types, missing
parts) and fuzzing phases, positive and negative data, and ALL checks — no server error, the
status code, content type, headers and body each as documented, schema-violating input refused,
schema-valid input accepted, ``Allow`` as documented, no method the document does not name.

Bounded by counts, not by the clock, so that every machine sends the same requests: a fixed
seed, deterministic generation, no shrinking, no example database; the examples phase sends each
operation's documented example (one is made where the document has none), the coverage phase
every case it derives from the schema (it has no count to cut), and the fuzzing phase a few
generated cases per operation and data mode (``RECORDBASE_SCHEMATHESIS_EXAMPLES``, default 10),
once (with a ``max_time`` the engine would repeat it until the clock ran out). The test fails if
an operation did not run in every phase. ``RECORDBASE_SCHEMATHESIS_SECONDS`` (default 240) is
only a safety net: a run that reaches it FAILS (it would leave operations untested), it never
cuts a run short silently. ``RB_ST_DUMP=<file>`` writes the time spent per phase and operation
and every failure with its curl line.

``positive_data_acceptance`` also takes the API's refusals of what a request says as accepting:
a 400 for a parameter (a filter naming no field, a date that is no date) and a 422 for a body
(a record type that does not exist, a required value left empty): the document states shapes,
which JSON Schema can, not whether what they name exists. Each such status must still be
documented for its operation (``status_code_conformance``), and a 5xx always fails.
"""
from __future__ import annotations

import os
import re
import threading
import time
from typing import Iterator

import pytest

schemathesis = pytest.importorskip("schemathesis")

from schemathesis.config import SchemathesisConfig  # noqa: E402
from schemathesis.engine import Status, StopReason, events, from_schema  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

SECONDS = int(os.environ.get("RECORDBASE_SCHEMATHESIS_SECONDS", "240"))
EXAMPLES = int(os.environ.get("RECORDBASE_SCHEMATHESIS_EXAMPLES", "10"))
#: revoking tokens would revoke the run's own token, and with it every later request
SKIPPED = ("revoke_token",)
POSITIVE_OK = ["2xx", "400", "401", "403", "404", "409", "422", "429"]
#: operations that change what the document says of other operations (a field made optional, a
#: text's length, a type trashed): run after the rest, so that a record payload is never judged
#: against a document that a fuzzed field change has made stale
METAMODEL_WRITES = ("create_type", "update_type", "delete_type", "restore_type", "add_field", "update_field",
                    "delete_field", "restore_field", "reorder_fields", "install_pack", "uninstall_pack")

FIELDS = {
    "supplier": [{"name": "name", "label": "Name", "type": "text", "required": True},
                 {"name": "manager", "label": "Manager", "type": "user"},
                 {"name": "score", "label": "Score", "type": "number"},
                 {"name": "status", "label": "Status", "type": "single_select",
                  "options": {"choices": ["active", "paused"]}},
                 {"name": "since", "label": "Since", "type": "date"},
                 {"name": "tags", "label": "Tags", "type": "multi_select", "options": {"choices": ["a", "b"]}},
                 {"name": "file", "label": "File", "type": "attachment"}],
    "contract": [{"name": "title", "label": "Title", "type": "text", "required": True},
                 {"name": "supplier", "label": "Supplier", "type": "link", "options": {"target": "supplier"}},
                 {"name": "value", "label": "Value", "type": "currency"},
                 {"name": "signed", "label": "Signed", "type": "boolean"}],
}


@pytest.fixture
def served(app) -> Iterator[str]:
    """The app over HTTP on a free port (what the probe attacked), for the length of the test."""
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


def populate(api) -> None:
    for name, fields in FIELDS.items():
        assert api.post("/api/v1/types", json={"name": name, "label": name.title()}).status_code == 201
        for f in fields:
            assert api.post(f"/api/v1/types/{name}/fields", json=f).status_code == 201
    assert api.post("/api/v1/records/supplier", json={"fields": {"name": "Acme", "score": 3}}).status_code == 201
    assert api.post("/api/v1/records/contract", json={"fields": {"title": "Frame", "supplier": 1}}).status_code == 201
    assert api.post("/api/v1/types/supplier/forms", json={"title": "Feedback", "fields": ["name"]}).status_code == 201
    assert api.post("/api/v1/views", json={"type": "supplier", "name": "Active"}).status_code == 201


PHASES = ("examples", "coverage", "fuzzing")
#: seconds and cases per (phase, operation), for RB_ST_DUMP
TIMES: dict[tuple[str, str], float] = {}
CASES: dict[tuple[str, str], int] = {}


def run_engine(base_url: str, token: str, metamodel_writes: bool, deadline: float) -> tuple[list[str], int]:
    """(failures as text, scenarios run) of one complete run over every operation but the metamodel's
    writes, or over those alone (``metamodel_writes``). An operation left out of a phase, or a run
    stopped by the clock, is a failure too."""
    auth = {"Authorization": f"Bearer {token}"}
    config = SchemathesisConfig()
    # no max_time: with one, the engine repeats the fuzzing phase (and re-runs coverage) until the
    # clock runs out, so how much is tested would depend on the machine; the deadline below only fails
    config.update(seed=20261207, max_failures=None)
    project = config.projects.override
    project.update(headers=auth, workers=1, request_timeout=30)
    project.phases.update(phases=list(PHASES))
    project.phases.examples.fill_missing = True  # an operation without a documented example gets one
    project.checks.update(included_check_names=["all"])
    project.checks.positive_data_acceptance.expected_statuses = POSITIVE_OK
    project.generation.update(modes=["positive", "negative"], max_examples=EXAMPLES, no_shrink=True,
                              deterministic=True, database="none")
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json", config=config, headers=auth)
    for operation_id in SKIPPED:
        schema = schema.exclude(operation_id=operation_id)
    if metamodel_writes:
        schema = schema.include(operation_id=list(METAMODEL_WRITES))
    else:
        schema = schema.exclude(operation_id=list(METAMODEL_WRITES))
    operations = {result.ok().label for result in schema.get_all_operations()}
    failures: list[str] = []
    scenarios = 0
    ran: dict[str, set[str]] = {phase: set() for phase in PHASES}
    for event in from_schema(schema).execute():
        if time.monotonic() > deadline:
            failures.append(f"the run took longer than {SECONDS}s (RECORDBASE_SCHEMATHESIS_SECONDS) and was stopped")
            break
        if isinstance(event, events.ScenarioFinished):
            scenarios += 1
            if event.status != Status.SKIP:
                ran.setdefault(str(event.phase), set()).add(event.recorder.label)
            key = (str(event.phase), event.recorder.label)
            TIMES[key] = TIMES.get(key, 0.0) + event.elapsed_time
            CASES[key] = CASES.get(key, 0) + len(event.recorder.cases)
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.failure_info is not None and not _text_in_a_form(check):
                        failure = check.failure_info.failure
                        failures.append(f"[{event.phase}] {event.recorder.label} {check.name}: {failure.title}\n"
                                        f"{failure.message[:600]}\n{check.failure_info.code_sample[:800]}")
        elif isinstance(event, events.NonFatalError):
            failures.append(f"error in {event.label}: {event.value!r}"[:1500])
        elif isinstance(event, events.FatalError):
            failures.append(f"fatal: {event.exception!r}"[:1500])
        elif isinstance(event, events.EngineFinished) and event.stop_reason != StopReason.COMPLETED:
            failures.append(f"the run stopped before the end: {event.stop_reason}")
    for phase in PHASES:
        if operations - ran[phase]:
            failures.append(f"not run in the {phase} phase: {sorted(operations - ran[phase])}")
    return failures, scenarios


def _text_in_a_form(check) -> bool:
    """A multipart form's values are all text: a "schema-violating" number or object that
    schemathesis sends in one arrives as the text "4995" or "{}", which is a valid value of a text
    part (a sheet named "{}"). Only that case is let through; any other violation still fails."""
    info = check.failure_info
    if check.name != "negative_data_rejection" or "multipart/form-data" not in info.code_sample:
        return False
    violations = re.findall(r"- violates `([^`]+)` at \S+(?: \(was ([a-z]+),)?", info.failure.message)
    return bool(violations) and all(kw == "type" and was == "string" for kw, was in violations)


def test_the_whole_api_holds_up_under_schemathesis(app, api, served):
    populate(api)
    started = time.monotonic()
    failures, scenarios = run_engine(served, api.token, False, started + SECONDS)
    more_failures, more_scenarios = run_engine(served, api.token, True, started + SECONDS)
    failures, scenarios = failures + more_failures, scenarios + more_scenarios
    if os.environ.get("RB_ST_DUMP"):
        with open(os.environ["RB_ST_DUMP"], "w", encoding="utf-8") as out:
            slowest = sorted(TIMES.items(), key=lambda kv: -kv[1])[:40]
            out.write(f"{scenarios} scenarios in {time.monotonic() - started:.0f}s\n"
                      + "".join(f"{p}: {sum(v for (q, _), v in TIMES.items() if q == p):.0f}s "
                                f"{sum(v for (q, _), v in CASES.items() if q == p)} cases\n" for p in PHASES)
                      + "".join(f"  {t:6.1f}s {CASES[k]:5d} {k}\n" for k, t in slowest) + "\n"
                      + "\n\n=====\n".join(failures))
    unique = sorted({f.split("\n", 1)[0] for f in failures})
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(unique) + "\n\nfirst:\n" + failures[0]
