"""The grain calendar: which period a day falls in, when a period is complete, and
which period `metricc check` judges."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metricc.check import latest_complete
from metricc.model import semantic as sm

DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))


@pytest.mark.parametrize(
    ("grain", "day", "start", "end"),
    [
        ("day", date(2026, 3, 1), date(2026, 3, 1), date(2026, 3, 2)),
        ("week", date(2026, 3, 1), date(2026, 2, 23), date(2026, 3, 2)),  # a Sunday
        ("week", date(2026, 3, 2), date(2026, 3, 2), date(2026, 3, 9)),  # a Monday
        ("month", date(2024, 2, 29), date(2024, 2, 1), date(2024, 3, 1)),
        ("quarter", date(2026, 12, 31), date(2026, 10, 1), date(2027, 1, 1)),
        ("year", date(2026, 7, 4), date(2026, 1, 1), date(2027, 1, 1)),
    ],
)
def test_a_day_s_period(grain: str, day: date, start: date, end: date) -> None:
    assert sm.period_start(grain, day) == start
    assert sm.period_end(grain, start) == end


@given(day=DAYS, grain=st.sampled_from(sm.GRAINS))
def test_every_day_is_in_the_period_that_starts_before_it(day: date, grain: str) -> None:
    start = sm.period_start(grain, day)
    assert start <= day < sm.period_end(grain, start)
    assert sm.period_start(grain, start) == start


@pytest.mark.parametrize(
    ("grain", "as_of", "judged"),
    [
        ("day", date(2026, 6, 29), date(2026, 6, 28)),
        ("week", date(2026, 6, 29), date(2026, 6, 22)),  # Monday: last week just ended
        ("week", date(2026, 6, 28), date(2026, 6, 15)),  # Sunday: this week is not over
        ("month", date(2026, 7, 1), date(2026, 6, 1)),
        ("month", date(2026, 6, 30), date(2026, 5, 1)),
        ("quarter", date(2026, 7, 1), date(2026, 4, 1)),
        ("year", date(2026, 12, 31), date(2025, 1, 1)),
    ],
)
def test_check_judges_the_last_period_that_ended(grain: str, as_of: date, judged: date) -> None:
    assert latest_complete(grain, as_of) == judged


@given(as_of=DAYS, grain=st.sampled_from(sm.GRAINS))
def test_the_judged_period_is_complete_and_the_next_is_not(as_of: date, grain: str) -> None:
    judged = latest_complete(grain, as_of)
    end = sm.period_end(grain, judged)
    assert end <= as_of < sm.period_end(grain, end)
    assert sm.period_start(grain, end) == end
