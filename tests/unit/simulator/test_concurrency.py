# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Concurrent identical signals never both count (one lock around state changes)."""

import concurrent.futures
import threading

import pytest

from kfsim.testing import default_instance_id

THREADS = 16
APPROVE = {"SignalKey": "RequireApproval1.ApprovalStatus", "Data": {"Approved": "True"}}


def send_at_once(simulator, number, users):
    """Each user (one thread and connection each) posts the same approval as close together as possible."""
    url = "%s/Workflow/Instances/%s/Signals" % (simulator.api_url, default_instance_id(number))
    sessions = [simulator.session(user) for user in users]
    for session in sessions:  # open the connections first, so the posts race on the server, not in connecting
        session.get(simulator.api_url + "/Status/Endpoints", timeout=10)
    barrier = threading.Barrier(len(sessions))

    def post(session):
        barrier.wait()
        return session.post(url, json=APPROVE, timeout=30).status_code

    with concurrent.futures.ThreadPoolExecutor(len(sessions)) as pool:
        statuses = list(pool.map(post, sessions))
    for session in sessions:
        session.close()
    return statuses


@pytest.mark.parametrize("repeat_signal, expected", [("reject", [204] + [400] * (THREADS - 1)), ("ignore", [204] * THREADS)])
def test_identical_signals_from_one_user_count_once(simulator, repeat_signal, expected):
    simulator.configure(repeat_signal=repeat_signal)
    statuses = send_at_once(simulator, 4, ["approver1"] * THREADS)
    assert sorted(statuses) == expected
    counted = [entry["counted"] for entry in simulator.audit()["signals"]]
    assert counted.count(True) == 1
    assert len(counted) == expected.count(204)
    with simulator.session("approver1") as session:
        instance = session.get("%s/Workflow/Instances/%s" % (simulator.api_url, default_instance_id(4)), timeout=10).json()
    assert instance["Status"] == "Suspended"  # the dual step still needs a second, different approver


def test_racing_approvers_on_a_single_approval_step_complete_it_once(simulator):
    statuses = send_at_once(simulator, 1, ["approver1", "approver2", "approver3"] * 4)
    assert statuses.count(204) == 1
    assert statuses.count(400) == len(statuses) - 1  # the others found it no longer Suspended
    assert [entry["counted"] for entry in simulator.audit()["signals"]] == [True]
