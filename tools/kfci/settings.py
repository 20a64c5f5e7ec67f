# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Paths, legs and the KF_* environment settings of the pipeline (documented in tools/ci.py)."""
import dataclasses
import glob
import os
import re
import shutil
import subprocess
from pathlib import Path

NAMESPACE = 'keyfactor'
NAME = 'command'

REPO = Path(__file__).resolve().parents[2]
WORK = REPO / '.work'
VENVS = REPO / '.venv'
DIST = REPO / 'dist'
LINT_REQUIREMENTS = REPO / 'tools' / 'lint-requirements.txt'


def setting(name, default):
    """Return environment variable `name`, treating an empty value as unset."""
    return os.environ.get(name) or default


STEP_TIMEOUT = float(setting('KF_STEP_TIMEOUT', '900'))
COVERAGE_MIN = float(setting('KF_COVERAGE_MIN', '90'))


@dataclasses.dataclass(frozen=True)
class Leg:
    """One controller Python + ansible-core combination that sanity, units and integration run on."""

    name: str
    python: str  # interpreter to build the leg's venv with; '' when none was found
    core: str  # pip requirement for ansible-core
    missing: str = ''  # why `python` is empty

    @property
    def venv(self):
        return VENVS / self.name

    @property
    def collection(self):
        """The leg's copy of the working tree, where ansible-test runs."""
        return WORK / self.name / 'ansible_collections' / NAMESPACE / NAME


def pyenv_root():
    """Return pyenv's root directory, or '' without pyenv."""
    if os.environ.get('PYENV_ROOT'):
        return os.environ['PYENV_ROOT']
    if shutil.which('pyenv'):
        return subprocess.run(['pyenv', 'root'], capture_output=True, text=True, check=False).stdout.strip()
    return ''


def newest_pyenv_python(minor):
    """Return the newest $(pyenv root)/versions/<minor>.*/bin/python3, or ''."""
    root = pyenv_root()
    if not root:
        return ''
    found = glob.glob(os.path.join(glob.escape(root), 'versions', minor + '.*', 'bin', 'python3'))
    patch_level = re.compile(re.escape(minor) + r'\.(\d+)/bin/python3$')
    released = [path for path in found if patch_level.search(path)]  # skips e.g. 3.12-dev
    return max(released, key=lambda path: int(patch_level.search(path).group(1)), default='')


def _leg(name, python, core, missing=''):
    """Build a leg, letting KF_<NAME>_PYTHON and KF_<NAME>_CORE override its interpreter and core."""
    prefix = 'KF_%s_' % name.upper()
    python = setting(prefix + 'PYTHON', python)
    return Leg(name, python, setting(prefix + 'CORE', core), '' if python else missing)


def known_legs():
    """Return every leg the pipeline knows, by name."""
    legs = (
        _leg('py311', 'python3', 'ansible-core>=2.19,<2.20'),
        _leg('py312', newest_pyenv_python('3.12'), 'ansible-core>=2.21,<2.22',
             missing='no Python 3.12 interpreter: $(pyenv root)/versions/3.12.*/bin/python3 not found and KF_PY312_PYTHON not set'),
    )
    return {leg.name: leg for leg in legs}


def selected_legs():
    """Return the legs named by KF_LEGS (default: all of them), in that order."""
    legs = known_legs()
    names = setting('KF_LEGS', ' '.join(legs)).split()
    unknown = [name for name in names if name not in legs]
    if unknown:
        raise SystemExit('KF_LEGS names unknown leg(s) %s; known: %s' % (', '.join(unknown), ', '.join(legs)))
    return [legs[name] for name in names]
