package devserver_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/devserver"
)

const testNamespace = "lumo-test"

var workspaceKey = temporal.NewSearchAttributeKeyKeyword("LumoWorkspace")

func TestStart_InMemoryRunsWorkflowsAndRegistersSearchAttributes(t *testing.T) {
	srv := startServer(t, devserver.Options{
		SearchAttributes: map[string]enums.IndexedValueType{
			"LumoWorkspace": enums.INDEXED_VALUE_TYPE_KEYWORD,
			"LumoVersion":   enums.INDEXED_VALUE_TYPE_INT,
		},
	})
	c := dial(t, srv)

	got := runGreeting(t, c, "greet-in-memory", temporal.NewSearchAttributes(workspaceKey.ValueSet("ws-1")))
	if got != "Hello, Lumo!" {
		t.Errorf("workflow result = %q, want %q", got, "Hello, Lumo!")
	}

	resp, err := c.OperatorService().ListSearchAttributes(context.Background(),
		&operatorservice.ListSearchAttributesRequest{Namespace: srv.Namespace()})
	if err != nil {
		t.Fatalf("ListSearchAttributes: %v", err)
	}
	for name, want := range map[string]enums.IndexedValueType{
		"LumoWorkspace": enums.INDEXED_VALUE_TYPE_KEYWORD,
		"LumoVersion":   enums.INDEXED_VALUE_TYPE_INT,
	} {
		if got := resp.GetCustomAttributes()[name]; got != want {
			t.Errorf("search attribute %s has type %v, want %v", name, got, want)
		}
	}
}

func TestStart_RestartKeepsWorkflowHistory(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	first := startServer(t, devserver.Options{
		FrontendAddr: addr,
		DatabaseFile: filepath.Join(dir, "temporal.db"),
		SearchAttributes: map[string]enums.IndexedValueType{
			"LumoWorkspace": enums.INDEXED_VALUE_TYPE_KEYWORD,
		},
	})
	runGreeting(t, dial(t, first), "greet-before-restart", temporal.SearchAttributes{})
	// Stopped here to restart, and again by startServer's cleanup: a second
	// Stop must be harmless.
	if err := first.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}

	// Temporal's SQLite driver keeps one connection per file name for the life
	// of the process, so reopening the same name would read through the old
	// connection. Naming the file through a symlink makes the second server
	// read what the first one left on disk.
	link := filepath.Join(t.TempDir(), "db")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	second := startServer(t, devserver.Options{
		FrontendAddr: addr, // the first server must have let go of it
		DatabaseFile: filepath.Join(link, "temporal.db"),
		SearchAttributes: map[string]enums.IndexedValueType{
			"LumoWorkspace": enums.INDEXED_VALUE_TYPE_KEYWORD,
			"LumoFriend":    enums.INDEXED_VALUE_TYPE_KEYWORD,
		},
	})
	c := dial(t, second)
	ctx := context.Background()

	t.Run("finds the completed workflow and its history", func(t *testing.T) {
		desc, err := c.DescribeWorkflowExecution(ctx, "greet-before-restart", "")
		if err != nil {
			t.Fatalf("DescribeWorkflowExecution: %v", err)
		}
		if got := desc.GetWorkflowExecutionInfo().GetStatus(); got != enums.WORKFLOW_EXECUTION_STATUS_COMPLETED {
			t.Errorf("status = %v, want completed", got)
		}
		var last enums.EventType
		events := 0
		it := c.GetWorkflowHistory(ctx, "greet-before-restart", "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			event, err := it.Next()
			if err != nil {
				t.Fatalf("history: %v", err)
			}
			events++
			last = event.GetEventType()
		}
		if last != enums.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED {
			t.Errorf("last of %d events is %v, want workflow execution completed", events, last)
		}
	})

	t.Run("lists the completed workflow from its own visibility file", func(t *testing.T) {
		if _, err := os.Stat(filepath.Join(dir, "temporal-visibility.db")); err != nil {
			t.Fatalf("visibility file: %v", err)
		}
		// Visibility is written after the run, by the server's queue: give it a moment.
		listed := 0
		for deadline := time.Now().Add(30 * time.Second); listed != 1 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
				Namespace: second.Namespace(),
				Query:     "WorkflowId = 'greet-before-restart'",
			})
			if err != nil {
				t.Fatalf("ListWorkflow: %v", err)
			}
			listed = len(resp.GetExecutions())
		}
		if listed != 1 {
			t.Errorf("listed %d runs of greet-before-restart, want 1", listed)
		}
	})

	t.Run("registers a search attribute added since the file was created", func(t *testing.T) {
		friendKey := temporal.NewSearchAttributeKeyKeyword("LumoFriend")
		// Right after Start, as `lumo dev` would: the server must accept it.
		runGreeting(t, c, "greet-after-restart", temporal.NewSearchAttributes(friendKey.ValueSet("U123")))
	})
}

