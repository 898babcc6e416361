"""A generator of synthetic metricc projects for benchmarks.

`project_text(n)` writes `n` metrics with a realistic mix of every kind
(simple, ratio, formula, window, conversion, state measures), plus the teams,
goals and sources they name, links, targets and thresholds: a few hundred lines
per 100 metrics, all valid.
"""

from __future__ import annotations

import random
from pathlib import Path

SOURCES = """\
source events {
  table: analytics.events
  time: occurred_at
  key: event_id
  entity user: user_id
  dimension platform: platform
  dimension country: upper(country)
}

source orders {
  table: orders
  time: ordered_at
  entity user: user_id
  dimension channel: channel
}

source subscriptions {
  table: subscriptions
  valid_from: started_at
  valid_to: cancelled_at
  dimension plan: plan
}
"""

EVENT_NAMES = ["signup", "activated", "feature_used", "workflow_completed", "purchase"]


def _definition(rng: random.Random, index: int, earlier: list[str]) -> tuple[str, str]:
    """A definition body and its unit, chosen with a realistic mix.

    Each metric measures something of its own (its own event or channel), as in a
    real project: copies of one definition would only measure `duplicate-metric`.
    """
    kind = rng.choices(
        ["simple", "ratio", "formula", "window", "conversion", "state"],
        weights=[40, 25, 15, 8, 6, 6],
    )[0]
    name = f"{rng.choice(EVENT_NAMES)}_{index}"
    if kind == "formula" and len(earlier) >= 2:
        a, b = rng.sample(earlier[-50:], 2)
        return f"  formula: {a} / {b}\n", "ratio"
    if kind == "ratio":
        return (
            f"  numerator: count_distinct(events.user_id) where events.name = '{name}'\n"
            "  denominator: count_distinct(events.user_id)\n"
            f"  min_sample: {rng.randint(50, 500)}\n"
        ), "percent"
    if kind == "window":
        return (
            f"  measure: count_distinct(events.user_id) where events.name = '{name}'\n"
            f"  window: {rng.choice([7, 28, 30])}d\n"
        ), "users"
    if kind == "conversion":
        return (
            f"  conversion: events.name = 'signup' -> events.name = '{name}' "
            f"within {rng.choice([7, 14, 30])}d by user\n"
        ), "percent"
    if kind == "state":
        return (
            "  numerator: count(subscriptions.subscription_id) ended where "
            f"subscriptions.plan = 'plan_{index}'\n"
            "  denominator: count(subscriptions.subscription_id) active at start\n"
            "  min_sample: 50\n"
        ), "percent"
    channel = f"orders.channel = 'channel_{index}'"
    aggregate = rng.choice(
        [
            f"sum(orders.amount_usd) where orders.status = 'completed' and {channel}",
            f"avg(orders.amount_usd) where {channel}",
            f"percentile(orders.amount_usd, 0.95) where {channel}",
            f"count(events.event_id) where events.name = '{name}'",
        ]
    )
    return f"  measure: {aggregate}\n", "count"


def project_text(n: int, seed: int = 7) -> str:
    """One file's text with `n` metrics (teams and goals scale with n)."""
    rng = random.Random(seed)
    teams = max(2, n // 50)
    goals = max(2, n // 20)
    out = [SOURCES]
    for t in range(teams):
        out.append(
            f'team team_{t} {{\n  title: "Team {t}"\n  channel: "#team-{t}"\n'
            f'  escalation: "pagerduty:team-{t}"\n  review: weekly\n}}\n'
        )
    out.append('goal goal_0 {\n  title: "Company"\n  owner: team_0\n  north_star: metric_0\n}\n')
    for g in range(1, goals):
        out.append(
            f'goal goal_{g} {{\n  title: "Goal {g}"\n  owner: team_{g % teams}\n'
            f"  parent: goal_{rng.randrange(g)}\n}}\n"
        )
    names: list[str] = []
    for i in range(n):
        body, unit = _definition(rng, i, names)
        grain = rng.choice(["day", "week", "week", "month"])
        lines = [
            f"metric metric_{i} {{\n",
            f'  title: "Metric {i}"\n',
            f'  description: "Synthetic metric number {i}."\n',
            f"  owner: team_{i % teams}\n",
            f"  goal: goal_{i % goals}\n",
            f"  unit: {unit}\n",
            "  direction: up\n",
            f"  grain: {grain}\n",
            body,
        ]
        if i and rng.random() < 0.3:
            lines.append("  indicator: leading\n")
            lines.append(f"  leads: metric_{rng.randrange(i)}\n")
        else:
            lines.append("  indicator: lagging\n")
            lines.append(f"  target: >= {rng.randint(10, 1000)} by 2027-03-31\n")
        if rng.random() < 0.3:
            lines.append(f"  warn: < {rng.randint(1, 10)} for 2 periods\n")
        lines.append('  action: "Investigate the latest change."\n')
        lines.append("}\n")
        out.append("".join(lines))
        names.append(f"metric_{i}")
    return "\n".join(out)


def write_project(folder: Path, n: int, files: int = 10, seed: int = 7) -> Path:
    """The same project split over several files, as teams keep them."""
    folder.mkdir(parents=True, exist_ok=True)
    blocks = project_text(n, seed).split("\n\n")
    per = max(1, len(blocks) // files)
    for index in range(0, len(blocks), per):
        part = "\n\n".join(blocks[index : index + per])
        (folder / f"part_{index // per:03d}.metric").write_text(part + "\n", encoding="utf-8")
    return folder
