# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Keyfactor query language of the ``QueryString`` list parameter.

Grammar (keywords and operators case-insensitive; AND binds tighter than OR)::

    query   := or-expr | (empty)
    or-expr := and-expr ("OR" and-expr)*
    and-expr:= primary ("AND" primary)*
    primary := "(" or-expr ")" | Field Operator Value
    Value   := "double-quoted, with \\" and \\\\ escapes" | bare-word

``compile_query`` turns a query into a predicate over the items of a field table (kfsim.fields).
"""

import functools
import operator
from dataclasses import dataclass

from kfsim.clock import parse_datetime
from kfsim.fields import BOOLEAN, DATETIME, INTEGER, STATUS, STRING
from kfsim.model import STATUS_CODES, canonical_status

ORDERING = {"-eq": operator.eq, "-ne": operator.ne, "-gt": operator.gt, "-ge": operator.ge,
            "-lt": operator.lt, "-le": operator.le}
TEXT_MATCHING = {"-contains": lambda value, wanted: wanted in value,
                 "-startswith": lambda value, wanted: value.startswith(wanted),
                 "-endswith": lambda value, wanted: value.endswith(wanted)}
OPERATORS = tuple(ORDERING) + tuple(TEXT_MATCHING)
ESCAPABLE = '"\\'


class QueryError(ValueError):
    """The QueryString is invalid; the message says where and what is allowed."""


@dataclass(frozen=True)
class Token:
    kind: str  # "word", "string", "(" or ")"
    text: str
    position: int

    def describe(self):
        return "'%s' at position %d" % (self.text, self.position)


def tokenize(text):
    tokens = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
        elif char in "()":
            tokens.append(Token(char, char, index))
            index += 1
        elif char == '"':
            value, end = _read_quoted(text, index)
            tokens.append(Token("string", value, index))
            index = end
        else:
            end = index
            while end < len(text) and not text[end].isspace() and text[end] not in '()"':
                end += 1
            tokens.append(Token("word", text[index:end], index))
            index = end
    return tokens


def _read_quoted(text, start):
    """Read a quoted value from ``start`` (the opening quote); a backslash escapes only a quote or a backslash."""
    chars = []
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in ESCAPABLE:
            chars.append(text[index + 1])
            index += 2
        elif char == '"':
            return "".join(chars), index + 1
        else:
            chars.append(char)
            index += 1
    raise QueryError("unterminated quoted value starting at position %d" % start)


def compile_query(text, fields):
    """Return a predicate for ``text`` over items described by ``fields``, or None when the query is empty."""
    tokens = tokenize(text or "")
    if not tokens:
        return None
    return _Parser(tokens, fields).parse()


class _Parser:
    def __init__(self, tokens, fields):
        self._tokens = tokens
        self._fields = fields
        self._index = 0

    def parse(self):
        predicate = self._or()
        if self._index < len(self._tokens):
            raise QueryError("unexpected %s; expected AND, OR or the end of the query" % self._peek().describe())
        return predicate

    def _peek(self):
        return self._tokens[self._index] if self._index < len(self._tokens) else None

    def _take(self, expected):
        token = self._peek()
        if token is None:
            raise QueryError("the query ends where %s was expected" % expected)
        self._index += 1
        return token

    def _keyword(self, word):
        token = self._peek()
        if token is not None and token.kind == "word" and token.text.upper() == word:
            self._index += 1
            return True
        return False

    def _or(self):
        parts = [self._and()]
        while self._keyword("OR"):
            parts.append(self._and())
        return functools.reduce(_either, parts)

    def _and(self):
        parts = [self._primary()]
        while self._keyword("AND"):
            parts.append(self._primary())
        return functools.reduce(_both, parts)

    def _primary(self):
        token = self._peek()
        if token is not None and token.kind == "(":
            self._index += 1
            predicate = self._or()
            closing = self._take("')'")
            if closing.kind != ")":
                raise QueryError("expected ')' but found %s" % closing.describe())
            return predicate
        return self._clause()

    def _clause(self):
        name = self._take("a field name")
        field = self._fields.get(name.text.casefold()) if name.kind == "word" else None
        if field is None:
            raise QueryError("unknown field %s; fields: %s" % (
                name.describe(), ", ".join(sorted(field.name for field in self._fields.values()))))
        op = self._take("an operator after %s" % field.name)
        if op.kind != "word" or op.text.lower() not in OPERATORS:
            raise QueryError("unknown operator %s; operators: %s" % (op.describe(), ", ".join(OPERATORS)))
        value = self._take("a value after %s %s" % (field.name, op.text))
        if value.kind not in ("word", "string"):
            raise QueryError("expected a value but found %s" % value.describe())
        return _clause_predicate(field, op.text.lower(), value)


def _both(first, second):
    return lambda item: first(item) and second(item)


def _either(first, second):
    return lambda item: first(item) or second(item)


def _clause_predicate(field, op, value):
    if field.kind == STRING:
        return _text_predicate(field.get, op, value.text.casefold())
    if op in TEXT_MATCHING:
        raise QueryError("operator %s does not apply to %s field %s" % (op, field.kind, field.name))
    if field.kind in (STATUS, BOOLEAN) and op not in ("-eq", "-ne"):
        raise QueryError("%s takes only -eq and -ne, not %s" % (field.name, op))
    if field.kind == BOOLEAN:
        wanted = _convert(_boolean, field, value)
        return lambda item: ORDERING[op](field.get(item), wanted)
    if field.kind == STATUS:
        wanted = _convert(lambda text: STATUS_CODES[canonical_status(text)], field, value)
        compare = ORDERING[op]
        return lambda item: compare(STATUS_CODES[field.get(item)], wanted)
    convert = int if field.kind == INTEGER else parse_datetime
    wanted = _convert(convert, field, value)
    compare = ORDERING[op]

    def predicate(item):
        actual = field.get(item)
        return op == "-ne" if actual is None else compare(actual, wanted)
    return predicate


def _convert(convert, field, value):
    try:
        return convert(value.text)
    except (ValueError, KeyError):
        expected = {INTEGER: "an integer", DATETIME: "an ISO 8601 date-time", STATUS: "a status name or 0-6",
                    BOOLEAN: "true or false"}
        raise QueryError("%s needs %s, got %s" % (field.name, expected[field.kind], value.describe())) from None


def _boolean(text):
    return {"true": True, "false": False}[text.lower()]


def _text_predicate(get, op, wanted):
    compare = ORDERING.get(op) or TEXT_MATCHING[op]

    def predicate(item):
        actual = get(item)
        return op == "-ne" if actual is None else compare(actual.casefold(), wanted)
    return predicate
