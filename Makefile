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

# The go commands make runs (the CDK app through `cdk synth`, the other
# commands, the test binaries) link without the symbol table: -s, which
# implies -w (no DWARF) since Go 1.22. The app links a 100 MB executable
# after every stacks/ edit; without the tables that link takes about a third
# less time (docs/benchmarks.md). Stack traces keep file and line. An
# -ldflags already in GOFLAGS is left as it is; the functions' zips set
# their own flags (docs/build.md).
export GOFLAGS := $(if $(findstring -ldflags,$(GOFLAGS)),$(GOFLAGS),$(strip $(GOFLAGS) -ldflags=-s))

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

# The app reuses cdk.out/ when nothing that determines it changed and says
# so ("synth: reused cdk.out ..."); SYNTH_CACHE=off, which make passes on to
# the app, synthesizes anyway (docs/build.md, "Synth cache").
.PHONY: synth
synth: setup ## build the zips and synthesize the stacks into cdk.out/, reused when nothing changed; SYNTH_CACHE=off forces a synth (no AWS account needed)
	cdk synth -c stage=$(STAGE) $(CDK_CONTEXT) --quiet

.PHONY: test
test: setup pytools ## run every test (no AWS account, no Docker)
	go test -timeout 30m $(TESTFLAGS) $(GO_PKGS)

# The 200-function synth takes minutes (each new function compiles once),
# so make test checks the placement at 200 functions on the plan only.
.PHONY: test-scale
test-scale: setup ## scaffold 200 functions of every kind into a copy, synthesize them and check every template against CloudFormation's limits (minutes)
	SCALE_FUNCTIONS=200 go test -count=1 -timeout 60m -run TestSynthAtScale -v ./test/scale/

.PHONY: update-snapshots
update-snapshots: setup ## rewrite the stack snapshots (and the local run's template fixture) after an intended change
	UPDATE_SNAPS=true go test -short ./test/...

.PHONY: new-function
new-function: ## scaffold a function: make new-function NAME=thumbnail TRIGGER=s3:images/ (or api:/path, 'schedule:0 6 * * ? *', none)
	@go run ./bin/new-function -name "$(NAME)" -trigger "$(TRIGGER)" $(if $(DESCRIPTION),-description "$(DESCRIPTION)")

.PHONY: bench
bench: setup pytools ## run the benchmarks and write docs/benchmarks.md (takes an hour or more); BENCH_RUNS=1 for a quick run of the issue 19 ones
	@echo "bench: build step (cold and warm Go build cache, sizes against a naive build)"
	go run ./bin/bench-package
	@echo "bench: handlers under the Lambda Runtime Interface Emulator"
	go run ./bin/bench-handlers
	@echo "bench: local run"
	go test -run '^$$' -bench '^Benchmark(Start|APIRequest|UploadToResult)$$' ./internal/local/
	@echo "bench: make local, save to served"
	go run ./bin/bench-reload $(if $(BENCH_RUNS),-saves $(BENCH_RUNS))
	@echo "bench: warm make synth and make test"
	go run ./bin/bench-make -base 461e2c7
	@echo "bench: warm make synth before and after the operations resources (issue 10)"
	go run ./bin/bench-make -base 98b4d88 -heading "## Synth before and after the operations resources" -rows nochange,stacks -runs 3 -test-runs 0
	@echo "bench: make synth with 50 and 200 declared functions against 3, with each template's size"
	go run ./bin/bench-scale
	@echo "bench: inner loop against 28cc21a (issue 19): warm make synth (nothing changed, handler edit, stacks/ edit) and warm make test"
	go run ./bin/bench-make -base 28cc21a -heading "## Inner loop against 28cc21a" -rows nochange,handler,stacks $(if $(BENCH_RUNS),-runs $(BENCH_RUNS) -test-runs $(BENCH_RUNS))
	@echo "bench: hotswap against a full deploy of the same edit, on the emulator"
	go run ./bin/bench-hotswap $(if $(BENCH_RUNS),-runs $(BENCH_RUNS))

