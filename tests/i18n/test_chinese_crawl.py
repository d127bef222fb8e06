"""No English on a Chinese page that a user did not type: sign in, switch to Chinese, walk every menu
link and record page of the outsourcing pack (with its sample data); fail on the English words left
once user data (every text the pack's records and structure carry, every user's e-mail) and brands
(:data:`crawl.BRANDS`) are taken out."""
from __future__ import annotations

import re

from .crawl import PACK_DIR, crawl, english_words, pack_text, user_text

#: pages whose English is what builders typed, shown as typed (both labels of a field, formulas, API names,
#: the audit log's record of changes, the pack catalogue's contents): not crawled here (the builder pages
#: are test_chinese_builders.py's, with everything the pack carries taken out as typed text)
BUILDER_PAGES = re.compile(r"^/admin/(metamodel/|audit/|rules/new/|rules/\d+/edit/|packs/\w+/)")


def test_every_admin_page_of_the_outsourcing_pack_is_chinese(app, outsourcing, admin_client, switch_language):
    switch_language(admin_client, "zh")
    pages = {url: page for url, page in crawl(admin_client).items() if not BUILDER_PAGES.match(url)}
    assert len(pages) > 30 and any("/admin/records/" in u for u in pages)
    allowed = user_text() | pack_text() | {"owner@example.com", "Owner"}
    found = {url: sorted(english_words(page, allowed)) for url, page in pages.items()}
    found = {url: words for url, words in found.items() if words}
    assert not found, "English on Chinese pages:\n" + "\n".join(f"{u}: {' '.join(w[:25])}" for u, w in found.items())
