# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The closing summary of `make test`: every nox session with its result and time, then one line of totals.

    python tools/nox_summary.py REPORT.json

REPORT.json is what `nox --report` wrote. The last line is `ci: N passed, M failed, K skipped`, counting sessions;
when there is no report (nox stopped before running any session), it counts one failure.
"""
import json
import sys

# nox's result names, as this summary shows them.
RESULTS = {'success': 'passed', 'failed': 'FAILED', 'skipped': 'skipped', 'aborted': 'FAILED'}


def main(report_path):
    try:
        with open(report_path, encoding='utf-8') as report:
            sessions = json.load(report)['sessions']
    except (OSError, ValueError, KeyError) as error:
        print('\nmake test: no nox report (%s): nox ran no session' % error)
        print('ci: 0 passed, 1 failed, 0 skipped')
        return
    width = max([len(session['name']) for session in sessions] + [len('session')])
    print('\n%-*s  %-7s  %7s  %s' % (width, 'session', 'result', 'seconds', 'reason'))
    counts = {'passed': 0, 'FAILED': 0, 'skipped': 0}
    for session in sessions:
        result = RESULTS.get(session['result'], 'FAILED')
        counts[result] += 1
        print('%-*s  %-7s  %7.0f  %s' % (width, session['name'], result, session.get('duration') or 0,
                                         session.get('reason') or ''))
    print('total %.0f s of sessions' % sum(session.get('duration') or 0 for session in sessions))
    print('ci: %d passed, %d failed, %d skipped' % (counts['passed'], counts['FAILED'], counts['skipped']))


if __name__ == '__main__':
    main(sys.argv[1])
