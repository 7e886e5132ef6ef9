"""The condition language of generic rules: a small expression over a dataset's records.

Rules written as data say when they apply and what must hold in expressions
such as ``AESER == 'Y' and (AESDTH == 'Y' or AESHOSP == 'Y')``. Grammar:

- names: a variable of the dataset (``--`` stands for its prefix), or
  ``DM.RFSTDTC`` - the value of another dataset's variable for the record's
  subject (the largest value when the subject has several records there);
- literals: ``'text'`` and numbers; ``''`` is the missing value;
- comparisons: ``==`` ``!=`` (text, stripped; where both sides are numbers,
  or text that reads as one, as numbers equal at XPT precision), ``~=`` ``!~=`` (case-insensitive), ``<`` ``<=`` ``>``
  ``>=`` (numbers, else ISO 8601 dates at the precision both have, else
  text; a missing side never compares), ``matches 'regex'`` (whole value),
  ``in ('a', 'b')`` and ``not in (...)``;
- ``and``, ``or``, ``not``, parentheses;
- functions: ``studyday(REFERENCE, DATE)`` (the SDTM study day, missing
  unless both dates are complete), ``length(X)``, ``upper(X)``, ``datepart(X)`` and
  ``timepart(X)`` (the SAS date and time of a SAS datetime).

``evaluate(text, table, sub)`` returns a boolean array over the table's rows;
``names(text)`` the variables an expression reads. Work on single variables
is done once per distinct value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from . import dates

XPT_DIGITS = 15    # numbers equal to this many significant digits are equal (IBM float round trips)

_TOKEN = re.compile(r"""\s*(?:
    (?P<str>'(?:[^']|'')*')
  | (?P<num>-?\d+(?:\.\d+)?(?![A-Za-z_]))
  | (?P<op>==|!=|~=|!~=|<=|>=|<|>|\(|\)|,)
  | (?P<name>(?:--|[A-Z])[A-Z0-9_]*(?:\.[A-Z][A-Z0-9_]*)?|[a-z]+)
)""", re.VERBOSE)
_COMPARISONS = ("==", "!=", "~=", "!~=", "<", "<=", ">", ">=")


class ExpressionError(ValueError):
    """An expression that does not parse."""


@dataclass(frozen=True)
class Node:
    kind: str                  # and, or, not, cmp, in, matches, var, lit, call
    args: tuple = ()
    value: object = None


def _tokens(text):
    pos, out = 0, []
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ExpressionError(f"cannot read {text[pos:pos + 20]!r} in {text!r}")
        kind = match.lastgroup
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text):
        self.text = text
        self.items = _tokens(text)
        self.pos = 0

    def peek(self):
        return self.items[self.pos] if self.pos < len(self.items) else (None, None)

    def take(self, value=None):
        kind, token = self.peek()
        if value is not None and token != value:
            raise ExpressionError(f"expected {value!r} at {token!r} in {self.text!r}")
        self.pos += 1
        return kind, token

    def parse(self):
        node = self.disjunction()
        if self.pos != len(self.items):
            raise ExpressionError(f"unexpected {self.peek()[1]!r} in {self.text!r}")
        return node

    def disjunction(self):
        parts = [self.conjunction()]
        while self.peek()[1] == "or":
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Node("or", tuple(parts))

    def conjunction(self):
        parts = [self.negation()]
        while self.peek()[1] == "and":
            self.take()
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else Node("and", tuple(parts))

    def negation(self):
        if self.peek()[1] == "not":
            self.take()
            return Node("not", (self.negation(),))
        return self.comparison()

    def comparison(self):
        left = self.operand()
        _, token = self.peek()
        if token in _COMPARISONS:
            self.take()
            return Node("cmp", (left, self.operand()), token)
        if token == "matches":
            self.take()
            kind, pattern = self.take()
            if kind != "str":
                raise ExpressionError(f"matches needs a quoted pattern in {self.text!r}")
            return Node("matches", (left,), re.compile(_unquote(pattern)))
        negated = token == "not" and self.items[self.pos + 1][1] == "in" if self.pos + 1 < len(self.items) else False
        if token == "in" or negated:
            self.take()
            if negated:
                self.take()
            self.take("(")
            values = [self.operand().value]
            while self.peek()[1] == ",":
                self.take()
                values.append(self.operand().value)
            self.take(")")
            node = Node("in", (left,), tuple(str(v) for v in values))
            return Node("not", (node,)) if negated else node
        if left.kind in ("and", "or", "not", "cmp", "in", "matches"):
            return left
        raise ExpressionError(f"{self.text!r}: a value where a condition is expected")

    def operand(self):
        kind, token = self.take()
        if token == "(":
            node = self.disjunction()
            self.take(")")
            return node
        if kind == "str":
            return Node("lit", value=_unquote(token))
        if kind == "num":
            return Node("lit", value=float(token))
        if kind == "name" and token.islower():
            self.take("(")
            args = [self.operand()]
            while self.peek()[1] == ",":
                self.take()
                args.append(self.operand())
            self.take(")")
            return Node("call", tuple(args), token)
        if kind == "name":
            return Node("var", value=token)
        raise ExpressionError(f"unexpected {token!r} in {self.text!r}")


def _unquote(token):
    return token[1:-1].replace("''", "'")


@cache
def parse(text):
    """The syntax tree of an expression (cached); raises ExpressionError."""
    return _Parser(text).parse()


def names(text):
    """Every variable an expression reads, as written (``DM.RFSTDTC`` included)."""
    found = []

    def walk(node):
        if node.kind == "var" and node.value not in found:
            found.append(node.value)
        for arg in node.args:
            walk(arg)
    walk(parse(text))
    return found


# ------------------------------------------------------------------ values


@dataclass
class _Value:
    """An operand over the rows: text ('' when missing) and, where it is a number, the number."""
    text: pd.Series
    number: np.ndarray | None = None


def _number_text(values):
    """Numbers as text at XPT precision: 1.2000000000000002 reads "1.2", 3.0 reads "3"
    (formatted once per distinct number)."""
    codes, uniques = pd.factorize(pd.Series(np.asarray(values, dtype="float64")))
    texts = [format(v, f".{XPT_DIGITS}g") for v in np.asarray(uniques, dtype="float64")]
    return pd.Series(np.array(texts + [""], dtype=object)[codes], dtype=object)


def _variable(table, sub, name, optional):
    if "." in name:
        dataset, variable = name.split(".")
        return _subject_value(table, sub, dataset, variable)
    if not table.has(name):
        if name in optional:
            return _Value(pd.Series([""] * table.rows, index=table.frame.index, dtype=object))
        raise LookupError(name)
    if table.numeric(name):
        number = table.frame[name].to_numpy(dtype="float64", na_value=np.nan)
        return _Value(pd.Series(_number_text(number).to_numpy(), index=table.frame.index), number)
    text = table.text(name).astype(object).where(lambda s: s.notna(), "")
    return _Value(text)


def _subject_value(table, sub, dataset, variable):
    """``dataset.variable`` for each row's subject (largest when several records)."""
    other = sub.table(dataset)
    if other is None or not other.has(variable, "USUBJID") or not table.has("USUBJID"):
        raise LookupError(f"{dataset}.{variable}")

    def compute():
        frame = pd.DataFrame({"USUBJID": other.text("USUBJID"),
                              "v": other.frame[variable] if other.numeric(variable) else other.text(variable)})
        return frame.dropna().groupby("USUBJID")["v"].max()
    per_subject = sub.cached(("subject max", dataset, variable), compute)
    values = table.text("USUBJID").map(per_subject)
    if other.numeric(variable):
        number = values.to_numpy(dtype="float64", na_value=np.nan)
        return _Value(pd.Series(_number_text(number).to_numpy(), index=table.frame.index), number)
    return _Value(values.astype(object).where(values.notna(), ""))


