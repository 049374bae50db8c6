# The one entry point: every target sets up what it needs (virtualenv, packages, embedded PostgreSQL).
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements-dev.txt layers/core/requirements.txt | sha1sum | cut -c1-12)
# checkov lives in a virtualenv of its own: its many pinned dependencies would clash with the project's.
TOOLS := .venv-tools
TOOLS_STAMP := $(TOOLS)/.installed-$(shell sha1sum requirements-tools.txt | cut -c1-12)
CHECKOV := $(TOOLS)/bin/checkov -f template.yaml --framework cloudformation --compact --quiet --skip-download

# Python 3.12 (what Lambda runs) when it works, else python3 >= 3.11. pyenv shims that exist but are not
# selected fail the version probe and are skipped.
PYTHON ?= $(shell for p in python3.12 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12*/bin/python3.12 2>/dev/null) python3 python3.11; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1; then echo $$p; break; fi; done)

CLIENT := clients/typescript
NODE_STAMP := $(CLIENT)/node_modules/.installed-$(shell sha1sum $(CLIENT)/package-lock.json | cut -c1-12)

.PHONY: help venv dev digest test test-fast test-pooler fuzz lint security format typecheck build validate \
	verify-build bench clean openapi client client-check

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(STAMP): requirements-dev.txt layers/core/requirements.txt
	@test -n "$(PYTHON)" || { echo "Python >= 3.11 not found (python3.12 preferred)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $@

$(TOOLS_STAMP): requirements-tools.txt
	@test -n "$(PYTHON)" || { echo "Python >= 3.11 not found (python3.12 preferred)"; exit 1; }
	@test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --upgrade pip
	$(TOOLS)/bin/python -m pip install --quiet -r requirements-tools.txt
	@rm -f $(TOOLS)/.installed-* && touch $@

venv: $(STAMP) ## create .venv and install the pinned packages

dev: $(STAMP) ## serve the whole API on http://127.0.0.1:$${PORT:-3000} with an embedded PostgreSQL
	$(PY) -m local

digest: $(STAMP) ## run the morning digest once now, against the same database (mails in .local/outbox/)
	$(PY) -m local digest

test: $(STAMP) lint client-check verify-build ## lint, the typed client, the built artifacts (verify-build), then every other test
	$(PY) -m pytest -n 2 --dist loadfile -m "not build"

test-fast: $(STAMP) ## unit and integration tests only
	$(PY) -m pytest -n 2 --dist loadfile -m "not gateway and not slow and not build"

# Bounded: FUZZ_EXAMPLES per operation, at most FUZZ_OPERATION_SECONDS each, the whole run killed after FUZZ_TIMEOUT.
FUZZ_EXAMPLES ?= 100
FUZZ_OPERATION_SECONDS ?= 20
FUZZ_TIMEOUT ?= 3600
fuzz: $(STAMP) ## longer bounded fuzzing: every operation with many random examples, plus the type extremes
	FUZZ_LONG=1 FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_OPERATION_SECONDS=$(FUZZ_OPERATION_SECONDS) \
		timeout $(FUZZ_TIMEOUT) $(PY) -m pytest -n 2 --dist loadfile tests/fuzz

test-pooler: $(STAMP) ## integration and gateway tests through pgbouncer (transaction mode, pool of 3)
	@command -v pgbouncer >/dev/null 2>&1 || test -x /usr/sbin/pgbouncer || { \
		echo "installing pgbouncer (Debian package)"; SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq pgbouncer >/dev/null; }
	FARM_TEST_POOLER=1 $(PY) -m pytest -n 2 --dist loadfile tests/integration tests/gateway

lint: $(STAMP) $(TOOLS_STAMP) ## ruff lint + format check, mypy strict, checkov on the template
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy layers/core/farm_erp functions local tests bench
	$(CHECKOV)

security: $(TOOLS_STAMP) ## checkov on template.yaml: a finding not fixed or skipped with a reason fails
	$(CHECKOV)

format: $(STAMP) ## apply ruff fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

validate: $(STAMP) ## sam validate --lint (offline)
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-eu-west-1} $(VENV)/bin/sam validate --lint

build: $(STAMP) validate ## sam build, then compile the bytecode into the artifacts (python3.12 on PATH: found as above)
	PATH="$$(dirname $$(command -v $(PYTHON))):$$PATH" $(VENV)/bin/sam build --parallel
	$(PYTHON) -m local.bytecode .aws-sam/build

# The functions and the layer as `sam build` packages them (for this machine's CPU, cached on a hash of the sources),
# run by awslambdaric under aws-sam-cli's Lambda runtime interface emulator in .venv-runtime (only awslambdaric and
# boto3, as the Lambda runtime has): one real flow, and broken copies that must fail (local/artifact.py, tests/build).
verify-build: $(STAMP) ## build functions + layer for this CPU and run them as Lambda would (one real flow)
	$(PY) -m local.artifact
	$(PY) -m pytest tests/build -m build

$(NODE_STAMP): $(CLIENT)/package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js (>= 18)"; exit 1; }
	cd $(CLIENT) && npm ci --no-audit --no-fund --loglevel=error
	@rm -f $(CLIENT)/node_modules/.installed-* && touch $@

openapi: $(STAMP) ## write docs/openapi.json (the merged OpenAPI of every function) from the code
	$(PY) -m local.openapi

client: openapi $(NODE_STAMP) ## docs/openapi.json, then the TypeScript types clients/typescript/farm-erp.d.ts
	cd $(CLIENT) && npx --no-install openapi-typescript ../../docs/openapi.json --output farm-erp.d.ts

client-check: $(STAMP) $(NODE_STAMP) ## fail unless docs/openapi.json and farm-erp.d.ts are current and example.ts compiles (tsc --strict)
	$(PY) -m local.openapi --check
	cd $(CLIENT) && npx --no-install openapi-typescript ../../docs/openapi.json --output .farm-erp.check.d.ts >/dev/null \
		&& { cmp -s farm-erp.d.ts .farm-erp.check.d.ts || { rm -f .farm-erp.check.d.ts; \
		echo "$(CLIENT)/farm-erp.d.ts is not current: run \`make client\`"; exit 1; }; } && rm -f .farm-erp.check.d.ts
	cd $(CLIENT) && npx --no-install tsc --strict --noEmit --target es2022 --module es2022 --moduleResolution bundler \
		--lib es2022,dom example.ts

# `make bench SCALE=10` also grows every volume table to 10x and prints the main routes at 1x and 10x side by side;
# ARGS passes any other option through (`make bench ARGS="--skip-load --samples 9"`). make itself rejects
# `make bench --scale 10` (an unknown make option), hence the variables.
SCALE ?= 1
ARGS ?=
bench: $(STAMP) ## cold starts vs the floor, warm latency, gateway throughput, SQL counts (SCALE=10: growth) → bench/results.json
	$(PY) -m bench --scale $(SCALE) $(ARGS)

clean: ## remove build output and local state (keeps .venv)
	rm -rf .aws-sam .local .venv-runtime
