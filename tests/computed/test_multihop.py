"""Recompute across two links: KPI result -> evaluation total -> supplier average score."""
from __future__ import annotations

import pytest

from .helpers import ok


class Chain:
    """supplier <- evaluation <- kpi_result, linked either by one-links on the children (aggregated
    through their reverse side) or by many-links on the parents."""

    def __init__(self, rest, mode: str):
        self.rest, self.mode = rest, mode
        rest.make_type("supplier", [{"name": "name", "label": "Name", "type": "text"}])
        rest.make_type("evaluation", [{"name": "period", "label": "Period", "type": "text"}])
        rest.make_type("kpi_result", [{"name": "kpi", "label": "KPI", "type": "text"},
                                      {"name": "score", "label": "Score", "type": "number"},
                                      {"name": "weight", "label": "Weight", "type": "number"}])
        if mode == "reverse":
            rest.add_field("evaluation", {"name": "supplier", "label": "Supplier", "type": "link",
                                          "options": {"target": "supplier"}})
            rest.add_field("kpi_result", {"name": "evaluation", "label": "Evaluation", "type": "link",
                                          "options": {"target": "evaluation"}})
            results_link, evaluations_link = "kpi_result.evaluation", "evaluation.supplier"
        else:
            rest.add_field("evaluation", {"name": "results", "label": "Results", "type": "link",
                                          "options": {"target": "kpi_result", "many": True, "on_delete": "unlink"}})
            rest.add_field("supplier", {"name": "evaluations", "label": "Evaluations", "type": "link",
                                        "options": {"target": "evaluation", "many": True, "on_delete": "unlink"}})
            results_link, evaluations_link = "results", "evaluations"
        rest.add_field("kpi_result", {"name": "weighted", "label": "Weighted score", "type": "formula",
                                      "options": {"expression": "{score} * {weight}"}})
        rest.add_field("evaluation", {"name": "total", "label": "Total", "type": "rollup",
                                      "options": {"link": results_link, "target_field": "weighted", "function": "sum"}})
        rest.add_field("evaluation", {"name": "grade", "label": "Grade", "type": "formula",
                                      "options": {"expression": 'IF({total} >= 90, "A", IF({total} >= 75, "B", "C"))'}})
        rest.add_field("supplier", {"name": "avg_score", "label": "Average score", "type": "rollup",
                                    "options": {"link": evaluations_link, "target_field": "total", "function": "avg"}})
        rest.add_field("supplier", {"name": "best_grade", "label": "Best grade", "type": "rollup",
                                    "options": {"link": evaluations_link, "target_field": "grade", "function": "concat"}})
        rest.add_field("supplier", {"name": "status", "label": "Status", "type": "formula",
                                    "options": {"expression": 'IF({avg_score} < 60, "at risk", "ok")'}})
        self.children: dict[tuple[str, int], list[int]] = {}

    def supplier(self, name: str) -> int:
        sid = self.rest.create("supplier", name=name)["id"]
        self.children[("supplier", sid)] = []
        return sid

    def _attach(self, parent_type: str, link: str, pid: int, child_type: str, cid: int) -> None:
        self.children.setdefault((parent_type, pid), []).append(cid)
        if self.mode == "many":
            self.rest.update(parent_type, pid, **{link: self.children[(parent_type, pid)]})

    def evaluation(self, sid: int, period: str) -> int:
        values = {"period": period}
        if self.mode == "reverse":
            values["supplier"] = sid
        eid = self.rest.create("evaluation", **values)["id"]
        self._attach("supplier", "evaluations", sid, "evaluation", eid)
        return eid

    def result(self, eid: int, kpi: str, score: float, weight: float) -> int:
        values = {"kpi": kpi, "score": score, "weight": weight}
        if self.mode == "reverse":
            values["evaluation"] = eid
        rid = self.rest.create("kpi_result", **values)["id"]
        self._attach("evaluation", "results", eid, "kpi_result", rid)
        return rid

    def move_result(self, rid: int, src: int, dst: int) -> None:
        self.children[("evaluation", src)].remove(rid)
        self.children[("evaluation", dst)].append(rid)
        if self.mode == "reverse":
            self.rest.update("kpi_result", rid, evaluation=dst)
        else:
            self.rest.update("evaluation", src, results=self.children[("evaluation", src)])
            self.rest.update("evaluation", dst, results=self.children[("evaluation", dst)])


