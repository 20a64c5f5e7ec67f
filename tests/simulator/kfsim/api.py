# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Keyfactor Command API endpoints (reference sections 1, 2 and 5), below the configurable API path."""

import functools
import json
from dataclasses import dataclass

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from kfsim import engine, errors
from kfsim.auth import AuthenticationFailed, authenticate
from kfsim.clock import now
from kfsim.fields import DEFINITION_QUERY_FIELDS, DEFINITION_SORT_FIELDS, INSTANCE_QUERY_FIELDS, INSTANCE_SORT_FIELDS
from kfsim.listing import as_served, matching, page_of, parse_list_request, query_parameters
from kfsim.responses import error_response, json_response, lifecycle_answer, signal_answer
from kfsim.views import (
    definition_detail, definition_summary, instance_detail, instance_summary, shape_definition, shape_instance,
)

# Signals accepts these media types (reference 1: application/json, json-patch+json, text/json, */*+json).
JSON_MEDIA_TYPES = ("application/json", "text/json")
REQUESTED_WITH = "X-Keyfactor-Requested-With"


@dataclass
class Call:
    """One authenticated API request and the snapshot of simulator parts it runs against."""

    request: object  # werkzeug Request
    runtime: object  # kfsim.app.Runtime
    switches: object
    state: object
    caller: object  # auth.Caller
    record: dict  # its audit entry
    lose_response: bool  # the fault RNG chose to drop the response if the request is applied


def is_api_path(path, api_path):
    return path.lower().startswith("/%s/" % api_path.lower())


def changes_state(request):
    """Whether the request is a signal, Stop, Restart or DELETE: the requests whose answer a fault may lose."""
    if request.method == "DELETE":
        return True
    return request.method == "POST" and request.path.lower().rstrip("/").endswith(("/signals", "/stop", "/restart"))


def _drop_if_lost(call, what):
    if call.lose_response:
        call.record["fault"] = "lost_response"
        raise errors.AbortConnection("%s applied; response dropped" % what)


def _list(call, items, query_fields, sort_fields, default_sort, render, kept_as=None):
    """A list endpoint: ``items()`` (called under the lock) filtered, sorted and paged per the list parameters.

    kept_as: a name under which the filtered, sorted items may be kept until an instance changes (state.listing).
    """
    params = query_parameters(call.request.args)
    list_request = as_served(parse_list_request(params, query_fields, sort_fields, default_sort), call.switches)
    with call.state.lock:
        engine.settle(call.state, now())
        if kept_as is None:
            matched = matching(items(), list_request)
        else:
            key = (kept_as, params.get("querystring", ""), params.get("sortfield") or default_sort,
                   params.get("sortascending", ""))
            matched = call.state.listing(key, lambda: matching(items(), list_request))
        page, total = page_of(matched, list_request)
        body = [render(item) for item in page]
    headers = {"x-total-count": str(total)} if call.switches.total_count else None
    return json_response(body, headers=headers)


def _list_instances(call, keep=None):
    """Instances (those ``keep`` accepts, if given), in scenario order before sorting.

    Every instance (no ``keep``) is a listing the simulator keeps between pages; those of a caller are not.
    """
    def matching_instances():
        instances = call.state.instances.values()
        return instances if keep is None else [instance for instance in instances if keep(instance)]
    return _list(call, matching_instances, INSTANCE_QUERY_FIELDS, INSTANCE_SORT_FIELDS, "CurrentStepDisplayName",
                 lambda instance: shape_instance(instance_summary(instance, call.switches), call.switches),
                 kept_as="instances" if keep is None else None)


def list_instances(call):
    return _list_instances(call)


def list_my(call):
    """Instances the caller started."""
    caller_key = call.caller.identity.key
    return _list_instances(call, lambda instance: instance.initiating_user.casefold() == caller_key)


def list_assigned_to_me(call):
    """Suspended instances the caller may signal now and has not signalled at this step (reference 2, row 3)."""
    identity = call.caller.identity

    def assigned(instance):
        return (instance.status == "Suspended"
                and any(identity.role_ids.intersection(signal.role_ids) for signal in instance.step.signals)
                and not any(item.caller_key == identity.key for item in instance.received))
    return _list_instances(call, assigned)


def get_instance(call, instance_id):
    with call.state.lock:
        engine.settle(call.state, now())
        instance = call.state.instance(instance_id, call.switches)
        body = shape_instance(instance_detail(instance, call.caller.identity, call.switches), call.switches)
    return json_response(body)


def _json_body(request):
    media_type = request.mimetype
    if not (media_type in JSON_MEDIA_TYPES or (media_type.startswith("application/") and media_type.endswith("+json"))):
        raise errors.ApiError(415, errors.UNSUPPORTED_MEDIA_TYPE,
                              "Content-Type must be application/json, not '%s'." % (request.content_type or ""))
    try:
        return json.loads(request.get_data())
    except ValueError:
        raise errors.bad_request("The request body is not valid JSON.", errors.INVALID_SIGNAL) from None


def post_signal(call, instance_id):
    state = call.state
    with state.lock:
        current = now()
        engine.settle(state, current)
        instance = state.instance(instance_id, call.switches)
        key, data = engine.parse_signal_body(_json_body(call.request))
        counted = engine.signal(state, instance, call.caller.identity, key, data, call.switches, current)
        call.runtime.audit.add_signal(call.record["seq"], instance.id, key, call.caller.identity.name, data, counted)
    _drop_if_lost(call, "signal")
    return signal_answer(call.switches)


def _audit_operation(call, operation, instance, status_before, **details):
    call.runtime.audit.add_operation(call.record["seq"], operation, instance.id, call.caller.identity.name,
                                     status_before, **details)


