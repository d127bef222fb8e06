"""Parsing formulas with lark (LALR), and turning lark's errors into plain sentences.

Precedence, lowest first (as in Excel): one comparison ``= != <> < <= > >=``
(comparisons do not chain: ``1 < 2 < 3`` is refused, use AND), then ``&``,
then ``+ -``, then ``* / %``, then unary ``-``/``+``. A leading ``=`` (an
Excel habit) is allowed and ignored.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, Optional

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from .budget import DEPTH_CEILING, FormulaBudget, depth_error
from .errors import FormulaError
from .nodes import Binary, Boolean, Call, FieldRef, Node, Number, String, Unary, field_refs

#: deeper trees are always refused (see :mod:`.budget`); keeps the checker and evaluator far from
#: Python's recursion limit.
MAX_DEPTH = DEPTH_CEILING

GRAMMAR = r"""
start: EQ? expr

?expr: concat
     | concat COMP concat              -> binary

?concat: additive
       | concat AMP additive           -> binary

?additive: multiplicative
         | additive (PLUS | MINUS) multiplicative    -> binary

?multiplicative: unary
               | multiplicative (STAR | SLASH | PERCENT) unary   -> binary

?unary: atom
      | (PLUS | MINUS) unary           -> unary

?atom: NUMBER                          -> number
     | STRING                          -> string
     | FIELD                           -> field
     | NAME LPAR [args] RPAR           -> call
     | NAME                            -> name
     | LPAR expr RPAR                  -> group

args: expr (COMMA expr)*

