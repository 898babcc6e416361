"""Model nodes and diagnostics are built without validation (`frozen.py`): each
one the parser, the resolver and lint make must be exactly what pydantic's
validation (through the schema each class gives it) would make of the same
fields, down to the type of every value."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest

from metricc import frozen
from metricc.config import Config
from metricc.frozen import Frozen, together
from metricc.lint import Selection, lint
from metricc.model import semantic as sm
from metricc.model.expr import Name
from metricc.pipeline import check_project
from metricc.span import make_span

ROOT = Path(__file__).resolve().parents[2]
PROJECTS = [
    ROOT / "metrics",
    ROOT / "tests" / "corpus" / "valid",
    ROOT / "tests" / "corpus" / "sql",
    *sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir()),
]


def _nodes(value: object) -> Iterator[Frozen]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Frozen):
            yield item
            stack.extend(item.__dict__.values())
        elif isinstance(item, tuple | list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())


@pytest.mark.parametrize("folder", PROJECTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_node_is_what_validation_would_make(folder: Path) -> None:
    result = check_project(folder)
    assert result.project is not None and result.files
    findings = lint(result.project, result.files, Selection())
    nodes = list(_nodes([result.files, result.project, result.diagnostics, findings]))
    assert len({type(n) for n in nodes}) > 10
    for node in nodes:
        validated = type(node).validate(dict(node.__dict__))
        assert validated == node
        for name, value in node.__dict__.items():
            assert type(validated.__dict__[name]) is type(value), (node, name)


def test_a_node_refuses_unknown_and_missing_fields() -> None:
    with pytest.raises(TypeError, match=r"unknown fields \['nmae'\], missing fields \['name'\]"):
        Name(nmae="x", span=None)  # type: ignore[call-arg]


def test_nodes_share_the_set_of_fields_they_were_given_and_a_copy_does_not_touch_it() -> None:
    a, b = Name(name="x", span=None), Name(name="y", span=None)  # type: ignore[arg-type]
    assert a._given == {"name", "span"} and a._given is b._given
    copy = a.replace(name="z")
    assert copy.name == "z" and copy.span is None and a.name == "x"
    assert copy._given == {"name", "span"}


def test_nodes_pydantic_validates_are_nodes_too() -> None:
    """Nested nodes included: each records the fields the data gave (pickling and
    `replace` read them)."""
    config = Config.validate({"lint": {"select": ["all"]}})
    assert config.lint._given == {"select"} and config._given == {"lint"}
    assert pickle.loads(pickle.dumps(config)) == config
    assert config.lint.replace(fail_on="error").fail_on == "error"


def test_a_node_is_frozen_hashable_and_pickles_as_it_was() -> None:
    a = Name(name="x", span=None)  # type: ignore[arg-type]
    with pytest.raises(AttributeError, match="frozen"):
        a.name = "y"  # type: ignore[misc]
    assert a == Name(name="x", span=None) and hash(a) == hash(Name(name="x", span=None))  # type: ignore[arg-type]
    assert a != Name(name="y", span=None) and repr(a) == "Name(kind='name', name='x')"  # type: ignore[arg-type]
    b = Name(name="y", span=None)  # type: ignore[arg-type]
    again, other = pickle.loads(pickle.dumps([a, b]))
    assert (again, other) == (a, b) and again._given is other._given


class Apart:
    """A value pickled as the build cache pickles a file's resolution: its nodes'
    deferred fields apart, in one pickle (`frozen.together`)."""

    def __init__(self, value: object) -> None:
        self.value = value

    def __reduce__(self) -> tuple[object, ...]:
        return together(Apart, (self.value,))


def _partial(node: Frozen) -> bool:
    return any(name not in node.__dict__ for name in node._deferred)


def test_deferred_fields_are_loaded_when_read_and_the_nodes_are_as_they_were() -> None:
    """Measures' expressions (and formulas') are pickled apart and loaded when first
    read: until then a node is partial, and every way a node is read (its fields,
    equality, hash, repr, dumps, replace, a pickle of its own) gives what the node
    built whole gives."""
    project = check_project(ROOT / "metrics").project
    assert project is not None
    metrics = list(project.metrics.values())

    def unpickled() -> list[sm.Metric]:
        found: list[sm.Metric] = pickle.loads(pickle.dumps(Apart(metrics))).value
        return found

    again = unpickled()
    pairs = [
        (a.measures()[0], b.measures()[0])
        for a, b in zip(again, metrics, strict=True)
        if b.measures()
    ]
    assert pairs and all(_partial(read) for read, _ in pairs)
    assert [read.source for read, _ in pairs] == [built.source for _, built in pairs]
    assert all(_partial(read) for read, _ in pairs)  # a measure's source is not deferred
    (read, built), *_ = pairs
    assert read.expr == built.expr and not _partial(read)
    assert again == metrics and [hash(m) for m in again] == [hash(m) for m in metrics]
    assert repr(unpickled()) == repr(metrics)
    assert [m.dump_json(indent=2) for m in unpickled()] == [m.dump_json(indent=2) for m in metrics]
    assert [m.dump() for m in unpickled()] == [m.dump() for m in metrics]
    whole = pickle.loads(pickle.dumps(Apart(project))).value
    assert whole.dump_json() == project.dump_json()  # partial nodes under a project
    for node in (m.definition for m in unpickled()):  # pickled again, never read
        assert pickle.loads(pickle.dumps(node)) == node
    formula = next(m.definition for m in unpickled() if isinstance(m.definition, sm.Derived))
    assert _partial(formula) and formula.replace(inputs=()).formula == formula.formula


@pytest.mark.parametrize("folder", PROJECTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_node_dumps_as_pydantic_s_type_adapter_dumps_it(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dumps go through serialisers made from kept core schemas (`Frozen._serializer`),
    made afresh here, then kept and read back: every node, every way it is dumped,
    byte for byte what its TypeAdapter writes."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    compilation = check_project(folder)
    nodes = list(_nodes(compilation.project))
    for kept in (False, True):
        if kept:  # a new process: each serialiser from the schemas kept above
            monkeypatch.setattr(frozen, "_SERIALIZERS", {})
            monkeypatch.setattr(frozen, "_SCHEMAS", [])
        for node in nodes:
            adapter = node._adapter()
            for exclude in (None, {"location"}, {"title", "span"}):
                assert (
                    node.dump_json(exclude=exclude)
                    == adapter.dump_json(node, exclude=exclude).decode()
                )
                assert node.dump(exclude=exclude) == adapter.dump_python(
                    node, mode="json", exclude=exclude
                )
            assert node.dump_json(indent=2) == adapter.dump_json(node, indent=2).decode()
    assert list(tmp_path.glob("metricc/schemas-*.pickle"))


def test_damaged_kept_schemas_are_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    node = Name(name="dau", span=make_span("f", 0, 3, 1, 1, 1, 4))
    expected = node._adapter().dump_json(node).decode()
    monkeypatch.setattr(frozen, "_SERIALIZERS", {})
    monkeypatch.setattr(frozen, "_SCHEMAS", [])
    node.dump_json()  # kept
    (kept,) = tmp_path.glob("metricc/schemas-*.pickle")
    kept.write_bytes(b"not a pickle")
    monkeypatch.setattr(frozen, "_SERIALIZERS", {})
    monkeypatch.setattr(frozen, "_SCHEMAS", [])
    assert node.dump_json() == expected
    assert pickle.loads(kept.read_bytes())[1]  # kept again
