"""The audit log's actions and kinds in the page's language (``/admin/audit/``).

An action is stored as a code (``type.update``, ``sign_in``): the filter takes codes, the page shows
words (``修改 记录类型`` in Chinese), the code in the word's title. A code not known here (a newer
one) is shown as stored."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

#: the kinds of thing the log records (its filter's choices)
KINDS = {"type": _l("record type"), "field": _l("field"), "rule": _l("automation rule"), "pack": _l("template pack"),
         "role": _l("role"), "form": _l("public form"), "user": _l("user"), "settings": _l("instance settings")}
VERBS = {"create": _l("created"), "update": _l("changed"), "delete": _l("deleted"), "install": _l("installed"),
         "change": _l("changed"), "revoke": _l("revoked"), "password_set": _l("password set")}
#: actions that are not "<kind>.<verb>"
WHOLE = {"sign_in": _l("signed in"), "sign_in_failed": _l("sign-in failed"), "sign_in_blocked": _l("sign-in blocked"),
         "token.create": _l("API token created"), "token.revoke": _l("API token revoked")}


def kind_word(kind: str) -> str:
    return str(KINDS.get(kind, kind))


def action_words(action: str) -> str:
    """``type.update`` -> "record type changed" (in the page's language); an unknown code as it is."""
    if action in WHOLE:
        return str(WHOLE[action])
    kind, _dot, verb = action.partition(".")
    if kind in KINDS and verb in VERBS:
        return _("%(kind)s %(verb)s", kind=KINDS[kind], verb=VERBS[verb])
    return action