func TestStart_WithUIAddrServesWebUI(t *testing.T) {
	srv := startServer(t, devserver.Options{UIAddr: freeAddr(t)})
	if !strings.HasPrefix(srv.UIURL(), "http://127.0.0.1:") {
		t.Fatalf("UIURL = %q, want http://127.0.0.1:port", srv.UIURL())
	}

	if status, _ := get(t, srv.UIURL()); status != http.StatusOK {
		t.Errorf("GET %s: status %d, want 200", srv.UIURL(), status)
	}
	// The UI's API answers from the frontend, so this proves they are wired.
	nsURL := srv.UIURL() + "/api/v1/namespaces/" + srv.Namespace()
	if status, body := get(t, nsURL); status != http.StatusOK || !strings.Contains(body, srv.Namespace()) {
		t.Errorf("GET %s: status %d, body %.200s; want 200 naming the namespace", nsURL, status, body)
	}
}

func TestStart_FailsWhenFrontendAddrIsInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	srv, err := devserver.Start(context.Background(), devserver.Options{
		FrontendAddr: l.Addr().String(),
		Namespace:    testNamespace,
		Logger:       testLogger(t),
	})
	if err == nil {
		_ = srv.Stop()
		t.Fatal("Start succeeded on an address in use")
	}
	if !strings.Contains(err.Error(), l.Addr().String()) || !strings.Contains(err.Error(), "frontend") {
		t.Errorf("error %q should name the frontend and its address %s", err, l.Addr())
	}
}

func TestStart_FailsWhenUIAddrIsInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	srv, err := devserver.Start(context.Background(), devserver.Options{
		FrontendAddr: freeAddr(t),
		UIAddr:       l.Addr().String(),
		Namespace:    testNamespace,
		Logger:       testLogger(t),
	})
	if err == nil {
		_ = srv.Stop()
		t.Fatal("Start succeeded with the UI address in use")
	}
	if !strings.Contains(err.Error(), l.Addr().String()) || !strings.Contains(err.Error(), "UI") {
		t.Errorf("error %q should name the UI and its address %s", err, l.Addr())
	}
}

// startServer starts a server with a free frontend port and the test namespace
// unless opts names them, and stops it when the test ends.
func startServer(t *testing.T, opts devserver.Options) *devserver.Server {
	t.Helper()
	if opts.FrontendAddr == "" {
		opts.FrontendAddr = freeAddr(t)
	}
	if opts.Namespace == "" {
		opts.Namespace = testNamespace
	}
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	began := time.Now()
	srv, err := devserver.Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("Start took %v (database file %q)", time.Since(began).Round(time.Millisecond), opts.DatabaseFile)
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return srv
}

func freeAddr(t *testing.T) string {
	t.Helper()
	addr, err := devserver.FreeAddr("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// testLogger shows warnings and errors in the test's output only.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewJSONHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func dial(t *testing.T, srv *devserver.Server) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{
		HostPort:  srv.FrontendAddr(),
		Namespace: srv.Namespace(),
		Logger:    sdklog.NewStructuredLogger(testLogger(t)),
	})
	if err != nil {
		t.Fatalf("dial %s: %v", srv.FrontendAddr(), err)
	}
	t.Cleanup(c.Close)
	return c
}

// runGreeting runs the greeting workflow to completion on a worker of its own
// and returns its result.
func runGreeting(t *testing.T, c client.Client, id string, sa temporal.SearchAttributes) string {
	t.Helper()
	taskQueue := "devserver-test-" + id
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(greetWorkflow, workflow.RegisterOptions{Name: "test.Greet"})
	w.RegisterActivityWithOptions(greetActivity, activity.RegisterOptions{Name: "test.Greet"})
	if err := w.Start(); err != nil {
		t.Fatalf("start worker: %v", err)
	}
	defer w.Stop()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    id,
		TaskQueue:             taskQueue,
		TypedSearchAttributes: sa,
	}, "test.Greet", "Lumo")
	if err != nil {
		t.Fatalf("start workflow %s: %v", id, err)
	}
	var greeting string
	if err := run.Get(ctx, &greeting); err != nil {
		t.Fatalf("workflow %s: %v", id, err)
	}
	return greeting
}

func greetWorkflow(ctx workflow.Context, name string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var greeting string
	err := workflow.ExecuteActivity(ctx, "test.Greet", name).Get(ctx, &greeting)
	return greeting, err
}

func greetActivity(_ context.Context, name string) (string, error) {
	return "Hello, " + name + "!", nil
}

func get(t *testing.T, url string) (status int, body string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(b)
}
