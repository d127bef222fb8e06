"""``recordbase worker``: run automation side effects (webhooks, e-mail) and scheduled rules.

Without options it runs until stopped, as a Huey consumer (SQLite queue in the instance folder,
or Redis when RECORDBASE_REDIS_URL is set). ``--once`` does what is pending and due at that
moment and exits (for cron jobs); ``--now`` sets that moment (for tests that move the clock).
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from typing import Optional

import click

from .common import CliError, state


def parse_now(text: Optional[str], tz: str) -> Optional[datetime]:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise CliError(f"--now must be an ISO 8601 date and time (e.g. 2030-01-07T09:00:00+08:00), not {text!r}") from None
    if value.tzinfo is None:
        from zoneinfo import ZoneInfo

        value = value.replace(tzinfo=ZoneInfo(tz))
    return value.astimezone(timezone.utc)


@click.command()
@click.option("--once", is_flag=True, help="Do what is pending and due now, then exit.")
@click.option("--now", "now_text", metavar="ISO-8601", help="With --once: act as if it were this moment "
              "(a time without an offset is in RECORDBASE_TIMEZONE).")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Delivery threads (webhooks and e-mail wait on the network).")
@click.option("--json", "as_json", is_flag=True, help="With --once: print the summary as JSON.")
@click.option("--parent-pid", type=int, hidden=True,
              help="Stop when this process is no longer the parent (the embedded worker of `recordbase serve`).")
@click.pass_context
def worker(ctx: click.Context, once: bool, now_text: Optional[str], threads: int, as_json: bool,
           parent_pid: Optional[int]) -> None:
    """Run automation: webhooks, e-mail and scheduled / date-relative rules.

    执行自动化：Webhook、邮件，以及定时和按日期触发的规则。
    """
    from ..automation import worker as w
    from ..automation.settings import timezone_name

    if now_text and not once:
        raise CliError("--now only applies with --once")
    st = state(ctx)
    engine = st.require_database()
    from ..db import make_sessionmaker

    tz = timezone_name()
    w.configure(sessions=make_sessionmaker(engine), timezone_name=tz, threads=threads)
    if once:
        summary = w.run_once(parse_now(now_text, tz))
        if as_json:
            click.echo(json.dumps(summary, sort_keys=True))
        else:
            steps = summary["steps"]
            rules = summary["rules"]
            click.echo(f"worker --once at {summary['now']}: {rules.get('runs', 0)} scheduled run(s), "
                       f"{rules.get('failed', 0)} failed; steps delivered {steps.get('succeeded', 0)}, "
                       f"to retry {steps.get('retry', 0)}, failed {steps.get('failed', 0)}")
        return
    from ..automation.queue import queue_location

    if parent_pid:
        w.watch_parent(parent_pid)
        click.echo(f"Recordbase embedded worker (pid {os.getpid()}, queue: {queue_location()})")
    else:
        click.echo(f"Recordbase worker on {st.display_url} (queue: {queue_location()}); Ctrl+C to stop")
    w.run_forever(threads=threads)
