"""AST to semantic model: kinds, names, fields, definitions.

Every problem becomes a diagnostic; nothing raises. A block with errors is
left out of the model, so later checks don't pile up consequential errors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from metricc.diagnostics import Diagnostic, Label, diag
from metricc.diagnostics.suggest import did_you_mean
from metricc.model import ast
from metricc.model import semantic as sm
from metricc.model.text import one_line
from metricc.resolve import promql
from metricc.resolve.expressions import ExpressionChecker
from metricc.resolve.references import Ref
from metricc.resolve.schema import DEFINITION_FIELDS, KINDS, FieldSpec
from metricc.resolve.values import ValueReader
from metricc.span import FieldSpans, SourceFile, Span

_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
# Names become file names and, with a suffix of up to 13 characters
# (`__denominator`), SQL identifiers, which PostgreSQL cuts at 63 bytes.
MAX_NAME = 50

Fields = dict[str, tuple[Any, ast.FieldNode]]


class Built(NamedTuple):
    """What one block contributes to the project: its model object (None when it has
    errors), the problems found in it and the names it refers to.

    A block's resolution reads only its own text and the project's sources (a
    measure reads its source's kind and entities); names are checked across the
    project afterwards. So the build cache keeps these per file, and a compile
    reuses them for an unchanged file while no source block has changed (a
    named tuple: unpickled without a call into Python, 10,000 of them).
    """

    kind: str
    name: str
    start: int  # where the block begins in its file
    item: Any
    diagnostics: tuple[Diagnostic, ...]
    refs: tuple[Ref, ...]


# Per file path, its blocks' records by where each begins.
Known = Mapping[str, Mapping[int, Built]]


class Unresolved(Exception):
    """A block of a file given as an outline has no record to reuse (it was a
    duplicate when the records were made): the file's tree is needed."""


class Builder:
    def __init__(self, sources: Mapping[str, SourceFile]) -> None:
        self.files = sources
        self.diagnostics: list[Diagnostic] = []
        self.values = ValueReader(self._text_of, self.diagnostics)
        self.refs: list[Ref] = []
        # Per file, what each of its blocks contributed (reused or built now).
        self.records: dict[str, list[Built]] = {}

    def _text_of(self, span: Span) -> str:
        """A value as it was written (a threshold, a target), on one line: it labels
        alerts, checks and pages, and may have been written over several."""
        source = self.files.get(span.file)
        return one_line(source.text[span.start : span.end]) if source else ""

    def error(self, code: str, message: str, span: Span, **kwargs: Any) -> None:
        self.diagnostics.append(diag(code, message, span, **kwargs))

    # --- blocks -------------------------------------------------------------

    def collect(self, files: list[ast.File]) -> dict[str, list[ast.Block]]:
        """Blocks by kind, first definition of each name only."""
        kinds: dict[str, list[ast.Block]] = {kind: [] for kind in KINDS}
        seen: dict[tuple[str, str], ast.Block] = {}
        for file in files:
            for block in file.blocks:
                if block.kind not in KINDS:
                    self.error(
                        "MC107",
                        f"unknown block kind `{block.kind}`",
                        block.kind_span,
                        label="not a kind of definition",
                        help=did_you_mean(block.kind, KINDS, "kind"),
                    )
                    continue
                if not _NAME.match(block.name):
                    self.error(
                        "MC113",
                        f"`{block.name}` is not a valid name",
                        block.name_span,
                        label="names are lower case",
                        help="use lower-case letters, digits and `_`, starting with a "
                        f"letter, e.g. `{_suggest_name(block.name)}`",
                    )
                elif len(block.name) > MAX_NAME:
                    self.error(
                        "MC113",
                        f"`{block.name[:20]}...` is too long a name ({len(block.name)} "
                        f"characters, at most {MAX_NAME})",
                        block.name_span,
                        label="too long",
                        help="a name becomes file names and SQL identifiers "
                        "(PostgreSQL cuts those at 63 bytes): shorten it",
                    )
                first = seen.get((block.kind, block.name))
                if first is not None:
                    self.error(
                        "MC108",
                        f"{block.kind} `{block.name}` is defined twice",
                        block.name_span,
                        label="defined again here",
                        secondary=[Label(span=first.name_span, message="first defined here")],
                        help="names are unique per kind across the project: rename or remove one",
                    )
                    continue
                seen[(block.kind, block.name)] = block
                kinds[block.kind].append(block)
        return kinds

    def read_fields(self, block: ast.Block) -> tuple[Fields, bool]:
        """Typed values of a block's fields, keyed by name (`entity:user` for labels).

        Fields with bad values are left out; the flag says whether all were good
        and every required field is present.
        """
        schema = KINDS[block.kind]
        out: Fields = {}
        before = len(self.diagnostics)
        for field in block.fields:
            spec = schema.get(field.key)
            if spec is None:
                self._unknown_field(block, field)
                continue
            if spec.labelled != (field.label is not None):
                self._label_error(block, field, spec)
                continue
            key = f"{field.key}:{field.label}" if field.label else field.key
            if key in out:
                self.error(
                    "MC109",
                    f"`{key.replace(':', ' ')}` is given twice in {block.kind} `{block.name}`",
                    field.key_span,
                    label="given again here",
                    secondary=[Label(span=out[key][1].key_span, message="first given here")],
                    help="keep one of them",
                )
                continue
            value = self.values.read(field, spec)
            if value is not None:
                out[key] = (value, field)
        for key, spec in schema.items():
            if spec.required and key not in out and not any(f.key == key for f in block.fields):
                self.error(
                    "MC202",
                    f"{block.kind} `{block.name}` has no `{key}`",
                    block.name_span,
                    label=f"`{key}` is required",
                    help=f"add `{key}: ...`: {spec.doc}",
                )
        return out, len(self.diagnostics) == before

    def _unknown_field(self, block: ast.Block, field: ast.FieldNode) -> None:
        others = [kind for kind, schema in KINDS.items() if field.key in schema]
        if others:
            hint: str | None = (
                f"`{field.key}` is a field of {' and '.join(others)} blocks, not {block.kind}"
            )
        else:
            hint = did_you_mean(field.key, KINDS[block.kind], "field")
        self.error(
            "MC201",
            f"unknown field `{field.key}` in {block.kind} `{block.name}`",
            field.key_span,
            label=f"not a field of {block.kind}",
            help=hint,
        )

    def _label_error(self, block: ast.Block, field: ast.FieldNode, spec: FieldSpec) -> None:
        if spec.labelled:
            self.error(
                "MC203",
                f"`{field.key}` needs a name: `{field.key} NAME: ...`",
                field.key_span,
                help=f"e.g. `{field.key} user: user_id`",
            )
        else:
            assert field.label_span is not None
            self.error(
                "MC201",
                f"`{field.key} {field.label}`: `{field.key}` takes no name",
                field.label_span,
                help=f"write `{field.key}: ...`",
            )

    # --- kinds --------------------------------------------------------------

    def build(self, files: list[ast.File], known: Known | None = None) -> dict[str, dict[str, Any]]:
        """Every block's model object, by kind and name. The blocks of a file in
        `known` are taken from its records (the file may be an outline: blocks
        without fields); `Unresolved` if one has none."""
        kinds = self.collect(files)
        reusable = known or {}
        built: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
        source_names = {block.name for block in kinds["source"]}
        self.checker = ExpressionChecker(source_names, self.diagnostics)
        self.sources: dict[str, sm.Source] = built["source"]
        for kind, make in (
            ("source", self.source),
            ("team", self.team),
            ("goal", self.goal),
            ("metric", self.metric),
            ("slo", self.slo),
        ):
            for block in kinds[kind]:
                item = self._record(block, make, reusable).item
                if item is not None:
                    built[kind][block.name] = item
        return built

    def _record(self, block: ast.Block, make: Any, known: Known) -> Built:
        """A block's record: reused from `known`, or made by building the block."""
        file = block.span.file
        if file in known:
            record = known[file].get(block.span.start)
            if record is None or (record.kind, record.name) != (block.kind, block.name):
                raise Unresolved(file)
            self.diagnostics += record.diagnostics
            self.refs += record.refs
        else:
            problems, refs = len(self.diagnostics), len(self.refs)
            item = self._build(block, make)
            record = Built(
                block.kind,
                block.name,
                block.span.start,
                item,
                tuple(self.diagnostics[problems:]),
                tuple(self.refs[refs:]),
            )
        self.records.setdefault(file, []).append(record)
        return record

    def _build(self, block: ast.Block, make: Any) -> Any:
        """Check a block as far as it goes; its model object only if all is well."""
        fields, complete = self.read_fields(block)
        before = len(self.diagnostics)
        for key, (value, _) in fields.items():
            named = (
                value
                if isinstance(value, tuple) and value and isinstance(value[0], tuple)
                else (value,)
            )
            for entry in named:
                if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], Span):
                    self.refs.append((block.kind, block.name, key, entry[0], entry[1]))
        values = {key: value for key, (value, _) in fields.items()}
        common = {
            "name": block.name,
            "location": block.name_span,
            "spans": FieldSpans.of({key: field.span for key, (_, field) in fields.items()}),
        }
        item = make(block, values, fields, common, complete)
        return item if complete and len(self.diagnostics) == before else None

    def team(
        self, block: ast.Block, v: dict[str, Any], f: Fields, common: dict[str, Any], complete: bool
    ) -> Any:
        return sm.Team(**common, **v) if complete else None

    def goal(
        self, block: ast.Block, v: dict[str, Any], f: Fields, common: dict[str, Any], complete: bool
    ) -> Any:
        return sm.Goal(**common, **_names(v)) if complete else None

    def source(
        self, block: ast.Block, v: dict[str, Any], f: Fields, common: dict[str, Any], complete: bool
    ) -> Any:
        entities = {k.split(":", 1)[1]: x for k, x in v.items() if k.startswith("entity:")}
        dimensions = {k.split(":", 1)[1]: x for k, x in v.items() if k.startswith("dimension:")}
        for expr in (*entities.values(), *dimensions.values()):
            self.checker.source_expr(expr)
        has_time, has_state = "time" in v, "valid_from" in v or "valid_to" in v
        if has_time and has_state:
            self.error(
                "MC207",
                f"source `{block.name}` has both `time` and `valid_from`/`valid_to`",
                f["time"][1].key_span,
                help="an event source places rows with `time`; a state source with "
                "`valid_from` and `valid_to`: keep one",
            )
        elif not has_time and "valid_from" not in v:
            self.error(
                "MC202",
                f"source `{block.name}` does not say how its rows sit in time",
                block.name_span,
                label="no `time` or `valid_from`",
                help="add `time: COLUMN` for events, or `valid_from: COLUMN` and "
                "`valid_to: COLUMN` for states that last a while",
            )
        if not complete:
            return None
        return sm.Source(
            **common,
            kind="event" if has_time else "state",
            title=v.get("title"),
            description=v.get("description"),
            owner=v["owner"][0] if "owner" in v else None,
            table=v["table"],
            time=v.get("time"),
            valid_from=v.get("valid_from"),
            valid_to=v.get("valid_to"),
            key=v.get("key"),
            entities=entities,
            dimensions=dimensions,
        )

    def metric(
        self, block: ast.Block, v: dict[str, Any], f: Fields, common: dict[str, Any], complete: bool
    ) -> Any:
        definition = self._definition(block, v, f)
        if definition is None or not complete:
            return None
        plain = _names(v)
        for key in (*DEFINITION_FIELDS, "denominator", "window", "target", "warn", "critical"):
            plain.pop(key, None)
        return sm.Metric(
            **common,
            **plain,
            definition=definition,
            target=sm.Target(**v["target"]) if "target" in v else None,
            warn=sm.Threshold(**v["warn"]) if "warn" in v else None,
            critical=sm.Threshold(**v["critical"]) if "critical" in v else None,
        )

    def _definition(self, block: ast.Block, v: dict[str, Any], f: Fields) -> Any:
        given = [key for key in (*DEFINITION_FIELDS, "denominator") if key in v]
        kinds = {"denominator": "numerator"}
        distinct = list(dict.fromkeys(kinds.get(key, key) for key in given))
        if not distinct:
            if not any(fl.key in (*DEFINITION_FIELDS, "denominator") for fl in block.fields):
                self.error(
                    "MC202",
                    f"metric `{block.name}` has no definition",
                    block.name_span,
                    label="what does it measure?",
                    help="add one of `measure`, `numerator` + `denominator`, `formula` "
                    "or `conversion`",
                )
            return None
        if len(distinct) > 1:
            for key in distinct:  # still report what is wrong inside each of them
                if key == "formula":
                    self.checker.formula(v[key])
                elif key == "conversion":
                    self._conversion(v[key])
                elif key in v:
                    self._measure(v[key])
            first, second = f[distinct[0]][1], f[distinct[1]][1]
            self.error(
                "MC207",
                f"metric `{block.name}` has more than one definition",
                second.key_span,
                label=f"`{second.key}` here",
                secondary=[Label(span=first.key_span, message=f"`{first.key}` here")],
                help="a metric is exactly one of: `measure`, `numerator` + "
                "`denominator`, `formula`, `conversion`",
            )
            return None
        kind = distinct[0]
        if kind == "numerator" and ("numerator" not in v or "denominator" not in v):
            missing = "denominator" if "numerator" in v else "numerator"
            self.error(
                "MC202",
                f"ratio metric `{block.name}` has no `{missing}`",
                block.name_span,
                help="a ratio needs both `numerator` and `denominator`",
            )
            return None
        if "window" in v and kind != "measure":
            self.error(
                "MC207",
                "`window` applies to a `measure`",
                f["window"][1].key_span,
                help="a trailing window sums up one measure; for other kinds, define a "
                "windowed metric and combine it with `formula`",
            )
            return None
        if kind == "measure":
            measure = self._measure(v["measure"])
            if measure is None:
                return None
            if "window" in v:
                window = v["window"]
                return sm.Window(measure=measure, window=None if window == "all" else window)
            return sm.Simple(measure=measure)
        if kind == "numerator":
            numerator, denominator = self._measure(v["numerator"]), self._measure(v["denominator"])
            if numerator is None or denominator is None:
                return None
            return sm.Ratio(numerator=numerator, denominator=denominator)
        if kind == "formula":
            names = self.checker.formula(v["formula"])
            inputs = tuple(dict.fromkeys(name.name for name in names))
            self.refs += [("metric", block.name, "formula", n.name, n.span) for n in names]
            return sm.Derived(formula=v["formula"], inputs=inputs)
        return self._conversion(v["conversion"])

    def _measure(self, value: ast.MeasureValue) -> sm.Measure | None:
        found = self.checker.measure(value.expr, value.where)
        if found is None:
            return None
        if not found:
            self.error(
                "MC208",
                "a measure must read a source's columns",
                value.span,
                help="e.g. `count(events.event_id)`",
            )
            return None
        name = next(iter(found))
        source = self.sources.get(name)
        if source is None:
            return None
        if source.kind == "state" and value.timing is None:
            self.error(
                "MC212",
                f"`{name}` holds states: say which rows count in a period",
                value.span,
                label="no timing",
                help="add `started`, `ended`, `active at start` or `active at end` after "
                "the aggregate, e.g. `count(subscriptions.subscription_id) ended`",
            )
            return None
        if source.kind == "event" and value.timing is not None:
            assert value.timing_span is not None
            self.error(
                "MC212",
                f"`{name}` holds events, which have no start and end",
                value.timing_span,
                label="timing of a state",
                help="timings apply to sources with `valid_from`/`valid_to`; remove it",
            )
            return None
        return sm.Measure(expr=value.expr, source=name, where=value.where, timing=value.timing)

    def _conversion(self, value: ast.ConversionValue) -> sm.Conversion | None:
        found = self.checker.row_filter(value.start) | self.checker.row_filter(value.end)
        if len(found) != 1:
            self.error(
                "MC209" if found else "MC208",
                "a conversion's two steps are filters over one source"
                if found
                else "a conversion's steps must test a source's columns",
                value.span,
                help="e.g. `events.name = 'signup' -> events.name = 'purchase' within 14d by user`",
            )
            return None
        source = self.sources.get(next(iter(found)))
        if source is None:
            return None
        if value.entity not in source.entities:
            self.error(
                "MC106",
                f"source `{source.name}` has no entity `{value.entity}`",
                value.entity_span,
                label="not an entity of the source",
                help=did_you_mean(value.entity, source.entities, "entity")
                or f"declare it in `{source.name}`: `entity {value.entity}: COLUMN`",
            )
            return None
        return sm.Conversion(
            source=source.name,
            entity=value.entity,
            start=value.start,
            end=value.end,
            within=value.within,
        )

    def slo(
        self, block: ast.Block, v: dict[str, Any], f: Fields, common: dict[str, Any], complete: bool
    ) -> Any:
        backend = v.get("backend", "warehouse")
        events: dict[str, Any] = {}
        for key in ("good", "total"):
            if key not in v:
                continue
            value = v[key]
            if backend == "prometheus":
                if not isinstance(value, str):
                    self.error(
                        "MC203",
                        f"with `backend: prometheus`, `{key}` is PromQL text",
                        f[key][1].value.span,
                        help="e.g. 'sum(rate(http_requests_total{job=\"api\"}[$window]))'",
                    )
                    continue
                span = f[key][1].value.span
                issues = promql.problems(value) if value.strip() else [(0, "it is empty")]
                for offset, message in issues:
                    at = span.start + 1 + offset  # past the opening quote
                    self.diagnostics.append(
                        diag(
                            "MC215",
                            f"`{key}` is not valid PromQL: {message}",
                            self.files[span.file].span(at, at + 1)
                            if span.file in self.files
                            else span,
                            label="here",
                        )
                    )
                if issues:
                    continue
                events[f"{key}_promql"] = value
            else:
                if isinstance(value, str):
                    self.error(
                        "MC203",
                        f"`{key}` is text: for PromQL, add `backend: prometheus`",
                        f[key][1].value.span,
                        help="with the warehouse backend, good and total are measures "
                        "such as `count(http_requests.request_id)`",
                    )
                    continue
                measure = self._measure(value)
                if measure is not None:
                    events[key] = measure
        if len(events) < 2 or not complete:
            return None
        objective, text = v["objective"]
        plain = _names(v)
        for key in ("good", "total", "objective", "backend"):
            plain.pop(key, None)
        return sm.SLO(
            **common, **plain, **events, objective=objective, objective_text=text, backend=backend
        )


def _names(values: dict[str, Any]) -> dict[str, Any]:
    """Field values with `(name, span)` references reduced to names."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], Span):
            out[key] = value[0]
        elif isinstance(value, tuple) and value and isinstance(value[0], tuple):
            out[key] = tuple(item[0] for item in value)
        else:
            out[key] = value
    return out


def _suggest_name(name: str) -> str:
    cleaned = re.sub(r"[^a-z0-9_]", "_", re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower())
    return cleaned if cleaned[:1].isalpha() else f"m_{cleaned}"
