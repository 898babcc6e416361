"""Query trees to text: one sqlglot generator per dialect, shared subtrees,
names and types printed once.

Queries share subtrees: every metric over the same sources at the same grain
has the same `bounds` and `spine` CTEs (two fifths of printing a query), and
a metric's alert check holds the very CTEs of its query. sqlglot prints a
nested query on its own and then indents it where it goes, so a CTE's body
prints to the same text wherever it stands: a body tagged `Printed` keeps the
text of its first printing, and its later printings (in any query that holds
it, or a copy of it) take it.

The generator's dispatch table (`_dispatch`, one per generator object) is
sqlglot's own, not an API: where it is missing, trees print in full as
before. tests/sql/test_printing.py compares both ways for every dialect, so an
upgrade of sqlglot that changes what a name's quoting depends on fails there.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.generator import Generator

from metricc.backends.sql.dialects import QUIRKS, quirks

PRINTED = "metricc.printed"


class Printed:
    """The text a subtree printed to, per dialect; a deep copy of the subtree
    shares it. Tag only a CTE's body that nothing changes once it is tagged."""

    __slots__ = ("texts",)

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}

    def __deepcopy__(self, memo: Any) -> Printed:
        return self


def shares_printing(dialect: str) -> bool:
    """Whether trees for `dialect` may be tagged: not where sqlglot rewrites a query
    while printing it (a rewrite reaches into the CTEs, so their text depends on the
    query around them), nor for engines metricc has no row for."""
    return dialect in QUIRKS and not QUIRKS[dialect].rewrites


def print_once(select: exp.Select) -> exp.Select:
    """Tag a CTE body so that it is printed once (see `Printed`)."""
    select.meta[PRINTED] = Printed()
    return select


def render(query: exp.Expr, dialect: str) -> str:
    """The text of a query, as `query.sql(dialect, pretty=True)` with the dialect's
    quoting; tagged bodies are printed once."""
    return _generator(dialect).generate(query, copy=False)


@cache
def _generator(dialect: str) -> Generator:
    """One generator per dialect (a query printed from a name made a dialect and a
    generator each time), whose SELECTs print a tagged body once and whose names
    and types are each printed once."""
    generator = Dialect.get_or_raise(dialect).generator(
        pretty=True, identify=quirks(dialect).identify
    )
    dispatch = getattr(generator, "_dispatch", None)
    handled = (exp.Select, exp.Identifier, exp.DataType)
    if isinstance(dispatch, dict) and all(kind in dispatch for kind in handled):
        mine: dict[type[exp.Expr], Callable[..., str]] = {
            exp.Select: _once(dialect, dispatch[exp.Select])
        }
        if dialect in QUIRKS:  # engines whose generators print names as sqlglot's base does
            name = _quoting_reserved(dispatch[exp.Identifier], quirks(dialect).reserved)
            mine[exp.Identifier] = _kept(name, _name_key)
            mine[exp.DataType] = _kept(dispatch[exp.DataType], _type_key)
        generator._dispatch = {**dispatch, **mine}
    return generator


def _quoting_reserved(
    print_name: Callable[[Generator, Any], str], reserved: frozenset[str]
) -> Callable[[Generator, Any], str]:
    """A name's printer that quotes the engine's reserved words, upper-cased (the name
    an unquoted word would be folded to), which sqlglot prints bare."""
    if not reserved:
        return print_name

    def print_quoting(generator: Generator, node: exp.Identifier) -> str:
        upper = node.this.upper()
        if node.quoted or upper not in reserved or isinstance(node.parent, exp.Func):
            return print_name(generator, node)
        return print_name(generator, exp.Identifier(this=upper, quoted=True))

    return print_quoting


def _kept(
    print_node: Callable[[Generator, Any], str],
    key: Callable[[Generator, Any], object],
) -> Callable[[Generator, Any], str]:
    """A node's printer that prints each key's text once (a None key: every time).
    The key is read before printing: a dialect may change the node it prints."""
    printed: dict[object, str] = {}

    def print_kept(generator: Generator, node: Any) -> str:
        found = key(generator, node)
        if found is None:
            return print_node(generator, node)
        text = printed.get(found)
        if text is None:
            text = printed[found] = print_node(generator, node)
        return text

    return print_kept


def _name_key(generator: Generator, node: exp.Identifier) -> object:
    """sqlglot decides a name's quotes by what it says, whether it was quoted, whether
    it names a function and the quoting mode, in Python, for each of the ~50 names
    of a query: a tenth of printing one."""
    return (node.this, node.quoted, isinstance(node.parent, exp.Func), generator.identify)


def _type_key(generator: Generator, node: exp.DataType) -> object:
    """A plain type a value is cast to (`DATE`, `DOUBLE`: no parameters, no element
    types) prints by its kind alone (Redshift and Hive turn TEXT into VARCHAR while
    printing it): ~5% of printing a query."""
    return node.this if len(node.args) == 1 and isinstance(node.parent, exp.Cast) else None


def _once(
    dialect: str, print_select: Callable[[Generator, exp.Select], str]
) -> Callable[[Generator, exp.Select], str]:
    def select(generator: Generator, node: exp.Select) -> str:
        printed: Printed | None = node.meta_get(PRINTED)
        if printed is None:
            return print_select(generator, node)
        text = printed.texts.get(dialect)
        if text is None:
            text = printed.texts[dialect] = print_select(generator, node)
        return text

    return select
