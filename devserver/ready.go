package devserver

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/lumoworkflows/lumo/internal/searchattr"
)

// pollInterval paces the readiness checks; start-up takes seconds, so a check
// every 50 ms costs nothing and returns soon after the server is ready.
const pollInterval = 50 * time.Millisecond

// poll calls try until it succeeds or ctx ends; each try gets a few seconds.
func poll(ctx context.Context, try func(context.Context) error) error {
	for {
		tryCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := try(tryCtx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", ctx.Err(), err)
		case <-time.After(pollInterval):
		}
	}
}

// waitForNamespace returns once an SDK client can dial addr and use namespace,
// with every attribute of want registered and usable.
func waitForNamespace(
	ctx context.Context,
	addr, namespace string,
	want map[string]enums.IndexedValueType,
	logger *slog.Logger,
) error {
	var c client.Client
	err := poll(ctx, func(ctx context.Context) error {
		var err error
		c, err = client.DialContext(ctx, client.Options{
			HostPort:  addr,
			Namespace: namespace,
			Logger:    sdklog.NewStructuredLogger(logger),
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("dial frontend %s: %w", addr, err)
	}
	defer c.Close()

	// Counting goes through the frontend's namespace cache and the visibility
	// store, as starting and listing workflows will.
	err = poll(ctx, func(ctx context.Context) error {
		_, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: namespace})
		return err
	})
	if err != nil {
		return fmt.Errorf("wait for namespace %q: %w", namespace, err)
	}
	return searchattr.Ensure(ctx, c, namespace, want)
}
