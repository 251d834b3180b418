"""Policy errors, and the positions that let every message say ``file:line:col: $.path: ...``."""

from __future__ import annotations

from collections import namedtuple
from typing import Any


class PolicyError(Exception):
    """The policy cannot be used; the message lists every problem."""


# NOTE: a file given as a policy may be anything (``extends: ../app/.env``, a PEM key):
# a message quotes a value of it only through ``quoted``, which bounds it to one short line
# and never shows one that looks like a secret (issue 21, item 10).
QUOTE_LIMIT = 60
_SECRET_NAME = (
    r"(?i)(pass(word|wd|phrase)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|"
    r"credential|auth|session|cookie|signature|bearer|dsn)"
)
_SECRET_PATTERNS = (
    r"-----BEGIN [A-Z ]*-----",  # PEM blocks (private keys, certificates)
    _SECRET_NAME + r"[\w.-]*[\"']?\s*[:=]",  # key=value / key: value with a secret-ish name
    r"\b(xox[abposr]-|gh[pousr]_|github_pat_|glpat-|AKIA[0-9A-Z]{12}|AIza|sk_live_|rk_live_|eyJ[\w-]{8,}\.)",
)
_TOKEN = r"[A-Za-z0-9+/=_\-]{24,}"


def _entropy(text: str) -> float:
    import math
    from collections import Counter

    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def looks_secret(text: str, random_tokens: bool = True) -> bool:
    """True for text that holds a PEM block, a ``secret=...`` pair, a known token prefix or
    (``random_tokens``) a long high-entropy token (what a credential scanner would flag)."""
    import re

    if any(re.search(p, text) for p in _SECRET_PATTERNS):
        return True
    if not random_tokens:
        return False
    for token in re.findall(_TOKEN, text):
        if re.search(r"[0-9]", token) and re.search(r"[A-Za-z]", token) and _entropy(token) >= 3.5:
            return True
    return False


def quoted(value: Any, limit: int = QUOTE_LIMIT, path: bool = False) -> str:
    """A value of a policy file, as a message shows it: ``repr``-quoted (control characters
    escaped), at most ``limit`` characters of its first line, and withheld when it looks like
    a secret. ``quoted("hihg")`` -> ``'hihg'``; ``quoted([1])`` -> ``[1]``.

    ``path``: the value is a file path: withheld only for a secret's known shapes, not for
    looking random (temporary folders such as ``/tmp/tmp.Rz3QWk9fXb`` and long test names do)."""
    text = value if isinstance(value, str) else repr(value)
    if looks_secret(text, random_tokens=not path):
        what = "text" if isinstance(value, str) else type(value).__name__
        return f"<{what} of {len(text)} characters, not shown: it looks like a secret>"
    lines = text.splitlines() or [""]
    shown = lines[0] if len(lines[0]) <= limit else lines[0][: limit - 1] + "…"
    if shown != text:
        shown += "…" if not shown.endswith("…") else ""
        more = f" ({len(lines)} lines)" if len(lines) > 1 else ""
        return (repr(shown) if isinstance(value, str) else shown) + more
    return repr(text) if isinstance(value, str) else text


# NOTE: a named tuple and a plain class, not dataclasses: the policy package imports this
# module on every gate, and each dataclass costs about 0.5 ms of start-up to create.
Mark = namedtuple("Mark", "line column")
"""A position in a policy file: line and column, 1-based."""


KEY = object()
"""Marks the position of a mapping key (rather than its value) in the marks table."""

Marks = dict[tuple[Any, ...], Mark]


def json_path(path: tuple[Any, ...]) -> str:
    """``("rules", 0, "id")`` -> ``$.rules[0].id``."""
    out = "$"
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def position(marks: Marks, path: tuple[Any, ...], key: bool = False) -> Mark:
    """Where a value (or, with ``key``, its key) starts; the nearest enclosing one if unknown."""
    lookup: tuple[Any, ...] = (*path, KEY) if key and path else path
    while lookup not in marks and lookup:
        lookup = lookup[:-1]
        if lookup and lookup[-1] is KEY:
            lookup = lookup[:-1]
    return marks.get(lookup, Mark(1, 1))


class Problems:
    """Collects every problem in one file so they are all reported at once."""

    def __init__(self, source: str, marks: Marks) -> None:
        self.source = source
        self.marks = marks
        self.found: list[tuple[int, int, str]] = []

    def add(self, path: tuple[Any, ...], message: str, key: bool = False) -> None:
        m = position(self.marks, path, key)
        self.found.append((m.line, m.column, f"{self.source}:{m.line}:{m.column}: {json_path(path)}: {message}"))

    def where(self, path: tuple[Any, ...]) -> str:
        """``file:line`` of a value, for origins and cross-references."""
        return f"{self.source}:{position(self.marks, path).line}"

    def messages(self) -> list[str]:
        return [text for _, _, text in sorted(self.found)]

    def raise_if_any(self) -> None:
        raise_all(self.source, self.messages())


def raise_all(source: str, errors: list[str]) -> None:
    """Raise one ``PolicyError`` listing every error, if there are any."""
    if errors:
        count = f"{len(errors)} error{'s' if len(errors) != 1 else ''}"
        raise PolicyError(f"{source}: invalid policy ({count}):\n" + "\n".join(f"  {e}" for e in errors))
