# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared pytest fixtures: the Keyfactor Command simulator (tests/simulator, see its README).

The simulator is a package the unit test venvs install (noxfile.py adds it to what ansible-test installs).
"""

import pytest

from kfsim.testing import SharedSimulator, SimulatorFactory

SHARED_SIMULATOR = SharedSimulator()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Start the shared simulator here, in the worker, before ansible-test forks the process for the test."""
    del nextitem  # part of the hook's signature
    if "simulator" in item.fixturenames:
        SHARED_SIMULATOR.get()
    yield


def pytest_sessionfinish(session):
    del session  # part of the hook's signature
    SHARED_SIMULATOR.close()


@pytest.fixture
def simulator():
    """The shared HTTPS simulator, reset to the default scenario and switches before the test."""
    shared = SHARED_SIMULATOR.get()
    shared.reset()
    return shared


@pytest.fixture
def simulator_factory():
    """``simulator_factory("--http", "--status-format", "int")`` starts a dedicated simulator, stopped at teardown."""
    factory = SimulatorFactory()
    yield factory
    factory.close()
