"""Start-up: `metricc --help` and `metricc lint` of a one-file project, against
Python's own start-up measured in the same run.

    python bench/startup.py [--runs R]

Each command runs as its console script does (`metricc.cli:entry`), in a fresh
process with this Python, the three commands alternating. A `metricc` on PATH
may be a wrapper of its own (pyenv's shim is a shell script): this measures
the command, not the wrapper. Prints the median and the quickest run of each.
The package's bytecode is compiled first, as an installed wheel has it
(bench/installed.py).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from installed import compile_package  # noqa: E402
from synthetic import write_project  # noqa: E402

# What the console script runs, as a `-c` program: the same imports, the same call.
COMMAND = "import sys; from metricc.cli import entry; sys.argv[0] = 'metricc'; sys.exit(entry())"


def _time(argv: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(runs: int) -> None:
    compile_package()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_project(folder / "metrics", 20, files=1)  # the default project folder
        argvs = {
            "python -c pass (baseline)": [sys.executable, "-c", "pass"],
            "metricc --help": [sys.executable, "-c", COMMAND, "--help"],
            "metricc lint (one file, 20 metrics)": [sys.executable, "-c", COMMAND, "lint"],
        }
        lint = subprocess.run(
            argvs["metricc lint (one file, 20 metrics)"], cwd=folder, capture_output=True, text=True
        )
        if "error" in lint.stdout + lint.stderr:  # warnings are fine, a failed lint is not
            raise SystemExit(f"metricc lint failed:\n{lint.stdout}{lint.stderr}")
        samples: dict[str, list[float]] = {name: [] for name in argvs}
        for _ in range(runs):
            for name, argv in argvs.items():
                samples[name].append(_time(argv, folder))
    print(f"{'command':<38} {'median':>8} {'quickest':>9}")
    for name, values in samples.items():
        print(f"{name:<38} {statistics.median(values):>7.3f}s {min(values):>8.3f}s")
    print(f"({runs} fresh processes each, alternating; Python {sys.version.split()[0]})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    main(parser.parse_args().runs)
