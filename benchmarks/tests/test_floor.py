# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The floor makes the requests the collection makes, and fails when the outcome is not the expected one."""
import json

import pytest

import floor
from kfsim.testing import default_instance_id


@pytest.fixture
def floor_env(fresh_simulator, monkeypatch):
    login, password = fresh_simulator.basic_auth('approver1')
    for name, value in (('API_URL', fresh_simulator.api_url), ('CA_CERT', fresh_simulator.ca_cert),
                        ('USERNAME', login), ('PASSWORD', password)):
        monkeypatch.setenv('KF_BENCH_' + name, value)
    return fresh_simulator


def run_floor(simulator, capsys, *argv):
    """(exit code, printed JSON, API requests the simulator saw) of one floor command."""
    since = simulator.audit()['last_seq']
    code = floor.main(list(argv))
    return code, json.loads(capsys.readouterr().out), len(simulator.audit(since)['requests'])


def test_signal_reads_sends_and_rereads_pending_and_reads_a_finished_ones_definition_once(floor_env, capsys, tmp_path):
    ids = tmp_path / 'ids.json'
    # 01 and 02 wait for approver1; 10 is Complete (its definition is read once, as the collection checks the key).
    ids.write_text(json.dumps({'instance_ids': [default_instance_id(1), default_instance_id(2), default_instance_id(10)]}))

    code, output, requests = run_floor(floor_env, capsys, 'signal', '--ids-file', str(ids), '--expect-sent', '2')
    assert (code, requests) == (0, 3 + 3 + 2)
    assert [result['sent'] for result in output['results']] == [True, True, False]
    assert output['results'][0]['instance']['Status'] == 'Complete'

    code, output, requests = run_floor(floor_env, capsys, 'signal', '--ids-file', str(ids), '--expect-sent', '0')
    assert (code, requests) == (0, 3 + 1)
    assert not any(result['sent'] for result in output['results'])


def test_signal_fails_when_it_sent_other_than_expected(floor_env, capsys, tmp_path):
    ids = tmp_path / 'ids.json'
    ids.write_text(json.dumps({'instance_ids': [default_instance_id(1)]}))
    code, _output, _requests = run_floor(floor_env, capsys, 'signal', '--ids-file', str(ids), '--expect-sent', '0')
    assert code == 1


def test_list_pages_until_the_total_and_checks_the_count(floor_env, capsys):
    code, output, requests = run_floor(floor_env, capsys, 'list', '--page-size', '5', '--expect-count', '18')
    assert (code, output['count'], requests) == (0, 18, 4)
    assert len({instance['Id'] for instance in output['instances']}) == 18
    assert run_floor(floor_env, capsys, 'list', '--page-size', '5', '--expect-count', '17')[0] == 1


def test_details_lists_the_first_limit_then_reads_each(floor_env, capsys):
    code, output, requests = run_floor(floor_env, capsys, 'details', '--page-size', '5', '--limit', '7')
    assert (code, output['count'], requests) == (0, 7, 2 + 7)
    assert all('Signals' in instance for instance in output['instances'])


def test_list_returns_a_few_fields_or_only_the_summary(floor_env, capsys):
    _code, everything, _requests = run_floor(floor_env, capsys, 'list', '--page-size', '5', '--expect-count', '18')
    code, output, requests = run_floor(floor_env, capsys, 'list', '--page-size', '5', '--expect-count', '18', '--return', 'fields',
                                       '--fields', 'id,start_date')
    assert (code, requests) == (0, 4)
    assert output['instances'] == [{'Id': item['Id'], 'StartDate': item['StartDate']} for item in everything['instances']]
    code, output, requests = run_floor(floor_env, capsys, 'list', '--page-size', '5', '--expect-count', '18', '--return', 'summary')
    assert (code, requests, output['count'], 'instances' in output) == (0, 4, 18, False)
    statuses = [item['Status'] for item in everything['instances']]
    assert {status: entry['count'] for status, entry in output['summary']['by_status'].items()} == {
        status: statuses.count(status) for status in set(statuses)}
    assert sum(output['summary']['suspended_by_step'].values()) == statuses.count('Suspended')
