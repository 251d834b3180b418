"""Seeds and structure-aware mutations for the fuzz tests.

Seeds are the real reports (``fixtures/reports``, ``tests/adapters/data`` and, when present,
``../shared/corpus``)
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
from tests.conftest import CORPUS, REPORTS, ROOT

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
    for folder in (REPORTS, ROOT / "tests" / "adapters" / "data"):
        yield from sorted(p for p in folder.iterdir() if p.suffix in (".json", ".sarif"))
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


# -- the classes of issue 21: duplicate keys, non-finite and out-of-range numbers, absent
# arrays, indexes and identifiers that point elsewhere --------------------------------------


def value_at(doc: Any, at: Path_) -> Any:
    for step in at:
        doc = doc[step]
    return doc


def _last_key(at: Path_) -> str:
    return at[-1] if at and isinstance(at[-1], str) else ""


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def object_paths(doc: Any) -> list[Path_]:
    """Every object holding at least one key (where a key can be given twice)."""
    return [p for p in paths(doc) if isinstance(value_at(doc, p), dict) and value_at(doc, p)]


def number_paths(doc: Any) -> list[Path_]:
    """Every number, or every position when the document holds none."""
    found = [p for p in paths(doc) if _is_number(value_at(doc, p))]
    return found or paths(doc)


_SCORE_WORDS = ("score", "severity", "cvss")


def score_paths(doc: Any) -> list[Path_]:
    """Where scores live: a number or numeric text under a key naming a score or severity
    (``V3Score``, ``baseScore``, ``security-severity``, ``cvss``); every number when none."""

    def numeric(v: Any) -> bool:
        if _is_number(v):
            return True
        try:
            float(v)
        except (TypeError, ValueError):
            return False
        return True

    found = [
        p for p in paths(doc)
        if any(w in _last_key(p).lower() for w in _SCORE_WORDS) and numeric(value_at(doc, p))
    ]
    return found or number_paths(doc)


def list_paths(doc: Any) -> list[Path_]:
    """Every array, the root's too (a report that is one array)."""
    return [p for p in paths(doc) if isinstance(value_at(doc, p), list)] or [()]


def index_paths(doc: Any) -> list[Path_]:
    """Every integer that points into the document (``ruleIndex``, ``artifactLocation.index``,
    any ``*Index``) and every identifier (``ruleId``, ``id``, ``*ID``); every number when none."""
    found = []
    for p in paths(doc):
        key, v = _last_key(p), value_at(doc, p)
        if isinstance(v, int) and not isinstance(v, bool) and (key == "index" or key.endswith("Index")):
            found.append(p)
        elif isinstance(v, str) and key.lower().endswith("id"):
            found.append(p)
    return found or number_paths(doc)


def identifiers(doc: Any) -> list[str]:
    """Every identifier of the document (what a swapped ``ruleId`` may name instead)."""
    return sorted({value_at(doc, p) for p in index_paths(doc) if isinstance(value_at(doc, p), str)}) or ["x"]


OUT_OF_RANGE: dict[str, Any] = {
    "minus-five": -5,
    "forty-two": 42,
    "just-above-ten": 10.05,
    "below-zero": -0.01,
    "huge-float": 1e308,
    "huge-int": 10**30,
    "minus-five-text": "-5",
    "forty-two-text": "42",
    "nan-text": "NaN",
    "infinity-text": "Infinity",
    "1e999-text": "1e999",
}
"""Numbers no score can be, as numbers and as the text some formats carry scores in."""

NON_FINITE = ("NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1E400")
"""Raw tokens no JSON number allows (RFC 8259) or no double holds."""

ABSENT_ARRAY: dict[str, Callable[[Any], Any]] = {
    "delete": lambda v: DELETE,
    "null": lambda v: None,
}


def moved_index(v: Any, how: str) -> Any:
    """An index pointing elsewhere (``how``); an identifier is changed by ``swapped_id``."""
    return {"next": v + 1, "previous": v - 1, "first": 0, "minus-one": -1, "far": 10**6, "int64": 2**63}[how]


INDEX_MOVES = ("next", "previous", "first", "minus-one", "far", "int64")


def render(doc: Any, at: Path_, raw: str | None = None, duplicate: tuple[str, str, bool] | None = None) -> str:
    """``doc`` as JSON text with one edit no Python value can hold.

    ``raw``: the value at ``at`` written as this text (``NaN``, ``1e999``).
    ``duplicate``: ``(key, value text, first)``: the object at ``at`` gets ``key`` a second
    time, before its other members when ``first``.
    """

    def go(v: Any, here: Path_) -> str:
        if raw is not None and here == at:
            return raw
        if isinstance(v, dict):
            members = [f"{json.dumps(k)}:{go(x, (*here, k))}" for k, x in v.items()]
            if duplicate is not None and here == at:
                key, text, first = duplicate
                members.insert(0 if first else len(members), f"{json.dumps(key)}:{text}")
            return "{" + ",".join(members) + "}"
        if isinstance(v, list):
            return "[" + ",".join(go(x, (*here, i)) for i, x in enumerate(v)) + "]"
        return json.dumps(v, allow_nan=True)

    return go(doc, ())


def names_another_rule(doc: Any) -> bool:
    """Whether a SARIF result's ``ruleIndex`` is a driver rule other than its ``ruleId``
    (and not its parent ``a`` of ``a/b``): the result names two rules, which must be refused."""
    runs = doc.get("runs") if isinstance(doc, dict) else None
    for run in runs if isinstance(runs, list) else ():
        if not isinstance(run, dict):
            continue
        driver = (run.get("tool") or {}).get("driver") if isinstance(run.get("tool"), dict) else None
        rules = driver.get("rules") if isinstance(driver, dict) else None
        results = run.get("results")
        if not isinstance(rules, list) or not isinstance(results, list):
            continue
        for res in results:
            if not isinstance(res, dict) or "rule" in res:
                continue
            named, index = res.get("ruleId"), res.get("ruleIndex")
            if not isinstance(named, str) or type(index) is not int or not 0 <= index < len(rules):
                continue
            rule = rules[index]
            rid = rule.get("id") if isinstance(rule, dict) else None
            if isinstance(rid, str) and named != rid and not named.startswith(rid + "/"):
                return True
    return False


def run_without_results(doc: Any) -> bool:
    """Whether a SARIF log has a run whose ``results`` is absent or null (results unknown)."""
    runs = doc.get("runs") if isinstance(doc, dict) else None
    return isinstance(runs, list) and any(isinstance(r, dict) and r.get("results") is None for r in runs)
