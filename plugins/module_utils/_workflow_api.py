# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The Keyfactor Command workflow endpoints the modules use, over KeyfactorClient.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import threading
from urllib.parse import quote

from ._errors import KeyfactorConfigError, KeyfactorHTTPError, KeyfactorNotFoundError
from ._instances import instance_id_of
from ._query import clause

INSTANCES_PATH = '/Workflow/Instances'
DEFINITIONS_PATH = '/Workflow/Definitions'
# Keyfactor's cheap authenticated probe (its own tools use it): it answers wherever the API is.
STATUS_PATH = '/Status/Endpoints'
SCOPE_PATHS = {
    'all': INSTANCES_PATH,
    'started_by_me': INSTANCES_PATH + '/My',
    'assigned_to_me': INSTANCES_PATH + '/AssignedToMe',
}


def _instance_path(instance_id, *rest):
    return '/'.join((INSTANCES_PATH, quote(instance_id, safe='')) + rest)


class WorkflowApi:
    def __init__(self, client):
        self.client = client
        self._lock = threading.Lock()
        self._api_checked = False
        self._api_missing = None

    def get_instance(self, instance_id):
        """The InstanceResponse, or None when the server does not know the instance."""
        try:
            return self.client.get(_instance_path(instance_id))
        except KeyfactorNotFoundError:
            self._confirm_api()
            return None

    def _confirm_api(self):
        """Tell "no such object" from "no API here": a wrong url or api_path also answers 404. Once per run."""
        with self._lock:
            if not self._api_checked:
                try:
                    self.client.get(STATUS_PATH)
                except KeyfactorNotFoundError:
                    self._api_missing = KeyfactorConfigError(
                        'No Keyfactor Command API answers at %s: GET %s also returned HTTP 404, so url or api_path '
                        '(KEYFACTOR_HOSTNAME, KEYFACTOR_API_PATH) is wrong.'
                        % (self.client.settings.base_url, STATUS_PATH))
                except KeyfactorHTTPError:
                    pass  # any other answer comes from the API, which is all this asks
                self._api_checked = True
        if self._api_missing is not None:
            raise self._api_missing

    def list_instances(self, scope='all', query=None, sort_field=None, sort_ascending=True, page_size=100, limit=None,
                       concurrency=1):
        """A Pager over InstanceQueryResponse items of one of the three list endpoints (`concurrency` pages at once)."""
        params = {}
        if query:
            params['QueryString'] = query
        if sort_field:
            params['SortField'] = sort_field
            # Keyfactor's sort order enum: 0 ascending, 1 descending.
            params['SortAscending'] = 0 if sort_ascending else 1
        return self.client.paginate(SCOPE_PATHS[scope], params, page_size=page_size, limit=limit,
                                    concurrency=concurrency)

    def is_assigned_to_me(self, instance_id):
        """Whether the instance is waiting for a signal from the authenticated caller."""
        pager = self.list_instances('assigned_to_me', query=clause('Id', '-eq', instance_id), page_size=1, limit=1)
        return any(instance_id_of(item).lower() == instance_id.lower() for item in pager)

    def list_definitions(self, query=None, page_size=100):
        """A Pager over DefinitionQueryResponse items (Keyfactor sorts them by DisplayName)."""
        return self.client.paginate(DEFINITIONS_PATH, {'QueryString': query} if query else None, page_size=page_size)

    def get_definition(self, definition_id, version=None):
        """The DefinitionResponse at a version, or None when unknown.

        Without a version the server chooses; Keyfactor documents the most recent one, which may be an
        unpublished draft.
        """
        params = {'definitionVersion': version} if version is not None else None
        try:
            return self.client.get(DEFINITIONS_PATH + '/' + quote(definition_id, safe=''), params=params)
        except KeyfactorNotFoundError:
            self._confirm_api()
            return None

    def send_signal(self, instance_id, signal_key, data):
        """POST the signal once (204, no body); unknown outcomes raise KeyfactorUnknownOutcomeError."""
        self.client.post(_instance_path(instance_id, 'Signals'), {'SignalKey': signal_key, 'Data': data})

    def stop_instance(self, instance_id):
        """POST .../Stop once (204, no body); unknown outcomes raise KeyfactorUnknownOutcomeError."""
        self.client.post(_instance_path(instance_id, 'Stop'), None)

    def restart_instance(self, instance_id, version=None):
        """POST .../Restart once, at a definition version (default: the published one); the answer has no body."""
        self.client.post(_instance_path(instance_id, 'Restart'), None,
                         params={'version': version} if version is not None else None)

    def delete_instance(self, instance_id):
        """DELETE the instance once; 404: KeyfactorNotFoundError; an unknown outcome: KeyfactorUnknownOutcomeError."""
        self.client.request('DELETE', _instance_path(instance_id))
