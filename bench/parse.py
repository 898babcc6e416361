"""Parse speed: metricc's parse (tree + AST) against Lark's own LALR parse of the same text.

metricc parses the way `metricc lint`/`compile` do (garbage collector paused
while trees are built, see metricc.pipeline.gc_paused); the baseline is Lark's
plain `parse()` of the same text with the same grammar, as a user would call it.

    python bench/parse.py [N ...]

Prints medians of several runs, each in a fresh process, and the ratio.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = 5

CHILD = """
import json, sys, time
sys.path.insert(0, {bench!r})
from synthetic import project_text
from metricc.span import SourceFile
from metricc.syntax.grammar import lark_parser
from metricc.syntax.parser import parse_source
from metricc.pipeline import gc_paused
from metricc.resolve import resolve
text = project_text({n})
lark = lark_parser()
lark.parse("team warm {{ title: \\"x\\" }}")
start = time.perf_counter(); lark.parse(text); lark_s = time.perf_counter() - start
source = SourceFile("bench.metric", text)
start = time.perf_counter()
with gc_paused():
    file, diags = parse_source(source)
ours = time.perf_counter() - start
assert not diags, diags[:3]
start = time.perf_counter()
with gc_paused():
    project, problems = resolve([file], {{source.path: source}}, ".")
resolve_s = time.perf_counter() - start
assert not problems, problems[:3]
print(json.dumps({{"lark": lark_s, "parse": ours, "resolve": resolve_s,
                  "lines": text.count(chr(10))}}))
"""


def measure(n: int) -> dict[str, float]:
    samples = []
    for _ in range(RUNS):
        code = CHILD.format(bench=str(HERE), n=n)
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        samples.append(json.loads(out.stdout))
    return {key: statistics.median(s[key] for s in samples) for key in samples[0]}


def main(sizes: list[int]) -> None:
    print(
        f"{'metrics':>8} {'lines':>8} {'lark parse':>11} {'metricc parse':>14} {'ratio':>6} "
        f"{'resolve':>9} {'parse+resolve ms/metric':>24}"
    )
    for n in sizes:
        m = measure(n)
        per = (m["parse"] + m["resolve"]) / n * 1000
        print(
            f"{n:>8} {int(m['lines']):>8} {m['lark']:>10.2f}s {m['parse']:>13.2f}s "
            f"{m['parse'] / m['lark']:>6.2f} {m['resolve']:>8.2f}s {per:>24.3f}"
        )
    print(f"(medians of {RUNS} fresh processes; ratio = metricc parse / Lark's own LALR parse)")


if __name__ == "__main__":
    started = time.perf_counter()
    main([int(a) for a in sys.argv[1:]] or [1000, 10000])
    print(f"total {time.perf_counter() - started:.1f}s")
