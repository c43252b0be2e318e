// Command lumo-bench measures Lumo Workflows on the machine it runs on and writes
// BENCHMARKS.md. In one process it starts what `lumo dev` starts (the embedded Temporal
// server, the worker and the API) with the fake LINE (internal/linefake) in place of
// api.line.me, then drives the product through signed LINE webhooks:
//
//	P1  journey latency: follow webhook → the last LINE call of a 5-step journey,
//	    against the same calls in a hand-written Temporal workflow
//	P2  ingest: follow events at rising rates; the highest rate sustained, and the
//	    server's raw StartWorkflow rate
//	P3  parked: friends waiting on a question; memory, and reply → next message
//	free messages: the share of answers to a friend's own action sent by reply
//	P4  segment broadcast: 100,000 friends through the fake LINE, unthrottled and at
//	    LUMO_BROADCAST_RATE; recipients a second, and the rate kept
//	P5  segment count: a segment of three conditions in two groups, counted over a
//	    million friends on PostgreSQL (a database of its own, seeded by the benchmark)
//
// `make bench` runs all of it in under 10 minutes on 2 cores. It is not a test: CI
// never runs it. A quick look at one scenario:
//
//	go run ./cmd/lumo-bench -only P1 -rounds 20
//	go run ./cmd/lumo-bench -only P3 -parked 1000 -replies 50
//	go run ./cmd/lumo-bench -only P4 -broadcast-friends 10000
//	go run ./cmd/lumo-bench -only P5 -segment-friends 100000
//
// A run of some scenarios rewrites BENCHMARKS.md with their figures and keeps the
// sections of the others as the file had them, marked with the date they were measured.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/lumoworkflows/lumo/internal/testenv"
)

// scenarioNames are the scenarios, in the order of the report.
var scenarioNames = []string{"P1", "P2", "P3", "P4", "P5"}

// options are the command line: which scenarios, at what scale, and where to write.
type options struct {
	scenarios map[string]bool
	// P1
	rounds, warmup int
	// P2
	rates            []int
	window, grace    time.Duration
	startWindow      time.Duration
	startConcurrency int
	// budget bounds the product's scenarios: P2 tries no rate it could not finish within
	// it of the product's start (deadline is that start + budget).
	budget   time.Duration
	deadline time.Time
	// P3
	parked, replies int
	// P4
	broadcastFriends, broadcastRate int
	// P5
	postgresURL                                string
	segmentFriends, segmentRuns, segmentWarmup int
	segmentBeforeRuns                          int

	dynamicConfig map[string]any

	out        string
	workDir    string
	temporalDB string
}

