# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A WorkflowApi on the simulator for the module_utils tests; its requests carry the test's run marker."""

import pytest

from ansible_collections.keyfactor.command.plugins.module_utils._connection import resolve_connection
from ansible_collections.keyfactor.command.plugins.module_utils._transport import KeyfactorClient
from ansible_collections.keyfactor.command.plugins.module_utils._workflow_api import WorkflowApi

RUN_HEADER = 'X-Test-Run'


@pytest.fixture
def api(simulator, run_marker):
    """A WorkflowApi for approver1, trusting exactly the simulator's CA, with 8 connections."""
    user = simulator.user('approver1')
    settings = resolve_connection(dict(url=simulator.host, api_path='KeyfactorAPI', username=user['username'],
                                       password=user['password'], domain=user['domain'], validate_certs=True,
                                       timeout=10, retries=0, headers={RUN_HEADER: run_marker}))
    client = KeyfactorClient(settings, ca_bundle=simulator.ca_cert, max_connections=8)
    yield WorkflowApi(client)
    client.close()
