"""The base of every model class: an immutable record built from trusted values,
which pydantic serialises (and validates, for a config file) when asked.

Model nodes are made only by metricc's own code (the parser's transformer, the
resolver, the backends), from values the grammar and the resolver have already
checked and mypy types: validating them again is work without a purpose. So a
node is built from its fields as given, in declaration order with defaults
filled. Pydantic is imported only to give a model's JSON Schema, validate a
config file, or make the core schema a model is dumped by (the manifest,
digests; kept per installation, see `Frozen._serializer`): each class tells
pydantic its schema (`__get_pydantic_core_schema__`) from its annotations, and
a one-file `metricc lint` starts without importing pydantic at all (about half
of its time when the model classes were pydantic models).
"""

from __future__ import annotations

import contextlib
import pickle
import sys
import threading
import typing
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, Self, dataclass_transform

_set = object.__setattr__
_MISSING: Any = object()
_BUILDING: set[type] = set()  # the classes whose pydantic schema is being made
_ADAPTERS: dict[type, Any] = {}  # each class's pydantic TypeAdapter, made on first use
_SERIALIZERS: dict[type, Any] = {}  # each class's pydantic-core serialiser (see `_serializer`)
_SCHEMAS: list[dict[str, Any]] = []  # the core schemas kept for this compiler, once read
_SCHEMA_LOCK = threading.RLock()

# Which fields were given, one set per combination of names and shared by every
# node built with it: a set per node was a third of a syntax tree's memory.
_FIELDS_SETS: dict[tuple[str, ...], frozenset[str]] = {}


class FieldSpec:
    """A field's default (or the factory that makes it) and whether the dumps and
    reprs leave it out (spans: where a value is written is not what it means)."""

    __slots__ = ("default", "factory", "exclude", "repr")

    def __init__(
        self,
        default: Any = _MISSING,
        factory: Callable[[], Any] | None = None,
        exclude: bool = False,
        repr: bool = True,
    ) -> None:
        self.default, self.factory, self.exclude, self.repr = default, factory, exclude, repr


def field(
    *,
    default: Any = _MISSING,
    default_factory: Callable[[], Any] | None = None,
    exclude: bool = False,
    repr: bool = True,
) -> Any:
    """A field's options, written as its default: `span: Span = field(exclude=True)`."""
    return FieldSpec(default, default_factory, exclude, repr)


class Tagged:
    """`Annotated[A | B, Tagged("kind")]`: a union whose members are told apart by
    their `kind` field (pydantic's discriminated union, in schemas and dumps)."""

    def __init__(self, tag: str) -> None:
        self.tag = tag

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic import Field

        return handler(typing.Annotated[source, Field(discriminator=self.tag)])


def _field_types(cls: type[Frozen]) -> dict[str, Any]:
    """Each field's type: its annotation (text, as the modules are written)
    evaluated in the module of the class that declares it."""
    types: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if klass is Frozen or not issubclass(klass, Frozen):
            continue
        names = vars(sys.modules[klass.__module__])
        for name, annotation in klass.__dict__.get("__annotations__", {}).items():
            if name in cls._specs:
                types[name] = eval(annotation, names) if isinstance(annotation, str) else annotation
    return types


def _restore(cls: type[Frozen], fields: dict[str, Any], given: frozenset[str]) -> Frozen:
    model = cls.__new__(cls)
    _set(model, "__dict__", fields)
    _set(model, "_given", given)
    return model


# Whether this process has unpickled a node whose deferred fields are not loaded
# yet (see `Frozen._deferred`): until it has, a dump need not look for one.
_partial_seen = False
# Per thread: while `together` pickles a value, the deferred fields of its nodes
# (`collecting`); while its reduction is unpickled, where they are (`loading`).
_local = threading.local()


class _Apart:
    """The deferred fields of every node of one value pickled by `together`: one
    pickle, unpickled when the first of those nodes is read (a pickle per node
    took a third longer to load, each with its own memo of classes)."""

    __slots__ = ("_data", "_values")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._values: list[tuple[Any, ...]] | None = None

    def values(self, index: int) -> tuple[Any, ...]:
        values = self._values
        if values is None:  # two threads may both unpickle it: the same values
            values = self._values = pickle.loads(self._data)
        return values[index]


