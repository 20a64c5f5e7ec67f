# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ansible-test steps of one leg: setup, sanity, units (per test context), coverage, integration."""
import dataclasses
import re
import xml.etree.ElementTree as ET

from kfci.prepare import cached_venv, copy_working_tree, install_get_pip_shim, venv_env
from kfci.settings import COVERAGE_MIN
from kfci.steps import Outcome, StepFailed, run

UNIT_ROOT = 'tests/unit/'
# ansible-test runs unit tests in three contexts (module_utils, modules, controller: the rest) and
# stops at the first that fails, so each context is a step of its own and every failure shows.
PLUGIN_UNIT_DIRS = {
    'module_utils': 'tests/unit/plugins/module_utils/',
    'modules': 'tests/unit/plugins/modules/',
}
UNIT_CONTEXTS = list(PLUGIN_UNIT_DIRS) + ['controller']

INTEGRATION_TARGETS = 'tests/integration/targets/'

COVERED = 'plugins/module_utils/'
COVERAGE_XML = 'tests/output/reports/coverage.xml'
# Cobertura's branch count on a line, e.g. condition-coverage="50% (1/2)".
BRANCHES_TAKEN = re.compile(r'\((\d+)/(\d+)\)')


def junit_dir(leg):
    return leg.collection / 'tests' / 'output' / 'junit'


def python_version(leg):
    """The leg venv's Python as MAJOR.MINOR, from pyvenv.cfg; ansible-test needs it as --python."""
    config = (leg.venv / 'pyvenv.cfg').read_text(encoding='utf-8')
    version = re.search(r'^version(?:_info)?\s*=\s*(\d+\.\d+)', config, re.MULTILINE)
    if not version:
        raise StepFailed('no Python version in %s' % (leg.venv / 'pyvenv.cfg'))
    return version.group(1)


def ansible_test(leg, *args):
    """Run ansible-test in the leg's copy of the tree, in ansible-test's own venvs (there is no Docker)."""
    run([leg.venv / 'bin' / 'ansible-test', *args, '--venv', '--python', python_version(leg)], cwd=leg.collection, env=venv_env(leg.venv))


def setup(leg):
    note = cached_venv(leg.venv, leg.python, [leg.core])
    copy_working_tree(leg.collection)
    install_get_pip_shim(leg.venv)
    return Outcome(note=note)


def sanity(leg):
    ansible_test(leg, 'sanity', '--junit')


def unit_tests(leg, directory, excluded=()):
    """The unit test files under `directory` of the leg's copy, outside the `excluded` directories."""
    found = (leg.collection / directory).rglob('test_*.py')
    return [path for path in found if not any(path.is_relative_to(leg.collection / skip) for skip in excluded)]


def units_step(context):
    """The step that runs the unit tests of one ansible-test context, with coverage."""
    def step(leg):
        with_tests = [directory for directory in PLUGIN_UNIT_DIRS.values() if unit_tests(leg, directory)]
        if context == 'controller':
            selection = [UNIT_ROOT] + [arg for directory in with_tests for arg in ('--exclude', directory)]
            has_tests = bool(unit_tests(leg, UNIT_ROOT, excluded=with_tests))
        else:
            selection = [PLUGIN_UNIT_DIRS[context]]
            has_tests = selection[0] in with_tests
        if not has_tests:
            return Outcome(skipped=True, note='no tests in this context yet')
        ansible_test(leg, 'units', '--coverage', *selection)
        return None
    return step


@dataclasses.dataclass
class FileCoverage:
    """Coverage of one file as coverage.py counts it: statements plus branches."""

    covered: int = 0
    coverable: int = 0
    missed_lines: list = dataclasses.field(default_factory=list)
    partial_lines: list = dataclasses.field(default_factory=list)  # lines with a branch never taken

    @property
    def percent(self):
        return 100.0 * self.covered / self.coverable if self.coverable else 100.0


def measured_files(report, prefix):
    """The coverage of each file under `prefix`, from coverage.py's Cobertura XML."""
    files = {}
    for source in ET.parse(report).getroot().iter('class'):
        if not source.get('filename').startswith(prefix):
            continue
        measured = files[source.get('filename')] = FileCoverage()
        for line in source.iter('line'):
            hit = int(line.get('hits')) > 0
            measured.coverable += 1
            measured.covered += hit
            if not hit:
                measured.missed_lines.append(line.get('number'))
            if line.get('branch') == 'true':
                taken, possible = map(int, BRANCHES_TAKEN.search(line.get('condition-coverage')).groups())
                measured.covered += taken
                measured.coverable += possible
                if hit and taken < possible:
                    measured.partial_lines.append(line.get('number'))
    return files


def print_coverage_table(files):
    width = max(len(name) for name in files)
    for name, measured in sorted(files.items()):
        gaps = ['lines not run: %s' % ','.join(measured.missed_lines)] if measured.missed_lines else []
        gaps += ['branches not taken at: %s' % ','.join(measured.partial_lines)] if measured.partial_lines else []
        print('%-*s  %6.1f%%  %s' % (width, name, measured.percent, '; '.join(gaps)))


def coverage(leg):
    """Show the unit tests' coverage of plugins/module_utils; fail under KF_COVERAGE_MIN percent or when a file was never imported.

    The figure counts statements and branches as coverage.py's own total does. A file no test
    imports is absent from coverage.py's data, so it is looked for and named instead.
    """
    ansible_test(leg, 'coverage', 'xml')  # combines the data; a `coverage report` would combine it again
    files = measured_files(leg.collection / COVERAGE_XML, COVERED)
    coverable = sum(measured.coverable for measured in files.values())
    if not coverable:
        raise StepFailed('no coverage data for %s (did the unit tests run?)' % COVERED)
    print_coverage_table(files)
    percent = 100.0 * sum(measured.covered for measured in files.values()) / coverable
    sources = (path.relative_to(leg.collection).as_posix() for path in (leg.collection / COVERED).rglob('*.py'))
    never_imported = sorted(source for source in sources if source not in files and not source.endswith('/__init__.py'))
    note = '%s %.1f%% (minimum %g%%)' % (COVERED, percent, COVERAGE_MIN)
    if never_imported:
        note += '; not imported by any unit test, so not in the figure: %s' % ', '.join(never_imported)
    return Outcome(ok=percent >= COVERAGE_MIN and not never_imported, note=note, headline=True)


def integration(leg):
    if not any((leg.collection / INTEGRATION_TARGETS).glob('*/')):
        raise StepFailed('no integration targets in %s' % INTEGRATION_TARGETS)
    ansible_test(leg, 'integration', '--requirements')


# Each leg step, by the name the pipeline and the Makefile use.
STEPS = dict({'units %s' % context: units_step(context) for context in UNIT_CONTEXTS},
             sanity=sanity, coverage=coverage, integration=integration)
UNIT_STEPS = ['units %s' % context for context in UNIT_CONTEXTS]
