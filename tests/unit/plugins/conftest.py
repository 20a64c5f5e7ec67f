# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Running a module's main() in-process, as Ansible would, and reading its result."""

import json
import uuid

import pytest

from ansible.module_utils.common import warnings as ansible_warnings

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    from contextlib import contextmanager
    from unittest import mock

    from ansible.module_utils import basic
    from ansible.module_utils.common.text.converters import to_bytes

    @contextmanager
    def patch_module_args(args=None):
        with mock.patch.object(basic, '_ANSIBLE_ARGS', to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args or {}}))):
            yield


def _warning_text(warning):
    """ansible-core 2.19+ returns warnings as WarningSummary mappings, older versions as strings."""
    return warning['event']['msg'] if isinstance(warning, dict) else warning


@pytest.fixture
def run_marker():
    """A header value that tells this test's requests apart in the simulator's audit.

    The shared simulator may still be finishing a request of an earlier test (one that gave up
    waiting) after the reset, and that request would land in this test's audit.
    """
    return uuid.uuid4().hex


@pytest.fixture
def run_module(capsys, tmp_path):
    """run_module(main, args, check_mode=False, diff=False) -> the module's result dict.

    'rc' (the exit code) is added, and 'warnings' are plain strings whatever the ansible-core version.
    """
    def run(main, args, check_mode=False, diff=False):
        # Warnings are process-global in AnsibleModule; one module run must not see the previous one's.
        ansible_warnings._global_warnings.clear()  # pylint: disable=protected-access
        args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff, _ansible_remote_tmp=str(tmp_path))
        with patch_module_args(args):
            with pytest.raises(SystemExit) as exited:
                main()
        output = capsys.readouterr().out
        result = json.loads(output[output.index('{'):])
        result['rc'] = exited.value.code
        result['warnings'] = [_warning_text(warning) for warning in result.get('warnings', [])]
        return result
    return run


@pytest.fixture
def assert_no_secrets():
    """assert_no_secrets(anything, secrets): fail if any secret appears in its JSON (or text) form."""
    def check(value, secrets):
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        leaked = [secret for secret in secrets if secret and secret in text]
        assert not leaked, 'secrets leaked: %d value(s)' % len(leaked)
    return check
