"""The app's JSON provider: orjson for every response, Flask's own rules for what it serialises.

A 50-record API page spent as long in :func:`json.dumps` (with Flask's sorted keys) as in
its SQL query; orjson writes the same document about ten times faster. What may be
serialised stays Flask's: dates and datetimes as HTTP dates, ``Decimal`` and ``UUID`` as
text, dataclasses as objects, ``__html__`` objects through it (``OPT_PASSTHROUGH_*`` hands
those to Flask's ``default``). Keys keep the order the code built them in (a record's
``id`` first, its fields in form order) instead of Flask's alphabetical order.
Whatever orjson refuses (an integer beyond 64 bits, a non-string key it cannot turn into
one) falls back to Flask's :func:`json.dumps` path, so no response fails because of it.
Parsing stays the standard library's (orjson would read an integer beyond 64 bits as a
float), within the budgets of :func:`recordbase.json_input.loads`: ``request.get_json`` anywhere
in the app refuses what the APIs' bodies refuse.
"""
from __future__ import annotations

from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME
#: for a document with a key that is not a string (an id, say): orjson writes every document about
#: half as fast again with this option, so it is tried only when the plain one refuses
_NON_STR_KEYS = _OPTIONS | orjson.OPT_NON_STR_KEYS


class WrittenOnce:
    """A document that carries its own JSON text (``json_text``), written once and handed back as
    it is by :meth:`OrjsonProvider.dumps` (e.g. the admin list's filter groups, the same on every page)."""

    json_text: str = ""


class OrjsonProvider(DefaultJSONProvider):
    """Flask's :class:`DefaultJSONProvider` with orjson doing the writing."""

    sort_keys = False
    ensure_ascii = False

    def _fast(self, obj: Any) -> bytes | None:
        try:
            return orjson.dumps(obj, default=self.default, option=_OPTIONS)
        except (orjson.JSONEncodeError, TypeError):
            pass
        try:
            return orjson.dumps(obj, default=self.default, option=_NON_STR_KEYS)
        except (orjson.JSONEncodeError, TypeError):
            return None

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if kwargs:
            return super().loads(s, **kwargs)
        from .json_input import loads

        return loads(s)

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if isinstance(obj, WrittenOnce) and obj.json_text:
            return obj.json_text
        if not kwargs:
            data = self._fast(obj)
            if data is not None:
                return data.decode()
        return super().dumps(obj, **kwargs)

    def response(self, *args: Any, **kwargs: Any):
        if (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(*args, **kwargs)  # indented output for debugging
        data = self._fast(self._prepare_response_obj(args, kwargs))
        if data is None:
            return super().response(*args, **kwargs)
        return self._app.response_class(data + b"\n", mimetype=self.mimetype)
