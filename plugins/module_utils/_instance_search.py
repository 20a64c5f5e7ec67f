# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""workflow_instance_info's flow: one instance by id, or a paged listing with optional detail reads.

Every option is checked before the first request. Listed instances are normalised (and summarised) as the
pages stream in, so raw pages are never kept, only the fields asked for are; once x-total-count tells how many
pages there are, they are read concurrently, and so are detail reads, over the shared session.

FOR INTERNAL COLLECTION USE ONLY. Supported Pythons: 3.9 and later.
"""

import itertools
from collections import namedtuple

from ._definitions import resolve_definition_name
from ._errors import KeyfactorConfigError
from ._instance_summary import InstanceSummary
from ._instances import DETAIL_KEYS, INSTANCE_KEYS, instance_id_of, normalize_instance, select_fields, validate_guid
from ._parallel import read_concurrently
from ._query import INSTANCE_FILTERS, instance_query, required_text
from ._result_output import HandedOver

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
# fields: the keys to return (None: all); summary, summary_only: whether to add a summary, to return only it.
Search = namedtuple('Search', 'instance_id scope query sort_field ascending limit page_size details concurrency '
                              'filters definition_name fields summary summary_only',
                    defaults=(None,) * 12 + (False,) * 2)


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


def parse_fields(fields, detailed, summary_only):
    """The returned keys the fields option names, in the order of INSTANCE_KEYS (None: all of them)."""
    if fields is None:
        return None
    if summary_only:
        raise KeyfactorConfigError('fields and summary_only cannot be combined: summary_only returns no instances.')
    wanted = set(str(name).strip() for name in fields)
    unknown = sorted(wanted.difference(INSTANCE_KEYS))
    if unknown or not wanted:
        said = 'names no key' if not wanted else 'names %s, not %s' % (
            ', '.join(unknown), 'keys of the returned instances' if unknown[1:] else 'a key of the returned instances')
        raise KeyfactorConfigError('fields %s; valid: %s.' % (said, ', '.join(INSTANCE_KEYS)))
    detail = sorted(wanted.intersection(DETAIL_KEYS))
    if detail and not detailed:
        raise KeyfactorConfigError('fields names %s, which only a detail read returns: set details: true (or give '
                                   'instance_id), or leave %s out.'
                                   % (', '.join(detail), 'them' if detail[1:] else 'it'))
    return tuple(key for key in INSTANCE_KEYS if key in wanted)


def parse_search(params):
    """The Search the module's options ask for, or KeyfactorConfigError; makes no request."""
    concurrency = within_range('concurrency', params['concurrency'], 1, MAX_CONCURRENCY)
    summary_only = bool(params.get('summary_only'))
    report = dict(summary=bool(params.get('summary')), summary_only=summary_only)
    if params.get('instance_id') is not None:
        return Search(instance_id=validate_guid(params['instance_id']), concurrency=concurrency,
                      fields=parse_fields(params.get('fields'), True, summary_only), **report)
    if summary_only and params['details']:
        raise KeyfactorConfigError('details and summary_only cannot be combined: the summary needs no detail reads.')
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
        fields=parse_fields(params.get('fields'), params['details'], summary_only),
        **report
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
    """The module result for a Search: instances (always a list unless summary_only), count, summary when asked,
    and total when the server sent it."""
    report = Report(search)
    if search.instance_id is not None:
        raw = api.get_instance(search.instance_id)
        if raw is not None:
            report.add(normalize_instance(raw, table, requested_id=search.instance_id))
        return report.result()
    # One item beyond the limit tells, without x-total-count, whether the limit cut the result short.
    pager = api.list_instances(search.scope, search.query, search.sort_field, search.ascending, search.page_size,
                               None if search.limit is None else search.limit + 1, search.concurrency)
    items = iter(pager)
    if search.details:
        ids = [instance_id_of(raw) for raw in itertools.islice(items, search.limit)]
        for instance in _read_details(api, ids, table, search.concurrency, warn):
            report.add(instance)
    else:
        shared = {}
        for raw in itertools.islice(items, search.limit):
            report.add(normalize_instance(raw, table, shared=shared))
    if search.limit is not None and report.listed == search.limit and _more_than_limit(items, pager, search.limit):
        warn(_truncated(report.listed, pager.total, search.limit))
    result = report.result()
    if pager.total is not None:
        result['total'] = pager.total
    return result


class Report:
    """What a search returns, gathered one normalised instance at a time: the instances kept (with only the
    fields asked for), their count and the summary."""

    def __init__(self, search):
        self.search = search
        self.listed = 0
        self.instances = []
        self.summary = InstanceSummary() if search.summary or search.summary_only else None

    def add(self, instance):
        self.listed += 1
        if self.summary is not None:
            self.summary.add(instance)
        if not self.search.summary_only:
            self.instances.append(select_fields(instance, self.search.fields))

    def result(self):
        result = dict(changed=False, count=self.listed)
        if not self.search.summary_only:
            result['instances'] = self.instances
        if self.summary is not None:
            result['summary'] = self.summary.result()
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
    if gone:
        warn('%d listed instance(s) no longer existed when their details were read (deleted meanwhile) and are left '
             'out: %s.' % (len(gone), ', '.join(gone)))
    return [instance for _instance_id, instance in found]


def run(module):
    """workflow_instance_info's run function for KeyfactorModule.run."""
    search = parse_search(module.params)
    api = module.workflow_api(max_connections=search.concurrency)
    result = find_instances(api, with_definition_name_resolved(api, search), module.status_table, module.warn)
    if 'instances' in result:
        result['instances'] = HandedOver(result['instances'])
    return result