def _literal(value, rows, index):
    if isinstance(value, float):
        return _Value(pd.Series([format(value, f".{XPT_DIGITS}g")] * rows, index=index, dtype=object),
                      np.full(rows, value))
    return _Value(pd.Series([value] * rows, index=index, dtype=object))


def _as_number(value):
    """The operand as numbers (NaN where it is not one), text parsed once per distinct value."""
    if value.number is not None:
        return value.number
    codes, uniques = pd.factorize(value.text)
    numbers = pd.to_numeric(pd.Series(uniques, dtype=object).str.strip(), errors="coerce").to_numpy(dtype="float64")
    return np.append(numbers, np.nan)[codes]


def _compare(op, left, right):
    blank_l, blank_r = left.text.eq("").to_numpy(), right.text.eq("").to_numpy()
    if op in ("==", "!=", "~=", "!~="):
        if op in ("~=", "!~="):
            equal = np.array(left.text.str.upper() == right.text.str.upper(), dtype=bool)
        else:
            equal = np.array(left.text == right.text, dtype=bool)
        a, b = _as_number(left), _as_number(right)
        numeric = ~np.isnan(a) & ~np.isnan(b)      # "4.00" equals "4", as numbers
        equal[numeric] = np.isclose(a[numeric], b[numeric], rtol=10.0 ** -XPT_DIGITS, atol=0)
        return ~equal if op.startswith("!") else equal
    a, b = _as_number(left), _as_number(right)
    numeric = ~np.isnan(a) & ~np.isnan(b)
    result = np.zeros(len(a), dtype=bool)
    with np.errstate(invalid="ignore"):
        ops = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}
        result[numeric] = ops[op](a[numeric], b[numeric])
    text = ~numeric & ~blank_l & ~blank_r
    if text.any():
        lt, rt = left.text[text].reset_index(drop=True), right.text[text].reset_index(drop=True)
        later = dates.after(lt, rt).to_numpy()
        earlier = dates.after(rt, lt).to_numpy()
        same = ~later & ~earlier
        comparable = _comparable(lt) & _comparable(rt)
        outcome = {"<": earlier, "<=": earlier | same, ">": later, ">=": later | same}[op]
        plain = np.where(comparable, outcome, _text_order(op, lt, rt))
        result[text] = plain
    return result


