# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Error shapes and secret redaction."""

import base64

from ansible_collections.keyfactor.command.plugins.module_utils._errors import (
    REDACTED, KeyfactorAPIError, KeyfactorError, KeyfactorNotFoundError, Redactor, excerpt,
)


def test_redactor_masks_plain_url_encoded_and_base64_forms():
    redactor = Redactor(['p@ss word'])
    redactor.add_basic_credential('KEYEXAMPLE\\alice:p@ss word')
    encoded = base64.b64encode(b'KEYEXAMPLE\\alice:p@ss word').decode()
    text = 'pw=p@ss word form=p%40ss+word path=p%40ss%20word header=Basic ' + encoded
    masked = redactor.text(text)
    assert 'p@ss' not in masked and 'p%40ss' not in masked and encoded not in masked
    assert masked.count(REDACTED) == 4


def test_redactor_walks_nested_data_and_leaves_other_types():
    redactor = Redactor(['tok123'])
    assert redactor.data({'a': ['x tok123 y', 5, None], 'b': {'c': 'tok123'}}) == {
        'a': ['x %s y' % REDACTED, 5, None], 'b': {'c': REDACTED}}


def test_redactor_ignores_empty_secrets():
    redactor = Redactor(['', None])
    assert redactor.text('unchanged') == 'unchanged'
    assert not redactor.secrets


def test_error_to_fail_kwargs_drops_missing_details_and_redacts():
    error = KeyfactorAPIError('GET /x failed: token tok123', status=500, method='GET', path='/x', body_excerpt='tok123 leaked')
    kwargs = error.to_fail_kwargs(Redactor(['tok123']))
    assert kwargs == {'msg': 'GET /x failed: token %s' % REDACTED, 'http_status': 500, 'method': 'GET', 'path': '/x',
                      'body_excerpt': '%s leaked' % REDACTED}


def test_hierarchy():
    error = KeyfactorNotFoundError('gone', status=404, method='GET', path='/x')
    assert isinstance(error, KeyfactorError)
    assert (error.status, error.error_code, error.error_message) == (404, None, None)
    assert KeyfactorError('plain').to_fail_kwargs() == {'msg': 'plain'}


def test_excerpt_is_one_bounded_line():
    assert excerpt('<html>\n  <body>  Server   Error</body>\n</html>') == '<html> <body> Server Error</body> </html>'
    assert excerpt('x' * 500) == 'x' * 200 + '...'
    assert excerpt('') == ''
