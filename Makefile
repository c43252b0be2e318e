# The two commands of the README, and a few more.
.PHONY: dev test build vet clean-data

# Run the product: embedded Temporal + Web UI, worker and API in one process.
dev:
	go run ./cmd/lumo dev

# Run every test (what CI runs). Fuzz longer with: make test FUZZTIME=2m
test:
	bash scripts/test

build:
	go build -o bin/lumo ./cmd/lumo

vet:
	go vet ./...

# Forget the dev server's state (Temporal history, app data, generated keys).
clean-data:
	rm -rf .lumo
