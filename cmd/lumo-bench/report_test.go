package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseOptions_OnlyPicksScenarios(t *testing.T) {
	for _, tt := range []struct {
		only    string
		want    []string
		wantErr bool
	}{
		{only: "P5", want: []string{"P5"}},
		{only: "p1, P5", want: []string{"P1", "P5"}},
		{only: "P1,P2,P3", want: []string{"P1", "P2", "P3"}},
		{only: "P4,P5", want: []string{"P4", "P5"}},
		{only: "P9", wantErr: true},
		{only: "", wantErr: true},
	} {
		o, err := parseOptions([]string{"-only", tt.only, "-work-dir", t.TempDir()})
		if tt.wantErr {
			if err == nil {
				t.Errorf("-only %q: no error", tt.only)
			}
			continue
		}
		if err != nil {
			t.Errorf("-only %q: %v", tt.only, err)
			continue
		}
		var got []string
		for _, name := range scenarioNames {
			if o.scenarios[name] {
				got = append(got, name)
			}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("-only %q ran %v, want %v", tt.only, got, tt.want)
		}
	}
}

// earlierReport is a report as a full run writes it, cut short.
const earlierReport = `# Benchmarks

Measured by ` + "`make bench`" + ` (` + "`go run ./cmd/lumo-bench`" + `) on 2026-11-23 22:22 UTC, in 6m19s. One process runs what
the rest of the header.

## Machine

| | |
| --- | --- |
| CPU | AMD EPYC, 2 cores |
| App database | SQLite, a file in a temporary directory (WAL) |
| Start-up | everything up 360ms after the process started |
| Machine load | this process used 56% of the machine's CPU |

## Results

| Benchmark | p50 | p99 | Target | |
| --- | --- | --- | --- | --- |
| P1 journey latency, Lumo | 25.5 ms | 40.3 ms | p50 ≤ 60.0 ms | met |
| P1 the same calls in a hand-written Temporal workflow | 15.0 ms | 27.7 ms | | |
| P2 ingest: highest rate sustained | 20 events/s | | ≥ 300 events/s | not met |
| P3 process RSS | 448 MiB | | ≤ 512 MiB | met |
| Free messages: answers to a friend's own action sent by reply | 100.0% (4500 of 4500) | | ≥ 95% | met |

Elapsed: start-up 400ms, P1 7s, P3 1m49s, P2 4m22s; 6m19s in all.

## P1: journey latency

P1's text.

| Lumo | 25.5 ms |

## P2: ingest

P2's text.

## P3: parked friends

P3's text.

## Free messages

Free's text.
`

func p5ForTest(p50 time.Duration) *p5Result {
	return &p5Result{
		friends: 1000, friendTags: 1500, members: 120, warmup: 1,
		counts: sample{p50, p50}, before: sample{2 * p50}, first: p50,
		plan:   []string{"Aggregate  (actual time=1.0..1.0 rows=1 loops=1)", "  Buffers: shared hit=10 read=5", "Execution Time: 1.0 ms"},
		server: "PostgreSQL 15.20", buffers: "shared_buffers 128MB, work_mem 4MB", heap: 8192 * 30,
	}
}

// A run of some scenarios rewrites the file with their figures and keeps the others'
// rows and sections as the file had them, dated; a later run keeps the first date.
func TestReportWrite_KeepsTheScenariosNotRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	if err := os.WriteFile(path, []byte(earlierReport), 0o644); err != nil {
		t.Fatal(err)
	}
	for run, p50 := range []time.Duration{150 * time.Millisecond, 250 * time.Millisecond} {
		r := &report{began: time.Date(2026, 12, 7, 15, 0, run, 0, time.UTC), load: map[string]load{}, p5: p5ForTest(p50)}
		if err := r.write(path); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got := string(b)
		for _, want := range []string{
			"on 2026-12-07 15:00 UTC",
			"That run measured P5 only; P1, P2, P3 are kept from earlier runs",
			"| App database | SQLite, a file in a temporary directory (WAL) |",
			"| Start-up | everything up 360ms after the process started |",
			"| Segment count database (P5) | PostgreSQL 15.20 (shared_buffers 128MB, work_mem 4MB) |",
			"| P1 journey latency, Lumo | 25.5 ms | 40.3 ms | p50 ≤ 60.0 ms | met |\n| P1 the same calls in a hand-written Temporal workflow |",
			"| P2 ingest: highest rate sustained | 20 events/s |",
			"| P3 process RSS | 448 MiB |",
			"| P5 segment count: 1000 friends, 3 conditions in 2 groups, on PostgreSQL | " + ms(p50) + " |",
			"| Free messages: answers to a friend's own action sent by reply | 100.0% (4500 of 4500) |",
			"## P1: journey latency\n\n_Measured on 2026-11-23 22:22 UTC by an earlier run; the latest run did not run it._\n\nP1's text.\n\n| Lumo | 25.5 ms |\n\n## P2: ingest",
			"## P3: parked friends\n\n_Measured on 2026-11-23 22:22 UTC",
			"## Free messages\n\n_Measured on 2026-11-23 22:22 UTC by an earlier run; the latest run did not run it._\n\nFree's text.",
			"## P5: segment count\n\n",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("run %d: the report lacks %q:\n%s", run+1, want, got)
			}
		}
		for _, once := range []string{"## P1:", "## P5:", "_Measured on", "| P5 segment count"} {
			if n := strings.Count(got, once); n != 1 && !(once == "_Measured on" && n == 4) {
				t.Errorf("run %d: %q %d times", run+1, once, n)
			}
		}
		if verdict := map[bool]string{true: "| met |", false: "| not met |"}[p50 <= p5TargetP50]; !strings.Contains(got, "on PostgreSQL | "+ms(p50)+" | "+ms(p50)+" | p50 ≤ 200.0 ms "+verdict) {
			t.Errorf("run %d: P5's row lacks its figures and %s:\n%s", run+1, verdict, got)
		}
	}
}

// A run of the product's scenarios keeps P5 from the file.
func TestReportWrite_KeepsP5WhenTheProductRuns(t *testing.T) {
	run := func(rate int, recipientRate, requestRate float64) broadcastRun {
		return broadcastRun{rate: rate, requests: 20, recipients: 10000, delivered: 10000, sent: 10000, total: 10000,
			status: "completed", recipientRate: recipientRate, requestRate: requestRate}
	}
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	first := &report{began: time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC), load: map[string]load{}, p5: p5ForTest(100 * time.Millisecond)}
	if err := first.write(path); err != nil {
		t.Fatal(err)
	}
	second := &report{began: time.Date(2026, 12, 8, 9, 30, 0, 0, time.UTC), load: map[string]load{},
		p3: &p3Result{parkedRuns: 10, enrollTook: time.Second},
		p4: &p4Result{friends: 10000, unthrottled: run(0, 150000, 300), throttled: run(10, 5000, 10.1)}}
	if err := second.write(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{
		"## P3: parked friends\n\n10 friends",
		"## P4: segment broadcast\n\n10000 friends",
		"| P4 segment broadcast to 10000 friends, unthrottled: recipients a second leaving for LINE | 150000/s | | ≥ 100000/s | met |",
		"| P4 the same at `LUMO_BROADCAST_RATE=10`: requests a second | 10.10/s (1.00% off) | | within 2% | met |",
		"## P5: segment count\n\n_Measured on 2026-12-07 15:00 UTC by an earlier run",
		"| P5 segment count: 1000 friends",
		"| Segment count database (P5) | PostgreSQL 15.20",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the report lacks %q:\n%s", want, got)
		}
	}
}