func parseOptions(args []string) (options, error) {
	var o options
	flags := flag.NewFlagSet("lumo-bench", flag.ContinueOnError)
	only := flags.String("only", strings.Join(scenarioNames, ","), "scenarios to run, comma-separated: "+strings.Join(scenarioNames, ", "))
	flags.IntVar(&o.rounds, "rounds", 100, "P1: measured journeys on each side (Lumo, hand-written)")
	flags.IntVar(&o.warmup, "warmup", 10, "P1: journeys on each side before measuring")
	rates := flags.String("rates", "10,15,20,25,50,100,200,300,400", "P2: webhook event rates to try, events a second, rising")
	flags.DurationVar(&o.window, "window", time.Minute, "P2: how long each rate is held")
	flags.DurationVar(&o.grace, "grace", 10*time.Second, "P2: how long after a window every journey may take to complete")
	flags.DurationVar(&o.startWindow, "start-window", 5*time.Second, "P2: how long the raw StartWorkflow rate is measured")
	flags.IntVar(&o.startConcurrency, "start-concurrency", 32, "P2: concurrent StartWorkflow calls for the raw rate")
	flags.DurationVar(&o.budget, "budget", 9*time.Minute+30*time.Second, "P2: no rate is tried that could not end within this long of the start")
	flags.IntVar(&o.parked, "parked", 10000, "P3: friends parked on a question")
	flags.IntVar(&o.replies, "replies", 200, "P3: sampled replies (reply → next message)")
	flags.IntVar(&o.broadcastFriends, "broadcast-friends", 100_000, "P4: friends in the segment broadcast to")
	flags.IntVar(&o.broadcastRate, "broadcast-rate", 0, "P4: the throttled broadcast's requests a second (default: LUMO_BROADCAST_RATE as configured, or 10 if that is 0)")
	flags.StringVar(&o.postgresURL, "postgres-url", testenv.PostgresAdminURL(), "P5: the PostgreSQL server to create the benchmark's database on (default: LUMO_TEST_POSTGRES_URL, as the tests)")
	flags.IntVar(&o.segmentFriends, "segment-friends", 1_000_000, "P5: friends in the workspace whose segment is counted")
	flags.IntVar(&o.segmentRuns, "segment-runs", 30, "P5: measured counts")
	flags.IntVar(&o.segmentWarmup, "segment-warmup", 3, "P5: counts before measuring")
	flags.IntVar(&o.segmentBeforeRuns, "segment-before-runs", 3, "P5: counts the way the code before the benchmark ran them, for comparison")
	flags.StringVar(&o.out, "out", "BENCHMARKS.md", "where to write the report")
	flags.StringVar(&o.workDir, "work-dir", filepath.Join(os.TempDir(), "lumo-bench-out"), "where the product's log and the CPU profiles go (kept)")
	flags.StringVar(&o.temporalDB, "temporal-db", "file", "Temporal's SQLite: file (in a temporary directory, as `lumo dev`) or memory")
	dc := flags.String("dynamic-config", "", "to try server settings: Temporal dynamic config overrides, key=value,… (numbers and booleans as such)")
	if err := flags.Parse(args); err != nil {
		return o, err
	}
	o.dynamicConfig = map[string]any{}
	for _, kv := range strings.Split(*dc, ",") {
		k, v, ok := strings.Cut(kv, "=")
		switch {
		case kv == "":
		case !ok:
			return o, fmt.Errorf("-dynamic-config: %q is not key=value", kv)
		default:
			if n, err := strconv.Atoi(v); err == nil {
				o.dynamicConfig[k] = n
			} else if b, err := strconv.ParseBool(v); err == nil {
				o.dynamicConfig[k] = b
			} else {
				o.dynamicConfig[k] = v
			}
		}
	}
	o.scenarios = map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		s = strings.ToUpper(strings.TrimSpace(s))
		if !slices.Contains(scenarioNames, s) {
			return o, fmt.Errorf("-only: unknown scenario %q (want one of %s)", s, strings.Join(scenarioNames, ", "))
		}
		o.scenarios[s] = true
	}
	for _, s := range strings.Split(*rates, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return o, fmt.Errorf("-rates: %q is not a positive number", s)
		}
		o.rates = append(o.rates, n)
	}
	if o.temporalDB != "file" && o.temporalDB != "memory" {
		return o, fmt.Errorf("-temporal-db: want file or memory, not %q", o.temporalDB)
	}
	if o.rounds < 1 || o.parked < 1 || o.replies < 1 || o.replies > o.parked {
		return o, errors.New("-rounds, -parked and -replies must be positive, and -replies at most -parked")
	}
	if o.broadcastFriends < 2 || o.broadcastRate < 0 {
		return o, errors.New("-broadcast-friends must be at least 2, -broadcast-rate not negative")
	}
	if o.segmentFriends < 1 || o.segmentRuns < 1 || o.segmentWarmup < 0 || o.segmentBeforeRuns < 1 {
		return o, errors.New("-segment-friends, -segment-runs and -segment-before-runs must be positive, -segment-warmup not negative")
	}
	return o, os.MkdirAll(o.workDir, 0o755)
}

