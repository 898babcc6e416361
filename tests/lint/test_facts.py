"""Lint reads the facts it is given instead of a metric's expressions (a compile
gives those it kept for the files that did not change), and adds the others."""

from __future__ import annotations

from metricc.lint import Selection, lint
from metricc.lint.facts import Facts, facts_of
from metricc.pipeline import check_project
from tests.conftest import METRICS


def test_lint_reads_the_facts_given_and_adds_the_others() -> None:
    result = check_project(METRICS)
    project = result.project
    assert project is not None
    facts: dict[str, Facts] = {}
    first = lint(project, result.files, Selection(), facts)
    assert facts == {name: facts_of(metric) for name, metric in project.metrics.items()}
    assert lint(project, result.files, Selection(), dict(facts)) == first
    # Said to compute what `dau` computes: `mau` is its duplicate, for lint.
    given = {"mau": facts["dau"]}
    found = lint(project, result.files, Selection(select=["duplicate-metric"]), given)
    assert [d.message for d in found] == ["`mau` computes the same as `dau`"]
    assert given.keys() == project.metrics.keys() and given["mau"] == facts["dau"]
