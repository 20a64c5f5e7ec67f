# /// script
# dependencies = ["nox>=2026.8.10", "antsibull-nox>=1.10,<2"]
# ///
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""keyfactor.command's test and tool sessions, on antsibull-nox (https://docs.ansible.com/projects/antsibull-nox/).

`nox -l` lists the sessions, `*` marks those `nox` runs by default: that is `make test`, and what CI runs.
antsibull-nox.toml configures antsibull-nox's own sessions (docs-check, extra-checks, ansible-lint, and the
complexity gate codeqa). This file adds what antsibull-nox has no offline session for:

- ansible-test sanity, units and integration on each ansible-core release of LEGS, through antsibull-nox's
  generic add_ansible_test_session with --venv: its own sanity/units/integration sessions run ansible-test in
  Docker and install ansible-core from GitHub, and the project's machines have neither;
- build (the collection into dist/, checked against galaxy.yml's build_ignore, then sanity on the unpacked
  tarball), galaxy-importer (Galaxy's importer, failing on any warning), ee (ansible-builder create and
  introspect: no container engine here) and supported-versions (the claims in the repository match LEGS);
- the developer tools docs, demo, soak and bench.
"""
import dataclasses
import fnmatch
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import nox
import yaml
from nox.command import CommandFailed

try:
    import antsibull_nox
except ImportError:
    print("You need to install antsibull-nox in the same Python environment as nox.")
    sys.exit(1)


REPO = Path(__file__).resolve().parent
NAMESPACE, NAME = "keyfactor", "command"
TARBALLS = f"{NAMESPACE}-{NAME}-*.tar.gz"
DIST = REPO / "dist"
SIMULATOR = "tests/simulator"


@dataclasses.dataclass(frozen=True)
class Leg:
    """An ansible-core release CI tests the collection with."""

    core: str  # minor release, e.g. "2.19"
    python: str  # controller Python: ansible-test sanity and integration run on it
    units_python: str  # the unit tests' Python; on a target-only one, only the module_utils and modules tests run
    once: bool = False  # whether this leg also runs the integration targets aliased ONCE_ALIAS

    @property
    def requirement(self):
        """ansible-core of this release, as a pip requirement."""
        major, minor = self.core.split(".")
        return f"ansible-core>={self.core},<{major}.{int(minor) + 1}"


# The releases CI tests, oldest first. The oldest is the lower bound of meta/runtime.yml's requires_ansible, the
# newest the newest release; the README's supported-versions table and the execution environment's ansible-core range
# say the same (the supported-versions session checks it). Python 3.9, the oldest Python the modules support, is a
# target-only Python, so the oldest release runs the module_utils and modules unit tests on it.
# The leg of the machines' default Python is the default leg: build, galaxy-importer, ee, docs, demo, soak and bench
# use its ansible-core, and `make sanity|units|integration` its sessions.
DEFAULT_LEG = Leg("2.19", python="3.11", units_python="3.11", once=True)
LEGS = (
    Leg("2.16", python="3.11", units_python="3.9"),
    DEFAULT_LEG,
    Leg("2.21", python="3.12", units_python="3.12"),
)

# Integration targets whose aliases file names this alias run on the leg with once=True only: slow targets whose
# result does not depend on the ansible-core release (races, faults, secrets at -vvvv, AWX jobs).
ONCE_ALIAS = "ci/once"

# Minimum coverage of plugins/module_utils by the unit tests, statements and branches as coverage.py counts them.
COVERAGE_MIN = float(os.environ.get("KF_COVERAGE_MIN") or 90)
COVERED = "plugins/module_utils/"

# galaxy.yml names no repository until the project has a public one, and galaxy-importer refuses a collection without
# it; the galaxy-importer session builds from a copy that gets this placeholder, never the committed galaxy.yml.
REPOSITORY_PLACEHOLDER = "https://placeholder.invalid/set-repository-in-galaxy.yml"
# What Galaxy and Automation Hub run on an upload, without ansible-test, which needs a container engine.
GALAXY_IMPORTER_CONFIG = """\
[galaxy-importer]
RUN_ANSIBLE_TEST = False
RUN_ANSIBLE_LINT = True
RUN_FLAKE8 = True
CHECK_REQUIRED_TAGS = True
REQUIRE_V1_OR_GREATER = True
"""

nox.options.error_on_missing_interpreters = True

# antsibull-nox's sessions first: they are the quickest, and `nox` runs sessions in the order they are added.
antsibull_nox.load_antsibull_nox_toml()


def fail(message):
    """End the running session as failed, with `message` as the reason."""
    nox.logger.logger.error(message)
    raise CommandFailed(message)


# --- the machine --------------------------------------------------------------------------------------------------

def _use_real_pyenv_interpreters():
    """Put pyenv's interpreters themselves on PATH, in place of its shims.

    A pyenv shim (pythonX.Y) exits 127 unless pyenv selects that version, which breaks both nox's and
    ansible-test's search for interpreters by version.
    """
    root = os.environ.get("PYENV_ROOT") or (shutil.which("pyenv") and subprocess.run(
        ["pyenv", "root"], capture_output=True, text=True, check=False).stdout.strip())
    if not root:
        return
    shims = os.path.join(root, "shims")
    interpreters = sorted(glob.glob(os.path.join(root, "versions", "3.*", "bin")), reverse=True)
    path = [entry for entry in os.environ.get("PATH", "").split(os.pathsep) if entry and entry != shims]
    os.environ["PATH"] = os.pathsep.join(path + interpreters)


_use_real_pyenv_interpreters()


# --- ansible-test -------------------------------------------------------------------------------------------------

def install_get_pip_shim():
    """Put the offline stand-in for ansible-test's get-pip script where ansible-test looks for it.

    ansible-test bootstraps pip in each venv it makes with a script downloaded from Ansible's CI file host, which the
    project's machines cannot reach, unless ~/.ansible/test/cache/get_pip_<pip version>.py exists. The pip version
    depends on the ansible-test release, so the shim goes under each version the ansible-tests of these sessions name.
    """
    sources = (REPO / ".nox").glob("*/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py")
    versions = {version for source in sources for version in re.findall(r"pip='([0-9.]+)'", source.read_text())}
    cache = Path.home() / ".ansible" / "test" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    for version in versions:
        shutil.copyfile(REPO / "tools" / "get_pip_shim.py", cache / f"get_pip_{version.replace('.', '_')}.py")


def install_simulator_with_test_requirements():
    """Add the simulator to the requirements ansible-test installs into its unit and integration venvs.

    Called in the copy of the collection that ansible-test runs in. ansible-test installs tests/*/requirements.txt
    from a temporary directory, so a relative path to the simulator would not resolve: the copy's absolute one is added.
    """
    for requirements in ("tests/unit/requirements.txt", "tests/integration/requirements.txt"):
        with open(requirements, "a", encoding="utf-8") as handle:
            handle.write(f"\n-e {Path.cwd() / SIMULATOR}\n")


def prepare_sanity():
    """The project allows no sanity ignore file: code that fails a sanity test gets fixed, not ignored."""
    install_get_pip_shim()
    ignore_files = sorted(path.as_posix() for path in Path("tests/sanity").glob("ignore-*.txt"))
    if ignore_files:
        fail(f"sanity ignore files are not allowed: {', '.join(ignore_files)}")


def prepare_ansible_test():
    install_get_pip_shim()
    install_simulator_with_test_requirements()


def drop_ansible_test_tmp():
    """Remove tests/output/.tmp of the copy, which antsibull-nox then copies into the repository's tests/output.

    It holds ansible-test's scratch files, such as the venv it delegates to with --venv: no results. And
    antsibull-nox 1.10 fails to copy a tree that deep: it walks it bottom-up and creates each directory
    without its parents (FileNotFoundError on .../.tmp/delegation/python3.11/lib/.../licenses).
    """
    shutil.rmtree("tests/output/.tmp", ignore_errors=True)


def finish_unit_tests():
    check_unit_coverage()
    drop_ansible_test_tmp()


def file_coverage(source):
    """(covered, coverable, gaps) of one <class> of coverage.py's Cobertura XML: statements plus branches."""
    covered = coverable = 0
    missed, partial = [], []
    for line in source.iter("line"):
        hit = int(line.get("hits")) > 0
        covered, coverable = covered + hit, coverable + 1
        if not hit:
            missed.append(line.get("number"))
        if line.get("branch") == "true":
            taken, possible = map(int, re.search(r"\((\d+)/(\d+)\)", line.get("condition-coverage")).groups())
            covered, coverable = covered + taken, coverable + possible
            if hit and taken < possible:
                partial.append(line.get("number"))
    gaps = ([f"lines not run: {','.join(missed)}"] if missed else []) + (
        [f"branches not taken at: {','.join(partial)}"] if partial else [])
    return covered, coverable, "; ".join(gaps)


def check_unit_coverage():
    """Fail under COVERAGE_MIN percent coverage of plugins/module_utils, or when no unit test imports one of its files.

    Called in the copy after `ansible-test coverage xml`. A file no test imports is absent from coverage.py's data, so
    it is looked for and named instead of silently raising the figure.
    """
    reports = sorted(Path("tests/output/reports").glob("coverage=units=*.xml"))
    if not reports:
        fail("no unit test coverage report in tests/output/reports (did the unit tests run?)")
    files = {source.get("filename"): file_coverage(source) for source in ET.parse(reports[0]).getroot().iter("class")
             if source.get("filename").startswith(COVERED)}
    width = max(map(len, files), default=0)
    for name, (covered, coverable, gaps) in sorted(files.items()):
        print(f"{name:<{width}}  {100.0 * covered / coverable if coverable else 100.0:6.1f}%  {gaps}")
    coverable = sum(entry[1] for entry in files.values())
    percent = 100.0 * sum(entry[0] for entry in files.values()) / coverable if coverable else 0.0
    sources = (path.as_posix() for path in Path(COVERED).rglob("*.py") if path.name != "__init__.py")
    never_imported = sorted(source for source in sources if source not in files)
    print(f"{COVERED}: {percent:.1f}% covered (minimum {COVERAGE_MIN:g}%)")
    if never_imported:
        fail(f"no unit test imports {', '.join(never_imported)}")
    if percent < COVERAGE_MIN:
        fail(f"{COVERED} is {percent:.1f}% covered by the unit tests, under the minimum of {COVERAGE_MIN:g}%")


def add_leg_sessions(leg):
    """ansible-test sanity, units and integration of one leg, each ansible-test run in venvs of its own (--venv)."""
    common = dict(ansible_core_version=leg.core, ansible_core_source="pypi", default=True)
    antsibull_nox.add_ansible_test_session(
        name=f"ansible-test-sanity-{leg.core}",
        description=f"ansible-test sanity with ansible-core {leg.core} on Python {leg.python}",
        ansible_test_params=["sanity", "--venv", "--python", leg.python, "--junit", "-v"],
        callback_before=prepare_sanity, callback_after=drop_ansible_test_tmp, **common)
    antsibull_nox.add_ansible_test_session(
        name=f"ansible-test-units-{leg.core}",
        description=f"ansible-test units with ansible-core {leg.core} on Python {leg.units_python},"
                    f" with the {COVERED} coverage gate",
        ansible_test_params=["units", "--venv", "--python", leg.units_python, "--coverage"],
        callback_before=prepare_ansible_test, callback_after=finish_unit_tests, **common)
    selection = [] if leg.once else ["--exclude", f"{ONCE_ALIAS}/"]
    antsibull_nox.add_ansible_test_session(
        name=f"ansible-test-integration-{leg.core}",
        description=f"ansible-test integration with ansible-core {leg.core} on Python {leg.python}"
                    + ("" if leg.once else f" (without the targets aliased {ONCE_ALIAS})"),
        ansible_test_params=["integration", "--venv", "--python", leg.python, "--requirements", *selection],
        callback_before=prepare_ansible_test, callback_after=drop_ansible_test_tmp, **common)


for _leg in LEGS:
    add_leg_sessions(_leg)


def add_meta_session(kind):
    """ansible-test-<kind>: the <kind> sessions of every leg, as antsibull-nox names its own meta sessions."""
    def run_all(session):  # pylint: disable=unused-argument
        """Runs nothing itself: nox runs the sessions it requires."""
    run_all.__doc__ = f"ansible-test {kind} on every leg ({', '.join(leg.core for leg in LEGS)})"
    nox.session(name=f"ansible-test-{kind}", python=False, default=False,
                requires=[f"ansible-test-{kind}-{leg.core}" for leg in LEGS])(run_all)


for _kind in ("sanity", "units", "integration"):
    add_meta_session(_kind)


# --- building and checking the collection ---------------------------------------------------------------------------

def working_tree_files():
    """The files a commit of the working tree would hold: tracked, plus untracked ones git does not ignore."""
    listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=REPO, capture_output=True, check=True).stdout
    return [name for name in os.fsdecode(listing).split("\0") if name and os.path.lexists(REPO / name)]


def copy_working_tree(dest):
    for name in working_tree_files():
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, dest / name, follow_symlinks=False)


def build_ignored(path, patterns):
    """Whether galaxy.yml's build_ignore keeps `path` out: ansible-galaxy matches each path, and so each of its
    parent directories, against the patterns with fnmatch."""
    parts = path.split("/")
    return any(fnmatch.fnmatch("/".join(parts[:depth]), pattern)
               for depth in range(1, len(parts) + 1) for pattern in patterns)


def build_collection(session, source, output):
    """ansible-galaxy collection build of `source` into `output`; returns the tarball."""
    for old in output.glob(TARBALLS):
        old.unlink()
    session.run("ansible-galaxy", "collection", "build", "--force", "--output-path", str(output), str(source),
                silent=True)
    return next(output.glob(TARBALLS))


def install_built_collection(session):
    """Build the working tree and install the tarball into the session's collections path, as a user would."""
    tmp = Path(session.create_tmp()).resolve()
    tarball = build_collection(session, REPO, tmp / "dist")
    collections = tmp / "collections"
    shutil.rmtree(collections, ignore_errors=True)
    session.run("ansible-galaxy", "collection", "install", "--offline", "--force", "--collections-path",
                str(collections), str(tarball), silent=True)
    return collections


@nox.session(default=True)
def build(session):
    """Build the collection into dist/, check what it ships, run sanity on the unpacked tarball.

    The tarball must hold nothing galaxy.yml's build_ignore keeps out and nothing git does not know (generated files).
    """
    session.install(DEFAULT_LEG.requirement)
    DIST.mkdir(exist_ok=True)
    tarball = build_collection(session, REPO, DIST)
    patterns = yaml.safe_load((REPO / "galaxy.yml").read_text(encoding="utf-8"))["build_ignore"]
    with tarfile.open(tarball) as archive:
        files = [member.name.removeprefix("./") for member in archive.getmembers() if member.isfile()]
    generated = {"MANIFEST.json", "FILES.json"}
    known = set(working_tree_files()) | generated
    ignored = sorted(name for name in files if name not in generated and build_ignored(name, patterns))
    unknown = sorted(name for name in files if name not in known)
    if ignored or unknown:
        fail(f"{tarball.name} ships {', '.join(ignored + unknown)}: "
             + ("matched by galaxy.yml build_ignore; " if ignored else "")
             + ("not files of the repository (generated? add them to build_ignore)" if unknown else ""))
    session.log(f"{tarball.relative_to(REPO)}: {len(files)} files, none that build_ignore keeps out")

    # The tarball is what users install: its own sanity run shows that nothing it needs was left out. It is unpacked
    # outside this repository, where ansible-test would list the files with git and find them all ignored.
    unpacked = Path(tempfile.mkdtemp(prefix="keyfactor-command-tarball-"))
    try:
        collection = unpacked / "ansible_collections" / NAMESPACE / NAME
        collection.mkdir(parents=True)
        with tarfile.open(tarball) as archive:
            archive.extractall(collection, filter="data")
        install_get_pip_shim()
        with session.chdir(collection):
            session.run("ansible-test", "sanity", "--venv", "--python", DEFAULT_LEG.python, "-v")
    finally:
        shutil.rmtree(unpacked, ignore_errors=True)


@nox.session(name="galaxy-importer", default=True)
def galaxy_importer(session):
    """Galaxy's importer on the built collection; any warning or error it reports fails.

    While galaxy.yml names no repository, which the importer requires, the build gets a placeholder for this check.
    """
    session.install(DEFAULT_LEG.requirement, "galaxy-importer>=0.4.44,<0.5")
    tmp = Path(session.create_tmp()).resolve()
    source = tmp / "collection"
    shutil.rmtree(source, ignore_errors=True)
    copy_working_tree(source)
    galaxy = yaml.safe_load((source / "galaxy.yml").read_text(encoding="utf-8"))
    if not galaxy.get("repository"):
        galaxy["repository"] = REPOSITORY_PLACEHOLDER
        (source / "galaxy.yml").write_text(yaml.safe_dump(galaxy, sort_keys=False), encoding="utf-8")
        session.log(f"galaxy.yml names no repository: this check's build uses {REPOSITORY_PLACEHOLDER}")
    tarball = build_collection(session, source, tmp / "dist")
    config = tmp / "galaxy-importer.cfg"
    config.write_text(GALAXY_IMPORTER_CONFIG, encoding="utf-8")
    with session.chdir(tmp):  # the importer writes importer_result.json into the current directory
        output = session.run("python", "-m", "galaxy_importer.main", str(tarball),
                             env={"GALAXY_IMPORTER_CONFIG": str(config)}, silent=True)
    print(output)
    complaints = [line for line in output.splitlines() if re.match(r"^(WARNING|ERROR)\b", line)]
    if complaints:
        fail(f"galaxy-importer reported {len(complaints)} warning(s) or error(s), the first: {complaints[0]}")


@nox.session(default=True)
def ee(session):
    """Check execution-environment/ with ansible-builder create and introspect (after `make build`), and the EDA
    decision environment (extensions/eda/decision-environment.yml) with ansible-builder create.

    No image is built: that needs a container engine, which the project's machines lack.
    """
    tarballs = sorted(DIST.glob(TARBALLS))
    if len(tarballs) != 1:
        fail(f"dist/ holds {len(tarballs)} {TARBALLS} instead of one: build the collection first with `make build`"
             " (or ansible-galaxy collection build --output-path dist)")
    session.install("ansible-builder>=3.1,<4", DEFAULT_LEG.requirement)
    work = Path(session.create_tmp()).resolve()
    context = work / "context"
    shutil.rmtree(context, ignore_errors=True)
    session.run("ansible-builder", "create", "--file", "execution-environment/execution-environment.yml",
                "--context", str(context), "--output-filename", "Containerfile")
    copied = sorted(path.name for path in context.glob(f"_build/collections/{TARBALLS}"))
    if copied != [tarballs[0].name]:
        fail(f"the build context has {copied or 'nothing'} in _build/collections instead of {tarballs[0].name}")
    installed = work / "collections"
    shutil.rmtree(installed, ignore_errors=True)
    session.run("ansible-galaxy", "collection", "install", "--offline", "--collections-path", str(installed),
                str(tarballs[0]), silent=True)
    requirements = work / "requirements.txt"
    session.run("ansible-builder", "introspect", "--write-pip", str(requirements), str(installed))
    found = re.search(r"^requests\b.*$", requirements.read_text(encoding="utf-8"), re.MULTILINE)
    if not found:
        fail(f"ansible-builder introspect did not find requests in the collection's metadata; see {requirements}")
    session.log(f"build context in {context}; introspect found {found.group(0)}")
    decisions = work / "de-context"
    shutil.rmtree(decisions, ignore_errors=True)
    session.run("ansible-builder", "create", "--file", "extensions/eda/decision-environment.yml",
                "--context", str(decisions), "--output-filename", "Containerfile")
    session.log(f"decision environment build context in {decisions}")


def supported_version_problems():
    """Where meta/runtime.yml, the execution environment and the README disagree with LEGS."""
    oldest, newest = LEGS[0], LEGS[-1]
    problems = []
    requires = yaml.safe_load((REPO / "meta" / "runtime.yml").read_text(encoding="utf-8"))["requires_ansible"]
    if requires != f">={oldest.core}.0":
        problems.append(f"meta/runtime.yml requires_ansible is {requires!r}, not '>={oldest.core}.0'")
    ee_file = REPO / "execution-environment" / "execution-environment.yml"
    ee_core = yaml.safe_load(ee_file.read_text(encoding="utf-8"))["dependencies"]["ansible_core"]["package_pip"]
    wanted = f"ansible-core>={oldest.core},<{newest.requirement.rsplit('<', 1)[1]}"
    if ee_core != wanted:
        problems.append(f"execution-environment.yml installs {ee_core!r}, not {wanted!r}")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    row = re.search(r"^\| ansible-core \|(.*)\|$", readme, re.MULTILINE)
    tested = [f"{leg.core} on Python {leg.python}" for leg in LEGS]
    if not row or any(claim not in row.group(1) for claim in tested):
        problems.append(f"README.md's supported-versions row for ansible-core must name {', '.join(tested)}")
    return problems


@nox.session(name="supported-versions", python=False, default=True)
def supported_versions(session):
    """Check that requires_ansible, the execution environment and the README name the releases CI tests (LEGS)."""
    problems = supported_version_problems()
    if problems:
        fail("; ".join(problems))
    session.log(f"requires_ansible, the execution environment and README.md agree with CI: "
                f"{', '.join(leg.core for leg in LEGS)}")


# --- developer tools (not run by `nox` alone) -----------------------------------------------------------------------

def install_tool_venv(session, *extra):
    """The default leg's ansible-core and the simulator (editable), plus `extra`."""
    session.install(DEFAULT_LEG.requirement, "-e", SIMULATOR, *extra)


@nox.session(default=False)
def demo(session):
    """Approve what is pending on the simulator with the installed collection, then run again: nothing changes."""
    install_tool_venv(session)
    collections = install_built_collection(session)
    session.run("python", "tools/demo.py", "--collections-path", str(collections), "--work-dir", session.create_tmp())


@nox.session(default=False)
def soak(session):
    """Thousands of signals from concurrent runs under faults, then an audit check (KF_SOAK_* in tools/soak.py)."""
    install_tool_venv(session)
    collections = install_built_collection(session)
    session.run("python", "tools/soak.py", "--collections-path", str(collections), "--work-dir", session.create_tmp())


@nox.session(default=False)
def bench(session):
    """The collection against ansible.builtin.uri and plain Python on the simulator (benchmarks/README.md).

    BENCH_* environment variables set it up (BENCH_QUICK=1 for a smoke check); arguments after -- go to run.py.
    """
    install_tool_venv(session)
    collections = install_built_collection(session)
    settings = [f"{name}={shlex.quote(value)}" for name, value in sorted(os.environ.items())
                if name.startswith("BENCH_") and value and name != "BENCH_COMMAND"]
    recorded = " ".join(["make bench", *settings, *map(shlex.quote, session.posargs)])
    work = Path(session.create_tmp()).resolve() / "runs"
    session.run("python", "benchmarks/run.py", "--collections-path", str(collections), "--work-dir", str(work),
                "--command", recorded, *session.posargs)


@nox.session(name="bench-tests", default=False)
def bench_tests(session):
    """The benchmark's own unit tests (its measurement and report logic)."""
    install_tool_venv(session, "pytest")
    session.run("python", "-m", "pytest", "-c", "benchmarks/pytest.ini", "benchmarks/tests", *session.posargs)


def guides_as_markdown(session, *args):
    session.install("docutils>=0.20", "PyYAML")
    session.run("python", "tools/rst_to_markdown.py", *args)


@nox.session(name="docs-md", default=False)
def docs_md(session):
    """Write docs/<guide>.md from the guides in docs/docsite/rst (run it after editing a guide)."""
    guides_as_markdown(session)


@nox.session(name="docs-md-check", default=True)
def docs_md_check(session):
    """Check that docs/<guide>.md are generated from the current guides in docs/docsite/rst."""
    guides_as_markdown(session, "--check")


# There is no network here beyond PyPI, so Sphinx cannot fetch the inventories of docs.python.org and docs.ansible.com,
# and the module pages' links into them stay plain text. Those warnings are expected; any other fails the build.
OFFLINE_SPHINX_WARNING = re.compile(
    r"failed to reach any of the inventories|undefined label: '(?!ansible_collections\.keyfactor\.command)")


@nox.session(default=False)
def docs(session):
    """Build the HTML docs as antsibull-docs publishes them, into .nox/docs/tmp/site/build/html.

    The module pages and the guides of docs/docsite, from the collection built and installed as a user would.
    """
    session.install(DEFAULT_LEG.requirement, "antsibull-docs>=2.28,<3", "ansible-pygments<1", "sphinx>=8,<10",
                    "sphinx-ansible-theme>=0.10,<1")
    collections = install_built_collection(session)
    site = Path(session.create_tmp()).resolve() / "site"
    shutil.rmtree(site, ignore_errors=True)
    site.mkdir(mode=0o755)  # antsibull-docs writes only into a directory no one else may write to
    env = {"ANSIBLE_COLLECTIONS_PATH": str(collections)}
    # --lenient: no -W, so the offline warnings do not stop the build; the others are caught below.
    session.run("antsibull-docs", "sphinx-init", "--use-current", "--squash-hierarchy", "--fail-on-error",
                "--lenient", "--dest-dir", str(site), f"{NAMESPACE}.{NAME}", env=env)
    output = session.run("bash", str(site / "build.sh"), env=env, silent=True, external=True)
    warnings = [line for line in output.splitlines() if "WARNING" in line and not OFFLINE_SPHINX_WARNING.search(line)]
    if warnings:
        fail(f"{len(warnings)} Sphinx warning(s), the first: {warnings[0]}")
    session.log(f"open {site / 'build' / 'html' / 'index.html'}")


# Allow to run the noxfile with `python noxfile.py`, `pipx run noxfile.py`, or similar.
if __name__ == "__main__":
    nox.main()
