# keyfactor.command: developer entry points. `make` lists them.
# The logic lives in tools/ci.py (settings such as KF_LEGS are documented there); this file stays thin.

PYTHON ?= python3
# Leg for sanity, units and integration: py311 (ansible-core 2.19) or py312 (newest 2.21); default: the first of KF_LEGS.
LEG ?=

CI_TOOL = $(PYTHON) tools/ci.py
LEG_OPTION = $(if $(LEG),--leg $(LEG))

.DEFAULT_GOAL := help

.PHONY: help test sanity units integration lint build clean

help: ## list the targets
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-12s %s\n", $$1, $$2}'

test: ## everything CI runs: sanity, units + coverage, integration on every leg; docs/changelog/ansible-lint; build; EE check
	$(CI_TOOL) test

sanity: ## ansible-test sanity (no ignore file allowed) on one leg, e.g. make sanity LEG=py312
	$(CI_TOOL) sanity $(LEG_OPTION)

units: ## ansible-test units on one leg, then the plugins/module_utils coverage check
	$(CI_TOOL) units $(LEG_OPTION)

integration: ## ansible-test integration on one leg
	$(CI_TOOL) integration $(LEG_OPTION)

lint: ## antsibull-docs lint-collection-docs, antsibull-changelog lint, ansible-lint (production profile)
	$(CI_TOOL) lint

build: ## ansible-galaxy collection build into dist/, checking that nothing unshippable went in
	$(CI_TOOL) build

clean: ## remove everything the targets create (.work, .venv, dist, .ansible)
	rm -rf .work .venv dist .ansible

# ---------------------------------------------------------------------------------------------
# Targets added by other parts of the project (demo, bench, soak, docs) go below this line.
# Give each a `## description` comment so that `make help` lists it, and add it to .PHONY.
# ---------------------------------------------------------------------------------------------

.PHONY: demo ee docs

demo: ## build and install the collection, start the simulator over TLS, approve what is pending, run again: nothing changes
	$(PYTHON) tools/demo.py

ee: ## build the collection, then check execution-environment/ with ansible-builder create and introspect (no image is built)
	$(CI_TOOL) ee

docs: ## build the HTML docs (module pages and docs/docsite guides) into .work/docs/site/build/html
	$(CI_TOOL) docs

.PHONY: bench

bench: ## issue 6: the collection against ansible.builtin.uri and plain Python (BENCH_QUICK=1 for a smoke check; benchmarks/README.md)
	$(PYTHON) benchmarks/bench.py

# --- soak (issue 7: reliability and security) --------------------------------------------------
.PHONY: soak

soak: ## issue 7: thousands of signals from concurrent runs under 503s, resets, lost answers and latency, then an audit check (KF_SOAK_* in tools/soak.py)
	$(PYTHON) tools/soak.py
