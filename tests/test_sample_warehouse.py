"""The sample warehouse: the schema contract, determinism, and the shape of the data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from metricc.warehouse.sample import INCIDENTS, SCHEMA, START, write_duckdb, write_parquet


def _connect(path: Path) -> Any:
    return duckdb.connect(str(path), read_only=True)


def _fingerprint(path: Path) -> dict[str, str]:
    con = _connect(path)
    try:
        return {
            table: con.execute(
                f"SELECT md5(string_agg(CAST(t AS VARCHAR), '|' ORDER BY t)) FROM {table} AS t"
            ).fetchone()[0]
            for table in SCHEMA
        }
    finally:
        con.close()


def test_schema_is_the_contract(warehouse: Path) -> None:
    con = _connect(warehouse)
    for table, columns in SCHEMA.items():
        found = [(name, kind) for name, kind, *_ in con.execute(f"DESCRIBE {table}").fetchall()]
        assert found == [(c, t.replace(",", ",")) for c, t in columns], table
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0, table


def test_same_seed_same_rows(warehouse: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.duckdb"
    write_duckdb(again, seed=42)
    assert _fingerprint(again) == _fingerprint(warehouse)


def test_other_seed_other_rows(warehouse: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    write_duckdb(other, seed=7)
    assert _fingerprint(other)["events"] != _fingerprint(warehouse)["events"]


def test_rewrite_replaces_the_file(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    path.write_text("not a database")
    write_duckdb(path, scale=0.05)
    assert _connect(path).execute("SELECT count(*) FROM users").fetchone()[0] == 250
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]


@pytest.mark.parametrize(
    ("check", "query"),
    [
        (
            "one signup per user, at signup time",
            "SELECT count(*) FROM users u LEFT JOIN events e ON e.user_id = u.user_id "
            "AND e.name = 'signup' AND e.occurred_at = u.signed_up_at WHERE e.event_id IS NULL",
        ),
        (
            "no second signup",
            "SELECT count(*) - count(DISTINCT user_id) FROM events WHERE name = 'signup'",
        ),
        (
            "events never before signup",
            "SELECT count(*) FROM events e JOIN users u USING "
            "(user_id) WHERE e.occurred_at < u.signed_up_at",
        ),
        (
            "events carry the user's platform and country",
            "SELECT count(*) FROM events e JOIN "
            "users u USING (user_id) WHERE e.platform <> u.platform OR e.country <> u.country",
        ),
        (
            "whole seconds",
            "SELECT count(*) FROM events WHERE occurred_at <> date_trunc('second', occurred_at)",
        ),
        (
            "feature only on feature_used",
            "SELECT count(*) FROM events WHERE (feature IS NULL) <> (name <> 'feature_used')",
        ),
        ("ids are unique", "SELECT count(*) - count(DISTINCT event_id) FROM events"),
        (
            "ids follow time",
            "SELECT count(*) FROM (SELECT occurred_at < lag(occurred_at) "
            "OVER (ORDER BY event_id) AS back FROM events) WHERE back",
        ),
        (
            "cancellations after starts",
            "SELECT count(*) FROM subscriptions WHERE cancelled_at < started_at",
        ),
        (
            "money has cents",
            "SELECT count(*) FROM orders WHERE amount_usd <> round(amount_usd, 2) "
            "OR cost_usd > amount_usd",
        ),
        ("scores 0 to 10", "SELECT count(*) FROM nps_responses WHERE score NOT BETWEEN 0 AND 10"),
    ],
)
def test_invariant(warehouse: Path, check: str, query: str) -> None:
    assert _connect(warehouse).execute(query).fetchone()[0] == 0, check


def test_the_data_has_shape(warehouse: Path) -> None:
    con = _connect(warehouse)
    first, last = con.execute(
        "SELECT min(occurred_at)::DATE, max(occurred_at)::DATE FROM events"
    ).fetchone()
    assert first == START and (last - first).days == 179
    weekday, weekend = con.execute(
        "SELECT avg(n) FILTER (WHERE isodow(d) < 6), avg(n) FILTER (WHERE isodow(d) >= 6) FROM "
        "(SELECT occurred_at::DATE AS d, count(DISTINCT user_id) AS n FROM events GROUP BY 1)"
    ).fetchone()
    assert weekday > 1.2 * weekend
    early, late = con.execute(
        "SELECT count(*) FILTER (WHERE signed_up_at < DATE '2026-02-01'), "
        "count(*) FILTER (WHERE signed_up_at >= DATE '2026-06-01') FROM users"
    ).fetchone()
    assert late > 1.4 * early  # growth
    cpa = dict(
        con.execute(
            "SELECT channel, sum(spend_usd) / sum(clicks) FROM marketing_spend GROUP BY 1"
        ).fetchall()
    )
    assert len(set(round(float(v), 2) for v in cpa.values())) == 3  # channels cost differently
    assert con.execute("SELECT count(*) FROM incidents").fetchone()[0] == len(INCIDENTS)


def test_incidents_bring_errors_and_a_failed_deploy(warehouse: Path) -> None:
    con = _connect(warehouse)
    inside, outside = con.execute(
        "SELECT avg((status >= 500)::INT) FILTER (WHERE inc), avg((status >= 500)::INT) "
        "FILTER (WHERE NOT inc) FROM (SELECT r.status, EXISTS (SELECT 1 FROM incidents i "
        "WHERE r.occurred_at BETWEEN i.started_at AND coalesce(i.resolved_at, i.started_at + "
        "INTERVAL 4 HOUR) AND r.service = i.service) AS inc FROM http_requests r)"
    ).fetchone()
    assert inside > 20 * outside
    failed_before = con.execute(
        "SELECT count(*) FROM incidents i WHERE EXISTS (SELECT 1 FROM deploys d WHERE NOT "
        "d.succeeded AND d.service = i.service AND d.deployed_at BETWEEN i.started_at - "
        "INTERVAL 1 HOUR AND i.started_at)"
    ).fetchone()[0]
    assert failed_before == len(INCIDENTS)


def test_parquet_has_the_same_rows(warehouse: Path, tmp_path: Path) -> None:
    counts = write_parquet(tmp_path / "parquet", scale=1.0)
    con = _connect(warehouse)
    for table in SCHEMA:
        path = tmp_path / "parquet" / f"{table}.parquet"
        assert (
            duckdb.connect().execute(f"SELECT count(*) FROM '{path}'").fetchone()[0]
            == counts[table]
        )
        assert counts[table] == con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.mark.parametrize(
    ("target", "says"),
    [
        ("notes.metric", "notes.metric exists and is not a DuckDB database"),
        ("folder", "folder is a folder, not a DuckDB file"),
        ("spark:folder", "folder holds files of its own (mine.csv)"),
        ("spark:", ". holds files of its own"),
    ],
)
def test_it_never_writes_over_files_of_someone_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str, says: str
) -> None:
    from click.testing import CliRunner

    from metricc.cli import main

    monkeypatch.chdir(tmp_path)
    Path("notes.metric").write_text("team t {}\n")
    Path("folder").mkdir()
    Path("folder/mine.csv").write_text("a,b\n")
    result = CliRunner().invoke(main, ["sample-warehouse", target, "--scale", "0.01"])
    assert result.exit_code == 2 and says in result.output
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["folder", "mine.csv", "notes.metric"]
    assert Path("notes.metric").read_text() == "team t {}\n"
