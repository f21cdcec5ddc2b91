# go-lambda-cdk: every command a user runs. `make help` lists them.
#
# Set-up is automatic: any target that needs the CDK CLI or Node.js first runs
# `npm ci` from package-lock.json, which also installs a supported Node.js
# (the "node" devDependency) into node_modules/.bin. That folder is put first
# on PATH, so the CDK CLI, the Go app it starts and the Go tests' jsii runtime
# all use it, whatever node the machine has.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

STAGE ?= dev
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

NPM_STAMP := node_modules/.ci-stamp
GO_PKGS := ./...
# TESTFLAGS adds `go test` flags, e.g. make test TESTFLAGS='-run Stack -v'.
TESTFLAGS ?=

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(NPM_STAMP): package.json package-lock.json
	@echo "setup: npm ci (pinned aws-cdk CLI and Node.js)"
	@npm ci --no-audit --no-fund --loglevel=error
	@# node_modules holds Go template files of the CDK CLI; a go.mod there
	@# keeps them out of ./... patterns.
	@printf 'module ignored\n' > node_modules/go.mod
	@node --version | grep -qE '^v(22|24)\.' || { echo "setup: node_modules/.bin/node is $$(node --version), want 22 or 24" >&2; exit 1; }
	@touch $@

.PHONY: setup
setup: $(NPM_STAMP) ## install the pinned CDK CLI and Node.js, download Go modules
	@go mod download

# The tests' Python tools (moto's AWS API emulator, cfn-lint), pinned in
# requirements-dev.txt, live in the project's own virtual environment .venv.
# It sees the machine's site-packages, so when those already hold the pinned
# versions nothing is downloaded; otherwise pip installs them from the index.
VENV := .venv
PY_STAMP := $(VENV)/.stamp
$(PY_STAMP): requirements-dev.txt
	@echo "setup: Python tools (moto server, cfn-lint) into $(VENV)"
	@command -v python3 >/dev/null || { echo "setup: python3 not found; install Python 3.9 or later (with venv)" >&2; exit 1; }
	@python3 -m venv --system-site-packages $(VENV)
	@$(VENV)/bin/python -m pip install --disable-pip-version-check -q --no-index -r requirements-dev.txt 2>/dev/null \
	  || $(VENV)/bin/python -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	@touch $@

.PHONY: pytools
pytools: $(PY_STAMP) ## install the tests' Python tools (moto server, cfn-lint) into .venv

.PHONY: package
package: ## build every function's bootstrap zip into dist/ and print the size table
	go run ./bin/package -stage $(STAGE)

.PHONY: synth
synth: setup ## build the zips and synthesize the stacks into cdk.out/ (no AWS account needed)
	cdk synth -c stage=$(STAGE) --quiet

.PHONY: test
test: setup pytools ## run every test (no AWS account, no Docker)
	go test $(TESTFLAGS) $(GO_PKGS)

.PHONY: update-snapshots
update-snapshots: setup ## rewrite the stack snapshots after an intended change
	UPDATE_SNAPS=true go test ./test/...

.PHONY: bench
bench: setup ## run the benchmarks and write docs/benchmarks.md (takes several minutes)
	@echo "bench: build step (cold and warm Go build cache, sizes against a naive build)"
	go run ./bin/bench-package
	@echo "bench: handlers under the Lambda Runtime Interface Emulator"
	go run ./internal/e2e/cmd/bench
	@echo "bench: local run"
	go test -run '^$$' -bench . ./internal/local/
	@echo "bench: warm make synth and make test"
	go run ./bin/bench-make -base 461e2c7

.PHONY: local
local: synth ## serve the whole app locally: API http://127.0.0.1:3000/$(STAGE)/, S3 on :3001, no Docker (Ctrl-C stops)
	go run ./bin/local serve -stack GoLambdaCdk-$(STAGE)

.PHONY: invoke
invoke: synth ## run one function once under the emulator: make invoke FN=api EVENT=event.json
	@if [ -z "$(FN)" ] || [ -z "$(EVENT)" ]; then echo "usage: make invoke FN=<api|processor|report> EVENT=<file> (sample events: go run ./bin/local event s3-put|api|schedule)" >&2; exit 2; fi
	go run ./bin/local invoke -stack GoLambdaCdk-$(STAGE) -fn $(FN) -event $(EVENT)

.PHONY: invoke-schedule
invoke-schedule: synth ## fire the nightly report's schedule now (EventBridge scheduled event, async retries)
	go run ./bin/local invoke-schedule -stack GoLambdaCdk-$(STAGE)

.PHONY: bootstrap
bootstrap: setup ## cdk bootstrap the target account and region (needs AWS credentials)
	npx cdk bootstrap -c stage=$(STAGE)

.PHONY: diff
diff: setup ## show what deploy would change (needs AWS credentials)
	npx cdk diff -c stage=$(STAGE)

.PHONY: deploy
deploy: setup ## deploy the STAGE stack, e.g. make deploy STAGE=prod (needs AWS credentials)
	npx cdk deploy -c stage=$(STAGE) --require-approval broadening

.PHONY: destroy
destroy: setup ## delete the STAGE stack (retained resources stay)
	npx cdk destroy -c stage=$(STAGE)

.PHONY: clean
clean: ## remove build output and local state (cdk.out, dist, .local)
	rm -rf cdk.out dist .local
