"""The syntax tree :func:`~recordbase.metamodel.formula.parse` returns.

Nodes are small immutable dataclasses. Every node carries the 1-based
``line`` and ``column`` where it starts, so later stages (the type checker)
can say where a problem is without the source text.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterator, Union


@dataclass(frozen=True)
class Number:
    value: Decimal
    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class String:
    value: str
    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class Boolean:
    """``TRUE``/``FALSE`` (bare or called: ``TRUE()``)."""

    value: bool
    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class FieldRef:
    """``{Field label}`` or ``{api_name}``: ``ref`` is the text inside the braces, unescaped.

    ``start``/``end`` are 0-based offsets of the whole ``{...}`` in the source,
    used to rewrite references (see :func:`canonicalize`).
    """

    ref: str
    line: int = 1
    column: int = 1
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class Unary:
    op: str  # "-" or "+"
    operand: "Node"
    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class Binary:
    """An operator between two operands. ``line``/``column`` are the left operand's start;
    ``op_line``/``op_column`` the operator's."""

    op: str  # + - * / % & = != < <= > >=
    left: "Node"
    right: "Node"
    line: int = 1
    column: int = 1
    op_line: int = 1
    op_column: int = 1


@dataclass(frozen=True)
class Call:
    """A function call; ``name`` is upper-cased (function names are case-insensitive)."""

    name: str
    args: tuple["Node", ...]
    line: int = 1
    column: int = 1


Node = Union[Number, String, Boolean, FieldRef, Unary, Binary, Call]


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    return ()


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children, left to right (iterative: no recursion limit)."""
    stack: list[Node] = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(children(n)))


def field_refs(node: Node) -> list[FieldRef]:
    """The field references in source order."""
    return [n for n in walk(node) if isinstance(n, FieldRef)]


def position_of(node: Node) -> tuple[int, int]:
    return node.line, node.column


__all__ = ["Number", "String", "Boolean", "FieldRef", "Unary", "Binary", "Call", "Node",
           "children", "walk", "field_refs", "position_of"]