func main() {
	opts, err := parseOptions(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "lumo-bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, "lumo-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, opts options) error {
	began := time.Now()
	runStart := takeCPUSnapshot()
	rep := &report{opts: opts, began: began, machine: describeMachine(), load: map[string]load{}}
	// scenario runs one and notes how busy the machine was meanwhile.
	scenario := func(name string, run func() error) error {
		from := takeCPUSnapshot()
		if err := run(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		rep.load[name] = measureLoad(from, takeCPUSnapshot())
		return nil
	}
	// P5 needs PostgreSQL alone: it runs first, before the product starts, so that an
	// idle Temporal server does not share the machine with it.
	if opts.scenarios["P5"] {
		err := scenario("P5", func() (err error) {
			rep.p5, err = runP5(ctx, opts)
			return err
		})
		if err != nil {
			return err
		}
		fmt.Println(rep.p5.summary())
	}
	if opts.scenarios["P1"] || opts.scenarios["P2"] || opts.scenarios["P3"] || opts.scenarios["P4"] {
		if err := runProduct(ctx, opts, rep, scenario); err != nil {
			return err
		}
	}
	rep.elapsed = time.Since(began)
	rep.load["run"] = measureLoad(runStart, takeCPUSnapshot())
	if err := rep.write(opts.out); err != nil {
		return err
	}
	fmt.Printf("lumo-bench: wrote %s (%s in all)\n", opts.out, rep.elapsed.Round(time.Second))
	return nil
}

// runProduct starts what `lumo dev` starts and runs the scenarios that drive it.
func runProduct(ctx context.Context, opts options, rep *report, scenario func(string, func() error) error) error {
	envStart := time.Now()
	opts.deadline = envStart.Add(opts.budget)
	e, err := startEnv(ctx, opts)
	if err != nil {
		return err
	}
	defer func() {
		if err := e.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "lumo-bench: stop:", err)
		}
	}()
	rep.startup = time.Since(envStart)
	rep.database, rep.temporalStore = e.database, e.temporalStore
	fmt.Printf("lumo-bench: everything up in %s (the product's log: %s)\n", rep.startup.Round(10*time.Millisecond), e.logPath)

	// P1 first: it creates the welcome journey that P2 triggers. P3 before P2, so that
	// its memory figure is not what P2's load left in the heap; P2 then ingests beside
	// the parked runs, as a live account would.
	if opts.scenarios["P1"] || opts.scenarios["P2"] {
		err := scenario("P1", func() (err error) {
			rep.p1, err = runP1(ctx, e, p1Scale(opts))
			return err
		})
		if err != nil {
			return err
		}
		rep.journeyCosts = rep.p1
		if opts.scenarios["P1"] {
			fmt.Println(rep.p1.summary())
		} else {
			rep.p1 = nil
		}
	}
	if opts.scenarios["P3"] {
		err := scenario("P3", func() (err error) {
			rep.p3, err = runP3(ctx, e, opts)
			return err
		})
		if err != nil {
			return err
		}
		fmt.Println(rep.p3.summary())
	}
	if opts.scenarios["P2"] {
		err := scenario("P2", func() (err error) {
			rep.p2, err = runP2(ctx, e, opts)
			return err
		})
		if err != nil {
			return err
		}
		fmt.Println(rep.p2.summary())
	}
	// P4 last: the friends it makes and the messages the fake LINE keeps of them would
	// otherwise weigh on the scenarios after it.
	if opts.scenarios["P4"] {
		err := scenario("P4", func() (err error) {
			rep.p4, err = runP4(ctx, e, opts)
			return err
		})
		if err != nil {
			return err
		}
		fmt.Println(rep.p4.summary())
	}
	if rep.p1 != nil || rep.p2 != nil || rep.p3 != nil {
		fmt.Println(rep.freeSummary())
	}
	return nil
}

// p1Scale is P1's scale: as asked, or a few rounds when P1 only sets up P2.
func p1Scale(opts options) options {
	if !opts.scenarios["P1"] {
		opts.rounds, opts.warmup = 1, 0
	}
	return opts
}
