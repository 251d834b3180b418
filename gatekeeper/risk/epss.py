"""FIRST's daily EPSS scores: CSV bytes (plain or gzip) -> ``EpssScores``. Pure.

The file as published (https://epss.empiricalsecurity.com/epss_scores-current.csv.gz, also
https://api.first.org/data/v1/epss for single CVEs)::

    #model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z
    cve,epss,percentile
    CVE-1999-0001,0.01141,0.78142

``epss`` is the probability of exploitation activity in the next 30 days, ``percentile`` the
share of scored CVEs with a lower or equal score; both in [0, 1]. Read strictly: a missing
model line or header, a short row, a score that is not a number in [0, 1], a CVE listed twice
with different scores, or no rows at all is a ``RiskDataError`` naming the file and line.
"""

from __future__ import annotations

import datetime
import gzip
import re
import zlib
from typing import NamedTuple

from gatekeeper.risk.errors import RiskDataError, parse_time

_GZIP_MAGIC = b"\x1f\x8b"
_HEADER = "cve,epss,percentile"
# A number in [0, 1] as FIRST writes it (0.00043, 1.0, 4.3e-05); anything else is read by ``_rows``.
_UNIT = r"(?:0(?:\.[0-9]+)?|1(?:\.0+)?|[0-9](?:\.[0-9]+)?e-0*[1-9][0-9]*)"
_ROW = re.compile(rf"^(CVE-[0-9]{{4}}-[0-9]+),({_UNIT},{_UNIT})$", re.M)


class EpssScore(NamedTuple):
    """One CVE's score."""

    cve: str
    score: float
    """Probability of exploitation in the next 30 days."""
    percentile: float


class EpssScores(NamedTuple):
    """A day's scores by CVE id."""

    scores: dict[str, tuple[float, float] | str]
    """CVE id -> (score, percentile); or, until ``get`` first reads it, the row's text of
    both (``"0.00043,0.07556"``, already checked)."""
    model_version: str
    score_date: datetime.datetime
    """``score_date`` of the model line (UTC)."""
    source: str

    def get(self, cve: str) -> EpssScore | None:
        pair = self.pair(cve)
        return None if pair is None else EpssScore(cve, pair[0], pair[1])

    def pair(self, cve: str) -> tuple[float, float] | None:
        """``(score, percentile)`` of ``cve``, or ``None``: it is not scored."""
        pair = self.scores.get(cve)
        if type(pair) is str:
            score, _, percentile = pair.partition(",")
            pair = self.scores[cve] = (float(score), float(percentile))
        return pair  # type: ignore[return-value]


def parse_epss(data: bytes, source: str) -> EpssScores:
    """The scores in ``data`` (read from ``source``), or a ``RiskDataError`` saying why not."""
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:  # a cut-short download ends in EOFError
            raise RiskDataError(f"{source}: not a readable gzip file ({e or 'truncated'})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise RiskDataError(f"{source}: not an EPSS CSV file: not UTF-8 text ({e.reason} at byte {e.start})") from None
    first = text.find("\n")
    second = text.find("\n", first + 1) if first >= 0 else -1
    head = text[:second].splitlines() if second >= 0 else []
    plain = len(head) == 2  # else a header that is not two "\n" lines, or a file of header only
    if not plain:
        head = text.splitlines()
    if not head or not head[0].startswith("#"):
        raise RiskDataError(f"{source}:1: not an EPSS CSV file: the first line must be '#model_version:...,score_date:...'")
    model = _model_line(head[0], source)
    if len(head) < 2 or head[1].strip().lower() != _HEADER:
        raise RiskDataError(f"{source}:2: not an EPSS CSV file: expected the header {_HEADER!r}")
    scores = _plain_rows(text[second + 1 :]) if plain else None
    if scores is None:
        scores = _rows(text.splitlines()[2:], source)
    if not scores:
        raise RiskDataError(f"{source}: the EPSS file has no scores (an empty file would decide nothing)")
    return EpssScores(scores, model[0], model[1], source)


def _plain_rows(body: str) -> dict[str, tuple[float, float] | str] | None:
    """The rows of ``body`` as FIRST writes them (``CVE-2024-0001,0.00043,0.07556`` on each
    ``\\n`` line, each CVE once, every number in [0, 1]), each CVE to the text of its two numbers;
    ``None`` for any other body (read by ``_rows``, which says what is wrong).

    NOTE: checking and splitting 280,000 rows in C (one regular expression) and converting
    only the numbers asked for (``EpssScores.get``) costs 0.1 s, where reading each row in
    Python cost 0.2 s (bench/README.md, issue 20).
    """
    rows = _ROW.findall(body)
    if len(rows) != body.count("\n") + (not body.endswith("\n")):
        return None  # a row of another shape, a blank or a CRLF line
    scores: dict[str, tuple[float, float] | str] = dict(rows)
    return scores if len(scores) == len(rows) else None  # a CVE listed twice: compared there


def _rows(lines: list[str], source: str) -> dict[str, tuple[float, float] | str]:
    """The scores of the rows ``lines`` (from the file's third line), each read and checked."""
    scores: dict[str, tuple[float, float] | str] = {}
    for n, line in enumerate(lines, start=3):
        if not line:
            continue
        parts = line.split(",")
        if len(parts) != 3:
            raise RiskDataError(f"{source}:{n}: expected 3 fields (cve,epss,percentile), found {len(parts)} (cut short?)")
        cve, score, percentile = parts[0], _unit(parts[1], "epss", source, n), _unit(parts[2], "percentile", source, n)
        if not cve.startswith("CVE-"):
            raise RiskDataError(f"{source}:{n}: {cve[:40]!r} is not a CVE id")
        old = scores.get(cve)
        if old is not None and old != (score, percentile):
            raise RiskDataError(f"{source}:{n}: {cve} is listed twice with different scores ({old[0]:g} and {score:g})")
        scores[cve] = (score, percentile)
    return scores


def _model_line(line: str, source: str) -> tuple[str, datetime.datetime]:
    fields = dict(part.partition(":")[::2] for part in line[1:].split(","))
    version, date = fields.get("model_version", "").strip(), fields.get("score_date", "").strip()
    if not version or not date:
        raise RiskDataError(f"{source}:1: the model line must name model_version and score_date (found {line[:80]!r})")
    return version, parse_time(date, f"{source}:1: score_date")


def _unit(text: str, what: str, source: str, n: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise RiskDataError(f"{source}:{n}: {what} {text[:40]!r} is not a number") from None
    if not 0.0 <= value <= 1.0:  # NOTE: also refuses nan (every comparison with nan is false)
        raise RiskDataError(f"{source}:{n}: {what} {text[:40]!r} is outside [0, 1]")
    return value
