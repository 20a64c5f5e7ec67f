# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Steps run with the tools venv: docs, changelog and ansible-lint checks, the collection build and the EE check."""
import re
import shutil
import sys
import tarfile

from kfci.prepare import cached_venv, copy_working_tree, venv_env
from kfci.settings import DIST, LINT_REQUIREMENTS, NAME, NAMESPACE, REPO, VENVS, WORK
from kfci.steps import Outcome, StepFailed, run

VENV = VENVS / 'tools'
COLLECTION = WORK / 'lint' / 'ansible_collections' / NAMESPACE / NAME

# Paths that must never ship in the built collection (galaxy.yml build_ignore keeps them out).
NOT_SHIPPED = ('tests/simulator', 'tests/output', 'benchmarks', 'tools', '.ci', '.venv', '.work', '.ansible', 'execution-environment')

TARBALLS = '%s-%s-*.tar.gz' % (NAMESPACE, NAME)
EE_DEFINITION = REPO / 'execution-environment' / 'execution-environment.yml'
EE_WORK = WORK / 'ee'
# A requirement line for requests, as ansible-builder introspect writes it: 'requests>=2.25.0  # from collection ...'.
REQUESTS_REQUIREMENT = re.compile(r'^requests\b.*$', re.MULTILINE)


def requirements(path=LINT_REQUIREMENTS):
    """The requirement lines of a pip requirements file, without comments and blank lines."""
    lines = path.read_text(encoding='utf-8').splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith('#')]


def setup():
    """Build or reuse the tools venv and copy the working tree for the linters, which write into it."""
    note = cached_venv(VENV, sys.executable, requirements())
    copy_working_tree(COLLECTION)
    return Outcome(note=note)


def tool(*command, **env):
    run([VENV / 'bin' / command[0], *command[1:]], cwd=COLLECTION, env=dict(venv_env(VENV), **env), capture=True)


def docs():
    # --check-extra-docs-refs also checks the references in the guides of docs/docsite (M(), O(), :ref:...).
    tool('antsibull-docs', 'lint-collection-docs', '--plugin-docs', '--check-extra-docs-refs', '.')


def changelog():
    tool('antsibull-changelog', 'lint')


def ansible_lint():
    # Settings and the production profile come from .ansible-lint. With offline set, ansible-lint does not install
    # the collection it lints, so its syntax check of playbooks/ finds this collection's modules through the copy.
    tool('ansible-lint', ANSIBLE_COLLECTIONS_PATH=str(COLLECTION.parents[2]))


def shipped_leaks(names):
    """The paths of NOT_SHIPPED that the tarball members include."""
    return sorted({path for path in NOT_SHIPPED for name in names if name == path or name.startswith(path + '/')})


def build():
    """Build the collection from the working tree into dist/, as a maintainer would, and check what it ships."""
    DIST.mkdir(exist_ok=True)
    for old in DIST.glob(TARBALLS):
        old.unlink()
    run([VENV / 'bin' / 'ansible-galaxy', 'collection', 'build', '--output-path', DIST, '--force'], cwd=REPO, env=venv_env(VENV), capture=True)
    tarball = next(DIST.glob(TARBALLS))
    with tarfile.open(tarball) as archive:
        names = [member.name.removeprefix('./') for member in archive.getmembers()]
    leaks = shipped_leaks(names)
    if leaks:
        raise StepFailed('%s ships what galaxy.yml build_ignore must exclude: %s' % (tarball.name, ', '.join(leaks)))
    return Outcome(note='%s, %d members' % (tarball.relative_to(REPO), len(names)))


def execution_environment():
    """Check the EE definition with ansible-builder (no container is built: there is no container engine).

    `create` must write a build context holding the tarball of the build step, and `introspect` of the
    collection installed from that tarball, as the EE build installs it, must find requests.
    """
    tarballs = sorted(DIST.glob(TARBALLS))
    if len(tarballs) != 1:
        raise StepFailed('expected one %s in dist/ (the build step makes it), found %d' % (TARBALLS, len(tarballs)))
    shutil.rmtree(EE_WORK, ignore_errors=True)
    context = EE_WORK / 'context'
    run([VENV / 'bin' / 'ansible-builder', 'create', '--file', EE_DEFINITION, '--context', context,
         '--output-filename', 'Containerfile'], cwd=REPO, env=venv_env(VENV), capture=True)
    copied = sorted(path.name for path in context.glob('_build/collections/' + TARBALLS))
    if copied != [tarballs[0].name]:
        raise StepFailed('the build context has %s instead of %s in _build/collections' % (copied or 'nothing', tarballs[0].name))
    installed = EE_WORK / 'collections'
    run([VENV / 'bin' / 'ansible-galaxy', 'collection', 'install', '--offline', '--collections-path', installed, tarballs[0]],
        cwd=REPO, env=venv_env(VENV), capture=True)
    pip_requirements = EE_WORK / 'requirements.txt'
    run([VENV / 'bin' / 'ansible-builder', 'introspect', '--write-pip', pip_requirements, installed], cwd=REPO, env=venv_env(VENV), capture=True)
    found = REQUESTS_REQUIREMENT.search(pip_requirements.read_text(encoding='utf-8'))
    if not found:
        raise StepFailed('ansible-builder introspect did not find requests in the collection\'s metadata; see %s' % pip_requirements.relative_to(REPO))
    return Outcome(note='build context in %s; introspect found %s' % (context.relative_to(REPO), found.group(0)))


# Each step, by the name the pipeline shows.
STEPS = {
    'docs lint': docs,
    'changelog lint': changelog,
    'ansible-lint': ansible_lint,
    'build': build,
    'execution environment': execution_environment,
}
