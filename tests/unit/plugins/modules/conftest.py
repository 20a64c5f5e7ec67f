# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Connection options for the modules under test, and the requests a test made as the simulator saw them."""

import pytest

RUN_HEADER = 'X-Test-Run'


@pytest.fixture
def connect(simulator, run_marker):
    """connect(user) -> the connection options of that default-scenario user; its requests carry run_marker."""
    def options(user='approver1'):
        credentials = simulator.user(user)
        return dict(url=simulator.host, username=credentials['username'], password=credentials['password'],
                    domain=credentials['domain'], ca_cert=simulator.ca_cert, headers={RUN_HEADER: run_marker})
    return options


@pytest.fixture
def api_requests(simulator, run_marker):
    """api_requests() -> the requests this test made, as the simulator received them, in order."""
    def read():
        return [entry for entry in simulator.audit()['requests'] if entry['headers'].get(RUN_HEADER) == run_marker]
    return read
