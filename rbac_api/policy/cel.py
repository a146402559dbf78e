"""The CEL subset that object rules are written in: its tokens and its syntax tree.

CEL (the expression language of Cerbos, Kubernetes and Envoy) is the notation; this module reads the part of
it that can be decided in Python *and* translated into one SQL condition: literals, `resource.<attribute>` and
`principal.<field>`, comparisons, `in`, `!`, `&&`, `||` and parentheses. Everything else CEL has (arithmetic,
the ternary, macros, function calls, indexing, maps, floats, bytes) is refused by name, with the column, so a
rule never means something the database filter cannot say. Parsing is one pass, linear in the text, with the
nesting depth bounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Longest `when:` accepted: a rule is a line or two, not a program.
MAX_LENGTH = 4096
#: Deepest nesting of parentheses, `!` and operators: bounds the recursion of the parser and the compilers.
MAX_DEPTH = 64
SUPPORTED = (
    "literals, resource.<attribute>, principal.<field>, == != < <= > >= in, !, &&, ||, ( ) and [lists]"
)

_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<float>\d+\.\d*(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\.\d+(?:[eE][+-]?\d+)?)
    |(?P<uint>(?:0x[0-9a-fA-F]+|\d+)[uU])
    |(?P<int>0x[0-9a-fA-F]+|\d+)
    |(?P<bytes>[bB][rR]?["']|[rR][bB]["'])
    |(?P<raw>[rR]["'])
    |(?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    |(?P<name>[_a-zA-Z][_a-zA-Z0-9]*)
    |(?P<op>==|!=|<=|>=|&&|\|\||[<>!().,\[\]{}?:+\-*/%])
    """,
    re.VERBOSE,
)
_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t", "r": "\r"}
_RESERVED = frozenset(
    (
        "as",
        "break",
        "const",
        "continue",
        "else",
        "for",
        "function",
        "if",
        "import",
        "let",
        "loop",
        "package",
        "namespace",
        "return",
        "var",
        "void",
        "while",
    )
)
_RELATIONS = ("==", "!=", "<", "<=", ">", ">=", "in")


