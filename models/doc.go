// Package models is Lumo's data: the gorm types for every table and the Store that reads
// and writes them.
//
// Every row belongs to a workspace, and every Store method that touches workspace data
// takes the workspace ID and filters by it, so one workspace can never read or change
// another's rows: a row of another workspace is simply ErrNotFound. Secrets (channel
// secrets, access tokens) are sealed with package secrets before they reach the database
// and are opened only by the methods that need them.
//
// The schema itself is owned by the versioned migrations in package database; the gorm
// tags here only name columns.
package models
