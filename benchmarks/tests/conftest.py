# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the benchmark's own logic: `make bench-tests` (the nox session bench-tests; benchmarks/pytest.ini puts
benchmarks/ on the import path for kfbench)."""
import pytest
from kfsim.testing import run_simulator


@pytest.fixture(scope='session')
def simulator():
    """A simulator with the default scenario (18 instances), reset before each test that uses it."""
    with run_simulator() as running:
        yield running


@pytest.fixture
def fresh_simulator(simulator):  # pylint: disable=redefined-outer-name  # fixtures are named after what they give
    simulator.reset()
    return simulator
