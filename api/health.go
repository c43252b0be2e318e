package api

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"go.temporal.io/sdk/client"

	"github.com/lumoworkflows/lumo/models"
)

// HealthChecker is the part of a Temporal client that /readyz uses; a
// go.temporal.io/sdk/client.Client satisfies it.
type HealthChecker interface {
	CheckHealth(ctx context.Context, req *client.CheckHealthRequest) (*client.CheckHealthResponse, error)
}

// readinessTimeout bounds each dependency check, so that /readyz answers in about that
// time even when a dependency hangs.
const readinessTimeout = 2 * time.Second

const (
	checkOK            = "ok"
	checkNotConfigured = "not configured"
	// checkUnreachable is what a failed check says; its error goes to the log, since
	// /readyz is public and an error names hosts and ports.
	checkUnreachable = "unreachable (detail in the log under this request's ID)"
	// checkWrongKey is the secretKey check's failure: the process must be restarted with
	// the right LUMO_SECRET_KEY.
	checkWrongKey = "LUMO_SECRET_KEY cannot open the values sealed in this database (detail in the log)"
	// checkKeyUnchecked is the secretKey check when the database does not answer.
	checkKeyUnchecked = "not checked: the database did not answer"
)

type healthResponse struct {
	Status string `json:"status"`
}

type readinessResponse struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

// healthz is liveness: the process serves HTTP. It looks at no dependency, so that a
// database outage does not get every instance restarted.
func (s *server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, healthResponse{Status: "ok"})
}

// readyz is readiness: the database and Temporal answer, and the secret key opens the
// database's sealed values (models.Store.CheckSecretKey), each within readinessTimeout.
// It is 503 while any check fails, naming the check; the errors go to the log.
func (s *server) readyz(c echo.Context) error {
	checks := map[string]func(context.Context) error{
		"database":  s.checkDatabase,
		"temporal":  s.checkTemporal,
		"secretKey": s.checkSecretKey,
	}
	results := make(map[string]string, len(checks))
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for name, check := range checks {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(c.Request().Context(), readinessTimeout)
			defer cancel()
			result := checkOK
			if err := check(ctx); err != nil {
				result = s.readinessProblem(c, name, err)
			}
			mu.Lock()
			results[name] = result
			mu.Unlock()
		})
	}
	wg.Wait()

	for _, result := range results {
		if result != checkOK {
			return c.JSON(http.StatusServiceUnavailable, readinessResponse{Status: "unavailable", Checks: results})
		}
	}
	return c.JSON(http.StatusOK, readinessResponse{Status: "ready", Checks: results})
}

// readinessProblem is what /readyz says of a failed check; the error itself is logged.
func (s *server) readinessProblem(c echo.Context, check string, err error) string {
	var notConfigured notConfiguredError
	if errors.As(err, &notConfigured) {
		return checkNotConfigured
	}
	s.log.WarnContext(c.Request().Context(), "readiness check failed",
		"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "check", check, "error", err.Error())
	switch {
	case check != "secretKey":
		return checkUnreachable
	case errors.Is(err, models.ErrWrongSecretKey):
		return checkWrongKey
	default:
		return checkKeyUnchecked
	}
}

type notConfiguredError struct{}

func (notConfiguredError) Error() string { return checkNotConfigured }

func (s *server) checkDatabase(ctx context.Context) error {
	if s.store == nil {
		return notConfiguredError{}
	}
	return s.store.Ping(ctx)
}

func (s *server) checkSecretKey(ctx context.Context) error {
	if s.store == nil {
		return notConfiguredError{}
	}
	return s.store.CheckSecretKey(ctx)
}

func (s *server) checkTemporal(ctx context.Context) error {
	if s.temporal == nil {
		return notConfiguredError{}
	}
	_, err := s.temporal.CheckHealth(ctx, &client.CheckHealthRequest{})
	return err
}
