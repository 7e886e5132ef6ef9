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
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd

from specs.dates import study_day, to_date
from specs.text import number_text

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
    """An operand over the rows, coded: each row's position (``codes``) among its distinct
    values, given as text (``text``, '' for missing) and, for typed numbers, as numbers.
    Facts of the distinct values (numbers, upper case, dates) are worked out once per operand."""
    codes: np.ndarray
    text: np.ndarray
    number: np.ndarray | None = None
    _facts: dict = field(default_factory=dict, repr=False, compare=False)

    def _fact(self, name, compute):
        if name not in self._facts:
            self._facts[name] = compute()
        return self._facts[name]

    def numbers(self):
        """The distinct values as numbers (NaN where one is not a number)."""
        if self.number is not None:
            return self.number
        return self._fact("numbers", lambda: pd.to_numeric(pd.Series(self.text, dtype=object).str.strip(),
                                                           errors="coerce").to_numpy(dtype="float64"))

    def upper(self):
        return self._fact("upper", lambda: np.array([v.upper() for v in self.text], dtype=object))

    def dates(self):
        """The distinct values as plain ISO 8601 text ("" where not one; ``dates.plain``)."""
        return self._fact("dates", lambda: dates.plain(self.text))

    def matches(self, pattern):
        """True for the distinct values the compiled regular expression matches as a whole."""
        return self._fact(("matches", pattern), lambda: np.array([bool(pattern.fullmatch(str(v))) for v in self.text],
                                                                dtype=bool))

    def calendar(self):
        """The distinct values as calendar dates (``specs.dates.to_date``; NaT where not a complete date)."""
        return self._fact("calendar", lambda: to_date(pd.Series(self.text, dtype=object)).to_numpy(
            dtype="datetime64[ns]"))

    def comparable(self):
        """True for the distinct values that look like dates, so compare as dates, not as text."""
        return self._fact("comparable", lambda: np.array([bool(_PLAIN_DATE.fullmatch(v)) for v in self.text],
                                                         dtype=bool))


def _number_text(values):
    """Numbers as text at XPT precision (``specs.text``): 1.2000000000000002 reads "1.2", 3.0 reads "3"."""
    return np.array([number_text(v, XPT_DIGITS) for v in values], dtype=object)


def coded_numbers(values):
    """A numeric operand from one number per row (NaN missing); its ``text[codes]`` is each
    row's number at XPT precision."""
    codes, uniques = pd.factorize(pd.Series(np.asarray(values, dtype="float64")), use_na_sentinel=True)
    numbers = np.append(np.asarray(uniques, dtype="float64"), np.nan)
    return _Value(np.where(codes < 0, len(numbers) - 1, codes), _number_text(numbers), numbers)


def _coded_text(codes, texts):
    """A text operand from codes (-1 missing) into distinct ``texts``."""
    values = np.append(np.asarray(texts, dtype=object), "")
    return _Value(np.where(codes < 0, len(values) - 1, codes), values)


def _variable(table, sub, name, optional):
    if "." in name:
        dataset, variable = name.split(".")
        return _subject_value(table, sub, dataset, variable)
    if not table.has(name):
        if name in optional:
            return _Value(np.zeros(table.rows, dtype=np.int64), np.array([""], dtype=object))
        raise LookupError(name)

    def compute():
        if table.numeric(name) and pd.api.types.is_numeric_dtype(table.frame[name]):   # else read as text
            return coded_numbers(table.frame[name].to_numpy(dtype="float64", na_value=np.nan))
        return _coded_text(*table.codes(name))
    return table.cached(("operand", name), compute)


def _subject_value(table, sub, dataset, variable):
    """``dataset.variable`` for each row's subject (largest when several records)."""
    other = sub.table(dataset)
    if other is None or not other.has(variable, "USUBJID") or not table.has("USUBJID"):
        raise LookupError(f"{dataset}.{variable}")

    def per_subject():
        subject, subjects = other.codes("USUBJID")
        if other.numeric(variable):
            column = other.frame[variable]
            keep = (subject >= 0) & column.notna().to_numpy(dtype=bool)
            largest = column[keep].groupby(subject[keep]).max()
            return pd.Series(largest.to_numpy(), index=subjects.to_numpy(dtype=object)[largest.index])
        codes, texts = other.codes(variable)
        texts = texts.to_numpy(dtype=object)
        order = np.argsort(texts, kind="stable")          # text order: the largest has the highest rank
        rank = np.empty(len(texts), dtype=np.int64)
        rank[order] = np.arange(len(texts))
        keep = (subject >= 0) & (codes >= 0)
        best = np.full(len(subjects), -1, dtype=np.int64)
        np.maximum.at(best, subject[keep], rank[codes[keep]])
        found = best >= 0
        return pd.Series(texts[order[best[found]]], index=subjects.to_numpy(dtype=object)[found], dtype=object)

    def compute():
        codes, subjects = table.codes("USUBJID")
        values = subjects.map(sub.cached(("subject max", dataset, variable), per_subject))   # per distinct subject
        if other.numeric(variable):
            found = coded_numbers(np.append(values.to_numpy(dtype="float64", na_value=np.nan), np.nan))
        else:
            found = _coded_text(*pd.factorize(pd.Series(np.append(values.to_numpy(dtype=object), None),
                                                        dtype=object)))
        subject = np.where(codes < 0, len(subjects), codes)      # last position: no subject
        return _Value(found.codes[subject], found.text, found.number)
    return sub.per_table(("subject value", dataset, variable), table, compute)


