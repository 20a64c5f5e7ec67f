# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""List parameters (reference 2.1): QueryString, PageReturned, ReturnLimit, SortField, SortAscending.

Names are matched case-insensitively and also with the legacy binder prefixes of the Command 10 spec.
"""

import dataclasses
from dataclasses import dataclass

from kfsim import errors
from kfsim.querystring import QueryError, compile_query

LEGACY_PREFIXES = ("pq.", "instancequery.", "query.")
DEFAULT_PAGE = 1
DEFAULT_LIMIT = 50


def query_parameters(args):
    """Query parameters keyed by lower-case name without a legacy prefix; a name given twice is a 400."""
    params = {}
    for raw_name, value in args.items(multi=True):
        name = raw_name.lower()
        for prefix in LEGACY_PREFIXES:
            if name.startswith(prefix):
                name = name[len(prefix):]
                break
        if name in params:
            raise errors.bad_request("The query parameter '%s' was given more than once." % raw_name)
        params[name] = value
    return params


@dataclass(frozen=True)
class ListRequest:
    predicate: object  # callable or None
    page: int
    limit: int
    sort_field: object  # fields.Field
    descending: bool


def _integer(params, name, default, minimum):
    text = params.get(name.lower())
    if text is None or text.strip() == "":
        return default
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise errors.bad_request("%s must be an integer >= %d, got '%s'." % (name, minimum, text))
    return value


def parse_list_request(params, query_fields, sort_fields, default_sort):
    try:
        predicate = compile_query(params.get("querystring", ""), query_fields)
    except QueryError as error:
        raise errors.bad_request("Invalid QueryString: %s." % error, errors.QUERY_SYNTAX) from None
    sort_name = params.get("sortfield") or default_sort
    sort_field = sort_fields.get(sort_name.casefold())
    if sort_field is None:
        raise errors.bad_request("Unknown SortField '%s'; fields: %s." % (
            sort_name, ", ".join(sorted(field.name for field in sort_fields.values()))))
    order = params.get("sortascending", "0").strip() or "0"
    if order not in ("0", "1"):
        raise errors.bad_request("SortAscending must be 0 (ascending) or 1 (descending), got '%s'." % order)
    return ListRequest(predicate, _integer(params, "PageReturned", DEFAULT_PAGE, 1),
                       _integer(params, "ReturnLimit", DEFAULT_LIMIT, 1), sort_field, order == "1")


def as_served(list_request, switches):
    """The page served with the paging switches: ignore_page_returned, ignore_return_limit, max_return_limit."""
    page, limit = list_request.page, list_request.limit
    if switches.ignore_page_returned:
        page = 1
    if switches.max_return_limit:
        limit = min(limit, switches.max_return_limit)
    if switches.ignore_return_limit:
        page, limit = 1, None
    return dataclasses.replace(list_request, page=page, limit=limit)


def matching(items, list_request):
    """The items the QueryString matches, sorted as asked. Ties keep the order of ``items`` (stable sort)."""
    matched = [item for item in items if list_request.predicate(item)] if list_request.predicate else list(items)
    matched.sort(key=list_request.sort_field.sort_key, reverse=list_request.descending)
    return matched


def page_of(matched, list_request):
    """The page of the matched items the request asks for; (page, total matched)."""
    if list_request.limit is None:  # ignore_return_limit
        return matched, len(matched)
    start = (list_request.page - 1) * list_request.limit
    return matched[start:start + list_request.limit], len(matched)
