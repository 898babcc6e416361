"""A light check of PromQL text, so a typo fails at compile time, not in Prometheus.

Not a PromQL parser: it checks what breaks most often in hand-written
queries (unbalanced brackets and quotes, a missing `$window` range) and leaves
the rest to `promtool check rules` on the generated files.
"""

from __future__ import annotations

PAIRS = {")": "(", "]": "[", "}": "{"}


def problems(text: str) -> list[tuple[int, str]]:
    """(offset, message) for each problem found; empty when the text looks sound."""
    found: list[tuple[int, str]] = []
    stack: list[tuple[str, int]] = []
    quote: tuple[str, int] | None = None
    i = 0
    while i < len(text):
        char = text[i]
        if quote is not None:
            if char == "\\":
                i += 2
                continue
            if char == quote[0]:
                quote = None
        elif char in "\"'`":
            quote = (char, i)
        elif char in "([{":
            stack.append((char, i))
        elif char in PAIRS:
            if not stack or stack[-1][0] != PAIRS[char]:
                found.append((i, f"`{char}` closes nothing"))
            else:
                stack.pop()
        i += 1
    if quote is not None:
        found.append((quote[1], "this string is not closed"))
    found += [(at, f"`{char}` is not closed") for char, at in stack]
    if "$window" not in text:
        found.append(
            (
                0,
                "no `$window`: each burn-rate window substitutes its range there, "
                "as in `rate(x[$window])`",
            )
        )
    return found