_PLAIN_DATE = re.compile(r"\d{4}(-\d\d(-\d\d(T\d\d(:\d\d(:\d\d(\.\d+)?)?)?)?)?)?")


def _comparable(values):
    return values.map(lambda v: bool(_PLAIN_DATE.fullmatch(v))).to_numpy(dtype=bool)


def _text_order(op, a, b):
    ops = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}
    return ops[op](a.to_numpy(dtype=object).astype(str), b.to_numpy(dtype=object).astype(str))


def _call(node, table, sub, optional):
    args = [_operand(a, table, sub, optional) for a in node.args]
    index = table.frame.index
    if node.value == "studyday":
        reference, date = (dates.to_date(a.text.where(a.text.ne(""))) for a in args)
        days = dates.study_day(date, reference).to_numpy(dtype="float64", na_value=np.nan)
        return _Value(pd.Series(_number_text(days).to_numpy(), index=index), days)
    if node.value == "length":
        lengths = args[0].text.str.len().to_numpy(dtype="float64")
        return _Value(pd.Series(_number_text(lengths).to_numpy(), index=index), lengths)
    if node.value == "upper":
        return _Value(args[0].text.str.upper())
    if node.value in ("datepart", "timepart"):      # of a SAS datetime (seconds since 1960)
        seconds = _as_number(args[0])
        parts = np.floor(seconds / 86400) if node.value == "datepart" else np.mod(seconds, 86400)
        return _Value(pd.Series(_number_text(parts).to_numpy(), index=index), parts)
    raise ExpressionError(f"unknown function {node.value}()")


def _operand(node, table, sub, optional):
    if node.kind == "var":
        return _variable(table, sub, node.value, optional)
    if node.kind == "lit":
        return _literal(node.value, table.rows, table.frame.index)
    if node.kind == "call":
        return _call(node, table, sub, optional)
    raise ExpressionError("a condition where a value is expected")


def _mask(node, table, sub, optional):
    if node.kind == "and":
        return np.logical_and.reduce([_mask(a, table, sub, optional) for a in node.args])
    if node.kind == "or":
        return np.logical_or.reduce([_mask(a, table, sub, optional) for a in node.args])
    if node.kind == "not":
        return ~_mask(node.args[0], table, sub, optional)
    if node.kind == "cmp":
        left, right = (_operand(a, table, sub, optional) for a in node.args)
        return _compare(node.value, left, right)
    if node.kind == "in":
        value = _operand(node.args[0], table, sub, optional)
        return value.text.isin(node.value).to_numpy(dtype=bool)
    if node.kind == "matches":
        value = _operand(node.args[0], table, sub, optional)
        pattern = node.value
        codes, uniques = pd.factorize(value.text)
        hits = np.array([bool(pattern.fullmatch(str(u))) for u in uniques], dtype=bool)
        return np.append(hits, False)[codes]
    raise ExpressionError(f"a value where a condition is expected ({node.kind})")


def evaluate(text, table, sub, optional=()):
    """Where the expression holds, as a boolean array over the rows of ``table``.

    Raises LookupError naming a variable that is absent and not ``optional``
    (absent optional variables read as missing)."""
    if table.rows == 0:
        return np.zeros(0, dtype=bool)
    return np.asarray(_mask(parse(text), table, sub, set(optional)), dtype=bool)
