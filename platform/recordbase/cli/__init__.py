"""The ``recordbase`` command (click).

One sub-module per command group; each imports the heavy parts of the platform
only when its command runs, so ``recordbase --help`` stays fast. Every command
reaches the database through :class:`~recordbase.cli.common.CliState`, and every
expected failure (bad input, unknown user, unreachable or uninitialised
database) becomes a one-line message on stderr and exit status 1 — never a
traceback. Usage errors exit with status 2 (click's convention).
"""
from __future__ import annotations

from typing import Any, Optional

import click

from .common import CliState, friendly_errors


class RecordbaseGroup(click.Group):
    """The root group: turns expected exceptions from any sub-command into clean errors."""

    def invoke(self, ctx: click.Context) -> Any:
        with friendly_errors(ctx):
            return super().invoke(ctx)


@click.group(cls=RecordbaseGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--database-url", envvar="RECORDBASE_DATABASE_URL", metavar="URL", show_envvar=True,
              help="SQLAlchemy URL of the database (sqlite:///path or postgresql://user@host/db). "
                   "Default: SQLite at ./instance/recordbase.db.")
@click.version_option(package_name="recordbase", prog_name="recordbase")
@click.pass_context
def cli(ctx: click.Context, database_url: Optional[str]) -> None:
    """Recordbase: a low-code records platform (Flask-Admin web app and REST API).

    \b
    Start here:   recordbase demo
    Production:   recordbase init --admin-email you@example.com
                  recordbase serve --workers 4
    """
    ctx.obj = CliState.from_url(database_url)


def _register() -> None:
    from .accounts import tokens, users
    from .demo import demo
    from .metamodel import types
    from .recompute import recompute
    from .serve import serve
    from .setup import init

    for command in (init, serve, demo, users, tokens, types, recompute):
        cli.add_command(command)
    from .dataio import register as register_dataio

    register_dataio(cli)  # import, export (one module: recordbase.cli.dataio)
    from .worker import worker

    cli.add_command(worker)  # automation: recordbase worker [--once --now]
    from .packs import packs

    cli.add_command(packs)  # template packs: recordbase packs list|install|export|uninstall|check


_register()


def main(argv: Optional[list[str]] = None) -> None:
    """Console-script entry point (``recordbase = recordbase.cli:main``)."""
    cli.main(args=argv, prog_name="recordbase")


__all__ = ["cli", "main"]
