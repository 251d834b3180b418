"""``extends:``: a policy refines a base policy file (a central, versioned baseline).

The path is relative to the extending file. Chains are followed to ``MAX_CHAIN`` files; a
cycle is an error naming the whole chain, at the ``extends`` that closes it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from pathlib import Path

from gatekeeper.policy.build import layer
from gatekeeper.policy.errors import PolicyError, Problems, quoted
from gatekeeper.policy.layers import Layer
from gatekeeper.policy.schema import check_schema
from gatekeeper.policy.yamlfile import parse_yaml

MAX_CHAIN = 16


def read_policy_text(path: Path, source: str) -> tuple[str, str]:
    """The file's text and the SHA-256 of its bytes (what a decision record holds)."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise PolicyError(f"{source}: cannot read policy: {e.strerror or e}") from None
    try:
        return raw.decode("utf-8"), hashlib.sha256(raw).hexdigest()
    except UnicodeDecodeError as e:
        raise PolicyError(f"{source}: not valid UTF-8 (byte {e.start})") from None


def load_chain(path: Path, source: str, chain: tuple[Path, ...] = (), names: tuple[str, ...] = ()) -> list[Layer]:
    """The layers of ``path`` and every base it extends, the furthest base first."""
    text, sha256 = read_policy_text(path, source)
    data, marks = parse_yaml(text, source)
    problems = Problems(source, marks)
    check_schema(data, problems)
    if not isinstance(data, dict):
        problems.raise_if_any()
        raise PolicyError(f"{source}: a policy must be a mapping")  # pragma: no cover - schema says so
    here = replace(layer(data, problems), files=((source, sha256),))
    chain, names = (*chain, path.resolve()), (*names, source)
    base: Path | None = None
    base_source = ""
    extends = data.get("extends")
    if isinstance(extends, str) and extends.strip():
        base = (path.parent / extends).resolve()
        # Shown in messages only (the file read is ``base``): keep it short and relative.
        base_source = extends if Path(extends).is_absolute() else os.path.normpath(Path(source).parent / extends)
        if base in chain:
            cycle = " -> ".join((*names[chain.index(base) :], base_source))
            problems.add(("extends",), f"extends cycle: {cycle}")
        elif len(chain) >= MAX_CHAIN:
            problems.add(("extends",), f"more than {MAX_CHAIN} policies extend one another")
        elif not base.is_file():
            problems.add(("extends",), f"base policy {quoted(base_source, 200, path=True)} not found (paths are relative to this file)")
    problems.raise_if_any()
    if base is None:
        return [here]
    try:
        return [*load_chain(base, base_source, chain, names), here]
    except PolicyError as e:
        raise PolicyError(f"{e}\n  (extended by {problems.where(('extends',))})") from None
