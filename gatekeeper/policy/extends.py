"""``extends:``: a policy refines a base policy (a central, versioned baseline).

The base is a file (the path is relative to the extending file) or a remote file
(``sources.remote``): an https URL pinned by ``#sha256=``, plain http only pinned, or
a git repository pinned by commit. Chains are followed to ``MAX_CHAIN`` files; a cycle is an
error naming the whole chain (URLs too), at the ``extends`` that closes it.

NOTE: how remote bases are trusted. A local file (in the repository, under code review) may
extend anything it names; an unpinned URL only with ``allow_unpinned_extends: true`` in that
file. A pinned base may extend only pinned bases (its relative ``extends`` needs its own
``#sha256=``; a git base's names the same commit), so the pins form a chain of digests and a
compromised server cannot loosen the gate. A remote file may not set
``allow_unpinned_extends`` (only a local file grants it); the bases of an allowed unpinned
base may be unpinned too (nothing below it is pinned anyway).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from gatekeeper.policy.build import layer
from gatekeeper.policy.errors import PolicyError, Problems, quoted
from gatekeeper.policy.layers import Layer
from gatekeeper.policy.schema import check_schema
from gatekeeper.policy.yamlfile import parse_yaml

if TYPE_CHECKING:
    from gatekeeper.sources.remote import FetchOptions, PolicyRef

MAX_CHAIN = 16
ALLOW_UNPINNED = "allow_unpinned_extends"


class _File(NamedTuple):
    """One policy file of a chain: local (``path``) or remote (``ref``)."""

    source: str
    """Shown in messages and kept in decision records: a path or a URL."""
    key: str
    """What makes it the same file (cycles): the resolved path, or the URL."""
    path: Path | None = None
    ref: PolicyRef | None = None


def read_policy_text(path: Path, source: str) -> tuple[str, str]:
    """The file's text and the SHA-256 of its bytes (what a decision record holds)."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise PolicyError(f"{source}: cannot read policy: {e.strerror or e}") from None
    return _decode(raw, source), hashlib.sha256(raw).hexdigest()


def _decode(raw: bytes, source: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise PolicyError(f"{source}: not valid UTF-8 (byte {e.start})") from None


def _read(file: _File, options: FetchOptions | None) -> tuple[str, str]:
    if file.ref is None:
        assert file.path is not None
        return read_policy_text(file.path, file.source)
    from gatekeeper.sources.remote import RemotePolicyError, fetch_policy

    try:
        raw, sha256 = fetch_policy(file.ref, options)  # the pin is checked here, before parsing
    except RemotePolicyError as e:
        raise PolicyError(str(e)) from None
    return _decode(raw, file.source), sha256


def load_chain(path: Path, source: str, options: FetchOptions | None = None) -> list[Layer]:
    """The layers of ``path`` and every base it extends, the furthest base first."""
    return _load(_File(source, str(path.resolve()), path=path), (), (), options)


def _load(file: _File, chain: tuple[str, ...], names: tuple[str, ...], options: FetchOptions | None) -> list[Layer]:
    text, sha256 = _read(file, options)
    data, marks = parse_yaml(text, file.source)
    problems = Problems(file.source, marks)
    check_schema(data, problems)
    if not isinstance(data, dict):
        problems.raise_if_any()
        raise PolicyError(f"{file.source}: a policy must be a mapping")  # pragma: no cover - schema says so
    unpinned = () if file.ref is None or file.ref.pinned else (
        f"policy base {file.source} is not pinned (allow_unpinned_extends): used as its server sent it, sha256 {sha256}",)
    here = replace(layer(data, problems), files=((file.source, sha256),), notices=unpinned)
    chain, names = (*chain, file.key), (*names, file.source)
    if file.ref is not None and ALLOW_UNPINNED in data:
        problems.add((ALLOW_UNPINNED,), "is honoured only in a local policy file: a base fetched from a server "
                     "cannot allow unpinned bases", key=True)
    base: _File | None = None
    extends = data.get("extends")
    if isinstance(extends, str) and extends.strip():
        base, why = _base(file, extends, data)
        if why:
            problems.add(("extends",), why)
        elif base is not None and base.key in chain:
            cycle = " -> ".join((*names[chain.index(base.key) :], base.source))
            problems.add(("extends",), f"extends cycle: {cycle}")
        elif len(chain) >= MAX_CHAIN:
            problems.add(("extends",), f"more than {MAX_CHAIN} policies extend one another")
        elif base is not None and base.path is not None and not base.path.is_file():
            problems.add(("extends",), f"base policy {quoted(base.source, 200, path=True)} not found (paths are relative to this file)")
    problems.raise_if_any()
    if base is None:
        return [here]
    try:
        return [*_load(base, chain, names, options), here]
    except PolicyError as e:
        raise PolicyError(f"{e}\n  (extended by {problems.where(('extends',))})") from None


def _base(file: _File, extends: str, data: dict[str, Any]) -> tuple[_File | None, str]:
    """The base ``extends`` names in ``file``, or the reason it may not be used."""
    # NOTE: a local path is told without importing the remote module (a gate's start-up).
    if file.ref is None and "://" not in extends:
        assert file.path is not None
        base = (file.path.parent / extends).resolve()
        # Shown in messages only (the file read is ``base``): keep it short and relative.
        shown = extends if Path(extends).is_absolute() else os.path.normpath(Path(file.source).parent / extends)
        return _File(shown, str(base), path=base), ""
    from gatekeeper.sources.remote import RefError, parse_ref

    try:
        ref = parse_ref(extends) if file.ref is None else file.ref.resolve(extends)
    except RefError as e:
        return None, str(e)
    if file.ref is None:
        allowed = data.get(ALLOW_UNPINNED) is True
        if not ref.pinned and not allowed:
            return None, (f"{ref.url}: an unpinned URL is refused (its server could loosen the gate): pin it with "
                          f"#sha256= and the file's SHA-256, or set {ALLOW_UNPINNED}: true")
        return _File(ref.url, ref.url, ref=ref), ""
    if ref.url.startswith("git+file:") and not file.ref.url.startswith("git+file:"):
        return None, f"{ref.url}: a file fetched from a server may not name a repository on this machine"
    if file.ref.pinned and not ref.pinned:
        return None, (f"{ref.url}: a pinned base may extend only pinned bases (otherwise its server could change "
                      "them): add #sha256= and the file's SHA-256")
    # An unpinned base was allowed by a local file: its own bases may be unpinned too.
    return _File(ref.url, ref.url, ref=ref), ""
