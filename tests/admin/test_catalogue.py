"""Every UI string of the admin has a Simplified Chinese translation in our catalogue."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

import recordbase

PACKAGE = Path(recordbase.__file__).parent
CATALOGUE = PACKAGE / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"


def test_every_admin_message_is_translated():
    keywords = dict(DEFAULT_KEYWORDS, _l=None, lazy_gettext=None)
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found = {msg for _file, _line, msg, _comments, _ctx in
             extract_from_dir(str(PACKAGE / "admin"), method_map, options_map=options, keywords=keywords)}
    assert len(found) > 50  # the extraction does find our strings
    with CATALOGUE.open("rb") as f:
        catalog = read_po(f, locale="zh_Hans_CN")
    missing = []
    for msg in found:
        key = msg if isinstance(msg, str) else msg[0]
        entry = catalog.get(key)
        if entry is None or not (entry.string if isinstance(entry.string, str) else entry.string[0]):
            missing.append(key)
    assert not missing, f"untranslated: {sorted(missing)}"
