"""``recordbase import`` and ``recordbase export``: bulk data from and to CSV/XLSX files."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import click

from .common import CliError, state


def _store(session, email: Optional[str], lang: str = "en"):
    from ..auth import find_user
    from ..metamodel.runtime import load_schema, read_version
    from ..settings import timezone_for
    from ..storage import RecordStore

    from ..access import Policy

    uid = policy = None
    if email:
        user = find_user(session, email)
        if user is None:
            raise CliError(f"No user with e-mail {email!r}.")
        uid = user.id
        policy = Policy.for_user(session, user)  # as this user: their rights, hidden fields and rows apply
    return RecordStore(session, load_schema(session, read_version(session)), user_id=uid,
                       timezone_name=timezone_for(session), lang=lang, policy=policy)


def _mapping(items: tuple[str, ...]) -> Optional[dict]:
    if not items:
        return None
    out: dict = {}
    for item in items:
        if "=" not in item:
            raise click.BadParameter(f"'{item}': write COLUMN=FIELD (or COLUMN= to leave a column out)",
                                     param_hint="--map")
        col, _, field = item.partition("=")
        out[col.strip()] = field.strip() or None
    return out


@click.command("import")
@click.argument("type_name", metavar="TYPE")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check everything and show what would be stored; write nothing.")
@click.option("--key", metavar="FIELD", help="Update the record whose FIELD equals the row's value instead of "
                                              "creating a duplicate (upsert).")
@click.option("--sheet", metavar="NAME", help="XLSX: the sheet to read (default: the first).")
@click.option("--skip-bad-rows", is_flag=True, help="Import the good rows and report the bad ones "
                                                    "(default: any bad row and nothing is imported).")
@click.option("--day-first", "date_order", flag_value="dmy", help="Read dates like 05/01/2026 as 5 January.")
@click.option("--month-first", "date_order", flag_value="mdy", help="Read dates like 05/01/2026 as May 1.")
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD",
              help="Map a column to a field (label or API name); COLUMN= leaves it out. Repeatable.")
@click.option("--encoding", metavar="NAME", help="CSV: the encoding (default: sniffed; UTF-8 or GB18030).")
@click.option("--delimiter", metavar="CHAR", help="CSV: the delimiter (default: sniffed among , ; and tab).")
@click.option("--errors", "errors_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the error report (row, column, value, reason) to this CSV file.")
@click.option("--new-type", is_flag=True, help="Create TYPE with fields guessed from the file first.")
@click.option("--yes", is_flag=True, help="With --new-type: do not ask for confirmation.")
@click.option("--no-rules", is_flag=True, help="Do not run automation rules for the imported records.")
@click.option("--user", "email", metavar="EMAIL", help="Import as this user: made by them, with their rights (hidden fields are "
                                                       "unknown columns, row limits apply).")
@click.pass_context
def import_(ctx: click.Context, type_name: str, file: Path, dry_run: bool, key: Optional[str], sheet: Optional[str],
            skip_bad_rows: bool, date_order: Optional[str], maps: tuple[str, ...], encoding: Optional[str],
            delimiter: Optional[str], errors_file: Optional[Path], new_type: bool, yes: bool, no_rules: bool,
            email: Optional[str]) -> None:
    """Import a CSV or XLSX FILE into record type TYPE. 导入 CSV/Excel 文件。

    Columns are matched to fields by label (English or Chinese) or API name. Values are read
    by the field types: 2026-01-05, 2026/1/5, 2026年1月5日; ¥1,200; 85%; 是/否; choices by
    label; links by the linked record's name; users by e-mail or name.
    """
    from ..dataio import ImportOptions, open_table, run_import

    if delimiter == "\\t" or (delimiter and delimiter.lower() == "tab"):
        delimiter = "\t"
    st = state(ctx)
    st.require_database()
    table = open_table(file, file.name, sheet=sheet, encoding=encoding, delimiter=delimiter)
    options = ImportOptions(mapping=_mapping(maps), key=key, skip_bad_rows=skip_bad_rows, dry_run=dry_run,
                            date_order=date_order, run_rules=not no_rules)
    if new_type:
        _create_type(st, type_name, table, yes, dry_run)
        table = open_table(file, file.name, sheet=sheet, encoding=encoding, delimiter=delimiter)
    where = f"{file.name}" + (f" [{table.sheet}]" if table.sheet else "") + \
            (f" ({table.encoding}, '{'TAB' if table.delimiter == chr(9) else table.delimiter}')" if table.format == "csv" else "")
    click.echo(f"Importing {where} into {type_name}" + (" (dry run)" if dry_run else ""), err=True)
    with st.transaction() as session:
        store = _store(session, email)
        store.type(type_name)
        interactive = sys.stderr.isatty()
        with click.progressbar(length=table.estimated_rows or 0, label="Rows", file=sys.stderr,
                               show_pos=True, show_eta=interactive) as bar:
            last = [0]

            def progress(done: int, total: Optional[int]) -> None:
                if total and total > bar.length:
                    bar.length = total
                bar.update(done - last[0])
                last[0] = done

            report = run_import(store, type_name, table, options, progress=progress)
    _print_report(report)
    if errors_file is not None and report.errors:
        errors_file.write_bytes(report.errors_csv().encode("utf-8"))
        click.echo(f"Error report: {errors_file} ({len(report.errors)} rows)", err=True)
    if not report.ok:
        ctx.exit(1)


def _create_type(st, type_name: str, table, yes: bool, dry_run: bool) -> None:
    from ..dataio import propose_type
    from ..metamodel.service import MetamodelService

    proposal = propose_type(table, type_name)
    click.echo(f"New record type '{type_name}' with these fields (guessed from the data):")
    for f in proposal["fields"]:
        extra = f" {f['options']}" if f.get("options") else ""
        click.echo(f"  {f['name']:<24} {f['type']:<14} {f['label']}{extra}")
    if dry_run:
        raise CliError("--dry-run with --new-type: the type was not created; run again without --dry-run")
    if not yes and not click.confirm("Create it?", default=True):
        raise CliError("Cancelled: nothing was created.")
    with st.transaction() as session:
        MetamodelService(session).create_type(proposal)
    click.echo(f"Created record type '{type_name}'.")


def _print_report(report) -> None:
    shown = 20
    for e in report.errors[:shown]:
        col = f" column '{e.column}'" if e.column else ""
        value = "" if e.value is None else f" value {str(e.value)[:60]!r}:"
        click.echo(f"  row {e.row}{col}:{value} {e.reason}", err=True)
    if report.error_count > shown:
        click.echo(f"  ... and {report.error_count - shown} more problems (use --errors FILE for all)", err=True)
    unmapped = [m for m in report.mapping if m.field is None]
    for m in unmapped:
        click.echo(f"  column '{m.header}' not imported: {m.reason}", err=True)
    click.echo(report.summary() + f" in {report.seconds:.1f} s.")


@click.command("export")
@click.argument("type_name", metavar="TYPE")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write ('-' for standard output, CSV only).")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), help="Default: from the file name, else csv.")
@click.option("--filter", "filter_json", metavar="JSON", help='A filter tree, e.g. {"field": "status", "op": "eq", "value": "active"}.')
@click.option("--sort", metavar="FIELDS", help="Sort, e.g. -score,name.")
@click.option("--fields", metavar="NAMES", help="Only these fields (API names, comma-separated).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of the headers and of formatted values.")
@click.pass_context
def export(ctx: click.Context, type_name: str, output: Path, fmt: Optional[str], filter_json: Optional[str],
           sort: Optional[str], fields: Optional[str], lang: str) -> None:
    """Export the records of TYPE to CSV (UTF-8 with BOM) or XLSX. 导出记录。"""
    from ..dataio import export_to_file
    from ..metamodel.filters import parse_filter_param

    fmt = fmt or ("xlsx" if output.suffix.lower() == ".xlsx" else "csv")
    if str(output) == "-" and fmt != "csv":
        raise click.BadParameter("only CSV can be written to standard output", param_hint="--format")
    tree = parse_filter_param(filter_json)
    names = [n.strip() for n in (fields or "").split(",") if n.strip()] or None
    st = state(ctx)
    with st.transaction() as session:
        store = _store(session, None, lang=lang)
        if names:
            typedef = store.type(type_name)
            unknown = [n for n in names if typedef.field(n) is None]
            if unknown:
                raise CliError(f"Record type '{type_name}' has no field(s) {', '.join(unknown)}")
        target = sys.stdout.buffer if str(output) == "-" else output
        n = export_to_file(store, type_name, target, fmt, filter=tree, sort=sort, lang=store.lang, fields=names)
    if str(output) != "-":
        click.echo(f"Exported {n} {type_name} records to {output}.", err=True)


def register(group: click.Group) -> None:
    group.add_command(import_, "import")
    group.add_command(export, "export")
