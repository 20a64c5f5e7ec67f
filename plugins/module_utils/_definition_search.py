# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""workflow_definition_info's flow: one definition by id, or a filtered listing read concurrently.

Every option is checked before the first request. A listing is read at the version each listed row
names (published or latest), so every definition is one request; a definition by id is read once
when the server's default version is certainly the one asked for, twice otherwise.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import re
from collections import namedtuple

from ._definitions import LATEST, PUBLISHED, default_read_is, normalize_definition_response, version_to_read
from ._errors import KeyfactorConfigError
from ._instance_search import MAX_CONCURRENCY, within_range
from ._parallel import read_concurrently
from ._query import definition_guid, definition_query, required_text

VERSION_NAMES = (PUBLISHED, LATEST)
# Definitions per listing request; a listed definition is a few hundred bytes.
PAGE_SIZE = 100

DefinitionSearch = namedtuple('DefinitionSearch', 'definition_id query display_name version concurrency',
                              defaults=(None,) * 5)


def parse_version(value):
    """PUBLISHED, LATEST or a version number (int, 1 or more), or KeyfactorConfigError; None means PUBLISHED."""
    if value is None:
        return PUBLISHED
    text = str(value).strip().lower() if isinstance(value, (str, int)) and not isinstance(value, bool) else ''
    if text in VERSION_NAMES:
        return text
    if re.match(r'^[0-9]+$', text) and int(text) >= 1:
        return int(text)
    raise KeyfactorConfigError('version %r is not valid: expected published, latest or a version number (1 or more).'
                               % (value,))


def parse_definition_search(params):
    """The DefinitionSearch the module's options ask for, or KeyfactorConfigError; makes no request."""
    concurrency = within_range('concurrency', params['concurrency'], 1, MAX_CONCURRENCY)
    version = parse_version(params.get('version'))
    if params.get('definition_id') is not None:
        return DefinitionSearch(definition_id=definition_guid(params['definition_id']), version=version,
                                concurrency=concurrency)
    if isinstance(version, int):
        raise KeyfactorConfigError('version %d is a version of one definition: give definition_id with it, or ask '
                                   'for published or latest.' % version)
    display_name, workflow_type = (None if params.get(option) is None else required_text(option, params[option])
                                   for option in ('display_name', 'workflow_type'))
    return DefinitionSearch(query=definition_query(display_name, workflow_type), display_name=display_name,
                            version=version, concurrency=concurrency)


def find_definitions(api, search, warn):
    """The module result for a DefinitionSearch: definitions (always a list) and count."""
    if search.definition_id is not None:
        definition = read_definition(api, search.definition_id, search.version)
        definitions = [] if definition is None else [definition]
    else:
        definitions = _read_listed(api, search, warn)
    return dict(changed=False, definitions=definitions, count=len(definitions))


def read_definition(api, definition_id, version):
    """One definition at `version` (normalised), or None when the server does not know the definition."""
    if isinstance(version, int):
        raw = api.get_definition(definition_id, version)
        if raw is None:
            _fail_if_only_the_version_is_missing(api, definition_id, version)
            return None
        return normalize_definition_response(raw, version)
    raw = api.get_definition(definition_id)
    if raw is None:
        return None
    number = version_to_read(raw.get('PublishedVersion'), raw.get('DraftVersion'), version)
    if not default_read_is(raw, number):
        raw = api.get_definition(definition_id, number)
        if raw is None:  # deleted between the two reads
            return None
    return normalize_definition_response(raw, number)


def _fail_if_only_the_version_is_missing(api, definition_id, version):
    """A definition the server knows without the version asked for fails; an unknown definition is no match."""
    known = api.get_definition(definition_id)
    if known is None:
        return
    published = known.get('PublishedVersion')
    raise KeyfactorConfigError("Workflow definition '%s' (%s) has no version %d: its latest version is %s, %s." % (
        known.get('DisplayName'), definition_id, version, known.get('DraftVersion'),
        'its published version %s' % published if published is not None else 'and it was never published'))


def _read_listed(api, search, warn):
    """The listed definitions (exactly display_name when given), each read at the version asked for."""
    wanted = [(row.get('Id'), version_to_read(row.get('PublishedVersion'), row.get('DraftVersion'), search.version))
              for row in api.list_definitions(search.query, PAGE_SIZE)
              if search.display_name is None or row.get('DisplayName') == search.display_name]
    found, gone = read_concurrently(lambda item: api.get_definition(*item), wanted, search.concurrency)
    if gone:
        warn('%d listed definition(s) no longer existed when they were read (deleted meanwhile) and are left out: %s.'
             % (len(gone), ', '.join(definition_id for definition_id, _version in gone)))
    return [normalize_definition_response(raw, number) for (_definition_id, number), raw in found]


def run(module):
    """workflow_definition_info's run function for KeyfactorModule.run."""
    search = parse_definition_search(module.params)
    api = module.workflow_api(max_connections=search.concurrency)
    return find_definitions(api, search, module.warn)
