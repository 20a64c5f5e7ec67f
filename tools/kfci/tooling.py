# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Steps run with the tools venv: docs, changelog and ansible-lint checks, and the collection build."""
import sys
import tarfile

from kfci.prepare import cached_venv, copy_working_tree, venv_env
from kfci.settings import DIST, LINT_REQUIREMENTS, NAME, NAMESPACE, REPO, VENVS, WORK
from kfci.steps import Outcome, StepFailed, run

VENV = VENVS / 'tools'
COLLECTION = WORK / 'lint' / 'ansible_collections' / NAMESPACE / NAME

# Paths that must never ship in the built collection (galaxy.yml build_ignore keeps them out).
NOT_SHIPPED = ('tests/simulator', 'tests/output', 'benchmarks', 'tools', '.ci', '.venv', '.work', '.ansible')


def requirements():
    lines = LINT_REQUIREMENTS.read_text(encoding='utf-8').splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith('#')]


def setup():
    """Build or reuse the tools venv and copy the working tree for the linters, which write into it."""
    note = cached_venv(VENV, sys.executable, requirements())
    copy_working_tree(COLLECTION)
    return Outcome(note=note)


def tool(*command):
    run([VENV / 'bin' / command[0], *command[1:]], cwd=COLLECTION, env=venv_env(VENV), capture=True)


def docs():
    tool('antsibull-docs', 'lint-collection-docs', '--plugin-docs', '.')


def changelog():
    tool('antsibull-changelog', 'lint')


def ansible_lint():
    tool('ansible-lint')  # settings and the production profile come from .ansible-lint


def shipped_leaks(names):
    """The paths of NOT_SHIPPED that the tarball members include."""
    return sorted({path for path in NOT_SHIPPED for name in names if name == path or name.startswith(path + '/')})


def build():
    """Build the collection from the working tree into dist/, as a maintainer would, and check what it ships."""
    DIST.mkdir(exist_ok=True)
    for old in DIST.glob('%s-%s-*.tar.gz' % (NAMESPACE, NAME)):
        old.unlink()
    run([VENV / 'bin' / 'ansible-galaxy', 'collection', 'build', '--output-path', DIST, '--force'], cwd=REPO, env=venv_env(VENV), capture=True)
    tarball = next(DIST.glob('%s-%s-*.tar.gz' % (NAMESPACE, NAME)))
    with tarfile.open(tarball) as archive:
        names = [member.name.removeprefix('./') for member in archive.getmembers()]
    leaks = shipped_leaks(names)
    if leaks:
        raise StepFailed('%s ships what galaxy.yml build_ignore must exclude: %s' % (tarball.name, ', '.join(leaks)))
    return Outcome(note='%s, %d members' % (tarball.relative_to(REPO), len(names)))


# Each step, by the name the pipeline shows.
STEPS = {
    'docs lint': docs,
    'changelog lint': changelog,
    'ansible-lint': ansible_lint,
    'build': build,
}
