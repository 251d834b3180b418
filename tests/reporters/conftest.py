"""Reporter test options: ``--update-golden`` rewrites the golden files instead of comparing.

Also ``GATEKEEPER_UPDATE_GOLDEN=1`` (for ``python -m pytest`` from the project root, where
this conftest is loaded too late to add an option). See tests/golden/README.md.
"""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False, help="Rewrite tests/golden/* from the current output.")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    try:
        flag = bool(request.config.getoption("--update-golden"))
    except ValueError:
        flag = False
    return flag or os.environ.get("GATEKEEPER_UPDATE_GOLDEN") == "1"
