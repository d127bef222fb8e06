"""``recordbase users ...`` and ``recordbase tokens ...``: accounts and API tokens from the command line."""
from __future__ import annotations

from typing import Optional

import click

from ..auth import BUILTIN_ROLES
from .common import CliError, state
from .setup import ask_password


class RoleName(click.ParamType):
    """A built-in role, or a custom role that exists in the database (recordbase.access)."""

    name = "role"

    def convert(self, value, param, ctx):
        if value in BUILTIN_ROLES:
            return value
        try:
            from ..access.roles import known_role

            with state(ctx).transaction() as session:
                if known_role(session, value):
                    return value
        except CliError:
            pass
        self.fail(f"{value!r} is not a role: use one of {', '.join(BUILTIN_ROLES)} or a custom role "
                  "(`POST /api/v1/roles` or the admin's Roles page)", param, ctx)


def _user_or_fail(session, email: str):
    from ..auth import find_user

    user = find_user(session, email)
    if user is None:
        raise CliError(f"No user with e-mail {email!r}. Create one with `recordbase users create`.")
    if not user.is_active:
        raise CliError(f"User {user.email} is deactivated.")
    return user


# -- users -----------------------------------------------------------------------------
@click.group()
def users() -> None:
    """Manage users. 管理用户。"""


@users.command("create")
@click.option("--email", required=True, metavar="EMAIL", help="Sign-in e-mail (unique).")
@click.option("--password", metavar="PASSWORD", help="At least 8 characters; asked for on a terminal when omitted.")
@click.option("--role", "roles", type=RoleName(), multiple=True, default=("viewer",), show_default=True,
              help="owner, builder, editor, viewer or a custom role; repeat for several roles.")
@click.option("--display-name", metavar="NAME", help="Name shown in the admin (default: the part before @).")
@click.option("--locale", type=click.Choice(["en", "zh"]), default="en", show_default=True, help="Admin language.")
@click.pass_context
def users_create(ctx: click.Context, email: str, password: Optional[str], roles: tuple, display_name: Optional[str],
                 locale: str) -> None:
    """Create a user with a role. 创建用户并指定角色。"""
    from ..auth import create_user

    st = state(ctx)
    st.require_database()
    password = password or ask_password("--password", email)
    with st.transaction() as session:
        from ..access.roles import set_user_roles

        user = create_user(session, email, password, role=roles[0], display_name=display_name, locale=locale)
        if len(roles) > 1:
            set_user_roles(session, user, list(roles))
        click.echo(f"Created {', '.join(dict.fromkeys(roles))} {user.email}.")


@users.command("list")
@click.pass_context
def users_list(ctx: click.Context) -> None:
    """List users. 列出用户。"""
    from sqlalchemy import select

    from ..models import User

    with state(ctx).transaction() as session:
        rows = session.scalars(select(User).order_by(User.id)).all()
        if not rows:
            click.echo("No users yet.")
        for u in rows:
            click.echo(f"{u.email:<40} {u.role:<8} {'active' if u.is_active else 'inactive'}")


@users.command("set-password")
@click.option("--email", required=True, metavar="EMAIL")
@click.option("--password", metavar="PASSWORD", help="At least 8 characters; asked for on a terminal when omitted.")
@click.pass_context
def users_set_password(ctx: click.Context, email: str, password: Optional[str]) -> None:
    """Set a user's password (signs out their sessions). 重置用户密码。"""
    from ..auth import MIN_PASSWORD, hash_password

    st = state(ctx)
    st.require_database()
    password = password or ask_password("--password", email)
    if len(password) < MIN_PASSWORD:
        raise CliError(f"The password must have at least {MIN_PASSWORD} characters.")
    with st.transaction() as session:
        user = _user_or_fail(session, email)
        user.password_hash = hash_password(password)
        from ..sessions import end_all

        end_all(session, user.id)
        click.echo(f"Password of {user.email} changed.")


# -- tokens ----------------------------------------------------------------------------
@click.group()
def tokens() -> None:
    """Manage API tokens. 管理 API 令牌。"""


@tokens.command("create")
@click.option("--email", required=True, metavar="EMAIL", help="The user the token acts as.")
@click.option("--read-only", is_flag=True, help="The token may only read.")
@click.option("--types", metavar="A,B", help="Limit the token to these record types (API names, comma-separated).")
@click.option("--name", metavar="NAME", help="A note to recognise the token by.")
@click.pass_context
def tokens_create(ctx: click.Context, email: str, read_only: bool, name: Optional[str],
                  types: Optional[str] = None) -> None:
    """Print a new API token for a user (shown once; only its hash is stored).

    为用户创建 API 令牌（只显示一次）。The token alone goes to stdout, so
    TOKEN=$(recordbase tokens create --email you@example.com) works.
    """
    from ..auth import create_token

    with state(ctx).transaction() as session:
        user = _user_or_fail(session, email)
        scope = [t.strip() for t in (types or "").split(",") if t.strip()] or None
        if scope:
            from sqlalchemy import select

            from ..models import RecordTypeModel

            known = set(session.scalars(select(RecordTypeModel.name).where(RecordTypeModel.deleted_at.is_(None))))
            unknown = [t for t in scope if t not in known]
            if unknown:
                raise CliError(f"No record type named {', '.join(repr(t) for t in unknown)}.")
        token = create_token(session, user, name=name, read_only=read_only, types=scope)
        role = ("read-only " if read_only else "") + (f"({', '.join(scope)} only) " if scope else "")
        click.echo(f"New {role}API token for {user.email} ({user.role}); it is shown only this once:", err=True)
    click.echo(token)


@tokens.command("list")
@click.option("--email", metavar="EMAIL", help="Only this user's tokens.")
@click.pass_context
def tokens_list(ctx: click.Context, email: Optional[str]) -> None:
    """List tokens (prefix, user, state). 列出令牌。"""
    from sqlalchemy import select

    from ..models import ApiToken

    with state(ctx).transaction() as session:
        q = select(ApiToken).order_by(ApiToken.id)
        if email:
            q = q.where(ApiToken.user_id == _user_or_fail(session, email).id)
        rows = session.scalars(q).all()
        if not rows:
            click.echo("No tokens.")
        for t in rows:
            status = "revoked" if t.revoked_at else ("read-only" if t.read_only else "read-write")
            used = t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "never used"
            click.echo(f"{t.prefix}…  {t.user.email:<32} {status:<10} {used:<16} {t.name or ''}")


@tokens.command("revoke")
@click.argument("prefix")
@click.pass_context
def tokens_revoke(ctx: click.Context, prefix: str) -> None:
    """Revoke the token that starts with PREFIX (as shown by `tokens list`). 吊销令牌。"""
    from sqlalchemy import select

    from ..models import ApiToken, utcnow

    prefix = prefix.rstrip("…. ")
    with state(ctx).transaction() as session:
        rows = [t for t in session.scalars(select(ApiToken).where(ApiToken.revoked_at.is_(None)))
                if t.prefix.startswith(prefix) or prefix.startswith(t.prefix)]
        if not rows:
            raise CliError(f"No active token starts with {prefix!r}.")
        if len(rows) > 1:
            raise CliError(f"{len(rows)} tokens start with {prefix!r}; give more characters.")
        rows[0].revoked_at = utcnow()
        click.echo(f"Revoked token {rows[0].prefix}… of {rows[0].user.email}.")
