"""Making attacker-controlled report text inert in each output medium.

Report text (titles, messages, paths) comes from scanned code and can carry terminal
escape sequences, markup or CI workflow commands; every reporter passes it through one of
these functions before writing it.
"""

from __future__ import annotations

import re

# C0 and C1 control characters except tab; includes ESC (\x1b) and CSI (\x9b), DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def terminal(text: str | None, limit: int = 300) -> str:
    """One line of text safe to print on a terminal: controls shown as ``\\xNN``, bounded."""
    if not text:
        return ""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)
