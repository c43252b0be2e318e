// Package app assembles Lumo's processes out of its packages: `lumo dev` (the embedded
// Temporal server and Web UI, the worker and the API in one process), `lumo api` and
// `lumo worker` (each alone, against a Temporal cluster and PostgreSQL), and the shared
// start-up steps they need (open and migrate the database, unseal secrets, dial
// Temporal). cmd/lumo parses the command line and calls into here; end-to-end tests call
// the same functions in-process.
package app
