"""`metricc fmt`: one canonical layout, so diffs show only meaning.

Blocks keep their order; fields take the schema's order (labelled ones keep
theirs), one per line, two spaces in; expressions are printed from the tree
with the parentheses precedence needs and nothing else; literals keep the
spelling they were written with. Comments stay where they were: a comment at
the end of a line stays on that field's line (when a value over several lines
has several, the others follow it on lines of their own), comments on lines of
their own stay above the field (or block, or closing brace) that follows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from metricc.model import ast
from metricc.model import expr as ex
from metricc.model.text import ExprText, quoted
from metricc.span import SourceFile

INDENT = "  "


@dataclass
class _Notes:
    """Comments attached to one printed item."""

    leading: list[str] = field(default_factory=list)
    gap_before: bool = False  # a blank line separated the comments from the item
    trailing: list[str] = field(default_factory=list)


def field_order(kind: str) -> dict[str, int]:
    from metricc.resolve.schema import KINDS

    return {name: index for index, name in enumerate(KINDS.get(kind, {}))}


class Printer:
    def __init__(self, source: SourceFile, file: ast.File) -> None:
        self.source = source
        self.file = file
        self.exprs = _SpelledText(source)

    def text(self, span_start: int, span_end: int) -> str:
        return self.source.text[span_start:span_end]

    # --- comments -----------------------------------------------------------

    def _attach(self) -> tuple[dict[int, _Notes], list[str]]:
        """Notes keyed by the start offset of the item each comment belongs to."""
        items: list[tuple[int, int, int]] = []  # (first line, last line, key offset)
        for block in self.file.blocks:
            items.append((block.span.line, block.span.line, block.span.start))
            for f in block.fields:
                items.append((f.span.line, f.span.end_line, f.span.start))
            items.append((block.span.end_line, block.span.end_line, block.span.end - 1))
        items.sort()
        notes: dict[int, _Notes] = {}
        orphans: list[str] = []
        pending: list[str] = []
        pending_last_line = 0
        comments = sorted(self.file.comments, key=lambda c: c.span.start)
        index = 0
        for first, last, key in items:
            while index < len(comments) and comments[index].span.line < first:
                comment = comments[index]
                if pending and self._blank_between(pending_last_line, comment.span.line):
                    pending.append("")  # a paragraph break between comments
                pending.append(comment.text.rstrip())
                pending_last_line = comment.span.line
                index += 1
            note = notes.setdefault(key, _Notes())
            if pending:
                note.leading += pending
                note.gap_before = self._blank_between(pending_last_line, first)
                pending = []
            while index < len(comments) and first <= comments[index].span.line <= last:
                note.trailing.append(comments[index].text.rstrip())
                index += 1
        orphans = pending
        for comment in comments[index:]:  # after the last item (or in a file of comments)
            if orphans and self._blank_between(pending_last_line, comment.span.line):
                orphans.append("")  # a paragraph break between comments
            orphans.append(comment.text.rstrip())
            pending_last_line = comment.span.line
        return notes, orphans

    def _blank_between(self, line: int, next_line: int) -> bool:
        return any(not self.source.line_text(n).strip() for n in range(line + 1, next_line))

    # --- blocks and fields ----------------------------------------------------

    def format(self) -> str:
        notes, orphans = self._attach()
        out: list[str] = []
        for number, block in enumerate(self.file.blocks):
            if number:
                out.append("")
            head = notes.get(block.span.start, _Notes())
            out += head.leading
            if head.leading and head.gap_before:
                out.append("")
            out.append(self._with_trailing(f"{block.kind} {block.name} {{", head.trailing))
            order = field_order(block.kind)
            fields = sorted(
                enumerate(block.fields),
                key=lambda item: (order.get(item[1].key, len(order)), item[0]),
            )
            body: list[tuple[str, str]] = []  # (code, trailing comments)
            for _, f in fields:
                note = notes.get(f.span.start, _Notes())
                body += [(INDENT + line if line else "", "") for line in note.leading]
                lines = self._field(f)
                body += [(line, "") for line in lines[:-1]]
                # A value written over several lines may end several of them with a
                # comment: the first stays at the end of the field's line, the others
                # follow on lines of their own (joined, they would read as one comment).
                first, *more = note.trailing or [""]
                body.append((lines[-1], first))
                body += [(INDENT + comment, "") for comment in more]
            tail = notes.get(block.span.end - 1, _Notes())
            body += [(INDENT + line if line else "", "") for line in tail.leading]
            out += _aligned(body)
            out.append(self._with_trailing("}", tail.trailing))
        if orphans:
            if out:
                out.append("")
            out += orphans
        return "\n".join(out) + "\n" if out else ""

    @staticmethod
    def _with_trailing(line: str, comments: list[str]) -> str:
        return line + "".join(f"  {c}" for c in comments)

    def _field(self, f: ast.FieldNode) -> list[str]:
        key = f"{f.key} {f.label}" if f.label else f.key
        value = f.value
        if isinstance(value, ast.Text) and value.triple:
            body = [INDENT * 2 + line if line.strip() else "" for line in value.value.split("\n")]
            return [f'{INDENT}{key}: """', *body, f'{INDENT}"""']
        return [f"{INDENT}{key}: {self.value(f, value)}"]

    def value(self, f: ast.FieldNode, value: ast.Value) -> str:
        if isinstance(value, ast.Text):
            return _double_quoted(value.value)
        if isinstance(value, ast.ExprValue):
            return self.expr(value.expr)
        if isinstance(value, ast.ListValue):
            return ", ".join(self.expr(item) for item in value.items)
        if isinstance(value, ast.MeasureValue):
            parts = [self.expr(value.expr)]
            if value.timing:
                parts.append(value.timing.replace("_", " "))
            if value.where is not None:
                parts.append("where " + self.expr(value.where))
            return " ".join(parts)
        if isinstance(value, ast.ThresholdValue):
            parts = ["change"] if value.change else []
            parts += [value.op, self.expr(value.value)]
            if value.by is not None and value.by_span is not None:
                parts.append("by " + self.text(value.by_span.start, value.by_span.end))
            if value.for_periods is not None:
                parts.append(f"for {value.for_periods} {value.period_word}")
            if value.versus is not None:
                parts.append(f"vs {value.versus}")
            return " ".join(parts)
        assert isinstance(value, ast.ConversionValue)
        return (
            f"{self.expr(value.start)} -> {self.expr(value.end)} within "
            f"{value.within} by {value.entity}"
        )

    # --- expressions ------------------------------------------------------------

    def expr(self, node: ex.Expr) -> str:
        return self.exprs.expr(node)


class _SpelledText(ExprText):
    """Expressions with every literal spelled as it was written."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source

    def literal(self, node: ex.Number | ex.Duration | ex.DateLit | ex.String) -> str:
        written = self.source.text[node.span.start : node.span.end].strip()
        if isinstance(node, ex.String) and written[:1] not in "'\"":
            return quoted(node.value)
        return written


def _aligned(body: list[tuple[str, str]]) -> list[str]:
    """Lines whose trailing comments line up within each run of consecutive ones (as gofmt)."""
    out: list[str] = []
    run: list[tuple[str, str]] = []

    def flush() -> None:
        width = max((len(code) for code, _ in run), default=0)
        out.extend(f"{code.ljust(width)}  {comment}" for code, comment in run)
        run.clear()

    for code, comment in body:
        if comment and not code.lstrip().startswith("#"):
            run.append((code, comment))
            continue
        flush()
        out.append(code)
    flush()
    return out


def _double_quoted(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def format_source(source: SourceFile, file: ast.File) -> str:
    return Printer(source, file).format()


def shape(file: ast.File) -> object:
    """What a file means, without layout: blocks, fields (unordered) and comment texts."""
    blocks = []
    for block in file.blocks:
        fields = sorted((f.key, f.label or "", repr(f.value.dump())) for f in block.fields)
        blocks.append((block.kind, block.name, fields))
    return blocks, sorted(c.text.rstrip() for c in file.comments)
