"""The change a pull request makes: a unified diff, and which findings lie in it.

``parse.py`` reads the diff (pure); ``place.py`` places findings in it. The diff's bytes
come through ``gatekeeper.sources.git`` (a file, standard input, or ``git diff``); the
policy decides what a finding outside the change does (``gatekeeper/policy/evaluate.py``).
"""

from gatekeeper.change.errors import ChangeError
from gatekeeper.change.parse import Diff, FileChange, parse_diff
from gatekeeper.change.place import IN, OUTSIDE, UNPLACED, Change, Filter, Placer

__all__ = ["IN", "OUTSIDE", "UNPLACED", "Change", "ChangeError", "Diff", "FileChange", "Filter", "Placer", "parse_diff"]
