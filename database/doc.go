// Package database opens Lumo's application database, PostgreSQL when DATABASE_URL names
// one and an embedded SQLite file otherwise, and owns its schema: versioned SQL
// migrations, one set per database, embedded in the binary and applied with goose.
//
// Adding a table or column is adding a numbered file to both migrations/postgres and
// migrations/sqlite; the repository tests run against both, so a migration missing on one
// side fails a test.
package database
