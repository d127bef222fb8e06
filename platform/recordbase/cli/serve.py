"""``recordbase serve``: the web app and API under gunicorn, embedded as a library.

The master process initialises (or upgrades) the database and makes sure the
instance secret key exists *before* forking, so workers never race on either.
Each worker then builds its own app (no preloading): engines and connection
pools are never shared across a fork. Workers keep no state of their own; the
schema-version cache (design §2) keeps them consistent, so any number of
``serve`` processes may share one PostgreSQL database.

Unless ``--no-worker`` is given, the master (gunicorn's arbiter) also starts exactly one
automation worker (``recordbase worker``) as its child once it is ready, and stops it when it
shuts down (SIGTERM, SIGINT). The worker also watches that the master stays its parent, so a
``serve`` killed outright (SIGKILL) leaves no orphan. With several ``serve`` processes on one
database, each has its own embedded worker; they share the work safely (claims on outbox
steps and on scheduled occurrences), or run ``--no-worker`` and separate ``recordbase worker``s.
"""
from __future__ import annotations

import errno
import os
import socket
from typing import Any, Callable, Optional

import click

from .common import CliError, CliState, instance_path, state
from .setup import count_users, initialise_database

#: gunicorn access-log format; ``<pid>`` tells which worker answered.
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms %(p)s'


def gunicorn_options(host: str, port: int, workers: int, threads: int, timeout: int, access_log: bool) -> dict:
    bind = f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"
    options: dict[str, Any] = {
        "bind": bind,
        "workers": workers,
        # sync workers handle one request at a time; gthread adds a thread pool per worker
        "worker_class": "gthread" if threads > 1 else "sync",
        "threads": threads,
        "timeout": timeout,
        "graceful_timeout": 10,
        "proc_name": "recordbase",
        "errorlog": "-",
        "loglevel": "info",
        "preload_app": False,
        # gunicorn >= 24 opens a control socket at a fixed per-user path: two servers would clash
        "control_socket_disable": True,
    }
    if access_log:
        options.update(accesslog="-", access_log_format=ACCESS_LOG_FORMAT)
    return options


def make_server(app_factory: Callable[[], Any], options: dict):
    """A gunicorn application that calls ``app_factory`` in each worker."""
    from gunicorn.app.base import BaseApplication

    class RecordbaseServer(BaseApplication):
        def __init__(self) -> None:
            self.options = options
            super().__init__()

        def load_config(self) -> None:
            for key, value in self.options.items():
                if key in self.cfg.settings:  # settings newer than the installed gunicorn are skipped
                    self.cfg.set(key, value)

        def load(self) -> Any:
            return app_factory()

    return RecordbaseServer()


def check_port_free(host: str, port: int) -> None:
    """Fail early with a clear message instead of gunicorn's retry loop."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host.strip("[]"), port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CliError(f"Port {port} on {host} is already in use; choose another with --port.") from None
            raise CliError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def prepare(st: CliState) -> None:
    """Everything the master does before forking, so that workers never race on it: migrate the database,
    create the instance secret key, compile the translations into the instance folder."""
    from ..application import secret_key
    from ..i18n import compile_catalogs

    initialise_database(st)
    with st.transaction() as session:
        if count_users(session) == 0:
            click.echo("Note: no users yet; create the first owner with "
                       "`recordbase init --admin-email you@example.com`.", err=True)
    folder = instance_path()
    folder.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("RECORDBASE_SECRET_KEY") and not st.database_url.startswith("sqlite"):
        click.echo("Note: with several machines behind a load balancer, give every one the same "
                   "RECORDBASE_SECRET_KEY (sign-in cookies are signed with it).", err=True)
    secret_key(folder)
    compile_catalogs(folder / "translations")
    st.dispose()  # no connection may cross the fork


def embedded_worker_hooks(database_url: str) -> dict:
    """gunicorn server hooks that run one automation worker beside the arbiter (not per web worker)."""
    running: dict[str, Any] = {}

    def when_ready(server) -> None:
        from ..automation.worker import EmbeddedWorker

        worker = EmbeddedWorker(database_url, server.log)  # restarted by its watchdog if it dies
        running["worker"] = worker
        worker.start()

    def on_exit(server) -> None:
        worker = running.pop("worker", None)
        pid = worker.stop() if worker is not None else None
        if pid is not None:
            server.log.info("Stopped the embedded automation worker (pid: %s)", pid)

    return {"when_ready": when_ready, "on_exit": on_exit}


def run_server(st: CliState, host: str, port: int, workers: int, threads: int = 4, timeout: int = 60,
               access_log: bool = False, banner: Optional[str] = None, embedded_worker: bool = True) -> None:
    """Prepare the database, then serve until interrupted (blocks); with ``embedded_worker``, one
    automation worker runs beside the server for as long as it does."""
    if workers < 1 or threads < 1:
        raise CliError("--workers and --threads must be at least 1.")
    check_port_free(host, port)
    prepare(st)
    url = st.database_url

    def factory():
        from ..application import create_app

        return create_app({"DATABASE_URL": url})

    shown = f"[{host}]" if ":" in host else host
    click.echo(banner or f"Recordbase on http://{shown}:{port}/admin/  (API: /api/v1/, "
                         f"{workers} worker{'s' if workers > 1 else ''}, database {st.display_url})")
    options = gunicorn_options(host, port, workers, threads, timeout, access_log)
    if embedded_worker:
        options.update(embedded_worker_hooks(url))
    else:
        click.echo("No embedded worker (--no-worker): run `recordbase worker` for webhooks, e-mail and "
                   "scheduled rules.", err=True)
    make_server(factory, options).run()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for all).")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Threads per worker (1 = gunicorn sync workers).")
@click.option("--timeout", default=60, show_default=True, type=click.IntRange(1), help="Worker timeout, seconds.")
@click.option("--access-log", is_flag=True, help="Log every request to stdout (with the worker's <pid>).")
@click.option("--no-worker", is_flag=True, help="Do not start the embedded automation worker "
              "(run `recordbase worker` separately).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int, threads: int, timeout: int, access_log: bool,
          no_worker: bool) -> None:
    """Serve the admin and the REST API with gunicorn (production WSGI server).

    用 gunicorn 提供管理界面和 REST API（生产级 WSGI 服务器）。
    """
    run_server(state(ctx), host, port, workers, threads, timeout, access_log, embedded_worker=not no_worker)
