"""Query speed: each reference metric's generated DuckDB query against the hand-written one.

    python bench/queries.py [--scale 40] [--db PATH] [--runs 3] [--budget 2]

Writes (or reuses) a large sample warehouse, then runs both queries of every
metric of metrics/ alternately, at least `--runs` times and until `--budget`
seconds are spent on the metric (a few-millisecond query gets hundreds of runs,
so its median is not one scheduler hiccup), and prints the median seconds, the
runs and the ratio generated / hand-written (the oracle queries of
tests/reference_sql/, written independently of the compiler).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import duckdb

from metricc.backends.sql import metric_sql
from metricc.pipeline import check_project, release
from metricc.warehouse.sample import write_duckdb

ROOT = Path(__file__).resolve().parents[1]
ORACLE = ROOT / "tests" / "reference_sql"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=40.0)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=3, help="at least this many runs of each")
    parser.add_argument(
        "--budget", type=float, default=2.0, help="seconds per metric to keep running (≤ 500 runs)"
    )
    args = parser.parse_args()
    db = args.db or Path(f"bench-warehouse-{args.scale:g}.duckdb")
    if not db.exists():
        started = time.perf_counter()
        counts = write_duckdb(db, scale=args.scale)
        print(f"wrote {db} ({counts['events']:,} events) in {time.perf_counter() - started:.0f}s")
    project = check_project(ROOT / "metrics").project
    assert project is not None
    release()  # a long-lived process: the model goes back to the garbage collector
    con = duckdb.connect(str(db), read_only=True)
    con.execute((ORACLE / "_macros.sql").read_text())
    events = con.execute("SELECT count(*) FROM events").fetchone()[0]
    print(f"{events:,} events; medians of alternating runs\n")
    print(f"{'metric':<24} {'generated':>10} {'hand-written':>13} {'runs':>5} {'ratio':>6}")
    ratios = []
    for name in sorted(project.metrics):
        generated = metric_sql(project, name, "duckdb")
        written = (ORACLE / f"{name}.sql").read_text()
        times: dict[str, list[float]] = {"generated": [], "written": []}
        began = time.perf_counter()
        while len(times["written"]) < args.runs or (
            time.perf_counter() - began < args.budget and len(times["written"]) < 500
        ):
            for label, sql in (("generated", generated), ("written", written)):
                started = time.perf_counter()
                con.execute(sql).fetchall()
                times[label].append(time.perf_counter() - started)
        ours, theirs = statistics.median(times["generated"]), statistics.median(times["written"])
        ratios.append(ours / theirs)
        runs = len(times["written"])
        print(f"{name:<24} {ours:>9.4f}s {theirs:>12.4f}s {runs:>5} {ours / theirs:>6.2f}")
    print(f"\nworst ratio {max(ratios):.2f}, median {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
