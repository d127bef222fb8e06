"""Lookups, rollups and counts over the REST API, kept up to date as children change.

A parent type aggregates its children in two separate ways (parametrised):
``many``    — through a many-link on the parent (``options.link`` = the parent's link field),
``reverse`` — through the reverse side of the child's one-link (``options.link`` = ``"task.project"``).
"""
from __future__ import annotations

import json

import pytest

from .helpers import error, ok

ROLLUPS = {  # name: (target_field, function, filter)
    "total": ("hours", "sum", None),
    "avg_hours": ("hours", "avg", None),
    "n_hours": ("hours", "count", None),
    "min_hours": ("hours", "min", None),
    "max_hours": ("hours", "max", None),
    "latest_due": ("due", "latest", None),
    "earliest_due": ("due", "earliest", None),
    "names": ("name", "concat", None),
    "n_named": ("name", "count_nonempty", None),
    "all_done": ("done", "and", None),
    "any_done": ("done", "or", None),
    "done_hours": ("hours", "sum", {"field": "done", "op": "eq", "value": True}),
}


class Tree:
    """A project/task schema over the API, in one of the two link modes, plus a model of the expected values."""

    def __init__(self, rest, mode: str):
        self.rest, self.mode = rest, mode
        rest.make_type("project", [{"name": "name", "label": "Name", "type": "text"}])
        task_fields = [{"name": "name", "label": "Name", "type": "text"},
                       {"name": "hours", "label": "Hours", "type": "number"},
                       {"name": "due", "label": "Due", "type": "date"},
                       {"name": "done", "label": "Done", "type": "boolean"}]
        if mode == "reverse":
            task_fields.append({"name": "project", "label": "Project", "type": "link", "options": {"target": "project"}})
        rest.make_type("task", task_fields)
        if mode == "many":
            rest.add_field("project", {"name": "tasks", "label": "Tasks", "type": "link",
                                       "options": {"target": "task", "many": True, "on_delete": "unlink"}})
        self.link = "tasks" if mode == "many" else "task.project"
        for name, (target, fn, flt) in ROLLUPS.items():
            opts = {"link": self.link, "target_field": target, "function": fn}
            if flt:
                opts["filter"] = flt
            rest.add_field("project", {"name": name, "label": name, "type": "rollup", "options": opts})
        rest.add_field("project", {"name": "n_tasks", "label": "Tasks count", "type": "count",
                                   "options": {"link": self.link}})
        rest.add_field("project", {"name": "n_open", "label": "Open tasks", "type": "count",
                                   "options": {"link": self.link, "filter": {"field": "done", "op": "is_false"}}})
        rest.add_field("project", {"name": "task_names", "label": "Task names", "type": "lookup",
                                   "options": {"link": self.link, "target_field": "name"}})
        rest.add_field("project", {"name": "load", "label": "Load", "type": "formula",
                                   "options": {"expression": 'IF({total} > 10, "busy", "ok")'}})
        rest.add_field("project", {"name": "per_task", "label": "Per task", "type": "formula",
                                   "options": {"expression": "ROUND({total} / {n_tasks}, 2)"}})
        self.members: dict[int, list[int]] = {}  # project -> task ids (in link order)
        self.tasks: dict[int, dict] = {}

    def project(self, name: str) -> int:
        pid = self.rest.create("project", name=name)["id"]
        self.members[pid] = []
        return pid

    def add_task(self, pid: int | None, **values) -> int:
        if self.mode == "reverse":
            values["project"] = pid
        tid = self.rest.create("task", **values)["id"]
        self.tasks[tid] = {"name": None, "hours": None, "due": None, "done": None, **values}
        if pid is not None:
            self.members[pid].append(tid)
            if self.mode == "many":
                self.rest.update("project", pid, tasks=self.members[pid])
        return tid

    def edit(self, tid: int, **values) -> None:
        self.rest.update("task", tid, **values)
        self.tasks[tid].update(values)

    def move(self, tid: int, src: int, dst: int) -> None:
        self.members[src].remove(tid)
        self.members[dst].append(tid)
        if self.mode == "reverse":
            self.rest.update("task", tid, project=dst)
        else:
            self.rest.update("project", src, tasks=self.members[src])
            self.rest.update("project", dst, tasks=self.members[dst])

    def trash(self, tid: int) -> None:
        self.rest.delete("task", tid)
        for m in self.members.values():
            if tid in m:
                m.remove(tid)
        self.trashed = getattr(self, "trashed", {})
        self.trashed[tid] = [p for p, m in self.members.items()]

    def expected(self, pid: int) -> dict:
        ts = [self.tasks[t] for t in self.members[pid]]
        hours = [t["hours"] for t in ts if t["hours"] is not None]
        dues = [t["due"] for t in ts if t["due"] is not None]
        names = [t["name"] for t in ts if t["name"]]
        total = sum(hours)
        return {
            "total": total, "avg_hours": (sum(hours) / len(hours)) if hours else None, "n_hours": len(ts),
            "min_hours": min(hours) if hours else None, "max_hours": max(hours) if hours else None,
            "latest_due": max(dues) if dues else None, "earliest_due": min(dues) if dues else None,
            "names": ", ".join(names) or None, "n_named": len(names),
            # AND/OR of no children is blank, and a blank checkbox reads as false
            "all_done": all(bool(t["done"]) for t in ts) if ts else False,
            "any_done": any(bool(t["done"]) for t in ts) if ts else False,
            "done_hours": sum(t["hours"] or 0 for t in ts if t["done"] is True),
            "n_tasks": len(ts), "n_open": len([t for t in ts if t["done"] is not True]),
            "task_names": ", ".join(names) or None,
            "load": "busy" if total > 10 else "ok",
            "per_task": round(total / len(ts), 2) if ts else None,
        }

    def check(self, *pids: int) -> None:
        for pid in pids:
            got = self.rest.values("project", pid)
            want = self.expected(pid)
            for k, v in want.items():
                if isinstance(v, float):
                    assert got[k] == pytest.approx(v), (pid, k, got[k], v)
                else:
                    assert got[k] == v, (pid, k, got[k], v, got)


