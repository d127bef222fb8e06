"""``recordbase demo``: initialise, add a demo owner, install the outsourcing pack with sample data, print the login, serve."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Optional

import click

from .common import CliError, instance_path, state
from .serve import check_port_free, run_server
from .setup import TIMEZONE_OPTION, initialise_database, settle_timezone

DEMO_EMAIL = "admin@example.com"


def password_file() -> Path:
    return instance_path() / "demo_password"


def stored_or_new_password() -> tuple[str, bool]:
    """The demo password kept in the instance folder, generated on first use. Returns (password, new)."""
    path = password_file()
    if path.exists():
        text = path.read_text().strip()
        if text:
            return text, False
    path.parent.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(9)
    path.write_text(password + "\n")
    os.chmod(path, 0o600)
    return password, True


@click.command()
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--password", metavar="PASSWORD",
              help=f"Set {DEMO_EMAIL}'s password (default: generated once and kept in instance/demo_password).")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--no-serve", is_flag=True, help="Set everything up and print the login, but do not serve.")
@click.option("--no-worker", is_flag=True, help="Serve without the embedded automation worker.")
@TIMEZONE_OPTION
@click.pass_context
def demo(ctx: click.Context, port: int, host: str, password: Optional[str], workers: int, no_serve: bool,
         no_worker: bool, timezone: Optional[str] = None) -> None:
    """Set up a demo (database, owner, the outsourcing template pack with sample data) and serve it.

    演示：初始化数据库、创建管理员、安装服务类外包管理模板包及示例数据，然后启动服务。
    """
    from ..auth import MIN_PASSWORD, find_user, hash_password, verify_password
    from ..packs import load as load_pack
    from ..packs.installer import install as install_pack
    from .setup import ensure_user

    st = state(ctx)
    if not no_serve:
        check_port_free(host, port)
    if password is not None and len(password) < MIN_PASSWORD:
        raise CliError(f"The password must have at least {MIN_PASSWORD} characters.")
    initialise_database(st)
    with st.transaction() as session:
        zone = settle_timezone(session, timezone)
        user = find_user(session, DEMO_EMAIL)
        if password is None:
            password, _ = stored_or_new_password()
        known = True
        if user is None:
            user, _ = ensure_user(session, DEMO_EMAIL, password, role="owner", display_name="Demo admin")
        elif ctx.params["password"] is not None:
            from ..sessions import end_all

            user.password_hash = hash_password(password)
            end_all(session, user.id)  # a new password signs the old sessions out
        elif not verify_password(user, password):
            known = False  # someone changed it: never overwrite a password silently
        # the flagship template pack with its sample data (idempotent: a second run changes nothing)
        report = install_pack(session, load_pack("outsourcing"), sample_data=True, user_id=user.id,
                              timezone_name=zone)

    if report.changed:
        click.echo(f"Template pack: {report.summary()}")
    else:
        click.echo("Sample data already present (template pack: Service outsourcing / 服务类外包管理).")
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/admin/"
    click.echo("")
    click.echo(f"  Open      {url}")
    click.echo(f"  E-mail    {DEMO_EMAIL}")
    click.echo(f"  Time zone {zone}  (change it in the admin: Settings)")
    if known:
        click.echo(f"  Password  {password}")
    else:
        click.echo("  Password  (changed since the demo set it; use yours, or run `recordbase demo --password NEW`)")
    click.echo(f"  API token recordbase tokens create --email {DEMO_EMAIL}")
    click.echo("")
    if no_serve:
        return
    run_server(st, host, port, workers, banner=f"Serving on {url}  (Ctrl+C to stop; automation worker "
                                               f"{'off' if no_worker else 'included'})",
               embedded_worker=not no_worker)
