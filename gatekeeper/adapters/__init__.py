"""Adapters: one module per scanner format, and detection of the format from content.

Detection asks every format of the registry (``adapters/registry.py``) whether it
recognises the document (with the content tests of ``adapters/sniff.py``, without importing
the adapters) and refuses both "no one" and "more than one": a report is never read by a guess.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from gatekeeper.adapters.interface import (
    Adapter,
    AdapterError,
    ReportFormatError,
    UnrecognisedReportError,
)
from gatekeeper.adapters.registry import FORMAT_NAMES, REPORT_FORMATS, by_name
from gatekeeper.model import Finding, Report

__all__ = [
    "FORMATS",
    "FORMAT_NAMES",
    "Adapter",
    "AdapterError",
    "ReportFormatError",
    "UnrecognisedReportError",
    "adapter_for",
    "depth_error",
    "detect",
    "parse_document",
]

FORMATS: dict[str, str] = {f.name: f.adapter for f in REPORT_FORMATS}
"""Format name -> "module:Class", from the registry. Imported on first use to keep startup light."""

# NOTE: real reports nest at most ~15 levels (SARIF code flows); adapters and reporters walk
# documents recursively, so anything far deeper is refused before it can exhaust the stack.
MAX_DEPTH = 100

_cache: dict[str, Adapter] = {}


def adapter_for(name: str) -> Adapter:
    """The adapter for a format name; ``KeyError`` if there is none."""
    if name not in _cache:
        module_name, _, class_name = by_name(name).adapter.partition(":")
        # NOTE: __import__, not importlib.import_module: `python -X importtime` (how start-up
        # is measured, bench/README.md) sees only imports made through __import__.
        cls = getattr(__import__(module_name, fromlist=[class_name]), class_name)
        _cache[name] = cls()
    return _cache[name]


def _is_ambiguous_empty(doc: Any) -> bool:
    return doc is None or doc == []


def hint_from_name(source: str) -> str | None:
    """The format a file name suggests (``gitleaks-report.json`` -> ``gitleaks``), or else
    the name of the folder holding it (``reports/gitleaks/out.json`` -> ``gitleaks``).

    The file name wins over the folder, unless it names only SARIF, which is a format,
    not a tool (``gitleaks/out.sarif`` -> ``gitleaks``). The most specific token wins when a
    name holds several (``gitleaks`` in ``gitleaks-report.sarif``): the longest, then the
    first in the registry's order.
    """
    def named(name: str) -> str | None:
        found = [(token, f.name) for f in REPORT_FORMATS for token in f.name_hints if token in name.lower()]
        return max(found, key=lambda hit: len(hit[0]))[1] if found else None

    in_file = named(os.path.basename(source))
    if in_file not in (None, "sarif"):
        return in_file
    return named(os.path.basename(os.path.dirname(os.path.normpath(source)))) or in_file


def detect(doc: Any, source: str) -> str:
    """The format of ``doc`` from its content (file name only for empty documents)."""
    if _is_ambiguous_empty(doc):
        hint = hint_from_name(source)
        if hint is not None and hint != "sarif":
            return hint
        shown = "null" if doc is None else "[]"
        raise UnrecognisedReportError(
            f"{source}: the report is an empty {shown}, which several scanners print when "
            "they find nothing, so its tool cannot be told from the content; name the tool "
            "with --format TOOL=FILE or put it in the file or folder name (e.g. gitleaks.json, gitleaks/out.json)"
        )
    matches = [f.name for f in REPORT_FORMATS if f.sniff(doc)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        vex = _vex_kind(doc)
        if vex:
            raise UnrecognisedReportError(
                f"{source}: this is a VEX document ({vex}), not a scanner report: pass it with --vex FILE "
                "(its statements then suppress the findings they cover)"
            )
        raise UnrecognisedReportError(
            f"{source}: not a report format gatekeeper reads "
            f"(expected one of: {', '.join(FORMAT_NAMES)}); use --format TOOL to force one"
        )
    raise UnrecognisedReportError(
        f"{source}: the content matches several formats ({', '.join(matches)}); "
        "use --format TOOL to choose"
    )


def _vex_kind(doc: Any) -> str | None:
    """``OpenVEX`` or ``CSAF`` for a VEX document passed as a report (read with ``--vex``:
    ``gatekeeper/vex/``); a CycloneDX VEX is also a report (its vulnerabilities)."""
    if not isinstance(doc, dict):
        return None
    context = doc.get("@context")
    if isinstance(context, str) and context.startswith("https://openvex.dev/ns"):
        return "OpenVEX"
    meta = doc.get("document")
    if isinstance(meta, dict) and "csaf_version" in meta:
        return "CSAF"
    return None


def check_depth(doc: Any, source: str, limit: int = MAX_DEPTH) -> None:
    """Refuse a document nested deeper than ``limit`` levels (iteratively: no recursion)."""
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                if depth >= limit:
                    raise depth_error(source, limit)
                stack.append((child, depth + 1))


def depth_error(source: str, limit: int = MAX_DEPTH) -> ReportFormatError:
    """The refusal of a document nested more than ``limit`` levels deep."""
    return ReportFormatError(
        f"{source}: the JSON is nested more than {limit} levels deep; no scanner report is, so it is refused"
    )


def parse_document(
    doc: Any,
    source: str,
    fmt: str | None = None,
    depth_checked: bool = False,
    build: Callable[..., Finding] | None = None,
) -> Report:
    """Detect (unless ``fmt`` forces it) and adapt one decoded document.

    ``depth_checked``: the caller has already refused documents nested too deeply (a report
    file's text is checked faster than its decoded document: ``sources.files``).
    ``build``: what makes each finding (``Adapter.parse``); by default ``Finding`` itself.
    """
    if not depth_checked:
        check_depth(doc, source)
    name = fmt or detect(doc, source)
    return adapter_for(name).parse(doc, source, build)
