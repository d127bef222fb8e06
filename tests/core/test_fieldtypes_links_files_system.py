"""Reference, file and read-only field types: link, user, attachment, autonumber, created/updated at/by."""
from __future__ import annotations

from datetime import datetime

import pytest

from recordbase.metamodel.fieldtypes import ValueContext

from .helpers import clean, fd

ONE = {"target": "supplier"}
MANY = {"target": "supplier", "many": True}


@pytest.mark.parametrize("options,raw,expected", [
    (ONE, 5, 5), (ONE, "5", 5), (ONE, " 7 ", 7), (ONE, {"id": 3}, 3), (ONE, None, None), (ONE, "", None),
    (MANY, [3, "4"], [3, 4]), (MANY, 9, [9]), (MANY, [{"id": 1}, 2], [1, 2]), (MANY, [], []), (MANY, None, []),
])
def test_link_accepts_ids(options, raw, expected):
    assert clean("link", raw, options) == expected


@pytest.mark.parametrize("options,raw", [
    (ONE, True), (ONE, "abc"), (ONE, 1.5), (ONE, [1, 2]), (ONE, {"name": "x"}), (MANY, ["x"]), (MANY, [True]),
    (MANY, [3, "4", 3]),  # a list naming a record twice (the document says uniqueItems)
])
def test_link_refuses_non_ids(options, raw):
    with pytest.raises(ValueError):
        clean("link", raw, options)


def test_link_refuses_missing_targets_naming_them():
    ctx = ValueContext(missing_links=lambda field, ids: {i for i in ids if i > 10})
    with pytest.raises(ValueError) as exc:
        clean("link", [1, 12, 11], MANY, ctx)
    assert "no supplier record with id 11, 12" in str(exc.value)
    assert clean("link", [1, 2], MANY, ctx) == [1, 2]


@pytest.mark.parametrize("options,problem", [
    ({}, "target"),
    ({"target": "Supplier"}, "options.target"),
    ({"target": "supplier", "many": "yes"}, "options.many"),
    ({"target": "supplier", "on_delete": "cascade"}, "options.on_delete"),
    ({"target": "nowhere"}, "no record type named 'nowhere'"),
])
def test_link_options_refused(options, problem):
    problems = fd("link").ftype.validate_options(options, lambda name: object() if name == "supplier" else None)
    assert problems and any(problem in p for p in problems), problems


def test_link_options_accepted():
    lookup = lambda name: object() if name == "supplier" else None  # noqa: E731
    for options in (ONE, MANY, {"target": "supplier", "on_delete": "unlink"}):
        assert fd("link").ftype.validate_options(options, lookup) == []


def test_link_format_and_json():
    one, many = fd("link", ONE), fd("link", MANY)
    ctx = ValueContext()
    assert one.ftype.to_json(3, one, ctx) == 3 and many.ftype.to_json([3, 4], many, ctx) == [3, 4]
    assert one.ftype.format(3, one, ctx) == "#3" and many.ftype.format([3, 4], many, ctx) == "#3, #4"
    assert many.ftype.json_schema(many)["type"] == "array"


def test_user_by_email_id_or_me():
    users = {"a@example.com": 7}
    ctx = ValueContext(resolve_user=lambda v: users.get(v.lower()) if isinstance(v, str) else None,
                       user_email=lambda uid: {7: "a@example.com"}.get(uid), current_user_id=9)
    f = fd("user")
    assert f.ftype.clean("A@example.com", f, ctx) == 7
    assert f.ftype.clean(" a@example.com ", f, ctx) == 7
    assert f.ftype.clean("@me", f, ctx) == 9
    assert f.ftype.to_json(7, f, ctx) == "a@example.com"
    assert f.ftype.clean(f.ftype.to_json(7, f, ctx), f, ctx) == 7
    assert f.ftype.clean(None, f, ctx) is None
    with pytest.raises(ValueError) as exc:
        f.ftype.clean("nobody@example.com", f, ctx)
    assert "nobody@example.com" in str(exc.value)


