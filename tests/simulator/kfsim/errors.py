# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""API errors and the simulator's ErrorCode values.

The reference (section 7) confirms only the body shape ``{"ErrorCode": "0x...", "Message": "..."}``;
the codes below are the simulator's own and are listed in the README.
"""

INVALID_REQUEST = "0xA5100001"
QUERY_SYNTAX = "0xA5100002"
NOT_FOUND = "0xA5100003"
INVALID_STATE = "0xA5100004"
INVALID_SIGNAL = "0xA5100005"
DUPLICATE_SIGNAL = "0xA5100006"
FORBIDDEN = "0xA5100007"
MISSING_REQUESTED_WITH = "0xA5100008"
UNAVAILABLE = "0xA5100009"
UNSUPPORTED_MEDIA_TYPE = "0xA510000A"
METHOD_NOT_ALLOWED = "0xA510000B"
INTERNAL = "0xA510000C"


class ApiError(Exception):
    """An error answered with an error body."""

    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self):
        return {"ErrorCode": self.code, "Message": self.message}


def bad_request(message, code=INVALID_REQUEST):
    return ApiError(400, code, message)


def not_found(kind, identifier, switches):
    """Unknown id: 404 by default; 400 with the same "not found" message when the switch says so."""
    return ApiError(switches.unknown_id_status, NOT_FOUND, "%s with ID '%s' was not found." % (kind, identifier))


class AbortConnection(ConnectionError):
    """Raised by the application to make the server reset the connection instead of answering."""
