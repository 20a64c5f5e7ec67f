# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Running a module's main() in-process, as Ansible would, and reading its result."""

import html
import json
import re
import uuid
from urllib.parse import quote, quote_plus

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


# A secret this long is also looked for cut off: its first CUT_CHARS characters, in each form.
LONG_SECRET_CHARS = 12
CUT_CHARS = 8


def shown_forms(secret):
    """What a leaked secret could look like: as is, as repr(), ascii(), JSON and HTML escape it, URL-quoted (either
    hex case), its UTF-8 bytes read as ISO-8859-1; and the beginning of each, when the secret is long."""
    literal = {repr(secret)[1:-1], ascii(secret)[1:-1], json.dumps(secret)[1:-1],
               json.dumps(secret, ensure_ascii=False)[1:-1], html.escape(secret), quote(secret, safe=''),
               quote_plus(secret), secret.encode('utf-8').decode('latin-1')}
    forms = {secret} | literal | {re.sub('%[0-9A-F]{2}', lambda match: match.group().lower(), form) for form in literal}
    if len(secret) >= LONG_SECRET_CHARS:
        forms |= {form[:CUT_CHARS] for form in forms}
    return forms


@pytest.fixture
def assert_no_secrets():
    """assert_no_secrets(anything, secrets): fail if any secret appears, in any of its forms, in any string inside."""
    def check(value, secrets):
        text = '\n'.join(_strings(value))
        leaked = [form for secret in secrets if secret for form in shown_forms(secret) if form in text]
        assert not leaked, 'secrets leaked: %d form(s)' % len(leaked)
    return check


def _strings(value):
    """Every string in a JSON-like value (keys too), and the text of everything else."""
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in _strings(key) + _strings(item)]
    if isinstance(value, (list, tuple, set)):
        return [text for item in value for text in _strings(item)]
    return [value if isinstance(value, str) else str(value)]
