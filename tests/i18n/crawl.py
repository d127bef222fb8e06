"""Walk the admin in Chinese over the outsourcing pack and its sample data; find English on the pages.

``english_words(html, allowed)`` is the text a user reads (visible text, placeholders, titles, button
values, confirmations) minus user data and brands, reduced to the Latin words left: what the crawl
test fails on. ``crawl(client)`` visits every menu link and, per record type, its list, one record's
details and edit pages and the new-record form.
"""
from __future__ import annotations

import html as html_lib
import json
import re
from collections import deque
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urljoin, urlsplit

PACK_DIR = Path(__file__).resolve().parents[2] / "templates_catalog" / "outsourcing"

#: words not typed by a user that a Chinese page may still carry: brands, standards, formats, units
BRANDS = {"Recordbase", "API", "CSV", "XLSX", "JSON", "ID", "IANA", "ISO", "SLA", "KPI", "URL", "CNY", "USD", "EUR",
          "UTC", "Bearer", "Authorization", "TODAY", "NOW", "IF", "SUM", "AVG", "AND", "OR", "NOT", "Email",
          "English", "Token", "Webhook", "webhook", "SMTP", "OpenAPI", "Airtable", "IT", "HR", "PDF", "PNG",
          "Excel", "English", "ok", "OK", "v1", "v0", "HTTP", "HTTPS", "csv", "xlsx", "CMMI", "CAPA", "SOP", "IP", "MIME", "MB",
          "Cron"}
_SKIP_BLOCKS = re.compile(r"<(script|style|code|pre|datalist|textarea)\b.*?</\1>", re.S | re.I)
#: data for scripts, not read by anyone (Flask-Admin's filter definitions)
_DATA_BLOCKS = re.compile(r'<div[^>]*class="d-none"[^>]*>\s*[\[{"].*?</div>', re.S)
_ATTRS = re.compile(r'\b(?:placeholder|title|aria-label|alt)="([^"]*)"|<input[^>]*type="(?:submit|button)"[^>]*value="([^"]*)"',
                    re.I)
_CONFIRM = re.compile(r"confirm\((\"(?:[^\"\\]|\\.)*\")\)")
_TAGS = re.compile(r"<[^>]+>")
_LATIN = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")
# (notations rather than words: an e-mail, a URL or its scheme, a path, a MIME pattern such as image/*,
# a file extension such as .pdf)
_NOT_WORDS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+|https?://\S*|\b[a-z]+/\*|(?<![\w])\.[a-z0-9]{2,5}\b|/[\w/.-]+|\b[A-Z]{2,}-\d+\b|#[0-9a-fA-F]{3,6}\b"
                        r"|\b\w*\d\w*\b|\b[a-z]+(?:_[a-z0-9]+)+\b"
                        # an IANA time zone (Asia/Shanghai), a quoted JSON key with its literal ("secret": null)
                        r"|\b[A-Z][a-z]+/[A-Za-z_]+(?:/[A-Za-z_]+)?|\"[a-z_]+\"(?::\s*(?:true|false|null)\b)?")


def shown_text(page: str) -> str:
    """What a reader of the page sees or hears: text, placeholders, titles, button values, confirmations."""
    body = page.split("<body", 1)[-1].split(">", 1)[-1] if "<body" in page else page  # (not the tag's attributes)
    extra = [a or b for a, b in _ATTRS.findall(body)] + [c for c in _CONFIRM.findall(body)]
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    body = _SKIP_BLOCKS.sub(" ", _DATA_BLOCKS.sub(" ", body))
    text = _TAGS.sub(" ", body)
    return html_lib.unescape(" ".join([title.group(1) if title else "", text, *extra]))


@lru_cache(maxsize=4)
def _allowed_pattern(allowed_text: frozenset) -> re.Pattern:
    """Any allowed value as a whole (not inside a longer word or identifier), longest first."""
    values = sorted((v.strip() for v in allowed_text if v and len(v.strip()) > 1), key=len, reverse=True)
    def whole(v: str) -> str:  # (an edge that is part of a word may not continue one)
        head = r"(?<![A-Za-z0-9_])" if re.match(r"\w", v[0]) else ""
        tail = r"(?![A-Za-z0-9_])" if re.match(r"\w", v[-1]) else ""
        return head + re.escape(v) + tail

    return re.compile("|".join(map(whole, values)))