def together(make: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Any, ...]:
    """A reduction (what `__reduce__` returns) of `make(*args)` that pickles the
    deferred fields of every node in `args` apart, as one pickle: unpickled, the
    nodes are partial until one of them is read (see `Frozen._deferred`)."""
    collected: list[tuple[Any, ...]] = []
    outer = getattr(_local, "collecting", None)
    _local.collecting = collected
    try:
        light = pickle.dumps((make, args), protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        _local.collecting = outer
    return _unpickle_apart, (light, pickle.dumps(collected, protocol=pickle.HIGHEST_PROTOCOL))


def _unpickle_apart(light: bytes, deferred: bytes) -> Any:
    outer = getattr(_local, "loading", None)
    _local.loading = _Apart(deferred)
    try:
        make, args = pickle.loads(light)
    finally:
        _local.loading = outer
    return make(*args)


def _restore_partial(
    cls: type[Frozen], fields: dict[str, Any], rest: bytes | int, given: frozenset[str]
) -> Frozen:
    global _partial_seen
    _partial_seen = True
    model = cls.__new__(cls)
    _set(model, "__dict__", fields)
    _set(model, "_given", given)
    # Its own pickle, or its place among those `together` pickled.
    _set(model, "_rest", rest if isinstance(rest, bytes) else (_local.loading, rest))
    return model


def _complete(node: Frozen) -> None:
    """Load the deferred fields of `node` and of every partial node under it: a dump
    reads fields without Python attribute lookups. Only the fields whose class
    may be or hold a partial node are walked (a metric: its definition's measures)."""
    stack: list[Any] = [node]
    while stack:
        value = stack.pop()
        if isinstance(value, Frozen):
            if _may_be_partial(type(value)) or value is node:
                value._load()
                stack += value.__dict__.values()
        elif isinstance(value, dict):
            stack += value.values()
        elif isinstance(value, tuple | list) and value and isinstance(value[0], Frozen):
            stack += value


_PARTIAL_CLASSES: dict[type, bool] = {}


def _may_be_partial(cls: type[Frozen]) -> bool:
    """Whether a node of `cls` can be partial or hold one: it defers fields, or a
    field's type names a class that may (worked out once per class, from the
    fields' types)."""
    found = _PARTIAL_CLASSES.get(cls)
    if found is None:
        _PARTIAL_CLASSES[cls] = False  # a recursive type (expressions) holds itself
        found = bool(cls._deferred) or any(
            _may_be_partial(named) for hint in _field_types(cls).values() for named in _named(hint)
        )
        _PARTIAL_CLASSES[cls] = found
    return found


def _named(hint: Any) -> Iterator[type[Frozen]]:
    """The model classes a type hint names (in unions, containers, `Annotated`)."""
    if isinstance(hint, type) and issubclass(hint, Frozen):
        yield hint
    for arg in typing.get_args(hint):
        yield from _named(arg)


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(field,))
class Frozen:
    """A frozen record made from trusted values; pickled as its class, field values
    and which fields were given.

    The build cache unpickles hundreds of thousands of syntax nodes per large
    project: a node has no other state than its fields.
    """

    # `_given`: the fields given; the others are where pydantic's validation puts
    # what it records, so that a validated node's fields are all its `__dict__`.
    __slots__ = (
        "__dict__",
        "_given",
        "_rest",
        "__pydantic_fields_set__",
        "__pydantic_extra__",
        "__pydantic_private__",
    )

    _given: frozenset[str]
    _rest: bytes | tuple[_Apart, int]  # a partial node's deferred fields (see `_deferred`)
    __pydantic_fields_set__: set[str]

    # The fields a pickle keeps apart, in a pickle of their own (one per value that
    # `together` pickles) unpickled when one of them is first read; until then the
    # node is partial. After an edit, a compile unpickles the model of every
    # unchanged file (90% of a large project) and reads little of it: the
    # expressions of measures and formulas were half of its objects, and only the
    # few queries made again read them (lint reads its kept facts: `lint.facts`).
    _deferred: ClassVar[tuple[str, ...]] = ()

    # What pydantic reads of a model class (its `extra` decides if unknown fields
    # are refused when validating: a config file's are).
    model_config: ClassVar[dict[str, Any]] = {}

    # Per class: its fields in declaration order (base classes' first) and their specs.
    _specs: ClassVar[dict[str, FieldSpec]] = {}
    _template: ClassVar[dict[str, Any]] = {}
    _required: ClassVar[frozenset[str]] = frozenset()
    _factories: ClassVar[dict[str, Callable[[], Any]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        specs = dict(cls._specs)
        for name, annotation in cls.__dict__.get("__annotations__", {}).items():
            if str(annotation).startswith("ClassVar"):
                continue
            value = cls.__dict__.get(name, _MISSING)
            spec = value if isinstance(value, FieldSpec) else FieldSpec(default=value)
            specs[name] = spec
            if value is not _MISSING:
                delattr(cls, name)  # a default is the node's value, not the class's
        cls._specs = specs
        cls._template = {name: spec.default for name, spec in specs.items()}
        cls._required = frozenset(
            name for name, spec in specs.items() if spec.default is _MISSING and not spec.factory
        )
        cls._factories = {name: spec.factory for name, spec in specs.items() if spec.factory}
        unknown = set(cls._deferred) - specs.keys()
        assert not unknown, f"{cls.__name__} defers fields it does not have: {unknown}"

    def __init__(self, /, **data: Any) -> None:
        cls = type(self)
        values = {**cls._template, **data}
        if len(values) != len(cls._template) or not data.keys() >= cls._required:
            cls._refuse(data)
        for name, factory in cls._factories.items():
            if name not in data:
                values[name] = factory()
        names = tuple(data)
        given = _FIELDS_SETS.get(names)
        if given is None:
            given = _FIELDS_SETS[names] = frozenset(names)
        _set(self, "__dict__", values)
        _set(self, "_given", given)

    @classmethod
    def _refuse(cls, data: dict[str, Any]) -> None:
        unknown = sorted(data.keys() - cls._template.keys())
        missing = sorted(cls._required - data.keys())
        raise TypeError(f"{cls.__name__}: unknown fields {unknown}, missing fields {missing}")

    if not typing.TYPE_CHECKING:  # for mypy, a node has its declared fields alone

        def __getattr__(self, name: str) -> Any:
            # Called only when a name is not found: a partial node's deferred field.
            if name in self._deferred and self._load():
                return self.__dict__[name]
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _load(self) -> bool:
        """Unpickle a partial node's deferred fields into it (in declaration order,
        as a node built whole has them); False if it had none to load."""
        if not self._deferred:  # never partial: no attribute lookup that fails
            return False
        try:
            rest = self._rest
        except AttributeError:  # built whole, unpickled whole, or loaded
            return False
        values = pickle.loads(rest) if isinstance(rest, bytes) else rest[0].values(rest[1])
        fields = self.__dict__ | dict(zip(self._deferred, values, strict=True))
        _set(self, "__dict__", {name: fields[name] for name in self._template})
        with contextlib.suppress(AttributeError):  # another thread loaded it meanwhile
            object.__delattr__(self, "_rest")
        return True

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: `{name}` cannot be set")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: `{name}` cannot be deleted")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self) or not isinstance(other, Frozen):
            return NotImplemented
        self._load()
        other._load()
        return self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        self._load()
        return hash((type(self), *self.__dict__.values()))

    def __repr__(self) -> str:
        self._load()
        shown = ", ".join(
            f"{name}={self.__dict__[name]!r}" for name, spec in self._specs.items() if spec.repr
        )
        return f"{type(self).__name__}({shown})"

    def __reduce__(self) -> tuple[Any, ...]:
        deferred = self._deferred
        if not deferred:
            return _restore, (type(self), self.__dict__, self._given)
        self._load()
        fields = self.__dict__
        values = tuple(fields[name] for name in deferred)
        collecting = getattr(_local, "collecting", None)
        if collecting is None:
            rest: bytes | int = pickle.dumps(values, protocol=pickle.HIGHEST_PROTOCOL)
        else:
            rest = len(collecting)
            collecting.append(values)
        kept = {name: value for name, value in fields.items() if name not in deferred}
        return _restore_partial, (type(self), kept, rest, self._given)

    def replace(self, **changes: Any) -> Self:
        """A copy with some fields changed."""
        self._load()
        return type(self)(**{**{name: self.__dict__[name] for name in self._given}, **changes})

    # --- through pydantic -------------------------------------------------------

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema as cs

        ref = f"{cls.__module__}.{cls.__qualname__}:{id(cls)}"
        if cls in _BUILDING:  # a recursive type (a call's arguments are expressions)
            return cs.definition_reference_schema(ref)
        _BUILDING.add(cls)
        try:
            return cls._core_schema(ref, handler)
        finally:
            _BUILDING.discard(cls)

    @classmethod
    def _core_schema(cls, ref: str, handler: Any) -> Any:
        from pydantic_core import core_schema as cs

        hints = _field_types(cls)
        fields = {}
        for name, spec in cls._specs.items():
            schema = handler.generate_schema(hints[name])
            if spec.factory is not None:
                schema = cs.with_default_schema(schema, default_factory=spec.factory)
            elif spec.default is not _MISSING:
                schema = cs.with_default_schema(schema, default=spec.default)
            fields[name] = cs.model_field(schema, serialization_exclude=spec.exclude or None)
        extra = cls.model_config.get("extra", "ignore")
        return cs.model_schema(
            cls,
            cs.model_fields_schema(fields, model_name=cls.__name__, extra_behavior=extra),
            post_init="_validated",
            ref=ref,
        )

    def _validated(self, context: Any) -> None:
        """Called by pydantic on each node it validates (nested ones too): which
        fields the data gave, as a node built by `__init__` records them."""
        _set(self, "_given", frozenset(self.__pydantic_fields_set__))

    @classmethod
    def _adapter(cls) -> Any:
        adapter = _ADAPTERS.get(cls)
        if adapter is None:
            from pydantic import TypeAdapter

            with _SCHEMA_LOCK:  # `_BUILDING` is the building thread's alone
                adapter = _ADAPTERS.get(cls) or TypeAdapter(cls)
                _ADAPTERS[cls] = adapter
        return adapter

    @classmethod
    def _serializer(cls) -> Any:
        """pydantic-core's serialiser of this class, made from the core schema its
        TypeAdapter has. The schema is kept per installation and compiler (in
        `metricc.home`'s folder): importing pydantic and making the schemas of the
        classes a compile dumps took ~0.15 s of every compile, and of every worker
        that dumps; from a kept schema it takes a few milliseconds, and pydantic
        itself is not imported."""
        found = _SERIALIZERS.get(cls)
        if found is None:
            from pydantic_core import SchemaSerializer

            from metricc.home import compiler_fingerprint, recall, remember

            with _SCHEMA_LOCK:
                if not _SCHEMAS:
                    _SCHEMAS.append(recall("schemas", compiler_fingerprint(), pickle) or {})
                schemas, name = _SCHEMAS[0], f"{cls.__module__}.{cls.__qualname__}"
                schema = schemas.get(name)
                if schema is None:
                    schema = cls._adapter().core_schema
                    try:
                        pickle.dumps(schema)
                    except Exception:  # it holds a function of pydantic's (a path's): not kept
                        pass
                    else:
                        schemas[name] = schema
                        remember("schemas", compiler_fingerprint(), schemas, pickle)
                found = _SERIALIZERS[cls] = SchemaSerializer(schema)
        return found

    def dump(self, *, exclude: set[str] | None = None) -> Any:
        """The node as JSON-ready data (excluded fields left out)."""
        if _partial_seen:
            _complete(self)
        return self._serializer().to_python(self, mode="json", exclude=exclude)

    def dump_json(self, *, indent: int | None = None, exclude: set[str] | None = None) -> str:
        """The node as JSON text, written by pydantic (in Rust)."""
        if _partial_seen:
            _complete(self)
        return str(self._serializer().to_json(self, indent=indent, exclude=exclude).decode())

    @classmethod
    def validate(cls, data: Any) -> Self:
        """A node from untrusted data, checked field by field (raises pydantic's
        ValidationError)."""
        made: Self = cls._adapter().validate_python(data)
        return made

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """The JSON Schema of the node as `dump_json` writes it."""
        return dict(cls._adapter().json_schema(mode="serialization"))
