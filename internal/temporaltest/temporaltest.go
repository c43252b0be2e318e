// Package temporaltest starts the embedded Temporal server in-process for end-to-end
// tests: one server per test package (in TestMain), each test on its own task queue. It
// is apart from testenv so that tests needing only a database do not link the server.
package temporaltest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/lumoworkflows/lumo/devserver"
	"github.com/lumoworkflows/lumo/workflows"
)

// TemporalServer is an in-memory embedded Temporal server for one test package.
type TemporalServer struct {
	*devserver.Server
}

// Start starts an embedded, in-memory Temporal server on free ports with Lumo's
// search attributes registered. Start one per test package in TestMain, give each test
// its own task queue (TaskQueue), and Stop it when m.Run returns.
func Start() (*TemporalServer, error) {
	addr, err := devserver.FreeAddr("127.0.0.1")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Options{
		FrontendAddr:     addr,
		Namespace:        "default",
		SearchAttributes: workflows.SearchAttributes(),
		LogLevel:         "error",
		Logger:           slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
	})
	if err != nil {
		return nil, fmt.Errorf("temporaltest: start Temporal: %w", err)
	}
	return &TemporalServer{Server: srv}, nil
}

// Client dials the server; the client is closed when t ends.
func (s *TemporalServer) Client(t testing.TB) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{
		HostPort:  s.FrontendAddr(),
		Namespace: s.Namespace(),
		Logger:    quietSDKLogger{},
	})
	if err != nil {
		t.Fatalf("temporaltest: dial Temporal: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// TaskQueue names a task queue that only this test polls.
func TaskQueue(t testing.TB) string {
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	return "test-" + strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()) + "-" + hex.EncodeToString(suffix)
}

// quietSDKLogger drops the SDK's routine logs, which would bury test output.
type quietSDKLogger struct{}

func (quietSDKLogger) Debug(string, ...any) {}
func (quietSDKLogger) Info(string, ...any)  {}
func (quietSDKLogger) Warn(string, ...any)  {}
func (quietSDKLogger) Error(msg string, keyvals ...any) {
	fmt.Fprintln(os.Stderr, append([]any{"temporal sdk error:", msg}, keyvals...)...)
}

// Main is a test package's TestMain: it starts one server, points *server at it, runs
// the package's tests, stops the server and exits with the tests' code.
//
//	var server *temporaltest.TemporalServer
//	func TestMain(m *testing.M) { temporaltest.Main(m, &server) }
func Main(m *testing.M, server **TemporalServer) {
	srv, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	*server = srv
	code := m.Run()
	_ = srv.Stop()
	os.Exit(code)
}
