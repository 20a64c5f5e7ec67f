# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The WSGI application: control endpoints, the token endpoint and the API, with faults and the audit."""

import copy
import time

from werkzeug.wrappers import Request

from kfsim import api, control, echo, errors, oauth
from kfsim.audit import AuditLog, redact_query, safe_headers
from kfsim.auth import TokenStore
from kfsim.faults import NO_FAULT, CannedResponses, FaultInjector
from kfsim.responses import ApiResponse, error_response
from kfsim.server import TRICKLE_KEY
from kfsim.scenario import load_world, read_scenario
from kfsim.state import SimulatorState

PRODUCT_VERSION_HEADER = "x-keyfactor-product-version"


class Runtime:
    """Everything a reset restores: state, switches, tokens, audit, canned responses and the fault RNG."""

    def __init__(self, scenario_source, switches, generate=0):
        self._startup_scenario = read_scenario(scenario_source)  # read once: resets rebuild from it
        self._startup_switches = switches
        self._generate = generate
        self.switches = switches
        self.state = SimulatorState(load_world(self._startup_scenario, generate))
        self.audit = AuditLog()
        self.tokens = TokenStore()
        self.canned = CannedResponses()
        self.faults = FaultInjector(switches.seed)

    def reset(self, scenario_source=None):
        """Reload ``scenario_source`` (a path or a mapping), or the startup scenario when None."""
        if scenario_source is None:
            world = load_world(self._startup_scenario, self._generate)
        else:
            world = load_world(scenario_source)
        self.state = SimulatorState(world)
        self.switches = self._startup_switches
        self.audit = AuditLog()
        self.tokens = TokenStore()
        self.canned = CannedResponses()
        self.faults = FaultInjector(self.switches.seed)

    def configure(self, changes):
        self.switches = self.switches.updated(changes)
        if "seed" in changes:
            self.faults.reseed(self.switches.seed)

    def generation(self):
        """The objects in force now; a request keeps them to the end, so a reset meanwhile cannot mix worlds.

        Without it, a request that arrived before a reset (a slow one a client gave up on) would change the
        new state and land in the new audit, leaking one test's traffic into the next.
        """
        return copy.copy(self)


class Application:
    """WSGI entry point."""

    def __init__(self, runtime):
        self.runtime = runtime

    def __call__(self, environ, start_response):
        request = Request(environ)
        if control.is_control_path(request.path):
            response = control.handle(request, self.runtime)
        else:
            response = self._audited(request)
        return response(environ, start_response)

    def _audited(self, request):
        runtime = self.runtime.generation()
        record = {"seq": runtime.audit.next_seq(), "method": request.method, "path": request.path,
                  "query": redact_query(request.args) if request.query_string else {},
                  "headers": safe_headers(request.headers), "caller": None, "auth": "none", "status": None,
                  "fault": None}
        try:
            response = self._respond(request, runtime, runtime.switches, record)
            record["status"] = response.status_code
            return response
        finally:
            runtime.audit.add_request(record)

    @staticmethod
    def _respond(request, runtime, switches, record):
        canned = runtime.canned.take(request.method, request.path)
        if canned is not None:
            record["fault"] = "injected"
            if canned.trickle:
                request.environ[TRICKLE_KEY] = canned.trickle
            return ApiResponse(canned.status, canned.body, canned.headers)
        is_token = request.path == oauth.TOKEN_PATH
        if not is_token and not api.is_api_path(request.path, switches.api_path):
            return error_response(errors.ApiError(404, errors.NOT_FOUND, "Nothing at %s." % request.path))
        draw = NO_FAULT
        if not is_token or switches.fault_token:
            if switches.latency_ms:
                time.sleep(switches.latency_ms / 1000.0)
            draw = runtime.faults.draw(switches, api.changes_state(request))
        if draw.reset:
            record["fault"] = "reset"
            raise errors.AbortConnection("connection reset by fault injection")
        if draw.unavailable:
            record["fault"] = "503"
            response = error_response(errors.ApiError(503, errors.UNAVAILABLE, "The service is unavailable.",
                                                      {"Retry-After": str(switches.retry_after)}))
        elif is_token:
            response = oauth.issue_token(request, runtime, switches, record)
        else:
            response = api.handle(request, runtime, switches, record, draw.lose_response)
        if not is_token:
            response.add_header(PRODUCT_VERSION_HEADER, switches.product_version)
        return echo.echoed(response, request, switches)
