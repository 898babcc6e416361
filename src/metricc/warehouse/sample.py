"""The deterministic sample warehouse: realistic product, revenue and ops data.

Same seed and scale, same rows, on every machine: a seeded numpy generator per
chunk of users (fixed chunk size), no wall clock, IDs assigned by a total
order. Scale 1 is about 5,000 users over 180 days (a few hundred thousand
rows, seconds to generate); scale 100 is tens of millions of events.

The data has shape, so the reference metrics tell a story: signups grow and
dip at weekends, users activate or drift away, a minority pays, channels cost
different amounts, and four incidents bring error spikes, slow pages and a
failed deploy just before each.

Tables are generated as numpy arrays (categories as small integer codes) and
loaded into DuckDB, which turns codes into labels and seconds into TIMESTAMPs;
the schema is exactly that of docs/sample-warehouse.md.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

Progress = Callable[[str, int, int], None]
Arrays = dict[str, np.ndarray[Any, Any]]

START = date(2026, 1, 1)  # a Thursday: periods do not start on a Monday by accident
DAYS_DEFAULT = 180
USERS_PER_SCALE = 5000
CHUNK_USERS = 20000
DAY = 86400
T0 = (START - date(1970, 1, 1)).days * DAY  # seconds from the epoch to START (UTC)

COUNTRIES = ["US", "GB", "DE", "FR", "IN", "BR", "JP"]
COUNTRY_P = [0.34, 0.12, 0.12, 0.08, 0.16, 0.1, 0.08]
PLATFORMS = ["web", "ios", "android"]
PLATFORM_P = [0.5, 0.3, 0.2]
CHANNELS = ["organic", "paid_search", "social", "referral"]
CHANNEL_P = [0.45, 0.25, 0.2, 0.1]
PLANS = ["free", "pro", "team"]
PLAN_P = [0.8, 0.15, 0.05]
EVENT_NAMES = [
    "session_start",
    "signup",
    "activated",
    "feature_used",
    "workflow_completed",
    "purchase",
]
FEATURES = ["export", "share", "search", "dashboard"]
PAGES = ["home", "dashboard", "report", "settings", "billing"]
SERVICES = ["api", "auth", "billing"]
ROUTES = ["/v1/metrics", "/v1/query", "/v1/login", "/v1/token", "/v1/invoices", "/v1/plans"]
TEAMS = ["growth", "platform", "finance", "product", "support"]
TASKS = ["invite_teammate", "create_dashboard", "export_report", "connect_source"]
TICKET_CATEGORIES = ["billing", "bug", "how_to", "account"]
DEFECT_SEVERITIES = ["low", "medium", "high", "critical"]
# Cost of one paid signup per channel (USD) and ad click-through rate.
CHANNEL_CPA = {"paid_search": 38.0, "social": 24.0, "referral": 14.0}
CHANNEL_CTR = {"paid_search": 0.031, "social": 0.012, "referral": 0.052}


@dataclass(frozen=True)
class Incident:
    day: int
    hours: int
    service: str
    severity: str
    resolved: bool = True


# Relative to START; the last two fall in the final 30 days so "as of the end" checks see them.
INCIDENTS = [
    Incident(41, 6, "api", "sev2"),
    Incident(96, 5, "api", "sev1"),
    Incident(131, 3, "auth", "sev3"),
    Incident(166, 30, "api", "sev1"),
    Incident(176, 4, "billing", "sev3", resolved=False),
]


def _weekday_factor(days: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """1 on weekdays, lower at weekends (START is a Thursday: day 2 is a Saturday)."""
    weekday = (days + START.weekday()) % 7
    return np.where(weekday >= 5, 0.62, 1.0)


def _incident_mask(
    seconds: np.ndarray[Any, Any],
    service: str | None = None,
) -> np.ndarray[Any, Any]:
    mask = np.zeros(seconds.shape, dtype=bool)
    for incident in INCIDENTS:
        if service is not None and incident.service != service:
            continue
        start = incident.day * DAY + 9 * 3600
        mask |= (seconds >= start) & (seconds < start + incident.hours * 3600)
    return mask


class _Tables:
    """Columns accumulated per table across chunks."""

    def __init__(self) -> None:
        self.parts: dict[str, list[Arrays]] = {}

    def add(self, table: str, columns: Arrays) -> None:
        self.parts.setdefault(table, []).append(columns)

    def take(self, table: str) -> Arrays:
        parts = self.parts.pop(table, [])
        if not parts:
            return {}
        return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def _users_chunk(
    rng: np.random.Generator, first_id: int, count: int, days: int, tables: _Tables
) -> None:
    """Users, their events, sessions, page loads, orders, subscriptions, tickets, tasks, NPS."""
    # Signups grow over the period and dip at weekends.
    day_weights = (1.0 + 1.6 * np.arange(days) / days) * _weekday_factor(np.arange(days))
    signup_day = rng.choice(days, size=count, p=day_weights / day_weights.sum())
    signup = np.sort(signup_day * DAY + rng.integers(7 * 3600, 23 * 3600, size=count))
    user_id = np.arange(first_id, first_id + count, dtype=np.int64)
    country = rng.choice(len(COUNTRIES), size=count, p=COUNTRY_P).astype(np.int8)
    platform = rng.choice(len(PLATFORMS), size=count, p=PLATFORM_P).astype(np.int8)
    channel = rng.choice(len(CHANNELS), size=count, p=CHANNEL_P).astype(np.int8)
    plan = rng.choice(len(PLANS), size=count, p=PLAN_P).astype(np.int8)
    tables.add(
        "users",
        {
            "user_id": user_id,
            "signed_up_at": signup,
            "country": country,
            "platform": platform,
            "acquisition_channel": channel,
            "plan": plan,
        },
    )

    # Engagement: a propensity per user, a lifetime after which many drift away.
    propensity = rng.beta(2.0, 4.0, size=count) * np.where(plan > 0, 1.4, 1.0)
    propensity *= np.where(channel == 3, 1.25, 1.0)  # referrals stick better
    lifetime = np.where(rng.random(count) < 0.25, 10_000, rng.exponential(45.0, size=count))
    activated = rng.random(count) < np.clip(0.45 + propensity * 0.5, 0, 0.95)

    first_day = signup // DAY
    offsets = np.arange(days)
    day_matrix = first_day[:, None] + offsets[None, :]
    alive = (offsets[None, :] <= lifetime[:, None]) & (day_matrix < days)
    decay = np.exp(-offsets[None, :] / (lifetime[:, None] + 30.0))
    p_active = propensity[:, None] * decay * _weekday_factor(day_matrix) * 0.9
    p_active = np.where(offsets[None, :] == 0, 1.0, p_active)  # the signup day
    active = (
        alive
        & (rng.random(alive.shape) < p_active)
        & np.where(activated[:, None], True, offsets[None, :] < 3)
    )
    rows, cols = np.nonzero(active)
    act_user = rows
    act_day = day_matrix[rows, cols]

    def times_on(idx: np.ndarray[Any, Any], day: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """Random seconds within each day, never before the user's signup."""
        low = np.maximum(day * DAY, signup[idx] + 1)
        span = np.maximum((day + 1) * DAY - low, 1)
        return low + (rng.random(idx.shape[0]) * span).astype(np.int64)

    # Sessions: one or more per active day.
    n_sessions = 1 + rng.poisson(0.6 + propensity[act_user], size=act_user.shape[0])
    s_user = np.repeat(act_user, n_sessions)
    s_day = np.repeat(act_day, n_sessions)
    s_time = times_on(s_user, s_day)
    duration = rng.lognormal(np.log(240.0) + propensity[s_user], 0.8)
    tables.add(
        "sessions",
        {
            "user_id": user_id[s_user],
            "started_at": s_time,
            "duration_s": np.round(duration, 1),
            "platform": platform[s_user],
            "k": s_user,
        },
    )

    events: list[Arrays] = []

    def event(
        idx: np.ndarray[Any, Any],
        when: np.ndarray[Any, Any],
        name: int,
        feature: np.ndarray[Any, Any] | None = None,
    ) -> None:
        events.append(
            {
                "user": idx,
                "t": when,
                "name": np.full(idx.shape[0], name, np.int8),
                "feature": feature if feature is not None else np.full(idx.shape[0], -1, np.int8),
            }
        )

    all_users = np.arange(count)
    event(all_users, signup, 1)
    act_idx = all_users[activated]
    act_time = signup[act_idx] + rng.integers(600, 3 * DAY, size=act_idx.shape[0])
    keep = act_time < days * DAY
    event(act_idx[keep], act_time[keep], 2)
    event(s_user, s_time, 0)
    n_features = rng.poisson(0.9 + 1.5 * propensity[s_user])
    f_user = np.repeat(s_user, n_features)
    f_time = np.repeat(s_time, n_features) + rng.integers(5, 1800, size=f_user.shape[0])
    f_kind = rng.choice(len(FEATURES), size=f_user.shape[0], p=[0.18, 0.22, 0.4, 0.2])
    keep = f_time < days * DAY
    event(f_user[keep], f_time[keep], 3, f_kind[keep].astype(np.int8))
    completed = rng.random(act_user.shape[0]) < np.clip(0.2 + propensity[act_user], 0, 0.9)
    w_user = act_user[completed]
    event(w_user, times_on(w_user, act_day[completed]), 4)
    buys = rng.random(act_user.shape[0]) < 0.01 + 0.05 * propensity[act_user] * (
        1.0 + 3.0 * (plan[act_user] > 0)
    )
    b_user = act_user[buys]
    b_time = times_on(b_user, act_day[buys])
    event(b_user, b_time, 5)
    e = {key: np.concatenate([part[key] for part in events]) for key in events[0]}
    tables.add(
        "events",
        {
            "user_id": user_id[e["user"]],
            "occurred_at": e["t"],
            "name": e["name"],
            "feature": e["feature"],
            "platform": platform[e["user"]],
            "country": country[e["user"]],
            "k": e["user"],
        },
    )

    # Orders follow purchase events.
    amount = np.round(rng.lognormal(np.log(70.0), 0.6, size=b_user.shape[0]), 2)
    amount *= np.where(plan[b_user] == 2, 2.2, 1.0)
    cents = np.round(amount * 100).astype(np.int64)
    cost = np.round(cents * rng.uniform(0.28, 0.46, size=cents.shape[0])).astype(np.int64)
    tables.add(
        "orders",
        {
            "user_id": user_id[b_user],
            "ordered_at": b_time + 1,
            "amount_cents": cents,
            "cost_cents": cost,
            "refunded": rng.random(cents.shape[0]) < 0.07,
            "channel": channel[b_user],
            "k": b_user,
        },
    )

    # Paid plans hold a subscription from soon after signup; some cancel.
    payer = all_users[plan > 0]
    started = signup[payer] + rng.integers(DAY // 2, 10 * DAY, size=payer.shape[0])
    keep = started < days * DAY
    payer, started = payer[keep], started[keep]
    cancel_after = rng.exponential(260.0 / (0.6 + propensity[payer]), size=payer.shape[0])
    cancelled = started + (cancel_after * DAY).astype(np.int64)
    cancelled = np.where(cancelled < days * DAY, cancelled, -1)
    mrr = np.where(plan[payer] == 2, 9900, 2900).astype(np.int64)
    tables.add(
        "subscriptions",
        {
            "user_id": user_id[payer],
            "plan": plan[payer],
            "started_at": started,
            "cancelled_at": cancelled,
            "mrr_cents": mrr,
            "k": payer,
        },
    )

    # Page loads per session; slower during incidents.
    n_loads = rng.poisson(2.5, size=s_user.shape[0])
    l_user = np.repeat(s_user, n_loads)
    l_time = np.repeat(s_time, n_loads) + rng.integers(0, 1200, size=l_user.shape[0])
    keep = l_time < days * DAY
    l_user, l_time = l_user[keep], l_time[keep]
    page = rng.choice(len(PAGES), size=l_user.shape[0], p=[0.3, 0.3, 0.2, 0.1, 0.1])
    load = rng.lognormal(np.log(620.0), 0.55, size=l_user.shape[0])
    load *= np.where(platform[l_user] == 2, 1.35, 1.0)
    slow = _incident_mask(l_time) | _regression(l_time)
    load = np.round(np.where(slow, load * 3.2, load), 1)
    tables.add(
        "page_loads",
        {
            "user_id": user_id[l_user],
            "occurred_at": l_time,
            "page": page.astype(np.int8),
            "load_ms": load,
            "platform": platform[l_user],
            "k": l_user,
        },
    )

    # Support tickets, usability tasks and NPS answers from active days.
    t_mask = rng.random(act_user.shape[0]) < 0.006
    t_user = act_user[t_mask]
    t_time = times_on(t_user, act_day[t_mask])
    resolved = t_time + (rng.lognormal(np.log(14.0), 1.0, size=t_user.shape[0]) * 3600).astype(
        np.int64
    )
    resolved = np.where(
        (resolved < days * DAY) & (rng.random(t_user.shape[0]) > 0.04), resolved, -1
    )
    tables.add(
        "support_tickets",
        {
            "user_id": user_id[t_user],
            "opened_at": t_time,
            "resolved_at": resolved,
            "category": rng.choice(len(TICKET_CATEGORIES), size=t_user.shape[0]).astype(np.int8),
            "k": t_user,
        },
    )
    a_mask = rng.random(s_user.shape[0]) < 0.3
    a_user = s_user[a_mask]
    a_time = s_time[a_mask] + rng.integers(30, 600, size=a_user.shape[0])
    task = rng.choice(len(TASKS), size=a_user.shape[0])
    success_p = np.array([0.86, 0.72, 0.8, 0.61])[task] - 0.25 * _incident_mask(a_time)
    keep = a_time < days * DAY
    tables.add(
        "task_attempts",
        {
            "user_id": user_id[a_user][keep],
            "occurred_at": a_time[keep],
            "task": task[keep].astype(np.int8),
            "succeeded": (rng.random(a_user.shape[0]) < success_p)[keep],
            "k": a_user[keep],
        },
    )
    n_mask = rng.random(act_user.shape[0]) < 0.01
    n_user = act_user[n_mask]
    base = np.clip(rng.normal(7.2 + 3 * propensity[n_user], 2.2), 0, 10)
    tables.add(
        "nps_responses",
        {
            "user_id": user_id[n_user],
            "responded_at": times_on(n_user, act_day[n_mask]),
            "score": np.round(base).astype(np.int32),
            "k": n_user,
        },
    )


def _regression(seconds: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """A latency regression shipped after the second incident, fixed three days later."""
    start = INCIDENTS[1].day * DAY
    return (seconds >= start) & (seconds < start + 3 * DAY)


def _operations(
    rng: np.random.Generator,
    scale: float,
    days: int,
    tables: _Tables,
    signups_by_channel_day: np.ndarray[Any, Any],
) -> None:
    """Requests, deploys, incidents, PRs, defects and marketing spend."""
    day = np.arange(days)
    per_day = np.round(1000 * scale * (1 + day / days) * _weekday_factor(day)).astype(np.int64)
    r_day = np.repeat(day, per_day)
    r_time = r_day * DAY + rng.integers(0, DAY, size=r_day.shape[0])
    r_time.sort()
    route = rng.choice(len(ROUTES), size=r_time.shape[0], p=[0.35, 0.3, 0.1, 0.1, 0.1, 0.05])
    service = np.array([0, 0, 1, 1, 2, 2])[route]
    incident = np.zeros(r_time.shape[0], dtype=bool)
    for code, name in enumerate(SERVICES):
        incident |= (service == code) & _incident_mask(r_time, name)
    error_p = np.where(incident, 0.09, 0.0012)
    roll = rng.random(r_time.shape[0])
    status = np.where(
        roll < error_p,
        rng.choice([500, 502, 503], size=roll.shape[0]),
        np.where(roll < error_p + 0.03, rng.choice([400, 401, 404, 429], size=roll.shape[0]), 200),
    )
    latency = rng.lognormal(np.log(85.0), 0.7, size=r_time.shape[0])
    latency = np.round(np.where(incident, latency * 6.0, latency), 2)
    tables.add(
        "http_requests",
        {
            "occurred_at": r_time,
            "service": service.astype(np.int8),
            "route": route.astype(np.int8),
            "status": status.astype(np.int32),
            "latency_ms": latency,
            "k": np.arange(r_time.shape[0]),
        },
    )

    weekday = _weekday_factor(day) == 1.0
    d_day = np.repeat(day[weekday], 3)
    d_service = np.tile(np.arange(len(SERVICES)), int(weekday.sum()))
    d_time = d_day * DAY + rng.integers(8 * 3600, 18 * 3600, size=d_day.shape[0])
    ok = rng.random(d_day.shape[0]) > 0.04
    extra_time = np.array([i.day * DAY + 9 * 3600 - 1800 for i in INCIDENTS], dtype=np.int64)
    extra_service = np.array([SERVICES.index(i.service) for i in INCIDENTS])
    tables.add(
        "deploys",
        {
            "service": np.concatenate([d_service, extra_service]).astype(np.int8),
            "deployed_at": np.concatenate([d_time, extra_time]),
            "succeeded": np.concatenate([ok, np.zeros(len(INCIDENTS), bool)]),
            "k": np.arange(d_day.shape[0] + len(INCIDENTS)),
        },
    )
    tables.add(
        "incidents",
        {
            "service": np.array([SERVICES.index(i.service) for i in INCIDENTS], dtype=np.int8),
            "started_at": np.array([i.day * DAY + 9 * 3600 for i in INCIDENTS], dtype=np.int64),
            "resolved_at": np.array(
                [i.day * DAY + (9 + i.hours) * 3600 if i.resolved else -1 for i in INCIDENTS],
                dtype=np.int64,
            ),
            "severity": np.array([int(i.severity[-1]) - 1 for i in INCIDENTS], dtype=np.int8),
            "k": np.arange(len(INCIDENTS)),
        },
    )

    prs = rng.poisson(np.outer(np.where(weekday, 3.0, 0.4), np.ones(len(TEAMS))) * min(scale, 5))
    p_day = np.repeat(np.repeat(day, len(TEAMS)), prs.ravel())
    p_team = np.repeat(np.tile(np.arange(len(TEAMS)), days), prs.ravel())
    p_open = p_day * DAY + rng.integers(8 * 3600, 20 * 3600, size=p_day.shape[0])
    hours = rng.lognormal(np.log(18.0) + 0.3 * (p_team == 1), 0.9, size=p_day.shape[0])
    merged = p_open + (hours * 3600).astype(np.int64)
    merged = np.where((rng.random(p_day.shape[0]) > 0.1) & (merged < days * DAY), merged, -1)
    tables.add(
        "pull_requests",
        {
            "team": p_team.astype(np.int8),
            "opened_at": p_open,
            "merged_at": merged,
            "lines_changed": np.round(rng.lognormal(np.log(120), 1.1, size=p_day.shape[0])).astype(
                np.int32
            )
            + 1,
            "k": np.arange(p_day.shape[0]),
        },
    )

    weeks = (days + 6) // 7
    found = rng.poisson(2.5 * min(scale, 5), size=(weeks, len(TEAMS)))
    f_week = np.repeat(np.repeat(np.arange(weeks), len(TEAMS)), found.ravel())
    f_team = np.repeat(np.tile(np.arange(len(TEAMS)), weeks), found.ravel())
    f_time = np.minimum(
        f_week * 7 * DAY + rng.integers(0, 7 * DAY, size=f_week.shape[0]), days * DAY - 1
    )
    tables.add(
        "defects",
        {
            "team": f_team.astype(np.int8),
            "found_at": f_time,
            "severity": rng.choice(4, size=f_week.shape[0], p=[0.4, 0.35, 0.2, 0.05]).astype(
                np.int8
            ),
            "escaped": rng.random(f_week.shape[0]) < np.where(f_team == 0, 0.28, 0.16),
            "k": np.arange(f_week.shape[0]),
        },
    )

    # Spend follows the paid signups each channel brought in, at the channel's cost.
    spend_rows: dict[str, list[Any]] = {
        "day": [],
        "channel": [],
        "spend_cents": [],
        "impressions": [],
        "clicks": [],
    }
    for code, name in enumerate(CHANNELS):
        if name == "organic":
            continue
        noise = rng.lognormal(0.0, 0.25, size=days)
        spend = signups_by_channel_day[code] * CHANNEL_CPA[name] * noise + 20.0 * scale
        impressions = np.round(spend * rng.uniform(55, 75, size=days)).astype(np.int64)
        clicks = rng.binomial(impressions, CHANNEL_CTR[name])
        spend_rows["day"].append(day)
        spend_rows["channel"].append(np.full(days, code, np.int8))
        spend_rows["spend_cents"].append(np.round(spend * 100).astype(np.int64))
        spend_rows["impressions"].append(impressions)
        spend_rows["clicks"].append(clicks.astype(np.int64))
    tables.add("marketing_spend", {k: np.concatenate(v) for k, v in spend_rows.items()})


def _labels(values: list[str]) -> str:
    return "[" + ", ".join("'" + v + "'" for v in values) + "]"


def _ts(column: str) -> str:
    return f"make_timestamp(({column} + {T0}) * 1000000)"


def _nullable_ts(column: str) -> str:
    return f"CASE WHEN {column} < 0 THEN NULL ELSE {_ts(column)} END"


def _money(column: str) -> str:
    return f"CAST(CAST({column} AS DECIMAL(18, 2)) / 100 AS DECIMAL(12, 2))"


# Final shape of each table: (columns as SQL over the staged arrays, the time column that
# orders IDs, the ID column). Ties in time are broken by every staged column, so the
# numbering is a total order and the same rows always get the same IDs.
SHAPES: dict[str, tuple[str, str, str | None]] = {
    "users": (
        f"user_id, {_ts('signed_up_at')} AS signed_up_at, "
        f"{_labels(COUNTRIES)}[country + 1] AS country, "
        f"{_labels(PLATFORMS)}[platform + 1] AS platform, "
        f"{_labels(CHANNELS)}[acquisition_channel + 1] AS acquisition_channel, "
        f"{_labels(PLANS)}[plan + 1] AS plan",
        "user_id",
        None,
    ),
    "events": (
        f"user_id, {_ts('occurred_at')} AS occurred_at, "
        f"{_labels(EVENT_NAMES)}[name + 1] AS name, "
        f"CASE WHEN feature < 0 THEN NULL ELSE {_labels(FEATURES)}[feature + 1] END "
        f"AS feature, {_labels(PLATFORMS)}[platform + 1] AS platform, "
        f"{_labels(COUNTRIES)}[country + 1] AS country",
        "occurred_at",
        "event_id",
    ),
    "sessions": (
        f"user_id, {_ts('started_at')} AS started_at, duration_s, "
        f"{_labels(PLATFORMS)}[platform + 1] AS platform",
        "started_at",
        "session_id",
    ),
    "subscriptions": (
        f"user_id, {_labels(PLANS)}[plan + 1] AS plan, "
        f"{_ts('started_at')} AS started_at, "
        f"{_nullable_ts('cancelled_at')} AS cancelled_at, "
        f"{_money('mrr_cents')} AS mrr_usd",
        "started_at",
        "subscription_id",
    ),
    "orders": (
        f"user_id, {_ts('ordered_at')} AS ordered_at, {_money('amount_cents')} "
        f"AS amount_usd, {_money('cost_cents')} AS cost_usd, "
        "CASE WHEN refunded THEN 'refunded' ELSE 'completed' END AS status, "
        f"{_labels(CHANNELS)}[channel + 1] AS channel",
        "ordered_at",
        "order_id",
    ),
    "marketing_spend": (
        f"CAST(DATE '{START.isoformat()}' + CAST(day AS INTEGER) AS DATE) AS day, "
        f"{_labels(CHANNELS)}[channel + 1] AS channel, "
        f"{_money('spend_cents')} AS spend_usd, impressions, clicks",
        "day",
        None,
    ),
    "page_loads": (
        f"user_id, {_ts('occurred_at')} AS occurred_at, "
        f"{_labels(PAGES)}[page + 1] AS page, load_ms, "
        f"{_labels(PLATFORMS)}[platform + 1] AS platform",
        "occurred_at",
        "load_id",
    ),
    "http_requests": (
        f"{_ts('occurred_at')} AS occurred_at, "
        f"{_labels(SERVICES)}[service + 1] AS service, "
        f"{_labels(ROUTES)}[route + 1] AS route, status, latency_ms",
        "occurred_at",
        "request_id",
    ),
    "deploys": (
        f"{_labels(SERVICES)}[service + 1] AS service, {_ts('deployed_at')} "
        "AS deployed_at, succeeded",
        "deployed_at",
        "deploy_id",
    ),
    "incidents": (
        f"{_labels(SERVICES)}[service + 1] AS service, {_ts('started_at')} "
        f"AS started_at, {_nullable_ts('resolved_at')} AS resolved_at, "
        "'sev' || CAST(severity + 1 AS VARCHAR) AS severity",
        "started_at",
        "incident_id",
    ),
    "pull_requests": (
        f"{_labels(TEAMS)}[team + 1] AS team, {_ts('opened_at')} AS opened_at, "
        f"{_nullable_ts('merged_at')} AS merged_at, lines_changed",
        "opened_at",
        "pr_id",
    ),
    "defects": (
        f"{_labels(TEAMS)}[team + 1] AS team, {_ts('found_at')} AS found_at, "
        f"{_labels(DEFECT_SEVERITIES)}[severity + 1] AS severity, escaped",
        "found_at",
        "defect_id",
    ),
    "nps_responses": (
        f"user_id, {_ts('responded_at')} AS responded_at, score",
        "responded_at",
        "response_id",
    ),
    "support_tickets": (
        f"user_id, {_ts('opened_at')} AS opened_at, "
        f"{_nullable_ts('resolved_at')} AS resolved_at, "
        f"{_labels(TICKET_CATEGORIES)}[category + 1] AS category",
        "opened_at",
        "ticket_id",
    ),
    "task_attempts": (
        f"user_id, {_ts('occurred_at')} AS occurred_at, "
        f"{_labels(TASKS)}[task + 1] AS task, succeeded",
        "occurred_at",
        "attempt_id",
    ),
}

# Column order and types of the contract (docs/sample-warehouse.md).
SCHEMA: dict[str, list[tuple[str, str]]] = {
    "users": [
        ("user_id", "BIGINT"),
        ("signed_up_at", "TIMESTAMP"),
        ("country", "VARCHAR"),
        ("platform", "VARCHAR"),
        ("acquisition_channel", "VARCHAR"),
        ("plan", "VARCHAR"),
    ],
    "events": [
        ("event_id", "BIGINT"),
        ("user_id", "BIGINT"),
        ("occurred_at", "TIMESTAMP"),
        ("name", "VARCHAR"),
        ("feature", "VARCHAR"),
        ("platform", "VARCHAR"),
        ("country", "VARCHAR"),
    ],
    "sessions": [
        ("session_id", "BIGINT"),
        ("user_id", "BIGINT"),
        ("started_at", "TIMESTAMP"),
        ("duration_s", "DOUBLE"),
        ("platform", "VARCHAR"),
    ],
    "subscriptions": [
        ("subscription_id", "BIGINT"),
        ("user_id", "BIGINT"),
        ("plan", "VARCHAR"),
        ("started_at", "TIMESTAMP"),
        ("cancelled_at", "TIMESTAMP"),
        ("mrr_usd", "DECIMAL(12,2)"),
    ],
    "orders": [
        ("order_id", "BIGINT"),
        ("user_id", "BIGINT"),
        ("ordered_at", "TIMESTAMP"),
        ("amount_usd", "DECIMAL(12,2)"),
        ("cost_usd", "DECIMAL(12,2)"),
        ("status", "VARCHAR"),
        ("channel", "VARCHAR"),
    ],
    "marketing_spend": [
        ("day", "DATE"),
        ("channel", "VARCHAR"),
        ("spend_usd", "DECIMAL(12,2)"),
        ("impressions", "BIGINT"),
        ("clicks", "BIGINT"),
    ],
    "page_loads": [
        ("load_id", "BIGINT"),
        ("user_id", "BIGINT"),
        ("occurred_at", "TIMESTAMP"),
        ("page", "VARCHAR"),
        ("load_ms", "DOUBLE"),
        ("platform", "VARCHAR"),
    ],
    "http_requests": [
        ("request_id", "BIGINT"),
        ("occurred_at", "TIMESTAMP"),
        ("service", "VARCHAR"),
        ("route", "VARCHAR"),
        ("status", "INTEGER"),
        ("latency_ms", "DOUBLE"),
    ],
    "deploys": [
        ("deploy_id", "BIGINT"),
        ("service", "VARCHAR"),
        ("deployed_at", "TIMESTAMP"),
        ("succeeded", "BOOLEAN"),
    ],
    "incidents": [
        ("incident_id", "BIGINT"),
        ("service", "VARCHAR"),
        ("started_at", "TIMESTAMP"),
        ("resolved_at", "TIMESTAMP"),
        ("severity", "VARCHAR"),
    ],
    "pull_requests": [
        ("pr_id", "BIGINT"),
        ("team", "VARCHAR"),
        ("opened_at", "TIMESTAMP"),
        ("merged_at", "TIMESTAMP"),
        ("lines_changed", "INTEGER"),
    ],
    "defects": [
        ("defect_id", "BIGINT"),
        ("team", "VARCHAR"),
        ("found_at", "TIMESTAMP"),
        ("severity", "VARCHAR"),
        ("escaped", "BOOLEAN"),
    ],
    "nps_responses": [
        ("response_id", "BIGINT"),
        ("user_id", "BIGINT"),
        ("responded_at", "TIMESTAMP"),
        ("score", "INTEGER"),
    ],
    "support_tickets": [
        ("ticket_id", "BIGINT"),
        ("user_id", "BIGINT"),
        ("opened_at", "TIMESTAMP"),
        ("resolved_at", "TIMESTAMP"),
        ("category", "VARCHAR"),
    ],
    "task_attempts": [
        ("attempt_id", "BIGINT"),
        ("user_id", "BIGINT"),
        ("occurred_at", "TIMESTAMP"),
        ("task", "VARCHAR"),
        ("succeeded", "BOOLEAN"),
    ],
}

USER_TABLES = [
    "users",
    "events",
    "sessions",
    "subscriptions",
    "orders",
    "page_loads",
    "support_tickets",
    "task_attempts",
    "nps_responses",
]


def _stage(con: Any, table: str, arrays: Arrays) -> None:
    """Append staged arrays to `_stage_<table>` (created on first use)."""
    name = f"_stage_{table}"
    con.register("_chunk", arrays)
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchone()[0]
    if exists:
        con.execute(f"INSERT INTO {name} SELECT * FROM _chunk")
    else:
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _chunk")
    con.unregister("_chunk")


def _finish(con: Any, table: str) -> None:
    """The contracted table from its staging: labels, timestamps, money, IDs in time order."""
    select, time, id_name = SHAPES[table]
    staged = [row[0] for row in con.execute(f"DESCRIBE _stage_{table}").fetchall()]
    order = ", ".join([time, *(c for c in staged if c != time)])
    columns = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in SCHEMA[table])
    ident = f"ROW_NUMBER() OVER (ORDER BY {order}) AS {id_name}, " if id_name else ""
    body = f"SELECT {ident}{select} FROM _stage_{table}"
    con.execute(
        f"CREATE TABLE {table} AS SELECT {columns} FROM ({body}) AS staged "
        f"ORDER BY {id_name or 'ALL'}"
    )
    con.execute(f"DROP TABLE _stage_{table}")


def populate(
    con: Any,
    scale: float = 1.0,
    seed: int = 42,
    progress: Progress | None = None,
    days: int = DAYS_DEFAULT,
) -> dict[str, int]:
    """Generate every table into an open DuckDB connection; returns row counts."""
    report = progress or (lambda stage, done, total: None)
    users = max(1, round(USERS_PER_SCALE * scale))
    chunks = (users + CHUNK_USERS - 1) // CHUNK_USERS
    seeds = np.random.SeedSequence([seed, round(scale * 1000)]).spawn(chunks + 1)
    signups = np.zeros((len(CHANNELS), days))
    for index in range(chunks):
        report("users and events", index, chunks)
        tables = _Tables()
        first = index * CHUNK_USERS
        count = min(CHUNK_USERS, users - first)
        _users_chunk(np.random.default_rng(seeds[index]), first + 1, count, days, tables)
        staged_users = tables.parts["users"][0]
        np.add.at(
            signups, (staged_users["acquisition_channel"], staged_users["signed_up_at"] // DAY), 1
        )
        for table in USER_TABLES:
            _stage(con, table, tables.take(table))
    report("users and events", chunks, chunks)
    operations = _Tables()
    _operations(np.random.default_rng(seeds[-1]), scale, days, operations, signups)
    for table in list(operations.parts):
        _stage(con, table, operations.take(table))
    counts = {}
    for done, table in enumerate(SCHEMA):
        report("finishing tables", done, len(SCHEMA))
        _finish(con, table)
        counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    report("finishing tables", len(SCHEMA), len(SCHEMA))
    return counts


def refusal(engine: str, location: str) -> str | None:
    """Why writing the sample warehouse at `location` would lose someone's files, if
    it would: a file there that is not a DuckDB database, or a folder holding files
    other than the sample's Parquet tables. (Replacing an earlier sample is fine.)"""
    place = Path(location)
    if engine == "duckdb" and place.is_dir():
        return f"{location} is a folder, not a DuckDB file"
    if engine == "duckdb" and place.exists():
        with open(place, "rb") as file:
            if file.read(12)[8:12] != b"DUCK":
                return f"{location} exists and is not a DuckDB database; choose another file"
    if engine == "spark" and place.is_dir():
        ours = {f"{table}.parquet" for table in SCHEMA}
        theirs = sorted(p.name for p in place.iterdir() if p.name not in ours)
        if theirs:
            shown = ", ".join(theirs[:3]) + (", ..." if len(theirs) > 3 else "")
            return f"{location} holds files of its own ({shown}); choose a new or empty folder"
    return None


def write_duckdb(
    path: str | Path, scale: float = 1.0, seed: int = 42, progress: Progress | None = None
) -> dict[str, int]:
    """Write the warehouse to a DuckDB file, replacing any existing one atomically."""
    import duckdb

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    os.unlink(temp)
    try:
        con = duckdb.connect(temp)
        try:
            counts = populate(con, scale, seed, progress)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(temp, target)
    finally:
        for leftover in (temp, temp + ".wal"):
            if os.path.exists(leftover):
                os.unlink(leftover)
    return counts


def write_parquet(
    folder: str | Path, scale: float = 1.0, seed: int = 42, progress: Progress | None = None
) -> dict[str, int]:
    """The same rows as one Parquet file per table (for Spark)."""
    import duckdb

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        counts = populate(con, scale, seed, progress)
        for table in SCHEMA:
            con.execute(f"COPY {table} TO '{out / (table + '.parquet')}' (FORMAT parquet)")
    finally:
        con.close()
    return counts


PG_TYPES = {"VARCHAR": "TEXT", "DOUBLE": "DOUBLE PRECISION", "DECIMAL(12,2)": "NUMERIC(12, 2)"}


def write_postgres(
    url: str, scale: float = 1.0, seed: int = 42, progress: Progress | None = None
) -> dict[str, int]:
    """The same rows in a PostgreSQL database: tables replaced, loaded with COPY."""
    import duckdb

    from metricc.warehouse.engines import connect_postgres

    report = progress or (lambda stage, done, total: None)
    local = duckdb.connect()
    try:
        with connect_postgres(url) as pg:  # fail before generating if the server is away
            counts = populate(local, scale, seed, progress)
            for done, (table, columns) in enumerate(SCHEMA.items()):
                report("loading postgres", done, len(SCHEMA))
                ddl = ", ".join(f"{c} {PG_TYPES.get(t, t)}" for c, t in columns)
                pg.execute(f"DROP TABLE IF EXISTS {table}")
                pg.execute(f"CREATE TABLE {table} ({ddl})")
                cursor = local.execute(f"SELECT * FROM {table}")
                with pg.cursor().copy(f"COPY {table} FROM STDIN") as copy:
                    while batch := cursor.fetchmany(50_000):
                        for row in batch:
                            copy.write_row(row)
                pg.execute(f"ANALYZE {table}")
            report("loading postgres", len(SCHEMA), len(SCHEMA))
    finally:
        local.close()
    return counts
