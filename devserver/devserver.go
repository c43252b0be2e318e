package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/server/temporal"
)

// Options configures Start. FrontendAddr and Namespace are required.
type Options struct {
	// FrontendAddr is the host:port the gRPC frontend binds, e.g.
	// "127.0.0.1:7233". The host is an IP address, "localhost", or empty for
	// every interface.
	FrontendAddr string
	// UIAddr is the host:port of the Temporal Web UI; "" runs no UI.
	UIAddr string
	// DatabaseFile is the SQLite file for Temporal's state; "" keeps it in
	// memory, lost on Stop.
	DatabaseFile string
	// Namespace is created if missing, with a retention of 7 days.
	Namespace string
	// SearchAttributes are the custom search attributes registered on the
	// namespace, also when an existing database file lacks some of them.
	SearchAttributes map[string]enums.IndexedValueType
	// LogLevel is the server's log level: "debug", "info", "warn" or "error";
	// "" means "warn".
	LogLevel string
	// Logger receives the server's logs; nil means slog.Default().
	Logger *slog.Logger
	// DynamicConfig overrides server dynamic config by key, e.g.
	// "limit.maxIDLength": 1000. It wins over the defaults this package sets.
	DynamicConfig map[string]any
}

// Server is a running embedded Temporal server. Stop it when done.
type Server struct {
	frontend  endpoint
	uiURL     string
	namespace string

	temporal temporal.Server
	logger   serverLogger
	ui       *uiserver.Server
	uiDone   <-chan struct{} // closed when the UI's Start has returned

	// databaseFiles are the SQLite files the server persists to (none in memory).
	databaseFiles []string

	stopOnce sync.Once
	stopErr  error
}

// readyTimeout bounds how long Start waits for the server to serve the
// namespace when ctx has no earlier deadline; a healthy start takes seconds.
const readyTimeout = time.Minute

// Start runs a Temporal server in this process and returns once an SDK client
// dialing FrontendAddr can use the namespace (and the UI answers, if asked for).
// ctx bounds that wait; cancelling it later does not stop the server: Stop does.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("devserver: %w", err)
	}
	if opts.FrontendAddr == "" {
		return nil, errors.New("devserver: FrontendAddr is required")
	}
	if opts.Namespace == "" {
		return nil, errors.New("devserver: Namespace is required")
	}
	level, err := parseLevel(opts.LogLevel)
	if err != nil {
		return nil, fmt.Errorf("devserver: %w", err)
	}
	base := opts.Logger
	if base == nil {
		base = slog.Default()
	}
	logger := newServerLogger(base, level)

	front, err := parseEndpoint(opts.FrontendAddr)
	if err != nil {
		return nil, fmt.Errorf("devserver: frontend: %w", err)
	}
	if err := front.checkFree(); err != nil {
		return nil, fmt.Errorf("devserver: frontend: %w", err)
	}
	var ui endpoint
	if opts.UIAddr != "" {
		if ui, err = parseEndpoint(opts.UIAddr); err != nil {
			return nil, fmt.Errorf("devserver: UI: %w", err)
		}
		if err := ui.checkFree(); err != nil {
			return nil, fmt.Errorf("devserver: UI: %w", err)
		}
	}

	db, err := prepareDatabase(opts)
	if err != nil {
		return nil, fmt.Errorf("devserver: %w", err)
	}
	internal, err := internalEndpoints()
	if err != nil {
		return nil, fmt.Errorf("devserver: %w", err)
	}
	frontHTTP, err := freeEndpoint(front.ip)
	if err != nil {
		return nil, fmt.Errorf("devserver: frontend HTTP: %w", err)
	}
	ts, err := startTemporal(serverOptions(front, frontHTTP, internal, db, logger, opts.DynamicConfig))
	if err != nil {
		return nil, fmt.Errorf("devserver: start Temporal: %w", err)
	}
	s := &Server{frontend: front, namespace: opts.Namespace, temporal: ts, logger: logger, databaseFiles: db.files}

	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, readyTimeout)
		defer cancel()
	}
	if err := waitForNamespace(ctx, front.dial, opts.Namespace, opts.SearchAttributes, logger.slog); err != nil {
		_ = s.Stop()
		return nil, fmt.Errorf("devserver: %w", err)
	}

	if opts.UIAddr != "" {
		s.ui, s.uiDone = startUI(ui, front.dial, opts.Namespace)
		s.uiURL = "http://" + ui.dial
		if err := waitForUI(ctx, s.uiURL); err != nil {
			_ = s.Stop()
			return nil, fmt.Errorf("devserver: UI: %w", err)
		}
	}
	return s, nil
}

// startTemporal builds and starts the server. The server reports some start-up
// failures (a port it cannot bind) through its logger's Fatal, which panics
// here (see serverLogger.Fatal); they come back as errors.
func startTemporal(opts []temporal.ServerOption) (ts temporal.Server, err error) {
	defer func() {
		if r := recover(); r != nil {
			fatal, ok := r.(fatalError)
			if !ok {
				panic(r)
			}
			if ts != nil {
				stopAfterFatal(ts)
			}
			ts, err = nil, fatal
		}
	}()
	ts, err = temporal.NewServer(opts...)
	if err != nil {
		return nil, err
	}
	if err := ts.Start(); err != nil {
		return nil, err
	}
	return ts, nil
}

// stopAfterFatal releases what a half-started server holds, if it can.
func stopAfterFatal(ts temporal.Server) {
	defer func() { _ = recover() }()
	_ = ts.Stop()
}

// FrontendAddr is the host:port SDK clients dial; for a frontend bound to every
// interface it is the loopback address.
func (s *Server) FrontendAddr() string { return s.frontend.dial }

// UIURL is the Web UI's base URL, like "http://127.0.0.1:8233", or "" without UI.
func (s *Server) UIURL() string { return s.uiURL }

// Namespace is the namespace Start created or found.
func (s *Server) Namespace() string { return s.namespace }

// Stop stops the UI, then the server, and returns when their ports are free.
// Calling it again returns the first call's result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		if s.ui != nil {
			s.ui.Stop()
			<-s.uiDone
		}
		s.logger.quietForShutdown()
		if err := s.temporal.Stop(); err != nil {
			s.stopErr = fmt.Errorf("devserver: stop Temporal: %w", err)
		}
		s.logger.silence()
		for _, file := range s.databaseFiles {
			if err := checkpoint(file); err != nil {
				s.stopErr = errors.Join(s.stopErr, fmt.Errorf("devserver: %w", err))
			}
		}
	})
	return s.stopErr
}
