# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's metadata agrees with its modules and with what the built collection holds.

(That every module is in the action group and uses its docs fragment is antsibull-nox's extra-checks session.)
"""
import ast
import fnmatch
import os
from pathlib import Path

import pytest
import yaml
from ansible.module_utils.compat.version import LooseVersion

COLLECTION = Path(__file__).resolve().parents[2]
MODULES_DIR = COLLECTION / 'plugins' / 'modules'
# The release the collection's first modules shipped in: no module can be older.
FIRST_RELEASE = '1.0.0'


def load_yaml(relative_path):
    return yaml.safe_load((COLLECTION / relative_path).read_text(encoding='utf-8'))


def module_names():
    return sorted(path.stem for path in MODULES_DIR.glob('*.py') if path.name != '__init__.py')


def is_documentation_assignment(node):
    return isinstance(node, ast.Assign) and any(isinstance(target, ast.Name) and target.id == 'DOCUMENTATION' for target in node.targets)


def documentation(module):
    """The module's DOCUMENTATION, parsed from its source (the module is not imported)."""
    source = (MODULES_DIR / ('%s.py' % module)).read_text(encoding='utf-8')
    for node in ast.parse(source).body:
        if is_documentation_assignment(node):
            return yaml.safe_load(ast.literal_eval(node.value))
    return pytest.fail('plugins/modules/%s.py has no DOCUMENTATION string' % module)


def next_minor(version):
    major, minor = str(version).split('.')[:2]
    return '%s.%d.0' % (major, int(minor) + 1)


def versions_added(module):
    """(where, version_added) of the module and of each of its options and suboptions that names one."""
    def of_options(options, prefix):
        for name, option in (options or {}).items():
            if 'version_added' in option:
                yield '%s%s' % (prefix, name), str(option['version_added'])
            yield from of_options(option.get('suboptions'), '%s%s.' % (prefix, name))
    doc = documentation(module)
    yield module, str(doc.get('version_added'))
    yield from of_options(doc.get('options'), '%s: option ' % module)


@pytest.mark.parametrize('module', module_names())
def test_module_docs_name_a_release_of_the_collection(module):
    # From the first release up to the one in the making (galaxy.yml's version, or the minor release after it), so
    # a module or an option added in the next release passes before galaxy.yml's version is raised.
    newest = next_minor(load_yaml('galaxy.yml')['version'])
    for where, version_added in versions_added(module):
        assert LooseVersion(FIRST_RELEASE) <= LooseVersion(version_added) <= LooseVersion(newest), (
            '%s: version_added is %r, expected a release from %s to %s' % (where, version_added, FIRST_RELEASE, newest))


def build_ignored(path, patterns):
    """Whether galaxy.yml's build_ignore keeps `path` out of the built collection: ansible-galaxy matches each path,
    and so each of its parent directories, against the patterns with fnmatch."""
    parts = path.split('/')
    return any(fnmatch.fnmatch('/'.join(parts[:depth]), pattern)
               for depth in range(1, len(parts) + 1) for pattern in patterns)


def repository_files():
    """The collection's files, without hidden directories (.git, venvs) and test output."""
    found = []
    for root, directories, files in os.walk(COLLECTION):
        relative = Path(root).relative_to(COLLECTION).as_posix()
        directories[:] = [name for name in directories
                          if not name.startswith('.') and (relative, name) != ('tests', 'output')]
        found += [name if relative == '.' else '%s/%s' % (relative, name) for name in files]
    return found


def top_level_imports(path):
    tree = ast.parse(path.read_text(encoding='utf-8'))
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module for node in ast.walk(tree)
              if isinstance(node, ast.ImportFrom) and node.module and not node.level}
    return {name.split('.')[0] for name in names}


def test_shipped_code_needs_nothing_that_is_not_shipped():
    # The built collection must be usable on its own: no shipped Python file may import a package that only the
    # repository has, such as the simulator (tests/simulator) or the benchmark's kfbench.
    patterns = load_yaml('galaxy.yml')['build_ignore']
    files = repository_files()
    unshipped_packages = {Path(name).parent.name for name in files
                          if name.endswith('/__init__.py') and build_ignored(name, patterns)}
    assert unshipped_packages, 'no package outside the built collection found: is tests/simulator still left out?'
    needing = {name: sorted(top_level_imports(COLLECTION / name) & unshipped_packages) for name in files
               if name.endswith('.py') and not build_ignored(name, patterns)}
    needing = {name: packages for name, packages in needing.items() if packages}
    assert not needing, 'shipped files import packages the built collection leaves out: %s' % needing
