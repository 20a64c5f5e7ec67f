# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hostile servers on demand: paging ignored or capped, odd answers to signals, other key casing, nulls,
signals filtered by role, unknown status codes, and responses trickled byte by byte."""

import socket
import ssl
import time
from urllib.parse import urlsplit

import pytest

from kfsim.testing import default_instance_id

INSTANCES = "/Workflow/Instances"
APPROVE = {"SignalKey": "RequireApproval1.ApprovalStatus", "Data": {"Approved": True}}


def get(simulator, path, user="approver1", **params):
    with simulator.session(user) as session:
        return session.get(simulator.api_url + path, params=params, timeout=10)


def ids(response):
    return [item["Id"] for item in response.json()]


# --- paging --------------------------------------------------------------------------------------------------

def test_ignore_page_returned_answers_the_first_page_every_time(simulator):
    first = ids(get(simulator, INSTANCES, PageReturned=1, ReturnLimit=5))
    simulator.configure(ignore_page_returned=True)
    assert ids(get(simulator, INSTANCES, PageReturned=2, ReturnLimit=5)) == first
    assert ids(get(simulator, INSTANCES, PageReturned=3, ReturnLimit=5)) == first


def test_ignore_return_limit_answers_every_match_on_every_page(simulator):
    simulator.configure(ignore_return_limit=True)
    assert len(ids(get(simulator, INSTANCES, PageReturned=1, ReturnLimit=2))) == 18
    assert len(ids(get(simulator, INSTANCES, PageReturned=4, ReturnLimit=2))) == 18


def test_max_return_limit_caps_pages_and_pages_by_the_capped_size(simulator):
    everything = ids(get(simulator, INSTANCES, ReturnLimit=100, SortField="ReferenceId"))
    simulator.configure(max_return_limit=5)
    first = get(simulator, INSTANCES, PageReturned=1, ReturnLimit=100, SortField="ReferenceId")
    second = get(simulator, INSTANCES, PageReturned=2, ReturnLimit=100, SortField="ReferenceId")
    assert (ids(first), ids(second)) == (everything[:5], everything[5:10])
    assert first.headers["x-total-count"] == "18"
    assert ids(get(simulator, INSTANCES, PageReturned=2, ReturnLimit=3, SortField="ReferenceId")) == everything[3:6]


# --- answers to a signal --------------------------------------------------------------------------------------

@pytest.mark.parametrize("answer, status, body, retry_after", [
    ("204", 204, b"", None), ("200-empty", 200, b"", None), ("200-html", 200, b"<html>", None),
    ("200-text", 200, b"Signal received.", None), ("200-json", 200, b"true", None), ("202-empty", 202, b"", None),
    ("429", 429, b"<html>", "3"), ("503", 503, b"<html>", "3"),
])
def test_signal_answer_applies_the_signal_then_answers_as_asked(simulator, answer, status, body, retry_after):
    simulator.configure(signal_answer=answer, retry_after=3)
    with simulator.session("approver1") as session:
        response = session.post("%s%s/%s/Signals" % (simulator.api_url, INSTANCES, default_instance_id(1)),
                                json=APPROVE, timeout=10)
    assert (response.status_code, response.content[:len(body)], response.headers.get("Retry-After")) == (
        status, body, retry_after)
    assert [entry["counted"] for entry in simulator.audit()["signals"]] == [True]
    assert get(simulator, "%s/%s" % (INSTANCES, default_instance_id(1))).json()["Status"] == "Complete"


# --- shapes of instance bodies ----------------------------------------------------------------------------------

def test_camel_case_keys_for_the_instance_its_definition_and_signals_not_free_form_data(simulator):
    simulator.configure(key_case="camel")
    detail = get(simulator, "%s/%s" % (INSTANCES, default_instance_id(15))).json()
    assert {"id", "status", "currentStepUniqueName", "definition", "signals", "initialData",
            "currentStateData"} <= set(detail)
    assert set(detail["definition"]) == {"id", "displayName", "version", "workflowType"}
    assert "RenewedCertId" in detail["currentStateData"]  # free-form data keeps its keys
    listed = get(simulator, INSTANCES, ReturnLimit=1).json()[0]
    assert "currentStepUniqueName" in listed and "CurrentStepUniqueName" not in listed
    waiting = get(simulator, "%s/%s" % (INSTANCES, default_instance_id(1))).json()
    assert set(waiting["signals"][0]) == {"signalName", "stepSignalId", "signalReceived"}


def test_camel_case_keys_for_a_definition_its_steps_and_their_signals_not_free_form_maps(simulator):
    simulator.configure(key_case="camel")
    body = get(simulator, "/Workflow/Definitions/d1000000-0000-4000-8000-000000000001").json()
    assert {"id", "displayName", "steps", "publishedVersion"} <= set(body)
    approval = next(step for step in body["steps"] if step["uniqueName"] == "RequireApproval1")
    assert approval["signals"] == [{"roleIds": [3], "signalName": "ApprovalStatus"}]
    assert approval["outputs"] == {"continue": "Enroll"}


def test_null_and_omitted_fields_in_lists_and_details(simulator):
    simulator.configure(null_fields="CurrentStepUniqueName,Definition.Version,Signals", omit_fields="Status,Title")
    for body in (get(simulator, "%s/%s" % (INSTANCES, default_instance_id(1))).json(),
                 get(simulator, INSTANCES, ReturnLimit=1).json()[0]):
        assert body["CurrentStepUniqueName"] is None and body["Definition"]["Version"] is None
        assert "Status" not in body and "Title" not in body and body["Definition"]["Id"]
    assert get(simulator, "%s/%s" % (INSTANCES, default_instance_id(1))).json()["Signals"] is None


@pytest.mark.parametrize("visibility, secadmin_sees", [
    ("all", ["ApprovalStatus"]), ("roles", []), ("roles-null", None)])
def test_signal_visibility_filters_signals_by_the_callers_roles(simulator, visibility, secadmin_sees):
    simulator.configure(signal_visibility=visibility)
    path = "%s/%s" % (INSTANCES, default_instance_id(1))
    signals = get(simulator, path, user="secadmin").json()["Signals"]
    assert (signals if signals is None else [signal["SignalName"] for signal in signals]) == secadmin_sees
    assert [signal["SignalName"] for signal in get(simulator, path).json()["Signals"]] == ["ApprovalStatus"]


def test_status_codes_replace_the_provisional_integers(simulator):
    simulator.configure(status_format="int", status_codes="Suspended=7")
    assert get(simulator, "%s/%s" % (INSTANCES, default_instance_id(1))).json()["Status"] == 7
    assert get(simulator, "%s/%s" % (INSTANCES, default_instance_id(10))).json()["Status"] == 3
    simulator.configure(status_format="name")
    assert get(simulator, "%s/%s" % (INSTANCES, default_instance_id(1))).json()["Status"] == "Suspended"


# --- trickled responses ---------------------------------------------------------------------------------------

def raw_exchange(simulator, path):
    """Send one GET over a bare TLS socket: (seconds from sending until the headers were complete, total, bytes)."""
    host, port = urlsplit(simulator.url).hostname, urlsplit(simulator.url).port
    context = ssl.create_default_context(cafile=simulator.ca_cert)
    with socket.create_connection((host, port), timeout=10) as plain:
        with context.wrap_socket(plain, server_hostname=host) as sock:
            started = time.monotonic()
            sock.sendall(b"GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (path.encode(), host.encode()))
            headers_done, received = None, b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
                if headers_done is None and b"\r\n\r\n" in received:
                    headers_done = time.monotonic() - started
    return headers_done, time.monotonic() - started, received


@pytest.mark.parametrize("after_headers", [False, True])
def test_inject_trickle_sends_the_response_byte_by_byte(simulator, after_headers):
    interval = 0.005
    simulator.inject(method="GET", path="/trickled$", status=200, body="0123456789", trickle_ms=interval * 1000,
                     trickle_after_headers=after_headers, times=1)
    headers_done, total, received = raw_exchange(simulator, "/trickled")
    head, _sep, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and body == b"0123456789"
    assert total >= (len(body) if after_headers else len(received)) * interval  # every trickled byte waited
    assert (headers_done < len(head) * interval) is after_headers  # the headers came at once only when asked
