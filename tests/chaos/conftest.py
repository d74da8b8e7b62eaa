"""The soak runs minutes: only when asked for (``pytest -m chaos``), never in ``make test``."""

import pytest

from tests.chaos.infra import have_tools


def pytest_collection_modifyitems(config, items):
    asked = "chaos" in (config.getoption("markexpr") or "")
    why = have_tools()
    for item in items:
        if item.get_closest_marker("chaos") is None:
            continue
        if not asked:
            item.add_marker(pytest.mark.skip(reason="a chaos soak: run with -m chaos"))
        elif why:
            item.add_marker(pytest.mark.skip(reason=why))