def _literal(value, rows):
    codes = np.broadcast_to(np.int64(0), (rows,))      # every row the one value, without a row array
    if isinstance(value, float):
        return _Value(codes, _number_text([value]), np.array([value]))
    return _Value(codes, np.array([value], dtype=object), _literal_number(value))


@cache
def _literal_number(text):
    """A text literal as a number (NaN when it is not one), read as the values of a text operand are."""
    return _Value(np.zeros(0, dtype=np.int64), np.array([text], dtype=object)).numbers()


def _pairs(left, right):
    """(distinct pairs as two index arrays into the operands' values, each row's pair)."""
    if len(right.text) == 1:
        return np.arange(len(left.text)), np.zeros(len(left.text), dtype=np.int64), left.codes
    if len(left.text) == 1:
        return np.zeros(len(right.text), dtype=np.int64), np.arange(len(right.text)), right.codes
    width = len(right.text)
    key = left.codes * width + right.codes
    if len(left.text) * width <= max(4 * len(key), 1 << 16):     # dense: no sort needed
        seen = np.zeros(len(left.text) * width, dtype=bool)
        seen[key] = True
        pairs, rows = np.flatnonzero(seen), (np.cumsum(seen) - 1)[key]
    else:
        pairs, rows = np.unique(key, return_inverse=True)
    return pairs // width, pairs % width, rows


def _compare(op, left, right):
    """The comparison on every distinct pair of values, spread over the rows."""
    li, ri, rows = _pairs(left, right)
    return _compare_pairs(op, left, right, li, ri)[rows]


def _compare_pairs(op, left, right, li, ri):
    a, b = _paired_numbers(left, right, li, ri)
    numeric = ~np.isnan(a) & ~np.isnan(b)
    if op in ("==", "!=", "~=", "!~="):
        if op in ("~=", "!~="):
            equal = np.asarray(left.upper()[li] == right.upper()[ri], dtype=bool)
        else:
            equal = np.asarray(left.text[li] == right.text[ri], dtype=bool)
        # "4.00" equals "4", as numbers
        equal[numeric] = np.isclose(a[numeric], b[numeric], rtol=10.0 ** -XPT_DIGITS, atol=0)
        return ~equal if op.startswith("!") else equal
    result = np.zeros(len(a), dtype=bool)
    with np.errstate(invalid="ignore"):
        result[numeric] = _ORDER[op](a[numeric], b[numeric])
    lt, rt = left.text[li], right.text[ri]
    text = ~numeric & (lt != "") & (rt != "")
    if text.any():
        li, ri = li[text], ri[text]
        later = dates.order(left.dates()[li], right.dates()[ri])
        outcome = {"<": later < 0, "<=": later <= 0, ">": later > 0, ">=": later >= 0}[op]
        comparable = left.comparable()[li] & right.comparable()[ri]
        result[text] = np.where(comparable, outcome, _ORDER[op](lt[text].astype(str), rt[text].astype(str)))
    return result


def _paired_numbers(left, right, li, ri):
    """Both sides of each pair as numbers; the other side is only read as numbers when the side
    with fewer values has some (``'Y'`` against a column of text needs no parsing of the column)."""
    fewer = right if len(right.text) <= len(left.text) else left
    if np.isnan(fewer.numbers()).all():
        nothing = np.full(len(li), np.nan)
        return nothing, nothing
    return left.numbers()[li], right.numbers()[ri]


_ORDER = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}
_PLAIN_DATE = re.compile(r"\d{4}(-\d\d(-\d\d(T\d\d(:\d\d(:\d\d(\.\d+)?)?)?)?)?)?")


def _call(node, table, sub, optional):
    args = [_operand(a, table, sub, optional) for a in node.args]
    if node.value == "studyday":
        li, ri, rows = _pairs(*args)
        reference, date = pd.Series(args[0].calendar()[li]), pd.Series(args[1].calendar()[ri])
        days = study_day(date, reference).to_numpy(dtype="float64", na_value=np.nan)
        found = coded_numbers(days)
        return _Value(found.codes[rows], found.text, found.number)
    if node.value == "length":
        lengths = np.array([len(v) for v in args[0].text], dtype="float64")
        return _Value(args[0].codes, _number_text(lengths), lengths)
    if node.value == "upper":
        return _Value(args[0].codes, np.array([v.upper() for v in args[0].text], dtype=object))
    if node.value in ("datepart", "timepart"):      # of a SAS datetime (seconds since 1960)
        seconds = args[0].numbers()
        parts = np.floor(seconds / 86400) if node.value == "datepart" else np.mod(seconds, 86400)
        return _Value(args[0].codes, _number_text(parts), parts)
    raise ExpressionError(f"unknown function {node.value}()")


def _operand(node, table, sub, optional):
    if node.kind == "var":
        return _variable(table, sub, node.value, optional)
    if node.kind == "lit":
        return _literal(node.value, table.rows)
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
    value = _operand(node.args[0], table, sub, optional)
    if node.kind == "in":
        return np.isin(value.text, list(node.value))[value.codes]
    if node.kind == "matches":
        return value.matches(node.value)[value.codes]
    raise ExpressionError(f"a value where a condition is expected ({node.kind})")


def evaluate(text, table, sub, optional=()):
    """Where the expression holds, as a boolean array over the rows of ``table``.

    Raises LookupError naming a variable that is absent and not ``optional``
    (absent optional variables read as missing)."""
    if table.rows == 0:
        return np.zeros(0, dtype=bool)
    return np.asarray(_mask(parse(text), table, sub, set(optional)), dtype=bool)
