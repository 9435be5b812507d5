import gc

import pytest


@pytest.fixture(autouse=True)
def _nothing_frozen():
    """Warming up freezes what the process holds (core/edge.py): in the test process, give
    it back to the collector after each test, so that one test's leftovers are not kept."""
    yield
    gc.unfreeze()
