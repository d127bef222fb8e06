"""Every UI string has a Simplified Chinese translation in our catalogue, and the catalogue holds
nothing that is no longer used."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

import recordbase

PACKAGE = Path(recordbase.__file__).parent
CATALOGUE = PACKAGE / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"


def _key(msg) -> str:
    return msg if isinstance(msg, str) else msg[0]


def _extracted(capsys) -> set[str]:
    """Every message the package marks for translation (Python and Jinja templates), as pybabel
    extract would find it; a message it cannot extract (an f-string inside ``_()``) fails the test."""
    keywords = dict(DEFAULT_KEYWORDS, _l=None, lazy_gettext=None, translate=None)  # (recordbase.i18n.translate)
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    capsys.readouterr()
    found = {_key(msg) for _file, _line, msg, _comments, _ctx in
             extract_from_dir(str(PACKAGE), method_map, options_map=options, keywords=keywords)}
    warnings = capsys.readouterr().err  # Babel writes what it skips to stderr
    assert "warning" not in warnings, warnings
    return found


def _catalogue():
    with CATALOGUE.open("rb") as f:
        return read_po(f, locale="zh_Hans_CN")


def test_every_message_is_translated(capsys):
    found = _extracted(capsys)
    assert len(found) > 300  # the extraction does find our strings, templates included
    catalog = _catalogue()
    missing = []
    for key in found:
        entry = catalog.get(key)
        if entry is None or not (entry.string if isinstance(entry.string, str) else entry.string[0]):
            missing.append(key)
    assert not missing, f"untranslated: {sorted(missing)}"


def test_the_catalogue_holds_only_messages_in_use(capsys):
    found = _extracted(capsys)
    unused = sorted(_key(m.id) for m in _catalogue() if m.id and _key(m.id) not in found)
    assert not unused, f"in the catalogue but used nowhere: {unused}"
