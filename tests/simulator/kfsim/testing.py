# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start and drive a simulator process from tests, benchmarks and the demo.

``run_simulator(*cli_args)`` is a context manager yielding a ``Simulator`` handle; pytest fixtures in
tests/unit/conftest.py wrap it. Requests made through ``Simulator.session`` trust exactly the
simulator's CA: ``trust_env`` is off, so REQUESTS_CA_BUNDLE and proxy variables do not interfere.
"""

import contextlib
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import requests

from kfsim.scenario import DEFAULT_SCENARIO, read_scenario

SIMULATOR_DIR = pathlib.Path(__file__).resolve().parent.parent
START_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 10
REQUESTED_WITH = {"X-Keyfactor-Requested-With": "APIClient"}


def default_instance_id(number):
    """GUID of instance ``number`` (1-18) of the default scenario: ``c0ffee00-0000-4000-8000-0000000000NN``."""
    return "c0ffee00-0000-4000-8000-%012d" % number


def default_definition_id(number):
    """GUID of definition ``number`` (1-6) of the default scenario: ``dN000000-0000-4000-8000-00000000000N``."""
    return "d%d000000-0000-4000-8000-%012d" % (number, number)


class SimulatorError(RuntimeError):
    """The simulator process failed to start or a control call failed."""


class Simulator:
    """A running simulator process and its connection details (the ready file's fields)."""

    def __init__(self, process, details, workdir, scenario):
        self.process = process
        self.details = details
        self.workdir = workdir
        self.url = details["url"]
        self.host = details["host"]
        self.port = details["port"]
        self.api_url = details["api_url"]
        self.ca_cert = details["ca_cert"]
        self.token_url = details["token_url"]
        self.control_url = details["control_url"]
        self.pid = details["pid"]
        self.client_cert = details.get("client_cert")
        self.client_key = details.get("client_key")
        self.proxy_url = details.get("proxy_url")  # with --proxy-credentials
        self.scenario = scenario  # the raw scenario in force, for the credential helpers
        self._startup_scenario = scenario
        self._control_session = None  # one keep-alive connection for control calls

    # -------------------------------------------------------------------------------- requests

    @property
    def verify(self):
        """What ``requests`` should verify against: the throw-away CA (True over plain HTTP)."""
        return self.ca_cert or True

    def session(self, user=None, client=None):
        """A keep-alive ``requests.Session`` that trusts the simulator's CA and sends the Keyfactor headers.

        ``user`` logs in with Basic (``DOMAIN\\user``); ``client`` fetches a bearer token for an OAuth client.
        """
        session = requests.Session()
        session.trust_env = False
        session.verify = self.verify
        if self.client_cert:
            session.cert = (self.client_cert, self.client_key)
        session.headers.update(REQUESTED_WITH)
        if user is not None:
            session.auth = self.basic_auth(user)
        if client is not None:
            session.headers["Authorization"] = "Bearer " + self.token(client)
        return session

    def _control(self, method, path, body=None):
        if self._control_session is None:
            self._control_session = self.session()
        response = self._control_session.request(method, self.control_url + path, json=body, timeout=30)
        if response.status_code != 200:
            raise SimulatorError("%s %s failed: %s %s" % (method, path, response.status_code, response.text))
        return response.json()

    # -------------------------------------------------------------------------------- control API

    def reset(self):
        """Reload the startup scenario and switches; clear tokens, audit and canned responses."""
        self.scenario = self._startup_scenario
        return self._control("POST", "/reset", {})

    def load(self, scenario):
        """Load a scenario: a mapping (``extends`` resolves against the bundled scenarios) or a file path."""
        if isinstance(scenario, dict):
            self.scenario = read_scenario(scenario)
            return self._control("POST", "/reset", {"scenario": scenario})
        path = str(pathlib.Path(scenario).resolve())
        self.scenario = read_scenario(path)
        return self._control("POST", "/reset", {"scenario_file": path})

    def configure(self, **switches):
        """Change switches (names as in ``python -m kfsim --help``, with underscores); returns them all."""
        return self._control("POST", "/config", switches)

    def audit(self, since=0):
        return self._control("GET", "/audit?since=%d" % since)

    def inject(self, **spec):
        """Canned responses for the next matching requests: method, path (regex), status, body, headers, times..."""
        return self._control("POST", "/inject", spec)

    def expire_tokens(self):
        return self._control("POST", "/tokens/expire")["expired"]

    # -------------------------------------------------------------------------------- credentials

    def user(self, name):
        """Credentials of a scenario user: dict(username, password, domain)."""
        domain = self.scenario.get("domain") or "KEYEXAMPLE"
        for entry in self.scenario.get("users") or []:
            if entry["name"] == name:
                return {"username": name, "password": entry["password"], "domain": entry.get("domain") or domain}
        raise KeyError("no user %r in the loaded scenario" % name)

    def login(self, name):
        user = self.user(name)
        return "%s\\%s" % (user["domain"], user["username"])

    def basic_auth(self, name):
        """(``DOMAIN\\user``, password) for ``requests``' ``auth=``."""
        return (self.login(name), self.user(name)["password"])

    def client(self, client_id):
        """Credentials of a scenario OAuth client: dict(client_id, client_secret, token_url)."""
        for entry in self.scenario.get("oauth_clients") or []:
            if entry["client_id"] == client_id:
                return {"client_id": client_id, "client_secret": entry["client_secret"], "token_url": self.token_url}
        raise KeyError("no OAuth client %r in the loaded scenario" % client_id)

    def token(self, client_id):
        """A fresh bearer token for a scenario OAuth client."""
        credentials = self.client(client_id)
        with self.session() as session:
            response = session.post(self.token_url, timeout=30, data={
                "grant_type": "client_credentials", "client_id": client_id,
                "client_secret": credentials["client_secret"]})
        response.raise_for_status()
        return response.json()["access_token"]

    # -------------------------------------------------------------------------------- lifecycle

    def stop(self, timeout=STOP_TIMEOUT_SECONDS):
        """SIGTERM the process and wait; return its exit code. Removes the handle's work directory."""
        if self._control_session is not None:
            self._control_session.close()
        try:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
                    raise SimulatorError("the simulator did not stop within %s s of SIGTERM" % timeout) from None
            return self.process.returncode
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)

    @property
    def log(self):
        """What the process wrote to stdout and stderr so far."""
        return (pathlib.Path(self.workdir) / "simulator.log").read_text(encoding="utf-8", errors="replace")


