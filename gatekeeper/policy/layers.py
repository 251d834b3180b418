"""Policy layers and how they combine: ``extends`` bases and environment overlays.

A layer is one file's (or one overlay's) settings as typed objects. Refining a layer with
another (``merge(base, top)``):

- settings (``mode``, ``fail_on`` ...) and ``max_days`` entries in ``top`` replace ``base``'s;
  ``licenses`` per key (``top``'s ``allow``, ``deny``, ``unknown`` replace ``base``'s);
- ``rules``: ``top``'s come first (first match wins, so the refinement is tried first); a
  ``top`` rule with the id of a ``base`` rule replaces it (``enabled: false`` removes it);
- ``severity_overrides`` and ``exceptions``: ``top``'s first, then ``base``'s (an exception
  with the same id is replaced);
- ``required``: the union; so are ``data: {vex: [...]}``'s documents (a team's VEX file beside
  the central one);
- ``environments``: merged per name the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gatekeeper.model import Severity
from gatekeeper.policy.model import PolicyException, Requirement, Rule, SeverityOverride


@dataclass(frozen=True)
class Layer:
    """One file's or one overlay's settings."""

    source: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    """Top-level settings present in the file, parsed (``fail_on`` -> ``Severity`` ...)."""
    rules: tuple[Rule, ...] = ()
    overrides: tuple[SeverityOverride, ...] = ()
    exceptions: tuple[PolicyException, ...] = ()
    required: tuple[Requirement, ...] = ()
    max_days: Mapping[Severity, int] = field(default_factory=dict)
    environments: Mapping[str, Layer] = field(default_factory=dict)
    files: tuple[tuple[str, str], ...] = ()
    """The policy files read for this layer, furthest base first, each with the SHA-256 of
    the bytes read (for decision records)."""
    notices: tuple[str, ...] = ()
    """What the verdict should say about how the files were read (an unpinned remote base)."""


def merge(base: Layer, top: Layer) -> Layer:
    """``base`` refined by ``top`` (see the module docstring)."""
    top_rules = {r.id for r in top.rules}
    top_exceptions = {x.id for x in top.exceptions}
    environments = dict(base.environments)
    for name, overlay in top.environments.items():
        environments[name] = merge(environments[name], overlay) if name in environments else overlay
    settings = {**base.settings, **top.settings}
    if base.settings.get("licenses") and top.settings.get("licenses"):
        settings["licenses"] = base.settings["licenses"].refined_by(top.settings["licenses"])
    if base.settings.get("vex_paths") and top.settings.get("vex_paths"):
        settings["vex_paths"] = tuple(dict.fromkeys(base.settings["vex_paths"] + top.settings["vex_paths"]))
    return Layer(
        source=top.source,
        settings=settings,
        rules=top.rules + tuple(r for r in base.rules if r.id not in top_rules),
        overrides=top.overrides + base.overrides,
        exceptions=top.exceptions + tuple(x for x in base.exceptions if x.id not in top_exceptions),
        required=tuple(dict.fromkeys(base.required + top.required)),
        max_days={**base.max_days, **top.max_days},
        environments=environments,
        files=base.files + top.files,
        notices=base.notices + top.notices,
    )
