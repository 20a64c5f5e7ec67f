# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP layer: keep-alive, request bodies (length, chunked, too large) and real connection resets."""

import base64
import http.client
import json
import socket
import ssl

import pytest

from kfsim.testing import default_instance_id

AUTH = "Basic " + base64.b64encode(b"KEYEXAMPLE\\approver1:S3cret-approver1!").decode()
HEADERS = "Host: 127.0.0.1\r\nAuthorization: %s\r\nX-Keyfactor-Requested-With: APIClient\r\n" % AUTH


def tls_socket(simulator):
    context = ssl.create_default_context(cafile=simulator.ca_cert)
    return context.wrap_socket(socket.create_connection(("127.0.0.1", simulator.port), timeout=10),
                               server_hostname="127.0.0.1")


def exchange(simulator, raw_requests):
    """Send raw request bytes in one write and read until the server closes; return everything it sent."""
    with tls_socket(simulator) as connection:
        connection.sendall(raw_requests)
        received = b""
        while True:
            chunk = connection.recv(65536)
            if not chunk:
                return received
            received += chunk


def test_connections_stay_open_between_requests(simulator):
    connection = http.client.HTTPSConnection("127.0.0.1", simulator.port,
                                             context=ssl.create_default_context(cafile=simulator.ca_cert))
    connection.connect()
    first_socket = connection.sock
    for _attempt in range(5):
        connection.request("GET", "/KeyfactorAPI/Status/Endpoints",
                           headers={"Authorization": AUTH, "X-Keyfactor-Requested-With": "APIClient"})
        response = connection.getresponse()
        response.read()
        assert response.status == 200
        assert not response.will_close
        assert response.getheader("Content-Length")
    assert connection.sock is first_socket
    connection.close()


def test_pipelined_requests_after_a_body_are_answered_in_order(simulator):
    body = json.dumps({"SignalKey": "RequireApproval1.ApprovalStatus", "Data": {"Approved": True}}).encode()
    signal = ("POST /KeyfactorAPI/Workflow/Instances/%s/Signals HTTP/1.1\r\n%sContent-Type: application/json\r\n"
              "Content-Length: %d\r\n\r\n" % (default_instance_id(1), HEADERS, len(body))).encode() + body
    read = ("GET /KeyfactorAPI/Workflow/Instances/%s HTTP/1.1\r\n%sConnection: close\r\n\r\n"
            % (default_instance_id(1), HEADERS)).encode()
    received = exchange(simulator, signal + read)
    first, second = received.split(b"HTTP/1.1 ")[1:]
    assert first.startswith(b"204 ")
    assert second.startswith(b"200 ")
    assert b'"Status":"Complete"' in second


def test_a_chunked_body_is_read_whole(simulator):
    body = json.dumps({"SignalKey": "RequireApproval1.ApprovalStatus", "Data": {"Approved": True}}).encode()
    with simulator.session("approver1") as session:
        response = session.post("%s/Workflow/Instances/%s/Signals" % (simulator.api_url, default_instance_id(1)),
                                data=iter([body[:10], body[10:]]), headers={"Content-Type": "application/json"},
                                timeout=10)
        assert response.status_code == 204
        assert session.get("%s/Workflow/Instances/%s" % (simulator.api_url, default_instance_id(1)),
                           timeout=10).json()["Status"] == "Complete"


@pytest.mark.parametrize("length, status", [("20000000", b"413 "), ("abc", b"400 ")])
def test_bad_body_lengths_are_refused_and_the_connection_closed(simulator, length, status):
    request = ("POST /KeyfactorAPI/Workflow/Instances/%s/Signals HTTP/1.1\r\n%sContent-Type: application/json\r\n"
               "Content-Length: %s\r\n\r\n" % (default_instance_id(1), HEADERS, length)).encode()
    received = exchange(simulator, request)
    assert received.startswith(b"HTTP/1.1 " + status)
    assert b"Connection: close" in received


def test_a_reset_fault_sends_a_tcp_reset(simulator_factory):
    plain = simulator_factory("--http", "--fault-reset", "1")
    with socket.create_connection(("127.0.0.1", plain.port), timeout=10) as connection:
        connection.sendall(("GET /KeyfactorAPI/Status/Endpoints HTTP/1.1\r\n%s\r\n" % HEADERS).encode())
        with pytest.raises(ConnectionResetError):
            connection.recv(65536)
