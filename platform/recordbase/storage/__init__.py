"""Record storage: the record store (CRUD with optimistic locking) over the runtime tables."""
from .record_store import Record, RecordStore

__all__ = ["Record", "RecordStore"]
