"""The world of the route matrix (``test_route_matrix.py``): one app and one database per module.

- record types ``deal`` (title, region, ``secret_note`` — hidden from the restricted role —,
  ``locked_note`` — read-only for it —, ``doc``: an attachment) and ``vault`` (no rights for it);
- the custom role ``regional``: read, create, update and export ``deal`` records whose region is
  ``east``; nothing on ``vault``;
- users for the API (each with a full, a read-only and a ``deal``-only token) and other users for
  the admin (signed in through the form), so that no request of one kind can end a session of the
  other (a password change ends the user's sessions);
- a record inside and one outside the regional rows, a vault record, a rule with a webhook
  secret (and its run), a button rule, a view, a public form, an attachment;
- ``fresh_*`` helpers make a disposable target for a request that would destroy what it names
  (deleting a record, a type, a rule...), so that cases do not depend on their order.

Every marker below is a unique string: a response body containing one where the principal may
not see it is a leak.
"""
from __future__ import annotations

import io
import itertools
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional

from recordbase import create_app
from recordbase.auth import create_token, create_user
from recordbase.context import platform

from support import ApiClient, csrf_token_from, ok

PASSWORD = "a long enough password"
DEAL_SECRET = "zqdealsecret7"        # secret_note of every deal record (hidden from the regional role)
VAULT_SECRET = "zqvaultsecret7"      # secret_note of the vault record
HIDDEN_LABEL = "Zqhiddenlabel7"      # the label of deal.secret_note
OUT_OF_ROW = "zqwestdeal7"           # the title of the deal outside the regional rows
VAULT_TITLE = "zqvaulttitle7"        # the title of the vault record
VAULT_VIEW = "zqvaultview7"          # the name of a saved view of vault
WEBHOOK_SECRET = "zqwebhooksecret7"  # a rule's webhook secret: write-only, never shown to anyone
IN_ROW = "zqeastdeal7"               # the title of the deal inside the regional rows (visible to all readers)

ROLES = ("owner", "builder", "editor", "viewer", "regional")
TOKEN_KINDS = ("full", "ro", "narrow")

DEAL_FIELDS = [
    {"name": "title", "label": "Title", "type": "text", "required": True},
    {"name": "region", "label": "Region", "type": "text"},
    {"name": "secret_note", "label": HIDDEN_LABEL, "type": "text"},
    {"name": "locked_note", "label": "Locked note", "type": "text"},
    {"name": "doc", "label": "Document", "type": "attachment"},
]
VAULT_FIELDS = [{"name": "title", "label": "Title", "type": "text", "required": True},
                {"name": "secret_note", "label": "Vault note", "type": "text"}]
REGIONAL = {"name": "regional", "label": "Regional", "permissions": {
    "deal": {"actions": ["read", "create", "update", "export"], "rows": {"field": "region", "op": "eq", "value": "east"},
             "hidden_fields": ["secret_note"], "readonly_fields": ["locked_note"]}}}

STAGE_FIELD = {"name": "stage", "label": "Stage", "type": "single_select", "options": {"choices": ["open", "won"]}}


def deal_workflow(type_name: str) -> dict:
    """A workflow anyone who may update a record can move along (open → won → open)."""
    return {"type": type_name, "state_field": "stage", "initial": "open", "transitions": [
        {"name": "advance", "label": "Advance", "label_zh": "推进", "from": ["open", "won"], "to": "won"}]}


@dataclass(frozen=True)
class Principal:
    """Who sends a request: a role (None: anonymous) and, for the APIs, a token kind."""

    role: Optional[str]
    kind: Optional[str] = None  # full, ro, narrow (API tokens); None: an admin session or anonymous

    @property
    def id(self) -> str:
        if self.role is None:
            return "anonymous"
        return f"{self.role}-{self.kind}" if self.kind else f"{self.role}-session"

    # what a principal may see (markers forbidden to it, see test_route_matrix.assert_no_leak)
    def forbidden_markers(self) -> list[str]:
        out = [WEBHOOK_SECRET]
        if self.role in (None, "regional"):
            out += [DEAL_SECRET, HIDDEN_LABEL, OUT_OF_ROW]
        if self.role in (None, "regional") or self.kind == "narrow":
            out += [VAULT_SECRET, VAULT_TITLE, VAULT_VIEW]
        return out


API_PRINCIPALS = [Principal(None)] + [Principal(r, k) for r in ROLES for k in TOKEN_KINDS]
ADMIN_PRINCIPALS = [Principal(None)] + [Principal(r) for r in ROLES]


