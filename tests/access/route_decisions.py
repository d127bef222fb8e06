"""The decision table of the route matrix: for every route (endpoint + method) of ``/api/v1``,
``/v0`` and ``/admin``, who may use it and what the others get.

Each :class:`Case` is one concrete request of a route (a route may have several: a record inside
and one outside the restricted rows, a readable and an unreadable type...). ``allow`` says which
principals may; ``ok`` is the class of status they get, ``deny`` the class the others get.
Classes: ``OK`` (2xx/3xx; for the admin, not a redirect to the sign-in page), ``VALID`` (reachable:
OK or a refusal of the empty/invalid body: 400, 409, 413, 415, 422, 429), ``DENY`` (401, 403, 404,
or the sign-in redirect), or an explicit set of statuses.

Where a route checks its body before the policy, the case sends a body that would succeed, so
that only the policy can refuse it (an empty body's 422 proves nothing about rights).
URL templates are filled from the world's ids (``route_world.build_world``) and from ``fresh``:
disposable targets made per request for routes that destroy what they name. Admin POSTs get
the session's CSRF token. The admin's cases are in :mod:`.route_decisions_admin`.
Add a case for every new route; the matrix fails until you do.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional, Union

from .route_world import Principal, webhook_rule

OK, VALID, DENY = "ok", "valid", "deny"
Status = Union[str, frozenset]
BASE = "/v0/appRecordbase0001"

#: endpoints (fnmatch patterns) answered alike for everyone and never exercised: static files
PUBLIC_PATTERNS = ("static", "*.static")


# -- who ---------------------------------------------------------------------------------------------
def anyone(p: Principal) -> bool:
    return True


def signed(p: Principal) -> bool:
    return p.role is not None


def writes(p: Principal) -> bool:
    return signed(p) and p.kind != "ro"


def builtin(p: Principal) -> bool:
    return p.role in ("owner", "builder", "editor", "viewer")


def reads_vault(p: Principal) -> bool:
    return builtin(p) and p.kind != "narrow"


def writes_deal(p: Principal) -> bool:  # create and update deal records (the regional role too, in its rows)
    return p.role in ("owner", "builder", "editor", "regional") and p.kind != "ro"


def writes_vault(p: Principal) -> bool:
    return p.role in ("owner", "builder", "editor") and p.kind not in ("ro", "narrow")


def replaces_deal(p: Principal) -> bool:
    return writes_deal(p) and p.role != "regional"


def deletes_deal(p: Principal) -> bool:  # delete, restore and import deal records
    return p.role in ("owner", "builder", "editor") and p.kind != "ro"


def edits_views(p: Principal) -> bool:  # shared views: configure on the type (recordbase.views.sharing)
    return p.role in ("owner", "builder") and p.kind != "ro"


def reads_other_rows(p: Principal) -> bool:  # reads the deal outside the regional rows
    return builtin(p)


def configures_deal(p: Principal) -> bool:  # a builder's token narrowed to deal still configures deal
    return p.role in ("owner", "builder") and p.kind != "ro"


def reads_deal_rules(p: Principal) -> bool:
    """Rules and runs follow ``configure`` on the rule's type (every rule here is deal's): a token narrowed
    to deal still sees them, a read-only one reads them."""
    return p.role in ("owner", "builder")


def builds(p: Principal) -> bool:
    """Configure everything: record types, rules, runs, packs (owners, builders; not through a narrowed token)."""
    return p.role in ("owner", "builder") and p.kind in (None, "full")


def builds_read(p: Principal) -> bool:
    return p.role in ("owner", "builder") and p.kind != "narrow"


def owns(p: Principal) -> bool:
    return p.role == "owner" and p.kind in (None, "full")


def owns_read(p: Principal) -> bool:
    return p.role == "owner" and p.kind != "narrow"


def reads_roles(p: Principal) -> bool:
    return owns_read(p) or builds(p)


def nobody(p: Principal) -> bool:
    return False


@dataclass(frozen=True)
class Case:
    endpoint: str
    method: str
    url: str
    allow: Callable[[Principal], bool]
    ok: Status = OK
    deny: Status = DENY
    body: Optional[dict] = None  # JSON (API) or form data (admin)
    fresh: dict = field(default_factory=dict)  # url placeholder -> World method making a disposable target
    variant: str = ""
    #: a known hole: the reason for principals whose case fails today (a strict xfail: fixing it fails the
    #: test until the mark goes); none are left since issue #15
    xfail: Callable[[Principal], Optional[str]] = lambda p: None
    multipart: bool = False

    @property
    def id(self) -> str:
        return f"{self.method} {self.endpoint}" + (f"[{self.variant}]" if self.variant else "")

    @property
    def admin(self) -> bool:
        return self.url.startswith("/admin") or self.url.startswith("/f/") or self.url.startswith("/static")


C = Case
E: dict = {}  # an empty JSON body: a write route that is reachable refuses it (VALID)
GONE = frozenset({302, 403, 404})  # the admin's answer for a record out of reach: back to the list, as for no record
NEW_DEAL = {"title": "New", "region": "east"}
CHANGE = {"fields": {"title": "Changed"}, "version": 1}
AT_CHANGE = {"records": [{"id": "rec{rid}", "fields": {"Title": "Changed"}}]}
AT_REPLACE = {"records": [{"id": "rec{rid}", "fields": {"Title": "Changed", "Region": "east"}}]}

API: list[Case] = [
    # records
    C("api.list_records", "GET", "/api/v1/records/deal", signed),
    C("api.list_records", "GET", "/api/v1/records/vault", reads_vault, variant="vault"),
    C("api.aggregate_records", "GET", "/api/v1/records/deal/aggregate?group_by=created_by", signed),
    C("api.aggregate_records", "GET", "/api/v1/records/vault/aggregate", reads_vault, variant="vault"),
    C("api.create_record", "POST", "/api/v1/records/deal", writes_deal, body={"fields": NEW_DEAL}),
    C("api.create_record", "POST", "/api/v1/records/vault", writes_vault, body={"fields": {"title": "New"}},
      variant="vault"),
    C("api.get_record", "GET", "/api/v1/records/deal/{east}", signed),
    C("api.get_record", "GET", "/api/v1/records/deal/{west}", reads_other_rows, variant="out-of-rows"),
    C("api.get_record", "GET", "/api/v1/records/vault/{vault_rec}", reads_vault, variant="vault"),
    C("api.update_record", "PATCH", "/api/v1/records/deal/{rid}", writes_deal, body=CHANGE, fresh={"rid": "fresh_deal"}),
    C("api.update_record", "PATCH", "/api/v1/records/deal/{rid}", lambda p: writes_deal(p) and builtin(p),
      body=CHANGE, fresh={"rid": "fresh_west_deal"}, variant="out-of-rows"),
    # the restricted role's limits on a write: read-only field, hidden field (unknown to it), rows (#15 item 7)
    C("api.update_record", "PATCH", "/api/v1/records/deal/{rid}", lambda p: writes_deal(p) and builtin(p),
      body={"fields": {"locked_note": "x"}, "version": 1}, fresh={"rid": "fresh_deal"}, variant="read-only field"),
    C("api.update_record", "PATCH", "/api/v1/records/deal/{rid}", lambda p: writes_deal(p) and builtin(p),
      deny=frozenset({401, 403, 404, 422}), body={"fields": {"secret_note": "x"}, "version": 1},
      fresh={"rid": "fresh_deal"}, variant="hidden field"),
    C("api.update_record", "PATCH", "/api/v1/records/deal/{rid}", lambda p: writes_deal(p) and builtin(p),
      deny=frozenset({401, 403, 404, 422}), body={"fields": {"region": "west"}, "version": 1},
      fresh={"rid": "fresh_deal"}, variant="out of its rows"),
    C("api.delete_record", "DELETE", "/api/v1/records/deal/{rid}", deletes_deal, fresh={"rid": "fresh_deal"}),
    C("api.restore_record", "POST", "/api/v1/records/deal/{rid}/restore", deletes_deal,
      fresh={"rid": "fresh_deleted_deal"}),
    C("api.get_history", "GET", "/api/v1/records/deal/{east}/history", signed),
    C("api.get_history", "GET", "/api/v1/records/deal/{west}/history", reads_other_rows, variant="out-of-rows"),
    C("api.attach_to_record", "POST", "/api/v1/records/deal/{rid}/attachments/doc", writes_deal,
      body={"version": "1", "file": "@txt"}, fresh={"rid": "fresh_deal"}, multipart=True),
    C("api.batch_create", "POST", "/api/v1/records/deal/batch", writes_deal, body={"records": [{"fields": NEW_DEAL}]}),
    C("api.export_records", "GET", "/api/v1/records/deal/export?format=csv", signed),
    C("api.export_records", "GET", "/api/v1/records/vault/export?format=csv", reads_vault, variant="vault"),
    C("api.import_records", "POST", "/api/v1/records/deal/import", deletes_deal, body={"file": "@csv"}, multipart=True),
    C("api.import_records", "POST", "/api/v1/records/{name}/import?create_type=1", builds, body={"file": "@csv"},
      fresh={"name": "fresh_name"}, multipart=True, variant="create a type"),
    C("api.infer_type", "POST", "/api/v1/import/infer", writes, body={"file": "@csv"}, multipart=True),
    C("api.trash", "GET", "/api/v1/trash", builds),
    # comments (recordbase.comments): who reads the record reads and writes them (not a read-only token);
    # the author edits; the author or who configures the type deletes
    C("api.list_comments", "GET", "/api/v1/records/deal/{east}/comments", signed),
    C("api.list_comments", "GET", "/api/v1/records/deal/{west}/comments", reads_other_rows, variant="out-of-rows"),
    C("api.add_comment", "POST", "/api/v1/records/deal/{east}/comments", writes, body={"body": "hello"}),
    C("api.add_comment", "POST", "/api/v1/records/deal/{west}/comments", lambda p: writes(p) and builtin(p),
      body={"body": "hello"}, variant="out-of-rows"),
    C("api.edit_comment", "PATCH", "/api/v1/records/deal/{east}/comments/{cid}", nobody, body={"body": "changed"},
      fresh={"cid": "fresh_comment"}, variant="another's comment"),
    C("api.delete_comment", "DELETE", "/api/v1/records/deal/{east}/comments/{cid}", configures_deal,
      fresh={"cid": "fresh_comment"}),
    # attachments
    C("api.upload_attachment", "POST", "/api/v1/attachments", writes_deal,
      body={"type": "deal", "field": "doc", "file": "@txt"}, multipart=True),
    C("api.download_attachment", "GET", "/api/v1/attachments/{attachment}", signed),
    # the metamodel
    C("api.list_types", "GET", "/api/v1/types", signed),
    C("api.create_type", "POST", "/api/v1/types", builds, body={"name": "{name}", "label": "New type"},
      fresh={"name": "fresh_name"}),
    C("api.get_type", "GET", "/api/v1/types/deal", signed),
    C("api.get_type", "GET", "/api/v1/types/vault", reads_vault, variant="vault"),
    C("api.update_type", "PATCH", "/api/v1/types/deal", configures_deal, VALID, body=E),
    C("api.delete_type", "DELETE", "/api/v1/types/{type}", builds, fresh={"type": "fresh_type"}),
    C("api.restore_type", "POST", "/api/v1/types/deal/restore", configures_deal, VALID),
    C("api.list_fields", "GET", "/api/v1/types/deal/fields", signed),
    C("api.add_field", "POST", "/api/v1/types/deal/fields", configures_deal,
      body={"name": "{name}", "label": "New field", "type": "text"}, fresh={"name": "fresh_name"}),
    C("api.get_field", "GET", "/api/v1/types/deal/fields/title", signed),
    C("api.get_field", "GET", "/api/v1/types/deal/fields/secret_note", builtin, variant="hidden field"),
    C("api.update_field", "PATCH", "/api/v1/types/deal/fields/title", configures_deal, VALID, body=E),
    C("api.delete_field", "DELETE", "/api/v1/types/{scratch}/fields/{field}", builds, fresh={"field": "fresh_field"}),
    C("api.restore_field", "POST", "/api/v1/types/deal/fields/title/restore", configures_deal, VALID),
    C("api.reorder_fields", "POST", "/api/v1/types/deal/fields/order", configures_deal, VALID, body=E),
    C("api.get_form_layout", "GET", "/api/v1/types/deal/layout", signed),
    C("api.get_form_layout", "GET", "/api/v1/types/vault/layout", reads_vault, variant="vault"),
    C("api.set_form_layout", "PUT", "/api/v1/types/deal/layout", configures_deal, VALID, body=E),
    C("api.openapi_document", "GET", "/api/v1/openapi.json", signed),
    # public forms
    C("api.create_form", "POST", "/api/v1/types/deal/forms", configures_deal, VALID, body=E),
    C("api.list_forms", "GET", "/api/v1/types/deal/forms", configures_deal),
    C("api.get_form", "GET", "/api/v1/forms/{form}", configures_deal),
    C("api.update_form", "PATCH", "/api/v1/forms/{form}", configures_deal, VALID, body=E),
    C("api.delete_form", "DELETE", "/api/v1/forms/{fid}", configures_deal, fresh={"fid": "fresh_form"}),
    # users, roles, tokens, audit: owners' matters
    C("api.list_users", "GET", "/api/v1/users", owns_read),
    C("api.create_user", "POST", "/api/v1/users", owns, VALID, body=E),
    C("api.get_user", "GET", "/api/v1/users/bystander@example.com", owns_read),
    C("api.get_user", "GET", "/api/v1/users/{me}", signed, variant="own"),
    C("api.update_user", "PATCH", "/api/v1/users/{email}", owns, VALID, body=E, fresh={"email": "fresh_user"}),
    C("api.update_user", "PATCH", "/api/v1/users/{me}", lambda p: signed(p) and p.kind == "full", VALID, body=E,
      variant="own"),
    C("api.update_user", "PATCH", "/api/v1/users/{me}", nobody, body={"password": "a new long password 1"},
      deny=frozenset({400, 401, 403, 404, 422}), variant="own password without the current one"),
    C("api.list_roles", "GET", "/api/v1/roles", reads_roles),
    C("api.create_role", "POST", "/api/v1/roles", owns, VALID, body=E),
    C("api.get_role", "GET", "/api/v1/roles/regional", reads_roles),
    C("api.update_role", "PATCH", "/api/v1/roles/regional", owns, VALID, body=E),
    C("api.delete_role", "DELETE", "/api/v1/roles/{role}", owns, fresh={"role": "fresh_role"}),
    C("api.list_tokens", "GET", "/api/v1/tokens", signed),
    C("api.new_token", "POST", "/api/v1/tokens", lambda p: writes(p) and p.kind == "full", VALID, body=E),
    C("api.revoke_token", "DELETE", "/api/v1/tokens/{tid}", owns, fresh={"tid": "fresh_token_id"}),
    C("api.audit", "GET", "/api/v1/audit", owns_read),
    C("api.me", "GET", "/api/v1/me", signed),
    # automation: builders' and owners' matters; running a rule needs the right to update the record
    C("api.list_rules", "GET", "/api/v1/rules", reads_deal_rules),
    C("api.get_rule", "GET", "/api/v1/rules/{rule}", reads_deal_rules),
    C("api.rule_runs", "GET", "/api/v1/rules/{rule}/runs", reads_deal_rules),
    C("api.list_runs", "GET", "/api/v1/runs", reads_deal_rules),
    C("api.get_run", "GET", "/api/v1/runs/{run}", reads_deal_rules),
    C("api.create_rule", "POST", "/api/v1/rules", configures_deal, body=webhook_rule("New rule", enabled=False)),
    C("api.update_rule", "PATCH", "/api/v1/rules/{rule}", configures_deal, VALID, body=E),
    C("api.delete_rule", "DELETE", "/api/v1/rules/{rid}", configures_deal, fresh={"rid": "fresh_rule"}),
    C("api.retry", "POST", "/api/v1/runs/{run}/retry", configures_deal, VALID),
    C("api.run_rule", "POST", "/api/v1/rules/{button_rule}/run", writes_deal, VALID,
      body={"record_id": "{east}"}),
    C("api.run_rule", "POST", "/api/v1/rules/{button_rule}/run", lambda p: writes_deal(p) and builtin(p), VALID,
      body={"record_id": "{west}"}, variant="out-of-rows"),
    # a dry run may be refused to whoever may not run the rule, or shown without what the caller may not see
    C("api.run_rule", "POST", "/api/v1/rules/{rule}/run", signed, frozenset({200, 403, 404, 409}),
      body={"record_id": "{east}", "dry_run": True}, variant="dry run"),
    C("api.notifications", "GET", "/api/v1/notifications", signed),
    C("api.read_all", "POST", "/api/v1/notifications/read", writes, VALID, body=E),
    C("api.read_notification", "POST", "/api/v1/notifications/999999/read", writes, frozenset({404}),
      frozenset({401, 403})),
    C("api.patch_notification", "PATCH", "/api/v1/notifications/999999", writes, frozenset({404}),
      frozenset({401, 403}), body={"read": True}),
    # workflows (recordbase.workflow): transitions follow update rights (deal's has no 'allowed' list)
    C("api.record_transitions", "GET", "/api/v1/records/deal/{east}/transitions", signed),
    C("api.record_transitions", "GET", "/api/v1/records/deal/{west}/transitions", reads_other_rows,
      variant="out-of-rows"),
    C("api.take_transition", "POST", "/api/v1/records/deal/{rid}/transitions/advance", writes_deal, body=E,
      fresh={"rid": "fresh_deal"}),
    C("api.record_approvals", "GET", "/api/v1/records/deal/{east}/approvals", signed),
    C("api.record_approvals", "GET", "/api/v1/records/deal/{west}/approvals", reads_other_rows, variant="out-of-rows"),
    C("api.list_workflows", "GET", "/api/v1/workflows", signed),
    C("api.get_workflow", "GET", "/api/v1/workflows/deal", signed),
    C("api.put_workflow", "PUT", "/api/v1/workflows/deal", configures_deal, VALID, body=E),
    C("api.delete_workflow", "DELETE", "/api/v1/workflows/{wf}", builds, fresh={"wf": "fresh_workflow"}),
    C("api.my_approvals", "GET", "/api/v1/approvals", signed),
    C("api.list_delegations", "GET", "/api/v1/delegations", signed),
    C("api.create_delegation", "POST", "/api/v1/delegations", writes, VALID, body=E),
    C("api.delete_delegation", "DELETE", "/api/v1/delegations/{did}", nobody, fresh={"did": "fresh_delegation"},
      variant="another's"),
    # views
    C("api.list_views", "GET", "/api/v1/views", signed),
    C("api.create_view", "POST", "/api/v1/views", writes, VALID, body=E),  # a personal view: anyone who reads
    C("api.get_view", "GET", "/api/v1/views/{view}", signed),
    C("api.update_view", "PATCH", "/api/v1/views/{view}", edits_views, VALID, body=E),
    C("api.delete_view", "DELETE", "/api/v1/views/{vid}", edits_views, fresh={"vid": "fresh_view"}),
    # packs
    C("api.list_packs", "GET", "/api/v1/packs", signed),
    C("api.get_pack", "GET", "/api/v1/packs/crm", signed),
    C("api.install_pack", "POST", "/api/v1/packs/install", builds, VALID, body=E),
    C("api.uninstall_pack", "POST", "/api/v1/packs/nope/uninstall", builds, frozenset({404}), frozenset({401, 403})),
    C("api.export_pack", "POST", "/api/v1/packs/export", builds, VALID, body=E),
    C("api.export_pack", "POST", "/api/v1/packs/export", builds, body={"types": ["deal"], "records": True},
      variant="deal with records"),
    # the Airtable-compatible API
    C("airtable.bases", "GET", "/v0/meta/bases", signed),
    C("airtable.tables", "GET", f"/v0/meta/bases/{BASE[4:]}/tables", signed),
    C("airtable.whoami", "GET", "/v0/meta/whoami", signed),
    C("airtable.list_records", "GET", f"{BASE}/deal", signed),
    C("airtable.list_records", "GET", f"{BASE}/vault", reads_vault, variant="vault"),
    C("airtable.list_records", "POST", f"{BASE}/deal/listRecords", signed, body=E),
    C("airtable.create_records", "POST", f"{BASE}/deal", writes_deal,
      body={"records": [{"fields": {"Title": "New", "Region": "east"}}]}),
    C("airtable.update_records", "PATCH", f"{BASE}/deal", writes_deal, body=AT_CHANGE, fresh={"rid": "fresh_deal"}),
    # PUT replaces every field, read-only ones too: refused to a role with read-only fields (regional)
    C("airtable.update_records", "PUT", f"{BASE}/deal", replaces_deal, body=AT_REPLACE, fresh={"rid": "fresh_deal"}),
    C("airtable.delete_records", "DELETE", f"{BASE}/deal?records[]=rec{{rid}}", deletes_deal,
      fresh={"rid": "fresh_deal"}),
    C("airtable.get_record", "GET", f"{BASE}/deal/rec{{east}}", signed),
    C("airtable.get_record", "GET", f"{BASE}/deal/rec{{west}}", reads_other_rows, variant="out-of-rows"),
    C("airtable.update_record", "PATCH", f"{BASE}/deal/rec{{rid}}", writes_deal, body={"fields": {"Title": "Changed"}},
      fresh={"rid": "fresh_deal"}),
    C("airtable.update_record", "PUT", f"{BASE}/deal/rec{{rid}}", replaces_deal,
      body={"fields": {"Title": "Changed", "Region": "east"}}, fresh={"rid": "fresh_deal"}),
    C("airtable.update_record", "PATCH", f"{BASE}/deal/rec{{rid}}", lambda p: writes_deal(p) and builtin(p),
      deny=frozenset({401, 403, 404, 422}), body={"fields": {"Region": "west"}}, fresh={"rid": "fresh_deal"},
      variant="out of its rows"),
    C("airtable.update_record", "PATCH", f"{BASE}/deal/rec{{rid}}", lambda p: writes_deal(p) and builtin(p),
      body={"fields": {"Title": "Changed"}}, fresh={"rid": "fresh_west_deal"}, variant="out-of-rows"),
    C("airtable.delete_record", "DELETE", f"{BASE}/deal/rec{{rid}}", deletes_deal, fresh={"rid": "fresh_deal"}),
]
