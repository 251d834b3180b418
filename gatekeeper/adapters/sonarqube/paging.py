"""Completeness of the search responses: one page of many is refused; fetched pages are joined.

The paging a search response declares, here page 1 of 3::

    {"paging": {"pageIndex": 1, "pageSize": 100, "total": 250}, "issues": [...100 items]}

A response whose declared totals all exceed the items it holds is one page of a larger
result and is rejected (fail closed), as is a response with no items and any total above
zero; ``merge_pages`` joins fetched pages.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from gatekeeper.adapters.interface import Reader
from gatekeeper.adapters.sonarqube.common import Context


def merge_pages(pages: Sequence[Mapping[str, Any]], source: str = "SonarQube API") -> dict[str, Any]:
    """Join the pages of one ``api/issues/search`` (or ``api/hotspots/search``) query.

    Returns one complete response (``paging.total`` equal to the items it holds) that
    ``SonarQubeAdapter`` reads. Items are de-duplicated by key; raises
    ``ReportFormatError`` when the pages disagree on the total or do not add up to it
    (an issue moved between pages while they were fetched), so a caller never gates on
    a partial result. NOTE: the server refuses to page past 10,000 results; larger
    results must be split by query (e.g. per rule type) before they reach here.
    """
    reader = Reader(source)
    if not pages:
        raise reader.fail("", "no pages to merge")
    key = "issues" if "issues" in reader.obj(pages[0], "pages[0]") else "hotspots"
    totals: set[int] = set()
    for n, page in enumerate(pages):
        where = f"pages[{n}]"
        reader.obj(page, where)
        for i, item in enumerate(reader.each(reader.need(page, key, list, where), f"{where}.{key}")):
            reader.need(item, "key", str, f"{where}.{key}[{i}]")
        for name in ("components", "rules"):
            for i, entry in enumerate(reader.each(reader.opt(page, name, list, where, []), f"{where}.{name}")):
                reader.need(entry, "key", str, f"{where}.{name}[{i}]")
        paging = reader.need(page, "paging", dict, where)
        totals.add(reader.need(paging, "total", int, f"{where}.paging"))
    if len(totals) > 1:
        raise reader.fail("", f"the pages disagree on the total ({sorted(totals)}): the project changed while fetched")
    total = totals.pop()
    merged = combine(pages, key)
    if total != len(merged[key]):
        raise reader.fail("", f"the pages hold {len(merged[key])} distinct {key} but the server counts {total}")
    return merged


def combine(parts: Sequence[Mapping[str, Any]], key: str) -> dict[str, Any]:
    """Checked responses of one search (its pages, or narrower queries) -> one response.

    Items, and the components and rules they name, each once by key (the first seen wins);
    ``paging.total`` is the number of items. The caller checks that number against the
    server's count.
    """
    items: dict[str, Any] = {}
    extras: dict[str, dict[str, Any]] = {"components": {}, "rules": {}}
    for part in parts:
        for item in part.get(key) or []:
            items.setdefault(item["key"], item)
        for name, seen in extras.items():
            for entry in part.get(name) or []:
                seen.setdefault(entry["key"], entry)
    merged: dict[str, Any] = {
        "paging": {"pageIndex": 1, "pageSize": len(items), "total": len(items)},
        key: list(items.values()),
        "components": list(extras["components"].values()),
    }
    if extras["rules"]:
        merged["rules"] = list(extras["rules"].values())
    return merged


def check_complete(ctx: Context, doc: dict[str, Any], key: str, count: int) -> None:
    """Reject one page of a larger result: its missing findings would pass the gate."""
    reader = ctx.reader
    paging = reader.opt(doc, "paging", dict, default={})
    totals = (reader.opt(paging, "total", int, "paging"), reader.opt(doc, "total", int))
    declared = [t for t in totals if t is not None]
    index = reader.opt(paging, "pageIndex", int, "paging", reader.opt(doc, "p", int, default=1))
    size = reader.opt(paging, "pageSize", int, "paging", reader.opt(doc, "ps", int, default=0))
    # NOTE: an empty response whose totals disagree (paging.total 5, total 0) is all
    # missing findings whichever total is right: refused like one page of many.
    if declared and (min(declared) > count or index > 1 or (count == 0 and max(declared) > 0)):
        total = min(declared) or max(declared)
        pages = math.ceil(total / size) if size > 0 else "?"
        raise reader.fail(
            "paging",
            f"page {index} of {pages}: the report holds {count} of {total} {key}; fetch all pages "
            "(or use gatekeeper's SonarQube source, which does) so that no finding is missed",
        )
    # NOTE: hand-edited samples (codemodder's, DefectDojo's) disagree on their totals;
    # the items are all there, so they are read with a warning.
    if len(set(declared)) > 1:
        shown = " vs ".join(map(str, declared))
        reader.warn(f"the response's totals disagree ({shown}); read the {count} {key} it holds")
    elif declared and declared[0] < count:
        reader.warn(f"the response holds {count} {key} but its total says {declared[0]}; all were read")
