package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/lumoworkflows/lumo/config"
)

func temporalOptions(cfg config.Config, log *slog.Logger) client.Options {
	return client.Options{
		HostPort:  cfg.TemporalAddr,
		Namespace: cfg.TemporalNamespace,
		Logger:    sdklog.NewStructuredLogger(log.With("component", "temporal-sdk")),
	}
}

// DialTemporal connects to the Temporal frontend, retrying until ctx ends, so that a
// worker started alongside its cluster waits for it instead of crashing.
func DialTemporal(ctx context.Context, cfg config.Config, log *slog.Logger) (client.Client, error) {
	delay := 250 * time.Millisecond
	for {
		c, err := client.DialContext(ctx, temporalOptions(cfg, log))
		if err == nil {
			return c, nil
		}
		log.Warn("Temporal not reachable yet", "addr", cfg.TemporalAddr, "error", err)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("dial Temporal at %s: %w", cfg.TemporalAddr, err)
		case <-time.After(delay):
		}
		delay = min(delay*2, 5*time.Second)
	}
}