@pytest.fixture(params=["reverse", "many"])
def chain(request, rest) -> Chain:
    return Chain(rest, request.param)


def test_one_kpi_result_change_reaches_the_supplier(chain):
    rest = chain.rest
    s1, s2 = chain.supplier("Acme"), chain.supplier("Globex")
    e1 = chain.evaluation(s1, "2025Q1")
    e2 = chain.evaluation(s1, "2025Q2")
    e3 = chain.evaluation(s2, "2025Q1")
    r1 = chain.result(e1, "quality", 90, 0.5)
    chain.result(e1, "delivery", 80, 0.5)
    r3 = chain.result(e2, "quality", 50, 1)
    chain.result(e3, "quality", 100, 1)
    assert rest.values("evaluation", e1)["total"] == 85 and rest.values("evaluation", e1)["grade"] == "B"
    assert rest.values("supplier", s1)["avg_score"] == 67.5 and rest.values("supplier", s1)["status"] == "ok"
    assert rest.values("supplier", s1)["best_grade"] == "B, C"
    # one KPI result: its weighted score, its evaluation's total and grade, the supplier's average and status
    r = rest.update("kpi_result", r1, score=100)
    assert r["fields"]["weighted"] == 50
    assert rest.values("evaluation", e1)["total"] == 90 and rest.values("evaluation", e1)["grade"] == "A"
    assert rest.values("supplier", s1)["avg_score"] == 70 and rest.values("supplier", s1)["best_grade"] == "A, C"
    rest.update("kpi_result", r3, weight=0.2)  # e2: 10
    assert rest.values("supplier", s1)["avg_score"] == 50 and rest.values("supplier", s1)["status"] == "at risk"
    assert rest.values("supplier", s2)["avg_score"] == 100  # untouched
    # moving a KPI result to another supplier's evaluation updates both chains
    chain.move_result(r3, e2, e3)
    assert rest.values("evaluation", e2)["total"] == 0 and rest.values("evaluation", e3)["total"] == 110
    assert rest.values("supplier", s1)["avg_score"] == 45 and rest.values("supplier", s2)["avg_score"] == 110
    # trashing a KPI result and an evaluation
    rest.delete("kpi_result", r1)
    assert rest.values("evaluation", e1)["total"] == 40 and rest.values("supplier", s1)["avg_score"] == 20
    if chain.mode == "reverse":
        rest.delete("kpi_result", chain.children[("evaluation", e3)][0])
        rest.restore("kpi_result", r1)
        assert rest.values("evaluation", e1)["total"] == 90 and rest.values("supplier", s1)["avg_score"] == 45
        assert rest.values("supplier", s2)["avg_score"] == 10
        rest.delete("kpi_result", r3)
        rest.delete("evaluation", e3)
        # no evaluations: the average is blank, and a comparison with a blank is false
        assert rest.values("supplier", s2)["avg_score"] is None and rest.values("supplier", s2)["status"] == "ok"
    else:
        rest.delete("evaluation", e2)  # unlinked from the supplier
        assert rest.values("supplier", s1)["avg_score"] == 40


def test_changing_the_kpi_formula_reaches_the_supplier(chain):
    rest = chain.rest
    s = chain.supplier("Acme")
    e = chain.evaluation(s, "2025Q1")
    chain.result(e, "quality", 80, 0.5)
    chain.result(e, "delivery", 60, 0.5)
    assert rest.values("supplier", s)["avg_score"] == 70
    ok(rest.api.patch("/api/v1/types/kpi_result/fields/weighted", json={"options": {"expression": "{score}"}}))
    assert rest.values("evaluation", e)["total"] == 140 and rest.values("supplier", s)["avg_score"] == 140
