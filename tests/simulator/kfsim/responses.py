# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Responses: compact JSON (as ASP.NET sends it) with Content-Length, and empty 204s.

A minimal WSGI response instead of werkzeug's Response: the simulator's responses are always fully
buffered bytes, and skipping werkzeug's header post-processing cuts about a fifth of the time per
request, which benchmarks would otherwise measure instead of the collection.
"""

import http
import json

JSON_TYPE = "application/json; charset=utf-8"
NO_BODY_STATUSES = (204, 304)
_STATUS_LINES = {status.value: "%d %s" % (status.value, status.phrase) for status in http.HTTPStatus}


class ApiResponse:
    """A status, a list of (name, value) headers and a body; a WSGI application for one request."""

    __slots__ = ("status_code", "headers", "body")

    def __init__(self, status_code, body=b"", headers=None, content_type=None):
        self.status_code = status_code
        self.body = body
        self.headers = list(headers.items()) if isinstance(headers, dict) else list(headers or ())
        if content_type:
            self.headers.append(("Content-Type", content_type))

    def add_header(self, name, value):
        self.headers.append((name, value))

    def __call__(self, environ, start_response):
        headers = self.headers
        if self.status_code not in NO_BODY_STATUSES:
            headers = headers + [("Content-Length", str(len(self.body)))]
        start_response(_STATUS_LINES.get(self.status_code, "%d Status" % self.status_code), headers)
        return [self.body] if self.body and environ["REQUEST_METHOD"] != "HEAD" else []


def json_response(data, status=200, headers=None):
    return ApiResponse(status, json.dumps(data, separators=(",", ":")).encode("utf-8"), headers, JSON_TYPE)


def error_response(error):
    """The response for a kfsim.errors.ApiError."""
    return json_response(error.body(), error.status, error.headers)


def no_content():
    return ApiResponse(204)


# The answers the signal_answer switch chooses from: (status, body, content type). 429 and 503 come with Retry-After.
SIGNAL_ANSWERS = {
    "204": (204, b"", None),
    "200-empty": (200, b"", None),
    "200-html": (200, b"<html><body><h1>OK</h1><p>Your request was processed.</p></body></html>", "text/html"),
    "200-text": (200, b"Signal received.", "text/plain; charset=utf-8"),
    "200-json": (200, b"true", JSON_TYPE),
    "202-empty": (202, b"", None),
    "429": (429, b"<html><body>Too many requests</body></html>", "text/html"),
    "503": (503, b"<html><body>Service unavailable</body></html>", "text/html"),
}


def _answer(choice, switches):
    status, body, content_type = SIGNAL_ANSWERS[choice]
    headers = {"Retry-After": str(switches.retry_after)} if status >= 400 else None
    return ApiResponse(status, body, headers, content_type)


def signal_answer(switches):
    """The answer to an applied signal: 204 by default, a success with an odd body, or what a gateway says when busy."""
    return _answer(switches.signal_answer, switches)


def lifecycle_answer(switches):
    """The answer to an applied Stop, Restart or DELETE: 204 by default, or what a gateway says when busy."""
    return _answer(switches.lifecycle_answer, switches)
