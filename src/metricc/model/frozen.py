"""The base of every model class: an immutable pydantic model that unpickles quickly."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

_set = object.__setattr__


def _restore(cls: type[Frozen], fields: dict[str, Any], fields_set: set[str]) -> Frozen:
    model = cls.__new__(cls)
    _set(model, "__dict__", fields)
    _set(model, "__pydantic_fields_set__", fields_set)
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


class Frozen(BaseModel):
    """A frozen model; pickled as its class, field values and which fields were set.

    The build cache unpickles hundreds of thousands of syntax nodes per large
    project, and pydantic's own `__setstate__` is a quarter of that time. A frozen
    model with no extra or private attributes has no other state.
    """

    model_config = ConfigDict(frozen=True)

    def __reduce__(self) -> tuple[Any, ...]:
        return _restore, (type(self), self.__dict__, self.__pydantic_fields_set__)
