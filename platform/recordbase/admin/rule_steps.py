"""What each step of an automation run did, in words, in the page's language: "Set Status → At risk on
Supplier A", "Created Corrective action Improve delivery", "Notified Zhang Wei", "Called https://…:
HTTP 200", "Submit for review on Contract 12: Draft → Pending approval".

Used by the run history and a rule's test run instead of the steps' result JSON (which stays one click
away for experts). Records are named by title (:class:`~recordbase.storage.titles.RecordTitles`, as the
reader sees them), field values as the record pages show them, users by name, states and transitions
by their labels. :meth:`StepWords.prime` reads what a page of runs names in a few queries.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import func, select

from ..models import User
from ..storage.titles import RecordTitles
from ..workflow.service import workflow_of
from .records.forms import history_value_text
from .records.present import presenter


def _words(text: str) -> Markup:
    """A translated sentence whose arguments were escaped (see :meth:`StepWords._say`)."""
    return Markup(text)


class StepWords:
    """One page's step sentences (``store``: the reader's record store; ``words``: the page's RuleWords)."""

    def __init__(self, store: Any, words: Any):
        self.store = store
        self.words = words
        self.lang = words.lang
        self.titles: dict[tuple[str, int], str] = {}
        self.users: dict[str, str] = {}

    # -- reading what a page names -------------------------------------------------------
    def prime(self, runs: Iterable[dict]) -> "StepWords":
        """Read the titles of the records and the names of the users the steps of ``runs`` name."""
        pairs: set[tuple[str, int]] = set()
        emails: set[str] = set()
        for run in runs:
            for step in run.get("steps") or ():
                for result in self._results(step.get("result")):
                    if isinstance(result.get("type"), str) and isinstance(result.get("id"), int):
                        pairs.add((result["type"], result["id"]))
                    emails.update(e for e in result.get("notified") or () if isinstance(e, str))
                    if isinstance(result.get("assigned"), str):
                        emails.add(result["assigned"])
        known = [p for p in pairs if p[0] in self.store.schema.types]
        self.titles.update(RecordTitles.for_store(self.store).of_pairs(known))
        if emails:
            rows = self.store.session.execute(select(User.email, User.display_name).where(
                func.lower(User.email).in_([e.lower() for e in emails])))
            self.users.update({email.lower(): name or email for email, name in rows})
        return self

    @staticmethod
    def _results(result: Any) -> list[dict]:
        if isinstance(result, dict):
            return [result] + [r for r in result.get("updated") or () if isinstance(r, dict)]
        return []

    # -- parts ---------------------------------------------------------------------------
    def record(self, type_name: Any, record_id: Any) -> Markup:
        """A record by its title (a link to its page), or "Type #id" when the reader has no title for it."""
        typedef = self.store.schema.types.get(type_name) if isinstance(type_name, str) else None
        if typedef is None or not isinstance(record_id, int):
            return escape(f"{type_name} #{record_id}")
        title = self.titles.get((type_name, record_id))
        if title is None:
            return escape(f"{typedef.display_label(self.lang)} #{record_id}")
        href = url_for("records.details_view", type_name=type_name, id=record_id)
        return Markup('<a class="rb-step-record" href="{}">{}</a>').format(href, title)

    def user(self, email: Any) -> str:
        return self.users.get(str(email).lower(), str(email)) if email else ""

    def _visible(self, type_name: Any) -> Optional[Any]:
        if not isinstance(type_name, str) or type_name not in self.store.schema.types \
                or not self.store.can("read", type_name):
            return None
        return self.store.visible_type(type_name)

    def values(self, type_name: Any, values: Any, changed: Any = None) -> Markup:
        """``Status → At risk, Score → 60`` (fields by label, values as the record pages show them); a
        run from before results kept their values names the fields changed only."""
        typedef = self._visible(type_name)
        if typedef is None:
            return Markup("")
        parts = []
        if not isinstance(values, dict):
            labels = [f.display_label(self.lang) for f in (typedef.field(n) for n in changed or ()) if f is not None]
            return escape(", ".join(labels))
        for name, value in values.items():
            f = typedef.field(name)
            if f is None:  # hidden from the reader, or gone
                continue
            shown = history_value_text(presenter(typedef), f, value) if value not in (None, "", []) else _("(empty)")
            parts.append(escape(_("%(field)s → %(value)s", field=f.display_label(self.lang), value=shown)))
        return Markup(", ").join(parts)

    # -- one step ------------------------------------------------------------------------
    def describe(self, step: dict) -> Markup:
        """What the step did (or will do, or failed to do), as one sentence of HTML."""
        action, result = step.get("action"), step.get("result")
        result = result if isinstance(result, dict) else {}
        payload = step.get("payload") if isinstance(step.get("payload"), dict) else {}
        status = step.get("status")
        say = getattr(self, "_" + str(action), None)
        text = say(result, payload, status) if say is not None else Markup("")
        if step.get("error"):
            error = _words(_("Failed: %(error)s", error=escape(step["error"])))
            text = Markup("{} {}").format(text, error) if text else error
        return text

    def _update_record(self, r: dict, payload: dict, status: Any) -> Markup:
        if not r:
            return Markup("")
        if not r.get("changed"):
            return _words(_("Nothing to change on %(record)s: the values were already set",
                            record=self.record(r.get("type"), r.get("id"))))
        return _words(_("Set %(values)s on %(record)s", values=self.values(r.get("type"), r.get("values"),
                                                                            r.get("changed")),
                        record=self.record(r.get("type"), r.get("id"))))

    def _create_record(self, r: dict, payload: dict, status: Any) -> Markup:
        if not r:
            return Markup("")
        typedef = self.store.schema.types.get(r.get("type"))
        label = typedef.display_label(self.lang) if typedef is not None else r.get("type")
        return _words(_("Created %(type)s %(record)s", type=escape(label), record=self.record(r.get("type"), r.get("id"))))

    def _update_linked(self, r: dict, payload: dict, status: Any) -> Markup:
        updated = [u for u in r.get("updated") or () if isinstance(u, dict)]
        if not updated:
            return _words(_("No linked records to update")) if r else Markup("")
        items = []
        for u in updated:
            what = self.values(u.get("type"), u.get("values"), u.get("changed")) if u.get("changed") \
                else escape(_("nothing to change"))
            items.append(Markup("{} ({})").format(self.record(u.get("type"), u.get("id")), what))
        return _words(_("Updated %(count)s linked records: %(records)s", count=len(updated),
                        records=Markup("; ").join(items)))

    def _notify(self, r: dict, payload: dict, status: Any) -> Markup:
        if not r:
            return Markup("")
        names = [self.user(e) for e in r.get("notified") or ()]
        text = _words(_("Notified %(users)s", users=escape(", ".join(names)))) if names \
            else _words(_("Nobody was notified"))
        if r.get("not_found"):
            text = Markup("{} {}").format(text, _words(_("(no active user for %(names)s)", names=escape(
                ", ".join(str(n) for n in r["not_found"])))))
        return text

    def _webhook(self, r: dict, payload: dict, status: Any) -> Markup:
        url = escape(payload.get("url") or "")
        if status == "succeeded":
            return _words(_("Called %(url)s: HTTP %(status)s", url=url, status=escape(r.get("status", ""))))
        if status in ("pending", "running"):
            return _words(_("Will call %(url)s", url=url))
        return _words(_("Could not call %(url)s", url=url))

    def _email(self, r: dict, payload: dict, status: Any) -> Markup:
        to = escape(self.user(r.get("sent_to") or payload.get("to")))
        if status == "succeeded":
            return _words(_("E-mailed %(user)s", user=to))
        if status in ("pending", "running"):
            return _words(_("Will e-mail %(user)s", user=to))
        return _words(_("Could not e-mail %(user)s", user=to))

    def _assign(self, r: dict, payload: dict, status: Any) -> Markup:
        if not r:
            return Markup("")
        if r.get("assigned") is None:
            return _words(_("No active user %(user)s: nobody was assigned", user=escape(r.get("not_found") or "")))
        user = escape(self.user(r["assigned"]))
        if not r.get("changed"):
            return _words(_("%(user)s was already assigned", user=user))
        return _words(_("Assigned to %(user)s", user=user))

    def _transition(self, r: dict, payload: dict, status: Any) -> Markup:
        if not r:
            return Markup("")
        type_name = r.get("type")
        typedef = self.store.schema.types.get(type_name)
        wf = workflow_of(self.store.session, typedef) if typedef is not None else None
        t = wf.transition(r.get("transition", "")) if wf is not None else None
        name = escape(t.display(self.lang) if t is not None else r.get("transition", ""))
        record = self.record(type_name, r.get("id"))
        if "skipped" in r:
            reason = _("the record is in the state %(state)s", state=self.state(wf, typedef, r["state"])) \
                if "state" in r else r["skipped"]
            return _words(_("%(transition)s was not taken on %(record)s: %(reason)s", transition=name,
                            record=record, reason=escape(reason)))
        return _words(_("%(transition)s on %(record)s: %(from)s → %(to)s", transition=name, record=record,
                        **{"from": escape(self.state(wf, typedef, r.get("from"))),
                           "to": escape(self.state(wf, typedef, r.get("to")))}))

    def state(self, wf: Any, typedef: Any, value: Any) -> str:
        """A workflow state by its choice's label in the page's language."""
        f = typedef.field(wf.state_field) if wf is not None and typedef is not None else None
        if f is None or value in (None, ""):
            return str(value or _("(empty)"))
        return history_value_text(presenter(typedef), f, value)
