# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""AnsibleModule with the connection options, a lazily built client and secret-safe failures.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ._connection_options import (
    connection_argument_spec, masked_arguments, register_argument_secrets, resolve_connection,
)
from ._errors import KeyfactorError, Redactor
from ._instances import status_table
from ._transport import HAS_REQUESTS, REQUESTS_IMPORT_ERROR, KeyfactorClient
from ._workflow_api import WorkflowApi


class KeyfactorModule(AnsibleModule):
    """A module of this collection: pass only its own options; the connection options are added."""

    def __init__(self, argument_spec=None, **kwargs):
        # Set before AnsibleModule validates the arguments: a validation failure calls fail_json from there.
        self.redactor = Redactor()
        self._client = None
        self._status_table = None
        spec = connection_argument_spec()
        spec.update(argument_spec or {})
        super().__init__(argument_spec=spec, **kwargs)

    def _load_params(self):
        """Read the arguments and learn their secrets before Ansible validates them: a failed validation echoes them."""
        super()._load_params()
        register_argument_secrets(self.redactor, self.params)

    def run(self, function):
        """Exit with the result of function(self); a KeyfactorError becomes a clean failure.

        A result with failed=True (for example one instance of many failed) also fails the task.
        fail_json is called outside the except clause: older ansible-core versions attach the
        handled exception's traceback at -vvv otherwise, and the message already says it all.
        """
        failure = None
        try:
            result = function(self)
        except KeyfactorError as error:
            failure = error.to_fail_kwargs(self.redactor)
        if failure is None and result.get('failed'):
            failure = dict(result)
            failure.pop('failed')
        if failure is not None:
            self.fail_json(**failure)
        self.exit_json(**result)

    def client(self, max_connections=10):
        """The run's KeyfactorClient, built on first use (so option errors surface as clean failures)."""
        if self._client is None:
            if not HAS_REQUESTS:
                self.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
            settings = resolve_connection(self.params)
            self._status_table = status_table(settings.status_map)
            if not settings.validate_certs:
                self.warn('validate_certs is false: the TLS certificate of %s is not verified, so anyone on the network '
                          'path could impersonate Keyfactor Command and capture the credentials.' % settings.base_url)
            self._client = KeyfactorClient(
                settings, ca_bundle=self._ca_bundle_path(settings.ca_cert), warn=self.warn,
                redactor=self.redactor, max_connections=max_connections)
        return self._client

    def workflow_api(self, max_connections=10):
        return WorkflowApi(self.client(max_connections))

    @property
    def status_table(self):
        """Integer Status codes to names, with status_map applied (available once client() was called)."""
        return self._status_table

    def _ca_bundle_path(self, ca_cert):
        """requests verifies against a file, so PEM text is written to the module's temporary directory."""
        if not ca_cert or os.path.isfile(ca_cert):
            return ca_cert
        path = os.path.join(self.tmpdir, 'keyfactor-ca.pem')
        with open(path, 'w') as handle:
            handle.write(ca_cert)
        return path

    def warn(self, warning):
        super().warn(self.redactor.text(warning))

    def exit_json(self, **kwargs):
        self._before_exit(kwargs)
        super().exit_json(**kwargs)

    def fail_json(self, msg, **kwargs):
        kwargs['msg'] = self.redactor.text(msg)
        self._before_exit(kwargs)
        super().fail_json(**kwargs)

    def _before_exit(self, result):
        """Secrets learnt at run time (tokens, encoded credentials, gateway keys) join Ansible's no_log masking.

        Only those that occur in the output (the arguments Ansible echoes back included) are added: Ansible
        re-scans every string of the result once per no_log value, which dominates the exit of a large result.
        The echo of the arguments (invocation, where the controller asks for it) is given with every header value
        and URL password masked, whatever their length.
        """
        result.setdefault('invocation', {'module_args': masked_arguments(self.params)})
        if self.redactor.secrets:
            output = json.dumps(result, default=str)
            self.no_log_values.update(secret for secret in self.redactor.secrets if secret in output)
        if self._client is not None:
            self._client.close()
