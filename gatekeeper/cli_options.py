"""Options shared by several commands, each generated from the registry that lists its choices.

``--format`` takes the adapters' registry (``adapters/registry.py``); the report-file options
(``--sarif FILE``, ``--json FILE`` ...) are the reporters' registry (``reporters/__init__.py``).
A new scanner or output therefore needs no change here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from gatekeeper.adapters.registry import FORMAT_NAMES
from gatekeeper.reporters import FILE_OUTPUTS


def format_option(name: str = "--format") -> Callable[[Any], Any]:
    """``--format TOOL``: the choices are the adapters' registry (``adapters/registry.py``)."""
    return click.option(
        name, "fmt", type=click.Choice(FORMAT_NAMES),
        help="Read every report as this format instead of recognising it from the content.",
    )


def output_options(command: Any) -> Any:
    """``--sarif FILE``, ``--json FILE`` ...: one option per file output of the reporters'
    registry (``reporters/__init__.py``), in its order; each value arrives as ``NAME_path``."""
    for spec in reversed(FILE_OUTPUTS):
        command = click.option(f"--{spec.name}", f"{spec.name}_path", metavar="FILE", help=spec.help)(command)
    return command
