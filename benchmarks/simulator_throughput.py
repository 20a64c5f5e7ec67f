# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How many sequential GETs per second the simulator answers over one keep-alive HTTPS requests.Session.

Starts its own simulator with the bench scenario (10,018 instances) and measures, in rounds of a
fixed duration:

- a single-instance GET (GET /Workflow/Instances/{id}), the target being >= 1,000 per second;
- a 100-item list page (GET /Workflow/Instances?ReturnLimit=100&PageReturned=N, default sort over
  all instances).

Each is measured with ``Session.get`` (what a client does), with ``Session.send`` of a request
prepared once (which leaves out part of requests' own per-call work), and with the standard
library's ``http.client`` on one keep-alive connection, the lightest client: the last shows how much
the simulator can answer, the difference how much of each request is the client's. Usage::

    python benchmarks/simulator_throughput.py [--seconds 3] [--rounds 3] [--require 1000]
"""

import argparse
import base64
import http.client
import os
import platform
import ssl
import statistics
import sys
import time
import urllib.parse

import requests
from kfsim.scenario import BUNDLED_DIR, generated_instance_id
from kfsim.testing import run_simulator

PAGES = 100  # the bench scenario has 10,018 instances: 100 full pages of 100


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one measured round (default 3)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per case; the median is reported (default 3)")
    parser.add_argument("--require", type=float, metavar="RATE",
                        help="exit 1 unless the single-instance Session.get median reaches RATE per second")
    return parser.parse_args()


def measure(send_one, seconds):
    """Call ``send_one(i)`` (which returns the HTTP status) until ``seconds`` have passed; return requests per second."""
    count = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        status = send_one(count)
        if status != 200:
            raise RuntimeError("unexpected status %s" % status)
        count += 1
    return count / (time.perf_counter() - started)


def http_client_get(simulator):
    """A GET function over one keep-alive http.client connection that verifies the simulator's CA."""
    connection = http.client.HTTPSConnection(
        "127.0.0.1", simulator.port, context=ssl.create_default_context(cafile=simulator.ca_cert))
    login, password = simulator.basic_auth("approver1")
    headers = {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (login, password)).encode()).decode(),
               "X-Keyfactor-Requested-With": "APIClient"}

    def get(url):
        connection.request("GET", urllib.parse.urlsplit(url)._replace(scheme="", netloc="").geturl(), headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    return get


def cases(simulator, session):
    instance_url = "%s/Workflow/Instances/%s" % (simulator.api_url, generated_instance_id(0, 1))
    page_urls = ["%s/Workflow/Instances?ReturnLimit=100&PageReturned=%d" % (simulator.api_url, page + 1)
                 for page in range(PAGES)]
    prepared_instance = session.prepare_request(requests.Request("GET", instance_url))
    prepared_pages = [session.prepare_request(requests.Request("GET", url)) for url in page_urls]
    plain_get = http_client_get(simulator)
    return [
        ("single instance", "Session.get", lambda i: session.get(instance_url).status_code),
        ("single instance", "Session.send", lambda i: session.send(prepared_instance).status_code),
        ("single instance", "http.client", lambda i: plain_get(instance_url)),
        ("100-item page", "Session.get", lambda i: session.get(page_urls[i % PAGES]).status_code),
        ("100-item page", "Session.send", lambda i: session.send(prepared_pages[i % PAGES]).status_code),
        ("100-item page", "http.client", lambda i: plain_get(page_urls[i % PAGES])),
    ]


def main():
    arguments = parse_arguments()
    print("python %s on %s, %d CPUs, load average %s" % (
        platform.python_version(), platform.machine(), os.cpu_count(), " ".join("%.2f" % v for v in os.getloadavg())))
    results = []
    with run_simulator("--scenario", str(BUNDLED_DIR / "bench.yaml")) as simulator:
        with simulator.session("approver1") as session:  # one keep-alive HTTPS connection, verified against the CA
            for endpoint, client, send_one in cases(simulator, session):
                measure(send_one, 0.5)  # warm up the connection and caches
                rates = [measure(send_one, arguments.seconds) for _round in range(arguments.rounds)]
                results.append((endpoint, client, statistics.median(rates), min(rates), max(rates)))
    print("%-16s %-13s %10s %10s %10s %12s" % ("GET", "client", "median/s", "min/s", "max/s", "median ms"))
    for endpoint, client, median, low, high in results:
        print("%-16s %-13s %10.0f %10.0f %10.0f %12.2f" % (endpoint, client, median, low, high, 1000.0 / median))
    if arguments.require is not None and results[0][2] < arguments.require:
        print("single-instance Session.get median %.0f/s is below the required %.0f/s" % (results[0][2], arguments.require))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