class CelError(ValueError):
    """The text is not a rule condition we accept; `column` counts from 1."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


@dataclass(frozen=True, slots=True)
class Literal:
    value: int | str | bool | None
    column: int


@dataclass(frozen=True, slots=True)
class ListOf:
    items: tuple[Literal, ...]
    column: int


@dataclass(frozen=True, slots=True)
class Field:
    """`resource.<name>` or `principal.<name>`: the only names a condition can read."""

    root: str
    name: str
    column: int


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node
    column: int


@dataclass(frozen=True, slots=True)
class Logical:
    """`a && b && c` as one node with three operands, so a long chain adds no depth."""

    op: str  # "&&" or "||"
    operands: tuple[Node, ...]
    column: int


@dataclass(frozen=True, slots=True)
class Relation:
    op: str  # one of _RELATIONS
    left: Node
    right: Node
    column: int


Node = Literal | ListOf | Field | Not | Logical | Relation


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    column: int


def parse(text: str) -> Node:
    """The syntax tree of `text`.

    Raises:
        CelError: for a syntax error or a construct outside the supported subset, naming it.
    """
    if len(text) > MAX_LENGTH:
        raise CelError(f"condition is longer than {MAX_LENGTH} characters", MAX_LENGTH)
    parser = _Parser(_tokens(text), len(text) + 1)
    node = parser.expression(0)
    parser.expect_end()
    return node


def _tokens(text: str) -> list[_Token]:
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise CelError(f"unexpected character {text[position]!r}", position + 1)
        kind = match.lastgroup or ""
        if kind == "name" and match.group() == "in":
            kind = "op"
        if kind in ("float", "uint", "bytes", "raw"):
            what = {"float": "double literals", "uint": "unsigned literals", "bytes": "bytes literals"}
            raise CelError(f"{what.get(kind, 'raw strings')} are {_OUTSIDE}", position + 1)
        if kind != "space":
            tokens.append(_Token(kind, match.group(), position + 1))
        position = match.end()
    return tokens


_OUTSIDE = f"outside the supported CEL subset ({SUPPORTED})"


class _Parser:
    """Recursive descent over CEL's precedence levels: `||` < `&&` < relations < unary < member < primary."""

    def __init__(self, tokens: list[_Token], end: int) -> None:
        self._tokens = tokens
        self._at = 0
        self._end = end

    def expression(self, depth: int) -> Node:
        node = self._logical("||", depth)
        if self._peek("?"):
            raise CelError(f"the conditional operator '? :' is {_OUTSIDE}", self._column())
        return node

    def expect_end(self) -> None:
        if self._at < len(self._tokens):
            token = self._tokens[self._at]
            raise CelError(f"unexpected {token.text!r}", token.column)

    def _logical(self, op: str, depth: int) -> Node:
        def operand() -> Node:
            return self._logical("&&", depth) if op == "||" else self._relation(depth)

        first = operand()
        operands, column = [first], 0
        while self._peek(op):
            token = self._take()
            column = column or token.column
            operands.append(operand())
        return first if len(operands) == 1 else Logical(op, tuple(operands), column)

    def _relation(self, depth: int) -> Node:
        node = self._unary(depth)
        while self._peek(*_RELATIONS):
            token = self._take()
            node = Relation(token.text, node, self._unary(depth), token.column)
        if self._peek("+", "-", "*", "/", "%"):
            raise CelError(f"arithmetic ({self._tokens[self._at].text!r}) is {_OUTSIDE}", self._column())
        return node

    def _unary(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise CelError(f"condition nests deeper than {MAX_DEPTH} levels", self._column())
        if self._peek("!"):
            column = self._take().column
            return Not(self._unary(depth + 1), column)
        if self._peek("-"):
            column = self._take().column
            token = self._peek_token()
            if token is not None and token.kind == "int":
                self._take()
                return Literal(-_integer(token), column)
            raise CelError(f"arithmetic negation is {_OUTSIDE}", column)
        return self._member(depth)

    def _member(self, depth: int) -> Node:
        node = self._primary(depth)
        while self._peek(".", "["):
            token = self._take()
            if token.text == "[":
                raise CelError(f"indexing with '[...]' is {_OUTSIDE}", token.column)
            name = self._take_kind("name", "a field name after '.'")
            if self._peek("("):
                raise CelError(f"method calls ('.{name.text}(...)') are {_OUTSIDE}", name.column)
            if not isinstance(node, Field) or node.name:
                raise CelError(
                    f"field '{name.text}' can only be read from resource or principal", name.column
                )
            node = Field(node.root, name.text, node.column)
        if isinstance(node, Field) and not node.name:
            raise CelError(
                f"'{node.root}' is not a value: name one of its fields ({node.root}.x)", node.column
            )
        return node

    def _primary(self, depth: int) -> Node:
        token = self._take()
        if token.kind == "int":
            return Literal(_integer(token), token.column)
        if token.kind == "string":
            return Literal(_string(token), token.column)
        if token.kind == "name":
            return self._name(token)
        if token.text == "(":
            node = self.expression(depth + 1)
            self._take_text(")")
            return node
        if token.text == "[":
            return self._list(token)
        if token.text == "{":
            raise CelError(f"map literals are {_OUTSIDE}", token.column)
        raise CelError(f"unexpected {token.text!r}", token.column)

    def _name(self, token: _Token) -> Node:
        constants: dict[str, bool | None] = {"true": True, "false": False, "null": None}
        if token.text in constants:
            return Literal(constants[token.text], token.column)
        if token.text in _RESERVED:
            raise CelError(f"'{token.text}' is a reserved word in CEL", token.column)
        if self._peek("("):
            raise CelError(f"function calls ('{token.text}(...)') are {_OUTSIDE}", token.column)
        if token.text not in ("resource", "principal"):
            message = (
                f"unknown name '{token.text}': a condition reads resource.<attribute> and principal.<field>"
            )
            raise CelError(message, token.column)
        return Field(token.text, "", token.column)

    def _list(self, opening: _Token) -> ListOf:
        items: list[Literal] = []
        while not self._peek("]"):
            item = self._unary(MAX_DEPTH)
            if not isinstance(item, Literal):
                raise CelError('a list may hold literals only ("a", 1, true)', opening.column)
            items.append(item)
            if not self._peek("]"):
                self._take_text(",")
        self._take_text("]")
        return ListOf(tuple(items), opening.column)

    def _peek(self, *texts: str) -> bool:
        token = self._peek_token()
        return token is not None and token.kind == "op" and token.text in texts

    def _peek_token(self) -> _Token | None:
        return self._tokens[self._at] if self._at < len(self._tokens) else None

    def _column(self) -> int:
        token = self._peek_token()
        return token.column if token is not None else self._end

    def _take(self) -> _Token:
        token = self._peek_token()
        if token is None:
            raise CelError("condition ends too early", self._end)
        self._at += 1
        return token

    def _take_text(self, text: str) -> _Token:
        token = self._take()
        if token.text != text or token.kind != "op":
            raise CelError(f"expected {text!r}, found {token.text!r}", token.column)
        return token

    def _take_kind(self, kind: str, what: str) -> _Token:
        token = self._take()
        if token.kind != kind:
            raise CelError(f"expected {what}, found {token.text!r}", token.column)
        return token


def _integer(token: _Token) -> int:
    value = int(token.text, 16) if token.text.lower().startswith("0x") else int(token.text)
    if value > 2**63 - 1:
        raise CelError("integer literal out of range (64-bit)", token.column)
    return value


def _string(token: _Token) -> str:
    body, out, index = token.text[1:-1], [], 0
    while index < len(body):
        char = body[index]
        if char == "\\":
            escaped = body[index + 1]
            if escaped not in _ESCAPES:
                raise CelError(f"unsupported escape '\\{escaped}' in string", token.column)
            out.append(_ESCAPES[escaped])
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)
