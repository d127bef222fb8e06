"""RecordStore: the one service every surface (admin, API, CLI, packs) reads and writes records through.

Writes validate every value through its field type and report all problems at
once, keyed by field API name; each public write method leaves the transaction
to its caller, so a batch is one transaction. Updates state the version they
read: a stale version is a conflict, never a lost update. Deletes move records
to the trash (``deleted_at``); restore brings them back (:mod:`.trash`).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterable, Optional, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from ..i18n import translate as _
from ..errors import SchemaChanged, ValidationError, VersionConflict
from ..metamodel.fieldtypes import FieldDef, ValueContext
from ..metamodel import schema_lock
from ..metamodel.filters import CompiledFilter, compile_filter
from ..metamodel.ids import as_id
from ..metamodel.runtime import RuntimeSchema, TypeDef, is_many_link
from ..models import Attachment, Counter, User, utcnow
from ..access import enforce
from .events import RecordCreated, RecordEvent, RecordUpdated
from .reading import MAX_PAGE, JsonPage, Page, ReadOperations, Record  # noqa: F401  (re-exported)
from .trash import TrashOperations
from .condition_guard import condition_check, refuse
from . import new_records
from .write_plan import refusable_write, write_plan
from .write_sql import write_row as _write_row
from ..workflow import guard as workflow_guard

if TYPE_CHECKING:
    from .batch import BatchResult
    from .recompute import Recomputer

_DEFAULT: Any = object()
SYSTEM_KEYS = ("id", "version", "created_at", "updated_at", "created_by", "updated_by", "deleted_at")


class RecordStore(ReadOperations, TrashOperations):
    def __init__(self, session: Session, schema: RuntimeSchema, user_id: Optional[int] = None,
                 timezone_name: str = "UTC", lang: str = "en", policy: Any = None, actor: Optional[str] = None):
        self.session = session
        #: the access policy every public read and write consults (None: unrestricted; see recordbase.access)
        self.policy = policy
        self._unchecked = 0
        #: who writes when there is no user (a public form), for the record history
        self.actor = actor
        self.schema = schema
        self.user_id = user_id
        self.timezone = timezone_name
        self.lang = lang
        self.events: list[RecordEvent] = []
        self._emails: dict[int, Optional[str]] = {}
        self._recomputer = None
        #: the automation hook: called with each event this store emits (None: no automation here).
        #: By default the rule engine of :mod:`recordbase.automation`, created on first use.
        self.rule_engine: Any = _DEFAULT
        self.ctx = ValueContext(resolve_user=self._resolve_user, user_email=self._user_email,
                                missing_links=self._missing_links, attachment_info=self._attachment_info,
                                current_user_id=user_id, lang=lang, timezone=timezone_name)
        from ..access.history import track

        track(self)  # writes become record history when the session commits

    @property
    def recomputer(self) -> "Recomputer":
        """The recompute engine for computed fields (created on first use)."""
        if self._recomputer is None:
            from .recompute import Recomputer

            self._recomputer = Recomputer(self)
        return self._recomputer

    def emit(self, event: RecordEvent) -> bool:
        """Record an event, and let the automation hook act on it inside this write's transaction.

        True when the hook wrote records in turn (the caller re-reads the record it returns)."""
        self.events.append(event)
        engine = self._automation()
        if engine is None:
            return False
        count = len(self.events)
        engine.after_event(event)
        return len(self.events) > count

    def _automation(self) -> Any:
        """The automation hook (the rule engine, created on first use), or None."""
        if self.rule_engine is _DEFAULT:
            from ..automation.engine import RuleEngine

            self.rule_engine = RuleEngine(self)
        return self.rule_engine

    # -- value-context callables ---------------------------------------------------
    def _resolve_user(self, value: Any) -> Optional[int]:
        if isinstance(value, bool):
            return None
        uid = as_id(value)
        if uid is not None:
            cond = User.id == uid
        elif isinstance(value, str):
            cond = func.lower(User.email) == value.lower()
            uid = self.session.scalar(select(User.id).where(cond))
            if uid is None:
                uid = self.session.scalar(select(User.id).where(User.display_name == value))
            return uid
        else:
            return None
        return self.session.scalar(select(User.id).where(cond))

    def _user_email(self, uid: int) -> Optional[str]:
        if uid not in self._emails:
            self._emails[uid] = self.session.scalar(select(User.email).where(User.id == uid))
        return self._emails[uid]

    def prefetch_users(self, ids: Iterable[Optional[int]]) -> None:
        wanted = {i for i in ids if i is not None and i not in self._emails}
        if wanted:
            for uid, email in self.session.execute(select(User.id, User.email).where(User.id.in_(wanted))):
                self._emails[uid] = email
            for uid in wanted:
                self._emails.setdefault(uid, None)

    def _missing_links(self, field: FieldDef, ids: list[int]) -> set[int]:
        target = self.schema.types.get(field.options.get("target", ""))
        if target is None:
            return set(ids)
        t = target.table
        stmt = select(t.c.id).where(t.c.id.in_(ids), t.c.deleted_at.is_(None))
        conn = self.session.connection()
        if conn.dialect.name == "postgresql":  # the targets stay until this transaction ends: the link's
            stmt = stmt.with_for_update(read=True, key_share=True)  # foreign key cannot refuse the write
        found = set(conn.scalars(stmt))
        return set(ids) - found

    def _attachment_info(self, key: str, field: FieldDef) -> Optional[dict]:
        """An upload this store's user may put in ``field``: one uploaded for that field, by them or
        already theirs to read (a key alone is not a right to the file: see :meth:`may_read_attachment`)."""
        a = self.session.scalars(select(Attachment).where(Attachment.key == key)).first()
        if a is None or a.field_id != field.id:
            return None
        if enforce.active(self) and a.created_by != self.user_id and not self.may_read_attachment(a):
            return None
        return {"key": a.key, "name": a.filename, "size": a.size, "content_type": a.content_type}

    # -- reading -------------------------------------------------------------------
    def type(self, name: str) -> TypeDef:
        return self.schema.get(name)

    def compile(self, typedef: TypeDef, tree: Any) -> Optional[CompiledFilter]:
        return compile_filter(tree, enforce.visible(self, typedef), self.ctx)  # hidden fields: unknown

    def hold_schema(self) -> None:
        """Before a write: the store's snapshot is the stored schema, held until the transaction
        ends (PostgreSQL; :mod:`recordbase.metamodel.schema_lock`), else 409 ``schema_changed``."""
        version = schema_lock.hold(self.session)
        if version is not None and version != self.schema.version:
            raise SchemaChanged(details={"schema_version": self.schema.version, "current": version})

    # -- access (recordbase.access.enforce applies self.policy) ----------------------
    def require(self, action: str, type_name: str) -> None:
        """403 unless this store's user may ``action`` records of the type (export, import ...)."""
        enforce.require(self, action, type_name)

    def can(self, action: str, type_name: str) -> bool:
        return not enforce.active(self) or self.policy.can(action, type_name)

    def visible_type(self, type_name: str) -> TypeDef:
        """The type as this store's user sees it (hidden fields left out)."""
        return enforce.visible(self, self.type(type_name))

    def row_condition(self, typedef: TypeDef, action: str = "read") -> Any:
        return enforce.row_condition(self, typedef, action)

    def remember_user(self, uid: int, email: Optional[str]) -> None:
        """Seed the e-mail cache with a user already loaded (the request's own user)."""
        self._emails.setdefault(uid, email)

    def title(self, record: Record) -> str:
        """The record's title as this store's user sees it (:class:`~.titles.RecordTitles`; for many
        records at once, use ``RecordTitles.of_records``)."""
        from .titles import RecordTitles

        found = RecordTitles(self).of_records([record]).get(record.id)
        if found is not None:
            return found
        return f"{self.type(record.type_name).display_label(self.lang)} #{record.id}"

    # -- writing ---------------------------------------------------------------------
    def clean(self, typedef: TypeDef, values: Any, creating: bool) -> dict:
        """Validate and convert input values; raise ValidationError listing every problem.

        Unknown and read-only fields, each value through its field type, then defaults (when
        creating) and required fields; done by the type's :class:`~.write_plan.WritePlan`."""
        return write_plan(self, typedef).clean(values, creating)

    def _check_unique(self, typedef: TypeDef, cleaned: dict, exclude_id: Optional[int] = None) -> None:
        problems = {}
        t = typedef.table
        unique = write_plan(self, typedef).unique
        if not unique:
            return
        for name, value in cleaned.items():
            f = typedef.field(name)
            if not f.unique or value in (None, ""):
                continue
            col = t.c[f.column_name]
            stmt = select(t.c.id).where(col == f.ftype.to_db(value, f), t.c.deleted_at.is_(None))
            if exclude_id is not None:
                stmt = stmt.where(t.c.id != exclude_id)
            if self.session.connection().scalar(stmt.limit(1)) is not None:  # (never which record: the caller may not see it)
                problems[name] = [_("must be unique: this value is already taken")]
        if problems:
            raise ValidationError("Duplicate value for " + ", ".join(problems), problems)

    def _row_values(self, typedef: TypeDef, cleaned: dict) -> dict:
        return write_plan(self, typedef).row_values(cleaned)

    def _write_links(self, typedef: TypeDef, record_id: int, cleaned: dict) -> None:
        for name, ids in cleaned.items():
            f = typedef.field(name)
            if not is_many_link(f):
                continue
            j = typedef.junctions[name]
            self.session.execute(delete(j).where(j.c.source_id == record_id))
            if ids:
                self.session.execute(insert(j), [{"source_id": record_id, "target_id": t, "position": i}
                                                 for i, t in enumerate(ids)])

    def _next_number(self, field: FieldDef) -> int:
        stmt = update(Counter).where(Counter.field_id == field.id).values(value=Counter.value + 1).returning(Counter.value)
        n = self.session.execute(stmt).scalar()
        if n is None:
            self.session.add(Counter(field_id=field.id, value=1))
            self.session.flush()
            n = 1
        return n

    def local_now(self) -> datetime:
        return datetime.now(timezone.utc).astimezone(ZoneInfo(self.timezone))

    @enforce.guarded
    def create(self, type_name: str, values: Any) -> Record:
        typedef = self.type(type_name)
        plan = write_plan(self, typedef)
        cleaned = self.clean(typedef, values, creating=True)
        workflow_guard.check_create(self, typedef, cleaned)
        now = utcnow()
        conditions = condition_check(self, typedef)
        if conditions is not None:
            written = plan.record_values(plan.new_values(now, self.user_id), cleaned)
            if not conditions.conditions.reads_computed:  # (else: once recomputed, below)
                refuse(typedef, conditions.problems(None, written, values if isinstance(values, dict) else ()))
            cleaned.update(conditions.clears(written))
        self._check_unique(typedef, cleaned)
        row = self._row_values(typedef, cleaned)
        for f in plan.autonumbers:
            cleaned[f.name] = row[f.column_name] = f.ftype.generate(f, self._next_number(f), self.local_now())
        # its own computed values go into its INSERT (no UPDATE after it)
        computed = new_records.compute_one(self, typedef, plan, cleaned, row, now) if plan.computed else frozenset()
        row.update(version=1, created_at=now, updated_at=now, created_by=self.user_id, updated_by=self.user_id)
        conflict = "The record conflicts with another record (a unique value is taken)"
        conn = self.session.connection()
        if plan.may_conflict and conn.dialect.name == "postgresql":
            rid = self._insert_unless_taken(typedef, plan, cleaned, row, conflict)
        else:
            with refusable_write(self.session, plan, conflict):
                rid = _write_row(conn, typedef, "insert", row).scalar_one()
        self._write_links(typedef, rid, cleaned)
        # the record as reading it back gives it (no re-read: what the engine changes is re-read below)
        record = Record(type_name, rid, 1, now, now, self.user_id, self.user_id, None,
                        plan.record_values(plan.new_values(now, self.user_id), cleaned))
        if self._recompute_after_write(typedef, rid, {}, record.values, None, computed):
            record = self.get(type_name, rid)
        if conditions is not None and conditions.conditions.reads_computed:
            refuse(typedef, conditions.problems(None, record.values, values))
        if self.emit(RecordCreated(type_name, rid, self.user_id, {}, dict(record.values))):
            record = self.get(type_name, rid)
        return record

    def _recompute_after_write(self, typedef: TypeDef, record_id: int, before: dict, after: dict,
                               changed: Optional[Iterable[str]], computed: frozenset[str] = frozenset()) -> bool:
        """The recompute engine's :meth:`~.recompute.Recomputer.after_write` for one record written
        (True: the record's own computed values changed), skipped without building the engine when
        nothing can depend on this type's writes: it has no computed field and no computed field
        elsewhere reads it (the dependency graph, once per snapshot), and no recompute is pending.
        ``computed``: a new record's own computed fields computed before its INSERT (:mod:`.new_records`)."""
        if self._recomputer is None and typedef.memo("recompute_free", lambda td: _recompute_free(self.schema, td)):
            return False
        return self.recomputer.after_write(typedef.name, record_id, dict(before), dict(after),
                                           None if changed is None else set(changed), computed=computed)

    def _insert_unless_taken(self, typedef: TypeDef, plan: Any, cleaned: dict, row: dict, conflict: str) -> int:
        """PostgreSQL's create of a type with unique values or links, without a savepoint: the link
        check holds the targets (``FOR KEY SHARE``: no foreign key can refuse), and a unique value
        another writer took since the check gives no id (``ON CONFLICT DO NOTHING``), answered as
        the check answers it; the transaction stays usable either way."""
        rid = _write_row(self.session.connection(), typedef, "insert_or_nothing", row).scalar()
        if rid is None:
            self._check_unique(typedef, cleaned)  # names the field whose value is taken now
            written = [f for f in plan.unique if cleaned.get(f.name) not in (None, "")]
            if len(written) == 1:  # (only a unique index can refuse it: the links are held) that one
                raise ValidationError(conflict, {written[0].name: [_("must be unique: this value is already taken")]})
            raise ValidationError(conflict, {"record": [_("conflicts with another record (a unique value, or a "
                                                          "linked record that was removed)")]})
        return rid

    @enforce.guarded
    def create_many(self, type_name: str, rows: list, skip_invalid: bool = False,
                    row_names: Optional[Sequence[str]] = None) -> "BatchResult":
        """Create many records with create()'s validation, computed fields and events, in few queries
        (see :mod:`.batch`); invalid rows raise, or are skipped and reported with ``skip_invalid``.
        ``row_names`` name the rows in messages that point at another row ("row 3" of a file)."""
        from .batch import create_many
        from .fast_insert import gc_paused

        with gc_paused():
            return create_many(self, type_name, rows, skip_invalid=skip_invalid, row_names=row_names)

    @enforce.guarded
    def update(self, type_name: str, record_id: Any, values: Any, version: Optional[int] = None,
               current: Optional[Record] = None) -> Record:
        """Write ``values`` over the record; ``version``: the one the client read (stale: 409).

        ``current``: the record as this transaction just read it through :meth:`get` (the API's
        404 check), not read again; the UPDATE's ``version`` condition still refuses a record that
        changed since (no lost update)."""
        typedef = self.type(type_name)
        if current is not None and current.type_name == type_name and current.id == as_id(record_id):
            before = current
        else:
            before = self.get(type_name, record_id)
        if version is not None and version != before.version:
            raise VersionConflict(
                f"{type_name} {before.id} was changed by someone else (you have version {version}, "
                f"the current version is {before.version}); reload and try again",
                {"current_version": before.version})
        cleaned = self.clean(typedef, values, creating=False)
        plan = write_plan(self, typedef)
        conditions = condition_check(self, typedef)
        if conditions is not None:
            written = plan.updated_values(before.values, cleaned, utcnow(), self.user_id)
            if not conditions.conditions.reads_computed:  # (else: once recomputed, below)
                refuse(typedef, conditions.problems(before.values, written, cleaned))
            cleaned.update(conditions.clears(written))
        self._check_unique(typedef, cleaned, exclude_id=before.id)
        # automation's pre-write hook: rules that only set plain fields of this record may join this write
        cleaned, step = self._automation().fold_update(typedef, before, cleaned) if self.rule_engine is not None \
            else (cleaned, 1)
        workflow_guard.check_update(self, typedef, before, cleaned)  # state only by a transition; locked fields
        row = self._row_values(typedef, cleaned)
        now = utcnow()
        row.update(version=before.version + step, updated_at=now, updated_by=self.user_id)
        row.update(rb_id=before.id, rb_version=before.version)
        conflict = "The change conflicts with another record (a unique value is taken)"
        # (a link's targets are held by its check on PostgreSQL: only a unique value written may be refused)
        with refusable_write(self.session, plan, conflict, needed=any(f.name in cleaned for f in plan.unique)
                             or self.session.get_bind().dialect.name != "postgresql"):
            res = _write_row(self.session.connection(), typedef, "update_by_version", row)
        if res.rowcount != 1:
            raise VersionConflict(f"{type_name} {before.id} was changed by someone else; reload and try again")
        self._write_links(typedef, before.id, cleaned)
        # the record as reading it back gives it (no re-read: computed fields are recomputed below)
        after = Record(type_name, before.id, before.version + step, before.created_at, now, before.created_by,
                       self.user_id, None, plan.updated_values(before.values, cleaned, now, self.user_id))
        if self._recompute_after_write(typedef, before.id, before.values, after.values, cleaned):
            after = self.get(type_name, before.id)
        if conditions is not None and conditions.conditions.reads_computed:
            refuse(typedef, conditions.problems(before.values, after.values, cleaned))
        enforce.check_written(self, typedef, before.id)  # still within the user's rows (nothing emitted yet)
        if self.emit(RecordUpdated(type_name, before.id, self.user_id, dict(before.values), dict(after.values))):
            after = self.get(type_name, before.id)
        return after


def _recompute_free(schema: RuntimeSchema, typedef: TypeDef) -> bool:
    """No computed field of the type, and none of another type that reads it (built once per TypeDef:
    a schema snapshot makes new TypeDefs, ``typedef`` is the one of ``schema``)."""
    from ..metamodel.dependencies import graph_for

    return not any(f.ftype.computed for f in typedef.fields) and \
        not any(k[0] == typedef.name for k in graph_for(schema).upstream_of)