@pytest.fixture(params=["many", "reverse"])
def tree(request, rest) -> Tree:
    return Tree(rest, request.param)


def test_field_options_get_their_result_types(tree):
    types = {n: tree.rest.field("project", n)["options"]["result_type"] for n in list(ROLLUPS) + ["n_tasks", "task_names"]}
    assert types == {"total": "number", "avg_hours": "number", "n_hours": "number", "min_hours": "number",
                     "max_hours": "number", "latest_due": "date", "earliest_due": "date", "names": "text",
                     "n_named": "number", "all_done": "boolean", "any_done": "boolean", "done_hours": "number",
                     "n_tasks": "number", "task_names": "text"}
    for n in ROLLUPS:
        assert tree.rest.field("project", n)["read_only"] is True


def test_empty_parent(tree):
    pid = tree.project("empty")
    tree.check(pid)
    v = tree.rest.values("project", pid)
    assert v["total"] == 0 and v["n_tasks"] == 0 and v["avg_hours"] is None and v["load"] == "ok"


def test_add_edit_trash_restore_and_move_update_parents_at_once(tree):
    a, b = tree.project("A"), tree.project("B")
    t1 = tree.add_task(a, name="design", hours=4, due="2025-03-01", done=True)
    tree.check(a, b)
    t2 = tree.add_task(a, name="build", hours=8, due="2025-05-01", done=False)
    t3 = tree.add_task(a, name=None, hours=None, due=None, done=None)
    tree.check(a, b)
    assert tree.rest.values("project", a)["load"] == "busy"
    tree.edit(t2, hours=2.5)
    tree.check(a)
    assert tree.rest.values("project", a)["load"] == "ok"
    tree.edit(t3, name="test", due="2025-06-30", done=True, hours=1)
    tree.check(a)
    tree.edit(t1, done=False)
    tree.check(a)
    # move: both parents change
    tree.move(t2, a, b)
    tree.check(a, b)
    assert tree.rest.values("project", b)["names"] == "build"
    # trash a child: its parent drops it at once
    tree.trash(t3)
    tree.check(a, b)
    # restore it: back in its parent (a many-link that trashing unlinked is put back, last)
    tree.rest.restore("task", t3)
    tree.members[a].append(t3)
    tree.check(a, b)
    # the parent's own write keeps the values
    tree.rest.update("project", a, name="A2")
    tree.check(a, b)


