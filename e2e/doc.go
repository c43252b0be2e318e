// Package e2e holds the end-to-end tests: the API, the worker and the interpreter on an
// in-process Temporal server (one per package run, each test on its own task queue),
// PostgreSQL, and the fake LINE Messaging API, driven through the HTTP contract of
// API.md the way an API consumer would. It has no code of its own beyond the tests.
package e2e
