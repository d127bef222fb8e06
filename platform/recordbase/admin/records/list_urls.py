"""The list page's URLs without a ``url_for`` each: a list page names itself 14 times (a sort link per
column, the pager, the page sizes) and Flask-Admin's static files 21 times; ``url_for`` costs more
than the page's rows (issue 20 §3).

- :func:`list_url`: the list URL for a sort, page, page size, search and filters (Flask-Admin's
  ``_get_list_url``), from one base URL built once per request, the arguments encoded as Werkzeug
  encodes them (the same URLs as ``url_for``), with the grid's chosen columns (``?cols=``) kept;
- :func:`static_url`: the URL of a static file of a blueprint, built once per process (per script
  root): it depends on nothing else.
"""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable
from urllib.parse import urlencode

from flask import g, request, url_for
from werkzeug.datastructures import iter_multi_items

#: what Werkzeug leaves unescaped in a query string
SAFE = "!$'()*,/:;?@"

_static: dict[tuple, str] = {}
_static_lock = threading.Lock()


def list_url(view: Any, view_args: Any) -> str:
    """Flask-Admin's list URL for ``view_args`` on ``view`` (the records delegate of this request)."""
    key = (view.endpoint, g.get("rb_type_name"))
    found = g.get("_rb_list_base")
    if found is None or found[0] != key:
        found = g._rb_list_base = (key, view.get_url(".index_view"))
    base = found[1]
    kwargs: dict[str, Any] = {"page": view_args.page or None, "sort": view_args.sort,
                              "desc": 1 if view_args.sort_desc else None, "search": view_args.search}
    kwargs.update(view_args.extra_args)
    kwargs["page_size"] = view.get_safe_page_size(view_args.page_size)
    kwargs.update(view._get_filters(view_args.filters))
    query = urlencode([(k, v) for k, v in iter_multi_items(kwargs) if v is not None], safe=SAFE)
    url = (base + ("&" if "?" in base else "?") + query) if query else base
    cols = request.args.get("cols")
    return url + ("&" if "?" in url else "?") + urlencode({"cols": cols}) if cols else url


def static_url(endpoint: str, **kwargs: Any) -> str:
    """``url_for(endpoint, **kwargs)`` for a blueprint's ``static`` endpoint, remembered."""
    key = (request.script_root, endpoint, tuple(sorted((k, str(v)) for k, v in kwargs.items())))
    url = _static.get(key)
    if url is None:
        url = url_for(endpoint, **kwargs)
        with _static_lock:
            if len(_static) < 1000:  # (a bound: the files are the package's, a few dozen)
                _static[key] = url
    return url


def static_urls(endpoint: str) -> Callable[..., str]:
    """``url(filename=..., v=...)`` of Flask-Admin's ``admin_static`` for ``endpoint``."""
    return functools.partial(static_url, endpoint)
