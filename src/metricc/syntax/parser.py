"""Text to AST, reporting every syntax error it can find in one run.

Lark's LALR parser stops at the first error. To report more than one, the
parser resumes at the next line that opens a block (`KIND NAME {`): the text
before it is blanked to spaces (newlines kept) so that positions stay true.
Blocks before the failing one are recovered by parsing the prefix alone, and
so are whole blocks before stray text that is no block at all (a lone `}`, a
header without its `{`): the text is cut where a line starts at the margin. A
node nested too deeply (MC001) stops a parse too, and its block is left out alike.
"""

from __future__ import annotations

import re

from metricc.diagnostics import Diagnostic, Label, diag
from metricc.model import ast
from metricc.span import SourceFile, Span
from metricc.syntax.errors import TooDeep, UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from metricc.syntax.grammar import describe_terminal
from metricc.syntax.lalr import MAX_DEPTH, parse_text
from metricc.syntax.lexer import Token
from metricc.syntax.tables import tables
from metricc.syntax.transform import ToAst, token_span

# What stops a parse at a place in the text: a syntax error, or nesting too deep.
_STOPS = (UnexpectedInput, TooDeep)

# Where a block starts, for recovery: a kind and a name as written, valid or not
# (`metric weekly-users {` still ends the block before it).
_BLOCK_START = re.compile(r"^[ \t]*([A-Za-z_]\w*)[ \t]+([^\s{]+)[ \t]*\{", re.MULTILINE)
_NOT_NEWLINE = re.compile(r"[^\n]")
_MARGIN = re.compile(r"^(?=\S)", re.MULTILINE)  # a line that starts at the margin
MAX_ERRORS_PER_FILE = 50


def blank_before(text: str, upto: int) -> str:
    """`text` with everything before `upto` made spaces (newlines kept): parsed, the
    rest keeps its true positions."""
    return _NOT_NEWLINE.sub(" ", text[:upto]) + text[upto:]


