// Package testenv gives tests the real databases they need: a fresh, migrated application
// database per test, on PostgreSQL and on SQLite. (The Temporal server for end-to-end
// tests is in package temporaltest.)
//
// PostgreSQL is the server at LUMO_TEST_POSTGRES_URL (default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable); each test gets a database
// of its own, dropped when the test ends. When PostgreSQL cannot be reached the test
// fails: .ci/run starts the server, so a silent skip would hide half the suite. Set
// LUMO_TEST_POSTGRES=off to run the SQLite half alone on a machine without it.
package testenv
