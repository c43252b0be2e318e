package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test run this binary as `lumo`: with LUMO_TEST_AS_LUMO set, the test
// binary is the command itself.
func TestMain(m *testing.M) {
	if os.Getenv("LUMO_TEST_AS_LUMO") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestRun_CommandLine(t *testing.T) {
	dataDir := t.TempDir()
	env := map[string]string{"LUMO_DATA_DIR": dataDir}
	cases := []struct {
		name       string
		args       []string
		env        map[string]string
		wantErr    string
		wantStdout string
	}{
		{name: "no command prints usage", args: nil, wantErr: "see `lumo help`"},
		{name: "help", args: []string{"help"}, wantStdout: "lumo dev"},
		{name: "unknown command", args: []string{"serve"}, wantErr: `unknown command "serve"`},
		{name: "bad setting names the variable", args: []string{"api"}, env: map[string]string{"LUMO_HTTP_ADDR": "nope"}, wantErr: "LUMO_HTTP_ADDR"},
		{name: "a short dev key is refused, naming the variable", args: []string{"dev"}, env: map[string]string{"LUMO_DEV_API_KEY": "k"}, wantErr: "LUMO_DEV_API_KEY: 1 characters; want at least 32"},
		{name: "api without secret key", args: []string{"api"}, env: env, wantErr: "LUMO_SECRET_KEY is required"},
		{name: "migrate needs a direction", args: []string{"migrate"}, env: env, wantErr: "up|down|status"},
		{name: "migrate unknown direction", args: []string{"migrate", "sideways"}, env: env, wantErr: "want up, down or status"},
		{name: "migrate status on a new database", args: []string{"migrate", "status"}, env: env, wantStdout: "pending"},
		{name: "migrate up", args: []string{"migrate", "up"}, env: env, wantStdout: "sqlite: applied "},
		{name: "migrate up again", args: []string{"migrate", "up"}, env: env, wantStdout: "applied 0 migration(s)"},
		{name: "workspace create prints a key once", args: []string{"workspace", "create", "acme"}, env: env, wantStdout: "API key (shown once): lumo_"},
		{name: "workspace needs a name", args: []string{"workspace", "create"}, env: env, wantErr: "workspace create NAME"},
		{name: "migrate down", args: []string{"migrate", "down"}, env: env, wantStdout: "rolled back the latest migration"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			getenv := func(name string) string { return tc.env[name] }
			err := run(context.Background(), tc.args, getenv, &stdout, &stderr)
			switch {
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("err = %v, want one saying %q", err, tc.wantErr)
			case tc.wantErr == "" && err != nil:
				t.Fatalf("err = %v", err)
			case !strings.Contains(stdout.String(), tc.wantStdout):
				t.Fatalf("stdout = %q, want it to say %q", stdout.String(), tc.wantStdout)
			}
		})
	}
}

func TestRun_MigrateDownRollsBackOneAtATimeUntilNothingIsLeft(t *testing.T) {
	env := map[string]string{"LUMO_DATA_DIR": t.TempDir()}
	getenv := func(name string) string { return env[name] }
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"migrate", "up"}, getenv, &stdout, &stdout); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if i > 100 {
			t.Fatal("migrate down never says there is nothing left")
		}
		stdout.Reset()
		if err := run(context.Background(), []string{"migrate", "down"}, getenv, &stdout, &stdout); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stdout.String(), "nothing to roll back") {
			if i == 0 {
				t.Fatal("nothing rolled back after migrate up")
			}
			return
		}
	}
}

// devKey is a LUMO_DEV_API_KEY long enough for config.Load.
const devKey = "dev-key-0123456789abcdefghijklmnop"

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// The real process: `lumo dev` answers /healthz, prints its URLs and key, and exits 0
// on SIGTERM, leaving its SQLite files closed (no WAL left behind).
func TestDev_StopsCleanlyOnSIGTERM(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	httpAddr := freeAddr(t)
	cmd := exec.Command(self, "dev")
	cmd.Env = append(os.Environ(),
		"LUMO_TEST_AS_LUMO=1",
		"LUMO_DEV_API_KEY="+devKey,
		"LUMO_DATA_DIR="+dataDir,
		"LUMO_HTTP_ADDR="+httpAddr,
		"LUMO_TEMPORAL_ADDR="+freeAddr(t),
		"LUMO_TEMPORAL_UI_ADDR="+freeAddr(t),
		"LUMO_LOG_LEVEL=warn",
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	started := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	}()

	client := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := client.Get("http://" + httpAddr + "/healthz")
		if err == nil && resp.StatusCode == http.StatusOK {
			resp.Body.Close()
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("lumo dev exited early (%v):\n%s\n%s", err, stdout.String(), stderr.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Since(started) > 60*time.Second {
			t.Fatalf("no /healthz within 60 s:\n%s", stderr.String())
		}
	}
	t.Logf("lumo dev answered /healthz %s after the process started", time.Since(started).Round(time.Millisecond))

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("lumo dev did not exit within 30 s of SIGTERM")
	}
	for _, want := range []string{"http://" + httpAddr, "Temporal Web UI", "API key           " + devKey, "shutting down"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout does not show %q:\n%s", want, stdout.String())
		}
	}
	for _, leftover := range []string{"lumo.db-wal", "temporal.db-wal", "temporal-visibility.db-wal"} {
		if info, err := os.Stat(filepath.Join(dataDir, leftover)); err == nil && info.Size() > 0 {
			t.Errorf("%s left with %d bytes: a database was not closed", leftover, info.Size())
		}
	}
}
