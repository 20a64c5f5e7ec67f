# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registered result size section: the fall from full to compact results and its verdict."""
import pytest

from kfbench import result_size, scenarios


@pytest.mark.parametrize('sizes, verdict', [
    ({'details': 2_600_000, 'default': 170_000}, 'met'),
    ({'details': 1_000_000, 'default': 200_000}, 'MISSED'),
])
def test_the_section_gives_both_sizes_the_fall_and_the_verdict(sizes, verdict):
    scenario = scenarios.scenario_approvals(500)
    text = result_size.render(scenario, sizes)
    assert '| full, `details: true` (the 1.0.0 shape) | %d | %d |' % (sizes['details'], sizes['details'] // 500) in text
    assert '| compact (the default) | %d | %d |' % (sizes['default'], sizes['default'] // 500) in text
    assert text.endswith('times smaller; target at least 10 times: %s.' % verdict)
    assert result_size.fall(sizes) == pytest.approx(sizes['details'] / sizes['default'])
