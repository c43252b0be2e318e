package faults_test

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/internal/linefake"
	"github.com/lumoworkflows/lumo/internal/testenv"
)

// restartPostgresEnv allows TestPostgresRestart_* to stop the PostgreSQL server: every
// other package's tests use it too, so scripts/test sets it only in a step of its own.
const restartPostgresEnv = "LUMO_FAULTS_RESTART_POSTGRES"

// PostgreSQL stops (fast shutdown: every connection is cut) and starts again 3 seconds
// later, while 60 friends are in the survey: 20 parked at the question, 20 whose answer
// has just been sent (their runs in flight through branch, tag and send), and 20 just
// enrolled (in flight through the first send). The API and the worker keep running.
// Half the parked friends answer in LINE while the database is down; those webhooks get
// no 200 and LINE delivers them again. Every run completes after the restart, with
// each message sent exactly once.
func TestPostgresRestart_ParkedAndInFlightRunsComplete(t *testing.T) {
	const friends = 60
	cluster := postgresCluster(t)
	w := newWorld(t)
	w.serveAPI()
	w.runWorker()
	survey := w.activeWorkflow(testenv.SurveyDefinition)
	riders := w.riders(friends)
	parked, answering, fresh := riders[:20], riders[20:40], riders[40:]

	early := append(append([]*rider(nil), parked...), answering...)
	enrollAll(t, w, survey, early)
	w.waitFor("40 runs to wait at the question", 2*time.Minute, func() bool {
		ids, err := w.parkedAt(executionsOf(early), "ask")
		return err == nil && len(ids) == len(early)
	})

	// Answers and enrollments go in; PostgreSQL goes down the moment they are accepted.
	var wg sync.WaitGroup
	for _, r := range answering {
		wg.Go(func() {
			if err := w.answer(r); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Go(func() { enrollAll(t, w, survey, fresh) })
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	moving := executionsOf(append(answering, fresh...))
	counts, err := w.statuses(moving)
	if err != nil {
		t.Fatal(err)
	}
	waiting, err := w.parkedAt(moving, "ask")
	if err != nil {
		t.Fatal(err)
	}
	inFlight := counts["running"] - len(waiting)
	stopped := time.Now()
	cluster.run(t, "stop")
	// While the database is down, the parked friends who answer in LINE do: LINE gets
	// no 200 (the API cannot read the account), and delivers again once it is back.
	var outage []*delivery
	statuses := map[string]int{}
	for _, r := range parked {
		if r.byWebhook {
			d := &delivery{events: []map[string]any{w.textEvent(r.lineUserID, r.drink)}}
			d.status, d.err = w.postWebhook(linefake.CallbackBody(d.events...))
			statuses[fmt.Sprint(d.status)]++
			outage = append(outage, d)
		}
	}
	time.Sleep(3 * time.Second)
	cluster.run(t, "start")
	t.Logf("PostgreSQL %s stopped and started again in %s; at the stop, 20 runs waited at the question, "+
		"of the 40 answered or just enrolled, %d were between steps, %d had completed and %d were still recorded waiting; "+
		"%d answers made in LINE meanwhile were answered %v",
		cluster, time.Since(stopped).Round(time.Millisecond), inFlight, counts["completed"], len(waiting), len(outage), statuses)

	// LINE delivers again what got no 200; the other parked friends, and those enrolled
	// just before the stop, answer now.
	for _, d := range outage {
		if d.status != http.StatusOK {
			w.redeliver(d)
		}
	}
	rest := make(chan *rider, friends)
	for _, r := range append(append([]*rider(nil), parked...), fresh...) {
		if !(r.byWebhook && slices.Contains(parked, r)) {
			rest <- r
		}
	}
	want := len(rest)
	close(rest)
	answered, errs := w.answerWhenParked(rest, 2*time.Minute)
	for _, err := range errs {
		t.Error(err)
	}
	if answered != want {
		t.Fatalf("%d of %d friends could answer after the restart", answered, want)
	}
	w.waitForCompleted(executionsOf(riders), 2*time.Minute)
	t.Logf("all %d runs completed %s after the stop; LINE: %s", friends, time.Since(stopped).Round(time.Millisecond), w.lineCalls())
	w.checkSurvey(t, survey, riders)
}

// enrollAll enrolls the riders at once, and fails the test if any is refused.
func enrollAll(t *testing.T, w *world, survey string, riders []*rider) {
	var wg sync.WaitGroup
	for _, r := range riders {
		wg.Go(func() {
			if err := w.enroll(survey, r); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

// cluster is a Debian PostgreSQL cluster, driven with pg_ctlcluster.
type cluster struct{ version, name string }

func (c cluster) String() string { return c.version + "/" + c.name }

// postgresCluster finds the cluster the tests' PostgreSQL runs as, and skips the test,
// saying why, unless it may be stopped and started here.
func postgresCluster(t *testing.T) cluster {
	t.Helper()
	if os.Getenv(restartPostgresEnv) != "1" {
		t.Skipf("restarting PostgreSQL would break the tests other packages run on it at the same time: "+
			"set %s=1 to run this alone (scripts/test does, in a step of its own)", restartPostgresEnv)
	}
	if !testenv.PostgresEnabled() {
		t.Skip("LUMO_TEST_POSTGRES=off")
	}
	u, err := url.Parse(testenv.PostgresAdminURL())
	if err != nil {
		t.Fatal(err)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "5432"
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		t.Skipf("PostgreSQL at %s is not on this machine: the test cannot restart it", u.Host)
	}
	if _, err := exec.LookPath("pg_ctlcluster"); err != nil {
		t.Skip("pg_ctlcluster is not installed: the test restarts PostgreSQL with it (Debian's postgresql-common)")
	}
	out, err := exec.Command("pg_lsclusters", "--no-header").Output()
	if err != nil {
		t.Skipf("pg_lsclusters: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		// version, cluster, port, status, owner, data directory, log file
		f := strings.Fields(line)
		if len(f) < 5 || f[2] != port {
			continue
		}
		if f[3] != "online" {
			t.Skipf("PostgreSQL cluster %s/%s on port %s is %s", f[0], f[1], port, f[3])
		}
		if me, err := user.Current(); os.Geteuid() != 0 && (err != nil || me.Username != f[4]) {
			t.Skipf("only root or %s may restart PostgreSQL cluster %s/%s", f[4], f[0], f[1])
		}
		c := cluster{version: f[0], name: f[1]}
		// Whatever happens to the test, PostgreSQL is up again when it ends: the tests
		// that come after it need it.
		t.Cleanup(func() {
			if !c.online() {
				if out, err := c.ctl("start"); err != nil {
					t.Errorf("PostgreSQL left stopped: pg_ctlcluster start: %v\n%s", err, out)
				}
			}
		})
		return c
	}
	t.Skipf("no PostgreSQL cluster listens on port %s here", port)
	return cluster{}
}

func (c cluster) ctl(action string) ([]byte, error) {
	return exec.Command("pg_ctlcluster", "--skip-systemctl-redirect", c.version, c.name, action).CombinedOutput()
}

// run performs action (stop, start), failing the test if it does not work.
func (c cluster) run(t *testing.T, action string) {
	t.Helper()
	if out, err := c.ctl(action); err != nil {
		t.Fatalf("pg_ctlcluster %s %s: %v\n%s", c, action, err, out)
	}
}

func (c cluster) online() bool {
	out, err := exec.Command("pg_lsclusters", "--no-header").Output()
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) >= 4 && f[0] == c.version && f[1] == c.name {
			return f[3] == "online"
		}
	}
	return false
}
