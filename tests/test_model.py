"""The model's frozen dataclasses keep their dataclass behaviour with ``speed.fast_init``."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from gatekeeper.model import Finding, FixState, Kind, Location, Package, Severity
from gatekeeper.verdict import Evaluated

FAST = (Finding, Package, Evaluated)


def _finding() -> Finding:
    return Finding("trivy", Kind.VULNERABILITY, "CVE-1", "title", Severity.HIGH, package=Package("openssl", "1.0"))


@pytest.mark.parametrize("cls", FAST)
def test_signature_is_the_dataclass_one(cls: type) -> None:
    params = list(inspect.signature(cls).parameters.values())
    assert [p.name for p in params] == [f.name for f in dataclasses.fields(cls)]
    for p, f in zip(params, dataclasses.fields(cls)):
        assert (p.default is inspect.Parameter.empty) == (
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        )


def test_defaults_and_factories() -> None:
    f = _finding()
    assert f.message == "" and f.fix is FixState.NOT_APPLICABLE and f.identifiers == ()
    assert f.location == Location() and f.location is not _finding().location  # a fresh default each time
    assert Package("x") == Package(name="x", version=None, fixed_versions=(), ecosystem=None, purl=None)


def test_still_frozen() -> None:
    f = _finding()
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.title = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del f.title  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.package.name = "other"  # type: ignore[misc, union-attr]


def test_replace_equality_and_hash() -> None:
    f = _finding()
    g = dataclasses.replace(f, title="other", package=dataclasses.replace(f.package, version="2.0"))  # type: ignore[type-var]
    assert g.title == "other" and g.package.version == "2.0" and g.rule_id == f.rule_id  # type: ignore[union-attr]
    assert f.title == "title" and f.package.version == "1.0"  # type: ignore[union-attr]
    assert dataclasses.replace(g, title="title", package=f.package) == f
    assert hash(dataclasses.replace(g, title="title", package=f.package)) == hash(f)
    assert dataclasses.asdict(f)["package"]["name"] == "openssl"


def test_missing_argument_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        Finding("trivy", Kind.VULNERABILITY, "CVE-1", "title")  # type: ignore[call-arg]
