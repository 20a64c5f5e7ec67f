# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ratios, targets and tables from measurements; which scenarios and ways the settings select."""
import pytest

from kfbench import report, scenarios
from kfbench.measure import Measurement
from kfbench.settings import parse_settings


def measured(wall, requests=0, peak_kb=50 * 1024, module_wall=1.0, module_peak_kb=30 * 1024, others_cpu=0.05):
    return Measurement(wall, peak_kb, requests, 0, others_cpu, module_wall, module_peak_kb)


def approvals_first_run(runs):
    scenario = scenarios.scenario_approvals(500)
    return report.Row(scenario, scenario.steps[0], runs)


def test_ratios_use_the_medians():
    row = approvals_first_run({
        scenarios.COLLECTION: [measured(6.0), measured(5.0), measured(60.0)],
        scenarios.URI: [measured(400.0)],
        scenarios.FLOOR: [measured(4.0), measured(5.0), measured(3.0)],
    })
    assert row.metric(scenarios.COLLECTION_PER_URI) == pytest.approx(6.0 / 400.0)
    assert row.metric(scenarios.COLLECTION_PER_FLOOR) == pytest.approx(6.0 / 4.0)


def test_the_verdicts_follow_the_targets():
    row = approvals_first_run({
        scenarios.COLLECTION: [measured(6.0, requests=1500, module_wall=2.5)],
        scenarios.URI: [measured(100.0, requests=1000)],
        scenarios.FLOOR: [measured(5.0, requests=1500, module_wall=1.0)],
    })
    found = {verdict.target.text: verdict.status for verdict in report.verdicts([row])}
    assert found == {
        'at least 20x faster than uri': 'MISSED',  # 100 / 6 is under 20
        'at most 2x the floor (end to end: playbook vs script)': 'met',  # 6 / 5
        'at most 2x the floor (like for like: module process vs script process)': 'MISSED',  # 2.5 / 1
        'first run at most 3 requests per instance': 'met',
    }


def test_a_target_whose_way_did_not_run_is_not_measured():
    row = approvals_first_run({scenarios.COLLECTION: [measured(6.0, requests=1500)], scenarios.FLOOR: [measured(5.0)]})
    statuses = [verdict.status for verdict in report.verdicts([row]) if verdict.target.metric == scenarios.COLLECTION_PER_URI]
    assert statuses == ['not measured']


def test_peak_memory_target_is_strict_and_uses_the_largest_run():
    scenario = scenarios.scenario_listing(10018)
    row = report.Row(scenario, scenario.steps[0], {scenarios.COLLECTION: [measured(5.0, peak_kb=100 * 1024), measured(5.0, peak_kb=150 * 1024)]})
    (verdict,) = [verdict for verdict in report.verdicts([row]) if verdict.target.metric == scenarios.PEAK_MB]
    assert (verdict.value, verdict.status) == (150, 'MISSED')


def test_like_for_like_compares_the_module_process_with_the_floor_process():
    scenario = scenarios.scenario_listing(10018)
    row = report.Row(scenario, scenario.steps[0], {
        scenarios.COLLECTION: [measured(5.0, module_wall=2.0)], scenarios.FLOOR: [measured(1.5, module_wall=1.6)]})
    assert row.metric(scenarios.MODULE_PER_FLOOR_PROCESS) == pytest.approx(2.0 / 1.6)


def test_cells_show_median_range_runs_and_differing_request_counts():
    row = approvals_first_run({
        scenarios.COLLECTION: [measured(6.0, requests=1500), measured(5.0, requests=1502), measured(7.0, requests=1500)],
        scenarios.URI: [measured(437.8)]})
    assert report.wall_cell(row, scenarios.COLLECTION) == '6.00 (5.00-7.00)'
    assert report.wall_cell(row, scenarios.URI) == '437.8 (1 run)'
    assert report.wall_cell(row, scenarios.FLOOR) == 'not run'
    assert row.requests(scenarios.COLLECTION) == '1500-1502'
    assert report.ratio_cell(6.0 / 437.8) == '0.014x (1/73)'


