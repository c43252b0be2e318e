package api

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"go.temporal.io/sdk/client"
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

// readyz is readiness: the database and Temporal answer, each within readinessTimeout.
// It is 503 while any check fails, with each check's error text.
func (s *server) readyz(c echo.Context) error {
	checks := map[string]func(context.Context) error{
		"database": s.checkDatabase,
		"temporal": s.checkTemporal,
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
				result = err.Error()
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

type notConfiguredError struct{}

func (notConfiguredError) Error() string { return checkNotConfigured }

func (s *server) checkDatabase(ctx context.Context) error {
	if s.store == nil {
		return notConfiguredError{}
	}
	return s.store.Ping(ctx)
}

func (s *server) checkTemporal(ctx context.Context) error {
	if s.temporal == nil {
		return notConfiguredError{}
	}
	_, err := s.temporal.CheckHealth(ctx, &client.CheckHealthRequest{})
	return err
}