COMP: "!=" | "<>" | "<=" | ">=" | "==" | "<" | ">" | "="
EQ: "="
AMP: "&"
PLUS: "+"
MINUS: "-"
STAR: "*"
SLASH: "/"
PERCENT: "%"
LPAR: "("
RPAR: ")"
COMMA: ","
NUMBER: /(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/
STRING: /"(?:[^"\\]|\\.)*"/s | /'(?:[^'\\]|\\.)*'/s
FIELD: /\{(?:[^}\\]|\\.)*\}/s
NAME: /[A-Za-z_][A-Za-z0-9_]*/
WS: /[ \t\r\n\f\u00a0\u3000]+/
%ignore WS
"""

_PARSER = Lark(GRAMMAR, parser="lalr", lexer="contextual", maybe_placeholders=True)

_STRING_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}
_OPS = {"<>": "!=", "==": "="}
_FULL_WIDTH = {"（": "(", "）": ")", "，": ",", "“": '"', "”": '"', "‘": "'", "’": "'", "｛": "{", "｝": "}",
               "＋": "+", "－": "-", "＊": "*", "／": "/", "＝": "=", "＜": "<", "＞": ">", "＆": "&"}
_VALUE_STARTS = {"NUMBER", "STRING", "FIELD", "NAME", "LPAR"}
_TOKEN_NOUN = {"NUMBER": "number", "STRING": "text", "FIELD": "field reference", "NAME": "name"}


def unescape_string(quoted: str) -> str:
    r"""The value of a quoted string: ``\n \t \r`` are control characters, any other ``\x`` is ``x``."""
    body = quoted[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append(_STRING_ESCAPES.get(nxt, nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def unescape_ref(braced: str) -> str:
    r"""The reference inside ``{...}``: ``\}`` is ``}`` and ``\\`` is ``\``; other backslashes stay."""
    body = braced[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body) and body[i + 1] in "}\\":
            out.append(body[i + 1])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out).strip()


def escape_ref(name: str) -> str:
    """``name`` written as a field reference: ``{...}`` with backslashes and ``}`` escaped."""
    return "{" + name.replace("\\", "\\\\").replace("}", "\\}") + "}"


def parse(expression: str, budget: Optional[FormulaBudget] = None) -> Node:
    """Parse a formula into a tree of :mod:`~recordbase.metamodel.formula.nodes`.

    Raises :class:`FormulaError` (and nothing else) for any text that is not a
    formula, with the 1-based line and column of the problem. With a ``budget`` (a formula
    being saved, or one a request brings) its length and depth limits apply too; without
    one (a stored formula) only the depth ceiling does.
    """
    if not isinstance(expression, str):
        raise FormulaError("the formula must be text")
    if not expression.strip():
        raise FormulaError("the formula is empty", 1, 1)
    if budget is not None:
        budget.check_length(expression)
    max_depth = budget.depth if budget is not None else MAX_DEPTH
    try:
        tree = _PARSER.parse(expression)
    except UnexpectedInput as exc:
        raise _syntax_error(expression, exc) from None
    except LarkError as exc:  # pragma: no cover - lark raises UnexpectedInput for bad input
        raise FormulaError(f"cannot read the formula ({exc})") from None
    expr = tree.children[-1]
    try:
        return _convert(expr, 0, max_depth)
    except RecursionError:
        raise depth_error(max_depth) from None


def _tok(t: Token) -> tuple[int, int]:
    return t.line or 1, t.column or 1


def _start(node: Node) -> tuple[int, int]:
    return node.line, node.column


def _convert(item: Any, depth: int, limit: int) -> Node:
    if depth > limit:
        line, col = _first_pos(item)
        raise depth_error(limit, col, line)
    if isinstance(item, Token):  # pragma: no cover - every token is wrapped by a rule
        raise FormulaError(f"unexpected '{item}'", item.column, item.line)
    kind = item.data
    ch = item.children
    if kind == "number":
        line, col = _tok(ch[0])
        return Number(Decimal(str(ch[0])), line, col)
    if kind == "string":
        line, col = _tok(ch[0])
        return String(unescape_string(str(ch[0])), line, col)
    if kind == "field":
        tok = ch[0]
        line, col = _tok(tok)
        ref = unescape_ref(str(tok))
        if not ref:
            raise FormulaError("empty field reference {}", col, line)
        return FieldRef(ref, line, col, tok.start_pos or 0, tok.end_pos or 0)
    if kind == "name":
        tok = ch[0]
        line, col = _tok(tok)
        upper = str(tok).upper()
        if upper in ("TRUE", "FALSE"):
            return Boolean(upper == "TRUE", line, col)
        raise FormulaError(f"unknown name '{tok}'", col, line,
                           f"write a field reference in braces, like {{{tok}}}, or call a function: {upper}(...)")
    if kind == "call":
        name_tok, _lpar, args, _rpar = ch
        line, col = _tok(name_tok)
        upper = str(name_tok).upper()
        arg_nodes = tuple(_convert(a, depth + 1, limit) for a in args.children
                          if not isinstance(a, Token)) if args else ()
        if upper in ("TRUE", "FALSE") and not arg_nodes:
            return Boolean(upper == "TRUE", line, col)
        return Call(upper, arg_nodes, line, col)
    if kind == "group":
        return _convert(ch[1], depth + 1, limit)
    if kind == "unary":
        op, operand = ch
        line, col = _tok(op)
        return Unary(str(op), _convert(operand, depth + 1, limit), line, col)
    if kind == "binary":
        left, op, right = ch
        lnode = _convert(left, depth + 1, limit)
        rnode = _convert(right, depth + 1, limit)
        op_line, op_col = _tok(op)
        return Binary(_OPS.get(str(op), str(op)), lnode, rnode, lnode.line, lnode.column, op_line, op_col)
    raise AssertionError(f"unhandled rule {kind}")  # pragma: no cover


def _first_pos(item: Any) -> tuple[int, int]:
    """The position of the first token under a lark tree (iterative)."""
    stack = [item]
    while stack:
        cur = stack.pop()
        if isinstance(cur, Token):
            return _tok(cur)
        if isinstance(cur, Tree):
            stack.extend(reversed([c for c in cur.children if c is not None]))
    return 1, 1


def _end_position(text: str) -> tuple[int, int]:
    """Line and column just after the last non-blank character."""
    stripped = text.rstrip()
    line = stripped.count("\n") + 1
    col = len(stripped) - (stripped.rfind("\n") + 1) + 1
    return line, col


def _accepted(exc: UnexpectedToken) -> set[str]:
    """The terminals the parser would have taken here (exact, unlike the merged LALR lookaheads)."""
    ip = getattr(exc, "interactive_parser", None)
    if ip is not None:
        try:
            return set(ip.accepts())
        except Exception:  # pragma: no cover - fall back to lark's approximate set
            pass
    return set(exc.expected or ())


def _expected_hint(expected: set[str]) -> str:
    if expected & _VALUE_STARTS:
        return "expected a value"
    wanted = [w for t, w in (("COMMA", "','"), ("RPAR", "')'")) if t in expected]
    if wanted:
        return "expected an operator, " + " or ".join(wanted) if len(wanted) > 1 else \
            f"expected an operator or {wanted[0]}"
    return "expected an operator or the end of the formula"


def _syntax_error(text: str, exc: UnexpectedInput) -> FormulaError:
    if isinstance(exc, UnexpectedCharacters):
        line, col = exc.line, exc.column
        char = exc.char
        if char in "\"'":
            return FormulaError("unterminated text: the quote is never closed", col, line)
        if char == "{":
            return FormulaError("unterminated field reference: '{' is never closed with '}'", col, line)
        if char in _FULL_WIDTH:
            return FormulaError(f"unexpected character '{char}'", col, line, f"write '{_FULL_WIDTH[char]}' instead")
        return FormulaError(f"unexpected character '{char}'", col, line)
    if isinstance(exc, UnexpectedToken):
        tok = exc.token
        expected = _accepted(exc)
        if tok.type == "$END":
            line, col = _end_position(text)
            return FormulaError("unexpected end of formula", col, line, _expected_hint(expected))
        line, col = _tok(tok)
        shown = str(tok) if len(str(tok)) <= 30 else str(tok)[:27] + "..."
        noun = _TOKEN_NOUN.get(tok.type)
        what = f"unexpected {noun} '{shown}'" if noun else f"unexpected '{shown}'"
        if tok.type == "COMP" and not expected & _VALUE_STARTS:
            hint = "comparisons cannot be chained; use AND()"
        elif tok.type == "LPAR" and not expected & _VALUE_STARTS:
            hint = "only a function name may come right before '('"
        else:
            hint = _expected_hint(expected)
        return FormulaError(what, col, line, hint)
    line, col = getattr(exc, "line", 1) or 1, getattr(exc, "column", 1) or 1  # pragma: no cover
    return FormulaError("cannot read the formula", col, line)  # pragma: no cover


def canonicalize(expression: str, rename: Callable[[str], Optional[str]]) -> str:
    """Rewrite every field reference through ``rename`` (reference text -> new name, or None to keep).

    Everything else (spacing, case, layout) is left as written. Typical use: store
    formulas with API names (``{score}``) whatever label the user typed, so renaming a label
    never breaks a formula; or show them with labels for editing.
    """
    node = parse(expression)
    out = expression
    for ref in sorted(field_refs(node), key=lambda r: r.start, reverse=True):
        new = rename(ref.ref)
        if new is not None:
            out = out[:ref.start] + escape_ref(new) + out[ref.end:]
    return out
