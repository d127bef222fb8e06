"""``recordbase packs``: list, install (upgrade), export, uninstall and check template packs (design §7)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import click

from .common import CliError, state


def _timezone(session) -> str:
    """The instance's time zone (RECORDBASE_TIMEZONE, else the owner's setting, else UTC)."""
    from ..settings import timezone_for

    return timezone_for(session)


def _installing_user(session, email: Optional[str]):
    """The user named by --as, else the first active owner (None when there is nobody yet)."""
    from sqlalchemy import select

    from ..auth import find_user
    from ..models import User

    if email:
        user = find_user(session, email)
        if user is None:
            raise CliError(f"No user with e-mail {email!r}.")
        return user
    return session.scalars(select(User).where(User.role == "owner", User.is_active.is_(True)).order_by(User.id)).first()


def _fail_with_problems(exc) -> None:
    """Every problem of a refused pack on stderr, one per line with its JSON path; then exit 1."""
    problems = getattr(exc, "problems", None) or []
    for p in problems:
        click.echo(f"  {p['path']}: {p['message']}", err=True)
    head = exc.message.split(":", 1)[0]
    raise CliError(f"{head}: {len(problems)} problem(s), listed above; nothing was installed."
                   if problems else exc.message)


@click.group("packs")
def packs() -> None:
    """Template packs: ready-made record types, rules, views and sample data.

    模板包：预置的记录类型、自动化规则、视图与示例数据。

    \b
    recordbase packs list
    recordbase packs install outsourcing --sample-data
    recordbase packs install ./my-pack/            (a folder, a pack.json or a one-file pack)
    recordbase packs export --types supplier,contract -o supplier-pack.json [--records]
    """


@packs.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def list_packs(ctx: click.Context, as_json: bool) -> None:
    """The catalogue's packs and what is installed."""
    from ..packs import catalog
    from ..packs.installer import installed_packs

    st = state(ctx)
    installed = {}
    try:
        with st.transaction() as session:
            installed = {k: (p.version, p.status, p.name, p.name_zh) for k, p in installed_packs(session).items()}
    except CliError:
        pass  # no database yet: the catalogue alone
    rows = []
    for src in catalog():
        m = src.manifest
        inst = installed.pop(src.id, None)
        rows.append({"id": src.id, "version": src.version, "name": m.get("name"), "name_zh": m.get("name_zh"),
                     "types": len(m.get("types") or []), "rules": len(m.get("rules") or []),
                     "views": len(m.get("views") or []), "sample_data": bool(m.get("sample_data")),
                     "installed": inst[0] if inst and inst[1] == "installed" else None,
                     "status": inst[1] if inst else None})
    for pid, (version, status, name, name_zh) in sorted(installed.items()):
        rows.append({"id": pid, "version": None, "name": name, "name_zh": name_zh, "types": None, "rules": None,
                     "views": None, "sample_data": False, "installed": version if status == "installed" else None,
                     "status": status})
    if as_json:
        click.echo(json.dumps({"packs": rows}, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("No packs in the catalogue.")
        return
    width = max(len(r["id"]) for r in rows)
    click.echo(f"{'ID':<{width}}  {'VERSION':<8} {'INSTALLED':<12} {'TYPES':>5}  NAME")
    for r in rows:
        inst = r["installed"] or ("uninstalled" if r["status"] == "uninstalled" else "-")
        name = r["name"] + (f" / {r['name_zh']}" if r["name_zh"] else "")
        click.echo(f"{r['id']:<{width}}  {r['version'] or '-':<8} {inst:<12} {r['types'] if r['types'] is not None else '-':>5}"
                   f"  {name}")


@packs.command("install")
@click.argument("pack", metavar="NAME-or-PATH")
@click.option("--sample-data", is_flag=True, help="Also add the pack's sample records (dates relative to today).")
@click.option("--as", "email", metavar="EMAIL",
              help="The installing user (rules' '@installer', sample owners). Default: the first owner.")
@click.option("--json", "as_json", is_flag=True, help="Print the install report as JSON.")
@click.pass_context
def install_pack(ctx: click.Context, pack: str, sample_data: bool, email: Optional[str], as_json: bool) -> None:
    """Install a pack by catalogue name or path; installing a newer version upgrades it.

    One transaction: a pack with any problem installs nothing. Installing again changes
    nothing; a newer version adds what is new and keeps your own changes (reported).
    """
    from ..packs import PackError, load
    from ..packs.installer import install

    source = load(pack)
    st = state(ctx)
    try:
        with st.transaction() as session:
            user = _installing_user(session, email)
            report = install(session, source, sample_data=sample_data, user_id=user.id if user else None,
                             timezone_name=_timezone(session))
    except PackError as exc:
        _fail_with_problems(exc)
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        return
    click.echo(report.summary())
    for c in report.conflicts:
        click.echo(f"  kept yours: {c['item']}: {c['message']}")
    for s in report.skipped:
        click.echo(f"  skipped: {s['item']}: {s['message']}")


@packs.command("uninstall")
@click.argument("pack_id", metavar="ID")
@click.pass_context
def uninstall_pack(ctx: click.Context, pack_id: str) -> None:
    """Move a pack's record types to the trash and switch its rules off (install again to restore)."""
    from ..packs.installer import uninstall

    with state(ctx).transaction() as session:
        result = uninstall(session, pack_id)
    click.echo(f"Uninstalled {pack_id}: {len(result['trashed_types'])} record types moved to the trash "
               f"({', '.join(result['trashed_types'])}), {result['disabled_rules']} rules switched off.")


@packs.command("export")
@click.option("--types", "types_", required=True, metavar="A,B", help="The record types to export (API names).")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="A .json file (one-file pack) or a folder (pack.json + sample_data/).")
@click.option("--records", is_flag=True, help="Include the records as sample data.")
@click.option("--id", "pack_id", metavar="ID", help="The pack id (default: exported).")
@click.option("--version", "version", default="1.0.0", show_default=True)
@click.option("--name", metavar="NAME", help="The pack's name.")
@click.pass_context
def export_pack(ctx: click.Context, types_: str, output: Path, records: bool, pack_id: Optional[str], version: str,
                name: Optional[str]) -> None:
    """Export record types with their rules and saved views (and records) as a pack."""
    from ..packs.exporter import export, write_pack

    names = [n.strip() for n in types_.split(",") if n.strip()]
    with state(ctx).transaction() as session:
        pack, left_out = export(session, names, records=records, pack_id=pack_id, version=version, name=name)
    path = write_pack(pack, output)
    n = sum(len(s["records"]) for s in pack.get("sample_data") or [])
    click.echo(f"Exported {len(pack['types'])} record types, {len(pack['rules'])} rules, {len(pack['views'])} views"
               + (f", {n} records" if records else "") + f" to {path}")
    for item in left_out:
        if item.get("field"):
            click.echo(f"  note: {item['field']}: {item['message']}", err=True)
        else:
            click.echo(f"  left out: {item.get('rule') or item.get('link')}: {item['message']}", err=True)


@packs.command("check")
@click.argument("pack", metavar="NAME-or-PATH")
@click.pass_context
def check_pack(ctx: click.Context, pack: str) -> None:
    """Validate a pack (against this instance when there is a database) without installing it."""
    from ..metamodel.runtime import load_schema, read_version
    from ..packs import PackError, load
    from ..packs.validator import validate

    source = load(pack)
    st = state(ctx)
    try:
        try:
            with st.transaction() as session:
                plan = validate(source, load_schema(session, read_version(session)))
        except CliError:
            plan = validate(source, None)
    except PackError as exc:
        _fail_with_problems(exc)
    click.echo(f"{plan.id} {plan.version}: valid ({len(plan.types)} record types, {len(plan.fields)} fields, "
               f"{len(plan.rules)} rules, {len(plan.views)} views, {len(plan.samples)} sample data files).")
