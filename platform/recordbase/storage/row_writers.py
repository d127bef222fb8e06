"""Row writers: a page's rows to the API JSON of its records by a function made for its layout.

:func:`~.serialization.rows_json` turns each row of a page into ``{"id", "version", ...,
"fields": {...}}``. Done generically, every cell went through a loop over the layout's
columns (a tuple unpacked, a test, a list store), then ``dict(zip(...))`` and a call building
the body: a 50-record page spent more time there than in its query. A row writer is the same
work written out once per layout as straight-line Python (:func:`row_writer`): each cell is one
expression — the row's item, or ``EMPTY if (v := row[i]) is None else READ(PROC(v), ctx)`` for a
cell with a conversion — and the body one dict display.

Only positions (integers) and generated local names (``n3``, ``r3`` ...) are written into the
source: field names, converters and empty values are handed in as objects, never as text, so
no user string can reach the generated code.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

#: one output field of a page: (its slot, its row position or None (no column: filled from
#: ``links``), the field type's JSON reader or None, the driver's result processor or None)
CellPlan = tuple[int, Optional[int], Optional[Callable], Optional[Callable]]

Writer = Callable[..., list[dict]]


def row_writer(names: Sequence[str], cells: Sequence[CellPlan], system: dict[str, int],
               da_proc: Optional[Callable], iso: Callable[[Any], Optional[str]]) -> Writer:
    """A function ``write(rows, ctx, stamp, emails, empties, links) -> [record JSON]`` for rows with
    this layout.

    ``names[k]`` is output field ``k``'s API name, ``cells`` how each is read (:data:`CellPlan`),
    ``system`` the row positions of ``id``, ``version``, ``created_at``, ``updated_at``,
    ``created_by``, ``updated_by`` and ``deleted_at``. At each call: ``stamp`` turns a stored time
    cell into ISO text, ``emails`` maps user ids to e-mails, ``empties[k]`` is field ``k``'s JSON
    when empty, and ``links[k]`` (for a field without a column) maps record ids to its value."""
    env: dict[str, Any] = {"iso": iso, "da_proc": da_proc, "_NO_LINKS": {}}
    prologue, fields = [], []
    i_id = system["id"]
    for k, (slot, pos, reader, proc) in enumerate(cells):
        env[f"n{k}"] = names[slot]
        env[f"r{k}"], env[f"p{k}"] = reader, proc
        read = f"r{k}(v, ctx)" if proc is None else f"r{k}(p{k}(v), ctx)"
        if pos is None:  # a value from another table (a many-link's ids), by record id
            prologue.append(f"e{k} = empties[{k}]; l{k} = (links.get({k}) or _NO_LINKS).get")
            value = f"(e{k} if (v := l{k}(row[{i_id}])) is None else {'v' if reader is None else f'r{k}(v, ctx)'})"
        elif reader is None and proc is None:
            value = f"row[{pos}]"
        else:
            prologue.append(f"e{k} = empties[{k}]")
            value = f"(e{k} if (v := row[{pos}]) is None else {read if reader is not None else f'p{k}(v)'})"
        fields.append(f"n{k}: {value}")
    s = system
    da = "da" if da_proc is None else "da_proc(da)"
    source = "\n".join([
        "def write(rows, ctx, stamp, emails, empties, links):",
        *(f"    {line}" for line in prologue),
        "    out = []",
        "    append = out.append",
        "    for row in rows:",
        f"        cb, ub = row[{s['created_by']}], row[{s['updated_by']}]",
        f"        body = {{'id': row[{i_id}], 'version': row[{s['version']}],",
        f"                'created_at': stamp(row[{s['created_at']}]), 'updated_at': stamp(row[{s['updated_at']}]),",
        "                'created_by': emails.get(cb) if cb else None, 'updated_by': emails.get(ub) if ub else None,",
        f"                'fields': {{{', '.join(fields)}}}}}",
        f"        da = row[{s['deleted_at']}]",
        "        if da is not None:",
        f"            body['deleted_at'] = iso({da})",
        "        append(body)",
        "    return out",
    ])
    namespace: dict[str, Any] = {}
    exec(compile(source, "<recordbase row writer>", "exec"), env, namespace)  # noqa: S102 - see the module docstring
    return namespace["write"]
