# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""AnsibleModule with the connection options, a lazily built client and secret-safe failures.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import sys

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ._connection import build_client, resolve_settings
from ._connection_options import (
    OptionAdapter, connection_argument_spec, given_options, masked_arguments, register_argument_secrets,
)
from ._errors import KeyfactorError, Redactor
from ._result_output import secrets_in, write_json
from ._transport import HAS_REQUESTS, REQUESTS_IMPORT_ERROR
from ._workflow_api import WorkflowApi


class KeyfactorModule(AnsibleModule):
    """A module of this collection: pass only its own options; the connection options are added.

    A thin adapter over the connection layer (_connection.py): the settings are resolved from the module's
    parameters on first use, the client built from them on first use, both inside run() so that an option
    error is a clean failure.
    """

    def __init__(self, argument_spec=None, **kwargs):
        # Set before AnsibleModule validates the arguments: a validation failure calls fail_json from there.
        self.redactor = Redactor()
        self._given = frozenset()
        self._settings = None
        self._client = None
        spec = connection_argument_spec()
        spec.update(argument_spec or {})
        super().__init__(argument_spec=spec, **kwargs)

    def _load_params(self):
        """Read the arguments and learn their secrets before Ansible validates them: a failed validation echoes them.

        Which connection options the task set is noted here too, before the environment fills in the others.
        """
        super()._load_params()
        register_argument_secrets(self.redactor, self.params)
        self._given = given_options(self.params)

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
            failure = error.to_fail_kwargs(self.redactor, self._verbosity)
        if failure is None and result.get('failed'):
            failure = dict(result)
            failure.pop('failed')
        if failure is not None:
            self.fail_json(**failure)
        self.exit_json(**result)

    @property
    def settings(self):
        """The run's ConnectionSettings (status_table and retries included), resolved on first use."""
        if self._settings is None:
            self._settings = resolve_settings(OptionAdapter.from_module(self, self._given))
        return self._settings

    @property
    def status_table(self):
        """Integer Status codes to names, with status_map applied."""
        return self.settings.status_table

    def client(self, max_connections=10):
        """The run's KeyfactorClient, built on first use."""
        if self._client is None:
            if not HAS_REQUESTS:
                self.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
            self._client = build_client(self.settings, self.redactor, self.warn, self.tmpdir, max_connections)
        return self._client

    def workflow_api(self, max_connections=10):
        return WorkflowApi(self.client(max_connections))

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
            self.no_log_values.update(secrets_in(result, self.redactor.secrets))
        if self._client is not None:
            self._client.close()

    def _record_module_result(self, o):
        """Print the result as ansible-core 2.19 and later do, its long lists item by item (none of it twice).

        ansible-core calls this hook, when it has it, with the masked result; older releases print it themselves.
        """
        # Only ansible-core 2.19 and later call this, and only they have these.
        # pylint: disable-next=import-outside-toplevel
        from ansible.module_utils import basic
        # pylint: disable-next=import-outside-toplevel
        from ansible.module_utils.common.json import Direction, get_module_encoder

        profile = basic._ANSIBLE_PROFILE  # pylint: disable=protected-access
        encoder = get_module_encoder(profile, Direction.MODULE_TO_CONTROLLER)
        sys.stdout.write('\n')
        write_json(o, sys.stdout.write, encoder().encode)
        sys.stdout.write('\n')