def test_tables_have_a_line_per_row():
    rows = [approvals_first_run({scenarios.COLLECTION: [measured(6.0)], scenarios.FLOOR: [measured(5.0)]})]
    table = report.main_table(rows).splitlines()
    assert len(table) == 3
    assert table[2].startswith('| 2. 500 approvals | first run | 6.00 (1 run) | not run | 5.00 (1 run) |')


def test_settings_defaults_quick_mode_and_errors(monkeypatch):
    for name in ('QUICK', 'ROUNDS', 'SCENARIOS', 'APPROVALS'):
        monkeypatch.delenv('BENCH_' + name, raising=False)
    full = parse_settings([])
    assert (full.rounds, full.warmup, full.approvals, full.details, full.scenarios, full.write) == (5, 1, 500, 1000, ('1', '2', '3', '4', '5', '6'), True)
    monkeypatch.setenv('BENCH_QUICK', '1')
    quick = parse_settings(['--rounds', '2'])
    assert (quick.rounds, quick.warmup, quick.approvals, quick.write) == (2, 0, 50, False)
    with pytest.raises(SystemExit):
        parse_settings(['--scenarios', '7'])


def test_build_selects_scenarios_and_leaves_uri_out_of_the_latency_cases_unless_asked(monkeypatch):
    monkeypatch.delenv('BENCH_URI_WITH_LATENCY', raising=False)
    chosen = scenarios.build(parse_settings(['--scenarios', '3 4']), 10018)
    assert [scenario.title for scenario in chosen] == [
        '3. list 10018 instances', '3. 1000 with details: true', '3. 1000 with details: true, 20 ms latency',
        '4. 500 approvals, 20 ms latency']
    assert [[way.name for way in scenario.ways] for scenario in chosen[2:]] == [['collection', 'floor']] * 2
    with_uri = scenarios.build(parse_settings(['--scenarios', '4', '--uri-with-latency']), 10018)
    assert [way.name for way in with_uri[0].ways] == ['collection', 'uri', 'floor']


def large_rows(first, fields, summary):
    scenario = scenarios.scenario_large_listing(100018)
    rows = [report.Row(scenario, step, runs) for step, runs in zip(scenario.steps, (first, fields, fields, summary))]
    for row in rows:
        row.baseline = rows[0]
    return rows


def test_the_large_listing_compares_each_step_with_the_first():
    def collection(peak_mb, result_kb, module_peak_mb=40, module_wall=10.0):
        run = measured(20.0, peak_kb=peak_mb * 1024, module_wall=module_wall, module_peak_kb=module_peak_mb * 1024)
        run.result_chars = int(result_kb * 1024)
        return {scenarios.COLLECTION: [run], scenarios.FLOOR: [measured(30.0, module_wall=9.0, module_peak_kb=200 * 1024)]}
    rows = large_rows(collection(450, 65000, module_peak_mb=250), collection(140, 12000), collection(60, 4.5, module_peak_mb=45))
    found = {verdict.target.text: (round(verdict.value, 2), verdict.status) for verdict in report.verdicts(rows)}
    assert found == {
        "module peak RSS at most 1.3x the floor process's": (1.25, 'met'),
        "module wall time at most 1.2x the floor process's": (1.11, 'met'),
        'with fields, ansible-playbook peak at least 3-fold lower': (3.21, 'met'),
        'with fields, the registered result at least 5x smaller': (5.42, 'met'),
        'summary_only: module peak under 60 MB': (45, 'met'),
        'summary_only: result under 10 KB': (4.5, 'met'),
    }
    assert '| 5. list 100018 instances, pages of 1000 | summary_only |' in report.process_table(rows)


def test_scenarios_5_and_6_run_on_their_simulators():
    settings = parse_settings(['--scenarios', '5 6'])
    assert [scenario.title for scenario in scenarios.build(settings, 10018)] == ['6. list 10018 instances, 50 ms latency']
    (large,) = scenarios.build(settings, 100018, scenarios.LARGE_SIMULATOR)
    assert (large.page_size, large.large, [step.listing for step in large.steps]) == (
        1000, True, ['all', 'fields', 'fields', 'summary'])
