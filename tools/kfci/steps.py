# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running commands and steps, and the closing summary.

Every step runs even after an earlier one failed. A step's test cases are counted from the JUnit
files it wrote; a step that writes none counts as one case. The closing line is
`ci: N passed, M failed, K skipped`, and the exit code is non-zero when any step failed.
"""
import dataclasses
import os
import shlex
import signal
import subprocess
import time
import xml.etree.ElementTree as ET

from kfci.settings import STEP_TIMEOUT

# Seconds a timed-out command's process group gets between SIGTERM and SIGKILL.
KILL_GRACE = 10
# How many failed test case names a step's note lists.
FAILED_NAMES_SHOWN = 3


class StepFailed(Exception):
    """A step failed; the message is the one-line reason shown in the summary."""


@dataclasses.dataclass
class Outcome:
    """What a step returns: whether it passed or was skipped, a note for the summary, and whether to repeat the note below the table."""

    ok: bool = True
    skipped: bool = False
    note: str = ''
    headline: bool = False


@dataclasses.dataclass
class Cases:
    passed: int = 0
    failed: int = 0
    skipped: int = 0

    def add(self, other):
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped


@dataclasses.dataclass
class Result:
    name: str
    status: str  # passed, FAILED or skipped
    seconds: float
    note: str
    cases: Cases
    headline: bool = False


def log(message):
    print('\n=== %s' % message, flush=True)


def _stop(process):
    """Stop what is left of a command's process group: the command itself after a timeout, or stray children."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(KILL_GRACE)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def run(argv, cwd, env=None, capture=False):
    """Run argv with stdin closed, in its own process group, within KF_STEP_TIMEOUT; raise StepFailed unless it exits 0.

    With `capture` the output is collected, echoed when the command ends and returned, and a
    failure's message ends with the output's last line (where linters put their verdict).
    """
    print('$ %s' % shlex.join(str(arg) for arg in argv), flush=True)
    output = subprocess.PIPE if capture else None
    with subprocess.Popen([str(arg) for arg in argv], cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=output,
                          stderr=subprocess.STDOUT if capture else None, text=True, start_new_session=True) as process:
        try:
            text = process.communicate(timeout=STEP_TIMEOUT)[0] or ''
        except subprocess.TimeoutExpired:
            raise StepFailed('timed out after %d s: %s' % (STEP_TIMEOUT, os.path.basename(str(argv[0])))) from None
        finally:
            _stop(process)
    print(text, end='', flush=True)
    if process.returncode:
        last_line = text.strip().splitlines()[-1:]
        raise StepFailed(': '.join(['%s exited %d' % (os.path.basename(str(argv[0])), process.returncode)] + last_line))
    return text


def junit_files(junit_dir):
    """Each JUnit file in junit_dir with its modification time, to tell which files a step wrote."""
    if junit_dir is None or not junit_dir.is_dir():
        return {}
    return {path: path.stat().st_mtime_ns for path in junit_dir.glob('*.xml')}


def junit_cases(paths):
    """Count the test cases in the given JUnit files; also return the names of the failed ones."""
    cases = Cases()
    failed_names = []
    for path in paths:
        for case in ET.parse(path).getroot().iter('testcase'):
            if case.find('skipped') is not None:
                cases.skipped += 1
            elif case.find('failure') is not None or case.find('error') is not None:
                cases.failed += 1
                failed_names.append(case.get('name'))
            else:
                cases.passed += 1
    return cases, failed_names


def describe_failures(names):
    more = len(names) - FAILED_NAMES_SHOWN
    return 'failed: %s%s' % (', '.join(names[:FAILED_NAMES_SHOWN]), ' and %d more' % more if more > 0 else '')


def step_cases(outcome, written):
    """The step's test cases and note: the cases in the JUnit files it wrote, else the step itself as one case."""
    if outcome.skipped:
        return Cases(skipped=1), outcome.note
    if not written:
        return Cases(passed=int(outcome.ok), failed=int(not outcome.ok)), outcome.note
    cases, failed_names = junit_cases(written)
    if not outcome.ok and not cases.failed:
        cases.failed += 1  # the step failed outside its test cases (a crash, a timeout)
    if not failed_names:
        return cases, outcome.note
    return cases, '; '.join(filter(None, [outcome.note, describe_failures(failed_names)]))


class Pipeline:
    """Runs named steps, keeps their results and prints the summary."""

    def __init__(self):
        self.results = []
        self.started = time.monotonic()

    def step(self, name, action, junit_dir=None):
        """Run action() as step `name` and record its result; return whether it passed (or was skipped)."""
        log('[%4ds] %s' % (time.monotonic() - self.started, name))
        before = junit_files(junit_dir)
        start = time.monotonic()
        try:
            outcome = action() or Outcome()
        except (StepFailed, OSError, ET.ParseError) as error:
            outcome = Outcome(ok=False, note=str(error))
        written = [path for path, mtime in junit_files(junit_dir).items() if before.get(path) != mtime]
        cases, note = step_cases(outcome, written)
        status = 'skipped' if outcome.skipped else 'FAILED' if cases.failed else 'passed'
        self.results.append(Result(name, status, time.monotonic() - start, note, cases, outcome.headline))
        if note:
            print('%s: %s' % (name, note), flush=True)
        return status != 'FAILED'

    def skip(self, name, reason):
        self.results.append(Result(name, 'skipped', 0.0, reason, Cases(skipped=1)))

    def summary(self):
        """Print the step table, the headline notes and the closing line; return the exit code."""
        width = max(len(result.name) for result in self.results)
        print('\n%-*s  %-7s  %7s  %s' % (width, 'step', 'result', 'seconds', 'note'))
        total = Cases()
        for result in self.results:
            print('%-*s  %-7s  %7.1f  %s' % (width, result.name, result.status, result.seconds, result.note))
            total.add(result.cases)
        for result in self.results:
            if result.headline:
                print('%s: %s' % (result.name, result.note))
        print('total %.0f s' % (time.monotonic() - self.started))
        print('ci: %d passed, %d failed, %d skipped' % (total.passed, total.failed, total.skipped))
        return 1 if total.failed else 0
