# The one test command of the README; .ci/run calls it too.
# PostgreSQL tests need OPVK_TEST_POSTGRES_URL (for example postgres://postgres@127.0.0.1:5432/opvk_test);
# browser tests need Chromium (apt-get install chromium). With CI=true a missing one fails the run.

GO ?= go
# The patched Go 1.26 release: the standard library of older ones has known vulnerabilities
# (govulncheck in .ci/run). The go command downloads it from the module proxy once.
export GOTOOLCHAIN := go1.26.10

.PHONY: test run bench

test: e2e/node_modules/axe-core/axe.min.js
	@[ -n "$$OPVK_TEST_POSTGRES_URL" ] || echo "WARNING: OPVK_TEST_POSTGRES_URL is not set: the PostgreSQL tests will be SKIPPED" >&2
	@command -v $${OPVK_CHROMIUM:-chromium} >/dev/null || echo "WARNING: Chromium not found: the browser tests will be SKIPPED (apt-get install chromium)" >&2
	$(GO) test -count=1 -timeout 15m ./...
	@echo "Screenshots of the browser tests: e2e/screenshots/"

e2e/node_modules/axe-core/axe.min.js: e2e/package-lock.json
	cd e2e && npm ci --no-audit --no-fund --loglevel=error

run:
	$(GO) run ./cmd/opvk

bench:
	$(GO) run ./cmd/opvk-bench
