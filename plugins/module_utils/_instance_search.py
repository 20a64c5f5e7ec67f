# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""workflow_instance_info's flow: one instance by id, or a paged listing with optional detail reads.

Every option is checked before the first request. Listed instances are normalised as the pages
stream in, so raw pages are never kept; detail reads run concurrently over the shared session.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import itertools
from collections import namedtuple

from ._definitions import resolve_definition_name
from ._errors import KeyfactorConfigError
from ._instances import instance_id_of, normalize_instance, validate_guid
from ._parallel import read_concurrently
from ._query import INSTANCE_FILTERS, instance_query, required_text

SCOPES = ('all', 'started_by_me', 'assigned_to_me')
DEFAULT_SCOPE = 'all'
SORT_ORDERS = ('ascending', 'descending')
# InstanceQueryResponse fields to sort on: the nine QueryString fields, the current step and the
# status message (Keyfactor's default sort is CurrentStepDisplayName).
SORT_FIELDS = ('CurrentStepDisplayName', 'CurrentStepId', 'CurrentStepUniqueName', 'DefinitionId', 'Id',
               'InitiatingUserName', 'LastModified', 'ReferenceId', 'StartDate', 'Status', 'StatusMessage',
               'Title', 'WorkflowType')
# A page of 1,000 instances is about 600 KB of JSON: big enough to list 10,000 in 10 requests,
# small enough for the server to build and for the module to hold one at a time.
MAX_PAGE_SIZE = 1000
# More parallel detail reads than this mostly queue on the server and risk its rate limits.
MAX_CONCURRENCY = 32
# The options that shape a listing; instance_id reads one instance and takes none of them.
LIST_OPTIONS = ('scope',) + INSTANCE_FILTERS + ('definition_name', 'sort_field', 'sort_order', 'limit')

# definition_name: checked, not yet resolved to its id; filters: only with it, the INSTANCE_FILTERS options as given,
# from which the query is built again once the name is resolved.
Search = namedtuple('Search', 'instance_id scope query sort_field ascending limit page_size details concurrency '
                              'filters definition_name', defaults=(None,) * 11)


def sort_field_name(value):
    """The Keyfactor spelling of a sort field, matched ignoring case and underscores (start_date is StartDate)."""
    wanted = str(value).replace('_', '').strip().lower()
    for name in SORT_FIELDS:
        if name.lower() == wanted:
            return name
    raise KeyfactorConfigError('sort_field %r is not a field workflow instances can be sorted on; allowed: %s '
                               '(case and underscores are ignored, so start_date means StartDate).'
                               % (value, ', '.join(SORT_FIELDS)))


def within_range(option, value, lowest, highest=None, hint=''):
    # None arrives when a task sets an option with a default to null explicitly.
    if value is None or value < lowest or (highest is not None and value > highest):
        allowed = 'from %d to %d' % (lowest, highest) if highest is not None else '%d or more' % lowest
        raise KeyfactorConfigError('%s must be %s, got %r%s.' % (option, allowed, value, hint))
    return value


def parse_search(params):
    """The Search the module's options ask for, or KeyfactorConfigError; makes no request."""
    concurrency = within_range('concurrency', params['concurrency'], 1, MAX_CONCURRENCY)
    if params.get('instance_id') is not None:
        return Search(instance_id=validate_guid(params['instance_id']), concurrency=concurrency)
    limit = params.get('limit')
    sort_field = params.get('sort_field')
    filters = {name: params.get(name) for name in INSTANCE_FILTERS}
    definition_name = params.get('definition_name')
    if definition_name is not None:
        definition_name = required_text('definition_name', definition_name)
    return Search(
        scope=params.get('scope') or DEFAULT_SCOPE,
        query=instance_query(**filters),
        filters=None if definition_name is None else filters,
        definition_name=definition_name,
        sort_field=sort_field_name(sort_field) if sort_field is not None else None,
        ascending=params.get('sort_order') != 'descending',
        limit=limit if limit is None else within_range(
            'limit', limit, 1, hint='; leave limit out to return every match'),
        page_size=within_range('page_size', params['page_size'], 1, MAX_PAGE_SIZE),
        details=params['details'],
        concurrency=concurrency,
    )


def with_definition_name_resolved(api, search):
    """The Search with definition_name turned into its definition's id: one listing request (more on failure)."""
    if search.definition_name is None:
        return search
    workflow_type = search.filters['workflow_type']
    definition = resolve_definition_name(
        api, search.definition_name, None if workflow_type is None else workflow_type.strip())
    return search._replace(query=instance_query(**dict(search.filters, definition_id=definition['id'])))


def find_instances(api, search, table, warn):
    """The module result for a Search: instances (always a list), count, and total when the server sent it."""
    if search.instance_id is not None:
        raw = api.get_instance(search.instance_id)
        return _result([] if raw is None else [normalize_instance(raw, table, requested_id=search.instance_id)])
    # One item beyond the limit tells, without x-total-count, whether the limit cut the result short.
    pager = api.list_instances(search.scope, search.query, search.sort_field, search.ascending, search.page_size,
                               None if search.limit is None else search.limit + 1)
    items = iter(pager)
    if search.details:
        ids = [instance_id_of(raw) for raw in itertools.islice(items, search.limit)]
        listed = len(ids)
        instances = _read_details(api, ids, table, search.concurrency, warn)
    else:
        instances = [normalize_instance(raw, table) for raw in itertools.islice(items, search.limit)]
        listed = len(instances)
    if search.limit is not None and listed == search.limit and _more_than_limit(items, pager, search.limit):
        warn(_truncated(len(instances), pager.total, search.limit))
    result = _result(instances)
    if pager.total is not None:
        result['total'] = pager.total
    return result


def _more_than_limit(items, pager, limit):
    """Whether more instances match than limit: from x-total-count when sent, else by reading one more item."""
    if pager.total is not None:
        return pager.total > limit
    return next(items, None) is not None


def _truncated(returned, total, limit):
    shown = 'returned %d of %d instances' % (returned, total) if total is not None else (
        'returned the first %d instances and more match' % returned)
    return '%s; raise or remove limit (%d) to get them all.' % (shown, limit)


def _read_details(api, instance_ids, table, concurrency, warn):
    """The full record of each listed instance, read concurrently; instances deleted meanwhile are left out."""

    def read(instance_id):
        raw = api.get_instance(instance_id)
        return None if raw is None else normalize_instance(raw, table, requested_id=instance_id)

    found, gone = read_concurrently(read, instance_ids, concurrency)
    instances = [instance for _instance_id, instance in found]
    if gone:
        warn('%d listed instance(s) no longer existed when their details were read (deleted meanwhile) and are left out: %s.'
             % (len(gone), ', '.join(gone)))
    return instances


def _result(instances):
    return dict(changed=False, instances=instances, count=len(instances))


def run(module):
    """workflow_instance_info's run function for KeyfactorModule.run."""
    search = parse_search(module.params)
    api = module.workflow_api(max_connections=search.concurrency)
    return find_instances(api, with_definition_name_resolved(api, search), module.status_table, module.warn)
