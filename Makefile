# Thin wrappers over the npm scripts and real tools; each target is one command you could type.
IMAGE ?= k8s-image-availability-exporter
VERSION ?= $(shell node -p "require('./package.json').version")

.PHONY: help install build test lint audit chart-lint manifests rules-test e2e bench image

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

install: ## Install npm dependencies and the test prerequisites (promtool, ...)
	npm ci
	bash test/install-prereqs.sh

build: ## Compile TypeScript into dist/
	npm run build

test: ## Build (type check included) and run every jest test
	npm run build
	npm test

audit: ## Fail on a known high or critical vulnerability in production dependencies (needs the npm audit service)
	npm audit --omit=dev --audit-level=high

lint: ## Type-check
	npm run lint

chart-lint: ## helm lint/template of chart/ with helm 3 and 4, kubeconform, kube-score, schema and settings tests
	npm test -- test/chart

manifests: ## Render deploy/ (the chart's defaults, for kubectl apply without Helm) with the helm on PATH
	scripts/render-manifests.sh

rules-test: ## promtool check/test of monitoring/ alerts, scrape config and dashboard queries
	npm test -- test/monitoring

e2e: ## End-to-end tests
	npm test -- test/e2e

bench: ## Benchmarks
	npm run bench

image: ## Build the container image $(IMAGE):$(VERSION)
	docker build -t $(IMAGE):$(VERSION) .
