"""Fixtures of the supervision suite: the test office with a supervisor (督查员) in the
督查室, a clock frozen on an ordinary Monday morning, and a document waiting for the
principal leader's instruction."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from supervision.tests.support import Scene, build_scene

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 9, 9, 30, tzinfo=SHANGHAI)


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY, tick=True) as traveller:
        yield traveller


@pytest.fixture
def scene(office, monday) -> Scene:
    return build_scene(office)
