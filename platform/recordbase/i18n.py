"""Languages: English and Simplified Chinese, per user (and per browser session), via Flask-Babel.

Our catalogue is ``translations/zh_Hans_CN/LC_MESSAGES/messages.po``. Compiled
``.mo`` files are build output, so they are compiled at start-up into the
instance folder rather than committed. Flask-Admin's own ``admin`` domain
brings its zh_Hans_CN translations.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, g, request, session
from flask_babel import Babel

LANGUAGES = {"en": "English", "zh": "简体中文"}
BABEL_LOCALES = {"en": "en", "zh": "zh_Hans_CN"}
SOURCE_DIR = Path(__file__).parent / "translations"


def lang_code(value: str | None) -> str:
    """Normalise 'zh', 'zh-CN', 'zh_Hans_CN' ... to our codes 'zh' / 'en'."""
    return "zh" if value and value.lower().startswith("zh") else "en"


def translate(text: str, **params: object) -> str:
    """A user-facing message (``%(name)s`` placeholders) in the request's language; English, as
    written, outside a request of our app (the CLI, background jobs, the core's tests).

    For the code below the web layer (field types' validation messages, say): they are shown by
    the admin in the user's language, by the API in its caller's."""
    try:
        from flask_babel import gettext

        return gettext(text, **params)
    except (KeyError, RuntimeError):  # no app with Babel here
        return text % params if params else text


def select_lang() -> str:
    if g.get("rb_lang") in LANGUAGES:  # a surface with a language of its own (the Airtable-compatible API)
        return g.rb_lang
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    user = g.get("rb_user")
    if user is not None and user.locale in LANGUAGES:
        return user.locale
    from .settings import current as instance_settings

    default = instance_settings().language  # the owner's choice for visitors without one of their own
    if default in LANGUAGES:
        return default
    best = request.accept_languages.best_match(["en", "zh", "zh-CN", "zh-Hans"]) if request else None
    return lang_code(best) if best else "en"


def select_locale() -> str:
    return BABEL_LOCALES[select_lang()]


def compile_catalogs(target: Path) -> None:
    """Compile every .po under translations/ to .mo under ``target`` (when missing or older)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in SOURCE_DIR.glob("*/LC_MESSAGES/*.po"):
        mo = target / po.relative_to(SOURCE_DIR).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as src:
            catalog = read_po(src)
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as out:
            write_mo(out, catalog)
        tmp.replace(mo)


def init_app(app: Flask) -> None:
    target = Path(app.instance_path) / "translations"
    compile_catalogs(target)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(target)
    Babel(app, locale_selector=select_locale)
    remember_translations()


def remember_translations() -> None:
    """Each text a page translates (60 on a list page, in Flask-Admin's domain and ours) asks
    Flask-Babel's ``Domain.get_translations``, which finds the locale and formats its name into a
    cache key every time. Keep each domain's catalog on the request's Babel context for the locale
    it was found for: a new locale (``refresh()``, ``force_locale``) is a new ``babel_locale`` and
    finds its catalog again, through Flask-Babel."""
    from flask_babel import Domain, _get_current_context

    original = Domain.get_translations
    if getattr(original, "rb_remembered", False):
        return

    def get_translations(self: Any) -> Any:
        ctx = _get_current_context()
        if ctx is None:
            return original(self)
        memo = getattr(ctx, "rb_translations", None)
        locale = getattr(ctx, "babel_locale", None)
        if memo is not None and locale is not None and memo[0] is locale and self in memo[1]:
            return memo[1][self]
        found = original(self)
        locale = getattr(ctx, "babel_locale", None)  # (found by the call above)
        if locale is not None:
            if memo is None or memo[0] is not locale:
                memo = ctx.rb_translations = (locale, {})
            memo[1][self] = found
        return found

    get_translations.rb_remembered = True  # type: ignore[attr-defined]
    Domain.get_translations = get_translations  # type: ignore[method-assign]
