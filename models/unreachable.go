package models

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// DatabaseUnreachable reports whether err says the database could not be reached or
// went away mid-call (refused or dropped connections, a server shutting down or still
// starting), as opposed to refusing what was asked. Such a call may succeed if tried
// again later, so the API answers it 503, not 500.
func DatabaseUnreachable(err error) bool {
	if err == nil {
		return false
	}
	var netErr net.Error
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &netErr), errors.Is(err, driver.ErrBadConn), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.As(err, &pgErr):
		// Class 08: connection exceptions; 57P01-57P03: the server is shutting down,
		// crashed, or cannot take connections yet.
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	var connectErr *pgconn.ConnectError
	return errors.As(err, &connectErr)
}
