"""Report files and standard input: read bytes, decode strictly, hand JSON to the adapters.

Everything that could make a gate pass on input it did not understand is an error here:
a missing or unreadable file, an empty file, invalid UTF-8, truncated or invalid JSON,
a directory without reports.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

from gatekeeper.adapters import MAX_DEPTH, AdapterError, depth_error, parse_document
from gatekeeper.model import Finding, RawRef, Report

_ORJSON_FROM = 64 * 1024
"""Reports smaller than this are decoded by the standard library: as fast at that size,
and importing orjson is 0.4 ms of a small gate's start-up."""

STDIN = "-"
REPORT_SUFFIXES = (".json", ".sarif")
MAX_BYTES_VARIABLE = "GATEKEEPER_MAX_REPORT_BYTES"
DEFAULT_MAX_BYTES = 1 << 30
"""1 GiB: far above any real report, low enough that a runaway file fails fast."""


_ARCHIVES = (
    (b"PK\x03\x04", "a ZIP archive"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\x1f\x8b", "a gzip file"),
)


# What may be an integer beyond 64 bits (20 digits or more; inside a string too).
_BIG_INTEGER = re.compile(rb"[0-9]{20}")
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')
_STRING = re.compile(rb'"[^"]*"')
_ESCAPED = re.compile(rb'\\[\\"]')
_BRACKETS = bytes.maketrans(b"{}", b"[]")


class SourceError(Exception):
    """A report could not be read; the message starts with the file name."""


def expand_paths(args: Iterable[str]) -> Iterator[str]:
    """Arguments to report paths: a directory stands for every report file in it.

    A directory is walked recursively in sorted order; only ``*.json`` and ``*.sarif``
    files are taken, hidden files and folders are not. A directory with no report is an
    error: a gate over nothing must not pass.
    """
    for arg in args:
        if arg == STDIN:
            yield arg
            continue
        path = Path(arg)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in REPORT_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                raise SourceError(f"{arg}: directory holds no report (*.json or *.sarif)")
            yield from (str(p) for p in found)
        else:
            yield arg


def max_report_bytes() -> int:
    """The size limit for one report: ``$GATEKEEPER_MAX_REPORT_BYTES``, else 1 GiB."""
    text = os.environ.get(MAX_BYTES_VARIABLE, "").strip()
    if not text:
        return DEFAULT_MAX_BYTES
    try:
        limit = int(text)
    except ValueError:
        limit = 0
    if limit <= 0:
        raise SourceError(f"{MAX_BYTES_VARIABLE}: expected a positive number of bytes, got {text!r}")
    return limit


def _too_large(source: str, limit: int) -> SourceError:
    return SourceError(
        f"{source}: the report is larger than {limit} bytes (the limit set by "
        f"{MAX_BYTES_VARIABLE}); refused rather than read in part"
    )


def _read_bytes(name: str, stdin: BinaryIO | None) -> bytes:
    limit = max_report_bytes()
    if name == STDIN:
        stream = stdin if stdin is not None else sys.stdin.buffer
        data = stream.read(limit + 1)
        if len(data) > limit:
            raise _too_large("<stdin>", limit)
        return data
    try:
        with Path(name).open("rb") as f:
            # Read one byte past the limit: a file that grows while read is caught too.
            if os.fstat(f.fileno()).st_size > limit or len(data := f.read(limit + 1)) > limit:
                raise _too_large(name, limit)
            return data
    except FileNotFoundError:
        raise SourceError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise SourceError(f"{name}: is a directory") from None
    except OSError as e:
        raise SourceError(f"{name}: cannot read: {e.strerror or e}") from None


def read_document(name: str, stdin: BinaryIO | None = None) -> Any:
    """Read and decode one JSON document; ``name`` is a path or ``-``."""
    data = _read_checked(name, stdin)
    return _decode(data, "<stdin>" if name == STDIN else name, fast=not _BIG_INTEGER.search(data))


def _read_checked(name: str, stdin: BinaryIO | None) -> bytes:
    source = "<stdin>" if name == STDIN else name
    data = _read_bytes(name, stdin)
    if not data or data.isspace():  # NOTE: not data.strip(), which copies the whole report
        raise SourceError(f"{source}: the report is empty (0 bytes of JSON)")
    for magic, what in _ARCHIVES:
        if data.startswith(magic):
            raise SourceError(f"{source}: {what}, not a JSON report; extract the report first")
    return data


def _orjson_for(data: bytes) -> Any:
    """orjson, for a report large enough to gain from it; ``None``: the standard library."""
    if len(data) < _ORJSON_FROM:
        return None
    try:
        import orjson
    except ImportError:  # pragma: no cover - a dependency; the standard library still reads every report
        return None
    return orjson


def _decode(data: bytes, source: str, fast: bool = True) -> Any:
    """The document in ``data``: orjson when ``fast`` and it decodes it, else the standard library.

    NOTE: orjson decodes a large report in about 60% of the time (bench/README.md). It
    refuses what the standard library reads (a BOM, NaN, lone surrogates, numbers out of
    a double's range), and every document it refuses is decoded again by ``json``, whose
    messages the error paths below give. It also reads integers beyond 64 bits as floats:
    see ``load_report``.
    """
    orjson = _orjson_for(data) if fast else None
    if orjson is not None and not data.startswith(b"\xef\xbb\xbf"):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    try:
        # NOTE: strict UTF-8 (a BOM is tolerated: some Windows tools write one).
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SourceError(f"{source}: not valid UTF-8 (byte {e.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        # NOTE: a cut inside a string is reported at the string's start, not at the end.
        if e.pos >= len(text.rstrip()) or e.msg == "Unterminated string starting at":
            where = "truncated: the JSON ends early"
        elif e.msg == "Extra data":
            # NOTE: trufflehog and others print JSON Lines (one document per line).
            where = "more than one JSON document (JSON Lines is not a format gatekeeper reads)"
        else:
            where = e.msg
        raise SourceError(f"{source}: invalid JSON at line {e.lineno} column {e.colno}: {where}") from None
    except RecursionError:
        raise SourceError(f"{source}: JSON nested too deeply") from None


def nested_deeper_than(data: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON text ``data`` (already known to be valid) nests more than ``limit`` levels.

    NOTE: the same answer as ``adapters.check_depth`` on the decoded document, in C-speed
    passes over the text instead of a Python walk over millions of values (that walk was
    10% of a large report's gate). Escaped backslashes and quotes go first; then every byte
    but brackets and quotes, with ``{}`` written ``[]`` (valid JSON pairs them anyway). Two
    adjacent quotes go next: an empty string, or the end of one string and the start of the
    next with nothing between; quotes still left enclose strings holding brackets, which go
    with them. What is left is the bare tree of brackets; each pass removes its innermost
    pairs, so the number of passes that empty it is the depth.
    """
    if b"\\" in data:
        data = _ESCAPED.sub(b"", data)
    tree = data.translate(_BRACKETS, _NOT_STRUCTURE)
    tree = tree.replace(b'""', b"")
    if b'"' in tree:
        tree = _STRING.sub(b"", tree)
    for _ in range(limit):
        if not tree:
            return False
        tree = tree.replace(b"[]", b"")
    return bool(tree)


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a report is decoded and adapted.

    NOTE: decoding and adapting allocate millions of objects and free none, so CPython's
    collector would walk the whole growing document again and again: that was 45% of
    the time of a 50,000-finding Trivy report (bench/README.md). JSON documents and
    findings hold no reference cycles, so nothing is left for the collector to free;
    reference counting still frees everything else as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_report(
    name: str, fmt: str | None = None, stdin: BinaryIO | None = None, keep_raw: bool = False, digest: bool = False
) -> Report:
    """Read one report file (or ``-``) and adapt it.

    Unless ``keep_raw``, a file's findings do not keep their raw items: they are read
    again from the file if ever wanted (``model.RawRef``), so the decoded document is
    freed here. Standard input and pipes cannot be read twice: their findings keep theirs.
    With ``digest``, ``Report.sha256`` is the digest of the very bytes that were read.
    """
    report = _load_report(name, fmt, stdin, digest)
    # NOTE: only a regular file can be read again (not a pipe such as <(trivy ...)).
    identity = None if name == STDIN or keep_raw else _identity(name)
    if identity is None or not any(f.raw is not None for f in report.findings):
        return report
    again = _ReadAgain(name, fmt, report, identity)
    # NOTE: set through the slots of findings no one else has seen yet (Finding is frozen;
    # dataclasses.replace would build each one again: 0.25 s for 50k). The findings outlive
    # the document, whose every repeated text is a string of its own (a rule's message on
    # each of its 8,000 findings): equal texts and lists become one object (18 MB of six
    # 8k-finding reports' 145 MB).
    texts: dict[str, str] = {}
    share = texts.setdefault
    tuples: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    shared = tuples.setdefault
    for i, f in enumerate(report.findings):
        if f.raw is not None:
            _set_raw(f, RawRef(again, i))
        _set_title(f, share(f.title, f.title))
        _set_message(f, share(f.message, f.message))
        _set_rule_id(f, share(f.rule_id, f.rule_id))
        if f.tool_severity is not None:
            _set_tool_severity(f, share(f.tool_severity, f.tool_severity))
        if f.links:
            _set_links(f, shared(f.links, f.links))
        if f.cvss:
            _set_cvss(f, shared(f.cvss, f.cvss))
    return report


_set_raw = Finding.__dict__["raw"].__set__
_set_title = Finding.__dict__["title"].__set__
_set_message = Finding.__dict__["message"].__set__
_set_rule_id = Finding.__dict__["rule_id"].__set__
_set_tool_severity = Finding.__dict__["tool_severity"].__set__
_set_links = Finding.__dict__["links"].__set__
_set_cvss = Finding.__dict__["cvss"].__set__


class _ReadAgain:
    """The raw items of a report file, read and adapted again on first use."""

    def __init__(self, name: str, fmt: str | None, report: Report, identity: tuple[int, ...]) -> None:
        self.name = name
        self.fmt = fmt
        self._identity = identity
        self._identities = _identities(report)
        self._raws: list[Any] | None = None

    def __call__(self) -> list[Any]:
        if self._raws is None:
            changed = SourceError(f"{self.name}: changed since it was read: the raw items of its findings are gone")
            if _identity(self.name) != self._identity:
                raise changed
            again = _load_report(self.name, self.fmt, None, False)
            if _identities(again) != self._identities:
                raise changed
            self._raws = [f.raw for f in again.findings]
        return self._raws

    def __repr__(self) -> str:
        return repr(self.name)


def _identities(report: Report) -> str:
    """One digest of every finding's rule and fingerprint, in order (not a list of them:
    memory is what not keeping the raw items saves)."""
    text = "\x1e".join(f"{f.rule_id}\x1f{f.fingerprint}" for f in report.findings)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _identity(name: str) -> tuple[int, ...] | None:
    """What tells a regular file's content changed; ``None`` for anything else."""
    try:
        st = os.stat(name)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _load_report(name: str, fmt: str | None, stdin: BinaryIO | None, digest: bool) -> Report:
    source = "<stdin>" if name == STDIN else name
    with paused_gc():
        data = _read_checked(name, stdin)
        sha256 = hashlib.sha256(data).hexdigest() if digest else None
        doc = _decode(data, source)
        if nested_deeper_than(data):
            raise depth_error(source)
        # NOTE: orjson reads an integer beyond 64 bits as a float, which only an adapter
        # that wants an integer there notices (and refuses): then the standard library,
        # which keeps it an integer, decodes the report again. Such numbers are rare (a
        # digit run in a digest looks the same), and the bytes are not kept for them.
        big = _orjson_for(data) is not None and _BIG_INTEGER.search(data) is not None
        kept = data if big and name == STDIN else None
        del data  # NOTE: the bytes go before the findings are built (peak memory)
        try:
            return _digested(parse_document(doc, source, fmt, depth_checked=True), sha256)
        except AdapterError:
            if not big:
                raise
        del doc
        data = kept if kept is not None else _read_checked(name, stdin)
        if digest and hashlib.sha256(data).hexdigest() != sha256:
            raise SourceError(f"{source}: changed while it was being read")
        return _digested(parse_document(_decode(data, source, fast=False), source, fmt, depth_checked=True), sha256)


def _digested(report: Report, sha256: str | None) -> Report:
    return report if sha256 is None else replace(report, sha256=sha256)
