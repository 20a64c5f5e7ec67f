# keyfactor.command: developer entry points. `make` lists them.
# Each target runs nox sessions (noxfile.py, antsibull-nox.toml) from the venv .venv/nox, made on first use;
# `.venv/nox/bin/nox -l` lists every session, and CONTRIBUTING.md says how to run a single test.

PYTHON ?= python3
# The ansible-core release `make sanity`, `units` and `integration` test with: 2.16, 2.19 or 2.21 (LEGS in noxfile.py).
CORE ?= 2.19

NOX_VENV := .venv/nox
NOX_REQUIREMENTS := 'nox>=2026.8.10' 'antsibull-nox>=1.10,<2'
# Existing session venvs are reused (their packages are still brought up to date); `make clean` removes them.
NOX := $(NOX_VENV)/bin/nox --reuse-venv=yes
REPORT := .nox/report.json

.DEFAULT_GOAL := help

.PHONY: help test sanity units integration lint build ee docs docs-md demo soak bench bench-tests complexity clean

help: ## list the targets
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-12s %s\n", $$1, $$2}'

$(NOX_VENV)/bin/nox: Makefile
	rm -rf $(NOX_VENV)
	$(PYTHON) -m venv $(NOX_VENV)
	$(NOX_VENV)/bin/python -m pip install --quiet --disable-pip-version-check $(NOX_REQUIREMENTS)

test: $(NOX_VENV)/bin/nox ## everything CI runs: docs, lint, build, Galaxy import, EE checks; sanity, units, integration on each ansible-core release
	@rm -f $(REPORT); status=0; $(NOX) --report $(REPORT) || status=$$?; $(NOX_VENV)/bin/python tools/nox_summary.py $(REPORT); exit $$status

sanity: $(NOX_VENV)/bin/nox ## ansible-test sanity (no ignore file allowed), e.g. make sanity CORE=2.16
	$(NOX) -s ansible-test-sanity-$(CORE)

units: $(NOX_VENV)/bin/nox ## ansible-test units with the coverage gate of plugins/module_utils
	$(NOX) -s ansible-test-units-$(CORE)

integration: $(NOX_VENV)/bin/nox ## ansible-test integration
	$(NOX) -s ansible-test-integration-$(CORE)

lint: $(NOX_VENV)/bin/nox ## antsibull-docs lint, extra checks (action group, plugins/ contents), ansible-lint
	$(NOX) -s docs-check extra-checks ansible-lint

build: $(NOX_VENV)/bin/nox ## build the collection into dist/, check nothing build_ignore excludes ships, sanity on the tarball
	$(NOX) -s build

ee: $(NOX_VENV)/bin/nox ## check execution-environment/ with ansible-builder create and introspect (make build first; no image is built)
	$(NOX) -s ee

docs-md: $(NOX_VENV)/bin/nox ## write docs/<guide>.md from docs/docsite/rst (the guides as Galaxy and Automation Hub show them); run after editing a guide
	$(NOX) -s docs-md

docs: $(NOX_VENV)/bin/nox ## build the HTML docs (module pages and docs/docsite guides) into .nox/docs/tmp/site/build/html
	$(NOX) -s docs

demo: $(NOX_VENV)/bin/nox ## build and install the collection, start the simulator over TLS, approve what is pending, run again: nothing changes
	$(NOX) -s demo

soak: $(NOX_VENV)/bin/nox ## thousands of signals from concurrent runs under 503s, resets, lost answers and latency, then an audit check (KF_SOAK_* in tools/soak.py)
	$(NOX) -s soak

bench: $(NOX_VENV)/bin/nox ## the collection against ansible.builtin.uri and plain Python (BENCH_QUICK=1 for a smoke check; benchmarks/README.md)
	$(NOX) -s bench

bench-tests: $(NOX_VENV)/bin/nox ## the benchmark's own unit tests
	$(NOX) -s bench-tests

complexity: $(NOX_VENV)/bin/nox ## the complexity gate: flake8 max-complexity 10 and lines of at most 120 characters on plugins/ (part of make test)
	$(NOX) -s codeqa

clean: ## remove everything the targets create (.nox, .venv, dist, tests/output)
	rm -rf .nox .venv dist tests/output
