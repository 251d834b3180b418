"""The project's speed devices that are not I/O; each with its NOTE and measurement.

Each makes a hot path faster without changing what it computes: tests/test_model.py checks
that the classes ``fast_init`` is used on keep their dataclass behaviour.
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any

__all__ = ["fast_init"]


class _Factory:
    """The default of a field with a ``default_factory`` in a :func:`fast_init` signature."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def fast_init(cls: type) -> type:
    """Give a frozen, slotted dataclass (declared with ``init=False``) an ``__init__`` that
    stores fields through their slots, with the signature and defaults ``@dataclass`` would
    write (it would compile one only to have it replaced: 0.3 ms of start-up for ``Finding``).

    NOTE: a frozen dataclass's own ``__init__`` stores each field by
    ``object.__setattr__(self, name, value)`` (the class's ``__setattr__`` refuses); a
    slot descriptor's ``__set__``, looked up once here, is a third faster: 2.1 -> 1.4 µs
    per ``Finding``, which adapters build 50,000 times for a large report. The class stays
    frozen (its ``__setattr__`` and ``__delattr__`` still raise ``FrozenInstanceError``),
    and ``fields``, ``replace``, equality and hashing are the dataclass's.
    """
    assert "__post_init__" not in cls.__dict__ and "__slots__" in cls.__dict__ and "__init__" not in cls.__dict__
    namespace: dict[str, Any] = {"_FACTORY": _FACTORY}
    params: list[str] = []
    body: list[str] = []
    for f in fields(cls):
        assert f.init, f"{cls.__name__}.{f.name}: fast_init needs every field in __init__"
        name = f.name
        namespace[f"_set_{name}"] = cls.__dict__[name].__set__
        if f.default is not MISSING:
            namespace[f"_default_{name}"] = f.default
            params.append(f"{name}=_default_{name}")
        elif f.default_factory is not MISSING:
            namespace[f"_factory_{name}"] = f.default_factory
            params.append(f"{name}=_FACTORY")
            body.append(f" if {name} is _FACTORY: {name} = _factory_{name}()")
        else:
            params.append(name)
        body.append(f" _set_{name}(self, {name})")
    exec(f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body), namespace)  # noqa: S102
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    cls.__init__ = init  # type: ignore[misc]
    return cls