def test_trash_and_restore_the_parent_keeps_its_values(tree):
    a = tree.project("A")
    tree.add_task(a, name="x", hours=3)
    tree.check(a)
    if tree.mode == "reverse":
        error(tree.rest.api.delete(f"/api/v1/records/project/{a}"), 409)  # tasks still link to it
    else:
        tree.rest.delete("project", a)
        tree.rest.restore("project", a)
        tree.check(a)


def test_sort_and_filter_the_parent_list_by_a_rollup(tree):
    pids = [tree.project(n) for n in ("p0", "p1", "p2", "p3")]
    for pid, hours in zip(pids, ([1, 2], [10], [], [3, 4, 5])):
        for h in hours:
            tree.add_task(pid, name=f"t{h}", hours=h)
    listed = tree.rest.list("project", sort="-total")
    assert [r["fields"]["name"] for r in listed] == ["p3", "p1", "p0", "p2"]
    assert [r["fields"]["total"] for r in listed] == [12, 10, 3, 0]
    listed = tree.rest.list("project", sort="total")
    assert [r["fields"]["name"] for r in listed] == ["p2", "p0", "p1", "p3"]
    flt = json.dumps({"field": "total", "op": "gt", "value": 5})
    assert sorted(r["fields"]["name"] for r in tree.rest.list("project", filter=flt)) == ["p1", "p3"]
    flt = json.dumps({"and": [{"field": "load", "op": "eq", "value": "busy"}, {"field": "n_tasks", "op": "gte", "value": 2}]})
    assert [r["fields"]["name"] for r in tree.rest.list("project", filter=flt)] == ["p3"]
    # a write changes what the filter finds at once
    t = tree.add_task(pids[0], name="big", hours=20)
    flt = json.dumps({"field": "total", "op": "gt", "value": 5})
    assert sorted(r["fields"]["name"] for r in tree.rest.list("project", filter=flt)) == ["p0", "p1", "p3"]
    tree.edit(t, hours=0)
    assert sorted(r["fields"]["name"] for r in tree.rest.list("project", filter=flt)) == ["p1", "p3"]
    listed = tree.rest.list("project", sort="-latest_due,name")
    assert [r["fields"]["name"] for r in listed]  # sorting on a date rollup works too


def test_adding_a_rollup_fills_existing_parents(tree):
    a, b = tree.project("A"), tree.project("B")
    tree.add_task(a, name="x", hours=2)
    tree.add_task(a, name="y", hours=5)
    tree.add_task(b, name="z", hours=7)
    tree.rest.add_field("project", {"name": "peak", "label": "Peak", "type": "rollup",
                                    "options": {"link": tree.link, "target_field": "hours", "function": "max"}})
    assert tree.rest.values("project", a)["peak"] == 5 and tree.rest.values("project", b)["peak"] == 7


def test_child_lookup_of_parent_follows_parent_changes(rest):
    tree = Tree(rest, "reverse")
    rest.add_field("task", {"name": "project_name", "label": "Project name", "type": "lookup",
                            "options": {"link": "project", "target_field": "name"}})
    rest.add_field("task", {"name": "project_total", "label": "Project total", "type": "lookup",
                            "options": {"link": "project", "target_field": "total"}})
    rest.add_field("task", {"name": "share", "label": "Share", "type": "formula",
                            "options": {"expression": "IF({project_total} = 0, 0, ROUND({hours} / {project_total}, 2))"}})
    assert rest.field("task", "project_name")["options"]["result_type"] == "text"
    assert rest.field("task", "project_total")["options"]["result_type"] == "number"
    a, b = tree.project("Alpha"), tree.project("Beta")
    t1 = tree.add_task(a, name="x", hours=1)
    t2 = tree.add_task(a, name="y", hours=3)
    assert rest.values("task", t1)["project_name"] == "Alpha"
    # a sibling's write changes the parent's total and so this task's lookup and share
    assert rest.values("task", t1)["project_total"] == 4 and rest.values("task", t1)["share"] == 0.25
    rest.update("project", a, name="Alpha 2")
    assert rest.values("task", t1)["project_name"] == "Alpha 2" and rest.values("task", t2)["project_name"] == "Alpha 2"
    tree.move(t2, a, b)
    assert rest.values("task", t2)["project_name"] == "Beta" and rest.values("task", t2)["share"] == 1
    assert rest.values("task", t1)["project_total"] == 1 and rest.values("task", t1)["share"] == 1
    rest.update("task", t1, project=None)
    # no project: the lookups are blank, and blank = 0 is false, so the share divides by zero: blank
    assert rest.values("task", t1)["project_name"] is None and rest.values("task", t1)["project_total"] is None
    assert rest.values("task", t1)["share"] is None


