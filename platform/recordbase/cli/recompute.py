"""``recordbase recompute [TYPE]``: refresh computed fields (formula, lookup, rollup, count).

Writes keep computed fields up to date by themselves; what they cannot follow is time. A formula
using TODAY() or NOW() (days to a contract's expiry) changes when the date does, so a daily job
runs this command (the automation worker will, once it exists). It recomputes every computed field
of the type (of every type without TYPE) on every live record, in batches, and carries the changes
on to lookups and rollups of other types. ``--volatile-only`` does only the TODAY()/NOW() formulas
and what depends on them; ``--now`` fixes the instant they see (for tests and for catching up).
"""
from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Optional

import click

from .common import CliError, state


def parse_now(value: Optional[str]) -> Optional[datetime]:
    """``--now``: ISO 8601 date or date-time; no offset means UTC."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise CliError(f"--now {value!r} is not an ISO 8601 date or date-time (e.g. 2025-01-31T08:00:00+08:00)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


@click.command("recompute")
@click.argument("type_name", metavar="[TYPE]", required=False)
@click.option("--volatile-only", is_flag=True,
              help="Only formulas that use TODAY() or NOW(), and what depends on them.")
@click.option("--now", "now_text", metavar="ISO-8601",
              help="The instant TODAY() and NOW() see (default: the clock). No offset means UTC.")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=500, show_default=True,
              help="Records read and written per batch.")
@click.option("--timezone", "tz", envvar="RECORDBASE_TIMEZONE", metavar="ZONE",
              help="IANA time zone for TODAY() and date formatting (default: the instance setting; "
                   "RECORDBASE_TIMEZONE).")
@click.pass_context
def recompute(ctx: click.Context, type_name: Optional[str], volatile_only: bool, now_text: Optional[str],
              batch_size: int, tz: Optional[str]) -> None:
    """Recompute computed fields, e.g. TODAY()/NOW() formulas daily. 重新计算公式、查找、汇总和计数字段。

    \b
    recordbase recompute                  every computed field of every record type
    recordbase recompute contract         one record type
    recordbase recompute --volatile-only  only TODAY()/NOW() formulas (the daily job)
    """
    from zoneinfo import ZoneInfo

    from ..metamodel.runtime import load_schema, read_version
    from ..storage import RecordStore

    now = parse_now(now_text)
    if not tz:
        from ..settings import timezone_for

        with state(ctx).transaction() as session:
            tz = timezone_for(session)
    try:
        ZoneInfo(tz)
    except Exception:  # noqa: BLE001 - any unusable zone name is the same user error
        raise CliError(f"Unknown time zone {tz!r} (use an IANA name such as UTC or Asia/Shanghai)") from None
    with state(ctx).transaction() as session:
        schema = load_schema(session, read_version(session))
        if type_name is not None and type_name not in schema.types:
            known = ", ".join(sorted(schema.types)) or "none yet"
            raise CliError(f"No record type named {type_name!r} (record types: {known}).")
        types = [schema.get(type_name)] if type_name else schema.ordered()
    total_records = total_written = 0
    started = time.perf_counter()
    for typedef in types:
        fields = [f for f in typedef.fields if f.ftype.computed
                  and (not volatile_only or (f.field_type == "formula" and f.options.get("volatile")))]
        if not fields:
            if type_name:
                click.echo(f"{typedef.name}: no {'TODAY()/NOW() formulas' if volatile_only else 'computed fields'}.")
            continue
        t0 = time.perf_counter()
        with state(ctx).transaction() as session:  # one transaction per type
            schema = load_schema(session, read_version(session))
            store = RecordStore(session, schema, timezone_name=tz)
            rc = store.recomputer
            rc.now, rc.batch = now, batch_size
            records = rc.backfill(typedef.name, [f.name for f in fields])
        total_records += records
        total_written += rc.written
        click.echo(f"{typedef.name}: {records} record(s), {len(fields)} field(s) "
                   f"({', '.join(f.name for f in fields)}); {rc.written} record(s) updated "
                   f"in {time.perf_counter() - t0:.2f} s.")
    click.echo(f"Recomputed {total_records} record(s); {total_written} updated "
               f"({time.perf_counter() - started:.2f} s).")


__all__ = ["recompute", "parse_now"]