def _scenario_argument(cli_args):
    args = list(cli_args)
    for index, arg in enumerate(args):
        if arg == "--scenario" and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--scenario="):
            return arg.split("=", 1)[1]
    return str(DEFAULT_SCENARIO)


def start_simulator(*cli_args, python=sys.executable, timeout=START_TIMEOUT_SECONDS):
    """Start ``python -m kfsim`` with ``cli_args`` and wait until it listens.

    ``--ready-file`` and ``--exit-with-parent`` are added: the simulator stops by itself if this process
    dies without calling ``Simulator.stop``.
    """
    workdir = tempfile.mkdtemp(prefix="kfsim-run-")
    ready_file = os.path.join(workdir, "ready.json")
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SIMULATOR_DIR), environment.get("PYTHONPATH")]))
    with open(os.path.join(workdir, "simulator.log"), "wb") as log:
        process = subprocess.Popen(  # pylint: disable=consider-using-with  # stopped by Simulator.stop
            [python, "-m", "kfsim", *cli_args, "--ready-file", ready_file, "--exit-with-parent"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=environment)
    deadline = time.monotonic() + timeout
    while not os.path.exists(ready_file):
        if process.poll() is not None or time.monotonic() > deadline:
            if process.poll() is None:
                process.kill()
            process.wait()
            output = pathlib.Path(workdir, "simulator.log").read_text(encoding="utf-8", errors="replace")
            shutil.rmtree(workdir, ignore_errors=True)
            raise SimulatorError("the simulator did not start (exit code %s):\n%s" % (process.returncode, output))
        time.sleep(0.02)
    with open(ready_file, encoding="utf-8") as handle:
        details = json.load(handle)
    return Simulator(process, details, workdir, read_scenario(_scenario_argument(cli_args)))


@contextlib.contextmanager
def run_simulator(*cli_args, **options):
    """``with run_simulator("--http") as sim: ...``: a simulator for the duration of the block."""
    simulator = start_simulator(*cli_args, **options)
    try:
        yield simulator
    finally:
        simulator.stop()


class SharedSimulator:
    """One default simulator per test process, started on first use and stopped by ``close()``.

    ``ansible-test units`` runs every test in a fork of the pytest (xdist worker) process, and a fork
    exits without tearing down session fixtures. So the simulator must be started in the worker
    itself, before the fork (conftest.py does that from a ``pytest_runtest_protocol`` hook wrapper),
    and the worker must never open connections to it that a fork would inherit: ``get()`` only starts
    the process; each test (fork) talks to it over connections of its own.
    """

    def __init__(self):
        self._simulator = None
        self._owner = None

    def get(self):
        if self._simulator is None:
            self._simulator = start_simulator()
            self._owner = os.getpid()
        return self._simulator

    def close(self):
        """Stop the simulator; only in the process that started it (a fork's exit must not stop it)."""
        if self._simulator is not None and os.getpid() == self._owner:
            self._simulator.stop()
            self._simulator = None


class SimulatorFactory:
    """Starts dedicated simulators with given CLI switches; ``close()`` stops them all."""

    def __init__(self):
        self._running = []

    def __call__(self, *cli_args, **options):
        simulator = start_simulator(*cli_args, **options)
        self._running.append(simulator)
        return simulator

    def close(self):
        while self._running:
            self._running.pop().stop()
