"""The generic record pages: one registered view, one delegate per record type and schema version."""
from .view import RecordsView

__all__ = ["RecordsView"]
