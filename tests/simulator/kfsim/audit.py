# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit that tests and benchmarks read: every API request, accepted signal and applied Stop, Restart, DELETE.

Entries never hold a password, a token or an Authorization header: requests record the caller's
identity, the query string and the headers without the ones that carry credentials (request bodies,
where secrets travel, are not recorded).
"""

import re
import threading

# Query parameters whose values are replaced, in case a client puts a secret in the URL.
SECRET_PARAMETERS = frozenset(("password", "client_secret", "access_token", "token", "refresh_token"))
# Headers left out of the audit: credentials, and anything named like one (an API gateway key...).
SECRET_HEADER = re.compile(r"authorization|cookie|token|secret|password|credential|api-?key", re.IGNORECASE)


def redact_query(args):
    return {name: ("<redacted>" if name.lower() in SECRET_PARAMETERS else value) for name, value in args.items()}


def safe_headers(headers):
    return {name: value for name, value in headers.items() if not SECRET_HEADER.search(name)}


class AuditLog:
    """Request and signal entries share one sequence, so ``since`` works across both lists.

    A request's ``seq`` is taken when it arrives and the entry is added when it completes; a signal
    entry names its request by ``request_seq``.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._seq = 0
        self._requests = []
        self._signals = []
        self._operations = []

    def next_seq(self):
        with self._lock:
            self._seq += 1
            return self._seq

    def add_request(self, entry):
        with self._lock:
            self._requests.append(entry)

    def add_signal(self, request_seq, instance_id, signal_key, caller, data, counted):
        seq = self.next_seq()
        entry = {"seq": seq, "request_seq": request_seq, "instance_id": instance_id, "signal_key": signal_key,
                 "caller": caller, "data": data, "counted": counted}
        with self._lock:
            self._signals.append(entry)

    def add_operation(self, request_seq, operation, instance_id, caller, status_before, version=None,
                      new_instance_id=None):
        """A Stop, Restart or DELETE the simulator applied (whether or not its answer reached the client)."""
        seq = self.next_seq()
        entry = {"seq": seq, "request_seq": request_seq, "operation": operation, "instance_id": instance_id,
                 "caller": caller, "status_before": status_before, "version": version,
                 "new_instance_id": new_instance_id}
        with self._lock:
            self._operations.append(entry)

    def snapshot(self, since=0):
        with self._lock:
            return {
                "requests": [entry for entry in self._requests if entry["seq"] > since],
                "signals": [entry for entry in self._signals if entry["seq"] > since],
                "operations": [entry for entry in self._operations if entry["seq"] > since],
                "last_seq": self._seq,
            }
