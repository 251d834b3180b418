"""The change's one error type."""

from __future__ import annotations


class ChangeError(Exception):
    """A diff (or the git history it comes from) the gate cannot read: exit 2, naming the
    file and line, or the reason and how to fix it."""
