"""Fuzzing: nothing but the documented error ever escapes an adapter or the file reader.

Three layers, each with a fixed, derandomised budget so CI runs the same examples every
time (set ``GATEKEEPER_FUZZ_SCALE=20`` for a longer hunt on a workstation):

- every adapter on arbitrary JSON whose keys are biased to that format's real keys;
- every adapter on structure-aware mutations of the real reports (delete a key, change a
  type, null / "" / [] / {}, huge numbers, NaN, long or hostile strings, deep nesting);
- ``read_document`` on mutated bytes.

The contract: ``parse_document`` returns a ``Report`` or raises an ``AdapterError`` whose
message starts with the source; ``read_document`` returns a value or raises
``SourceError``. Every crash found is kept under ``regressions/<format>/`` and replayed.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gatekeeper.adapters import FORMATS, AdapterError, parse_document
from gatekeeper.model import Report
from gatekeeper.sources import SourceError, read_document
from tests.conftest import REPORTS, require_shared
from tests.hardening import mutate

SOURCE = "fuzz/report.json"
SCALE = max(1, int(os.environ.get("GATEKEEPER_FUZZ_SCALE", "1")))
REGRESSIONS = Path(__file__).parent / "regressions"


def budget(examples: int) -> settings:
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def assert_contract(doc: Any, fmt: str | None) -> None:
    """A ``Report``, or an ``AdapterError`` naming the source; anything else fails the test."""
    try:
        report = parse_document(doc, SOURCE, fmt)
    except AdapterError as e:
        assert str(e).startswith(SOURCE + ": "), str(e)[:300]
        return
    assert isinstance(report, Report)
    assert report.source == SOURCE


def assert_every_reading(doc: Any, fmt: str) -> None:
    assert_contract(doc, fmt)
    assert_contract(doc, None)


# -- arbitrary JSON, keys biased to each format --------------------------------------------

_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["CRITICAL", "HIGH", "error", "FAIL", "2.1.0", "", "0", "/a/b", "\x1b[2J"])
)


def json_values(keys: list[str]) -> st.SearchStrategy[Any]:
    key = st.sampled_from(keys) | st.text(max_size=8) if keys else st.text(max_size=8)
    return st.recursive(
        _scalars,
        lambda children: st.lists(children, max_size=4) | st.dictionaries(key, children, max_size=6),
        max_leaves=40,
    )


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_adapter_on_arbitrary_json(fmt: str) -> None:
    keys = mutate.keys_of(mutate.seeds()[fmt])

    @budget(200)
    @given(json_values(keys))
    def check(doc: Any) -> None:
        assert_every_reading(doc, fmt)

    check()


# -- mutations of real reports -------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_adapter_on_mutated_real_reports(fmt: str) -> None:
    docs = mutate.seeds()[fmt]
    if not docs:
        require_shared()  # SonarQube's real reports are only in the corpus
    assert docs, f"no real {fmt} report to mutate"
    names = sorted(mutate.MUTATIONS)

    @budget(500)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        name, doc = data.draw(st.sampled_from(docs), label="seed")
        for _ in range(data.draw(st.integers(1, 3), label="mutations")):
            where = data.draw(st.sampled_from(mutate.paths(doc)), label="path")
            how = data.draw(st.sampled_from(names), label="mutation")
            doc = mutate.apply(doc, where, mutate.MUTATIONS[how])
        assert_every_reading(doc, fmt)

    check()


def test_every_format_has_real_seeds() -> None:
    # A format without a seed would get no structure-aware fuzzing at all.
    require_shared()
    assert all(mutate.seeds()[fmt] for fmt in FORMATS)


# -- regressions: every crash the fuzzer found, replayed -----------------------------------


def regression_cases() -> list[Any]:
    files = sorted(REGRESSIONS.glob("*/*.json"))
    return [pytest.param(p, id=f"{p.parent.name}/{p.name}") for p in files]


@pytest.mark.parametrize("path", regression_cases())
def test_regression(path: Path) -> None:
    fmt = path.parent.name
    assert fmt in FORMATS, f"regressions/{fmt}: not a format name"
    assert_every_reading(json.loads(path.read_text(encoding="utf-8")), fmt)


def test_regression_folders_are_format_names() -> None:
    assert {p.name for p in REGRESSIONS.iterdir() if p.is_dir()} <= set(FORMATS)


# -- bytes -----------------------------------------------------------------------------------

_REAL_BYTES = [p.read_bytes()[:4000] for p in sorted(REPORTS.iterdir()) if p.stat().st_size]


def _mutated_bytes() -> st.SearchStrategy[bytes]:
    seed = st.sampled_from(_REAL_BYTES)
    cut = st.tuples(seed, st.integers(0, 4000)).map(lambda t: t[0][: t[1]])
    flip = st.tuples(seed, st.integers(0, 3999), st.integers(0, 255)).map(
        lambda t: t[0][: t[1]] + bytes([t[2]]) + t[0][t[1] + 1 :]
    )
    insert = st.tuples(seed, st.integers(0, 3999), st.binary(max_size=8)).map(
        lambda t: t[0][: t[1]] + t[2] + t[0][t[1] :]
    )
    specials = st.sampled_from(
        [b"", b"\xef\xbb\xbf", b"\xef\xbb\xbf[]", b"\xff\xfe[\x00]\x00", b"\x00", b"NaN", b"-Infinity",
         b"[" * 50_000, b'{"a":' * 30_000, b"1e999999", b"\xed\xa0\x80", b'"\\ud800"', b"PK\x03\x04"]
    )
    return st.binary(max_size=200) | cut | flip | insert | specials


@budget(400)
@given(_mutated_bytes())
def test_read_document_raises_only_source_error(data: bytes) -> None:
    try:
        read_document("-", stdin=io.BytesIO(data))
    except SourceError as e:
        assert str(e).startswith("<stdin>: ")
