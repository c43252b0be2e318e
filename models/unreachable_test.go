package models_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/lumoworkflows/lumo/models"
)

func TestDatabaseUnreachable(t *testing.T) {
	// What pgx answers when nothing listens: a real ConnectError around a dial error.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, refused := pgconn.Connect(ctx, "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2")
	if refused == nil {
		t.Fatal("connected to port 1")
	}
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused, wrapped", fmt.Errorf("list friends: %w", refused), true},
		{"bad connection", fmt.Errorf("query: %w", driver.ErrBadConn), true},
		{"connection dropped mid-answer", fmt.Errorf("scan: %w", io.ErrUnexpectedEOF), true},
		{"server shutting down", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}, true},
		{"server starting", &pgconn.PgError{Code: "57P03", Message: "the database system is starting up"}, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"no row", gorm.ErrRecordNotFound, false},
		{"not found", models.ErrNotFound, false},
		{"some other error", errors.New("boom"), false},
		{"nil", nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := models.DatabaseUnreachable(tc.err); got != tc.want {
				t.Errorf("DatabaseUnreachable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
