"""``recordbase types ...``: look at the record types from the command line."""
from __future__ import annotations

import click

from .common import state


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


@click.group()
def types() -> None:
    """Look at record types. 查看记录类型。"""


@types.command("list")
@click.pass_context
def types_list(ctx: click.Context) -> None:
    """List record types with their field and record counts. 列出记录类型。"""
    from ..metamodel.runtime import load_schema, read_version
    from ..storage import RecordStore

    with state(ctx).transaction() as session:
        schema = load_schema(session, read_version(session))
        store = RecordStore(session, schema)
        ordered = schema.ordered()
        if not ordered:
            click.echo("No record types yet.")
            return
        rows = [(t.name, t.label + (f" / {t.label_zh}" if t.label_zh else ""), t.app or "",
                 str(len(t.fields)), str(store.count(t.name))) for t in ordered]
        header = ("NAME", "LABEL", "APP", "FIELDS", "RECORDS")
        widths = [max(_width(r[i]) for r in rows + [header]) for i in range(len(header))]
        for row in [header] + rows:
            click.echo("  ".join(_pad(cell, w) for cell, w in zip(row, widths)).rstrip())


@types.command("show")
@click.argument("name")
@click.pass_context
def types_show(ctx: click.Context, name: str) -> None:
    """Show one record type's fields. 查看记录类型的字段。"""
    from ..metamodel.runtime import load_schema, read_version

    with state(ctx).transaction() as session:
        t = load_schema(session, read_version(session)).get(name)
        click.echo(f"{t.name}: {t.label}" + (f" / {t.label_zh}" if t.label_zh else ""))
        for f in t.fields:
            flags = [w for w, on in (("required", f.required), ("unique", f.unique), ("indexed", f.indexed)) if on]
            label = f.label + (f" / {f.label_zh}" if f.label_zh else "")
            click.echo(f"  {_pad(f.name, 24)} {_pad(f.field_type, 14)} {_pad(label, 30)} {' '.join(flags)}".rstrip())
