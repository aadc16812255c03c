"""Shared fixtures: the rubric and the engine are built once per test session."""

from __future__ import annotations

import pytest

from bot.qa.engine import Engine
from rubric_data.loader import load_rubric


@pytest.fixture(scope="session")
def rubric():
    return load_rubric()


@pytest.fixture(scope="session")
def engine(rubric):
    return Engine(rubric)


# --- databases and the self-check service ----------------------------------------------

import datetime as dt  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dbfixtures import BACKENDS, FakeClock, open_database  # noqa: E402


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path):
    yield from open_database(request.param, tmp_path)


@pytest.fixture
def clock():
    # 2020-08-03 09:00 in Shanghai: the self-check phase of the notice
    return FakeClock(dt.datetime(2020, 8, 3, 1, 0, tzinfo=dt.timezone.utc))


# --- the services coordination tests share (the coordinator is user 1, 市办张主任) -----------


@pytest.fixture
def service(rubric, clock):
    from bot.scoring.selfcheck import SelfCheck

    return SelfCheck(rubric, clock=clock, admin_ids=frozenset({1}))


@pytest.fixture
def coord(service):
    from bot.coordination.service import Coordination

    return Coordination(service)


@pytest.fixture
def typed(service, coord):
    """Typed text as every shell routes it: coordination first, then self-scoring."""
    from bot.inputs import Inputs

    return Inputs(service, coord)
