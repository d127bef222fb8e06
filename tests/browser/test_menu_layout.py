"""The top menu fits on one line at 1366×857 in English and in Chinese, on the list, the record form and
the details page (issue 16: in Chinese it wrapped to two lines on the form and details pages), and so does
a list's own bar of tabs and tools (in English "Bulk edit" wrapped to a second line)."""
from __future__ import annotations

import os
from pathlib import Path

PAGES = ("/admin/records/contract/", "/admin/records/contract/new/", "/admin/records/evaluation/details/?id=1")
#: every top-level entry of the navbar, left and right (their tops are equal on one line)
ENTRIES = """return Array.from(document.querySelectorAll(
  '#admin-navbar-collapse > .navbar-brand, #admin-navbar-collapse > ul > li, #admin-navbar-collapse > .rb-lang,'
  + ' #admin-navbar-collapse > form, #admin-navbar-collapse > div'))
  .filter(e => e.offsetParent !== null)
  .map(e => [e.textContent.trim().slice(0, 20), Math.round(e.getBoundingClientRect().top),
             Math.round(e.getBoundingClientRect().right)]);"""
#: the entries of a list's tab bar (Flask-Admin's tabs with the grid's tools) and their tops
BAR = """return Array.from(document.querySelectorAll('ul.nav-tabs:has(.rb-count) > li'))
  .filter(e => e.offsetParent !== null)
  .map(e => [e.textContent.trim().slice(0, 20), Math.round(e.getBoundingClientRect().top)]);"""
#: how far the navbar's content reaches past its own box (0: it fits), and whether the page scrolls sideways
OVERFLOW = """const nav = document.querySelector('nav.navbar');
  return [nav.scrollWidth - nav.clientWidth, document.documentElement.scrollWidth - window.innerWidth];"""


def _one_line(page, path: str, lang: str) -> None:
    page.open(path)
    page.find("nav.navbar")
    shots = os.environ.get("RECORDBASE_MENU_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.driver.save_screenshot(str(Path(shots) / f"{lang}-{path.strip('/').replace('/', '_').replace('?', '_')}.png"))
    entries = page.driver.execute_script(ENTRIES)
    assert entries, path
    tops = {top for _text, top, _right in entries}
    height = page.driver.execute_script("return document.querySelector('nav.navbar').getBoundingClientRect().height")
    assert max(tops) - min(tops) <= 8 and height <= 64, (lang, path, height, entries)
    right = page.driver.execute_script("return document.querySelector('nav.navbar').getBoundingClientRect().right")
    assert max(r for _text, _top, r in entries) <= right, (lang, path, right, entries)
    nav_past, page_past = page.driver.execute_script(OVERFLOW)
    assert nav_past <= 0, (lang, path, nav_past)
    if "/details/" in path or "/new/" in path:
        assert page_past <= 0, (lang, path, page_past)  # (a list's wide grid scrolls inside its own box)
    else:  # the list's own bar (tabs, search, record count, columns, bulk edit) on one line too
        bar = page.driver.execute_script(BAR)
        assert bar and max(t for _e, t in bar) - min(t for _e, t in bar) <= 12, (lang, path, bar)


def test_the_menu_fits_one_line_in_english_and_chinese(page):
    page.sign_in()
    for path in PAGES:
        _one_line(page, path, "en")
    page.switch_language()
    assert "退出" in page.text()
    try:
        for path in PAGES:
            _one_line(page, path, "zh")
    finally:
        page.switch_language()  # (the language is kept per user: leave it English)