def stop_instance(call, instance_id):
    with call.state.lock:
        current = now()
        engine.settle(call.state, current)
        instance = call.state.instance(instance_id, call.switches)
        before = instance.status
        engine.stop(call.state, instance, call.caller.identity, call.switches, current)
        _audit_operation(call, "stop", instance, before)
    _drop_if_lost(call, "Stop")
    return lifecycle_answer(call.switches)


def _optional_int(params, name):
    text = params.get(name.lower())
    if text is None or text.strip() == "":
        return None
    if not text.strip().isdigit() or int(text) < 1:
        raise errors.bad_request("%s must be a positive integer, got '%s'." % (name, text))
    return int(text)


def restart_instance(call, instance_id):
    version = _optional_int(query_parameters(call.request.args), "version")
    with call.state.lock:
        current = now()
        engine.settle(call.state, current)
        instance = call.state.instance(instance_id, call.switches)
        before = instance.status
        restarted = engine.restart(call.state, instance, version, current)
        _audit_operation(call, "restart", instance, before, version=restarted.version.number,
                         new_instance_id=restarted.id)
    _drop_if_lost(call, "Restart")
    return lifecycle_answer(call.switches)


def delete_instance(call, instance_id):
    with call.state.lock:
        engine.settle(call.state, now())
        instance = call.state.instance(instance_id, call.switches)
        before = instance.status
        engine.delete(call.state, instance, call.switches)
        _audit_operation(call, "delete", instance, before)
    _drop_if_lost(call, "DELETE")
    return lifecycle_answer(call.switches)


def list_definitions(call):
    return _list(call, call.state.definitions.values, DEFINITION_QUERY_FIELDS, DEFINITION_SORT_FIELDS, "DisplayName",
                 definition_summary)


def _optional_bool(params, name):
    text = (params.get(name.lower()) or "").strip().lower()
    if text not in ("", "true", "false"):
        raise errors.bad_request("%s must be true or false, got '%s'." % (name, params.get(name.lower())))
    return text == "true"


def get_definition(call, definition_id):
    """One version: definitionVersion, by default the most recent one (DraftVersion), published or not."""
    params = query_parameters(call.request.args)
    number = _optional_int(params, "definitionVersion")
    exportable = _optional_bool(params, "exportable")
    definition = call.state.definition(definition_id, call.switches)
    if number is None:
        number = definition.draft_version
    if number not in definition.versions:
        raise errors.ApiError(404, errors.NOT_FOUND, "Workflow definition %s has no version %d; versions: %s." % (
            definition.id, number, ", ".join(str(known) for known in sorted(definition.versions))))
    return json_response(shape_definition(
        definition_detail(definition, definition.versions[number], exportable), call.switches))


def status_endpoints(call):
    del call  # the answer does not depend on the caller
    return json_response(["%s /%s" % (method, path.lstrip("/")) for path, method, _handler in ROUTES])


ROUTES = (
    ("/Status/Endpoints", "GET", status_endpoints),
    ("/Workflow/Instances", "GET", list_instances),
    ("/Workflow/Instances/My", "GET", list_my),
    ("/Workflow/Instances/AssignedToMe", "GET", list_assigned_to_me),
    ("/Workflow/Instances/<instance_id>", "GET", get_instance),
    ("/Workflow/Instances/<instance_id>", "DELETE", delete_instance),
    ("/Workflow/Instances/<instance_id>/Signals", "POST", post_signal),
    ("/Workflow/Instances/<instance_id>/Stop", "POST", stop_instance),
    ("/Workflow/Instances/<instance_id>/Restart", "POST", restart_instance),
    ("/Workflow/Definitions", "GET", list_definitions),
    ("/Workflow/Definitions/<definition_id>", "GET", get_definition),
)

# Routes match case-insensitively (IIS and ASP.NET do): rules and request paths are both lower-cased.
URL_MAP = Map([Rule(path.lower(), methods=[method], endpoint=handler) for path, method, handler in ROUTES],
              strict_slashes=False, merge_slashes=False)
ROUTER = URL_MAP.bind("kfsim")


@functools.lru_cache(maxsize=4096)
def _match(path, method):
    """werkzeug's routing, remembered per (path, method): the routes never change. Failures are not cached."""
    return ROUTER.match(path, method=method)


def _route(request, api_path):
    relative = request.path[len(api_path) + 1:]
    try:
        return _match(relative.lower(), request.method)
    except NotFound:
        raise errors.ApiError(404, errors.NOT_FOUND, "No API endpoint at %s." % request.path) from None
    except MethodNotAllowed as error:
        allowed = ", ".join(sorted(error.valid_methods or ()))
        raise errors.ApiError(405, errors.METHOD_NOT_ALLOWED, "%s is not allowed here; allowed: %s." % (
            request.method, allowed), {"Allow": allowed}) from None


def _unauthorized(failure):
    response = json_response({"Message": str(failure)}, 401)
    for challenge in failure.challenges:
        response.add_header("WWW-Authenticate", challenge)
    return response


def handle(request, runtime, switches, record, lose_response):
    """Authenticate, check the headers, route and run one API request; return its response."""
    state = runtime.state
    try:
        caller = authenticate(request, state.directory, runtime.tokens)
    except AuthenticationFailed as failure:
        record["auth"] = failure.method
        return _unauthorized(failure)
    record["auth"], record["caller"] = caller.method, caller.identity.name
    try:
        if switches.require_requested_with and not request.headers.get(REQUESTED_WITH):
            raise errors.bad_request("The %s header is required." % REQUESTED_WITH, errors.MISSING_REQUESTED_WITH)
        handler, arguments = _route(request, switches.api_path)
        return handler(Call(request, runtime, switches, state, caller, record, lose_response), **arguments)
    except errors.ApiError as error:
        return error_response(error)
