"""JSON from the outside world, read within budgets: the one parser of request bodies and JSON parameters.

Every JSON the platform receives (an ``/api/v1`` or ``/v0`` body, a ``filter`` parameter, a
cursor, an import's ``mapping``, anything read through ``request.get_json``) goes through
:func:`loads`, which refuses, as a :class:`JSONInputError` (a ``ValueError``, so callers that
already catch bad JSON keep doing so):

- nesting deeper than :data:`MAX_DEPTH` levels (the standard parser would recurse until a
  ``RecursionError``; code walking the value afterwards would too);
- a string (value or key) longer than :data:`MAX_STRING` characters (the longest field, long
  text, takes 100,000);
- a lone UTF-16 surrogate (``"\\ud800"`` without its pair): Python keeps it in a ``str``, but no
  database, encoder or response can write it, so it would fail far from here;
- text that is not valid UTF-8 (or UTF-16/32, as the JSON standard allows).

:func:`request_json` reads a request body as JSON within :data:`MAX_BODY_BYTES` (config
``MAX_JSON_BODY``), before any of it is parsed. SECURITY.md ("Budgets") lists these limits.
"""
from __future__ import annotations

import json
import re
from typing import Any, Optional

#: how deeply a JSON document may nest (a role's row filter needs 24 levels, a pack about 10)
MAX_DEPTH = 64
#: the longest string (characters) a JSON document may hold
MAX_STRING = 1_000_000
#: the largest JSON request body (bytes), unless the app's ``MAX_JSON_BODY`` says otherwise
MAX_BODY_BYTES = 16 * 1024 * 1024

#: a \\u escape of a surrogate: without one in the text, the parsed value holds no surrogate
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class JSONInputError(ValueError):
    """JSON refused by :func:`loads`; ``reason`` is one of ``not_json`` (the message is then the
    parser's), ``too_deep``, ``string_too_long``, ``surrogate``, ``too_large``; ``path`` is where
    (``$.fields.name``)."""

    def __init__(self, reason: str, message: str, path: str = "$"):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.path = path


def _text(raw: bytes | bytearray | str) -> str:
    if isinstance(raw, str):
        return raw
    try:
        # the standard library's own detection (UTF-8, or UTF-16/32 by their zero bytes), decoded strictly:
        # json.loads would decode with 'surrogatepass' and let encoded surrogates through
        return bytes(raw).decode(json.detect_encoding(raw))
    except UnicodeDecodeError as exc:
        raise JSONInputError("not_json", f"not valid UTF-8 text (byte {exc.start})") from None


def loads(raw: bytes | bytearray | str, max_depth: int = MAX_DEPTH, max_string: int = MAX_STRING) -> Any:
    """Parse ``raw`` as JSON within the budgets (see the module's docstring)."""
    text = _text(raw)
    try:
        value = json.loads(text)
    except RecursionError:
        raise JSONInputError("too_deep", f"The JSON is nested too deeply (at most {max_depth} levels)") from None
    except ValueError as exc:
        raise JSONInputError("not_json", str(exc)) from None
    check(value, max_depth, max_string, surrogates=_SURROGATE_ESCAPE.search(text) is not None)
    return value


def check(value: Any, max_depth: int = MAX_DEPTH, max_string: int = MAX_STRING, surrogates: bool = True) -> None:
    """Refuse a parsed value that breaks a budget, without recursion. ``surrogates``: look for lone
    surrogates (:func:`loads` knows when the text cannot hold any)."""
    stack: list[tuple[Any, int, str]] = [(value, 0, "$")]
    while stack:
        item, depth, path = stack.pop()
        if isinstance(item, str):
            _check_string(item, path, max_string, surrogates)
            continue
        if not isinstance(item, (dict, list)):
            continue
        if depth >= max_depth:
            raise JSONInputError("too_deep", f"The JSON is nested too deeply at {path} (at most {max_depth} levels)",
                                 path)
        pairs = item.items() if isinstance(item, dict) else enumerate(item)
        for key, child in pairs:
            if isinstance(key, str):
                _check_string(key, path, max_string, surrogates, is_key=True)
            if isinstance(child, (str, dict, list)):
                stack.append((child, depth + 1, f"{path}.{key}" if isinstance(key, str) else f"{path}[{key}]"))


def _check_string(text: str, path: str, max_string: int, surrogates: bool, is_key: bool = False) -> None:
    what = "a key" if is_key else "the text"
    if len(text) > max_string:
        raise JSONInputError("string_too_long", f"{what.capitalize()} at {path} is longer than {max_string} characters",
                             path)
    if surrogates and _SURROGATE.search(text):
        raise JSONInputError("surrogate", f"{what.capitalize()} at {path} holds a lone UTF-16 surrogate "
                                          "(a \\ud800-\\udfff escape without its pair), which is not a character", path)


def body_limit() -> int:
    """The largest JSON body of this app (``MAX_JSON_BODY``, bytes)."""
    from flask import current_app

    return int(current_app.config.get("MAX_JSON_BODY") or MAX_BODY_BYTES)


def request_json(empty: Any = None) -> Any:
    """The current request's body parsed by :func:`loads`; ``empty`` when there is none.

    A body over :func:`body_limit` is refused as ``too_large`` before it is read (when its length
    is declared) or parsed; past ``MAX_CONTENT_LENGTH`` Werkzeug answers 413 itself."""
    from flask import request

    limit = body_limit()
    if request.content_length is not None and request.content_length > limit:
        raise JSONInputError("too_large", f"A JSON body may have at most {limit} bytes")
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise JSONInputError("too_large", f"A JSON body may have at most {limit} bytes")
    if not raw.strip():
        return empty
    return loads(raw)


def optional_loads(raw: Optional[str]) -> Any:
    """A JSON parameter: None when missing or blank, else :func:`loads`."""
    return None if raw is None or not raw.strip() else loads(raw)
