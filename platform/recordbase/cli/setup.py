"""``recordbase init``: create or upgrade the database (Alembic) and the first owner. Idempotent."""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Optional

import click

from .common import CliError, CliState, state

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from ..models import User


def database_status(engine: "Engine") -> str:
    """'missing' (never initialised), 'outdated' (migrations pending), 'current', or 'newer' (unknown revision)."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from ..database_setup import alembic_config

    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if not current:
        return "missing"
    script = ScriptDirectory.from_config(alembic_config(engine.url.render_as_string(hide_password=False)))
    known = {rev.revision for rev in script.walk_revisions()}
    if not current <= known:
        return "newer"
    return "current" if current == set(script.get_heads()) else "outdated"


def initialise_database(st: CliState) -> str:
    """Apply every pending migration; returns the status the database had before ('missing', ...)."""
    from ..database_setup import upgrade_database

    engine = st.engine()
    before = database_status(engine)
    if before == "newer":
        raise CliError(f"The database {st.display_url} was migrated by a newer Recordbase; upgrade this installation.")
    if before != "current":
        upgrade_database(engine)
    return before


def ensure_user(session: "Session", email: str, password: Optional[str], role: str = "owner",
                display_name: Optional[str] = None) -> tuple["User", bool]:
    """The user with that e-mail, created (with ``role``) when missing. Returns (user, created)."""
    from ..auth import create_user, find_user

    user = find_user(session, email)
    if user is not None:
        return user, False
    if not password:
        raise CliError(f"A password is needed to create {email} (--admin-password).")
    return create_user(session, email, password, role=role, display_name=display_name), True


def count_users(session: "Session") -> int:
    from sqlalchemy import func, select

    from ..models import User

    return int(session.scalar(select(func.count()).select_from(User)) or 0)


def ask_password(option: str, what: str) -> str:
    """Prompt for a password on a terminal; refuse politely when there is none to ask."""
    if not sys.stdin.isatty():
        raise CliError(f"{option} is required (no terminal to ask for {what}).")
    return click.prompt(f"Password for {what}", hide_input=True, confirmation_prompt=True)


def settle_timezone(session: "Session", given: Optional[str]) -> str:
    """The instance's time zone setting: ``given`` (--timezone) when there is one, else the one already
    set, else asked on a terminal (the machine's zone by default) or, with no terminal, the machine's.
    Stored in the database (:mod:`recordbase.settings`); an unknown zone is refused."""
    from ..settings import SettingError, machine_timezone, save, stored

    current = stored(session).get("timezone")
    zone = given
    if zone is None and current:
        return current
    if zone is None:
        zone = machine_timezone()
        if sys.stdin.isatty():
            zone = click.prompt("Time zone of this instance (IANA name)", default=zone)
    try:
        save(session, {"timezone": zone})
    except SettingError as exc:
        raise CliError(f"{exc} (got {zone!r}).") from None
    return zone.strip()


TIMEZONE_OPTION = click.option(
    "--timezone", metavar="ZONE", help="The instance's time zone, an IANA name such as Asia/Shanghai "
    "(asked on a terminal the first time; default: this machine's). Owners change it in the admin's Settings.")


@click.command()
@click.option("--admin-email", metavar="EMAIL", help="E-mail of the first owner (created if missing, never duplicated).")
@click.option("--admin-password", metavar="PASSWORD", envvar="RECORDBASE_ADMIN_PASSWORD", show_envvar=True,
              help="Its password (at least 8 characters). Asked for on a terminal when omitted.")
@TIMEZONE_OPTION
@click.pass_context
def init(ctx: click.Context, admin_email: Optional[str], admin_password: Optional[str],
         timezone: Optional[str] = None) -> None:
    """Create or upgrade the database and the first admin (safe to run again).

    初始化或升级数据库，并创建第一个管理员（可重复运行）。
    """
    st = state(ctx)
    if admin_password and not admin_email:
        raise click.UsageError("--admin-password needs --admin-email")
    before = initialise_database(st)
    click.echo({"missing": "Created", "outdated": "Upgraded", "current": "Up to date:"}[before]
               + f" database {st.display_url}")
    with st.transaction() as session:
        zone = settle_timezone(session, timezone)
        click.echo(f"Time zone: {zone}")
        if admin_email:
            from ..auth import find_user

            existing = find_user(session, admin_email)
            if existing is not None:
                click.echo(f"User {existing.email} already exists (role {existing.role}); left unchanged.")
                return
            password = admin_password or ask_password("--admin-password", admin_email)
            user, _ = ensure_user(session, admin_email, password, role="owner")
            click.echo(f"Created owner {user.email}. Sign in at /admin/ after `recordbase serve`.")
        elif count_users(session) == 0:
            click.echo("No users yet. Create the first owner with:\n"
                       "  recordbase init --admin-email you@example.com --admin-password '...'")
