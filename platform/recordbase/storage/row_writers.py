"""Row writers: a page's rows to the API JSON of its records by a function made for its layout.

:func:`~.serialization.rows_json` turns each row of a page into ``{"id", "version", ...,
"fields": {...}}``. Done generically, every cell went through a loop over the layout's
columns with a test per cell of what it needs, then ``dict(zip(...))`` and a call building the
body: a 50-record page spent more time there than in its query. A row writer decides once per
layout how each cell is read — the row's item as it is, or ``empty if v is None else
READ(PROC(v), ctx)``, or a value from another table by the record's id — and at each call binds
that page's empty values and links, so the loop over rows does only the reads. A reader with a
``plain`` attribute (a function of the value alone, e.g. :func:`~recordbase.metamodel.fieldtypes.numbers.json_number`)
is called as that, without the context.

No source code is generated (``exec`` is banned from the package: tests/security/test_hardening.py).
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

#: one output field of a page: (its slot, its row position or None (no column: filled from
#: ``links``), the field type's JSON reader or None, the driver's result processor or None)
CellPlan = tuple[int, Optional[int], Optional[Callable], Optional[Callable]]

Writer = Callable[..., list[dict]]

_AS_IS, _READ, _PROC_READ, _PROC, _LINKED, _PLAIN, _PROC_PLAIN, _DRIVER = range(8)
_NO_LINKS: dict = {}


def _mode(pos: Optional[int], reader: Optional[Callable], proc: Optional[Callable]) -> int:
    if pos is None:
        return _LINKED
    if reader is None:
        return _AS_IS if proc is None else _PROC
    if getattr(reader, "plain", None) is not None:  # a reader that needs no context: one call less a cell
        return _PLAIN if proc is None else _PROC_PLAIN
    if proc is not None and _folds(reader, proc):
        return _DRIVER
    return _READ if proc is None else _PROC_READ


#: values a folded reader is checked on (:func:`_folds`)
_PROBES = (0.0, 1.0, -2.0, 2.5, 1.005, 0.125, 12345.675, -3.14159, 99999999.99, 7)


def _folds(reader: Callable, proc: Callable) -> bool:
    """Whether ``reader.from_driver`` (a reader of the driver's own value, e.g. SQLite's float of a
    decimal) gives what ``reader(proc(v))`` gives: then the processor's value is never built."""
    from_driver = getattr(reader, "from_driver", None)
    if from_driver is None:
        return False
    try:
        for v in getattr(from_driver, "probes", _PROBES):
            a, b = from_driver(v), reader(proc(v), None)
            if a != b or type(a) is not type(b):
                return False
    except Exception:  # noqa: BLE001 - a processor of other values: not folded
        return False
    return True


def row_writer(names: Sequence[str], cells: Sequence[CellPlan], system: dict[str, int],
               da_proc: Optional[Callable], iso: Callable[[Any], Optional[str]]) -> Writer:
    """A function ``write(rows, ctx, stamp, emails, empties, links) -> [record JSON]`` for rows with
    this layout.

    ``names[k]`` is output field ``k``'s API name, ``cells`` how each is read (:data:`CellPlan`),
    ``system`` the row positions of ``id``, ``version``, ``created_at``, ``updated_at``,
    ``created_by``, ``updated_by`` and ``deleted_at``. At each call: ``stamp`` turns a stored time
    cell into ISO text (its ``memo``, if it has one, maps the cells it has turned: looked up without
    a call), ``emails`` maps user ids to e-mails, ``empties[k]`` is field ``k``'s JSON when empty,
    and ``links[k]`` (for a field without a column) maps record ids to its value."""
    plan = []
    for k, (slot, pos, reader, proc) in enumerate(cells):
        mode = _mode(pos, reader, proc)
        if mode == _DRIVER:  # (read as a context-free reader of the driver's value)
            reader, proc, mode = reader.from_driver, None, _PLAIN
        elif mode in (_PLAIN, _PROC_PLAIN):
            reader = reader.plain
        plan.append((k, names[slot], pos, reader, proc, mode))
    i_id, i_version = system["id"], system["version"]
    i_created, i_updated = system["created_at"], system["updated_at"]
    i_cb, i_ub, i_da = system["created_by"], system["updated_by"], system["deleted_at"]

    def write(rows: Sequence[Sequence[Any]], ctx: Any, stamp: Callable, emails: dict, empties: Sequence[Any],
              links: dict) -> list[dict]:
        # this page's empty values and link maps bound once, so the row loop only reads
        bound = []
        for k, name, pos, reader, proc, mode in plan:
            if mode == _LINKED:
                bound.append((name, i_id, reader, (links.get(k) or _NO_LINKS).get, mode, empties[k]))
            else:
                bound.append((name, pos, reader, proc, mode, empties[k]))
        out = []
        append = out.append
        known_stamp = getattr(stamp, "memo", _NO_LINKS).get
        for row in rows:
            fields = {}
            for name, pos, reader, proc, mode, empty in bound:
                v = row[pos]
                if mode == _AS_IS:
                    fields[name] = v
                elif mode == _LINKED:
                    v = proc(v)
                    fields[name] = empty if v is None else (v if reader is None else reader(v, ctx))
                elif v is None:
                    fields[name] = empty
                elif mode == _PLAIN:
                    fields[name] = reader(v)
                elif mode == _PROC_PLAIN:
                    fields[name] = reader(proc(v))
                elif mode == _READ:
                    fields[name] = reader(v, ctx)
                elif mode == _PROC_READ:
                    fields[name] = reader(proc(v), ctx)
                else:
                    fields[name] = proc(v)
            cb, ub = row[i_cb], row[i_ub]
            ca, ua = row[i_created], row[i_updated]
            created = known_stamp(ca) or stamp(ca)  # (a page's times are mostly a few: no call for a known one)
            body = {"id": row[i_id], "version": row[i_version], "created_at": created,
                    "updated_at": created if ua == ca else (known_stamp(ua) or stamp(ua)),
                    "created_by": emails.get(cb) if cb else None, "updated_by": emails.get(ub) if ub else None,
                    "fields": fields}
            da = row[i_da]
            if da is not None:
                body["deleted_at"] = iso(da if da_proc is None else da_proc(da))
            append(body)
        return out

    return write
