# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the tests need before they run: cached venvs, a copy of the working tree, the get-pip shim."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from kfci.settings import NAME, NAMESPACE, REPO, VENVS, WORK
from kfci.steps import StepFailed, run

# Written last into a venv: the Python and the requirements it was built for.
VENV_KEY_FILE = 'kf-venv.key'

GET_PIP_SHIM = REPO / 'tools' / 'get_pip_shim.py'

# Prints the pip version ansible-test bootstraps into its venvs, which names the cached get-pip script.
ANSIBLE_TEST_PIP_VERSION = (
    'import sys, types; from ansible_test._internal.python_requirements import get_venv_packages; '
    "print(get_venv_packages(types.SimpleNamespace(version='%d.%d' % sys.version_info[:2]))['pip'])"
)


def venv_env(venv):
    """The environment for commands run with a venv's tools: its bin first on PATH, a UTF-8 locale (ansible needs one)."""
    env = dict(os.environ, PATH='%s%s%s' % (venv / 'bin', os.pathsep, os.environ.get('PATH', '')), LC_ALL='C.UTF-8')
    if not sys.stdout.isatty():
        env['NO_COLOR'] = '1'  # keep escape codes out of CI logs
    return env


def cached_venv(venv, python, requirements):
    """Make `venv` with `python` and pip-install `requirements`, unless it was already built for both.

    Returns a note for the summary: whether the venv was reused or built, and its Python version.
    """
    identity = run([python, '-c', 'import sys; print(sys.version.split()[0], sys.executable)'], cwd=REPO, capture=True)
    key = identity + '\n'.join(requirements) + '\n'
    key_file = venv / VENV_KEY_FILE
    if key_file.is_file() and key_file.read_text(encoding='utf-8') == key:
        return 'reused %s (Python %s)' % (venv.name, identity.split()[0])
    shutil.rmtree(venv, ignore_errors=True)
    run([python, '-m', 'venv', venv], cwd=REPO)
    run([venv / 'bin' / 'python', '-m', 'pip', 'install', '--quiet'] + requirements, cwd=REPO)
    key_file.write_text(key, encoding='utf-8')
    return 'built %s (Python %s)' % (venv.name, identity.split()[0])


def run_in_cached_venv(name, python, requirements, script, body):
    """A tool's main(): build (or reuse) .venv/<name>, run `script --in-venv` there, which runs `body()` in .work/<name>.

    Returns body's exit code; a failing command ends in one line naming it, with exit code 1.
    """
    venv = VENVS / name
    try:
        if '--in-venv' not in sys.argv:
            print('\n==> Python environment .venv/%s' % name, flush=True)
            print(cached_venv(venv, python, requirements), flush=True)
            os.execv(str(venv / 'bin' / 'python'), [str(venv / 'bin' / 'python'), str(script), '--in-venv'])
        (WORK / name).mkdir(parents=True, exist_ok=True)
        sys.path.insert(0, str(REPO / 'tests' / 'simulator'))  # the simulator's helpers (kfsim.testing)
        return body()
    except subprocess.CalledProcessError as error:
        print('%s failed: %s exited %d' % (name, error.cmd[0], error.returncode), file=sys.stderr)
    except StepFailed as error:
        print('%s failed: %s' % (name, error), file=sys.stderr)
    return 1


def install_built_collection(venv, work_dir):
    """Build the collection from the working tree and install the tarball into work_dir/collections, as a user would.

    Earlier tarballs and installs are replaced. Returns the collections path (for ANSIBLE_COLLECTIONS_PATH).
    """
    dist, collections = work_dir / 'dist', work_dir / 'collections'
    for old in dist.glob('*.tar.gz'):
        old.unlink()
    galaxy, env = venv / 'bin' / 'ansible-galaxy', venv_env(venv)
    run([galaxy, 'collection', 'build', '--force', '--output-path', dist, REPO], cwd=REPO, env=env, capture=True)
    tarball = next(dist.glob('%s-%s-*.tar.gz' % (NAMESPACE, NAME)))
    run([galaxy, 'collection', 'install', '--offline', '--force', '--collections-path', collections, tarball],
        cwd=REPO, env=env, capture=True)
    return collections


def working_tree_files():
    """Tracked and untracked-but-not-ignored files of the working tree, as a fresh commit would hold them."""
    try:
        listing = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
                                 cwd=REPO, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        raise StepFailed('cannot list the working tree with git (is %s a git checkout?): %s' % (REPO, error)) from None
    return [Path(os.fsdecode(name)) for name in listing.split(b'\0') if name]


def copy_working_tree(dest):
    """Replace `dest` with a copy of the working tree, made a git work tree of its own.

    ansible-test only runs inside .../ansible_collections/NAMESPACE/NAME and resolves symlinks, so
    the tests run on a copy. Ignored files (venvs, outputs, caches) stay out of it. ansible-test
    and ansible-lint list files with git from the nearest .git upwards; without its own, the copy
    would be seen through this repository, where .work/ is ignored, and look empty.
    """
    shutil.rmtree(dest, ignore_errors=True)
    for relative in working_tree_files():
        source = REPO / relative
        if not os.path.lexists(source):
            continue  # tracked, but deleted in the working tree
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    run(['git', 'init', '--quiet', dest], cwd=REPO)


def install_get_pip_shim(venv):
    """Put the offline get-pip shim where the venv's ansible-test looks for its cached get-pip script."""
    pip_version = run([venv / 'bin' / 'python', '-c', ANSIBLE_TEST_PIP_VERSION], cwd=REPO, capture=True).strip()
    cache = Path.home() / '.ansible' / 'test' / 'cache'
    cache.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(GET_PIP_SHIM, cache / ('get_pip_%s.py' % pip_version.replace('.', '_')))
