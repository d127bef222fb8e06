"""`recordbase serve` configuration (the live server is tested in tests/multiprocess)."""
from __future__ import annotations

from recordbase.cli.serve import gunicorn_options, make_server


def test_gunicorn_options():
    opts = gunicorn_options("0.0.0.0", 8000, 3, 4, 30, access_log=False)
    assert opts["bind"] == "0.0.0.0:8000" and opts["workers"] == 3
    assert opts["worker_class"] == "gthread" and opts["threads"] == 4
    assert opts["preload_app"] is False
    assert "accesslog" not in opts
    sync = gunicorn_options("::1", 8000, 1, 1, 30, access_log=True)
    assert sync["bind"] == "[::1]:8000" and sync["worker_class"] == "sync"
    assert sync["accesslog"] == "-" and "%(p)s" in sync["access_log_format"]


def test_embedded_gunicorn_application_loads_the_factory():
    sentinel = object()
    server = make_server(lambda: sentinel, gunicorn_options("127.0.0.1", 8123, 2, 1, 30, access_log=False))
    assert server.cfg.workers == 2
    assert server.cfg.bind == ["127.0.0.1:8123"]
    assert server.load() is sentinel


def test_console_script_entry_point():
    from importlib.metadata import entry_points

    (ep,) = [e for e in entry_points(group="console_scripts") if e.name == "recordbase"]
    assert ep.value == "recordbase.cli:main"
    from recordbase.cli import main

    assert ep.load() is main


def test_wsgi_module_builds_the_app_from_the_environment(database_url, tmp_path, monkeypatch):
    import importlib
    import sys

    from recordbase.context import platform

    monkeypatch.setenv("RECORDBASE_DATABASE_URL", database_url)
    monkeypatch.setenv("RECORDBASE_INSTANCE", str(tmp_path / "wsgi-instance"))
    sys.modules.pop("recordbase.wsgi", None)
    module = importlib.import_module("recordbase.wsgi")
    try:
        assert module.application is module.app
        assert module.app.config["DATABASE_URL"] == database_url
        assert module.app.test_client().get("/api/v1/types").status_code == 401
    finally:
        platform(module.app).engine.dispose()
        sys.modules.pop("recordbase.wsgi", None)
