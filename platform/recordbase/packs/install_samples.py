"""The sample-data step of an install: sample records written through the record store.

Records name each other by key (``@key``, else the file's key field), never by database id; a
key not in the pack's sample data is looked up in the instance. Records go in file by file: in
batches (``RecordStore.create_many``) for record types no event rule watches, one by one for the
others, so every rule sees each record as it is written (the outsourcing pack's failing
inspections open their corrective actions). ``@then`` values are set once every sample record
exists. Installed records are remembered by key, so installing again adds only new ones.
A file marked ``"run_rules": false`` (an export with records: a snapshot the rules already acted
on) is written with the rules off, so they do not act twice.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Optional

from ..errors import NotFound, RecordbaseError
from . import sample
from .install_state import InstallState
from .loader import PackError


@contextmanager
def _rules(store: Any, run: bool) -> Iterator[None]:
    """Writes through ``store`` with the automation rules on (as always) or off (a snapshot)."""
    if run:
        yield
        return
    engine, store.rule_engine = store.rule_engine, None
    try:
        yield
    finally:
        store.rule_engine = engine


class SampleSteps(InstallState):
    def _samples(self) -> None:
        """Write the pack's sample records (those not installed before)."""
        from ..storage import RecordStore

        schema = self.schema
        store = RecordStore(self.session, schema, user_id=self.user_id, timezone_name=self.timezone)
        store.workflow_bypass = True  # sample records keep the workflow states they are written with
        email = self.installer_email
        keys: dict[tuple[str, str], int] = {}
        for (kind, key), item in self.items.items():
            if kind == "record" and item.object_id is not None:
                tname, _, k = key.partition(":")
                keys[(tname, k)] = item.object_id
        later: list[tuple[str, int, dict, str, bool]] = []
        self._fresh: set[tuple[str, str]] = set()

        def ruled(type_name: str) -> bool:
            """Types with rules fired by record events get one create() per record (every rule sees
            each record as it is written); the others are written in batches."""
            from ..automation.rules import event_rules

            return bool(event_rules(self.session, schema, store.ctx).get(type_name))

        for s in self.plan.samples:
            tname = s.data["type"]
            typedef = schema.types.get(tname)
            sp = f"$.sample_data[{s.index}]"
            if typedef is None or tname in self.gone_types:
                continue
            kf = self.plan.key_fields.get(tname)
            run_rules = s.data.get("run_rules", True)  # false: a snapshot the rules already acted on
            # records are written in batches (RecordStore.create_many: same checks, events and rules as
            # create); a record that links to one of the pending batch closes the batch first
            pending: list[tuple[str, dict, dict, str]] = []

            def flush() -> None:
                if not pending:
                    return
                with _rules(store, run_rules):
                    write()

            def write() -> None:
                if run_rules and ruled(tname):
                    ids = []
                    for key, values, rec, rp in pending:
                        try:
                            ids.append(store.create(tname, values).id)
                        except RecordbaseError as exc:
                            raise PackError([{"path": f"{rp}.fields", "message": f"{exc.message} ({s.source})"}],
                                            "The sample data could not be installed") from exc
                else:
                    try:
                        ids = store.create_many(tname, [p[1] for p in pending]).ids
                    except RecordbaseError as exc:
                        path = sp
                        details = exc.details if isinstance(exc.details, dict) else {}
                        bad = (details.get("records") or [{}])[0]
                        if "index" in bad:
                            path = pending[bad["index"]][3] + ".fields"
                        raise PackError([{"path": path, "message": f"{exc.message} ({s.source})"}],
                                        "The sample data could not be installed") from exc
                for (key, _values, rec, rp), rid in zip(pending, ids):
                    keys[(tname, key)] = rid
                    self._fresh.add((tname, key))
                    self._remember("record", f"{tname}:{key}", rid, None, None)
                    self.report.records[tname] = self.report.records.get(tname, 0) + 1
                    if rec.get("@then"):
                        later.append((tname, rid, rec["@then"], rp, run_rules))
                    if rec.get("@comments"):  # the record's conversation (recordbase.comments)
                        from ..comments.samples import add_sample_comments

                        add_sample_comments(self.session, typedef, rid, rec["@comments"], self.user_id)
                pending.clear()

            for r, rec in enumerate(s.data["records"]):
                key = sample.record_key(rec, kf)
                if ("record", f"{tname}:{key}") in self.items:
                    continue
                rp = f"{sp}.records[{r}]"
                fields = rec.get("fields") or {}
                if any(typedef.field(n) is not None and typedef.field(n).field_type == "link"
                       and typedef.field(n).options.get("target") == tname for n in fields):
                    flush()
                values = self._sample_values(store, typedef, fields, keys, email, rp)
                pending.append((key, values, rec, rp))
            flush()
        for tname, rid, then, rp, run_rules in later:
            typedef = store.type(tname)
            values = self._sample_values(store, typedef, then, keys, email, rp)
            try:
                with _rules(store, run_rules):
                    store.update(tname, rid, values)  # a failure refuses the whole install (no savepoint needed)
            except RecordbaseError as exc:
                raise PackError([{"path": f"{rp}.@then", "message": exc.message}],
                                "The sample data could not be installed") from exc

    def _sample_values(self, store: Any, typedef: Any, fields: dict, keys: dict, email: Optional[str], path: str) -> dict:
        """A sample record's values for the record store: directives resolved, links from keys to ids."""
        out = {}
        for name, raw in fields.items():
            f = typedef.field(name)
            if f is None or f.ftype.read_only:
                continue  # a field the user deleted since: the sample value is left out
            value = sample.resolve(raw, self.today, self.timezone, email)
            if f.field_type == "link" and value is not None:
                refs = value if isinstance(value, list) else [value]
                ids = [self._resolve_key(store, f.options["target"], str(ref), keys, f"{path}.fields.{name}")
                       for ref in refs]
                ids = [i for i in ids if i is not None]
                value = ids if f.options.get("many") else (ids[0] if ids else None)
            out[name] = value
        return out

    def _resolve_key(self, store: Any, target: str, ref: str, keys: dict, path: str) -> Optional[int]:
        """The id of the ``target`` record with key ``ref``: from this pack's sample data, else the instance's."""
        rid = keys.get((target, ref))
        if rid is not None and (target, ref) in self._fresh:
            return rid
        if rid is not None:
            try:
                store.get(target, rid)
                return rid
            except NotFound:
                return None  # the user deleted that sample record: the link is left empty
        kf = self.plan.key_fields.get(target)
        typedef = store.schema.types.get(target)
        if kf and typedef is not None and typedef.field(kf) is not None:
            page = store.list(target, filter={"field": kf, "op": "eq", "value": ref}, limit=1)
            if page.records:
                keys[(target, ref)] = page.records[0].id
                return page.records[0].id
        raise PackError([{"path": path, "message": f"no {target} record with key '{ref}'"}],
                        "The sample data could not be installed")
