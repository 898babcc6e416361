"""The resolved semantic model: what every backend reads.

Names are checked, values typed, defaults applied. Backends (SQL, alerts,
catalogue) and lint read only this; `metricc compile` writes it as
`manifest.json` together with its JSON Schema.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from metricc.frozen import Frozen, Tagged, field
from metricc.model.ast import Timing
from metricc.model.expr import Duration, Expr
from metricc.span import FieldSpans, Span

Grain = Literal["day", "week", "month", "quarter", "year"]

# The names the generated SQL gives the steps of its queries (CTEs) besides each
# metric's own (`<metric>__measure`...): a source's table named so would be read as
# the step, so a table of that name must be written with its schema.
QUERY_STEPS = frozenset({"bounds", "spine", "grid", "series", "checked", "hits"})


# Months per period, for the grains that are counted in months.
_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def period_start(grain: str, day: date) -> date:
    """The first day of the period of `grain` that `day` falls in (weeks start on
    Monday, as the warehouses truncate them)."""
    if grain == "day":
        return day
    if grain == "week":
        return day - timedelta(days=day.weekday())
    months = _MONTHS[grain]
    index = (day.year * 12 + day.month - 1) // months * months
    return date(index // 12, index % 12 + 1, 1)


def period_end(grain: str, start: date) -> date:
    """The day after a period of `grain` that starts on `start`: it is complete by then."""
    if grain == "day":
        return start + timedelta(days=1)
    if grain == "week":
        return start + timedelta(days=7)
    month = start.month - 1 + _MONTHS[grain]
    return date(start.year + month // 12, month % 12 + 1, 1)


GRAINS: tuple[Grain, ...] = ("day", "week", "month", "quarter", "year")
Unit = Literal["count", "users", "percent", "ratio", "usd", "ms", "seconds", "hours", "score"]
Tier = Literal["north_star", "key", "supporting"]
Indicator = Literal["leading", "lagging"]
Direction = Literal["up", "down"]
Status = Literal["draft", "active", "deprecated", "archived"]
Review = Literal["daily", "weekly", "biweekly", "monthly", "quarterly"]
Comparator = Literal[">=", "<=", "!=", "=", "<", ">"]


class _Block(Frozen):
    """A top-level definition: its name, where it is written, and its fields' spans."""

    name: str
    location: Span
    spans: FieldSpans = field(default_factory=FieldSpans, exclude=True, repr=False)

    def span_of(self, field: str) -> Span:
        """Where a field is written, else the block's name."""
        return self.spans.get(field, self.location)

    def references(self) -> tuple[tuple[str, str], ...]:
        """The blocks this one names, as (kind, name): its links into the project
        (what a page of another block may show of this one, such as a metric's
        "led by", goes through these)."""
        return ()


def _named(kind: str, *names: str | None) -> tuple[tuple[str, str], ...]:
    return tuple((kind, name) for name in names if name)


class Team(_Block):
    title: str | None = None
    description: str | None = None
    lead: str | None = None
    channel: str | None = None
    escalation: str | None = None
    review: Review | None = None


class Goal(_Block):
    title: str | None = None
    description: str | None = None
    owner: str | None = None
    parent: str | None = None
    north_star: str | None = None

    def references(self) -> tuple[tuple[str, str], ...]:
        return (
            *_named("team", self.owner),
            *_named("goal", self.parent),
            *_named("metric", self.north_star),
        )


class Source(_Block):
    """A table and how its rows sit in time.

    An event source places each row at `time`. A state source holds rows that
    are valid from `valid_from` until `valid_to` (null: still valid), so that
    a measure can count rows started, ended or active at a period's edge.
    """

    title: str | None = None
    description: str | None = None
    owner: str | None = None
    table: str
    kind: Literal["event", "state"]
    time: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    key: str | None = None
    entities: dict[str, Expr] = field(default_factory=dict)
    dimensions: dict[str, Expr] = field(default_factory=dict)

    def references(self) -> tuple[tuple[str, str], ...]:
        return _named("team", self.owner)

    @property
    def start_column(self) -> str:
        """The column that places a row in time (its start, for a state)."""
        column = self.time if self.kind == "event" else self.valid_from
        assert column is not None
        return column


class Measure(Frozen):
    """Aggregates over one source's rows, with an optional filter and timing.

    `expr` may combine several aggregates arithmetically
    (`sum(orders.amount_usd) - sum(orders.cost_usd)`).
    """

    expr: Expr
    source: str
    where: Expr | None = None
    timing: Timing | None = None

    # Pickled apart, loaded when first read (see `Frozen._deferred`): after an edit,
    # the unchanged files' measures are read only by the few queries made again
    # (lint reads what it needs of them from its kept facts).
    _deferred = ("expr", "where", "timing")


class Simple(Frozen):
    kind: Literal["simple"] = "simple"
    measure: Measure


class Ratio(Frozen):
    """numerator / denominator, each a measure; their sources may differ."""

    kind: Literal["ratio"] = "ratio"
    numerator: Measure
    denominator: Measure


class Derived(Frozen):
    """Arithmetic over other metrics, evaluated at this metric's grain."""

    kind: Literal["derived"] = "derived"
    formula: Expr
    inputs: tuple[str, ...]

    _deferred = ("formula",)


class Window(Frozen):
    """A measure over a trailing window ending on each day; `window: all` (None) is cumulative."""

    kind: Literal["window"] = "window"
    measure: Measure
    window: Duration | None

    @property
    def days(self) -> int | None:
        return None if self.window is None else self.window.seconds // 86400