.PHONY: local
local: synth ## serve the whole app locally: API http://127.0.0.1:3000/$(STAGE)/, S3 on :3001, Lambda Invoke API on :3002, no Docker; a saved handler is rebuilt and reloaded (Ctrl-C stops)
	go run ./bin/local serve -stack $(APP_STACK)

.PHONY: invoke
invoke: synth ## run one function once under the emulator: make invoke FN=api EVENT=event.json
	@if [ -z "$(FN)" ] || [ -z "$(EVENT)" ]; then echo "usage: make invoke FN=<function, as declared in functions/declared.go> EVENT=<file> (sample events: go run ./bin/local event s3-put|api|schedule)" >&2; exit 2; fi
	go run ./bin/local invoke -stack $(APP_STACK) -fn $(FN) -event $(EVENT)

.PHONY: invoke-schedule
invoke-schedule: synth ## fire a schedule now (EventBridge scheduled event, async retries); RULE=<logical ID> when the stack has several
	go run ./bin/local invoke-schedule -stack $(APP_STACK) $(if $(RULE),-rule $(RULE))

.PHONY: redrive
redrive: ## replay failed async events: make redrive FN=processor [STAGE=prod] [DRY_RUN=1] [LOCAL=1 against make local]
	@if [ -z "$(FN)" ]; then echo "usage: make redrive FN=<processor|report> [STAGE=dev|prod] [DRY_RUN=1] [LOCAL=1]" >&2; exit 2; fi
	go run ./bin/redrive -stage $(STAGE) -fn $(FN) $(if $(DRY_RUN),-dry-run) $(if $(LOCAL),-local)

# Deploying (needs AWS credentials; see docs/deploy.md).
# APPROVE=1 runs unattended (CI): deploy without asking about IAM changes,
# destroy without asking. CDK_CONTEXT passes more -c key=value settings to
# every command, e.g. CDK_CONTEXT='-c prod.account=111122223333'. CDK_OUT is
# the synthesized app's folder. PREFLIGHT_VIA_LOOKUP_ROLE=1 makes preflight
# read through the CDK bootstrap's lookup role (the GitHub deploy role may
# only assume the bootstrap roles).
APPROVE ?=
CDK_CONTEXT ?=
CDK_OUT ?= cdk.out
# The stage's stack name (the project's name in PascalCase and the stage,
# e.g. GoLambdaCdk-dev) comes from bin/names, which reads the configuration
# as the app does but does not link the CDK (0.2 s of CPU through go run,
# against 0.5 s for the app); asked once per make run and only by the
# targets that use it.
APP_STACK = $(eval APP_STACK := $$(shell go run ./bin/names -print stack-name -stage $(STAGE) $(CDK_CONTEXT)))$(APP_STACK)
# The CLI runs from node_modules/.bin (first on PATH, installed by setup)
# directly: through npx each command would start npm first (0.3 s of CPU).
CDK := cdk --no-notices -o $(CDK_OUT) -c stage=$(STAGE) $(CDK_CONTEXT)
ifeq ($(APPROVE),1)
DEPLOY_APPROVAL := --require-approval never
DESTROY_FORCE := --force
else
DEPLOY_APPROVAL := --require-approval broadening
DESTROY_FORCE :=
endif

# bootstrap synthesizes as make synth does (so make deploy reuses it), and
# cdk bootstrap and the account stack's deploy read that assembly
# (--app): cdk bootstrap takes the stacks' environment from it without
# running the app again.
.PHONY: bootstrap
bootstrap: setup ## cdk bootstrap the account and region, then deploy the account stack <project>-account
	$(CDK) synth --quiet
	$(CDK) bootstrap --app $(CDK_OUT)
	$(CDK) deploy --app $(CDK_OUT) '*-account' $(DEPLOY_APPROVAL)