@dataclass
class World:
    app: Any
    owner: ApiClient  # an unrestricted client for setting things up
    ids: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)  # Principal.id -> token text
    sessions: dict = field(default_factory=dict)  # Principal.id -> signed-in test client
    csrf: dict = field(default_factory=dict)  # Principal.id -> CSRF token of that session
    counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    # -- clients -------------------------------------------------------------------------------
    def api(self, p: Principal) -> ApiClient:
        return ApiClient(self.app.test_client(), self.tokens.get(p.id))

    def web(self, p: Principal):
        if p.id not in self.sessions:
            self.sessions[p.id], self.csrf[p.id] = self.sign_in(f"web-{p.role}@example.com" if p.role else None)
        return self.sessions[p.id], self.csrf[p.id]

    def sign_in(self, email: Optional[str]):
        client = self.app.test_client()
        token = csrf_token_from(client.get("/admin/login/").get_data(as_text=True))
        if email:
            resp = client.post("/admin/login/", data={"email": email, "password": PASSWORD, "csrf_token": token})
            assert resp.status_code in (302, 303), resp.get_data(as_text=True)[:500]
            token = csrf_token_from(client.get("/admin/").get_data(as_text=True))  # the signed-in session's
        return client, token

    def restricted_visits_first(self) -> None:
        """A new schema version whose deal pages the restricted role opens first: what the admin builds
        for it must not change what others see (#15 item 3: its mapped class was cached per type)."""
        ok(self.owner.patch(f"/api/v1/types/{self.ids['scratch']}", json={"label": f"Scratch {self.n()}"}))
        assert self.web(Principal("regional"))[0].get("/admin/records/deal/").status_code == 200

    def n(self) -> int:
        return next(self.counter)

    # -- disposable targets (made by the owner, unrestricted) ------------------------------------
    def fresh_deal(self, deleted: bool = False, region: str = "east") -> int:
        rid = ok(self.owner.post("/api/v1/records/deal", json={"fields": {
            "title": f"Fresh {self.n()}", "region": region, "secret_note": DEAL_SECRET}}), 201)["id"]
        if deleted:
            ok(self.owner.delete(f"/api/v1/records/deal/{rid}"))
        return rid

    def fresh_workflow(self) -> str:
        """A record type of its own with a workflow (to be deleted)."""
        name = self.fresh_type()
        ok(self.owner.post(f"/api/v1/types/{name}/fields", json=STAGE_FIELD), 201)
        ok(self.owner.put(f"/api/v1/workflows/{name}", json=deal_workflow(name)))
        return name

    def fresh_delegation(self) -> int:
        """A delegation of the root owner's (only its maker may end it)."""
        return ok(self.owner.post("/api/v1/delegations", json={
            "substitute": "bystander@example.com", "starts_on": "2026-01-01", "ends_on": "2026-12-31"}), 201)["id"]

    def fresh_west_deal(self) -> int:
        return self.fresh_deal(region="west")

    def fresh_name(self) -> str:
        return f"made{self.n()}"

    def fresh_deleted_deal(self) -> int:
        return self.fresh_deal(deleted=True)

    def fresh_type(self) -> str:
        name = f"scratch{self.n()}"
        ok(self.owner.post("/api/v1/types", json={"name": name, "label": name.title()}), 201)
        ok(self.owner.post(f"/api/v1/types/{name}/fields", json={"name": "title", "label": "Title", "type": "text"}), 201)
        return name

    def fresh_field(self) -> str:
        name = f"extra{self.n()}"
        ok(self.owner.post(f"/api/v1/types/{self.ids['scratch']}/fields",
                           json={"name": name, "label": name.title(), "type": "text"}), 201)
        return name

    def fresh_rule(self) -> int:
        return ok(self.owner.post("/api/v1/rules", json=webhook_rule(f"Fresh rule {self.n()}", enabled=False)), 201)["id"]

    def fresh_role(self) -> str:
        name = f"temp{self.n()}"
        ok(self.owner.post("/api/v1/roles", json={"name": name, "label": name, "permissions": {}}), 201)
        return name

    def fresh_view(self) -> int:
        return ok(self.owner.post("/api/v1/views", json={"name": f"View {self.n()}", "type": "deal"}), 201)["id"]

    def fresh_form(self) -> int:
        return ok(self.owner.post("/api/v1/types/deal/forms", json={"title": f"Form {self.n()}",
                                                                   "fields": ["title"]}), 201)["id"]

    def fresh_comment(self) -> int:
        return ok(self.owner.post(f"/api/v1/records/deal/{self.ids['east']}/comments",
                                  json={"body": f"Comment {self.n()}"}), 201)["id"]

    def fresh_user(self) -> str:
        email = f"bystander{self.n()}@example.com"
        with platform(self.app).sessions.begin() as s:
            create_user(s, email, None, role="viewer")
        return email

    def fresh_dashboard(self) -> int:
        """A dashboard with a widget over deal (1) and one over vault (2)."""
        from recordbase.context import platform as _platform
        from recordbase.dashboards.service import DashboardService
        from recordbase.metamodel.runtime import load_schema, read_version

        with _platform(self.app).sessions.begin() as s:
            return DashboardService(s, load_schema(s, read_version(s))).create({"name": f"Board {self.n()}", "widgets": [
                {"kind": "number", "type": "deal", "options": {}},
                {"kind": "number", "type": "vault", "options": {}}]}).id

    def fresh_token_id(self) -> int:
        return ok(self.owner.post("/api/v1/tokens", json={"name": f"t{self.n()}", "email": "bystander@example.com"}),
                  201)["id"]