class Conversion(Frozen):
    """Entities whose first `start` row falls in the period, and the share reaching `end`."""

    kind: Literal["conversion"] = "conversion"
    source: str
    entity: str
    start: Expr
    end: Expr
    within: Duration

    _deferred = ("start", "end")


Definition = Annotated[Simple | Ratio | Derived | Window | Conversion, Tagged("kind")]


class Target(Frozen):
    """Where the metric should be: `>= 12000 by 2027-03-31`."""

    op: Comparator
    value: Decimal
    text: str
    by: date | None = None


class Threshold(Frozen):
    """When to alert: the condition that *fires*.

    `value` is absolute, or with `change` the relative change against the
    previous period as a fraction (-20% is -0.2). `for_periods` is persistence.
    """

    severity: Literal["warn", "critical"]
    op: Comparator
    value: Decimal
    text: str
    change: bool = False
    for_periods: int = 1


class Metric(_Block):
    title: str
    description: str | None = None
    owner: str | None = None
    goal: str | None = None
    tier: Tier | None = None
    indicator: Indicator | None = None
    leads: tuple[str, ...] = ()
    unit: Unit | None = None
    direction: Direction | None = None
    grain: Grain
    dimensions: tuple[str, ...] = ()
    definition: Definition
    target: Target | None = None
    warn: Threshold | None = None
    critical: Threshold | None = None
    min_sample: int | None = None
    action: str | None = None
    runbook: str | None = None
    status: Status = "active"
    tags: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return self.definition.kind

    @property
    def thresholds(self) -> tuple[Threshold, ...]:
        warn, critical = self.warn, self.critical
        if warn is None:
            return () if critical is None else (critical,)
        return (warn,) if critical is None else (warn, critical)

    def measures(self) -> tuple[Measure, ...]:
        d = self.definition
        if isinstance(d, Simple | Window):
            return (d.measure,)
        if isinstance(d, Ratio):
            return (d.numerator, d.denominator)
        return ()

    def direct_sources(self) -> tuple[str, ...]:
        """Sources this metric reads itself (not through formula inputs), in order."""
        d = self.definition
        if isinstance(d, Conversion):
            return (d.source,)
        return tuple(dict.fromkeys(m.source for m in self.measures()))

    def references(self) -> tuple[tuple[str, str], ...]:
        inputs = self.definition.inputs if isinstance(self.definition, Derived) else ()
        return (
            *_named("team", self.owner),
            *_named("goal", self.goal),
            *_named("metric", *self.leads, *inputs),
            *_named("source", *self.direct_sources()),
        )


class SLO(_Block):
    """A service level objective over good and total events.

    `backend: warehouse` measures both with SQL measures; `backend: prometheus`
    takes PromQL with `$window` standing for the range of each burn-rate window.
    """

    title: str | None = None
    description: str | None = None
    owner: str | None = None
    objective: Decimal
    objective_text: str
    window: Duration
    backend: Literal["warehouse", "prometheus"] = "warehouse"
    good: Measure | None = None
    total: Measure | None = None
    good_promql: str | None = None
    total_promql: str | None = None
    action: str | None = None
    runbook: str | None = None
    tags: tuple[str, ...] = ()

    def references(self) -> tuple[tuple[str, str], ...]:
        measures = (m.source for m in (self.good, self.total) if m is not None)
        return (*_named("team", self.owner), *_named("source", *measures))

    @property
    def budget(self) -> Decimal:
        """The error budget: the share of events that may be bad (1 - objective)."""
        return Decimal(1) - self.objective

    @property
    def budget_text(self) -> str:
        """The error budget as a percentage, exactly: `0.1%`."""
        return format((self.budget * 100).normalize(), "f") + "%"


class BurnRate(Frozen):
    """One row of the burn-rate policy: alert (`page` or `ticket`) when the error
    ratio over both windows exceeds `burn` times the SLO's error budget."""

    severity: Literal["page", "ticket"]
    burn: Decimal
    long: str
    short: str


# The multi-window burn-rate policy every SLO is alerted on (the SRE workbook's).
POLICY: tuple[BurnRate, ...] = (
    BurnRate(severity="page", burn=Decimal("14.4"), long="1h", short="5m"),
    BurnRate(severity="page", burn=Decimal("6"), long="6h", short="30m"),
    BurnRate(severity="ticket", burn=Decimal("3"), long="1d", short="2h"),
    BurnRate(severity="ticket", burn=Decimal("1"), long="3d", short="6h"),
)


class Project(Frozen):
    """Everything one project defines, each kind keyed by name in file order."""

    root: str
    files: tuple[str, ...]
    teams: dict[str, Team] = field(default_factory=dict)
    goals: dict[str, Goal] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    metrics: dict[str, Metric] = field(default_factory=dict)
    slos: dict[str, SLO] = field(default_factory=dict)

    def metric_closure(self, name: str) -> tuple[str, ...]:
        """A metric and every metric its value is computed from (formula inputs, transitively)."""
        order: dict[str, None] = {}
        stack = [name]
        while stack:
            current = stack.pop()
            if current in order or current not in self.metrics:
                continue
            order[current] = None
            definition = self.metrics[current].definition
            if isinstance(definition, Derived):
                stack.extend(reversed(definition.inputs))
        return tuple(order)

    def metric_sources(self, name: str) -> tuple[str, ...]:
        """Every source a metric reads, through formula inputs too, in a stable order."""
        seen: dict[str, None] = {}
        for current in self.metric_closure(name):
            for source in self.metrics[current].direct_sources():
                seen.setdefault(source)
        return tuple(seen)
