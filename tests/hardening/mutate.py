"""Seeds and structure-aware mutations for the fuzz tests.

Seeds are the real reports (``fixtures/reports`` and, when present, ``../shared/corpus``)
with every list cut to its first few items: the shapes stay real, the documents small,
so a bounded run tries many mutations in a few seconds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from gatekeeper.adapters import FORMATS, AdapterError, detect
from tests.conftest import CORPUS, REPORTS

Path_ = tuple[Any, ...]
DELETE = object()
"""A mutation result meaning "remove this key or item"."""

_KEEP_ITEMS = 3


def trim(value: Any, keep: int = _KEEP_ITEMS) -> Any:
    """``value`` with every list cut to its first ``keep`` items."""
    if isinstance(value, list):
        return [trim(v, keep) for v in value[:keep]]
    if isinstance(value, dict):
        return {k: trim(v, keep) for k, v in value.items()}
    return value


def _report_files() -> Iterator[Path]:
    yield from sorted(p for p in REPORTS.iterdir() if p.suffix in (".json", ".sarif"))
    if CORPUS.is_dir():
        yield from sorted(p for p in CORPUS.rglob("*") if p.suffix in (".json", ".sarif"))


@lru_cache(maxsize=1)
def seeds() -> dict[str, list[tuple[str, Any]]]:
    """Format -> [(file name, trimmed document)] for every real report gatekeeper reads."""
    by_format: dict[str, list[tuple[str, Any]]] = {name: [] for name in FORMATS}
    for path in _report_files():
        try:
            doc = json.loads(path.read_bytes().decode("utf-8-sig"))
            fmt = detect(doc, path.name)
        except (ValueError, AdapterError):
            continue  # JSON Lines, archives, unknown shapes: not seeds
        by_format[fmt].append((path.name, trim(doc)))
    return by_format


def keys_of(docs: list[tuple[str, Any]]) -> list[str]:
    """Every object key used in ``docs``, sorted (the vocabulary of a format)."""
    found: set[str] = set()

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            found.update(v)
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    for _, doc in docs:
        walk(doc)
    return sorted(found)


def paths(value: Any, at: Path_ = ()) -> list[Path_]:
    """Every position in a document, the root first."""
    out = [at]
    if isinstance(value, list):
        for i, v in enumerate(value):
            out += paths(v, (*at, i))
    elif isinstance(value, dict):
        for k, v in value.items():
            out += paths(v, (*at, k))
    return out


def apply(doc: Any, at: Path_, mutation: Callable[[Any], Any]) -> Any:
    """A copy of ``doc`` with the value at ``at`` replaced (copies only along the path)."""
    if not at:
        new = mutation(doc)
        return None if new is DELETE else new
    head, rest = at[0], at[1:]
    copy: Any = list(doc) if isinstance(doc, list) else dict(doc)
    new = apply(doc[head], rest, mutation) if rest else mutation(doc[head])
    if new is DELETE:
        del copy[head]
    else:
        copy[head] = new
    return copy


def _nest(value: Any, depth: int) -> Any:
    for _ in range(depth):
        value = [value]
    return value


HOSTILE_TEXT = "\x1b[31m\x1b]8;;http://x\x07::error::pwn%0A<script>x</script>](javascript:x)\u202e\r\n../../etc/passwd"
LONG_TEXT = "A" * 200_000

# Named so a failing example says what was done.
MUTATIONS: dict[str, Callable[[Any], Any]] = {
    "delete": lambda v: DELETE,
    "null": lambda v: None,
    "empty-string": lambda v: "",
    "empty-list": lambda v: [],
    "empty-object": lambda v: {},
    "true": lambda v: True,
    "false": lambda v: False,
    "zero": lambda v: 0,
    "negative": lambda v: -1,
    "huge-int": lambda v: 10**40,
    "huge-negative-int": lambda v: -(10**40),
    "int64-overflow": lambda v: 2**63,
    "float": lambda v: 1.5,
    "nan": lambda v: float("nan"),
    "inf": lambda v: float("inf"),
    "-inf": lambda v: float("-inf"),
    "long-string": lambda v: LONG_TEXT,
    "hostile-string": lambda v: HOSTILE_TEXT,
    "lone-surrogate": lambda v: "\ud800",
    "stringify": lambda v: json.dumps(v, allow_nan=True),
    "wrap-in-list": lambda v: [v],
    "wrap-in-object": lambda v: {"value": v},
    "nesting-within-limit": lambda v: _nest(v, 60),
    "nesting-beyond-limit": lambda v: _nest(v, 150),
    "truncate": lambda v: v[: len(v) // 2] if isinstance(v, (list, str)) else v,
    "duplicate-items": lambda v: v + v if isinstance(v, list) else v,
    "list-of-null": lambda v: [None],
    "list-of-int": lambda v: [7],
    "list-of-string": lambda v: ["x"],
    "list-of-list": lambda v: [[]],
    "object-empty-key": lambda v: {"": None},
    "bad-date": lambda v: "2024-13-45T99:99:99Z",
    "absolute-path": lambda v: "/etc/passwd",
    "file-uri": lambda v: "file:///etc/passwd",
    "windows-path": lambda v: "..\\..\\windows\\system32",
}
