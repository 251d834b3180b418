"""Report files and standard input: read bytes, decode strictly, hand JSON to the adapters.

Everything that could make a gate pass on input it did not understand is an error here:
a missing or unreadable file, an empty file, invalid UTF-8, truncated or invalid JSON,
a directory without reports.
"""

from __future__ import annotations

import errno
import hashlib
import itertools
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

from gatekeeper.adapters import MAX_DEPTH, AdapterError, adapter_for, depth_error, detect, parse_document
from gatekeeper.model import Finding, RawRef, Report
from gatekeeper.sources.beside import Beside
from gatekeeper.sources.decode import (
    JsonLines, SourceError, colons, decode_json, holds_big_integer, orjson_for, refuse_duplicate_keys,
)

Builder = Callable[..., Finding]
"""What makes one finding from ``Finding``'s keyword arguments (``adapters.Reader.finding``)."""

STDIN = "-"
REPORT_SUFFIXES = (".json", ".jsonl", ".sarif")
MAX_BYTES_VARIABLE = "GATEKEEPER_MAX_REPORT_BYTES"
DEFAULT_MAX_BYTES = 1 << 30
"""1 GiB: far above any real report, low enough that a runaway file fails fast."""


_ARCHIVES = (
    (b"PK\x03\x04", "a ZIP archive"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\x1f\x8b", "a gzip file"),
)


# What the depth check and the colon count read of a text (``skeleton``): brackets, quotes
# and colons; with escapes, also each escape's backslash and the letter after it.
_NOT_SKELETON = bytes(b for b in range(256) if b not in b'[]{}":')
_NOT_SKELETON_ESCAPED = bytes(b for b in range(256) if b not in b'[]{}":\\/bfnrtu')
_NOT_TREE = bytes(b for b in range(256) if b not in b'[]"')
_STRING = re.compile(rb'"[^"]*"')
_ESCAPED = re.compile(rb'\\[\\"]')
_BRACKETS = bytes.maketrans(b"{}", b"[]")


def expand_paths(args: Iterable[str]) -> Iterator[str]:
    """Arguments to report paths: a directory stands for every report file in it.

    A directory is walked recursively in sorted order; only ``*.json``, ``*.jsonl`` and ``*.sarif``
    files are taken, hidden files and folders are not. A directory with no report is an
    error: a gate over nothing must not pass. Symbolic links are followed (``_walk``).
    """
    for arg in args:
        if arg == STDIN:
            yield arg
            continue
        path = Path(arg)
        if path.is_dir():
            found: list[str] = []
            _walk(path, {_key(os.stat(path))}, set(), found)
            if not found:
                raise SourceError(f"{arg}: directory holds no report (*.json, *.jsonl or *.sarif)")
            yield from found
        else:
            yield arg


def _key(st: os.stat_result) -> tuple[int, int]:
    return (st.st_dev, st.st_ino)


def _walk(folder: Path, ancestors: set[tuple[int, int]], seen: set[tuple[int, int]], found: list[str]) -> None:
    """Append the report files under ``folder`` to ``found``, in sorted order.

    A symbolic link is followed wherever it leads: a linked report, or a linked folder of
    reports (``image-scan -> ../scans``), is read, and a dangling link is a missing report
    (it may have been one), refused. A folder linked back into its own ancestors is a loop,
    refused; a file reached twice (two links) is read once. A folder that cannot be listed,
    and a report name that is not a regular file (a pipe), are refused too: never skipped.
    """
    try:
        names = sorted(entry.name for entry in os.scandir(folder))
    except OSError as e:
        raise SourceError(f"{folder}: cannot list the directory: {e.strerror or e}") from None
    for name in names:
        if name.startswith("."):
            continue
        path = folder / name
        try:
            st = os.stat(path)
        except OSError as e:
            raise _unreachable(path, e) from None
        if stat.S_ISDIR(st.st_mode):
            key = _key(st)
            if key in ancestors:
                raise SourceError(f"{path}: a symbolic link loop (it leads back to a folder that contains it); refused")
            _walk(path, ancestors | {key}, seen, found)
        elif path.suffix.lower() in REPORT_SUFFIXES:
            if not stat.S_ISREG(st.st_mode):
                raise SourceError(f"{path}: not a regular file (a pipe, socket or device), not a report; refused")
            if _key(st) not in seen:
                seen.add(_key(st))
                found.append(str(path))


def _unreachable(path: Path, e: OSError) -> SourceError:
    if e.errno == errno.ELOOP:
        return SourceError(f"{path}: a symbolic link loop; refused")
    if path.is_symlink():
        target = os.readlink(path)
        shown = repr(target[:80] + "..." if len(target) > 80 else target)
        return SourceError(f"{path}: a dangling symbolic link (to {shown}): a missing report; refused")
    return SourceError(f"{path}: cannot read: {e.strerror or e}")


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


_HEAD = 1 << 16
"""The first bytes, looked at before the rest is read."""


def _read_bytes(name: str, stdin: BinaryIO | None) -> bytes:
    """The bytes of a report file, a pipe or standard input, within the size limit.

    What cannot be a report is refused before it is read: a device (``/dev/zero``,
    ``/dev/urandom``: endless), a named pipe nothing writes to (it would wait forever), a
    regular file larger than the limit, and content that starts with 64 KB of NUL bytes (a
    sparse or zeroed file). A pipe with a writer (``<(trivy ...)``, ``/dev/fd/N``) and
    standard input are read as they come, up to the limit.
    """
    limit = max_report_bytes()
    if name == STDIN:
        stream = stdin if stdin is not None else sys.stdin.buffer
        try:
            st = os.fstat(stream.fileno())
        except (AttributeError, OSError, ValueError):  # not a file (a test's BytesIO)
            st = None
        if st is not None:
            _check_kind("<stdin>", st, limit, terminal=stream.isatty())
        head = stream.read(_HEAD)
        return _rest("<stdin>", head, stream, limit)
    try:
        # NOTE: O_NONBLOCK: opening a named pipe for reading waits for a writer, forever if
        # none comes; non-blocking, it returns at once and the first read tells.
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise SourceError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise SourceError(f"{name}: is a directory") from None
    except OSError as e:
        raise SourceError(f"{name}: cannot read: {e.strerror or e}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            os.close(fd)
            raise SourceError(f"{name}: is a directory")
        with open(fd, "rb", closefd=True) as f:
            _check_kind(name, st, limit)
            if stat.S_ISREG(st.st_mode):
                os.set_blocking(fd, True)
                head = os.pread(fd, _HEAD, 0)
                _check_head(name, head)
                # Read one byte past the limit: a file that grows while read is caught too.
                data = f.read(limit + 1)
                if len(data) > limit:
                    raise _too_large(name, limit)
                return data
            try:
                head = os.read(fd, _HEAD)
            except BlockingIOError:  # a writer is there, and has written nothing yet
                head = None
            else:
                if not head:
                    raise SourceError(
                        f"{name}: a pipe with no data and no writer (a named pipe is not waited for); "
                        "give the report through standard input (-) or process substitution <(...)"
                    )
            os.set_blocking(fd, True)
            return _rest(name, head if head is not None else f.read(_HEAD), f, limit)
    except OSError as e:
        raise SourceError(f"{name}: cannot read: {e.strerror or e}") from None


def _check_kind(source: str, st: os.stat_result, limit: int, terminal: bool = False) -> None:
    """Refuse a device (a terminal on standard input excepted) and a regular file over the limit."""
    if (stat.S_ISCHR(st.st_mode) and not terminal) or stat.S_ISBLK(st.st_mode):
        raise SourceError(f"{source}: a device, not a report file (it may never end); refused")
    if stat.S_ISREG(st.st_mode) and st.st_size > limit:
        raise _too_large(source, limit)


def _check_head(source: str, head: bytes) -> None:
    if len(head) == _HEAD and head.count(0) == _HEAD:
        raise SourceError(f"{source}: starts with {_HEAD} NUL bytes (a sparse or zeroed file), not a JSON report")


def _rest(source: str, head: bytes, stream: Any, limit: int) -> bytes:
    """``head`` and the rest of ``stream`` up to one byte past ``limit`` (then refused)."""
    _check_head(source, head)
    if len(head) > limit:
        raise _too_large(source, limit)
    rest = stream.read(limit + 1 - len(head)) if head else b""
    if len(head) + len(rest) > limit:
        raise _too_large(source, limit)
    return head + rest if rest else head


def read_document(name: str, stdin: BinaryIO | None = None) -> Any:
    """Read and decode one JSON document (or JSON Lines: ``decode.JsonLines``); ``name`` is a path or ``-``."""
    data = _read_checked(name, stdin)
    return decode_json(data, "<stdin>" if name == STDIN else name, fast=not holds_big_integer(data), json_lines=True)


def _read_checked(name: str, stdin: BinaryIO | None) -> bytes:
    source = "<stdin>" if name == STDIN else name
    data = _read_bytes(name, stdin)
    if not data or data.isspace():  # NOTE: not data.strip(), which copies the whole report
        raise SourceError(f"{source}: the report is empty (0 bytes of JSON)")
    for magic, what in _ARCHIVES:
        if data.startswith(magic):
            raise SourceError(f"{source}: {what}, not a JSON report; extract the report first")
    return data


def skeleton(data: bytes) -> bytes:
    """The bytes of the JSON text ``data`` that tell its nesting and its colons.

    Brackets (``{}`` written ``[]``: valid JSON pairs them anyway), quotes and colons, in
    order, without escaped quotes and backslashes (``\\"``, ``\\\\``); what is left of other
    escapes is letters, which ``nested_deeper_than`` drops. Its colons are the text's
    (``skeleton(data).count(b":") == data.count(b":")``).

    NOTE: the escaped quotes and backslashes are removed after every byte that cannot be
    part of an escape's first two bytes is deleted (in C, ``bytes.translate``): a backslash
    in valid JSON starts an escape and is followed by one of ``"\\/bfnrtu``, all kept, so
    each escape reads as in the text and the regular expression runs over a quarter of
    it. Removing them from the whole text first (``re.sub``, a byte-by-byte search) was
    0.15 s of a 0.21 s depth check on the real-shaped 50k Trivy report (133 MB, 253k
    backslashes); so it is 0.09 s, and the text's colons are counted in the skeleton
    (0.01 s, not 0.04 s). bench/README.md, issue 20; a test compares both on random texts.
    """
    if b"\\" not in data:
        return data.translate(_BRACKETS, _NOT_SKELETON)
    return _ESCAPED.sub(b"", data.translate(_BRACKETS, _NOT_SKELETON_ESCAPED))


def nested_deeper_than(data: bytes, limit: int = MAX_DEPTH, bones: bytes | None = None) -> bool:
    """Whether the JSON text ``data`` (already known to be valid) nests more than ``limit`` levels.

    NOTE: the same answer as ``adapters.check_depth`` on the decoded document, in C-speed
    passes over the text instead of a Python walk over millions of values (that walk was
    10% of a large report's gate). The text's ``skeleton`` (``bones``, when the caller has
    it) loses all but brackets and quotes. Two adjacent quotes go next: an empty string, or
    the end of one string and the start of the next with nothing between; quotes still left
    enclose strings holding brackets, which go with them. What is left is the bare tree of
    brackets; each pass removes its innermost pairs, so the number of passes that empty it
    is the depth.
    """
    tree = (skeleton(data) if bones is None else bones).translate(None, _NOT_TREE)
    tree = tree.replace(b'""', b"")
    if b'"' in tree:
        tree = _STRING.sub(b"", tree)
    for _ in range(limit):
        if not tree:
            return False
        tree = tree.replace(b"[]", b"")
    return bool(tree)


def load_report(
    name: str, fmt: str | None = None, stdin: BinaryIO | None = None, keep_raw: bool = False, digest: bool = False
) -> Report:
    """Read one report file (or ``-``) and adapt it.

    Unless ``keep_raw``, a file's findings do not keep their raw items: they are read
    again from the file if ever wanted (``model.RawRef``), so the decoded document is
    freed here. Standard input and pipes cannot be read twice: their findings keep theirs.
    With ``digest``, ``Report.sha256`` is the digest of the very bytes that were read.
    """
    # NOTE: only a regular file can be read again (not a pipe such as <(trivy ...)).
    identity = None if name == STDIN or keep_raw else _identity(name)
    if identity is None:
        return _load_report(name, fmt, stdin, digest)
    again = _ReadAgain(name, fmt, identity)
    report = _load_report(name, fmt, stdin, digest, lambda: _slim(again))
    again.expect(report)
    return report


def _slim(again: _ReadAgain) -> Builder:
    """A builder of findings that keep no raw item, for a file that can be read again.

    NOTE: the findings outlive the document, whose every repeated text is a string of its
    own (a rule's message on each of its 8,000 findings): equal texts and tuples become one
    object (18 MB of six 8k-finding reports' 145 MB). The raw item becomes a reference to
    the k-th finding this builder made: not the finding's index in the report, since an
    adapter may drop findings (a passed check) or order them; reading the same bytes again
    makes the same calls in the same order (``_collecting``).
    """
    texts: dict[str, str] = {}
    share = texts.setdefault
    tuples: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    shared = tuples.setdefault
    calls = itertools.count()

    # NOTE: the keyword arguments' own dict is changed and passed on. Adapting 50k Trivy
    # findings takes 0.59 s so (0.50 s keeping raw items), as long as setting the fields
    # through their slots after construction did; a signature naming the shared fields
    # builds a second dict per finding: 0.02-0.05 s more.
    def build(**fields: Any) -> Finding:
        k = next(calls)
        text = fields["rule_id"]
        fields["rule_id"] = share(text, text)
        text = fields["title"]
        fields["title"] = share(text, text)
        text = fields.get("message")
        if text:
            fields["message"] = share(text, text)
        text = fields.get("tool_severity")
        if text is not None:
            fields["tool_severity"] = share(text, text)
        values = fields.get("links")
        if values:
            fields["links"] = shared(values, values)
        values = fields.get("cvss")
        if values:
            fields["cvss"] = shared(values, values)
        if fields.get("raw") is not None:
            fields["raw"] = RawRef(again, k)
        return Finding(**fields)

    return build


def _collecting(raws: list[Any]) -> Builder:
    """A builder of findings as ``Finding`` makes them that records each raw item in ``raws``,
    in the order the adapter asks for them (``_slim`` numbers its references so)."""
    raws.clear()  # NOTE: a second adapting of the same bytes (big integers) starts over
    record = raws.append

    def build(**fields: Any) -> Finding:
        record(fields.get("raw"))
        return Finding(**fields)

    return build


class _ReadAgain:
    """The raw items of a report file, read and adapted again on first use."""

    def __init__(self, name: str, fmt: str | None, identity: tuple[int, ...]) -> None:
        self.name = name
        self.fmt = fmt
        self._identity = identity
        self._identities: str | None = None
        self._raws: list[Any] | None = None

    def expect(self, report: Report) -> None:
        """Remember what the file's findings were, to refuse a file that changed since."""
        self._identities = _identities(report)

    def __call__(self) -> list[Any]:
        if self._raws is None:
            changed = SourceError(f"{self.name}: changed since it was read: the raw items of its findings are gone")
            if self._identities is None or _identity(self.name) != self._identity:
                raise changed
            raws: list[Any] = []
            again = _load_report(self.name, self.fmt, None, False, lambda: _collecting(raws))
            if _identities(again) != self._identities:
                raise changed
            self._raws = raws
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


def _load_report(
    name: str, fmt: str | None, stdin: BinaryIO | None, digest: bool, builder: Callable[[], Builder] | None = None
) -> Report:
    """``builder``: makes a fresh builder of findings for each adapting of the bytes."""
    source = "<stdin>" if name == STDIN else name
    data = _read_checked(name, stdin)
    sha256 = hashlib.sha256(data).hexdigest() if digest else None
    # NOTE: the text's checks run beside the decoding, in a child (``sources.beside``).
    with Beside(_text_facts, data, size=len(data)) as facts:
        doc = decode_json(data, source, fast=True, check_keys=False, json_lines=True)
        too_deep, raw_colons = facts.result()
    if too_deep:
        raise depth_error(source)
    if type(doc) is JsonLines:
        fmt = _json_lines_format(doc, source, fmt)
    # NOTE: JSON Lines were checked for keys given twice as they were decoded (decode._json_lines).
    fast = orjson_for(data) is not None and type(doc) is not JsonLines
    # NOTE: orjson reads an integer beyond 64 bits as a float, which only an adapter
    # that wants an integer there notices (and refuses): then the standard library,
    # which keeps it an integer, decodes the report again. Such numbers are rare, so the
    # report is searched for one (``decode.holds_big_integer``) only after such a refusal, in
    # bytes read again; standard input cannot be read again and is searched now.
    kept = data if fast and name == STDIN and holds_big_integer(data) else None
    if fast and name == STDIN:
        refuse_duplicate_keys(doc, raw_colons, lambda: data, source)
    del data  # NOTE: the bytes go before the findings are built (peak memory)
    if fast and name != STDIN:
        # NOTE: after the bytes went, writing the document back costs no peak memory.
        refuse_duplicate_keys(doc, raw_colons, lambda: _read_checked(name, stdin), source)
    try:
        build = None if builder is None else builder()
        return _digested(parse_document(doc, source, fmt, depth_checked=True, build=build), sha256)
    except AdapterError:
        if not fast or (name == STDIN and kept is None):
            raise
        del doc
        data = kept if kept is not None else _read_checked(name, stdin)
        if not holds_big_integer(data):
            raise
    if digest and hashlib.sha256(data).hexdigest() != sha256:
        raise SourceError(f"{source}: changed while it was being read")
    build = None if builder is None else builder()
    return _digested(parse_document(decode_json(data, source), source, fmt, depth_checked=True, build=build), sha256)


def _text_facts(data: bytes) -> tuple[bool, int]:
    """Whether the JSON text ``data`` nests too deeply, and its colons (``decode.colons``)."""
    bones = skeleton(data)
    return nested_deeper_than(data, bones=bones), colons(data, bones.count(b":"))


def _json_lines_format(doc: JsonLines, source: str, fmt: str | None) -> str:
    """The format of a JSON Lines report: ``fmt`` or the detected one, if its adapter reads
    JSON Lines (``json_lines``, TruffleHog's); refused otherwise.

    NOTE: the tools of every other format print one document; their items one per line
    are not a report they wrote (cut from one, or several joined), so they are not read.
    """
    name = fmt or detect(doc, source)
    if not adapter_for(name).json_lines:
        raise SourceError(
            f"{source}: JSON Lines (one JSON object on each line), which {name} does not print; "
            "only TruffleHog's JSON Lines are read"
        )
    return name


def _digested(report: Report, sha256: str | None) -> Report:
    return report if sha256 is None else replace(report, sha256=sha256)
