"""Shared fixtures: the rubric and the engine are built once per test session."""

from __future__ import annotations

import pytest

from bot.engine import Engine
from rubric_data.loader import load_rubric


@pytest.fixture(scope="session")
def rubric():
    return load_rubric()


@pytest.fixture(scope="session")
def engine(rubric):
    return Engine(rubric)
