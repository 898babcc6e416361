"""One renderer per output format, all reading the same Diagnostic data.

`human` is for people at a terminal or reading CI logs (a ruff/rustc-style
snippet with a caret), `concise` is one grep-able line per finding, `json`
is for tools, `github` prints workflow annotations.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from unicodedata import combining, east_asian_width

from metricc.diagnostics.model import Diagnostic, Label
from metricc.span import SourceFile, Span

Sources = Mapping[str, SourceFile]

_STYLE = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "info": "\x1b[1;36m"}
_BOLD, _BLUE, _RESET = "\x1b[1m", "\x1b[1;34m", "\x1b[0m"


def _location(span: Span | None) -> str:
    return f"{span.file}:{span.line}:{span.column}" if span else "metricc"


def render_concise(diagnostics: Sequence[Diagnostic], sources: Sources, color: bool = False) -> str:
    """`PATH:LINE:COL: severity[CODE]: message`, one line each."""
    return "".join(
        f"{_location(d.span)}: {d.severity.value}[{d.code}]: {d.message}\n" for d in diagnostics
    )


def render_human(diagnostics: Sequence[Diagnostic], sources: Sources, color: bool = False) -> str:
    """The headline, the source lines with carets under each label, and the help."""

    def paint(text: str, style: str) -> str:
        return f"{style}{text}{_RESET}" if color else text

    out: list[str] = []
    for d in diagnostics:
        head = paint(f"{d.severity.value}[{d.code}]", _STYLE[d.severity.value])
        out.append(f"{paint(_location(d.span), _BOLD)}: {head}: {paint(d.message, _BOLD)}\n")
        labels = [(d.primary, "^")] if d.primary else []
        labels += [(label, "-") for label in d.secondary]
        out.append(_snippet(labels, sources, paint))
        if d.help:
            gutter = paint("   =", _BLUE)
            out.append(f"{gutter} {paint('help', _BOLD)}: {d.help}\n")
        out.append("\n")
    return "".join(out)


def _snippet(
    labels: list[tuple[Label, str]], sources: Sources, paint: Callable[[str, str], str]
) -> str:
    """Source lines for the labels, grouped by file, in line order."""
    by_file: dict[str, list[tuple[Label, str]]] = {}
    for label, mark in labels:
        by_file.setdefault(label.span.file, []).append((label, mark))
    width = max((len(str(label.span.line)) for label, _ in labels), default=1)
    pad = " " * width
    out: list[str] = []
    for index, (path, items) in enumerate(by_file.items()):
        source = sources.get(path)
        if source is None:
            continue
        if index:
            first = items[0][0].span
            out.append(f"{pad}{paint('::: ', '')}{path}:{first.line}:{first.column}\n")
        out.append(paint(f"{pad} |", _BLUE) + "\n")
        previous = 0
        for label, mark in sorted(items, key=lambda item: (item[0].span.line, item[0].span.column)):
            span = label.span
            if previous and span.line > previous + 1:
                out.append(paint(f"{'.' * width}", _BLUE) + "\n")
            text = source.line_of(span).replace("\t", " ")
            if span.line != previous:
                out.append(paint(f"{span.line:>{width}} | ", _BLUE) + text + "\n")
            previous = span.line
            end = span.end_column if span.end_line == span.line else len(text) + 1
            # Under the characters as a terminal shows them (CJK and emoji take two cells).
            before = _cells(text[: span.column - 1])
            length = max(1, _cells(text[span.column - 1 : end - 1]))
            underline = " " * before + mark * length
            note = f" {label.message}" if label.message else ""
            style = _STYLE["error"] if mark == "^" else _BLUE
            out.append(paint(f"{pad} | ", _BLUE) + paint(underline + note, style) + "\n")
        out.append(paint(f"{pad} |", _BLUE) + "\n")
    return "".join(out)


def _cells(text: str) -> int:
    """How many terminal columns `text` takes: two for wide and full-width characters,
    none for combining marks, one for the rest."""
    return sum(0 if combining(c) else 2 if east_asian_width(c) in ("W", "F") else 1 for c in text)


def to_records(diagnostics: Sequence[Diagnostic]) -> list[dict[str, object]]:
    """Plain dicts with the fields CI tools expect (also the basis of JSON output)."""
    records: list[dict[str, object]] = []
    for d in diagnostics:
        span = d.span
        records.append(
            {
                "rule": d.rule,
                "code": d.code,
                "severity": d.severity.value,
                "message": d.message,
                "path": span.file if span else None,
                "line": span.line if span else None,
                "column": span.column if span else None,
                "end_line": span.end_line if span else None,
                "end_column": span.end_column if span else None,
                "help": d.help,
                "related": [
                    {
                        "message": label.message,
                        "path": label.span.file,
                        "line": label.span.line,
                        "column": label.span.column,
                    }
                    for label in d.secondary
                ],
            }
        )
    return records


def render_json(diagnostics: Sequence[Diagnostic], sources: Sources, color: bool = False) -> str:
    return json.dumps(to_records(diagnostics), indent=2, ensure_ascii=False) + "\n"


def _gh_escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(diagnostics: Sequence[Diagnostic], sources: Sources, color: bool = False) -> str:
    """GitHub Actions workflow commands: one annotation per finding."""
    level = {"error": "error", "warning": "warning", "info": "notice"}
    out = []
    for d in diagnostics:
        span = d.span
        props = [f"title={_gh_escape(f'{d.code} {d.rule}', True)}"]
        if span:
            props = [
                f"file={_gh_escape(span.file, True)}",
                f"line={span.line}",
                f"col={span.column}",
                f"endLine={span.end_line}",
                f"endColumn={span.end_column}",
                *props,
            ]
        message = d.message + (f"\n\nhelp: {d.help}" if d.help else "")
        out.append(f"::{level[d.severity.value]} {','.join(props)}::{_gh_escape(message)}\n")
    return "".join(out)


SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _sarif_region(span: Span) -> dict[str, int]:
    return {
        "startLine": span.line,
        "startColumn": span.column,
        "endLine": span.end_line,
        "endColumn": max(span.end_column, span.column + 1)
        if span.end_line == span.line
        else span.end_column,
    }


def _sarif_location(span: Span, message: str = "") -> dict[str, object]:
    location: dict[str, object] = {
        "physicalLocation": {
            "artifactLocation": {"uri": span.file},
            "region": _sarif_region(span),
        }
    }
    if message:
        location["message"] = {"text": message}
    return location


def render_sarif(diagnostics: Sequence[Diagnostic], sources: Sources, color: bool = False) -> str:
    """SARIF 2.1.0, as GitHub code scanning reads it: one run, every rule described."""
    from metricc import __version__
    from metricc.diagnostics.codes import CODES

    used = sorted({d.code for d in diagnostics})
    rules = [
        {
            "id": code,
            "name": CODES[code].name,
            "shortDescription": {"text": CODES[code].summary},
            "fullDescription": {
                "text": f"{CODES[code].summary} (`metricc rule {CODES[code].name}` explains it)"
            },
            "defaultConfiguration": {"level": _SARIF_LEVEL[CODES[code].severity.value]},
        }
        for code in used
    ]
    index = {code: i for i, code in enumerate(used)}
    results = []
    for d in diagnostics:
        result: dict[str, object] = {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": _SARIF_LEVEL[d.severity.value],
            "message": {"text": d.message + (f"\nhelp: {d.help}" if d.help else "")},
        }
        if d.span is not None:
            result["locations"] = [_sarif_location(d.span)]
        if d.secondary:
            result["relatedLocations"] = [
                {"id": i, **_sarif_location(label.span, label.message)}
                for i, label in enumerate(d.secondary)
            ]
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "metricc",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


Renderer = Callable[[Sequence[Diagnostic], Sources, bool], str]

RENDERERS: dict[str, Renderer] = {
    "human": render_human,
    "concise": render_concise,
    "json": render_json,
    "github": render_github,
    "sarif": render_sarif,
}
