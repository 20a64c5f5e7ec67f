# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault injection: seeded random faults and canned responses for the next matching requests."""

import random
import re
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class FaultDraw:
    reset: bool = False
    unavailable: bool = False
    lose_response: bool = False


NO_FAULT = FaultDraw()


class FaultInjector:
    """Draws faults from one seeded RNG, in arrival order, so a sequential run is reproducible.

    One number is drawn per nonzero rate, always in the same order (reset, 503, lost response), and only
    state-changing requests (signals, Stop, Restart, DELETE) draw for the lost response.
    """

    def __init__(self, seed):
        self._lock = threading.Lock()
        self._rng = random.Random(seed)

    def reseed(self, seed):
        with self._lock:
            self._rng = random.Random(seed)

    def draw(self, switches, changes_state):
        rates = (switches.fault_reset, switches.fault_503, switches.fault_lost_response if changes_state else 0.0)
        if not any(rates):
            return NO_FAULT
        with self._lock:
            hits = [rate > 0 and self._rng.random() < rate for rate in rates]
        return FaultDraw(*hits)


@dataclass
class CannedResponse:
    method: str
    path: re.Pattern
    status: int
    body: bytes
    headers: dict
    remaining: int
    trickle: object = None  # (seconds between bytes, whether the status line and headers go at once)


def canned_response(spec):
    """Build a CannedResponse from a /_sim/inject body; ValueError names what is wrong."""
    if not isinstance(spec, dict) or "path" not in spec:
        raise ValueError("inject needs a JSON object with at least 'path' (a regular expression)")
    try:
        path = re.compile(str(spec["path"]))
    except re.error as error:
        raise ValueError("path is not a valid regular expression: %s" % error) from None
    body = spec.get("body", "")
    if not isinstance(body, str):
        raise ValueError("body must be a string (send invalid JSON or HTML as it should appear)")
    headers = {str(name): str(value) for name, value in (spec.get("headers") or {}).items()}
    if not any(name.lower() == "content-type" for name in headers):
        headers["Content-Type"] = "application/json; charset=utf-8"
    times = int(spec.get("times", 1))
    status = int(spec.get("status", 500))
    if times < 1 or not 100 <= status <= 599:
        raise ValueError("times must be >= 1 and status a valid HTTP status")
    trickle_ms = float(spec.get("trickle_ms", 0))
    if trickle_ms < 0:
        raise ValueError("trickle_ms must be >= 0")
    trickle = (trickle_ms / 1000.0, bool(spec.get("trickle_after_headers", False))) if trickle_ms else None
    return CannedResponse(str(spec.get("method", "GET")).upper(), path, status,
                          body.encode("utf-8") * int(spec.get("repeat_body", 1)), headers, times, trickle)


class CannedResponses:
    """Canned responses for the next N requests whose method and path (re.search) match."""

    def __init__(self):
        self._lock = threading.Lock()
        self._items = []

    def add(self, response):
        with self._lock:
            self._items.append(response)

    def take(self, method, path):
        with self._lock:
            for item in self._items:
                if item.method in (method, "*") and item.path.search(path):
                    item.remaining -= 1
                    if item.remaining == 0:
                        self._items.remove(item)
                    return item
        return None