# preflight synthesizes once into CDK_OUT; diff and deploy then use that
# very template (--app) instead of synthesizing again. SYNTH=0 skips that
# synth: preflight, diff and deploy then use the app already synthesized in
# CDK_OUT (by make synth, make bootstrap or an earlier make deploy), as it is.
SYNTH ?= 1
.PHONY: preflight
preflight: setup ## read-only checks of the target account (credentials, bootstrap, API Gateway role, Lambda quota); SYNTH=0 uses the app already in CDK_OUT
ifneq ($(SYNTH),0)
	$(CDK) synth --quiet
endif
	go run ./bin/preflight -stage $(STAGE) -cdk-out $(CDK_OUT) $(if $(filter 1,$(PREFLIGHT_VIA_LOOKUP_ROLE)),-via-lookup-role) $(CDK_CONTEXT)

.PHONY: diff
diff: preflight ## show what deploy would change (needs AWS credentials)
	$(CDK) diff --app $(CDK_OUT) $(APP_STACK)

# HOTSWAP=1 (dev only; the command refuses prod) skips CloudFormation and
# CodeDeploy: it rebuilds, uploads each changed function's code, publishes a
# version and moves the live alias (docs/deploy.md, "Hotswap (dev only)").
.PHONY: deploy
deploy: $(if $(filter 1,$(HOTSWAP)),,preflight) ## deploy the STAGE stack, e.g. make deploy STAGE=prod [APPROVE=1]; STAGE=dev HOTSWAP=1 swaps changed code only (needs AWS credentials)
ifeq ($(HOTSWAP),1)
	go run ./bin/hotswap -stage $(STAGE) $(CDK_CONTEXT)
else
	$(CDK) deploy --app $(CDK_OUT) $(APP_STACK) $(DEPLOY_APPROVAL)
endif

.PHONY: watch
watch: ## dev only: hotswap each function on save, print save-to-live times, stream its logs (Ctrl-C stops; needs a deployed stack)
	go run ./bin/hotswap -stage $(STAGE) $(CDK_CONTEXT) -watch

# smoke checks the deployed STAGE (or, with LOCAL=1, a running make local)
# end to end and deletes what it created; it exits 1 at the first failure.
.PHONY: smoke
smoke: ## check the deployed STAGE end to end: /health, a temporary user's upload and its SHA-256, another user's 404 [LOCAL=1 against make local]
	go run ./bin/smoke -stage $(STAGE) $(if $(LOCAL),-local)

# dev: empty the stack's buckets (every version; asks first unless
# APPROVE=1), then delete the stack. A late S3 log delivery can refill the
# access-log bucket meanwhile, so a failed delete empties and tries once more.
# prod: delete the stack; its bucket and log groups are retained.
# SYNTH=0 names the stack from the app already in CDK_OUT instead of
# synthesizing it.
DESTROY_APP := $(if $(filter 0,$(SYNTH)),--app $(CDK_OUT))
.PHONY: destroy
destroy: setup ## delete the STAGE stack [APPROVE=1]; dev empties its buckets first, prod keeps its bucket and log groups
ifeq ($(STAGE),dev)
	go run ./bin/empty-buckets -stack $(APP_STACK) -stage $(STAGE) $(if $(filter 1,$(APPROVE)),-yes)
	$(CDK) destroy $(DESTROY_APP) $(APP_STACK) --force || { echo "destroy: emptying the buckets again and retrying"; \
	  go run ./bin/empty-buckets -stack $(APP_STACK) -stage $(STAGE) -yes && $(CDK) destroy $(DESTROY_APP) $(APP_STACK) --force; }
else
	$(CDK) destroy $(DESTROY_APP) $(APP_STACK) $(DESTROY_FORCE)
endif

.PHONY: clean
clean: ## remove build output and local state (cdk.out, dist, .local)
	rm -rf cdk.out dist .local