def webhook_rule(name: str, enabled: bool = True) -> dict:
    return {"name": name, "type": "deal", "enabled": enabled, "trigger": {"on": "record_created"},
            "actions": [{"do": "webhook", "url": "http://127.0.0.1:9/hook", "secret": WEBHOOK_SECRET}]}


def build_world(database_url: str, tmp: Any) -> World:
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test-secret",
                      "INSTANCE_PATH": str(tmp / "instance")})
    with platform(app).sessions.begin() as s:
        root = create_user(s, "root@example.com", PASSWORD, role="owner")
        root_token = create_token(s, root, name="setup")
        s.expunge(root)  # (its password hash is given to the users who sign in: one Argon2 hash, not twenty)
    owner = ApiClient(app.test_client(), root_token)
    world = World(app, owner)
    for name, fields in (("deal", DEAL_FIELDS), ("vault", VAULT_FIELDS)):
        ok(owner.post("/api/v1/types", json={"name": name, "label": name.title()}), 201)
        for f in fields:
            ok(owner.post(f"/api/v1/types/{name}/fields", json=f), 201)
    ok(owner.post("/api/v1/roles", json=REGIONAL), 201)
    ok(owner.post("/api/v1/types/deal/fields", json=STAGE_FIELD), 201)  # deal's workflow (recordbase.workflow)
    ok(owner.put("/api/v1/workflows/deal", json=deal_workflow("deal")))
    # the rule first, so that creating the records makes runs whose webhook payloads hold whole records
    ids = world.ids
    ids["rule"] = ok(owner.post("/api/v1/rules", json=webhook_rule("Tell the ERP")), 201)["id"]
    ids["button_rule"] = ok(owner.post("/api/v1/rules", json={
        "name": "Escalate", "type": "deal", "enabled": True, "trigger": {"on": "button"},
        "condition": {"field": "title", "op": "eq", "value": "never matches"},
        "actions": [{"do": "update_record", "values": {"locked_note": "escalated"}}]}), 201)["id"]

    def rec(type_name: str, **values: Any) -> int:
        return ok(owner.post(f"/api/v1/records/{type_name}", json={"fields": values}), 201)["id"]

    ids["east"] = rec("deal", title=IN_ROW, region="east", secret_note=DEAL_SECRET, locked_note="x")
    ids["west"] = rec("deal", title=OUT_OF_ROW, region="west", secret_note=DEAL_SECRET)
    ids["vault_rec"] = rec("vault", title=VAULT_TITLE, secret_note=VAULT_SECRET)
    runs = ok(owner.get(f"/api/v1/rules/{ids['rule']}/runs"))["runs"]
    assert runs, "the webhook rule made no run"
    ids["run"] = runs[0]["id"]
    ids["view"] = ok(owner.post("/api/v1/views", json={"name": "East deals", "type": "deal",
                                                      "filter": {"field": "region", "op": "eq", "value": "east"}}), 201)["id"]
    ok(owner.post("/api/v1/views", json={"name": VAULT_VIEW, "type": "vault"}), 201)
    form = ok(owner.post("/api/v1/types/deal/forms", json={"title": "Tell us", "fields": ["title", "region"]}), 201)
    ids["form"], ids["form_url"] = form["id"], form["url"]
    up = owner.client.post(f"/api/v1/records/deal/{ids['east']}/attachments/doc",
                           data={"file": [(io.BytesIO(b"hello"), "a.txt", "text/plain")], "version": "1"},
                           content_type="multipart/form-data", headers={"Authorization": f"Bearer {root_token}"})
    ids["attachment"] = ok(up, 201)["attachments"][0]["url"].rstrip("/").rsplit("/", 1)[1]
    ids["scratch"] = world.fresh_type()
    ids["scratch_field"] = world.fresh_field()
    with platform(app).sessions.begin() as s:
        create_user(s, "bystander@example.com", None, role="viewer")
        for role in ROLES:
            api_user = create_user(s, f"api-{role}@example.com", None, role=role)  # tokens only
            world.tokens[f"{role}-full"] = create_token(s, api_user, name="full")
            world.tokens[f"{role}-ro"] = create_token(s, api_user, name="ro", read_only=True)
            world.tokens[f"{role}-narrow"] = create_token(s, api_user, name="narrow", types=["deal"])
            for prefix in ("web", "out"):  # out-...: signs in to sign out
                create_user(s, f"{prefix}-{role}@example.com", None, role=role).password_hash = root.password_hash
    return world
