# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The process: one command to start, the ready file, CLI switches, and a clean exit on SIGTERM/SIGINT."""

import json
import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from kfsim.testing import SIMULATOR_DIR, SimulatorError


def test_ready_file_and_stdout_describe_the_running_server(simulator):
    details = simulator.details
    assert set(details) == {"url", "host", "port", "api_url", "ca_cert", "token_url", "control_url", "pid"}
    assert details["url"] == "https://127.0.0.1:%d" % details["port"]
    assert details["host"] == "127.0.0.1:%d" % details["port"]
    assert details["api_url"] == details["url"] + "/KeyfactorAPI"
    assert details["token_url"] == details["url"] + "/realms/Keyfactor/protocol/openid-connect/token"
    assert details["control_url"] == details["url"] + "/_sim"
    assert details["pid"] == simulator.process.pid
    assert os.path.isfile(details["ca_cert"])
    assert simulator.log.splitlines()[0] == details["url"]


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_it_cleanly_and_removes_its_files(simulator_factory, signal_number):
    simulator = simulator_factory()
    cert_dir = os.path.dirname(simulator.ca_cert)
    ready_file = os.path.join(simulator.workdir, "ready.json")
    assert os.path.isdir(cert_dir) and os.path.isfile(ready_file)
    with simulator.session("approver1") as session:  # an idle keep-alive connection must not block the exit
        session.get(simulator.api_url + "/Status/Endpoints", timeout=10)
        simulator.process.send_signal(signal_number)
        assert simulator.process.wait(10) == 0
    assert not os.path.exists(cert_dir)
    assert not os.path.exists(ready_file)
    assert "Traceback" not in simulator.log


def test_a_given_cert_dir_is_kept_with_private_keys_readable_only_by_the_owner(simulator_factory, tmp_path):
    simulator = simulator_factory("--cert-dir", str(tmp_path / "certs"), "--require-client-cert")
    assert simulator.stop() == 0
    names = sorted(os.listdir(tmp_path / "certs"))
    assert names == ["ca.pem", "client-key.pem", "client.pem", "server-key.pem", "server.pem"]
    for key in ("client-key.pem", "server-key.pem"):
        assert stat.S_IMODE(os.stat(tmp_path / "certs" / key).st_mode) == 0o600


def test_cli_switches_set_the_startup_configuration_that_reset_restores(simulator_factory):
    simulator = simulator_factory(
        "--status-format", "int", "--total-count", "off", "--signal-received", "per-step", "--repeat-signal", "ignore",
        "--unknown-id-status", "400", "--require-requested-with", "off", "--advance-delay", "0.5",
        "--token-lifetime", "60", "--fault-503", "0.1", "--retry-after", "2", "--fault-reset", "0.05",
        "--fault-lost-response", "0.2", "--latency-ms", "1", "--seed", "42", "--fault-token", "on",
        "--product-version", "11.0.1", "--api-path", "Keyfactor/API", "--generate", "7", "--ignore-page-returned", "on",
        "--ignore-return-limit", "on", "--max-return-limit", "5", "--signal-answer", "200-html", "--key-case", "camel",
        "--null-fields", "Title,Definition.DisplayName", "--omit-fields", "StatusMessage",
        "--signal-visibility", "roles", "--status-codes", "Suspended=7", "--lifecycle-answer", "503",
        "--stop-status", "Complete", "--delete-refuses", "active",
        "--echo-credentials", "json", "--echo-pad", "3", "--proxy-refuse", "on")
    expected = {"api_path": "Keyfactor/API", "status_format": "int", "total_count": False, "signal_received": "per-step",
                "repeat_signal": "ignore", "unknown_id_status": 400, "require_requested_with": False,
                "advance_delay": 0.5, "token_lifetime": 60.0, "fault_503": 0.1, "retry_after": 2, "fault_reset": 0.05,
                "fault_lost_response": 0.2, "latency_ms": 1.0, "seed": 42, "fault_token": True,
                "product_version": "11.0.1", "ignore_page_returned": True, "ignore_return_limit": True,
                "max_return_limit": 5, "signal_answer": "200-html", "key_case": "camel",
                "null_fields": ["Title", "Definition.DisplayName"], "omit_fields": ["StatusMessage"],
                "signal_visibility": "roles", "status_codes": [["Suspended", 7]], "lifecycle_answer": "503",
                "stop_status": "Complete", "delete_refuses": "active",
                "echo_credentials": "json", "echo_pad": 3, "proxy_refuse": True}
    assert simulator.configure() == expected
    assert simulator.api_url.endswith("/Keyfactor/API")
    simulator.configure(status_format="name", fault_503=0)
    summary = simulator.reset()
    assert summary["switches"] == expected
    assert summary["instances"] == 18 + 7


def run_cli(*args):
    environment = dict(os.environ, PYTHONPATH=str(SIMULATOR_DIR))
    return subprocess.run([sys.executable, "-m", "kfsim", *args], env=environment, capture_output=True, text=True,
                          timeout=60, check=False)


def test_bad_switch_values_stop_the_cli_with_a_usage_error():
    result = run_cli("--fault-503", "1.5")
    assert result.returncode == 2
    assert "fault_503: expected a share between 0 and 1" in result.stderr


def test_help_lists_every_switch():
    result = run_cli("--help")
    assert result.returncode == 0
    for flag in ("--scenario", "--generate", "--ready-file", "--http", "--cert-dir", "--require-client-cert",
                 "--status-format", "--fault-lost-response", "--seed", "--fault-token"):
        assert flag in result.stdout


def test_a_bad_scenario_stops_the_start_with_the_reason(simulator_factory, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("instances: [{id: 42}]\n")
    with pytest.raises(SimulatorError) as raised:
        simulator_factory("--scenario", str(broken))
    assert "exit code 2" in str(raised.value)
    assert "'42' is not a GUID" in str(raised.value) or "42 is not a GUID" in str(raised.value)


def test_exit_with_parent_stops_it_when_the_starting_process_dies(tmp_path):
    ready_file = tmp_path / "ready.json"
    starter = (
        "import os, subprocess, sys, time\n"
        "subprocess.Popen([sys.executable, '-m', 'kfsim', '--http', '--exit-with-parent', '--ready-file', %r])\n"
        "while not os.path.exists(%r):\n"
        "    time.sleep(0.02)\n"
        "os._exit(0)  # dies without stopping its child\n" % (str(ready_file), str(ready_file)))
    run = subprocess.run([sys.executable, "-c", starter], env=dict(os.environ, PYTHONPATH=str(SIMULATOR_DIR)),
                         timeout=60, check=True)
    assert run.returncode == 0
    pid = json.loads(ready_file.read_text())["pid"] if ready_file.exists() else None
    deadline = time.monotonic() + 30
    while ready_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    if ready_file.exists():  # the feature is broken: do not leave the orphan behind
        os.kill(pid, signal.SIGTERM)
        pytest.fail("the orphaned simulator (pid %s) did not stop by itself" % pid)
