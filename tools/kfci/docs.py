# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make docs`: the collection's documentation as HTML, rendered by antsibull-docs and built by Sphinx.

The site is generated afresh each time (antsibull-docs sphinx-init, then the build script it writes)
from a copy of the working tree, in a venv of its own, so the docs look as they will once published:
module pages from DOCUMENTATION/EXAMPLES/RETURN, and the guides of docs/docsite.
"""
import re
import shutil
import sys

from kfci.prepare import cached_venv, copy_working_tree, venv_env
from kfci.settings import NAME, NAMESPACE, REPO, VENVS, WORK
from kfci.steps import Outcome, StepFailed, run
from kfci.tooling import requirements

VENV = VENVS / 'docs'
REQUIREMENTS = REPO / 'tools' / 'docs-requirements.txt'
# ansible-doc finds the collection under COLLECTIONS, as it would find an installed one.
COLLECTIONS = WORK / 'docs' / 'collections'
SITE = WORK / 'docs' / 'site'
INDEX = SITE / 'build' / 'html' / 'index.html'
# There is no network here, so Sphinx cannot fetch the inventories of docs.python.org and docs.ansible.com, and the
# links of the generated module pages into them stay plain text. Those warnings are expected; any other fails.
OFFLINE_WARNING = re.compile(r"failed to reach any of the inventories|undefined label: '(?!ansible_collections\.keyfactor\.command)")


def setup():
    note = cached_venv(VENV, sys.executable, requirements(REQUIREMENTS))
    copy_working_tree(COLLECTIONS / 'ansible_collections' / NAMESPACE / NAME)
    return Outcome(note=note)


def build():
    """Generate the Sphinx project and build it; a Sphinx warning other than OFFLINE_WARNING fails the step."""
    shutil.rmtree(SITE, ignore_errors=True)
    SITE.mkdir(mode=0o755, parents=True)  # antsibull-docs only writes into a directory no one else may write to
    env = dict(venv_env(VENV), ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS))
    # --lenient: without -W, so that the offline warnings do not stop the build; the others are caught below.
    run([VENV / 'bin' / 'antsibull-docs', 'sphinx-init', '--use-current', '--squash-hierarchy', '--fail-on-error', '--lenient',
         '--dest-dir', SITE, '%s.%s' % (NAMESPACE, NAME)], cwd=REPO, env=env)
    output = run(['bash', SITE / 'build.sh'], cwd=SITE, env=env, capture=True)
    warnings = [line for line in output.splitlines() if 'WARNING' in line and not OFFLINE_WARNING.search(line)]
    if warnings:
        raise StepFailed('%d Sphinx warning(s), the first: %s' % (len(warnings), warnings[0]))
    if not INDEX.is_file():
        raise StepFailed('the build wrote no %s' % INDEX.relative_to(REPO))
    return Outcome(note='open %s' % INDEX.relative_to(REPO), headline=True)
