# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the get-pip.py that ansible-test downloads from Ansible's CI file host.

That host is unreachable from the project's machines. ansible-test runs this script with the pip
requirement it wants (pip==X.Y) inside each fresh, pip-less virtual environment; the script runs
the pip wheel that ensurepip bundles with this Python (a wheel is a zip archive Python can run
pip from) and lets it install that pip from PyPI. noxfile.py puts it into ~/.ansible/test/cache
under the name ansible-test looks for.
"""
import glob
import os
import subprocess
import sys

import ensurepip

# get-pip.py options that pip itself does not know.
GET_PIP_ONLY_OPTIONS = ('--no-setuptools', '--no-wheel')


def bundled_pip_wheel():
    """Return the path of the newest pip wheel bundled with ensurepip."""
    pattern = os.path.join(os.path.dirname(ensurepip.__file__), '_bundled', 'pip-*.whl')
    return sorted(glob.glob(pattern))[-1]


def main():
    """Install the requested pip with the bundled one and return pip's exit code."""
    requested = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
    pip = os.path.join(bundled_pip_wheel(), 'pip')
    return subprocess.call([sys.executable, pip, 'install', '--upgrade', '--force-reinstall'] + requested)


if __name__ == '__main__':
    sys.exit(main())
