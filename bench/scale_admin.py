"""The admin list's pages in ``bench/scale.py``: a column sort on the indexed number, ascending and
descending, without and with a filter on the select, the first page and page 50 (offset 1,000: the
admin pages by offset, so a page at the same offset should cost the same at any size), and the
default page (newest record first). Signed in through the sign-in form, as a browser is."""
from __future__ import annotations

import html
import json
import re
from typing import Any, Callable

PAGE = 20
DEEP = 50  # (offset 1,000)


class AdminPages:
    """The admin list of the benchmark's types, through a signed-in test client."""

    def __init__(self, app: Any, email: str, password: str):
        self.client = app.test_client()
        page = self.client.get("/admin/login/").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        resp = self.client.post("/admin/login/", data={"email": email, "password": password, "csrf_token": token})
        assert resp.status_code in (302, 303), resp.status_code
        self.filters: dict[str, str] = {}

    def _won(self, name: str) -> str:
        """The list's filter argument for stage = won (Flask-Admin numbers its filters per type)."""
        if name not in self.filters:
            page = self.client.get(f"/admin/records/{name}/").get_data(as_text=True)
            groups = json.loads(html.unescape(re.search(r'<div id="filter-groups-data" class="d-none">(.*?)</div>',
                                                        page, re.S).group(1)))
            arg = next(item["arg"] for item in groups["Stage"] if item["operation"] == "=")
            self.filters[name] = f"flt0_{arg}=won"
        return self.filters[name]

    def shapes(self) -> list[tuple[str, Callable[[str], str]]]:
        """(label, the page's URL for a type)."""
        out: list[tuple[str, Callable[[str], str]]] = [
            ("admin default (newest first), first page", lambda name: f"/admin/records/{name}/")]
        for desc in (False, True):
            for filtered in (False, True):
                for page in (0, DEEP):
                    label = (f"admin sort={'-' if desc else ''}score{' filter stage=won' if filtered else ''}, "
                             + ("first page" if not page else f"page {DEEP} (offset {DEEP * PAGE:,})"))
                    out.append((label, lambda name, desc=desc, filtered=filtered, page=page: (
                        f"/admin/records/{name}/?sort=0{'&desc=1' if desc else ''}"  # (score: the first column)
                        + (f"&page={page}" if page else "") + (f"&{self._won(name)}" if filtered else ""))))
        return out

    def first_ids(self, name: str, desc: bool) -> list[int]:
        """The record ids of the first page sorted by score (to check the column is the score's)."""
        body = self.client.get(f"/admin/records/{name}/?sort=0{'&desc=1' if desc else ''}").get_data(as_text=True)
        return [int(i) for i in re.findall(r'<tr data-id="(\d+)"', body)]

    def page(self, url: str) -> Callable[[], Any]:
        """A page request (its first answer checked: 200, a full page of rows)."""
        body = self.client.get(url).get_data(as_text=True)
        rows = len(re.findall(r'<tr data-id="\d+"', body))
        assert rows == PAGE, (url, rows)

        def call() -> None:
            assert self.client.get(url).status_code == 200
        return call
