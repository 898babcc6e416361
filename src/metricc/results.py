"""Query results for people and tools: statistics, units, and the three formats."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from metricc.model import semantic as sm
from metricc.model.text import show_value

Z95 = 1.959963984540054


def wilson(successes: float, trials: float, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion, or None without trials."""
    if trials <= 0 or successes < 0 or successes > trials:
        return None
    p = successes / trials
    z2 = z * z
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()[:10] if isinstance(value, date) else value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def records(
    metric: sm.Metric, columns: list[str], rows: list[tuple[Any, ...]]
) -> list[dict[str, Any]]:
    """Rows as dicts; percent ratios gain sample size, a 95% interval and a low-sample flag."""
    out = []
    proportion = metric.unit == "percent" and "denominator" in columns
    for row in rows:
        record = {c: _plain(v) for c, v in zip(columns, row, strict=True)}
        if proportion:
            num, den = record.get("numerator"), record.get("denominator")
            record["sample_size"] = int(den) if den is not None else None
            bounds = wilson(num, den) if num is not None and den is not None else None
            record["ci_low"], record["ci_high"] = bounds if bounds else (None, None)
        if metric.min_sample is not None and "denominator" in columns:
            den = record.get("denominator")
            record["low_sample"] = den is None or den < metric.min_sample
        out.append(record)
    return out


def to_json(items: list[dict[str, Any]]) -> str:
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


def to_csv(items: list[dict[str, Any]], columns: list[str]) -> str:
    """CSV with a header (the query's `columns` when there are no rows), booleans
    written as JSON writes them (`true`, `false`)."""
    buffer = io.StringIO()
    fields = list(items[0]) if items else columns
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for item in items:
        writer.writerow({k: str(v).lower() if isinstance(v, bool) else v for k, v in item.items()})
    return buffer.getvalue()


def to_table(metric: sm.Metric, items: list[dict[str, Any]], grain: str) -> str:
    """An aligned text table with values in the metric's unit."""
    unit = metric.unit
    lines = [f"{metric.title} ({metric.name}), per {grain}" + (f", in {unit}" if unit else "")]
    if not items:
        return lines[0] + "\n(no periods)\n"
    counts = {"numerator", "denominator", "sample_size"}
    headers = [k for k in items[0] if k not in ("ci_low", "ci_high", "low_sample")]
    has_ci = "ci_low" in items[0]
    if has_ci:
        headers.append("95% CI")
    body = []
    for item in items:
        cells = []
        for key in headers:
            if key == "95% CI":
                low, high = item.get("ci_low"), item.get("ci_high")
                cells.append(
                    "—" if low is None else f"{show_value(low, unit)}–{show_value(high, unit)}"
                )
            elif key == "value":
                mark = " *" if item.get("low_sample") else ""
                cells.append(show_value(item[key], unit) + mark)
            elif key in counts:
                cells.append(show_value(item[key], "count"))
            else:
                cells.append("—" if item[key] is None else str(item[key]))
        body.append(cells)
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(headers)]
    numeric = [h in ("value", "95% CI") or h in counts for h in headers]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if n else c.ljust(w) for c, w, n in zip(cells, widths, numeric, strict=True)
        ).rstrip()

    lines.append(line(headers))
    lines.append("  ".join("-" * w for w in widths))
    lines += [line(r) for r in body]
    if any(item.get("low_sample") for item in items):
        lines.append(f"* denominator below min_sample ({metric.min_sample}): not trusted")
    return "\n".join(lines) + "\n"
