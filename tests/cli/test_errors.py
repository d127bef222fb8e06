"""Bad input and unusable databases: a one-line message on stderr, a non-zero exit, never a traceback."""
from __future__ import annotations

import socket

import pytest

from .helpers import Cli


def _clean_failure(result, *needles: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: ")
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.stderr


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("command", [("init",), ("tokens", "create", "--email", "a@example.com"), ("types", "list"),
                                     ("demo", "--no-serve")])
def test_unreachable_postgresql(command):
    url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/nothing"
    _clean_failure(Cli(url)(*command), "Cannot use the database", "127.0.0.1")


def test_password_is_masked_in_messages():
    url = f"postgresql://postgres:hunter2secret@127.0.0.1:{_closed_port()}/nothing"
    result = Cli(url)("init")
    _clean_failure(result)
    assert "hunter2secret" not in result.output


def test_unknown_database_scheme():
    _clean_failure(Cli("nosuchdb://somewhere/x")("init"), "not a usable database URL")


def test_commands_on_a_missing_sqlite_file(tmp_path):
    result = Cli(f"sqlite:///{tmp_path / 'nope' / 'rb.db'}")("tokens", "create", "--email", "a@example.com")
    _clean_failure(result, "There is no database", "recordbase init")
    assert not (tmp_path / "nope" / "rb.db").exists()


def test_commands_on_an_uninitialised_database(run_fresh):
    # an existing but empty database (on PostgreSQL: a new, empty database)
    if run_fresh.url.startswith("sqlite"):
        from recordbase.db import make_engine

        make_engine(run_fresh.url).connect().close()
    _clean_failure(run_fresh("users", "list"), "not initialised", "recordbase init")


def test_unknown_type_in_types_show(run):
    _clean_failure(run("types", "show", "nope"), "No record type named 'nope'")


def test_serve_on_a_busy_port(run):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        _clean_failure(run("serve", "--port", str(port)), f"Port {port}", "already in use")


def test_demo_on_a_busy_port_fails_before_touching_the_database(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        _clean_failure(Cli(None)("demo", "--port", str(port)), "already in use")
    assert not (tmp_path / "instance" / "recordbase.db").exists()


def test_usage_errors_exit_2(run):
    assert run("users", "create", "--email", "a@example.com", "--role", "nope").exit_code == 2
    assert run("nosuchcommand").exit_code == 2
    assert run("serve", "--port", "99999").exit_code == 2
