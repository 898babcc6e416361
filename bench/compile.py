"""Compile speed, phase by phase, at 1,000 and 10,000 metrics.

    python bench/compile.py [N ...] [--runs R]

For each size, a synthetic project (bench/synthetic.py: every metric kind,
links, targets, thresholds) is written once; each run is a fresh process that
times every phase in order and reports its peak memory. The table shows the
median of the runs, in seconds and ms per metric, with Lark's own LALR parse
of the same text as the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DIALECTS = ["duckdb", "postgres", "snowflake", "bigquery", "spark", "trino", "redshift"]

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {bench!r})
folder = Path({folder!r})
out = {{}}
def timed(name, fn):
    start = time.perf_counter(); value = fn(); out[name] = time.perf_counter() - start
    return value

from metricc.syntax.grammar import lark_parser
from metricc.pipeline import check_project, gc_paused, parse_project
from metricc.resolve import resolve
from metricc.lint import Selection, lint
from metricc.backends.sql import sql_files
from metricc.backends.alerts import alert_files, checks_from_queries
from metricc.backends.catalog.markdown import catalog_files
from metricc.backends.catalog.site import site_files
text = "\n".join(p.read_text() for p in sorted(folder.glob("*.metric")))
lark = lark_parser()
timed("lark parse (baseline)", lambda: lark.parse(text))
parsed = timed("parse", lambda: parse_project(folder))
with gc_paused():  # as metricc.pipeline.check_project does
    project, problems = timed("resolve", lambda: resolve(parsed.files, parsed.sources, "p"))
assert not problems, problems[:3]
timed("lint", lambda: lint(project, parsed.files, Selection()))
sql = timed("sql, 1 dialect", lambda: sql_files(project, ["duckdb"]))
timed("sql, 7 dialects", lambda: sql_files(project, {dialects!r}))
timed("alerts", lambda: alert_files(project, ["duckdb"]))
timed("sql + checks (as compile)",
      lambda: sql_files(project, ["duckdb"], also=checks_from_queries(project)))
timed("catalogue (md + site)",
      lambda: site_files(project, catalog_files(project, ["duckdb"], sql=sql)))
print(json.dumps(out))
"""

# The whole command as a user runs it: its own process, timed from outside
# (start-up and exit included), with that process's peak memory.
COMMAND = [sys.executable, "-c", "from metricc.cli import entry; entry()", "compile"]
STOLEN = " stolen"  # the CPU-seconds the host took while a command ran (see `_stolen`)
COLD, WARM, EDITED = (
    "whole metricc compile",
    "again, nothing changed",
    "again, one file edited",
)


def _child(code: str) -> dict[str, float]:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def _stolen() -> float:
    """CPU-seconds the VM's host has taken from this machine since it started (the
    `steal` column of /proc/stat, all cores summed); 0 where there is no such file.
    On this VM it comes in bursts: a cold compile took 24-37 s within one run."""
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()
    except OSError:
        return 0.0
    return int(fields[8]) / os.sysconf("SC_CLK_TCK") if len(fields) > 8 else 0.0


def _command(folder: Path, build: Path, label: str) -> dict[str, float]:
    # What the previous command wrote is on disk first (a cold build writes ~260 MB
    # at 10,000 metrics; the kernel writing it back on one of two cores slowed the
    # next command by a fifth), as after the seconds a person takes to edit a file.
    os.sync()
    stolen = _stolen()
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(
            [*COMMAND, str(folder), "--out", str(build)],
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(errors.read().decode())
    return {
        label: elapsed,
        label + " MiB": usage.ru_maxrss / 1024,
        label + STOLEN: _stolen() - stolen,
    }


def run_once(folder: Path, build: Path) -> dict[str, float]:
    """The phases; then the command three times: into a folder that does not exist
    yet, again with nothing changed, and again after one metric's title changed in
    one file.

    Each run builds into a folder of its own, and the builds are removed only when
    every size is done: on some disks creating files is several times slower for
    minutes after a large tree is deleted (see `creating_files`), which would be
    timed as the compiler's.
    """
    phases = _child(CHILD.format(bench=str(HERE), folder=str(folder), dialects=DIALECTS))
    whole = {}
    for label in (COLD, WARM, EDITED):
        if label == EDITED:
            edited = folder / "part_000.metric"
            original = edited.read_text()
            edited.write_text(original.replace('title: "Metric 0"', 'title: "Metric zero"', 1))
        whole |= _command(folder, build, label)
        if label == EDITED:
            edited.write_text(original)
    return {**phases, **whole}


def creating_files(folder: Path, count: int = 5000, size: int = 7000) -> float:
    """Seconds per file to create `count` files of `size` bytes (a page's size) in a
    new folder, as the build's writer does: a baseline for the disk's state. On
    ext4 without a journal (this VM's), each new file skips the inodes freed in
    the last minutes, so creating files is several times slower for a while
    after a large tree is deleted; the figure shows whether a run paid that."""
    folder.mkdir(parents=True)
    data = b"x" * size
    start = time.perf_counter()
    for i in range(count):
        handle = os.open(folder / f"{i}.html", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(handle, data)
        os.close(handle)
    return (time.perf_counter() - start) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from installed import compile_package
    from synthetic import write_project

    compile_package()

    # One folder for every size, removed when all are done: deleting a size's
    # builds would slow the next size's file creation (see `creating_files`).
    with tempfile.TemporaryDirectory() as work:
        for n in args.sizes:
            here = Path(work) / str(n)
            folder = write_project(here / "project", n)
            per_file = creating_files(here / "disk")
            runs = [run_once(folder, here / f"build{i}") for i in range(args.runs)]
            _report(n, args.runs, runs, per_file)


def _report(n: int, count: int, runs: list[dict[str, float]], per_file: float) -> None:
    median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    baseline = median["lark parse (baseline)"]
    print(f"\n{n:,} metrics (median of {count} fresh processes)")
    print(f"  creating a 7 KB file (disk baseline): {per_file * 1e6:.0f} µs")
    print(f"  {'phase':<26} {'seconds':>9} {'ms/metric':>10} {'x lark':>7}")
    for key, value in median.items():
        if key.endswith(("MiB", STOLEN)) or key in (WARM, EDITED):
            continue
        print(f"  {key:<26} {value:>9.2f} {value / n * 1000:>10.3f} {value / baseline:>7.2f}")
    front = median["parse"] + median["resolve"] + median["lint"]
    print(
        f"  {'parse + resolve + lint':<26} {front:>9.2f} {front / n * 1000:>10.3f} "
        f"{front / baseline:>7.2f}"
    )
    print(f"  peak memory of the whole compile: {median[COLD + ' MiB']:.0f} MiB")
    for key in (WARM, EDITED):
        print(
            f"  {key:<26} {median[key]:>9.2f} s = {median[key] / median[COLD]:.0%} "
            f"of the first compile, peak {median[key + ' MiB']:.0f} MiB"
        )
    # Each run's own pair: the first compile's time varies with the machine's state
    # (its disk most), and a median of each hides how far the share moves.
    print("  one edit against the first compile, run by run (CPU-seconds the host took):")
    for r in runs:
        print(
            f"    {r[EDITED]:.2f} s of {r[COLD]:.2f} s = {r[EDITED] / r[COLD]:.1%} "
            f"(stolen {r[EDITED + STOLEN]:.1f} and {r[COLD + STOLEN]:.1f} s)"
        )


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"\n(total {time.perf_counter() - started:.0f}s)")
