# The two commands of the README, and a few more.
.PHONY: dev test bench build vet clean-data

# Run the product: embedded Temporal + Web UI, worker and API in one process.
dev:
	go run ./cmd/lumo dev

# Run every test (what CI runs). Fuzz longer with: make test FUZZTIME=2m
test:
	bash scripts/test

# Measure journey latency, ingest, memory, broadcasts and segment counts on this machine
# and rewrite BENCHMARKS.md (about 10 minutes on 2 cores; not part of `make test`). One
# scenario, smaller (the file keeps the other scenarios' sections):
# go run ./cmd/lumo-bench -only P1 -rounds 20
# go run ./cmd/lumo-bench -only P5   (PostgreSQL at LUMO_TEST_POSTGRES_URL, or -postgres-url)
bench:
	go run ./cmd/lumo-bench

build:
	go build -o bin/lumo ./cmd/lumo

vet:
	go vet ./...

# Forget the dev server's state (Temporal history, app data, generated keys).
clean-data:
	rm -rf .lumo
