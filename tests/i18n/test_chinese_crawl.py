"""No English on a Chinese page that a user did not type: sign in, switch to Chinese, walk every menu
link and record page of the outsourcing pack (with its sample data); fail on the English words left
once user data (every text the pack's records and structure carry, every user's e-mail) and brands
(:data:`crawl.BRANDS`) are taken out."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from recordbase.packs import load as load_pack
from recordbase.packs.installer import install

from .crawl import crawl, english_words

PACK_DIR = Path(__file__).resolve().parents[2] / "templates_catalog" / "outsourcing"


#: pages whose English is what builders typed, shown as typed (both labels of a field, formulas, API names,
#: the audit log's record of changes, the pack catalogue's contents): not crawled
BUILDER_PAGES = re.compile(r"^/admin/(metamodel/|audit/|rules/new/|rules/\d+/edit/|packs/\w+/)")


def _pack_text() -> set[str]:
    """Pack text that has no Chinese counterpart in the pack format yet: help texts and section titles
    (bilingual in one string today; their ``_zh`` pairs are #16 item 5, the forms), and the text
    literals of the pack's rules (what they write into records, e.g. a corrective action's title)."""
    pack = json.loads((PACK_DIR / "pack.json").read_text())
    out: set[str] = set()
    for t in pack["types"]:
        for f in t["fields"]:
            out.update(v for v in (f.get("help_text"), f.get("section")) if v)
    def strings(value):
        if isinstance(value, str):
            yield value
            yield from re.findall(r'"([^"]*)"', value)  # a formula's text literals
        elif isinstance(value, (dict, list)):
            for v in (value.values() if isinstance(value, dict) else value):
                yield from strings(v)

    out.update(strings(pack["rules"]))
    out.update(part.strip() for text in list(out) for part in re.split(r"[{}]", text) if part.strip())
    out.update(p.name for p in PACK_DIR.parent.iterdir() if (p / "pack.json").exists())  # pack ids (the CLI's)
    return out


def _user_text() -> set[str]:
    """Text users typed: the sample records' values (English names of companies, notes...)."""
    out: set[str] = set()

    def walk(value):
        if isinstance(value, str):
            out.add(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for path in (PACK_DIR / "sample_data").glob("*"):
        if path.suffix == ".json":
            walk(json.loads(path.read_text()))
        elif path.suffix == ".csv":
            for line in path.read_text().splitlines():
                out.update(part.strip().strip('"') for part in line.split(","))
    return out


@pytest.fixture
def outsourcing(app, sessions, owner):
    with sessions.begin() as s:
        install(s, load_pack("outsourcing"), sample_data=True, user_id=owner.id)


def test_every_admin_page_of_the_outsourcing_pack_is_chinese(app, outsourcing, admin_client, switch_language):
    switch_language(admin_client, "zh")
    pages = {url: page for url, page in crawl(admin_client).items() if not BUILDER_PAGES.match(url)}
    assert len(pages) > 30 and any("/admin/records/" in u for u in pages)
    allowed = _user_text() | _pack_text() | {"owner@example.com", "Owner"}
    found = {url: sorted(english_words(page, allowed)) for url, page in pages.items()}
    found = {url: words for url, words in found.items() if words}
    assert not found, "English on Chinese pages:\n" + "\n".join(f"{u}: {' '.join(w[:25])}" for u, w in found.items())
