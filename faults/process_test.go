package faults_test

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// process is one of the product's processes (`lumo api` or `lumo worker`), run as a
// child of the test so that the test can kill it with SIGKILL, as a crash or an OOM
// kill would, and start it again.
type process struct {
	t     *testing.T
	role  string   // "api" or "worker"
	env   []string // the settings, as the environment
	ready string   // the log message that says it serves

	mu     sync.Mutex
	cmd    *exec.Cmd
	out    *logTail
	exited chan struct{}

	starts, kills int
	lastStart     time.Duration // how long the latest start took to be ready
}

// readyMessages are the log messages app.RunAPI and app.RunWorker write once they serve.
var readyMessages = map[string]string{
	"api":    `"msg":"API listening"`,
	"worker": `"msg":"worker polling"`,
}

// newProcess prepares a process of the role with the world's settings; it is killed
// when the test ends.
func (w *world) newProcess(role string) *process {
	p := &process{t: w.t, role: role, env: w.environ(), ready: readyMessages[role]}
	w.t.Cleanup(func() {
		if p.running() {
			p.kill()
		}
		if w.t.Failed() && p.out != nil {
			log := p.out.String()
			w.t.Logf("the last lumo %s's output ends:\n%s", p.role, log[max(0, len(log)-8<<10):])
		}
	})
	return p
}

// start runs the process and waits until it serves.
func (p *process) start() {
	p.t.Helper()
	self, err := os.Executable()
	if err != nil {
		p.t.Fatal(err)
	}
	cmd := exec.Command(self, p.role)
	// The world's settings only: none of Lumo's from the environment the test runs in.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LUMO_") && !strings.HasPrefix(kv, "DATABASE_URL=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, p.env...)
	cmd.Env = append(cmd.Env, runAsEnv+"="+p.role)
	out := &logTail{ready: make(chan struct{}), want: []byte(p.ready)}
	cmd.Stdout, cmd.Stderr = out, out
	dieWithParent(cmd)
	began := time.Now()
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("start lumo %s: %v", p.role, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	p.mu.Lock()
	p.cmd, p.out, p.exited = cmd, out, exited
	p.starts++
	p.mu.Unlock()

	select {
	case <-out.ready:
		p.lastStart = time.Since(began)
	case <-exited:
		p.t.Fatalf("lumo %s exited before it served:\n%s", p.role, out.String())
	case <-time.After(60 * time.Second):
		p.t.Fatalf("lumo %s did not serve within 60 s:\n%s", p.role, out.String())
	}
}

// kill sends SIGKILL: no graceful stop, no deferred cleanup, work in flight is lost.
func (p *process) kill() {
	p.t.Helper()
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.mu.Unlock()
	if err := cmd.Process.Kill(); err != nil {
		p.t.Fatalf("kill lumo %s: %v", p.role, err)
	}
	<-exited
	p.mu.Lock()
	p.kills++
	p.mu.Unlock()
}

// running tells whether the latest start is still alive.
func (p *process) running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exited == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// logTail keeps the last 64 KB a process wrote, and closes ready when a line of its
// output contains want.
type logTail struct {
	mu    sync.Mutex
	buf   []byte
	want  []byte
	ready chan struct{}
	seen  bool
}

const logTailBytes = 64 << 10

func (l *logTail) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	if !l.seen && bytes.Contains(l.buf, l.want) {
		l.seen = true
		close(l.ready)
	}
	if len(l.buf) > logTailBytes {
		l.buf = append([]byte(nil), l.buf[len(l.buf)-logTailBytes:]...)
	}
	return len(p), nil
}

func (l *logTail) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.TrimSpace(string(l.buf))
}
