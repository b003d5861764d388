# The two commands a new machine needs: `make test` and `make demo`.
SHELL := /bin/bash
SWIFT ?= swift
PY_SCRIPTS := $(shell python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null)
export PATH := $(PY_SCRIPTS):$(PATH)

.PHONY: test build deps lint format crds generate demo demo-down bench help sbom image-test

help:
	@echo "make test       install test dependencies, build everything, run all tests"
	@echo "make demo       run the local demo (sandbox + operator + 3-instance cluster)"
	@echo "make demo-down  stop the demo and remove .demo/"
	@echo "make bench      measure failover, switchover, bootstrap, reconcile scale, webhook latency, memory (release build; ARGS=... for cnpg-bench)"
	@echo "make lint       swift format lint --strict on the sources and tests, then the security scanners (hadolint, checkov: scripts/security-scan.sh)"
	@echo "make sbom       write sbom.cdx.json, a CycloneDX SBOM of the Swift dependencies"
	@echo "make image-test run PostgreSQL on the instance image's root filesystem (debootstrap), read-only, as uid 26"
	@echo "make format     rewrite the sources and tests in that format"
	@echo "make generate   regenerate manifests/crds.yaml and the chart's generated files from the code"

deps:
	./scripts/install-test-deps.sh

build:
	$(SWIFT) build

lint: build
	$(SWIFT) format lint --strict --parallel -r Sources Tests Package.swift
	CNPG_BIN_DIR="$$($(SWIFT) build --show-bin-path)" ./scripts/security-scan.sh

sbom:
	@mkdir -p .build
	$(SWIFT) package show-dependencies --format json > .build/dependency-graph.json
	"$$(./scripts/install-scanners.sh)/python" scripts/sbom.py .build/dependency-graph.json > sbom.cdx.json
	@python3 -c 'import json; print("sbom.cdx.json:", len(json.load(open("sbom.cdx.json"))["components"]), "components")'

image-test: build
	./scripts/image-test.sh

format:
	$(SWIFT) format format --in-place --parallel -r Sources Tests Package.swift

test: deps build lint sbom
	@mkdir -p .build && ./scripts/leftovers.sh snapshot .build/leftovers-before
	@rm -rf .build/secret-scan
	CNPG_BIN_DIR="$$($(SWIFT) build --show-bin-path)" CNPG_SECRET_SCAN_DIR="$$PWD/.build/secret-scan" SWIFT=$(SWIFT) ./scripts/swift-test.sh
	CNPG_SECRET_SCAN_DIR="$$PWD/.build/secret-scan" ./scripts/image-test.sh
	@./scripts/leftovers.sh check .build/leftovers-before
	@./scripts/secret-scan-check.sh .build/secret-scan

generate: build
	"$$($(SWIFT) build --show-bin-path)/cnpg-operator" generate crds > manifests/crds.yaml
	cp manifests/crds.yaml charts/cloudnative-pg/files/crds.yaml
	"$$($(SWIFT) build --show-bin-path)/cnpg-operator" generate rbac > charts/cloudnative-pg/files/operator-clusterrole.yaml
	"$$($(SWIFT) build --show-bin-path)/cnpg-operator" generate monitoring-queries > charts/cloudnative-pg/files/monitoring-queries.yaml
	"$$($(SWIFT) build --show-bin-path)/cnpg-operator" generate rbac-tables > .rbac-tables.tmp
	python3 -c 'import re,sys; p="docs/rbac.md"; t=open(".rbac-tables.tmp").read(); s=open(p).read(); s=re.sub(r"(\(make generate\) -->\n).*?(<!-- end of rbac tables -->)", lambda m: m.group(1)+t+m.group(2), s, flags=re.S); open(p,"w").write(s)'
	rm -f .rbac-tables.tmp

crds: generate

demo:
	./scripts/demo.sh

demo-down:
	./scripts/demo-down.sh

bench:
	./scripts/bench.sh $(ARGS)