class _Attempt:
    """One run of the LALR parser over (part of) a file, collecting comments."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.comments: dict[int, ast.Comment] = {}

    def parse(self, text: str) -> tuple[list[ast.Block], list[Diagnostic]]:
        builder = ToAst(self.source.path)
        blocks, comments = parse_text(text, builder.builders())
        for token in comments:
            span = token_span(self.source.path, token)
            self.comments.setdefault(span.start, ast.Comment(text=str(token), span=span))
        return blocks, builder.diagnostics


def parse_source(source: SourceFile) -> tuple[ast.File, list[Diagnostic]]:
    """Parse one file into its AST and the syntax diagnostics found."""
    text = source.text
    attempt = _Attempt(source)
    blocks: list[ast.Block] = []
    diagnostics: list[Diagnostic] = []
    starts = [m.start() for m in _BLOCK_START.finditer(text)]
    offset = 0
    while True:
        try:
            found, problems = attempt.parse(text if offset == 0 else blank_before(text, offset))
            blocks += found
            diagnostics += problems
            break
        except _STOPS as error:
            position = _error_position(error, len(text))
            here = max([s for s in starts if offset <= s <= position], default=offset)
            recovered, unclosed = _parse_prefix(attempt, text, offset, here)
            blocks += recovered
            if unclosed is not None:
                # The block before `here` lacks its `}`: resume at `here` itself.
                diagnostics.append(_unclosed(source, text, unclosed, here))
                following = [here]
            else:
                # Whole blocks may lie between the last block start and the error
                # (stray text after them: a lone `}`, `metric x` without its `{`).
                blocks += _whole_blocks(attempt, text, here, position + 1)
                diagnostics.append(_syntax_error(source, error, position))
                # A block may start where the error is (after a stray line): resume there.
                following = [s for s in starts if s >= position and s > offset]
            if not following or len(diagnostics) >= MAX_ERRORS_PER_FILE:
                break
            offset = following[0]
    comments = tuple(attempt.comments[k] for k in sorted(attempt.comments))
    return ast.File(path=source.path, blocks=tuple(blocks), comments=comments), diagnostics


def _parse_prefix(
    attempt: _Attempt, text: str, offset: int, end: int
) -> tuple[list[ast.Block], int | None]:
    """Blocks that end before `end`; if the last one is left open, where it starts."""
    if end <= offset:
        return [], None
    prefix = blank_before(text[:end], offset)
    try:
        return attempt.parse(prefix)[0], None
    except UnexpectedToken as error:
        left_open = error.token.type == "$END"
    except _STOPS:
        left_open = False
    if left_open:
        opened = max((m.start() for m in _BLOCK_START.finditer(text, offset, end)), default=None)
        try:
            return attempt.parse(prefix + "}")[0], opened
        except _STOPS:
            pass  # not a block missing its `}`: stray text after whole blocks
    return _whole_blocks(attempt, text, offset, end), None


def _whole_blocks(attempt: _Attempt, text: str, offset: int, end: int) -> list[ast.Block]:
    """The blocks before stray text (`metric x` without its `{`, a lone `}`): the
    longest prefix, cut where a line starts at the margin, that parses alone."""
    for cut in reversed([m.start() for m in _MARGIN.finditer(text, offset + 1, end)]):
        try:
            return attempt.parse(blank_before(text[:cut], offset))[0]
        except _STOPS:
            continue
    return []


def _error_position(error: UnexpectedInput | TooDeep, length: int) -> int:
    if isinstance(error, TooDeep):
        return error.token.start_pos or 0
    if isinstance(error, UnexpectedToken) and error.token.type == "$END":
        return length
    return error.pos_in_stream if error.pos_in_stream is not None else length


def _unclosed(source: SourceFile, text: str, opened: int, following: int) -> Diagnostic:
    head = _BLOCK_START.match(text, opened)
    assert head is not None
    kind, name = head.group(1), head.group(2)
    next_head = _BLOCK_START.match(text, following)
    start = opened + len(head.group(0)) - len(head.group(0).lstrip())
    secondary = []
    if next_head is not None:
        next_start = following + len(next_head.group(0)) - len(next_head.group(0).lstrip())
        secondary.append(
            Label(
                span=source.span(next_start, following + len(next_head.group(0))),
                message="the next block starts here",
            )
        )
    return diag(
        "MC006",
        f"`{kind} {name}` is not closed",
        source.span(start, opened + len(head.group(0))),
        label="this block has no closing `}`",
        secondary=secondary,
        help=f"add `}}` after the last field of `{name}`",
    )


def _syntax_error(
    source: SourceFile, error: UnexpectedInput | TooDeep, position: int
) -> Diagnostic:
    if isinstance(error, TooDeep):
        return diag(
            "MC001",
            "expressions are nested too deeply",
            source.span(position, position),
            label=f"what starts here nests more than {MAX_DEPTH} levels",
            help="split the expression into metrics (a formula), or shorten it",
        )
    if isinstance(error, UnexpectedCharacters):
        return _bad_character(source, position)
    assert isinstance(error, UnexpectedToken)
    token = error.token
    literals = tables().literals
    expected = sorted({describe_terminal(t, literals) for t in error.accepts or error.expected})
    hint = "expected " + _one_of(expected) if expected else None
    if token.type == "$END":
        end = len(source.text)
        opened = list(_BLOCK_START.finditer(source.text))
        where = f"`{opened[-1].group(1)} {opened[-1].group(2)}`" if opened else "the last block"
        return diag(
            "MC005",
            "the file ends in the middle of a definition",
            source.span(end, end),
            label="the file ends here",
            secondary=[
                Label(
                    span=source.span(opened[-1].start(), opened[-1].end()),
                    message="this block is still open",
                )
            ]
            if opened
            else [],
            help=f"finish {where} and close it with `}}`",
        )
    span: Span = token_span(source.path, token)
    header = _header_without_brace(source, token, expected)
    if header is not None:
        return header
    return diag(
        "MC001",
        f"unexpected {_describe_token(token)}",
        span,
        label=hint or "",
        help=_syntax_help(token, expected),
    )


# A line that holds a block's kind and name and nothing more.
_BARE_HEADER = re.compile(r"[ \t]*([A-Za-z_]\w*)[ \t]+([^\s{}]+)[ \t]*$")


def _header_without_brace(
    source: SourceFile, token: Token, expected: list[str]
) -> Diagnostic | None:
    """`metric x` whose `{` is missing, found at the next line's first word: said at
    the header itself, where the `{` belongs."""
    line, column = token.line or 0, token.column or 0
    if "`{`" not in expected or line < 2 or source.line_text(line)[: column - 1].strip():
        return None  # not the first word of a line
    before = line - 1
    while before > 1 and not source.line_text(before).strip():
        before -= 1
    found = _BARE_HEADER.fullmatch(source.line_text(before))
    if found is None:
        return None
    start = source.offset(before, found.start(1) + 1)
    end = source.offset(before, found.end(2) + 1)
    return diag(
        "MC001",
        f"`{found.group(1)} {found.group(2)}` has no `{{`",
        source.span(start, end),
        label="expected `{` after the name",
        help=f"a block is `{found.group(1)} {found.group(2)} {{ field: value ... }}`",
    )


def _bad_character(source: SourceFile, position: int) -> Diagnostic:
    char = source.text[position] if position < len(source.text) else ""
    span = source.span(position, position + 1)
    if char in "\"'":
        return diag(
            "MC002",
            "this string is not closed",
            span,
            label="the string starts here",
            help='close it on the same line, or use """...""" for text over several lines',
        )
    shown = repr(char) if char.isprintable() else f"U+{ord(char):04X}" if char else "nothing"
    return diag(
        "MC003",
        f"invalid character {shown}",
        span,
        label="no value or name can start here",
        help="names are letters, digits and `_`; text goes in quotes",
    )


def _describe_token(token: Token) -> str:
    if token.type == "NAME":
        return f"name `{token}`"
    text = str(token)
    if len(text) > 30:
        text = text[:27] + "..."
    return f"`{text}`"


def _one_of(items: list[str]) -> str:
    if len(items) > 6:
        return ", ".join(items[:6]) + ", ..."
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " or " + items[-1]


def _syntax_help(token: Token, expected: list[str]) -> str | None:
    if token == "=" and "`:`" in expected:
        return "fields are written `name: value`"
    if "`:`" in expected:
        return "a field is `name: value`; a block is `kind name { ... }`"
    if token.type == "NAME" and "`{`" in expected:
        return "a block is `kind name { field: value ... }`"
    return None
