"""The base of every model class: an immutable pydantic model built without validation.

Model nodes are made only by metricc's own code (the parser's transformer, the
resolver, the backends), from values the grammar and the resolver have already
checked and mypy types: validating them again is work without a purpose. So a
node is built from its fields as given, in declaration order with defaults
filled, and pydantic's validators and serialisers are built on first use
(`defer_build`): `metricc lint` never dumps a model, and starts without building
one schema. A test checks that every node of the reference project is exactly
what pydantic's validation would have made.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

_set = object.__setattr__

# Which fields were given, one set per combination of names and shared by every
# node built with it: a set per node was a third of a syntax tree's memory (about
# 300 bytes of ~800). Sharing is safe: a frozen model never changes its set, and
# pydantic's `model_copy` copies it before adding to it.
_FIELDS_SETS: dict[tuple[str, ...], set[str]] = {}


def _fill(model: Frozen, fields: dict[str, Any], fields_set: set[str]) -> None:
    """A frozen model's whole state: its fields and which were given (no extra or
    private attributes)."""
    _set(model, "__dict__", fields)
    _set(model, "__pydantic_fields_set__", fields_set)
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)


def _restore(cls: type[Frozen], fields: dict[str, Any], fields_set: set[str]) -> Frozen:
    model = cls.__new__(cls)
    _fill(model, fields, fields_set)
    return model


class Frozen(BaseModel):
    """A frozen model made from trusted values; pickled as its class, field values
    and which fields were set.

    The build cache unpickles hundreds of thousands of syntax nodes per large
    project, and pydantic's own `__setstate__` is a quarter of that time. A frozen
    model with no extra or private attributes has no other state.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    # Per class: every field in declaration order with its default (or a
    # placeholder), the fields without a default, and those whose default a
    # factory makes.
    _template: ClassVar[dict[str, Any]]
    _required: ClassVar[frozenset[str]]
    _factories: ClassVar[dict[str, Any]]

    def __init__(self, /, **data: Any) -> None:
        cls = type(self)
        if "_template" not in cls.__dict__:
            cls._prepare()
        values = {**cls._template, **data}
        if len(values) != len(cls._template) or not data.keys() >= cls._required:
            cls._refuse(data)
        for name, factory in cls._factories.items():
            if name not in data:
                values[name] = factory()
        names = tuple(data)
        given = _FIELDS_SETS.get(names)
        if given is None:
            given = _FIELDS_SETS[names] = set(names)
        _fill(self, values, given)

    @classmethod
    def _prepare(cls) -> None:
        fields = cls.model_fields
        cls._template = {name: info.default for name, info in fields.items()}
        cls._required = frozenset(name for name, info in fields.items() if info.is_required())
        cls._factories = {
            name: info.default_factory
            for name, info in fields.items()
            if info.default_factory is not None
        }
        for name in cls._factories:
            cls._template[name] = None

    @classmethod
    def _refuse(cls, data: dict[str, Any]) -> None:
        unknown = sorted(data.keys() - cls._template.keys())
        missing = sorted(cls._required - data.keys())
        raise TypeError(f"{cls.__name__}: unknown fields {unknown}, missing fields {missing}")

    def __reduce__(self) -> tuple[Any, ...]:
        return _restore, (type(self), self.__dict__, self.__pydantic_fields_set__)
