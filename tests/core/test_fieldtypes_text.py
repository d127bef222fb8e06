"""Text-like field types: text, long_text, email, url, phone."""
from __future__ import annotations

import pytest

from recordbase.metamodel.fieldtypes import ValueContext

from .helpers import clean, fd

ACCEPT = [
    ("text", "  hello  ", {}, "hello"),
    ("text", "供应商 A", {}, "供应商 A"),
    ("text", 42, {}, "42"),
    ("text", "x" * 255, {}, "x" * 255),
    ("text", "", {}, None),
    ("text", "   ", {}, None),
    ("text", None, {}, None),
    ("text", "abc", {"max_length": 3}, "abc"),
    ("long_text", "line 1\nline 2", {}, "line 1\nline 2"),
    ("long_text", "y" * 5000, {}, "y" * 5000),
    ("email", "a@b.co", {}, "a@b.co"),
    ("email", " zhang.san+tag@example.com.cn ", {}, "zhang.san+tag@example.com.cn"),
    ("url", "https://example.com/a?b=1#c", {}, "https://example.com/a?b=1#c"),
    ("url", "HTTP://EXAMPLE.COM", {}, "HTTP://EXAMPLE.COM"),
    ("url", "http://例子.中国/路径", {}, "http://例子.中国/路径"),
    ("phone", "+86 138-0013-8000", {}, "+86 138-0013-8000"),
    ("phone", "(010) 1234 5678 转 123", {}, "(010) 1234 5678 转 123"),
    ("phone", "555-1234 ext. 12", {}, "555-1234 ext. 12"),
    ("phone", "13800138000", {}, "13800138000"),
]

REFUSE = [
    ("text", "x" * 256, {}, "at most 255"),
    ("text", "abcd", {"max_length": 3}, "at most 3"),
    ("text", True, {}, "text"),
    ("text", {"a": 1}, {}, "text"),
    ("text", ["a"], {}, "text"),
    ("email", "a@b", {}, "not a valid email"),
    ("email", "no-at-sign.com", {}, "not a valid email"),
    ("email", "a b@c.com", {}, "not a valid email"),
    ("email", "<a@b.co>", {}, "not a valid email"),
    ("email", "a@@b.co", {}, "not a valid email"),
    ("url", "javascript:alert(1)", {}, "not a valid http(s) URL"),
    ("url", "JavaScript://example.com/%0aalert(1)", {}, "not a valid http(s) URL"),
    ("url", "data:text/html,<script>x</script>", {}, "not a valid http(s) URL"),
    ("url", "ftp://example.com/file", {}, "not a valid http(s) URL"),
    ("url", "http://", {}, "not a valid http(s) URL"),
    ("url", "example.com", {}, "not a valid http(s) URL"),
    ("url", "https://exa mple.com", {}, "not a valid http(s) URL"),
    ("phone", "abc", {}, "not a valid phone"),
    ("phone", "12", {}, "not a valid phone"),
    ("phone", "call me", {}, "not a valid phone"),
    ("phone", "+86 138 <script>", {}, "not a valid phone"),
    ("text", "a\x00b", {}, "NUL"),
    ("long_text", "line\x00", {}, "NUL"),
    ("email", "a\x00@b.co", {}, "NUL"),
]


@pytest.mark.parametrize("ftype,raw,options,expected", ACCEPT)
def test_clean_accepts(ftype, raw, options, expected):
    assert clean(ftype, raw, options) == expected


@pytest.mark.parametrize("ftype,raw,options,message", REFUSE)
def test_clean_refuses(ftype, raw, options, message):
    with pytest.raises(ValueError) as exc:
        clean(ftype, raw, options)
    assert message in str(exc.value)


@pytest.mark.parametrize("ftype,value", [("text", "供应商"), ("long_text", "a\nb"), ("email", "a@b.co"),
                                         ("url", "https://example.com/x"), ("phone", "+86 10 1234 5678")])
def test_json_and_text_round_trip(ftype, value):
    f = fd(ftype)
    ctx = ValueContext()
    assert f.ftype.clean(f.ftype.to_json(value, f, ctx), f, ctx) == value
    assert f.ftype.parse_text(f.ftype.format(value, f, ctx), f, ctx) == value
    assert f.ftype.format(None, f, ctx) == ""


@pytest.mark.parametrize("ftype,options,problem", [
    ("text", {"max_length": 0}, "options.max_length"),
    ("text", {"max_length": 256}, "options.max_length"),
    ("text", {"colour": "red"}, "colour"),
    ("email", {"x": 1}, "x"),
])
def test_bad_options_refused(ftype, options, problem):
    problems = fd(ftype).ftype.validate_options(options)
    assert problems and any(problem in p for p in problems), problems


def test_text_types_are_searchable_and_offer_text_operators():
    for name in ("text", "long_text", "email", "url", "phone"):
        ft = fd(name).ftype
        assert ft.searchable
        assert {"eq", "contains", "starts_with", "is_empty"} <= set(ft.operators)