ATTACHMENTS = {
    "k1": {"key": "k1", "name": "report.pdf", "size": 1000, "content_type": "application/pdf"},
    "k2": {"key": "k2", "name": "photo.JPG", "size": 3 * 1024 * 1024, "content_type": "image/jpeg"},
    "k3": {"key": "k3", "name": "tool.exe", "size": 10, "content_type": "application/octet-stream"},
}
ACTX = ValueContext(attachment_info=lambda key, field: ATTACHMENTS.get(key))


def test_attachment_accepts_known_keys_once():
    f = fd("attachment")
    got = f.ftype.clean(["k1", {"key": "k2"}, "k1"], f, ACTX)
    assert [a["key"] for a in got] == ["k1", "k2"]
    assert f.ftype.from_db(f.ftype.to_db(got, f), f) == got
    assert [a["url"] for a in f.ftype.to_json(got, f, ACTX)] == ["/api/v1/attachments/k1", "/api/v1/attachments/k2"]
    assert f.ftype.clean(f.ftype.to_json(got, f, ACTX), f, ACTX) == got
    assert f.ftype.clean(None, f, ACTX) == [] and f.ftype.to_db([], f) is None


@pytest.mark.parametrize("options,raw,message", [
    ({}, ["nope"], "unknown attachment 'nope'"),
    ({"max_size_mb": 2}, ["k2"], "larger than 2 MB"),
    ({"allowed_types": [".pdf", "image/*"]}, ["k3"], "not an allowed file type"),
    ({"max_files": 1}, ["k1", "k2"], "at most 1 files"),
])
def test_attachment_limits(options, raw, message):
    f = fd("attachment", options)
    with pytest.raises(ValueError) as exc:
        f.ftype.clean(raw, f, ACTX)
    assert message in str(exc.value)


def test_attachment_type_patterns():
    f = fd("attachment", {"allowed_types": [".pdf", "image/*"]})
    assert [a["key"] for a in f.ftype.clean(["k1", "k2"], f, ACTX)] == ["k1", "k2"]


@pytest.mark.parametrize("options,problem", [
    ({"max_size_mb": 0}, "options.max_size_mb"),
    ({"max_files": 0}, "options.max_files"),
    ({"allowed_types": ["exe"]}, "options.allowed_types[0]"),
    ({"allowed_types": "pdf"}, "options.allowed_types"),
])
def test_attachment_options_refused(options, problem):
    problems = fd("attachment").ftype.validate_options(options)
    assert problems and any(problem in p for p in problems), problems


@pytest.mark.parametrize("pattern,number,expected", [
    ("CT-{YYYY}-{0000}", 7, "CT-2026-0007"),
    ("CT-{YYYY}-{0000}", 12345, "CT-2026-12345"),
    ("{YY}{MM}{DD}-{000}", 5, "260305-005"),
    ("{0}", 42, "42"),
    ("合同{0000}号", 3, "合同0003号"),
])
def test_autonumber_patterns(pattern, number, expected):
    f = fd("autonumber", {"pattern": pattern})
    assert f.ftype.generate(f, number, datetime(2026, 3, 5, 12, 0)) == expected


@pytest.mark.parametrize("pattern,problem", [
    ("CT-{YYYY}", "must contain a counter"),
    ("CT-", "must contain a counter"),
    ("{X}-{0000}", "only {YYYY}"),
    ("{0000}-{", "only {YYYY}"),
    ("", "options.pattern"),
    ("x" * 61 + "{0}", "options.pattern"),
])
def test_autonumber_pattern_refused(pattern, problem):
    problems = fd("autonumber").ftype.validate_options({"pattern": pattern})
    assert problems and any(problem in p for p in problems), problems


def test_autonumber_default_pattern_is_valid_and_read_only():
    ft = fd("autonumber").ftype
    assert ft.validate_options({}) == []
    assert ft.read_only


@pytest.mark.parametrize("name,column", [("created_at", "created_at"), ("updated_at", "updated_at"),
                                         ("created_by", "created_by"), ("updated_by", "updated_by")])
def test_system_aliases(name, column):
    ft = fd(name).ftype
    assert ft.read_only and not ft.has_column and ft.system_column == column
    with pytest.raises(ValueError) as exc:
        ft.clean("2026-01-01", fd(name), ValueContext())
    assert "set by the system" in str(exc.value)
