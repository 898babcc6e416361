"""'Did you mean ...?': the nearest known name to a misspelt one."""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches


def nearest(name: str, candidates: Iterable[str]) -> str | None:
    matches = get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(name: str, candidates: Iterable[str], what: str = "") -> str | None:
    """A help line naming the closest candidate, else listing a few that exist."""
    pool = sorted(set(candidates))
    match = nearest(name, pool)
    if match:
        return f"did you mean `{match}`?"
    if not pool:
        return f"no {what} is defined yet" if what else None
    shown = ", ".join(f"`{c}`" for c in pool[:8]) + (", ..." if len(pool) > 8 else "")
    return f"known {what}s: {shown}" if what else f"known: {shown}"
