# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Control endpoints under /_sim/: audit, reset, config, inject, token expiry. No auth, never faulted."""

import json

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule

from kfsim.faults import canned_response
from kfsim.responses import json_response
from kfsim.scenario import ScenarioError
from kfsim.switches import SwitchError

PREFIX = "/_sim"


class ControlError(ValueError):
    """A bad control request (400)."""


def _body(request):
    data = request.get_data()
    if not data.strip():
        return {}
    try:
        body = json.loads(data)
    except ValueError:
        raise ControlError("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ControlError("the body must be a JSON object")
    return body


def audit(runtime, request):
    since = request.args.get("since", "0")
    if not since.isdigit():
        raise ControlError("since must be a sequence number")
    return runtime.audit.snapshot(int(since))


def reset(runtime, request):
    body = _body(request)
    if "scenario" in body and "scenario_file" in body:
        raise ControlError("give scenario or scenario_file, not both")
    source = body.get("scenario") or body.get("scenario_file")
    if "scenario" in body and not isinstance(body["scenario"], dict):
        raise ControlError("scenario must be a JSON object")
    runtime.reset(source)
    return {"instances": len(runtime.state.instances), "definitions": len(runtime.state.definitions),
            "switches": runtime.switches.as_dict()}


def show_config(runtime, request):
    del request  # nothing to read
    return runtime.switches.as_dict()


def configure(runtime, request):
    runtime.configure(_body(request))
    return runtime.switches.as_dict()


def inject(runtime, request):
    response = canned_response(_body(request))
    runtime.canned.add(response)
    return {"method": response.method, "path": response.path.pattern, "status": response.status,
            "times": response.remaining, "body_bytes": len(response.body)}


def expire_tokens(runtime, request):
    del request  # nothing to read
    return {"expired": runtime.tokens.expire_all()}


URL_MAP = Map([
    Rule(PREFIX + "/audit", methods=["GET"], endpoint=audit),
    Rule(PREFIX + "/reset", methods=["POST"], endpoint=reset),
    Rule(PREFIX + "/config", methods=["GET"], endpoint=show_config),
    Rule(PREFIX + "/config", methods=["POST"], endpoint=configure),
    Rule(PREFIX + "/inject", methods=["POST"], endpoint=inject),
    Rule(PREFIX + "/tokens/expire", methods=["POST"], endpoint=expire_tokens),
])
ROUTER = URL_MAP.bind("kfsim")


def is_control_path(path):
    return path == PREFIX or path.startswith(PREFIX + "/")


def handle(request, runtime):
    try:
        endpoint, _arguments = ROUTER.match(request.path, method=request.method)
        return json_response(endpoint(runtime, request))
    except HTTPException as error:
        return json_response({"error": error.description}, error.code)
    except (ControlError, ScenarioError, SwitchError, ValueError) as error:
        return json_response({"error": str(error)}, 400)