def english_words(page: str, allowed_text: set[str]) -> set[str]:
    """The Latin words on the page that are neither user data (``allowed_text``: whole values, removed
    first, longest first) nor brands."""
    text = _allowed_pattern(frozenset(allowed_text)).sub(" ", shown_text(page))
    text = _NOT_WORDS.sub(" ", text)
    # single letters are grades and list markers (A, B, C, D), not words
    return {w for w in _LATIN.findall(text) if len(w) > 1 and w not in BRANDS and w.strip("'’-") not in BRANDS}


def admin_links(page: str, base: str) -> list[str]:
    """The admin links (GET) on a page, without query strings that only sort, page or filter."""
    out = []
    for href in re.findall(r'href="([^"#]+)"', page):
        url = urljoin(base, html_lib.unescape(href))
        parts = urlsplit(url)
        if not parts.path.startswith("/admin") or "/static" in parts.path or "/rb-static" in parts.path:
            continue
        if any(k in parts.query for k in ("sort=", "page=", "flt", "search=", "page_size=", "export")):
            continue
        if "/export/" in parts.path or "/file/" in parts.path or parts.path.endswith((".csv", ".xlsx")):
            continue
        out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


def crawl(client, start: str = "/admin/", limit: int = 400) -> dict[str, str]:
    """Every admin page reachable by links from ``start`` (at most ``limit``; one details and one edit
    page per record type): url -> html. Only answers 200 are kept."""
    seen: set[str] = set()
    per_type: dict[tuple[str, str], int] = {}
    pages: dict[str, str] = {}
    todo = deque([start])
    while todo and len(seen) < limit:
        url = todo.popleft()
        if url in seen:
            continue
        m = re.match(r"/admin/records/(\w+)/(details|edit)/", url)
        if m:
            key = (m.group(1), m.group(2))
            if per_type.get(key, 0) >= 1:
                continue
            per_type[key] = per_type.get(key, 0) + 1
        seen.add(url)
        resp = client.get(url)
        if resp.status_code != 200 or "text/html" not in resp.content_type:
            continue
        page = resp.get_data(as_text=True)
        pages[url] = page
        todo.extend(link for link in admin_links(page, url) if link not in seen)
    return pages


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
        yield from re.findall(r'"([^"]*)"', value)  # a formula's text literals
    elif isinstance(value, (dict, list)):
        for v in (value.values() if isinstance(value, dict) else value):
            yield from _strings(v)


def _with_parts(out: set[str]) -> set[str]:
    out.update(part.strip() for text in list(out) for part in re.split(r"[{}]", text) if part.strip())
    out.update(p.name for p in PACK_DIR.parent.iterdir() if (p / "pack.json").exists())  # pack ids (the CLI's)
    return out


def pack_text() -> set[str]:
    """Pack text that has no Chinese counterpart in the pack format: section names (the layout's
    titles have theirs; a field's ``section`` is its key) and the text literals of the pack's rules
    (what they write into records, e.g. a corrective action's title). Help texts have
    ``help_text_zh``: not taken out."""
    pack = json.loads((PACK_DIR / "pack.json").read_text())
    out = {f["section"] for t in pack["types"] for f in t["fields"] if f.get("section")}
    out.update(_strings(pack["rules"]))
    return _with_parts(out)


def pack_strings(pack: dict) -> set[str]:
    """Everything a pack carries (labels in both languages, API names, choice values, formulas, rule
    and view documents), with the names inside formulas: what builder pages show as it was typed."""
    out = set(_strings(pack))
    out.update(w for text in list(out) for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)
               if re.search(r"[{(]", text))  # (field names and functions of formulas and title formats)
    return _with_parts(out)


def user_text() -> set[str]:
    """Text users typed: the sample records' values (English names of companies, notes...)."""
    out: set[str] = set()
    for path in (PACK_DIR / "sample_data").glob("*"):
        if path.suffix == ".json":
            out.update(_strings(json.loads(path.read_text())))
        elif path.suffix == ".csv":
            for line in path.read_text().splitlines():
                out.update(part.strip().strip('"') for part in line.split(","))
    return out