def test_aggregate_options_are_checked(rest):
    Tree(rest, "reverse")
    bad = [({"link": "nosuch", "target_field": "hours", "function": "sum"}, "nosuch"),
           ({"link": "task.nosuch", "target_field": "hours", "function": "sum"}, "task.nosuch"),
           ({"link": "task.project", "target_field": "nosuch", "function": "sum"}, "nosuch"),
           ({"link": "task.project", "target_field": "name", "function": "sum"}, "sum"),
           ({"link": "task.project", "target_field": "name", "function": "latest"}, "latest"),
           ({"link": "task.project", "target_field": "hours", "function": "median"}, "median"),
           ({"link": "task.project", "target_field": "hours", "function": "sum",
             "filter": {"field": "nosuch", "op": "eq", "value": 1}}, "nosuch")]
    for opts, word in bad:
        err = error(rest.api.post("/api/v1/types/project/fields", json={
            "name": "bad", "label": "Bad", "type": "rollup", "options": opts}))
        assert word in json.dumps(err), (opts, err)
    assert "bad" not in rest.field_names("project")


def test_rollup_over_a_reverse_many_link(rest):
    """The reverse side of another type's many-link: tags aggregate the articles that list them."""
    rest.make_type("tag", [{"name": "name", "label": "Name", "type": "text"}])
    rest.make_type("article", [{"name": "words", "label": "Words", "type": "number"},
                               {"name": "tags", "label": "Tags", "type": "link", "options": {"target": "tag", "many": True}}])
    rest.add_field("tag", {"name": "words", "label": "Words", "type": "rollup",
                           "options": {"link": "article.tags", "target_field": "words", "function": "sum"}})
    rest.add_field("tag", {"name": "articles", "label": "Articles", "type": "count", "options": {"link": "article.tags"}})
    x, y = rest.create("tag", name="x")["id"], rest.create("tag", name="y")["id"]
    a1 = rest.create("article", words=100, tags=[x, y])["id"]
    rest.create("article", words=50, tags=[y])
    assert (rest.values("tag", x)["words"], rest.values("tag", y)["words"]) == (100, 150)
    rest.update("article", a1, tags=[y])
    assert (rest.values("tag", x)["words"], rest.values("tag", x)["articles"]) == (0, 0)
    assert (rest.values("tag", y)["words"], rest.values("tag", y)["articles"]) == (150, 2)
    rest.delete("article", a1)
    assert rest.values("tag", y)["words"] == 50
    rest.restore("article", a1)
    assert rest.values("tag", y)["words"] == 150


def test_changing_a_child_formula_updates_parent_rollups(rest):
    tree = Tree(rest, "reverse")
    rest.add_field("task", {"name": "cost", "label": "Cost", "type": "formula", "options": {"expression": "{hours} * 10"}})
    rest.add_field("project", {"name": "cost", "label": "Cost", "type": "rollup",
                               "options": {"link": "task.project", "target_field": "cost", "function": "sum"}})
    rest.add_field("project", {"name": "budget_ok", "label": "Budget OK", "type": "formula",
                               "options": {"expression": "{cost} <= 100"}})
    a = tree.project("A")
    tree.add_task(a, hours=2)
    tree.add_task(a, hours=3)
    assert rest.values("project", a)["cost"] == 50 and rest.values("project", a)["budget_ok"] is True
    ok(rest.api.patch("/api/v1/types/task/fields/cost", json={"options": {"expression": "{hours} * 100"}}))
    assert rest.values("project", a)["cost"] == 500
    assert rest.values("project", a)["budget_ok"] is False
