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
    surrogates = _SURROGATE_ESCAPE.search(text) is not None
    # no string can be longer than the text: then only the depth is left to check
    strings = surrogates or len(text) > max_string
    check(value, max_depth, max_string if strings else None, surrogates)
    return value


def check(value: Any, max_depth: int = MAX_DEPTH, max_string: Optional[int] = MAX_STRING,
          surrogates: bool = True) -> None:
    """Refuse a parsed value that breaks a budget, without recursion. ``surrogates``: look for lone
    surrogates, ``max_string`` None: strings need no check (:func:`loads` knows when the text cannot
    hold a surrogate or a string that long). Paths are only spelled out for the error."""
    if max_string is None:
        _check_depth(value, max_depth)
        return
    if isinstance(value, str):
        _check_string(value, None, max_string, surrogates)
    if not isinstance(value, (dict, list)):
        return
    stack: list[tuple[Any, int, Any]] = [(value, 1, None)]
    while stack:
        item, depth, where = stack.pop()
        if depth > max_depth:
            raise JSONInputError("too_deep", f"The JSON is nested too deeply at {_path(where)} "
                                             f"(at most {max_depth} levels)", _path(where))
        pairs = item.items() if type(item) is dict else enumerate(item)
        for key, child in pairs:
            if type(key) is str and (len(key) > max_string or (surrogates and _SURROGATE.search(key))):
                _check_string(key, where, max_string, surrogates, is_key=True)
            kind = type(child)
            if kind is str:
                if len(child) > max_string or (surrogates and _SURROGATE.search(child)):
                    _check_string(child, (where, key), max_string, surrogates)
            elif kind is dict or kind is list:
                stack.append((child, depth + 1, (where, key)))


def _check_depth(value: Any, max_depth: int) -> None:
    """Refuse a value nested deeper than ``max_depth``: level by level, without paths (a batch of a
    thousand records was 5 % of its request with a path per item); the path only for the refusal."""
    level = [value] if type(value) is dict or type(value) is list else []
    depth = 0
    while level:
        depth += 1
        if depth > max_depth:
            _refuse_depth(value, max_depth)
        below = []
        add = below.append
        for item in level:
            for child in (item.values() if type(item) is dict else item):
                if type(child) is dict or type(child) is list:
                    add(child)
        level = below


def _refuse_depth(value: Any, max_depth: int) -> None:
    """The refusal of a value too deep, naming where (the first place found)."""
    stack: list[tuple[Any, int, Any]] = [(value, 1, None)] if isinstance(value, (dict, list)) else []
    while stack:
        item, depth, where = stack.pop()
        if depth > max_depth:
            raise JSONInputError("too_deep", f"The JSON is nested too deeply at {_path(where)} "
                                             f"(at most {max_depth} levels)", _path(where))
        for key, child in (item.items() if type(item) is dict else enumerate(item)):
            if type(child) is dict or type(child) is list:
                stack.append((child, depth + 1, (where, key)))


def _path(where: Any) -> str:
    """``(((None, "fields"), "tags"), 0)`` -> ``$.fields.tags[0]`` (at most 200 characters: it is echoed back)."""
    parts = []
    while where is not None:
        where, key = where
        parts.append(f"[{key}]" if isinstance(key, int) else f".{key}")
    path = "$" + "".join(reversed(parts))
    return path if len(path) <= 200 else path[:197] + "..."


def _check_string(text: str, where: Any, max_string: int, surrogates: bool, is_key: bool = False) -> None:
    what = "A key" if is_key else "The text"
    path = _path(where)
    if len(text) > max_string:
        raise JSONInputError("string_too_long", f"{what} at {path} is longer than {max_string} characters", path)
    if surrogates and _SURROGATE.search(text):
        raise JSONInputError("surrogate", f"{what} at {path} holds a lone UTF-16 surrogate "
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
