package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestReadPlan_QuotesTheCountsParts(t *testing.T) {
	b, err := os.ReadFile("testdata/count-plan.txt") // P5's plan, as a run wrote it
	if err != nil {
		t.Fatal(err)
	}
	msf := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	for _, tt := range []struct {
		name  string
		lines []string
		want  planFigures
	}{
		{"P5's plan", strings.Split(string(b), "\n"), planFigures{
			hit: 4, read: 37517, heapBlocks: 32851,
			semiJoin: msf(100.256), heapScan: msf(147.404), append: msf(255.844), aggregate: msf(316.053), execution: msf(320.931),
		}},
		{"lossy pages count too", []string{
			"  ->  Bitmap Heap Scan on friends  (cost=1.00..2.00 rows=1 width=0) (actual time=1.5..2.25 rows=1 loops=1)",
			"        Heap Blocks: exact=10 lossy=5",
		}, planFigures{heapBlocks: 15, heapScan: msf(2.25)}},
		{"nothing of a plan", []string{"", "Buffers:", "Execution Time: x ms"}, planFigures{}},
	} {
		if got := readPlan(tt.lines); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// FuzzReadPlan: any text reads as some figures, without a panic.
func FuzzReadPlan(f *testing.F) {
	f.Add("Aggregate  (cost=1..2 rows=1 width=8) (actual time=1.0..2.0 rows=1 loops=1)\n  Buffers: shared hit=4 read=3\nExecution Time: 2.1 ms")
	f.Add("Heap Blocks: exact=99999999999999999999999 lossy=\n->  Hash Semi Join  (cost=) (actual time=..1e400")
	f.Fuzz(func(t *testing.T, plan string) {
		_ = readPlan(strings.Split(plan, "\n"))
	})
}
