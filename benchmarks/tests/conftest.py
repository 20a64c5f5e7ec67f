# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the benchmark's own logic: `.venv/bench/bin/python -m pytest benchmarks/tests` (after `make bench` built the venv)."""
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(BENCHMARKS), str(BENCHMARKS.parent / 'tests' / 'simulator')]

from kfsim.testing import run_simulator  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope='session')
def simulator():
    """A simulator with the default scenario (18 instances), reset before each test that uses it."""
    with run_simulator() as running:
        yield running


@pytest.fixture
def fresh_simulator(simulator):  # pylint: disable=redefined-outer-name  # fixtures are named after what they give
    simulator.reset()
    return simulator
