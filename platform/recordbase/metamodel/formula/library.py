"""The function table: every formula function defined once — name, argument count and kinds,
result type, implementation, and a one-line description in English and Chinese.

Parameter kinds (see :data:`~.types.ACCEPTS`): ``number`` (numbers and TRUE/FALSE; blank is
0), ``numbers`` (numbers or lists of them, flattened), ``text`` (anything, as text),
``texts`` (anything, lists flattened), ``date`` (a date, datetime or date text), ``logical``
(anything, as true/false), ``any``. When ``max_args`` is None the last kind repeats.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

from . import fn_dates as D
from . import fn_logic as L
from . import fn_math as M
from . import fn_text as T
from .dates import CALENDAR_UNITS, UNITS, unit_name, week_start
from .nodes import Node, String
from .types import (ANY, BLANK, BOOLEAN, DATE, DATETIME, NUMBER, TEXT, TYPE_NOUN, comparable, unify)

#: (problem, the argument node it is about, advice) or None
StaticProblem = Optional[tuple[str, Node, Optional[str]]]
ResultRule = Callable[[list[str], tuple[Node, ...]], str]


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    params: tuple[str, ...]
    min_args: int
    max_args: Optional[int]
    result: Union[str, ResultRule]
    impl: Callable[..., Any]
    signature: str
    en: str
    zh: str
    category: str
    #: arguments are passed as thunks (IF, SWITCH, AND, OR evaluate only what they need)
    lazy: bool = False
    #: depends on the clock: such formulas need the daily refresh
    volatile: bool = False
    #: extra static checks on literal arguments (units, week starts, SWITCH patterns)
    check: Optional[Callable[[list[str], tuple[Node, ...]], StaticProblem]] = None

    def kind(self, index: int) -> str:
        return self.params[min(index, len(self.params) - 1)]

    def result_type(self, arg_types: list[str], args: tuple[Node, ...]) -> str:
        return self.result if isinstance(self.result, str) else self.result(arg_types, args)

    def arity_text(self) -> str:
        lo, hi = self.min_args, self.max_args
        plural = "argument" if (hi if hi is not None else lo) == 1 else "arguments"
        if hi == 0:
            return "no arguments"
        if hi is None:
            return f"at least {lo} {'argument' if lo == 1 else 'arguments'}"
        if lo == hi:
            return f"{lo} {plural}"
        if hi == lo + 1:
            return f"{lo} or {hi} arguments"
        return f"{lo} to {hi} arguments"


# -- result rules and static checks ----------------------------------------------------------

def _if_type(types: list[str], args: tuple[Node, ...]) -> str:
    return unify(types[1:] + ([] if len(types) == 3 else [BLANK]))


def _switch_parts(items: list[Any]) -> tuple[list[Any], list[Any], Optional[Any]]:
    rest = items[1:]
    pairs, default = (rest[:-1], rest[-1]) if len(rest) % 2 else (rest, None)
    return pairs[0::2], pairs[1::2], default


def _switch_type(types: list[str], args: tuple[Node, ...]) -> str:
    _, results, default = _switch_parts(types)
    return unify(results + [default if default is not None else BLANK])


def _switch_check(types: list[str], args: tuple[Node, ...]) -> StaticProblem:
    patterns, _, _ = _switch_parts(list(zip(types, args)))
    for ptype, node in patterns:
        if not comparable(types[0], ptype, ordering=False):
            return (f"SWITCH cannot compare {TYPE_NOUN[types[0]]} with {TYPE_NOUN[ptype]}", node, None)
    return None


def _dateadd_type(types: list[str], args: tuple[Node, ...]) -> str:
    if types[0] in (ANY, BLANK):
        return types[0]
    unit = args[2]
    if types[0] == DATE and isinstance(unit, String) and unit_name(unit.value) in CALENDAR_UNITS:
        return DATE
    return DATETIME


def _unit_check(index: int) -> Callable[[list[str], tuple[Node, ...]], StaticProblem]:
    def check(types: list[str], args: tuple[Node, ...]) -> StaticProblem:
        if len(args) > index and isinstance(args[index], String) and unit_name(args[index].value) is None:
            return (f"unknown unit '{args[index].value}'", args[index], "use one of " + ", ".join(UNITS))
        return None
    return check


def _week_check(types: list[str], args: tuple[Node, ...]) -> StaticProblem:
    if len(args) > 1 and isinstance(args[1], String) and week_start(args[1].value) is None:
        return (f"unknown start of week '{args[1].value}'", args[1], "use 'Sunday' or 'Monday'")
    return None


F = FunctionSpec
_LOGIC, _MATH, _TEXT, _DATE = "logical", "numeric", "text", "date"

FUNCTIONS: tuple[FunctionSpec, ...] = (
    F("IF", ("logical", "any", "any"), 2, 3, _if_type, L.if_,
      "IF(condition, value_if_true, [value_if_false])",
      "value_if_true when the condition is true, else value_if_false (blank when left out)",
      "条件成立时返回第二个参数，否则返回第三个参数（省略时为空）", _LOGIC, lazy=True),
    F("SWITCH", ("any",), 3, None, _switch_type, L.switch,
      "SWITCH(expression, pattern, result, [pattern, result ...], [default])",
      "the result of the first pattern equal to the expression, else the default (or blank)",
      "返回第一个与表达式相等的模式对应的结果，都不相等时返回默认值（或空）", _LOGIC, lazy=True, check=_switch_check),
    F("AND", ("logical",), 1, None, BOOLEAN, L.and_, "AND(condition, [condition ...])",
      "TRUE when every condition is true", "所有条件都成立时为 TRUE", _LOGIC, lazy=True),
    F("OR", ("logical",), 1, None, BOOLEAN, L.or_, "OR(condition, [condition ...])",
      "TRUE when at least one condition is true", "任一条件成立时为 TRUE", _LOGIC, lazy=True),
    F("NOT", ("logical",), 1, 1, BOOLEAN, L.not_, "NOT(condition)",
      "TRUE when the condition is false", "条件不成立时为 TRUE", _LOGIC),
    F("TRUE", ("any",), 0, 0, BOOLEAN, L.true_, "TRUE()", "the value true (also written TRUE)",
      "逻辑值“真”（也可写作 TRUE）", _LOGIC),
    F("FALSE", ("any",), 0, 0, BOOLEAN, L.false_, "FALSE()", "the value false (also written FALSE)",
      "逻辑值“假”（也可写作 FALSE）", _LOGIC),
    F("BLANK", ("any",), 0, 0, BLANK, L.blank, "BLANK()", "an empty value", "空值", _LOGIC),
    F("IS_BLANK", ("any",), 1, 1, BOOLEAN, L.is_blank_, "IS_BLANK(value)",
      "TRUE when the value is empty (blank, empty text or an empty list)", "值为空（空白、空文本或空列表）时为 TRUE", _LOGIC),
    F("ISBLANK", ("any",), 1, 1, BOOLEAN, L.is_blank_, "ISBLANK(value)",
      "same as IS_BLANK", "同 IS_BLANK", _LOGIC),
    F("RECORD_ID", ("any",), 0, 0, NUMBER, L.record_id, "RECORD_ID()",
      "the id of the record (blank before it is first saved)", "记录的 ID（首次保存前为空）", _LOGIC),
    # numeric
    F("ROUND", ("number", "number"), 1, 2, NUMBER, M.round_, "ROUND(number, [digits])",
      "the number rounded to digits decimals (default 0), halves away from zero",
      "按指定小数位数（默认 0）四舍五入", _MATH),
    F("ROUNDUP", ("number", "number"), 1, 2, NUMBER, M.roundup, "ROUNDUP(number, [digits])",
      "the number rounded away from zero to digits decimals", "按指定小数位数向远离零的方向舍入", _MATH),
    F("ROUNDDOWN", ("number", "number"), 1, 2, NUMBER, M.rounddown, "ROUNDDOWN(number, [digits])",
      "the number rounded toward zero to digits decimals", "按指定小数位数向零的方向舍入", _MATH),
    F("ABS", ("number",), 1, 1, NUMBER, M.abs_, "ABS(number)", "the number without its sign", "绝对值", _MATH),
    F("MOD", ("number", "number"), 2, 2, NUMBER, M.mod, "MOD(number, divisor)",
      "the remainder of the division, with the divisor's sign", "两数相除的余数（符号与除数相同）", _MATH),
    F("POWER", ("number", "number"), 2, 2, NUMBER, M.power, "POWER(base, exponent)",
      "base raised to the power exponent", "乘方", _MATH),
    F("SQRT", ("number",), 1, 1, NUMBER, M.sqrt, "SQRT(number)",
      "the square root (blank for a negative number)", "平方根（负数时为空）", _MATH),
    F("INT", ("number",), 1, 1, NUMBER, M.int_, "INT(number)",
      "the number rounded down to a whole number", "向下取整", _MATH),
    F("SUM", ("numbers",), 1, None, NUMBER, M.sum_, "SUM(number, [number ...])",
      "the total of the numbers (lists are added up)", "求和（列表中的数字都会相加）", _MATH),
    F("AVERAGE", ("numbers",), 1, None, NUMBER, M.average, "AVERAGE(number, [number ...])",
      "the mean of the numbers, blanks left out", "平均值（忽略空值）", _MATH),
    F("MIN", ("numbers",), 1, None, NUMBER, M.min_, "MIN(number, [number ...])",
      "the smallest of the numbers", "最小值", _MATH),
    F("MAX", ("numbers",), 1, None, NUMBER, M.max_, "MAX(number, [number ...])",
      "the largest of the numbers", "最大值", _MATH),
    F("VALUE", ("any",), 1, 1, NUMBER, T.value, "VALUE(text)",
      "the number written in the text, such as '1,234.5' or '50%' (blank when it is not a number)",
      "将文本转换为数字，如 '1,234.5'、'50%'（不是数字时为空）", _MATH),
    # text
    F("CONCATENATE", ("texts",), 1, None, TEXT, T.concatenate, "CONCATENATE(text, [text ...])",
      "the texts joined together (same as &)", "连接多个文本（同 &）", _TEXT),
    F("LEN", ("text",), 1, 1, NUMBER, T.len_, "LEN(text)", "the number of characters", "字符数", _TEXT),
    F("LOWER", ("text",), 1, 1, TEXT, T.lower, "LOWER(text)", "the text in lower case", "转为小写", _TEXT),
    F("UPPER", ("text",), 1, 1, TEXT, T.upper, "UPPER(text)", "the text in upper case", "转为大写", _TEXT),
    F("TRIM", ("text",), 1, 1, TEXT, T.trim, "TRIM(text)",
      "the text without leading and trailing spaces", "去掉首尾空格", _TEXT),
    F("LEFT", ("text", "number"), 1, 2, TEXT, T.left, "LEFT(text, [count])",
      "the first count characters (default 1)", "从左侧取指定个数的字符（默认 1）", _TEXT),
    F("RIGHT", ("text", "number"), 1, 2, TEXT, T.right, "RIGHT(text, [count])",
      "the last count characters (default 1)", "从右侧取指定个数的字符（默认 1）", _TEXT),
    F("MID", ("text", "number", "number"), 3, 3, TEXT, T.mid, "MID(text, start, count)",
      "count characters from position start (the first is 1)", "从第 start 个字符起取 count 个字符", _TEXT),
    F("FIND", ("text", "text", "number"), 2, 3, NUMBER, T.find, "FIND(search, text, [start])",
      "the position of search in text (from 1), 0 when not found", "查找文本出现的位置（从 1 起），找不到时为 0", _TEXT),
    F("SUBSTITUTE", ("text", "text", "text", "number"), 3, 4, TEXT, T.substitute,
      "SUBSTITUTE(text, old, new, [occurrence])",
      "the text with old replaced by new (only the given occurrence when set)",
      "将文本中的 old 替换为 new（指定第几处时只替换那一处）", _TEXT),
    F("TEXT", ("any",), 1, 1, TEXT, T.text, "TEXT(value)",
      "the value as text (numbers without trailing zeros, dates as YYYY-MM-DD)",
      "将值转换为文本（数字不带多余的零，日期为 YYYY-MM-DD）", _TEXT),
    # dates
    F("TODAY", ("any",), 0, 0, DATE, D.today, "TODAY()", "the current date in the instance time zone",
      "当前日期（按系统时区）", _DATE, volatile=True),
    F("NOW", ("any",), 0, 0, DATETIME, D.now, "NOW()", "the current date and time", "当前日期和时间", _DATE,
      volatile=True),
    F("DATEADD", ("date", "number", "text"), 3, 3, _dateadd_type, D.dateadd, "DATEADD(date, count, unit)",
      "the date plus count units (years, quarters, months, weeks, days, hours, minutes, seconds)",
      "在日期上加若干单位（年、季度、月、周、天、小时、分钟、秒）", _DATE, check=_unit_check(2)),
    F("DATETIME_DIFF", ("date", "date", "text"), 2, 3, NUMBER, D.datetime_diff,
      "DATETIME_DIFF(date1, date2, [unit])",
      "date1 minus date2 in whole units (default seconds)", "两个日期之差 date1 − date2，按单位取整（默认秒）",
      _DATE, check=_unit_check(2)),
    F("DATETIME_FORMAT", ("date", "text"), 1, 2, TEXT, D.datetime_format, "DATETIME_FORMAT(date, [format])",
      "the date as text, with YYYY YY MM M DD D HH H mm ss and [literal text]",
      "按格式（YYYY YY MM M DD D HH H mm ss，[ ] 内原样输出）将日期转为文本", _DATE),
    F("WEEKDAY", ("date", "text"), 1, 2, NUMBER, D.weekday, "WEEKDAY(date, [start of week])",
      "the day of the week, 0 for Sunday (or for Monday when the week starts on 'Monday')",
      "星期几，星期日为 0（一周从 'Monday' 开始时星期一为 0）", _DATE, check=_week_check),
    F("YEAR", ("date",), 1, 1, NUMBER, D.year, "YEAR(date)", "the year of the date", "年份", _DATE),
    F("MONTH", ("date",), 1, 1, NUMBER, D.month, "MONTH(date)", "the month of the date (1-12)",
      "月份（1–12）", _DATE),
    F("DAY", ("date",), 1, 1, NUMBER, D.day, "DAY(date)", "the day of the month (1-31)", "日（1–31）", _DATE),
    F("IS_BEFORE", ("date", "date"), 2, 2, BOOLEAN, D.is_before, "IS_BEFORE(date1, date2)",
      "TRUE when date1 is before date2", "date1 早于 date2 时为 TRUE", _DATE),
    F("IS_AFTER", ("date", "date"), 2, 2, BOOLEAN, D.is_after, "IS_AFTER(date1, date2)",
      "TRUE when date1 is after date2", "date1 晚于 date2 时为 TRUE", _DATE),
)

REGISTRY: dict[str, FunctionSpec] = {f.name: f for f in FUNCTIONS}


def get_function(name: str) -> Optional[FunctionSpec]:
    """The function called ``name`` (any case), or None."""
    return REGISTRY.get(name.upper())


def describe_functions(lang: str = "en") -> list[dict]:
    """Every function for docs and the formula editor: name, signature, category, result, description."""
    zh = lang.lower().startswith("zh")
    return [{"name": f.name, "signature": f.signature, "category": f.category,
             "result": f.result if isinstance(f.result, str) else ("取决于参数" if zh else "depends on the arguments"),
             "description": f.zh if zh else f.en, "volatile": f.volatile}
            for f in FUNCTIONS]
